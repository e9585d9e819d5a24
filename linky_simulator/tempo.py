"""Fake Tempo colour servers over one deterministic calendar: RTE's and api-couleur-tempo.fr.

Day D's colour is published on D-1 at 10:40 Paris by the server's clock (`now`), unless
`late_days` says otherwise. RTE's open data: ``/cms/open_data/v1/tempoLight`` (yesterday, today
and tomorrow; a day not yet published is listed with ``-fallback`` ``"true"``, or left out with
``fallback_unpublished`` False) and ``/cms/open_data/v1/tempo?season=YYYY-YYYY`` (the season's
published days: up to today, tomorrow after 10:40). api-couleur-tempo.fr, on the same server:
``/api/jourTempo/{today|tomorrow|YYYY-MM-DD}`` (one day; 404 for a day it does not hold) and
``/api/joursTempo?dateJour[]=...`` or ``?periode=YYYY-YYYY`` (a list; days not held left out).
It holds every day from `couleur_first_day` to the day after tomorrow, codeJour 0 until
published.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Literal

from aiohttp import web

from ._http import BaseSimulator, RequestInfo, json_response
from .meter import PARIS

type Colour = Literal["blue", "white", "red"]

RED_DAYS: Final = 22
WHITE_DAYS: Final = 43
PUBLICATION_TIME: Final = time(10, 40)
"""Paris time, the day before, when a day's colour is published."""
FALLBACK_GUESS: Final = "BLUE"
"""What an unpublished day shows (with ``-fallback`` ``"true"``)."""
API_PATH: Final = "/cms/open_data/v1"
COULEUR_PATH: Final = "/api"
COULEUR_FIRST_DAY: Final = date(2017, 9, 1)
"""The first day api-couleur-tempo.fr holds, by default."""
_CODES: Final[dict[Colour, int]] = {"blue": 1, "white": 2, "red": 3}
_LABELS: Final = {0: "Inconnu", 1: "Bleu", 2: "Blanc", 3: "Rouge"}
_NOT_FOUND: Final = {
    "type": "/errors/404",
    "title": "An error occurred",
    "status": 404,
    "detail": "Not Found",
}
_PROBLEM: Final = "application/problem+json"
_SEASON = re.compile(r"(\d{4})-(\d{4})")


def season_days(first_year: int) -> Iterator[date]:
    """Yield the days of the season starting on 1 September of `first_year`."""
    day, end = date(first_year, 9, 1), date(first_year + 1, 9, 1)
    while day < end:
        yield day
        day += timedelta(days=1)


def tempo_calendar(season_first_year: int, seed: int = 0) -> dict[date, Colour]:
    """Return a season's colours by RTE's rules, the same for the same year and seed.

    22 red days from 1 November to 31 March, never on a weekend; 43 white days, never on a
    Sunday (from October to April); the rest blue.
    """
    rng = random.Random(seed * 10_000 + season_first_year)
    days = list(season_days(season_first_year))
    winter = (date(season_first_year, 11, 1), date(season_first_year + 1, 3, 31))
    reds = rng.sample(
        [d for d in days if winter[0] <= d <= winter[1] and d.weekday() < 5], RED_DAYS
    )
    mid = (date(season_first_year, 10, 1), date(season_first_year + 1, 4, 30))
    candidates = [d for d in days if mid[0] <= d <= mid[1] and d.weekday() < 6 and d not in reds]
    whites = rng.sample(candidates, WHITE_DAYS)
    calendar: dict[date, Colour] = dict.fromkeys(days, "blue")
    calendar.update(dict.fromkeys(whites, "white"))
    calendar.update(dict.fromkeys(reds, "red"))
    return calendar


def season_of(day: date) -> int:
    """Return the first year of a day's season."""
    return day.year if day.month >= 9 else day.year - 1


class TempoSimulator(BaseSimulator):
    """RTE's Tempo open data at `base_url`, api-couleur-tempo.fr at `couleur_url`.

    - `calendar`: colours that replace the default calendar's (`tempo_calendar` with `seed`)
      on their days; `colour(day)` is the ground truth.
    - `late_days`: day -> when its colour is published instead of D-1 10:40 Paris.
    - `fallback_unpublished`: tempoLight lists an unpublished day with fallback "true"
      (default) or leaves it out; the season answer always leaves it out.
    - `couleur_first_day`: the first day api-couleur-tempo.fr holds.
    - Quotas and faults as every simulator (`fail_next`, `break_next`, `rate_limit`, `delay`),
      shared by both route sets; request types "tempoLight" and "tempo" (the season in
      `start`), "jourTempo" (the day asked in `start`) and "joursTempo" (the periode, or the
      days asked, comma-separated, in `start`).
    """

    def __init__(
        self,
        calendar: Mapping[date, Colour] | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        seed: int = 0,
        late_days: Mapping[date, datetime] | None = None,
        fallback_unpublished: bool = True,
        couleur_first_day: date = COULEUR_FIRST_DAY,
        max_per_second: int | None = 5,
    ) -> None:
        """Serve `calendar` over the default one; the server starts with `start()`."""
        super().__init__(now=now, max_per_second=max_per_second)
        self.calendar: dict[date, Colour] = dict(calendar or {})
        self.seed = seed
        self.late_days: dict[date, datetime] = dict(late_days or {})
        self.fallback_unpublished = fallback_unpublished
        self.couleur_first_day = couleur_first_day
        self._seasons: dict[int, dict[date, Colour]] = {}

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/cms/open_data/v1``."""
        return f"{self.root_url}{API_PATH}"

    @property
    def couleur_url(self) -> str:
        """``http://127.0.0.1:PORT/api``: api-couleur-tempo.fr's routes."""
        return f"{self.root_url}{COULEUR_PATH}"

    def make_app(self) -> web.Application:
        """Build the application: RTE's two open data routes, api-couleur-tempo.fr's two."""
        app = web.Application()
        app.router.add_get(f"{API_PATH}/tempoLight", self._light)
        app.router.add_get(f"{API_PATH}/tempo", self._season)
        app.router.add_get(f"{COULEUR_PATH}/jourTempo/{{day}}", self._couleur_day)
        app.router.add_get(f"{COULEUR_PATH}/joursTempo", self._couleur_days)
        return app

    # ---- the calendar -------------------------------------------------------------------

    def colour(self, day: date) -> Colour:
        """Return the colour of a day (ground truth, published or not)."""
        if day in self.calendar:
            return self.calendar[day]
        year = season_of(day)
        if year not in self._seasons:
            self._seasons[year] = tempo_calendar(year, self.seed)
        return self._seasons[year][day]

    def publication_time(self, day: date) -> datetime:
        """When a day's colour is published (aware)."""
        late = self.late_days.get(day)
        if late is not None:
            return late
        return datetime.combine(day - timedelta(days=1), PUBLICATION_TIME, PARIS)

    def is_published(self, day: date) -> bool:
        """Whether a day's colour is final by the server's clock."""
        return self.now() >= self.publication_time(day)

    def today(self) -> date:
        """Return the Paris day of the server's clock."""
        return self.now().astimezone(PARIS).date()

    def values(self, days: Iterable[date], *, fallback: bool) -> dict[str, str]:
        """Return the ``values`` object listing `days`, as RTE writes it.

        An unpublished day shows `FALLBACK_GUESS` with fallback "true", or is left out
        (`fallback` False).
        """
        values: dict[str, str] = {}
        for day in days:
            published = self.is_published(day)
            if not published and not fallback:
                continue
            name = self.colour(day).upper() if published else FALLBACK_GUESS
            values[day.isoformat()] = name
            values[f"{day.isoformat()}-fallback"] = "false" if published else "true"
        return values

    def couleur_row(self, day: date) -> dict[str, Any] | None:
        """Return api-couleur-tempo.fr's object for a day; None for a day it does not hold."""
        if not self.couleur_first_day <= day <= self.today() + timedelta(days=2):
            return None
        code = _CODES[self.colour(day)] if self.is_published(day) else 0
        year = season_of(day)
        return {
            "dateJour": day.isoformat(),
            "codeJour": code,
            "periode": f"{year}-{year + 1}",
            "libCouleur": _LABELS[code],
        }

    # ---- requests -----------------------------------------------------------------------

    async def _light(self, request: web.Request) -> web.StreamResponse:
        return await self.run(request, RequestInfo(type="tempoLight"), self._handle_light)

    async def _season(self, request: web.Request) -> web.StreamResponse:
        info = RequestInfo(type="tempo", start=request.query.get("season"))
        return await self.run(request, info, self._handle_season)

    async def _handle_light(self, request: web.Request, info: RequestInfo) -> web.StreamResponse:
        if (quota := self.quota_error()) is not None:
            return json_response(quota.status, quota.body)
        today = self.today()
        days = [today + timedelta(days=offset) for offset in (-1, 0, 1)]
        return json_response(200, {"values": self.values(days, fallback=self.fallback_unpublished)})

    async def _handle_season(self, request: web.Request, info: RequestInfo) -> web.StreamResponse:
        match = _SEASON.fullmatch(info.start or "")
        if match is None or int(match[2]) != int(match[1]) + 1:
            return json_response(400, {"status": 400, "message": "Invalid season"})
        if (quota := self.quota_error()) is not None:
            return json_response(quota.status, quota.body)
        tomorrow = self.today() + timedelta(days=1)
        days = [day for day in season_days(int(match[1])) if day <= tomorrow]
        return json_response(200, {"values": self.values(days, fallback=False)})

    # ---- api-couleur-tempo.fr -------------------------------------------------------------

    async def _couleur_day(self, request: web.Request) -> web.StreamResponse:
        info = RequestInfo(type="jourTempo", start=request.match_info["day"])
        return await self.run(request, info, self._handle_couleur_day)

    async def _couleur_days(self, request: web.Request) -> web.StreamResponse:
        asked = _filter(request, "periode") or _filter(request, "dateJour")
        info = RequestInfo(type="joursTempo", start=",".join(asked) or None)
        return await self.run(request, info, self._handle_couleur_days)

    def _named_day(self, name: str) -> date | None:
        if name in ("today", "tomorrow"):
            return self.today() + timedelta(days=int(name == "tomorrow"))
        return _iso_day(name)

    async def _handle_couleur_day(
        self, request: web.Request, info: RequestInfo
    ) -> web.StreamResponse:
        if (quota := self.quota_error()) is not None:
            return json_response(quota.status, quota.body)
        day = self._named_day(info.start or "")
        row = self.couleur_row(day) if day is not None else None
        if row is None:
            return json_response(404, _NOT_FOUND, _PROBLEM)
        return json_response(200, row)

    async def _handle_couleur_days(
        self, request: web.Request, info: RequestInfo
    ) -> web.StreamResponse:
        if (quota := self.quota_error()) is not None:
            return json_response(quota.status, quota.body)
        periodes = set(_filter(request, "periode"))
        if named := _filter(request, "dateJour"):
            days = sorted({day for name in named if (day := _iso_day(name)) is not None})
        else:
            days = list(_days_from(self.couleur_first_day, self.today() + timedelta(days=2)))
        rows = [row for day in days if (row := self.couleur_row(day)) is not None]
        if periodes:
            rows = [row for row in rows if row["periode"] in periodes]
        return json_response(200, rows)


def _filter(request: web.Request, name: str) -> list[str]:
    """Values of an exact-match filter, given once (``name=``) or many times (``name[]=``)."""
    return [*request.query.getall(name, []), *request.query.getall(f"{name}[]", [])]


def _iso_day(name: str) -> date | None:
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


def _days_from(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
