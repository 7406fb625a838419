"""Every kind of destruction lands in a real audit trail, which verifies, and each entry matches
the signed certificate of its record; editing the trail's copy of a record is detected."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from medguard import encrypt
from medguard.audit import AuditTrail
from medguard.audit.signing import public_key
from medguard.erase import (
    DestructionRecord,
    cancel_shred,
    certify,
    crypto_shred,
    erase_file,
    erase_subject,
    verify_certificate,
)
from medguard.keys import Keyring


def test_each_destruction_record_verifies_in_the_trail(tmp_path: Path) -> None:
    """Shred (pending, cancelled, done), subject erasure and file erasure: one entry each."""
    ring = Keyring.generate()
    trail = AuditTrail.open(tmp_path / "audit.jsonl", ring)
    encrypt(["a", "b"], ring, subject=["P1", "P2"])
    conn = sqlite3.connect(tmp_path / "his.db")
    conn.execute("CREATE TABLE labs (patient_id TEXT)")
    conn.execute("INSERT INTO labs VALUES ('P2')")
    conn.commit()
    (tmp_path / "x.csv").write_text("P1,a\n", encoding="utf-8")

    records = [
        crypto_shred("P1", ring, actor="dpo", grace=dt.timedelta(days=1), audit=trail),
        cancel_shred("P1", ring, actor="dpo", audit=trail),
        crypto_shred("P1", ring, actor="dpo", audit=trail),
        erase_subject(
            "P2", conn, {"tables": {"labs": {"subject_column": "patient_id"}}},
            keyring=ring, actor="dpo", audit=trail,
        ).record,
        erase_file(tmp_path / "x.csv", actor="dpo", audit=trail).record,
    ]  # fmt: skip
    assert trail.verify().ok
    entries = [r for r in trail.records() if r.action == "erase.record"]
    assert len(entries) == len(records)
    for entry, record in zip(entries, records, strict=True):
        assert entry.actor == "dpo"
        assert DestructionRecord.from_dict(entry.fields["record"]) == record
        assert entry.fields["digest"] == record.digest()
        cert = certify(record, ring)
        assert (
            verify_certificate(cert.to_json(), public_key(ring)).digest() == entry.fields["digest"]
        )
    text = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    assert '"P1"' not in text
    assert '"P2"' not in text


def test_editing_a_record_in_the_trail_is_detected(tmp_path: Path) -> None:
    """Changing the assurance written in the trail breaks the trail's verification."""
    ring = Keyring.generate()
    path = tmp_path / "audit.jsonl"
    trail = AuditTrail.open(path, ring)
    encrypt("a", ring, subject="P1")
    crypto_shred("P1", ring, actor="dpo", audit=trail)
    lines = path.read_text(encoding="utf-8").splitlines()
    edited = []
    for line in lines:
        data = json.loads(line)
        if data.get("action") == "erase.record":
            line = line.replace('"cryptographic erase"', '"clear"')
        edited.append(line)
    path.write_text("\n".join(edited) + "\n", encoding="utf-8")
    assert not AuditTrail.open(path, ring).verify().ok
