"""What the comparison (the ``cost_if_*`` series) adds to computing a reconciliation's rows.

Run: ``scripts/py python scripts/benchmark_comparison.py``. The readings of
`benchmark_import.py` (24 months of half-hour curve, 36 of daily values, production) with its
Tempo contract and colours: `series.compute_values` (what a reconciliation runs in the
executor) timed with and without the three ``cost_if_*`` series: the median of five rounds of
the thread's CPU time, each after a full garbage collection (on a shared machine the wall time
mostly measures the others). Prints a line starting with ``COMPARISON``.
"""

import gc
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.linky.contract import contracts_from_options
from custom_components.linky.paris import months_before
from custom_components.linky.series import COST_IF, build_series, compute_values
from linky_simulator import TempoSimulator
from scripts.benchmark_import import COMPONENT

ROUNDS = 5
namespace: dict[str, object] = {}
exec(COMPONENT.split("async def idle")[0], namespace)  # build_readings, tempo_options, TODAY


def median_cpu(readings, series, contracts, colours) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(ROUNDS):
        gc.collect()
        start = time.thread_time()
        compute_values(readings, series, contracts, colours)
        times.append(time.thread_time() - start)
    return statistics.median(times)


def main() -> None:
    today = namespace["TODAY"]
    readings = namespace["build_readings"](True)  # type: ignore[operator]
    rte = TempoSimulator(seed=3)
    first = months_before(today, 37)  # type: ignore[arg-type]
    colours = {day: rte.colour(day) for day in (first + timedelta(days=n) for n in range(1200))}
    contracts = contracts_from_options(namespace["tempo_options"]())  # type: ignore[operator]
    series = build_series("99999999999930", production=True, contracts=contracts)
    without = [item for item in series if item.suffix not in COST_IF.values()]
    base = median_cpu(readings, without, contracts, colours)
    full = median_cpu(readings, series, contracts, colours)
    print(
        f"COMPARISON {len(without)} series {base:.2f} s CPU; with the "
        f"{len(series) - len(without)} cost_if_* series {full:.2f} s (+{full - base:.2f} s)"
    )


if __name__ == "__main__":
    main()
