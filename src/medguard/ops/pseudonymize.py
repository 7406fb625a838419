"""Keyed surrogates that stay valid: pseudonyms that look, parse and validate like the real thing.

Each pseudonymizer numbers the valid values of its domain, maps the number with a keyed map
(:mod:`medguard.ops._permutation`) and writes the result back as a valid value:

=============================  ==========================================================
:class:`PseudonymizeResidentID`  real region code (any / same province / kept), real birth date
                                 (kept / same year / same window / same 5-year band), sex kept,
                                 correct check character
:class:`PseudonymizePhone`     mobiles in allocated segments (segment kept on request);
                                 landlines keep their area code
:class:`PseudonymizeBankCard`  BIN kept, correct Luhn digit
:class:`PseudonymizeUSCC`      authority, type and region kept; organization code and both
                                 check characters recomputed
:class:`PseudonymizePassport`  letter prefix kept
:class:`PseudonymizeDigits`    any digit or alphanumeric string (medical record numbers):
                                 length and alphabet kept
:class:`PseudonymizeName`      surname + given name drawn from the name tables (one-way)
:class:`DateShift`             one keyed shift per patient, so intervals survive
=============================  ==========================================================

What it gives and what it leaks: the same input, keyring and ``context`` always give the same
pseudonym, in any process, so joins across tables and datasets keep working; another
``context`` (one per recipient of a shared extract) gives unrelated pseudonyms, so a leaked file
shows whom it was shared with. Reversible pseudonyms (the default) are a keyed bijection of the
domain: whoever holds the key can :meth:`~Pseudonymizer.reverse` them. ``one_way=True`` uses a
keyed hash instead: not reversible, and two inputs may share a pseudonym. Both are
deterministic, so they leak equality and frequencies (a common value stays common); kept parts
(segment, BIN, province, birth year, sex) are kept in the clear.

Invalid input follows the masking policy: it is never passed through, but replaced by mask
characters of the same length and counted; ``strict=True`` raises instead.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from medguard._column import (
    as_column,
    ascii_digits,
    codepoint_groups,
    is_column,
    strings_from_codepoints,
)
from medguard.cn import bank_card, names, passport, phone, regions, resident_id, uscc
from medguard.errors import InvalidArgument, InvalidIdentifier
from medguard.keys import Keyring, Suite
from medguard.ops._permutation import IndexMap

__all__ = [
    "DateShift",
    "PseudonymReport",
    "PseudonymizeBankCard",
    "PseudonymizeDigits",
    "PseudonymizeName",
    "PseudonymizePassport",
    "PseudonymizePhone",
    "PseudonymizeResidentID",
    "PseudonymizeUSCC",
    "Pseudonymizer",
]

U64 = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class PseudonymReport:
    """Counts from one run, and the key that made the pseudonyms."""

    total: int
    pseudonymized: int
    invalid: int
    nulls: int
    key_id: str


@dataclass(frozen=True)
class Pseudonymizer:
    """Base: a keyring, a ``context`` separating pseudonym spaces, and the invalid-input policy.

    Subclasses implement ``_transform(values: list[str], inverse) -> list[str | None]`` (None
    marks an invalid value). ``one_way=True`` makes pseudonyms irreversible.
    """

    keyring: Keyring = field(repr=False)
    context: str = ""
    one_way: bool = False
    strict: bool = False
    allow_small_domain: bool = False
    char: str = "*"

    kind: ClassVar[str] = "string"

    def apply(self, values: Any) -> Any:
        """Pseudonymize one value or a column; returns the same kind."""
        return self.apply_with_report(values)[0]

    def reverse(self, values: Any) -> Any:
        """Recover the originals of reversible pseudonyms (same keyring, context and options)."""
        if self.one_way:
            raise InvalidArgument("one-way pseudonyms cannot be reversed")
        return self._run(values, inverse=True)[0]

    def apply_with_report(self, values: Any) -> tuple[Any, PseudonymReport]:
        """Pseudonymize and return ``(result, PseudonymReport)``."""
        return self._run(values, inverse=False)

    # -- plumbing --------------------------------------------------------------------------
    def _derived(self) -> tuple[bytes, str, str]:
        purpose = f"pseudonymize:{self.kind}:{'one-way' if self.one_way else 'ff1'}"
        derived = self.keyring.derive(purpose, self.context, length=32)
        cipher = "sm4" if derived.suite == Suite.SM else "aes"
        key = derived.material[:16] if cipher == "sm4" else derived.material
        return key, cipher, derived.key_id

    def _index_map(self) -> tuple[IndexMap, str]:
        key, cipher, key_id = self._derived()
        return IndexMap(key, cipher=cipher, allow_small_domain=self.allow_small_domain), key_id

    def _map(self, index: U64, size: int, tweak: str, inverse: bool) -> U64:
        index_map, _ = self._index_map()
        return index_map.apply(  # type: ignore[no-any-return]
            index, size, f"{self.kind}|{tweak}".encode(), one_way=self.one_way, inverse=inverse
        )

    def _run(self, values: Any, *, inverse: bool) -> tuple[Any, PseudonymReport]:
        scalar = not is_column(values)
        column = as_column([values] if scalar else values)
        n = len(column)
        items = column.values.tolist()
        if not column.nulls.any() and all(map(str.__instancecheck__, items)):
            rows, subset = np.arange(n), items
            invalid = np.zeros(n, dtype=bool)
        else:
            is_str = np.fromiter(map(str.__instancecheck__, items), dtype=bool, count=n)
            rows = np.flatnonzero(is_str & ~column.nulls)
            subset = [items[i] for i in rows.tolist()]
            invalid = ~column.nulls & ~is_str
        mapped = np.empty(len(subset), dtype=object)
        mapped[:] = self._transform(subset, inverse)
        out = np.empty(n, dtype=object)
        out[rows] = mapped
        invalid[rows[mapped == None]] = True  # noqa: E711 - element-wise null test
        for i in np.flatnonzero(invalid).tolist():
            out[i] = self.char * len(str(items[i]))
        if self.strict and invalid.any():
            row = int(np.flatnonzero(invalid)[0])
            raise InvalidIdentifier(self.kind, "value does not validate, no pseudonym", row=row)
        _, _, key_id = self._derived()
        nulls = int(column.nulls.sum())
        bad = int(invalid.sum())
        report = PseudonymReport(n, n - nulls - bad, bad, nulls, key_id)
        result = column.rebuild(out)
        return (result[0] if scalar else result), report

    def _transform(self, values: list[str], inverse: bool) -> Any:
        """Map valid strings; return a list or object array with None for invalid ones."""
        raise NotImplementedError


def _to_digits(values: npt.NDArray[Any], width: int) -> npt.NDArray[np.uint8]:
    """Decimal digits of values below 10**9 (32-bit arithmetic: several times faster)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.uint32)
    column = values.astype(np.uint32)[:, None]
    digits: npt.NDArray[np.uint8] = ((column // powers) % np.uint32(10)).astype(np.uint8)
    return digits


# -- resident IDs -----------------------------------------------------------------------------

_EPOCH = np.datetime64("1900-01-01", "D")


def _county_codes() -> npt.NDArray[np.int64]:
    """Every county-level GB/T 2260 code (current and retired) of the mainland provinces."""
    table = regions._table()[0]
    codes = [
        int(code)
        for code, name in table.items()
        if code[4:] != "00" and name != "市辖区" and int(code[:2]) < 70
    ]
    return np.array(sorted(codes), dtype=np.int64)


_COUNTIES = _county_codes()
_COUNTY_PROVINCE = _COUNTIES // 10000
_WEIGHTS = np.array(resident_id.WEIGHTS, dtype=np.int32)
_CHECK = np.frombuffer(resident_id.CHECK_CHARS.encode(), dtype=np.uint8)


@dataclass(frozen=True)
class PseudonymizeResidentID(Pseudonymizer):
    """Resident ID → resident ID that validates, keeps what you ask, and maps back with the key.

    ``region``: ``"any"`` (any real county code), ``"province"`` (same province), ``"keep"``.
    ``birth``: ``"year"`` (same year), ``"keep"``, ``"window"`` (same ``window_days`` block),
    ``"age_band"`` (same five-year band of birth years); never a future date.
    ``keep_sex``: the sequence keeps its parity. Residence permits (81/82/83) and foreigner IDs
    keep their prefix. Legacy 15-digit IDs come out in the 18-character form.
    """

    region: Literal["any", "province", "keep"] = "any"
    birth: Literal["year", "keep", "window", "age_band"] = "year"
    window_days: int = 365
    keep_sex: bool = True
    today: dt.date | None = None

    kind: ClassVar[str] = "resident_id"

    def _transform(self, values: list[str], inverse: bool) -> Any:
        result: list[str | None] = [None] * len(values)
        codes18: list[npt.NDArray[Any]] = []
        positions: list[npt.NDArray[np.intp]] = []
        groups = codepoint_groups(values)
        if 18 in groups:
            rows, codes = groups[18]
            ok = resident_id.valid_codepoints(codes, today=self.today)
            good = codes[ok].astype(np.uint8)
            good[good == ord("x")] = ord("X")
            codes18.append(good)
            positions.append(rows[ok])
        done = np.zeros(len(values), dtype=bool)
        for p in positions:
            done[p] = True
        extra = list(np.flatnonzero(~done).tolist())
        fixed = []
        for i in extra:
            try:
                fixed.append((i, resident_id.parse(values[i], today=self.today).number))
            except InvalidIdentifier:
                continue
        if fixed:
            text = "".join(number for _, number in fixed).encode("ascii")
            codes18.append(np.frombuffer(text, dtype=np.uint8).reshape(-1, 18))
            positions.append(np.array([i for i, _ in fixed], dtype=np.intp))
        if not positions:
            return result
        rows = np.concatenate(positions)
        out, ok = self._map_ids(np.concatenate(codes18), inverse)
        for i, s, good in zip(
            rows.tolist(), strings_from_codepoints(out), ok.tolist(), strict=True
        ):
            result[i] = s if good else None
        return result

    def _blocks(
        self, days: npt.NDArray[np.int64], years: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Start (days since 1900-01-01) and size of each date's block."""
        if self.birth == "keep":
            return days.copy(), np.ones_like(days)
        if self.birth == "window":
            if self.window_days < 1:
                raise InvalidArgument("window_days must be at least 1")
            start = (days // self.window_days) * self.window_days
            end = start + self.window_days
        else:
            width = 1 if self.birth == "year" else 5
            first = (years // width) * width
            start = _year_start(first)
            end = _year_start(first + width)
        today = int((np.datetime64(self.today or dt.date.today(), "D") - _EPOCH).astype(np.int64))
        end = np.minimum(end, today + 1)
        return start, end - start

    def _map_ids(
        self, codes: npt.NDArray[np.uint8], inverse: bool
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
        k = codes.shape[0]
        digits = (codes[:, :17] - 48).astype(np.int32)
        region = (digits[:, :6] @ (10 ** np.arange(5, -1, -1, dtype=np.int32))).astype(np.int64)
        years = (digits[:, 6:10] @ np.array([1000, 100, 10, 1], dtype=np.int32)).astype(np.int64)
        months = (digits[:, 10] * 10 + digits[:, 11]).astype(np.int64)
        mdays = (digits[:, 12] * 10 + digits[:, 13]).astype(np.int64)
        days = _days_from_ymd(years, months, mdays)
        seq = (digits[:, 14:17] @ np.array([100, 10, 1], dtype=np.int32)).astype(np.int64)
        parity = seq % 2
        seq_size = 500 if self.keep_sex else 1000
        seq_index = seq // 2 if self.keep_sex else seq

        permit = (digits[:, 0] >= 8) | (self.region == "keep")
        if self.region == "keep":
            region_index = np.zeros(k, dtype=np.int64)
            region_size = np.ones(k, dtype=np.int64)
            group = np.zeros(k, dtype=np.int64)
        else:
            pos = np.searchsorted(_COUNTIES, region)
            pos_clipped = np.minimum(pos, _COUNTIES.size - 1)
            known = _COUNTIES[pos_clipped] == region
            if self.region == "province":
                province = region // 10000
                lo = np.searchsorted(_COUNTY_PROVINCE, province, side="left")
                hi = np.searchsorted(_COUNTY_PROVINCE, province, side="right")
                region_index, region_size, group = pos_clipped - lo, hi - lo, province
            else:
                region_index = pos_clipped
                region_size = np.full(k, _COUNTIES.size, dtype=np.int64)
                group = np.zeros(k, dtype=np.int64)
            ok_region = known | permit
            region_index = np.where(permit, 0, region_index)
            region_size = np.where(permit, 1, region_size)
            group = np.where(permit, -1 - region, group)
        ok = ok_region if self.region != "keep" else np.ones(k, dtype=bool)

        start, size_days = self._blocks(days, years)
        offset = days - start
        ok &= (offset >= 0) & (offset < size_days)
        index = ((region_index * size_days + offset) * seq_size + seq_index).astype(np.uint64)
        sizes = region_size * size_days * seq_size
        new_index = np.zeros(k, dtype=np.uint64)
        # One keyed map per domain: rows sharing a region list and a domain size.
        ok_rows = np.flatnonzero(ok)
        group_key = group[ok_rows] * (1 << 40) + sizes[ok_rows]
        uniq, inverse_rows = np.unique(group_key, return_inverse=True)
        order = np.argsort(inverse_rows, kind="stable")
        bounds = np.searchsorted(inverse_rows[order], np.arange(uniq.size + 1))
        for g in range(uniq.size):
            members = ok_rows[order[bounds[g] : bounds[g + 1]]]
            size = int(sizes[members[0]])
            new_index[members] = self._map(
                index[members],
                size,
                f"{self.region}|{self.birth}|{int(group[members[0]])}",
                inverse,
            )
        new_index = new_index.astype(np.int64)
        new_seq_index = new_index % seq_size
        rest = new_index // seq_size
        new_offset = rest % size_days
        new_region_index = rest // size_days
        new_seq = new_seq_index * 2 + parity if self.keep_sex else new_seq_index
        if self.region == "keep":
            new_region = region
        else:
            base = (
                np.searchsorted(_COUNTY_PROVINCE, region // 10000)
                if self.region == "province"
                else 0
            )
            candidate = _COUNTIES[np.minimum(base + new_region_index, _COUNTIES.size - 1)]
            new_region = np.where(permit, region, candidate)
        new_ymd = _ymd_from_days(start + new_offset)
        body = np.concatenate(
            [_to_digits(new_region, 6), _to_digits(new_ymd, 8), _to_digits(new_seq, 3)], axis=1,
        )  # fmt: skip
        check = _CHECK[(body.astype(np.int32) @ _WEIGHTS) % 11]
        out = np.concatenate([body + 48, check[:, None]], axis=1).astype(np.uint8)
        return out, ok


def _ymd_from_days(days: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """YYYYMMDD of each day counted from 1900-01-01 (proleptic Gregorian, vectorized)."""
    z = days + (_EPOCH - np.datetime64("0000-03-01", "D")).astype(np.int64)
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    result: npt.NDArray[np.int64] = year * 10000 + month * 100 + day
    return result


def _days_from_ymd(
    year: npt.NDArray[np.int64], month: npt.NDArray[np.int64], day: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Days from 1900-01-01 of each (year, month, day) (proleptic Gregorian, vectorized)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    mp = np.where(month > 2, month - 3, month + 9)
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    offset = (_EPOCH - np.datetime64("0000-03-01", "D")).astype(np.int64)
    result: npt.NDArray[np.int64] = era * 146097 + doe - offset
    return result


def _year_start(years: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return _days_from_ymd(years, np.ones_like(years), np.ones_like(years))


# -- digit-field surrogates -------------------------------------------------------------------


@dataclass(frozen=True)
class _FieldPseudonymizer(Pseudonymizer):
    """Values made of a kept part and a free digit field mapped within its own length."""

    def _split(self, value: str) -> tuple[str, str, str] | None:
        """(kept prefix, free digits, kept suffix marker) or None when invalid."""
        raise NotImplementedError

    def _join(self, prefix: str, digits: str, suffix: str) -> str:
        return prefix + digits + suffix

    def _free_domain(self, digits: str) -> tuple[int, int, int]:
        """(index, domain size, group) of a free digit field; plain digits by default."""
        return int(digits), 10 ** len(digits), len(digits)

    def _free_value(self, index: int, group: int, template: str) -> str:
        return f"{index:0{len(template)}d}"

    def _transform(self, values: list[str], inverse: bool) -> list[str | None]:
        parts = [self._split(v) for v in values]
        result: list[str | None] = [None] * len(values)
        by_group: dict[tuple[int, int], list[int]] = {}
        indices: dict[int, int] = {}
        for i, part in enumerate(parts):
            if part is None:
                continue
            index, size, group = self._free_domain(part[1])
            by_group.setdefault((group, size), []).append(i)
            indices[i] = index
        for (group, size), members in by_group.items():
            mapped = self._map(
                np.array([indices[i] for i in members], dtype=np.uint64), size, str(group), inverse
            )
            for i, new in zip(members, mapped.tolist(), strict=True):
                prefix, free, suffix = parts[i]  # type: ignore[misc]
                result[i] = self._join(prefix, self._free_value(int(new), group, free), suffix)
        return result


@dataclass(frozen=True)
class PseudonymizePhone(_FieldPseudonymizer):
    """Mobiles → allocated-segment mobiles (``keep_segment`` keeps 138...); landlines keep
    their area code and a valid subscriber number. Output is compact (no +86, no dashes)."""

    keep_segment: bool = False
    kind: ClassVar[str] = "phone"
    _segments: ClassVar[tuple[str, ...]] = tuple(sorted(phone.MOBILE_SEGMENTS))

    def _transform(self, values: list[str], inverse: bool) -> Any:
        """Compact mobiles take a vectorized path; everything else the per-value one."""
        mapped = np.empty(len(values), dtype=object)
        fast = np.zeros(len(values), dtype=bool)
        groups = codepoint_groups(values)
        if 11 in groups:
            rows, codes = groups[11]
            ok = phone.mobile_codepoints(codes)
            rows, codes = rows[ok], codes[ok]
            fast[rows] = True
            mapped[rows] = self._map_mobiles(codes, inverse)
        rest = np.flatnonzero(~fast)
        if rest.size:
            mapped[rest] = super()._transform([values[i] for i in rest.tolist()], inverse)
        return mapped

    def _map_mobiles(self, codes: npt.NDArray[Any], inverse: bool) -> list[str]:
        """Same pseudonyms as the per-value path (same index, domain and tweak), as arrays."""
        digits = (ascii_digits(codes) - np.uint8(48)).astype(np.int64)
        segment = digits[:, :3] @ np.array([100, 10, 1])
        rest = digits[:, 3:] @ (10 ** np.arange(7, -1, -1))
        if self.keep_segment:
            new = self._map(rest.astype(np.uint64), 10**8, "8", inverse).astype(np.int64)
            new_segment, new_rest = segment, new
        else:
            table = np.array([int(s) for s in self._segments])
            index = np.searchsorted(table, segment) * 10**8 + rest
            size = len(self._segments) * 10**8
            new = self._map(index.astype(np.uint64), size, "11", inverse).astype(np.int64)
            new_segment, new_rest = table[new // 10**8], new % 10**8
        body = np.concatenate([_to_digits(new_segment, 3), _to_digits(new_rest, 8)], axis=1)
        return strings_from_codepoints(body + np.uint8(48))

    def _split(self, value: str) -> tuple[str, str, str] | None:
        try:
            parsed = phone.parse(value)
        except InvalidIdentifier:
            return None
        if parsed.kind == "mobile":
            if self.keep_segment:
                return parsed.number[:3], parsed.number[3:], ""
            return "", parsed.number, ""
        ext = f"转{parsed.extension}" if parsed.extension else ""
        return parsed.prefix + "-", "L" + parsed.number[len(parsed.prefix) :], ext

    def _free_domain(self, digits: str) -> tuple[int, int, int]:
        if digits.startswith("L"):  # landline subscriber: first digit 2-9
            body = digits[1:]
            tail = 10 ** (len(body) - 1)
            return (int(body[0]) - 2) * tail + int(body[1:]), 8 * tail, 100 + len(body)
        if len(digits) == 11:  # whole mobile: segment index and eight digits
            segment = self._segments.index(digits[:3])
            return segment * 10**8 + int(digits[3:]), len(self._segments) * 10**8, 11
        return int(digits), 10 ** len(digits), len(digits)

    def _free_value(self, index: int, group: int, template: str) -> str:
        if group > 100:
            tail = 10 ** (group - 101)
            return f"{index // tail + 2}{index % tail:0{group - 101}d}"
        if group == 11:
            return self._segments[index // 10**8] + f"{index % 10**8:08d}"
        return f"{index:0{group}d}"


@dataclass(frozen=True)
class PseudonymizeBankCard(_FieldPseudonymizer):
    """Bank cards: the BIN (first ``keep_first`` digits) kept, a correct Luhn digit computed."""

    keep_first: int = 6
    kind: ClassVar[str] = "bank_card"

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


@dataclass(frozen=True)
class PseudonymizeDigits(_FieldPseudonymizer):
    """Any string over ``alphabet`` (digits by default): length and alphabet kept.

    Use it for medical record, admission and outpatient numbers. Values with characters outside
    the alphabet are invalid input.
    """

    alphabet: str = "0123456789"
    kind: ClassVar[str] = "digits"

    def _split(self, value: str) -> tuple[str, str, str] | None:
        if not value or any(c not in self.alphabet for c in value):
            return None
        return "", value, ""

    def _free_domain(self, digits: str) -> tuple[int, int, int]:
        radix = len(self.alphabet)
        index = 0
        for c in digits:
            index = index * radix + self.alphabet.index(c)
        return index, radix ** len(digits), len(digits)

    def _free_value(self, index: int, group: int, template: str) -> str:
        radix = len(self.alphabet)
        out = []
        for _ in range(group):
            index, r = divmod(index, radix)
            out.append(self.alphabet[r])
        return "".join(reversed(out))


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


# -- names and dates (one-way by nature) ------------------------------------------------------

_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欣建国峰志文博晨阳天昊"
_FEMALE = "芳娜敏静丽艳娟霞秀英玲燕萍红琳丹洁颖雪慧倩婷佳怡晶欣梅莉璐薇琪瑶雯月蕾桂兰"
_SURNAME_LIST = tuple(s for s in names.SURNAME_FREQUENCY if s not in names.COMPOUND_SURNAMES)
_SURNAME_CUMULATIVE = np.cumsum([names.SURNAME_FREQUENCY[s] for s in _SURNAME_LIST])


@dataclass(frozen=True)
class PseudonymizeName(Pseudonymizer):
    """Names → plausible names drawn deterministically (keyed) from the name tables.

    Same name, keyring and context → same pseudonym. ``keep_surname`` keeps the surname;
    ``sex`` (``"male"``/``"female"``) picks given-name characters of that sex. Always one-way.
    """

    keep_surname: bool = False
    sex: Literal["male", "female"] | None = None
    kind: ClassVar[str] = "name"

    def __post_init__(self) -> None:
        object.__setattr__(self, "one_way", True)

    def reverse(self, values: Any) -> Any:
        """Names are one-way: always raises."""
        raise InvalidArgument("name pseudonyms are one-way and cannot be reversed")

    def _transform(self, values: list[str], inverse: bool) -> list[str | None]:
        key, _, _ = self._derived()
        pool = {"male": _MALE, "female": _FEMALE, None: _MALE + _FEMALE}[self.sex]
        out: list[str | None] = []
        for value in values:
            try:
                parsed = names.parse(value)
            except InvalidIdentifier:
                out.append(None)
                continue
            digest = hmac.digest(key, value.encode(), "sha256")
            if self.keep_surname:
                surname = parsed.surname
            else:
                point = int.from_bytes(digest[:8], "big") / 2**64 * _SURNAME_CUMULATIVE[-1]
                surname = _SURNAME_LIST[int(np.searchsorted(_SURNAME_CUMULATIVE, point, "right"))]
            given_len = min(max(len(parsed.given), 1), 2)
            given = "".join(pool[digest[8 + j] % len(pool)] for j in range(given_len))
            out.append(surname + given)
        return out


@dataclass(frozen=True)
class DateShift:
    """Shift every date of a patient by the same keyed number of days (never zero).

    ``apply(dates, patients)`` takes a column of dates (``datetime.date``, ISO strings, numpy
    ``datetime64`` or a pandas datetime Series) and the patient ID of each row; intervals between
    one patient's dates survive, calendar positions do not. ``reverse`` undoes it.
    """

    keyring: Keyring = field(repr=False)
    context: str = ""
    max_days: int = 180

    def shifts(self, patients: Any) -> npt.NDArray[np.int64]:
        """The shift in days of each patient ID (same ID → same shift)."""
        if self.max_days < 1:
            raise InvalidArgument("max_days must be at least 1")
        key = self.keyring.derive("pseudonymize:date-shift", self.context).material
        ids = as_column(patients).values.tolist()
        span = 2 * self.max_days
        out = []
        for pid in ids:
            if pid is None:
                raise InvalidArgument("every row needs a patient ID to shift its dates")
            r = int.from_bytes(hmac.digest(key, str(pid).encode(), "sha256")[:8], "big") % span
            out.append(r - self.max_days if r < self.max_days else r - self.max_days + 1)
        return np.array(out, dtype=np.int64)

    def apply(self, dates: Any, patients: Any) -> Any:
        """Shift ``dates`` by each row's patient shift; returns the same kind."""
        return self._shift(dates, patients, 1)

    def reverse(self, dates: Any, patients: Any) -> Any:
        """Undo :meth:`apply`."""
        return self._shift(dates, patients, -1)

    def _shift(self, dates: Any, patients: Any, sign: int) -> Any:
        shift = self.shifts(patients) * sign
        if isinstance(dates, np.ndarray) and dates.dtype.kind == "M":
            return dates + shift.astype("timedelta64[D]")
        import sys

        pd = sys.modules.get("pandas")
        if pd is not None and isinstance(dates, pd.Series) and dates.dtype.kind == "M":
            return dates + pd.to_timedelta(shift, unit="D")
        column = as_column(dates)
        if len(column) != len(shift):
            raise InvalidArgument("dates and patients must have the same length")
        out = np.empty(len(column), dtype=object)
        for i, (value, days) in enumerate(zip(column.values.tolist(), shift.tolist(), strict=True)):
            if value is None or column.nulls[i]:
                continue
            out[i] = _shift_one(value, int(days), row=i)
        return column.rebuild(out)


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _shift_one(value: Any, days: int, *, row: int) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value + dt.timedelta(days=days)
    if isinstance(value, str) and _ISO.match(value):
        try:
            return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
        except ValueError:
            pass
    raise InvalidIdentifier("date", "not a date or an ISO date string (YYYY-MM-DD)", row=row)
