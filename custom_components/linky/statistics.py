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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Final

from .contract import ALL_CLASSES, CLASSES, ColourOf, Contract, split_by_class
from .kinds import Direction
from .meter_registers import register_classes
from .paris import days_between, local_midnight
from .readings import CurvePoint, MeterReadings

WATT_MINUTES_PER_KWH = 60_000
HOUR = 3600
DIGITS: Final = 9
"""Decimals money rows are rounded to (`raw_cumulative_rows`)."""


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


def _no_colour(_day: date) -> None:
    return None


def _point_hour(point: CurvePoint) -> int:
    start = int(point.end.timestamp()) - point.minutes * 60
    return start - start % HOUR


def _days(readings: MeterReadings, direction: Direction) -> list[date]:
    return sorted(set(readings.daily[direction]) | set(readings.curve[direction]))


@dataclass(frozen=True, slots=True)
class DayEnergy:
    """A day's energy per UTC hour (watt-minutes): its total and, under a contract, per class."""

    hours: dict[int, int]
    classes: dict[int, dict[str, int]] | None
    """The same hours per class; None without a contract or while a Tempo colour is unknown."""


def day_energy(
    readings: MeterReadings,
    direction: Direction,
    day: date,
    contract: Contract | None = None,
    colour_of: ColourOf = _no_colour,
) -> DayEnergy:
    """Return a day's energy per UTC hour and, under ``contract``, per class: one pass.

    The module docstring says which source counts. The classes have the total's hours (so they
    only ever grow too). A load-curve step stays in the hour of its start, split by the minutes
    it spends in each class (watts x minutes: integers, so each hour's classes add up to its
    total exactly); a daily value is split exactly, in the shares of the meter's own class
    registers when held, else by the real minutes of the day in each class.
    """
    points = readings.curve[direction].get(day, ())
    if day_source(readings, direction, day) is not DaySource.DAILY:
        return _curve_energy(points, contract, colour_of)
    hours = dict.fromkeys((_point_hour(point) for point in points), 0)
    midnight = _midnight_ts(day)
    hours[midnight] = readings.daily[direction][day] * 60
    if contract is None:
        return DayEnergy(hours, None)
    shares = _daily_shares(readings, direction, day, contract, colour_of)
    if shares is None:
        return DayEnergy(hours, None)
    classes: dict[int, dict[str, int]] = {hour: {} for hour in hours}
    classes[midnight] = split_by_class(hours[midnight], shares)
    return DayEnergy(hours, classes)


def _curve_energy(
    points: Iterable[CurvePoint], contract: Contract | None, colour_of: ColourOf
) -> DayEnergy:
    """Return the energy of a day's curve points per hour, and per class under ``contract``."""
    hours: dict[int, int] = {}
    classes: dict[int, dict[str, int]] | None = None if contract is None else {}
    for point in points:
        hour = _point_hour(point)
        hours[hour] = hours.get(hour, 0) + point.watts * point.minutes
        if classes is not None and contract is not None:
            minutes = contract.minutes_by_class(point.start, point.minutes, colour_of)
            if minutes is None:
                classes = None  # a colour is unknown: no class of the day
                continue
            bucket = classes.setdefault(hour, {})
            for name, count in minutes.items():  # each minute at the step's power: exact
                bucket[name] = bucket.get(name, 0) + point.watts * count
    return DayEnergy(hours, classes)


type EnergyOf = Callable[[MeterReadings, Direction, date, Contract | None, ColourOf], DayEnergy]
"""`day_energy`, or what returns the same (`day_cache.DayEnergyCache`)."""


def days_energy(
    readings: MeterReadings,
    direction: Direction,
    contract: Contract | None = None,
    colour_of: ColourOf = _no_colour,
    days: Iterable[date] | None = None,
) -> list[tuple[date, DayEnergy]]:
    """Return `day_energy` of every day held (or of ``days``), in the days' order."""
    chosen = _days(readings, direction) if days is None else days
    return [(day, day_energy(readings, direction, day, contract, colour_of)) for day in chosen]


def hourly_totals(energy: Iterable[tuple[date, DayEnergy]]) -> dict[int, int]:
    """Return the days' energy per UTC hour (watt-minutes), in time order."""
    hours: dict[int, int] = {}
    for _day, day in energy:
        hours.update(day.hours)
    return dict(sorted(hours.items()))


def hourly_watt_minutes(readings: MeterReadings, direction: Direction) -> dict[int, int]:
    """Energy per UTC hour (timestamp of its start) in watt-minutes, in time order."""
    return hourly_totals(days_energy(readings, direction))


type ByDay = list[tuple[date, dict[int, dict[str, int]]]]
"""Each day's energy per UTC hour and class (watt-minutes), hours in time order."""


def class_days(energy: Iterable[tuple[date, DayEnergy]]) -> ByDay:
    """Return each day's classes per hour, in time order; days waiting for a colour left out."""
    return [
        (day, dict(sorted(item.classes.items())))
        for day, item in energy
        if item.classes is not None
    ]


def base_days(energy: Iterable[tuple[date, DayEnergy]]) -> ByDay:
    """Return the days' totals as the one class ``base`` (days with no hour left out)."""
    return [
        (day, {hour: {"base": watt_minutes} for hour, watt_minutes in sorted(item.hours.items())})
        for day, item in energy
        if item.hours
    ]


def _daily_shares(
    readings: MeterReadings,
    direction: Direction,
    day: date,
    contract: Contract,
    colour_of: ColourOf,
) -> dict[str, int] | None:
    """Return how a daily value splits: the meter's class energy, else the class minutes."""
    if direction == "consumption":
        classes = CLASSES[contract.period_on(day).option]
        energy = register_classes(readings, day, classes)
        if energy and sum(energy.values()) > 0:
            return energy
    return contract.class_minutes(day, colour_of)


def day_classes(
    readings: MeterReadings,
    direction: Direction,
    day: date,
    contract: Contract,
    colour_of: ColourOf,
) -> dict[str, int] | None:
    """Return a day's energy per class (watt-minutes); None while a colour is unknown."""
    return class_totals(day_energy(readings, direction, day, contract, colour_of))


def class_totals(energy: DayEnergy) -> dict[str, int] | None:
    """Return a day's energy per class (watt-minutes); None while a colour is unknown."""
    if energy.classes is None:
        return None
    total: dict[str, int] = {}
    for by_class in energy.classes.values():
        for name, watt_minutes in by_class.items():
            total[name] = total.get(name, 0) + watt_minutes
    return total


def classes_by_day(
    readings: MeterReadings,
    direction: Direction,
    contract: Contract,
    colour_of: ColourOf,
    days: Iterable[date] | None = None,
) -> ByDay:
    """Return each day's energy per UTC hour and class (every day held, or ``days``).

    Days waiting for a colour are left out.
    """
    return class_days(days_energy(readings, direction, contract, colour_of, days))


def hourly_classes(
    readings: MeterReadings, direction: Direction, contract: Contract, colour_of: ColourOf
) -> dict[int, dict[str, int]]:
    """Energy per UTC hour and class (watt-minutes); days waiting for a colour left out."""
    hours: dict[int, dict[str, int]] = {}
    for _day, day_hours in classes_by_day(readings, direction, contract, colour_of):
        hours.update(day_hours)
    return hours


RawRow = tuple[int, float, float]
"""A row as plain numbers: the hour's start (UTC timestamp), its value, the running total."""


def _to_utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def as_rows(raw: Iterable[RawRow]) -> list[StatisticRow]:
    """`StatisticRow` objects from raw rows."""
    return [StatisticRow(_to_utc(hour), state, total) for hour, state, total in raw]


def raw_energy_rows(values: Iterable[tuple[int, int]]) -> list[RawRow]:
    """KWh rows with an exact running total, from (hour, watt-minutes) pairs in time order."""
    rows: list[RawRow] = []
    total = 0
    for hour, watt_minutes in values:
        total += watt_minutes
        rows.append((hour, watt_minutes / WATT_MINUTES_PER_KWH, total / WATT_MINUTES_PER_KWH))
    return rows


def energy_rows(readings: MeterReadings, direction: Direction) -> list[StatisticRow]:
    """Hourly kWh rows with an exact running total, from the first day held."""
    return as_rows(raw_energy_rows(hourly_watt_minutes(readings, direction).items()))


def class_energy_rows(classes: Mapping[int, Mapping[str, int]], name: str) -> list[StatisticRow]:
    """Hourly kWh rows of one class (zero in the class's hours without energy)."""
    values = ((hour, by_class.get(name, 0)) for hour, by_class in classes.items())
    return as_rows(raw_energy_rows(values))


def hourly_costs(
    by_day: Iterable[tuple[date, Mapping[int, Mapping[str, int]]]], contract: Contract
) -> dict[int, dict[str, float]]:
    """Each hour's energy cost per class (EUR, in the classes' order), prices of the hour's day."""
    costs: dict[int, dict[str, float]] = {}
    for day, hours in by_day:
        prices: dict[str, float] = {}
        for hour, by_class in hours.items():
            hour_costs: dict[str, float] = {}
            for name, watt_minutes in by_class.items():
                if (price := prices.get(name)) is None:
                    price = prices[name] = contract.price(day, name)
                hour_costs[name] = watt_minutes * price
            costs[hour] = hour_costs
    return costs


def subscriptions(
    readings: MeterReadings,
    direction: Direction,
    contract: Contract,
    days: Iterable[date] | None = None,
) -> dict[int, float]:
    """Return each day's subscription on its first hour (first day held to last, or ``days``)."""
    if days is None:
        held = _days(readings, direction)
        if not held:
            return {}
        days = days_between(held[0], held[-1] + timedelta(days=1))
    return {
        _midnight_ts(day): subscription
        for day in days
        if (subscription := contract.day_subscription(day))
    }


def _cost_by_hour(
    costs: Mapping[int, Mapping[str, float]],
    name: str | None,
    subscription: Mapping[int, float],
) -> list[tuple[int, float]]:
    """Return each hour's cost (time order): a class's, or (``name`` None) all plus subscription."""
    hours: dict[int, float] = {}
    for hour, by_class in costs.items():
        if name is None:
            hours[hour] = sum(by_class.values()) / WATT_MINUTES_PER_KWH
        else:
            hours[hour] = by_class.get(name, 0) / WATT_MINUTES_PER_KWH
    if name is None:
        for midnight, amount in subscription.items():
            hours[midnight] = hours.get(midnight, 0.0) + amount
    return sorted(hours.items())


def raw_cost_rows(
    costs: Mapping[int, Mapping[str, float]],
    name: str | None,
    subscription: Mapping[int, float],
) -> list[RawRow]:
    """Cost rows of one class, or (``name`` None) of every class plus the subscription."""
    return raw_cumulative_rows(_cost_by_hour(costs, name, subscription))


def cost_rows(
    readings: MeterReadings,
    direction: Direction,
    contract: Contract,
    colour_of: ColourOf = _no_colour,
    *,
    name: str | None = None,
) -> list[StatisticRow]:
    """Hourly cost rows: one class's energy cost, or (``name`` None) the total cost.

    The total is every class's energy at its price plus the subscription, spread evenly over
    each month's days and put on each day's first hour, for every day from the first day held
    to the last (a month's days add up to exactly its subscription).
    """
    costs = hourly_costs(classes_by_day(readings, direction, contract, colour_of), contract)
    subscription = subscriptions(readings, direction, contract) if name is None else {}
    return as_rows(raw_cost_rows(costs, name, subscription))


@dataclass(frozen=True, slots=True)
class Costs:
    """What some days of consumption cost (EUR), counted as the cost statistics count it."""

    total: float
    """Every class's energy at its price plus the subscription (``consumption_cost``)."""
    classes: Mapping[str, float]
    """Each class's energy at its price, no subscription (``consumption_<class>_cost``); the
    classes of the days' periods, in the classes' order."""


_WHOLE_DAY: Final = frozenset({DaySource.CURVE, DaySource.DAILY})


def is_whole_day(readings: MeterReadings, direction: Direction, day: date) -> bool:
    """Whether all of a day's energy is held: its daily value, or a complete curve."""
    return day_source(readings, direction, day) in _WHOLE_DAY


def _final_sum(values: Iterable[tuple[int, float]]) -> float:
    """Return the last running total `raw_cumulative_rows` gives (0 without a value)."""
    total = 0.0
    for _hour, value in values:
        total += value  # one by one, as the rows add up (`sum` would compensate)
    return round(total, DIGITS)


def day_costs(
    readings: MeterReadings,
    contract: Contract,
    colour_of: ColourOf,
    days: Sequence[date],
    *,
    energy_of: EnergyOf = day_energy,
) -> Costs | None:
    """Return the consumption cost of ``days`` (distinct) with the cost statistics' functions.

    None (never a partial sum) when there is no day, or when a day has no whole data (neither
    its daily value nor a complete curve) or waits for its Tempo colour. The total is the
    change of ``consumption_cost`` over the days; a class's, that of its cost statistic.
    """
    if not days or not all(is_whole_day(readings, "consumption", day) for day in days):
        return None
    by_day = class_days(
        (day, energy_of(readings, "consumption", day, contract, colour_of)) for day in days
    )
    if len(by_day) != len(days):
        return None  # a colour is unknown
    costs = hourly_costs(by_day, contract)
    subscription = subscriptions(readings, "consumption", contract, days)
    names = {name for day in days for name in CLASSES[contract.period_on(day).option]}
    return Costs(
        total=_final_sum(_cost_by_hour(costs, None, subscription)),
        classes={
            name: _final_sum(_cost_by_hour(costs, name, {}))
            for name in ALL_CLASSES
            if name in names
        },
    )


def raw_cumulative_rows(values: Iterable[tuple[int, float]]) -> list[RawRow]:
    """Rows from (hour timestamp, value) pairs in time order, with a running total.

    Values are rounded to 1e-9 (well below a cent or a watt-hour) so that float noise cannot
    make two computations of the same readings differ.
    """
    rows: list[RawRow] = []
    total = 0.0
    for hour, value in values:
        total += value
        rows.append((hour, round(value, DIGITS), round(total, DIGITS)))
    return rows


def cumulative_rows(values: Iterable[tuple[int, float]]) -> list[StatisticRow]:
    """`raw_cumulative_rows` as `StatisticRow` objects."""
    return as_rows(raw_cumulative_rows(values))


def rows_from(rows: Iterable[StatisticRow], start: datetime | None) -> list[StatisticRow]:
    """Return the rows at or after ``start`` (all of them when None)."""
    if start is None:
        return list(rows)
    return [row for row in rows if row.start >= start]
