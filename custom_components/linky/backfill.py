"""History backfill: the runner (a background task per entry); `backfill_plan` plans (pure).

On first setup the whole available history is fetched: daily values for 36 months (a few
365-day requests, so the dashboard shows every day within minutes), then the load curve for up
to 24 months in 7-day requests, most recent first. The plan is recomputed from the stored
readings each time, so a restart resumes where the backfill stopped and a day already held is
never asked again.

- Requests go through `coordinator.async_fetch_range` (the one path data enters by) inside
  ``backfill_priority()``: the request budget lets them through only while it keeps its reserve
  for the daily updates. When the budget is short the runner sleeps until it frees up.
- Days that answered 404 are recorded as missing by the coordinator. A recent one (a late
  meter) is asked again once a day for `backfill_plan.RETRY_DAYS` days, only while the kind
  has data around it; an old one is a hole in the history and is not asked again (the
  "fetch again" action can).
- The history limit: an ``ADAM-ERR0123``/``ADAM-ERR0125`` answer (the range starts before the
  meter's activation or the history Enedis keeps) narrows the start by halves until found (the
  activation, found for one kind, is the other kinds' start too: they are not searched);
  `NO_DATA_RANGES_TO_STOP` load-curve ranges in a row answering 404 with nothing held before
  them mean hourly collection is not (or was not then) enabled. Either way the older days are
  recorded as missing (old, so never retried) and the kind is done, across restarts too.
- Maximum power: 36 months, 365 days a request (3 requests), right after the daily values.
"""

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .api import (
    AccessBlockedError,
    AccessDeniedError,
    AuthenticationError,
    BadRequestError,
    LinkyConnectionError,
    RateLimitError,
    ServerError,
)
from .backfill_plan import LimitSearch, PlannedRequest, history_start, plan
from .budget import BudgetExhausted, backfill_priority
from .const import ACTIVATION_CODE, HISTORY_LIMIT_CODES, UNSUPPORTED_CODES
from .kinds import KINDS, DataKind
from .paris import paris_time

if TYPE_CHECKING:
    from .coordinator import LinkyCoordinator

_LOGGER = logging.getLogger(__name__)

NO_DATA_RANGES_TO_STOP: Final = 2
ERROR_BACKOFF: Final = timedelta(minutes=30)
RATE_LIMIT_BACKOFF: Final = timedelta(hours=1)
DAILY_PASS: Final = time(12, 0)
"""Local time (plus the entry's poll offset) of the daily pass once the history is complete."""
BACKFILL_KINDS: Final[tuple[DataKind, ...]] = (
    "consumption_daily",
    "production_daily",
    "max_power",
    "consumption_index",
    "consumption_curve",
    "production_curve",
)


# --------------------------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------------------------


class PassResult(StrEnum):
    """How a pass ended."""

    COMPLETE = "complete"
    BUDGET = "budget"
    ERROR = "error"
    STOPPED = "stopped"


@dataclass(slots=True)
class BackfillStatus:
    """What the backfill is doing (diagnostics, tests)."""

    requests: int = 0
    passes: int = 0
    last_result: PassResult | None = None
    next_run: datetime | None = None
    done_kinds: set[DataKind] = field(default_factory=set)


class HistoryBackfill:
    """Fetches an entry's history in the background; see the module docstring."""

    def __init__(self, coordinator: LinkyCoordinator) -> None:
        """Bind to the coordinator; nothing runs before `start`."""
        self.coordinator = coordinator
        self.hass: HomeAssistant = coordinator.hass
        self.entry = coordinator.config_entry
        self.status = BackfillStatus()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._searches: dict[DataKind, LimitSearch] = {}
        self._floors: dict[DataKind, date] = {}
        self._no_data_streak: dict[DataKind, int] = {}
        self._retry_after: datetime | None = None
        self._asked: dict[DataKind, set[date]] = {}
        """Days asked today that are still missing (not asked again before tomorrow)."""
        self._refused_kinds: set[DataKind] = set()
        """Kinds refused today (not asked again before tomorrow)."""
        self._asked_on: date | None = None

    @callback
    def start(self) -> None:
        """Launch the background task (once)."""
        if self._task is not None:
            return
        self._task = self.entry.async_create_background_task(
            self.hass, self._async_run(), f"Linky {self.coordinator.prm} history backfill"
        )
        self.entry.async_on_unload(self._cancel_timer)

    @callback
    def _cancel_timer(self) -> None:
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None

    @property
    def kinds(self) -> list[DataKind]:
        """Kinds to backfill for this entry."""
        coordinator = self.coordinator
        return [
            kind
            for kind in BACKFILL_KINDS
            if kind in coordinator.kinds and kind not in coordinator.unsupported
        ]

    async def _async_run(self) -> None:
        while True:
            result = await self.async_run_pass()
            when = self._next_run(result)
            if when is None:
                return
            await self._sleep_until(when)

    def _next_run(self, result: PassResult) -> datetime | None:
        now = dt_util.utcnow()
        match result:
            case PassResult.STOPPED:
                return None
            case PassResult.BUDGET:
                return max(self._retry_after or now + RATE_LIMIT_BACKOFF, now)
            case PassResult.ERROR:
                return max(self._retry_after or now + ERROR_BACKOFF, now)
        tomorrow = self.coordinator.today() + timedelta(days=1)
        return paris_time(tomorrow, DAILY_PASS) + timedelta(minutes=self.coordinator.poll_offset)

    async def _sleep_until(self, when: datetime) -> None:
        self.status.next_run = when
        self._wake.clear()

        @callback
        def _wake_up(_now: datetime) -> None:
            self._unsub_timer = None
            self._wake.set()

        self._cancel_timer()
        self._unsub_timer = async_track_point_in_utc_time(self.hass, _wake_up, when)
        try:
            await self._wake.wait()
        finally:
            self._cancel_timer()
            self.status.next_run = None

    async def async_run_pass(self) -> PassResult:
        """Ask for everything still needed, as far as the budget allows."""
        self.status.passes += 1
        self._retry_after = None
        with backfill_priority():
            result = await self._async_requests()
        self.status.last_result = result
        if result is PassResult.COMPLETE:
            _LOGGER.debug("Linky %s: history backfill pass complete", self.coordinator.prm)
        return result

    def _floors_now(self) -> dict[DataKind, date]:
        floors = dict(self._floors)
        for kind, search in self._searches.items():
            floors[kind] = search.probe if not search.done else search.good
        return floors

    async def _async_requests(self) -> PassResult:
        coordinator = self.coordinator
        last: PlannedRequest | None = None
        while True:
            today = coordinator.today()
            if self._asked_on != today:
                self._asked_on, self._asked, self._refused_kinds = today, {}, set()
            kinds = [
                kind
                for kind in self.kinds
                if kind not in self._refused_kinds and coordinator.refused.get(kind) != today
            ]
            requests = plan(coordinator.readings, today, kinds, self._floors_now(), self._asked)
            if not requests:
                return PassResult.COMPLETE
            request = requests[0]
            if coordinator.stopped:
                return PassResult.STOPPED
            if request == last:
                # Defensive: an answer that changed nothing the plan depends on.
                _LOGGER.warning("Linky %s: backfill stuck on %s", coordinator.prm, request)
                return PassResult.ERROR
            last = request
            outcome = await self._async_fetch(request, today)
            if outcome is not None:
                return outcome

    async def _async_fetch(self, request: PlannedRequest, today: date) -> PassResult | None:
        coordinator = self.coordinator
        kind = request.kind
        try:
            self.status.requests += 1
            await coordinator.async_fetch_range(kind, request.start, request.end)
        except BudgetExhausted as err:
            self.status.requests -= 1
            self._retry_after = err.retry_after
            _LOGGER.debug(
                "Linky %s: backfill paused, the request budget frees up at %s",
                coordinator.prm,
                err.retry_after,
            )
            return PassResult.BUDGET
        except RateLimitError as err:
            self._retry_after = err.retry_after
            return PassResult.ERROR
        except BadRequestError as err:
            if err.code in HISTORY_LIMIT_CODES:
                self._history_limit(kind, request, today, err.code == ACTIVATION_CODE)
                return None
            return self._refused(kind, request, err)
        except AccessDeniedError as err:
            return self._refused(kind, request, err)
        except AuthenticationError, AccessBlockedError:
            return PassResult.STOPPED
        except (LinkyConnectionError, ServerError) as err:
            _LOGGER.debug("Linky %s: backfill paused: %s", coordinator.prm, err)
            return PassResult.ERROR
        self._after_answer(kind, request, today)
        return None

    def _refused(
        self, kind: DataKind, request: PlannedRequest, err: BadRequestError | AccessDeniedError
    ) -> PassResult | None:
        """Handle a refusal: access ended (stop), no such kind (skip it), else ask tomorrow.

        A refusal is about the kind, not the range: its other ranges are not asked today.
        """
        coordinator = self.coordinator
        if coordinator.stopped:
            return PassResult.STOPPED
        if err.code in UNSUPPORTED_CODES:
            coordinator.unsupported.setdefault(kind, err.code or "refused")
        else:
            self._asked.setdefault(kind, set()).update(request.days)
            self._refused_kinds.add(kind)
        _LOGGER.info(
            "Linky %s: %s history from %s to %s is refused (%s)",
            coordinator.prm,
            kind,
            request.start,
            request.end,
            err,
        )
        return None

    def _after_answer(self, kind: DataKind, request: PlannedRequest, today: date) -> None:
        readings = self.coordinator.readings
        self._asked.setdefault(kind, set()).update(
            day for day in request.days if not readings.has(kind, day)
        )
        search = self._searches.get(kind)
        if search is not None and not search.done and request.start == search.probe:
            search.good = request.start
            self._finish_search(kind, search, today)
        got_data = any(readings.has(kind, day) for day in request.days)
        if got_data:
            self._no_data_streak[kind] = 0
            return
        streak = self._no_data_streak.get(kind, 0) + 1
        self._no_data_streak[kind] = streak
        older_held = any(day < request.start for day in readings.days_held(kind))
        needed = NO_DATA_RANGES_TO_STOP if KINDS[kind].shape == "curve" else 1
        if streak >= needed and not older_held:
            _LOGGER.info(
                "Linky %s: no %s before %s (for a load curve: hourly collection was not "
                "enabled); older days are not asked",
                self.coordinator.prm,
                kind,
                request.end,
            )
            self._stop_before(kind, request.start, today)

    def _history_limit(
        self, kind: DataKind, request: PlannedRequest, today: date, activation: bool
    ) -> None:
        search = self._searches.get(kind)
        if search is None:
            search = self._searches[kind] = LimitSearch(request.start, request.end)
        else:
            search.bad = max(search.bad, request.start)
        # A day held (the daily poll may have brought some while this request was under way)
        # is within the history: the search must not probe past it.
        held = [day for day in self.coordinator.readings.days_held(kind) if day > search.bad]
        search.good = min([search.good, *held])
        search.activation = search.activation and activation
        if search.done:
            self._finish_search(kind, search, today)

    def _finish_search(self, kind: DataKind, search: LimitSearch, today: date) -> None:
        if not search.done:
            return
        del self._searches[kind]
        self._stop_before(kind, search.good, today)
        if not search.activation:
            return
        # The meter's activation: the other kinds of its direction start there too, unasked.
        direction = KINDS[kind].direction
        for other in self.kinds:
            if (
                other != kind
                and other not in self._searches
                and KINDS[other].direction == direction
            ):
                self._stop_before(other, search.good, today, found=False)

    def _stop_before(self, kind: DataKind, first: date, today: date, *, found: bool = True) -> None:
        """Nothing before ``first``: record the older days of the window as missing (old).

        ``found``: the kind's own history limit (else another kind's, the meter's activation).
        """
        start = history_start(kind, today)
        days = [start + timedelta(days=n) for n in range((first - start).days)]
        self.coordinator.readings.mark_missing(kind, days, today)
        self._floors[kind] = max(first, self._floors.get(kind, first))
        if found:
            self.status.done_kinds.add(kind)
