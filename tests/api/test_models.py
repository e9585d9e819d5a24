"""Models and range helpers."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.linky.api import IntervalReading, MeteringData, ReadingType
from custom_components.linky.api._ranges import resolve_range, split_range
from custom_components.linky.api.models import parse_duration

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT30M", timedelta(minutes=30)),
        ("PT10M", timedelta(minutes=10)),
        ("PT60M", timedelta(hours=1)),
        ("PT1H", timedelta(hours=1)),
        ("pt15m", timedelta(minutes=15)),
        ("P1D", timedelta(days=1)),
        ("PT1H30M", timedelta(minutes=90)),
        ("P", None),
        ("PT", None),
        ("30", None),
        ("", None),
        (None, None),
    ],
)
def test_interval(text: str | None, expected: timedelta | None) -> None:
    assert parse_duration(text) == expected
    assert IntervalReading(1, date(2026, 1, 1), interval_length=text).interval == expected


def test_total_and_average() -> None:
    kind = ReadingType("Wh", "energy", "sum", "P1D")
    data = MeteringData(
        "1",
        date(2026, 1, 1),
        date(2026, 1, 3),
        "BRUT",
        kind,
        (IntervalReading(10, date(2026, 1, 1)), IntervalReading(15, date(2026, 1, 2))),
    )

    assert data.total == 25
    assert data.average == 12.5
    with pytest.raises(AttributeError):
        data.quality = "BEST"  # type: ignore[misc]


def test_resolve_range_accepts_datetimes_as_paris_dates() -> None:
    start = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # already the 25th in Paris
    assert resolve_range(start, date(2026, 10, 27)) == (date(2026, 10, 25), date(2026, 10, 27))
    naive = datetime(2026, 10, 24, 23, 30)
    assert resolve_range(naive, date(2026, 10, 27))[0] == date(2026, 10, 24)
    assert resolve_range(None, date(2026, 10, 27)) == (date(2026, 10, 26), date(2026, 10, 27))


def test_split_range() -> None:
    pieces = split_range(date(2026, 1, 1), date(2026, 1, 20), 7)

    assert pieces == [
        (date(2026, 1, 1), date(2026, 1, 8)),
        (date(2026, 1, 8), date(2026, 1, 15)),
        (date(2026, 1, 15), date(2026, 1, 20)),
    ]
    assert split_range(date(2026, 1, 1), date(2026, 1, 2), 365) == [
        (date(2026, 1, 1), date(2026, 1, 2))
    ]
