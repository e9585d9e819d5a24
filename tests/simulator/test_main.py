"""`python -m linky_simulator`: the demo meter and the printed details."""

from __future__ import annotations

import asyncio
import json
import time as clock
from datetime import UTC, date, datetime, timedelta

import aiohttp
import pytest
from freezegun.api import FrozenDateTimeFactory

from linky_simulator import DEMO_PRM, demo_meter
from linky_simulator.__main__ import parser, serve

_REAL_CLOCK = {"monotonic": clock.monotonic}  # captured before freezegun can patch it


def test_demo_meter() -> None:
    today = date(2026, 11, 23)
    meter = demo_meter(today)
    assert meter.prm == DEMO_PRM
    assert meter.directions == {"consumption", "production"}
    assert meter.first_day <= today - timedelta(days=3 * 365 + 15)
    assert len(meter.missing_days) == 3
    assert all(today - timedelta(days=400) < day < today for day in meter.missing_days)
    assert meter.missing_curve_days


@pytest.mark.usefixtures("socket_enabled")
async def test_serve_prints_details_and_answers(
    capsys: pytest.CaptureFixture[str], freezer: FrozenDateTimeFactory
) -> None:
    # 23:30 in Paris on New Year's Eve: the demo meter's "today" is the Paris date.
    freezer.move_to(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))
    stop = asyncio.Event()
    args = parser().parse_args(["--port", "0", "--enedis-port", "0", "--demo", "--json"])
    task = asyncio.create_task(serve(args, stop))
    # The frozen clock stops asyncio's timers: poll with sleep(0), for 5 s of real time.
    deadline = _REAL_CLOCK["monotonic"]() + 5
    out = ""
    for _ in range(1_000_000):
        out = capsys.readouterr().out
        if out or _REAL_CLOCK["monotonic"]() > deadline:
            break
        await asyncio.sleep(0)
    details = json.loads(out)
    assert set(details) == {"conso_url", "prm", "token", "enedis_url", "client_id", "client_secret"}
    end_day = date(2026, 12, 31) - timedelta(days=8)
    params = {
        "prm": details["prm"],
        "start": (end_day - timedelta(days=3)).isoformat(),
        "end": end_day.isoformat(),
    }
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{details['conso_url']}/consommation_quotidienne",
            params=params,
            headers={"Authorization": f"Bearer {details['token']}"},
        ) as resp,
    ):
        assert resp.status == 200
        assert len((await resp.json())["grandeur"][0]["points"]) == 3
    stop.set()
    await task
