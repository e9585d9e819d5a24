"""The regulated grid (EDF "Tarif Bleu" résidentiel, all taxes included), dated (pure).

Each grid applies from its start date until the next one: per option (Base, HP/HC, Tempo), the
price per kWh of each class and the monthly subscription per subscribed power (kVA). Prices
change on 1 February and 1 August (not every time). Sources: EDF's own price grids ("Grille de
prix Tarif Bleu", PDF copies in the public repository njoyard/temposim,
``public/edf/tarifs-YYYYMMDD.pdf``), cross-checked with the press (revolution-energetique,
jechange). Grids whose figures rest on one community source say so in ``weak_source``: the
forms that pre-fill from them ask the user to check against the bill in any case.

``grid_on(day)`` is the grid in force on a day (the earliest one for days before it);
``regulated_terms`` gives an option's prices and subscription for a power at each grid date, which
`contract` turns into contract periods (a regulated period, the comparison's offers). Options are
named by their value (``"base"``, ``"hphc"``, ``"tempo"``: `contract.TariffOption`'s), so that
`contract` may import this module.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

DEFAULT_POWER_KVA: Final = 6
POWERS_KVA: Final = (3, 6, 9, 12, 15, 18, 24, 30, 36)
"""The subscribed powers of the regulated offer."""


@dataclass(frozen=True, slots=True)
class OptionGrid:
    """One option's prices per class and subscriptions (EUR/month) per subscribed power."""

    prices: Mapping[str, float]
    subscriptions: Mapping[int, float]
    high_power_prices: Mapping[str, float] = field(default_factory=dict)
    """Prices that differ from 9 kVA up (Base from February 2026), when they do."""

    def prices_for(self, power_kva: int = DEFAULT_POWER_KVA) -> dict[str, float]:
        """Return the price per kWh of each class for a subscribed power."""
        if power_kva >= 9 and self.high_power_prices:
            return dict(self.high_power_prices)
        return dict(self.prices)


@dataclass(frozen=True, slots=True)
class RegulatedGrid:
    """The regulated prices and subscriptions in force from ``start``."""

    start: date
    options: Mapping[str, OptionGrid]
    weak_source: str | None = None
    """Why some figures are not confirmed by EDF's grid (None when they are)."""

    def prices(self, option: str, power_kva: int = DEFAULT_POWER_KVA) -> dict[str, float]:
        """Return the price per kWh of each class of an option."""
        return self.options[option].prices_for(power_kva)

    def subscription(self, option: str, power_kva: int) -> float | None:
        """Return the monthly subscription for a subscribed power (None if not in the grid)."""
        return self.options[option].subscriptions.get(power_kva)


def _tempo(*hc_hp: float) -> dict[str, float]:
    """Tempo prices given as blue HC, blue HP, white HC, white HP, red HC, red HP."""
    names = ("blue_hc", "blue_hp", "white_hc", "white_hp", "red_hc", "red_hp")
    return dict(zip(names, hc_hp, strict=True))


def _subs(six: float, nine: float, **others: float) -> dict[int, float]:
    return {6: six, 9: nine} | {int(kva.removeprefix("kva")): v for kva, v in others.items()}


_BASE, _HPHC, _TEMPO = "base", "hphc", "tempo"
_FEB_2026_OTHERS: Final = {
    "kva3": 12.03,
    "kva12": 23.32,
    "kva15": 26.84,
    "kva18": 30.49,
    "kva24": 38.24,
    "kva30": 45.37,
    "kva36": 52.54,
}
_FEB_2026_TEMPO_OTHERS: Final = {
    "kva12": 23.07,
    "kva15": 26.47,
    "kva18": 30.04,
    "kva30": 44.73,
    "kva36": 52.42,
}

GRIDS: Final[tuple[RegulatedGrid, ...]] = (
    RegulatedGrid(
        date(2023, 2, 1),
        {
            _BASE: OptionGrid({"base": 0.2062}, _subs(11.93, 14.86)),
            _HPHC: OptionGrid({"hp": 0.2228, "hc": 0.1615}, _subs(12.35, 16.03)),
            _TEMPO: OptionGrid(
                _tempo(0.0970, 0.1249, 0.1140, 0.1508, 0.1216, 0.6712), _subs(12.28, 15.33)
            ),
        },
    ),
    RegulatedGrid(
        date(2023, 8, 1),
        {
            _BASE: OptionGrid({"base": 0.2276}, _subs(12.44, 15.63)),
            _HPHC: OptionGrid({"hp": 0.2460, "hc": 0.1828}, _subs(12.85, 16.55)),
            _TEMPO: OptionGrid(
                _tempo(0.1056, 0.1369, 0.1246, 0.1654, 0.1328, 0.7324), _subs(12.80, 16.00)
            ),
        },
    ),
    # 2024-08-01: no change (the tariff was frozen).
    RegulatedGrid(
        date(2024, 2, 1),
        {
            _BASE: OptionGrid({"base": 0.2516}, _subs(12.60, 15.79)),
            _HPHC: OptionGrid({"hp": 0.2700, "hc": 0.2068}, _subs(13.01, 16.70)),
            _TEMPO: OptionGrid(
                _tempo(0.1296, 0.1609, 0.1486, 0.1894, 0.1568, 0.7562), _subs(12.96, 16.16)
            ),
        },
    ),
    RegulatedGrid(
        date(2024, 11, 1),
        {
            _BASE: OptionGrid({"base": 0.2516}, _subs(12.68, 15.89)),
            _HPHC: OptionGrid({"hp": 0.2700, "hc": 0.2068}, _subs(13.09, 16.70)),
            _TEMPO: OptionGrid(
                _tempo(0.1296, 0.1609, 0.1486, 0.1894, 0.1568, 0.7562), _subs(13.03, 16.25)
            ),
        },
        weak_source="subscriptions only, from one community table (HP/HC 9 kVA uncertain)",
    ),
    RegulatedGrid(
        date(2025, 2, 1),
        {
            _BASE: OptionGrid({"base": 0.2016}, _subs(13.72, 17.27)),
            _HPHC: OptionGrid({"hp": 0.2146, "hc": 0.1696}, _subs(14.04, 18.01)),
            _TEMPO: OptionGrid(
                _tempo(0.1288, 0.1552, 0.1447, 0.1792, 0.1518, 0.6586), _subs(13.97, 17.45)
            ),
        },
    ),
    RegulatedGrid(
        date(2025, 8, 1),
        {
            _BASE: OptionGrid({"base": 0.1952}, _subs(15.47, 19.39)),
            _HPHC: OptionGrid({"hp": 0.2081, "hc": 0.1635}, _subs(15.74, 19.81)),
            _TEMPO: OptionGrid(
                _tempo(0.1232, 0.1494, 0.1391, 0.1730, 0.1460, 0.6468), _subs(15.50, 19.49)
            ),
        },
    ),
    RegulatedGrid(
        date(2026, 2, 1),
        {
            _BASE: OptionGrid(
                {"base": 0.1940},
                _subs(15.65, 19.56, **_FEB_2026_OTHERS),
                high_power_prices={"base": 0.1927},
            ),
            _HPHC: OptionGrid(
                {"hp": 0.2065, "hc": 0.1579}, _subs(15.65, 19.56, **_FEB_2026_OTHERS)
            ),
            _TEMPO: OptionGrid(
                _tempo(0.1325, 0.1612, 0.1499, 0.1871, 0.1575, 0.7060),
                _subs(15.59, 19.38, **_FEB_2026_TEMPO_OTHERS),
            ),
        },
    ),
    RegulatedGrid(
        date(2026, 8, 1),
        {
            _BASE: OptionGrid(
                {"base": 0.2001}, _subs(15.86, 19.88), high_power_prices={"base": 0.1985}
            ),
            _HPHC: OptionGrid({"hp": 0.2142, "hc": 0.1589}, _subs(15.86, 19.88)),
            _TEMPO: OptionGrid(
                _tempo(0.1356, 0.1654, 0.1536, 0.1921, 0.1615, 0.7295), _subs(15.80, 19.70)
            ),
        },
        weak_source="one community source (yearly subscriptions / 12), not yet checked "
        "against EDF's grid",
    ),
)
_STARTS: Final = [grid.start for grid in GRIDS]


def grid_on(day: date) -> RegulatedGrid:
    """Return the grid in force on ``day`` (the earliest grid for days before it)."""
    return GRIDS[max(bisect_right(_STARTS, day) - 1, 0)]


def offer_power(power_kva: float | None) -> int:
    """Return the offer's subscribed power for a power: the next one up (6 kVA when None).

    The largest (36 kVA) for anything above it.
    """
    if not power_kva:
        return DEFAULT_POWER_KVA
    return next((kva for kva in POWERS_KVA if kva >= power_kva), POWERS_KVA[-1])


def subscription_on(grid: RegulatedGrid, option: str, power_kva: int) -> float:
    """Return a grid's subscription, else that of the nearest grid holding this power.

    Only 6 and 9 kVA are held before February 2026. A power no grid holds for the option
    (Tempo at 3 kVA) takes the nearest power held, the higher one first.
    """
    by_distance = sorted(GRIDS, key=lambda other: abs((other.start - grid.start).days))
    for power in sorted(POWERS_KVA, key=lambda kva: (abs(kva - power_kva), -kva)):
        for other in (grid, *by_distance):
            if (amount := other.subscription(option, power)) is not None:
                return amount
    raise ValueError(f"no regulated subscription for {option}")


@dataclass(frozen=True, slots=True)
class RegulatedTerms:
    """What the regulated offer of one option and power charges from ``start``."""

    start: date
    prices: Mapping[str, float]
    subscription: float
    """EUR per month."""
    weak_source: str | None


def regulated_terms(
    option: str, power_kva: float | None, start: date, until: date | None = None
) -> list[RegulatedTerms]:
    """Return an option's prices and subscription from ``start`` and at each grid date after it.

    Until ``until`` (excluded; None: every grid); the power is the offer's (`offer_power`).
    """
    if until is not None and until <= start:
        return []
    power = offer_power(power_kva)
    later = [grid for grid in GRIDS if start < grid.start and (until is None or grid.start < until)]
    return [_terms(grid_on(start), option, power, start)] + [
        _terms(grid, option, power, grid.start) for grid in later
    ]


def _terms(grid: RegulatedGrid, option: str, power: int, start: date) -> RegulatedTerms:
    prices = grid.prices(option, power)
    return RegulatedTerms(start, prices, subscription_on(grid, option, power), grid.weak_source)
