"""Date shifting: every date of one subject moves by the same keyed number of days.

:class:`DateShift` is the primitive (it holds a keyring: ``DateShift(ring).apply(dates,
subject=ids)``); :class:`DateShiftOp` is the ``date_shift`` operation a policy names: the
keyring comes from the context, the subject of each row from ``ctx.subjects``, and the
recipient joins the shift's context, so two recipients see different shifts. Both are
reversible with the key.

What this leaks: the intervals between one subject's dates (that is its purpose), and each
date to within ``max_days``.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from medguard._column import ColumnData, codepoint_groups, is_column, strings_from_codepoints
from medguard.errors import InvalidArgument, InvalidIdentifier, UnsupportedColumn
from medguard.keys import Keyring
from medguard.ops._permutation import hmac_sha256
from medguard.ops.base import BaseOp, OpConfigError, OpContext, OpReport, Param, register
from medguard.ops.pseudonym_core import (
    _FULL_WIDTH,
    PseudonymReport,
    _column,
    _days_from_ymd,
    _derive,
    _encodable,
    _mask_length,
    _to_digits,
    _ymd_from_days,
)
from medguard.typing import Column

__all__ = ["MAX_SHIFT_DAYS", "DateShift", "DateShiftOp"]

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


def _patient_digests(key: bytes, patients: list[bytes]) -> list[bytes]:
    """HMAC-SHA-256(``key``, each canonical patient ID): one keyed computation per patient
    given (callers pass each distinct patient once)."""
    mac = hmac_sha256(key)
    return [mac(patient) for patient in patients]


def _shifts_of(digests: list[bytes], max_days: int) -> npt.NDArray[np.int64]:
    """The shift of each digest: its first 8 bytes (big-endian) reduced to ``±1..max_days``."""
    span = 2 * max_days
    head = np.frombuffer(b"".join(d[:8] for d in digests), dtype=">u8").astype(np.uint64)
    r = (head % np.uint64(span)).astype(np.int64)
    shifts: npt.NDArray[np.int64] = r - max_days + (r >= max_days)  # never zero
    return shifts


def _subject_arg(subject: Any, patients: Any) -> Any:
    """``subject`` (the one name), or ``patients`` (its older name); exactly one of them."""
    if subject is _MISSING and patients is _MISSING:
        raise InvalidArgument("give the subject (patient) of each date: subject=")
    if subject is not _MISSING and patients is not _MISSING:
        raise InvalidArgument("give subject or patients (its older name), not both")
    if subject is _MISSING:
        warnings.warn(
            "patients= is deprecated: pass the subject column as subject= (same meaning)",
            DeprecationWarning,
            stacklevel=3,
        )
        return patients
    return subject


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

        ``patients=`` is the older name of ``subject``: a deprecated alias, still accepted.

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

        ``subject`` is the person of each date (``patients=``, its older name, is a deprecated
        alias that still works).
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
        canonical = [_patient_key(value) for value in uniques]
        unique_ok = np.array([c is not None for c in canonical], dtype=bool)
        distinct = list(dict.fromkeys(c for c in canonical if c is not None))  # 1 and "1": one
        found = dict(
            zip(distinct, _shifts_of(_patient_digests(key, distinct), self.max_days).tolist(),
                strict=True)
        )  # fmt: skip
        unique_shift = np.array(
            [0 if c is None else found[c] for c in canonical], dtype=np.int64
        ).reshape(-1)
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
        else:
            fast = self._arrow_iso(dates, patients, sign)
            if fast is not None:
                return fast
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

    def _arrow_iso(
        self, dates: Any, patients: Any, sign: int
    ) -> tuple[Any, PseudonymReport] | None:
        """Arrow text ``YYYY-MM-DD`` dates of years 1000-9999 (before and after the shift) with
        Arrow text patient IDs, none null: shifted without Python objects (one HMAC per
        distinct patient, the dates through ``date32``). None for anything else (the general
        road, which gives the same text)."""
        pa: Any = sys.modules.get("pyarrow")
        if pa is None:
            return None
        arrays = (pa.Array, pa.ChunkedArray)
        if not (isinstance(dates, arrays) and isinstance(patients, arrays)):
            return None
        if not (pa.types.is_string(dates.type) and pa.types.is_string(patients.type)):
            return None
        if len(dates) != len(patients) or patients.null_count or len(dates) == 0:
            return None
        import pyarrow.compute as pc

        text = _one_array(pa, dates)
        if not pc.all(pc.match_substring_regex(text, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")).as_py():
            return None
        parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
        if parsed.null_count != text.null_count:
            return None
        written = parsed.cast(pa.date32()).cast(pa.string())
        if not pc.all(pc.equal(written, text)).as_py():  # 2025-02-30 parses as March 2
            return None
        days = np.asarray(parsed.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        day = np.nan_to_num(days // 86_400, nan=_ISO_LOW).astype(np.int64)
        derived = _derive(self.keyring, "pseudonymize:date-shift", self.context, self.key_id)
        who = _one_array(pa, patients).dictionary_encode()
        distinct = [p.encode("utf-8") for p in who.dictionary.to_pylist()]
        unique_shift = _shifts_of(_patient_digests(derived.material, distinct), self.max_days)
        moved = day + sign * unique_shift[np.asarray(who.indices.to_numpy(), dtype=np.intp)]
        if min(day.min(), moved.min()) < _ISO_LOW or max(day.max(), moved.max()) > _ISO_HIGH:
            return None
        mask = np.asarray(text.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        shifted = pa.array(moved.astype(np.int32), pa.date32(), mask=mask).cast(pa.string())
        n, nulls = len(text), text.null_count
        result = pa.chunked_array([shifted]) if isinstance(dates, pa.ChunkedArray) else shifted
        return result, PseudonymReport(n, n - nulls, 0, nulls, derived.key_id)

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


_ISO_LOW = (dt.date(1000, 1, 1) - dt.date(1970, 1, 1)).days
_ISO_HIGH = (dt.date(9999, 12, 31) - dt.date(1970, 1, 1)).days


def _one_array(pa: Any, column: Any) -> Any:
    """An Arrow array of a column (a chunked one combined)."""
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


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


@register
@dataclass(frozen=True)
class DateShiftOp(BaseOp):
    """Shift dates by a keyed number of days per subject (1..``max_days``, either way).

    What this leaks: intervals between one subject's dates; each date to within ``max_days``.
    """

    max_days: int = 180
    context: str = ""
    strict: bool = False
    char: str = "*"
    key_id: str | None = None

    name: ClassVar[str] = "date_shift"
    leaks: ClassVar[tuple[str, ...]] = ("intervals", "coarse_value")
    _reversible: ClassVar[bool] = True
    _needs: ClassVar[frozenset[str]] = frozenset({"keyring", "subject"})
    families: ClassVar[frozenset[str] | None] = frozenset({"date", "timestamp", "string", "null"})
    params: ClassVar[Mapping[str, Param]] = {
        "max_days": Param(
            "integer", "largest shift in days", default=180, minimum=1, maximum=MAX_SHIFT_DAYS
        ),
        "context": Param(
            "string", "a namespace for the shifts (the recipient is added)", default=""
        ),
        "strict": Param("boolean", "raise on a value that is not a date", default=False),
        "char": Param("string", "mask character for values that cannot be shifted", default="*"),
        "key_id": Param("string", "pin this keyring key (shredding it stops the shifts)"),
    }

    def __post_init__(self) -> None:
        try:
            self._primitive(None, self.context)
        except InvalidArgument as exc:
            text = str(exc)
            names = ("max_days", "context", "char", "strict", "key_id")
            key = next((k for k in names if k in text), "op")
            raise OpConfigError(self.name, key, text) from None
        if not isinstance(self.strict, bool):
            raise OpConfigError(self.name, "strict", "must be true or false")

    def _primitive(self, keyring: Any, context: str) -> DateShift:
        return DateShift(
            keyring,
            context=context,
            max_days=self.max_days,
            strict=self.strict,
            char=self.char,
            key_id=self.key_id,
        )

    def apply(self, column: Column, ctx: OpContext) -> tuple[Column, OpReport]:
        """Shift a date (with one subject) or a column (with the subjects column)."""
        self._check_accepts(column, ctx)
        ctx.require(self, column)
        shift = self._primitive(ctx.keyring, ctx.keyed_context(self.context))
        out, report = shift.apply_with_report(column, ctx.subjects)
        return out, OpReport(
            report.total, report.pseudonymized, report.invalid, report.nulls, report.key_id
        )

    def reverse(self, column: Column, ctx: OpContext) -> Column:
        """Undo :meth:`apply` (same keyring, subjects, context and recipient)."""
        ctx.require(self, column)
        shift = self._primitive(ctx.keyring, ctx.keyed_context(self.context))
        return shift.reverse(column, ctx.subjects)

    def to_config(self) -> dict[str, Any]:
        """``{"op": "date_shift", "max_days": ..., options that differ from the defaults}``."""
        config: dict[str, Any] = {"op": self.name, "max_days": self.max_days}
        if self.context:
            config["context"] = self.context
        if self.strict:
            config["strict"] = True
        if self.char != "*":
            config["char"] = self.char
        if self.key_id is not None:
            config["key_id"] = self.key_id
        return config

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DateShiftOp:
        """Build from :meth:`to_config` output; problems are :class:`OpConfigError`."""
        return cls(**cls._options(config, ("max_days", "context", "strict", "char", "key_id")))
