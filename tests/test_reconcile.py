"""What the reconciler sends, on hand-made rows (pure)."""

from datetime import date, timedelta

from custom_components.linky.paris import local_midnight
from custom_components.linky.reconcile import SeriesState, plan_series, rows_from, series_state
from custom_components.linky.statistics import RawRow, raw_energy_rows

FIRST = date(2026, 3, 27)  # the 29th has 23 hours


def hours(day: date, count: int, watt_minutes: int = 60_000) -> list[tuple[int, int]]:
    start = int(local_midnight(day).timestamp())
    return [(start + 3600 * n, watt_minutes) for n in range(count)]


def rows_of(days: int, *, changed: date | None = None) -> list[RawRow]:
    values: list[tuple[int, int]] = []
    for n in range(days):
        day = FIRST + timedelta(days=n)
        count = 23 if day == date(2026, 3, 29) else 24
        values += hours(day, count, 120_000 if day == changed else 60_000)
    return raw_energy_rows(values)


def midnight(day: date) -> int:
    return int(local_midnight(day).timestamp())


def test_state_per_local_day_and_its_saved_form() -> None:
    rows = rows_of(4)
    state = series_state(rows, "name")
    assert sorted(state.days) == [FIRST + timedelta(days=n) for n in range(4)]
    assert state.days[date(2026, 3, 29)][1] == (1 << 23) - 1  # 23 hours
    assert state.days[FIRST][1] == (1 << 24) - 1
    assert state.last == (rows[-1][0], rows[-1][2])
    assert SeriesState.from_dict(state.to_dict()) == state
    assert SeriesState.from_dict(SeriesState().to_dict()) == SeriesState()


def test_nothing_differs_nothing_sent() -> None:
    rows = rows_of(4)
    state = series_state(rows, "name")
    assert plan_series(rows, state, series_state(rows_of(4), "name")).start is None


def test_a_changed_day_sends_from_its_midnight() -> None:
    day = FIRST + timedelta(days=2)
    committed = series_state(rows_of(4), "name")
    rows = rows_of(4, changed=day)
    plan = plan_series(rows, series_state(rows, "name"), committed)
    assert (plan.start, plan.clear) == (midnight(day), False)
    assert len(rows_from(rows, midnight(day))) == 23 + 24


def test_a_new_day_sends_only_itself() -> None:
    committed = series_state(rows_of(3), "name")
    rows = rows_of(4)
    plan = plan_series(rows, series_state(rows, "name"), committed)
    assert plan.start == midnight(FIRST + timedelta(days=3))


def test_a_new_series_is_sent_whole() -> None:
    rows = rows_of(2)
    plan = plan_series(rows, series_state(rows, "name"), SeriesState())
    assert (plan.start, plan.clear) == (rows[0][0], False)
    assert rows[0][1] == rows[0][2]  # its first row's sum is its state


def test_an_hour_the_recorder_holds_and_the_rows_lost_clears_the_series() -> None:
    committed = series_state(rows_of(3), "name")
    rows = rows_of(2)  # the third day now waits (e.g. for its Tempo colour)
    plan = plan_series(rows, series_state(rows, "name"), committed)
    assert (plan.start, plan.clear) == (rows[0][0], True)


def test_a_new_name_sends_the_last_day() -> None:
    rows = rows_of(3)
    plan = plan_series(rows, series_state(rows, "nouveau nom"), series_state(rows, "name"))
    assert plan.start == midnight(FIRST + timedelta(days=2))
