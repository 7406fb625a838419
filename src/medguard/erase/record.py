"""The :class:`DestructionRecord`: what was destroyed, how, how surely, by whom and why.

Every destruction medguard carries out (crypto-shredding, database erasure, file erasure)
produces one record. It names the scope by keyed subject tokens, key IDs, table names and
paths, and counts what was destroyed; it never holds the data, a subject's identifier or a
key. A record is appended to an audit trail when one is given (:func:`append_to`) and can be
exported as a signed certificate (:mod:`medguard.erase.certificate`).

The assurance follows NIST SP 800-88 Rev. 1 (Guidelines for Media Sanitization) where it
applies: an overwrite of a magnetic disk reaches "clear" at best; destroying the only copies
of a key is a "cryptographic erase"; deleting rows from a database is a logical deletion,
which is no sanitization level at all (old pages, the write-ahead log and backups keep the
data); and where an overwrite cannot reach the blocks the assurance is "none/unknown".
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from medguard.audit.canonical import canonical_json
from medguard.errors import InvalidArgument
from medguard.typing import AuditSink

__all__ = [
    "AUDIT_ACTION",
    "DEFAULT_LEGAL_BASIS",
    "STANDARDS",
    "Assurance",
    "DestructionRecord",
    "RecordStatus",
    "append_to",
    "canonical_json",
    "check_people",
    "rfc3339",
]

#: The standards a record refers to: media sanitization and the DSMM destruction stage.
STANDARDS: tuple[str, ...] = (
    "NIST SP 800-88 Rev. 1",
    "GB/T 37988-2019 (DSMM, data destruction stage)",
)

#: The legal basis recorded when the caller gives none: the PIPL's duty to delete.
DEFAULT_LEGAL_BASIS = "PIPL Art. 47"


class Assurance(enum.StrEnum):
    """How sure it is that the destroyed data cannot be recovered (weakest first).

    - ``none/unknown``: nothing reached the storage blocks, or medguard cannot tell (copy-on-write
      and log-structured file systems, tmpfs and swap, network file systems, SSDs, a destruction
      still pending).
    - ``logical deletion``: the rows are gone from the database's view; its free pages, write-ahead
      log, replicas and backups may keep them. Not a NIST SP 800-88 level.
    - ``clear`` (NIST SP 800-88): the blocks were overwritten in place through the file system,
      which protects against reading with ordinary tools, not against laboratory recovery.
    - ``cryptographic erase`` (NIST SP 800-88): every copy of the key was destroyed, so its
      ciphertexts cannot be decrypted, wherever they are -- as long as no copy of the key survives
      (see the docs: backups of the key store).
    """

    NONE = "none/unknown"
    LOGICAL = "logical deletion"
    CLEAR = "clear"
    CRYPTOGRAPHIC_ERASE = "cryptographic erase"

    @property
    def rank(self) -> int:
        """Order of strength: 0 for ``none/unknown`` up to 3 for ``cryptographic erase``."""
        return list(Assurance).index(self)

    @classmethod
    def weakest(cls, levels: list[Assurance]) -> Assurance:
        """The weakest of ``levels`` (``none/unknown`` for an empty list)."""
        return min(levels, key=lambda a: a.rank) if levels else cls.NONE


class RecordStatus(enum.StrEnum):
    """Where a destruction stands.

    ``completed`` it is done; ``pending`` keys wait out a grace period (unusable, cancellable);
    ``cancelled`` a pending destruction was called off; ``dry-run`` nothing was changed.
    """

    COMPLETED = "completed"
    PENDING = "pending"
    CANCELLED = "cancelled"
    DRY_RUN = "dry-run"


def rfc3339(moment: dt.datetime | None = None) -> str:
    """``moment`` (default: now) in RFC 3339, UTC, whole seconds: ``2026-12-07T18:09:10Z``.

    A naive ``moment`` is taken to be UTC.
    """
    moment = dt.datetime.now(dt.UTC) if moment is None else moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    text = moment.astimezone(dt.UTC).replace(microsecond=0).isoformat()
    return text.replace("+00:00", "Z")


def check_people(actor: object, approver: object, legal_basis: object) -> None:
    """Raise :class:`InvalidArgument` unless actor and legal basis are non-empty strings and
    the approver is one or ``None`` (called before a destruction changes anything)."""
    _text("actor", actor)
    _text("approver", approver, optional=True)
    _text("legal basis", legal_basis)


def _text(name: str, value: object, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgument(f"a destruction record needs a non-empty {name} (a string)")
    return value


@dataclass(frozen=True)
class DestructionRecord:
    """One destruction: what, its scope, the method, the assurance reached, counts and who.

    ``scope`` names what was destroyed without revealing it: ``subject:<token>`` (the keyring's
    keyed hash of a subject ID), ``key:<key ID>``, ``table:<name>``, ``path:<path>``. ``counts``
    gives numbers (keys destroyed, rows deleted per table, files and bytes overwritten).
    ``notes`` say plainly what the method could not reach. ``time`` is RFC 3339 (UTC);
    ``destroy_after`` is when a pending destruction becomes final.
    """

    what: str
    scope: tuple[str, ...]
    method: str
    assurance: Assurance
    actor: str
    counts: Mapping[str, int] = field(default_factory=dict)
    approver: str | None = None
    legal_basis: str = DEFAULT_LEGAL_BASIS
    status: RecordStatus = RecordStatus.COMPLETED
    destroy_after: str | None = None
    notes: tuple[str, ...] = ()
    standards: tuple[str, ...] = STANDARDS
    time: str = field(default_factory=rfc3339)
    record_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        _text("what", self.what)
        _text("method", self.method)
        _text("actor", self.actor)
        _text("legal basis", self.legal_basis)
        _text("approver", self.approver, optional=True)
        object.__setattr__(self, "assurance", Assurance(self.assurance))
        object.__setattr__(self, "status", RecordStatus(self.status))
        object.__setattr__(self, "scope", tuple(str(s) for s in self.scope))
        object.__setattr__(self, "notes", tuple(str(n) for n in self.notes))
        object.__setattr__(self, "standards", tuple(str(s) for s in self.standards))
        counts = {}
        for key, value in dict(self.counts).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidArgument(f"count {key!r} must be a non-negative integer")
            counts[str(key)] = value
        object.__setattr__(self, "counts", MappingProxyType(counts))

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (the form the audit trail and certificates hold)."""
        return {
            "record_id": self.record_id,
            "what": self.what,
            "scope": list(self.scope),
            "method": self.method,
            "assurance": self.assurance.value,
            "standards": list(self.standards),
            "counts": dict(sorted(self.counts.items())),
            "status": self.status.value,
            "destroy_after": self.destroy_after,
            "time": self.time,
            "actor": self.actor,
            "approver": self.approver,
            "legal_basis": self.legal_basis,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DestructionRecord:
        """Rebuild a record from :meth:`to_dict` output; :class:`InvalidArgument` if malformed."""
        try:
            return cls(
                what=data["what"],
                scope=tuple(data["scope"]),
                method=data["method"],
                assurance=Assurance(data["assurance"]),
                actor=data["actor"],
                counts=dict(data["counts"]),
                approver=data.get("approver"),
                legal_basis=data["legal_basis"],
                status=RecordStatus(data["status"]),
                destroy_after=data.get("destroy_after"),
                notes=tuple(data.get("notes", ())),
                standards=tuple(data["standards"]),
                time=data["time"],
                record_id=data["record_id"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InvalidArgument):
                raise
            raise InvalidArgument(f"not a destruction record ({type(exc).__name__})") from None

    def canonical_json(self) -> bytes:
        """Canonical JSON (RFC 8785) of :meth:`to_dict`: the bytes a certificate signs."""
        return canonical_json(self.to_dict())

    def digest(self) -> str:
        """SHA-256 (hex) of :meth:`canonical_json`: ties an audit entry to a certificate."""
        return hashlib.sha256(self.canonical_json()).hexdigest()


#: The audit action of each kind of record.
AUDIT_ACTION = "erase.record"


def append_to(audit: AuditSink | None, record: DestructionRecord) -> None:
    """Append ``record`` to ``audit`` (action ``erase.record``) unless it is a dry run or ``None``.

    The entry's actor is the record's; it holds the record (``record=...``) and its
    :meth:`~DestructionRecord.digest`, which ties it to the signed certificate.
    """
    if audit is None or record.status is RecordStatus.DRY_RUN:
        return
    audit.append(AUDIT_ACTION, actor=record.actor, record=record.to_dict(), digest=record.digest())
