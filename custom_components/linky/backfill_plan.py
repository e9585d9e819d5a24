"""The history backfill's planner (pure): which requests are still needed, the history limit.

The rules are the backfill's (`backfill` module docstring); the runner there asks, this plans.
"""

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from .kinds import KINDS, DataKind
from .paris import days_between, months_before
from .readings import MeterReadings

LATE_WINDOW: Final = 7
"""A day that answered 404 within this many days of itself is late, not a hole."""
RETRY_DAYS: Final = 14
"""A late day is asked again once a day for this many days after its first 404."""
NEIGHBOURHOOD: Final = 30
"""A late day is only retried if the kind has data within this many days before it."""


def history_start(kind: DataKind, today: date) -> date:
    """Earliest day the backfill asks for (inside what Enedis keeps)."""
    return months_before(today, KINDS[kind].history_months)


@dataclass(frozen=True, slots=True, order=True)
class PlannedRequest:
    """One request: ``kind`` over ``[start, end)``."""

    end: date
    start: date
    kind: DataKind

    @property
    def days(self) -> list[date]:
        """The days asked for."""
        return list(days_between(self.start, self.end))


def should_retry(readings: MeterReadings, kind: DataKind, day: date, today: date) -> bool:
    """Whether a day recorded as missing is asked again now (see the module docstring)."""
    seen = readings.missing[kind].get(day)
    if seen is None:
        return True
    if seen >= today or day < seen - timedelta(days=LATE_WINDOW):
        return False  # already asked today, or an old hole
    if today > seen + timedelta(days=RETRY_DAYS):
        return False
    return any(readings.has(kind, day - timedelta(days=n)) for n in range(1, NEIGHBOURHOOD + 1))


def wanted_days(
    readings: MeterReadings,
    kind: DataKind,
    today: date,
    *,
    floor: date | None = None,
    skip: AbstractSet[date] = frozenset(),
) -> list[date]:
    """Days of the backfill window to ask for, most recent first.

    The window ends before yesterday: yesterday is the daily update's job (for a kind it asks
    every N days, its last 2N days). ``skip``: days already asked again today (a missing day
    is asked once a day).
    """
    start = history_start(kind, today)
    if floor is not None:
        start = max(start, floor)
    every = KINDS[kind].every_days
    day = today - timedelta(days=2 if every == 1 else 2 * every + 1)
    wanted = []
    while day >= start:
        if (
            not readings.has(kind, day)
            and day not in skip
            and should_retry(readings, kind, day, today)
        ):
            wanted.append(day)
        day -= timedelta(days=1)
    return wanted


def cover(
    kind: DataKind, days: Iterable[date], max_days: int | None = None
) -> list[PlannedRequest]:
    """Return the fewest ranges of at most ``max_days`` covering the days, newest first."""
    limit = max_days or KINDS[kind].max_days
    ranges: list[PlannedRequest] = []
    current: list[date] = []
    for day in sorted(set(days), reverse=True):
        if current and (current[0] - day).days >= limit:
            ranges.append(PlannedRequest(current[0] + timedelta(days=1), current[-1], kind))
            current = []
        current.append(day)
    if current:
        ranges.append(PlannedRequest(current[0] + timedelta(days=1), current[-1], kind))
    return ranges


def plan(
    readings: MeterReadings,
    today: date,
    kinds: Sequence[DataKind],
    floors: Mapping[DataKind, date] | None = None,
    skip: Mapping[DataKind, AbstractSet[date]] | None = None,
) -> list[PlannedRequest]:
    """Every request still needed: daily kinds first, then load curves, most recent first."""
    floors = floors or {}
    skip = skip or {}
    daily: list[PlannedRequest] = []
    curves: list[PlannedRequest] = []
    for kind in kinds:
        days = wanted_days(
            readings, kind, today, floor=floors.get(kind), skip=skip.get(kind, frozenset())
        )
        requests = cover(kind, days)
        (curves if KINDS[kind].shape == "curve" else daily).extend(requests)
    # Most recent first across kinds (stable: consumption before production on ties).
    curves.sort(key=lambda request: request.end, reverse=True)
    return daily + curves


def split_range(kind: DataKind, start: date, end: date) -> list[PlannedRequest]:
    """``[start, end)`` as requests that each fit one call, most recent first."""
    return cover(kind, days_between(start, end))


# --------------------------------------------------------------------------------------------
# History limit search
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class LimitSearch:
    """Binary search of the first day a kind's history may be asked from.

    ``bad``: a start day refused (the limit is after it); ``good``: a start day accepted.
    ``activation``: every refusal was the meter's activation date (``ADAM-ERR0123``), a limit
    of every kind of the meter, not this kind's history (``ADAM-ERR0125``).
    """

    bad: date
    good: date
    activation: bool = True

    @property
    def done(self) -> bool:
        """Whether the first accepted day is known (``good``)."""
        return (self.good - self.bad).days <= 1

    @property
    def probe(self) -> date:
        """The next start day to try."""
        return self.bad + timedelta(days=max(1, (self.good - self.bad).days // 2))
