"""Clients of the Tempo day colours: RTE's open data, and api-couleur-tempo.fr (a copy of it).

RTE's answers (tempoLight, a season) map days to colours, ``{"values": {"2026-12-01": "BLUE",
"2026-12-01-fallback": "false", ...}}``; a day whose ``-fallback`` is ``"true"`` is not final and
maps to None. api-couleur-tempo.fr answers one day, ``{"dateJour": "2026-12-01", "codeJour": 1,
...}``, or a list of them (``codeJour`` 0: not known yet, maps to None; 1 blue, 2 white, 3 red);
a day it does not hold is a 404 alone, left out of a list.
"""

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Final, Literal

import aiohttp

from ._client import HttpClient
from ._transport import RequestGate
from .const import DEFAULT_TIMEOUT, DEFAULT_USER_AGENT
from .exceptions import LinkyConnectionError, LinkyError, ServerError
from .parsing import error_from_response

type TempoColour = Literal["blue", "white", "red"]

RTE_TEMPO_URL: Final = "https://www.services-rte.com/cms/open_data/v1"
COULEUR_TEMPO_URL: Final = "https://www.api-couleur-tempo.fr/api"

_COLOURS: Final[dict[str, TempoColour]] = {"BLUE": "blue", "WHITE": "white", "RED": "red"}
_FALLBACK: Final = "-fallback"
_CODES: Final[dict[int, TempoColour | None]] = {0: None, 1: "blue", 2: "white", 3: "red"}
_SEASON = re.compile(r"(\d{4})-(\d{4})")


def tempo_season(day: date) -> str:
    """Return the Tempo season of a day: "2025-2026" from 2025-09-01 to 2026-08-31."""
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def _check_season(season: str) -> str:
    """Return `season`; raise `ValueError` unless it is written "YYYY-YYYY" (consecutive years)."""
    match = _SEASON.fullmatch(season)
    if match is None or int(match[2]) != int(match[1]) + 1:
        raise ValueError(f"Not a Tempo season: {season!r}")
    return season


def _day(key: Any) -> date:
    try:
        return date.fromisoformat(key)
    except TypeError, ValueError:
        raise ServerError(f"Tempo answer: {key!r} is not a day") from None


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError, RecursionError:
        raise LinkyConnectionError("Tempo answer is not JSON (truncated?)") from None


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
    body = _load(text)
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


def _tempo_day(item: Any) -> tuple[date, TempoColour | None]:
    if not isinstance(item, dict):
        raise ServerError("Tempo day answer is not an object")
    code = item.get("codeJour")
    if not isinstance(code, int) or isinstance(code, bool) or code not in _CODES:
        raise ServerError(f"Tempo day answer: codeJour {code!r} is not 0 to 3")
    return _day(item.get("dateJour")), _CODES[code]


def parse_tempo_days(text: str) -> dict[date, TempoColour | None]:
    """Map each day of an api-couleur-tempo.fr answer (one day or a list) to its colour.

    codeJour 0 (not known yet) maps to None. Raises `LinkyConnectionError` for a body that is
    not JSON, `ServerError` for JSON of another shape.
    """
    body = _load(text)
    if isinstance(body, dict) and isinstance(members := body.get("hydra:member"), list):
        body = members  # the JSON-LD form of a list
    return dict(_tempo_day(item) for item in (body if isinstance(body, list) else [body]))


class _ColourClient(HttpClient):
    """A colour server's client: no credentials, one request per call, its own body parser."""

    DEFAULT_URL: str

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        base_url: str | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = DEFAULT_TIMEOUT,
        request_gate: RequestGate | None = None,
    ) -> None:
        """Use `session` (else an own one, closed by `close`); await `request_gate` per request."""
        super().__init__(
            base_url or self.DEFAULT_URL,
            session=session,
            user_agent=user_agent,
            timeout=timeout,
            request_gate=request_gate,
            secrets=lambda: (),
        )

    def __repr__(self) -> str:
        """Show the server."""
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    @staticmethod
    def _values(text: str) -> dict[date, TempoColour | None]:
        raise NotImplementedError

    async def _get(
        self, path: str, params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None
    ) -> dict[date, TempoColour | None]:
        response = await self._transport.request("GET", f"{self._base_url}/{path}", params=params)
        try:
            if not response.ok:
                retry_after = response.headers.get("Retry-After")
                raise error_from_response(response.status, response.text, retry_after=retry_after)
            return self._values(response.text)
        except LinkyError as err:
            raise self._transport.error(err, response) from None


class TempoClient(_ColourClient):
    """Async client of RTE's Tempo open data."""

    DEFAULT_URL = RTE_TEMPO_URL
    _values = staticmethod(parse_tempo_values)

    async def get_light(self) -> dict[date, TempoColour | None]:
        """Colours of the recent days RTE lists (today, and tomorrow once published)."""
        return await self._get("tempoLight")

    async def get_season(self, season: str) -> dict[date, TempoColour | None]:
        """Colours of a season ("2025-2026") published so far.

        Raises `ValueError` for a season not written "YYYY-YYYY" (consecutive years).
        """
        return await self._get("tempo", {"season": _check_season(season)})


class CouleurTempoClient(_ColourClient):
    """Async client of api-couleur-tempo.fr, a community copy of RTE's colours.

    Every call maps days to colours, None for a day not known yet (codeJour 0).
    """

    DEFAULT_URL = COULEUR_TEMPO_URL
    _values = staticmethod(parse_tempo_days)

    async def get_today(self) -> dict[date, TempoColour | None]:
        """Today's colour (the server's Paris day)."""
        return await self._get("jourTempo/today")

    async def get_tomorrow(self) -> dict[date, TempoColour | None]:
        """Tomorrow's colour: None until published; the server says it may change until noon."""
        return await self._get("jourTempo/tomorrow")

    async def get_day(self, day: date) -> dict[date, TempoColour | None]:
        """One day's colour; `NoDataError` (404) for a day the server does not hold."""
        return await self._get(f"jourTempo/{day.isoformat()}")

    async def get_days(self, days: Iterable[date]) -> dict[date, TempoColour | None]:
        """Return the colours of `days` the server holds, in one request (none for no day)."""
        params = [("dateJour[]", day.isoformat()) for day in sorted(set(days))]
        return await self._get("joursTempo", params) if params else {}

    async def get_season(self, season: str) -> dict[date, TempoColour | None]:
        """Every day the server holds of a season ("2025-2026"), in one request.

        Raises `ValueError` for a season not written "YYYY-YYYY" (consecutive years).
        """
        return await self._get("joursTempo", {"periode": _check_season(season)})
