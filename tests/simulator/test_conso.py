"""The fake Conso API: shapes, parameters, tokens, Enedis rules, Cloudflare, quotas, faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from linky_simulator import PARIS, ConsoApiSimulator, SimulatedMeter
from tests.const import CONSUMPTION_ONLY_PRM, CONSUMPTION_PRM, UNKNOWN_PRM

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Paris
type Factory = Callable[..., Awaitable[ConsoApiSimulator]]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def api(conso_api: ConsoApiSimulator) -> ConsoApiSimulator:
    conso_api.now = lambda: NOW
    conso_api.max_per_second = None
    return conso_api


class Answer:
    def __init__(self, status: int, content_type: str, text: str, data: Any) -> None:
        self.status = status
        self.content_type = content_type
        self.text = text
        self.data = data


async def call(
    session: aiohttp.ClientSession,
    sim: ConsoApiSimulator,
    kind: str,
    token: str | None,
    method: str = "GET",
    **params: str,
) -> Answer:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with session.request(
        method, f"{sim.base_url}/{kind}", params=params, headers=headers
    ) as resp:
        text = await resp.text()
        data = await resp.json(content_type=None) if "json" in resp.content_type and text else None
        return Answer(resp.status, resp.content_type, text, data)


def new(
    prm: str = CONSUMPTION_PRM, start: str = "2026-11-20", end: str = "2026-11-23"
) -> dict[str, str]:
    return {"pointId": prm, "dateDebut": start, "dateFin": end}


def old(
    prm: str = CONSUMPTION_PRM, start: str = "2026-11-20", end: str = "2026-11-23"
) -> dict[str, str]:
    return {"prm": prm, "start": start, "end": end}


# ---- shapes -------------------------------------------------------------------------------


async def test_new_daily_body(
    api: ConsoApiSimulator, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    answer = await call(session, api, "consommation_quotidienne", token, **new())
    assert answer.status == 200
    assert answer.content_type == "application/json"
    body = answer.data
    assert body["idPrm"] == CONSUMPTION_PRM
    assert body["periode"] == {"dateDebut": "2026-11-20", "dateFin": "2026-11-23"}
    assert (body["typeValeur"], body["modeCalcul"], body["pas"]) == ("GLOBALE", "DIFF.INDEX", "P1D")
    grandeur = body["grandeur"][0]
    assert (grandeur["grandeurMetier"], grandeur["grandeurPhysique"], grandeur["unite"]) == (
        "CONS",
        "EA",
        "Wh",
    )
    expected = [
        {"v": str(meter.daily_wh("consumption", date(2026, 11, d))), "d": f"2026-11-{d}"}
        for d in (20, 21, 22)
    ]
    assert grandeur["points"] == expected
    assert body["contexte"] == []


async def test_new_curve_body_dst(
    api: ConsoApiSimulator, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    answer = await call(
        session,
        api,
        "courbe_de_charge_consommation",
        token,
        **new(start="2026-10-24", end="2026-10-27"),
    )
    assert answer.status == 200
    body = answer.data
    assert body["modeCalcul"] == "MESURE"
    assert "pas" not in body
    points = body["grandeur"][0]["points"]
    assert len(points) == 48 + 50 + 48
    assert points[0] == {
        "v": str(meter.curve("consumption", date(2026, 10, 24))[0].watts),
        "d": "2026-10-24 00:30:00",
        "p": "PT30M",
        "n": "B",
        "iv": "0",
        "ec": "0",
    }
    assert points[47]["d"] == "2026-10-25 00:00:00"
    autumn = [p["d"][11:16] for p in points[48:56]]
    assert autumn == ["00:30", "01:00", "01:30", "02:00", "02:30", "02:00", "02:30", "03:00"]
    assert points[-1]["d"] == "2026-10-27 00:00:00"


async def test_spring_day_has_46_points(
    api: ConsoApiSimulator, session: aiohttp.ClientSession
) -> None:
    api.now = lambda: datetime(2026, 4, 10, tzinfo=UTC)
    token = api.make_token([CONSUMPTION_PRM])
    answer = await call(
        session,
        api,
        "courbe_de_charge_production",
        token,
        **new(start="2026-03-29", end="2026-03-30"),
    )
    points = answer.data["grandeur"][0]["points"]
    assert len(points) == 46
    assert answer.data["grandeur"][0]["grandeurMetier"] == "PROD"
    assert [p["d"][11:16] for p in points[2:4]] == ["01:30", "03:00"]


async def test_max_power_body(
    api: ConsoApiSimulator, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    answer = await call(session, api, "puissance_conso_max_quotidienne", token, **new())
    body = answer.data
    assert (body["pas"], body["modeCalcul"]) == ("P1D", "MESURE")
    grandeur = body["grandeur"][0]
    assert (grandeur["grandeurPhysique"], grandeur["unite"]) == ("PMA", "VA")
    reading = meter.max_power(date(2026, 11, 20))
    assert grandeur["points"][0] == {
        "v": str(reading.va),
        "d": reading.at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S"),
    }
    monthly = await call(
        session, api, "puissance_conso_max_quotidienne", token, mesuresPas="P1M", **new()
    )
    assert monthly.data["pas"] == "P1M"
    assert len(monthly.data["grandeur"][0]["points"]) == 1


async def test_index_body(
    api: ConsoApiSimulator, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    answer = await call(session, api, "index_production", token, **new(start="2026-11-21"))
    values = answer.data["contexte"][0]["grandeur"][0]["cadranTotalisateur"]["valeur"]
    assert [v["d"] for v in values] == ["2026-11-21", "2026-11-22"]
    assert values[1]["v"] - values[0]["v"] == meter.daily_wh("production", date(2026, 11, 21))


@pytest.mark.parametrize(
    ("kind", "unit", "reading_keys"),
    [
        ("daily_consumption", "Wh", {"value", "date"}),
        ("consumption_load_curve", "W", {"value", "date", "interval_length", "measure_type"}),
        ("consumption_max_power", "VA", {"value", "date"}),
        ("daily_production", "Wh", {"value", "date"}),
        ("production_load_curve", "W", {"value", "date", "interval_length", "measure_type"}),
    ],
)
async def test_old_types_meter_reading_shape(
    api: ConsoApiSimulator,
    session: aiohttp.ClientSession,
    kind: str,
    unit: str,
    reading_keys: set[str],
) -> None:
    api.serve_old_types = True  # before Enedis switched v5 off
    token = api.make_token([CONSUMPTION_PRM])
    answer = await call(session, api, kind, token, **old())
    assert answer.status == 200
    body = answer.data
    assert body["usage_point_id"] == CONSUMPTION_PRM
    assert (body["start"], body["end"], body["quality"]) == ("2026-11-20", "2026-11-23", "BRUT")
    assert body["reading_type"]["unit"] == unit
    assert set(body["interval_reading"][0]) == reading_keys
    assert all(isinstance(r["value"], str) for r in body["interval_reading"])


async def test_both_param_names_accepted(
    api: ConsoApiSimulator, session: aiohttp.ClientSession
) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    a = await call(session, api, "consommation_quotidienne", token, **old())
    b = await call(session, api, "consommation_quotidienne", token, **new())
    assert a.status == b.status == 200
    assert a.data == b.data


async def test_same_data_old_and_new(
    api: ConsoApiSimulator, session: aiohttp.ClientSession
) -> None:
    api.serve_old_types = True  # before Enedis switched v5 off
    token = api.make_token([CONSUMPTION_PRM])
    a = await call(session, api, "courbe_de_charge_consommation", token, **new())
    b = await call(session, api, "consumption_load_curve", token, **old())
    assert [(p["v"], p["d"]) for p in a.data["grandeur"][0]["points"]] == [
        (r["value"], r["date"]) for r in b.data["interval_reading"]
    ]


# ---- Conso API's own errors ---------------------------------------------------------------


async def test_invalid_params(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    answer = await call(
        session, api, "consommation_quotidienne", token, pointId="123", dateDebut="x"
    )
    assert answer.status == 400
    assert answer.data["message"] == "Paramètres invalides"
    paths = [issue["path"] for issue in answer.data["error"]["issues"]]
    assert paths == [["pointId"], ["dateDebut"], ["dateFin"]]


async def test_unknown_type_is_400_before_auth(
    api: ConsoApiSimulator, session: aiohttp.ClientSession
) -> None:
    answer = await call(session, api, "consumption_index", "not-a-token", **new())
    assert answer.status == 400
    assert answer.data["error"]["issues"][0]["code"] == "invalid_enum_value"


async def test_missing_authorization(
    api: ConsoApiSimulator, session: aiohttp.ClientSession
) -> None:
    answer = await call(session, api, "consommation_quotidienne", None, **new())
    assert answer.status == 400
    assert answer.data == {
        "status": 400,
        "message": "Le header 'Authorization' est manquant ou invalide",
    }


@pytest.mark.parametrize("token_kind", ["garbage", "other_prm", "expired", "foreign"])
async def test_bad_token_401(
    api: ConsoApiSimulator, session: aiohttp.ClientSession, token_kind: str
) -> None:
    tokens = {
        "garbage": "abc.def.ghi",
        "other_prm": api.make_token([CONSUMPTION_ONLY_PRM]),
        "expired": api.make_token([CONSUMPTION_PRM], expired=True),
        "foreign": ConsoApiSimulator([]).make_token([CONSUMPTION_PRM]),
    }
    answer = await call(session, api, "consommation_quotidienne", tokens[token_kind], **new())
    assert answer.status == 401
    assert answer.data == {
        "status": 401,
        "message": "Votre token est invalide ou ne permet pas d'accéder à ce PRM",
    }


async def test_expire_tokens(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    api.expire_tokens()
    assert (await call(session, api, "consommation_quotidienne", token, **new())).status == 401
    fresh = api.make_token([CONSUMPTION_PRM])
    assert (await call(session, api, "consommation_quotidienne", fresh, **new())).status == 200


async def test_methods(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    post = await call(session, api, "consommation_quotidienne", token, "POST", **new())
    assert post.status == 405
    assert post.data == {"status": 405, "message": "Seule la méthode GET est autorisée"}
    options = await call(session, api, "consommation_quotidienne", token, "OPTIONS", **new())
    assert options.status == 200


async def test_token_payload_is_a_prm_list(api: ConsoApiSimulator) -> None:
    import base64
    import json

    token = api.make_token([CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM])
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert payload["sub"] == [CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM]
    assert payload["exp"] - payload["iat"] == 1094 * 86400


# ---- consent withdrawn ----------------------------------------------------------------------


async def test_withdraw_consent(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    """Tokens issued before the withdrawal get Enedis' 403 ADAM-DC-0008 on every data type."""
    api.serve_old_types = True  # before Enedis switched v5 off
    before = api.make_token([CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM])
    assert (await call(session, api, "consommation_quotidienne", before, **new())).status == 200
    api.withdraw_consent(CONSUMPTION_PRM)
    for kind in ("consommation_quotidienne", "courbe_de_charge_consommation", "daily_consumption"):
        params = old() if kind == "daily_consumption" else new()
        answer = await call(session, api, kind, before, **params)
        assert answer.status == 403, (kind, answer.text)
        assert answer.content_type == "application/json"
        assert answer.data == {
            "status": 403,
            "message": "The Enedis API returned an error",
            "error": {
                "error": "ADAM-DC-0008",
                "error_description": (
                    "No consent can be found for this customer and this usage point"
                ),
            },
        }
    # The other meter of the same token keeps its consent.
    other = new(prm=CONSUMPTION_ONLY_PRM)
    assert (await call(session, api, "consommation_quotidienne", before, **other)).status == 200
    # A new consent: a token made afterwards works, even within the same (frozen) second.
    after = api.make_token([CONSUMPTION_PRM])
    assert (await call(session, api, "consommation_quotidienne", after, **new())).status == 200
    assert (await call(session, api, "consommation_quotidienne", before, **new())).status == 403
    assert [r.status for r in api.requests[-2:]] == [200, 403]


async def test_withdraw_consent_twice(
    api: ConsoApiSimulator, session: aiohttp.ClientSession
) -> None:
    """A second withdrawal also ends the consent given after the first one."""
    api.withdraw_consent(CONSUMPTION_PRM)
    second = api.make_token([CONSUMPTION_PRM])
    assert (await call(session, api, "consommation_quotidienne", second, **new())).status == 200
    api.withdraw_consent(CONSUMPTION_PRM)
    answer = await call(session, api, "consommation_quotidienne", second, **new())
    assert answer.status == 403
    assert enedis_error(answer)["error"] == "ADAM-DC-0008"
    third = api.make_token([CONSUMPTION_PRM])
    assert (await call(session, api, "consommation_quotidienne", third, **new())).status == 200


async def test_withdraw_consent_follows_the_clock(
    api: ConsoApiSimulator, session: aiohttp.ClientSession
) -> None:
    """The cut-off is the token's issue time (``iat``), on the simulator's clock."""
    api.withdraw_consent(CONSUMPTION_PRM)
    api.now = lambda: NOW + timedelta(days=2)
    later = api.make_token([CONSUMPTION_PRM])
    payload = decode_payload(later)
    assert payload["iat"] == int((NOW + timedelta(days=2)).timestamp())
    assert (await call(session, api, "consommation_quotidienne", later, **new())).status == 200
    # Other problems still come first: a token for another PRM is a 401, not a 403.
    foreign = api.make_token([CONSUMPTION_ONLY_PRM])
    assert (await call(session, api, "consommation_quotidienne", foreign, **new())).status == 401


def decode_payload(token: str) -> dict[str, Any]:
    import base64
    import json

    payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    return payload


# ---- Enedis rules (wrapped) ---------------------------------------------------------------


def enedis_error(answer: Answer) -> dict[str, Any]:
    assert answer.data["status"] == answer.status
    assert answer.data["message"] == "The Enedis API returned an error"
    return answer.data["error"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("kind", "params", "status", "code"),
    [
        (
            "courbe_de_charge_consommation",
            new(start="2026-11-10", end="2026-11-18"),
            400,
            "ADAM-ERR0126",
        ),
        (
            "consommation_quotidienne",
            new(start="2025-11-01", end="2026-11-02"),
            400,
            "Invalid_request",
        ),
        (
            "consommation_quotidienne",
            new(start="2026-11-20", end="2026-11-20"),
            400,
            "ADAM-ERR0002",
        ),
        ("daily_consumption", old(start="2026-11-21", end="2026-11-20"), 400, "Invalid_request"),
        (
            "consommation_quotidienne",
            new(start="2026-11-22", end="2026-11-24"),
            400,
            "Invalid_request",
        ),
        (
            "courbe_de_charge_consommation",
            new(start="2024-11-01", end="2024-11-03"),
            400,
            "ADAM-ERR0125",
        ),
        ("production_quotidienne", new(prm=CONSUMPTION_ONLY_PRM), 400, "ADAM-ERR0069"),
        ("consommation_quotidienne", new(prm=UNKNOWN_PRM), 403, "ADAM-DC-0008"),
        (
            "consommation_quotidienne",
            new(start="2026-11-23", end="2026-11-23x"),
            400,
            "ADAM-ERR0001",
        ),
    ],
)
async def test_enedis_rules(
    api: ConsoApiSimulator,
    session: aiohttp.ClientSession,
    *,
    kind: str,
    params: dict[str, str],
    status: int,
    code: str,
) -> None:
    api.serve_old_types = True  # before Enedis switched v5 off
    token = api.make_token([CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM, UNKNOWN_PRM])
    answer = await call(session, api, kind, token, **params)
    assert answer.status == status
    error = enedis_error(answer)
    assert error["error"] == code
    assert error["error_description"]


async def test_before_activation(
    conso_api_factory: Factory, session: aiohttp.ClientSession
) -> None:
    meter = SimulatedMeter(CONSUMPTION_PRM, first_day=date(2025, 6, 1))
    sim = await conso_api_factory([meter], now=lambda: NOW)
    token = sim.make_token([CONSUMPTION_PRM])
    answer = await call(
        session, sim, "consommation_quotidienne", token, **new(start="2025-05-31", end="2025-06-05")
    )
    assert answer.status == 400
    assert enedis_error(answer) == {
        "error": "ADAM-ERR0123",
        "error_description": (
            "The requested period cannot be anterior to the meter's last activation date"
        ),
    }
    ok = await call(
        session, sim, "consommation_quotidienne", token, **new(start="2025-06-01", end="2025-06-05")
    )
    assert ok.status == 200


async def test_limits_are_inclusive(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    week = await call(
        session,
        api,
        "courbe_de_charge_consommation",
        token,
        **new(start="2026-11-16", end="2026-11-23"),
    )
    assert week.status == 200
    assert len(week.data["grandeur"][0]["points"]) == 7 * 48
    year = await call(
        session, api, "consommation_quotidienne", token, **new(start="2025-11-23", end="2026-11-23")
    )
    assert year.status == 200
    assert len(year.data["grandeur"][0]["points"]) == 365
    oldest = await call(
        session, api, "consommation_quotidienne", token, **new(start="2023-11-08", end="2023-11-09")
    )
    assert oldest.status == 200
    too_old = await call(
        session, api, "consommation_quotidienne", token, **new(start="2023-11-07", end="2023-11-09")
    )
    assert enedis_error(too_old)["error"] == "ADAM-ERR0125"


async def test_publication_time(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    params = new(start="2026-11-22", end="2026-11-23")
    api.now = lambda: datetime(2026, 11, 23, 7, 59, tzinfo=PARIS)
    before = await call(session, api, "consommation_quotidienne", token, **params)
    assert before.status == 404
    assert enedis_error(before) == {
        "error": "no_data_found",
        "error_description": "no measure found for this usage point",
    }
    api.now = lambda: datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)
    after = await call(session, api, "consommation_quotidienne", token, **params)
    assert after.status == 200


async def test_late_day(conso_api_factory: Factory, session: aiohttp.ClientSession) -> None:
    late_at = datetime(2026, 11, 23, 14, 0, tzinfo=PARIS)
    meter = SimulatedMeter(CONSUMPTION_PRM, late_days={date(2026, 11, 21): late_at})
    sim = await conso_api_factory([meter], now=lambda: NOW)
    token = sim.make_token([CONSUMPTION_PRM])
    answer = await call(session, sim, "consommation_quotidienne", token, **new())
    assert [p["d"] for p in answer.data["grandeur"][0]["points"]] == ["2026-11-20", "2026-11-22"]
    sim.now = lambda: late_at
    answer = await call(session, sim, "consommation_quotidienne", token, **new())
    assert len(answer.data["grandeur"][0]["points"]) == 3


async def test_missing_days(conso_api_factory: Factory, session: aiohttp.ClientSession) -> None:
    meter = SimulatedMeter(
        CONSUMPTION_PRM,
        missing_days={date(2026, 11, 21)},
        missing_curve_days={date(2026, 11, 20)},
    )
    sim = await conso_api_factory([meter], now=lambda: NOW)
    token = sim.make_token([CONSUMPTION_PRM])
    daily = await call(session, sim, "consommation_quotidienne", token, **new())
    assert [p["d"] for p in daily.data["grandeur"][0]["points"]] == ["2026-11-20", "2026-11-22"]
    curve = await call(session, sim, "courbe_de_charge_consommation", token, **new())
    assert len(curve.data["grandeur"][0]["points"]) == 48
    gone = await call(
        session, sim, "consommation_quotidienne", token, **new(start="2026-11-21", end="2026-11-22")
    )
    assert gone.status == 404


async def test_no_hourly_collection(
    conso_api_factory: Factory, session: aiohttp.ClientSession
) -> None:
    sim = await conso_api_factory(
        [SimulatedMeter(CONSUMPTION_PRM, hourly_collection=False)], now=lambda: NOW
    )
    token = sim.make_token([CONSUMPTION_PRM])
    curve = await call(session, sim, "courbe_de_charge_consommation", token, **new())
    assert curve.status == 404
    assert enedis_error(curve)["error"] == "no_data_found"
    assert (await call(session, sim, "consommation_quotidienne", token, **new())).status == 200


# ---- server generations -------------------------------------------------------------------


async def test_old_server_rejects_new_names(
    conso_api_factory: Factory, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    sim = await conso_api_factory([meter], now=lambda: NOW, serve_new_types=False)
    token = sim.make_token([CONSUMPTION_PRM])
    answer = await call(session, sim, "consommation_quotidienne", token, **old())
    assert answer.status == 400
    assert answer.data["message"] == "Paramètres invalides"
    issue = answer.data["error"]["issues"][0]
    assert issue["code"] == "invalid_enum_value"
    assert "consommation_quotidienne" not in issue["options"]
    new_params = await call(session, sim, "daily_consumption", token, **new())
    assert new_params.status == 400
    assert [i["path"] for i in new_params.data["error"]["issues"]] == [["prm"], ["start"], ["end"]]
    assert (await call(session, sim, "daily_consumption", token, **old())).status == 200


async def test_v5_switched_off(
    conso_api_factory: Factory, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    """The 2026 server still accepts the old names; Enedis's gateway no longer has the paths."""
    sim = await conso_api_factory([meter], now=lambda: NOW)
    assert not sim.serve_old_types
    token = sim.make_token([CONSUMPTION_PRM])
    for kind in ("daily_consumption", "consumption_load_curve", "consumption_max_power"):
        answer = await call(session, sim, kind, token, **old())
        assert answer.status == 404, kind
        fault = enedis_error(answer)["fault"]
        assert fault["code"] == 900906
        assert fault["message"] == "No matching resource found for given API Request"
    # Accepted: the parameters and the token are still checked first.
    assert (await call(session, sim, "daily_consumption", token, **old(prm="1"))).status == 400
    assert (await call(session, sim, "daily_consumption", "a.b.c", **old())).status == 401
    assert (await call(session, sim, "consommation_quotidienne", token, **new())).status == 200


async def test_old_server_serves_the_old_names(
    conso_api_factory: Factory, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    """A server without the 2026 names predates the switch-off: v5 still answers."""
    sim = await conso_api_factory([meter], now=lambda: NOW, serve_new_types=False)
    token = sim.make_token([CONSUMPTION_PRM])
    assert (await call(session, sim, "daily_consumption", token, **old())).status == 200


# ---- the server's own Enedis token -----------------------------------------------------------


async def test_enedis_refuses_the_servers_token(
    api: ConsoApiSimulator, session: aiohttp.ClientSession
) -> None:
    """Enedis's 401 to the server is relayed as a 401, after the user's token was accepted."""
    token = api.make_token([CONSUMPTION_PRM])
    api.enedis_token_refused = True
    answer = await call(session, api, "consommation_quotidienne", token, **new())
    assert answer.status == 401
    assert enedis_error(answer)["fault"]["code"] == 900901
    # The user's token is still checked first: a bad one gets the server's own 401.
    own = await call(session, api, "consommation_quotidienne", "a.b.c", **new())
    assert own.data == {
        "status": 401,
        "message": "Votre token est invalide ou ne permet pas d'accéder à ce PRM",
    }
    api.enedis_token_refused = False
    assert (await call(session, api, "consommation_quotidienne", token, **new())).status == 200


async def test_enedis_token_refresh_fails(
    api: ConsoApiSimulator, session: aiohttp.ClientSession
) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    api.enedis_token_refresh_fails = True
    answer = await call(session, api, "consommation_quotidienne", token, **new())
    assert (answer.status, answer.data) == (
        500,
        {"status": 500, "message": "Impossible de rafraîchir le token. Réessayez plus tard"},
    )
    # Checked after the parameters and the user's token.
    assert (
        await call(session, api, "consommation_quotidienne", token, **new(prm="1"))
    ).status == 400
    assert (await call(session, api, "consommation_quotidienne", "a.b.c", **new())).status == 401


async def test_unknown_prm_is_relayed_as_enedis_answers(
    api: ConsoApiSimulator, session: aiohttp.ClientSession
) -> None:
    """A PRM the token lists but Enedis has no consent for: Enedis's 403, not a 401."""
    token = api.make_token([UNKNOWN_PRM])
    answer = await call(session, api, "consommation_quotidienne", token, **new(prm=UNKNOWN_PRM))
    assert answer.status == 403
    assert enedis_error(answer)["error"] == "ADAM-DC-0008"


# ---- Cloudflare ban, quotas ---------------------------------------------------------------


async def test_ban_after_threshold(
    conso_api_factory: Factory, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    """The job at 12:00 UTC bans a client that made the threshold in 00:00-12:00; for good."""
    clock = [datetime(2026, 11, 23, 6, 0, tzinfo=UTC)]
    sim = await conso_api_factory(
        [meter], now=lambda: clock[0], ban_threshold=5, max_per_second=None
    )
    token = sim.make_token([CONSUMPTION_PRM])
    statuses = []
    for _ in range(6):  # 06:00 to 11:00 UTC: the threshold is passed, but no job ran yet
        statuses.append(
            (await call(session, sim, "consommation_quotidienne", token, **new())).status
        )
        clock[0] += timedelta(hours=1)
    assert statuses == [200] * 6
    assert not sim.banned
    banned = await call(session, sim, "consommation_quotidienne", token, **new())  # 12:00
    assert (banned.status, banned.content_type) == (403, "text/html")
    assert "Sorry, you have been blocked" in banned.text
    assert sim.banned
    clock[0] += timedelta(days=3)  # never lifted by itself
    assert (await call(session, sim, "consommation_quotidienne", token, **new())).status == 403
    sim.unban()
    assert (await call(session, sim, "consommation_quotidienne", token, **new())).status == 200


async def test_ban_counts_fixed_utc_windows(
    conso_api_factory: Factory, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    """Eight requests within 7 hours but 4 in each UTC window: under a threshold of 5."""
    sim = await conso_api_factory([meter], ban_threshold=5, max_per_second=None)
    token = sim.make_token([CONSUMPTION_PRM])
    day = datetime(2026, 11, 23, tzinfo=UTC)
    for hours in (8, 9, 10, 11.5, 12, 13, 14, 15, 24):
        sim.now = lambda hours=hours: day + timedelta(hours=hours)
        assert (await call(session, sim, "consommation_quotidienne", token, **new())).status == 200
    assert not sim.banned


async def test_ban_window_is_12_hours(
    conso_api_factory: Factory, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    clock = [NOW]
    sim = await conso_api_factory(
        [meter], now=lambda: clock[0], ban_threshold=3, max_per_second=None
    )
    token = sim.make_token([CONSUMPTION_PRM])
    for _ in range(10):
        assert (await call(session, sim, "consommation_quotidienne", token, **new())).status == 200
        clock[0] += timedelta(hours=6, seconds=1)


async def test_ban_now(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    api.ban()
    answer = await call(session, api, "consommation_quotidienne", None, **new())
    assert (answer.status, answer.content_type) == (403, "text/html")


async def test_per_second_quota(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    api.max_per_second = 5
    token = api.make_token([CONSUMPTION_PRM])
    answers = [
        await call(session, api, "consommation_quotidienne", token, **new()) for _ in range(6)
    ]
    assert [a.status for a in answers] == [200] * 5 + [429]
    error = enedis_error(answers[-1])
    assert error["code"] == "900804"
    assert error["nextAccessTime"] == "2026-Nov-23 10:00:01+0000 UTC"
    await asyncio.sleep(1.05)
    assert (await call(session, api, "consommation_quotidienne", token, **new())).status == 200


async def test_rate_limit(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    api.rate_limit(datetime(2026, 11, 23, 11, 0, tzinfo=UTC))
    answer = await call(session, api, "consommation_quotidienne", token, **new())
    assert answer.status == 429
    assert enedis_error(answer)["nextAccessTime"] == "2026-Nov-23 11:00:00+0000 UTC"
    api.now = lambda: datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    assert (await call(session, api, "consommation_quotidienne", token, **new())).status == 200
    api.rate_limit(None)
    fault = await call(session, api, "consommation_quotidienne", token, **new())
    assert enedis_error(fault)["fault"]["code"] == 900807
    assert (await call(session, api, "consommation_quotidienne", token, **new())).status == 200


async def test_hourly_quota(
    conso_api_factory: Factory, session: aiohttp.ClientSession, meter: SimulatedMeter
) -> None:
    sim = await conso_api_factory([meter], now=lambda: NOW, max_per_hour=2, max_per_second=None)
    token = sim.make_token([CONSUMPTION_PRM])
    statuses = [
        (await call(session, sim, "consommation_quotidienne", token, **new())).status
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


# ---- fault injection, log -----------------------------------------------------------------


async def test_fail_next(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    api.fail_next(500, {"status": 500, "message": "Erreur inconnue. Réessayez plus tard"}, times=2)
    api.fail_next(
        502, "<html>Bad gateway</html>", content_type="text/html", type="consumption_load_curve"
    )
    first = await call(session, api, "consommation_quotidienne", token, **new())
    assert (first.status, first.data["message"]) == (500, "Erreur inconnue. Réessayez plus tard")
    assert (await call(session, api, "consommation_quotidienne", token, **new())).status == 500
    assert (await call(session, api, "consommation_quotidienne", token, **new())).status == 200
    html = await call(session, api, "consumption_load_curve", token, **old())
    assert (html.status, html.content_type, html.text) == (
        502,
        "text/html",
        "<html>Bad gateway</html>",
    )


async def test_break_next(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    api.break_next("truncated")
    with pytest.raises(aiohttp.ClientPayloadError):
        await call(session, api, "consommation_quotidienne", token, **new())
    api.break_next("drop")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await call(session, api, "consommation_quotidienne", token, **new())
    api.break_next("invalid")
    async with session.get(
        f"{api.base_url}/consommation_quotidienne",
        params=new(),
        headers={"Authorization": f"Bearer {token}"},
    ) as resp:
        assert resp.status == 200
        with pytest.raises(ValueError, match=r"Expecting|Unterminated"):
            await resp.json()
    assert (await call(session, api, "consommation_quotidienne", token, **new())).status == 200
    assert [r.status for r in api.requests] == [200, 0, 0, 200, 200]


async def test_delay_and_client_timeout(
    api: ConsoApiSimulator, session: aiohttp.ClientSession
) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    api.delay = 5
    with pytest.raises(TimeoutError):
        async with session.get(
            f"{api.base_url}/consommation_quotidienne",
            params=new(),
            headers={"Authorization": f"Bearer {token}"},
            timeout=aiohttp.ClientTimeout(total=0.2),
        ):
            pass
    api.delay = 0.05
    assert (await call(session, api, "consommation_quotidienne", token, **new())).status == 200


async def test_request_log(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    api.serve_old_types = True  # before Enedis switched v5 off
    token = api.make_token([CONSUMPTION_PRM])
    await call(session, api, "consommation_quotidienne", token, **new())
    await call(session, api, "daily_consumption", token, **old(start="2026-11-01"))
    await call(session, api, "daily_consumption", None, **old())
    first, second, third = api.requests
    assert (first.type, first.prm, first.start, first.end, first.status) == (
        "consommation_quotidienne",
        CONSUMPTION_PRM,
        "2026-11-20",
        "2026-11-23",
        200,
    )
    assert first.time == NOW
    assert (second.type, second.start, third.status) == ("daily_consumption", "2026-11-01", 400)
    assert api.count("daily_consumption") == 2
    assert api.count(status=200) == 2


async def test_stop_ends_pending_requests(
    api: ConsoApiSimulator, session: aiohttp.ClientSession
) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    api.delay = 30
    pending = asyncio.create_task(call(session, api, "consommation_quotidienne", token, **new()))
    await asyncio.sleep(0.1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await api.stop()
    assert loop.time() - started < 2
    answer = await pending
    assert answer.status == 200


async def test_default_clock_follows_freezer(
    conso_api: ConsoApiSimulator, session: aiohttp.ClientSession, freezer: Any
) -> None:
    conso_api.max_per_second = None
    freezer.move_to(datetime(2026, 11, 23, 7, 59, tzinfo=PARIS))
    token = conso_api.make_token([CONSUMPTION_PRM])
    params = new(start="2026-11-22", end="2026-11-23")
    assert (
        await call(session, conso_api, "consommation_quotidienne", token, **params)
    ).status == 404
    freezer.move_to(datetime(2026, 11, 23, 8, 0, tzinfo=PARIS))
    assert (
        await call(session, conso_api, "consommation_quotidienne", token, **params)
    ).status == 200
    assert conso_api.requests[-1].time == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


async def test_log_over_http(api: ConsoApiSimulator, session: aiohttp.ClientSession) -> None:
    token = api.make_token([CONSUMPTION_PRM])
    await call(session, api, "consommation_quotidienne", token, **new())
    async with session.get(f"{api.root_url}/_simulator/requests") as resp:
        entries = await resp.json()
    assert [(e["type"], e["status"], e["time"]) for e in entries] == [
        ("consommation_quotidienne", 200, NOW.isoformat())
    ]
    assert len(api.requests) == 1
