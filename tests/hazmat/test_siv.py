"""SIV (RFC 5297): published vectors, the generic construction against pyca, and SM4-SIV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.errors import DecryptionError, InvalidArgument
from medguard.hazmat.siv import AesSiv, GenericSiv, Sm4Siv

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "aes_siv_rfc5297.json").read_text())[
    "vectors"
]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["name"])
@pytest.mark.parametrize("impl", [AesSiv, lambda k: GenericSiv(algorithms.AES, k)])
def test_rfc5297_vectors(vector: dict, impl) -> None:  # type: ignore[no-untyped-def]
    """Both AES-SIV implementations reproduce the RFC 5297 outputs and invert them."""
    siv = impl(bytes.fromhex(vector["key"]))
    ad = [bytes.fromhex(a) for a in vector["ad"]]
    out = siv.encrypt(bytes.fromhex(vector["plaintext"]), ad)
    assert out.hex() == vector["output"]
    assert siv.decrypt(out, ad).hex() == vector["plaintext"]


@given(
    key=st.binary(min_size=32, max_size=32) | st.binary(min_size=64, max_size=64),
    plaintext=st.binary(min_size=1, max_size=80),
    ad=st.lists(st.binary(max_size=40), max_size=3),
)
def test_generic_siv_matches_pyca(key: bytes, plaintext: bytes, ad: list[bytes]) -> None:
    """The generic SIV code over AES equals pyca's AESSIV on any input (so SM4-SIV is RFC 5297)."""
    assert GenericSiv(algorithms.AES, key).encrypt(plaintext, ad) == AESSIV(key).encrypt(
        plaintext, ad or None
    )


@given(plaintext=st.binary(max_size=100), ad=st.lists(st.binary(max_size=40), max_size=3))
def test_sm4_siv_round_trip_and_determinism(plaintext: bytes, ad: list[bytes]) -> None:
    """SM4-SIV decrypts what it encrypts and the same input gives the same output."""
    siv = Sm4Siv(bytes(range(32)))
    out = siv.encrypt(plaintext, ad)
    assert len(out) == len(plaintext) + 16
    assert out == siv.encrypt(plaintext, ad)
    assert siv.decrypt(out, ad) == plaintext


@given(data=st.data())
def test_sm4_siv_any_bit_flip_fails(data: st.DataObject) -> None:
    """Flipping any single bit of an SM4-SIV ciphertext makes decryption fail."""
    siv = Sm4Siv(bytes(range(32)))
    out = bytearray(siv.encrypt(b"110101199003071234", [b"ctx"]))
    bit = data.draw(st.integers(0, len(out) * 8 - 1))
    out[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(DecryptionError):
        siv.decrypt(bytes(out), [b"ctx"])


def test_siv_wrong_associated_data_fails() -> None:
    """A ciphertext under other associated data does not authenticate (AES and SM4)."""
    for siv in (AesSiv(bytes(64)), Sm4Siv(bytes(32))):
        out = siv.encrypt(b"value", [b"table.a"])
        with pytest.raises(DecryptionError):
            siv.decrypt(out, [b"table.b"])
        with pytest.raises(DecryptionError):
            siv.decrypt(out[:10], [b"table.a"])


def test_aes_siv_empty_plaintext_round_trips() -> None:
    """AES-SIV accepts an empty plaintext (RFC 5297 allows it; pyca alone refuses)."""
    siv = AesSiv(bytes(range(64)))
    out = siv.encrypt(b"", [b"ad"])
    assert len(out) == 16
    assert siv.decrypt(out, [b"ad"]) == b""


def test_sm4_differs_from_aes_and_keys_are_checked() -> None:
    """SM4-SIV is a different permutation from AES-SIV, and bad key sizes are refused."""
    key = bytes(range(32))
    assert Sm4Siv(key).encrypt(b"x", []) != AesSiv(key).encrypt(b"x", [])
    with pytest.raises(InvalidArgument):
        Sm4Siv(bytes(16))
    with pytest.raises(InvalidArgument):
        AesSiv(bytes(16))


def test_siv_objects_hide_keys() -> None:
    """SIV objects neither show key bytes in repr nor pickle."""
    import pickle

    siv = Sm4Siv(b"\xaa" * 32)
    assert "aa" not in repr(siv).lower().replace("key_size", "")
    with pytest.raises(TypeError):
        pickle.dumps(siv)


@given(
    size=st.integers(0, 40),
    n=st.integers(1, 5),
    ad=st.lists(st.binary(max_size=30), max_size=2),
    data=st.data(),
)
@settings(max_examples=50)
def test_row_batches_equal_one_value_siv(
    size: int, n: int, ad: list[bytes], data: st.DataObject
) -> None:
    """encrypt_rows/decrypt_rows give exactly the one-value SIV output, for AES and SM4."""
    import numpy as np

    rows = np.frombuffer(
        data.draw(st.binary(min_size=n * size, max_size=n * size)), dtype=np.uint8
    ).reshape(n, size)
    for siv in (GenericSiv(algorithms.AES, bytes(range(64))), Sm4Siv(bytes(range(32)))):
        sealed = siv.encrypt_rows(rows, ad)
        assert [sealed[i].tobytes() for i in range(n)] == [
            siv.encrypt(rows[i].tobytes(), ad) for i in range(n)
        ]
        plain, ok = siv.decrypt_rows(sealed, ad)
        assert ok.all()
        assert (plain == rows).all()
        tampered = sealed.copy()
        tampered[0, data.draw(st.integers(0, sealed.shape[1] - 1))] ^= 1
        _, ok = siv.decrypt_rows(tampered, ad)
        assert ok.tolist() == [False] + [True] * (n - 1)
