"""Electricity prices over time: the user's tariff periods, and the price of an instant.

Pure: no Home Assistant import. A tariff is a list of periods, each applying from its start date
(Europe/Paris) until the next one starts, so adding a price change never rewrites older costs.
The earliest period also prices everything before its start date: a user who only knows today's
price still gets costs for the whole history.

A period is either a single base price per kWh, or peak / off-peak prices with off-peak hour
ranges such as ``"22:00-06:00;12:30-14:30"`` (local wall-clock time, a range may wrap midnight).
An interval is priced by the local time of its start.

A day known only by its daily total (no load curve) cannot be split between peak and off-peak
hours; it is priced at the day's time-weighted average: the share of the day's real minutes
(1380/1440/1500 on daylight-saving days) that are off-peak, at the off-peak price, the rest at
the peak price.

Options store periods as dicts (``entry.options["tariffs"]``)::

    {"direction": "consumption", "start": "2025-02-01", "base": 0.2016}
    {"direction": "consumption", "start": "2025-08-01", "peak": 0.2146, "off_peak": 0.1696,
     "off_peak_hours": "22:00-06:00"}
"""

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from .const import PARIS
from .kinds import DIRECTIONS, Direction
from .paris import local_midnight

type MinuteRange = tuple[int, int]
"""Minutes after local midnight: start (included) to end (excluded); end < start wraps."""

_TIME = re.compile(r"^\s*(\d{1,2})\s*[:hH]\s*(\d{2})\s*$")
MINUTES_PER_DAY = 1440


class TariffError(ValueError):
    """A tariff period or an off-peak hour range is malformed."""


def _parse_time(text: str) -> int:
    match = _TIME.match(text)
    if match is None:
        raise TariffError(f"invalid time {text!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours == 24 and minutes == 0:
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise TariffError(f"invalid time {text!r}")
    return hours * 60 + minutes


def parse_off_peak_hours(text: str) -> tuple[MinuteRange, ...]:
    """Parse ``"22:00-06:00;12:30-14:30"`` (also ``22h00``, ``,`` separators) into ranges."""
    ranges: list[MinuteRange] = []
    for part in re.split(r"[;,]", text):
        if not part.strip():
            continue
        bounds = part.split("-")
        if len(bounds) != 2:
            raise TariffError(f"invalid range {part.strip()!r}")
        start, end = (_parse_time(bound) for bound in bounds)
        start %= MINUTES_PER_DAY
        if start == end:
            raise TariffError(f"empty range {part.strip()!r}")
        ranges.append((start, end))
    if not ranges:
        raise TariffError("no off-peak hours")
    return tuple(ranges)


def format_off_peak_hours(ranges: Iterable[MinuteRange]) -> str:
    """Return the canonical text of off-peak ranges (``"22:00-06:00;12:30-14:30"``)."""
    return ";".join(
        f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
        for start, end in ranges
    )


def in_ranges(minute: int, ranges: Sequence[MinuteRange]) -> bool:
    """Whether a minute of the local day falls in one of the ranges."""
    for start, end in ranges:
        if start < end:
            if start <= minute < end:
                return True
        elif minute >= start or minute < end:
            return True
    return False


@dataclass(frozen=True, slots=True)
class TariffPeriod:
    """Prices (per kWh) applying from ``start``: ``base``, or ``peak``/``off_peak`` + ranges."""

    start: date
    base: float | None = None
    peak: float | None = None
    off_peak: float | None = None
    off_peak_hours: tuple[MinuteRange, ...] = ()

    def __post_init__(self) -> None:
        """Check the period is either base or peak/off-peak, with prices >= 0."""
        prices = [self.base, self.peak, self.off_peak]
        if any(price is not None and price < 0 for price in prices):
            raise TariffError("negative price")
        if self.base is None and (
            self.peak is None or self.off_peak is None or not self.off_peak_hours
        ):
            raise TariffError("a period needs a base price, or peak and off-peak prices and hours")
        if self.base is not None and (self.peak is not None or self.off_peak is not None):
            raise TariffError("a period has either a base price or peak/off-peak prices")

    def price_at_minute(self, minute: int) -> float:
        """Price of an interval starting at this local minute of the day."""
        if self.base is not None:
            return self.base
        assert self.peak is not None
        assert self.off_peak is not None
        return self.off_peak if in_ranges(minute, self.off_peak_hours) else self.peak

    def day_average(self, day: date) -> float:
        """Time-weighted average price over the local day (for a day known by its total)."""
        if self.base is not None:
            return self.base
        assert self.peak is not None
        assert self.off_peak is not None
        off_minutes, total = _off_peak_minutes(day, self.off_peak_hours)
        return (off_minutes * self.off_peak + (total - off_minutes) * self.peak) / total

    def to_dict(self, direction: Direction) -> dict[str, Any]:
        """Return the options form of the period."""
        data: dict[str, Any] = {"direction": direction, "start": self.start.isoformat()}
        if self.base is not None:
            data["base"] = self.base
        else:
            data["peak"] = self.peak
            data["off_peak"] = self.off_peak
            data["off_peak_hours"] = format_off_peak_hours(self.off_peak_hours)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TariffPeriod:
        """Build from the options form; raise `TariffError` when malformed."""
        try:
            start = date.fromisoformat(str(data["start"]))
        except (KeyError, ValueError) as err:
            raise TariffError("invalid start date") from err
        hours = data.get("off_peak_hours")
        return cls(
            start=start,
            base=_price(data.get("base")),
            peak=_price(data.get("peak")),
            off_peak=_price(data.get("off_peak")),
            off_peak_hours=parse_off_peak_hours(hours) if hours else (),
        )


def _price(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        raise TariffError(f"invalid price {value!r}") from err


def _day_bounds_utc(day: date) -> tuple[datetime, datetime]:
    return local_midnight(day), local_midnight(day + timedelta(days=1))


def _local_minute(instant: datetime) -> int:
    local = instant.astimezone(PARIS)
    return local.hour * 60 + local.minute


@lru_cache(maxsize=4096)
def _off_peak_minutes(day: date, ranges: tuple[MinuteRange, ...]) -> tuple[int, int]:
    """(off-peak minutes, total minutes) of a local day, by the wall clock of each real minute."""
    start, end = _day_bounds_utc(day)
    total = int((end - start).total_seconds() // 60)
    if total == MINUTES_PER_DAY:
        return sum(1 for minute in range(MINUTES_PER_DAY) if in_ranges(minute, ranges)), total
    # Daylight-saving day: walk the real minutes (the repeated or skipped hour counts as lived).
    step = timedelta(minutes=1)
    off = 0
    instant = start
    while instant < end:
        if in_ranges(_local_minute(instant), ranges):
            off += 1
        instant += step
    return off, total


class Tariff:
    """The periods of one direction, sorted by start date."""

    __slots__ = ("_starts", "periods")

    def __init__(self, periods: Iterable[TariffPeriod]) -> None:
        """Sort the periods; two periods may not start on the same day."""
        self.periods: tuple[TariffPeriod, ...] = tuple(sorted(periods, key=lambda p: p.start))
        self._starts = [period.start for period in self.periods]
        if len(set(self._starts)) != len(self._starts):
            raise TariffError("two periods start on the same day")
        if not self.periods:
            raise TariffError("a tariff needs at least one period")

    def period_on(self, day: date) -> TariffPeriod:
        """Return the period applying on a local day (the earliest one before its start)."""
        index = bisect_right(self._starts, day) - 1
        return self.periods[max(index, 0)]

    def price_at(self, instant: datetime) -> float:
        """Price per kWh of an interval starting at this (aware) instant."""
        local = instant.astimezone(PARIS)
        return self.period_on(local.date()).price_at_minute(local.hour * 60 + local.minute)

    def day_average(self, day: date) -> float:
        """Time-weighted average price of a local day (see the module docstring)."""
        return self.period_on(day).day_average(day)

    def first_difference(self, other: Tariff | None) -> date | None:
        """Earliest day priced differently by ``other`` (``date.min`` for all); None if equal."""
        if other is None:
            return date.min
        if self.periods == other.periods:
            return None
        boundaries = sorted({*self._starts, *other._starts})
        # Before the first boundary both tariffs use their earliest period.
        if self.period_on(date.min) != other.period_on(date.min):
            return date.min
        for day in boundaries:
            if self.period_on(day) != other.period_on(day):
                return day
        return None  # pragma: no cover - equal periods are caught above

    def __eq__(self, other: object) -> bool:
        """Tariffs are equal when their periods are."""
        return isinstance(other, Tariff) and self.periods == other.periods

    def __hash__(self) -> int:
        """Hash of the periods."""
        return hash(self.periods)

    def __repr__(self) -> str:
        """Debug form."""
        return f"Tariff({list(self.periods)!r})"


def parse_tariffs(options: Iterable[Mapping[str, Any]]) -> dict[Direction, Tariff]:
    """Group option dicts by direction into tariffs; raise `TariffError` on malformed ones."""
    grouped: dict[Direction, list[TariffPeriod]] = {}
    for data in options:
        direction = data.get("direction", "consumption")
        if direction not in DIRECTIONS:
            raise TariffError(f"invalid direction {direction!r}")
        grouped.setdefault(direction, []).append(TariffPeriod.from_dict(data))
    return {direction: Tariff(periods) for direction, periods in grouped.items()}
