"""The options flow's contract periods: add, price (regulated or typed), edit, remove.

A start date, an option (Base, HP/HC, Tempo) and the subscribed power (pre-filled with the power
read from Enedis, else the latest period's, else 6 kVA); then how the period is priced: "EDF
Tarif Bleu" (regulated: its prices follow the built-in grid by date, `contract.regulated_periods`;
only HP/HC asks for its off-peak ranges) or typed prices, on a form pre-filled from the regulated
grid in force on the start date (`regulated.grid_on`): prices, the subscription for that power
and, for HP/HC, the off-peak ranges (and optional summer ranges). A saved period can be edited
in place, its kind kept or changed. `options_flow` adds the menu and the production prices.
"""

import logging
from datetime import date, timedelta
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
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
    REGULATED_KEY,
    TariffOption,
    is_regulated,
    migrate_options,
    parse_contract,
)
from .form_values import (
    NumberKind,
    contract_numbers,
    format_number,
    off_peak_errors,
    read_numbers,
)
from .options_summary import contract_labels
from .regulated import DEFAULT_POWER_KVA, grid_on
from .tariff import TariffError, check_off_peak_hours, format_off_peak_hours

_LOGGER = logging.getLogger(__name__)

CONF_START = "start"
CONF_OPTION = "option"
CONF_SUBSCRIPTION = "subscription"
CONF_POWER = "subscribed_power_kva"
CONF_OFF_PEAK_HOURS = "off_peak_hours"
CONF_SUMMER_OFF_PEAK_HOURS = "summer_off_peak_hours"
CONF_PERIODS = "periods"
CONF_PERIOD = "period"
CONF_PRICING = "pricing"
PRICING_REGULATED = "regulated"
PRICING_TYPED = "typed"
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


def today() -> date:
    """Return today in Paris."""
    return dt_util.now(PARIS).date()


def start_error(start: str, starts: set[str]) -> str | None:
    """Return the error of a new period's start date among the existing ones', if any."""
    if date.fromisoformat(start) > today() + timedelta(days=1):
        return "start_in_future"
    if start in starts:
        return "duplicate_start"
    return None


def _suggested(value: str | None) -> dict[str, Any] | None:
    return {"suggested_value": value} if value is not None else None


class ContractPeriodSteps(OptionsFlowWithReload):
    """The options being edited and the steps of their contract periods."""

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
    def _language(self) -> str:
        return str(self.hass.config.language)

    async def _texts(self) -> dict[str, str]:
        """Return the integration's common texts in the server's language."""
        prefix = f"component.{DOMAIN}.common."
        found = await async_get_translations(self.hass, self._language, "common", {DOMAIN})
        return {k.removeprefix(prefix): v for k, v in found.items() if k.startswith(prefix)}

    async def _contract_labels(self) -> list[SelectOptionDict]:
        texts = await self._texts()
        labels = contract_labels(self.contract, texts, self._language)
        return [
            SelectOptionDict(value=p[CONF_START], label=label)
            for p, label in zip(self.contract, labels, strict=True)
        ]

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the menu (`options_flow.LinkyOptionsFlow`'s)."""
        raise NotImplementedError

    async def async_step_add_contract(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Start a contract period: from when, which option, which subscribed power."""
        errors: dict[str, str] = {}
        if user_input is not None:
            start = cv.date(user_input[CONF_START]).isoformat()  # the selector takes "2026-1-5"
            power, errors = read_numbers(user_input, {CONF_POWER: NumberKind.POWER})
            if (error := start_error(start, {p[CONF_START] for p in self.contract})) is not None:
                errors[CONF_START] = error
            if not errors:
                self._draft = {
                    CONF_START: start,
                    CONF_OPTION: user_input[CONF_OPTION],
                    CONF_POWER: int(power[CONF_POWER]),
                }
                return await self.async_step_contract_pricing()
        latest = self.contract[-1] if self.contract else {}
        power_kva = self._enedis_power() or latest.get(CONF_POWER) or DEFAULT_POWER_KVA
        schema = vol.Schema(
            {
                vol.Required(CONF_START, default=today().isoformat()): DateSelector(),
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

    def _enedis_power(self) -> int | None:
        """Return the subscribed power read from Enedis for this entry, if it was."""
        runtime = getattr(self.config_entry, "runtime_data", None)
        if self.config_entry.state is not ConfigEntryState.LOADED or runtime is None:
            return None
        power: int | None = runtime.coordinator.subscribed_power_kva
        return power

    async def async_step_edit_contract(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose a saved contract period to edit (its kind, prices, subscription and ranges)."""
        if user_input is not None:
            period = next(p for p in self.contract if p[CONF_START] == user_input[CONF_PERIOD])
            self._draft = {
                CONF_START: period[CONF_START],
                CONF_OPTION: period[CONF_OPTION],
                CONF_POWER: period.get(CONF_POWER),
                "editing": period,
            }
            return await self.async_step_contract_pricing()
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

    async def async_step_contract_pricing(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask how the period is priced: the regulated grid, or prices the user types."""
        option = TariffOption(self._draft[CONF_OPTION])
        if user_input is not None:
            if user_input[CONF_PRICING] == PRICING_TYPED:
                return await self._contract_form(option, None)
            if option is TariffOption.HPHC:
                return await self.async_step_contract_hphc_regulated()
            self._store_regulated(option, {})
            return await self.async_step_init()
        editing = self._draft.get("editing")
        kind = PRICING_TYPED if editing and not is_regulated(editing) else PRICING_REGULATED
        texts = await self._texts()
        power = self._draft.get(CONF_POWER) or DEFAULT_POWER_KVA
        return self.async_show_form(
            step_id="contract_pricing",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_PRICING, default=kind): SelectSelector(
                        SelectSelectorConfig(
                            options=[PRICING_REGULATED, PRICING_TYPED],
                            mode=SelectSelectorMode.LIST,
                            translation_key="contract_pricing",
                        )
                    )
                }
            ),
            description_placeholders={
                "start": self._draft[CONF_START],
                "option": texts.get(f"option_{option}", str(option)),
                "power": format_number(power, self._language),
            },
        )

    async def async_step_contract_hphc_regulated(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the off-peak ranges of a regulated HP/HC period (its prices follow the grid)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = off_peak_errors(TariffOption.HPHC, user_input)
            if not errors:
                self._store_regulated(TariffOption.HPHC, user_input)
                return await self.async_step_init()
        start = date.fromisoformat(self._draft[CONF_START])
        schema = vol.Schema(
            self._off_peak_fields(self._contract_suggestions(TariffOption.HPHC, start))
        )
        if user_input is not None:
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(
            step_id="contract_hphc_regulated",
            data_schema=schema,
            errors=errors,
            description_placeholders={"start": start.isoformat()},
        )

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
        """Return the values a form starts from: the period edited, else the regulated grid."""
        editing = self._draft.get("editing")
        if editing is not None and not is_regulated(editing):
            return {**editing["prices"], **editing}
        grid = grid_on(start)
        power = self._draft.get(CONF_POWER) or DEFAULT_POWER_KVA
        before = [p for p in self.contract if p[CONF_START] < start.isoformat()]
        previous = editing or (before[-1] if before else {})
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
            fields |= self._off_peak_fields(values)
        return fields

    @staticmethod
    def _off_peak_fields(values: dict[str, Any]) -> dict[Any, Any]:
        """Return the off-peak ranges (and summer ones) of an HP/HC form, pre-filled."""
        hours = values.get(CONF_OFF_PEAK_HOURS) or DEFAULT_OFF_PEAK_HOURS
        summer = values.get(CONF_SUMMER_OFF_PEAK_HOURS)
        return {
            vol.Required(CONF_OFF_PEAK_HOURS, default=hours): TextSelector(),
            vol.Optional(CONF_SUMMER_OFF_PEAK_HOURS, description=_suggested(summer)): (
                TextSelector()
            ),
        }

    def _store_contract(
        self, option: TariffOption, values: dict[str, float], user_input: dict[str, Any]
    ) -> None:
        """Add the period with typed prices, or replace the one edited."""
        period: dict[str, Any] = {
            CONF_START: self._draft[CONF_START],
            CONF_OPTION: str(option),
            CONF_SUBSCRIPTION: values[CONF_SUBSCRIPTION],
            "prices": {name: values[name] for name in CLASSES[option]},
        }
        self._store(period, user_input)

    def _store_regulated(self, option: TariffOption, user_input: dict[str, Any]) -> None:
        """Add the regulated period (its prices follow the grid), or replace the one edited."""
        period = {CONF_START: self._draft[CONF_START], CONF_OPTION: str(option)}
        self._store({**period, REGULATED_KEY: True}, user_input)

    def _store(self, period: dict[str, Any], user_input: dict[str, Any]) -> None:
        """Keep a period with the power and, for HP/HC, the off-peak ranges typed."""
        if (power := self._draft.get(CONF_POWER)) is not None:
            period[CONF_POWER] = power
        for key in (CONF_OFF_PEAK_HOURS, CONF_SUMMER_OFF_PEAK_HOURS):
            hphc = period[CONF_OPTION] == TariffOption.HPHC
            if hphc and (text := str(user_input.get(key) or "").strip()):
                period[key] = format_off_peak_hours(check_off_peak_hours(text))
        parse_contract([period])  # validated by the forms; raises if not
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
            step_id="remove_contract", data_schema=periods_schema(await self._contract_labels())
        )


def periods_schema(options: list[SelectOptionDict]) -> vol.Schema:
    """Return the form ticking periods to remove."""
    return vol.Schema(
        {
            vol.Optional(CONF_PERIODS, default=[]): SelectSelector(
                SelectSelectorConfig(options=options, multiple=True, mode=SelectSelectorMode.LIST)
            )
        }
    )
