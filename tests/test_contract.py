"""The contract model and per-class statistics, against hand-computed values (pure)."""

from datetime import date, datetime, timedelta

import pytest

from custom_components.linky.const import PARIS
from custom_components.linky.contract import (
    Contract,
    ContractPeriod,
    TariffOption,
    contracts_from_options,
    days_in_month,
    parse_contracts,
    split_by_class,
)
from custom_components.linky.paris import local_midnight
from custom_components.linky.regulated import grid_on
from custom_components.linky.snapshot import summarize
from custom_components.linky.statistics import (
    class_energy_rows,
    cost_rows,
    energy_rows,
    hourly_classes,
)
from custom_components.linky.tariff import TariffError, TariffPeriod, parse_off_peak_hours
from tests.statistics_helpers import day_curve, readings_with

TEMPO_PRICES = grid_on(date(2026, 2, 1)).prices(TariffOption.TEMPO)
TEMPO = Contract(
    [ContractPeriod(date(2025, 9, 1), TariffOption.TEMPO, tuple(TEMPO_PRICES.items()), 15.0)]
)
RED, WHITE = date(2026, 1, 13), date(2026, 1, 14)  # a Tuesday and a Wednesday


def colours(day: date) -> str | None:
    """January 2026: the 13th red, the 14th white, the rest blue (all known)."""
    return {RED: "red", WHITE: "white"}.get(day, "blue")


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def test_tempo_classes_follow_the_06_00_colour_change() -> None:
    # The red Tempo day runs from the 13th 06:00 to the 14th 06:00.
    assert TEMPO.class_at(local(RED, 5, 30), colours) == "blue_hc"  # still the 12th's day
    assert TEMPO.class_at(local(RED, 6), colours) == "red_hp"
    assert TEMPO.class_at(local(RED, 21, 30), colours) == "red_hp"
    assert TEMPO.class_at(local(RED, 22), colours) == "red_hc"
    assert TEMPO.class_at(local(WHITE, 3), colours) == "red_hc"  # night after the red day
    assert TEMPO.class_at(local(WHITE, 6), colours) == "white_hp"
    assert TEMPO.class_at(local(RED, 12), lambda _day: None) is None  # unknown: waits


def test_tempo_daylight_saving_night_keeps_its_colour() -> None:
    spring = date(2026, 3, 29)  # 02:00 -> 03:00: the night has 7 real hours
    minutes = TEMPO.class_minutes(spring, lambda _day: "blue")
    assert minutes == {"blue_hc": 5 * 60 + 2 * 60, "blue_hp": 16 * 60}
    assert sum(minutes.values()) == 23 * 60
    autumn = date(2025, 10, 26)  # 25 hours: 02:00-03:00 twice, off-peak
    assert TEMPO.class_minutes(autumn, lambda _day: "white") == {
        "white_hc": 7 * 60 + 2 * 60,
        "white_hp": 16 * 60,
    }


def test_a_step_across_06_00_is_split_between_two_tempo_days() -> None:
    # 05:30-06:30 on the 13th: the 12th's blue night, then the red day.
    assert TEMPO.minutes_by_class(local(RED, 5, 30), 60, colours) == {
        "blue_hc": 30,
        "red_hp": 30,
    }
    # 21:45-22:45 on the white day, then 05:50-06:10 the next morning after it.
    assert TEMPO.minutes_by_class(local(WHITE, 21, 45), 60, colours) == {
        "white_hp": 15,
        "white_hc": 45,
    }
    assert TEMPO.minutes_by_class(local(WHITE + timedelta(days=1), 5, 50), 20, colours) == {
        "white_hc": 10,
        "blue_hp": 10,
    }
    # The next Tempo day's colour is needed only when the step reaches it.
    only_red = {RED: "red"}.get
    assert TEMPO.minutes_by_class(local(WHITE, 5), 60, only_red) == {"red_hc": 60}  # type: ignore[arg-type]
    assert TEMPO.minutes_by_class(local(WHITE, 5, 30), 60, only_red) is None  # type: ignore[arg-type]


def test_a_step_is_split_across_a_daylight_saving_change_and_a_new_period() -> None:
    hours = parse_off_peak_hours("02:30-08:00")
    contract = Contract(
        [
            ContractPeriod(
                date(2026, 1, 1), TariffOption.HPHC, (("hp", 0.2), ("hc", 0.1)), 0, hours
            ),
            ContractPeriod(date(2026, 3, 30), TariffOption.BASE, (("base", 0.19),)),
        ]
    )
    # Spring: 01:30 CET + 60 real minutes = 03:30 CEST: 30 min HP, then 30 min HC.
    spring = datetime(2026, 3, 29, 1, 30, tzinfo=PARIS)
    assert contract.minutes_by_class(spring, 60, colours) == {"hp": 30, "hc": 30}
    # 23:30 on the last HP/HC day to 00:30 on the first Base day.
    last = datetime(2026, 3, 29, 23, 30, tzinfo=PARIS)
    assert contract.minutes_by_class(last, 60, colours) == {"hp": 30, "base": 30}


def test_hphc_two_ranges_and_summer_winter_switch() -> None:
    period = ContractPeriod(
        date(2026, 1, 1),
        TariffOption.HPHC,
        (("hp", 0.25), ("hc", 0.15)),
        off_peak_hours=parse_off_peak_hours("01:30-07:30;12:30-14:30"),
        summer_off_peak_hours=parse_off_peak_hours("02:00-06:00;11:00-15:00"),
    )
    contract = Contract([period])
    winter, summer = date(2026, 3, 31), date(2026, 4, 1)
    assert contract.class_at(local(winter, 1, 30), colours) == "hc"
    assert contract.class_at(local(winter, 12, 0), colours) == "hp"
    assert contract.class_at(local(winter, 13, 0), colours) == "hc"
    assert contract.class_at(local(summer, 1, 30), colours) == "hp"
    assert contract.class_at(local(summer, 11, 0), colours) == "hc"
    assert contract.class_minutes(winter, colours) == {"hc": 8 * 60, "hp": 16 * 60}
    assert contract.class_minutes(summer, colours) == {"hc": 8 * 60, "hp": 16 * 60}


def test_split_by_class_is_exact() -> None:
    assert split_by_class(100, {"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    assert sum(split_by_class(1_234_567, {"hp": 16 * 60, "hc": 7 * 60}).values()) == 1_234_567


def test_a_month_of_tempo_per_class_sums_equal_the_total_and_costs_the_bill() -> None:
    """January 2026, a 1 kW load all month (a red and a white day), plus a daily-only day."""
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(31)]
    readings = readings_with(
        curves={day: day_curve(day, 30, lambda _i: 1000) for day in days if day.day != 20},
        daily={date(2026, 1, 20): 24_000},  # known by its daily total only: split by minutes
    )
    classes = hourly_classes(readings, "consumption", TEMPO, colours)
    total = energy_rows(readings, "consumption")
    per_class = {name: class_energy_rows(classes, name) for name in TEMPO.classes}
    # Every class has the total's hours, and the classes add up to the total to the Wh.
    assert all(len(rows) == len(total) for rows in per_class.values())
    assert sum(rows[-1].sum for rows in per_class.values()) == pytest.approx(total[-1].sum)
    assert total[-1].sum == 31 * 24.0
    # Red day (6:00 to 6:00 the next day): 16 h of HP and 8 h of HC at 1 kW.
    assert per_class["red_hp"][-1].sum == 16.0
    assert per_class["red_hc"][-1].sum == 8.0
    assert per_class["white_hp"][-1].sum == 16.0
    # The month's bill: class energy at its price + the month's subscription, to the cent.
    bill = sum(per_class[name][-1].sum * TEMPO_PRICES[name] for name in TEMPO.classes) + 15.0
    assert cost_rows(readings, "consumption", TEMPO, colours)[-1].sum == pytest.approx(
        bill, abs=0.005
    )
    # Per-class costs add up to the total cost less the subscription.
    class_costs = sum(
        cost_rows(readings, "consumption", TEMPO, colours, name=name)[-1].sum
        for name in TEMPO.classes
    )
    assert class_costs + 15.0 == pytest.approx(bill, abs=1e-6)


def test_an_unknown_colour_waits_then_fills_in() -> None:
    day = date(2026, 1, 13)
    readings = readings_with(curves={day: day_curve(day, 30, lambda _i: 1000)})
    known = {date(2026, 1, 12): "blue"}  # the 13th's own colour not published yet
    assert hourly_classes(readings, "consumption", TEMPO, known.get) == {}  # type: ignore[arg-type]
    # The cost has only the subscription while the day waits; then the whole day.
    waiting = cost_rows(readings, "consumption", TEMPO, known.get)  # type: ignore[arg-type]
    assert waiting[-1].sum == pytest.approx(15.0 / 31)
    known[day] = "red"
    filled = hourly_classes(readings, "consumption", TEMPO, known.get)  # type: ignore[arg-type]
    assert sum(sum(by_class.values()) for by_class in filled.values()) == 24 * 60_000
    assert {row.start for row in waiting} <= {
        row.start
        for row in cost_rows(readings, "consumption", TEMPO, known.get)  # type: ignore[arg-type]
    }


def test_price_and_subscription_change_mid_month() -> None:
    contract = Contract(
        [
            ContractPeriod(date(2026, 1, 1), TariffOption.BASE, (("base", 0.20),), 10.0),
            ContractPeriod(date(2026, 1, 16), TariffOption.BASE, (("base", 0.25),), 20.0),
        ]
    )
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(31)]
    readings = readings_with(daily=dict.fromkeys(days, 10_000))  # 10 kWh a day
    rows = cost_rows(readings, "consumption", contract)
    energy = 15 * 10 * 0.20 + 16 * 10 * 0.25
    subscription = 15 * 10.0 / 31 + 16 * 20.0 / 31
    assert rows[-1].sum == pytest.approx(energy + subscription, abs=1e-6)
    assert days_in_month(date(2024, 2, 10)) == 29
    assert contract.day_subscription(date(2026, 1, 16)) == pytest.approx(20.0 / 31)


def test_every_calendar_month_carries_exactly_its_subscription() -> None:
    contract = Contract(
        [ContractPeriod(date(2026, 1, 1), TariffOption.BASE, (("base", 0.0),), 12.34)]
    )
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(59)]  # January and February
    rows = cost_rows(readings_with(daily=dict.fromkeys(days, 1)), "consumption", contract)
    january = [row for row in rows if row.start < local_midnight(date(2026, 2, 1))]
    assert january[-1].sum == pytest.approx(12.34, abs=1e-9)
    assert rows[-1].sum == pytest.approx(2 * 12.34, abs=1e-9)


def test_periods_are_validated() -> None:
    with pytest.raises(TariffError):
        ContractPeriod(date(2026, 1, 1), TariffOption.HPHC, (("hp", 0.2),))  # missing hc
    with pytest.raises(TariffError):
        ContractPeriod(date(2026, 1, 1), TariffOption.BASE, (("base", -0.1),))
    with pytest.raises(TariffError):
        ContractPeriod(date(2026, 1, 1), TariffOption.BASE, (("base", 50.0),))
    with pytest.raises(TariffError):
        ContractPeriod(date(2026, 1, 1), TariffOption.HPHC, (("hp", 0.2), ("hc", 0.1)))  # no hours


def test_former_price_periods_become_a_contract() -> None:
    options = {
        "tariffs": [
            {"direction": "consumption", "start": "2025-01-01", "base": 0.2},
            {
                "direction": "consumption",
                "start": "2026-01-01",
                "peak": 0.3,
                "off_peak": 0.2,
                "off_peak_hours": "22:00-06:00",
            },
            {"direction": "production", "start": "2025-01-01", "base": 0.1},
        ]
    }
    contracts = contracts_from_options(options)
    assert [p.option for p in contracts["consumption"].periods] == [
        TariffOption.BASE,
        TariffOption.HPHC,
    ]
    assert contracts["consumption"].price(date(2026, 2, 1), "hc") == 0.2
    assert contracts["production"].price(date(2026, 2, 1), "base") == 0.1
    # A contract in the options replaces the former consumption periods, round trip.
    period = contracts["consumption"].periods[1]
    options["contract"] = [period.to_dict()]
    assert contracts_from_options(options)["consumption"].periods == (period,)


def test_one_invalid_direction_leaves_the_other_priced() -> None:
    """A production price of 7 EUR/kWh (an older form allowed up to 10) unprices production only."""
    consumption = ContractPeriod(date(2025, 1, 1), TariffOption.BASE, (("base", 0.2),))
    production = {"direction": "production", "start": "2025-01-01", "base": 7.0}
    options = {"contract": [consumption.to_dict()], "tariffs": [production]}
    contracts, problems = parse_contracts(options)
    assert contracts == {"consumption": Contract([consumption])}
    assert list(problems) == ["production"]
    assert contracts_from_options(options) == contracts  # never raises
    # The other way round: an invalid contract period leaves production priced.
    options = {
        "contract": [{**consumption.to_dict(), "prices": {"base": 6.0}}],
        "tariffs": [{**production, "base": 0.1}],
    }
    contracts, problems = parse_contracts(options)
    assert list(contracts) == ["production"]
    assert list(problems) == ["consumption"]
    # One range for every form: the former price periods refuse what contracts refuse.
    with pytest.raises(TariffError):
        TariffPeriod.from_dict(production)


def test_yesterday_per_class_is_zero_for_classes_without_energy_and_unknown_without_data() -> None:
    readings = readings_with(curves={RED: day_curve(RED, 30, lambda _i: 1000)})
    snapshot = summarize(readings, RED + timedelta(days=1), TEMPO, colours)
    assert snapshot.classes_yesterday == {
        "blue_hp": 0.0,
        "blue_hc": 6.0,  # 00:00-06:00: the previous (blue) Tempo day
        "white_hp": 0.0,
        "white_hc": 0.0,
        "red_hp": 16.0,
        "red_hc": 2.0,
    }
    assert summarize(readings, RED, TEMPO, colours).classes_yesterday == {}  # no data
    assert summarize(readings, RED + timedelta(days=1), TEMPO).classes_yesterday == {}  # waits
