"""Long-term statistics for the Energy dashboard, imported from the stored readings.

Statistics (external, hourly, ``source="linky"``):

- ``linky:<prm>_consumption`` (kWh) and, when production is enabled, ``linky:<prm>_production``;
- ``linky:<prm>_consumption_cost`` (EUR) when a consumption tariff is set, and
  ``linky:<prm>_production_earnings`` (EUR) when production is enabled and has a tariff.

Their display names follow Home Assistant's language (``common.statistic_<suffix>`` in
strings.json, looked up once when the importer first loads; English when there is no text).

Rows are computed from the whole stored readings by the pure `statistics` module (hourly values
and running totals), so a re-import from any hour on gives exactly what a single fresh import of
the same readings gives. What is re-imported:

- after new readings: every row from the first hour of the earliest changed day on (older
  readings such as a backfilled or late day change every later running total);
- after a tariff change: cost rows from the first day priced differently;
- at start-up: whatever a "stale from" marker says (it is persisted before an import and cleared
  once the recorder has committed it, so a restart in between finishes the job), and a check of
  each statistic's last stored row against the readings (a lost database, a missing statistic
  such as production just enabled, or anything else out of step is re-imported).
"""

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Final, Literal

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

from .const import CONF_PRM, CONF_PRODUCTION, CONF_TARIFFS, DOMAIN
from .kinds import Direction
from .paris import local_midnight
from .readings import MeterReadings
from .recorder_sync import async_wait_committed
from .statistics import StatisticRow, cost_rows, energy_rows, rows_from
from .tariff import Tariff, TariffError, parse_tariffs

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
CURRENCY: Final = "EUR"
ALL: Final = datetime(2000, 1, 1, tzinfo=UTC)
"""Marker start meaning "every row" (before any Linky reading)."""
SUM_TOLERANCE: Final = 1e-6
NAMES: Final = {
    "consumption": "Linky {prm} consumption",
    "production": "Linky {prm} production",
    "consumption_cost": "Linky {prm} consumption cost",
    "production_earnings": "Linky {prm} production earnings",
}
"""Display names by statistic suffix, in English: used when no translation is found.

The translations are ``common.statistic_<suffix>`` in strings.json (placeholder ``{prm}``).
"""


@dataclass(frozen=True, slots=True)
class StatisticSeries:
    """One imported statistic: what it measures and its metadata."""

    statistic_id: str
    direction: Direction
    kind: Literal["energy", "money"]
    name: str

    @property
    def suffix(self) -> str:
        """What follows ``linky:<prm>_`` in the id (``consumption``, ``production_earnings``)."""
        return self.statistic_id.rpartition(":")[2].partition("_")[2]

    @property
    def metadata(self) -> StatisticMetaData:
        """Full metadata (mean type, unit class and unit: required since 2026.11)."""
        energy = self.kind == "energy"
        return StatisticMetaData(
            mean_type=StatisticMeanType.NONE,
            has_sum=True,
            name=self.name,
            source=DOMAIN,
            statistic_id=self.statistic_id,
            unit_class=EnergyConverter.UNIT_CLASS if energy else None,
            unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR if energy else CURRENCY,
        )


def statistic_ids(prm: str) -> dict[str, str]:
    """Return the four statistic ids of a PRM, by suffix."""
    prefix = f"{DOMAIN}:{prm.lower()}"
    return {
        suffix: f"{prefix}_{suffix}"
        for suffix in ("consumption", "production", "consumption_cost", "production_earnings")
    }


def compute_rows(
    readings: MeterReadings, series: list[StatisticSeries], tariffs: dict[Direction, Tariff]
) -> dict[str, list[StatisticRow]]:
    """Every row of every series (pure; run in the executor on a copy of the readings)."""
    rows: dict[str, list[StatisticRow]] = {}
    for item in series:
        if item.kind == "energy":
            rows[item.statistic_id] = energy_rows(readings, item.direction)
        else:
            rows[item.statistic_id] = cost_rows(readings, item.direction, tariffs[item.direction])
    return rows


def _copy(readings: MeterReadings) -> MeterReadings:
    """Copy what the rows need, so later merges cannot change it (day tuples are immutable)."""
    return MeterReadings(
        daily={direction: dict(days) for direction, days in readings.daily.items()},
        curve={direction: dict(days) for direction, days in readings.curve.items()},
    )


class LinkyStatistics:
    """Imports one config entry's statistics; see the module docstring."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Read the options (production, tariffs); nothing is loaded yet."""
        self.hass = hass
        self.prm: str = entry.data[CONF_PRM]
        self.production = bool(entry.options.get(CONF_PRODUCTION, False))
        self.tariff_options: list[dict[str, Any]] = [
            dict(item) for item in entry.options.get(CONF_TARIFFS, [])
        ]
        try:
            self.tariffs = parse_tariffs(self.tariff_options)
        except TariffError as err:
            _LOGGER.warning("Linky %s: tariffs ignored, they are invalid: %s", self.prm, err)
            self.tariffs = {}
        ids = statistic_ids(self.prm)
        self.series: list[StatisticSeries] = [
            StatisticSeries(ids["consumption"], "consumption", "energy", self._name("consumption"))
        ]
        if self.production:
            self.series.append(
                StatisticSeries(ids["production"], "production", "energy", self._name("production"))
            )
        if "consumption" in self.tariffs:
            self.series.append(
                StatisticSeries(
                    ids["consumption_cost"], "consumption", "money", self._name("consumption_cost")
                )
            )
        if self.production and "production" in self.tariffs:
            self.series.append(
                StatisticSeries(
                    ids["production_earnings"],
                    "production",
                    "money",
                    self._name("production_earnings"),
                )
            )
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.statistics.{entry.entry_id}"
        )
        self._stale: dict[str, datetime] = {}
        """Per statistic id, the first hour to re-import (persisted)."""
        self._importing: dict[str, datetime] = {}
        self._stored_tariffs: dict[str, list[dict[str, Any]]] | None = None
        self._loaded = False
        self._load_lock = asyncio.Lock()
        self._import_lock = asyncio.Lock()
        self.imports = 0
        """Imports committed since start-up (for tests and diagnostics)."""
        self.rows_imported = 0

    def _name(self, suffix: str, template: str | None = None) -> str:
        return (template or NAMES[suffix]).format(prm=self.prm)

    async def _async_translate_names(self) -> None:
        """Name the statistics in Home Assistant's language (English when it has no text)."""
        language = self.hass.config.language
        try:
            texts = await async_get_translations(self.hass, language, "common", {DOMAIN})
        except Exception:  # names are cosmetic: never fail an import for them
            _LOGGER.debug("No %s translations for the statistics' names", language, exc_info=True)
            return
        series = []
        for item in self.series:
            template = texts.get(f"component.{DOMAIN}.common.statistic_{item.suffix}")
            try:
                name = self._name(item.suffix, template)
            except KeyError, IndexError, ValueError:
                _LOGGER.debug("Invalid %s name for %s: %r", language, item.suffix, template)
                name = self._name(item.suffix)
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

    def _tariff_dicts(self) -> dict[str, list[dict[str, Any]]]:
        return {
            direction: [period.to_dict(direction) for period in tariff.periods]
            for direction, tariff in self.tariffs.items()
        }

    def _data(self) -> dict[str, Any]:
        return {
            "stale": {key: value.isoformat() for key, value in self.stale.items()},
            "tariffs": self._tariff_dicts(),
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
            self._stored_tariffs = stored.get("tariffs")
            self._check_tariffs()
            await self._async_translate_names()
            self._loaded = True

    def _check_tariffs(self) -> None:
        """Cost rows are stale from the first day the tariff changed since the last import."""
        stored = self._stored_tariffs
        if stored is None:
            return  # first run: the start-up check imports everything
        for item in self.series:
            if item.kind != "money":
                continue
            try:
                old = parse_tariffs(stored.get(item.direction, []))
            except TariffError:
                old = {}
            changed = self.tariffs[item.direction].first_difference(old.get(item.direction))
            if changed is not None:
                start = ALL if changed <= ALL.date() else local_midnight(changed)
                self._mark(item.statistic_id, start)

    def _mark(self, statistic_id: str, start: datetime) -> None:
        current = self._stale.get(statistic_id)
        self._stale[statistic_id] = start if current is None else min(current, start)

    # -- public API -------------------------------------------------------------------------

    async def async_mark_changed(self, changed_from: date) -> None:
        """Record that every row from the first hour of ``changed_from`` on is stale.

        The marker is saved at once, so a restart before the next import still imports it.
        """
        await self._async_load()
        start = ALL if changed_from <= ALL.date() else local_midnight(changed_from)
        for item in self.series:
            self._mark(item.statistic_id, start)
        await self._async_save()

    async def async_update(self, readings: MeterReadings, changed_from: date) -> None:
        """Re-import every row from the first hour of ``changed_from`` (new readings) on."""
        await self.async_mark_changed(changed_from)
        await self.async_flush(readings)

    async def async_flush(self, readings: MeterReadings) -> None:
        """Import whatever is stale, and wait until the recorder has committed it."""
        await self._async_load()
        async with self._import_lock:
            if not self._stale:
                return
            self._importing, self._stale = self._stale, {}
            await self._async_save()
            try:
                wanted = [item for item in self.series if item.statistic_id in self._importing]
                rows = await self.hass.async_add_executor_job(
                    compute_rows, _copy(readings), wanted, self.tariffs
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
                item.metadata,
                [StatisticData(start=row.start, state=row.state, sum=row.sum) for row in selected],
            )
            self.rows_imported += len(selected)

    async def async_resume(self, readings: MeterReadings) -> None:
        """At start-up: finish an interrupted import and bring every statistic in step."""
        await self._async_load()
        rows = await self.hass.async_add_executor_job(
            compute_rows, _copy(readings), self.series, self.tariffs
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
