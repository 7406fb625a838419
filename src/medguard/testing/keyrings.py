"""Reproducible keyrings and a recording audit sink for tests.

Never use these outside tests: the keys are derived from a seed that sits in your code.
"""

from __future__ import annotations

from typing import Any

from medguard.hazmat.kdf import encode_info, hkdf
from medguard.keys import Keyring, Suite
from medguard.typing import AuditSink

__all__ = ["RecordingAuditSink", "fixed_keyring"]


def fixed_keyring(
    suite: str | Suite = Suite.AES,
    *,
    seed: str = "medguard-tests",
    keys: int = 1,
    audit: AuditSink | None = None,
) -> Keyring:
    """An in-memory keyring whose keys (IDs ``test1``, ``test2``, ...) depend only on ``seed``.

    The last key is the primary, so ``keys=2`` models a keyring after one rotation. Subject
    keys created later are random, as always. ``audit`` receives the keyring's records from
    then on (the imports of the fixed keys are not recorded).
    """
    ring = Keyring()
    for n in range(1, keys + 1):
        material = hkdf(seed.encode("utf-8"), info=encode_info("medguard-testing", str(n)))
        ring.import_key(material, suite, key_id=f"test{n}", primary=n == keys)
    ring.audit = audit
    return ring


class RecordingAuditSink:
    """An :class:`~medguard.typing.AuditSink` that keeps every record in memory, in order.

    >>> from medguard.keys import Keyring
    >>> sink = RecordingAuditSink()
    >>> ring = Keyring.generate(audit=sink)
    >>> _ = ring.rotate()
    >>> sink.actions()
    ['key.create', 'key.rotate']
    """

    def __init__(self) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []

    def append(self, action: str, /, **fields: Any) -> dict[str, Any]:
        """Keep one record; returns its fields."""
        self.records.append((action, dict(fields)))
        return fields

    def actions(self) -> list[str]:
        """The actions recorded so far."""
        return [action for action, _ in self.records]
