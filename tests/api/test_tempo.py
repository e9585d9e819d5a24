"""TempoClient and Tempo answers: seasons, fallback days, errors, against the fake RTE server."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import aiohttp
import pytest

from custom_components.linky.api import (
    RTE_TEMPO_URL,
    BadRequestError,
    LinkyConnectionError,
    LinkyError,
    RateLimitError,
    ServerError,
    TempoClient,
    tempo_season,
)
from custom_components.linky.api.const import DEFAULT_USER_AGENT
from custom_components.linky.api.tempo import parse_tempo_values
from linky_simulator import TempoSimulator

from .conftest import Trace

FIXTURES = Path(__file__).parent.parent / "fixtures" / "api"
BEFORE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 Paris: tomorrow not published
AFTER = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 11:00 Paris: tomorrow published


@pytest.fixture
async def rte(request: pytest.FixtureRequest) -> AsyncIterator[TempoSimulator]:
    """The fake RTE server on 127.0.0.1, its clock at `AFTER` (set `.now` to change it)."""
    if request.config.pluginmanager.has_plugin("socket"):
        request.getfixturevalue("socket_enabled")
    simulator = TempoSimulator(now=lambda: AFTER, max_per_second=None)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


# --- seasons and bodies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "season"),
    [
        (date(2025, 9, 1), "2025-2026"),
        (date(2026, 1, 15), "2025-2026"),
        (date(2026, 8, 31), "2025-2026"),
        (date(2026, 9, 1), "2026-2027"),
        (date(2025, 8, 31), "2024-2025"),
    ],
)
def test_season_runs_from_september_to_august(day: date, season: str) -> None:
    assert tempo_season(day) == season


def test_light_body_fallback_days_are_not_final() -> None:
    values = parse_tempo_values((FIXTURES / "tempo_light.json").read_text())

    assert values == {
        date(2026, 11, 30): "blue",
        date(2026, 12, 1): "white",
        date(2026, 12, 2): None,
    }


def test_season_body() -> None:
    values = parse_tempo_values((FIXTURES / "tempo_season.json").read_text())

    assert values[date(2026, 1, 6)] == values[date(2026, 1, 7)] == "red"
    assert values[date(2025, 11, 20)] == "white"
    assert len(values) == 5


def test_fallback_may_be_a_boolean_and_unknown_names_are_not_final() -> None:
    body = (
        '{"values": {"2026-12-01": "RED", "2026-12-01-fallback": true,'
        ' "2026-12-02": "NON_DEFINI", "2026-12-03": "Blue", "2026-12-03-fallback": false}}'
    )

    assert parse_tempo_values(body) == {
        date(2026, 12, 1): None,
        date(2026, 12, 2): None,
        date(2026, 12, 3): "blue",
    }


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", LinkyConnectionError),
        ('{"values": {"2026-12-01": "BL', LinkyConnectionError),
        ("<html><body>maintenance</body></html>", LinkyConnectionError),
        ("[]", ServerError),
        ('{"values": []}', ServerError),
        ('{"other": {}}', ServerError),
        ('{"values": {"tomorrow": "BLUE"}}', ServerError),
        ('{"values": {"2026-02-30": "BLUE"}}', ServerError),
        ('{"values": {"2026-12-01": 3}}', ServerError),
        ('{"values": {"2026-12-01": "BLUE", "2026-12-01-fallback": "maybe"}}', ServerError),
        ('{"values": {"2026-12-01-fallback": null}}', ServerError),
    ],
)
def test_unusable_bodies_raise_api_errors(text: str, error: type[LinkyError]) -> None:
    with pytest.raises(error):
        parse_tempo_values(text)


# --- against the fake server ---------------------------------------------------------------


def test_default_url() -> None:
    assert (
        TempoClient().base_url == RTE_TEMPO_URL == "https://www.services-rte.com/cms/open_data/v1"
    )


async def test_light_before_and_after_publication(
    rte: TempoSimulator, session: aiohttp.ClientSession
) -> None:
    client = TempoClient(session=session, base_url=rte.base_url)
    rte.now = lambda: BEFORE
    before = await client.get_light()
    rte.now = lambda: AFTER
    after = await client.get_light()

    yesterday, today, tomorrow = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)
    assert before == {yesterday: rte.colour(yesterday), today: rte.colour(today), tomorrow: None}
    assert after == {day: rte.colour(day) for day in (yesterday, today, tomorrow)}
    assert client.requests_count == 2
    assert [r.path for r in rte.requests] == ["/cms/open_data/v1/tempoLight"] * 2


async def test_season_is_one_request(rte: TempoSimulator, session: aiohttp.ClientSession) -> None:
    client = TempoClient(session=session, base_url=rte.base_url)

    past = await client.get_season("2025-2026")
    current = await client.get_season("2026-2027")

    assert len(past) == 365
    assert past[date(2026, 1, 6)] == rte.colour(date(2026, 1, 6))
    assert set(past.values()) == {"blue", "white", "red"}
    assert min(current) == date(2026, 9, 1)
    assert max(current) == date(2026, 12, 2)
    assert [(r.type, r.start) for r in rte.requests] == [
        ("tempo", "2025-2026"),
        ("tempo", "2026-2027"),
    ]


@pytest.mark.parametrize("season", ["2025", "2025-2027", "2026-2025", "25-26"])
async def test_malformed_season_is_refused_before_sending(season: str) -> None:
    client = TempoClient()
    with pytest.raises(ValueError, match="season"):
        await client.get_season(season)
    assert client.requests_count == 0


async def test_user_agent_gate_and_own_session(
    rte: TempoSimulator, traced_session: tuple[aiohttp.ClientSession, Trace]
) -> None:
    session, trace = traced_session
    calls: list[str] = []

    async def gate() -> None:
        calls.append("gate")

    client = TempoClient(session=session, base_url=rte.base_url, request_gate=gate)
    await client.get_light()
    await client.get_season("2026-2027")

    assert calls == ["gate", "gate"]
    assert all(headers["User-Agent"] == DEFAULT_USER_AGENT for headers in trace.headers)
    assert trace.urls[1] == f"{rte.base_url}/tempo?season=2026-2027"
    async with TempoClient(base_url=rte.base_url) as own:
        assert len(await own.get_light()) == 3
    assert not session.closed


async def test_refusing_gate_sends_nothing(rte: TempoSimulator) -> None:
    async def gate() -> None:
        raise RateLimitError("budget")

    client = TempoClient(base_url=rte.base_url, request_gate=gate)
    with pytest.raises(RateLimitError, match="budget"):
        await client.get_light()
    assert rte.requests == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(500, ServerError), (503, ServerError), (429, RateLimitError), (400, BadRequestError)],
)
async def test_http_errors_map_to_api_errors(
    rte: TempoSimulator, session: aiohttp.ClientSession, status: int, error: type[LinkyError]
) -> None:
    rte.fail_next(status, {"error": "nope"})
    client = TempoClient(session=session, base_url=rte.base_url)

    with pytest.raises(error):
        await client.get_light()
    assert client.errors_count == 1
    assert len(await client.get_light()) == 3


@pytest.mark.parametrize("mode", ["truncated", "invalid", "drop"])
async def test_broken_answers_are_connection_errors(
    rte: TempoSimulator, session: aiohttp.ClientSession, mode: str
) -> None:
    rte.break_next(mode)  # type: ignore[arg-type]
    client = TempoClient(session=session, base_url=rte.base_url)

    with pytest.raises(LinkyConnectionError):
        await client.get_season("2026-2027")


async def test_rate_limit_and_timeout(rte: TempoSimulator, session: aiohttp.ClientSession) -> None:
    rte.rate_limit()
    client = TempoClient(session=session, base_url=rte.base_url, timeout=0.2)
    with pytest.raises(RateLimitError):
        await client.get_light()

    rte.delay = 2.0
    with pytest.raises(LinkyConnectionError, match="Timeout"):
        await client.get_light()
    assert client.errors_count == 2
