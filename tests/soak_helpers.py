"""The soak test's pieces: a meter Enedis corrects, the contract, the seeded plan, the truth.

Nothing here asks the integration how it computes: the expected statistics come from the
simulated meter's curve, the simulated Tempo calendar and the contract the test configured.
"""

from __future__ import annotations

import calendar
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any, Literal

from linky_simulator import PARIS, CurvePoint, Direction, SimulatedMeter

type Option = Literal["base", "hphc", "tempo"]
type Colour = Literal["blue", "white", "red"]
type Ranges = tuple[tuple[int, int], ...]
"""Off-peak ranges in minutes of the local day, ``(start, end)``, an end before its start
crossing midnight."""

# Captured at import, before any frozen clock: the soak's own time limit and its figures.
REAL_CLOCK: dict[str, Any] = {"perf": time.perf_counter, "sleep": time.sleep}

DAY = timedelta(days=1)


def paris_at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A Paris wall-clock time as an aware UTC datetime."""
    return datetime.combine(day, dtime(hour, minute), PARIS).astimezone(UTC)


def local_midnight(day: date) -> datetime:
    """The UTC instant of the Paris midnight starting ``day``."""
    return paris_at(day)


def days_in_month(day: date) -> int:
    """Number of days of the month of ``day``."""
    return calendar.monthrange(day.year, day.month)[1]


def format_ranges(ranges: Ranges) -> str:
    """``22:00-06:00;12:30-14:30`` from minute ranges."""
    return ";".join(
        f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
        for start, end in ranges
    )


def in_ranges(minute: int, ranges: Ranges) -> bool:
    """Whether a minute of the local day is inside one of the ranges."""
    return any(
        (start <= minute < end) if start < end else (minute >= start or minute < end)
        for start, end in ranges
    )


# ---- the meter ------------------------------------------------------------------------------


class CorrectableMeter(SimulatedMeter):
    """A simulated meter whose past days Enedis can correct (``correct``) after publishing.

    A correction adds a number of Wh to every interval of the day (never below zero); the
    daily value, the maximum power and the registers follow, since they derive from the curve.
    """

    def __init__(self, prm: str, **kwargs: Any) -> None:
        """As `SimulatedMeter`; no correction yet."""
        super().__init__(prm, **kwargs)
        self.corrections: dict[date, int] = {}

    def correct(self, day: date, delta_wh: int) -> None:
        """From now on, serve ``day`` with ``delta_wh`` more Wh in each of its intervals."""
        self.corrections[day] = delta_wh
        for cache in ("_index_cache", "_register_cache"):
            held = getattr(self, cache, None)
            if held is not None:
                held.clear()

    def curve(self, direction: Direction, day: date) -> tuple[CurvePoint, ...]:
        """The day's curve, corrected when Enedis corrected it."""
        points = super().curve(direction, day)
        delta = self.corrections.get(day)
        if not delta or direction != "consumption":
            return points
        return tuple(
            CurvePoint(p.end, max(0, p.wh + delta) * 60 // p.minutes, p.minutes) for p in points
        )


# ---- the contract ---------------------------------------------------------------------------

TEMPO_CLASSES: tuple[str, ...] = tuple(
    f"{c}_{h}" for c in ("blue", "white", "red") for h in ("hp", "hc")
)


@dataclass(frozen=True, slots=True)
class Period:
    """A contract period as the test configures it (and as the options store it)."""

    start: date
    option: Option
    prices: Mapping[str, float]
    subscription: float
    off_peak: Ranges = ()
    power_kva: int = 6
    """The subscribed power (the options form's pre-filled one)."""

    @property
    def classes(self) -> tuple[str, ...]:
        """The classes of the option."""
        return {"base": ("base",), "hphc": ("hp", "hc"), "tempo": TEMPO_CLASSES}[self.option]

    def options_form(self) -> dict[str, Any]:
        """The period as ``entry.options["contract"]`` holds it."""
        data: dict[str, Any] = {
            "start": self.start.isoformat(),
            "option": self.option,
            "subscription": self.subscription,
            "prices": dict(self.prices),
            "subscribed_power_kva": self.power_kva,
        }
        if self.off_peak:
            data["off_peak_hours"] = format_ranges(self.off_peak)
        return data

    def class_at(self, start: datetime, colour: Callable[[date], Colour]) -> str:
        """The class of an interval starting at ``start`` (by its local start)."""
        local = start.astimezone(PARIS)
        minute = local.hour * 60 + local.minute
        if self.option == "base":
            return "base"
        if self.option == "hphc":
            return "hc" if in_ranges(minute, self.off_peak) else "hp"
        tempo_day = local.date() - timedelta(days=1) if local.hour < 6 else local.date()
        part = "hc" if local.hour >= 22 or local.hour < 6 else "hp"
        return f"{colour(tempo_day)}_{part}"


def period_on(periods: list[Period], day: date) -> Period:
    """The period applying on a local day (the earliest one before all starts)."""
    ordered = sorted(periods, key=lambda p: p.start)
    applying = [p for p in ordered if p.start <= day]
    return applying[-1] if applying else ordered[0]


# ---- the truth ------------------------------------------------------------------------------


@dataclass(slots=True)
class Expected:
    """Expected rows per statistic suffix: hour (UTC start) -> kWh or EUR."""

    series: dict[str, dict[datetime, float]] = field(default_factory=dict)

    def add(self, suffix: str, hour: datetime, value: float) -> None:
        """Add a value to an hour of a series (creating the row)."""
        rows = self.series.setdefault(suffix, {})
        rows[hour] = rows.get(hour, 0.0) + value


def expected_statistics(
    meter: SimulatedMeter,
    days: Iterable[date],
    periods: list[Period],
    colour: Callable[[date], Colour],
) -> Expected:
    """What the statistics must hold for the meter's curve on ``days`` and this contract.

    Each interval is moved to its start and counted in the UTC hour holding it, each of its
    minutes in the class of that minute, at the price of that minute's local day's period; the
    subscription of each day from the first day to the last (gaps included) is a month's
    subscription / its days, on the day's first hour.
    """
    held = sorted(set(days))
    expected = Expected()
    classes = sorted({name for period in periods for name in period.classes})
    with_classes = len(classes) > 1
    for day in held:
        for point in meter.curve("consumption", day):
            start = point.end - timedelta(minutes=point.minutes)
            hour = start.replace(minute=0, second=0, microsecond=0)
            expected.add("consumption", hour, point.watts * point.minutes / 60 / 1000)
            minute_kwh = point.watts / 60 / 1000
            energy: dict[str, float] = {}
            money: dict[str, float] = {}
            for minute in range(point.minutes):
                instant = start + timedelta(minutes=minute)
                period = period_on(periods, instant.astimezone(PARIS).date())
                name = period.class_at(instant, colour)
                energy[name] = energy.get(name, 0.0) + minute_kwh
                money[name] = money.get(name, 0.0) + minute_kwh * period.prices[name]
            expected.add("consumption_cost", hour, sum(money.values()))
            if with_classes:
                for name in classes:
                    expected.add(f"consumption_{name}", hour, energy.get(name, 0.0))
                    expected.add(f"consumption_{name}_cost", hour, money.get(name, 0.0))
    if held:
        day = held[0]
        while day <= held[-1]:
            period = period_on(periods, day)
            if period.subscription:
                expected.add(
                    "consumption_cost",
                    local_midnight(day),
                    period.subscription / days_in_month(day),
                )
            day += DAY
    return expected


def by_month(rows: Mapping[datetime, float]) -> dict[tuple[int, int], float]:
    """Sum hourly values by Paris month."""
    months: dict[tuple[int, int], float] = {}
    for hour, value in rows.items():
        local = hour.astimezone(PARIS)
        months[(local.year, local.month)] = months.get((local.year, local.month), 0.0) + value
    return months


def max_in_window(times: Iterable[datetime], window: timedelta) -> int:
    """Most events in any rolling window (a window holds instants less than ``window`` apart)."""
    ordered = sorted(times)
    best = first = 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


# ---- the seeded plan ------------------------------------------------------------------------

type EventKind = Literal[
    "429 until",
    "429",
    "500",
    "503 html",
    "timeout",
    "truncated",
    "cut json",
    "not json",
    "dropped",
    "ban",
    "consent",
    "correction",
    "price period",
    "restart",
    "restart during import",
    "tempo 500",
    "tempo timeout",
    "tempo cut json",
]


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happens at a moment of the soak (a fault, a user, a restart)."""

    at: datetime
    kind: EventKind
    value: int = 0
    """Kind-specific: minutes of a 429, answers of a 500, Wh of a correction."""
    back: int = 0
    """Days back: the day a correction concerns, the start of a price period."""


@dataclass(slots=True)
class Plan:
    """Everything a seed decides, before the run."""

    seed: int
    option: Option
    first_day: date
    start: datetime
    end: datetime
    poll_offset: int
    off_peak: Ranges
    intervals: dict[date, int]
    late_days: dict[date, datetime]
    """Days published late but within the retry window (Paris publication time)."""
    lost_days: dict[date, datetime]
    """Days published after the retry window: only the "fetch again" action gets them."""
    tempo_late: dict[date, datetime]
    restart_after_backfill_requests: int
    events: list[Event]

    def counts(self) -> Counter[str]:
        """How many events of each kind the plan holds (and the meter's own quirks)."""
        counts: Counter[str] = Counter(event.kind for event in self.events)
        counts["late day"] = len(self.late_days)
        counts["day after the retry window"] = len(self.lost_days)
        counts["tempo colour late"] = len(self.tempo_late)
        counts["PT10M day"] = sum(1 for m in self.intervals.values() if m == 10)
        counts["PT60M day"] = sum(1 for m in self.intervals.values() if m == 60)
        return counts


SPRING = date(2027, 3, 28)
AUTUMN = date(2026, 10, 25)
OFF_PEAK_CHOICES: tuple[Ranges, ...] = (
    ((22 * 60, 6 * 60),),
    ((23 * 60, 7 * 60),),
    ((90, 450), (750, 870)),  # 01:30-07:30;12:30-14:30
    ((2 * 60, 7 * 60), (13 * 60, 16 * 60)),
)


def _moment(rng: random.Random, first: datetime, last: datetime) -> datetime:
    """A random instant between two, to the minute."""
    minutes = int((last - first).total_seconds() // 60)
    return first + timedelta(minutes=rng.randrange(minutes))


def make_plan(seed: int, option: Option) -> Plan:
    """Draw a soak from its seed: dates, meter quirks, faults, users and restarts."""
    rng = random.Random(seed)
    start_day = date(2026, 10, 22) + timedelta(days=rng.randrange(3))
    start = paris_at(start_day, 9, rng.randrange(60))
    end = paris_at(SPRING + DAY, 21)
    first_day = start_day - timedelta(days=rng.randrange(18, 30))
    poll_offset = rng.randint(125, 239)  # after Enedis publishes (08:00): no retry every day
    days = (end - start).days
    inside = [start_day + timedelta(days=n) for n in range(3, days - 3)]

    intervals = {AUTUMN: rng.choice((10, 30, 60)), SPRING: rng.choice((10, 30, 60))}
    for minutes in (10, 60):
        for day in rng.sample(
            [first_day + timedelta(days=n) for n in range(1, (end - paris_at(first_day)).days - 1)],
            5,
        ):
            intervals.setdefault(day, minutes)

    quirk_days = rng.sample(inside[: len(inside) - 40], 3)
    late_days = {
        day: datetime.combine(
            day + timedelta(days=1 + rng.randint(1, 9)), dtime(8 + rng.randrange(10)), PARIS
        )
        for day in quirk_days[:2]
    }
    lost_days = {
        day: datetime.combine(day + timedelta(days=1 + rng.randint(24, 30)), dtime(9), PARIS)
        for day in quirk_days[2:]
    }
    tempo_late = {
        day: datetime.combine(day - timedelta(days=1), dtime(10, 40), PARIS)
        + timedelta(hours=rng.randint(3, 50))
        for day in rng.sample(inside, 1)
    }

    def anywhere() -> datetime:
        return _moment(rng, start + timedelta(days=1), end - timedelta(days=4))

    def events(
        kind: EventKind, low: int, high: int, value: Callable[[], int] = lambda: 0
    ) -> list[Event]:
        return [Event(anywhere(), kind, value()) for _ in range(rng.randint(low, high))]

    def before_a_poll() -> datetime:
        day = rng.choice(inside)
        return paris_at(day, 6) + timedelta(minutes=poll_offset - rng.randint(0, 20))

    quarter = (end - start) / 4
    plan_events = [
        # A 429 with nextAccessTime lasts a while: drawn so that a poll meets it.
        *(
            Event(before_a_poll(), "429 until", rng.randint(30, 240))
            for _ in range(rng.randint(3, 5))
        ),
        *events("429", 3, 5),
        *events("500", 4, 7, lambda: rng.randint(1, 3)),
        *events("503 html", 1, 3),
        *events("timeout", 3, 5),
        *events("truncated", 2, 4),
        *events("cut json", 2, 4),
        *events("not json", 2, 4),
        *events("dropped", 1, 2),
        *events("restart", 4, 6),
        *events("restart during import", 2, 2),
        *events("tempo 500", 2, 4, lambda: rng.randint(1, 3)),
        *events("tempo timeout", 1, 2),
        *events("tempo cut json", 1, 2),
        Event(_moment(rng, start + quarter, start + 2 * quarter - timedelta(days=3)), "ban"),
        Event(
            _moment(rng, start + 2 * quarter, start + 3 * quarter - timedelta(days=3)), "consent"
        ),
        Event(
            _moment(rng, start + 3 * quarter / 2, start + 5 * quarter / 2),
            "price period",
            back=rng.randint(0, 20),
        ),
        Event(
            _moment(rng, start + timedelta(days=20), end - timedelta(days=6)),
            "correction",
            rng.choice((-1, 1)) * rng.randint(20, 200),
            rng.randint(2, 30),
        ),
    ]
    plan_events.sort(key=lambda event: event.at)
    return Plan(
        seed=seed,
        option=option,
        first_day=first_day,
        start=start,
        end=end,
        poll_offset=poll_offset,
        off_peak=rng.choice(OFF_PEAK_CHOICES),
        intervals=intervals,
        late_days=late_days,
        lost_days=lost_days,
        tempo_late=tempo_late,
        restart_after_backfill_requests=rng.randint(3, 9),
        events=plan_events,
    )
