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

__all__ = ["KNOWN_FIELD_KINDS", "DeidentifyOp"]

_MODES = ("mask", "tag", "surrogate", "redact")
#: Field kinds whose values ``known: fields`` removes from the notes of the same row.
KNOWN_FIELD_KINDS = (
    "name",
    "resident_id",
    "phone",
    "address",
    "bank_card",
    "passport",
    "email",
    "record_number",
)


@register
@dataclass(frozen=True)
class DeidentifyOp(BaseOp):
    """De-identify free text (clinical notes): found spans masked, tagged, replaced or removed.

    What this leaks: whatever the recognizers miss, and what the mode keeps.
    """

    text: DeidentifyText = field(default_factory=DeidentifyText)
    known: str | tuple[tuple[str, str], ...] | Mapping[str, str] | None = None

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
        "known": Param(
            "string|object",
            "the row's own values removed from its note: 'fields' (every declared field of "
            "kind " + ", ".join(KNOWN_FIELD_KINDS) + ") or a mapping column -> kind",
        ),
    }

    def __post_init__(self) -> None:
        if not isinstance(self.text, DeidentifyText):
            raise InvalidArgument("DeidentifyOp needs a DeidentifyText")
        known = self.known
        if isinstance(known, Mapping):
            known = tuple(known.items())
        if known is not None and known != "fields":
            if not isinstance(known, tuple) or not all(
                isinstance(p, tuple) and len(p) == 2 and all(isinstance(x, str) for x in p)
                for p in known
            ):
                raise OpConfigError(
                    self.name, "known", "must be 'fields' or a mapping of column to kind"
                )
            for _, kind in known:
                if kind not in KNOWN_FIELD_KINDS:
                    raise OpConfigError(
                        self.name, "known", f"unknown kind {kind!r}", KNOWN_FIELD_KINDS
                    )
            known = tuple(sorted(known))
        object.__setattr__(self, "known", known)

    @property
    def known_columns(self) -> dict[str, str]:
        """The columns whose values are removed from the notes (column -> kind)."""
        return dict(self.known) if isinstance(self.known, tuple) else {}

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
        if self.known:
            needs.add("columns")
        return frozenset(needs)

    def apply(self, column: Column, ctx: OpContext) -> tuple[Column, OpReport]:
        """De-identify one note or a column of notes."""
        self._check_accepts(column, ctx)
        ctx.require(self, column)
        if self.known == "fields":
            raise InvalidArgument(
                "deidentify: known='fields' is resolved by a policy pipeline; "
                "give a mapping of column to kind"
            )
        context = ctx.keyed_context("") or None
        out, report = self.text.apply_with_report(
            column,
            keyring=ctx.keyring if "keyring" in self.needs else None,
            context=context,
            subject=ctx.subjects if "subject" in self.needs else None,
            known=self._known(ctx, column),
        )
        done = report.rows - report.nulls - report.invalid
        key_id = report.key_id
        if key_id is None and "keyring" in self.needs:
            key_id = str(ctx.keyring.primary.key_id)
        return out, OpReport(report.rows, done, report.invalid, report.nulls, key_id)

    def _known(self, ctx: OpContext, column: Column) -> Any:
        """Known values by kind: a column each, or per-row lists when kinds share columns."""
        if not self.known_columns:
            return None
        columns = ctx.columns or {}
        by_kind: dict[str, list[Any]] = {}
        for name, kind in self.known_columns.items():
            if name not in columns:
                raise InvalidArgument(f"deidentify: the known column {name!r} is not in the row")
            by_kind.setdefault(kind, []).append(columns[name])
        known: dict[str, Any] = {}
        for kind, given in by_kind.items():
            if len(given) == 1:
                known[kind] = given[0]
                continue
            rows = [_values(c) for c in given]
            known[kind] = [list(cells) for cells in zip(*rows, strict=True)]
        return known

    def to_config(self) -> dict[str, Any]:
        """``{"op": "deidentify", options...}``."""
        config = self.text.to_config()
        if self.known is not None:
            config["known"] = self.known if isinstance(self.known, str) else self.known_columns
        return config

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DeidentifyOp:
        """Build from :meth:`to_config` output; problems are :class:`OpConfigError`."""
        options = cls._options(config, cls.params)
        known = options.pop("known", None)
        if isinstance(known, Mapping):
            known = tuple(known.items())
        try:
            return cls(DeidentifyText(**options), known)
        except (InvalidArgument, PolicyError, TypeError) as exc:
            text = str(exc)
            key = next((k for k in options if k in text), next(iter(options), "op"))
            raise OpConfigError(cls.name, key, text) from None


def _values(column: Any) -> list[Any]:
    """A column's items as a list (nulls as None)."""
    from medguard._column import as_column, is_column

    if not is_column(column):
        return [column]
    data = as_column(column)
    items: list[Any] = data.values.tolist()
    return [None if null else v for v, null in zip(items, data.nulls.tolist(), strict=True)]
