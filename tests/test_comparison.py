"""Each regulated option's cost on a flat 1 kW load, computed by hand (comparison.py)."""

from datetime import date, timedelta

import pytest

from custom_components.linky.comparison import (
    DEFAULT_OFF_PEAK,
    compared_contracts,
    compared_rows,
    cost_rows,
    grid_out_of_date,
    off_peak_hours,
    regulated_contract,
    same_classes,
    subscribed_power,
    year_comparison,
)
from custom_components.linky.contract import Colour, Contract, TariffOption, parse_contract
from custom_components.linky.readings import MeterReadings
from custom_components.linky.statistics import classes_by_day
from custom_components.linky.tariff import parse_off_peak_hours
from tests.statistics_helpers import day_curve, readings_with

OFF_PEAK = parse_off_peak_hours("01:30-07:30;12:30-14:30")
BASE, HPHC, TEMPO = TariffOption.BASE, TariffOption.HPHC, TariffOption.TEMPO


def flat(first: date, days: int) -> MeterReadings:
    """1 kW all day long (PT30M steps), ``days`` days from ``first``."""
    span = [first + timedelta(days=n) for n in range(days)]
    return readings_with(curves={day: day_curve(day, 30, lambda _i: 1000) for day in span})


def total(readings: MeterReadings, contract: Contract, colours: dict[date, Colour]) -> float:
    return cost_rows(readings, contract, colours.get)[-1][2]


# 15 January to 14 February 2026: 17 days on the August 2025 grid, 14 on February 2026's.
WINDOW = flat(date(2026, 1, 15), 31)
COLOURS: dict[date, Colour] = {date(2026, 1, 14) + timedelta(days=n): "blue" for n in range(32)}
COLOURS |= {date(2026, 1, 20): "red", date(2026, 2, 3): "white"}


def test_base_at_9_kva_across_the_1_february_change() -> None:
    contract = regulated_contract(BASE, 9)
    # 9 kVA and more: Base costs 0.1927 from February 2026 (0.1940 below 9 kVA).
    january = 17 * 24 * 0.1952 + 19.39 * 17 / 31
    february = 14 * 24 * 0.1927 + 19.56 * 14 / 28
    assert total(WINDOW, contract, {}) == pytest.approx(january + february, abs=1e-6)


def test_hphc_at_9_kva_with_the_meter_s_off_peak_hours() -> None:
    contract = regulated_contract(HPHC, 9, OFF_PEAK)
    # 01:30-07:30 and 12:30-14:30: 8 off-peak hours, 16 peak hours a day.
    january = 17 * (16 * 0.2081 + 8 * 0.1635) + 19.81 * 17 / 31
    february = 14 * (16 * 0.2065 + 8 * 0.1579) + 19.56 * 14 / 28
    assert total(WINDOW, contract, {}) == pytest.approx(january + february, abs=1e-6)


def test_tempo_at_9_kva_with_red_white_and_blue_days() -> None:
    contract = regulated_contract(TEMPO, 9)
    # Red 20 January: 06:00-22:00 red HP (16 h), 22:00-06:00 red HC (2 h on the 20th, 6 on the
    # 21st). White 3 February likewise. Every other hour is blue; 00:00-06:00 on 1 February is
    # the blue Tempo day of 31 January at February's prices.
    january = 256 * 0.1494 + 16 * 0.6468 + 128 * 0.1232 + 8 * 0.1460 + 19.49 * 17 / 31
    february = 208 * 0.1612 + 16 * 0.1871 + 104 * 0.1325 + 8 * 0.1499 + 19.38 * 14 / 28
    assert total(WINDOW, contract, COLOURS) == pytest.approx(january + february, abs=1e-6)


def test_tempo_leaves_out_a_day_whose_colour_is_unknown() -> None:
    """Neither its energy nor its subscription: never guessed, never only half counted."""
    contract = regulated_contract(TEMPO, 9)
    known = {day: colour for day, colour in COLOURS.items() if day != date(2026, 2, 9)}
    # 10 February is a blue day like 9 February but its 00:00-06:00 is 9 February's: both go.
    assert total(WINDOW, contract, known) == pytest.approx(
        total(WINDOW, contract, COLOURS) - 2 * (16 * 0.1612 + 8 * 0.1325 + 19.38 / 28), abs=1e-6
    )
    assert cost_rows(WINDOW, contract, lambda _day: None) == []


def test_spring_change_23_hours() -> None:
    day = date(2026, 3, 29)  # 02:00 -> 03:00: 01:30-07:30 holds 5 real hours
    readings = flat(day, 1)
    colours: dict[date, Colour] = {day - timedelta(days=1): "blue", day: "blue"}
    base = 23 * 0.1940 + 15.65 / 31
    hphc = 16 * 0.2065 + 7 * 0.1579 + 15.65 / 31
    tempo = 16 * 0.1612 + 7 * 0.1325 + 15.59 / 31
    assert total(readings, regulated_contract(BASE, 6), {}) == pytest.approx(base, abs=1e-6)
    hphc_contract = regulated_contract(HPHC, 6, OFF_PEAK)
    assert total(readings, hphc_contract, {}) == pytest.approx(hphc, abs=1e-6)
    assert total(readings, regulated_contract(TEMPO, 6), colours) == pytest.approx(tempo, abs=1e-6)


def test_autumn_change_25_hours() -> None:
    day = date(2026, 10, 25)  # 03:00 -> 02:00: 01:30-07:30 holds 7 real hours
    readings = flat(day, 1)
    colours: dict[date, Colour] = {day - timedelta(days=1): "red", day: "white"}
    base = 25 * 0.2001 + 15.86 / 31
    hphc = 16 * 0.2142 + 9 * 0.1589 + 15.86 / 31
    # 00:00-06:00 (7 real hours) is the red Tempo day of 24 October.
    tempo = 7 * 0.1615 + 16 * 0.1921 + 2 * 0.1536 + 15.80 / 31
    assert total(readings, regulated_contract(BASE, 6), {}) == pytest.approx(base, abs=1e-6)
    hphc_contract = regulated_contract(HPHC, 6, OFF_PEAK)
    assert total(readings, hphc_contract, {}) == pytest.approx(hphc, abs=1e-6)
    assert total(readings, regulated_contract(TEMPO, 6), colours) == pytest.approx(tempo, abs=1e-6)


def test_one_period_per_grid_date() -> None:
    contract = regulated_contract(TEMPO, 9)
    assert contract.period_on(date(2026, 1, 31)).subscription == 19.49
    assert contract.period_on(date(2026, 2, 1)).subscription == 19.38
    assert contract.period_on(date(2026, 2, 1)).price("red_hp") == 0.7060


def test_a_power_missing_from_an_old_grid_takes_the_nearest_grid_s() -> None:
    contract = regulated_contract(BASE, 12)  # 12 kVA: first held in February 2026
    assert contract.period_on(date(2023, 3, 1)).subscription == 23.32


def test_off_peak_hours_from_the_contract_else_22_to_6() -> None:
    readings = flat(date(2026, 1, 15), 2)
    assert off_peak_hours(readings, None, lambda _d: None) == (DEFAULT_OFF_PEAK, ())
    hphc = parse_contract(
        [
            {
                "start": "2025-01-01",
                "option": "hphc",
                "prices": {"hp": 0.2, "hc": 0.15},
                "off_peak_hours": "01:30-07:30;12:30-14:30",
            }
        ]
    )
    assert off_peak_hours(readings, hphc, lambda _d: None) == (OFF_PEAK, ())


def test_off_peak_hours_from_the_meter_s_registers() -> None:
    """The contract says 22:00-06:00 but the meter counts 01:30-07:30 and 12:30-14:30."""
    days = [date(2026, 1, 5) + timedelta(days=n) for n in range(6)]
    # A load only in the meter's off-peak hours: all of it on its HC register.
    peaks = [(90, 450), (750, 870)]

    def watts(index: int) -> int:
        minute = index * 30
        return 3000 if any(start <= minute < end for start, end in peaks) else 0

    readings = readings_with(curves={day: day_curve(day, 30, watts) for day in days})
    readings.registers = {
        day: {"distributor:HC": n * 24000, "distributor:HP": 0}
        for n, day in enumerate([*days, days[-1] + timedelta(days=1)])
    }
    contract = parse_contract(
        [
            {
                "start": "2025-01-01",
                "option": "hphc",
                "prices": {"hp": 0.2, "hc": 0.15},
                "off_peak_hours": "22:00-06:00",
            }
        ]
    )
    assert off_peak_hours(readings, contract, lambda _d: None) == (OFF_PEAK, ())


def test_compared_contracts_use_the_subscribed_power_default_6() -> None:
    contracts = compared_contracts(WINDOW, None, COLOURS.get, date(2026, 2, 15))
    assert set(contracts) == {BASE, HPHC, TEMPO}
    assert contracts[BASE].period_on(date(2026, 2, 1)).subscription == 15.65
    assert subscribed_power(None, date(2026, 2, 1)) == 6


def test_shortcuts_give_the_same_rows() -> None:
    """Base from the hourly totals, and the user's own classes reused, equal the full walk."""
    readings = readings_with(
        daily={date(2026, 1, 10) + timedelta(days=n): 20_000 + n for n in range(10)},
        curves={day: day_curve(day, 30) for day in (date(2026, 1, 15), date(2026, 3, 29))},
    )
    base = regulated_contract(BASE, 6)
    walked = classes_by_day(readings, "consumption", base, COLOURS.get)
    assert cost_rows(readings, base, COLOURS.get) == cost_rows(readings, base, COLOURS.get, walked)
    own = regulated_contract(TEMPO, 9)  # the user's Tempo: other prices, same classes
    own_classes = classes_by_day(readings, "consumption", own, COLOURS.get)
    tempo = regulated_contract(TEMPO, 6)
    assert same_classes(own, tempo)
    assert not same_classes(own, base)
    assert not same_classes(regulated_contract(HPHC, 6), regulated_contract(HPHC, 6, OFF_PEAK))
    rows = compared_rows(readings, {TEMPO: tempo}, COLOURS.get, (own, own_classes))
    assert rows[TEMPO] == cost_rows(readings, tempo, COLOURS.get)


def test_year_comparison_counts_only_complete_months() -> None:
    """March 2025 to February 2026 at 24 kWh a day, 15 June missing, every day blue."""
    first, end = date(2025, 3, 1), date(2026, 3, 1)
    days = [first + timedelta(days=n) for n in range((end - first).days)]
    readings = readings_with(daily={day: 24_000 for day in days if day != date(2025, 6, 15)})
    blue: dict[date, Colour] = {day - timedelta(days=1): "blue" for day in [*days, end]}
    own = parse_contract(
        [{"start": "2020-01-01", "option": "base", "subscription": 20, "prices": {"base": 0.25}}]
    )
    assert own is not None
    result = year_comparison(readings, own, blue.get, date(2026, 3, 10))
    assert (result.start, result.end) == (first, date(2026, 2, 28))
    assert result.incomplete_months == (date(2025, 6, 1),)
    assert len(result.complete_months) == 11
    # Complete days: 123 on the February 2025 grid (March, April, May, July), 184 on August
    # 2025's, 28 on February 2026's. 30 March 2025 has 23 hours, 26 October 2025 has 25: a
    # daily value is split by the day's real minutes (7 and 9 off-peak hours).
    base = 123 * 24 * 0.2016 + 4 * 13.72 + 184 * 24 * 0.1952 + 6 * 15.47
    base += 28 * 24 * 0.1940 + 15.65

    def two_classes(prices: tuple[float, float, float, float, float, float]) -> float:
        hp1, hc1, hp2, hc2, hp3, hc3 = prices
        total = 123 * (16 * hp1 + 8 * hc1) + 184 * (16 * hp2 + 8 * hc2) + 28 * (16 * hp3 + 8 * hc3)
        spring = (24 * 16 / 23 - 16) * hp1 + (24 * 7 / 23 - 8) * hc1
        autumn = (24 * 16 / 25 - 16) * hp2 + (24 * 9 / 25 - 8) * hc2
        return total + spring + autumn

    hphc = two_classes((0.2146, 0.1696, 0.2081, 0.1635, 0.2065, 0.1579))
    hphc += 4 * 14.04 + 6 * 15.74 + 15.65
    tempo = two_classes((0.1552, 0.1288, 0.1494, 0.1232, 0.1612, 0.1325))
    tempo += 4 * 13.97 + 6 * 15.50 + 15.59
    current = 335 * 24 * 0.25 + 11 * 20
    assert result.costs == pytest.approx(
        {"base": base, "hphc": hphc, "tempo": tempo, "current": current}, abs=0.011
    )
    assert result.cheapest is TEMPO
    assert result.saving_per_year == pytest.approx((current - tempo) * 12 / 11, abs=0.02)


def test_year_comparison_without_a_colour_compares_nothing() -> None:
    days = [date(2025, 3, 1) + timedelta(days=n) for n in range(365)]
    readings = readings_with(daily=dict.fromkeys(days, 24_000))
    own = regulated_contract(BASE, 6)
    result = year_comparison(readings, own, lambda _day: None, date(2026, 3, 10))
    assert result.complete_months == ()
    assert result.cheapest is None
    assert result.saving_per_year is None


@pytest.mark.parametrize(
    ("today", "missed"),
    [
        (date(2026, 12, 6), None),  # the August 2026 grid is built in
        (date(2027, 1, 31), None),
        (date(2027, 2, 1), date(2027, 2, 1)),
        (date(2027, 9, 1), date(2027, 8, 1)),
    ],
)
def test_grid_out_of_date(today: date, missed: date | None) -> None:
    assert grid_out_of_date(today) == missed


def test_tempo_at_3_kva_takes_6_kva_s_subscription() -> None:
    """The regulated Tempo has no 3 kVA: the nearest power held, never a failure."""
    contract = regulated_contract(TEMPO, 3)
    assert contract.period_on(date(2026, 2, 1)).subscription == 15.59


def test_a_power_the_offer_lacks_takes_the_next_one_up() -> None:
    class Period:
        subscribed_power_kva = 7

    class Owned:
        def period_on(self, _day: date) -> Period:
            return Period()

    assert subscribed_power(Owned(), date(2026, 1, 1)) == 9  # type: ignore[arg-type]
    Period.subscribed_power_kva = 40
    assert subscribed_power(Owned(), date(2026, 1, 1)) == 36  # type: ignore[arg-type]
