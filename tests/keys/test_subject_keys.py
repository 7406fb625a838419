"""Per-subject keys in the subject-key store: creation, tokens, destruction, grace, rotation."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from medguard.errors import InvalidArgument, KeyDestroyed, KeyNotFound, KeyringError, KeyStateError
from medguard.keys import SECRET_ACCESS, EnvKeyProvider, KeyInfo, Keyring, KeyStatus
from medguard.ops.encryption import (
    decrypt,
    encrypt,
    encrypt_deterministically,
    inspect_ciphertext,
    rewrap,
    try_decrypt,
)
from medguard.ops.lookup import tokens_for

DAY = dt.timedelta(days=1)


def test_destroy_subject_shreds_exactly_that_subjects_values(ring: Keyring) -> None:
    """After destroy_subject, that subject's values fail with KeyDestroyed; all others decrypt."""
    patients = ["p1", "p2", "p1", "p3", "p2"] * 10
    values = [f"v{i}" for i in range(len(patients))]
    column = encrypt(values, ring, table="t", field="dx", subject=patients)
    assert decrypt(column, ring, table="t", field="dx") == values
    info = ring.destroy_subject("p2")
    assert info.status is KeyStatus.DESTROYED
    assert info.subject_token == ring.subject_token("p2")
    report = try_decrypt(column, ring, table="t", field="dx")
    for row, (patient, value) in enumerate(zip(patients, values, strict=True)):
        assert report.values[row] == (None if patient == "p2" else value)
    assert {f.row for f in report.failures} == {r for r, p in enumerate(patients) if p == "p2"}
    assert all(isinstance(f.error, KeyDestroyed) for f in report.failures)
    with pytest.raises(KeyDestroyed):
        decrypt(column[1], ring, table="t", field="dx")
    with pytest.raises(KeyDestroyed):  # a destroyed subject never gets a new key
        encrypt("new", ring, field="dx", subject="p2")
    assert ring.destroy_subject("p2").status is KeyStatus.DESTROYED  # idempotent


def test_subject_keys_batch_and_lookup(ring: Keyring) -> None:
    """subject_keys creates in one call, returns the same key for a repeated subject, and
    find_subject_key never creates one."""
    assert ring.find_subject_key("nobody") is None
    with pytest.raises(KeyNotFound):
        ring.subject_key("nobody", create=False)
    infos = ring.subject_keys(["a", "b", "a"])
    assert infos[0] == infos[2] != infos[1]
    assert infos[0].subject == "a"
    assert infos[0].subject_token == ring.subject_token("a")
    assert ring.find_subject_key("a") == infos[0]
    assert ring.subject_keys(["a", "zz"], create=False) == [infos[0], None]
    assert ring.get(infos[0].key_id).subject is None  # looked up by ID: no subject ID known
    assert ring.get(infos[0].key_id).subject_token == infos[0].subject_token
    assert infos[0].key_id in ring
    assert "k-not-there" not in ring
    assert ring.encryption_key(subject="a") == infos[0]


def test_subject_token_is_keyed_and_survives_rotation(ring: Keyring) -> None:
    """The token is a keyed hash: stable under rotation, different in another keyring."""
    token = ring.subject_token("110101199003071234")
    ring.rotate()
    assert ring.subject_token("110101199003071234") == token
    assert Keyring.generate().subject_token("110101199003071234") != token
    assert "110101199003071234" not in token
    with pytest.raises(InvalidArgument):
        ring.subject_token("")
    with pytest.raises(InvalidArgument):
        ring.subject_token("\ud800")


def test_grace_period_pending_cancel_and_due(ring: Keyring) -> None:
    """A pending key neither encrypts nor decrypts; cancel restores it; destroy_due ends it."""
    column = encrypt(["x", "y"], ring, field="f", subject=["p1", "p2"])
    info = ring.destroy_subject("p1", grace=30 * DAY)
    assert info.status is KeyStatus.PENDING_DESTRUCTION
    assert info.destroy_after is not None
    with pytest.raises(KeyStateError, match="pending"):
        decrypt(column[0], ring, field="f")
    with pytest.raises(KeyStateError, match="pending"):
        encrypt("z", ring, field="f", subject="p1")
    restored = ring.cancel_destruction("p1")
    assert restored.status is KeyStatus.ACTIVE
    assert decrypt(column, ring, field="f") == ["x", "y"]
    ring.destroy_subject("p1", grace=30 * DAY)
    assert ring.destroy_due() == []  # not yet
    later = dt.datetime.now(dt.UTC) + 31 * DAY
    done = ring.destroy_due(later)
    assert [d.key_id for d in done] == [info.key_id]
    assert done[0].status is KeyStatus.DESTROYED
    with pytest.raises(KeyDestroyed):
        decrypt(column[0], ring, field="f")
    with pytest.raises(KeyDestroyed):
        ring.cancel_destruction("p1")
    assert decrypt(column[1], ring, field="f") == "y"


def test_keyring_key_grace_and_cancel_by_id(ring: Keyring) -> None:
    """destroy(key_id, grace=...) works for keyring keys and subject keys by ID."""
    old = ring.primary.key_id
    token = encrypt("old", ring, field="f")
    ring.rotate()
    pending = ring.destroy(old, grace=DAY)
    assert pending.status is KeyStatus.PENDING_DESTRUCTION
    with pytest.raises(KeyStateError, match="pending"):
        decrypt(token, ring, field="f")
    assert ring.cancel_destruction(old).status is KeyStatus.ACTIVE
    assert decrypt(token, ring, field="f") == "old"
    ring.destroy(old, grace=DAY)
    (done,) = ring.destroy_due(dt.datetime.now(dt.UTC) + 2 * DAY)
    assert done.key_id == old
    with pytest.raises(KeyDestroyed):
        decrypt(token, ring, field="f")
    subject_key = ring.subject_key("p9")
    assert ring.destroy(subject_key.key_id, grace=DAY).status is KeyStatus.PENDING_DESTRUCTION
    assert ring.cancel_destruction(subject_key.key_id).status is KeyStatus.ACTIVE
    with pytest.raises(KeyStateError):
        ring.cancel_destruction(subject_key.key_id)  # not pending
    with pytest.raises(InvalidArgument):
        ring.destroy(subject_key.key_id, grace=3)  # type: ignore[arg-type]
    with pytest.raises(KeyStateError):
        ring.destroy(ring.primary.key_id)


def test_rotate_subjects_and_rewrap(ring: Keyring) -> None:
    """Subject keys rotate (one, a list, all); rewrap moves values onto each subject's newest
    key and reports, never raises for, destroyed subjects."""
    patients = ["p1", "p2", "p3", "p4"]
    column = encrypt(["a", "b", "c", "d"], ring, field="f", subject=patients)
    before = [inspect_ciphertext(c).key_id for c in column]
    new = ring.rotate_subject("p1")
    assert new.generation == 2
    assert new.key_id != before[0]
    assert ring.encryption_key(subject="p1").key_id == new.key_id
    with pytest.raises(KeyStateError, match="older subject key"):
        encrypt("x", ring, field="f", key_id=before[0])
    assert ring.rotate_subjects(["p2", "p3"]) == 2
    ring.destroy_subject("p4")
    moved = rewrap(column, ring, field="f")
    assert (moved.rewrapped, moved.unchanged) == (3, 0)
    assert [f.row for f in moved.failures] == [3]
    assert isinstance(moved.failures[0].error, KeyDestroyed)
    after = [inspect_ciphertext(c).key_id for c in moved.values[:3]]
    assert after == [ring.find_subject_key(p).key_id for p in patients[:3]]  # type: ignore[union-attr]
    assert decrypt(moved.values[:3], ring, field="f") == ["a", "b", "c"]
    assert decrypt(column[:3], ring, field="f") == ["a", "b", "c"]  # old keys still decrypt
    assert ring.rotate_subjects() == 3  # all active subjects; p4 is destroyed
    with pytest.raises(KeyDestroyed):
        ring.rotate_subject("p4")
    with pytest.raises(KeyNotFound):
        ring.rotate_subject("nobody")


def test_tokens_for_matches_during_rotation(ring: Keyring) -> None:
    """tokens_for gives the token under the new primary first and the old key's token next."""
    stored = encrypt_deterministically("110101199003071234", ring, table="p", field="id")
    ring.rotate()
    tokens = tokens_for("110101199003071234", ring, table="p", field="id")
    assert tokens[0] == encrypt_deterministically("110101199003071234", ring, table="p", field="id")
    assert stored in tokens
    assert len(tokens) == 2
    assert tokens_for(7, ring, output="bytes")[0] == encrypt_deterministically(
        7, ring, output="bytes"
    )
    with pytest.raises(InvalidArgument):
        tokens_for(None, ring)


def test_deterministic_by_subject_and_records(ring: Keyring) -> None:
    """Deterministic encryption and record binding work per subject (bulk path = one path)."""
    patients = [f"p{i % 7}" for i in range(40)]
    values = [f"v{i % 5}" for i in range(40)]
    det = encrypt_deterministically(values, ring, field="f", subject=patients)
    assert det[0] == encrypt_deterministically(values[0], ring, field="f", subject=patients[0])
    assert decrypt(det, ring, field="f") == values
    records = [f"r{i}" for i in range(40)]
    rnd = encrypt(values, ring, field="f", subject=patients, record_ids=records, output="bytes")
    assert decrypt(rnd, ring, field="f", record_ids=records) == values
    with pytest.raises(InvalidArgument, match="row 1"):
        encrypt(["a", "b"], ring, field="f", subject=["p1", None])


def test_audit_records_each_operation_after_commit(
    tmp_path: Path, env_key: EnvKeyProvider, sink: Any
) -> None:
    """Every key operation appends one record; subject records carry the token, never the ID."""
    ring = Keyring.create(tmp_path / "r.keyring", env_key, audit=sink)
    first = ring.primary.key_id
    ring.rotate()
    ring.disable(first)
    ring.enable(first)
    ring.set_primary(first)
    ring.export_key(first, SECRET_ACCESS)
    encrypt(["a", "b", "c"], ring, field="f", subject=["P-001", "P-002", "P-001"])
    ring.destroy_subject("P-001", grace=DAY)
    ring.cancel_destruction("P-001")
    ring.destroy_subject("P-001")
    assert sink.actions() == [
        "key.create",
        "key.rotate",
        "key.disable",
        "key.enable",
        "key.set_primary",
        "key.export",
        "key.subjects_created",
        "key.schedule_destruction",
        "key.cancel_destruction",
        "key.subject_destroyed",
    ]
    created = dict(sink.records)["key.subjects_created"]
    assert created["count"] == 2
    destroyed = dict(sink.records)["key.subject_destroyed"]
    assert destroyed["subject_token"] == ring.subject_token("P-001")
    assert "P-001" not in repr(sink.records)
    reopened = Keyring.open(tmp_path / "r.keyring", env_key)
    reopened.audit = sink
    reopened.rotate()
    assert sink.actions()[-1] == "key.rotate"


def test_store_never_holds_subject_ids_or_clear_keys(
    tmp_path: Path, env_key: EnvKeyProvider
) -> None:
    """The SQLite store holds tokens and wrapped keys only: no subject ID, no raw material."""
    ring = Keyring.create(tmp_path / "r.keyring", env_key)
    subject = "110101199003071234"
    info = ring.subject_key(subject)
    material = ring.export_key(info.key_id, SECRET_ACCESS)
    store = tmp_path / "r.keyring.subjects.db"
    assert store.exists()
    assert store.stat().st_mode & 0o077 == 0
    conn = sqlite3.connect(store)
    rows = conn.execute("SELECT * FROM medguard_subject_keys").fetchall()
    conn.close()
    blob = repr(rows).encode() + b"".join(
        f.read_bytes() for f in tmp_path.iterdir() if f.name.startswith("r.keyring")
    )
    assert subject.encode() not in blob
    assert material not in blob
    assert material.hex().encode() not in blob


def test_destroyed_material_is_gone_from_the_store(tmp_path: Path, env_key: EnvKeyProvider) -> None:
    """Destroying a subject key NULLs its wrapped material; the tombstone keeps the token."""
    ring = Keyring.create(tmp_path / "r.keyring", env_key)
    info = ring.subject_key("p1")
    ring.destroy_subject("p1")
    conn = sqlite3.connect(tmp_path / "r.keyring.subjects.db")
    ((token, status, wrapped),) = conn.execute(
        "SELECT token, status, wrapped FROM medguard_subject_keys WHERE key_id = ?",
        (info.key_id,),
    ).fetchall()
    conn.close()
    assert (token, status, wrapped) == (ring.subject_token("p1"), "destroyed", None)


def test_open_is_lazy_and_other_handles_see_subject_changes(
    tmp_path: Path, env_key: EnvKeyProvider
) -> None:
    """A second handle finds keys created by the first; a destroy through one handle stops
    decryption through the other (after its short cache period)."""
    path = tmp_path / "r.keyring"
    a = Keyring.create(path, env_key)
    column = encrypt(["x", "y"], a, field="f", subject=["p1", "p2"])
    b = Keyring.open(path, env_key)
    assert len(b) == 1
    assert decrypt(column, b, field="f") == ["x", "y"]
    a.destroy_subject("p1")
    b.reload()  # drops the cache at once (otherwise it expires within a second)
    with pytest.raises(KeyDestroyed):
        decrypt(column[0], b, field="f")
    assert b.subject_key_count() == {"active": 1, "destroyed": 1}
    listed = b.list(include_subject_keys=True)
    assert len(listed) == 3
    assert listed[0].key_id == a.primary.key_id
    assert b.list(include_subject_keys=True, limit=1, offset=1)[0].is_subject_key
    assert b.list(limit=0) == []
    with pytest.raises(InvalidArgument):
        b.list(offset=-1)


def test_subject_store_url_is_recorded(tmp_path: Path, env_key: EnvKeyProvider) -> None:
    """subject_store= at create is recorded in the keyring file; open finds it there."""
    ring = Keyring.create(tmp_path / "r.keyring", env_key, subject_store="keys/subjects.db")
    (tmp_path / "keys").mkdir()
    ring.subject_key("p1")
    assert (tmp_path / "keys" / "subjects.db").exists()
    again = Keyring.open(tmp_path / "r.keyring", env_key)
    assert again.find_subject_key("p1") == ring.find_subject_key("p1")
    assert again.subject_store.endswith("subjects.db")


def test_wrong_keyring_for_a_store_is_a_keyring_error(
    tmp_path: Path, env_key: EnvKeyProvider
) -> None:
    """A store opened with another keyring's keys does not unwrap: KeyringError, no garbage."""
    first = Keyring.create(tmp_path / "a.keyring", env_key, subject_store="shared.db")
    column = encrypt(["x"], first, field="f", subject=["p1"])
    other = Keyring.create(tmp_path / "b.keyring", env_key, subject_store="shared.db")
    with pytest.raises(KeyringError):
        decrypt(column, other, field="f")


def test_subject_key_infos_are_plain_metadata(ring: Keyring) -> None:
    """KeyInfo of a subject key says it is one; its repr holds no material."""
    info = ring.subject_key("p1")
    assert isinstance(info, KeyInfo)
    assert info.is_subject_key
    assert info.generation == 1
    assert ring.export_key(info.key_id, SECRET_ACCESS).hex() not in repr(info)
    with pytest.raises(InvalidArgument):
        ring.subject_keys("p1")  # a bare string is not a sequence of subjects


def test_a_full_cache_is_dropped_without_losing_keys(
    ring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a tiny cache limit (it is cleared when full), columns larger than the cache still
    encrypt, decrypt, rotate and shred correctly."""
    monkeypatch.setattr("medguard.keys.keyring._CACHE_LIMIT", 7)
    patients = [f"p{i}" for i in range(50)]
    column = encrypt(patients, ring, field="f", subject=patients)
    assert decrypt(column, ring, field="f") == patients
    assert encrypt(patients[:3], ring, field="f", subject=patients[:3])[0] != column[0]
    ring.destroy_subject("p42")
    report = try_decrypt(column, ring, field="f")
    assert [f.row for f in report.failures] == [42]


def test_columns_with_many_subject_keys_decrypt_row_by_row(ring: Keyring) -> None:
    """Over 32 keys in one column takes the row-by-row path: it gives the same values and the
    same failures (destroyed, pending, tampered, other keys) as the one-key path."""
    patients = [f"p{i}" for i in range(80)]
    values: list[Any] = [f"v{i}" for i in range(80)]
    values[5] = 12345
    records = [f"r{i}" for i in range(80)]
    column = encrypt(values, ring, field="f", subject=patients, record_ids=records)
    det = encrypt_deterministically(values, ring, field="g", subject=patients)
    primary = encrypt("under the primary", ring, field="f", record_ids="r80")
    ring.destroy_subject("p3")
    ring.destroy_subject("p4", grace=DAY)
    tampered = column[7][:-2] + ("AA" if column[7][-2:] != "AA" else "BB")
    mixed = [*column[:7], tampered, *column[8:], primary]
    report = try_decrypt(mixed, ring, field="f", record_ids=[*records, "r80"])
    expected = [None if i in (3, 4, 7) else v for i, v in enumerate(values)]
    assert report.values == [*expected, "under the primary"]
    errors = {f.row: type(f.error).__name__ for f in report.failures}
    assert errors == {3: "KeyDestroyed", 4: "KeyStateError", 7: "DecryptionError"}
    assert try_decrypt(det, ring, field="g").values == [
        None if i in (3, 4) else v for i, v in enumerate(values)
    ]
    assert try_decrypt(column, ring, field="other", record_ids=records).values == [None] * 80
    with pytest.raises(InvalidArgument, match="row 2"):
        decrypt(column, ring, field="f", record_ids=[*records[:2], None, *records[3:]])
    moved = rewrap(mixed, ring, field="f", record_ids=[*records, "r80"], errors="keep")
    assert moved.rewrapped == 0
    assert moved.unchanged == 78


def test_destroyed_wrapped_bytes_are_zeroed_in_the_sqlite_file(
    tmp_path: Path, env_key: EnvKeyProvider
) -> None:
    """secure_delete: once the write-ahead log is checkpointed, the wrapped key's old bytes are
    nowhere in the database files."""
    ring = Keyring.create(tmp_path / "r.keyring", env_key)
    ring.subject_keys([f"p{i}" for i in range(20)])
    store = tmp_path / "r.keyring.subjects.db"
    conn = sqlite3.connect(store)
    (wrapped,) = conn.execute(
        "SELECT wrapped FROM medguard_subject_keys WHERE token = ?", (ring.subject_token("p7"),)
    ).fetchone()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert wrapped in store.read_bytes()
    ring.destroy_subject("p7")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for path in tmp_path.glob("r.keyring.subjects.db*"):
        assert wrapped not in path.read_bytes()
