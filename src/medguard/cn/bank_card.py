"""Bank card numbers: 16-19 digits with a Luhn check digit; UnionPay BINs start with 62."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard._column import ascii_digits, codepoint_groups
from medguard.cn._validity import parses
from medguard.cn.normalize import compact
from medguard.errors import InvalidIdentifier

__all__ = [
    "BANK_BINS",
    "BankCard",
    "generate",
    "is_valid",
    "luhn_check_digit",
    "luhn_codepoints",
    "luhn_valid",
    "luhn_valid_array",
    "normalize",
    "parse",
]

_KIND = "bank_card"

#: Well-known issuer identification numbers of Chinese banks (used by generators).
BANK_BINS: dict[str, str] = {
    "622202": "中国工商银行", "621226": "中国工商银行", "622848": "中国农业银行",
    "621700": "中国建设银行", "622700": "中国建设银行", "621661": "中国银行",
    "621785": "中国银行", "622588": "招商银行", "622260": "交通银行", "621483": "招商银行",
    "622150": "中国邮政储蓄银行", "622908": "兴业银行", "622155": "平安银行",
}  # fmt: skip


@dataclass(frozen=True)
class BankCard:
    """A parsed card number (kept out of ``repr``) with its BIN and network."""

    number: str = field(repr=False)
    bin: str
    network: str
    issuer: str | None


def normalize(value: str) -> str:
    """Half-width digits, spaces and dashes removed."""
    return compact(value)


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # a digit doubled, its two digits summed
_LUHN_BY_CODE = dict(zip(b"0123456789", _LUHN_DOUBLED, strict=True))  # by ASCII code


def luhn_check_digit(payload: str) -> str:
    """The Luhn digit to append to ``payload`` (digits only)."""
    backwards = payload[::-1].encode()  # the digit next to the check digit is doubled
    total = sum(map(_LUHN_BY_CODE.__getitem__, backwards[0::2]))
    total += sum(backwards[1::2]) - 48 * (len(backwards) // 2)
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """True when a digit string passes the Luhn check."""
    return number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def _network(number: str) -> str:
    if number.startswith("62"):
        return "UnionPay"
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4]) <= 2720:
        return "Mastercard"
    if number.startswith("35"):
        return "JCB"
    return "other"


def parse(value: str) -> BankCard:
    """Parse and validate a card number; raises :class:`InvalidIdentifier` with the reason."""
    if not isinstance(value, str):
        raise InvalidIdentifier(_KIND, f"expected a string, got {type(value).__name__}")
    number = normalize(value)
    if not number.isdigit() or not number.isascii():
        raise InvalidIdentifier(_KIND, "bad characters: digits expected")
    if not 16 <= len(number) <= 19:
        raise InvalidIdentifier(_KIND, f"bad length: {len(number)} digits, expected 16-19")
    if not luhn_valid(number):
        raise InvalidIdentifier(_KIND, "bad check digit", position=len(number) - 1)
    return BankCard(number, number[:6], _network(number), BANK_BINS.get(number[:6]))


def is_valid(value: object) -> bool:
    """True for a 16-19 digit card number with a correct Luhn digit."""
    return parses(parse, value)


def luhn_valid_array(values: object) -> npt.NDArray[np.bool_]:
    """Vectorized check: compact digit strings of 16-19 digits passing Luhn (nulls False)."""
    arr = np.asarray(values, dtype=object)
    result = np.zeros(arr.shape[0], dtype=bool)
    for length, (rows, codes) in codepoint_groups(arr).items():
        if 16 <= length <= 19:
            result[rows] = luhn_codepoints(codes)
    return result


_DOUBLED = np.array(_LUHN_DOUBLED, dtype=np.int32)


def luhn_codepoints(codes: npt.NDArray[np.unsignedinteger[Any]]) -> npt.NDArray[np.bool_]:
    """Luhn validity of each row of a ``(k, length)`` code-point (or byte) matrix of digits."""
    length = codes.shape[1]
    digits = ascii_digits(codes) - np.uint8(48)  # non-digits wrap above 9
    ok = np.all(digits <= 9, axis=1)
    digits = np.minimum(digits, 9)
    # Counting from the right (check digit = position 0), odd positions are doubled.
    double = (np.arange(length - 1, -1, -1) % 2) == 1
    total = digits[:, ~double].sum(axis=1, dtype=np.int32) + _DOUBLED[digits[:, double]].sum(axis=1)
    result: npt.NDArray[np.bool_] = ok & (total % 10 == 0)
    return result


def generate(rng: random.Random | None = None, *, bin: str | None = None, length: int = 19) -> str:
    """A random Luhn-valid card number with a real Chinese BIN (or ``bin``)."""
    rng = rng or random.Random()  # noqa: S311 - synthetic data, not secrets
    if not 16 <= length <= 19:
        raise InvalidIdentifier(_KIND, "length must be 16-19")
    prefix = bin or rng.choice(sorted(BANK_BINS))
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - 1 - len(prefix)))
    return body + luhn_check_digit(body)
