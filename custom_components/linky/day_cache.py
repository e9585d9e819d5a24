"""Each day's energy (`statistics.day_energy`), kept while what it is computed from is the same.

Pure. A day's energy per hour and class depends only on the day's curve points, its daily
value, the meter's registers at its two midnights, the contract and the Tempo colours of the
day and of the day before (its 00:00-06:00 belongs to the Tempo day before). The cache keeps
those inputs with each day and computes the day again whenever one differs, so no caller ever
invalidates it. The points are an immutable tuple that `MeterReadings.merge_curve` replaces
when the day changes: comparing them costs an identity check while they are the same.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from .contract import Colour, ColourOf, Contract
from .kinds import Direction
from .readings import CurvePoint, MeterReadings
from .statistics import DayEnergy, day_energy

MAX_DAYS: Final = 100
"""Days kept (the snapshot asks for two months): the ones computed longest ago go first."""


@dataclass(frozen=True, slots=True)
class _Inputs:
    """What a day's energy is computed from."""

    points: tuple[CurvePoint, ...] | None
    daily: int | None
    registers: tuple[dict[str, int] | None, dict[str, int] | None]
    contract: Contract | None
    colours: tuple[Colour | None, Colour | None]


def _registers(readings: MeterReadings, day: date) -> dict[str, int] | None:
    held = readings.registers.get(day)
    return None if held is None else dict(held)  # a copy: a dict can change in place


def _inputs(
    readings: MeterReadings,
    direction: Direction,
    day: date,
    contract: Contract | None,
    colour_of: ColourOf,
) -> _Inputs:
    after = day + timedelta(days=1)
    consumption = direction == "consumption"  # only its daily values follow the registers
    return _Inputs(
        points=readings.curve[direction].get(day),
        daily=readings.daily[direction].get(day),
        registers=(_registers(readings, day), _registers(readings, after))
        if consumption
        else (None, None),
        contract=contract,
        colours=(colour_of(day - timedelta(days=1)), colour_of(day)),
    )


class DayEnergyCache:
    """`statistics.day_energy` for the days asked, computed again when their inputs change.

    What it returns is shared with later calls: callers read it, never change it.
    """

    def __init__(self) -> None:
        """Start empty."""
        self._held: dict[tuple[Direction, date], tuple[_Inputs, DayEnergy]] = {}

    def __call__(
        self,
        readings: MeterReadings,
        direction: Direction,
        day: date,
        contract: Contract | None,
        colour_of: ColourOf,
    ) -> DayEnergy:
        """Return the day's energy, computed again only if one of its inputs changed."""
        inputs = _inputs(readings, direction, day, contract, colour_of)
        key = (direction, day)
        held = self._held.get(key)
        if held is not None and held[0] == inputs:
            return held[1]
        energy = day_energy(readings, direction, day, contract, colour_of)
        self._held.pop(key, None)
        self._held[key] = (inputs, energy)
        while len(self._held) > MAX_DAYS:
            del self._held[next(iter(self._held))]
        return energy
