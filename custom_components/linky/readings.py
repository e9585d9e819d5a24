"""Readings fetched from the meter, merged and stored: the integration's source of truth.

Everything else (sensor values, long-term statistics, costs) is derived from these. Pure: no
Home Assistant import, so it is easy to test and serialise (``to_dict``/``from_dict`` for a Store).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from .api import MeteringData
from .kinds import DATA_KINDS, DIRECTIONS, KINDS, DataKind, Direction, kind_of
from .paris import day_minutes, paris_day

STORE_FORMAT: Final = 2
"""Format of `MeterReadings.to_dict`: 2 stores the curve as runs (`encode_runs`); 1 had none."""


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """Average power over one load-curve interval, stamped at the interval's end (UTC)."""

    end: datetime
    watts: int
    minutes: int

    @property
    def start(self) -> datetime:
        """Start of the interval (UTC)."""
        return self.end - timedelta(minutes=self.minutes)

    @property
    def energy_wh(self) -> float:
        """Energy over the interval in Wh."""
        return self.watts * self.minutes / 60

    @property
    def local_day(self) -> date:
        """The Paris day the interval belongs to (the day of its start)."""
        return paris_day(self.start)


@dataclass(frozen=True, slots=True)
class MaxPower:
    """A day's highest apparent power and when it happened (UTC)."""

    va: int
    at: datetime


def daily_values(data: MeteringData) -> dict[date, int]:
    """Daily energy readings (Wh) keyed by their day."""
    values: dict[date, int] = {}
    for reading in data.interval_reading:
        day = reading.date.date() if isinstance(reading.date, datetime) else reading.date
        values[day] = reading.value
    return values


def curve_points(data: MeteringData) -> list[CurvePoint]:
    """Load-curve readings as UTC points; readings without an interval length are skipped."""
    points = []
    for reading in data.interval_reading:
        interval = reading.interval
        if not isinstance(reading.date, datetime) or interval is None:
            continue
        minutes = int(interval.total_seconds() // 60)
        points.append(CurvePoint(reading.date.astimezone(UTC), reading.value, minutes))
    return points


def max_power_values(data: MeteringData) -> dict[date, MaxPower]:
    """Daily maximum power readings keyed by the Paris day they happened on."""
    values: dict[date, MaxPower] = {}
    for reading in data.interval_reading:
        if isinstance(reading.date, datetime):
            at = reading.date.astimezone(UTC)
            values[paris_day(reading.date)] = MaxPower(reading.value, at)
    return values


def register_values(data: MeteringData) -> dict[date, dict[str, int]]:
    """Per-class register values (Wh) by day, keyed ``"<calendar>:<class>"`` (`register_key`).

    Every day of the totaliser is there, with no register when the answer had none.
    """
    values: dict[date, dict[str, int]] = {
        reading.date.date() if isinstance(reading.date, datetime) else reading.date: {}
        for reading in data.interval_reading
    }
    for register in data.registers:
        key = register_key(register.calendar, register.code)
        for reading in register.readings:
            day = reading.date.date() if isinstance(reading.date, datetime) else reading.date
            values.setdefault(day, {})[key] = reading.value
    return values


def register_key(calendar: str, code: str) -> str:
    """Key of a stored register: ``"supplier:HPJB"``, ``"distributor:HC"``."""
    return f"{calendar}:{code}"


def _earliest(current: date | None, candidate: date) -> date:
    return candidate if current is None or candidate < current else current


@dataclass
class MeterReadings:
    """All readings held for one meter.

    ``missing`` records, per kind, the days the API answered "no data" (404), with the date that
    answer was first seen, so they can be asked again for a bounded time and never read as zero.
    """

    daily: dict[Direction, dict[date, int]] = field(
        default_factory=lambda: {direction: {} for direction in DIRECTIONS}
    )
    curve: dict[Direction, dict[date, tuple[CurvePoint, ...]]] = field(
        default_factory=lambda: {direction: {} for direction in DIRECTIONS}
    )
    max_power: dict[date, MaxPower] = field(default_factory=dict)
    registers: dict[date, dict[str, int]] = field(default_factory=dict)
    """The meter's per-class registers (Wh) at the local midnight starting each day."""
    missing: dict[DataKind, dict[date, date]] = field(
        default_factory=lambda: {kind: {} for kind in DATA_KINDS}
    )
    _encoded: dict[Direction, dict[date, tuple[tuple[CurvePoint, ...], list[list[Any]]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Per day, the points last encoded by `to_dict` and their encoding (reused while the same)."""
    revision: int = field(default=0, init=False, repr=False, compare=False)
    """Counts the merges that changed something (what was computed from a revision still holds)."""

    def merge_daily(self, direction: Direction, values: Mapping[date, int]) -> date | None:
        """Store daily values; return the earliest day whose value changed."""
        stored = self.daily[direction]
        changed: date | None = None
        for day, value in values.items():
            self.missing[kind_of(direction, "daily")].pop(day, None)
            if stored.get(day) != value:
                stored[day] = value
                changed = _earliest(changed, day)
        return self._changed(changed)

    def merge_curve(self, direction: Direction, points: Iterable[CurvePoint]) -> date | None:
        """Store load-curve points (a newer value replaces an older one at the same instant).

        Return the earliest day whose points changed.
        """
        by_day: dict[date, dict[datetime, CurvePoint]] = {}
        for point in points:
            by_day.setdefault(point.local_day, {})[point.end] = point
        stored = self.curve[direction]
        changed: date | None = None
        for day, new_points in by_day.items():
            self.missing[kind_of(direction, "curve")].pop(day, None)
            merged = {point.end: point for point in stored.get(day, ())}
            merged.update(new_points)
            day_points = tuple(merged[end] for end in sorted(merged))
            if stored.get(day) != day_points:
                stored[day] = day_points
                changed = _earliest(changed, day)
        return self._changed(changed)

    def merge_max_power(self, values: Mapping[date, MaxPower]) -> date | None:
        """Store daily maximum power; return the earliest day whose value changed."""
        changed: date | None = None
        for day, value in values.items():
            self.missing["max_power"].pop(day, None)
            if self.max_power.get(day) != value:
                self.max_power[day] = value
                changed = _earliest(changed, day)
        return self._changed(changed)

    def merge_registers(self, values: Mapping[date, Mapping[str, int]]) -> date | None:
        """Store per-class registers; return the earliest day whose class energy changed.

        A register read at the midnight starting day D ends day D - 1. A day whose answer had
        only the totaliser is held with no register (it was asked).
        """
        changed: date | None = None
        for day, registers in values.items():
            self.missing["consumption_index"].pop(day, None)
            held = self.registers.get(day)
            if held != registers:
                self.registers[day] = dict(registers)
                if held or registers:
                    changed = _earliest(changed, day - timedelta(days=1))
        return self._changed(changed)

    def _changed(self, day: date | None) -> date | None:
        if day is not None:
            self.revision += 1
        return day

    def merge(self, kind: DataKind, data: MeteringData) -> date | None:
        """Store an API answer of one kind; return the earliest day whose values changed."""
        info = KINDS[kind]
        match info.shape:
            case "daily":
                return self.merge_daily(info.direction, daily_values(data))
            case "curve":
                return self.merge_curve(info.direction, curve_points(data))
            case "max_power":
                return self.merge_max_power(max_power_values(data))
            case "index":
                return self.merge_registers(register_values(data))

    def mark_missing(self, kind: DataKind, days: Iterable[date], seen: date) -> None:
        """Record days answered "no data", keeping the date first seen; held days are skipped."""
        for day in days:
            if not self.has(kind, day):
                self.missing[kind].setdefault(day, seen)

    def has(self, kind: DataKind, day: date) -> bool:
        """Whether data of this kind is held for the day."""
        return day in self.days_held(kind)

    def days_held(self, kind: DataKind) -> Mapping[date, object]:
        """Return the days held for a kind (a mapping keyed by day)."""
        info = KINDS[kind]
        match info.shape:
            case "max_power":
                return self.max_power
            case "index":
                return self.registers
            case "daily":
                return self.daily[info.direction]
            case "curve":
                return self.curve[info.direction]

    def curve_is_complete(self, direction: Direction, day: date) -> bool:
        """Whether the day's load curve covers the whole (local) day."""
        points = self.curve[direction].get(day, ())
        return sum(point.minutes for point in points) >= day_minutes(day)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (for a Store), in the compact `STORE_FORMAT`.

        Runs on the event loop (the Store calls it there when it writes): each day's encoded
        curve is kept and reused while the day's points are the same tuple (they are immutable,
        and `merge_curve` replaces a changed day's tuple), so a save encodes only changed days.
        """
        return {
            "format": STORE_FORMAT,
            "daily": {
                direction: {day.isoformat(): wh for day, wh in sorted(days.items())}
                for direction, days in self.daily.items()
            },
            "curve": {direction: self._encoded_curve(direction) for direction in self.curve},
            "max_power": {
                day.isoformat(): [value.va, int(value.at.timestamp())]
                for day, value in sorted(self.max_power.items())
            },
            "registers": {day.isoformat(): dict(r) for day, r in sorted(self.registers.items())},
            "missing": {
                kind: {day.isoformat(): seen.isoformat() for day, seen in sorted(days.items())}
                for kind, days in self.missing.items()
            },
        }

    def _encoded_curve(self, direction: Direction) -> dict[str, list[list[Any]]]:
        days = self.curve[direction]
        cache = self._encoded.setdefault(direction, {})
        encoded: dict[str, list[list[Any]]] = {}
        for day, points in sorted(days.items()):
            held = cache.get(day)
            if held is None or held[0] is not points:
                held = cache[day] = (points, encode_runs(points))
            encoded[day.isoformat()] = held[1]
        if len(cache) > len(days):
            for day in cache.keys() - days.keys():
                del cache[day]
        return encoded

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MeterReadings:
        """Rebuild from ``to_dict`` output, of the current format or of format 1 (no "format").

        Format 1 stored every curve point as ``[end, watts, minutes]``.
        """
        readings = cls()
        compact = data.get("format", 1) >= STORE_FORMAT
        for direction in DIRECTIONS:
            readings.daily[direction] = {
                date.fromisoformat(day): int(wh)
                for day, wh in data.get("daily", {}).get(direction, {}).items()
            }
            # The encoding is kept (see `to_dict`): made here, off the loop, for format 1.
            cache = readings._encoded[direction] = {}
            curve = readings.curve[direction]
            for day_text, stored in data.get("curve", {}).get(direction, {}).items():
                day = date.fromisoformat(day_text)
                if compact:
                    points = curve[day] = decode_runs(stored)
                    cache[day] = (points, stored)
                else:
                    points = curve[day] = tuple(
                        CurvePoint(datetime.fromtimestamp(end, UTC), watts, minutes)
                        for end, watts, minutes in stored
                    )
                    cache[day] = (points, encode_runs(points))
        readings.max_power = {
            date.fromisoformat(day): MaxPower(va, datetime.fromtimestamp(at, UTC))
            for day, (va, at) in data.get("max_power", {}).items()
        }
        readings.registers = {
            date.fromisoformat(day): {key: int(wh) for key, wh in registers.items()}
            for day, registers in data.get("registers", {}).items()
        }
        for kind in DATA_KINDS:
            readings.missing[kind] = {
                date.fromisoformat(day): date.fromisoformat(seen)
                for day, seen in data.get("missing", {}).get(kind, {}).items()
            }
        return readings


def encode_runs(points: Iterable[CurvePoint]) -> list[list[Any]]:
    """Encode a day's points as runs ``[start, minutes, [watts, ...]]`` (start: a timestamp).

    A run is a sequence of back-to-back intervals of the same length: a whole day (daylight-
    saving days too: 46 or 50 half hours) is one run; a gap or a change of interval length
    (PT10M, PT30M, PT60M) starts another, so any sequence of points round-trips exactly.
    """
    runs: list[list[Any]] = []
    watts: list[int] = []
    minutes = step = expected = 0
    for point in points:
        end = int(point.end.timestamp())
        if point.minutes != minutes or end != expected:
            minutes, step = point.minutes, point.minutes * 60
            watts = []
            runs.append([end - step, minutes, watts])
        watts.append(point.watts)
        expected = end + step
    return runs


def decode_runs(runs: Iterable[list[Any]]) -> tuple[CurvePoint, ...]:
    """Return the points that `encode_runs` encoded."""
    points: list[CurvePoint] = []
    for start, minutes, watts in runs:
        step = timedelta(minutes=minutes)
        end = datetime.fromtimestamp(start, UTC)
        for value in watts:
            end += step
            points.append(CurvePoint(end, value, minutes))
    return tuple(points)
