"""Keyed maps of the integers ``0..N-1`` onto themselves, the engine behind valid surrogates.

A surrogate is built by numbering the valid values of a domain (a resident ID is a region, a
birth date and a sequence number: an index in a mixed-radix domain), mapping the index, and
writing the new index back as a valid value. The maps:

- reversible: FF1 over the index's bits, with cycle walking (re-encrypt until the result is
  below ``N``; on average fewer than two passes because ``2**bits < 2N``), so the map is a
  bijection of ``0..N-1`` and the key inverts it;
- one-way: HMAC-SHA-256 of the index, reduced modulo ``N``; not invertible and not
  injective (collisions happen, as with any hash into a finite set).
"""

from __future__ import annotations

import hashlib
import hmac
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.errors import DomainTooSmall
from medguard.hazmat.ff1 import FF1, MIN_DOMAIN_SIZE, SmallDomainWarning

__all__ = ["IndexMap"]

U64 = npt.NDArray[np.uint64]


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

    def permute(self, index: U64, size: int, tweak: bytes, *, inverse: bool = False) -> U64:
        """Apply the keyed bijection of ``0..size-1`` (or its inverse) to every index."""
        self.check_domain(size)
        bits = max(7, (size - 1).bit_length())
        ff1 = self._cipher_for(bits)
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

    def one_way(self, index: U64, size: int, tweak: bytes) -> U64:
        """Keyed one-way map into ``0..size-1`` (HMAC-SHA-256, reduced modulo ``size``)."""
        self.check_domain(size)
        key = self._mac_key
        prefix = len(tweak).to_bytes(4, "big") + tweak
        digests = [
            int.from_bytes(
                hmac.digest(key, prefix + int(i).to_bytes(8, "big"), "sha256")[:8], "big"
            )
            % size
            for i in np.asarray(index, dtype=np.uint64).tolist()
        ]
        return np.array(digests, dtype=np.uint64)

    def apply(
        self, index: U64, size: int, tweak: bytes, *, one_way: bool, inverse: bool = False
    ) -> Any:
        """``one_way`` or ``permute`` (``inverse`` only for the reversible map)."""
        if one_way:
            return self.one_way(index, size, tweak)
        return self.permute(index, size, tweak, inverse=inverse)
