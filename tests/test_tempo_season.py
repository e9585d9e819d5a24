"""The Tempo season's counters (pure), against the simulator's calendars, counted here apart."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from custom_components.linky.contract import COLOURS, Colour
from custom_components.linky.tempo_season import (
    count_season,
    next_tempo_day_start,
    season_quotas,
    tempo_day,
)
from linky_simulator.tempo import tempo_calendar
from tests.integration_helpers import paris


def calendar(*first_years: int) -> dict[date, Colour]:
    """The simulator's colours (RTE's rules) of whole seasons, seed 7."""
    colours: dict[date, Colour] = {}
    for year in first_years:
        colours.update(tempo_calendar(year, seed=7))
    return colours


def truth(colours: dict[date, Colour], first: date, last: date) -> dict[str, int]:
    """Days of each colour in ``[first, last]``, counted by hand."""
    counts = dict.fromkeys(COLOURS, 0)
    day = first
    while day <= last:
        counts[colours[day]] += 1
        day += timedelta(days=1)
    return counts


def test_a_tempo_day_runs_from_06_00_to_06_00() -> None:
    assert tempo_day(paris(date(2027, 1, 14), 5, 59)) == date(2027, 1, 13)
    assert tempo_day(paris(date(2027, 1, 14), 6)) == date(2027, 1, 14)
    assert tempo_day(paris(date(2027, 1, 14), 23, 59)) == date(2027, 1, 14)
    assert next_tempo_day_start(paris(date(2027, 1, 14), 5, 59)) == paris(date(2027, 1, 14), 6)
    assert next_tempo_day_start(paris(date(2027, 1, 14), 6)) == paris(date(2027, 1, 15), 6)
    # Daylight saving: 06:00 is 05:00 UTC in winter, 04:00 UTC in summer.
    assert next_tempo_day_start(paris(date(2027, 3, 27), 5)).hour == 5
    assert next_tempo_day_start(paris(date(2027, 3, 27), 12)).hour == 4  # the 28th, 23 hours
    assert next_tempo_day_start(paris(date(2026, 10, 24), 5)).hour == 4
    assert next_tempo_day_start(paris(date(2026, 10, 24), 12)).hour == 5  # the 25th, 25 hours


@pytest.mark.parametrize(("year", "blue"), [(2026, 300), (2027, 301)], ids=["365", "366"])
def test_31_august_ends_a_season_with_every_quota_used(year: int, blue: int) -> None:
    """On the season's last day every colour's quota is used: nothing left."""
    colours = calendar(year)
    assert season_quotas(date(year, 9, 1)) == {"blue": blue, "white": 43, "red": 22}
    count = count_season(date(year + 1, 8, 31), colours.get)
    assert count.start == date(year, 9, 1)
    assert count.end == date(year + 1, 8, 31)
    assert dict(count.used) == {"blue": blue, "white": 43, "red": 22}
    assert [count.left(colour) for colour in COLOURS] == [0, 0, 0]
    assert count.unknown == 0


def test_1_september_06_00_starts_a_new_season() -> None:
    """Until 06:00 on 1 September the Tempo day is still 31 August: the old season, full."""
    colours = calendar(2026, 2027)
    before = count_season(tempo_day(paris(date(2027, 9, 1), 5, 59)), colours.get)
    assert before.start == date(2026, 9, 1)
    assert dict(before.used) == {"blue": 300, "white": 43, "red": 22}
    after = count_season(tempo_day(paris(date(2027, 9, 1), 6)), colours.get)
    assert after.start == date(2027, 9, 1)
    assert after.end == date(2028, 8, 31)
    first = colours[date(2027, 9, 1)]
    assert dict(after.used) == {colour: int(colour == first) for colour in COLOURS}
    assert after.left("blue") == 301 - (first == "blue")  # 29 February 2028 in this season
    assert after.left("red") == 22
    assert after.left("white") == 43


def test_a_red_31_march_counts_from_its_06_00() -> None:
    """31 March is the last day a red day may fall on; it counts once it has started."""
    colours = calendar(2026)
    colours[date(2027, 3, 31)] = "red"
    expected = truth(colours, date(2026, 9, 1), date(2027, 3, 30))
    before = count_season(tempo_day(paris(date(2027, 3, 31), 5, 59)), colours.get)
    assert dict(before.used) == expected
    after = count_season(tempo_day(paris(date(2027, 3, 31), 6)), colours.get)
    assert after.used["red"] == expected["red"] + 1
    assert after.left("red") == 22 - expected["red"] - 1
    assert after.used["blue"] == expected["blue"]
    assert after.used["white"] == expected["white"]


def test_days_of_unknown_colour_are_counted_apart() -> None:
    """Unknown days are neither used nor guessed: "left" counts only the days known used."""
    colours = calendar(2026)
    gaps = {date(2026, 9, 1), date(2027, 1, 12), date(2027, 1, 13), date(2027, 2, 2)}
    known = {day: colour for day, colour in colours.items() if day not in gaps}
    today = date(2027, 2, 10)
    count = count_season(today, known.get)
    assert count.unknown == len(gaps)
    counted = truth(colours, date(2026, 9, 1), today)
    for day in gaps:
        counted[colours[day]] -= 1
    assert dict(count.used) == counted
    assert sum(count.used.values()) + count.unknown == (today - date(2026, 9, 1)).days + 1
    assert count.left("red") == 22 - counted["red"]
    # Nothing known yet: every day unknown, every quota left.
    empty = count_season(today, lambda _day: None)
    assert empty.unknown == (today - date(2026, 9, 1)).days + 1
    assert [empty.left(colour) for colour in COLOURS] == [300, 43, 22]
