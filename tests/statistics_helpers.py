"""Builders of stored readings for the statistics tests (no Home Assistant needed)."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from custom_components.linky.const import PARIS
from custom_components.linky.readings import CurvePoint, Direction, MeterReadings, day_minutes


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def midnight(day: date) -> datetime:
    """Local midnight of a Paris day, in UTC."""
    return datetime.combine(day, datetime.min.time(), PARIS).astimezone(UTC)


def day_curve(
    day: date,
    minutes: int = 30,
    watts: Callable[[int], int] = lambda index: 1000 + 10 * index,
    *,
    skip: frozenset[int] = frozenset(),
) -> list[CurvePoint]:
    """A day's load curve: interval ``index`` (0 = the one starting at midnight) at watts(index)."""
    start = midnight(day)
    count = day_minutes(day) // minutes
    return [
        CurvePoint(start + timedelta(minutes=minutes * (index + 1)), watts(index), minutes)
        for index in range(count)
        if index not in skip
    ]


def readings_with(
    *,
    curves: dict[date, list[CurvePoint]] | None = None,
    daily: dict[date, int] | None = None,
    direction: Direction = "consumption",
) -> MeterReadings:
    """Readings holding the given curves and daily values."""
    readings = MeterReadings()
    if daily:
        readings.merge_daily(direction, daily)
    for points in (curves or {}).values():
        readings.merge_curve(direction, points)
    return readings
