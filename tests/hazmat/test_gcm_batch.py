"""Vectorized GCM equals one-message GCM (OpenSSL) byte for byte and rejects tampering."""

from __future__ import annotations

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.errors import InvalidArgument
from medguard.hazmat.aead import Sm4Gcm
from medguard.hazmat.gcm_batch import BatchGcm, _gf_mul


def _rows(data: bytes, n: int) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8).reshape(n, -1) if n else np.zeros((0, 0), np.uint8)


@given(
    n=st.integers(1, 6),
    size=st.integers(0, 40),
    aad=st.binary(max_size=50),
    seed=st.binary(min_size=16, max_size=16),
    data=st.data(),
)
@settings(max_examples=60)
def test_batch_equals_single_message_gcm(
    n: int, size: int, aad: bytes, seed: bytes, data: st.DataObject
) -> None:
    """For AES and SM4, every row equals pyca/OpenSSL GCM of that row, and opens again."""
    nonces = _rows(data.draw(st.binary(min_size=12 * n, max_size=12 * n)), n)
    plain = data.draw(st.binary(min_size=size * n, max_size=size * n))
    rows = np.frombuffer(plain, dtype=np.uint8).reshape(n, size)
    for cipher, key, single in (
        (algorithms.AES, seed * 2, lambda k, iv, p: AESGCM(k).encrypt(iv, p, aad)),
        (algorithms.SM4, seed, lambda k, iv, p: Sm4Gcm(k).encrypt(iv, p, aad)),
    ):
        batch = BatchGcm(cipher, key)
        sealed = batch.seal(nonces, rows, aad)
        for i in range(n):
            assert sealed[i].tobytes() == single(key, nonces[i].tobytes(), rows[i].tobytes())
        opened, ok = batch.open(nonces, sealed, aad)
        assert ok.all()
        assert (opened == rows).all()


@given(data=st.data())
@settings(max_examples=30)
def test_any_flipped_bit_fails_only_its_row(data: st.DataObject) -> None:
    """A bit flipped anywhere in one row's ciphertext or tag fails that row and no other."""
    n, size = 5, 19
    batch = BatchGcm(algorithms.SM4, bytes(range(16)))
    nonces = np.arange(12 * n, dtype=np.uint8).reshape(n, 12)
    rows = np.full((n, size), 7, dtype=np.uint8)
    sealed = batch.seal(nonces, rows, b"ctx").copy()
    row = data.draw(st.integers(0, n - 1))
    bit = data.draw(st.integers(0, (size + 16) * 8 - 1))
    sealed[row, bit // 8] ^= 1 << (bit % 8)
    opened, ok = batch.open(nonces, sealed, b"ctx")
    assert ok.tolist() == [i != row for i in range(n)]
    assert not opened[row].any()
    _, ok_other_aad = batch.open(nonces, sealed, b"other")
    assert not ok_other_aad.any()


def test_gf_mul_identity_and_commutativity() -> None:
    """The reference field product has the GCM identity (bit 0) and commutes."""
    one = 1 << 127
    x, y = 0x66E94BD4EF8A2C3B884CFA59CA342B2E, 0x0388DACE60B6A392F328C2B971B2FE78
    assert _gf_mul(x, one) == x
    assert _gf_mul(x, y) == _gf_mul(y, x)


def test_shapes_are_checked() -> None:
    """Mismatched nonce and message shapes are argument errors; bad keys too."""
    batch = BatchGcm(algorithms.SM4, bytes(16))
    with pytest.raises(InvalidArgument):
        batch.seal(np.zeros((2, 12), np.uint8), np.zeros((3, 4), np.uint8), b"")
    with pytest.raises(InvalidArgument):
        batch.seal(np.zeros((2, 8), np.uint8), np.zeros((2, 4), np.uint8), b"")
    with pytest.raises(InvalidArgument):
        BatchGcm(algorithms.SM4, bytes(32))
    assert "00" not in repr(batch)


@given(
    n=st.integers(1, 5),
    size=st.integers(1, 33),
    ad_size=st.integers(0, 40),
    data=st.data(),
)
@settings(max_examples=40)
def test_per_row_associated_data(n: int, size: int, ad_size: int, data: st.DataObject) -> None:
    """With one associated data per row, each row equals SM4-GCM of that row and its AD."""
    key = bytes(range(16))
    nonces = _rows(data.draw(st.binary(min_size=12 * n, max_size=12 * n)), n)
    rows = _rows(data.draw(st.binary(min_size=size * n, max_size=size * n)), n)
    ads = np.frombuffer(
        data.draw(st.binary(min_size=ad_size * n, max_size=ad_size * n)), dtype=np.uint8
    ).reshape(n, ad_size)
    batch = BatchGcm(algorithms.SM4, key)
    sealed = batch.seal(nonces, rows, ads)
    for i in range(n):
        one = Sm4Gcm(key).encrypt(nonces[i].tobytes(), rows[i].tobytes(), ads[i].tobytes())
        assert sealed[i].tobytes() == one
    _, ok = batch.open(nonces, sealed, ads)
    assert ok.all()
    if n > 1 and ad_size:
        swapped = ads[::-1].copy()
        _, ok = batch.open(nonces, sealed, swapped)
        assert ok.tolist() == [bool((ads[i] == swapped[i]).all()) for i in range(n)]
