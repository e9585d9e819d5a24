"""Import and reconciliation figures in a real Home Assistant (the one `tests/e2e/harness.py`
starts).

Run: ``scripts/py python scripts/benchmark_import.py`` (also run by ``scripts/benchmark.py``).

A fresh configuration directory (`artifacts/benchmark/config`) with the Linky integration linked
in and a small custom component, `linky_benchmark`, that runs in Home Assistant's process, with
its real recorder (SQLite file database). It first waits until the start-up is over and the
recorder idle (the start-up's own recorder work once counted in these figures), then:

1. import, side by side: the same 24 months of half-hour load curve and 36 months of daily
   values (one series), either as rows already computed given to
   `async_add_external_statistics` (bare) or through `LinkyStatistics.async_reconcile` (linky:
   the rows computed in the executor from the readings, submitted, awaited until committed);
   three rounds, alternating, each on new statistic ids; timed from the call to the commit;
2. reconciliation, with a Tempo contract and production (16 series): the first import; a
   reconciliation with nothing changed (wall time, the executor's share and what is sent as
   `LinkyStatistics.last_pass` gives them, the event loop's CPU time); a price edit on the
   latest period; a new day of readings.

The component writes its figures to `result.json`; this script waits for it, stops Home
Assistant and prints lines starting with ``IMPORT`` and ``RECONCILE``.
"""

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.harness import REPO, Hass, free_port, prepare_config

ARTIFACTS = REPO / "artifacts" / "benchmark"
LIMIT = 1200.0

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

import asyncio
import json
import logging
import statistics as stats
import time
from datetime import UTC, date, timedelta
from pathlib import Path

from homeassistant.components.recorder.models import StatisticData
from homeassistant.components.recorder.statistics import async_add_external_statistics
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.helpers.recorder import get_instance

from custom_components.linky.contract import TariffOption
from custom_components.linky.regulated import grid_on
from custom_components.linky.paris import local_midnight, months_before
from custom_components.linky.readings import CurvePoint, MeterReadings
from custom_components.linky.recorder_sync import async_wait_committed
from custom_components.linky.series import StatisticSeries
from custom_components.linky.statistics import energy_rows
from custom_components.linky.statistics_import import LinkyStatistics, metadata
from linky_simulator import SimulatedMeter, TempoSimulator

TODAY = date(2026, 11, 23)
ROUNDS = 3
_LOGGER = logging.getLogger(__name__)


def build_readings(production=False, end=TODAY):
    meter = SimulatedMeter("99999999999990", seed=3, first_day=date(2020, 1, 1))
    readings = MeterReadings()
    curve_start = months_before(TODAY, 24)
    directions = ("consumption", "production") if production else ("consumption",)
    day = months_before(TODAY, 36)
    while day < end:
        for direction in directions:
            readings.merge_daily(direction, {day: meter.daily_wh(direction, day)})
            if day >= curve_start:
                points = meter.curve(direction, day)
                readings.merge_curve(
                    direction,
                    [CurvePoint(p.end.astimezone(UTC), p.watts, p.minutes) for p in points],
                )
        day += timedelta(days=1)
    return readings


def entry(prm, options=None, entry_id=None):
    return ConfigEntry(
        entry_id=entry_id,
        data={"source": "conso", "prm": prm, "token": "x"},
        discovery_keys={},
        domain="linky",
        minor_version=1,
        options=options or {"production": False, "tariffs": []},
        source="user",
        subentries_data=None,
        title="Linky",
        unique_id=prm,
        version=1,
    )


def tempo_options(latest_factor=1.0):
    def period(start, factor):
        day = date.fromisoformat(start)
        prices = grid_on(day).prices(TariffOption.TEMPO)
        return {
            "start": start,
            "option": "tempo",
            "subscription": 15.0,
            "prices": {name: round(price * factor, 4) for name, price in prices.items()},
        }

    return {
        "production": True,
        "tariffs": [{"direction": "production", "start": "2020-01-01", "base": 0.04}],
        "contract": [period("2023-01-01", 1.0), period("2026-08-01", latest_factor)],
    }


async def idle(hass):
    """Wait until the start-up is over and the recorder has nothing queued."""
    instance = get_instance(hass)
    await asyncio.sleep(10)
    for _ in range(120):
        await async_wait_committed(hass)
        if not instance.backlog:
            return
        await asyncio.sleep(1)


async def side_by_side(hass):
    readings = await hass.async_add_executor_job(build_readings)
    rows = await hass.async_add_executor_job(energy_rows, readings, "consumption")
    data = [StatisticData(start=r.start, state=r.state, sum=r.sum) for r in rows]
    bare, linky = [], []
    for round_ in range(ROUNDS):
        series = StatisticSeries(
            f"linky:9999999999991{round_}_consumption", "consumption", "energy", "bare"
        )
        began = time.perf_counter()
        async_add_external_statistics(hass, metadata(series), data)
        await async_wait_committed(hass)
        bare.append(time.perf_counter() - began)
        statistics = LinkyStatistics(hass, entry(f"9999999999992{round_}"))
        began = time.perf_counter()
        await statistics.async_reconcile(readings)
        linky.append(time.perf_counter() - began)
    return {"rows": len(rows), "bare_s": bare, "linky_s": linky}


async def measured(statistics, readings):
    """One reconciliation: wall time, the loop's CPU time and what `last_pass` says."""
    imports = statistics.imports
    cpu = time.thread_time()
    began = time.perf_counter()
    await statistics.async_reconcile(readings)
    figures = statistics.last_pass
    return {
        "wall_s": time.perf_counter() - began,
        "executor_s": figures.compute_s,
        "loop_cpu_s": time.thread_time() - cpu,
        "rows": figures.rows_sent,
        "imports": statistics.imports - imports,
    }


async def reconciliation(hass):
    rte = TempoSimulator(seed=3)
    first = months_before(TODAY, 37)
    days = [first + timedelta(days=n) for n in range(1200)]
    colours = {day: rte.colour(day) for day in days}
    readings = await hass.async_add_executor_job(build_readings, True)
    prm = "99999999999930"
    configured = entry(prm, tempo_options())
    statistics = LinkyStatistics(hass, configured, colours.get)
    result = {"series": len(statistics.series)}
    result["first"] = await measured(statistics, readings)
    result["unchanged"] = [await measured(statistics, readings) for _ in range(ROUNDS)]
    # The options saved with a new price on the latest period: the entry reloads.
    reloaded = entry(prm, tempo_options(1.1), configured.entry_id)
    edited = LinkyStatistics(hass, reloaded, colours.get)
    result["price_edit"] = await measured(edited, readings)
    result["price_edit_hours_from"] = (TODAY - date(2026, 8, 1)).days * 24 + 1
    newer = await hass.async_add_executor_job(build_readings, True, TODAY + timedelta(days=1))
    result["new_day"] = await measured(edited, newer)
    return result


async def async_setup(hass, config):
    async def run(_event):
        try:
            await idle(hass)
            result = await side_by_side(hass)
            result["reconcile"] = await reconciliation(hass)
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


def _seconds(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} (min {min(values):.3f}, max {max(values):.3f})"


def main() -> None:
    result = asyncio.run(run())
    print(f"IMPORT rows={result['rows']}")
    print(f"IMPORT bare_add_external_statistics_s: {_seconds(result['bare_s'])}")
    print(f"IMPORT linky_import_s: {_seconds(result['linky_s'])}")
    reconcile = result["reconcile"]
    print(f"RECONCILE series={reconcile['series']}")
    for name in ("first", "price_edit", "new_day"):
        figures = reconcile[name]
        print(
            f"RECONCILE {name}: {figures['wall_s']:.3f} s wall, {figures['executor_s']:.3f} s "
            f"executor, {figures['loop_cpu_s'] * 1000:.0f} ms loop CPU, {figures['rows']} rows"
        )
    unchanged = reconcile["unchanged"]
    rows = sum(u["rows"] for u in unchanged)
    imports = sum(u["imports"] for u in unchanged)
    print(
        "RECONCILE unchanged: executor "
        f"{_seconds([u['executor_s'] for u in unchanged])} s, loop CPU "
        f"{_seconds([u['loop_cpu_s'] for u in unchanged])} s, rows sent {rows}, imports {imports}"
    )
    print(f"RECONCILE price_edit_hours_since_period_start={reconcile['price_edit_hours_from']}")


if __name__ == "__main__":
    main()
