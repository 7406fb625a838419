"""medguard._atomic: files are written whole or not at all, with the mode asked for."""

import stat

import pytest

from medguard._atomic import replacing, write_atomically


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    """An exception while writing keeps the target as it was and removes the temporary file."""
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")

    def write_half() -> None:
        with replacing(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_half()
    assert target.read_text("utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_modes_the_old_files_or_the_one_asked_for(tmp_path):
    """A rewritten file keeps its mode; ``mode`` sets it (keyring files: owner only)."""
    shared = tmp_path / "baseline.json"
    shared.write_text("{}", encoding="utf-8")
    shared.chmod(0o644)
    write_atomically(shared, "{}\n")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    secret = tmp_path / "keyring.json"
    write_atomically(secret, b"sealed", mode=0o600)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.read_bytes() == b"sealed"
