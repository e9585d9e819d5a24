"""The electricity contract: option, dated periods, the class of each interval, its price.

Pure: no Home Assistant import. A contract is a list of periods, each applying from its start
date (Europe/Paris) until the next one starts; the earliest also prices older days, so a user
who only knows today's prices still gets costs for the whole history. A period holds its
option, the price per kWh of each class, the subscription (EUR per month) and, for HP/HC, the
off-peak ranges, which may differ in summer (April to October: Enedis's 2026-2027 reform).

The class of each minute, by its local time:

- Base: ``base``.
- HP/HC: ``hc`` inside the period's off-peak ranges for the season, else ``hp``.
- Tempo: the colour of the Tempo day, which runs 06:00 to 06:00 (so 00:00-06:00 takes the
  previous calendar day's colour), and ``hc`` from 22:00 to 06:00, else ``hp``: ``blue_hp`` ...
  ``red_hc``. While a colour is unknown the minute has no class: it waits, never guessed.

An interval (a load-curve step, a day) is split by the minutes it spends in each class
(`Contract.minutes_by_class`): a PT60M step from 01:00 with off-peak hours from 01:30 is half
``hp``, half ``hc``.

Options store the periods as dicts (``entry.options["contract"]``)::

    {"start": "2026-02-01", "option": "tempo", "subscription": 15.59,
     "prices": {"blue_hp": 0.1612, "blue_hc": 0.1325, ...}}
    {"start": "2026-12-01", "option": "hphc", "subscription": 16.2,
     "prices": {"hp": 0.2065, "hc": 0.1579},
     "off_peak_hours": "01:30-07:30;12:30-14:30",
     "summer_off_peak_hours": "02:00-07:00;13:00-16:00", "subscribed_power_kva": 9}

``subscribed_power_kva`` (optional, 1 to 36) is the period's subscribed power.

A regulated period ("EDF Tarif Bleu", ``"regulated": true``) holds no prices: it follows the
regulated grid (`regulated`) for its option and power (6 kVA when not given) from its start
until the next period's, so `parse_contract` makes it one `ContractPeriod` per grid date
(`regulated_periods`)::

    {"start": "2024-03-01", "option": "tempo", "regulated": true, "subscribed_power_kva": 9}
    {"start": "2025-03-01", "option": "hphc", "regulated": true,
     "off_peak_hours": "01:30-07:30;12:30-14:30"}
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, Final, Literal

from .const import CONF_CONTRACT, CONF_TARIFFS, PARIS
from .kinds import DIRECTIONS, Direction
from .paris import day_minutes, local_midnight
from .regulated import regulated_terms
from .tariff import (
    MINUTES_PER_DAY,
    MinuteRange,
    Tariff,
    TariffError,
    format_off_peak_hours,
    in_ranges,
    parse_off_peak_hours,
    parse_tariffs,
    valid_price,
)

type Colour = Literal["blue", "white", "red"]
type ColourOf = Callable[[date], Colour | None]
"""The final colour of a Tempo day (named by the calendar day it starts on), None if unknown."""

COLOURS: Final[tuple[Colour, ...]] = ("blue", "white", "red")
TEMPO_OFF_PEAK: Final[tuple[MinuteRange, ...]] = ((22 * 60, 6 * 60),)
TEMPO_DAY_START: Final = 6 * 60
TEMPO_BOUNDS: Final = (TEMPO_DAY_START, TEMPO_OFF_PEAK[0][0])
"""The minutes of the day a Tempo class may change at: the new colour, the off-peak hours."""
SUMMER_MONTHS: Final = range(4, 11)
"""April to October: the months summer off-peak ranges apply in, when a period has them."""
SUBSCRIBED_POWER_KEY: Final = "subscribed_power_kva"
"""The key of a period's subscribed power (kVA) in the options."""
REGULATED_KEY: Final = "regulated"
"""The key marking a period that follows the regulated grid (no prices typed)."""
MIN_SUBSCRIBED_KVA: Final = 1
MAX_SUBSCRIBED_KVA: Final = 36
"""Subscribed powers of the meters this integration reads (BT <= 36 kVA, segment C5)."""


class TariffOption(StrEnum):
    """The contract's "option tarifaire"."""

    BASE = "base"
    HPHC = "hphc"
    TEMPO = "tempo"


CLASSES: Final[Mapping[TariffOption, tuple[str, ...]]] = {
    TariffOption.BASE: ("base",),
    TariffOption.HPHC: ("hp", "hc"),
    TariffOption.TEMPO: tuple(f"{colour}_{hour}" for colour in COLOURS for hour in ("hp", "hc")),
}
ALL_CLASSES: Final[tuple[str, ...]] = tuple(dict.fromkeys(c for cs in CLASSES.values() for c in cs))


def days_in_month(day: date) -> int:
    """Return the number of days of ``day``'s month."""
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - day.replace(day=1)).days


def _local_minute(local: datetime) -> int:
    return local.hour * 60 + local.minute


@dataclass(frozen=True, slots=True)
class ContractPeriod:
    """What applies from ``start``: option, class prices, subscription, off-peak ranges."""

    start: date
    option: TariffOption
    prices: tuple[tuple[str, float], ...]
    subscription: float = 0.0
    """EUR per month, spread evenly over the month's days."""
    off_peak_hours: tuple[MinuteRange, ...] = ()
    summer_off_peak_hours: tuple[MinuteRange, ...] = ()
    subscribed_power_kva: int | None = None
    """The subscribed power (kVA, 1 to 36), None when not given."""

    def __post_init__(self) -> None:
        """Check the classes match the option and every price is plausible."""
        if {name for name, _ in self.prices} != set(CLASSES[self.option]):
            raise TariffError(f"prices of {self.option} must be {', '.join(CLASSES[self.option])}")
        if not all(valid_price(price) for _, price in self.prices):
            raise TariffError("a price is negative or absurd")
        if not 0 <= self.subscription <= 1000:
            raise TariffError("the subscription is negative or absurd")
        if self.option is TariffOption.HPHC and not self.off_peak_hours:
            raise TariffError("HP/HC needs off-peak hours")
        kva = self.subscribed_power_kva
        if kva is not None and not MIN_SUBSCRIBED_KVA <= kva <= MAX_SUBSCRIBED_KVA:
            raise TariffError("the subscribed power is not 1 to 36 kVA")

    def price(self, name: str) -> float:
        """Return the price per kWh of a class."""
        return dict(self.prices)[name]

    def off_peak_on(self, day: date) -> tuple[MinuteRange, ...]:
        """Return the off-peak ranges in force on a day (Tempo: 22:00-06:00)."""
        if self.option is TariffOption.TEMPO:
            return TEMPO_OFF_PEAK
        if self.summer_off_peak_hours and day.month in SUMMER_MONTHS:
            return self.summer_off_peak_hours
        return self.off_peak_hours

    def minutes_to_change(self, local: datetime) -> int:
        """Return the minutes from this local time to the next one its class may change at.

        A bound of the day's ranges (Tempo: 06:00 and 22:00), else the next midnight.
        """
        minute = _local_minute(local)
        if self.option is TariffOption.TEMPO:
            bounds: Iterable[int] = TEMPO_BOUNDS
        else:
            bounds = _bounds(self.off_peak_on(local.date()))
        change = MINUTES_PER_DAY - minute
        for bound in bounds:
            change = min(change, (bound - minute - 1) % MINUTES_PER_DAY + 1)
        return change

    def class_at(self, local: datetime, colour_of: ColourOf) -> str | None:
        """Return the class of the minute starting at this local (Paris) time."""
        minute = _local_minute(local)
        match self.option:
            case TariffOption.BASE:
                return "base"
            case TariffOption.HPHC:
                return "hc" if in_ranges(minute, self.off_peak_on(local.date())) else "hp"
            case TariffOption.TEMPO:
                tempo_day = local.date() - timedelta(days=minute < TEMPO_DAY_START)
                colour = colour_of(tempo_day)
                if colour is None:
                    return None
                return f"{colour}_{'hc' if in_ranges(minute, TEMPO_OFF_PEAK) else 'hp'}"

    def to_dict(self) -> dict[str, Any]:
        """Return the options form of the period."""
        data: dict[str, Any] = {
            "start": self.start.isoformat(),
            "option": str(self.option),
            "subscription": self.subscription,
            "prices": dict(self.prices),
        }
        if self.off_peak_hours:
            data["off_peak_hours"] = format_off_peak_hours(self.off_peak_hours)
        if self.summer_off_peak_hours:
            data["summer_off_peak_hours"] = format_off_peak_hours(self.summer_off_peak_hours)
        if self.subscribed_power_kva is not None:
            data[SUBSCRIBED_POWER_KEY] = self.subscribed_power_kva
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContractPeriod:
        """Build from the options form; raise `TariffError` when malformed."""
        try:
            start = date.fromisoformat(str(data["start"]))
            option = TariffOption(data["option"])
            prices = tuple((str(k), float(v)) for k, v in dict(data["prices"]).items())
            subscription = float(data.get("subscription") or 0)
            kva = _kva(data.get(SUBSCRIBED_POWER_KEY))
        except (KeyError, TypeError, ValueError) as err:
            raise TariffError(f"invalid contract period: {err}") from err
        return cls(
            start=start,
            option=option,
            prices=tuple(sorted(prices, key=lambda item: _class_order(item[0]))),
            subscription=subscription,
            off_peak_hours=_ranges(data.get("off_peak_hours")),
            summer_off_peak_hours=_ranges(data.get("summer_off_peak_hours")),
            subscribed_power_kva=kva,
        )


@cache
def _bounds(ranges: tuple[MinuteRange, ...]) -> tuple[int, ...]:
    return tuple(bound for r in ranges for bound in r)


def _kva(value: Any) -> int | None:
    """Return a subscribed power from the options (None when not given); whole kVA only."""
    if value is None or value == "":
        return None
    number = float(value)
    if isinstance(value, bool) or not number.is_integer():
        raise ValueError(f"the subscribed power {value!r} is not a whole number of kVA")
    return int(number)


def _class_order(name: str) -> int:
    return ALL_CLASSES.index(name) if name in ALL_CLASSES else len(ALL_CLASSES)


def _ranges(text: Any) -> tuple[MinuteRange, ...]:
    return parse_off_peak_hours(str(text)) if text else ()


class Contract:
    """The periods of a contract, sorted by start date."""

    __slots__ = ("_starts", "periods")

    def __init__(self, periods: Iterable[ContractPeriod]) -> None:
        """Sort the periods; two may not start on the same day; at least one."""
        self.periods: tuple[ContractPeriod, ...] = tuple(sorted(periods, key=lambda p: p.start))
        self._starts = [period.start for period in self.periods]
        if not self.periods:
            raise TariffError("a contract needs at least one period")
        if len(set(self._starts)) != len(self._starts):
            raise TariffError("two periods start on the same day")

    def period_on(self, day: date) -> ContractPeriod:
        """Return the period applying on a local day (the earliest one before its start)."""
        return self.periods[max(bisect_right(self._starts, day) - 1, 0)]

    @property
    def classes(self) -> tuple[str, ...]:
        """Every class any period uses, in a stable order."""
        used = {name for period in self.periods for name in CLASSES[period.option]}
        return tuple(name for name in ALL_CLASSES if name in used)

    @property
    def uses_tempo(self) -> bool:
        """Whether a period is Tempo (day colours are needed)."""
        return any(period.option is TariffOption.TEMPO for period in self.periods)

    def class_at(self, instant: datetime, colour_of: ColourOf) -> str | None:
        """Return the class of the minute starting at this (aware) instant."""
        local = instant.astimezone(PARIS)
        return self.period_on(local.date()).class_at(local, colour_of)

    def minutes_by_class(
        self, start: datetime, minutes: int, colour_of: ColourOf
    ) -> dict[str, int] | None:
        """Return the minutes of ``[start, start + minutes)`` in each class, in time order.

        None while a colour it needs is unknown. Walks the interval from one possible change
        of class to the next: a bound of the local day's ranges, midnight (the period, the
        season) and each whole hour (where the clock may change), so each part has one class.
        """
        start = start.astimezone(UTC)  # real minutes, not wall-clock ones
        parts: dict[str, int] = {}
        done = 0
        while done < minutes:
            local = (start + timedelta(minutes=done) if done else start).astimezone(PARIS)
            period = self.period_on(local.date())
            name = period.class_at(local, colour_of)
            if name is None:
                return None
            span = min(minutes - done, period.minutes_to_change(local), 60 - local.minute)
            parts[name] = parts.get(name, 0) + span
            done += span
        return parts

    def price(self, day: date, name: str) -> float:
        """Return the price per kWh of a class on a local day."""
        return self.period_on(day).price(name)

    def day_subscription(self, day: date) -> float:
        """Return the subscription of a local day: its month's amount / the month's days."""
        return self.period_on(day).subscription / days_in_month(day)

    def class_minutes(self, day: date, colour_of: ColourOf) -> dict[str, int] | None:
        """Return the real minutes of a local day in each class (None: a colour is unknown).

        23 or 25 hours on daylight-saving days.
        """
        return self.minutes_by_class(local_midnight(day), day_minutes(day), colour_of)

    def first_difference(self, other: Contract | None) -> date | None:
        """Earliest day priced differently by ``other`` (``date.min`` for all); None if equal."""
        if other is None or self.period_on(date.min) != other.period_on(date.min):
            return date.min
        for day in sorted({*self._starts, *other._starts}):
            if self.period_on(day) != other.period_on(day):
                return day
        return None

    def __eq__(self, other: object) -> bool:
        """Contracts are equal when their periods are."""
        return isinstance(other, Contract) and self.periods == other.periods

    def __hash__(self) -> int:
        """Hash of the periods."""
        return hash(self.periods)

    def __repr__(self) -> str:
        """Debug form."""
        return f"Contract({list(self.periods)!r})"


def contract_from_tariff(tariff: Tariff) -> Contract:
    """Convert the former price periods (base, or peak/off-peak) into a contract."""
    periods = []
    for period in tariff.periods:
        if period.base is not None:
            base = (("base", period.base),)
            periods.append(ContractPeriod(period.start, TariffOption.BASE, base))
        else:
            assert period.peak is not None
            assert period.off_peak is not None
            periods.append(
                ContractPeriod(
                    period.start,
                    TariffOption.HPHC,
                    (("hp", period.peak), ("hc", period.off_peak)),
                    off_peak_hours=period.off_peak_hours,
                )
            )
    return Contract(periods)


def is_regulated(data: Mapping[str, Any]) -> bool:
    """Whether a stored period follows the regulated grid (no prices of its own)."""
    return data.get(REGULATED_KEY) is True


def regulated_periods(
    option: TariffOption,
    power_kva: int | None,
    start: date,
    until: date | None = None,
    *,
    off_peak: tuple[MinuteRange, ...] = (),
    summer_off_peak: tuple[MinuteRange, ...] = (),
) -> list[ContractPeriod]:
    """Return the regulated offer from ``start`` until ``until``: a period per grid date.

    Prices and subscription from `regulated.regulated_terms`; the periods keep ``power_kva``.
    """
    hphc = option is TariffOption.HPHC
    return [
        ContractPeriod(
            start=terms.start,
            option=option,
            prices=tuple((name, terms.prices[name]) for name in CLASSES[option]),
            subscription=terms.subscription,
            off_peak_hours=off_peak if hphc else (),
            summer_off_peak_hours=summer_off_peak if hphc else (),
            subscribed_power_kva=power_kva,
        )
        for terms in regulated_terms(option, power_kva, start, until)
    ]


def _start(data: Mapping[str, Any]) -> date:
    try:
        return date.fromisoformat(str(data["start"]))
    except (KeyError, TypeError, ValueError) as err:
        raise TariffError(f"invalid contract period: {err}") from err


def _regulated_from_dict(data: Mapping[str, Any], until: date | None) -> list[ContractPeriod]:
    """Return a stored regulated period's periods until the next period starts."""
    try:
        option = TariffOption(data["option"])
        kva = _kva(data.get(SUBSCRIBED_POWER_KEY))
    except (KeyError, TypeError, ValueError) as err:
        raise TariffError(f"invalid contract period: {err}") from err
    hours, summer = (_ranges(data.get(key)) for key in ("off_peak_hours", "summer_off_peak_hours"))
    return regulated_periods(
        option, kva, _start(data), until, off_peak=hours, summer_off_peak=summer
    )


def parse_contract(options: Iterable[Mapping[str, Any]]) -> Contract | None:
    """Build the contract of ``entry.options["contract"]`` (None when empty).

    A regulated period becomes its grid's periods until the next period starts.
    """
    items = sorted(((_start(item), item) for item in options), key=lambda pair: pair[0])
    starts = [start for start, _ in items]
    if len(set(starts)) != len(starts):
        raise TariffError("two periods start on the same day")
    periods: list[ContractPeriod] = []
    for (_, item), until in zip(items, [*starts[1:], None], strict=False):
        if is_regulated(item):
            periods += _regulated_from_dict(item, until)
        else:
            periods.append(ContractPeriod.from_dict(item))
    return Contract(periods) if periods else None


def split_by_class(total: int, minutes: Mapping[str, int]) -> dict[str, int]:
    """Split an integer total by class minutes, exactly (largest remainders), in class order."""
    whole = sum(minutes.values())
    shares = {name: total * count // whole for name, count in minutes.items()}
    left = total - sum(shares.values())
    by_remainder = sorted(minutes, key=lambda name: -(total * minutes[name] % whole))
    for name in by_remainder[:left]:
        shares[name] += 1
    return shares


def parse_contracts(
    options: Mapping[str, Any],
) -> tuple[dict[Direction, Contract], dict[Direction, str]]:
    """Return the contract of each direction an entry's options price, and why any is not.

    Consumption: ``options["contract"]``, or the former consumption price periods of
    ``options["tariffs"]`` converted; production: the production periods of ``tariffs``. Each
    direction stands alone: invalid periods (a price out of range stored by an older release)
    leave their direction unpriced, with the reason, never the other one.
    """
    tariffs = list(options.get(CONF_TARIFFS, []))
    contracts: dict[Direction, Contract] = {}
    problems: dict[Direction, str] = {}
    for direction in DIRECTIONS:
        periods = [p for p in tariffs if p.get("direction", "consumption") == direction]
        try:
            if direction == "consumption" and options.get(CONF_CONTRACT):
                contract = parse_contract(options[CONF_CONTRACT])
            elif periods:
                contract = contract_from_tariff(parse_tariffs(periods)[direction])
            else:
                contract = None
        except TariffError as err:
            problems[direction] = str(err)
            continue
        if contract is not None:
            contracts[direction] = contract
    return contracts, problems


def contracts_from_options(options: Mapping[str, Any]) -> dict[Direction, Contract]:
    """Return the contract of each direction whose prices are valid (see `parse_contracts`)."""
    return parse_contracts(options)[0]


# ---- The former options (used by the options flow) ---------------------------------------


def migrate_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the options with ``contract`` set and only production periods in ``tariffs``.

    Before contracts, consumption prices were tariff periods (base, or peak/off-peak) in
    ``tariffs``: when ``contract`` is absent they become its periods, without loss (no
    subscription). Other keys are kept. Raise `TariffError` when those periods are malformed.
    """
    tariffs = [dict(item) for item in options.get(CONF_TARIFFS, [])]
    consumption = [p for p in tariffs if p.get("direction", "consumption") == "consumption"]
    migrated = dict(options)
    if CONF_CONTRACT in options:
        migrated[CONF_CONTRACT] = [dict(item) for item in options[CONF_CONTRACT]]
    elif consumption:
        contract = contract_from_tariff(parse_tariffs(consumption)["consumption"])
        migrated[CONF_CONTRACT] = [period.to_dict() for period in contract.periods]
    else:
        migrated[CONF_CONTRACT] = []
    migrated[CONF_TARIFFS] = [p for p in tariffs if p not in consumption]
    return migrated
