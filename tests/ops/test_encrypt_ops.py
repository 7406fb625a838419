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


def test_hazmat_docstrings_name_functions_that_exist() -> None:
    """Every ``medguard.…`` function a hazmat encryption docstring points to can be imported
    (aead.py named ``medguard.ops.encrypt``, which does not exist)."""
    import importlib
    import re

    import medguard.hazmat.aead
    import medguard.hazmat.gcm_batch
    import medguard.hazmat.siv

    names = set()
    for module in (medguard.hazmat.aead, medguard.hazmat.siv, medguard.hazmat.gcm_batch):
        names |= set(re.findall(r":func:`(medguard\.[\w.]+)`", module.__doc__ or ""))
    assert names
    for name in names:
        path, _, attr = name.rpartition(".")
        assert hasattr(importlib.import_module(path), attr), name
