"""The Linky integration: French smart-meter data from the Conso API or Enedis Data Connect."""

from __future__ import annotations

from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

from .api import InvalidTokenError, PRMAccessError
from .backfill import HistoryBackfill
from .budget import async_get_budget
from .client import api_host, async_create_client, token_expires_at
from .const import CONF_PRM, DOMAIN
from .coordinator import STORAGE_VERSION, LinkyCoordinator
from .data import LinkyConfigEntry, LinkyRuntimeData
from .issues import ACCESS_ENDED, delete_all_issues, delete_issue
from .services import async_setup_services
from .statistics_import import LinkyStatistics

PLATFORMS: list[Platform] = [Platform.SENSOR]
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
    statistics = LinkyStatistics(hass, entry)
    coordinator = LinkyCoordinator(hass, entry, client, statistics)
    backfill = HistoryBackfill(coordinator, statistics)
    entry.runtime_data = LinkyRuntimeData(coordinator, statistics, backfill)

    await coordinator.async_config_entry_first_refresh()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.async_start(backfill.start)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: LinkyConfigEntry) -> bool:
    """Unload a meter (the coordinator stops its schedule and saves its readings)."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: LinkyConfigEntry) -> None:
    """Forget what was stored for a removed meter (its long-term statistics are kept)."""
    for key in (f"{DOMAIN}.{entry.entry_id}", f"{DOMAIN}.statistics.{entry.entry_id}"):
        await Store[dict[str, Any]](hass, STORAGE_VERSION, key).async_remove()
    delete_all_issues(hass, entry)
