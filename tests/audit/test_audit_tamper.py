"""Every kind of tampering with a trail file is detected and located at the first bad record."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medguard.audit import AuditTrail, Checkpoint
from medguard.audit.canonical import canonical_json
from medguard.keys import Keyring

N = 12


@pytest.fixture
def ring():
    return Keyring.generate(key_id="audit1")


def _trail(path, ring, **kw):
    trail = AuditTrail.open(path, ring, actor="alice@his-01", **kw)
    trail.append_many(
        [("export.share", {"dataset": "visits", "rows": 100 + i, "level": 3, "epsilon": 0.25,
                           "columns": ["age", "ward"], "subject": f"p{i}"}) for i in range(N)]
    )  # fmt: skip
    return trail


def _lines(path):
    return path.read_bytes().split(b"\n")[:-1]


def _write(path, lines):
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def _check(path, ring, kind, seq, **kw):
    result = AuditTrail.open(path, ring).verify(**kw)
    assert not result.ok
    assert (result.kind, result.seq) == (kind, seq), result.message
    return result


def test_an_intact_trail_verifies(tmp_path, ring):
    """A freshly written trail (with a checkpoint) verifies, counting records and checkpoints."""
    trail = _trail(tmp_path / "a.jsonl", ring)
    trail.checkpoint()
    result = AuditTrail.open(tmp_path / "a.jsonl", ring).verify()
    assert result.ok
    assert bool(result)
    assert (result.records, result.checkpoints, result.kind) == (N, 1, None)


@pytest.mark.parametrize(
    "field", ["action", "actor", "time", "dataset", "rows", "level", "epsilon", "columns",
              "subject", "_seq", "_prev", "_mac_key", "_hash", "_mac"],
)  # fmt: skip
def test_modifying_any_field_of_one_record_is_located(tmp_path, ring, field):
    """Changing any one field of record 5 (and keeping the line canonical) is caught at 5."""
    path = tmp_path / "a.jsonl"
    _trail(path, ring)
    lines = _lines(path)
    record = json.loads(lines[5])
    value = record[field]
    if isinstance(value, bool | int | float):
        record[field] = value + 1
    elif isinstance(value, list):
        record[field] = [*value, "x"]
    else:
        record[field] = value[:-1] + ("0" if value[-1] != "0" else "1")
    lines[5] = canonical_json(record)
    _write(path, lines)
    result = AuditTrail.open(path, ring).verify()
    assert not result.ok
    assert result.seq == 5, result.message
    assert result.kind in {"modified", "forged", "deleted", "reordered"}, result.message
    if field not in {"_seq", "_mac", "_mac_key"}:
        assert result.kind == "modified"


def test_a_byte_flipped_inside_a_record_is_modified(tmp_path, ring):
    """A change that breaks the record's layout (not even canonical JSON) is 'modified'."""
    path = tmp_path / "a.jsonl"
    _trail(path, ring)
    lines = _lines(path)
    lines[7] = lines[7].replace(b'"rows":107', b'"rows": 107')
    _write(path, lines)
    _check(path, ring, "modified", 7)


def test_a_deleted_record_is_located(tmp_path, ring):
    """Deleting record 4 is 'deleted' at 4; deleting the first record is 'deleted' at 0."""
    path = tmp_path / "a.jsonl"
    _trail(path, ring)
    lines = _lines(path)
    _write(path, lines[:4] + lines[5:])
    _check(path, ring, "deleted", 4)
    _write(path, lines[1:])
    _check(path, ring, "deleted", 0)


def test_reordered_records_are_located(tmp_path, ring):
    """Swapping records 3 and 4 is 'reordered' at 3."""
    path = tmp_path / "a.jsonl"
    _trail(path, ring)
    lines = _lines(path)
    lines[3], lines[4] = lines[4], lines[3]
    _write(path, lines)
    _check(path, ring, "reordered", 3)


@pytest.mark.parametrize(("copy", "at"), [(2, 6), (8, 3), (5, 6), (0, 12)])
def test_an_inserted_copy_is_located(tmp_path, ring, copy, at):
    """A copy of a valid record inserted anywhere (before or after its original) is 'inserted'."""
    path = tmp_path / "a.jsonl"
    _trail(path, ring)
    lines = _lines(path)
    _write(path, [*lines[:at], lines[copy], *lines[at:]])
    _check(path, ring, "inserted", at)


def test_truncation_is_detected_against_a_checkpoint(tmp_path, ring):
    """Cutting the last records off is 'truncated' at the first missing one, given a
    checkpoint (stored, or kept by someone else) or an expected size."""
    path = tmp_path / "a.jsonl"
    trail = _trail(path, ring)
    checkpoint = trail.checkpoint()
    lines = _lines(path)
    _write(path, lines[:9])
    _check(path, ring, "truncated", 9)
    # the attacker also removed the checkpoint file: a copy held elsewhere still tells
    (tmp_path / "a.jsonl.checkpoints").unlink()
    assert AuditTrail.open(path, ring).verify().ok  # nothing left to compare against
    _check(path, ring, "truncated", 9, checkpoints=[checkpoint])
    _check(path, ring, "truncated", 9, expected_size=N)


def test_a_record_forged_without_the_key_is_located(tmp_path, ring):
    """A record appended with a consistent hash but made with another key is 'forged'."""
    path = tmp_path / "a.jsonl"
    _trail(path, ring)
    other = Keyring.generate(key_id="audit1")  # same key ID, other material
    forger = AuditTrail.open(tmp_path / "f.jsonl", other)
    # forge by continuing the real chain: same seq and prev, computed with the wrong key
    lines = _lines(path)
    forger._state = None
    (tmp_path / "f.jsonl").write_bytes(path.read_bytes())
    forger.append("key.destroy", key_id="audit1")
    forged = _lines(tmp_path / "f.jsonl")[-1]
    _write(path, [*lines, forged])
    result = _check(path, ring, "forged", N)
    assert "HMAC" in result.message


def test_a_record_naming_an_unknown_key_is_forged(tmp_path, ring):
    """A forged record that names a key the keyring does not hold is 'forged'."""
    path = tmp_path / "a.jsonl"
    _trail(path, ring)
    other = Keyring.generate(key_id="intruder")
    (tmp_path / "f.jsonl").write_bytes(path.read_bytes())
    AuditTrail.open(tmp_path / "f.jsonl", other).append("key.destroy", key_id="audit1")
    _write(path, _lines(tmp_path / "f.jsonl"))
    assert "intruder" in _check(path, ring, "forged", N).message


def test_a_whole_trail_replaced_under_another_key_is_forged(tmp_path, ring):
    """A self-consistent trail (with checkpoints) signed by another key fails at record 0."""
    path = tmp_path / "a.jsonl"
    _trail(path, ring).checkpoint()
    path.unlink()
    (tmp_path / "a.jsonl.checkpoints").unlink()
    other = Keyring.generate(key_id="audit1")
    _trail(path, other).checkpoint()
    assert AuditTrail.open(path, other).verify().ok  # self-consistent for its own key
    _check(path, ring, "forged", 0)


def test_a_rewritten_history_is_caught_by_a_partners_checkpoint(tmp_path, ring):
    """Someone holding every key rewrites the trail (and its checkpoint file); the checkpoint a
    partner co-signed before does not match: 'modified', with the range it covers."""
    path = tmp_path / "a.jsonl"
    kept = _trail(path, ring).checkpoint()
    lines = _lines(path)
    path.unlink()
    (tmp_path / "a.jsonl.checkpoints").unlink()
    # the insider replays the same first record, then writes another history
    _write(path, lines[:1])
    insider = AuditTrail.open(path, ring)
    insider.append_many([("export.share", {"dataset": "other", "rows": i}) for i in range(N - 1)])
    insider.checkpoint()
    assert AuditTrail.open(path, ring).verify().ok
    result = _check(path, ring, "modified", 0, checkpoints=[kept])
    assert f"checkpoint of size {N}" in result.message


def test_a_checkpoint_signed_by_another_key_is_forged(tmp_path, ring):
    """A stored checkpoint not signed by the trail's keyring is 'forged'."""
    path = tmp_path / "a.jsonl"
    trail = _trail(path, ring)
    good = trail.checkpoint()
    fake = Checkpoint(good.origin, good.size, good.root).signed(Keyring.generate())
    (tmp_path / "a.jsonl.checkpoints").write_text(
        json.dumps({"size": N, "note": fake.text()}) + "\n", encoding="utf-8"
    )
    _check(path, ring, "forged", N - 1)


def test_a_torn_last_record_is_reported_and_repaired_explicitly(tmp_path, ring):
    """A crash mid-append leaves a torn line: verify says 'torn', appends refuse, and only an
    explicit repair cuts it; the prefix then verifies and appends continue."""
    path = tmp_path / "a.jsonl"
    _trail(path, ring)
    data = path.read_bytes()
    path.write_bytes(data + data.split(b"\n")[3][:57])  # half a record, no newline
    trail = AuditTrail.open(path, ring)
    _check(path, ring, "torn", N)
    from medguard.errors import AuditError

    with pytest.raises(AuditError, match="torn"):
        trail.append("x.y")
    assert path.read_bytes().endswith(data.split(b"\n")[3][:57])  # nothing cut silently
    assert trail.repair() == 57
    assert trail.repair() == 0
    assert AuditTrail.open(path, ring).verify().ok
    trail.append("x.y")
    assert AuditTrail.open(path, ring).verify().records == N + 1


def test_a_record_under_a_destroyed_key_is_unverifiable(tmp_path, ring):
    """Records keyed by a key destroyed later cannot be checked: 'unverifiable', not 'forged'."""
    path = tmp_path / "a.jsonl"
    _trail(path, ring)
    ring.rotate()
    ring.destroy("audit1")
    _check(path, ring, "unverifiable", 0)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_byte_changed_anywhere_is_detected(tmp_path_factory, data):
    """Changing, removing or inserting bytes anywhere in a trail file never verifies as intact."""
    path = tmp_path_factory.mktemp("fuzz") / "a.jsonl"
    ring = Keyring.generate(key_id="audit1")
    trail = AuditTrail.open(path, ring)
    trail.append_many([("tick", {"n": i, "dataset": "visits"}) for i in range(6)])
    trail.checkpoint()
    original = path.read_bytes()
    at = data.draw(st.integers(0, len(original) - 1))
    how = data.draw(st.sampled_from(["flip", "delete", "insert"]))
    if how == "flip":
        value = data.draw(st.integers(0, 255).filter(lambda b: b != original[at]))
        changed = original[:at] + bytes([value]) + original[at + 1 :]
    elif how == "delete":
        length = data.draw(st.integers(1, 40))
        changed = original[:at] + original[at + length :]
    else:
        changed = original[:at] + data.draw(st.binary(min_size=1, max_size=8)) + original[at:]
    if changed == original:
        return
    path.write_bytes(changed)
    result = AuditTrail.open(path, ring).verify()
    assert not result.ok
    assert result.kind in {
        "modified",
        "deleted",
        "reordered",
        "inserted",
        "truncated",
        "forged",
        "torn",
    }


@pytest.mark.parametrize(
    "tamper", ["none", "modify", "delete", "swap", "insert", "truncate", "forge", "torn"]
)
def test_parallel_verification_agrees_with_one_process(tmp_path, ring, monkeypatch, tamper):
    """Several worker processes give the same result as one, for an intact trail and for each
    kind of tampering (a failure in any range falls back to the one-process diagnosis)."""
    from medguard.audit import verify as verify_module

    monkeypatch.setattr(verify_module, "PARALLEL_MIN_BYTES", 0)
    path = tmp_path / "a.jsonl"
    trail = AuditTrail.open(path, ring, checkpoint_every=40)
    for start in range(0, 150, 10):
        trail.append_many(
            [("tick", {"n": i, "dataset": "visits"}) for i in range(start, start + 10)]
        )
    lines = _lines(path)
    if tamper == "modify":
        lines[97] = lines[97].replace(b'"n":97', b'"n":98')
    elif tamper == "delete":
        del lines[75]
    elif tamper == "swap":
        lines[74], lines[75] = lines[75], lines[74]
    elif tamper == "insert":
        lines.insert(76, lines[3])
    elif tamper == "truncate":
        lines = lines[:110]
    elif tamper == "forge":
        lines[110] = lines[110][:84] + b"0" * 64 + lines[110][148:]
    _write(path, lines)
    if tamper == "torn":
        path.write_bytes(path.read_bytes() + b'{"_hash"')
    one = AuditTrail.open(path, ring).verify()
    many = AuditTrail.open(path, ring).verify(workers=3)
    assert many == one
    assert one.ok == (tamper == "none")
    if tamper == "none":
        assert (one.records, one.checkpoints) == (150, 3)
