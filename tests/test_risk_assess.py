"""The live risk register: each derived item raised, then cleared, by the state it reads."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from medguard.audit import AuditTrail, cosign
from medguard.errors import InvalidArgument
from medguard.keys import Keyring
from medguard.lifecycle import Policy
from medguard.privacy.ledger import BudgetLedger
from medguard.risk import BANDS, RiskItem, RiskRegister, assess, band

NOW = dt.datetime.now(dt.UTC)

BASE: dict[str, Any] = {
    "medguard_policy": 1,
    "dataset": "visits",
    "subject": "patient_id",
    "fields": {
        "resident_id": {"category": "personal_attribute", "level": 4, "kind": "resident_id",
                        "storage": {"op": "encrypt_deterministically"}},
        "dept": {"category": "medical_application", "level": 2},
    },
    "accept": [{"field": "resident_id", "risk": "equality", "stage": "storage",
                "reason": "join key"}],
}  # fmt: skip
K_ANON = {"sharing": {"k_anonymity": {"quasi_identifiers": ["dept"], "k": 5}}}


def _policy(**changes: Any) -> Policy:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return Policy.from_dict(data)


@pytest.mark.parametrize(
    ("score", "name"), [(16, "very high"), (13, "very high"), (12, "high"), (8, "high"),
                        (7, "medium"), (4, "medium"), (3, "low"), (1, "low")],
)  # fmt: skip
def test_bands(score: int, name: str) -> None:
    """R = L x S falls in the bands of DOMAIN.md section 3."""
    assert band(score) == name
    assert [b for b, _ in BANDS] == ["very high", "high", "medium", "low"]


@pytest.mark.parametrize("bad", [0, 17, 2.5, True])
def test_bad_scores(bad: Any) -> None:
    """Scores outside 1-16, and L or S outside 1-4, are InvalidArgument."""
    with pytest.raises(InvalidArgument):
        band(bad)
    with pytest.raises(InvalidArgument):
        RiskItem("x", "storage", "c", likelihood=5, severity=1, evidence="e")


def test_unencrypted_level4_raised_and_cleared() -> None:
    """A level-4 field kept readable at storage is an item; encrypting it clears it."""

    class Field:
        def __init__(self, level: int, storage: str) -> None:
            self.level = level
            self.stages = {"storage": type("Op", (), {"name": storage})()}

    class Loose:
        dataset = "visits"
        fields = {"resident_id": Field(4, "mask")}  # noqa: RUF012 - a test double
        checks = {"sharing": type("C", (), {"k_anonymity": object()})()}  # noqa: RUF012

    item = assess(Loose(), now=NOW).get("unencrypted at storage")
    assert item is not None
    assert (item.likelihood, item.severity, item.band) == (3, 3, "high")
    assert "resident_id (level 4)" in item.evidence
    assert "encrypt" in item.lowered_by
    Loose.fields["resident_id"] = Field(4, "encrypt")
    assert assess(Loose(), now=NOW).get("unencrypted at storage") is None
    assert assess(_policy(checks=K_ANON), now=NOW).get("unencrypted at storage") is None


def test_equality_leak_raised_and_cleared() -> None:
    """An accepted equality leak is an item; randomized encryption (no acceptance) clears it."""
    item = assess(_policy(checks=K_ANON), now=NOW).get("equality leak accepted")
    assert item is not None
    assert item.name == "equality leak accepted: resident_id"
    assert "join key" in item.evidence
    fields = copy.deepcopy(BASE["fields"])
    fields["resident_id"]["storage"] = {"op": "encrypt"}
    register = assess(_policy(fields=fields, accept=[], checks=K_ANON), now=NOW)
    assert register.get("equality leak accepted") is None
    assert len(register) == 0


def test_sharing_without_k_anonymity_raised_and_cleared() -> None:
    """Fields leaving at sharing without a k-anonymity check raise an item; adding it clears it."""
    item = assess(_policy(), now=NOW).get("sharing without a k-anonymity check")
    assert item is not None
    assert "dept" in item.evidence
    assert assess(_policy(checks=K_ANON), now=NOW).get("sharing without") is None


def test_key_rotation_raised_and_cleared() -> None:
    """A primary key older than the period raises an item; rotating clears it."""
    ring = Keyring.generate()
    later = NOW + dt.timedelta(days=400)
    item = assess(keyring=ring, now=later).get("key not rotated")
    assert item is not None
    assert "400 days" in item.evidence or "399 days" in item.evidence
    assert assess(keyring=ring, now=later, rotation_days=500).get("key not rotated") is None
    assert assess(keyring=ring, now=NOW + dt.timedelta(days=3)).get("key not rotated") is None
    ring.rotate()
    created = dt.datetime.fromisoformat(ring.primary.created.replace("Z", "+00:00"))
    assert assess(keyring=ring, now=created + dt.timedelta(days=1)).get("key not rotated") is None
    far = assess(keyring=ring, now=NOW + dt.timedelta(days=800)).get("key not rotated")
    assert far is not None
    assert far.likelihood == 3  # over twice the period


def test_pending_destruction_raised_and_cleared() -> None:
    """A key pending destruction past its grace raises an item; destroy_due clears it."""
    ring = Keyring.generate()
    old = ring.primary.key_id
    ring.rotate()
    ring.destroy(old, grace=dt.timedelta(days=1))
    in_grace = NOW + dt.timedelta(hours=12)
    assert assess(keyring=ring, now=in_grace).get("pending destructions") is None
    overdue = NOW + dt.timedelta(days=2)
    item = assess(keyring=ring, now=overdue).get("pending destructions past their grace")
    assert item is not None
    assert old in item.evidence
    ring.destroy_due(overdue)
    assert assess(keyring=ring, now=overdue).get("pending destructions") is None


def _trail(tmp_path: Path) -> AuditTrail:
    trail = AuditTrail.open(tmp_path / "audit.jsonl", Keyring.generate())
    for n in range(3):
        trail.append("export.share", dataset="visits", rows=n)
    return trail


def test_trail_cosign_raised_and_cleared(tmp_path: Path) -> None:
    """A trail never co-signed raises an item; a partner's co-signature of its head clears it."""
    trail = _trail(tmp_path)
    item = assess(trail=trail, now=NOW).get("audit trail not co-signed recently")
    assert item is not None
    assert "no checkpoint is co-signed" in item.evidence
    head = trail.checkpoint()
    partner = Keyring.generate()
    trail.add_checkpoint(cosign(head, partner, name="partner-hospital",
                                trail_public_key=trail.public_key()))  # fmt: skip
    assert assess(trail=trail, now=NOW).get("audit trail") is None
    # Records after the co-signed head, and time passing, raise it again.
    trail.append("export.share", dataset="visits", rows=9)
    later = assess(trail=trail, now=NOW + dt.timedelta(days=40)).get("audit trail not co-signed")
    assert later is not None
    assert "1 record(s) after" in later.evidence


def test_trail_not_verifying_raised(tmp_path: Path) -> None:
    """A tampered trail is a very high item and exit code 1."""
    trail = _trail(tmp_path)
    path = tmp_path / "audit.jsonl"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"rows":1', '"rows":7')
    path.write_text("\n".join(lines) + "\n")
    reopened = AuditTrail.open(path, trail.keyring)
    register = assess(trail=reopened, now=NOW)
    item = register.get("audit trail does not verify")
    assert item is not None
    assert item.band == "very high"
    assert register.exit_code == 1


def test_budget_raised_and_cleared(tmp_path: Path) -> None:
    """A budget with under 10% left raises an item; exhausted is likelier; a fresh one is clear."""
    ledger = BudgetLedger.open(tmp_path / "budget.db", "visits", epsilon=1.0)
    assert assess(ledger=ledger, now=NOW).get("privacy budget") is None
    ledger.spend(0.95, query="count")
    item = assess(ledger=ledger, now=NOW).get("privacy budget near exhaustion")
    assert item is not None
    assert "5%" in item.evidence
    ledger.spend(0.05, query="count")
    assert assess(ledger=ledger, now=NOW).get("privacy budget exhausted").likelihood == 4  # type: ignore[union-attr]
    fresh = BudgetLedger.open(tmp_path / "budget.db", "labs", epsilon=1.0)
    assert assess(ledger=fresh, now=NOW).get("privacy budget") is None


def test_sql_findings_raised_and_cleared(tmp_path: Path) -> None:
    """SQL guard findings raise an item; none clear it; the trail's refusals count too."""
    pytest.importorskip("sqlglot")
    from medguard.audit.sql import check

    findings = check("DELETE FROM visits; SELECT name FROM patients WHERE id = 1 OR 1=1")
    item = assess(sql_findings=findings, now=NOW).get("risky SQL in the last period")
    assert item is not None
    assert item.severity == 4
    assert assess(sql_findings=[], now=NOW).get("risky SQL") is None
    from medguard.audit.sql import audit_log, read_log

    logged = audit_log(read_log("DELETE FROM visits\nTRUNCATE TABLE visits\n"))
    assert assess(sql_findings=logged, now=NOW).get("risky SQL").severity == 4  # type: ignore[union-attr]
    trail = _trail(tmp_path)
    trail.append("sql.refused", fingerprint="abc", rules=["CLA.014"])
    assert assess(trail=trail, now=NOW).get("risky SQL") is not None
    assert assess(trail=trail, now=NOW + dt.timedelta(days=60)).get("risky SQL") is None


def test_user_items_order_and_outputs() -> None:
    """User items join the register; highest R first; JSON, table and HTML show them."""
    mine = RiskItem("shared admin password", "processing", "personal accounts", 3, 4,
                    evidence="one login", raised_by="sharing", lowered_by="MFA")  # fmt: skip
    register = assess(_policy(), now=NOW, extra_items=[
        mine, {"name": "tape backups offsite", "stage": "storage", "control": "encryption",
               "likelihood": 1, "severity": 2, "evidence": "courier"}])  # fmt: skip
    assert register.names()[0] == "shared admin password"
    assert register.names()[-1] == "tape backups offsite"
    risks = [i.risk for i in register]
    assert risks == sorted(risks, reverse=True)
    data = json.loads(register.to_json())
    assert data["items"][0]["band"] == "high"
    assert data["counts"]["high"] >= 1
    assert "shared admin password" in register.table()
    assert "<table>" in register._repr_html_()
    assert register.exit_code == 0
    assert "RiskRegister(" in repr(register)
    with pytest.raises(InvalidArgument):
        assess(extra_items=[{"name": "x", "bogus": 1}])
    assert RiskRegister([]).table().startswith("no risk")


def test_html_escapes() -> None:
    """The notebook HTML escapes what items say."""
    item = RiskItem("<script>", "storage", "c", 1, 1, evidence="a & b")
    html = RiskRegister([item])._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_naive_now_refused() -> None:
    """``now`` must be aware."""
    with pytest.raises(InvalidArgument):
        assess(now=dt.datetime(2026, 1, 1))
