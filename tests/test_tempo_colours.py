"""The shared Tempo colour service: history per season, the daily schedule, retries, restarts.

The fake server serves RTE's routes and the fallback's (api-couleur-tempo.fr); its faults with
no type hit both, so "both down" is a typeless `fail_next`. The fallback's own tests are in
tests/test_tempo_fallback.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.linky import tempo_colours
from custom_components.linky.api import TempoClient
from custom_components.linky.budget import DATA_BUDGETS
from custom_components.linky.const import PARIS
from custom_components.linky.tempo_colours import (
    DATA_TEMPO,
    STORAGE_KEY,
    TempoColours,
    async_get_tempo_colours,
    async_use_tempo_colours,
    source_key,
)
from linky_simulator import TempoSimulator
from tests.integration_helpers import advance, paris

DAY = date(2026, 12, 1)
FIRST_DAY = date(2024, 10, 1)


@pytest.fixture
async def rte(socket_enabled: None) -> AsyncIterator[TempoSimulator]:
    """The fake RTE server; its clock is the (frozen) test clock."""
    simulator = TempoSimulator(seed=5, max_per_second=None)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def start(hass: HomeAssistant, rte: TempoSimulator) -> TempoColours:
    """Get the service and let its start-up refresh finish."""
    colours = await async_get_tempo_colours(hass, rte.base_url, rte.couleur_url)
    await hass.async_block_till_done(wait_background_tasks=True)
    return colours


async def restart(hass: HomeAssistant, rte: TempoSimulator, old: TempoColours) -> TempoColours:
    """A new service over the same storage, as after a Home Assistant restart."""
    old.async_shutdown()
    hass.data.pop(DATA_TEMPO)
    return await start(hass, rte)


def light_requests(rte: TempoSimulator) -> list[datetime]:
    return [r.time.astimezone(PARIS) for r in rte.requests if r.type == "tempoLight"]


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def run_until(hass: HomeAssistant, freezer: FrozenDateTimeFactory, end: datetime) -> None:
    """Advance the clock in 10-minute steps up to `end`, firing what is due."""
    now = dt_util.utcnow()
    while now < end:
        now = min(now + timedelta(minutes=10), end)
        await advance(hass, freezer, now)


# --- sharing and history -------------------------------------------------------------------


async def test_one_service_per_source(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    freezer.move_to(paris(DAY, 8))
    first, second = await asyncio.gather(
        async_get_tempo_colours(hass, rte.base_url, rte.couleur_url),
        async_get_tempo_colours(hass, rte.base_url, rte.couleur_url),
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert first is second
    assert rte.count("tempoLight") == 1
    assert first.colour_of(DAY) == rte.colour(DAY)
    assert first.colour_of(DAY + timedelta(days=1)) is None  # published at 10:40
    assert DATA_BUDGETS not in hass.data  # not on the Linky request budget


async def test_history_is_one_request_per_season(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    rte: TempoSimulator,
    hass_storage: dict[str, Any],
) -> None:
    freezer.move_to(paris(DAY, 8))
    colours = await start(hass, rte)
    changed: list[date] = []
    colours.async_add_listener(changed.append)

    await asyncio.gather(
        colours.async_ensure_history(FIRST_DAY, DAY),
        colours.async_ensure_history(date(2025, 3, 1), DAY),  # another entry, at once
    )
    await colours.async_ensure_history(FIRST_DAY, DAY)

    assert [(r.type, r.start) for r in rte.requests if r.type == "tempo"] == [
        ("tempo", "2024-2025"),
        ("tempo", "2025-2026"),
        ("tempo", "2026-2027"),
    ]
    assert all(colours.colour_of(day) == rte.colour(day) for day in days(FIRST_DAY, DAY))
    assert changed == [date(2024, 9, 1)]  # the whole season came
    stored = hass_storage[STORAGE_KEY]["data"]["sources"][source_key(rte.base_url, rte.couleur_url)]
    assert stored["colours"]["2025-01-06"] == rte.colour(date(2025, 1, 6))
    assert stored["seasons"] == {"2024-2025": "2026-12-01", "2025-2026": "2026-12-01"} | {
        "2026-2027": "2026-12-01"
    }


async def test_a_reload_while_the_seasons_come_asks_none_twice(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    """The only entry reloads (a contract edited) while the history's seasons are being asked.

    The seasons still on their way are kept for the entry set up again: not asked twice.
    """
    freezer.move_to(paris(DAY, 8))
    asked, answer = asyncio.Event(), asyncio.Event()
    get_season = TempoClient.get_season

    async def slow_season(client: TempoClient, season: str) -> Any:
        asked.set()
        await answer.wait()  # the answer is on its way
        return await get_season(client, season)

    with patch.object(TempoClient, "get_season", slow_season):
        colours = await async_get_tempo_colours(hass, rte.base_url, rte.couleur_url)
        release = async_use_tempo_colours(hass, colours)
        history = hass.async_create_task(colours.async_ensure_history(FIRST_DAY, DAY))
        await asyncio.wait_for(asked.wait(), 10)  # the start-up refresh asks the seasons too
        history.cancel()  # the entry unloads: its task is cancelled, its use released
        release()
        again = await async_get_tempo_colours(hass, rte.base_url, rte.couleur_url)
        async_use_tempo_colours(hass, again)
        answer.set()
        await again.async_ensure_history(FIRST_DAY, DAY)
        await hass.async_block_till_done(wait_background_tasks=True)

    seasons = Counter(r.start for r in rte.requests if r.type == "tempo")
    assert seasons == {"2024-2025": 1, "2025-2026": 1, "2026-2027": 1}
    assert rte.count("tempoLight") == 1
    assert all(again.colour_of(day) == rte.colour(day) for day in days(FIRST_DAY, DAY))
    again.async_shutdown()


async def test_finished_season_never_again_current_season_once_a_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    # RTE's season answers lack these days: the seasons are never fully held.
    rte.late_days[date(2025, 1, 10)] = paris(date(2030, 1, 1), 0)
    rte.late_days[date(2026, 10, 10)] = paris(date(2030, 1, 1), 0)
    freezer.move_to(paris(DAY, 8))
    colours = await start(hass, rte)
    await colours.async_ensure_history(FIRST_DAY, DAY)
    await colours.async_ensure_history(FIRST_DAY, DAY)
    await advance(hass, freezer, paris(DAY + timedelta(days=1), 8))
    await colours.async_ensure_history(FIRST_DAY, DAY + timedelta(days=1))
    await colours.async_ensure_history(FIRST_DAY, DAY + timedelta(days=1))

    assert [r.start for r in rte.requests if r.type == "tempo"] == [
        "2024-2025",
        "2025-2026",
        "2026-2027",
        "2026-2027",  # the next day
    ]
    assert colours.colour_of(date(2025, 1, 10)) is None


async def test_a_history_from_1_september_gets_the_last_season_s_31_august(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    # The night of 1 September (00:00-06:00) is 31 August's Tempo day: the previous season.
    freezer.move_to(paris(DAY, 8))
    colours = await start(hass, rte)

    await colours.async_ensure_history(date(2025, 9, 1), DAY)

    assert [r.start for r in rte.requests if r.type == "tempo"] == [
        "2024-2025",
        "2025-2026",
        "2026-2027",
    ]
    assert colours.colour_of(date(2025, 8, 31)) == rte.colour(date(2025, 8, 31))


# --- the daily schedule --------------------------------------------------------------------


async def test_steady_state_at_most_two_requests_a_day(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    freezer.move_to(paris(DAY, 8))
    colours = await start(hass, rte)
    changed: list[date] = []
    colours.async_add_listener(changed.append)

    await run_until(hass, freezer, paris(DAY + timedelta(days=7), 0))

    per_day = Counter(when.date() for when in light_requests(rte))
    assert per_day[DAY] == 2  # at start-up (today unknown) and for tomorrow
    assert all(per_day[DAY + timedelta(days=n)] == 1 for n in range(1, 7))
    assert all(when.strftime("%H:%M") == "11:00" for when in light_requests(rte)[1:])
    assert changed == days(DAY + timedelta(days=1), DAY + timedelta(days=7))
    assert colours.colour_of(DAY + timedelta(days=7)) == rte.colour(DAY + timedelta(days=7))
    assert rte.count("tempo") == 0


async def test_late_colour_is_retried_and_notifies_listeners(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    tomorrow = DAY + timedelta(days=1)
    rte.late_days[tomorrow] = paris(DAY, 14)
    freezer.move_to(paris(DAY, 8))
    colours = await start(hass, rte)
    changed: list[date] = []
    colours.async_add_listener(changed.append)

    await run_until(hass, freezer, paris(DAY, 14, 20))
    assert colours.colour_of(tomorrow) is None
    await run_until(hass, freezer, paris(DAY, 23))

    assert [when.strftime("%H:%M") for when in light_requests(rte)] == [
        "08:00",
        "11:00",
        "11:30",
        "12:30",
        "14:30",
    ]
    assert changed == [tomorrow]
    assert colours.colour_of(tomorrow) == rte.colour(tomorrow)


async def test_colour_later_than_the_retries_comes_at_midnight(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    tomorrow = DAY + timedelta(days=1)
    rte.late_days[tomorrow] = paris(DAY, 18)
    freezer.move_to(paris(DAY, 10, 50))
    colours = await start(hass, rte)
    changed: list[date] = []
    colours.async_add_listener(changed.append)

    await run_until(hass, freezer, paris(tomorrow, 10))

    times = [when.strftime("%d %H:%M") for when in light_requests(rte)]
    assert times == ["01 10:50", "01 11:00", "01 11:30", "01 12:30", "01 14:30", "02 00:00"]
    assert changed == [tomorrow]


async def test_restart_asks_nothing_for_held_colours(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    freezer.move_to(paris(DAY, 12))
    colours = await start(hass, rte)
    await colours.async_ensure_history(FIRST_DAY, DAY)
    sent = len(rte.requests)
    await advance(hass, freezer, paris(DAY, 18))

    again = await restart(hass, rte, colours)
    await again.async_ensure_history(FIRST_DAY, DAY)

    assert again is not colours
    assert len(rte.requests) == sent == 4  # tempoLight and three seasons, before the restart
    assert again.colour_of(DAY + timedelta(days=1)) == rte.colour(DAY + timedelta(days=1))
    assert all(again.colour_of(day) == rte.colour(day) for day in days(FIRST_DAY, DAY))

    await run_until(hass, freezer, paris(DAY + timedelta(days=1), 12))
    await again.async_ensure_history(FIRST_DAY, DAY + timedelta(days=1))
    assert [r.type for r in rte.requests[sent:]] == ["tempoLight"]  # tomorrow's, at 11:00


async def test_restart_before_11_with_today_held_sends_nothing(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    freezer.move_to(paris(DAY, 12))
    colours = await start(hass, rte)
    await advance(hass, freezer, paris(DAY + timedelta(days=1), 7))

    await restart(hass, rte, colours)

    assert rte.count("tempoLight") == 1


# --- errors --------------------------------------------------------------------------------


async def test_errors_are_logged_once_per_source_and_retried(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    rte: TempoSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Both sources down: each asked once per attempt, logged once; RTE back at 11:30."""
    caplog.set_level(logging.INFO, logger=tempo_colours.__name__)
    rte.fail_next(500, {"error": "down"}, times=2, type="tempoLight")
    rte.break_next("drop", type="tempoLight")
    rte.fail_next(503, "maintenance", content_type="text/html", times=3, type="joursTempo")
    freezer.move_to(paris(DAY, 8))
    colours = await start(hass, rte)
    assert colours.colour_of(DAY) is None

    await run_until(hass, freezer, paris(DAY, 12))

    times = [when.strftime("%H:%M") for when in light_requests(rte)]
    assert times == ["08:00", "08:30", "09:30", "09:30", "11:30"]  # aiohttp resends a drop
    assert [r.status for r in rte.requests] == [500, 503, 500, 503, 0, 0, 503, 200]
    assert colours.colour_of(DAY) == rte.colour(DAY)
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name == tempo_colours.__name__
    ]
    assert len(warnings) == 2
    assert rte.base_url in warnings[0]
    assert rte.couleur_url in warnings[1]
    assert all("will retry" in message for message in warnings)
    assert f"available again from {rte.base_url}" in caplog.text


async def test_history_errors_are_retried_not_raised(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    freezer.move_to(paris(DAY, 8))
    colours = await start(hass, rte)
    changed: list[date] = []
    colours.async_add_listener(changed.append)
    rte.fail_next(503, "maintenance", content_type="text/html", type="tempo")
    rte.fail_next(503, "maintenance", content_type="text/html", type="joursTempo")

    await colours.async_ensure_history(FIRST_DAY, DAY)
    await colours.async_ensure_history(FIRST_DAY, DAY)  # while retrying: nothing sent
    assert colours.colour_of(FIRST_DAY) is None
    assert [r.status for r in rte.requests if r.type == "tempo"] == [503]
    assert [(r.start, r.status) for r in rte.requests if r.type == "joursTempo"] == [
        ("2024-2025", 503)
    ]

    await run_until(hass, freezer, paris(DAY, 8, 40))

    assert [r.status for r in rte.requests if r.type == "tempo"] == [503, 200, 200, 200]
    assert rte.count("joursTempo") == 1  # RTE first again: both had failed
    assert changed == [date(2024, 9, 1)]
    assert colours.colour_of(FIRST_DAY) == rte.colour(FIRST_DAY)


async def test_an_unexpected_error_does_not_stop_the_schedule(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    rte: TempoSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    real = TempoColours._async_fetch_recent
    calls: list[datetime] = []

    async def flaky(self: TempoColours, now: datetime) -> bool:
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("unexpected")
        return await real(self, now)

    freezer.move_to(paris(DAY, 8))
    with patch.object(TempoColours, "_async_fetch_recent", flaky):
        colours = await start(hass, rte)
        assert colours.next_refresh == paris(DAY, 8, 30)  # the first retry
        assert "unexpected error (will retry)" in caplog.text
        await run_until(hass, freezer, paris(DAY, 8, 40))

    assert len(calls) == 2
    assert colours.colour_of(DAY) == rte.colour(DAY)
    assert colours.next_refresh == paris(DAY, 11)


async def test_removed_listener_and_shutdown(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, rte: TempoSimulator
) -> None:
    freezer.move_to(paris(DAY, 8))
    colours = await start(hass, rte)
    changed: list[date] = []
    remove = colours.async_add_listener(changed.append)
    remove()
    remove()
    await advance(hass, freezer, paris(DAY, 11))
    colours.async_shutdown()

    await run_until(hass, freezer, paris(DAY + timedelta(days=1), 12))

    assert changed == []
    assert colours.next_refresh is None
    assert rte.count("tempoLight") == 2


async def test_unreadable_stored_colours_are_dropped(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    rte: TempoSimulator,
    hass_storage: dict[str, Any],
) -> None:
    section = {"colours": {"2026-12-01": "pink", "nope": "red", "2026-11-30": "red"}, "seasons": 3}
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORAGE_KEY,
        "data": {
            "sources": {
                source_key(rte.base_url, rte.couleur_url): section,
                "http://elsewhere": {"colours": {}},
            }
        },
    }
    freezer.move_to(paris(DAY, 8))

    colours = await start(hass, rte)

    assert colours.colour_of(date(2026, 11, 30)) == "red"  # held: never asked again
    assert colours.colour_of(DAY) == rte.colour(DAY)
    assert "http://elsewhere" in hass_storage[STORAGE_KEY]["data"]["sources"]
