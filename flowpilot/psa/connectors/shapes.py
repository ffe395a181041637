"""Reading a PSA's JSON as untrusted input: each accessor checks the type it expects and raises
`PsaBadResponse` otherwise, and every text is cleaned of control characters and capped."""

from __future__ import annotations

import math
import re
from typing import Any

from .base import PsaBadResponse, PsaNotFound

SUMMARY_LIMIT = 500
DESCRIPTION_LIMIT = 20_000
NAME_LIMIT = 200
NUMBER_LIMIT = 64
NOTE_SEARCH_LIMIT = 200_000
NUMBER_MAX = 1e15  # larger counts, hours or ids are not a PSA's answer

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]{1,18}")


def clip(value: str, limit: int) -> str:
    """`value` without control characters (newlines and tabs kept), at most `limit` characters."""
    cleaned = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    if len(cleaned) <= limit:
        return cleaned
    return cleaned[: limit - 1].rstrip() + "…"


def as_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PsaBadResponse(f"Expected an object for {what}, got {type(value).__name__}.")
    return value


def as_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise PsaBadResponse(f"Expected a list for {what}, got {type(value).__name__}.")
    return value


def text(obj: dict[str, Any], key: str, what: str, *, limit: int = NAME_LIMIT) -> str:
    """A string field (missing or null reads as empty)."""
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PsaBadResponse(f"Expected text for {what}.{key}.")
    return clip(str(value), limit)


def nested_text(obj: dict[str, Any], key: str, inner: str, what: str, *, limit: int = NAME_LIMIT) -> str:
    """`obj[key][inner]` as text, e.g. a ConnectWise reference `{"company": {"name": ...}}`."""
    value = obj.get(key)
    if value is None:
        return ""
    return text(as_object(value, f"{what}.{key}"), inner, f"{what}.{key}", limit=limit)


def identifier(obj: dict[str, Any], key: str, what: str) -> str:
    """A required numeric id (a JSON integer or a string of digits) as a string."""
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**18:
        return str(value)
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return value
    raise PsaBadResponse(f"Expected a numeric id in {what}.{key}.")


def flag(obj: dict[str, Any], key: str, what: str) -> bool:
    value = obj.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise PsaBadResponse(f"Expected true or false for {what}.{key}.")
    return value


def number(obj: dict[str, Any], key: str, what: str) -> float:
    """A finite number within ±NUMBER_MAX (JSON's 1e999, Infinity and NaN parse in Python: refused here)."""
    value = obj.get(key)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PsaBadResponse(f"Expected a number for {what}.{key}.")
    if isinstance(value, int):
        if abs(value) > NUMBER_MAX:
            raise PsaBadResponse(f"Expected a number within ±{NUMBER_MAX:g} for {what}.{key}.")
        return float(value)
    if not math.isfinite(value) or abs(value) > NUMBER_MAX:
        raise PsaBadResponse(f"Expected a finite number within ±{NUMBER_MAX:g} for {what}.{key}.")
    return value


def is_digits(value: str) -> bool:
    """Whether `value` is 1 to 18 ASCII digits, nothing else (an id that fits a PSA's 64-bit integer)."""
    return _DIGITS.fullmatch(value) is not None


def numeric_id(value: str, what: str) -> int:
    """An id typed or stored on our side, as the integer a PSA URL or body needs (not digits: not found)."""
    cleaned = (value or "").strip().lstrip("#")
    if not _DIGITS.fullmatch(cleaned):
        raise PsaNotFound(f"{what} {clip(value or '', 40)!r} is not a number.")
    return int(cleaned)


def with_marker(body: str, marker: str, *, limit: int | None = None) -> str:
    """`body` with `marker` on its own last line; when `limit` is set the body is cut so the marker survives."""
    if not marker or not marker.strip():
        raise ValueError("Every write carries a non-empty marker.")
    suffix = f"\n\n{marker}"
    if limit is not None and len(body) + len(suffix) > limit:
        body = body[: max(limit - len(suffix) - 1, 0)].rstrip() + "…"
    return f"{body}{suffix}"
