"""A fake RTE on 127.0.0.1 for every entry on the default Tempo addresses (no test reaches RTE).

Any entry with a consumption contract asks for Tempo colours (its ``cost_if_tempo``). The
`local_rte` fixture (tests/conftest.py, autouse) makes an entry whose data names no Tempo
address ask a `TempoSimulator` started on first use, and records (failing the test) any
request a colour client would still send to RTE's or api-couleur-tempo.fr's real address.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date
from typing import Any

import pytest_socket
from homeassistant.core import HomeAssistant

from custom_components.linky.api import COULEUR_TEMPO_URL, RTE_TEMPO_URL, LinkyConnectionError
from custom_components.linky.api.tempo import _ColourClient
from custom_components.linky.tempo_colours import TempoColours
from linky_simulator import TempoSimulator

REAL_URLS = (RTE_TEMPO_URL, COULEUR_TEMPO_URL)

type GetColours = Callable[[HomeAssistant, str, str], Awaitable[TempoColours]]
type Get = Callable[..., Awaitable[dict[date, Any]]]


class LocalRte:
    """The fake RTE of one test (`simulator`, None until an entry asked it)."""

    def __init__(self) -> None:
        """Nothing is started yet."""
        self.simulator: TempoSimulator | None = None
        self.real_requests: list[str] = []
        """Requests a colour client tried to send to a real address (refused)."""

    async def _urls(self, url: str, fallback_url: str) -> tuple[str, str]:
        """Replace the real addresses by the fake RTE's (started on first use)."""
        if url not in REAL_URLS and fallback_url not in REAL_URLS:
            return url, fallback_url
        if self.simulator is None:
            pytest_socket.enable_socket()  # what `socket_enabled` does: still 127.0.0.1 only
            self.simulator = TempoSimulator(max_per_second=None)
            await self.simulator.start()
        return (
            self.simulator.base_url if url == RTE_TEMPO_URL else url,
            self.simulator.couleur_url if fallback_url == COULEUR_TEMPO_URL else fallback_url,
        )

    def get_colours(self, real: GetColours) -> GetColours:
        """Wrap `async_get_tempo_colours` as `async_setup_entry` calls it."""

        async def local(hass: HomeAssistant, url: str, fallback_url: str) -> TempoColours:
            return await real(hass, *await self._urls(url, fallback_url))

        return local

    def guard(self, real: Get) -> Get:
        """Wrap a colour client's request: a real address is recorded and refused."""

        async def guarded(
            client: _ColourClient,
            path: str,
            params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        ) -> dict[date, Any]:
            if client.base_url in REAL_URLS:
                self.real_requests.append(f"{client.base_url}/{path}")
                raise LinkyConnectionError("a test asked a real Tempo server")
            return await real(client, path, params)

        return guarded

    async def stop(self) -> None:
        """Stop the fake RTE if it was started."""
        if self.simulator is not None:
            await self.simulator.stop()
