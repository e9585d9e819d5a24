"""Client of the Conso API (https://conso.boris.sh), async and sync."""

import asyncio
import base64
import binascii
import json
import logging
import re
from collections.abc import Coroutine
from datetime import UTC, date, datetime
from functools import partial
from types import TracebackType
from typing import Any, Self

import aiohttp

from . import _endpoints as ep
from ._client import BaseClient, PieceFetcher, data_params
from ._transport import RequestGate, Response
from .const import CONSO_API_URL, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, NOT_OFFERED
from .exceptions import InvalidTokenError, PRMAccessError
from .models import MeteringData
from .parsing import error_from_response, is_unknown_type_error

_LOGGER = logging.getLogger(__name__)

_PRM = re.compile(r"[0-9]{14}")


def _token_payload(token: str) -> dict[str, Any]:
    parts = token.strip().split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise InvalidTokenError("The token is not a JWT (three dot-separated parts)")
    try:
        raw = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError) as err:
        raise InvalidTokenError("The token's payload is not base64url JSON") from err
    if not isinstance(payload, dict):
        raise InvalidTokenError("The token's payload is not a JSON object")
    return payload


def token_prms(token: str) -> list[str]:
    """Return the PRMs a Conso API token may read (its `sub`), without checking the signature.

    Raises `InvalidTokenError` when the token is not a JWT whose `sub` lists 14-digit PRMs.
    """
    subject = _token_payload(token).get("sub")
    if isinstance(subject, str) and subject.startswith("["):
        try:
            subject = json.loads(subject)
        except ValueError, RecursionError:
            subject = None
    if (
        not isinstance(subject, list)
        or not subject
        or not all(isinstance(prm, str) and _PRM.fullmatch(prm) for prm in subject)
    ):
        raise InvalidTokenError("The token's 'sub' is not a list of 14-digit PRMs")
    return list(dict.fromkeys(subject))


def token_expiry(token: str) -> datetime | None:
    """Return when a token expires (its `exp`, aware UTC), None when it has no `exp`."""
    expiry = _token_payload(token).get("exp")
    if isinstance(expiry, int | float) and not isinstance(expiry, bool):
        try:
            return datetime.fromtimestamp(expiry, UTC)
        except OverflowError, OSError, ValueError:
            return None
    return None


class AsyncLinkyClient(BaseClient):
    """Async client of the Conso API for one meter (PRM) of a token.

    Speaks the 2026 type names and falls back to the old ones when the server does not know
    them (the indexes exist only in the 2026 API). Long ranges are split (load curves 7 days
    a request, daily data 365) and merged.
    """

    def __init__(
        self,
        token: str,
        *,
        prm: str | None = None,
        session: aiohttp.ClientSession | None = None,
        base_url: str = CONSO_API_URL,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = DEFAULT_TIMEOUT,
        request_gate: RequestGate | None = None,
    ) -> None:
        """Check the token and choose the PRM: the given one, else the token's first.

        Raises `InvalidTokenError` for a token that does not list PRMs, `PRMAccessError`
        for a `prm` the token does not list.
        """
        self._prms = token_prms(token)
        self._expires_at = token_expiry(token)
        if prm is not None and prm not in self._prms:
            raise PRMAccessError(f"The token does not give access to PRM {prm}", prm=prm)
        self._token = token.strip()
        self._prm = prm if prm is not None else self._prms[0]
        self._legacy_types = False
        super().__init__(
            base_url,
            session=session,
            user_agent=user_agent,
            timeout=timeout,
            request_gate=request_gate,
            secrets=lambda: (self._token,),
        )

    def __repr__(self) -> str:
        """Show the PRM and server, never the token."""
        return f"{type(self).__name__}(prm={self._prm!r}, base_url={self._base_url!r})"

    @property
    def prms(self) -> list[str]:
        """The PRMs the token may read."""
        return list(self._prms)

    @property
    def prm(self) -> str:
        """The PRM this client reads."""
        return self._prm

    @property
    def token_expires_at(self) -> datetime | None:
        """When the token expires (aware UTC), if it says."""
        return self._expires_at

    @property
    def uses_legacy_types(self) -> bool:
        """True once the server proved not to know the 2026 type names."""
        return self._legacy_types

    async def _send(self, type_name: str, params: dict[str, str]) -> Response:
        return await self._transport.request(
            "GET", f"{self._base_url}/{type_name}", params=params, bearer=self._token
        )

    async def _fetch_piece(self, endpoint: ep.Endpoint, start: date, end: date) -> MeteringData:
        legacy = endpoint.legacy
        if legacy is None or not self._legacy_types:
            response = await self._send(endpoint.name, data_params(endpoint, self._prm, start, end))
            if response.ok or not is_unknown_type_error(response.status, response.text):
                return self._parse(response)
            if legacy is None:
                err = error_from_response(response.status, response.text)
                err.message = f"The server does not offer {endpoint.name} ({err.message})"
                err.args, err.code = (err.message,), NOT_OFFERED
                raise self._transport.error(err)
            _LOGGER.info("%s does not know the 2026 type names: using the old ones", self._base_url)
            self._legacy_types = True
        response = await self._send(
            legacy, {"prm": self._prm, "start": start.isoformat(), "end": end.isoformat()}
        )
        return self._parse(response)

    def _piece_fetcher(self, endpoint: ep.Endpoint) -> PieceFetcher:
        return partial(self._fetch_piece, endpoint)


class LinkyClient:
    """Synchronous Conso API client for scripts; runs its own event loop.

    Not for use inside a running event loop (use `AsyncLinkyClient` there).
    """

    def __init__(
        self,
        token: str,
        *,
        prm: str | None = None,
        base_url: str = CONSO_API_URL,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = DEFAULT_TIMEOUT,
        request_gate: RequestGate | None = None,
    ) -> None:
        """Check the token like `AsyncLinkyClient` does."""
        self._client = AsyncLinkyClient(
            token,
            prm=prm,
            base_url=base_url,
            user_agent=user_agent,
            timeout=timeout,
            request_gate=request_gate,
        )
        self._loop = asyncio.new_event_loop()

    def __repr__(self) -> str:
        """Show the PRM and server, never the token."""
        return f"LinkyClient(prm={self.prm!r}, base_url={self._client.base_url!r})"

    def _run[T](self, coro: Coroutine[Any, Any, T]) -> T:
        if self._loop.is_closed():
            coro.close()
            raise RuntimeError("The client is closed")
        return self._loop.run_until_complete(coro)

    @property
    def prms(self) -> list[str]:
        """The PRMs the token may read."""
        return self._client.prms

    @property
    def prm(self) -> str:
        """The PRM this client reads."""
        return self._client.prm

    @property
    def requests_count(self) -> int:
        """HTTP requests sent so far."""
        return self._client.requests_count

    @property
    def errors_count(self) -> int:
        """Requests that failed."""
        return self._client.errors_count

    def close(self) -> None:
        """Close the HTTP session and the event loop; the client cannot be used after."""
        if self._loop.is_closed():
            return
        try:
            self._loop.run_until_complete(self._client.close())
        finally:
            self._loop.close()

    def __enter__(self) -> Self:
        """Enter the context: the client."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Leave the context: close."""
        self.close()

    def get_daily_consumption(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Energy consumed per day (Wh)."""
        return self._run(self._client.get_daily_consumption(start, end))

    def get_consumption_load_curve(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Average power consumed per interval (W)."""
        return self._run(self._client.get_consumption_load_curve(start, end))

    def get_max_power(self, start: date | None = None, end: date | None = None) -> MeteringData:
        """Highest apparent power of each day (VA)."""
        return self._run(self._client.get_max_power(start, end))

    def get_daily_production(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Energy produced per day (Wh)."""
        return self._run(self._client.get_daily_production(start, end))

    def get_production_load_curve(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Average power produced per interval (W)."""
        return self._run(self._client.get_production_load_curve(start, end))

    def get_consumption_index(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Cumulative consumption index (Wh)."""
        return self._run(self._client.get_consumption_index(start, end))

    def get_production_index(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Cumulative production index (Wh)."""
        return self._run(self._client.get_production_index(start, end))
