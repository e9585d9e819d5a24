"""Options: production on/off, the dated contract periods, and production price periods.

A menu leads to each screen and back, so several periods can be added or removed in one visit;
"Save" stores everything and reloads the entry (``OptionsFlowWithReload``), which re-imports
the cost statistics from the first day a change affects (older costs are not rewritten).

- Contract (``options["contract"]``, see `contract`): a start date and an option (Base, HP/HC,
  Tempo), then a form pre-filled with the regulated prices in force on that date, the monthly
  subscription and, for HP/HC, the off-peak ranges (and optional summer ranges).
- Production earnings: base or peak/off-peak periods in ``options["tariffs"]`` (direction
  ``production``), as before contracts.

Options saved before contracts hold consumption tariff periods: the flow shows them as contract
periods (`contract.migrate_options`) and saving writes them so.
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
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.util import dt as dt_util

from .const import CONF_CONTRACT, CONF_PRODUCTION, CONF_TARIFFS, PARIS
from .contract import (
    CLASSES,
    ContractPeriod,
    OffPeakHoursError,
    TariffOption,
    check_off_peak_hours,
    migrate_options,
    regulated_prices,
)
from .tariff import TariffError, TariffPeriod, format_off_peak_hours, valid_price

_LOGGER = logging.getLogger(__name__)

CONF_DIRECTION = "direction"
CONF_START = "start"
CONF_OPTION = "option"
CONF_SUBSCRIPTION = "subscription"
CONF_TARIFF_TYPE = "tariff_type"
CONF_BASE = "base"
CONF_PEAK = "peak"
CONF_OFF_PEAK = "off_peak"
CONF_OFF_PEAK_HOURS = "off_peak_hours"
CONF_SUMMER_OFF_PEAK_HOURS = "summer_off_peak_hours"
CONF_PERIODS = "periods"

TYPE_BASE = "base"
TYPE_PEAK_OFF_PEAK = "peak_off_peak"
DEFAULT_OFF_PEAK_HOURS = "22:00-06:00"
MAX_SUBSCRIPTION = 1000.0
"""EUR per month above which a subscription is a typing mistake."""
OPTION_LABELS = {TariffOption.BASE: "Base", TariffOption.HPHC: "HP/HC", TariffOption.TEMPO: "Tempo"}
CONTRACT_STEPS = {
    TariffOption.BASE: "contract_base",
    TariffOption.HPHC: "contract_hphc",
    TariffOption.TEMPO: "contract_tempo",
}

# No min/max in the price and subscription boxes: out-of-range values get a translated error
# on the field instead of a rejected form; every price is checked by `tariff.valid_price`.
PRICE_SELECTOR = NumberSelector(
    NumberSelectorConfig(step="any", mode=NumberSelectorMode.BOX, unit_of_measurement="€/kWh")
)
SUBSCRIPTION_SELECTOR = NumberSelector(
    NumberSelectorConfig(step="any", mode=NumberSelectorMode.BOX, unit_of_measurement="€")
)


def _today() -> date:
    return dt_util.now(PARIS).date()


def _start_error(start: str, starts: set[str]) -> str | None:
    """Return the error of a new period's start date among the existing ones', if any."""
    if date.fromisoformat(start) > _today() + timedelta(days=1):
        return "start_in_future"
    if start in starts:
        return "duplicate_start"
    return None


def _off_peak_error(text: str) -> str | None:
    try:
        check_off_peak_hours(text)
    except OffPeakHoursError as err:
        return f"{err.problem}_off_peak_hours"
    return None


def _tariff_key(period: dict[str, Any]) -> str:
    return f"{period.get(CONF_DIRECTION, 'consumption')}|{period[CONF_START]}"


def _tariff_label(period: dict[str, Any]) -> str:
    if period.get(CONF_BASE) is not None:
        prices = f"{period[CONF_BASE]} €/kWh"
    else:
        prices = (
            f"{period.get(CONF_PEAK)} / {period.get(CONF_OFF_PEAK)} €/kWh "
            f"({period.get(CONF_OFF_PEAK_HOURS)})"
        )
    return f"{period[CONF_START]} · {prices}"


def _contract_label(period: dict[str, Any]) -> str:
    option = TariffOption(period[CONF_OPTION])
    prices = ", ".join(f"{name} {price}" for name, price in period["prices"].items())
    parts = [
        period[CONF_START],
        OPTION_LABELS[option],
        f"{prices} €/kWh",
        f"{period.get(CONF_SUBSCRIPTION, 0)} €/month",
    ]
    if hours := period.get(CONF_OFF_PEAK_HOURS):
        parts.append(f"HC {hours}")
    if summer := period.get(CONF_SUMMER_OFF_PEAK_HOURS):
        parts.append(f"summer HC {summer}")
    return " · ".join(parts)


class LinkyOptionsFlow(OptionsFlowWithReload):
    """Production, contract periods and production price periods of a Linky entry."""

    def __init__(self) -> None:
        """Start from the entry's options on the first step."""
        self._options: dict[str, Any] | None = None
        self._draft: dict[str, Any] = {}

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

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the menu."""
        menu = ["settings", "add_contract"]
        if self.contract:
            menu.append("remove_contract")
        if self.options[CONF_PRODUCTION]:
            menu.append("add_tariff")
        if self.tariffs:
            menu.append("remove_tariff")
        menu.append("save")
        return self.async_show_menu(
            step_id="init",
            menu_options=menu,
            description_placeholders={
                "contract": _summary([_contract_label(p) for p in self.contract]),
                "production": _summary(
                    [_tariff_label(p) for p in sorted(self.tariffs, key=_tariff_key)]
                ),
            },
        )

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

    # ---- contract periods --------------------------------------------------------------

    async def async_step_add_contract(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Start a contract period: from when, which option."""
        errors: dict[str, str] = {}
        if user_input is not None:
            start = cv.date(user_input[CONF_START]).isoformat()  # the selector takes "2026-1-5"
            error = _start_error(start, {p[CONF_START] for p in self.contract})
            if error is not None:
                errors[CONF_START] = error
            else:
                self._draft = {CONF_START: start}
                return await self._contract_form(TariffOption(user_input[CONF_OPTION]), None)
        latest = self.contract[-1][CONF_OPTION] if self.contract else TariffOption.BASE
        schema = vol.Schema(
            {
                vol.Required(CONF_START, default=_today().isoformat()): DateSelector(),
                vol.Required(CONF_OPTION, default=str(latest)): SelectSelector(
                    SelectSelectorConfig(
                        options=[str(option) for option in TariffOption],
                        mode=SelectSelectorMode.LIST,
                        translation_key="tariff_option",
                    )
                ),
            }
        )
        if user_input is not None:
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(step_id="add_contract", data_schema=schema, errors=errors)

    async def async_step_contract_base(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the base price and subscription of the new period."""
        return await self._contract_form(TariffOption.BASE, user_input)

    async def async_step_contract_hphc(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the HP/HC prices, subscription and off-peak ranges of the new period."""
        return await self._contract_form(TariffOption.HPHC, user_input)

    async def async_step_contract_tempo(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the six Tempo prices and subscription of the new period."""
        return await self._contract_form(TariffOption.TEMPO, user_input)

    async def _contract_form(
        self, option: TariffOption, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        start = date.fromisoformat(self._draft[CONF_START])
        errors: dict[str, str] = {}
        if user_input is not None and CONF_SUBSCRIPTION in user_input:
            errors = _contract_errors(option, user_input)
            if not errors:
                self._add_contract(option, user_input)
                return await self.async_step_init()
        schema = vol.Schema(self._contract_fields(option, start))
        if user_input is not None:
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(
            step_id=CONTRACT_STEPS[option],
            data_schema=schema,
            errors=errors,
            description_placeholders={"start": start.isoformat()},
        )

    def _contract_fields(self, option: TariffOption, start: date) -> dict[Any, Any]:
        """Prices pre-filled from the regulated ones; the rest from the period before."""
        before = [p for p in self.contract if p[CONF_START] < start.isoformat()]
        previous = before[-1] if before else {}
        fields: dict[Any, Any] = {
            vol.Required(name, default=price): PRICE_SELECTOR
            for name, price in regulated_prices(option, start).items()
        }
        subscription = previous.get(CONF_SUBSCRIPTION)
        fields[
            vol.Required(CONF_SUBSCRIPTION)
            if subscription is None
            else vol.Required(CONF_SUBSCRIPTION, default=subscription)
        ] = SUBSCRIPTION_SELECTOR
        if option is TariffOption.HPHC:
            hours = previous.get(CONF_OFF_PEAK_HOURS) or DEFAULT_OFF_PEAK_HOURS
            summer = previous.get(CONF_SUMMER_OFF_PEAK_HOURS)
            fields[vol.Required(CONF_OFF_PEAK_HOURS, default=hours)] = TextSelector()
            suggested = {"suggested_value": summer} if summer else None
            fields[vol.Optional(CONF_SUMMER_OFF_PEAK_HOURS, description=suggested)] = TextSelector()
        return fields

    def _add_contract(self, option: TariffOption, user_input: dict[str, Any]) -> None:
        period: dict[str, Any] = {
            CONF_START: self._draft[CONF_START],
            CONF_OPTION: str(option),
            CONF_SUBSCRIPTION: float(user_input[CONF_SUBSCRIPTION]),
            "prices": {name: float(user_input[name]) for name in CLASSES[option]},
        }
        for key in (CONF_OFF_PEAK_HOURS, CONF_SUMMER_OFF_PEAK_HOURS):
            if option is TariffOption.HPHC and (text := str(user_input.get(key) or "").strip()):
                period[key] = format_off_peak_hours(check_off_peak_hours(text))
        ContractPeriod.from_dict(period)  # validated by the form; raises if not
        self.contract.append(period)
        self.contract.sort(key=lambda p: str(p[CONF_START]))
        self._draft = {}

    async def async_step_remove_contract(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Remove contract periods."""
        if user_input is not None:
            removed = set(user_input.get(CONF_PERIODS, []))
            self.options[CONF_CONTRACT] = [p for p in self.contract if p[CONF_START] not in removed]
            return await self.async_step_init()
        options = [
            SelectOptionDict(value=p[CONF_START], label=_contract_label(p)) for p in self.contract
        ]
        return self.async_show_form(step_id="remove_contract", data_schema=_periods_schema(options))

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
        if user_input is not None and CONF_BASE in user_input:
            errors = _price_errors(user_input, (CONF_BASE,))
            if not errors:
                self._add_tariff({**self._draft, CONF_BASE: float(user_input[CONF_BASE])})
                return await self.async_step_init()
        return self.async_show_form(
            step_id="tariff_base",
            data_schema=vol.Schema({vol.Required(CONF_BASE): PRICE_SELECTOR}),
            errors=errors,
            description_placeholders={"start": self._draft.get(CONF_START, "")},
        )

    async def async_step_tariff_peak_off_peak(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the peak and off-peak prices and hours of the new production period."""
        errors: dict[str, str] = {}
        if user_input is not None and CONF_PEAK in user_input:
            errors = _price_errors(user_input, (CONF_PEAK, CONF_OFF_PEAK))
            error = _off_peak_error(user_input[CONF_OFF_PEAK_HOURS])
            if error is not None:
                errors[CONF_OFF_PEAK_HOURS] = error
            if not errors:
                hours = check_off_peak_hours(user_input[CONF_OFF_PEAK_HOURS])
                self._add_tariff(
                    {
                        **self._draft,
                        CONF_PEAK: float(user_input[CONF_PEAK]),
                        CONF_OFF_PEAK: float(user_input[CONF_OFF_PEAK]),
                        CONF_OFF_PEAK_HOURS: format_off_peak_hours(hours),
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

    def _add_tariff(self, period: dict[str, Any]) -> None:
        TariffPeriod.from_dict(period)  # validated by the forms; raises if not
        self.tariffs.append(period)
        self.tariffs.sort(key=_tariff_key)
        self._draft = {}

    async def async_step_remove_tariff(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Remove production price periods."""
        if user_input is not None:
            removed = set(user_input.get(CONF_PERIODS, []))
            self.options[CONF_TARIFFS] = [p for p in self.tariffs if _tariff_key(p) not in removed]
            return await self.async_step_init()
        options = [
            SelectOptionDict(value=_tariff_key(p), label=_tariff_label(p))
            for p in sorted(self.tariffs, key=_tariff_key)
        ]
        return self.async_show_form(step_id="remove_tariff", data_schema=_periods_schema(options))

    async def async_step_save(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Store the options (the entry reloads)."""
        return self.async_create_entry(data=self.options)


def _summary(labels: list[str]) -> str:
    return "\n".join(f"- {label}" for label in labels) if labels else "-"


def _periods_schema(options: list[SelectOptionDict]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Optional(CONF_PERIODS, default=[]): SelectSelector(
                SelectSelectorConfig(options=options, multiple=True, mode=SelectSelectorMode.LIST)
            )
        }
    )


def _price_errors(user_input: dict[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """Flag the prices out of the plausible range (NaN included), by field."""
    return {name: "invalid_price" for name in names if not valid_price(float(user_input[name]))}


def _contract_errors(option: TariffOption, user_input: dict[str, Any]) -> dict[str, str]:
    """Return the errors of a contract period's form, by field."""
    errors = _price_errors(user_input, CLASSES[option])
    if not 0 <= float(user_input[CONF_SUBSCRIPTION]) <= MAX_SUBSCRIPTION:
        errors[CONF_SUBSCRIPTION] = "invalid_subscription"
    if option is TariffOption.HPHC:
        for key in (CONF_OFF_PEAK_HOURS, CONF_SUMMER_OFF_PEAK_HOURS):
            text = str(user_input.get(key) or "").strip()
            if key == CONF_OFF_PEAK_HOURS and not text:
                errors[key] = "invalid_off_peak_hours"
            elif text and (error := _off_peak_error(text)) is not None:
                errors[key] = error
    return errors
