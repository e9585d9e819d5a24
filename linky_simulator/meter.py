"""A deterministic simulated Linky meter: the ground truth the fake servers serve."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from .registers import MeterTariff, Register

PARIS = ZoneInfo("Europe/Paris")

type Direction = Literal["consumption", "production"]
type HistoryKind = Literal["daily", "curve"]

DIRECTIONS: tuple[Direction, ...] = ("consumption", "production")
_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_DIRECTION_CODE: dict[Direction, int] = {"consumption": 1, "production": 2}
_VALID_MINUTES = frozenset({5, 10, 15, 20, 30, 60})
# Curves depend only on (seed, solar peak, direction, day, minutes): shared by all meters, so
# the many short-lived meters of a test run compute each day once.
_SHARED_CURVES: dict[tuple[int, int, str, date, int], tuple[CurvePoint, ...]] = {}


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """One load-curve reading: average watts over the `minutes` ending at `end` (UTC)."""

    end: datetime
    watts: int
    minutes: int

    @property
    def start(self) -> datetime:
        """UTC start of the interval."""
        return self.end - timedelta(minutes=self.minutes)

    @property
    def wh(self) -> int:
        """Energy of the interval in Wh (exact: watts are generated from whole Wh)."""
        return self.watts * self.minutes // 60


@dataclass(frozen=True, slots=True)
class MaxPowerReading:
    """Highest apparent power of a day and the UTC instant it happened."""

    va: int
    at: datetime


def _mix(value: int) -> int:
    """Splitmix64 finaliser: a fast, well-spread integer hash."""
    value = (value + _GOLDEN) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def _unit(*parts: int) -> float:
    """Deterministic pseudo-random number in [0, 1) from integers."""
    state = _GOLDEN
    for part in parts:
        state = _mix(state ^ (part & _MASK))
    return (state >> 11) / float(1 << 53)


def _bump(hour: float, centre: float, width: float) -> float:
    """Gaussian bump of height 1 centred on `centre` (hours)."""
    return math.exp(-(((hour - centre) / width) ** 2))


def day_bounds_utc(day: date) -> tuple[datetime, datetime]:
    """UTC instants of the local (Europe/Paris) midnights starting and ending `day`."""
    start = datetime.combine(day, time(0), PARIS).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), PARIS).astimezone(UTC)
    return start, end


def months_before(day: date, months: int) -> date:
    """Return the same day of the month `months` earlier (clamped to the month's end)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    last = (first_next - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


class SimulatedMeter:
    """A Linky meter whose every value is a pure function of its seed.

    Consumption: base load, morning/evening peaks, weekend lunches, an off-peak water heater,
    winter heating and a few appliance spikes. Production (``production=True``): a solar bell
    curve whose height and width follow the season, with cloudy days. Watts are whole and
    derived from whole Wh per interval, so a day's Wh is exactly the sum of its curve.

    Day D is published (served) once ``now >= D+1 at publication`` (Paris time), or at
    ``late_days[D]`` when given. ``missing_days`` are never served (404); curve days before
    ``curve_first_day`` (or all of them without ``hourly_collection``) neither.
    """

    DAILY_HISTORY_MONTHS = 36
    CURVE_HISTORY_MONTHS = 24
    HISTORY_GRACE_DAYS = 15

    def __init__(
        self,
        prm: str,
        *,
        seed: int = 0,
        consumption: bool = True,
        production: bool = False,
        first_day: date = date(2020, 1, 1),
        curve_first_day: date | None = None,
        hourly_collection: bool = True,
        missing_days: Iterable[date] = frozenset(),
        missing_curve_days: Iterable[date] = frozenset(),
        interval_minutes: int = 30,
        interval_overrides: Mapping[date, int] | None = None,
        publication: time = time(8, 0),
        late_days: Mapping[date, datetime] | None = None,
        solar_peak_w: int = 3000,
        index_offset_wh: int = 12_000_000,
        tariff: MeterTariff | None = None,
        subscribed_power_kva: int = 9,
    ) -> None:
        """Describe the meter; nothing is computed before it is asked for."""
        overrides = dict(interval_overrides or {})
        for minutes in (interval_minutes, *overrides.values()):
            if minutes not in _VALID_MINUTES:
                raise ValueError(f"unsupported interval length: {minutes} min")
        if not consumption and not production:
            raise ValueError("a meter measures at least one direction")
        self.prm = prm
        self.seed = seed
        wanted: dict[Direction, bool] = {"consumption": consumption, "production": production}
        self.directions: frozenset[Direction] = frozenset(d for d, on in wanted.items() if on)
        self.first_day = first_day
        self.curve_first_day = curve_first_day or first_day
        self.hourly_collection = hourly_collection
        self.missing_days = frozenset(missing_days)
        self.missing_curve_days = frozenset(missing_curve_days)
        self.interval_minutes = interval_minutes
        self.interval_overrides = overrides
        self.publication = publication
        self.late_days = {
            day: at if at.tzinfo else at.replace(tzinfo=PARIS)
            for day, at in (late_days or {}).items()
        }
        self.solar_peak_w = solar_peak_w
        self.index_offset_wh = index_offset_wh
        self._index_cache: dict[Direction, list[int]] = {}
        self.tariff = tariff
        self.subscribed_power_kva = subscribed_power_kva
        """The contract's subscribed power (served by Data Connect's contract data)."""
        self._register_cache: list[dict[Register, int]] = []

    def __repr__(self) -> str:
        """Short description (PRM and directions)."""
        return f"SimulatedMeter({self.prm!r}, directions={sorted(self.directions)})"

    # ---- data ---------------------------------------------------------------------------

    def minutes_on(self, day: date) -> int:
        """Interval length (minutes) of the day's load curve."""
        return self.interval_overrides.get(day, self.interval_minutes)

    def curve(self, direction: Direction, day: date) -> tuple[CurvePoint, ...]:
        """Return the whole local day's load curve (availability rules not applied)."""
        return self._make_curve(direction, day)

    def daily_wh(self, direction: Direction, day: date) -> int:
        """Energy of the local day in Wh: exactly the sum of its load curve."""
        return sum(point.wh for point in self.curve(direction, day))

    def max_power(self, day: date) -> MaxPowerReading:
        """Highest apparent power (VA) of the day and when it happened (within the day)."""
        points = self.curve("consumption", day)
        peak = max(points, key=lambda point: point.watts)
        base = (self.seed, 7, int(peak.end.timestamp()))
        va = int(peak.watts * (1.15 + 0.45 * _unit(*base, 1))) + 200
        offset = int(peak.minutes * 60 * _unit(*base, 2))
        return MaxPowerReading(va=va, at=peak.start + timedelta(seconds=offset))

    def index_wh(self, direction: Direction, day: date) -> int:
        """Cumulative meter index (Wh) at the local midnight starting `day`."""
        if day <= self.first_day:
            return self.index_offset_wh
        sums = self._index_cache.setdefault(direction, [self.index_offset_wh])
        while len(sums) <= (day - self.first_day).days:
            done = self.first_day + timedelta(days=len(sums) - 1)
            sums.append(sums[-1] + self.daily_wh(direction, done))
        return sums[(day - self.first_day).days]

    def day_registers_wh(self, day: date) -> dict[Register, int]:
        """Consumption of the local day per register (Wh; empty without a `tariff`)."""
        if self.tariff is None:
            return {}
        energy = dict.fromkeys(self.tariff.registers(), 0)
        for point in self.curve("consumption", day):
            for register in self.tariff.registers_at(point.start):
                energy[register] += point.wh
        return energy

    def registers_wh(self, day: date) -> dict[Register, int]:
        """Per-class registers (Wh) at the local midnight starting `day` (consumption)."""
        if self.tariff is None:
            return {}
        sums = self._register_cache
        if not sums:  # each calendar's registers add up to the totaliser (`index_wh`)
            calendars = {register[0]: register for register in reversed(self.tariff.registers())}
            first = set(calendars.values())
            sums.append(
                {r: self.index_offset_wh if r in first else 0 for r in self.tariff.registers()}
            )
        while len(sums) <= (day - self.first_day).days:
            done = self.first_day + timedelta(days=len(sums) - 1)
            energy = self.day_registers_wh(done)
            sums.append({register: sums[-1][register] + energy[register] for register in energy})
        return sums[max((day - self.first_day).days, 0)]

    # ---- availability -------------------------------------------------------------------

    def published_at(self, day: date) -> datetime:
        """When the day's data becomes available (aware, Paris time)."""
        late = self.late_days.get(day)
        if late is not None:
            return late
        return datetime.combine(day + timedelta(days=1), self.publication, PARIS)

    def is_published(self, day: date, now: datetime) -> bool:
        """Whether day `day` is out at `now`."""
        return now >= self.published_at(day)

    def has_daily(self, direction: Direction, day: date, now: datetime) -> bool:
        """Whether the server has the day's daily value (or max power) at `now`."""
        return (
            direction in self.directions
            and day >= self.first_day
            and day not in self.missing_days
            and self.is_published(day, now)
        )

    def has_curve(self, direction: Direction, day: date, now: datetime) -> bool:
        """Whether the server has the day's load curve at `now`."""
        return (
            self.hourly_collection
            and day >= self.curve_first_day
            and day not in self.missing_curve_days
            and self.has_daily(direction, day, now)
        )

    def history_start(self, kind: HistoryKind, today: date) -> date:
        """Earliest day Enedis lets a call reach: 36 (daily) or 24 (curve) months + 15 days."""
        months = self.DAILY_HISTORY_MONTHS if kind == "daily" else self.CURVE_HISTORY_MONTHS
        return months_before(today, months) - timedelta(days=self.HISTORY_GRACE_DAYS)

    # ---- ground truth for tests ---------------------------------------------------------

    def hourly_wh(
        self, direction: Direction, start_utc: datetime, end_utc: datetime
    ) -> dict[datetime, float]:
        """Wh per UTC hour of the true load curve between two instants (all days counted).

        Each reading is moved to its interval start and counts W * minutes / 60 Wh. Missing or
        unpublished days are NOT excluded: this is what the meter measured.
        """
        result: dict[datetime, float] = {}
        day = start_utc.astimezone(PARIS).date() - timedelta(days=1)
        while day <= end_utc.astimezone(PARIS).date():
            for point in self.curve(direction, day):
                begin = point.end - timedelta(minutes=point.minutes)
                if start_utc <= begin < end_utc:
                    hour = begin.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
                    result[hour] = result.get(hour, 0.0) + point.watts * point.minutes / 60
            day += timedelta(days=1)
        return dict(sorted(result.items()))

    # ---- generation ---------------------------------------------------------------------

    def _make_curve(self, direction: Direction, day: date) -> tuple[CurvePoint, ...]:
        minutes = self.minutes_on(day)
        key = (self.seed, self.solar_peak_w, direction, day, minutes)
        cached = _SHARED_CURVES.get(key)
        if cached is not None:
            return cached
        start, end = day_bounds_utc(day)
        step = timedelta(minutes=minutes)
        power = self._consumption_day(day) if direction == "consumption" else self._solar_day(day)
        points: list[CurvePoint] = []
        cursor = start
        while cursor < end:
            wh = max(0, round(power(cursor + step / 2) * minutes / 60))
            cursor += step
            points.append(CurvePoint(end=cursor, watts=wh * 60 // minutes, minutes=minutes))
        result = _SHARED_CURVES[key] = tuple(points)
        return result

    def _day_noise(self, day: date, salt: int) -> float:
        return _unit(self.seed, salt, day.toordinal())

    def _consumption_day(self, day: date) -> Callable[[datetime], float]:
        """Return the consumption power (W) at an instant of `day`."""
        year_angle = 2 * math.pi * (day.timetuple().tm_yday - 20) / 365.25
        winter = max(0.0, math.cos(year_angle)) ** 1.3
        weekend = day.weekday() >= 5
        cold = 0.6 + 0.8 * self._day_noise(day, 11)
        heater_hours = 1.0 + 2.0 * self._day_noise(day, 12) + 1.0 * winter
        code = _DIRECTION_CODE["consumption"]
        seed = self.seed

        def power(instant: datetime) -> float:
            local = instant.astimezone(PARIS)
            hour = local.hour + local.minute / 60 + local.second / 3600
            stamp = int(instant.timestamp())
            heating = (
                2200 * winter * cold * (0.55 + 0.45 * (_bump(hour, 7, 2.5) + _bump(hour, 20, 3)))
            )
            water = 2000.0 if (hour - 22.5) % 24 < heater_hours else 0.0
            if weekend:
                peaks = 700 * _bump(hour, 9, 1.2) + 900 * _bump(hour, 12.75, 1.0)
                peaks += 1500 * _bump(hour, 19.75, 1.5)
            else:
                peaks = 900 * _bump(hour, 7.25, 0.8) + 300 * _bump(hour, 12.5, 0.8)
                peaks += 1300 * _bump(hour, 19.5, 1.4)
            noise = _unit(seed, code, stamp)
            spike = 1500 + 1000 * noise if noise > 0.94 else 0.0
            wobble = 0.85 + 0.3 * _unit(seed, 5, stamp)
            return float((280 + heating + peaks) * wobble + water + spike)

        return power

    def _solar_day(self, day: date) -> Callable[[datetime], float]:
        """Return the solar production (W) at an instant of `day` (sun position in UTC)."""
        season = math.sin(2 * math.pi * (day.timetuple().tm_yday - 80) / 365.25)
        length = 12.2 + 4.0 * season
        sunrise = 11.85 - length / 2
        height = self.solar_peak_w * (0.6 + 0.4 * season)
        clouds = 0.15 + 0.85 * self._day_noise(day, 21)
        code = _DIRECTION_CODE["production"]
        seed = self.seed

        def power(instant: datetime) -> float:
            hour_utc = instant.hour + instant.minute / 60 + instant.second / 3600
            if not 0 < hour_utc - sunrise < length:
                return 0.0
            shape = math.sin(math.pi * (hour_utc - sunrise) / length) ** 1.6
            flicker = 0.8 + 0.2 * _unit(seed, code, int(instant.timestamp()))
            return float(height * shape * clouds * flicker)

        return power
