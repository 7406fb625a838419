"""Randomized AEAD primitives: AES-GCM and SM4-GCM."""

from __future__ import annotations

import pickle

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from medguard.errors import DecryptionError, InvalidArgument
from medguard.hazmat.aead import NONCE_SIZE, AesGcm, Sm4Gcm, random_nonces

CIPHERS = [lambda: AesGcm(bytes(range(32))), lambda: Sm4Gcm(bytes(range(16)))]


@pytest.mark.parametrize("make", CIPHERS, ids=["aes", "sm4"])
@given(plaintext=st.binary(max_size=200), aad=st.binary(max_size=50))
def test_round_trip(make, plaintext: bytes, aad: bytes) -> None:  # type: ignore[no-untyped-def]
    """Decrypt inverts encrypt for any plaintext and associated data."""
    aead = make()
    nonce = random_nonces(1)[0]
    out = aead.encrypt(nonce, plaintext, aad)
    assert len(out) == len(plaintext) + 16
    assert aead.decrypt(nonce, out, aad) == plaintext


@pytest.mark.parametrize("make", CIPHERS, ids=["aes", "sm4"])
def test_every_bit_flip_fails(make) -> None:  # type: ignore[no-untyped-def]
    """Flipping any bit of ciphertext or tag, or changing the AAD, fails authentication."""
    aead = make()
    nonce = bytes(12)
    out = aead.encrypt(nonce, b"13800138000", b"patients.mobile")
    for bit in range(len(out) * 8):
        bad = bytearray(out)
        bad[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(DecryptionError):
            aead.decrypt(nonce, bytes(bad), b"patients.mobile")
    with pytest.raises(DecryptionError):
        aead.decrypt(nonce, out, b"patients.phone")
    with pytest.raises(DecryptionError):
        aead.decrypt(nonce, out[:5], b"patients.mobile")


def test_aes_gcm_matches_pyca() -> None:
    """AesGcm is pyca's AESGCM: same output for the same key, nonce and AAD."""
    key, nonce = bytes(range(32)), bytes(range(12))
    assert AesGcm(key).encrypt(nonce, b"abc", b"ad") == AESGCM(key).encrypt(nonce, b"abc", b"ad")


def test_sm4_gcm_differs_from_aes_and_is_deterministic_for_fixed_nonce() -> None:
    """SM4-GCM is its own cipher; with a fixed nonce (a test seam) its output is fixed."""
    key, nonce = bytes(range(16)), bytes(12)
    assert Sm4Gcm(key).encrypt(nonce, b"abc", b"") == Sm4Gcm(key).encrypt(nonce, b"abc", b"")
    assert Sm4Gcm(key).encrypt(nonce, b"abc", b"") != AesGcm(key).encrypt(nonce, b"abc", b"")


def test_random_nonces_are_distinct() -> None:
    """random_nonces gives the requested count of distinct 12-byte nonces."""
    nonces = random_nonces(1000)
    assert len(nonces) == 1000
    assert {len(n) for n in nonces} == {NONCE_SIZE}
    assert len(set(nonces)) == 1000


def test_bad_keys_and_nonces_are_refused() -> None:
    """Wrong key or nonce sizes raise InvalidArgument, not a library error."""
    with pytest.raises(InvalidArgument):
        AesGcm(bytes(10))
    with pytest.raises(InvalidArgument):
        Sm4Gcm(bytes(32))
    with pytest.raises(InvalidArgument):
        AesGcm(bytes(32)).encrypt(bytes(8), b"x", b"")


def test_aead_objects_do_not_pickle_or_show_keys() -> None:
    """AEAD objects refuse pickling and their repr holds no key bytes."""
    for aead in (AesGcm(b"\x11" * 32), Sm4Gcm(b"\x11" * 16)):
        assert "11" not in repr(aead).replace("key_size=16", "")
        with pytest.raises(TypeError):
            pickle.dumps(aead)
