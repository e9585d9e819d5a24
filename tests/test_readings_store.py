"""The readings' Store format: every day shape round-trips; version 1 stores are migrated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import UnsupportedStorageVersionError
from homeassistant.helpers.storage import Store

from custom_components.linky.coordinator import LinkyCoordinator
from custom_components.linky.paris import local_midnight
from custom_components.linky.readings import (
    STORE_FORMAT,
    CurvePoint,
    MaxPower,
    MeterReadings,
    decode_runs,
    encode_runs,
)
from custom_components.linky.readings_store import STORAGE_VERSION
from linky_simulator import ConsoApiSimulator
from tests.integration_helpers import conso_entry, fake_statistics, no_backfill, paris, setup

DAY = date(2026, 11, 20)


def whole_day(day: date, minutes: int, *, first: int = 0) -> list[CurvePoint]:
    """Back-to-back points over the whole Paris day (watts: their index, from `first`)."""
    start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
    count = (end - start) // timedelta(minutes=minutes)
    return [
        CurvePoint(start + timedelta(minutes=minutes * (n + 1)), first + n, minutes)
        for n in range(count)
    ]


SHAPES: dict[str, list[CurvePoint]] = {
    "PT30M": whole_day(date(2026, 1, 15), 30),
    "PT10M": whole_day(date(2026, 1, 16), 10),
    "PT60M": whole_day(date(2026, 1, 17), 60),
    "23 h (spring forward)": whole_day(date(2026, 3, 29), 30),
    "25 h (fall back)": whole_day(date(2026, 10, 25), 30),
    "25 h, PT10M": whole_day(date(2025, 10, 26), 10),
    "partial day": whole_day(date(2026, 1, 18), 30)[:17],
    "one point": whole_day(date(2026, 1, 19), 30)[5:6],
    "gaps": [p for n, p in enumerate(whole_day(date(2026, 1, 20), 30)) if n % 7 not in (2, 3)],
    "PT30M then PT10M": [
        *whole_day(date(2026, 1, 21), 30)[:20],
        *whole_day(date(2026, 1, 21), 10, first=1000)[60:],  # from 10:00 on
    ],
    "zero and large watts": [
        CurvePoint(p.end, (0, 36_000, 1)[n % 3], p.minutes)
        for n, p in enumerate(whole_day(date(2026, 1, 22), 30))
    ],
}


def readings_with(shapes: dict[str, list[CurvePoint]]) -> MeterReadings:
    readings = MeterReadings()
    for points in shapes.values():
        readings.merge_curve("consumption", points)
        readings.merge_curve("production", points[::2])
    readings.merge_daily("consumption", {date(2026, 1, 15): 12_345, date(2026, 1, 17): 0})
    readings.merge_daily("production", {date(2026, 1, 16): 4_321})
    readings.merge_max_power(
        {date(2026, 1, 15): MaxPower(6100, datetime(2026, 1, 15, 18, 3, 35, tzinfo=UTC))}
    )
    readings.mark_missing("consumption_daily", [date(2026, 1, 16)], seen=date(2026, 1, 18))
    readings.mark_missing("max_power", [date(2026, 1, 16)], seen=date(2026, 1, 17))
    return readings


def through_json(data: dict[str, Any]) -> Any:
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("shape", SHAPES)
def test_every_day_shape_round_trips(shape: str) -> None:
    points = tuple(SHAPES[shape])
    assert decode_runs(through_json({"runs": encode_runs(points)})["runs"]) == points
    readings = readings_with({shape: SHAPES[shape]})
    assert MeterReadings.from_dict(through_json(readings.to_dict())) == readings


def test_all_shapes_together_round_trip() -> None:
    readings = readings_with(SHAPES)
    data = through_json(readings.to_dict())
    assert data["format"] == STORE_FORMAT
    again = MeterReadings.from_dict(data)
    assert again == readings
    assert through_json(again.to_dict()) == data  # saved again unchanged


def test_regular_days_are_one_run() -> None:
    """A whole day, daylight-saving days too, is one start, one length and its watts."""
    for shape in ("PT30M", "PT10M", "23 h (spring forward)", "25 h (fall back)"):
        points = SHAPES[shape]
        ((start, minutes, watts),) = encode_runs(points)
        assert start == int(points[0].start.timestamp())
        assert minutes == points[0].minutes
        assert watts == [p.watts for p in points]
    assert len(encode_runs(SHAPES["PT30M then PT10M"])) == 2
    assert len(encode_runs(SHAPES["gaps"])) > 2


def test_a_changed_day_is_encoded_again() -> None:
    """The encoding kept between saves follows every change of a day's points."""
    day = date(2026, 1, 15)
    readings = readings_with({"PT30M": SHAPES["PT30M"]})
    before = readings.to_dict()
    changed = [CurvePoint(p.end, p.watts + 1, p.minutes) for p in SHAPES["PT30M"][:3]]
    assert readings.merge_curve("consumption", changed) == day
    later = MeterReadings.from_dict(through_json(readings.to_dict()))
    assert later == readings
    assert later.curve["consumption"][day][:3] == tuple(changed)
    assert before != readings.to_dict()
    # And after a load: the loaded encoding is reused, then replaced when the day changes.
    loaded = MeterReadings.from_dict(through_json(before))
    loaded.merge_curve("consumption", changed)
    assert MeterReadings.from_dict(through_json(loaded.to_dict())) == readings
    # A day no longer held is not saved.
    del loaded.curve["consumption"][day]
    assert day.isoformat() not in loaded.to_dict()["curve"]["consumption"]


def format_1(readings: MeterReadings) -> dict[str, Any]:
    """What the integration stored before the compact format (no "format" key)."""
    return {
        "daily": {
            direction: {day.isoformat(): wh for day, wh in days.items()}
            for direction, days in readings.daily.items()
        },
        "curve": {
            direction: {
                day.isoformat(): [[int(p.end.timestamp()), p.watts, p.minutes] for p in points]
                for day, points in days.items()
            }
            for direction, days in readings.curve.items()
        },
        "max_power": {
            day.isoformat(): [value.va, int(value.at.timestamp())]
            for day, value in readings.max_power.items()
        },
        "missing": {
            kind: {day.isoformat(): seen.isoformat() for day, seen in days.items()}
            for kind, days in readings.missing.items()
        },
    }


def test_format_1_still_loads() -> None:
    old = {
        "daily": {"consumption": {"2026-01-15": 12345}, "production": {}},
        "curve": {
            "consumption": {"2026-01-15": [[1768435200, 80, 30], [1768437000, 120, 30]]},
            "production": {},
        },
        "max_power": {"2026-01-15": [6100, 1768500215]},
        "missing": {"max_power": {"2026-01-16": "2026-01-17"}},
    }
    readings = MeterReadings.from_dict(old)
    assert readings.daily["consumption"] == {date(2026, 1, 15): 12345}
    assert readings.curve["consumption"][date(2026, 1, 15)] == (
        CurvePoint(datetime(2026, 1, 15, 0, 0, tzinfo=UTC), 80, 30),
        CurvePoint(datetime(2026, 1, 15, 0, 30, tzinfo=UTC), 120, 30),
    )
    assert readings.max_power[date(2026, 1, 15)] == MaxPower(
        6100, datetime(2026, 1, 15, 18, 3, 35, tzinfo=UTC)
    )
    assert readings.missing["max_power"] == {date(2026, 1, 16): date(2026, 1, 17)}
    everything = readings_with(SHAPES)
    assert MeterReadings.from_dict(through_json(format_1(everything))) == everything


@pytest.fixture
def stats() -> Iterator[MagicMock]:
    with fake_statistics() as mock:
        yield mock


def store_v1(hass_storage: dict[str, Any], key: str, readings: dict[str, Any]) -> None:
    """A readings store as releases before Store version 2 wrote it."""
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {"readings": readings, "poll": {"day": DAY.isoformat(), "attempts": 1}},
    }


@pytest.mark.parametrize("stored_format", [1, STORE_FORMAT])
@pytest.mark.usefixtures("recorder_mock", "enable_custom_integrations", "stats")
async def test_a_version_1_store_is_migrated_and_an_older_release_refuses_it(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
    stored_format: int,
) -> None:
    """An existing user's store (Store version 1, readings in either format) loads at setup
    and is written as version 2, compact; a release that reads only version 1 (points) then
    refuses the file instead of loading compact runs as points."""
    freezer.move_to(paris(DAY, 10))
    entry = conso_entry(hass, conso_api)
    held = readings_with(SHAPES)
    key = f"linky.{entry.entry_id}"
    store_v1(
        hass_storage, key, format_1(held) if stored_format == 1 else through_json(held.to_dict())
    )
    with no_backfill():
        await setup(hass, entry)  # the daily poll may add days: the curve it does not touch
        coordinator: LinkyCoordinator = entry.runtime_data.coordinator
        assert coordinator.readings.curve == held.curve
        assert coordinator.readings.max_power.items() >= held.max_power.items()
        assert (
            coordinator.readings.daily["consumption"].items() >= held.daily["consumption"].items()
        )
        assert coordinator.poll_state.day == DAY
        # Saved at once by the migration, before any poll.
        assert hass_storage[key]["version"] == STORAGE_VERSION == 2
        coordinator._schedule_save()  # as after a poll
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    assert hass_storage[key]["version"] == 2
    stored = hass_storage[key]["data"]["readings"]
    assert stored["format"] == STORE_FORMAT
    assert MeterReadings.from_dict(through_json(stored)) == coordinator.readings
    older_release = Store[dict[str, Any]](hass, 1, key, private=True)
    with pytest.raises((NotImplementedError, UnsupportedStorageVersionError)):
        await older_release.async_load()
