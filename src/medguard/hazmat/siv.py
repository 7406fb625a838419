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
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.cmac import CMAC

from medguard.errors import DecryptionError, InvalidArgument

__all__ = ["SIV_SIZE", "AesSiv", "DeterministicAead", "GenericSiv", "Sm4Siv"]

SIV_SIZE = 16
_MASK128 = (1 << 128) - 1
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
        if not plaintext:
            return self._generic.encrypt(plaintext, aad)
        return self._siv.encrypt(plaintext, list(aad) or None)

    def decrypt(self, ciphertext: bytes, aad: Sequence[bytes] = ()) -> bytes:
        """Return the plaintext or raise :class:`DecryptionError`."""
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
        if len(aad) > 126:
            raise InvalidArgument("SIV takes at most 126 associated-data components")
        v = self._s2v(aad, plaintext)
        return v + self._ctr(v, plaintext)

    def decrypt(self, ciphertext: bytes, aad: Sequence[bytes] = ()) -> bytes:
        """Return the plaintext or raise :class:`DecryptionError`."""
        if len(ciphertext) < SIV_SIZE or len(aad) > 126:
            raise DecryptionError()
        v, body = ciphertext[:SIV_SIZE], ciphertext[SIV_SIZE:]
        plaintext = self._ctr(v, body)
        if not hmac.compare_digest(self._s2v(aad, plaintext), v):
            raise DecryptionError()
        return plaintext


class Sm4Siv(GenericSiv):
    """DANGER: medguard's deterministic SM4: RFC 5297 SIV with SM4 (32-byte key).

    Equal key, associated data and plaintext give equal ciphertexts; see the module docstring.
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != 32:
            raise InvalidArgument("SM4-SIV needs a 32-byte key (S2V key || CTR key)")
        super().__init__(algorithms.SM4, key)
