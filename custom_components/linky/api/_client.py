"""What the async clients share: transport, counters, context manager, the seven getters."""

from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from types import TracebackType
from typing import Self

import aiohttp

from . import _endpoints as ep
from ._ranges import fetch_range, resolve_range
from ._transport import RequestGate, Response, Transport
from .exceptions import LinkyError
from .models import MeteringData
from .parsing import parse_response

type PieceFetcher = Callable[[date, date], Awaitable[MeteringData]]


def data_params(endpoint: ep.Endpoint, prm: str, start: date, end: date) -> dict[str, str]:
    """Return the query of a 2026-named data request (both APIs take the same)."""
    return {
        "pointId": prm,
        "dateDebut": start.isoformat(),
        "dateFin": end.isoformat(),
        **dict(endpoint.extra_params),
    }


class HttpClient:
    """What every client of this library has: its transport, counters, and lifecycle."""

    def __init__(
        self,
        base_url: str,
        *,
        session: aiohttp.ClientSession | None,
        user_agent: str,
        timeout: float,
        request_gate: RequestGate | None,
        secrets: Callable[[], Iterable[str | None]],
    ) -> None:
        """Set up the transport; `secrets` gives what logs and errors must never show."""
        self._base_url = base_url.rstrip("/")
        self._transport = Transport(
            session=session,
            user_agent=user_agent,
            timeout=timeout,
            request_gate=request_gate,
            secrets=secrets,
        )

    @property
    def base_url(self) -> str:
        """The server's root URL."""
        return self._base_url

    @property
    def requests_count(self) -> int:
        """HTTP requests sent so far (Enedis token requests included)."""
        return self._transport.requests_count

    @property
    def errors_count(self) -> int:
        """Requests that failed (network error or non-2xx status)."""
        return self._transport.errors_count

    async def close(self) -> None:
        """Close the HTTP session the client created (an injected one stays open)."""
        await self._transport.close()

    async def __aenter__(self) -> Self:
        """Enter: nothing is sent before the first call."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Leave: `close` the client."""
        await self.close()


class BaseClient(HttpClient):
    """Base of the meter data clients; a subclass says how one piece of a range is fetched.

    Long ranges are split (load curves 7 days a request, daily data 365) and merged.
    """

    def _parse(self, response: Response) -> MeteringData:
        try:
            return parse_response(
                response.status, response.text, retry_after=response.headers.get("Retry-After")
            )
        except LinkyError as err:
            raise self._transport.error(err, response) from None

    def _piece_fetcher(self, endpoint: ep.Endpoint) -> PieceFetcher:
        """How to fetch one piece [start, end) of `endpoint`; may refuse with `ValueError`."""
        raise NotImplementedError

    async def _get(
        self, endpoint: ep.Endpoint, start: date | None, end: date | None
    ) -> MeteringData:
        fetch = self._piece_fetcher(endpoint)
        first, last = resolve_range(start, end)
        return await fetch_range(fetch, first, last, endpoint.max_days)

    async def get_daily_consumption(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Energy consumed per day (Wh), `start` included, `end` excluded."""
        return await self._get(ep.DAILY_CONSUMPTION, start, end)

    async def get_consumption_load_curve(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Average power consumed per interval (W), stamped at the interval's end."""
        return await self._get(ep.CONSUMPTION_LOAD_CURVE, start, end)

    async def get_max_power(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Highest apparent power of each day (VA), stamped when it happened."""
        return await self._get(ep.MAX_POWER, start, end)

    async def get_daily_production(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Energy produced per day (Wh)."""
        return await self._get(ep.DAILY_PRODUCTION, start, end)

    async def get_production_load_curve(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Average power produced per interval (W), stamped at the interval's end."""
        return await self._get(ep.PRODUCTION_LOAD_CURVE, start, end)

    async def get_consumption_index(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Cumulative consumption index (Wh)."""
        return await self._get(ep.CONSUMPTION_INDEX, start, end)

    async def get_production_index(
        self, start: date | None = None, end: date | None = None
    ) -> MeteringData:
        """Cumulative production index (Wh)."""
        return await self._get(ep.PRODUCTION_INDEX, start, end)
