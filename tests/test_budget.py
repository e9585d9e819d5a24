"""The per-host request budget: rolling 12 h, per second, priorities, persistence."""

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.linky.api import AccessBlockedError, RateLimitError
from custom_components.linky.budget import (
    DATA_BUDGETS,
    STORAGE_KEY,
    BudgetExhausted,
    HostBlockedError,
    HostPausedError,
    Priority,
    RequestBudget,
    async_get_budget,
    backfill_priority,
    current_priority,
)


async def send(budget: RequestBudget, count: int, *, backfill: bool = False) -> None:
    for _ in range(count):
        if backfill:
            with backfill_priority():
                await budget.gate()
        else:
            await budget.gate()


def fast(budget: RequestBudget) -> RequestBudget:
    budget.per_second = 10_000
    budget._pace = type(budget._pace)(maxlen=10_000)
    return budget


async def test_priority_context() -> None:
    assert current_priority() is Priority.STEADY
    with backfill_priority():
        assert current_priority() is Priority.BACKFILL
    assert current_priority() is Priority.STEADY


async def test_the_host_s_pause_and_block_hold_every_request(
    freezer: FrozenDateTimeFactory,
) -> None:
    """A 429 or a ban seen by one entry holds the host's gate for all, sending nothing."""
    budget = fast(RequestBudget("conso.example"))
    until = dt_util.utcnow() + timedelta(hours=1)
    assert budget.pause(until)
    assert not budget.pause(until - timedelta(minutes=5))  # an earlier end changes nothing
    for backfill in (False, True):
        with pytest.raises(HostPausedError) as paused:
            await send(budget, 1, backfill=backfill)
        assert isinstance(paused.value, RateLimitError)
        assert paused.value.retry_after == until
    freezer.move_to(until)
    await send(budget, 1)
    assert budget.paused_until is None

    assert budget.block()
    assert not budget.block()  # one repair issue: the first entry banned tells
    with pytest.raises(HostBlockedError) as blocked:
        await send(budget, 1)
    assert isinstance(blocked.value, AccessBlockedError)
    assert budget.lift_block()
    assert not budget.lift_block()
    await send(budget, 1)
    assert budget.used() == 2  # the held requests were never counted as sent

    # What an entry reports: news only for the host's own first refusal.
    assert not budget.refused(blocked.value)  # the gate's, not the host's
    assert budget.refused(AccessBlockedError("HTML 403", status=403))
    assert not budget.refused(AccessBlockedError("HTML 403", status=403))
    budget.lift_block()
    assert budget.refused(RateLimitError("429", retry_after=until + timedelta(hours=1)))
    assert budget.paused_until == until + timedelta(hours=1)
    assert not budget.refused(paused.value)


async def test_rolling_window_and_reserve(freezer: FrozenDateTimeFactory) -> None:
    start = dt_util.utcnow()
    budget = fast(RequestBudget("conso.example"))
    unregister = budget.register("entry-1")
    assert budget.reserve == 10
    budget.register("entry-2")
    assert budget.reserve == 20
    unregister()
    assert budget.reserve == 10

    await send(budget, 40, backfill=True)
    assert budget.available(Priority.BACKFILL) == 0
    with pytest.raises(BudgetExhausted) as caught:
        await send(budget, 1, backfill=True)
    assert caught.value.retry_after == start + timedelta(hours=12)
    assert caught.value.priority is Priority.BACKFILL
    assert caught.value.code == "budget_exhausted"

    # The reserve is for steady updates.
    freezer.tick(timedelta(hours=1))
    await send(budget, 10)
    assert budget.used() == 50
    with pytest.raises(BudgetExhausted) as caught:
        await send(budget, 1)
    assert caught.value.retry_after == start + timedelta(hours=12)
    assert budget.frees_at(Priority.STEADY, 40) == start + timedelta(hours=12)
    assert budget.frees_at(Priority.STEADY, 41) == start + timedelta(hours=13)
    assert budget.frees_at(Priority.BACKFILL, 41) is None

    # Rolling: 12 h after the first requests, they no longer count.
    freezer.move_to(start + timedelta(hours=12, seconds=1))
    assert budget.used() == 10
    assert budget.available(Priority.BACKFILL) == 30
    await send(budget, 30, backfill=True)
    assert budget.used() == 40
    assert budget.requests_sent == 80


async def test_any_12_hours_never_exceed_limit(freezer: FrozenDateTimeFactory) -> None:
    """Requests every 5 minutes for two days, mixed priorities: no 12 h window over 50."""
    budget = fast(RequestBudget("conso.example"))
    sent: list[float] = []
    for step in range(2 * 24 * 12):
        freezer.tick(timedelta(minutes=5))
        with contextlib.suppress(BudgetExhausted):
            await send(budget, 3, backfill=step % 2 == 0)
        sent = sorted({*sent, *budget.sent_times()})
    window = timedelta(hours=12).total_seconds()
    for index, first in enumerate(sent):
        assert sum(1 for t in sent[index:] if t - first < window) <= 50


async def test_steady_waits_when_short() -> None:
    budget = RequestBudget("conso.example", limit=2, window=timedelta(seconds=0.3))
    loop = asyncio.get_running_loop()
    begin = loop.time()
    await send(budget, 3)
    assert loop.time() - begin >= 0.25
    with pytest.raises(BudgetExhausted):
        await send(RequestBudget("h", limit=0), 1)


async def test_five_per_second() -> None:
    budget = RequestBudget("conso.example")
    loop = asyncio.get_running_loop()
    stamps: list[float] = []
    for _ in range(11):
        await budget.gate()
        stamps.append(loop.time())
    for index in range(5, 11):
        assert stamps[index] - stamps[index - 5] >= 0.999
    assert stamps[-1] - stamps[0] >= 1.99


async def test_shared_and_persisted(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    budget = await async_get_budget(hass, "conso.example")
    assert await async_get_budget(hass, "conso.example") is budget
    other = await async_get_budget(hass, "enedis.example")
    assert other is not budget
    fast(budget)
    await send(budget, 45)
    freezer.tick(timedelta(seconds=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(hass_storage[STORAGE_KEY]["data"]["hosts"]["conso.example"]) == 45

    # A restart: a new registry loaded from the store still counts them.
    hass.data.pop(DATA_BUDGETS)
    again = fast(await async_get_budget(hass, "conso.example"))
    assert again is not budget
    assert again.used() == 45
    await send(again, 5)
    with pytest.raises(BudgetExhausted):
        await send(again, 1)
    assert (await async_get_budget(hass, "enedis.example")).used() == 0
