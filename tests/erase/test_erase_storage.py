"""Where a file lives and what an overwrite achieves there: mountinfo parsing and the verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.erase.storage import (
    Device,
    FsKind,
    Placement,
    judge,
    kind_of,
    locate,
    parse_mountinfo,
)

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683772k
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
40 27 0:45 / /mnt/my\\040data rw shared:5 - btrfs /dev/sdb1 rw,space_cache
41 27 0:46 / /srv/nfs rw - nfs4 server:/export rw,vers=4.2
42 27 0:47 / /home/u/remote rw - fuse.sshfs u@host: rw
bad line
"""


def test_parse_mountinfo_reads_fields_and_escapes() -> None:
    """Device numbers, mount points (with \\040 spaces), types, and optional fields are read."""
    mounts = parse_mountinfo(MOUNTINFO)
    assert [m.fstype for m in mounts] == ["proc", "tmpfs", "ext4", "btrfs", "nfs4", "fuse.sshfs"]
    btrfs = mounts[3]
    assert btrfs.mount_point == "/mnt/my data"
    assert btrfs.device == (0, 45)
    assert "space_cache" in btrfs.options
    assert mounts[2].source == "/dev/vda"


@pytest.mark.parametrize(
    ("fstype", "kind"),
    [
        ("ext4", FsKind.IN_PLACE),
        ("xfs", FsKind.IN_PLACE),
        ("btrfs", FsKind.COPY_ON_WRITE),
        ("zfs", FsKind.COPY_ON_WRITE),
        ("f2fs", FsKind.COPY_ON_WRITE),
        ("nilfs2", FsKind.COPY_ON_WRITE),
        ("overlay", FsKind.COPY_ON_WRITE),
        ("tmpfs", FsKind.MEMORY),
        ("ramfs", FsKind.MEMORY),
        ("nfs", FsKind.NETWORK),
        ("nfs4", FsKind.NETWORK),
        ("cifs", FsKind.NETWORK),
        ("smb3", FsKind.NETWORK),
        ("fuse.sshfs", FsKind.NETWORK),
        ("fuse", FsKind.NETWORK),
        ("squashfs", FsKind.UNKNOWN),
    ],
)
def test_kind_of_each_family(fstype: str, kind: FsKind) -> None:
    """Each file system type lands in the family whose overwrite semantics it has."""
    assert kind_of(fstype) is kind


def _place(fstype: str, device: Device | None = None, options: frozenset[str] = frozenset()):
    return Placement(fstype, kind_of(fstype), "/", options, device)


HDD = Device("sda", rotational=True, discard=False, virtual=False, loop_backing=None)
SSD = Device("nvme0n1", rotational=False, discard=True, virtual=False, loop_backing=None)


def test_ext4_on_a_rotating_disk_reaches_the_blocks() -> None:
    """The one case that earns 'clear': in place, magnetic, no caveat."""
    verdict = judge(_place("ext4", HDD))
    assert verdict.overwrite
    assert verdict.reaches_blocks
    assert verdict.reasons == ()


def test_ssd_is_flagged() -> None:
    """rotational=0: overwritten, but the verdict says it may not reach the flash pages."""
    verdict = judge(_place("ext4", SSD))
    assert verdict.overwrite
    assert not verdict.reaches_blocks
    assert "wear levelling" in verdict.reasons[0]


def test_copy_on_write_is_not_overwritten() -> None:
    """btrfs: no overwrite is attempted, and the reason says why."""
    verdict = judge(_place("btrfs", HDD))
    assert not verdict.overwrite
    assert not verdict.reaches_blocks
    assert "copy-on-write" in verdict.reasons[0]


@pytest.mark.parametrize("fstype", ["tmpfs", "nfs4", "cifs", "fuse.sshfs", "squashfs"])
def test_memory_network_and_unknown_do_not_claim_to_reach(fstype: str) -> None:
    """tmpfs, network, FUSE and unknown file systems never claim to reach the blocks."""
    verdict = judge(_place(fstype, HDD))
    assert not verdict.reaches_blocks
    assert verdict.reasons


def test_data_journal_and_unknown_device_lower_the_verdict() -> None:
    """ext4 data=journal keeps copies in the journal; an unidentified device is unknown."""
    assert not judge(_place("ext4", HDD, frozenset({"data=journal"}))).reaches_blocks
    assert not judge(_place("ext4", None)).reaches_blocks


def test_loop_device_is_judged_by_its_backing_file(tmp_path: Path) -> None:
    """A loop device over a file inherits the verdict of the file system holding that file."""
    backing = tmp_path / "img"
    backing.write_bytes(b"")
    loop = Device("loop0", rotational=True, discard=True, virtual=False, loop_backing=str(backing))
    here = judge(locate(backing))
    verdict = judge(_place("ext4", loop))
    assert verdict.reaches_blocks == here.reaches_blocks
    assert all(r.startswith("loop0 is a loop device") for r in verdict.reasons)


def test_locate_finds_this_directory() -> None:
    """locate() of a real path finds its mount and a known file system type."""
    place = locate(Path(__file__))
    assert place.fstype != "unknown"
    assert place.mount_point is not None


def test_statfs_magic_is_the_fallback_without_mountinfo(tmp_path: Path) -> None:
    """With no mount table, the statfs magic number names the same file system."""
    from_table = locate(tmp_path)
    from_magic = locate(tmp_path, mounts=[])
    assert from_magic.mount_point is None
    if from_table.fstype in ("ext4", "ext3", "ext2"):
        assert from_magic.fstype == "ext4"  # one magic number for the ext family
    elif from_magic.fstype != "unknown":
        assert from_magic.fstype == from_table.fstype


def test_tmpfs_by_magic_number() -> None:
    """/dev/shm is tmpfs by its statfs magic too."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or locate(shm).fstype != "tmpfs":
        pytest.skip("no tmpfs at /dev/shm on this machine")
    place = locate(shm, mounts=[])
    assert place.fstype == "tmpfs"
    assert place.kind is FsKind.MEMORY


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n"), min_size=1))
def test_mountinfo_escapes_round_trip(name: str) -> None:
    """A mount point with spaces, tabs or backslashes reads back as it was mounted."""
    escaped = "".join(f"\\{ord(c):03o}" if c in " \t\\" else c for c in name)
    (mount,) = parse_mountinfo(f"40 27 0:45 / /mnt/{escaped} rw - ext4 /dev/sdb1 rw\n")
    assert mount.mount_point == f"/mnt/{name}"
