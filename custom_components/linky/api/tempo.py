"""Client of RTE's open data on Tempo day colours: recent days (tempoLight) and whole seasons.

Both answers map days to colours, ``{"values": {"2026-12-01": "BLUE", "2026-12-01-fallback":
"false", ...}}``; a day whose ``-fallback`` is ``"true"`` is not final and maps to None.
"""

import json
import re
from datetime import date
from typing import Any, Final, Literal

import aiohttp

from ._client import HttpClient
from ._transport import RequestGate, Response
from .const import DEFAULT_TIMEOUT, DEFAULT_USER_AGENT
from .exceptions import LinkyConnectionError, LinkyError, ServerError
from .parsing import error_from_response

type TempoColour = Literal["blue", "white", "red"]

RTE_TEMPO_URL: Final = "https://www.services-rte.com/cms/open_data/v1"

_COLOURS: Final[dict[str, TempoColour]] = {"BLUE": "blue", "WHITE": "white", "RED": "red"}
_FALLBACK: Final = "-fallback"
_SEASON = re.compile(r"(\d{4})-(\d{4})")


def tempo_season(day: date) -> str:
    """Return the Tempo season of a day: "2025-2026" from 2025-09-01 to 2026-08-31."""
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def _day(key: str) -> date:
    try:
        return date.fromisoformat(key)
    except ValueError:
        raise ServerError(f"Tempo answer: {key!r} is not a day") from None


def _is_fallback(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ServerError(f"Tempo answer: fallback {value!r} is not a boolean")


def _colour(value: Any) -> TempoColour | None:
    """Return a known colour; None for another name (RTE's "not defined yet")."""
    if not isinstance(value, str):
        raise ServerError(f"Tempo answer: colour {value!r} is not a string")
    return _COLOURS.get(value.upper())


def parse_tempo_values(text: str) -> dict[date, TempoColour | None]:
    """Map each day of a Tempo answer to its final colour (None: not final).

    Raises `LinkyConnectionError` for a body that is not JSON, `ServerError` for JSON of
    another shape.
    """
    try:
        body = json.loads(text)
    except ValueError, RecursionError:
        raise LinkyConnectionError("Tempo answer is not JSON (truncated?)") from None
    values = body.get("values") if isinstance(body, dict) else None
    if not isinstance(values, dict):
        raise ServerError("Tempo answer has no 'values' object")
    colours: dict[date, TempoColour | None] = {}
    fallback: set[date] = set()
    for key, value in values.items():
        if key.endswith(_FALLBACK):
            if _is_fallback(value):
                fallback.add(_day(key.removesuffix(_FALLBACK)))
        else:
            colours[_day(key)] = _colour(value)
    return {day: None if day in fallback else colour for day, colour in colours.items()}


class TempoClient(HttpClient):
    """Async client of RTE's Tempo open data (no credentials); one request per call."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        base_url: str = RTE_TEMPO_URL,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = DEFAULT_TIMEOUT,
        request_gate: RequestGate | None = None,
    ) -> None:
        """Use `session` (else an own one, closed by `close`); await `request_gate` per request."""
        super().__init__(
            base_url,
            session=session,
            user_agent=user_agent,
            timeout=timeout,
            request_gate=request_gate,
            secrets=lambda: (),
        )

    def __repr__(self) -> str:
        """Show the server."""
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    async def get_light(self) -> dict[date, TempoColour | None]:
        """Colours of the recent days RTE lists (today, and tomorrow once published)."""
        return await self._get("tempoLight", None)

    async def get_season(self, season: str) -> dict[date, TempoColour | None]:
        """Colours of a season ("2025-2026") published so far.

        Raises `ValueError` for a season not written "YYYY-YYYY" (consecutive years).
        """
        match = _SEASON.fullmatch(season)
        if match is None or int(match[2]) != int(match[1]) + 1:
            raise ValueError(f"Not a Tempo season: {season!r}")
        return await self._get("tempo", {"season": season})

    async def _get(
        self, path: str, params: dict[str, str] | None
    ) -> dict[date, TempoColour | None]:
        response = await self._transport.request("GET", f"{self._base_url}/{path}", params=params)
        try:
            return self._parse(response)
        except LinkyError as err:
            raise self._transport.error(err, response) from None

    @staticmethod
    def _parse(response: Response) -> dict[date, TempoColour | None]:
        if not response.ok:
            retry_after = response.headers.get("Retry-After")
            raise error_from_response(response.status, response.text, retry_after=retry_after)
        return parse_tempo_values(response.text)
