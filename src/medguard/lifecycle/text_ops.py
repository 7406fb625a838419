"""The ``deidentify`` operation: free text through
:class:`medguard.detect.deidentify.DeidentifyText`.

It lives in this layer because it builds on the text scanner (``medguard.detect``), which sits
above ``medguard.ops``; importing :mod:`medguard.lifecycle` registers it in the op registry.

What this leaks: everything in the text the recognizers do not find (free text is never
proven clean: keep ``checks: {sharing: {rescan: true}}``), plus what the ``mode`` keeps
(masks keep parts, surrogates keep equality, tags keep the entity type).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from medguard.detect.deidentify import DeidentifyText
from medguard.errors import InvalidArgument, PolicyError
from medguard.ops.base import BaseOp, OpConfigError, OpContext, OpReport, Param, register
from medguard.typing import Column

__all__ = ["DeidentifyOp"]

_MODES = ("mask", "tag", "surrogate", "redact")


@register
@dataclass(frozen=True)
class DeidentifyOp(BaseOp):
    """De-identify free text (clinical notes): found spans masked, tagged, replaced or removed.

    What this leaks: whatever the recognizers miss, and what the mode keeps.
    """

    text: DeidentifyText = field(default_factory=DeidentifyText)

    name: ClassVar[str] = "deidentify"
    families: ClassVar[frozenset[str] | None] = frozenset({"string", "null"})
    params: ClassVar[Mapping[str, Param]] = {
        "mode": Param("string", "what replaces a found span", enum=_MODES, default="mask"),
        "dates": Param(
            "string", "dates in the text", enum=("keep", "shift", "generalize"), default="keep"
        ),
        "date_precision": Param(
            "string", "generalized dates keep this", enum=("month", "year"), default="month"
        ),
        "recall": Param("string", "scanner recall", enum=("precise", "high"), default="precise"),
        "placeholder": Param("string", "what redact leaves", default=""),
        "max_days": Param("integer", "date shift range", default=180, minimum=1, maximum=36525),
        "min_score": Param("number", "smallest finding score kept", minimum=0, maximum=1),
        "strict": Param("boolean", "raise on a note that is not text", default=False),
    }

    def __post_init__(self) -> None:
        if not isinstance(self.text, DeidentifyText):
            raise InvalidArgument("DeidentifyOp needs a DeidentifyText")

    @property
    def leaks(self) -> tuple[str, ...]:  # type: ignore[override]
        """Residual text always; equality with surrogates; kept parts with masks."""
        extra = {"surrogate": ("equality",), "mask": ("kept_parts",)}.get(self.text.mode, ())
        return ("residual", *extra)

    @property
    def needs(self) -> frozenset[str]:
        """A keyring for surrogates or shifted dates; subjects for shifted dates."""
        needs = set()
        if self.text.mode == "surrogate" or self.text.dates == "shift":
            needs.add("keyring")
        if self.text.dates == "shift":
            needs.add("subject")
        return frozenset(needs)

    def apply(self, column: Column, ctx: OpContext) -> tuple[Column, OpReport]:
        """De-identify one note or a column of notes."""
        self._check_accepts(column, ctx)
        ctx.require(self, column)
        context = ctx.keyed_context("") or None
        out, report = self.text.apply_with_report(
            column,
            keyring=ctx.keyring if self.needs else None,
            context=context,
            subjects=ctx.subjects if "subject" in self.needs else None,
        )
        done = report.rows - report.nulls - report.invalid
        key_id = report.key_id
        if key_id is None and "keyring" in self.needs:
            key_id = str(ctx.keyring.primary.key_id)
        return out, OpReport(report.rows, done, report.invalid, report.nulls, key_id)

    def to_config(self) -> dict[str, Any]:
        """``{"op": "deidentify", options...}``."""
        return self.text.to_config()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DeidentifyOp:
        """Build from :meth:`to_config` output; problems are :class:`OpConfigError`."""
        options = cls._options(config, cls.params)
        try:
            return cls(DeidentifyText(**options))
        except (InvalidArgument, PolicyError, TypeError) as exc:
            text = str(exc)
            key = next((k for k in options if k in text), next(iter(options), "op"))
            raise OpConfigError(cls.name, key, text) from None
