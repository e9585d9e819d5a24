"""When to poll (pure): once a day at 06:00 + the entry's offset, Paris time, with retries.

* First poll of a day at 06:00 + ``poll_offset`` minutes (Europe/Paris), the offset drawn once per
  entry (0-239) so users spread over the 06:00-10:00 window the Conso API asks for; a new entry
  polls at once.
* If yesterday is still missing for a kind expected to come, retries that same day at
  +1 h, +2 h, +4 h and +8 h after the first poll (at least 30 min apart), then the next morning.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from .kinds import KINDS, DataKind
from .paris import days_between, paris_day, paris_time
from .readings import MeterReadings

FIRST_POLL: Final = time(6, 0)
RETRY_AFTER: Final = (
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
)
MIN_RETRY_GAP: Final = timedelta(minutes=30)
STEADY_CURVE_DAYS: Final = 7
"""How far back the daily poll looks for load curve and max power (one request: <= 7 days)."""


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


def first_poll_time(day: date, poll_offset: int) -> datetime:
    """Return the first poll of a Paris day (UTC): 06:00 + offset minutes, local time."""
    return paris_time(day, FIRST_POLL) + timedelta(minutes=poll_offset)


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


def due_kinds(
    readings: MeterReadings,
    kinds: Iterable[DataKind],
    today: date,
    *,
    retry: bool,
    skip: Set[DataKind] = frozenset(),
) -> list[DataKind]:
    """Kinds whose yesterday is missing; on a retry, only those expected to come.

    Daily values always come; a load curve (or max power) only if seen lately: a curve the
    customer never enabled 404s every day, so it is asked once a day, not retried. A kind
    asked every N days (the per-class registers, weekly) is due when none of its last N days
    is held, and is not retried.
    """
    recent = list(days_between(today - timedelta(days=8), today))

    def expected(kind: DataKind) -> bool:
        info = KINDS[kind]
        if info.every_days > 1:
            return False  # not urgent: the next day's first poll asks again
        return info.shape == "daily" or any(readings.has(kind, day) for day in recent)

    def missing(kind: DataKind) -> bool:
        every = KINDS[kind].every_days
        return not any(
            readings.has(kind, day) for day in days_between(today - timedelta(days=every), today)
        )

    return [
        kind
        for kind in kinds
        if kind not in skip and missing(kind) and (not retry or expected(kind))
    ]


def steady_start(readings: MeterReadings, kind: DataKind, today: date) -> date:
    """First day the daily poll asks for: after the latest day held, within a window.

    Daily values go back to the 1st of the previous month (the month sensors; one request),
    the load curve and max power 7 days (one request), a kind asked every N days 2N days.
    Older days are the backfill's job.
    """
    info = KINDS[kind]
    if info.shape == "daily":
        window = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    else:
        window = today - timedelta(days=max(STEADY_CURVE_DAYS, 2 * info.every_days))
    start = window
    for day in days_between(window, today):
        if readings.has(kind, day):
            start = day + timedelta(days=1)
    return min(start, today - timedelta(days=1))
