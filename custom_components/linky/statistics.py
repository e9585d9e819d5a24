"""Stored readings -> hourly energy and cost -> cumulative long-term statistics rows.

Pure: no Home Assistant import. The rules (binding, see docs/architecture.md "Statistics"):

- Each local (Europe/Paris) day is counted from exactly one source: its load curve when the
  curve is complete (its intervals cover the day's 1380/1440/1500 minutes), else its daily
  value, put on the day's first hour (local midnight), else its partial load curve.
- A load-curve reading is stamped at the END of its interval; it is moved to the interval's
  start, converted W -> Wh by its own length (Wh = W x minutes / 60) and added to the UTC hour
  holding that start. Paris offsets are whole hours, so the hours of a local day are exactly
  the UTC hours from its midnight to the next, 23 or 25 of them on daylight-saving days.
- Rows: a day counted from its curve has a row for each hour its points touch; a day counted
  from its daily value has its first hour's row, plus a zero row for each hour touched by a
  partial curve it may also hold. Readings are only ever added, so the hours of a day only ever
  grow: an hour that once had a row keeps one, and re-importing from the earliest changed hour
  on leaves no stale row behind (a partial curve replaced by the daily value is zeroed, not
  left in place). Days without data have no rows (one row a day for 36 months of daily values,
  not 24).
- Energy is summed as integer watt-minutes, so rows are exact and identical however and
  whenever they are recomputed; kWh = watt-minutes / 60000.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from .kinds import Direction
from .paris import local_midnight
from .readings import CurvePoint, MeterReadings
from .tariff import Tariff

WATT_MINUTES_PER_KWH = 60_000
HOUR = 3600


class DaySource(StrEnum):
    """Which readings a local day's energy comes from."""

    CURVE = "curve"
    DAILY = "daily"
    PARTIAL_CURVE = "partial_curve"


@dataclass(frozen=True, slots=True)
class StatisticRow:
    """One hourly row: ``start`` (UTC, on the hour), the hour's value and the running total."""

    start: datetime
    state: float
    sum: float


def _midnight_ts(day: date) -> int:
    return int(local_midnight(day).timestamp())


def day_source(readings: MeterReadings, direction: Direction, day: date) -> DaySource | None:
    """Where a day's energy comes from, None when nothing is held for it."""
    if readings.curve_is_complete(direction, day):
        return DaySource.CURVE
    if day in readings.daily[direction]:
        return DaySource.DAILY
    if readings.curve[direction].get(day):
        return DaySource.PARTIAL_CURVE
    return None


def _point_hour(point: CurvePoint) -> int:
    start = int(point.end.timestamp()) - point.minutes * 60
    return start - start % HOUR


def _days(readings: MeterReadings, direction: Direction, since: date | None) -> list[date]:
    days = set(readings.daily[direction]) | set(readings.curve[direction])
    if since is not None:
        days = {day for day in days if day >= since}
    return sorted(days)


def hourly_watt_minutes(
    readings: MeterReadings, direction: Direction, *, since: date | None = None
) -> dict[int, int]:
    """Energy per UTC hour (timestamp of its start) in watt-minutes, in time order."""
    hours: dict[int, int] = {}
    for day in _days(readings, direction, since):
        points = readings.curve[direction].get(day, ())
        if day_source(readings, direction, day) is DaySource.DAILY:
            hours[_midnight_ts(day)] = readings.daily[direction][day] * 60
            for point in points:
                hours.setdefault(_point_hour(point), 0)
            continue
        for point in points:
            hour = _point_hour(point)
            hours[hour] = hours.get(hour, 0) + point.watts * point.minutes
    return dict(sorted(hours.items()))


def hourly_cost(
    readings: MeterReadings, direction: Direction, tariff: Tariff, *, since: date | None = None
) -> dict[int, float]:
    """Cost (or earnings) per UTC hour, same hours as `hourly_watt_minutes`.

    A load-curve interval is priced by the local time of its start; a day counted from its daily
    value at the day's time-weighted average price (see `tariff`).
    """
    hours: dict[int, float] = {}
    for day in _days(readings, direction, since):
        points = readings.curve[direction].get(day, ())
        if day_source(readings, direction, day) is DaySource.DAILY:
            watt_minutes = readings.daily[direction][day] * 60
            hours[_midnight_ts(day)] = watt_minutes * tariff.day_average(day) / WATT_MINUTES_PER_KWH
            for point in points:
                hours.setdefault(_point_hour(point), 0.0)
            continue
        for point in points:
            hour = _point_hour(point)
            cost = point.watts * point.minutes * tariff.price_at(point.start)
            hours[hour] = hours.get(hour, 0.0) + cost / WATT_MINUTES_PER_KWH
    return dict(sorted(hours.items()))


def _to_utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def energy_rows(readings: MeterReadings, direction: Direction) -> list[StatisticRow]:
    """Hourly kWh rows with an exact running total, from the first day held."""
    rows: list[StatisticRow] = []
    total = 0
    for hour, watt_minutes in hourly_watt_minutes(readings, direction).items():
        total += watt_minutes
        rows.append(
            StatisticRow(
                _to_utc(hour),
                watt_minutes / WATT_MINUTES_PER_KWH,
                total / WATT_MINUTES_PER_KWH,
            )
        )
    return rows


def cost_rows(readings: MeterReadings, direction: Direction, tariff: Tariff) -> list[StatisticRow]:
    """Hourly cost rows (currency of the tariff) with a running total."""
    return cumulative_rows(hourly_cost(readings, direction, tariff).items())


def cumulative_rows(values: Iterable[tuple[int, float]]) -> list[StatisticRow]:
    """Rows from (hour timestamp, value) pairs in time order, with a running total.

    Values are rounded to 1e-9 (well below a cent or a watt-hour) so that float noise cannot
    make two computations of the same readings differ.
    """
    rows: list[StatisticRow] = []
    total = 0.0
    for hour, value in values:
        total += value
        rows.append(StatisticRow(_to_utc(hour), round(value, 9), round(total, 9)))
    return rows


def rows_from(rows: Iterable[StatisticRow], start: datetime | None) -> list[StatisticRow]:
    """Return the rows at or after ``start`` (all of them when None)."""
    if start is None:
        return list(rows)
    return [row for row in rows if row.start >= start]
