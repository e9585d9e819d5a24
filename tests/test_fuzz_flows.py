"""Fuzzing of the config and options flows: any field values give a form error or an entry.

Property-based (hypothesis): every field of every step gets random values (text of any kind,
numbers out of range, NaN, absurd prices, malformed or overlapping off-peak ranges, far dates,
wrong types), field by field as the flow goes. Each submission must give a form (with errors,
and then nothing saved), a schema error (`InvalidData`, shown on the field by the frontend), the
next step, an entry or saved options: never another exception (a 500 in the UI). Access checks
run against the fake servers on 127.0.0.1; any other address fails as "cannot connect" without
touching the network. Reproducible: fixed example counts, derandomized, no example database
(``LINKY_FUZZ_EXAMPLES=500`` runs more). The `hass` fixture lives on the test's event loop, so
hypothesis (`st.data()`, drawing each step's input from the form it sees) runs in a worker thread
and sends each flow call to that loop with `asyncio.run_coroutine_threadsafe`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import math
import string
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from datetime import date, timedelta
from typing import Any
from unittest.mock import patch
from urllib.parse import urlsplit

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.util import dt as dt_util
from hypothesis import given
from hypothesis import strategies as st
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky import config_flow
from custom_components.linky.api import LinkyConnectionError
from custom_components.linky.budget import DATA_BUDGETS, STORAGE_KEY
from custom_components.linky.const import DOMAIN, PARIS
from custom_components.linky.contract import (
    CLASSES,
    ContractPeriod,
    is_regulated,
    parse_contracts,
)
from custom_components.linky.data import DATA_PROBED
from custom_components.linky.tariff import valid_price
from linky_simulator import ConsoApiSimulator, EnedisSimulator, SimulatedMeter
from tests.api.fuzz_helpers import QUIET_PRNG_WARNING, fuzz, weighted
from tests.const import CONSUMPTION_ONLY_PRM, CONSUMPTION_PRM, UNKNOWN_PRM
from tests.integration_helpers import conso_entry, enedis_entry

pytestmark = QUIET_PRNG_WARNING

_LOGGER = logging.getLogger(__name__)
MAX_STEPS = 10
"""Submissions per flow before it is left (aborted, or saved from the options menu)."""
PRICE_NAMES = frozenset(name for names in CLASSES.values() for name in names)
NUMBER_FIELDS = PRICE_NAMES | {"subscription", "base", "peak", "off_peak"}
FLOWS = (
    *("conso", "enedis", "reauth_conso", "reauth_enedis", "reconfigure_conso"),
    "reconfigure_enedis",
)
"""How a flow starts: a new entry from either source, or reauth / reconfigure of an entry."""
ABORTS = {"already_configured", "reauth_successful", "reconfigure_successful"}


@pytest.fixture(autouse=True)
def _integration(recorder_mock: Any, enable_custom_integrations: None) -> None:
    """The recorder (a dependency) and the custom integration, for every test."""


@pytest.fixture(autouse=True)
def _no_setup() -> Iterator[None]:
    """Entries are not really set up here; clients are not paced (the fake servers allow it)."""
    with (
        patch("custom_components.linky.async_setup_entry", return_value=True),
        patch("custom_components.linky.async_unload_entry", return_value=True),
        patch("custom_components.linky.api._transport.MIN_REQUEST_INTERVAL", 0),
    ):
        yield


def on_loop(hass: HomeAssistant) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """Return `run(coro)`: from the hypothesis thread, run `coro` on hass' loop."""

    def run(coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, hass.loop).result(timeout=60)

    return run


async def _call[T](function: Callable[..., T], *args: Any) -> T:
    """Call a loop-only function (a callback) on the loop."""
    return function(*args)


# ---- field values -------------------------------------------------------------------------
# Each field gets a value of the type its selector takes (good, bad or absurd), and now and then
# junk of another type or nothing (`draw_input`); most submissions get past the schema, so the
# flow's own checks are what is fuzzed.


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.lists(st.text(max_size=5), max_size=2),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
TEXT = st.text(max_size=30) | st.sampled_from(("", " ", "\x00", "é" * 3, "\n", "a" * 2000))


def _today() -> date:
    return dt_util.now(PARIS).date()


DAYS = weighted(
    (4, st.integers(-4000, 3).map(lambda days: (_today() + timedelta(days=days)).isoformat())),
    (1, st.dates().map(date.isoformat)),
    (1, st.dates().map(lambda day: f"{day.year:04d}-{day.month}-{day.day}")),  # selector takes it
    (1, st.sampled_from(("2026-02-30", "2026-13-01", "0001-01-01", "9999-12-31", "2026-1-1T0"))),
    (1, TEXT),
)
NUMBERS = weighted(  # typed in text boxes: with a point or a comma, or nonsense
    (4, st.floats(0, 1).map("{:.4f}".format)),
    (2, st.floats(0, 1).map(lambda x: f"{x:.4f}".replace(".", ","))),
    (1, st.floats().map(str)),
    (1, st.integers(-10, 2000).map(str)),
    (1, st.sampled_from(("0.2", "nan", "NaN", "inf", "-inf", "-0", "1e309", "1,5", "abc", ""))),
)
POWERS = weighted((4, st.sampled_from(("6", "9", "3", "36", "6,0", " 12 kVA"))), (1, NUMBERS))


def _clock(hour: int, minute: int, style: str) -> str:
    return f"{hour:02d}{style}{minute:02d}" if style != "short" else f"{hour}:{minute:02d}"


CLOCKS = st.builds(
    _clock,
    st.integers(0, 26),
    st.sampled_from((0, 0, 30, 15, 59, 60, 99)),
    st.sampled_from((":", ":", "h", "H", "short")),
)
NIGHTS = st.builds(  # 5 to 11 hours from the evening: plausible unless combined badly
    lambda start, end, style: f"{_clock(start, 0, style)}-{_clock(end, 30, style)}",
    st.integers(19, 23),
    st.integers(4, 7),
    st.sampled_from((":", "h", "short")),
)
RANGE_TEXTS = weighted(
    (3, NIGHTS),
    (
        1,
        st.lists(
            NIGHTS | st.builds("{}-{}".format, CLOCKS, CLOCKS), min_size=1, max_size=4
        ).flatmap(lambda ranges: st.sampled_from((";", ",", " ; ")).map(lambda s: s.join(ranges))),
    ),
    (
        2,
        st.sampled_from(
            (
                "22:00-06:00",
                "01:30-07:30;12:30-14:30",
                "25:00-06:00",
                "22:00-",
                "-06:00",
                "22:00-06:00-07:00",
                "22:00-22:00",
                "22:00-06:00;23:00-01:00",
                "12:30-14:30;01:30-07:30;20:00-21:00",
                "00:00-24:00",
                "22:00-24:00;00:00-06:00",
                "23:00-01:00",
                ";;",
            )
        ),
    ),
    (1, TEXT),
)
PRMS = weighted(
    (
        3,
        st.sampled_from(
            (CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM, UNKNOWN_PRM, f" {CONSUMPTION_PRM} ")
        ),
    ),
    (1, st.sampled_from(("1234", "1" * 15, "\u0661" * 14, ""))),
    (1, st.text(alphabet=string.digits, min_size=13, max_size=15)),
    (1, TEXT),
)


def url_strategy(own: str, other: str) -> st.SearchStrategy[Any]:
    """Addresses: the fake servers (the flow's own mostly, as typed), public, malformed, empty."""
    return weighted(
        (
            4,
            st.sampled_from((own, own, own, other)).flatmap(
                lambda url: st.sampled_from((url, url, f"{url}/", f"  {url} ", f"{url}/x"))
            ),
        ),
        (
            2,
            st.sampled_from(
                (
                    "https://conso.boris.sh/api",
                    "https://gw.ext.prod.api.enedis.fr",
                    "https://www.services-rte.com/cms/open_data/v1",
                    "https://example.com/api",
                    "http://example.com/api",
                    "HTTP://127.0.0.1/api",
                    "http://192.168.1.10:8080/api",
                    "http://localhost:1/",
                    "http://127.0.0.1:99999/api",
                    "http://[::1",
                    "http://",
                    "ftp://example.com",
                    "nonsense",
                    "",
                    " ",
                )
            ),
        ),
        (1, TEXT),
    )


def field_values(name: str, result: dict[str, Any], extra: dict[str, Any]) -> Any:
    """The strategy for one field of a form, of its selector's type (any other field: text)."""
    if name.endswith("_url"):
        return extra["urls"][extra["source"]]
    if name == "token":
        return extra["tokens"]
    if name in ("client_id", "client_secret"):
        return weighted((3, st.just(extra[name])), (1, TEXT))
    if name == "prm":
        if result["step_id"] == "prm":  # the token's meters, offered in a list
            return weighted((3, st.sampled_from(_select_options(result, name))), (1, TEXT))
        return PRMS
    if name == "production":
        return st.booleans()
    if name == "start":
        return DAYS
    if name == "option":
        return weighted((5, st.sampled_from(("base", "hphc", "tempo"))), (1, TEXT))
    if name == "tariff_type":
        return weighted((5, st.sampled_from(("base", "peak_off_peak"))), (1, TEXT))
    if name == "pricing":
        return weighted((5, st.sampled_from(("regulated", "typed"))), (1, TEXT))
    if name in NUMBER_FIELDS:
        return NUMBERS
    if name == "subscribed_power_kva":
        return POWERS
    if name == "period":
        return weighted((3, st.sampled_from(_select_options(result, name))), (1, TEXT))
    if name in ("off_peak_hours", "summer_off_peak_hours"):
        return RANGE_TEXTS
    if name == "periods":
        offered = _select_options(result, name)
        chosen = st.lists(st.sampled_from(offered), unique=True) if offered else st.just([])
        return weighted((3, chosen), (1, st.lists(TEXT, max_size=2)))
    return TEXT


def _select_options(result: dict[str, Any], field: str) -> list[str]:
    """The values a select field offers."""
    for key, validator in result["data_schema"].schema.items():
        if str(key) == field:
            options = validator.config["options"]
            return [option if isinstance(option, str) else option["value"] for option in options]
    raise AssertionError(f"no field {field}")


def _value(data: st.DataObject, name: str, result: dict[str, Any], extra: dict[str, Any]) -> Any:
    """A field's value: of its type (19 in 20), or junk of another."""
    if data.draw(st.integers(0, 19), label=f"{name} is junk") == 0:
        return data.draw(JUNK, label=name)
    return data.draw(field_values(name, result, extra), label=name)


def draw_input(
    data: st.DataObject, result: dict[str, Any], extra: dict[str, Any]
) -> dict[str, Any]:
    """A submission of the form `result`: each field drawn, now and then left out.

    No field outside the schema: the frontend never sends one (and Home Assistant's own error
    mapping fails on an unknown key next to an invalid field).
    """
    user_input: dict[str, Any] = {}
    for key, validator in result["data_schema"].schema.items():
        name = str(key)
        if data.draw(st.integers(0, 19), label=f"{name} left out") == 0:
            continue
        if name == "advanced":  # the collapsed section: its own fields, often left closed
            user_input[name] = {
                str(inner): _value(data, str(inner), result, extra)
                for inner in validator.schema.schema
                if data.draw(st.integers(0, 3), label=f"{inner} given") > 0
            }
        else:
            user_input[name] = _value(data, name, result, extra)
    return user_input


# ---- config flow ------------------------------------------------------------------------------


def _outcome(result: dict[str, Any]) -> str:
    """What a submission gave (counted, so a test proves the fuzzing reached every outcome)."""
    if result["type"] is FlowResultType.FORM:
        return f"form {result['step_id']} {dict(sorted((result.get('errors') or {}).items()))}"
    return f"{result['type']} {result.get('reason') or result.get('step_id') or ''}"


def _entries(hass: HomeAssistant) -> list[tuple[str | None, dict[str, Any]]]:
    return [(e.unique_id, dict(e.data)) for e in hass.config_entries.async_entries(DOMAIN)]


def _check_entry_data(data: dict[str, Any], local: set[str]) -> None:
    """Saved data that works: a served PRM, the source's credentials, a checked address."""
    assert data["prm"] in (CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM)
    assert data["source"] in ("conso", "enedis")
    assert urlsplit(data["base_url"]).netloc in local
    assert data["base_url"] == data["base_url"].strip().rstrip("/")
    if data["source"] == "conso":
        assert data["token"] == data["token"].strip()
    else:
        assert data["client_id"] == data["client_id"].strip()
    for key in ("tempo_url", "tempo_fallback_url"):
        assert key not in data or data[key].startswith(("http://", "https://"))


async def test_config_flow_gives_a_form_error_or_an_entry(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    conso_api_factory: Callable[..., Coroutine[Any, Any, ConsoApiSimulator]],
    enedis_api_factory: Callable[..., Coroutine[Any, Any, EnedisSimulator]],
) -> None:
    meters = [
        SimulatedMeter(CONSUMPTION_PRM, seed=1, production=True, first_day=date(2021, 1, 1)),
        SimulatedMeter(CONSUMPTION_ONLY_PRM, seed=2, first_day=date(2021, 1, 1)),
    ]
    # No ban, no per-second quota: the fuzzing sends far more than a user would.
    conso = await conso_api_factory(meters, ban_threshold=None, max_per_second=None)
    enedis = await enedis_api_factory(meters, max_per_second=None)
    local = {urlsplit(conso.base_url).netloc, urlsplit(enedis.base_url).netloc}
    real_probe = config_flow._async_probe

    async def probe(client: Any, *, production: bool) -> config_flow.ProbeResult:
        """The real check on the fake servers; any other address cannot be reached here."""
        if urlsplit(client.base_url).netloc not in local:
            raise LinkyConnectionError("no network in tests")
        return await real_probe(client, production=production)

    tokens = weighted(
        (
            5,
            st.lists(
                st.sampled_from((CONSUMPTION_PRM, CONSUMPTION_ONLY_PRM, UNKNOWN_PRM)),
                min_size=1,
                max_size=3,
                unique=True,
            ).map(conso.make_token),
        ),
        (1, st.just(conso.make_token([CONSUMPTION_PRM])).map(lambda token: f"  {token}\n")),
        (1, st.just(conso.make_token([CONSUMPTION_PRM], expired=True))),
        (1, st.lists(TEXT, min_size=3, max_size=3).map(".".join)),
        (1, st.sampled_from(("eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "eyJ.eyJzdWIiOiJ4In0.x", ""))),
        (1, TEXT),
    )
    extra: dict[str, Any] = {
        "urls": {
            "conso": url_strategy(conso.base_url, enedis.base_url),
            "enedis": url_strategy(enedis.base_url, conso.base_url),
        },
        "tokens": tokens,
        "client_id": enedis.client_id,
        "client_secret": enedis.client_secret,
    }
    run = on_loop(hass)
    seen: Counter[str] = Counter()

    async def reset() -> None:
        for entry in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_remove(entry.entry_id)
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN):
            hass.config_entries.flow.async_abort(flow["flow_id"])
        hass.data.pop(DATA_PROBED, None)
        hass.data.pop(DATA_BUDGETS, None)  # 50 requests per host and 12 hours: a fresh count
        hass_storage.pop(STORAGE_KEY, None)

    async def start(how: str) -> dict[str, Any]:
        if how in ("conso", "enedis"):
            result = await hass.config_entries.flow.async_init(
                DOMAIN, context={"source": SOURCE_USER}
            )
            assert result["type"] is FlowResultType.MENU
            return dict(
                await hass.config_entries.flow.async_configure(
                    result["flow_id"], {"next_step_id": how}
                )
            )
        make = conso_entry if how.endswith("conso") else enedis_entry
        server = conso if how.endswith("conso") else enedis
        entry: MockConfigEntry = make(hass, server)  # type: ignore[arg-type]
        if how.startswith("reauth"):
            return dict(await entry.start_reauth_flow(hass))
        return dict(await entry.start_reconfigure_flow(hass))

    @fuzz(120)
    @given(data=st.data())
    def prop(data: st.DataObject) -> None:
        run(reset())
        how = data.draw(st.sampled_from(FLOWS), label="flow")
        extra["source"] = "conso" if how.endswith("conso") else "enedis"
        result = run(start(how))
        for _ in range(MAX_STEPS):
            if result["type"] is not FlowResultType.FORM:
                break
            before = run(_call(_entries, hass))
            user_input = draw_input(data, result, extra)
            try:
                result = dict(
                    run(hass.config_entries.flow.async_configure(result["flow_id"], user_input))
                )
            except InvalidData as err:  # the frontend shows it on the field
                assert run(_call(_entries, hass)) == before
                seen[f"{how}: schema error {sorted(err.schema_errors)}"] += 1
                continue
            seen[f"{how}: {_outcome(result)}"] += 1
            if result["type"] is FlowResultType.FORM and result.get("errors"):
                assert run(_call(_entries, hass)) == before  # refused: nothing saved
        if result["type"] is FlowResultType.CREATE_ENTRY:
            entry = result["result"]
            assert entry.unique_id == entry.data["prm"]
            _check_entry_data(dict(entry.data), local)
            assert entry.options == {"production": entry.options["production"], "tariffs": []}
            assert isinstance(entry.options["production"], bool)
        elif result["type"] is FlowResultType.ABORT:
            assert result["reason"] in ABORTS
            for _, entry_data in run(_call(_entries, hass)):
                _check_entry_data(entry_data, local)

    with patch.object(config_flow, "_async_probe", probe):
        await asyncio.get_running_loop().run_in_executor(None, prop)
    await reset()
    _LOGGER.info("Config flow outcomes: %s", sorted(seen.items()))
    # Each kind of outcome (one of each group) was reached: not only schema errors.
    for outcomes in (
        ("conso: create_entry", "enedis: create_entry"),
        ("abort reauth_successful", "abort reconfigure_successful"),
        ("_token'", "_prm'", "_url'", "'cannot_connect'", "'invalid_auth'", "'invalid_client'"),
        ("schema error",),
    ):
        assert any(outcome in key for outcome in outcomes for key in seen), (outcomes, seen)


# ---- options flow ----------------------------------------------------------------------------

PRODUCTION = {"direction": "production", "start": "2024-01-01", "base": 0.1276}
OLD_HPHC = {
    "direction": "consumption",
    "start": "2025-08-01",
    "peak": 0.2146,
    "off_peak": 0.1696,
    "off_peak_hours": "22:00-06:00;12:30-14:30",
}
CONTRACT = {
    "start": "2025-02-01",
    "option": "hphc",
    "subscription": 15.0,
    "prices": {"hp": 0.2, "hc": 0.15},
    "off_peak_hours": "22:00-06:00",
}
INITIAL_OPTIONS = (
    {"production": False, "tariffs": []},
    {"production": True, "tariffs": [PRODUCTION]},
    {"production": False, "tariffs": [OLD_HPHC]},  # saved before contracts
    {"production": True, "tariffs": [PRODUCTION], "contract": [CONTRACT]},
)


def _check_saved_options(options: dict[str, Any]) -> None:
    """Options that can be stored and priced: finite prices in range, past start dates."""
    json.dumps(options, allow_nan=False)  # Home Assistant stores them as JSON
    assert parse_contracts(options)[1] == {}  # every direction's prices are valid
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    for period in options["contract"]:
        assert date.fromisoformat(period["start"]).isoformat() == period["start"] <= tomorrow
        if is_regulated(period):  # no prices: they follow the grid
            assert "prices" not in period
            assert "subscription" not in period
            continue
        ContractPeriod.from_dict(period)
        assert all(valid_price(price) for price in period["prices"].values())
    for tariff in options["tariffs"]:
        assert tariff["direction"] == "production"
        assert date.fromisoformat(tariff["start"]).isoformat() == tariff["start"] <= tomorrow
        for key in ("base", "peak", "off_peak"):
            assert key not in tariff or (math.isfinite(tariff[key]) and valid_price(tariff[key]))


async def test_options_flow_gives_a_form_error_or_saved_options(
    hass: HomeAssistant,
) -> None:
    run = on_loop(hass)
    extra: dict[str, Any] = {}
    seen: Counter[str] = Counter()

    async def new_entry(options: dict[str, Any]) -> MockConfigEntry:
        for old in hass.config_entries.async_entries(DOMAIN):
            await hass.config_entries.async_remove(old.entry_id)
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=CONSUMPTION_PRM,
            data={"prm": CONSUMPTION_PRM, "source": "conso", "token": "t", "poll_offset": 0},
            options=json.loads(json.dumps(options)),
        )
        entry.add_to_hass(hass)
        return entry

    @fuzz(120)
    @given(data=st.data())
    def prop(data: st.DataObject) -> None:
        initial = data.draw(st.sampled_from(INITIAL_OPTIONS), label="initial options")
        entry = run(new_entry(initial))
        result = dict(run(hass.config_entries.options.async_init(entry.entry_id)))
        flow_id = result["flow_id"]
        for _ in range(MAX_STEPS):
            assert entry.options == initial  # nothing is saved before "save"
            if result["type"] is FlowResultType.MENU:
                choices = [c for c in result["menu_options"] if c != "save"]
                user_input: dict[str, Any] = {"next_step_id": data.draw(st.sampled_from(choices))}
            else:
                assert result["type"] is FlowResultType.FORM
                user_input = draw_input(data, result, extra)
            step = result["step_id"]
            try:
                result = dict(run(hass.config_entries.options.async_configure(flow_id, user_input)))
            except InvalidData as err:  # the frontend shows it on the field
                seen[f"{step}: schema error {sorted(err.schema_errors)}"] += 1
                continue
            seen[f"{step}: {_outcome(result)}"] += 1
        if result["type"] is FlowResultType.MENU:
            result = dict(
                run(hass.config_entries.options.async_configure(flow_id, {"next_step_id": "save"}))
            )
            assert result["type"] is FlowResultType.CREATE_ENTRY
            seen[f"saved, {len(result['data']['contract'])} contract periods"] += 1
            assert entry.options == result["data"]
            _check_saved_options(dict(entry.options))
        else:  # left on a form: closing it saves nothing
            run(_call(hass.config_entries.options.async_abort, flow_id))
            assert entry.options == initial

    await asyncio.get_running_loop().run_in_executor(None, prop)
    _LOGGER.info("Options flow outcomes: %s", sorted(seen.items()))
    # Each kind of outcome (one of each group) was reached: not only schema errors.
    for outcomes in (
        ("saved, 1 contract periods",),
        ("contract_base: menu init", "contract_hphc: menu init", "contract_tempo: menu init"),
        ("contract_pricing: menu init", "contract_hphc_regulated: menu init"),
        ("tariff_base: menu init", "tariff_peak_off_peak: menu init"),
        ("'start_in_future'", "'invalid_price'", "'invalid_subscription'", "_off_peak_hours'"),
        ("'invalid_number'", "'required_number'", "'invalid_power'"),
        ("schema error",),
    ):
        assert any(outcome in key for outcome in outcomes for key in seen), (outcomes, seen)


# ---- crashes the fuzzing found (kept as regressions) -----------------------------------------


def _options_entry(hass: HomeAssistant, options: dict[str, Any]) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=CONSUMPTION_PRM,
        data={"prm": CONSUMPTION_PRM, "source": "conso", "token": "t", "poll_offset": 0},
        options=options,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.mark.parametrize("menu", ["add_contract", "add_tariff"])
async def test_start_date_without_leading_zeros(hass: HomeAssistant, menu: str) -> None:
    """The date selector takes "2025-1-5": a form (next step or an error), never a 500."""
    entry = _options_entry(hass, {"production": True, "tariffs": []})
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": menu}
    )
    kind = (
        {"option": "base", "subscribed_power_kva": "6"}
        if menu == "add_contract"
        else {"tariff_type": "base"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"start": "2025-1-5", **kind}
    )
    assert result["type"] is FlowResultType.FORM
    if result["step_id"] == menu:
        assert "start" in result["errors"]
    else:
        assert result["description_placeholders"]["start"] == "2025-01-05"


@pytest.mark.parametrize(
    ("tariff_type", "prices"),
    [
        ("base", {"base": "nan"}),
        ("peak_off_peak", {"peak": "nan", "off_peak": 0.1, "off_peak_hours": "22:00-06:00"}),
        ("peak_off_peak", {"peak": 0.2, "off_peak": float("nan"), "off_peak_hours": "22:00-06:00"}),
    ],
)
async def test_nan_production_price_is_refused(
    hass: HomeAssistant, tariff_type: str, prices: dict[str, Any]
) -> None:
    """A NaN price must be a form error, not saved."""
    entry = _options_entry(hass, {"production": True, "tariffs": []})
    result = await hass.config_entries.options.async_init(entry.entry_id)
    flow_id = result["flow_id"]
    await hass.config_entries.options.async_configure(flow_id, {"next_step_id": "add_tariff"})
    result = await hass.config_entries.options.async_configure(
        flow_id, {"start": "2025-01-01", "tariff_type": tariff_type}
    )
    assert result["type"] is FlowResultType.FORM
    try:
        result = await hass.config_entries.options.async_configure(flow_id, prices)
    except InvalidData:
        return
    assert result["type"] is FlowResultType.FORM
    assert result["errors"]


async def test_conso_token_nested_too_deep(hass: HomeAssistant) -> None:
    """A "JWT" whose payload nests deeper than the JSON decoder goes: invalid, not a 500."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "conso"}
    )
    payload = base64.urlsafe_b64encode(b"[" * 100_000).decode().rstrip("=")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"token": f"eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"token": "invalid_token"}


async def test_an_address_that_is_not_the_api_is_refused(
    hass: HomeAssistant, conso_api: ConsoApiSimulator
) -> None:
    """A wrong path on the right host answers a plain 404 to everything: that is no access."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "conso"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "token": conso_api.make_token([UNKNOWN_PRM]),
            "advanced": {"base_url": f"{conso_api.base_url}/typo"},
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "conso"
    assert result["errors"] == {"base": "cannot_connect"}
