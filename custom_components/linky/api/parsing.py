"""Pure parsing of API answers: metering bodies -> `MeteringData`, error bodies -> exceptions.

Both shapes are read: the v5 `meter_reading` object (old Conso API types, Enedis v5) and the
2026 `mesure_synchrone_auto/v2` body (`grandeur`/`points`). Any error body, JSON or not,
becomes exactly one `LinkyError` subclass.
"""

import html
import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from .const import PARIS
from .exceptions import (
    AccessBlockedError,
    AccessDeniedError,
    AuthenticationError,
    BadRequestError,
    LinkyConnectionError,
    LinkyError,
    NoDataError,
    RateLimitError,
    ServerError,
    UpstreamError,
)
from .models import ClassRegister, ContractSituation, IntervalReading, MeteringData, ReadingType

_LOGGER = logging.getLogger(__name__)

RELAYED_MESSAGE = "The Enedis API returned an error"
"""What the Conso API says when it relays an Enedis answer (with Enedis's status)."""
_SNIPPET_LENGTH = 200
_MESSAGE_LENGTH = 300
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_NEXT_ACCESS = re.compile(
    r"(\d{4})-([A-Za-z]{3})-(\d{1,2})[ T](\d{1,2}):(\d{2}):(\d{2})\s*(Z|[+-]\d{2}:?\d{2})?"
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_CODE = re.compile(r"\d+|[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)+")
"""An error code sent alone as a string: ``no_data_found``, ``ADAM-ERR0069``, ``900908``."""

# grandeurPhysique of the 2026 API -> (measurement_kind, aggregate) of the v5 model.
_PHYSICAL = {
    "EA": ("energy", "sum"),
    "PA": ("power", "average"),
    "PMA": ("power", "maximum"),
}
_UNIT_KIND = {"Wh": ("energy", "sum"), "W": ("power", "average"), "VA": ("power", "maximum")}


class _ShapeError(ValueError):
    """A 200 body that is JSON but not a metering body."""


# --- JSON and text helpers ---------------------------------------------------------------


def _load_json(text: str) -> Any:
    """Decode JSON whatever the content type said; None when the text is not JSON."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        return json.loads(stripped)
    except ValueError, RecursionError:
        return None


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:512].lower()
    return head.startswith("<") and ("<html" in head or "<!doctype" in head or "<head" in head)


def _snippet(text: str) -> str:
    """Return a short, one-line, tag-free excerpt of a non-JSON body."""
    title = _TITLE.search(text)
    if title is not None:
        text = title.group(1)
    text = _SPACES.sub(" ", html.unescape(_TAG.sub(" ", text))).strip()
    if len(text) > _SNIPPET_LENGTH:
        return text[: _SNIPPET_LENGTH - 1] + "…"
    return text


# --- Error bodies ------------------------------------------------------------------------


@dataclass(slots=True)
class _ErrorInfo:
    """What an error body says."""

    code: str | None = None
    message: str | None = None
    next_access: str | None = None
    body_status: int | None = None
    relayed: bool = False
    """The Conso API relays an Enedis answer (not one of its own errors)."""
    gateway: bool = False
    """The innermost answer is the Enedis gateway's (`fault` or `code` form), not a business
    error such as `no_data_found`."""


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _join(*parts: str | None) -> str | None:
    kept: list[str] = []
    for part in parts:
        if part and part not in kept:
            kept.append(part)
    return ": ".join(kept) or None


def _describe(body: Any, depth: int = 0) -> _ErrorInfo:
    """Read code, message and nextAccessTime from any known error body, unwrapping."""
    info = _ErrorInfo()
    if depth > 4:
        return info
    if isinstance(body, list):
        first = next((item for item in body if isinstance(item, dict)), None)
        return _describe(first, depth + 1) if first is not None else info
    if isinstance(body, str):
        info.message = _snippet(body) or None
        return info
    if not isinstance(body, dict):
        return info

    status = body.get("status")
    if isinstance(status, int) and not isinstance(status, bool):
        info.body_status = status
    info.next_access = _text(body.get("nextAccessTime"))

    issues = body.get("issues")
    if isinstance(issues, list):  # a ZodError: the Conso API refused its parameters
        info.message = "; ".join(
            f"{'.'.join(str(p) for p in _as_list(issue.get('path')))}: "
            f"{_text(issue.get('message'))}"
            for issue in issues
            if isinstance(issue, dict)
        )
        return info

    fault = body.get("fault")
    if isinstance(fault, dict):  # WSO2 gateway: {"fault": {"code", "message", "description"}}
        inner = _describe(fault, depth + 1)
        inner.body_status = inner.body_status or info.body_status
        inner.next_access = inner.next_access or info.next_access
        inner.gateway = True
        return inner

    error = body.get("error")
    description = _text(body.get("error_description")) or _text(body.get("description"))
    message = _text(body.get("message"))
    info.relayed = message == RELAYED_MESSAGE
    if isinstance(error, str) and isinstance(decoded := _load_json(error), dict | list):
        error = decoded  # an Enedis body relayed as a JSON string
    if isinstance(error, dict | list):
        # Conso API wrapper: {"status", "message", "error": <Enedis body or ZodError>}.
        inner = _describe(error, depth + 1)
        inner.body_status = info.body_status
        inner.next_access = inner.next_access or info.next_access
        inner.relayed = info.relayed or inner.gateway
        if not inner.code:
            inner.message = _join(message, description, inner.message)
        return inner
    error_text = _text(error)
    if error_text is not None and (description is not None or message is None):
        # RFC 6749 / Enedis business error: {"error": "ADAM-ERR0123", "error_description": …}.
        info.code = error_text
        info.message = description or error_text
        return info
    if error_text is not None and _CODE.fullmatch(error_text):
        # Conso API wrapper around a bare code: {"message": …, "error": "no_data_found"}.
        info.code = error_text
        info.message = _join(message, error_text)
        return info
    if error_text is not None:
        # Conso API wrapper around a non-JSON Enedis answer.
        info.message = _join(message, _snippet(error_text))
        return info

    code = _text(body.get("code"))
    info.code = code
    info.gateway = code is not None  # {"code", "message", "description"}: the gateway's form
    info.message = _join(message, description)
    return info


def parse_next_access_time(value: str | None) -> datetime | None:
    """Parse a gateway `nextAccessTime` ("2026-Jul-17 05:00:00+0000 UTC") to aware UTC."""
    if not value:
        return None
    text = value.strip()
    match = _NEXT_ACCESS.search(text)
    if match is not None:
        year, month_name, day, hour, minute, second, offset = match.groups()
        month = _MONTHS.get(month_name.lower())
        if month is None:
            return None
        try:
            moment = datetime(
                int(year), month, int(day), int(hour), int(minute), int(second), tzinfo=UTC
            )
            if offset is None or offset == "Z":
                return moment
            local = f"{moment.replace(tzinfo=None).isoformat()}{offset}"
            return datetime.fromisoformat(local).astimezone(UTC)
        except ValueError, OverflowError:  # OverflowError: no UTC time for it (year 1 or 9999)
            return None
    try:
        parsed = datetime.fromisoformat(text.removesuffix(" UTC"))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except ValueError, OverflowError:
        return None


def parse_retry_after(value: str | None, now: datetime | None = None) -> datetime | None:
    """Parse an HTTP `Retry-After` header (seconds or HTTP date) to aware UTC."""
    if not value:
        return None
    text = value.strip()
    try:
        if text.isascii() and text.isdigit():
            return (now or datetime.now(UTC)) + timedelta(seconds=int(text))
        parsed = parsedate_to_datetime(text)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except TypeError, ValueError, OverflowError:  # not a date, or too far for a datetime
        return None


def error_from_response(
    status: int,
    text: str,
    *,
    retry_after: str | None = None,
) -> LinkyError:
    """Return the one `LinkyError` that an HTTP status and body stand for.

    `text` may be anything: JSON in any known error shape (Conso API, Enedis business,
    gateway `{code,…}` or `{fault:{…}}`, RFC 6749), HTML, plain text or nothing.
    `retry_after` is the `Retry-After` header, used when the body gives no `nextAccessTime`.
    """
    body = _load_json(text)
    is_json = body is not None
    info = _describe(body) if is_json else _ErrorInfo()
    if status < 400 and info.body_status is not None and info.body_status >= 400:
        status = info.body_status  # an error body sent with a 2xx status
    if is_json:
        message = info.message or f"HTTP {status}"
    elif _looks_like_html(text):
        message = f"HTML page: {_snippet(text)}" if _snippet(text) else "HTML page"
    else:
        message = _snippet(text) or "empty body"
    message = f"HTTP {status}: {message}" if not message.startswith("HTTP ") else message
    if len(message) > _MESSAGE_LENGTH:
        message = message[: _MESSAGE_LENGTH - 1] + "…"
    code = info.code

    if status == 400:
        return BadRequestError(message, status=status, code=code)
    if status == 401:
        if info.relayed:  # Enedis refused the server's own Enedis token, not the user's
            return UpstreamError(message, status=status, code=code)
        return AuthenticationError(message, status=status, code=code)
    if status == 403:
        if is_json:
            return AccessDeniedError(message, status=status, code=code)
        return AccessBlockedError(message, status=status, code=code)
    if status == 404:
        if info.gateway:  # the gateway has no such path: not "no data for these days"
            return UpstreamError(message, status=status, code=code)
        return NoDataError(message, status=status, code=code)
    if status == 429:
        when = parse_next_access_time(info.next_access) or parse_retry_after(retry_after)
        return RateLimitError(message, status=status, code=code, retry_after=when)
    if status == 408:
        return LinkyConnectionError(message, status=status, code=code)
    if 400 <= status < 500:
        return BadRequestError(message, status=status, code=code)
    return ServerError(message, status=status, code=code)


def is_unknown_type_error(status: int, text: str) -> bool:
    """Tell whether a Conso API 400 means "unknown data type" (a server without new types).

    Such a server validates its query with zod and answers
    `{"status":400,"message":"Paramètres invalides","error":{"issues":[…],"name":"ZodError"}}`;
    the type is invalid when an issue's path starts with "type".
    """
    if status != 400:
        return False
    body = _load_json(text)
    if not isinstance(body, dict):
        return False
    error = body.get("error")
    issues = error.get("issues") if isinstance(error, dict) else None
    if isinstance(issues, list):
        return any(
            isinstance(issue, dict)
            and isinstance(issue.get("path"), list)
            and issue["path"][:1] == ["type"]
            for issue in issues
        )
    return body.get("message") == "Paramètres invalides" and not isinstance(error, str)


# --- Metering bodies ---------------------------------------------------------------------


class _Clock:
    """Turns the API's naive Europe/Paris times into aware ones, in reading order.

    A naive time in the repeated autumn hour is the second occurrence (fold=1) when its first
    occurrence would not come after the previous reading.
    """

    def __init__(self) -> None:
        self._previous: datetime | None = None

    def localize(self, naive: datetime) -> datetime:
        first = naive.replace(tzinfo=PARIS, fold=0).astimezone(UTC)
        second = naive.replace(tzinfo=PARIS, fold=1).astimezone(UTC)
        instant = first
        if first < second and self._previous is not None and first <= self._previous:
            instant = second  # repeated hour, already seen once
        return self.seen(instant)

    def seen(self, instant: datetime) -> datetime:
        self._previous = instant
        return instant.astimezone(PARIS)


def _parse_moment(raw: Any, clock: _Clock) -> date | datetime:
    text = _text(raw)
    if text is None:
        raise _ShapeError("reading without a date")
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise _ShapeError(f"bad date {text[:40]!r}") from err
    try:
        if moment.tzinfo is None:
            return clock.localize(moment)
        return clock.seen(moment.astimezone(UTC))
    except OverflowError as err:  # within hours of year 1 or 9999: no UTC or Paris time
        raise _ShapeError(f"date out of range {text[:40]!r}") from err


def _parse_day(raw: Any, what: str) -> date:
    text = _text(raw)
    if text is None:
        raise _ShapeError(f"missing {what}")
    try:
        return date.fromisoformat(text[:10])
    except ValueError as err:
        raise _ShapeError(f"bad {what} {text[:40]!r}") from err


def _parse_value(raw: Any) -> int | None:
    """Return an API value (usually a string) as int; None when missing or not a number."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return round(raw) if math.isfinite(raw) else None
    text = _text(raw)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None
    return round(number) if math.isfinite(number) else None


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _ShapeError(f"{what} is not an object")
    return value


def _sequence(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _ShapeError(f"{what} is not a list")
    return value


def _reading(
    raw_value: Any,
    raw_date: Any,
    clock: _Clock,
    interval_length: Any = None,
    measure_type: Any = None,
) -> IntervalReading | None:
    when = _parse_moment(raw_date, clock)
    value = _parse_value(raw_value)
    if value is None:
        _LOGGER.debug("Reading of %s has no usable value (%r): left out", when, raw_value)
        return None
    return IntervalReading(
        value=value,
        date=when,
        interval_length=_text(interval_length),
        measure_type=_text(measure_type),
    )


def _parse_v5(body: Mapping[str, Any]) -> MeteringData:
    """Parse the v5 `meter_reading` object."""
    kind = body.get("reading_type")
    reading_type = _mapping(kind, "reading_type") if kind is not None else {}
    clock = _Clock()
    readings = [
        _reading(
            item.get("value"),
            item.get("date"),
            clock,
            item.get("interval_length"),
            item.get("measure_type"),
        )
        for item in (
            _mapping(raw, "interval_reading item")
            for raw in _sequence(body.get("interval_reading"), "interval_reading")
        )
    ]
    return MeteringData(
        usage_point_id=_text(body.get("usage_point_id")) or "",
        start=_parse_day(body.get("start"), "start"),
        end=_parse_day(body.get("end"), "end"),
        quality=_text(body.get("quality")) or "",
        reading_type=ReadingType(
            unit=_text(reading_type.get("unit")) or "",
            measurement_kind=_text(reading_type.get("measurement_kind")) or "",
            aggregate=_text(reading_type.get("aggregate")) or "",
            measuring_period=_text(reading_type.get("measuring_period")),
        ),
        interval_reading=tuple(reading for reading in readings if reading is not None),
    )


def _values(raw: Any, clock: _Clock, measure_type: Any = None) -> list[IntervalReading | None]:
    """Return the readings of a `valeur` list (`[{d, v, iv}]`)."""
    values = []
    for value in _sequence(raw, "valeur"):
        value_map = _mapping(value, "valeur item")
        values.append(
            _reading(value_map.get("v"), value_map.get("d"), clock, measure_type=measure_type)
        )
    return values


def _registers(quantity: Mapping[str, Any]) -> list[ClassRegister]:
    """Return the per-class registers of a `contexte[].grandeur[]` item (`calendrier[]`)."""
    registers = []
    for calendar in _sequence(quantity.get("calendrier"), "calendrier"):
        calendar_map = _mapping(calendar, "calendrier item")
        calendar_id = _text(calendar_map.get("idCalendrier")) or ""
        owner = "distributor" if calendar_id.upper().startswith("DI") else "supplier"
        for klass in _sequence(calendar_map.get("classeTemporelle"), "classeTemporelle"):
            klass_map = _mapping(klass, "classeTemporelle item")
            code = _text(klass_map.get("idClasseTemporelle") or klass_map.get("codeCadran"))
            values = _values(klass_map.get("valeur"), _Clock())
            if code:
                readings = tuple(value for value in values if value is not None)
                registers.append(ClassRegister(owner, calendar_id, code.upper(), readings))
    return registers


def _index_readings(
    contexts: list[Any], clock: _Clock
) -> tuple[str | None, list[IntervalReading | None], list[ClassRegister]]:
    """Totaliser values and per-class registers of an index body (`contexte[].grandeur[]`).

    Without a totaliser, the classes of the first calendar are summed per date.
    """
    unit: str | None = None
    totals: list[IntervalReading | None] = []
    registers: list[ClassRegister] = []
    for context in contexts:
        context_map = _mapping(context, "contexte item")
        for quantity in _sequence(context_map.get("grandeur"), "contexte grandeur"):
            quantity_map = _mapping(quantity, "contexte grandeur item")
            unit = unit or _text(quantity_map.get("unite"))
            registers.extend(_registers(quantity_map))
            totaliser = quantity_map.get("cadranTotalisateur")
            if isinstance(totaliser, dict):
                totals.extend(
                    _values(totaliser.get("valeur"), clock, context_map.get("etapeMetier"))
                )
    if not totals and registers:
        first = registers[0].calendar_id
        by_date: dict[date | datetime, int] = {}
        for register in registers:
            if register.calendar_id == first:
                for reading in register.readings:
                    by_date[reading.date] = by_date.get(reading.date, 0) + reading.value
        if len({type(d) for d in by_date}) > 1:
            raise _ShapeError("index values mix days and times")
        totals = [IntervalReading(value=v, date=d) for d, v in sorted(by_date.items())]
    return unit, totals, registers


def _parse_v2(body: Mapping[str, Any]) -> MeteringData:
    """Parse the 2026 `mesure_synchrone_auto/v2` body."""
    period = body.get("periode")
    period_map = _mapping(period, "periode") if period is not None else {}
    quantities = _sequence(body.get("grandeur"), "grandeur")
    clock = _Clock()
    quantity: Mapping[str, Any] = {}
    for candidate in quantities:
        candidate_map = _mapping(candidate, "grandeur item")
        if not quantity or (candidate_map.get("points") and not quantity.get("points")):
            quantity = candidate_map
    readings: list[IntervalReading | None] = []
    for raw in _sequence(quantity.get("points"), "points"):
        point = _mapping(raw, "point")
        readings.append(
            _reading(point.get("v"), point.get("d"), clock, point.get("p"), point.get("n"))
        )

    unit = _text(quantity.get("unite"))
    physical = _text(quantity.get("grandeurPhysique"))
    contexts = _sequence(body.get("contexte"), "contexte")
    registers: list[ClassRegister] = []
    if not readings and any(isinstance(c, dict) and c.get("grandeur") for c in contexts):
        index_unit, readings, registers = _index_readings(contexts, clock)
        unit = unit or index_unit
        kind, aggregate = "energy", "index"
    else:
        kind, aggregate = _PHYSICAL.get(physical or "") or _UNIT_KIND.get(unit or "", ("", ""))
    return MeteringData(
        usage_point_id=_text(body.get("idPrm")) or "",
        start=_parse_day(period_map.get("dateDebut"), "dateDebut"),
        end=_parse_day(period_map.get("dateFin"), "dateFin"),
        quality=_text(body.get("etapeMetier")) or "",
        reading_type=ReadingType(
            unit=unit or "",
            measurement_kind=kind,
            aggregate=aggregate,
            measuring_period=_text(body.get("pas")),
        ),
        interval_reading=tuple(reading for reading in readings if reading is not None),
        registers=tuple(registers),
    )


def parse_metering_data(body: Any) -> MeteringData:
    """Turn a decoded 200 body of either shape into `MeteringData`.

    Raises `ServerError` when the body is an error or not metering data.
    """
    if isinstance(body, dict) and isinstance(body.get("meter_reading"), dict):
        body = body["meter_reading"]
    try:
        if isinstance(body, dict) and ("interval_reading" in body or "usage_point_id" in body):
            return _parse_v5(body)
        if isinstance(body, dict) and ("grandeur" in body or "idPrm" in body):
            return _parse_v2(body)
    except _ShapeError as err:
        raise ServerError(f"Unexpected metering body: {err}", status=200) from None
    info = _describe(body)
    if info.body_status is not None and info.body_status >= 400:
        raise error_from_response(info.body_status, json.dumps(body))
    raise ServerError(f"Unexpected metering body: {info.message or 'unknown shape'}", status=200)


def parse_json_response(status: int, text: str, *, retry_after: str | None = None) -> Any:
    """Return the decoded body of a 2xx answer, else raise the matching `LinkyError`."""
    if not 200 <= status < 300:
        raise error_from_response(status, text, retry_after=retry_after)
    body = _load_json(text)
    if body is None:
        raise LinkyConnectionError(
            f"HTTP {status}: body is not JSON (truncated or not from the API): "
            f"{_snippet(text) or 'empty body'}",
            status=status,
        )
    return body


def parse_response(status: int, text: str, *, retry_after: str | None = None) -> MeteringData:
    """Parse a whole answer: metering data on 2xx, else raise the matching `LinkyError`."""
    return parse_metering_data(parse_json_response(status, text, retry_after=retry_after))


# --- Contract data (situation_contrat_auto) ----------------------------------------------

_POWER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(k?VA|kW)?\s*$", re.IGNORECASE)
_MAX_KVA = 36
_CONTRACT_KEYS = frozenset({"subscribed_power", "segment", "usage_point_id"})


def _kva(raw: Any) -> int | None:
    """Read a subscribed power: ``{"unit": "kVA", "value": "12"}``, ``"12 kVA"`` or ``12``.

    VA are converted; kW (the swagger's example unit) are taken as kVA, as Enedis counts a
    home's subscribed power. None unless a whole number of 1 to 36 kVA.
    """
    unit: Any = None
    if isinstance(raw, dict):
        unit, raw = raw.get("unit"), raw.get("value")
    if isinstance(raw, bool) or raw is None or isinstance(raw, dict | list):
        return None
    match = _POWER.match(str(raw))
    if match is None:
        return None
    number = float(match.group(1).replace(",", "."))
    unit_text = str(unit or match.group(2) or "kVA").strip().lower()
    if unit_text == "va":
        number /= 1000
    elif unit_text not in {"kva", "kw"}:
        return None
    if not number.is_integer() or not 1 <= number <= _MAX_KVA:
        return None
    return int(number)


def parse_contract_situation(body: Any) -> ContractSituation:
    """Read the answer of `situation_contrat_auto/v1/{prm}`: a list of contracts.

    Also takes one contract object, or a list under ``contracts``. The first contract with a
    readable subscribed power wins (a producer's injection contract may have none). Raises
    `ServerError` when the body is not a list of contracts.
    """
    if isinstance(body, dict) and "contracts" in body:
        body = body["contracts"]
    elif isinstance(body, dict) and _CONTRACT_KEYS & body.keys():
        body = [body]
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise ServerError("Unexpected contract body: not a list of contracts", status=200)
    for item in body:
        if (kva := _kva(item.get("subscribed_power"))) is not None:
            return ContractSituation(
                kva, _text(item.get("segment")), _text(item.get("distribution_tariff"))
            )
    first = body[0] if body else {}
    return ContractSituation(
        None, _text(first.get("segment")), _text(first.get("distribution_tariff"))
    )
