"""`scripts/develop`: a real Home Assistant with this integration and the simulated Conso API.

Starts the simulator's demo meter and the Tempo colours, RTE's and their fallback's
(`python -m linky_simulator --demo --tempo-port 8097`), and Home Assistant on 127.0.0.1, with
`custom_components/linky` linked into `.develop/config`. The first run creates a demo user.
Ctrl-C stops them.
Home Assistant's "Restart" (exit code 100) restarts it. `--reset` starts from a fresh config.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from .harness import (
    HOST,
    REPO,
    Hass,
    HassError,
    Tokens,
    linky_energy_sources,
    login,
    onboard,
    onboarding_status,
    prepare_config,
    refresh,
    start_process,
    stop_process,
    websocket,
)

DEVELOP = REPO / ".develop"
USERNAME = "demo"
PASSWORD = "linky-demo"  # a local demo account, printed on purpose
RESTART_EXIT_CODE = 100
STOP_TIMEOUT = 300.0


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def _bold(text: str) -> str:
    return f"\033[1m{text}\033[0m" if sys.stdout.isatty() else text


def _details_in(log: Path) -> dict[str, str] | None:
    """The simulator's `--json` line (URL, PRM, token), once printed."""
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        with contextlib.suppress(ValueError):
            details = json.loads(line)
            if isinstance(details, dict) and "token" in details:
                return details
    return None


def _simulator_secret() -> str:
    """Kept in .develop/ so the demo token, stored in the config entry, survives restarts."""
    path = DEVELOP / "simulator-secret"
    if not path.exists():
        DEVELOP.mkdir(exist_ok=True)
        path.write_text(secrets.token_hex(16))
    return path.read_text().strip()


async def _start_simulator(
    port: int, tempo_port: int, log: Path
) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """Start the demo simulator; return it and what it printed (URLs, PRM, token)."""
    args = ["--port", str(port), "--tempo-port", str(tempo_port), "--demo", "--json"]
    proc = start_process(
        [sys.executable, "-u", "-m", "linky_simulator", *args],
        log,
        append=False,
        env={"LINKY_SIMULATOR_SECRET": _simulator_secret()},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HassError(f"the simulator exited with {proc.returncode}; see {log}")
        if details := _details_in(log):
            return proc, details
        await asyncio.sleep(0.2)
    stop_process(proc)
    raise HassError(f"the simulator printed nothing in 60 s; see {log}")


async def _prepare_user(hass: Hass) -> Tokens | None:
    """Onboard the demo user on a fresh config; log in as them otherwise (None if refused)."""
    async with aiohttp.ClientSession() as session:
        await hass.wait_http(session)
        status = await onboarding_status(session, hass.url)
        if status is not None and not status.get("user", True):
            return await onboard(
                session, hass.url, name="Demo", username=USERNAME, password=PASSWORD
            )
        try:
            return await login(session, hass.url, username=USERNAME, password=PASSWORD)
        except HassError, aiohttp.ClientError, KeyError:
            return None


def _banner(hass: Hass, details: dict[str, str], user: bool, entries: int) -> str:
    api_url, token, tempo_url = details["conso_url"], details["token"], details["tempo_url"]
    fallback_url = details["tempo_fallback_url"]
    login_line = (
        f"  Log in as {_bold(USERNAME)} / {_bold(PASSWORD)}"
        if user
        else "  Log in with your account (the demo password was changed)"
    )
    head = ["", _bold(f"Home Assistant is running: {hass.url}"), login_line, ""]
    tail = [
        f"Logs: {hass.log_file.relative_to(REPO)}, .develop/simulator.log",
        f"From scratch: scripts/develop --reset. {_bold('Ctrl-C stops everything.')}",
        "",
    ]
    if entries:
        return "\n".join(
            [
                *head,
                f"Linky is set up ({entries} entry): {hass.url}/energy, "
                f"{hass.url}/config/integrations/integration/linky",
                f"Simulated Conso API: {api_url}, demo token:",
                f"  {token}",
                f"Simulated Tempo colours (RTE): {tempo_url}",
                f"  and their fallback (api-couleur-tempo.fr): {fallback_url}",
                "  (used by an entry added with them in Advanced, or set in Reconfigure)",
                "",
                *tail,
            ]
        )
    return "\n".join(
        [
            *head,
            "Add the integration:",
            f"  1. Open {hass.url}/config/integrations/dashboard/add?domain=linky",
            "     (or Settings > Devices & services > Add integration > Linky)",
            "  2. Choose Conso API and paste the demo token:",
            f"     {token}",
            f"  3. Open Advanced, and in API address paste the simulator's: {_bold(api_url)}",
            f"     and in Tempo colours address the simulated RTE's: {_bold(tempo_url)}",
            f"     and in Tempo colours fallback address: {_bold(fallback_url)}",
            "  4. Submit, keep production checked, Submit.",
            "  The history (three years) arrives within a few minutes; as Linky statistics",
            "  appear, this script adds them to the Energy dashboard (if it is empty).",
            "  Prices: Settings > Devices & services > Linky > Configure > Add a contract period",
            "  (Base, HP/HC or Tempo, then EDF Tarif Bleu: the regulated prices follow by",
            "  themselves; or another supplier: typed prices, pre-filled from the regulated",
            "  grid), then Save. Tempo colours come from the simulated RTE above.",
            "",
            *tail,
        ]
    )


async def _linky_entries(hass: Hass, tokens: Tokens | None) -> int:
    if tokens is None:
        return 0
    async with websocket(hass.url, tokens.access_token) as ws:
        return len(await ws.call("config_entries/get", domain="linky"))


async def _configure_energy(hass: Hass, tokens: Tokens, prm: str) -> None:
    """Keep the Energy dashboard fed with the Linky statistics as they appear (runs until stop).

    An empty dashboard gets a grid connection from them; a grid connection on the Linky
    consumption gets the production and cost statistics it lacks once they exist (tariffs
    added later in the options). Anything else the user set is left alone.
    """
    refreshed = time.monotonic()
    async with aiohttp.ClientSession() as session:
        while True:
            await asyncio.sleep(5)
            try:
                if time.monotonic() - refreshed > 15 * 60:  # access tokens last 30 minutes
                    tokens, refreshed = await refresh(session, tokens), time.monotonic()
                await _update_energy(hass, tokens, prm)
            except HassError, aiohttp.ClientError, OSError, TimeoutError:
                continue  # Home Assistant restarting, or busy: try again


async def _update_energy(hass: Hass, tokens: Tokens, prm: str) -> None:
    async with websocket(hass.url, tokens.access_token) as ws:
        listed = await ws.call("recorder/list_statistic_ids", statistic_type="sum")
        wanted = linky_energy_sources((row["statistic_id"] for row in listed), prm)[0]
        if wanted["stat_energy_from"] is None:
            return
        try:
            sources: list[dict[str, Any]] = (await ws.call("energy/get_prefs"))["energy_sources"]
        except HassError:  # not_found: never configured
            sources = []
        if not sources:
            await ws.call("energy/save_prefs", energy_sources=[wanted])
            print(f"==> Energy dashboard configured with Linky {prm}: {hass.url}/energy")
            print("    It opens on today, which has no data yet: press < to see yesterday.")
            return
        for index, source in enumerate(sources):
            if source.get("stat_energy_from") != wanted["stat_energy_from"]:
                continue
            missing = {key: value for key, value in wanted.items() if value and not source.get(key)}
            if missing:
                sources[index] = {**source, **missing}
                await ws.call("energy/save_prefs", energy_sources=sources)
                print(f"==> Energy dashboard: added {', '.join(sorted(missing.values()))}")


async def _start(
    args: argparse.Namespace, hass: Hass
) -> tuple[subprocess.Popen[bytes], dict[str, str], Tokens | None]:
    print(
        f"==> Starting the simulated Conso API on {HOST}:{args.api_port} "
        f"and Tempo colours on {HOST}:{args.tempo_port}"
    )
    simulator, details = await _start_simulator(
        args.api_port, args.tempo_port, DEVELOP / "simulator.log"
    )
    try:
        print("==> Starting Home Assistant (a few seconds)")
        started = time.monotonic()
        hass.start()
        tokens = await _prepare_user(hass)
        if tokens is not None:
            await hass.wait_running(tokens)
        print(f"==> Home Assistant started in {time.monotonic() - started:.0f} s")
    except BaseException:
        stop_process(simulator, timeout=10)
        raise
    return simulator, details, tokens


async def _run(args: argparse.Namespace) -> int:
    ports = (
        (args.port, "Home Assistant"),
        (args.api_port, "the simulator"),
        (args.tempo_port, "the Tempo simulator"),
    )
    for port, what in ports:
        if not _port_free(port):
            print(f"Port {HOST}:{port} (for {what}) is in use: is another develop running?")
            return 1
    config_dir = DEVELOP / "config"
    prepare_config(config_dir, port=args.port, fresh=args.reset)
    print(f"==> Config: {config_dir.relative_to(REPO)} (custom_components/linky linked)")

    stopping, stopping_again = asyncio.Event(), asyncio.Event()

    def on_signal() -> None:
        (stopping_again if stopping.is_set() else stopping).set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, on_signal)

    hass = Hass(config_dir, port=args.port, log_dir=DEVELOP)
    simulator: subprocess.Popen[bytes] | None = None
    energy: asyncio.Task[None] | None = None
    try:
        startup = asyncio.ensure_future(_start(args, hass))
        interrupted = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({startup, interrupted}, return_when=asyncio.FIRST_COMPLETED)
        if not startup.done():
            startup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await startup
            return 0
        interrupted.cancel()
        simulator, details, tokens = startup.result()
        entries = await _linky_entries(hass, tokens)
        print(_banner(hass, details, tokens is not None, entries))
        if tokens is not None:
            energy = asyncio.create_task(_configure_energy(hass, tokens, details["prm"]))

        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), 1)
            if simulator.poll() is not None:
                print(f"The simulator exited ({simulator.returncode}); see .develop/simulator.log")
                return 1
            if hass.proc is not None and (code := hass.proc.poll()) is not None:
                if code != RESTART_EXIT_CODE:
                    print(f"Home Assistant exited ({code}); see {hass.log_file}")
                    return 1
                print("==> Home Assistant asked for a restart")
                hass.proc = None
                hass.start()
    except HassError as err:
        print(f"Error: {err}")
        return 1
    finally:
        if energy is not None:
            energy.cancel()
        print("\n==> Stopping Home Assistant and the simulator", flush=True)
        if hass.proc is not None:
            await _stop_hass(hass.proc, stopping_again)
            hass.proc = None
        if simulator is not None:
            stop_process(simulator, timeout=10)
        print("==> Stopped", flush=True)
    return 0


async def _stop_hass(proc: subprocess.Popen[bytes], force: asyncio.Event) -> None:
    """SIGTERM; Home Assistant may take a while to write what the recorder still holds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    waited = 0.0
    while proc.poll() is None:
        if waited == 10:
            print("    (still writing statistics; Ctrl-C again to kill it)", flush=True)
        if force.is_set() or waited >= STOP_TIMEOUT:
            proc.kill()
        await asyncio.sleep(0.5)
        waited += 0.5


def main() -> None:
    """Parse the arguments and run until Ctrl-C."""
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__)
    parser.add_argument("--reset", action="store_true", help="start from a fresh config")
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's port")
    parser.add_argument("--api-port", type=int, default=8099, help="the simulator's port")
    parser.add_argument(
        "--tempo-port", type=int, default=8097, help="the simulated RTE Tempo colours' port"
    )
    sys.exit(asyncio.run(_run(parser.parse_args())))


if __name__ == "__main__":
    main()
