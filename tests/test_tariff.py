"""Tariff periods and prices."""

from datetime import date

import pytest

from custom_components.linky.tariff import (
    Tariff,
    TariffError,
    TariffPeriod,
    format_off_peak_hours,
    parse_off_peak_hours,
    parse_tariffs,
)
from tests.statistics_helpers import utc


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
    tariff = parse_tariffs(
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
    # Before the first period: the earliest period applies.
    assert tariff.price_at(utc(2024, 6, 1, 12)) == 0.2016
    assert tariff.price_at(utc(2025, 7, 31, 21, 59)) == 0.2016
    # 2025-07-31 22:00 UTC is 2025-08-01 00:00 local: the new period, off-peak.
    assert tariff.price_at(utc(2025, 7, 31, 22)) == 0.1696
    assert tariff.price_at(utc(2025, 8, 1, 3, 59)) == 0.1696  # 05:59 local
    assert tariff.price_at(utc(2025, 8, 1, 4)) == 0.2146  # 06:00 local
    assert tariff.price_at(utc(2025, 12, 1, 21)) == 0.1696  # 22:00 local in winter
    assert tariff.price_at(utc(2025, 12, 1, 20, 30)) == 0.2146


def test_day_average() -> None:
    period = TariffPeriod(
        date(2025, 1, 1), peak=0.3, off_peak=0.2, off_peak_hours=parse_off_peak_hours("22:00-06:00")
    )
    assert period.day_average(date(2026, 1, 15)) == pytest.approx((8 * 0.2 + 16 * 0.3) / 24)
    assert period.day_average(date(2026, 3, 29)) == pytest.approx((7 * 0.2 + 16 * 0.3) / 23)
    assert period.day_average(date(2026, 10, 25)) == pytest.approx((9 * 0.2 + 16 * 0.3) / 25)
    assert TariffPeriod(date(2025, 1, 1), base=0.2).day_average(date(2026, 1, 1)) == 0.2


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
    first = TariffPeriod(date(2025, 1, 1), base=0.2)
    second = TariffPeriod(date(2026, 1, 1), base=0.3)
    old = Tariff([first])
    new = Tariff([first, second])
    assert new.first_difference(old) == date(2026, 1, 1)
    assert new.first_difference(new) is None
    assert new.first_difference(None) == date.min
    assert Tariff([TariffPeriod(date(2025, 1, 1), base=0.25)]).first_difference(old) == date.min
    assert old == Tariff([first])
    assert hash(old) == hash(Tariff([first]))
    assert "0.2" in repr(old)
    # Moving a later start earlier changes prices from the earlier of the two starts.
    moved = Tariff([first, TariffPeriod(date(2025, 6, 1), base=0.3)])
    assert moved.first_difference(new) == date(2025, 6, 1)
