"""Constants shared by several modules of the Linky integration."""

from typing import Final
from zoneinfo import ZoneInfo

DOMAIN: Final = "linky"
PARIS: Final = ZoneInfo("Europe/Paris")
