"""The Tempo season sensors in Home Assistant: counters and the next Tempo day.

Against the fake Conso API and the fake RTE server with a frozen clock; the expected counts come
from the simulated calendar, counted here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky.contract import COLOURS
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

SEASON = date(2026, 9, 1)
RED_31_MARCH = date(2027, 3, 31)
COUNTERS = [f"tempo_{colour}_days_{kind}" for kind in ("used", "left") for colour in COLOURS]


@pytest.fixture(autouse=True)
def _integration(recorder_mock: Any, enable_custom_integrations: None) -> Iterator[None]:
    quiet_sql()
    with no_backfill(), fake_statistics():
        yield


@pytest.fixture
async def rte(socket_enabled: None) -> AsyncIterator[TempoSimulator]:
    simulator = TempoSimulator({RED_31_MARCH: "red"}, seed=3, max_per_second=None)
    await simulator.start()
    yield simulator
    await simulator.stop()


def tempo_entry(
    hass: HomeAssistant, api: ConsoApiSimulator, rte: TempoSimulator, option: str = "tempo"
) -> MockConfigEntry:
    """A Conso API entry with a contract of ``option`` from 1 September 2026."""
    entry = conso_entry(hass, api, **tempo_urls(rte))
    set_contract(hass, entry, typed_period(option, SEASON))
    return entry


def sensor(hass: HomeAssistant, key: str) -> State:
    current = hass.states.get(f"sensor.linky_{CONSUMPTION_PRM}_{key}")
    assert current is not None, key
    return current


def counters(hass: HomeAssistant) -> dict[str, int]:
    return {key: int(sensor(hass, key).state) for key in COUNTERS}


def expected(rte: TempoSimulator, last: date) -> dict[str, int]:
    """The counters when ``last`` is the Tempo day running, from the simulated calendar."""
    used = dict.fromkeys(COLOURS, 0)
    day = SEASON
    while day <= last:
        used[rte.colour(day)] += 1
        day += timedelta(days=1)
    quotas = {"blue": 300, "white": 43, "red": 22}  # 2026-2027: 365 days
    return {
        **{f"tempo_{colour}_days_used": count for colour, count in used.items()},
        **{f"tempo_{colour}_days_left": quotas[colour] - used[colour] for colour in COLOURS},
    }


async def test_counters_follow_the_calendar_and_the_06_00_change(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    rte: TempoSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The counters equal the calendar's; the red 31 March counts at 06:00, not at the poll."""
    day = RED_31_MARCH - timedelta(days=1)
    freezer.move_to(paris(day, 10))
    await setup(hass, tempo_entry(hass, conso_api, rte))
    assert counters(hass) == expected(rte, day)
    red_used = sensor(hass, "tempo_red_days_used")
    assert red_used.attributes["unknown_days"] == 0
    assert red_used.attributes["quota"] == 22
    assert red_used.attributes["season_start"] == SEASON
    assert red_used.attributes["season_end"] == date(2027, 8, 31)
    assert red_used.attributes["unit_of_measurement"] == "days"
    # The next Tempo day: its start; its colour once RTE published it (10:40, asked at 11:00).
    next_day = sensor(hass, "next_tempo_day")
    assert next_day.state == paris(RED_31_MARCH, 6).isoformat()
    assert next_day.attributes["colour"] is None
    await advance(hass, freezer, paris(day, 11, 5))
    assert sensor(hass, "next_tempo_day").attributes["colour"] == "red"
    # 05:59: still 30 March's Tempo day; 06:00: 31 March's, red, counted at once.
    await advance(hass, freezer, paris(RED_31_MARCH, 5, 59))
    assert counters(hass) == expected(rte, day)
    await advance(hass, freezer, paris(RED_31_MARCH, 6))
    after = expected(rte, RED_31_MARCH)
    assert after["tempo_red_days_used"] == expected(rte, day)["tempo_red_days_used"] + 1
    assert counters(hass) == after
    assert sensor(hass, "next_tempo_day").state == paris(date(2027, 4, 1), 6).isoformat()


async def test_no_counters_without_tempo(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    rte: TempoSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    freezer.move_to(paris(date(2026, 11, 20), 10))
    await setup(hass, tempo_entry(hass, conso_api, rte, "hphc"))
    for key in (*COUNTERS, "next_tempo_day"):
        assert hass.states.get(f"sensor.linky_{CONSUMPTION_PRM}_{key}") is None


async def test_french_names_english_entity_ids(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    rte: TempoSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    hass.config.language = "fr"
    freezer.move_to(paris(date(2026, 11, 20), 10))
    await setup(hass, tempo_entry(hass, conso_api, rte))
    names = {key: sensor(hass, key).attributes["friendly_name"] for key in COUNTERS[:3]}
    prefix = f"Linky {CONSUMPTION_PRM} Jours Tempo"
    assert names == {
        "tempo_blue_days_used": f"{prefix} bleus utilisés",
        "tempo_white_days_used": f"{prefix} blancs utilisés",
        "tempo_red_days_used": f"{prefix} rouges utilisés",
    }
    assert sensor(hass, "next_tempo_day").attributes["friendly_name"] == (
        f"Linky {CONSUMPTION_PRM} Prochain jour Tempo"
    )
