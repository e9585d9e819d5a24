"""What a loaded config entry holds (``entry.runtime_data``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .kinds import Direction

if TYPE_CHECKING:
    from .backfill import HistoryBackfill
    from .coordinator import LinkyCoordinator
    from .statistics_import import LinkyStatistics

type LinkyConfigEntry = ConfigEntry[LinkyRuntimeData]

DATA_PROBED: HassKey[dict[str, dict[Direction, dict[date, int]]]] = HassKey(f"{DOMAIN}_probed")
"""Daily values the config flow fetched while checking access, per PRM, for the new entry."""


@dataclass(slots=True)
class LinkyRuntimeData:
    """The meter's coordinator, statistics importer and history backfill."""

    coordinator: LinkyCoordinator
    statistics: LinkyStatistics
    backfill: HistoryBackfill
