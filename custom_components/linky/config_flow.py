"""Config flow: Conso API token or Enedis Data Connect credentials, checked before saving."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, override

import probatio as vol
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_TOKEN
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util import dt as dt_util

from .api import (
    CONSO_API_URL,
    COULEUR_TEMPO_URL,
    ENEDIS_PRODUCTION_URL,
    RTE_TEMPO_URL,
    AccessBlockedError,
    AccessDeniedError,
    AuthenticationError,
    BadRequestError,
    InvalidAccess,
    InvalidTokenError,
    LinkyConnectionError,
    NoDataError,
    PRMAccessError,
    RateLimitError,
    ServerError,
    UpstreamError,
    token_prms,
)
from .client import LinkyClient, async_create_client, default_base_url
from .const import (
    CONF_BASE_URL,
    CONF_POLL_OFFSET,
    CONF_PRM,
    CONF_PRODUCTION,
    CONF_SOURCE,
    CONF_TARIFFS,
    CONF_TEMPO_FALLBACK_URL,
    CONF_TEMPO_URL,
    DOMAIN,
    HISTORY_LIMIT_CODES,
    SOURCE_CONSO,
    SOURCE_ENEDIS,
)
from .data import DATA_PROBED
from .issues import CONSO_SITE
from .kinds import Direction
from .options_flow import LinkyOptionsFlow
from .paris import paris_day
from .readings import daily_values
from .urls import clean_url, url_error

_LOGGER = logging.getLogger(__name__)

PRM_PATTERN = re.compile(r"\d{14}")
SECTION_ADVANCED = "advanced"
POLL_WINDOW_MINUTES = 240
"""The daily update happens at a random minute of 06:00-10:00 Paris time, drawn once."""
PROBE_DAYS = 7
"""Days asked by the checks (one short request each): any published day proves access."""
TEMPO_DEFAULTS: Final = {CONF_TEMPO_URL: RTE_TEMPO_URL, CONF_TEMPO_FALLBACK_URL: COULEUR_TEMPO_URL}
"""The Tempo colours addresses (RTE's, and the fallback's when RTE fails) and their defaults."""
URL_KEYS: Final = (CONF_BASE_URL, *TEMPO_DEFAULTS)
SECRET_KEYS: Final = (CONF_TOKEN, CONF_CLIENT_SECRET)
"""Left empty in the reconfigure form, these keep their stored value."""

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_TEXT = TextSelector()
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


class ValidationError(Exception):
    """A check failed; ``.error`` is the translation key shown on the form."""

    def __init__(self, error: str) -> None:
        """Keep the error key."""
        super().__init__(error)
        self.error = error


def _error_key(err: Exception) -> str:
    """Return the form error for a client exception (one place for the whole flow)."""
    match err:
        case InvalidTokenError():
            return "invalid_token"
        case PRMAccessError():
            return "prm_not_in_token"
        case InvalidAccess():
            return "invalid_client"
        case AuthenticationError():
            return "invalid_auth"
        case AccessDeniedError():
            return "no_consent"
        case RateLimitError():
            return "rate_limited"
        case AccessBlockedError():
            return "blocked"
        case UpstreamError():  # e.g. Enedis refused the Conso API's own token: not the user's
            return "service_error"
        case LinkyConnectionError() | ServerError() | NoDataError() | TimeoutError():
            return "cannot_connect"  # NoDataError: a bare 404, not the API (`_async_probe`)
    _LOGGER.error("Unexpected error while checking Linky access", exc_info=err)
    return "unknown"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What the access check learnt: whether the meter produces, and the days it fetched."""

    produces: bool
    daily: dict[Direction, dict[date, int]]
    """Daily values (Wh) of the probed days, handed to the new entry (no request twice)."""


async def _async_probe(client: LinkyClient, *, production: bool) -> ProbeResult:
    """Check access with a short daily-consumption request; optionally detect production.

    A 404 or a history limit (ADAM-ERR0123/0125: a meter or contract younger than the probe)
    proves access. The meter produces when production data, a 404 or a history limit come
    back; a refusal (ADAM-ERR0069 wrong direction, 403 no consent) means no.
    """
    end = paris_day(dt_util.utcnow())
    start = end - timedelta(days=PROBE_DAYS)
    daily: dict[Direction, dict[date, int]] = {}
    try:
        daily["consumption"] = daily_values(await client.get_daily_consumption(start, end))
    except NoDataError as err:
        # A new meter, or one whose consumption is not yet published: access is fine. Only
        # the API's own 404 (with its error code) says so: a bare one is a wrong address.
        if err.code is None:
            raise
    except BadRequestError as err:
        # ADAM-ERR0069: a production-only meter (no consumption), access fine
        if err.code != "ADAM-ERR0069" and err.code not in HISTORY_LIMIT_CODES:
            raise
    if not production:
        return ProbeResult(False, daily)
    try:
        daily["production"] = daily_values(await client.get_daily_production(start, end))
    except NoDataError as err:
        if err.code is None:
            raise
        return ProbeResult(True, daily)
    except BadRequestError as err:
        return ProbeResult(err.code in HISTORY_LIMIT_CODES, daily)
    except AccessDeniedError:
        return ProbeResult(False, daily)
    return ProbeResult(True, daily)


async def async_validate(
    hass: HomeAssistant, data: Mapping[str, Any], *, detect_production: bool = False
) -> ProbeResult:
    """Build a client from entry data and check it against the API (test-before-configure).

    Raises `ValidationError` with the form error.
    """
    try:
        client = await async_create_client(hass, dict(data))
        return await _async_probe(client, production=detect_production)
    except Exception as err:
        raise ValidationError(_error_key(err)) from err


def _check_url(user_input: Mapping[str, Any], errors: dict[str, str]) -> str | None:
    """Return the cleaned API address of a form (top level or its advanced section).

    A bad address (`url_error`) adds an error; the default address is returned as None.
    """
    advanced = user_input.get(SECTION_ADVANCED) or {}
    url = clean_url(user_input.get(CONF_BASE_URL) or advanced.get(CONF_BASE_URL))
    if url is not None and (error := url_error(url)) is not None:
        errors["base" if CONF_BASE_URL not in user_input else CONF_BASE_URL] = error
    if url in (CONSO_API_URL, ENEDIS_PRODUCTION_URL):
        return None
    return url


def _check_tempo_urls(
    fields: Mapping[str, Any], errors: dict[str, str], error_key: str | None = None
) -> dict[str, str]:
    """Return the Tempo colours addresses of `fields` other than the defaults, cleaned.

    A bad address (`url_error`) adds its error under `error_key`, else under its own field.
    """
    urls: dict[str, str] = {}
    for key, default in TEMPO_DEFAULTS.items():
        url = clean_url(fields.get(key))
        if url is not None and (error := url_error(url)) is not None:
            errors[error_key or key] = error
        elif url is not None and url != default:
            urls[key] = url
    return urls


class LinkyConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up one meter (PRM) per entry."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing chosen."""
        self._data: dict[str, Any] = {}
        self._prms: list[str] = []
        self._probe = ProbeResult(False, {})

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> LinkyOptionsFlow:
        """Production and tariff periods."""
        return LinkyOptionsFlow()

    # -- source ---------------------------------------------------------------------------

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the data source."""
        return self.async_show_menu(step_id="user", menu_options=[SOURCE_CONSO, SOURCE_ENEDIS])

    @staticmethod
    def _advanced_section(schema: dict[Any, Any], user_input: Mapping[str, Any] | None) -> None:
        """Add the collapsed "Advanced" section: the API and Tempo colours addresses."""
        advanced = (user_input or {}).get(SECTION_ADVANCED, {})
        current = {key: clean_url(advanced.get(key)) for key in URL_KEYS}
        schema[vol.Optional(SECTION_ADVANCED)] = section(
            vol.Schema(
                {
                    vol.Optional(key, description={"suggested_value": value}): _URL
                    for key, value in current.items()
                }
            ),
            {"collapsed": not any(current.values())},
        )

    # -- Conso API ------------------------------------------------------------------------

    async def async_step_conso(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Paste a Conso API token."""
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_TOKEN].strip()
            base_url = _check_url(user_input, errors)
            tempo_urls = _check_tempo_urls(user_input.get(SECTION_ADVANCED) or {}, errors, "base")
            try:
                self._prms = token_prms(token)
            except InvalidTokenError:
                errors[CONF_TOKEN] = "invalid_token"
            if not errors:
                self._data = {CONF_SOURCE: SOURCE_CONSO, CONF_TOKEN: token}
                if base_url:
                    self._data[CONF_BASE_URL] = base_url
                self._data.update(tempo_urls)
                if len(self._prms) > 1:
                    return await self.async_step_prm()
                if (result := await self._async_check(self._prms[0], errors)) is not None:
                    return result
        schema: dict[Any, Any] = {vol.Required(CONF_TOKEN): _PASSWORD}
        self._advanced_section(schema, user_input)
        return self.async_show_form(
            step_id="conso",
            data_schema=vol.Schema(schema),
            errors=errors,
            description_placeholders={"url": CONSO_SITE},
        )

    async def async_step_prm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose which of the token's meters to add."""
        configured = self._async_current_ids(include_ignore=False)
        available = [prm for prm in self._prms if prm not in configured]
        if not available:
            return self.async_abort(reason="already_configured")
        errors: dict[str, str] = {}
        if (
            user_input is not None
            and (result := await self._async_check(user_input[CONF_PRM], errors)) is not None
        ):
            return result
        return self.async_show_form(
            step_id="prm",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_PRM): SelectSelector(
                        SelectSelectorConfig(options=available, mode=SelectSelectorMode.LIST)
                    )
                }
            ),
            errors=errors,
        )

    async def _async_check(self, prm: str, errors: dict[str, str]) -> ConfigFlowResult | None:
        """Abort if ``prm`` is set up, else check access with the data gathered so far.

        On success go on to the production step; else put the form error in ``errors``.
        """
        await self.async_set_unique_id(prm)
        self._abort_if_unique_id_configured()
        data = {**self._data, CONF_PRM: prm}
        try:
            self._probe = await async_validate(self.hass, data, detect_production=True)
        except ValidationError as err:
            errors["base"] = err.error
            return None
        self._data = data
        return await self.async_step_production()

    # -- Enedis Data Connect ----------------------------------------------------------------

    async def async_step_enedis(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Enter the client id, secret and PRM of an Enedis Data Connect application."""
        errors: dict[str, str] = {}
        if user_input is not None:
            prm = user_input[CONF_PRM].strip()
            base_url = _check_url(user_input, errors)
            tempo_urls = _check_tempo_urls(user_input.get(SECTION_ADVANCED) or {}, errors, "base")
            if not PRM_PATTERN.fullmatch(prm):
                errors[CONF_PRM] = "invalid_prm"
            if not errors:
                self._data = {
                    CONF_SOURCE: SOURCE_ENEDIS,
                    CONF_CLIENT_ID: user_input[CONF_CLIENT_ID].strip(),
                    CONF_CLIENT_SECRET: user_input[CONF_CLIENT_SECRET].strip(),
                }
                if base_url:
                    self._data[CONF_BASE_URL] = base_url
                self._data.update(tempo_urls)
                if (result := await self._async_check(prm, errors)) is not None:
                    return result
        schema: dict[Any, Any] = {
            vol.Required(CONF_CLIENT_ID): _TEXT,
            vol.Required(CONF_CLIENT_SECRET): _PASSWORD,
            vol.Required(CONF_PRM): _TEXT,
        }
        self._advanced_section(schema, user_input)
        return self.async_show_form(
            step_id="enedis",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(schema),
                {
                    k: v
                    for k, v in (user_input or {}).items()
                    if k not in (CONF_CLIENT_SECRET, SECTION_ADVANCED)
                },
            ),
            errors=errors,
        )

    # -- production and creation -------------------------------------------------------------

    async def async_step_production(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer production, checked when the API returned production data for the meter."""
        if user_input is not None:
            prm = self._data[CONF_PRM]
            self.hass.data.setdefault(DATA_PROBED, {})[prm] = self._probe.daily
            return self.async_create_entry(
                title=f"Linky {prm}",
                data={**self._data, CONF_POLL_OFFSET: random.randint(0, POLL_WINDOW_MINUTES - 1)},
                options={CONF_PRODUCTION: user_input[CONF_PRODUCTION], CONF_TARIFFS: []},
            )
        return self.async_show_form(
            step_id="production",
            data_schema=vol.Schema(
                {vol.Required(CONF_PRODUCTION, default=self._probe.produces): BooleanSelector()}
            ),
            description_placeholders={"prm": self._data[CONF_PRM]},
        )

    # -- reauthentication and reconfiguration -------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start when the token or the credentials were refused."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new token (or credentials) and check it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **{k: v.strip() for k, v in user_input.items()}}
            if (result := await self._async_update_checked(entry, data, errors)) is not None:
                return result
        return self._credentials_form(
            "reauth_confirm", entry, self._credentials_fields(entry), errors
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the token, the credentials, the API or the Tempo colours addresses of a meter."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            base_url = _check_url(user_input, errors)
            tempo_urls = _check_tempo_urls(user_input, errors)
            data = {
                **{k: v for k, v in entry.data.items() if k not in URL_KEYS},
                **{
                    k: v.strip()
                    for k, v in user_input.items()
                    if k not in URL_KEYS and (k not in SECRET_KEYS or v.strip())
                },
                **tempo_urls,
            }
            if base_url:
                data[CONF_BASE_URL] = base_url
            if not errors:
                result = await self._async_update_checked(entry, data, errors)
                if result is not None:
                    return result
        fields = self._credentials_fields(entry, keep_secret=True)
        api_url = entry.data.get(CONF_BASE_URL) or default_base_url(entry.data[CONF_SOURCE])
        current = {
            CONF_BASE_URL: api_url,
            **{key: entry.data.get(key, default) for key, default in TEMPO_DEFAULTS.items()},
        }
        for key, value in current.items():
            fields[vol.Optional(key, description={"suggested_value": value})] = _URL
        return self._credentials_form("reconfigure", entry, fields, errors)

    async def _async_update_checked(
        self, entry: ConfigEntry, data: dict[str, Any], errors: dict[str, str]
    ) -> ConfigFlowResult | None:
        """Check ``data``; save it and reload the entry, or put the form error in ``errors``."""
        try:
            await async_validate(self.hass, data)
        except ValidationError as err:
            errors["base"] = err.error
            return None
        # An explicit reason: the default one takes Home Assistant's generic English text.
        reconfigure = self.source == SOURCE_RECONFIGURE
        reason = "reconfigure_successful" if reconfigure else "reauth_successful"
        return self.async_update_reload_and_abort(entry, data=data, reason=reason)

    def _credentials_form(
        self, step_id: str, entry: ConfigEntry, fields: dict[Any, Any], errors: dict[str, str]
    ) -> ConfigFlowResult:
        return self.async_show_form(
            step_id=step_id,
            data_schema=vol.Schema(fields),
            errors=errors,
            description_placeholders={"prm": entry.data[CONF_PRM], "url": CONSO_SITE},
        )

    @staticmethod
    def _credentials_fields(entry: ConfigEntry, *, keep_secret: bool = False) -> dict[Any, Any]:
        """Return the credentials' fields (``keep_secret``: left empty, the stored one stays)."""
        secret = vol.Optional if keep_secret else vol.Required
        if entry.data[CONF_SOURCE] == SOURCE_ENEDIS:
            client_id = entry.data[CONF_CLIENT_ID]
            return {
                vol.Required(CONF_CLIENT_ID, description={"suggested_value": client_id}): _TEXT,
                secret(CONF_CLIENT_SECRET): _PASSWORD,
            }
        return {secret(CONF_TOKEN): _PASSWORD}
