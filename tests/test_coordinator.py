"""The daily coordinator against the fake Conso API with a frozen clock.

Schedule, retries, a held day never asked again, restart without requests, and errors
(401, 429, ban, 404, network).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.linky.budget import LIMIT as BUDGET_LIMIT
from custom_components.linky.budget import STORAGE_KEY as BUDGET_STORAGE_KEY
from custom_components.linky.client import api_host
from custom_components.linky.const import DOMAIN
from custom_components.linky.coordinator import LinkyCoordinator, StopReason
from custom_components.linky.schedule import PollState, first_poll_time, next_poll_time
from linky_simulator import ConsoApiSimulator, EnedisSimulator, SimulatedMeter
from tests.const import CONSUMPTION_ONLY_PRM, CONSUMPTION_PRM
from tests.integration_helpers import (
    advance,
    conso_entry,
    data_requests,
    enedis_entry,
    fake_statistics,
    no_backfill,
    paris,
    polled_before,
    setup,
)

DAY = date(2026, 11, 20)  # a Friday; "today" in most tests
START = paris(DAY, 10)  # after the 07:00 poll time of the test entries (offset 60)


@pytest.fixture(autouse=True)
def _integration(recorder_mock: Any, enable_custom_integrations: None) -> Iterator[None]:
    with no_backfill(), fake_statistics():
        yield


@pytest.fixture
def frozen(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    freezer.move_to(START)
    return freezer


def coordinator_of(entry: Any) -> LinkyCoordinator:
    coordinator: LinkyCoordinator = entry.runtime_data.coordinator
    return coordinator


# -- the schedule, pure -----------------------------------------------------------------------


def test_first_poll_time_is_paris_wall_clock() -> None:
    """06:00 + offset in Paris, winter (UTC+1) and summer (UTC+2), and on a DST day."""
    assert first_poll_time(date(2026, 1, 10), 0) == datetime(2026, 1, 10, 5, tzinfo=UTC)
    assert first_poll_time(date(2026, 7, 10), 239) == datetime(2026, 7, 10, 7, 59, tzinfo=UTC)
    assert first_poll_time(date(2026, 3, 29), 30) == datetime(2026, 3, 29, 4, 30, tzinfo=UTC)
    assert first_poll_time(date(2026, 10, 25), 30) == datetime(2026, 10, 25, 5, 30, tzinfo=UTC)


def test_next_poll_time() -> None:
    """First poll, retries +1/+2/+4/+8 h, then the next morning; up to date: next morning."""
    first = paris(DAY, 7)
    tomorrow = paris(DAY + timedelta(days=1), 7)
    polled_before = PollState(day=DAY - timedelta(days=1), attempts=1)
    state = PollState(day=polled_before.day, attempts=1)
    assert next_poll_time(paris(DAY, 3), 60, state, up_to_date=False) == first
    assert next_poll_time(first, 60, state, up_to_date=False) == first  # due now
    assert next_poll_time(paris(DAY, 3), 60, state, up_to_date=True) == tomorrow
    expected = [paris(DAY, 8), paris(DAY, 9), paris(DAY, 11), paris(DAY, 15), tomorrow]
    now = first
    for when in expected:
        state.record(now)
        assert next_poll_time(now, 60, state, up_to_date=False) == when
        now = when
    # A late start (Home Assistant down in the morning): poll now, then 30 min apart at least.
    state = PollState(day=polled_before.day, attempts=1)
    late = paris(DAY, 14, 50)
    assert next_poll_time(late, 60, state, up_to_date=False) == late
    state.record(late)
    assert next_poll_time(late, 60, state, up_to_date=False) == paris(DAY, 15, 20)
    # Retries never spill past midnight: the next morning instead.
    state = PollState(day=polled_before.day, attempts=1)
    state.record(paris(DAY, 23, 50))
    assert next_poll_time(paris(DAY, 23, 50), 60, state, up_to_date=False) == tomorrow
    # A new entry (never polled) polls at once, whatever its slot; up to date, tomorrow.
    assert next_poll_time(paris(DAY, 3), 60, PollState(), up_to_date=False) == paris(DAY, 3)
    assert next_poll_time(paris(DAY, 3), 60, PollState(), up_to_date=True) == tomorrow


def test_poll_state_round_trip() -> None:
    state = PollState()
    state.record(START)
    assert PollState.from_dict(state.as_dict()) == state
    assert PollState.from_dict({}) == PollState()


# -- a new entry ------------------------------------------------------------------------------


async def test_new_entry_polls_once_and_schedules_tomorrow(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, frozen: FrozenDateTimeFactory
) -> None:
    """Setup makes no request; the due poll asks one request per kind, then tomorrow 07:00."""
    entry = conso_entry(hass, conso_api)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    coordinator = coordinator_of(entry)
    assert coordinator.data.consumption_yesterday is None  # nothing stored yet
    await hass.async_block_till_done(wait_background_tasks=True)

    assert data_requests(conso_api) == [
        ("consommation_quotidienne", "2026-10-01", "2026-11-20"),  # back to last month's 1st
        ("courbe_de_charge_consommation", "2026-11-13", "2026-11-20"),
        ("puissance_conso_max_quotidienne", "2026-11-13", "2026-11-20"),
    ]
    assert coordinator.data.consumption_yesterday is not None
    assert coordinator.next_poll == paris(DAY + timedelta(days=1), 7)
    assert coordinator.last_update_success


async def test_production_kinds_only_when_enabled(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, frozen: FrozenDateTimeFactory
) -> None:
    entry = conso_entry(hass, conso_api, production=True)
    await setup(hass, entry)
    assert [t for t, _, _ in data_requests(conso_api)] == [
        "consommation_quotidienne",
        "courbe_de_charge_consommation",
        "puissance_conso_max_quotidienne",
        "production_quotidienne",
        "courbe_de_charge_production",
    ]


async def test_before_poll_time_waits(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """An existing entry set up at 05:00: no request until 07:00 (the entry's poll time)."""
    freezer.move_to(paris(DAY, 5))
    entry = conso_entry(hass, conso_api)
    polled_before(hass_storage, entry, DAY - timedelta(days=1))
    await setup(hass, entry)
    assert not conso_api.requests
    assert coordinator_of(entry).next_poll == paris(DAY, 7)
    await advance(hass, freezer, paris(DAY, 6, 59))
    assert not conso_api.requests
    await advance(hass, freezer, paris(DAY, 7))
    assert len(data_requests(conso_api)) == 3


# -- the daily cycle --------------------------------------------------------------------------


async def test_daily_cycle_with_retries(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, frozen: FrozenDateTimeFactory
) -> None:
    """07:00 yesterday not out (published 08:00): retry at 08:00 gets it; then tomorrow.

    Days held are never asked again: each request starts after the latest day held.
    """
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    conso_api.requests.clear()
    tomorrow = DAY + timedelta(days=1)

    await advance(hass, frozen, paris(tomorrow, 7))
    assert data_requests(conso_api) == [
        ("consommation_quotidienne", "2026-11-20", "2026-11-21"),
        ("courbe_de_charge_consommation", "2026-11-20", "2026-11-21"),
        ("puissance_conso_max_quotidienne", "2026-11-20", "2026-11-21"),
    ]
    assert all(r.status == 404 for r in conso_api.requests)
    assert coordinator.readings.missing["consumption_daily"] == {DAY: tomorrow}
    assert coordinator.data.consumption_yesterday is None  # unknown, not zero
    assert coordinator.last_update_success
    assert coordinator.next_poll == paris(tomorrow, 8)

    conso_api.requests.clear()
    await advance(hass, frozen, paris(tomorrow, 8))
    assert len(data_requests(conso_api)) == 3
    assert all(r.status == 200 for r in conso_api.requests)
    assert coordinator.readings.missing["consumption_daily"] == {}
    assert coordinator.data.consumption_yesterday is not None
    assert coordinator.next_poll == paris(tomorrow + timedelta(days=1), 7)

    # Nothing more that day.
    conso_api.requests.clear()
    await advance(hass, frozen, paris(tomorrow, 23, 59))
    assert not conso_api.requests


async def test_retries_then_next_morning(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    meter: SimulatedMeter,
    frozen: FrozenDateTimeFactory,
) -> None:
    """A day that never comes: 1 + 4 tries (07, 08, 09, 11, 15 h), then the next morning."""
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    conso_api.requests.clear()
    tomorrow = DAY + timedelta(days=1)
    meter.late_days = {DAY: paris(tomorrow + timedelta(days=1), 12)}
    coordinator = coordinator_of(entry)
    times = []
    for hour in (7, 8, 9, 11, 15):
        await advance(hass, frozen, paris(tomorrow, hour))
        times.append(coordinator.next_poll)
    assert times[-1] == paris(tomorrow + timedelta(days=1), 7)
    assert times[:-1] == [paris(tomorrow, hour) for hour in (8, 9, 11, 15)]
    assert len(conso_api.requests) == 5 * 3
    await advance(hass, frozen, paris(tomorrow, 23))
    assert len(conso_api.requests) == 5 * 3
    # The next morning, the late day has come: asked with the new yesterday in one request.
    await advance(hass, frozen, paris(tomorrow + timedelta(days=1), 13))
    assert data_requests(conso_api)[-3][1:] == ("2026-11-20", "2026-11-22")
    assert coordinator.readings.has("consumption_daily", DAY)


async def test_curve_never_enabled_is_asked_once_a_day(
    hass: HomeAssistant,
    conso_api_factory: Any,
    frozen: FrozenDateTimeFactory,
) -> None:
    """Hourly collection off: the load curve 404s; asked once a day, not on each retry."""
    meter = SimulatedMeter(
        CONSUMPTION_PRM, seed=3, first_day=date(2021, 1, 1), hourly_collection=False
    )
    api = await conso_api_factory([meter])
    entry = conso_entry(hass, api)
    await setup(hass, entry)
    assert [r.status for r in api.requests] == [200, 404, 200]
    api.requests.clear()
    tomorrow = DAY + timedelta(days=1)
    await advance(hass, frozen, paris(tomorrow, 7))  # before publication: 3 x 404
    await advance(hass, frozen, paris(tomorrow, 8))  # retry: daily and max power only
    types = [r.type for r in api.requests]
    assert types.count("courbe_de_charge_consommation") == 1
    assert types.count("consommation_quotidienne") == 2


# -- restart ------------------------------------------------------------------------------------


async def test_restart_makes_no_request(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, frozen: FrozenDateTimeFactory
) -> None:
    """Readings are stored: a reload (or restart) when current makes no request."""
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    before = coordinator_of(entry).data
    conso_api.requests.clear()

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    frozen.tick(timedelta(hours=2))
    await setup(hass, entry)
    assert not conso_api.requests
    assert coordinator_of(entry).data == before
    assert coordinator_of(entry).next_poll == paris(DAY + timedelta(days=1), 7)


async def test_restart_keeps_todays_attempts(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, frozen: FrozenDateTimeFactory
) -> None:
    """A restart after an unsuccessful poll waits for the next retry instead of polling again."""
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    tomorrow = DAY + timedelta(days=1)
    await advance(hass, frozen, paris(tomorrow, 7))  # 404s: retry planned at 08:00
    conso_api.requests.clear()
    assert await hass.config_entries.async_unload(entry.entry_id)
    frozen.move_to(paris(tomorrow, 7, 30))
    await setup(hass, entry)
    assert not conso_api.requests
    assert coordinator_of(entry).next_poll == paris(tomorrow, 8)


async def test_refresh_requests_never_poll(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, frozen: FrozenDateTimeFactory
) -> None:
    """homeassistant.update_entity (a coordinator refresh) only recomputes from the store."""
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    conso_api.requests.clear()
    frozen.move_to(paris(DAY + timedelta(days=1), 9))
    await coordinator_of(entry).async_refresh()
    assert not conso_api.requests


async def test_midnight_moves_yesterday(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, frozen: FrozenDateTimeFactory
) -> None:
    """At Paris midnight the snapshot moves on: yesterday's value is unknown until published."""
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    assert coordinator.data.today == DAY
    await advance(hass, frozen, paris(DAY + timedelta(days=1), 0, 0))
    assert coordinator.data.today == DAY + timedelta(days=1)
    assert coordinator.data.consumption_yesterday is None
    assert not [r for r in conso_api.requests if r.time >= paris(DAY + timedelta(days=1))]


# -- errors -------------------------------------------------------------------------------------


async def test_refused_token_starts_reauth_and_stops(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """401: a reauth flow, and no more polling; logged once; the token never logged."""
    caplog.set_level(logging.DEBUG)
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    conso_api.expire_tokens()
    conso_api.requests.clear()
    tomorrow = DAY + timedelta(days=1)
    await advance(hass, frozen, paris(tomorrow, 8, 30))
    assert len(conso_api.requests) == 1
    assert conso_api.requests[0].status == 401
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    coordinator = coordinator_of(entry)
    assert coordinator.stopped is StopReason.REAUTH
    assert coordinator.next_poll is None
    await advance(hass, frozen, paris(tomorrow + timedelta(days=1), 9))
    assert len(conso_api.requests) == 1
    assert caplog.text.count("refused the credentials or the consent") == 1
    assert entry.data["token"] not in caplog.text


async def test_rate_limit_waits_until_retry_after(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """429 with nextAccessTime: nothing until then, then the poll resumes."""
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    tomorrow = DAY + timedelta(days=1)
    until = paris(tomorrow, 12, 0)
    conso_api.rate_limit(until)
    conso_api.requests.clear()
    await advance(hass, frozen, paris(tomorrow, 8, 30))
    assert [r.status for r in conso_api.requests] == [429]
    assert coordinator.next_poll == until
    assert coordinator.last_update_success  # values kept
    assert "requests paused until 2026-11-21T12:00+01:00" in caplog.text
    await advance(hass, frozen, paris(tomorrow, 11, 59))
    assert len(conso_api.requests) == 1
    conso_api.clear_faults()
    await advance(hass, frozen, until)
    assert [r.status for r in conso_api.requests] == [429, 200, 200, 200]
    assert coordinator.readings.has("consumption_daily", DAY)


async def test_own_budget_exhausted_waits_and_says_so(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Our own 50-per-12-hours budget used up: no request, logged as ours (not an API 429)."""
    entry = conso_entry(hass, conso_api)
    sent = [(START - timedelta(hours=11)).timestamp()] * BUDGET_LIMIT
    hass_storage[BUDGET_STORAGE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": BUDGET_STORAGE_KEY,
        "data": {"hosts": {api_host(entry.data): sent}},
    }
    conso_api.requests.clear()
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    assert conso_api.requests == []
    assert coordinator.next_poll == paris(DAY, 11)
    assert (
        f"own budget of 50 requests per 12 hours to {api_host(entry.data)} is used up; "
        "waiting until 11:00"
    ) in caplog.text
    assert "requests paused until" not in caplog.text
    await advance(hass, frozen, paris(DAY, 11))
    assert coordinator.readings.has("consumption_daily", DAY - timedelta(days=1))


async def test_ban_stops_polling_and_opens_issue(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    issue_registry: ir.IssueRegistry,
) -> None:
    """HTML 403: logged once, a repair issue, no more requests until a reload."""
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    conso_api.ban()
    conso_api.requests.clear()
    tomorrow = DAY + timedelta(days=1)
    await advance(hass, frozen, paris(tomorrow, 8, 30))
    assert [r.status for r in conso_api.requests] == [403]
    coordinator = coordinator_of(entry)
    assert coordinator.stopped is StopReason.BLOCKED
    assert coordinator.next_poll is None
    issue = issue_registry.async_get_issue(DOMAIN, f"access_blocked_{api_host(entry.data)}")
    assert issue is not None
    assert issue.translation_key == "access_blocked"
    assert issue.translation_placeholders == {
        "host": conso_api.base_url.split("/")[2],
        "title": entry.title,
    }
    assert caplog.text.count("has blocked requests") == 1
    await advance(hass, frozen, paris(tomorrow + timedelta(days=2), 9))
    assert len(conso_api.requests) == 1
    # A fetch asked by someone else (backfill, service) is refused without a request.
    with pytest.raises(Exception, match="blocked"):
        await coordinator.async_fetch_range("consumption_daily", DAY, tomorrow)
    assert len(conso_api.requests) == 1

    # Once unbanned, a reload resumes; a successful request clears the issue.
    conso_api.unban()
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert issue_registry.async_get_issue(DOMAIN, f"access_blocked_{api_host(entry.data)}") is None


async def _two_meters(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, frozen: FrozenDateTimeFactory
) -> tuple[MockConfigEntry, MockConfigEntry]:
    """Two entries on one server (one host, one budget): polls at 07:00 and 08:00.

    The server's per-second quota counts real seconds, where the test's clock is frozen: off.
    """
    conso_api.max_per_second = None
    first = conso_entry(hass, conso_api)
    second = conso_entry(hass, conso_api, prm=CONSUMPTION_ONLY_PRM, poll_offset=120)
    assert await hass.config_entries.async_setup(first.entry_id)
    await hass.async_block_till_done()
    await advance(hass, frozen, START + timedelta(seconds=2))  # 5 requests a second
    assert second.state is ConfigEntryState.LOADED
    return first, second


async def test_a_ban_stops_every_meter_of_the_host_with_one_issue(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    issue_registry: ir.IssueRegistry,
) -> None:
    first, second = await _two_meters(hass, conso_api, frozen)
    caplog.clear()
    conso_api.ban()
    conso_api.requests.clear()
    tomorrow = DAY + timedelta(days=1)
    await advance(hass, frozen, paris(tomorrow, 7, 30))
    await advance(hass, frozen, paris(tomorrow, 9))

    # The first meter's poll got the ban; the second's sent nothing.
    assert [(r.prm, r.status) for r in conso_api.requests] == [(CONSUMPTION_PRM, 403)]
    assert coordinator_of(first).stopped is StopReason.BLOCKED
    assert coordinator_of(second).stopped is StopReason.BLOCKED
    assert coordinator_of(second).next_poll is None
    ours = [issue for (domain, issue) in issue_registry.issues if domain == DOMAIN]
    assert ours == [f"access_blocked_{api_host(first.data)}"]
    assert caplog.text.count("has blocked requests") == 1

    # Unbanned: reloading one meter resumes both, and the first answer closes the issue.
    conso_api.unban()
    await hass.config_entries.async_reload(first.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await advance(hass, frozen, paris(tomorrow, 9) + timedelta(seconds=2))
    assert coordinator_of(first).readings.has("consumption_daily", DAY)
    assert coordinator_of(second).stopped is None
    assert coordinator_of(second).next_poll is not None  # its next retry
    assert not [issue for (domain, issue) in issue_registry.issues if domain == DOMAIN]


async def test_a_429_pauses_every_meter_of_the_host(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = await _two_meters(hass, conso_api, frozen)
    caplog.clear()
    tomorrow = DAY + timedelta(days=1)
    until = paris(tomorrow, 12)
    conso_api.rate_limit(until)
    conso_api.requests.clear()
    await advance(hass, frozen, paris(tomorrow, 7, 30))
    await advance(hass, frozen, paris(tomorrow, 9))

    assert [(r.prm, r.status) for r in conso_api.requests] == [(CONSUMPTION_PRM, 429)]
    assert coordinator_of(first).next_poll == until
    assert coordinator_of(second).next_poll == until
    assert caplog.text.count("requests paused until") == 1

    conso_api.clear_faults()
    frozen.move_to(until)  # both polls at once: the sixth request waits for the next second
    async_fire_time_changed(hass, until)
    await hass.async_block_till_done()
    await advance(hass, frozen, until + timedelta(seconds=2))
    assert coordinator_of(first).readings.has("consumption_daily", DAY)
    assert coordinator_of(second).readings.has("consumption_daily", DAY)


async def test_network_errors_unavailable_after_repeated_failures(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Failures: logged once, values kept twice, unavailable at the third; back: logged once."""
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    entity_id = "sensor.linky_11111111111111_consumption_yesterday"
    tomorrow = DAY + timedelta(days=1)
    conso_api.break_next("drop", times=100)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        await advance(hass, frozen, paris(tomorrow, 8, 30))
        assert coordinator.failures == 1
        assert coordinator.last_update_success
        assert hass.states.get(entity_id).state != "unavailable"
        # the first kind failed (the client may retry it): the others were not tried
        assert {r.type for r in conso_api.requests[3:]} == {"consommation_quotidienne"}
        await advance(hass, frozen, paris(tomorrow, 9))
        assert coordinator.last_update_success
        await advance(hass, frozen, paris(tomorrow, 11))
        assert not coordinator.reachable
        assert hass.states.get(entity_id).state == "unavailable"
        await advance(hass, frozen, paris(tomorrow, 15))
        assert hass.states.get(entity_id).state == "unavailable"
        messages = [r.getMessage() for r in caplog.records if r.name.startswith("custom_")]
        assert sum("cannot be reached" in m for m in messages) == 1  # once at the start
        assert sum("Error fetching" in m for m in messages) == 0

        conso_api.clear_faults()
        await advance(hass, frozen, paris(tomorrow + timedelta(days=1), 7))
        assert coordinator.reachable
        assert coordinator.readings.has("consumption_daily", tomorrow - timedelta(days=1))
        assert hass.states.get(entity_id).state == "unknown"  # 07:00: yesterday not out yet
        messages = [r.getMessage() for r in caplog.records if r.name.startswith("custom_")]
        assert sum("can be reached again" in m for m in messages) == 1  # once at the end
        assert sum("recovered" in m for m in messages) == 0


async def test_network_error_recovers_before_unavailable(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    tomorrow = DAY + timedelta(days=1)
    conso_api.break_next("truncated")
    with caplog.at_level(logging.INFO):
        await advance(hass, frozen, paris(tomorrow, 8, 30))
        assert coordinator_of(entry).failures == 1
        await advance(hass, frozen, paris(tomorrow, 9))
    assert coordinator_of(entry).failures == 0
    assert "can be reached again" in caplog.text


async def test_refused_kind_is_not_asked_again(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, frozen: FrozenDateTimeFactory
) -> None:
    """Production enabled on a meter that has none (ADAM-ERR0069): dropped until reload."""
    entry = conso_entry(hass, conso_api, prm=CONSUMPTION_ONLY_PRM, production=True)
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    assert set(coordinator.unsupported) == {"production_daily", "production_curve"}
    conso_api.requests.clear()
    await advance(hass, frozen, paris(DAY + timedelta(days=1), 8, 30))
    assert {r.type for r in conso_api.requests} == {
        "consommation_quotidienne",
        "courbe_de_charge_consommation",
        "puissance_conso_max_quotidienne",
    }


async def test_missing_day_is_recorded_not_zero(
    hass: HomeAssistant, conso_api_factory: Any, frozen: FrozenDateTimeFactory
) -> None:
    """A day Enedis does not have: recorded missing; the sensors say unknown."""
    yesterday = DAY - timedelta(days=1)
    meter = SimulatedMeter(
        CONSUMPTION_PRM,
        seed=1,
        first_day=date(2021, 1, 1),
        missing_days={yesterday},
        missing_curve_days={yesterday},
    )
    api = await conso_api_factory([meter])
    entry = conso_entry(hass, api)
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    assert yesterday in coordinator.readings.missing["consumption_daily"]
    assert not coordinator.readings.has("consumption_daily", yesterday)
    assert coordinator.data.consumption_yesterday is None


async def test_enedis_source(
    hass: HomeAssistant, enedis_api: EnedisSimulator, frozen: FrozenDateTimeFactory
) -> None:
    """The same cycle over Enedis Data Connect."""
    entry = enedis_entry(hass, enedis_api)
    await setup(hass, entry)
    requests = [t for t, _, _ in data_requests(enedis_api)]
    assert [t for t in requests if t != "situation_contrat"] == [
        "consommation_quotidienne",
        "courbe_de_charge_consommation",
        "puissance_conso_max_quotidienne",
    ]
    # No subscribed power in the options: read once from the contract data at setup.
    assert requests.count("situation_contrat") == 1
    assert coordinator_of(entry).subscribed_power_kva == 9
    assert coordinator_of(entry).data.consumption_yesterday is not None


async def test_fetch_range_pushes_to_entities(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """async_fetch_range (backfill, services) merges, saves and updates the entities."""
    entry = conso_entry(hass, conso_api)
    polled_before(hass_storage, entry, DAY - timedelta(days=1))
    frozen.move_to(paris(DAY, 5))  # before the poll: nothing fetched at setup
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    latest = "sensor.linky_11111111111111_latest_data"
    assert hass.states.get(latest).state == "unknown"
    changed = await coordinator.async_fetch_range("consumption_daily", DAY - timedelta(days=3), DAY)
    assert changed == DAY - timedelta(days=3)
    await hass.async_block_till_done()
    assert hass.states.get(latest).state == "2026-11-18"  # the 19th is published at 08:00
    # Asking again changes nothing.
    assert (
        await coordinator.async_fetch_range("consumption_daily", DAY - timedelta(days=3), DAY)
        is None
    )
    # Not published yet (404): recorded missing, nothing changed.
    yesterday = DAY - timedelta(days=1)
    assert await coordinator.async_fetch_range("consumption_daily", yesterday, DAY) is None
    assert coordinator.readings.missing["consumption_daily"] == {yesterday: DAY}


# -- failures on the API's side (relayed by the Conso API) ----------------------------------------

GATEWAY_404 = {
    "status": 404,
    "message": "The Enedis API returned an error",
    "error": {
        "fault": {
            "code": 900906,
            "message": "No matching resource found for given API Request",
            "description": "The requested resource is not available.",
        }
    },
}


async def test_relayed_enedis_401_keeps_polling_without_reauth(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Enedis refuses the Conso API's own token (July 2026): not the user's token.

    No reauthentication, no day marked missing, polling goes on; a repair issue after 24 h
    saying the service fails on its side; both end with the first answer.
    """
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    issue_id = f"service_failing_{entry.entry_id}"
    tomorrow = DAY + timedelta(days=1)
    conso_api.enedis_token_refused = True
    conso_api.requests.clear()
    with caplog.at_level(logging.INFO):
        await advance(hass, frozen, paris(tomorrow, 8, 30))
        assert [r.status for r in conso_api.requests] == [401]
        assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
        assert coordinator.stopped is None
        assert coordinator.next_poll == paris(tomorrow, 9)
        assert DAY not in coordinator.readings.missing.get("consumption_daily", set())
        for hour in (9, 11, 15):
            await advance(hass, frozen, paris(tomorrow, hour))
        after = tomorrow + timedelta(days=1)
        await advance(hass, frozen, paris(after, 8))  # 23.5 h after the first failure
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
        await advance(hass, frozen, paris(after, 9))
        assert [r.status for r in conso_api.requests] == [401] * 6  # the retries went on
        assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
        assert not coordinator.readings.missing.get("consumption_daily")
        issue = issue_registry.async_get_issue(DOMAIN, issue_id)
        assert issue is not None
        assert issue.translation_key == "service_failing"
        assert issue.translation_placeholders is not None
        assert issue.translation_placeholders["since"] == "2026-11-21 08:30"
        assert "Invalid Credentials" in issue.translation_placeholders["error"]

        conso_api.enedis_token_refused = False
        await advance(hass, frozen, paris(after, 11))
    assert coordinator.readings.has("consumption_daily", tomorrow)
    assert coordinator.failures == 0
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("custom_")]
    assert sum("failed on its side" in m for m in messages) == 1
    assert sum("cannot be reached" in m for m in messages) == 0
    assert sum("works again" in m for m in messages) == 1
    assert entry.data["token"] not in caplog.text


async def test_gateway_404_marks_no_day_missing(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    frozen: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A relayed gateway 404 (no such path), unlike no_data_found, is a server error."""
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    tomorrow = DAY + timedelta(days=1)
    conso_api.fail_next(404, GATEWAY_404, times=2)
    conso_api.requests.clear()
    await advance(hass, frozen, paris(tomorrow, 8, 30))
    await advance(hass, frozen, paris(tomorrow, 9))
    assert [r.status for r in conso_api.requests] == [404, 404]
    assert not coordinator.readings.missing.get("consumption_daily")
    assert coordinator.failures == 2
    assert caplog.text.count("No matching resource found for given API Request") == 1
    await advance(hass, frozen, paris(tomorrow, 11))
    assert coordinator.readings.has("consumption_daily", DAY)
    assert coordinator.failures == 0


async def test_rate_limit_without_next_access_time_waits_an_hour(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, frozen: FrozenDateTimeFactory
) -> None:
    """A 429 with no hint (the server drops Retry-After): the integration's own wait."""
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    tomorrow = DAY + timedelta(days=1)
    conso_api.rate_limit()  # the next request: 429 in the fault form, no nextAccessTime
    conso_api.requests.clear()
    await advance(hass, frozen, paris(tomorrow, 8, 30))
    assert [r.status for r in conso_api.requests] == [429]
    assert coordinator.rate_limited_until == paris(tomorrow, 9, 30)
    assert coordinator.next_poll == paris(tomorrow, 9, 30)
    await advance(hass, frozen, paris(tomorrow, 9, 29))
    assert len(conso_api.requests) == 1
    await advance(hass, frozen, paris(tomorrow, 9, 30))
    assert coordinator.readings.has("consumption_daily", DAY)
