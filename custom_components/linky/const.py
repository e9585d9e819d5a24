"""Constants shared by several modules of the Linky integration."""

from typing import Final
from zoneinfo import ZoneInfo

from .api import NOT_OFFERED

DOMAIN: Final = "linky"
PARIS: Final = ZoneInfo("Europe/Paris")

# entry.data
CONF_SOURCE: Final = "source"
CONF_PRM: Final = "prm"
CONF_BASE_URL: Final = "base_url"
CONF_TEMPO_URL: Final = "tempo_url"
"""Where Tempo day colours are read (default: RTE's open data)."""
CONF_TEMPO_FALLBACK_URL: Final = "tempo_fallback_url"
"""Where Tempo day colours are read when RTE fails (default: api-couleur-tempo.fr)."""
CONF_POLL_OFFSET: Final = "poll_offset"
"""Minutes after 06:00 (Europe/Paris) of the daily update, 0-239, chosen once per entry."""

UNSUPPORTED_CODES: Final = frozenset({"ADAM-ERR0069", NOT_OFFERED})
"""Refusals meaning a data kind does not exist for the meter (production of a consumer) or
the server (registers from a server without them): not asked again until reload."""
ACTIVATION_CODE: Final = "ADAM-ERR0123"
"""Enedis's refusal of a range starting before the meter's (last) activation."""
HISTORY_LIMIT_CODES: Final = frozenset({ACTIVATION_CODE, "ADAM-ERR0125"})
"""API refusals of a range starting before the meter's activation or the history kept."""

SOURCE_CONSO: Final = "conso"
SOURCE_ENEDIS: Final = "enedis"

# entry.options
CONF_PRODUCTION: Final = "production"
CONF_TARIFFS: Final = "tariffs"
CONF_CONTRACT: Final = "contract"
