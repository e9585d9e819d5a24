"""Fake Conso API, Enedis Data Connect and RTE Tempo servers over a deterministic simulated meter.

Used by the tests (on 127.0.0.1) and by ``scripts/develop``. Imports nothing from Home Assistant.
"""

from ._http import LoggedRequest
from .conso import ConsoApiSimulator
from .demo import DEMO_PRM, demo_meter
from .enedis import EnedisSimulator
from .meter import PARIS, CurvePoint, Direction, MaxPowerReading, SimulatedMeter, day_bounds_utc
from .registers import MeterTariff
from .serving import KINDS, NEW_KINDS, OLD_KINDS, DataKind, EnedisError, serve
from .tempo import TempoSimulator, tempo_calendar

__all__ = [
    "DEMO_PRM",
    "KINDS",
    "NEW_KINDS",
    "OLD_KINDS",
    "PARIS",
    "ConsoApiSimulator",
    "CurvePoint",
    "DataKind",
    "Direction",
    "EnedisError",
    "EnedisSimulator",
    "LoggedRequest",
    "MaxPowerReading",
    "MeterTariff",
    "SimulatedMeter",
    "TempoSimulator",
    "day_bounds_utc",
    "demo_meter",
    "serve",
    "tempo_calendar",
]
