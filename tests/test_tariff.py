"""Tariff periods and prices."""

from datetime import date, datetime

import pytest

from custom_components.linky.const import PARIS
from custom_components.linky.contract import Contract, contract_from_tariff
from custom_components.linky.tariff import (
    Tariff,
    TariffError,
    TariffPeriod,
    format_off_peak_hours,
    parse_off_peak_hours,
    parse_tariffs,
)
from tests.statistics_helpers import utc


def price_at(contract: Contract, instant: datetime) -> float:
    """Price of an interval starting at ``instant`` (the contract the periods became)."""
    day = instant.astimezone(PARIS).date()
    name = contract.class_at(instant, lambda _day: None)
    assert name is not None
    return contract.price(day, name)


def day_average(contract: Contract, day: date) -> float:
    """Time-weighted average price of a day, by its real minutes in each class."""
    minutes = contract.class_minutes(day, lambda _day: None)
    assert minutes is not None
    return sum(count * contract.price(day, name) for name, count in minutes.items()) / sum(
        minutes.values()
    )


def test_parse_off_peak_hours() -> None:
    assert parse_off_peak_hours("22:00-06:00;12:30-14:30") == ((1320, 360), (750, 870))
    assert parse_off_peak_hours(" 22h00 - 06h00 , 1:30-7:30 ") == ((1320, 360), (90, 450))
    assert parse_off_peak_hours("00:00-24:00") == ((0, 1440),)
    assert format_off_peak_hours(((1320, 360), (750, 870))) == "22:00-06:00;12:30-14:30"


@pytest.mark.parametrize("text", ["", ";", "22:00", "25:00-06:00", "22:00-22:00", "ab-cd", "1-2-3"])
def test_parse_off_peak_hours_rejects(text: str) -> None:
    with pytest.raises(TariffError):
        parse_off_peak_hours(text)


def test_period_validation() -> None:
    with pytest.raises(TariffError):
        TariffPeriod(date(2025, 1, 1))
    with pytest.raises(TariffError):
        TariffPeriod(date(2025, 1, 1), base=0.2, peak=0.3)
    with pytest.raises(TariffError):
        TariffPeriod(date(2025, 1, 1), peak=0.3, off_peak=0.2)
    with pytest.raises(TariffError):
        TariffPeriod(date(2025, 1, 1), base=-0.1)
    with pytest.raises(TariffError):
        Tariff([])
    with pytest.raises(TariffError):
        Tariff([TariffPeriod(date(2025, 1, 1), base=0.1), TariffPeriod(date(2025, 1, 1), base=0.2)])


def test_price_at_local_time_and_period() -> None:
    tariff = contract_from_tariff(
        parse_tariffs(
            [
                {"direction": "consumption", "start": "2025-02-01", "base": 0.2016},
                {
                    "direction": "consumption",
                    "start": "2025-08-01",
                    "peak": "0.2146",
                    "off_peak": 0.1696,
                    "off_peak_hours": "22:00-06:00",
                },
            ]
        )["consumption"]
    )
    # Before the first period: the earliest period applies.
    assert price_at(tariff, utc(2024, 6, 1, 12)) == 0.2016
    assert price_at(tariff, utc(2025, 7, 31, 21, 59)) == 0.2016
    # 2025-07-31 22:00 UTC is 2025-08-01 00:00 local: the new period, off-peak.
    assert price_at(tariff, utc(2025, 7, 31, 22)) == 0.1696
    assert price_at(tariff, utc(2025, 8, 1, 3, 59)) == 0.1696  # 05:59 local
    assert price_at(tariff, utc(2025, 8, 1, 4)) == 0.2146  # 06:00 local
    assert price_at(tariff, utc(2025, 12, 1, 21)) == 0.1696  # 22:00 local in winter
    assert price_at(tariff, utc(2025, 12, 1, 20, 30)) == 0.2146


def test_day_average() -> None:
    period = contract_from_tariff(
        Tariff(
            [
                TariffPeriod(
                    date(2025, 1, 1),
                    peak=0.3,
                    off_peak=0.2,
                    off_peak_hours=parse_off_peak_hours("22:00-06:00"),
                )
            ]
        )
    )
    assert day_average(period, date(2026, 1, 15)) == pytest.approx((8 * 0.2 + 16 * 0.3) / 24)
    assert day_average(period, date(2026, 3, 29)) == pytest.approx((7 * 0.2 + 16 * 0.3) / 23)
    assert day_average(period, date(2026, 10, 25)) == pytest.approx((9 * 0.2 + 16 * 0.3) / 25)
    base = contract_from_tariff(Tariff([TariffPeriod(date(2025, 1, 1), base=0.2)]))
    assert day_average(base, date(2026, 1, 1)) == 0.2


def test_round_trip_and_directions() -> None:
    options = [
        {"direction": "production", "start": "2024-01-01", "base": 0.1276},
        {
            "direction": "consumption",
            "start": "2025-08-01",
            "peak": 0.2146,
            "off_peak": 0.1696,
            "off_peak_hours": "22:00-06:00;12:30-14:30",
        },
    ]
    tariffs = parse_tariffs(options)
    assert set(tariffs) == {"production", "consumption"}
    assert [p.to_dict(d) for d, t in tariffs.items() for p in t.periods] == options
    with pytest.raises(TariffError):
        parse_tariffs([{"direction": "both", "start": "2024-01-01", "base": 1}])
    with pytest.raises(TariffError):
        parse_tariffs([{"start": "2024-13-01", "base": 1}])
    with pytest.raises(TariffError):
        parse_tariffs([{"start": "2024-01-01", "base": "cheap"}])


def test_first_difference() -> None:
    """The former periods, as contracts: the first day priced differently."""
    first = TariffPeriod(date(2025, 1, 1), base=0.2)
    second = TariffPeriod(date(2026, 1, 1), base=0.3)
    old = Tariff([first])
    new = Tariff([first, second])

    def contract(tariff: Tariff) -> Contract:
        return contract_from_tariff(tariff)

    assert contract(new).first_difference(contract(old)) == date(2026, 1, 1)
    assert contract(new).first_difference(contract(new)) is None
    assert contract(new).first_difference(None) == date.min
    cheaper = Tariff([TariffPeriod(date(2025, 1, 1), base=0.25)])
    assert contract(cheaper).first_difference(contract(old)) == date.min
    assert old == Tariff([first])
    assert hash(old) == hash(Tariff([first]))
    assert "0.2" in repr(old)
    # Moving a later start earlier changes prices from the earlier of the two starts.
    moved = Tariff([first, TariffPeriod(date(2025, 6, 1), base=0.3)])
    assert contract(moved).first_difference(contract(new)) == date(2025, 6, 1)
