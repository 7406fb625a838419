"""medguard: medical data protection primitives for Chinese healthcare data.

The front door holds the names most users need; everything else lives in its layer
(``medguard.cn``, ``medguard.hazmat``, ``medguard.keys``, ``medguard.ops``, ``medguard.io``,
``medguard.detect``, ``medguard.privacy``, ``medguard.lifecycle``, ``medguard.audit``,
``medguard.erase``). Nothing heavy is imported until a name is used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it; resolved on first access (PEP 562) so `import medguard` is cheap.
_EXPORTS: dict[str, str] = {
    "MedguardError": "medguard.errors",
    "InvalidIdentifier": "medguard.errors",
    "Finding": "medguard.detect",
    "scan_text": "medguard.detect",
    "scan_file": "medguard.detect",
    "scan_frame": "medguard.detect",
    "scan_paths": "medguard.detect",
    "deidentify_text": "medguard.detect",
    "DeidentifyText": "medguard.detect",
    "mask_name": "medguard.ops.mask",
    "mask_resident_id": "medguard.ops.mask",
    "mask_phone": "medguard.ops.mask",
    "mask_bank_card": "medguard.ops.mask",
    "mask_email": "medguard.ops.mask",
    "mask_address": "medguard.ops.mask",
    "PseudonymizeResidentID": "medguard.ops.pseudonymize_resident_id",
    "PseudonymizePhone": "medguard.ops.pseudonymize_phone",
    "PseudonymizeName": "medguard.ops.pseudonymize_name",
    "DateShift": "medguard.ops.date_shift",
    "Keyring": "medguard.keys",
    "encrypt": "medguard.ops.encryption",
    "decrypt": "medguard.ops.encryption",
    "encrypt_deterministically": "medguard.ops.encryption",
    "Policy": "medguard.lifecycle",
    "Pipeline": "medguard.lifecycle",
    "AuditTrail": "medguard.audit",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'medguard' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
