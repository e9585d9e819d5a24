"""Import speed (run by scripts/benchmark.py through pytest, for the recorder fixtures).

24 months of load curve (PT30M) and 36 months of daily values, from stored readings to committed
statistics with `LinkyStatistics`, against a bare `async_add_external_statistics` call given the
same rows already computed. Prints the figures; asserts nothing but that both agree.
"""

import logging
import time
from datetime import UTC, date, timedelta

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.models import StatisticData
from homeassistant.components.recorder.statistics import async_add_external_statistics
from homeassistant.components.recorder.tasks import SynchronizeTask
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky.paris import months_before
from custom_components.linky.readings import CurvePoint, MeterReadings
from custom_components.linky.statistics import energy_rows
from custom_components.linky.statistics_import import LinkyStatistics, StatisticSeries
from linky_simulator import SimulatedMeter

TODAY = date(2026, 11, 23)


def build_readings() -> MeterReadings:
    meter = SimulatedMeter("99999999999990", seed=3, first_day=date(2020, 1, 1))
    readings = MeterReadings()
    day = months_before(TODAY, 36)
    curve_start = months_before(TODAY, 24)
    while day < TODAY:
        readings.merge_daily("consumption", {day: meter.daily_wh("consumption", day)})
        if day >= curve_start:
            points = meter.curve("consumption", day)
            readings.merge_curve(
                "consumption",
                [CurvePoint(p.end.astimezone(UTC), p.watts, p.minutes) for p in points],
            )
        day += timedelta(days=1)
    return readings


async def test_import_speed(recorder_mock: Recorder, hass: HomeAssistant) -> None:
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    readings = build_readings()

    began = time.perf_counter()
    rows = energy_rows(readings, "consumption")
    compute = time.perf_counter() - began

    entry = MockConfigEntry(
        domain="linky",
        data={"source": "conso", "prm": "99999999999991", "token": "x"},
        options={"production": False, "tariffs": []},
    )
    entry.add_to_hass(hass)
    statistics = LinkyStatistics(hass, entry)
    began = time.perf_counter()
    await statistics.async_update(readings, date.min)
    ours = time.perf_counter() - began

    series = StatisticSeries("linky:99999999999992_consumption", "consumption", "energy", "bare")
    data = [StatisticData(start=row.start, state=row.state, sum=row.sum) for row in rows]
    began = time.perf_counter()
    async_add_external_statistics(hass, series.metadata, data)
    future = hass.loop.create_future()
    get_instance(hass).queue_task(SynchronizeTask(future))
    await future
    bare = time.perf_counter() - began

    assert statistics.rows_imported == len(rows)
    print()
    print(f"IMPORT rows={len(rows)}")
    print(f"IMPORT compute_rows_s={compute:.3f}")
    print(f"IMPORT linky_import_s={ours:.3f}")
    print(f"IMPORT bare_add_external_statistics_s={bare:.3f}")
    print(f"IMPORT ratio={ours / bare:.3f}")
