"""The simulators leave nothing behind that Home Assistant's `hass` fixture would flag."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from linky_simulator import ConsoApiSimulator, EnedisSimulator
from tests.const import CONSUMPTION_PRM


async def fetch(hass: HomeAssistant, conso_api: ConsoApiSimulator) -> int:
    session = async_get_clientsession(hass)
    token = conso_api.make_token([CONSUMPTION_PRM])
    async with session.get(
        f"{conso_api.base_url}/consommation_quotidienne",
        params={"prm": CONSUMPTION_PRM, "start": "2026-01-01", "end": "2026-01-03"},
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        return resp.status


async def test_hass_then_simulators(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, enedis_api: EnedisSimulator
) -> None:
    assert await fetch(hass, conso_api) == 200


@pytest.mark.usefixtures("enedis_api")
async def test_simulators_then_hass(conso_api: ConsoApiSimulator, hass: HomeAssistant) -> None:
    assert await fetch(hass, conso_api) == 200
