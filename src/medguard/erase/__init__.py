"""Destruction, the last stage of the data life cycle: crypto-shredding, subject erasure in
databases, honest file erasure, retention, and destruction records and certificates.

- :func:`crypto_shred` / :func:`cancel_shred` / :func:`complete_due`: destroy a subject's or a
  dataset's key, at once or after a cancellable grace period (cryptographic erase);
- :func:`erase_subject`: a subject's rows and tokens out of a database in one transaction, per an
  :class:`ErasurePolicy`, and their key shredded;
- :func:`erase_file`: overwrite, fsync and unlink where that reaches the blocks, and say so where
  it does not (copy-on-write, tmpfs, network file systems, SSDs);
- :func:`due_for_destruction`: rows past their retention period;
- :class:`DestructionRecord`, :func:`certify`, :func:`verify_certificate`: what was destroyed,
  how surely, by whom and why, appended to the audit trail and signed.

See ``docs/destruction.md`` for what each method guarantees and what it cannot reach.
"""

from __future__ import annotations

from medguard.erase.certificate import DestructionCertificate, certify, verify_certificate
from medguard.erase.database import SubjectErasure, erase_subject, subject_tokens
from medguard.erase.files import FileErasure, FileOutcome, erase_file
from medguard.erase.policy import ErasurePolicy, TableRule
from medguard.erase.record import (
    DEFAULT_LEGAL_BASIS,
    STANDARDS,
    Assurance,
    DestructionRecord,
    RecordStatus,
)
from medguard.erase.retention import due_for_destruction
from medguard.erase.shred import DatasetKey, cancel_shred, complete_due, crypto_shred

__all__ = [
    "DEFAULT_LEGAL_BASIS",
    "STANDARDS",
    "Assurance",
    "DatasetKey",
    "DestructionCertificate",
    "DestructionRecord",
    "ErasurePolicy",
    "FileErasure",
    "FileOutcome",
    "RecordStatus",
    "SubjectErasure",
    "TableRule",
    "cancel_shred",
    "certify",
    "complete_due",
    "crypto_shred",
    "due_for_destruction",
    "erase_file",
    "erase_subject",
    "subject_tokens",
    "verify_certificate",
]
