"""Diagnostics: what is held, the schedule and the last errors; never a token, secret or PRM."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_TOKEN
from homeassistant.core import HomeAssistant

from .const import CONF_PRM
from .data import LinkyConfigEntry
from .kinds import DATA_KINDS, KINDS, DataKind
from .readings import MeterReadings

TO_REDACT = {
    CONF_TOKEN,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_PRM,
    "unique_id",
    "title",  # "Linky <prm>"
}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _kind_summary(readings: MeterReadings, kind: DataKind) -> dict[str, Any]:
    info = KINDS[kind]
    days = sorted(readings.days_held(kind))
    missing = readings.missing[kind]
    summary: dict[str, Any] = {
        "days": len(days),
        "first": _iso(days[0]) if days else None,
        "last": _iso(days[-1]) if days else None,
        "missing_days": len(missing),
        "latest_missing": [_iso(day) for day in sorted(missing)[-10:]],
    }
    if info.shape == "index" and days:
        summary["registers"] = sorted(readings.registers[days[-1]])
    if info.shape == "curve":
        summary["incomplete_days"] = [
            _iso(day) for day in days if not readings.curve_is_complete(info.direction, day)
        ][-10:]
    return summary


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: LinkyConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    coordinator = entry.runtime_data.coordinator
    client = coordinator.client
    snapshot = coordinator.data
    return {
        "entry": async_redact_data(entry.as_dict(), TO_REDACT),
        "client": {
            "type": type(client).__name__,
            "base_url": client.base_url,
            "requests": client.requests_count,
            "errors": client.errors_count,
        },
        "schedule": {
            "poll_offset_minutes": coordinator.poll_offset,
            "next_poll": _iso(coordinator.next_poll),
            "polls_today": coordinator.poll_state.as_dict(),
            "consecutive_failures": coordinator.failures,
            "stopped": coordinator.stopped,
            "rate_limited_until": _iso(coordinator.rate_limited_until),
            "unsupported_kinds": dict(coordinator.unsupported),
            "last_update_success": coordinator.last_update_success,
            "last_exception": repr(coordinator.last_exception)
            if coordinator.last_exception
            else None,
        },
        "readings": {kind: _kind_summary(coordinator.readings, kind) for kind in DATA_KINDS},
        "snapshot": {
            key: _iso(value) if isinstance(value, date | datetime) else value
            for key, value in asdict(snapshot).items()
        }
        if snapshot is not None
        else None,
    }
