"""Key derivation (HKDF, Argon2id, scrypt) and MACs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.errors import InvalidArgument
from medguard.hazmat.kdf import argon2id, encode_info, hkdf, scrypt
from medguard.hazmat.mac import hmac_digest, verify

HKDF = json.loads((Path(__file__).parents[1] / "vectors" / "hkdf_rfc5869.json").read_text())[
    "vectors"
]


@pytest.mark.parametrize("vector", HKDF, ids=lambda v: v["name"])
def test_hkdf_rfc5869(vector: dict) -> None:  # type: ignore[type-arg]
    """hkdf reproduces the RFC 5869 test case."""
    okm = hkdf(
        bytes.fromhex(vector["ikm"]),
        info=bytes.fromhex(vector["info"]),
        salt=bytes.fromhex(vector["salt"]),
        length=vector["length"],
        hash=vector["hash"],
    )
    assert okm.hex() == vector["okm"]


def test_hkdf_sm3_differs_from_sha256() -> None:
    """HKDF-SM3 and HKDF-SHA-256 give different keys from the same input."""
    a = hkdf(bytes(32), info=b"x", hash="sha256")
    b = hkdf(bytes(32), info=b"x", hash="sm3")
    assert a != b
    assert len(b) == 32


@given(st.lists(st.text(max_size=5), max_size=4), st.lists(st.text(max_size=5), max_size=4))
def test_encode_info_is_injective(a: list[str], b: list[str]) -> None:
    """Different part lists never encode to the same info string."""
    if a != b:
        assert encode_info(*a) != encode_info(*b)


def test_passphrase_kdfs() -> None:
    """Argon2id and scrypt are deterministic per salt, differ across salts, refuse short salts."""
    salt = bytes(16)
    a = argon2id(b"passphrase", salt, time_cost=1, memory_cost=1024)
    assert a == argon2id(b"passphrase", salt, time_cost=1, memory_cost=1024)
    assert a != argon2id(b"passphrase", bytes([1]) * 16, time_cost=1, memory_cost=1024)
    s = scrypt(b"passphrase", salt, n=2**10)
    assert len(s) == 32
    assert s != a
    with pytest.raises(InvalidArgument):
        argon2id(b"p", b"short")
    with pytest.raises(InvalidArgument):
        scrypt(b"p", b"short")


@pytest.mark.parametrize("hash_name", ["sha256", "sm3"])
def test_hmac_verify(hash_name: str) -> None:
    """verify accepts the right tag and rejects a changed tag or message."""
    key = bytes(range(32))
    tag = hmac_digest(key, b"data", hash=hash_name)  # type: ignore[arg-type]
    assert verify(key, b"data", tag, hash=hash_name)  # type: ignore[arg-type]
    assert not verify(key, b"datA", tag, hash=hash_name)  # type: ignore[arg-type]
    assert not verify(key, b"data", bytes(len(tag)), hash=hash_name)  # type: ignore[arg-type]


def test_bad_arguments() -> None:
    """Short HMAC keys, unknown hashes and silly HKDF lengths raise InvalidArgument."""
    with pytest.raises(InvalidArgument):
        hmac_digest(b"short", b"x")
    with pytest.raises(InvalidArgument):
        hmac_digest(bytes(32), b"x", hash="md5")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        hkdf(bytes(32), info=b"", length=0)
