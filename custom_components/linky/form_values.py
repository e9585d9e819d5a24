"""Numbers typed in the options forms: read with either decimal separator, range-checked (pure).

Home Assistant's number boxes drop a decimal comma ("0,1325" becomes 1325), so prices,
subscriptions and powers are text fields read here: "0,1325", "0.1325", " 0,1325 € " all
give 0.1325. Each kind of number has one plausible range, chosen so that a price typed in
cents (13.25) or per MWh (132.5), or a yearly subscription, is caught. The ranges of all the
forms are here and nowhere else.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

from .contract import CLASSES, TariffOption
from .regulated import POWERS_KVA
from .tariff import OffPeakHoursError, check_off_peak_hours

PRICE_RANGE: Final = (0.0, 1.5)
"""EUR per kWh, consumption and production alike: Tempo red HP is about 0.75, the highest
solar feed-in prices (2006-2010 contracts) about 0.6; 4 (cents) or 132.5 (per MWh) is caught."""
SUBSCRIPTION_RANGE: Final = (0.0, 100.0)
"""EUR per month: 36 kVA is about 53; a yearly amount (about 190 for 6 kVA) is caught."""

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_UNITS = re.compile(r"(€(/\s*kwh|/\s*mois|/\s*month)?|kva|eur)$", re.IGNORECASE)


class NumberKind(StrEnum):
    """What a typed number is; its error key when out of range."""

    PRICE = "invalid_price"
    SUBSCRIPTION = "invalid_subscription"
    POWER = "invalid_power"


INVALID_NUMBER: Final = "invalid_number"
REQUIRED: Final = "required_number"


def parse_number(value: Any) -> float:
    """Return a typed number ("0,1325" or "0.1325", spaces and a unit allowed); ValueError."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = _UNITS.sub("", _SPACES.sub("", str(value)))
        if not _NUMBER.match(text):
            raise ValueError("not a number")
        number = float(text.replace(",", "."))
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def in_range(kind: NumberKind, number: float) -> bool:
    """Whether a number is plausible for its kind."""
    match kind:
        case NumberKind.PRICE:
            low, high = PRICE_RANGE
        case NumberKind.SUBSCRIPTION:
            low, high = SUBSCRIPTION_RANGE
        case NumberKind.POWER:
            return number in POWERS_KVA
    return low <= number <= high


def read_numbers(
    user_input: Mapping[str, Any], fields: Mapping[str, NumberKind]
) -> tuple[dict[str, float], dict[str, str]]:
    """Read the typed numbers of a form: (values, errors by field, as translation keys)."""
    values: dict[str, float] = {}
    errors: dict[str, str] = {}
    for name, kind in fields.items():
        raw = user_input.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            errors[name] = REQUIRED
            continue
        try:
            number = parse_number(raw)
        except ValueError:
            errors[name] = INVALID_NUMBER
            continue
        if not in_range(kind, number):
            errors[name] = str(kind)
            continue
        values[name] = int(number) if kind is NumberKind.POWER else number
    return values, errors


def format_number(number: float, language: str) -> str:
    """Write a number as the user reads it: "0,1325" in French, "0.1325" in English."""
    text = f"{number:.4f}".rstrip("0").rstrip(".") if number % 1 else f"{int(number)}"
    return text.replace(".", ",") if language.startswith("fr") else text


def format_amount(number: float, language: str) -> str:
    """Write an amount in euros with two decimals ("15,59" in French)."""
    text = f"{number:.2f}"
    return text.replace(".", ",") if language.startswith("fr") else text


def off_peak_error(text: str) -> str | None:
    """Return the error key of typed off-peak ranges, None when plausible."""
    try:
        check_off_peak_hours(text)
    except OffPeakHoursError as err:
        return f"{err.problem}_off_peak_hours"
    return None


def contract_numbers(option: TariffOption) -> dict[str, NumberKind]:
    """Return the typed numbers of a contract form: its class prices and the subscription."""
    return dict.fromkeys(CLASSES[option], NumberKind.PRICE) | {
        "subscription": NumberKind.SUBSCRIPTION
    }


def off_peak_errors(option: TariffOption, user_input: dict[str, Any]) -> dict[str, str]:
    """Return the errors of a contract form's off-peak ranges, by field."""
    errors: dict[str, str] = {}
    if option is TariffOption.HPHC:
        for key in ("off_peak_hours", "summer_off_peak_hours"):
            text = str(user_input.get(key) or "").strip()
            if key == "off_peak_hours" and not text:
                errors[key] = "invalid_off_peak_hours"
            elif text and (error := off_peak_error(text)) is not None:
                errors[key] = error
    return errors
