"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme) for the values audit records hold.

:func:`canonical_json` serializes strings, integers, booleans, ``None``, finite floats, lists
(and tuples) and objects with string keys to the one byte string RFC 8785 defines for them:
no whitespace, object members sorted by the UTF-16 code units of their names, strings escaped
as ECMAScript's ``JSON.stringify`` does (only ``"``, ``\\`` and control characters; everything
else as UTF-8), numbers in ECMAScript's shortest round-trip form (``1e-7``, ``100``, ``1e+21``).

What it refuses (:class:`~medguard.errors.InvalidArgument`), because RFC 8785 has no form for it
or the value would not read back the same:

- floats that are not finite (NaN, infinities);
- integers that an IEEE-754 double does not hold and write back digit for digit (beyond
  2**53 only some do, such as 10**16), which a JSON reader holding numbers as doubles would
  round (RFC 8785 section 3.2.2.3; pass big numbers as strings);
- strings with lone surrogates (not valid UTF-8), non-string object keys, and any other type.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from medguard.errors import InvalidArgument

__all__ = ["MAX_SAFE_INTEGER", "canonical_json", "format_number"]

#: The largest integer an IEEE-754 double holds exactly (RFC 8785 section 3.2.2.3, I-JSON).
MAX_SAFE_INTEGER = 2**53 - 1

_escape: Callable[[str], str] = json.encoder.encode_basestring  # the C speed-up when present


def format_number(value: float) -> str:
    """``value`` as ECMAScript's Number-to-String writes it (RFC 8785 section 3.2.2.3)."""
    if not math.isfinite(value):
        raise InvalidArgument("canonical JSON has no form for NaN or infinity")
    if value == 0:
        return "0"  # also -0.0
    text = repr(value)
    if "e" not in text:  # repr's fixed notation is ECMAScript's too, bar a trailing ".0"
        return text[:-2] if text.endswith(".0") else text
    if value < 0:
        return "-" + format_number(-value)
    # Python's repr is the shortest string that round-trips, as ECMAScript requires; only the
    # layout differs. Split it into significant digits and a decimal exponent.
    mantissa, _, exp_text = text.partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _, fraction = mantissa.partition(".")
    raw = whole + fraction
    stripped = raw.lstrip("0")
    # value = 0.<digits> * 10**n (the "n" of ECMA-262 Number::toString)
    n = len(whole) + exponent - (len(raw) - len(stripped))
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits[0] if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(e)}"


def _utf16_key(name: str) -> list[int]:
    data = name.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def _int(value: int) -> str:
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return int.__repr__(value)
    text = int.__repr__(value)
    try:
        if format_number(float(value)) == text:  # a double holds it and writes it the same
            return text
    except OverflowError:
        pass
    raise InvalidArgument("canonical JSON refuses integers beyond 2**53 - 1 (pass them as strings)")


_NAMES: dict[str, str] = {}


def _name(key: str) -> str:
    """``"key":`` (cached: records repeat the same few field names)."""
    found = _NAMES.get(key)
    if found is None:
        if len(_NAMES) > 4096:
            _NAMES.clear()
        found = _NAMES[key] = _escape(key) + ":"
    return found


def _encode(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _escape(value)
    if kind is dict:
        keys = list(value)
        try:
            simple = "".join(keys).isascii()
        except TypeError:
            simple = False
        if simple:
            keys.sort()
        else:
            for key in keys:
                if not isinstance(key, str):
                    raise InvalidArgument("canonical JSON object keys must be strings")
            keys.sort(key=_utf16_key)  # RFC 8785: UTF-16 code units, not code points
        parts = []
        for key in keys:
            item = value[key]
            item_kind = type(item)
            if item_kind is str:
                parts.append(_name(key) + _escape(item))
            elif item_kind is int:
                parts.append(_name(key) + _int(item))
            else:
                parts.append(_name(key) + _encode(item))
        return "{" + ",".join(parts) + "}"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return _int(int(value))
    if isinstance(value, float):
        return format_number(float(value))
    if isinstance(value, str):
        return _escape(str(value))
    if isinstance(value, list | tuple):
        return "[" + ",".join([_encode(item) for item in value]) + "]"
    if isinstance(value, dict):
        return _encode(dict(value))
    raise InvalidArgument(
        f"canonical JSON cannot hold a {type(value).__name__} (use str, int, float, bool, "
        "None, list or dict)"
    )


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value``; see the module docstring for limits."""
    try:
        return _encode(value).encode("utf-8")
    except UnicodeEncodeError:
        message = "canonical JSON strings must be valid Unicode (no lone surrogates)"
        raise InvalidArgument(message) from None
