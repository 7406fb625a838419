"""The keyring file format: known-answer subkeys, the old format's migration, and corrupted
files that must fail as KeyringError (or DecryptionError), never as a bare Python error."""

from __future__ import annotations

import base64
import contextlib
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medguard.errors import (
    DecryptionError,
    InvalidArgument,
    KeyDestroyed,
    KeyringError,
)
from medguard.hazmat.kdf import encode_info, hkdf
from medguard.keys import (
    SECRET_ACCESS,
    DerivedKey,
    EnvKeyProvider,
    Keyring,
    KeyStatus,
    PassphraseProvider,
)
from medguard.keys.providers import read_keyring_file, write_keyring_file
from medguard.ops.encryption import decrypt, encrypt

VECTORS = Path(__file__).parent.parent / "vectors" / "medguard_derive.json"
VARIABLE = "MG_FORMAT_TEST_KEY"


@pytest.fixture(autouse=True)
def _wrapping_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, base64.b64encode(bytes(range(32))).decode())


def _env() -> EnvKeyProvider:
    return EnvKeyProvider(VARIABLE)


# --------------------------------------------------------------------------- known answers


@pytest.mark.parametrize("suite", ["aes", "sm"])
def test_derive_known_answers(suite: str) -> None:
    """derive() reproduces the stored subkeys, which are also plain RFC 5869 HKDF outputs."""
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    entry = data["suites"][suite]
    master = bytes.fromhex(entry["master"])
    ring = Keyring()
    ring.import_key(master, suite, key_id=data["key_id"], primary=True)
    for vector in entry["vectors"]:
        purpose, context, length = vector["purpose"], vector["context"], vector["length"]
        got = ring.derive(purpose, context, length=length, access=SECRET_ACCESS).material
        assert got.hex() == vector["subkey"]
        info = encode_info("medguard", purpose, context, data["key_id"], suite)
        expected = hkdf(
            master,
            info=info,
            length=length,
            salt=b"medguard/keyring/v1",
            hash="sha256" if suite == "aes" else "sm3",
        )
        assert expected.hex() == vector["subkey"]


def test_derive_needs_the_secret_access_token() -> None:
    """derive() refuses to hand out material without SECRET_ACCESS."""
    ring = Keyring.generate()
    with pytest.raises(InvalidArgument, match="SECRET_ACCESS"):
        ring.derive("aead")
    with pytest.raises(InvalidArgument):
        ring.derive("aead", access=True)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        ring.derive("aead", length=0, access=SECRET_ACCESS)


def test_nothing_with_material_pickles() -> None:
    """Keyrings, derived keys and passphrase providers refuse pickling with a KeyringError."""
    ring = Keyring.generate()
    ring.subject_key("p1")
    for obj in (ring, ring.derive("aead", access=SECRET_ACCESS), PassphraseProvider("x" * 12)):
        with pytest.raises(KeyringError):
            pickle.dumps(obj)
    assert isinstance(ring.derive("aead", access=SECRET_ACCESS), DerivedKey)
    assert pickle.loads(pickle.dumps(SECRET_ACCESS)) is SECRET_ACCESS


# --------------------------------------------------------------------------- old format


def test_version_1_keyring_with_inline_subject_keys_is_migrated(tmp_path: Path) -> None:
    """A version-1 file holding subject keys inline: on open they move to the store (by token,
    no subject ID), the file keeps none, and old ciphertexts still decrypt."""
    path = tmp_path / "old.keyring"
    subject_material = bytes(range(100, 132))
    old_ring = Keyring()  # what the old code derived from the same material and key ID
    old_ring.import_key(subject_material, "aes", key_id="s1a2b3c4d", primary=True)
    old_value = encrypt("diagnosis", old_ring, field="dx")
    material = base64.b64encode(bytes(range(32))).decode()
    keys = [
        {"id": "k0000aaaa", "suite": "aes", "status": "primary", "created": "2025-01-01T00:00:00Z",
         "subject": None, "destroyed": None, "version": 1, "material": material},
        {"id": "s1a2b3c4d", "suite": "aes", "status": "active", "created": "2025-01-02T00:00:00Z",
         "subject": "patient-7", "destroyed": None, "version": 0,
         "material": base64.b64encode(subject_material).decode()},
        {"id": "s9e8d7c6b", "suite": "aes", "status": "destroyed",
         "created": "2025-01-02T00:00:00Z", "subject": "patient-8",
         "destroyed": "2025-02-01T00:00:00Z", "version": 0, "material": None},
    ]  # fmt: skip
    payload = json.dumps({"version": 1, "keys": keys}).encode()
    write_keyring_file(path, _env(), payload)
    ring = Keyring.open(path, _env())
    assert [k.key_id for k in ring.list()] == ["k0000aaaa"]
    assert decrypt(old_value, ring, field="dx") == "diagnosis"
    assert ring.find_subject_key("patient-7").key_id == "s1a2b3c4d"  # type: ignore[union-attr]
    assert ring.find_subject_key("patient-8").status is KeyStatus.DESTROYED  # type: ignore[union-attr]
    new = encrypt("more", ring, field="dx", subject="patient-7")
    assert decrypt(new, ring, field="dx") == "more"
    with pytest.raises(KeyDestroyed):
        encrypt("x", ring, field="dx", subject="patient-8")
    stored = read_keyring_file(path, _env())
    assert b"patient-7" not in stored
    assert b"patient-8" not in stored
    assert b"patient" not in (tmp_path / "old.keyring.subjects.db").read_bytes()
    again = Keyring.open(path, _env())  # a second open finds nothing left to migrate
    assert decrypt(old_value, again, field="dx") == "diagnosis"


# --------------------------------------------------------------------------- corrupted files


def _valid_file(tmp_path: Path) -> Path:
    path = tmp_path / "r.keyring"
    if not path.exists():
        Keyring.create(path, _env()).rotate()
    return path


def _fails_cleanly(path: Path, provider: Any = None) -> None:
    with contextlib.suppress(KeyringError, DecryptionError):
        Keyring.open(path, provider or _env(), allow_insecure=True)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=0, max_value=2000), junk=st.binary(max_size=40))
def test_truncated_or_spliced_files_fail_cleanly(tmp_path: Path, cut: int, junk: bytes) -> None:
    """A keyring file cut anywhere, or with bytes spliced in, is a KeyringError/DecryptionError."""
    good = _valid_file(tmp_path).read_bytes()
    bad = tmp_path / "bad.keyring"
    bad.write_bytes(good[:cut] + junk + good[cut + len(junk) :])
    _fails_cleanly(bad)


DOCUMENTS: list[Any] = [
    "[" * 100_000,
    '{"format": "medguard-keyring", "version": 1e999, "provider": "env", "envelope": {}}',
    '{"format": "medguard-keyring", "version": ' + "9" * 5000 + "}",
    '{"format": "medguard-keyring", "version": true, "provider": "env", "envelope": {}}',
    '{"format": "medguard-keyring", "version": 1, "provider": ["env"], "envelope": {}}',
    '{"format": "medguard-keyring", "version": 1, "provider": "env", "envelope": []}',
    '{"format": "medguard-keyring", "version": 1, "provider": "env", "envelope": '
    '{"nonce": 5, "ciphertext": "AAAA"}}',
    '{"format": "medguard-keyring", "version": 1, "provider": "env", "envelope": '
    '{"nonce": "!!!", "ciphertext": "AAAA"}}',
    '{"format": "medguard-keyring", "version": 1, "provider": "env", "envelope": '
    '{"nonce": "AAAA", "ciphertext": "AAAA"}}',
    "null",
    "[]",
    "\xff\xfe garbage",
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_malformed_documents_fail_cleanly(tmp_path: Path, document: str) -> None:
    """Deep nesting, huge numbers, wrong types and bad base64 in the file: KeyringError."""
    path = tmp_path / "bad.keyring"
    path.write_text(document, encoding="utf-8", errors="surrogateescape")
    with pytest.raises((KeyringError, DecryptionError)):
        Keyring.open(path, _env(), allow_insecure=True)


PAYLOADS: list[bytes] = [
    b"[" * 100_000,
    b"not json",
    b"null",
    b'{"version": 1e999, "keys": []}',
    b'{"version": ' + b"9" * 5000 + b', "keys": []}',
    b'{"version": true, "keys": []}',
    b'{"version": 2, "keys": {}}',
    b'{"version": 2, "keys": [5]}',
    b'{"version": 2, "keys": [{"id": "k1", "suite": "aes", "status": "primary", '
    b'"created": "x", "material": "!!!"}]}',
    b'{"version": 2, "keys": [{"id": "k1", "suite": "aes", "status": "primary", '
    b'"created": "x", "material": 12}]}',
    b'{"version": 2, "keys": [{"id": "k1", "suite": "aes", "status": "primary", '
    b'"created": "x", "material": "AAAA"}]}',
    b'{"version": 2, "keys": [{"id": "k1", "suite": "des", "status": "primary", '
    b'"created": "x", "material": null}]}',
    b'{"version": 2, "keys": [{"id": "a.b", "suite": "aes", "status": "destroyed", '
    b'"created": "x", "material": null}]}',
    b'{"version": 2, "keys": [{"id": "k1", "suite": "aes", "status": "destroyed", '
    b'"created": [], "material": null}]}',
    b'{"version": 2, "keys": [{"id": "k1", "suite": "aes", "status": "destroyed", '
    b'"created": "x", "material": null, "version": 1e300}]}',
    b'{"version": 2, "keys": [], "store": {"key": "AAAA", "suite": "aes"}}',
    b'{"version": 2, "keys": [], "store": []}',
    b'{"version": 2, "keys": [], "subjects": [{"id": "s1", "subject": 5}]}',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_malformed_payloads_fail_cleanly(tmp_path: Path, payload: bytes) -> None:
    """A correctly sealed but malformed payload is a KeyringError, whatever is wrong in it."""
    path = tmp_path / "bad.keyring"
    write_keyring_file(path, _env(), payload)
    with pytest.raises(KeyringError):
        Keyring.open(path, _env())


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(["version", "keys", "id", "suite", "status", "material", "store"]),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_any_sealed_json_payload_fails_cleanly(tmp_path: Path, document: Any) -> None:
    """Arbitrary JSON in a sealed payload never raises anything but a KeyringError."""
    path = tmp_path / "fuzz.keyring"
    write_keyring_file(path, _env(), json.dumps(document).encode())
    with contextlib.suppress(KeyringError):
        Keyring.open(path, _env())


@pytest.mark.parametrize(
    "params",
    [
        {"time_cost": 10**12, "memory_cost": 1024, "parallelism": 1},
        {"time_cost": 1, "memory_cost": -5, "parallelism": 1},
        {"time_cost": 1.5, "memory_cost": 1024, "parallelism": 1},
        {"time_cost": 1, "memory_cost": 10**30, "parallelism": 1},
        {"time_cost": 1, "memory_cost": 8, "parallelism": 64},
        {"time_cost": "1", "memory_cost": 1024, "parallelism": 1},
        {},
        [],
    ],
)
def test_bad_passphrase_parameters_fail_fast(tmp_path: Path, params: Any) -> None:
    """Out-of-range or ill-typed KDF costs in the file are a KeyringError, not a hang or a
    HashingError/OverflowError."""
    provider = PassphraseProvider("a long passphrase", time_cost=1, memory_cost=1024)
    path = tmp_path / "p.keyring"
    Keyring.create(path, provider)
    document = json.loads(path.read_text())
    document["envelope"]["params"] = params
    path.write_text(json.dumps(document))
    with pytest.raises(KeyringError):
        Keyring.open(path, PassphraseProvider("a long passphrase"))


@pytest.mark.parametrize("bad", [None, 5, ["x" * 10], "short"])
def test_bad_passphrases_are_invalid_arguments(bad: Any) -> None:
    """PassphraseProvider(None) and friends raise InvalidArgument, not TypeError."""
    with pytest.raises(InvalidArgument):
        PassphraseProvider(bad)


def test_create_into_a_missing_directory_is_a_keyring_error(tmp_path: Path) -> None:
    """Keyring.create into a directory that does not exist says so (no traceback)."""
    with pytest.raises(KeyringError, match="does not exist"):
        Keyring.create(tmp_path / "missing" / "r.keyring", _env())
