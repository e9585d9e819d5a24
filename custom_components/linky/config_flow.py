"""Config flow: Conso API token or Enedis Data Connect credentials, checked before saving."""

from __future__ import annotations

import ipaddress
import logging
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, override
from urllib.parse import urlsplit

import probatio as vol
from homeassistant.config_entries import (
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

_LOGGER = logging.getLogger(__name__)

PRM_PATTERN = re.compile(r"\d{14}")
URL_PATTERN = re.compile(r"https?://[^\s/]+(/\S*)?")
SECTION_ADVANCED = "advanced"
POLL_WINDOW_MINUTES = 240
"""The daily update happens at a random minute of 06:00-10:00 Paris time, drawn once."""
PROBE_DAYS = 7
"""Days asked by the checks (one short request each): any published day proves access."""
LOCAL_SUFFIXES = (".local", ".lan", ".internal", ".home.arpa")
"""Host name endings of a home network (mDNS, common router defaults, RFC 8375)."""

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
        case LinkyConnectionError() | ServerError() | TimeoutError():
            return "cannot_connect"
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
    except NoDataError:
        pass  # a new meter, or one whose consumption is not yet published: access is fine
    except BadRequestError as err:
        # ADAM-ERR0069: a production-only meter (no consumption), access fine
        if err.code != "ADAM-ERR0069" and err.code not in HISTORY_LIMIT_CODES:
            raise
    if not production:
        return ProbeResult(False, daily)
    try:
        daily["production"] = daily_values(await client.get_daily_production(start, end))
    except NoDataError:
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


def _clean_url(value: str | None) -> str | None:
    """Return a user-given API address without trailing slash; ``None`` when empty."""
    if not value or not value.strip():
        return None
    return value.strip().rstrip("/")


def _is_local_host(host: str) -> bool:
    """Tell whether ``host`` is on the user's own network, without resolving it.

    Yes for a loopback, private (RFC 1918, IPv6 ULA) or link-local address as `ipaddress`
    classes them, for ``localhost``, a name without a dot (a container or a LAN host) and
    a name ending in one of `LOCAL_SUFFIXES`.
    """
    host = host.rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host or host.endswith(LOCAL_SUFFIXES)
    return address.is_loopback or address.is_private or address.is_link_local


def _url_error(url: str) -> str | None:
    """Return the form error for an API address: malformed, or http:// to a public host."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return "invalid_url"
    if not URL_PATTERN.fullmatch(url) or not parts.hostname:
        return "invalid_url"
    if parts.scheme == "http" and not _is_local_host(parts.hostname):
        return "insecure_url"  # the token or the client secret would travel unencrypted
    return None


def _check_url(user_input: Mapping[str, Any], errors: dict[str, str]) -> str | None:
    """Return the cleaned API address of a form (top level or its advanced section).

    A bad address (`_url_error`) adds an error; the default address is returned as None.
    """
    advanced = user_input.get(SECTION_ADVANCED) or {}
    url = _clean_url(user_input.get(CONF_BASE_URL) or advanced.get(CONF_BASE_URL))
    if url is not None and (error := _url_error(url)) is not None:
        errors["base" if CONF_BASE_URL not in user_input else CONF_BASE_URL] = error
    if url in (CONSO_API_URL, ENEDIS_PRODUCTION_URL):
        return None
    return url


def _check_tempo_url(user_input: Mapping[str, Any], errors: dict[str, str]) -> str | None:
    """Return the Tempo colours address of the advanced section (None: RTE's own)."""
    url = _clean_url((user_input.get(SECTION_ADVANCED) or {}).get(CONF_TEMPO_URL))
    if url is not None and (error := _url_error(url)) is not None:
        errors["base"] = error
    return None if url == RTE_TEMPO_URL else url


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
        current = {key: _clean_url(advanced.get(key)) for key in (CONF_BASE_URL, CONF_TEMPO_URL)}
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
            tempo_url = _check_tempo_url(user_input, errors)
            try:
                self._prms = token_prms(token)
            except InvalidTokenError:
                errors[CONF_TOKEN] = "invalid_token"
            if not errors:
                self._data = {CONF_SOURCE: SOURCE_CONSO, CONF_TOKEN: token}
                if base_url:
                    self._data[CONF_BASE_URL] = base_url
                if tempo_url:
                    self._data[CONF_TEMPO_URL] = tempo_url
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
            tempo_url = _check_tempo_url(user_input, errors)
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
                if tempo_url:
                    self._data[CONF_TEMPO_URL] = tempo_url
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
        """Change the token, the credentials or the API address of a meter."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            base_url = _check_url(user_input, errors)
            data = {
                **entry.data,
                **{k: v.strip() for k, v in user_input.items() if k != CONF_BASE_URL},
            }
            data.pop(CONF_BASE_URL, None)
            if base_url:
                data[CONF_BASE_URL] = base_url
            if not errors:
                result = await self._async_update_checked(entry, data, errors)
                if result is not None:
                    return result
        fields = self._credentials_fields(entry)
        current = entry.data.get(CONF_BASE_URL) or default_base_url(entry.data[CONF_SOURCE])
        fields[vol.Optional(CONF_BASE_URL, description={"suggested_value": current})] = _URL
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
        return self.async_update_reload_and_abort(entry, data=data)

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
    def _credentials_fields(entry: ConfigEntry) -> dict[Any, Any]:
        if entry.data[CONF_SOURCE] == SOURCE_ENEDIS:
            client_id = entry.data[CONF_CLIENT_ID]
            return {
                vol.Required(CONF_CLIENT_ID, description={"suggested_value": client_id}): _TEXT,
                vol.Required(CONF_CLIENT_SECRET): _PASSWORD,
            }
        return {vol.Required(CONF_TOKEN): _PASSWORD}
