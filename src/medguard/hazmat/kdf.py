"""DANGER: key derivation: HKDF (RFC 5869) with SHA-256 or SM3, and passphrase KDFs.

:func:`hkdf` derives subkeys from a high-entropy master key; ``info`` must encode the purpose
and context unambiguously (see :func:`encode_info`). :func:`argon2id` and :func:`scrypt`
stretch a low-entropy passphrase into a wrapping key; they are deliberately slow.
"""

from __future__ import annotations

from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from medguard.errors import InvalidArgument

__all__ = ["HashName", "argon2id", "encode_info", "hkdf", "scrypt"]

HashName = Literal["sha256", "sm3"]


def _hash(name: HashName) -> hashes.HashAlgorithm:
    if name == "sha256":
        return hashes.SHA256()
    if name == "sm3":
        return hashes.SM3()
    raise InvalidArgument(f"unknown hash {name!r} (expected 'sha256' or 'sm3')")


def encode_info(*parts: str | bytes) -> bytes:
    """Length-prefix each part (4-byte big-endian length) so no two part lists collide."""
    out = bytearray()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        out += len(data).to_bytes(4, "big") + data
    return bytes(out)


def hkdf(
    master: bytes,
    *,
    info: bytes,
    length: int = 32,
    salt: bytes | None = None,
    hash: HashName = "sha256",
) -> bytes:
    """HKDF-Extract-and-Expand (RFC 5869) of ``master`` to ``length`` bytes."""
    if not 1 <= length <= 255 * 32:
        raise InvalidArgument(f"HKDF length must be between 1 and {255 * 32}, got {length}")
    return HKDF(algorithm=_hash(hash), length=length, salt=salt, info=info).derive(master)


def argon2id(
    passphrase: bytes,
    salt: bytes,
    *,
    time_cost: int = 3,
    memory_cost: int = 65536,
    parallelism: int = 1,
    length: int = 32,
) -> bytes:
    """Argon2id (RFC 9106) via argon2-cffi; ``memory_cost`` in KiB (default 64 MiB)."""
    from argon2.low_level import Type, hash_secret_raw

    if len(salt) < 16:
        raise InvalidArgument("Argon2id salt must be at least 16 bytes")
    return bytes(
        hash_secret_raw(
            passphrase,
            salt,
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            hash_len=length,
            type=Type.ID,
        )
    )


def scrypt(
    passphrase: bytes, salt: bytes, *, n: int = 2**15, r: int = 8, p: int = 1, length: int = 32
) -> bytes:
    """scrypt (RFC 7914) via pyca/cryptography."""
    if len(salt) < 16:
        raise InvalidArgument("scrypt salt must be at least 16 bytes")
    return Scrypt(salt=salt, length=length, n=n, r=r, p=p).derive(passphrase)
