"""Where one meter's readings are kept: the Store, its version and the migration to it.

With the readings and the poll state, the store keeps which family of metering paths an
Enedis Data Connect application answered on (``data_paths``), so that a restart loses no
request finding it again.
"""

from collections.abc import Callable
from contextlib import suppress
from typing import Any, Final, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .api import DataPaths, EnedisDataConnectClient
from .client import LinkyClient
from .const import DOMAIN
from .readings import STORE_FORMAT, MeterReadings

STORAGE_VERSION: Final = 2
"""2: the readings are in the compact format (`readings.STORE_FORMAT`). Version 1 held either
format, so a release that reads only points would misread a compact file; it now refuses it."""
DATA_PATHS: Final = "data_paths"


def _compact(readings: dict[str, Any]) -> dict[str, Any]:
    return MeterReadings.from_dict(readings).to_dict()


class ReadingsStore(Store[dict[str, Any]]):
    """One meter's stored readings and poll state; migrates a version 1 file when loading."""

    def __init__(self, hass: HomeAssistant, entry_id: str, client: LinkyClient) -> None:
        """Open the store of the entry ``entry_id``, whose API client is ``client``."""
        super().__init__(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}", private=True)
        self._client = client

    @override
    async def async_load(self) -> dict[str, Any] | None:
        """Load; give an Enedis client the family of paths stored."""
        stored = await super().async_load()
        family = stored.get(DATA_PATHS) if stored else None
        if isinstance(self._client, EnedisDataConnectClient) and isinstance(family, str):
            with suppress(ValueError):  # not a family this release knows
                self._client.data_paths = DataPaths(family)
        return stored

    @override
    @callback
    def async_delay_save(self, data_func: Callable[[], dict[str, Any]], delay: float = 0) -> None:
        """Save after ``delay`` seconds, with the Enedis client's family of paths."""
        super().async_delay_save(lambda: self._with_paths(data_func()), delay)

    @override
    async def async_save(self, data: dict[str, Any]) -> None:
        """Save now, with the Enedis client's family of paths."""
        await super().async_save(self._with_paths(data))

    def _with_paths(self, data: dict[str, Any]) -> dict[str, Any]:
        if isinstance(self._client, EnedisDataConnectClient) and self._client.data_paths:
            return {**data, DATA_PATHS: self._client.data_paths.value}
        return data

    @override
    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        """Bring version 1 readings (points, or already compact) to the compact format."""
        if old_major_version != 1:
            raise NotImplementedError
        readings = old_data.get("readings") or {}
        if readings.get("format", 1) < STORE_FORMAT:
            readings = await self.hass.async_add_executor_job(_compact, readings)
        return {**old_data, "readings": readings}
