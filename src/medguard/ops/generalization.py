"""The ``generalize`` operation: replace values by coarser ones, by kind.

=============  =========================================  ================================
kind           ``to`` / options                           example
=============  =========================================  ================================
``date``       ``month``, ``quarter``, ``year``, ``5y``   2025-03-14 → ``2025-03``, ``2025Q1``
``age``        ``width`` (5), ``top`` (85)                47 → ``45-49``, 90 → ``85+``
``region``     ``district``, ``city``, ``province``       GB/T 2260 code 440305 → ``440300``;
                                                          a name 深圳市南山区 → ``广东省深圳市``
``address``    ``district``, ``city``, ``province``       广东省深圳市南山区科技园路18号 →
                                                          ``广东省深圳市南山区``
``icd10``      ``category``, ``chapter``                  E11.9 → ``E11`` → ``IV``
``number``     ``width``, ``bottom``, ``top``             73.5 (width 10) → ``70-80``;
                                                          below ``bottom``: ``<bottom``,
                                                          from ``top`` on: ``>=top``
=============  =========================================  ================================

Region names and addresses are resolved to GB/T 2260 codes (current codes preferred, retired
ones accepted) through the province, city and district the address parser finds, then written
back as the names of the kept levels. A name that matches no code, or several (a bare 朝阳区:
Beijing or Changchun), cannot be generalized.

Values that cannot be generalized are never passed through: they become ``*`` and are counted
as invalid (``strict=True`` raises). What this leaks: the coarser value.
"""

from __future__ import annotations

import dataclasses
import decimal
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar, Literal

import numpy as np

from medguard.cn import regions
from medguard.cn.region_lookup import region_code
from medguard.errors import InvalidArgument, PolicyError
from medguard.ops import generalize as _gen
from medguard.ops.base import (
    KindedOp,
    OpConfigError,
    OpContext,
    OpReport,
    Param,
    count_nulls,
    register,
)
from medguard.typing import Column

__all__ = [
    "GENERALIZE_KINDS",
    "GeneralizeNumber",
    "GeneralizeOp",
    "GeneralizePlace",
    "region_code",
    "region_name",
]

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
    names = _names()
    if not isinstance(code, str) or code not in names:
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
class GeneralizePlace(_gen.Generalizer):
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
class GeneralizeNumber(_gen.Generalizer):
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


# -- the operation ---------------------------------------------------------------------------

_CLASSES: dict[str, type[_gen.Generalizer]] = {
    "date": _gen.GeneralizeDate,
    "age": _gen.AgeBand,
    "region": GeneralizePlace,
    "address": GeneralizePlace,
    "icd10": _gen.GeneralizeICD10,
    "number": GeneralizeNumber,
}
#: The kinds ``generalize`` takes.
GENERALIZE_KINDS: tuple[str, ...] = tuple(_CLASSES)
_FAMILIES: dict[str, frozenset[str]] = {
    "date": frozenset({"date", "timestamp", "string", "integer", "null"}),
    "age": frozenset({"integer", "float", "decimal", "string", "null"}),
    "region": frozenset({"string", "null"}),
    "address": frozenset({"string", "null"}),
    "icd10": frozenset({"string", "null"}),
    "number": frozenset({"integer", "float", "decimal", "string", "null"}),
}


def _allowed(kind: str) -> list[str]:
    return [f.name for f in dataclasses.fields(_CLASSES[kind])]


def _params() -> dict[str, Param]:
    return {
        "kind": Param("string", "what the values are", enum=GENERALIZE_KINDS),
        "to": Param(
            "string",
            "date: month, quarter, year, 5y; region/address: district, city, province; "
            "icd10: category, chapter",
            enum=("month", "quarter", "year", "5y", *_LEVELS, "category", "chapter"),
        ),
        "width": Param("number", "age: band width in years (5); number: bucket width (10)"),
        "top": Param("number", "age: the open top band (85+); number: top coding (>=top)"),
        "bottom": Param("number", "number: bottom coding (<bottom)"),
        "strict": Param("boolean", "raise on a value that cannot be generalized", default=False),
    }


@register
@dataclass(frozen=True)
class GeneralizeOp(KindedOp):
    """Generalize dates, ages, regions, addresses, ICD-10 codes or numbers.

    What this leaks: the coarser value (the year, the band, the city, the category).
    """

    kind: str = "date"
    options: tuple[tuple[str, Any], ...] = ()
    _impl: _gen.Generalizer = field(init=False, repr=False, compare=False)

    name: ClassVar[str] = "generalize"
    leaks: ClassVar[tuple[str, ...]] = ("coarse_value",)
    params: ClassVar[Mapping[str, Param]] = _params()
    kinds: ClassVar[tuple[str, ...]] = GENERALIZE_KINDS

    @classmethod
    def allowed_options(cls, kind: str) -> list[str]:
        """The generalizer's options."""
        return _allowed(kind)

    def __post_init__(self) -> None:
        options = self._checked_options()
        try:
            impl = _CLASSES[self.kind](**options)
        except (InvalidArgument, PolicyError, TypeError) as exc:
            text = str(exc)
            key = next((k for k in options if k in text), next(iter(options), "kind"))
            raise OpConfigError(self.name, key, text) from None
        object.__setattr__(self, "_impl", impl)

    @classmethod
    def of(cls, kind: str, **options: Any) -> GeneralizeOp:
        """``GeneralizeOp.of("date", to="year")``."""
        return cls(kind, tuple(options.items()))

    @property
    def families(self) -> frozenset[str]:  # type: ignore[override]
        """The Arrow type families of this kind."""
        return _FAMILIES[self.kind]

    def apply(self, column: Column, ctx: OpContext) -> tuple[Column, OpReport]:
        """Generalize a value or column; what cannot be generalized becomes ``*``."""
        self._check_accepts(column, ctx)
        total, nulls = count_nulls(column)
        out, invalid = self._impl.apply_with_report(column)
        return out, OpReport(total, total - nulls - invalid, invalid, nulls)

    def __reduce__(self) -> tuple[Any, ...]:
        return (GeneralizeOp, (self.kind, self.options))
