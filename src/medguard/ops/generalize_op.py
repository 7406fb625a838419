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

Each kind runs one generalizer of :mod:`medguard.ops.generalize` (the hierarchies: region
names and addresses through GB/T 2260 codes, dates, ages, ICD-10, numbers).

Values that cannot be generalized are never passed through: they become ``*`` and are counted
as invalid (``strict=True`` raises). What this leaks: the coarser value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from medguard.errors import InvalidArgument, PolicyError
from medguard.ops.base import (
    KindedOp,
    OpConfigError,
    OpContext,
    OpReport,
    Param,
    count_nulls,
    register,
)
from medguard.ops.generalize import (
    _LEVELS,
    AgeBand,
    GeneralizeDate,
    GeneralizeICD10,
    GeneralizeNumber,
    GeneralizePlace,
    Generalizer,
)
from medguard.typing import Column

__all__ = ["GENERALIZE_KINDS", "GeneralizeOp"]


_CLASSES: dict[str, type[Generalizer]] = {
    "date": GeneralizeDate,
    "age": AgeBand,
    "region": GeneralizePlace,
    "address": GeneralizePlace,
    "icd10": GeneralizeICD10,
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
    _impl: Generalizer = field(init=False, repr=False, compare=False)

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
