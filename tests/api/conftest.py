"""Fixtures of the client tests: simulators on a fixed clock, tokens, request tracing.

Self-contained, so the client library's tests also run on their own, as they will beside the
library once it is published (`linky-client`, see custom_components/linky/api/pyproject.toml):

    python -m pytest tests/api -p no:homeassistant --confcutdir=tests/api

Run that way (neither Home Assistant's test plugin nor tests/conftest.py loaded), `homeassistant`
is made unimportable and `custom_components.linky` is a bare package (its `__init__`, which is
Home Assistant glue, is not run), so any dependency of the library or of these tests on Home
Assistant or on the integration fails the run. In the full run both are already imported and
nothing here changes; the fixtures below then override the identical ones of tests/conftest.py.
"""

import asyncio
import importlib.machinery
import importlib.util
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from linky_simulator import ConsoApiSimulator, EnedisSimulator, SimulatedMeter

INTEGRATION_DIR = Path(__file__).parents[2] / "custom_components" / "linky"


def _without_home_assistant() -> bool:
    """Standalone run: block `homeassistant`; make `custom_components.linky` a bare package.

    True if done; False in the full run (Home Assistant's plugin or tests/conftest.py came first).
    """
    if "homeassistant" in sys.modules or "custom_components.linky" in sys.modules:
        return False
    sys.modules["homeassistant"] = None  # `import homeassistant…` now raises ImportError
    spec = importlib.machinery.ModuleSpec("custom_components.linky", None, is_package=True)
    package = importlib.util.module_from_spec(spec)
    package.__path__ = [str(INTEGRATION_DIR)]
    sys.modules["custom_components.linky"] = package
    return True


STANDALONE = _without_home_assistant()
"""The client's tests run on their own (see the module docstring)."""

CONSUMPTION_PRM = "11111111111111"  # the `meter` fixture: consumption and production
CONSUMPTION_ONLY_PRM = "22222222222222"  # the `consumption_meter` fixture
UNKNOWN_PRM = "99999999999999"  # served by no simulator

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
"""The simulators' clock: every day up to 2026-11-22 is published."""


@pytest.fixture
def meter() -> SimulatedMeter:
    """A meter measuring consumption and production (`CONSUMPTION_PRM`), seed 1."""
    return SimulatedMeter(CONSUMPTION_PRM, seed=1, production=True, first_day=date(2021, 1, 1))


@pytest.fixture
def consumption_meter() -> SimulatedMeter:
    """A consumption-only meter (`CONSUMPTION_ONLY_PRM`), seed 2."""
    return SimulatedMeter(CONSUMPTION_ONLY_PRM, seed=2, first_day=date(2021, 1, 1))


@asynccontextmanager
async def _simulators[S: (ConsoApiSimulator, EnedisSimulator)](
    request: pytest.FixtureRequest, simulator_class: type[S]
) -> AsyncIterator[Callable[..., Awaitable[S]]]:
    """Give a `start(meters, **kwargs)` that starts simulators; all stopped on the way out.

    Where pytest-socket is active (always with Home Assistant's plugin), sockets are enabled for
    the test; it still only lets it reach 127.0.0.1.
    """
    if request.config.pluginmanager.has_plugin("socket"):
        request.getfixturevalue("socket_enabled")
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
    request: pytest.FixtureRequest,
) -> AsyncIterator[Callable[..., Awaitable[ConsoApiSimulator]]]:
    """Start `ConsoApiSimulator(meters, **kwargs)` on 127.0.0.1; all stopped at teardown."""
    async with _simulators(request, ConsoApiSimulator) as start:
        yield start


@pytest.fixture
async def enedis_api_factory(
    request: pytest.FixtureRequest,
) -> AsyncIterator[Callable[..., Awaitable[EnedisSimulator]]]:
    """Start `EnedisSimulator(meters, **kwargs)` on 127.0.0.1; all stopped at teardown."""
    async with _simulators(request, EnedisSimulator) as start:
        yield start


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
