"""The config flow: both sources, every error, multi-PRM, duplicates, reauth, reconfigure."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.linky.config_flow import ProbeResult, _check_url
from custom_components.linky.const import DOMAIN
from linky_simulator import ConsoApiSimulator, EnedisSimulator, SimulatedMeter
from tests.const import CONSUMPTION_ONLY_PRM, CONSUMPTION_PRM, NOW, TODAY, UNKNOWN_PRM
from tests.integration_helpers import conso_entry, enedis_entry

USER = {"source": SOURCE_USER}


@pytest.fixture(autouse=True)
def _integration(recorder_mock: Any, enable_custom_integrations: None) -> None:
    """The recorder (a dependency) and the custom integration, for every test."""


@pytest.fixture(autouse=True)
def _no_setup() -> Iterator[AsyncMock]:
    """Creating an entry does not set it up here (tests/test_init.py does)."""
    with patch("custom_components.linky.async_setup_entry", return_value=True) as mock:
        yield mock


async def _conso_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context=USER)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["conso", "enedis"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "conso"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "conso"
    return result["flow_id"]


async def _enedis_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context=USER)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "enedis"}
    )
    assert result["step_id"] == "enedis"
    return result["flow_id"]


def _fields(result: Any) -> list[str]:
    return [str(key) for key in result["data_schema"].schema]


async def _submit_conso(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    flow_id: str,
    token: str | None = None,
    *,
    base_url: str | None = None,
) -> Any:
    """Submit the Conso API form: `token` (default: one for CONSUMPTION_PRM), fake server."""
    return await hass.config_entries.flow.async_configure(
        flow_id,
        {
            "token": token if token is not None else conso_api.make_token([CONSUMPTION_PRM]),
            "advanced": {"base_url": base_url or conso_api.base_url},
        },
    )


async def _submit_enedis(
    hass: HomeAssistant,
    enedis_api: EnedisSimulator,
    flow_id: str,
    *,
    client_secret: str | None = None,
    prm: str = CONSUMPTION_PRM,
) -> Any:
    """Submit the Enedis form: the fake server's credentials (or `client_secret`) and `prm`."""
    return await hass.config_entries.flow.async_configure(
        flow_id,
        {
            "client_id": enedis_api.client_id,
            "client_secret": client_secret or enedis_api.client_secret,
            "prm": prm,
            "advanced": {"base_url": enedis_api.base_url},
        },
    )


# -- Conso API ---------------------------------------------------------------------------------


async def test_conso_single_prm_producing(
    hass: HomeAssistant, conso_api: ConsoApiSimulator
) -> None:
    """One PRM: token checked, production detected and offered checked, entry created."""
    flow_id = await _conso_form(hass)
    token = conso_api.make_token([CONSUMPTION_PRM])
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"token": f"  {token} ", "advanced": {"base_url": conso_api.base_url + "/"}}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "production"
    assert result["description_placeholders"] == {"prm": CONSUMPTION_PRM}
    schema = result["data_schema"]
    assert schema({}) == {"production": True}  # default: what the API answered
    # test-before-configure: daily consumption then daily production, nothing else
    assert [r.type for r in conso_api.requests] == [
        "consommation_quotidienne",
        "production_quotidienne",
    ]

    result = await hass.config_entries.flow.async_configure(flow_id, {"production": True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Linky {CONSUMPTION_PRM}"
    assert result["result"].unique_id == CONSUMPTION_PRM
    data = result["data"]
    assert 0 <= data.pop("poll_offset") < 240
    assert data == {
        "source": "conso",
        "token": token,
        "base_url": conso_api.base_url,
        "prm": CONSUMPTION_PRM,
    }
    assert result["options"] == {"production": True, "tariffs": []}


async def test_conso_consumption_only_meter(
    hass: HomeAssistant, conso_api: ConsoApiSimulator
) -> None:
    """A meter without production (ADAM-ERR0069): the box is offered unchecked; user decides."""
    flow_id = await _conso_form(hass)
    token = conso_api.make_token([CONSUMPTION_ONLY_PRM])
    result = await _submit_conso(hass, conso_api, flow_id, token)
    assert result["step_id"] == "production"
    assert result["data_schema"]({}) == {"production": False}
    result = await hass.config_entries.flow.async_configure(flow_id, {"production": False})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"]["production"] is False


@pytest.mark.parametrize(
    ("status", "code", "description", "produces"),
    [
        (403, "ADAM-DC-0008", "No consent", False),  # no consent on production: unchecked
        (404, "no_data_found", "no measure found", True),  # no data in the range: may produce
    ],
)
async def test_conso_production_refused_or_not_published_yet(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    *,
    status: int,
    code: str,
    description: str,
    produces: bool,
) -> None:
    """403 no consent on production: offered unchecked; a 404 still means it may produce."""
    flow_id = await _conso_form(hass)
    conso_api.fail_next(
        status,
        {
            "status": status,
            "message": "The Enedis API returned an error",
            "error": {"error": code, "error_description": description},
        },
        type="production_quotidienne",
    )
    result = await _submit_conso(hass, conso_api, flow_id)
    assert result["step_id"] == "production"
    assert result["data_schema"]({}) == {"production": produces}


async def test_conso_meter_younger_than_the_probe(
    hass: HomeAssistant,
    conso_api_factory: Callable[..., Awaitable[ConsoApiSimulator]],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A meter activated 3 days ago: ADAM-ERR0123 on both probes proves access, may produce."""
    freezer.move_to(NOW)
    young = SimulatedMeter(
        CONSUMPTION_PRM, seed=1, production=True, first_day=TODAY - timedelta(days=3)
    )
    conso_api = await conso_api_factory([young])
    flow_id = await _conso_form(hass)
    result = await _submit_conso(hass, conso_api, flow_id)
    assert result["step_id"] == "production"
    assert result["data_schema"]({}) == {"production": True}
    assert [r.status for r in conso_api.requests] == [400, 400]  # both ADAM-ERR0123
    result = await hass.config_entries.flow.async_configure(flow_id, {"production": True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_conso_multi_prm(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, conso_token: str
) -> None:
    """Several PRMs in the token: a selector; one entry per PRM; configured ones left out."""
    flow_id = await _conso_form(hass)
    result = await _submit_conso(hass, conso_api, flow_id, conso_token)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "prm"
    assert not conso_api.requests  # nothing asked before the PRM is chosen
    options = result["data_schema"].schema["prm"].config["options"]
    assert options == [CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM]
    result = await hass.config_entries.flow.async_configure(flow_id, {"prm": CONSUMPTION_ONLY_PRM})
    assert result["step_id"] == "production"
    result = await hass.config_entries.flow.async_configure(flow_id, {"production": False})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["prm"] == CONSUMPTION_ONLY_PRM
    assert result["data"]["token"] == conso_token

    # Second run with the same token: only the PRM not configured yet is offered.
    flow_id = await _conso_form(hass)
    result = await _submit_conso(hass, conso_api, flow_id, conso_token)
    assert result["data_schema"].schema["prm"].config["options"] == [CONSUMPTION_PRM]
    result = await hass.config_entries.flow.async_configure(flow_id, {"prm": CONSUMPTION_PRM})
    result = await hass.config_entries.flow.async_configure(flow_id, {"production": True})
    assert result["type"] is FlowResultType.CREATE_ENTRY

    # Third run: every PRM of the token is configured.
    flow_id = await _conso_form(hass)
    result = await _submit_conso(hass, conso_api, flow_id, conso_token)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_conso_multi_prm_error_on_selector(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, conso_token: str
) -> None:
    """A check failing after the PRM choice shows the error on the selector, then recovers."""
    flow_id = await _conso_form(hass)
    await _submit_conso(hass, conso_api, flow_id, conso_token)
    conso_api.fail_next(500, {"status": 500, "message": "Erreur inconnue"})
    result = await hass.config_entries.flow.async_configure(flow_id, {"prm": CONSUMPTION_PRM})
    assert result["step_id"] == "prm"
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(flow_id, {"prm": CONSUMPTION_PRM})
    assert result["step_id"] == "production"


async def test_conso_already_configured(hass: HomeAssistant, conso_api: ConsoApiSimulator) -> None:
    """The same PRM twice aborts, before any request."""
    conso_entry(hass, None)
    flow_id = await _conso_form(hass)
    result = await _submit_conso(hass, conso_api, flow_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert not conso_api.requests


def _enedis_error(status: int, code: str) -> dict[str, Any]:
    return {
        "status": status,
        "message": "The Enedis API returned an error",
        "error": {"error": code, "error_description": "..."},
    }


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error"),
    [
        (
            401,
            {"status": 401, "message": "Votre token est invalide"},
            "application/json",
            "invalid_auth",
        ),
        (403, _enedis_error(403, "ADAM-DC-0008"), "application/json", "no_consent"),
        (
            429,
            {
                "status": 429,
                "message": "The Enedis API returned an error",
                "error": {
                    "code": "900804",
                    "message": "Message throttled out",
                    "nextAccessTime": "2026-Jul-17 05:00:00+0000 UTC",
                },
            },
            "application/json",
            "rate_limited",
        ),
        (403, "<html><h1>Sorry, you have been blocked</h1></html>", "text/html", "blocked"),
        (
            401,  # Enedis refused the server's own token, relayed: not the user's token
            {
                "status": 401,
                "message": "The Enedis API returned an error",
                "error": {"fault": {"code": 900901, "message": "Invalid Credentials"}},
            },
            "application/json",
            "service_error",
        ),
        (
            500,
            {"status": 500, "message": "Erreur inconnue..."},
            "application/json",
            "cannot_connect",
        ),
    ],
)
async def test_conso_errors(
    hass: HomeAssistant,
    conso_api: ConsoApiSimulator,
    *,
    status: int,
    body: Any,
    content_type: str,
    error: str,
) -> None:
    """Each failure of the check has its own error on the form; fixing it then works."""
    flow_id = await _conso_form(hass)
    token = conso_api.make_token([CONSUMPTION_PRM])
    conso_api.fail_next(status, body, content_type=content_type)
    result = await _submit_conso(hass, conso_api, flow_id, token)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "conso"
    assert result["errors"] == {"base": error}
    assert conso_api.make_token([CONSUMPTION_PRM])  # no token in the error
    result = await _submit_conso(hass, conso_api, flow_id, token)
    assert result["step_id"] == "production"


async def test_conso_refused_token(hass: HomeAssistant, conso_api: ConsoApiSimulator) -> None:
    """A token the server does not accept (signature, expired) is refused."""
    flow_id = await _conso_form(hass)
    token = conso_api.make_token([CONSUMPTION_PRM], expired=True)
    result = await _submit_conso(hass, conso_api, flow_id, token)
    assert result["errors"] == {"base": "invalid_auth"}


async def test_conso_token_for_unknown_prm(
    hass: HomeAssistant, conso_api: ConsoApiSimulator
) -> None:
    """A well-formed token for a PRM the server does not know: refused."""
    flow_id = await _conso_form(hass)
    result = await _submit_conso(hass, conso_api, flow_id, conso_api.make_token([UNKNOWN_PRM]))
    assert result["errors"]["base"] in {"invalid_auth", "no_consent"}


@pytest.mark.parametrize("token", ["not a token", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.x"])
async def test_conso_malformed_token(
    hass: HomeAssistant, conso_api: ConsoApiSimulator, token: str
) -> None:
    """A malformed token is refused on the field, without any request."""
    flow_id = await _conso_form(hass)
    result = await _submit_conso(hass, conso_api, flow_id, token)
    assert result["errors"] == {"token": "invalid_token"}
    assert not conso_api.requests


async def test_conso_cannot_connect(hass: HomeAssistant, conso_api: ConsoApiSimulator) -> None:
    """Nothing listening at the address: cannot_connect."""
    flow_id = await _conso_form(hass)
    result = await _submit_conso(hass, conso_api, flow_id, base_url="http://127.0.0.1:9/api")
    assert result["errors"] == {"base": "cannot_connect"}


async def test_conso_connection_dropped(hass: HomeAssistant, conso_api: ConsoApiSimulator) -> None:
    """A truncated answer is a connection problem too."""
    flow_id = await _conso_form(hass)
    conso_api.break_next("drop")
    result = await _submit_conso(hass, conso_api, flow_id)
    assert result["errors"] == {"base": "cannot_connect"}


async def test_conso_invalid_url(hass: HomeAssistant, conso_api: ConsoApiSimulator) -> None:
    """A base URL that is not http(s) is refused on its field."""
    flow_id = await _conso_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {"token": conso_api.make_token([CONSUMPTION_PRM]), "advanced": {"base_url": "ftp://x"}},
    )
    assert result["errors"] == {"base": "invalid_url"}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8099/api",
        "http://192.168.1.10",
        "http://10.0.0.2/api",
        "http://172.31.255.1/api",
        "http://169.254.1.1/api",
        "http://[::1]:8099/api",
        "http://[fd12:3456::1]/api",
        "http://localhost:8099/api",
        "http://conso-api:3000/api",
        "http://nas.local/api",
        "http://nas.lan:8080/api",
        "http://box.home.arpa/api",
        "http://3232235786/api",  # 192.168.1.10 as one number
        "http://0x7f.1:8099/api",  # 127.0.0.1
        "https://conso.example.com/api",
        "https://8.8.8.8/api",
    ],
)
def test_url_check_accepts_https_and_local_http(url: str) -> None:
    """https anywhere; http only to a loopback or private address or a local name."""
    errors: dict[str, str] = {}
    assert _check_url({"base_url": url}, errors) == url
    assert errors == {}


@pytest.mark.parametrize(
    "url",
    [
        "http://conso.example.com/api",
        "http://8.8.8.8/api",
        "http://172.32.0.1/api",
        "http://[2a01:cb00::1]/api",
        "http://localhost.example.com/api",
        # 93.184.216.34 written as browsers and resolvers still read it: not a local name
        "http://1572395042/api",
        "http://0x5db8d822/api",
        "http://0135.0270.0330.042/api",
        "http://93.184.55330/api",
        "http://1.2.3.08/api",  # no valid address, yet a number: not a name either
    ],
)
def test_url_check_refuses_public_http(url: str) -> None:
    """An http:// address on the internet would send the token unencrypted."""
    errors: dict[str, str] = {}
    _check_url({"base_url": url}, errors)
    assert errors == {"base_url": "insecure_url"}


async def test_conso_public_http_refused(hass: HomeAssistant, conso_api: ConsoApiSimulator) -> None:
    """A public http:// address is refused before any request; nothing is saved."""
    flow_id = await _conso_form(hass)
    result = await _submit_conso(hass, conso_api, flow_id, base_url="http://conso.example.com/api")
    assert result["step_id"] == "conso"
    assert result["errors"] == {"base": "insecure_url"}
    assert not conso_api.requests
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_enedis_public_http_refused(hass: HomeAssistant, enedis_api: EnedisSimulator) -> None:
    """The Enedis step checks its address the same way."""
    flow_id = await _enedis_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            "client_id": enedis_api.client_id,
            "client_secret": enedis_api.client_secret,
            "prm": CONSUMPTION_PRM,
            "advanced": {"base_url": "http://gw.example.com"},
        },
    )
    assert result["step_id"] == "enedis"
    assert result["errors"] == {"base": "insecure_url"}
    assert not enedis_api.requests
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_conso_unexpected_error(hass: HomeAssistant, conso_api: ConsoApiSimulator) -> None:
    """An unexpected exception is "unknown" (and logged)."""
    flow_id = await _conso_form(hass)
    with patch(
        "custom_components.linky.config_flow._async_probe", side_effect=RuntimeError("boom")
    ):
        result = await _submit_conso(hass, conso_api, flow_id)
    assert result["errors"] == {"base": "unknown"}


async def test_base_url_in_collapsed_section(hass: HomeAssistant) -> None:
    """The API address sits in a collapsed "advanced" section (not the deprecated advanced mode)."""
    flow_id = await _conso_form(hass)
    result = hass.config_entries.flow.async_get(flow_id)
    flow = hass.config_entries.flow._progress[flow_id]
    form = await flow.async_step_conso()
    assert _fields(form) == ["token", "advanced"]
    advanced = form["data_schema"].schema[
        next(iter(k for k in form["data_schema"].schema if str(k) == "advanced"))
    ]
    assert advanced.options == {"collapsed": True}
    assert [str(k) for k in advanced.schema.schema] == [
        "base_url",
        "tempo_url",
        "tempo_fallback_url",
    ]
    assert result["step_id"] == "conso"


async def test_default_address_is_conso_boris(hass: HomeAssistant) -> None:
    """Without advanced mode, the public service is used (the network is off in tests)."""
    flow_id = await _conso_form(hass)
    with patch(
        "custom_components.linky.config_flow._async_probe", return_value=ProbeResult(False, {})
    ) as probe:
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"token": ConsoApiSimulator([]).make_token([CONSUMPTION_PRM])}
        )
    assert result["step_id"] == "production"
    client = probe.call_args.args[0]
    assert client.base_url == "https://conso.boris.sh/api"


TEMPO_LOCAL = "http://127.0.0.1:8097/cms/open_data/v1"
FALLBACK_LOCAL = "http://127.0.0.1:8097/api"


async def test_tempo_addresses_in_the_advanced_section(
    hass: HomeAssistant, conso_api: ConsoApiSimulator
) -> None:
    """Both Tempo addresses are cleaned and kept; the default ones are not stored."""
    token = conso_api.make_token([CONSUMPTION_PRM])
    advanced = {"base_url": conso_api.base_url}
    flow_id = await _conso_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            "token": token,
            "advanced": {
                **advanced,
                "tempo_url": f" {TEMPO_LOCAL}/ ",
                "tempo_fallback_url": "http://tempo.example.com/api",
            },
        },
    )
    assert result["errors"] == {"base": "insecure_url"}  # http:// to the internet
    assert not conso_api.requests
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            "token": token,
            "advanced": {
                **advanced,
                "tempo_url": f" {TEMPO_LOCAL}/ ",
                "tempo_fallback_url": FALLBACK_LOCAL + "/",
            },
        },
    )
    result = await hass.config_entries.flow.async_configure(flow_id, {"production": False})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["tempo_url"] == TEMPO_LOCAL
    assert result["data"]["tempo_fallback_url"] == FALLBACK_LOCAL

    flow_id = await _conso_form(hass)
    defaults = {
        "tempo_url": "https://www.services-rte.com/cms/open_data/v1",
        "tempo_fallback_url": "https://www.api-couleur-tempo.fr/api/",
    }
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {"token": conso_api.make_token([CONSUMPTION_ONLY_PRM]), "advanced": advanced | defaults},
    )
    result = await hass.config_entries.flow.async_configure(flow_id, {"production": False})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "tempo_url" not in result["data"]
    assert "tempo_fallback_url" not in result["data"]


# -- Enedis Data Connect ------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["v2", "metering_data"])
async def test_enedis(hass: HomeAssistant, enedis_api: EnedisSimulator, family: Any) -> None:
    """Client id, secret and PRM: checked (token + consumption + production), then created,
    whichever family of metering paths the application is subscribed to."""
    enedis_api.family = family
    flow_id = await _enedis_form(hass)
    result = await _submit_enedis(hass, enedis_api, flow_id)
    answered = [r.path.rsplit("/", 1)[-1] for r in enedis_api.requests if r.status == 200]
    assert answered == [
        "token",
        *(
            ("consommation_quotidienne", "production_quotidienne")
            if family == "v2"
            else ("daily_consumption", "daily_production")
        ),
    ]
    assert result["step_id"] == "production"
    assert result["data_schema"]({}) == {"production": True}
    result = await hass.config_entries.flow.async_configure(flow_id, {"production": True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == CONSUMPTION_PRM
    data = dict(result["data"])
    data.pop("poll_offset")
    assert data == {
        "source": "enedis",
        "client_id": enedis_api.client_id,
        "client_secret": enedis_api.client_secret,
        "prm": CONSUMPTION_PRM,
        "base_url": enedis_api.base_url,
    }


async def test_enedis_refused_credentials(hass: HomeAssistant, enedis_api: EnedisSimulator) -> None:
    """Wrong secret: invalid_client; the secret is not put back in the form."""
    flow_id = await _enedis_form(hass)
    result = await _submit_enedis(hass, enedis_api, flow_id, client_secret="wrong")
    assert result["errors"] == {"base": "invalid_client"}
    suggested = _suggested(result)
    assert suggested["client_id"] == enedis_api.client_id
    assert suggested["client_secret"] is None


async def test_enedis_no_consent(hass: HomeAssistant, enedis_api: EnedisSimulator) -> None:
    """A PRM the application has no consent for: no_consent."""
    flow_id = await _enedis_form(hass)
    result = await _submit_enedis(hass, enedis_api, flow_id, prm=UNKNOWN_PRM)
    assert result["errors"] == {"base": "no_consent"}


async def test_enedis_invalid_prm(hass: HomeAssistant, enedis_api: EnedisSimulator) -> None:
    """A PRM is 14 digits: refused on its field without a request."""
    flow_id = await _enedis_form(hass)
    result = await _submit_enedis(hass, enedis_api, flow_id, prm="1234")
    assert result["errors"] == {"prm": "invalid_prm"}
    assert not enedis_api.requests


async def test_enedis_already_configured(hass: HomeAssistant, enedis_api: EnedisSimulator) -> None:
    """The same PRM from the other source: already configured."""
    conso_entry(hass, None)
    flow_id = await _enedis_form(hass)
    result = await _submit_enedis(hass, enedis_api, flow_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


# -- reauth and reconfigure -----------------------------------------------------------------------


async def test_reauth_conso(hass: HomeAssistant, conso_api: ConsoApiSimulator) -> None:
    """A new token is checked; one for another meter is refused; the right one is saved."""
    token = conso_api.make_token([CONSUMPTION_PRM], expired=True)
    entry = conso_entry(hass, conso_api, production=True, poll_offset=42, token=token)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert _fields(result) == ["token"]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": conso_api.make_token([CONSUMPTION_ONLY_PRM])}
    )
    assert result["errors"] == {"base": "prm_not_in_token"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": "nope"})
    assert result["errors"] == {"base": "invalid_token"}

    new_token = conso_api.make_token([CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM])
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": new_token})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"] == new_token
    assert entry.data["poll_offset"] == 42


async def test_reauth_enedis(hass: HomeAssistant, enedis_api: EnedisSimulator) -> None:
    """Enedis credentials: refused, then accepted."""
    entry = enedis_entry(hass, enedis_api, poll_offset=0, client_secret="old")
    result = await entry.start_reauth_flow(hass)
    assert _fields(result) == ["client_id", "client_secret"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_id": enedis_api.client_id, "client_secret": "still wrong"}
    )
    assert result["errors"] == {"base": "invalid_client"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"client_id": enedis_api.client_id, "client_secret": enedis_api.client_secret},
    )
    assert result["reason"] == "reauth_successful"
    assert entry.data["client_secret"] == enedis_api.client_secret


async def test_reconfigure(hass: HomeAssistant, conso_api: ConsoApiSimulator) -> None:
    """Token and address can be changed; they are checked first."""
    entry = conso_entry(hass, conso_api, production=True, poll_offset=42)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    assert _fields(result) == ["token", "base_url", "tempo_url", "tempo_fallback_url"]

    token = conso_api.make_token([CONSUMPTION_PRM])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": token, "base_url": "http://127.0.0.1:9/api"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": token, "base_url": "nonsense"}
    )
    assert result["errors"] == {"base_url": "invalid_url"}
    sent = len(conso_api.requests)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": token, "base_url": "http://conso.example.com/api"}
    )
    assert result["errors"] == {"base_url": "insecure_url"}
    assert len(conso_api.requests) == sent
    assert entry.data["base_url"] == conso_api.base_url
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": token, "base_url": conso_api.base_url + "/"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["token"] == token
    assert entry.data["base_url"] == conso_api.base_url
    assert entry.data["poll_offset"] == 42


async def test_reconfigure_keeps_the_secret_left_empty(
    hass: HomeAssistant, conso_api: ConsoApiSimulator
) -> None:
    """Only an address changes: the stored token or secret stays; the end message is ours."""
    entry = conso_entry(hass, conso_api, production=True, poll_offset=42)
    token = entry.data["token"]
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": "  ", "base_url": conso_api.base_url + "/"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    # None: Home Assistant looks the reason up in this integration's own (translated) texts.
    assert result.get("translation_domain") is None
    assert entry.data["token"] == token


async def test_reconfigure_keeps_the_client_secret_left_empty(
    hass: HomeAssistant, enedis_api: EnedisSimulator
) -> None:
    other = enedis_entry(hass, enedis_api, poll_offset=7, client_secret=enedis_api.client_secret)
    result = await other.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_id": enedis_api.client_id, "base_url": enedis_api.base_url}
    )
    assert result["reason"] == "reconfigure_successful"
    assert other.data["client_secret"] == enedis_api.client_secret


async def test_reconfigure_back_to_default_address(
    hass: HomeAssistant, conso_api: ConsoApiSimulator
) -> None:
    """Clearing the address (or giving the default one) drops base_url from the data."""
    entry = conso_entry(hass, conso_api, production=True, poll_offset=42)
    result = await entry.start_reconfigure_flow(hass)
    with patch("custom_components.linky.config_flow._async_probe", return_value=False):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"token": entry.data["token"], "base_url": "https://conso.boris.sh/api"},
        )
    assert result["reason"] == "reconfigure_successful"
    assert "base_url" not in entry.data


async def test_reconfigure_enedis(hass: HomeAssistant, enedis_api: EnedisSimulator) -> None:
    """Enedis credentials are replaced after a check; the PRM stays."""
    entry = enedis_entry(
        hass, enedis_api, poll_offset=7, client_id="old-id", client_secret="old-secret"
    )
    result = await entry.start_reconfigure_flow(hass)
    assert _fields(result) == [
        "client_id",
        "client_secret",
        "base_url",
        "tempo_url",
        "tempo_fallback_url",
    ]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "client_id": enedis_api.client_id,
            "client_secret": enedis_api.client_secret,
            "base_url": enedis_api.base_url,
        },
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["client_id"] == enedis_api.client_id
    assert entry.data["prm"] == CONSUMPTION_PRM
    assert entry.data["poll_offset"] == 7


def _suggested(result: Any) -> dict[str, Any]:
    return {
        str(key): (key.description or {}).get("suggested_value")
        for key in result["data_schema"].schema
    }


async def test_reconfigure_tempo_addresses(
    hass: HomeAssistant, conso_api: ConsoApiSimulator
) -> None:
    """Both Tempo addresses are offered, checked like the API's, and saved (default: dropped)."""
    entry = conso_entry(hass, conso_api, poll_offset=42, tempo_url=TEMPO_LOCAL)
    result = await entry.start_reconfigure_flow(hass)
    assert _suggested(result) == {
        "token": None,
        "base_url": conso_api.base_url,
        "tempo_url": TEMPO_LOCAL,
        "tempo_fallback_url": "https://www.api-couleur-tempo.fr/api",
    }
    token = entry.data["token"]
    base = {"token": token, "base_url": conso_api.base_url}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**base, "tempo_url": "nonsense", "tempo_fallback_url": "http://tempo.example.com/api"},
    )
    assert result["errors"] == {"tempo_url": "invalid_url", "tempo_fallback_url": "insecure_url"}
    assert not conso_api.requests
    assert entry.data["tempo_url"] == TEMPO_LOCAL

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            **base,
            "tempo_url": "https://www.services-rte.com/cms/open_data/v1/",
            "tempo_fallback_url": f"{FALLBACK_LOCAL}/",
        },
    )
    assert result["reason"] == "reconfigure_successful"
    assert "tempo_url" not in entry.data  # back to RTE's own
    assert entry.data["tempo_fallback_url"] == FALLBACK_LOCAL
    assert entry.data["token"] == token
    assert entry.data["base_url"] == conso_api.base_url
    assert entry.data["poll_offset"] == 42

    result = await entry.start_reconfigure_flow(hass)
    assert _suggested(result)["tempo_url"] == "https://www.services-rte.com/cms/open_data/v1"
    assert _suggested(result)["tempo_fallback_url"] == FALLBACK_LOCAL
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**base, "tempo_url": "", "tempo_fallback_url": ""}
    )
    assert result["reason"] == "reconfigure_successful"
    assert "tempo_url" not in entry.data
    assert "tempo_fallback_url" not in entry.data


async def test_options_flow_is_offered(hass: HomeAssistant) -> None:
    """The options flow (production, tariffs) comes from options_flow.py."""
    entry = conso_entry(hass, None, poll_offset=0)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] in (FlowResultType.FORM, FlowResultType.MENU)
