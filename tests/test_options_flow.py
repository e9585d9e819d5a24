"""The options flow: production on/off, contract periods, production price periods."""

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.components.recorder import Recorder
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.linky.const import DOMAIN, PARIS
from custom_components.linky.contract import (
    CLASSES,
    ContractPeriod,
    TariffOption,
    contract_from_tariff,
    contracts_from_options,
    migrate_options,
    parse_contract,
    parse_contracts,
)
from custom_components.linky.regulated import grid_on
from custom_components.linky.tariff import OffPeakHoursError, check_off_peak_hours, parse_tariffs
from tests.integration_helpers import prefilled

COMPONENT = Path(__file__).parents[1] / "custom_components" / "linky"
STRINGS = json.loads((COMPONENT / "strings.json").read_text())
FORM_STEPS = (
    "settings",
    "add_contract",
    "contract_pricing",
    "contract_hphc_regulated",
    "contract_base",
    "contract_hphc",
    "contract_tempo",
    "edit_contract",
    "remove_contract",
    "add_tariff",
    "tariff_base",
    "tariff_peak_off_peak",
    "remove_tariff",
)
PRODUCTION = {"direction": "production", "start": "2024-01-01", "base": 0.1276}
OLD_BASE = {"direction": "consumption", "start": "2024-02-01", "base": 0.2516}
OLD_HPHC = {
    "direction": "consumption",
    "start": "2025-08-01",
    "peak": 0.2146,
    "off_peak": 0.1696,
    "off_peak_hours": "22:00-06:00;12:30-14:30",
}
MIGRATED = [
    {"start": "2024-02-01", "option": "base", "subscription": 0.0, "prices": {"base": 0.2516}},
    {
        "start": "2025-08-01",
        "option": "hphc",
        "subscription": 0.0,
        "prices": {"hp": 0.2146, "hc": 0.1696},
        "off_peak_hours": "22:00-06:00;12:30-14:30",
    },
]


@pytest.fixture(autouse=True)
def no_setup() -> Iterator[None]:
    """Saving the options reloads the entry: no need to really set it up here."""
    with (
        patch("custom_components.linky.async_setup_entry", return_value=True),
        patch("custom_components.linky.async_unload_entry", return_value=True),
    ):
        yield


@pytest.fixture
def entry(recorder_mock: Recorder, hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="12345678901234",
        title="Linky 12345678901234",
        data={"prm": "12345678901234", "source": "conso", "token": "t", "poll_offset": 0},
        options={"production": False, "tariffs": []},
    )
    entry.add_to_hass(hass)
    return entry


def _today() -> date:
    return dt_util.now(PARIS).date()


async def _start(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    result: Any = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    return dict(result)


_FORMS: dict[str, dict[str, Any]] = {}
"""The form each flow shows: like the browser, a submit sends its pre-filled fields too."""


async def _send(hass: HomeAssistant, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """Submit ``data`` (numbers as the text a user types) over the form's pre-filled values."""
    form = _FORMS.pop(flow_id, None)
    typed = {k: str(v) if isinstance(v, float) else v for k, v in data.items()}
    sent = {**(prefilled(form) if form and "next_step_id" not in data else {}), **typed}
    result: Any = await hass.config_entries.options.async_configure(flow_id, sent)
    if result["type"] is FlowResultType.FORM:
        _FORMS[flow_id] = dict(result)
    return dict(result)


async def _menu(hass: HomeAssistant, flow_id: str, choice: str) -> dict[str, Any]:
    return await _send(hass, flow_id, {"next_step_id": choice})


async def _contract_form(
    hass: HomeAssistant, flow_id: str, start: str, option: str
) -> dict[str, Any]:
    result = await _menu(hass, flow_id, "add_contract")
    assert result["step_id"] == "add_contract"
    result = await _send(hass, flow_id, {"start": start, "option": option})
    result = await _send(hass, flow_id, {"pricing": "typed"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == f"contract_{option}"
    assert result["errors"] == {}
    return result


def _fields(result: dict[str, Any]) -> set[str]:
    return {str(key) for key in result["data_schema"].schema}


async def _save(hass: HomeAssistant, flow_id: str) -> None:
    result = await _menu(hass, flow_id, "save")
    assert result["type"] is FlowResultType.CREATE_ENTRY


# ---- adding contract periods ------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        ("base", "2026-02-01"),
        ("base", "2024-06-01"),
        ("hphc", "2025-09-15"),
        ("tempo", "2026-03-01"),
    ],
)
async def test_each_option_is_prefilled_with_the_regulated_prices(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
    case: tuple[str, str],
) -> None:
    option, start = case
    result = await _start(hass, entry)
    assert result["menu_options"] == ["settings", "add_contract", "save"]
    flow_id = result["flow_id"]
    result = await _contract_form(hass, flow_id, start, option)
    expected = grid_on(date.fromisoformat(start)).prices(TariffOption(option))
    assert set(expected) == set(CLASSES[TariffOption(option)])
    defaults = prefilled(result)
    assert {name: float(defaults[name]) for name in expected} == expected
    assert result["description_placeholders"] == {"start": start, "power": "6"}
    assert _fields(result) == set(STRINGS["options"]["step"][result["step_id"]]["data"])

    # The subscription is pre-filled too, from the same grid for 6 kVA: nothing to type.
    subscription = grid_on(date.fromisoformat(start)).subscription(TariffOption(option), 6)
    assert subscription is not None
    assert float(defaults["subscription"]) == subscription
    result = await _send(hass, flow_id, {})
    assert result["type"] is FlowResultType.MENU
    assert "remove_contract" in result["menu_options"]
    assert start in result["description_placeholders"]["summary"]
    await _save(hass, flow_id)
    period = {
        "start": start,
        "option": option,
        "subscription": subscription,
        "prices": expected,
        "subscribed_power_kva": 6,
    }
    if option == "hphc":
        period["off_peak_hours"] = "22:00-06:00"
    assert entry.options["contract"] == [period]
    assert entry.options["tariffs"] == []
    contract = parse_contract(entry.options["contract"])
    assert contract is not None
    assert contract.period_on(date.fromisoformat(start)).subscription == subscription


async def test_hphc_ranges_saved_and_read_back(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    flow_id = (await _start(hass, entry))["flow_id"]
    await _contract_form(hass, flow_id, "2025-12-01", "hphc")
    await _send(
        hass,
        flow_id,
        {
            "hp": 0.21,
            "hc": 0.16,
            "subscription": 16.2,
            "off_peak_hours": "01h30-07h30 ; 12:30-14:30",
            "summer_off_peak_hours": "02:00-07:00;13:00-16:00",
        },
    )
    result = await _contract_form(hass, flow_id, "2026-02-01", "hphc")
    assert prefilled(result)["off_peak_hours"] == "01:30-07:30;12:30-14:30"
    summer = next(k for k in result["data_schema"].schema if str(k) == "summer_off_peak_hours")
    assert summer.description == {"suggested_value": "02:00-07:00;13:00-16:00"}
    await _send(hass, flow_id, {"subscription": "16,5", "summer_off_peak_hours": ""})
    await _save(hass, flow_id)

    first, second = entry.options["contract"]
    assert first == {
        "start": "2025-12-01",
        "option": "hphc",
        "subscription": 16.2,
        "prices": {"hp": 0.21, "hc": 0.16},
        "off_peak_hours": "01:30-07:30;12:30-14:30",
        "summer_off_peak_hours": "02:00-07:00;13:00-16:00",
        "subscribed_power_kva": 6,
    }
    assert second["subscription"] == 16.5  # typed with a comma
    assert "summer_off_peak_hours" not in second
    assert second["prices"] == grid_on(date(2026, 2, 1)).prices(TariffOption.HPHC)
    contract = parse_contract(entry.options["contract"])
    assert contract is not None
    period = contract.period_on(date(2025, 12, 1))
    assert period.off_peak_hours == ((90, 450), (750, 870))
    assert period.summer_off_peak_hours == ((120, 420), (780, 960))
    assert contract.period_on(date(2026, 6, 1)).summer_off_peak_hours == ()

    def at(day: date, hour: int, minute: int = 0) -> str | None:
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)
        return contract.class_at(local, lambda _: None)

    assert at(date(2025, 12, 10), 1, 30) == "hc"
    assert at(date(2025, 12, 10), 13) == "hc"
    assert at(date(2025, 12, 10), 15) == "hp"
    assert at(date(2026, 1, 10), 15) == "hp"


# ---- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        ("hphc", "off_peak_hours", "22h-6h", "invalid_off_peak_hours"),
        ("hphc", "off_peak_hours", " ", "invalid_off_peak_hours"),
        ("hphc", "off_peak_hours", "01:00-07:00;06:00-08:00", "overlapping_off_peak_hours"),
        ("hphc", "off_peak_hours", "01:00-05:00;01:00-05:00", "overlapping_off_peak_hours"),
        ("hphc", "off_peak_hours", "22:00-06:00;05:00-07:00", "overlapping_off_peak_hours"),
        (
            "hphc",
            "off_peak_hours",
            "01:00-03:00;12:00-14:00;05:00-07:00",
            "unordered_off_peak_hours",
        ),
        ("hphc", "off_peak_hours", "22:00-23:00", "implausible_off_peak_hours"),
        ("hphc", "off_peak_hours", "20:00-09:00", "implausible_off_peak_hours"),
        ("hphc", "off_peak_hours", "06:00-22:00", "implausible_off_peak_hours"),
        ("hphc", "summer_off_peak_hours", "02:00-03:00", "implausible_off_peak_hours"),
        ("hphc", "summer_off_peak_hours", "02:00-07:00;06:00-09:00", "overlapping_off_peak_hours"),
        ("hphc", "hc", -0.01, "invalid_price"),
        ("base", "base", -0.1, "invalid_price"),
        ("tempo", "red_hp", 7.0, "invalid_price"),
        ("base", "base", "19,40", "invalid_price"),  # cents
        ("base", "base", "194", "invalid_price"),  # EUR/MWh
        ("tempo", "blue_hc", "0.13.25", "invalid_number"),
        ("tempo", "blue_hc", "abc", "invalid_number"),
        ("tempo", "blue_hc", "nan", "invalid_number"),
        ("hphc", "hp", "", "required_number"),
        ("base", "subscription", -1.0, "invalid_subscription"),
        ("tempo", "subscription", 1000.5, "invalid_subscription"),
        ("tempo", "subscription", "187,80", "invalid_subscription"),  # a yearly amount
        ("base", "subscription", " ", "required_number"),
    ],
)
async def test_bad_input_is_refused_on_its_field(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
    case: tuple[str, str, Any, str],
) -> None:
    option, field, value, error = case
    assert error in STRINGS["options"]["error"]
    flow_id = (await _start(hass, entry))["flow_id"]
    await _contract_form(hass, flow_id, "2026-02-01", option)
    result = await _send(hass, flow_id, {"subscription": 10.0, field: value})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    assert result["step_id"] == f"contract_{option}"

    # Nothing was kept: corrected, only the corrected period is saved.
    regulated = grid_on(date(2026, 2, 1)).prices(TariffOption(option))
    corrected = {"subscription": 10.0, **regulated}
    if option == "hphc":
        corrected |= {"off_peak_hours": "22:00-06:00", "summer_off_peak_hours": ""}
    result = await _send(hass, flow_id, corrected)
    assert result["type"] is FlowResultType.MENU
    await _save(hass, flow_id)
    assert len(entry.options["contract"]) == 1
    saved = entry.options["contract"][0]
    assert saved["subscription"] == 10.0
    assert saved["prices"] == grid_on(date(2026, 2, 1)).prices(TariffOption(option))
    assert saved.get("off_peak_hours") == ("22:00-06:00" if option == "hphc" else None)
    assert "summer_off_peak_hours" not in saved


async def test_start_dates_refused(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    flow_id = (await _start(hass, entry))["flow_id"]
    tomorrow = (_today() + timedelta(days=1)).isoformat()
    later = (_today() + timedelta(days=2)).isoformat()
    result = await _menu(hass, flow_id, "add_contract")
    result = await _send(hass, flow_id, {"start": later, "option": "base"})
    assert result["errors"] == {"start": "start_in_future"}
    await _send(hass, flow_id, {"start": tomorrow, "option": "base"})
    result = await _send(hass, flow_id, {"pricing": "typed"})
    assert result["step_id"] == "contract_base"
    await _send(hass, flow_id, {"subscription": 12.0})

    result = await _menu(hass, flow_id, "add_contract")
    result = await _send(hass, flow_id, {"start": tomorrow, "option": "tempo"})
    assert result["errors"] == {"start": "duplicate_start"}
    assert "duplicate_start" in STRINGS["options"]["error"]
    assert "start_in_future" in STRINGS["options"]["error"]
    await _send(hass, flow_id, {"start": "2025-01-01", "option": "tempo"})
    result = await _send(hass, flow_id, {"pricing": "typed"})
    assert result["step_id"] == "contract_tempo"
    await _send(hass, flow_id, {"subscription": 13.0})
    await _save(hass, flow_id)
    assert [(p["start"], p["option"]) for p in entry.options["contract"]] == [
        ("2025-01-01", "tempo"),
        (tomorrow, "base"),
    ]


def test_check_off_peak_hours() -> None:
    assert check_off_peak_hours("22:00-06:00") == ((1320, 360),)
    assert check_off_peak_hours("22:00-06:00;12:30-14:30") == ((1320, 360), (750, 870))
    assert check_off_peak_hours("12:30-14:30;22:00-06:00") == ((750, 870), (1320, 360))
    assert check_off_peak_hours("23:00-24:00;00:00-07:00") == ((1380, 1440), (0, 420))
    assert check_off_peak_hours("02:00-06:00") == ((120, 360),)  # 4 hours
    assert check_off_peak_hours("20:00-08:00") == ((1200, 480),)  # 12 hours
    for text, problem in [
        ("", "invalid"),
        ("25:00-06:00", "invalid"),
        ("02:00-05:59", "implausible"),
        ("20:00-08:01", "implausible"),
        ("01:00-02:00;13:00-16:00;02:00-07:00", "unordered"),
        ("22:00-06:00;22:00-06:00", "overlapping"),
    ]:
        with pytest.raises(OffPeakHoursError) as caught:
            check_off_peak_hours(text)
        assert caught.value.problem == problem, text


# ---- removing, migrating, production -------------------------------------------------------


async def test_remove_a_contract_period(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    contract = [
        {"start": "2025-08-01", "option": "base", "subscription": 12.0, "prices": {"base": 0.1952}},
        {"start": "2026-02-01", "option": "base", "subscription": 12.5, "prices": {"base": 0.194}},
    ]
    hass.config_entries.async_update_entry(
        entry, options={"production": False, "tariffs": [], "contract": contract}
    )
    result = await _start(hass, entry)
    assert result["menu_options"] == [
        "settings",
        "add_contract",
        "edit_contract",
        "remove_contract",
        "save",
    ]
    flow_id = result["flow_id"]
    result = await _menu(hass, flow_id, "remove_contract")
    assert result["step_id"] == "remove_contract"
    assert _fields(result) == set(STRINGS["options"]["step"]["remove_contract"]["data"])
    result = await _send(hass, flow_id, {"periods": ["2025-08-01"]})
    assert "2025-08-01" not in result["description_placeholders"]["summary"]
    await _save(hass, flow_id)
    assert entry.options["contract"] == contract[1:]


def test_migrate_options() -> None:
    options = {"production": True, "tariffs": [OLD_BASE, PRODUCTION, OLD_HPHC], "other": 1}
    migrated = migrate_options(options)
    assert migrated == {
        "production": True,
        "tariffs": [PRODUCTION],
        "contract": MIGRATED,
        "other": 1,
    }
    assert options["tariffs"] == [OLD_BASE, PRODUCTION, OLD_HPHC]  # not changed in place
    # Without loss: the same contract as the former consumption periods priced.
    consumption = parse_tariffs([OLD_BASE, OLD_HPHC])["consumption"]
    assert parse_contract(migrated["contract"]) == contract_from_tariff(consumption)
    assert ContractPeriod.from_dict(migrated["contract"][1]).off_peak_hours == (
        (1320, 360),
        (750, 870),
    )
    # Already migrated: the contract is kept as it is, stale consumption periods dropped.
    again = migrate_options({**migrated, "tariffs": [OLD_BASE, PRODUCTION]})
    assert again == migrated
    assert migrate_options({"production": False, "tariffs": []}) == {
        "production": False,
        "tariffs": [],
        "contract": [],
    }


async def test_former_consumption_periods_become_contract_periods(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    tariffs = [OLD_BASE, OLD_HPHC, PRODUCTION]
    hass.config_entries.async_update_entry(entry, options={"production": True, "tariffs": tariffs})
    result = await _start(hass, entry)
    assert result["menu_options"] == [
        "settings",
        "add_contract",
        "edit_contract",
        "remove_contract",
        "add_tariff",
        "remove_tariff",
        "save",
    ]
    summary = result["description_placeholders"]["summary"]
    assert "- 2024-02-01 · Base · base 0.2516 €/kWh · 0.00 €/month\n" in summary
    assert "off-peak 22:00-06:00;12:30-14:30" in summary
    assert summary.endswith("Production prices:\n- 2024-01-01 · 0.1276 €/kWh")
    await _save(hass, result["flow_id"])
    assert entry.options == {"production": True, "tariffs": [PRODUCTION], "contract": MIGRATED}


async def test_malformed_former_periods_are_kept_as_they_are(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tariffs = [{"direction": "consumption", "start": "2024-02-01"}, PRODUCTION]
    hass.config_entries.async_update_entry(entry, options={"production": True, "tariffs": tariffs})
    result = await _start(hass, entry)
    assert "not converted" in caplog.text
    assert result["description_placeholders"]["summary"].startswith("No contract period yet")
    await _save(hass, result["flow_id"])
    assert entry.options == {"production": True, "tariffs": tariffs, "contract": []}


async def test_keeps_existing_options(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    options = {"production": True, "tariffs": [PRODUCTION], "contract": MIGRATED}
    hass.config_entries.async_update_entry(entry, options=options)
    result = await _start(hass, entry)
    await _save(hass, result["flow_id"])
    assert entry.options == options


async def test_production_price_periods(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    contract = MIGRATED[:1]
    hass.config_entries.async_update_entry(
        entry, options={"production": False, "tariffs": [], "contract": contract}
    )
    result = await _start(hass, entry)
    assert "add_tariff" not in result["menu_options"]
    flow_id = result["flow_id"]
    result = await _menu(hass, flow_id, "settings")
    assert _fields(result) == {"production"}
    result = await _send(hass, flow_id, {"production": True})
    assert "add_tariff" in result["menu_options"]

    # Peak / off-peak, with a typo in the hours first.
    result = await _menu(hass, flow_id, "add_tariff")
    assert _fields(result) == set(STRINGS["options"]["step"]["add_tariff"]["data"])
    result = await _send(hass, flow_id, {"start": "2025-08-01", "tariff_type": "peak_off_peak"})
    assert result["step_id"] == "tariff_peak_off_peak"
    result = await _send(hass, flow_id, {"peak": 0.2, "off_peak": 0.1, "off_peak_hours": "22h-6h"})
    assert result["errors"] == {"off_peak_hours": "invalid_off_peak_hours"}
    result = await _send(
        hass, flow_id, {"peak": 0.2, "off_peak": 0.1, "off_peak_hours": "22:00-06:00;05:00-07:00"}
    )
    assert result["errors"] == {"off_peak_hours": "overlapping_off_peak_hours"}
    result = await _send(
        hass,
        flow_id,
        {"peak": 0.2, "off_peak": 0.1, "off_peak_hours": "22h00-06h00 ; 12:30-14:30"},
    )
    assert result["type"] is FlowResultType.MENU

    # The same start again is refused; a base price before it; one more, removed again.
    result = await _menu(hass, flow_id, "add_tariff")
    result = await _send(hass, flow_id, {"start": "2025-08-01", "tariff_type": "base"})
    assert result["errors"] == {"start": "duplicate_start"}
    result = await _send(hass, flow_id, {"start": "2024-01-01", "tariff_type": "base"})
    assert result["step_id"] == "tariff_base"
    result = await _send(hass, flow_id, {"base": 0.1276})
    result = await _menu(hass, flow_id, "add_tariff")
    result = await _send(hass, flow_id, {"start": "2025-01-01", "tariff_type": "base"})
    result = await _send(hass, flow_id, {"base": 0.13})
    assert "2025-01-01" in result["description_placeholders"]["summary"]
    result = await _menu(hass, flow_id, "remove_tariff")
    assert result["step_id"] == "remove_tariff"
    result = await _send(hass, flow_id, {"periods": ["production|2025-01-01"]})
    await _save(hass, flow_id)
    assert entry.options == {
        "production": True,
        "contract": contract,
        "tariffs": [
            PRODUCTION,
            {
                "direction": "production",
                "start": "2025-08-01",
                "peak": 0.2,
                "off_peak": 0.1,
                "off_peak_hours": "22:00-06:00;12:30-14:30",
            },
        ],
    }
    parsed = parse_tariffs(entry.options["tariffs"])
    assert set(parsed) == {"production"}


@pytest.mark.parametrize(
    "case",
    [
        ("base", {"base": 7.0}, "base"),
        (
            "peak_off_peak",
            {"peak": 0.2, "off_peak": 5.5, "off_peak_hours": "22:00-06:00"},
            "off_peak",
        ),
    ],
)
async def test_a_production_price_has_the_contract_s_range(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
    case: tuple[str, dict[str, Any], str],
) -> None:
    """Over 5 EUR/kWh is refused on its field, as in the contract forms (it once saved up to 10)."""
    tariff_type, prices, field = case
    hass.config_entries.async_update_entry(entry, options={"production": True, "tariffs": []})
    flow_id = (await _start(hass, entry))["flow_id"]
    await _menu(hass, flow_id, "add_tariff")
    await _send(hass, flow_id, {"start": "2025-01-01", "tariff_type": tariff_type})
    result = await _send(hass, flow_id, prices)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: "invalid_price"}
    result = await _send(hass, flow_id, {**prices, field: 0.1})
    assert result["type"] is FlowResultType.MENU
    await _save(hass, flow_id)
    assert entry.options["tariffs"][0][field] == 0.1
    assert parse_contracts(entry.options) == (contracts_from_options(entry.options), {})


def test_every_option_field_is_explained_in_english_and_french() -> None:
    french = json.loads((COMPONENT / "translations" / "fr.json").read_text())
    for strings in (STRINGS, french):
        steps = strings["options"]["step"]
        assert set(steps) == {"init", *FORM_STEPS}
        for step in FORM_STEPS:
            assert steps[step]["data"].keys() == steps[step]["data_description"].keys(), step
            assert all(steps[step]["data"].values()), step
            assert all(steps[step]["data_description"].values()), step
        for option in TariffOption:
            data = steps[f"contract_{option}"]["data"]
            assert set(CLASSES[option]) | {"subscription"} <= set(data)
        assert set(strings["selector"]["tariff_option"]["options"]) == set(TariffOption)
        assert set(strings["services"]) == {"rebuild_statistics", "fetch_range"}
        for key in ("budget_exhausted", "invalid_range", "fetch_failed"):
            assert strings["exceptions"][key]["message"]


async def test_french_install_reads_decimal_commas_and_summarises_in_french(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    """A French user types prices from the bill: "0,1325" and "0,04" are 0.1325 and 0.04."""
    hass.config.language = "fr"
    hass.config_entries.async_update_entry(
        entry, options={"production": True, "tariffs": [], "contract": []}
    )
    result = await _start(hass, entry)
    assert "Aucune période de contrat" in result["description_placeholders"]["summary"]
    assert "Contrat :" not in result["description_placeholders"]["summary"]  # no bare heading
    flow_id = result["flow_id"]
    result = await _menu(hass, flow_id, "add_contract")
    assert prefilled(result)["subscribed_power_kva"] == "6"
    await _send(hass, flow_id, {"start": "2026-02-01", "option": "tempo"})
    result = await _send(hass, flow_id, {"pricing": "typed"})
    defaults = prefilled(result)
    assert defaults["blue_hc"] == "0,1325"
    assert defaults["subscription"] == "15,59"
    result = await _send(hass, flow_id, {"blue_hc": "0,1325", "red_hp": "0.7060"})
    assert result["type"] is FlowResultType.MENU
    summary = result["description_placeholders"]["summary"]
    assert "bleu HP 0,1612" in summary
    assert "15,59 €/mois" in summary
    assert "blue_hp" not in summary
    assert "Pas encore enregistré" in summary  # closing now would lose it: the menu says so

    result = await _menu(hass, flow_id, "add_tariff")
    result = await _send(hass, flow_id, {"start": "2025-01-01", "tariff_type": "base"})
    result = await _send(hass, flow_id, {"base": "4"})  # 4 cents typed as euros
    assert result["errors"] == {"base": "invalid_price"}
    result = await _send(hass, flow_id, {"base": "0,04"})
    assert "2025-01-01 · 0,04 €/kWh" in result["description_placeholders"]["summary"]
    await _save(hass, flow_id)
    assert entry.options["contract"][0]["prices"]["blue_hc"] == 0.1325
    assert entry.options["tariffs"][0]["base"] == 0.04


async def test_edit_a_saved_contract_period_in_place(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    contract = [
        {
            "start": "2025-08-01",
            "option": "hphc",
            "subscription": 15.74,
            "prices": {"hp": 0.2081, "hc": 0.1635},
            "off_peak_hours": "22:00-06:00",
            "subscribed_power_kva": 6,
        },
        {"start": "2026-02-01", "option": "base", "subscription": 15.65, "prices": {"base": 0.194}},
    ]
    hass.config_entries.async_update_entry(
        entry, options={"production": False, "tariffs": [], "contract": contract}
    )
    flow_id = (await _start(hass, entry))["flow_id"]
    result = await _menu(hass, flow_id, "edit_contract")
    assert _fields(result) == set(STRINGS["options"]["step"]["edit_contract"]["data"])
    result = await _send(hass, flow_id, {"period": "2025-08-01"})
    assert result["step_id"] == "contract_pricing"
    assert prefilled(result) == {"pricing": "typed"}  # its kind is kept
    result = await _send(hass, flow_id, {})
    assert result["step_id"] == "contract_hphc"
    assert prefilled(result) == {
        "hp": "0.2081",
        "hc": "0.1635",
        "subscription": "15.74",
        "off_peak_hours": "22:00-06:00",
    }
    result = await _send(hass, flow_id, {"hc": "0,1600", "off_peak_hours": "23:00-07:00"})
    assert result["type"] is FlowResultType.MENU
    await _save(hass, flow_id)
    assert entry.options["contract"] == [
        {**contract[0], "prices": {"hp": 0.2081, "hc": 0.16}, "off_peak_hours": "23:00-07:00"},
        contract[1],
    ]


async def test_subscribed_power_refused_and_used(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    flow_id = (await _start(hass, entry))["flow_id"]
    await _menu(hass, flow_id, "add_contract")
    refused = (("7", "invalid_power"), ("six", "invalid_number"), ("", "required_number"))
    for typed, error in refused:
        result = await _send(
            hass,
            flow_id,
            {"start": "2026-03-01", "option": "hphc", "subscribed_power_kva": typed},
        )
        assert result["errors"] == {"subscribed_power_kva": error}
    await _send(
        hass, flow_id, {"start": "2026-03-01", "option": "hphc", "subscribed_power_kva": "36"}
    )
    result = await _send(hass, flow_id, {"pricing": "typed"})
    assert result["description_placeholders"]["power"] == "36"
    assert prefilled(result)["subscription"] == "52.54"
    result = await _send(hass, flow_id, {"subscription": ""})  # emptied by accident
    assert result["errors"] == {"subscription": "required_number"}


# ---- regulated periods (EDF Tarif Bleu) ------------------------------------------------------


async def _regulated_flow(hass: HomeAssistant, entry: MockConfigEntry, start: str) -> str:
    """Open the options on a French server and start an HP/HC period at 9 kVA from ``start``."""
    hass.config.language = "fr"
    flow_id = (await _start(hass, entry))["flow_id"]
    await _menu(hass, flow_id, "add_contract")
    result = await _send(
        hass, flow_id, {"start": start, "option": "hphc", "subscribed_power_kva": "9"}
    )
    assert result["step_id"] == "contract_pricing"
    assert prefilled(result) == {"pricing": "regulated"}
    assert result["description_placeholders"] == {"start": start, "option": "HP/HC", "power": "9"}
    return flow_id


async def test_a_regulated_hphc_period_typed_in_french_then_edited_to_typed_and_back(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    flow_id = await _regulated_flow(hass, entry, "2025-09-15")
    result = await _send(hass, flow_id, {})  # regulated: only the off-peak hours are asked
    assert result["step_id"] == "contract_hphc_regulated"
    assert _fields(result) == {"off_peak_hours", "summer_off_peak_hours"}
    assert prefilled(result) == {"off_peak_hours": "22:00-06:00"}
    result = await _send(hass, flow_id, {"off_peak_hours": "01h30-07h30 ; 12h30-14h30"})
    assert result["type"] is FlowResultType.MENU
    summary = result["description_placeholders"]["summary"]
    # Open-ended, it uses the grid of 2026-08-01, weakly sourced: the summary says to check.
    assert (
        "- 2025-09-15 · HP/HC · Tarif Bleu d'EDF (réglementé, prix à vérifier sur votre facture)"
        " · 9 kVA · HC 01:30-07:30;12:30-14:30"
    ) in summary
    assert "€/kWh" not in summary
    await _save(hass, flow_id)
    regulated = {
        "start": "2025-09-15",
        "option": "hphc",
        "regulated": True,
        "subscribed_power_kva": 9,
        "off_peak_hours": "01:30-07:30;12:30-14:30",
    }
    assert entry.options["contract"] == [regulated]
    contract = contracts_from_options(entry.options)["consumption"]
    assert contract.period_on(date(2025, 9, 15)).prices == (("hp", 0.2081), ("hc", 0.1635))
    assert contract.period_on(date(2026, 2, 1)).prices == (("hp", 0.2065), ("hc", 0.1579))
    assert contract.period_on(date(2026, 2, 1)).subscription == 19.56

    # Edited into typed prices: the form starts from the grid of its start at 9 kVA.
    flow_id = (await _start(hass, entry))["flow_id"]
    await _menu(hass, flow_id, "edit_contract")
    result = await _send(hass, flow_id, {"period": "2025-09-15"})
    assert prefilled(result) == {"pricing": "regulated"}  # its kind, kept unless changed
    result = await _send(hass, flow_id, {"pricing": "typed"})
    assert result["step_id"] == "contract_hphc"
    assert prefilled(result) == {
        "hp": "0,2081",
        "hc": "0,1635",
        "subscription": "19,81",
        "off_peak_hours": "01:30-07:30;12:30-14:30",
    }
    result = await _send(hass, flow_id, {"hc": "0,16"})
    assert (
        "- 2025-09-15 · HP/HC · HP 0,2081, HC 0,16 €/kWh · 19,81 €/mois · 9 kVA"
        in (result["description_placeholders"]["summary"])
    )
    await _save(hass, flow_id)
    typed = {
        "start": "2025-09-15",
        "option": "hphc",
        "subscription": 19.81,
        "prices": {"hp": 0.2081, "hc": 0.16},
        "subscribed_power_kva": 9,
        "off_peak_hours": "01:30-07:30;12:30-14:30",
    }
    assert entry.options["contract"] == [typed]

    # And back to the regulated prices: the off-peak hours are kept, the prices dropped.
    flow_id = (await _start(hass, entry))["flow_id"]
    await _menu(hass, flow_id, "edit_contract")
    result = await _send(hass, flow_id, {"period": "2025-09-15"})
    assert prefilled(result) == {"pricing": "typed"}
    result = await _send(hass, flow_id, {"pricing": "regulated"})
    assert prefilled(result) == {"off_peak_hours": "01:30-07:30;12:30-14:30"}
    await _send(hass, flow_id, {})
    await _save(hass, flow_id)
    assert entry.options["contract"] == [regulated]


async def test_regulated_base_and_tempo_need_no_further_form(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    flow_id = (await _start(hass, entry))["flow_id"]
    for start, option in (("2025-02-01", "tempo"), ("2026-01-01", "base")):
        await _menu(hass, flow_id, "add_contract")
        await _send(hass, flow_id, {"start": start, "option": option})
        result = await _send(hass, flow_id, {"pricing": "regulated"})
        assert result["type"] is FlowResultType.MENU
    # The first period ends before 2026-08-01 (a weak grid), not the second.
    assert result["description_placeholders"]["summary"].splitlines()[1:3] == [
        "- 2025-02-01 · Tempo · EDF Tarif Bleu (regulated) · 6 kVA",
        "- 2026-01-01 · Base · EDF Tarif Bleu (regulated, prices to check against your bill)"
        " · 6 kVA",
    ]
    await _save(hass, flow_id)
    assert entry.options["contract"] == [
        {"start": "2025-02-01", "option": "tempo", "regulated": True, "subscribed_power_kva": 6},
        {"start": "2026-01-01", "option": "base", "regulated": True, "subscribed_power_kva": 6},
    ]


async def test_the_power_is_prefilled_from_enedis_else_the_latest_period(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    enable_custom_integrations: None,
    entry: MockConfigEntry,
) -> None:
    latest = {
        "start": "2025-02-01",
        "option": "tempo",
        "regulated": True,
        "subscribed_power_kva": 9,
    }
    hass.config_entries.async_update_entry(
        entry, options={"production": False, "tariffs": [], "contract": [latest]}
    )

    async def prefilled_power() -> str:
        flow_id = (await _start(hass, entry))["flow_id"]
        power = str(prefilled(await _menu(hass, flow_id, "add_contract"))["subscribed_power_kva"])
        hass.config_entries.options.async_abort(flow_id)
        return power

    assert await prefilled_power() == "9"  # the latest period's
    entry.mock_state(hass, ConfigEntryState.LOADED)
    entry.runtime_data = SimpleNamespace(coordinator=SimpleNamespace(subscribed_power_kva=12))
    assert await prefilled_power() == "12"  # read from Enedis (situation_contrat_auto)
    entry.runtime_data.coordinator.subscribed_power_kva = None  # not read (Conso API, failure)
    assert await prefilled_power() == "9"
