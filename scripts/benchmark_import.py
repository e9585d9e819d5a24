"""Import speed in a real Home Assistant (the one `tests/e2e/harness.py` starts).

Run: ``scripts/py python scripts/benchmark_import.py`` (also run by ``scripts/benchmark.py``).

A fresh configuration directory (`artifacts/benchmark/config`) with the Linky integration linked
in and a small custom component, `linky_benchmark`, that runs once Home Assistant has started,
in its process, with its real recorder (SQLite file database):

1. bare: `async_add_external_statistics` with the rows already computed, until the recorder
   has committed them;
2. linky: `LinkyStatistics.async_update` (the integration's import: the rows computed in the
   executor from stored readings, submitted, and awaited until committed), for 24 months of
   half-hour load curve and 36 months of daily values of a simulated meter.

Each is timed from the call to the commit. The component writes its figures to
`result.json`; this script waits for it, stops Home Assistant and prints lines starting with
``IMPORT``.
"""

import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.harness import REPO, Hass, free_port, prepare_config

ARTIFACTS = REPO / "artifacts" / "benchmark"
LIMIT = 300.0

MANIFEST = {
    "domain": "linky_benchmark",
    "name": "Linky import benchmark",
    "codeowners": [],
    "dependencies": ["recorder"],
    "documentation": "https://example.invalid",
    "iot_class": "calculated",
    "requirements": [],
    "version": "0.0.0",
}

COMPONENT = '''\
"""Written by scripts/benchmark_import.py: time imports once Home Assistant has started."""

import json
import logging
import time
from datetime import UTC, date, timedelta
from pathlib import Path

from homeassistant.components.recorder.models import StatisticData
from homeassistant.components.recorder.statistics import async_add_external_statistics
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED

from custom_components.linky.paris import months_before
from custom_components.linky.readings import CurvePoint, MeterReadings
from custom_components.linky.recorder_sync import async_wait_committed
from custom_components.linky.statistics import energy_rows
from custom_components.linky.series import StatisticSeries
from custom_components.linky.statistics_import import LinkyStatistics, metadata
from linky_simulator import SimulatedMeter

TODAY = date(2026, 11, 23)
_LOGGER = logging.getLogger(__name__)


def build_readings():
    meter = SimulatedMeter("99999999999990", seed=3, first_day=date(2020, 1, 1))
    readings = MeterReadings()
    day = months_before(TODAY, 36)
    curve_start = months_before(TODAY, 24)
    while day < TODAY:
        readings.merge_daily("consumption", {day: meter.daily_wh("consumption", day)})
        if day >= curve_start:
            points = meter.curve("consumption", day)
            readings.merge_curve(
                "consumption",
                [CurvePoint(p.end.astimezone(UTC), p.watts, p.minutes) for p in points],
            )
        day += timedelta(days=1)
    return readings


def entry(prm):
    return ConfigEntry(
        data={"source": "conso", "prm": prm, "token": "x"},
        discovery_keys={},
        domain="linky",
        minor_version=1,
        options={"production": False, "tariffs": []},
        source="user",
        subentries_data=None,
        title="Linky",
        unique_id=prm,
        version=1,
    )


async def async_setup(hass, config):
    async def run(_event):
        try:
            readings = await hass.async_add_executor_job(build_readings)
            rows = await hass.async_add_executor_job(energy_rows, readings, "consumption")
            series = StatisticSeries(
                "linky:99999999999992_consumption", "consumption", "energy", "bare"
            )
            data = [StatisticData(start=r.start, state=r.state, sum=r.sum) for r in rows]
            await async_wait_committed(hass)
            began = time.perf_counter()
            async_add_external_statistics(hass, metadata(series), data)
            await async_wait_committed(hass)
            bare = time.perf_counter() - began

            statistics = LinkyStatistics(hass, entry("99999999999991"))
            began = time.perf_counter()
            await statistics.async_update(readings, date.min)
            linky = time.perf_counter() - began
            result = {"rows": len(rows), "bare_s": bare, "linky_s": linky}
        except Exception as err:  # reported to the script
            _LOGGER.exception("benchmark failed")
            result = {"error": repr(err)}
        path = Path(hass.config.path("result.json"))
        await hass.async_add_executor_job(path.write_text, json.dumps(result))

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, run)
    return True
'''


def prepare(config_dir: Path, port: int) -> None:
    prepare_config(config_dir, port=port, fresh=True)
    with (config_dir / "configuration.yaml").open("a") as config:
        config.write("linky_benchmark:\n")
    custom = config_dir / "custom_components"
    # A regular package: else `custom_components` is a namespace package that, run from the
    # repository, resolves to the repository's folder only (where linky_benchmark is not).
    (custom / "__init__.py").write_text("")
    component = custom / "linky_benchmark"
    component.mkdir(parents=True)
    (component / "manifest.json").write_text(json.dumps(MANIFEST, indent=2))
    (component / "__init__.py").write_text(COMPONENT)


async def run() -> dict[str, float]:
    hass = Hass(ARTIFACTS / "config", port=free_port(), log_dir=ARTIFACTS, skip_pip=True)
    prepare(hass.config_dir, hass.port)
    result_file = hass.config_dir / "result.json"
    hass.start()
    began = time.monotonic()
    try:
        while not result_file.exists():
            if hass.proc is not None and hass.proc.poll() is not None:
                raise RuntimeError(f"Home Assistant exited; see {hass.log_file}")
            if time.monotonic() - began > LIMIT:
                raise RuntimeError(f"no result after {LIMIT:.0f} s; see {hass.log_file}")
            await asyncio.sleep(0.5)
        await asyncio.sleep(0.2)  # written at once, but be safe
        result: dict[str, float] = json.loads(result_file.read_text())
    finally:
        await hass.async_stop()
    if "error" in result:
        raise RuntimeError(f"benchmark failed: {result['error']}; see {hass.log_file}")
    return result


def main() -> None:
    result = asyncio.run(run())
    print(f"IMPORT rows={result['rows']}")
    print(f"IMPORT bare_add_external_statistics_s={result['bare_s']:.3f}")
    print(f"IMPORT linky_import_s={result['linky_s']:.3f}")
    print(f"IMPORT ratio={result['linky_s'] / result['bare_s']:.2f}")


if __name__ == "__main__":
    main()
