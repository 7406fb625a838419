"""DANGER: GCM (NIST SP 800-38D) over many equal-length messages at once, vectorized with numpy.

pyca/cryptography reaches SM4-GCM only through its general ``Cipher`` interface, one object
per message (about 10 µs each). For a column of values of equal length under one key and one
associated data, this module computes the same GCM in bulk: one ECB call produces every
counter-mode keystream block and every ``E(J0)`` of the batch, and GHASH runs for all rows at
once with 8-bit multiplication tables for the fixed hash key ``H`` (Shoup's method).

Output is byte-identical to one-message GCM (``ciphertext || tag``, 96-bit nonces, 16-byte
tags); the tests check it against OpenSSL's SM4-GCM and AES-GCM on random inputs. The caller
supplies unique nonces, as for any GCM.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from medguard.errors import InvalidArgument

__all__ = ["BatchGcm"]

_R = 0xE1 << 120
U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]


def _gf_mul(x: int, y: int) -> int:
    """GF(2^128) product in GCM's bit order (SP 800-38D algorithm 1)."""
    z, v = 0, y
    for i in range(127, -1, -1):
        if (x >> i) & 1:
            z ^= v
        v = (v >> 1) ^ _R if v & 1 else v >> 1
    return z


def _tables(h: int) -> tuple[U64, U64]:
    """M[j][b] = (byte b at position j) * H, as high and low 64-bit halves, shape (16, 256)."""
    powers = []  # H * x^k for k = 0..127 (x^k is bit k from the left)
    v = h
    for _ in range(128):
        powers.append(v)
        v = (v >> 1) ^ _R if v & 1 else v >> 1
    hi = np.zeros((16, 256), dtype=np.uint64)
    lo = np.zeros((16, 256), dtype=np.uint64)
    values = np.arange(256)
    for j in range(16):
        for i in range(8):  # bit i from the left of byte j has value 1 << (7 - i)
            p = powers[8 * j + i]
            has = (values >> (7 - i)) & 1 == 1
            hi[j, has] ^= np.uint64(p >> 64)
            lo[j, has] ^= np.uint64(p & 0xFFFFFFFFFFFFFFFF)
    return hi, lo


class BatchGcm:
    """DANGER: bulk GCM for one key: many equal-length messages, one associated data.

    ``cipher`` is ``algorithms.SM4`` or ``algorithms.AES``; ``key`` a valid key for it.
    """

    __slots__ = ("_ecb", "_hi", "_lo", "key_size")

    def __init__(self, cipher: type[algorithms.SM4] | type[algorithms.AES], key: bytes) -> None:
        if cipher not in (algorithms.SM4, algorithms.AES):
            raise InvalidArgument("BatchGcm takes algorithms.SM4 or algorithms.AES")
        if not isinstance(key, bytes):
            raise InvalidArgument("the GCM key must be bytes")
        try:
            self._ecb = Cipher(cipher(key), modes.ECB())  # noqa: S305 - block function for CTR/GHASH
        except ValueError:
            raise InvalidArgument(f"invalid key size {len(key)} for GCM") from None
        self.key_size = len(key)
        h = int.from_bytes(self._blocks(bytes(16)), "big")
        self._hi, self._lo = _tables(h)

    def __repr__(self) -> str:
        return f"BatchGcm(key_size={self.key_size})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("BatchGcm holds key material and cannot be pickled")

    def _blocks(self, data: bytes) -> bytes:
        enc = self._ecb.encryptor()
        return enc.update(data) + enc.finalize()

    def _mul_h(self, y: U8) -> U8:
        """Rows of ``y`` (n, 16) multiplied by H."""
        hi = self._hi[0][y[:, 0]]
        lo = self._lo[0][y[:, 0]]
        for j in range(1, 16):
            col = y[:, j]
            hi ^= self._hi[j][col]
            lo ^= self._lo[j][col]
        out = np.empty((y.shape[0], 2), dtype=">u8")
        out[:, 0] = hi
        out[:, 1] = lo
        return out.view(np.uint8).reshape(y.shape[0], 16)

    def _aad_state(self, aad: bytes) -> U8:
        y = np.zeros((1, 16), dtype=np.uint8)
        padded = aad + bytes(-len(aad) % 16)
        for k in range(0, len(padded), 16):
            y = self._mul_h(y ^ np.frombuffer(padded[k : k + 16], dtype=np.uint8))
        return y

    def _keystream(self, nonces: U8, blocks: int) -> tuple[U8, U8]:
        """(E(J0) per row (n, 16), keystream per row (n, blocks * 16))."""
        n = nonces.shape[0]
        counters = np.zeros((n, blocks + 1, 16), dtype=np.uint8)
        counters[:, :, :12] = nonces[:, None, :]
        numbers = np.arange(1, blocks + 2, dtype=">u4").view(np.uint8).reshape(blocks + 1, 4)
        counters[:, :, 12:] = numbers[None, :, :]
        stream = np.frombuffer(self._blocks(counters.tobytes()), dtype=np.uint8)
        stream = stream.reshape(n, blocks + 1, 16)
        return stream[:, 0, :], stream[:, 1:, :].reshape(n, blocks * 16)

    def _ghash_rows(self, y: U8, rows: U8) -> U8:
        n, size = rows.shape
        blocks = -(-size // 16)
        padded = np.zeros((n, blocks * 16), dtype=np.uint8)
        padded[:, :size] = rows
        for k in range(blocks):
            y = self._mul_h(y ^ padded[:, 16 * k : 16 * k + 16])
        return y

    def _tag(self, ciphertext: U8, aad: bytes | U8, ej0: U8) -> U8:
        n, size = ciphertext.shape
        if isinstance(aad, bytes):
            y = np.repeat(self._aad_state(aad), n, axis=0)
            aad_size = len(aad)
        else:  # one associated data per row, all of one length
            y = self._ghash_rows(np.zeros((n, 16), dtype=np.uint8), aad)
            aad_size = aad.shape[1]
        y = self._ghash_rows(y, ciphertext)
        lengths = ((8 * aad_size) << 64 | (8 * size)).to_bytes(16, "big")
        y = self._mul_h(y ^ np.frombuffer(lengths, dtype=np.uint8))
        return y ^ ej0

    @staticmethod
    def _check(nonces: U8, rows: U8, aad: bytes | U8) -> None:
        arrays = (nonces, rows) if isinstance(aad, bytes) else (nonces, rows, aad)
        if not all(isinstance(a, np.ndarray) and a.dtype == np.uint8 for a in arrays):
            raise InvalidArgument(
                "nonces, messages and per-row associated data must be uint8 arrays "
                "(one associated data for all rows: bytes)"
            )
        if nonces.ndim != 2 or nonces.shape[1] != 12 or rows.ndim != 2:
            raise InvalidArgument("nonces must be (n, 12) and messages (n, size) uint8 arrays")
        if nonces.shape[0] != rows.shape[0]:
            raise InvalidArgument("one nonce per message")
        if not isinstance(aad, bytes) and (aad.ndim != 2 or aad.shape[0] != rows.shape[0]):
            raise InvalidArgument("per-row associated data must be an (n, size) uint8 array")

    def seal(self, nonces: U8, plaintexts: U8, aad: bytes | U8) -> U8:
        """Encrypt rows of ``plaintexts`` (n, size); returns (n, size + 16): ciphertext || tag.

        ``aad`` is one associated data for all rows, or an (n, aad_size) array, one per row.
        """
        self._check(nonces, plaintexts, aad)
        n, size = plaintexts.shape
        ej0, stream = self._keystream(nonces, -(-size // 16))
        ciphertext = plaintexts ^ stream[:, :size]
        out = np.empty((n, size + 16), dtype=np.uint8)
        out[:, :size] = ciphertext
        out[:, size:] = self._tag(ciphertext, aad, ej0)
        return out

    def open(self, nonces: U8, sealed: U8, aad: bytes | U8) -> tuple[U8, npt.NDArray[np.bool_]]:
        """Decrypt rows of ``sealed`` (n, size + 16); returns (plaintexts, authentic mask).

        Rows whose tag does not verify come back as zeros with ``False`` in the mask.
        """
        self._check(nonces, sealed, aad)
        n, total = sealed.shape
        if total < 16:
            return np.zeros((n, 0), dtype=np.uint8), np.zeros(n, dtype=bool)
        size = total - 16
        ciphertext = np.ascontiguousarray(sealed[:, :size])
        ej0, stream = self._keystream(nonces, -(-size // 16))
        expected = self._tag(ciphertext, aad, ej0)
        # Accumulate differences over the whole tag (no early exit per row).
        ok = np.bitwise_or.reduce(expected ^ sealed[:, size:], axis=1) == 0
        plaintexts = ciphertext ^ stream[:, :size]
        plaintexts[~ok] = 0
        return plaintexts, ok
