"""Passports and travel permits of the People's Republic of China.

- ordinary passports: ``E`` + 8 digits, ``E`` + letter (not I/O) + 7 digits, older ``G`` + 8 digits;
- diplomatic, service and official passports: ``DE`` / ``SE`` / ``PE`` + 7 digits;
- Mainland Travel Permits for Hong Kong / Macao residents (回乡证): ``H`` / ``M`` + 8 digits,
  or + 10 digits (the two-digit issue count of the 2013 card);
- Mainland Travel Permits for Taiwan residents (台胞证): 8 digits, or 10 on older booklets;
- Exit-Entry Permits of mainland residents for Hong Kong and Macao (往来港澳通行证): ``C`` + 8
  digits, ``C`` + letter + 7 digits (CA, CB, ...), the older booklet ``W`` + 8 digits; for
  Taiwan (往来台湾通行证): ``L`` + 8 digits;
- Foreigners' permanent residence cards of 2004-2023: three letters (nationality) + 12 digits
  (the 2023 card is an 18-character ID, see :mod:`medguard.cn.resident_id`).

These numbers carry no check character, so validation is by format only.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Literal

from medguard.cn.normalize import compact
from medguard.errors import InvalidIdentifier

__all__ = ["Passport", "generate", "is_valid", "normalize", "parse"]

_KIND = "passport"
Kind = Literal[
    "passport",
    "diplomatic_passport",
    "hk_macao_permit",
    "taiwan_permit",
    "exit_entry_permit",
    "foreign_permanent_residence",
]

_PATTERNS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("passport", re.compile(r"^(?:E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8})$")),
    ("diplomatic_passport", re.compile(r"^[DSP]E\d{7}$")),
    ("hk_macao_permit", re.compile(r"^[HM]\d{8}(?:\d{2})?$")),
    ("exit_entry_permit", re.compile(r"^(?:C\d{8}|C[A-HJ-NP-Z]\d{7}|W\d{8}|L\d{8})$")),
    ("foreign_permanent_residence", re.compile(r"^[A-Z]{3}\d{12}$")),
    ("taiwan_permit", re.compile(r"^\d{8}(?:\d{2})?$")),
)


@dataclass(frozen=True)
class Passport:
    """A parsed document number (kept out of ``repr``), its kind and letter prefix."""

    number: str = field(repr=False)
    kind: Kind
    prefix: str


def normalize(value: str) -> str:
    """Half-width, upper-case, no spaces or dashes."""
    return compact(value)


def parse(value: str, *, allow_taiwan_permit: bool = True) -> Passport:
    """Parse a passport or permit number; raises :class:`InvalidIdentifier`.

    A bare 8-digit number is read as a Taiwan-resident permit unless
    ``allow_taiwan_permit=False`` (it is too generic for free-text scanning).
    """
    if not isinstance(value, str):
        raise InvalidIdentifier(_KIND, f"expected a string, got {type(value).__name__}")
    number = normalize(value)
    for kind, pattern in _PATTERNS:
        if kind == "taiwan_permit" and not allow_taiwan_permit:
            continue
        if pattern.match(number):
            prefix = re.match(r"^[A-Z]*", number).group(0)  # type: ignore[union-attr]
            return Passport(number=number, kind=kind, prefix=prefix)
    raise InvalidIdentifier(_KIND, "not a passport or travel-permit number format")


def is_valid(value: object, *, allow_taiwan_permit: bool = True) -> bool:
    """True for a number in one of the formats above."""
    try:
        parse(value, allow_taiwan_permit=allow_taiwan_permit)  # type: ignore[arg-type]
    except InvalidIdentifier:
        return False
    return True


def generate(rng: random.Random | None = None, *, kind: Kind = "passport") -> str:
    """A random number of the given kind."""
    rng = rng or random.Random()  # noqa: S311 - synthetic data, not secrets

    def digits(n: int) -> str:
        return "".join(str(rng.randrange(10)) for _ in range(n))

    if kind == "passport":
        return rng.choice(
            ("E" + digits(8), "E" + rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") + digits(7))
        )
    if kind == "diplomatic_passport":
        return rng.choice("DSP") + "E" + digits(7)
    if kind == "hk_macao_permit":
        return rng.choice("HM") + digits(8)
    if kind == "exit_entry_permit":
        return "C" + digits(8)
    if kind == "foreign_permanent_residence":
        return rng.choice(("USA", "GBR", "KOR", "JPN")) + digits(12)
    return digits(8)
