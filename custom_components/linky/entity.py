"""Base entity: one device per meter (PRM), a service fed by the coordinator."""

from __future__ import annotations

from typing import override

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_SOURCE, DOMAIN, SOURCE_ENEDIS
from .coordinator import LinkyCoordinator

_CONFIGURATION_URL = {
    "conso": "https://conso.boris.sh",
    SOURCE_ENEDIS: "https://mon-compte-entreprise.enedis.fr",
}


class LinkyEntity(CoordinatorEntity[LinkyCoordinator]):
    """An entity of one Linky meter."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: LinkyCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the meter's device."""
        super().__init__(coordinator)
        self.entity_description = description
        prm = coordinator.prm
        self._attr_unique_id = f"{prm}_{description.key}"
        source = coordinator.config_entry.data[CONF_SOURCE]
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, prm)},
            entry_type=DeviceEntryType.SERVICE,
            manufacturer="Enedis",
            model="Linky",
            model_id="Conso API" if source != SOURCE_ENEDIS else "Data Connect",
            name=f"Linky {prm}",
            serial_number=prm,
            configuration_url=_CONFIGURATION_URL.get(source),
        )

    @property
    @override
    def available(self) -> bool:
        """Unavailable after several failed updates in a row (values are kept meanwhile)."""
        return super().available and self.coordinator.reachable
