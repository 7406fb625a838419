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
import functools
import hmac
import numbers
import re
import sys
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from medguard._column import (
    ColumnData,
    as_column,
    ascii_digits,
    codepoint_groups,
    is_column,
    strings_from_codepoints,
)
from medguard.cn import bank_card, names, passport, phone, regions, resident_id, uscc
from medguard.errors import (
    DomainTooSmall,
    InvalidArgument,
    InvalidIdentifier,
    MedguardError,
    UnsupportedColumn,
)
from medguard.hazmat.ff1 import MIN_DOMAIN_SIZE
from medguard.keys import SECRET_ACCESS, Keyring, Suite
from medguard.ops._permutation import MAX_FAST_BITS, IndexMap

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


def _derive(keyring: Keyring, purpose: str, context: str, key_id: str | None) -> Any:
    """A 32-byte subkey for ``purpose`` (ops are the one place allowed to hold its material).

    ``key_id`` pins the keyring key (a dataset key, say); ``None`` takes the primary. A pinned
    key that was destroyed raises :class:`~medguard.errors.KeyDestroyed`.
    """
    return keyring.derive(purpose, context, key_id=key_id, length=32, access=SECRET_ACCESS)


@dataclass(frozen=True)
class PseudonymReport:
    """Counts from one run, and the key that made the pseudonyms.

    ``invalid`` counts every value that got no pseudonym (masked instead): values that do not
    validate, values that are not text (bytes, numbers), text that cannot be encoded (a lone
    surrogate), and values whose own domain is below the safe minimum.
    """

    total: int
    pseudonymized: int
    invalid: int
    nulls: int
    key_id: str


class _Refusal:
    """Marks a value a ``_transform`` refused, with the reason ``strict=True`` reports."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"_Refusal({self.reason!r})"


_NOT_TEXT = "not text, or text that cannot be encoded (no pseudonym)"
_INVALID = "value does not validate, no pseudonym"
_SMALL = _Refusal(
    f"the value's own domain has fewer than {MIN_DOMAIN_SIZE:,} values (too short or too much "
    "kept): no safe pseudonym; allow_small_domain=True accepts the risk"
)


def _mask_length(value: object) -> int:
    """Length of the mask that replaces an unusable value (never fails)."""
    if isinstance(value, str | bytes | bytearray):
        return len(value)
    try:
        return len(str(value))
    except Exception:  # a value whose str() fails still gets masked
        return 1


def _null_item(value: object) -> bool:
    """One item's nullness: None, NaN, numpy NaT, pandas NA/NaT."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return bool(value != value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NA or value is pd.NaT)


def _column(values: Any) -> ColumnData:
    """:func:`as_column`, robust to items whose ``==`` misbehaves (``pd.NA`` in a plain list)."""
    failed = False
    try:
        return as_column(values)
    except MedguardError:
        raise
    except (TypeError, ValueError):
        failed = True
    if not failed or not isinstance(values, list | tuple):  # pragma: no cover - defensive
        raise UnsupportedColumn("this column holds items medguard cannot compare")
    cleaned = [None if _null_item(v) else v for v in values]
    return as_column(tuple(cleaned) if isinstance(values, tuple) else cleaned)


def _encodable(values: list[str]) -> npt.NDArray[np.bool_]:
    """Which strings can be encoded (False where a lone surrogate sits); one pass when all can."""
    joined = "".join(values)
    if joined.isascii():
        return np.ones(len(values), dtype=bool)
    ok = True
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        ok = False
    if ok:
        return np.ones(len(values), dtype=bool)
    return np.fromiter(map(_encodes, values), dtype=bool, count=len(values))


def _encodes(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class Pseudonymizer:
    """Base: a keyring, a ``context`` separating pseudonym spaces, and the invalid-input policy.

    Subclasses implement ``_transform(values: list[str], inverse) -> list`` that gives a
    pseudonym, ``None`` (an invalid value) or ``_SMALL`` (a value whose own domain is too
    small) for each value. ``one_way=True`` makes pseudonyms irreversible.

    An unusable value is that value's problem: a value that does not validate, is not text
    (bytes, numbers), holds a lone surrogate, or whose own domain is below 1,000,000 values is
    replaced by ``char`` repeated to its length and counted as ``invalid``; ``strict=True``
    raises :class:`~medguard.errors.InvalidIdentifier` naming the first such row instead (never
    the value). Options that make *every* domain too small raise
    :class:`~medguard.errors.DomainTooSmall` when the operation is built.

    ``key_id`` pins the keyring key the pseudonyms are made under (e.g. a per-dataset key that
    :func:`medguard.erase.crypto_shred` can destroy: afterwards :meth:`reverse` raises
    :class:`~medguard.errors.KeyDestroyed`). Without it the primary key at the time of the call
    is used, and a pseudonym carries no key ID: after a rotation, reverse with the old key's ID.
    """

    keyring: Keyring = field(repr=False)
    context: str = ""
    one_way: bool = False
    strict: bool = False
    allow_small_domain: bool = False
    char: str = "*"
    key_id: str | None = None

    kind: ClassVar[str] = "string"

    def __post_init__(self) -> None:
        self._validate()

    def _validate(self) -> None:
        """Refuse unusable options at construction (subclasses add theirs)."""
        if not isinstance(self.context, str):
            raise InvalidArgument("context must be a string")
        if not isinstance(self.char, str) or len(self.char) != 1:
            raise InvalidArgument("char must be one character")

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
        derived = _derive(self.keyring, purpose, self.context, self.key_id)
        cipher = "sm4" if derived.suite == Suite.SM else "aes"
        key = derived.material[:16] if cipher == "sm4" else derived.material
        return key, cipher, derived.key_id

    def _index_map(self) -> tuple[IndexMap, str]:
        key, cipher, key_id = self._derived()
        return IndexMap(key, cipher=cipher, allow_small_domain=self.allow_small_domain), key_id

    def _map(self, index: Any, size: int, tweak: str, inverse: bool) -> Any:
        index_map, _ = self._index_map()
        return index_map.apply(
            index, size, f"{self.kind}|{tweak}".encode(), one_way=self.one_way, inverse=inverse
        )

    def _run(self, values: Any, *, inverse: bool) -> tuple[Any, PseudonymReport]:
        self._before_run(inverse)
        scalar = not is_column(values)
        column = _column([values] if scalar else values)
        n = len(column)
        items = column.values.tolist()
        reasons: list[str | None] = [None] * n
        if not column.nulls.any() and all(map(str.__instancecheck__, items)):
            rows, subset = np.arange(n), items
            invalid = np.zeros(n, dtype=bool)
        else:
            is_str = np.fromiter(map(str.__instancecheck__, items), dtype=bool, count=n)
            rows = np.flatnonzero(is_str & ~column.nulls)
            subset = [items[i] for i in rows.tolist()]
            invalid = ~column.nulls & ~is_str
        encodable = _encodable(subset)
        if not encodable.all():
            invalid[rows[~encodable]] = True
            rows = rows[encodable]
            subset = [subset[i] for i in np.flatnonzero(encodable).tolist()]
        for i in np.flatnonzero(invalid).tolist():
            reasons[i] = _NOT_TEXT
        results = self._transform(subset, inverse)
        mapped = np.empty(len(subset), dtype=object)
        mapped[:] = results
        out = np.empty(n, dtype=object)
        out[rows] = mapped
        if None in results or _SMALL in results:  # C-speed scans; flags only when needed
            done = np.fromiter(map(str.__instancecheck__, mapped.tolist()), bool, len(subset))
            for i, why in zip(rows[~done].tolist(), mapped[~done].tolist(), strict=True):
                invalid[i] = True
                reasons[i] = why.reason if isinstance(why, _Refusal) else _INVALID
        bad_rows = np.flatnonzero(invalid)
        if self.strict and bad_rows.size:
            row = int(bad_rows[0])
            raise InvalidIdentifier(self.kind, reasons[row] or _INVALID, row=row)
        for i in bad_rows.tolist():
            out[i] = self.char * _mask_length(items[i])
        _, _, key_id = self._derived()
        nulls = int(column.nulls.sum())
        bad = int(bad_rows.size)
        report = PseudonymReport(n, n - nulls - bad, bad, nulls, key_id)
        result = column.rebuild(out)
        return (result[0] if scalar else result), report

    def _before_run(self, inverse: bool) -> None:
        """Checks that depend on the direction (none by default)."""

    def _transform(self, values: list[str], inverse: bool) -> Any:
        """Map valid strings; a list or object array with None (invalid) or a refusal."""
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
_PROVINCE_MAX = int(np.bincount(_COUNTY_PROVINCE).max())
_WEIGHTS = np.array(resident_id.WEIGHTS, dtype=np.int32)
_CHECK = np.frombuffer(resident_id.CHECK_CHARS.encode(), dtype=np.uint8)


#: The reference date of birth-date blocks when ``as_of`` is not given (see
#: :class:`PseudonymizeResidentID`). Part of the pseudonym format: it never changes.
DEFAULT_BIRTH_AS_OF = dt.date(2025, 12, 31)
_BLOCK_DAYS = {"keep": 1, "year": 366, "age_band": 5 * 365 + 2}


@dataclass(frozen=True)
class PseudonymizeResidentID(Pseudonymizer):
    """Resident ID → resident ID that validates, keeps what you ask, and maps back with the key.

    ``region``: ``"any"`` (any real county code), ``"province"`` (same province), ``"keep"``.
    ``birth``: ``"year"`` (same year), ``"keep"``, ``"window"`` (same ``window_days`` block,
    counted from 1900-01-01), ``"age_band"`` (same five-year band of birth years).
    ``keep_sex``: the sequence keeps its parity. Residence permits (81/82/83) and foreigner IDs
    keep their prefix. Legacy 15-digit IDs come out in the 18-character form.

    Birth dates are never in the future, and the pseudonym is a pure function of the key,
    ``context``, the options and the value (the same on any day; :meth:`reverse` works on any
    later day). Both hold because the blocks are cut at a fixed reference date ``as_of``
    (default :data:`DEFAULT_BIRTH_AS_OF`, 2025-12-31), not at today:

    - a birth date on or before ``as_of`` moves within its block cut at ``as_of``, so the
      pseudonym's birth date is on or before ``as_of`` as well;
    - a birth date after ``as_of`` is **kept** (its block is that one day; region and sequence
      still change). No bijection can move such dates without either depending on the
      calendar or producing future dates, so set ``as_of`` to the last day whose births you
      want hidden (not after today: :meth:`apply` refuses a future ``as_of``) and keep it for
      the life of the pseudonym space, like the key and the context: changing it changes the
      pseudonyms of people born in the block that holds the old ``as_of``.

    ``today`` only sets the day against which *inputs* are validated (a birth date after it
    is invalid input); it has no effect on the pseudonyms.
    """

    region: Literal["any", "province", "keep"] = "any"
    birth: Literal["year", "keep", "window", "age_band"] = "year"
    window_days: int = 365
    keep_sex: bool = True
    today: dt.date | None = None
    as_of: dt.date | None = None

    kind: ClassVar[str] = "resident_id"

    def _validate(self) -> None:
        super()._validate()
        if self.region not in ("any", "province", "keep"):
            raise InvalidArgument("region must be 'any', 'province' or 'keep'")
        if self.birth not in ("year", "keep", "window", "age_band"):
            raise InvalidArgument("birth must be 'year', 'keep', 'window' or 'age_band'")
        if (
            isinstance(self.window_days, bool)
            or not isinstance(self.window_days, int)
            or not 1 <= self.window_days <= 36_525
        ):
            raise InvalidArgument("window_days must be an integer from 1 to 36525")
        for name in ("today", "as_of"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, dt.date) or isinstance(value, dt.datetime)
            ):
                raise InvalidArgument(f"{name} must be a datetime.date")
        if self.allow_small_domain:
            return
        regions_max = {"keep": 1, "province": _PROVINCE_MAX, "any": _COUNTIES.size}[self.region]
        days_max = self.window_days if self.birth == "window" else _BLOCK_DAYS[self.birth]
        largest = regions_max * days_max * (500 if self.keep_sex else 1000)
        if largest < MIN_DOMAIN_SIZE:
            raise DomainTooSmall(
                f"with region={self.region!r} and birth={self.birth!r} no resident ID has more "
                f"than {largest:,} possible pseudonyms (< {MIN_DOMAIN_SIZE:,}): they can be "
                "brute-forced; pass allow_small_domain=True to accept the risk"
            )

    def _before_run(self, inverse: bool) -> None:
        if not inverse and self.as_of is not None and self.as_of > (self.today or _today()):
            raise InvalidArgument(
                "as_of is after today: pseudonyms could be born in the future; "
                "choose a reference date that has passed"
            )

    def _transform(self, values: list[str], inverse: bool) -> Any:
        result: list[Any] = [None] * len(values)
        codes18: list[npt.NDArray[Any]] = []
        positions: list[npt.NDArray[np.intp]] = []
        groups = codepoint_groups(values)
        if 18 in groups:
            rows, codes = groups[18]
            ok = resident_id.valid_codepoints(codes, today=self.today)
            good = ascii_digits(codes[ok]).copy()  # full-width digits folded to ASCII
            good[good == ord("x")] = ord("X")
            codes18.append(good)
            positions.append(rows[ok])
        done = np.zeros(len(values), dtype=bool)
        for p in positions:
            done[p] = True
        fixed = []
        for i in np.flatnonzero(~done).tolist():
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
        out, status = self._map_ids(np.concatenate(codes18), inverse)
        for i, s, state in zip(
            rows.tolist(), strings_from_codepoints(out), status.tolist(), strict=True
        ):
            result[i] = s if state == 0 else (_SMALL if state == 2 else None)
        return result

    def _blocks(
        self, days: npt.NDArray[np.int64], years: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Start (days since 1900-01-01) and size of each date's block, cut at ``as_of``."""
        if self.birth == "keep":
            return days.copy(), np.ones_like(days)
        if self.birth == "window":
            start = (days // self.window_days) * self.window_days
            end = start + self.window_days
        else:
            width = 1 if self.birth == "year" else 5
            first = (years // width) * width
            start = _year_start(first)
            end = _year_start(first + width)
        as_of = self.as_of or DEFAULT_BIRTH_AS_OF
        last = int((np.datetime64(as_of, "D") - _EPOCH).astype(np.int64))
        end = np.minimum(end, last + 1)
        late = days > last  # born after as_of: the block is the day itself
        start = np.where(late, days, start)
        end = np.where(late, days + 1, end)
        return start, end - start

    def _map_ids(
        self, codes: npt.NDArray[np.uint8], inverse: bool
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int8]]:
        """Map ``(k, 18)`` ASCII IDs; status 0 mapped, 1 invalid, 2 domain too small."""
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
        status = np.where(ok, 0, 1).astype(np.int8)
        floor = 2 if self.allow_small_domain else MIN_DOMAIN_SIZE
        small = ok & (sizes < floor)
        status[small] = 2
        ok &= ~small
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
        return out, status


def _today() -> dt.date:
    return dt.date.today()


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

    def _tweak(self, group: int, prefix: str) -> str:
        """The tweak of a group of values (the kept prefix is not part of it by default)."""
        return str(group)

    def _transform(self, values: list[str], inverse: bool) -> list[Any]:
        parts = [self._split(v) for v in values]
        result: list[Any] = [None] * len(values)
        by_group: dict[tuple[str, int, int], list[int]] = {}
        indices: dict[int, int] = {}
        for i, part in enumerate(parts):
            if part is None:
                continue
            index, size, group = self._free_domain(part[1])
            by_group.setdefault((self._tweak(group, part[0]), group, size), []).append(i)
            indices[i] = index
        index_map, _ = self._index_map()
        for (tweak, group, size), members in by_group.items():
            if index_map.is_small(size):
                for i in members:
                    result[i] = _SMALL
                continue
            wide = size > 2**MAX_FAST_BITS
            batch = np.array([indices[i] for i in members], dtype=object if wide else np.uint64)
            mapped = self._map(batch, size, tweak, inverse)
            for i, new in zip(members, mapped.tolist(), strict=True):
                prefix, free, suffix = parts[i]  # type: ignore[misc]
                result[i] = self._join(prefix, self._free_value(int(new), group, free), suffix)
        return result


@dataclass(frozen=True)
class PseudonymizePhone(_FieldPseudonymizer):
    """Phone numbers → phone numbers of the same kind.

    Mobiles (``+86``/``0086`` prefixes, spaces and dashes accepted) become 11-digit compact
    mobiles of an allocated segment (``keep_segment=True`` keeps the first three digits, e.g.
    ``138``). Landlines keep their area code and become ``<area code>-<subscriber>`` with a
    subscriber number of the same length whose first digit is 2-9; an extension is kept as
    ``转<extension>``.
    """

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


_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
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
        super().__post_init__()

    def _validate(self) -> None:
        super()._validate()
        if self.sex not in (None, "male", "female"):
            raise InvalidArgument("sex must be None, 'male' or 'female'")

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


#: Largest ``max_days`` of a :class:`DateShift` (a century).
MAX_SHIFT_DAYS = 36_525
_ORDINAL_EPOCH = dt.date(1900, 1, 1).toordinal()
_MIN_DAY = dt.date.min.toordinal() - _ORDINAL_EPOCH
_MAX_DAY = dt.date.max.toordinal() - _ORDINAL_EPOCH
_UNIX_ORDINAL = dt.date(1970, 1, 1).toordinal()  # datetime64 counts from 1970-01-01
_UNIX_MIN_DAY = dt.date.min.toordinal() - _UNIX_ORDINAL
_UNIX_MAX_DAY = dt.date.max.toordinal() - _UNIX_ORDINAL
_NO_PATIENT = "no usable patient ID for this date (null, bytes, a boolean or unencodable text)"
_NOT_A_DATE = (
    "not a date in a known form (YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD, YYYY年M月D日)"
)
_OUT_OF_RANGE = (
    "the shifted date is outside the range of its type (years 1-9999 for text and dates)"
)
_SEPARATED = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})((?:[ T].*)?)\Z", re.S)
_CHINESE = re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})([日号])(.*)\Z", re.S)
_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})((?:[0-9]{4}|[0-9]{6})?(?:[ T].*)?)\Z", re.S)


_MISSING: Any = object()


def _subject_arg(subject: Any, patients: Any) -> Any:
    """``subject`` (the one name), or ``patients`` (its older name); exactly one of them."""
    if subject is _MISSING and patients is _MISSING:
        raise InvalidArgument("give the subject (patient) of each date: subject=")
    if subject is not _MISSING and patients is not _MISSING:
        raise InvalidArgument("give subject or patients (its older name), not both")
    return patients if subject is _MISSING else subject


@dataclass(frozen=True)
class DateShift:
    """Shift every date of a patient by the same keyed number of days (never zero).

    ``apply(dates, subject)`` takes a column of dates and the patient ID of each row (a
    column of the same length, matched by position; one ID for many dates is refused, not
    broadcast) and returns the same kind of column; ``apply(date, patient)`` with two scalars
    returns one shifted value (the scalar form). Intervals between one patient's dates
    survive, calendar positions do not. :meth:`reverse` undoes it; :meth:`apply_with_report`
    also returns a :class:`PseudonymReport`.

    Dates are accepted as ``datetime.date``/``datetime.datetime``/pandas ``Timestamp`` (and
    numpy ``datetime64``) values, numpy ``datetime64`` arrays, pandas datetime Series, pyarrow
    date and timestamp arrays, and text in the forms hospitals write: ``2025-01-03``,
    ``2025/01/03``, ``2025.01.03``, ``20250103``, ``2025年1月3日`` (a time after the date, such
    as ``2025-01-03 08:30`` or ``20250103083000``, is kept as written). Each value comes back as
    its own kind and format: text in the same pattern (separators, a ``日``/``号`` suffix;
    two-digit month and day when the input has a leading zero, one digit when it has a
    one-digit field, else the usual style of the form: ``2025-12-15`` is padded,
    ``2025年12月15日`` is not; full-width digits come back half-width), dates as dates,
    datetimes as datetimes with their time and zone.

    Patients: the same ID always gets the same shift, whatever its type: ``1``, ``1.0``,
    ``"1"`` and ``numpy.int64(1)`` are one patient. A null date is null whatever the patient;
    ``None``, ``NaN``, ``pd.NA`` and ``NaT`` patients are all null. A date whose patient is
    null or unusable (bytes, a boolean, text with a lone surrogate), a value that is not a
    date, and a date whose shift leaves its type's range (for text and Python dates, years
    1-9999: no clamping, which would break :meth:`reverse`) are that value's problem: masked
    (``char`` repeated to its length; ``NaT`` in datetime64 columns) and counted as invalid,
    or, with ``strict=True``, :class:`~medguard.errors.InvalidIdentifier` naming the row.

    The shift of a patient is HMAC(key, patient ID) reduced to ``±1..max_days``: one HMAC per
    distinct patient, and the dates of a column move with numpy arithmetic.
    """

    keyring: Keyring = field(repr=False)
    context: str = ""
    max_days: int = 180
    strict: bool = False
    char: str = "*"
    key_id: str | None = None  # pins a keyring key, as for the pseudonymizers

    kind: ClassVar[str] = "date"

    def __post_init__(self) -> None:
        if (
            isinstance(self.max_days, bool)
            or not isinstance(self.max_days, int)
            or not 1 <= self.max_days <= MAX_SHIFT_DAYS
        ):
            raise InvalidArgument(f"max_days must be an integer from 1 to {MAX_SHIFT_DAYS}")
        if not isinstance(self.context, str):
            raise InvalidArgument("context must be a string")
        if not isinstance(self.char, str) or len(self.char) != 1:
            raise InvalidArgument("char must be one character")

    def shifts(self, subject: Any = _MISSING, *, patients: Any = _MISSING) -> npt.NDArray[np.int64]:
        """The shift in days of each subject (patient) ID (same ID → same shift).

        ``patients=`` is the older name of ``subject`` and still accepted.

        Raises :class:`~medguard.errors.InvalidIdentifier` naming the first row whose patient
        ID is null or unusable.
        """
        shift, usable, _ = self._patient_shifts(_column(_subject_arg(subject, patients)))
        if not usable.all():
            row = int(np.flatnonzero(~usable)[0])
            raise InvalidIdentifier("patient_id", _NO_PATIENT, row=row)
        return shift

    def apply(self, dates: Any, subject: Any = _MISSING, *, patients: Any = _MISSING) -> Any:
        """Shift ``dates`` by each row's subject shift; returns the same kind (scalar → scalar).

        ``subject`` is the person of each date (``patients=``, its older name, still works).
        """
        return self._run(dates, _subject_arg(subject, patients), 1)[0]

    def reverse(self, dates: Any, subject: Any = _MISSING, *, patients: Any = _MISSING) -> Any:
        """Undo :meth:`apply` (same keyring, context and ``max_days``)."""
        return self._run(dates, _subject_arg(subject, patients), -1)[0]

    def apply_with_report(
        self, dates: Any, subject: Any = _MISSING, *, patients: Any = _MISSING
    ) -> tuple[Any, PseudonymReport]:
        """Shift and return ``(result, PseudonymReport)``."""
        return self._run(dates, _subject_arg(subject, patients), 1)

    # -- patients --------------------------------------------------------------------------
    def _patient_shifts(
        self, column: ColumnData
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_], str]:
        """(shift per row, usable per row, key ID): one HMAC per distinct patient."""
        derived = _derive(self.keyring, "pseudonymize:date-shift", self.context, self.key_id)
        key = derived.material
        n = len(column)
        items = column.values
        usable = ~column.nulls
        usable &= ~np.fromiter(map(bool.__instancecheck__, items.tolist()), bool, count=n)
        rows = np.flatnonzero(usable)
        codes, uniques = _factorize(items[rows])
        span = 2 * self.max_days
        by_key: dict[bytes, int] = {}
        unique_shift = np.zeros(len(uniques), dtype=np.int64)
        unique_ok = np.zeros(len(uniques), dtype=bool)
        for j, value in enumerate(uniques):
            canonical = _patient_key(value)
            if canonical is None:
                continue
            if canonical not in by_key:
                digest = hmac.digest(key, canonical, "sha256")
                r = int.from_bytes(digest[:8], "big") % span
                by_key[canonical] = r - self.max_days + (r >= self.max_days)  # never zero
            unique_shift[j] = by_key[canonical]
            unique_ok[j] = True
        shift = np.zeros(n, dtype=np.int64)
        shift[rows] = unique_shift[codes]
        usable[rows] = unique_ok[codes]
        return shift, usable, derived.key_id

    # -- dates -----------------------------------------------------------------------------
    def _run(self, dates: Any, patients: Any, sign: int) -> tuple[Any, PseudonymReport]:
        scalar = not is_column(dates)
        if scalar and is_column(patients):
            raise InvalidArgument("one date needs one patient ID, not a column of them")
        if not scalar and not is_column(patients):
            raise InvalidArgument(
                "patients must be a column with one patient ID per date, matched by position "
                "(a single ID is not broadcast to every date)"
            )
        if scalar:
            dates, patients = [dates], [patients]
        date_column = _column(dates) if not _typed_dates(dates) else None
        n = len(date_column) if date_column is not None else len(dates)
        patient_column = _column(patients)
        if len(patient_column) != n:
            raise InvalidArgument(
                f"dates and patients must have the same length ({n} dates, "
                f"{len(patient_column)} patient IDs)"
            )
        shift, usable, key_id = self._patient_shifts(patient_column)
        shift *= sign
        if date_column is None:
            result, nulls, problems = _shift_typed(dates, shift, usable)
        else:
            result, nulls, problems = self._shift_objects(date_column, shift, usable)
        bad = sorted(problems)
        if self.strict and bad:
            raise InvalidIdentifier("date", problems[bad[0]], row=bad[0])
        report = PseudonymReport(n, n - int(nulls) - len(bad), len(bad), int(nulls), key_id)
        if scalar:
            result = result[0]
        return result, report

    def _shift_objects(
        self, column: ColumnData, shift: npt.NDArray[np.int64], usable: npt.NDArray[np.bool_]
    ) -> tuple[Any, int, dict[int, str]]:
        """Shift a column of Python values (text, dates, datetimes, numpy scalars)."""
        n = len(column)
        items = column.values.tolist()
        out = np.empty(n, dtype=object)
        problems: dict[int, str] = {}
        todo = ~column.nulls
        for i in np.flatnonzero(todo & ~usable).tolist():
            problems[i] = _NO_PATIENT
        todo &= usable
        if all(map(str.__instancecheck__, items)):
            kinds = np.zeros(n, dtype=np.int8)
        else:
            kinds = np.fromiter(map(_value_kind, items), dtype=np.int8, count=n)
        kinds[~todo] = -1
        for code, handler in ((0, _shift_texts), (1, _shift_dates), (2, _shift_naive)):
            rows = np.flatnonzero(kinds == code)
            if rows.size:
                handler([items[i] for i in rows.tolist()], shift[rows], rows, out, problems)
        for i in np.flatnonzero(kinds == 3).tolist():
            value, why = _shift_scalar(items[i], int(shift[i]))
            if why is None:
                out[i] = value
            else:
                problems[i] = why
        for i in np.flatnonzero(kinds == 4).tolist():
            problems[i] = _NOT_A_DATE
        for i in problems:
            out[i] = self.char * _mask_length(items[i])
        return column.rebuild(out), int(column.nulls.sum()), problems


def _factorize(values: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.intp], list[Any]]:
    """(code per item, distinct items): pandas' hash table when loaded, else a dict."""
    pd = sys.modules.get("pandas")
    if pd is not None:
        try:
            codes, distinct = pd.factorize(values, use_na_sentinel=False)
            return np.asarray(codes, dtype=np.intp), list(distinct)
        except TypeError:  # unhashable items: the dict below says which
            pass
    items = values.tolist()
    seen: dict[Any, int] = {}
    try:
        found = np.fromiter((seen.setdefault(v, len(seen)) for v in items), np.intp, len(items))
        return found, list(seen)
    except TypeError:
        pass
    seen.clear()
    uniques: list[Any] = []
    codes_list = []
    for value in items:
        try:
            code = seen.setdefault(value, len(uniques))
        except TypeError:  # an unhashable item is its own (unusable) patient
            code = len(uniques)
            uniques.append(_UNHASHABLE)
        else:
            if code == len(uniques):
                uniques.append(value)
        codes_list.append(code)
    return np.array(codes_list, dtype=np.intp), uniques


_UNHASHABLE = object()


def _patient_key(value: Any) -> bytes | None:
    """The canonical bytes of one patient ID, or None when it is unusable.

    Text is itself; integral numbers (``1``, ``1.0``, ``numpy.int64(1)``, ``Decimal(1)``) are
    their decimal digits, so they match the text ``"1"``; other values their ``str``.
    """
    if isinstance(value, str):
        text = value
    elif value is _UNHASHABLE or isinstance(value, bytes | bytearray | bool | np.bool_):
        return None
    else:
        try:
            if isinstance(value, float | np.floating) and not np.isfinite(value):
                return None
            if isinstance(value, numbers.Number) and not isinstance(value, complex):
                integral = int(value)  # type: ignore[call-overload]
                text = str(integral) if integral == value else str(value)
            else:
                text = str(value)
        except (TypeError, ValueError, OverflowError, ArithmeticError):
            return None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def _value_kind(value: Any) -> int:
    """0 text, 1 plain date, 2 naive datetime, 3 other date-like scalar, 4 not a date."""
    kind = type(value)
    if kind is str:
        return 0
    if kind is dt.date:
        return 1
    if kind is dt.datetime and value.tzinfo is None:
        return 2
    if isinstance(value, str):
        return 0
    if isinstance(value, dt.date | np.datetime64):
        return 3
    return 4


def _shift_dates(
    values: list[Any], shift: Any, rows: Any, out: Any, problems: dict[int, str]
) -> None:
    """``datetime.date`` values, through ``datetime64[D]`` (vectorized)."""
    days = np.array(values, dtype="datetime64[D]").astype(np.int64) + shift
    ok = (days >= _UNIX_MIN_DAY) & (days <= _UNIX_MAX_DAY)
    moved = days.astype("datetime64[D]").astype(object)
    out[rows[ok]] = moved[ok]
    for i in rows[~ok].tolist():
        problems[i] = _OUT_OF_RANGE


def _shift_naive(
    values: list[Any], shift: Any, rows: Any, out: Any, problems: dict[int, str]
) -> None:
    """Naive ``datetime.datetime`` values, through ``datetime64[us]`` (vectorized)."""
    stamps = np.array(values, dtype="datetime64[us]").astype(np.int64)
    per_day = 86_400_000_000
    day = stamps // per_day + shift
    ok = (day >= _UNIX_MIN_DAY) & (day <= _UNIX_MAX_DAY)
    moved = (stamps + shift * per_day).astype("datetime64[us]").astype(object)
    out[rows[ok]] = moved[ok]
    for i in rows[~ok].tolist():
        problems[i] = _OUT_OF_RANGE


def _shift_scalar(value: Any, days: int) -> tuple[Any, str | None]:
    """One tz-aware datetime, Timestamp, date subclass or numpy datetime64 value."""
    if isinstance(value, np.datetime64):
        moved, _, bad = _shift_datetime64(np.array([value]), np.array([days], dtype=np.int64))
        if bad.any():
            return None, _OUT_OF_RANGE
        return moved[0], None
    try:
        return value + dt.timedelta(days=days), None
    except (OverflowError, ValueError):  # pandas' OutOfBoundsDatetime is a ValueError
        return None, _OUT_OF_RANGE


_DATE_COLUMNS = {8: np.arange(8), 10: np.array([0, 1, 2, 3, 5, 6, 8, 9])}
_DATE_SEPARATORS = np.frombuffer(b"-/.", dtype=np.uint8)


def _shift_texts(
    values: list[str], shift: Any, rows: Any, out: Any, problems: dict[int, str]
) -> None:
    """Dates written as text, in the forms :class:`DateShift` lists; same form out."""
    encodable = _encodable(values)
    fast = np.zeros(len(values), dtype=bool)
    groups = codepoint_groups([v if ok else "" for v, ok in zip(values, encodable, strict=True)])
    for length in (8, 10):
        if length not in groups:
            continue
        local, codes = groups[length]
        if codes.dtype != np.uint8:
            continue
        columns = _DATE_COLUMNS[length]
        numerals = codes[:, columns] - np.uint8(48)  # non-digits wrap above 9
        shape = (numerals <= 9).all(axis=1)
        if length == 10:
            sep = codes[:, 4]
            shape &= (sep == codes[:, 7]) & np.isin(sep, _DATE_SEPARATORS)
        ymd = numerals.astype(np.int64)
        year = ymd[:, :4] @ np.array([1000, 100, 10, 1])
        month = ymd[:, 4] * 10 + ymd[:, 5]
        day = ymd[:, 6] * 10 + ymd[:, 7]
        real = shape & _real_dates(year, month, day)
        local, codes, year, month, day = (
            local[real],
            codes[real],
            year[real],
            month[real],
            day[real],
        )
        if not local.size:
            continue
        moved = _days_from_ymd(year, month, day) + shift[local]
        in_range = (moved >= _MIN_DAY) & (moved <= _MAX_DAY)
        fast[local] = True
        for i in local[~in_range].tolist():
            problems[int(rows[i])] = _OUT_OF_RANGE
        local, codes, moved = local[in_range], codes[in_range], moved[in_range]
        ymd_new = _to_digits(_ymd_from_days(moved), 8) + np.uint8(48)
        new = codes.copy()
        new[:, _DATE_COLUMNS[length]] = ymd_new
        out[rows[local]] = strings_from_codepoints(new)
    for i in np.flatnonzero(~fast).tolist():
        text, why = _shift_text(values[i], int(shift[i])) if encodable[i] else (None, _NOT_A_DATE)
        if why is None:
            out[rows[i]] = text
        else:
            problems[int(rows[i])] = why


def _shift_text(value: str, days: int) -> tuple[str | None, str | None]:
    """One date written as text: the shifted text in the same pattern, or the problem."""
    text = value.strip()
    if not text.isascii():
        text = text.translate(_FULL_WIDTH).replace("\u3000", " ")
    for pattern in (_SEPARATED, _CHINESE, _COMPACT):
        match = pattern.match(text)
        if match:
            break
    else:
        return None, _NOT_A_DATE
    if pattern is _SEPARATED:
        year, sep, month, day, rest = match.groups()
    elif pattern is _CHINESE:
        year, month, day, suffix, rest = match.groups()
    else:
        year, month, day, rest = match.groups()
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None, _NOT_A_DATE
    try:
        moved = date + dt.timedelta(days=days)
    except OverflowError:
        return None, _OUT_OF_RANGE
    if month[0] == "0" or day[0] == "0":
        padded = True
    elif len(month) == 1 or len(day) == 1:
        padded = False
    else:  # 10-12 and 10-31 say nothing: the usual style of the form
        padded = pattern is not _CHINESE
    m, d = (f"{moved.month:02d}", f"{moved.day:02d}") if padded else (moved.month, moved.day)
    if pattern is _SEPARATED:
        return f"{moved.year:04d}{sep}{m}{sep}{d}{rest}", None
    if pattern is _CHINESE:
        return f"{moved.year:04d}年{m}月{d}{suffix}{rest}", None
    return f"{moved.year:04d}{moved.month:02d}{moved.day:02d}{rest}", None


def _real_dates(
    year: npt.NDArray[np.int64], month: npt.NDArray[np.int64], day: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """Which (year, month, day) are real calendar dates of years 1-9999."""
    month_ok = (month >= 1) & (month <= 12)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    lengths = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    limit = lengths[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    result: npt.NDArray[np.bool_] = month_ok & (day >= 1) & (day <= limit) & (year >= 1)
    return result


# -- typed date columns (numpy datetime64, pandas datetime, pyarrow date/timestamp) -----------


def _typed_dates(dates: Any) -> bool:
    """True for columns whose dtype is a date/time type (shifted without Python objects)."""
    if isinstance(dates, np.ndarray):
        return bool(dates.dtype.kind == "M")
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(dates, pd.Series | pd.Index):
        return bool(dates.dtype.kind == "M" or isinstance(dates.dtype, pd.DatetimeTZDtype))
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(dates, pa.Array | pa.ChunkedArray):
        return bool(pa.types.is_date(dates.type) or pa.types.is_timestamp(dates.type))
    return False


def _shift_datetime64(
    values: npt.NDArray[Any], shift: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(shifted array, nulls, out of range) of a datetime64 array; out-of-range rows are NaT."""
    unit, count = np.datetime_data(values.dtype)
    if unit in ("Y", "M", "W", "generic") or count != 1:
        raise UnsupportedColumn(
            f"a datetime64[{unit}] column cannot be shifted by days; use days or a finer unit"
        )
    per_day = int(np.timedelta64(1, "D") / np.timedelta64(1, unit))  # type: ignore[call-overload]
    nulls = np.isnat(values)
    ints = values.view(np.int64)
    info = np.iinfo(np.int64)
    if per_day * MAX_SHIFT_DAYS >= 2**62:  # femto/attosecond units: every shift overflows
        bad = ~nulls & (shift != 0)
        delta = np.zeros_like(shift)
    else:
        delta = shift * per_day
        bad = ~nulls & (
            ((delta > 0) & (ints > info.max - delta))
            | ((delta < 0) & (ints < info.min + 1 - delta))
        )
    moved = np.where(nulls | bad, info.min, ints + np.where(bad, 0, delta))
    return moved.view(values.dtype), nulls, bad


def _shift_typed(
    dates: Any, shift: npt.NDArray[np.int64], usable: npt.NDArray[np.bool_]
) -> tuple[Any, int, dict[int, str]]:
    """Shift a numpy / pandas / pyarrow date-time column; same kind and type out."""
    if isinstance(dates, np.ndarray):
        values, rebuild = dates, None
    else:
        pd = sys.modules.get("pandas")
        if pd is not None and isinstance(dates, pd.Series | pd.Index):
            tz = getattr(dates.dtype, "tz", None)
            naive = pd.Series(dates) if isinstance(dates, pd.Index) else dates
            if tz is not None:
                naive = naive.dt.tz_convert("UTC").dt.tz_localize(None)
            values = naive.to_numpy()

            def rebuild(moved: npt.NDArray[Any]) -> Any:
                series = pd.Series(
                    moved, index=None if isinstance(dates, pd.Index) else dates.index
                )
                if tz is not None:
                    series = series.dt.tz_localize("UTC").dt.tz_convert(tz)
                if isinstance(dates, pd.Index):
                    return pd.Index(series.to_numpy() if tz is None else series, name=dates.name)
                series.name = dates.name
                return series

        else:
            pa = sys.modules["pyarrow"]
            array = dates.combine_chunks() if isinstance(dates, pa.ChunkedArray) else dates
            values = array.to_numpy(zero_copy_only=False)
            if values.dtype.kind != "M":  # pragma: no cover - date64 on old pyarrow
                values = values.astype("datetime64[ms]")

            def rebuild(moved: npt.NDArray[Any]) -> Any:
                result = pa.array(moved, type=array.type, mask=np.isnat(moved))
                return pa.chunked_array([result]) if isinstance(dates, pa.ChunkedArray) else result

    moved, nulls, bad = _shift_datetime64(values, np.where(usable, shift, 0))
    problems = dict.fromkeys(np.flatnonzero(bad).tolist(), _OUT_OF_RANGE)
    for i in np.flatnonzero(~nulls & ~usable).tolist():
        problems[i] = _NO_PATIENT
    no_patient = ~nulls & ~usable
    if no_patient.any():
        moved = moved.copy()
        moved[no_patient] = np.datetime64("NaT")
    result = moved if rebuild is None else rebuild(moved)
    return result, int(nulls.sum()), problems
