"""Merkle tree heads and proofs against a reference written here from RFC 6962 section 2.1."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.audit import merkle


# ---- the reference: RFC 6962 section 2.1, transcribed literally (recursive, no shortcuts) ----
def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 over leaf *data*."""
    n = len(d)
    if n == 0:
        return _h(b"")
    if n == 1:
        return _h(b"\x00" + d[0])
    k = _k(n)
    return _h(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 section 2.1.1."""
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 6962 section 2.1.2."""
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 section 2.1.2."""
    return ref_subproof(m, d, True)


def _leaves(data: list[bytes]) -> list[bytes]:
    return [merkle.leaf_hash(x) for x in data]


_data = st.lists(st.binary(max_size=8), min_size=1, max_size=70, unique=True)


def test_empty_tree_and_known_vector():
    """The empty tree hashes to SHA-256(""); a two-leaf tree matches a hand computation."""
    assert merkle.root([]) == hashlib.sha256(b"").digest()
    a, b = _h(b"\x00a"), _h(b"\x00b")
    assert merkle.root([a, b]) == _h(b"\x01" + a + b)


@given(_data)
def test_root_and_frontier_match_the_reference(data):
    """root() and the incremental Frontier give MTH of RFC 6962 at every size."""
    leaves = _leaves(data)
    frontier = merkle.Frontier()
    for i, leaf in enumerate(leaves, 1):
        frontier.add(leaf)
        assert frontier.root() == ref_mth(data[:i])
    assert merkle.root(leaves) == ref_mth(data)


@given(_data, st.data())
def test_inclusion_proofs_match_the_reference_and_verify(data, draw):
    """Inclusion proofs equal PATH(m, D[n]) and verify by the RFC 9162 algorithm."""
    leaves = _leaves(data)
    m = draw.draw(st.integers(0, len(data) - 1))
    proof = merkle.inclusion_proof(m, leaves)
    assert proof == ref_path(m, data)
    head = ref_mth(data)
    assert merkle.verify_inclusion(m, len(data), leaves[m], proof, head)
    # a wrong index, leaf, root or path element fails
    assert not merkle.verify_inclusion(m, len(data), _h(b"\x00other"), proof, head)
    assert not merkle.verify_inclusion(m, len(data), leaves[m], proof, _h(b"x"))
    if len(data) > 1:
        assert not merkle.verify_inclusion((m + 1) % len(data), len(data), leaves[m], proof, head)
        bad = [_h(b"y"), *proof[1:]]
        assert not merkle.verify_inclusion(m, len(data), leaves[m], bad, head)


@given(_data, st.data())
def test_consistency_proofs_match_the_reference_and_verify(data, draw):
    """Consistency proofs equal PROOF(m, D[n]) and verify by the RFC 9162 algorithm."""
    leaves = _leaves(data)
    n = len(data)
    m = draw.draw(st.integers(1, n))
    proof = merkle.consistency_proof(m, leaves)
    assert proof == (ref_proof(m, data) if m < n else [])
    old, new = ref_mth(data[:m]), ref_mth(data)
    assert merkle.verify_consistency(m, n, old, new, proof)
    if m < n:
        # a forked history (one old leaf changed) is not consistent with the new head
        forked = [*data[: m - 1], data[m - 1] + b"!"]
        assert not merkle.verify_consistency(m, n, ref_mth(forked), new, proof)
        assert not merkle.verify_consistency(m, n, old, _h(b"z"), proof)
        assert not merkle.verify_consistency(m, n, old, new, proof[:-1])


def test_bad_arguments():
    """Indexes and sizes outside the tree are refused (generation) or False (verification)."""
    leaves = _leaves([b"a", b"b", b"c"])
    with pytest.raises(ValueError):
        merkle.inclusion_proof(3, leaves)
    with pytest.raises(ValueError):
        merkle.consistency_proof(4, leaves)
    assert not merkle.verify_inclusion(5, 3, leaves[0], [], merkle.root(leaves))
    assert not merkle.verify_consistency(3, 2, b"", b"", [])
    assert merkle.verify_consistency(0, 3, b"", merkle.root(leaves), [])


def test_sm3_trees_use_sm3():
    """The SM3 variant is the same construction with SM3."""
    leaf = merkle.leaf_hash(b"a", "sm3")
    assert leaf == hashlib.new("sm3", b"\x00a").digest()
    assert merkle.root([leaf, leaf], "sm3") == hashlib.new("sm3", b"\x01" + leaf + leaf).digest()
