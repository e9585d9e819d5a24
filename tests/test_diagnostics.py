"""Diagnostics: useful, and never a token, secret or PRM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.linky.diagnostics import async_get_config_entry_diagnostics
from linky_simulator import ConsoApiSimulator, EnedisSimulator
from tests.const import CONSUMPTION_PRM
from tests.integration_helpers import (
    conso_entry,
    enedis_entry,
    fake_statistics,
    no_backfill,
    paris,
    setup,
)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's serializer."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def _integration(
    recorder_mock: Any, enable_custom_integrations: None, freezer: FrozenDateTimeFactory
) -> Iterator[None]:
    freezer.move_to(paris(date(2026, 11, 20), 10))
    with no_backfill(), fake_statistics():
        yield


def _no_secret(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text


async def test_conso_diagnostics(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, snapshot: SnapshotAssertion
) -> None:
    entry = conso_entry(hass, conso_api, production=True)
    await setup(hass, entry)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    text = json.dumps(diagnostics, default=str)
    _no_secret(text, entry.data["token"], CONSUMPTION_PRM)
    assert diagnostics["client"]["requests"] == 5
    assert diagnostics["readings"]["consumption_daily"]["last"] == "2026-11-19"
    assert diagnostics["schedule"]["stopped"] is None
    diagnostics["entry"].pop("entry_id")
    diagnostics["entry"].pop("created_at")
    diagnostics["entry"].pop("modified_at")
    diagnostics["entry"]["data"].pop("base_url")  # a random port
    diagnostics["client"].pop("base_url")
    diagnostics["schedule"].pop("poll_offset_minutes")
    assert diagnostics == snapshot


async def test_enedis_diagnostics(hass: HomeAssistant, enedis_api: EnedisSimulator) -> None:
    entry = enedis_entry(hass, enedis_api)
    await setup(hass, entry)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    text = json.dumps(diagnostics, default=str)
    _no_secret(text, enedis_api.client_secret, enedis_api.client_id, CONSUMPTION_PRM)
    assert diagnostics["entry"]["data"]["client_secret"] == "**REDACTED**"
    assert diagnostics["client"]["type"] == "EnedisDataConnectClient"
