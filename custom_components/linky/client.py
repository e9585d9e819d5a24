"""The API client an entry's data describes, on Home Assistant's HTTP session and budget."""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import (
    CONSO_API_URL,
    ENEDIS_PRODUCTION_URL,
    AsyncLinkyClient,
    EnedisDataConnectClient,
    MeteringData,
)
from .budget import async_get_budget
from .const import CONF_BASE_URL, CONF_PRM, CONF_SOURCE, SOURCE_ENEDIS
from .kinds import KINDS, DataKind

type LinkyClient = AsyncLinkyClient | EnedisDataConnectClient


def default_base_url(source: str) -> str:
    """Return the API address used when the user did not set one."""
    return ENEDIS_PRODUCTION_URL if source == SOURCE_ENEDIS else CONSO_API_URL


def api_host(data: Mapping[str, Any]) -> str:
    """Return the API host an entry talks to (the request budget is kept per host)."""
    base_url = data.get(CONF_BASE_URL) or default_base_url(data[CONF_SOURCE])
    return urlsplit(base_url).netloc or base_url


async def async_create_client(hass: HomeAssistant, data: Mapping[str, Any]) -> LinkyClient:
    """Build the API client an entry's data describes, on Home Assistant's HTTP session."""
    session = async_get_clientsession(hass)
    source = data[CONF_SOURCE]
    base_url = data.get(CONF_BASE_URL) or default_base_url(source)
    gate = (await async_get_budget(hass, api_host(data))).gate
    if source == SOURCE_ENEDIS:
        return EnedisDataConnectClient(
            data[CONF_CLIENT_ID],
            data[CONF_CLIENT_SECRET],
            consumption_prm=data[CONF_PRM],
            production_prm=data[CONF_PRM],
            session=session,
            base_url=base_url,
            request_gate=gate,
        )
    return AsyncLinkyClient(
        data[CONF_TOKEN],
        prm=data.get(CONF_PRM),
        session=session,
        base_url=base_url,
        request_gate=gate,
    )


def token_expires_at(client: LinkyClient) -> datetime | None:
    """When the Conso API token expires (None for Enedis Data Connect, which renews its own)."""
    return client.token_expires_at if isinstance(client, AsyncLinkyClient) else None


async def async_get_data(
    client: LinkyClient, kind: DataKind, start: date, end: date
) -> MeteringData:
    """One kind of data over ``[start, end)``."""
    return await KINDS[kind].fetch(client, start, end)
