"""The demo meter served by ``python -m linky_simulator --demo`` (and ``scripts/develop``)."""

from __future__ import annotations

from datetime import date, timedelta

from .meter import SimulatedMeter

DEMO_PRM = "11111111111111"


def demo_meter(today: date, *, seed: int = 2026) -> SimulatedMeter:
    """Build the demo meter: consumption and production, three years of history, gaps.

    Missing days (never served): two consecutive days 40 days ago and one 200 days ago; the
    load curve alone is missing 100 days ago; the curve 150 days ago has 10-minute intervals.
    """
    first_day = today - timedelta(days=3 * 365 + 30)
    return SimulatedMeter(
        DEMO_PRM,
        seed=seed,
        production=True,
        first_day=first_day,
        missing_days={today - timedelta(days=n) for n in (40, 41, 200)},
        missing_curve_days={today - timedelta(days=100)},
        interval_overrides={today - timedelta(days=150): 10},
    )
