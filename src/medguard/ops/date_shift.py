"""The ``date_shift`` operation: every date of one subject moves by the same keyed shift.

Wraps :class:`medguard.ops.pseudonymize.DateShift`: the keyring comes from the context, the
subject of each row from ``ctx.subjects``, and the recipient joins the shift's context, so two
recipients see different shifts. Reversible with the key.

What this leaks: the intervals between one subject's dates (that is its purpose), and each
date to within ``max_days``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from medguard.errors import InvalidArgument
from medguard.ops.base import BaseOp, OpConfigError, OpContext, OpReport, Param, register
from medguard.ops.pseudonymize import MAX_SHIFT_DAYS, DateShift
from medguard.typing import Column

__all__ = ["DateShiftOp"]


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
