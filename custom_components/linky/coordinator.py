"""The daily coordinator: one meter's stored readings, the daily poll and its error policy.

The coordinator has no ``update_interval``: it plans its own polls (`schedule`) with
``async_track_point_in_utc_time``. A refresh (setup, ``homeassistant.update_entity``) only
recomputes the snapshot from the stored readings and sends no request; only a poll the schedule
planned asks the API, one request per kind whose yesterday is missing, for the days after the
latest one held. The day's poll attempts are stored with the readings, so a restart repeats none.

Errors: a 429 (or the budget's `BudgetExhausted`) waits until its ``retry_after``; a ban (HTML
403) or a refused token or consent stops polling (a repair issue, a reauthentication flow); a
404 day is recorded as missing, never zero; network and server errors (those on the API's side
too: `issues.UpstreamWatch`) are retried at the next poll, entities unavailable after 3 in a row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api import (
    AccessBlockedError,
    AccessDeniedError,
    AuthenticationError,
    BadRequestError,
    EnedisDataConnectClient,
    LinkyConnectionError,
    LinkyError,
    NoDataError,
    RateLimitError,
    ServerError,
)
from .budget import LIMIT as BUDGET_LIMIT
from .budget import WINDOW as BUDGET_WINDOW
from .budget import BudgetExhausted, HostPausedError, RequestBudget, resume_at
from .client import LinkyClient, async_get_data, token_expires_at
from .const import CONF_POLL_OFFSET, CONF_PRM, CONF_PRODUCTION, PARIS, UNSUPPORTED_CODES
from .contract import ColourOf, Contract
from .data import DATA_PROBED
from .day_cache import DayEnergyCache
from .issues import (
    UpstreamWatch,
    create_access_blocked,
    create_access_ended,
    delete_access_blocked,
    update_token_expiry,
)
from .kinds import KINDS, DataKind
from .paris import days_between, local_midnight, paris_day
from .readings import MeterReadings
from .readings_store import ReadingsStore
from .schedule import PollState, due_kinds, next_poll_time, steady_start
from .snapshot import LinkySnapshot, summarize

if TYPE_CHECKING:
    from .data import LinkyConfigEntry

_LOGGER = logging.getLogger(__name__)

SAVE_DELAY: Final = 10  # seconds; flushed on unload and at shutdown by the Store itself
FAILURES_BEFORE_UNAVAILABLE: Final = 3
"""Consecutive failed polls (network, server) before the entities become unavailable."""


class StopReason(StrEnum):
    """Why the coordinator sends no more requests until the entry is reloaded."""

    BLOCKED = "blocked"
    """The API host banned this address (HTML 403)."""
    REAUTH = "reauth"
    """The token, the credentials or the consent were refused (or the token expired)."""


class LinkyCoordinator(DataUpdateCoordinator[LinkySnapshot]):
    """Holds one meter's readings, fetches new ones once a day, and computes the snapshot."""

    config_entry: LinkyConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: LinkyConfigEntry,
        client: LinkyClient,
        *,
        contract: Contract | None = None,
        colour_of: ColourOf | None = None,
        budget: RequestBudget,
    ) -> None:
        """Set up; readings load in ``_async_setup``; the contract splits yesterday by class."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"Linky {entry.data[CONF_PRM]}",
            update_interval=None,  # the schedule is our own (see the module docstring)
        )
        self.client = client
        self.budget = budget  # the host's: told of its 429s and bans, which hold every entry
        self.contract = contract
        self.colour_of: ColourOf = colour_of or (lambda _day: None)
        self.prm: str = entry.data[CONF_PRM]
        self.poll_offset: int = int(entry.data.get(CONF_POLL_OFFSET, 0))
        self.readings = MeterReadings()
        self._day_energy = DayEnergyCache()
        """Each day's energy the snapshot priced, kept while the day's inputs are the same."""
        self.poll_state = PollState()
        self.next_poll: datetime | None = None
        self.stopped: StopReason | None = None
        self.rate_limited_until: datetime | None = None
        self.failures = 0
        self.upstream = UpstreamWatch(hass, entry, self.name)
        self.unsupported: dict[DataKind, str] = {}
        """Kinds the meter or the server does not have (`UNSUPPORTED_CODES`) since setup."""
        self.refused: dict[DataKind, date] = {}
        """Kinds refused for another reason, with the Paris day: asked again the next day."""
        self._store = ReadingsStore(hass, entry.entry_id, client)
        self.subscribed_power_kva: int | None = None
        """The subscribed power Enedis Data Connect's contract data gave (kVA), if read."""
        self._dirty = False
        self._unsub_poll: CALLBACK_TYPE | None = None
        self._unsub_midnight: CALLBACK_TYPE | None = None

    @property
    def production(self) -> bool:
        """Whether production data is fetched (option)."""
        return bool(self.config_entry.options.get(CONF_PRODUCTION, False))

    @property
    def kinds(self) -> tuple[DataKind, ...]:
        """The kinds fetched: production if asked, the registers for a contract with classes."""
        classes = self.contract is not None and len(self.contract.classes) > 1
        return tuple(
            kind
            for kind, info in KINDS.items()
            if (self.production or info.direction == "consumption")
            and (classes or info.shape != "index")
        )

    @property
    def reachable(self) -> bool:
        """False from the `FAILURES_BEFORE_UNAVAILABLE`-th failed poll in a row on."""
        return self.failures < FAILURES_BEFORE_UNAVAILABLE

    def today(self) -> date:
        """Today in Paris."""
        return paris_day(dt_util.utcnow())

    # -- store -----------------------------------------------------------------------------

    @override
    async def _async_setup(self) -> None:
        """Load the stored readings (no request); a new entry takes what the flow fetched."""
        stored = await self._store.async_load()
        probed = self.hass.data.get(DATA_PROBED, {}).pop(self.prm, {})
        if stored:
            self.readings = await self.hass.async_add_executor_job(
                MeterReadings.from_dict, stored.get("readings", {})
            )
            self.poll_state = PollState.from_dict(stored.get("poll", {}))
            return
        for direction, values in probed.items():
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

    # -- what the sensors show ----------------------------------------------------------------

    def snapshot(self) -> LinkySnapshot:
        """Return what the sensors show now, from the stored readings."""
        return summarize(
            self.readings,
            self.today(),
            self.contract,
            self.colour_of,
            self.subscribed_power_kva,
            energy_of=self._day_energy,
        )

    @override
    async def _async_update_data(self) -> LinkySnapshot:
        """Serve the stored readings (a refresh never sends a request)."""
        return self.snapshot()

    @callback
    def push_snapshot(self) -> None:
        """Recompute the snapshot and update the entities."""
        self.async_set_updated_data(self.snapshot())

    # -- the daily poll -----------------------------------------------------------------------

    def due_kinds(self, today: date, *, retry: bool) -> list[DataKind]:
        """Kinds the poll asks for today (see `schedule.due_kinds`)."""
        skip = {*self.unsupported, *(kind for kind, day in self.refused.items() if day == today)}
        return due_kinds(self.readings, self.kinds, today, retry=retry, skip=skip)

    async def async_poll(self) -> None:
        """Poll: one request per kind whose yesterday is missing; then push the snapshot."""
        now = dt_util.utcnow()
        today = paris_day(now)
        if self.stopped or (self.rate_limited_until is not None and now < self.rate_limited_until):
            return
        self.rate_limited_until = None
        if not (kinds := self.due_kinds(today, retry=self.poll_state.attempts_on(today) > 0)):
            return
        self.poll_state.record(now)
        self._schedule_save()
        failure: LinkyError | None = None
        try:
            for kind in kinds:
                try:
                    start = steady_start(self.readings, kind, today)
                    await self.async_fetch_range(kind, start, today)
                except (BadRequestError, AccessDeniedError) as err:
                    if self.stopped:
                        return  # access ended: reauthentication started
                    self._refuse(kind, err, today)
                except (LinkyConnectionError, ServerError) as err:
                    failure = err
                    break  # the others would fail the same way; try again later
        except RateLimitError as err:
            self._handle_rate_limit(err)
            return
        except AuthenticationError, AccessBlockedError:
            return  # handled in async_fetch_range: polling stopped, the user is told
        self._handle_failure(failure)
        self.push_snapshot()  # also when nothing changed: availability, "next update"

    def _refuse(self, kind: DataKind, err: LinkyError, today: date) -> None:
        """Record a kind refused for a reason other than the token or the consent.

        ADAM-ERR0069 (production of a consumer, or the reverse) or `NOT_OFFERED` (a server
        without registers): not asked again until reload. Anything else (the ADAM-DC-0007
        Enedis sent as a 400 for weeks in 2026, a production consent missing, registers
        refused) is asked again the next day.
        """
        if err.code in UNSUPPORTED_CODES:
            self.unsupported[kind] = err.code or str(err.status)
            _LOGGER.info("%s: no %s data from this meter or server (%s)", self.name, kind, err)
            return
        if kind not in self.refused:
            _LOGGER.warning(
                "%s: %s data is refused (%s); asked again tomorrow", self.name, kind, err
            )
        self.refused[kind] = today

    def is_main_kind(self, kind: DataKind) -> bool:
        """Whether a refusal means access ended: consumption, or a producer's production."""
        if KINDS[kind].shape == "index":
            return False  # extra: a refusal only means the API does not serve them
        return KINDS[kind].direction == "consumption" or "consumption_daily" in self.unsupported

    def _handle_rate_limit(self, err: RateLimitError) -> None:
        self.rate_limited_until = resume_at(err)
        if isinstance(err, HostPausedError):
            return  # another entry's 429, logged there
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

    def _handle_failure(self, failure: LinkyError | None) -> None:
        """Log once when the API cannot be reached and once when it is back."""
        on_its_side = self.upstream.update(failure)  # logged there; a repair issue if it lasts
        if failure is None:
            if self.failures:
                _LOGGER.info("%s: the API can be reached again", self.name)
            self.failures = 0
            return
        self.failures += 1
        if self.failures == 1 and not on_its_side:
            _LOGGER.warning(
                "%s: the API cannot be reached (%s); will try again later, values are kept "
                "(entities become unavailable after %s failed updates in a row)",
                self.name,
                failure,
                FAILURES_BEFORE_UNAVAILABLE,
            )

    # -- the one path data enters by ------------------------------------------------------------

    async def async_fetch_range(self, kind: DataKind, start: date, end: date) -> date | None:
        """Fetch one kind over ``[start, end)`` (one request) and merge it into the readings.

        A 404, and days of the range that did not come, are recorded as missing (never zero).
        Saves the store (debounced) and, when something changed, pushes the new snapshot to
        the listeners (the entities, the statistics); returns the earliest changed day. Errors
        are raised to the caller after their side effects (ban: polling stopped and a repair
        issue; refused token or consent: reauthentication).
        """
        if self.stopped:
            raise AccessBlockedError(f"Requests are stopped ({self.stopped})")
        today = self.today()
        try:
            data = await async_get_data(self.client, kind, start, end)
        except NoDataError:
            self.readings.mark_missing(kind, days_between(start, end), today)
            self._schedule_save()
            return None
        except (AccessBlockedError, RateLimitError) as err:
            news = self.budget.refused(err)
            if isinstance(err, AccessBlockedError):
                self._handle_ban(news=news)
            raise
        except AuthenticationError:
            self._stop_for_reauth()
            raise
        except AccessDeniedError as err:
            if self.is_main_kind(kind):
                self._handle_access_ended(err)
            raise
        delete_access_blocked(self.hass, self.budget.host)
        if self.refused.pop(kind, None) is not None:
            _LOGGER.info("%s: %s data is served again", self.name, kind)
        changed = self.readings.merge(kind, data)
        self.readings.mark_missing(kind, days_between(start, end), today)  # skips held days
        self._schedule_save()
        if changed is not None:
            self.push_snapshot()
        return changed

    # -- stopping: bans, refused access, expired tokens ----------------------------------------

    @callback
    def _stop_for_reauth(self) -> None:
        """Stop polling and ask for new credentials (once: Home Assistant keeps one flow)."""
        if self.stopped is not StopReason.REAUTH:
            _LOGGER.warning(
                "%s: the API refused the credentials or the consent; polling is stopped "
                "until new ones are entered (reauthentication)",
                self.name,
            )
        self.stopped = StopReason.REAUTH
        self._cancel_poll()
        self.config_entry.async_start_reauth(self.hass)

    @callback
    def _handle_access_ended(self, err: AccessDeniedError) -> None:
        """Consent withdrawn or expired, not the holder, API not subscribed: a new token."""
        if self.stopped is not StopReason.REAUTH:
            _LOGGER.warning("%s: access to the meter's data was refused (%s)", self.name, err)
        create_access_ended(self.hass, self.config_entry, err)
        self._stop_for_reauth()

    @callback
    def _handle_ban(self, *, news: bool) -> None:
        """Stop polling; the first meter the host banned (``news``) tells the user, once."""
        self.stopped = StopReason.BLOCKED
        self._cancel_poll()
        if not news:  # another meter of the host was banned first and told the user
            return
        _LOGGER.warning(  # handled: the repair issue tells the user what to do
            "%s: %s has blocked requests from this address (HTTP 403); polling of every meter "
            "using it is stopped until the integration is reloaded",
            self.name,
            self.budget.host,
        )
        create_access_blocked(self.hass, self.config_entry, self.budget.host)

    @callback
    def check_token_expiry(self) -> None:
        """Warn before the Conso API token expires; ask for a new one once it has."""
        expires = token_expires_at(self.client)
        if update_token_expiry(self.hass, self.config_entry, expires):
            self._stop_for_reauth()

    # -- schedule ---------------------------------------------------------------------------

    @callback
    def async_start(self, after_first_poll: Callable[[], None] | None = None) -> None:
        """Start the daily schedule once the entry is set up (setup itself makes no request).

        In the background: run the poll if one is due now (a new entry, or Home Assistant down
        at poll time), then start ``after_first_poll`` (the history backfill), so both do not ask
        for the same days.
        """
        self._schedule_midnight()
        self.check_token_expiry()
        self.config_entry.async_create_background_task(
            self.hass, self._async_start(after_first_poll), f"{self.name} start"
        )

    async def _async_start(self, after: Callable[[], None] | None) -> None:
        when = self._compute_next_poll()
        if when is not None and when <= dt_util.utcnow():
            await self._async_scheduled_poll()
        else:
            self._schedule_poll(when)
            self.async_update_listeners()  # the "next update" sensor
        if after is not None and not self._shutdown_requested:
            after()

    def _compute_next_poll(self) -> datetime | None:
        if self.stopped:
            return None
        now = dt_util.utcnow()
        # A new entry asks for everything once; later days only for what is expected.
        up_to_date = not self.due_kinds(paris_day(now), retry=self.poll_state.day is not None)
        when = next_poll_time(now, self.poll_offset, self.poll_state, up_to_date)
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
            self.hass, self._async_scheduled_poll(), f"{self.name} poll"
        )

    async def _async_scheduled_poll(self) -> None:
        try:
            await self.async_poll()
        finally:
            if not self._shutdown_requested:
                self._schedule_poll(self._compute_next_poll())
                self.async_update_listeners()  # the "next update" sensor

    @callback
    def _schedule_midnight(self) -> None:
        """Recompute the snapshot at Paris midnight: "yesterday" moves on."""
        midnight = local_midnight(self.today() + timedelta(days=1))
        self._unsub_midnight = async_track_point_in_utc_time(
            self.hass, self._handle_midnight, midnight
        )

    @callback
    def _handle_midnight(self, _now: datetime) -> None:
        self._unsub_midnight = None
        self.check_token_expiry()
        self.push_snapshot()
        self._schedule_midnight()

    @override
    async def async_shutdown(self) -> None:
        """Stop the schedule, write the readings now, revoke an Enedis access token."""
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
