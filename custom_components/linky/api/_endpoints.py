"""The kinds of data both APIs serve, with their names and per-request limits."""

from dataclasses import dataclass

from .const import MAX_DAYS_DAILY, MAX_DAYS_LOAD_CURVE


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One kind of data: 2026 name, old Conso API name, longest range a request may ask.

    ``v5``/``v5_params``: its name and extra query in Enedis's
    ``mesure_synchrone_auto/v1/metering_data`` paths (None: not served there).
    """

    name: str
    legacy: str | None
    max_days: int
    extra_params: tuple[tuple[str, str], ...] = ()
    v5: str | None = None
    v5_params: tuple[tuple[str, str], ...] = ()

    @property
    def direction(self) -> str:
        """Which PRM of a meter serves it: "production" or "consumption"."""
        return "production" if "production" in self.name else "consumption"


DAILY_CONSUMPTION = Endpoint(
    "consommation_quotidienne", "daily_consumption", MAX_DAYS_DAILY, v5="daily_consumption"
)
CONSUMPTION_LOAD_CURVE = Endpoint(
    "courbe_de_charge_consommation",
    "consumption_load_curve",
    MAX_DAYS_LOAD_CURVE,
    v5="consumption_load_curve",
)
MAX_POWER = Endpoint(
    "puissance_conso_max_quotidienne",
    "consumption_max_power",
    MAX_DAYS_DAILY,
    (("mesuresPas", "P1D"), ("grandeurPhysique", "PMA")),
    v5="daily_consumption_max_power",
    v5_params=(("measuring_period", "P1D"), ("grandeurPhysique", "PMA")),
)
DAILY_PRODUCTION = Endpoint(
    "production_quotidienne", "daily_production", MAX_DAYS_DAILY, v5="daily_production"
)
PRODUCTION_LOAD_CURVE = Endpoint(
    "courbe_de_charge_production",
    "production_load_curve",
    MAX_DAYS_LOAD_CURVE,
    v5="production_load_curve",
)
CONSUMPTION_INDEX = Endpoint("index_consommation", None, MAX_DAYS_DAILY)
PRODUCTION_INDEX = Endpoint("index_production", None, MAX_DAYS_DAILY)
