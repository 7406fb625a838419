"""The ``mask`` operation: display masking by identifier kind, as one policy operation.

``MaskOp(MaskPhone())`` (or ``op_from_config({"op": "mask", "kind": "phone"})``) wraps the
masks of :mod:`medguard.ops.mask` (``name``, ``resident_id``, ``phone``, ``bank_card``,
``email``, ``address``, ``passport``, and ``string`` for any text) in the one operation
protocol. Masks are unkeyed and one-way.

What this leaks: the kept characters (surname, region, last digits, domain...) and, for most
kinds, the length of the value. Equal values give equal masks, but different values often do
too: a mask is for display, not for joining.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from medguard.errors import InvalidArgument, PolicyError
from medguard.ops.base import BaseOp, OpConfigError, OpContext, OpReport, Param, register
from medguard.ops.mask import KeepEnds, Mask
from medguard.typing import Column

__all__ = ["MASK_KINDS", "MaskOp"]


def _kinds() -> dict[str, type[Mask]]:
    return dict(Mask._registry)


#: The mask kinds a policy can name.
MASK_KINDS: tuple[str, ...] = tuple(sorted(_kinds()))


def _params() -> dict[str, Param]:
    out: dict[str, Param] = {
        "kind": Param("string", "which mask (identifier kind)", enum=MASK_KINDS),
    }
    for kind, cls in sorted(_kinds().items()):
        for f in dataclasses.fields(cls):
            if f.name in out:
                continue
            kind_type = {"bool": "boolean", "int": "integer", "str": "string"}.get(
                str(f.type), "string"
            )
            out[f.name] = Param(kind_type, f"option of the {kind} mask", default=f.default)
    return out


@register
@dataclass(frozen=True)
class MaskOp(BaseOp):
    """Mask a column with one of the :mod:`medguard.ops.mask` masks.

    What this leaks: the characters the mask keeps and the length of the value.
    """

    mask: Mask = field(default_factory=KeepEnds)

    name: ClassVar[str] = "mask"
    leaks: ClassVar[tuple[str, ...]] = ("kept_parts", "length")
    families: ClassVar[frozenset[str] | None] = frozenset({"string", "null"})
    params: ClassVar[Mapping[str, Param]] = _params()

    def __post_init__(self) -> None:
        if not isinstance(self.mask, Mask):
            raise InvalidArgument("MaskOp needs a Mask (MaskPhone(), MaskName(), ...)")

    @property
    def kind(self) -> str:
        """The mask kind (``"phone"``, ``"name"``...)."""
        return self.mask.kind

    @classmethod
    def of(cls, kind: str, **options: Any) -> MaskOp:
        """``MaskOp.of("phone", first=3)``: the mask of ``kind`` with ``options``."""
        return cls.from_config({"op": "mask", "kind": kind, **options})

    def apply(self, column: Column, ctx: OpContext) -> tuple[Column, OpReport]:
        """Mask a value or column; invalid values are masked fully and counted."""
        self._check_accepts(column, ctx)
        out, report = self.mask.apply_with_report(column)
        return out, OpReport(report.total, report.masked, report.invalid, report.nulls)

    def to_config(self) -> dict[str, Any]:
        """``{"op": "mask", "kind": ..., options...}``."""
        return self.mask.to_config()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MaskOp:
        """Build from :meth:`to_config` output; every problem is an :class:`OpConfigError`."""
        if not isinstance(config, Mapping):
            raise OpConfigError(cls.name, "op", "an operation must be a mapping")
        kind = config.get("kind", "string")
        mask_cls = _kinds().get(kind) if isinstance(kind, str) else None
        if mask_cls is None:
            raise OpConfigError(cls.name, "kind", f"unknown mask kind {kind!r}", MASK_KINDS)
        allowed = {"kind"} | {f.name for f in dataclasses.fields(mask_cls)}
        options = cls._options(config, allowed)
        options.pop("kind", None)
        try:
            return cls(mask_cls(**options))
        except (InvalidArgument, PolicyError, TypeError) as exc:
            text = str(exc)
            key = next((k for k in options if k in text), next(iter(options), "kind"))
            raise OpConfigError(cls.name, key, text) from None
