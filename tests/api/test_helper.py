"""EnedisApiHelper over both clients."""

from datetime import UTC, date, datetime, timedelta

import pytest

from custom_components.linky.api import (
    AsyncLinkyClient,
    EnedisApiHelper,
    EnedisDataConnectClient,
    InvalidAccess,
)
from linky_simulator import ConsoApiSimulator, EnedisSimulator, SimulatedMeter

from .conftest import CONSUMPTION_PRM

AUTUMN = date(2026, 10, 25)


async def test_helper_over_the_conso_api(
    conso: ConsoApiSimulator, token: str, meter: SimulatedMeter
) -> None:
    async with AsyncLinkyClient(token, base_url=conso.base_url) as client:
        helper = EnedisApiHelper(client)
        daily = await helper.get_daily_consumption(AUTUMN, AUTUMN + timedelta(days=2))
        curve = await helper.get_consumption_load_curve(AUTUMN, AUTUMN + timedelta(days=1))
        power = await helper.get_max_daily_consumed_power(AUTUMN, AUTUMN + timedelta(days=1))
        produced = await helper.get_daily_production(date(2026, 6, 21), date(2026, 6, 22))
        solar = await helper.get_production_load_curve(date(2026, 6, 21), date(2026, 6, 22))

    assert helper.client is client
    assert daily == {
        AUTUMN: meter.daily_wh("consumption", AUTUMN),
        AUTUMN + timedelta(days=1): meter.daily_wh("consumption", AUTUMN + timedelta(days=1)),
    }
    truth = meter.curve("consumption", AUTUMN)
    assert len(curve) == 50  # the two 02:00 and 02:30 are distinct keys
    assert {key.astimezone(UTC): value for key, value in curve.items()} == {
        p.end: p.watts for p in truth
    }
    offsets = {key.utcoffset() for key in curve}
    assert offsets == {timedelta(hours=2), timedelta(hours=1)}
    assert all(key.tzinfo is not None and key.fold == 0 for key in curve)
    max_power = meter.max_power(AUTUMN)
    assert power == {max_power.at.replace(microsecond=0): max_power.va}
    assert produced == {date(2026, 6, 21): meter.daily_wh("production", date(2026, 6, 21))}
    assert {key.astimezone(UTC): v for key, v in solar.items()} == {
        p.end: p.watts for p in meter.curve("production", date(2026, 6, 21))
    }


async def test_helper_connects_the_enedis_client_by_itself(
    enedis: EnedisSimulator, meter: SimulatedMeter
) -> None:
    client = EnedisDataConnectClient(
        enedis.client_id,
        enedis.client_secret,
        consumption_prm=CONSUMPTION_PRM,
        production_prm=CONSUMPTION_PRM,
        base_url=enedis.base_url,
    )
    helper = EnedisApiHelper(client)
    assert client.token_data is None

    daily = await helper.get_daily_consumption(date(2026, 10, 1), date(2026, 10, 3))

    assert client.is_connected
    assert daily == {
        date(2026, 10, 1): meter.daily_wh("consumption", date(2026, 10, 1)),
        date(2026, 10, 2): meter.daily_wh("consumption", date(2026, 10, 2)),
    }
    power = await helper.get_max_daily_consumed_power(date(2026, 10, 1), date(2026, 10, 2))
    assert list(power.values()) == [meter.max_power(date(2026, 10, 1)).va]
    await client.close()
    assert client.token_data is None
    # After close, the helper connects again.
    curve = await helper.get_consumption_load_curve(date(2026, 10, 1), date(2026, 10, 2))
    assert len(curve) == 48
    assert enedis.count("token") == 2
    await client.close()


async def test_helper_reports_refused_credentials(enedis: EnedisSimulator) -> None:
    client = EnedisDataConnectClient(
        enedis.client_id, "bad", consumption_prm=CONSUMPTION_PRM, base_url=enedis.base_url
    )
    with pytest.raises(InvalidAccess):
        await EnedisApiHelper(client).get_daily_consumption(date(2026, 10, 1), date(2026, 10, 2))
    await client.close()


def test_keys_of_dates_and_naive_datetimes() -> None:
    from custom_components.linky.api.helper import _moment_key

    key = _moment_key(date(2026, 10, 25))
    assert key == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    assert key.utcoffset() == timedelta(hours=2)
    naive = _moment_key(datetime(2026, 1, 5, 12, 0))  # naive: taken as Paris time
    assert naive.utcoffset() == timedelta(hours=1)
    assert naive == datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
