"""Off-peak hour ranges, and the price periods of ``entry.options["tariffs"]`` (pure).

Off-peak ranges are written like ``"22:00-06:00;12:30-14:30"`` (local wall-clock time, a range
may wrap midnight); `check_off_peak_hours` says whether typed ones are plausible. The price
periods are a base price, or peak / off-peak prices with off-peak ranges, each from a start
date: production earnings use them, and they are what consumption prices were before contracts.
`contract.contract_from_tariff` turns them into a contract, which does all the pricing.

Options store periods as dicts (``entry.options["tariffs"]``)::

    {"direction": "consumption", "start": "2025-02-01", "base": 0.2016}
    {"direction": "consumption", "start": "2025-08-01", "peak": 0.2146, "off_peak": 0.1696,
     "off_peak_hours": "22:00-06:00"}
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

from .kinds import DIRECTIONS, Direction

type MinuteRange = tuple[int, int]
"""Minutes after local midnight: start (included) to end (excluded); end < start wraps."""

_TIME = re.compile(r"^\s*(\d{1,2})\s*[:hH]\s*(\d{2})\s*$")
MINUTES_PER_DAY = 1440


MAX_PRICE: Final = 5.0
"""EUR per kWh above which a price is a typing mistake (Tempo red HP is about 0.7)."""


def valid_price(price: float) -> bool:
    """Whether a price per kWh is plausible: 0 to `MAX_PRICE` (NaN is not). Every form's check."""
    return 0 <= price <= MAX_PRICE


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


MIN_OFF_PEAK_MINUTES: Final = 4 * 60
MAX_OFF_PEAK_MINUTES: Final = 12 * 60
"""A plausible day of off-peak hours (usually 8 hours)."""
type OffPeakProblem = Literal["invalid", "overlapping", "unordered", "implausible"]


class OffPeakHoursError(TariffError):
    """Typed off-peak ranges that cannot be right; ``problem`` says why."""

    def __init__(self, problem: OffPeakProblem, message: str) -> None:
        """Keep the kind of problem for the form's error."""
        super().__init__(message)
        self.problem: OffPeakProblem = problem


def check_off_peak_hours(text: str) -> tuple[MinuteRange, ...]:
    """Parse off-peak ranges typed by the user; raise `OffPeakHoursError` unless plausible.

    The ranges may not share a minute, must follow each other around the clock in the order
    written (from any of them: ``22:00-06:00;12:30-14:30`` is fine), and add up to 4 to 12
    hours a day.
    """
    try:
        ranges = parse_off_peak_hours(text)
    except TariffError as err:
        raise OffPeakHoursError("invalid", str(err)) from err
    lengths = [end - start if end > start else end + 1440 - start for start, end in ranges]
    covered: set[int] = set()
    for one in ranges:
        minutes = {minute for minute in range(1440) if in_ranges(minute, (one,))}
        if covered & minutes:
            raise OffPeakHoursError("overlapping", "off-peak ranges overlap")
        covered |= minutes
    first = ranges[0][0]
    position = first
    for (start, _), length in zip(ranges, lengths, strict=True):
        unrolled = first + (start - first) % 1440
        if unrolled < position:
            raise OffPeakHoursError("unordered", "off-peak ranges are not in the order of the day")
        position = unrolled + length
    if not MIN_OFF_PEAK_MINUTES <= sum(lengths) <= MAX_OFF_PEAK_MINUTES:
        raise OffPeakHoursError("implausible", "off-peak hours do not add up to a plausible day")
    return ranges


@dataclass(frozen=True, slots=True)
class TariffPeriod:
    """Prices (per kWh) applying from ``start``: ``base``, or ``peak``/``off_peak`` + ranges."""

    start: date
    base: float | None = None
    peak: float | None = None
    off_peak: float | None = None
    off_peak_hours: tuple[MinuteRange, ...] = ()

    def __post_init__(self) -> None:
        """Check the period is either base or peak/off-peak, with plausible prices."""
        prices = [self.base, self.peak, self.off_peak]
        if any(price is not None and not valid_price(price) for price in prices):
            raise TariffError("a price is negative or absurd")
        if self.base is None and (
            self.peak is None or self.off_peak is None or not self.off_peak_hours
        ):
            raise TariffError("a period needs a base price, or peak and off-peak prices and hours")
        if self.base is not None and (self.peak is not None or self.off_peak is not None):
            raise TariffError("a period has either a base price or peak/off-peak prices")

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


class Tariff:
    """The periods of one direction, sorted by start date."""

    __slots__ = ("periods",)

    def __init__(self, periods: Iterable[TariffPeriod]) -> None:
        """Sort the periods; two periods may not start on the same day."""
        self.periods: tuple[TariffPeriod, ...] = tuple(sorted(periods, key=lambda p: p.start))
        starts = [period.start for period in self.periods]
        if len(set(starts)) != len(starts):
            raise TariffError("two periods start on the same day")
        if not self.periods:
            raise TariffError("a tariff needs at least one period")

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
