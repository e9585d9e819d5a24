"""A fake Conso API (conso.boris.sh) serving simulated meters, with its quirks and faults."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from ._http import BaseSimulator, RequestInfo, json_response
from .meter import SimulatedMeter
from .serving import (
    NEW_KINDS,
    NEW_NAMES_ORDER,
    OLD_KINDS,
    EnedisError,
    Json,
    no_consent,
    no_matching_resource,
    parse_day,
    serve,
    server_token_refused,
)
from .tokens import decode_hs256, encode_hs256

TOKEN_LIFETIME = timedelta(days=364 + 365 + 365)
BAN_WINDOW_HOURS = 12
"""The blocklist job runs every 12 hours (00:00 and 12:00 UTC) over the 12 hours before."""
TOKEN_REFRESH_FAILED = "Impossible de rafraîchir le token. Réessayez plus tard"
_DATE_PATTERN = "20[0-9]{2}-[0-9]{2}-[0-9]{2}"
_OLD_NAMES = tuple(OLD_KINDS)

CLOUDFLARE_BAN_PAGE = """<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html class="no-js" lang="en-US">
<head>
<title>Attention Required! | Cloudflare</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
</head>
<body>
  <div id="cf-wrapper">
    <div id="cf-error-details" class="cf-error-details-wrapper">
      <div class="cf-wrapper cf-header cf-error-overview">
        <h1 data-translate="block_headline">Sorry, you have been blocked</h1>
        <h2 class="cf-subheadline"><span data-translate="unable_to_access">You are unable to
        access</span> conso.boris.sh</h2>
      </div>
      <div class="cf-section cf-wrapper">
        <h2 data-translate="blocked_why_headline">Why have I been blocked?</h2>
        <p data-translate="blocked_why_detail">This website is using a security service to
        protect itself from online attacks.</p>
      </div>
      <div class="cf-error-footer cf-wrapper">
        <p>Cloudflare Ray ID: <strong class="font-semibold">RAY_ID</strong></p>
      </div>
    </div>
  </div>
</body>
</html>
"""


class ConsoApiSimulator(BaseSimulator):
    """Conso API at ``http://127.0.0.1:PORT/api/<type>``, as bokub/conso-api behaves.

    Checks in the real server's order: method (405), parameters (400 "Paramètres invalides"
    with zod's error object), Authorization header (400), token (401, the server's only own
    refusal of the user), the server's Enedis token (500 when it cannot be refreshed), then
    Enedis, whose every non-2xx answer is relayed with its status, wrapped as
    ``{"status", "message": "The Enedis API returned an error", "error": <Enedis body>}``.

    - ``serve_new_types``: the 2026 server (new and old type names, ``pointId``/``dateDebut``/
      ``dateFin`` or ``prm``/``start``/``end``). False: an old server (old names and
      ``prm``/``start``/``end`` only), which answers anything else 400 "Paramètres invalides".
    - ``serve_old_types``: whether Enedis still serves the v5 paths the old names go to; by
      default only behind an old server. The 2026 server still accepts the old names but
      Enedis switched v5 off: they get the gateway's 404 ``fault``, relayed.
    - Cloudflare: a job at 00:00 and 12:00 UTC blocklists a client that made ``ban_threshold``
      requests or more in the 12 hours before; from then on every request gets the HTML 403
      "Sorry, you have been blocked" page until `unban` (by hand). None disables it.
    - Enedis quotas (shared by every user of the server): ``max_per_second`` (5) and
      ``max_per_hour`` (off) answer Enedis's 429, relayed; the server has no quota of its own.
    - Consent: ``withdraw_consent(prm)`` (withdrawn or expired): every data request for the PRM
      made with a token issued before it gets Enedis' 403 ADAM-DC-0008, wrapped; a token made
      afterwards (a new consent) works.
    - The server's own Enedis token: ``enedis_token_refused`` (Enedis refuses it: every request
      gets Enedis's 401 ``fault`` 900901, relayed, as in July 2026) and
      ``enedis_token_refresh_fails`` (the server's 500 "Impossible de rafraîchir le token").
    """

    def __init__(
        self,
        meters: Iterable[SimulatedMeter],
        *,
        now: Callable[[], datetime] | None = None,
        serve_new_types: bool = True,
        serve_old_types: bool | None = None,
        ban_threshold: int | None = 100,
        max_per_second: int | None = 5,
        max_per_hour: int | None = None,
        secret: bytes | None = None,
    ) -> None:
        """Serve `meters` (keyed by PRM); tokens are signed with `secret` (default: random)."""
        super().__init__(now=now, max_per_second=max_per_second, max_per_hour=max_per_hour)
        self.meters: dict[str, SimulatedMeter] = {meter.prm: meter for meter in meters}
        self.serve_new_types = serve_new_types
        self.serve_old_types = not serve_new_types if serve_old_types is None else serve_old_types
        self.ban_threshold = ban_threshold
        self.banned = False
        self.enedis_token_refused = False
        self.enedis_token_refresh_fails = False
        self._window: datetime | None = None
        self._window_requests = 0
        self._secret = secret or secrets.token_bytes(32)
        self._consent_since: dict[str, int] = {}
        """PRM -> the first token issue time (``iat``, seconds) its current consent accepts."""

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api`` (append ``/<type>``)."""
        return f"{self.root_url}/api"

    def make_app(self) -> web.Application:
        """Build the application: one route, ``/api/{type}``, every method."""
        app = web.Application()
        app.router.add_route("*", "/api/{type}", self._entry)
        return app

    def add_meter(self, meter: SimulatedMeter) -> None:
        """Serve one more meter."""
        self.meters[meter.prm] = meter

    # ---- tokens -------------------------------------------------------------------------

    def make_token(self, prms: Iterable[str], expired: bool = False) -> str:
        """Issue a token for `prms` (HS256 JWT, ``sub`` = the PRMs, ~3 years), or an expired one."""
        now = int(self.now().timestamp())
        issued = now - int(TOKEN_LIFETIME.total_seconds()) - 86400 if expired else now
        if not expired:
            # After a withdrawal within this second (or a frozen clock): still a new consent.
            issued = max([issued, *(self._consent_since.get(prm, 0) for prm in prms)])
        payload = {
            "sub": list(prms),
            "iat": issued,
            "exp": issued + int(TOKEN_LIFETIME.total_seconds()),
        }
        return encode_hs256(payload, self._secret)

    def withdraw_consent(self, prm: str) -> None:
        """Withdraw the customer's consent for `prm` (withdrawn at Enedis, or expired).

        From now on, every data request for `prm` made with a token issued before this call
        answers Enedis' 403 ADAM-DC-0008 (passed through, wrapped); a token issued afterwards
        with `make_token` (the customer gave a new consent) works. Tokens carry their issue
        time (``iat``, seconds): the cut-off is the next second, and `make_token` never issues
        a token for `prm` before it, so a new token works even within the same second.
        """
        now = int(self.now().timestamp())
        self._consent_since[prm] = max(now + 1, self._consent_since.get(prm, 0) + 1)

    def consent_withdrawn(self, prm: str, payload: dict[str, Any]) -> bool:
        """Whether the token (its decoded `payload`) predates the withdrawal of `prm`'s consent."""
        since = self._consent_since.get(prm)
        if since is None:
            return False
        issued = payload.get("iat")
        return not isinstance(issued, int | float) or issued < since

    def expire_tokens(self) -> None:
        """Invalidate every token issued so far (the signing secret changes)."""
        self._secret = secrets.token_bytes(32)

    # ---- Cloudflare ---------------------------------------------------------------------

    def ban(self) -> None:
        """Ban the client: every request now gets Cloudflare's HTML 403."""
        self.banned = True

    def unban(self) -> None:
        """Remove the client from the blocklist and forget the requests of the current window."""
        self.banned = False
        self._window_requests = 0

    def _ban_job(self, now: datetime) -> None:
        """Apply the blocklist job (00:00 and 12:00 UTC) if it ran since the last request."""
        utc = now.astimezone(UTC)
        hour = utc.hour - utc.hour % BAN_WINDOW_HOURS
        window = utc.replace(hour=hour, minute=0, second=0, microsecond=0)
        if window == self._window:
            return
        if (
            self._window is not None
            and self.ban_threshold is not None
            and self._window_requests >= self.ban_threshold
        ):
            self.banned = True
        self._window, self._window_requests = window, 0

    def _cloudflare(self, request: web.Request, info: RequestInfo) -> web.StreamResponse | None:
        self._ban_job(self.now())
        if not self.banned:
            self._window_requests += 1
            return None
        page = CLOUDFLARE_BAN_PAGE.replace("RAY_ID", secrets.token_hex(8))
        return web.Response(status=403, text=page, content_type="text/html", charset="UTF-8")

    # ---- requests -----------------------------------------------------------------------

    def _names(self) -> tuple[str, str, str]:
        return (
            ("pointId", "dateDebut", "dateFin") if self.serve_new_types else ("prm", "start", "end")
        )

    def _param(self, request: web.Request, new: str, old: str) -> str | None:
        query = request.query
        if self.serve_new_types:
            value = query.get(new)
            return value if value is not None else query.get(old)
        return query.get(old)

    async def _entry(self, request: web.Request) -> web.StreamResponse:
        info = RequestInfo(
            type=request.match_info["type"],
            prm=self._param(request, "pointId", "prm"),
            start=self._param(request, "dateDebut", "start"),
            end=self._param(request, "dateFin", "end"),
        )
        return await self.run(request, info, self._handle, gate=self._cloudflare)

    async def _handle(self, request: web.Request, info: RequestInfo) -> web.StreamResponse:
        if request.method == "OPTIONS":
            return web.Response(status=200)
        if request.method != "GET":
            return json_response(
                405, {"status": 405, "message": "Seule la méthode GET est autorisée"}
            )
        issues = self._validate(request, info)
        if issues:
            error = {"issues": issues, "name": "ZodError"}
            return json_response(
                400, {"status": 400, "message": "Paramètres invalides", "error": error}
            )
        parts = request.headers.get("Authorization", "").split(" ")
        token = parts[1] if len(parts) > 1 else ""
        if not token:
            return json_response(
                400,
                {"status": 400, "message": "Le header 'Authorization' est manquant ou invalide"},
            )
        prm = info.prm or ""
        payload = decode_hs256(token, self._secret, self.now().timestamp())
        sub = payload.get("sub") if payload else None
        if not isinstance(sub, list) or prm not in sub:
            return json_response(
                401,
                {
                    "status": 401,
                    "message": "Votre token est invalide ou ne permet pas d'accéder à ce PRM",
                },
            )
        if self.enedis_token_refresh_fails:
            return json_response(500, {"status": 500, "message": TOKEN_REFRESH_FAILED})
        try:
            body = self._upstream(request, info, payload or {})
        except EnedisError as err:
            return json_response(
                err.status,
                {
                    "status": err.status,
                    "message": "The Enedis API returned an error",
                    "error": err.body,
                },
            )
        return json_response(200, body)

    def _upstream(self, request: web.Request, info: RequestInfo, payload: dict[str, Any]) -> Json:
        """Return what Enedis answers Conso API (raise `EnedisError` for an error)."""
        prm, first, last = info.prm or "", info.start or "", info.end or ""
        legacy = info.type in OLD_KINDS
        if self.enedis_token_refused:
            raise server_token_refused()
        if legacy and not self.serve_old_types:
            raise no_matching_resource()
        quota = self.quota_error()
        if quota is not None:
            raise quota
        meter = self.meters.get(prm)
        if meter is None or self.consent_withdrawn(prm, payload):
            raise no_consent()
        kind = OLD_KINDS[info.type] if legacy else NEW_KINDS[info.type]
        start = parse_day(first, legacy=legacy)
        end = parse_day(last, legacy=legacy)
        monthly = not legacy and request.query.get("mesuresPas") == "P1M"
        return serve(meter, kind, start, end, self.now(), legacy=legacy, monthly_max=monthly)

    def _validate(self, request: web.Request, info: RequestInfo) -> list[dict[str, Any]]:
        """Issues the real server's zod schema reports (empty when the parameters pass)."""
        prm_name, start_name, end_name = self._names()
        allowed = _OLD_NAMES + NEW_NAMES_ORDER if self.serve_new_types else _OLD_NAMES
        issues: list[dict[str, Any]] = []
        if info.type not in allowed:
            options = " | ".join(f"'{name}'" for name in allowed)
            issues.append(
                {
                    "received": info.type,
                    "code": "invalid_enum_value",
                    "options": list(allowed),
                    "path": ["type"],
                    "message": f"Invalid enum value. Expected {options}, received '{info.type}'",
                }
            )
        if info.prm is None:
            issues.append(_missing(prm_name))
        elif len(info.prm) != 14:
            code = "too_small" if len(info.prm) < 14 else "too_big"
            bound = "minimum" if code == "too_small" else "maximum"
            issues.append(
                {
                    "code": code,
                    bound: 14,
                    "type": "string",
                    "inclusive": True,
                    "exact": True,
                    "message": "String must contain exactly 14 character(s)",
                    "path": [prm_name],
                }
            )
        for name, value in ((start_name, info.start), (end_name, info.end)):
            if value is None:
                issues.append(_missing(name))
            elif not _search(_DATE_PATTERN, value):
                issues.append(
                    {
                        "validation": "regex",
                        "code": "invalid_string",
                        "message": "Invalid",
                        "path": [name],
                    }
                )
        if self.serve_new_types:
            for param, choices in (
                ("mesuresPas", ("P1D", "P1M")),
                ("grandeurPhysique", ("PMA", "TOUT")),
            ):
                value = request.query.get(param)
                if value is not None and value not in choices:
                    listed = " | ".join(f"'{choice}'" for choice in choices)
                    issues.append(
                        {
                            "received": value,
                            "code": "invalid_enum_value",
                            "options": list(choices),
                            "path": [param],
                            "message": f"Invalid enum value. Expected {listed}, received '{value}'",
                        }
                    )
        return issues


def _missing(name: str) -> dict[str, Any]:
    return {
        "code": "invalid_type",
        "expected": "string",
        "received": "null",
        "path": [name],
        "message": "Expected string, received null",
    }


def _search(pattern: str, value: str) -> bool:
    """Test like JavaScript's unanchored ``RegExp.test``."""
    return re.search(pattern, value) is not None
