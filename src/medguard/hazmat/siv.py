"""DANGER: deterministic authenticated encryption (SIV, RFC 5297) with AES or SM4.

SIV encrypts deterministically: the same key, associated data and plaintext always give the
same output. That is what makes equality joins and lookups on encrypted columns possible, and
it is also exactly what leaks: an observer learns which values are equal. Nothing else leaks
(it is a misuse-resistant AEAD: no nonce to get wrong).

- :class:`AesSiv` is RFC 5297 AES-SIV (AES-CMAC-SIV) through pyca/cryptography's ``AESSIV``.
- :class:`Sm4Siv` is medguard's deterministic SM4 construction: **RFC 5297 SIV with SM4 in
  place of AES** (S2V over SM4-CMAC, then SM4-CTR with the synthetic IV, bits 31 and 63 of the
  counter cleared, as in RFC 5297 section 2.6). It is implemented once, generically over the
  block cipher, in :class:`GenericSiv`; the same code run with AES reproduces the RFC 5297
  test vectors and pyca's ``AESSIV`` byte for byte, which is how the SM4 instance is checked.
  This SM4 variant is a medguard construction, not a published standard.

Output layout for both: ``V (16-byte synthetic IV) || C`` where ``len(C) == len(plaintext)``.
Keys are two halves: S2V key || CTR key (AES-SIV: 32, 48 or 64 bytes; SM4-SIV: 32 bytes).
Prefer :func:`medguard.ops.encryption.encrypt_deterministically`, which derives per-field
keys and binds the context.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.cmac import CMAC

from medguard.errors import DecryptionError, InvalidArgument

__all__ = ["SIV_SIZE", "AesSiv", "DeterministicAead", "GenericSiv", "Sm4Siv"]

SIV_SIZE = 16
_MASK128 = (1 << 128) - 1
_BYTES = (bytes, bytearray, memoryview)


def _check_inputs(data: object, aad: object) -> None:
    """Bytes in, and the associated data as a sequence of byte strings (a bare ``b"..."`` would
    be read as a sequence of integers)."""
    if not isinstance(data, _BYTES):
        raise InvalidArgument("SIV data must be bytes")
    if isinstance(aad, (*_BYTES, str)) or not isinstance(aad, Sequence):
        raise InvalidArgument("SIV associated data must be a sequence of byte strings")
    if not all(isinstance(part, _BYTES) for part in aad):
        raise InvalidArgument("SIV associated data must be a sequence of byte strings")


# RFC 5297 2.6: zero the 31st and 63rd bits (from the right) of the IV before CTR.
_CTR_MASK = _MASK128 ^ ((1 << 63) | (1 << 31))


class DeterministicAead:
    """Interface shared by :class:`AesSiv` and :class:`Sm4Siv` (DANGER: equality leaks)."""

    key_size: int

    def encrypt(self, plaintext: bytes, aad: Sequence[bytes] = ()) -> bytes:
        """Deterministically encrypt: returns V || C."""
        raise NotImplementedError

    def decrypt(self, ciphertext: bytes, aad: Sequence[bytes] = ()) -> bytes:
        """Return the plaintext or raise :class:`DecryptionError`."""
        raise NotImplementedError

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("SIV objects hold key material and cannot be pickled")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key_size={self.key_size})"


class AesSiv(DeterministicAead):
    """DANGER: RFC 5297 AES-SIV (deterministic; equal inputs give equal outputs)."""

    __slots__ = ("_generic", "_siv", "key_size")

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) not in (32, 48, 64):
            raise InvalidArgument("AES-SIV needs a key of 32, 48 or 64 bytes")
        self.key_size = len(key)
        self._siv = AESSIV(key)
        # pyca's AESSIV refuses empty plaintexts; RFC 5297 allows them.
        self._generic = GenericSiv(algorithms.AES, key)

    @property
    def raw(self) -> AESSIV:
        """The underlying ``AESSIV`` object (for tight batch loops in ``medguard.ops``)."""
        return self._siv

    def encrypt(self, plaintext: bytes, aad: Sequence[bytes] = ()) -> bytes:
        """Deterministically encrypt: returns V || C."""
        _check_inputs(plaintext, aad)
        if not plaintext:
            return self._generic.encrypt(plaintext, aad)
        return self._siv.encrypt(plaintext, list(aad) or None)

    def decrypt(self, ciphertext: bytes, aad: Sequence[bytes] = ()) -> bytes:
        """Return the plaintext or raise :class:`DecryptionError`."""
        _check_inputs(ciphertext, aad)
        if len(ciphertext) == SIV_SIZE:
            return self._generic.decrypt(ciphertext, aad)
        try:
            return self._siv.decrypt(ciphertext, list(aad) or None)
        except (InvalidTag, ValueError):
            raise DecryptionError() from None


class GenericSiv(DeterministicAead):
    """DANGER: RFC 5297 SIV over any 128-bit block cipher of ``cryptography`` (AES, SM4).

    ``cipher`` is the algorithm class (``algorithms.AES`` or ``algorithms.SM4``); ``key`` is the
    S2V key followed by the CTR key, each a valid key for ``cipher``.
    """

    __slots__ = ("_cipher", "_ctr_key", "_d0", "_last_prefix", "_mac_key", "key_size")

    def __init__(self, cipher: type[algorithms.AES] | type[algorithms.SM4], key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) % 2:
            raise InvalidArgument("SIV needs an even-length key (S2V key || CTR key)")
        half = len(key) // 2
        self.key_size = len(key)
        self._cipher = cipher
        try:
            self._mac_key = cipher(key[:half])
            self._ctr_key = cipher(key[half:])
        except ValueError:
            raise InvalidArgument(f"invalid key size {len(key)} for SIV") from None
        self._d0 = self._cmac_int(b"\x00" * 16)
        # S2V state after the associated data: columns repeat the same AD for every row.
        self._last_prefix: tuple[tuple[bytes, ...], int] | None = None

    def _cmac_int(self, data: bytes) -> int:
        mac = CMAC(self._mac_key)
        mac.update(data)
        return int.from_bytes(mac.finalize(), "big")

    @staticmethod
    def _dbl(value: int) -> int:
        value <<= 1
        if value >> 128:
            value = (value & _MASK128) ^ 0x87
        return value

    def _prefix(self, aad: tuple[bytes, ...]) -> int:
        cached = self._last_prefix
        if cached is not None and cached[0] == aad:
            return cached[1]
        d = self._d0
        for item in aad:
            d = self._dbl(d) ^ self._cmac_int(item)
        self._last_prefix = (aad, d)
        return d

    def _s2v(self, aad: Sequence[bytes], last: bytes) -> bytes:
        d = self._prefix(tuple(aad))
        if len(last) >= 16:
            tail = int.from_bytes(last[-16:], "big") ^ d
            t = last[:-16] + tail.to_bytes(16, "big")
        else:
            padded = last + b"\x80" + b"\x00" * (15 - len(last))
            t = (self._dbl(d) ^ int.from_bytes(padded, "big")).to_bytes(16, "big")
        mac = CMAC(self._mac_key)
        mac.update(t)
        return mac.finalize()

    def _ctr(self, v: bytes, data: bytes) -> bytes:
        q = (int.from_bytes(v, "big") & _CTR_MASK).to_bytes(16, "big")
        ctx = Cipher(self._ctr_key, modes.CTR(q)).encryptor()
        return ctx.update(data) + ctx.finalize()

    def encrypt(self, plaintext: bytes, aad: Sequence[bytes] = ()) -> bytes:
        """Deterministically encrypt: returns V || C."""
        _check_inputs(plaintext, aad)
        if len(aad) > 126:
            raise InvalidArgument("SIV takes at most 126 associated-data components")
        v = self._s2v(aad, plaintext)
        return v + self._ctr(v, plaintext)

    def decrypt(self, ciphertext: bytes, aad: Sequence[bytes] = ()) -> bytes:
        """Return the plaintext or raise :class:`DecryptionError`."""
        _check_inputs(ciphertext, aad)
        if len(ciphertext) < SIV_SIZE or len(aad) > 126:
            raise DecryptionError()
        v, body = ciphertext[:SIV_SIZE], ciphertext[SIV_SIZE:]
        plaintext = self._ctr(v, body)
        if not hmac.compare_digest(self._s2v(aad, plaintext), v):
            raise DecryptionError()
        return plaintext

    # ---------------------------------------------------------------- many rows at once

    def _ecb(self, key: algorithms.AES | algorithms.SM4, blocks: npt.NDArray[np.uint8]) -> Any:
        enc = Cipher(key, modes.ECB()).encryptor()  # noqa: S305 - block function for CMAC/CTR
        out = enc.update(blocks.tobytes()) + enc.finalize()
        return np.frombuffer(out, dtype=np.uint8).reshape(blocks.shape)

    def _cmac_rows(self, rows: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """CMAC (RFC 4493) of every row of equal length (at least one byte), vectorized."""
        n, size = rows.shape
        k0 = int.from_bytes(self._ecb(self._mac_key, np.zeros((1, 16), np.uint8)).tobytes(), "big")
        k1 = self._dbl(k0)
        blocks = -(-size // 16)
        padded = np.zeros((n, blocks * 16), dtype=np.uint8)
        padded[:, :size] = rows
        if size % 16:
            padded[:, size] = 0x80
            last_key = self._dbl(k1)
        else:
            last_key = k1
        padded[:, -16:] ^= np.frombuffer(last_key.to_bytes(16, "big"), dtype=np.uint8)
        x = np.zeros((n, 16), dtype=np.uint8)
        for i in range(blocks):
            x = self._ecb(self._mac_key, x ^ padded[:, 16 * i : 16 * i + 16])
        return x

    def _s2v_rows(self, aad: Sequence[bytes], rows: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        n, size = rows.shape
        d = self._prefix(tuple(aad))
        if size >= 16:
            t = rows.copy()
            t[:, -16:] ^= np.frombuffer(d.to_bytes(16, "big"), dtype=np.uint8)
        else:
            t = np.zeros((n, 16), dtype=np.uint8)
            t[:, :size] = rows
            t[:, size] = 0x80
            t ^= np.frombuffer(self._dbl(d).to_bytes(16, "big"), dtype=np.uint8)
        return self._cmac_rows(t)

    def _ctr_rows(self, v: npt.NDArray[np.uint8], data: npt.NDArray[np.uint8]) -> Any:
        n, size = data.shape
        if size == 0:
            return data.copy()
        blocks = -(-size // 16)
        q = v.copy()
        q[:, 8] &= 0x7F  # clear bit 63 (from the right) ...
        q[:, 12] &= 0x7F  # ... and bit 31, so the low 32-bit counter word cannot carry
        counters = np.repeat(q[:, None, :], blocks, axis=1)
        low = q[:, 12:16].copy().view(">u4").reshape(n, 1)
        steps = np.arange(blocks, dtype=np.uint32).reshape(1, blocks)
        counters[:, :, 12:16] = (low + steps).astype(">u4").view(np.uint8).reshape(n, blocks, 4)
        stream = self._ecb(self._ctr_key, counters.reshape(n * blocks, 16)).reshape(n, blocks * 16)
        return data ^ stream[:, :size]

    def encrypt_rows(
        self, rows: npt.NDArray[np.uint8], aad: Sequence[bytes] = ()
    ) -> npt.NDArray[np.uint8]:
        """:meth:`encrypt` of every row of an (n, size) array at once: returns (n, 16 + size)."""
        if not isinstance(rows, np.ndarray) or rows.ndim != 2 or rows.dtype != np.uint8:
            raise InvalidArgument("rows must be an (n, size) uint8 array")
        _check_inputs(b"", aad)
        v = self._s2v_rows(aad, rows)
        out = np.empty((rows.shape[0], SIV_SIZE + rows.shape[1]), dtype=np.uint8)
        out[:, :SIV_SIZE] = v
        out[:, SIV_SIZE:] = self._ctr_rows(v, rows)
        return out

    def decrypt_rows(
        self, sealed: npt.NDArray[np.uint8], aad: Sequence[bytes] = ()
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
        """:meth:`decrypt` of every row at once: (plaintexts, authentic mask); failures zeroed."""
        if (
            not isinstance(sealed, np.ndarray)
            or sealed.ndim != 2
            or sealed.dtype != np.uint8
            or sealed.shape[1] < SIV_SIZE
        ):
            raise InvalidArgument("sealed must be an (n, 16 + size) uint8 array")
        _check_inputs(b"", aad)
        v = np.ascontiguousarray(sealed[:, :SIV_SIZE])
        plain = self._ctr_rows(v, np.ascontiguousarray(sealed[:, SIV_SIZE:]))
        ok = np.bitwise_or.reduce(self._s2v_rows(aad, plain) ^ v, axis=1) == 0
        plain[~ok] = 0
        return plain, ok


class Sm4Siv(GenericSiv):
    """DANGER: medguard's deterministic SM4: RFC 5297 SIV with SM4 (32-byte key).

    Equal key, associated data and plaintext give equal ciphertexts; see the module docstring.
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != 32:
            raise InvalidArgument("SM4-SIV needs a 32-byte key (S2V key || CTR key)")
        super().__init__(algorithms.SM4, key)
