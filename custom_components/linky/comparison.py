"""Each regulated option's cost on the user's own history: Base, HP/HC, Tempo (pure).

For every option, `compared_contracts` builds a `Contract` whose periods follow the regulated
grid (`contract.regulated_periods`, as a regulated contract period does): one period per grid
date, with that grid's prices and subscription for the subscribed power. HP/HC uses the meter's
own off-peak hours when its registers tell them, else the contract's, else 22:00-06:00. The cost
functions of `statistics` then price the readings exactly as they price the user's own contract
(Tempo with the real colours).

The subscribed power is the contract period's ``subscribed_power_kva`` rounded up to one the
offer has (6 kVA without one); a power missing from an older grid takes the subscription of the
nearest grid that has it (`regulated.subscription_on`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

from .contract import ColourOf, Contract, ContractPeriod, TariffOption, regulated_periods
from .contract_check import check_days, disagreement, meter_off_peak
from .paris import days_between, local_midnight, months_before, paris_day
from .readings import MeterReadings
from .regulated import DEFAULT_POWER_KVA, GRIDS, offer_power
from .statistics import (
    ByDay,
    RawRow,
    base_days,
    classes_by_day,
    day_source,
    days_energy,
    hourly_costs,
    raw_cost_rows,
    subscriptions,
)
from .tariff import MinuteRange

COMPARED: Final = (TariffOption.BASE, TariffOption.HPHC, TariffOption.TEMPO)
DEFAULT_OFF_PEAK: Final[tuple[MinuteRange, ...]] = ((22 * 60, 6 * 60),)
"""The off-peak hours assumed when neither the meter nor the contract tells them."""


def subscribed_power(contract: Contract | None, day: date) -> int:
    """Return the offer's subscribed power (kVA) for the contract's period on a day.

    The period's power rounded up to one the regulated offer has (`regulated.offer_power`),
    6 kVA when it has none.
    """
    period = None if contract is None else contract.period_on(day)
    return offer_power(None if period is None else period.subscribed_power_kva)


def regulated_contract(
    option: TariffOption,
    power_kva: int = DEFAULT_POWER_KVA,
    off_peak: tuple[MinuteRange, ...] = DEFAULT_OFF_PEAK,
    summer_off_peak: tuple[MinuteRange, ...] = (),
) -> Contract:
    """Return the regulated offer of one option for a power, one period per grid date."""
    return Contract(
        regulated_periods(
            option, power_kva, GRIDS[0].start, off_peak=off_peak, summer_off_peak=summer_off_peak
        )
    )


def _contract_off_peak(
    contract: Contract | None,
) -> tuple[tuple[MinuteRange, ...], tuple[MinuteRange, ...]]:
    """Return the off-peak hours (and summer ones) of the latest HP/HC period."""
    for period in reversed(contract.periods if contract else ()):
        if period.option is TariffOption.HPHC:
            return period.off_peak_hours, period.summer_off_peak_hours
    return DEFAULT_OFF_PEAK, ()


def off_peak_hours(
    readings: MeterReadings, contract: Contract | None, colour_of: ColourOf
) -> tuple[tuple[MinuteRange, ...], tuple[MinuteRange, ...]]:
    """Return the off-peak hours to compare HP/HC with (and summer ones, if any).

    The contract's (else 22:00-06:00), unless the meter's HP/HC registers disagree with them on
    several recent days and its own hours can be found (`contract_check.meter_off_peak`).
    """
    hours, summer = _contract_off_peak(contract)
    probe = Contract(
        [
            ContractPeriod(
                date.min,
                TariffOption.HPHC,
                (("hp", 1.0), ("hc", 1.0)),
                off_peak_hours=hours,
                summer_off_peak_hours=summer,
            )
        ]
    )
    wrong = disagreement(check_days(readings, probe, colour_of))
    if wrong and (found := meter_off_peak(readings, wrong)) is not None:
        return found, ()
    return hours, summer


def compared_contracts(
    readings: MeterReadings, contract: Contract | None, colour_of: ColourOf, today: date
) -> dict[TariffOption, Contract]:
    """Return the regulated contract of each option for the user's power and off-peak hours."""
    power = subscribed_power(contract, today)
    hours, summer = off_peak_hours(readings, contract, colour_of)
    return {option: regulated_contract(option, power, hours, summer) for option in COMPARED}


def same_classes(contract: Contract, other: Contract) -> bool:
    """Whether two contracts put every minute in the same class (same option and hours)."""

    def classes(period: ContractPeriod) -> tuple[object, ...]:
        hours = period.option is TariffOption.HPHC
        return (
            period.option,
            period.off_peak_hours if hours else (),
            period.summer_off_peak_hours if hours else (),
        )

    return {classes(period) for period in (*contract.periods, *other.periods)} == {
        classes(other.periods[0])
    }


def cost_rows(
    readings: MeterReadings,
    contract: Contract,
    colour_of: ColourOf,
    by_day: ByDay | None = None,
) -> list[RawRow]:
    """Hourly total cost rows of the consumption under a contract (energy and subscription).

    ``by_day``: the classes already computed for a contract with the same classes (reused).
    A day held whose Tempo colour is unknown has no row at all, not even its subscription: an
    entry without a Tempo contract may not know the colours, and a Tempo cost made of
    subscriptions alone would look cheap.
    """
    if by_day is None:
        if all(period.option is TariffOption.BASE for period in contract.periods):
            by_day = base_days(days_energy(readings, "consumption"))  # no minute walk
        else:
            by_day = classes_by_day(readings, "consumption", contract, colour_of)
    priced = {int(local_midnight(day).timestamp()) for day, _hours in by_day}
    held = {*readings.daily["consumption"], *readings.curve["consumption"]}
    waiting = {int(local_midnight(day).timestamp()) for day in held} - priced
    subscription = {
        hour: amount
        for hour, amount in subscriptions(readings, "consumption", contract).items()
        if hour not in waiting
    }
    return raw_cost_rows(hourly_costs(by_day, contract), None, subscription)


def compared_rows(
    readings: MeterReadings,
    contracts: Mapping[TariffOption, Contract],
    colour_of: ColourOf,
    own: tuple[Contract, ByDay] | None = None,
    base: ByDay | None = None,
) -> dict[TariffOption, list[RawRow]]:
    """Return each option's hourly cost rows.

    ``own``: the user's contract and its classes, reused for an option with the same classes;
    ``base``: the totals as the class ``base`` (`statistics.base_days`), reused for Base.
    """
    rows = {}
    for option, contract in contracts.items():
        reused = own[1] if own is not None and same_classes(own[0], contract) else None
        if reused is None and option is TariffOption.BASE:
            reused = base
        rows[option] = cost_rows(readings, contract, colour_of, reused)
    return rows


def latest_change(today: date) -> date:
    """Return the latest 1 February or 1 August on or before today (regulated price changes)."""
    changes = (date(today.year, 8, 1), date(today.year, 2, 1), date(today.year - 1, 8, 1))
    return next(change for change in changes if change <= today)


def grid_out_of_date(today: date) -> date | None:
    """Return the latest price change the built-in grids miss, None when they are up to date."""
    change = latest_change(today)
    return change if GRIDS[-1].start < change else None


# ---- The last 12 complete months: each option's cost and the user's (the sensors) ---------

CURRENT: Final = "current"


@dataclass(frozen=True, slots=True)
class YearComparison:
    """Costs over the complete months of the 12 before the current one (EUR, by option).

    ``costs`` holds ``base``, ``hphc``, ``tempo`` and ``current`` (the user's contract), summed
    over ``complete_months`` only; a month with a day without data or without its Tempo colour
    is in ``incomplete_months`` and counted nowhere.
    """

    start: date
    end: date
    """The first day of the first month, the last day of the last month."""
    complete_months: tuple[date, ...]
    incomplete_months: tuple[date, ...]
    costs: Mapping[str, float]

    @property
    def cheapest(self) -> TariffOption | None:
        """The regulated option that costs least (None without a complete month)."""
        if not self.complete_months:
            return None
        return min(COMPARED, key=lambda option: self.costs[str(option)])

    @property
    def saving_per_year(self) -> float | None:
        """What the cheapest option saves a year on the user's contract (negative: it costs).

        The complete months' difference scaled to 12 months.
        """
        if (cheapest := self.cheapest) is None:
            return None
        difference = self.costs[CURRENT] - self.costs[str(cheapest)]
        return round(difference * 12 / len(self.complete_months), 2)


def _month_complete(readings: MeterReadings, month: date, colour_of: ColourOf) -> bool:
    """Whether every day of a month has data and a known Tempo colour (and the day before)."""
    following = months_before(month, -1)
    days = list(days_between(month, following))
    if any(day_source(readings, "consumption", day) is None for day in days):
        return False
    return all(colour_of(day) is not None for day in [month - timedelta(days=1), *days])


def consumption_between(readings: MeterReadings, start: date, end: date) -> MeterReadings:
    """Return the consumption readings of ``[start, end)`` (and every register)."""
    return MeterReadings(
        daily={
            "consumption": {
                d: v for d, v in readings.daily["consumption"].items() if start <= d < end
            },
            "production": {},
        },
        curve={
            "consumption": {
                d: v for d, v in readings.curve["consumption"].items() if start <= d < end
            },
            "production": {},
        },
        registers=dict(readings.registers),
    )


def _month_sums(rows: list[RawRow]) -> dict[date, float]:
    sums: dict[date, float] = {}
    for hour, value, _total in rows:
        month = paris_day(datetime.fromtimestamp(hour, UTC)).replace(day=1)
        sums[month] = sums.get(month, 0.0) + value
    return sums


def year_comparison(
    readings: MeterReadings, contract: Contract, colour_of: ColourOf, today: date
) -> YearComparison:
    """Compare the options and the user's contract over the 12 months before today's month."""
    end = today.replace(day=1)
    start = months_before(end, 12)
    months = [months_before(end, back) for back in range(12, 0, -1)]
    complete = tuple(month for month in months if _month_complete(readings, month, colour_of))
    held = consumption_between(readings, start, end)
    contracts: dict[str, Contract] = {
        str(option): compared
        for option, compared in compared_contracts(
            readings, contract, colour_of, end - timedelta(days=1)
        ).items()
    }
    contracts[CURRENT] = contract
    costs = {}
    for key, priced in contracts.items():
        sums = _month_sums(cost_rows(held, priced, colour_of))
        costs[key] = round(sum(sums.get(month, 0.0) for month in complete), 2)
    incomplete = tuple(month for month in months if month not in complete)
    return YearComparison(start, end - timedelta(days=1), complete, incomplete, costs)
