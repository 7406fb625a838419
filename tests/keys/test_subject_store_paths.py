"""The subject-key store's bulk statements: each fast path stores and reads exactly what the
general path does (three-value inserts of new subjects, JSON-array look-ups, row building)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from medguard.errors import KeyringError
from medguard.keys import KeyStatus, Suite
from medguard.keys import _subjects as sk

CREATED = "2026-01-02T03:04:05Z"


def _first(token: str, suite: Suite = Suite.AES, created: str = CREATED) -> sk.SubjectRow:
    return sk.SubjectRow(
        "s" + token, token, 1, suite, KeyStatus.ACTIVE, created, None, None, os.urandom(60)
    )


def _all(store: sk.MemoryDb) -> list[tuple[Any, ...]]:
    with store.transaction(write=False) as db:
        return db.rows(f"SELECT {sk.COLUMNS} FROM {sk.TABLE} ORDER BY key_id")


def _insert(store: sk.MemoryDb, rows: list[sk.SubjectRow]) -> list[str]:
    statements: list[str] = []
    with store.transaction() as db:
        many = db._many

        def spy(sql: str, params: Any) -> None:
            statements.append(sql)
            many(sql, params)

        object.__setattr__(db, "_many", spy)
        sk.insert_rows(db, rows)
    return statements


@pytest.mark.parametrize("suite", list(Suite))
def test_new_subject_rows_bind_three_values_and_store_the_same_row(suite: Suite) -> None:
    """A batch of first keys goes through the three-value INSERT and stores, column for column,
    what the nine-value INSERT stores."""
    rows = [_first(f"{i:024x}", suite) for i in range(50)]
    fast, general = sk.MemoryDb(), sk.MemoryDb()
    assert _insert(fast, rows) == [sk.INSERT_FIRST.format(suite=suite.value, created=CREATED)]
    with general.transaction() as db:
        db.many(sk.INSERT_POSITIONAL, rows)  # type: ignore[arg-type]
    assert _all(fast) == _all(general)
    assert [sk.SubjectRow.from_db(r) for r in _all(fast)] == rows


@pytest.mark.parametrize(
    "odd",
    [
        {"gen": 2, "key_id": "s" + "f" * 24 + "-2"},
        {"created": "2026-01-02T03:04:06Z"},
        {"suite": Suite.SM},
        {"status": KeyStatus.DISABLED},
        {"destroy_after": CREATED},
        {"created": "2026-01-02T03:04:05Z'); DROP TABLE x; --"},
    ],
)
def test_a_batch_that_is_not_all_first_keys_takes_the_general_insert(odd: dict[str, Any]) -> None:
    """One row that differs (a later generation, another time, suite or status, or a creation
    time that is not a plain timestamp) sends the batch through the nine-value INSERT, and
    every row is stored as given."""
    rows = [_first(f"{i:024x}") for i in range(5)]
    rows.append(_first("f" * 24)._replace(**odd))
    store = sk.MemoryDb()
    assert _insert(store, rows) == [sk.INSERT_POSITIONAL]
    assert sorted(sk.SubjectRow.from_db(r) for r in _all(store)) == sorted(rows)


def test_first_key_inserts_do_nothing_on_conflict() -> None:
    """A subject that already has a key keeps it: the fast INSERT skips the conflicting row."""
    store = sk.MemoryDb()
    kept = _first("a" * 24)
    _insert(store, [kept])
    _insert(store, [_first("a" * 24), _first("b" * 24)])
    stored = {r[1]: sk.SubjectRow.from_db(r) for r in _all(store)}
    assert stored["a" * 24] == kept
    assert set(stored) == {"a" * 24, "b" * 24}


@pytest.mark.parametrize("json_each", [True, False])
def test_look_ups_by_json_array_and_by_in_lists_agree(
    monkeypatch: pytest.MonkeyPatch, json_each: bool
) -> None:
    """select_where_in finds the same rows either way, whatever the duplicates, order or
    number of values (more than one IN list of CHUNK), and nothing for unknown values."""
    monkeypatch.setattr(sk, "_JSON_EACH", json_each)
    store = sk.MemoryDb()
    rows = [_first(f"{i:024x}") for i in range(0, 2 * sk.CHUNK + 20, 2)]
    _insert(store, rows)
    wanted = [f"{i:024x}" for i in range(2 * sk.CHUNK + 20)][::-1] * 2  # odd ones are unknown
    with store.transaction(write=False) as db:
        by_token = sk.select_where_in(db, "token", wanted)
        by_id = sk.select_where_in(db, "key_id", ["s" + t for t in wanted[:7]])
        assert sk.select_where_in(db, "token", []) == []
    assert sorted(by_token) == sorted(rows)
    assert sorted(r.token for r in by_id) == sorted(t for t in wanted[:7] if int(t, 16) % 2 == 0)


def test_rows_from_db_checks_and_converts_like_from_db() -> None:
    """The one-loop row builder gives from_db's rows, converts what a driver may return
    differently (a memoryview blob, a text generation), and refuses malformed rows."""
    good = ("s1", "t1", 1, "aes", "active", CREATED, None, None, b"w" * 60)
    assert sk.rows_from_db([good]) == [sk.SubjectRow.from_db(good)]
    odd = ("s2", "t2", "2", "sm", "destroyed", CREATED, CREATED, None, memoryview(b"x"))
    built = sk.rows_from_db([good, odd])
    assert built[1] == sk.SubjectRow.from_db(odd)
    assert (type(built[1].gen), type(built[1].wrapped)) == (int, bytes)
    for bad in ((*good[:3], "des", *good[4:]), (*good[:4], "lost", *good[5:]), good[:5]):
        with pytest.raises(KeyringError, match="malformed row"):
            sk.rows_from_db([good, bad])
