"""Shared fixtures: simulated meters, the fake Conso API / Enedis / RTE servers on 127.0.0.1."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any
from unittest.mock import patch

import pytest

# Home Assistant's test plugin ships its own `custom_components` package: import ours first,
# or the `hass` fixture reports "Integration 'linky' not found".
if importlib.util.find_spec("custom_components.linky") is not None:
    import custom_components.linky  # noqa: F401

from linky_simulator import ConsoApiSimulator, EnedisSimulator, SimulatedMeter, TempoSimulator
from tests.const import CONSUMPTION_ONLY_PRM, CONSUMPTION_PRM
from tests.local_rte import LocalRte


@pytest.fixture(autouse=True)
async def local_rte() -> AsyncIterator[LocalRte]:
    """Give entries on the default Tempo addresses a fake RTE; fail a test asking the real one.

    The fake RTE (`LocalRte.simulator`, seed 0) starts when an entry first asks for colours.
    """
    from custom_components import linky
    from custom_components.linky.api.tempo import _ColourClient

    local = LocalRte()
    with (
        patch.object(
            linky, "async_get_tempo_colours", local.get_colours(linky.async_get_tempo_colours)
        ),
        patch.object(_ColourClient, "_get", local.guard(_ColourClient._get)),
    ):
        yield local
    await local.stop()
    assert not local.real_requests, "a test asked a real Tempo server"


@pytest.fixture
def meter() -> SimulatedMeter:
    """A meter measuring consumption and production (PRM 11111111111111), seed 1."""
    return SimulatedMeter(CONSUMPTION_PRM, seed=1, production=True, first_day=date(2021, 1, 1))


@pytest.fixture
def consumption_meter() -> SimulatedMeter:
    """A consumption-only meter (PRM 22222222222222), seed 2."""
    return SimulatedMeter(CONSUMPTION_ONLY_PRM, seed=2, first_day=date(2021, 1, 1))


@asynccontextmanager
async def _simulators[S: (ConsoApiSimulator, EnedisSimulator)](
    simulator_class: type[S],
) -> AsyncIterator[Callable[..., Awaitable[S]]]:
    """Give a `start(meters, **kwargs)` that starts simulators; all stopped on the way out."""
    started: list[S] = []

    async def start(meters: list[SimulatedMeter], **kwargs: Any) -> S:
        simulator = simulator_class(meters, **kwargs)
        await simulator.start()
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        await simulator.stop()


@pytest.fixture
async def conso_api_factory(
    socket_enabled: None,
) -> AsyncIterator[Callable[..., Awaitable[ConsoApiSimulator]]]:
    """Start `ConsoApiSimulator(meters, **kwargs)` on 127.0.0.1; all stopped at teardown.

    Sockets are enabled for the test (pytest-socket still only lets it reach 127.0.0.1).
    """
    async with _simulators(ConsoApiSimulator) as start:
        yield start


@pytest.fixture
async def enedis_api_factory(
    socket_enabled: None,
) -> AsyncIterator[Callable[..., Awaitable[EnedisSimulator]]]:
    """Start `EnedisSimulator(meters, **kwargs)` on 127.0.0.1; all stopped at teardown."""
    async with _simulators(EnedisSimulator) as start:
        yield start


@pytest.fixture
async def conso_api(
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
    meter: SimulatedMeter,
    consumption_meter: SimulatedMeter,
) -> ConsoApiSimulator:
    """A started Conso API serving `meter` and `consumption_meter` (real clock; set `.now`).

    Base URL: `conso_api.base_url` (``http://127.0.0.1:PORT/api``); a token:
    `conso_api.make_token([prm])`.
    """
    return await conso_api_factory([meter, consumption_meter])


@pytest.fixture
def conso_token(conso_api: ConsoApiSimulator) -> str:
    """A valid Conso API token for both fixture meters."""
    return conso_api.make_token([CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM])


@pytest.fixture
async def enedis_api(
    enedis_api_factory: Callable[..., Awaitable[EnedisSimulator]],
    meter: SimulatedMeter,
    consumption_meter: SimulatedMeter,
) -> EnedisSimulator:
    """A started Enedis Data Connect serving both fixture meters.

    Base URL: `enedis_api.base_url`; credentials: `enedis_api.client_id` / `.client_secret`.
    """
    return await enedis_api_factory([meter, consumption_meter])


@pytest.fixture
async def rte(socket_enabled: None) -> AsyncIterator[TempoSimulator]:
    """A started fake RTE server (and api-couleur-tempo.fr), colour calendar seed 3, no rate limit.

    Entry data pointing at it: `tests.integration_helpers.tempo_urls(rte)`.
    """
    simulator = TempoSimulator(seed=3, max_per_second=None)
    await simulator.start()
    yield simulator
    await simulator.stop()
