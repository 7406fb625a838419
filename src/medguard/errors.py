"""The exceptions medguard raises, one tree rooted at :class:`MedguardError`.

::

    MedguardError
    ├── InvalidArgument (also ValueError)        a caller passed something unusable
    │   ├── InvalidIdentifier                     an identifier failed to parse/validate
    │   ├── UnsupportedColumn (also TypeError)    a column of a kind medguard cannot handle
    │   ├── DomainTooSmall                        FF1 domain below the safe minimum
    │   ├── MissingBound                          a DP aggregate without its declared bounds
    │   └── PolicyError                           a policy file or object that does not validate
    │       ├── InvalidPolicy (lifecycle)          file, line, path, problem, allowed values
    │       ├── PlanError (lifecycle)              the data does not fit the compiled plan
    │       └── OpConfigError (ops.base)           an operation's options do not validate
    ├── CryptoError
    │   └── DecryptionError                       opaque: tampered, wrong key, wrong context
    ├── KeyringError
    │   ├── KeyNotFound                           carries the key ID, never the key
    │   ├── KeyStateError                         key disabled/pending/destroyed for this use
    │   │   └── KeyDestroyed                      the key was destroyed (crypto-shredded)
    │   └── InsecureKeyring                       e.g. a world-readable keyring file
    ├── PrivacyError
    │   ├── BudgetExceeded                        a spend over the ledger's total; nothing drawn
    │   └── NoSolution (privacy.search)           no generalization reaches the privacy model
    ├── ScanError
    │   └── UnreadableInput                       a file that cannot be read or decoded
    ├── AuditError                                an audit trail cannot be opened, written or proved
    │   └── SQLRefused                            the SQL guard refused a statement before it ran
    ├── ErasureError                              a destruction that cannot be done as asked
    │   ├── RefusedTarget                         a symlink or special file erase_file won't touch
    │   └── InvalidCertificate                    a destruction certificate that does not verify
    └── MissingDependency (also ImportError)      an optional package (extra) is not installed

Classes marked with a module are defined beside the code that raises them (they carry fields of
that layer) and subclass the class above them here, so ``except`` on the tree works everywhere.

Messages name the field, row, position, file or key ID. They never echo a full sensitive value:
use :func:`redact_for_message` when a hint of the value helps.
"""

from __future__ import annotations

__all__ = [
    "AuditError",
    "BudgetExceeded",
    "CryptoError",
    "DecryptionError",
    "DomainTooSmall",
    "ErasureError",
    "InsecureKeyring",
    "InvalidArgument",
    "InvalidCertificate",
    "InvalidIdentifier",
    "KeyDestroyed",
    "KeyNotFound",
    "KeyStateError",
    "KeyringError",
    "MedguardError",
    "MissingBound",
    "MissingDependency",
    "PolicyError",
    "PrivacyError",
    "RefusedTarget",
    "SQLRefused",
    "ScanError",
    "UnreadableInput",
    "UnsupportedColumn",
    "redact_for_message",
]


def redact_for_message(value: object, keep: int = 2) -> str:
    """Describe ``value`` for an error message without revealing it.

    Shows at most the first ``keep`` characters and the length, e.g. ``'11…' (18 chars)``.
    """
    text = str(value)
    if len(text) <= keep:
        return f"<{len(text)} chars>"
    return f"{text[:keep]!r}… ({len(text)} chars)"


class MedguardError(Exception):
    """Base class of every exception medguard raises on purpose."""


class InvalidArgument(MedguardError, ValueError):
    """A caller passed a value or option medguard cannot use."""


class InvalidIdentifier(InvalidArgument):
    """An identifier did not parse or validate.

    ``kind`` names the identifier (``"resident_id"``), ``reason`` says what is wrong
    (``"bad check character"``), ``position`` gives the offending character index when one
    is known, and ``row`` the row of a column operation. The raw value is never stored.
    """

    def __init__(
        self,
        kind: str,
        reason: str,
        *,
        position: int | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.kind = kind
        self.reason = reason
        self.position = position
        self.row = row
        self.field = field
        where = []
        if field is not None:
            where.append(f"field {field!r}")
        if row is not None:
            where.append(f"row {row}")
        if position is not None:
            where.append(f"position {position}")
        suffix = f" ({', '.join(where)})" if where else ""
        super().__init__(f"invalid {kind}: {reason}{suffix}")


class UnsupportedColumn(InvalidArgument, TypeError):
    """A column (or value) of a type the operation cannot take."""


class DomainTooSmall(InvalidArgument):
    """A format-preserving encryption domain below the safe minimum size."""


class MissingBound(InvalidArgument):
    """A differential-privacy aggregate was called without the bounds it needs."""


class PolicyError(InvalidArgument):
    """A policy (file or object) does not validate; the message names the line or field."""


class CryptoError(MedguardError):
    """A cryptographic operation failed."""


class DecryptionError(CryptoError):
    """A ciphertext did not authenticate.

    Deliberately opaque: tampering, a wrong key, or a wrong context (table, field, record)
    all look the same, so the error cannot be used as an oracle.
    """

    def __init__(
        self, message: str = "ciphertext did not authenticate", *, row: int | None = None
    ) -> None:
        self.row = row
        super().__init__(message if row is None else f"{message} (row {row})")


class KeyringError(MedguardError):
    """A keyring or key cannot be used as asked."""


class KeyNotFound(KeyringError, LookupError):
    """No key with this ID is in the keyring."""

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        super().__init__(f"no key with ID {key_id!r} in the keyring")


class KeyStateError(KeyringError):
    """The key exists but its status forbids this use (disabled, destroyed, decrypt-only)."""


class KeyDestroyed(KeyStateError):
    """The key was destroyed (crypto-shredded): what it protected can never be read again."""


class InsecureKeyring(KeyringError):
    """The keyring's storage is not safe (e.g. a world-readable file)."""


class PrivacyError(MedguardError):
    """A differential-privacy operation cannot be carried out safely."""


class BudgetExceeded(PrivacyError):
    """Spending this epsilon/delta would exceed the ledger's total. No noise was drawn."""


class ScanError(MedguardError):
    """The scanner could not complete as asked."""


class UnreadableInput(ScanError):
    """A file could not be read or decoded; carries the path."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot read {path}: {reason}")


class ErasureError(MedguardError):
    """A destruction (crypto-shredding, database or file erasure) cannot be done as asked.

    Raised before anything changed, or, when a step after the first failed, with a message
    saying what was already destroyed.
    """


class RefusedTarget(ErasureError):
    """A path :func:`medguard.erase.erase_file` refuses: a symlink or a special file.

    ``kind`` is ``"symlink"``, ``"fifo"``, ``"socket"``, ``"character device"`` or
    ``"block device"``; ``path`` is the path as given.
    """

    def __init__(self, path: str, kind: str) -> None:
        self.path = path
        self.kind = kind
        super().__init__(f"refusing to erase {path}: it is a {kind}, not a regular file")


class InvalidCertificate(ErasureError):
    """A destruction certificate whose signature, key or content does not verify."""


class AuditError(MedguardError):
    """An audit trail cannot be opened, appended to, checkpointed or proved as asked.

    A trail that fails verification is not an exception: :meth:`medguard.audit.AuditTrail.verify`
    returns a result naming the first bad record.
    """


class SQLRefused(AuditError):
    """The SQL guard (:func:`medguard.audit.sql.guarded`) refused a statement before it ran.

    ``findings`` holds the :class:`medguard.audit.sql.Finding` objects that refused it; the
    message names the statement by its fingerprint and the rule ids, never a literal value.
    """

    def __init__(self, message: str, findings: tuple[object, ...] = ()) -> None:
        self.findings = findings
        super().__init__(message)


class MissingDependency(MedguardError, ImportError):
    """An optional package medguard needs for this feature is not installed.

    ``package`` names the missing distribution and ``extra`` the medguard extra that installs it
    (``pip install 'medguard[presidio]'``).
    """

    def __init__(self, package: str, *, extra: str, feature: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{feature} needs {package}, which is not installed: pip install 'medguard[{extra}]'",
            name=package,
        )
