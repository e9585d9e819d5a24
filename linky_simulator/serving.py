"""Enedis metering rules and bodies, shared by the Conso API and Data Connect simulators.

`serve()` applies Enedis's rules to one request and returns the 2026 body
(`mesure_synchrone_auto/v2`, `grandeur/points`) or the old v5 `meter_reading` object, or raises
`EnedisError` carrying the status and the body Enedis would send.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from .meter import PARIS, Direction, SimulatedMeter
from .registers import LABELS

type Measure = Literal["daily", "curve", "max_power", "index"]
type Json = dict[str, Any]

CURVE_MAX_DAYS = 7
DAILY_MAX_DAYS = 365
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class DataKind:
    """One kind of metering data, under its 2026 name and its old v5 (Conso API) name."""

    name: str
    old_name: str | None
    direction: Direction
    measure: Measure


KINDS: tuple[DataKind, ...] = (
    DataKind("consommation_quotidienne", "daily_consumption", "consumption", "daily"),
    DataKind("courbe_de_charge_consommation", "consumption_load_curve", "consumption", "curve"),
    DataKind(
        "puissance_conso_max_quotidienne", "consumption_max_power", "consumption", "max_power"
    ),
    DataKind("production_quotidienne", "daily_production", "production", "daily"),
    DataKind("courbe_de_charge_production", "production_load_curve", "production", "curve"),
    DataKind("index_consommation", None, "consumption", "index"),
    DataKind("index_production", None, "production", "index"),
)
NEW_KINDS: dict[str, DataKind] = {kind.name: kind for kind in KINDS}
OLD_KINDS: dict[str, DataKind] = {kind.old_name: kind for kind in KINDS if kind.old_name}
# Order of the real server's type enum (lib/url.ts): legacy names, then the synchronous ones.
NEW_NAMES_ORDER = (
    "index_consommation",
    "index_production",
    "consommation_quotidienne",
    "production_quotidienne",
    "puissance_conso_max_quotidienne",
    "courbe_de_charge_consommation",
    "courbe_de_charge_production",
)


class EnedisError(Exception):
    """An answer other than 200 from Enedis: HTTP status and JSON body."""

    def __init__(self, status: int, body: Json) -> None:
        """Keep the status and the body as Enedis sends them."""
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body


def business_error(status: int, code: str, description: str) -> EnedisError:
    """Enedis business error, `{"error": code, "error_description": text}`."""
    return EnedisError(status, {"error": code, "error_description": description})


def no_data() -> EnedisError:
    """404 no_data_found, as Enedis answers for a range without any measure."""
    return business_error(404, "no_data_found", "no measure found for this usage point")


def no_consent() -> EnedisError:
    """403 ADAM-DC-0008: the customer gave no consent for this usage point."""
    return business_error(
        403, "ADAM-DC-0008", "No consent can be found for this customer and this usage point"
    )


def resource_not_found() -> EnedisError:
    """Return the gateway's 404 for a path it does not know (v5 after its switch-off)."""
    return EnedisError(
        404,
        {
            "code": "404",
            "type": "Status report",
            "message": "Not Found",
            "description": "The requested resource is not available.",
        },
    )


def no_matching_resource() -> EnedisError:
    """Return the gateway's 404 `fault` for a path it no longer serves (v5 after 2026-10)."""
    return EnedisError(
        404,
        {
            "fault": {
                "code": 900906,
                "message": "No matching resource found for given API Request",
                "description": "The requested resource is not available.",
            }
        },
    )


def server_token_refused() -> EnedisError:
    """Return the gateway's 401 to a caller whose Enedis access token it refuses."""
    return EnedisError(
        401,
        {
            "fault": {
                "code": 900901,
                "message": "Invalid Credentials",
                "description": "Invalid JWT token. Make sure you have provided the correct "
                "security credentials",
            }
        },
    )


def format_next_access(instant: datetime) -> str:
    """Gateway's `nextAccessTime` form, e.g. ``2026-Jul-17 05:00:00+0000 UTC``."""
    utc = instant.astimezone(UTC)
    return f"{utc.year}-{_MONTHS[utc.month - 1]}-{utc:%d %H:%M:%S}+0000 UTC"


def throttled(next_access: datetime | None) -> EnedisError:
    """429 from the gateway: the `code/nextAccessTime` form, or the `fault` form without it."""
    if next_access is None:
        return EnedisError(
            429,
            {
                "fault": {
                    "code": 900807,
                    "message": "Message throttled out",
                    "description": "You have exceeded your quota",
                }
            },
        )
    when = format_next_access(next_access)
    return EnedisError(
        429,
        {
            "code": "900804",
            "message": "Message throttled out",
            "description": f"You have exceeded your quota .You can access API after {when}",
            "nextAccessTime": when,
        },
    )


def local_text(instant: datetime) -> str:
    """Local Paris time without offset, ``YYYY-MM-DD HH:MM:SS``."""
    return instant.astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S")


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(value: str, *, legacy: bool) -> date:
    """Parse a request date (``YYYY-MM-DD``) or raise Enedis's 400."""
    if _DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    if legacy:
        raise business_error(400, "Invalid_request", f"Invalid date format: {value}")
    raise business_error(400, "ADAM-ERR0001", f"Le format de la date {value} est invalide.")


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day < end:
        yield day
        day += timedelta(days=1)


def check_request(
    meter: SimulatedMeter, kind: DataKind, start: date, end: date, now: datetime, *, legacy: bool
) -> None:
    """Raise the `EnedisError` Enedis answers for a request breaking its rules, if any."""
    today = now.astimezone(PARIS).date()
    if start >= end:
        if legacy:
            raise business_error(400, "Invalid_request", "Start date should be before end date.")
        raise business_error(
            400, "ADAM-ERR0002", "La date de fin doit être supérieure à la date de début."
        )
    if end > today:
        raise business_error(
            400, "Invalid_request", "The end date parameter must be earlier than or equal to today."
        )
    if kind.direction not in meter.directions:
        raise business_error(
            400,
            "ADAM-ERR0069",
            f"The usage point has no {kind.direction} data: it is not a "
            f"{'production' if kind.direction == 'production' else 'consumption'} point.",
        )
    span = (end - start).days
    if kind.measure == "curve" and span > CURVE_MAX_DAYS:
        raise business_error(
            400,
            "ADAM-ERR0126",
            f"The requested period cannot be longer than {CURVE_MAX_DAYS} days for a load curve.",
        )
    if kind.measure != "curve" and span > DAILY_MAX_DAYS:
        raise business_error(
            400,
            "Invalid_request",
            f"The requested period cannot be longer than {DAILY_MAX_DAYS} days.",
        )
    history = meter.history_start("curve" if kind.measure == "curve" else "daily", today)
    if start < max(history, meter.first_day):
        if meter.first_day >= history:
            raise business_error(
                400,
                "ADAM-ERR0123",
                "The requested period cannot be anterior to the meter's last activation date",
            )
        raise business_error(
            400,
            "ADAM-ERR0125",
            "The requested period cannot be anterior to the history available for this "
            f"usage point ({history.isoformat()})",
        )


def serve(
    meter: SimulatedMeter,
    kind: DataKind,
    start: date,
    end: date,
    now: datetime,
    *,
    legacy: bool = False,
    monthly_max: bool = False,
) -> Json:
    """Enedis's answer to a valid request: the 2026 body, or the v5 `meter_reading` object.

    Days Enedis does not have (missing, unpublished, before hourly collection) are left out;
    when nothing at all is left, 404 no_data_found.
    """
    check_request(meter, kind, start, end, now, legacy=legacy)
    if kind.measure == "curve":
        return _curve_body(meter, kind, start, end, now, legacy=legacy)
    if kind.measure == "daily":
        return _daily_body(meter, kind, start, end, now, legacy=legacy)
    if kind.measure == "max_power":
        return _max_power_body(meter, start, end, now, legacy=legacy, monthly=monthly_max)
    return _index_body(meter, kind, start, end, now)


def _grandeur(kind: DataKind, physical: str, unit: str, points: list[Json]) -> Json:
    return {
        "grandeurMetier": "CONS" if kind.direction == "consumption" else "PROD",
        "grandeurPhysique": physical,
        "unite": unit,
        "points": points,
        "calendrier": [],
    }


def _head(meter: SimulatedMeter, start: date, end: date) -> Json:
    return {
        "idPrm": meter.prm,
        "etapeMetier": "BRUT",
        "periode": {"dateDebut": start.isoformat(), "dateFin": end.isoformat()},
    }


def _legacy(
    meter: SimulatedMeter, start: date, end: date, reading_type: Json, readings: list[Json]
) -> Json:
    return {
        "usage_point_id": meter.prm,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "quality": "BRUT",
        "reading_type": reading_type,
        "interval_reading": readings,
    }


def _curve_body(
    meter: SimulatedMeter, kind: DataKind, start: date, end: date, now: datetime, *, legacy: bool
) -> Json:
    points = [
        point
        for day in _days(start, end)
        if meter.has_curve(kind.direction, day, now)
        for point in meter.curve(kind.direction, day)
    ]
    if not points:
        raise no_data()
    if legacy:
        readings = [
            {
                "value": str(p.watts),
                "date": local_text(p.end),
                "interval_length": f"PT{p.minutes}M",
                "measure_type": "B",
            }
            for p in points
        ]
        reading_type = {"unit": "W", "measurement_kind": "power", "aggregate": "average"}
        return _legacy(meter, start, end, reading_type, readings)
    body_points = [
        {
            "v": str(p.watts),
            "d": local_text(p.end),
            "p": f"PT{p.minutes}M",
            "n": "B",
            "iv": "0",
            "ec": "0",
        }
        for p in points
    ]
    return {
        **_head(meter, start, end),
        "modeCalcul": "MESURE",
        "grandeur": [_grandeur(kind, "PA", "W", body_points)],
        "contexte": [],
    }


def _daily_body(
    meter: SimulatedMeter, kind: DataKind, start: date, end: date, now: datetime, *, legacy: bool
) -> Json:
    values = [
        (day, meter.daily_wh(kind.direction, day))
        for day in _days(start, end)
        if meter.has_daily(kind.direction, day, now)
    ]
    if not values:
        raise no_data()
    if legacy:
        reading_type = {
            "unit": "Wh",
            "measurement_kind": "energy",
            "aggregate": "sum",
            "measuring_period": "P1D",
        }
        readings = [{"value": str(wh), "date": day.isoformat()} for day, wh in values]
        return _legacy(meter, start, end, reading_type, readings)
    points = [{"v": str(wh), "d": day.isoformat()} for day, wh in values]
    return {
        **_head(meter, start, end),
        "typeValeur": "GLOBALE",
        "modeCalcul": "DIFF.INDEX",
        "pas": "P1D",
        "grandeur": [_grandeur(kind, "EA", "Wh", points)],
        "contexte": [],
    }


def _max_power_body(
    meter: SimulatedMeter, start: date, end: date, now: datetime, *, legacy: bool, monthly: bool
) -> Json:
    readings = [
        meter.max_power(day)
        for day in _days(start, end)
        if meter.has_daily("consumption", day, now)
    ]
    if monthly:
        best: dict[tuple[int, int], Any] = {}
        for reading in readings:
            local = reading.at.astimezone(PARIS)
            month = (local.year, local.month)
            if month not in best or reading.va > best[month].va:
                best[month] = reading
        readings = list(best.values())
    if not readings:
        raise no_data()
    if legacy:
        reading_type = {
            "unit": "VA",
            "measurement_kind": "power",
            "aggregate": "maximum",
            "measuring_period": "P1D",
        }
        items = [{"value": str(r.va), "date": local_text(r.at)} for r in readings]
        return _legacy(meter, start, end, reading_type, items)
    kind = NEW_KINDS["puissance_conso_max_quotidienne"]
    points = [{"v": str(r.va), "d": local_text(r.at)} for r in readings]
    return {
        **_head(meter, start, end),
        "modeCalcul": "MESURE",
        "pas": "P1M" if monthly else "P1D",
        "grandeur": [_grandeur(kind, "PMA", "VA", points)],
        "contexte": [],
    }


def _index_body(
    meter: SimulatedMeter, kind: DataKind, start: date, end: date, now: datetime
) -> Json:
    days = [day for day in _days(start, end) if meter.has_daily(kind.direction, day, now)]
    if not days:
        raise no_data()
    values = [
        {"d": day.isoformat(), "v": meter.index_wh(kind.direction, day), "iv": 0} for day in days
    ]
    grandeur = _grandeur(kind, "EA", "Wh", [])
    if kind.direction == "consumption":
        grandeur["calendrier"] = _calendars(meter, days)
    grandeur["cadranTotalisateur"] = {"codeCadran": "CT", "valeur": values}
    return {
        "idPrm": meter.prm,
        "periode": {"dateDebut": start.isoformat(), "dateFin": end.isoformat()},
        "grandeur": [],
        "contexte": [
            {
                "etapeMetier": "BRUT",
                "contexteReleve": "COL",
                "typeReleve": "AQ",
                "grandeur": [grandeur],
            }
        ],
    }


def _calendars(meter: SimulatedMeter, days: list[date]) -> list[Json]:
    """Return the meter's calendars (`calendrier[]`): each class register on each day."""
    if meter.tariff is None:
        return []
    by_day = {day: meter.registers_wh(day) for day in days}
    calendars: dict[str, Json] = {}
    for calendar_id, code in meter.tariff.registers():
        calendar = calendars.setdefault(
            calendar_id,
            {
                "idCalendrier": calendar_id,
                "libelleCalendrier": "Distributeur"
                if calendar_id.startswith("DI")
                else "Fournisseur",
                "classeTemporelle": [],
            },
        )
        calendar["classeTemporelle"].append(
            {
                "idClasseTemporelle": code,
                "libelleClasseTemporelle": LABELS[code],
                "codeCadran": code,
                "valeur": [
                    {"d": day.isoformat(), "v": registers[(calendar_id, code)], "iv": 0}
                    for day, registers in by_day.items()
                ],
            }
        )
    return list(calendars.values())
