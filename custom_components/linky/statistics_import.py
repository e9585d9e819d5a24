"""Long-term statistics for the Energy dashboard: the recorder reconciled with the readings.

The statistics (external, hourly, ``source="linky"``) are those `series` lists; their display
names follow Home Assistant's language (``common.statistic_<key>`` in strings.json, looked up
once when the importer first loads; English when there is no text). Their rows are a pure
function of the stored readings, the contract, the Tempo colours known, the production option
and the names (`series.compute_values`).

Whenever one of these may have changed (the coordinator updated, a Tempo colour came, start-up)
`LinkyStatistics.async_request` runs a reconciliation: every row is computed in the executor
and each series is compared with what the recorder last committed (`reconcile`); only what
differs is sent. What the recorder committed is saved once it has committed it. At start-up
each series' last row in the recorder is checked against it; when they disagree (a lost or
restored database, a state from an older release) the state is read from the recorder's rows
themselves. A cancelled reconciliation (unload, stop) sends nothing more and saves nothing:
the next one finds the same difference.
"""

import asyncio
import logging
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
    statistics_during_period,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import UnitOfApparentPower, UnitOfEnergy
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.recorder import get_instance
from homeassistant.helpers.storage import Store
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util.unit_conversion import ApparentPowerConverter, EnergyConverter

from .const import CONF_PRM, CONF_PRODUCTION, DOMAIN
from .contract import Colour, ColourOf, Contract, contracts_from_options
from .kinds import Direction
from .readings import MeterReadings
from .reconcile import SeriesPlan, SeriesState, plan_series, rows_from, series_state
from .recorder_sync import async_wait_committed
from .series import (
    NAMES,
    SeriesKind,
    StatisticSeries,
    build_series,
    compute_values,
    display_name,
)
from .statistics import RawRow

if TYPE_CHECKING:
    from .coordinator import LinkyCoordinator

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
CURRENCY: Final = "EUR"
SUM_TOLERANCE: Final = 1e-6
EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)
"""Before any Linky reading: where reading a statistic's rows back starts."""


UNITS: Final[dict[SeriesKind, tuple[str | None, str]]] = {
    "energy": (EnergyConverter.UNIT_CLASS, UnitOfEnergy.KILO_WATT_HOUR),
    "money": (None, CURRENCY),
    "power": (ApparentPowerConverter.UNIT_CLASS, UnitOfApparentPower.KILO_VOLT_AMPERE),
}
"""Unit class and unit of each kind of series."""


def metadata(item: StatisticSeries) -> StatisticMetaData:
    """Full metadata of a series (mean type, unit class and unit: required since 2026.11).

    Energy and money have a running total; power a mean, minimum and maximum (no sum).
    """
    unit_class, unit = UNITS[item.kind]
    power = item.kind == "power"
    return StatisticMetaData(
        mean_type=StatisticMeanType.ARITHMETIC if power else StatisticMeanType.NONE,
        has_sum=not power,
        name=item.name,
        source=DOMAIN,
        statistic_id=item.statistic_id,
        unit_class=unit_class,
        unit_of_measurement=unit,
    )


def _statistic(item: StatisticSeries, row: RawRow) -> StatisticData:
    start = datetime.fromtimestamp(row[0], UTC)
    if item.kind == "power":
        return StatisticData(start=start, mean=row[1], min=row[1], max=row[1])
    return StatisticData(start=start, state=row[1], sum=row[2])


def _fingerprint(item: StatisticSeries) -> str:
    """Return what of the metadata can change (a new name must reach the recorder)."""
    data = metadata(item)
    return f"{data['name']}|{data['unit_of_measurement']}"


def _copy(readings: MeterReadings) -> MeterReadings:
    """Copy what the rows need, so later merges cannot change it (day tuples are immutable)."""
    return MeterReadings(
        daily={direction: dict(days) for direction, days in readings.daily.items()},
        curve={direction: dict(days) for direction, days in readings.curve.items()},
        max_power=dict(readings.max_power),
        registers=dict(readings.registers),
    )


def plan_all(
    readings: MeterReadings,
    series: list[StatisticSeries],
    contracts: Mapping[Direction, Contract],
    colours: Mapping[date, Colour],
    committed: Mapping[str, SeriesState],
) -> tuple[dict[str, SeriesPlan], dict[str, list[RawRow]]]:
    """Every series' rows and what to send of them (in the executor, on a copy)."""
    values = compute_values(readings, series, contracts, colours)
    plans: dict[str, SeriesPlan] = {}
    for item in series:
        rows = values[item.statistic_id]
        state = series_state(rows, _fingerprint(item))
        plans[item.statistic_id] = plan_series(rows, state, committed[item.statistic_id])
    return plans, values


def _timed_plan_all(
    readings: MeterReadings,
    series: list[StatisticSeries],
    contracts: Mapping[Direction, Contract],
    colours: Mapping[date, Colour],
    committed: Mapping[str, SeriesState],
) -> tuple[dict[str, SeriesPlan], dict[str, list[RawRow]], float]:
    """`plan_all`, and the seconds it took (in the executor: its own time, not its queue)."""
    began = time.perf_counter()
    plans, values = plan_all(readings, series, contracts, colours, committed)
    return plans, values, time.perf_counter() - began


@dataclass(frozen=True, slots=True)
class ReconcilePass:
    """What one reconciliation did (for diagnostics and the benchmark)."""

    compute_s: float = 0.0
    """Seconds the executor spent computing the rows and what to send (0: they were in step)."""
    series_sent: int = 0
    rows_sent: int = 0


class LinkyStatistics:
    """Keeps one config entry's statistics in step with its readings; see the module docstring."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry[Any], colour_of: ColourOf | None = None
    ) -> None:
        """Read the options (production, contract and prices); nothing is loaded yet.

        ``colour_of`` gives the final Tempo colours (read when a series is ``coloured``).
        """
        self.hass = hass
        self.entry = entry
        self.prm: str = entry.data[CONF_PRM]
        self.production = bool(entry.options.get(CONF_PRODUCTION, False))
        self.colour_of: ColourOf = colour_of or (lambda _day: None)
        self.contracts = contracts_from_options(entry.options)  # invalid ones left out
        self.series = build_series(self.prm, production=self.production, contracts=self.contracts)
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.statistics.{entry.entry_id}"
        )
        self._committed: dict[str, SeriesState] = {}
        """Per statistic id, the rows the recorder committed (summarised)."""
        self._verified = False
        self._loaded = False
        self._load_lock = asyncio.Lock()
        self._lock = asyncio.Lock()
        self._readings: Callable[[], MeterReadings] | None = None
        self._task: asyncio.Task[None] | None = None
        self._after: asyncio.Future[None] | None = None
        self._computed: tuple[MeterReadings, Hashable, dict[str, SeriesState]] | None = None
        """The readings (kept, so their id stays theirs), the inputs and the states of the rows
        last computed."""
        self._wanted = False
        self.reconciliations = 0
        """Reconciliations run since start-up (for tests, diagnostics and the benchmark)."""
        self.imports = 0
        """Reconciliations that sent rows (committed)."""
        self.rows_imported = 0
        self.last_pass: ReconcilePass | None = None
        """What the latest reconciliation did (None before the first)."""

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

    # -- when: whenever an input may have changed -------------------------------------------

    @callback
    def async_follow(
        self, coordinator: LinkyCoordinator, after: asyncio.Future[None] | None = None
    ) -> None:
        """Reconcile now, and whenever the coordinator updates (its readings may have changed).

        ``after``: what the first reconciliation waits for (the Tempo colours of the history:
        without it, a new contract's coloured series would be imported once without them, then
        again).
        """
        self._readings = lambda: coordinator.readings
        self._after = after
        self.entry.async_on_unload(coordinator.async_add_listener(self.async_request))
        self.async_request()

    @callback
    def async_request(self) -> None:
        """Reconcile: an input may have changed.

        One pass runs at a time; a request while one runs makes it run once more.
        """
        self._wanted = True
        if self._readings is None or (self._task is not None and not self._task.done()):
            return
        self._task = self.entry.async_create_background_task(
            self.hass, self._async_run(self._readings), f"Linky {self.prm} statistics"
        )

    async def _async_run(self, readings: Callable[[], MeterReadings]) -> None:
        if (after := self._after) is not None:
            self._after = None
            await asyncio.wait({after})  # its errors are its own
        while self._wanted:
            self._wanted = False
            try:
                await self.async_reconcile(readings())
            except Exception:
                _LOGGER.exception("Linky %s: importing statistics failed", self.prm)

    @property
    def busy(self) -> bool:
        """Whether a reconciliation is running or wanted."""
        return self._task is not None and not self._task.done()

    async def async_idle(self) -> None:
        """Return once no reconciliation is running or wanted."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    # -- what: the difference between the rows and what the recorder committed --------------

    async def async_reconcile(self, readings: MeterReadings) -> None:
        """Send the recorder what differs from the rows of ``readings``; wait for its commit."""
        await self._async_load()
        async with self._lock:
            if not self._verified:
                await self._async_verify()
            committed = {
                item.statistic_id: self._committed.get(item.statistic_id, SeriesState())
                for item in self.series
            }
            colours = self._colours(readings)
            inputs = (id(readings), readings.revision, frozenset(colours.items()))
            self.reconciliations += 1
            if self._in_step(inputs, committed):
                self.last_pass = ReconcilePass()
                return
            plans, values, seconds = await self.hass.async_add_executor_job(
                _timed_plan_all, _copy(readings), self.series, self.contracts, colours, committed
            )
            self.last_pass = ReconcilePass(seconds)
            self._computed = (readings, inputs, {key: plan.state for key, plan in plans.items()})
            changed = {
                key: plan for key, plan in plans.items() if plan.start is not None or plan.clear
            }
            if not changed:
                # What differs needs no row (a series with none yet): nothing to send or save.
                self._committed.update((key, plan.state) for key, plan in plans.items())
                return
            if cleared := [key for key, plan in changed.items() if plan.clear]:
                await self._async_clear(cleared)
            before, sent = self.rows_imported, 0
            for item in self.series:
                if (plan := changed.get(item.statistic_id)) and plan.start is not None:
                    self._submit(item, rows_from(values[item.statistic_id], plan.start))
                    sent += 1
            self.last_pass = ReconcilePass(seconds, sent, self.rows_imported - before)
            await self._async_committed()
            self._committed.update((key, plan.state) for key, plan in plans.items())
            self.imports += 1
            await self._async_save()

    def _in_step(self, inputs: Hashable, committed: Mapping[str, SeriesState]) -> bool:
        """Whether the rows of these inputs were computed last and the recorder has them."""
        if self._computed is None or self._computed[1] != inputs:
            return False
        return all(committed[key] == state for key, state in self._computed[2].items())

    async def _async_committed(self) -> None:
        """Wait until the recorder has run (and committed) every task queued so far."""
        await async_wait_committed(self.hass)

    def _submit(self, item: StatisticSeries, rows: list[RawRow]) -> None:
        _LOGGER.debug(
            "Importing %s rows of %s from %s",
            len(rows),
            item.statistic_id,
            datetime.fromtimestamp(rows[0][0], UTC) if rows else None,
        )
        async_add_external_statistics(
            self.hass, metadata(item), [_statistic(item, row) for row in rows]
        )
        self.rows_imported += len(rows)

    def _colours(self, readings: MeterReadings) -> dict[date, Colour]:
        """Return the final Tempo colours of the days held (read on the loop, for the rows).

        Empty when no series is coloured (`series`): no row changes with them.
        """
        if not any(item.coloured for item in self.series):
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

    async def async_rebuild(self, readings: MeterReadings) -> None:
        """Clear this entry's statistics and import them all again from the readings."""
        await self._async_load()
        async with self._lock:
            await self._async_clear(self.statistic_ids)
            self._verified = True
            await self._async_save()
        await self.async_reconcile(readings)

    async def _async_clear(self, statistic_ids: list[str]) -> None:
        """Remove statistics from the recorder (rows and metadata) and forget their state."""
        done = asyncio.Event()

        def cleared() -> None:  # in the recorder's thread
            self.hass.loop.call_soon_threadsafe(done.set)

        get_instance(self.hass).async_clear_statistics(statistic_ids, on_done=cleared)
        await done.wait()
        for statistic_id in statistic_ids:
            self._committed.pop(statistic_id, None)

    # -- what the recorder holds -------------------------------------------------------------

    async def _async_verify(self) -> None:
        """Check each series' last row in the recorder against the state saved for it.

        A series whose last row disagrees (or that has no state) gets the state of the rows the
        recorder really holds. States of series this entry no longer has are forgotten.
        """
        ids = self.statistic_ids
        recorder = get_instance(self.hass)
        last = await recorder.async_add_executor_job(_last_rows, self.hass, self.series)
        for item in self.series:
            statistic_id = item.statistic_id
            state = self._committed.get(statistic_id)
            if state is not None and _same_row(state.last, last.get(statistic_id)):
                continue
            if state is not None:
                _LOGGER.info("%s is out of step with what was imported: checking it", statistic_id)
            rows = await recorder.async_add_executor_job(_held_rows, self.hass, item)
            self._committed[statistic_id] = await self.hass.async_add_executor_job(
                series_state, rows, ""
            )
        self._committed = {key: self._committed[key] for key in ids}
        self._verified = True

    # -- persistence ------------------------------------------------------------------------

    async def _async_save(self) -> None:
        states = dict(self._committed)
        data = await self.hass.async_add_executor_job(
            lambda: {"series": {key: state.to_dict() for key, state in states.items()}}
        )
        await self._store.async_save(data)

    async def _async_load(self) -> None:
        async with self._load_lock:
            if self._loaded:
                return
            stored = await self._store.async_load() or {}
            self._committed = await self.hass.async_add_executor_job(
                _read_states, stored.get("series", {})
            )
            await self._async_translate_names()
            self._loaded = True


def _read_states(stored: Mapping[str, Any]) -> dict[str, SeriesState]:
    """Read the saved states; one that cannot be read is left out (the recorder is asked)."""
    states: dict[str, SeriesState] = {}
    for statistic_id, data in stored.items():
        try:
            states[statistic_id] = SeriesState.from_dict(data)
        except KeyError, TypeError, ValueError, AttributeError:
            _LOGGER.debug("Unreadable state of %s: asking the recorder", statistic_id)
    return states


def _same_row(expected: tuple[int, float] | None, held: tuple[int, float] | None) -> bool:
    if expected is None or held is None:
        return expected is held
    return expected[0] == held[0] and abs(expected[1] - held[1]) <= SUM_TOLERANCE


type Column = Literal["max", "state", "sum"]


def _columns(item: StatisticSeries) -> tuple[Column, Column]:
    """Return the recorder's columns of a series' two values (as `series` computes them)."""
    return ("max", "max") if item.kind == "power" else ("state", "sum")


def _last_rows(hass: HomeAssistant, series: list[StatisticSeries]) -> dict[str, tuple[int, float]]:
    """Return each statistic's last row in the recorder, as `SeriesState.last` has it.

    In the recorder's thread.
    """
    rows: dict[str, tuple[int, float]] = {}
    for item in series:
        column = _columns(item)[1]
        key = item.statistic_id
        if last := get_last_statistics(hass, 1, key, False, {column}).get(key):
            rows[key] = (int(last[0]["start"]), float(last[0].get(column) or 0.0))
    return rows


def _held_rows(hass: HomeAssistant, item: StatisticSeries) -> list[RawRow]:
    """Return every hourly row the recorder holds of a statistic (in the recorder's thread)."""
    key, (first, second) = item.statistic_id, _columns(item)
    held = statistics_during_period(hass, EPOCH, None, {key}, "hour", None, {first, second})
    return [
        (int(row["start"]), float(row.get(first) or 0.0), float(row.get(second) or 0.0))
        for row in held.get(key, [])
    ]
