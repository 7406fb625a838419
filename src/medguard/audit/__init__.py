"""A tamper-evident audit trail: who protected, decrypted, shared or destroyed what, and when.

>>> from medguard.keys import Keyring
>>> from medguard.audit import AuditTrail
>>> import tempfile, pathlib
>>> trail = AuditTrail.open(pathlib.Path(tempfile.mkdtemp()) / "audit.jsonl", Keyring.generate())
>>> trail.append("key.rotate", key_id="k2").seq
0
>>> trail.verify().ok
True

Records are canonical JSON (:mod:`medguard.audit.canonical`), chained by SHA-256 (SM3 for the SM
suite), keyed by an HMAC under a keyring key, and summed up by signed Merkle checkpoints
(:mod:`medguard.audit.merkle`, :mod:`medguard.audit.checkpoint`) that a second party can
co-sign. :mod:`medguard.audit.signing` holds the Ed25519 keys derived from a keyring. See
``docs/audit.md``.
"""

from __future__ import annotations

from medguard.audit.checkpoint import Checkpoint, NoteSignature, cosign
from medguard.audit.signing import PublicKey, Signature, sign, verify_signature
from medguard.audit.trail import AuditRecord, AuditTrail, InclusionProof
from medguard.audit.verify import KINDS, VerifyResult

__all__ = [
    "KINDS",
    "AuditRecord",
    "AuditTrail",
    "Checkpoint",
    "InclusionProof",
    "NoteSignature",
    "PublicKey",
    "Signature",
    "VerifyResult",
    "cosign",
    "sign",
    "verify_signature",
]
