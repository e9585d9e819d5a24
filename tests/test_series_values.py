"""Rows kept exactly when the computation changes (no Home Assistant needed).

`statistics.day_energy` walks each day's points once for its total and its classes; the
references below are the two separate walks it replaced. The readings: `mixed_readings`
(six months, every kind of day, an HP/HC period then a Tempo one with unknown colours).
"""

import hashlib
from datetime import date

from custom_components.linky.contract import CLASSES, ColourOf, Contract, split_by_class
from custom_components.linky.kinds import Direction
from custom_components.linky.meter_registers import register_classes
from custom_components.linky.paris import local_midnight
from custom_components.linky.readings import CurvePoint, MeterReadings
from custom_components.linky.series import build_series, compute_values
from custom_components.linky.statistics import DaySource, day_energy, day_source
from tests.statistics_helpers import MIXED_CONTRACTS, mixed_colours, mixed_readings


def _hour(point: CurvePoint) -> int:
    start = int(point.start.timestamp())
    return start - start % 3600


def _reference_hours(readings: MeterReadings, direction: Direction, day: date) -> dict[int, int]:
    points = readings.curve[direction].get(day, ())
    if day_source(readings, direction, day) is DaySource.DAILY:
        hours = dict.fromkeys((_hour(point) for point in points), 0)
        hours[int(local_midnight(day).timestamp())] = readings.daily[direction][day] * 60
        return hours
    hours = {}
    for point in points:
        hours[_hour(point)] = hours.get(_hour(point), 0) + point.watts * point.minutes
    return hours


def _reference_classes(
    readings: MeterReadings,
    direction: Direction,
    day: date,
    contract: Contract,
    colour_of: ColourOf,
) -> dict[int, dict[str, int]] | None:
    hours: dict[int, dict[str, int]] = {
        hour: {} for hour in _reference_hours(readings, direction, day)
    }
    if day_source(readings, direction, day) is DaySource.DAILY:
        classes = CLASSES[contract.period_on(day).option]
        shares = register_classes(readings, day, classes) if direction == "consumption" else None
        if not shares or sum(shares.values()) <= 0:
            shares = contract.class_minutes(day, colour_of)
        if shares is None:
            return None
        midnight = int(local_midnight(day).timestamp())
        hours[midnight] = split_by_class(readings.daily[direction][day] * 60, shares)
        return hours
    for point in readings.curve[direction].get(day, ()):
        minutes = contract.minutes_by_class(point.start, point.minutes, colour_of)
        if minutes is None:
            return None
        bucket = hours[_hour(point)]
        for name, count in minutes.items():
            bucket[name] = bucket.get(name, 0) + point.watts * count
    return hours


def _order(hours: dict[int, dict[str, int]] | None) -> list[tuple[int, list[tuple[str, int]]]]:
    """The hours and classes in their order (the costs are summed in it)."""
    return [(hour, list(by_class.items())) for hour, by_class in (hours or {}).items()]


def test_one_pass_gives_each_day_what_the_two_walks_gave() -> None:
    readings, colour_of = mixed_readings(), mixed_colours().get
    sources = set()
    for direction, contract in MIXED_CONTRACTS.items():
        for day in sorted({*readings.daily[direction], *readings.curve[direction]}):
            sources.add(day_source(readings, direction, day))
            energy = day_energy(readings, direction, day, contract, colour_of)
            assert list(energy.hours.items()) == list(
                _reference_hours(readings, direction, day).items()
            ), (direction, day)
            expected = _reference_classes(readings, direction, day, contract, colour_of)
            assert (energy.classes is None) is (expected is None), (direction, day)
            assert _order(energy.classes) == _order(expected), (direction, day)
            assert day_energy(readings, direction, day).classes is None
    assert sources == set(DaySource)


DIGESTS = {
    "consumption": "13c7b3bcec31a904",  # 4035 rows
    "production": "7244bf6ff0ba5e41",  # 4035 rows
    "consumption_cost": "ab9c584fbff3db59",  # 3944 rows
    "consumption_hp": "62277ef38d9d67fa",  # 3939 rows
    "consumption_hp_cost": "773b9ee6fee6e263",  # 3939 rows
    "consumption_hc": "0515f72343d9d399",  # 3939 rows
    "consumption_hc_cost": "ee694fc6e8d7abae",  # 3939 rows
    "consumption_blue_hp": "c88937b210e9f9cf",  # 3939 rows
    "consumption_blue_hp_cost": "410f0ce36dd02b45",  # 3939 rows
    "consumption_blue_hc": "3141bc3ee870ee8f",  # 3939 rows
    "consumption_blue_hc_cost": "9df8e0b37b7ee072",  # 3939 rows
    "consumption_white_hp": "ab12d3d2d0b2dca9",  # 3939 rows
    "consumption_white_hp_cost": "5dfbfba0afa88cf3",  # 3939 rows
    "consumption_white_hc": "922a1319aeb12cba",  # 3939 rows
    "consumption_white_hc_cost": "4d2cefcac8a711a8",  # 3939 rows
    "consumption_red_hp": "d7e15a7d586f56e9",  # 3939 rows
    "consumption_red_hp_cost": "206940e4419860c3",  # 3939 rows
    "consumption_red_hc": "571afcff2eb04bed",  # 3939 rows
    "consumption_red_hc_cost": "f6de6e693173b291",  # 3939 rows
    "production_earnings": "5441621fa5250764",  # 4035 rows
    "max_power": "4f53cda18c2baa0c",  # 0 rows
    "cost_if_base": "f975c9bf76564675",  # 4036 rows
    "cost_if_hphc": "4008373d9d403980",  # 4036 rows
    "cost_if_tempo": "01f1713fc34000f4",  # 3940 rows
}
"""Each series' rows (sha256 of their repr, first 16 digits), as computed by the two walks
(commit e155cf4): a change of any value, of its float rounding or of a row's hour shows."""


def test_every_row_is_the_same_as_before() -> None:
    readings, colours = mixed_readings(), mixed_colours()
    series = build_series("12345678901234", production=True, contracts=MIXED_CONTRACTS)
    values = compute_values(readings, series, MIXED_CONTRACTS, colours)
    digests = {
        item.suffix: hashlib.sha256(repr(values[item.statistic_id]).encode()).hexdigest()[:16]
        for item in series
    }
    assert digests == DIGESTS
