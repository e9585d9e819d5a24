"""What the recorder must be sent so that it holds exactly the rows computed (pure).

Each series' rows are summarised per local day by a digest of the day's rows and the mask of
the hours that have one (`SeriesState`). Comparing the state of the rows just computed with the
state of the rows the recorder last committed gives the first day that differs: the series is
imported from that day's first hour on. When the recorder holds an hour the new rows no longer
have (a day now waiting for its Tempo colour), re-importing cannot remove it: the series is
cleared and imported whole. A series the recorder does not hold has an empty state, so it is
imported from its first row, whose sum is its state.
"""

from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from hashlib import blake2b
from itertools import chain
from typing import Any, Self

from .const import PARIS
from .paris import local_midnight
from .statistics import RawRow

HOUR = 3600


@dataclass(frozen=True, slots=True)
class SeriesState:
    """One series' rows, summarised: a digest and an hour mask per local day, the last row."""

    days: dict[date, tuple[str, int]] = field(default_factory=dict)
    last: tuple[int, float] | None = None
    """Start (UTC timestamp) and sum of the last row."""
    metadata: str = ""
    """A fingerprint of the metadata imported with the rows (a new name re-imports a day)."""

    def to_dict(self) -> dict[str, Any]:
        """Compact JSON form: the first day, then one ``digest:mask`` per day (empty: no row)."""
        if not self.days:
            return {"metadata": self.metadata}
        first, last = min(self.days), max(self.days)
        cells = []
        for offset in range((last - first).days + 1):
            held = self.days.get(first + timedelta(days=offset))
            cells.append(f"{held[0]}:{held[1]:x}" if held else "")
        return {
            "first": first.isoformat(),
            "days": cells,
            "last": list(self.last) if self.last else None,
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Read `to_dict`'s form (raises on anything else)."""
        days: dict[date, tuple[str, int]] = {}
        if "first" in data:
            first = date.fromisoformat(data["first"])
            for offset, cell in enumerate(data["days"]):
                if cell:
                    digest, mask = cell.split(":")
                    days[first + timedelta(days=offset)] = (digest, int(mask, 16))
        last = data.get("last")
        return cls(days, (int(last[0]), float(last[1])) if last else None, data["metadata"])


def _by_day(rows: Sequence[RawRow]) -> Iterator[tuple[date, int, Sequence[RawRow]]]:
    """Group rows (in time order) by local day, with the day's midnight timestamp."""
    index = 0
    while index < len(rows):
        day = datetime.fromtimestamp(rows[index][0], PARIS).date()
        midnight = int(local_midnight(day).timestamp())
        following = int(local_midnight(day + timedelta(days=1)).timestamp())
        end = index
        while end < len(rows) and rows[end][0] < following:
            end += 1
        yield day, midnight, rows[index:end]
        index = end


def series_state(rows: Sequence[RawRow], metadata: str) -> SeriesState:
    """Summarise a series' rows (in time order)."""
    days: dict[date, tuple[str, int]] = {}
    for day, midnight, day_rows in _by_day(rows):
        packed = array("d", chain.from_iterable(day_rows)).tobytes()
        mask = 0
        for hour, _state, _sum in day_rows:
            mask |= 1 << ((hour - midnight) // HOUR)
        days[day] = (blake2b(packed, digest_size=8).hexdigest(), mask)
    last = (rows[-1][0], rows[-1][2]) if rows else None
    return SeriesState(days, last, metadata)


@dataclass(frozen=True, slots=True)
class SeriesPlan:
    """What to send for one series: rows from ``start`` on (None: nothing), after a clear."""

    start: int | None
    clear: bool
    state: SeriesState
    """The state once the rows are committed."""


def plan_series(rows: Sequence[RawRow], new: SeriesState, committed: SeriesState) -> SeriesPlan:
    """Compare the rows' state with the committed one: the first differing day, or a clear."""
    days = new.days.keys() | committed.days.keys()
    differing = sorted(day for day in days if new.days.get(day) != committed.days.get(day))
    if not differing:
        if new.metadata == committed.metadata or not rows:
            return SeriesPlan(None, False, new)
        differing = [max(new.days)]  # the metadata changed: import the last day with it
    for day in differing:
        if committed.days.get(day, ("", 0))[1] & ~new.days.get(day, ("", 0))[1]:
            return SeriesPlan(rows[0][0] if rows else None, True, new)
    return SeriesPlan(int(local_midnight(differing[0]).timestamp()), False, new)


def rows_from(rows: Iterable[RawRow], start: int) -> list[RawRow]:
    """Return the rows at or after ``start``."""
    return [row for row in rows if row[0] >= start]
