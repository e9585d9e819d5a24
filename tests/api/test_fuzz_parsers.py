"""Fuzzing of the client's parsers: any answer gives a result or a `LinkyError`, nothing else.

Property-based (hypothesis) over the public entry points: random JSON, the real bodies of
tests/fixtures/api mutated (keys dropped, types changed, numbers as text, NaN-like values, bad
or out-of-range dates, local times in DST gaps and folds), non-JSON and truncated text, JWTs;
then the real clients against a tiny aiohttp server on 127.0.0.1 answering fuzzed statuses,
content types, charsets and bodies. Reproducible: fixed example counts, derandomized, no example
database (``LINKY_FUZZ_EXAMPLES=5000`` runs more). The HTTP properties are async: pytest-asyncio
cannot drive an async @given, so hypothesis runs in a worker thread and each example's coroutine
runs on the test's event loop (`asyncio.run_coroutine_threadsafe`).
"""

import asyncio
import base64
import copy
import gzip
import json
import re
import string
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context, event

from custom_components.linky.api import (
    AsyncLinkyClient,
    AuthenticationError,
    CouleurTempoClient,
    EnedisDataConnectClient,
    InvalidTokenError,
    LinkyError,
    MeteringData,
    NoDataError,
    RateLimitError,
    ServerError,
    TempoClient,
    UpstreamError,
    token_expiry,
    token_prms,
)
from custom_components.linky.api.parsing import (
    error_from_response,
    is_unknown_type_error,
    parse_metering_data,
    parse_next_access_time,
    parse_response,
    parse_retry_after,
)
from custom_components.linky.api.tempo import parse_tempo_days, parse_tempo_values
from tests.api.fuzz_helpers import QUIET_PRNG_WARNING, fuzz, weighted

pytestmark = QUIET_PRNG_WARNING

PARIS = ZoneInfo("Europe/Paris")
FIXTURES = Path(__file__).parent.parent / "fixtures" / "api"
PRM = "11111111111111"


# ---- inputs -----------------------------------------------------------------------------

JSON_BODIES = {
    path.name: json.loads(path.read_text())
    for path in (*FIXTURES.glob("*.json"), *(FIXTURES / "errors").glob("*.json"))
    if path.name != "truncated.json"
}
TEXT_BODIES = [path.read_text() for path in (FIXTURES / "errors").iterdir()]
METERING_SEEDS = [body for name, body in JSON_BODIES.items() if name.startswith(("v2_", "v5_"))]
ERROR_SEEDS = [body for name, body in JSON_BODIES.items() if not name.startswith(("v", "tempo"))]
TEMPO_SEEDS = [JSON_BODIES["tempo_light.json"], JSON_BODIES["tempo_season.json"]]
COULEUR_DAY = {"dateJour": "2026-12-01", "codeJour": 3, "periode": "2026-2027", "libCouleur": "R"}
COULEUR_SEEDS = [
    COULEUR_DAY,
    [{"dateJour": "2026-11-30", "codeJour": 1}, {"dateJour": "2026-12-02", "codeJour": 0}],
    {"@context": "/api/contexts/JourTempo", "hydra:member": [COULEUR_DAY]},
]

KEYS = (
    # v5 meter_reading
    *("meter_reading", "usage_point_id", "start", "end", "quality", "reading_type", "unit"),
    *("measurement_kind", "aggregate", "measuring_period", "interval_reading", "value", "date"),
    *("interval_length", "measure_type"),
    # 2026 mesure_synchrone_auto/v2, index bodies
    *("idPrm", "periode", "dateDebut", "dateFin", "grandeur", "points", "v", "d", "p", "n"),
    *("unite", "grandeurPhysique", "contexte", "etapeMetier", "pas", "cadranTotalisateur"),
    *("valeur", "calendrier", "idCalendrier", "classeTemporelle", "idClasseTemporelle", "iv"),
    # error bodies, Tempo, OAuth, JWT
    *("status", "message", "error", "error_description", "description", "code", "fault"),
    *("issues", "path", "name", "nextAccessTime", "values", "access_token", "expires_in"),
    *("token_type", "scope", "sub", "exp", "dateJour", "codeJour", "hydra:member"),
)
DST_TIMES = (
    "2026-03-29 02:30:00",  # spring gap
    "2026-03-29T02:00:00",
    "2025-03-30 02:59:59",
    "2026-10-25 02:30:00",  # autumn fold
    "2026-10-25T02:00:00",
    "2025-10-26 02:59:59",
)
EDGE_TIMES = (
    "0001-01-01",
    "0001-01-01 00:00:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31",
    "9999-12-31 23:59:59",
    "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:30:00+00:00",
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00+14:00",
    "2026-02-29",
    "2026-13-01",
    "2026-1-1",
    "20260101",
    "2026-W01-1",
    "2026-01-01T25:00:00",
    "2026-Jul-17 05:00:00+0000 UTC",
    "0001-Jan-01 00:00:00+0500",
    "9999-Dec-31 23:59:59-0500",
    "2026-Foo-17 05:00:00",
    "Fri, 31 Dec 9999 23:59:59 -0500",
    "Mon, 01 Jan 0001 00:00:00 +0500",
)
ODD_TEXTS = (
    *("", " ", "NaN", "nan", "-NaN", "Infinity", "-Infinity", "inf", "1e400", "-1e400", "1e308"),
    *(
        "12,5",
        " 12 ",
        "0x1F",
        "1_000",
        "\u0661\u0662\u0663",
        "²",
        "½",
        "9" * 30,
        "9" * 5000,
        "true",
        "null",
    ),
    *("\x00", "é", "<html><title>x</title></html>", "P9999999999D", "PT99999999999999999999S"),
    *("PT30M", "P1D", "PT0S", "P", "BLUE", "WHITE", "RED", "TEMPO", "true", "false", "DI000003"),
    *("FC000012", "HC", "HP", "Paramètres invalides", "ADAM-ERR0123", "ADAM-ERR0069", PRM),
)
ODD_VALUES = (
    *(None, True, False, 0, -1, 1, 2**31, 2**63, -(2**63), 10**100, 0.5, -0.0, 1e308, 5e-324),
    *(float("nan"), float("inf"), float("-inf"), [], {}, [None], {"": None}, [[]], [{}]),
)
ZONES = (None, UTC, PARIS, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)))


@st.composite
def moment_texts(draw: st.DrawFn) -> str:
    """A date or a date-time as an API would write it, or nearly."""
    kind = draw(st.sampled_from(("day", "local", "aware", "fixed")))
    if kind == "day":
        return draw(st.dates()).isoformat()
    if kind == "fixed":
        return draw(st.sampled_from((*DST_TIMES, *EDGE_TIMES)))
    zone = None if kind == "local" else draw(st.sampled_from(ZONES[1:]))
    moment = draw(st.datetimes(timezones=st.just(zone) if zone else st.none()))
    return moment.isoformat(sep=draw(st.sampled_from(" T")), timespec="seconds")


LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(ODD_TEXTS),
    st.sampled_from(ODD_VALUES),
    moment_texts(),
)
JSON_VALUES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5),
    ),
    max_leaves=25,
)


def _places(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) of a JSON value, depth first."""
    places: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in list(items):
            places.append((node, key))
            if isinstance(child, dict | list):
                stack.append(child)
    return places


@st.composite
def mutated(draw: st.DrawFn, seeds: list[Any]) -> Any:
    """A real body with 1 to 6 mutations: drop, replace, retype, empty, duplicate, wrap."""
    body = {"root": copy.deepcopy(draw(st.sampled_from(seeds)))}
    for _ in range(draw(st.integers(1, 6))):
        container, key = draw(st.sampled_from(_places(body)))
        value = container[key]
        action = draw(
            st.sampled_from(("drop", "odd", "json", "text", "number", "empty", "twice", "wrap"))
        )
        if action == "drop" and container is not body:
            del container[key]
            continue
        if action == "odd":
            value = draw(st.sampled_from(ODD_VALUES) | st.sampled_from(ODD_TEXTS) | moment_texts())
        elif action == "json":
            value = draw(JSON_VALUES)
        elif action == "text":
            value = value if isinstance(value, str) else json.dumps(value)
        elif action == "number":
            value = draw(st.integers() | st.floats()) if isinstance(value, str) else value
        elif action == "empty":
            value = type(value)() if isinstance(value, dict | list | str) else None
        elif action == "twice" and isinstance(value, list) and value:
            value = [*value, copy.deepcopy(value[-1])]
        elif action == "wrap":
            value = draw(st.sampled_from(([value], {"meter_reading": value}, {"error": value})))
        # A copy: a drawn `[]` or `{}` is shared (ODD_VALUES); mutated in place, it would
        # change later examples, or come to contain itself.
        container[key] = copy.deepcopy(value)
    return body["root"]


def dumps(value: Any) -> str:
    """JSON text as a server would send it (NaN and Infinity written bare)."""
    return json.dumps(value, ensure_ascii=False)


def truncated(texts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A prefix of a text (a body cut by a dropped connection)."""
    return st.builds(lambda text, cut: text[: int(len(text) * cut)], texts, st.floats(0, 1))


METERING_TEXTS = weighted(
    # mostly mutants of real bodies: many still parse, so the readings' checks get exercised
    (4, mutated(METERING_SEEDS).map(dumps)),
    (1, JSON_VALUES.map(dumps)),
    (1, truncated(st.sampled_from(METERING_SEEDS).map(dumps))),
    (1, st.sampled_from(TEXT_BODIES)),
    (1, st.text()),
)
ERROR_TEXTS = st.one_of(
    mutated(ERROR_SEEDS).map(dumps),
    JSON_VALUES.map(dumps),
    truncated(st.sampled_from(ERROR_SEEDS).map(dumps)),
    st.sampled_from(TEXT_BODIES),
    st.text(),
)
TEMPO_TEXTS = st.one_of(
    mutated(TEMPO_SEEDS).map(dumps),
    st.dictionaries(
        st.one_of(moment_texts(), moment_texts().map(lambda day: f"{day}-fallback"), st.text()),
        LEAVES,
    ).map(lambda values: dumps({"values": values})),
    JSON_VALUES.map(dumps),
    truncated(st.sampled_from(TEMPO_SEEDS).map(dumps)),
    st.text(),
)
COULEUR_TEXTS = st.one_of(
    mutated(COULEUR_SEEDS).map(dumps),
    st.lists(
        st.fixed_dictionaries({"dateJour": moment_texts() | LEAVES, "codeJour": LEAVES}), max_size=3
    ).map(dumps),
    JSON_VALUES.map(dumps),
    truncated(st.sampled_from(COULEUR_SEEDS).map(dumps)),
    st.text(),
)
STATUSES = weighted(
    (3, st.just(200)),
    (2, st.sampled_from((204, 400, 401, 403, 404, 408, 429, 500, 502, 503))),
    (1, st.integers(-1, 1000)),
)
RETRY_AFTERS = st.none() | st.sampled_from((*ODD_TEXTS, *EDGE_TIMES)) | st.text(max_size=40)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def jwt(payload: str) -> str:
    return f"eyJhbGciOiJIUzI1NiJ9.{_b64(payload.encode())}.c2ln"


SUBJECTS = st.one_of(
    st.lists(st.sampled_from((PRM, "22222222222222", "1234", "1" * 15, " " + PRM)), max_size=3),
    st.lists(st.sampled_from((PRM, "22222222222222")), min_size=1, max_size=3).map(json.dumps),
    st.lists(st.text(alphabet=string.digits, min_size=13, max_size=15), max_size=3),
    LEAVES,
)
TOKENS = st.one_of(
    st.fixed_dictionaries(
        {"sub": SUBJECTS}, optional={"exp": LEAVES | st.integers(-(10**12), 10**12)}
    ).map(lambda payload: jwt(dumps(payload))),
    mutated([{"sub": [PRM], "exp": 1893456000, "iat": 1700000000}]).map(dumps).map(jwt),
    JSON_VALUES.map(dumps).map(jwt),
    st.lists(st.text(max_size=12), max_size=4).map(".".join),
    st.binary(max_size=40).map(lambda raw: f"a.{_b64(raw)}.c"),
    st.text(),
)
DEEP = "[" * 100_000  # deeper than any JSON decoder goes


# ---- what a result may be -------------------------------------------------------------


def outcome(name: str) -> None:
    """Count an outcome in hypothesis' statistics (--hypothesis-show-statistics)."""
    if currently_in_test_context():
        event(name)


def check_metering(data: MeteringData) -> None:
    """A usable `MeteringData`: day bounds, int values, days or aware times, durations."""
    assert isinstance(data, MeteringData)
    outcome("MeteringData" if data.interval_reading else "MeteringData without readings")
    assert type(data.start) is date
    assert type(data.end) is date
    assert isinstance(data.usage_point_id, str)
    assert isinstance(data.quality, str)
    registers = getattr(data, "registers", ())
    readings = [*data.interval_reading, *(r for reg in registers for r in reg.readings)]
    for reading in readings:
        assert type(reading.value) is int, reading
        if isinstance(reading.date, datetime):
            assert reading.date.utcoffset() is not None
            reading.date.astimezone(UTC)
        else:
            assert type(reading.date) is date
        assert reading.interval is None or isinstance(reading.interval, timedelta)
    assert isinstance(data.total, int)
    assert data.average is None or isinstance(data.average, float)


def check_error(err: LinkyError, *, short: bool = False) -> None:
    """A `LinkyError` whose class matches its status; `short`: a message of 300 at most."""
    assert isinstance(err, LinkyError)
    outcome(type(err).__name__)
    assert isinstance(err.message, str)
    assert err.message
    assert not short or len(err.message) <= 300
    assert err.args == (err.message,)
    if isinstance(err, RateLimitError):
        assert err.retry_after is None or err.retry_after.utcoffset() == timedelta(0)
    match err.status:
        case 401:  # UpstreamError: relayed by the Conso API, not the user's token
            assert isinstance(err, AuthenticationError | UpstreamError)
        case 404:  # UpstreamError: the gateway has no such path
            assert isinstance(err, NoDataError | UpstreamError)
        case 429:
            assert isinstance(err, RateLimitError)
        case int(status) if status >= 500:
            assert isinstance(err, ServerError)


def check_utc(moment: datetime | None) -> None:
    assert moment is None or (isinstance(moment, datetime) and moment.utcoffset() == timedelta(0))


# ---- pure parsers -------------------------------------------------------------------------


def _points(*points: dict[str, Any]) -> str:
    return dumps(
        {
            "idPrm": PRM,
            "periode": {"dateDebut": "2026-01-01", "dateFin": "2026-01-02"},
            "grandeur": [{"grandeurPhysique": "PA", "unite": "W", "points": list(points)}],
        }
    )


def _index(*values: dict[str, Any]) -> str:
    klass = {"idClasseTemporelle": "HC", "valeur": list(values)}
    calendar = {"idCalendrier": "DI000003", "classeTemporelle": [klass]}
    return dumps(
        {
            "idPrm": PRM,
            "periode": {"dateDebut": "2026-01-01", "dateFin": "2026-01-03"},
            "grandeur": [],
            "contexte": [{"grandeur": [{"unite": "Wh", "calendrier": [calendar]}]}],
        }
    )


@fuzz(500)
@given(status=STATUSES, text=METERING_TEXTS, retry_after=RETRY_AFTERS)
# Crashes found by this property (see the report): keep them until fixed, then as regressions.
@example(status=200, text=_points({"v": "1", "d": "0001-01-01 00:00:00"}), retry_after=None)
@example(status=200, text=_points({"v": "1", "d": "9999-12-31T23:30:00+00:00"}), retry_after=None)
@example(
    status=200, text=_points({"v": 1, "d": "2026-01-01", "p": "P9999999999D"}), retry_after=None
)
@example(
    status=200,
    text=_index({"d": "2026-01-01", "v": 1}, {"d": "2026-01-02T00:00:00", "v": 2}),
    retry_after=None,
)
def test_metering_answer_gives_data_or_a_linky_error(
    status: int, text: str, retry_after: str | None
) -> None:
    try:
        data = parse_response(status, text, retry_after=retry_after)
    except LinkyError as err:
        check_error(err)
    else:
        assert 200 <= status < 300
        check_metering(data)


@fuzz(300)
@given(body=mutated(METERING_SEEDS) | JSON_VALUES)
def test_decoded_metering_body_gives_data_or_a_linky_error(body: Any) -> None:
    try:
        data = parse_metering_data(body)
    except LinkyError as err:
        check_error(err)
    else:
        check_metering(data)


@fuzz(400)
@given(status=STATUSES, text=ERROR_TEXTS, retry_after=RETRY_AFTERS)
@example(status=400, text='{"issues": [{"path": 1, "message": "x"}]}', retry_after=None)
@example(status=429, text='{"nextAccessTime": "0001-Jan-01 00:00:00+0500"}', retry_after=None)
@example(status=429, text='{"nextAccessTime": "9999-12-31T23:00:00-05:00"}', retry_after=None)
@example(status=429, text="", retry_after="²")
@example(status=429, text="", retry_after="9" * 30)
@example(status=429, text="", retry_after="Fri, 31 Dec 9999 23:59:59 -0500")
def test_error_answer_gives_exactly_one_linky_error(
    status: int, text: str, retry_after: str | None
) -> None:
    err = error_from_response(status, text, retry_after=retry_after)
    check_error(err, short=True)
    assert isinstance(is_unknown_type_error(status, text), bool)


@fuzz(300)
@given(value=st.none() | st.sampled_from((*EDGE_TIMES, *ODD_TEXTS)) | moment_texts() | st.text())
@example(value="9999-12-31T23:59:59-05:00")
@example(value="0001-01-01T00:00:00+05:00")
@example(value="²")
def test_retry_times_are_aware_utc_or_none(value: str | None) -> None:
    check_utc(parse_next_access_time(value))
    check_utc(parse_retry_after(value, datetime(2026, 1, 1, tzinfo=UTC)))


@fuzz(300)
@given(text=TEMPO_TEXTS)
@example(text=DEEP)
def test_tempo_answer_gives_colours_or_a_linky_error(text: str) -> None:
    try:
        colours = parse_tempo_values(text)
    except LinkyError as err:
        check_error(err)
    else:
        outcome("colours")
        assert all(type(day) is date for day in colours)
        assert set(colours.values()) <= {"blue", "white", "red", None}


@fuzz(300)
@given(text=COULEUR_TEXTS)
@example(text=DEEP)
def test_couleur_tempo_answer_gives_colours_or_a_linky_error(text: str) -> None:
    try:
        colours = parse_tempo_days(text)
    except LinkyError as err:
        check_error(err)
    else:
        outcome("colours")
        assert all(type(day) is date for day in colours)
        assert set(colours.values()) <= {"blue", "white", "red", None}


@fuzz(400)
@given(token=TOKENS)
@example(token=jwt(DEEP))
@example(token=jwt(dumps({"sub": DEEP})))
@example(token=jwt(dumps({"sub": ["\u0661" * 14]})))  # Arabic-Indic digits are not a PRM
def test_token_gives_prms_or_invalid_token(token: str) -> None:
    try:
        prms = token_prms(token)
    except InvalidTokenError as err:
        check_error(err)
    else:
        outcome("PRMs")
        assert prms
        assert len(set(prms)) == len(prms)
        assert all(re.fullmatch(r"[0-9]{14}", prm) for prm in prms)
        expiry = token_expiry(token)
        assert expiry is None or expiry.utcoffset() == timedelta(0)
        AsyncLinkyClient(token)  # the client accepts what token_prms accepts


# ---- the clients over HTTP ------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One HTTP answer of the fuzzing server."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


CHARSETS = st.sampled_from(
    ("utf-8", "UTF-8", "latin-1", "utf-16", "ascii", "idna", "undefined", "x-nope", "base64")
) | st.text(alphabet=string.ascii_letters + string.digits + "-_", max_size=12)
CONTENT_TYPES = st.sampled_from(
    ("application/json", "text/html", "text/plain", "application/octet-stream", "", "x")
)


@st.composite
def answers(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> Answer:
    """A status, a content type (maybe with a charset), a body in some encoding, headers."""
    status = draw(st.sampled_from((200, 400, 401, 403, 404, 429, 500, 503)) | st.integers(200, 599))
    text = draw(texts)
    encoding = draw(st.sampled_from(("utf-8", "latin-1", "utf-16")))
    body = draw(st.just(text.encode(encoding, "replace")) | st.binary(max_size=64))
    headers: dict[str, str] = {}
    if content_type := draw(CONTENT_TYPES):
        charset = draw(st.none() | CHARSETS)
        headers["Content-Type"] = content_type + (f"; charset={charset}" if charset else "")
    if draw(st.booleans()):
        headers["Retry-After"] = draw(
            st.sampled_from(("120", "0", "²", "9" * 30, *EDGE_TIMES[-2:])) | st.text("0123456789 ")
        )
    if draw(st.integers(0, 9)) == 0:  # said to be compressed: garbage, or really gzip
        headers["Content-Encoding"] = "gzip"
        body = draw(st.just(body) | st.just(gzip.compress(body)))
    return Answer(status, body, headers)


OK_TOKEN = Answer(200, b'{"access_token": "tok", "expires_in": 3600}')
CONSO_TOKEN = jwt(dumps({"sub": [PRM], "exp": 1893456000}))
METERING_ANSWERS = answers(METERING_TEXTS | ERROR_TEXTS)
TOKEN_TEXTS = st.one_of(
    mutated([{"access_token": "tok", "token_type": "Bearer", "expires_in": 12600}]).map(dumps),
    st.fixed_dictionaries(
        {"access_token": st.just("tok") | LEAVES},
        optional={"expires_in": LEAVES, "scope": LEAVES, "token_type": LEAVES},
    ).map(dumps),
    ERROR_TEXTS,
    st.just(DEEP),
)


class FuzzServer:
    """127.0.0.1 server answering whatever `answers[route]` holds ("token", "data", "revoke")."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        route = "token" if path.endswith("/token") else "revoke" if "revoke" in path else "data"
        answer = self.answers.get(route, OK_TOKEN)
        return web.Response(status=answer.status, body=answer.body, headers=answer.headers)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def server(request: pytest.FixtureRequest) -> AsyncIterator[FuzzServer]:
    if request.config.pluginmanager.has_plugin("socket"):
        request.getfixturevalue("socket_enabled")
    fuzz_server = FuzzServer()
    await fuzz_server.start()
    yield fuzz_server
    await fuzz_server.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def on_loop(loop: asyncio.AbstractEventLoop) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """Return `run(coro)`: from another thread, run `coro` on `loop` and return its result."""

    def run(coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=30)

    return run


async def in_thread(prop: Callable[[], None]) -> None:
    """Run a hypothesis property in a worker thread (clients not paced between requests)."""
    with patch("custom_components.linky.api._transport.MIN_REQUEST_INTERVAL", 0):
        await asyncio.to_thread(prop)


async def test_conso_client_over_http(server: FuzzServer, session: aiohttp.ClientSession) -> None:
    run = on_loop(asyncio.get_running_loop())

    async def fetch(answer: Answer) -> None:
        server.answers["data"] = answer
        client = AsyncLinkyClient(CONSO_TOKEN, session=session, base_url=f"{server.url}/api")
        try:
            data = await client.get_daily_consumption(date(2026, 1, 1), date(2026, 1, 8))
        except LinkyError as err:
            check_error(err)
        else:
            check_metering(data)
        assert client.requests_count in (1, 2)  # 2: the old type names after a 400

    @fuzz(50)
    @given(answer=METERING_ANSWERS)
    @example(answer=Answer(200, b'{"idPrm": "1"}', {"Content-Type": "text/plain; charset=idna"}))
    @example(answer=Answer(500, b"oops", {"Content-Type": "text/plain; charset=undefined"}))
    def prop(answer: Answer) -> None:
        run(fetch(answer))

    await in_thread(prop)


async def test_enedis_client_over_http(server: FuzzServer, session: aiohttp.ClientSession) -> None:
    run = on_loop(asyncio.get_running_loop())

    async def fetch(token: Answer, data_answer: Answer) -> None:
        server.answers.update(token=token, data=data_answer, revoke=data_answer)
        client = EnedisDataConnectClient(
            "id", "secret", consumption_prm=PRM, session=session, base_url=server.url
        )
        try:
            data = await client.get_daily_consumption(date(2026, 1, 1), date(2026, 1, 8))
        except LinkyError as err:
            check_error(err)
        else:
            check_metering(data)
        if client.token_data is not None:  # the token's dates are usable, whatever it said
            assert isinstance(client.is_connected, bool)
            check_utc(client.token_data.expires_at)
            check_utc(client.token_data.renew_at)
        await client.close()  # a failed revocation is logged, never raised
        assert client.token_data is None

    @fuzz(50)
    @given(token=answers(TOKEN_TEXTS), data_answer=METERING_ANSWERS)
    @example(token=Answer(200, b'{"access_token": "t", "expires_in": 1e300}'), data_answer=OK_TOKEN)
    @example(token=Answer(200, DEEP.encode()), data_answer=OK_TOKEN)
    def prop(token: Answer, data_answer: Answer) -> None:
        run(fetch(token, data_answer))

    await in_thread(prop)


async def test_tempo_client_over_http(server: FuzzServer, session: aiohttp.ClientSession) -> None:
    run = on_loop(asyncio.get_running_loop())

    async def fetch(answer: Answer, call: str) -> None:
        server.answers["data"] = answer
        rte = TempoClient(session=session, base_url=server.url)
        couleur = CouleurTempoClient(session=session, base_url=server.url)
        calls = {
            "light": rte.get_light,
            "season": lambda: rte.get_season("2025-2026"),
            "today": couleur.get_today,
            "days": lambda: couleur.get_days([date(2026, 12, 1), date(2026, 12, 2)]),
        }
        try:
            colours = await calls[call]()
        except LinkyError as err:
            check_error(err)
        else:
            assert all(type(day) is date for day in colours)
            assert set(colours.values()) <= {"blue", "white", "red", None}
        assert rte.requests_count + couleur.requests_count == 1

    @fuzz(50)
    @given(
        answer=answers(TEMPO_TEXTS | COULEUR_TEXTS | ERROR_TEXTS),
        call=st.sampled_from(("light", "season", "today", "days")),
    )
    @example(
        answer=Answer(200, b"{}", {"Content-Type": "application/json; charset=idna"}), call="light"
    )
    def prop(answer: Answer, call: str) -> None:
        run(fetch(answer, call))

    await in_thread(prop)


def test_the_fuzzed_inputs_reach_the_interesting_shapes() -> None:
    """The seeds parse, so mutations start from real, accepted bodies."""
    for body in METERING_SEEDS:
        check_metering(parse_metering_data(body))
    for body in TEMPO_SEEDS:
        assert parse_tempo_values(dumps(body))
    for body in COULEUR_SEEDS:
        assert parse_tempo_days(dumps(body))
    assert token_prms(CONSO_TOKEN) == [PRM]
    assert len(ERROR_SEEDS) > 10
    assert len(TEXT_BODIES) == len(list((FIXTURES / "errors").iterdir()))
