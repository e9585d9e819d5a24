"""Whether an instant is in the contract's off-peak hours, and when that next changes (pure).

The same rule as the classes (`contract.ContractPeriod.class_at`): the period and off-peak
ranges of the instant's Paris day (summer ranges from April to October; Tempo 22:00-06:00,
whatever the day's colour); a Base period has none. The state changes only at a range bound,
at midnight (a new period or season) or at a daylight-saving change (an hour skipped or
repeated), so the next change is the first of those instants where the state differs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from .const import PARIS
from .contract import Contract
from .paris import day_minutes, local_midnight, paris_day
from .tariff import MINUTES_PER_DAY, in_ranges

HORIZON_DAYS: Final = 3
"""Days looked ahead for the next change (a period with off-peak hours changes every day)."""


def is_off_peak(contract: Contract, instant: datetime) -> bool:
    """Whether an aware instant falls in the off-peak ranges in force on its Paris day."""
    local = instant.astimezone(PARIS)
    day = local.date()
    ranges = contract.period_on(day).off_peak_on(day)
    return in_ranges(local.hour * 60 + local.minute, ranges)


def next_off_peak_change(contract: Contract, instant: datetime) -> datetime | None:
    """Return the first instant after ``instant`` where `is_off_peak` changes (UTC).

    None when it does not change within `HORIZON_DAYS` (a Base period).
    """
    now = is_off_peak(contract, instant)
    first = paris_day(instant)
    candidates = sorted(
        when
        for offset in range(HORIZON_DAYS + 1)
        for when in _candidates(contract, first + timedelta(days=offset))
        if when > instant
    )
    return next((when for when in candidates if is_off_peak(contract, when) != now), None)


def _candidates(contract: Contract, day: date) -> Iterator[datetime]:
    """Instants of a Paris day where the state may change (UTC)."""
    yield local_midnight(day)
    ranges = contract.period_on(day).off_peak_on(day)
    for minute in {bound for bounds in ranges for bound in bounds} - {0, MINUTES_PER_DAY}:
        for fold in (0, 1):  # both instants of a repeated local time (autumn)
            at = time(minute // 60, minute % 60, fold=fold)
            yield datetime.combine(day, at, PARIS).astimezone(UTC)
    if day_minutes(day) != MINUTES_PER_DAY:
        yield _offset_change(day)


def _offset_change(day: date) -> datetime:
    """Return the instant of a daylight-saving day's change (Paris: on a whole UTC hour)."""
    start = local_midnight(day)
    offset = start.astimezone(PARIS).utcoffset()
    hour = timedelta(hours=1)
    when = start + hour
    while when.astimezone(PARIS).utcoffset() == offset:
        when += hour
    return when
