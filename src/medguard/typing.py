"""The documented type aliases and protocols of medguard's public API.

Import them for annotations: ``from medguard.typing import AuditSink``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["AuditSink"]


@runtime_checkable
class AuditSink(Protocol):
    """Where medguard's components write audit records: :class:`medguard.audit.AuditTrail`.

    ``append(action, **fields)`` records one event (``action`` such as ``"key.rotate"``) with
    JSON-serializable ``fields`` that never hold a raw value or key material, and returns the
    record. Lower layers (keys, privacy) take an ``AuditSink`` instead of importing the audit
    package, so the layer order stays one way.
    """

    def append(self, action: str, /, **fields: Any) -> Any:
        """Record one event."""
        ...
