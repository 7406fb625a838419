"""Crypto-shredding: exactly the shredded subject's (or dataset's) values fail with KeyDestroyed,
a pending destruction can be cancelled, and records never hold a subject ID."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard import decrypt, encrypt, encrypt_deterministically
from medguard.erase import (
    Assurance,
    DatasetKey,
    RecordStatus,
    cancel_shred,
    complete_due,
    crypto_shred,
)
from medguard.errors import (
    ErasureError,
    InvalidArgument,
    KeyDestroyed,
    KeyNotFound,
    KeyStateError,
)
from medguard.keys import Keyring, KeyStatus
from medguard.ops.encryption import try_decrypt

SUBJECTS = [f"11010119900307{i:04d}" for i in range(6)]
VALUES = [f"诊断-{i}" for i in range(6)]


class FakeSink:
    """An AuditSink that keeps what it is given."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, dict[str, object]]] = []

    def append(self, action: str, /, **fields: object) -> dict[str, object]:
        self.entries.append((action, fields))
        return fields


@pytest.fixture
def ring() -> Keyring:
    return Keyring.generate()


def _column(ring: Keyring) -> tuple[list[str], list[str]]:
    """One randomized and one deterministic ciphertext per subject, under subject keys."""
    randomized = encrypt(VALUES, ring, table="dx", field="text", subject=SUBJECTS)
    tokens = encrypt_deterministically(VALUES, ring, table="dx", field="code", subject=SUBJECTS)
    return randomized, tokens


def _failures(ring: Keyring, randomized: list[str], tokens: list[str]) -> set[int]:
    rows = set()
    for values, field in ((randomized, "text"), (tokens, "code")):
        report = try_decrypt(values, ring, table="dx", field=field)
        for failure in report.failures:
            assert isinstance(failure.error, KeyDestroyed)
            rows.add(failure.row)
    return rows


def test_exactly_the_shredded_subjects_fail(ring: Keyring) -> None:
    """After shredding subjects 1 and 4, their values raise KeyDestroyed and all others decrypt."""
    randomized, tokens = _column(ring)
    shared = encrypt("不受影响", ring, table="dx", field="text")
    record = crypto_shred([SUBJECTS[1], SUBJECTS[4]], ring, actor="dpo", approver="cmo")
    assert _failures(ring, randomized, tokens) == {1, 4}
    for i in (0, 2, 3, 5):
        assert decrypt(randomized[i], ring, table="dx", field="text") == VALUES[i]
        assert decrypt(tokens[i], ring, table="dx", field="code") == VALUES[i]
    assert decrypt(shared, ring, table="dx", field="text") == "不受影响"
    with pytest.raises(KeyDestroyed):
        decrypt(randomized[1], ring, table="dx", field="text")
    assert record.assurance is Assurance.CRYPTOGRAPHIC_ERASE
    assert record.status is RecordStatus.COMPLETED
    assert record.counts["keys_destroyed"] == 2
    assert (record.actor, record.approver, record.legal_basis) == ("dpo", "cmo", "PIPL Art. 47")


def test_record_holds_tokens_never_subject_ids(ring: Keyring) -> None:
    """The record (and the audit entry) name subjects by keyed token, never by ID."""
    _column(ring)
    sink = FakeSink()
    record = crypto_shred(SUBJECTS[2], ring, actor="dpo", audit=sink)
    text = json.dumps(sink.entries, ensure_ascii=False) + record.canonical_json().decode()
    assert SUBJECTS[2] not in text
    assert f"subject:{ring.subject_token(SUBJECTS[2])}" in record.scope
    assert sink.entries[0][0] == "erase.record"
    assert sink.entries[0][1]["digest"] == record.digest()


def test_a_dataset_key_is_shredded_by_id(ring: Keyring) -> None:
    """A DatasetKey names a keyring key: its values fail, the primary's still decrypt."""
    dataset = ring.primary.key_id
    old = encrypt(VALUES, ring, table="study", field="x")
    ring.rotate()
    new = encrypt(VALUES, ring, table="study", field="x")
    record = crypto_shred(DatasetKey(dataset), ring, actor="dpo")
    assert record.scope == (f"key:{dataset}",)
    assert record.what == "dataset key"
    report = try_decrypt(old, ring, table="study", field="x")
    assert len(report.failures) == len(VALUES)
    assert all(isinstance(f.error, KeyDestroyed) for f in report.failures)
    assert decrypt(new, ring, table="study", field="x") == VALUES


def test_nothing_changes_when_one_target_is_unknown(ring: Keyring) -> None:
    """All targets are resolved first: one unknown subject and no key is destroyed."""
    randomized, tokens = _column(ring)
    with pytest.raises(KeyNotFound) as info:
        crypto_shred([SUBJECTS[0], "no-such-patient"], ring, actor="dpo")
    assert "no-such-patient" not in str(info.value)
    assert _failures(ring, randomized, tokens) == set()


def test_the_primary_key_is_refused(ring: Keyring) -> None:
    """Destroying the primary would stop all encryption: rotate first."""
    with pytest.raises(KeyStateError, match="rotate"):
        crypto_shred(DatasetKey(ring.primary.key_id), ring, actor="dpo")


def test_shredding_twice_is_counted_not_failed(ring: Keyring) -> None:
    """A subject already shredded is counted as such; the call succeeds."""
    _column(ring)
    crypto_shred(SUBJECTS[0], ring, actor="dpo")
    again = crypto_shred(SUBJECTS[0], ring, actor="dpo")
    assert again.counts["keys_already_destroyed"] == 1
    assert again.counts["keys_destroyed"] == 0


def test_grace_then_cancel_restores_access(ring: Keyring) -> None:
    """Pending keys decrypt nothing; cancelling the shred makes every value readable again."""
    randomized, tokens = _column(ring)
    sink = FakeSink()
    pending = crypto_shred(SUBJECTS[3], ring, actor="dpo", grace=dt.timedelta(days=30), audit=sink)
    assert pending.status is RecordStatus.PENDING
    assert pending.assurance is Assurance.NONE
    assert pending.destroy_after is not None
    assert ring.find_subject_key(SUBJECTS[3]).status is KeyStatus.PENDING_DESTRUCTION
    report = try_decrypt(randomized, ring, table="dx", field="text")
    assert [f.row for f in report.failures] == [3]
    cancelled = cancel_shred(SUBJECTS[3], ring, actor="dpo", audit=sink)
    assert cancelled.status is RecordStatus.CANCELLED
    assert decrypt(randomized, ring, table="dx", field="text") == VALUES
    assert decrypt(tokens, ring, table="dx", field="code") == VALUES
    assert [fields["record"]["status"] for _, fields in sink.entries] == ["pending", "cancelled"]


def test_grace_then_complete_due_destroys(ring: Keyring) -> None:
    """Once the grace period is over, complete_due destroys the pending keys with a record."""
    randomized, tokens = _column(ring)
    crypto_shred(SUBJECTS[5], ring, actor="dpo", grace=dt.timedelta(days=1))
    assert complete_due(ring, actor="scheduler") is None  # not due yet
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    record = complete_due(ring, actor="scheduler", now=later)
    assert record is not None
    assert record.counts["keys_destroyed"] == 1
    assert record.assurance is Assurance.CRYPTOGRAPHIC_ERASE
    assert _failures(ring, randomized, tokens) == {5}
    with pytest.raises(KeyDestroyed):
        cancel_shred(SUBJECTS[5], ring, actor="dpo")


def test_cancel_refuses_keys_that_are_not_pending(ring: Keyring) -> None:
    """Cancelling needs every key pending; an active one is refused before any change."""
    _column(ring)
    crypto_shred(SUBJECTS[0], ring, actor="dpo", grace=dt.timedelta(days=1))
    with pytest.raises(KeyStateError):
        cancel_shred([SUBJECTS[0], SUBJECTS[1]], ring, actor="dpo")
    assert ring.find_subject_key(SUBJECTS[0]).status is KeyStatus.PENDING_DESTRUCTION


def test_dry_run_changes_nothing(ring: Keyring) -> None:
    """dry_run resolves the keys and says what would happen; every value still decrypts."""
    randomized, tokens = _column(ring)
    sink = FakeSink()
    record = crypto_shred(SUBJECTS, ring, actor="dpo", dry_run=True, audit=sink)
    assert record.status is RecordStatus.DRY_RUN
    assert record.counts["keys"] == len(SUBJECTS)
    assert _failures(ring, randomized, tokens) == set()
    assert sink.entries == []


def test_a_key_store_failure_destroys_nothing_and_is_recorded(
    ring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Subjects are shredded in one store transaction: a failure in it destroys no key, and
    the record and the ErasureError say that none of the six was reached."""
    randomized, tokens = _column(ring)
    real = Keyring._update_subject_keys

    def failing(self: Keyring, *args: object, **kwargs: object) -> object:
        # the store fails after the rows are selected and checked, before the commit
        def broken_check(info: object) -> None:
            raise OSError("disk full")

        return real(self, args[0], args[1], args[2], broken_check, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Keyring, "_update_subject_keys", failing)
    sink = FakeSink()
    with pytest.raises(ErasureError, match="after 0 of 6"):
        crypto_shred(SUBJECTS, ring, actor="dpo", audit=sink)
    (entry,) = sink.entries
    assert entry[1]["record"]["counts"]["keys_destroyed"] == 0
    assert entry[1]["record"]["counts"]["keys_failed"] == 6
    monkeypatch.undo()
    assert _failures(ring, randomized, tokens) == set()
    assert all(k.status is KeyStatus.ACTIVE for k in ring.subject_keys(SUBJECTS, create=False))


def test_bad_arguments(ring: Keyring) -> None:
    """Empty targets, bad grace periods and bad key IDs are InvalidArgument."""
    with pytest.raises(InvalidArgument):
        crypto_shred([], ring, actor="dpo")
    with pytest.raises(InvalidArgument):
        crypto_shred(["p1", ""], ring, actor="dpo")
    with pytest.raises(InvalidArgument):
        crypto_shred("p1", ring, actor="dpo", grace=dt.timedelta(days=-1))
    with pytest.raises(InvalidArgument):
        DatasetKey("not a key id")
    with pytest.raises(InvalidArgument):
        crypto_shred("p1", ring, actor="")


def test_dataset_key_grace_cancel_and_due(ring: Keyring) -> None:
    """A dataset key can wait out a grace period, be restored, and be destroyed when due."""
    old = ring.primary.key_id
    value = encrypt("研究数据", ring, table="study", field="x")
    ring.rotate()
    crypto_shred(DatasetKey(old), ring, actor="dpo", grace=dt.timedelta(days=7))
    assert ring.get(old).status is KeyStatus.PENDING_DESTRUCTION
    cancel_shred(DatasetKey(old), ring, actor="dpo")
    assert decrypt(value, ring, table="study", field="x") == "研究数据"
    crypto_shred(DatasetKey(old), ring, actor="dpo", grace=dt.timedelta(days=7))
    record = complete_due(ring, actor="cron", now=dt.datetime.now(dt.UTC) + dt.timedelta(days=8))
    assert record is not None
    assert record.scope == (f"key:{old}",)
    with pytest.raises(KeyDestroyed):
        decrypt(value, ring, table="study", field="x")


@settings(max_examples=25, deadline=None)
@given(
    owners=st.lists(st.integers(0, 5), min_size=1, max_size=30),
    shredded=st.sets(st.integers(0, 5), min_size=1),
)
def test_exactly_the_shredded_subjects_rows_fail(owners: list[int], shredded: set[int]) -> None:
    """For any rows and any set of shredded subjects: a row fails iff its subject was shredded."""
    ring = Keyring.generate()
    subjects = [f"S{o}" for o in owners]
    values = encrypt([f"v{i}" for i in range(len(owners))], ring, subject=subjects)
    present = {o for o in shredded if f"S{o}" in subjects}
    if present:
        crypto_shred([f"S{o}" for o in sorted(present)], ring, actor="dpo")
    report = try_decrypt(values, ring)
    assert {f.row for f in report.failures} == {i for i, o in enumerate(owners) if o in present}
    assert all(isinstance(f.error, KeyDestroyed) for f in report.failures)
