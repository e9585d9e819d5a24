"""What both fake servers share: start/stop on loopback, request log, quotas, fault injection."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aiohttp import web

from .serving import EnedisError, throttled

type BreakMode = Literal["truncated", "invalid", "drop"]
type Handler = Callable[[web.Request, RequestInfo], Awaitable[web.StreamResponse]]

CONTROL_LOG_PATH = "/_simulator/requests"

# Captured at import, inside a container, so that a frozen test clock (freezegun patches
# module attributes that are the real functions) does not freeze the per-second quota.
_REAL_CLOCK: dict[str, Callable[[], float]] = {"monotonic": time.monotonic}


def real_now() -> datetime:
    """Return the current UTC time (which freezegun controls in tests)."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request a simulator received, and the status it answered (0: connection dropped)."""

    type: str
    prm: str | None
    start: str | None
    end: str | None
    status: int
    time: datetime
    method: str = "GET"
    path: str = ""


@dataclass(slots=True)
class RequestInfo:
    """What a request is about (filled by the simulator before handling)."""

    type: str
    prm: str | None = None
    start: str | None = None
    end: str | None = None


@dataclass(slots=True)
class _Fault:
    status: int
    body: bytes
    content_type: str
    times: int
    type: str | None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Break:
    mode: BreakMode
    times: int
    type: str | None


@dataclass(slots=True)
class _Stall:
    seconds: float
    times: int
    type: str | None


def _take[Q: (_Fault, _Break, _Stall)](queue: list[Q], info: RequestInfo) -> Q | None:
    """Use up one answer of the first queued fault, break or stall meeting the request."""
    for item in queue:
        if item.type is None or item.type == info.type:
            item.times -= 1
            if item.times <= 0:
                queue.remove(item)
            return item
    return None


def encode_body(body: str | bytes | Mapping[str, Any] | list[Any] | None) -> bytes:
    """Bytes of a body given as text, bytes or a JSON-serialisable value."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return json.dumps(body, ensure_ascii=False).encode()


def json_response(status: int, body: Any, content_type: str = "application/json") -> web.Response:
    """Build a JSON answer (UTF-8) with the given content type."""
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        content_type=content_type.split(";", maxsplit=1)[0],
        charset="utf-8",
    )


class BaseSimulator:
    """An aiohttp server on 127.0.0.1 with a request log, quotas and fault injection.

    `now` (a callable returning an aware datetime) is the server's clock: publication times,
    history limits, token expiry, the hourly quota and the ban window use it. The per-second
    quota uses the real monotonic clock so frozen test clocks cannot trap clients.
    """

    def __init__(
        self,
        *,
        now: Callable[[], datetime] | None = None,
        max_per_second: int | None = 5,
        max_per_hour: int | None = None,
    ) -> None:
        """Set up the state; the server starts with `start()`."""
        self.now: Callable[[], datetime] = now or real_now
        self.max_per_second = max_per_second
        self.max_per_hour = max_per_hour
        self.delay: float = 0.0
        self.requests: list[LoggedRequest] = []
        self._faults: list[_Fault] = []
        self._breaks: list[_Break] = []
        self._stalls: list[_Stall] = []
        self.served_faults: Counter[str] = Counter()
        """Injected faults answered so far, by kind (``"status 500"``, ``"break truncated"``,
        ``"stall"``, ``"throttle"``, ``"throttle until"``)."""
        self._second_window: deque[float] = deque()
        self._hour_window: deque[datetime] = deque()
        self._throttle_until: datetime | None = None
        self._throttle_once = 0
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port = 0
        self._stopping = asyncio.Event()
        self._drop_retry: tuple[str, float] | None = None

    # ---- lifecycle ----------------------------------------------------------------------

    def make_app(self) -> web.Application:
        """Build the aiohttp application (each simulator adds its routes)."""
        raise NotImplementedError

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start listening (port 0: any free port) and return the base URL."""
        if self._runner is not None:
            return self.base_url
        self._stopping = asyncio.Event()
        app = self.make_app()
        app.router.add_get(CONTROL_LOG_PATH, self._log_view)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._host = host
        return self.base_url

    async def _log_view(self, request: web.Request) -> web.Response:
        """Serve the request log as JSON (not logged, not counted by quotas or bans)."""
        entries = [
            {
                "type": e.type,
                "prm": e.prm,
                "start": e.start,
                "end": e.end,
                "status": e.status,
                "time": e.time.isoformat(),
                "method": e.method,
                "path": e.path,
            }
            for e in self.requests
        ]
        return json_response(200, entries)

    async def stop(self) -> None:
        """Stop the server, ending any request still waiting on `delay`."""
        self._stopping.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> BaseSimulator:
        """Start the server."""
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop the server."""
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on (0 before `start()`)."""
        return self._port

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server."""
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        """Base URL clients are given."""
        return self.root_url

    # ---- fault injection ----------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        body: str | bytes | Mapping[str, Any] | list[Any] | None = None,
        content_type: str = "application/json",
        times: int = 1,
        type: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next `times` requests (of `type` only, if given) with this status/body."""
        self._faults.append(
            _Fault(status, encode_body(body), content_type, times, type, dict(headers or {}))
        )

    def break_next(
        self,
        mode: BreakMode = "truncated",
        *,
        times: int = 1,
        type: str | None = None,
    ) -> None:
        """Break the next `times` answers (of `type` only, if given).

        "truncated": the connection closes before the announced Content-Length; "invalid": a
        status 200 with a cut JSON body; "drop": the connection closes without an answer (an
        identical request within 1 s, i.e. aiohttp's automatic resend, is dropped too; both
        are logged with status 0).
        """
        self._breaks.append(_Break(mode, times, type))

    def stall_next(self, seconds: float = 90.0, *, times: int = 1, type: str | None = None) -> None:
        """Hold the next `times` requests (of `type` only, if given) unanswered for `seconds`.

        The seconds are the event loop's (a frozen test clock's, when it drives the loop): a
        client whose timeout is shorter gives up first. The connection is then closed without
        an answer (logged with status 0).
        """
        self._stalls.append(_Stall(seconds, times, type))

    def rate_limit(self, next_access: datetime | None = None) -> None:
        """Throttle data requests: 429 with `nextAccessTime` until `next_access`.

        With None, only the next data request gets a 429, in the `fault` form (no
        `nextAccessTime`).
        """
        if next_access is None:
            self._throttle_once += 1
        else:
            self._throttle_until = next_access

    def clear_faults(self) -> None:
        """Forget queued faults, breaks and forced throttling."""
        self._faults.clear()
        self._breaks.clear()
        self._stalls.clear()
        self._throttle_until = None
        self._throttle_once = 0
        self._drop_retry = None

    def count(self, type: str | None = None, status: int | None = None) -> int:
        """Count logged requests, optionally of one type and/or status."""
        return sum(
            1
            for entry in self.requests
            if (type is None or entry.type == type) and (status is None or entry.status == status)
        )

    # ---- helpers for subclasses ---------------------------------------------------------

    def quota_error(self) -> EnedisError | None:
        """Return the gateway's 429 if this call exceeds a quota, else count the call."""
        now = self.now()
        if self._throttle_once:
            self._throttle_once -= 1
            self.served_faults["throttle"] += 1
            return throttled(None)
        if self._throttle_until is not None:
            if now < self._throttle_until:
                self.served_faults["throttle until"] += 1
                return throttled(self._throttle_until)
            self._throttle_until = None
        tick = _REAL_CLOCK["monotonic"]()
        window = self._second_window
        while window and tick - window[0] >= 1.0:
            window.popleft()
        if self.max_per_second is not None and len(window) >= self.max_per_second:
            wait = math.ceil(1.0 - (tick - window[0]))
            return throttled(now.replace(microsecond=0) + timedelta(seconds=max(wait, 1)))
        hour = self._hour_window
        while hour and now - hour[0] >= timedelta(hours=1):
            hour.popleft()
        if self.max_per_hour is not None and len(hour) >= self.max_per_hour:
            return throttled(hour[0] + timedelta(hours=1))
        window.append(tick)
        hour.append(now)
        return None

    def log(
        self,
        request: web.Request,
        info: RequestInfo,
        status: int,
        arrived: datetime | None = None,
    ) -> None:
        """Record one request in `requests`, at the time it `arrived` (default: now)."""
        self.requests.append(
            LoggedRequest(
                type=info.type,
                prm=info.prm,
                start=info.start,
                end=info.end,
                status=status,
                time=arrived or self.now(),
                method=request.method,
                path=request.path,
            )
        )

    async def run(
        self,
        request: web.Request,
        info: RequestInfo,
        handler: Handler,
        gate: Callable[[web.Request, RequestInfo], web.StreamResponse | None] | None = None,
    ) -> web.StreamResponse:
        """Apply gate (e.g. a ban), injected faults, breaks and delay, then `handler`; log."""
        arrived = self.now()
        response = gate(request, info) if gate else None
        if response is None:
            response = await self._injected(request, info)
        if response is None:
            if self.delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.delay)
            response = await handler(request, info)
        status = 0 if isinstance(response, _DroppedResponse) else response.status
        self.log(request, info, status, arrived)
        return response

    async def _injected(self, request: web.Request, info: RequestInfo) -> web.StreamResponse | None:
        tick = _REAL_CLOCK["monotonic"]()
        retry, self._drop_retry = self._drop_retry, None
        if retry is not None and retry[0] == request.path_qs and tick - retry[1] < 1.0:
            # aiohttp clients resend an idempotent request once when the connection drops:
            # drop that immediate resend too, so the client does see the failure.
            return await _broken_response(request, "drop")
        fault = _take(self._faults, info)
        if fault is not None:
            self.served_faults[f"status {fault.status}"] += 1
            resp = web.Response(status=fault.status, body=fault.body, headers=fault.headers)
            resp.headers["Content-Type"] = fault.content_type
            return resp
        stall = _take(self._stalls, info)
        if stall is not None:
            self.served_faults["stall"] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), stall.seconds)
            return await _broken_response(request, "drop")
        broken = _take(self._breaks, info)
        if broken is None:
            return None
        self.served_faults[f"break {broken.mode}"] += 1
        if broken.mode == "drop":
            self._drop_retry = (request.path_qs, tick)
        return await _broken_response(request, broken.mode)


async def _broken_response(request: web.Request, mode: BreakMode) -> web.StreamResponse:
    body = b'{"idPrm":"00000000000000","etapeMetier":"BRUT","grandeur":[{"points":[{"v":"4'
    if mode == "invalid":
        return web.Response(status=200, body=body, content_type="application/json")
    transport = request.transport
    if mode == "drop":
        if transport is not None:
            transport.abort()
        return _DroppedResponse(status=200)
    stream = web.StreamResponse(status=200)
    stream.content_type = "application/json"
    stream.content_length = len(body) * 3
    await stream.prepare(request)
    await stream.write(body)
    if transport is not None:
        transport.abort()
    return stream


class _DroppedResponse(web.Response):
    """An answer never delivered: its connection was aborted first."""
