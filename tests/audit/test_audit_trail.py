"""The audit trail: records, filters, subjects, checkpoints, proofs, co-signing, SQL and SM."""

from __future__ import annotations

import base64
import json

import pytest

from medguard.audit import AuditTrail, Checkpoint, cosign, merkle
from medguard.audit.signing import public_key
from medguard.errors import AuditError, InvalidArgument
from medguard.keys import Keyring
from medguard.typing import AuditSink


@pytest.fixture
def ring():
    return Keyring.generate()


def test_records_hold_what_was_appended(tmp_path, ring):
    """A record carries seq, RFC 3339 time with offset, actor, action and the fields."""
    trail = AuditTrail.open(tmp_path / "a.jsonl", ring, actor="alice@his-01")
    assert isinstance(trail, AuditSink)
    first = trail.append("export.share", dataset="visits", rows=12, columns=["age"], epsilon=0.5)
    second = trail.append("key.rotate", actor="bob", key_id="k2")
    assert (first.seq, second.seq, second.prev) == (0, 1, first.hash)
    assert first.time.endswith("+00:00")
    assert "T" in first.time
    assert (second.actor, first.actor) == ("bob", "alice@his-01")
    stored = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert stored[0]["dataset"] == "visits"
    assert stored[0]["_mac_key"] == ring.primary.key_id
    assert list(stored[0]) == sorted(stored[0])  # canonical: sorted keys, one line each
    assert [r.seq for r in trail.records()] == [0, 1]


def test_field_names_and_values_are_checked(tmp_path, ring):
    """Bad actions, field names and values are refused before anything is written."""
    trail = AuditTrail.open(tmp_path / "a.jsonl", ring)
    for action, fields in [
        ("", {}),
        ("has space", {}),
        ("ok", {"Upper": 1}),
        ("ok", {"time": "now"}),
        ("ok", {"_seq": 1}),
        ("ok", {"value": float("nan")}),
        ("ok", {"value": b"bytes"}),
    ]:
        with pytest.raises(InvalidArgument):
            trail.append_many([("fine", {}), (action, fields)])
    assert len(trail) == 0


def test_filters(tmp_path, ring):
    """records() filters by time, actor, action (exact or prefix*), dataset and subject."""
    trail = AuditTrail.open(tmp_path / "a.jsonl", ring, actor="alice")
    trail.append("key.rotate", key_id="k2")
    trail.append("export.share", dataset="visits", subject="110105194912310021")
    trail.append("export.share", dataset="labs", actor="bob", subjects=["x", "110105194912310021"])
    trail.append("key.destroy", key_id="k1")
    assert [r.seq for r in trail.records(action="key.*")] == [0, 3]
    assert [r.seq for r in trail.records(action="export.share", actor="bob")] == [2]
    assert [r.seq for r in trail.records(dataset="visits")] == [1]
    assert [r.seq for r in trail.records(subject="110105194912310021")] == [1, 2]
    assert [r.seq for r in trail.records(subject="someone else")] == []
    t1 = list(trail.records())[1].time
    assert [r.seq for r in trail.records(since=t1)] == [1, 2, 3]
    assert [r.seq for r in trail.records(until=t1)] == [0]
    assert [r.seq for r in trail.records(since="2000-01-01")] == [0, 1, 2, 3]
    with pytest.raises(InvalidArgument):
        list(trail.records(since="2000-01-01T00:00:00"))  # no offset


def test_no_record_contains_a_value_from_the_data(tmp_path, ring):
    """Subjects are stored as keyed tokens only: no input value appears in any stored byte."""
    trail = AuditTrail.open(tmp_path / "a.jsonl", ring)
    people = ["11010519491231002X", "13800138000", "张三丰", "zhang.san@example.com"]
    for person in people:
        trail.append("erase.subject", subject=person, dataset="visits", rows=3)
    trail.append("export.share", subjects=people, dataset="visits")
    trail.checkpoint()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for person in people:
        assert person.encode("utf-8") not in stored
        assert json.dumps(person).encode() not in stored
    tokens = {r.fields["subject"] for r in trail.records(action="erase.subject")}
    assert len(tokens) == 4  # distinct people, distinct tokens
    # the same person always has the same token, so look-ups work
    assert trail.subject_token(people[0]) == trail.subject_token(people[0])


def test_destroying_a_subject_key_never_breaks_verification(tmp_path, ring):
    """Crypto-shredding a patient's key leaves old records (and their tokens) verifiable."""
    trail = AuditTrail.open(tmp_path / "a.jsonl", ring)
    ring.subject_key("patient-1")
    trail.append("protect", subject="patient-1")
    ring.destroy_subject("patient-1")
    trail.append("erase.subject", subject="patient-1")
    assert trail.verify().ok
    assert [r.seq for r in trail.records(subject="patient-1")] == [0, 1]


def test_rotation_keeps_old_records_verifiable(tmp_path, ring):
    """After rotating the keyring, old records verify under the old key, new ones under the new."""
    trail = AuditTrail.open(tmp_path / "a.jsonl", ring)
    trail.append("a")
    trail.checkpoint()
    old = ring.primary.key_id
    ring.rotate()
    trail.append("b")
    trail.checkpoint()
    records = list(trail.records())
    assert records[0].mac_key == old
    assert records[1].mac_key == ring.primary.key_id
    result = trail.verify()
    assert result.ok
    assert result.checkpoints == 2


def test_checkpoints_every_n_records(tmp_path, ring):
    """checkpoint_every signs a checkpoint whenever the trail passes a multiple of N."""
    trail = AuditTrail.open(tmp_path / "a.jsonl", ring, checkpoint_every=5)
    for i in range(12):
        trail.append("tick", n=i)
    trail.append_many([("tick", {"n": i}) for i in range(4)])
    assert [c.size for c in trail.checkpoints()] == [5, 10, 16]
    assert trail.verify().checkpoints == 3


def test_checkpoint_text_is_a_c2sp_signed_note(tmp_path, ring):
    """Origin, size, base64 root, blank line, '— name base64(keyhash||sig)'; it parses back and
    its signature verifies with the exported public key alone."""
    trail = AuditTrail.open(tmp_path / "a.jsonl", ring)
    trail.append_many([("tick", {"n": i}) for i in range(7)])
    cp = trail.checkpoint()
    text = cp.text()
    lines = text.split("\n")
    assert lines[0] == trail.origin
    assert lines[1] == "7"
    assert base64.b64decode(lines[2]) == merkle.root(trail.leaf_hashes())
    assert lines[3] == ""
    assert lines[4].startswith(f"\u2014 {trail.origin} ")
    assert lines[5] == ""
    blob = base64.b64decode(lines[4].split(" ")[2])
    assert len(blob) == 4 + 64
    again = Checkpoint.parse(text)
    assert again == cp
    assert again.text() == text
    pem = trail.public_key().pem()
    assert again.verify(trail.origin, pem)
    assert not again.verify(trail.origin, public_key(Keyring.generate()))
    for broken in [text.replace("\n7\n", "\n8\n"), text[:-1], "x\n\n", text.replace("—", "-")]:
        try:
            parsed = Checkpoint.parse(broken)
        except AuditError:
            continue
        assert not parsed.verify(trail.origin, pem)


def test_inclusion_and_consistency_proofs(tmp_path, ring):
    """The trail's proofs verify against its checkpoints with the RFC 9162 algorithms."""
    trail = AuditTrail.open(tmp_path / "a.jsonl", ring)
    trail.append_many([("tick", {"n": i}) for i in range(10)])
    old = trail.checkpoint()
    trail.append_many([("tick", {"n": i}) for i in range(23)])
    new = trail.checkpoint()
    proof = trail.inclusion_proof(17)
    assert proof.size == 33
    assert proof.root == new.root
    leaf = merkle.leaf_hash(proof.record_hash)
    assert merkle.verify_inclusion(17, 33, leaf, proof.path, new.root)
    assert proof.record_hash.hex() == list(trail.records())[17].hash
    consistency = trail.consistency_proof(old.size, new.size)
    assert merkle.verify_consistency(old.size, new.size, old.root, new.root, consistency)
    with pytest.raises(AuditError):
        trail.inclusion_proof(40)


def test_a_partner_cosigns_only_consistent_checkpoints(tmp_path, ring):
    """A second hospital co-signs after checking the trail's signature and consistency with the
    last checkpoint it signed; it refuses a fork; its co-signature verifies in the trail."""
    trail = AuditTrail.open(tmp_path / "a.jsonl", ring)
    partner = Keyring.generate()
    trail.append_many([("tick", {"n": i}) for i in range(5)])
    first = trail.checkpoint()
    pinned = trail.public_key().raw_base64()
    signed1 = cosign(first, partner, name="hospital-b.example", trail_public_key=pinned)
    trail.add_checkpoint(signed1)
    trail.append_many([("tick", {"n": i}) for i in range(6)])
    second = trail.checkpoint()
    proof = trail.consistency_proof(first.size, second.size)
    signed2 = cosign(
        second,
        partner,
        name="hospital-b.example",
        trail_public_key=pinned,
        previous=signed1,
        proof=proof,
    )
    trail.add_checkpoint(signed2)
    witnesses = {"hospital-b.example": public_key(partner)}
    result = trail.verify(cosigners=witnesses)
    assert result.ok
    assert result.cosignatures == 2
    # a fork: another history of the same length, signed with the trail's own key
    fork_ring_trail = AuditTrail.open(tmp_path / "fork.jsonl", ring)
    fork_ring_trail._backend.path.write_bytes(
        (tmp_path / "a.jsonl").read_bytes().split(b"\n", 1)[0] + b"\n"
    )
    fork_ring_trail.append_many([("tock", {"n": i}) for i in range(10)])
    forked = fork_ring_trail.checkpoint()
    assert forked.origin == second.origin
    assert forked.size == second.size
    with pytest.raises(AuditError, match="fork"):
        cosign(
            forked,
            partner,
            name="hospital-b.example",
            trail_public_key=pinned,
            previous=signed1,
            proof=fork_ring_trail.consistency_proof(5),
        )
    with pytest.raises(AuditError, match="not signed"):
        cosign(second, partner, name="b", trail_public_key=public_key(partner))
    with pytest.raises(AuditError, match="older"):
        cosign(first, partner, name="b", trail_public_key=pinned, previous=signed2)
    # a co-signature line that does not verify is reported as forged
    bad = signed2.signatures[-1]
    zeroed = type(bad)(bad.name, bad.key_hash, bytes(64))
    tampered = Checkpoint(
        second.origin, second.size, second.root, (), (second.signatures[0], zeroed)
    )
    result = trail.verify(checkpoints=[tampered], cosigners=witnesses)
    assert (result.ok, result.kind) == (False, "forged")
    with pytest.raises(AuditError):
        trail.add_checkpoint(forked)


def test_sm_suite_trails_use_sm3(tmp_path):
    """A trail keyed by an SM keyring chains, MACs and builds its tree with SM3."""
    import hashlib

    ring = Keyring.generate("sm")
    trail = AuditTrail.open(tmp_path / "a.jsonl", ring)
    record = trail.append("tick")
    assert trail.hash_name == "sm3"
    line = (tmp_path / "a.jsonl").read_bytes().rstrip(b"\n")
    assert hashlib.new("sm3", b"{" + line[150:]).hexdigest() == record.hash
    cp = trail.checkpoint()
    assert cp.root == merkle.leaf_hash(bytes.fromhex(record.hash), "sm3")
    assert trail.verify().ok


@pytest.mark.parametrize("scheme", ["path", "url"])
def test_sqlite_backend(tmp_path, ring, scheme):
    """An SQLite trail (path ending in .db, or sqlite:/// URL) appends, checkpoints, verifies and
    detects a modified row."""
    target = tmp_path / "audit.db" if scheme == "path" else f"sqlite:///{tmp_path / 'audit.db'}"
    trail = AuditTrail.open(target, ring)
    trail.append_many([("tick", {"n": i}) for i in range(20)])
    trail.checkpoint()
    assert AuditTrail.open(target, ring).verify().ok
    assert [r.seq for r in AuditTrail.open(target, ring).records(action="tick")][-1] == 19
    import sqlite3

    with sqlite3.connect(tmp_path / "audit.db") as db:
        line = db.execute("SELECT line FROM audit_record WHERE seq = 7").fetchone()[0]
        db.execute(
            "UPDATE audit_record SET line = ? WHERE seq = 7", (line.replace('"n":7', '"n":8'),)
        )
    result = AuditTrail.open(target, ring).verify()
    assert (result.kind, result.seq) == ("modified", 7)
    with sqlite3.connect(tmp_path / "audit.db") as db:
        db.execute("UPDATE audit_record SET line = ? WHERE seq = 7", (line,))
        db.execute("DELETE FROM audit_record WHERE seq = 12")
    result = AuditTrail.open(target, ring).verify()
    assert (result.kind, result.seq) == ("deleted", 12)


@pytest.mark.postgres
def test_postgres_backend(audit_pg_url, ring):
    """The same trail in PostgreSQL: concurrent-safe appends, checkpoints, verification."""
    trail = AuditTrail.open(audit_pg_url, ring)
    trail.append_many([("tick", {"n": i}) for i in range(30)])
    other = AuditTrail.open(audit_pg_url, ring, actor="second-writer")
    other.append("tock")
    trail.append("tick", n=30)
    trail.checkpoint()
    result = AuditTrail.open(audit_pg_url, ring).verify()
    assert result.ok
    assert result.records == 32
    assert result.checkpoints == 1
    assert [r.actor for r in trail.records(action="tock")] == ["second-writer"]
    assert "secret" not in repr(AuditTrail.open("postgresql://u:secret@h/db", ring))
    sa = pytest.importorskip("sqlalchemy")
    engine = sa.create_engine(audit_pg_url)
    with engine.begin() as db:
        line = db.execute(sa.text("SELECT line FROM audit_record WHERE seq = 4")).scalar_one()
        db.execute(
            sa.text("UPDATE audit_record SET line = :l WHERE seq = 4"),
            {"l": line.replace('"n":4', '"n":40')},
        )
    result = AuditTrail.open(audit_pg_url, ring).verify()
    assert (result.kind, result.seq) == ("modified", 4)
    with engine.begin() as db:
        db.execute(sa.text("UPDATE audit_record SET line = :l WHERE seq = 4"), {"l": line})
        db.execute(sa.text("DELETE FROM audit_record WHERE seq >= 29"))
    result = AuditTrail.open(audit_pg_url, ring).verify()
    assert (result.kind, result.seq) == ("truncated", 29)
    engine.dispose()
    assert AuditTrail.open(audit_pg_url, ring).repair() == 0


def test_an_sm_trail_is_cosigned_with_sm3_proofs(tmp_path):
    """A partner co-signs an SM-suite trail: consistency is checked with SM3 hashing, and a
    SHA-256 check of the same proof fails."""
    ring, partner = Keyring.generate("sm"), Keyring.generate()
    trail = AuditTrail.open(tmp_path / "a.jsonl", ring)
    trail.append_many([("tick", {"n": i}) for i in range(3)])
    first = trail.checkpoint()
    pinned = trail.public_key()
    signed = cosign(first, partner, name="b", trail_public_key=pinned, hash="sm3")
    trail.append_many([("tick", {"n": i}) for i in range(4)])
    second = trail.checkpoint()
    proof = trail.consistency_proof(3, 7)
    again = cosign(
        second, partner, name="b", trail_public_key=pinned, previous=signed, proof=proof, hash="sm3"
    )
    trail.add_checkpoint(again)
    assert trail.verify(cosigners={"b": public_key(partner)}).cosignatures == 1
    with pytest.raises(AuditError):
        cosign(second, partner, name="b", trail_public_key=pinned, previous=signed, proof=proof)
