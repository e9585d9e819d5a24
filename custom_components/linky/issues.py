"""The repair issues a meter can raise: each says what happened and what the user can do."""

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .api import LinkyError, UpstreamError
from .client import api_host
from .comparison import grid_out_of_date
from .const import CONF_PRM, CONF_SOURCE, DOMAIN, PARIS, SOURCE_ENEDIS
from .contract import ColourOf, Contract
from .contract_check import check_days, disagreement, format_energy, meter_off_peak
from .kinds import DIRECTIONS, Direction
from .readings import MeterReadings
from .regulated import GRIDS
from .tariff import format_off_peak_hours

_LOGGER = logging.getLogger(__name__)

CONSO_SITE: Final = "https://conso.boris.sh"
CONSO_ISSUES: Final = "https://github.com/bokub/conso-api/issues"
ACCESS_BLOCKED: Final = "access_blocked"
ACCESS_ENDED: Final = "access_ended"
TOKEN_EXPIRING: Final = "token_expiring"
CONTRACT_MISMATCH: Final = "contract_mismatch"
SERVICE_FAILING: Final = "service_failing"
REGULATED_OUT_OF_DATE: Final = "regulated_out_of_date"
"""One issue for the whole integration: the built-in regulated grid misses a price change."""
TOKEN_WARNING: Final = timedelta(days=30)
"""A repair issue warns this long before the Conso API token expires."""
UPSTREAM_ISSUE_AFTER: Final = timedelta(hours=24)
"""A repair issue says the API fails on its side once it has done so this long."""
INVALID_PRICES: Final = {direction: f"invalid_prices_{direction}" for direction in DIRECTIONS}
ENTRY_ISSUES: Final = (
    ACCESS_ENDED,
    TOKEN_EXPIRING,
    CONTRACT_MISMATCH,
    SERVICE_FAILING,
    *INVALID_PRICES.values(),
)
TEMPO_UNAVAILABLE: Final = "tempo_unavailable"
TEMPO_UNAVAILABLE_AFTER: Final = timedelta(days=1)
"""How long both colour sources may fail before a repair issue says so (a day's retries)."""


@dataclass(frozen=True, slots=True)
class TempoOutage:
    """Both Tempo colour sources failing: since when (UTC), and each one's (url, error)."""

    since: datetime
    sources: tuple[tuple[str, str], ...]


def issue_id(issue: str, entry: ConfigEntry) -> str:
    """Return the id of one of an entry's issues."""
    return f"{issue}_{entry.entry_id}"


def _raise(
    hass: HomeAssistant,
    issue: str,
    translation_key: str,
    severity: ir.IssueSeverity,
    placeholders: dict[str, str],
) -> None:
    """Create or update issue ``issue``: a message only (not fixable), not kept over restarts."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue,
        is_fixable=False,
        is_persistent=False,
        severity=severity,
        translation_key=translation_key,
        translation_placeholders=placeholders,
    )


def _create(
    hass: HomeAssistant,
    issue: str,
    entry: ConfigEntry,
    severity: ir.IssueSeverity,
    placeholders: dict[str, str],
    *,
    translation_key: str | None = None,
) -> None:
    placeholders = {"title": entry.title, **placeholders}
    _raise(hass, issue_id(issue, entry), translation_key or issue, severity, placeholders)


def delete_issue(hass: HomeAssistant, issue: str, entry: ConfigEntry) -> None:
    """Delete one of an entry's issues (nothing happens if it is not open)."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(issue, entry))


def delete_all_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete every issue of an entry (removed)."""
    for issue in ENTRY_ISSUES:
        delete_issue(hass, issue, entry)


def access_blocked_id(host: str) -> str:
    """Return the id of a host's ban issue (one per host: every meter using it stops)."""
    return f"{ACCESS_BLOCKED}_{host}"


def create_access_blocked(hass: HomeAssistant, entry: ConfigEntry, host: str) -> None:
    """Tell that the API host banned this address (HTML 403): polling stopped until reload.

    ``entry`` is the meter whose request was refused; the issue is the host's.
    """
    placeholders = {"title": entry.title, "host": host}
    _raise(hass, access_blocked_id(host), ACCESS_BLOCKED, ir.IssueSeverity.ERROR, placeholders)


def delete_access_blocked(hass: HomeAssistant, host: str) -> None:
    """Delete a host's ban issue (nothing happens if it is not open)."""
    ir.async_delete_issue(hass, DOMAIN, access_blocked_id(host))


def create_access_ended(hass: HomeAssistant, entry: ConfigEntry, err: LinkyError) -> None:
    """Tell that access ended (consent withdrawn or expired, not the holder): a new token."""
    enedis = entry.data[CONF_SOURCE] == SOURCE_ENEDIS
    _create(
        hass,
        ACCESS_ENDED,
        entry,
        ir.IssueSeverity.ERROR,
        {"prm": entry.data[CONF_PRM], "code": err.code or str(err.status)},
        translation_key="access_ended_enedis" if enedis else None,
    )


def update_token_expiry(
    hass: HomeAssistant,
    entry: ConfigEntry,
    expires: datetime | None,
    warning: timedelta = TOKEN_WARNING,
) -> bool:
    """Warn ``warning`` before a Conso API token expires (with the date); True once it has."""
    now = dt_util.utcnow()
    if expires is None or expires <= now or expires - now > warning:
        delete_issue(hass, TOKEN_EXPIRING, entry)
        return expires is not None and expires <= now
    _create(
        hass,
        TOKEN_EXPIRING,
        entry,
        ir.IssueSeverity.WARNING,
        {"date": expires.astimezone(PARIS).date().isoformat(), "url": CONSO_SITE},
    )
    return False


def update_contract_mismatch(
    hass: HomeAssistant,
    entry: ConfigEntry,
    readings: MeterReadings,
    contract: Contract,
    colour_of: ColourOf,
) -> None:
    """Tell when the meter's class registers disagree with the contract on several days.

    The issue gives the days, both splits of the latest one, and the off-peak ranges that
    explain the meter's counts when a search finds them; it goes once they agree.
    """
    wrong = disagreement(check_days(readings, contract, colour_of))
    if not wrong:
        delete_issue(hass, CONTRACT_MISMATCH, entry)
        return
    placeholders = {
        "days": ", ".join(check.day.isoformat() for check in wrong),
        "meter": format_energy(wrong[-1].meter),
        "contract": format_energy(wrong[-1].contract),
    }
    ranges = meter_off_peak(readings, wrong)
    if ranges is not None:
        placeholders["ranges"] = format_off_peak_hours(ranges)
    _create(
        hass,
        CONTRACT_MISMATCH,
        entry,
        ir.IssueSeverity.WARNING,
        placeholders,
        translation_key=f"{CONTRACT_MISMATCH}_ranges" if ranges else None,
    )


class UpstreamWatch:
    """Follows an entry's polls for failures on the API's side (`UpstreamError`).

    Such a failure (Enedis's 401 to the Conso API's own token, the gateway's 404) is not about
    the user's token or data: it is logged once, a repair issue opens once it has lasted
    `UPSTREAM_ISSUE_AFTER`, and both end with the next poll that does not fail.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, name: str) -> None:
        """Watch for `entry` (`name` starts the log lines)."""
        self._hass = hass
        self._entry = entry
        self._name = name
        self.since: datetime | None = None
        """When the API began failing on its side, None when it does not."""

    def update(self, failure: LinkyError | None) -> bool:
        """Take a poll's outcome; True when it failed on the API's side (logged here)."""
        if not isinstance(failure, UpstreamError):
            if failure is None and self.since is not None:
                self.since = None
                delete_issue(self._hass, SERVICE_FAILING, self._entry)
                _LOGGER.info("%s: the API works again", self._name)
            return False
        now = dt_util.utcnow()
        if self.since is None:
            self.since = now
            _LOGGER.warning(
                "%s: the API failed on its side (%s); this is not about the token or the "
                "meter's data: asked again later, no day is marked missing",
                self._name,
                failure,
            )
        elif now - self.since >= UPSTREAM_ISSUE_AFTER:
            placeholders = {
                "host": api_host(self._entry.data),
                "since": self.since.astimezone(PARIS).strftime("%Y-%m-%d %H:%M"),
                "error": failure.message,
                "url": CONSO_ISSUES,
            }
            _create(
                self._hass, SERVICE_FAILING, self._entry, ir.IssueSeverity.WARNING, placeholders
            )
        return True


def update_invalid_prices(
    hass: HomeAssistant, entry: ConfigEntry, problems: Mapping[Direction, str]
) -> None:
    """Tell which direction's stored prices are invalid (left unpriced); close the others."""
    for direction, issue in INVALID_PRICES.items():
        if (problem := problems.get(direction)) is None:
            delete_issue(hass, issue, entry)
        else:
            _create(hass, issue, entry, ir.IssueSeverity.WARNING, {"error": problem})


def update_tempo_unavailable(hass: HomeAssistant, key: str, outage: TempoOutage | None) -> None:
    """Tell when no colour source has answered for a day (costs wait); close once one does.

    One issue per pair of sources (``key``, see `tempo_colours.source_key`), shared by the
    entries that use it.
    """
    issue = f"{TEMPO_UNAVAILABLE}_{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    if outage is None or dt_util.utcnow() - outage.since < TEMPO_UNAVAILABLE_AFTER:
        ir.async_delete_issue(hass, DOMAIN, issue)
        return
    sources = ", ".join(
        f"{urlsplit(url).hostname or url} ({error})" for url, error in outage.sources
    )
    since = outage.since.astimezone(PARIS).strftime("%Y-%m-%d %H:%M")
    placeholders = {"sources": sources, "since": since}
    _raise(hass, issue, TEMPO_UNAVAILABLE, ir.IssueSeverity.WARNING, placeholders)


def update_regulated_out_of_date(hass: HomeAssistant, today: date) -> None:
    """Say when the built-in regulated grid misses the latest 1 February / 1 August change."""
    if (change := grid_out_of_date(today)) is None:
        ir.async_delete_issue(hass, DOMAIN, REGULATED_OUT_OF_DATE)
        return
    placeholders = {"grid": GRIDS[-1].start.isoformat(), "change": change.isoformat()}
    _raise(
        hass, REGULATED_OUT_OF_DATE, REGULATED_OUT_OF_DATE, ir.IssueSeverity.WARNING, placeholders
    )
