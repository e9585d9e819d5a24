"""The meter's own per-class registers: each day's energy per class (pure).

A Linky keeps a cumulative register per class, in the distributor's calendar (HP/HC by the
meter's off-peak hours) and in the supplier's (the contract's classes: HP/HC, the six Tempo
classes, or Base). A register read at the midnight starting day D minus the one read at the
midnight starting D - 1 is that class's energy on D - 1: an authoritative split, independent of
any configured hours or colours.
"""

from collections.abc import Collection, Mapping
from datetime import date, timedelta
from itertools import pairwise
from typing import Final

from .readings import MeterReadings

CODE_CLASSES: Final[Mapping[str, str]] = {
    "BASE": "base",
    **dict.fromkeys(("HP", "HPH", "HPB"), "hp"),
    **dict.fromkeys(("HC", "HCH", "HCB"), "hc"),
    **{
        f"H{part}J{code}": f"{colour}_h{part.lower()}"
        for colour, code in (("blue", "B"), ("white", "W"), ("red", "R"))
        for part in ("P", "C")
    },
}
"""Enedis class codes -> the integration's class names (H/B: high and low season)."""
CALENDARS: Final = ("supplier", "distributor")
"""The calendars, in the order they are read."""


def register_classes(
    readings: MeterReadings, day: date, classes: Collection[str]
) -> dict[str, int] | None:
    """Return the meter's energy per class on a day (Wh), None when not held.

    From the first calendar (supplier, then distributor) whose registers are held at both
    midnights and whose classes are all in ``classes``. A calendar with a register held at
    one midnight only cannot tell the day: its split would put that class's energy in the
    others.
    """
    before, after = readings.registers.get(day), readings.registers.get(day + timedelta(days=1))
    if not before or not after:
        return None
    for calendar in CALENDARS:
        if (energy := _calendar_classes(calendar, before, after, classes)) is not None:
            return energy
    return None


def _calendar_classes(
    calendar: str, before: Mapping[str, int], after: Mapping[str, int], classes: Collection[str]
) -> dict[str, int] | None:
    """Return one calendar's energy per class between two midnights; None if it cannot tell."""
    keys = {key for key in (*before, *after) if key.partition(":")[0] == calendar}
    if not keys or any(key not in before or key not in after for key in keys):
        return None
    energy: dict[str, int] = {}
    for key in (key for key in before if key in keys):  # in the order of the answer
        name = CODE_CLASSES.get(key.partition(":")[2])
        if name is None or name not in classes or after[key] < before[key]:
            return None
        energy[name] = energy.get(name, 0) + after[key] - before[key]
    return energy


def register_days(readings: MeterReadings) -> list[date]:
    """Return the days whose class energy the registers give (both midnights held)."""
    return [
        day
        for day, after in pairwise(sorted(readings.registers))
        if after - day == timedelta(days=1)
    ]
