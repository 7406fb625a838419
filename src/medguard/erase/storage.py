"""Where a file's bytes live (file system, block device) and whether an overwrite reaches them.

:func:`locate` finds the mount of a path in ``/proc/self/mountinfo`` (by device number, then by
the longest mount point), falls back to the ``statfs`` magic number, and reads the block
device's ``/sys/block/<disk>/queue`` (``rotational``, discard support). :func:`judge` turns
that into what an in-place overwrite can achieve:

- ``in-place`` file systems (ext2/3/4, XFS, FAT, exFAT, NTFS, ...) on a rotating disk: the
  overwrite reaches the blocks, NIST SP 800-88 "clear";
- copy-on-write and log-structured file systems (btrfs, ZFS, bcachefs, F2FS, NILFS) and union
  mounts (overlayfs): new writes go to new blocks and the old ones stay until reused, so medguard
  does not pretend: it only unlinks, assurance "none/unknown";
- memory file systems (tmpfs, ramfs): the overwrite changes the pages the file still owns, but
  pages swapped out before keep their copies in swap: "none/unknown";
- network and FUSE file systems: the server decides where writes land (snapshots, caches):
  "none/unknown";
- SSDs and other flash (``rotational`` 0): wear levelling and remapping send an overwrite to
  fresh pages: "none/unknown" -- use the drive's sanitize command or cryptographic erase.

Linux only; elsewhere everything is "unknown" and said so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import enum
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["FsKind", "Mount", "Placement", "current_mounts", "judge", "locate", "parse_mountinfo"]


class FsKind(enum.StrEnum):
    """What an in-place overwrite means on a family of file systems."""

    IN_PLACE = "in-place"
    COPY_ON_WRITE = "copy-on-write"
    MEMORY = "memory"
    NETWORK = "network"
    UNKNOWN = "unknown"


_IN_PLACE = {
    "ext2", "ext3", "ext4", "xfs", "vfat", "msdos", "fat", "exfat", "ntfs", "ntfs3", "hfs",
    "hfsplus", "jfs", "reiserfs", "minix", "ufs",
}  # fmt: skip
_COPY_ON_WRITE = {"btrfs", "zfs", "bcachefs", "f2fs", "nilfs2", "overlay", "aufs", "unionfs"}
_MEMORY = {"tmpfs", "ramfs", "devtmpfs", "hugetlbfs"}
_NETWORK = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre", "gpfs",
    "virtiofs", "davfs", "ncpfs", "coda",
}  # fmt: skip

#: statfs f_type magic numbers (linux/magic.h), for when /proc/self/mountinfo is unavailable.
_MAGIC = {
    0xEF53: "ext4",
    0x58465342: "xfs",
    0x4D44: "vfat",
    0x2011BAB0: "exfat",
    0x5346544E: "ntfs",
    0x9123683E: "btrfs",
    0x2FC12FC1: "zfs",
    0xCA451A4E: "bcachefs",
    0xF2F52010: "f2fs",
    0x3434: "nilfs2",
    0x794C7630: "overlay",
    0x01021994: "tmpfs",
    0x858458F6: "ramfs",
    0x6969: "nfs",
    0xFF534D42: "cifs",
    0xFE534D42: "smb3",
    0x01021997: "9p",
    0x65735546: "fuse",
    0x00C36400: "ceph",
}


def kind_of(fstype: str) -> FsKind:
    """The :class:`FsKind` of a file system type name from ``mountinfo`` (``fuse.sshfs``...)."""
    base = fstype.lower()
    if base in _IN_PLACE:
        return FsKind.IN_PLACE
    if base in _COPY_ON_WRITE:
        return FsKind.COPY_ON_WRITE
    if base in _MEMORY:
        return FsKind.MEMORY
    if base in _NETWORK or base == "fuse" or base.startswith(("fuse.", "fuseblk", "nfs")):
        return FsKind.NETWORK
    return FsKind.UNKNOWN


@dataclass(frozen=True)
class Mount:
    """One line of ``/proc/self/mountinfo``."""

    device: tuple[int, int]
    mount_point: str
    fstype: str
    source: str
    options: frozenset[str]


def _unescape(text: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as \040, \011, \012, \134
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 3 < len(text) and text[i + 1 : i + 4].isdigit():
            out.append(chr(int(text[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> list[Mount]:
    """Parse the text of ``/proc/<pid>/mountinfo`` (malformed lines are skipped)."""
    mounts = []
    for line in text.split("\n"):  # only \n ends a line: \r and others stay in names
        fields = line.split(" ")
        try:
            sep = fields.index("-", 6)
            major, minor = fields[2].split(":")
            options = set(fields[5].split(","))
            if len(fields) > sep + 3:
                options |= set(fields[sep + 3].split(","))
            mounts.append(
                Mount(
                    (int(major), int(minor)),
                    _unescape(fields[4]),
                    fields[sep + 1],
                    _unescape(fields[sep + 2]),
                    frozenset(options),
                )
            )
        except (ValueError, IndexError):
            continue
    return mounts


def current_mounts() -> list[Mount]:
    """The mounts of this process (``/proc/self/mountinfo``; empty where there is none)."""
    try:
        return parse_mountinfo(Path("/proc/self/mountinfo").read_text(encoding="utf-8"))
    except OSError:
        return []


def _statfs_type(path: str) -> str | None:
    """The file system type from ``statfs(2)``'s magic number (Linux; ``None`` elsewhere)."""
    name = ctypes.util.find_library("c")
    if name is None or not hasattr(os, "statvfs"):
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        buffer = ctypes.create_string_buffer(256)  # struct statfs is 120 bytes on 64-bit Linux
        if libc.statfs(os.fsencode(path), buffer) != 0:
            return None
    except (OSError, AttributeError):
        return None
    magic = ctypes.c_ulong.from_buffer(buffer).value & 0xFFFFFFFF  # f_type comes first
    return _MAGIC.get(magic)


@dataclass(frozen=True)
class Device:
    """A block device as sysfs describes it (``None`` fields where sysfs says nothing)."""

    name: str
    rotational: bool | None
    discard: bool | None
    virtual: bool
    loop_backing: str | None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


@cache
def _device(major: int, minor: int) -> Device | None:
    node = Path(f"/sys/dev/block/{major}:{minor}")
    try:
        real = node.resolve(strict=True)
    except OSError:
        return None
    disk = real if (real / "queue").is_dir() else real.parent  # a partition's disk
    rotational = _read(disk / "queue" / "rotational")
    discard = _read(disk / "queue" / "discard_max_bytes")
    return Device(
        name=disk.name,
        rotational=None if rotational is None else rotational == "1",
        discard=None if discard is None else discard != "0",
        virtual="/virtio" in str(real) or disk.name.startswith(("vd", "xvd")),
        loop_backing=_read(disk / "loop" / "backing_file"),
    )


@dataclass(frozen=True)
class Placement:
    """Where a path's bytes live: file system type, mount point, options and block device."""

    fstype: str
    kind: FsKind
    mount_point: str | None
    options: frozenset[str]
    device: Device | None


def locate(path: str | os.PathLike[str], *, mounts: list[Mount] | None = None) -> Placement:
    """The file system and block device of ``path`` (which must exist).

    ``mounts`` (from :func:`parse_mountinfo`) saves re-reading the mount table for many paths.
    """
    text = os.fspath(path)
    st = os.lstat(text)
    dev = (os.major(st.st_dev), os.minor(st.st_dev))
    mounts = current_mounts() if mounts is None else mounts
    real = os.path.realpath(os.path.dirname(os.path.abspath(text)) or ".")
    by_device = [m for m in mounts if m.device == dev]
    candidates = by_device or mounts

    def depth(m: Mount) -> int:
        inside = real == m.mount_point or real.startswith(m.mount_point.rstrip("/") + "/")
        return len(m.mount_point) if inside else -1

    best = max(candidates, key=depth, default=None)
    if best is not None and depth(best) < 0:
        best = by_device[-1] if by_device else None
    if best is None:
        fstype = _statfs_type(text) or "unknown"
        return Placement(fstype, kind_of(fstype), None, frozenset(), _device(*dev))
    return Placement(best.fstype, kind_of(best.fstype), best.mount_point, best.options,
                     _device(*dev))  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    """What an overwrite achieves at a placement: do it or not, and why it falls short."""

    overwrite: bool
    reaches_blocks: bool
    reasons: tuple[str, ...]


def judge(place: Placement, *, _depth: int = 0) -> Verdict:
    """Whether to overwrite at ``place`` and what keeps the overwrite from reaching the blocks."""
    name = place.fstype
    if place.kind is FsKind.COPY_ON_WRITE:
        return Verdict(False, False, (
            f"{name} is copy-on-write or log-structured: an overwrite is written to new blocks "
            "and the old ones stay (also in snapshots) until reused, so none was attempted",
        ))  # fmt: skip
    if place.kind is FsKind.MEMORY:
        return Verdict(True, False, (
            f"{name} keeps files in memory: the overwrite changes the pages the file owns now, "
            "not copies already written to swap",
        ))  # fmt: skip
    if place.kind is FsKind.NETWORK:
        return Verdict(True, False, (
            f"{name} is a network or FUSE file system: the server decides where writes land "
            "(its snapshots, caches and backups are out of reach)",
        ))  # fmt: skip
    if place.kind is FsKind.UNKNOWN:
        return Verdict(True, False, (
            f"file system {name!r} is not one medguard knows to overwrite in place",
        ))  # fmt: skip
    reasons: list[str] = []
    reaches = True
    if "data=journal" in place.options:
        reaches = False
        reasons.append(f"{name} is mounted with data=journal: earlier copies of the data may "
                       "remain in the journal")  # fmt: skip
    device = place.device
    if device is None:
        reaches = False
        reasons.append("the block device could not be identified")
    else:
        if device.rotational is False:
            reaches = False
            reasons.append(
                f"{device.name} is flash storage (SSD, rotational=0"
                f"{', discard' if device.discard else ''}): wear levelling and remapping send "
                "an overwrite to fresh pages; use the drive's sanitize command or a "
                "cryptographic erase"
            )
        elif device.rotational is None:
            reaches = False
            reasons.append(f"whether {device.name} is a rotating disk is unknown")
        if device.virtual:
            reasons.append(
                f"{device.name} is a virtual disk: how the host stores it (image snapshots, SSDs) "
                "is out of view"
            )
        elif device.discard and device.rotational and not device.loop_backing:
            reasons.append(f"{device.name} accepts discard: it may be thin-provisioned")
        if device.loop_backing and _depth < 4:
            # a loop device writes into its backing file: judge where that file lives
            backing = _judge_backing(device.loop_backing, _depth + 1)
            reaches = reaches and backing.reaches_blocks
            reasons.extend(
                f"{device.name} is a loop device over a file: {r}" for r in backing.reasons
            )
    return Verdict(True, reaches, tuple(reasons))


def _judge_backing(path: str, depth: int) -> Verdict:
    try:
        place = locate(path)
    except OSError:
        return Verdict(True, False, (f"its backing file {path} cannot be examined",))
    return judge(place, _depth=depth)
