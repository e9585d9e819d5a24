"""The fake Tempo servers: the calendar's rules, publication at 10:40 Paris, late days, and
api-couleur-tempo.fr's routes over the same calendar (codeJour 0 unpublished, 404 out of range)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from linky_simulator import PARIS, TempoSimulator, tempo_calendar
from linky_simulator.__main__ import parser, serve


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


DAY = date(2026, 12, 1)


@pytest.fixture
async def rte(socket_enabled: None) -> AsyncIterator[TempoSimulator]:
    simulator = TempoSimulator(now=lambda: paris(DAY, 12), max_per_second=None)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def get(
    session: aiohttp.ClientSession, sim: TempoSimulator, path: str, **params: str
) -> tuple[int, Any]:
    async with session.get(f"{sim.base_url}/{path}", params=params) as resp:
        text = await resp.text()
        return resp.status, json.loads(text) if "json" in resp.content_type else text


def rte_values(sim: TempoSimulator, *days: date) -> dict[str, str]:
    values: dict[str, str] = {}
    for day in days:
        values[day.isoformat()] = sim.colour(day).upper()
        values[f"{day.isoformat()}-fallback"] = "false"
    return values


# --- the calendar --------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "seed"), [(2024, 0), (2025, 0), (2026, 7), (2027, 2026)])
def test_calendar_follows_rte_rules(year: int, seed: int) -> None:
    calendar = tempo_calendar(year, seed)

    assert min(calendar) == date(year, 9, 1)
    assert max(calendar) == date(year + 1, 8, 31)
    assert len(calendar) == (date(year + 1, 9, 1) - date(year, 9, 1)).days
    counts = Counter(calendar.values())
    assert (counts["red"], counts["white"]) == (22, 43)
    reds = [day for day, colour in calendar.items() if colour == "red"]
    assert all(date(year, 11, 1) <= day <= date(year + 1, 3, 31) for day in reds)
    assert all(day.weekday() < 5 for day in reds)
    assert all(colour == "blue" for day, colour in calendar.items() if day.weekday() == 6)


def test_calendar_is_deterministic_per_seed() -> None:
    assert tempo_calendar(2026, 1) == tempo_calendar(2026, 1)
    assert tempo_calendar(2026, 1) != tempo_calendar(2026, 2)


def test_colour_is_the_default_calendar_unless_overridden() -> None:
    sim = TempoSimulator({date(2026, 12, 5): "red"}, seed=3)
    default = tempo_calendar(2026, 3)

    assert sim.colour(date(2026, 12, 5)) == "red"
    assert sim.colour(date(2026, 12, 4)) == default[date(2026, 12, 4)]
    assert sim.colour(date(2025, 1, 2)) == tempo_calendar(2024, 3)[date(2025, 1, 2)]


def test_publication_is_the_day_before_at_10_40_paris() -> None:
    sim = TempoSimulator(late_days={date(2026, 7, 2): paris(date(2026, 7, 2), 9)})

    assert sim.publication_time(DAY) == paris(date(2026, 11, 30), 10, 40)
    assert sim.publication_time(date(2026, 7, 1)).astimezone(UTC) == datetime(
        2026, 6, 30, 8, 40, tzinfo=UTC
    )
    assert sim.publication_time(date(2026, 7, 2)) == paris(date(2026, 7, 2), 9)


# --- tempoLight ----------------------------------------------------------------------------


async def test_light_lists_tomorrow_as_fallback_until_10_40(
    rte: TempoSimulator, session: aiohttp.ClientSession
) -> None:
    yesterday, tomorrow = DAY - timedelta(days=1), DAY + timedelta(days=1)
    rte.now = lambda: paris(DAY, 10, 39)
    status, before = await get(session, rte, "tempoLight")
    rte.now = lambda: paris(DAY, 10, 40)
    _, after = await get(session, rte, "tempoLight")

    assert status == 200
    assert before == {
        "values": {
            **rte_values(rte, yesterday, DAY),
            tomorrow.isoformat(): "BLUE",
            f"{tomorrow.isoformat()}-fallback": "true",
        }
    }
    assert after == {"values": rte_values(rte, yesterday, DAY, tomorrow)}


async def test_light_can_leave_unpublished_days_out(
    rte: TempoSimulator, session: aiohttp.ClientSession
) -> None:
    rte.fallback_unpublished = False
    rte.now = lambda: paris(DAY, 8)

    _, body = await get(session, rte, "tempoLight")

    assert body == {"values": rte_values(rte, DAY - timedelta(days=1), DAY)}


async def test_a_late_day_is_published_when_it_says(
    rte: TempoSimulator, session: aiohttp.ClientSession
) -> None:
    tomorrow = DAY + timedelta(days=1)
    rte.late_days[tomorrow] = paris(DAY, 15)
    rte.now = lambda: paris(DAY, 14, 59)
    _, late = await get(session, rte, "tempoLight")
    rte.now = lambda: paris(DAY, 15)
    _, published = await get(session, rte, "tempoLight")

    assert late["values"][f"{tomorrow.isoformat()}-fallback"] == "true"
    assert published["values"][tomorrow.isoformat()] == rte.colour(tomorrow).upper()
    assert published["values"][f"{tomorrow.isoformat()}-fallback"] == "false"


# --- seasons -------------------------------------------------------------------------------


async def test_season_lists_published_days(
    rte: TempoSimulator, session: aiohttp.ClientSession
) -> None:
    rte.now = lambda: paris(DAY, 9)
    _, morning = await get(session, rte, "tempo", season="2026-2027")
    rte.now = lambda: paris(DAY, 11)
    _, noon = await get(session, rte, "tempo", season="2026-2027")
    _, past = await get(session, rte, "tempo", season="2025-2026")
    _, future = await get(session, rte, "tempo", season="2027-2028")

    days = sorted(key for key in morning["values"] if not key.endswith("-fallback"))
    assert (days[0], days[-1], len(days)) == ("2026-09-01", "2026-12-01", 92)
    assert set(noon["values"]) - set(morning["values"]) == {"2026-12-02", "2026-12-02-fallback"}
    assert len(past["values"]) == 2 * 365
    assert past["values"]["2026-01-06"] == rte.colour(date(2026, 1, 6)).upper()
    assert future == {"values": {}}
    assert [(r.type, r.start) for r in rte.requests] == [
        ("tempo", "2026-2027"),
        ("tempo", "2026-2027"),
        ("tempo", "2025-2026"),
        ("tempo", "2027-2028"),
    ]


@pytest.mark.parametrize("params", [{}, {"season": "2026"}, {"season": "2026-2028"}])
async def test_bad_season_is_400(
    rte: TempoSimulator, session: aiohttp.ClientSession, params: dict[str, str]
) -> None:
    status, _ = await get(session, rte, "tempo", **params)
    assert status == 400


# --- faults and log ------------------------------------------------------------------------


async def test_faults_quota_and_log(rte: TempoSimulator, session: aiohttp.ClientSession) -> None:
    rte.fail_next(503, "down", content_type="text/plain", type="tempo")
    rte.rate_limit()

    light_status, _ = await get(session, rte, "tempoLight")
    season_status, _ = await get(session, rte, "tempo", season="2026-2027")
    ok_status, _ = await get(session, rte, "tempoLight")
    async with session.get(f"{rte.root_url}/_simulator/requests") as resp:
        log = await resp.json()

    assert (light_status, season_status, ok_status) == (429, 503, 200)
    assert rte.count("tempoLight") == 2
    assert rte.count(status=200) == 1
    assert [entry["path"] for entry in log] == [
        "/cms/open_data/v1/tempoLight",
        "/cms/open_data/v1/tempo",
        "/cms/open_data/v1/tempoLight",
    ]


async def test_break_next_cuts_the_answer(
    rte: TempoSimulator, session: aiohttp.ClientSession
) -> None:
    rte.break_next("invalid")
    async with session.get(f"{rte.base_url}/tempoLight") as resp:
        text = await resp.text()
    with pytest.raises(ValueError, match=r"Unterminated|Expecting"):
        json.loads(text)


# --- api-couleur-tempo.fr ------------------------------------------------------------------

CODES = {"blue": 1, "white": 2, "red": 3}
LABELS = {"blue": "Bleu", "white": "Blanc", "red": "Rouge"}


def couleur_row(sim: TempoSimulator, day: date, *, published: bool = True) -> dict[str, Any]:
    colour = sim.colour(day)
    return {
        "dateJour": day.isoformat(),
        "codeJour": CODES[colour] if published else 0,
        "periode": "2026-2027" if day >= date(2026, 9, 1) else "2025-2026",
        "libCouleur": LABELS[colour] if published else "Inconnu",
    }


async def couleur_get(
    session: aiohttp.ClientSession, sim: TempoSimulator, path: str, params: Any = None
) -> tuple[int, Any]:
    async with session.get(f"{sim.couleur_url}/{path}", params=params) as resp:
        text = await resp.text()
        return resp.status, json.loads(text) if "json" in resp.content_type else text


async def test_couleur_today_tomorrow_and_a_date(
    rte: TempoSimulator, session: aiohttp.ClientSession
) -> None:
    tomorrow = DAY + timedelta(days=1)
    rte.now = lambda: paris(DAY, 10, 39)
    today_status, today = await couleur_get(session, rte, "jourTempo/today")
    _, before = await couleur_get(session, rte, "jourTempo/tomorrow")
    rte.now = lambda: paris(DAY, 10, 40)
    _, after = await couleur_get(session, rte, "jourTempo/tomorrow")
    _, dated = await couleur_get(session, rte, "jourTempo/2026-01-06")

    assert today_status == 200
    assert today == couleur_row(rte, DAY)
    assert before == couleur_row(rte, tomorrow, published=False)  # codeJour 0, "Inconnu"
    assert after == couleur_row(rte, tomorrow)
    assert dated == couleur_row(rte, date(2026, 1, 6))
    assert [(r.type, r.start, r.path) for r in rte.requests] == [
        ("jourTempo", "today", "/api/jourTempo/today"),
        ("jourTempo", "tomorrow", "/api/jourTempo/tomorrow"),
        ("jourTempo", "tomorrow", "/api/jourTempo/tomorrow"),
        ("jourTempo", "2026-01-06", "/api/jourTempo/2026-01-06"),
    ]


@pytest.mark.parametrize("day", ["2017-08-31", "2026-12-04", "yesterday", "2026-02-30"])
async def test_couleur_day_not_held_is_404(
    rte: TempoSimulator, session: aiohttp.ClientSession, day: str
) -> None:
    async with session.get(f"{rte.couleur_url}/jourTempo/{day}") as resp:
        assert resp.status == 404
        assert resp.content_type == "application/problem+json"
        assert (await resp.json(content_type=None))["detail"] == "Not Found"


async def test_couleur_holds_up_to_the_day_after_tomorrow_from_its_first_day(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    sim = TempoSimulator(now=lambda: paris(DAY, 12), couleur_first_day=date(2026, 11, 29))
    async with sim:
        _, rows = await couleur_get(session, sim, "joursTempo")

    first, last = date(2026, 11, 29), DAY + timedelta(days=2)
    assert rows == [
        couleur_row(sim, first),
        couleur_row(sim, first + timedelta(days=1)),
        couleur_row(sim, DAY),
        couleur_row(sim, DAY + timedelta(days=1)),  # published at 10:40
        couleur_row(sim, last, published=False),
    ]


async def test_couleur_many_days_and_seasons(
    rte: TempoSimulator, session: aiohttp.ClientSession
) -> None:
    asked = [("dateJour[]", d) for d in ("2026-12-02", "2026-01-06", "2030-01-01", "2026-12-02")]
    _, days = await couleur_get(session, rte, "joursTempo", asked)
    _, one = await couleur_get(session, rte, "joursTempo", {"dateJour": "2026-12-01"})
    _, past = await couleur_get(session, rte, "joursTempo", {"periode": "2025-2026"})
    _, current = await couleur_get(session, rte, "joursTempo", [("periode[]", "2026-2027")])
    _, nothing = await couleur_get(session, rte, "joursTempo", {"periode": "2026"})

    tomorrow = DAY + timedelta(days=1)
    assert days == [couleur_row(rte, date(2026, 1, 6)), couleur_row(rte, tomorrow)]  # in order
    assert one == [couleur_row(rte, DAY)]
    assert len(past) == 365
    assert past[0] == couleur_row(rte, date(2025, 9, 1))
    assert past[-1] == couleur_row(rte, date(2026, 8, 31))
    # 1 September to the day after tomorrow: 30 + 31 + 30 + 3 days
    assert len(current) == 94
    assert current[-1] == couleur_row(rte, DAY + timedelta(days=2), published=False)
    assert nothing == []
    assert [r.start for r in rte.requests] == [
        "2026-12-02,2026-01-06,2030-01-01,2026-12-02",
        "2026-12-01",
        "2025-2026",
        "2026-2027",
        "2026",
    ]


async def test_couleur_faults_quota_and_breaks(
    rte: TempoSimulator, session: aiohttp.ClientSession
) -> None:
    rte.fail_next(429, "Too Many Requests", content_type="text/plain", type="joursTempo")
    rte.fail_next(500, {"error": "down"})  # no type: whichever route comes first
    rte.rate_limit()

    light_status, _ = await get(session, rte, "tempoLight")  # the shared fault: RTE's route
    days_status, _ = await couleur_get(session, rte, "joursTempo", {"periode": "2026-2027"})
    quota_status, _ = await couleur_get(session, rte, "jourTempo/today")
    ok_status, _ = await couleur_get(session, rte, "jourTempo/today")
    rte.break_next("invalid", type="jourTempo")
    async with session.get(f"{rte.couleur_url}/jourTempo/today") as resp:
        text = await resp.text()

    assert (light_status, days_status, quota_status, ok_status) == (500, 429, 429, 200)
    with pytest.raises(ValueError, match=r"Unterminated|Expecting"):
        json.loads(text)
    assert rte.count("jourTempo") == 3
    assert rte.count("joursTempo", status=429) == 1


@pytest.mark.usefixtures("socket_enabled")
async def test_main_serves_the_demo_calendar(capsys: pytest.CaptureFixture[str]) -> None:
    stop = asyncio.Event()
    args = parser().parse_args(["--port", "0", "--tempo-port", "0", "--json"])
    task = asyncio.create_task(serve(args, stop))
    for _ in range(100):
        out = capsys.readouterr().out
        if out:
            break
        await asyncio.sleep(0.02)
    details = json.loads(out)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{details['tempo_url']}/tempoLight") as resp,
    ):
        assert resp.status == 200
        assert len((await resp.json())["values"]) in (4, 6)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{details['tempo_fallback_url']}/jourTempo/today") as resp,
    ):
        assert resp.status == 200
        assert (await resp.json())["codeJour"] in (1, 2, 3)
    stop.set()
    await task
