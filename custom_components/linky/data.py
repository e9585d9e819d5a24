"""What a loaded config entry holds (``entry.runtime_data``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .backfill import HistoryBackfill
    from .coordinator import LinkyCoordinator
    from .statistics_import import LinkyStatistics

type LinkyConfigEntry = ConfigEntry[LinkyRuntimeData]


@dataclass(slots=True)
class LinkyRuntimeData:
    """The meter's coordinator, statistics importer and history backfill."""

    coordinator: LinkyCoordinator
    statistics: LinkyStatistics
    backfill: HistoryBackfill
