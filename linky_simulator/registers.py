"""The per-class registers of a simulated meter: which class each interval counts in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

type Option = Literal["base", "hphc", "tempo"]
type Colour = Literal["blue", "white", "red"]
type Register = tuple[str, str]
"""(calendar id, class code), e.g. ("DI000002", "HC") or ("FC000003", "HPJR")."""

TEMPO_OFF_PEAK: tuple[tuple[time, time], ...] = ((time(22, 0), time(6, 0)),)
_COLOUR_CODE: dict[Colour, str] = {"blue": "B", "white": "W", "red": "R"}
LABELS: dict[str, str] = {
    "BASE": "Base",
    "HP": "Heures Pleines",
    "HC": "Heures Creuses",
    **{
        f"H{part}J{code}": f"Heures {'Pleines' if part == 'P' else 'Creuses'} Jour {name}"
        for name, code in (("Bleu", "B"), ("Blanc", "W"), ("Rouge", "R"))
        for part in ("P", "C")
    },
}


def in_ranges(moment: time, ranges: Iterable[tuple[time, time]]) -> bool:
    """Whether a local time of day falls in one of the ranges (a range may cross midnight)."""
    for start, end in ranges:
        if start <= end and start <= moment < end:
            return True
        if start > end and (moment >= start or moment < end):
            return True
    return False


@dataclass(frozen=True, slots=True)
class MeterTariff:
    """The meter's calendars: the distributor's (off-peak ranges) and the supplier's (option).

    `colour_of` gives the Tempo colour of a Tempo day (06:00 to 06:00), Tempo only.
    """

    option: Option = "hphc"
    off_peak: tuple[tuple[time, time], ...] = ((time(22, 0), time(6, 0)),)
    colour_of: Callable[[date], Colour] | None = None

    def registers_at(self, start: datetime) -> tuple[Register, Register]:
        """Return the distributor and supplier registers of an interval starting at `start`."""
        local = start.astimezone(PARIS)
        off_peak = in_ranges(local.time(), self.off_peak)
        distributor = (
            ("DI000001", "BASE")
            if self.option == "base"
            else (
                "DI000002",
                "HC" if off_peak else "HP",
            )
        )
        match self.option:
            case "base":
                return distributor, ("FC000001", "BASE")
            case "hphc":
                return distributor, ("FC000002", "HC" if off_peak else "HP")
            case "tempo":
                if self.colour_of is None:
                    raise ValueError("a Tempo meter needs colour_of")
                colour = self.colour_of((local - timedelta(hours=6)).date())
                part = "C" if in_ranges(local.time(), TEMPO_OFF_PEAK) else "P"
                return distributor, ("FC000003", f"H{part}J{_COLOUR_CODE[colour]}")

    def registers(self) -> list[Register]:
        """Return every register the meter keeps, distributor first."""
        distributor = (
            [("DI000001", "BASE")]
            if self.option == "base"
            else [
                ("DI000002", "HP"),
                ("DI000002", "HC"),
            ]
        )
        supplier = {
            "base": ["BASE"],
            "hphc": ["HP", "HC"],
            "tempo": [f"H{p}J{c}" for c in "BWR" for p in "PC"],
        }[self.option]
        calendar = {"base": "FC000001", "hphc": "FC000002", "tempo": "FC000003"}[self.option]
        return [*distributor, *((calendar, code) for code in supplier)]
