"""Service actions: rebuild a meter's statistics, fetch a date range again.

Registered once in ``async_setup`` (not per entry), so automations referring to them validate
even while an entry is not loaded; each call names the config entry (the meter) it acts on.
"""

from datetime import date, timedelta
from typing import Final

import probatio as vol
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_get_config_entry

from .api import LinkyError
from .backfill_plan import history_start, split_range
from .budget import BudgetExhausted, Priority, async_get_budget, backfill_priority
from .client import api_host
from .const import DOMAIN, PARIS
from .data import LinkyConfigEntry
from .kinds import DATA_KINDS, DataKind

SERVICE_REBUILD_STATISTICS: Final = "rebuild_statistics"
SERVICE_FETCH_RANGE: Final = "fetch_range"
ATTR_START: Final = "start"
ATTR_END: Final = "end"
ATTR_DATA_TYPES: Final = "data_types"

REBUILD_SCHEMA: Final = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})
FETCH_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_START): cv.date,
        vol.Required(ATTR_END): cv.date,
        vol.Optional(ATTR_DATA_TYPES): vol.All(cv.ensure_list, [vol.In(DATA_KINDS)]),
    }
)


def _entry(call: ServiceCall) -> LinkyConfigEntry:
    """Return the loaded Linky entry a call names (Home Assistant's own checks)."""
    entry: LinkyConfigEntry = async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    return entry


async def _async_rebuild(call: ServiceCall) -> None:
    runtime = _entry(call).runtime_data
    await runtime.statistics.async_rebuild(runtime.coordinator.readings)


async def _async_fetch_range(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = _entry(call)
    coordinator = entry.runtime_data.coordinator
    start: date = call.data[ATTR_START]
    end: date = call.data[ATTR_END]  # included
    today = coordinator.today()
    kinds: list[DataKind] = [
        kind
        for kind in call.data.get(ATTR_DATA_TYPES, coordinator.kinds)
        if kind in coordinator.kinds
    ]
    earliest = min((history_start(kind, today) for kind in kinds), default=today)
    if not kinds or start > end or end >= today or start < earliest:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_range",
            translation_placeholders={
                "earliest": earliest.isoformat(),
                "latest": (today - timedelta(days=1)).isoformat(),
            },
        )
    requests = [
        request
        for kind in kinds
        for request in split_range(
            kind, max(start, history_start(kind, today)), end + timedelta(days=1)
        )
    ]
    budget = await async_get_budget(hass, api_host(entry.data))
    if budget.available(Priority.BACKFILL) < len(requests):
        frees = budget.frees_at(Priority.BACKFILL, len(requests))
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="budget_exhausted",
            translation_placeholders={
                "needed": str(len(requests)),
                "available": str(budget.available(Priority.BACKFILL)),
                "time": frees.astimezone(PARIS).strftime("%Y-%m-%d %H:%M") if frees else "-",
            },
        )
    changed: date | None = None
    try:
        with backfill_priority():
            for request in requests:
                day = await coordinator.async_fetch_range(request.kind, request.start, request.end)
                if day is not None and (changed is None or day < changed):
                    changed = day
    except (BudgetExhausted, LinkyError) as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="fetch_failed",
            translation_placeholders={"error": str(err)},
        ) from err
    await entry.runtime_data.statistics.async_idle()  # the dashboard shows the days on return
    return {"requests": len(requests), "changed_from": changed.isoformat() if changed else None}


def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's service actions."""
    hass.services.async_register(
        DOMAIN, SERVICE_REBUILD_STATISTICS, _async_rebuild, schema=REBUILD_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_FETCH_RANGE,
        _async_fetch_range,
        schema=FETCH_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
