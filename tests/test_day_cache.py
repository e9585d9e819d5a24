"""The snapshot's day cache: the values it gives without it; unchanged days not computed again."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from custom_components.linky import day_cache
from custom_components.linky.contract import Colour, Contract, ContractPeriod, TariffOption
from custom_components.linky.day_cache import MAX_DAYS, DayEnergyCache
from custom_components.linky.readings import CurvePoint, MeterReadings
from custom_components.linky.snapshot import LinkySnapshot, summarize
from custom_components.linky.statistics import DayEnergy
from tests.statistics_helpers import MIXED_CONTRACTS, UNKNOWN, mixed_colours, mixed_readings

DAYS = (date(2025, 11, 21), date(2026, 1, 20), date(2026, 3, 3), date(2026, 4, 1))
"""Days summarised: a 60-minute step, the switch to Tempo, an unknown colour, both DST months."""
DAY = timedelta(days=1)
NO_CURVE = date(2025, 11, 16)
"""A day held by its daily value alone, split by the meter's registers (HP/HC period)."""


def _same(
    readings: MeterReadings,
    contract: Contract,
    colours: dict[date, Colour],
    cache: DayEnergyCache,
    today: date,
) -> LinkySnapshot:
    """Summarise ``today`` with the cache and without: the same snapshot."""
    cached = summarize(readings, today, contract, colours.get, 9, energy_of=cache)
    assert cached == summarize(readings, today, contract, colours.get, 9)
    return cached


@pytest.fixture(name="counted")
def counted_fixture(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, date]]:
    """The days the cache computes (direction, day), in order."""
    calls: list[tuple[str, date]] = []
    compute: Callable[..., DayEnergy] = day_cache.day_energy

    def counting(readings: MeterReadings, direction: str, day: date, *args: Any) -> DayEnergy:
        calls.append((direction, day))
        return compute(readings, direction, day, *args)

    monkeypatch.setattr(day_cache, "day_energy", counting)
    return calls


def test_the_cache_follows_every_input_of_a_day(counted: list[tuple[str, date]]) -> None:
    readings, colours, cache = mixed_readings(), mixed_colours(), DayEnergyCache()
    contract = MIXED_CONTRACTS["consumption"]
    november, march = DAYS[0], DAYS[2]  # each with the month before: fewer days than kept
    assert readings.curve["consumption"].get(NO_CURVE) is None
    assert readings.registers[NO_CURVE]
    for today in DAYS:
        _same(readings, contract, colours, cache, today)

    def after(change: Callable[[], object], today: date) -> set[date]:
        """Change an input, and return the days the cache computed again for ``today``."""
        _same(readings, contract, colours, cache, today)
        counted.clear()
        change()
        _same(readings, contract, colours, cache, today)
        return {day for _direction, day in counted}

    assert after(lambda: None, march) == set()  # nothing changed: nothing computed again
    assert _same(readings, contract, colours, cache, march).cost_previous_month is None
    unknown = min(UNKNOWN)  # February waits for its colour
    assert after(lambda: colours.update({unknown: "red"}), march) == {unknown, unknown + DAY}
    assert _same(readings, contract, colours, cache, march).cost_previous_month is not None
    assert after(lambda: colours.update({unknown: "white"}), march) == {unknown, unknown + DAY}

    def registers() -> None:  # changed in place: the HC share of the day before grows
        readings.registers[NO_CURVE + DAY]["distributor:HC"] += 4000

    assert NO_CURVE in after(registers, november)
    daily = readings.daily["consumption"][NO_CURVE] + 7
    assert after(lambda: readings.merge_daily("consumption", {NO_CURVE: daily}), november) == {
        NO_CURVE
    }
    day = date(2026, 3, 2)
    points = [
        CurvePoint(p.end, p.watts + 100, p.minutes) for p in readings.curve["consumption"][day]
    ]
    assert after(lambda: readings.merge_curve("consumption", points), march) == {day}

    dearer = Contract(
        [replace(p, prices=tuple((n, v * 2) for n, v in p.prices)) for p in contract.periods]
    )
    other_hours = Contract(
        [
            ContractPeriod(
                date(2020, 1, 1),
                TariffOption.HPHC,
                (("hp", 0.2), ("hc", 0.1)),
                off_peak_hours=((0, 8 * 60),),
            )
        ]
    )
    for other in (dearer, other_hours):
        for today in DAYS:
            _same(readings, other, colours, cache, today)


def test_the_cache_keeps_a_bounded_number_of_days(counted: list[tuple[str, date]]) -> None:
    readings, colours, cache = mixed_readings(), mixed_colours(), DayEnergyCache()
    contract = MIXED_CONTRACTS["consumption"]
    first = date(2025, 10, 1)
    days = [first + timedelta(days=n) for n in range(MAX_DAYS + 1)]
    for day in (first, *days, days[-1]):
        cache(readings, "consumption", day, contract, colours.get)
    assert counted == [("consumption", day) for day in days]  # the last one held
    cache(readings, "consumption", first, contract, colours.get)
    assert counted[-1] == ("consumption", first)  # the oldest one was let go
