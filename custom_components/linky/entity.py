"""Base entity: one device per meter (PRM), a service fed by the coordinator; English ids."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Final, override

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_SOURCE, DOMAIN, SOURCE_ENEDIS
from .contract import COLOURS
from .coordinator import LinkyCoordinator

_CONFIGURATION_URL = {
    "conso": "https://conso.boris.sh",
    SOURCE_ENEDIS: "https://mon-compte-entreprise.enedis.fr",
}

OBJECT_IDS: Final = {
    "max_power_yesterday": "maximum_power_yesterday",
    "max_power_time_yesterday": "time_of_maximum_power_yesterday",
    "consumption_month": "consumption_this_month",
    "consumption_previous_month": "consumption_last_month",
    "production_month": "production_this_month",
    "production_previous_month": "production_last_month",
    "consumption_yesterday_hp": "consumption_yesterday_peak_hours",
    "consumption_yesterday_hc": "consumption_yesterday_off_peak_hours",
    **{
        f"consumption_yesterday_{c}_{h}": f"consumption_yesterday_{c}_day_{hours}"
        for c in COLOURS
        for h, hours in (("hp", "peak_hours"), ("hc", "off_peak_hours"))
    },
    "current_class": "current_tariff_class",
    "tempo_today": "tempo_colour_today",
    "tempo_tomorrow": "tempo_colour_tomorrow",
}
"""The keys whose entity id differs from the key, as English names gave them before."""


def english_entity_id(platform: Platform, prm: str, key: str) -> str:
    """Return the entity id of ``key``: ``<platform>.linky_<prm>_<id>``, see `OBJECT_IDS`.

    In English whatever the server's language: Home Assistant (2026) derives a new entity's id
    from its name in the server's language; an id the integration sets is taken as the
    suggestion instead. Entities already registered keep theirs.
    """
    return f"{platform}.linky_{prm}_{OBJECT_IDS.get(key, key)}"


def unique_id(prm: str, key: str) -> str:
    """Return the unique id of the meter's entity ``key``."""
    return f"{prm}_{key}"


@callback
def async_remove_entities(
    hass: HomeAssistant, platform: Platform, prm: str, keys: Iterable[str]
) -> None:
    """Remove from the registry the meter's entities ``keys`` (no longer provided)."""
    registry = er.async_get(hass)
    for key in keys:
        if entity_id := registry.async_get_entity_id(platform, DOMAIN, unique_id(prm, key)):
            registry.async_remove(entity_id)


class LinkyEntity(CoordinatorEntity[LinkyCoordinator]):
    """An entity of one Linky meter, of the platform each subclass names."""

    _attr_has_entity_name = True
    platform_domain: ClassVar[Platform]

    def __init__(self, coordinator: LinkyCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the meter's device; suggest its English entity id."""
        super().__init__(coordinator)
        self.entity_description = description
        prm = coordinator.prm
        self._attr_unique_id = unique_id(prm, description.key)
        self.entity_id = english_entity_id(self.platform_domain, prm, description.key)
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
