"""Options: production on/off, the dated contract periods, and production price periods.

A menu leads to each screen and back, so several periods can be added, edited or removed in
one visit; the menu says when changes are not saved yet, and "Save" stores everything and
reloads the entry (``OptionsFlowWithReload``), which re-imports the cost statistics from the
first day a change affects.

- Contract (``options["contract"]``, see `contract`): the steps of `options_contract`.
- Production earnings: base or peak/off-peak periods in ``options["tariffs"]`` (direction
  ``production``), as before contracts.

Numbers are text fields read by `form_values`. Options saved before contracts hold consumption
tariff periods: the flow shows them as contract periods (`contract.migrate_options`).
"""

from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    BooleanSelector,
    DateSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)

from .const import CONF_PRODUCTION, CONF_TARIFFS
from .form_values import (
    NumberKind,
    off_peak_error,
    read_numbers,
)
from .options_contract import (
    CONF_OFF_PEAK_HOURS,
    CONF_PERIODS,
    CONF_START,
    DEFAULT_OFF_PEAK_HOURS,
    PRICE_SELECTOR,
    ContractPeriodSteps,
    periods_schema,
    start_error,
    today,
)
from .options_summary import contract_labels, summary, tariff_label
from .tariff import TariffPeriod, check_off_peak_hours, format_off_peak_hours

CONF_DIRECTION = "direction"
CONF_TARIFF_TYPE = "tariff_type"
CONF_BASE = "base"
CONF_PEAK = "peak"
CONF_OFF_PEAK = "off_peak"
TYPE_BASE = "base"
TYPE_PEAK_OFF_PEAK = "peak_off_peak"


def _tariff_key(period: dict[str, Any]) -> str:
    return f"{period.get(CONF_DIRECTION, 'consumption')}|{period[CONF_START]}"


class LinkyOptionsFlow(ContractPeriodSteps):
    """Production, contract periods and production price periods of a Linky entry."""

    @property
    def tariffs(self) -> list[dict[str, Any]]:
        """Return the (production) tariff periods being edited."""
        tariffs: list[dict[str, Any]] = self.options[CONF_TARIFFS]
        return tariffs

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
        contract = contract_labels(self.contract, texts, self._language)
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

    # ---- production price periods ------------------------------------------------------

    async def async_step_add_tariff(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Start a production price period: from when, which kind of price."""
        errors: dict[str, str] = {}
        if user_input is not None:
            start = cv.date(user_input[CONF_START]).isoformat()  # the selector takes "2026-1-5"
            error = start_error(start, {p[CONF_START] for p in self.tariffs})
            if error is not None:
                errors[CONF_START] = error
            else:
                self._draft = {CONF_DIRECTION: "production", CONF_START: start}
                if user_input[CONF_TARIFF_TYPE] == TYPE_BASE:
                    return await self.async_step_tariff_base()
                return await self.async_step_tariff_peak_off_peak()
        schema = vol.Schema(
            {
                vol.Required(CONF_START, default=today().isoformat()): DateSelector(),
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
        return self.async_show_form(step_id="remove_tariff", data_schema=periods_schema(options))

    async def async_step_save(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Store the options (the entry reloads)."""
        return self.async_create_entry(data=self.options)
