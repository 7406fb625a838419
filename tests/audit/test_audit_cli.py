"""``medguard audit``: verify (exit 0/1 naming the first bad record), show, checkpoint, cosign,
prove, repair and public-key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medguard.audit import AuditTrail, merkle
from medguard.cli.main import main
from medguard.keys import Keyring, PassphraseProvider

PASSPHRASE = "audit cli passphrase"


@pytest.fixture
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDGUARD_KEYRING_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(
        "medguard.keys.PassphraseProvider",
        lambda secret: PassphraseProvider(secret, time_cost=1, memory_cost=1024),
    )


def _keyring(path: Path) -> Keyring:
    return Keyring.create(path, PassphraseProvider(PASSPHRASE, time_cost=1, memory_cost=1024))


@pytest.fixture
def setup(tmp_path: Path, fast_kdf: None) -> tuple[Path, Path, Keyring]:
    ring_path = tmp_path / "his.keyring"
    ring = _keyring(ring_path)
    trail = AuditTrail.open(tmp_path / "audit.jsonl", ring, actor="alice")
    trail.append("key.rotate", key_id="k2")
    trail.append("export.share", dataset="visits", rows=10, subject="11010519491231002X")
    trail.append("export.share", dataset="labs", rows=3, actor="bob")
    return tmp_path / "audit.jsonl", ring_path, ring


def test_verify_exit_codes_and_messages(setup, capsys):
    """Intact: exit 0; a deleted record: exit 1 naming the kind and the sequence number."""
    trail, ring_path, _ = setup
    assert main(["audit", "verify", str(trail), "--keyring", str(ring_path)]) == 0
    assert "intact: 3 records" in capsys.readouterr().out
    lines = trail.read_bytes().split(b"\n")
    trail.write_bytes(b"\n".join([lines[0], *lines[2:]]))
    assert main(["audit", "verify", str(trail), "--keyring", str(ring_path)]) == 1
    out = capsys.readouterr().out
    assert "NOT intact: deleted at record 1" in out
    assert (
        main(["audit", "verify", str(trail), "--keyring", str(ring_path), "--format", "json"]) == 1
    )
    assert json.loads(capsys.readouterr().out)["kind"] == "deleted"


def test_show_filters_and_formats(setup, capsys):
    """show prints a table or JSON, filtered; --subject is tokenized and never printed raw."""
    trail, ring_path, _ = setup
    base = ["audit", "show", str(trail), "--keyring", str(ring_path)]
    assert main([*base, "--action", "export.*", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["seq"] for r in rows] == [1, 2]
    assert main([*base, "--subject", "11010519491231002X", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert [r["seq"] for r in json.loads(out)] == [1]
    assert "11010519491231002X" not in out
    assert main([*base, "--actor", "bob"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["seq", "time", "actor", "action", "details"]
    assert len(table) == 2
    assert "labs" in table[1]
    assert main([*base, "--dataset", "visits", "--since", "2000-01-01", "--limit", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_checkpoint_prove_and_cosign(setup, tmp_path, capsys):
    """checkpoint prints a signed note; prove prints a proof that verifies; a partner co-signs
    twice (the second time after a consistency check) and verify counts its co-signatures."""
    trail, ring_path, ring = setup
    base = ["--keyring", str(ring_path)]
    assert main(["audit", "checkpoint", str(trail), *base]) == 0
    note = capsys.readouterr().out
    assert note.splitlines()[1] == "3"
    assert main(["audit", "prove", "1", str(trail), *base]) == 0
    proof = json.loads(capsys.readouterr().out)
    inclusion = proof["inclusion"]
    root = bytes.fromhex(inclusion["root"])
    leaf = merkle.leaf_hash(bytes.fromhex(inclusion["record_hash"]))
    path = [bytes.fromhex(p) for p in inclusion["path"]]
    assert merkle.verify_inclusion(1, 3, leaf, path, root)
    assert proof["checkpoint"] == note
    # the partner: its own keyring, the trail owner's public key, its own state file
    assert main(["audit", "public-key", *base]) == 0
    (tmp_path / "his.pub").write_text(capsys.readouterr().out)
    partner = tmp_path / "partner.keyring"
    _keyring(partner)
    cosign = [
        "audit",
        "cosign",
        str(trail),
        "--keyring",
        str(partner),
        "--name",
        "hospital-b",
        "--trail-key",
        str(tmp_path / "his.pub"),
        "--state",
        str(tmp_path / "b.state"),
    ]
    assert main(cosign) == 0
    assert "\u2014 hospital-b " in capsys.readouterr().out
    AuditTrail.open(trail, ring).append("later")
    assert main(["audit", "checkpoint", str(trail), *base]) == 0
    assert main(cosign) == 0
    capsys.readouterr()
    assert main(["audit", "public-key", "--keyring", str(partner), "--format", "base64"]) == 0
    (tmp_path / "b.pub").write_text(capsys.readouterr().out)
    assert (
        main(
            ["audit", "verify", str(trail), *base, "--cosigner", f"hospital-b={tmp_path / 'b.pub'}"]
        )
        == 0
    )
    assert "2 co-signatures" in capsys.readouterr().out
    assert main(["audit", "prove", "0", str(trail), *base, "--old-size", "3"]) == 0
    assert json.loads(capsys.readouterr().out)["consistency"]["old_size"] == 3


def test_repair_asks_before_cutting(setup, capsys):
    """repair cuts a torn last record only with --yes, and says what it did."""
    trail, ring_path, _ = setup
    assert main(["audit", "repair", str(trail)]) == 0
    assert "nothing to cut" in capsys.readouterr().out
    trail.write_bytes(trail.read_bytes() + b'{"_hash":"ab')
    assert main(["audit", "verify", str(trail), "--keyring", str(ring_path)]) == 1
    assert "torn at record 3" in capsys.readouterr().out
    assert main(["audit", "repair", str(trail)]) == 1
    assert "add --yes" in capsys.readouterr().out
    assert main(["audit", "repair", str(trail), "--yes"]) == 0
    assert "12 bytes" in capsys.readouterr().out
    assert main(["audit", "verify", str(trail), "--keyring", str(ring_path)]) == 0


def test_errors_exit_2(setup, capsys):
    """A missing checkpoint for prove, or a bad --cosigner, is a usage error (exit 2)."""
    trail, ring_path, _ = setup
    assert main(["audit", "prove", "0", str(trail), "--keyring", str(ring_path)]) == 2
    assert "no checkpoint" in capsys.readouterr().err
    assert (
        main(["audit", "verify", str(trail), "--keyring", str(ring_path), "--cosigner", "nobody"])
        == 2
    )


def test_an_sqlite_trail_through_the_cli(tmp_path, fast_kdf, capsys):
    """verify and show work on an SQLite trail (*.db) as on a file."""
    ring_path = tmp_path / "his.keyring"
    ring = _keyring(ring_path)
    trail = AuditTrail.open(tmp_path / "audit.db", ring)
    trail.append_many([("tick", {"n": i}) for i in range(5)])
    base = ["--keyring", str(ring_path)]
    assert main(["audit", "verify", str(tmp_path / "audit.db"), *base]) == 0
    assert main(["audit", "show", str(tmp_path / "audit.db"), *base, "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert [r["n"] for r in json.loads(out[out.index("[") :])] == [0, 1, 2, 3, 4]
