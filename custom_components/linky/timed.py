"""Entities whose state changes with the clock: written again at the instant they name."""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime
from typing import override

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .entity import LinkyEntity


class LinkyTimedEntity(LinkyEntity):
    """An entity computed from the contract, the Tempo colours and the clock, not the meter.

    Its state is written at each instant `next_change` returns (one timer at a time,
    cancelled on removal), besides the coordinator's updates (a colour became known).
    """

    _unsub_change: CALLBACK_TYPE | None = None

    @abstractmethod
    def next_change(self, now: datetime) -> datetime:
        """Return the next instant after ``now`` at which the state may change (aware)."""

    @property
    @override
    def available(self) -> bool:
        """Always: neither Enedis nor the meter's data are needed."""
        return True

    @override
    async def async_added_to_hass(self) -> None:
        """Plan the first change; cancel the timer on removal."""
        await super().async_added_to_hass()
        self._plan(dt_util.utcnow())
        self.async_on_remove(self._cancel)

    @callback
    def _plan(self, now: datetime) -> None:
        self._unsub_change = async_track_point_in_utc_time(
            self.hass, self._changed, self.next_change(now)
        )

    @callback
    def _changed(self, now: datetime) -> None:
        self._unsub_change = None
        self.async_write_ha_state()
        self._plan(now)

    @callback
    def _cancel(self) -> None:
        if self._unsub_change is not None:
            self._unsub_change()
            self._unsub_change = None
