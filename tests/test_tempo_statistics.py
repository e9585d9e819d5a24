"""A Tempo contract end to end in-process: colours from the fake RTE server, per-class statistics.

Against the fake Conso API and the fake RTE server with a frozen clock; the expected values come
from the simulated meter and the simulated colour calendar, computed here independently.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky.const import PARIS
from custom_components.linky.contract import TariffOption
from custom_components.linky.paris import local_midnight
from custom_components.linky.regulated import grid_on
from custom_components.linky.series import statistic_id
from linky_simulator import ConsoApiSimulator, SimulatedMeter, TempoSimulator
from tests.backfill_helpers import quiet_sql, read_statistics
from tests.integration_helpers import (
    advance,
    conso_entry,
    no_backfill,
    paris,
    set_contract,
    tempo_urls,
)

PRM = "55555555555555"
DAY = date(2026, 1, 20)  # "today": the last 8 days are in the load curve
PRICES = grid_on(DAY).prices(TariffOption.TEMPO)
SUBSCRIPTION = 15.0


@pytest.fixture(autouse=True)
def _quiet() -> None:
    quiet_sql()


def expected_class(instant: datetime, rte: TempoSimulator) -> str:
    """The class of an interval starting at ``instant``, from the simulated calendar."""
    local = instant.astimezone(PARIS)
    tempo_day = local.date() - timedelta(days=local.hour < 6)
    hour = "hc" if local.hour >= 22 or local.hour < 6 else "hp"
    return f"{rte.colour(tempo_day)}_{hour}"


def tempo_entry(
    hass: HomeAssistant, api: ConsoApiSimulator, rte: TempoSimulator
) -> MockConfigEntry:
    """An entry on the fake servers with a Tempo contract (regulated prices, a subscription)."""
    entry = conso_entry(hass, api, prm=PRM, poll_offset=0, **tempo_urls(rte))
    period = {
        "start": "2025-09-01",
        "option": "tempo",
        "subscription": SUBSCRIPTION,
        "prices": PRICES,
    }
    set_contract(hass, entry, period)
    return entry


async def test_tempo_class_statistics_equal_the_meter_and_the_calendar(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
    rte: TempoSimulator,
) -> None:
    freezer.move_to(paris(DAY, 10))
    meter = SimulatedMeter(PRM, seed=11, first_day=date(2025, 1, 1))
    api = await conso_api_factory([meter])
    entry = tempo_entry(hass, api, rte)
    with no_backfill():
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        await advance(hass, freezer, paris(DAY, 10, 1))

    # The first poll brought the last 7 days of curve; the colours of the season came in one
    # request, and the statistics were filled in once they did.
    seasons = [r.start for r in rte.requests if r.type == "tempo"]
    assert sorted(seasons) == ["2022-2023", "2023-2024", "2024-2025", "2025-2026"]  # 36 months
    total = {
        row[0]: row[1] for row in await read_statistics(hass, statistic_id(PRM, "consumption"))
    }
    classes = ("blue_hp", "blue_hc", "white_hp", "white_hc", "red_hp", "red_hc")
    by_class = {
        name: {
            row[0]: row[1]
            for row in await read_statistics(hass, statistic_id(PRM, f"consumption_{name}"))
        }
        for name in classes
    }
    cost = await read_statistics(hass, statistic_id(PRM, "consumption_cost"))
    first = DAY - timedelta(days=7)
    checked = 0
    for offset in range(7):
        day = first + timedelta(days=offset)
        start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
        truth = meter.hourly_wh("consumption", start, end)
        for hour, wh in truth.items():
            name = expected_class(hour, rte)
            assert by_class[name][hour] == pytest.approx(wh / 1000, abs=1e-9), (hour, name)
            others = sum(by_class[other].get(hour, 0.0) for other in classes if other != name)
            assert others == 0.0
            assert total[hour] == pytest.approx(wh / 1000, abs=1e-9)
            checked += 1
    assert checked == 7 * 24
    # The cost of those days: class energy at its price plus each day's share of the month.
    sums = {row[0]: row[2] for row in cost}
    before = max((hour for hour in sums if hour < local_midnight(first)), default=None)
    window = (
        sum(
            wh / 1000 * PRICES[expected_class(hour, rte)]
            for offset in range(7)
            for hour, wh in meter.hourly_wh(
                "consumption",
                local_midnight(first + timedelta(days=offset)),
                local_midnight(first + timedelta(days=offset + 1)),
            ).items()
        )
        + 7 * SUBSCRIPTION / 31
    )
    last = max(hour for hour in sums if hour < local_midnight(DAY))
    assert sums[last] - (sums[before] if before else 0.0) == pytest.approx(window, abs=0.005)
    # The sensors.
    prm = PRM
    today_colour = hass.states.get(f"sensor.linky_{prm}_tempo_colour_today")
    assert today_colour is not None
    assert today_colour.state == rte.colour(DAY)
    current = hass.states.get(f"sensor.linky_{prm}_current_tariff_class")
    assert current is not None
    assert current.state == expected_class(datetime.now(UTC), rte)
    price = hass.states.get(f"sensor.linky_{prm}_current_price")
    assert price is not None
    assert float(price.state) == PRICES[current.state]


async def test_colours_coming_late_fill_their_days_in(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
    rte: TempoSimulator,
) -> None:
    """Both colour sources down at first: the days wait (no guess), then fill in."""
    yesterday = DAY - timedelta(days=1)
    rte.fail_next(500, {"error": "down"}, times=20)
    freezer.move_to(paris(DAY, 10))
    api = await conso_api_factory([SimulatedMeter(PRM, seed=11, first_day=date(2025, 1, 1))])
    entry = tempo_entry(hass, api, rte)
    with no_backfill():
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        day_hp = statistic_id(PRM, f"consumption_{rte.colour(yesterday)}_hp")
        assert await read_statistics(hass, day_hp) == []  # nothing guessed
        total = await read_statistics(hass, statistic_id(PRM, "consumption"))
        assert total  # the energy itself does not wait
        rte.clear_faults()
        for hour in (11, 12, 13, 14, 15):
            await advance(hass, freezer, paris(DAY, hour, 45))
        hours = {row[0] for row in await read_statistics(hass, day_hp)}
        assert local_midnight(yesterday) + timedelta(hours=12) in hours  # filled in


async def test_rte_down_the_fallback_prices_the_classes(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
    rte: TempoSimulator,
) -> None:
    """RTE refusing everything: the entry's fallback address gives today and the history."""
    yesterday = DAY - timedelta(days=1)
    for kind in ("tempoLight", "tempo"):
        rte.fail_next(403, "<html>banned</html>", content_type="text/html", times=100, type=kind)
    freezer.move_to(paris(DAY, 10))
    api = await conso_api_factory([SimulatedMeter(PRM, seed=11, first_day=date(2025, 1, 1))])
    entry = tempo_entry(hass, api, rte)
    with no_backfill():
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)

        # one request for today, then one per season of the 36 months of history
        assert [r.start for r in rte.requests if r.type == "joursTempo"] == [
            DAY.isoformat(),
            "2022-2023",
            "2023-2024",
            "2024-2025",
            "2025-2026",
        ]
        assert [r.type for r in rte.requests if r.status == 200] == ["joursTempo"] * 5
        day_hp = statistic_id(PRM, f"consumption_{rte.colour(yesterday)}_hp")
        hours = {row[0] for row in await read_statistics(hass, day_hp)}
        assert local_midnight(yesterday) + timedelta(hours=12) in hours
        today = hass.states.get(f"sensor.linky_{PRM}_tempo_colour_today")
        assert today is not None
        assert today.state == rte.colour(DAY)
