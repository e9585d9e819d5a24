"""A regulated contract period's cost statistics, imported into the real recorder."""

from datetime import date, datetime

import pytest
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.linky.const import PARIS
from custom_components.linky.series import statistic_id
from custom_components.linky.statistics_import import LinkyStatistics
from tests.backfill_helpers import quiet_sql
from tests.integration_helpers import conso_entry
from tests.statistics_helpers import day_curve, readings_with

PRM = "55555555555555"
JANUARY_31, FEBRUARY_1 = date(2025, 1, 31), date(2025, 2, 1)
REGULATED_HPHC = {
    "start": "2025-01-01",
    "option": "hphc",
    "regulated": True,
    "subscribed_power_kva": 9,
    "off_peak_hours": "22:00-06:00",
}


@pytest.fixture(autouse=True)
def _quiet_sql() -> None:
    quiet_sql()


async def hourly(hass: HomeAssistant, suffix: str) -> dict[tuple[date, int], float]:
    """Each hour's value of a statistic, by Paris day and hour."""
    await async_wait_recording_done(hass)
    wanted = statistic_id(PRM, suffix)
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2000, 1, 1).astimezone(),
        None,
        {wanted},
        "hour",
        None,
        {"state"},
    )
    values = {}
    for row in stats.get(wanted, []):
        local = datetime.fromtimestamp(row["start"], PARIS)
        values[local.date(), local.hour] = round(row["state"] or 0.0, 9)
    return values


def off_peak(hour: int) -> bool:
    return hour < 6 or hour >= 22


async def test_a_regulated_period_s_cost_statistics_change_on_the_grid_date(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    """1 kWh an hour on 31 January and 1 February 2025, regulated HP/HC at 9 kVA.

    EDF's grids (tariffs.md): until 31 January, HP 0.2700, HC 0.2068 and 16.70 EUR a month (the
    grid of 2024-11-01); from 1 February, HP 0.2146, HC 0.1696 and 18.01 EUR a month.
    """
    entry = conso_entry(hass, None, prm=PRM, poll_offset=0, title=PRM)
    options = {"production": False, "tariffs": [], "contract": [REGULATED_HPHC]}
    hass.config_entries.async_update_entry(entry, options=options)
    days = (JANUARY_31, FEBRUARY_1)
    readings = readings_with(curves={day: day_curve(day, 60, lambda _: 1000) for day in days})
    await LinkyStatistics(hass, entry).async_reconcile(readings)

    grids = {JANUARY_31: (0.2700, 0.2068, 16.70 / 31), FEBRUARY_1: (0.2146, 0.1696, 18.01 / 28)}
    total, hp_cost, hc_cost = {}, {}, {}
    for day, (hp, hc, subscription) in grids.items():
        for hour in range(24):
            price = hc if off_peak(hour) else hp
            total[day, hour] = round(price + (subscription if hour == 0 else 0.0), 9)
            (hc_cost if off_peak(hour) else hp_cost)[day, hour] = price
    assert await hourly(hass, "consumption_cost") == total
    hp_rows = await hourly(hass, "consumption_hp_cost")
    hc_rows = await hourly(hass, "consumption_hc_cost")
    assert {key: value for key, value in hp_rows.items() if value} == hp_cost
    assert {key: value for key, value in hc_rows.items() if value} == hc_cost
