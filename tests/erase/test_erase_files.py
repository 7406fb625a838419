"""File erasure: the old bytes are really overwritten where that means something, honest
reports elsewhere, and symlinks and special files refused before anything changes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

from medguard.erase import Assurance, RecordStatus, erase_file
from medguard.erase.storage import FsKind, locate
from medguard.errors import ErasureError, InvalidArgument, RefusedTarget

MARKER = b"PATIENT-110101199003077777-" * 1000  # 27 kB of a recognizable pattern


class FakeSink:
    """An AuditSink that keeps what it is given."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, dict[str, object]]] = []

    def append(self, action: str, /, **fields: object) -> dict[str, object]:
        self.entries.append((action, fields))
        return fields


def _write(path: Path, data: bytes = MARKER) -> Path:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return path


def _ordinary(tmp_path: Path) -> Path:
    if locate(tmp_path).kind is not FsKind.IN_PLACE:
        pytest.skip(f"{tmp_path} is not on an in-place file system")
    return tmp_path


def test_overwrite_reaches_the_inode_seen_through_an_open_descriptor(tmp_path: Path) -> None:
    """A descriptor opened before the erasure keeps the inode alive: its bytes are the new ones."""
    target = _write(_ordinary(tmp_path) / "note.txt")
    reader = os.open(target, os.O_RDONLY)
    try:
        result = erase_file(target, actor="dpo")
        after = os.pread(reader, len(MARKER) + 10, 0)
    finally:
        os.close(reader)
    assert not target.exists()
    assert len(after) == len(MARKER)  # same size, not truncated first
    assert after != MARKER
    assert b"PATIENT" not in after
    (outcome,) = result.files
    assert outcome.overwritten
    assert outcome.removed
    assert outcome.passes == 1
    assert result.record.counts["bytes_overwritten"] == len(MARKER)
    assert result.record.status is RecordStatus.COMPLETED


def test_several_passes_each_overwrite(tmp_path: Path) -> None:
    """passes=3 writes the file three times (the count of bytes says so)."""
    target = _write(_ordinary(tmp_path) / "a.bin")
    result = erase_file(target, passes=3, actor="dpo")
    assert result.files[0].passes == 3
    assert result.record.counts["bytes_overwritten"] == 3 * len(MARKER)
    assert "3 passes" in result.record.method


def test_the_name_is_not_left_behind(tmp_path: Path) -> None:
    """The file is renamed before the unlink: the directory holds nothing afterwards."""
    directory = _ordinary(tmp_path) / "d"
    directory.mkdir()
    _write(directory / "张三-病历.txt")
    erase_file(directory / "张三-病历.txt", actor="dpo")
    assert list(directory.iterdir()) == []


def _mountable() -> str | None:
    if os.geteuid() != 0:
        return "mounting a loop image needs root"
    if shutil.which("mkfs.ext4") is None or shutil.which("mount") is None:
        return "mkfs.ext4 or mount is not installed"
    return None


@pytest.fixture
def ext4_image(tmp_path: Path):
    """A freshly made ext4 file system on a loop device, mounted; yields (image, mount point)."""
    reason = _mountable()
    if reason:
        pytest.skip(reason)
    image, mount_point = tmp_path / "fs.img", tmp_path / "mnt"
    mount_point.mkdir()
    with open(image, "wb") as f:
        f.truncate(16 * 1024 * 1024)
    made = subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-O", "^has_journal", str(image)], capture_output=True
    )
    mounted = (
        made.returncode == 0
        and (
            subprocess.run(
                ["mount", "-o", "loop", str(image), str(mount_point)], capture_output=True
            )
        ).returncode
        == 0
    )
    if not mounted:
        pytest.skip("this machine cannot make or loop-mount an ext4 image")
    try:
        yield image, mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], capture_output=True, check=False)


def test_old_blocks_are_overwritten_on_a_loop_mounted_ext4_image(ext4_image) -> None:
    """After erasing and unmounting, the image holds no trace of the file's bytes."""
    image, mount_point = ext4_image
    target = _write(mount_point / "record.txt")
    os.sync()
    assert MARKER[:64] in image.read_bytes()  # the data really was on the "disk"
    result = erase_file(target, actor="dpo")
    assert result.files[0].fstype == "ext4"
    assert result.files[0].action == "overwrite and unlink"
    subprocess.run(["umount", str(mount_point)], capture_output=True, check=True)
    raw = image.read_bytes()
    assert b"PATIENT-110101199003077777" not in raw
    subprocess.run(["mount", "-o", "loop", str(image), str(mount_point)], check=True)


def test_tmpfs_is_reported_honestly() -> None:
    """A file in /dev/shm (tmpfs) is overwritten but reported 'none/unknown', with the reason."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or locate(shm).fstype != "tmpfs":
        pytest.skip("no tmpfs at /dev/shm on this machine")
    target = _write(shm / f"medguard-test-{uuid.uuid4().hex}")
    try:
        result = erase_file(target, actor="dpo")
    finally:
        target.unlink(missing_ok=True)
    (outcome,) = result.files
    assert outcome.fstype == "tmpfs"
    assert outcome.assurance is Assurance.NONE
    assert result.record.assurance is Assurance.NONE
    assert any("swap" in r for r in outcome.reasons)
    assert not target.exists()


def test_a_symlink_is_refused(tmp_path: Path) -> None:
    """A symlink is never followed nor removed: RefusedTarget(kind='symlink')."""
    real = _write(tmp_path / "real.txt")
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(RefusedTarget) as info:
        erase_file(link, actor="dpo")
    assert info.value.kind == "symlink"
    assert link.is_symlink()
    assert real.read_bytes() == MARKER


def test_a_fifo_is_refused(tmp_path: Path) -> None:
    """A FIFO is refused (opening it could block forever)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(RefusedTarget) as info:
        erase_file(fifo, actor="dpo")
    assert info.value.kind == "fifo"
    assert fifo.exists()


def test_a_socket_is_refused(tmp_path: Path) -> None:
    """A Unix socket is refused."""
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(RefusedTarget) as info:
            erase_file(path, actor="dpo")
    finally:
        server.close()
    assert info.value.kind == "socket"


def test_a_device_is_refused() -> None:
    """A character device (/dev/null) is refused."""
    with pytest.raises(RefusedTarget) as info:
        erase_file("/dev/null", actor="dpo")
    assert info.value.kind == "character device"


def test_a_directory_with_a_symlink_inside_is_refused_whole(tmp_path: Path) -> None:
    """The whole tree is checked first: one symlink deep inside and nothing is erased."""
    root = tmp_path / "export"
    (root / "sub").mkdir(parents=True)
    first = _write(root / "a.csv")
    (root / "sub" / "z-link").symlink_to(first)
    with pytest.raises(RefusedTarget):
        erase_file(root, actor="dpo")
    assert first.read_bytes() == MARKER


def test_a_directory_is_erased_recursively(tmp_path: Path) -> None:
    """Every file is erased and every directory removed; counts say how many."""
    root = _ordinary(tmp_path) / "export"
    (root / "sub" / "deeper").mkdir(parents=True)
    for name in ("a.csv", "sub/b.csv", "sub/deeper/c.csv"):
        _write(root / name)
    _write(root / "empty.txt", b"")
    sink = FakeSink()
    result = erase_file(root, actor="dpo", audit=sink)
    assert not root.exists()
    assert result.record.counts["files"] == 4
    assert result.record.counts["files_overwritten"] == 4
    assert result.directories_removed == 3
    assert result.record.what == "directory"
    assert [action for action, _ in sink.entries] == ["erase.record"]


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    """dry_run lists what would happen and touches no file; nothing reaches the audit sink."""
    root = tmp_path / "export"
    root.mkdir()
    target = _write(root / "a.csv")
    sink = FakeSink()
    result = erase_file(root, dry_run=True, actor="dpo", audit=sink)
    assert target.read_bytes() == MARKER
    assert result.dry_run
    assert result.record.status is RecordStatus.DRY_RUN
    assert [f.path for f in result.files] == [str(target)]
    assert not result.files[0].removed
    assert not result.files[0].overwritten
    assert sink.entries == []


def test_missing_file_and_bad_passes() -> None:
    """A missing path is an ErasureError; passes outside 1..35 an InvalidArgument."""
    with pytest.raises(ErasureError, match="no such file"):
        erase_file("/nonexistent/medguard-test", actor="dpo")
    with pytest.raises(InvalidArgument):
        erase_file("/dev/null", passes=0)


def test_record_never_holds_file_contents(tmp_path: Path) -> None:
    """The record names the path and counts bytes; the data itself appears nowhere."""
    target = _write(tmp_path / "a.txt")
    result = erase_file(target, actor="dpo")
    assert b"PATIENT" not in result.record.canonical_json()
    assert result.record.scope == (f"path:{target}",)


def test_the_file_system_root_is_refused() -> None:
    """erase_file('/') is refused outright, even as a dry run."""
    with pytest.raises(ErasureError, match="root"):
        erase_file("/", dry_run=True, actor="dpo")
