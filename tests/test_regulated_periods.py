"""Regulated contract periods ("EDF Tarif Bleu"): one period per grid date, the grid's prices.

The expected figures are copied from EDF's grids as listed in the shared tariff reference
(``tariffs.md``), not read back from `regulated.grid_on`.
"""

from datetime import date
from typing import Any

import pytest

from custom_components.linky.comparison import regulated_contract
from custom_components.linky.contract import (
    Contract,
    TariffOption,
    days_in_month,
    parse_contract,
    parse_contracts,
    regulated_periods,
)
from custom_components.linky.regulated import offer_power
from custom_components.linky.statistics import cost_rows
from tests.statistics_helpers import day_curve, readings_with

TEMPO_9 = {"start": "2025-01-01", "option": "tempo", "regulated": True, "subscribed_power_kva": 9}
TYPED_BASE = {
    "start": "2026-03-01",
    "option": "base",
    "subscription": 12.0,
    "prices": {"base": 0.25},
}


def tempo(blue: tuple[float, float], white: tuple[float, float], red: tuple[float, float]) -> dict:  # type: ignore[type-arg]
    """Tempo prices written as in the reference: HC / HP of blue, white and red days."""
    return {
        "blue_hc": blue[0],
        "blue_hp": blue[1],
        "white_hc": white[0],
        "white_hp": white[1],
        "red_hc": red[0],
        "red_hp": red[1],
    }


# Tempo at 9 kVA: (prices, monthly subscription), from tariffs.md.
NOV_2024 = tempo((0.1296, 0.1609), (0.1486, 0.1894), (0.1568, 0.7562)), 16.25
FEB_2025 = tempo((0.1288, 0.1552), (0.1447, 0.1792), (0.1518, 0.6586)), 17.45
AUG_2025 = tempo((0.1232, 0.1494), (0.1391, 0.1730), (0.1460, 0.6468)), 19.49
FEB_2026 = tempo((0.1325, 0.1612), (0.1499, 0.1871), (0.1575, 0.7060)), 19.38


def _contract(*periods: dict[str, Any]) -> Contract:
    contract = parse_contract(periods)
    assert contract is not None
    return contract


@pytest.mark.parametrize(
    ("day", "terms"),
    [
        (date(2025, 1, 1), NOV_2024),  # the start: the grid in force that day (2024-11-01)
        (date(2025, 1, 31), NOV_2024),
        (date(2025, 2, 1), FEB_2025),
        (date(2025, 7, 31), FEB_2025),
        (date(2025, 8, 1), AUG_2025),
        (date(2026, 2, 1), FEB_2026),
        (date(2026, 2, 28), FEB_2026),
    ],
)
def test_a_regulated_tempo_period_follows_the_grid(
    day: date, terms: tuple[dict[str, float], float]
) -> None:
    contract = _contract(TEMPO_9, TYPED_BASE)
    prices, subscription = terms
    period = contract.period_on(day)
    assert dict(period.prices) == prices
    assert period.subscription == subscription
    assert period.subscribed_power_kva == 9
    assert contract.day_subscription(day) == pytest.approx(subscription / days_in_month(day))


def test_a_regulated_period_stops_at_the_next_period() -> None:
    contract = _contract(TYPED_BASE, TEMPO_9)  # in any order
    assert [period.start for period in contract.periods] == [
        date(2025, 1, 1),
        date(2025, 2, 1),
        date(2025, 8, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    # The typed period keeps its prices, through the grid of 2026-08-01.
    for day in (date(2026, 3, 1), date(2026, 8, 1), date(2026, 12, 1)):
        assert contract.period_on(day).prices == (("base", 0.25),)
        assert contract.period_on(day).subscription == 12.0


def test_a_last_regulated_period_follows_every_later_grid_and_its_power_prices() -> None:
    """Base at 9 kVA: from February 2026 the kWh of 9 kVA and more is cheaper (0.1927)."""
    contract = _contract(
        TYPED_BASE | {"start": "2025-01-01"},
        {"start": "2026-01-15", "option": "base", "regulated": True, "subscribed_power_kva": 9},
    )
    expected = {
        date(2026, 1, 15): (0.1952, 19.39),  # the grid of 2025-08-01
        date(2026, 2, 1): (0.1927, 19.56),
        date(2026, 8, 1): (0.1985, 19.88),  # weakly sourced, used all the same
    }
    regulated = [period for period in contract.periods if period.start >= date(2026, 1, 15)]
    assert {p.start: (p.price("base"), p.subscription) for p in regulated} == expected
    assert contract.period_on(date(2026, 1, 14)).prices == (("base", 0.25),)


def test_the_power_of_a_regulated_period() -> None:
    """A power the offer lacks takes the next one up; none: 6 kVA; the period keeps its own."""
    seven = _contract(
        {"start": "2025-03-01", "option": "base", "regulated": True, "subscribed_power_kva": 7}
    )
    assert seven.periods[0].subscription == 17.27  # 9 kVA, 2025-02-01
    assert seven.periods[0].subscribed_power_kva == 7  # the ratio sensor uses the real one
    unset = _contract({"start": "2025-03-01", "option": "base", "regulated": True})
    assert unset.periods[0].subscription == 13.72  # 6 kVA
    assert unset.periods[0].subscribed_power_kva is None
    # 12 kVA is held from February 2026 only: older grids take that subscription.
    twelve = _contract(
        {
            "start": "2025-03-01",
            "option": "hphc",
            "regulated": True,
            "subscribed_power_kva": 12,
            "off_peak_hours": "01:30-07:30;12:30-14:30",
        }
    )
    assert twelve.periods[0].subscription == 23.32
    assert twelve.periods[0].price("hc") == 0.1696
    assert twelve.periods[0].off_peak_hours == ((90, 450), (750, 870))
    # Tempo is not offered at 3 kVA: the nearest power it has (6 kVA).
    three = _contract(
        {"start": "2025-03-01", "option": "tempo", "regulated": True, "subscribed_power_kva": 3}
    )
    assert three.periods[0].subscription == 13.97
    assert [offer_power(kva) for kva in (None, 1, 3, 7, 36)] == [6, 3, 3, 9, 36]


def test_invalid_regulated_periods_leave_the_contract_unpriced() -> None:
    cases = [
        {"start": "2025-03-01", "option": "hphc", "regulated": True},  # no off-peak hours
        {"start": "2025-03-01", "option": "ejp", "regulated": True},
        {"start": "2025-03-01", "option": "base", "regulated": True, "subscribed_power_kva": 40},
        {"start": "2025-03-01", "option": "base", "regulated": True, "subscribed_power_kva": 6.5},
        {"start": "March", "option": "base", "regulated": True},
    ]
    for period in cases:
        contracts, problems = parse_contracts({"tariffs": [], "contract": [period]})
        assert "consumption" in problems, period
        assert "consumption" not in contracts
    same_day = [TEMPO_9, TYPED_BASE | {"start": "2025-01-01"}]
    assert parse_contracts({"tariffs": [], "contract": same_day})[1] == {
        "consumption": "two periods start on the same day"
    }
    # "regulated" must be true itself, not merely present: a typed period stays typed.
    typed = _contract(TYPED_BASE | {"regulated": False})
    assert typed.periods[0].prices == (("base", 0.25),)


def test_the_comparison_s_offer_is_a_regulated_period_from_the_first_grid() -> None:
    """One logic for both: the comparison's Tempo offer equals a regulated period's periods."""
    offer = regulated_contract(TariffOption.TEMPO, 9)
    own = regulated_periods(TariffOption.TEMPO, 9, date(2023, 2, 1))
    assert offer.periods == tuple(own)
    assert offer.period_on(date(2025, 2, 1)).subscription == FEB_2025[1]


def test_a_regulated_period_s_costs_change_on_the_grid_date() -> None:
    """1 kWh an hour on 31 January and 1 February 2025, regulated Base at 9 kVA."""
    contract = _contract(
        {"start": "2025-01-01", "option": "base", "regulated": True, "subscribed_power_kva": 9}
    )
    days = (date(2025, 1, 31), date(2025, 2, 1))
    readings = readings_with(curves={day: day_curve(day, 60, lambda _: 1000) for day in days})
    rows = cost_rows(readings, "consumption", contract, lambda _day: None)
    values = [round(row.state, 9) for row in rows]
    # 0.2516 EUR/kWh and 15.89 EUR a month until 31 January; 0.2016 and 17.27 from 1 February.
    assert (
        values
        == [round(0.2516 + 15.89 / 31, 9)]
        + [0.2516] * 23
        + [round(0.2016 + 17.27 / 28, 9)]
        + [0.2016] * 23
    )
