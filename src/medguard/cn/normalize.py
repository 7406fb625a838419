"""Normalization shared by every identifier: full-width to half-width, separators, +86.

Hospital systems and forms hand us ``１１０１０５…``, ``138 0013 8000``, ``138-0013-8000``,
``+86 13800138000`` or ``0086-138…``. Every validator normalizes first, with these functions.
"""

from __future__ import annotations

import re

__all__ = [
    "compact",
    "strip_country_code",
    "to_halfwidth",
]

# Full-width ASCII variants U+FF01..U+FF5E map to U+0021..U+007E; the ideographic space to space.
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20
# Dash-like characters people type between digit groups.
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"
_SEPARATORS = re.compile(rf"[\s{_DASHES}]+")
_COUNTRY_CODE = re.compile(r"^(?:\+86|0086)(?=\d{11}$)")


def to_halfwidth(value: str) -> str:
    """Map full-width letters, digits and punctuation (and U+3000) to their ASCII forms."""
    return value.translate(_HALFWIDTH)


def compact(value: str) -> str:
    """Half-width, upper-case, with spaces and dashes removed: the canonical form of an ID."""
    return _SEPARATORS.sub("", to_halfwidth(value)).upper()


def strip_country_code(value: str) -> str:
    """Remove a leading +86 or 0086 from an already compacted mobile number."""
    return _COUNTRY_CODE.sub("", value)
