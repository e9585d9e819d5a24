"""Sensors: yesterday's values, the month so far, the previous month, and diagnostics.

State classes: the values describe past days (yesterday, a month), published hours after the
fact. Given a state class, the recorder would compile them into its own long-term statistics as
if they had been measured at the moment they were published, one day late, and the Energy
dashboard could pick them up with every value on the wrong day. So none of these sensors has a
state class: they are for display and automations; the Energy dashboard uses the hourly
external statistics ``linky:<prm>_consumption`` that this integration imports at the right
hours. (A ``TOTAL`` with ``last_reset`` would still date each day's value to its publication.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Final, override

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import (
    CURRENCY_EURO,
    EntityCategory,
    Platform,
    UnitOfApparentPower,
    UnitOfEnergy,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_change
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .api import AsyncLinkyClient
from .client import token_expires_at
from .comparison_sensor import COMPARISON_SENSORS, LinkyComparisonSensor, YearComparisonHolder
from .contract import ALL_CLASSES, COLOURS, Colour, parse_contracts
from .coordinator import LinkyCoordinator
from .cost_sensor import (
    CLASS_COST_SENSORS,
    COST_SENSORS,
    MAX_POWER_RATIO,
    LinkyDatedSensor,
    LinkyDatedSensorEntityDescription,
)
from .data import LinkyConfigEntry
from .entity import async_remove_entities
from .sensor_entity import LinkySensor, LinkySensorEntityDescription
from .tempo_season import SeasonCount, count_season, next_tempo_day_start, tempo_day
from .timed import LinkyTimedEntity

PARALLEL_UPDATES = 0  # the coordinator does all the fetching


def _energy(
    key: str,
    value_fn: Callable[[LinkyCoordinator], StateType | date | datetime],
    *,
    production: bool = False,
    per_day: bool = False,
) -> LinkySensorEntityDescription:
    return LinkySensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        # No state_class: see the module docstring.
        value_fn=value_fn,
        production=production,
        per_day=per_day,
    )


SENSORS: tuple[LinkySensorEntityDescription, ...] = (
    _energy("consumption_yesterday", lambda c: c.data.consumption_yesterday, per_day=True),
    LinkySensorEntityDescription(
        key="max_power_yesterday",
        translation_key="max_power_yesterday",
        device_class=SensorDeviceClass.APPARENT_POWER,
        native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
        suggested_display_precision=0,
        # No state_class (MEASUREMENT would average yesterday's maximum over today's hours).
        value_fn=lambda c: c.data.max_power,
        per_day=True,
    ),
    LinkySensorEntityDescription(
        key="max_power_time_yesterday",
        translation_key="max_power_time_yesterday",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda c: c.data.max_power_at,
        per_day=True,
    ),
    _energy("consumption_month", lambda c: c.data.consumption_month),
    _energy("consumption_previous_month", lambda c: c.data.consumption_previous_month),
    _energy(
        "production_yesterday",
        lambda c: c.data.production_yesterday,
        production=True,
        per_day=True,
    ),
    _energy("production_month", lambda c: c.data.production_month, production=True),
    _energy(
        "production_previous_month",
        lambda c: c.data.production_previous_month,
        production=True,
    ),
    LinkySensorEntityDescription(
        key="latest_data",
        translation_key="latest_data",
        device_class=SensorDeviceClass.DATE,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c: c.data.latest_day,
    ),
    LinkySensorEntityDescription(
        key="next_update",
        translation_key="next_update",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda c: c.next_poll,
    ),
)

TOKEN_EXPIRY = LinkySensorEntityDescription(
    key="token_expiry",
    translation_key="token_expiry",
    device_class=SensorDeviceClass.TIMESTAMP,
    entity_category=EntityCategory.DIAGNOSTIC,
    value_fn=lambda c: token_expires_at(c.client),
)


def _yesterday_class(klass: str) -> LinkySensorEntityDescription:
    return _energy(
        f"consumption_yesterday_{klass}",
        lambda c: c.data.classes_yesterday.get(klass),
        per_day=True,
    )


def _current_class(coordinator: LinkyCoordinator) -> str | None:
    contract = coordinator.contract
    return contract.class_at(dt_util.utcnow(), coordinator.colour_of) if contract else None


def _current_price(coordinator: LinkyCoordinator) -> float | None:
    klass = _current_class(coordinator)
    if coordinator.contract is None or klass is None:
        return None
    return coordinator.contract.price(coordinator.today(), klass)


CLASS_SENSORS: Final = {klass: _yesterday_class(klass) for klass in ALL_CLASSES if klass != "base"}
CURRENT_CLASS = LinkySensorEntityDescription(
    key="current_class",
    translation_key="current_class",
    device_class=SensorDeviceClass.ENUM,
    value_fn=_current_class,
)
CURRENT_PRICE = LinkySensorEntityDescription(
    key="current_price",
    translation_key="current_price",
    native_unit_of_measurement=f"{CURRENCY_EURO}/{UnitOfEnergy.KILO_WATT_HOUR}",
    suggested_display_precision=4,
    value_fn=_current_price,
)


def _tempo(key: str, offset: int) -> LinkySensorEntityDescription:
    def colour(coordinator: LinkyCoordinator) -> str | None:
        return coordinator.colour_of(coordinator.today() + timedelta(days=offset))

    return LinkySensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.ENUM,
        options=list(COLOURS),
        value_fn=colour,
    )


TEMPO_SENSORS: Final = (_tempo("tempo_today", 0), _tempo("tempo_tomorrow", 1))
CLOCK_SENSORS: Final = {"current_class", "current_price"}
"""Sensors that change with the time of day: re-read every minute."""


def _descriptions(coordinator: LinkyCoordinator) -> list[LinkySensorEntityDescription]:
    """Return the sensors this meter provides with its options."""
    descriptions = [d for d in SENSORS if coordinator.production or not d.production]
    if isinstance(coordinator.client, AsyncLinkyClient):
        descriptions.append(TOKEN_EXPIRY)
    if (contract := coordinator.contract) is not None:
        classes = [klass for klass in contract.classes if klass != "base"]
        descriptions.extend(CLASS_SENSORS[klass] for klass in classes)
        descriptions.append(replace(CURRENT_CLASS, options=list(contract.classes)))
        descriptions.append(CURRENT_PRICE)
        if contract.uses_tempo:
            descriptions.extend((*TEMPO_SENSORS, *TEMPO_SEASON_SENSORS))
        descriptions.extend(COST_SENSORS)
        descriptions.extend(CLASS_COST_SENSORS[klass] for klass in classes)
    descriptions.append(MAX_POWER_RATIO)
    return descriptions


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LinkyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the meter's sensors (and forget those its options no longer provide)."""
    coordinator = entry.runtime_data.coordinator
    descriptions = _descriptions(coordinator)
    keys = {description.key for description in descriptions}
    every = [*SENSORS]
    if "consumption" not in parse_contracts(entry.options)[1]:
        # Invalid stored prices (a repair issue says so) keep their entities until corrected.
        every.extend(
            (
                *CLASS_SENSORS.values(),
                CURRENT_CLASS,
                CURRENT_PRICE,
                *TEMPO_SENSORS,
                *TEMPO_SEASON_SENSORS,
                *COST_SENSORS,
                *CLASS_COST_SENSORS.values(),
            )
        )
    stale = [d.key for d in every if d.key not in keys]
    async_remove_entities(hass, Platform.SENSOR, coordinator.prm, stale)
    async_add_entities(
        (LinkyClockSensor if d.key in CLOCK_SENSORS else LinkySensor)(coordinator, d)
        for d in descriptions
        if not isinstance(d, LinkyTempoSensorEntityDescription | LinkyDatedSensorEntityDescription)
    )
    async_add_entities(
        LinkyDatedSensor(coordinator, d)
        for d in descriptions
        if isinstance(d, LinkyDatedSensorEntityDescription)
    )
    async_add_entities(
        LinkyTempoSensor(coordinator, d)
        for d in descriptions
        if isinstance(d, LinkyTempoSensorEntityDescription)
    )
    if (contract := coordinator.contract) is not None:
        holder = YearComparisonHolder(coordinator, contract)
        entry.async_on_unload(coordinator.async_add_listener(holder.async_update))
        holder.async_update()
        async_add_entities(
            LinkyComparisonSensor(coordinator, d, holder) for d in COMPARISON_SENSORS
        )
    else:
        async_remove_entities(
            hass, Platform.SENSOR, coordinator.prm, (d.key for d in COMPARISON_SENSORS)
        )


class LinkyClockSensor(LinkySensor):
    """A value that changes with the time of day (the current class and price)."""

    @override
    async def async_added_to_hass(self) -> None:
        """Re-read the value at every minute, writing the state only when it changed."""
        await super().async_added_to_hass()
        self.async_on_remove(async_track_time_change(self.hass, self._tick, second=0))

    @callback
    def _tick(self, _now: datetime) -> None:
        if self.native_value != self.state:
            self.async_write_ha_state()


# ---- The Tempo season: counters and the next Tempo day (from the colours and the clock) ----


@dataclass(frozen=True, kw_only=True)
class LinkyTempoSensorEntityDescription(LinkySensorEntityDescription):
    """A Tempo sensor that changes at 06:00 Paris (a new Tempo day), with attributes."""

    attributes_fn: Callable[[LinkyCoordinator], dict[str, Any]]


def _season(coordinator: LinkyCoordinator) -> SeasonCount:
    return count_season(tempo_day(dt_util.utcnow()), coordinator.colour_of)


def _season_attributes(coordinator: LinkyCoordinator, colour: Colour) -> dict[str, Any]:
    season = _season(coordinator)
    return {
        "season_start": season.start,
        "season_end": season.end,
        "quota": season.quotas[colour],
        "unknown_days": season.unknown,
    }


def _season_counter(colour: Colour, *, left: bool) -> LinkyTempoSensorEntityDescription:
    key = f"tempo_{colour}_days_{'left' if left else 'used'}"
    return LinkyTempoSensorEntityDescription(
        key=key,
        translation_key=key,
        # No state_class: a count of days, for display and automations.
        value_fn=(
            (lambda c: _season(c).left(colour)) if left else (lambda c: _season(c).used[colour])
        ),
        attributes_fn=lambda c: _season_attributes(c, colour),
    )


def _next_day_colour(coordinator: LinkyCoordinator) -> dict[str, Any]:
    day = tempo_day(dt_util.utcnow()) + timedelta(days=1)
    return {"colour": coordinator.colour_of(day)}


NEXT_TEMPO_DAY: Final = LinkyTempoSensorEntityDescription(
    key="next_tempo_day",
    translation_key="next_tempo_day",
    device_class=SensorDeviceClass.TIMESTAMP,
    value_fn=lambda _c: next_tempo_day_start(dt_util.utcnow()),
    attributes_fn=_next_day_colour,
)
TEMPO_SEASON_SENSORS: Final = (
    *(_season_counter(colour, left=False) for colour in COLOURS),
    *(_season_counter(colour, left=True) for colour in COLOURS),
    NEXT_TEMPO_DAY,
)


class LinkyTempoSensor(LinkyTimedEntity, LinkySensor):
    """A Tempo season counter or the next Tempo day: written again at every 06:00 Paris."""

    entity_description: LinkyTempoSensorEntityDescription

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """The season and the unknown days (counters), the colour (next Tempo day)."""
        return self.entity_description.attributes_fn(self.coordinator)

    @override
    def next_change(self, now: datetime) -> datetime:
        """Return the next 06:00 Paris (a new Tempo day)."""
        return next_tempo_day_start(now)
