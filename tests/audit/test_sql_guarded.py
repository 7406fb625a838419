"""guarded(): flagged statements are refused before they run, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlglot")

from medguard.audit import AuditTrail
from medguard.audit.sql import guarded
from medguard.errors import AuditError, InvalidArgument, SQLRefused
from medguard.keys import Keyring

POLICY = {"patients": {"patient_id": 4, "resident_id": 4, "name": 4, "dept": 2}}
SECRET = "110105194912310021"


@pytest.fixture
def trail(tmp_path: Path) -> AuditTrail:
    return AuditTrail.open(tmp_path / "audit.jsonl", Keyring.generate())


def _sqlite() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE patients (patient_id INT, resident_id TEXT, name TEXT, dept TEXT)")
    conn.execute("INSERT INTO patients VALUES (1, ?, 'Zhang', 'ER'), (2, 'x', 'Li', 'ICU')",
                 (SECRET,))  # fmt: skip
    conn.commit()
    return conn


def _rows(conn: Any) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM patients").fetchone()[0])


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM patients",
        "DELETE FROM patients WHERE 1 = 1",
        "UPDATE patients SET dept = 'x'",
        "DROP TABLE patients",
        "SELECT name FROM patients WHERE patient_id = 1 OR '1' = '1'",
        "SELECT resident_id FROM patients",
        "SELEC broken",
    ],
)
def test_sqlite_refuses_before_execution(statement: str, trail: AuditTrail) -> None:
    """A flagged statement never reaches SQLite: the rows are all still there; it is recorded."""
    raw = _sqlite()
    conn = guarded(raw, POLICY, trail=trail, dialect="mysql")
    for run in (conn.execute, conn.cursor().execute):
        with pytest.raises(SQLRefused) as caught:
            run(statement)
        assert caught.value.findings
        assert isinstance(caught.value, AuditError)
    assert _rows(raw) == 2
    assert raw.execute("SELECT name FROM sqlite_master").fetchall() == [("patients",)]
    records = list(trail.records(action="sql.refused"))
    assert len(records) == 2
    assert records[0].fields["fingerprint"]
    assert trail.verify().ok


def test_sqlite_allows_and_records_sensitive_reads(trail: AuditTrail) -> None:
    """A single-patient read runs and is recorded (fingerprint, fields); a clean one is not."""
    conn = guarded(_sqlite(), POLICY, trail=trail, dialect="mysql")
    cur = conn.cursor()
    cur.execute("SELECT name, resident_id FROM patients WHERE patient_id = ?", (1,))
    assert cur.fetchall() == [("Zhang", SECRET)]
    assert conn.execute("SELECT dept FROM patients WHERE dept = 'ER'").fetchall() == [("ER",)]
    cur.executemany("UPDATE patients SET dept = ? WHERE patient_id = ?", [("A", 1), ("B", 2)])
    (read,) = trail.records(action="sql.sensitive_read")
    assert read.fields["fields"] == ["name", "resident_id"]
    assert read.fields["tables"] == ["patients"]
    assert list(trail.records(action="sql.refused")) == []


def test_records_hold_no_literal(trail: AuditTrail, tmp_path: Path) -> None:
    """Neither the refusal nor the exception holds the literal values of the statement."""
    conn = guarded(_sqlite(), POLICY, trail=trail)
    with pytest.raises(SQLRefused) as caught:
        conn.execute(f"SELECT name FROM patients WHERE resident_id = '{SECRET}' OR 1=1")
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value.findings)
    assert SECRET not in (tmp_path / "audit.jsonl").read_text()


def test_refuse_threshold() -> None:
    """refuse='high' lets a medium finding run; a bad threshold is an InvalidArgument."""
    conn = guarded(_sqlite(), POLICY, refuse="very high")
    assert conn.execute("DELETE FROM patients WHERE patient_id = 2").rowcount == 1
    assert conn.execute("DELETE FROM patients").rowcount == 1  # high: below 'very high'
    with pytest.raises(SQLRefused):
        conn.execute("SELECT dept FROM patients WHERE patient_id = 1 OR 1=1")
    with pytest.raises(InvalidArgument):
        guarded(_sqlite(), refuse="severe")


def test_executescript_stacked_refused() -> None:
    """sqlite3's executescript with stacked statements is refused as a whole."""
    raw = _sqlite()
    conn = guarded(raw)
    with pytest.raises(SQLRefused, match=r"MG\.INJ\.001"):
        conn.executescript(
            "UPDATE patients SET dept = 'x' WHERE patient_id = 1; DROP TABLE patients"
        )
    assert _rows(raw) == 2


def test_non_text_refused() -> None:
    """A statement that is not text is refused, not passed through unchecked."""
    with pytest.raises(SQLRefused):
        guarded(_sqlite()).execute(b"DELETE FROM patients")  # type: ignore[arg-type]


@pytest.mark.postgres
def test_postgres_refuses_before_execution(audit_pg_url: str, trail: AuditTrail) -> None:
    """On a real PostgreSQL, refused statements do not run; allowed ones do."""
    psycopg = pytest.importorskip("psycopg")
    from sqlalchemy.engine import make_url

    url = make_url(audit_pg_url)
    raw = psycopg.connect(host=url.query["host"], user=url.username, dbname=url.database,
                          autocommit=True)  # fmt: skip
    try:
        raw.execute("CREATE TABLE patients (patient_id INT, resident_id TEXT, name TEXT, "
                    "dept TEXT)")  # fmt: skip
        raw.execute("INSERT INTO patients VALUES (1, %s, 'Zhang', 'ER'), (2, 'x', 'Li', 'ICU')",
                    (SECRET,))  # fmt: skip
        conn = guarded(raw, POLICY, trail=trail, dialect="postgres")
        for statement in ("DELETE FROM patients", "TRUNCATE patients", "DROP TABLE patients",
                          "SELECT name FROM patients WHERE patient_id = 1 OR 2 > 1",
                          "COPY patients TO PROGRAM 'cat'",
                          "SELECT pg_sleep(0) FROM patients WHERE patient_id = 1"):  # fmt: skip
            with pytest.raises(SQLRefused):
                conn.execute(statement)
            with pytest.raises(SQLRefused), conn.cursor() as cur:
                cur.execute(statement)
        assert raw.execute("SELECT COUNT(*) FROM patients").fetchone() == (2,)
        with conn.cursor() as cur:
            cur.execute("SELECT name FROM patients WHERE patient_id = %s", (1,))
            assert cur.fetchall() == [("Zhang",)]
        assert len(list(trail.records(action="sql.refused"))) == 12
        assert len(list(trail.records(action="sql.sensitive_read"))) == 1
    finally:
        raw.close()


def test_cursor_from_connection_execute_is_guarded() -> None:
    """The cursor connection.execute returns cannot run a refused statement either."""
    raw = _sqlite()
    cur = guarded(raw).execute("SELECT dept FROM patients WHERE patient_id = 1")
    assert cur.fetchall() == [("ER",)]
    with pytest.raises(SQLRefused):
        cur.execute("DELETE FROM patients")
    assert _rows(raw) == 2
