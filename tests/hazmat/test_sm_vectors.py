"""GB/T published vectors for SM4 and SM3 through the primitives medguard builds on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from medguard.hazmat.aead import Sm4Gcm
from medguard.hazmat.gcm_batch import BatchGcm
from medguard.hazmat.mac import digest, hmac_digest

VECTORS = Path(__file__).parents[1] / "vectors"
SM4 = json.loads((VECTORS / "sm4_gbt32907.json").read_text())["vectors"]
SM3 = json.loads((VECTORS / "sm3_gbt32905.json").read_text())["vectors"]
SM4_GCM = json.loads((VECTORS / "sm4_gcm_rfc8998.json").read_text())["vectors"]


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
    """medguard's SM3 (behind SM3-HMAC and HKDF-SM3) reproduces GB/T 32905 Appendix A."""
    assert digest(vector["message"].encode("ascii"), hash="sm3").hex() == vector["digest"]


@pytest.mark.parametrize("vector", SM4_GCM, ids=lambda v: v["name"])
def test_sm4_gcm_rfc8998(vector: dict) -> None:  # type: ignore[type-arg]
    """Sm4Gcm and the vectorized BatchGcm reproduce the RFC 8998 SM4-GCM vector and open it."""
    import numpy as np

    key, iv = bytes.fromhex(vector["key"]), bytes.fromhex(vector["iv"])
    plaintext, aad = bytes.fromhex(vector["plaintext"]), bytes.fromhex(vector["aad"])
    expected = bytes.fromhex(vector["ciphertext"] + vector["tag"])
    assert Sm4Gcm(key).encrypt(iv, plaintext, aad) == expected
    assert Sm4Gcm(key).decrypt(iv, expected, aad) == plaintext
    nonces = np.frombuffer(iv * 3, dtype=np.uint8).reshape(3, 12)
    rows = np.frombuffer(plaintext * 3, dtype=np.uint8).reshape(3, -1)
    sealed = BatchGcm(algorithms.SM4, key).seal(nonces, rows, aad)
    assert all(sealed[i].tobytes() == expected for i in range(3))


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
