"""Date ranges shared by the clients: defaults, checks, splitting and merging."""

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

from .const import PARIS
from .exceptions import NoDataError
from .models import MeteringData

_LOGGER = logging.getLogger(__name__)


def paris_today() -> date:
    """Today's date in France."""
    return datetime.now(PARIS).date()


def _as_date(value: date) -> date:
    if isinstance(value, datetime):
        return value.astimezone(PARIS).date() if value.tzinfo else value.date()
    return value


def resolve_range(start: date | None, end: date | None) -> tuple[date, date]:
    """Fill in the defaults (yesterday -> today, Paris dates) and check start < end.

    Raises `ValueError` when `start >= end`.
    """
    end_day = _as_date(end) if end is not None else paris_today()
    start_day = _as_date(start) if start is not None else end_day - timedelta(days=1)
    if start_day >= end_day:
        raise ValueError(f"start ({start_day}) must be before end ({end_day})")
    return start_day, end_day


def split_range(start: date, end: date, max_days: int) -> list[tuple[date, date]]:
    """Cut [start, end) into consecutive pieces of at most `max_days` days."""
    pieces: list[tuple[date, date]] = []
    piece_start = start
    while piece_start < end:
        piece_end = min(piece_start + timedelta(days=max_days), end)
        pieces.append((piece_start, piece_end))
        piece_start = piece_end
    return pieces


def merge(parts: list[MeteringData]) -> MeteringData:
    """One `MeteringData` from consecutive pieces, readings in order."""
    if len(parts) == 1:
        return parts[0]
    qualities = list(dict.fromkeys(part.quality for part in parts if part.quality))
    return MeteringData(
        usage_point_id=next((p.usage_point_id for p in parts if p.usage_point_id), ""),
        start=min(part.start for part in parts),
        end=max(part.end for part in parts),
        quality=",".join(qualities),
        reading_type=next(
            (p.reading_type for p in parts if p.interval_reading), parts[0].reading_type
        ),
        interval_reading=tuple(reading for part in parts for reading in part.interval_reading),
    )


async def fetch_range(
    fetch: Callable[[date, date], Awaitable[MeteringData]],
    start: date,
    end: date,
    max_days: int,
) -> MeteringData:
    """Fetch [start, end) piece by piece, oldest first, and merge the pieces.

    A piece without data (`NoDataError`) is left out; the error is raised only when no
    piece has data. Any other error stops the fetch.
    """
    parts: list[MeteringData] = []
    no_data: NoDataError | None = None
    for piece_start, piece_end in split_range(start, end, max_days):
        try:
            parts.append(await fetch(piece_start, piece_end))
        except NoDataError as err:
            _LOGGER.debug("No data from %s to %s: %s", piece_start, piece_end, err.message)
            no_data = no_data or err
    if parts:
        return merge(parts)
    if no_data is None:  # pragma: no cover - start < end gives at least one piece
        raise ValueError("empty range")
    raise no_data
