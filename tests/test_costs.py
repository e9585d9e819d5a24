"""Costs as sensors and the maximum power ratio: `statistics.day_costs`, `snapshot` (pure).

The costs are checked against hand-computed values and against the cost statistics' own rows
(`cost_rows`): the same numbers, one computation.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from custom_components.linky.contract import Contract, ContractPeriod, TariffOption
from custom_components.linky.paris import days_between, local_midnight
from custom_components.linky.readings import MaxPower, MeterReadings
from custom_components.linky.snapshot import max_power_ratio, subscribed_power, summarize
from custom_components.linky.statistics import cost_rows, day_costs
from custom_components.linky.tariff import TariffError
from tests.statistics_helpers import day_curve, readings_with

JANUARY = date(2026, 1, 1)
DAY = date(2026, 1, 15)
HPHC = Contract(
    [
        ContractPeriod.from_dict(
            {
                "start": "2025-01-01",
                "option": "hphc",
                "subscription": 31.0,  # 1 EUR a day in January
                "prices": {"hp": 0.2, "hc": 0.1},
                "off_peak_hours": "22:00-06:00",
                "subscribed_power_kva": 6,
            }
        )
    ]
)
TEMPO = Contract(
    [
        ContractPeriod(
            date(2025, 9, 1),
            TariffOption.TEMPO,
            tuple((f"{c}_{h}", 0.1) for c in ("blue", "white", "red") for h in ("hp", "hc")),
            31.0,
        )
    ]
)


def flat(day: date) -> list:  # type: ignore[type-arg]
    """A day's curve at 1000 W: 1 kWh an hour."""
    return day_curve(day, 30, lambda _index: 1000)


def stat_change(readings: MeterReadings, contract: Contract, first: date, end: date) -> float:
    """The change of the cost statistic over ``[first, end)``, from its rows."""
    rows = cost_rows(readings, "consumption", contract, lambda _day: "blue")
    before = [row.sum for row in rows if row.start < local_midnight(first)]
    upto = [row.sum for row in rows if row.start < local_midnight(end)]
    return upto[-1] - (before[-1] if before else 0.0)


def test_a_curve_day_hand_computed() -> None:
    costs = day_costs(readings_with(curves={DAY: flat(DAY)}), HPHC, lambda _d: None, [DAY])
    assert costs is not None
    # 16 kWh at 0.2 (06:00-22:00), 8 kWh at 0.1, plus the day's share of the subscription.
    assert costs.classes == {"hp": pytest.approx(3.2), "hc": pytest.approx(0.8)}
    assert costs.total == pytest.approx(3.2 + 0.8 + 1.0)


def test_the_same_numbers_as_the_cost_statistic() -> None:
    days = list(days_between(JANUARY, date(2026, 2, 1)))
    curves = {day: day_curve(day, 30, lambda i, d=day.day: 500 + 7 * i + d) for day in days[-8:]}
    daily = {day: 9_000 + 113 * day.day for day in days[:-8]}
    readings = readings_with(curves=curves, daily=daily)
    for wanted in ([DAY], [days[-1]], days):
        costs = day_costs(readings, HPHC, lambda _d: None, wanted)
        assert costs is not None
        change = stat_change(readings, HPHC, wanted[0], wanted[-1] + timedelta(days=1))
        assert costs.total == pytest.approx(change, abs=1e-6)
    # And a class's cost is its statistic's change.
    hc_rows = cost_rows(readings, "consumption", HPHC, name="hc")
    costs = day_costs(readings, HPHC, lambda _d: None, days)
    assert costs is not None
    assert costs.classes["hc"] == pytest.approx(hc_rows[-1].sum, abs=1e-6)


def test_unknown_rather_than_partial() -> None:
    partial = day_curve(DAY, 30, lambda _i: 1000, skip=frozenset({3}))
    readings = readings_with(curves={DAY: partial}, daily={DAY - timedelta(days=1): 5000})
    unknown = lambda _d: None  # noqa: E731
    assert day_costs(readings, HPHC, unknown, [DAY]) is None  # a partial curve only
    assert day_costs(readings, HPHC, unknown, [DAY + timedelta(days=1)]) is None  # no data
    assert day_costs(readings, HPHC, unknown, [DAY - timedelta(days=1), DAY]) is None  # one hole
    assert day_costs(readings, HPHC, unknown, []) is None
    assert day_costs(readings, HPHC, unknown, [DAY - timedelta(days=1)]) is not None
    tempo = readings_with(curves={DAY: flat(DAY)})
    assert day_costs(tempo, TEMPO, unknown, [DAY]) is None  # the colour is unknown
    colours = {DAY - timedelta(days=1): "blue"}.get
    assert day_costs(tempo, TEMPO, colours, [DAY]) is None  # 06:00 on: the 15th's colour
    known = day_costs(tempo, TEMPO, {DAY - timedelta(days=1): "blue", DAY: "red"}.get, [DAY])
    assert known is not None
    assert known.classes["red_hp"] == pytest.approx(1.6)  # 16 h at 0.1
    assert known.classes["white_hp"] == 0.0


def test_summarize_costs_yesterday_this_month_and_last_month() -> None:
    today = date(2026, 2, 4)
    days = list(days_between(date(2026, 1, 2), date(2026, 2, 3)))  # the 1st missing, the 3rd too
    readings = readings_with(daily=dict.fromkeys(days, 24_000))
    snapshot = summarize(readings, today, HPHC)
    assert snapshot.cost_yesterday is None  # the 3rd is not published yet
    # This month counts its days up to the latest one held (the 2nd): 2 x (4.0 + 31/28).
    assert snapshot.cost_month_last_day == date(2026, 2, 2)
    assert snapshot.cost_month == pytest.approx(round(2 * (4.0 + 31 / 28), 2))
    assert snapshot.cost_previous_month is None  # January 1st is missing
    assert snapshot.cost_classes_yesterday == {}
    readings.merge_daily("consumption", {date(2026, 1, 1): 24_000, date(2026, 2, 3): 24_000})
    snapshot = summarize(readings, today, HPHC)
    assert snapshot.cost_yesterday == pytest.approx(round(4.0 + 31 / 28, 2))
    assert snapshot.cost_classes_yesterday == {"hp": 3.2, "hc": 0.8}
    assert snapshot.cost_month_last_day == date(2026, 2, 3)
    assert snapshot.cost_previous_month == pytest.approx(31 * 4.0 + 31.0)
    # A hole inside the month: unknown, not the days around it.
    readings = readings_with(daily={date(2026, 2, 1): 24_000, date(2026, 2, 3): 24_000})
    assert summarize(readings, today, HPHC).cost_month is None
    # On the 1st there is no day of this month yet; without a contract, no cost at all.
    assert summarize(readings, date(2026, 3, 1), HPHC).cost_month is None
    assert summarize(readings, today).cost_yesterday is None


def test_max_power_ratio_of_the_subscribed_power() -> None:
    yesterday = DAY - timedelta(days=1)
    readings = MeterReadings()
    readings.max_power[yesterday] = MaxPower(4_527, datetime(2026, 1, 14, 18, 3, tzinfo=UTC))
    snapshot = summarize(readings, DAY, HPHC)
    assert snapshot.subscribed_power == 6
    assert snapshot.max_power_ratio == 75.5  # 4527 VA of 6 kVA
    assert summarize(readings, DAY, HPHC, subscribed_power_kva=9).max_power_ratio == 75.5
    assert summarize(readings, DAY, TEMPO, subscribed_power_kva=9).max_power_ratio == 50.3
    assert summarize(readings, DAY, None, subscribed_power_kva=12).max_power_ratio == 37.7
    assert summarize(readings, DAY, TEMPO).max_power_ratio is None  # no subscribed power
    assert summarize(MeterReadings(), DAY, HPHC).max_power_ratio is None  # no maximum power
    assert subscribed_power(None, DAY, None) is None
    assert max_power_ratio(9_000, 9) == 100.0


def test_subscribed_power_in_the_options() -> None:
    period = HPHC.periods[0]
    assert period.subscribed_power_kva == 6
    assert period.to_dict()["subscribed_power_kva"] == 6
    assert ContractPeriod.from_dict(period.to_dict()) == period
    assert "subscribed_power_kva" not in TEMPO.periods[0].to_dict()
    data = period.to_dict()
    for value in (None, ""):
        assert ContractPeriod.from_dict({**data, "subscribed_power_kva": value}).to_dict() == {
            key: item for key, item in data.items() if key != "subscribed_power_kva"
        }
    assert ContractPeriod.from_dict({**data, "subscribed_power_kva": "36"}).subscribed_power_kva
    for wrong in (0, 37, -3, 6.5, "six", True, float("inf")):
        with pytest.raises(TariffError):
            ContractPeriod.from_dict({**data, "subscribed_power_kva": wrong})
