"""The one place where the clients speak HTTP: session, gate, pacing, counters, errors."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import aiohttp

from .const import MIN_REQUEST_INTERVAL
from .exceptions import LinkyConnectionError, LinkyError

_LOGGER = logging.getLogger(__name__)

type RequestGate = Callable[[], Awaitable[None]]
"""Awaited before every HTTP request; may wait, or raise to refuse the request."""

REDACTED = "**REDACTED**"

# Kept in a dict so that freezegun, which replaces module attributes that are the real time
# functions, leaves it alone: pacing follows real time even under a frozen test clock.
_REAL_CLOCK: dict[str, Callable[[], float]] = {"monotonic": time.monotonic}


@dataclass(frozen=True, slots=True)
class Response:
    """A received answer, whatever its status."""

    status: int
    text: str
    headers: Mapping[str, str]

    @property
    def ok(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status < 300


def _decode(raw: bytes, charset: str | None) -> str:
    try:
        return raw.decode(charset or "utf-8", "replace")
    except LookupError, UnicodeError:  # unknown charset name, or one that cannot replace
        return raw.decode("utf-8", "replace")


class Transport:
    """Sends requests for one client and counts them.

    Uses the injected session, or its own (created on first use, closed by `close`).
    Requests are spaced by `MIN_REQUEST_INTERVAL` seconds, and `request_gate` is awaited
    before each of them.
    """

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None,
        user_agent: str,
        timeout: float,
        request_gate: RequestGate | None,
        secrets: Callable[[], Iterable[str | None]],
    ) -> None:
        self._session = session
        self._own_session: aiohttp.ClientSession | None = None
        self._user_agent = user_agent
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._request_gate = request_gate
        self._secrets = secrets
        self._pace_lock = asyncio.Lock()
        self._next_slot = 0.0
        self.requests_count = 0
        self.errors_count = 0

    def redact(self, text: str) -> str:
        """Hide every known secret in a text meant for a message or a log."""
        for secret in self._secrets():
            if secret:
                text = text.replace(secret, REDACTED)
        return text

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is not None:
            return self._session
        if self._own_session is None or self._own_session.closed:
            self._own_session = aiohttp.ClientSession()
        return self._own_session

    async def close(self) -> None:
        """Close the session this transport created (never an injected one)."""
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None

    async def _pace(self) -> None:
        """Wait so that two requests start at least `MIN_REQUEST_INTERVAL` apart (real time)."""
        async with self._pace_lock:
            clock = _REAL_CLOCK["monotonic"]
            loop = asyncio.get_running_loop()
            while (delay := self._next_slot - clock()) > 0:
                if abs(loop.time() - clock()) < 1.0:
                    await asyncio.sleep(delay)
                else:  # the loop's clock is frozen (a test): asyncio.sleep would never end
                    await asyncio.sleep(0)
            self._next_slot = clock() + MIN_REQUEST_INTERVAL

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        data: Mapping[str, str] | None = None,
        bearer: str | None = None,
    ) -> Response:
        """Send one request and return its answer (any status).

        Raises `LinkyConnectionError` on network failure, timeout or truncated body; the
        gate's own exception when it refuses.
        """
        if self._request_gate is not None:
            await self._request_gate()
        await self._pace()
        headers = {"User-Agent": self._user_agent, "Accept": "application/json"}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        self.requests_count += 1
        try:
            async with self._get_session().request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                timeout=self._timeout,
            ) as resp:
                raw = await resp.read()
                response = Response(
                    status=resp.status,
                    text=_decode(raw, resp.charset),
                    headers=resp.headers,
                )
        except TimeoutError as err:
            self.errors_count += 1
            raise LinkyConnectionError(f"Timeout after {self._timeout.total} s") from err
        except aiohttp.ClientError as err:
            self.errors_count += 1
            raise LinkyConnectionError(
                self.redact(f"Connection error: {type(err).__name__}: {err}")
            ) from err
        if not response.ok:
            self.errors_count += 1
        _LOGGER.debug("%s %s %s -> %s", method, url, params or {}, response.status)
        return response

    def error(self, err: LinkyError, response: Response | None = None) -> LinkyError:
        """Return `err` with any secret removed from its message.

        With the `response` it comes from, a 2xx answer that proved unusable is counted as
        an error (other statuses were counted when received).
        """
        if response is not None and response.ok:
            self.errors_count += 1
        clean = self.redact(err.message)
        if clean != err.message:
            err.message = clean
            err.args = (clean,)
        return err
