"""What every Linky sensor is: its description (how to read the value) and its entity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, override

from homeassistant.components.sensor import SensorEntity, SensorEntityDescription
from homeassistant.const import Platform
from homeassistant.helpers.typing import StateType

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


class LinkySensor(LinkyEntity, SensorEntity):
    """A value computed from the meter's stored readings."""

    entity_description: LinkySensorEntityDescription
    platform_domain = Platform.SENSOR

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
