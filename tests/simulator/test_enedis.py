"""The fake Enedis Data Connect: OAuth2, Bearer checks, same data and rules as Conso API."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from linky_simulator import ConsoApiSimulator, EnedisSimulator, SimulatedMeter
from tests.const import CONSUMPTION_ONLY_PRM, CONSUMPTION_PRM, UNKNOWN_PRM

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PARAMS = {"pointId": CONSUMPTION_PRM, "dateDebut": "2026-11-16", "dateFin": "2026-11-23"}
type Factory = Callable[..., Awaitable[EnedisSimulator]]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def api(enedis_api: EnedisSimulator) -> EnedisSimulator:
    enedis_api.now = lambda: NOW
    enedis_api.max_per_second = None
    return enedis_api


async def get_token(session: aiohttp.ClientSession, sim: EnedisSimulator) -> str:
    async with session.post(
        f"{sim.base_url}/oauth2/v3/token",
        data={
            "grant_type": "client_credentials",
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
        },
    ) as resp:
        assert resp.status == 200
        return str((await resp.json())["access_token"])


async def data(
    session: aiohttp.ClientSession,
    sim: EnedisSimulator,
    name: str,
    token: str | None,
    **params: str,
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.get(
        f"{sim.base_url}/mesure_synchrone_auto/v2/{name}",
        params=params or PARAMS,
        headers=headers,
    ) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_token_form_and_basic(api: EnedisSimulator, session: aiohttp.ClientSession) -> None:
    async with session.post(
        f"{api.base_url}/oauth2/v3/token",
        data={
            "grant_type": "client_credentials",
            "client_id": api.client_id,
            "client_secret": api.client_secret,
        },
    ) as resp:
        body = await resp.json()
    assert resp.status == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 12600
    assert body["scope"] == "am_application_scope default"
    basic = base64.b64encode(f"{api.client_id}:{api.client_secret}".encode()).decode()
    async with session.post(
        f"{api.base_url}/oauth2/v3/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["access_token"] != body["access_token"]
    assert api.count("token") == 2


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (
            {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
            401,
            "invalid_client",
        ),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({}, 400, "invalid_request"),
    ],
)
async def test_token_refused(
    api: EnedisSimulator,
    session: aiohttp.ClientSession,
    form: dict[str, str],
    status: int,
    error: str,
) -> None:
    async with session.post(f"{api.base_url}/oauth2/v3/token", data=form) as resp:
        assert resp.status == status
        assert (await resp.json())["error"] == error


async def test_expires_in_as_string(
    enedis_api_factory: Factory, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    sim = await enedis_api_factory(
        [meter], expires_in="12600", client_id="id", client_secret="secret"
    )
    async with session.post(
        f"{sim.base_url}/oauth2/v3/token",
        data={"grant_type": "client_credentials", "client_id": "id", "client_secret": "secret"},
    ) as resp:
        assert (await resp.json())["expires_in"] == "12600"


async def test_data_same_as_conso(
    api: EnedisSimulator,
    session: aiohttp.ClientSession,
    conso_api: ConsoApiSimulator,
) -> None:
    conso_api.now = api.now
    token = await get_token(session, api)
    conso_token = conso_api.make_token([CONSUMPTION_PRM])
    for name in (
        "consommation_quotidienne",
        "courbe_de_charge_consommation",
        "courbe_de_charge_production",
    ):
        status, body = await data(session, api, name, token)
        assert status == 200
        async with session.get(
            f"{conso_api.base_url}/{name}",
            params=PARAMS,
            headers={"Authorization": f"Bearer {conso_token}"},
        ) as resp:
            assert body == await resp.json()


async def test_max_power_needs_its_params(
    api: EnedisSimulator, session: aiohttp.ClientSession
) -> None:
    token = await get_token(session, api)
    status, body = await data(session, api, "puissance_conso_max_quotidienne", token)
    assert status == 400
    assert body["error"] == "Invalid_request"
    status, body = await data(
        session,
        api,
        "puissance_conso_max_quotidienne",
        token,
        mesuresPas="P1D",
        grandeurPhysique="PMA",
        **PARAMS,
    )
    assert status == 200
    assert len(body["grandeur"][0]["points"]) == 7


async def test_bearer_checks(api: EnedisSimulator, session: aiohttp.ClientSession) -> None:
    status, body = await data(session, api, "consommation_quotidienne", None)
    assert (status, body["fault"]["code"]) == (401, 900902)
    status, body = await data(session, api, "consommation_quotidienne", "unknown")
    assert (status, body["fault"]["code"]) == (401, 900901)
    token = await get_token(session, api)
    assert (await data(session, api, "consommation_quotidienne", token))[0] == 200
    api.now = lambda: NOW + timedelta(seconds=12600)
    status, body = await data(session, api, "consommation_quotidienne", token)
    assert (status, body["fault"]["message"]) == (401, "Invalid Credentials")


async def test_expire_tokens_and_revoke(
    api: EnedisSimulator, session: aiohttp.ClientSession
) -> None:
    token = await get_token(session, api)
    api.expire_tokens()
    assert (await data(session, api, "consommation_quotidienne", token))[0] == 401
    token = await get_token(session, api)
    async with session.post(
        f"{api.base_url}/oauth2/v3/revoke", data={"token": token, "token_type_hint": "access_token"}
    ) as resp:
        assert resp.status == 200
    assert (await data(session, api, "consommation_quotidienne", token))[0] == 401
    assert api.revoked == [token]


@pytest.mark.parametrize(
    ("name", "prm", "status", "key", "code"),
    [
        ("consommation_quotidienne", UNKNOWN_PRM, 403, "error", "ADAM-DC-0008"),
        ("production_quotidienne", CONSUMPTION_ONLY_PRM, 400, "error", "ADAM-ERR0069"),
        ("daily_consumption", CONSUMPTION_PRM, 404, "code", "404"),
    ],
)
async def test_errors(
    api: EnedisSimulator,
    session: aiohttp.ClientSession,
    *,
    name: str,
    prm: str,
    status: int,
    key: str,
    code: str,
) -> None:
    token = await get_token(session, api)
    answer = await data(session, api, name, token, **{**PARAMS, "pointId": prm})
    assert answer[0] == status
    assert answer[1][key] == code


async def test_curve_limit_and_quota(api: EnedisSimulator, session: aiohttp.ClientSession) -> None:
    token = await get_token(session, api)
    status, body = await data(
        session,
        api,
        "courbe_de_charge_consommation",
        token,
        **{**PARAMS, "dateDebut": "2026-11-01"},
    )
    assert (status, body["error"]) == (400, "ADAM-ERR0126")
    api.rate_limit(NOW + timedelta(hours=1))
    status, body = await data(session, api, "consommation_quotidienne", token)
    assert (status, body["code"]) == (429, "900804")
    assert body["nextAccessTime"] == "2026-Nov-23 11:00:00+0000 UTC"


async def test_error_content_type(
    enedis_api_factory: Factory, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    sim = await enedis_api_factory([meter], now=lambda: NOW, error_content_type="text/plain")
    token = await get_token(session, sim)
    async with session.get(
        f"{sim.base_url}/mesure_synchrone_auto/v2/consommation_quotidienne",
        params={**PARAMS, "dateFin": "2026-11-30"},
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        assert (resp.status, resp.content_type) == (400, "text/plain")
        assert (await resp.json(content_type=None))["error"] == "Invalid_request"


async def metering_data(
    session: aiohttp.ClientSession, sim: EnedisSimulator, name: str, token: str, **params: str
) -> tuple[int, Any]:
    query = params or {
        "usage_point_id": CONSUMPTION_PRM,
        "start": "2026-11-16",
        "end": "2026-11-23",
    }
    async with session.get(
        f"{sim.base_url}/mesure_synchrone_auto/v1/metering_data/{name}",
        params=query,
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_the_metering_data_family(
    api: EnedisSimulator, session: aiohttp.ClientSession, conso_api: ConsoApiSimulator
) -> None:
    """`family="metering_data"`: the v5 names, parameters and body (the Conso API's old types,
    wrapped in `meter_reading`); the v2 paths get the gateway's 404, and the other way round."""
    token = await get_token(session, api)
    assert (await metering_data(session, api, "daily_consumption", token))[0] == 404
    api.family = "metering_data"
    conso_api.now = api.now
    conso_api.serve_old_types = True  # the v5 bodies, as behind an old server
    conso_token = conso_api.make_token([CONSUMPTION_PRM])
    query = {"prm": CONSUMPTION_PRM, "start": "2026-11-16", "end": "2026-11-23"}
    for name in ("daily_consumption", "consumption_load_curve", "production_load_curve"):
        status, body = await metering_data(session, api, name, token)
        assert status == 200
        async with session.get(
            f"{conso_api.base_url}/{name}",
            params=query,
            headers={"Authorization": f"Bearer {conso_token}"},
        ) as resp:
            assert body == {"meter_reading": await resp.json()}
    status, body = await data(session, api, "consommation_quotidienne", token)
    assert (status, body["code"]) == (404, "404")
    assert (await metering_data(session, api, "index_consommation", token))[0] == 404


async def test_metering_data_max_power_and_errors(
    api: EnedisSimulator, session: aiohttp.ClientSession
) -> None:
    api.family = "metering_data"
    token = await get_token(session, api)
    week = {"usage_point_id": CONSUMPTION_PRM, "start": "2026-11-16", "end": "2026-11-23"}
    name = "daily_consumption_max_power"
    status, body = await metering_data(session, api, name, token, **week)
    assert (status, body["error"]) == (400, "Invalid_request")
    status, body = await metering_data(session, api, name, token, **week, grandeurPhysique="PMA")
    assert status == 200
    assert len(body["meter_reading"]["interval_reading"]) == 7
    assert body["meter_reading"]["reading_type"]["unit"] == "VA"
    status, body = await metering_data(
        session, api, "daily_production", token, **{**week, "usage_point_id": CONSUMPTION_ONLY_PRM}
    )
    assert (status, body["error"]) == (400, "ADAM-ERR0069")
    status, body = await metering_data(
        session, api, "daily_consumption", token, **{**week, "usage_point_id": UNKNOWN_PRM}
    )
    assert (status, body["error"]) == (403, "ADAM-DC-0008")
    status, body = await metering_data(session, api, "daily_consumption", token, start="x")
    assert (status, body["error"]) == (400, "Invalid_request")


async def test_contract_situation(api: EnedisSimulator, session: aiohttp.ClientSession) -> None:
    """``situation_contrat_auto/v1/<prm>``: a list of one contract with the subscribed power."""
    url = f"{api.base_url}/situation_contrat_auto/v1/{CONSUMPTION_PRM}"
    async with session.get(url) as resp:
        assert resp.status == 401  # no token
    token = await get_token(session, api)
    headers = {"Authorization": f"Bearer {token}"}
    async with session.get(url, headers=headers) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body[0]["usage_point_id"] == CONSUMPTION_PRM
    assert body[0]["segment"] == "C5"
    subscribed = api.meters[CONSUMPTION_PRM].subscribed_power_kva
    assert body[0]["subscribed_power"] == {"unit": "kVA", "value": str(subscribed)}
    async with session.get(
        f"{api.base_url}/situation_contrat_auto/v1/{UNKNOWN_PRM}", headers=headers
    ) as resp:
        assert resp.status == 403
        assert (await resp.json())["error"] == "ADAM-DC-0008"
    assert [r.type for r in api.requests if r.type != "token"] == ["situation_contrat"] * 3
