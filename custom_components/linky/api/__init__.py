"""Async client library for Linky meter data (Conso API, Enedis Data Connect) and Tempo colours.

Imports nothing from Home Assistant nor from the integration around it, so it can be published
on its own (`pyproject.toml` here describes the `linky-client` distribution).
"""

from ._client import BaseClient
from ._transport import RequestGate
from .conso import AsyncLinkyClient, LinkyClient, token_expiry, token_prms
from .const import CONSO_API_URL, ENEDIS_PRODUCTION_URL, ENEDIS_SANDBOX_URL, NOT_OFFERED
from .enedis import DataPaths, EnedisDataConnectClient, TokenData
from .exceptions import (
    AccessBlockedError,
    AccessDeniedError,
    AuthenticationError,
    BadRequestError,
    InvalidAccess,
    InvalidTokenError,
    LinkyConnectionError,
    LinkyError,
    NoDataError,
    PRMAccessError,
    RateLimitError,
    ServerError,
    UpstreamError,
)
from .helper import EnedisApiHelper
from .models import ClassRegister, ContractSituation, IntervalReading, MeteringData, ReadingType
from .tempo import (
    COULEUR_TEMPO_URL,
    RTE_TEMPO_URL,
    CouleurTempoClient,
    TempoClient,
    TempoColour,
    tempo_season,
)

__version__ = "0.1.0"

__all__ = [
    "CONSO_API_URL",
    "COULEUR_TEMPO_URL",
    "ENEDIS_PRODUCTION_URL",
    "ENEDIS_SANDBOX_URL",
    "NOT_OFFERED",
    "RTE_TEMPO_URL",
    "AccessBlockedError",
    "AccessDeniedError",
    "AsyncLinkyClient",
    "AuthenticationError",
    "BadRequestError",
    "BaseClient",
    "ClassRegister",
    "ContractSituation",
    "CouleurTempoClient",
    "DataPaths",
    "EnedisApiHelper",
    "EnedisDataConnectClient",
    "IntervalReading",
    "InvalidAccess",
    "InvalidTokenError",
    "LinkyClient",
    "LinkyConnectionError",
    "LinkyError",
    "MeteringData",
    "NoDataError",
    "PRMAccessError",
    "RateLimitError",
    "ReadingType",
    "RequestGate",
    "ServerError",
    "TempoClient",
    "TempoColour",
    "TokenData",
    "UpstreamError",
    "tempo_season",
    "token_expiry",
    "token_prms",
]
