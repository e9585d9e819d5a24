"""AsyncLinkyClient and LinkyClient against the fake Conso API."""

import asyncio
import base64
import json
import time as clock
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta

import aiohttp
import pytest
from freezegun.api import FrozenDateTimeFactory

from custom_components.linky.api import (
    AccessBlockedError,
    AccessDeniedError,
    AsyncLinkyClient,
    AuthenticationError,
    BadRequestError,
    InvalidTokenError,
    LinkyClient,
    LinkyConnectionError,
    LinkyError,
    MeteringData,
    NoDataError,
    PRMAccessError,
    RateLimitError,
    ServerError,
    UpstreamError,
)
from custom_components.linky.api.parsing import error_from_response
from linky_simulator import PARIS, ConsoApiSimulator, SimulatedMeter

from .conftest import CONSUMPTION_ONLY_PRM, CONSUMPTION_PRM, NOW, UNKNOWN_PRM, Trace

type Factory = Callable[..., Awaitable[ConsoApiSimulator]]


def jwt(payload: object) -> str:
    def part(value: object) -> str:
        raw = json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(payload)}.c2lnbmF0dXJl"


def utc(moment: date | datetime) -> datetime:
    assert isinstance(moment, datetime)
    assert moment.tzinfo is not None
    return moment.astimezone(UTC)


def logged(sim: ConsoApiSimulator) -> list[tuple[str, str | None, str | None, int]]:
    return [(r.type, r.start, r.end, r.status) for r in sim.requests]


# --- token and PRM -------------------------------------------------------------------------


def test_prms_come_from_the_token() -> None:
    client = AsyncLinkyClient(jwt({"sub": [CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM]}))

    assert client.prms == [CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM]
    assert client.prm == CONSUMPTION_PRM
    assert client.token_expires_at is None


def test_prm_is_chosen_among_the_token_prms() -> None:
    token = jwt({"sub": [CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM], "exp": 1893456000})
    client = AsyncLinkyClient(token, prm=CONSUMPTION_ONLY_PRM)

    assert client.prm == CONSUMPTION_ONLY_PRM
    assert client.token_expires_at == datetime(2030, 1, 1, tzinfo=UTC)


def test_prm_outside_the_token_is_refused() -> None:
    with pytest.raises(PRMAccessError) as caught:
        AsyncLinkyClient(jwt({"sub": [CONSUMPTION_PRM]}), prm=UNKNOWN_PRM)

    assert caught.value.prm == UNKNOWN_PRM


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        "a.b",
        "a.b.c.d",
        "header.%%%%.signature",
        jwt(["not", "an", "object"]),
        jwt({"exp": 1893456000}),
        jwt({"sub": "11111111111111"}),
        jwt({"sub": []}),
        jwt({"sub": ["1111"]}),
        jwt({"sub": [11111111111111]}),
        jwt({"sub": "[not json"}),
    ],
)
def test_a_token_that_is_not_a_jwt_with_prms_is_refused(token: str) -> None:
    with pytest.raises(InvalidTokenError) as caught:
        AsyncLinkyClient(token)

    assert token == "" or token not in str(caught.value)


def test_a_json_encoded_sub_is_accepted() -> None:
    client = AsyncLinkyClient(jwt({"sub": json.dumps([CONSUMPTION_PRM])}))

    assert client.prms == [CONSUMPTION_PRM]


def test_repr_does_not_show_the_token(token: str) -> None:
    client = AsyncLinkyClient(token)

    assert token not in repr(client)
    assert CONSUMPTION_PRM in repr(client)
    assert token not in repr(LinkyClient(token))


# --- every method against the meter's ground truth -----------------------------------------


async def test_daily_consumption(
    conso: ConsoApiSimulator, token: str, meter: SimulatedMeter
) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        data = await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 8))

    days = [date(2026, 10, 1) + timedelta(days=i) for i in range(7)]
    assert [(r.date, r.value) for r in data.interval_reading] == [
        (day, meter.daily_wh("consumption", day)) for day in days
    ]
    assert data.usage_point_id == CONSUMPTION_PRM
    assert (data.start, data.end) == (date(2026, 10, 1), date(2026, 10, 8))
    assert data.reading_type.unit == "Wh"
    assert data.total == sum(meter.daily_wh("consumption", day) for day in days)
    assert logged(conso) == [("consommation_quotidienne", "2026-10-01", "2026-10-08", 200)]
    assert client.requests_count == 1
    assert client.errors_count == 0


async def test_consumption_load_curve(
    conso: ConsoApiSimulator, token: str, meter: SimulatedMeter
) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        data = await client.get_consumption_load_curve(date(2026, 10, 1), date(2026, 10, 3))

    expected = [*meter.curve("consumption", date(2026, 10, 1))]
    expected += meter.curve("consumption", date(2026, 10, 2))
    assert [(utc(r.date), r.value, r.interval) for r in data.interval_reading] == [
        (p.end, p.watts, timedelta(minutes=p.minutes)) for p in expected
    ]
    assert data.interval_reading[0].date == datetime(2026, 10, 1, 0, 30, tzinfo=PARIS)
    assert data.reading_type.unit == "W"


async def test_max_power(conso: ConsoApiSimulator, token: str, meter: SimulatedMeter) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        data = await client.get_max_power(date(2026, 10, 24), date(2026, 10, 27))

    truth = [meter.max_power(date(2026, 10, 24) + timedelta(days=i)) for i in range(3)]
    assert [(utc(r.date), r.value) for r in data.interval_reading] == [
        (m.at.replace(microsecond=0), m.va) for m in truth
    ]
    assert data.reading_type.unit == "VA"
    assert [r.type for r in conso.requests] == ["puissance_conso_max_quotidienne"]


async def test_daily_production(
    conso: ConsoApiSimulator, token: str, meter: SimulatedMeter
) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        data = await client.get_daily_production(date(2026, 6, 20), date(2026, 6, 23))

    assert [(r.date, r.value) for r in data.interval_reading] == [
        (day, meter.daily_wh("production", day))
        for day in (date(2026, 6, 20), date(2026, 6, 21), date(2026, 6, 22))
    ]
    assert all(r.value > 0 for r in data.interval_reading)


async def test_production_load_curve(
    conso: ConsoApiSimulator, token: str, meter: SimulatedMeter
) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        data = await client.get_production_load_curve(date(2026, 6, 21), date(2026, 6, 22))

    assert [(utc(r.date), r.value) for r in data.interval_reading] == [
        (p.end, p.watts) for p in meter.curve("production", date(2026, 6, 21))
    ]


@pytest.mark.parametrize("direction", ["consumption", "production"])
async def test_index(
    conso: ConsoApiSimulator, token: str, meter: SimulatedMeter, direction: str
) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        getter = (
            client.get_consumption_index
            if direction == "consumption"
            else client.get_production_index
        )
        data = await getter(date(2026, 10, 1), date(2026, 10, 4))

    assert [(r.date, r.value) for r in data.interval_reading] == [
        (day, meter.index_wh(direction, day))  # type: ignore[arg-type]
        for day in (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3))
    ]
    assert data.reading_type.aggregate == "index"


async def test_second_prm_of_the_token(
    conso: ConsoApiSimulator, token: str, consumption_meter: SimulatedMeter
) -> None:
    async with AsyncLinkyClient(token, prm=CONSUMPTION_ONLY_PRM, base_url=conso.base_url) as c:
        data = await c.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert data.usage_point_id == CONSUMPTION_ONLY_PRM
    assert data.total == consumption_meter.daily_wh("consumption", date(2026, 10, 1))
    assert [r.prm for r in conso.requests] == [CONSUMPTION_ONLY_PRM]


# --- daylight saving -----------------------------------------------------------------------


async def test_autumn_day_has_50_distinct_half_hours(
    conso: ConsoApiSimulator, token: str, meter: SimulatedMeter
) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        data = await client.get_consumption_load_curve(date(2026, 10, 25), date(2026, 10, 26))

    instants = [utc(r.date) for r in data.interval_reading]
    assert len(instants) == len(set(instants)) == 50
    assert instants == [p.end for p in meter.curve("consumption", date(2026, 10, 25))]
    folds = [r.date.fold for r in data.interval_reading if isinstance(r.date, datetime)]
    assert folds.count(1) == 2  # the second 02:00 and 02:30


async def test_spring_day_has_46_half_hours(
    conso: ConsoApiSimulator, token: str, meter: SimulatedMeter
) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        data = await client.get_consumption_load_curve(date(2026, 3, 29), date(2026, 3, 30))

    instants = [utc(r.date) for r in data.interval_reading]
    assert len(set(instants)) == 46
    assert instants == [p.end for p in meter.curve("consumption", date(2026, 3, 29))]


async def test_ten_minute_and_hourly_intervals(conso_api_factory: Factory) -> None:
    odd = SimulatedMeter(
        CONSUMPTION_PRM,
        seed=5,
        first_day=date(2025, 1, 1),
        interval_minutes=10,
        interval_overrides={date(2026, 10, 2): 60},
    )
    sim = await conso_api_factory([odd], now=lambda: NOW)
    async with AsyncLinkyClient(sim.make_token([CONSUMPTION_PRM]), base_url=sim.base_url) as c:
        data = await c.get_consumption_load_curve(date(2026, 10, 1), date(2026, 10, 3))

    minutes = [r.interval for r in data.interval_reading]
    assert minutes.count(timedelta(minutes=10)) == 144
    assert minutes.count(timedelta(hours=1)) == 24
    assert [utc(r.date) for r in data.interval_reading] == [
        p.end
        for day in (date(2026, 10, 1), date(2026, 10, 2))
        for p in odd.curve("consumption", day)
    ]


# --- ranges --------------------------------------------------------------------------------


async def test_load_curve_ranges_are_split_by_seven_days(
    conso: ConsoApiSimulator, token: str, meter: SimulatedMeter
) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        data = await client.get_consumption_load_curve(date(2026, 10, 1), date(2026, 10, 17))

    assert logged(conso) == [
        ("courbe_de_charge_consommation", "2026-10-01", "2026-10-08", 200),
        ("courbe_de_charge_consommation", "2026-10-08", "2026-10-15", 200),
        ("courbe_de_charge_consommation", "2026-10-15", "2026-10-17", 200),
    ]
    days = [date(2026, 10, 1) + timedelta(days=i) for i in range(16)]
    assert [utc(r.date) for r in data.interval_reading] == [
        p.end for day in days for p in meter.curve("consumption", day)
    ]
    assert (data.start, data.end) == (date(2026, 10, 1), date(2026, 10, 17))


async def test_daily_ranges_are_split_by_365_days(
    conso: ConsoApiSimulator, token: str, meter: SimulatedMeter
) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        data = await client.get_daily_consumption(date(2025, 1, 1), date(2026, 2, 1))

    assert logged(conso) == [
        ("consommation_quotidienne", "2025-01-01", "2026-01-01", 200),
        ("consommation_quotidienne", "2026-01-01", "2026-02-01", 200),
    ]
    assert len(data.interval_reading) == 365 + 31
    assert data.interval_reading[364].date == date(2025, 12, 31)
    assert data.interval_reading[365].value == meter.daily_wh("consumption", date(2026, 1, 1))


async def test_max_power_ranges_are_split_by_365_days(conso: ConsoApiSimulator, token: str) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        data = await client.get_max_power(date(2025, 6, 1), date(2026, 6, 2))

    assert [(r[1], r[2]) for r in logged(conso)] == [
        ("2025-06-01", "2026-06-01"),
        ("2026-06-01", "2026-06-02"),
    ]
    assert len(data.interval_reading) == 366


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2026, 10, 2), date(2026, 10, 2)), (date(2026, 10, 3), date(2026, 10, 2))],
)
async def test_start_not_before_end_raises_before_any_request(
    conso: ConsoApiSimulator, token: str, start: date, end: date
) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        with pytest.raises(ValueError, match="before"):
            await client.get_daily_consumption(start, end)
        with pytest.raises(ValueError, match="before"):
            await client.get_consumption_load_curve(start, end)

    assert conso.requests == []
    assert client.requests_count == 0


async def test_default_range_is_yesterday_to_today(
    conso_api_factory: Factory, freezer: FrozenDateTimeFactory
) -> None:
    # 00:30 in Paris is still the previous day in UTC: "today" is the Paris date.
    freezer.move_to(datetime(2026, 11, 24, 0, 30, tzinfo=PARIS))
    today, yesterday = date(2026, 11, 24), date(2026, 11, 23)
    early = SimulatedMeter(CONSUMPTION_PRM, seed=3, first_day=date(2025, 1, 1), publication=time(0))
    sim = await conso_api_factory([early])  # its default clock follows the freezer
    async with AsyncLinkyClient(sim.make_token([CONSUMPTION_PRM]), base_url=sim.base_url) as c:
        data = await c.get_daily_consumption()
        only_start = await c.get_daily_consumption(start=today - timedelta(2))

    assert [(r.start, r.end) for r in sim.requests] == [
        (yesterday.isoformat(), today.isoformat()),
        ((today - timedelta(days=2)).isoformat(), today.isoformat()),
    ]
    assert [r.date for r in data.interval_reading] == [yesterday]
    assert len(only_start.interval_reading) == 2


async def test_missing_days_stay_missing(conso_api_factory: Factory) -> None:
    gaps = SimulatedMeter(
        CONSUMPTION_PRM,
        seed=4,
        first_day=date(2025, 1, 1),
        missing_days={date(2026, 10, 2), date(2026, 10, 3)},
    )
    sim = await conso_api_factory([gaps], now=lambda: NOW)
    async with AsyncLinkyClient(sim.make_token([CONSUMPTION_PRM]), base_url=sim.base_url) as c:
        daily = await c.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 5))
        curve = await c.get_consumption_load_curve(date(2026, 10, 1), date(2026, 10, 5))

    assert [r.date for r in daily.interval_reading] == [date(2026, 10, 1), date(2026, 10, 4)]
    assert all(r.value > 0 for r in daily.interval_reading)
    local_days = {
        (utc(r.date) - timedelta(minutes=30)).astimezone(PARIS).date()
        for r in curve.interval_reading
    }
    assert local_days == {date(2026, 10, 1), date(2026, 10, 4)}
    assert len(curve.interval_reading) == 96


async def test_a_piece_without_data_is_left_out(conso_api_factory: Factory) -> None:
    first_week = {date(2026, 10, 1) + timedelta(days=i) for i in range(7)}
    gaps = SimulatedMeter(
        CONSUMPTION_PRM, seed=4, first_day=date(2025, 1, 1), missing_days=first_week
    )
    sim = await conso_api_factory([gaps], now=lambda: NOW)
    async with AsyncLinkyClient(sim.make_token([CONSUMPTION_PRM]), base_url=sim.base_url) as c:
        curve = await c.get_consumption_load_curve(date(2026, 10, 1), date(2026, 10, 10))
        with pytest.raises(NoDataError) as caught:
            await c.get_consumption_load_curve(date(2026, 10, 1), date(2026, 10, 8))

    assert [r.status for r in sim.requests] == [404, 200, 404]
    assert len(curve.interval_reading) == 2 * 48
    assert (curve.start, curve.end) == (date(2026, 10, 8), date(2026, 10, 10))
    assert caught.value.code == "no_data_found"
    assert caught.value.status == 404


# --- errors --------------------------------------------------------------------------------


async def test_expired_token_is_an_authentication_error(conso: ConsoApiSimulator) -> None:
    expired = conso.make_token([CONSUMPTION_PRM], expired=True)
    async with AsyncLinkyClient(expired, base_url=conso.base_url) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert caught.value.status == 401
    assert "token" in caught.value.message
    assert expired not in str(caught.value)
    assert client.errors_count == 1


async def test_no_consent_is_access_denied(conso: ConsoApiSimulator) -> None:
    async with AsyncLinkyClient(conso.make_token([UNKNOWN_PRM]), base_url=conso.base_url) as c:
        with pytest.raises(AccessDeniedError) as caught:
            await c.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert (caught.value.status, caught.value.code) == (403, "ADAM-DC-0008")


async def test_production_of_a_consumption_only_meter(conso: ConsoApiSimulator, token: str) -> None:
    async with AsyncLinkyClient(token, prm=CONSUMPTION_ONLY_PRM, base_url=conso.base_url) as c:
        with pytest.raises(BadRequestError) as caught:
            await c.get_daily_production(date(2026, 10, 1), date(2026, 10, 2))

    assert (caught.value.status, caught.value.code) == (400, "ADAM-ERR0069")
    assert c.uses_legacy_types is False


async def test_before_activation(conso: ConsoApiSimulator, token: str) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.get_daily_consumption(date(2020, 12, 1), date(2020, 12, 2))

    assert caught.value.code in {"ADAM-ERR0123", "ADAM-ERR0125"}


async def test_end_after_today_is_refused_by_the_server(
    conso: ConsoApiSimulator, token: str
) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        with pytest.raises(BadRequestError):
            await client.get_daily_consumption(date(2026, 11, 22), date(2026, 11, 25))


async def test_cloudflare_ban(conso: ConsoApiSimulator, token: str) -> None:
    conso.ban()
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        with pytest.raises(AccessBlockedError) as caught:
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert caught.value.status == 403
    assert "Cloudflare" in caught.value.message
    assert client.uses_legacy_types is False


async def test_rate_limit_with_next_access_time(conso: ConsoApiSimulator, token: str) -> None:
    conso.rate_limit(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert caught.value.retry_after == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    assert caught.value.code == "900804"


async def test_rate_limit_without_next_access_time(conso: ConsoApiSimulator, token: str) -> None:
    conso.rate_limit()
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))
        data = await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert caught.value.retry_after is None
    assert caught.value.code == "900807"
    assert len(data.interval_reading) == 1


TECHNICAL = {"error": "technical_error", "error_description": "Technical error. Please try later."}
NO_DATA = {"error": "no_data_found", "error_description": "no measure found for this usage point"}
WRAPPED = "The Enedis API returned an error"
FAULT_401 = {"fault": {"code": 900901, "message": "Invalid Credentials", "description": "x"}}
FAULT_404 = {
    "fault": {"code": 900906, "message": "No matching resource found for given API Request"}
}
INJECTED = [
    (500, {"status": 500, "message": "Erreur inconnue"}, "application/json", ServerError),
    (500, {"status": 500, "message": WRAPPED, "error": TECHNICAL}, "text/plain", ServerError),
    (502, "<html><head><title>502 Bad Gateway</title></head></html>", "text/html", ServerError),
    (503, "", "text/plain", ServerError),
    (404, {"status": 404, "message": WRAPPED, "error": NO_DATA}, "text/plain", NoDataError),
    (400, "garbage", "text/plain", BadRequestError),
    (401, {"status": 401, "message": "Votre token est invalide"}, "text/html", AuthenticationError),
    (
        401,
        {"status": 401, "message": WRAPPED, "error": FAULT_401},
        "application/json",
        UpstreamError,
    ),
    (
        404,
        {"status": 404, "message": WRAPPED, "error": FAULT_404},
        "application/json",
        UpstreamError,
    ),
]


@pytest.mark.parametrize(("status", "body", "content_type", "kind"), INJECTED)
async def test_injected_error_bodies(  # noqa: PLR0917
    conso: ConsoApiSimulator,
    token: str,
    status: int,
    body: object,
    content_type: str,
    kind: type[LinkyError],
) -> None:
    conso.fail_next(status, body, content_type=content_type)  # type: ignore[arg-type]
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        with pytest.raises(kind) as caught:
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert type(caught.value) is kind
    assert caught.value.status == status
    assert client.errors_count == 1
    assert client.uses_legacy_types is False


async def test_enedis_refusing_the_servers_token_is_not_the_users(
    conso: ConsoApiSimulator, token: str
) -> None:
    """Enedis's 401 relayed by the server: a server error (retry), not a bad token."""
    conso.enedis_token_refused = True
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        with pytest.raises(UpstreamError) as caught:
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))
        conso.enedis_token_refused = False
        data = await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert not isinstance(caught.value, AuthenticationError)
    assert isinstance(caught.value, ServerError)
    assert (caught.value.status, caught.value.code) == (401, "900901")
    assert token not in str(caught.value)
    assert len(data.interval_reading) == 1


async def test_old_names_after_the_v5_switch_off_are_a_server_error(
    conso: ConsoApiSimulator, token: str
) -> None:
    """The gateway's 404 for a path it no longer has is not "no data for these days"."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{conso.base_url}/daily_consumption",
            params={"prm": CONSUMPTION_PRM, "start": "2026-10-01", "end": "2026-10-02"},
            headers={"Authorization": f"Bearer {token}"},
        ) as resp,
    ):
        status, text = resp.status, await resp.text()
    err = error_from_response(status, text)

    assert type(err) is UpstreamError
    assert (err.status, err.code) == (404, "900906")


@pytest.mark.parametrize("mode", ["truncated", "invalid"])
async def test_broken_answers_are_connection_errors(
    conso: ConsoApiSimulator, token: str, mode: str
) -> None:
    conso.break_next(mode)  # type: ignore[arg-type]
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        with pytest.raises(LinkyConnectionError):
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))
        data = await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert client.errors_count == 1
    assert client.requests_count == 2
    assert len(data.interval_reading) == 1


async def test_dropped_connection_is_a_connection_error(
    conso: ConsoApiSimulator, token: str
) -> None:
    # aiohttp itself retries a GET once when the server drops the connection: drop both.
    conso.break_next("drop", times=2)
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        with pytest.raises(LinkyConnectionError, match="disconnected"):
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert client.errors_count == 1
    assert client.requests_count == 1


async def test_timeout_is_a_connection_error(conso: ConsoApiSimulator, token: str) -> None:
    conso.delay = 5.0
    async with AsyncLinkyClient(token, base_url=conso.base_url, timeout=0.3) as client:
        with pytest.raises(LinkyConnectionError, match="Timeout"):
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert client.errors_count == 1


async def test_unreachable_server_is_a_connection_error(token: str) -> None:
    async with AsyncLinkyClient(token, base_url="http://127.0.0.1:9/api", timeout=2) as client:
        with pytest.raises(LinkyConnectionError):
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))


async def test_the_token_never_appears_in_an_error(conso: ConsoApiSimulator, token: str) -> None:
    conso.fail_next(400, {"status": 400, "message": f"Bad token {token}"})
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert token not in str(caught.value)
    assert token not in caught.value.message
    assert token not in repr(caught.value)
    assert "**REDACTED**" in caught.value.message


# --- old servers ---------------------------------------------------------------------------


async def test_old_server_falls_back_to_the_old_type_names(
    conso_api_factory: Factory, meter: SimulatedMeter
) -> None:
    old = await conso_api_factory([meter], now=lambda: NOW, serve_new_types=False)
    async with AsyncLinkyClient(old.make_token([CONSUMPTION_PRM]), base_url=old.base_url) as c:
        daily = await c.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 3))
        curve = await c.get_consumption_load_curve(date(2026, 10, 25), date(2026, 10, 26))
        power = await c.get_max_power(date(2026, 10, 1), date(2026, 10, 2))

    assert c.uses_legacy_types is True
    assert logged(old) == [
        ("consommation_quotidienne", None, None, 400),
        ("daily_consumption", "2026-10-01", "2026-10-03", 200),
        ("consumption_load_curve", "2026-10-25", "2026-10-26", 200),
        ("consumption_max_power", "2026-10-01", "2026-10-02", 200),
    ]
    assert [r.value for r in daily.interval_reading] == [
        meter.daily_wh("consumption", date(2026, 10, 1)),
        meter.daily_wh("consumption", date(2026, 10, 2)),
    ]
    assert [utc(r.date) for r in curve.interval_reading] == [
        p.end for p in meter.curve("consumption", date(2026, 10, 25))
    ]
    assert power.interval_reading[0].value == meter.max_power(date(2026, 10, 1)).va
    assert c.errors_count == 1


async def test_old_server_production_fallback(
    conso_api_factory: Factory, meter: SimulatedMeter
) -> None:
    old = await conso_api_factory([meter], now=lambda: NOW, serve_new_types=False)
    async with AsyncLinkyClient(old.make_token([CONSUMPTION_PRM]), base_url=old.base_url) as c:
        daily = await c.get_daily_production(date(2026, 6, 1), date(2026, 6, 2))
        curve = await c.get_production_load_curve(date(2026, 6, 1), date(2026, 6, 2))

    assert [r.type for r in old.requests] == [
        "production_quotidienne",
        "daily_production",
        "production_load_curve",
    ]
    assert daily.total == meter.daily_wh("production", date(2026, 6, 1))
    assert len(curve.interval_reading) == 48


async def test_old_server_has_no_index(conso_api_factory: Factory, meter: SimulatedMeter) -> None:
    old = await conso_api_factory([meter], now=lambda: NOW, serve_new_types=False)
    async with AsyncLinkyClient(old.make_token([CONSUMPTION_PRM]), base_url=old.base_url) as c:
        with pytest.raises(BadRequestError, match="does not offer index_consommation"):
            await c.get_consumption_index(date(2026, 10, 1), date(2026, 10, 2))

    assert [r.type for r in old.requests] == ["index_consommation"]


async def test_new_server_after_the_v5_switch_off_never_uses_old_names(
    conso_api_factory: Factory, meter: SimulatedMeter
) -> None:
    new = await conso_api_factory([meter], now=lambda: NOW, serve_old_types=False)
    async with AsyncLinkyClient(new.make_token([CONSUMPTION_PRM]), base_url=new.base_url) as c:
        await c.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))
        new.fail_next(400, {"status": 400, "message": "Paramètres invalides"}, type="x")
        new.fail_next(404, {"status": 404, "message": "The Enedis API returned an error"})
        with pytest.raises(NoDataError):
            await c.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert {r.type for r in new.requests} == {"consommation_quotidienne"}
    assert c.uses_legacy_types is False


# --- HTTP behaviour ------------------------------------------------------------------------


async def test_injected_session_is_used_and_left_open(
    conso: ConsoApiSimulator, token: str, traced_session: tuple[aiohttp.ClientSession, Trace]
) -> None:
    session, trace = traced_session
    async with AsyncLinkyClient(token, session=session, base_url=conso.base_url) as client:
        await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert not session.closed
    assert trace.methods == ["GET"]
    assert trace.urls[0].startswith(f"{conso.base_url}/consommation_quotidienne?")
    assert "pointId=11111111111111" in trace.urls[0]
    assert "dateDebut=2026-10-01" in trace.urls[0]
    assert "dateFin=2026-10-02" in trace.urls[0]
    headers = trace.headers[0]
    assert headers["Authorization"] == f"Bearer {token}"
    assert headers["User-Agent"].startswith("linky-home-assistant/")


async def test_max_power_asks_for_daily_maxima(
    conso: ConsoApiSimulator, token: str, traced_session: tuple[aiohttp.ClientSession, Trace]
) -> None:
    session, trace = traced_session
    async with AsyncLinkyClient(token, session=session, base_url=conso.base_url) as client:
        await client.get_max_power(date(2026, 10, 1), date(2026, 10, 2))

    assert "mesuresPas=P1D" in trace.urls[0]
    assert "grandeurPhysique=PMA" in trace.urls[0]


async def test_a_pasted_token_with_spaces_works(conso: ConsoApiSimulator, token: str) -> None:
    async with AsyncLinkyClient(f"  {token}\n", base_url=conso.base_url) as client:
        data = await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert len(data.interval_reading) == 1


async def test_custom_user_agent(
    conso: ConsoApiSimulator, token: str, traced_session: tuple[aiohttp.ClientSession, Trace]
) -> None:
    session, trace = traced_session
    client = AsyncLinkyClient(token, session=session, base_url=conso.base_url, user_agent="me/1.0")
    await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert trace.headers[0]["User-Agent"] == "me/1.0"


async def test_own_session_is_closed(conso: ConsoApiSimulator, token: str) -> None:
    client = AsyncLinkyClient(token, base_url=conso.base_url)
    await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))
    own = client._transport._own_session  # resource check
    assert own is not None
    closed_before = own.closed

    await client.close()

    assert (closed_before, own.closed) == (False, True)
    # Usable again after close: a new session is made.
    await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))
    await client.close()
    assert client.requests_count == 2


async def test_requests_are_paced_under_five_per_second(
    conso: ConsoApiSimulator, token: str, traced_session: tuple[aiohttp.ClientSession, Trace]
) -> None:
    session, trace = traced_session
    async with AsyncLinkyClient(token, session=session, base_url=conso.base_url) as client:
        await asyncio.gather(
            client.get_consumption_load_curve(date(2026, 9, 1), date(2026, 10, 6)),
            client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2)),
        )

    assert len(trace.times) == 6
    gaps = [b - a for a, b in zip(trace.times, trace.times[1:], strict=False)]
    assert min(gaps) >= 0.24
    assert trace.times[-1] - trace.times[0] >= 1.2
    for i, start in enumerate(trace.times):
        assert sum(1 for t in trace.times[i:] if t - start < 1.0) < 5
    assert conso.count(status=429) == 0


async def test_request_gate_is_awaited_before_every_request(
    conso_api_factory: Factory, meter: SimulatedMeter
) -> None:
    old = await conso_api_factory([meter], now=lambda: NOW, serve_new_types=False)
    calls: list[int] = []

    async def gate() -> None:
        calls.append(len(old.requests))

    client = AsyncLinkyClient(
        old.make_token([CONSUMPTION_PRM]), base_url=old.base_url, request_gate=gate
    )
    async with client:
        await client.get_consumption_load_curve(date(2026, 10, 1), date(2026, 10, 10))

    # Unknown type, then two pieces by the old name: three requests, three gate calls,
    # each before its request reached the server.
    assert calls == [0, 1, 2]
    assert client.requests_count == 3


async def test_a_refusing_gate_stops_the_request(conso: ConsoApiSimulator, token: str) -> None:
    class BudgetExhaustedError(Exception):
        pass

    async def gate() -> None:
        raise BudgetExhaustedError

    async with AsyncLinkyClient(token, base_url=conso.base_url, request_gate=gate) as client:
        with pytest.raises(BudgetExhaustedError):
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert conso.requests == []
    assert client.requests_count == 0


# --- sync client ---------------------------------------------------------------------------


async def test_sync_client(conso: ConsoApiSimulator, token: str, meter: SimulatedMeter) -> None:
    def script() -> tuple[MeteringData, MeteringData, list[str], int]:
        with LinkyClient(token, base_url=conso.base_url) as client:
            daily = client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 3))
            curve = client.get_consumption_load_curve(date(2026, 10, 25), date(2026, 10, 26))
            client.get_max_power(date(2026, 10, 1), date(2026, 10, 2))
            client.get_daily_production(date(2026, 6, 1), date(2026, 6, 2))
            client.get_production_load_curve(date(2026, 6, 1), date(2026, 6, 2))
            client.get_consumption_index(date(2026, 10, 1), date(2026, 10, 2))
            client.get_production_index(date(2026, 10, 1), date(2026, 10, 2))
            return daily, curve, client.prms, client.requests_count

    daily, curve, prms, count = await asyncio.to_thread(script)

    assert daily.total == sum(
        meter.daily_wh("consumption", day) for day in (date(2026, 10, 1), date(2026, 10, 2))
    )
    assert len({utc(r.date) for r in curve.interval_reading}) == 50
    assert prms == [CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM]
    assert count == 7


async def test_sync_client_errors_and_close(conso: ConsoApiSimulator, token: str) -> None:
    def script() -> None:
        client = LinkyClient(token, base_url=conso.base_url)
        assert client.prm == CONSUMPTION_PRM
        with pytest.raises(ValueError, match="before"):
            client.get_daily_consumption(date(2026, 10, 2), date(2026, 10, 1))
        conso.fail_next(500, {"status": 500, "message": "Erreur inconnue"})
        with pytest.raises(ServerError):
            client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))
        assert client.errors_count == 1
        client.close()
        client.close()  # twice is fine
        with pytest.raises(RuntimeError, match="closed"):
            client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    await asyncio.to_thread(script)


def test_sync_client_checks_the_token() -> None:
    with pytest.raises(InvalidTokenError):
        LinkyClient("nope")
    with pytest.raises(PRMAccessError):
        LinkyClient(jwt({"sub": [CONSUMPTION_PRM]}), prm=UNKNOWN_PRM)


_REAL_CLOCK = {"monotonic": clock.monotonic}  # out of freezegun's reach


async def test_pacing_works_under_a_frozen_clock(
    conso: ConsoApiSimulator, token: str, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to("2026-11-23 12:00:00+00:00")
    started: list[float] = []

    async def gate() -> None:
        started.append(_REAL_CLOCK["monotonic"]())

    async with AsyncLinkyClient(token, base_url=conso.base_url, request_gate=gate) as client:
        data = await client.get_consumption_load_curve(date(2026, 9, 1), date(2026, 9, 22))

    assert len(data.interval_reading) == 21 * 48
    assert len(started) == 3
    assert started[-1] - started[0] >= 0.24  # the last piece waited for its slot
    assert conso.count(status=429) == 0
