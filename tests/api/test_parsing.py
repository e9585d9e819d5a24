"""Parsing of both response shapes and of every kind of error body."""

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.linky.api import (
    AccessBlockedError,
    AccessDeniedError,
    AuthenticationError,
    BadRequestError,
    IntervalReading,
    LinkyConnectionError,
    LinkyError,
    NoDataError,
    RateLimitError,
    ServerError,
    UpstreamError,
)
from custom_components.linky.api.parsing import (
    error_from_response,
    is_unknown_type_error,
    parse_contract_situation,
    parse_metering_data,
    parse_next_access_time,
    parse_response,
    parse_retry_after,
)

PARIS = ZoneInfo("Europe/Paris")
FIXTURES = Path(__file__).parent.parent / "fixtures" / "api"


def body(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def error_text(name: str) -> str:
    return (FIXTURES / "errors" / name).read_text()


def utc_instants(readings: tuple[IntervalReading, ...]) -> list[datetime]:
    instants = []
    for reading in readings:
        assert isinstance(reading.date, datetime)
        instants.append(reading.date.astimezone(UTC))
    return instants


# --- 2026 shape ----------------------------------------------------------------------------


def test_v2_daily_consumption() -> None:
    data = parse_metering_data(body("v2_consommation_quotidienne.json"))

    assert data.usage_point_id == "11111111111111"
    assert (data.start, data.end) == (date(2026, 9, 29), date(2026, 10, 2))
    assert data.quality == "BRUT"
    assert data.reading_type.unit == "Wh"
    assert data.reading_type.measurement_kind == "energy"
    assert data.reading_type.aggregate == "sum"
    assert data.reading_type.measuring_period == "P1D"
    assert [(r.date, r.value) for r in data.interval_reading] == [
        (date(2026, 9, 29), 33495),
        (date(2026, 9, 30), 38022),
        (date(2026, 10, 1), 29118),
    ]
    assert all(type(r.date) is date for r in data.interval_reading)
    assert data.total == 33495 + 38022 + 29118
    assert data.average == pytest.approx((33495 + 38022 + 29118) / 3)


def test_v2_daily_production_keeps_zero_and_quality() -> None:
    data = parse_metering_data(body("v2_production_quotidienne.json"))

    assert data.quality == "BEST"
    assert [r.value for r in data.interval_reading] == [21480, 0]


def test_v2_load_curve_two_days_end_of_interval_stamps() -> None:
    data = parse_metering_data(body("v2_courbe_de_charge_consommation.json"))
    readings = data.interval_reading

    assert len(readings) == 96
    assert readings[0].date == datetime(2026, 9, 29, 0, 30, tzinfo=PARIS)
    assert readings[-1].date == datetime(2026, 10, 1, 0, 0, tzinfo=PARIS)
    assert readings[0].interval_length == "PT30M"
    assert readings[0].interval == timedelta(minutes=30)
    assert readings[0].measure_type == "B"
    assert data.reading_type.unit == "W"
    assert data.reading_type.measurement_kind == "power"
    assert data.reading_type.aggregate == "average"
    assert data.reading_type.measuring_period is None
    assert all(isinstance(r.value, int) for r in readings)
    instants = utc_instants(readings)
    assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(instants))


def test_v2_load_curve_spring_day_has_46_distinct_half_hours() -> None:
    data = parse_metering_data(body("v2_courbe_spring_2026-03-29.json"))
    instants = utc_instants(data.interval_reading)

    assert len(instants) == 46
    assert len(set(instants)) == 46
    assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(instants))
    # 01:30 CET is followed by 03:00 CEST: 30 minutes later.
    assert data.interval_reading[3].date == datetime(2026, 3, 29, 3, 0, tzinfo=PARIS)
    assert instants[0] == datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert instants[-1] == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


def test_v2_load_curve_autumn_day_has_50_distinct_half_hours() -> None:
    data = parse_metering_data(body("v2_courbe_autumn_2026-10-25.json"))
    readings = data.interval_reading
    instants = utc_instants(readings)

    assert len(readings) == 50
    assert len(set(instants)) == 50
    assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(instants))
    assert instants[0] == datetime(2026, 10, 24, 22, 30, tzinfo=UTC)
    assert instants[-1] == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    # The repeated 02:00 and 02:30: first in summer time (fold=0), then in winter time.
    repeated = [r.date for r in readings if isinstance(r.date, datetime) and r.date.hour == 2]
    assert [(d.strftime("%H:%M"), d.fold, d.utcoffset()) for d in repeated] == [
        ("02:00", 0, timedelta(hours=2)),
        ("02:30", 0, timedelta(hours=2)),
        ("02:00", 1, timedelta(hours=1)),
        ("02:30", 1, timedelta(hours=1)),
    ]


def test_v2_load_curve_pt10m() -> None:
    data = parse_metering_data(body("v2_courbe_pt10m.json"))

    assert len(data.interval_reading) == 144
    assert {r.interval for r in data.interval_reading} == {timedelta(minutes=10)}
    assert data.interval_reading[0].date == datetime(2026, 10, 5, 0, 10, tzinfo=PARIS)


def test_v2_production_load_curve_pt60m() -> None:
    data = parse_metering_data(body("v2_courbe_pt60m_production.json"))

    assert len(data.interval_reading) == 24
    assert {r.interval for r in data.interval_reading} == {timedelta(hours=1)}
    assert data.interval_reading[0].interval_length == "PT60M"
    assert data.interval_reading[-1].date == datetime(2026, 10, 6, 0, 0, tzinfo=PARIS)


def test_v2_max_power_is_stamped_when_it_happened() -> None:
    data = parse_metering_data(body("v2_puissance_conso_max_quotidienne.json"))

    assert data.reading_type.unit == "VA"
    assert data.reading_type.aggregate == "maximum"
    assert data.reading_type.measuring_period == "P1D"
    assert [(r.date, r.value) for r in data.interval_reading] == [
        (datetime(2026, 10, 24, 13, 3, 35, tzinfo=PARIS), 4680),
        (datetime(2026, 10, 25, 19, 50, 25, tzinfo=PARIS), 6510),
    ]
    assert data.interval_reading[1].date.utcoffset() == timedelta(hours=1)  # type: ignore[union-attr]


def test_v2_missing_values_stay_missing() -> None:
    data = parse_metering_data(body("v2_missing_values.json"))

    assert [(r.date, r.value) for r in data.interval_reading] == [
        (date(2026, 9, 29), 33495),
        (date(2026, 10, 3), 12004),
    ]
    assert data.total == 33495 + 12004


def test_v2_index_uses_the_totaliser() -> None:
    data = parse_metering_data(body("v2_index_consommation.json"))

    assert data.reading_type.unit == "Wh"
    assert data.reading_type.aggregate == "index"
    assert [(r.date, r.value) for r in data.interval_reading] == [
        (date(2026, 10, 1), 30000000),
        (date(2026, 10, 2), 30033000),
    ]


def test_v2_index_without_totaliser_sums_the_calendar_classes() -> None:
    data = parse_metering_data(body("v2_index_calendar_only.json"))

    assert [(r.date, r.value) for r in data.interval_reading] == [(date(2026, 10, 1), 30000000)]


def test_v2_empty_points_give_no_readings() -> None:
    raw = body("v2_consommation_quotidienne.json")
    raw["grandeur"][0]["points"] = []
    data = parse_metering_data(raw)

    assert data.interval_reading == ()
    assert data.total == 0
    assert data.average is None


# --- v5 shape ------------------------------------------------------------------------------


def test_v5_daily_consumption_unwrapped() -> None:
    data = parse_metering_data(body("v5_daily_consumption.json"))

    assert data.usage_point_id == "11111111111111"
    assert (data.start, data.end) == (date(2023, 4, 1), date(2023, 4, 4))
    assert data.reading_type.measuring_period == "P1D"
    assert [(r.date, r.value) for r in data.interval_reading] == [
        (date(2023, 4, 1), 12410),
        (date(2023, 4, 2), 9877),
        (date(2023, 4, 3), 11024),
    ]


def test_v5_max_power_wrapped_in_meter_reading() -> None:
    data = parse_metering_data(body("v5_consumption_max_power.json"))

    assert data.reading_type.aggregate == "maximum"
    assert data.interval_reading[0].date == datetime(2023, 4, 1, 19, 12, 40, tzinfo=PARIS)
    assert data.interval_reading[0].measure_type == "B"
    assert data.interval_reading[0].interval is None


def test_v5_load_curve() -> None:
    data = parse_metering_data(body("v5_consumption_load_curve.json"))

    assert [(r.date, r.value) for r in data.interval_reading] == [
        (datetime(2023, 4, 1, 0, 30, tzinfo=PARIS), 752),
        (datetime(2023, 4, 2, 0, 0, tzinfo=PARIS), 88),
    ]
    assert data.reading_type.measuring_period is None


def test_v5_load_curve_autumn_day_has_50_distinct_half_hours() -> None:
    data = parse_metering_data(body("v5_consumption_load_curve_autumn_2025-10-26.json"))
    instants = utc_instants(data.interval_reading)

    assert len(set(instants)) == 50
    assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(instants))


def test_v5_load_curve_spring_day_has_46_half_hours() -> None:
    data = parse_metering_data(body("v5_consumption_load_curve_spring_2026-03-29.json"))
    instants = utc_instants(data.interval_reading)

    assert len(set(instants)) == 46
    assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(instants))


def test_both_shapes_of_the_same_data_parse_alike() -> None:
    new = parse_metering_data(body("v2_courbe_autumn_2026-10-25.json"))
    raw = body("v2_courbe_autumn_2026-10-25.json")
    old = parse_metering_data(
        {
            "usage_point_id": raw["idPrm"],
            "start": raw["periode"]["dateDebut"],
            "end": raw["periode"]["dateFin"],
            "quality": raw["etapeMetier"],
            "reading_type": {"unit": "W", "measurement_kind": "power", "aggregate": "average"},
            "interval_reading": [
                {"value": p["v"], "date": p["d"], "interval_length": p["p"], "measure_type": p["n"]}
                for p in raw["grandeur"][0]["points"]
            ],
        }
    )

    assert old == new
    assert utc_instants(old.interval_reading) == utc_instants(new.interval_reading)


# --- values and dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("752", 752), (" 752 ", 752), (752, 752), ("752.0", 752), (752.4, 752), ("-3", -3)],
)
def test_numbers_as_strings_or_numbers(raw: object, expected: int) -> None:
    data = parse_metering_data(
        {"usage_point_id": "1", "start": "2023-04-01", "end": "2023-04-02", "quality": "BRUT",
         "interval_reading": [{"value": raw, "date": "2023-04-01"}]}
    )  # fmt: skip

    assert [r.value for r in data.interval_reading] == [expected]


@pytest.mark.parametrize("raw", [None, "", "  ", "n/a", True, "NaN", {"v": 1}])
def test_unusable_values_are_left_out(raw: object) -> None:
    data = parse_metering_data(
        {"idPrm": "1", "periode": {"dateDebut": "2026-10-01", "dateFin": "2026-10-02"},
         "grandeur": [{"unite": "Wh", "points": [{"v": raw, "d": "2026-10-01"}]}]}
    )  # fmt: skip

    assert data.interval_reading == ()


def test_offset_timestamps_are_converted_to_paris() -> None:
    data = parse_metering_data(
        {"idPrm": "1", "periode": {"dateDebut": "2026-10-25", "dateFin": "2026-10-26"},
         "grandeur": [{"unite": "W", "points": [
             {"v": "1", "d": "2026-10-25T02:30:00+02:00"},
             {"v": "2", "d": "2026-10-25T02:30:00+01:00"},
             {"v": "3", "d": "2026-10-25T01:30:00Z"}]}]}
    )  # fmt: skip
    dates = [r.date for r in data.interval_reading]

    assert all(isinstance(d, datetime) and d.tzinfo is PARIS for d in dates)
    assert [d.fold for d in dates if isinstance(d, datetime)] == [0, 1, 1]
    assert len({d.astimezone(UTC) for d in dates if isinstance(d, datetime)}) == 2


def test_a_load_curve_chunk_ending_inside_the_repeated_hour() -> None:
    """Only the first 02:00/02:30 (summer time) before a missing tail stay summer time."""
    data = parse_metering_data(
        {"idPrm": "1", "periode": {"dateDebut": "2026-10-25", "dateFin": "2026-10-26"},
         "grandeur": [{"unite": "W", "points": [
             {"v": "1", "d": "2026-10-25 02:00:00", "p": "PT30M"},
             {"v": "2", "d": "2026-10-25 02:30:00", "p": "PT30M"},
             {"v": "3", "d": "2026-10-25 02:30:00", "p": "PT30M"},
             {"v": "4", "d": "2026-10-25 03:00:00", "p": "PT30M"}]}]}
    )  # fmt: skip

    assert utc_instants(data.interval_reading) == [
        datetime(2026, 10, 25, 0, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 2, 0, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        [],
        "text",
        {"foo": "bar"},
        {"idPrm": "1", "grandeur": [{"points": [{"v": "1"}]}]},  # no periode, no date
        {"idPrm": "1", "periode": {"dateDebut": "2026-10-01", "dateFin": "2026-10-02"},
         "grandeur": [{"points": [{"v": "1", "d": "yesterday"}]}]},
        {"idPrm": "1", "periode": {"dateDebut": "2026-10-01", "dateFin": "2026-10-02"},
         "grandeur": {"points": []}},
        {"usage_point_id": "1", "start": "2023-04-01", "end": "2023-04-02",
         "interval_reading": ["752"]},
        {"usage_point_id": "1", "start": None, "end": "2023-04-02", "interval_reading": []},
    ],
)  # fmt: skip
def test_unexpected_200_bodies_raise_server_error(raw: object) -> None:
    with pytest.raises(ServerError) as caught:
        parse_metering_data(raw)

    assert caught.value.status == 200


def test_error_body_sent_with_200_is_raised_as_its_status() -> None:
    with pytest.raises(NoDataError) as caught:
        parse_response(200, error_text("wrapped_404_no_data.json"))

    assert caught.value.code == "no_data_found"


@pytest.mark.parametrize("name", ["truncated.json", "cloudflare_403.html", "plain_503.txt"])
def test_200_with_a_body_that_is_not_json(name: str) -> None:
    with pytest.raises(LinkyConnectionError) as caught:
        parse_response(200, error_text(name))

    assert caught.value.status == 200


def test_200_with_empty_body() -> None:
    with pytest.raises(LinkyConnectionError, match="empty body"):
        parse_response(200, "")


# --- error bodies --------------------------------------------------------------------------

ERRORS = [
    # (fixture, HTTP status, class, code, words of the message)
    ("conso_400_unknown_type.json", 400, BadRequestError, None, "Paramètres invalides"),
    ("conso_400_bad_prm.json", 400, BadRequestError, None, "invalides: pointId: String must"),
    ("conso_400_missing_authorization.json", 400, BadRequestError, None, "Authorization"),
    ("conso_401.json", 401, AuthenticationError, None, "token est invalide"),
    ("conso_405.json", 405, BadRequestError, None, "GET"),
    ("conso_500_token.json", 500, ServerError, None, "rafraîchir le token"),
    ("wrapped_400_adam_err0123.json", 400, BadRequestError, "ADAM-ERR0123", "anterior"),
    ("wrapped_400_invalid_request.json", 400, BadRequestError, "Invalid_request", "before end"),
    ("wrapped_400_adam_err0002.json", 400, BadRequestError, "ADAM-ERR0002", "date de fin"),
    ("wrapped_403_adam_dc_0008.json", 403, AccessDeniedError, "ADAM-DC-0008", "consent"),
    ("wrapped_403_900908.json", 403, AccessDeniedError, "900908", "Subscription"),
    ("wrapped_404_no_data.json", 404, NoDataError, "no_data_found", "no measure"),
    ("wrapped_404_gateway.json", 404, UpstreamError, "900906", "No matching resource"),
    ("gateway_404_status_report.json", 404, UpstreamError, "404", "Not Found"),
    ("wrapped_401_fault.json", 401, UpstreamError, "900901", "Invalid JWT"),
    ("wrapped_429_fault.json", 429, RateLimitError, "900807", "throttled"),
    ("wrapped_429_next_access.json", 429, RateLimitError, "900804", "quota"),
    ("wrapped_500_technical.json", 500, ServerError, "technical_error", "Technical error"),
    ("wrapped_500_text.json", 502, ServerError, None, "returned an error: 502 Bad Gateway"),
    ("gateway_429_next_access.json", 429, RateLimitError, "900804", "throttled"),
    ("gateway_403_900908.json", 403, AccessDeniedError, "900908", "Resource forbidden"),
    ("fault_401_invalid_credentials.json", 401, AuthenticationError, "900901", "Invalid JWT"),
    ("enedis_400_adam_err0126.json", 400, BadRequestError, "ADAM-ERR0126", "too long"),
    ("enedis_400_adam_err0069.json", 400, BadRequestError, "ADAM-ERR0069", "direction"),
    ("enedis_403_adam_dc_0007.json", 403, AccessDeniedError, "ADAM-DC-0007", "owner"),
    ("enedis_500_adam_dc_0500.json", 500, ServerError, "ADAM-DC-0500", "SI coeur"),
    ("swagger_error_list.json", 400, BadRequestError, "ADAM-ERR0125", "historique"),
    ("oauth_invalid_client.json", 401, AuthenticationError, "invalid_client", "Client Auth"),
    ("cloudflare_403.html", 403, AccessBlockedError, None, "Cloudflare"),
    ("nginx_502.html", 502, ServerError, None, "502 Bad Gateway"),
    ("plain_503.txt", 503, ServerError, None, "Service Unavailable"),
    ("truncated.json", 500, ServerError, None, "Erreur inc"),
]


@pytest.mark.parametrize(
    ("name", "status", "kind", "code", "words"), ERRORS, ids=[e[0] for e in ERRORS]
)
def test_error_bodies(
    name: str, status: int, kind: type[LinkyError], code: str | None, words: str
) -> None:
    err = error_from_response(status, error_text(name))

    assert type(err) is kind
    assert err.status == status
    assert err.code == code
    assert words in err.message
    assert str(err) == err.message
    assert "\n" not in err.message
    assert len(err.message) < 400
    with pytest.raises(kind):
        parse_response(status, error_text(name))


@pytest.mark.parametrize(
    ("status", "text", "kind"),
    [
        # Relayed by the Conso API: Enedis refused the server's own token, whatever the body.
        (
            401,
            '{"status":401,"message":"The Enedis API returned an error","error":"Unauthorized"}',
            UpstreamError,
        ),
        (401, '{"status":401,"message":"The Enedis API returned an error"}', UpstreamError),
        (401, '{"status":401,"error":{"fault":{"code":900901}}}', UpstreamError),
        # The server's own refusal, or an unwrapped one (Data Connect): the credentials.
        (401, '{"status":401,"message":"Votre token est invalide"}', AuthenticationError),
        (401, "Unauthorized", AuthenticationError),
        # A 404 is "no data" unless the gateway says it has no such path.
        (404, '{"status":404,"message":"The Enedis API returned an error"}', NoDataError),
        (
            404,
            '{"status":404,"message":"The Enedis API returned an error","error":"Not Found"}',
            NoDataError,
        ),
        (404, '{"fault":{"code":900906,"message":"No matching resource"}}', UpstreamError),
    ],
)
def test_relayed_and_gateway_errors(status: int, text: str, kind: type[LinkyError]) -> None:
    err = error_from_response(status, text)

    assert type(err) is kind
    assert err.status == status
    assert isinstance(err, ServerError) is (kind is UpstreamError)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, AccessBlockedError),
        (404, NoDataError),
        (408, LinkyConnectionError),
        (418, BadRequestError),
        (429, RateLimitError),
        (500, ServerError),
        (504, ServerError),
        (302, ServerError),
    ],
)
@pytest.mark.parametrize("text", ["", "   ", "garbage \x00\xff", "{not json", "[1, 2"])
def test_any_body_gives_exactly_one_error(status: int, kind: type[LinkyError], text: str) -> None:
    err = error_from_response(status, text)

    assert type(err) is kind
    assert err.status == status


@pytest.mark.parametrize(
    "text", ['"just a string"', "42", "null", "[]", '{"unexpected": {"deep": [1, 2]}}']
)
def test_odd_json_error_bodies(text: str) -> None:
    err = error_from_response(404, text)

    assert type(err) is NoDataError
    assert err.message


RELAYED = "The Enedis API returned an error"


@pytest.mark.parametrize(
    ("status", "body", "kind", "code", "words"),
    [
        # A bare code, relayed by the Conso API or sent alone.
        (
            404,
            {"status": 404, "message": RELAYED, "error": "no_data_found"},
            NoDataError,
            "no_data_found",
            "no_data_found",
        ),
        (
            400,
            {"status": 400, "message": RELAYED, "error": "ADAM-ERR0069"},
            BadRequestError,
            "ADAM-ERR0069",
            "ADAM-ERR0069",
        ),
        (
            403,
            {"message": "Forbidden", "error": "900908"},
            AccessDeniedError,
            "900908",
            "Forbidden",
        ),
        (404, {"error": "no_data_found"}, NoDataError, "no_data_found", "no_data_found"),
        # An Enedis JSON body relayed as a string.
        (
            404,
            {
                "status": 404,
                "message": RELAYED,
                "error": json.dumps(
                    {"error": "no_data_found", "error_description": "no measure found"}
                ),
            },
            NoDataError,
            "no_data_found",
            "no measure found",
        ),
        (
            429,
            {
                "status": 429,
                "message": RELAYED,
                "error": json.dumps(
                    {
                        "code": "900804",
                        "message": "Message throttled out",
                        "nextAccessTime": "2026-Jul-17 05:00:00+0000 UTC",
                    }
                ),
            },
            RateLimitError,
            "900804",
            "throttled",
        ),
        # Plain words: a message, no code.
        (
            500,
            {"status": 500, "message": RELAYED, "error": "Internal Server Error"},
            ServerError,
            None,
            "Internal Server Error",
        ),
        (
            404,
            {"status": 404, "message": RELAYED, "error": "NotFound"},
            NoDataError,
            None,
            "NotFound",
        ),
    ],
)
def test_error_field_as_a_plain_string(
    status: int, body: dict[str, Any], kind: type[LinkyError], code: str | None, words: str
) -> None:
    """Since 2026 the `error` field of an error body may be a string: read, never crashed on."""
    err = error_from_response(status, json.dumps(body))

    assert type(err) is kind
    assert (err.status, err.code) == (status, code)
    assert words in err.message
    if isinstance(err, RateLimitError):
        assert err.retry_after == datetime(2026, 7, 17, 5, 0, tzinfo=UTC)


def test_a_403_json_body_is_access_denied_even_with_html_content() -> None:
    assert type(error_from_response(403, '{"error": "<b>nope</b>"}')) is AccessDeniedError


def test_deeply_nested_error_body_does_not_crash() -> None:
    nested = "1"
    for _ in range(5000):
        nested = f'{{"error": {nested}}}'
    err = error_from_response(500, nested)

    assert type(err) is ServerError


def test_retry_after_from_next_access_time() -> None:
    for name in ("wrapped_429_next_access.json", "gateway_429_next_access.json"):
        err = error_from_response(429, error_text(name))
        assert isinstance(err, RateLimitError)
        assert err.retry_after == datetime(2026, 7, 17, 5, 0, tzinfo=UTC)


def test_retry_after_unknown_without_next_access_time() -> None:
    err = error_from_response(429, error_text("wrapped_429_fault.json"))

    assert isinstance(err, RateLimitError)
    assert err.retry_after is None


def test_retry_after_header_is_used_when_the_body_has_no_time() -> None:
    err = error_from_response(
        429, error_text("wrapped_429_fault.json"), retry_after="Fri, 17 Jul 2026 06:00:00 GMT"
    )

    assert isinstance(err, RateLimitError)
    assert err.retry_after == datetime(2026, 7, 17, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-Jul-17 05:00:00+0000 UTC", datetime(2026, 7, 17, 5, 0, tzinfo=UTC)),
        ("2026-Dec-01 23:59:59+0100 UTC", datetime(2026, 12, 1, 22, 59, 59, tzinfo=UTC)),
        ("2026-jan-2 5:00:00 UTC", datetime(2026, 1, 2, 5, 0, tzinfo=UTC)),
        ("2026-07-17T05:00:00+00:00", datetime(2026, 7, 17, 5, 0, tzinfo=UTC)),
        ("2026-07-17 07:00:00+02:00", datetime(2026, 7, 17, 5, 0, tzinfo=UTC)),
        ("2026-Foo-17 05:00:00+0000 UTC", None),
        ("2026-Feb-30 05:00:00+0000 UTC", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_next_access_time(text: str | None, expected: datetime | None) -> None:
    assert parse_next_access_time(text) == expected


def test_parse_retry_after_seconds() -> None:
    now = datetime(2026, 7, 17, 5, 0, tzinfo=UTC)

    assert parse_retry_after("120", now) == now + timedelta(minutes=2)
    assert parse_retry_after("later", now) is None
    assert parse_retry_after(None, now) is None


# --- old server detection ------------------------------------------------------------------


def test_unknown_type_is_detected_from_the_zod_error() -> None:
    assert is_unknown_type_error(400, error_text("conso_400_unknown_type.json"))


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (400, "conso_400_bad_prm.json"),
        (400, "conso_400_missing_authorization.json"),
        (400, "wrapped_400_adam_err0123.json"),
        (400, "cloudflare_403.html"),
        (401, "conso_401.json"),
        (404, "wrapped_404_no_data.json"),
        (500, "conso_400_unknown_type.json"),
    ],
)
def test_other_errors_are_not_unknown_type(status: int, name: str) -> None:
    assert not is_unknown_type_error(status, error_text(name))


def test_unknown_type_without_issue_details() -> None:
    assert is_unknown_type_error(400, '{"status":400,"message":"Paramètres invalides"}')


def test_long_messages_are_shortened() -> None:
    err = error_from_response(400, json.dumps({"status": 400, "message": "x" * 5000}))

    assert type(err) is BadRequestError
    assert len(err.message) == 300
    assert err.message.startswith("HTTP 400: xxx")


# --- contract data (situation_contrat_auto) ------------------------------------------------


@pytest.mark.parametrize(
    ("power", "kva"),
    [
        ({"unit": "kVA", "value": "12"}, 12),
        ({"unit": "kW", "value": "6"}, 6),  # the swagger's example unit
        ({"unit": "VA", "value": "9000"}, 9),
        ({"value": 3}, 3),
        ("9 kVA", 9),  # the former v4 form
        ("6", 6),
        ({"unit": "kVA", "value": "7.5"}, None),
        ({"unit": "kVA", "value": "0"}, None),
        ({"unit": "kVA", "value": "250"}, None),  # not a home (C4)
        ({"unit": "A", "value": "30"}, None),
        ("lots", None),
        (True, None),
        (None, None),
        ([6], None),
    ],
)
def test_contract_situation_subscribed_power(power: Any, kva: int | None) -> None:
    body = [{"segment": "C5", "subscribed_power": power, "distribution_tariff": "BTINFCU4"}]
    situation = parse_contract_situation(body)
    assert situation.subscribed_power_kva == kva
    assert (situation.segment, situation.distribution_tariff) == ("C5", "BTINFCU4")


def test_contract_situation_shapes() -> None:
    # The first contract with a readable power wins (an injection contract may have none).
    two = [{"segment": "C5"}, {"segment": "C5", "subscribed_power": "9 kVA"}]
    assert parse_contract_situation(two).subscribed_power_kva == 9
    assert parse_contract_situation({"contracts": two}).subscribed_power_kva == 9
    assert parse_contract_situation(two[1]).subscribed_power_kva == 9
    assert parse_contract_situation([]).subscribed_power_kva is None
    assert parse_contract_situation([{"segment": "C5"}]).segment == "C5"
    for wrong in ("C5", [1, 2], None, {"contracts": "none"}):
        with pytest.raises(ServerError):
            parse_contract_situation(wrong)
