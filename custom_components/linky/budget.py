"""The request budget: never risk a ban, and keep room for the daily updates.

Conso API bans an address that sends 100 requests in 12 hours, and Enedis allows 5 per second.
One `RequestBudget` per API host is shared by every config entry (they share the address):

- at most ``limit`` (50) requests in any rolling 12 hours, the send times persisted in a
  `Store` so a restart does not reset the count;
- at most 5 requests in any second (a request waits for its slot);
- priorities: the steady daily updates may use the whole budget; the history backfill (code run
  inside ``with backfill_priority():``) only while ``reserve`` requests stay free for them
  (10 per config entry using the host, at most 30), so a backfill never starves them.

`RequestBudget.gate` is the API clients' ``request_gate``: awaited before every HTTP request.
When the budget is short it waits (up to ``max_wait`` seconds, steady requests only) or raises
`BudgetExhausted` (a `RateLimitError`, so callers that already handle a 429 handle it too) with
``retry_after`` set to when enough of the window frees up.

The host's own refusals hold every entry using it, without a request: after a 429 the gate
raises `HostPausedError` (a `RateLimitError`) until the pause ends (`RequestBudget.pause`);
after a ban (HTML 403) it raises `HostBlockedError` (an `AccessBlockedError`) until lifted
(`RequestBudget.block`, `lift_block`: a reload). Neither is persisted: a restart forgets them.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import AccessBlockedError, RateLimitError
from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

LIMIT: Final = 50
"""Requests per host in any rolling window (the service bans at 100)."""
WINDOW: Final = timedelta(hours=12)
PER_SECOND: Final = 5
RESERVE_PER_ENTRY: Final = 10
"""Kept for steady updates per entry: 5 kinds, once and a retry, within 12 hours."""
MAX_RESERVE: Final = 30
"""The reserve never exceeds this, so a backfill always gets at least LIMIT - MAX_RESERVE."""
MAX_WAIT: Final = 60.0
"""A steady request waits for the budget when it frees up within this many seconds."""
RATE_LIMIT_DEFAULT_WAIT: Final = timedelta(hours=1)
"""The pause after a 429 that does not say until when."""

STORAGE_KEY: Final = f"{DOMAIN}.budget"
STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 2

DATA_BUDGETS: HassKey[_Budgets] = HassKey(f"{DOMAIN}_budgets")


class Priority(StrEnum):
    """Who asks: the daily update (default) or the history backfill."""

    STEADY = "steady"
    BACKFILL = "backfill"


_PRIORITY: ContextVar[Priority] = ContextVar("linky_request_priority", default=Priority.STEADY)


@contextmanager
def backfill_priority() -> Iterator[None]:
    """Make requests sent inside this block use the backfill's share of the budget."""
    token = _PRIORITY.set(Priority.BACKFILL)
    try:
        yield
    finally:
        _PRIORITY.reset(token)


def current_priority() -> Priority:
    """Return the priority of requests sent from the current context."""
    return _PRIORITY.get()


class BudgetExhausted(RateLimitError):  # noqa: N818 - name from the architecture
    """No request may be sent now; ``retry_after`` is when the budget frees up (or None)."""

    def __init__(self, host: str, priority: Priority, retry_after: datetime | None) -> None:
        """Say which host and when."""
        super().__init__(
            f"Request budget for {host} exhausted ({priority}); frees up at {retry_after}",
            status=None,
            code="budget_exhausted",
            retry_after=retry_after,
        )
        self.host = host
        self.priority = priority


def resume_at(err: RateLimitError) -> datetime:
    """When to send again after a 429: its ``retry_after``, else in an hour (1 min at least)."""
    now = dt_util.utcnow()
    return max(err.retry_after or now + RATE_LIMIT_DEFAULT_WAIT, now + timedelta(minutes=1))


class HostPausedError(RateLimitError):
    """The host answered 429 to an entry: no entry sends to it before ``retry_after``."""

    def __init__(self, host: str, until: datetime) -> None:
        """Say which host and until when."""
        super().__init__(
            f"Requests to {host} are paused until {until} (the server asked to slow down)",
            status=None,
            code="host_paused",
            retry_after=until,
        )
        self.host = host


class HostBlockedError(AccessBlockedError):
    """The host banned this address (HTML 403): no entry sends to it until a reload."""

    def __init__(self, host: str) -> None:
        """Say which host."""
        super().__init__(
            f"{host} has blocked this address; requests are stopped", code="host_blocked"
        )
        self.host = host


class RequestBudget:
    """Requests sent to one host: rolling 12-hour count, per-second pace, priorities."""

    def __init__(
        self,
        host: str,
        *,
        sent: list[float] | None = None,
        on_change: Callable[[], None] | None = None,
        limit: int = LIMIT,
        window: timedelta = WINDOW,
        per_second: int = PER_SECOND,
        max_wait: float = MAX_WAIT,
    ) -> None:
        """Start from the persisted send times (UTC timestamps)."""
        self.host = host
        self.limit = limit
        self.window = window
        self.per_second = per_second
        self.max_wait = max_wait
        self._sent: deque[float] = deque(sorted(sent or ()))
        self._pace: deque[float] = deque(maxlen=per_second)
        self._on_change = on_change
        self._lock = asyncio.Lock()
        self._entries: set[str] = set()
        self.requests_sent = 0
        """Requests let through since start-up (all priorities)."""
        self.paused_until: datetime | None = None
        """The host answered 429: nothing is sent before this time."""
        self.blocked = False
        """The host banned this address (HTML 403): nothing is sent until `lift_block`."""

    # -- the host's own refusals ------------------------------------------------------------

    def pause(self, until: datetime) -> bool:
        """Hold every request to the host until ``until`` (a 429); True unless already held."""
        if self.paused_until is not None and until <= self.paused_until:
            return False
        self.paused_until = until
        return True

    def block(self) -> bool:
        """Hold every request to the host until `lift_block` (a ban); True the first time."""
        first = not self.blocked
        self.blocked = True
        return first

    def lift_block(self) -> bool:
        """Let requests through again (the user reloaded an entry); True if they were held."""
        held = self.blocked
        self.blocked = False
        return held

    def refused(self, err: AccessBlockedError | RateLimitError) -> bool:
        """Hold the host after it refused an entry's request: a ban blocks, a 429 pauses.

        True when this is news: not the gate's own refusal, and the host not held already.
        """
        if isinstance(err, (HostBlockedError, HostPausedError, BudgetExhausted)):
            return False
        if isinstance(err, AccessBlockedError):
            return self.block()
        return self.pause(resume_at(err))

    def _check_host(self, now: datetime) -> None:
        """Raise `HostBlockedError` or `HostPausedError` while the host refuses requests."""
        if self.blocked:
            raise HostBlockedError(self.host)
        if self.paused_until is not None:
            if now < self.paused_until:
                raise HostPausedError(self.host, self.paused_until)
            self.paused_until = None

    # -- reserve ----------------------------------------------------------------------------

    @callback
    def register(self, entry_id: str) -> Callable[[], None]:
        """Count an entry using this host (each adds to the reserve); returns the undo."""
        self._entries.add(entry_id)

        @callback
        def unregister() -> None:
            self._entries.discard(entry_id)

        return unregister

    @property
    def reserve(self) -> int:
        """Requests kept free for steady updates."""
        return min(MAX_RESERVE, RESERVE_PER_ENTRY * max(1, len(self._entries)))

    def capacity(self, priority: Priority) -> int:
        """How many requests of this priority the window may hold."""
        return self.limit if priority is Priority.STEADY else self.limit - self.reserve

    # -- counting ---------------------------------------------------------------------------

    def _prune(self, now: float) -> None:
        horizon = now - self.window.total_seconds()
        while self._sent and self._sent[0] <= horizon:
            self._sent.popleft()

    def used(self, now: datetime | None = None) -> int:
        """Count the requests sent in the rolling window ending now."""
        self._prune((now or dt_util.utcnow()).timestamp())
        return len(self._sent)

    def available(self, priority: Priority, now: datetime | None = None) -> int:
        """Count the requests of this priority that may be sent now."""
        return max(0, self.capacity(priority) - self.used(now))

    def frees_at(
        self, priority: Priority, needed: int = 1, now: datetime | None = None
    ) -> datetime | None:
        """When ``needed`` requests of this priority may be sent (None: never, too many)."""
        now = now or dt_util.utcnow()
        capacity = self.capacity(priority)
        if needed > capacity:
            return None
        excess = self.used(now) + needed - capacity
        if excess <= 0:
            return now
        return datetime.fromtimestamp(self._sent[excess - 1], UTC) + self.window

    def sent_times(self) -> list[float]:
        """Return the send times in the window (for the Store and diagnostics)."""
        return list(self._sent)

    # -- the gate ---------------------------------------------------------------------------

    async def gate(self) -> None:
        """Wait for this request's turn, or raise `BudgetExhausted` (or the host's refusal)."""
        priority = current_priority()
        async with self._lock:
            now = dt_util.utcnow()
            self._check_host(now)
            if self.available(priority, now) < 1:
                frees = self.frees_at(priority, 1, now)
                wait = None if frees is None else (frees - now).total_seconds()
                if priority is Priority.BACKFILL or wait is None or wait > self.max_wait:
                    raise BudgetExhausted(self.host, priority, frees)
                _LOGGER.debug("Request budget for %s: waiting %.1f s", self.host, wait)
                await asyncio.sleep(wait)
                now = dt_util.utcnow()
            await self._pace_wait()
            self._sent.append(max(now.timestamp(), self._sent[-1] if self._sent else 0.0))
            self.requests_sent += 1
            if self._on_change is not None:
                self._on_change()

    async def _pace_wait(self) -> None:
        """At most ``per_second`` requests in any second (monotonic clock, one sleep)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if len(self._pace) == self.per_second:
            slot = self._pace[0] + 1.0
            if slot > now:
                await asyncio.sleep(slot - now)
                # The real wake-up time (never earlier than the slot): recording the slot
                # itself would let a late wake-up squeeze a sixth request into one second.
                now = max(slot, loop.time())
        self._pace.append(now)


class _Budgets:
    """Every host's budget, persisted together in one Store."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
        self.budgets: dict[str, RequestBudget] = {}
        self.stored: dict[str, list[float]] = {}
        self.loaded = False
        self.lock = asyncio.Lock()

    def _data(self) -> dict[str, Any]:
        hosts = {host: budget.sent_times() for host, budget in self.budgets.items()}
        return {"hosts": {**self.stored, **hosts}}

    @callback
    def schedule_save(self) -> None:
        self.store.async_delay_save(self._data, SAVE_DELAY)


async def async_get_budget(hass: HomeAssistant, host: str) -> RequestBudget:
    """Return the budget of an API host (``netloc`` of its URL), shared by every entry."""
    budgets = hass.data.get(DATA_BUDGETS)
    if budgets is None:
        budgets = hass.data[DATA_BUDGETS] = _Budgets(hass)
    async with budgets.lock:
        if not budgets.loaded:
            stored = await budgets.store.async_load() or {}
            budgets.stored = {
                str(name): [float(value) for value in times]
                for name, times in stored.get("hosts", {}).items()
            }
            budgets.loaded = True
        if (budget := budgets.budgets.get(host)) is None:
            budget = budgets.budgets[host] = RequestBudget(
                host, sent=budgets.stored.get(host), on_change=budgets.schedule_save
            )
        return budget
