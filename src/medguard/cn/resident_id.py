"""Resident identity card numbers (GB 11643-1999) and the IDs built on the same scheme.

Eighteen characters: six-digit administrative division code (GB/T 2260), birth date
``YYYYMMDD``, three-digit sequence (odd: male, even: female), and a check character over the
first 17 digits (ISO 7064 MOD 11-2: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11
indexes ``10X98765432``). The same scheme carries:

- residence permits for Hong Kong, Macao and Taiwan residents (prefixes 810000, 820000, 830000),
  which python-stdnum rejects and medguard accepts;
- the 2023 foreigner permanent-residence ID: ``9`` + two-digit province of issue + three-digit
  nationality code + birth date + sequence + check;
- the legacy 15-digit form (``6 + YYMMDD + 3``, years 19YY, no check), converted to 18.

What the check guarantees: any single changed character and any transposition of two adjacent
different characters changes the check (MOD 11-2 weights are pairwise distinct modulo 11).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from medguard._column import ascii_digits, codepoint_groups
from medguard.cn import dates, regions
from medguard.cn._validity import parses
from medguard.cn.normalize import compact
from medguard.errors import InvalidIdentifier

__all__ = [
    "ResidentID",
    "check_character",
    "generate",
    "is_valid",
    "is_valid_array",
    "kind_of",
    "normalize",
    "parse",
    "to_18",
    "valid_codepoints",
]

Kind = Literal["resident", "hmt_permit", "foreign_permanent"]
Sex = Literal["male", "female"]

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
HMT_PREFIXES = {"810000": "Hong Kong", "820000": "Macao", "830000": "Taiwan"}
_EARLIEST_YEAR = 1850
_KIND = "resident_id"

_PROVINCE_TABLE = np.zeros(100, dtype=bool)
for _code in regions.PROVINCES:
    _PROVINCE_TABLE[int(_code)] = True
_WEIGHTS_ARRAY = np.array(WEIGHTS, dtype=np.int32)
_CHECK_CODEPOINTS = np.array([ord(c) for c in CHECK_CHARS], dtype=np.uint8)
_POWERS = 10 ** np.arange(7, -1, -1, dtype=np.int32)


@dataclass(frozen=True)
class ResidentID:
    """A parsed resident ID (or HMT permit / foreigner permanent-residence ID).

    ``number`` is the canonical 18-character form (kept out of ``repr``); ``legacy`` says it was
    given in the 15-digit form.
    """

    number: str = field(repr=False)
    kind: Kind
    region_code: str
    province: str | None
    region: str | None
    birth_date: dt.date
    sex: Sex
    sequence: str
    check: str
    legacy: bool = False


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise InvalidIdentifier(_KIND, "check character needs exactly 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize(value: str) -> str:
    """Canonical form: half-width, no spaces or dashes, upper-case ``X``."""
    return compact(value)


def to_18(legacy: str) -> str:
    """Convert a 15-digit legacy ID (years 19YY) to the 18-character form."""
    value = normalize(legacy)
    if len(value) != 15 or not value.isdigit():
        raise InvalidIdentifier(_KIND, "a legacy ID has exactly 15 digits")
    body = value[:6] + "19" + value[6:]
    return body + check_character(body)


def parse(value: str, *, today: dt.date | None = None) -> ResidentID:
    """Parse and validate; raises :class:`InvalidIdentifier` saying what is wrong."""
    if not isinstance(value, str):
        raise InvalidIdentifier(_KIND, f"expected a string, got {type(value).__name__}")
    number = normalize(value)
    legacy = len(number) == 15
    if legacy:
        if not number.isdigit():
            raise InvalidIdentifier(_KIND, "bad characters: a legacy ID is 15 digits")
        number = to_18(number)
    if len(number) != 18:
        raise InvalidIdentifier(_KIND, f"bad length: {len(number)} characters, expected 18")
    for i, ch in enumerate(number[:17]):
        if not ch.isdigit() or not ch.isascii():
            raise InvalidIdentifier(_KIND, "bad character: digits expected", position=i)
    if number[17] not in "0123456789X":
        raise InvalidIdentifier(_KIND, "bad check character: digit or X expected", position=17)
    if check_character(number[:17]) != number[17]:
        raise InvalidIdentifier(_KIND, "bad check character", position=17)
    birth = dates.parse_yyyymmdd(number[6:14])
    if birth is None or birth.year < _EARLIEST_YEAR:
        raise InvalidIdentifier(_KIND, "impossible birth date", position=6)
    if birth > (today or dt.date.today()):
        raise InvalidIdentifier(_KIND, "birth date in the future", position=6)
    kind: Kind
    province: str | None
    region: str | None
    region_code = number[:6]
    if region_code in HMT_PREFIXES:
        kind, province, region = "hmt_permit", HMT_PREFIXES[region_code], None
    elif number[0] == "9":
        kind = "foreign_permanent"
        province = regions.province_of(number[1:3])
        region = None
        if province is None:
            raise InvalidIdentifier(_KIND, "unknown province of issue", position=1)
    else:
        kind = "resident"
        province = regions.province_of(region_code)
        region = regions.name_of(region_code)
        if province is None:
            raise InvalidIdentifier(_KIND, "unknown province", position=0)
    return ResidentID(
        number=number,
        kind=kind,
        region_code=region_code,
        province=province,
        region=region,
        birth_date=birth,
        sex="male" if int(number[16]) % 2 else "female",
        sequence=number[14:17],
        check=number[17],
        legacy=legacy,
    )


def kind_of(number: str, *, today: dt.date | None = None) -> Kind | None:
    """The kind of a valid, already compact ID (18 characters or 15 digits), else ``None``.

    The scanner's fast path: the checks of :func:`parse` without building a result or raising,
    about five times faster. ``kind_of(v) == parse(v).kind`` for every valid compact ``v``.
    """
    if len(number) == 15:
        if not (number.isdigit() and number.isascii()):
            return None
        number = number[:6] + "19" + number[6:]
        number += check_character(number)
    if len(number) != 18 or not (number[:17].isdigit() and number[:17].isascii()):
        return None
    # The weights are 2**17, 2**16, ... modulo 11, and 13 is 2 modulo 11: read in base 13, the
    # digits give the weighted sum (halved) modulo 11, in C.
    if CHECK_CHARS[2 * int(number[:17], 13) % 11] != number[17]:
        return None
    if not dates.is_real_date(number[6:14], today=today, earliest=_EARLIEST_YEAR):
        return None
    if number[:6] in HMT_PREFIXES:
        return "hmt_permit"
    if number[0] == "9":
        return "foreign_permanent" if regions.province_of(number[1:3]) else None
    return "resident" if regions.province_of(number[:6]) else None


def is_valid(value: object) -> bool:
    """True when ``value`` is a valid 18-character (or legacy 15-digit) ID of any kind."""
    return parses(parse, value)


def is_valid_array(values: object, *, today: dt.date | None = None) -> npt.NDArray[np.bool_]:
    """Vectorized :func:`is_valid` over a column of compact strings (nulls are invalid).

    Accepts anything :func:`numpy.asarray` takes (list, object or unicode array, pandas Series);
    full-width digits are folded, but spaces and dashes are not stripped: normalize first.
    """
    arr = np.asarray(values, dtype=object)
    result = np.zeros(arr.shape[0], dtype=bool)
    for length, (rows, codes) in codepoint_groups(arr).items():
        if length in (15, 18):
            result[rows] = valid_codepoints(codes, today=today)
    return result


def valid_codepoints(
    codes: npt.NDArray[np.unsignedinteger[Any]], *, today: dt.date | None = None
) -> npt.NDArray[np.bool_]:
    """Validity of IDs given as a ``(k, 18)`` or ``(k, 15)`` matrix of code points (or bytes)."""
    k, length = codes.shape
    if length not in (15, 18):
        return np.zeros(k, dtype=bool)
    block = ascii_digits(codes)
    digits = block - np.uint8(48)  # wraps non-digits to values above 9
    if length == 15:
        ok = digits.max(axis=1) <= 9
        ymd = 19_000_000 + digits[:, 6:12].astype(np.int32) @ _POWERS[-6:]
    else:
        ok = digits[:, :17].max(axis=1) <= 9
        last = block[:, 17]
        total = digits[:, :17] @ _WEIGHTS_ARRAY.astype(np.uint16)  # at most 1,530
        expected = _CHECK_CODEPOINTS[total % 11]
        ok &= (last == expected) | ((last == ord("x")) & (expected == ord("X")))
        ymd = digits[:, 6:14].astype(np.int32) @ _POWERS
    ok &= dates.real_dates_array(ymd, today=today, earliest=_EARLIEST_YEAR)
    head = np.minimum(digits[:, :3], 9).astype(np.int32)  # non-digit rows are already invalid
    prov = head[:, 0] * 10 + head[:, 1]
    province_ok = _PROVINCE_TABLE[prov] | (prov == 83)
    if length == 18:
        issue = head[:, 1] * 10 + head[:, 2]
        province_ok = np.where(head[:, 0] == 9, _PROVINCE_TABLE[issue], province_ok)
    result: npt.NDArray[np.bool_] = ok & province_ok
    return result


def generate(
    rng: random.Random | None = None,
    *,
    province: str | None = None,
    sex: Sex | None = None,
    birth_date: dt.date | None = None,
    kind: Kind = "resident",
    legacy: bool = False,
) -> str:
    """A random valid ID (for tests and synthetic data), optionally with fixed attributes.

    ``province`` is a two-digit code (``"44"``); ``legacy=True`` gives the 15-digit form (only
    for birth years 1900-1999).
    """
    rng = rng or random.Random()  # noqa: S311 - synthetic data, not secrets
    if birth_date is None:
        start = dt.date(1930, 1, 1).toordinal()
        birth_date = dt.date.fromordinal(rng.randint(start, dt.date.today().toordinal() - 1))
    if kind == "hmt_permit":
        prefix = rng.choice(sorted(HMT_PREFIXES))
    elif kind == "foreign_permanent":
        issue = province or rng.choice([p for p in regions.PROVINCES if int(p) < 70])
        prefix = f"9{issue}{rng.randint(100, 999)}"[:6]
    else:
        codes = regions.CURRENT_COUNTY_CODES
        if province is not None:
            codes = codes[np.char.startswith(codes, province)]
            if codes.size == 0:
                raise InvalidIdentifier(_KIND, "unknown province")
        prefix = str(codes[rng.randrange(codes.size)])
    sequence = rng.randrange(0, 1000)
    if sex is not None and (sequence % 2 == 1) != (sex == "male"):
        sequence = (sequence + 1) % 1000
    body = f"{prefix}{birth_date:%Y%m%d}{sequence:03d}"
    if legacy:
        if kind != "resident" or not 1900 <= birth_date.year <= 1999:
            raise InvalidIdentifier(_KIND, "the legacy form exists only for births in 19YY")
        return body[:6] + body[8:17]
    return body + check_character(body)
