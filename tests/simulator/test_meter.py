"""The simulated meter: DST days, interval lengths, consistency, availability, ground truth."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest

from linky_simulator import PARIS, SimulatedMeter, day_bounds_utc
from linky_simulator.meter import months_before

SPRING = date(2026, 3, 29)
AUTUMN = date(2026, 10, 25)
PLAIN = date(2026, 1, 15)
SUMMER = date(2026, 7, 1)


@pytest.mark.parametrize(
    ("day", "minutes", "count"),
    [
        (SPRING, 30, 46),
        (AUTUMN, 30, 50),
        (PLAIN, 30, 48),
        (SPRING, 10, 138),
        (AUTUMN, 15, 100),
        (PLAIN, 60, 24),
        (AUTUMN, 60, 25),
    ],
)
def test_points_per_day(day: date, minutes: int, count: int) -> None:
    meter = SimulatedMeter("11111111111111", interval_overrides={day: minutes})
    points = meter.curve("consumption", day)
    assert len(points) == count
    assert {p.minutes for p in points} == {minutes}
    start, end = day_bounds_utc(day)
    assert points[0].end == start + timedelta(minutes=minutes)
    assert points[-1].end == end
    assert all(b.end - a.end == timedelta(minutes=minutes) for a, b in pairwise(points))


def test_interval_override_only_that_day() -> None:
    meter = SimulatedMeter("11111111111111", interval_overrides={PLAIN: 10})
    assert meter.minutes_on(PLAIN) == 10
    assert len(meter.curve("consumption", PLAIN)) == 144
    assert len(meter.curve("consumption", PLAIN + timedelta(days=1))) == 48


def test_autumn_local_times_repeat_in_order() -> None:
    points = SimulatedMeter("11111111111111").curve("consumption", AUTUMN)
    local = [p.end.astimezone(PARIS).strftime("%H:%M") for p in points]
    assert local[:8] == ["00:30", "01:00", "01:30", "02:00", "02:30", "02:00", "02:30", "03:00"]
    assert len({p.end for p in points}) == 50


def test_spring_skips_the_missing_hour() -> None:
    points = SimulatedMeter("11111111111111").curve("consumption", SPRING)
    local = [p.end.astimezone(PARIS).strftime("%H:%M") for p in points]
    assert local[:5] == ["00:30", "01:00", "01:30", "03:00", "03:30"]


@pytest.mark.parametrize("day", [SPRING, AUTUMN, PLAIN, SUMMER])
@pytest.mark.parametrize("direction", ["consumption", "production"])
def test_daily_equals_curve_and_hourly(day: date, direction: str) -> None:
    meter = SimulatedMeter("11111111111111", seed=3, production=True)
    points = meter.curve(direction, day)  # type: ignore[arg-type]
    total = sum(p.watts * p.minutes / 60 for p in points)
    assert meter.daily_wh(direction, day) == total  # type: ignore[arg-type]
    start, end = day_bounds_utc(day)
    hourly = meter.hourly_wh(direction, start, end)  # type: ignore[arg-type]
    assert sum(hourly.values()) == total
    assert len(hourly) == (end - start) // timedelta(hours=1)
    assert all(h.tzinfo is UTC and h.minute == 0 for h in hourly)


def test_values_are_integers_and_realistic() -> None:
    meter = SimulatedMeter("11111111111111", seed=5, production=True)
    winter = meter.daily_wh("consumption", PLAIN)
    summer = meter.daily_wh("consumption", SUMMER)
    assert 8_000 < summer < winter < 120_000
    sunny = [meter.daily_wh("production", SUMMER + timedelta(days=n)) for n in range(10)]
    dark = [meter.daily_wh("production", PLAIN + timedelta(days=n)) for n in range(10)]
    assert sum(sunny) > 2 * sum(dark) > 0
    night = [p for p in meter.curve("production", SUMMER) if p.end.astimezone(PARIS).hour < 4]
    assert night
    assert all(p.watts == 0 for p in night)
    assert all(isinstance(p.watts, int) and p.watts >= 0 for p in meter.curve("consumption", PLAIN))


def test_weekends_differ_from_weekdays() -> None:
    meter = SimulatedMeter("11111111111111", seed=5)
    saturday = date(2026, 5, 9)

    def at_eight(day: date) -> int:
        local_end = datetime.combine(day, time(8, 0), PARIS).astimezone(UTC)
        return next(p.watts for p in meter.curve("consumption", day) if p.end == local_end)

    weekdays = [at_eight(saturday - timedelta(days=n)) for n in range(1, 6)]
    weekends = [at_eight(saturday + timedelta(days=7 * n)) for n in range(5)]
    assert sum(weekdays) != sum(weekends)


def test_deterministic_by_seed() -> None:
    a = SimulatedMeter("11111111111111", seed=7, production=True)
    b = SimulatedMeter("22222222222222", seed=7, production=True)
    c = SimulatedMeter("11111111111111", seed=8, production=True)
    assert a.curve("consumption", PLAIN) == b.curve("consumption", PLAIN)
    assert a.curve("production", SUMMER) == b.curve("production", SUMMER)
    assert a.max_power(PLAIN) == b.max_power(PLAIN)
    assert a.curve("consumption", PLAIN) != c.curve("consumption", PLAIN)


@pytest.mark.parametrize("day", [SPRING, AUTUMN, PLAIN])
def test_max_power_within_the_day(day: date) -> None:
    meter = SimulatedMeter("11111111111111", seed=2)
    reading = meter.max_power(day)
    start, end = day_bounds_utc(day)
    assert start <= reading.at < end
    assert reading.at.microsecond == 0
    assert reading.va > max(p.watts for p in meter.curve("consumption", day))


def test_index_follows_daily() -> None:
    meter = SimulatedMeter("11111111111111", seed=2, first_day=date(2026, 1, 1))
    day = date(2026, 2, 10)
    assert meter.index_wh("consumption", date(2026, 1, 1)) == meter.index_offset_wh
    delta = meter.index_wh("consumption", day + timedelta(days=1)) - meter.index_wh(
        "consumption", day
    )
    assert delta == meter.daily_wh("consumption", day)


def test_publication() -> None:
    late = datetime(2026, 1, 17, 10, 0, tzinfo=PARIS)
    meter = SimulatedMeter("11111111111111", late_days={PLAIN: late})
    day = PLAIN - timedelta(days=1)
    assert not meter.is_published(day, datetime(2026, 1, 15, 7, 59, 59, tzinfo=PARIS))
    assert meter.is_published(day, datetime(2026, 1, 15, 8, 0, tzinfo=PARIS))
    assert meter.is_published(day, datetime(2026, 1, 15, 7, 0, tzinfo=UTC))  # 08:00 Paris
    assert not meter.is_published(PLAIN, datetime(2026, 1, 16, 9, 0, tzinfo=PARIS))
    assert not meter.is_published(PLAIN, datetime(2026, 1, 17, 9, 59, tzinfo=PARIS))
    assert meter.is_published(PLAIN, late)


def test_availability_rules() -> None:
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    meter = SimulatedMeter(
        "11111111111111",
        first_day=date(2025, 1, 1),
        curve_first_day=date(2025, 6, 1),
        missing_days={date(2026, 5, 1)},
        missing_curve_days={date(2026, 5, 2)},
    )
    assert meter.has_daily("consumption", date(2025, 1, 1), now)
    assert not meter.has_daily("consumption", date(2024, 12, 31), now)
    assert not meter.has_daily("production", date(2026, 5, 3), now)
    assert not meter.has_curve("consumption", date(2025, 5, 31), now)
    assert meter.has_curve("consumption", date(2025, 6, 1), now)
    assert not meter.has_daily("consumption", date(2026, 5, 1), now)
    assert not meter.has_curve("consumption", date(2026, 5, 1), now)
    assert meter.has_daily("consumption", date(2026, 5, 2), now)
    assert not meter.has_curve("consumption", date(2026, 5, 2), now)
    assert not meter.has_daily("consumption", date(2026, 6, 1), now)
    off = SimulatedMeter("11111111111111", hourly_collection=False)
    assert not off.has_curve("consumption", date(2026, 5, 3), now)


def test_history_start() -> None:
    meter = SimulatedMeter("11111111111111")
    today = date(2026, 11, 23)
    assert meter.history_start("daily", today) == date(2023, 11, 8)
    assert meter.history_start("curve", today) == date(2024, 11, 8)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2024, 1, 15), 13) == date(2022, 12, 15)


def test_hourly_wh_partial_range() -> None:
    meter = SimulatedMeter("11111111111111", seed=4)
    start = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    end = datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
    hourly = meter.hourly_wh("consumption", start, end)
    assert list(hourly) == [start, start + timedelta(hours=1)]
    points = [p for p in meter.curve("consumption", AUTUMN) if start <= p.start < end]
    assert len(points) == 4
    assert sum(hourly.values()) == sum(p.wh for p in points)


def test_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="interval"):
        SimulatedMeter("11111111111111", interval_minutes=7)
    with pytest.raises(ValueError, match="direction"):
        SimulatedMeter("11111111111111", consumption=False)
