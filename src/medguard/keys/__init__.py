"""Safe key handles: the :class:`Keyring`, key IDs, suites, statuses and key providers.

>>> from medguard.keys import SECRET_ACCESS, Keyring
>>> ring = Keyring.generate("sm")
>>> sub = ring.derive("ff1", "patients.resident_id", length=16, access=SECRET_ACCESS)
>>> sub.suite.value, len(sub.material)
('sm', 16)
"""

from __future__ import annotations

from medguard.keys.keyring import MASTER_KEY_SIZE, SECRET_ACCESS, Keyring, SecretAccess
from medguard.keys.model import DerivedKey, KeyInfo, KeyStatus, Suite
from medguard.keys.providers import (
    DEFAULT_ENV_VARIABLE,
    EnvKeyProvider,
    KeyProvider,
    PassphraseProvider,
)

__all__ = [
    "DEFAULT_ENV_VARIABLE",
    "MASTER_KEY_SIZE",
    "SECRET_ACCESS",
    "DerivedKey",
    "EnvKeyProvider",
    "KeyInfo",
    "KeyProvider",
    "KeyStatus",
    "Keyring",
    "PassphraseProvider",
    "SecretAccess",
    "Suite",
]
