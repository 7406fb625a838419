"""The operations without options: ``keep``, ``drop`` and ``suppress``.

=============  =====================================  ===========================
op             what it does                           what it leaks
=============  =====================================  ===========================
``keep``       passes the column through unchanged    the value itself
``drop``       removes the column (a pipeline drops   nothing
               it; ``apply`` gives nulls)
``suppress``   keeps the column, every value null     which rows were null before
                                                      (nothing else)
=============  =====================================  ===========================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from medguard.ops.base import BaseOp, OpContext, OpReport, count_nulls, nulls_like, register
from medguard.typing import Column

__all__ = ["DropOp", "KeepOp", "SuppressOp"]


@register
@dataclass(frozen=True)
class KeepOp(BaseOp):
    """Pass the column through unchanged.

    What this leaks: everything. A policy keeps only what it has decided may be seen.
    """

    name: ClassVar[str] = "keep"
    leaks: ClassVar[tuple[str, ...]] = ("value",)
    _reversible: ClassVar[bool] = True

    def apply(self, column: Column, ctx: OpContext) -> tuple[Column, OpReport]:
        """The column itself, and a report with every non-null value unchanged."""
        total, nulls = count_nulls(column)
        return column, OpReport(total, 0, 0, nulls)

    def reverse(self, column: Column, ctx: OpContext) -> Column:
        """The column itself."""
        return column

    def to_config(self) -> dict[str, Any]:
        """``{"op": "keep"}``."""
        return {"op": self.name}

    @classmethod
    def from_config(cls, config: Any) -> KeepOp:
        """Build from ``{"op": "keep"}`` (no options)."""
        cls._options(config, ())
        return cls()


@register
@dataclass(frozen=True)
class SuppressOp(BaseOp):
    """Replace every value by null, keeping the column (and its type).

    What this leaks: nothing but the number of rows.
    """

    name: ClassVar[str] = "suppress"
    leaks: ClassVar[tuple[str, ...]] = ()

    def apply(self, column: Column, ctx: OpContext) -> tuple[Column, OpReport]:
        """A column of nulls of the same kind and length."""
        total, nulls = count_nulls(column)
        return nulls_like(column), OpReport(total, total - nulls, 0, nulls)

    def to_config(self) -> dict[str, Any]:
        """``{"op": "suppress"}``."""
        return {"op": self.name}

    @classmethod
    def from_config(cls, config: Any) -> SuppressOp:
        """Build from ``{"op": "suppress"}`` (no options)."""
        cls._options(config, ())
        return cls()


@register
@dataclass(frozen=True)
class DropOp(SuppressOp):
    """Remove the column: a pipeline leaves it out; ``apply`` on its own gives nulls.

    What this leaks: nothing.
    """

    name: ClassVar[str] = "drop"
    removes_column: ClassVar[bool] = True

    @classmethod
    def from_config(cls, config: Any) -> DropOp:
        """Build from ``{"op": "drop"}`` (no options)."""
        cls._options(config, ())
        return cls()
