"""The shared locked store: durable transactions, rollback on failure, one error class."""

from __future__ import annotations

import pickle
import threading

import pytest

from medguard._store import Store
from medguard.errors import KeyringError

SCHEMA = ("CREATE TABLE IF NOT EXISTS item (id {id}, name TEXT NOT NULL UNIQUE, data {blob})",)


def _store(target) -> Store:
    return Store(target, schema=SCHEMA, error=KeyringError, what="the test store")


def test_commit_is_visible_to_another_handle(tmp_path):
    """A committed write is read back through a second store on the same file."""
    with _store(tmp_path / "s.db").transaction() as db:
        db.rows("INSERT INTO item (name, data) VALUES (:n, :d)", {"n": "a", "d": b"\x00\x01"})
    with _store(tmp_path / "s.db").transaction(write=False) as db:
        assert db.rows("SELECT name, data FROM item") == [("a", b"\x00\x01")]


def test_an_exception_rolls_the_whole_transaction_back(tmp_path):
    """Nothing of a transaction that raised is stored."""
    store = _store(tmp_path / "s.db")

    def fail() -> None:
        with store.transaction() as db:
            db.many("INSERT INTO item (name) VALUES (:n)", [{"n": "a"}, {"n": "b"}])
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    with store.transaction(write=False) as db:
        assert db.rows("SELECT COUNT(*) FROM item") == [(0,)]


def test_a_failed_statement_is_the_callers_error_and_changes_nothing(tmp_path):
    """A constraint failure is raised as the store's error class, and earlier rows roll back."""
    store = _store(tmp_path / "s.db")
    with store.transaction() as db:
        db.rows("INSERT INTO item (name) VALUES ('a')")

    def insert_b_then_duplicate() -> None:
        with store.transaction() as db:
            db.rows("INSERT INTO item (name) VALUES ('b')")
            db.rows("INSERT INTO item (name) VALUES ('a')")

    with pytest.raises(KeyringError, match="the test store"):
        insert_b_then_duplicate()
    with store.transaction(write=False) as db:
        assert db.rows("SELECT name FROM item ORDER BY name") == [("a",)]


def test_an_unopenable_path_is_the_callers_error(tmp_path):
    """A store whose file cannot be created raises the store's error, not sqlite3.Error."""
    (tmp_path / "file").write_text("x")
    with pytest.raises(KeyringError), _store(tmp_path / "file" / "s.db").transaction():
        pass


def test_threads_serialize_read_check_write(tmp_path):
    """Writers that read then write under the write lock never lose an update."""
    store = _store(tmp_path / "s.db")
    with store.transaction() as db:
        db.rows("INSERT INTO item (name, data) VALUES ('counter', :d)", {"d": b"0"})

    def bump() -> None:
        for _ in range(50):
            with store.transaction() as db:
                (value,) = db.rows("SELECT data FROM item WHERE name = 'counter'")[0]
                db.rows(
                    "UPDATE item SET data = :d WHERE name = 'counter'",
                    {"d": str(int(value) + 1).encode()},
                )

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.transaction(write=False) as db:
        assert db.rows("SELECT data FROM item WHERE name = 'counter'") == [(b"200",)]


def test_pickles_as_a_reference_and_hides_passwords(tmp_path):
    """A store pickles by its target (no connection inside); a URL's password is never shown."""
    store = _store(tmp_path / "s.db")
    with store.transaction() as db:
        db.rows("INSERT INTO item (name) VALUES ('a')")
    copy = pickle.loads(pickle.dumps(store))
    with copy.transaction(write=False) as db:
        assert db.rows("SELECT name FROM item") == [("a",)]
    assert "secret" not in repr(_store("postgresql://u:secret@h/db"))


@pytest.mark.postgres
def test_postgres_round_trip(postgres_url):
    """The same statements run on PostgreSQL, with the same rollback."""
    store = _store(postgres_url)
    with store.transaction() as db:
        db.lock_table("item")
        db.rows("INSERT INTO item (name, data) VALUES (:n, :d)", {"n": "pg", "d": b"\x01"})
    with pytest.raises(KeyringError), store.transaction() as db:
        db.rows("INSERT INTO item (name) VALUES ('pg')")
    with store.transaction(write=False) as db:
        assert db.rows("SELECT name, data FROM item WHERE name = 'pg'") == [("pg", b"\x01")]
