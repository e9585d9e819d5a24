"""Run the simulators: ``python -m linky_simulator --port 8099 [--enedis-port 8098] --demo``.

Prints the Conso API base URL, the demo PRM and token (and the Enedis Data Connect URL and
credentials when ``--enedis-port`` is given, the Tempo colours URLs, RTE's and
api-couleur-tempo.fr's on one server, when ``--tempo-port`` is), then serves until
interrupted. Tokens and credentials are made at start-up; set ``LINKY_SIMULATOR_SECRET`` to
keep them across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import signal
import sys
from datetime import UTC, datetime

from .conso import ConsoApiSimulator
from .demo import demo_meter
from .enedis import EnedisSimulator
from .meter import PARIS
from .tempo import TempoSimulator

SECRET_ENV = "LINKY_SIMULATOR_SECRET"


def parser() -> argparse.ArgumentParser:
    """Build the command-line parser."""
    parser = argparse.ArgumentParser(prog="python -m linky_simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8099, help="Conso API port (0: any)")
    parser.add_argument("--enedis-port", type=int, help="also serve Enedis Data Connect here")
    parser.add_argument(
        "--tempo-port", type=int, help="also serve the Tempo colours (RTE, api-couleur-tempo.fr)"
    )
    parser.add_argument("--demo", action="store_true", help="serve the demo meter (default)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the demo meter")
    parser.add_argument(
        "--ban-threshold",
        type=int,
        default=100,
        help="requests in a 12-hour UTC window (00-12, 12-24) that get the client banned "
        "at the window's end, until restarted (0: never)",
    )
    parser.add_argument("--json", action="store_true", help="print the details as one JSON line")
    return parser


async def serve(args: argparse.Namespace, stop: asyncio.Event | None = None) -> None:
    """Start the simulators, print how to reach them, serve until SIGINT/SIGTERM or `stop`."""
    today = datetime.now(UTC).astimezone(PARIS).date()
    meter = demo_meter(today, seed=args.seed, colour_of=TempoSimulator(seed=args.seed).colour)
    seed_text = os.environ.get(SECRET_ENV)
    secret = hashlib.sha256(seed_text.encode()).digest() if seed_text else None
    conso = ConsoApiSimulator([meter], ban_threshold=args.ban_threshold or None, secret=secret)
    details: dict[str, str] = {
        "conso_url": await conso.start(args.host, args.port),
        "prm": meter.prm,
        "token": conso.make_token([meter.prm]),
    }
    enedis: EnedisSimulator | None = None
    if args.enedis_port is not None:
        client_id = client_secret = None
        if secret is not None:
            client_id = hashlib.sha256(secret + b"id").hexdigest()[:32]
            client_secret = hashlib.sha256(secret + b"secret").hexdigest()[:32]
        enedis = EnedisSimulator([meter], client_id=client_id, client_secret=client_secret)
        details["enedis_url"] = await enedis.start(args.host, args.enedis_port)
        details["client_id"] = enedis.client_id
        details["client_secret"] = enedis.client_secret
    tempo: TempoSimulator | None = None
    if args.tempo_port is not None:
        tempo = TempoSimulator(seed=args.seed)
        details["tempo_url"] = await tempo.start(args.host, args.tempo_port)
        details["tempo_fallback_url"] = tempo.couleur_url
    if args.json:
        print(json.dumps(details), flush=True)
    else:
        for key, value in details.items():
            print(f"{key}: {value}", flush=True)
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await conso.stop()
        if enedis is not None:
            await enedis.stop()
        if tempo is not None:
            await tempo.stop()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve."""
    args = parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
