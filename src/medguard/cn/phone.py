"""Chinese telephone numbers: mobiles (current segment allocation) and landlines.

Mobiles are 11 digits in an allocated segment (not simply ``1[3-9]\\d{9}``: 140-144, 154, 168,
174 and 194 are not public mobile segments), optionally written with +86/0086 and 3-4-4 groups.
Landlines are an area code (010, 02x, or 0 + three digits) and a 7- or 8-digit number that does
not start with 0 or 1, written ``023-68754321`` or ``(023)68754321``, optionally with an extension.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from medguard._column import ascii_digits, codepoint_groups
from medguard.cn.normalize import compact, strip_country_code, to_halfwidth
from medguard.errors import InvalidIdentifier

__all__ = [
    "AREA_CODES",
    "MOBILE_SEGMENTS",
    "Phone",
    "generate",
    "is_landline",
    "is_mobile",
    "is_mobile_array",
    "is_valid",
    "mobile_codepoints",
    "normalize",
    "parse",
]

_KIND = "phone"


def _segments() -> frozenset[str]:
    ranges = [(130, 139), (145, 145), (147, 147), (149, 149), (150, 153), (155, 159),
              (162, 162), (165, 167), (170, 173), (175, 178), (180, 189), (190, 193),
              (195, 199)]  # fmt: skip
    return frozenset(str(n) for lo, hi in ranges for n in range(lo, hi + 1))


#: Three-digit mobile segments currently allocated for public mobile service.
MOBILE_SEGMENTS: frozenset[str] = _segments()

#: A selection of area codes (city) used by generators and documentation; validation accepts
#: every code of the form 010, 02x and 0[3-9]xx.
AREA_CODES: dict[str, str] = {
    "010": "北京", "020": "广州", "021": "上海", "022": "天津", "023": "重庆", "024": "沈阳",
    "025": "南京", "027": "武汉", "028": "成都", "029": "西安", "0311": "石家庄",
    "0351": "太原", "0371": "郑州", "0431": "长春", "0451": "哈尔滨", "0531": "济南",
    "0551": "合肥", "0571": "杭州", "0591": "福州", "0731": "长沙", "0755": "深圳",
    "0771": "南宁", "0791": "南昌", "0851": "贵阳", "0871": "昆明", "0898": "海口",
    "0931": "兰州", "0951": "银川", "0971": "西宁", "0991": "乌鲁木齐",
}  # fmt: skip

_SEGMENT_TABLE = np.zeros(1000, dtype=bool)
for _seg in MOBILE_SEGMENTS:
    _SEGMENT_TABLE[int(_seg)] = True

_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
_LANDLINE = re.compile(r"^(?P<area>0(?:10|2\d|[3-9]\d{2}))(?P<number>[2-9]\d{6,7})$")
_PUNCTUATION = str.maketrans("", "", "()（）")


@dataclass(frozen=True)
class Phone:
    """A parsed phone number. ``number`` is the national form (kept out of ``repr``)."""

    number: str = field(repr=False)
    kind: Literal["mobile", "landline"]
    prefix: str
    extension: str | None = None


def normalize(value: str) -> str:
    """Compact a mobile number: half-width, no separators, no +86/0086."""
    return strip_country_code(compact(value))


def is_mobile(value: object) -> bool:
    """True for an 11-digit mobile number in a currently allocated segment."""
    if not isinstance(value, str):
        return False
    number = normalize(value)
    return len(number) == 11 and number.isdigit() and number[:3] in MOBILE_SEGMENTS


def is_landline(value: object) -> bool:
    """True for a landline with a valid area code and 7/8-digit number (extension allowed)."""
    if not isinstance(value, str):
        return False
    return _parse_landline(value) is not None


def is_valid(value: object) -> bool:
    """True for a mobile or a landline number."""
    return is_mobile(value) or is_landline(value)


def _parse_landline(value: str) -> Phone | None:
    text = to_halfwidth(value).strip()
    extension = None
    if m := _EXTENSION.search(text):
        extension, text = m.group(1), text[: m.start()]
    text = compact(text.translate(_PUNCTUATION))
    text = re.sub(r"^(?:\+86|0086)0?", "0", text)
    if (m := _LANDLINE.match(text)) is None:
        return None
    area, number = m.group("area"), m.group("number")
    if len(area) == 3 and len(number) != 8:
        return None  # 010 and 02x numbers have 8 digits
    return Phone(number=area + number, kind="landline", prefix=area, extension=extension)


def parse(value: str) -> Phone:
    """Parse a mobile or landline number; raises :class:`InvalidIdentifier` with the reason."""
    if not isinstance(value, str):
        raise InvalidIdentifier(_KIND, f"expected a string, got {type(value).__name__}")
    number = normalize(value)
    if number.isdigit() and number.startswith("1"):
        if len(number) != 11:
            raise InvalidIdentifier(_KIND, f"bad length: {len(number)} digits, a mobile has 11")
        if number[:3] not in MOBILE_SEGMENTS:
            raise InvalidIdentifier(_KIND, "segment not allocated to mobile service", position=0)
        return Phone(number=number, kind="mobile", prefix=number[:3])
    landline = _parse_landline(value)
    if landline is None:
        raise InvalidIdentifier(_KIND, "neither a mobile nor a landline number")
    return landline


def is_mobile_array(values: object) -> npt.NDArray[np.bool_]:
    """Vectorized :func:`is_mobile` over compact 11-digit strings (no +86; nulls are False)."""
    arr = np.asarray(values, dtype=object)
    result = np.zeros(arr.shape[0], dtype=bool)
    groups = codepoint_groups(arr)
    if 11 in groups:
        rows, codes = groups[11]
        result[rows] = mobile_codepoints(codes)
    return result


def mobile_codepoints(codes: npt.NDArray[np.unsignedinteger[Any]]) -> npt.NDArray[np.bool_]:
    """Which rows of a ``(k, 11)`` code-point (or byte) matrix are allocated mobile numbers."""
    if codes.shape[1] != 11:
        return np.zeros(codes.shape[0], dtype=bool)
    digits = ascii_digits(codes) - np.uint8(48)  # non-digits wrap above 9
    ok = np.all(digits <= 9, axis=1)
    head = np.minimum(digits[:, :3], 9).astype(np.int32)
    result: npt.NDArray[np.bool_] = ok & _SEGMENT_TABLE[head @ np.array([100, 10, 1])]
    return result


def generate(
    rng: random.Random | None = None,
    *,
    kind: Literal["mobile", "landline"] = "mobile",
    segment: str | None = None,
) -> str:
    """A random valid mobile (optionally in ``segment``) or landline (``area-number``)."""
    rng = rng or random.Random()  # noqa: S311 - synthetic data, not secrets
    if kind == "landline":
        area = rng.choice(sorted(AREA_CODES))
        digits = 8 if len(area) == 3 else rng.choice((7, 8))
        first = str(rng.randint(2, 9))
        rest = "".join(str(rng.randrange(10)) for _ in range(digits - 1))
        return f"{area}-{first}{rest}"
    seg = segment or rng.choice(sorted(MOBILE_SEGMENTS))
    if seg not in MOBILE_SEGMENTS:
        raise InvalidIdentifier(_KIND, "segment not allocated to mobile service")
    return seg + "".join(str(rng.randrange(10)) for _ in range(8))
