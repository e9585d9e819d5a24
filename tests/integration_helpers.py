"""Helpers for the integration tests: the one config-entry builder, the frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.linky.const import DOMAIN, PARIS
from custom_components.linky.contract import TariffOption
from custom_components.linky.regulated import grid_on
from linky_simulator import ConsoApiSimulator, EnedisSimulator, TempoSimulator
from tests.const import CONSUMPTION_PRM


def paris(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A Paris wall-clock time, as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), PARIS).astimezone(UTC)


def _entry(
    hass: HomeAssistant,
    prm: str,
    title: str | None,
    options: dict[str, Any],
    data: dict[str, Any],
) -> MockConfigEntry:
    """The one config-entry builder: an entry for `prm`, added to Home Assistant (not set up)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=prm,
        title=f"Linky {prm}" if title is None else title,
        data={"prm": prm, **data},
        options=options,
    )
    entry.add_to_hass(hass)
    return entry


def conso_entry(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator | None,
    *,
    prm: str = CONSUMPTION_PRM,
    production: bool = False,
    tariffs: list[dict[str, Any]] | None = None,
    poll_offset: int = 60,
    title: str | None = None,
    **data: Any,
) -> MockConfigEntry:
    """A Conso API entry for `prm` (poll at 07:00 Paris, titled "Linky <prm>", by default).

    On the fake server `conso_api`: a token for `prm` and the server's address. With None (no
    server needed): token "x" and the default address. `data` adds or overrides entry data.
    """
    server = (
        {"token": conso_api.make_token([prm]), "base_url": conso_api.base_url}
        if conso_api is not None
        else {"token": "x"}
    )
    return _entry(
        hass,
        prm,
        title,
        {"production": production, "tariffs": tariffs or []},
        {"source": "conso", **server, "poll_offset": poll_offset, **data},
    )


def enedis_entry(
    hass: HomeAssistant,
    enedis_api: EnedisSimulator | None,
    *,
    prm: str = CONSUMPTION_PRM,
    production: bool = False,
    tariffs: list[dict[str, Any]] | None = None,
    poll_offset: int = 60,
    title: str | None = None,
    **data: Any,
) -> MockConfigEntry:
    """An Enedis Data Connect entry for `prm`, with the same defaults as `conso_entry`.

    On the fake server `enedis_api`: its credentials and address; with None: "x" for both.
    """
    server = (
        {
            "client_id": enedis_api.client_id,
            "client_secret": enedis_api.client_secret,
            "base_url": enedis_api.base_url,
        }
        if enedis_api is not None
        else {"client_id": "x", "client_secret": "x"}
    )
    return _entry(
        hass,
        prm,
        title,
        {"production": production, "tariffs": tariffs or []},
        {"source": "enedis", **server, "poll_offset": poll_offset, **data},
    )


def polled_before(hass_storage: dict[str, Any], entry: MockConfigEntry, day: date) -> None:
    """Store that the entry already polled on ``day`` (an existing entry, not a new one)."""
    key = f"{DOMAIN}.{entry.entry_id}"
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {"readings": {}, "poll": {"day": day.isoformat(), "attempts": 1}},
    }


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the entry up and let its start-up work (statistics, a due poll) finish."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, when: datetime) -> None:
    """Move the clock to `when`, fire what was due, and wait for it."""
    freezer.move_to(when)
    async_fire_time_changed(hass, when)
    await hass.async_block_till_done(wait_background_tasks=True)


def data_requests(
    api: ConsoApiSimulator | EnedisSimulator,
) -> list[tuple[str, str | None, str | None]]:
    """(type, start, end) of the data requests a fake server received (token calls left out)."""
    return [(r.type, r.start, r.end) for r in api.requests if r.type not in ("token", "revoke")]


@contextmanager
def no_backfill() -> Iterator[None]:
    """Keep the history backfill out of tests that count the steady requests."""
    try:
        from custom_components.linky import backfill
    except ImportError:
        yield
        return
    with patch.object(backfill.HistoryBackfill, "start"):
        yield


@contextmanager
def fake_statistics() -> Iterator[MagicMock]:
    """Replace the statistics importer (tested on its own) by a recording mock.

    The recorder imports rows one by one; tests of the schedule do not need to wait for it.
    """
    stats = MagicMock()
    stats.async_rebuild = AsyncMock()
    with patch("custom_components.linky.LinkyStatistics", return_value=stats):
        yield stats


def prefilled(result: Any) -> dict[str, Any]:
    """The values a form shows pre-filled (defaults, else suggested values), as a browser sends."""
    values: dict[str, Any] = {}
    for key in result["data_schema"].schema:
        if callable(getattr(key, "default", None)) and key.default() is not None:
            values[str(key)] = key.default()
        elif (key.description or {}).get("suggested_value") is not None:
            values[str(key)] = key.description["suggested_value"]
    return values


def tempo_urls(rte: TempoSimulator) -> dict[str, str]:
    """Entry data asking the fake RTE server for the Tempo colours (and its fallback)."""
    return {"tempo_url": rte.base_url, "tempo_fallback_url": rte.couleur_url}


def typed_period(option: str, start: date, **fields: Any) -> dict[str, Any]:
    """A typed contract period of ``option`` from ``start``, with the regulated prices of that day.

    HP/HC: off-peak 01:30-07:30 and 12:30-14:30. ``fields`` add or override the period's.
    """
    period: dict[str, Any] = {
        "start": start.isoformat(),
        "option": option,
        "prices": grid_on(start).prices(TariffOption(option)),
    }
    if option == "hphc":
        period["off_peak_hours"] = "01:30-07:30;12:30-14:30"
    return {**period, **fields}


def set_contract(hass: HomeAssistant, entry: MockConfigEntry, *periods: dict[str, Any]) -> None:
    """Give the entry the contract ``periods`` (stored options, before its set-up)."""
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "contract": list(periods)}
    )
