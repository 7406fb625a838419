"""The AEAD and SIV primitives refuse arguments of the wrong type with InvalidArgument (issue 13:
every bad input gets a MedguardError, even in hazmat)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import algorithms

from medguard.errors import InvalidArgument
from medguard.hazmat.aead import AesGcm, Sm4Gcm, random_nonces
from medguard.hazmat.gcm_batch import BatchGcm
from medguard.hazmat.siv import AesSiv, Sm4Siv

NONCE = b"\x00" * 12
NONCES = np.zeros((2, 12), np.uint8)
ROWS = np.zeros((2, 3), np.uint8)
CASES: dict[str, Callable[[], Any]] = {
    "AesGcm.encrypt str nonce": lambda: AesGcm(b"k" * 32).encrypt("n" * 12, b"p", b""),  # type: ignore[arg-type]
    "AesGcm.encrypt str plaintext": lambda: AesGcm(b"k" * 32).encrypt(NONCE, "p", b""),  # type: ignore[arg-type]
    "AesGcm.decrypt None aad": lambda: AesGcm(b"k" * 32).decrypt(NONCE, b"x" * 20, None),  # type: ignore[arg-type]
    "Sm4Gcm.encrypt None nonce": lambda: Sm4Gcm(b"k" * 16).encrypt(None, b"", b""),  # type: ignore[arg-type]
    "Sm4Gcm.decrypt str body": lambda: Sm4Gcm(b"k" * 16).decrypt(NONCE, "x" * 20, b""),  # type: ignore[arg-type]
    "AesSiv.encrypt bytes aad": lambda: AesSiv(b"k" * 64).encrypt(b"x", b"ad"),  # type: ignore[arg-type]
    "AesSiv.encrypt str": lambda: AesSiv(b"k" * 64).encrypt("x", ()),  # type: ignore[arg-type]
    "Sm4Siv.encrypt str": lambda: Sm4Siv(b"k" * 32).encrypt("s", (b"",)),  # type: ignore[arg-type]
    "Sm4Siv.decrypt str aad part": lambda: Sm4Siv(b"k" * 32).decrypt(b"x" * 20, ("ad",)),  # type: ignore[arg-type]
    "Sm4Siv.encrypt_rows list": lambda: Sm4Siv(b"k" * 32).encrypt_rows([[1]], ()),  # type: ignore[arg-type]
    "Sm4Siv.decrypt_rows int8": lambda: Sm4Siv(b"k" * 32).decrypt_rows(
        np.zeros((1, 20), np.int8), ()
    ),
    "BatchGcm str key": lambda: BatchGcm(algorithms.SM4, "k" * 16),  # type: ignore[arg-type]
    "BatchGcm str cipher": lambda: BatchGcm("SM4", b"k" * 16),  # type: ignore[arg-type]
    "BatchGcm.seal str aad": lambda: BatchGcm(algorithms.SM4, b"k" * 16).seal(NONCES, ROWS, "ad"),  # type: ignore[arg-type]
    "BatchGcm.seal list rows": lambda: BatchGcm(algorithms.SM4, b"k" * 16).seal(NONCES, [[1]], b""),  # type: ignore[arg-type]
    "BatchGcm.open None aad": lambda: BatchGcm(algorithms.SM4, b"k" * 16).open(NONCES, ROWS, None),  # type: ignore[arg-type]
    "BatchGcm.seal int64 nonces": lambda: BatchGcm(algorithms.SM4, b"k" * 16).seal(
        NONCES.astype(np.int64), ROWS, b""
    ),
    "random_nonces negative": lambda: random_nonces(-1),
    "random_nonces str": lambda: random_nonces("2"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("case", CASES)
def test_wrong_argument_types_are_invalid_arguments(case: str) -> None:
    """A str, None or a bare bytes where a byte string or a sequence of them belongs raised a
    bare TypeError or ValueError."""
    with pytest.raises(InvalidArgument):
        CASES[case]()


def test_right_types_still_work() -> None:
    """bytes, bytearray and memoryview are all accepted."""
    gcm = AesGcm(b"k" * 32)
    body = gcm.encrypt(NONCE, bytearray(b"p"), memoryview(b"ad"))
    assert gcm.decrypt(NONCE, body, b"ad") == b"p"
    siv = Sm4Siv(b"k" * 32)
    assert siv.decrypt(siv.encrypt(b"x", [b"a", bytearray(b"b")]), (b"a", b"b")) == b"x"
    assert len(random_nonces(0)) == 0
