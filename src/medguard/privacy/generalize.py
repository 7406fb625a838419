"""Generalization with Chinese and clinical hierarchies, for sharing rows with less detail.

=========================  =================================================================
:class:`GeneralizeRegion`   GB/T 2260 code 440305 → 440300 (city, ``digits=4``) → 440000 (2)
:class:`GeneralizeDate`     date → year, five-year band, quarter or month
:class:`AgeBand`            age → ``"40-44"`` bands of ``width`` years, ``"85+"`` at the top
:class:`GeneralizeICD10`    ICD-10 ``E11.9`` → category ``E11`` → chapter ``IV``
=========================  =================================================================

Each is a frozen operation with a scalar and a column form (same kind out, nulls kept) and a
``to_config`` for policies. Values are generalized once per distinct value and mapped back, so
a million rows with a few thousand distinct codes cost a few thousand Python calls. Invalid
input is never passed through: it becomes ``"*"`` and is counted (``strict=True`` raises
:class:`~medguard.errors.InvalidIdentifier` naming the row).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from medguard._column import as_column, is_column
from medguard.errors import InvalidArgument, InvalidIdentifier

__all__ = [
    "AgeBand",
    "GeneralizeDate",
    "GeneralizeICD10",
    "GeneralizeRegion",
    "Generalizer",
    "icd10_chapter",
]

SUPPRESSED = "*"


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
            if values is None:
                return None, 0
            out = self._one(values)
            if out is None:
                if self.strict:
                    raise InvalidIdentifier(self.kind, "cannot generalize this value")
                return SUPPRESSED, 1
            return out, 0
        import pandas as pd

        column = as_column(values)
        codes, uniques = pd.factorize(pd.Series(column.values, dtype=object), use_na_sentinel=True)
        mapped = np.array([self._one(u) for u in uniques] + [None], dtype=object)
        result: npt.NDArray[np.object_] = mapped[codes]  # code -1 (null): the trailing None
        invalid = (codes >= 0) & (result == None)  # noqa: E711 - element-wise null test
        if invalid.any():
            if self.strict:
                row = int(np.flatnonzero(invalid)[0])
                raise InvalidIdentifier(self.kind, "cannot generalize this value", row=row)
            result[invalid] = SUPPRESSED
        return column.rebuild(result), int(invalid.sum())

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
        if self.digits not in (2, 4):
            raise InvalidArgument("digits must be 4 (city) or 2 (province)")

    def _one(self, value: Any) -> str | None:
        text = str(value).strip()
        if len(text) < 6 or not text[:6].isdigit():
            return None
        return text[: self.digits].ljust(6, "0")


_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})")


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return _as_date(str(value.astype("datetime64[D]")))
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return _as_date(value.to_pydatetime())
    m = _DATE.match(str(value).strip())
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
        if self.to not in ("month", "quarter", "year", "5y"):
            raise InvalidArgument("to must be 'month', 'quarter', 'year' or '5y'")

    def _one(self, value: Any) -> str | None:
        date = _as_date(value)
        if date is None:
            return None
        if self.to == "month":
            return f"{date.year}-{date.month:02d}"
        if self.to == "quarter":
            return f"{date.year}Q{(date.month - 1) // 3 + 1}"
        if self.to == "year":
            return str(date.year)
        start = date.year // 5 * 5
        return f"{start}-{start + 4}"


@dataclass(frozen=True)
class AgeBand(Generalizer):
    """Ages → bands of ``width`` years (``"40-44"``), everything from ``top`` as ``"85+"``."""

    width: int = 5
    top: int = 85
    kind: ClassVar[str] = "age"

    def __post_init__(self) -> None:
        if self.width < 1 or self.top < self.width:
            raise InvalidArgument("width must be >= 1 and top >= width")

    def _one(self, value: Any) -> str | None:
        try:
            age = int(value)
        except (TypeError, ValueError):
            return None
        if age < 0 or age > 150 or (isinstance(value, float) and value != int(value)):
            return None
        if age >= self.top:
            return f"{self.top}+"
        start = age // self.width * self.width
        return f"{start}-{min(start + self.width, self.top) - 1}"


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
    if _ICD.match(category) is None:
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
        if self.to not in ("category", "chapter"):
            raise InvalidArgument("to must be 'category' or 'chapter'")

    def _one(self, value: Any) -> str | None:
        code = str(value).strip().upper()
        if _ICD.match(code) is None:
            return None
        category = code[:3]
        return category if self.to == "category" else icd10_chapter(category)
