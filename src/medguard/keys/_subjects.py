"""The subject-key store: per-subject keys, wrapped, in SQL (SQLite by default, or PostgreSQL).

One row per subject key::

    key_id  token  gen  suite  status  created  destroyed  destroy_after  wrapped

``token`` is the keyed hash of the subject ID (:meth:`SubjectCrypto.token`): the store never
holds a subject ID. ``gen`` counts a subject's keys (1, 2, ... after rotations); the newest
one encrypts, older ones decrypt only. ``(token, gen)`` is UNIQUE, so two processes racing to
create a subject's first key both end up with the one that was committed first. ``wrapped`` is
``nonce || AEAD(kek, key material, associated data = key ID)``; it is NULL once destroyed.

Every statement runs in one transaction of :class:`medguard._store.Store` (or, for an
in-memory keyring, of :class:`MemoryDb`, a private in-memory SQLite database): a change is
visible only after its durable commit, and a failure changes nothing.

The key wrap is AES-256-GCM (SM4-GCM for a keyring of the ``sm`` suite) under the store's
key-encryption key, with a random 96-bit nonce and the key ID as associated data: an
authenticated, standard construction, and the ID binding means a wrapped key copied onto
another row does not unwrap. AES key wrap (RFC 3394/5649) and AES-GCM-SIV were measured as
alternatives for batches of new keys and are slower per key through pyca/cryptography (0.9 and
0.95 µs against 0.4 µs per AES-GCM call), so the stored format is unchanged and every existing
store reads as before.

Bulk paths: a column's tokens are looked up in one statement on SQLite (a JSON array read by
``json_each``; ``IN`` lists of :data:`CHUNK` elsewhere), rows come back through one tight loop
(:func:`rows_from_db`), and a batch of first keys (generation 1, active, one suite and one
creation time) is inserted binding three values per row instead of nine (:func:`insert_rows`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal, NamedTuple

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medguard._store import Db, Store
from medguard.errors import InvalidArgument, KeyringError
from medguard.hazmat.aead import Sm4Gcm
from medguard.hazmat.kdf import encode_info, hkdf
from medguard.keys.model import KeyInfo, KeyStatus, Suite

__all__ = [
    "TABLE",
    "MemoryDb",
    "SubjectCrypto",
    "SubjectRow",
    "checkpoint",
    "fast_hkdf",
    "hkdf_many",
    "open_store",
    "rows_from_db",
]

TABLE = "medguard_subject_keys"
SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " key_id VARCHAR(40) PRIMARY KEY,"
    " token VARCHAR(64) NOT NULL,"
    " gen INTEGER NOT NULL,"
    " suite VARCHAR(8) NOT NULL,"
    " status VARCHAR(24) NOT NULL,"
    " created VARCHAR(32) NOT NULL,"
    " destroyed VARCHAR(32),"
    " destroy_after VARCHAR(32),"
    " wrapped {blob},"
    " UNIQUE (token, gen))",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_pending ON {TABLE} (destroy_after)"
    " WHERE status = 'pending_destruction'",
)
COLUMNS = "key_id, token, gen, suite, status, created, destroyed, destroy_after, wrapped"
# Statements over the constant table and column names above (no user input is formatted in).
_SELECT = f"SELECT {COLUMNS} FROM {TABLE}"  # noqa: S608
SELECT_PAGE = _SELECT + " ORDER BY created, key_id LIMIT :limit OFFSET :offset"
SELECT_DUE = _SELECT + " WHERE status = 'pending_destruction' AND destroy_after <= :now"
COUNT_BY_STATUS = f"SELECT status, COUNT(*) FROM {TABLE} GROUP BY status"  # noqa: S608
DISTINCT_TOKENS = f"SELECT DISTINCT token FROM {TABLE} ORDER BY token"  # noqa: S608
DESTROY_DUE = (
    f"UPDATE {TABLE} SET status = 'destroyed', destroyed = :when, destroy_after = NULL,"  # noqa: S608
    " wrapped = NULL WHERE key_id = :key_id AND status = 'pending_destruction'"
)
UPDATE_STATUS = (
    f"UPDATE {TABLE} SET status = :status, destroyed = :destroyed,"  # noqa: S608
    " destroy_after = :destroy_after, wrapped = :wrapped WHERE key_id = :key_id"
)
INSERT = (
    f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (:key_id, :token, :gen, :suite, :status,"  # noqa: S608
    " :created, :destroyed, :destroy_after, :wrapped) ON CONFLICT DO NOTHING"
)
CHUNK = 500  # parameters per IN (...) list
TOKEN_BYTES = 12  # 96-bit tokens: no collision in practice among billions of subjects
NONCE = 12


_SUITES = {s.value: s for s in Suite}
_STATUSES = {s.value: s for s in KeyStatus}


class SubjectRow(NamedTuple):
    """One row of the store (``wrapped`` still wrapped)."""

    key_id: str
    token: str
    gen: int
    suite: Suite
    status: KeyStatus
    created: str
    destroyed: str | None
    destroy_after: str | None
    wrapped: bytes | None

    @classmethod
    def from_db(cls, row: Sequence[Any]) -> SubjectRow:
        """A row as the database returns it (``COLUMNS`` order)."""
        try:
            wrapped = row[8]
            return cls(
                row[0],
                row[1],
                int(row[2]),
                _SUITES[row[3]],
                _STATUSES[row[4]],
                row[5],
                row[6],
                row[7],
                None if wrapped is None else bytes(wrapped),
            )
        except (TypeError, ValueError, KeyError, IndexError):
            raise KeyringError("the subject-key store holds a malformed row") from None

    def info(self, subject: str | None = None) -> KeyInfo:
        """Public metadata of this key (no material)."""
        return KeyInfo(
            self.key_id,
            self.suite,
            self.status,
            self.created,
            subject=subject,
            destroyed=self.destroyed,
            subject_token=self.token,
            destroy_after=self.destroy_after,
            generation=self.gen,
        )


# ----------------------------------------------------------------------------- crypto

_TRANS_36 = bytes(x ^ 0x36 for x in range(256))
_TRANS_5C = bytes(x ^ 0x5C for x in range(256))
_HKDF_SALT = b"medguard/keyring/v1"


def _hash_name(suite: Suite) -> Literal["sha256", "sm3"]:
    return "sha256" if suite is Suite.AES else "sm3"


class _Hmac:
    """HMAC with a fixed key, re-used by copying the keyed hash states (about 3x faster than
    ``hmac.digest`` per call for short messages). Output is standard HMAC. Where OpenSSL's
    hashlib lacks SM3, pyca/cryptography's HMAC-SM3 is used instead (slower, same output)."""

    __slots__ = ("_inner", "_key", "_name", "_outer")

    def __init__(self, key: bytes, name: str) -> None:
        self._key, self._name = key, name
        self._inner: Any = None
        self._outer: Any = None
        if name not in _HASHLIB:
            return
        block = 64  # SHA-256 and SM3 both have 64-byte blocks
        if len(key) > block:
            key = hashlib.new(name, key).digest()
        key = key.ljust(block, b"\0")
        self._inner = hashlib.new(name, key.translate(_TRANS_36))
        self._outer = hashlib.new(name, key.translate(_TRANS_5C))

    def prefixed(self, prefix: bytes) -> Any:
        """The inner hash state with ``prefix`` absorbed (for messages sharing it)."""
        state = self._inner.copy()
        state.update(prefix)
        return state

    def digest(self, message: bytes) -> bytes:
        if self._inner is None:
            return _slow_hmac(self._key, message, self._name)
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()  # type: ignore[no-any-return]


def _has_json_each() -> bool:
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as conn:
            conn.execute("SELECT value FROM json_each('[1]')").fetchall()
    except sqlite3.Error:  # pragma: no cover - SQLite built without JSON (before 3.38)
        return False
    return True


_JSON_EACH = _has_json_each()


def _available(name: str) -> bool:
    try:
        hashlib.new(name)
    except ValueError:  # pragma: no cover - depends on the OpenSSL build
        return False
    return True


_HASHLIB = {name for name in ("sha256", "sm3") if _available(name)}


def _slow_hmac(key: bytes, message: bytes, name: str) -> bytes:  # pragma: no cover - rare
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.hmac import HMAC

    mac = HMAC(key, hashes.SM3() if name == "sm3" else hashes.SHA256())
    mac.update(message)
    return mac.finalize()


_HASH_NAMES: dict[Suite, Literal["sha256", "sm3"]] = {Suite.AES: "sha256", Suite.SM: "sm3"}
_EXTRACT = {name: _Hmac(_HKDF_SALT, name) for name in _HASH_NAMES.values()}


def fast_hkdf(material: bytes, info: bytes, length: int, suite: Suite) -> bytes:
    """RFC 5869 HKDF (salt ``medguard/keyring/v1``), byte-identical to :func:`hkdf`, cheaper
    per call (the extract step re-uses a keyed hash state; the expand step is one-shot HMAC);
    the keyring derives every subkey with it."""
    name = _HASH_NAMES[suite]
    prk = _EXTRACT[name].digest(material)
    one = hmac.digest if name in _HASHLIB else _slow_hmac
    if length <= 32:
        return one(prk, info + b"\x01", name)[:length]
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = one(prk, block + info + bytes((counter,)), name)
        out += block
        counter += 1
    return out[:length]


def hkdf_many(
    materials: Sequence[bytes], infos: Sequence[bytes], length: int, suite: Suite
) -> list[bytes]:
    """:func:`fast_hkdf` of many (material, info) pairs in one tight loop: the extract step
    copies the salt-keyed hash states, the expand step (one HMAC block for ``length`` <= 32)
    is computed from the PRK's pads with two one-shot hashes."""
    name = _HASH_NAMES[suite]
    if length > 32 or name not in _HASHLIB:
        return [fast_hkdf(m, i, length, suite) for m, i in zip(materials, infos, strict=True)]
    extract = _EXTRACT[name]
    inner0, outer0 = extract._inner, extract._outer
    new = hashlib.sha256 if name == "sha256" else functools.partial(hashlib.new, name)
    pad, t36, t5c = b"\0" * 32, _TRANS_36, _TRANS_5C
    out: list[bytes] = []
    append = out.append
    for material, info in zip(materials, infos, strict=True):
        a = inner0.copy()
        a.update(material)
        b = outer0.copy()
        b.update(a.digest())
        prk = b.digest() + pad  # 32 bytes: zero-padded to the 64-byte block
        okm = new(prk.translate(t5c) + new(prk.translate(t36) + info + b"\x01").digest())
        append(okm.digest()[:length])
    return out


class SubjectCrypto:
    """The store's two keys, derived from the keyring's store key: the index key (subject
    tokens) and the key-encryption key (wrapping subject keys)."""

    def __init__(self, store_key: bytes, suite: Suite) -> None:
        self.suite = suite
        name = _hash_name(suite)
        self._index = _Hmac(
            hkdf(store_key, info=encode_info("medguard", "subject-index"), hash=name), name
        )
        kek = hkdf(store_key, info=encode_info("medguard", "subject-wrap"), hash=name)
        self._aes = AESGCM(kek) if suite is Suite.AES else None
        self._sm4 = Sm4Gcm(kek[:16]) if suite is Suite.SM else None

    def __repr__(self) -> str:
        return f"SubjectCrypto(suite={self.suite.value!r})"

    def __reduce__(self) -> tuple[object, ...]:
        raise KeyringError("subject-store keys cannot be pickled")

    def token(self, subject: str) -> str:
        """The keyed hash of a subject ID (hex): what the store, tombstones and audit hold."""
        if not isinstance(subject, str) or not subject:
            raise InvalidArgument("a subject is a non-empty string")
        try:
            data = subject.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidArgument("a subject must be valid Unicode (no lone surrogates)") from None
        return self._index.digest(b"subject\x00" + data)[:TOKEN_BYTES].hex()

    def tokens(self, subjects: Sequence[str]) -> list[str]:
        """:meth:`token` of many subjects (a tight loop over copies of the keyed hash state,
        with ``subject\\x00`` already absorbed)."""
        index = self._index
        if index._inner is None:  # pragma: no cover - no hashlib SM3 in this OpenSSL build
            return [self.token(s) for s in subjects]
        inner, outer = index.prefixed(b"subject\x00"), index._outer
        out: list[str] = []
        append = out.append
        for subject in subjects:
            if type(subject) is not str or not subject:
                self.token(subject)  # raises the specific error
            try:
                data = subject.encode("utf-8")
            except UnicodeEncodeError:
                self.token(subject)
                raise  # pragma: no cover - token() raised
            a = inner.copy()
            a.update(data)
            b = outer.copy()
            b.update(a.digest())
            append(b.digest()[:TOKEN_BYTES].hex())
        return out

    def wrap(self, key_ids: Sequence[str], materials: Sequence[bytes]) -> list[bytes]:
        """``nonce || AEAD(kek, material, key_id)`` for each key."""
        pool = os.urandom(NONCE * len(key_ids))
        nonces = [pool[i : i + NONCE] for i in range(0, len(pool), NONCE)]
        ads = [k.encode("ascii") for k in key_ids]
        if self._aes is not None:
            bodies = list(map(self._aes.encrypt, nonces, materials, ads))
        else:
            assert self._sm4 is not None
            bodies = list(map(self._sm4.encrypt, nonces, materials, ads))
        return [n + b for n, b in zip(nonces, bodies, strict=True)]

    def unwrap_many(self, key_ids: Sequence[str], wrapped: Sequence[bytes]) -> list[bytes]:
        """:meth:`unwrap` of many keys (one AEAD object, a tight loop)."""
        decrypt = self._aes.decrypt if self._aes is not None else None
        if decrypt is None:
            return [self.unwrap(k, w) for k, w in zip(key_ids, wrapped, strict=True)]
        out: list[bytes] = []
        append = out.append
        try:
            for kid, blob in zip(key_ids, wrapped, strict=True):
                append(decrypt(blob[:NONCE], blob[NONCE:], kid.encode()))
        except Exception:  # the same opaque error as unwrap(), naming the key
            self.unwrap(key_ids[len(out)], wrapped[len(out)])
            raise  # pragma: no cover - unwrap raised
        return out

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        """The material of one wrapped key; :class:`KeyringError` if it does not authenticate."""
        try:
            if self._aes is not None:
                return self._aes.decrypt(wrapped[:NONCE], wrapped[NONCE:], key_id.encode())
            assert self._sm4 is not None
            return self._sm4.decrypt(wrapped[:NONCE], wrapped[NONCE:], key_id.encode())
        except Exception:  # InvalidTag, DecryptionError, a malformed blob: all the same here
            raise KeyringError(
                f"subject key {key_id!r} does not unwrap: the store belongs to another keyring "
                "or was modified"
            ) from None


# ----------------------------------------------------------------------------- storage


class MemoryDb:
    """A private in-memory SQLite database with :class:`Store`'s ``transaction`` interface,
    for in-memory keyrings (one connection shared by the threads, under a lock)."""

    def __init__(self) -> None:
        self._conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        types = {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB", "float": "REAL"}
        for statement in SCHEMA:
            self._conn.execute(statement.format(**types))
        self._lock = threading.RLock()
        self.where = "memory"
        self.dialect = "sqlite"

    def __reduce__(self) -> tuple[object, ...]:
        raise KeyringError("an in-memory subject-key store cannot be pickled")

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Db]:
        """One transaction (the lock serializes every use of the connection)."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")

            def run(sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
                return conn.execute(sql, params).fetchall()

            def many(sql: str, params: Sequence[Mapping[str, Any]]) -> None:
                conn.executemany(sql, params)

            try:
                yield Db("sqlite", "", run, many)
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise KeyringError(f"the in-memory subject-key store failed: {exc}") from None
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Nothing to release (the database lives as long as the keyring)."""


def open_store(target: str | os.PathLike[str]) -> Store:
    """The subject-key store at a SQLite path or SQLAlchemy URL (created on first use)."""
    text = os.fspath(target)
    if "://" not in text:
        _precreate_private(text)
    return Store(target, schema=SCHEMA, error=KeyringError, what="the subject-key store")


def _precreate_private(path: str) -> None:
    """Create a new SQLite file owner-only (0600) before SQLite does (its WAL and shared-memory
    files copy the database's permissions)."""
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)


AnyDb = Store | MemoryDb


def checkpoint(store: AnyDb) -> None:
    """Move every committed page of a SQLite store from its write-ahead log into the database
    file and truncate the log to zero bytes (``PRAGMA wal_checkpoint(TRUNCATE)``), so the
    bytes of keys destroyed just now (zeroed in the database by ``secure_delete``) are no
    longer in the ``-wal`` file either. It waits (up to a minute) for readers of older
    snapshots. A no-op for in-memory and server stores (PostgreSQL recycles its WAL itself).
    """
    if not isinstance(store, Store) or store.path is None:
        return
    # A checkpoint that meets a writer mid-commit can fail at once with "database is locked"
    # instead of waiting in the busy handler: retry with back-off until the minute is up.
    deadline, pause = time.monotonic() + 60, 0.01
    while True:
        try:
            conn = sqlite3.connect(store.path, timeout=60, isolation_level=None)
            try:
                busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                conn.close()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise KeyringError(
                    f"the subject-key store could not be checkpointed: {exc}"
                ) from None
            busy = (1,)
        except sqlite3.Error as exc:
            raise KeyringError(f"the subject-key store could not be checkpointed: {exc}") from None
        if busy is None or not busy[0]:
            return
        if time.monotonic() >= deadline:
            raise KeyringError(
                "the keys are destroyed, but the subject-key store's log could not be "
                "checkpointed (a reader held it for a minute): run the destruction again to retry"
            )
        time.sleep(pause)
        pause = min(pause * 2, 1.0)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def select_where_in(
    db: Db, column: str, values: Sequence[str], extra: str = ""
) -> list[SubjectRow]:
    """Every row whose ``column`` (``key_id`` or ``token``) is one of ``values``.

    On SQLite the values travel as one JSON array (``IN (SELECT value FROM json_each(...))``):
    one statement for any number of them, a fifth less CPU per row than lists of ``IN``
    parameters; elsewhere (PostgreSQL) in ``IN`` lists of :data:`CHUNK`.
    """
    if column not in ("key_id", "token"):
        raise AssertionError(column)
    # in index order: the look-ups walk the B-tree forward (a third less CPU)
    wanted = sorted(set(values))
    if not wanted:
        return []
    if db.dialect == "sqlite" and _JSON_EACH:
        # column is one of two names (checked above); the values are bound, not formatted in
        sql = f"{_SELECT} WHERE {column} IN (SELECT value FROM json_each(:values)){extra}"  # noqa: S608
        return rows_from_db(db.rows(sql, {"values": json.dumps(wanted)}))
    out: list[SubjectRow] = []
    for part in chunks(wanted):
        names = ", ".join(f":v{i}" for i in range(len(part)))
        params = {f"v{i}": v for i, v in enumerate(part)}
        sql = f"{_SELECT} WHERE {column} IN ({names}){extra}"
        out.extend(rows_from_db(db.rows(sql, params)))
    return out


def rows_from_db(raw: Sequence[Sequence[Any]]) -> list[SubjectRow]:
    """:meth:`SubjectRow.from_db` of many rows: one tight loop when every row has the types
    SQLite and psycopg return (``int`` generation, ``bytes`` or NULL blob), else row by row."""
    new, suites, statuses = tuple.__new__, _SUITES, _STATUSES
    try:
        rows: list[SubjectRow] = [
            new(
                SubjectRow, (r[0], r[1], r[2], suites[r[3]], statuses[r[4]], r[5], r[6], r[7], r[8])
            )
            for r in raw
        ]
    except (TypeError, KeyError, IndexError):
        raise KeyringError("the subject-key store holds a malformed row") from None
    for row in rows:
        if type(row[2]) is not int or (row[8] is not None and type(row[8]) is not bytes):
            return [SubjectRow.from_db(r) for r in raw]  # converts, or names the bad row
    return rows


def newest(rows: Sequence[SubjectRow]) -> dict[str, SubjectRow]:
    """The newest generation per token."""
    best: dict[str, SubjectRow] = {}
    for row in rows:
        seen = best.get(row.token)
        if seen is None or row.gen > seen.gen:
            best[row.token] = row
    return best


INSERT_POSITIONAL = (
    f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
    " ON CONFLICT DO NOTHING"
)


def insert_rows(db: Db, rows: Sequence[SubjectRow]) -> None:
    """``INSERT ... ON CONFLICT DO NOTHING`` (the caller reads back what won)."""
    if not rows:
        return
    if db.dialect == "sqlite":
        first = rows[0]
        suite, created, active = first.suite, first.created, KeyStatus.ACTIVE
        if (
            _STAMP.fullmatch(created)
            and suite in _SUITES.values()
            and all(
                r[2] == 1
                and r[4] is active
                and r[3] is suite
                and r[5] == created
                and r[6] is None
                and r[7] is None
                for r in rows
            )
        ):  # a column of new subjects: three values bound per row
            sql = INSERT_FIRST.format(suite=suite.value, created=created)
            db.many(sql, [(r[0], r[1], r[8]) for r in rows])  # type: ignore[misc]
            return
        # the rows themselves are the parameters: SQLite binds the str enums as their text
        db.many(INSERT_POSITIONAL, rows)  # type: ignore[arg-type]
        return
    db.many(
        INSERT,
        [
            {
                "key_id": r.key_id,
                "token": r.token,
                "gen": r.gen,
                "suite": str.__str__(r.suite),  # the plain str of a StrEnum
                "status": str.__str__(r.status),
                "created": r.created,
                "destroyed": r.destroyed,
                "destroy_after": r.destroy_after,
                "wrapped": r.wrapped,
            }
            for r in rows
        ],
    )


# Rows of new subjects (generation 1, active, one suite and one creation time) bind three
# values each, a third of the CPU of nine. The literals formatted in come from the Suite enum
# and from a creation time checked against _STAMP.
INSERT_FIRST = (
    f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, 1, '{{suite}}', 'active', '{{created}}',"  # noqa: S608
    " NULL, NULL, ?) ON CONFLICT DO NOTHING"
)
_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def changes(db: Db) -> int | None:
    """Rows changed by this SQLite connection so far (``None`` elsewhere)."""
    if db.dialect != "sqlite":
        return None
    return int(db.rows("SELECT total_changes()")[0][0])


Unwrapper = Callable[[str, bytes], bytes]
