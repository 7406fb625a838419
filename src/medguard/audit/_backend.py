"""Where a trail's lines live: a file (one canonical JSON record a line) or an SQL table.

Both backends give the trail the same three things: a locked section in which it reads the
lines other writers appended since it last looked and writes its own (a file lock, or one
database transaction holding the table lock), a way to read every line in order, and a place
for checkpoints.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from medguard._store import Store
from medguard.errors import AuditError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = ["Backend", "FileBackend", "Locked", "SqlBackend", "open_backend"]

_CHUNK = 10_000
_BLOCK = 1 << 23


class Locked(Protocol):
    """The trail's view inside its lock."""

    position: int

    def tail(self, position: int) -> Iterator[list[bytes]]:
        """The complete lines written after ``position``, many at a time; once read,
        :attr:`position` is the position after them."""
        ...

    def write(self, lines: list[bytes]) -> int:
        """Append ``lines`` durably (one sync); the new position."""
        ...

    def add_checkpoint(self, size: int, note: str) -> None:
        """Store a checkpoint note for tree size ``size``."""
        ...


class Backend(Protocol):
    """A trail's storage."""

    where: str

    def locked(self) -> contextlib.AbstractContextManager[Locked]:
        """The locked section: nobody else appends until it ends."""
        ...

    def lines(self) -> Iterator[tuple[bytes, bool]]:
        """Every line in order, with ``False`` for a torn last line (no newline)."""
        ...

    def batches(self) -> Iterator[tuple[list[bytes], bytes | None]]:
        """The lines in order, many at a time; a torn last line comes as the second item."""
        ...

    def checkpoints(self) -> list[str]:
        """Every stored checkpoint note, oldest first."""
        ...

    def repair(self) -> int:
        """Cut a torn last line; how many bytes were cut (0 when none)."""
        ...

    def exists(self) -> bool:
        """True when there is a trail to read."""
        ...


class _FileLocked:
    def __init__(self, backend: FileBackend, fd: int) -> None:
        self._backend, self._fd = backend, fd
        self.position = 0

    def tail(self, position: int) -> Iterator[list[bytes]]:
        size = os.fstat(self._fd).st_size
        self.position = position
        if size == position:
            return iter(())
        if size < position:
            raise AuditError(
                f"the audit trail at {self._backend.where} shrank while open (truncated?)"
            )
        if os.pread(self._fd, 1, size - 1) != b"\n":
            raise AuditError(
                f"the audit trail at {self._backend.where} ends in a torn record (a crash "
                "during an append?): verify it, then cut it with `medguard audit repair`"
            )
        self.position = size
        return self._chunks(position, size)

    def _chunks(self, start: int, end: int) -> Iterator[list[bytes]]:
        carry = b""
        while start < end:
            data = os.pread(self._fd, min(_BLOCK, end - start), start)
            start += len(data)
            lines = (carry + data).split(b"\n")
            carry = lines.pop()
            yield lines

    def write(self, lines: list[bytes]) -> int:
        data = memoryview(b"".join(line + b"\n" for line in lines))
        while data:
            written = os.write(self._fd, data)
            data = data[written:]
        os.fsync(self._fd)
        return os.fstat(self._fd).st_size

    def add_checkpoint(self, size: int, note: str) -> None:
        line = json.dumps({"size": size, "note": note}, sort_keys=True, ensure_ascii=False)
        fd = os.open(self._backend.checkpoint_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)


class FileBackend:
    """A trail in a file: one record a line, appended under an exclusive ``flock``.

    Checkpoints go to ``<file>.checkpoints`` beside it (one JSON object a line).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.checkpoint_path = path.with_name(path.name + ".checkpoints")
        self.where = str(path)

    def exists(self) -> bool:
        """True when the trail file exists."""
        return self.path.exists()

    def _open(self) -> int:
        if fcntl is None:  # pragma: no cover - not POSIX
            raise AuditError("a file audit trail needs POSIX file locks: use an SQLite trail")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise AuditError(f"the audit trail at {self.where} cannot be opened: {exc}") from None

    @contextmanager
    def locked(self) -> Iterator[Locked]:
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield _FileLocked(self, fd)
            except OSError as exc:
                raise AuditError(f"the audit trail at {self.where} failed: {exc}") from None
        finally:
            os.close(fd)  # also releases the lock

    def lines(self) -> Iterator[tuple[bytes, bool]]:
        try:
            f = self.path.open("rb")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise AuditError(f"the audit trail at {self.where} cannot be read: {exc}") from None
        with f:
            for line in f:
                if line.endswith(b"\n"):
                    yield line[:-1], True
                else:
                    yield line, False

    def batches(self) -> Iterator[tuple[list[bytes], bytes | None]]:
        try:
            f = self.path.open("rb", buffering=0)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise AuditError(f"the audit trail at {self.where} cannot be read: {exc}") from None
        carry = b""
        with f:
            while True:
                block = f.read(_BLOCK)
                if not block:
                    break
                lines = (carry + block).split(b"\n")
                carry = lines.pop()
                yield lines, None
        if carry:
            yield [], carry

    def checkpoints(self) -> list[str]:
        try:
            text = self.checkpoint_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditError(f"the checkpoints of {self.where} cannot be read: {exc}") from None
        notes: list[str] = []
        for number, line in enumerate(text.splitlines(), 1):
            try:
                notes.append(str(json.loads(line)["note"]))
            except (ValueError, KeyError, TypeError):
                raise AuditError(
                    f"{self.checkpoint_path}: line {number} is not a checkpoint"
                ) from None
        return notes

    def repair(self) -> int:
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size == 0:
                return 0
            keep = size
            block = 4096
            while keep > 0:
                start = max(0, keep - block)
                data = os.pread(fd, keep - start, start)
                if start + len(data) == size and data.endswith(b"\n"):
                    return 0  # the last record is whole
                cut = data.rfind(b"\n")
                if cut >= 0:
                    keep = start + cut + 1
                    break
                keep = start
            os.ftruncate(fd, keep)
            os.fsync(fd)
            return size - keep
        finally:
            os.close(fd)


_RECORD_TABLE = (
    "CREATE TABLE IF NOT EXISTS audit_record (seq BIGINT PRIMARY KEY, line TEXT NOT NULL)"
)
_CHECKPOINT_TABLE = (
    "CREATE TABLE IF NOT EXISTS audit_checkpoint "
    "(id {id}, size BIGINT NOT NULL, note TEXT NOT NULL)"
)


class _SqlLocked:
    def __init__(self, db: object, next_seq: int) -> None:
        self._db = db
        self._next = next_seq
        self.position = 0

    def tail(self, position: int) -> Iterator[list[bytes]]:
        self.position = position
        last = position - 1
        while True:
            rows = self._db.rows(  # type: ignore[attr-defined]
                "SELECT seq, line FROM audit_record WHERE seq > :last ORDER BY seq LIMIT :n",
                {"last": last, "n": _CHUNK},
            )
            if rows:
                last = int(rows[-1][0])
                self.position += len(rows)
                yield [str(r[1]).encode("utf-8") for r in rows]
            if len(rows) < _CHUNK:
                return

    def write(self, lines: list[bytes]) -> int:
        start = self._next
        self._db.many(  # type: ignore[attr-defined]
            "INSERT INTO audit_record (seq, line) VALUES (:seq, :line)",
            [{"seq": start + i, "line": line.decode("utf-8")} for i, line in enumerate(lines)],
        )
        return start + len(lines)

    def add_checkpoint(self, size: int, note: str) -> None:
        self._db.rows(  # type: ignore[attr-defined]
            "INSERT INTO audit_checkpoint (size, note) VALUES (:size, :note)",
            {"size": size, "note": note},
        )


class SqlBackend:
    """A trail in the ``audit_record`` table of a SQLite file or a SQLAlchemy database.

    Appends run in one write transaction that locks the table first, so writers are serialized
    and a crash leaves whole transactions only.
    """

    def __init__(self, target: str) -> None:
        self._store = Store(
            target,
            schema=(_RECORD_TABLE, _CHECKPOINT_TABLE),
            error=AuditError,
            what="the audit trail",
        )
        self.where = self._store.where

    def exists(self) -> bool:
        """A database trail always exists (its tables are made on first use)."""
        return True

    @contextmanager
    def locked(self) -> Iterator[Locked]:
        with self._store.transaction() as db:
            db.lock_table("audit_record")
            top = db.rows("SELECT MAX(seq) FROM audit_record")[0][0]
            yield _SqlLocked(db, 0 if top is None else int(top) + 1)

    def lines(self) -> Iterator[tuple[bytes, bool]]:
        last = -1
        while True:
            with self._store.transaction(write=False) as db:
                rows = db.rows(
                    "SELECT seq, line FROM audit_record WHERE seq > :last ORDER BY seq LIMIT :n",
                    {"last": last, "n": _CHUNK},
                )
            for seq, line in rows:
                yield str(line).encode("utf-8"), True
                last = int(seq)
            if len(rows) < _CHUNK:
                return

    def batches(self) -> Iterator[tuple[list[bytes], bytes | None]]:
        batch: list[bytes] = []
        for line, _ in self.lines():
            batch.append(line)
            if len(batch) >= _CHUNK:
                yield batch, None
                batch = []
        yield batch, None

    def checkpoints(self) -> list[str]:
        with self._store.transaction(write=False) as db:
            rows = db.rows("SELECT note FROM audit_checkpoint ORDER BY id")
        return [str(r[0]) for r in rows]

    def repair(self) -> int:
        return 0  # a transaction is whole or absent: nothing is ever torn

    def close(self) -> None:
        """Close the store's connections."""
        self._store.close()


def open_backend(target: str | os.PathLike[str]) -> FileBackend | SqlBackend:
    """A file backend for a path, an SQL backend for ``sqlite:///`` or another database URL.

    A path ending in ``.db``, ``.sqlite`` or ``.sqlite3`` is an SQLite database too.
    """
    text = os.fspath(target)
    if "://" in text or text.endswith((".db", ".sqlite", ".sqlite3")):
        return SqlBackend(text)
    return FileBackend(Path(text))
