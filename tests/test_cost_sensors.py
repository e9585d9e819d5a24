"""The cost sensors show the cost statistics' numbers, in-process with the real recorder.

A Tempo contract against the fake Conso API and the fake RTE server (frozen clock): yesterday's
cost, this month's and last month's, and yesterday's per-class costs equal the change of the
imported cost statistics over the same day or month, to the cent. With a subscribed power in
the options, the maximum power ratio is the simulator's peak over it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky.contract import TariffOption
from custom_components.linky.paris import local_midnight
from custom_components.linky.regulated import grid_on
from custom_components.linky.series import statistic_id
from linky_simulator import ConsoApiSimulator, SimulatedMeter, TempoSimulator
from tests.backfill_helpers import quiet_sql, read_statistics
from tests.integration_helpers import (
    advance,
    conso_entry,
    no_backfill,
    paris,
    set_contract,
    tempo_urls,
)

PRM = "56565656565656"
DAY = date(2026, 1, 20)  # "today"
YESTERDAY = DAY - timedelta(days=1)
PRICES = grid_on(DAY).prices(TariffOption.TEMPO)
CLASSES = ("blue_hp", "blue_hc", "white_hp", "white_hc", "red_hp", "red_hc")


@pytest.fixture(autouse=True)
def _quiet() -> None:
    quiet_sql()


def entry_for(hass: HomeAssistant, api: ConsoApiSimulator, rte: TempoSimulator) -> MockConfigEntry:
    """A Tempo contract with a subscription and a subscribed power of 6 kVA."""
    entry = conso_entry(hass, api, prm=PRM, poll_offset=0, **tempo_urls(rte))
    period = {
        "start": "2025-09-01",
        "option": "tempo",
        "subscription": 15.47,
        "prices": PRICES,
        "subscribed_power_kva": 6,
    }
    set_contract(hass, entry, period)
    return entry


async def change(hass: HomeAssistant, suffix: str, first: date, end: date) -> float:
    """The change of a statistic's sum over the local days ``[first, end)``."""
    sums = {row[0]: row[2] for row in await read_statistics(hass, statistic_id(PRM, suffix))}
    before = [sums[hour] for hour in sorted(sums) if hour < local_midnight(first)]
    upto = [sums[hour] for hour in sorted(sums) if hour < local_midnight(end)]
    return upto[-1] - (before[-1] if before else 0.0)


def state(hass: HomeAssistant, key: str) -> tuple[float, dict[str, Any]]:
    found = hass.states.get(f"sensor.linky_{PRM}_{key}")
    assert found is not None, key
    return float(found.state), dict(found.attributes)


async def test_cost_sensors_equal_the_cost_statistics(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
    rte: TempoSimulator,
) -> None:
    freezer.move_to(paris(DAY, 10))
    meter = SimulatedMeter(PRM, seed=23, first_day=date(2025, 1, 1))
    api = await conso_api_factory([meter])
    entry = entry_for(hass, api, rte)
    with no_backfill():
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        await advance(hass, freezer, paris(DAY, 10, 1))

    # The first poll brought the daily values from December 1st: every day is priced.
    month, previous = date(2026, 1, 1), date(2025, 12, 1)
    cost, attributes = state(hass, "cost_yesterday")
    assert cost == pytest.approx(
        await change(hass, "consumption_cost", YESTERDAY, DAY), abs=0.005 + 1e-9
    )
    assert attributes["day"] == YESTERDAY
    cost, attributes = state(hass, "cost_this_month")
    assert cost == pytest.approx(
        await change(hass, "consumption_cost", month, DAY), abs=0.005 + 1e-9
    )
    assert attributes["month"] == "2026-01"
    assert attributes["last_day"] == YESTERDAY
    cost, attributes = state(hass, "cost_last_month")
    assert cost == pytest.approx(
        await change(hass, "consumption_cost", previous, month), abs=0.005 + 1e-9
    )
    assert attributes["month"] == "2025-12"
    assert cost > 15.47  # energy and the whole month's subscription
    total = 0.0
    for name in CLASSES:
        cost, attributes = state(hass, f"cost_yesterday_{name}")
        expected = await change(hass, f"consumption_{name}_cost", YESTERDAY, DAY)
        assert cost == pytest.approx(expected, abs=0.005 + 1e-9), name
        assert attributes["day"] == YESTERDAY
        total += expected
    assert total > 0.0
    # The maximum power yesterday against the 6 kVA of the options.
    ratio, attributes = state(hass, "max_power_ratio_yesterday")
    assert ratio == round(meter.max_power(YESTERDAY).va / 60, 1)
    assert attributes["subscribed_power_kva"] == 6
