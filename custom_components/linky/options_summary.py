"""The options menu's summary of the periods, in the user's language (pure).

``texts`` are the integration's ``common`` translations for the language (keys without the
``component.linky.common.`` prefix); numbers are written as that language writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from .contract import is_regulated
from .form_values import format_amount, format_number
from .regulated import regulated_terms


def _text(texts: Mapping[str, str], key: str, **values: str) -> str:
    return texts.get(key, key).format(**values)


def _number(value: Any, language: str) -> str:
    """Write a stored number as the language writes it ("?" for a malformed one, shown as is)."""
    return format_number(value, language) if isinstance(value, int | float) else "?"


def _to_check(period: Mapping[str, Any], until: str | None) -> bool:
    """Whether a regulated period uses a grid whose figures are weakly sourced."""
    try:
        start = date.fromisoformat(str(period["start"]))
        end = date.fromisoformat(until) if until else None
        power = period.get("subscribed_power_kva")
        grids = regulated_terms(str(period["option"]), power, start, end)
    except KeyError, TypeError, ValueError:
        return False
    return any(terms.weak_source for terms in grids)


def _prices(period: Mapping[str, Any], texts: Mapping[str, str], language: str) -> list[str]:
    """Return the class prices and the subscription of a period with typed prices."""
    prices = ", ".join(
        f"{_text(texts, f'class_short_{name}')} {format_number(price, language)}"
        for name, price in period["prices"].items()
    )
    amount = format_amount(period.get("subscription") or 0, language)
    return [_text(texts, "per_kwh", prices=prices), _text(texts, "per_month", amount=amount)]


def contract_label(
    period: Mapping[str, Any], texts: Mapping[str, str], language: str, until: str | None = None
) -> str:
    """One contract period: start, option, prices (or "regulated"), power, off-peak hours.

    ``until``: the next period's start (a regulated period follows the grid until then), which
    says whether a grid it uses is one to check against the bill (`regulated.weak_source`).
    """
    parts = [str(period["start"]), _text(texts, f"option_{period['option']}")]
    if is_regulated(period):
        parts.append(
            _text(texts, "regulated_to_check" if _to_check(period, until) else "regulated")
        )
    else:
        parts += _prices(period, texts, language)
    if power := period.get("subscribed_power_kva"):
        parts.append(_text(texts, "power_kva", power=format_number(power, language)))
    if hours := period.get("off_peak_hours"):
        parts.append(_text(texts, "off_peak_hours", hours=hours))
    if summer := period.get("summer_off_peak_hours"):
        parts.append(_text(texts, "summer_off_peak_hours", hours=summer))
    return " · ".join(parts)


def contract_labels(
    periods: Sequence[Mapping[str, Any]], texts: Mapping[str, str], language: str
) -> list[str]:
    """Each contract period's label (by start date), knowing the next period's start."""
    starts = [str(period["start"]) for period in periods]
    return [
        contract_label(period, texts, language, until)
        for period, until in zip(periods, [*starts[1:], None], strict=False)
    ]


def tariff_label(period: Mapping[str, Any], texts: Mapping[str, str], language: str) -> str:
    """One production price period: start and prices."""
    if period.get("base") is not None:
        prices = _number(period["base"], language)
        return f"{period['start']} · {_text(texts, 'per_kwh', prices=prices)}"
    prices = " / ".join(_number(period.get(key), language) for key in ("peak", "off_peak"))
    hours = _text(texts, "off_peak_hours", hours=str(period.get("off_peak_hours")))
    return f"{period['start']} · {_text(texts, 'per_kwh', prices=prices)} · {hours}"


def summary(
    contract: Sequence[str], production: Sequence[str], unsaved: bool, texts: Mapping[str, str]
) -> str:
    """Return the menu's text: the contract, the production prices if any, and what is not saved."""
    if contract:
        lines = [_text(texts, "summary_contract"), *(f"- {label}" for label in contract)]
    else:
        lines = [_text(texts, "summary_no_contract")]
    if production:
        lines += ["", _text(texts, "summary_production"), *(f"- {label}" for label in production)]
    if unsaved:
        lines += ["", _text(texts, "summary_unsaved")]
    return "\n".join(lines)
