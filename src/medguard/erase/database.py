"""Erase one subject from a database: their rows and tokens per the policy, and their keys.

:func:`erase_subject` computes how the subject appears in each table (the raw ID, or its
deterministic tokens under every key that may have made them), then in **one transaction**
deletes or nulls those rows per the :class:`~medguard.erase.policy.ErasurePolicy`, shreds the
subject's key (:func:`~medguard.erase.shred.crypto_shred`) just before committing, and reports
the rows per table. Any failure before the commit rolls the database back and leaves the key
alone: nothing changes. Values are always bound parameters; table and column names are
validated identifiers, quoted.

The assurance is a logical deletion for the rows (the database's free pages, write-ahead log,
replicas and backups keep them for a while; with SQLite, ``secure_delete`` is switched on for the
erasure so freed content is zeroed in the main file) and a cryptographic erase for every value
under the subject's key, wherever copies of it went.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from medguard.erase._sql import Sql, transaction
from medguard.erase.policy import ErasurePolicy, TableRule, as_erasure_policy
from medguard.erase.record import (
    DEFAULT_LEGAL_BASIS,
    Assurance,
    DestructionRecord,
    RecordStatus,
    append_to,
    check_people,
)
from medguard.erase.shred import NOTES_DONE, crypto_shred
from medguard.errors import ErasureError, InvalidArgument, KeyringError, MedguardError
from medguard.keys import KeyInfo, Keyring, KeyStatus
from medguard.typing import AuditSink

__all__ = ["SubjectErasure", "erase_subject", "subject_tokens"]

_ROW_NOTES = (
    "deleted rows can remain in the database's free pages, write-ahead log, replicas and "
    "backups until they are overwritten or expire (a logical deletion, not a sanitization)",
)


@dataclass(frozen=True)
class SubjectErasure:
    """What :func:`erase_subject` did: rows per table, keys, and the destruction record."""

    rows: Mapping[str, int]
    keys_destroyed: int
    record: DestructionRecord
    dry_run: bool = False
    shred: DestructionRecord | None = field(default=None, repr=False)

    @property
    def total_rows(self) -> int:
        """Rows deleted or nulled over all tables."""
        return sum(self.rows.values())


def _usable(status: KeyStatus) -> bool:
    return status in (KeyStatus.PRIMARY, KeyStatus.ACTIVE)


def subject_tokens(
    subject: str,
    keyring: Keyring,
    *,
    table: str,
    field: str,
    output: Literal["text", "bytes"] = "text",
) -> list[Any]:
    """The subject's deterministic ciphertexts under every key that may have made them.

    Every keyring key that still decrypts (:func:`medguard.ops.lookup.tokens_for`: the primary
    and the older active keys, so a lookup during a rotation finds both) and the subject's own
    key when there is one: the values
    :func:`medguard.encrypt_deterministically` gave or would give for ``subject`` in
    ``table``/``field``.
    """
    from medguard.ops import encryption
    from medguard.ops.lookup import tokens_for

    out = list(tokens_for(subject, keyring, table=table, field=field, output=output))
    own = keyring.find_subject_key(subject)
    if own is not None and _usable(own.status):
        out.append(
            encryption.encrypt_deterministically(
                subject, keyring, table=table, field=field, subject=subject, output=output
            )
        )
    return list(dict.fromkeys(out))


def _lookup(rule: TableRule, subject: str, keyring: Keyring) -> list[Any]:
    if rule.match == "raw":
        return [subject]
    table, field_ = rule.token_context
    return subject_tokens(subject, keyring, table=table, field=field_, output=rule.token_form)


def _statement(sql: Sql, rule: TableRule, count: int, *, dry_run: bool) -> str:
    where = f"{sql.quote(rule.subject_column)} IN ({', '.join('?' * count)})"
    table = sql.quote(rule.table)
    if dry_run:
        return f"SELECT COUNT(*) FROM {table} WHERE {where}"  # noqa: S608 - quoted identifiers
    if rule.action == "delete":
        return f"DELETE FROM {table} WHERE {where}"  # noqa: S608 - quoted identifiers
    sets = ", ".join(f"{sql.quote(c)} = NULL" for c in rule.columns)
    return f"UPDATE {table} SET {sets} WHERE {where}"  # noqa: S608 - quoted identifiers


def _secure_delete(conn: Any, on: bool | None) -> bool | None:
    """Switch SQLite's secure_delete; return the previous setting (``None`` elsewhere)."""
    if not isinstance(conn, sqlite3.Connection):
        return None
    try:
        previous = bool(conn.execute("PRAGMA secure_delete").fetchone()[0])
        if on is not None:
            conn.execute(f"PRAGMA secure_delete = {'ON' if on else 'OFF'}")
    except sqlite3.Error:
        return None
    return previous


def erase_subject(
    subject: str,
    connection: Any,
    policy: ErasurePolicy | Mapping[str, Any],
    *,
    keyring: Keyring,
    actor: str,
    grace: dt.timedelta | None = None,
    approver: str | None = None,
    legal_basis: str = DEFAULT_LEGAL_BASIS,
    audit: AuditSink | None = None,
    dry_run: bool = False,
) -> SubjectErasure:
    """Delete or null ``subject``'s rows and tokens per ``policy`` and shred their key, atomically.

    ``connection`` is a DB-API connection (sqlite3, psycopg, ...) with no transaction open, or a
    SQLAlchemy ``Connection`` or ``Engine``. ``policy`` is an
    :class:`~medguard.erase.policy.ErasurePolicy` or a mapping it loads from. A subject without
    a key of their own is still erased from the tables. ``grace`` delays the key's destruction
    (the rows go at once); ``dry_run`` counts the rows and changes nothing.

    Returns a :class:`SubjectErasure` (rows per table and the record, also appended to
    ``audit``). A database or key-store failure raises :class:`~medguard.errors.ErasureError`
    (or the key store's error) and changes nothing; if the commit itself fails after the key was
    destroyed, the error says so and running the erasure again finishes it.
    """
    if not isinstance(subject, str) or not subject:
        raise InvalidArgument("a subject is a non-empty string")
    check_people(actor, approver, legal_basis)
    if not isinstance(keyring, Keyring):
        raise InvalidArgument("keyring must be a medguard.keys.Keyring")
    rules = as_erasure_policy(policy).tables
    token = keyring.subject_token(subject)
    key = keyring.find_subject_key(subject)
    shred_key = key is not None and key.status is not KeyStatus.DESTROYED
    lookups = [_lookup(rule, subject, keyring) for rule in rules]  # before any key changes
    rows: dict[str, int] = {}
    shred: DestructionRecord | None = None
    committing = False
    dialect = "unknown"
    previous = _secure_delete(connection, True) if not dry_run else None
    try:
        with transaction(connection) as sql:
            dialect = sql.dialect
            for rule, values in zip(rules, lookups, strict=True):
                statement = _statement(sql, rule, len(values), dry_run=dry_run)
                if dry_run:
                    changed = sql.count(statement, values)
                else:
                    changed = sql.execute(statement, values)
                rows[rule.table] = rows.get(rule.table, 0) + changed
            if shred_key and not dry_run:
                # the last step inside the transaction: a key-store failure rolls the rows back
                shred = crypto_shred(
                    subject,
                    keyring,
                    actor=actor,
                    grace=grace,
                    approver=approver,
                    legal_basis=legal_basis,
                )
            committing = True
    except MedguardError as exc:
        if committing and shred is not None:
            raise ErasureError(
                f"the subject's key was destroyed but the database did not commit ({exc}): "
                "their rows are still there; run erase_subject again to finish"
            ) from None
        if isinstance(exc, KeyringError | ErasureError):
            raise
        raise ErasureError(f"erasing the subject failed ({exc}); nothing was changed") from None
    finally:
        if previous is not None:
            _secure_delete(connection, previous)
    notes = list(_ROW_NOTES) if rules else []
    if rules and dialect == "sqlite":
        notes.append(
            "SQLite secure_delete was on: freed content was zeroed in the database file (the WAL "
            "or journal may hold copies until a checkpoint)"
            if previous is not None
            else "SQLite keeps freed content in the file until it is reused or VACUUMed "
            "(PRAGMA secure_delete zeroes it)"
        )
    elif rules:
        notes.append("PostgreSQL and most servers keep dead rows until VACUUM reuses them")
    return _result(
        token, rules, rows, shred, key, tuple(notes), dry_run=dry_run,
        actor=actor, approver=approver, legal_basis=legal_basis, audit=audit,
    )  # fmt: skip


def _result(
    token: str,
    rules: tuple[TableRule, ...],
    rows: dict[str, int],
    shred: DestructionRecord | None,
    key: KeyInfo | None,
    row_notes: tuple[str, ...],
    *,
    dry_run: bool,
    actor: str,
    approver: str | None,
    legal_basis: str,
    audit: AuditSink | None,
) -> SubjectErasure:
    actions = sorted({rule.action for rule in rules})
    method = " and ".join(
        [*(["crypto-shred of the subject's key"] if key is not None else []),
         *([f"database {'/'.join(actions)} in one transaction"] if rules else [])]
    ) or "nothing to erase"  # fmt: skip
    levels = [Assurance.LOGICAL] if rules else []
    notes: list[str] = []
    counts = {f"rows.{table}": n for table, n in rows.items()}
    if shred is not None:
        levels.append(shred.assurance)
        notes.extend(shred.notes)
        counts.update(shred.counts)
    elif key is not None and dry_run:
        counts["keys"] = 1
    elif key is not None:  # destroyed by an earlier run: the erasure finishes its rows
        levels.append(Assurance.CRYPTOGRAPHIC_ERASE)
        notes.extend(NOTES_DONE)
        counts["keys_already_destroyed"] = 1
    notes.extend(row_notes)
    key_scope = () if key is None else (f"key:{key.key_id}",)
    record = DestructionRecord(
        what="subject",
        scope=(f"subject:{token}", *key_scope, *(f"table:{rule.table}" for rule in rules)),
        method=method,
        assurance=Assurance.weakest(levels),
        actor=actor,
        approver=approver,
        legal_basis=legal_basis,
        counts=counts,
        status=RecordStatus.DRY_RUN
        if dry_run
        else (shred.status if shred is not None else RecordStatus.COMPLETED),
        destroy_after=shred.destroy_after if shred is not None else None,
        notes=tuple(dict.fromkeys(notes)),
    )
    append_to(audit, record)
    keys = 0 if shred is None else shred.counts.get("keys_destroyed", 0)
    return SubjectErasure(MappingProxyType(dict(rows)), keys, record, dry_run, shred)
