"""The readings Store with 24 months of load curve held: its size and what runs on the loop.

Run: ``scripts/py python scripts/benchmark_store.py`` (also run by ``scripts/benchmark.py``).

A meter with 36 months of daily values, 24 months of half-hour curve and max power, consumption
and production (`linky_simulator.SimulatedMeter`), written to a Store file; then in a bare
`HomeAssistant` (no bootstrap, a temporary config directory):

- setup: `LinkyCoordinator._async_setup` (Store load, `MeterReadings.from_dict`), from a store in
  the current format and from one in the format 1 (before the compact format);
- save: the Store's delayed write (`Store._async_handle_write_data`: the data function, the JSON
  encoding and the file write in the executor).

"on loop" is the time the coroutine's own steps take on the event-loop thread (each step of the
awaited coroutine is timed: executor jobs are not counted); "wall" is the whole await. Prints
lines starting with ``STORE``. Asserts only that what was loaded equals what was written.
"""

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Generator
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import json as json_helper

from custom_components.linky.coordinator import STORAGE_VERSION, LinkyCoordinator
from custom_components.linky.paris import months_before
from custom_components.linky.readings import CurvePoint, MaxPower, MeterReadings
from linky_simulator import SimulatedMeter

TODAY = date(2026, 11, 23)
ENTRY_ID = "01BENCHMARKSTORE0000000000"
RUNS = 5


def build_readings(production: bool = True) -> MeterReadings:
    """36 months of daily values, 24 months of curve and max power (production optional)."""
    meter = SimulatedMeter("99999999999990", seed=3, production=production)
    readings = MeterReadings()
    directions = ("consumption", "production") if production else ("consumption",)
    curve_start = months_before(TODAY, 24)
    day = months_before(TODAY, 36)
    while day < TODAY:
        for direction in directions:
            readings.merge_daily(direction, {day: meter.daily_wh(direction, day)})  # type: ignore[arg-type]
            if day >= curve_start:
                readings.merge_curve(
                    direction,  # type: ignore[arg-type]
                    [
                        CurvePoint(p.end.astimezone(UTC), p.watts, p.minutes)
                        for p in meter.curve(direction, day)  # type: ignore[arg-type]
                    ],
                )
        if day >= curve_start:
            peak = meter.max_power(day)
            readings.merge_max_power({day: MaxPower(peak.va, peak.at.astimezone(UTC))})
        day += timedelta(days=1)
    return readings


def format_1(readings: MeterReadings) -> dict[str, Any]:
    """The readings as the integration stored them before the compact format (format 1)."""
    return {
        "daily": {
            direction: {day.isoformat(): wh for day, wh in sorted(days.items())}
            for direction, days in readings.daily.items()
        },
        "curve": {
            direction: {
                day.isoformat(): [[int(p.end.timestamp()), p.watts, p.minutes] for p in points]
                for day, points in sorted(days.items())
            }
            for direction, days in readings.curve.items()
        },
        "max_power": {
            day.isoformat(): [value.va, int(value.at.timestamp())]
            for day, value in sorted(readings.max_power.items())
        },
        "missing": {
            kind: {day.isoformat(): seen.isoformat() for day, seen in sorted(days.items())}
            for kind, days in readings.missing.items()
        },
    }


class OnLoop:
    """Await a coroutine, adding up the time its own steps take (on the loop thread)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    async def run[T](self, awaitable: Awaitable[T]) -> T:
        return await _Timed(awaitable, self)


class _Timed[T]:
    def __init__(self, awaitable: Awaitable[T], clock: OnLoop) -> None:
        self._inner = awaitable.__await__()
        self._clock = clock

    def __await__(self) -> Generator[Any, Any, T]:
        value: Any = None
        error: BaseException | None = None
        while True:
            began = time.perf_counter()
            try:
                yielded = self._inner.throw(error) if error else self._inner.send(value)
            except StopIteration as stop:
                self._clock.seconds += time.perf_counter() - began
                return stop.value  # type: ignore[no-any-return]
            self._clock.seconds += time.perf_counter() - began
            try:
                value, error = (yield yielded), None
            except BaseException as err:
                value, error = None, err


def store_text(readings_data: dict[str, Any]) -> str:
    """The Store file's content, as Home Assistant writes it."""
    data = {"readings": readings_data, "poll": {"day": None, "attempts": 0}}
    store = {"version": STORAGE_VERSION, "minor_version": 1, "key": f"linky.{ENTRY_ID}"}
    _mode, text = json_helper.prepare_save_json({**store, "data": data})
    return text if isinstance(text, str) else text.decode()


def entry() -> ConfigEntry[Any]:
    return ConfigEntry(
        data={"source": "conso", "prm": "99999999999990", "token": "x"},
        discovery_keys={},
        domain="linky",
        minor_version=1,
        options={"production": True, "tariffs": []},
        source="user",
        subentries_data=None,
        title="Linky",
        unique_id="99999999999990",
        version=1,
        entry_id=ENTRY_ID,
    )


async def measure(config_dir: Path, text: str, expected: MeterReadings) -> dict[str, float]:
    """Best of RUNS, each from the same Store file: setup (load), then a save (ms)."""
    hass = HomeAssistant(str(config_dir))
    path = config_dir / ".storage" / f"linky.{ENTRY_ID}"
    path.parent.mkdir(parents=True, exist_ok=True)
    best: dict[str, float] = {}
    try:
        for _ in range(RUNS):
            path.write_text(text)
            coordinator = LinkyCoordinator(hass, entry(), None)  # type: ignore[arg-type]
            on_loop, began = OnLoop(), time.perf_counter()
            await on_loop.run(coordinator._async_setup())
            figures = {"setup_loop": on_loop.seconds, "setup_wall": time.perf_counter() - began}
            assert coordinator.readings == expected
            store = coordinator._store
            coordinator._schedule_save()
            on_loop, began = OnLoop(), time.perf_counter()
            await on_loop.run(store._async_handle_write_data())
            figures |= {"save_loop": on_loop.seconds, "save_wall": time.perf_counter() - began}
            for name, seconds in figures.items():
                best[name] = min(best.get(name, seconds * 1000), seconds * 1000)
            best["saved_mb"] = path.stat().st_size / 1e6
    finally:
        await hass.async_stop(force=True)
    return best


def pure_figures(readings: MeterReadings) -> dict[str, float]:
    """to_dict (every day encoded, then again with nothing changed) and from_dict (ms)."""
    best: dict[str, float] = {}
    for _ in range(RUNS):
        readings._encoded.clear()
        began = time.perf_counter()
        data = readings.to_dict()
        cold = time.perf_counter() - began
        began = time.perf_counter()
        readings.to_dict()
        warm = time.perf_counter() - began
        text = json.dumps(data)
        began = time.perf_counter()
        MeterReadings.from_dict(json.loads(text))
        from_dict = time.perf_counter() - began
        for name, seconds in (("cold", cold), ("warm", warm), ("from_dict", from_dict)):
            best[name] = min(best.get(name, seconds * 1000), seconds * 1000)
    return best


def main() -> None:
    readings = build_readings()
    points = sum(len(pts) for days in readings.curve.values() for pts in days.values())
    print(
        f"STORE held: 36 months daily, 24 months curve and max power, production: {points} points"
    )
    pure = pure_figures(readings)
    print(
        f"STORE to_dict_ms: every day {pure['cold']:.1f}, nothing changed {pure['warm']:.1f}; "
        f"from_dict_ms (executor) {pure['from_dict']:.1f}"
    )
    stores = {"current": readings.to_dict(), "format 1": format_1(readings)}
    for label, data in stores.items():
        with tempfile.TemporaryDirectory() as tmp:
            text = store_text(data)
            figures = asyncio.run(measure(Path(tmp), text, readings))
        print(
            f"STORE [{label} store, {len(text) / 1e6:.2f} MB] "
            f"setup_loop_ms={figures['setup_loop']:.1f} setup_wall_ms={figures['setup_wall']:.1f} "
            f"save_loop_ms={figures['save_loop']:.1f} save_wall_ms={figures['save_wall']:.1f} "
            f"saved_mb={figures['saved_mb']:.2f}"
        )


if __name__ == "__main__":
    main()
