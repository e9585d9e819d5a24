"""The statistics' display names follow Home Assistant's language (Energy dashboard)."""

from datetime import UTC, date, datetime

import pytest
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.components.recorder.statistics import get_metadata
from homeassistant.core import HomeAssistant

from custom_components.linky.readings import MaxPower
from custom_components.linky.series import statistic_ids
from custom_components.linky.statistics_import import LinkyStatistics
from tests.backfill_helpers import quiet_sql
from tests.integration_helpers import conso_entry
from tests.statistics_helpers import readings_with

PRM = "12345678901234"
DAY = date(2026, 1, 15)
TARIFFS = [
    {"direction": "consumption", "start": "2025-01-01", "base": 0.20},
    {"direction": "production", "start": "2025-01-01", "base": 0.10},
]


@pytest.fixture(autouse=True)
def _integration(recorder_mock: Recorder, enable_custom_integrations: None) -> None:
    quiet_sql()


async def _imported_names(hass: HomeAssistant) -> dict[str, str | None]:
    entry = conso_entry(
        hass, None, prm=PRM, production=True, tariffs=TARIFFS, poll_offset=0, title=PRM
    )
    readings = readings_with(daily={DAY: 12_000})
    readings.merge_daily("production", {DAY: 5_000})
    readings.merge_max_power({DAY: MaxPower(6000, datetime(2026, 1, 15, 18, 30, tzinfo=UTC))})
    stats = LinkyStatistics(hass, entry)
    await stats.async_reconcile(readings)
    ids = statistic_ids(PRM)
    metadata = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_ids=set(ids.values()))
    )
    assert set(metadata) == set(ids.values())
    return {suffix: metadata[ids[suffix]][1]["name"] for suffix in ids}


async def test_names_in_french(hass: HomeAssistant) -> None:
    hass.config.language = "fr"
    assert await _imported_names(hass) == {
        "consumption": "Linky 12345678901234 consommation",
        "production": "Linky 12345678901234 production",
        "consumption_cost": "Linky 12345678901234 coût de la consommation",
        "production_earnings": "Linky 12345678901234 gains de la production",
        "max_power": "Linky 12345678901234 puissance maximale",
    }


async def test_names_in_english_by_default(hass: HomeAssistant) -> None:
    assert hass.config.language == "en"
    assert await _imported_names(hass) == {
        "consumption": "Linky 12345678901234 consumption",
        "production": "Linky 12345678901234 production",
        "consumption_cost": "Linky 12345678901234 consumption cost",
        "production_earnings": "Linky 12345678901234 production earnings",
        "max_power": "Linky 12345678901234 maximum power",
    }


async def test_language_without_texts_falls_back_to_english(hass: HomeAssistant) -> None:
    hass.config.language = "de"
    assert (await _imported_names(hass))["consumption_cost"] == (
        "Linky 12345678901234 consumption cost"
    )
