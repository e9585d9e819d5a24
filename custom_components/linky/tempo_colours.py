"""Tempo day colours for the whole Home Assistant: one shared service per source URL.

Final colours are kept forever in the ``linky.tempo`` Store (per source URL, keyed by day).
History comes one request per season (`TempoColours.async_ensure_history`): a season fetched
after its end is never asked again, the current one at most once a day. The schedule asks
tempoLight when today's colour is unknown (at start-up) and after 11:00 Paris for tomorrow's,
retrying after 30 min, 1 h and 2 h on errors or while tomorrow is not final; it also wakes at
Paris midnight, sending nothing when nothing is due. Errors are logged once and retried, never
raised. Listeners get the earliest day whose colour became known. These requests do not use
the Linky request budget (another host).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import RTE_TEMPO_URL, LinkyError, TempoClient, TempoColour
from .const import DOMAIN
from .paris import days_between, paris_day, paris_time

_LOGGER = logging.getLogger(__name__)

STORAGE_KEY: Final = f"{DOMAIN}.tempo"
STORAGE_VERSION: Final = 1
REFRESH_TIME: Final = time(11, 0)
"""Paris time after which tomorrow's colour is asked (RTE publishes it at about 10:40)."""
RETRY_DELAYS: Final = (timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2))
_COLOURS: Final[frozenset[str]] = frozenset({"blue", "white", "red"})

type ColourListener = Callable[[date], None]

DATA_TEMPO: HassKey[_TempoData] = HassKey(f"{DOMAIN}_tempo")


def _season_year(day: date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def _season_end(year: int) -> date:
    return date(year + 1, 8, 31)


def next_slot(now: datetime) -> datetime:
    """Return the next regular wake-up after `now`: 11:00 or midnight, Paris."""
    today = paris_day(now)
    slots = (paris_time(today, REFRESH_TIME), paris_time(today + timedelta(days=1)))
    return next((when for when in slots if when > now), paris_time(today + timedelta(days=1)))


class TempoColours:
    """The final Tempo colours of one source, fetched as rarely as possible."""

    def __init__(
        self,
        hass: HomeAssistant,
        url: str,
        stored: Mapping[str, Any] | None,
        save: Callable[[], Awaitable[None]],
    ) -> None:
        """Start from what was stored; `save` writes the shared Store."""
        self.hass = hass
        self.url = url
        self._client = TempoClient(session=async_get_clientsession(hass), base_url=url)
        self._colours, self._fetched = _load(stored or {})
        self._save = save
        self._listeners: list[ColourListener] = []
        self._first_day: date | None = None
        self._lock = asyncio.Lock()
        self._retries = 0
        self._failing = False
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._unsub_stop: CALLBACK_TYPE | None = None
        self._stopped = False
        self.next_refresh: datetime | None = None

    @property
    def requests_count(self) -> int:
        """Requests sent to the source since start-up."""
        return self._client.requests_count

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (for the Store)."""
        return {
            "colours": {day.isoformat(): colour for day, colour in sorted(self._colours.items())},
            "seasons": {season: day.isoformat() for season, day in self._fetched.items()},
        }

    def colour_of(self, day: date) -> TempoColour | None:
        """Return the final colour of a Paris day; None until it is known."""
        return self._colours.get(day)

    @callback
    def async_add_listener(self, listener: ColourListener) -> CALLBACK_TYPE:
        """Call `listener(day)` when colours become known from `day` on; return the remover."""
        self._listeners.append(listener)

        @callback
        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    async def async_ensure_history(self, first_day: date, today: date) -> None:
        """Fetch the seasons of ``[first_day, today]`` not fully held (one request each).

        While errors are being retried, only remembers the range (the retry fetches it).
        """
        self._first_day = first_day if self._first_day is None else min(self._first_day, first_day)
        if self._failing:
            return
        async with self._lock:
            ok = await self._async_fetch_seasons(today)
        if not ok:
            self._schedule_after(dt_util.utcnow(), pending=True)

    # ---- schedule -----------------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Start the daily schedule (a refresh now when today's colour is unknown)."""
        self._unsub_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._handle_stop
        )
        self.hass.async_create_background_task(self._async_tick(), "linky tempo colours")

    @callback
    def async_shutdown(self) -> None:
        """Stop the schedule."""
        self._stopped = True
        self._cancel_timer()
        if self._unsub_stop is not None:
            self._unsub_stop()
            self._unsub_stop = None

    @callback
    def _handle_stop(self, _event: Event) -> None:
        self._unsub_stop = None
        self.async_shutdown()

    def _light_due(self, now: datetime) -> bool:
        """Today's colour unknown, or tomorrow's after `REFRESH_TIME`."""
        today = paris_day(now)
        if today not in self._colours:
            return True
        after = now >= paris_time(today, REFRESH_TIME)
        return after and today + timedelta(days=1) not in self._colours

    async def _async_tick(self) -> None:
        now = dt_util.utcnow()
        async with self._lock:
            ok = not self._light_due(now) or await self._async_fetch_light()
            ok = ok and await self._async_fetch_seasons(paris_day(now))
        self._schedule_after(now, pending=not ok or self._light_due(now))

    @callback
    def _schedule_after(self, now: datetime, *, pending: bool) -> None:
        """Plan the next wake-up: a retry while `pending` and retries are left, else a slot."""
        if pending and self._retries < len(RETRY_DELAYS):
            when = now + RETRY_DELAYS[self._retries]
            self._retries += 1
        else:
            self._retries = 0
            when = next_slot(now)
        self._cancel_timer()
        if self._stopped:
            return
        self.next_refresh = when
        self._unsub_timer = async_track_point_in_utc_time(self.hass, self._handle_timer, when)

    @callback
    def _cancel_timer(self) -> None:
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None
        self.next_refresh = None

    @callback
    def _handle_timer(self, _now: datetime) -> None:
        self._unsub_timer = None
        self.hass.async_create_background_task(self._async_tick(), "linky tempo colours")

    # ---- fetching -----------------------------------------------------------------------

    async def _async_fetch_light(self) -> bool:
        try:
            values = await self._client.get_light()
        except LinkyError as err:
            self._log_error(err)
            return False
        self._log_success()
        if (earliest := self._merge(values)) is not None:
            await self._save()
            self._notify(earliest)
        return True

    def _seasons_to_fetch(self, today: date) -> Iterator[str]:
        """Seasons of ``[first_day, today]`` missing a day, not fetched after their end or today."""
        if self._first_day is None:
            return
        for year in range(_season_year(self._first_day), _season_year(today) + 1):
            start = max(self._first_day, date(year, 9, 1))
            end = min(today, _season_end(year))
            if all(day in self._colours for day in days_between(start, end + timedelta(days=1))):
                continue
            fetched = self._fetched.get(f"{year}-{year + 1}")
            if fetched is None or (fetched <= _season_end(year) and fetched < today):
                yield f"{year}-{year + 1}"

    async def _async_fetch_seasons(self, today: date) -> bool:
        earliest: date | None = None
        ok = True
        for season in list(self._seasons_to_fetch(today)):
            try:
                values = await self._client.get_season(season)
            except LinkyError as err:
                self._log_error(err)
                ok = False
                break
            self._log_success()
            self._fetched[season] = today
            earliest = _earliest(earliest, self._merge(values))
            await self._save()
        if earliest is not None:
            self._notify(earliest)
        return ok

    def _merge(self, values: Mapping[date, TempoColour | None]) -> date | None:
        """Keep the final colours not held yet; return the earliest new day."""
        new = {
            day: colour
            for day, colour in values.items()
            if colour is not None and day not in self._colours
        }
        self._colours.update(new)
        return min(new, default=None)

    def _notify(self, earliest: date) -> None:
        for listener in list(self._listeners):
            listener(earliest)

    def _log_error(self, err: LinkyError) -> None:
        if self._failing:
            _LOGGER.debug("Tempo colours from %s still unavailable: %s", self.url, err)
            return
        self._failing = True
        _LOGGER.warning("Tempo colours unavailable from %s (will retry): %s", self.url, err)

    def _log_success(self) -> None:
        if self._failing:
            self._failing = False
            _LOGGER.info("Tempo colours available again from %s", self.url)


def _earliest(first: date | None, second: date | None) -> date | None:
    return min((day for day in (first, second) if day is not None), default=None)


def _load(stored: Mapping[str, Any]) -> tuple[dict[date, TempoColour], dict[str, date]]:
    """Colours and season fetch days from a stored section (what is unreadable is dropped)."""
    colours: dict[date, TempoColour] = {}
    fetched: dict[str, date] = {}
    for key, colour in _mapping(stored.get("colours")).items():
        if colour in _COLOURS and (day := _date(key)) is not None:
            colours[day] = colour
    for season, key in _mapping(stored.get("seasons")).items():
        if (day := _date(key)) is not None:
            fetched[str(season)] = day
    return colours, fetched


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value)
    except TypeError, ValueError:
        return None


class _TempoData:
    """Every source's service, persisted together in one Store."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
        self.stored: dict[str, Any] = {}
        self.services: dict[str, TempoColours] = {}
        self.loaded = False
        self.lock = asyncio.Lock()

    async def async_save(self) -> None:
        sources = {url: service.to_dict() for url, service in self.services.items()}
        await self.store.async_save({"sources": {**self.stored, **sources}})


async def async_get_tempo_colours(hass: HomeAssistant, url: str = RTE_TEMPO_URL) -> TempoColours:
    """Return the colour service of a source, shared by every entry (started on first use)."""
    data = hass.data.get(DATA_TEMPO)
    if data is None:
        data = hass.data[DATA_TEMPO] = _TempoData(hass)
    async with data.lock:
        if not data.loaded:
            stored = await data.store.async_load() or {}
            data.stored = dict(_mapping(stored.get("sources")))
            data.loaded = True
        if (service := data.services.get(url)) is None:
            service = TempoColours(hass, url, _mapping(data.stored.get(url)), data.async_save)
            data.services[url] = service
            service.async_start()
        return service
