"""Merkle tree hashing, inclusion and consistency proofs (RFC 6962 / RFC 9162 section 2.1).

A leaf hash is ``H(0x00 || data)`` and an interior node ``H(0x01 || left || right)``; the tree
over ``n`` leaves splits at the largest power of two below ``n``. ``H`` is SHA-256, as the RFCs
define, or SM3 for keyrings of the SM suite (a medguard extension: the same construction with
SM3 in place of SHA-256). In an audit trail the leaf data of record ``i`` is its 32-byte record
hash.

- :func:`root` computes the tree head of a list of leaf hashes;
- :class:`Frontier` keeps the right edge of a growing tree (O(log n) memory and one leaf plus
  about one node hash per appended leaf), so a trail of any length has its head at hand;
- :func:`inclusion_proof` / :func:`verify_inclusion` and :func:`consistency_proof` /
  :func:`verify_consistency` follow RFC 9162 sections 2.1.3 and 2.1.4 (generation by the
  recursive definitions, verification by the iterative algorithms of the RFC).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Literal

from medguard.errors import InvalidArgument

__all__ = [
    "Frontier",
    "HashName",
    "consistency_proof",
    "hasher",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

HashName = Literal["sha256", "sm3"]
Hasher = Callable[[bytes], bytes]


def hasher(name: HashName = "sha256") -> Hasher:
    """A one-shot hash function ``bytes -> 32-byte digest``: SHA-256 or SM3."""
    if name == "sha256":
        sha256 = hashlib.sha256
        return lambda data: sha256(data).digest()
    if name == "sm3":
        try:
            hashlib.new("sm3")
        except ValueError:  # pragma: no cover - OpenSSL without SM3: pyca's binding
            from medguard.hazmat.mac import digest

            return lambda data: digest(data, hash="sm3")
        return lambda data: hashlib.new("sm3", data).digest()
    raise InvalidArgument(f"unknown hash {name!r} (expected 'sha256' or 'sm3')")


def leaf_hash(data: bytes, hash: HashName = "sha256") -> bytes:
    """``H(0x00 || data)``: the hash of one leaf."""
    return hasher(hash)(b"\x00" + data)


def node_hash(left: bytes, right: bytes, hash: HashName = "sha256") -> bytes:
    """``H(0x01 || left || right)``: the hash of an interior node."""
    return hasher(hash)(b"\x01" + left + right)


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(leaves: Sequence[bytes], h: Hasher) -> bytes:
    """MTH over leaf *hashes* (already ``H(0x00 || d)``)."""
    n = len(leaves)
    if n == 0:
        return h(b"")
    level = list(leaves)
    # bottom-up, pairing left to right and carrying an odd last node up: the same tree as the
    # RFC's recursive split at the largest power of two
    while len(level) > 1:
        nxt = [h(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def root(leaves: Sequence[bytes], hash: HashName = "sha256") -> bytes:
    """The Merkle tree head over ``leaves`` (leaf hashes); ``H("")`` for no leaves."""
    return _mth(leaves, hasher(hash))


class Frontier:
    """The right edge of a growing Merkle tree: perfect subtree roots, largest first.

    ``add(leaf)`` appends one leaf hash; :meth:`root` is the head of the tree so far.
    """

    __slots__ = ("_h", "size", "stack")

    def __init__(self, hash: HashName = "sha256") -> None:
        self._h = hasher(hash)
        self.size = 0
        self.stack: list[bytes] = []

    def copy(self) -> Frontier:
        """An independent copy (to try appends that may be rolled back)."""
        other = Frontier.__new__(Frontier)
        other._h, other.size, other.stack = self._h, self.size, list(self.stack)
        return other

    def add(self, leaf: bytes) -> None:
        """Append one leaf hash."""
        h, stack = self._h, self.stack
        stack.append(leaf)
        size = self.size
        while size & 1:
            right = stack.pop()
            stack[-1] = h(b"\x01" + stack[-1] + right)
            size >>= 1
        self.size += 1

    def root(self) -> bytes:
        """The tree head over every leaf added so far."""
        if not self.stack:
            return self._h(b"")
        acc = self.stack[-1]
        for left in reversed(self.stack[:-1]):
            acc = self._h(b"\x01" + left + acc)
        return acc


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise InvalidArgument(f"leaf {index} is not in a tree of size {size}")


def _path(m: int, leaves: Sequence[bytes], h: Hasher) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(m, leaves[:k], h), _mth(leaves[k:], h)]
    return [*_path(m - k, leaves[k:], h), _mth(leaves[:k], h)]


def inclusion_proof(index: int, leaves: Sequence[bytes], hash: HashName = "sha256") -> list[bytes]:
    """The audit path of leaf ``index`` in the tree over ``leaves`` (RFC 9162 2.1.3.1)."""
    _check_index(index, len(leaves))
    return _path(index, leaves, hasher(hash))


def verify_inclusion(
    index: int,
    size: int,
    leaf: bytes,
    proof: Sequence[bytes],
    expected_root: bytes,
    hash: HashName = "sha256",
) -> bool:
    """True when ``proof`` shows leaf hash ``leaf`` at ``index`` of the tree ``expected_root``.

    The algorithm of RFC 9162 section 2.1.3.2.
    """
    if not 0 <= index < size:
        return False
    h = hasher(hash)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = h(b"\x01" + p + r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = h(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def _subproof(m: int, leaves: Sequence[bytes], complete: bool, h: Hasher) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [_mth(leaves, h)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete, h), _mth(leaves[k:], h)]
    return [*_subproof(m - k, leaves[k:], False, h), _mth(leaves[:k], h)]


def consistency_proof(
    old_size: int, leaves: Sequence[bytes], hash: HashName = "sha256"
) -> list[bytes]:
    """The proof that the tree of the first ``old_size`` leaves is a prefix of ``leaves``.

    RFC 9162 section 2.1.4.1; empty when ``old_size`` is 0 or the full size.
    """
    if not 0 <= old_size <= len(leaves):
        raise InvalidArgument(f"old size {old_size} is not within the tree size {len(leaves)}")
    if old_size in (0, len(leaves)):
        return []
    return _subproof(old_size, leaves, True, hasher(hash))


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
    hash: HashName = "sha256",
) -> bool:
    """True when ``proof`` shows the tree ``new_root`` extends ``old_root``.

    The algorithm of RFC 9162 section 2.1.4.2 (a size-0 old tree is consistent with anything;
    equal sizes need equal roots and an empty proof).
    """
    if not 0 <= old_size <= new_size:
        return False
    if old_size == 0:
        return not proof
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    h = hasher(hash)
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = h(b"\x01" + c + fr)
            sr = h(b"\x01" + c + sr)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = h(b"\x01" + sr + c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
