"""What the sensors show, computed from the stored readings for a Paris day (pure)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .contract import CLASSES, ColourOf, Contract
from .kinds import Direction
from .paris import days_between
from .readings import MeterReadings
from .statistics import Costs, EnergyOf, class_totals, day_costs, day_energy, is_whole_day


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkySnapshot:
    """Values shown by the sensors, computed from the stored readings for a given day."""

    today: date
    """The Paris day the snapshot was computed for; "yesterday" is the day before."""
    consumption_yesterday: float | None  # kWh
    production_yesterday: float | None  # kWh
    max_power: int | None  # VA
    max_power_at: datetime | None  # UTC
    consumption_month: float | None  # kWh, 1st of this month to yesterday
    consumption_previous_month: float | None  # kWh
    production_month: float | None
    production_previous_month: float | None
    latest_day: date | None
    classes_yesterday: Mapping[str, float] = field(default_factory=dict)
    """Yesterday's consumption per tariff class (kWh); empty without a contract of classes or
    while a Tempo colour is unknown."""
    """The latest day any data is held for."""
    cost_yesterday: float | None = None
    """EUR: yesterday's energy at its prices plus its share of the subscription."""
    cost_month: float | None = None
    """EUR: this month from the 1st to ``cost_month_last_day``."""
    cost_month_last_day: date | None = None
    """The last day "cost this month" counts: the latest day of the month with whole data."""
    cost_previous_month: float | None = None
    """EUR: every day of the previous month."""
    cost_classes_yesterday: Mapping[str, float] = field(default_factory=dict)
    """EUR: yesterday's energy cost per class (no subscription); empty without classes."""
    subscribed_power: int | None = None
    """kVA: the contract's subscribed power on yesterday, else the one Enedis gave."""
    max_power_ratio: float | None = None
    """Yesterday's maximum power, % of ``subscribed_power`` (one decimal)."""

    @property
    def yesterday(self) -> date:
        """The day the "yesterday" values describe."""
        return self.today - timedelta(days=1)


def day_energy_wh(readings: MeterReadings, direction: Direction, day: date) -> float | None:
    """Energy of a Paris day in Wh: the daily value, else a complete load curve, else None.

    A day without data is None, never zero. Daylight-saving days need no care here: the daily
    value covers the local day (23 or 25 h) and a curve is complete only when its intervals
    cover the day's 1380 or 1500 minutes.
    """
    value = readings.daily[direction].get(day)
    if value is not None:
        return float(value)
    if readings.curve_is_complete(direction, day):
        return sum(p.energy_wh for p in readings.curve[direction][day])
    return None


def period_energy_wh(
    readings: MeterReadings, direction: Direction, start: date, end: date
) -> float | None:
    """Sum over the days of ``[start, end)`` that have data; None when none has.

    Days that Enedis has not published (or answered "no data" for) are not counted: the value
    is the energy known so far, and the "latest data" sensor says up to which day.
    """
    values = [day_energy_wh(readings, direction, day) for day in days_between(start, end)]
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def _kwh(wh: float | None) -> float | None:
    return None if wh is None else round(wh / 1000, 3)


def _classes(
    readings: MeterReadings,
    day: date,
    contract: Contract | None,
    colour_of: ColourOf,
    energy_of: EnergyOf,
) -> dict[str, float]:
    if contract is None or len(contract.classes) < 2:
        return {}
    by_class = class_totals(energy_of(readings, "consumption", day, contract, colour_of))
    if by_class is None or not by_class:
        return {}  # no data for the day, or a colour still unknown: every class unknown
    classes = CLASSES[contract.period_on(day).option]
    return {name: round(by_class.get(name, 0) / 60_000, 3) for name in classes}


@dataclass(frozen=True, slots=True, kw_only=True)
class _CostValues:
    """The cost sensors' values (EUR), rounded to the cent."""

    yesterday: float | None = None
    month: float | None = None
    month_last_day: date | None = None
    previous_month: float | None = None
    classes_yesterday: Mapping[str, float] = field(default_factory=dict)


def _cent(costs: Costs | None) -> float | None:
    return None if costs is None else round(costs.total, 2)


def _cost_values(
    readings: MeterReadings,
    today: date,
    contract: Contract | None,
    colour_of: ColourOf,
    energy_of: EnergyOf,
) -> _CostValues:
    """Yesterday, this month up to its latest whole day, and last month (`day_costs`).

    This month counts the days from the 1st to the latest one with whole data (the attribute
    says which), so it does not turn unknown every night until yesterday is published; any
    earlier day without data or colour makes it unknown, never a partial sum.
    """
    if contract is None:
        return _CostValues()
    yesterday = today - timedelta(days=1)
    month_start = today.replace(day=1)
    previous_start = (month_start - timedelta(days=1)).replace(day=1)
    whole = [
        day
        for day in days_between(month_start, today)
        if is_whole_day(readings, "consumption", day)
    ]
    last = max(whole, default=None)
    month = list(days_between(month_start, last + timedelta(days=1))) if last else []
    previous = list(days_between(previous_start, month_start))

    def costs(days: list[date]) -> Costs | None:
        return day_costs(readings, contract, colour_of, days, energy_of=energy_of)

    day = costs([yesterday])
    classes = {} if day is None or len(contract.classes) < 2 else day.classes
    return _CostValues(
        yesterday=_cent(day),
        month=_cent(costs(month)),
        month_last_day=last,
        previous_month=_cent(costs(previous)),
        classes_yesterday={name: round(cost, 2) for name, cost in classes.items()},
    )


def subscribed_power(contract: Contract | None, day: date, fallback: int | None) -> int | None:
    """Return the subscribed power (kVA) of ``day``'s contract period, else ``fallback``."""
    kva = contract.period_on(day).subscribed_power_kva if contract is not None else None
    return kva if kva is not None else fallback


def max_power_ratio(max_power_va: int | None, kva: int | None) -> float | None:
    """Return a maximum power as a % of a subscribed power, one decimal (None without both)."""
    if max_power_va is None or not kva:
        return None
    return round(max_power_va / (kva * 10), 1)


def summarize(
    readings: MeterReadings,
    today: date,
    contract: Contract | None = None,
    colour_of: ColourOf = lambda _day: None,
    subscribed_power_kva: int | None = None,
    *,
    energy_of: EnergyOf = day_energy,
) -> LinkySnapshot:
    """Compute what the sensors show on the Paris day ``today`` (pure).

    ``subscribed_power_kva``: the one Enedis gave, used when the contract has none.
    ``energy_of``: each day's energy per class (a `day_cache.DayEnergyCache` spares the
    days that did not change).
    """
    yesterday = today - timedelta(days=1)
    # Calendar months: on the 1st, "this month" has no published day yet (unknown) and the
    # previous month is the one that just ended.
    month_start = today.replace(day=1)
    previous_start = (month_start - timedelta(days=1)).replace(day=1)
    max_power = readings.max_power.get(yesterday)
    held: list[date] = [
        *readings.daily["consumption"],
        *readings.daily["production"],
        *readings.max_power,
        *(day for direction in readings.curve.values() for day in direction),
    ]

    def month(direction: Direction) -> float | None:
        return _kwh(period_energy_wh(readings, direction, month_start, today))

    def previous(direction: Direction) -> float | None:
        return _kwh(period_energy_wh(readings, direction, previous_start, month_start))

    costs = _cost_values(readings, today, contract, colour_of, energy_of)
    kva = subscribed_power(contract, yesterday, subscribed_power_kva)
    return LinkySnapshot(
        today=today,
        consumption_yesterday=_kwh(day_energy_wh(readings, "consumption", yesterday)),
        production_yesterday=_kwh(day_energy_wh(readings, "production", yesterday)),
        max_power=max_power.va if max_power else None,
        max_power_at=max_power.at if max_power else None,
        consumption_month=month("consumption"),
        consumption_previous_month=previous("consumption"),
        production_month=month("production"),
        production_previous_month=previous("production"),
        latest_day=max((day for day in held if day < today), default=None),
        classes_yesterday=_classes(readings, yesterday, contract, colour_of, energy_of),
        cost_yesterday=costs.yesterday,
        cost_month=costs.month,
        cost_month_last_day=costs.month_last_day,
        cost_previous_month=costs.previous_month,
        cost_classes_yesterday=costs.classes_yesterday,
        subscribed_power=kva,
        max_power_ratio=max_power_ratio(max_power.va if max_power else None, kva),
    )
