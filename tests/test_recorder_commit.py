"""Waiting for the recorder's commit: Home Assistant's internal SynchronizeTask, or the fallback.

`test_synchronize_task_still_has_the_expected_shape` fails when a Home Assistant upgrade changes
the internal class: the integration then silently uses the fallback, which is tested here too.
"""

import asyncio
import dataclasses
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from homeassistant.components.recorder import Recorder, get_instance, tasks
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    statistics_during_period,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant

from custom_components.linky import recorder_sync
from custom_components.linky.recorder_sync import async_wait_committed, synchronize_task
from tests.backfill_helpers import quiet_sql

STATISTIC_ID = "linky:12345678901234_consumption"
START = datetime(2026, 1, 1, tzinfo=UTC)
ROWS = 24 * 366


@pytest.fixture(autouse=True)
def _fresh_check() -> Iterator[None]:
    quiet_sql()
    synchronize_task.cache_clear()
    yield
    synchronize_task.cache_clear()


@pytest.fixture
def fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Home Assistant whose SynchronizeTask changed shape (as it once did)."""

    @dataclasses.dataclass(slots=True)
    class ChangedSynchronizeTask(tasks.RecorderTask):
        event: threading.Event

        def run(self, instance: Recorder) -> None:
            self.event.set()

    monkeypatch.setattr(tasks, "SynchronizeTask", ChangedSynchronizeTask)


def test_synchronize_task_still_has_the_expected_shape() -> None:
    fields = [field.name for field in dataclasses.fields(tasks.SynchronizeTask)]
    assert issubclass(tasks.SynchronizeTask, tasks.RecorderTask)
    assert fields == list(recorder_sync.SYNCHRONIZE_TASK_FIELDS), (
        "homeassistant.components.recorder.tasks.SynchronizeTask changed: its fields are now "
        f"{fields}. The integration falls back to a slower no-op task; update "
        "custom_components/linky/recorder_sync.py to the new shape."
    )
    assert synchronize_task() is tasks.SynchronizeTask


@pytest.mark.usefixtures("fallback")
def test_a_changed_internal_is_not_used_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger=recorder_sync.__name__):
        assert synchronize_task() is None
        assert synchronize_task() is None
    messages = [r.getMessage() for r in caplog.records if r.name == recorder_sync.__name__]
    assert len(messages) == 1
    assert "its fields are now ('event',)" in messages[0]


def _import(hass: HomeAssistant) -> None:
    metadata = StatisticMetaData(
        mean_type=StatisticMeanType.NONE,
        has_sum=True,
        name="Linky 12345678901234 consumption",
        source="linky",
        statistic_id=STATISTIC_ID,
        unit_class="energy",
        unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    )
    rows = [
        StatisticData(start=START + timedelta(hours=hour), state=1.0, sum=hour + 1.0)
        for hour in range(ROWS)
    ]
    async_add_external_statistics(hass, metadata, rows)


async def _last_sum(hass: HomeAssistant) -> float | None:
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        START + timedelta(hours=ROWS - 1),
        None,
        {STATISTIC_ID},
        "hour",
        None,
        {"sum"},
    )
    rows = stats.get(STATISTIC_ID, [])
    return rows[-1]["sum"] if rows else None


class _Gate:
    """A recorder task that holds the recorder thread until opened."""

    commit_before = False

    def __init__(self) -> None:
        self.running = threading.Event()
        self.open = threading.Event()

    def run(self, instance: Any) -> None:
        self.running.set()
        self.open.wait(10)


async def _assert_waits_for_queued_tasks(hass: HomeAssistant) -> None:
    """The helper returns only once the task queued before it has run."""
    gate = _Gate()
    get_instance(hass).queue_task(gate)
    await hass.async_add_executor_job(gate.running.wait, 10)
    # The queue is empty now: async_block_till_done alone would return at once.
    waiter = asyncio.ensure_future(async_wait_committed(hass))
    await asyncio.sleep(0.2)
    assert not waiter.done()
    gate.open.set()
    await asyncio.wait_for(waiter, 10)


@pytest.mark.usefixtures("fallback")
async def test_fallback_waits_until_the_import_is_readable(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    assert synchronize_task() is None
    await _assert_waits_for_queued_tasks(hass)
    _import(hass)
    await async_wait_committed(hass)
    assert await _last_sum(hass) == float(ROWS)


async def test_synchronize_task_waits_until_the_import_is_readable(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    assert synchronize_task() is not None
    await _assert_waits_for_queued_tasks(hass)
    _import(hass)
    await async_wait_committed(hass)
    assert await _last_sum(hass) == float(ROWS)
