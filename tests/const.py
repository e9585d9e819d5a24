"""Constants shared by the tests: the fixture meters' PRMs and the integration tests' clock."""

from datetime import UTC, date, datetime

CONSUMPTION_PRM = "11111111111111"  # consumption and production
CONSUMPTION_ONLY_PRM = "22222222222222"  # consumption only (production: ADAM-ERR0069)
UNKNOWN_PRM = "99999999999999"  # in no meter list

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # 10:30 in Paris: yesterday is published
TODAY = date(2026, 11, 23)
