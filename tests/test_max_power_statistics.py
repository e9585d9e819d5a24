"""Maximum power as long-term statistics: one row a day, a period's "max" its highest peak."""

from datetime import UTC, date, datetime, timedelta

import pytest
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.components.recorder.models import StatisticMeanType
from homeassistant.components.recorder.statistics import get_metadata, statistics_during_period
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.linky.const import PARIS
from custom_components.linky.readings import MaxPower, MeterReadings
from custom_components.linky.series import statistic_id
from custom_components.linky.statistics_import import LinkyStatistics
from tests.backfill_helpers import quiet_sql
from tests.integration_helpers import conso_entry

PRM = "12121212121212"
FIRST = date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _quiet_sql() -> None:
    quiet_sql()


def peaks(days: int) -> dict[date, MaxPower]:
    """A peak a day, at 19:xx Paris, of 3000 + 97 x n VA."""
    return {
        FIRST + timedelta(days=n): MaxPower(
            3000 + 97 * n,
            datetime.combine(FIRST + timedelta(days=n), datetime.min.time(), PARIS)
            .replace(hour=19, minute=n % 60)
            .astimezone(UTC),
        )
        for n in range(days)
    }


async def read(hass: HomeAssistant, period: str, start: datetime) -> list[dict[str, float]]:
    await async_wait_recording_done(hass)
    key = statistic_id(PRM, "max_power")
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, start, None, {key}, period, None, {"max", "mean", "min"}
    )
    return list(stats.get(key, []))


async def test_max_power_rows_and_their_aggregates(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    entry = conso_entry(hass, None, prm=PRM, title=PRM)
    readings = MeterReadings()
    readings.merge_max_power(peaks(59))  # January and February
    stats = LinkyStatistics(hass, entry)
    await stats.async_reconcile(readings)

    hourly = await read(hass, "hour", datetime(2025, 12, 1, tzinfo=UTC))
    assert len(hourly) == 59
    first = hourly[0]
    assert datetime.fromtimestamp(first["start"], PARIS).hour == 19  # the hour of the peak
    assert first["max"] == first["mean"] == first["min"] == 3.0
    months = await read(hass, "month", datetime(2025, 12, 1, tzinfo=PARIS))
    assert [month["max"] for month in months] == [
        pytest.approx((3000 + 97 * 30) / 1000),
        pytest.approx((3000 + 97 * 58) / 1000),
    ]
    assert months[0]["min"] == pytest.approx(3.0)
    key = statistic_id(PRM, "max_power")
    metadata = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_ids={key})
    )
    meta = metadata[key][1]
    assert meta["mean_type"] is StatisticMeanType.ARITHMETIC
    assert meta["has_sum"] is False
    assert meta["unit_of_measurement"] == "kVA"
    assert meta["unit_class"] == "apparent_power"

    # A corrected peak re-imports from its day; a restart re-imports nothing.
    readings.merge_max_power(
        {FIRST + timedelta(days=40): MaxPower(9999, peaks(41)[FIRST + timedelta(days=40)].at)}
    )
    await stats.async_reconcile(readings)
    assert stats.rows_imported == 59 + 19
    again = LinkyStatistics(hass, entry)
    await again.async_reconcile(readings)
    assert again.rows_imported == 0
    assert (
        max(row["max"] for row in await read(hass, "hour", datetime(2025, 12, 1, tzinfo=UTC)))
        == 9.999
    )
