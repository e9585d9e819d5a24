"""The colour service's fallback (api-couleur-tempo.fr) when RTE fails: same days, same budget.

One fake server serves both route sets over one calendar: RTE's request types "tempoLight" and
"tempo", the fallback's "jourTempo" and "joursTempo" (the days or the season asked in `start`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.linky import tempo_colours
from custom_components.linky.api import COULEUR_TEMPO_URL, RTE_TEMPO_URL
from custom_components.linky.const import PARIS
from custom_components.linky.tempo_colours import (
    STORAGE_KEY,
    TempoColours,
    async_get_tempo_colours,
    source_key,
)
from linky_simulator import TempoSimulator
from tests.integration_helpers import paris
from tests.test_tempo_colours import days, run_until

DAY = date(2026, 12, 1)
FIRST_DAY = date(2024, 10, 1)
UNREACHABLE = "http://127.0.0.1:9/cms/open_data/v1"  # nothing listens: connection refused
BAN = ("<html><body>Access denied</body></html>", "text/html")


@pytest.fixture
async def rte(socket_enabled: None) -> AsyncIterator[TempoSimulator]:
    """Both fake sources on one server; its clock is the (frozen) test clock."""
    simulator = TempoSimulator(seed=5, max_per_second=None)
    await simulator.start()
    yield simulator
    await simulator.stop()


def rte_down(rte: TempoSimulator, status: int = 403) -> None:
    """RTE answers every request with `status` (403: its HTML ban page) for the whole test."""
    body, content_type = BAN if status == 403 else ({"error": "down"}, "application/json")
    for kind in ("tempoLight", "tempo"):
        rte.fail_next(status, body, content_type=content_type, times=1000, type=kind)


async def start(hass: HomeAssistant, rte_url: str, rte: TempoSimulator) -> TempoColours:
    colours = await async_get_tempo_colours(hass, rte_url, rte.couleur_url)
    await hass.async_block_till_done(wait_background_tasks=True)
    return colours


def times(rte: TempoSimulator, kind: str) -> list[str]:
    """Paris "day hour:minute" of each request of a type."""
    return [r.time.astimezone(PARIS).strftime("%d %H:%M") for r in rte.requests if r.type == kind]


def asked(rte: TempoSimulator, kind: str = "joursTempo") -> list[str | None]:
    return [r.start for r in rte.requests if r.type == kind]


def test_the_default_fallback_keeps_the_store_section_of_the_source() -> None:
    assert source_key(RTE_TEMPO_URL) == source_key(RTE_TEMPO_URL, COULEUR_TEMPO_URL)
    assert source_key(RTE_TEMPO_URL) == RTE_TEMPO_URL  # colours stored before the fallback
    assert source_key("http://a/v1", "http://b/api") == "http://a/v1 http://b/api"


@pytest.mark.parametrize("failure", ["ban", "server error", "unreachable"])
async def test_rte_down_colours_come_from_the_fallback_within_budget(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    rte: TempoSimulator,
    caplog: pytest.LogCaptureFixture,
    failure: str,
) -> None:
    """Today at start-up, tomorrow at 12:30 (the fallback is final from 12:00): one a day."""
    caplog.set_level(logging.INFO, logger=tempo_colours.__name__)
    if failure != "unreachable":
        rte_down(rte, 403 if failure == "ban" else 500)
    freezer.move_to(paris(DAY, 8))
    colours = await start(hass, UNREACHABLE if failure == "unreachable" else rte.base_url, rte)
    assert colours.colour_of(DAY) == rte.colour(DAY)
    changed: list[date] = []
    colours.async_add_listener(changed.append)

    await run_until(hass, freezer, paris(DAY + timedelta(days=3)))

    # RTE: at start-up, then 11:00 and its retries at 11:30 and 12:30, every day
    assert colours.requests_count == 1 + 3 * 3
    if failure != "unreachable":
        assert times(rte, "tempoLight") == ["01 08:00"] + [
            f"{day:02d} {hour}" for day in (1, 2, 3) for hour in ("11:00", "11:30", "12:30")
        ]
    assert times(rte, "joursTempo") == ["01 08:00", "01 12:30", "02 12:30", "03 12:30"]
    assert asked(rte) == ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]
    assert colours.fallback_requests_count == 4
    per_day = Counter(day for day, _ in (when.split() for when in times(rte, "joursTempo")))
    assert max(per_day.values()) <= 2
    assert all(colours.colour_of(day) == rte.colour(day) for day in days(DAY, DAY + timedelta(3)))
    assert changed == days(DAY + timedelta(days=1), DAY + timedelta(days=3))
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name == tempo_colours.__name__
    ]
    assert len(warnings) == 1  # RTE's, once; the fallback never failed
    assert "will retry" in warnings[0].getMessage()


async def test_rte_up_the_fallback_is_never_asked(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    freezer.move_to(paris(DAY, 8))
    colours = await start(hass, rte.base_url, rte)
    await colours.async_ensure_history(FIRST_DAY, DAY)

    await run_until(hass, freezer, paris(DAY + timedelta(days=3)))

    assert colours.fallback_requests_count == 0
    assert rte.count("tempoLight") == 1 + 3  # at start-up, then 11:00 each day
    assert rte.count("tempo") == 3


async def test_tomorrow_from_the_fallback_only_from_noon(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    """Before 12:00 the fallback's tomorrow may still change: dropped, even in a season."""
    rte_down(rte)
    freezer.move_to(paris(DAY, 11, 5))
    colours = await start(hass, rte.base_url, rte)
    await colours.async_ensure_history(date(2026, 11, 1), DAY)
    tomorrow = DAY + timedelta(days=1)
    assert colours.colour_of(tomorrow) is None  # published at 10:40, in the season's answer

    await run_until(hass, freezer, paris(DAY, 13))

    assert times(rte, "tempoLight") == ["01 11:05", "01 11:35", "01 12:35"]
    assert asked(rte) == ["2026-12-01", "2026-2027", "2026-12-02"]
    assert rte.count("tempo") == 0  # RTE failed last, the fallback had not: straight to it
    assert colours.colour_of(tomorrow) == rte.colour(tomorrow)
    assert all(colours.colour_of(day) == rte.colour(day) for day in days(date(2026, 11, 1), DAY))


async def test_an_unknown_colour_from_the_fallback_is_never_a_guess(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    """codeJour 0 leaves the day unknown; it is asked again on the retries until it comes."""
    tomorrow = DAY + timedelta(days=1)
    rte.late_days[tomorrow] = paris(DAY, 14)
    rte_down(rte, 500)
    freezer.move_to(paris(DAY, 12, 10))
    colours = await start(hass, rte.base_url, rte)
    changed: list[date] = []
    colours.async_add_listener(changed.append)

    await run_until(hass, freezer, paris(DAY, 15, 30))
    assert colours.colour_of(tomorrow) is None
    await run_until(hass, freezer, paris(DAY, 16))

    # today and tomorrow in one request, then tomorrow on each retry (30 min, 1 h, 2 h)
    assert times(rte, "joursTempo") == ["01 12:10", "01 12:40", "01 13:40", "01 15:40"]
    assert asked(rte) == ["2026-12-01,2026-12-02"] + ["2026-12-02"] * 3
    assert changed == [tomorrow]
    assert colours.colour_of(tomorrow) == rte.colour(tomorrow)


async def test_both_down_stays_unknown_and_is_retried(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    rte.fail_next(500, {"error": "down"}, times=6)  # no type: both sources, three attempts
    freezer.move_to(paris(DAY, 8))
    colours = await start(hass, rte.base_url, rte)
    await colours.async_ensure_history(date(2026, 10, 1), DAY)  # remembered, nothing sent
    changed: list[date] = []
    colours.async_add_listener(changed.append)

    await run_until(hass, freezer, paris(DAY, 11, 20))
    assert colours.colour_of(DAY) is None
    assert colours.colour_of(date(2026, 10, 1)) is None
    await run_until(hass, freezer, paris(DAY, 12))

    assert [(r.type, r.status) for r in rte.requests] == [
        *[("tempoLight", 500), ("joursTempo", 500)] * 3,  # 08:00, 08:30, 09:30
        ("tempoLight", 200),  # 11:30, the last retry: today and tomorrow
        ("tempo", 200),  # and the history, from RTE again
    ]
    assert changed == [date(2026, 11, 30), date(2026, 9, 1)]  # tempoLight's 3 days, the season
    assert all(colours.colour_of(day) == rte.colour(day) for day in days(date(2026, 10, 1), DAY))


async def test_history_from_the_fallback_is_one_request_per_season(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    rte: TempoSimulator,
    hass_storage: dict[str, Any],
) -> None:
    """RTE's season refused (its ban page): one attempt, then one fallback request a season."""
    rte.fail_next(403, BAN[0], content_type=BAN[1], times=1000, type="tempo")
    freezer.move_to(paris(DAY, 12))
    colours = await start(hass, rte.base_url, rte)

    await colours.async_ensure_history(FIRST_DAY, DAY)
    await colours.async_ensure_history(FIRST_DAY, DAY)

    assert [(r.start, r.status) for r in rte.requests if r.type == "tempo"] == [("2024-2025", 403)]
    assert asked(rte) == ["2024-2025", "2025-2026", "2026-2027"]
    assert all(colours.colour_of(day) == rte.colour(day) for day in days(FIRST_DAY, DAY))
    stored = hass_storage[STORAGE_KEY]["data"]["sources"][source_key(rte.base_url, rte.couleur_url)]
    assert stored["seasons"] == dict.fromkeys(("2024-2025", "2025-2026", "2026-2027"), "2026-12-01")
    assert stored["colours"]["2025-01-06"] == rte.colour(date(2025, 1, 6))
    assert "2026-12-03" not in stored["colours"]  # held by the fallback with codeJour 0

    sent = len(rte.requests)
    await run_until(hass, freezer, paris(DAY + timedelta(days=1), 12))
    assert [r.type for r in rte.requests[sent:]] == ["tempoLight"]  # 11:00: RTE answers again


async def test_a_day_without_any_colour_source_opens_a_repair_that_closes_itself(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    rte: TempoSimulator,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Both sources down for more than a day: a repair says which failed; it goes by itself."""
    rte_down(rte, 500)
    rte.fail_next(503, {"error": "down"}, times=1000, type="joursTempo")
    freezer.move_to(paris(DAY, 8))
    colours = await start(hass, rte.base_url, rte)
    await run_until(hass, freezer, paris(DAY + timedelta(days=1), 7))
    assert colours.outage() is not None
    assert not [i for i in issue_registry.issues.values() if i.domain == "linky"]  # < a day

    await run_until(hass, freezer, paris(DAY + timedelta(days=1), 11, 10))
    (issue,) = [i for i in issue_registry.issues.values() if i.domain == "linky"]
    assert issue.translation_key == "tempo_unavailable"
    assert issue.translation_placeholders == {
        "sources": "127.0.0.1 (HTTP 500), 127.0.0.1 (HTTP 503)",
        "since": "2026-12-01 08:00",
    }
    assert colours.colour_of(DAY) is None  # never guessed

    rte._faults.clear()  # the sources are back
    await run_until(hass, freezer, paris(DAY + timedelta(days=2), 0, 10))
    assert colours.colour_of(DAY) == rte.colour(DAY)
    assert colours.outage() is None
    assert not [i for i in issue_registry.issues.values() if i.domain == "linky"]
