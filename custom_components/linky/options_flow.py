"""Options: production on/off, and the tariff periods that price the Energy dashboard.

A menu leads to each screen and back, so several periods can be added or removed in one visit;
"Save" stores everything and reloads the entry (``OptionsFlowWithReload``), which re-imports
the cost statistics from the first day a change affects (older costs are not rewritten).
"""

from datetime import date
from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.helpers.selector import (
    BooleanSelector,
    DateSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)

from .const import CONF_PRODUCTION, CONF_TARIFFS
from .tariff import TariffError, TariffPeriod, format_off_peak_hours, parse_off_peak_hours

CONF_DIRECTION = "direction"
CONF_START = "start"
CONF_TARIFF_TYPE = "tariff_type"
CONF_BASE = "base"
CONF_PEAK = "peak"
CONF_OFF_PEAK = "off_peak"
CONF_OFF_PEAK_HOURS = "off_peak_hours"
CONF_PERIODS = "periods"

TYPE_BASE = "base"
TYPE_PEAK_OFF_PEAK = "peak_off_peak"
DEFAULT_OFF_PEAK_HOURS = "22:00-06:00"

PRICE_SELECTOR = NumberSelector(
    NumberSelectorConfig(
        min=0, max=10, step="any", mode=NumberSelectorMode.BOX, unit_of_measurement="€/kWh"
    )
)


def _period_key(period: dict[str, Any]) -> str:
    return f"{period.get(CONF_DIRECTION, 'consumption')}|{period[CONF_START]}"


def _period_label(period: dict[str, Any]) -> str:
    direction = "Production" if period.get(CONF_DIRECTION) == "production" else "Consumption"
    if period.get(CONF_BASE) is not None:
        prices = f"{period[CONF_BASE]} €/kWh"
    else:
        prices = (
            f"{period.get(CONF_PEAK)} / {period.get(CONF_OFF_PEAK)} €/kWh "
            f"({period.get(CONF_OFF_PEAK_HOURS)})"
        )
    return f"{direction} · {period[CONF_START]} · {prices}"


class LinkyOptionsFlow(OptionsFlowWithReload):
    """Production and tariff periods of a Linky entry."""

    def __init__(self) -> None:
        """Start from the entry's options on the first step."""
        self._options: dict[str, Any] | None = None
        self._draft: dict[str, Any] = {}

    @property
    def options(self) -> dict[str, Any]:
        """Return the options being edited."""
        if self._options is None:
            self._options = {
                CONF_PRODUCTION: bool(self.config_entry.options.get(CONF_PRODUCTION, False)),
                CONF_TARIFFS: [dict(p) for p in self.config_entry.options.get(CONF_TARIFFS, [])],
            }
        return self._options

    @property
    def tariffs(self) -> list[dict[str, Any]]:
        """Return the tariff periods being edited."""
        tariffs: list[dict[str, Any]] = self.options[CONF_TARIFFS]
        return tariffs

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the menu."""
        menu = ["settings", "add_tariff"]
        if self.tariffs:
            menu.append("remove_tariff")
        menu.append("save")
        return self.async_show_menu(
            step_id="init",
            menu_options=menu,
            description_placeholders={"tariffs": self._summary()},
        )

    def _summary(self) -> str:
        if not self.tariffs:
            return "-"
        return "\n".join(f"- {_period_label(p)}" for p in sorted(self.tariffs, key=_period_key))

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Turn production on or off."""
        if user_input is not None:
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

    async def async_step_add_tariff(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Start a new period: which direction, from when, which kind of price."""
        errors: dict[str, str] = {}
        if user_input is not None:
            draft = {
                CONF_DIRECTION: user_input.get(CONF_DIRECTION, "consumption"),
                CONF_START: str(user_input[CONF_START]),
            }
            if any(_period_key(p) == _period_key(draft) for p in self.tariffs):
                errors[CONF_START] = "duplicate_start"
            else:
                self._draft = draft
                if user_input[CONF_TARIFF_TYPE] == TYPE_BASE:
                    return await self.async_step_tariff_base()
                return await self.async_step_tariff_peak_off_peak()
        directions = ["consumption"]
        if self.options[CONF_PRODUCTION]:
            directions.append("production")
        schema = vol.Schema(
            {
                vol.Required(CONF_DIRECTION, default="consumption"): SelectSelector(
                    SelectSelectorConfig(
                        options=directions,
                        mode=SelectSelectorMode.LIST,
                        translation_key="direction",
                    )
                ),
                vol.Required(CONF_START, default=date.today().isoformat()): DateSelector(),  # noqa: DTZ011 - a form default
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
        """Ask for the base price of the new period."""
        if user_input is not None and CONF_BASE in user_input:
            self._add({**self._draft, CONF_BASE: float(user_input[CONF_BASE])})
            return await self.async_step_init()
        return self.async_show_form(
            step_id="tariff_base",
            data_schema=vol.Schema({vol.Required(CONF_BASE): PRICE_SELECTOR}),
            description_placeholders={"start": self._draft.get(CONF_START, "")},
        )

    async def async_step_tariff_peak_off_peak(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the peak and off-peak prices and off-peak hours of the new period."""
        errors: dict[str, str] = {}
        if user_input is not None and CONF_PEAK in user_input:
            try:
                hours = format_off_peak_hours(parse_off_peak_hours(user_input[CONF_OFF_PEAK_HOURS]))
            except TariffError:
                errors[CONF_OFF_PEAK_HOURS] = "invalid_off_peak_hours"
            else:
                self._add(
                    {
                        **self._draft,
                        CONF_PEAK: float(user_input[CONF_PEAK]),
                        CONF_OFF_PEAK: float(user_input[CONF_OFF_PEAK]),
                        CONF_OFF_PEAK_HOURS: hours,
                    }
                )
                return await self.async_step_init()
        schema = vol.Schema(
            {
                vol.Required(CONF_PEAK): PRICE_SELECTOR,
                vol.Required(CONF_OFF_PEAK): PRICE_SELECTOR,
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

    def _add(self, period: dict[str, Any]) -> None:
        TariffPeriod.from_dict(period)  # validated by the forms; raises if not
        self.tariffs.append(period)
        self.tariffs.sort(key=_period_key)
        self._draft = {}

    async def async_step_remove_tariff(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Remove tariff periods."""
        if user_input is not None:
            removed = set(user_input.get(CONF_PERIODS, []))
            self.options[CONF_TARIFFS] = [p for p in self.tariffs if _period_key(p) not in removed]
            return await self.async_step_init()
        options = [
            SelectOptionDict(value=_period_key(p), label=_period_label(p))
            for p in sorted(self.tariffs, key=_period_key)
        ]
        return self.async_show_form(
            step_id="remove_tariff",
            data_schema=vol.Schema(
                {
                    vol.Optional(CONF_PERIODS, default=[]): SelectSelector(
                        SelectSelectorConfig(
                            options=options, multiple=True, mode=SelectSelectorMode.LIST
                        )
                    )
                }
            ),
        )

    async def async_step_save(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Store the options (the entry reloads)."""
        return self.async_create_entry(data=self.options)
