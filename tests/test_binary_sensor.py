"""The "off-peak now" binary sensor: its state, the change at the boundary minute, its timer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util.async_ import get_scheduled_timer_handles
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky.const import DOMAIN
from custom_components.linky.timed import LinkyTimedEntity
from linky_simulator import ConsoApiSimulator, TempoSimulator
from tests.backfill_helpers import quiet_sql
from tests.const import CONSUMPTION_PRM
from tests.integration_helpers import (
    advance,
    conso_entry,
    fake_statistics,
    no_backfill,
    paris,
    set_contract,
    setup,
    tempo_urls,
    typed_period,
)

ENTITY_ID = f"binary_sensor.linky_{CONSUMPTION_PRM}_off_peak_now"
DAY = date(2026, 11, 20)
CONTRACT_START = date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _integration(recorder_mock: Any, enable_custom_integrations: None) -> Iterator[None]:
    quiet_sql()
    with no_backfill(), fake_statistics():
        yield


def entry_with(
    hass: HomeAssistant, api: ConsoApiSimulator, option: str, **data: Any
) -> MockConfigEntry:
    """A Conso API entry with a contract of ``option`` (HP/HC: 01:30-07:30 and 12:30-14:30)."""
    entry = conso_entry(hass, api, **data)
    set_contract(hass, entry, typed_period(option, CONTRACT_START))
    return entry


def off_peak(hass: HomeAssistant) -> State:
    current = hass.states.get(ENTITY_ID)
    assert current is not None
    return current


def clock_timers(hass: HomeAssistant) -> list[LinkyTimedEntity]:
    """The entities whose change timer is planned on the event loop."""
    owners = []
    for handle in get_scheduled_timer_handles(hass.loop):
        target = getattr(getattr(handle, "_callback", None), "job", None)
        target = getattr(target, "target", None)
        owner = getattr(target, "__self__", None)
        if not handle.cancelled() and isinstance(owner, LinkyTimedEntity):
            owners.append(owner)
    return owners


async def test_hphc_changes_at_the_boundary_minute(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(paris(DAY, 10))
    await setup(hass, entry_with(hass, conso_api, "hphc"))
    state = off_peak(hass)
    assert state.state == STATE_OFF
    assert state.attributes["next_change"] == paris(DAY, 12, 30)
    assert state.attributes["friendly_name"] == f"Linky {CONSUMPTION_PRM} Off-peak now"
    await advance(hass, freezer, paris(DAY, 12, 29))
    assert off_peak(hass).state == STATE_OFF
    await advance(hass, freezer, paris(DAY, 12, 30))
    state = off_peak(hass)
    assert state.state == STATE_ON
    assert state.last_changed == paris(DAY, 12, 30)
    assert state.attributes["next_change"] == paris(DAY, 14, 30)
    await advance(hass, freezer, paris(DAY, 14, 30))
    assert off_peak(hass).state == STATE_OFF


async def test_tempo_is_off_peak_from_22_00_to_06_00(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    rte: TempoSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(paris(DAY, 10))
    await setup(hass, entry_with(hass, conso_api, "tempo", **tempo_urls(rte)))
    assert off_peak(hass).state == STATE_OFF
    await advance(hass, freezer, paris(DAY, 21, 59))
    assert off_peak(hass).state == STATE_OFF
    await advance(hass, freezer, paris(DAY, 22))
    assert off_peak(hass).state == STATE_ON
    await advance(hass, freezer, paris(date(2026, 11, 21), 5, 59))
    assert off_peak(hass).state == STATE_ON
    await advance(hass, freezer, paris(date(2026, 11, 21), 6))
    assert off_peak(hass).state == STATE_OFF


async def test_unload_cancels_the_timer_and_base_removes_the_entity(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    freezer.move_to(paris(DAY, 10))
    entry = entry_with(hass, conso_api, "hphc")
    await setup(hass, entry)
    assert [type(owner).__name__ for owner in clock_timers(hass)] == ["LinkyOffPeakSensor"]
    # Independent of Enedis: still available when the meter's data is not.
    entry.runtime_data.coordinator.failures = 99
    entry.runtime_data.coordinator.async_update_listeners()
    assert off_peak(hass).state == STATE_OFF
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert clock_timers(hass) == []
    # A Base contract has no off-peak hours: the entity is forgotten.
    set_contract(hass, entry, typed_period("base", CONTRACT_START))
    await setup(hass, entry)
    unique_id = f"{CONSUMPTION_PRM}_off_peak_now"
    assert entity_registry.async_get_entity_id(Platform.BINARY_SENSOR, DOMAIN, unique_id) is None
    assert hass.states.get(ENTITY_ID) is None
    assert clock_timers(hass) == []


async def test_french_name_english_entity_id(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, freezer: FrozenDateTimeFactory
) -> None:
    hass.config.language = "fr"
    freezer.move_to(paris(DAY, 13))
    await setup(hass, entry_with(hass, conso_api, "hphc"))
    state = off_peak(hass)
    assert state.state == STATE_ON
    assert state.attributes["friendly_name"] == f"Linky {CONSUMPTION_PRM} Heures creuses en cours"
