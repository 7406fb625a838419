"""The in-memory Keyring: IDs, statuses, rotation, derivation, subject keys, secrecy."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.errors import InvalidArgument, KeyNotFound, KeyringError, KeyStateError
from medguard.keys import SECRET_ACCESS, DerivedKey, Keyring, KeyStatus, Suite


def test_generate_makes_one_primary_key() -> None:
    """Keyring.generate holds exactly one primary key of the asked suite."""
    ring = Keyring.generate("sm")
    (info,) = ring.list()
    assert info.status is KeyStatus.PRIMARY
    assert info.suite is Suite.SM
    assert ring.primary == info
    assert info.key_id in ring


def test_derive_is_stable_and_purpose_separated() -> None:
    """derive gives the same bytes for the same inputs and different bytes otherwise."""
    ring = Keyring.generate()
    a = ring.derive("aead", "patients.resident_id", access=SECRET_ACCESS)
    assert a.material == ring.derive("aead", "patients.resident_id", access=SECRET_ACCESS).material
    assert a.material != ring.derive("mac", "patients.resident_id", access=SECRET_ACCESS).material
    assert a.material != ring.derive("aead", "patients.mobile", access=SECRET_ACCESS).material
    assert a.material != ring.derive("aeadp", "atients.resident_id", access=SECRET_ACCESS).material
    assert len(ring.derive("ff1", length=16, access=SECRET_ACCESS).material) == 16
    assert isinstance(a, DerivedKey)
    assert a.key_id == ring.primary.key_id
    assert a.suite is Suite.AES


def test_derive_differs_between_keys_and_suites() -> None:
    """Two keys (or two keyrings) never derive the same subkey."""
    ring = Keyring.generate()
    old = ring.primary.key_id
    ring.rotate()
    assert (
        ring.derive("aead", access=SECRET_ACCESS).material
        != ring.derive("aead", key_id=old, access=SECRET_ACCESS).material
    )
    assert (
        Keyring.generate().derive("aead", access=SECRET_ACCESS).material
        != Keyring.generate().derive("aead", access=SECRET_ACCESS).material
    )


def test_material_never_in_repr_and_no_pickling() -> None:
    """Neither the keyring nor a derived key shows material in repr or pickles."""
    ring = Keyring.generate()
    sub = ring.derive("aead", access=SECRET_ACCESS)
    for text in (repr(ring), repr(sub), str(ring.list())):
        assert sub.material.hex() not in text
        assert "material=" not in text
    for obj in (ring, sub):
        with pytest.raises(KeyringError):
            pickle.dumps(obj)


def test_rotation_keeps_old_key_for_decryption_only() -> None:
    """After rotate the old primary is active: derivable, but not an encryption key."""
    ring = Keyring.generate()
    old = ring.primary.key_id
    new = ring.rotate()
    assert ring.primary == new
    assert ring.get(old).status is KeyStatus.ACTIVE
    ring.derive("aead", key_id=old, access=SECRET_ACCESS)
    with pytest.raises(KeyStateError):
        ring.encryption_key(old)
    assert ring.encryption_key() == new


def test_disable_enable_destroy() -> None:
    """Disabled keys refuse use until enabled; destroyed keys are tombstones forever."""
    ring = Keyring.generate()
    old = ring.primary.key_id
    ring.rotate()
    ring.disable(old)
    with pytest.raises(KeyStateError):
        ring.derive("aead", key_id=old, access=SECRET_ACCESS)
    ring.enable(old)
    ring.derive("aead", key_id=old, access=SECRET_ACCESS)
    info = ring.destroy(old)
    assert info.status is KeyStatus.DESTROYED
    assert info.destroyed is not None
    with pytest.raises(KeyStateError):
        ring.derive("aead", key_id=old, access=SECRET_ACCESS)
    with pytest.raises(KeyStateError):
        ring.enable(old)
    with pytest.raises(KeyStateError):
        ring.set_primary(old)


def test_primary_cannot_be_disabled_or_destroyed() -> None:
    """The primary key must be rotated away before it is disabled or destroyed."""
    ring = Keyring.generate()
    with pytest.raises(KeyStateError):
        ring.disable(ring.primary.key_id)
    with pytest.raises(KeyStateError):
        ring.destroy(ring.primary.key_id)


def test_unknown_key_and_bad_ids() -> None:
    """Unknown IDs raise KeyNotFound naming the ID; malformed or duplicate IDs are refused."""
    ring = Keyring.generate(key_id="main-2026")
    with pytest.raises(KeyNotFound, match="nope"):
        ring.derive("aead", key_id="nope", access=SECRET_ACCESS)
    with pytest.raises(InvalidArgument):
        ring.add_key(key_id="has.dot")
    with pytest.raises(KeyringError):
        ring.add_key(key_id="main-2026")
    with pytest.raises(InvalidArgument):
        ring.derive("", access=SECRET_ACCESS)


def test_empty_keyring_has_no_primary() -> None:
    """An empty keyring raises KeyStateError when asked for its primary."""
    ring = Keyring()
    with pytest.raises(KeyStateError):
        ring.derive("aead", access=SECRET_ACCESS)
    ring.add_key("sm", primary=True)
    assert ring.primary.suite is Suite.SM


def test_subject_keys_are_separate_and_shreddable() -> None:
    """Each subject gets its own key; destroying one leaves the others usable."""
    ring = Keyring.generate()
    a = ring.subject_key("patient-1")
    b = ring.subject_key("patient-2")
    assert a.key_id != b.key_id
    assert ring.subject_key("patient-1") == a
    assert ring.encryption_key(subject="patient-1") == a
    ring.destroy_subject("patient-1")
    with pytest.raises(KeyStateError):
        ring.derive("aead", key_id=a.key_id, access=SECRET_ACCESS)
    ring.derive("aead", key_id=b.key_id, access=SECRET_ACCESS)
    with pytest.raises(KeyStateError):
        ring.set_primary(b.key_id)
    with pytest.raises(KeyNotFound):
        ring.subject_key("patient-3", create=False)
    assert len(ring.list(include_subject_keys=False)) == 1


@given(st.sampled_from(["aes", "AES", "sm", "sm4", "SM"]))
def test_suite_parse(name: str) -> None:
    """Suite names parse case-insensitively; sm4 means the SM suite."""
    assert Suite.parse(name) in (Suite.AES, Suite.SM)


def test_suite_parse_rejects_unknown() -> None:
    """An unknown suite name raises InvalidArgument."""
    with pytest.raises(InvalidArgument):
        Suite.parse("des")


def test_import_and_export_need_explicit_access() -> None:
    """Imported material round-trips through export_key, which demands SECRET_ACCESS."""
    from medguard.keys import SECRET_ACCESS

    ring = Keyring()
    info = ring.import_key(bytes(range(32)), "sm", key_id="legacy", primary=True)
    assert info.status is KeyStatus.PRIMARY
    assert ring.export_key("legacy", SECRET_ACCESS) == bytes(range(32))
    with pytest.raises(InvalidArgument):
        ring.export_key("legacy", True)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        ring.import_key(b"short", "aes")
    ring.rotate()
    ring.destroy("legacy")
    with pytest.raises(KeyStateError):
        ring.export_key("legacy", SECRET_ACCESS)


def test_fixed_keyring_is_reproducible() -> None:
    """medguard.testing's fixed_keyring gives the same subkeys for the same seed only."""
    from medguard.testing.keyrings import fixed_keyring

    a, b = fixed_keyring(keys=2), fixed_keyring(keys=2)
    assert a.primary.key_id == "test2"
    assert (
        a.derive("aead", key_id="test1", access=SECRET_ACCESS).material
        == b.derive("aead", key_id="test1", access=SECRET_ACCESS).material
    )
    assert (
        fixed_keyring(seed="other").derive("aead", access=SECRET_ACCESS).material
        != a.derive("aead", access=SECRET_ACCESS).material
    )


def test_versions_count_keyring_keys_in_order() -> None:
    """Keyring keys are numbered 1, 2, 3 in creation order; subject keys have version 0."""
    ring = Keyring.generate()
    ring.rotate()
    ring.subject_key("p1")
    third = ring.rotate()
    assert [k.version for k in ring.list()] == [1, 2, 3]
    assert [k.version for k in ring.list(include_subject_keys=True)] == [1, 2, 3, 0]
    assert third.version == 3


def test_recording_audit_sink_and_fixed_keyring_audit() -> None:
    """medguard.testing's RecordingAuditSink satisfies AuditSink and records key operations."""
    from medguard.testing.keyrings import RecordingAuditSink, fixed_keyring
    from medguard.typing import AuditSink

    sink = RecordingAuditSink()
    assert isinstance(sink, AuditSink)
    ring = fixed_keyring(keys=2, audit=sink)
    ring.disable("test1")
    ring.subject_keys(["a", "b"])
    assert sink.actions() == ["key.disable", "key.subjects_created"]
    assert sink.records[1][1]["count"] == 2
