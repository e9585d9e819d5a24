"""Service actions: rebuild statistics, fetch a range again."""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky.budget import Priority, async_get_budget, backfill_priority
from custom_components.linky.client import api_host
from custom_components.linky.const import DOMAIN
from custom_components.linky.series import statistic_ids
from linky_simulator import ConsoApiSimulator, SimulatedMeter
from tests.backfill_helpers import drive, quiet_sql, read_statistics
from tests.const import NOW, TODAY
from tests.integration_helpers import conso_entry

PRM = "12121212121212"


@pytest.fixture(autouse=True)
def no_backfill() -> Iterator[None]:
    """Only the daily update and the actions send requests here."""
    quiet_sql()
    with patch("custom_components.linky.backfill.HistoryBackfill.start"):
        yield


@pytest.fixture
async def setup(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
) -> tuple[MockConfigEntry, ConsoApiSimulator]:
    freezer.move_to(NOW)
    api = await conso_api_factory([SimulatedMeter(PRM, seed=12, first_day=date(2021, 1, 1))])
    entry = conso_entry(
        hass,
        api,
        prm=PRM,
        tariffs=[{"direction": "consumption", "start": "2024-01-01", "base": 0.2}],
        poll_offset=0,
        title=PRM,
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    # A new entry polls at once: let that poll (and its import) finish before the test starts.
    coordinator = entry.runtime_data.coordinator
    await drive(
        hass,
        freezer,
        lambda: coordinator.next_poll is not None and coordinator.next_poll > dt_util.utcnow(),
    )
    return entry, api


async def test_fetch_range_and_rebuild(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup: tuple[MockConfigEntry, ConsoApiSimulator],
) -> None:
    entry, api = setup
    readings = entry.runtime_data.coordinator.readings
    first, last = date(2026, 9, 1), date(2026, 9, 10)
    assert not readings.has("consumption_curve", first)
    before = 0
    # Not a Home Assistant task: `async_block_till_done` would wait for it with the clock stopped.
    call = asyncio.create_task(
        hass.services.async_call(
            DOMAIN,
            "fetch_range",
            {
                "config_entry_id": entry.entry_id,
                "start": first.isoformat(),
                "end": last.isoformat(),
                "data_types": ["consumption_curve", "consumption_daily"],
            },
            blocking=True,
            return_response=True,
        )
    )
    await drive(hass, freezer, call.done)  # at most 5 requests a second: the clock must move
    response: Any = call.result()
    # 10 days: two load-curve requests and one daily request.
    assert response == {"requests": 3, "changed_from": first.isoformat()}
    asked = [r for r in api.requests[before:] if r.start and "2026-09-01" <= r.start < "2026-09-11"]
    assert len(asked) == 3
    days = [first + timedelta(days=n) for n in range(10)]
    assert all(readings.curve_is_complete("consumption", day) for day in days)

    ids = statistic_ids(PRM)
    rows = await read_statistics(hass, ids["consumption"])
    assert rows[0][0].date() == date(2026, 8, 31)  # 1 September, local midnight (22:00 UTC)
    costs = await read_statistics(hass, ids["consumption_cost"])
    assert costs[-1][2] == pytest.approx(rows[-1][2] * 0.2, abs=1e-6)

    statistics = entry.runtime_data.statistics
    await hass.services.async_call(
        DOMAIN, "rebuild_statistics", {"config_entry_id": entry.entry_id}, blocking=True
    )
    assert await read_statistics(hass, ids["consumption"]) == rows
    assert statistics.imports >= 2


async def test_fetch_range_errors(
    recorder_mock: Recorder, hass: HomeAssistant, setup: tuple[MockConfigEntry, ConsoApiSimulator]
) -> None:
    entry, api = setup

    async def call(data: dict[str, Any]) -> None:
        await hass.services.async_call(DOMAIN, "fetch_range", data, blocking=True)

    base = {"config_entry_id": entry.entry_id}
    with pytest.raises(ServiceValidationError) as caught:
        await call({**base, "start": "2026-11-20", "end": TODAY.isoformat()})
    assert caught.value.translation_key == "invalid_range"
    with pytest.raises(ServiceValidationError) as caught:
        await call({**base, "start": "2026-11-20", "end": "2026-11-19"})
    assert caught.value.translation_key == "invalid_range"
    with pytest.raises(ServiceValidationError) as caught:
        await call({**base, "start": "2020-01-01", "end": "2020-01-19"})
    assert caught.value.translation_key == "invalid_range"
    with pytest.raises(ServiceValidationError) as caught:
        await call({"config_entry_id": "nope", "start": "2026-11-01", "end": "2026-11-02"})
    assert caught.value.translation_key == "service_config_entry_not_found"

    # Too many requests for what the budget leaves the backfill: refused before any request.
    budget = await async_get_budget(hass, api_host(entry.data))
    budget.per_second = 1000
    with backfill_priority():
        while budget.available(Priority.BACKFILL) > 2:
            await budget.gate()
    sent = len(api.requests)
    with pytest.raises(ServiceValidationError) as caught:
        await call({**base, "start": "2026-10-01", "end": "2026-10-31"})
    assert caught.value.translation_key == "budget_exhausted"
    assert caught.value.translation_placeholders["needed"] == "7"  # 5 curve, daily, max
    assert len(api.requests) == sent

    await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN, "rebuild_statistics", {"config_entry_id": entry.entry_id}, blocking=True
        )
    assert caught.value.translation_key == "service_config_entry_not_loaded"
