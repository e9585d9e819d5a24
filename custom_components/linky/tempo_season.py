"""The Tempo season's counters: days of each colour used and left (pure).

A season runs from 1 September to 31 August; it has 22 red days, 43 white days and the rest
blue (300, or 301 when it holds a 29 February). A Tempo day runs 06:00 to 06:00 Paris: it is
named by the calendar day it starts on, and counts as used from its 06:00. Days whose colour
is not known are counted apart (`SeasonCount.unknown`), never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from .const import PARIS
from .contract import COLOURS, TEMPO_DAY_START, Colour, ColourOf
from .paris import paris_time

RED_DAYS: Final = 22
WHITE_DAYS: Final = 43
DAY_START: Final = time(TEMPO_DAY_START // 60, TEMPO_DAY_START % 60)


def tempo_day(instant: datetime) -> date:
    """Return the Tempo day running at an aware instant (before 06:00: the day before)."""
    local = instant.astimezone(PARIS)
    return local.date() - timedelta(days=local.time() < DAY_START)


def next_tempo_day_start(instant: datetime) -> datetime:
    """Return when the next Tempo day starts (the next 06:00 Paris), in UTC."""
    return paris_time(tempo_day(instant) + timedelta(days=1), DAY_START)


def season_start(day: date) -> date:
    """Return the 1 September starting the season of a Tempo day."""
    return date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def season_quotas(start: date) -> dict[Colour, int]:
    """Return the days of each colour in the season starting on ``start`` (1 September)."""
    length = (start.replace(year=start.year + 1) - start).days
    return {"blue": length - RED_DAYS - WHITE_DAYS, "white": WHITE_DAYS, "red": RED_DAYS}


@dataclass(frozen=True, slots=True)
class SeasonCount:
    """The colours of a season's days up to a Tempo day (that day included)."""

    start: date
    end: date
    """The season's last day (31 August)."""
    quotas: Mapping[Colour, int]
    used: Mapping[Colour, int]
    unknown: int
    """Days of the season up to the counted day whose colour is not known."""

    def left(self, colour: Colour) -> int:
        """Return the days of a colour left in the season (its quota less the known used)."""
        return self.quotas[colour] - self.used[colour]


def count_season(day: date, colour_of: ColourOf) -> SeasonCount:
    """Count the colours of the days from the season's start to the Tempo day ``day``."""
    start = season_start(day)
    used: dict[Colour, int] = dict.fromkeys(COLOURS, 0)
    unknown = 0
    for offset in range((day - start).days + 1):
        colour = colour_of(start + timedelta(days=offset))
        if colour is None:
            unknown += 1
        else:
            used[colour] += 1
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    return SeasonCount(start, end, season_quotas(start), used, unknown)
