"""Tempo day colours for the whole Home Assistant: one shared service per pair of sources.

The source is RTE's open data; api-couleur-tempo.fr (a community copy of it) is the fallback,
asked only when RTE fails (an error, a ban, a timeout), for the same days. Final colours are
kept forever in the ``linky.tempo`` Store (a section per pair, `source_key`, keyed by day).
History comes one request per season (`TempoColours.async_ensure_history`), from the fallback
when RTE fails or failed last while the fallback did not: a season fetched after its end is
never asked again, the current one at most once a day. The schedule asks tempoLight when
today's colour is unknown (at start-up) and after 11:00 Paris for tomorrow's, retrying after
30 min, 1 h and 2 h on errors or while tomorrow is not final; it also wakes at Paris midnight,
sending nothing when nothing is due. When tempoLight fails, the fallback is asked in one
request for the days due: today's, and tomorrow's from 12:00 (`FALLBACK_FINAL_TIME`; before,
its answer for tomorrow is dropped). A colour it does not know yet (codeJour 0) stays unknown.
Errors are logged once per source and retried, never raised. Listeners get the earliest day
whose colour became known. These requests do not use the Linky request budget (other hosts).
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import (
    COULEUR_TEMPO_URL,
    RTE_TEMPO_URL,
    CouleurTempoClient,
    LinkyError,
    TempoClient,
    TempoColour,
)
from .const import DOMAIN
from .issues import TempoOutage, update_tempo_unavailable
from .paris import days_between, paris_day, paris_time

_LOGGER = logging.getLogger(__name__)

STORAGE_KEY: Final = f"{DOMAIN}.tempo"
STORAGE_VERSION: Final = 1
REFRESH_TIME: Final = time(11, 0)
"""Paris time after which tomorrow's colour is asked (RTE publishes it at about 10:40)."""
FALLBACK_FINAL_TIME: Final = time(12, 0)
"""Paris time after which the fallback's colour for tomorrow is final (it may change before)."""
RETRY_DELAYS: Final = (timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2))
_COLOURS: Final[frozenset[str]] = frozenset({"blue", "white", "red"})

type ColourListener = Callable[[date], None]

DATA_TEMPO: HassKey[_TempoData] = HassKey(f"{DOMAIN}_tempo")


def _season_year(day: date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def _season_end(year: int) -> date:
    return date(year + 1, 8, 31)


def source_key(url: str, fallback_url: str = COULEUR_TEMPO_URL) -> str:
    """Name the Store section of a pair of sources: the RTE URL alone with the default fallback."""
    return url if fallback_url == COULEUR_TEMPO_URL else f"{url} {fallback_url}"


def next_slot(now: datetime) -> datetime:
    """Return the next regular wake-up after `now`: 11:00 or midnight, Paris."""
    today = paris_day(now)
    slots = (paris_time(today, REFRESH_TIME), paris_time(today + timedelta(days=1)))
    return next((when for when in slots if when > now), paris_time(today + timedelta(days=1)))


class _Health:
    """Whether a source's last request failed, since when and how; logged once each way."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.failing = False
        self.since: datetime | None = None
        self.error = ""

    def failed(self, err: LinkyError) -> None:
        self.error = type(err).__name__ if err.status is None else f"HTTP {err.status}"
        if self.failing:
            _LOGGER.debug("Tempo colours from %s still unavailable: %s", self.url, err)
            return
        self.failing = True
        self.since = dt_util.utcnow()
        _LOGGER.warning("Tempo colours unavailable from %s (will retry): %s", self.url, err)

    def answered(self) -> None:
        if self.failing:
            self.failing = False
            self.since = None
            _LOGGER.info("Tempo colours available again from %s", self.url)


async def _ask[T](health: _Health, request: Awaitable[T]) -> T | None:
    """Await one request of a source; None (logged) when it failed."""
    try:
        result = await request
    except LinkyError as err:
        health.failed(err)
        return None
    health.answered()
    return result


def _final_at(
    values: Mapping[date, TempoColour | None], now: datetime
) -> dict[date, TempoColour | None]:
    """Keep the fallback's days whose colour is final at `now` (from the day before, 12:00)."""
    return {
        day: colour
        for day, colour in values.items()
        if now >= paris_time(day - timedelta(days=1), FALLBACK_FINAL_TIME)
    }


class TempoColours:
    """The final Tempo colours of one source and its fallback, fetched as rarely as possible."""

    def __init__(
        self,
        hass: HomeAssistant,
        url: str,
        fallback_url: str,
        stored: Mapping[str, Any] | None,
        save: Callable[[], Awaitable[None]],
    ) -> None:
        """Start from what was stored; `save` writes the shared Store."""
        self.hass = hass
        self.url = url
        self.fallback_url = fallback_url
        session = async_get_clientsession(hass)
        self._client = TempoClient(session=session, base_url=url)
        self._fallback = CouleurTempoClient(session=session, base_url=fallback_url)
        self._health = _Health(url)
        self._fallback_health = _Health(fallback_url)
        self._colours, self._fetched = _load(stored or {})
        self._save = save
        self._listeners: list[ColourListener] = []
        self._first_day: date | None = None
        self._lock = asyncio.Lock()
        self._retries = 0
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._unsub_stop: CALLBACK_TYPE | None = None
        self._stopped = False
        self.next_refresh: datetime | None = None

    @property
    def requests_count(self) -> int:
        """Requests sent to the source (RTE) since start-up."""
        return self._client.requests_count

    @property
    def fallback_requests_count(self) -> int:
        """Requests sent to the fallback since start-up."""
        return self._fallback.requests_count

    @property
    def _failing(self) -> bool:
        """Both sources failed at their last request (a retry is planned)."""
        return self._health.failing and self._fallback_health.failing

    def outage(self) -> TempoOutage | None:
        """Since when neither source answers, and how each failed (None while one does)."""
        healths = (self._health, self._fallback_health)
        if not self._failing or any(health.since is None for health in healths):
            return None
        since = max(health.since for health in healths if health.since is not None)
        return TempoOutage(since, tuple((h.url, h.error) for h in healths))

    @callback
    def _report_outage(self) -> None:
        """Open (after a day) or close the repair issue saying the colours are unavailable."""
        key = source_key(self.url, self.fallback_url)
        update_tempo_unavailable(self.hass, key, None if self._stopped else self.outage())

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

        While both sources are failing, only remembers the range (the planned retry fetches it),
        also when they failed the request running when this was called (no second wait).
        """
        self._first_day = first_day if self._first_day is None else min(self._first_day, first_day)
        if self._failing:
            return
        async with self._lock:
            # Both sources may have failed the request this waited for: their retry fetches it.
            ok = self._failing or await self._async_fetch_seasons(today, dt_util.utcnow())
        self._report_outage()
        if not ok:
            self._schedule_after(dt_util.utcnow(), pending=True)

    # ---- schedule -----------------------------------------------------------------------

    @property
    def stopped(self) -> bool:
        """Whether its schedule is stopped (no user, or Home Assistant stopping)."""
        return self._stopped

    @callback
    def async_start(self) -> None:
        """Start the daily schedule (a refresh now when today's colour is unknown)."""
        self._stopped = False
        self._unsub_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._handle_stop
        )
        self.hass.async_create_background_task(self._async_tick(), "linky tempo colours")

    @callback
    def async_shutdown(self) -> None:
        """Stop the schedule."""
        self._stopped = True
        self._report_outage()
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
        """Ask what is due, then plan the next wake-up, whatever happened (the schedule goes on)."""
        now = dt_util.utcnow()
        try:
            async with self._lock:
                ok = not self._light_due(now) or await self._async_fetch_recent(now)
                ok = ok and await self._async_fetch_seasons(paris_day(now), now)
        except Exception:
            _LOGGER.exception("Tempo colours from %s: unexpected error (will retry)", self.url)
            ok = False
        self._report_outage()
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

    def _fallback_due(self, now: datetime) -> Sequence[date]:
        """Today if unknown, and tomorrow if unknown from `FALLBACK_FINAL_TIME` on."""
        today = paris_day(now)
        due = [today] if today not in self._colours else []
        tomorrow = today + timedelta(days=1)
        if now >= paris_time(today, FALLBACK_FINAL_TIME) and tomorrow not in self._colours:
            due.append(tomorrow)
        return due

    async def _async_fetch_recent(self, now: datetime) -> bool:
        """Ask tempoLight, else the fallback for the days due; False when none answered."""
        values: Mapping[date, TempoColour | None] | None
        values = await _ask(self._health, self._client.get_light())
        if values is None and (due := self._fallback_due(now)):
            values = await _ask(self._fallback_health, self._fallback.get_days(due))
            values = None if values is None else _final_at(values, now)
        if values is None:
            return False
        if (earliest := self._merge(values)) is not None:
            await self._save()
            self._notify(earliest)
        return True

    def _seasons_to_fetch(self, today: date) -> Iterator[str]:
        """Seasons lacking a day of ``[first_day - 1, today]``, unfetched after their end or today.

        From the day before the first: 00:00-06:00 of a day belongs to the previous Tempo day
        (the first day of a history starting on 1 September needs the last season's 31 August).
        """
        if self._first_day is None:
            return
        first = self._first_day - timedelta(days=1)
        for year in range(_season_year(first), _season_year(today) + 1):
            start = max(first, date(year, 9, 1))
            end = min(today, _season_end(year))
            if all(day in self._colours for day in days_between(start, end + timedelta(days=1))):
                continue
            fetched = self._fetched.get(f"{year}-{year + 1}")
            if fetched is None or (fetched <= _season_end(year) and fetched < today):
                yield f"{year}-{year + 1}"

    async def _async_season(
        self, season: str, now: datetime
    ) -> Mapping[date, TempoColour | None] | None:
        """Return a season from RTE, else from the fallback; None when neither answered.

        The fallback is asked first when RTE failed last and the fallback did not.
        """
        if not self._health.failing or self._fallback_health.failing:
            values = await _ask(self._health, self._client.get_season(season))
            if values is not None:
                return values
        values = await _ask(self._fallback_health, self._fallback.get_season(season))
        return None if values is None else _final_at(values, now)

    async def _async_fetch_seasons(self, today: date, now: datetime) -> bool:
        earliest: date | None = None
        ok = True
        for season in list(self._seasons_to_fetch(today)):
            values = await self._async_season(season, now)
            if values is None:
                ok = False
                break
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
        self.users: dict[str, int] = {}
        self.loaded = False
        self.lock = asyncio.Lock()

    async def async_save(self) -> None:
        sources = {key: service.to_dict() for key, service in self.services.items()}
        await self.store.async_save({"sources": {**self.stored, **sources}})


async def async_get_tempo_colours(
    hass: HomeAssistant, url: str = RTE_TEMPO_URL, fallback_url: str = COULEUR_TEMPO_URL
) -> TempoColours:
    """Return the colour service of a pair of sources, shared by every entry (started first)."""
    key = source_key(url, fallback_url)
    data = hass.data.get(DATA_TEMPO)
    if data is None:
        data = hass.data[DATA_TEMPO] = _TempoData(hass)
    async with data.lock:
        if not data.loaded:
            stored = await data.store.async_load() or {}
            data.stored = dict(_mapping(stored.get("sources")))
            data.loaded = True
        if (service := data.services.get(key)) is None:
            section = _mapping(data.stored.get(key))
            service = TempoColours(hass, url, fallback_url, section, data.async_save)
            data.services[key] = service
            service.async_start()
        elif service.stopped:  # its last user left (a reload): what it holds or still fetches stays
            service.async_start()
        return service


@callback
def async_use_tempo_colours(hass: HomeAssistant, service: TempoColours) -> CALLBACK_TYPE:
    """Count one more user (an entry) of a service; the returned callback releases it.

    Once its last user is gone the service stops asking for colours. It is kept, with what it
    holds and what a request still under way brings, for the next user, who starts it again.
    """
    data = hass.data[DATA_TEMPO]
    key = source_key(service.url, service.fallback_url)
    data.users[key] = data.users.get(key, 0) + 1

    @callback
    def release() -> None:
        data.users[key] -= 1
        if data.users[key] == 0:
            del data.users[key]
            service.async_shutdown()

    return release
