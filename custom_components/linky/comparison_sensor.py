"""Sensors of the regulated options compared on the last 12 complete months (`comparison`).

The comparison is computed in the executor on a copy of the readings, again only when the
latest day held, the contract's colours of the window or the month change (at most a few
times a day). Each option's cost, the contract's, the cheapest option and the saving per
year, with the period covered and the months left out as attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import CURRENCY_EURO, Platform
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity

from .comparison import COMPARED, CURRENT, YearComparison, consumption_between, year_comparison
from .contract import Colour, Contract
from .coordinator import LinkyCoordinator
from .entity import LinkyEntity
from .paris import days_between, months_before
from .readings import MeterReadings


@dataclass(frozen=True, kw_only=True)
class ComparisonDescription(SensorEntityDescription):
    """A comparison sensor: its value from the year's comparison."""

    value_fn: Callable[[YearComparison], float | str | None]


def _cost(key: str) -> ComparisonDescription:
    return ComparisonDescription(
        key=f"cost_12_months_{key}",
        translation_key=f"cost_12_months_{key}",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY_EURO,
        suggested_display_precision=2,
        value_fn=lambda year: year.costs[key] if year.complete_months else None,
    )


COMPARISON_SENSORS: Final = (
    *(_cost(str(option)) for option in COMPARED),
    _cost(CURRENT),
    ComparisonDescription(
        key="cheapest_option",
        translation_key="cheapest_option",
        device_class=SensorDeviceClass.ENUM,
        options=[str(option) for option in COMPARED],
        value_fn=lambda year: str(year.cheapest) if year.cheapest else None,
    ),
    ComparisonDescription(
        key="saving_per_year",
        translation_key="saving_per_year",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY_EURO,
        suggested_display_precision=2,
        value_fn=lambda year: year.saving_per_year,
    ),
)


class YearComparisonHolder:
    """The latest comparison of one meter, computed again when its inputs may have changed."""

    def __init__(self, coordinator: LinkyCoordinator, contract: Contract) -> None:
        """Follow the coordinator (the caller adds `async_update` as its listener)."""
        self.coordinator = coordinator
        self.contract = contract
        self.value: YearComparison | None = None
        self._key: tuple[Any, ...] | None = None
        self._entities: list[Entity] = []

    def _inputs(self) -> tuple[Any, ...]:
        """Return what the comparison depends on: the month, the days held, the colours."""
        readings, today = self.coordinator.readings, self.coordinator.today()
        start = months_before(today.replace(day=1), 12)
        colour_of = self.coordinator.colour_of
        colours = sum(colour_of(day) is not None for day in days_between(start, today))
        curve = readings.curve["consumption"]
        return (
            start,
            len(readings.daily["consumption"]),
            len(curve),
            max(curve, default=None),
            colours,
        )

    def add_entity(self, entity: Entity) -> Callable[[], None]:
        """Write this entity's state after each computation (until the callback returned)."""
        self._entities.append(entity)
        return lambda: self._entities.remove(entity)

    @callback
    def async_update(self) -> None:
        """Compute again in the executor when the inputs changed."""
        if (key := self._inputs()) == self._key:
            return
        self._key = key
        today = self.coordinator.today()
        start = months_before(today.replace(day=1), 12)
        held = consumption_between(self.coordinator.readings, start, date.max)
        days = {start - timedelta(days=1), *held.daily["consumption"], *held.curve["consumption"]}
        colours = {day: colour for day in days if (colour := self.coordinator.colour_of(day))}
        self.coordinator.config_entry.async_create_background_task(
            self.coordinator.hass, self._async_compute(held, colours, today), "Linky comparison"
        )

    async def _async_compute(
        self, held: MeterReadings, colours: dict[date, Colour], today: date
    ) -> None:
        self.value = await self.coordinator.hass.async_add_executor_job(
            year_comparison, held, self.contract, colours.get, today
        )
        for entity in self._entities:
            entity.async_write_ha_state()


class LinkyComparisonSensor(LinkyEntity, SensorEntity):
    """One figure of the year's comparison, the period it covers as attributes."""

    entity_description: ComparisonDescription
    platform_domain = Platform.SENSOR

    def __init__(
        self,
        coordinator: LinkyCoordinator,
        description: ComparisonDescription,
        holder: YearComparisonHolder,
    ) -> None:
        """Follow ``holder``'s computations."""
        super().__init__(coordinator, description)
        self.holder = holder

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the holder's computations."""
        await super().async_added_to_hass()
        self.async_on_remove(self.holder.add_entity(self))

    @property
    @override
    def native_value(self) -> float | str | None:
        """The figure, unknown until computed or without a complete month."""
        year = self.holder.value
        return None if year is None else self.entity_description.value_fn(year)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The months covered, compared and left out (incomplete data)."""
        year = self.holder.value
        if year is None:
            return None
        return {
            "period_start": year.start,
            "period_end": year.end,
            "months_compared": len(year.complete_months),
            "incomplete_months": [month.strftime("%Y-%m") for month in year.incomplete_months],
        }
