"""The dated regulated grids and the numbers typed in the options forms."""

import json
from datetime import date
from pathlib import Path

import pytest

from custom_components.linky.contract import CLASSES, TariffOption
from custom_components.linky.form_values import (
    INVALID_NUMBER,
    REQUIRED,
    NumberKind,
    format_amount,
    format_number,
    parse_number,
    read_numbers,
)
from custom_components.linky.regulated import GRIDS, POWERS_KVA, grid_on

COMPONENT = Path(__file__).parents[1] / "custom_components" / "linky"


@pytest.mark.parametrize(
    ("day", "start", "red_hp", "base_6kva"),
    [
        (date(2022, 6, 1), date(2023, 2, 1), 0.6712, 11.93),  # before the first: the earliest
        (date(2023, 8, 1), date(2023, 8, 1), 0.7324, 12.44),
        (date(2024, 7, 31), date(2024, 2, 1), 0.7562, 12.60),
        (date(2025, 3, 1), date(2025, 2, 1), 0.6586, 13.72),
        (date(2025, 9, 15), date(2025, 8, 1), 0.6468, 15.47),
        (date(2026, 2, 1), date(2026, 2, 1), 0.7060, 15.65),
        (date(2026, 12, 1), date(2026, 8, 1), 0.7295, 15.86),
    ],
)
def test_the_grid_in_force_on_a_day(
    day: date, start: date, red_hp: float, base_6kva: float
) -> None:
    grid = grid_on(day)
    assert grid.start == start
    assert grid.prices(TariffOption.TEMPO)["red_hp"] == red_hp
    assert grid.subscription(TariffOption.BASE, 6) == base_6kva


def test_every_grid_prices_every_class_of_every_option() -> None:
    assert [grid.start for grid in GRIDS] == sorted(grid.start for grid in GRIDS)
    for grid in GRIDS:
        for option in TariffOption:
            for power in (6, 9):
                assert set(grid.prices(option, power)) == set(CLASSES[option])
                assert min(grid.prices(option, power).values()) > 0.05
                assert max(grid.prices(option, power).values()) < 1
                subscription = grid.subscription(option, power)
                assert subscription is not None
                assert 10 < subscription < 25
    weak = {grid.start for grid in GRIDS if grid.weak_source}
    assert weak == {date(2024, 11, 1), date(2026, 8, 1)}


def test_prices_and_subscriptions_by_power() -> None:
    grid = grid_on(date(2026, 3, 1))
    assert grid.prices(TariffOption.BASE, 6) == {"base": 0.1940}
    assert grid.prices(TariffOption.BASE, 3) == {"base": 0.1940}
    assert grid.prices(TariffOption.BASE, 12) == {"base": 0.1927}
    assert grid.prices(TariffOption.TEMPO, 12) == grid.prices(TariffOption.TEMPO, 6)
    assert grid.subscription(TariffOption.HPHC, 36) == 52.54
    assert grid.subscription(TariffOption.TEMPO, 3) is None  # not in the grid
    assert grid_on(date(2025, 3, 1)).subscription(TariffOption.BASE, 12) is None


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("0,1325", 0.1325),
        ("0.1325", 0.1325),
        (" 0,1325 € ", 0.1325),
        ("0,04", 0.04),
        (",5", 0.5),
        ("15,59 €/mois", 15.59),
        ("6 kVA", 6.0),
        ("1\u202f000", 1000.0),
        ("-0,1", -0.1),
        (0.2, 0.2),
    ],
)
def test_typed_numbers_with_either_separator(typed: object, number: float) -> None:
    assert parse_number(typed) == number


@pytest.mark.parametrize(
    "typed", ["", "abc", "0,1,2", "0.13.25", "1e3", "nan", "inf", True, "1,2,"]
)
def test_what_is_not_a_number(typed: object) -> None:
    with pytest.raises(ValueError, match="number"):
        parse_number(typed)


def test_read_numbers_gives_one_translated_error_per_field() -> None:
    fields = {
        "a": NumberKind.PRICE,
        "b": NumberKind.PRICE,
        "c": NumberKind.PRICE,
        "d": NumberKind.SUBSCRIPTION,
        "e": NumberKind.POWER,
        "f": NumberKind.POWER,
        "g": NumberKind.PRICE,
        "h": NumberKind.SUBSCRIPTION,
    }
    typed = {"a": "0,1325", "b": "13,25", "c": "x", "d": "187", "e": "7", "f": "9", "g": " "}
    values, errors = read_numbers(typed, fields)
    assert values == {"a": 0.1325, "f": 9}
    assert errors == {
        "b": "invalid_price",
        "c": INVALID_NUMBER,
        "d": "invalid_subscription",
        "e": "invalid_power",
        "g": REQUIRED,
        "h": REQUIRED,
    }
    english = json.loads((COMPONENT / "strings.json").read_text())["options"]["error"]
    french = json.loads((COMPONENT / "translations" / "fr.json").read_text())["options"]["error"]
    for key in {*errors.values(), *(str(kind) for kind in NumberKind)}:
        assert english[key]
        assert french[key]
        assert french[key] != english[key], key
    assert "1,5" in french["invalid_price"]
    assert "1.5" in english["invalid_price"]


def test_numbers_written_per_language() -> None:
    assert format_number(0.1325, "fr") == "0,1325"
    assert format_number(0.1325, "en") == "0.1325"
    assert format_number(6.0, "fr") == "6"
    assert format_amount(15.59, "fr") == "15,59"
    assert format_amount(15.5, "en") == "15.50"
    assert set(POWERS_KVA) >= {3, 6, 9, 36}
