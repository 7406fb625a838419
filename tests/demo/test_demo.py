"""Tests for ``medguard demo``: it runs end to end, writes its files, and prints no raw value."""

import io

from medguard.cli.main import main
from medguard.demo import STEPS, run_demo
from medguard.testing.assertions import assert_no_plaintext


def test_demo_runs_every_step_and_leaks_nothing(tmp_path):
    """The demo runs all steps on 40 patients, writes files, and its output holds no raw PII."""
    out = io.StringIO()
    ctx = run_demo(tmp_path / "demo", rows=40, stream=out)
    text = out.getvalue()
    assert "Done" in text
    assert all(
        (tmp_path / "demo" / "extract" / f"{t}.csv").exists()
        for t in ("patients", "visits", "notes")
    )
    assert len(ctx.written) > 3  # the extract plus what the steps write
    assert STEPS[0] == "identifiers"
    assert {"scan", "masking", "pseudonymize", "encryption", "risk", "privacy"} <= set(STEPS)
    patients = ctx.patients
    columns = ("resident_id", "mobile", "bank_card", "email", "address")
    raw = [v for c in columns for v in patients[c]]
    raw += [n for n in patients["name"] if len(n) >= 3]
    assert_no_plaintext(text, raw)


def test_demo_cli_refuses_bad_patient_count(capsys, tmp_path):
    """`medguard demo --patients 0` is a usage error with a clear message (exit 2)."""
    assert main(["demo", "--patients", "0", "--out", str(tmp_path)]) == 2
    assert "--patients must be at least 1" in capsys.readouterr().err
