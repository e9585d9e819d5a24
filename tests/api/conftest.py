"""Fixtures of the client tests: simulators on a fixed clock, tokens, request tracing."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace

import aiohttp
import pytest

from linky_simulator import ConsoApiSimulator, EnedisSimulator, SimulatedMeter

CONSUMPTION_PRM = "11111111111111"  # the `meter` fixture: consumption and production
CONSUMPTION_ONLY_PRM = "22222222222222"  # the `consumption_meter` fixture
UNKNOWN_PRM = "99999999999999"  # served by no simulator

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
"""The simulators' clock: every day up to 2026-11-22 is published."""


@pytest.fixture
async def conso(
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
    meter: SimulatedMeter,
    consumption_meter: SimulatedMeter,
) -> ConsoApiSimulator:
    """A 2026 Conso API serving both fixture meters, its clock at `NOW`."""
    return await conso_api_factory([meter, consumption_meter], now=lambda: NOW)


@pytest.fixture
def token(conso: ConsoApiSimulator) -> str:
    """A token for both fixture meters (consumption+production first)."""
    return conso.make_token([CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM])


@pytest.fixture
async def enedis(
    enedis_api_factory: Callable[..., Awaitable[EnedisSimulator]],
    meter: SimulatedMeter,
    consumption_meter: SimulatedMeter,
) -> EnedisSimulator:
    """Enedis Data Connect serving both fixture meters, its clock at `NOW`."""
    return await enedis_api_factory(
        [meter, consumption_meter],
        client_id="app-id",
        client_secret="s3cr3t-value",
        now=lambda: NOW,
    )


@dataclass
class Trace:
    """What a traced session sent: start times (loop clock), methods, URLs and headers."""

    times: list[float] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
async def traced_session() -> AsyncIterator[tuple[aiohttp.ClientSession, Trace]]:
    """An `aiohttp.ClientSession` recording every request it starts."""
    trace = Trace()

    async def on_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        trace.times.append(asyncio.get_running_loop().time())
        trace.methods.append(params.method)
        trace.urls.append(str(params.url))
        trace.headers.append(dict(params.headers))

    config = aiohttp.TraceConfig()
    config.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[config]) as session:
        yield session, trace
