"""`EnedisApiHelper`: the clients' data as plain dicts keyed by date or datetime."""

from datetime import date, datetime, time, timezone

from .conso import AsyncLinkyClient
from .const import PARIS
from .enedis import EnedisDataConnectClient
from .models import MeteringData


def _moment_key(moment: date) -> datetime:
    """Return a fixed-offset local datetime, so the two autumn 02:30 stay distinct."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), PARIS)
    offset = moment.utcoffset()
    if offset is None:  # naive: taken as Paris time
        moment = moment.replace(tzinfo=PARIS)
        offset = moment.utcoffset()
    return moment.astimezone(timezone(offset)) if offset is not None else moment


def _day_key(moment: date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def _by_moment(data: MeteringData) -> dict[datetime, int]:
    return {_moment_key(reading.date): reading.value for reading in data.interval_reading}


def _by_day(data: MeteringData) -> dict[date, int]:
    return {_day_key(reading.date): reading.value for reading in data.interval_reading}


class EnedisApiHelper:
    """Reads data through either client and returns dicts; connects by itself when needed.

    Datetime keys carry a fixed UTC offset (e.g. +01:00), so they stay distinct across the
    autumn change; missing readings are absent from the dicts.
    """

    def __init__(self, client: AsyncLinkyClient | EnedisDataConnectClient) -> None:
        """Wrap a Conso API or an Enedis Data Connect client."""
        self._client = client

    @property
    def client(self) -> AsyncLinkyClient | EnedisDataConnectClient:
        """The wrapped client."""
        return self._client

    async def _ready(self) -> None:
        if isinstance(self._client, EnedisDataConnectClient) and not self._client.is_connected:
            await self._client.connect()

    async def get_max_daily_consumed_power(
        self, start: date | None = None, end: date | None = None
    ) -> dict[datetime, int]:
        """Highest apparent power of each day (VA), keyed by when it happened."""
        await self._ready()
        return _by_moment(await self._client.get_max_power(start, end))

    async def get_daily_consumption(
        self, start: date | None = None, end: date | None = None
    ) -> dict[date, int]:
        """Energy consumed per day (Wh), keyed by day."""
        await self._ready()
        return _by_day(await self._client.get_daily_consumption(start, end))

    async def get_consumption_load_curve(
        self, start: date | None = None, end: date | None = None
    ) -> dict[datetime, int]:
        """Average power consumed (W), keyed by the end of each interval."""
        await self._ready()
        return _by_moment(await self._client.get_consumption_load_curve(start, end))

    async def get_daily_production(
        self, start: date | None = None, end: date | None = None
    ) -> dict[date, int]:
        """Energy produced per day (Wh), keyed by day."""
        await self._ready()
        return _by_day(await self._client.get_daily_production(start, end))

    async def get_production_load_curve(
        self, start: date | None = None, end: date | None = None
    ) -> dict[datetime, int]:
        """Average power produced (W), keyed by the end of each interval."""
        await self._ready()
        return _by_moment(await self._client.get_production_load_curve(start, end))
