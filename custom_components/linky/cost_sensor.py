"""Costs as sensors, and the maximum power's share of the subscribed power.

Yesterday, this month, last month and yesterday per class: the snapshot's numbers, with the
day or month they are for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final, override

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import CURRENCY_EURO, PERCENTAGE
from homeassistant.helpers.typing import StateType

from .contract import ALL_CLASSES
from .coordinator import LinkyCoordinator
from .sensor_entity import LinkySensor, LinkySensorEntityDescription
from .snapshot import LinkySnapshot


@dataclass(frozen=True, kw_only=True)
class LinkyDatedSensorEntityDescription(LinkySensorEntityDescription):
    """A value for a past day or month, which its attributes name."""

    attributes_fn: Callable[[LinkySnapshot], dict[str, Any]]


def _yesterday(snapshot: LinkySnapshot) -> dict[str, Any]:
    return {"day": snapshot.yesterday}


def _this_month(snapshot: LinkySnapshot) -> dict[str, Any]:
    return {
        "month": f"{snapshot.today:%Y-%m}",
        "first_day": snapshot.today.replace(day=1),
        "last_day": snapshot.cost_month_last_day,
    }


def _last_month(snapshot: LinkySnapshot) -> dict[str, Any]:
    return {"month": f"{snapshot.today.replace(day=1) - timedelta(days=1):%Y-%m}"}


def _cost(
    key: str,
    value_fn: Callable[[LinkyCoordinator], StateType],
    attributes_fn: Callable[[LinkySnapshot], dict[str, Any]],
) -> LinkyDatedSensorEntityDescription:
    return LinkyDatedSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY_EURO,
        suggested_display_precision=2,
        # No state_class: see the module docstring; the cost statistics serve the Energy
        # dashboard, and these sensors show the same numbers.
        value_fn=value_fn,
        attributes_fn=attributes_fn,
    )


COST_SENSORS: Final = (
    _cost("cost_yesterday", lambda c: c.data.cost_yesterday, _yesterday),
    _cost("cost_this_month", lambda c: c.data.cost_month, _this_month),
    _cost("cost_last_month", lambda c: c.data.cost_previous_month, _last_month),
)


def _class_cost(klass: str) -> LinkyDatedSensorEntityDescription:
    return _cost(
        f"cost_yesterday_{klass}", lambda c: c.data.cost_classes_yesterday.get(klass), _yesterday
    )


CLASS_COST_SENSORS: Final = {klass: _class_cost(klass) for klass in ALL_CLASSES if klass != "base"}


def _ratio_attributes(snapshot: LinkySnapshot) -> dict[str, Any]:
    return {"day": snapshot.yesterday, "subscribed_power_kva": snapshot.subscribed_power}


MAX_POWER_RATIO: Final = LinkyDatedSensorEntityDescription(
    key="max_power_ratio_yesterday",
    translation_key="max_power_ratio_yesterday",
    native_unit_of_measurement=PERCENTAGE,
    suggested_display_precision=1,
    # No state_class (as the maximum power itself).
    value_fn=lambda c: c.data.max_power_ratio,
    attributes_fn=_ratio_attributes,
)


class LinkyDatedSensor(LinkySensor):
    """A cost or the maximum power ratio, with the day or month it is for."""

    entity_description: LinkyDatedSensorEntityDescription

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """The day or the month the value is for."""
        return self.entity_description.attributes_fn(self.coordinator.data)
