"""GB/T published vectors for SM4 and SM3 through the primitives medguard builds on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from medguard.hazmat.mac import hmac_digest

VECTORS = Path(__file__).parents[1] / "vectors"
SM4 = json.loads((VECTORS / "sm4_gbt32907.json").read_text())["vectors"]
SM3 = json.loads((VECTORS / "sm3_gbt32905.json").read_text())["vectors"]


def _sm4_iterated(vector: dict) -> str:  # type: ignore[type-arg]
    enc = Cipher(algorithms.SM4(bytes.fromhex(vector["key"])), modes.ECB()).encryptor()
    block = bytes.fromhex(vector["plaintext"])
    for _ in range(vector["iterations"]):
        block = enc.update(block)
    return block.hex()


@pytest.mark.parametrize(
    "vector",
    [pytest.param(v, marks=[pytest.mark.slow] if v["iterations"] > 1 else []) for v in SM4],
    ids=lambda v: v["name"],
)
def test_sm4_block_vectors(vector: dict) -> None:  # type: ignore[type-arg]
    """The SM4 block cipher medguard's SM suite uses reproduces GB/T 32907 Appendix A."""
    assert _sm4_iterated(vector) == vector["ciphertext"]


@pytest.mark.parametrize("vector", SM3, ids=lambda v: v["name"])
def test_sm3_vectors(vector: dict) -> None:  # type: ignore[type-arg]
    """The SM3 hash behind SM3-HMAC and HKDF-SM3 reproduces GB/T 32905 Appendix A."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(vector["message"].encode("ascii"))
    assert digest.finalize().hex() == vector["digest"]


def test_sm3_hmac_is_rfc2104_over_sm3() -> None:
    """hmac_digest(hash='sm3') equals HMAC built by hand from SM3 (RFC 2104 construction)."""
    key, data = bytes(range(32)), b"abc"

    def sm3(data: bytes) -> bytes:
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        return h.finalize()

    padded = key + bytes(64 - len(key))
    inner = sm3(bytes(b ^ 0x36 for b in padded) + data)
    expected = sm3(bytes(b ^ 0x5C for b in padded) + inner)
    assert hmac_digest(key, data, hash="sm3") == expected
