"""Results of the Linky data clients (frozen dataclasses)."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


def parse_duration(value: str | None) -> timedelta | None:
    """Return the `timedelta` of an ISO 8601 duration such as "PT30M" or "P1D", else None."""
    if not value:
        return None
    match = _DURATION.fullmatch(value.strip().upper())
    if match is None or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (int(group or 0) for group in match.groups())
    try:
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:  # over 999999999 days
        return None


@dataclass(frozen=True, slots=True)
class ReadingType:
    """What the readings measure: unit ("Wh", "W", "VA"), kind, aggregate and period."""

    unit: str
    measurement_kind: str
    aggregate: str
    measuring_period: str | None = None


@dataclass(frozen=True, slots=True)
class IntervalReading:
    """One value.

    `date` is a `date` for daily values; for a load curve it is the aware Europe/Paris
    datetime of the END of the interval, and for max power the moment it happened.
    """

    value: int
    date: date | datetime
    interval_length: str | None = None
    measure_type: str | None = None

    @property
    def interval(self) -> timedelta | None:
        """Length of the interval ("PT30M" -> 30 minutes), None when not given."""
        return parse_duration(self.interval_length)


@dataclass(frozen=True, slots=True)
class ClassRegister:
    """One per-class register of an index body: its calendar, its class and its values (Wh).

    `calendar` is "distributor" (Enedis ids ``DI...``) or "supplier" (the contract's, ``FC...``);
    `code` is the class as Enedis names it ("HP", "HC", "HPJB", "BASE", ...).
    """

    calendar: str
    calendar_id: str
    code: str
    readings: tuple[IntervalReading, ...]


@dataclass(frozen=True, slots=True)
class MeteringData:
    """Readings of one meter over `start` (included) to `end` (excluded)."""

    usage_point_id: str
    start: date
    end: date
    quality: str
    reading_type: ReadingType
    interval_reading: tuple[IntervalReading, ...]
    registers: tuple[ClassRegister, ...] = ()
    """Index bodies only: the per-class registers of the meter's calendars."""

    @property
    def total(self) -> int:
        """Sum of the values (0 when there are none)."""
        return sum(reading.value for reading in self.interval_reading)

    @property
    def average(self) -> float | None:
        """Mean of the values, None when there are none."""
        if not self.interval_reading:
            return None
        return self.total / len(self.interval_reading)


@dataclass(frozen=True, slots=True)
class ContractSituation:
    """What Enedis's contract data (`situation_contrat_auto`) says of a meter's contract."""

    subscribed_power_kva: int | None
    """The subscribed power in kVA, None when the answer has none that can be read."""
    segment: str | None = None
    """``C5`` for a home (36 kVA or less)."""
    distribution_tariff: str | None = None
    """The distribution tariff (TURPE) code or label."""
