"""Setup, unload, removal and the wiring to statistics, backfill and the request budget."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import partial
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.statistics import get_metadata
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.linky.backfill import HistoryBackfill, PassResult
from custom_components.linky.budget import RequestBudget, async_get_budget
from custom_components.linky.const import DOMAIN
from custom_components.linky.coordinator import LinkyCoordinator
from custom_components.linky.data import LinkyRuntimeData
from custom_components.linky.readings import MeterReadings
from linky_simulator import ConsoApiSimulator, EnedisSimulator, SimulatedMeter
from tests.const import CONSUMPTION_ONLY_PRM, CONSUMPTION_PRM
from tests.integration_helpers import (
    advance,
    conso_entry,
    data_requests,
    enedis_entry,
    fake_statistics,
    no_backfill,
    paris,
    polled_before,
    setup,
)

DAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _integration(recorder_mock: Any, enable_custom_integrations: None) -> None:
    """The recorder (a dependency) and the custom integration."""


@pytest.fixture
def stats() -> Iterator[MagicMock]:
    with fake_statistics() as mock:
        yield mock


@pytest.fixture
def frozen(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    freezer.move_to(paris(DAY, 10))
    return freezer


async def test_setup_and_unload(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    stats: MagicMock,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Loaded with its runtime data and device; unloaded cleanly: no timer, readings saved."""
    with no_backfill():
        entry = conso_entry(hass, conso_api)
        await setup(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    runtime = entry.runtime_data
    assert isinstance(runtime, LinkyRuntimeData)
    assert isinstance(runtime.coordinator, LinkyCoordinator)
    assert isinstance(runtime.backfill, HistoryBackfill)
    assert runtime.statistics is stats
    assert runtime.coordinator.config_entry is entry
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, CONSUMPTION_PRM), entry.entry_id
    )
    assert device is not None
    assert device.entry_type is dr.DeviceEntryType.SERVICE

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    conso_api.requests.clear()
    await advance(hass, frozen, paris(DAY + timedelta(days=2), 12))
    assert not conso_api.requests  # no timer left behind


async def test_statistics_follow_the_coordinator(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    stats: MagicMock,
) -> None:
    """The importer follows the coordinator: each merge that changed something tells it.

    Daily values, then the load curve and maximum power: one update each.
    """
    with no_backfill():
        entry = conso_entry(hass, conso_api)
        await setup(hass, entry)
    coordinator = entry.runtime_data.coordinator
    stats.async_follow.assert_called_once_with(coordinator, after=None)
    listener = MagicMock()
    coordinator.async_add_listener(listener)
    await coordinator.async_fetch_range("consumption_daily", DAY - timedelta(days=3), DAY)
    listener.assert_not_called()  # nothing new
    await coordinator.async_fetch_range("consumption_daily", date(2026, 9, 1), date(2026, 9, 3))
    listener.assert_called_once()


async def test_backfill_starts_after_the_first_poll(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    stats: MagicMock,
) -> None:
    """The backfill starts once the due poll is done (they do not ask for the same days)."""
    seen: list[int] = []
    with patch.object(
        HistoryBackfill, "start", side_effect=lambda: seen.append(len(conso_api.requests))
    ):
        await setup(hass, conso_entry(hass, conso_api))
    assert seen == [3]


async def test_backfill_starts_at_once_when_no_poll_is_due(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    stats: MagicMock,
    hass_storage: dict[str, Any],
) -> None:
    freezer.move_to(paris(DAY, 5))
    entry = conso_entry(hass, conso_api)
    polled_before(hass_storage, entry, DAY - timedelta(days=1))
    with patch.object(HistoryBackfill, "start") as start:
        await setup(hass, entry)
    start.assert_called_once()
    assert not conso_api.requests


async def test_setup_from_store_is_instant(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    stats: MagicMock,
) -> None:
    """Stored readings are shown at once; no request when they are current."""
    entry = conso_entry(hass, conso_api)
    readings = MeterReadings()
    readings.merge_daily("consumption", {DAY - timedelta(days=1): 12_345})
    for kind in ("consumption_curve", "max_power"):
        readings.mark_missing(kind, [DAY - timedelta(days=1)], DAY)  # type: ignore[arg-type]
    hass_storage[f"linky.{entry.entry_id}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"linky.{entry.entry_id}",
        "data": {
            "readings": readings.to_dict(),
            "poll": {"day": DAY.isoformat(), "attempts": 1, "last_attempt": None},
        },
    }
    with no_backfill():
        assert await hass.config_entries.async_setup(entry.entry_id)
        coordinator: LinkyCoordinator = entry.runtime_data.coordinator
        assert coordinator.data.consumption_yesterday == 12.345  # before any background work
        await hass.async_block_till_done(wait_background_tasks=True)
    assert not conso_api.requests
    # Yesterday's curve and max power are missing (not expected: never seen lately): no retry.
    assert coordinator.next_poll == paris(DAY + timedelta(days=1), 7)


async def test_readings_saved_and_reloaded(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    stats: MagicMock,
) -> None:
    """The store holds what was fetched (written at the latest on unload)."""
    entry = conso_entry(hass, conso_api)
    with no_backfill():
        await setup(hass, entry)
        held = entry.runtime_data.coordinator.readings.to_dict()
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    stored = hass_storage[f"linky.{entry.entry_id}"]["data"]
    assert stored["readings"] == held
    assert stored["poll"]["attempts"] == 1


async def test_remove_entry_deletes_store(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    stats: MagicMock,
) -> None:
    entry = conso_entry(hass, conso_api)
    with no_backfill():
        await setup(hass, entry)
        assert await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
    assert f"linky.{entry.entry_id}" not in hass_storage


async def test_unreadable_stored_token(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, stats: MagicMock
) -> None:
    """A stored token that is not a JWT: setup fails with reauth (no request)."""
    entry = conso_entry(hass, conso_api, token="garbage")
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert not conso_api.requests


async def test_budget_registration(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    stats: MagicMock,
) -> None:
    """Each entry adds to the steady reserve of its host's budget while loaded, and its
    requests are counted there."""
    entry = conso_entry(hass, conso_api)
    host = conso_api.base_url.split("/")[2]
    budget = await async_get_budget(hass, host)
    with no_backfill():
        await setup(hass, entry)
    assert entry.entry_id in budget._entries
    assert budget.requests_sent == 3
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.entry_id not in budget._entries


async def test_an_entry_registers_with_its_budget_once(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    stats: MagicMock,
) -> None:
    """At setup, not again when the backfill starts."""
    entry = conso_entry(hass, conso_api)
    with (
        patch.object(
            RequestBudget, "register", autospec=True, side_effect=RequestBudget.register
        ) as register,
        patch.object(
            HistoryBackfill, "async_run_pass", AsyncMock(return_value=PassResult.STOPPED)
        ) as run_pass,
    ):
        await setup(hass, entry)
    run_pass.assert_awaited_once()  # the backfill ran
    assert [call.args[1] for call in register.call_args_list] == [entry.entry_id]


async def test_two_entries_share_nothing_but_the_budget(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    stats: MagicMock,
) -> None:
    first = conso_entry(hass, conso_api)
    second = conso_entry(hass, conso_api, prm=CONSUMPTION_ONLY_PRM, poll_offset=120)
    with no_backfill():
        # Setting the domain up loads both entries; their polls share the budget, which lets
        # 5 requests a second through: the frozen clock must move for the sixth.
        assert await hass.config_entries.async_setup(first.entry_id)
        await hass.async_block_till_done()
        await advance(hass, frozen, paris(DAY, 10) + timedelta(seconds=2))
    assert second.state is ConfigEntryState.LOADED
    assert len(conso_api.requests) == 6
    assert {r.prm for r in conso_api.requests} == {CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM}
    assert second.runtime_data.coordinator.next_poll == paris(DAY + timedelta(days=1), 8)
    assert first.runtime_data.coordinator.next_poll == paris(DAY + timedelta(days=1), 7)


async def test_statistics_imported_end_to_end(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """With the real importer: the poll's readings reach the recorder as external statistics."""
    freezer.move_to(paris(DAY, 10))
    entry = conso_entry(hass, conso_api)
    with no_backfill():
        await setup(hass, entry)
    await async_wait_recording_done(hass)
    statistic_id = f"linky:{CONSUMPTION_PRM}_consumption"
    metadata = await get_instance(hass).async_add_executor_job(
        partial(get_metadata, hass, statistic_ids={statistic_id})
    )
    assert f"linky:{CONSUMPTION_PRM}_consumption" in metadata
    assert len(data_requests(conso_api)) == 3


async def test_enedis_token_revoked_on_unload(
    hass: HomeAssistant, enedis_api: Any, frozen: FrozenDateTimeFactory, stats: MagicMock
) -> None:
    """An Enedis entry gives its access token back when unloaded."""
    entry = enedis_entry(hass, enedis_api)
    with no_backfill():
        await setup(hass, entry)
    assert enedis_api.requests[0].type == "token"
    # Setup sent 5 requests (token, 3 data kinds, the contract): the 5-a-second budget would
    # hold the revocation for a second the frozen clock never lets pass.
    frozen.tick(1)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert len(enedis_api.revoked) == 1


async def test_no_update_listener_with_reload_and_abort(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    stats: MagicMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The options flow reloads by itself (`OptionsFlowWithReload`) and reauth/reconfigure by
    `async_update_reload_and_abort`: a loaded entry has no update listener, which Home
    Assistant 2026.12 refuses alongside reload-and-abort."""
    entry = conso_entry(hass, conso_api)
    with no_backfill():
        await setup(hass, entry)
        assert entry.state is ConfigEntryState.LOADED
        assert not entry.update_listeners
        result = await entry.start_reconfigure_flow(hass)
        token = conso_api.make_token([CONSUMPTION_PRM])
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"token": token, "base_url": conso_api.base_url}
        )
        await hass.async_block_till_done(wait_background_tasks=True)
    assert result["reason"] == "reconfigure_successful"
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["token"] == token
    assert not entry.update_listeners
    assert "update listener" not in caplog.text


@pytest.mark.parametrize(
    ("family", "paths"),
    [
        ("v2", "mesure_synchrone_auto/v2"),
        ("metering_data", "mesure_synchrone_auto/v1/metering_data"),
    ],
)
async def test_enedis_on_either_family_remembered_across_restarts(  # noqa: PLR0917
    hass: HomeAssistant,
    enedis_api: EnedisSimulator,
    meter: SimulatedMeter,
    frozen: FrozenDateTimeFactory,
    stats: MagicMock,
    hass_storage: dict[str, Any],
    family: Any,
    paths: str,
) -> None:
    """An Enedis application subscribed to either family of metering paths gets its data; the
    family found is stored with the readings, so after a restart no request is lost on the
    other one."""
    enedis_api.family = family
    entry = enedis_entry(hass, enedis_api)
    yesterday = DAY - timedelta(days=1)
    # Not the contract data (tested on its own): with the v2 family's 404 it would be the 6th
    # request of the second, which waits for a next second the frozen clock never brings.
    with (
        no_backfill(),
        patch("custom_components.linky._needs_subscribed_power", return_value=False),
    ):
        await setup(hass, entry)
        readings = entry.runtime_data.coordinator.readings
        assert readings.daily["consumption"][yesterday] == meter.daily_wh("consumption", yesterday)
        assert readings.curve["consumption"][yesterday]
        frozen.tick(timedelta(seconds=2))  # the budget's 5 requests a second: the revocation
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        assert hass_storage[f"{DOMAIN}.{entry.entry_id}"]["data"]["data_paths"] == paths

        enedis_api.requests.clear()
        frozen.move_to(paris(DAY + timedelta(days=1), 10))
        await setup(hass, entry)  # Home Assistant restarted: the day's poll is due
    data = [r for r in enedis_api.requests if r.type not in {"token", "revoke"}]
    assert data
    assert all(r.status == 200 and r.path.startswith(f"/{paths}/") for r in data)
    assert DAY in entry.runtime_data.coordinator.readings.daily["consumption"]
