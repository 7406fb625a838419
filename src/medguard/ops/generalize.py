"""Generalization with Chinese and clinical hierarchies, for sharing rows with less detail.

(``medguard.privacy.generalize`` re-exports the hierarchies it had before they moved here; the
``generalize`` policy operation built on these is :mod:`medguard.ops.generalize_op`.)

=========================  =================================================================
:class:`GeneralizeRegion`   GB/T 2260 code 440305 → 440300 (city, ``digits=4``) → 440000 (2)
:class:`GeneralizePlace`    a GB/T 2260 code, region name or address → the district, city or
                            province (``深圳市南山区`` → ``广东省深圳市``)
:class:`GeneralizeDate`     date → year, five-year band, quarter or month
:class:`AgeBand`            age → ``"40-44"`` bands of ``width`` years, ``"85+"`` at the top
:class:`GeneralizeICD10`    ICD-10 ``E11.9`` → category ``E11`` → chapter ``IV``
:class:`GeneralizeNumber`   number → bucket ``"70-80"``, with top and bottom coding
=========================  =================================================================

Region names and addresses are resolved to GB/T 2260 codes (current codes preferred, retired
ones accepted) through the province, city and district the address parser finds
(:func:`region_code`), then written back as the names of the kept levels
(:func:`region_name`). A name that matches no code, or several (a bare 朝阳区: Beijing or
Changchun), cannot be generalized.

Each is a frozen operation with a scalar and a column form (same kind out, nulls kept) and a
``to_config`` for policies. Values are generalized once per distinct value (of one type) and
mapped back, so a million rows with a few thousand distinct codes cost a few thousand calls of
the hierarchy. Nulls (None, NaN, ``pd.NA``, NaT) stay null. Anything else that is not a valid
value of the hierarchy (bytes, booleans, lone surrogates, strings over ``MAX_TEXT`` characters,
objects whose ``str`` fails) is never passed through and never raises a bare exception: it
becomes ``"*"`` and is counted (``strict=True`` raises
:class:`~medguard.errors.InvalidIdentifier` naming the row). pandas is not needed: lists,
tuples and numpy arrays work without it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import numbers
import re
import sys
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from medguard._column import as_column, is_column, null_mask
from medguard.cn import regions
from medguard.cn.region_lookup import region_code
from medguard.errors import InvalidArgument, InvalidIdentifier

__all__ = [
    "AgeBand",
    "GeneralizeDate",
    "GeneralizeICD10",
    "GeneralizeNumber",
    "GeneralizePlace",
    "GeneralizeRegion",
    "Generalizer",
    "icd10_chapter",
    "region_code",
    "region_name",
]

SUPPRESSED = "*"
MAX_TEXT = 64
"""Longer strings are no code, date or age of any hierarchy here: suppressed unread."""


def _is_null(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, (str, bytes, bytearray)):
        return False
    cell = np.empty(1, dtype=object)
    cell[0] = value
    try:
        return bool(null_mask(cell)[0])
    except Exception:  # an object numpy or pandas cannot judge is not a null
        return False


def _is_int(value: object) -> bool:
    return type(value) is int


def _text(value: object) -> str | None:
    """A short text form of ``value``, or None when it has none (bytes, huge, failing str)."""
    if isinstance(value, (bytes, bytearray, memoryview, bool, np.bool_)):
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, (numbers.Number, np.generic)):
        try:
            text = str(value)
        except ValueError:  # ints beyond the int-to-str digit limit
            return None
    else:
        return None
    if len(text) > MAX_TEXT:
        return None
    return text.strip()


#: Most values one generalizer remembers across calls (per value type).
MEMO_SIZE = 262_144
_UNSEEN = object()


@dataclass(frozen=True)
class Generalizer:
    """Base: ``apply`` a value or column; ``apply_with_report`` also counts invalid values."""

    strict: bool = False
    kind: ClassVar[str] = "value"

    def apply(self, values: Any) -> Any:
        """Generalize one value or a whole column; returns the same kind."""
        return self.apply_with_report(values)[0]

    def apply_with_report(self, values: Any) -> tuple[Any, int]:
        """Generalize and return ``(result, number of invalid values suppressed)``."""
        if not is_column(values):
            if _is_null(values):
                return None, 0
            out = self._safe(values)
            if out is None:
                if self.strict:
                    raise InvalidIdentifier(self.kind, "cannot generalize this value")
                return SUPPRESSED, 1
            return out, 0
        column = as_column(values)
        result = self._map(column.values)
        result[column.nulls] = None
        invalid = (result == None) & ~column.nulls  # noqa: E711 - element-wise null test
        if invalid.any():
            if self.strict:
                row = int(np.flatnonzero(invalid)[0])
                raise InvalidIdentifier(self.kind, "cannot generalize this value", row=row)
            result[invalid] = SUPPRESSED
        return column.rebuild(result), int(invalid.sum())

    def _map(self, values: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
        """Generalize each item, calling the hierarchy once per distinct (type, value); values
        of one type are remembered across calls (a file's batches repeat their addresses)."""
        items = values.tolist()
        kinds = set(map(type, items))
        kinds.discard(type(None))
        pd = sys.modules.get("pandas")  # used when loaded already, never imported here
        try:
            if len(kinds) <= 1 and pd is not None:  # one type: equal values are one value
                codes, uniques = pd.factorize(values, use_na_sentinel=True)
                known = self._memo(next(iter(kinds), type(None)))
                mapped = np.array([*self._remembered(uniques.tolist(), known), None],
                                  dtype=object)  # fmt: skip
                result: npt.NDArray[np.object_] = mapped[codes]  # code -1: the trailing None
                return result
            if len(kinds) <= 1:
                distinct = [u for u in dict.fromkeys(items) if u is not None]
                known = self._memo(next(iter(kinds), type(None)))
                mapping = dict(zip(distinct, self._remembered(distinct, known), strict=True))
                return np.array([mapping.get(v) if v is not None else None for v in items],
                                dtype=object)  # fmt: skip
        except TypeError:  # unhashable items: the slow road below
            pass
        seen: dict[tuple[type, Any], str | None] = {}
        out: list[str | None] = []
        for value in items:
            try:  # True and 1, 30 and 30.0 are different values here
                key = (type(value), value)
                if key not in seen:
                    seen[key] = self._safe(value)
                out.append(seen[key])
            except TypeError:  # unhashable: judged alone
                out.append(self._safe(value))
        return np.array(out, dtype=object)

    def _memo(self, kind: type) -> dict[Any, str | None]:
        """The outputs already computed for values of type ``kind`` (this instance only)."""
        memos: dict[type, dict[Any, str | None]] | None = self.__dict__.get("_memos")
        if memos is None:
            memos = {}
            object.__setattr__(self, "_memos", memos)  # a cache, not a field
        return memos.setdefault(kind, {})

    def _remembered(self, distinct: list[Any], known: dict[Any, str | None]) -> list[str | None]:
        """:meth:`_safe` of each of ``distinct`` (one type), through ``known``, which keeps at
        most :data:`MEMO_SIZE` values."""
        out: list[str | None] = []
        append, get, safe = out.append, known.get, self._safe
        for value in distinct:
            result = get(value, _UNSEEN)
            if result is _UNSEEN:
                result = safe(value)
                if len(known) < MEMO_SIZE:
                    known[value] = result
            append(result)  # type: ignore[arg-type]
        return out

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the memo (a plan shipped to Spark executors stays small)."""
        return {k: v for k, v in self.__dict__.items() if k != "_memos"}

    def _safe(self, value: Any) -> str | None:
        """:meth:`_one`, with any failure on a strange value meaning "cannot generalize"."""
        try:
            return self._one(value)
        except MemoryError:
            raise
        except Exception:  # fail closed: the value is suppressed, never passed through
            return None

    def to_config(self) -> dict[str, Any]:
        """The operation as plain data for a policy."""
        return {"op": "generalize", "kind": self.kind, **asdict(self)}

    def _one(self, value: Any) -> str | None:
        raise NotImplementedError


@dataclass(frozen=True)
class GeneralizeRegion(Generalizer):
    """Keep the first ``digits`` (4: city, 2: province) of a six-digit division code."""

    digits: Literal[2, 4] = 4
    kind: ClassVar[str] = "region"

    def __post_init__(self) -> None:
        if not _is_int(self.digits) or self.digits not in (2, 4):
            raise InvalidArgument("digits must be 4 (city) or 2 (province)")

    def _one(self, value: Any) -> str | None:
        if isinstance(value, (float, np.floating)):
            return None  # 440305.0 is no division code
        text = _text(value)
        if text is None or len(text) < 6 or not (text[:6].isascii() and text[:6].isdigit()):
            return None
        return text[: self.digits].ljust(6, "0")


_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})")


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):  # pandas Timestamps too
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return _as_date(str(value.astype("datetime64[D]")))
    if isinstance(value, (float, np.floating)):
        return None  # 20250103.0 is a measurement, not a date
    text = _text(value)  # strings, and integers such as 20250103 read from a CSV
    m = _DATE.match(text) if text is not None else None
    if m is None:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


@dataclass(frozen=True)
class GeneralizeDate(Generalizer):
    """Dates (``date``, ISO or ``YYYYMMDD`` strings) → ``"2025-03"``, ``"2025Q1"``, ``"2025"``,
    or a five-year band ``"1985-1989"``."""

    to: Literal["month", "quarter", "year", "5y"] = "month"
    kind: ClassVar[str] = "date"

    def __post_init__(self) -> None:
        if not isinstance(self.to, str) or self.to not in ("month", "quarter", "year", "5y"):
            raise InvalidArgument("to must be 'month', 'quarter', 'year' or '5y'")

    def _map(self, values: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
        """Text ``YYYY-MM-DD`` dates (years 1000-9999) labelled column-wise through Arrow, once
        per distinct value; anything else by :meth:`_one`, as the base class does."""
        pa: Any = sys.modules.get("pyarrow")
        items = values.tolist()
        if pa is None or len(items) < 64 or not set(map(type, items)) <= {str, type(None)}:
            return super()._map(values)
        import pyarrow.compute as pc

        encoded = pa.array(items, pa.string()).dictionary_encode()
        distinct = encoded.dictionary
        parsed = pc.strptime(distinct, format="%Y-%m-%d", unit="s", error_is_null=True)
        ok = pc.and_(
            pc.match_substring_regex(distinct, r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"),
            pc.equal(parsed.cast(pa.date32()).cast(pa.string()), distinct),  # real dates only
        )
        good = np.asarray(pc.fill_null(ok, False).to_numpy(zero_copy_only=False), dtype=bool)
        year = pc.utf8_slice_codeunits(distinct, 0, 4)
        if self.to == "month":
            labels = pc.utf8_slice_codeunits(distinct, 0, 7)
        elif self.to == "year":
            labels = year
        else:
            number = pc.cast(pc.if_else(pa.array(good), year, "1000"), pa.int64())
            if self.to == "quarter":
                month = pc.utf8_slice_codeunits(
                    pc.if_else(pa.array(good), distinct, "1000-01"), 5, 7
                )
                quarter = pc.add(pc.divide(pc.subtract(pc.cast(month, pa.int64()), 1), 3), 1)
                labels = pc.binary_join_element_wise(year, "Q", quarter.cast(pa.string()), "")
            else:
                start = pc.multiply(pc.divide(number, 5), 5)
                labels = pc.binary_join_element_wise(
                    start.cast(pa.string()), "-", pc.add(start, 4).cast(pa.string()), ""
                )
        mapped = np.empty(len(distinct) + 1, dtype=object)  # the last: nulls
        mapped[:-1] = labels.to_numpy(zero_copy_only=False)
        mapped[-1] = None
        for i in np.flatnonzero(~good).tolist():
            mapped[i] = self._safe(distinct[i].as_py())
        codes = np.asarray(
            encoded.indices.fill_null(len(distinct)).to_numpy(zero_copy_only=False), dtype=np.intp
        )
        result: npt.NDArray[np.object_] = mapped[codes]
        return result

    def _one(self, value: Any) -> str | None:
        date = _as_date(value)
        if date is None:
            return None
        if self.to == "month":
            return f"{date.year:04d}-{date.month:02d}"
        if self.to == "quarter":
            return f"{date.year:04d}Q{(date.month - 1) // 3 + 1}"
        if self.to == "year":
            return f"{date.year:04d}"
        start = date.year // 5 * 5
        return f"{start:04d}-{start + 4:04d}"


@dataclass(frozen=True)
class AgeBand(Generalizer):
    """Ages → bands of ``width`` years (``"40-44"``), everything from ``top`` as ``"85+"``."""

    width: int = 5
    top: int = 85
    kind: ClassVar[str] = "age"

    def __post_init__(self) -> None:
        if not (_is_int(self.width) and _is_int(self.top)):
            raise InvalidArgument("width and top must be integers")
        if self.width < 1 or self.top < self.width or self.top > 150:
            raise InvalidArgument("width must be >= 1 and width <= top <= 150")

    def _one(self, value: Any) -> str | None:
        age = _age(value)
        if age is None:
            return None
        if age >= self.top:
            return f"{self.top}+"
        start = age // self.width * self.width
        return f"{start}-{min(start + self.width, self.top) - 1}"


def _age(value: Any) -> int | None:
    """A whole age in 0..150 from an int, an integral float or a string of ASCII digits."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (numbers.Integral, np.integer)):
        age = int(value)
    elif isinstance(value, (numbers.Real, np.floating)):
        number = float(value)
        if not (math.isfinite(number) and number.is_integer()):
            return None
        age = int(number)
    elif isinstance(value, str):
        text = _text(value)
        if text is None or not (text.isascii() and text.isdigit()):
            return None
        age = int(text)
    else:
        return None
    return age if 0 <= age <= 150 else None


# WHO ICD-10 chapters by the first code of each (chapter numbers as Roman numerals).
_CHAPTERS = (
    ("A00", "I"), ("C00", "II"), ("D50", "III"), ("E00", "IV"), ("F00", "V"), ("G00", "VI"),
    ("H00", "VII"), ("H60", "VIII"), ("I00", "IX"), ("J00", "X"), ("K00", "XI"), ("L00", "XII"),
    ("M00", "XIII"), ("N00", "XIV"), ("O00", "XV"), ("P00", "XVI"), ("Q00", "XVII"),
    ("R00", "XVIII"), ("S00", "XIX"), ("U00", "XXII"), ("V01", "XX"), ("Z00", "XXI"),
)  # fmt: skip
_ICD = re.compile(r"^([A-Z])(\d{2})(?:\.?([0-9A-Z]{0,4}))?$")


def icd10_chapter(category: str) -> str | None:
    """The WHO ICD-10 chapter (Roman numeral) of a three-character category, e.g. E11 → IV."""
    if not isinstance(category, str) or not category.isascii() or _ICD.match(category) is None:
        return None
    key = category[:3]
    chapter = None
    for first, name in _CHAPTERS:
        if key >= first:
            chapter = name
    if key[0] == "U" and key > "U85":
        return None
    return chapter


@dataclass(frozen=True)
class GeneralizeICD10(Generalizer):
    """ICD-10 codes → category (``E11.9`` → ``E11``) or chapter (``E11.9`` → ``IV``)."""

    to: Literal["category", "chapter"] = "category"
    kind: ClassVar[str] = "icd10"

    def __post_init__(self) -> None:
        if not isinstance(self.to, str) or self.to not in ("category", "chapter"):
            raise InvalidArgument("to must be 'category' or 'chapter'")

    def _one(self, value: Any) -> str | None:
        text = _text(value) if isinstance(value, str) else None
        code = text.upper() if text is not None else None
        if code is None or not code.isascii() or _ICD.match(code) is None:
            return None
        category = code[:3]
        return category if self.to == "category" else icd10_chapter(category)


# -- places (GB/T 2260 codes, region names, addresses) and numbers -----------------------------

Level = Literal["district", "city", "province"]
_LEVELS = ("district", "city", "province")
_NO_CITY = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


# -- GB/T 2260 look-ups ------------------------------------------------------------------------


@cache
def _names() -> dict[str, str]:
    """GB/T 2260 code → name."""
    return dict(regions._table()[0])


def _level_of(code: str) -> str:
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "district"


def region_name(code: str, to: Level = "district") -> str | None:
    """The name of ``code`` kept down to ``to``: ``440305``, ``"city"`` → ``广东省深圳市``."""
    level: object = to  # any other object names no level (and may not be hashable)
    if not isinstance(code, str) or not isinstance(level, str):
        return None
    return _region_name(code, level)


@lru_cache(maxsize=16_384)
def _region_name(code: str, to: str) -> str | None:
    """:func:`region_name` of a text code (GB/T 2260 has a few thousand: each named once)."""
    names = _names()
    if code not in names:
        return None
    parts = [names.get(code[:2] + "0000") or regions.province_of(code) or ""]
    level = _level_of(code)
    if to in ("city", "district") and level in ("city", "district"):
        city = names.get(code[:4] + "00")
        if city and city not in _NO_CITY:
            parts.append(city)
    if to == "district" and level == "district":
        parts.append(names[code])
    return "".join(parts) or None


def _truncate(code: str, to: Level) -> str:
    return {"province": code[:2] + "0000", "city": code[:4] + "00", "district": code}[to]


@dataclass(frozen=True)
class GeneralizePlace(Generalizer):
    """Region codes, region names and addresses → the region ``to`` a level.

    A six-digit GB/T 2260 code gives a code (``440305`` → ``440300``); a name or an address
    gives the names of the kept levels (``广东省深圳市南山区科技园路18号`` → ``广东省深圳市``).
    """

    to: Level = "city"
    kind: ClassVar[str] = "address"

    def __post_init__(self) -> None:
        if not isinstance(self.to, str) or self.to not in _LEVELS:
            raise InvalidArgument("to must be 'district', 'city' or 'province'")

    def _one(self, value: Any) -> str | None:
        if not isinstance(value, str) or len(value) > 256:
            return None
        text = "".join(value.split())
        if len(text) == 6 and text.isascii() and text.isdigit():
            if not regions.is_known(text):
                return None
            return _truncate(text, self.to)
        code = region_code(text)
        if code is None:
            return None
        return region_name(code, self.to)


@dataclass(frozen=True)
class GeneralizeNumber(Generalizer):
    """Numbers → buckets ``[lo, lo + width)`` written ``"70-80"``, with top/bottom coding.

    Values below ``bottom`` become ``"<bottom"``; values from ``top`` on become ``">=top"``.
    """

    width: float = 10
    bottom: float | None = None
    top: float | None = None
    kind: ClassVar[str] = "number"

    def __post_init__(self) -> None:
        for name in ("width", "bottom", "top"):
            value = getattr(self, name)
            if value is None and name != "width":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InvalidArgument(f"{name} must be a number")
            if not math.isfinite(value):
                raise InvalidArgument(f"{name} must be finite")
        if self.width <= 0:
            raise InvalidArgument("width must be above 0")
        if self.bottom is not None and self.top is not None and self.bottom >= self.top:
            raise InvalidArgument("bottom must be below top")

    def _one(self, value: Any) -> str | None:
        if isinstance(value, (bool, np.bool_)):
            return None
        if isinstance(value, str):
            try:
                number = float(value.strip()) if len(value) <= 64 else math.nan
            except ValueError:
                return None
        elif isinstance(value, (numbers.Real, np.integer, np.floating, decimal.Decimal)):
            number = float(value)
        else:
            return None
        if not math.isfinite(number):
            return None
        if self.bottom is not None and number < self.bottom:
            return f"<{_fmt(self.bottom)}"
        if self.top is not None and number >= self.top:
            return f">={_fmt(self.top)}"
        origin = self.bottom if self.bottom is not None else 0
        lo = origin + math.floor((number - origin) / self.width) * self.width
        hi = lo + self.width
        if self.top is not None:
            hi = min(hi, self.top)
        return f"{_fmt(lo)}-{_fmt(hi)}"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
