"""The ``encrypt`` and ``encrypt_deterministically`` operations (field encryption).

Both run the field-encryption engine (``medguard.ops._field_cipher``) with the context's
keyring; the table bound into each ciphertext is the context's table (``table@recipient`` when
a recipient is set, so two recipients' deterministic ciphertexts never join) and the field is
the context's field. The front-door functions :func:`medguard.ops.encryption.encrypt`,
:func:`~medguard.ops.encryption.encrypt_deterministically` and
:func:`~medguard.ops.encryption.decrypt` build these operations and call them.

What this leaks
    ``encrypt``: the length of each value and which key encrypted it.
    ``encrypt_deterministically``: in addition, **which values are equal** within the field:
    a policy must ``accept`` that risk (``risk: equality``) to use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from medguard.errors import InvalidArgument
from medguard.keys.model import check_key_id
from medguard.ops._field_cipher import decrypt_report, encrypt_column
from medguard.ops.base import (
    BaseOp,
    OpConfigError,
    OpContext,
    OpReport,
    Param,
    count_nulls,
    register,
)
from medguard.typing import Column

__all__ = ["EncryptDeterministicallyOp", "EncryptOp"]

_FAMILIES = frozenset(
    {"string", "binary", "integer", "float", "decimal", "bool", "date", "timestamp", "null"}
)


@dataclass(frozen=True)
class _FieldEncryptionOp(BaseOp):
    key_id: str | None = None
    output: Literal["text", "bytes"] = "text"
    per_subject: bool = False

    deterministic: ClassVar[bool] = False
    _reversible: ClassVar[bool] = True
    families: ClassVar[frozenset[str] | None] = _FAMILIES
    _options_names: ClassVar[tuple[str, ...]] = ("key_id", "output", "per_subject")

    def __post_init__(self) -> None:
        if self.key_id is not None:
            try:
                check_key_id(self.key_id)
            except InvalidArgument as exc:
                raise OpConfigError(self.name, "key_id", str(exc)) from None
        if self.output not in ("text", "bytes"):
            raise OpConfigError(self.name, "output", "not a known output", ("text", "bytes"))
        if not isinstance(self.per_subject, bool):
            raise OpConfigError(self.name, "per_subject", "must be true or false")
        if self.per_subject and self.key_id is not None:
            raise OpConfigError(
                self.name, "key_id", "give key_id or per_subject (a subject per row), not both"
            )

    @property
    def needs(self) -> frozenset[str]:
        """A keyring; the subject of each row with ``per_subject``."""
        return frozenset({"keyring", "subject"} if self.per_subject else {"keyring"})

    @property
    def _binds_record(self) -> bool:
        return False

    def apply(self, column: Column, ctx: OpContext) -> tuple[Column, OpReport]:
        """Encrypt a value or column; nulls stay null."""
        self._check_accepts(column, ctx)
        ctx.require(self, column)
        out = encrypt_column(
            column,
            ctx.keyring,
            deterministic=self.deterministic,
            table=ctx.keyed_table(),
            field=ctx.field,
            record_ids=ctx.record_ids if self._binds_record else None,
            key_id=self.key_id,
            subject=ctx.subjects if self.per_subject else None,
            output=self.output,
        )
        return out, self._report(column, ctx)

    def reverse(self, column: Column, ctx: OpContext) -> Column:
        """Decrypt (same context: table, field, recipient, and record IDs when bound).

        A failure raises the first failed row's error (:class:`~medguard.errors.
        DecryptionError`, :class:`~medguard.errors.KeyNotFound`, ...).
        """
        ctx.require(self, column)
        record_ids = ctx.record_ids if self._binds_record else None
        table = ctx.keyed_table()
        return decrypt_report(
            column, ctx.keyring, table, ctx.field, record_ids, raising=True
        ).values

    def _key_id(self, ctx: OpContext) -> str:
        if self.per_subject:
            return "per-subject"
        return str(ctx.keyring.encryption_key(self.key_id).key_id)

    def _report(self, column: Column, ctx: OpContext) -> OpReport:
        total, nulls = count_nulls(column)
        return OpReport(total, total - nulls, 0, nulls, self._key_id(ctx))

    def to_config(self) -> dict[str, Any]:
        """``{"op": ..., options that differ from the defaults}``."""
        config: dict[str, Any] = {"op": self.name}
        if self.key_id is not None:
            config["key_id"] = self.key_id
        if self.output != "text":
            config["output"] = self.output
        if self.per_subject:
            config["per_subject"] = True
        return config

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Any:
        """Build from :meth:`to_config` output; problems are :class:`OpConfigError`."""
        return cls(**cls._options(config, cls._options_names))


@register
@dataclass(frozen=True)
class EncryptOp(_FieldEncryptionOp):
    """Randomized field encryption (AES-256-GCM or SM4-GCM by the key's suite).

    ``bind_record=True`` binds each ciphertext to its row's record ID (needs a record-ID
    column); ``per_subject=True`` encrypts each subject's values under that subject's own key
    (crypto-shredding; needs the subject column).

    What this leaks: the length of each value and which key encrypted it.
    """

    bind_record: bool = False

    name: ClassVar[str] = "encrypt"
    leaks: ClassVar[tuple[str, ...]] = ("length", "key_id")
    params: ClassVar[Mapping[str, Param]] = {
        "key_id": Param("string", "encrypt under this key instead of the primary"),
        "output": Param("string", "ciphertext form", enum=("text", "bytes"), default="text"),
        "per_subject": Param("boolean", "one key per subject (crypto-shredding)", default=False),
        "bind_record": Param("boolean", "bind each ciphertext to its record ID", default=False),
    }
    _options_names: ClassVar[tuple[str, ...]] = ("key_id", "output", "per_subject", "bind_record")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.bind_record, bool):
            raise OpConfigError(self.name, "bind_record", "must be true or false")

    @property
    def needs(self) -> frozenset[str]:
        """A keyring; subjects with ``per_subject``; record IDs with ``bind_record``."""
        return super().needs | ({"record_id"} if self.bind_record else set())

    @property
    def _binds_record(self) -> bool:
        return self.bind_record

    def to_config(self) -> dict[str, Any]:
        """``{"op": "encrypt", options that differ from the defaults}``."""
        config = super().to_config()
        if self.bind_record:
            config["bind_record"] = True
        return config


@register
@dataclass(frozen=True)
class EncryptDeterministicallyOp(_FieldEncryptionOp):
    """Deterministic field encryption (AES-SIV or SM4-SIV): for join and search keys only.

    Warning -- what this leaks: which values are equal within the field (same key, table,
    field and recipient), and the length of each value. A policy must ``accept`` it.
    """

    name: ClassVar[str] = "encrypt_deterministically"
    deterministic: ClassVar[bool] = True
    leaks: ClassVar[tuple[str, ...]] = ("equality", "frequency", "length", "key_id")
    params: ClassVar[Mapping[str, Param]] = {
        "key_id": Param("string", "encrypt under this key instead of the primary"),
        "output": Param("string", "ciphertext form", enum=("text", "bytes"), default="text"),
        "per_subject": Param("boolean", "one key per subject (crypto-shredding)", default=False),
    }
