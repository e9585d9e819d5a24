"""Options: production on/off, the dated contract periods, and production price periods.

A menu leads to each screen and back, so several periods can be added, edited or removed in
one visit; the menu says when changes are not saved yet, and "Save" stores everything and
reloads the entry (``OptionsFlowWithReload``), which re-imports the cost statistics from the
first day a change affects.

- Contract (``options["contract"]``, see `contract`): a start date, an option (Base, HP/HC,
  Tempo) and the subscribed power, then a form pre-filled from the regulated grid in force on
  that date (`regulated.grid_on`): prices, the subscription for that power and, for HP/HC, the
  off-peak ranges (and optional summer ranges). A saved period can be edited in place.
- Production earnings: base or peak/off-peak periods in ``options["tariffs"]`` (direction
  ``production``), as before contracts.

Numbers are text fields read by `form_values`. Options saved before contracts hold consumption
tariff periods: the flow shows them as contract periods (`contract.migrate_options`).
"""

import logging
from datetime import date, timedelta
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    BooleanSelector,
    DateSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util

from .const import CONF_CONTRACT, CONF_PRODUCTION, CONF_TARIFFS, DOMAIN, PARIS
from .contract import (
    CLASSES,
    ContractPeriod,
    TariffOption,
    check_off_peak_hours,
    migrate_options,
)
from .form_values import (
    NumberKind,
    contract_numbers,
    format_number,
    off_peak_error,
    off_peak_errors,
    read_numbers,
)
from .options_summary import contract_label, summary, tariff_label
from .regulated import DEFAULT_POWER_KVA, grid_on
from .tariff import TariffError, TariffPeriod, format_off_peak_hours

_LOGGER = logging.getLogger(__name__)

CONF_DIRECTION = "direction"
CONF_START = "start"
CONF_OPTION = "option"
CONF_SUBSCRIPTION = "subscription"
CONF_POWER = "subscribed_power_kva"
CONF_TARIFF_TYPE = "tariff_type"
CONF_BASE = "base"
CONF_PEAK = "peak"
CONF_OFF_PEAK = "off_peak"
CONF_OFF_PEAK_HOURS = "off_peak_hours"
CONF_SUMMER_OFF_PEAK_HOURS = "summer_off_peak_hours"
CONF_PERIODS = "periods"
CONF_PERIOD = "period"

TYPE_BASE = "base"
TYPE_PEAK_OFF_PEAK = "peak_off_peak"
DEFAULT_OFF_PEAK_HOURS = "22:00-06:00"
CONTRACT_STEPS = {
    TariffOption.BASE: "contract_base",
    TariffOption.HPHC: "contract_hphc",
    TariffOption.TEMPO: "contract_tempo",
}

# Text boxes, not number boxes: Home Assistant's number box drops a decimal comma.
PRICE_SELECTOR = TextSelector(TextSelectorConfig(suffix="€/kWh"))
SUBSCRIPTION_SELECTOR = TextSelector(TextSelectorConfig(suffix="€"))
POWER_SELECTOR = TextSelector(TextSelectorConfig(suffix="kVA"))


def _today() -> date:
    return dt_util.now(PARIS).date()


def _start_error(start: str, starts: set[str]) -> str | None:
    """Return the error of a new period's start date among the existing ones', if any."""
    if date.fromisoformat(start) > _today() + timedelta(days=1):
        return "start_in_future"
    if start in starts:
        return "duplicate_start"
    return None


def _tariff_key(period: dict[str, Any]) -> str:
    return f"{period.get(CONF_DIRECTION, 'consumption')}|{period[CONF_START]}"


def _suggested(value: str | None) -> dict[str, Any] | None:
    return {"suggested_value": value} if value is not None else None


class LinkyOptionsFlow(OptionsFlowWithReload):
    """Production, contract periods and production price periods of a Linky entry."""

    def __init__(self) -> None:
        """Start from the entry's options on the first step."""
        self._options: dict[str, Any] | None = None
        self._draft: dict[str, Any] = {}
        self._changed = False

    @property
    def options(self) -> dict[str, Any]:
        """Return the options being edited (former consumption periods as contract periods)."""
        if self._options is None:
            current = dict(self.config_entry.options)
            try:
                options = migrate_options(current)
            except TariffError as err:
                _LOGGER.warning("Linky: former tariff periods not converted: %s", err)
                options = {**current, CONF_CONTRACT: list(current.get(CONF_CONTRACT, []))}
                options[CONF_TARIFFS] = [dict(p) for p in current.get(CONF_TARIFFS, [])]
            options[CONF_PRODUCTION] = bool(options.get(CONF_PRODUCTION, False))
            self._options = options
        return self._options

    @property
    def contract(self) -> list[dict[str, Any]]:
        """Return the contract periods being edited, by start date."""
        periods: list[dict[str, Any]] = self.options[CONF_CONTRACT]
        return periods

    @property
    def tariffs(self) -> list[dict[str, Any]]:
        """Return the (production) tariff periods being edited."""
        tariffs: list[dict[str, Any]] = self.options[CONF_TARIFFS]
        return tariffs

    @property
    def _language(self) -> str:
        return str(self.hass.config.language)

    async def _texts(self) -> dict[str, str]:
        """Return the integration's common texts in the server's language."""
        prefix = f"component.{DOMAIN}.common."
        found = await async_get_translations(self.hass, self._language, "common", {DOMAIN})
        return {k.removeprefix(prefix): v for k, v in found.items() if k.startswith(prefix)}

    async def _contract_labels(self) -> list[SelectOptionDict]:
        texts = await self._texts()
        return [
            SelectOptionDict(value=p[CONF_START], label=contract_label(p, texts, self._language))
            for p in self.contract
        ]

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the menu and what the options hold."""
        menu = ["settings", "add_contract"]
        if self.contract:
            menu += ["edit_contract", "remove_contract"]
        if self.options[CONF_PRODUCTION]:
            menu.append("add_tariff")
        if self.tariffs:
            menu.append("remove_tariff")
        menu.append("save")
        texts = await self._texts()
        production = [
            tariff_label(p, texts, self._language) for p in sorted(self.tariffs, key=_tariff_key)
        ]
        contract = [contract_label(p, texts, self._language) for p in self.contract]
        return self.async_show_menu(
            step_id="init",
            menu_options=menu,
            description_placeholders={
                "summary": summary(contract, production, self._changed, texts)
            },
        )

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Turn production on or off."""
        if user_input is not None:
            self._changed |= bool(user_input[CONF_PRODUCTION]) != self.options[CONF_PRODUCTION]
            self.options[CONF_PRODUCTION] = bool(user_input[CONF_PRODUCTION])
            return await self.async_step_init()
        return self.async_show_form(
            step_id="settings",
            data_schema=vol.Schema(
                {
                    vol.Required(
                        CONF_PRODUCTION, default=self.options[CONF_PRODUCTION]
                    ): BooleanSelector()
                }
            ),
        )

    # ---- contract periods --------------------------------------------------------------

    async def async_step_add_contract(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Start a contract period: from when, which option, which subscribed power."""
        errors: dict[str, str] = {}
        if user_input is not None:
            start = cv.date(user_input[CONF_START]).isoformat()  # the selector takes "2026-1-5"
            power, errors = read_numbers(user_input, {CONF_POWER: NumberKind.POWER})
            if (error := _start_error(start, {p[CONF_START] for p in self.contract})) is not None:
                errors[CONF_START] = error
            if not errors:
                self._draft = {CONF_START: start, CONF_POWER: int(power[CONF_POWER])}
                return await self._contract_form(TariffOption(user_input[CONF_OPTION]), None)
        latest = self.contract[-1] if self.contract else {}
        power_kva = latest.get(CONF_POWER, DEFAULT_POWER_KVA)
        schema = vol.Schema(
            {
                vol.Required(CONF_START, default=_today().isoformat()): DateSelector(),
                vol.Required(
                    CONF_OPTION, default=str(latest.get(CONF_OPTION, TariffOption.BASE))
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=[str(option) for option in TariffOption],
                        mode=SelectSelectorMode.LIST,
                        translation_key="tariff_option",
                    )
                ),
                vol.Optional(
                    CONF_POWER, description=_suggested(format_number(power_kva, self._language))
                ): POWER_SELECTOR,
            }
        )
        if user_input is not None:
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(step_id="add_contract", data_schema=schema, errors=errors)

    async def async_step_edit_contract(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose a saved contract period to edit (its prices, subscription and ranges)."""
        if user_input is not None:
            period = next(p for p in self.contract if p[CONF_START] == user_input[CONF_PERIOD])
            self._draft = {
                CONF_START: period[CONF_START],
                CONF_POWER: period.get(CONF_POWER),
                "editing": period,
            }
            return await self._contract_form(TariffOption(period[CONF_OPTION]), None)
        schema = vol.Schema(
            {
                vol.Required(CONF_PERIOD): SelectSelector(
                    SelectSelectorConfig(
                        options=await self._contract_labels(), mode=SelectSelectorMode.LIST
                    )
                )
            }
        )
        return self.async_show_form(step_id="edit_contract", data_schema=schema)

    async def async_step_contract_base(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the base price and subscription of the period."""
        return await self._contract_form(TariffOption.BASE, user_input)

    async def async_step_contract_hphc(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the HP/HC prices, subscription and off-peak ranges of the period."""
        return await self._contract_form(TariffOption.HPHC, user_input)

    async def async_step_contract_tempo(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the six Tempo prices and subscription of the period."""
        return await self._contract_form(TariffOption.TEMPO, user_input)

    async def _contract_form(
        self, option: TariffOption, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        start = date.fromisoformat(self._draft[CONF_START])
        errors: dict[str, str] = {}
        if user_input is not None:
            values, errors = read_numbers(user_input, contract_numbers(option))
            errors |= off_peak_errors(option, user_input)
            if not errors:
                self._store_contract(option, values, user_input)
                return await self.async_step_init()
        schema = vol.Schema(self._contract_fields(option, start))
        if user_input is not None:
            schema = self.add_suggested_values_to_schema(schema, user_input)
        power = self._draft.get(CONF_POWER)
        return self.async_show_form(
            step_id=CONTRACT_STEPS[option],
            data_schema=schema,
            errors=errors,
            description_placeholders={
                "start": start.isoformat(),
                "power": "?" if power is None else format_number(power, self._language),
            },
        )

    def _contract_suggestions(self, option: TariffOption, start: date) -> dict[str, Any]:
        """Return the values the form starts from: the period edited, else the regulated grid."""
        if (editing := self._draft.get("editing")) is not None:
            return {**editing["prices"], **editing}
        grid = grid_on(start)
        power = self._draft.get(CONF_POWER) or DEFAULT_POWER_KVA
        before = [p for p in self.contract if p[CONF_START] < start.isoformat()]
        previous = before[-1] if before else {}
        return {
            **grid.prices(option, power),
            CONF_SUBSCRIPTION: grid.subscription(option, power),
            CONF_OFF_PEAK_HOURS: previous.get(CONF_OFF_PEAK_HOURS) or DEFAULT_OFF_PEAK_HOURS,
            CONF_SUMMER_OFF_PEAK_HOURS: previous.get(CONF_SUMMER_OFF_PEAK_HOURS),
        }

    def _contract_fields(self, option: TariffOption, start: date) -> dict[Any, Any]:
        """Prices and subscription as text pre-filled in the user's way of writing numbers."""
        values = self._contract_suggestions(option, start)
        fields: dict[Any, Any] = {}
        for name in (*CLASSES[option], CONF_SUBSCRIPTION):
            value = values.get(name)
            text = None if value is None else format_number(value, self._language)
            selector = SUBSCRIPTION_SELECTOR if name == CONF_SUBSCRIPTION else PRICE_SELECTOR
            fields[vol.Optional(name, description=_suggested(text))] = selector
        if option is TariffOption.HPHC:
            hours = values.get(CONF_OFF_PEAK_HOURS) or DEFAULT_OFF_PEAK_HOURS
            summer = values.get(CONF_SUMMER_OFF_PEAK_HOURS)
            fields[vol.Required(CONF_OFF_PEAK_HOURS, default=hours)] = TextSelector()
            fields[vol.Optional(CONF_SUMMER_OFF_PEAK_HOURS, description=_suggested(summer))] = (
                TextSelector()
            )
        return fields

    def _store_contract(
        self, option: TariffOption, values: dict[str, float], user_input: dict[str, Any]
    ) -> None:
        """Add the period, or replace the one edited."""
        period: dict[str, Any] = {
            CONF_START: self._draft[CONF_START],
            CONF_OPTION: str(option),
            CONF_SUBSCRIPTION: values[CONF_SUBSCRIPTION],
            "prices": {name: values[name] for name in CLASSES[option]},
        }
        if (power := self._draft.get(CONF_POWER)) is not None:
            period[CONF_POWER] = power
        for key in (CONF_OFF_PEAK_HOURS, CONF_SUMMER_OFF_PEAK_HOURS):
            if option is TariffOption.HPHC and (text := str(user_input.get(key) or "").strip()):
                period[key] = format_off_peak_hours(check_off_peak_hours(text))
        ContractPeriod.from_dict(period)  # validated by the form; raises if not
        kept = [p for p in self.contract if p[CONF_START] != period[CONF_START]]
        self.options[CONF_CONTRACT] = sorted([*kept, period], key=lambda p: str(p[CONF_START]))
        self._draft = {}
        self._changed = True

    async def async_step_remove_contract(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Remove contract periods."""
        if user_input is not None:
            removed = set(user_input.get(CONF_PERIODS, []))
            self._changed |= bool(removed)
            self.options[CONF_CONTRACT] = [p for p in self.contract if p[CONF_START] not in removed]
            return await self.async_step_init()
        return self.async_show_form(
            step_id="remove_contract", data_schema=_periods_schema(await self._contract_labels())
        )

    # ---- production price periods ------------------------------------------------------

    async def async_step_add_tariff(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Start a production price period: from when, which kind of price."""
        errors: dict[str, str] = {}
        if user_input is not None:
            start = cv.date(user_input[CONF_START]).isoformat()  # the selector takes "2026-1-5"
            error = _start_error(start, {p[CONF_START] for p in self.tariffs})
            if error is not None:
                errors[CONF_START] = error
            else:
                self._draft = {CONF_DIRECTION: "production", CONF_START: start}
                if user_input[CONF_TARIFF_TYPE] == TYPE_BASE:
                    return await self.async_step_tariff_base()
                return await self.async_step_tariff_peak_off_peak()
        schema = vol.Schema(
            {
                vol.Required(CONF_START, default=_today().isoformat()): DateSelector(),
                vol.Required(CONF_TARIFF_TYPE, default=TYPE_BASE): SelectSelector(
                    SelectSelectorConfig(
                        options=[TYPE_BASE, TYPE_PEAK_OFF_PEAK],
                        mode=SelectSelectorMode.LIST,
                        translation_key="tariff_type",
                    )
                ),
            }
        )
        if user_input is not None:
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(step_id="add_tariff", data_schema=schema, errors=errors)

    async def async_step_tariff_base(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the base price of the new production period."""
        errors: dict[str, str] = {}
        if user_input is not None:
            values, errors = read_numbers(user_input, {CONF_BASE: NumberKind.PRICE})
            if not errors:
                self._add_tariff({**self._draft, CONF_BASE: values[CONF_BASE]})
                return await self.async_step_init()
        schema = vol.Schema({vol.Optional(CONF_BASE): PRICE_SELECTOR})
        if user_input is not None:
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(
            step_id="tariff_base",
            data_schema=schema,
            errors=errors,
            description_placeholders={"start": self._draft.get(CONF_START, "")},
        )

    async def async_step_tariff_peak_off_peak(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the peak and off-peak prices and hours of the new production period."""
        errors: dict[str, str] = {}
        if user_input is not None:
            prices = {CONF_PEAK: NumberKind.PRICE, CONF_OFF_PEAK: NumberKind.PRICE}
            values, errors = read_numbers(user_input, prices)
            error = off_peak_error(user_input[CONF_OFF_PEAK_HOURS])
            if error is not None:
                errors[CONF_OFF_PEAK_HOURS] = error
            if not errors:
                hours = check_off_peak_hours(user_input[CONF_OFF_PEAK_HOURS])
                self._add_tariff(
                    {**self._draft, **values, CONF_OFF_PEAK_HOURS: format_off_peak_hours(hours)}
                )
                return await self.async_step_init()
        schema = vol.Schema(
            {
                vol.Optional(CONF_PEAK): PRICE_SELECTOR,
                vol.Optional(CONF_OFF_PEAK): PRICE_SELECTOR,
                vol.Required(CONF_OFF_PEAK_HOURS, default=DEFAULT_OFF_PEAK_HOURS): TextSelector(),
            }
        )
        if user_input is not None:
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(
            step_id="tariff_peak_off_peak",
            data_schema=schema,
            errors=errors,
            description_placeholders={"start": self._draft.get(CONF_START, "")},
        )

    def _add_tariff(self, period: dict[str, Any]) -> None:
        TariffPeriod.from_dict(period)  # validated by the forms; raises if not
        self.tariffs.append(period)
        self.tariffs.sort(key=_tariff_key)
        self._draft = {}
        self._changed = True

    async def async_step_remove_tariff(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Remove production price periods."""
        if user_input is not None:
            removed = set(user_input.get(CONF_PERIODS, []))
            self._changed |= bool(removed)
            self.options[CONF_TARIFFS] = [p for p in self.tariffs if _tariff_key(p) not in removed]
            return await self.async_step_init()
        texts = await self._texts()
        options = [
            SelectOptionDict(value=_tariff_key(p), label=tariff_label(p, texts, self._language))
            for p in sorted(self.tariffs, key=_tariff_key)
        ]
        return self.async_show_form(step_id="remove_tariff", data_schema=_periods_schema(options))

    async def async_step_save(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Store the options (the entry reloads)."""
        return self.async_create_entry(data=self.options)


def _periods_schema(options: list[SelectOptionDict]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Optional(CONF_PERIODS, default=[]): SelectSelector(
                SelectSelectorConfig(options=options, multiple=True, mode=SelectSelectorMode.LIST)
            )
        }
    )
