"""The ``cost_if_*`` statistics, imported through the reconciliation (series.py)."""

from datetime import date, timedelta

import pytest
from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.components.recorder.statistics import get_metadata
from homeassistant.core import HomeAssistant

from custom_components.linky.contract import Colour
from custom_components.linky.series import statistic_id
from custom_components.linky.statistics_import import LinkyStatistics
from tests.backfill_helpers import quiet_sql
from tests.integration_helpers import conso_entry
from tests.statistics_helpers import day_curve, readings_with
from tests.test_statistics_reconcile import TEMPO_PRICES, held

PRM = "55555555555556"
FIRST = date(2026, 1, 15)
DAYS = [FIRST + timedelta(days=n) for n in range(31)]  # 17 January days, 14 February ones
READINGS = readings_with(curves={day: day_curve(day, 30, lambda _i: 1000) for day in DAYS})
COLOURS: dict[date, Colour] = {
    FIRST - timedelta(days=1) + timedelta(days=n): "blue" for n in range(32)
}
COLOURS |= {date(2026, 1, 20): "red", date(2026, 2, 3): "white"}
TEMPO = {"start": "2025-01-01", "option": "tempo", "subscription": 16.0, "prices": TEMPO_PRICES}
BASE = {"start": "2025-01-01", "option": "base", "subscription": 12.0, "prices": {"base": 0.2}}
COST_IF = ("cost_if_base", "cost_if_hphc", "cost_if_tempo")
OTHER_PRM = "55555555555557"
TEMPO_COST = (
    256 * 0.1494 + 16 * 0.6468 + 128 * 0.1232 + 8 * 0.1460 + 15.50 * 17 / 31
    + 208 * 0.1612 + 16 * 0.1871 + 104 * 0.1325 + 8 * 0.1499 + 15.59 * 14 / 28
)  # fmt: skip
"""The regulated Tempo at 6 kVA over `READINGS` with `COLOURS` (by hand)."""


@pytest.fixture(autouse=True)
def _quiet_sql() -> None:
    quiet_sql()


async def _reconcile(  # type: ignore[type-arg]
    hass: HomeAssistant, period: dict[str, object], colours: object, prm: str = PRM
) -> dict:
    entry = conso_entry(hass, None, prm=prm, title=prm)
    hass.config_entries.async_update_entry(
        entry, options={"production": False, "tariffs": [], "contract": [period]}
    )
    stats = LinkyStatistics(hass, entry, colours)  # type: ignore[arg-type]
    await stats.async_reconcile(READINGS)
    return await held(hass, prm)


async def test_each_option_s_cost_at_6_kva(recorder_mock: Recorder, hass: HomeAssistant) -> None:
    """6 kVA (no subscribed power stored); a Tempo contract: HP/HC at 22:00-06:00."""
    rows = await _reconcile(hass, TEMPO, COLOURS.get)
    base = 408 * 0.1952 + 15.47 * 17 / 31 + 336 * 0.1940 + 15.65 * 14 / 28
    hphc = (
        17 * (16 * 0.2081 + 8 * 0.1635)
        + 15.74 * 17 / 31
        + 14 * (16 * 0.2065 + 8 * 0.1579)
        + 15.65 * 14 / 28
    )
    for suffix, expected in zip(COST_IF, (base, hphc, TEMPO_COST), strict=True):
        assert rows[suffix][-1][2] == pytest.approx(expected, abs=1e-6), suffix
        assert len(rows[suffix]) == len(rows["consumption"]), suffix  # every hour held
        assert rows[suffix][0][1] == pytest.approx(rows[suffix][0][2], abs=1e-9)  # sum == state


async def test_a_base_entry_prices_tempo_with_the_colours(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    """The colours reach a Base entry's rows: its regulated Tempo cost is that of any entry."""
    tempo = await _reconcile(hass, TEMPO, COLOURS.get)
    rows = await _reconcile(hass, BASE, COLOURS.get, prm=OTHER_PRM)
    assert rows["cost_if_tempo"] == tempo["cost_if_tempo"]
    assert rows["cost_if_tempo"][-1][2] == pytest.approx(TEMPO_COST, abs=1e-6)
    assert "consumption_blue_hp" not in rows  # no Tempo class of its own


async def test_a_colour_known_later_is_priced(recorder_mock: Recorder, hass: HomeAssistant) -> None:
    """The same readings, one more colour: reconciled again, not skipped as unchanged."""
    known = dict(COLOURS)
    del known[date(2026, 2, 3)]
    entry = conso_entry(hass, None, prm=PRM, title=PRM)
    hass.config_entries.async_update_entry(entry, options={"tariffs": [], "contract": [BASE]})
    stats = LinkyStatistics(hass, entry, known.get)
    await stats.async_reconcile(READINGS)
    before = (await held(hass, PRM))["cost_if_tempo"]
    assert len(before) == 29 * 24  # 3 and 4 February (3 February's Tempo day: 06:00-06:00) wait
    known[date(2026, 2, 3)] = "white"
    await stats.async_reconcile(READINGS)
    after = (await held(hass, PRM))["cost_if_tempo"]
    assert len(after) == 31 * 24
    assert after[-1][2] == pytest.approx(TEMPO_COST, abs=1e-6)


async def test_without_colours_no_tempo_rows(recorder_mock: Recorder, hass: HomeAssistant) -> None:
    """A Base entry knows no colours: Base and HP/HC are priced, Tempo waits (no rows)."""
    rows = await _reconcile(hass, BASE, None)
    assert rows["cost_if_base"][-1][2] == pytest.approx(
        408 * 0.1952 + 15.47 * 17 / 31 + 336 * 0.1940 + 15.65 * 14 / 28, abs=1e-6
    )
    assert "cost_if_hphc" in rows
    assert "cost_if_tempo" not in rows


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("en", ("cost if regulated Base", "cost if regulated HP/HC", "cost if regulated Tempo")),
        ("fr", ("coût en Base réglementé", "coût en HP/HC réglementé", "coût en Tempo réglementé")),
    ],
)
async def test_names(
    recorder_mock: Recorder,
    enable_custom_integrations: None,
    hass: HomeAssistant,
    language: str,
    names: tuple[str, ...],
) -> None:
    hass.config.language = language
    await _reconcile(hass, TEMPO, COLOURS.get)
    ids = {statistic_id(PRM, suffix) for suffix in COST_IF}
    metadata = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_ids=ids)
    )
    assert [metadata[statistic_id(PRM, suffix)][1]["name"] for suffix in COST_IF] == [
        f"Linky {PRM} {name}" for name in names
    ]
