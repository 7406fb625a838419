"""The ``medguard erase`` command: refuses without --yes, shreds exactly what it is told, prints
tokens not subject IDs, writes certificates and audit records, exit codes 0/1/2."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from medguard import decrypt, encrypt
from medguard.audit import AuditTrail
from medguard.audit.signing import public_key
from medguard.cli.main import main
from medguard.erase import verify_certificate
from medguard.errors import KeyDestroyed
from medguard.keys import Keyring, KeyStatus, PassphraseProvider

PASSPHRASE = "cli erase test passphrase"
SUBJECTS = ["110101199003077777", "110101199003078888"]


def _provider() -> PassphraseProvider:
    return PassphraseProvider(PASSPHRASE, time_cost=1, memory_cost=1024)


@pytest.fixture
def keyring_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A keyring with two subjects' keys; passphrase in the environment; no terminal."""
    monkeypatch.setenv("MEDGUARD_KEYRING_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr("medguard.keys.PassphraseProvider", lambda secret: _provider())
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    path = tmp_path / "his.keyring"
    assert main(["keys", "create", "--keyring", str(path)]) == 0
    return path


@pytest.fixture
def values(keyring_path: Path) -> list[str]:
    ring = Keyring.open(keyring_path, _provider())
    return list(encrypt(["诊断甲", "诊断乙"], ring, table="dx", field="t", subject=SUBJECTS))


@pytest.fixture
def ids_file(tmp_path: Path) -> Path:
    path = tmp_path / "requests.txt"
    path.write_text(SUBJECTS[0] + "\n\n", encoding="utf-8")
    return path


def _erase_subject(keyring_path: Path, source: object, *extra: str) -> int:
    """Run ``medguard erase subject --keyring PATH --subjects-from SOURCE EXTRA...``."""
    return main(
        ["erase", "subject", "--keyring", str(keyring_path), "--subjects-from", str(source), *extra]
    )


def _ring(path: Path) -> Keyring:
    return Keyring.open(path, _provider())


def _status(path: Path, subject: str) -> KeyStatus:
    info = _ring(path).find_subject_key(subject)
    assert info is not None
    return info.status


def test_refuses_without_yes_when_no_terminal(keyring_path, values, ids_file, capsys) -> None:
    """No --yes and no terminal: exit 1, nothing destroyed."""
    code = main(
        ["erase", "subject", "--keyring", str(keyring_path), "--subjects-from", str(ids_file)]
    )
    assert code == 1
    assert "--yes" in capsys.readouterr().err
    assert _status(keyring_path, SUBJECTS[0]) is KeyStatus.ACTIVE


def test_subject_shred_with_yes(keyring_path, values, ids_file, capsys) -> None:
    """--yes shreds exactly the listed subject; output names the token, never the ID."""
    code = _erase_subject(keyring_path, str(ids_file), "--yes", "--approver", "cmo")
    assert code == 0
    out = capsys.readouterr().out
    ring = _ring(keyring_path)
    assert ring.subject_token(SUBJECTS[0]) in out
    assert SUBJECTS[0] not in out
    assert "cryptographic erase" in out
    with pytest.raises(KeyDestroyed):
        decrypt(values[0], ring, table="dx", field="t")
    assert decrypt(values[1], ring, table="dx", field="t") == "诊断乙"


def test_subjects_from_stdin_and_json(keyring_path, values, monkeypatch, capsys) -> None:
    """--subjects-from - reads standard input; --json prints the record."""
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(SUBJECTS) + "\n"))
    code = _erase_subject(keyring_path, "-", "--yes", "--json")
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert record["counts"]["keys_destroyed"] == 2
    assert record["legal_basis"] == "PIPL Art. 47"


def test_dry_run_changes_nothing(keyring_path, values, ids_file, capsys) -> None:
    """--dry-run needs no --yes and destroys nothing."""
    code = _erase_subject(keyring_path, str(ids_file), "--dry-run")
    assert code == 0
    assert "dry-run" in capsys.readouterr().out
    assert _status(keyring_path, SUBJECTS[0]) is KeyStatus.ACTIVE


def test_grace_then_cancel(keyring_path, values, ids_file, capsys) -> None:
    """--grace makes the key pending; erase cancel restores it."""
    assert _erase_subject(keyring_path, str(ids_file), "--grace", "30", "--yes") == 0
    assert _status(keyring_path, SUBJECTS[0]) is KeyStatus.PENDING_DESTRUCTION
    assert "pending" in capsys.readouterr().out
    assert (
        main(["erase", "cancel", "--keyring", str(keyring_path), "--subjects-from", str(ids_file)])
        == 0
    )
    assert decrypt(values[0], _ring(keyring_path), table="dx", field="t") == "诊断甲"
    assert main(["erase", "due", "--keyring", str(keyring_path)]) == 0
    assert "nothing is due" in capsys.readouterr().out


def test_dataset_key(keyring_path, capsys) -> None:
    """erase dataset destroys one keyring key; the primary is refused (exit 2)."""
    ring = _ring(keyring_path)
    old = ring.primary.key_id
    token = encrypt("x", ring, table="s", field="f")
    ring.rotate()
    assert main(["erase", "dataset", "--keyring", str(keyring_path), old]) == 1
    assert main(["erase", "dataset", "--keyring", str(keyring_path), old, "--yes"]) == 0
    with pytest.raises(KeyDestroyed):
        decrypt(token, _ring(keyring_path), table="s", field="f")
    primary = _ring(keyring_path).primary.key_id
    assert main(["erase", "dataset", "--keyring", str(keyring_path), primary, "--yes"]) == 2
    assert "rotate" in capsys.readouterr().err


def test_certificate_and_audit(keyring_path, values, ids_file, tmp_path) -> None:
    """--certificate writes a signed certificate; --audit appends a record that verifies."""
    cert, trail = tmp_path / "cert.json", tmp_path / "audit.jsonl"
    assert (
        _erase_subject(
            keyring_path,
            str(ids_file),
            "--yes",
            "--actor",
            "dpo",
            "--certificate",
            str(cert),
            "--audit",
            str(trail),
        )
        == 0
    )
    ring = _ring(keyring_path)
    record = verify_certificate(cert.read_text(encoding="utf-8"), public_key(ring))
    assert record.actor == "dpo"
    opened = AuditTrail.open(trail, ring)
    assert opened.verify().ok
    (entry,) = [r for r in opened.records() if r.action == "erase.record"]
    assert entry.fields["digest"] == record.digest()
    assert SUBJECTS[0] not in trail.read_text(encoding="utf-8")


def test_subject_with_database(keyring_path, values, ids_file, tmp_path, capsys) -> None:
    """--database and --policy delete the subject's rows and report them per table."""
    db = tmp_path / "his.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE labs (patient_id TEXT, result TEXT)")
    conn.executemany("INSERT INTO labs VALUES (?, ?)", [(SUBJECTS[0], "a"), (SUBJECTS[1], "b")])
    conn.commit()
    conn.close()
    policy = tmp_path / "erasure.json"
    policy.write_text(json.dumps({"tables": {"labs": {"subject_column": "patient_id"}}}))
    assert (
        _erase_subject(
            keyring_path, str(ids_file), "--database", str(db), "--policy", str(policy), "--yes"
        )
        == 0
    )
    assert "labs: 1 row(s)" in capsys.readouterr().out
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT patient_id FROM labs").fetchall() == [(SUBJECTS[1],)]
    conn.close()
    assert _status(keyring_path, SUBJECTS[0]) is KeyStatus.DESTROYED


def test_file(tmp_path, capsys) -> None:
    """erase file needs --yes, then overwrites and unlinks; a symlink is refused (exit 2)."""
    target = tmp_path / "export.csv"
    target.write_text("110101199003077777,张三\n", encoding="utf-8")
    assert main(["erase", "file", str(target)]) == 1
    assert target.exists()
    assert main(["erase", "file", str(target), "--dry-run"]) == 0
    assert target.exists()
    assert main(["erase", "file", str(target), "--yes"]) == 0
    assert not target.exists()
    out = capsys.readouterr().out
    assert "assurance" in out
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    assert main(["erase", "file", str(link), "--yes"]) == 2
    assert "symlink" in capsys.readouterr().err


def test_usage_errors(keyring_path, ids_file) -> None:
    """No subjects, --database without --policy, a bad --grace: exit 2."""
    assert main(["erase", "subject", "--keyring", str(keyring_path), "--yes"]) == 2
    assert _erase_subject(keyring_path, str(ids_file), "--database", "x.db", "--yes") == 2
    with pytest.raises(SystemExit) as info:
        main(["erase", "subject", "--keyring", str(keyring_path), "--grace", "-1"])
    assert info.value.code == 2


def test_several_files_json_lines(tmp_path, capsys) -> None:
    """Several paths with --json print one record per line; --certificate needs one path."""
    paths = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for p in paths:
        p.write_text("x", encoding="utf-8")
    assert main(["erase", "file", *map(str, paths), "--yes", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["what"] for line in lines] == ["file", "file"]
    assert main(["erase", "file", str(tmp_path), str(tmp_path), "--certificate", "c.json"]) == 2


@pytest.mark.parametrize(("answer", "code"), [("yes", 0), ("no", 1), ("", 1)])
def test_terminal_confirmation(tmp_path, monkeypatch, answer: str, code: int) -> None:
    """On a terminal, typing 'yes' confirms; anything else refuses (exit 1) and keeps the file."""

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty(answer + "\n"))
    target = tmp_path / "a.txt"
    target.write_text("x", encoding="utf-8")
    assert main(["erase", "file", str(target)]) == code
    assert target.exists() is (code != 0)
