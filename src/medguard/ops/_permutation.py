"""Keyed maps of the integers ``0..N-1`` onto themselves, the engine behind valid surrogates.

A surrogate is built by numbering the valid values of a domain (a resident ID is a region, a
birth date and a sequence number: an index in a mixed-radix domain), mapping the index, and
writing the new index back as a valid value. The maps:

- reversible: FF1 over the index's bits, with cycle walking (re-encrypt until the result is
  below ``N``; on average fewer than two passes because ``2**bits < 2N``), so the map is a
  bijection of ``0..N-1`` and the key inverts it;
- one-way: HMAC-SHA-256 of the index, reduced modulo ``N``; not invertible and not
  injective (collisions happen, as with any hash into a finite set).

Domains up to ``2**62`` values run on ``uint64`` arrays; larger ones (long record numbers)
take Python integers through the same FF1 (as bit numerals) and a longer HMAC output, so any
length works, only more slowly.
"""

from __future__ import annotations

import hashlib
import hmac
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.errors import DomainTooSmall, KeyringError
from medguard.hazmat.ff1 import FF1, MIN_DOMAIN_SIZE, SmallDomainWarning

__all__ = ["MAX_FAST_BITS", "IndexMap", "hmac_sha256"]

U64 = npt.NDArray[np.uint64]
#: Domains of at most this many bits run on uint64 arrays (FF1's 64-bit rounds).
MAX_FAST_BITS = 62


def hmac_sha256(key: bytes, prefix: bytes = b"") -> Any:
    """``f(message)`` = HMAC-SHA-256(``key``, ``prefix + message``), for many messages under one
    key: the key is hashed into the two keyed SHA-256 states once, and each call copies them
    (the same digests as :func:`hmac.digest`, about 40% less time than calling it per value)."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key.ljust(64, b"\0")))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key.ljust(64, b"\0")))
    inner.update(prefix)

    def mac(message: bytes) -> bytes:
        step = inner.copy()
        step.update(message)
        last = outer.copy()
        last.update(step.digest())
        return last.digest()

    return mac


def _hmac_heads(key: bytes, prefix: bytes, index: U64) -> U64:
    """The first 8 bytes (big-endian) of HMAC-SHA-256(``key``, ``prefix`` + each index as 8
    big-endian bytes): :func:`hmac_sha256`'s digests, the loop written out (no call per
    value)."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key.ljust(64, b"\0")))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key.ljust(64, b"\0")))
    inner.update(prefix)
    inner_copy, outer_copy = inner.copy, outer.copy
    messages = index.astype(">u8").tobytes()
    heads = bytearray()
    for start in range(0, len(messages), 8):
        step = inner_copy()
        step.update(messages[start : start + 8])
        last = outer_copy()
        last.update(step.digest())
        heads += last.digest()[:8]
    return np.frombuffer(bytes(heads), dtype=">u8").astype(np.uint64)


class IndexMap:
    """Keyed maps of ``0..N-1`` for one key; ``tweak`` separates domains and contexts."""

    def __init__(
        self, key: bytes, *, cipher: str = "aes", allow_small_domain: bool = False
    ) -> None:
        self._key = key
        self._cipher = cipher
        self.allow_small_domain = allow_small_domain
        self._ff1: dict[int, FF1] = {}
        self._mac_key = hashlib.sha256(b"medguard one-way index map" + key).digest()

    def __repr__(self) -> str:
        return f"IndexMap(cipher={self._cipher!r})"

    def __reduce__(self) -> tuple[object, ...]:
        """Refuse pickling (and copying): the map holds the raw key."""
        raise KeyringError("an IndexMap holds key material and cannot be pickled")

    def is_small(self, size: int) -> bool:
        """True when a domain of ``size`` values is refused (too small, not allowed, or < 2)."""
        return size < 2 or (size < MIN_DOMAIN_SIZE and not self.allow_small_domain)

    def check_domain(self, size: int) -> None:
        """Refuse domains under one million values unless small domains were allowed."""
        if size < MIN_DOMAIN_SIZE and not self.allow_small_domain:
            raise DomainTooSmall(
                f"this surrogate domain has {size:,} values (< {MIN_DOMAIN_SIZE:,}): it can be "
                "brute-forced; pass allow_small_domain=True to accept the risk"
            )
        if size < 2:
            raise DomainTooSmall("a surrogate domain needs at least two values")

    def _cipher_for(self, bits: int) -> FF1:
        if bits not in self._ff1:
            self._ff1[bits] = FF1(self._key[: 16 if self._cipher == "sm4" else len(self._key)], 2,
                                  cipher=self._cipher,  # type: ignore[arg-type]
                                  allow_small_domain=True)  # fmt: skip
        return self._ff1[bits]

    def permute(self, index: Any, size: int, tweak: bytes, *, inverse: bool = False) -> Any:
        """Apply the keyed bijection of ``0..size-1`` (or its inverse) to every index.

        Takes and returns a ``uint64`` array when ``size <= 2**62``, else an object array of
        Python integers.
        """
        self.check_domain(size)
        bits = max(7, (size - 1).bit_length())
        ff1 = self._cipher_for(bits)
        if bits > MAX_FAST_BITS:
            return self._permute_big(ff1, index, size, bits, tweak, inverse=inverse)
        step = ff1.decrypt_int if inverse else ff1.encrypt_int
        out = np.asarray(index, dtype=np.uint64).copy()
        todo = np.arange(out.shape[0])
        limit = np.uint64(size)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallDomainWarning)  # checked above, by policy
            while todo.size:
                values = step(out[todo], bits, tweak)
                out[todo] = values
                todo = todo[values >= limit]
        return out

    @staticmethod
    def _permute_big(
        ff1: FF1, index: Any, size: int, bits: int, tweak: bytes, *, inverse: bool
    ) -> npt.NDArray[np.object_]:
        """Cycle walking on Python integers; each distinct index is mapped once."""
        step = ff1.decrypt_int if inverse else ff1.encrypt_int
        values = [int(i) for i in np.asarray(index, dtype=object).tolist()]
        distinct = list(dict.fromkeys(values))
        current = list(distinct)
        pending = list(range(len(distinct)))
        while pending:
            batch = np.empty(len(pending), dtype=object)
            batch[:] = [current[j] for j in pending]
            for j, value in zip(pending, step(batch, bits, tweak).tolist(), strict=True):
                current[j] = value
            pending = [j for j in pending if current[j] >= size]
        table = dict(zip(distinct, current, strict=True))
        result = np.empty(len(values), dtype=object)
        result[:] = [table[v] for v in values]
        return result

    def one_way(self, index: Any, size: int, tweak: bytes) -> Any:
        """Keyed one-way map into ``0..size-1`` (HMAC-SHA-256, reduced modulo ``size``).

        Domains below ``2**64`` use the first 8 bytes of one HMAC (uint64 array out); larger
        ones take ``len(size) + 16`` bytes from HMACs with a block counter (object array).
        """
        self.check_domain(size)
        key = self._mac_key
        prefix = len(tweak).to_bytes(4, "big") + tweak
        if size <= 2**64:
            heads = _hmac_heads(key, prefix, np.asarray(index, dtype=np.uint64))
            return heads if size == 2**64 else heads % np.uint64(size)
        width = (size.bit_length() + 7) // 8
        need = width + 16  # 128 extra bits: the modulo bias is below 2**-128
        blocks = (need + 31) // 32
        out = []
        for i in np.asarray(index, dtype=object).tolist():
            body = prefix + int(i).to_bytes(width, "big")
            stream = b"".join(
                hmac.digest(key, body + j.to_bytes(4, "big"), "sha256") for j in range(blocks)
            )
            out.append(int.from_bytes(stream[:need], "big") % size)
        result = np.empty(len(out), dtype=object)
        result[:] = out
        return result

    def apply(
        self, index: Any, size: int, tweak: bytes, *, one_way: bool, inverse: bool = False
    ) -> Any:
        """``one_way`` or ``permute`` (``inverse`` only for the reversible map)."""
        if one_way:
            return self.one_way(index, size, tweak)
        return self.permute(index, size, tweak, inverse=inverse)
