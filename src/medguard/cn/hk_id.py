"""Hong Kong identity card numbers: one or two letters, six digits, a check digit or ``A``.

The check (mod 11) weighs the characters 9..2 (a single-letter number is padded with a space
worth 36; letters are worth A=10 .. Z=35); the check digit is ``(11 - sum mod 11) mod 11``, with
10 written ``A``. Usually written ``A123456(3)``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from medguard.cn._validity import parses
from medguard.cn.normalize import compact
from medguard.errors import InvalidIdentifier

__all__ = ["HKID", "check_digit", "generate", "is_valid", "normalize", "parse"]

_KIND = "hk_id"
_FORMAT = re.compile(r"^([A-Z]{1,2})(\d{6})\(?([0-9A])\)?$")


@dataclass(frozen=True)
class HKID:
    """A parsed HKID (number kept out of ``repr``)."""

    number: str = field(repr=False)
    prefix: str
    check: str


def normalize(value: str) -> str:
    """Compact upper-case form with the check in parentheses: ``A123456(3)``."""
    text = compact(value).replace("（", "(").replace("）", ")")
    m = _FORMAT.match(text)
    return f"{m.group(1)}{m.group(2)}({m.group(3)})" if m else text


def check_digit(prefix: str, digits: str) -> str:
    """The check digit (``0``-``9`` or ``A``) for a letter prefix and six digits."""
    letters = prefix.rjust(2)
    values = [36 if c == " " else ord(c) - 55 for c in letters] + [int(d) for d in digits]
    total = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return "A" if check == 10 else str(check)


def parse(value: str) -> HKID:
    """Parse and validate; raises :class:`InvalidIdentifier` with the reason."""
    if not isinstance(value, str):
        raise InvalidIdentifier(_KIND, f"expected a string, got {type(value).__name__}")
    text = compact(value).replace("（", "(").replace("）", ")")
    m = _FORMAT.match(text)
    if m is None:
        raise InvalidIdentifier(_KIND, "expected 1-2 letters, 6 digits and a check character")
    prefix, digits, check = m.groups()
    if check_digit(prefix, digits) != check:
        raise InvalidIdentifier(_KIND, "bad check character", position=len(prefix) + 6)
    return HKID(number=f"{prefix}{digits}({check})", prefix=prefix, check=check)


def is_valid(value: object) -> bool:
    """True for a well-formed HKID with a correct check character."""
    return parses(parse, value)


def generate(rng: random.Random | None = None) -> str:
    """A random valid HKID, written ``A123456(3)``."""
    rng = rng or random.Random()  # noqa: S311 - synthetic data, not secrets
    prefix = "".join(rng.choice("ABCDEGHKMPRVYZ") for _ in range(rng.choice((1, 1, 1, 2))))
    digits = "".join(str(rng.randrange(10)) for _ in range(6))
    return f"{prefix}{digits}({check_digit(prefix, digits)})"
