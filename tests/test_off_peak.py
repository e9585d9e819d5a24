"""Off-peak now and its next change (pure): the contract's classes, minute by minute."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from custom_components.linky.contract import (
    Contract,
    ContractPeriod,
    TariffOption,
)
from custom_components.linky.off_peak import is_off_peak, next_off_peak_change
from custom_components.linky.regulated import grid_on
from custom_components.linky.tariff import parse_off_peak_hours
from tests.integration_helpers import paris

MINUTE = timedelta(minutes=1)


def period(start: date, option: TariffOption, hours: str = "", summer: str = "") -> ContractPeriod:
    return ContractPeriod(
        start,
        option,
        tuple(grid_on(start).prices(option).items()),
        off_peak_hours=parse_off_peak_hours(hours) if hours else (),
        summer_off_peak_hours=parse_off_peak_hours(summer) if summer else (),
    )


HPHC = Contract([period(date(2025, 1, 1), TariffOption.HPHC, "01:30-07:30;12:30-14:30")])
SEASONS = Contract(
    [period(date(2025, 1, 1), TariffOption.HPHC, "22:00-06:00", "02:30-07:30;13:00-16:00")]
)
TEMPO = Contract([period(date(2025, 9, 1), TariffOption.TEMPO)])
SWITCHES = Contract(
    [
        period(date(2025, 1, 1), TariffOption.BASE),
        period(date(2026, 11, 3), TariffOption.HPHC, "23:00-07:00"),
        period(date(2026, 11, 5), TariffOption.TEMPO),
    ]
)
CONTRACTS = {"hphc": HPHC, "seasons": SEASONS, "tempo": TEMPO, "switches": SWITCHES}


def blue(_day: date) -> str:
    return "blue"


def changes(contract: Contract, start: datetime, end: datetime) -> list[datetime]:
    """Every whole UTC minute of ``(start, end)`` whose state differs from the minute before."""
    found, when = [], start + MINUTE
    while when < end:
        if is_off_peak(contract, when) != is_off_peak(contract, when - MINUTE):
            found.append(when)
        when += MINUTE
    return found


@pytest.mark.parametrize("name", CONTRACTS)
@pytest.mark.parametrize(
    "day",
    [date(2026, 3, 28), date(2026, 3, 31), date(2026, 10, 24), date(2026, 11, 2)],
    ids=["spring", "summer-ranges", "autumn", "periods"],
)
def test_is_off_peak_is_the_class_and_the_next_change_is_exact(name: str, day: date) -> None:
    """Over three days (daylight-saving changes, summer ranges, new periods), every minute:
    off-peak exactly when the class is off-peak; the next change, every 10 minutes and around
    each change, is the first minute whose state differs."""
    contract = CONTRACTS[name]
    start, end = paris(day), paris(day + timedelta(days=3))
    truth = changes(contract, start, end + timedelta(days=4))
    when = start
    while when < end:
        klass = contract.class_at(when, blue)
        assert is_off_peak(contract, when) == (klass is not None and klass.endswith("hc"))
        when += MINUTE
    around = {at + delta for at in truth if at < end for delta in (-MINUTE, 0 * MINUTE)}
    for when in sorted({*(start + k * 10 * MINUTE for k in range(3 * 144)), *around}):
        expected = next((at for at in truth if at > when), None)
        assert next_off_peak_change(contract, when) == expected, (name, when)
        assert next_off_peak_change(contract, when + timedelta(seconds=30)) == expected


def test_next_changes_by_hand() -> None:
    """The boundary itself: 12:30 starts off-peak, 14:30 ends it; Tempo 22:00 and 06:00."""
    day = date(2026, 11, 20)
    assert next_off_peak_change(HPHC, paris(day, 10)) == paris(day, 12, 30)
    assert next_off_peak_change(HPHC, paris(day, 12, 29) + timedelta(seconds=59)) == paris(
        day, 12, 30
    )
    assert next_off_peak_change(HPHC, paris(day, 12, 30)) == paris(day, 14, 30)
    assert next_off_peak_change(HPHC, paris(day, 15)) == paris(day + timedelta(days=1), 1, 30)
    assert next_off_peak_change(TEMPO, paris(day, 10)) == paris(day, 22)
    assert next_off_peak_change(TEMPO, paris(day, 23)) == paris(day + timedelta(days=1), 6)
    # Summer ranges from 1 April: off-peak 22:00-06:00 on 31 March stops at midnight.
    assert is_off_peak(SEASONS, paris(date(2026, 3, 31), 23))
    assert next_off_peak_change(SEASONS, paris(date(2026, 3, 31), 23)) == paris(date(2026, 4, 1))


def test_daylight_saving_changes() -> None:
    """A range bound in the skipped hour switches at the change; a repeated hour switches
    twice."""
    skipped = Contract([period(date(2025, 1, 1), TariffOption.HPHC, "02:30-08:30")])
    # 29 March 2026: 02:00 CET becomes 03:00 CEST at 01:00 UTC, already past 02:30.
    assert next_off_peak_change(skipped, paris(date(2026, 3, 29), 1)) == datetime(
        2026, 3, 29, 1, tzinfo=UTC
    )
    repeated = Contract([period(date(2025, 1, 1), TariffOption.HPHC, "20:30-02:30")])
    # 25 October 2026: 02:30 CEST (00:30 UTC) ends off-peak; 03:00 CEST becomes 02:00 CET
    # (01:00 UTC): off-peak again until 02:30 CET (01:30 UTC).
    start = paris(date(2026, 10, 25), 1)
    changes = []
    for _ in range(3):
        start = next_off_peak_change(repeated, start) or start
        changes.append(start)
    assert changes == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    ]


def test_a_base_contract_never_changes() -> None:
    base = Contract([period(date(2025, 1, 1), TariffOption.BASE)])
    assert not is_off_peak(base, paris(date(2026, 11, 20), 3))
    assert next_off_peak_change(base, paris(date(2026, 11, 20), 3)) is None
    # A Base period ending in two days: the first off-peak minute of the next period.
    assert next_off_peak_change(SWITCHES, paris(date(2026, 11, 1), 10)) == paris(date(2026, 11, 3))
