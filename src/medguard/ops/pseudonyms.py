"""The ``pseudonymize`` and ``tokenize`` operations: keyed, format-preserving surrogates.

``PseudonymizeOp("resident_id", region="province")`` wraps the pseudonymizers (the
``medguard.ops.pseudonymize_*`` modules) in the one operation protocol. The keyring comes from the
context at run time (never stored on the operation); the pseudonym context is the operation's
``context`` option plus ``recipient:<name>`` when the context names a recipient, so two
recipients' extracts do not join.

=================  ==============================================================
kind               surrogate
=================  ==============================================================
``resident_id``    a valid resident ID (region, birth and sex kept as configured)
``phone``          a valid mobile or landline (segment / area code kept)
``bank_card``      a Luhn-valid card number with the same BIN
``passport``       a passport or travel-permit number with the same letter prefix
``uscc``           a valid unified social credit code
``record_number``  any digit or alphanumeric string, length and alphabet kept
``name``           a plausible Chinese name (always one-way)
=================  ==============================================================

``pseudonymize`` is reversible with the key (except names); ``tokenize`` is the one-way
form (a keyed hash into the same formats): not reversible, and two inputs may share a token.

What this leaks: equality and frequencies (the same input gives the same surrogate for one
key, context and recipient), the format, and every part the options keep.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from medguard.errors import InvalidArgument, PolicyError
from medguard.ops.base import KindedOp, OpConfigError, OpContext, OpReport, Param, register
from medguard.ops.pseudonym_core import Pseudonymizer
from medguard.ops.pseudonymize_name import PseudonymizeName
from medguard.ops.pseudonymize_numbers import (
    PseudonymizeBankCard,
    PseudonymizeDigits,
    PseudonymizePassport,
    PseudonymizeUSCC,
)
from medguard.ops.pseudonymize_phone import PseudonymizePhone
from medguard.ops.pseudonymize_resident_id import PseudonymizeResidentID
from medguard.typing import Column

__all__ = ["PSEUDONYM_KINDS", "PseudonymizeOp", "TokenizeOp"]

_CLASSES: dict[str, type[Pseudonymizer]] = {
    "resident_id": PseudonymizeResidentID,
    "phone": PseudonymizePhone,
    "bank_card": PseudonymizeBankCard,
    "passport": PseudonymizePassport,
    "uscc": PseudonymizeUSCC,
    "record_number": PseudonymizeDigits,
    "name": PseudonymizeName,
}

#: The identifier kinds ``pseudonymize`` and ``tokenize`` take.
PSEUDONYM_KINDS: tuple[str, ...] = tuple(_CLASSES)
_NOT_OPTIONS = frozenset({"keyring", "one_way"})


def _allowed(kind: str) -> list[str]:
    return [f.name for f in dataclasses.fields(_CLASSES[kind]) if f.name not in _NOT_OPTIONS]


def _params() -> dict[str, Param]:
    types = {"bool": "boolean", "int": "integer", "str": "string"}
    out: dict[str, Param] = {
        "kind": Param("string", "identifier kind", enum=PSEUDONYM_KINDS),
    }
    for kind, cls in _CLASSES.items():
        for f in dataclasses.fields(cls):
            if f.name in _NOT_OPTIONS or f.name in out:
                continue
            json_type = types.get(str(f.type), "string")
            out[f.name] = Param(json_type, f"option of the {kind} pseudonymizer", default=f.default)
    return out


@dataclass(frozen=True)
class _KeyedSurrogate(KindedOp):
    kind: str = "record_number"
    options: tuple[tuple[str, Any], ...] = field(default=())
    kinds: ClassVar[tuple[str, ...]] = PSEUDONYM_KINDS

    one_way: ClassVar[bool] = False
    leaks: ClassVar[tuple[str, ...]] = ("equality", "frequency", "format", "kept_parts")
    _needs: ClassVar[frozenset[str]] = frozenset({"keyring"})
    families: ClassVar[frozenset[str] | None] = frozenset({"string", "null"})
    params: ClassVar[Mapping[str, Param]] = _params()

    @classmethod
    def allowed_options(cls, kind: str) -> list[str]:
        """The pseudonymizer's options (the keyring arrives when the op runs)."""
        return _allowed(kind)

    def __post_init__(self) -> None:
        self._checked_options()
        self._build(None, "")  # the primitive checks its options (no key is touched)

    @classmethod
    def of(cls, kind: str, **options: Any) -> Any:
        """``PseudonymizeOp.of("resident_id", region="province")``."""
        return cls(kind, tuple(options.items()))

    @property
    def key_id(self) -> str | None:
        """The pinned keyring key (the ``key_id`` option), or None for the primary."""
        value = dict(self.options).get("key_id")
        return None if value is None else str(value)

    @property
    def reversible(self) -> bool:
        """True for reversible pseudonyms (not names, not tokens)."""
        return not self.one_way and self.kind != "name"

    def _build(self, keyring: Any, recipient_context: str | None) -> Pseudonymizer:
        options = dict(self.options)
        base = options.pop("context", "")
        context = base if recipient_context is None else recipient_context
        try:
            return _CLASSES[self.kind](keyring, context=context, one_way=self.one_way, **options)
        except (InvalidArgument, PolicyError, TypeError) as exc:
            text = str(exc)
            key = next((k for k in options if k in text), next(iter(options), "kind"))
            raise OpConfigError(self.name, key, text) from None

    def _primitive(self, ctx: OpContext) -> Pseudonymizer:
        base = str(dict(self.options).get("context", ""))
        return self._build(ctx.keyring, ctx.keyed_context(base))

    def apply(self, column: Column, ctx: OpContext) -> tuple[Column, OpReport]:
        """Surrogates for a value or column; invalid values are masked and counted."""
        self._check_accepts(column, ctx)
        ctx.require(self, column)
        out, report = self._primitive(ctx).apply_with_report(column)
        return out, OpReport(
            report.total, report.pseudonymized, report.invalid, report.nulls, report.key_id
        )

    def reverse(self, column: Column, ctx: OpContext) -> Column:
        """The originals (same keyring, options, context and recipient)."""
        if not self.reversible:
            raise InvalidArgument(f"{self.name} ({self.kind}) is one-way and cannot be reversed")
        ctx.require(self, column)
        return self._primitive(ctx).reverse(column)


@register
@dataclass(frozen=True)
class PseudonymizeOp(_KeyedSurrogate):
    """Reversible, format-preserving pseudonyms (FF1) of one identifier kind.

    What this leaks: equality and frequencies, the format, and the kept parts.
    """

    name: ClassVar[str] = "pseudonymize"


@register
@dataclass(frozen=True)
class TokenizeOp(_KeyedSurrogate):
    """One-way keyed tokens in the identifier's format (``one_way=True`` as an operation).

    What this leaks: equality and frequencies, the format, and the kept parts; tokens of two
    inputs may collide. Nothing can reverse them, not even with the key.
    """

    name: ClassVar[str] = "tokenize"
    one_way: ClassVar[bool] = True
