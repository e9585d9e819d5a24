"""Which statistics an entry imports, and every row of each, from the readings (pure).

Ids (``linky:<prm>_<suffix>``):

- ``consumption`` (kWh) and, with production, ``production``;
- with a consumption contract of several classes (HP/HC, Tempo), per class ``consumption_<class>``
  (kWh; they add up exactly to ``consumption``) and ``consumption_<class>_cost`` (EUR);
- with a consumption contract, ``consumption_cost`` (EUR): every class's energy at its price plus
  the subscription; with production and its prices, ``production_earnings`` (EUR);
- ``max_power`` (kVA): each day's highest apparent power, one row a day on the hour it
  happened, as a mean, minimum and maximum (so a period's "max" is its highest daily peak);
- ``cost_if_base``, ``cost_if_hphc``, ``cost_if_tempo`` (EUR): the consumption's total cost
  under each regulated option at the subscribed power (`comparison`), with a consumption
  contract (the Tempo one only over the days whose colour is known).

A series is ``coloured`` when its rows depend on the Tempo colours: ``cost_if_tempo``, and every
cost or class series of a contract with a Tempo period.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Final, Literal

from .comparison import COMPARED, compared_contracts, compared_rows
from .const import DOMAIN
from .contract import Colour, ColourOf, Contract, TariffOption
from .kinds import Direction
from .readings import MeterReadings
from .statistics import (
    ByDay,
    DayEnergy,
    RawRow,
    StatisticRow,
    as_rows,
    base_days,
    class_days,
    days_energy,
    hourly_costs,
    hourly_totals,
    raw_cost_rows,
    raw_energy_rows,
    subscriptions,
)

type SeriesKind = Literal["energy", "money", "power"]

NAMES: Final = {
    "consumption": "Linky {prm} consumption",
    "production": "Linky {prm} production",
    "consumption_cost": "Linky {prm} consumption cost",
    "production_earnings": "Linky {prm} production earnings",
    "consumption_class": "Linky {prm} consumption {label}",
    "consumption_class_cost": "Linky {prm} consumption cost {label}",
    "max_power": "Linky {prm} maximum power",
    "cost_if_base": "Linky {prm} cost if regulated Base",
    "cost_if_hphc": "Linky {prm} cost if regulated HP/HC",
    "cost_if_tempo": "Linky {prm} cost if regulated Tempo",
}
"""Display names by name key, in English: used when no translation is found.

The translations are ``common.statistic_<key>`` in strings.json (placeholders ``{prm}`` and, per
class, ``{label}``: ``common.class_<class>``).
"""
CLASS_LABELS: Final = {
    "base": "base",
    "hp": "peak hours",
    "hc": "off-peak hours",
    "blue_hp": "blue day peak hours",
    "blue_hc": "blue day off-peak hours",
    "white_hp": "white day peak hours",
    "white_hc": "white day off-peak hours",
    "red_hp": "red day peak hours",
    "red_hc": "red day off-peak hours",
}


@dataclass(frozen=True, slots=True)
class StatisticSeries:
    """One imported statistic: what it measures, and its display name."""

    statistic_id: str
    direction: Direction
    kind: SeriesKind
    name: str
    klass: str | None = None
    """The tariff class it is limited to (None: every class)."""
    coloured: bool = False
    """Its rows depend on the Tempo colours (see the module docstring)."""

    @property
    def suffix(self) -> str:
        """What follows ``linky:<prm>_`` in the id (``consumption``, ``consumption_hc_cost``)."""
        return self.statistic_id.rpartition(":")[2].partition("_")[2]

    @property
    def name_key(self) -> str:
        """The key of its display name in `NAMES` (and in the translations)."""
        if self.klass is None:
            return self.suffix
        return "consumption_class_cost" if self.kind == "money" else "consumption_class"


COST_IF: Final[dict[TariffOption, str]] = {option: f"cost_if_{option}" for option in COMPARED}
"""The suffix of each regulated option's cost statistic."""


def statistic_id(prm: str, suffix: str) -> str:
    """Return the id of one of a PRM's statistics."""
    return f"{DOMAIN}:{prm.lower()}_{suffix}"


def statistic_ids(prm: str) -> dict[str, str]:
    """Return the main statistic ids of a PRM (not the per-class ones), by suffix."""
    suffixes = ("consumption", "production", "consumption_cost", "production_earnings", "max_power")
    return {suffix: statistic_id(prm, suffix) for suffix in suffixes}


def display_name(prm: str, key: str, klass: str | None, template: str | None = None) -> str:
    """Return a statistic's name from its template (English when None)."""
    label = CLASS_LABELS.get(klass or "", "")
    return (template or NAMES[key]).format(prm=prm, label=label)


def _series(
    prm: str,
    suffix: str,
    direction: Direction,
    kind: SeriesKind,
    klass: str | None = None,
    *,
    coloured: bool = False,
) -> StatisticSeries:
    item = StatisticSeries(statistic_id(prm, suffix), direction, kind, "", klass, coloured)
    return replace(item, name=display_name(prm, item.name_key, klass))


def build_series(
    prm: str, *, production: bool, contracts: Mapping[Direction, Contract]
) -> list[StatisticSeries]:
    """Return the statistics an entry imports (English names)."""
    series = [_series(prm, "consumption", "consumption", "energy")]
    if production:
        series.append(_series(prm, "production", "production", "energy"))
    if (contract := contracts.get("consumption")) is not None:
        tempo = contract.uses_tempo
        series.append(_series(prm, "consumption_cost", "consumption", "money", coloured=tempo))
        for klass in contract.classes if len(contract.classes) > 1 else ():
            energy, cost = f"consumption_{klass}", f"consumption_{klass}_cost"
            series.append(_series(prm, energy, "consumption", "energy", klass, coloured=tempo))
            series.append(_series(prm, cost, "consumption", "money", klass, coloured=tempo))
    if production and "production" in contracts:
        series.append(_series(prm, "production_earnings", "production", "money"))
    series.append(_series(prm, "max_power", "consumption", "power"))
    if "consumption" in contracts:  # compared with the contract (its subscribed power)
        series.extend(
            _series(prm, suffix, "consumption", "money", coloured=option == "tempo")
            for option, suffix in COST_IF.items()
        )
    return series


def max_power_rows(readings: MeterReadings) -> list[RawRow]:
    """Each day's maximum power (kVA) on the UTC hour it happened: (hour, kVA, kVA)."""
    rows: list[RawRow] = []
    for _day, value in sorted(readings.max_power.items()):
        moment = int(value.at.timestamp())
        rows.append((moment - moment % 3600, value.va / 1000, value.va / 1000))
    return rows


def _energy(
    readings: MeterReadings,
    series: list[StatisticSeries],
    contracts: Mapping[Direction, Contract],
    colour_of: ColourOf,
) -> tuple[dict[Direction, list[tuple[date, DayEnergy]]], dict[Direction, ByDay]]:
    """Return each direction's days (one pass each) and the classes of those that need them.

    A direction's classes are needed for its costs and its per-class series.
    """
    classed = {item.direction for item in series if item.kind == "money" or item.klass}
    energy = {
        direction: days_energy(
            readings,
            direction,
            contracts.get(direction) if direction in classed else None,
            colour_of,
        )
        for direction in dict.fromkeys(item.direction for item in series if item.kind != "power")
    }
    by_day = {
        direction: class_days(days)
        for direction, days in energy.items()
        if direction in classed and direction in contracts
    }
    return energy, by_day


def compute_values(
    readings: MeterReadings,
    series: list[StatisticSeries],
    contracts: Mapping[Direction, Contract],
    colours: Mapping[date, Colour],
) -> dict[str, list[RawRow]]:
    """Every row of every series, as plain numbers (run in the executor on a copy)."""
    colour_of: ColourOf = colours.get
    energy, by_day = _energy(readings, series, contracts, colour_of)
    costs = {
        direction: hourly_costs(days, contracts[direction]) for direction, days in by_day.items()
    }
    consumption = contracts.get("consumption")
    rows = _compared_values(readings, series, consumption, colour_of, energy=energy, by_day=by_day)
    for item in series:
        direction, name = item.direction, item.klass
        if item.statistic_id in rows:
            continue
        if item.kind == "power":
            rows[item.statistic_id] = max_power_rows(readings)
        elif item.kind == "money":
            contract = contracts[direction]
            subscription = subscriptions(readings, direction, contract) if name is None else {}
            rows[item.statistic_id] = raw_cost_rows(costs[direction], name, subscription)
        elif name is None:
            rows[item.statistic_id] = raw_energy_rows(hourly_totals(energy[direction]).items())
        else:
            rows[item.statistic_id] = raw_energy_rows(
                (hour, by_class.get(name, 0))
                for _day, day_hours in by_day[direction]
                for hour, by_class in day_hours.items()
            )
    return rows


def _compared_values(
    readings: MeterReadings,
    series: list[StatisticSeries],
    contract: Contract | None,
    colour_of: ColourOf,
    *,
    energy: Mapping[Direction, list[tuple[date, DayEnergy]]],
    by_day: Mapping[Direction, ByDay],
) -> dict[str, list[RawRow]]:
    """Return the rows of the ``cost_if_*`` series among ``series`` (each option's cost).

    The Base option is priced from the totals, an option with the contract's classes from them.
    """
    wanted = {item.suffix: item.statistic_id for item in series}
    if contract is None or not any(suffix in wanted for suffix in COST_IF.values()):
        return {}
    days = [*readings.daily["consumption"], *readings.curve["consumption"]]
    if not days:
        return {wanted[suffix]: [] for suffix in COST_IF.values() if suffix in wanted}
    options = compared_contracts(readings, contract, colour_of, max(days))
    own = (contract, by_day["consumption"]) if "consumption" in by_day else None
    base = base_days(energy["consumption"])
    rows = compared_rows(readings, options, colour_of, own, base)
    return {wanted[suffix]: rows[option] for option, suffix in COST_IF.items() if suffix in wanted}


def compute_rows(
    readings: MeterReadings,
    series: list[StatisticSeries],
    contracts: Mapping[Direction, Contract],
    colours: Mapping[date, Colour],
) -> dict[str, list[StatisticRow]]:
    """`compute_values` as `StatisticRow` objects."""
    values = compute_values(readings, series, contracts, colours)
    return {statistic_id: as_rows(rows) for statistic_id, rows in values.items()}
