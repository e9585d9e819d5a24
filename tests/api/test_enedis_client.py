"""EnedisDataConnectClient against the fake Enedis Data Connect."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import aiohttp
import pytest
from freezegun.api import FrozenDateTimeFactory

from custom_components.linky.api import (
    ENEDIS_PRODUCTION_URL,
    NOT_OFFERED,
    AccessBlockedError,
    AccessDeniedError,
    AuthenticationError,
    BadRequestError,
    DataPaths,
    EnedisDataConnectClient,
    InvalidAccess,
    LinkyConnectionError,
    NoDataError,
    RateLimitError,
    ServerError,
)
from linky_simulator import PARIS, EnedisSimulator, SimulatedMeter

from .conftest import CONSUMPTION_ONLY_PRM, CONSUMPTION_PRM, NOW, UNKNOWN_PRM, Trace

type Factory = Callable[..., Awaitable[EnedisSimulator]]

SECRET = "s3cr3t-value"


def client_for(sim: EnedisSimulator, **kwargs: object) -> EnedisDataConnectClient:
    options: dict[str, object] = {
        "consumption_prm": CONSUMPTION_PRM,
        "production_prm": CONSUMPTION_PRM,
        "base_url": sim.base_url,
    }
    options.update(kwargs)
    return EnedisDataConnectClient(sim.client_id, sim.client_secret, **options)  # type: ignore[arg-type]


def utc(moment: date | datetime) -> datetime:
    assert isinstance(moment, datetime)
    return moment.astimezone(UTC)


def kinds(sim: EnedisSimulator) -> list[tuple[str, int]]:
    return [(r.type, r.status) for r in sim.requests]


def data_kinds(sim: EnedisSimulator) -> list[tuple[str, int]]:
    return [(r.type, r.status) for r in sim.requests if r.type not in {"token", "revoke"}]


FAMILIES = {"v2": DataPaths.V2, "metering_data": DataPaths.METERING_DATA}


def test_defaults_and_properties() -> None:
    client = EnedisDataConnectClient("id", SECRET, consumption_prm=CONSUMPTION_PRM)

    assert client.base_url == ENEDIS_PRODUCTION_URL == "https://gw.ext.prod.api.enedis.fr"
    assert client.client_id == "id"
    assert client.consumption_prm == CONSUMPTION_PRM
    assert client.production_prm is None
    assert client.is_connected is False
    assert client.token_data is None
    assert (client.requests_count, client.errors_count) == (0, 0)
    assert SECRET not in repr(client)


# --- OAuth2 --------------------------------------------------------------------------------


async def test_connect_gets_a_token(enedis: EnedisSimulator) -> None:
    client = client_for(enedis)
    await client.connect()

    token = client.token_data
    assert token is not None
    assert client.is_connected
    assert token.access_token in enedis.tokens
    assert token.expires_in == 12600
    assert token.token_type == "Bearer"
    assert token.scope == "am_application_scope default"
    assert token.expires_at is not None
    assert token.expires_at - token.obtained_at == timedelta(seconds=12600)
    assert token.access_token not in repr(token)
    assert token.access_token not in repr(client)
    assert SECRET not in repr(client)
    assert kinds(enedis) == [("token", 200)]
    assert client.requests_count == 1
    await client.close()


async def test_refused_credentials_raise_invalid_access(enedis: EnedisSimulator) -> None:
    client = EnedisDataConnectClient(
        enedis.client_id, "wrong-secret", consumption_prm=CONSUMPTION_PRM, base_url=enedis.base_url
    )
    with pytest.raises(InvalidAccess) as caught:
        await client.connect()
    with pytest.raises(InvalidAccess):
        await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert isinstance(caught.value, AuthenticationError)
    assert (caught.value.status, caught.value.code) == (401, "invalid_client")
    assert "wrong-secret" not in str(caught.value)
    assert client.is_connected is False
    assert client.errors_count == 2
    assert kinds(enedis) == [("token", 401), ("token", 401)]
    await client.close()


async def test_a_bad_token_request_is_invalid_access(enedis: EnedisSimulator) -> None:
    enedis.fail_next(400, {"error": "invalid_grant", "error_description": "bad"}, type="token")
    client = client_for(enedis)
    with pytest.raises(InvalidAccess) as caught:
        await client.connect()

    assert (caught.value.status, caught.value.code) == (400, "invalid_grant")
    await client.close()


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (500, {"error": "technical_error"}, ServerError),
        (403, "<html><title>Blocked</title></html>", AccessBlockedError),
        (
            429,
            {"code": "900804", "nextAccessTime": "2026-Nov-23 13:00:00+0000 UTC"},
            RateLimitError,
        ),
        (200, "<html>portal</html>", LinkyConnectionError),
        (200, {"token_type": "Bearer"}, ServerError),
    ],
)
async def test_other_token_failures(
    enedis: EnedisSimulator, status: int, body: object, kind: type[Exception]
) -> None:
    enedis.fail_next(status, body, type="token")  # type: ignore[arg-type]
    client = client_for(enedis)
    with pytest.raises(kind) as caught:
        await client.connect()

    assert not isinstance(caught.value, InvalidAccess)
    assert client.is_connected is False
    assert client.errors_count == 1
    await client.close()


async def test_token_is_fetched_when_first_needed(enedis: EnedisSimulator) -> None:
    async with client_for(enedis) as client:
        await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))
        await client.get_daily_consumption(date(2026, 10, 2), date(2026, 10, 3))

    assert kinds(enedis) == [
        ("token", 200),
        ("consommation_quotidienne", 200),
        ("consommation_quotidienne", 200),
        ("revoke", 200),
    ]
    assert client.requests_count == 4


async def test_expires_in_as_a_string(enedis_api_factory: Factory, meter: SimulatedMeter) -> None:
    sim = await enedis_api_factory([meter], expires_in="12600", now=lambda: NOW)
    async with client_for(sim) as client:
        await client.connect()
        assert client.token_data is not None
        assert client.token_data.expires_in == 12600


async def test_token_is_renewed_before_it_expires(
    enedis_api_factory: Factory, meter: SimulatedMeter
) -> None:
    sim = await enedis_api_factory([meter], expires_in="1", now=lambda: NOW)
    async with client_for(sim) as client:
        await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))
        first = client.token_data
        await asyncio.sleep(1.0)
        assert client.is_connected is False
        await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert first is not None
    assert client.token_data is None
    assert kinds(sim) == [
        ("token", 200),
        ("consommation_quotidienne", 200),
        ("token", 200),
        ("consommation_quotidienne", 200),
        ("revoke", 200),
    ]
    assert first.access_token not in sim.revoked  # only the live token is revoked
    assert len(sim.revoked) == 1


async def test_token_is_renewed_once_on_a_401(
    enedis: EnedisSimulator, meter: SimulatedMeter
) -> None:
    async with client_for(enedis) as client:
        await client.connect()
        enedis.expire_tokens()
        data = await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert data.total == meter.daily_wh("consumption", date(2026, 10, 1))
    assert kinds(enedis) == [
        ("token", 200),
        ("consommation_quotidienne", 401),
        ("token", 200),
        ("consommation_quotidienne", 200),
        ("revoke", 200),
    ]


async def test_a_second_401_is_raised(enedis: EnedisSimulator) -> None:
    enedis.fail_next(
        401,
        {"fault": {"code": 900901, "message": "Invalid Credentials", "description": "x"}},
        times=2,
        type="consommation_quotidienne",
    )
    async with client_for(enedis) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert not isinstance(caught.value, InvalidAccess)
    assert caught.value.code == "900901"
    assert kinds(enedis) == [
        ("token", 200),
        ("consommation_quotidienne", 401),
        ("token", 200),
        ("consommation_quotidienne", 401),
        ("revoke", 200),
    ]


async def test_concurrent_calls_share_one_token(enedis: EnedisSimulator) -> None:
    async with client_for(enedis) as client:
        await asyncio.gather(
            client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2)),
            client.get_max_power(date(2026, 10, 1), date(2026, 10, 2)),
            client.get_daily_production(date(2026, 10, 1), date(2026, 10, 2)),
        )

    assert enedis.count("token") == 1


async def test_close_revokes_and_clears_the_token(enedis: EnedisSimulator) -> None:
    client = client_for(enedis)
    await client.connect()
    token = client.token_data
    assert token is not None

    await client.close()

    assert enedis.revoked == [token.access_token]
    assert client.token_data is None
    assert client.is_connected is False
    await client.close()  # nothing more to revoke
    assert enedis.count("revoke") == 1


async def test_close_without_a_token_sends_nothing(enedis: EnedisSimulator) -> None:
    await client_for(enedis).close()

    assert enedis.requests == []


async def test_a_failed_revocation_is_not_raised(enedis: EnedisSimulator) -> None:
    client = client_for(enedis)
    await client.connect()
    enedis.fail_next(500, "oops", type="revoke")
    await client.close()

    assert client.token_data is None
    assert enedis.count("revoke", status=500) == 1


async def test_a_revocation_that_cannot_reach_the_server(enedis: EnedisSimulator) -> None:
    client = client_for(enedis)
    await client.connect()
    await enedis.stop()

    await client.close()

    assert client.token_data is None


# --- data ----------------------------------------------------------------------------------


async def test_every_getter(enedis: EnedisSimulator, meter: SimulatedMeter) -> None:
    day = date(2026, 10, 25)
    async with client_for(enedis) as client:
        daily = await client.get_daily_consumption(day, day + timedelta(days=1))
        curve = await client.get_consumption_load_curve(day, day + timedelta(days=1))
        power = await client.get_max_power(day, day + timedelta(days=1))
        produced = await client.get_daily_production(date(2026, 6, 21), date(2026, 6, 22))
        solar = await client.get_production_load_curve(date(2026, 6, 21), date(2026, 6, 22))
        index_c = await client.get_consumption_index(day, day + timedelta(days=1))
        index_p = await client.get_production_index(day, day + timedelta(days=1))

    assert daily.total == meter.daily_wh("consumption", day)
    assert [(utc(r.date), r.value) for r in curve.interval_reading] == [
        (p.end, p.watts) for p in meter.curve("consumption", day)
    ]
    assert len({utc(r.date) for r in curve.interval_reading}) == 50
    truth = meter.max_power(day)
    assert [(utc(r.date), r.value) for r in power.interval_reading] == [
        (truth.at.replace(microsecond=0), truth.va)
    ]
    assert produced.total == meter.daily_wh("production", date(2026, 6, 21))
    assert [(utc(r.date), r.value) for r in solar.interval_reading] == [
        (p.end, p.watts) for p in meter.curve("production", date(2026, 6, 21))
    ]
    assert index_c.total == meter.index_wh("consumption", day)
    assert index_p.total == meter.index_wh("production", day)
    assert client.errors_count == 0


async def test_query_parameters(
    enedis: EnedisSimulator, traced_session: tuple[aiohttp.ClientSession, Trace]
) -> None:
    session, trace = traced_session
    async with client_for(enedis, session=session) as client:
        await client.get_max_power(date(2026, 10, 1), date(2026, 10, 3))
        token = client.token_data
        assert token is not None

    assert trace.methods == ["POST", "GET", "POST"]
    assert trace.urls[0] == f"{enedis.base_url}/oauth2/v3/token"
    data_url = trace.urls[1]
    assert data_url.startswith(
        f"{enedis.base_url}/mesure_synchrone_auto/v2/puissance_conso_max_quotidienne?"
    )
    for part in (
        "pointId=11111111111111",
        "dateDebut=2026-10-01",
        "dateFin=2026-10-03",
        "mesuresPas=P1D",
        "grandeurPhysique=PMA",
    ):
        assert part in data_url
    assert trace.headers[1]["Authorization"] == f"Bearer {token.access_token}"
    assert all(h["User-Agent"].startswith("linky-home-assistant/") for h in trace.headers)
    assert trace.urls[2] == f"{enedis.base_url}/oauth2/v3/revoke"
    assert not session.closed


async def test_each_direction_uses_its_prm(
    enedis: EnedisSimulator, consumption_meter: SimulatedMeter
) -> None:
    async with client_for(
        enedis, consumption_prm=CONSUMPTION_ONLY_PRM, production_prm=CONSUMPTION_PRM
    ) as client:
        data = await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))
        await client.get_daily_production(date(2026, 10, 1), date(2026, 10, 2))

    assert data.total == consumption_meter.daily_wh("consumption", date(2026, 10, 1))
    assert [r.prm for r in enedis.requests if r.type not in {"token", "revoke"}] == [
        CONSUMPTION_ONLY_PRM,
        CONSUMPTION_PRM,
    ]


async def test_a_missing_prm_raises_before_any_request(enedis: EnedisSimulator) -> None:
    client = EnedisDataConnectClient(
        "id", SECRET, consumption_prm=CONSUMPTION_PRM, base_url=enedis.base_url
    )
    with pytest.raises(ValueError, match="production PRM"):
        await client.get_daily_production(date(2026, 10, 1), date(2026, 10, 2))
    with pytest.raises(ValueError, match="production PRM"):
        await client.get_production_index(date(2026, 10, 1), date(2026, 10, 2))
    client = EnedisDataConnectClient("id", SECRET, base_url=enedis.base_url)
    with pytest.raises(ValueError, match="consumption PRM"):
        await client.get_max_power(date(2026, 10, 1), date(2026, 10, 2))

    assert enedis.requests == []


async def test_start_not_before_end_raises_before_any_request(enedis: EnedisSimulator) -> None:
    async with client_for(enedis) as client:
        with pytest.raises(ValueError, match="before"):
            await client.get_consumption_load_curve(date(2026, 10, 2), date(2026, 10, 1))

    assert enedis.requests == []


async def test_ranges_are_split(enedis: EnedisSimulator, meter: SimulatedMeter) -> None:
    async with client_for(enedis) as client:
        curve = await client.get_production_load_curve(date(2026, 6, 1), date(2026, 6, 9))
        daily = await client.get_daily_production(date(2025, 6, 1), date(2026, 6, 9))

    data_requests = [(r.start, r.end) for r in enedis.requests if r.type.startswith("courbe")]
    assert data_requests == [("2026-06-01", "2026-06-08"), ("2026-06-08", "2026-06-09")]
    daily_requests = [(r.start, r.end) for r in enedis.requests if r.type.endswith("quotidienne")]
    assert daily_requests == [("2025-06-01", "2026-06-01"), ("2026-06-01", "2026-06-09")]
    assert len(curve.interval_reading) == 8 * 48
    assert len(daily.interval_reading) == 365 + 8
    assert daily.interval_reading[-1].value == meter.daily_wh("production", date(2026, 6, 8))
    assert enedis.count("token") == 1


@pytest.mark.parametrize(
    ("now", "published"),
    [
        (datetime(2026, 11, 24, 0, 30, tzinfo=PARIS), False),  # 23:30 UTC on the 23rd
        (datetime(2026, 11, 24, 12, 0, tzinfo=PARIS), True),
    ],
)
async def test_default_range_is_yesterday_to_today(
    enedis_api_factory: Factory,
    meter: SimulatedMeter,
    freezer: FrozenDateTimeFactory,
    now: datetime,
    published: bool,
) -> None:
    freezer.move_to(now)
    sim = await enedis_api_factory([meter])  # its default clock follows the freezer
    async with client_for(sim) as client:
        try:
            data = await client.get_daily_consumption()
        except NoDataError:  # before 08:00 in Paris, yesterday is not out
            assert not published
        else:
            assert published
            assert [r.date for r in data.interval_reading] == [date(2026, 11, 23)]

    assert [(r.start, r.end) for r in sim.requests if r.type == "consommation_quotidienne"] == [
        ("2026-11-23", "2026-11-24")
    ]


# --- errors --------------------------------------------------------------------------------


async def test_no_consent(enedis: EnedisSimulator) -> None:
    async with client_for(enedis, consumption_prm=UNKNOWN_PRM) as client:
        with pytest.raises(AccessDeniedError) as caught:
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert (caught.value.status, caught.value.code) == (403, "ADAM-DC-0008")


async def test_wrong_direction(enedis: EnedisSimulator) -> None:
    async with client_for(enedis, production_prm=CONSUMPTION_ONLY_PRM) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.get_production_load_curve(date(2026, 10, 1), date(2026, 10, 2))

    assert caught.value.code == "ADAM-ERR0069"


async def test_errors_sent_as_text_plain(
    enedis_api_factory: Factory, meter: SimulatedMeter
) -> None:
    sim = await enedis_api_factory(
        [meter], now=lambda: NOW, error_content_type="text/plain;charset=UTF-8"
    )
    async with client_for(sim) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.get_daily_consumption(date(2020, 1, 1), date(2020, 1, 2))

    assert caught.value.code in {"ADAM-ERR0123", "ADAM-ERR0125"}


async def test_quota(enedis: EnedisSimulator) -> None:
    enedis.rate_limit(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    async with client_for(enedis) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert caught.value.retry_after == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize("family", ["v2", "metering_data"])
async def test_no_data(enedis_api_factory: Factory, family: str) -> None:
    """no_data_found is about the days: the other family of paths is not asked."""
    empty = SimulatedMeter(
        CONSUMPTION_PRM, seed=1, first_day=date(2025, 1, 1), hourly_collection=False
    )
    sim = await enedis_api_factory([empty], now=lambda: NOW, family=family)
    paths = FAMILIES[family]
    async with client_for(sim, data_paths=paths) as client:
        with pytest.raises(NoDataError) as caught:
            await client.get_consumption_load_curve(date(2026, 10, 1), date(2026, 10, 2))
        assert client.data_paths is paths

    assert caught.value.code == "no_data_found"
    assert [status for _, status in data_kinds(sim)] == [404]


async def test_secrets_never_appear_in_errors(enedis: EnedisSimulator) -> None:
    async with client_for(enedis) as client:
        await client.connect()
        token = client.token_data
        assert token is not None
        enedis.fail_next(
            500, f"echo {token.access_token} {enedis.client_secret}", content_type="text/plain"
        )
        with pytest.raises(ServerError) as caught:
            await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert token.access_token not in str(caught.value)
    assert enedis.client_secret not in str(caught.value)
    assert caught.value.message.count("**REDACTED**") == 2


async def test_request_gate_before_token_data_and_revoke(enedis: EnedisSimulator) -> None:
    seen: list[int] = []

    async def gate() -> None:
        seen.append(len(enedis.requests))

    async with client_for(enedis, request_gate=gate) as client:
        await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert seen == [0, 1, 2]
    assert kinds(enedis) == [("token", 200), ("consommation_quotidienne", 200), ("revoke", 200)]


async def test_requests_are_paced(
    enedis: EnedisSimulator, traced_session: tuple[aiohttp.ClientSession, Trace]
) -> None:
    session, trace = traced_session
    async with client_for(enedis, session=session) as client:
        await client.get_consumption_load_curve(date(2026, 9, 1), date(2026, 9, 29))

    assert len(trace.times) == 6  # token, four pieces, revoke
    gaps = [b - a for a, b in zip(trace.times, trace.times[1:], strict=False)]
    assert min(gaps) >= 0.24
    assert enedis.count(status=429) == 0


async def test_a_token_without_lifetime_is_renewed_on_a_401(enedis: EnedisSimulator) -> None:
    enedis.fail_next(200, {"access_token": "no-lifetime", "expires_in": True}, type="token")
    async with client_for(enedis) as client:
        await client.connect()
        token = client.token_data
        assert token is not None
        assert (token.expires_in, token.expires_at, token.renew_at) == (None, None, None)
        assert client.is_connected
        await client.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))

    assert kinds(enedis) == [
        ("token", 200),
        ("consommation_quotidienne", 401),
        ("token", 200),
        ("consommation_quotidienne", 200),
        ("revoke", 200),
    ]


@pytest.mark.parametrize("value", ["soon", None, -5, [1]])
async def test_unusable_expires_in(enedis: EnedisSimulator, value: object) -> None:
    enedis.fail_next(200, {"access_token": "x", "expires_in": value}, type="token")
    client = client_for(enedis)
    await client.connect()

    assert client.token_data is not None
    assert client.token_data.expires_in is None
    await client.close()


# --- the two families of metering paths -----------------------------------------------------


@pytest.mark.parametrize("family", ["v2", "metering_data"])
async def test_either_family_gives_the_same_data(
    enedis_api_factory: Factory, meter: SimulatedMeter, family: str
) -> None:
    """An application subscribed to either family gets the same readings; the family is
    found by the first request and kept (no request lost on the next ones)."""
    sim = await enedis_api_factory([meter], now=lambda: NOW, family=family)
    day = date(2026, 10, 25)
    async with client_for(sim) as client:
        assert client.data_paths is None
        daily = await client.get_daily_consumption(day, day + timedelta(days=1))
        curve = await client.get_consumption_load_curve(day, day + timedelta(days=1))
        power = await client.get_max_power(day, day + timedelta(days=1))
        produced = await client.get_daily_production(date(2026, 6, 21), date(2026, 6, 22))
        solar = await client.get_production_load_curve(date(2026, 6, 21), date(2026, 6, 22))
        assert client.data_paths is FAMILIES[family]

    assert daily.total == meter.daily_wh("consumption", day)
    assert [(utc(r.date), r.value) for r in curve.interval_reading] == [
        (p.end, p.watts) for p in meter.curve("consumption", day)
    ]
    truth = meter.max_power(day)
    assert [(utc(r.date), r.value) for r in power.interval_reading] == [
        (truth.at.replace(microsecond=0), truth.va)
    ]
    assert produced.total == meter.daily_wh("production", date(2026, 6, 21))
    assert [(utc(r.date), r.value) for r in solar.interval_reading] == [
        (p.end, p.watts) for p in meter.curve("production", date(2026, 6, 21))
    ]
    root = f"/{FAMILIES[family]}/"
    answered = [r for r in sim.requests if r.status == 200 and r.type not in {"token", "revoke"}]
    assert len(answered) == 5
    assert all(r.path.startswith(root) for r in answered)
    refused = [(r.type, r.status) for r in sim.requests if r.status == 404]
    assert refused == ([("consommation_quotidienne", 404)] if family == "metering_data" else [])


async def test_the_metering_data_query(
    enedis_api_factory: Factory,
    meter: SimulatedMeter,
    traced_session: tuple[aiohttp.ClientSession, Trace],
) -> None:
    """v5 names and parameters; max power with its measuring period and physical quantity."""
    session, trace = traced_session
    sim = await enedis_api_factory([meter], now=lambda: NOW, family="metering_data")
    async with client_for(sim, session=session, data_paths=DataPaths.METERING_DATA) as client:
        await client.get_max_power(date(2026, 10, 1), date(2026, 10, 3))

    assert [url.split("?")[0] for url in trace.urls] == [
        f"{sim.base_url}/oauth2/v3/token",
        f"{sim.base_url}/mesure_synchrone_auto/v1/metering_data/daily_consumption_max_power",
        f"{sim.base_url}/oauth2/v3/revoke",
    ]
    for part in (
        "usage_point_id=11111111111111",
        "start=2026-10-01",
        "end=2026-10-03",
        "measuring_period=P1D",
        "grandeurPhysique=PMA",
    ):
        assert part in trace.urls[1]
    assert "pointId" not in trace.urls[1]


async def test_a_family_that_stops_answering_is_left(
    enedis_api_factory: Factory, meter: SimulatedMeter
) -> None:
    """A stored family the application is no longer subscribed to: the other one is asked."""
    sim = await enedis_api_factory([meter], now=lambda: NOW, family="metering_data")
    day = date(2026, 10, 25)
    async with client_for(sim, data_paths=DataPaths.V2) as client:
        await client.get_daily_consumption(day, day + timedelta(days=1))
        await client.get_daily_consumption(day, day + timedelta(days=1))
        assert client.data_paths is DataPaths.METERING_DATA

    assert data_kinds(sim) == [
        ("consommation_quotidienne", 404),
        ("daily_consumption", 200),
        ("daily_consumption", 200),
    ]


async def test_not_subscribed_tries_the_other_family(
    enedis_api_factory: Factory, meter: SimulatedMeter
) -> None:
    """The gateway's 403 900908 (API not subscribed) also sends the client to the other family;
    when no family answers, the first family's refusal is raised."""
    not_subscribed = {"code": "900908", "message": "Resource forbidden", "description": "x"}
    sim = await enedis_api_factory([meter], now=lambda: NOW, family="metering_data")
    sim.fail_next(403, not_subscribed, type="consommation_quotidienne")
    day = date(2026, 10, 25)
    async with client_for(sim) as client:
        await client.get_daily_consumption(day, day + timedelta(days=1))
        assert client.data_paths is DataPaths.METERING_DATA

    sim = await enedis_api_factory([meter], now=lambda: NOW, family="v2")
    sim.fail_next(403, not_subscribed, type="consommation_quotidienne")
    async with client_for(sim) as client:
        with pytest.raises(AccessDeniedError) as caught:
            await client.get_daily_consumption(day, day + timedelta(days=1))
        assert client.data_paths is None

    assert caught.value.code == "900908"
    assert data_kinds(sim) == [("consommation_quotidienne", 403), ("daily_consumption", 404)]


@pytest.mark.parametrize("known", [None, DataPaths.METERING_DATA])
async def test_registers_are_not_offered_by_the_metering_data_family(
    enedis_api_factory: Factory, meter: SimulatedMeter, known: DataPaths | None
) -> None:
    """The v1 family has no registers: one request to the v2 path, then "not offered"."""
    sim = await enedis_api_factory([meter], now=lambda: NOW, family="metering_data")
    day = date(2026, 10, 25)
    async with client_for(sim, data_paths=known) as client:
        with pytest.raises(BadRequestError) as caught:
            await client.get_consumption_index(day, day + timedelta(days=1))
        assert client.data_paths is known  # registers say nothing about the family

    assert caught.value.code == NOT_OFFERED
    assert (caught.value.status, client.errors_count) == (404, 1)
    assert "does not offer index_consommation" in caught.value.message
    assert data_kinds(sim) == [("index_consommation", 404)]


# --- contract data (situation_contrat_auto) ------------------------------------------------


async def test_contract_situation_gives_the_subscribed_power(
    enedis_api_factory: Factory,
) -> None:
    meter = SimulatedMeter(CONSUMPTION_PRM, subscribed_power_kva=12)
    sim = await enedis_api_factory([meter], now=lambda: NOW)
    async with client_for(sim) as client:
        await client.connect()
        sim.expire_tokens()  # a refused token is renewed once, as for the data
        situation = await client.get_contract_situation()

    assert (situation.subscribed_power_kva, situation.segment) == (12, "C5")
    assert [(r.type, r.prm, r.status) for r in sim.requests] == [
        ("token", None, 200),
        ("situation_contrat", CONSUMPTION_PRM, 401),
        ("token", None, 200),
        ("situation_contrat", CONSUMPTION_PRM, 200),
        ("revoke", None, 200),
    ]


async def test_contract_situation_errors(enedis: EnedisSimulator) -> None:
    async with client_for(enedis) as client:
        with pytest.raises(AccessDeniedError) as caught:
            await client.get_contract_situation(UNKNOWN_PRM)
        assert caught.value.code == "ADAM-DC-0008"
        enedis.fail_next(200, {"unexpected": True}, type="situation_contrat")
        with pytest.raises(ServerError):
            await client.get_contract_situation()
        enedis.fail_next(200, "<html>maintenance</html>", "text/html", type="situation_contrat")
        with pytest.raises(LinkyConnectionError):
            await client.get_contract_situation()
