"""Subject erasure in SQLite and PostgreSQL: exactly that subject's rows and tokens go, in one
transaction, and a failure midway changes nothing (neither the rows nor the key)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from medguard import decrypt, encrypt, encrypt_deterministically
from medguard.erase import Assurance, RecordStatus, erase_subject
from medguard.errors import ErasureError, KeyDestroyed, PolicyError
from medguard.keys import Keyring, KeyStatus

SUBJECTS = ["P001", "P002", "P003"]
VICTIM = "P002"


class FakeSink:
    def __init__(self) -> None:
        self.entries: list[tuple[str, dict[str, object]]] = []

    def append(self, action: str, /, **fields: object) -> dict[str, object]:
        self.entries.append((action, fields))
        return fields


def _policy(prefix: str) -> dict[str, Any]:
    return {
        "tables": {
            f"{prefix}labs": {"subject_column": "patient_id"},
            f"{prefix}visits": {
                "subject_column": "patient_token",
                "match": "token",
                "token_context": {"table": "patients", "field": "patient_id"},
                "action": "null",
                "columns": ["notes"],
            },
            f"{prefix}patients": {"subject_column": "patient_id"},
        }
    }


def _rows(ring: Keyring) -> dict[str, list[tuple[Any, ...]]]:
    """Three subjects; visit tokens made before and after a rotation (two keys to match)."""
    patients = [
        (s, encrypt(f"姓名{s}", ring, table="p", field="name", subject=s)) for s in SUBJECTS
    ]
    labs = [(i, s, f"result {i}") for i, s in enumerate(SUBJECTS * 2)]

    def token(s: str) -> str:
        return encrypt_deterministically(s, ring, table="patients", field="patient_id")

    visits = [(i, token(s), f"note {i}", "内科") for i, s in enumerate(SUBJECTS)]
    ring.rotate()  # later visits carry tokens under the new primary key
    visits += [(10 + i, token(s), f"note {10 + i}", "外科") for i, s in enumerate(SUBJECTS)]
    return {"patients": patients, "labs": labs, "visits": visits}


SCHEMA = {
    "patients": "patient_id VARCHAR(40) PRIMARY KEY, name_enc TEXT",
    "labs": "id INTEGER PRIMARY KEY, patient_id VARCHAR(40), result TEXT",
    "visits": "id INTEGER PRIMARY KEY, patient_token TEXT, notes TEXT, dept TEXT",
}


def _create(execute: Callable[[str, list[Any]], None], prefix: str, data: dict) -> None:
    for table, columns in SCHEMA.items():
        execute(f"CREATE TABLE {prefix}{table} ({columns})", [])
        for row in data[table]:
            marks = ", ".join("?" * len(row))
            execute(f"INSERT INTO {prefix}{table} VALUES ({marks})", list(row))


def _expected_after(data: dict, ring: Keyring) -> dict[str, list[tuple[Any, ...]]]:
    victim_tokens = {
        row[1] for row in data["visits"] if decrypt(row[1], ring, table="patients",
                                                    field="patient_id") == VICTIM
    }  # fmt: skip
    return {
        "patients": sorted(r for r in data["patients"] if r[0] != VICTIM),
        "labs": sorted(r for r in data["labs"] if r[1] != VICTIM),
        "visits": sorted(
            (r[0], None, None, r[3]) if r[1] in victim_tokens else r for r in data["visits"]
        ),
    }


# ----------------------------------------------------------------------------- SQLite


@pytest.fixture
def sqlite_db(tmp_path) -> Iterator[tuple[sqlite3.Connection, Keyring, dict]]:
    ring = Keyring.generate()
    data = _rows(ring)
    conn = sqlite3.connect(tmp_path / "his.db")
    _create(lambda sql, params: conn.execute(sql, params), "", data)
    conn.commit()
    yield conn, ring, data
    conn.close()


def _sqlite_tables(conn: sqlite3.Connection, prefix: str = "") -> dict[str, list[tuple]]:
    return {t: sorted(conn.execute(f"SELECT * FROM {prefix}{t}").fetchall()) for t in SCHEMA}


def test_sqlite_erases_exactly_the_subject(sqlite_db) -> None:
    """Rows by raw ID deleted, rows by token (under both keys) nulled, others untouched."""
    conn, ring, data = sqlite_db
    expected = _expected_after(data, ring)
    victim_name = data["patients"][1][1]
    sink = FakeSink()
    result = erase_subject(VICTIM, conn, _policy(""), keyring=ring, actor="dpo", audit=sink)
    assert dict(result.rows) == {"labs": 2, "visits": 2, "patients": 1}
    assert _sqlite_tables(conn) == expected
    with pytest.raises(KeyDestroyed):  # a copy of the ciphertext kept elsewhere
        decrypt(victim_name, ring, table="p", field="name")
    assert decrypt(data["patients"][0][1], ring, table="p", field="name") == "姓名P001"
    record = result.record
    assert record.assurance is Assurance.LOGICAL  # the weakest of its parts, said plainly
    assert record.counts["rows.labs"] == 2
    assert record.counts["keys_destroyed"] == 1
    assert f"subject:{ring.subject_token(VICTIM)}" in record.scope
    assert VICTIM not in record.canonical_json().decode()
    assert any("secure_delete" in n for n in record.notes)
    assert [action for action, _ in sink.entries] == ["erase.record"]


def test_sqlite_failure_midway_changes_nothing(sqlite_db) -> None:
    """A statement failing after two tables rolls everything back and keeps the key."""
    conn, ring, _data = sqlite_db
    before = _sqlite_tables(conn)
    policy = _policy("")
    policy["tables"]["no_such_table"] = {"subject_column": "patient_id"}
    with pytest.raises(ErasureError, match="rolled back"):
        erase_subject(VICTIM, conn, policy, keyring=ring, actor="dpo")
    assert _sqlite_tables(conn) == before
    assert ring.find_subject_key(VICTIM).status is KeyStatus.ACTIVE
    assert not conn.in_transaction


def test_sqlite_key_store_failure_rolls_rows_back(sqlite_db, monkeypatch) -> None:
    """The key is shredded last inside the transaction: if that fails, the rows stay."""
    conn, ring, _ = sqlite_db
    before = _sqlite_tables(conn)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("key store unreachable")

    monkeypatch.setattr(Keyring, "destroy_subject", broken)
    monkeypatch.setattr(Keyring, "destroy_subjects", broken)
    with pytest.raises(ErasureError):
        erase_subject(VICTIM, conn, _policy(""), keyring=ring, actor="dpo")
    assert _sqlite_tables(conn) == before


def test_sqlite_open_transaction_is_refused(sqlite_db) -> None:
    """The erasure will not commit someone else's pending work."""
    conn, ring, _ = sqlite_db
    conn.execute("INSERT INTO labs VALUES (99, 'P009', 'x')")
    assert conn.in_transaction
    with pytest.raises(ErasureError, match="transaction open"):
        erase_subject(VICTIM, conn, _policy(""), keyring=ring, actor="dpo")
    conn.rollback()


def test_sqlite_dry_run_counts_and_changes_nothing(sqlite_db) -> None:
    """dry_run counts the rows each table would lose; nothing changes, the key stays."""
    conn, ring, _ = sqlite_db
    before = _sqlite_tables(conn)
    result = erase_subject(VICTIM, conn, _policy(""), keyring=ring, actor="dpo", dry_run=True)
    assert dict(result.rows) == {"labs": 2, "visits": 2, "patients": 1}
    assert result.record.status is RecordStatus.DRY_RUN
    assert _sqlite_tables(conn) == before
    assert ring.find_subject_key(VICTIM).status is KeyStatus.ACTIVE


def test_subject_without_key_is_still_erased(sqlite_db) -> None:
    """Someone never encrypted with subject= still leaves the tables; no key to shred."""
    conn, ring, _ = sqlite_db
    conn.execute("INSERT INTO labs VALUES (50, 'P777', 'x')")
    conn.commit()
    result = erase_subject("P777", conn, _policy(""), keyring=ring, actor="dpo")
    assert result.rows["labs"] == 1
    assert result.keys_destroyed == 0
    assert result.record.assurance is Assurance.LOGICAL


def test_injection_shaped_names_never_reach_the_database(sqlite_db) -> None:
    """A policy naming 'labs; DROP TABLE patients' is refused before any statement."""
    conn, ring, _ = sqlite_db
    with pytest.raises(PolicyError):
        erase_subject(
            VICTIM, conn, {"tables": {"labs; DROP TABLE patients": {"subject_column": "id"}}},
            keyring=ring, actor="dpo",
        )  # fmt: skip
    assert conn.execute("SELECT COUNT(*) FROM patients").fetchone()[0] == 3


def test_subject_values_are_parameters(tmp_path) -> None:
    """A subject ID full of quotes is a value, matched literally."""
    ring = Keyring.generate()
    conn = sqlite3.connect(tmp_path / "x.db")
    conn.execute("CREATE TABLE labs (patient_id TEXT)")
    odd = "x' OR '1'='1"
    conn.executemany("INSERT INTO labs VALUES (?)", [(odd,), ("P1",)])
    conn.commit()
    result = erase_subject(odd, conn, {"tables": {"labs": {"subject_column": "patient_id"}}},
                           keyring=ring, actor="dpo")  # fmt: skip
    assert result.rows["labs"] == 1
    assert conn.execute("SELECT patient_id FROM labs").fetchall() == [("P1",)]


# ----------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg(postgres_url):
    """A SQLAlchemy engine on the test server and a fresh table prefix."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    engine = sqlalchemy.create_engine(postgres_url)
    prefix = f"t{uuid.uuid4().hex[:10]}_"
    yield engine, prefix
    with engine.begin() as conn:
        for table in SCHEMA:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {prefix}{table}")
    engine.dispose()


def _pg_setup(engine: Any, prefix: str, ring: Keyring) -> dict:
    data = _rows(ring)
    with engine.begin() as conn:
        _create(lambda sql, p: conn.exec_driver_sql(sql.replace("?", "%s"), tuple(p)), prefix,
                data)  # fmt: skip
    return data


def _pg_tables(engine: Any, prefix: str) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            t: sorted(tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {prefix}{t}"))
            for t in SCHEMA
        }


@pytest.mark.postgres
@pytest.mark.parametrize("how", ["engine", "connection", "psycopg"])
def test_postgres_erases_exactly_the_subject(pg, how: str) -> None:
    """Through an Engine, a Connection or a psycopg connection: the same exact erasure."""
    engine, prefix = pg
    ring = Keyring.generate()
    data = _pg_setup(engine, prefix, ring)
    expected = _expected_after(data, ring)
    if how == "engine":
        result = erase_subject(VICTIM, engine, _policy(prefix), keyring=ring, actor="dpo")
    elif how == "connection":
        with engine.connect() as conn:
            result = erase_subject(VICTIM, conn, _policy(prefix), keyring=ring, actor="dpo")
    else:
        raw = engine.raw_connection()
        try:
            result = erase_subject(
                VICTIM, raw.driver_connection, _policy(prefix), keyring=ring, actor="dpo"
            )
        finally:
            raw.close()
    assert dict(result.rows) == {
        f"{prefix}labs": 2, f"{prefix}visits": 2, f"{prefix}patients": 1,
    }  # fmt: skip
    assert _pg_tables(engine, prefix) == expected
    assert any("VACUUM" in n for n in result.record.notes)
    with pytest.raises(KeyDestroyed):
        decrypt(data["patients"][1][1], ring, table="p", field="name")


@pytest.mark.postgres
def test_postgres_failure_midway_changes_nothing(pg) -> None:
    """A missing third table aborts the transaction: the first two tables are as before."""
    engine, prefix = pg
    ring = Keyring.generate()
    _pg_setup(engine, prefix, ring)
    before = _pg_tables(engine, prefix)
    policy = _policy(prefix)
    policy["tables"][f"{prefix}missing"] = {"subject_column": "patient_id"}
    with pytest.raises(ErasureError) as info:
        erase_subject(VICTIM, engine, policy, keyring=ring, actor="dpo")
    assert "42P01" in str(info.value)  # undefined_table, by code: no driver message echoed
    assert _pg_tables(engine, prefix) == before
    assert ring.find_subject_key(VICTIM).status is KeyStatus.ACTIVE


@pytest.mark.postgres
def test_postgres_open_transaction_is_refused(pg) -> None:
    """A SQLAlchemy Connection with a transaction begun is refused, not committed for it."""
    engine, prefix = pg
    ring = Keyring.generate()
    _pg_setup(engine, prefix, ring)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT 1 FROM {prefix}labs")  # autobegins
        with pytest.raises(ErasureError, match="transaction open"):
            erase_subject(VICTIM, conn, _policy(prefix), keyring=ring, actor="dpo")


class _DbApi:
    """A plain DB-API connection (the generic path), optionally failing on commit."""

    def __init__(self, conn: sqlite3.Connection, *, fail_commit: bool = False) -> None:
        self._conn = conn
        self._fail = fail_commit

    def cursor(self) -> sqlite3.Cursor:
        return self._conn.cursor()

    def commit(self) -> None:
        if self._fail:
            raise sqlite3.OperationalError("disk I/O error")
        self._conn.commit()

    def rollback(self) -> None:
        self._conn.rollback()


def test_generic_dbapi_connection(sqlite_db) -> None:
    """Any DB-API connection with cursor/commit/rollback works through its paramstyle."""
    conn, ring, data = sqlite_db
    expected = _expected_after(data, ring)
    result = erase_subject(VICTIM, _DbApi(conn), _policy(""), keyring=ring, actor="dpo")
    assert result.total_rows == 5
    assert _sqlite_tables(conn) == expected


def test_commit_failure_after_the_shred_says_so(sqlite_db) -> None:
    """If the commit fails after the key was destroyed, the error says the rows are still there
    and running the erasure again finishes it."""
    conn, ring, data = sqlite_db
    before = _sqlite_tables(conn)
    with pytest.raises(ErasureError, match="run erase_subject again"):
        erase_subject(VICTIM, _DbApi(conn, fail_commit=True), _policy(""), keyring=ring,
                      actor="dpo")  # fmt: skip
    assert _sqlite_tables(conn) == before
    assert ring.find_subject_key(VICTIM).status is KeyStatus.DESTROYED
    result = erase_subject(VICTIM, conn, _policy(""), keyring=ring, actor="dpo")
    assert _sqlite_tables(conn) == _expected_after(data, ring)
    assert result.record.counts["keys_already_destroyed"] == 1


def test_tokens_under_the_subjects_own_key_are_found(tmp_path) -> None:
    """A token column filled with subject= tokens (under each subject's key) is matched too."""
    ring = Keyring.generate()
    conn = sqlite3.connect(tmp_path / "x.db")
    conn.execute("CREATE TABLE links (token TEXT, other TEXT)")
    for s in SUBJECTS:
        token = encrypt_deterministically(s, ring, table="links", field="token", subject=s)
        conn.execute("INSERT INTO links VALUES (?, ?)", (token, s[-1]))
    conn.commit()
    policy = {"tables": {"links": {"subject_column": "token", "match": "token"}}}
    result = erase_subject(VICTIM, conn, policy, keyring=ring, actor="dpo")
    assert result.rows["links"] == 1
    assert sorted(r[0] for r in conn.execute("SELECT other FROM links")) == ["1", "3"]
