"""Crypto-shredding: destroy a subject's or a dataset's key, so everything under it is unreadable.

:func:`crypto_shred` destroys the per-subject keys of one or more subjects (patients), or a
dataset key named by its ID (:class:`DatasetKey`), at once or after a grace period: during the
grace period the keys are ``pending_destruction`` (they decrypt nothing, and
:func:`cancel_shred` restores them), then :func:`complete_due` (or any later
``keyring.destroy_due()``) destroys them for good. Afterwards every ciphertext and reversible
pseudonym under those keys fails with ``KeyDestroyed``; every other value still decrypts.

All targets are checked before any key changes: an unknown subject or key, or the primary
key, raises and destroys nothing. Each call returns a :class:`DestructionRecord` naming
subjects by the keyring's keyed token (``Keyring.subject_token``), never by their ID.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from medguard.erase.record import (
    DEFAULT_LEGAL_BASIS,
    Assurance,
    DestructionRecord,
    RecordStatus,
    append_to,
    check_people,
    rfc3339,
)
from medguard.errors import (
    ErasureError,
    InvalidArgument,
    KeyDestroyed,
    KeyNotFound,
    KeyStateError,
)
from medguard.keys import KeyInfo, Keyring, KeyStatus
from medguard.keys.model import check_key_id
from medguard.typing import AuditSink

__all__ = ["DatasetKey", "ShredTarget", "cancel_shred", "complete_due", "crypto_shred"]

CRYPTO = Assurance.CRYPTOGRAPHIC_ERASE
METHOD = "crypto-shred (destruction of the encryption key)"

NOTES_DONE = (
    "copies of the key store (backups, replicas, exports) made before the destruction still "
    "hold the key: the erase is complete only once every such copy has expired",
    "values already decrypted, exported or shared in the clear are not affected",
    "Python cannot wipe memory: key bytes may remain in the memory of processes that used "
    "the key until they exit",
)
NOTE_SUBJECT = (
    "the subject's values under shared keys (the primary key, deterministic join keys) or kept "
    "in the clear are not affected: erase_subject deletes them from a database"
)
NOTE_PENDING = (
    "pending: the keys decrypt nothing now but can be restored with cancel_shred until "
    "destroy_after; nothing is destroyed yet"
)


@dataclass(frozen=True)
class DatasetKey:
    """A key named by its ID (a dataset's key), as a :func:`crypto_shred` target.

    A plain string given to :func:`crypto_shred` is a subject ID; wrap a key ID in
    ``DatasetKey`` to destroy that key, so the two can never be confused.
    """

    key_id: str

    def __post_init__(self) -> None:
        check_key_id(self.key_id)


#: What :func:`crypto_shred` and :func:`cancel_shred` take: a subject ID, several, or a key.
ShredTarget = str | Iterable[str] | DatasetKey


@dataclass(frozen=True)
class _Who:
    """What is destroyed and who answers for it: the parts every record of one call shares."""

    what: str
    actor: str
    approver: str | None
    legal_basis: str

    def record(self, **fields: Any) -> DestructionRecord:
        return DestructionRecord(
            what=self.what,
            method=METHOD,
            actor=self.actor,
            approver=self.approver,
            legal_basis=self.legal_basis,
            **fields,
        )


@dataclass(frozen=True)
class _Planned:
    key_id: str
    scope: tuple[str, ...]  # ("subject:<token>", "key:<id>") or ("key:<id>",)
    subject: str | None  # the subject ID, only in memory, never recorded
    status: KeyStatus


def _subjects(target: str | Iterable[str]) -> list[str]:
    items = [target] if isinstance(target, str) else list(target)
    if not items:
        raise InvalidArgument("crypto_shred needs at least one subject")
    seen: dict[str, None] = {}
    for i, subject in enumerate(items):
        if not isinstance(subject, str) or not subject:
            raise InvalidArgument(f"subject {i} is not a non-empty string")
        seen.setdefault(subject, None)
    return list(seen)


def _plan(target: ShredTarget, keyring: Keyring) -> tuple[str, list[_Planned]]:
    """Resolve every target to its key before anything changes; raise on the first problem."""
    if not isinstance(keyring, Keyring):
        raise InvalidArgument("keyring must be a medguard.keys.Keyring")
    if isinstance(target, DatasetKey):
        info = keyring.get(target.key_id)
        if info.status is KeyStatus.PRIMARY:
            raise KeyStateError(
                f"key {info.key_id!r} is the primary key; rotate before destroying it"
            )
        key_scope = (f"key:{info.key_id}",)
        return "dataset key", [_Planned(info.key_id, key_scope, None, info.status)]
    planned = []
    subjects = _subjects(target)
    for subject, found in zip(subjects, keyring.subject_keys(subjects, create=False), strict=True):
        token = keyring.subject_token(subject)
        if found is None:
            raise KeyNotFound(f"subject:{token}")
        scope = (f"subject:{token}", f"key:{found.key_id}")
        planned.append(_Planned(found.key_id, scope, subject, found.status))
    return "subject keys", planned


def _check_grace(grace: dt.timedelta | None) -> None:
    if grace is not None and (not isinstance(grace, dt.timedelta) or grace <= dt.timedelta(0)):
        raise InvalidArgument("grace must be a positive datetime.timedelta (or None)")


def crypto_shred(
    target: ShredTarget,
    keyring: Keyring,
    *,
    actor: str,
    grace: dt.timedelta | None = None,
    approver: str | None = None,
    legal_basis: str = DEFAULT_LEGAL_BASIS,
    audit: AuditSink | None = None,
    dry_run: bool = False,
) -> DestructionRecord:
    """Destroy the key(s) of ``target``: subject ID(s) or a :class:`DatasetKey`.

    Without ``grace`` the keys are destroyed now (a cryptographic erase). With ``grace`` (a
    positive :class:`datetime.timedelta`) they become ``pending_destruction`` until then: they
    decrypt nothing, :func:`cancel_shred` restores them, and :func:`complete_due` destroys them
    once the time has come. Keys already destroyed are counted and left alone. ``dry_run``
    checks and describes without changing anything.

    Returns the :class:`DestructionRecord` (also appended to ``audit`` when given). Raises
    :class:`~medguard.errors.KeyNotFound` for a subject without a key or an unknown key ID and
    :class:`~medguard.errors.KeyStateError` for the primary key, before anything changes; a key
    store failure after some keys were destroyed raises
    :class:`~medguard.errors.ErasureError` saying how many were, after recording them.
    """
    check_people(actor, approver, legal_basis)
    _check_grace(grace)
    what, planned = _plan(target, keyring)
    record_args = _Who(what, actor, approver, legal_basis)
    scope = tuple(s for p in planned for s in p.scope)
    already = [p for p in planned if p.status is KeyStatus.DESTROYED]
    todo = [p for p in planned if p.status is not KeyStatus.DESTROYED]
    notes = (*NOTES_DONE, NOTE_SUBJECT) if what == "subject keys" else NOTES_DONE
    if dry_run:
        counts = {"keys": len(planned), "keys_already_destroyed": len(already)}
        return record_args.record(
            scope=scope,
            assurance=Assurance.NONE,
            counts=counts,
            status=RecordStatus.DRY_RUN,
            notes=notes if grace is None else (NOTE_PENDING, *notes),
        )
    done: list[KeyInfo] = []
    failure: Exception | None = None
    subjects = [item.subject for item in todo if item.subject is not None]
    try:
        if subjects:  # one store transaction for every subject: all or nothing
            done = keyring.destroy_subjects(subjects, grace=grace)
        else:
            for item in todo:
                done.append(keyring.destroy(item.key_id, grace=grace))
    except Exception as exc:  # recorded, then re-raised as ErasureError
        failure = exc
    pending = [info for info in done if info.status is not KeyStatus.DESTROYED]
    counts = {
        "keys_destroyed": len(done) - len(pending),
        "keys_pending": len(pending),
        "keys_already_destroyed": len(already),
    }
    if failure is not None:
        counts["keys_failed"] = len(todo) - len(done)
    status = RecordStatus.PENDING if pending else RecordStatus.COMPLETED
    after = [info.destroy_after for info in pending if info.destroy_after is not None]
    if pending and not after and grace is not None:  # the keyring did not say: our own estimate
        after = [rfc3339(dt.datetime.now(dt.UTC) + grace)]
    record = record_args.record(
        scope=scope,
        # a partial shred is a cryptographic erase of the keys it reached; the counts and the
        # ErasureError raised below say which were not reached
        assurance=Assurance.NONE if pending or not (done or already) else CRYPTO,
        counts=counts,
        status=status,
        destroy_after=min(after) if after else None,
        notes=(NOTE_PENDING, *notes) if pending else notes,
    )
    append_to(audit, record)
    if failure is not None:
        raise ErasureError(
            f"crypto-shredding stopped after {len(done)} of {len(todo)} keys "
            f"({type(failure).__name__}: {failure}); record {record.record_id} lists them"
        ) from failure
    return record


def cancel_shred(
    target: ShredTarget,
    keyring: Keyring,
    *,
    actor: str,
    approver: str | None = None,
    legal_basis: str = DEFAULT_LEGAL_BASIS,
    audit: AuditSink | None = None,
) -> DestructionRecord:
    """Call off a pending :func:`crypto_shred` of ``target``: its keys decrypt again.

    Every key must still be ``pending_destruction`` (checked before any changes): a destroyed
    key cannot come back (:class:`~medguard.errors.KeyDestroyed`), any other status raises
    :class:`~medguard.errors.KeyStateError`. Returns a record
    with status ``cancelled`` (appended to ``audit`` when given).
    """
    check_people(actor, approver, legal_basis)
    what, planned = _plan(target, keyring)
    for item in planned:
        if item.status is KeyStatus.DESTROYED:
            raise KeyDestroyed(f"key {item.key_id!r} is destroyed and cannot come back")
        if item.status is not KeyStatus.PENDING_DESTRUCTION:
            raise KeyStateError(
                f"key {item.key_id!r} is {item.status.value}, not pending destruction"
            )
    for item in planned:
        keyring.cancel_destruction(item.subject if item.subject is not None else item.key_id)
    record = DestructionRecord(
        what=what,
        scope=tuple(s for p in planned for s in p.scope),
        method=METHOD,
        assurance=Assurance.NONE,
        actor=actor,
        approver=approver,
        legal_basis=legal_basis,
        counts={"keys_restored": len(planned)},
        status=RecordStatus.CANCELLED,
        notes=("the pending destruction was cancelled: the keys decrypt again",),
    )
    append_to(audit, record)
    return record


def complete_due(
    keyring: Keyring,
    *,
    actor: str,
    now: dt.datetime | None = None,
    approver: str | None = None,
    legal_basis: str = DEFAULT_LEGAL_BASIS,
    audit: AuditSink | None = None,
) -> DestructionRecord | None:
    """Destroy every key whose grace period has ended (``keyring.destroy_due``), with a record.

    Run it from a scheduler (``medguard erase due``). Returns ``None`` when nothing was due.
    """
    check_people(actor, approver, legal_basis)
    destroyed = keyring.destroy_due(now)
    if not destroyed:
        return None
    subject_keys = sum(1 for info in destroyed if info.is_subject_key)
    record = DestructionRecord(
        what="subject keys" if subject_keys == len(destroyed) else "keys",
        scope=tuple(
            s
            for info in destroyed
            for s in (
                *((f"subject:{info.subject_token}",) if info.subject_token else ()),
                f"key:{info.key_id}",
            )
        ),
        method=METHOD,
        assurance=Assurance.CRYPTOGRAPHIC_ERASE,
        actor=actor,
        approver=approver,
        legal_basis=legal_basis,
        counts={"keys_destroyed": len(destroyed), "subject_keys": subject_keys},
        notes=NOTES_DONE,
    )
    append_to(audit, record)
    return record
