"""The operation values Encrypt and EncryptDeterministically: apply, reverse, config."""

from __future__ import annotations

import pytest

from medguard.errors import InvalidArgument, PolicyError
from medguard.keys import Keyring
from medguard.ops.encryption import Encrypt, EncryptDeterministically, inspect_ciphertext


def test_encrypt_op_round_trip_and_config() -> None:
    """Encrypt applies, reverses, and survives a to_config/from_config round trip."""
    ring = Keyring.generate("sm")
    op = Encrypt("patients", "mobile", output="bytes")
    tokens = op.apply(["13800138000", None], ring, record_ids=["P1", "P2"])
    assert isinstance(tokens[0], bytes)
    assert op.reverse(tokens, ring, record_ids=["P1", "P2"]) == ["13800138000", None]
    assert Encrypt.from_config(op.to_config()) == op
    assert op.to_config() == {
        "op": "encrypt",
        "table": "patients",
        "field": "mobile",
        "output": "bytes",
    }


def test_deterministic_op_says_what_it_leaks() -> None:
    """EncryptDeterministically is deterministic, names its leak, and refuses record IDs."""
    ring = Keyring.generate()
    op = EncryptDeterministically("person", "resident_id")
    a, b = op.apply(["x", "x"], ring)
    assert a == b
    assert inspect_ciphertext(a).deterministic
    assert "equal" in op.leaks
    assert "equal" not in Encrypt.leaks
    with pytest.raises(InvalidArgument):
        op.apply(["x"], ring, record_ids=["r1"])
    assert EncryptDeterministically.from_config(op.to_config()) == op


def test_bad_config_is_a_policy_error() -> None:
    """Unknown options, a wrong op name or bad values raise PolicyError naming the problem."""
    with pytest.raises(PolicyError, match="colour"):
        Encrypt.from_config({"op": "encrypt", "colour": "red"})
    with pytest.raises(PolicyError, match="expected op"):
        Encrypt.from_config({"op": "encrypt_deterministically"})
    with pytest.raises(PolicyError):
        Encrypt.from_config({"op": "encrypt", "output": "hex"})
    with pytest.raises(PolicyError):
        Encrypt.from_config({"op": "encrypt", "key_id": "has.dot"})
