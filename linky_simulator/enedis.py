"""A fake Enedis Data Connect: OAuth2, either family of metering paths, and the contract."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Final, Literal

from aiohttp import web

from ._http import BaseSimulator, RequestInfo, json_response
from .meter import SimulatedMeter
from .serving import (
    NEW_KINDS,
    DataKind,
    EnedisError,
    business_error,
    no_consent,
    parse_day,
    resource_not_found,
    serve,
    server_token_refused,
)

_INVALID_TOKEN = server_token_refused().body
_MISSING_TOKEN = {
    "fault": {
        "code": 900902,
        "message": "Missing Credentials",
        "description": "Required OAuth credentials not provided. Make sure your API invocation "
        "call has a header: 'Authorization : Bearer ACCESS_TOKEN'",
    }
}
type Family = Literal["v2", "metering_data"]
V2_ROOT: Final = "/mesure_synchrone_auto/v2"
METERING_DATA_ROOT: Final = "/mesure_synchrone_auto/v1/metering_data"
V5_NAMES: Final = {
    "daily_consumption": "consommation_quotidienne",
    "consumption_load_curve": "courbe_de_charge_consommation",
    "daily_consumption_max_power": "puissance_conso_max_quotidienne",
    "daily_production": "production_quotidienne",
    "production_load_curve": "courbe_de_charge_production",
}
"""The ``v1/metering_data`` names (Enedis's v5 ones) and the 2026 kind each serves."""
_METHOD_NOT_ALLOWED = {
    "code": "405",
    "type": "Status report",
    "message": "Method Not Allowed",
    "description": "The requested HTTP method is not allowed for the resource.",
}


class EnedisSimulator(BaseSimulator):
    """Enedis Data Connect at ``http://127.0.0.1:PORT`` serving simulated meters.

    ``POST /oauth2/v3/token`` (form or HTTP Basic credentials; ``expires_in`` is sent as given,
    an int or a string), ``POST /oauth2/v3/revoke``, and the family of metering paths the
    application is subscribed to (`family`; the other one answers the gateway's 404):

    - ``"v2"``: ``GET /mesure_synchrone_auto/v2/<name>?pointId=&dateDebut=&dateFin=`` with the
      same data and rules as the Conso API's new types;
    - ``"metering_data"``: ``GET /mesure_synchrone_auto/v1/metering_data/<v5 name>?
      usage_point_id=&start=&end=`` (`V5_NAMES`; max power also needs ``grandeurPhysique=PMA``)
      answering the v5 body ``{"meter_reading": {…}}`` and v5 errors; no registers.

    ``GET /situation_contrat_auto/v1/<prm>`` gives the contract (a list of one, with the meter's
    ``subscribed_power_kva``). A meter not in `meters` has no consent (403 ADAM-DC-0008).
    Errors go out with `error_content_type` (Enedis does not always say JSON).
    """

    def __init__(
        self,
        meters: Iterable[SimulatedMeter],
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        expires_in: int | str = 12600,
        now: Callable[[], datetime] | None = None,
        max_per_second: int | None = 5,
        max_per_hour: int | None = None,
        error_content_type: str = "application/json",
        family: Family = "v2",
    ) -> None:
        """Serve `meters`; credentials are generated when not given."""
        super().__init__(now=now, max_per_second=max_per_second, max_per_hour=max_per_hour)
        self.meters: dict[str, SimulatedMeter] = {meter.prm: meter for meter in meters}
        self.client_id = client_id or secrets.token_hex(16)
        self.client_secret = client_secret or secrets.token_urlsafe(24)
        self.expires_in = expires_in
        self.error_content_type = error_content_type
        self.family: Family = family
        self.tokens: dict[str, datetime] = {}
        self.revoked: list[str] = []

    def make_app(self) -> web.Application:
        """Build the application: token, revoke and the metering routes."""
        app = web.Application()
        app.router.add_route("*", "/oauth2/v3/token", self._token_entry)
        app.router.add_route("*", "/oauth2/v3/revoke", self._revoke_entry)
        app.router.add_route("*", V2_ROOT + "/{name}", self._v2_entry)
        app.router.add_route("*", METERING_DATA_ROOT + "/{name}", self._metering_data_entry)
        app.router.add_route("*", "/situation_contrat_auto/v1/{prm}", self._contract_entry)
        return app

    def add_meter(self, meter: SimulatedMeter) -> None:
        """Give consent for one more meter."""
        self.meters[meter.prm] = meter

    def expire_tokens(self) -> None:
        """Make every access token issued so far expired."""
        now = self.now()
        for token in self.tokens:
            self.tokens[token] = now

    def _lifetime(self) -> timedelta:
        return timedelta(seconds=int(self.expires_in))

    def _error(self, status: int, body: object) -> web.Response:
        return json_response(status, body, self.error_content_type)

    # ---- OAuth2 -------------------------------------------------------------------------

    async def _credentials(self, request: web.Request) -> tuple[str | None, str | None, str | None]:
        form = await request.post()
        client_id = form.get("client_id")
        client_secret = form.get("client_secret")
        grant = form.get("grant_type")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                decoded = base64.b64decode(auth[6:], validate=True).decode()
                client_id, _, client_secret = decoded.partition(":")
            except binascii.Error, UnicodeDecodeError:
                client_id = client_secret = None
        return (
            client_id if isinstance(client_id, str) else None,
            client_secret if isinstance(client_secret, str) else None,
            grant if isinstance(grant, str) else None,
        )

    async def _token_entry(self, request: web.Request) -> web.StreamResponse:
        return await self.run(request, RequestInfo(type="token"), self._token)

    async def _token(self, request: web.Request, info: RequestInfo) -> web.StreamResponse:
        if request.method != "POST":
            return self._error(405, {"error": "invalid_request", "error_description": "POST only"})
        client_id, client_secret, grant = await self._credentials(request)
        if grant is None:
            return self._error(
                400,
                {"error": "invalid_request", "error_description": "Missing parameters: grant_type"},
            )
        if grant != "client_credentials":
            return self._error(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "Unsupported grant_type value",
                },
            )
        if client_id != self.client_id or client_secret != self.client_secret:
            return self._error(
                401,
                {"error": "invalid_client", "error_description": "Client Authentication failed."},
            )
        token = secrets.token_urlsafe(32)
        self.tokens[token] = self.now() + self._lifetime()
        return json_response(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "scope": "am_application_scope default",
            },
        )

    async def _revoke_entry(self, request: web.Request) -> web.StreamResponse:
        return await self.run(request, RequestInfo(type="revoke"), self._revoke)

    async def _revoke(self, request: web.Request, info: RequestInfo) -> web.StreamResponse:
        if request.method != "POST":
            return self._error(405, {"error": "invalid_request", "error_description": "POST only"})
        form = await request.post()
        token = form.get("token")
        if isinstance(token, str) and self.tokens.pop(token, None) is not None:
            self.revoked.append(token)
        return web.Response(status=200)

    # ---- metering -----------------------------------------------------------------------

    async def _v2_entry(self, request: web.Request) -> web.StreamResponse:
        info = RequestInfo(
            type=request.match_info["name"],
            prm=request.query.get("pointId"),
            start=request.query.get("dateDebut"),
            end=request.query.get("dateFin"),
        )
        return await self.run(request, info, partial(self._data, self._serve))

    async def _metering_data_entry(self, request: web.Request) -> web.StreamResponse:
        info = RequestInfo(
            type=request.match_info["name"],
            prm=request.query.get("usage_point_id"),
            start=request.query.get("start"),
            end=request.query.get("end"),
        )
        return await self.run(request, info, partial(self._data, self._serve_metering_data))

    def token_valid(self, token: str) -> bool:
        """Whether `token` is a live access token."""
        expiry = self.tokens.get(token)
        return expiry is not None and self.now() < expiry

    def _refusal(self, request: web.Request) -> web.Response | None:
        """Return the refusal of a request without a live token or not a GET (else None)."""
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return self._error(401, _MISSING_TOKEN)
        if not self.token_valid(auth[7:].strip()):
            return self._error(401, _INVALID_TOKEN)
        if request.method != "GET":
            return self._error(405, _METHOD_NOT_ALLOWED)
        return None

    async def _data(
        self,
        serve: Callable[[web.Request, RequestInfo], dict[str, object]],
        request: web.Request,
        info: RequestInfo,
    ) -> web.StreamResponse:
        if (refusal := self._refusal(request)) is not None:
            return refusal
        try:
            body = serve(request, info)
        except EnedisError as err:
            return self._error(err.status, err.body)
        return json_response(200, body)

    # ---- contract data ------------------------------------------------------------------

    async def _contract_entry(self, request: web.Request) -> web.StreamResponse:
        info = RequestInfo(type="situation_contrat", prm=request.match_info["prm"])
        return await self.run(request, info, self._contract)

    async def _contract(self, request: web.Request, info: RequestInfo) -> web.StreamResponse:
        if (refusal := self._refusal(request)) is not None:
            return refusal
        if (quota := self.quota_error()) is not None:
            return self._error(quota.status, quota.body)
        meter = self.meters.get(info.prm or "")
        if meter is None:
            err = no_consent()
            return self._error(err.status, err.body)
        return json_response(200, [contract_situation(meter)])

    def _kind(self, family: Family, kind: DataKind | None) -> DataKind:
        """Return the kind a path serves; the gateway's 404 if the application may not call it."""
        if kind is None or family != self.family:
            raise resource_not_found()
        quota = self.quota_error()
        if quota is not None:
            raise quota
        return kind

    def _serve(self, request: web.Request, info: RequestInfo) -> dict[str, object]:
        kind = self._kind("v2", NEW_KINDS.get(info.type))
        for name, value in (
            ("pointId", info.prm),
            ("dateDebut", info.start),
            ("dateFin", info.end),
        ):
            if not value:
                raise business_error(
                    400, "Invalid_request", f"Le paramètre {name} est obligatoire."
                )
        prm, first, last = info.prm or "", info.start or "", info.end or ""
        monthly = False
        if kind.measure == "max_power":
            step = request.query.get("mesuresPas")
            physical = request.query.get("grandeurPhysique")
            if step not in {"P1D", "P1M"} or physical not in {"PMA", "TOUT"}:
                raise business_error(
                    400,
                    "Invalid_request",
                    "Les paramètres mesuresPas (P1D, P1M) et grandeurPhysique (PMA, TOUT) "
                    "sont obligatoires.",
                )
            monthly = step == "P1M"
        meter = self.meters.get(prm)
        if meter is None:
            raise no_consent()
        start = parse_day(first, legacy=False)
        end = parse_day(last, legacy=False)
        return serve(meter, kind, start, end, self.now(), monthly_max=monthly)

    def _serve_metering_data(self, request: web.Request, info: RequestInfo) -> dict[str, object]:
        name = V5_NAMES.get(info.type)
        kind = self._kind("metering_data", NEW_KINDS[name] if name else None)
        query = (("usage_point_id", info.prm), ("start", info.start), ("end", info.end))
        for param, value in query:
            if not value:
                raise business_error(400, "Invalid_request", f"{param} parameter is missing")
        if kind.measure == "max_power" and request.query.get("grandeurPhysique") != "PMA":
            raise business_error(400, "Invalid_request", "grandeurPhysique must be PMA")
        meter = self.meters.get(info.prm or "")
        if meter is None:
            raise no_consent()
        start = parse_day(info.start or "", legacy=True)
        end = parse_day(info.end or "", legacy=True)
        return {"meter_reading": serve(meter, kind, start, end, self.now(), legacy=True)}


def contract_situation(meter: SimulatedMeter) -> dict[str, object]:
    """One contract of ``situation_contrat_auto/v1`` (a home's, segment C5) for the meter."""
    return {
        "usage_point_id": meter.prm,
        "segment": "C5",
        "contract_type": "CARD-S",
        "contract_start": f"{meter.first_day.isoformat()}T00:00:00+0100",
        "distribution_tariff": "BTINFCU4",
        "subscribed_power": {"unit": "kVA", "value": str(meter.subscribed_power_kva)},
        "pricing_structure": "BTINF",
    }
