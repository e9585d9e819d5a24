"""The contract checked against the meter's registers, and the meter's off-peak hours found."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from custom_components.linky.api.parsing import parse_metering_data
from custom_components.linky.contract import (
    ColourOf,
    Contract,
    ContractPeriod,
    TariffOption,
)
from custom_components.linky.contract_check import (
    MISMATCH_DAYS,
    check_days,
    disagreement,
    format_energy,
    meter_off_peak,
)
from custom_components.linky.readings import MeterReadings
from custom_components.linky.tariff import parse_off_peak_hours
from linky_simulator import MeterTariff, SimulatedMeter, TempoSimulator
from linky_simulator.serving import NEW_KINDS, serve
from tests.const import CONSUMPTION_PRM

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
START, END = date(2026, 11, 1), date(2026, 11, 15)
TEMPO_PRICES = tuple((f"{c}_{h}", 0.1) for c in ("blue", "white", "red") for h in ("hp", "hc"))


def hphc(off_peak: str) -> Contract:
    period = ContractPeriod(
        date(2020, 1, 1),
        TariffOption.HPHC,
        (("hp", 0.2), ("hc", 0.15)),
        off_peak_hours=parse_off_peak_hours(off_peak),
    )
    return Contract([period])


def fetched(meter: SimulatedMeter, start: date = START, end: date = END) -> MeterReadings:
    """What the integration holds after asking for the curve and the registers."""
    readings = MeterReadings()
    day = start
    while day < end:
        week_end = min(day + timedelta(days=7), end)
        body = serve(meter, NEW_KINDS["courbe_de_charge_consommation"], day, week_end, NOW)
        readings.merge("consumption_curve", parse_metering_data(body))
        day = week_end
    body = serve(meter, NEW_KINDS["index_consommation"], start, end, NOW)
    readings.merge("consumption_index", parse_metering_data(body))
    return readings


def hphc_meter(off_peak: tuple[tuple[time, time], ...], minutes: int = 30) -> SimulatedMeter:
    return SimulatedMeter(
        CONSUMPTION_PRM,
        seed=8,
        first_day=date(2026, 6, 1),
        interval_minutes=minutes,
        tariff=MeterTariff("hphc", off_peak=off_peak),
    )


def no_colour(_day: date) -> None:
    return None


def test_the_right_hours_agree_every_day() -> None:
    readings = fetched(hphc_meter(((time(22), time(6)),)))
    checks = check_days(readings, hphc("22:00-06:00"), no_colour)

    # 1 to 13 November: the registers of the 14th and 15th midnights end the 13th.
    assert [check.day for check in checks] == [START + timedelta(days=n) for n in range(13)]
    assert all(check.agrees for check in checks)
    assert disagreement(checks) == []
    for check in checks:
        assert check.meter == check.contract  # exact: the meter and the curve count alike


def test_wrong_hours_disagree_and_the_meter_s_ranges_are_found() -> None:
    """The meter moved to 02:00-07:00 and 13:00-16:00 (the reform); the options still say 22-6."""
    meter = hphc_meter(((time(2), time(7)), (time(13), time(16))))
    readings = fetched(meter)
    wrong = disagreement(check_days(readings, hphc("22:00-06:00"), no_colour))

    assert len(wrong) >= MISMATCH_DAYS
    day = wrong[-1].day
    truth = meter.day_registers_wh(day)
    assert wrong[-1].meter == {"hp": truth[("FC000002", "HP")], "hc": truth[("FC000002", "HC")]}
    assert meter_off_peak(readings, wrong) == ((2 * 60, 7 * 60), (13 * 60, 16 * 60))


def test_a_single_range_across_midnight_is_found() -> None:
    meter = hphc_meter(((time(23, 30), time(7, 30)),), minutes=10)
    readings = fetched(meter)
    wrong = disagreement(check_days(readings, hphc("22:00-06:00"), no_colour))

    assert meter_off_peak(readings, wrong) == ((23 * 60 + 30, 7 * 60 + 30),)


def test_hourly_curves_cannot_tell_half_hours() -> None:
    meter = hphc_meter(((time(2, 30), time(7)), (time(13), time(16, 30))), minutes=60)
    readings = fetched(meter)
    wrong = disagreement(check_days(readings, hphc("22:00-06:00"), no_colour))

    assert len(wrong) >= MISMATCH_DAYS
    assert meter_off_peak(readings, wrong) is None


def test_a_few_odd_days_are_not_a_mismatch() -> None:
    readings = fetched(hphc_meter(((time(22), time(6)),)))
    # Two days whose HC register is off (a meter correction, say): below MISMATCH_DAYS.
    for day in (date(2026, 11, 4), date(2026, 11, 8)):
        for later in [d for d in readings.registers if d > day]:
            readings.registers[later]["supplier:HC"] += 5_000
            readings.registers[later]["supplier:HP"] -= 5_000
    checks = check_days(readings, hphc("22:00-06:00"), no_colour)

    assert [check.day for check in checks if not check.agrees] == [
        date(2026, 11, 4),
        date(2026, 11, 8),
    ]
    assert disagreement(checks) == []


def test_tempo_colours_are_checked() -> None:
    tempo = TempoSimulator()
    meter = SimulatedMeter(
        CONSUMPTION_PRM,
        seed=9,
        first_day=date(2026, 6, 1),
        tariff=MeterTariff("tempo", colour_of=tempo.colour),
    )
    readings = fetched(meter)
    contract = Contract([ContractPeriod(date(2020, 1, 1), TariffOption.TEMPO, TEMPO_PRICES)])
    right: ColourOf = tempo.colour
    assert disagreement(check_days(readings, contract, right)) == []

    def always_red(_day: date) -> str:
        return "red"

    wrong = disagreement(check_days(readings, contract, always_red))  # type: ignore[arg-type]
    # A calendar day takes two Tempo days' colours: the previous one's until 06:00.
    not_red = [
        day
        for day in (START + timedelta(days=n) for n in range(13))
        if {tempo.colour(day - timedelta(days=1)), tempo.colour(day)} != {"red"}
    ]
    assert any(tempo.colour(day) == "red" for day in not_red)  # the 06:00 change is seen
    assert [check.day for check in wrong] == not_red
    assert meter_off_peak(readings, wrong) is None  # no "hc" class: nothing to search


def test_daylight_saving_days_are_checked_but_not_searched() -> None:
    meter = hphc_meter(((time(2), time(7)), (time(13), time(16))))
    readings = fetched(meter, date(2026, 10, 22), date(2026, 10, 28))
    wrong = disagreement(check_days(readings, hphc("22:00-06:00"), no_colour))

    assert date(2026, 10, 25) in [check.day for check in wrong]
    assert meter_off_peak(readings, wrong) == ((2 * 60, 7 * 60), (13 * 60, 16 * 60))


@pytest.mark.parametrize(
    ("energy", "text"),
    [
        ({"hc": 4_460, "hp": 12_345}, "hp 12.3 kWh, hc 4.5 kWh"),
        ({"red_hc": 1_000, "blue_hp": 2_000}, "blue_hp 2.0 kWh, red_hc 1.0 kWh"),
    ],
)
def test_energy_is_written_in_class_order(energy: dict[str, int], text: str) -> None:
    assert format_energy(energy) == text
