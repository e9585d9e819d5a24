"""The kinds of data fetched from a meter, and what each one is (one table, pure)."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, get_args

from .api import BaseClient, MeteringData

type Direction = Literal["consumption", "production"]
type Shape = Literal["daily", "curve", "max_power", "index"]
type DataKind = Literal[
    "consumption_daily",
    "consumption_curve",
    "production_daily",
    "production_curve",
    "max_power",
    "consumption_index",
]
DIRECTIONS: Final[tuple[Direction, ...]] = get_args(Direction.__value__)
DATA_KINDS: Final[tuple[DataKind, ...]] = get_args(DataKind.__value__)


@dataclass(frozen=True, slots=True)
class KindInfo:
    """What one kind of data is and how it is asked for."""

    direction: Direction
    shape: Shape
    max_days: int
    """Longest range one request may ask for."""
    history_months: int
    """How far back Enedis keeps it (the history backfill and the fetch action ask no older)."""
    fetch: Callable[[BaseClient, date, date], Awaitable[MeteringData]]
    """The client method that fetches ``[start, end)``."""
    every_days: int = 1
    """The daily poll asks for it when nothing this recent is held (1: every day)."""


KINDS: Final[Mapping[DataKind, KindInfo]] = {
    "consumption_daily": KindInfo(
        "consumption", "daily", 365, 36, BaseClient.get_daily_consumption
    ),
    "consumption_curve": KindInfo(
        "consumption", "curve", 7, 24, BaseClient.get_consumption_load_curve
    ),
    "max_power": KindInfo("consumption", "max_power", 365, 36, BaseClient.get_max_power),
    "production_daily": KindInfo("production", "daily", 365, 36, BaseClient.get_daily_production),
    "production_curve": KindInfo(
        "production", "curve", 7, 24, BaseClient.get_production_load_curve
    ),
    "consumption_index": KindInfo(
        "consumption", "index", 365, 36, BaseClient.get_consumption_index, every_days=7
    ),
}
"""In the order a poll asks for them."""


def kind_of(direction: Direction, shape: Shape) -> DataKind:
    """Return the kind of a direction's daily values or load curve."""
    return next(
        kind for kind, info in KINDS.items() if info.direction == direction and info.shape == shape
    )
