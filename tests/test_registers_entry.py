"""The meter's class registers in a running entry: asked weekly, checked against the contract.

Against the fake Conso API with a frozen clock; the statistics importer is replaced (its own
tests cover it) and the backfill is kept out, so only the daily poll asks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, time, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky.const import DOMAIN
from custom_components.linky.contract_check import MISMATCH_DAYS
from custom_components.linky.paris import paris_day
from linky_simulator import ConsoApiSimulator, MeterTariff, SimulatedMeter
from tests.const import CONSUMPTION_PRM
from tests.integration_helpers import (
    advance,
    conso_entry,
    data_requests,
    fake_statistics,
    no_backfill,
    paris,
    setup,
)

DAY = date(2026, 11, 16)
METER_HOURS = ((time(2), time(7)), (time(13), time(16)))


@pytest.fixture(autouse=True)
def _steady_only() -> Iterator[None]:
    with no_backfill(), fake_statistics():
        yield


def contract(option: str, off_peak: str | None = None) -> list[dict[str, Any]]:
    prices = {"base": {"base": 0.2}, "hphc": {"hp": 0.2, "hc": 0.15}}[option]
    period: dict[str, Any] = {"start": "2026-01-01", "option": option, "prices": prices}
    if off_peak:
        period["off_peak_hours"] = off_peak
    return [period]


def meter_with(tariff: MeterTariff, seed: int = 3) -> SimulatedMeter:
    """The consumption meter, with data since January and the given registers."""
    return SimulatedMeter(CONSUMPTION_PRM, seed=seed, first_day=date(2026, 1, 1), tariff=tariff)


def entry_with(
    hass: HomeAssistant, api: ConsoApiSimulator, periods: list[dict[str, Any]]
) -> MockConfigEntry:
    entry = conso_entry(hass, api)
    hass.config_entries.async_update_entry(entry, options={**entry.options, "contract": periods})
    return entry


def mismatch(issues: ir.IssueRegistry, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return issues.async_get_issue(DOMAIN, f"contract_mismatch_{entry.entry_id}")


async def test_wrong_off_peak_hours_raise_a_repair_that_says_the_meter_s(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
    issue_registry: ir.IssueRegistry,
) -> None:
    freezer.move_to(paris(DAY, 9))
    meter = meter_with(MeterTariff("hphc", off_peak=METER_HOURS))
    api = await conso_api_factory([meter])
    entry = entry_with(hass, api, contract("hphc", "22:00-06:00"))
    await setup(hass, entry)

    # The first poll asked for the registers of the last 14 days with the rest.
    assert ("index_consommation", "2026-11-02", "2026-11-16") in data_requests(api)
    issue = mismatch(issue_registry, entry)
    assert issue is not None
    assert issue.translation_key == "contract_mismatch_ranges"
    placeholders = issue.translation_placeholders or {}
    assert placeholders["ranges"] == "02:00-07:00;13:00-16:00"
    # Days with a whole load curve and both registers (9 to 14 November) that disagree.
    days = [date.fromisoformat(day) for day in placeholders["days"].split(", ")]
    assert len(days) >= MISMATCH_DAYS
    assert set(days) <= {date(2026, 11, day) for day in range(9, 15)}
    latest = meter.day_registers_wh(days[-1])
    hp, hc = latest[("FC000002", "HP")], latest[("FC000002", "HC")]
    assert placeholders["meter"] == f"hp {hp / 1000:.1f} kWh, hc {hc / 1000:.1f} kWh"

    # The user types the meter's hours: after the reload the issue is gone.
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "contract": contract("hphc", "02:00-07:00;13:00-16:00")}
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert mismatch(issue_registry, entry) is None


async def test_registers_are_asked_weekly(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
    issue_registry: ir.IssueRegistry,
) -> None:
    freezer.move_to(paris(DAY, 9))
    meter = meter_with(MeterTariff("hphc"))
    api = await conso_api_factory([meter])
    entry = entry_with(hass, api, contract("hphc", "22:00-06:00"))
    await setup(hass, entry)
    for offset in range(1, 15):
        await advance(hass, freezer, paris(DAY + timedelta(days=offset), 9))

    index_requests = [r for r in api.requests if r.type == "index_consommation"]
    assert [(r.start, r.end) for r in index_requests] == [
        ("2026-11-02", "2026-11-16"),
        ("2026-11-16", "2026-11-23"),
        ("2026-11-23", "2026-11-30"),
    ]
    # Every day the same three requests; the registers make a fourth once a week.
    per_day = Counter(paris_day(r.time) for r in api.requests)
    assert sorted(per_day.values()) == [3] * 12 + [4] * 3
    assert mismatch(issue_registry, entry) is None  # the hours typed are the meter's


@pytest.mark.parametrize("periods", [[], contract("base")])
async def test_no_registers_without_classes(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
    periods: list[dict[str, Any]],
) -> None:
    freezer.move_to(paris(DAY, 9))
    meter = meter_with(MeterTariff("base"), seed=4)
    api = await conso_api_factory([meter])
    entry = entry_with(hass, api, periods)
    await setup(hass, entry)
    await advance(hass, freezer, paris(DAY + timedelta(days=7), 9))

    assert [r.type for r in api.requests].count("consommation_quotidienne") == 2
    assert "index_consommation" not in [r.type for r in api.requests]


async def test_registers_refused_stop_nothing(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
    issue_registry: ir.IssueRegistry,
) -> None:
    """An API that refuses the registers (403, 400): the meter's data still comes; asked again."""
    freezer.move_to(paris(DAY, 9))
    meter = meter_with(MeterTariff("hphc"))
    api = await conso_api_factory([meter])
    api.fail_next(
        403,
        {"error": "ADAM-DC-0008", "error_description": "no consent"},
        type="index_consommation",
    )
    entry = entry_with(hass, api, contract("hphc", "22:00-06:00"))
    await setup(hass, entry)

    assert entry.state is ConfigEntryState.LOADED
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)  # no reauth
    assert issue_registry.async_get_issue(DOMAIN, f"access_ended_{entry.entry_id}") is None
    assert entry.runtime_data.coordinator.readings.daily["consumption"]
    await advance(hass, freezer, paris(DAY + timedelta(days=1), 9))
    assert [r.type for r in api.requests].count("index_consommation") == 2
    assert entry.runtime_data.coordinator.readings.registers
