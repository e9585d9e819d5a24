"""The comparison sensors in Home Assistant: English entity ids, months left out labelled."""

from __future__ import annotations

from datetime import date
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.linky.const import DOMAIN
from linky_simulator import ConsoApiSimulator, TempoSimulator
from tests.const import CONSUMPTION_PRM
from tests.integration_helpers import conso_entry, paris, setup
from tests.test_tempo_sensors import _integration, rte, tempo_entry  # noqa: F401

KEYS = (
    "cost_12_months_base",
    "cost_12_months_hphc",
    "cost_12_months_tempo",
    "cost_12_months_current",
    "cheapest_option",
    "saving_per_year",
)


async def test_a_new_meter_compares_nothing_and_says_why(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    rte: TempoSimulator,  # noqa: F811
    freezer: FrozenDateTimeFactory,
) -> None:
    """A few days held: every month of the 12 is incomplete, listed, and nothing is compared."""
    freezer.move_to(paris(date(2027, 3, 10), 10))
    await setup(hass, tempo_entry(hass, conso_api, rte))
    await hass.async_block_till_done()
    for key in KEYS:
        state = hass.states.get(f"sensor.linky_{CONSUMPTION_PRM}_{key}")
        assert state is not None, key
        assert state.state == "unknown", key
        assert state.attributes["period_start"] == date(2026, 3, 1)
        assert state.attributes["period_end"] == date(2027, 2, 28)
        assert state.attributes["months_compared"] == 0
        assert len(state.attributes["incomplete_months"]) == 12
    assert (
        hass.states.get(f"sensor.linky_{CONSUMPTION_PRM}_cost_12_months_base").attributes[
            "unit_of_measurement"
        ]
        == "€"
    )


async def test_no_contract_no_comparison_sensors(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(paris(date(2027, 3, 10), 10))
    entry: Any = conso_entry(hass, conso_api)
    await setup(hass, entry)
    assert hass.states.get(f"sensor.linky_{CONSUMPTION_PRM}_cheapest_option") is None


async def test_repair_issue_when_the_grid_misses_a_price_change(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    rte: TempoSimulator,  # noqa: F811
    freezer: FrozenDateTimeFactory,
) -> None:
    """On 2 February 2027 the newest built-in grid (1 August 2026) may be out of date."""
    freezer.move_to(paris(date(2027, 2, 2), 10))
    await setup(hass, tempo_entry(hass, conso_api, rte))
    issue = ir.async_get(hass).async_get_issue(DOMAIN, "regulated_out_of_date")
    assert issue is not None
    assert issue.translation_placeholders == {"grid": "2026-08-01", "change": "2027-02-01"}


async def test_no_repair_issue_while_the_grid_is_current(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    rte: TempoSimulator,  # noqa: F811
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(paris(date(2027, 1, 31), 10))
    await setup(hass, tempo_entry(hass, conso_api, rte))
    assert ir.async_get(hass).async_get_issue(DOMAIN, "regulated_out_of_date") is None
