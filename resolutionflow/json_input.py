"""JSON that arrives in a request: an API body, a pasted or uploaded flow, a template's parameter schema.

Three things in such JSON would otherwise become a 500 further down:

- deep nesting: Python's json module recurses once per level, so `[` × 50,000 raises RecursionError.
  `loads` counts the nesting before parsing and refuses more than MAX_JSON_DEPTH levels;
- a NUL character (the escape `\\u0000`): PostgreSQL stores no NUL in text or jsonb, so it fails at the
  insert. The escape is found in the raw text (a raw NUL is invalid JSON anyway);
- NaN and Infinity, which Python accepts and PostgreSQL's jsonb does not, and numbers too large for a
  float (`1e400` would become infinity);
- a lone surrogate escape (`\\ud800` without its pair): Python keeps it in the string, PostgreSQL refuses it
  as text and as jsonb.

Each is an `InvalidJSON` with a message for the person who sent it; text that is not JSON at all raises
json.JSONDecodeError as json.loads does (both are ValueErrors). `JSONFormField` is Django's form field for
JSON (the admin's, for JSONField columns) reading through `loads`.
"""

import json
import math
import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput, JSONString

from resolutionflow.errors import InvalidJSON

# A \u0000 escape: an odd number of backslashes before "u0000" (an even number is an escaped backslash
# followed by the text "u0000").
NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def holds_nul(data: bytes) -> bool:
    """Does this raw JSON text hold a NUL character, raw or as a `\\u0000` escape?"""
    return b"\x00" in data or NUL_ESCAPE.search(data) is not None


def nesting_depth(text: str, limit: int) -> int:
    """How deeply the text's arrays and objects nest, counting no further than `limit` + 1."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def _refuse_constant(name: str):
    raise InvalidJSON(f"{name} is not a JSON number.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidJSON(f"The number {text[:40]} is too large.")
    return value


def _refuse_lone_surrogates(text: str, value: Any) -> None:
    """A surrogate can only come from an escape (UTF-8 text holds none), so most bodies skip the walk."""
    if _SURROGATE_ESCAPE.search(text) is None:
        return
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidJSON("The JSON holds a lone surrogate escape (such as \\ud800), which is not text.") from None


def loads(text: str | bytes) -> Any:
    """The value of `text`; InvalidJSON if it nests too deep or holds a NUL, NaN, an infinite number or a
    lone surrogate; JSONDecodeError if it is not JSON."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidJSON("The JSON is not UTF-8 text.") from None
    if holds_nul(text.encode("utf-8", "surrogatepass")):
        raise InvalidJSON("The JSON holds a NUL character (\\u0000), which cannot be stored.")
    limit = settings.MAX_JSON_DEPTH
    if nesting_depth(text, limit) > limit:
        raise InvalidJSON(f"The JSON nests arrays and objects more than {limit} levels deep.")
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:  # only if MAX_JSON_DEPTH is set above what the interpreter can parse
        raise InvalidJSON("The JSON nests arrays and objects too deeply.") from None
    _refuse_lone_surrogates(text, value)
    return value


class JSONFormField(forms.JSONField):
    """forms.JSONField that refuses, as a form error, what `loads` refuses (its decoder is not used)."""

    def to_python(self, value):
        if self.disabled or value in self.empty_values or not isinstance(value, str) or isinstance(value, JSONString):
            return super().to_python(value)
        try:
            converted = loads(value)
        except InvalidJSON as error:
            raise ValidationError(str(error), code="invalid") from None
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value}) from None
        return JSONString(converted) if isinstance(converted, str) else converted

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return loads(data)
        except ValueError:
            return InvalidJSONInput(data)
