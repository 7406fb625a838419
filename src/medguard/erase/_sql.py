"""One transaction on whatever connection the caller has: sqlite3, psycopg, any DB-API 2.0
connection, or a SQLAlchemy Connection or Engine.

:func:`transaction` yields a :class:`Sql` whose statements are written with ``?`` placeholders
(converted to the driver's paramstyle) and identifiers passed through :meth:`Sql.quote`; it
commits when the block ends and rolls back on any exception. A connection that already has a
transaction open is refused: the erasure must be a transaction of its own, so that committing it
commits nothing else and a rollback loses nothing else.

Driver errors are re-raised as :class:`~medguard.errors.ErasureError` naming the error class and
SQLSTATE only: their messages can quote values (a foreign-key detail names the key).
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from medguard.errors import ErasureError, MedguardError

__all__ = ["Sql", "describe_error", "transaction"]


def describe_error(exc: BaseException) -> str:
    """The class and code of a driver error, never its message (which may quote values)."""
    code = getattr(exc, "sqlstate", None) or getattr(exc, "sqlite_errorname", None)
    orig = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error
    if code is None and orig is not None:
        code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    name = type(orig if orig is not None else exc).__name__
    return f"{name} {code}" if code else name


@dataclass
class Sql:
    """Statements inside the erasure's transaction."""

    dialect: str
    _run: Callable[[str, Sequence[Any]], int]
    _scalar: Callable[[str, Sequence[Any]], int]
    _quote: Callable[[str], str]

    def quote(self, name: str) -> str:
        """A validated identifier (``name`` or ``schema.name``) quoted for this database."""
        return ".".join(self._quote(part) for part in name.split("."))

    def execute(self, sql: str, params: Sequence[Any]) -> int:
        """Run one statement with ``?`` placeholders; the number of rows it changed."""
        return self._run(sql, params)

    def count(self, sql: str, params: Sequence[Any]) -> int:
        """Run a ``SELECT COUNT(*)`` with ``?`` placeholders; the count."""
        return self._scalar(sql, params)


def _ansi_quote(part: str) -> str:
    return '"' + part.replace('"', '""') + '"'


def _placeholders(sql: str, style: str) -> tuple[str, Callable[[Sequence[Any]], Any]]:
    """``sql`` with ``?`` turned into ``style`` and a function turning params into its form."""
    if style == "qmark":
        return sql, list
    pieces = sql.split("?")
    if style in ("format", "pyformat"):
        return "%s".join(pieces), list
    if style == "numeric":
        out = pieces[0] + "".join(f":{i + 1}{p}" for i, p in enumerate(pieces[1:]))
        return out, list
    if style == "named":
        out = pieces[0] + "".join(f":p{i}{p}" for i, p in enumerate(pieces[1:]))
        return out, lambda params: {f"p{i}": v for i, v in enumerate(params)}
    raise ErasureError(f"unsupported DB-API paramstyle {style!r}")


def _cursor_ops(
    conn: Any, style: str
) -> tuple[Callable[[str, Sequence[Any]], int], Callable[[str, Sequence[Any]], int]]:
    def run(sql: str, params: Sequence[Any]) -> int:
        text, convert = _placeholders(sql, style)
        cur = conn.cursor()
        try:
            cur.execute(text, convert(params))
            return max(int(cur.rowcount), 0)
        finally:
            cur.close()

    def scalar(sql: str, params: Sequence[Any]) -> int:
        text, convert = _placeholders(sql, style)
        cur = conn.cursor()
        try:
            cur.execute(text, convert(params))
            row = cur.fetchone()
            return int(row[0]) if row else 0
        finally:
            cur.close()

    return run, scalar


def _rollback_quietly(rollback: Callable[[], object]) -> None:
    """After a failed commit: roll back what is left, keeping the commit's error as the one."""
    with contextlib.suppress(Exception):  # the commit's failure is what gets reported
        rollback()


def _refuse_open() -> ErasureError:
    return ErasureError(
        "the connection has a transaction open: commit or roll it back first, so that the "
        "erasure is one transaction of its own"
    )


@contextmanager
def _sqlite(conn: sqlite3.Connection) -> Iterator[Sql]:
    pep249 = getattr(conn, "autocommit", None) is False  # Python 3.12+: always in a transaction
    if conn.in_transaction and not pep249:
        raise _refuse_open()
    run, scalar = _cursor_ops(conn, "qmark")
    if not pep249:
        conn.execute("BEGIN IMMEDIATE")  # the write lock before the first read
    try:
        yield Sql("sqlite", run, scalar, _ansi_quote)
    except BaseException:
        if pep249:
            conn.rollback()
        else:
            conn.execute("ROLLBACK")
        raise
    try:
        if pep249:
            conn.commit()
        else:
            conn.execute("COMMIT")
    except BaseException:
        _rollback_quietly(lambda: conn.rollback() if pep249 else conn.execute("ROLLBACK"))
        raise


@contextmanager
def _psycopg(conn: Any) -> Iterator[Sql]:
    from psycopg import pq

    if conn.info.transaction_status != pq.TransactionStatus.IDLE:
        raise _refuse_open()
    run, scalar = _cursor_ops(conn, "format")
    with conn.transaction():  # BEGIN ... COMMIT, or ROLLBACK on an exception
        yield Sql("postgresql", run, scalar, _ansi_quote)


@contextmanager
def _dbapi(conn: Any) -> Iterator[Sql]:
    if getattr(conn, "autocommit", False) is True:
        raise ErasureError("the connection is in autocommit mode: the erasure needs a transaction")
    module = sys.modules.get(type(conn).__module__.split(".")[0])
    style = getattr(module, "paramstyle", "qmark")
    run, scalar = _cursor_ops(conn, style)
    name = type(conn).__module__.split(".")[0]
    try:
        yield Sql("postgresql" if name.startswith("psycopg") else name, run, scalar, _ansi_quote)
    except BaseException:
        conn.rollback()
        raise
    try:
        conn.commit()
    except BaseException:
        _rollback_quietly(conn.rollback)
        raise


@contextmanager
def _sqlalchemy(conn: Any) -> Iterator[Sql]:
    from sqlalchemy import text
    from sqlalchemy.engine import Engine

    def bind(sql: str, params: Sequence[Any]) -> tuple[Any, dict[str, Any]]:
        pieces = sql.split("?")
        named = pieces[0] + "".join(f":p{i}{p}" for i, p in enumerate(pieces[1:]))
        return text(named), {f"p{i}": v for i, v in enumerate(params)}

    if isinstance(conn, Engine):
        context = conn.begin()
    else:
        if conn.in_transaction():
            raise _refuse_open()
        context = conn.begin()
    with context as tx:
        c = tx if isinstance(conn, Engine) else conn
        prepare = c.dialect.identifier_preparer

        def run(sql: str, params: Sequence[Any]) -> int:
            result = c.execute(*bind(sql, params))
            return max(int(result.rowcount), 0)

        def scalar(sql: str, params: Sequence[Any]) -> int:
            return int(c.execute(*bind(sql, params)).scalar() or 0)

        yield Sql(c.dialect.name, run, scalar, prepare.quote_identifier)


def _is_sqlalchemy(conn: Any) -> bool:
    return type(conn).__module__.startswith("sqlalchemy.")


@contextmanager
def transaction(conn: Any) -> Iterator[Sql]:
    """One transaction on ``conn``; driver errors become :class:`ErasureError` (rolled back)."""
    if _is_sqlalchemy(conn):
        chosen: Any = _sqlalchemy(conn)
    elif isinstance(conn, sqlite3.Connection):
        chosen = _sqlite(conn)
    elif type(conn).__module__.startswith("psycopg.") and hasattr(conn, "transaction"):
        chosen = _psycopg(conn)
    elif callable(getattr(conn, "cursor", None)) and callable(getattr(conn, "commit", None)):
        chosen = _dbapi(conn)
    else:
        raise ErasureError(
            "connection must be a DB-API connection (sqlite3, psycopg, ...) or a SQLAlchemy "
            "Connection or Engine"
        )
    try:
        with chosen as sql:
            yield sql
    except MedguardError:
        raise
    except Exception as exc:
        raise ErasureError(
            f"the database refused the erasure ({describe_error(exc)}); it was rolled back"
        ) from None
