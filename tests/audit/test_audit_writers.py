"""The writers wired into the trail: budget spends now, key operations once keys has hooks."""

from __future__ import annotations

import pytest

from medguard.audit import AuditTrail
from medguard.errors import BudgetExceeded
from medguard.keys import Keyring
from medguard.privacy.ledger import BudgetLedger


def test_each_committed_spend_is_audited(tmp_path):
    """A spend appends privacy.spend with its figures; string parameters only by name; a
    refused spend appends nothing; the trail verifies."""
    ring = Keyring.generate()
    trail = AuditTrail.open(tmp_path / "audit.jsonl", ring, actor="svc")
    ledger = BudgetLedger.open(tmp_path / "budget.db", "visits", epsilon=1.0, audit=trail)
    ledger.spend(
        0.4,
        query="count by ward",
        caller="analyst",
        parameters={"lower": 0, "upper": 120, "ward": "血液科 李四"},
    )
    with pytest.raises(BudgetExceeded):
        ledger.spend(0.7, query="too much")
    (record,) = trail.records(action="privacy.spend")
    assert record.actor == "analyst"
    assert record.fields["dataset"] == "visits"
    assert record.fields["epsilon"] == 0.4
    assert record.fields["query"] == "count by ward"
    assert record.fields["parameters"] == {"lower": 0, "upper": 120}
    assert record.fields["parameter_names"] == ["lower", "upper", "ward"]
    assert record.fields["spend_id"] == ledger.spends()[0].id
    assert "李四".encode() not in (tmp_path / "audit.jsonl").read_bytes()
    assert trail.verify().ok
    assert BudgetLedger(tmp_path / "budget.db", "visits").audit is None  # opt-in


def test_a_keyring_with_the_trail_attached_records_its_operations(tmp_path):
    """A keyring whose ``audit`` is the trail records rotate, disable and enable; the rotation's
    record is keyed by the new primary and the trail verifies."""
    ring = Keyring.generate()
    trail = AuditTrail.open(tmp_path / "audit.jsonl", ring)
    ring.audit = trail
    old = ring.primary.key_id
    new = ring.rotate()
    ring.disable(old)
    ring.enable(old)
    actions = [r.action for r in trail.records(action="key.*")]
    assert actions[-3:] == ["key.rotate", "key.disable", "key.enable"]
    (rotation,) = trail.records(action="key.rotate")
    assert rotation.fields["key_id"] == new.key_id
    assert rotation.mac_key == new.key_id
    assert trail.verify().ok


def test_a_patients_key_records_are_found_by_the_patient(tmp_path):
    """Subject-key records (which carry the keyring's subject token) are found by --subject,
    and the trail verifies after the patient's key is destroyed."""
    ring = Keyring.generate()
    trail = AuditTrail.open(tmp_path / "audit.jsonl", ring)
    ring.audit = trail
    ring.subject_key("patient-1")
    trail.append("protect", dataset="visits", subject="patient-1")
    ring.destroy_subject("patient-1")
    found = [r.action for r in trail.records(subject="patient-1")]
    assert found[0] == "protect"
    assert any(a.startswith("key.") for a in found[1:])
    assert b"patient-1" not in (tmp_path / "audit.jsonl").read_bytes()
    assert trail.verify().ok
