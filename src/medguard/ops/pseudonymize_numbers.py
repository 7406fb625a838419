"""Card, passport, credit-code and record numbers → numbers of the same form (kept parts kept)."""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from medguard.cn import bank_card, passport, uscc
from medguard.errors import InvalidArgument, InvalidIdentifier
from medguard.ops.pseudonym_core import _FULL_WIDTH, _SMALL, PseudonymReport, _FieldPseudonymizer

__all__ = [
    "MAX_DIGITS_LENGTH",
    "PseudonymizeBankCard",
    "PseudonymizeDigits",
    "PseudonymizePassport",
    "PseudonymizeUSCC",
]


@dataclass(frozen=True)
class PseudonymizeBankCard(_FieldPseudonymizer):
    """Bank cards: the BIN (first ``keep_first`` digits) kept, a correct Luhn digit computed."""

    keep_first: int = 6
    kind: ClassVar[str] = "bank_card"

    def _validate(self) -> None:
        super()._validate()
        if (
            isinstance(self.keep_first, bool)
            or not isinstance(self.keep_first, int)
            or not 0 <= self.keep_first <= 18
        ):
            raise InvalidArgument("keep_first must be an integer from 0 to 18")

    def _split(self, value: str) -> tuple[str, str, str] | None:
        number = bank_card.normalize(value)
        if not bank_card.is_valid(number):
            return None
        return number[: self.keep_first], number[self.keep_first : -1], ""

    def _join(self, prefix: str, digits: str, suffix: str) -> str:
        body = prefix + digits
        return body + bank_card.luhn_check_digit(body)


@dataclass(frozen=True)
class PseudonymizePassport(_FieldPseudonymizer):
    """Passports and travel permits: letter prefix kept, digits mapped, the kind preserved."""

    kind: ClassVar[str] = "passport"

    def _split(self, value: str) -> tuple[str, str, str] | None:
        try:
            parsed = passport.parse(value)
        except InvalidIdentifier:
            return None
        return parsed.prefix, parsed.number[len(parsed.prefix) :], ""


#: Longest value (after a kept prefix) :class:`PseudonymizeDigits` maps; longer ones are invalid.
MAX_DIGITS_LENGTH = 256


@functools.lru_cache(maxsize=64)
def _prefix_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass(frozen=True)
class PseudonymizeDigits(_FieldPseudonymizer):
    """Any string over ``alphabet`` (digits by default): length and alphabet kept.

    Use it for medical record, admission and outpatient numbers, of any length up to
    :data:`MAX_DIGITS_LENGTH` (256) characters (values of more than 62 bits, such as 20-digit
    numbers or 16-character alphanumerics, take an exact but slower path; longer values are
    invalid input). Full-width characters are folded to ASCII first.

    ``keep_prefix=True`` keeps the leading match of ``prefix_pattern`` (by default the leading
    ASCII letters: ``MZ``, ``ZY``) and maps the rest; the prefix is part of the tweak, so
    ``MZ0001`` and ``ZY0001`` get unrelated pseudonyms. Without it, a value with characters
    outside the alphabet is invalid input (masked and counted).

    A value whose own domain is below 1,000,000 (``len(alphabet) ** length``: fewer than
    six digits) is that value's problem: masked and counted, or an error naming the row
    with ``strict=True``; ``allow_small_domain=True`` accepts the risk.
    """

    alphabet: str = "0123456789"
    keep_prefix: bool = False
    prefix_pattern: str = "[A-Za-z]+"
    kind: ClassVar[str] = "digits"

    def _validate(self) -> None:
        super()._validate()
        if not isinstance(self.alphabet, str) or len(self.alphabet) < 2:
            raise InvalidArgument("alphabet needs at least two characters")
        if len(set(self.alphabet)) != len(self.alphabet):
            raise InvalidArgument("the alphabet has repeated characters")
        if not isinstance(self.prefix_pattern, str):
            raise InvalidArgument("prefix_pattern must be a regular expression string")
        try:
            _prefix_regex(self.prefix_pattern)
        except re.error:
            raise InvalidArgument("prefix_pattern is not a valid regular expression") from None

    def _split(self, value: str) -> tuple[str, str, str] | None:
        if not value.isascii():
            value = value.translate(_FULL_WIDTH).replace("\u3000", " ")
        prefix = ""
        if self.keep_prefix:
            match = _prefix_regex(self.prefix_pattern).match(value)
            if match:
                prefix, value = match.group(), value[match.end() :]
        if (
            not value
            or len(value) > MAX_DIGITS_LENGTH
            or any(c not in self.alphabet for c in value)
        ):
            return None
        return prefix, value, ""

    def _tweak(self, group: int, prefix: str) -> str:
        return f"{group}|prefix={prefix}" if prefix else str(group)

    def _free_domain(self, digits: str) -> tuple[int, int, int]:
        radix = len(self.alphabet)
        if self.alphabet == "0123456789":
            return int(digits), 10 ** len(digits), len(digits)
        position = {c: i for i, c in enumerate(self.alphabet)}
        index = 0
        for c in digits:
            index = index * radix + position[c]
        return index, radix ** len(digits), len(digits)

    def _free_value(self, index: int, group: int, template: str) -> str:
        radix = len(self.alphabet)
        out = []
        for _ in range(group):
            index, r = divmod(index, radix)
            out.append(self.alphabet[r])
        return "".join(reversed(out))

    def _run(self, values: Any, *, inverse: bool) -> tuple[Any, PseudonymReport]:
        fast = self._arrow_run(values, inverse)
        return fast if fast is not None else super()._run(values, inverse=inverse)

    def _arrow_run(self, values: Any, inverse: bool) -> tuple[Any, PseudonymReport] | None:
        """An Arrow text column of ASCII decimal numbers (behind an optional letter prefix),
        none null or invalid, mapped without Python objects: each distinct number once, the
        pseudonyms written by Arrow. None for anything else (the general road, which gives
        the same pseudonyms)."""
        pa: Any = sys.modules.get("pyarrow")
        if pa is None or not isinstance(values, pa.Array | pa.ChunkedArray):
            return None
        if not pa.types.is_string(values.type) or values.null_count or len(values) == 0:
            return None
        if self.alphabet != "0123456789" or (self.keep_prefix and self.prefix_pattern != _LETTERS):
            return None
        import pyarrow.compute as pc

        array = values
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
        if not pc.all(pc.string_is_ascii(array)).as_py():
            return None
        fast = _split_decimal(array, self.keep_prefix)
        if fast is None:
            return None
        prefixes, codes, lengths, numbers = fast
        if not (lengths > 0).all():
            return None
        index_map, key_id = self._index_map()
        group_key = codes.astype(np.int64) * 32 + lengths
        groups = np.unique(group_key).tolist()
        if any(index_map.is_small(10 ** (key % 32)) for key in groups):
            return None
        self._before_run(inverse)
        pieces, order = [], []
        for key in groups:
            members = np.flatnonzero(group_key == key)
            prefix, group = prefixes[key // 32], key % 32
            distinct, back = np.unique(numbers[members], return_inverse=True)
            mapped = index_map.apply(
                distinct, 10**group, f"{self.kind}|{self._tweak(group, prefix)}".encode(),
                one_way=self.one_way, inverse=inverse,
            )  # fmt: skip
            digits = pc.utf8_lpad(
                pa.array(np.asarray(mapped, dtype=np.uint64)).cast(pa.string()), group, "0"
            )
            texts = pc.binary_join_element_wise(prefix, digits, "") if prefix else digits
            pieces.append(texts.take(pa.array(back.reshape(-1))))
            order.append(members)
        where = np.concatenate(order)
        position = np.empty_like(where)
        position[where] = np.arange(where.size)
        result = pa.concat_arrays(pieces).take(pa.array(position)).cast(values.type)
        if isinstance(values, pa.ChunkedArray):
            result = pa.chunked_array([result])
        n = len(array)
        return result, PseudonymReport(n, n, 0, 0, key_id)

    def _transform(self, values: list[str], inverse: bool) -> list[Any]:
        """Column-wise for the common case (ASCII decimal numbers of up to 18 digits behind an
        optional letter prefix); the value-by-value road of the base class otherwise. Both
        give the same pseudonyms."""
        if (
            self.alphabet != "0123456789"
            or (self.keep_prefix and self.prefix_pattern != _LETTERS)
            or not values
            or not "".join(values).isascii()
        ):
            return super()._transform(values, inverse)
        fast = _split_decimal(values, self.keep_prefix)
        if fast is None:
            return super()._transform(values, inverse)
        prefixes, codes, lengths, numbers = fast
        result = np.empty(len(values), dtype=object)
        valid = lengths > 0
        result[~valid] = None
        index_map, _ = self._index_map()
        group_key = codes.astype(np.int64) * 32 + lengths
        for key in np.unique(group_key[valid]).tolist():
            members = np.flatnonzero(group_key == key)
            prefix, group = prefixes[key // 32], key % 32
            size = 10**group
            if index_map.is_small(size):
                result[members] = _SMALL
                continue
            distinct, back = np.unique(numbers[members], return_inverse=True)
            tweak = self._tweak(group, prefix)
            mapped = index_map.apply(
                distinct, size, f"{self.kind}|{tweak}".encode(), one_way=self.one_way,
                inverse=inverse,
            )  # fmt: skip
            texts = [f"{prefix}{v:0{group}d}" for v in np.asarray(mapped).tolist()]
            chosen = np.empty(len(texts), dtype=object)
            chosen[:] = texts
            result[members] = chosen[back]
        out: list[Any] = result.tolist()
        return out


_LETTERS = "[A-Za-z]+"


def _split_decimal(
    values: Any, keep_prefix: bool
) -> tuple[list[str], npt.NDArray[np.int32], npt.NDArray[np.int64], npt.NDArray[np.uint64]] | None:
    """Column-wise :meth:`PseudonymizeDigits._split` of ASCII values with the default alphabet
    and prefix: (distinct prefixes, each value's prefix code, digit count (0: invalid), number).
    None when a value has more than 18 digits (the exact road for big numbers)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    if keep_prefix:
        parts = pc.extract_regex(array, r"^(?P<p>[A-Za-z]*)(?P<r>[0-9]*)$")
        ok = pc.is_valid(parts)
        prefix = pc.fill_null(pc.struct_field(parts, "p"), "")
        rest = pc.fill_null(pc.struct_field(parts, "r"), "")
    else:
        ok = pc.match_substring_regex(array, r"^[0-9]*$")
        prefix = pa.nulls(len(values), pa.string()).fill_null("")
        rest = array
    length = np.asarray(pc.utf8_length(rest).to_numpy(zero_copy_only=False), dtype=np.int64)
    good = np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool) & (length > 0)
    if (length[good] > 18).any():
        return None
    length = np.where(good, length, 0)
    digits = pc.if_else(pa.array(good), rest, "0")
    numbers = np.asarray(pc.cast(digits, pa.uint64()).to_numpy(zero_copy_only=False))
    encoded = prefix.dictionary_encode()
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int32)
    return encoded.dictionary.to_pylist(), codes, length, numbers.astype(np.uint64)


@dataclass(frozen=True)
class PseudonymizeUSCC(_FieldPseudonymizer):
    """Credit codes: authority, type and region kept; organization code (with its GB 11714
    check) mapped over the code alphabet; the GB 32100 check recomputed."""

    kind: ClassVar[str] = "uscc"

    def _split(self, value: str) -> tuple[str, str, str] | None:
        try:
            code = uscc.parse(value).code
        except InvalidIdentifier:
            return None
        return code[:8], code[8:16], ""

    def _free_domain(self, digits: str) -> tuple[int, int, int]:
        index = 0
        for c in digits:
            index = index * 31 + uscc.ALPHABET.index(c)
        return index, 31**8, 8

    def _free_value(self, index: int, group: int, template: str) -> str:
        out = []
        for _ in range(8):
            index, r = divmod(index, 31)
            out.append(uscc.ALPHABET[r])
        return "".join(reversed(out))

    def _join(self, prefix: str, digits: str, suffix: str) -> str:
        org = digits + uscc.organization_code_check(digits)
        body = prefix + org
        return body + uscc.check_character(body)
