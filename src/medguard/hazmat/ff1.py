"""DANGER: FF1 format-preserving encryption (NIST SP 800-38G, Algorithms 7 and 8).

FF1 encrypts a string of numerals in radix 2..36 (by default the alphabet ``0-9a-z``, or any
alphabet you give) into another string of the same length and alphabet. It is deterministic:
equal inputs under the same key and tweak give equal outputs, so it leaks equality and, over a
small domain, frequencies. The caller chooses keys and tweaks; prefer
``medguard.ops.pseudonymize_*`` modules unless you know why you need the primitive.

Two implementations that must agree bit for bit:

- :meth:`FF1.encrypt` / :meth:`FF1.decrypt`: one value, written as literally as the standard
  (Python integers), the reference;
- :meth:`FF1.encrypt_batch` / :meth:`FF1.decrypt_batch`: a whole column. Values are grouped by
  length; for each group the constant CBC-MAC prefix (the block ``P`` and the tweak blocks) is
  encrypted once, and each of the ten rounds is one AES-ECB call over all values plus numpy
  arithmetic on the numerals. When the round numbers fit 64 bits (up to 18 decimal digits, 12
  base-36 characters) everything stays in numpy; longer values fall back to exact Python
  integers for the modular step (the AES calls stay batched). :meth:`FF1.encrypt_int` does the
  same on integers (a value read as its numerals), without strings.

Domain size: NIST's revision draft of SP 800-38G requires ``radix ** length >= 1,000,000``.
Shorter inputs raise :class:`~medguard.errors.DomainTooSmall` unless the FF1 object is built
with ``allow_small_domain=True``, which emits a :class:`SmallDomainWarning` once.

``cipher="sm4"`` replaces AES by SM4 (128-bit keys) in the same construction: a medguard
extension for deployments that must use the national algorithms (GB/T 39786-2021); it is not
part of SP 800-38G and has no published test vectors.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from medguard._column import (
    as_column,
    codepoint_groups,
    fixed_width_codes,
    strings_from_codepoints,
)
from medguard.errors import DomainTooSmall, InvalidArgument, KeyringError

__all__ = ["DEFAULT_ALPHABET", "FF1", "MIN_DOMAIN_SIZE", "SmallDomainWarning"]

DEFAULT_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
#: Smallest ``radix ** length`` accepted without ``allow_small_domain`` (SP 800-38G Rev. 1 draft).
MIN_DOMAIN_SIZE = 1_000_000
_MAX_LEN = 2**32 - 1
_UINT64_LIMIT = 2**63


class SmallDomainWarning(UserWarning):
    """FF1 is used on a domain smaller than NIST's minimum: brute force and frequency leaks."""


class FF1:
    """FF1 under one key, radix and alphabet.

    ``key`` is 16, 24 or 32 bytes for AES (16 for SM4). ``alphabet`` defaults to the first
    ``radix`` characters of ``0-9a-z``; a custom alphabet sets the radix by its length.
    """

    def __init__(
        self,
        key: bytes,
        radix: int = 10,
        alphabet: str | None = None,
        *,
        cipher: Literal["aes", "sm4"] = "aes",
        allow_small_domain: bool = False,
    ) -> None:
        if alphabet is not None:
            radix = len(alphabet)
        if not 2 <= radix <= (len(alphabet) if alphabet else 36):
            raise InvalidArgument("radix must be 2..36 (or the length of a custom alphabet)")
        alphabet = alphabet if alphabet is not None else DEFAULT_ALPHABET[:radix]
        if len(set(alphabet)) != len(alphabet):
            raise InvalidArgument("the alphabet has repeated characters")
        if radix > 2**16:
            raise InvalidArgument("radix must be at most 65536")
        if cipher == "aes":
            if len(key) not in (16, 24, 32):
                raise InvalidArgument("an AES key is 16, 24 or 32 bytes")
            algorithm: Any = algorithms.AES(key)
        elif cipher == "sm4":
            if len(key) != 16:
                raise InvalidArgument("an SM4 key is 16 bytes")
            algorithm = algorithms.SM4(key)
        else:
            raise InvalidArgument("cipher must be 'aes' or 'sm4'")
        self._ecb = Cipher(algorithm, modes.ECB())  # noqa: S305 - FF1's PRF is CBC-MAC built on ECB
        self.radix = radix
        self.alphabet = alphabet
        self.cipher = cipher
        self.allow_small_domain = allow_small_domain
        self._index = {c: i for i, c in enumerate(alphabet)}
        self._lookup = np.full(0x110000 if max(map(ord, alphabet)) > 255 else 256, -1, np.int16)
        for i, c in enumerate(alphabet):
            self._lookup[ord(c)] = i
        code_type = np.uint8 if alphabet.isascii() else np.uint32
        self._codes = np.array([ord(c) for c in alphabet], dtype=code_type)
        self._min_len = max(2, math.ceil(math.log(MIN_DOMAIN_SIZE) / math.log(radix) - 1e-12))
        self._warned = False
        self._decimal = alphabet == "0123456789"

    def __repr__(self) -> str:
        return f"FF1(radix={self.radix}, cipher={self.cipher!r})"

    def __reduce__(self) -> tuple[object, ...]:
        """Refuse pickling (and copying): the cipher object holds the raw key."""
        raise KeyringError("FF1 holds key material and cannot be pickled")

    # -- scalar reference ------------------------------------------------------------------
    def encrypt(self, text: str, tweak: bytes = b"") -> str:
        """Encrypt one string of numerals (Algorithm 7)."""
        return self._scalar(text, tweak, encrypt=True)

    def decrypt(self, text: str, tweak: bytes = b"") -> str:
        """Decrypt one string of numerals (Algorithm 8)."""
        return self._scalar(text, tweak, encrypt=False)

    def _scalar(self, text: str, tweak: bytes, *, encrypt: bool) -> str:
        n = len(text)
        self._check_length(n)
        try:
            x = [self._index[c] for c in text]
        except KeyError:
            raise InvalidArgument("the text has characters outside the alphabet") from None
        radix, t = self.radix, len(tweak)
        u, v = n // 2, n - n // 2
        a, b_ = x[:u], x[u:]
        b = _byte_len(radix, v)
        d = 4 * ((b + 3) // 4) + 4
        p = _p_block(radix, u, n, t)
        rounds = range(10) if encrypt else range(9, -1, -1)
        for i in rounds:
            src = b_ if encrypt else a
            q = tweak + bytes((-t - b - 1) % 16) + bytes([i]) + _num(src, radix).to_bytes(b, "big")
            r = self._prf(p + q)
            y = int.from_bytes(self._expand(r, d), "big")
            m = u if i % 2 == 0 else v
            if encrypt:
                c = (_num(a, radix) + y) % radix**m
                a, b_ = b_, _str(c, radix, m)
            else:
                c = (_num(b_, radix) - y) % radix**m
                a, b_ = _str(c, radix, m), a
        return "".join(self.alphabet[i] for i in a + b_)

    def _prf(self, data: bytes) -> bytes:
        enc = self._ecb.encryptor()
        y = bytes(16)
        for j in range(0, len(data), 16):
            y = enc.update(bytes(p ^ q for p, q in zip(y, data[j : j + 16], strict=True)))
        return y

    def _expand(self, r: bytes, d: int) -> bytes:
        if d <= 16:
            return r[:d]
        enc = self._ecb.encryptor()
        blocks = [r]
        for j in range(1, (d + 15) // 16):
            blocks.append(
                enc.update(bytes(a ^ b for a, b in zip(r, j.to_bytes(16, "big"), strict=True)))
            )
        return b"".join(blocks)[:d]

    def _check_length(self, n: int) -> None:
        if n > _MAX_LEN:
            raise InvalidArgument("the text is too long for FF1")
        if n < 2 or self.radix**n < 100:
            raise DomainTooSmall(f"FF1 needs radix**length >= 100; length {n} is too short")
        if n < self._min_len:
            if not self.allow_small_domain:
                raise DomainTooSmall(
                    f"radix {self.radix} and length {n} give fewer than {MIN_DOMAIN_SIZE:,} "
                    "values; pass allow_small_domain=True to accept the risk"
                )
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"FF1 on a domain of {self.radix}**{n} values is open to brute force and "
                    "frequency analysis",
                    SmallDomainWarning,
                    stacklevel=4,
                )

    # -- batch -----------------------------------------------------------------------------
    def encrypt_batch(self, values: Any, tweak: bytes = b"") -> Any:
        """Encrypt a column (sequence, numpy or pyarrow array) of strings; same kind out."""
        return self._batch(values, tweak, encrypt=True)

    def decrypt_batch(self, values: Any, tweak: bytes = b"") -> Any:
        """Decrypt a column of strings encrypted with :meth:`encrypt_batch`; same kind out."""
        return self._batch(values, tweak, encrypt=False)

    def encrypt_numerals(
        self, numerals: npt.NDArray[np.integer[Any]], tweak: bytes = b""
    ) -> npt.NDArray[np.int64]:
        """Encrypt a ``(k, n)`` matrix of numerals (each row one value); no strings involved."""
        return self._numerals(numerals, tweak, encrypt=True)

    def decrypt_numerals(
        self, numerals: npt.NDArray[np.integer[Any]], tweak: bytes = b""
    ) -> npt.NDArray[np.int64]:
        """Inverse of :meth:`encrypt_numerals`."""
        return self._numerals(numerals, tweak, encrypt=False)

    def _numerals(
        self, numerals: npt.NDArray[np.integer[Any]], tweak: bytes, *, encrypt: bool
    ) -> npt.NDArray[np.int64]:
        x = np.asarray(numerals, dtype=np.int64)
        if x.ndim != 2 or ((x < 0) | (x >= self.radix)).any():
            raise InvalidArgument("numerals must be a 2-D array of values in 0..radix-1")
        self._check_length(x.shape[1])
        return self._rounds(x, tweak, encrypt=encrypt) if len(x) else x

    def _batch(self, values: Any, tweak: bytes, *, encrypt: bool) -> Any:
        fast = fixed_width_codes(values)
        if fast is not None:  # numpy unicode / pyarrow string column of equal-length ASCII
            codes, rebuild = fast
            return rebuild(self._through(codes, np.arange(len(codes)), tweak, encrypt=encrypt))
        column = as_column(values)
        out = np.empty(len(column), dtype=object)
        groups = codepoint_groups(column.values)
        covered = column.nulls.copy()
        for rows, _codes in groups.values():
            covered[rows] = True
        if not covered.all():
            row = int(np.flatnonzero(~covered)[0])
            raise InvalidArgument(f"FF1 takes non-empty strings; row {row} is not one")
        for rows, codes in groups.values():
            out[rows] = strings_from_codepoints(self._through(codes, rows, tweak, encrypt=encrypt))
        return column.rebuild(out)

    def _through(
        self, codes: npt.NDArray[Any], rows: npt.NDArray[np.intp], tweak: bytes, *, encrypt: bool
    ) -> npt.NDArray[Any]:
        """Encrypt or decrypt a ``(k, length)`` code-point matrix; same shape out."""
        self._check_length(codes.shape[1])
        decimal = self._decimal and codes.dtype == np.uint8
        if decimal:  # ASCII digits: the numeral is the byte minus '0'
            numerals: npt.NDArray[Any] = codes - np.uint8(48)
            bad = (numerals > 9).any(axis=1)
        else:
            numerals = self._lookup[
                codes if codes.dtype == np.uint8 else np.minimum(codes, self._lookup.size - 1)
            ]
            bad = (numerals < 0).any(axis=1)
        if bad.any():
            row = int(rows[np.flatnonzero(bad)[0]])
            raise InvalidArgument(f"row {row} has characters outside the FF1 alphabet")
        result = self._rounds(numerals, tweak, encrypt=encrypt)
        chars: npt.NDArray[Any] = (
            (result.astype(np.uint8) + np.uint8(48)) if decimal else self._codes[result]
        )
        return chars

    def _rounds_one_by_one(
        self, x: npt.NDArray[np.int64], tweak: bytes, *, encrypt: bool
    ) -> npt.NDArray[np.int64]:
        texts = ["".join(self.alphabet[i] for i in row) for row in x.tolist()]
        out = [self._scalar(text, tweak, encrypt=encrypt) for text in texts]
        return np.array([[self._index[c] for c in text] for text in out], dtype=np.int64)

    def _rounds(
        self, x: npt.NDArray[np.int64], tweak: bytes, *, encrypt: bool
    ) -> npt.NDArray[np.int64]:
        n = x.shape[1]
        radix = self.radix
        u, v = n // 2, n - n // 2
        b = _byte_len(radix, v)
        if b > 15:  # round number and NUM(B) span several blocks: rare, very long inputs
            return self._rounds_one_by_one(x, tweak, encrypt=encrypt)
        fast = 4 * ((b + 3) // 4) + 4 <= 8 and radix ** max(u, v) < _UINT64_LIMIT
        a, bb = self._halves_rounds(
            _nums(x[:, :u], radix, fast), _nums(x[:, u:], radix, fast), n, tweak, encrypt=encrypt
        )
        return np.concatenate([_digits(a, radix, u, fast), _digits(bb, radix, v, fast)], axis=1)

    def _halves_rounds(
        self, a: npt.NDArray[Any], bb: npt.NDArray[Any], n: int, tweak: bytes, *, encrypt: bool
    ) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        """The ten Feistel rounds on NUM(A) and NUM(B) of ``k`` values of length ``n``."""
        k = a.shape[0]
        radix, t = self.radix, len(tweak)
        u, v = n // 2, n - n // 2
        b = _byte_len(radix, v)
        d = 4 * ((b + 3) // 4) + 4
        pad = (-t - b - 1) % 16
        q_len = t + pad + 1 + b
        fast = d <= 8 and radix ** max(u, v) < _UINT64_LIMIT
        enc = self._ecb.encryptor()
        # CBC-MAC state after P and every Q block that holds only tweak and zero bytes.
        q_const = tweak + bytes(pad)
        head = _p_block(radix, u, n, t) + q_const[: max(q_len - 16, 0)]
        state = np.frombuffer(self._prf(head) if head else bytes(16), dtype=np.uint8)
        tail = np.frombuffer(q_const[max(q_len - 16, 0) :], dtype=np.uint8)
        at = tail.size
        # The block before encryption is Z xor (0..0 || [i] || NUM(B)), Z = (tail || 0..0) xor
        # state. In the fast case [i] and NUM(B) lie in the last 8 bytes, so a round only
        # computes one 64-bit word per value.
        zero = np.zeros(16 - at, dtype=np.uint8)
        z = np.concatenate([tail, zero]) ^ state
        words = np.empty((k, 2), dtype=">u8")
        words[:, 0] = int.from_bytes(z[:8].tobytes(), "big")
        z1 = np.uint64(int.from_bytes(z[8:].tobytes(), "big"))
        block = np.empty((k, 16), dtype=np.uint8)
        block[:, :at] = z[:at]
        rounds = range(10) if encrypt else range(9, -1, -1)
        for i in rounds:
            m = u if i % 2 == 0 else v
            src = bb if encrypt else a
            if fast:
                words[:, 1] = (src | np.uint64(i << (8 * b))) ^ z1
                data = words.tobytes()
            else:
                block[:, at] = i ^ z[at]
                block[:, at + 1 :] = _to_bytes(src, b) ^ z[at + 1 :]
                data = block.tobytes()
            y = _y_values(enc.update(data), k, d, fast, self._ecb)
            modulus = radix**m
            if encrypt:
                a, bb = bb, _add_mod(a, y, modulus, fast)
            else:
                a, bb = _sub_mod(bb, y, modulus, fast), a
        return a, bb

    def encrypt_int(self, values: npt.NDArray[Any], length: int, tweak: bytes = b"") -> Any:
        """Encrypt integers ``0 <= x < radix**length`` read as ``length`` numerals (no strings).

        Equal to :meth:`encrypt_numerals` on the digits. A ``uint64`` array in and out when the
        fast 64-bit rounds apply (``radix**length < 2**63`` and ``radix**ceil(length/2) <
        2**32``); otherwise an object array of Python integers (any length, more slowly).
        """
        return self._int_rounds(values, length, tweak, encrypt=True)

    def decrypt_int(self, values: npt.NDArray[Any], length: int, tweak: bytes = b"") -> Any:
        """Inverse of :meth:`encrypt_int`."""
        return self._int_rounds(values, length, tweak, encrypt=False)

    def _int_rounds(
        self, values: npt.NDArray[Any], length: int, tweak: bytes, *, encrypt: bool
    ) -> Any:
        self._check_length(length)
        radix = self.radix
        u, v = length // 2, length - length // 2
        b = _byte_len(radix, v)
        split = radix**v
        if radix**length < _UINT64_LIMIT and b <= 4:
            x = np.asarray(values, dtype=np.uint64)
            if x.size and int(x.max()) >= radix**length:
                raise InvalidArgument(f"values must be integers from 0 to {radix}**{length} - 1")
            step = np.uint64(split)
            a, bb = self._halves_rounds(x // step, x % step, length, tweak, encrypt=encrypt)
            result: npt.NDArray[np.uint64] = a * step + bb
            return result
        ints = [int(x) for x in np.asarray(values, dtype=object).tolist()]
        if any(x < 0 or x >= radix**length for x in ints):
            raise InvalidArgument(f"values must be integers from 0 to {radix}**{length} - 1")
        if b > 15:  # NUM(B) does not fit the last MAC block: the scalar reference
            numerals = np.array([_str(x, radix, length) for x in ints], dtype=np.int64)
            rows = self._rounds_one_by_one(numerals.reshape(-1, length), tweak, encrypt=encrypt)
            out = [_num(row, radix) for row in rows.tolist()]
        else:
            fast = 4 * ((b + 3) // 4) + 4 <= 8 and radix ** max(u, v) < _UINT64_LIMIT
            kind: Any = np.uint64 if fast else object
            a_in = np.array([x // split for x in ints], dtype=kind)
            b_in = np.array([x % split for x in ints], dtype=kind)
            a, bb = self._halves_rounds(a_in, b_in, length, tweak, encrypt=encrypt)
            out = [int(p) * split + int(q) for p, q in zip(a.tolist(), bb.tolist(), strict=True)]
        wide = np.empty(len(out), dtype=object)
        wide[:] = out
        return wide


def _byte_len(radix: int, v: int) -> int:
    """Bytes of NUM(B): ceil(ceil(v * log2(radix)) / 8), computed exactly."""
    bits = int(radix**v - 1).bit_length()
    return (bits + 7) // 8


def _p_block(radix: int, u: int, n: int, t: int) -> bytes:
    return (
        bytes([1, 2, 1])
        + radix.to_bytes(3, "big")
        + bytes([10, u % 256])
        + n.to_bytes(4, "big")
        + t.to_bytes(4, "big")
    )


def _num(numerals: list[int], radix: int) -> int:
    value = 0
    for digit in numerals:
        value = value * radix + digit
    return value


def _str(value: int, radix: int, m: int) -> list[int]:
    out = [0] * m
    for j in range(m - 1, -1, -1):
        value, out[j] = divmod(value, radix)
    return out


def _nums(x: npt.NDArray[np.integer[Any]], radix: int, fast: bool) -> npt.NDArray[Any]:
    if fast:  # Horner's rule column by column: no (k, m) 64-bit temporaries
        total: npt.NDArray[np.uint64] = np.zeros(x.shape[0], dtype=np.uint64)
        r = np.uint64(radix)
        for j in range(x.shape[1]):
            total *= r
            total += x[:, j].astype(np.uint64)
        return total
    return np.array([_num(row, radix) for row in x.tolist()], dtype=object)


def _to_bytes(values: npt.NDArray[Any], b: int) -> npt.NDArray[np.uint8]:
    raw = b"".join(int(v).to_bytes(b, "big") for v in values.tolist())
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, b)


def _y_values(r: bytes, k: int, d: int, fast: bool, ecb: Cipher[Any]) -> npt.NDArray[Any]:
    if fast and d == 8:  # y is the first 8 bytes of each block: a zero-copy big-endian view
        return np.frombuffer(r, dtype=">u8").reshape(k, 2)[:, 0].astype(np.uint64)
    blocks = np.frombuffer(r, dtype=np.uint8).reshape(k, 16)
    if d > 16:
        enc = ecb.encryptor()
        extra = []
        for j in range(1, (d + 15) // 16):
            counter = np.frombuffer(j.to_bytes(16, "big"), dtype=np.uint8)
            extra.append(np.frombuffer(enc.update((blocks ^ counter).tobytes()), np.uint8))
        blocks = np.concatenate([blocks, *(e.reshape(k, 16) for e in extra)], axis=1)
    s = np.ascontiguousarray(blocks[:, :d])
    if fast:
        padded = np.zeros((k, 8), dtype=np.uint8)
        padded[:, 8 - d :] = s
        return padded.view(">u8").reshape(-1).astype(np.uint64)
    return np.array([int.from_bytes(s[j].tobytes(), "big") for j in range(k)], dtype=object)


def _add_mod(
    a: npt.NDArray[Any], y: npt.NDArray[Any], modulus: int, fast: bool
) -> npt.NDArray[Any]:
    if fast:
        mod = np.uint64(modulus)
        total: npt.NDArray[Any] = (a + y % mod) % mod
        return total
    return np.array([(int(p) + int(q)) % modulus for p, q in zip(a, y, strict=True)], dtype=object)


def _sub_mod(
    b: npt.NDArray[Any], y: npt.NDArray[Any], modulus: int, fast: bool
) -> npt.NDArray[Any]:
    if fast:
        mod = np.uint64(modulus)
        return (b + mod - y % mod) % mod
    return np.array([(int(p) - int(q)) % modulus for p, q in zip(b, y, strict=True)], dtype=object)


def _digits(values: npt.NDArray[Any], radix: int, m: int, fast: bool) -> npt.NDArray[np.int64]:
    if fast:  # repeated divmod on one vector; 32-bit division when it fits (several times faster)
        dtype: type[np.unsignedinteger[Any]] = np.uint32 if radix**m < 2**32 else np.uint64
        rest: npt.NDArray[Any] = values.astype(dtype)
        digits: npt.NDArray[np.int64] = np.empty((values.shape[0], m), dtype=np.int64)
        r = dtype(radix)
        for j in range(m - 1, -1, -1):
            rest, digits[:, j] = np.divmod(rest, r)
        return digits
    return np.array([_str(int(v), radix, m) for v in values], dtype=np.int64).reshape(-1, m)
