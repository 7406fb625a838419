"""``medguard assess``: the risk register as a table, JSON or HTML; exit 1 when very high."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medguard.audit import AuditTrail
from medguard.cli.main import main
from medguard.keys import Keyring, PassphraseProvider
from medguard.privacy.ledger import BudgetLedger

PASSPHRASE = "cli test passphrase"
POLICY = """\
medguard_policy: 1
dataset: visits
subject: patient_id
fields:
  resident_id:
    category: personal_attribute
    level: 4
    kind: resident_id
    storage: {op: encrypt_deterministically}
  dept: {category: medical_application, level: 2}
accept:
  - {field: resident_id, risk: equality, stage: storage, reason: join key}
"""


@pytest.fixture
def policy(tmp_path: Path) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return str(path)


def test_policy_table(policy: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The table lists items highest first with what raised and what lowers them."""
    assert main(["assess", "--policy", policy]) == 0
    out = capsys.readouterr().out
    assert out.index("sharing without a k-anonymity check") < out.index("equality leak accepted")
    assert "lowered by:" in out
    assert "raised by:" in out


def test_json_and_html(policy: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--format json is the register's JSON; --format html its notebook table."""
    assert main(["assess", "--policy", policy, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["items"][0]["risk"] >= data["items"][-1]["risk"]
    assert {i["band"] for i in data["items"]} <= {"low", "medium", "high", "very high"}
    out = tmp_path / "r.html"
    assert main(["assess", "--policy", policy, "--format", "html", "-o", str(out)]) == 0
    assert "<table>" in out.read_text()


def test_very_high_exits_1(policy: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A user item that is very high makes the exit code 1."""
    items = tmp_path / "items.json"
    item = {"name": "open RDP", "stage": "processing", "control": "VPN", "likelihood": 4,
            "severity": 4, "evidence": "port 3389"}  # fmt: skip
    items.write_text(json.dumps([item]))
    assert main(["assess", "--policy", policy, "--items", str(items)]) == 1
    assert "very high" in capsys.readouterr().out


def test_sql_log(policy: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--sql-log feeds the SQL guard's findings into the register."""
    pytest.importorskip("sqlglot")
    log = tmp_path / "q.log"
    log.write_text("DELETE FROM visits;\nSELECT dept FROM visits WHERE visit_id = 1 OR 1=1;\n")
    assert main(["assess", "--policy", policy, "--sql-log", str(log), "--format", "json"]) == 0
    names = [i["name"] for i in json.loads(capsys.readouterr().out)["items"]]
    assert "risky SQL in the last period" in names


def test_keyring_trail_ledger(
    policy: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Keyring, trail and ledger are read: an uncosigned trail and a spent budget are items."""
    monkeypatch.setenv("MEDGUARD_KEYRING_PASSPHRASE", PASSPHRASE)
    fast = PassphraseProvider(PASSPHRASE, time_cost=1, memory_cost=1024)
    monkeypatch.setattr("medguard.keys.PassphraseProvider", lambda secret: fast)
    ring_path = tmp_path / "his.keyring"
    ring = Keyring.create(ring_path, fast)
    trail = AuditTrail.open(tmp_path / "audit.jsonl", ring)
    trail.append("export.share", dataset="visits", rows=3)
    ledger = BudgetLedger.open(tmp_path / "budget.db", "visits", epsilon=1.0)
    ledger.spend(0.99, query="count")
    args = ["assess", "--policy", policy, "--keyring", str(ring_path), "--trail",
            str(tmp_path / "audit.jsonl"), "--ledger", str(tmp_path / "budget.db"),
            "--dataset", "visits", "--format", "json",
            "--now", "2030-01-01T00:00:00+00:00"]  # fmt: skip
    assert main(args) == 0
    names = [i["name"] for i in json.loads(capsys.readouterr().out)["items"]]
    assert "audit trail not co-signed recently" in names
    assert "privacy budget near exhaustion: visits" in names
    assert any(n.startswith("key not rotated") for n in names)


@pytest.mark.parametrize(
    "args",
    [
        ["assess"],
        ["assess", "--ledger", "x.db"],
        ["assess", "--trail", "audit.jsonl"],
        ["assess", "--policy", "missing.yaml"],
        ["assess", "--items", "missing.json"],
    ],
)
def test_usage_errors(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Missing or contradictory options are exit 2 with a message."""
    monkeypatch.delenv("MEDGUARD_KEYRING", raising=False)
    assert main(args) == 2
    assert capsys.readouterr().err.startswith("medguard: error:")
