"""Encryption by subject in bulk (``encrypt(..., subject=...)``): every path of the batch code
(all new, all known, mostly new with some known, mostly known with some new, repeated
subjects, nulls, both suites, bytes and deterministic output) round-trips through a fresh
handle and never gives a subject a second key."""

from __future__ import annotations

from pathlib import Path

import pytest

from medguard.errors import KeyDestroyed, KeyStateError
from medguard.keys import EnvKeyProvider, Keyring, Suite
from medguard.ops._envelope import scheme_for
from medguard.ops.encryption import decrypt, encrypt, encrypt_deterministically

MANY = 600  # above the 512 subjects from which a column is probed for "mostly new"


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> EnvKeyProvider:
    """An environment wrapping key."""
    monkeypatch.setenv("MG_BY_SUBJECT_KEY", "B" * 43 + "=")
    return EnvKeyProvider("MG_BY_SUBJECT_KEY")


@pytest.fixture
def path(tmp_path: Path, provider: EnvKeyProvider) -> Path:
    """A file keyring with its SQLite subject store."""
    Keyring.create(tmp_path / "his.keyring", provider)
    return tmp_path / "his.keyring"


def _key_ids(column: list[str]) -> list[str]:
    return [c.split(".")[2] for c in column]


def _fresh(path: Path, provider: EnvKeyProvider) -> Keyring:
    return Keyring.open(path, provider)


def test_new_then_known_subjects_round_trip_under_one_key_each(
    path: Path, provider: EnvKeyProvider
) -> None:
    """A column of new subjects, then the same subjects again (every key exists): both
    decrypt through another handle, and each subject keeps its one key."""
    ring = _fresh(path, provider)
    subjects = [f"P{i:06d}" for i in range(MANY)]
    values = [f"诊断 {i}" for i in range(MANY)]
    first = encrypt(values, ring, table="visits", field="dx", subject=subjects)
    again = encrypt(values, _fresh(path, provider), table="visits", field="dx", subject=subjects)
    reader = _fresh(path, provider)
    assert decrypt(first, reader, table="visits", field="dx") == values
    assert decrypt(again, reader, table="visits", field="dx") == values
    assert _key_ids(first) == _key_ids(again)
    assert len(set(_key_ids(first))) == MANY
    assert _key_ids(first)[:3] == [i.key_id for i in reader.subject_keys(subjects[:3])]
    assert reader.subject_key_count() == {"active": MANY}


@pytest.mark.parametrize("known", [30, MANY - 30])
def test_columns_mixing_known_and_new_subjects_keep_the_known_keys(
    path: Path, provider: EnvKeyProvider, known: int
) -> None:
    """Mostly new (insert first, conflicts read back) or mostly known (read first, then
    create the rest): the known subjects' old values still decrypt with the keys the new
    column uses, and every subject has exactly one key."""
    subjects = [f"S{i:06d}" for i in range(MANY)]
    old = encrypt(["old"] * known, _fresh(path, provider), field="f", subject=subjects[:known])
    values = [f"v{i}" for i in range(MANY)]
    mixed = encrypt(values[::-1], _fresh(path, provider), field="f", subject=subjects[::-1])
    reader = _fresh(path, provider)
    assert decrypt(mixed, reader, field="f") == values[::-1]
    assert decrypt(old, reader, field="f") == ["old"] * known
    assert _key_ids(mixed)[::-1][:known] == _key_ids(old)
    assert reader.subject_key_count() == {"active": MANY}


def test_nulls_repeats_records_and_bytes(path: Path, provider: EnvKeyProvider) -> None:
    """Null values stay null (their subject may be missing), repeated subjects share one key,
    record IDs bind each value to its row, and bytes output decrypts like text."""
    ring = _fresh(path, provider)
    subjects: list[str | None] = [f"R{i // 3:05d}" for i in range(3 * MANY)]
    values: list[str | None] = [f"x{i}" for i in range(3 * MANY)]
    for r in range(0, 3 * MANY, 7):
        values[r], subjects[r] = None, None
    records = [f"rec{i}" for i in range(3 * MANY)]
    text = encrypt(values, ring, field="f", subject=subjects, record_ids=records)
    raw = encrypt(values, ring, field="f", subject=subjects, output="bytes")
    reader = _fresh(path, provider)
    assert decrypt(text, reader, field="f", record_ids=records) == values
    assert decrypt(raw, reader, field="f") == values
    assert [t is None for t in text] == [v is None for v in values]
    by_subject: dict[str, set[str]] = {}
    for s, t in zip(subjects, text, strict=True):
        if t is not None:
            assert s is not None
            by_subject.setdefault(s, set()).add(t.split(".")[2])
    assert all(len(ids) == 1 for ids in by_subject.values())
    assert len({i for ids in by_subject.values() for i in ids}) == len(by_subject)


def test_deterministic_by_subject_is_equal_within_a_subject_only(
    path: Path, provider: EnvKeyProvider
) -> None:
    """Equal values of one subject give one ciphertext; of two subjects, two."""
    ring = _fresh(path, provider)
    subjects = [f"D{i // 2:05d}" for i in range(2 * MANY)]
    column = encrypt_deterministically(["same"] * (2 * MANY), ring, field="f", subject=subjects)
    assert len(set(column)) == MANY
    assert column[0] == column[1] != column[2]
    assert decrypt(column, _fresh(path, provider), field="f") == ["same"] * (2 * MANY)


@pytest.mark.parametrize("suite", list(Suite))
def test_both_suites_in_memory(suite: Suite) -> None:
    """An in-memory keyring of either suite encrypts a column of new subjects and reads it."""
    ring = Keyring.generate(suite)
    subjects = [f"M{i}" for i in range(MANY)]
    column = encrypt([str(i) for i in range(MANY)], ring, field="f", subject=subjects)
    assert decrypt(column, ring, field="f") == [str(i) for i in range(MANY)]
    assert {c.split(".")[1] for c in column} == {scheme_for(suite, deterministic=False).code}


def test_a_destroyed_subject_in_a_column_of_new_ones_gets_no_new_key(
    path: Path, provider: EnvKeyProvider
) -> None:
    """A destroyed subject among hundreds of new ones makes the call fail with KeyDestroyed;
    its key stays destroyed and a later column of only new subjects still works."""
    ring = _fresh(path, provider)
    ring.subject_key("gone")
    ring.destroy_subject("gone")
    subjects = ["gone"] + [f"N{i}" for i in range(MANY)]
    with pytest.raises((KeyDestroyed, KeyStateError)):
        encrypt(["v"] * len(subjects), _fresh(path, provider), field="f", subject=subjects)
    info = _fresh(path, provider).find_subject_key("gone")
    assert info is not None
    assert (info.status.value, info.generation) == ("destroyed", 1)
    column = encrypt(["v"] * MANY, ring, field="f", subject=[f"O{i}" for i in range(MANY)])
    assert decrypt(column, _fresh(path, provider), field="f") == ["v"] * MANY
