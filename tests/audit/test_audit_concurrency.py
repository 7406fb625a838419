"""Several processes appending to one trail at once, and an appender killed mid-batch."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time

import pytest

from medguard.audit import AuditTrail
from medguard.keys import SECRET_ACCESS, Keyring

KEY_ID = "audit1"


def _ring(material: bytes) -> Keyring:
    ring = Keyring()
    ring.import_key(material, "aes", key_id=KEY_ID, primary=True)
    return ring


def _append(target: str, material: bytes, writer: int, batches: int, size: int) -> None:
    trail = AuditTrail.open(target, _ring(material), actor=f"writer-{writer}")
    for batch in range(batches):
        trail.append_many(
            [("tick", {"writer": writer, "batch": batch, "n": n}) for n in range(size)]
        )
        trail.append("tock", writer=writer, batch=batch)


def _race(target: str, material: bytes, writers: int, batches: int, size: int) -> None:
    ctx = mp.get_context("spawn")
    procs = [
        ctx.Process(target=_append, args=(target, material, w, batches, size))
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0


@pytest.mark.parametrize("backend", ["file", "sqlite"])
def test_racing_processes_lose_nothing_and_interleave_nothing(tmp_path, backend):
    """Four processes appending batches at once: every record is there once, each batch is
    contiguous, and the whole trail verifies."""
    ring = Keyring.generate(key_id=KEY_ID)
    material = ring.export_key(KEY_ID, SECRET_ACCESS)
    target = str(tmp_path / ("a.jsonl" if backend == "file" else "a.db"))
    writers, batches, size = 4, 15, 20
    _race(target, material, writers, batches, size)
    trail = AuditTrail.open(target, ring)
    result = trail.verify()
    assert result.ok, result.message
    assert result.records == writers * batches * (size + 1)
    records = list(trail.records())
    seen = {(r.fields["writer"], r.fields["batch"], r.fields.get("n")) for r in records}
    assert len(seen) == len(records)  # nothing twice
    # each append_many batch is contiguous: no other writer's record inside it
    for i, record in enumerate(records):
        if record.action == "tick" and record.fields["n"] == 0:
            batch = records[i : i + size]
            assert {(r.fields["writer"], r.fields["batch"]) for r in batch} == {
                (record.fields["writer"], record.fields["batch"])
            }


@pytest.mark.postgres
def test_racing_processes_in_postgres(audit_pg_url):
    """The same race against PostgreSQL: nothing lost, the trail verifies."""
    ring = Keyring.generate(key_id=KEY_ID)
    material = ring.export_key(KEY_ID, SECRET_ACCESS)
    trail = AuditTrail.open(audit_pg_url, ring)
    before = len(trail)
    _race(audit_pg_url, material, 4, 3, 5)
    result = AuditTrail.open(audit_pg_url, ring).verify()
    assert result.ok, result.message
    assert result.records == before + 4 * 3 * 6


def _append_forever(target: str, material: bytes) -> None:
    trail = AuditTrail.open(target, _ring(material))
    batch = 0
    while True:
        trail.append_many([("tick", {"batch": batch, "n": n, "pad": "x" * 200})
                           for n in range(20000)])  # fmt: skip
        batch += 1


def test_a_killed_appender_leaves_a_verifiable_prefix(tmp_path):
    """kill -9 of a process in the middle of large batches: the trail verifies, or reports a
    torn last record that repair cuts; after that the prefix verifies and appends go on."""
    ring = Keyring.generate(key_id=KEY_ID)
    material = ring.export_key(KEY_ID, SECRET_ACCESS)
    target = tmp_path / "a.jsonl"
    proc = mp.get_context("spawn").Process(target=_append_forever, args=(str(target), material))
    proc.start()
    deadline = time.monotonic() + 120
    while (
        not target.exists() or target.stat().st_size < 3_000_000
    ) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    trail = AuditTrail.open(target, ring)
    result = trail.verify()
    assert result.ok or (result.kind == "torn" and result.seq == result.records), result.message
    if not result.ok:
        assert trail.repair() > 0
    result = AuditTrail.open(target, ring).verify()
    assert result.ok
    assert result.records > 0
    trail = AuditTrail.open(target, ring)
    trail.append("after.crash")
    assert trail.verify().records == result.records + 1
