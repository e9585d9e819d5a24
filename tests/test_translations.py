"""strings.json is the source: en.json is an exact copy; fr.json has the same keys and
placeholders; every key the code uses exists."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

import pytest

from custom_components.linky.binary_sensor import OFF_PEAK_NOW
from custom_components.linky.comparison_sensor import COMPARISON_SENSORS
from custom_components.linky.sensor import (
    CLASS_COST_SENSORS,
    CLASS_SENSORS,
    COST_SENSORS,
    CURRENT_CLASS,
    CURRENT_PRICE,
    MAX_POWER_RATIO,
    SENSORS,
    TEMPO_SEASON_SENSORS,
    TEMPO_SENSORS,
    TOKEN_EXPIRY,
)

ROOT = Path(__file__).parent.parent / "custom_components" / "linky"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _flatten(data: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(data, dict):
        flat: dict[str, str] = {}
        for key, value in data.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): data}


STRINGS = _load(ROOT / "strings.json")
EN = _load(ROOT / "translations" / "en.json")
FR = _load(ROOT / "translations" / "fr.json")


def test_english_is_the_source() -> None:
    assert EN == STRINGS


def test_french_has_the_same_keys_and_placeholders() -> None:
    source, french = _flatten(STRINGS), _flatten(FR)
    assert sorted(french) == sorted(source)
    for key, text in source.items():
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(french[key])), key
        assert french[key].strip(), key


SAME_IN_FRENCH = {
    # Words French uses as they are (names, units, "production", "base", HP/HC).
    "common.statistic_production",
    "common.class_base",
    "common.class_short_base",
    "common.class_short_hp",
    "common.class_short_hc",
    "common.option_base",
    "common.option_hphc",
    "common.option_tempo",
    "common.per_kwh",
    "common.power_kva",
    "config.step.enedis.title",
    "entity.sensor.current_class.state.base",
    "entity.sensor.cheapest_option.state.base",
    "entity.sensor.cheapest_option.state.hphc",
    "entity.sensor.cheapest_option.state.tempo",
    "options.step.init.description",
    "options.step.init.menu_options.settings",
    "options.step.settings.title",
    "options.step.contract_base.title",
    "options.step.contract_tempo.title",
}


def test_every_text_is_translated_into_french() -> None:
    """A text left in English in fr.json (copied, not translated) fails, unless listed above."""
    source, french = _flatten(STRINGS), _flatten(FR)
    untranslated = {key for key, text in source.items() if french.get(key) == text}
    assert untranslated == SAME_IN_FRENCH


@pytest.mark.parametrize("text", list(_flatten(STRINGS).values()) + list(_flatten(FR).values()))
def test_texts_are_valid_format_strings(text: str) -> None:
    """Home Assistant formats them: no stray braces."""
    list(string.Formatter().parse(text))


def test_every_sensor_has_a_name_and_an_icon() -> None:
    icons = _load(ROOT / "icons.json")["entity"]["sensor"]
    names = STRINGS["entity"]["sensor"]
    every = (
        *SENSORS,
        TOKEN_EXPIRY,
        *CLASS_SENSORS.values(),
        CURRENT_CLASS,
        CURRENT_PRICE,
        *TEMPO_SENSORS,
        *TEMPO_SEASON_SENSORS,
        *COMPARISON_SENSORS,
        *COST_SENSORS,
        *CLASS_COST_SENSORS.values(),
        MAX_POWER_RATIO,
    )
    keys = {d.translation_key for d in every}
    assert keys == set(names)
    assert keys == set(icons)


def test_every_binary_sensor_has_a_name_and_an_icon() -> None:
    keys = {OFF_PEAK_NOW.translation_key}
    assert keys == set(STRINGS["entity"]["binary_sensor"])
    assert keys == set(_load(ROOT / "icons.json")["entity"]["binary_sensor"])


def test_config_flow_texts() -> None:
    """Every field of every step has a label and a description (sections too)."""
    for step_id, step in STRINGS["config"]["step"].items():
        data = step.get("data", {})
        assert set(data) == set(step.get("data_description", {})), step_id
        for section in step.get("sections", {}).values():
            assert set(section["data"]) == set(section["data_description"]), step_id
    errors = STRINGS["config"]["error"]
    for key in (
        "invalid_token",
        "invalid_auth",
        "invalid_client",
        "prm_not_in_token",
        "invalid_prm",
        "no_consent",
        "rate_limited",
        "blocked",
        "cannot_connect",
        "invalid_url",
        "unknown",
    ):
        assert key in errors
    assert {"auth_failed", "token_expired"} <= set(STRINGS["exceptions"])
    assert {"access_blocked", "access_ended", "access_ended_enedis", "token_expiring"} <= set(
        STRINGS["issues"]
    )
