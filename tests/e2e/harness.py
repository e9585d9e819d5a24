"""A real Home Assistant in a subprocess: config dir, start/stop, onboarding, websocket.

Shared by the end-to-end test (`tests/e2e/`) and `scripts/develop`. Imports neither pytest nor
Home Assistant (except `integration_requirements`, run by `scripts/setup`), so it runs in the
test process without the HA test plugin's patches.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"

# Integrations set up on top of the ones Home Assistant always loads (`DEFAULT_INTEGRATIONS`).
# Not `default_config:`: it adds cloud, discovery (bluetooth, zeroconf, ssdp, dhcp, usb), go2rtc,
# mobile_app and others that want the internet or hardware and slow a start down.
EXTRA_INTEGRATIONS = ("energy", "history", "logbook", "config")

CONFIGURATION_YAML = """\
# Written by tests/e2e/harness.py (scripts/develop, end-to-end test).
homeassistant:
  name: Linky demo
  latitude: 48.8566
  longitude: 2.3522
  elevation: 35
  unit_system: metric
  time_zone: Europe/Paris
  country: FR
  currency: EUR
  language: en

frontend:
config:
energy:
history:
logbook:
automation: !include automations.yaml

logger:
  default: warning
  logs:
    homeassistant.bootstrap: info
    homeassistant.setup: info
    custom_components.linky: debug
"""

# Onboarding steps a script cannot do offline (weather, radio, TTS integrations): marked done
# before the first start; the "user" step is left for `onboard` (or the browser).
ONBOARDING_DONE_BUT_USER = ("core_config", "analytics", "integration")

START_TIMEOUT = 180.0
STOP_TIMEOUT = 60.0


def _storage(key: str, version: int, minor_version: int, data: Any) -> str:
    return json.dumps(
        {"version": version, "minor_version": minor_version, "key": key, "data": data}, indent=2
    )


def prepare_config(
    config_dir: Path, *, port: int, fresh: bool, automations: str | None = None
) -> None:
    """Write a configuration directory (kept as is when it already exists and not `fresh`).

    HTTP settings live in `.storage/http` (YAML `http:` is migrated once, as an unconfirmed
    trial that Home Assistant reverts unless an admin promotes it), so they are written there.
    `automations`: the content of `automations.yaml` (a YAML list); by default the file is
    left as it is (the automation editor writes it), or created empty.
    """
    if fresh and config_dir.exists():
        shutil.rmtree(config_dir)  # unlinks the custom_components/linky link, keeps the target
    storage = config_dir / ".storage"
    storage.mkdir(parents=True, exist_ok=True)
    (config_dir / "configuration.yaml").write_text(CONFIGURATION_YAML)
    automations_file = config_dir / "automations.yaml"
    if automations is not None:
        automations_file.write_text(automations)
    elif not automations_file.exists():
        automations_file.write_text("[]\n")
    http = {
        "server_host": [HOST],
        "server_port": port,
        "cors_allowed_origins": ["https://cast.home-assistant.io"],
        "login_attempts_threshold": -1,
        "ip_ban_enabled": True,
        "ssl_profile": "modern",
        "use_x_frame_options": True,
        "created_at": "2026-01-01T00:00:00+00:00",
        "error": None,
        "error_message": None,
    }
    (storage / "http").write_text(
        _storage("http", 2, 2, {"stable": http, "pending": None, "yaml_migration_done": True})
    )
    onboarding = storage / "onboarding"
    if not onboarding.exists():
        onboarding.write_text(
            _storage("onboarding", 4, 1, {"done": list(ONBOARDING_DONE_BUT_USER)})
        )
    custom = config_dir / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / "linky"
    if not link.is_symlink():
        link.symlink_to(REPO / "custom_components" / "linky", target_is_directory=True)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def integration_requirements() -> list[str]:
    """Python requirements of every integration the demo configuration sets up.

    Installed by `scripts/setup`, so that Home Assistant finds them at start-up instead of
    installing them itself (which takes minutes, and a compiler for `pymicro-vad`).
    """
    from homeassistant import bootstrap

    components = Path(bootstrap.__file__).parent / "components"
    todo = [
        *bootstrap.CORE_INTEGRATIONS,
        *bootstrap.DEFAULT_INTEGRATIONS,
        *EXTRA_INTEGRATIONS,
        "frontend",
        "recorder",
    ]
    manifest = json.loads((REPO / "custom_components/linky/manifest.json").read_text())
    requirements: set[str] = set(manifest.get("requirements", []))
    todo += manifest.get("dependencies", []) + manifest.get("after_dependencies", [])
    seen: set[str] = set()
    while todo:
        domain = todo.pop()
        path = components / domain / "manifest.json"
        if domain in seen or not path.exists():
            continue
        seen.add(domain)
        data = json.loads(path.read_text())
        requirements.update(data.get("requirements", []))
        todo += data.get("dependencies", []) + data.get("after_dependencies", [])
    return sorted(requirements)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the child gets SIGTERM when the process that started it dies (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_process(
    args: list[str], log_path: Path, *, env: dict[str, str] | None = None, append: bool = True
) -> subprocess.Popen[bytes]:
    """Start a child in its own session (Ctrl-C reaches only us), output to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab" if append else "wb") as log:
        return subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            env={**os.environ, **(env or {})},
            start_new_session=True,
            # Safe here: the child only calls prctl (async-signal-safe) before exec.
            preexec_fn=_die_with_parent,  # noqa: PLW1509
        )


def stop_process(proc: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> int:
    """SIGTERM, wait, then SIGKILL. Returns the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    return proc.returncode


class HassError(RuntimeError):
    """Home Assistant did not do what was expected."""


@dataclass
class Tokens:
    """What `/auth/token` returned; `hass_tokens` is what the frontend keeps in localStorage."""

    access_token: str
    refresh_token: str
    expires_in: int
    client_id: str
    base_url: str

    def hass_tokens(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "expires": int(time.time() * 1000) + self.expires_in * 1000,
            "hassUrl": self.base_url,
            "clientId": self.client_id,
        }


@dataclass
class Hass:
    """One Home Assistant process for a config directory."""

    config_dir: Path
    port: int = 8123
    log_dir: Path | None = None
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    skip_pip: bool = False
    """`--skip-pip`: install nothing at start-up (fail instead of reaching PyPI)."""

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.config_dir / "home-assistant.log"

    def start(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            raise HassError("already running")
        self.starts += 1
        console = (self.log_dir or self.config_dir) / f"hass-console-{self.starts}.log"
        args = [sys.executable, "-m", "homeassistant", "-c", str(self.config_dir)]
        args += ["--log-no-color", *(["--skip-pip"] if self.skip_pip else [])]
        self.proc = start_process(args, console, append=False)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        code = stop_process(self.proc)
        self.proc = None
        return code

    async def async_stop(self, limit: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM and wait without blocking the event loop (the simulator may run in it)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        for _ in range(int(limit / 0.2)):
            if proc.poll() is not None:
                break
            await asyncio.sleep(0.2)
        return stop_process(proc, timeout=10)  # SIGKILL if still running

    def _check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise HassError(
                f"Home Assistant exited with {self.proc.returncode}; see {self.log_file}"
            )

    async def wait_http(self, session: aiohttp.ClientSession, limit: float = START_TIMEOUT) -> None:
        """Until the HTTP server answers (it starts before every integration is set up)."""
        deadline = time.monotonic() + limit
        while True:
            self._check_alive()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(
                    f"{self.url}/manifest.json", timeout=aiohttp.ClientTimeout(total=5)
                ) as resp:
                    if resp.status == 200:
                        return
            if time.monotonic() > deadline:
                raise HassError(f"no HTTP answer after {limit:.0f} s; see {self.log_file}")
            await asyncio.sleep(0.5)

    async def wait_running(self, tokens: Tokens, limit: float = START_TIMEOUT) -> None:
        """Until `get_config` says RUNNING (start-up finished)."""
        deadline = time.monotonic() + limit
        while True:
            self._check_alive()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, HassError, OSError):
                async with websocket(self.url, tokens.access_token) as ws:
                    config = await ws.call("get_config")
                    if config.get("state") == "RUNNING":
                        return
            if time.monotonic() > deadline:
                raise HassError(f"not RUNNING after {limit:.0f} s; see {self.log_file}")
            await asyncio.sleep(0.5)


async def onboarding_status(session: aiohttp.ClientSession, url: str) -> dict[str, bool] | None:
    """{step: done} while onboarding is in progress; None once onboarded (views gone)."""
    async with session.get(f"{url}/api/onboarding") as resp:
        if resp.status != 200:
            return None
        return {step["step"]: step["done"] for step in await resp.json()}


async def onboard(
    session: aiohttp.ClientSession, url: str, *, name: str, username: str, password: str
) -> Tokens:
    """Create the owner (the onboarding "user" step) and log in as them."""
    client_id = f"{url}/"
    async with session.post(
        f"{url}/api/onboarding/users",
        json={
            "client_id": client_id,
            "name": name,
            "username": username,
            "password": password,
            "language": "en",
        },
    ) as resp:
        if resp.status != 200:
            raise HassError(f"onboarding failed: {resp.status} {await resp.text()}")
        code = (await resp.json())["auth_code"]
    return await _token(session, url, {"grant_type": "authorization_code", "code": code}, client_id)


async def login(
    session: aiohttp.ClientSession, url: str, *, username: str, password: str
) -> Tokens:
    """Log in through the login flow, as the login page does."""
    client_id = f"{url}/"
    async with session.post(
        f"{url}/auth/login_flow",
        json={
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": f"{url}/?auth_callback=1",
        },
    ) as resp:
        flow = await resp.json()
    async with session.post(
        f"{url}/auth/login_flow/{flow['flow_id']}",
        json={"client_id": client_id, "username": username, "password": password},
    ) as resp:
        result = await resp.json()
    if result.get("type") != "create_entry":
        raise HassError(f"login failed: {result}")
    return await _token(
        session, url, {"grant_type": "authorization_code", "code": result["result"]}, client_id
    )


async def refresh(session: aiohttp.ClientSession, tokens: Tokens) -> Tokens:
    """A new access token (they last 30 minutes) from the refresh token."""
    async with session.post(
        f"{tokens.base_url}/auth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": tokens.client_id,
        },
    ) as resp:
        if resp.status != 200:
            raise HassError(f"/auth/token (refresh): {resp.status} {await resp.text()}")
        data = await resp.json()
    return Tokens(
        access_token=data["access_token"],
        refresh_token=tokens.refresh_token,
        expires_in=int(data["expires_in"]),
        client_id=tokens.client_id,
        base_url=tokens.base_url,
    )


async def _token(
    session: aiohttp.ClientSession, url: str, form: dict[str, str], client_id: str
) -> Tokens:
    async with session.post(f"{url}/auth/token", data={**form, "client_id": client_id}) as resp:
        if resp.status != 200:
            raise HassError(f"/auth/token: {resp.status} {await resp.text()}")
        data = await resp.json()
    return Tokens(
        access_token=data["access_token"],
        refresh_token=data["refresh_token"],
        expires_in=int(data["expires_in"]),
        client_id=client_id,
        base_url=url,
    )


class WebSocket:
    """The websocket API: `await ws.call("get_config")` returns the result or raises."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._id = 0

    async def call(self, type_: str, *, limit: float = 60.0, **payload: Any) -> Any:
        self._id += 1
        await self._ws.send_json({"id": self._id, "type": type_, **payload})
        async with asyncio.timeout(limit):
            while True:
                msg = await self._ws.receive_json()
                if msg.get("id") != self._id or msg.get("type") != "result":
                    continue
                if not msg["success"]:
                    raise HassError(f"{type_}: {msg['error']}")
                return msg["result"]


@contextlib.asynccontextmanager
async def websocket(url: str, access_token: str) -> AsyncIterator[WebSocket]:
    """An authenticated websocket connection."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(
            f"{url}/api/websocket",
            timeout=aiohttp.ClientWSTimeout(ws_close=10),
            max_msg_size=0,  # statistics of three years are several MB
        ) as ws,
    ):
        async with asyncio.timeout(30):
            hello = await ws.receive_json()
            if hello.get("type") != "auth_required":
                raise HassError(f"unexpected {hello}")
            await ws.send_json({"type": "auth", "access_token": access_token})
            answer = await ws.receive_json()
            if answer.get("type") != "auth_ok":
                raise HassError(f"websocket auth: {answer}")
        yield WebSocket(ws)


def linky_energy_sources(statistic_ids: Iterable[str], prm: str) -> list[dict[str, Any]]:
    """The Energy dashboard's grid connection for one meter, from the statistics that exist.

    Production is what leaves the house: the grid connection's export side.
    """
    ids = set(statistic_ids)

    def stat(suffix: str) -> str | None:
        statistic_id = f"linky:{prm}_{suffix}"
        return statistic_id if statistic_id in ids else None

    return [
        {
            "type": "grid",
            "stat_energy_from": stat("consumption"),
            "stat_energy_to": stat("production"),
            "stat_cost": stat("consumption_cost"),
            "stat_compensation": stat("production_earnings"),
            "cost_adjustment_day": 0,
        }
    ]


CLASS_ORDER = (
    "base",
    "hp",
    "hc",
    *(f"{colour}_{hours}" for colour in ("blue", "white", "red") for hours in ("hp", "hc")),
)


def _class_order(klass: str) -> tuple[int, str]:
    return (CLASS_ORDER.index(klass) if klass in CLASS_ORDER else len(CLASS_ORDER), klass)


def linky_class_energy_sources(statistic_ids: Iterable[str], prm: str) -> list[dict[str, Any]]:
    """One grid connection per tariff class statistic of a meter, each with its cost.

    The Energy dashboard then shows the classes (HP/HC, Tempo colours) as separate bars; they
    add up to the consumption, and the subscription is only in `linky:<prm>_consumption_cost`.
    """
    ids = set(statistic_ids)
    prefix = f"linky:{prm}_consumption_"
    classes = sorted(
        (
            statistic_id
            for statistic_id in ids
            if statistic_id.startswith(prefix)
            and statistic_id != f"{prefix}cost"
            and not statistic_id.endswith("_cost")
        ),
        key=lambda statistic_id: _class_order(statistic_id.removeprefix(prefix)),
    )
    return [
        {
            "type": "grid",
            "stat_energy_from": statistic_id,
            "stat_energy_to": None,
            "stat_cost": f"{statistic_id}_cost" if f"{statistic_id}_cost" in ids else None,
            "stat_compensation": None,
            "cost_adjustment_day": 0,
        }
        for statistic_id in classes
    ]


def grep_file(path: Path, needles: Iterable[str]) -> list[str]:
    """Lines of `path` containing any of `needles`."""
    wanted = [needle for needle in needles if needle]
    if not path.exists():
        return []
    return [
        line
        for line in path.read_text(errors="replace").splitlines()
        if any(needle in line for needle in wanted)
    ]


def main() -> None:
    """`python -m tests.e2e.harness requirements`: print integration_requirements()."""
    if sys.argv[1:] == ["requirements"]:
        print("\n".join(integration_requirements()))
        return
    sys.exit(f"usage: {sys.argv[0]} requirements")


if __name__ == "__main__":
    main()
