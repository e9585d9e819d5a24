"""What computing the sensors' snapshot costs on the event loop (`snapshot.summarize`).

Run: ``scripts/py python scripts/benchmark_snapshot.py``. The readings of `benchmark_import.py`
(36 months of daily values, 24 of half-hour curve, production) with its Tempo contract and
colours, summarised for the day after the latest one held: with no cache (every push before
the cache), then with the coordinator's `DayEnergyCache` when nothing changed and when a new
day came. Median of 20 rounds each, the thread's CPU time (on a shared machine the wall time
mostly measures the others). Prints lines starting with ``SNAPSHOT``.
"""

import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.linky import snapshot
from custom_components.linky.contract import contracts_from_options
from custom_components.linky.day_cache import DayEnergyCache
from custom_components.linky.paris import months_before
from custom_components.linky.readings import CurvePoint
from linky_simulator import SimulatedMeter, TempoSimulator
from scripts.benchmark_import import COMPONENT

ROUNDS = 20
namespace: dict[str, object] = {}
exec(COMPONENT.split("async def idle")[0], namespace)  # build_readings, tempo_options, TODAY


def median_ms(run: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.thread_time()
        run()
        times.append(time.thread_time() - start)
    return statistics.median(times) * 1000


def main() -> None:
    today = namespace["TODAY"]
    readings = namespace["build_readings"](True)  # type: ignore[operator]
    rte = TempoSimulator(seed=3)
    first = months_before(today, 37)  # type: ignore[arg-type]
    colours = {day: rte.colour(day) for day in (first + timedelta(days=n) for n in range(1200))}
    contract = contracts_from_options(namespace["tempo_options"]())["consumption"]  # type: ignore[operator]
    cold = median_ms(lambda: snapshot.summarize(readings, today, contract, colours.get))  # type: ignore[arg-type]
    print(f"SNAPSHOT no cache: {cold:.2f} ms")
    cache = DayEnergyCache()

    def cached() -> object:
        return snapshot.summarize(readings, today, contract, colours.get, energy_of=cache)  # type: ignore[arg-type]

    cached()
    print(f"SNAPSHOT cache, nothing changed: {median_ms(cached):.2f} ms")
    meter = SimulatedMeter("99999999999990", seed=3)
    times = []
    for _ in range(ROUNDS):  # a new day each round, summarised the day after it
        readings.merge_daily("consumption", {today: meter.daily_wh("consumption", today)})  # type: ignore[dict-item]
        points = meter.curve("consumption", today)  # type: ignore[arg-type]
        readings.merge_curve("consumption", [CurvePoint(p.end, p.watts, p.minutes) for p in points])
        today += timedelta(days=1)  # type: ignore[operator]
        start = time.thread_time()
        cached()
        times.append(time.thread_time() - start)
    print(f"SNAPSHOT cache, a new day: {statistics.median(times) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
