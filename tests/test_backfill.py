"""History backfill: the pure planner, and the runner against the fake Conso API."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from custom_components.linky.api import (
    AccessBlockedError,
    AccessDeniedError,
    AuthenticationError,
    BadRequestError,
    LinkyConnectionError,
    RateLimitError,
    ServerError,
    UpstreamError,
)
from custom_components.linky.backfill import HistoryBackfill, PassResult
from custom_components.linky.backfill_plan import (
    LimitSearch,
    PlannedRequest,
    cover,
    history_start,
    plan,
    should_retry,
    split_range,
    wanted_days,
)
from custom_components.linky.budget import BudgetExhausted, Priority
from custom_components.linky.paris import months_before
from custom_components.linky.readings import MeterReadings
from linky_simulator import ConsoApiSimulator, EnedisSimulator, MeterTariff, SimulatedMeter
from tests.backfill_helpers import drive, max_in_window, quiet_sql
from tests.const import NOW, TODAY
from tests.integration_helpers import conso_entry, enedis_entry, fake_statistics


@pytest.fixture(autouse=True)
def _quiet_sql() -> None:
    quiet_sql()


CURVE_KINDS = ("consumption_daily", "consumption_curve")


def test_months_before() -> None:
    assert months_before(date(2026, 11, 23), 36) == date(2023, 11, 23)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)
    assert history_start("consumption_curve", TODAY) == date(2024, 11, 23)
    assert history_start("production_daily", TODAY) == date(2023, 11, 23)


def test_full_plan_on_first_setup() -> None:
    requests = plan(MeterReadings(), TODAY, CURVE_KINDS)
    daily = [r for r in requests if r.kind == "consumption_daily"]
    curve = [r for r in requests if r.kind == "consumption_curve"]
    # Daily first: 2023-11-23 .. 2026-11-21 (yesterday is the daily update's): 3 x 365 days.
    assert requests[: len(daily)] == daily
    assert daily[0] == PlannedRequest(date(2026, 11, 22), date(2025, 11, 22), "consumption_daily")
    assert [(r.end - r.start).days for r in daily] == [365, 365, 365]
    assert daily[-1].start == date(2023, 11, 23)
    # Load curve: 729 days, most recent first, 7 days a request.
    assert len(curve) == 105
    assert curve[0] == PlannedRequest(date(2026, 11, 22), date(2026, 11, 15), "consumption_curve")
    assert all((r.end - r.start).days <= 7 for r in curve)
    assert curve[-1].start == date(2024, 11, 23)
    assert [r.end for r in curve] == sorted((r.end for r in curve), reverse=True)


def test_plan_interleaves_directions_and_skips_held() -> None:
    readings = MeterReadings()
    readings.merge_daily("consumption", {TODAY - timedelta(days=n): 1 for n in range(2, 400)})
    kinds = ("consumption_daily", "production_daily", "consumption_curve", "production_curve")
    requests = plan(readings, TODAY, kinds)
    daily = [r for r in requests if r.kind == "consumption_daily"]
    assert daily[0].end == TODAY - timedelta(days=399)
    curves = [r for r in requests if r.kind.endswith("curve")]
    assert [r.kind for r in curves[:4]] == [
        "consumption_curve",
        "production_curve",
        "consumption_curve",
        "production_curve",
    ]
    assert plan(readings, TODAY, ()) == []


def test_cover_merges_gaps_within_a_request() -> None:
    days = [date(2026, 1, 10), date(2026, 1, 8), date(2026, 1, 2), date(2025, 12, 1)]
    assert cover("consumption_curve", days) == [
        PlannedRequest(date(2026, 1, 11), date(2026, 1, 8), "consumption_curve"),
        PlannedRequest(date(2026, 1, 3), date(2026, 1, 2), "consumption_curve"),
        PlannedRequest(date(2025, 12, 2), date(2025, 12, 1), "consumption_curve"),
    ]
    assert cover("consumption_daily", days) == [
        PlannedRequest(date(2026, 1, 11), date(2025, 12, 1), "consumption_daily")
    ]
    assert split_range("consumption_curve", date(2026, 1, 1), date(2026, 1, 16)) == [
        PlannedRequest(date(2026, 1, 16), date(2026, 1, 9), "consumption_curve"),
        PlannedRequest(date(2026, 1, 9), date(2026, 1, 2), "consumption_curve"),
        PlannedRequest(date(2026, 1, 2), date(2026, 1, 1), "consumption_curve"),
    ]
    assert PlannedRequest(date(2026, 1, 3), date(2026, 1, 1), "max_power").days == [
        date(2026, 1, 1),
        date(2026, 1, 2),
    ]


def test_missing_days_retried_for_a_bounded_time() -> None:
    readings = MeterReadings()
    kind = "consumption_daily"
    late = TODAY - timedelta(days=3)
    hole = TODAY - timedelta(days=200)
    readings.merge_daily("consumption", {TODAY - timedelta(days=n): 1 for n in range(4, 10)})
    readings.mark_missing(kind, [late], TODAY - timedelta(days=2))
    readings.mark_missing(kind, [hole], TODAY - timedelta(days=2))
    assert should_retry(readings, kind, late, TODAY)
    assert not should_retry(readings, kind, late, TODAY - timedelta(days=2))  # asked today
    assert not should_retry(readings, kind, late, TODAY + timedelta(days=13))  # too long
    assert not should_retry(readings, kind, hole, TODAY)  # an old hole
    # No data around it (e.g. a curve never collected): not retried.
    readings.mark_missing("consumption_curve", [late], TODAY - timedelta(days=2))
    assert not should_retry(readings, "consumption_curve", late, TODAY)
    wanted = wanted_days(readings, kind, TODAY)
    assert late in wanted
    assert hole not in wanted
    floor = TODAY - timedelta(days=5)
    assert wanted_days(readings, kind, TODAY, floor=floor) == [TODAY - timedelta(days=2), late]
    assert wanted_days(readings, kind, TODAY, floor=floor, skip={late}) == [
        TODAY - timedelta(days=2)
    ]


def test_limit_search() -> None:
    search = LimitSearch(date(2025, 1, 1), date(2026, 1, 1))
    assert search.probe == date(2025, 7, 2)
    assert not search.done
    search.bad = date(2025, 12, 31)
    assert search.done


async def _setup(hass: HomeAssistant, api: ConsoApiSimulator, prm: str) -> HistoryBackfill:
    entry = conso_entry(hass, api, prm=prm, poll_offset=0, title=prm)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    backfill: HistoryBackfill = entry.runtime_data.backfill
    return backfill


@pytest.mark.parametrize("hourly_collection", [False])
async def test_curve_never_collected_stops_after_two_ranges(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: object,
    hourly_collection: bool,
) -> None:
    freezer.move_to(NOW)
    meter = SimulatedMeter(
        "55555555555555", seed=5, first_day=date(2021, 1, 1), hourly_collection=hourly_collection
    )
    api: ConsoApiSimulator = await conso_api_factory([meter])  # type: ignore[operator]
    backfill = await _setup(hass, api, meter.prm)
    await drive(hass, freezer, lambda: backfill.status.last_result is PassResult.COMPLETE)
    curve_requests = [r for r in api.requests if "courbe" in r.type or "curve" in r.type]
    # Daily poll (1) + two backfill ranges, then the kind is done, for good.
    assert len(curve_requests) == 3
    assert "consumption_curve" in backfill.status.done_kinds
    daily = backfill.coordinator.readings.daily["consumption"]
    assert min(daily) == date(2023, 11, 23)
    assert plan(backfill.coordinator.readings, TODAY, backfill.kinds) == []


async def test_activation_date_found_by_halves(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: object,
) -> None:
    freezer.move_to(NOW)
    first = date(2026, 6, 17)
    meter = SimulatedMeter("66666666666666", seed=6, first_day=first)
    api: ConsoApiSimulator = await conso_api_factory([meter])  # type: ignore[operator]
    backfill = await _setup(hass, api, meter.prm)
    await drive(
        hass,
        freezer,
        lambda: backfill.status.last_result is PassResult.COMPLETE,
        jump_when_idle=lambda: backfill.status.next_run,
    )
    readings = backfill.coordinator.readings
    assert min(readings.daily["consumption"]) == first
    assert min(readings.curve["consumption"]) == first
    refused = [r for r in api.requests if r.status == 400]
    assert 0 < len(refused) <= 12  # a binary search, not a day-by-day walk
    # Found for the daily values, the activation is the load curve's start too: not searched.
    assert {r.type for r in refused} == {"consommation_quotidienne"}
    assert min(r.start for r in api.requests if r.type.startswith("courbe")) == first.isoformat()
    assert max_in_window([r.time for r in api.requests]) <= 50


async def test_service_failing_on_its_side_pauses_without_missing_days(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: object,
) -> None:
    """Enedis refuses the Conso API's own token: the backfill pauses, marks no day missing,
    starts no reauthentication, and completes once the service works again."""
    freezer.move_to(NOW)
    meter = SimulatedMeter("77777777777777", seed=7, first_day=date(2026, 9, 1))
    api: ConsoApiSimulator = await conso_api_factory([meter])  # type: ignore[operator]
    api.enedis_token_refused = True
    backfill = await _setup(hass, api, meter.prm)
    coordinator = backfill.coordinator
    await drive(hass, freezer, lambda: backfill.status.last_result is not None)
    assert backfill.status.last_result is PassResult.ERROR
    assert coordinator.stopped is None
    assert hass.config_entries.flow.async_progress_by_handler("linky") == []
    assert not any(coordinator.readings.missing.values())
    assert backfill.status.next_run is not None
    assert api.count(status=200) == 0
    api.enedis_token_refused = False
    await drive(
        hass,
        freezer,
        lambda: backfill.status.last_result is PassResult.COMPLETE,
        jump_when_idle=lambda: backfill.status.next_run,
    )
    assert min(coordinator.readings.daily["consumption"]) == date(2026, 9, 1)
    assert coordinator.upstream.since is None


@pytest.mark.parametrize(("code", "shared"), [("ADAM-ERR0123", True), ("ADAM-ERR0125", False)])
async def test_only_the_activation_is_every_kinds_start(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, code: str, shared: bool
) -> None:
    """The meter's activation found for the daily values starts the load curve too (no
    search, the older days held as missing); a limit of one kind's kept history does not."""
    freezer.move_to(NOW)
    coordinator = _StubCoordinator(hass, [])
    backfill = HistoryBackfill(coordinator)  # type: ignore[arg-type]
    first = TODAY - timedelta(days=40)
    refused = PlannedRequest(
        TODAY - timedelta(days=2), TODAY - timedelta(days=367), "consumption_daily"
    )
    backfill._history_limit("consumption_daily", refused, TODAY, code == "ADAM-ERR0123")
    search = backfill._searches["consumption_daily"]
    search.bad, search.good = first - timedelta(days=1), first  # what the probes answered
    backfill._finish_search("consumption_daily", search, TODAY)

    curve = plan(coordinator.readings, TODAY, backfill.kinds, backfill._floors_now())
    starts = [request.start for request in curve if request.kind == "consumption_curve"]
    assert min(starts) == (first if shared else history_start("consumption_curve", TODAY))
    before = coordinator.readings.missing["consumption_curve"]
    assert (first - timedelta(days=1) in before) is shared
    assert backfill.status.done_kinds == {"consumption_daily"}


@pytest.mark.parametrize("server", ["conso without 2026 types", "enedis metering_data"])
async def test_a_server_without_registers_is_asked_for_them_once(  # noqa: PLR0917
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer: FrozenDateTimeFactory,
    conso_api_factory: object,
    enedis_api_factory: object,
    server: str,
) -> None:
    """A contract with classes asks for the meter's registers: a server that has none says so
    at the first request, and neither the poll nor the history asks again."""
    freezer.move_to(NOW)
    meter = SimulatedMeter(
        "77777777777777", seed=7, first_day=date(2021, 1, 1), tariff=MeterTariff("hphc")
    )
    api: ConsoApiSimulator | EnedisSimulator
    if server.startswith("conso"):
        api = await conso_api_factory([meter], serve_new_types=False)  # type: ignore[operator]
        entry = conso_entry(hass, api, prm=meter.prm, poll_offset=0)
    else:
        api = await enedis_api_factory([meter], family="metering_data")  # type: ignore[operator]
        entry = enedis_entry(hass, api, prm=meter.prm, poll_offset=0)
    contract = {"start": "2021-01-01", "option": "hphc", "prices": {"hp": 0.2, "hc": 0.15}}
    hass.config_entries.async_update_entry(
        entry,
        options={**entry.options, "contract": [{**contract, "off_peak_hours": "22:00-06:00"}]},
    )
    with fake_statistics():
        assert await hass.config_entries.async_setup(entry.entry_id)
        backfill: HistoryBackfill = entry.runtime_data.backfill
        await drive(hass, freezer, lambda: backfill.status.last_result is not None)

    history = [r for r in api.requests if r.type not in {"token", "revoke"}]
    assert len(history) > 10  # the daily values came, and the load curve is on its way
    assert [r.type for r in history].count("index_consommation") == 1  # the poll's
    assert "consumption_index" in backfill.coordinator.unsupported


class _StubCoordinator:
    """Just what `HistoryBackfill` reads, with a scripted `async_fetch_range`."""

    def __init__(self, hass: HomeAssistant, errors: list[Exception | None]) -> None:
        self.hass = hass
        self.config_entry = SimpleNamespace(data={}, entry_id="stub")
        self.readings = MeterReadings()
        self.unsupported: dict[str, str] = {}
        self.refused: dict[str, date] = {}
        self.kinds = ("consumption_daily", "consumption_curve")
        self.prm = "00000000000000"
        self.stopped = None
        self.poll_offset = 30
        self.errors = errors
        self.calls: list[tuple[str, date, date]] = []

    def today(self) -> date:
        return TODAY

    async def async_fetch_range(self, kind: str, start: date, end: date) -> date | None:
        self.calls.append((kind, start, end))
        error = self.errors.pop(0) if self.errors else None
        if error is not None:
            raise error
        days = [start + timedelta(days=n) for n in range((end - start).days)]
        if kind == "consumption_daily":
            self.readings.merge_daily("consumption", dict.fromkeys(days, 1000))
        else:
            self.readings.mark_missing(kind, days, TODAY)  # type: ignore[arg-type]
        return start


@pytest.mark.parametrize(
    ("error", "result"),
    [
        (RateLimitError("429", retry_after=NOW + timedelta(hours=2)), PassResult.ERROR),
        (RateLimitError("429 without a hint"), PassResult.ERROR),  # its own 30 min backoff
        (UpstreamError("401 relayed", status=401), PassResult.ERROR),
        (LinkyConnectionError("down"), PassResult.ERROR),
        (ServerError("500", status=500), PassResult.ERROR),
        (AuthenticationError("401", status=401), PassResult.STOPPED),
        (AccessBlockedError("403", status=403), PassResult.STOPPED),
        (BudgetExhausted("h", Priority.BACKFILL, NOW + timedelta(hours=3)), PassResult.BUDGET),
    ],
)
async def test_pass_outcome_on_errors(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, error: Exception, result: PassResult
) -> None:
    freezer.move_to(NOW)
    coordinator = _StubCoordinator(hass, [error])
    backfill = HistoryBackfill(coordinator)  # type: ignore[arg-type]
    assert await backfill.async_run_pass() is result
    when = backfill._next_run(result)
    if result is PassResult.STOPPED:
        assert when is None
    else:
        retry_after = getattr(error, "retry_after", None)
        assert when == (retry_after or NOW + timedelta(minutes=30))


async def test_refused_kinds_wait_a_day_or_are_given_up(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    coordinator = _StubCoordinator(
        hass,
        [
            None,
            None,
            None,  # three years of daily values
            AccessDeniedError("no consent", status=403, code="ADAM-DC-0008"),
        ],
    )
    backfill = HistoryBackfill(coordinator)  # type: ignore[arg-type]
    assert await backfill.async_run_pass() is PassResult.COMPLETE
    # A refusal that is not "no such kind" (here on a kind whose refusal does not end access):
    # not asked again today, asked again tomorrow.
    assert coordinator.unsupported == {}
    assert backfill.kinds == ["consumption_daily", "consumption_curve"]
    kind, start, end = refused = coordinator.calls[3]
    assert kind == "consumption_curve"
    assert coordinator.calls.count(refused) == 1
    assert [call for call in coordinator.calls[4:] if call[0] == kind] == []  # nor older ranges
    assert backfill._asked[kind] >= set(PlannedRequest(end, start, kind).days)
    # Complete: the next pass is tomorrow at 12:00 Paris + the poll offset.
    assert backfill._next_run(PassResult.COMPLETE) == datetime(2026, 11, 24, 11, 30, tzinfo=UTC)

    other = _StubCoordinator(hass, [BadRequestError("bad", status=400, code="ADAM-ERR0069")])
    backfill = HistoryBackfill(other)  # type: ignore[arg-type]
    await backfill.async_run_pass()
    assert other.unsupported["consumption_daily"] == "ADAM-ERR0069"


async def test_a_request_that_changes_nothing_stops_the_pass(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(NOW)
    coordinator = _StubCoordinator(hass, [])

    async def nothing(kind: str, start: date, end: date, **_: bool) -> None:
        coordinator.calls.append((kind, start, end))

    coordinator.async_fetch_range = nothing  # type: ignore[method-assign]
    backfill = HistoryBackfill(coordinator)  # type: ignore[arg-type]
    # Nothing came: a year of daily values, then two weeks of load curve, and each kind is
    # taken as ending there (asked days are not asked again the same day either).
    assert await backfill.async_run_pass() is PassResult.COMPLETE
    assert len(coordinator.calls) == 3
    assert backfill.status.done_kinds == {"consumption_daily", "consumption_curve"}
