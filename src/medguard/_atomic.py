"""Files written whole or not at all: a temporary file beside the target, then a rename.

Every file medguard writes (keyring files, scan reports and baselines, the demo's outputs) goes
through :func:`replacing`, so a crash or a full disk never leaves a half-written file behind.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["replacing", "write_atomically"]


@contextmanager
def replacing(
    path: str | os.PathLike[str], *, mode: int | None = None, overwrite: bool = True
) -> Iterator[Path]:
    """A temporary path to write; on success it is synced and renamed to ``path``.

    ``mode`` is the new file's permission bits; by default the file keeps the mode it had, or
    gets the one an ordinary ``open`` would give it (not the owner-only mode of a temporary
    file). On an exception (a ``KeyboardInterrupt`` too) the temporary file is removed and
    ``path`` is left as it was. The temporary file is a hidden one beside ``path``
    (``.name.XXXX.tmp``): a process killed outright leaves it there, never a partial ``path``.

    ``overwrite=False`` never replaces a file: the commit links the temporary file to ``path``
    (atomic, failing when it exists) and raises :class:`FileExistsError` if something appeared
    at ``path`` meanwhile. Raises :class:`OSError` when the directory cannot be written.
    """
    target = Path(path)
    if mode is None:
        try:
            mode = target.stat().st_mode & 0o7777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())  # the rename must not land before the data
        os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, target)
        else:
            _link_new(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if os.name == "posix":  # and the rename itself must survive a crash
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _link_new(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the name ``target`` unless ``target`` exists (FileExistsError)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename (a small race)
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "file exists", str(target)) from None
        os.replace(tmp, target)
    else:
        tmp.unlink()


def write_atomically(
    path: str | os.PathLike[str], data: str | bytes, *, mode: int | None = None
) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all; see :func:`replacing`."""
    with replacing(path, mode=mode) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
