"""Long-term statistics for the Energy dashboard, imported from the stored readings.

The statistics (external, hourly, ``source="linky"``) are those `series` lists. Their display
names follow Home Assistant's language (``common.statistic_<key>`` in strings.json, looked up
once when the importer first loads; English when there is no text).

Rows are computed from the whole stored readings (and the Tempo colours known) by the pure
`series` and `statistics` modules, so a re-import from any hour on gives exactly what a single
fresh import of the same readings gives. What is re-imported:

- after new readings: every row from the first hour of the earliest changed day on (older
  readings such as a backfilled or late day change every later running total); new registers
  only split the days known by their daily value, so from the first such day on, if any;
- after a contract change: cost and class rows from the first day priced differently;
- after Tempo colours came: cost and class rows from the first day they concern (nothing
  when that day is after every reading held: the readings, when they come, will say);
- at start-up: whatever a "stale from" marker says (it is persisted before an import and cleared
  once the recorder has committed it, so a restart in between finishes the job), and a check of
  each statistic's last stored row against the readings (a lost database, a missing statistic
  such as production just enabled, or anything else out of step is re-imported).
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.storage import Store
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util.unit_conversion import EnergyConverter

from .const import CONF_PRM, CONF_PRODUCTION, DOMAIN
from .contract import Colour, ColourOf, contracts_from_options, parse_contract
from .kinds import KINDS, DataKind
from .paris import local_midnight
from .readings import MeterReadings
from .recorder_sync import async_wait_committed
from .series import NAMES, StatisticSeries, build_series, compute_rows, display_name
from .statistics import DaySource, StatisticRow, day_source, rows_from
from .tariff import TariffError

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
CURRENCY: Final = "EUR"
ALL: Final = datetime(2000, 1, 1, tzinfo=UTC)
"""Marker start meaning "every row" (before any Linky reading)."""
SUM_TOLERANCE: Final = 1e-6
_BATCHED: ContextVar[bool] = ContextVar("linky_statistics_batched", default=False)
"""Inside `LinkyStatistics.async_batch`: updates only mark what changed."""


def metadata(item: StatisticSeries) -> StatisticMetaData:
    """Full metadata of a series (mean type, unit class and unit: required since 2026.11)."""
    energy = item.kind == "energy"
    return StatisticMetaData(
        mean_type=StatisticMeanType.NONE,
        has_sum=True,
        name=item.name,
        source=DOMAIN,
        statistic_id=item.statistic_id,
        unit_class=EnergyConverter.UNIT_CLASS if energy else None,
        unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR if energy else CURRENCY,
    )


def _copy(readings: MeterReadings) -> MeterReadings:
    """Copy what the rows need, so later merges cannot change it (day tuples are immutable)."""
    return MeterReadings(
        daily={direction: dict(days) for direction, days in readings.daily.items()},
        curve={direction: dict(days) for direction, days in readings.curve.items()},
        registers=dict(readings.registers),
    )


class LinkyStatistics:
    """Imports one config entry's statistics; see the module docstring."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry[Any], colour_of: ColourOf | None = None
    ) -> None:
        """Read the options (production, contract and prices); nothing is loaded yet.

        ``colour_of`` gives the final Tempo colours (needed when the contract uses Tempo).
        """
        self.hass = hass
        self.prm: str = entry.data[CONF_PRM]
        self.production = bool(entry.options.get(CONF_PRODUCTION, False))
        self.colour_of: ColourOf = colour_of or (lambda _day: None)
        try:
            self.contracts = contracts_from_options(entry.options)
        except TariffError as err:
            _LOGGER.warning("Linky %s: prices ignored, they are invalid: %s", self.prm, err)
            self.contracts = {}
        self.series = build_series(self.prm, production=self.production, contracts=self.contracts)
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.statistics.{entry.entry_id}"
        )
        self._stale: dict[str, datetime] = {}
        """Per statistic id, the first hour to re-import (persisted)."""
        self._importing: dict[str, datetime] = {}
        self._stored_contracts: dict[str, list[dict[str, Any]]] | None = None
        self._loaded = False
        self._load_lock = asyncio.Lock()
        self._import_lock = asyncio.Lock()
        self.imports = 0
        """Imports committed since start-up (for tests and diagnostics)."""
        self.rows_imported = 0

    async def _async_translate_names(self) -> None:
        """Name the statistics in Home Assistant's language (English when it has no text)."""
        language = self.hass.config.language
        try:
            texts = await async_get_translations(self.hass, language, "common", {DOMAIN})
        except Exception:  # names are cosmetic: never fail an import for them
            _LOGGER.debug("No %s translations for the statistics' names", language, exc_info=True)
            return
        prefix = f"component.{DOMAIN}.common."
        series = []
        for item in self.series:
            template = texts.get(f"{prefix}statistic_{item.name_key}")
            label = texts.get(f"{prefix}class_{item.klass}") if item.klass else None
            try:
                name = display_name(self.prm, item.name_key, item.klass, template)
                if label is not None:
                    name = (template or NAMES[item.name_key]).format(prm=self.prm, label=label)
            except KeyError, IndexError, ValueError:
                _LOGGER.debug("Invalid %s name for %s: %r", language, item.suffix, template)
                name = display_name(self.prm, item.name_key, item.klass)
            series.append(replace(item, name=name))
        self.series = series

    @property
    def statistic_ids(self) -> list[str]:
        """Ids of the statistics imported for this entry."""
        return [item.statistic_id for item in self.series]

    @property
    def stale(self) -> dict[str, datetime]:
        """What is waiting to be imported (including an import under way)."""
        merged = dict(self._importing)
        for statistic_id, start in self._stale.items():
            merged[statistic_id] = min(start, merged.get(statistic_id, start))
        return merged

    # -- persistence ------------------------------------------------------------------------

    def _contract_dicts(self) -> dict[str, list[dict[str, Any]]]:
        return {
            direction: [period.to_dict() for period in contract.periods]
            for direction, contract in self.contracts.items()
        }

    def _data(self) -> dict[str, Any]:
        return {
            "stale": {key: value.isoformat() for key, value in self.stale.items()},
            "contracts": self._contract_dicts(),
        }

    async def _async_save(self) -> None:
        await self._store.async_save(self._data())

    async def _async_load(self) -> None:
        async with self._load_lock:
            if self._loaded:
                return
            stored = await self._store.async_load() or {}
            for key, value in stored.get("stale", {}).items():
                self._mark(key, datetime.fromisoformat(value))
            self._stored_contracts = _stored_contracts(stored)
            self._check_contracts()
            await self._async_translate_names()
            self._loaded = True

    def _check_contracts(self) -> None:
        """Cost and class rows are stale from the first day priced differently since last time."""
        stored = self._stored_contracts
        if stored is None:
            return  # first run: the start-up check imports everything
        for item in self.series:
            if item.kind != "money" and item.klass is None:
                continue
            try:
                old = parse_contract(stored.get(item.direction, []))
            except TariffError:
                old = None
            changed = self.contracts[item.direction].first_difference(old)
            if changed is not None:
                start = ALL if changed <= ALL.date() else local_midnight(changed)
                self._mark(item.statistic_id, start)

    def _mark(self, statistic_id: str, start: datetime) -> None:
        current = self._stale.get(statistic_id)
        self._stale[statistic_id] = start if current is None else min(current, start)

    # -- public API -------------------------------------------------------------------------

    async def async_mark_changed(self, changed_from: date, *, colours: bool = False) -> None:
        """Record that every row from the first hour of ``changed_from`` on is stale.

        ``colours``: only Tempo colours changed, so only the cost and class rows are stale.
        The marker is saved at once, so a restart before the next import still imports it.
        """
        await self._async_load()
        start = ALL if changed_from <= ALL.date() else local_midnight(changed_from)
        for item in self.series:
            if not colours or item.kind == "money" or item.klass is not None:
                self._mark(item.statistic_id, start)
        await self._async_save()

    async def async_update(
        self, readings: MeterReadings, changed_from: date, kind: DataKind | None = None
    ) -> None:
        """Re-import every row from the first hour of ``changed_from`` (new readings) on.

        ``kind``: the kind of the new readings, when they are all of one kind.
        """
        if kind is not None and (info := KINDS[kind]).shape == "index":
            days = (day for day in sorted(readings.daily[info.direction]) if day >= changed_from)
            daily = (d for d in days if day_source(readings, info.direction, d) is DaySource.DAILY)
            if (first := next(daily, None)) is None:
                return
            changed_from = first
        await self.async_mark_changed(changed_from)
        if not _BATCHED.get():
            await self.async_flush(readings)

    @asynccontextmanager
    async def async_batch(self, readings: MeterReadings) -> AsyncIterator[None]:
        """Import once, on the way out, what the updates made inside the block changed.

        The daily poll asks for several kinds in turn: one import, not one per kind (the daily
        value alone would be imported first, then the day again from its curve). Errors of
        that import are logged. Cancelled (Home Assistant stops), it imports nothing: the
        stale markers are saved, the next start imports them.
        """
        token = _BATCHED.set(True)
        try:
            yield
        finally:
            _BATCHED.reset(token)
            task = asyncio.current_task()
            if task is None or not task.cancelling():
                try:
                    await self.async_flush(readings)
                except Exception:
                    _LOGGER.exception("Linky %s: importing statistics failed", self.prm)

    async def async_flush(self, readings: MeterReadings) -> None:
        """Import whatever is stale, and wait until the recorder has committed it."""
        await self._async_load()
        async with self._import_lock:
            if not self._stale:
                return
            if min(self._stale.values()) >= _after_readings(readings):
                self._stale = {}  # no row from there on yet
                await self._async_save()
                return
            self._importing, self._stale = self._stale, {}
            await self._async_save()
            try:
                wanted = [item for item in self.series if item.statistic_id in self._importing]
                rows = await self.hass.async_add_executor_job(
                    compute_rows, _copy(readings), wanted, self.contracts, self._colours(readings)
                )
                self._submit(wanted, rows, self._importing)
                await self._async_committed()
            except BaseException:
                for key, value in self._importing.items():
                    self._mark(key, value)
                self._importing = {}
                raise
            self._importing = {}
            self.imports += 1
            await self._async_save()

    def _colours(self, readings: MeterReadings) -> dict[date, Colour]:
        """Return the final Tempo colours of the days held (read on the loop, for the rows)."""
        if not any(contract.uses_tempo for contract in self.contracts.values()):
            return {}
        days: set[date] = set()
        for held in (readings.daily, readings.curve):
            for by_day in held.values():
                days.update(by_day)
        colours: dict[date, Colour] = {}
        for day in days | {day - timedelta(days=1) for day in days}:
            if (colour := self.colour_of(day)) is not None:
                colours[day] = colour
        return colours

    async def _async_committed(self) -> None:
        """Wait until the recorder has run (and committed) every task queued so far."""
        await async_wait_committed(self.hass)

    def _submit(
        self,
        series: list[StatisticSeries],
        rows: dict[str, list[StatisticRow]],
        starts: dict[str, datetime],
    ) -> None:
        for item in series:
            selected = rows_from(rows[item.statistic_id], starts[item.statistic_id])
            if not selected:
                continue
            _LOGGER.debug(
                "Importing %s rows of %s from %s",
                len(selected),
                item.statistic_id,
                selected[0].start,
            )
            async_add_external_statistics(
                self.hass,
                metadata(item),
                [StatisticData(start=row.start, state=row.state, sum=row.sum) for row in selected],
            )
            self.rows_imported += len(selected)

    async def async_resume(self, readings: MeterReadings) -> None:
        """At start-up: finish an interrupted import and bring every statistic in step."""
        await self._async_load()
        rows = await self.hass.async_add_executor_job(
            compute_rows, _copy(readings), self.series, self.contracts, self._colours(readings)
        )
        for item in self.series:
            if item.statistic_id in self._stale:
                continue  # the marker says where to start; the last row is not comparable
            start = await self._async_check(item.statistic_id, rows[item.statistic_id])
            if start is not None:
                self._mark(item.statistic_id, start)
        await self.async_flush(readings)

    async def _async_check(self, statistic_id: str, rows: list[StatisticRow]) -> datetime | None:
        """First hour to import so the stored statistic matches the rows (None: in step)."""
        if not rows:
            return None
        last = await get_instance(self.hass).async_add_executor_job(
            get_last_statistics, self.hass, 1, statistic_id, False, {"sum"}
        )
        if not (stored := last.get(statistic_id)):
            return ALL
        stored_start = datetime.fromtimestamp(stored[0]["start"], UTC)
        stored_sum = stored[0].get("sum")
        expected = next((row for row in reversed(rows) if row.start == stored_start), None)
        if expected is None or stored_sum is None or abs(expected.sum - stored_sum) > SUM_TOLERANCE:
            _LOGGER.info(
                "%s is out of step with the stored readings: importing it all", statistic_id
            )
            return ALL
        if rows[-1].start > stored_start:
            return next(row.start for row in rows if row.start > stored_start)
        return None

    async def async_rebuild(self, readings: MeterReadings) -> None:
        """Clear this entry's statistics and import them all again from the readings."""
        await self._async_load()
        async with self._import_lock:
            done = asyncio.Event()

            def cleared() -> None:  # in the recorder's thread
                self.hass.loop.call_soon_threadsafe(done.set)

            get_instance(self.hass).async_clear_statistics(self.statistic_ids, on_done=cleared)
            await done.wait()
        for item in self.series:
            self._stale[item.statistic_id] = ALL
        await self.async_flush(readings)


def _after_readings(readings: MeterReadings) -> datetime:
    """Return the first hour after every day held (`ALL` when nothing is held)."""
    days = [day for held in (readings.daily, readings.curve) for by in held.values() for day in by]
    return local_midnight(max(days) + timedelta(days=1)) if days else ALL


def _stored_contracts(stored: dict[str, Any]) -> dict[str, list[dict[str, Any]]] | None:
    """Return the contracts of the last import (also from a store of the former periods)."""
    if "contracts" in stored:
        contracts: dict[str, list[dict[str, Any]]] = stored["contracts"]
        return contracts
    if "tariffs" not in stored:
        return None
    try:
        old = contracts_from_options(
            {"tariffs": [p for ps in stored["tariffs"].values() for p in ps]}
        )
    except TariffError:
        return {}
    return {direction: [p.to_dict() for p in c.periods] for direction, c in old.items()}
