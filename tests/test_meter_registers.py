"""The meter's per-class registers: parsing, storing, each day's class energy, daily splits."""

from datetime import UTC, date, datetime, time, timedelta

from custom_components.linky.api.parsing import parse_metering_data
from custom_components.linky.backfill_plan import PlannedRequest, plan
from custom_components.linky.contract import Contract, ContractPeriod, TariffOption
from custom_components.linky.meter_registers import (
    register_classes,
    register_days,
)
from custom_components.linky.readings import MeterReadings
from custom_components.linky.schedule import due_kinds, steady_start
from custom_components.linky.statistics import day_classes, hourly_classes
from linky_simulator import PARIS, MeterTariff, SimulatedMeter, TempoSimulator
from linky_simulator.serving import NEW_KINDS, serve
from tests.const import CONSUMPTION_PRM

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
HPHC = Contract(
    [
        ContractPeriod(
            date(2020, 1, 1),
            TariffOption.HPHC,
            (("hp", 0.2), ("hc", 0.15)),
            off_peak_hours=((22 * 60, 6 * 60),),
        )
    ]
)
TEMPO = Contract(
    [
        ContractPeriod(
            date(2020, 1, 1),
            TariffOption.TEMPO,
            tuple((f"{c}_{h}", 0.1) for c in ("blue", "white", "red") for h in ("hp", "hc")),
        )
    ]
)


def _index(meter: SimulatedMeter, start: date, end: date) -> MeterReadings:
    readings = MeterReadings()
    readings.merge(
        "consumption_index",
        parse_metering_data(serve(meter, NEW_KINDS["index_consommation"], start, end, NOW)),
    )
    return readings


def test_the_registers_of_an_index_body_are_parsed_per_calendar() -> None:
    tempo = TempoSimulator()
    meter = SimulatedMeter(
        CONSUMPTION_PRM,
        seed=4,
        first_day=date(2025, 1, 1),
        tariff=MeterTariff("tempo", colour_of=tempo.colour),
    )
    data = parse_metering_data(
        serve(meter, NEW_KINDS["index_consommation"], date(2026, 1, 5), date(2026, 1, 7), NOW)
    )

    assert [(r.calendar, r.calendar_id, r.code) for r in data.registers] == [
        ("distributor", "DI000002", "HP"),
        ("distributor", "DI000002", "HC"),
        *(("supplier", "FC000003", f"H{p}J{c}") for c in "BWR" for p in "PC"),
    ]
    for register in data.registers:
        assert [r.date for r in register.readings] == [date(2026, 1, 5), date(2026, 1, 6)]
    # Each calendar's registers add up to the totaliser, day by day.
    for calendar in ("distributor", "supplier"):
        sums = [
            sum(r.readings[n].value for r in data.registers if r.calendar == calendar)
            for n in range(2)
        ]
        assert sums == [reading.value for reading in data.interval_reading]


def test_a_day_s_class_energy_is_the_difference_of_its_two_midnights() -> None:
    meter = SimulatedMeter(
        CONSUMPTION_PRM,
        seed=5,
        first_day=date(2026, 1, 1),
        tariff=MeterTariff(
            "hphc", off_peak=((time(1, 30), time(7, 30)), (time(12, 30), time(14, 30)))
        ),
    )
    readings = _index(meter, date(2026, 10, 1), date(2026, 10, 4))
    day = date(2026, 10, 2)
    points = meter.curve("consumption", day)

    def off_peak(start: datetime) -> bool:
        local = start.astimezone(PARIS)
        minute = local.hour * 60 + local.minute
        return 90 <= minute < 450 or 750 <= minute < 870

    hc = sum(p.wh for p in points if off_peak(p.start))
    hp = sum(p.wh for p in points) - hc

    assert register_days(readings) == [date(2026, 10, 1), date(2026, 10, 2)]
    assert register_classes(readings, day, ("hp", "hc")) == {"hp": hp, "hc": hc}
    assert register_classes(readings, date(2026, 10, 3), ("hp", "hc")) is None  # one midnight


def test_the_supplier_calendar_comes_first_then_the_distributor_s() -> None:
    tempo = TempoSimulator()
    meter = SimulatedMeter(
        CONSUMPTION_PRM,
        seed=6,
        first_day=date(2026, 1, 1),
        tariff=MeterTariff("tempo", colour_of=tempo.colour),
    )
    readings = _index(meter, date(2026, 10, 1), date(2026, 10, 3))
    day = date(2026, 10, 1)
    truth = meter.day_registers_wh(day)

    tempo_classes = register_classes(readings, day, TEMPO.classes)
    assert tempo_classes is not None
    assert tempo_classes["blue_hp"] == truth[("FC000003", "HPJB")]
    assert sum(tempo_classes.values()) == meter.daily_wh("consumption", day)
    # A contract set to HP/HC on a Tempo meter: the distributor's HP/HC registers.
    assert register_classes(readings, day, ("hp", "hc")) == {
        "hp": truth[("DI000002", "HP")],
        "hc": truth[("DI000002", "HC")],
    }
    assert register_classes(readings, day, ("base",)) is None


def test_merging_registers_reports_the_day_before_as_changed() -> None:
    readings = MeterReadings()
    assert readings.merge_registers(
        {date(2026, 10, 5): {"supplier:HP": 10, "supplier:HC": 5}}
    ) == date(2026, 10, 4)
    assert (
        readings.merge_registers({date(2026, 10, 5): {"supplier:HP": 10, "supplier:HC": 5}}) is None
    )
    assert readings.has("consumption_index", date(2026, 10, 5))
    assert MeterReadings.from_dict(readings.to_dict()).registers == readings.registers


def test_a_daily_only_day_is_split_in_the_meter_s_shares() -> None:
    """36 kWh on 3 October with registers saying 9 kWh HC and 27 kWh HP: split 9 / 27, exactly.

    Without registers the same day splits by time: 8 off-peak hours of 24, so 12 / 24.
    """
    day = date(2026, 10, 3)
    readings = MeterReadings()
    readings.merge_daily("consumption", {day: 36_000})
    assert day_classes(readings, "consumption", day, HPHC, lambda _d: None) == {
        "hp": 24_000 * 60,
        "hc": 12_000 * 60,
    }
    readings.merge_registers(
        {
            day: {"supplier:HP": 1_000_000, "supplier:HC": 500_000},
            day + timedelta(days=1): {"supplier:HP": 1_027_000, "supplier:HC": 509_000},
        }
    )
    assert day_classes(readings, "consumption", day, HPHC, lambda _d: None) == {
        "hp": 27_000 * 60,
        "hc": 9_000 * 60,
    }
    # The registers' total may differ from the daily value by a few Wh: their shares count.
    readings.merge_daily("consumption", {day: 36_004})
    split = day_classes(readings, "consumption", day, HPHC, lambda _d: None)
    assert split == {"hp": 27_003 * 60, "hc": 9_001 * 60}


def test_a_tempo_daily_day_needs_no_colour_when_the_registers_say() -> None:
    day = date(2026, 1, 8)
    readings = MeterReadings()
    readings.merge_daily("consumption", {day: 50_000})
    assert day_classes(readings, "consumption", day, TEMPO, lambda _d: None) is None
    readings.merge_registers(
        {
            day: {f"supplier:H{p}J{c}": 100_000 for c in "BWR" for p in "PC"},
            day + timedelta(days=1): {
                **{f"supplier:H{p}J{c}": 100_000 for c in "BW" for p in "PC"},
                "supplier:HPJR": 130_000,
                "supplier:HCJR": 120_000,
            },
        }
    )
    assert day_classes(readings, "consumption", day, TEMPO, lambda _d: None) == {
        "red_hp": 30_000 * 60,
        "red_hc": 20_000 * 60,
        **dict.fromkeys(("blue_hp", "blue_hc", "white_hp", "white_hc"), 0),
    }
    hours = hourly_classes(readings, "consumption", TEMPO, lambda _d: None)
    assert sum(sum(h.values()) for h in hours.values()) == 50_000 * 60


def test_the_backfill_leaves_the_registers_last_two_weeks_to_the_daily_poll() -> None:
    today = date(2026, 11, 20)
    requests = plan(MeterReadings(), today, ["consumption_index"])

    # 36 months back to 6 November (the daily poll's 14 days are left out), 365 days a request.
    first = PlannedRequest(date(2026, 11, 6), date(2025, 11, 6), "consumption_index")
    assert requests[0] == first
    assert requests[-1].start == date(2023, 11, 20)
    assert (
        sum(len(request.days) for request in requests)
        == (date(2026, 11, 6) - date(2023, 11, 20)).days
    )
    assert len(requests) == 3


def test_the_registers_are_asked_when_none_of_the_last_week_is_held() -> None:
    today = date(2026, 11, 20)
    readings = MeterReadings()
    assert due_kinds(readings, ["consumption_index"], today, retry=False) == ["consumption_index"]
    assert steady_start(readings, "consumption_index", today) == date(2026, 11, 6)
    readings.merge_registers({date(2026, 11, 13): {"supplier:HP": 1}})
    assert due_kinds(readings, ["consumption_index"], today, retry=False) == []
    assert due_kinds(readings, ["consumption_index"], today + timedelta(days=1), retry=False) == [
        "consumption_index"
    ]
    assert steady_start(readings, "consumption_index", today + timedelta(days=1)) == date(
        2026, 11, 14
    )
    # Not retried the same day: the next day's first poll asks again.
    assert due_kinds(readings, ["consumption_index"], today + timedelta(days=1), retry=True) == []


def test_an_index_without_class_registers_is_held_so_it_is_not_asked_again() -> None:
    meter = SimulatedMeter(CONSUMPTION_PRM, seed=5, first_day=date(2026, 1, 1))  # no tariff
    readings = _index(meter, date(2026, 11, 10), date(2026, 11, 17))

    assert readings.registers == {date(2026, 11, 10) + timedelta(days=n): {} for n in range(7)}
    assert due_kinds(readings, ["consumption_index"], date(2026, 11, 17), retry=False) == []
    assert register_classes(readings, date(2026, 11, 12), ("hp", "hc")) is None


def test_a_register_missing_at_the_next_midnight_drops_the_day_s_register_split() -> None:
    """HP and HC on the 3rd, HP only on the 4th: the 3rd's 12 kWh split by minutes (8 h HC)."""
    day = date(2026, 10, 3)
    readings = MeterReadings()
    readings.merge_daily("consumption", {day: 12_000})
    readings.merge_registers(
        {
            day: {"supplier:HP": 1_000_000, "supplier:HC": 500_000},
            day + timedelta(days=1): {"supplier:HP": 1_009_000},
        }
    )
    assert register_classes(readings, day, ("hp", "hc")) is None
    assert day_classes(readings, "consumption", day, HPHC, lambda _d: None) == {
        "hp": 8_000 * 60,
        "hc": 4_000 * 60,
    }
    # The same the other way round (HC appears at the next midnight only).
    readings.merge_registers(
        {
            day: {"supplier:HP": 1_000_000},
            day + timedelta(days=1): {"supplier:HP": 1_009_000, "supplier:HC": 503_000},
        }
    )
    assert register_classes(readings, day, ("hp", "hc")) is None
    # A complete distributor calendar still tells the day.
    readings.merge_registers(
        {
            day: {
                "supplier:HP": 1_000_000,
                "supplier:HC": 500_000,
                "distributor:HP": 7,
                "distributor:HC": 5,
            },
            day + timedelta(days=1): {
                "supplier:HP": 1_009_000,
                "distributor:HP": 9_007,
                "distributor:HC": 3_005,
            },
        }
    )
    assert register_classes(readings, day, ("hp", "hc")) == {"hp": 9_000, "hc": 3_000}
