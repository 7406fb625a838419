"""Reproducible keyrings for tests: the same seed always gives the same keys.

Never use these outside tests: the keys are derived from a seed that sits in your code.
"""

from __future__ import annotations

from medguard.hazmat.kdf import encode_info, hkdf
from medguard.keys import Keyring, Suite

__all__ = ["fixed_keyring"]


def fixed_keyring(
    suite: str | Suite = Suite.AES, *, seed: str = "medguard-tests", keys: int = 1
) -> Keyring:
    """An in-memory keyring whose keys (IDs ``test1``, ``test2``, ...) depend only on ``seed``.

    The last key is the primary, so ``keys=2`` models a keyring after one rotation.
    """
    ring = Keyring()
    for n in range(1, keys + 1):
        material = hkdf(seed.encode("utf-8"), info=encode_info("medguard-testing", str(n)))
        ring.import_key(material, suite, key_id=f"test{n}", primary=n == keys)
    return ring
