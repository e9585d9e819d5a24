"""Constants of the Linky data clients."""

from typing import Final
from zoneinfo import ZoneInfo

PARIS: Final = ZoneInfo("Europe/Paris")

CONSO_API_URL: Final = "https://conso.boris.sh/api"
ENEDIS_PRODUCTION_URL: Final = "https://gw.ext.prod.api.enedis.fr"
ENEDIS_SANDBOX_URL: Final = "https://gw.ext.prod-sandbox.api.enedis.fr"

DEFAULT_USER_AGENT: Final = (
    "linky-home-assistant/0.1.0 (+https://github.com/linky-home-assistant/linky)"
)
DEFAULT_TIMEOUT: Final = 30.0

MIN_REQUEST_INTERVAL: Final = 0.25
"""Seconds between two requests of one client: under 5 requests per second."""

MAX_DAYS_LOAD_CURVE: Final = 7
MAX_DAYS_DAILY: Final = 365

NOT_OFFERED: Final = "not_offered"
"""Code of the `BadRequestError` a client raises when the server has no path for a kind of
data (registers from a Conso API without the 2026 types, or from Enedis's v1 family)."""
