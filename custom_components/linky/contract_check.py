"""Check the configured contract against the meter's registers (pure).

For each day with a complete load curve and both registers, the energy per class the contract
gives (off-peak hours, Tempo colours) is compared with the meter's own. When several days
disagree, `meter_off_peak` looks for the off-peak ranges the meter uses.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import Final

from .const import PARIS
from .contract import CLASSES, ColourOf, Contract
from .meter_registers import register_classes, register_days
from .paris import day_minutes
from .readings import MeterReadings
from .statistics import day_classes
from .tariff import MINUTES_PER_DAY, MinuteRange

TOLERANCE_WH: Final = 200
TOLERANCE_SHARE: Final = 0.05
"""A class differs when it is off by more than this many Wh and this share of the day."""
MISMATCH_DAYS: Final = 3
"""Days that must disagree, among the `CHECKED_DAYS` latest, before the user is told."""
CHECKED_DAYS: Final = 14
SLOT: Final = 30
SLOTS: Final = MINUTES_PER_DAY // SLOT
OFF_PEAK_SLOTS: Final = 16
"""Off-peak ranges searched for: 8 hours of half hours, in one range or two."""


def _limit(total: float) -> float:
    return max(TOLERANCE_WH, TOLERANCE_SHARE * total)


@dataclass(frozen=True, slots=True)
class DayCheck:
    """A day's energy per class (Wh), as the meter counted it and as the contract does."""

    day: date
    meter: Mapping[str, int]
    contract: Mapping[str, int]

    @property
    def agrees(self) -> bool:
        """Whether every class is within the tolerance."""
        limit = _limit(sum(self.meter.values()))
        return all(
            abs(self.meter.get(name, 0) - self.contract.get(name, 0)) <= limit
            for name in {*self.meter, *self.contract}
        )


def check_days(readings: MeterReadings, contract: Contract, colour_of: ColourOf) -> list[DayCheck]:
    """Compare the meter and the contract on the latest `CHECKED_DAYS` days both can tell."""
    checks: list[DayCheck] = []
    for day in reversed(register_days(readings)):
        if len(checks) == CHECKED_DAYS:
            break
        if not readings.curve_is_complete("consumption", day):
            continue
        meter = register_classes(readings, day, CLASSES[contract.period_on(day).option])
        computed = day_classes(readings, "consumption", day, contract, colour_of)
        if meter is not None and computed is not None:
            contract_wh = {name: round(wm / 60) for name, wm in computed.items()}
            checks.append(DayCheck(day, meter, contract_wh))
    return sorted(checks, key=lambda check: check.day)


def disagreement(checks: Iterable[DayCheck]) -> list[DayCheck]:
    """Return the days that disagree when there are at least `MISMATCH_DAYS`, else none."""
    wrong = [check for check in checks if not check.agrees]
    return wrong if len(wrong) >= MISMATCH_DAYS else []


def _slot_sums(readings: MeterReadings, day: date) -> list[float] | None:
    """Return the running energy (Wh) over two copies of a 24-hour day's half hours.

    None on daylight-saving days and when an interval is longer than a half hour.
    """
    points = readings.curve["consumption"].get(day, ())
    if day_minutes(day) != MINUTES_PER_DAY or any(point.minutes > SLOT for point in points):
        return None
    slots = [0.0] * SLOTS
    for point in points:
        local = point.start.astimezone(PARIS)
        slots[(local.hour * 60 + local.minute) // SLOT] += point.energy_wh
    return [0.0, *accumulate(slots + slots)]


def _candidates() -> Iterable[tuple[tuple[int, int], ...]]:
    """Off-peak half-hour runs ``(first slot, length)`` of `OFF_PEAK_SLOTS` in all."""
    for start in range(SLOTS):
        yield ((start, OFF_PEAK_SLOTS),)
    for length in range(1, OFF_PEAK_SLOTS):
        for start in range(SLOTS):
            for gap in range(1, SLOTS - OFF_PEAK_SLOTS):
                second = start + length + gap
                if second < SLOTS:  # each pair once: the earlier run first
                    yield ((start, length), (second, OFF_PEAK_SLOTS - length))


def meter_off_peak(
    readings: MeterReadings, checks: Iterable[DayCheck]
) -> tuple[MinuteRange, ...] | None:
    """Return the off-peak ranges that explain the meter's HC energy on every day, if any.

    Searches 8-hour ranges on the half-hour grid (one range, or two); the closest fit within
    the tolerance on every day that can tell; None when no day can or no range fits.
    """
    days = []
    for check in checks:
        sums = _slot_sums(readings, check.day)
        if sums is not None and "hc" in check.meter:
            days.append((sums, check.meter["hc"], _limit(sum(check.meter.values()))))
    best: tuple[float, tuple[tuple[int, int], ...]] | None = None
    for runs in _candidates() if days else ():
        error = 0.0
        for sums, off_peak_wh, limit in days:
            counted = sum(sums[start + length] - sums[start] for start, length in runs)
            miss = abs(counted - off_peak_wh)
            if miss > limit:
                break
            error += miss
        else:
            if best is None or error < best[0]:
                best = (error, runs)
    if best is None:
        return None
    return tuple(
        (start * SLOT, (start + length) % SLOTS * SLOT) for start, length in sorted(best[1])
    )


def format_energy(energy: Mapping[str, int]) -> str:
    """Return ``"hp 12.3 kWh, hc 4.5 kWh"``, in class order."""
    order = [name for names in CLASSES.values() for name in names]
    return ", ".join(
        f"{name} {energy[name] / 1000:.1f} kWh"
        for name in sorted(energy, key=lambda n: order.index(n) if n in order else len(order))
    )
