"""The Linky integration: French smart-meter data from the Conso API or Enedis Data Connect."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

from .api import (
    COULEUR_TEMPO_URL,
    RTE_TEMPO_URL,
    EnedisDataConnectClient,
    InvalidTokenError,
    LinkyError,
    PRMAccessError,
)
from .backfill import HistoryBackfill
from .backfill_plan import history_start
from .budget import async_get_budget
from .client import api_host, async_create_client, token_expires_at
from .const import CONF_PRM, CONF_TEMPO_FALLBACK_URL, CONF_TEMPO_URL, DOMAIN
from .contract import Contract, parse_contracts
from .coordinator import LinkyCoordinator, StopReason
from .data import LinkyConfigEntry, LinkyRuntimeData
from .issues import (
    ACCESS_ENDED,
    CONTRACT_MISMATCH,
    delete_access_blocked,
    delete_all_issues,
    delete_issue,
    update_contract_mismatch,
    update_invalid_prices,
    update_regulated_out_of_date,
)
from .readings_store import STORAGE_VERSION
from .services import async_setup_services
from .statistics_import import LinkyStatistics
from .tempo_colours import TempoColours, async_get_tempo_colours, async_use_tempo_colours

_LOGGER = logging.getLogger(__name__)

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's service actions."""
    async_setup_services(hass)
    return True


def _auth_failed(entry: LinkyConfigEntry, key: str) -> ConfigEntryAuthFailed:
    return ConfigEntryAuthFailed(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"prm": entry.data[CONF_PRM]},
    )


async def async_setup_entry(hass: HomeAssistant, entry: LinkyConfigEntry) -> bool:
    """Set up a meter: readings from the store (no request), then the daily schedule."""
    try:
        client = await async_create_client(hass, dict(entry.data))
    except (InvalidTokenError, PRMAccessError) as err:
        raise _auth_failed(entry, "auth_failed") from err
    expires = token_expires_at(client)
    if expires is not None and expires <= dt_util.utcnow():
        raise _auth_failed(entry, "token_expired")
    # New credentials were just given (or Home Assistant restarted): if access is still
    # refused, the next request opens the issue again.
    delete_issue(hass, ACCESS_ENDED, entry)
    budget = await async_get_budget(hass, api_host(entry.data))
    entry.async_on_unload(budget.register(entry.entry_id))  # its share of the steady reserve
    if budget.lift_block():  # reloaded after a ban: the host's other meters resume too
        _reload_blocked(hass, entry, budget.host)
    contract = _consumption_contract(hass, entry)
    colours = None
    if contract is not None:  # its series include a coloured one (`series`: cost_if_tempo)
        colours = await async_get_tempo_colours(
            hass,
            entry.data.get(CONF_TEMPO_URL, RTE_TEMPO_URL),
            entry.data.get(CONF_TEMPO_FALLBACK_URL, COULEUR_TEMPO_URL),
        )
        entry.async_on_unload(async_use_tempo_colours(hass, colours))
    colour_of = colours.colour_of if colours else None
    statistics = LinkyStatistics(hass, entry, colour_of)
    coordinator = LinkyCoordinator(
        hass, entry, client, contract=contract, colour_of=colour_of, budget=budget
    )
    backfill = HistoryBackfill(coordinator)
    entry.runtime_data = LinkyRuntimeData(coordinator, statistics, backfill)

    await coordinator.async_config_entry_first_refresh()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    colours_held = _follow_colours(hass, entry, colours) if colours is not None else None
    statistics.async_follow(coordinator, after=colours_held)
    coordinator.async_start(backfill.start)
    if contract is not None:  # compared with the regulated options (the grid's date matters)
        _follow_regulated_grid(hass, entry)
    if _needs_subscribed_power(coordinator):
        entry.async_create_background_task(
            hass, _async_read_subscribed_power(coordinator), f"Linky {entry.title} contract"
        )
    if contract is not None and len(contract.classes) > 1:
        _follow_registers(hass, entry, contract)
    else:  # no classes to check (any more)
        delete_issue(hass, CONTRACT_MISMATCH, entry)
    return True


def _reload_blocked(hass: HomeAssistant, entry: LinkyConfigEntry, host: str) -> None:
    """Reload the other meters of a host that its ban stopped (the user reloaded this one)."""
    for other in hass.config_entries.async_loaded_entries(DOMAIN):
        coordinator = other.runtime_data.coordinator
        if (
            other.entry_id != entry.entry_id
            and coordinator.budget.host == host
            and coordinator.stopped is StopReason.BLOCKED
        ):
            hass.config_entries.async_schedule_reload(other.entry_id)


def _consumption_contract(hass: HomeAssistant, entry: LinkyConfigEntry) -> Contract | None:
    """Return the consumption contract; say (log, repair issue) which stored prices are invalid."""
    contracts, problems = parse_contracts(entry.options)
    for direction, problem in problems.items():
        _LOGGER.warning(
            "%s: the %s prices in the options are invalid (%s); they are not used until "
            "corrected in the options",
            entry.title,
            direction,
            problem,
        )
    update_invalid_prices(hass, entry, problems)
    return contracts.get("consumption")


def _needs_subscribed_power(coordinator: LinkyCoordinator) -> bool:
    """Whether to ask Enedis for the subscribed power: none in today's contract period."""
    if not isinstance(coordinator.client, EnedisDataConnectClient):
        return False
    contract = coordinator.contract
    return contract is None or contract.period_on(coordinator.today()).subscribed_power_kva is None


async def _async_read_subscribed_power(coordinator: LinkyCoordinator) -> None:
    """Read the subscribed power from Enedis's contract data (one request) for the sensors.

    A failure is only logged: the ratio sensor stays unknown, polling is not affected.
    """
    client = coordinator.client
    if coordinator.stopped or not isinstance(client, EnedisDataConnectClient):
        return
    try:
        situation = await client.get_contract_situation(coordinator.prm)
    except LinkyError as err:
        _LOGGER.info("%s: the contract data could not be read (%s)", coordinator.name, err)
        return
    if situation.subscribed_power_kva is None:
        _LOGGER.info("%s: the contract data gives no subscribed power", coordinator.name)
        return
    coordinator.subscribed_power_kva = situation.subscribed_power_kva
    coordinator.push_snapshot()


def _follow_colours(
    hass: HomeAssistant, entry: LinkyConfigEntry, colours: TempoColours
) -> asyncio.Task[None]:
    """Fetch the colours of the history once (the task returned); follow the new ones."""
    runtime = entry.runtime_data
    today = runtime.coordinator.today()

    @callback
    def colour_known(_day: date) -> None:
        runtime.coordinator.push_snapshot()  # the statistics follow the coordinator

    entry.async_on_unload(colours.async_add_listener(colour_known))
    first = history_start("consumption_daily", today)
    return entry.async_create_background_task(
        hass, colours.async_ensure_history(first, today), f"Linky {entry.title} Tempo history"
    )


def _follow_registers(hass: HomeAssistant, entry: LinkyConfigEntry, contract: Contract) -> None:
    """Check the contract against the meter's registers whenever newer ones are held."""
    coordinator = entry.runtime_data.coordinator
    checked: list[date | None] = [None]

    @callback
    def check() -> None:
        latest = max(coordinator.readings.registers, default=None)
        if latest is not None and latest != checked[0]:
            checked[0] = latest
            update_contract_mismatch(
                hass, entry, coordinator.readings, contract, coordinator.colour_of
            )

    check()
    entry.async_on_unload(coordinator.async_add_listener(check))


def _follow_regulated_grid(hass: HomeAssistant, entry: LinkyConfigEntry) -> None:
    """Say (repair issue) when the built-in regulated grid misses a price change, every day."""
    coordinator = entry.runtime_data.coordinator

    @callback
    def check() -> None:
        update_regulated_out_of_date(hass, coordinator.today())

    check()
    entry.async_on_unload(coordinator.async_add_listener(check))


async def async_unload_entry(hass: HomeAssistant, entry: LinkyConfigEntry) -> bool:
    """Unload a meter (the coordinator stops its schedule and saves its readings)."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: LinkyConfigEntry) -> None:
    """Forget what was stored for a removed meter (its long-term statistics are kept)."""
    for key in (f"{DOMAIN}.{entry.entry_id}", f"{DOMAIN}.statistics.{entry.entry_id}"):
        await Store[dict[str, Any]](hass, STORAGE_VERSION, key).async_remove()
    delete_all_issues(hass, entry)
    host = api_host(entry.data)
    others = hass.config_entries.async_entries(DOMAIN)
    if not any(o.entry_id != entry.entry_id and api_host(o.data) == host for o in others):
        delete_access_blocked(hass, host)  # the host's issue: no meter uses it any more
