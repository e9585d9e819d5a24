"""What every Linky sensor is: its description (how to read the value) and its entity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, override

from homeassistant.components.sensor import SensorEntity, SensorEntityDescription
from homeassistant.const import Platform
from homeassistant.helpers.typing import StateType

from .contract import COLOURS
from .coordinator import LinkyCoordinator
from .entity import LinkyEntity


@dataclass(frozen=True, kw_only=True)
class LinkySensorEntityDescription(SensorEntityDescription):
    """A Linky sensor: how to read its value from the coordinator."""

    value_fn: Callable[[LinkyCoordinator], StateType | date | datetime]
    production: bool = False
    """Only created when production is enabled."""
    per_day: bool = False
    """The value is the day before the snapshot's (its ``day`` is an attribute)."""


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
"""Entity ids in English whatever the server's language (``sensor.linky_<prm>_<id>``), as
English names gave them before; a key not listed is its own id. Home Assistant (2026) derives
a new entity's id from its name in the server's language; an entity id the integration sets is
taken as the suggestion instead. Entities already registered keep theirs."""


class LinkySensor(LinkyEntity, SensorEntity):
    """A value computed from the meter's stored readings."""

    entity_description: LinkySensorEntityDescription

    def __init__(
        self, coordinator: LinkyCoordinator, description: LinkySensorEntityDescription
    ) -> None:
        """Suggest the English entity id (see `OBJECT_IDS`)."""
        super().__init__(coordinator, description)
        object_id = OBJECT_IDS.get(description.key, description.key)
        self.entity_id = f"{Platform.SENSOR}.linky_{coordinator.prm}_{object_id}"

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """For a day's value: the day; unknown until published, and when the next try is."""
        if not self.entity_description.per_day or self.coordinator.data is None:
            return None
        attributes: dict[str, Any] = {"day": self.coordinator.data.yesterday.isoformat()}
        if self.native_value is None:
            attributes["published"] = False
            next_poll = self.coordinator.next_poll
            attributes["next_try"] = next_poll.isoformat() if next_poll else None
        return attributes

    @property
    @override
    def native_value(self) -> StateType | date | datetime:
        """The value, None (unknown) when the data is missing: never a zero in its place."""
        return self.entity_description.value_fn(self.coordinator)
