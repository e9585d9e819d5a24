"""Tests of the stored-readings model."""

from datetime import UTC, date, datetime

from custom_components.linky.api import IntervalReading, MeteringData, ReadingType
from custom_components.linky.const import PARIS
from custom_components.linky.paris import day_minutes
from custom_components.linky.readings import (
    CurvePoint,
    MaxPower,
    MeterReadings,
    curve_points,
    daily_values,
    max_power_values,
)

CURVE_TYPE = ReadingType("W", "power", "average")


def _curve(*readings: IntervalReading) -> MeteringData:
    return MeteringData(
        "11111111111111", date(2026, 10, 25), date(2026, 10, 26), "BRUT", CURVE_TYPE, readings
    )


def test_day_minutes_on_daylight_saving_days() -> None:
    assert day_minutes(date(2026, 3, 29)) == 23 * 60
    assert day_minutes(date(2026, 10, 25)) == 25 * 60
    assert day_minutes(date(2026, 11, 23)) == 24 * 60


def test_autumn_repeated_hour_gives_distinct_points() -> None:
    first = datetime(2026, 10, 25, 2, 30, tzinfo=PARIS)
    second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=PARIS)
    points = curve_points(
        _curve(IntervalReading(100, first, "PT30M"), IntervalReading(200, second, "PT30M"))
    )
    assert [p.end for p in points] == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    ]
    readings = MeterReadings()
    assert readings.merge_curve("consumption", points) == date(2026, 10, 25)
    assert [p.watts for p in readings.curve["consumption"][date(2026, 10, 25)]] == [100, 200]


def test_point_ending_at_midnight_belongs_to_previous_day() -> None:
    midnight = datetime(2026, 11, 23, 0, 0, tzinfo=PARIS)
    (point,) = curve_points(_curve(IntervalReading(500, midnight, "PT30M")))
    assert point.local_day == date(2026, 11, 22)
    assert point.energy_wh == 250


def test_readings_without_interval_are_skipped() -> None:
    when = datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)
    assert curve_points(_curve(IntervalReading(500, when, None))) == []


def test_merge_reports_earliest_changed_day_and_nothing_when_unchanged() -> None:
    readings = MeterReadings()
    values = {date(2026, 11, 20): 1000, date(2026, 11, 18): 2000}
    assert readings.merge_daily("consumption", values) == date(2026, 11, 18)
    assert readings.merge_daily("consumption", values) is None
    assert readings.merge_daily("consumption", {date(2026, 11, 20): 1001}) == date(2026, 11, 20)
    assert readings.daily["production"] == {}


def test_missing_days_are_kept_apart_and_cleared_when_data_arrives() -> None:
    readings = MeterReadings()
    readings.merge_daily("consumption", {date(2026, 11, 1): 5})
    readings.mark_missing(
        "consumption_daily", [date(2026, 11, 1), date(2026, 11, 2)], seen=date(2026, 11, 3)
    )
    readings.mark_missing("consumption_daily", [date(2026, 11, 2)], seen=date(2026, 11, 9))
    assert readings.missing["consumption_daily"] == {date(2026, 11, 2): date(2026, 11, 3)}
    assert date(2026, 11, 2) not in readings.daily["consumption"]
    readings.merge_daily("consumption", {date(2026, 11, 2): 7})
    assert readings.missing["consumption_daily"] == {}
    assert readings.has("consumption_daily", date(2026, 11, 2))


def test_curve_completeness_follows_day_length() -> None:
    readings = MeterReadings()
    day = date(2026, 3, 29)  # 23 hours
    start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    points = [
        CurvePoint(
            start.replace(minute=30)
            if i == 0
            else datetime.fromtimestamp(start.timestamp() + 1800 * (i + 1), UTC),
            10,
            30,
        )
        for i in range(45)
    ]
    readings.merge_curve("consumption", points)
    assert not readings.curve_is_complete("consumption", day)
    last = datetime.fromtimestamp(start.timestamp() + 1800 * 46, UTC)
    readings.merge_curve("consumption", [CurvePoint(last, 10, 30)])
    assert readings.curve_is_complete("consumption", day)


def test_round_trip_through_dict() -> None:
    readings = MeterReadings()
    readings.merge_daily(
        "production",
        daily_values(
            MeteringData(
                "1",
                date(2026, 11, 1),
                date(2026, 11, 2),
                "BRUT",
                ReadingType("Wh", "energy", "sum"),
                (IntervalReading(4200, date(2026, 11, 1)),),
            )
        ),
    )
    readings.merge_curve("consumption", [CurvePoint(datetime(2026, 11, 1, 12, tzinfo=UTC), 80, 10)])
    readings.merge_max_power(
        max_power_values(
            MeteringData(
                "1",
                date(2026, 11, 1),
                date(2026, 11, 2),
                "BRUT",
                ReadingType("VA", "power", "maximum"),
                (IntervalReading(6100, datetime(2026, 11, 1, 19, 3, 35, tzinfo=PARIS)),),
            )
        )
    )
    readings.mark_missing("max_power", [date(2026, 10, 31)], seen=date(2026, 11, 2))
    again = MeterReadings.from_dict(readings.to_dict())
    assert again == readings
    assert again.max_power[date(2026, 11, 1)] == MaxPower(
        6100, datetime(2026, 11, 1, 18, 3, 35, tzinfo=UTC)
    )
