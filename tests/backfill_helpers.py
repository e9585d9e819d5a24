"""Drive the integration with a frozen clock (backfill, statistics): run, settle, read back."""

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.statistics import StatisticsRow, statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

type StatisticType = Literal["change", "last_reset", "max", "mean", "min", "state", "sum"]
"""A column of the recorder's statistics."""


async def let_run(hass: HomeAssistant, rounds: int = 20, pause: float = 0.001) -> None:
    """Let background tasks and socket I/O progress (real time, clock unchanged)."""
    for _ in range(rounds):
        await hass.async_add_executor_job(time.sleep, pause)
        await hass.async_block_till_done()


async def drive(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    until: Callable[[], bool],
    *,
    step: timedelta = timedelta(milliseconds=250),
    limit: timedelta = timedelta(days=10),
    jump_when_idle: Callable[[], datetime | None] | None = None,
) -> None:
    """Advance the frozen clock by small steps until ``until()``.

    ``jump_when_idle`` returns a time to jump to when nothing else is going on (the backfill
    sleeping until its budget frees up), so days pass in a few steps.
    """
    end = dt_util.utcnow() + limit
    while not until():
        if dt_util.utcnow() > end:
            raise AssertionError("condition not reached")
        await let_run(hass, 2, 0.005)
        if until():
            return
        target = jump_when_idle() if jump_when_idle else None
        if target is not None and target > dt_util.utcnow():
            freezer.move_to(target + timedelta(seconds=1))
        else:
            freezer.tick(step)
        async_fire_time_changed(hass)
    await let_run(hass, 5)


def next_wake_up(entry: MockConfigEntry) -> datetime | None:
    """When a loaded entry next has something to do; None while it is busy.

    Busy: a poll due or under way, a backfill pass running, a statistics reconciliation running.
    Jumping the frozen clock only when this is not None keeps a jump from landing in the
    middle of a poll (which would then finish a day later than it started).
    """
    runtime = entry.runtime_data
    now = dt_util.utcnow()
    poll = runtime.coordinator.next_poll
    backfill = runtime.backfill.status.next_run
    if backfill is None or runtime.statistics.busy or (poll is not None and poll <= now):
        return None
    return min(backfill, poll) if poll is not None else backfill


async def settle_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Let the entry finish what it is doing (clock unchanged) until it is idle."""
    for _ in range(500):
        await let_run(hass, 5)
        if next_wake_up(entry) is not None:
            await let_run(hass, 5)
            if next_wake_up(entry) is not None:
                return
    raise AssertionError("the entry did not become idle")


async def hourly_rows(
    hass: HomeAssistant, statistic_id: str, types: set[StatisticType]
) -> list[StatisticsRow]:
    """Every hourly row of a statistic in the recorder, with the columns ``types``."""
    await async_wait_recording_done(hass)
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2000, 1, 1, tzinfo=UTC),
        None,
        {statistic_id},
        "hour",
        None,
        types,
    )
    return stats.get(statistic_id, [])


async def read_statistics(
    hass: HomeAssistant, statistic_id: str
) -> list[tuple[datetime, float, float]]:
    """Every hourly row of a statistic: (start UTC, state, sum)."""
    return [
        (datetime.fromtimestamp(row["start"], UTC), row["state"] or 0.0, row["sum"] or 0.0)
        for row in await hourly_rows(hass, statistic_id, {"state", "sum"})
    ]


def max_in_window(times: list[datetime], window: timedelta = timedelta(hours=12)) -> int:
    """Most requests in any rolling window."""
    ordered = sorted(times)
    best = 0
    first = 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


async def settle(hass: HomeAssistant) -> None:
    """Let pending work finish."""
    await asyncio.sleep(0)
    await let_run(hass)


def quiet_sql() -> None:
    """The test plugin logs every SQL statement at INFO: far too slow for bulk imports."""
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
