"""Subject keys in bulk: the fast batch paths, batch destruction and the log checkpoint."""

from __future__ import annotations

import datetime as dt
import gc
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.erase import crypto_shred
from medguard.errors import KeyNotFound
from medguard.hazmat.kdf import hkdf
from medguard.keys import SECRET_ACCESS, EnvKeyProvider, Keyring, KeyStatus, Suite
from medguard.keys import _subjects as sk
from medguard.ops._by_subject import paused_gc
from medguard.ops.encryption import decrypt, encrypt, try_decrypt

DAY = dt.timedelta(days=1)
SALT = b"medguard/keyring/v1"


# ----------------------------------------------------------------------------- crypto


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.binary(min_size=32, max_size=32), st.binary(max_size=120)), max_size=8),
    st.sampled_from([1, 16, 31, 32, 33, 64]),
    st.sampled_from(list(Suite)),
)
def test_hkdf_many_is_rfc5869_hkdf(
    pairs: list[tuple[bytes, bytes]], length: int, suite: Suite
) -> None:
    """The batch HKDF gives what pyca/cryptography's HKDF gives, for any material and info."""
    materials = [m for m, _ in pairs]
    infos = [i for _, i in pairs]
    expected = [
        hkdf(m, info=i, length=length, salt=SALT, hash="sha256" if suite is Suite.AES else "sm3")
        for m, i in pairs
    ]
    assert sk.hkdf_many(materials, infos, length, suite) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(st.characters(exclude_categories=("Cs",)), min_size=1), max_size=10))
def test_tokens_in_bulk_equal_one_by_one(subjects: list[str]) -> None:
    """``tokens`` is ``token`` of each subject (the prefixed hash state changes nothing)."""
    crypto = sk.SubjectCrypto(b"k" * 32, Suite.AES)
    assert crypto.tokens(subjects) == [crypto.token(s) for s in subjects]


def test_tokens_in_bulk_refuse_what_token_refuses() -> None:
    """An empty, non-string or unencodable subject in a batch is the same InvalidArgument."""
    crypto = sk.SubjectCrypto(b"k" * 32, Suite.SM)
    for bad in ("", 5, "a\ud800"):
        with pytest.raises(ValueError, match="subject"):
            crypto.tokens(["ok", bad])  # type: ignore[list-item]


def test_unwrap_many_names_the_key_that_fails() -> None:
    """A batch unwrap with one tampered blob raises the KeyringError naming that key."""
    crypto = sk.SubjectCrypto(b"k" * 32, Suite.AES)
    blobs = crypto.wrap(["s1", "s2"], [b"a" * 32, b"b" * 32])
    assert crypto.unwrap_many(["s1", "s2"], blobs) == [b"a" * 32, b"b" * 32]
    with pytest.raises(Exception, match="'s2' does not unwrap"):
        crypto.unwrap_many(["s1", "s2"], [blobs[0], blobs[1][:-1] + b"\0"])


def test_batch_subkeys_equal_derive(ring: Keyring) -> None:
    """The subkeys the batch paths hand to ops are byte for byte what derive() gives."""
    subjects = ["p1", "p2", "p1", "p3"]
    lengths = {Suite.AES: 32, Suite.SM: 16}
    ids, suites, subs = ring.subject_encryption_keys(
        subjects, "aead", "1:t.f", lengths=lengths, access=SECRET_ACCESS
    )
    assert ids[0] == ids[2]
    assert len(set(ids)) == 3
    for kid, suite, sub in zip(ids, suites, subs, strict=True):
        assert ring.derive("aead", "1:t.f", key_id=kid, access=SECRET_ACCESS).material == sub
        assert len(sub) == lengths[suite]
    again = ring.subject_subkeys(ids, "aead", "1:t.f", lengths=lengths, access=SECRET_ACCESS)
    assert {k: v[1] for k, v in again.items()} == dict(zip(ids, subs, strict=True))  # type: ignore[index]


def test_batches_larger_than_the_cache_threshold_still_work(
    ring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch over ``_BULK`` keys is not cached; encrypting, decrypting and shredding still
    find every key (in the store)."""
    monkeypatch.setattr("medguard.keys.keyring._BULK", 5)
    patients = [f"p{i}" for i in range(40)]
    column = encrypt(patients, ring, field="f", subject=patients)
    assert decrypt(column, ring, field="f") == patients
    assert encrypt(patients, ring, field="f", subject=patients)[0] != column[0]
    ring.destroy_subject("p9")
    assert [f.row for f in try_decrypt(column, ring, field="f").failures] == [9]


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_gc_restores_the_collector_state(enabled: bool) -> None:
    """The collector is paused for a batch and left as the caller had it, even on errors."""
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        inside = []

        def batch() -> None:
            with paused_gc():
                inside.append(gc.isenabled())
                raise RuntimeError

        with pytest.raises(RuntimeError):
            batch()
        assert inside == [False]
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


# ----------------------------------------------------------------------------- destroy_subjects


def test_destroy_subjects_shreds_exactly_those_subjects(ring: Keyring) -> None:
    """Every listed subject's values fail; the others decrypt; infos come back in order."""
    patients = [f"p{i}" for i in range(10)]
    column = encrypt(patients, ring, field="f", subject=patients)
    infos = ring.destroy_subjects(["p3", "p7", "p3"])
    assert [i.subject for i in infos] == ["p3", "p7", "p3"]
    assert {i.status for i in infos} == {KeyStatus.DESTROYED}
    assert sorted(f.row for f in try_decrypt(column, ring, field="f").failures) == [3, 7]
    assert ring.destroy_subjects([]) == []
    again = ring.destroy_subjects(["p3", "p8"])  # p3 already destroyed: left as it is
    assert [i.status for i in again] == [KeyStatus.DESTROYED] * 2


def test_destroy_subjects_with_an_unknown_subject_changes_nothing(ring: Keyring, sink: Any) -> None:
    """All or nothing: one subject without a key raises KeyNotFound and no key is destroyed."""
    patients = ["p1", "p2", "p3"]
    column = encrypt(patients, ring, field="f", subject=patients)
    ring.audit = sink
    with pytest.raises(KeyNotFound, match=ring.subject_token("nobody")):
        ring.destroy_subjects(["p1", "nobody", "p2"])
    assert decrypt(column, ring, field="f") == patients
    assert sink.records == []
    with pytest.raises(ValueError, match="sequence"):
        ring.destroy_subjects("p1")


def test_destroy_subjects_with_grace_and_one_audit_record(ring: Keyring, sink: Any) -> None:
    """With grace the keys are pending (cancellable); one audit record lists the tokens."""
    patients = [f"p{i}" for i in range(4)]
    column = encrypt(patients, ring, field="f", subject=patients)
    ring.audit = sink
    infos = ring.destroy_subjects(["p0", "p1"], grace=DAY)
    assert {i.status for i in infos} == {KeyStatus.PENDING_DESTRUCTION}
    ((action, fields),) = sink.records
    assert action == "key.schedule_destruction"
    assert sorted(fields["subject_tokens"]) == sorted(ring.subject_token(p) for p in ("p0", "p1"))
    assert "p0" not in repr(fields)
    ring.cancel_destruction("p0")
    assert [f.row for f in try_decrypt(column, ring, field="f").failures] == [1]
    ring.destroy_subjects(["p2", "p3"])
    assert sink.records[-1][0] == "key.subjects_destroyed"
    assert sink.records[-1][1]["keys"] == 2


def test_crypto_shred_of_a_list_is_one_batch(
    ring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """crypto_shred hands a list of subjects to destroy_subjects once (one transaction), not
    destroy_subject per subject."""
    patients = [f"p{i}" for i in range(30)]
    column = encrypt(patients, ring, field="f", subject=patients)
    calls: list[int] = []
    real = Keyring.destroy_subjects

    def spy(self: Keyring, subjects: Any, *, grace: Any = None) -> Any:
        calls.append(len(list(subjects)))
        return real(self, subjects, grace=grace)

    def single(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("destroy_subject called per subject")

    monkeypatch.setattr(Keyring, "destroy_subjects", spy)
    monkeypatch.setattr(Keyring, "destroy_subject", single)
    record = crypto_shred(patients[:20], ring, actor="dpo")
    assert calls == [20]
    assert record.counts["keys_destroyed"] == 20
    assert sorted(f.row for f in try_decrypt(column, ring, field="f").failures) == list(range(20))


# ----------------------------------------------------------------------------- the -wal file


def _wrapped(ring: Keyring, subject: str) -> bytes:
    """The subject's wrapped key bytes, read through the store's own row."""
    with ring._store().transaction(write=False) as db:
        rows = sk.select_where_in(db, "token", [ring.subject_token(subject)])
    (row,) = rows
    assert row.wrapped is not None
    return row.wrapped


def _destroy_one(ring: Keyring, subject: str) -> None:
    ring.destroy_subject(subject)


def _destroy_batch(ring: Keyring, subject: str) -> None:
    ring.destroy_subjects([subject, "p1"])


def _destroy_by_id(ring: Keyring, subject: str) -> None:
    info = ring.find_subject_key(subject)
    assert info is not None
    ring.destroy(info.key_id)


def _destroy_when_due(ring: Keyring, subject: str) -> None:
    ring.destroy_subject(subject, grace=DAY)
    assert ring.destroy_due(dt.datetime.now(dt.UTC) + 2 * DAY)


@pytest.mark.parametrize(
    "destroy", [_destroy_one, _destroy_batch, _destroy_by_id, _destroy_when_due]
)
def test_destroyed_wrapped_bytes_leave_the_database_and_its_log(
    tmp_path: Path, env_key: EnvKeyProvider, destroy: Callable[[Keyring, str], None]
) -> None:
    """After a destruction commits, the wrapped key bytes are in neither the .db nor the -wal
    file (no manual checkpoint: the keyring checkpoints and truncates the log itself)."""
    ring = Keyring.create(tmp_path / "r.keyring", env_key)
    ring.subject_keys([f"p{i}" for i in range(20)])
    wrapped = _wrapped(ring, "p7")
    files = [tmp_path / "r.keyring.subjects.db", tmp_path / "r.keyring.subjects.db-wal"]
    assert any(wrapped in f.read_bytes() for f in files if f.exists())  # there before
    destroy(ring, "p7")
    for path in files:
        if path.exists():
            assert wrapped not in path.read_bytes(), path.name
    kept = _wrapped(ring, "p8")  # other subjects' keys are still there, and still work
    assert any(kept in f.read_bytes() for f in files if f.exists())
    assert decrypt(encrypt("x", ring, subject="p8"), ring) == "x"


def test_a_reader_holding_the_log_makes_destruction_say_so(
    tmp_path: Path, env_key: EnvKeyProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the log cannot be checkpointed, the destroy (already committed) raises KeyringError
    saying so instead of pretending the bytes are gone; retrying checkpoints."""
    ring = Keyring.create(tmp_path / "r.keyring", env_key)
    ring.subject_keys(["p1", "p2"])
    real = sqlite3.connect

    class Busy:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def execute(self, sql: str) -> Any:
            assert "wal_checkpoint" in sql
            return self.conn.execute("SELECT 1, 0, 0")

        def close(self) -> None:
            self.conn.close()

    monkeypatch.setattr(sk.sqlite3, "connect", lambda *a, **k: Busy(real(":memory:")))
    with pytest.raises(Exception, match="could not be checkpointed"):
        ring.destroy_subject("p1")
    monkeypatch.undo()
    assert ring.find_subject_key("p1").status is KeyStatus.DESTROYED  # type: ignore[union-attr]
    wrapped_before = tmp_path / "r.keyring.subjects.db-wal"
    ring.destroy_subject("p1")  # the retry checkpoints
    assert not wrapped_before.exists() or wrapped_before.stat().st_size == 0
