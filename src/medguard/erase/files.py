"""Honest file erasure: overwrite, fsync and unlink where that means something, and say where not.

:func:`erase_file` takes a regular file or a directory (recursively). Before touching anything
it walks the whole target and refuses symlinks and special files (FIFOs, sockets, devices)
with :class:`~medguard.errors.RefusedTarget`. Then, for each file, it finds the file system
and block device (:mod:`medguard.erase.storage`) and:

- overwrites the file in place with random bytes (``passes`` times, an ``fsync`` after each),
  renames it to a random name (file names can be personal data too) and unlinks it, syncing
  the directory -- NIST SP 800-88 "clear" on an in-place file system over a rotating disk;
- on copy-on-write and log-structured file systems only unlinks (an overwrite would land in
  new blocks), and everywhere the overwrite cannot reach the blocks (tmpfs and swap, network
  file systems, SSDs) reports assurance "none/unknown" with the reason, instead of pretending.

``dry_run=True`` reports what would happen and changes nothing. Every real run returns a
:class:`FileErasure` with its :class:`~medguard.erase.record.DestructionRecord`.
"""

from __future__ import annotations

import getpass
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass

from medguard.erase.record import (
    DEFAULT_LEGAL_BASIS,
    Assurance,
    DestructionRecord,
    RecordStatus,
    append_to,
    check_people,
)
from medguard.erase.storage import Mount, current_mounts, judge, locate
from medguard.errors import ErasureError, InvalidArgument, RefusedTarget
from medguard.typing import AuditSink

__all__ = ["FileErasure", "FileOutcome", "erase_file"]

_CHUNK = 1 << 20
_GENERAL_NOTE = (
    "copies elsewhere are not reached: backups, snapshots, earlier versions an editor or a "
    "rewrite-by-rename left in free blocks, and copies already shared"
)


@dataclass(frozen=True)
class FileOutcome:
    """What happened (or would happen, in a dry run) to one file.

    ``action`` is ``"overwrite and unlink"`` or ``"unlink"`` (where an overwrite cannot reach
    the blocks); ``overwritten`` and ``removed`` say what was done (both false in a dry run).
    ``assurance`` is ``clear`` only when the file was overwritten on an in-place file system over
    a rotating disk; ``reasons`` say what kept it lower and what remains out of view.
    """

    path: str
    size: int
    fstype: str
    device: str | None
    action: str
    overwritten: bool
    passes: int
    removed: bool
    assurance: Assurance
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class FileErasure:
    """The result of :func:`erase_file`: one :class:`FileOutcome` per file and the record."""

    path: str
    files: tuple[FileOutcome, ...]
    directories_removed: int
    dry_run: bool
    record: DestructionRecord

    @property
    def assurance(self) -> Assurance:
        """The weakest assurance over all files."""
        return self.record.assurance


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return "special file"


@dataclass(frozen=True)
class _Planned:
    path: str
    st: os.stat_result


def _walk(root: str) -> tuple[list[_Planned], list[str]]:
    """Every regular file under ``root`` and every directory (deepest first); refuse the rest."""
    try:
        st = os.lstat(root)
    except FileNotFoundError:
        raise ErasureError(f"cannot erase {root}: no such file or directory") from None
    except OSError as exc:
        raise ErasureError(f"cannot erase {root}: {exc.strerror}") from None
    if stat.S_ISREG(st.st_mode):
        return [_Planned(root, st)], []
    if not stat.S_ISDIR(st.st_mode):
        raise RefusedTarget(root, _kind(st.st_mode))
    files: list[_Planned] = []
    dirs: list[str] = []

    def visit(directory: str) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            raise ErasureError(f"cannot list {directory}: {exc.strerror}") from None
        for entry in entries:
            est = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(est.st_mode):
                visit(entry.path)
            elif stat.S_ISREG(est.st_mode):
                files.append(_Planned(entry.path, est))
            else:
                raise RefusedTarget(entry.path, _kind(est.st_mode))
        dirs.append(directory)

    visit(root)
    return files, dirs


def _judge(
    item: _Planned, mounts: list[Mount]
) -> tuple[bool, bool, str, str | None, tuple[str, ...]]:
    place = locate(item.path, mounts=mounts)
    verdict = judge(place)
    reasons = list(verdict.reasons)
    if place.fstype == "xfs":
        reasons.append("xfs writes extents shared with a reflinked copy copy-on-write")
    if item.st.st_nlink > 1:
        reasons.append(
            f"{item.st.st_nlink - 1} other hard link(s) name the same data: it is overwritten "
            "for them too, but their names remain"
        )
    device = place.device.name if place.device else None
    return verdict.overwrite, verdict.reaches_blocks, place.fstype, device, tuple(reasons)


def _chunks(size: int) -> Iterator[tuple[int, bytes]]:
    offset = 0
    while offset < size:
        n = min(_CHUNK, size - offset)
        yield offset, os.urandom(n)
        offset += n


def _overwrite(fd: int, size: int, passes: int) -> None:
    for _ in range(passes):
        for offset, data in _chunks(size):
            view = memoryview(data)
            while view:
                written = os.pwrite(fd, view, offset)
                view, offset = view[written:], offset + written
        os.fsync(fd)


def _sync_directory(directory: str) -> None:
    try:
        fd = os.open(directory or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a directory; the unlink still happened
        pass
    finally:
        os.close(fd)


def _erase_one(item: _Planned, overwrite: bool, passes: int) -> int:
    """Overwrite (when asked), rename and unlink one file; its size when it was opened."""
    flags = os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(item.path, flags)
    except OSError as exc:
        raise ErasureError(f"cannot open {item.path} for erasure: {exc.strerror}") from None
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (
            item.st.st_dev,
            item.st.st_ino,
        ):
            raise ErasureError(f"{item.path} was replaced during the erasure; it was left alone")
        size = now.st_size
        if overwrite and size:
            _overwrite(fd, size, passes)
    except OSError as exc:
        raise ErasureError(f"overwriting {item.path} failed: {exc.strerror}") from None
    finally:
        os.close(fd)
    directory = os.path.dirname(item.path)
    hidden = os.path.join(directory, "." + secrets.token_hex(12))
    try:
        os.rename(item.path, hidden)
        os.unlink(hidden)
    except OSError as exc:
        raise ErasureError(f"unlinking {item.path} failed: {exc.strerror}") from None
    _sync_directory(directory)
    return size


def _outcome(
    item: _Planned, judged: tuple[bool, bool, str, str | None, tuple[str, ...]], done: bool,
    passes: int, size: int | None = None,
) -> FileOutcome:  # fmt: skip
    overwrite, reaches, fstype, device, reasons = judged
    return FileOutcome(
        path=item.path,
        size=item.st.st_size if size is None else size,
        fstype=fstype,
        device=device,
        action="overwrite and unlink" if overwrite else "unlink",
        overwritten=done and overwrite,
        passes=passes if done and overwrite else 0,
        removed=done,
        assurance=Assurance.CLEAR if overwrite and reaches else Assurance.NONE,
        reasons=reasons,
    )


def _method(outcomes: list[FileOutcome], passes: int) -> str:
    actions = {o.action for o in outcomes}
    plural = "es" if passes > 1 else ""
    if not outcomes:
        return "directory removal (no files)"
    if actions == {"unlink"}:
        return "unlink only (an overwrite would not reach the blocks)"
    if actions == {"overwrite and unlink"}:
        return f"overwrite with random bytes ({passes} pass{plural}), fsync, rename, unlink"
    return f"overwrite ({passes} pass{plural}) where the file system allows, then unlink"


def erase_file(
    path: str | os.PathLike[str],
    *,
    passes: int = 1,
    dry_run: bool = False,
    actor: str | None = None,
    approver: str | None = None,
    legal_basis: str = DEFAULT_LEGAL_BASIS,
    audit: AuditSink | None = None,
) -> FileErasure:
    """Erase a file, or a directory and everything in it, as surely as the storage allows.

    ``passes`` random overwrites (1 is what NIST SP 800-88 asks for "clear"; more add nothing
    on modern disks). Symlinks and special files anywhere in the target raise
    :class:`~medguard.errors.RefusedTarget` before anything changes. ``actor`` defaults to the
    operating-system user. Returns a :class:`FileErasure`; its record is appended to ``audit``
    when given (not for a dry run). A failure midway raises
    :class:`~medguard.errors.ErasureError` after recording the files already erased.
    """
    if isinstance(passes, bool) or not isinstance(passes, int) or not 1 <= passes <= 35:
        raise InvalidArgument("passes must be an integer from 1 to 35")
    root = os.path.abspath(os.fspath(path))
    if actor is None:
        try:
            actor = getpass.getuser()
        except (KeyError, OSError):
            actor = "unknown"
    check_people(actor, approver, legal_basis)
    if os.path.dirname(root) == root:
        raise ErasureError(f"refusing to erase {root}: the root of the file system")
    files, dirs = _walk(root)
    mounts = current_mounts()
    judged = [_judge(item, mounts) for item in files]
    outcomes: list[FileOutcome] = []
    removed_dirs = 0
    failure: ErasureError | None = None
    if dry_run:
        outcomes = [_outcome(item, j, False, passes) for item, j in zip(files, judged, strict=True)]
    else:
        try:
            for item, j in zip(files, judged, strict=True):
                size = _erase_one(item, j[0], passes)
                outcomes.append(_outcome(item, j, True, passes, size))
            for directory in dirs:  # deepest first
                try:
                    os.rmdir(directory)
                except OSError as exc:
                    raise ErasureError(f"removing {directory} failed: {exc.strerror}") from None
                _sync_directory(os.path.dirname(directory))
                removed_dirs += 1
        except ErasureError as exc:
            failure = exc
    reasons: dict[str, None] = {}
    for outcome in outcomes:
        reasons.update(dict.fromkeys(outcome.reasons))
    counts = {
        "files": len(outcomes),
        "files_overwritten": sum(o.overwritten for o in outcomes),
        "bytes_overwritten": sum(o.size * o.passes for o in outcomes),
        "directories_removed": removed_dirs,
    }
    if failure is not None:
        counts["files_failed"] = len(files) - len(outcomes)
    record = DestructionRecord(
        what="directory" if dirs else "file",
        scope=(f"path:{root}",),
        method=_method(outcomes, passes),
        assurance=Assurance.weakest([o.assurance for o in outcomes]),
        actor=actor,
        approver=approver,
        legal_basis=legal_basis,
        counts=counts,
        status=RecordStatus.DRY_RUN if dry_run else RecordStatus.COMPLETED,
        notes=(*reasons, _GENERAL_NOTE),
    )
    append_to(audit, record)
    if failure is not None:
        raise ErasureError(f"{failure} (record {record.record_id} lists what was erased)")
    return FileErasure(root, tuple(outcomes), removed_dirs, dry_run, record)
