"""DANGER: message authentication codes: HMAC-SHA-256 and HMAC-SM3 (SM3-HMAC).

Use :func:`verify` (constant time) to check a tag, never ``==``.
"""

from __future__ import annotations

import hmac as _hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _crypto_hmac

from medguard.errors import InvalidArgument
from medguard.hazmat.kdf import HashName

__all__ = ["digest", "hmac_digest", "verify"]


def digest(data: bytes, *, hash: HashName = "sha256") -> bytes:
    """Plain hash of ``data`` with SHA-256 or SM3 (GB/T 32905); not a MAC: no key."""
    if hash == "sha256":
        algorithm: hashes.HashAlgorithm = hashes.SHA256()
    elif hash == "sm3":
        algorithm = hashes.SM3()
    else:
        raise InvalidArgument(f"unknown hash {hash!r} (expected 'sha256' or 'sm3')")
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


def hmac_digest(key: bytes, data: bytes, *, hash: HashName = "sha256") -> bytes:
    """HMAC of ``data`` under ``key`` with SHA-256 (stdlib) or SM3 (pyca/cryptography)."""
    if len(key) < 16:
        raise InvalidArgument("HMAC key must be at least 16 bytes")
    if hash == "sha256":
        return _hmac.digest(key, data, "sha256")
    if hash == "sm3":
        mac = _crypto_hmac.HMAC(key, hashes.SM3())
        mac.update(data)
        return mac.finalize()
    raise InvalidArgument(f"unknown hash {hash!r} (expected 'sha256' or 'sm3')")


def verify(key: bytes, data: bytes, tag: bytes, *, hash: HashName = "sha256") -> bool:
    """True when ``tag`` is the HMAC of ``data``; compared in constant time."""
    return _hmac.compare_digest(hmac_digest(key, data, hash=hash), tag)
