"""The options flow: production on/off, tariff periods added and removed."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.integration_helpers import conso_entry

COMPONENT = Path(__file__).parents[1] / "custom_components" / "linky"


@pytest.fixture(autouse=True)
def no_setup() -> Iterator[None]:
    """Saving the options reloads the entry: no need to really set it up here."""
    with (
        patch("custom_components.linky.async_setup_entry", return_value=True),
        patch("custom_components.linky.async_unload_entry", return_value=True),
    ):
        yield


@pytest.fixture
def entry(recorder_mock: Recorder, hass: HomeAssistant) -> MockConfigEntry:
    return conso_entry(hass, None, poll_offset=0)


async def _menu(hass: HomeAssistant, flow_id: str, choice: str) -> dict[str, Any]:
    result: Any = await hass.config_entries.options.async_configure(
        flow_id, {"next_step_id": choice}
    )
    return dict(result)


async def test_full_options_flow(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    result: Any = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["settings", "add_tariff", "save"]
    flow_id = result["flow_id"]

    result = await _menu(hass, flow_id, "settings")
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(flow_id, {"production": True})
    assert result["type"] is FlowResultType.MENU

    # Peak / off-peak, with a typo in the hours first.
    result = await _menu(hass, flow_id, "add_tariff")
    assert result["step_id"] == "add_tariff"
    result = await hass.config_entries.options.async_configure(
        flow_id,
        {"direction": "consumption", "start": "2025-08-01", "tariff_type": "peak_off_peak"},
    )
    assert result["step_id"] == "tariff_peak_off_peak"
    result = await hass.config_entries.options.async_configure(
        flow_id, {"peak": 0.2146, "off_peak": 0.1696, "off_peak_hours": "22h-6h"}
    )
    assert result["errors"] == {"off_peak_hours": "invalid_off_peak_hours"}
    result = await hass.config_entries.options.async_configure(
        flow_id, {"peak": 0.2146, "off_peak": 0.1696, "off_peak_hours": "22h00-06h00 ; 12:30-14:30"}
    )
    assert result["type"] is FlowResultType.MENU
    assert "remove_tariff" in result["menu_options"]

    # The same start again is refused.
    result = await _menu(hass, flow_id, "add_tariff")
    result = await hass.config_entries.options.async_configure(
        flow_id, {"direction": "consumption", "start": "2025-08-01", "tariff_type": "base"}
    )
    assert result["errors"] == {"start": "duplicate_start"}

    # A base price before it, and production earnings.
    result = await hass.config_entries.options.async_configure(
        flow_id, {"direction": "consumption", "start": "2024-02-01", "tariff_type": "base"}
    )
    assert result["step_id"] == "tariff_base"
    result = await hass.config_entries.options.async_configure(flow_id, {"base": 0.2516})
    result = await _menu(hass, flow_id, "add_tariff")
    result = await hass.config_entries.options.async_configure(
        flow_id, {"direction": "production", "start": "2024-01-01", "tariff_type": "base"}
    )
    result = await hass.config_entries.options.async_configure(flow_id, {"base": 0.1276})
    assert result["type"] is FlowResultType.MENU
    assert "2025-08-01" in result["description_placeholders"]["tariffs"]

    # Remove the production period again.
    result = await _menu(hass, flow_id, "remove_tariff")
    assert result["step_id"] == "remove_tariff"
    result = await hass.config_entries.options.async_configure(
        flow_id, {"periods": ["production|2024-01-01"]}
    )
    result = await _menu(hass, flow_id, "save")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "production": True,
        "tariffs": [
            {"direction": "consumption", "start": "2024-02-01", "base": 0.2516},
            {
                "direction": "consumption",
                "start": "2025-08-01",
                "peak": 0.2146,
                "off_peak": 0.1696,
                "off_peak_hours": "22:00-06:00;12:30-14:30",
            },
        ],
    }


async def test_keeps_existing_options(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    tariffs = [{"direction": "consumption", "start": "2024-02-01", "base": 0.25}]
    hass.config_entries.async_update_entry(entry, options={"production": True, "tariffs": tariffs})
    result: Any = await hass.config_entries.options.async_init(entry.entry_id)
    assert "remove_tariff" in result["menu_options"]
    result = await _menu(hass, result["flow_id"], "save")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {"production": True, "tariffs": tariffs}


def test_every_option_field_is_explained_in_english_and_french() -> None:
    english = json.loads((COMPONENT / "strings.json").read_text())
    french = json.loads((COMPONENT / "translations" / "fr.json").read_text())
    for strings in (english, french):
        steps = strings["options"]["step"]
        for step in ("settings", "add_tariff", "tariff_base", "tariff_peak_off_peak"):
            assert steps[step]["data"].keys() == steps[step]["data_description"].keys()
            assert all(steps[step]["data_description"].values())
        assert set(strings["services"]) == {"rebuild_statistics", "fetch_range"}
        for key in ("budget_exhausted", "invalid_range", "fetch_failed"):
            assert strings["exceptions"][key]["message"]
