"""Binary sensor "off-peak now": the contract's off-peak hours, switched at the boundary minute.

For a contract with classes (HP/HC or Tempo in some period): on inside the off-peak ranges in
force today (HP/HC: the period's, summer ranges included; Tempo: 22:00-06:00), see `off_peak`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .contract import Contract
from .coordinator import LinkyCoordinator
from .data import LinkyConfigEntry
from .entity import async_remove_entities
from .off_peak import is_off_peak, next_off_peak_change
from .paris import local_midnight, paris_day
from .timed import LinkyTimedEntity

PARALLEL_UPDATES = 0

OFF_PEAK_NOW: Final = BinarySensorEntityDescription(
    key="off_peak_now", translation_key="off_peak_now"
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LinkyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add "off-peak now" for a contract with classes (else forget it)."""
    coordinator = entry.runtime_data.coordinator
    contract = coordinator.contract
    if contract is not None and len(contract.classes) > 1:
        async_add_entities([LinkyOffPeakSensor(coordinator, contract)])
        return
    async_remove_entities(hass, Platform.BINARY_SENSOR, coordinator.prm, [OFF_PEAK_NOW.key])


class LinkyOffPeakSensor(LinkyTimedEntity, BinarySensorEntity):
    """On during the contract's off-peak hours; the next change is an attribute."""

    platform_domain = Platform.BINARY_SENSOR

    def __init__(self, coordinator: LinkyCoordinator, contract: Contract) -> None:
        """Follow ``contract`` (an options change reloads the entry)."""
        super().__init__(coordinator, OFF_PEAK_NOW)
        self._contract = contract

    @property
    @override
    def is_on(self) -> bool:
        """Whether the off-peak hours are running now."""
        return is_off_peak(self._contract, dt_util.utcnow())

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """When the state changes next (None beyond three days: a Base period)."""
        return {"next_change": next_off_peak_change(self._contract, dt_util.utcnow())}

    @override
    def next_change(self, now: datetime) -> datetime:
        """Return the next boundary, else the next Paris midnight (looked at again then)."""
        return next_off_peak_change(self._contract, now) or local_midnight(
            paris_day(now) + timedelta(days=1)
        )
