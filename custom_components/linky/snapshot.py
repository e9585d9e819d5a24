"""What the sensors show, computed from the stored readings for a Paris day (pure)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .contract import CLASSES, ColourOf, Contract
from .kinds import Direction
from .paris import days_between
from .readings import MeterReadings
from .statistics import day_classes


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
    readings: MeterReadings, day: date, contract: Contract | None, colour_of: ColourOf
) -> dict[str, float]:
    if contract is None or len(contract.classes) < 2:
        return {}
    by_class = day_classes(readings, "consumption", day, contract, colour_of)
    if by_class is None or not by_class:
        return {}  # no data for the day, or a colour still unknown: every class unknown
    classes = CLASSES[contract.period_on(day).option]
    return {name: round(by_class.get(name, 0) / 60_000, 3) for name in classes}


def summarize(
    readings: MeterReadings,
    today: date,
    contract: Contract | None = None,
    colour_of: ColourOf = lambda _day: None,
) -> LinkySnapshot:
    """Compute what the sensors show on the Paris day ``today`` (pure)."""
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
        classes_yesterday=_classes(readings, yesterday, contract, colour_of),
    )
