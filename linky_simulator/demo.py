"""The demo meter served by ``python -m linky_simulator --demo`` (and ``scripts/develop``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from .meter import SimulatedMeter
from .registers import Colour, MeterTariff

DEMO_PRM = "11111111111111"


def demo_meter(
    today: date, *, seed: int = 2026, colour_of: Callable[[date], Colour] | None = None
) -> SimulatedMeter:
    """Build the demo meter: consumption and production, three years of history, gaps.

    With `colour_of` (the Tempo calendar), its index answers carry Tempo class registers.

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
        tariff=MeterTariff("tempo", colour_of=colour_of) if colour_of else None,
    )
