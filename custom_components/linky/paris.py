"""The Paris calendar: Enedis days are local French days (23, 24 or 25 hours long)."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from .const import PARIS


def paris_day(instant: datetime) -> date:
    """Return the Paris date of an aware instant."""
    return instant.astimezone(PARIS).date()


def paris_time(day: date, at: time = time(0)) -> datetime:
    """Return a Paris wall-clock time of a day, as an aware UTC instant."""
    return datetime.combine(day, at, PARIS).astimezone(UTC)


def local_midnight(day: date) -> datetime:
    """Return the start of a Paris day, in UTC."""
    return paris_time(day)


def day_minutes(day: date) -> int:
    """Return the length of a Paris day in minutes: 1380, 1440 or 1500 (daylight saving)."""
    length = local_midnight(day + timedelta(days=1)) - local_midnight(day)
    return length // timedelta(minutes=1)


def days_between(start: date, end: date) -> Iterator[date]:
    """Yield the days of ``[start, end)``."""
    for offset in range((end - start).days):
        yield start + timedelta(days=offset)


def months_before(day: date, months: int) -> date:
    """Return the same day ``months`` earlier (clamped to the month's end)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (next_month - timedelta(days=1)).day))
