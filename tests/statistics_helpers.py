"""Builders of stored readings for the statistics tests (no Home Assistant needed)."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from custom_components.linky.contract import Colour, Contract, ContractPeriod, TariffOption
from custom_components.linky.kinds import Direction
from custom_components.linky.paris import day_minutes, local_midnight
from custom_components.linky.readings import CurvePoint, MeterReadings
from custom_components.linky.statistics import WATT_MINUTES_PER_KWH, hourly_watt_minutes
from linky_simulator import SimulatedMeter, TempoSimulator


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


FIRST, END = date(2025, 10, 1), date(2026, 4, 10)
SWITCH = date(2026, 1, 15)
"""HP/HC before, Tempo from this day."""
TEMPO_PRICES = {"blue": (0.1552, 0.1288), "white": (0.1792, 0.1447), "red": (0.6586, 0.1518)}
MIXED_CONTRACTS: dict[Direction, Contract] = {
    "consumption": Contract(
        [
            ContractPeriod(
                date(2025, 6, 1),
                TariffOption.HPHC,
                (("hp", 0.2700), ("hc", 0.2068)),
                subscription=15.65,
                off_peak_hours=((22 * 60 + 30, 6 * 60 + 30), (13 * 60, 15 * 60)),
                subscribed_power_kva=9,
            ),
            ContractPeriod(
                SWITCH,
                TariffOption.TEMPO,
                tuple(
                    (f"{colour}_{part}", price)
                    for colour, prices in TEMPO_PRICES.items()
                    for part, price in zip(("hp", "hc"), prices, strict=True)
                ),
                subscription=15.50,
                subscribed_power_kva=9,
            ),
        ]
    ),
    "production": Contract(
        [ContractPeriod(date(2020, 1, 1), TariffOption.BASE, (("base", 0.04),))]
    ),
}
UNKNOWN = {date(2026, 2, 10), date(2026, 3, 30)}
"""Tempo days whose colour is not known."""


def mixed_readings() -> MeterReadings:
    """Six months over both daylight-saving changes: complete, partial and missing curves,
    daily values (those before `SWITCH` split by the meter's registers), 10- and 60-minute
    steps, production."""
    overrides = {date(2025, 11, 20): 60, date(2026, 2, 3): 10}
    meter = SimulatedMeter("12345678901234", seed=5, production=True, interval_overrides=overrides)
    readings = MeterReadings()
    day, index = FIRST, 0
    while day < END:
        for direction in ("consumption", "production"):
            if index % 9 != 4:
                readings.merge_daily(direction, {day: meter.daily_wh(direction, day)})
            points = [
                CurvePoint(point.end.astimezone(UTC), point.watts, point.minutes)
                for point in meter.curve(direction, day)
            ]
            if index % 11 == 3:
                points = points[: len(points) // 2]  # a partial curve
            if index % 13 != 7:
                readings.merge_curve(direction, points)
        if day < SWITCH:  # the registers split the daily values of the days without a curve
            readings.registers[day] = {
                "distributor:HP": 1000 * index,
                "distributor:HC": 700 * index,
            }
        day, index = day + timedelta(days=1), index + 1
    return readings


def mixed_colours() -> dict[date, Colour]:
    """The Tempo colours of `mixed_readings`' days, but `UNKNOWN`."""
    rte = TempoSimulator(seed=3)
    days = (FIRST - timedelta(days=1) + timedelta(days=n) for n in range((END - FIRST).days + 2))
    return {day: rte.colour(day) for day in days if day not in UNKNOWN}
