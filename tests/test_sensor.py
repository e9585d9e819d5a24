"""Sensor values: normal, daylight-saving and missing-data days, against the fake server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from unittest.mock import MagicMock, PropertyMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import ATTR_STATE_CLASS
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import async_get_platforms
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.linky import sensor
from custom_components.linky.const import DOMAIN
from custom_components.linky.paris import day_minutes
from custom_components.linky.readings import MaxPower, MeterReadings
from custom_components.linky.snapshot import summarize
from linky_simulator import ConsoApiSimulator, EnedisSimulator, SimulatedMeter, TempoSimulator
from tests.const import CONSUMPTION_PRM
from tests.integration_helpers import (
    advance,
    conso_entry,
    enedis_entry,
    fake_statistics,
    no_backfill,
    paris,
    set_contract,
    setup,
    tempo_urls,
    typed_period,
)
from tests.statistics_helpers import day_curve

PREFIX = f"sensor.linky_{CONSUMPTION_PRM}"
DEVICE_STRINGS = (
    "configuration_url",
    "hw_version",
    "manufacturer",
    "model",
    "model_id",
    "name",
    "serial_number",
    "sw_version",
)
"""Device fields the device registry takes as strings only from Home Assistant 2026.12."""


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's serializer (random ids masked)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def _integration(recorder_mock: Any, enable_custom_integrations: None) -> Iterator[None]:
    with no_backfill(), fake_statistics():
        yield


def entity_id(hass: HomeAssistant, key: str) -> str | None:
    """The entity id of a sensor, by its unique id."""
    return er.async_get(hass).async_get_entity_id(
        Platform.SENSOR, DOMAIN, f"{CONSUMPTION_PRM}_{key}"
    )


def state(hass: HomeAssistant, key: str) -> str:
    eid = entity_id(hass, key)
    assert eid is not None, key
    current = hass.states.get(eid)
    assert current is not None, key
    return current.state


def kwh(wh: float) -> str:
    return str(round(wh / 1000, 3))


def month_wh(meter: SimulatedMeter, first: date, end: date, direction: str = "consumption") -> int:
    total, day = 0, first
    while day < end:
        total += meter.daily_wh(direction, day)  # type: ignore[arg-type]
        day += timedelta(days=1)
    return total


async def _at(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    api: ConsoApiSimulator,
    today: date,
    **kwargs: Any,
) -> Any:
    """Set an entry up at 10:00 Paris on `today` (after publication): one poll is made."""
    freezer.move_to(paris(today, 10))
    entry = conso_entry(hass, api, **kwargs)
    await setup(hass, entry)
    return entry


# -- against the fake server --------------------------------------------------------------------


async def test_normal_day(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    meter: SimulatedMeter,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each value equals the simulated meter's ground truth."""
    today = date(2026, 11, 20)
    yesterday = today - timedelta(days=1)
    await _at(hass, freezer, conso_api, today)
    assert state(hass, "consumption_yesterday") == kwh(meter.daily_wh("consumption", yesterday))
    peak = meter.max_power(yesterday)
    assert state(hass, "max_power_yesterday") == str(peak.va)
    assert state(hass, "max_power_time_yesterday") == peak.at.astimezone(UTC).isoformat()
    assert state(hass, "consumption_month") == kwh(month_wh(meter, date(2026, 11, 1), today))
    assert state(hass, "consumption_previous_month") == kwh(
        month_wh(meter, date(2026, 10, 1), date(2026, 11, 1))
    )
    assert state(hass, "latest_data") == "2026-11-19"
    assert entity_id(hass, "production_yesterday") is None  # production off


@pytest.mark.parametrize(
    ("today", "minutes"),
    [(date(2026, 3, 30), 23 * 60), (date(2026, 10, 26), 25 * 60)],
    ids=["spring", "autumn"],
)
async def test_daylight_saving_day(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    meter: SimulatedMeter,
    freezer: FrozenDateTimeFactory,
    *,
    today: date,
    minutes: int,
) -> None:
    """Yesterday was 23 or 25 hours long: its whole energy, and the month through it."""
    yesterday = today - timedelta(days=1)
    assert day_minutes(yesterday) == minutes
    entry = await _at(hass, freezer, conso_api, today, production=True)
    truth = meter.daily_wh("consumption", yesterday)
    assert truth == sum(p.wh for p in meter.curve("consumption", yesterday))
    assert state(hass, "consumption_yesterday") == kwh(truth)
    assert state(hass, "production_yesterday") == kwh(meter.daily_wh("production", yesterday))
    assert state(hass, "consumption_month") == kwh(month_wh(meter, yesterday.replace(day=1), today))
    peak = meter.max_power(yesterday)
    assert state(hass, "max_power_time_yesterday") == peak.at.astimezone(UTC).isoformat()
    # The stored curve of the day is complete (46 or 50 half-hours), so it could stand in.
    readings = entry.runtime_data.coordinator.readings
    assert len(readings.curve["consumption"][yesterday]) == minutes // 30
    assert readings.curve_is_complete("consumption", yesterday)


async def test_missing_day(
    hass: HomeAssistant, conso_api_factory: Any, freezer: FrozenDateTimeFactory
) -> None:
    """Enedis has no data for yesterday and one day of the month: unknown, never zero."""
    today = date(2026, 11, 20)
    yesterday = today - timedelta(days=1)
    hole = date(2026, 11, 10)
    meter = SimulatedMeter(
        CONSUMPTION_PRM,
        seed=1,
        production=True,
        first_day=date(2021, 1, 1),
        missing_days={yesterday, hole},
    )
    api = await conso_api_factory([meter])
    await _at(hass, freezer, api, today)
    assert state(hass, "consumption_yesterday") == "unknown"
    assert state(hass, "max_power_yesterday") == "unknown"
    assert state(hass, "max_power_time_yesterday") == "unknown"
    # The month counts the days that have data.
    expected = month_wh(meter, date(2026, 11, 1), yesterday) - meter.daily_wh("consumption", hole)
    assert state(hass, "consumption_month") == kwh(expected)
    assert state(hass, "latest_data") == "2026-11-18"


async def test_first_of_month(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    meter: SimulatedMeter,
    freezer: FrozenDateTimeFactory,
) -> None:
    """On the 1st: this month has no published day yet; last month is complete."""
    today = date(2026, 12, 1)
    await _at(hass, freezer, conso_api, today)
    assert state(hass, "consumption_month") == "unknown"
    assert state(hass, "consumption_previous_month") == kwh(
        month_wh(meter, date(2026, 11, 1), today)
    )


async def test_production_sensors(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    meter: SimulatedMeter,
    freezer: FrozenDateTimeFactory,
) -> None:
    today = date(2026, 6, 15)
    await _at(hass, freezer, conso_api, today, production=True)
    yesterday = today - timedelta(days=1)
    assert state(hass, "production_yesterday") == kwh(meter.daily_wh("production", yesterday))
    assert state(hass, "production_month") == kwh(
        month_wh(meter, date(2026, 6, 1), today, "production")
    )
    assert state(hass, "production_previous_month") == kwh(
        month_wh(meter, date(2026, 5, 1), date(2026, 6, 1), "production")
    )


async def test_entities_and_device(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    *,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Names, unique ids, classes, icons (translation keys) and states, as a snapshot."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        entry = await _at(hass, freezer, conso_api, date(2026, 11, 20), production=True)
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, CONSUMPTION_PRM), entry.entry_id
    )
    assert device is not None
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert device.name == f"Linky {CONSUMPTION_PRM}"
    assert device.manufacturer == "Enedis"
    # No state class anywhere: these values describe past days (see sensor.py).
    for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id):
        current = hass.states.get(entity.entity_id)
        if current is not None:
            assert ATTR_STATE_CLASS not in current.attributes
    yesterday = hass.states.get(f"{PREFIX}_consumption_yesterday")
    assert yesterday is not None
    assert yesterday.attributes[ATTR_DEVICE_CLASS] == "energy"
    assert yesterday.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kWh"
    # The token expiry (diagnostic) comes from the token itself.
    expiry = datetime.fromisoformat(state(hass, "token_expiry"))
    assert expiry > paris(date(2028, 11, 1))


@pytest.mark.parametrize("source", ["conso", "enedis"])
async def test_device_info_values_are_strings(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    enedis_api: EnedisSimulator,
    freezer: FrozenDateTimeFactory,
    *,
    caplog: pytest.LogCaptureFixture,
    source: str,
) -> None:
    """Home Assistant 2026.12 refuses a device whose model or versions are not strings."""
    freezer.move_to(paris(date(2026, 11, 20), 10))
    entry = conso_entry(hass, conso_api) if source == "conso" else enedis_entry(hass, enedis_api)
    await setup(hass, entry)
    entities = [
        entity
        for platform in async_get_platforms(hass, DOMAIN)
        if platform.config_entry is entry
        for entity in platform.entities.values()
    ]
    assert entities
    for entity in entities:
        info = entity.device_info
        assert info is not None
        for key in DEVICE_STRINGS:
            assert isinstance(info.get(key, ""), str | None), (entity.entity_id, key)
    assert "non-string value" not in caplog.text


async def test_next_update_enabled_by_default(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    await _at(hass, freezer, conso_api, date(2026, 11, 20))
    eid = entity_id(hass, "next_update")
    assert eid is not None
    registry_entry = entity_registry.async_get(eid)
    assert registry_entry is not None
    assert registry_entry.disabled_by is None
    assert state(hass, "next_update") not in ("unknown", "unavailable")


ENTITY_IDS: Final = {
    # Every sensor of a Conso API entry with production and a contract.
    "any": {
        "sensor.consumption_yesterday",
        "sensor.maximum_power_yesterday",
        "sensor.time_of_maximum_power_yesterday",
        "sensor.consumption_this_month",
        "sensor.consumption_last_month",
        "sensor.production_yesterday",
        "sensor.production_this_month",
        "sensor.production_last_month",
        "sensor.latest_data",
        "sensor.next_update",
        "sensor.token_expiry",
        "sensor.current_tariff_class",
        "sensor.current_price",
        "sensor.cost_yesterday",
        "sensor.cost_this_month",
        "sensor.cost_last_month",
        "sensor.max_power_ratio_yesterday",
        "sensor.cost_12_months_base",
        "sensor.cost_12_months_hphc",
        "sensor.cost_12_months_tempo",
        "sensor.cost_12_months_current",
        "sensor.cheapest_option",
        "sensor.saving_per_year",
        "binary_sensor.off_peak_now",
    },
    "hphc": {
        "sensor.consumption_yesterday_peak_hours",
        "sensor.consumption_yesterday_off_peak_hours",
        "sensor.cost_yesterday_hp",
        "sensor.cost_yesterday_hc",
    },
    "tempo": {
        *(
            f"sensor.consumption_yesterday_{colour}_day_{hours}"
            for colour in ("blue", "white", "red")
            for hours in ("peak_hours", "off_peak_hours")
        ),
        *(
            f"sensor.cost_yesterday_{colour}_{klass}"
            for colour in ("blue", "white", "red")
            for klass in ("hp", "hc")
        ),
        "sensor.tempo_colour_today",
        "sensor.tempo_colour_tomorrow",
        *(
            f"sensor.tempo_{colour}_days_{kind}"
            for colour in ("blue", "white", "red")
            for kind in ("used", "left")
        ),
        "sensor.next_tempo_day",
    },
}
"""Entity ids by contract option, ``<platform>.<id>`` for ``<platform>.linky_<prm>_<id>``:
written out, not derived from the code, since automations name them."""
README_IDS: Final = {
    f"{platform}.{object_id}"
    for platform, object_id in re.findall(
        r"(?<![\w.])((?:binary_)?sensor)\.linky_(?:<prm>|11111111111111)_(\w+)",
        (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8"),
    )
}
"""Every entity id the README names, in the same form."""


@pytest.mark.parametrize("option", ["hphc", "tempo"])
async def test_entity_ids_are_english_on_a_french_install(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    rte: TempoSimulator,
    freezer: FrozenDateTimeFactory,
    option: str,
) -> None:
    """Home Assistant names new ids in the server's language: ours stay as the README has them."""
    hass.config.language = "fr"
    freezer.move_to(paris(date(2026, 11, 20), 10))
    entry = conso_entry(hass, conso_api, production=True, **tempo_urls(rte))
    set_contract(hass, entry, typed_period(option, date(2025, 8, 1), subscription=15.47))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # The first poll asks for more than the 5 requests a second allows: let the clock move.
    await advance(hass, freezer, paris(date(2026, 11, 20), 10, 1))
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    prefix = f".linky_{CONSUMPTION_PRM}_"
    assert {e.entity_id.replace(prefix, ".") for e in entities} == (
        ENTITY_IDS["any"] | ENTITY_IDS[option]
    )
    assert all(hass.states.get(e.entity_id) is not None for e in entities)
    names = {hass.states.get(e.entity_id).name for e in entities}  # type: ignore[union-attr]
    assert f"Linky {CONSUMPTION_PRM} Consommation de la veille" in names  # names translated


def test_the_readme_names_only_entity_ids_that_exist() -> None:
    """Each id the README names is one of an entry's (the lists above are checked on HA)."""
    every = set().union(*ENTITY_IDS.values())
    assert len(README_IDS) >= 10
    assert every >= README_IDS, README_IDS - every


async def test_a_day_value_says_its_day_and_waits_for_publication(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    meter: SimulatedMeter,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Before Enedis publishes (about 08:00) yesterday is unknown, saying when the next try is."""
    freezer.move_to(paris(date(2026, 11, 20), 10))
    await setup(hass, conso_entry(hass, conso_api))
    current = hass.states.get(f"{PREFIX}_consumption_yesterday")
    assert current is not None
    assert current.attributes["day"] == "2026-11-19"
    assert "published" not in current.attributes
    assert "day" not in hass.states.get(f"{PREFIX}_consumption_this_month").attributes  # type: ignore[union-attr]

    freezer.move_to(paris(date(2026, 11, 21), 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    current = hass.states.get(f"{PREFIX}_consumption_yesterday")
    assert current is not None
    assert current.state == "unknown"
    assert current.attributes["day"] == "2026-11-20"
    assert current.attributes["published"] is False
    next_try = datetime.fromisoformat(current.attributes["next_try"])
    assert paris(date(2026, 11, 21), 1) < next_try < paris(date(2026, 11, 22), 0)


async def test_enedis_has_no_token_expiry(
    hass: HomeAssistant, enedis_api: EnedisSimulator, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(paris(date(2026, 11, 20), 10))
    entry = enedis_entry(hass, enedis_api)
    await setup(hass, entry)
    assert entity_id(hass, "token_expiry") is None
    assert state(hass, "consumption_yesterday") not in ("unknown", "unavailable")


async def test_the_clock_sensors_stop_listening_to_the_time_when_removed(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """The current class and price re-read every minute; the subscription ends with them."""
    unsubs: list[MagicMock] = []
    track = sensor.async_track_time_change

    def tracked(*args: Any, **kwargs: Any) -> MagicMock:
        unsub = MagicMock(side_effect=track(*args, **kwargs))
        unsubs.append(unsub)
        return unsub

    contract = {"start": "2025-01-01", "option": "base", "prices": {"base": 0.2}}
    with patch.object(sensor, "async_track_time_change", tracked):
        entry = await _at(hass, freezer, conso_api, date(2026, 11, 20))
        hass.config_entries.async_update_entry(
            entry, options={**entry.options, "contract": [contract]}
        )
        await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
    assert len(unsubs) == 2  # the current class and the current price
    assert [unsub.call_count for unsub in unsubs] == [0, 0]

    eid = entity_id(hass, "current_class")
    assert eid is not None
    entity_registry.async_remove(eid)
    await hass.async_block_till_done()
    assert sorted(unsub.call_count for unsub in unsubs) == [0, 1]
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert [unsub.call_count for unsub in unsubs] == [1, 1]


# -- summarize (pure) ---------------------------------------------------------------------------


def test_summarize_empty() -> None:
    snapshot = summarize(MeterReadings(), date(2026, 11, 20))
    assert snapshot.consumption_yesterday is None
    assert snapshot.consumption_month is None
    assert snapshot.latest_day is None
    assert snapshot.yesterday == date(2026, 11, 19)


@pytest.mark.parametrize("day", [date(2026, 1, 15), date(2026, 3, 29), date(2026, 10, 25)])
def test_summarize_curve_stands_in_for_a_missing_daily_value(day: date) -> None:
    """No daily value but a complete curve (23/24/25 h): the curve's energy."""
    readings = MeterReadings()
    points = day_curve(day, 30, lambda index: 1000)
    readings.merge_curve("consumption", points)
    snapshot = summarize(readings, day + timedelta(days=1))
    assert snapshot.consumption_yesterday == day_minutes(day) / 60  # 1 kW all day
    # An incomplete curve is not a day's energy.
    readings = MeterReadings()
    readings.merge_curve("consumption", points[:-1])
    assert summarize(readings, day + timedelta(days=1)).consumption_yesterday is None


def test_summarize_prefers_the_daily_value() -> None:
    day = date(2026, 1, 15)
    readings = MeterReadings()
    readings.merge_curve("consumption", day_curve(day, 30, lambda index: 1000))
    readings.merge_daily("consumption", {day: 12_345})
    assert summarize(readings, day + timedelta(days=1)).consumption_yesterday == 12.345


def test_summarize_months_and_max_power() -> None:
    readings = MeterReadings()
    readings.merge_daily(
        "consumption",
        {date(2026, 10, 31): 1000, date(2026, 11, 1): 2000, date(2026, 11, 2): 3000},
    )
    readings.merge_daily("production", {date(2026, 11, 2): 500})
    at = datetime(2026, 11, 2, 18, 3, tzinfo=UTC)
    readings.merge_max_power({date(2026, 11, 2): MaxPower(6100, at)})
    snapshot = summarize(readings, date(2026, 11, 3))
    assert snapshot.consumption_yesterday == 3.0
    assert snapshot.production_yesterday == 0.5
    assert snapshot.consumption_month == 5.0
    assert snapshot.consumption_previous_month == 1.0
    assert snapshot.production_month == 0.5
    assert snapshot.production_previous_month is None
    assert snapshot.max_power == 6100
    assert snapshot.max_power_at == at
    assert snapshot.latest_day == date(2026, 11, 2)
    # January: the previous month is December of the year before.
    readings.merge_daily("consumption", {date(2025, 12, 31): 4000})
    assert summarize(readings, date(2026, 1, 2)).consumption_previous_month == 4.0
