"""Pure statistics: readings -> hourly energy and cost rows, against hand-computed values."""

from datetime import date

import pytest

from custom_components.linky.contract import contract_from_tariff
from custom_components.linky.paris import day_minutes
from custom_components.linky.statistics import (
    DaySource,
    cost_rows,
    day_classes,
    day_source,
    energy_rows,
    hourly_classes,
    hourly_watt_minutes,
    rows_from,
)
from custom_components.linky.tariff import Tariff, TariffPeriod, parse_off_peak_hours
from tests.statistics_helpers import daily_kwh, day_curve, midnight, readings_with, utc

NORMAL = date(2026, 1, 15)  # UTC+1 all day
SUMMER = date(2026, 7, 15)  # UTC+2 all day
SPRING = date(2026, 3, 29)  # 23 hours: 02:00 -> 03:00
AUTUMN = date(2026, 10, 25)  # 25 hours: 02:00-03:00 twice


def states(rows: list) -> list[float]:  # type: ignore[type-arg]
    return [round(row.state * 1000, 6) for row in rows]  # in Wh


def test_day_hours_follow_daylight_saving() -> None:
    assert day_minutes(NORMAL) == 24 * 60
    assert day_minutes(SPRING) == 23 * 60
    assert day_minutes(AUTUMN) == 25 * 60
    assert midnight(NORMAL) == utc(2026, 1, 14, 23)
    assert midnight(SUMMER) == utc(2026, 7, 14, 22)
    assert midnight(SPRING) == utc(2026, 3, 28, 23)
    assert midnight(AUTUMN) == utc(2026, 10, 24, 22)


def test_normal_day_pt30m_hand_computed() -> None:
    # Interval k (from local midnight) at 1000 + 10k W for 30 min: hour h holds k = 2h, 2h+1,
    # so (1000 + 20h + 1000 + 20h + 10) / 2 = 1005 + 20h Wh.
    rows = energy_rows(readings_with(curves={NORMAL: day_curve(NORMAL)}), "consumption")
    assert len(rows) == 24
    assert rows[0].start == utc(2026, 1, 14, 23)  # local 00:00-01:00
    assert rows[1].start == utc(2026, 1, 15, 0)
    assert rows[-1].start == utc(2026, 1, 15, 22)  # local 23:00-24:00
    assert states(rows)[:3] == [1005.0, 1025.0, 1045.0]
    assert states(rows)[-1] == 1005 + 20 * 23
    assert rows[-1].sum == pytest.approx(sum(1005 + 20 * h for h in range(24)) / 1000)
    assert rows[-1].sum == 29.64  # exact: integer watt-minutes


def test_summer_day_starts_at_22_utc() -> None:
    rows = energy_rows(readings_with(curves={SUMMER: day_curve(SUMMER)}), "consumption")
    assert rows[0].start == utc(2026, 7, 14, 22)
    assert rows[0].state == 1.005


def test_spring_day_has_23_hours() -> None:
    rows = energy_rows(readings_with(curves={SPRING: day_curve(SPRING)}), "consumption")
    assert [row.start for row in rows[:4]] == [
        utc(2026, 3, 28, 23),  # local 00:00 CET
        utc(2026, 3, 29, 0),  # local 01:00 CET
        utc(2026, 3, 29, 1),  # local 03:00 CEST (02:00 never happens)
        utc(2026, 3, 29, 2),
    ]
    assert len(rows) == 23
    assert states(rows) == [1005.0 + 20 * h for h in range(23)]
    assert rows[-1].start == utc(2026, 3, 29, 21)


def test_autumn_day_has_25_hours_and_keeps_both_2am() -> None:
    rows = energy_rows(readings_with(curves={AUTUMN: day_curve(AUTUMN)}), "consumption")
    assert len(rows) == 25
    assert rows[0].start == utc(2026, 10, 24, 22)  # local 00:00 CEST
    assert rows[2].start == utc(2026, 10, 25, 0)  # local 02:00 CEST (first)
    assert rows[3].start == utc(2026, 10, 25, 1)  # local 02:00 CET (second)
    assert states(rows) == [1005.0 + 20 * h for h in range(25)]
    assert rows[-1].start == utc(2026, 10, 25, 22)


def test_pt10m_day() -> None:
    # k = 6h .. 6h+5 at 1000 + 10k W for 10 min: (6000 + 10 * (36h + 15)) / 6 = 1025 + 60h Wh.
    rows = energy_rows(readings_with(curves={NORMAL: day_curve(NORMAL, 10)}), "consumption")
    assert len(rows) == 24
    assert states(rows)[:2] == [1025.0, 1085.0]
    assert states(rows) == [1025.0 + 60 * h for h in range(24)]


def test_pt60m_day() -> None:
    rows = energy_rows(readings_with(curves={AUTUMN: day_curve(AUTUMN, 60)}), "consumption")
    assert states(rows) == [1000.0 + 10 * h for h in range(25)]


def test_pt10m_fractional_watt_hours_stay_exact() -> None:
    # 7 W for 10 minutes = 1.1666... Wh; 144 of them = 168 Wh exactly.
    rows = energy_rows(
        readings_with(curves={NORMAL: day_curve(NORMAL, 10, lambda _: 7)}), "consumption"
    )
    assert rows[-1].sum == 0.168
    assert rows[0].state == 7 * 60 / 60_000


def test_interval_length_changing_within_a_day() -> None:
    # Morning at PT30M, afternoon at PT10M (the meter switched); still a complete day.
    noon = utc(2026, 1, 15, 11)  # local 12:00
    morning = [p for p in day_curve(NORMAL, 30, lambda _: 600) if p.start < noon]
    afternoon = [p for p in day_curve(NORMAL, 10, lambda _: 1200) if p.start >= noon]
    readings = readings_with(curves={NORMAL: morning + afternoon})
    assert day_source(readings, "consumption", NORMAL) is DaySource.CURVE
    rows = energy_rows(readings, "consumption")
    assert states(rows) == [600.0] * 12 + [1200.0] * 12


def test_daily_fallback_on_first_local_hour() -> None:
    readings = readings_with(daily={NORMAL: 12_345, SUMMER: 8000})
    rows = energy_rows(readings, "consumption")
    by_start = {row.start: row for row in rows}
    assert by_start[utc(2026, 1, 14, 23)].state == 12.345
    assert by_start[utc(2026, 7, 14, 22)].state == 8.0
    assert len(rows) == 2  # one row a day: its first hour
    assert sum(row.state for row in rows) == pytest.approx(20.345)
    assert rows[-1].sum == 20.345


def test_complete_curve_wins_over_daily_never_both() -> None:
    readings = readings_with(curves={NORMAL: day_curve(NORMAL)}, daily={NORMAL: 99_999})
    assert day_source(readings, "consumption", NORMAL) is DaySource.CURVE
    assert energy_rows(readings, "consumption")[-1].sum == 29.64


def test_daily_wins_over_partial_curve() -> None:
    partial = day_curve(NORMAL, skip=frozenset(range(20, 48)))
    readings = readings_with(curves={NORMAL: partial})
    before = energy_rows(readings, "consumption")
    readings.merge_daily("consumption", {NORMAL: 30_000})
    assert day_source(readings, "consumption", NORMAL) is DaySource.DAILY
    rows = energy_rows(readings, "consumption")
    assert rows[0].state == 30.0
    assert rows[-1].sum == 30.0
    # The partial curve's hours are zeroed, not left behind.
    assert [row.start for row in rows] == [row.start for row in before]
    assert [row.state for row in rows[1:]] == [0.0] * 9


def test_partial_curve_alone() -> None:
    partial = day_curve(NORMAL, skip=frozenset(range(24, 48)))
    readings = readings_with(curves={NORMAL: partial})
    assert day_source(readings, "consumption", NORMAL) is DaySource.PARTIAL_CURVE
    rows = energy_rows(readings, "consumption")
    assert len(rows) == 12  # only the hours the points touch
    assert states(rows) == [1005.0 + 20 * h for h in range(12)]
    assert day_source(readings, "consumption", SUMMER) is None


def test_sums_are_cumulative_across_days_and_gaps() -> None:
    readings = readings_with(
        curves={NORMAL: day_curve(NORMAL, 60, lambda _: 1000)},
        daily={date(2026, 1, 17): 5000},
    )
    rows = energy_rows(readings, "consumption")
    assert len(rows) == 25  # no rows for the 16th: nothing held
    assert rows[23].sum == 24.0
    assert rows[24].start == midnight(date(2026, 1, 17))
    assert rows[24].sum == 29.0
    assert rows[-1].sum == 29.0
    assert sum(row.state for row in rows) == 29.0


def test_late_day_changes_later_sums_like_a_fresh_import() -> None:
    readings = readings_with(daily={date(2026, 1, 10): 1000, date(2026, 1, 20): 2000})
    before = energy_rows(readings, "consumption")
    changed = readings.merge_daily("consumption", {date(2026, 1, 15): 500})
    assert changed == date(2026, 1, 15)
    after = energy_rows(readings, "consumption")
    fresh = energy_rows(
        readings_with(
            daily={date(2026, 1, 10): 1000, date(2026, 1, 15): 500, date(2026, 1, 20): 2000}
        ),
        "consumption",
    )
    assert after == fresh
    start = midnight(changed)
    assert [row for row in before if row.start < start] == [
        row for row in after if row.start < start
    ]
    assert rows_from(after, start)[-1].sum == 3.5
    assert rows_from(after, None) == after


def test_production_is_separate() -> None:
    readings = readings_with(daily={NORMAL: 4000}, direction="production")
    assert energy_rows(readings, "consumption") == []
    assert energy_rows(readings, "production")[-1].sum == 4.0


def test_daily_kwh_per_day() -> None:
    readings = readings_with(curves={SPRING: day_curve(SPRING, 60, lambda _: 1000)})
    assert daily_kwh(readings, "consumption", [SPRING, NORMAL]) == {SPRING: 23.0, NORMAL: 0.0}
    assert daily_kwh(readings, "consumption", []) == {}


BASE = Tariff([TariffPeriod(date(2025, 1, 1), base=0.25)])
HC = Tariff(
    [
        TariffPeriod(
            date(2025, 1, 1),
            peak=0.30,
            off_peak=0.20,
            off_peak_hours=parse_off_peak_hours("22:00-06:00"),
        )
    ]
)


def test_cost_base_price() -> None:
    readings = readings_with(curves={NORMAL: day_curve(NORMAL, 60, lambda _: 2000)})
    rows = cost_rows(readings, "consumption", contract_from_tariff(BASE))
    assert [row.state for row in rows] == [0.5] * 24
    assert rows[-1].sum == 12.0


def test_cost_peak_off_peak_by_interval_start() -> None:
    readings = readings_with(curves={NORMAL: day_curve(NORMAL, 30, lambda _: 1000)})
    rows = cost_rows(readings, "consumption", contract_from_tariff(HC))
    # Local hours 0-5 and 22-23 off-peak: 0.5 kWh x 2 x 0.20; others 0.30.
    assert [row.state for row in rows] == [0.2] * 6 + [0.3] * 16 + [0.2] * 2
    assert rows[-1].sum == pytest.approx(8 * 0.2 + 16 * 0.3)


def test_cost_off_peak_boundary_inside_an_hour() -> None:
    tariff = Tariff(
        [
            TariffPeriod(
                date(2025, 1, 1),
                peak=0.30,
                off_peak=0.10,
                off_peak_hours=parse_off_peak_hours("12:30-14:30"),
            )
        ]
    )
    readings = readings_with(curves={NORMAL: day_curve(NORMAL, 30, lambda _: 1000)})
    rows = cost_rows(readings, "consumption", contract_from_tariff(tariff))
    # local 12:00 hour: 12:00 peak + 12:30 off-peak; 14:00 hour: off-peak + peak at 14:30.
    assert rows[12].state == pytest.approx(0.5 * 0.30 + 0.5 * 0.10)
    assert rows[13].state == pytest.approx(0.10)
    assert rows[14].state == pytest.approx(0.5 * 0.10 + 0.5 * 0.30)


def test_cost_across_a_price_change() -> None:
    tariff = Tariff(
        [TariffPeriod(date(2025, 1, 1), base=0.20), TariffPeriod(date(2026, 1, 16), base=0.40)]
    )
    nxt = date(2026, 1, 16)
    readings = readings_with(
        curves={
            NORMAL: day_curve(NORMAL, 60, lambda _: 1000),
            nxt: day_curve(nxt, 60, lambda _: 1000),
        }
    )
    rows = cost_rows(readings, "consumption", contract_from_tariff(tariff))
    assert [row.state for row in rows] == [0.2] * 24 + [0.4] * 24
    assert rows[-1].sum == pytest.approx(24 * 0.2 + 24 * 0.4)
    # The change applies from local midnight (23:00 UTC), not UTC midnight.
    assert rows[24].start == utc(2026, 1, 15, 23)


def test_cost_of_daily_fallback_day_is_time_weighted() -> None:
    readings = readings_with(daily={NORMAL: 24_000, SPRING: 23_000, AUTUMN: 25_000})
    rows = {row.start: row for row in cost_rows(readings, "consumption", contract_from_tariff(HC))}
    # 8 of 24 hours off-peak.
    assert rows[midnight(NORMAL)].state == pytest.approx(24 * (8 * 0.2 + 16 * 0.3) / 24)
    # Spring: 00:00-02:00 and 03:00-06:00 and 22:00-24:00 lived off-peak = 7 of 23 hours.
    assert rows[midnight(SPRING)].state == pytest.approx(23 * (7 * 0.2 + 16 * 0.3) / 23)
    # Autumn: the repeated 02:00 hour is off-peak too: 9 of 25 hours.
    assert rows[midnight(AUTUMN)].state == pytest.approx(25 * (9 * 0.2 + 16 * 0.3) / 25)


def test_cost_rows_match_energy_rows_hours() -> None:
    readings = readings_with(
        curves={AUTUMN: day_curve(AUTUMN, 10)}, daily={NORMAL: 1000, SPRING: 2000}
    )
    energy = energy_rows(readings, "consumption")
    cost = cost_rows(readings, "consumption", contract_from_tariff(BASE))
    assert [row.start for row in energy] == [row.start for row in cost]
    assert cost[-1].sum == pytest.approx(energy[-1].sum * 0.25)


ODD_HOURS = contract_from_tariff(
    Tariff(
        [
            TariffPeriod(
                date(2025, 1, 1),
                peak=0.30,
                off_peak=0.10,
                off_peak_hours=parse_off_peak_hours("01:30-07:30;12:30-14:30"),
            )
        ]
    )
)


def test_an_hourly_step_straddling_an_off_peak_bound_is_split_by_its_minutes() -> None:
    # The case: PT60M at 100 + 200 x hour W on 2026-01-12 (hour h holds 100 + 200h Wh).
    # Off-peak, by hand: half of 01:00 (150) + 02:00-06:00 (500+700+900+1100+1300 = 4500) +
    # half of 07:00 (750) + half of 12:00 (1250) + 13:00 (2700) + half of 14:00 (1450)
    # = 10 800 Wh, where charging each step to the class of its start gave 11 600.
    day = date(2026, 1, 12)
    readings = readings_with(curves={day: day_curve(day, 60, lambda hour: 100 + 200 * hour)})
    by_class = day_classes(readings, "consumption", day, ODD_HOURS, lambda _day: None)
    assert by_class == {"hc": 10_800 * 60, "hp": (24 * 100 + 200 * 276 - 10_800) * 60}
    hours = hourly_classes(readings, "consumption", ODD_HOURS, lambda _day: None)
    total = hourly_watt_minutes(readings, "consumption")
    assert list(hours) == list(total)
    # Each hour's classes add up exactly to its total; the 01:00 step is half and half.
    assert all(sum(hours[hour].values()) == total[hour] for hour in total)
    assert hours[int(midnight(day).timestamp()) + 3600] == {"hp": 150 * 60, "hc": 150 * 60}
    rows = cost_rows(readings, "consumption", ODD_HOURS)
    assert rows[-1].sum == pytest.approx(10.8 * 0.10 + (57.6 - 10.8) * 0.30)


def test_a_step_on_odd_minutes_is_split_to_the_minute() -> None:
    contract = contract_from_tariff(
        Tariff(
            [
                TariffPeriod(
                    date(2025, 1, 1),
                    peak=0.30,
                    off_peak=0.10,
                    off_peak_hours=parse_off_peak_hours("22:07-06:07"),
                )
            ]
        )
    )
    readings = readings_with(curves={NORMAL: day_curve(NORMAL, 30, lambda _: 1001)})
    hours = hourly_classes(readings, "consumption", contract, lambda _day: None)
    six = int(midnight(NORMAL).timestamp()) + 6 * 3600
    twenty_two = six + 16 * 3600
    assert hours[six] == {"hc": 7 * 1001, "hp": 53 * 1001}
    assert hours[twenty_two] == {"hp": 7 * 1001, "hc": 53 * 1001}
    assert day_classes(readings, "consumption", NORMAL, contract, lambda _day: None) == {
        "hc": 8 * 60 * 1001,
        "hp": 16 * 60 * 1001,
    }
