"""The daily coordinator: when to ask the API, what to ask, what to do with errors.

Schedule design
---------------
Data is published once a day (yesterday's, from about 08:00 Paris time), so the coordinator has
no ``update_interval``: it plans its own next poll with ``async_track_point_in_utc_time``.

* First poll of a day at 06:00 + ``poll_offset`` minutes (Europe/Paris), the offset drawn once per
  entry (0-239) so users spread over the 06:00-10:00 window the Conso API asks for.
* If yesterday is still missing for a kind we expect data for, retries that same day at
  +1 h, +2 h, +4 h and +8 h after the first poll (at least 30 min apart), then the next morning.
* A 429 waits until its ``retry_after``; a ban (HTML 403) stops polling until the entry is
  reloaded and opens a repair issue; a refused token raises ``ConfigEntryAuthFailed``.
* Each poll asks only for days after the latest day held (so a held day is never asked again),
  one request per enabled data kind, and only for kinds whose yesterday is missing.

A short ``update_interval`` that does nothing when nothing is due would work too, but it would
wake up all day long and make every ``homeassistant.update_entity`` call a potential request;
here a refresh that was not triggered by the schedule only recomputes the snapshot from the
stored readings (no request), which also makes setup instant: the first refresh is served from
the store. The attempt count of the day is stored too, so a restart does not repeat a poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final, override
from urllib.parse import urlsplit

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import (
    CONSO_API_URL,
    ENEDIS_PRODUCTION_URL,
    AccessBlockedError,
    AccessDeniedError,
    AsyncLinkyClient,
    AuthenticationError,
    BadRequestError,
    EnedisDataConnectClient,
    LinkyConnectionError,
    LinkyError,
    MeteringData,
    NoDataError,
    RateLimitError,
    ServerError,
)
from .budget import LIMIT as BUDGET_LIMIT
from .budget import WINDOW as BUDGET_WINDOW
from .budget import BudgetExhausted, async_get_budget
from .const import (
    CONF_BASE_URL,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_POLL_OFFSET,
    CONF_PRM,
    CONF_PRODUCTION,
    CONF_SOURCE,
    CONF_TOKEN,
    DOMAIN,
    PARIS,
    SOURCE_ENEDIS,
    UNSUPPORTED_CODES,
)
from .readings import (
    DataKind,
    Direction,
    MeterReadings,
    curve_points,
    daily_values,
    max_power_values,
)
from .statistics_import import LinkyStatistics

if TYPE_CHECKING:
    from .backfill import HistoryBackfill

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 10  # seconds; flushed on unload and at shutdown by the Store itself

FIRST_POLL: Final = time(6, 0)
RETRY_AFTER: Final = (
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
)
MIN_RETRY_GAP: Final = timedelta(minutes=30)
RATE_LIMIT_DEFAULT_WAIT: Final = timedelta(hours=1)
FAILURES_BEFORE_UNAVAILABLE: Final = 3
"""Consecutive failed polls (network, server) before the entities become unavailable."""

TOKEN_WARNING: Final = timedelta(days=30)
"""A repair issue warns this long before the Conso API token expires."""

STEADY_CURVE_DAYS: Final = 7
"""How far back the daily poll looks for load curve and max power (one request: <= 7 days)."""

DATA_PROBED: HassKey[dict[str, dict[Direction, dict[date, int]]]] = HassKey(f"{DOMAIN}_probed")
"""Daily values the config flow fetched while checking access, per PRM, for the new entry."""

type LinkyClient = AsyncLinkyClient | EnedisDataConnectClient
type LinkyConfigEntry = ConfigEntry[LinkyRuntimeData]


@dataclass(slots=True)
class LinkyRuntimeData:
    """What a loaded entry holds (``entry.runtime_data``)."""

    coordinator: LinkyCoordinator
    statistics: LinkyStatistics
    backfill: HistoryBackfill


# --------------------------------------------------------------------------------------------
# Snapshot: what the sensors show (pure)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkySnapshot:
    """Values shown by the sensors, computed from the stored readings for a given day."""

    today: date
    """The Paris day the snapshot was computed for; "yesterday" is the day before."""
    consumption_yesterday: float | None  # kWh
    production_yesterday: float | None  # kWh
    max_power: int | None  # VA
    max_power_at: datetime | None  # UTC
    consumption_month: float | None  # kWh, 1st of this month to yesterday
    consumption_previous_month: float | None  # kWh
    production_month: float | None
    production_previous_month: float | None
    latest_day: date | None
    """The latest day any data is held for."""

    @property
    def yesterday(self) -> date:
        """The day the "yesterday" values describe."""
        return self.today - timedelta(days=1)


def day_energy_wh(readings: MeterReadings, direction: Direction, day: date) -> float | None:
    """Energy of a Paris day in Wh: the daily value, else a complete load curve, else None.

    A day without data is None, never zero. Daylight-saving days need no care here: the daily
    value covers the local day (23 or 25 h) and a curve is complete only when its intervals
    cover the day's 1380 or 1500 minutes.
    """
    value = readings.daily[direction].get(day)
    if value is not None:
        return float(value)
    if readings.curve_is_complete(direction, day):
        return sum(p.energy_wh for p in readings.curve[direction][day])
    return None


def period_energy_wh(
    readings: MeterReadings, direction: Direction, start: date, end: date
) -> float | None:
    """Sum over the days of ``[start, end)`` that have data; None when none has.

    Days that Enedis has not published (or answered "no data" for) are not counted: the value
    is the energy known so far, and the "latest data" sensor says up to which day.
    """
    total: float | None = None
    day = start
    while day < end:
        value = day_energy_wh(readings, direction, day)
        if value is not None:
            total = (total or 0.0) + value
        day += timedelta(days=1)
    return total


def _kwh(wh: float | None) -> float | None:
    return None if wh is None else round(wh / 1000, 3)


def summarize(readings: MeterReadings, today: date) -> LinkySnapshot:
    """Compute what the sensors show on the Paris day ``today`` (pure)."""
    yesterday = today - timedelta(days=1)
    # Calendar months: on the 1st, "this month" has no published day yet (unknown) and the
    # previous month is the one that just ended.
    month_start = today.replace(day=1)
    previous_start = (month_start - timedelta(days=1)).replace(day=1)
    max_power = readings.max_power.get(yesterday)
    held: list[date] = [
        *readings.daily["consumption"],
        *readings.daily["production"],
        *readings.max_power,
        *(day for direction in readings.curve.values() for day in direction),
    ]

    def month(direction: Direction) -> float | None:
        return _kwh(period_energy_wh(readings, direction, month_start, today))

    def previous(direction: Direction) -> float | None:
        return _kwh(period_energy_wh(readings, direction, previous_start, month_start))

    return LinkySnapshot(
        today=today,
        consumption_yesterday=_kwh(day_energy_wh(readings, "consumption", yesterday)),
        production_yesterday=_kwh(day_energy_wh(readings, "production", yesterday)),
        max_power=max_power.va if max_power else None,
        max_power_at=max_power.at if max_power else None,
        consumption_month=month("consumption"),
        consumption_previous_month=previous("consumption"),
        production_month=month("production"),
        production_previous_month=previous("production"),
        latest_day=max((day for day in held if day < today), default=None),
    )


# --------------------------------------------------------------------------------------------
# Schedule (pure)
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PollState:
    """Polls made on one Paris day (stored, so a restart does not repeat them)."""

    day: date | None = None
    attempts: int = 0
    last_attempt: datetime | None = None

    def attempts_on(self, day: date) -> int:
        """Return the number of polls already made on ``day``."""
        return self.attempts if self.day == day else 0

    def record(self, now: datetime) -> None:
        """Count a poll made at ``now``."""
        today = paris_day(now)
        self.attempts = self.attempts_on(today) + 1
        self.day = today
        self.last_attempt = now

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "day": self.day.isoformat() if self.day else None,
            "attempts": self.attempts,
            "last_attempt": self.last_attempt.isoformat() if self.last_attempt else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PollState:
        """Rebuild from ``as_dict``."""
        day, last = data.get("day"), data.get("last_attempt")
        return cls(
            day=date.fromisoformat(day) if day else None,
            attempts=int(data.get("attempts", 0)),
            last_attempt=datetime.fromisoformat(last) if last else None,
        )


def paris_day(now: datetime) -> date:
    """Return the Paris date of an aware instant."""
    return now.astimezone(PARIS).date()


def first_poll_time(day: date, poll_offset: int) -> datetime:
    """Return the first poll of a Paris day (UTC): 06:00 + offset minutes, local time."""
    local = datetime.combine(day, FIRST_POLL, tzinfo=PARIS) + timedelta(minutes=poll_offset)
    return local.astimezone(UTC)


def next_poll_time(now: datetime, poll_offset: int, state: PollState, up_to_date: bool) -> datetime:
    """When to poll next (UTC); ``now`` when a poll is due right away.

    An entry that never polled (just added) polls at once: its random slot applies from the
    next day on.
    """
    today = paris_day(now)
    if state.day is None and not up_to_date:
        return now
    first_today = first_poll_time(today, poll_offset)
    tomorrow = first_poll_time(today + timedelta(days=1), poll_offset)
    if up_to_date:
        return tomorrow
    if now < first_today:
        return first_today
    attempts = state.attempts_on(today)
    if attempts == 0:
        return now
    if attempts > len(RETRY_AFTER):
        return tomorrow
    retry = first_today + RETRY_AFTER[attempts - 1]
    if state.last_attempt is not None:
        retry = max(retry, state.last_attempt + MIN_RETRY_GAP)
    if paris_day(retry) != today:
        return tomorrow
    return max(retry, now)


# --------------------------------------------------------------------------------------------
# Client
# --------------------------------------------------------------------------------------------


def default_base_url(source: str) -> str:
    """Return the API address used when the user did not set one."""
    return ENEDIS_PRODUCTION_URL if source == SOURCE_ENEDIS else CONSO_API_URL


def api_host(data: Mapping[str, Any]) -> str:
    """Return the API host an entry talks to (the request budget is kept per host)."""
    base_url = data.get(CONF_BASE_URL) or default_base_url(data[CONF_SOURCE])
    return urlsplit(base_url).netloc or base_url


async def async_create_client(hass: HomeAssistant, data: Mapping[str, Any]) -> LinkyClient:
    """Build the API client an entry's data describes, on Home Assistant's HTTP session."""
    session = async_get_clientsession(hass)
    source = data[CONF_SOURCE]
    base_url = data.get(CONF_BASE_URL) or default_base_url(source)
    gate = (await async_get_budget(hass, api_host(data))).gate
    if source == SOURCE_ENEDIS:
        return EnedisDataConnectClient(
            data[CONF_CLIENT_ID],
            data[CONF_CLIENT_SECRET],
            consumption_prm=data[CONF_PRM],
            production_prm=data[CONF_PRM],
            session=session,
            base_url=base_url,
            request_gate=gate,
        )
    return AsyncLinkyClient(
        data[CONF_TOKEN],
        prm=data.get(CONF_PRM),
        session=session,
        base_url=base_url,
        request_gate=gate,
    )


async def async_get_data(
    client: LinkyClient, kind: DataKind, start: date, end: date
) -> MeteringData:
    """One kind of data over ``[start, end)``."""
    match kind:
        case "consumption_daily":
            return await client.get_daily_consumption(start, end)
        case "consumption_curve":
            return await client.get_consumption_load_curve(start, end)
        case "max_power":
            return await client.get_max_power(start, end)
        case "production_daily":
            return await client.get_daily_production(start, end)
        case "production_curve":
            return await client.get_production_load_curve(start, end)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days)]


# --------------------------------------------------------------------------------------------
# Coordinator
# --------------------------------------------------------------------------------------------


class LinkyCoordinator(DataUpdateCoordinator[LinkySnapshot]):
    """Holds one meter's readings, fetches new ones once a day, and computes the snapshot."""

    config_entry: LinkyConfigEntry

    def __init__(self, hass: HomeAssistant, entry: LinkyConfigEntry, client: LinkyClient) -> None:
        """Set up the coordinator; readings are loaded in ``_async_setup``."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"Linky {entry.data[CONF_PRM]}",
            update_interval=None,  # see the module docstring: the schedule is our own
        )
        self.client = client
        self.prm: str = entry.data[CONF_PRM]
        self.poll_offset: int = int(entry.data.get(CONF_POLL_OFFSET, 0))
        self.readings = MeterReadings()
        self.statistics: LinkyStatistics | None = None
        self.poll_state = PollState()
        self.next_poll: datetime | None = None
        self.blocked = False
        self.rate_limited_until: datetime | None = None
        self.failures = 0
        self.unsupported: dict[DataKind, str] = {}
        """Kinds that do not exist for this meter (ADAM-ERR0069) since setup, with the code."""
        self.refused: dict[DataKind, date] = {}
        """Kinds refused for another reason, with the Paris day: asked again the next day."""
        self.access_ended = False
        """Token or consent refused: nothing is asked until the entry is reloaded."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}", private=True
        )
        self._dirty = False
        self._poll_requested = False
        self._in_refresh = False
        self._stats_lock = asyncio.Lock()
        self._unsub_poll: CALLBACK_TYPE | None = None
        self._unsub_midnight: CALLBACK_TYPE | None = None
        self._stopped = False

    @property
    def production(self) -> bool:
        """Whether production data is fetched (option)."""
        return bool(self.config_entry.options.get(CONF_PRODUCTION, False))

    @property
    def kinds(self) -> tuple[DataKind, ...]:
        """The kinds of data fetched for this entry."""
        kinds: tuple[DataKind, ...] = ("consumption_daily", "consumption_curve", "max_power")
        if self.production:
            kinds += ("production_daily", "production_curve")
        return kinds

    # -- store -----------------------------------------------------------------------------

    @override
    async def _async_setup(self) -> None:
        """Load the stored readings (no request)."""
        stored = await self._store.async_load()
        probed = self.hass.data.get(DATA_PROBED, {}).pop(self.prm, {})
        if stored:
            self.readings = MeterReadings.from_dict(stored.get("readings", {}))
            self.poll_state = PollState.from_dict(stored.get("poll", {}))
            return
        for direction, values in probed.items():  # a new entry: what the flow fetched
            self.readings.merge_daily(direction, values)
        if probed:
            self._schedule_save()

    def _store_data(self) -> dict[str, Any]:
        self._dirty = False
        return {"readings": self.readings.to_dict(), "poll": self.poll_state.as_dict()}

    @callback
    def _schedule_save(self) -> None:
        self._dirty = True
        self._store.async_delay_save(self._store_data, SAVE_DELAY)

    # -- data -------------------------------------------------------------------------------

    def today(self) -> date:
        """Today in Paris."""
        return paris_day(dt_util.utcnow())

    @override
    async def _async_update_data(self) -> LinkySnapshot:
        """Poll when the schedule asked for it; otherwise serve the stored readings."""
        if self._poll_requested:
            self._poll_requested = False
            self._in_refresh = True
            try:
                await self._async_poll()
            finally:
                self._in_refresh = False
        return summarize(self.readings, self.today())

    def due_kinds(self, today: date, *, retry: bool) -> list[DataKind]:
        """Kinds whose yesterday is missing (on a retry, only those expected to come)."""
        yesterday = today - timedelta(days=1)
        due = [
            kind
            for kind in self.kinds
            if kind not in self.unsupported
            and self.refused.get(kind) != today
            and not self.readings.has(kind, yesterday)
        ]
        if retry:
            due = [kind for kind in due if self._expected(kind, today)]
        return due

    def _expected(self, kind: DataKind, today: date) -> bool:
        """Whether the kind's yesterday should come: the daily values, or data seen lately.

        A load curve the customer never enabled 404s every day: asked once a day, not retried.
        """
        if kind in ("consumption_daily", "production_daily"):
            return True
        return any(self.readings.has(kind, day) for day in _days(today - timedelta(days=8), today))

    def is_up_to_date(self, today: date) -> bool:
        """Whether nothing expected is missing for yesterday (for a new entry: nothing)."""
        return not self.due_kinds(today, retry=self.poll_state.day is not None)

    def steady_start(self, kind: DataKind, today: date) -> date:
        """First day the daily poll asks for: after the latest day held, within a window.

        Daily values go back to the 1st of the previous month (the month sensors; one request),
        the load curve and max power 7 days (one request). Older days are the backfill's job.
        """
        if kind in ("consumption_daily", "production_daily"):
            window = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        else:
            window = today - timedelta(days=STEADY_CURVE_DAYS)
        start = window
        for day in _days(window, today):
            if self.readings.has(kind, day):
                start = day + timedelta(days=1)
        return min(start, today - timedelta(days=1))

    async def _async_poll(self) -> None:
        """Poll: one request per kind whose yesterday is missing."""
        now = dt_util.utcnow()
        today = paris_day(now)
        if self.blocked:
            return
        if self.rate_limited_until is not None and now < self.rate_limited_until:
            return
        self.rate_limited_until = None
        retry = self.poll_state.attempts_on(today) > 0
        kinds = self.due_kinds(today, retry=retry)
        if not kinds:
            return
        self.poll_state.record(now)
        self._schedule_save()
        failure: LinkyError | None = None
        try:
            for kind in kinds:
                try:
                    await self.async_fetch_range(kind, self.steady_start(kind, today), today)
                except (BadRequestError, AccessDeniedError) as err:
                    if self.access_ended:
                        raise
                    self._refuse(kind, err, today)
                except (LinkyConnectionError, ServerError) as err:
                    failure = err
                    break  # the others would fail the same way; try again later
        except AuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders={"prm": self.prm},
            ) from err
        except AccessDeniedError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="access_ended",
                translation_placeholders={"prm": self.prm, "error": str(err)},
            ) from err
        except RateLimitError as err:
            self._handle_rate_limit(err)
            return
        except AccessBlockedError:
            return  # handled in async_fetch_range: polling stopped, repair issue opened
        self._handle_failure(failure)

    def _refuse(self, kind: DataKind, err: LinkyError, today: date) -> None:
        """Record a kind refused for a reason other than the token or the consent.

        ADAM-ERR0069 (production of a consumer, or the reverse): the kind does not exist for
        this meter and is not asked again until reload. Anything else (such as the
        ADAM-DC-0007 Enedis answered as a 400 for weeks in 2026, or a production consent
        missing) is asked again the next day.
        """
        if err.code in UNSUPPORTED_CODES:
            self.unsupported[kind] = err.code or str(err.status)
            _LOGGER.info("%s: the meter has no %s data (%s)", self.name, kind, err)
            return
        if kind not in self.refused:
            _LOGGER.warning(
                "%s: %s data is refused (%s); asked again tomorrow", self.name, kind, err
            )
        self.refused[kind] = today

    def is_main_kind(self, kind: DataKind) -> bool:
        """Whether a refusal of this kind means access to the meter ended.

        Consumption kinds, or production ones on a production-only meter.
        """
        if kind.startswith("consumption") or kind == "max_power":
            return True
        return "consumption_daily" in self.unsupported

    def _handle_rate_limit(self, err: RateLimitError) -> None:
        now = dt_util.utcnow()
        until = err.retry_after or now + RATE_LIMIT_DEFAULT_WAIT
        self.rate_limited_until = max(until, now + timedelta(minutes=1))
        if isinstance(err, BudgetExhausted):
            # Not an answer of the API: our own budget refused to send the request.
            _LOGGER.warning(
                "%s: the integration's own budget of %s requests per %s hours to %s is used "
                "up; waiting until %s",
                self.name,
                BUDGET_LIMIT,
                int(BUDGET_WINDOW.total_seconds() // 3600),
                err.host,
                self.rate_limited_until.astimezone(PARIS).strftime("%H:%M"),
            )
            return
        _LOGGER.warning(
            "%s: requests paused until %s (%s)",
            self.name,
            self.rate_limited_until.astimezone(PARIS).isoformat(timespec="minutes"),
            err,
        )

    @property
    def reachable(self) -> bool:
        """False from the `FAILURES_BEFORE_UNAVAILABLE`-th failed poll in a row on."""
        return self.failures < FAILURES_BEFORE_UNAVAILABLE

    def _handle_failure(self, failure: LinkyError | None) -> None:
        """Log once when the API cannot be reached and once when it is back."""
        if failure is None:
            if self.failures:
                _LOGGER.info("%s: the API can be reached again", self.name)
            self.failures = 0
            return
        self.failures += 1
        if self.failures == 1:
            _LOGGER.warning(
                "%s: the API cannot be reached (%s); will try again later, values are kept "
                "(entities become unavailable after %s failed updates in a row)",
                self.name,
                failure,
                FAILURES_BEFORE_UNAVAILABLE,
            )

    async def async_fetch_range(self, kind: DataKind, start: date, end: date) -> date | None:
        """Fetch one kind over ``[start, end)`` (one request) and merge it into the readings.

        A 404, and days of the range that did not come, are recorded as missing (never zero).
        Saves the store (debounced), updates the statistics from the earliest changed day and
        pushes the new snapshot to the entities. Returns the earliest changed day.
        Errors are raised to the caller after their side effects (ban -> polling stopped and a
        repair issue; refused token -> reauthentication).
        """
        if self.blocked:
            raise AccessBlockedError("Requests are stopped: the API has blocked this address")
        today = self.today()
        try:
            data = await async_get_data(self.client, kind, start, end)
        except NoDataError:
            self.readings.mark_missing(kind, _days(start, end), today)
            self._schedule_save()
            return None
        except AccessBlockedError:
            self._handle_ban()
            raise
        except AuthenticationError:
            self._stop_for_reauth()
            raise
        except AccessDeniedError as err:
            if self.is_main_kind(kind):
                self._handle_access_ended(err)
            raise
        ir.async_delete_issue(self.hass, DOMAIN, f"access_blocked_{self.config_entry.entry_id}")
        if self.refused.pop(kind, None) is not None:
            _LOGGER.info("%s: %s data is served again", self.name, kind)
        changed = self._merge(kind, data)
        self.readings.mark_missing(
            kind, [day for day in _days(start, end) if not self.readings.has(kind, day)], today
        )
        self._schedule_save()
        if changed is not None:
            await self._async_update_statistics(changed)
            if not self._in_refresh:
                self.data = summarize(self.readings, today)
                self.async_update_listeners()
        return changed

    def _merge(self, kind: DataKind, data: MeteringData) -> date | None:
        match kind:
            case "consumption_daily" | "production_daily":
                direction: Direction = (
                    "consumption" if kind == "consumption_daily" else "production"
                )
                return self.readings.merge_daily(direction, daily_values(data))
            case "consumption_curve" | "production_curve":
                direction = "consumption" if kind == "consumption_curve" else "production"
                return self.readings.merge_curve(direction, curve_points(data))
            case "max_power":
                return self.readings.merge_max_power(max_power_values(data))

    async def _async_update_statistics(self, changed: date) -> None:
        if self.statistics is None:
            return
        async with self._stats_lock:
            try:
                await self.statistics.async_update(self.readings, changed)
            except Exception:
                _LOGGER.exception("%s: importing statistics failed", self.name)

    @callback
    def _stop_for_reauth(self) -> None:
        """Stop polling and ask for new credentials (once: Home Assistant keeps one flow)."""
        self._stopped = True
        self._cancel_poll()
        self.config_entry.async_start_reauth(self.hass)

    @callback
    def _handle_access_ended(self, err: AccessDeniedError) -> None:
        """Consent withdrawn or expired, not the holder, API not subscribed: a new token."""
        if not self.access_ended:
            _LOGGER.warning(
                "%s: access to the meter's data was refused (%s); enter a new token "
                "(or credentials) to resume",
                self.name,
                err,
            )
        self.access_ended = True
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"access_ended_{self.config_entry.entry_id}",
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=(
                "access_ended_enedis"
                if self.config_entry.data[CONF_SOURCE] == SOURCE_ENEDIS
                else "access_ended"
            ),
            translation_placeholders={
                "title": self.config_entry.title,
                "prm": self.prm,
                "code": err.code or str(err.status),
            },
        )
        self._stop_for_reauth()

    @callback
    def check_token_expiry(self) -> None:
        """Warn 30 days before the Conso API token expires; ask for a new one once it has."""
        expires = getattr(self.client, "token_expires_at", None)
        issue_id = f"token_expiring_{self.config_entry.entry_id}"
        now = dt_util.utcnow()
        if not isinstance(expires, datetime) or expires - now > TOKEN_WARNING:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        if expires <= now:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            self._stop_for_reauth()
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="token_expiring",
            translation_placeholders={
                "title": self.config_entry.title,
                "date": expires.astimezone(PARIS).date().isoformat(),
                "url": "https://conso.boris.sh",
            },
        )

    def _handle_ban(self) -> None:
        if self.blocked:
            return
        self.blocked = True
        self._cancel_poll()
        host = api_host(self.config_entry.data)
        _LOGGER.error(
            "%s: %s has blocked requests from this address (HTTP 403); polling is stopped "
            "until the integration is reloaded",
            self.name,
            host,
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"access_blocked_{self.config_entry.entry_id}",
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="access_blocked",
            translation_placeholders={"host": host, "title": self.config_entry.title},
        )

    # -- schedule ---------------------------------------------------------------------------

    @callback
    def async_start(self, after_first_poll: Callable[[], None] | None = None) -> None:
        """Start the daily schedule once the entry is set up (setup itself makes no request).

        In the background: run the poll if one is due now (a new entry, or Home Assistant down
        at poll time), then start ``after_first_poll`` (the history backfill, which first brings
        the statistics in step with the stored readings), so both do not ask for the same days.
        """
        self._schedule_midnight()
        self.check_token_expiry()
        self.config_entry.async_create_background_task(
            self.hass, self._async_start(after_first_poll), f"{self.name} start"
        )

    async def _async_start(self, after: Callable[[], None] | None) -> None:
        when = self._compute_next_poll()
        if when is not None and when <= dt_util.utcnow():
            await self._async_scheduled_poll(after)
            return
        self._schedule_poll(when)
        self.async_update_listeners()  # the "next update" sensor
        if after is not None:
            after()

    def _compute_next_poll(self) -> datetime | None:
        if self.blocked or self._stopped or self.access_ended:
            return None
        now = dt_util.utcnow()
        when = next_poll_time(
            now, self.poll_offset, self.poll_state, self.is_up_to_date(paris_day(now))
        )
        if self.rate_limited_until is not None:
            when = max(when, self.rate_limited_until)
        return when

    @callback
    def _schedule_poll(self, when: datetime | None) -> None:
        self._cancel_poll()
        self.next_poll = when
        if when is None:
            return
        self._unsub_poll = async_track_point_in_utc_time(self.hass, self._handle_poll_time, when)

    @callback
    def _cancel_poll(self) -> None:
        if self._unsub_poll is not None:
            self._unsub_poll()
            self._unsub_poll = None
        self.next_poll = None

    @callback
    def _handle_poll_time(self, _now: datetime) -> None:
        self._unsub_poll = None
        self.config_entry.async_create_background_task(
            self.hass, self._async_scheduled_poll(None), f"{self.name} poll"
        )

    async def _async_scheduled_poll(self, after: Callable[[], None] | None) -> None:
        self._poll_requested = True
        try:
            await self.async_refresh()
        finally:
            self._poll_requested = False
            if not self._shutdown_requested:
                self._schedule_poll(self._compute_next_poll())
                self.async_update_listeners()  # the "next update" sensor
                if after is not None:
                    after()

    @callback
    def _schedule_midnight(self) -> None:
        """Recompute the snapshot at Paris midnight: "yesterday" moves on."""
        tomorrow = self.today() + timedelta(days=1)
        midnight = datetime.combine(tomorrow, time(0), tzinfo=PARIS).astimezone(UTC)
        self._unsub_midnight = async_track_point_in_utc_time(
            self.hass, self._handle_midnight, midnight
        )

    @callback
    def _handle_midnight(self, _now: datetime) -> None:
        self._unsub_midnight = None
        self.check_token_expiry()
        self.data = summarize(self.readings, self.today())
        self.async_update_listeners()
        self._schedule_midnight()

    @override
    async def async_shutdown(self) -> None:
        """Stop the schedule and write the readings now."""
        await super().async_shutdown()
        self._cancel_poll()
        if self._unsub_midnight is not None:
            self._unsub_midnight()
            self._unsub_midnight = None
        if self._dirty:
            await self._store.async_save(self._store_data())
        if isinstance(self.client, EnedisDataConnectClient) and self.client.is_connected:
            try:
                await self.client.close()  # revokes the access token
            except LinkyError as err:
                _LOGGER.debug("%s: revoking the Enedis token failed: %s", self.name, err)
