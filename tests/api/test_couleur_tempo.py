"""CouleurTempoClient and api-couleur-tempo.fr answers: codes, days it does not hold, errors."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import aiohttp
import pytest

from custom_components.linky.api import (
    COULEUR_TEMPO_URL,
    AccessBlockedError,
    CouleurTempoClient,
    LinkyConnectionError,
    LinkyError,
    NoDataError,
    RateLimitError,
    ServerError,
)
from custom_components.linky.api.const import DEFAULT_USER_AGENT
from custom_components.linky.api.tempo import parse_tempo_days
from linky_simulator import TempoSimulator

from .conftest import Trace

BEFORE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 Paris: tomorrow not published
AFTER = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 11:00 Paris: tomorrow published
TODAY = date(2026, 12, 1)
TOMORROW = date(2026, 12, 2)


@pytest.fixture
async def couleur(request: pytest.FixtureRequest) -> AsyncIterator[TempoSimulator]:
    """The fake server on 127.0.0.1, its clock at `AFTER` (set `.now` to change it)."""
    if request.config.pluginmanager.has_plugin("socket"):
        request.getfixturevalue("socket_enabled")
    simulator = TempoSimulator(now=lambda: AFTER, max_per_second=None)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def client(couleur: TempoSimulator) -> AsyncIterator[CouleurTempoClient]:
    async with CouleurTempoClient(base_url=couleur.couleur_url) as client:
        yield client


# --- bodies --------------------------------------------------------------------------------


def test_one_day_a_list_and_the_json_ld_list() -> None:
    one = '{"dateJour": "2026-12-01", "codeJour": 3, "periode": "2026-2027", "libCouleur": "Rouge"}'
    many = (
        '[{"dateJour": "2026-11-30", "codeJour": 1}, {"dateJour": "2026-12-01", "codeJour": 2},'
        ' {"dateJour": "2026-12-02", "codeJour": 0}]'
    )
    linked = (
        '{"@context": "/api/contexts/JourTempo",'
        ' "hydra:member": [{"dateJour": "2026-12-01", "codeJour": 1}]}'
    )

    assert parse_tempo_days(one) == {TODAY: "red"}
    assert parse_tempo_days(many) == {date(2026, 11, 30): "blue", TODAY: "white", TOMORROW: None}
    assert parse_tempo_days(linked) == {TODAY: "blue"}
    assert parse_tempo_days("[]") == {}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", LinkyConnectionError),
        ('[{"dateJour": "2026-12-01", "codeJour": 1', LinkyConnectionError),
        ("<html><body>maintenance</body></html>", LinkyConnectionError),
        ("[1]", ServerError),
        ('"today"', ServerError),
        ('{"dateJour": "2026-12-01"}', ServerError),
        ('{"dateJour": "2026-12-01", "codeJour": 4}', ServerError),
        ('{"dateJour": "2026-12-01", "codeJour": -1}', ServerError),
        ('{"dateJour": "2026-12-01", "codeJour": "1"}', ServerError),
        ('{"dateJour": "2026-12-01", "codeJour": true}', ServerError),
        ('{"dateJour": "2026-12-01", "codeJour": 1.0}', ServerError),
        ('{"dateJour": "2026-12-01", "codeJour": [1]}', ServerError),
        ('{"dateJour": "tomorrow", "codeJour": 1}', ServerError),
        ('{"dateJour": "2026-02-30", "codeJour": 1}', ServerError),
        ('{"dateJour": 20261201, "codeJour": 1}', ServerError),
        ('{"hydra:member": "none"}', ServerError),
    ],
)
def test_unusable_bodies_raise_api_errors(text: str, error: type[LinkyError]) -> None:
    with pytest.raises(error):
        parse_tempo_days(text)


# --- against the fake server ---------------------------------------------------------------


def test_default_url() -> None:
    assert (
        CouleurTempoClient().base_url == COULEUR_TEMPO_URL == "https://www.api-couleur-tempo.fr/api"
    )


async def test_today_and_tomorrow_before_and_after_publication(
    couleur: TempoSimulator, client: CouleurTempoClient
) -> None:
    couleur.now = lambda: BEFORE
    today, before = await client.get_today(), await client.get_tomorrow()
    couleur.now = lambda: AFTER
    after = await client.get_tomorrow()

    assert today == {TODAY: couleur.colour(TODAY)}
    assert before == {TOMORROW: None}  # codeJour 0: not published yet, never a guess
    assert after == {TOMORROW: couleur.colour(TOMORROW)}
    assert [r.path for r in couleur.requests] == [
        "/api/jourTempo/today",
        "/api/jourTempo/tomorrow",
        "/api/jourTempo/tomorrow",
    ]


async def test_a_day_it_does_not_hold_is_no_data(
    couleur: TempoSimulator, client: CouleurTempoClient
) -> None:
    first = date(2017, 9, 1)  # the first day it holds

    assert await client.get_day(first) == {first: couleur.colour(first)}
    assert await client.get_day(date(2026, 12, 3)) == {date(2026, 12, 3): None}  # held, unknown
    for day in (date(2017, 8, 31), date(2026, 12, 4)):  # before it; after the day after tomorrow
        with pytest.raises(NoDataError):
            await client.get_day(day)
    assert [r.status for r in couleur.requests] == [200, 200, 404, 404]
    assert client.errors_count == 2


async def test_many_days_are_one_request(
    couleur: TempoSimulator, traced_session: tuple[aiohttp.ClientSession, Trace]
) -> None:
    session, trace = traced_session
    client = CouleurTempoClient(session=session, base_url=couleur.couleur_url)
    days = [TOMORROW, date(2026, 1, 6), date(2030, 1, 1), date(2026, 12, 3), TOMORROW]

    colours = await client.get_days(days)

    assert colours == {
        date(2026, 1, 6): couleur.colour(date(2026, 1, 6)),
        TOMORROW: couleur.colour(TOMORROW),
        date(2026, 12, 3): None,  # the day after tomorrow: held, codeJour 0
    }  # 2030-01-01 is not held: left out
    assert trace.urls == [
        f"{couleur.couleur_url}/joursTempo?dateJour%5B%5D=2026-01-06&dateJour%5B%5D=2026-12-02"
        "&dateJour%5B%5D=2026-12-03&dateJour%5B%5D=2030-01-01"
    ]
    assert trace.headers[0]["User-Agent"] == DEFAULT_USER_AGENT
    assert await client.get_days([]) == {}
    assert client.requests_count == 1


async def test_a_season_is_one_request(couleur: TempoSimulator, client: CouleurTempoClient) -> None:
    past = await client.get_season("2025-2026")
    current = await client.get_season("2026-2027")

    assert len(past) == 365
    assert past == {day: couleur.colour(day) for day in past}
    assert (min(past), max(past)) == (date(2025, 9, 1), date(2026, 8, 31))
    # 1 September to the day after tomorrow: 30 + 31 + 30 + 3 days, the last one unknown
    assert (min(current), max(current), len(current)) == (date(2026, 9, 1), date(2026, 12, 3), 94)
    assert current[date(2026, 12, 3)] is None
    assert current[TOMORROW] == couleur.colour(TOMORROW)
    assert [(r.type, r.start) for r in couleur.requests] == [
        ("joursTempo", "2025-2026"),
        ("joursTempo", "2026-2027"),
    ]


@pytest.mark.parametrize("season", ["2025", "2025-2027", "26-27"])
async def test_malformed_season_is_refused_before_sending(season: str) -> None:
    client = CouleurTempoClient()
    with pytest.raises(ValueError, match="season"):
        await client.get_season(season)
    assert client.requests_count == 0


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error"),
    [
        (500, {"title": "An error occurred"}, "application/problem+json", ServerError),
        (503, "<html>maintenance</html>", "text/html", ServerError),
        (403, "<html>Forbidden</html>", "text/html", AccessBlockedError),
        (429, "Too Many Requests", "text/plain", RateLimitError),
    ],
)
async def test_http_errors_map_to_api_errors(  # noqa: PLR0917
    couleur: TempoSimulator,
    client: CouleurTempoClient,
    status: int,
    body: str | dict[str, str],
    content_type: str,
    error: type[LinkyError],
) -> None:
    couleur.fail_next(status, body, content_type=content_type, type="joursTempo")

    with pytest.raises(error):
        await client.get_days([TODAY])
    assert await client.get_days([TODAY]) == {TODAY: couleur.colour(TODAY)}
    assert client.errors_count == 1


async def test_rate_limit_with_retry_after(
    couleur: TempoSimulator, client: CouleurTempoClient
) -> None:
    couleur.fail_next(429, "", headers={"Retry-After": "120"}, type="jourTempo")

    with pytest.raises(RateLimitError) as caught:
        await client.get_today()
    assert caught.value.retry_after is not None


@pytest.mark.parametrize("mode", ["truncated", "invalid", "drop"])
async def test_broken_answers_are_connection_errors(
    couleur: TempoSimulator, client: CouleurTempoClient, mode: str
) -> None:
    couleur.break_next(mode, type="joursTempo")  # type: ignore[arg-type]

    with pytest.raises(LinkyConnectionError):
        await client.get_season("2026-2027")


async def test_timeout(couleur: TempoSimulator) -> None:
    couleur.delay = 2.0
    async with CouleurTempoClient(base_url=couleur.couleur_url, timeout=0.2) as client:
        with pytest.raises(LinkyConnectionError, match="Timeout"):
            await client.get_tomorrow()
