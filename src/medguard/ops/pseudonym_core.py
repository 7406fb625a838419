"""Keyed surrogates that stay valid: the pseudonymizer base and the helpers its families share.

Each pseudonymizer numbers the valid values of its domain, maps the number with a keyed map
(:mod:`medguard.ops._permutation`) and writes the result back as a valid value. One module per
identifier family:

====================================  ===================================================
:mod:`~medguard.ops.pseudonymize_resident_id`  :class:`PseudonymizeResidentID`: real region
                                      code (any / same province / kept), real birth date
                                      (kept / same year / same window / same 5-year band),
                                      sex kept, correct check character
:mod:`~medguard.ops.pseudonymize_phone`  :class:`PseudonymizePhone`: mobiles in allocated
                                      segments (segment kept on request); landlines keep
                                      their area code
:mod:`~medguard.ops.pseudonymize_numbers`  :class:`PseudonymizeBankCard` (BIN kept, correct
                                      Luhn digit), :class:`PseudonymizeUSCC` (authority, type
                                      and region kept; both check characters recomputed),
                                      :class:`PseudonymizePassport` (letter prefix kept),
                                      :class:`PseudonymizeDigits` (any digit or alphanumeric
                                      string such as medical record numbers: length and
                                      alphabet kept)
:mod:`~medguard.ops.pseudonymize_name`  :class:`PseudonymizeName`: surname + given name drawn
                                      from the name tables (one-way)
:mod:`~medguard.ops.date_shift`       :class:`DateShift`: one keyed shift per subject, so
                                      intervals survive
====================================  ===================================================

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

import sys
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from medguard._column import ColumnData, as_column, is_column
from medguard.errors import InvalidArgument, InvalidIdentifier, MedguardError, UnsupportedColumn
from medguard.hazmat.ff1 import MIN_DOMAIN_SIZE
from medguard.keys import SECRET_ACCESS, Keyring, Suite
from medguard.ops._permutation import MAX_FAST_BITS, IndexMap

__all__ = ["PseudonymReport", "Pseudonymizer"]


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


# -- calendar arithmetic (resident-ID birth dates and date shifts) ----------------------------

_EPOCH = np.datetime64("1900-01-01", "D")
_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


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


# -- digit-field surrogates (phones, cards, passports, credit codes, record numbers) ----------


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
