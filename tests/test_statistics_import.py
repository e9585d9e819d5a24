"""Statistics imported into the recorder, read back: hourly values, sums, costs, restarts."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.components.recorder.models import StatisticMeanType
from homeassistant.components.recorder.statistics import (
    get_metadata,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.linky.backfill import PassResult
from custom_components.linky.backfill_plan import history_start
from custom_components.linky.budget import DATA_BUDGETS
from custom_components.linky.const import DOMAIN, PARIS
from custom_components.linky.readings import MeterReadings
from custom_components.linky.series import statistic_ids
from custom_components.linky.statistics import energy_rows
from custom_components.linky.statistics_import import LinkyStatistics, plan_all
from linky_simulator import ConsoApiSimulator, SimulatedMeter
from tests.backfill_helpers import (
    drive,
    hourly_rows,
    let_run,
    max_in_window,
    next_wake_up,
    quiet_sql,
    read_statistics,
    settle_entry,
)
from tests.const import NOW, TODAY
from tests.integration_helpers import conso_entry
from tests.statistics_helpers import day_curve, midnight, readings_with, utc


@pytest.fixture(autouse=True)
def _quiet_sql() -> None:
    quiet_sql()


PRM = "33333333333333"
OTHER_PRM = "44444444444444"
NORMAL = date(2026, 1, 15)
SPRING = date(2026, 3, 29)
AUTUMN = date(2026, 10, 25)
HC = {
    "direction": "consumption",
    "start": "2025-01-01",
    "peak": 0.30,
    "off_peak": 0.20,
    "off_peak_hours": "22:00-06:00",
}


def wh(rows: list[tuple[datetime, float, float]]) -> list[float]:
    return [round(state * 1000, 6) for _, state, _ in rows]


def sample_readings() -> MeterReadings:
    return readings_with(
        curves={
            NORMAL: day_curve(NORMAL, 30),
            SPRING: day_curve(SPRING, 10),
            AUTUMN: day_curve(AUTUMN, 60),
        },
        daily={date(2026, 2, 1): 12_000, NORMAL: 1},  # NORMAL's daily value is not counted
    )


async def test_hourly_values_and_metadata(recorder_mock: Recorder, hass: HomeAssistant) -> None:
    entry = conso_entry(hass, None, prm=PRM, tariffs=[HC], poll_offset=0, title=PRM)
    stats = LinkyStatistics(hass, entry)
    await stats.async_reconcile(sample_readings())
    ids = statistic_ids(PRM)
    rows = await read_statistics(hass, ids["consumption"])

    # 24 + 1 (daily fallback day: its first hour) + 23 + 25 rows.
    assert len(rows) == 73
    normal, fallback, spring, autumn = rows[:24], rows[24:25], rows[25:48], rows[48:]
    assert normal[0][0] == utc(2026, 1, 14, 23)
    assert wh(normal) == [1005.0 + 20 * h for h in range(24)]  # PT30M
    assert fallback[0][0] == midnight(date(2026, 2, 1))
    assert wh(fallback) == [12_000.0]
    assert spring[0][0] == utc(2026, 3, 28, 23)
    assert spring[2][0] == utc(2026, 3, 29, 1)  # local 03:00: 02:00 skipped
    assert wh(spring) == [1025.0 + 60 * h for h in range(23)]  # PT10M
    assert autumn[0][0] == utc(2026, 10, 24, 22)
    assert wh(autumn) == [1000.0 + 10 * h for h in range(25)]  # PT60M, both 02:00
    total = (
        sum(1005 + 20 * h for h in range(24))
        + 12_000
        + sum(1025 + 60 * h for h in range(23))
        + sum(1000 + 10 * h for h in range(25))
    )
    assert rows[-1][2] == pytest.approx(total / 1000, abs=1e-9)
    running = 0.0
    for _, state, total_sum in rows:
        running += state
        assert total_sum == pytest.approx(running, abs=1e-6)

    metadata = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_ids=set(ids.values()))
    )
    assert set(metadata) == {ids["consumption"], ids["consumption_cost"]}
    energy = metadata[ids["consumption"]][1]
    assert energy["mean_type"] is StatisticMeanType.NONE
    assert energy["has_sum"] is True
    assert energy["unit_class"] == "energy"
    assert energy["unit_of_measurement"] == "kWh"
    assert energy["source"] == DOMAIN
    cost = metadata[ids["consumption_cost"]][1]
    assert cost["unit_class"] is None
    assert cost["unit_of_measurement"] == "EUR"
    assert cost["mean_type"] is StatisticMeanType.NONE

    costs = await read_statistics(hass, ids["consumption_cost"])
    assert [start for start, _, _ in costs] == [start for start, _, _ in rows]
    # NORMAL, local 00:00-01:00 off-peak: 1.005 kWh x 0.20; 06:00 peak: 1.125 x 0.30.
    assert costs[0][1] == pytest.approx(1.005 * 0.20)
    assert costs[6][1] == pytest.approx(1.125 * 0.30)
    # Daily fallback at the time-weighted average (8 h off-peak of 24).
    assert costs[24][1] == pytest.approx(12 * (8 * 0.20 + 16 * 0.30) / 24)


async def test_costs_across_a_price_change(recorder_mock: Recorder, hass: HomeAssistant) -> None:
    tariffs = [
        {"direction": "consumption", "start": "2025-01-01", "base": 0.20},
        {"direction": "consumption", "start": "2026-01-16", "base": 0.25},
        {"direction": "production", "start": "2025-01-01", "base": 0.10},
    ]
    entry = conso_entry(
        hass, None, prm=PRM, production=True, tariffs=tariffs, poll_offset=0, title=PRM
    )
    nxt = date(2026, 1, 16)
    readings = readings_with(
        curves={
            NORMAL: day_curve(NORMAL, 60, lambda _: 1000),
            nxt: day_curve(nxt, 60, lambda _: 2000),
        }
    )
    readings.merge_daily("production", {NORMAL: 5000})
    await LinkyStatistics(hass, entry).async_reconcile(readings)
    ids = statistic_ids(PRM)
    costs = await read_statistics(hass, ids["consumption_cost"])
    assert [round(state, 9) for _, state, _ in costs] == [0.2] * 24 + [0.5] * 24
    assert costs[-1][2] == pytest.approx(24 * 0.2 + 24 * 0.5)
    earnings = await read_statistics(hass, ids["production_earnings"])
    assert earnings[0][1] == pytest.approx(0.5)
    assert (await read_statistics(hass, ids["production"]))[-1][2] == 5.0

    # A new price from 2026-01-16 on: only later rows change, after a reload.
    tariffs[1] = {"direction": "consumption", "start": "2026-01-16", "base": 0.30}
    hass.config_entries.async_update_entry(entry, options={"production": True, "tariffs": tariffs})
    stats = LinkyStatistics(hass, entry)
    await stats.async_reconcile(readings)
    assert stats.rows_imported == 24  # the 16th only
    costs = await read_statistics(hass, ids["consumption_cost"])
    assert [round(state, 9) for _, state, _ in costs] == [0.2] * 24 + [0.6] * 24
    assert costs[-1][2] == pytest.approx(24 * 0.2 + 24 * 0.6)


async def test_updates_equal_a_fresh_import(recorder_mock: Recorder, hass: HomeAssistant) -> None:
    entry = conso_entry(hass, None, prm=PRM, tariffs=[HC], poll_offset=0, title=PRM)
    stats = LinkyStatistics(hass, entry)
    readings = MeterReadings()
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(20)]

    # Recent first, then older days (backfill), a late day, a corrected day, a curve replacing
    # a daily value, a partial curve then the complete one.
    steps: list[tuple[str, Any]] = [
        ("daily", {day: 10_000 + n for n, day in enumerate(days[10:])}),
        ("curve", day_curve(days[15])),
        ("daily", {day: 9000 + n for n, day in enumerate(days[:8])}),
        ("daily", {days[9]: 7777}),  # late day in the middle
        ("daily", {days[3]: 1234}),  # corrected
        ("curve", day_curve(days[2], 10)),  # curve replaces daily
        ("curve", day_curve(days[8], 30, skip=frozenset(range(30, 48)))),  # partial
        ("curve", day_curve(days[8], 30)),  # completed
    ]
    for shape, values in steps:
        if shape == "daily":
            readings.merge_daily("consumption", values)
        else:
            readings.merge_curve("consumption", values)
        await stats.async_reconcile(readings)

    fresh_entry = conso_entry(
        hass, None, prm=OTHER_PRM, tariffs=[HC], poll_offset=0, title=OTHER_PRM
    )
    await LinkyStatistics(hass, fresh_entry).async_reconcile(readings)
    for suffix in ("consumption", "consumption_cost"):
        updated = await read_statistics(hass, statistic_ids(PRM)[suffix])
        fresh = await read_statistics(hass, statistic_ids(OTHER_PRM)[suffix])
        assert updated == fresh
        assert len(updated) == 3 * 24 + 17  # 3 curve days, 17 daily ones
    expected = energy_rows(readings, "consumption")
    assert (await read_statistics(hass, statistic_ids(PRM)["consumption"]))[-1][2] == pytest.approx(
        expected[-1].sum, abs=1e-9
    )


async def test_cancelled_import_is_done_by_the_next_start(
    recorder_mock: Recorder, hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Cancelled while the rows are computed (an unload, a stop): nothing is sent or saved;
    the next start finds the same difference and imports it."""
    entry = conso_entry(hass, None, prm=PRM, poll_offset=0, title=PRM)
    readings = readings_with(daily={NORMAL: 1000})
    stats = LinkyStatistics(hass, entry)
    await stats.async_reconcile(readings)
    key = f"{DOMAIN}.statistics.{entry.entry_id}"
    saved = hass_storage[key]["data"]
    readings.merge_daily("consumption", {date(2026, 1, 10): 500})
    ids = statistic_ids(PRM)

    started = asyncio.Event()

    def slow_plan(*args: Any) -> Any:
        hass.loop.call_soon_threadsafe(started.set)
        time.sleep(0.2)
        return plan_all(*args)

    with patch("custom_components.linky.statistics_import.plan_all", slow_plan):
        task = hass.async_create_task(stats.async_reconcile(readings))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await async_wait_recording_done(hass)
    assert stats.imports == 1
    assert hass_storage[key]["data"] == saved
    assert (await read_statistics(hass, ids["consumption"]))[-1][2] == 1.0

    # "Restart": a new object compares again and imports from the older day on.
    again = LinkyStatistics(hass, entry)
    await again.async_reconcile(readings)
    rows = await read_statistics(hass, ids["consumption"])
    assert rows[0][0] == midnight(date(2026, 1, 10))
    assert rows[-1][2] == 1.5
    assert again.rows_imported == 2


async def test_only_what_differs_is_imported(recorder_mock: Recorder, hass: HomeAssistant) -> None:
    entry = conso_entry(hass, None, prm=PRM, poll_offset=0, title=PRM)
    readings = readings_with(daily={NORMAL: 1000})
    stats = LinkyStatistics(hass, entry)
    await stats.async_reconcile(readings)  # nothing stored: everything imported
    ids = statistic_ids(PRM)
    assert (await read_statistics(hass, ids["consumption"]))[-1][2] == 1.0
    await stats.async_reconcile(readings)
    assert stats.rows_imported == 1  # in step: nothing more

    # A new day: only its rows.
    readings.merge_daily("consumption", {date(2026, 1, 16): 2000})
    await stats.async_reconcile(readings)
    assert stats.rows_imported == 2
    # An older day: everything from it on.
    readings.merge_daily("consumption", {date(2026, 1, 1): 4000})
    await stats.async_reconcile(readings)
    assert stats.rows_imported == 2 + 3
    assert (await read_statistics(hass, ids["consumption"]))[-1][2] == 7.0

    # Production enabled: its statistics are created in full.
    readings.merge_daily("production", {NORMAL: 3000})
    hass.config_entries.async_update_entry(entry, options={"production": True, "tariffs": []})
    await LinkyStatistics(hass, entry).async_reconcile(readings)
    assert (await read_statistics(hass, ids["production"]))[-1][2] == 3.0
    await LinkyStatistics(hass, entry).async_reconcile(MeterReadings())  # nothing to compare


async def test_rebuild(recorder_mock: Recorder, hass: HomeAssistant) -> None:
    entry = conso_entry(hass, None, prm=PRM, poll_offset=0, title=PRM)
    stats = LinkyStatistics(hass, entry)
    readings = readings_with(daily={NORMAL: 1000, date(2026, 1, 20): 3000})
    await stats.async_reconcile(readings)
    before = await read_statistics(hass, statistic_ids(PRM)["consumption"])
    await stats.async_rebuild(readings)
    assert await read_statistics(hass, statistic_ids(PRM)["consumption"]) == before
    assert stats.imports == 2


async def test_invalid_tariff_is_ignored(recorder_mock: Recorder, hass: HomeAssistant) -> None:
    entry = conso_entry(
        hass,
        None,
        prm=PRM,
        tariffs=[{"direction": "consumption", "start": "x", "base": 1}],
        poll_offset=0,
        title=PRM,
    )
    stats = LinkyStatistics(hass, entry)
    assert stats.statistic_ids == [
        statistic_ids(PRM)["consumption"],
        statistic_ids(PRM)["max_power"],
    ]


# --------------------------------------------------------------------------------------------
# Against the fake Conso API: the whole story (backfill, budget, restart, late day, fresh import)
# --------------------------------------------------------------------------------------------

E2E_PRM = "77777777777777"
LATE_DAY = TODAY - timedelta(days=4)


def e2e_meter() -> SimulatedMeter:
    return SimulatedMeter(
        E2E_PRM,
        seed=7,
        first_day=date(2021, 1, 1),
        interval_overrides={date(2025, 12, 3): 10, date(2026, 3, 29): 10, date(2026, 10, 25): 60},
        late_days={LATE_DAY: datetime(2026, 11, 28, 11, 0, tzinfo=PARIS)},
    )


async def test_backfill_budget_restart_late_day_equal_fresh_import(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
    hass_storage: dict[str, Any],
) -> None:
    freezer.move_to(NOW)
    meter = e2e_meter()
    api = await conso_api_factory([meter])
    entry = conso_entry(hass, api, prm=E2E_PRM, poll_offset=0, title=E2E_PRM)
    assert await hass.config_entries.async_setup(entry.entry_id)
    backfill = entry.runtime_data.backfill

    # First pass: daily history, then load curve until the budget keeps only its reserve.
    await drive(hass, freezer, lambda: backfill.status.last_result is PassResult.BUDGET)
    readings = entry.runtime_data.coordinator.readings
    assert min(readings.daily["consumption"]) == date(2023, 11, 23)
    assert len(api.requests) == 50 - 10
    first_pass_curve = min(readings.curve["consumption"])
    assert first_pass_curve < TODAY - timedelta(days=7 * 30)

    # Restart Home Assistant in the middle of the backfill (budget and readings from stores).
    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.tick(timedelta(seconds=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    hass.data.pop(DATA_BUDGETS)
    requests_before = len(api.requests)
    assert await hass.config_entries.async_setup(entry.entry_id)
    backfill = entry.runtime_data.backfill
    await let_run(hass)
    assert len(api.requests) == requests_before  # budget still spent: no request now

    # Let the days pass until the backfill is complete.
    await drive(
        hass,
        freezer,
        lambda: backfill.status.last_result is PassResult.COMPLETE,
        jump_when_idle=lambda: next_wake_up(entry),
    )
    readings = entry.runtime_data.coordinator.readings
    today = entry.runtime_data.coordinator.today()
    assert min(readings.curve["consumption"]) == history_start("consumption_curve", today)
    assert LATE_DAY in readings.missing["consumption_curve"]

    # The late day comes out on the 28th; the next daily pass fills it.
    await drive(
        hass,
        freezer,
        lambda: readings.curve_is_complete("consumption", LATE_DAY),
        jump_when_idle=lambda: next_wake_up(entry),
    )
    # Compare only once the entry is idle: no poll under way, no backfill pass running and
    # nothing left to import (a poll still landing would change the statistics under the
    # comparison below).
    await drive(hass, freezer, lambda: next_wake_up(entry) is not None)
    await settle_entry(hass, entry)

    # Never more than 50 requests in 12 hours, never a refusal.
    assert max_in_window([r.time for r in api.requests]) <= 50
    assert {r.status for r in api.requests} <= {200, 404}
    curve_ranges = [
        (r.start, r.end) for r in api.requests if "courbe" in r.type or "curve" in r.type
    ]
    backfill_ranges = [rng for rng in curve_ranges if rng[1] and rng[1] < "2026-11-15"]
    assert len(backfill_ranges) == len(set(backfill_ranges))  # nothing asked twice

    ids = statistic_ids(E2E_PRM)
    rows = await read_statistics(hass, ids["consumption"])
    by_start = {start: (state, total) for start, state, total in rows}

    # Hourly values equal the simulated meter's own ground truth (normal, DST, PT10M, PT60M).
    for day in (
        date(2026, 2, 10),
        date(2025, 12, 3),  # PT10M
        date(2026, 3, 29),  # spring: 23 hours, PT10M
        date(2026, 10, 25),  # autumn: 25 hours, PT60M
        LATE_DAY,
    ):
        start = midnight(day)
        end = midnight(day + timedelta(days=1))
        truth = meter.hourly_wh("consumption", start, end)
        assert len(truth) == (end - start) // timedelta(hours=1)
        for hour, wh_value in truth.items():
            assert by_start[hour][0] == pytest.approx(wh_value / 1000, abs=1e-9), (day, hour)
    # Older than the load curve: the daily value on the day's first hour.
    old = date(2024, 6, 1)
    assert by_start[midnight(old)][0] == meter.daily_wh("consumption", old) / 1000
    assert midnight(old) + timedelta(hours=1) not in by_start

    # After all of it: exactly what a single fresh import of the same readings gives.
    fresh_entry = conso_entry(hass, None, prm=OTHER_PRM, poll_offset=0, title=OTHER_PRM)
    await LinkyStatistics(hass, fresh_entry).async_reconcile(readings)
    for suffix in ("consumption",):
        imported = await read_statistics(hass, ids[suffix])
        fresh = await read_statistics(hass, statistic_ids(OTHER_PRM)[suffix])
        assert [(s, round(v, 9), round(t, 9)) for s, v, t in imported] == [
            (s, round(v, 9), round(t, 9)) for s, v, t in fresh
        ]
    total = sum(meter.daily_wh("consumption", day) for day in readings.daily["consumption"])
    assert rows[-1][2] == pytest.approx(total / 1000, abs=1e-6)

    # Maximum power: 36 months in 3 requests, one row a day on the hour of the peak (kVA).
    asked = [
        r for r in api.requests if r.type == "puissance_conso_max_quotidienne" and r.status == 200
    ]
    backfilled = [r for r in asked if r.end and r.end < (TODAY - timedelta(days=7)).isoformat()]
    assert len(backfilled) <= 3
    power = {
        datetime.fromtimestamp(row["start"], UTC): row["max"]
        for row in await hourly_rows(hass, ids["max_power"], {"max"})
    }
    assert len(power) == len(readings.max_power) > 1000
    for day in readings.max_power:
        peak = meter.max_power(day)
        hour = peak.at.replace(minute=0, second=0, microsecond=0)
        assert power[hour] == peak.va / 1000, day
    # A month's "max" is its highest daily peak (months of Home Assistant's time zone).
    months = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2025, 6, 1, tzinfo=PARIS),
        datetime(2025, 8, 1, tzinfo=PARIS),
        {ids["max_power"]},
        "month",
        None,
        {"max"},
    )
    for month in months[ids["max_power"]]:
        start, end = (datetime.fromtimestamp(month[key], UTC) for key in ("start", "end"))
        peaks = [value for hour, value in power.items() if start <= hour < end]
        assert month["max"] == max(peaks)
