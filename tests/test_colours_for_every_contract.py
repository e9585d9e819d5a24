"""Tempo colours for every entry with a contract: a Base or HP/HC user's regulated Tempo cost.

The entries here name no Tempo address: the `local_rte` fixture's fake RTE serves them (seed 0).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky.comparison import consumption_between, year_comparison
from custom_components.linky.const import DOMAIN
from custom_components.linky.contract import contracts_from_options
from custom_components.linky.paris import days_between, local_midnight, paris_time
from custom_components.linky.readings import MeterReadings
from custom_components.linky.readings_store import STORAGE_VERSION
from custom_components.linky.regulated import grid_on
from custom_components.linky.series import statistic_id
from custom_components.linky.tempo_colours import async_get_tempo_colours
from linky_simulator import ConsoApiSimulator, TempoSimulator
from tests.backfill_helpers import quiet_sql, read_statistics
from tests.const import CONSUMPTION_PRM, NOW, TODAY
from tests.integration_helpers import conso_entry, fake_statistics, no_backfill, setup
from tests.local_rte import LocalRte
from tests.statistics_helpers import day_curve, readings_with

PRM = CONSUMPTION_PRM
FIRST = date(2025, 10, 31)  # the 12 months compared on 23 November 2026 start on 1 November 2025
HELD = list(days_between(FIRST, TODAY))
BASE = {"start": "2025-01-01", "option": "base", "subscription": 12.0, "prices": {"base": 0.2}}
HPHC = {
    "start": "2025-01-01",
    "option": "hphc",
    "subscription": 12.5,
    "prices": {"hp": 0.25, "hc": 0.15},
    "off_peak_hours": "22:00-06:00",
}


@pytest.fixture(autouse=True)
def _integration(recorder_mock: Recorder, enable_custom_integrations: None) -> Iterator[None]:
    quiet_sql()
    with no_backfill():
        yield


def flat_year() -> MeterReadings:
    """1 kW all the time, every day from 31 October 2025 to yesterday (complete curves)."""
    return readings_with(curves={day: day_curve(day, 30, lambda _i: 1000) for day in HELD})


def held_entry(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    api: ConsoApiSimulator,
    period: dict[str, Any],
    readings: MeterReadings,
    **data: Any,
) -> MockConfigEntry:
    """An entry with ``period`` as its contract, holding ``readings``, polled today already."""
    entry = conso_entry(hass, api, **data)
    options = {**entry.options, "contract": [period]}
    hass.config_entries.async_update_entry(entry, options=options)
    key = f"{DOMAIN}.{entry.entry_id}"
    hass_storage[key] = {
        "version": STORAGE_VERSION,
        "minor_version": 1,
        "key": key,
        "data": {
            "readings": readings.to_dict(),
            "poll": {"day": TODAY.isoformat(), "attempts": 1},
        },
    }
    return entry


def tempo_month_by_hand(rte: TempoSimulator, month: date) -> float:
    """A month at 1 kW flat under the regulated Tempo at 6 kVA.

    Each day D: 00:00-06:00 off-peak of D-1's colour (6 kWh, 5 or 7 on a clock change),
    06:00-22:00 peak of D's colour (16 kWh), 22:00-24:00 off-peak of D's colour (2 kWh); prices
    of the grid in force on D; the month's whole subscription.
    """
    cost = 0.0
    for day in days_between(month, next_month(month)):
        prices = grid_on(day).prices("tempo")
        night = (paris_time(day, time(6)) - local_midnight(day)) / timedelta(hours=1)
        before, colour = rte.colour(day - timedelta(days=1)), rte.colour(day)
        cost += night * prices[f"{before}_hc"] + 16 * prices[f"{colour}_hp"]
        cost += 2 * prices[f"{colour}_hc"]
    subscription = grid_on(month).subscription("tempo", 6)
    assert subscription is not None
    return cost + subscription


def next_month(month: date) -> date:
    return (month + timedelta(days=31)).replace(day=1)


def month_change(rows: list[tuple[datetime, float, float]], month: date) -> float:
    """A statistic's change over a Paris month (sum at its last hour minus the one before)."""
    start = local_midnight(month)
    end = local_midnight(next_month(month))
    before = max((row[2] for row in rows if row[0] < start), default=0.0)
    last = max(row for row in rows if row[0] < end)
    return last[2] - before


async def test_a_base_entry_gets_tempo_costs_and_the_comparison(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    local_rte: LocalRte,
) -> None:
    freezer.move_to(NOW)
    readings = flat_year()
    entry = held_entry(hass, hass_storage, conso_api, BASE, readings)
    await setup(hass, entry)
    await hass.async_block_till_done(wait_background_tasks=True)
    rte = local_rte.simulator
    assert rte is not None  # the entry on the default address asked the fake RTE
    assert sorted(r.start for r in rte.requests if r.type == "tempo") == [
        "2023-2024",
        "2024-2025",
        "2025-2026",
        "2026-2027",
    ]

    # Every hour held has its cost under the regulated Tempo (every day's colour is known).
    consumption = await read_statistics(hass, statistic_id(PRM, "consumption"))
    tempo = await read_statistics(hass, statistic_id(PRM, "cost_if_tempo"))
    assert len(consumption) == len(HELD) * 24  # a spring and an autumn clock change
    assert [row[0] for row in tempo] == [row[0] for row in consumption]
    january = date(2026, 1, 1)
    assert month_change(tempo, january) == pytest.approx(tempo_month_by_hand(rte, january), 1e-9)
    base = await read_statistics(hass, statistic_id(PRM, "cost_if_base"))
    assert month_change(base, january) == pytest.approx(
        744 * grid_on(january).prices("base")["base"] + grid_on(january).subscription("base", 6)
    )

    # The comparison: the same figures as `year_comparison` on the same inputs.
    contract = contracts_from_options(entry.options)["consumption"]
    held = consumption_between(entry.runtime_data.coordinator.readings, FIRST, date.max)
    year = year_comparison(held, contract, rte.colour, TODAY)
    assert len(year.complete_months) == 12
    tempo_sensor = state(hass, "cost_12_months_tempo")
    assert float(tempo_sensor.state) == year.costs["tempo"]
    months = [date(2025, 11, 1)]
    while len(months) < 12:
        months.append(next_month(months[-1]))
    by_hand = sum(tempo_month_by_hand(rte, month) for month in months)
    assert float(tempo_sensor.state) == pytest.approx(by_hand, abs=0.005)
    assert tempo_sensor.attributes["months_compared"] == 12
    assert state(hass, "cheapest_option").state == str(year.cheapest)
    assert year.saving_per_year is not None
    assert float(state(hass, "saving_per_year").state) == pytest.approx(year.saving_per_year)


def state(hass: HomeAssistant, key: str) -> State:
    current = hass.states.get(f"sensor.linky_{PRM}_{key}")
    assert current is not None, key
    return current


def _sensor_keys(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    registry = er.async_get(hass)
    return {
        item.unique_id.removeprefix(f"{PRM}_")
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
    }


@pytest.mark.parametrize(
    ("period", "classes"),
    [(BASE, set()), (HPHC, {"consumption_yesterday_hp", "consumption_yesterday_hc"})],
)
async def test_known_colours_add_no_tempo_sensor(  # noqa: PLR0917
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    local_rte: LocalRte,
    period: dict[str, Any],
    classes: set[str],
) -> None:
    """Tempo sensors (colours, counters, next day, Tempo classes) stay a Tempo contract's."""
    freezer.move_to(NOW)
    readings = readings_with(curves={TODAY: day_curve(TODAY - timedelta(days=1))})
    entry = held_entry(hass, hass_storage, conso_api, period, readings)
    with fake_statistics():
        await setup(hass, entry)
    assert entry.runtime_data.coordinator.colour_of(TODAY) is not None  # colours are known
    keys = _sensor_keys(hass, entry)
    tempo = {key for key in keys if "tempo" in key or "blue" in key or "red" in key}
    assert tempo == {"cost_12_months_tempo"}
    assert {key for key in keys if key.startswith("consumption_yesterday_")} == classes


async def test_no_second_wait_for_the_history_when_both_sources_failed(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """The history asked while the start-up request runs, and both sources fail: not asked.

    The first import waits for the history's colours: it would wait for both failures twice.
    """
    rte = TempoSimulator(max_per_second=None)
    await rte.start()
    try:
        rte.stall_next(0.5, times=2)  # then the connection closes without an answer
        rte.fail_next(500, {"error": "down"}, times=10)  # aiohttp's resend, if any
        colours = await async_get_tempo_colours(hass, rte.base_url, rte.couleur_url)
        while not colours.requests_count:  # noqa: ASYNC110 (the start-up request is sent)
            await asyncio.sleep(0.01)
        await colours.async_ensure_history(date(2025, 1, 1), TODAY)
        assert colours.outage() is not None
        assert [r.type for r in rte.requests if r.type == "tempo"] == []
        colours.async_shutdown()
    finally:
        await rte.stop()


async def test_the_guard_catches_a_request_to_the_real_rte(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, local_rte: LocalRte
) -> None:
    """A colour service on RTE's real address is refused and recorded (failing the test)."""
    freezer.move_to(NOW)
    colours = await async_get_tempo_colours(hass)  # RTE's and api-couleur-tempo.fr's addresses
    await hass.async_block_till_done(wait_background_tasks=True)
    assert colours.colour_of(TODAY) is None
    assert local_rte.real_requests == [
        "https://www.services-rte.com/cms/open_data/v1/tempoLight",
        "https://www.api-couleur-tempo.fr/api/joursTempo",
    ]
    local_rte.real_requests.clear()  # this test wanted them
    colours.async_shutdown()
