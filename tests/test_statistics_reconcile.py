"""The recorder always equals a fresh import of the same readings, whatever changed.

Each test changes one input (the contract, its prices, the production option, the Tempo
colours, the readings), reconciles as a reload or an update would, and compares every series
with a fresh import of the same inputs into statistics nobody imported before (another PRM):
the same hours, values and sums, and every series' first row has a sum equal to its state.
"""

import asyncio
import itertools
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    list_statistic_ids,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.linky.contract import Colour
from custom_components.linky.readings import MeterReadings
from custom_components.linky.series import statistic_id
from custom_components.linky.statistics_import import LinkyStatistics, ReconcilePass
from tests.backfill_helpers import quiet_sql
from tests.integration_helpers import conso_entry
from tests.statistics_helpers import day_curve, readings_with

PRM = "55555555555555"
FIRST = date(2025, 12, 1)
DAYS = [FIRST + timedelta(days=n) for n in range(60)]
CURVE_FROM = date(2025, 12, 31)
SWITCH = date(2026, 1, 15)
_prms: Iterator[int] = itertools.count(60000000000000)

BASE = {"start": "2025-01-01", "option": "base", "subscription": 12.0, "prices": {"base": 0.2}}
HPHC = {
    "start": SWITCH.isoformat(),
    "option": "hphc",
    "subscription": 15.0,
    "prices": {"hp": 0.27, "hc": 0.2},
    "off_peak_hours": "22:00-06:00",
}
TEMPO_PRICES = {
    "blue_hp": 0.15,
    "blue_hc": 0.12,
    "white_hp": 0.18,
    "white_hc": 0.14,
    "red_hp": 0.7,
    "red_hc": 0.15,
}
TEMPO = {"start": "2026-01-20", "option": "tempo", "subscription": 16.0, "prices": TEMPO_PRICES}
COLOURS: tuple[Colour, ...] = ("blue", "white", "red")


@pytest.fixture(autouse=True)
def _quiet_sql() -> None:
    quiet_sql()


def readings_of(days: list[date] = DAYS, *, production: bool = False) -> MeterReadings:
    """Daily values for every day, a load curve from `CURVE_FROM` on."""
    readings = readings_with(
        daily={day: 10_000 + 37 * n for n, day in enumerate(days)},
        curves={day: day_curve(day, 30) for day in days if day >= CURVE_FROM},
    )
    if production:
        readings.merge_daily("production", {day: 3000 + n for n, day in enumerate(days)})
    return readings


def colour_calendar(held: dict[date, Colour]) -> Any:
    return held.get


def all_colours() -> dict[date, Colour]:
    first = FIRST - timedelta(days=1)
    return {first + timedelta(days=n): COLOURS[n % 3] for n in range(70)}


def options(*periods: dict[str, Any], production: bool = False) -> dict[str, Any]:
    tariffs = (
        [{"direction": "production", "start": "2025-01-01", "base": 0.05}] if production else []
    )
    return {"production": production, "tariffs": tariffs, "contract": list(periods)}


async def held(hass: HomeAssistant, prm: str) -> dict[str, list[tuple[float, float, float]]]:
    """Every statistic of a PRM in the recorder, by suffix: (start, state, sum) rows."""
    await async_wait_recording_done(hass)
    prefix = statistic_id(prm, "")
    listed = await get_instance(hass).async_add_executor_job(list_statistic_ids, hass)
    ids = {item["statistic_id"] for item in listed if item["statistic_id"].startswith(prefix)}
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        datetime(2000, 1, 1).astimezone(),
        None,
        ids,
        "hour",
        None,
        {"state", "sum"},
    )
    return {
        key.removeprefix(prefix): [(row["start"], row["state"], row["sum"]) for row in rows[key]]
        for key in ids
        if key in rows
    }


async def assert_equals_fresh(
    hass: HomeAssistant,
    stats: LinkyStatistics,
    readings: MeterReadings,
    *,
    gone: frozenset[str] = frozenset(),
) -> None:
    """The entry's statistics equal a fresh import of the same inputs (``gone``: series the
    options no longer have, left as they were)."""
    entry = conso_entry(hass, None, prm=str(next(_prms)), title="fresh")
    hass.config_entries.async_update_entry(entry, options=dict(stats.entry.options))
    fresh = LinkyStatistics(hass, entry, stats.colour_of)
    await fresh.async_reconcile(readings)
    expected = await held(hass, fresh.prm)
    actual = await held(hass, stats.prm)
    assert set(actual) - gone == set(expected)
    for suffix, rows in expected.items():
        assert actual[suffix] == rows, suffix
        assert rows[0][1] == pytest.approx(rows[0][2], abs=1e-9), suffix  # sum == state


async def reload(hass: HomeAssistant, stats: LinkyStatistics, **changes: Any) -> LinkyStatistics:
    """New options and a new importer, as a reload after the options flow gives."""
    hass.config_entries.async_update_entry(stats.entry, options=changes["options"])
    return LinkyStatistics(hass, stats.entry, changes.get("colour_of", stats.colour_of))


async def start(
    hass: HomeAssistant, opts: dict[str, Any], readings: MeterReadings, colours: Any = None
) -> LinkyStatistics:
    entry = conso_entry(hass, None, prm=PRM, title=PRM)
    hass.config_entries.async_update_entry(entry, options=opts)
    stats = LinkyStatistics(hass, entry, colours)
    await stats.async_reconcile(readings)
    return stats


async def test_contract_switch_in_the_middle_then_tempo(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    """Base, then HP/HC from the middle of the history (the class series are new: every row
    from the first day, not the whole history on one bar), then Tempo."""
    readings = readings_of()
    stats = await start(hass, options(BASE), readings)
    await assert_equals_fresh(hass, stats, readings)

    stats = await reload(hass, stats, options=options(BASE, HPHC))
    await stats.async_reconcile(readings)
    rows = await held(hass, PRM)
    assert len(rows["consumption_base"]) == len(rows["consumption"])
    await assert_equals_fresh(hass, stats, readings)

    colours = colour_calendar(all_colours())
    stats = await reload(hass, stats, options=options(BASE, HPHC, TEMPO), colour_of=colours)
    await stats.async_reconcile(readings)
    await assert_equals_fresh(hass, stats, readings)


async def test_earliest_prices_edited_and_a_period_removed(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    readings = readings_of()
    stats = await start(hass, options(BASE, HPHC), readings)
    cheaper = {**BASE, "prices": {"base": 0.1}}
    stats = await reload(hass, stats, options=options(cheaper, HPHC))
    await stats.async_reconcile(readings)
    await assert_equals_fresh(hass, stats, readings)

    # HP/HC removed: one class left, so no class series (those imported stay as they were).
    stats = await reload(hass, stats, options=options(cheaper))
    await stats.async_reconcile(readings)
    classes = frozenset(
        f"consumption_{name}{cost}" for name in ("base", "hp", "hc") for cost in ("", "_cost")
    )
    await assert_equals_fresh(hass, stats, readings, gone=classes)


async def test_latest_price_edit_imports_from_its_start(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    readings = readings_of()
    stats = await start(hass, options(BASE, HPHC), readings)
    dearer = {**HPHC, "prices": {"hp": 0.3, "hc": 0.2}}
    stats = await reload(hass, stats, options=options(BASE, dearer))
    await stats.async_reconcile(readings)
    hours = 24 * (DAYS[-1] - SWITCH).days + 24
    # The total cost and the HP cost change from the period's start; nothing else.
    assert stats.rows_imported == 2 * hours
    await assert_equals_fresh(hass, stats, readings)


async def test_production_turned_on_after_a_year(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    readings = readings_of(production=True)
    stats = await start(hass, options(BASE), readings)
    assert "production" not in await held(hass, PRM)
    stats = await reload(hass, stats, options=options(BASE, production=True))
    await stats.async_reconcile(readings)
    production = (await held(hass, PRM))["production"]
    assert production[0][1] == production[0][2] == 3.0
    await assert_equals_fresh(hass, stats, readings)


async def test_tempo_colour_arriving_late(recorder_mock: Recorder, hass: HomeAssistant) -> None:
    """Days without a colour wait (no class rows); their colour imports them."""
    known = all_colours()
    late = [DAYS[40], DAYS[41], DAYS[55]]
    for day in late:
        del known[day]
    readings = readings_of()
    tempo = {**TEMPO, "start": "2025-01-01"}
    stats = await start(hass, options(tempo), readings, colour_calendar(known))
    await assert_equals_fresh(hass, stats, readings)
    before = stats.rows_imported
    known.update(dict.fromkeys(late, "red"))
    await stats.async_reconcile(readings)
    assert stats.rows_imported > before
    await assert_equals_fresh(hass, stats, readings)


async def test_recorder_holding_other_rows_is_brought_in_step(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    """A series the importer has no state for (a store from an older release, a restored
    database) is compared with the rows the recorder really holds; an hour it holds that
    the rows no longer have clears the series first."""
    readings = readings_of()
    stats = await start(hass, options(BASE, HPHC), readings)
    meta = next(item for item in stats.series if item.suffix == "consumption_hp")
    # An old import left the whole history on one bar, plus an hour that has no row now.
    wrong = datetime(2025, 11, 30, 12).astimezone()
    async_add_external_statistics(
        hass,
        {**_metadata(stats, meta.statistic_id)},
        [{"start": wrong, "state": 3.0, "sum": 3.0}],
    )
    await async_wait_recording_done(hass)
    again = LinkyStatistics(hass, stats.entry)
    await again._async_load()
    del again._committed[meta.statistic_id]  # as a store of an older release
    await again.async_reconcile(readings)
    await assert_equals_fresh(hass, again, readings)


def _metadata(stats: LinkyStatistics, key: str) -> Any:
    from custom_components.linky.statistics_import import metadata

    return metadata(next(item for item in stats.series if item.statistic_id == key))


async def test_unload_during_an_import_sends_nothing_and_waits_for_nothing(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    """An import cancelled at any await (rows computed, recorder commit) leaves the next
    reconciliation to do it; the result still equals a fresh import."""
    readings = readings_of()
    stats = await start(hass, options(BASE), readings)
    readings_more = readings_of([*DAYS, DAYS[-1] + timedelta(days=1)])
    for steps in range(1, 6):
        stats = await reload(hass, stats, options=options(BASE, HPHC if steps % 2 else TEMPO))
        task = hass.async_create_task(stats.async_reconcile(readings_more))
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    stats = await reload(hass, stats, options=options(BASE, HPHC))
    await stats.async_reconcile(readings_more)
    await assert_equals_fresh(hass, stats, readings_more, gone=_tempo_series())


def _tempo_series() -> frozenset[str]:
    return frozenset(
        f"consumption_{colour}_{klass}{cost}"
        for colour in COLOURS
        for klass in ("hp", "hc")
        for cost in ("", "_cost")
    )


async def test_nothing_changed_computes_nothing(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    """The same readings (no merge since), contract and colours: no rows computed, none sent."""
    readings = readings_of()
    stats = await start(hass, options(BASE, HPHC), readings)
    imports = stats.imports
    with patch("custom_components.linky.statistics_import.plan_all") as plan:
        await stats.async_reconcile(readings)
    plan.assert_not_called()
    assert stats.imports == imports
    readings.merge_daily("consumption", {DAYS[-1] + timedelta(days=1): 5000})
    await stats.async_reconcile(readings)
    assert stats.imports == imports + 1
    await assert_equals_fresh(hass, stats, readings)


async def test_each_pass_says_what_it_computed_and_sent(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    """`last_pass`: the executor's seconds and what was sent; a pass in step computed nothing."""
    readings = readings_of()
    stats = await start(hass, options(BASE, HPHC), readings)
    first = stats.last_pass
    assert first is not None
    assert first.compute_s > 0
    assert first.rows_sent == stats.rows_imported > 0
    with_rows = [key for key, rows in (await held(hass, stats.prm)).items() if rows]
    assert first.series_sent == len(with_rows)
    await stats.async_reconcile(readings)
    assert stats.last_pass == ReconcilePass(compute_s=0.0, series_sent=0, rows_sent=0)
    readings.merge_daily("consumption", {DAYS[-1] + timedelta(days=1): 5000})
    before = stats.rows_imported
    await stats.async_reconcile(readings)
    new_day = stats.last_pass
    assert new_day is not None
    assert new_day.compute_s > 0
    assert new_day.rows_sent == stats.rows_imported - before > 0
    assert 0 < new_day.series_sent <= first.series_sent
