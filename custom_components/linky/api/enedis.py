"""Client of Enedis Data Connect (metering data) with OAuth2 client credentials.

Since the 2026 switch an application is subscribed to one of two families of metering paths
(`DataPaths`), which cannot be told in advance: the client asks the ``v2`` path and, when the
gateway says the application cannot call it, the other; it then keeps to the family that
answered (`EnedisDataConnectClient.data_paths`, which a caller may store and give back).
"""

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any

import aiohttp

from . import _endpoints as ep
from ._client import BaseClient, PieceFetcher, data_params
from ._transport import RequestGate, Response
from .const import DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, ENEDIS_PRODUCTION_URL, NOT_OFFERED
from .exceptions import (
    BadRequestError,
    InvalidAccess,
    LinkyConnectionError,
    LinkyError,
    ServerError,
)
from .models import ContractSituation, MeteringData
from .parsing import error_from_response, parse_contract_situation, parse_json_response

_LOGGER = logging.getLogger(__name__)

TOKEN_PATH = "/oauth2/v3/token"
REVOKE_PATH = "/oauth2/v3/revoke"
NO_DATA_CODE = "no_data_found"
"""A 404 with this code is about the days asked, not the path."""
NOT_SUBSCRIBED_CODE = "900908"
"""The gateway's 403 for an API the application is not subscribed to."""
CONTRACT_PATH = "/situation_contrat_auto/v1"
MAX_EXPIRES_IN = 10 * 365 * 86400
"""A longer `expires_in` (seconds) is absurd: taken as not given."""
RENEW_MARGIN = timedelta(seconds=60)
"""A token is renewed this long before it expires (or at 90 % of a shorter lifetime)."""


class DataPaths(StrEnum):
    """The two families of metering paths an application may be subscribed to."""

    V2 = "mesure_synchrone_auto/v2"
    """French names (``consommation_quotidienne``), ``pointId``/``dateDebut``/``dateFin``."""
    METERING_DATA = "mesure_synchrone_auto/v1/metering_data"
    """v5 names (``daily_consumption``) and query (``usage_point_id``/``start``/``end``), v5
    body; no registers."""


def _not_served(response: Response) -> bool:
    """Whether an answer says the application cannot call this path (not: no data there)."""
    if response.status not in (403, 404):
        return False
    code = error_from_response(response.status, response.text).code
    return code != NO_DATA_CODE if response.status == 404 else code == NOT_SUBSCRIBED_CODE


def _query(
    paths: DataPaths, endpoint: ep.Endpoint, prm: str, start: date, end: date
) -> tuple[str, dict[str, str]]:
    """Return the path (under the base URL) and the query of one data request."""
    if paths is DataPaths.V2 or endpoint.v5 is None:
        return f"/{DataPaths.V2}/{endpoint.name}", data_params(endpoint, prm, start, end)
    params = {"usage_point_id": prm, "start": start.isoformat(), "end": end.isoformat()}
    return f"/{paths}/{endpoint.v5}", {**params, **dict(endpoint.v5_params)}


@dataclass(frozen=True, slots=True)
class TokenData:
    """An OAuth2 access token and what the server said about it (the token is not in repr)."""

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int | None
    scope: str | None
    obtained_at: datetime

    @property
    def expires_at(self) -> datetime | None:
        """When the token expires (aware UTC), None when the server did not say."""
        if self.expires_in is None:
            return None
        return self.obtained_at + timedelta(seconds=self.expires_in)

    @property
    def renew_at(self) -> datetime | None:
        """When the client asks for a new token."""
        if self.expires_in is None:
            return None
        margin = min(RENEW_MARGIN, timedelta(seconds=self.expires_in) / 10)
        return self.obtained_at + timedelta(seconds=self.expires_in) - margin


def _seconds(value: Any) -> int | None:
    """`expires_in` as int seconds; it may come as a string."""
    if isinstance(value, bool):
        return None
    try:
        seconds = int(float(value))
    except TypeError, ValueError, OverflowError:
        return None
    return seconds if 0 <= seconds <= MAX_EXPIRES_IN else None


def _token_from_body(text: str) -> TokenData:
    try:
        body = json.loads(text)
    except ValueError, RecursionError:
        raise LinkyConnectionError("The token answer is not JSON") from None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise ServerError("The token answer has no access_token", status=200)
    return TokenData(
        access_token=token,
        token_type=str(body.get("token_type") or "Bearer"),
        expires_in=_seconds(body.get("expires_in")),
        scope=body.get("scope") if isinstance(body.get("scope"), str) else None,
        obtained_at=datetime.now(UTC),
    )


class EnedisDataConnectClient(BaseClient):
    """Async client of Enedis Data Connect for an application's client id and secret.

    The token is fetched when first needed (or by `connect()`), renewed before it expires and
    once on a 401. Long ranges are split like the Conso API client does. `data_paths`: the
    family of paths known to answer (None: ``v2`` is tried first).
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        consumption_prm: str | None = None,
        production_prm: str | None = None,
        session: aiohttp.ClientSession | None = None,
        base_url: str = ENEDIS_PRODUCTION_URL,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = DEFAULT_TIMEOUT,
        request_gate: RequestGate | None = None,
        data_paths: DataPaths | None = None,
    ) -> None:
        """Store the credentials; nothing is sent before the first call."""
        self.data_paths = data_paths
        """The family of metering paths that answered (None until one did)."""
        self._client_id = client_id
        self._client_secret = client_secret
        self._consumption_prm = consumption_prm
        self._production_prm = production_prm
        self._token: TokenData | None = None
        self._token_lock = asyncio.Lock()
        super().__init__(
            base_url,
            session=session,
            user_agent=user_agent,
            timeout=timeout,
            request_gate=request_gate,
            secrets=self._secrets,
        )

    def _secrets(self) -> tuple[str | None, ...]:
        return (self._client_secret, self._token.access_token if self._token else None)

    def __repr__(self) -> str:
        """Show the ids and state, never the secret or the token."""
        return (
            f"{type(self).__name__}(client_id={self._client_id!r}, "
            f"consumption_prm={self._consumption_prm!r}, production_prm={self._production_prm!r}, "
            f"connected={self.is_connected})"
        )

    @property
    def client_id(self) -> str:
        """The application's client id."""
        return self._client_id

    @property
    def consumption_prm(self) -> str | None:
        """The PRM read for consumption."""
        return self._consumption_prm

    @property
    def production_prm(self) -> str | None:
        """The PRM read for production."""
        return self._production_prm

    @property
    def token_data(self) -> TokenData | None:
        """The current token, None when not connected."""
        return self._token

    @property
    def is_connected(self) -> bool:
        """True while the client holds a token that has not expired."""
        if self._token is None:
            return False
        expires_at = self._token.expires_at
        return expires_at is None or datetime.now(UTC) < expires_at

    async def connect(self) -> None:
        """Get a new access token.

        Raises `InvalidAccess` when Enedis refuses the client id and secret.
        """
        async with self._token_lock:
            await self._request_token()

    async def _request_token(self) -> TokenData:
        response = await self._transport.request(
            "POST",
            f"{self._base_url}{TOKEN_PATH}",
            data={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
        )
        if response.status in (400, 401):
            err = error_from_response(response.status, response.text)
            raise self._transport.error(
                InvalidAccess(
                    f"Client credentials refused: {err.message}", status=err.status, code=err.code
                )
            )
        if not response.ok:
            raise self._transport.error(
                error_from_response(
                    response.status, response.text, retry_after=response.headers.get("Retry-After")
                )
            )
        try:
            token = self._token = _token_from_body(response.text)
        except LinkyError as err:
            raise self._transport.error(err, response) from None
        _LOGGER.debug("Got an access token valid %s s", token.expires_in)
        return token

    async def _access_token(self, refused: TokenData | None = None) -> str:
        """Return a usable token, renewed when absent, about to expire, or just refused."""
        async with self._token_lock:
            token = self._token
            renew_at = token.renew_at if token is not None else None
            if (
                token is None
                or token is refused
                or (renew_at is not None and datetime.now(UTC) >= renew_at)
            ):
                token = await self._request_token()
            return token.access_token

    async def close(self) -> None:
        """Revoke and forget the token, then close the client's own session.

        A failed revocation is logged, not raised.
        """
        token, self._token = self._token, None
        try:
            if token is not None:
                try:
                    response = await self._transport.request(
                        "POST",
                        f"{self._base_url}{REVOKE_PATH}",
                        data={
                            "token": token.access_token,
                            "token_type_hint": "access_token",
                            "client_id": self._client_id,
                            "client_secret": self._client_secret,
                        },
                    )
                except LinkyError as err:
                    _LOGGER.warning("Could not revoke the token: %s", err.message)
                else:
                    if not response.ok:
                        _LOGGER.warning("Token revocation answered HTTP %s", response.status)
        finally:
            await self._transport.close()

    def _families(self, endpoint: ep.Endpoint) -> tuple[DataPaths, ...]:
        """Return the families to try for `endpoint`, the one known to answer first."""
        if endpoint.v5 is None:
            return (DataPaths.V2,)
        if self.data_paths is DataPaths.METERING_DATA:
            return (DataPaths.METERING_DATA, DataPaths.V2)
        return (DataPaths.V2, DataPaths.METERING_DATA)

    async def _get_authorized(self, url: str, params: dict[str, str] | None = None) -> Response:
        """GET with the access token, renewed once when refused (401)."""
        token = await self._access_token()
        response = await self._transport.request("GET", url, params=params, bearer=token)
        if response.status == 401:
            _LOGGER.debug("Token refused by %s: renewing it once", url.rpartition("/")[2])
            refused = self._token if self._token and self._token.access_token == token else None
            token = await self._access_token(refused=refused)
            response = await self._transport.request("GET", url, params=params, bearer=token)
        return response

    async def _fetch_piece(
        self, endpoint: ep.Endpoint, prm: str, start: date, end: date
    ) -> MeteringData:
        """Ask each family in turn until one serves the path; remember it."""
        refusals: list[Response] = []
        for paths in self._families(endpoint):
            response = await self._send(*_query(paths, endpoint, prm, start, end))
            if not _not_served(response):
                if endpoint.v5 is not None and paths is not self.data_paths:
                    _LOGGER.info("%s serves the %s paths", self._base_url, paths)
                    self.data_paths = paths
                return self._parse(response)
            refusals.append(response)
        refusal = refusals[0]  # the preferred family's answer
        if endpoint.v5 is not None:
            return self._parse(refusal)
        err = error_from_response(refusal.status, refusal.text)
        raise self._transport.error(
            BadRequestError(
                f"The server does not offer {endpoint.name} ({err.message})",
                status=refusal.status,
                code=NOT_OFFERED,
            )
        )

    async def _send(self, path: str, params: dict[str, str]) -> Response:
        """Send one data request (see `_get_authorized`)."""
        return await self._get_authorized(f"{self._base_url}{path}", params)

    async def get_contract_situation(self, prm: str | None = None) -> ContractSituation:
        """Return the meter's current contract (subscribed power, segment): one request.

        ``prm`` defaults to the consumption PRM. Errors are those of the data requests.
        """
        prm = prm or self._consumption_prm
        if not prm:
            raise ValueError("No PRM was given to the client")
        response = await self._get_authorized(f"{self._base_url}{CONTRACT_PATH}/{prm}")
        try:
            return parse_contract_situation(
                parse_json_response(
                    response.status,
                    response.text,
                    retry_after=response.headers.get("Retry-After"),
                )
            )
        except LinkyError as err:
            raise self._transport.error(err, response) from None

    def _prm_for(self, endpoint: ep.Endpoint) -> str:
        prm = self._production_prm if endpoint.direction == "production" else self._consumption_prm
        if prm is None:
            raise ValueError(f"No {endpoint.direction} PRM was given to the client")
        return prm

    def _piece_fetcher(self, endpoint: ep.Endpoint) -> PieceFetcher:
        return partial(self._fetch_piece, endpoint, self._prm_for(endpoint))
