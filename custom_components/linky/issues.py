"""The repair issues a meter can raise: each says what happened and what the user can do."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from .api import LinkyError
from .const import CONF_PRM, CONF_SOURCE, DOMAIN, PARIS, SOURCE_ENEDIS
from .contract import ColourOf, Contract
from .contract_check import check_days, disagreement, format_energy, meter_off_peak
from .readings import MeterReadings
from .tariff import format_off_peak_hours

CONSO_SITE: Final = "https://conso.boris.sh"
ACCESS_BLOCKED: Final = "access_blocked"
ACCESS_ENDED: Final = "access_ended"
TOKEN_EXPIRING: Final = "token_expiring"
CONTRACT_MISMATCH: Final = "contract_mismatch"
ENTRY_ISSUES: Final = (ACCESS_BLOCKED, ACCESS_ENDED, TOKEN_EXPIRING, CONTRACT_MISMATCH)
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


def _create(
    hass: HomeAssistant,
    issue: str,
    entry: ConfigEntry,
    severity: ir.IssueSeverity,
    placeholders: dict[str, str],
    *,
    translation_key: str | None = None,
) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(issue, entry),
        is_fixable=False,
        is_persistent=False,
        severity=severity,
        translation_key=translation_key or issue,
        translation_placeholders={"title": entry.title, **placeholders},
    )


def delete_issue(hass: HomeAssistant, issue: str, entry: ConfigEntry) -> None:
    """Delete one of an entry's issues (nothing happens if it is not open)."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(issue, entry))


def delete_all_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete every issue of an entry (removed)."""
    for issue in ENTRY_ISSUES:
        delete_issue(hass, issue, entry)


def create_access_blocked(hass: HomeAssistant, entry: ConfigEntry, host: str) -> None:
    """Tell that the API host banned this address (HTML 403): polling stopped until reload."""
    _create(hass, ACCESS_BLOCKED, entry, ir.IssueSeverity.ERROR, {"host": host})


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
    hass: HomeAssistant, entry: ConfigEntry, expires: datetime | None, warning: timedelta
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
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue,
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=TEMPO_UNAVAILABLE,
        translation_placeholders={
            "sources": sources,
            "since": outage.since.astimezone(PARIS).strftime("%Y-%m-%d %H:%M"),
        },
    )
