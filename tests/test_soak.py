"""Soak: five months of a meter's life against the fake servers, with faults, users, restarts.

A frozen clock advances through the winter of 2026-2027, across both daylight-saving changes,
while the fake Conso API and the fake RTE server answer, at moments drawn from a seed, with the
failures the integration must survive (429 with and without ``nextAccessTime``, 500, an HTML
503, timeouts, truncated, cut and non-JSON bodies, dropped connections, an HTML 403 ban for a
day, a consent withdrawn; days published late, after the retry window, corrected; PT10M, PT30M
and PT60M days; a Tempo colour published late). A user adds the meter through the config flow,
enters the contract through the options flow a few minutes later and a second price period in
the middle, reloads after the ban's repair issue, gives a new token in the reauthentication,
and uses "fetch again" for a corrected day and for days that came too late.

Home Assistant restarts at random moments, once during the history backfill and twice during
an import (between the rows sent to the recorder and its commit). A restart is in-process: the
entry is unloaded (nothing of it may be left running), the delayed writes go through as at a
stop, the shared services (request budget, Tempo colours) are dropped and the entry is set up
again from the stores kept.

At the end every statistic (energy, per class, costs) equals a fresh import of the readings
and, hour by hour and month by month, the truth computed here from the simulated meter, the
colour calendar and the contract typed; no hour twice, no sum decreasing; at most 50 requests
to a host in any 12 hours and 5 in a second; nothing logged at error level; no token logged.

The harness: the clock waits while the recorder works (an import is real work); asyncio's debug
mode and the client's own real-time spacing of requests (0.25 s of spinning each, meaningless
under a frozen clock) are off, the request budget's limits are not. ``-s`` prints one summary
line per seed; ``LINKY_SOAK_SEED=5 scripts/py python -m pytest tests/test_soak.py -s`` replays
one (1, 4, 7... use a Tempo contract, 2, 5... HP/HC, 3, 6... Base); ``LINKY_SOAK_DUMP=file``
also writes every request and the journal there (inside the Python 3.14 root, for a relative
path: the repository). The plan is the seed's; where exactly a restart cuts a request depends
on real timing, so the request counts of two runs may differ by a few.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import sys
import threading
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed_exact,
)

from custom_components.linky.budget import DATA_BUDGETS, RequestBudget
from custom_components.linky.budget import LIMIT as BUDGET_LIMIT
from custom_components.linky.client import api_host
from custom_components.linky.const import DOMAIN
from custom_components.linky.series import statistic_id
from custom_components.linky.statistics_import import LinkyStatistics
from custom_components.linky.tempo_colours import DATA_TEMPO, TempoColours
from linky_simulator import PARIS, ConsoApiSimulator, TempoSimulator
from linky_simulator.registers import MeterTariff
from tests.backfill_helpers import let_run, quiet_sql, read_statistics
from tests.integration_helpers import no_backfill, prefilled
from tests.soak_helpers import (
    DAY,
    REAL_CLOCK,
    TEMPO_CLASSES,
    CorrectableMeter,
    Event,
    Option,
    Period,
    Plan,
    by_month,
    expected_statistics,
    format_ranges,
    make_plan,
    max_in_window,
)
from tests.statistics_helpers import day_curve, readings_with

PRM = "66666666666666"
FRESH_PRM = "67676767676767"
DEFAULT_SEEDS = (1, 2, 3)
REAL_TIME_LIMIT = 600.0
"""Seconds of real time one seed may take before the soak gives up (it takes far less)."""
BUSY_STEP = timedelta(milliseconds=250)
LONG_BUSY_STEP = timedelta(seconds=2)
BUSY_LIMIT = timedelta(hours=2)
"""Frozen time the entry may stay busy (a poll, a pass, an import) without pause."""
CONSO_500 = {
    "status": 500,
    "message": "The Enedis API returned an error",
    "error": {"error": "internal_server_error", "error_description": "Internal error"},
}
HTML_503 = "<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head></html>"
NOT_JSON = "<html><body>Maintenance en cours</body></html>"


def seeds() -> list[int]:
    """The seeds to run: ``LINKY_SOAK_SEED`` (one, to replay it) or the default three."""
    chosen = os.environ.get("LINKY_SOAK_SEED")
    return [int(chosen)] if chosen else list(DEFAULT_SEEDS)


def option_of(seed: int) -> Option:
    """The contract of a seed: Tempo, HP/HC and Base in turn (1: Tempo, 2: HP/HC, 3: Base)."""
    options: tuple[Option, ...] = ("base", "tempo", "hphc")
    return options[seed % 3]


@pytest.fixture(autouse=True)
def _quiet() -> None:
    quiet_sql()


def real_sleep(seconds: float) -> None:
    """Sleep in real time (the loop waits; the recorder and executor threads work)."""
    REAL_CLOCK["sleep"](seconds)


def _name(task: asyncio.Future[Any]) -> str:
    """A task's name (Home Assistant also tracks plain futures, which have none)."""
    return task.get_name() if isinstance(task, asyncio.Task) else ""


class LogRecords(logging.Handler):
    """Keeps the warnings and errors logged during the soak; sees every message of the
    integration (to check no token is ever in one)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.secrets: list[str] = []
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.records.append(record)
        if record.name.startswith("custom_components.linky") or record.levelno >= logging.WARNING:
            message = record.getMessage()
            if any(secret in message for secret in self.secrets):
                self.leaks.append(record.name)


@pytest.fixture
def log_records() -> Any:
    handler = LogRecords()
    root = logging.getLogger()
    linky = logging.getLogger("custom_components.linky")
    level = linky.level
    linky.setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    linky.setLevel(level)


@pytest.fixture
def sent() -> Iterator[dict[str, list[datetime]]]:
    """When the request budget let each request go, by host (the clock's time at that moment).

    Under a frozen clock the client's own real-time spacing of requests only burns real time
    (it spins until 0.25 real seconds passed): it is off, the budget's limits stay in force.
    """
    times: dict[str, list[datetime]] = {}
    original = RequestBudget.gate

    async def gate(budget: RequestBudget) -> None:
        await original(budget)
        times.setdefault(budget.host, []).append(dt_util.utcnow())

    with (
        patch.object(RequestBudget, "gate", gate),
        patch("custom_components.linky.api._transport.MIN_REQUEST_INTERVAL", 0),
    ):
        yield times


@pytest.fixture
async def simulators(
    socket_enabled: None,
) -> AsyncIterator[Callable[[ConsoApiSimulator | TempoSimulator], Coroutine[Any, Any, None]]]:
    started: list[ConsoApiSimulator | TempoSimulator] = []

    async def start(simulator: ConsoApiSimulator | TempoSimulator) -> None:
        await simulator.start()
        started.append(simulator)

    yield start
    for simulator in started:
        await simulator.stop()


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


class Soak:
    """Drives the frozen clock, applies the plan, plays the user, restarts Home Assistant."""

    def __init__(self, hass: HomeAssistant, freezer: FrozenDateTimeFactory, plan: Plan) -> None:
        self.hass = hass
        self.freezer = freezer
        self.plan = plan
        self.rng = random.Random(plan.seed * 7919)
        self.rte = TempoSimulator(seed=plan.seed, late_days=plan.tempo_late, max_per_second=None)
        off_peak = plan.off_peak if plan.option == "hphc" else ((22 * 60, 6 * 60),)
        self.meter = CorrectableMeter(
            PRM,
            seed=plan.seed,
            first_day=plan.first_day,
            interval_overrides=plan.intervals,
            late_days={**plan.late_days, **plan.lost_days},
            tariff=MeterTariff(
                option=plan.option,
                off_peak=tuple((time(s // 60, s % 60), time(e // 60, e % 60)) for s, e in off_peak),
                colour_of=self.rte.colour,
            ),
        )
        self.api = ConsoApiSimulator([self.meter], max_per_second=None)
        self.periods: list[Period] = []
        self.entry: ConfigEntry[Any] | None = None
        self.events = list(plan.events)
        self.actions: list[tuple[datetime, str, Callable[[], Coroutine[Any, Any, None]]]] = []
        self.action: asyncio.Task[None] | None = None
        self.action_name = ""
        self.done: Counter[str] = Counter()
        """What happened: events applied, user actions."""
        self.restarts: Counter[str] = Counter()
        """Home Assistant restarts, by moment."""
        self.restart_backfill_armed = True
        self.backfills: list[Any] = []
        self.contract_steps = self.plan_contract_steps()
        """The user's contract steps taken while the backfill runs, after so many requests."""
        self.import_restarts_armed = 0
        self.restart_wanted: str | None = None
        self.importers: list[LinkyStatistics] = []
        self.hold = asyncio.Event()
        self.ban_until: datetime | None = None
        self.reload_planned = False
        self.reauth_planned = False
        self.busy_since: datetime | None = None
        self.corrected: list[date] = []
        self.log_records = LogRecords()
        self.phases: dict[str, float] = {}
        self.sent: dict[str, list[datetime]] = {}
        self.journal: list[str] = []
        """What happened when (printed when the soak fails)."""
        self.real_start = REAL_CLOCK["perf"]()

    # ---- set-up -------------------------------------------------------------------------

    async def start(self, start_simulator: Callable[[Any], Coroutine[Any, Any, None]]) -> None:
        """The user adds the meter (config flow), then enters the contract a few minutes later."""
        self.freezer.move_to(self.plan.start)
        await start_simulator(self.api)
        await start_simulator(self.rte)
        token = self.api.make_token([PRM])
        self.log_records.secrets.append(token)
        flows = self.hass.config_entries.flow
        result: Any = await flows.async_init(DOMAIN, context={"source": "user"})
        flow_id = result["flow_id"]
        result = await flows.async_configure(flow_id, {"next_step_id": "conso"})
        advanced = {
            "base_url": self.api.base_url,
            "tempo_url": self.rte.base_url,
            "tempo_fallback_url": self.rte.couleur_url,
        }
        result = await flows.async_configure(flow_id, {"token": token, "advanced": advanced})
        assert result["step_id"] == "production", result
        offset = self.plan.poll_offset
        with patch("custom_components.linky.config_flow.random.randint", return_value=offset):
            result = await flows.async_configure(flow_id, {"production": False})
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        self.entry = result["result"]

    def plan_contract_steps(self) -> list[tuple[int, str, Callable[[], Coroutine[Any, Any, None]]]]:
        """While the history backfill runs: the contract, a switch to another option from the
        middle of the history, then an edit of that period (removed, added again elsewhere)."""
        subscription = round(self.rng.uniform(10, 25), 2)
        other: Option = {"base": "hphc", "hphc": "base", "tempo": "hphc"}[self.plan.option]  # type: ignore[assignment]
        first = self.plan.first_day
        switch = first + timedelta(days=self.rng.randint(3, 10))
        moved = switch + timedelta(days=self.rng.randint(1, 5))
        after = self.rng.randint(1, 2)

        async def edit() -> None:
            await self.remove_period(switch)
            await self.add_period(moved, 0.93, 21.0, other)

        return [
            (after, "contract", lambda: self.add_period(date(2025, 9, 1), 1.0, subscription)),
            (
                after + 2,
                "contract switch",
                lambda: self.add_period(switch, 1.0, subscription, other),
            ),
            (after + 4, "options edit", edit),
        ]

    def options(self) -> dict[str, Any]:
        return {
            "production": False,
            "tariffs": [],
            "contract": [period.options_form() for period in self.periods],
        }

    @property
    def loaded(self) -> bool:
        return self.entry is not None and self.entry.state is ConfigEntryState.LOADED

    # ---- the clock ------------------------------------------------------------------------

    async def run(self) -> None:
        """Run until the plan's end, then until the entry is idle."""
        while True:
            await let_run(self.hass, 2, 0.002)
            if REAL_CLOCK["perf"]() - self.real_start > REAL_TIME_LIMIT:
                raise AssertionError(f"the soak ran out of real time at {dt_util.utcnow()}")
            self.watch()
            self.apply_due()
            busy = self.busy()
            now = dt_util.utcnow()
            if not busy and now >= self.plan.end and not self.actions:
                return
            if self.recording():
                # The recorder works in real time: the clock waits for it (else an import of a
                # few seconds would last hours of the frozen clock).
                await asyncio.sleep(0)
                real_sleep(0.02)
                continue
            if busy:
                self.busy_since = self.busy_since or now
                if now - self.busy_since > BUSY_LIMIT:
                    raise AssertionError(f"busy since {self.busy_since}: {self.describe()}")
                long = now - self.busy_since > timedelta(seconds=20)
                self.freezer.tick(LONG_BUSY_STEP if long else BUSY_STEP)
            else:
                self.busy_since = None
                target = self.next_time()
                if target > now:
                    self.freezer.move_to(target + timedelta(seconds=1))
                else:
                    self.freezer.tick(BUSY_STEP)
            async_fire_time_changed_exact(self.hass)

    def recording(self) -> bool:
        """Whether the recorder has work queued or an import of the entry is under way."""
        if get_instance(self.hass).backlog:
            return True
        runtime = self.runtime()
        return runtime is not None and runtime.statistics.busy

    def runtime(self) -> Any:
        assert self.entry is not None
        return self.entry.runtime_data if self.loaded else None

    def tempo_services(self) -> list[TempoColours]:
        data = self.hass.data.get(DATA_TEMPO)
        return list(data.services.values()) if data is not None else []

    def busy(self) -> bool:
        """Whether something is under way (a poll, a pass, an import, a user, a colour)."""
        if self.action is not None and not self.action.done():
            return True
        if self.action is not None:
            self.action.result()  # raise what the user action met
            self.action = None
        assert self.entry is not None
        if self.entry.state in (
            ConfigEntryState.SETUP_IN_PROGRESS,
            ConfigEntryState.UNLOAD_IN_PROGRESS,
        ):
            return True
        if any(
            not task.done() and _name(task) == "linky tempo colours"
            for task in self.hass._background_tasks
        ):
            return True
        runtime = self.runtime()
        if runtime is None:
            return False
        now = dt_util.utcnow()
        poll = runtime.coordinator.next_poll
        backfill = runtime.backfill
        task = backfill._task
        running = task is not None and not task.done() and backfill.status.next_run is None
        others = any(not t.done() for t in self.entry._background_tasks if t is not task)
        return bool(
            running or others or runtime.statistics.busy or (poll is not None and poll <= now)
        )

    def next_time(self) -> datetime:
        """When something is due next: the entry, the colours, the plan, a user, the end."""
        times = [self.plan.end]
        runtime = self.runtime()
        if runtime is not None:
            times += [
                when
                for when in (runtime.coordinator.next_poll, runtime.backfill.status.next_run)
                if when is not None
            ]
        times += [s.next_refresh for s in self.tempo_services() if s.next_refresh is not None]
        if self.events:
            times.append(self.events[0].at)
        if self.actions and (self.action is None or self.action.done()):
            times.append(min(at for at, _, _ in self.actions))
        if self.ban_until is not None:
            times.append(self.ban_until)
        return min(times)

    def describe(self) -> str:
        runtime = self.runtime()
        tasks = []
        for task in [*self.hass._background_tasks, self.action]:
            if isinstance(task, asyncio.Task) and not task.done():
                tasks.append(asyncio.format_call_graph(task))
        frames = sys._current_frames()
        for thread in threading.enumerate():
            frame = frames.get(thread.ident or 0)
            if frame is not None and thread.name == "Recorder":
                tasks.append("Recorder thread:\n" + "".join(traceback.format_stack(frame)[-6:]))
        if runtime is None:
            return f"entry {self.entry.state if self.entry else None}, tasks {tasks}"
        return (
            f"action {self.action_name!r}, poll {runtime.coordinator.next_poll}, backfill "
            f"{runtime.backfill.status}, statistics busy {runtime.statistics.busy}, tasks {tasks}"
        )

    # ---- the plan -------------------------------------------------------------------------

    def apply_due(self) -> None:
        now = dt_util.utcnow()
        while self.events and self.events[0].at <= now:
            self.apply(self.events.pop(0))
        if self.ban_until is not None and now >= self.ban_until:
            self.api.unban()
            self.ban_until = None
            self.done["ban lifted"] += 1
        if self.restart_wanted is not None and (self.action is None or self.action.done()):
            reason, self.restart_wanted = self.restart_wanted, None
            self.start_action(f"restart {reason}", self.restart(reason))
            return
        if self.action is None or self.action.done():
            due = [item for item in self.actions if item[0] <= now]
            if due:
                item = min(due, key=lambda item: item[0])
                self.actions.remove(item)
                self.start_action(item[1], item[2]())

    def later(
        self, delay: timedelta, name: str, job: Callable[[], Coroutine[Any, Any, None]]
    ) -> None:
        self.actions.append((dt_util.utcnow() + delay, name, job))

    def start_action(self, name: str, job: Coroutine[Any, Any, None]) -> None:
        self.journal.append(f"{dt_util.utcnow():%Y-%m-%d %H:%M:%S} {name}")
        self.action_name = name
        self.action = asyncio.get_running_loop().create_task(job, name=f"soak {name}")

    def apply(self, event: Event) -> None:
        api, rte = self.api, self.rte
        self.done[event.kind] += 1
        self.journal.append(f"{dt_util.utcnow():%Y-%m-%d %H:%M:%S} {event.kind} {event.value}")
        match event.kind:
            case "429 until":
                api.rate_limit(dt_util.utcnow() + timedelta(minutes=event.value))
            case "429":
                api.rate_limit(None)
            case "500":
                api.fail_next(500, CONSO_500, times=event.value)
            case "503 html":
                api.fail_next(503, HTML_503, content_type="text/html")
            case "timeout":
                api.stall_next(90)
            case "truncated":
                api.break_next("truncated")
            case "cut json":
                api.break_next("invalid")
            case "not json":
                api.fail_next(200, NOT_JSON, content_type="text/html")
            case "dropped":
                api.break_next("drop")
            case "tempo 500":
                rte.fail_next(500, {"error": "internal"}, times=event.value)
            case "tempo timeout":
                rte.stall_next(90)
            case "tempo cut json":
                rte.break_next("invalid")
            case "ban":
                api.ban()
                self.ban_until = dt_util.utcnow() + DAY
            case "consent":
                api.withdraw_consent(PRM)
            case "restart":
                self.restart_wanted = "at a random moment"
            case "restart during import":
                self.import_restarts_armed += 1
            case "correction":
                self.correct(event)
            case "price period":
                today = dt_util.utcnow().astimezone(PARIS).date()
                start = today - timedelta(days=event.back)
                subscription = round(self.periods[0].subscription + 1.37, 2)
                self.later(
                    timedelta(0), "price period", lambda: self.add_period(start, 1.08, subscription)
                )

    def watch(self) -> None:
        """Play the user and arm the restarts that wait for a moment."""
        assert self.entry is not None
        runtime = self.runtime()
        if runtime is not None:
            statistics = runtime.statistics
            if all(statistics is not known for known in self.importers):
                self.importers.append(statistics)
                self.hook_import(statistics)
            status = runtime.backfill.status
            if all(runtime.backfill is not known for known in self.backfills):
                self.backfills.append(runtime.backfill)
            requests = sum(backfill.status.requests for backfill in self.backfills)
            if (
                self.contract_steps
                and requests >= self.contract_steps[0][0]
                and status.next_run is None  # a pass is running
                and not self.actions
                and (self.action is None or self.action.done())
            ):
                _, name, job = self.contract_steps.pop(0)
                self.done[f"{name} during the backfill"] += 1
                self.later(timedelta(0), name, job)
            if (
                self.restart_backfill_armed
                and status.next_run is None
                and status.requests >= self.plan.restart_after_backfill_requests
                and self.restart_wanted is None
            ):
                self.restart_backfill_armed = False
                self.restart_wanted = "during the backfill"
        flows = [
            flow
            for flow in self.hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if flow["context"]["source"] == "reauth"
        ]
        if flows and not self.reauth_planned:
            self.reauth_planned = True
            delay = timedelta(minutes=self.rng.randint(60, 30 * 60))
            self.later(delay, "reauthenticate", self.reauthenticate)
        issues = ir.async_get(self.hass)
        blocked = issues.async_get_issue(DOMAIN, f"access_blocked_{api_host(self.entry.data)}")
        if blocked is not None and not self.api.banned and not self.reload_planned:
            self.reload_planned = True
            delay = timedelta(minutes=self.rng.randint(30, 6 * 60))
            self.later(delay, "reload after the ban", self.reload_after_ban)

    def hook_import(self, statistics: LinkyStatistics) -> None:
        """Let a restart interrupt this importer between its import and the recorder's commit."""
        original = statistics._async_committed
        entry = self.entry
        assert entry is not None

        async def committed() -> None:
            task = asyncio.current_task()
            if self.import_restarts_armed and task in entry._background_tasks:
                self.import_restarts_armed -= 1
                self.restart_wanted = "during an import"
                await self.hold.wait()  # the restart cancels it
            await original()

        statistics._async_committed = committed  # type: ignore[method-assign]

    # ---- the user, Home Assistant ---------------------------------------------------------

    async def restart(self, reason: str) -> None:
        """Stop Home Assistant (the entry, delayed writes, shared services), start it again."""
        hass = self.hass
        assert self.entry is not None
        self.restarts[reason] += 1
        runtime = self.runtime()
        if self.entry.state is ConfigEntryState.LOADED:
            assert await hass.config_entries.async_unload(self.entry.entry_id)
            self.check_stopped(runtime)
        await self.wait(timedelta(seconds=5))  # the Stores' delayed writes, as at a stop
        for service in self.tempo_services():
            service.async_shutdown()
        for task in list(hass._background_tasks):
            if _name(task) == "linky tempo colours":
                task.cancel()
        hass.data.pop(DATA_TEMPO, None)
        hass.data.pop(DATA_BUDGETS, None)
        await self.wait(timedelta(seconds=self.rng.randint(10, 120)))
        assert await hass.config_entries.async_setup(self.entry.entry_id)

    def check_stopped(self, runtime: Any) -> None:
        """Nothing of the unloaded entry is left running or scheduled."""
        assert self.entry is not None
        left = [t for t in self.entry._background_tasks if not t.done()]
        assert not left, left
        if runtime is None:
            return
        coordinator, backfill = runtime.coordinator, runtime.backfill
        assert coordinator._unsub_poll is None
        assert coordinator._unsub_midnight is None
        assert backfill._unsub_timer is None
        assert backfill._task is None or backfill._task.done()
        self.done["unloads checked"] += 1

    async def wait(self, delay: timedelta) -> None:
        """Wait for the frozen clock (which the run advances) to move on by ``delay``."""
        until = dt_util.utcnow() + delay
        while dt_util.utcnow() < until:  # noqa: ASYNC110 - the clock is the run's, not an event
            await asyncio.sleep(0.01)

    async def reload_after_ban(self) -> None:
        """The user read the repair issue and reloads the entry (the ban is over).

        Reloaded again a day later if the issue is still there (the poll met a new fault).
        """
        assert self.entry is not None
        self.done["user reload"] += 1
        assert await self.hass.config_entries.async_reload(self.entry.entry_id)
        self.later(DAY, "check the ban issue", self.ban_issue_gone)

    async def ban_issue_gone(self) -> None:
        """The user looks at the repair issues again (and may reload once more)."""
        self.reload_planned = False

    async def reauthenticate(self) -> None:
        """The user gives a new consent and pastes the new token in the reauthentication."""
        flows = [
            flow
            for flow in self.hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if flow["context"]["source"] == "reauth"
        ]
        self.reauth_planned = False
        if not flows:
            return
        token = self.api.make_token([PRM])
        self.log_records.secrets.append(token)
        result = await self.hass.config_entries.flow.async_configure(
            flows[0]["flow_id"], {"token": token}
        )
        if result["type"] is FlowResultType.ABORT:
            assert result["reason"] == "reauth_successful"
            self.done["user reauthentication"] += 1
        else:
            self.done["reauthentication refused (retried)"] += 1  # a fault met the check

    def correct(self, event: Event) -> None:
        """Enedis corrects a past day; the user asks for it again a few hours later."""
        today = dt_util.utcnow().astimezone(PARIS).date()
        day = today - timedelta(days=event.back)
        quirks = {*self.plan.late_days, *self.plan.lost_days}
        while day in quirks or day < self.plan.first_day:
            day += DAY
        self.meter.correct(day, event.value)
        self.corrected.append(day)
        delay = timedelta(minutes=self.rng.randint(30, 20 * 60))
        self.later(delay, f"fetch {day} again", lambda: self.fetch_again(day))

    async def fetch_again(self, day: date, tries: int = 0) -> None:
        """The "fetch again" action for a day; retried later when refused (budget, fault)."""
        assert self.entry is not None
        try:
            await self.hass.services.async_call(
                DOMAIN,
                "fetch_range",
                {"config_entry_id": self.entry.entry_id, "start": day, "end": day},
                blocking=True,
                return_response=True,
            )
        except HomeAssistantError:
            assert tries < 30, f"fetching {day} again kept failing"
            self.done["fetch again refused (retried)"] += 1
            self.later(
                timedelta(hours=1), f"fetch {day} again", lambda: self.fetch_again(day, tries + 1)
            )
            return
        self.done["user fetch again"] += 1

    async def remove_period(self, start: date) -> None:
        """The user removes a contract period through the options flow (the entry reloads)."""
        assert self.entry is not None
        options = self.hass.config_entries.options
        result: Any = await options.async_init(self.entry.entry_id)
        flow_id = result["flow_id"]
        result = await options.async_configure(flow_id, {"next_step_id": "remove_contract"})
        result = await options.async_configure(flow_id, {"periods": [start.isoformat()]})
        assert result["type"] is FlowResultType.MENU, result
        result = await options.async_configure(flow_id, {"next_step_id": "save"})
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        self.periods = [period for period in self.periods if period.start != start]
        assert self.entry.options["contract"] == self.options()["contract"]
        self.done["user contract period removed"] += 1

    async def add_period(
        self, start: date, factor: float, subscription: float, option: Option | None = None
    ) -> None:
        """The user adds a contract period through the options flow (the entry reloads).

        The prices are the form's (the regulated ones on that date) times ``factor``; the
        option is the meter's unless given.
        """
        option = option or self.plan.option
        assert self.entry is not None
        options = self.hass.config_entries.options
        result: Any = await options.async_init(self.entry.entry_id)
        flow_id = result["flow_id"]
        result = await options.async_configure(flow_id, {"next_step_id": "add_contract"})
        first = {"start": start.isoformat(), "option": option}
        result = await options.async_configure(flow_id, {**prefilled(result), **first})
        result = await options.async_configure(flow_id, {"pricing": "typed"})
        assert result["type"] is FlowResultType.FORM, result
        shown = prefilled(result)
        names = {"base": ("base",), "hphc": ("hp", "hc"), "tempo": TEMPO_CLASSES}
        prices = {
            name: round(float(str(shown[name]).replace(",", ".")) * factor, 4)
            for name in names[option]
        }
        form: dict[str, Any] = {
            **shown,
            **{name: str(price) for name, price in prices.items()},
            "subscription": str(subscription),
        }
        off_peak = self.plan.off_peak if option == "hphc" else ()
        if off_peak:
            form["off_peak_hours"] = format_ranges(off_peak)
        result = await options.async_configure(flow_id, form)
        assert result["type"] is FlowResultType.MENU, result
        result = await options.async_configure(flow_id, {"next_step_id": "save"})
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        self.periods.append(Period(start, option, prices, subscription, off_peak))
        assert self.entry.options["contract"] == self.options()["contract"]
        self.done["user contract period"] += 1

    # ---- the end ----------------------------------------------------------------------------

    async def finish(self) -> None:
        """Fetch the days that came too late, check everything, unload, say what happened."""
        runtime = self.runtime()
        assert runtime is not None, self.describe()
        readings = runtime.coordinator.readings
        for day in sorted(self.plan.lost_days):
            # Published after the retry window: a hole, never a guess, until asked again.
            assert not readings.has("consumption_curve", day), day
            assert not readings.has("consumption_daily", day), day
            self.later(timedelta(0), f"fetch {day}", lambda day=day: self.fetch_again(day))
        await self.run()
        self.phases["run"] = REAL_CLOCK["perf"]() - self.real_start
        await check_statistics(self)
        self.phases["checks"] = REAL_CLOCK["perf"]() - self.real_start
        check_requests(self)
        check_logs(self)
        check_scenario(self)
        runtime = self.runtime()
        services = self.tempo_services()
        assert self.entry is not None
        assert await self.hass.config_entries.async_unload(self.entry.entry_id)
        self.check_stopped(runtime)
        await let_run(self.hass)
        left = [
            _name(task)
            for task in self.hass._background_tasks
            if not task.done() and "linky" in _name(task).lower()
        ]
        assert not left, left
        awake = [service.url for service in services if service.next_refresh]
        assert not awake, f"Tempo colours still asked for with no entry loaded: {awake}"

    def dump(self, path: str) -> None:
        """Write every Conso API request (time, type, range, status), then the journal."""
        with open(path, "w", encoding="utf-8") as out:
            for r in self.api.requests:
                print(r.time.isoformat(), r.type, r.start, r.end, r.status, file=out)
            print("\n".join(self.journal), file=out)

    def summary(self) -> str:
        """One line: the soak's figures (printed with ``-s``, and when it fails)."""
        plan = self.plan
        data = [r for r in self.api.requests if r.type not in ("token", "revoke")]
        sent = max((max_in_window(t, timedelta(seconds=1)) for t in self.sent.values()), default=0)
        answers = Counter(str(r.status) for r in self.api.requests)
        faults = {
            **self.api.served_faults,
            **{f"rte {k}": v for k, v in self.rte.served_faults.items()},
        }
        users = {k.removeprefix("user "): v for k, v in self.done.items() if k.startswith("user ")}
        return (
            f"soak seed={plan.seed} contract={plan.option} "
            f"days={(plan.end - plan.start).days} "
            f"history={(plan.start.date() - plan.first_day).days}d "
            f"requests: conso={len(data)} rte={len(self.rte.requests)} "
            f"max/12h={max_in_window([r.time for r in data], timedelta(hours=12))} max/s={sent} "
            f"answers={dict(sorted(answers.items()))} "
            f"faults served={dict(sorted(faults.items()))} "
            f"planned={dict(sorted(plan.counts().items()))} "
            f"restarts={sum(self.restarts.values())} {dict(self.restarts)} users={users} "
            f"statistics: {len(self.importers)} importers, "
            f"{sum(i.imports for i in self.importers)} imports, "
            f"{sum(i.rows_imported for i in self.importers)} rows, "
            f"{self.done['hours checked']} hours checked "
            f"real={REAL_CLOCK['perf']() - self.real_start:.0f}s "
            f"({', '.join(f'{k} {v:.0f}s' for k, v in self.phases.items())})"
        )


async def check_statistics(soak: Soak) -> None:
    """The readings, the colours and every statistic against the truth and a fresh import."""
    hass, plan, meter = soak.hass, soak.plan, soak.meter
    runtime = soak.runtime()
    readings = runtime.coordinator.readings
    last = plan.end.astimezone(PARIS).date() - DAY
    days = [plan.first_day + timedelta(days=n) for n in range((last - plan.first_day).days + 1)]
    # Every day the meter published is held, complete, with its (corrected) values.
    held = sorted(
        d for d in readings.curve["consumption"] if readings.curve_is_complete("consumption", d)
    )
    assert held == days, sorted(set(days) ^ set(held))
    for day in days:
        assert readings.daily["consumption"].get(day) == meter.daily_wh("consumption", day), day
    colour = soak.rte.colour
    if plan.option == "tempo":
        (service,) = soak.tempo_services()
        for day in [days[0] - DAY, *days]:
            assert service.colour_of(day) == colour(day), day
    expected = expected_statistics(meter, days, soak.periods, colour)
    ids = {statistic_id(PRM, suffix) for suffix in expected.series}
    # The regulated comparison and the maximum power have tests of their own.
    own = {key for key in runtime.statistics.statistic_ids if "_cost_if_" in key}
    own.add(statistic_id(PRM, "max_power"))
    assert set(runtime.statistics.statistic_ids) - own == ids
    fresh_entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=FRESH_PRM,
        title=FRESH_PRM,
        data={**soak.entry.data, "prm": FRESH_PRM},
        options=soak.options(),
    )
    fresh_entry.add_to_hass(hass)
    fresh = LinkyStatistics(hass, fresh_entry, runtime.statistics.colour_of)
    await fresh.async_reconcile(readings)
    soak.phases["fresh import"] = REAL_CLOCK["perf"]() - soak.real_start
    for suffix, truth in expected.series.items():
        rows = await read_statistics(hass, statistic_id(PRM, suffix))
        starts = [start for start, _, _ in rows]
        assert len(starts) == len(set(starts)), f"{suffix}: an hour twice"
        assert starts == sorted(truth), f"{suffix}: hours {sorted(set(starts) ^ set(truth))[:5]}"
        total = 0.0
        previous = 0.0
        unit = 0.0005 if "cost" not in suffix else 0.005  # half a Wh, half a cent
        for start, state, running in rows:
            assert abs(state - truth[start]) < min(unit, 1e-6), (suffix, start, state, truth[start])
            total += state
            assert running >= previous - 1e-9, f"{suffix}: the sum decreases at {start}"
            assert abs(running - total) < 1e-6, (suffix, start)
            previous = running
        assert abs(rows[-1][2] - sum(truth.values())) < unit, suffix
        if suffix in {"consumption", "consumption_cost"}:
            actual = by_month({start: state for start, state, _ in rows})
            for month, value in by_month(truth).items():
                assert abs(actual[month] - value) < unit, (suffix, month, actual[month], value)
        fresh_rows = await read_statistics(hass, statistic_id(FRESH_PRM, suffix))
        assert [(s, round(v, 9), round(t, 9)) for s, v, t in rows] == [
            (s, round(v, 9), round(t, 9)) for s, v, t in fresh_rows
        ], f"{suffix} differs from a fresh import"
    soak.done["hours checked"] = len(expected.series["consumption"])


def check_requests(soak: Soak) -> None:
    """At most 50 requests to a host in any 12 hours, never more than 5 in a second.

    Counted as the fake servers received them and, for the second, as the budget let them go
    (a frozen clock that moves on while a request travels would spread or bunch arrivals).
    """
    (conso,) = (times for host, times in soak.sent.items() if host.endswith(f":{soak.api.port}"))
    # aiohttp sends a request again, once, when a kept-alive connection drops: not counted.
    resent = len(soak.api.requests) - len(conso)
    assert 0 <= resent <= soak.api.served_faults["break drop"]
    for name, times in (
        ("conso", [r.time for r in soak.api.requests]),
        ("rte", [r.time for r in soak.rte.requests]),
        ("conso, sent", conso),
    ):
        assert max_in_window(times, timedelta(hours=12)) <= BUDGET_LIMIT, name
        if name != "conso":
            assert max_in_window(times, timedelta(seconds=1)) <= 5, name


def check_scenario(soak: Soak) -> None:
    """What the plan meant to happen did: each quirk met, each user step taken."""
    plan, done = soak.plan, soak.done
    for day, published in plan.late_days.items():
        # Asked (and not served) before it was published, then held (check_statistics).
        assert any(
            r.start is not None
            and r.end is not None
            and date.fromisoformat(r.start) <= day < date.fromisoformat(r.end)
            and r.time < published
            for r in soak.api.requests
        ), f"the late day {day} was never asked before it came out"
    assert soak.corrected, "no day was corrected"
    assert done["user fetch again"] >= len(soak.corrected) + len(plan.lost_days)
    assert done["user contract period"] == 4  # the contract, a switch, an edit, a new price
    assert done["user contract period removed"] == 1
    for step in ("contract", "contract switch", "options edit"):
        assert done[f"{step} during the backfill"] == 1, step
    assert done["user reauthentication"] == 1
    assert done["user reload"] >= 1  # after the ban
    assert soak.restarts["during the backfill"] == 1
    assert soak.restarts["during an import"] >= 1
    served = soak.api.served_faults
    assert served["throttle"], served  # a 429 without nextAccessTime was met
    assert served["throttle until"], served  # and one with it


def check_logs(soak: Soak) -> None:
    """Nothing at error level (every fault is handled; a ban is a warning and a repair issue),
    no token in any message."""
    errors = [r.getMessage() for r in soak.log_records.records if r.levelno >= logging.ERROR]
    assert not errors, errors
    if soak.done["ban"]:
        assert any("has blocked requests" in r.getMessage() for r in soak.log_records.records)
    assert not soak.log_records.leaks, f"a token was logged by {soak.log_records.leaks}"


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", seeds())
async def test_soak(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    simulators: Callable[[Any], Coroutine[Any, Any, None]],
    log_records: LogRecords,
    sent: dict[str, list[datetime]],
    seed: int,
) -> None:
    # Months of events: asyncio's debug mode (a traceback kept for every callback) would
    # double the run, and its slow-callback warnings only measure the frozen clock's jumps.
    asyncio.get_running_loop().set_debug(False)
    plan = make_plan(seed, option_of(seed))
    soak = Soak(hass, freezer, plan)
    soak.log_records = log_records
    soak.sent = sent
    try:
        await soak.start(simulators)
        await soak.run()
        await soak.finish()
        print(soak.summary())
        if dump := os.environ.get("LINKY_SOAK_DUMP"):
            soak.dump(dump)
    except BaseException as err:
        print(soak.summary())
        print("\n".join(soak.journal[-40:]))
        raise AssertionError(
            f"soak seed {seed} failed at {dt_util.utcnow().isoformat()} (replay it: "
            f"LINKY_SOAK_SEED={seed} scripts/py python -m pytest tests/test_soak.py -s): {err!r}"
        ) from err


# --------------------------------------------------------------------------------------------
# What the soak found, each on its own
# --------------------------------------------------------------------------------------------

HPHC = [
    {
        "start": "2026-01-01",
        "option": "hphc",
        "subscription": 12.0,
        "prices": {"hp": 0.2, "hc": 0.15},
        "off_peak_hours": "22:00-06:00",
    }
]


def hphc_entry(hass: HomeAssistant) -> MockConfigEntry:
    """An entry with an HP/HC contract (for an importer on its own)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=PRM,
        data={"prm": PRM, "source": "conso", "token": "x"},
        options={"production": False, "tariffs": [], "contract": HPHC},
    )
    entry.add_to_hass(hass)
    return entry


async def test_registers_reimport_only_the_days_they_split(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    """New registers change the split of the days counted from their daily value only.

    The weekly registers once re-imported a week of every statistic (14 for Tempo) for nothing.
    """
    statistics = LinkyStatistics(hass, hphc_entry(hass))
    first = date(2026, 11, 2)
    readings = readings_with(
        curves={first + timedelta(days=n): day_curve(first + timedelta(days=n)) for n in range(7)}
    )
    await statistics.async_reconcile(readings)
    imported = statistics.rows_imported

    registers = {
        first + timedelta(days=n): {"supplier:HP": 1000 * n, "supplier:HC": 500 * n}
        for n in range(8)
    }
    changed = readings.merge_registers(registers)
    assert changed is not None
    await statistics.async_reconcile(readings)
    assert statistics.rows_imported == imported  # every day has its whole curve

    daily = first + timedelta(days=7)
    readings.merge_daily("consumption", {daily: 9000})
    await statistics.async_reconcile(readings)
    imported = statistics.rows_imported
    readings.merge_registers({daily + DAY: {"supplier:HP": 9000, "supplier:HC": 4000}})
    await statistics.async_reconcile(readings)
    assert statistics.rows_imported > imported  # the daily day's split changed
    hp = await read_statistics(hass, statistic_id(PRM, "consumption_hp"))
    # Split as the meter's own registers did that day: 2000 Wh peak, 500 off-peak.
    assert hp[-1][1] == pytest.approx(9000 * 2000 / 2500 / 1000)


async def test_tempo_colours_stop_with_the_last_entry(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    simulators: Callable[[Any], Coroutine[Any, Any, None]],
    sent: dict[str, list[datetime]],
) -> None:
    """Unloaded, the last Tempo entry leaves nothing asking RTE; set up again, it resumes."""
    plan = make_plan(1, "tempo")
    soak = Soak(hass, freezer, plan)
    with no_backfill():
        await soak.start(simulators)
        await hass.async_block_till_done(wait_background_tasks=True)
        await soak.add_period(date(2025, 9, 1), 1.0, 15.0)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert soak.entry is not None
    (service,) = soak.tempo_services()
    assert service.next_refresh is not None
    seasons = [r.start for r in soak.rte.requests if r.type == "tempo"]
    assert seasons

    assert await hass.config_entries.async_unload(soak.entry.entry_id)
    assert service.next_refresh is None
    assert service.stopped  # kept, with its colours, for the next entry
    asked = len(soak.rte.requests)
    for hours in (3, 30):
        freezer.tick(timedelta(hours=hours))
        async_fire_time_changed_exact(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert len(soak.rte.requests) == asked

    with no_backfill():
        assert await hass.config_entries.async_setup(soak.entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    (again,) = soak.tempo_services()
    assert again is service
    assert not again.stopped
    assert again.next_refresh is not None
    assert again.colour_of(plan.start.date() - DAY) == soak.rte.colour(plan.start.date() - DAY)
    assert [r.start for r in soak.rte.requests if r.type == "tempo"][len(seasons) :] == []
    assert await hass.config_entries.async_unload(soak.entry.entry_id)
