"""Unified Social Credit Codes (GB 32100-2015) of hospitals, clinics and other organizations.

Eighteen characters over ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V, Z): registration
authority, organization type, six-digit division code, nine-character organization code
(GB 11714, with its own check) and a check character: weights ``3**i mod 31``, check
``(31 - sum mod 31) mod 31``. Authorities include ``A`` (central military commission), ``N``
(agriculture) and ``Y`` (others), which python-stdnum rejects; medguard accepts them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from medguard.cn import regions
from medguard.cn._validity import parses
from medguard.cn.normalize import compact
from medguard.errors import InvalidIdentifier

__all__ = [
    "ALPHABET",
    "AUTHORITIES",
    "USCC",
    "check_character",
    "generate",
    "is_valid",
    "normalize",
    "organization_code_check",
    "parse",
]

_KIND = "uscc"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

#: Registration authority (first character) → name, per GB 32100-2015 and later allocations.
AUTHORITIES: dict[str, str] = {
    "1": "机构编制", "2": "外交", "3": "司法行政", "4": "文化", "5": "民政", "6": "旅游",
    "7": "宗教", "8": "工会", "9": "工商/市场监管", "A": "中央军委改革和编制办公室",
    "N": "农业", "Y": "其他",
}  # fmt: skip

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class USCC:
    """A parsed credit code (the code itself kept out of ``repr``)."""

    code: str = field(repr=False)
    authority: str
    authority_name: str
    organization_type: str
    region_code: str
    organization_code: str = field(repr=False)
    check: str


def normalize(value: str) -> str:
    """Half-width, upper-case, without spaces or dashes."""
    return compact(value)


def check_character(first17: str) -> str:
    """The GB 32100 check character for 17 code characters."""
    try:
        total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    except (KeyError, ValueError) as exc:
        raise InvalidIdentifier(_KIND, "check needs 17 characters of the code alphabet") from exc
    return ALPHABET[(31 - total % 31) % 31]


def organization_code_check(first8: str) -> str:
    """The GB 11714 check character of an organization code's first eight characters."""
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def parse(value: str) -> USCC:
    """Parse and validate; raises :class:`InvalidIdentifier` with the reason."""
    if not isinstance(value, str):
        raise InvalidIdentifier(_KIND, f"expected a string, got {type(value).__name__}")
    code = normalize(value)
    if len(code) != 18:
        raise InvalidIdentifier(_KIND, f"bad length: {len(code)} characters, expected 18")
    for i, ch in enumerate(code):
        if ch not in _VALUE:
            raise InvalidIdentifier(_KIND, "bad character (not in the code alphabet)", position=i)
    if code[0] not in AUTHORITIES:
        raise InvalidIdentifier(_KIND, "unknown registration authority", position=0)
    if not code[2:8].isdigit() or (code[2:4] != "10" and regions.province_of(code[2:4]) is None):
        raise InvalidIdentifier(_KIND, "unknown region code", position=2)
    if check_character(code[:17]) != code[17]:
        raise InvalidIdentifier(_KIND, "bad check character", position=17)
    return USCC(
        code=code,
        authority=code[0],
        authority_name=AUTHORITIES[code[0]],
        organization_type=code[1],
        region_code=code[2:8],
        organization_code=code[8:17],
        check=code[17],
    )


def is_valid(value: object) -> bool:
    """True for a well-formed code with a known authority, region and correct check."""
    return parses(parse, value)


def generate(rng: random.Random | None = None, *, authority: str = "1") -> str:
    """A random valid code (default: a public institution such as a hospital, ``12...``)."""
    rng = rng or random.Random()  # noqa: S311 - synthetic data, not secrets
    if authority not in AUTHORITIES:
        raise InvalidIdentifier(_KIND, "unknown registration authority")
    region = str(regions.CURRENT_COUNTY_CODES[rng.randrange(regions.CURRENT_COUNTY_CODES.size)])
    org8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    body = f"{authority}{rng.choice('123')}{region}{org8}{organization_code_check(org8)}"
    return body + check_character(body)
