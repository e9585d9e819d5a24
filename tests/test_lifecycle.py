"""A meter's life as a user meets it: first minutes, access ending, token expiry, housekeeping.

Each test reproduces, against the fake Conso API, a dead end a user could meet: a failure with no
sign of why, which must end in something they can see and fix.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir

from custom_components.linky.api import AuthenticationError
from custom_components.linky.const import DOMAIN
from custom_components.linky.coordinator import LinkyCoordinator
from linky_simulator import ConsoApiSimulator
from linky_simulator.conso import TOKEN_LIFETIME
from tests.const import CONSUMPTION_PRM
from tests.integration_helpers import (
    advance,
    conso_entry,
    data_requests,
    fake_statistics,
    no_backfill,
    paris,
    polled_before,
    setup,
)

DAY = date(2026, 11, 20)
YESTERDAY = DAY - timedelta(days=1)
CONSENT_WITHDRAWN = {
    "status": 403,
    "message": "The Enedis API returned an error",
    "error": {
        "error": "ADAM-DC-0008",
        "error_description": "No consent can be found for this customer and this usage point",
    },
}


@pytest.fixture(autouse=True)
def stats(recorder_mock: Any, enable_custom_integrations: None) -> Any:
    """The integration with a recording statistics importer and no history backfill."""
    with no_backfill(), fake_statistics() as mock:
        yield mock


def coordinator_of(entry: Any) -> LinkyCoordinator:
    coordinator: LinkyCoordinator = entry.runtime_data.coordinator
    return coordinator


def reauth_flows(hass: HomeAssistant) -> list[dict[str, Any]]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == "reauth"
    ]


# -- the first minutes -----------------------------------------------------------------------


async def test_new_entry_shows_yesterday_at_once_reusing_the_flow_data(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    stats: MagicMock,
) -> None:
    """Added at 09:09 (yesterday out since 08:00): yesterday shown at once, daily not asked twice.

    The entry's random slot (up to 10:00) no longer delays the first update.
    """
    freezer.move_to(paris(DAY, 9, 9))
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "conso"}
    )
    token = conso_api.make_token([CONSUMPTION_PRM])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": token, "advanced": {"base_url": conso_api.base_url}}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"production": False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)

    entry = result["result"]
    wanted = conso_api.meters[CONSUMPTION_PRM].daily_wh("consumption", YESTERDAY) / 1000
    state = hass.states.get(f"sensor.linky_{CONSUMPTION_PRM}_consumption_yesterday")
    assert float(state.state) == pytest.approx(wanted)
    # The flow's checks (daily consumption, reused, and production); then the curve and max
    # power: daily consumption is not asked again.
    assert [kind for kind, _, _ in data_requests(conso_api)] == [
        "consommation_quotidienne",
        "production_quotidienne",
        "courbe_de_charge_consommation",
        "puissance_conso_max_quotidienne",
    ]
    # The statistics follow the coordinator (which holds the probed days).
    stats.async_follow.assert_called_once_with(coordinator_of(entry), after=None)
    assert YESTERDAY in coordinator_of(entry).readings.daily["consumption"]
    # From tomorrow on, the entry's own slot.
    poll_offset = entry.data["poll_offset"]
    assert coordinator_of(entry).next_poll == paris(DAY + timedelta(days=1), 6) + timedelta(
        minutes=poll_offset
    )
    next_update = hass.states.get(f"sensor.linky_{CONSUMPTION_PRM}_next_update")
    assert next_update is None or next_update.state != "unknown"


async def test_next_update_shown_right_after_setup(  # noqa: PLR0917
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    stats: MagicMock,
    entity_registry: er.EntityRegistry,
) -> None:
    freezer.move_to(paris(DAY, 5))
    entry = conso_entry(hass, conso_api)
    polled_before(hass_storage, entry, YESTERDAY)
    entity_registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{CONSUMPTION_PRM}_next_update",
        config_entry=entry,
        disabled_by=None,
        suggested_object_id=f"linky_{CONSUMPTION_PRM}_next_update",
    )
    await setup(hass, entry)
    state = hass.states.get(f"sensor.linky_{CONSUMPTION_PRM}_next_update")
    assert state.state == paris(DAY, 7).isoformat()


# -- when access ends --------------------------------------------------------------------------


async def test_consent_withdrawn_asks_for_a_new_token_and_keeps_history(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    stats: MagicMock,
    issue_registry: ir.IssueRegistry,
) -> None:
    """ADAM-DC-0008: a repair issue, a reauth flow, polling stopped; a new token resumes."""
    freezer.move_to(paris(DAY, 10))
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    held = dict(coordinator.readings.daily["consumption"])
    assert YESTERDAY in held

    conso_api.fail_next(403, CONSENT_WITHDRAWN, times=50)
    await advance(hass, freezer, paris(DAY + timedelta(days=1), 7))
    issue = issue_registry.async_get_issue(DOMAIN, f"access_ended_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "access_ended"
    assert issue.translation_placeholders == {
        "title": entry.title,
        "prm": CONSUMPTION_PRM,
        "code": "ADAM-DC-0008",
    }
    flows = reauth_flows(hass)
    assert len(flows) == 1
    assert coordinator.next_poll is None
    # Nothing more is asked while access is refused.
    sent = len(conso_api.requests)
    await advance(hass, freezer, paris(DAY + timedelta(days=2), 12))
    assert len(conso_api.requests) == sent
    assert coordinator.unsupported == {}

    # A new consent, a new token: the entry reloads with its history and polls again.
    conso_api.clear_faults()
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"token": conso_api.make_token([CONSUMPTION_PRM])}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, f"access_ended_{entry.entry_id}") is None
    readings = coordinator_of(entry).readings
    assert held.items() <= readings.daily["consumption"].items()
    assert readings.has("consumption_daily", DAY + timedelta(days=1))


async def test_transient_refusal_is_asked_again_the_next_day(  # noqa: PLR0917
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    stats: MagicMock,
    issue_registry: ir.IssueRegistry,
) -> None:
    """ADAM-DC-0007 answered as a 400 (Enedis, summer 2026): no reauth, retried the next day."""
    freezer.move_to(paris(DAY, 10))
    entry = conso_entry(hass, conso_api)
    polled_before(hass_storage, entry, YESTERDAY)
    body = {
        "status": 400,
        "message": "The Enedis API returned an error",
        "error": {"error": "ADAM-DC-0007", "error_description": "Not the holder"},
    }
    conso_api.fail_next(400, body, type="consommation_quotidienne")
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    assert not reauth_flows(hass)
    assert coordinator.refused == {"consumption_daily": DAY}
    assert not coordinator.readings.has("consumption_daily", YESTERDAY)
    # Not retried today (the curve is held, so the day is up to date otherwise)...
    await advance(hass, freezer, paris(DAY, 18))
    assert not coordinator.readings.has("consumption_daily", YESTERDAY)
    # ...asked again tomorrow, with the missed day.
    await advance(hass, freezer, paris(DAY + timedelta(days=1), 7))
    assert coordinator.readings.has("consumption_daily", YESTERDAY)
    assert coordinator.refused == {}
    assert entry.state is ConfigEntryState.LOADED


async def test_expired_token_starts_reauthentication_at_setup(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    stats: MagicMock,
) -> None:
    freezer.move_to(paris(DAY, 10))
    entry = conso_entry(
        hass, conso_api, token=conso_api.make_token([CONSUMPTION_PRM], expired=True)
    )
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass)) == 1
    assert not conso_api.requests


async def test_token_expiring_within_30_days_raises_a_repair_issue(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    stats: MagicMock,
    issue_registry: ir.IssueRegistry,
) -> None:
    now = paris(DAY, 10)
    freezer.move_to(now - TOKEN_LIFETIME + timedelta(days=20))  # issued so it expires in 20 days
    token = conso_api.make_token([CONSUMPTION_PRM])
    freezer.move_to(now)
    entry = conso_entry(hass, conso_api, token=token)
    await setup(hass, entry)
    issue = issue_registry.async_get_issue(DOMAIN, f"token_expiring_{entry.entry_id}")
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders["date"] == (DAY + timedelta(days=20)).isoformat()
    # Once it has expired (checked at midnight): reauthentication.
    await advance(hass, freezer, paris(DAY + timedelta(days=21), 0, 1))
    assert len(reauth_flows(hass)) == 1


async def test_token_far_from_expiry_raises_no_issue(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    stats: MagicMock,
    issue_registry: ir.IssueRegistry,
) -> None:
    freezer.move_to(paris(DAY, 10))
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    assert issue_registry.async_get_issue(DOMAIN, f"token_expiring_{entry.entry_id}") is None


async def test_401_outside_the_poll_starts_reauth(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    stats: MagicMock,
) -> None:
    """A backfill or action request refused: reauthentication, whatever else is running.

    (A flag set while a refresh ran once swallowed it; refreshes no longer send requests.)
    """
    freezer.move_to(paris(DAY, 5))
    entry = conso_entry(hass, conso_api)
    polled_before(hass_storage, entry, YESTERDAY)
    await setup(hass, entry)
    coordinator = coordinator_of(entry)
    conso_api.expire_tokens()
    with pytest.raises(AuthenticationError):
        await coordinator.async_fetch_range("consumption_daily", DAY - timedelta(days=9), DAY)
    await hass.async_block_till_done()
    assert len(reauth_flows(hass)) == 1
    assert coordinator.next_poll is None


# -- housekeeping ------------------------------------------------------------------------------


async def test_removing_an_entry_deletes_all_its_stores(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    stats: MagicMock,
) -> None:
    freezer.move_to(paris(DAY, 10))
    entry = conso_entry(hass, conso_api)
    await setup(hass, entry)
    hass_storage[f"linky.statistics.{entry.entry_id}"] = {
        "version": 1,
        "key": f"linky.statistics.{entry.entry_id}",
        "data": {"stale": {}, "tariffs": {}},
    }
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert f"linky.{entry.entry_id}" not in hass_storage
    assert f"linky.statistics.{entry.entry_id}" not in hass_storage


async def test_production_turned_off_removes_its_entities(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    stats: MagicMock,
    entity_registry: er.EntityRegistry,
) -> None:
    freezer.move_to(paris(DAY, 10))
    entry = conso_entry(hass, conso_api, production=True)
    await setup(hass, entry)

    def production_entities() -> list[str]:
        return [
            item.entity_id
            for item in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
            if "production" in item.unique_id
        ]

    assert len(production_entities()) == 3
    hass.config_entries.async_update_entry(entry, options={**entry.options, "production": False})
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert production_entities() == []
    assert hass.states.get(f"sensor.linky_{CONSUMPTION_PRM}_consumption_yesterday") is not None


async def test_invalid_stored_prices_keep_the_entities_and_raise_a_repair_issue(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    stats: MagicMock,
    entity_registry: er.EntityRegistry,
) -> None:
    """Prices out of range (saved by an older release) unprice their direction only."""
    freezer.move_to(paris(DAY, 10))
    no_poll = patch.object(LinkyCoordinator, "async_poll", AsyncMock())  # no request needed
    no_poll.start()
    contract = {
        "start": "2025-01-01",
        "option": "hphc",
        "subscription": 15.0,
        "prices": {"hp": 0.2, "hc": 0.15},
        "off_peak_hours": "22:00-06:00",
    }
    production = {"direction": "production", "start": "2025-01-01", "base": 0.1}
    entry = conso_entry(hass, conso_api, production=True)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "contract": [contract], "tariffs": [production]}
    )
    await setup(hass, entry)
    issues = ir.async_get(hass)
    keys = (
        "current_class",
        "current_price",
        "consumption_yesterday_hp",
        "consumption_yesterday_hc",
    )
    class_entities = {f"{CONSUMPTION_PRM}_{key}" for key in keys}

    def registered() -> set[str]:
        return {
            item.unique_id
            for item in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        }

    def current_class() -> str:
        entity_id = entity_registry.async_get_entity_id(
            "sensor", DOMAIN, f"{CONSUMPTION_PRM}_current_class"
        )
        state = hass.states.get(entity_id or "")
        assert state is not None
        return state.state

    assert class_entities <= registered()
    assert not issues.async_get_issue(DOMAIN, f"invalid_prices_production_{entry.entry_id}")

    # A production price of 7 EUR/kWh: production unpriced, consumption priced as before.
    invalid = {**production, "base": 7.0}
    hass.config_entries.async_update_entry(entry, options={**entry.options, "tariffs": [invalid]})
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator_of(entry).contract is not None
    assert current_class() == "hp"
    assert issues.async_get_issue(DOMAIN, f"invalid_prices_production_{entry.entry_id}")

    # An invalid contract price: no consumption pricing, but its entities stay registered.
    bad_contract = {**contract, "prices": {"hp": 6.0, "hc": 0.15}}
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "contract": [bad_contract], "tariffs": [production]}
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator_of(entry).contract is None
    assert class_entities <= registered()
    assert issues.async_get_issue(DOMAIN, f"invalid_prices_consumption_{entry.entry_id}")
    assert not issues.async_get_issue(DOMAIN, f"invalid_prices_production_{entry.entry_id}")

    # Corrected: the issue goes.
    hass.config_entries.async_update_entry(entry, options={**entry.options, "contract": [contract]})
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not issues.async_get_issue(DOMAIN, f"invalid_prices_consumption_{entry.entry_id}")
    assert current_class() == "hp"
    no_poll.stop()


async def test_a_single_class_contract_closes_the_contract_mismatch_issue(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    stats: MagicMock,
) -> None:
    """Opened for HP/HC, the issue goes when the contract becomes Base (nothing to check)."""
    freezer.move_to(paris(DAY, 10))
    entry = conso_entry(hass, conso_api)
    base = {"start": "2025-01-01", "option": "base", "subscription": 15.0, "prices": {"base": 0.2}}
    hass.config_entries.async_update_entry(entry, options={**entry.options, "contract": [base]})
    issue_id = f"contract_mismatch_{entry.entry_id}"
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="contract_mismatch",
    )
    with patch.object(LinkyCoordinator, "async_poll", AsyncMock()):
        await setup(hass, entry)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
