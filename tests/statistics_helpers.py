"""Builders of stored readings for the statistics tests (no Home Assistant needed)."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from custom_components.linky.kinds import Direction
from custom_components.linky.paris import day_minutes, local_midnight
from custom_components.linky.readings import CurvePoint, MeterReadings
from custom_components.linky.statistics import WATT_MINUTES_PER_KWH, hourly_watt_minutes


def utc(*args: int) -> datetime:
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


midnight = local_midnight


def daily_kwh(readings: MeterReadings, direction: Direction, days: list[date]) -> dict[date, float]:
    """kWh per local day as the statistics count it (the sum of the day's hourly rows)."""
    hours = hourly_watt_minutes(readings, direction)
    result: dict[date, float] = {}
    for day in days:
        first = int(local_midnight(day).timestamp())
        day_hours = range(first, first + day_minutes(day) * 60, 3600)
        result[day] = sum(hours.get(hour, 0) for hour in day_hours) / WATT_MINUTES_PER_KWH
    return result


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
