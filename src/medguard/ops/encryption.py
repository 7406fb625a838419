"""Field encryption: :func:`encrypt` (randomized), :func:`encrypt_deterministically`,
:func:`decrypt`, :func:`try_decrypt` and :func:`rewrap` (rotation).

Every function takes one value or a whole column (list, tuple, numpy array, pandas Series,
pyarrow array) and returns the same kind; nulls stay nulls. Values of type ``str``, ``bytes``,
``int``, ``float``, ``bool``, ``date``, ``datetime`` and ``Decimal`` round-trip to the same type.

Ciphertexts carry their scheme and key ID (``mg1.aesgcm.k1a2b3c4d.<base64url>``, or a bytes
form), so decryption finds the right key after any number of rotations. Each ciphertext is
bound by associated data to ``table`` and ``field`` (and to a record ID when given): moved to
another field or row, it no longer decrypts. Subkeys are derived per field and per mode with
HKDF, so randomized and deterministic encryption never share key bytes.

What this leaks
    :func:`encrypt` leaks the length of the value (to the byte) and which key encrypted it.
    :func:`encrypt_deterministically` leaks, in addition, **which values are equal** within a
    table/field under one key; that is its purpose (joins, lookups). Use it only for join or
    search keys, never for values that need no equality.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from medguard._column import is_column
from medguard.errors import InvalidArgument, KeyDestroyed, PolicyError
from medguard.keys import Keyring
from medguard.keys.model import Suite, check_key_id
from medguard.ops._envelope import Scheme, parse_bytes, parse_text_header
from medguard.ops._field_cipher import (
    DecryptReport,
    Output,
    RowFailure,
    decrypt_column,
    decrypt_report,
    encrypt_column,
    row_failures,
    side_column,
)
from medguard.ops.base import OpContext
from medguard.ops.field_encryption import EncryptDeterministicallyOp, EncryptOp

__all__ = [
    "CiphertextInfo",
    "DecryptReport",
    "Encrypt",
    "EncryptDeterministically",
    "RewrapReport",
    "RowFailure",
    "decrypt",
    "encrypt",
    "encrypt_deterministically",
    "inspect_ciphertext",
    "rewrap",
    "try_decrypt",
]


@dataclass(frozen=True)
class CiphertextInfo:
    """What a ciphertext's header says (readable without any key)."""

    version: str
    scheme: str
    suite: Suite
    deterministic: bool
    key_id: str
    form: Output


@dataclass(frozen=True)
class RewrapReport:
    """The result of :func:`rewrap`: the column and what happened to its rows."""

    values: Any
    rewrapped: int
    unchanged: int
    failures: tuple[RowFailure, ...]


# --------------------------------------------------------------------------- encryption


def encrypt(
    values: Any,
    keyring: Keyring,
    *,
    table: str = "",
    field: str = "",
    record_ids: Any = None,
    key_id: str | None = None,
    subject: Any = None,
    output: Output = "text",
) -> Any:
    """Encrypt a value or column with randomized AEAD (AES-256-GCM or SM4-GCM by key suite).

    The same plaintext encrypts differently every time. ``table``/``field`` (and
    ``record_ids``, one per row, when given) are bound as associated data and must be given
    again to decrypt. The primary key encrypts unless ``key_id`` names another primary or a
    ``subject`` (one string, or one per row) selects per-subject keys for crypto-shredding.
    ``output="bytes"`` gives the bytes form instead of ``mg1.`` text.

    The recipe of :class:`~medguard.ops.field_encryption.EncryptOp`: it builds the operation
    and runs it in an :class:`~medguard.ops.base.OpContext` of these arguments.
    """
    op = EncryptOp(
        key_id=key_id,
        output=output,
        per_subject=subject is not None,
        bind_record=record_ids is not None,
    )
    return op.apply(values, _context(values, keyring, table, field, subject, record_ids))[0]


def _encrypt_with_nonce_source(
    values: Any,
    keyring: Keyring,
    *,
    nonce_source: Callable[[int], bytes],
    table: str = "",
    field: str = "",
    record_ids: Any = None,
    key_id: str | None = None,
    output: Output = "text",
) -> Any:
    """DANGER -- tests only: :func:`encrypt` with the GCM nonces taken from ``nonce_source``.

    ``nonce_source(n)`` must return ``n`` bytes (12 per value, in row order). A repeated nonce
    under one key breaks GCM completely (it reveals the XOR of plaintexts and lets anyone
    forge). This seam exists only so that known-answer tests can pin the ``mg1.`` format
    (``tests/vectors/medguard_ciphertexts.json``), the way pyca/cryptography pins Fernet with
    ``_encrypt_from_parts``. Never call it on real data.
    """
    return encrypt_column(
        values,
        keyring,
        deterministic=False,
        table=table,
        field=field,
        record_ids=record_ids,
        key_id=key_id,
        subject=None,
        output=output,
        nonce_source=nonce_source,
    )


def encrypt_deterministically(
    values: Any,
    keyring: Keyring,
    *,
    table: str = "",
    field: str = "",
    key_id: str | None = None,
    subject: Any = None,
    output: Output = "text",
) -> Any:
    """Encrypt so that equal values give equal ciphertexts (AES-SIV or SM4-SIV).

    Warning: this leaks which values are equal (under the same key, table and field);
    nothing else. Use it for join and search keys only: encrypt the value you look up the
    same way and compare ciphertexts. No record ID can be bound (it would defeat equality);
    after a key rotation, tokens change: :func:`rewrap` the stored column before joining.

    The recipe of :class:`~medguard.ops.field_encryption.EncryptDeterministicallyOp`.
    """
    op = EncryptDeterministicallyOp(key_id=key_id, output=output, per_subject=subject is not None)
    return op.apply(values, _context(values, keyring, table, field, subject, None))[0]


def _context(
    values: Any, keyring: Keyring, table: str, field: str, subject: Any, record_ids: Any
) -> OpContext:
    """The operation context of a front-door call: a scalar subject or record ID given for a
    column is that of every row (the operations take one per row)."""
    if is_column(values):
        subject = _each_row(values, subject)
        record_ids = _each_row(values, record_ids)
    return OpContext(
        keyring=keyring, table=table, field=field, subjects=subject, record_ids=record_ids
    )


def _each_row(values: Any, given: Any) -> Any:
    return given if given is None or is_column(given) else [given] * len(values)


# --------------------------------------------------------------------------- decryption


def decrypt(
    values: Any,
    keyring: Keyring,
    *,
    table: str = "",
    field: str = "",
    record_ids: Any = None,
    errors: Literal["raise", "null"] = "raise",
) -> Any:
    """Decrypt a value or column made by :func:`encrypt` or :func:`encrypt_deterministically`.

    Give the same ``table``, ``field`` and ``record_ids`` as when encrypting. Any key of the
    keyring that is primary or active decrypts. A failure raises
    :class:`~medguard.errors.DecryptionError` (tampered, wrong key or context; opaque, with
    the row), :class:`~medguard.errors.KeyNotFound` or
    :class:`~medguard.errors.KeyStateError` (disabled or destroyed key) -- or, with
    ``errors="null"``, gives ``None`` for that row. :func:`try_decrypt` reports each failure.

    With ``errors="raise"`` this is the ``reverse`` of
    :class:`~medguard.ops.field_encryption.EncryptOp` (which decrypts what either operation
    made); ``errors="null"`` is :func:`try_decrypt` without the report.
    """
    if errors not in ("raise", "null"):
        raise InvalidArgument("errors must be 'raise' or 'null'")
    if errors == "null":
        return try_decrypt(values, keyring, table=table, field=field, record_ids=record_ids).values
    op = EncryptOp(bind_record=record_ids is not None)
    return op.reverse(values, _context(values, keyring, table, field, None, record_ids))


def try_decrypt(
    values: Any,
    keyring: Keyring,
    *,
    table: str = "",
    field: str = "",
    record_ids: Any = None,
) -> DecryptReport:
    """Decrypt a column without stopping: ``None`` for failed rows, each failure reported."""
    return decrypt_report(values, keyring, table, field, record_ids, raising=False)


# --------------------------------------------------------------------------- rotation


def rewrap(
    values: Any,
    keyring: Keyring,
    *,
    table: str = "",
    field: str = "",
    record_ids: Any = None,
    errors: Literal["raise", "keep"] = "raise",
) -> RewrapReport:
    """Move every ciphertext of a column onto the key that encrypts now.

    Values under an older keyring key move to the primary; values under an older key of a
    subject (after :meth:`~medguard.keys.Keyring.rotate_subjects`) move to that subject's
    newest key. Idempotent and resumable: values already under their current key are left
    as they are, so running it again after an interruption finishes the job. Each value keeps
    its mode (randomized or deterministic) and form (text or bytes). Rows under a destroyed
    key (an erased subject) are left unchanged and reported in ``failures``, never raised;
    with ``errors="keep"`` every other row that does not decrypt is treated the same way.
    """
    if errors not in ("raise", "keep"):
        raise InvalidArgument("errors must be 'raise' or 'keep'")
    data, opened = decrypt_column(values, keyring, table, field, record_ids)
    raising = [r for r, e in opened.failures.items() if not isinstance(e, KeyDestroyed)]
    if errors == "raise" and raising:
        raise opened.failures[min(raising)]
    records = side_column("record_ids", record_ids, len(data.items))
    out = list(data.items)
    moves: dict[tuple[bool, Output, str], list[int]] = {}
    unchanged = 0
    targets = keyring.current_keys_for(kid for (_, kid, _) in opened.groups)  # one store read
    for (scheme, kid, form), rows in opened.groups.items():
        target = targets[kid]
        if kid == target:
            unchanged += len(rows)
            continue
        moves.setdefault((scheme.deterministic, form, target), []).extend(rows)
    moved = 0
    for (deterministic, form, target), rows in moves.items():
        fresh = encrypt_column(
            [opened.plain[r] for r in rows],
            keyring,
            deterministic=deterministic,
            table=table,
            field=field,
            record_ids=None if records is None else [records[r] for r in rows],
            key_id=target,
            subject=None,
            output=form,
        )
        for r, c in zip(rows, fresh, strict=True):
            out[r] = c
        moved += len(rows)
    failures = row_failures(opened.failures)
    any_bytes = any(form == "bytes" for _, _, form in opened.groups)
    return RewrapReport(data.result(values, out, plain=any_bytes), moved, unchanged, failures)


# --------------------------------------------------------------------------- inspection


def inspect_ciphertext(value: str | bytes) -> CiphertextInfo:
    """Read a ciphertext's header (version, scheme, key ID) without any key.

    Raises :class:`~medguard.errors.InvalidArgument` when ``value`` is not a medguard
    ciphertext. Nothing is authenticated here: use it for inventories (which keys does this
    column still use?), not for decisions about trust.
    """
    parsed: tuple[Scheme, str] | None
    form: Output
    if isinstance(value, str):
        parsed = parse_text_header(value.rpartition(".")[0])
        form = "text"
    else:
        full = parse_bytes(bytes(value)) if isinstance(value, (bytes, bytearray)) else None
        parsed = None if full is None else full[:2]
        form = "bytes"
    if parsed is None:
        raise InvalidArgument("not a medguard ciphertext")
    scheme, kid = parsed
    return CiphertextInfo("mg1", scheme.code, scheme.suite, scheme.deterministic, kid, form)


# --------------------------------------------------------------------------- operation objects


@dataclass(frozen=True)
class _FieldEncryption:
    """Shared shape of the two encryption operations as values (policies, pipelines)."""

    table: str = ""
    field: str = ""
    key_id: str | None = None
    output: Output = "text"

    name: ClassVar[str]
    deterministic: ClassVar[bool]
    leaks: ClassVar[str]

    def __post_init__(self) -> None:
        if not isinstance(self.table, str) or not isinstance(self.field, str):
            raise InvalidArgument("table and field must be strings")
        if self.output not in ("text", "bytes"):
            raise InvalidArgument("output must be 'text' or 'bytes'")
        if self.key_id is not None:
            check_key_id(self.key_id)

    def reverse(
        self,
        values: Any,
        keyring: Keyring,
        *,
        record_ids: Any = None,
        errors: Literal["raise", "null"] = "raise",
    ) -> Any:
        """Decrypt what :meth:`apply` produced (same table and field)."""
        return decrypt(
            values,
            keyring,
            table=self.table,
            field=self.field,
            record_ids=record_ids,
            errors=errors,
        )

    def to_config(self) -> dict[str, Any]:
        """A plain dict (for TOML/YAML policies) that :meth:`from_config` reads back."""
        config: dict[str, Any] = {"op": self.name, "table": self.table, "field": self.field}
        if self.key_id is not None:
            config["key_id"] = self.key_id
        if self.output != "text":
            config["output"] = self.output
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """Build the operation from :meth:`to_config` output; unknown keys are a PolicyError."""
        data = dict(config)
        op = data.pop("op", cls.name)
        if op != cls.name:
            raise PolicyError(f"expected op {cls.name!r}, got {op!r}")
        unknown = sorted(set(data) - {"table", "field", "key_id", "output"})
        if unknown:
            raise PolicyError(f"{cls.name}: unknown option(s) {', '.join(unknown)}")
        try:
            return cls(**data)
        except (InvalidArgument, TypeError) as exc:
            raise PolicyError(f"{cls.name}: {exc}") from None


@dataclass(frozen=True)
class Encrypt(_FieldEncryption):
    """Randomized field encryption as an operation value: ``Encrypt("patients", "mobile")``.

    What this leaks: the value's length and which key encrypted it.
    """

    name: ClassVar[str] = "encrypt"
    deterministic: ClassVar[bool] = False
    leaks: ClassVar[str] = "the length of each value and which key encrypted it"

    def apply(
        self, values: Any, keyring: Keyring, *, record_ids: Any = None, subject: Any = None
    ) -> Any:
        """:func:`encrypt` with this operation's table, field, key and output form."""
        return encrypt(
            values,
            keyring,
            table=self.table,
            field=self.field,
            record_ids=record_ids,
            key_id=self.key_id,
            subject=subject,
            output=self.output,
        )


@dataclass(frozen=True)
class EncryptDeterministically(_FieldEncryption):
    """Deterministic field encryption as an operation value (join and search keys only).

    Warning -- what this leaks: which values are equal (same key, table and field), and lengths.
    """

    name: ClassVar[str] = "encrypt_deterministically"
    deterministic: ClassVar[bool] = True
    leaks: ClassVar[str] = (
        "which values are equal within the field (same key), and the length of each value"
    )

    def apply(
        self, values: Any, keyring: Keyring, *, record_ids: Any = None, subject: Any = None
    ) -> Any:
        """:func:`encrypt_deterministically` with this operation's settings.

        ``record_ids`` must be ``None``: a per-row binding would defeat equality.
        """
        if record_ids is not None:
            raise InvalidArgument("deterministic encryption cannot bind record IDs")
        return encrypt_deterministically(
            values,
            keyring,
            table=self.table,
            field=self.field,
            key_id=self.key_id,
            subject=subject,
            output=self.output,
        )
