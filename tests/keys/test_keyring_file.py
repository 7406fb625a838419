"""File-backed keyrings: passphrase and environment providers, permissions, atomic saves."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from medguard.errors import (
    DecryptionError,
    InsecureKeyring,
    InvalidArgument,
    KeyDestroyed,
    KeyringError,
)
from medguard.keys import SECRET_ACCESS, EnvKeyProvider, Keyring, KeyStatus, PassphraseProvider
from medguard.ops.encryption import decrypt, encrypt


def _fast(passphrase: str = "correct horse battery") -> PassphraseProvider:
    return PassphraseProvider(passphrase, time_cost=1, memory_cost=1024)


def test_create_open_round_trip(tmp_path: Path) -> None:
    """A created keyring reopens with the same keys, statuses and derived subkeys."""
    path = tmp_path / "ring.json"
    ring = Keyring.create(path, _fast(), suite="sm")
    old = ring.primary.key_id
    ring.rotate()
    ring.subject_key("patient-9")
    token = encrypt("secret", ring, field="f")
    again = Keyring.open(path, _fast())
    assert again.list() == ring.list()
    assert again.get(old).status is KeyStatus.ACTIVE
    assert (
        again.derive("ff1", "x", access=SECRET_ACCESS).material
        == ring.derive("ff1", "x", access=SECRET_ACCESS).material
    )
    assert decrypt(token, again, field="f") == "secret"


def test_file_is_private_and_holds_no_plaintext_material(tmp_path: Path) -> None:
    """The file is mode 0600 and neither key material nor key IDs appear in it."""
    path = tmp_path / "ring.json"
    ring = Keyring.create(path, _fast())
    text = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ring.primary.key_id not in text
    document = json.loads(text)
    assert document["format"] == "medguard-keyring"
    assert document["envelope"]["kdf"] == "argon2id"
    assert not list(tmp_path.glob(".*.tmp"))


def test_wrong_passphrase_and_tampering_fail(tmp_path: Path) -> None:
    """A wrong passphrase or an edited file raises DecryptionError."""
    path = tmp_path / "ring.json"
    Keyring.create(path, _fast())
    with pytest.raises(DecryptionError):
        Keyring.open(path, _fast("wrong passphrase!"))
    document = json.loads(path.read_text())
    blob = bytearray(base64.b64decode(document["envelope"]["ciphertext"]))
    blob[0] ^= 1
    document["envelope"]["ciphertext"] = base64.b64encode(bytes(blob)).decode()
    path.write_text(json.dumps(document))
    with pytest.raises(DecryptionError):
        Keyring.open(path, _fast())


def test_world_readable_file_is_refused(tmp_path: Path) -> None:
    """A keyring readable by others raises InsecureKeyring unless allow_insecure is given."""
    path = tmp_path / "ring.json"
    Keyring.create(path, _fast())
    os.chmod(path, 0o644)
    with pytest.raises(InsecureKeyring, match="0644"):
        Keyring.open(path, _fast())
    assert len(Keyring.open(path, _fast(), allow_insecure=True)) == 1


def test_changes_are_saved_and_destroy_removes_material(tmp_path: Path) -> None:
    """Every change is persisted; a destroyed key reopens as a tombstone without material."""
    path = tmp_path / "ring.json"
    ring = Keyring.create(path, _fast())
    old = ring.primary.key_id
    ring.rotate()
    ring.destroy(old)
    again = Keyring.open(path, _fast())
    assert again.get(old).status is KeyStatus.DESTROYED
    with pytest.raises(KeyDestroyed):
        again.export_key(old, SECRET_ACCESS)


def test_env_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment provider opens with the right key and fails without it."""
    path = tmp_path / "ring.json"
    monkeypatch.setenv("MG_TEST_KEY", base64.b64encode(bytes(range(32))).decode())
    ring = Keyring.create(path, EnvKeyProvider("MG_TEST_KEY"))
    assert Keyring.open(path, EnvKeyProvider("MG_TEST_KEY")).list() == ring.list()
    monkeypatch.setenv("MG_TEST_KEY", base64.b64encode(bytes(32)).decode())
    with pytest.raises(DecryptionError):
        Keyring.open(path, EnvKeyProvider("MG_TEST_KEY"))
    monkeypatch.delenv("MG_TEST_KEY")
    with pytest.raises(KeyringError, match="MG_TEST_KEY"):
        Keyring.open(path, EnvKeyProvider("MG_TEST_KEY"))
    monkeypatch.setenv("MG_TEST_KEY", "c2hvcnQ=")
    with pytest.raises(KeyringError, match="32 bytes"):
        Keyring.open(path, EnvKeyProvider("MG_TEST_KEY"))


def test_provider_mismatch_and_bad_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening with another provider, a missing file or a non-keyring file fails clearly."""
    path = tmp_path / "ring.json"
    Keyring.create(path, _fast())
    monkeypatch.setenv("MEDGUARD_KEYRING_KEY", base64.b64encode(bytes(32)).decode())
    with pytest.raises(KeyringError, match="passphrase"):
        Keyring.open(path, EnvKeyProvider())
    with pytest.raises(KeyringError, match="does not exist"):
        Keyring.open(tmp_path / "missing.json", _fast())
    other = tmp_path / "other.json"
    other.write_text("{}")
    os.chmod(other, 0o600)
    with pytest.raises(KeyringError, match="not a medguard keyring"):
        Keyring.open(other, _fast())
    with pytest.raises(KeyringError, match="exists"):
        Keyring.create(path, _fast())


def test_scrypt_provider(tmp_path: Path) -> None:
    """The scrypt variant of the passphrase provider round-trips."""
    path = tmp_path / "ring.json"
    provider = PassphraseProvider("a long passphrase", kdf="scrypt", scrypt_n=2**10)
    ring = Keyring.create(path, provider)
    reopened = Keyring.open(path, PassphraseProvider("a long passphrase", kdf="scrypt"))
    assert reopened.list() == ring.list()


def test_short_passphrase_and_secrets_hidden() -> None:
    """Short passphrases are refused; providers show no secret in repr and do not pickle."""
    import pickle

    with pytest.raises(InvalidArgument):
        PassphraseProvider("short")
    provider = _fast("a very secret phrase")
    assert "secret" not in repr(provider)
    with pytest.raises(KeyringError):
        pickle.dumps(provider)
