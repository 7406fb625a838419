"""DANGER: randomized authenticated encryption (AEAD) primitives: AES-256-GCM and SM4-GCM.

The caller chooses keys and nonces. A GCM nonce must never repeat under one key: use
:func:`random_nonces` (96-bit random nonces; safe for about 2**32 messages per key) and
rotate keys well before that. Prefer :func:`medguard.ops.encryption.encrypt` (also
:func:`medguard.encrypt`), which does all of this.

Both classes share one interface (:class:`Aead`): ``encrypt(nonce, plaintext, aad)`` returns
``ciphertext || tag`` (16-byte tag) and ``decrypt`` raises :class:`DecryptionError` on any
authentication failure.
"""

from __future__ import annotations

import os
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medguard.errors import DecryptionError, InvalidArgument

__all__ = ["NONCE_SIZE", "TAG_SIZE", "Aead", "AesGcm", "Sm4Gcm", "random_nonces"]

NONCE_SIZE = 12
TAG_SIZE = 16


class Aead(Protocol):
    """A nonce-based AEAD: ``encrypt`` returns ciphertext || 16-byte tag."""

    key_size: int

    def encrypt(self, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt and authenticate ``plaintext`` and ``aad`` under ``nonce``."""
        ...

    def decrypt(self, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        """Return the plaintext or raise :class:`DecryptionError`."""
        ...


def random_nonces(count: int) -> list[bytes]:
    """``count`` fresh random 96-bit nonces from the OS CSPRNG (one ``os.urandom`` call)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InvalidArgument("random_nonces needs a count that is a non-negative integer")
    pool = os.urandom(NONCE_SIZE * count)
    return [pool[i : i + NONCE_SIZE] for i in range(0, NONCE_SIZE * count, NONCE_SIZE)]


def _check_key(key: bytes, sizes: tuple[int, ...], name: str) -> None:
    if not isinstance(key, bytes) or len(key) not in sizes:
        raise InvalidArgument(f"{name} needs a key of {' or '.join(map(str, sizes))} bytes")


_BYTES = (bytes, bytearray, memoryview)


def _check_inputs(nonce: bytes, data: bytes, aad: bytes) -> None:
    if not (isinstance(nonce, _BYTES) and isinstance(data, _BYTES) and isinstance(aad, _BYTES)):
        raise InvalidArgument("GCM nonce, data and associated data must be bytes")
    if len(nonce) != NONCE_SIZE:
        raise InvalidArgument(f"GCM nonce must be {NONCE_SIZE} bytes, got {len(nonce)}")


class AesGcm:
    """DANGER: AES-GCM (128/192/256-bit key) over pyca/cryptography's ``AESGCM``."""

    __slots__ = ("_aead", "key_size")

    def __init__(self, key: bytes) -> None:
        _check_key(key, (16, 24, 32), "AES-GCM")
        self.key_size = len(key)
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return f"AesGcm(key_size={self.key_size})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("AEAD objects hold key material and cannot be pickled")

    @property
    def raw(self) -> AESGCM:
        """The underlying ``AESGCM`` object (for tight batch loops in ``medguard.ops``)."""
        return self._aead

    def encrypt(self, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt and authenticate; returns ciphertext || tag."""
        _check_inputs(nonce, plaintext, aad)
        return self._aead.encrypt(nonce, plaintext, aad)

    def decrypt(self, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        """Return the plaintext or raise :class:`DecryptionError`."""
        _check_inputs(nonce, ciphertext, aad)
        try:
            return self._aead.decrypt(nonce, ciphertext, aad)
        except (InvalidTag, ValueError):
            raise DecryptionError() from None


class Sm4Gcm:
    """DANGER: SM4-GCM (GB/T 32907 block cipher in GCM mode, 128-bit key).

    Built on ``Cipher(algorithms.SM4(key), modes.GCM(nonce))`` from pyca/cryptography
    (OpenSSL's SM4 implementation); the output layout matches :class:`AesGcm`.
    """

    __slots__ = ("_key", "key_size")

    def __init__(self, key: bytes) -> None:
        _check_key(key, (16,), "SM4-GCM")
        self.key_size = 16
        self._key = algorithms.SM4(key)

    def __repr__(self) -> str:
        return "Sm4Gcm(key_size=16)"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("AEAD objects hold key material and cannot be pickled")

    def encrypt(self, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """Encrypt and authenticate; returns ciphertext || tag."""
        _check_inputs(nonce, plaintext, aad)
        enc = Cipher(self._key, modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        body = enc.update(plaintext) + enc.finalize()
        return body + enc.tag

    def decrypt(self, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        """Return the plaintext or raise :class:`DecryptionError`."""
        _check_inputs(nonce, ciphertext, aad)
        if len(ciphertext) < TAG_SIZE:
            raise DecryptionError()
        body, tag = ciphertext[:-TAG_SIZE], ciphertext[-TAG_SIZE:]
        try:
            dec = Cipher(self._key, modes.GCM(nonce, tag)).decryptor()
            dec.authenticate_additional_data(aad)
            return dec.update(body) + dec.finalize()
        except (InvalidTag, ValueError):
            raise DecryptionError() from None
