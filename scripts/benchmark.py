"""Issue 4 benchmark: requests for a full backfill and a steady day, and import speed.

Run: ``scripts/py python scripts/benchmark.py``. Prints figures for the README.

1. Requests, against the fake Conso API (`linky_simulator`, a meter with 5 years of history):
   the first day's daily update, then the backfill plan run to completion with the real client
   (the same planner the integration uses, re-planned after every answer), then the next day.
   The request budget lets the backfill send 40 requests per 12 hours (50 minus the reserve
   of 10 for daily updates), which gives how long the backfill takes.
2. The readings Store with 24 months held: size, on-loop time of setup and save
   (`scripts/benchmark_store.py`).
3. The sensors' snapshot on the event loop, with and without its day cache
   (`scripts/benchmark_snapshot.py`).
4. Import and reconciliation in a real Home Assistant (`scripts/benchmark_import.py`): 24
   months of hourly data (+12 months of daily values), stored readings -> committed statistics
   with `LinkyStatistics`, side by side with a bare `async_add_external_statistics` of the same
   rows; then a reconciliation's cost with 16 series (Tempo, production).
"""

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.linky.api import AsyncLinkyClient, MeteringData, NoDataError
from custom_components.linky.backfill_plan import plan
from custom_components.linky.budget import LIMIT, RESERVE_PER_ENTRY
from custom_components.linky.readings import (
    DataKind,
    MeterReadings,
    curve_points,
    daily_values,
    max_power_values,
)
from linky_simulator import ConsoApiSimulator, SimulatedMeter

PRM = "11111111111111"
START = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # 10:30 in Paris


def fetcher(
    client: AsyncLinkyClient, kind: DataKind
) -> Callable[[date, date], Awaitable[MeteringData]]:
    return {
        "consumption_daily": client.get_daily_consumption,
        "consumption_curve": client.get_consumption_load_curve,
        "max_power": client.get_max_power,
        "production_daily": client.get_daily_production,
        "production_curve": client.get_production_load_curve,
    }[kind]


async def fetch(
    client: AsyncLinkyClient, readings: MeterReadings, kind: DataKind, start: date, end: date
) -> None:
    """What `LinkyCoordinator.async_fetch_range` does with an answer."""
    days = [start + timedelta(days=n) for n in range((end - start).days)]
    try:
        data = await fetcher(client, kind)(start, end)
    except NoDataError:
        readings.mark_missing(kind, days, end)
        return
    if kind == "max_power":
        readings.merge_max_power(max_power_values(data))
    elif kind.endswith("daily"):
        readings.merge_daily(kind.split("_")[0], daily_values(data))  # type: ignore[arg-type]
    else:
        readings.merge_curve(kind.split("_")[0], curve_points(data))  # type: ignore[arg-type]
    readings.mark_missing(kind, [d for d in days if not readings.has(kind, d)], end)


async def count_requests(production: bool) -> dict[str, int]:
    now = START
    meter = SimulatedMeter(PRM, seed=1, production=production, first_day=date(2021, 1, 1))
    simulator = ConsoApiSimulator([meter], now=lambda: now, ban_threshold=None, max_per_second=None)
    await simulator.start()
    readings = MeterReadings()
    steady: list[DataKind] = ["consumption_daily", "consumption_curve", "max_power"]
    if production:
        steady += ["production_daily", "production_curve"]
    backfill_kinds = [kind for kind in steady if kind != "max_power"]
    try:
        async with aiohttp.ClientSession() as session:
            client = AsyncLinkyClient(
                simulator.make_token([PRM]), prm=PRM, session=session, base_url=simulator.base_url
            )
            today = now.date()
            # First daily update (the coordinator's windows: 1st of last month, 7 days).
            for kind in steady:
                first = (
                    (today.replace(day=1) - timedelta(days=1)).replace(day=1)
                    if kind.endswith("daily")
                    else today - timedelta(days=7)
                )
                await fetch(client, readings, kind, first, today)
            first_update = len(simulator.requests)
            while requests := plan(readings, today, backfill_kinds):
                request = requests[0]
                await fetch(client, readings, request.kind, request.start, request.end)
            backfill = len(simulator.requests) - first_update
            # The next day: the daily update asks for yesterday, the backfill for nothing.
            now = START + timedelta(days=1)
            today = now.date()
            for kind in steady:
                await fetch(client, readings, kind, today - timedelta(days=1), today)
            leftover = plan(readings, today, backfill_kinds)
            steady_day = len(simulator.requests) - first_update - backfill + len(leftover)
    finally:
        await simulator.stop()
    return {"first_update": first_update, "backfill": backfill, "steady_day": steady_day}


def main() -> None:
    per_window = LIMIT - RESERVE_PER_ENTRY
    for production in (False, True):
        counts = asyncio.run(count_requests(production))
        windows = -(-counts["backfill"] // per_window)
        label = "consumption + production" if production else "consumption only"
        print(f"REQUESTS [{label}] first daily update: {counts['first_update']}")
        print(
            f"REQUESTS [{label}] full backfill (36 months daily, 24 months curve): "
            f"{counts['backfill']} -> {windows} budget windows of 12 h "
            f"(~{(windows - 1) * 12} h after setup)"
        )
        print(f"REQUESTS [{label}] steady day: {counts['steady_day']}")
    root = Path(__file__).resolve().parents[1]
    for script, prefix in (
        ("benchmark_store.py", "STORE"),
        ("benchmark_snapshot.py", "SNAPSHOT"),
        ("benchmark_import.py", ("IMPORT", "RECONCILE")),
    ):
        result = subprocess.run(
            [sys.executable, str(root / "scripts" / script)],
            capture_output=True,
            text=True,
            check=False,
            cwd=root,
        )
        lines = [line for line in result.stdout.splitlines() if line.startswith(prefix)]
        print("\n".join(lines) if lines else (result.stdout + result.stderr)[-3000:])


if __name__ == "__main__":
    main()
