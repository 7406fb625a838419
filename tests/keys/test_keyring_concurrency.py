"""Keyrings under concurrency and failure: racing processes and threads lose no key,
resurrect none, give no subject two keys; a failed write changes nothing."""

from __future__ import annotations

import datetime as dt
import errno
import multiprocessing
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from medguard.errors import KeyDestroyed, KeyringError
from medguard.keys import EnvKeyProvider, Keyring, KeyStatus
from medguard.ops.encryption import decrypt, encrypt, try_decrypt

VARIABLE = "MG_CONCURRENCY_TEST_KEY"
WRAPPING_KEY = "B" * 43 + "="


def _provider() -> EnvKeyProvider:
    return EnvKeyProvider(VARIABLE)


@pytest.fixture(autouse=True)
def _wrapping_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIABLE, WRAPPING_KEY)


def _run_all(target: Any, jobs: list[tuple[Any, ...]]) -> list[Any]:
    """Run ``target(*job)`` in one forked process per job; their results, in order."""
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(len(jobs)) as pool:
        return pool.starmap(target, jobs)


def _encrypt_patients(path: str, patients: list[str], worker: int) -> list[str]:
    ring = Keyring.open(path, _provider())
    out = []
    for start in range(0, len(patients), 10):  # several batches, interleaving with the others
        chunk = patients[start : start + 10]
        out += encrypt([f"{worker}:{p}" for p in chunk], ring, field="dx", subject=chunk)
    return out


def _rotate(path: str, times: int) -> list[str]:
    ring = Keyring.open(path, _provider())
    tokens = []
    for n in range(times):
        ring.rotate()
        tokens.append(encrypt(f"value {n}", ring, field="f"))
    return tokens


def _duplicates(store: Path) -> list[tuple[str, int]]:
    conn = sqlite3.connect(store)
    rows = conn.execute(
        "SELECT token, COUNT(*) FROM medguard_subject_keys WHERE gen = 1 "
        "GROUP BY token HAVING COUNT(*) > 1"
    ).fetchall()
    conn.close()
    return rows


def test_processes_creating_subjects_lose_no_key(tmp_path: Path) -> None:
    """4 processes encrypting the same 60 new patients in different orders: every ciphertext
    decrypts afterwards, and each patient has exactly one key."""
    path = tmp_path / "r.keyring"
    Keyring.create(path, _provider())
    patients = [f"P{n:03d}" for n in range(60)]
    jobs = [(str(path), patients[w * 15 :] + patients[: w * 15], w) for w in range(4)]
    results = _run_all(_encrypt_patients, jobs)
    fresh = Keyring.open(path, _provider())
    for worker, (_, order, _) in enumerate(jobs):
        assert decrypt(results[worker], fresh, field="dx") == [f"{worker}:{p}" for p in order]
    assert _duplicates(tmp_path / "r.keyring.subjects.db") == []
    assert fresh.subject_key_count() == {"active": 60}


def test_processes_rotating_lose_no_key(tmp_path: Path) -> None:
    """4 processes x 6 rotations: 25 keys, one primary, every ciphertext still decrypts."""
    path = tmp_path / "r.keyring"
    Keyring.create(path, _provider())
    results = _run_all(_rotate, [(str(path), 6)] * 4)
    fresh = Keyring.open(path, _provider())
    keys = fresh.list()
    assert len(keys) == 25
    assert sum(k.status is KeyStatus.PRIMARY for k in keys) == 1
    for tokens in results:
        assert decrypt(tokens, fresh, field="f") == [f"value {n}" for n in range(6)]


def test_a_stale_handle_never_resurrects_a_destroyed_key(tmp_path: Path) -> None:
    """A handle opened before a destroy rotates afterwards: the key stays destroyed."""
    path = tmp_path / "r.keyring"
    admin = Keyring.create(path, _provider())
    old = admin.primary.key_id
    admin.rotate()
    stale = Keyring.open(path, _provider())
    admin.destroy(old)
    stale.rotate()
    stale.set_primary(stale.primary.key_id)
    reopened = Keyring.open(path, _provider())
    assert reopened.get(old).status is KeyStatus.DESTROYED
    assert stale.get(old).status is KeyStatus.DESTROYED  # the handle took the file's state
    assert len(reopened) == 3


def test_threads_give_no_subject_two_keys(tmp_path: Path) -> None:
    """4 threads (two handles) encrypting 400 overlapping subjects: one key per subject, and
    after destroy_subject every ciphertext of that subject fails."""
    path = tmp_path / "r.keyring"
    first = Keyring.create(path, _provider())
    second = Keyring.open(path, _provider())
    patients = [f"T{n:04d}" for n in range(400)]
    results: dict[int, list[str]] = {}

    def work(n: int) -> None:
        ring = first if n % 2 else second
        order = patients[n * 100 :] + patients[: n * 100]
        out: list[str] = []
        for start in range(0, len(order), 50):
            out += encrypt(
                order[start : start + 50], ring, field="f", subject=order[start : start + 50]
            )
        results[n] = out

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _duplicates(tmp_path / "r.keyring.subjects.db") == []
    first.destroy_subject("T0123")
    second.reload()
    for ring in (first, second):
        for n, column in results.items():
            order = patients[n * 100 :] + patients[: n * 100]
            report = try_decrypt(column, ring, field="f")
            failed = {order[f.row] for f in report.failures}
            assert failed == {"T0123"}
            assert all(isinstance(f.error, KeyDestroyed) for f in report.failures)


# --------------------------------------------------------------------------- failures


def _disk_full(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


OPERATIONS = {
    "add_key": lambda r, old: r.add_key(),
    "rotate": lambda r, old: r.rotate(),
    "disable": lambda r, old: r.disable(old),
    "set_primary": lambda r, old: r.set_primary(old),
    "destroy": lambda r, old: r.destroy(old),
    "destroy_with_grace": lambda r, old: r.destroy(old, grace=dt.timedelta(days=1)),
    "import_key": lambda r, old: r.import_key(bytes(32), "aes"),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_a_failed_write_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    """Disk full during the save: KeyringError, and neither the handle nor the file changed."""
    path = tmp_path / "r.keyring"
    ring = Keyring.create(path, _provider())
    old = ring.primary.key_id
    ring.rotate()
    before_file = path.read_bytes()
    before = ring.list()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("medguard.keys.keyring.write_keyring_file", _disk_full)
        with pytest.raises(KeyringError, match="nothing changed"):
            OPERATIONS[operation](ring, old)
    assert ring.list() == before
    assert path.read_bytes() == before_file
    assert Keyring.open(path, _provider()).list() == before
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_a_failed_rename_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The atomic writer failing at its rename is a KeyringError and leaves the file as it was."""
    path = tmp_path / "r.keyring"
    ring = Keyring.create(path, _provider())
    before = path.read_bytes()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("medguard._atomic.os.replace", _disk_full)
        with pytest.raises(KeyringError):
            ring.rotate()
    assert path.read_bytes() == before
    assert len(ring) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.keyring", "r.keyring.lock"]


def test_a_failed_store_insert_creates_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store failing while new subject keys are inserted: KeyringError, no key stored or
    cached, and the next call creates them normally."""
    ring = Keyring.create(tmp_path / "r.keyring", _provider())
    ring.subject_key("existing")

    def broken(db: Any, rows: Any) -> None:
        db.rows("INSERT INTO medguard_subject_keys (key_id) VALUES (NULL)")  # NOT NULL fails

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("medguard.keys._subjects.insert_rows", broken)
        with pytest.raises(KeyringError, match="subject-key store"):
            encrypt(["a", "b"], ring, field="f", subject=["new1", "new2"])
    assert ring.find_subject_key("new1") is None
    column = encrypt(["a", "b"], ring, field="f", subject=["new1", "new2"])
    assert decrypt(column, Keyring.open(tmp_path / "r.keyring", _provider()), field="f") == [
        "a",
        "b",
    ]


def test_a_failed_store_update_destroys_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store failing during destroy_subject: KeyringError, and the key still works."""
    ring = Keyring.create(tmp_path / "r.keyring", _provider())
    column = encrypt(["a"], ring, field="f", subject=["p1"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            "medguard.keys._subjects.UPDATE_STATUS", "UPDATE medguard_subject_keys SET nope = 1"
        )
        with pytest.raises(KeyringError):
            ring.destroy_subject("p1")
    assert ring.find_subject_key("p1").status is KeyStatus.ACTIVE  # type: ignore[union-attr]
    assert decrypt(column, Keyring.open(tmp_path / "r.keyring", _provider()), field="f") == ["a"]


def test_a_creator_that_lost_the_race_uses_the_committed_key(tmp_path: Path) -> None:
    """A handle that read 'no key' before another committed one inserts, conflicts, and then
    uses the committed key (its key ID is the same, its material not)."""
    path = tmp_path / "r.keyring"
    winner = Keyring.create(path, _provider())
    loser = Keyring.open(path, _provider())
    column = encrypt(["a"], winner, field="f", subject=["p1"])
    token = loser.subject_token("p1")
    loser._create_subject_keys([token])  # as if its read had come before the winner's commit
    late = encrypt(["b"], loser, field="f", subject=["p1"])
    assert decrypt(column + late, winner, field="f") == ["a", "b"]
    assert decrypt(column + late, loser, field="f") == ["a", "b"]


def test_enable_acts_on_the_latest_state(tmp_path: Path) -> None:
    """A key disabled through one handle is enabled through another that never saw it disabled."""
    path = tmp_path / "r.keyring"
    first = Keyring.create(path, _provider())
    old = first.primary.key_id
    first.rotate()
    second = Keyring.open(path, _provider())
    first.disable(old)
    assert second.enable(old).status is KeyStatus.ACTIVE
    assert Keyring.open(path, _provider()).get(old).status is KeyStatus.ACTIVE


def test_cancel_through_a_handle_that_never_saw_the_key(tmp_path: Path) -> None:
    """A pending key scheduled through one handle is cancelled through another by its ID."""
    path = tmp_path / "r.keyring"
    first = Keyring.create(path, _provider())
    first.rotate()
    second = Keyring.open(path, _provider())
    added = first.add_key()
    first.destroy(added.key_id, grace=dt.timedelta(days=1))
    assert second.cancel_destruction(added.key_id).status is KeyStatus.ACTIVE
    assert Keyring.open(path, _provider()).get(added.key_id).status is KeyStatus.ACTIVE


def test_a_handle_finds_keys_added_elsewhere(tmp_path: Path) -> None:
    """Values encrypted by another process after its rotation decrypt through an older handle
    (a key ID it has not seen makes it re-read the file once)."""
    path = tmp_path / "r.keyring"
    Keyring.create(path, _provider())
    old_handle = Keyring.open(path, _provider())
    (tokens,) = _run_all(_rotate, [(str(path), 2)])
    assert decrypt(tokens, old_handle, field="f") == ["value 0", "value 1"]
    assert len(old_handle) == 3


def test_a_destroy_elsewhere_reaches_an_open_handle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A keyring key destroyed through one handle stops decrypting through another once that
    handle's copy of the file is over its refresh period (here made zero)."""
    path = tmp_path / "r.keyring"
    first = Keyring.create(path, _provider())
    old = first.primary.key_id
    token = encrypt("x", first, field="f")
    first.rotate()
    second = Keyring.open(path, _provider())
    assert decrypt(token, second, field="f") == "x"
    first.destroy(old)
    monkeypatch.setattr("medguard.keys.keyring._SUBJECT_CACHE_SECONDS", 0.0)
    with pytest.raises(KeyDestroyed):
        decrypt(token, second, field="f")
