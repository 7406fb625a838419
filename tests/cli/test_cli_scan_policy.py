"""``medguard scan --policy``: a scan that knows the policy a file was written under passes
on the correct output of ``medguard protect`` and still fails on what the policy did not
shape (issue 16: a plain scan can never pass on pseudonymized IDs, which are valid IDs)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from medguard.cli.main import main
from medguard.demo.sharing import sharing_extract, sharing_policy
from medguard.detect import ScanResult, Threshold, scan_paths
from medguard.keys import Keyring
from medguard.lifecycle import Pipeline, Policy
from medguard.lifecycle.policy import SHAPED_BY_DESIGN


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    """(policy file, the sharing run's output CSV, the input frame)."""
    folder = tmp_path_factory.mktemp("scan_policy")
    extract = sharing_extract(300)
    policy = sharing_policy(k=3)
    policy_path = folder / "policy.yaml"
    policy.dump(policy_path)
    out = Pipeline(policy, stage="sharing", keyring=Keyring.generate(), recipient="cdc").run(
        extract
    )
    path = folder / "shared.csv"
    out.frame.to_csv(path, index=False)
    return policy_path, path, extract


def _scan(*args: str) -> int:
    return main(["scan", "--full", "--no-progress", *args])


def test_plain_scan_fails_on_pseudonyms_the_policy_scan_passes(
    shared: tuple[Path, Path, pd.DataFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    policy, path, _ = shared
    assert _scan(str(path)) == 1  # pseudonymized IDs are valid IDs
    capsys.readouterr()
    assert _scan("--policy", str(policy), str(path)) == 0
    out = capsys.readouterr().out
    assert "by policy: pseudonymize (fields.resident_id.sharing)" in out
    assert "shaped by the policy" in out
    assert out.rstrip().splitlines()[-1].startswith("ok:")


def test_stage_defaults_to_sharing_and_can_be_named(
    shared: tuple[Path, Path, pd.DataFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    policy, path, _ = shared
    assert _scan("--policy", str(policy), "--stage", "sharing", str(path)) == 0
    capsys.readouterr()
    # at processing the policy masks resident IDs: full valid IDs there are a failure
    assert _scan("--policy", str(policy), "--stage", "processing", str(path)) == 1
    assert "FAIL" in capsys.readouterr().out


def test_a_column_the_policy_keeps_or_drops_still_fails(
    tmp_path: Path, shared: tuple[Path, Path, pd.DataFrame]
) -> None:
    """The policy shapes only its own columns: the raw input (names, mobiles, which the
    policy drops, and a note) fails even with the policy."""
    policy, _, extract = shared
    raw = tmp_path / "raw.csv"
    extract.to_csv(raw, index=False)
    assert _scan("--policy", str(policy), str(raw)) == 1


def test_an_undeclared_column_is_judged_as_usual(
    tmp_path: Path, shared: tuple[Path, Path, pd.DataFrame]
) -> None:
    policy, path, extract = shared
    frame = pd.read_csv(path, dtype=str)
    frame["contact"] = extract["mobile"].iloc[: len(frame)].to_numpy()
    leaked = tmp_path / "leaked.csv"
    frame.to_csv(leaked, index=False)
    assert _scan("--policy", str(policy), str(leaked)) == 1


def test_json_and_sarif_say_why_and_do_not_fail(
    tmp_path: Path, shared: tuple[Path, Path, pd.DataFrame]
) -> None:
    policy, path, _ = shared
    report = tmp_path / "r.json"
    assert _scan("--policy", str(policy), "-f", "json", "-o", str(report), str(path)) == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["exit_code"] == 0
    assert data["summary"]["by_design"] >= 1
    columns = {c["column"]: c for c in data["files"][0]["columns"]}
    assert columns["resident_id"]["entities"][0]["by_design"].startswith("pseudonymize")
    sarif_path = tmp_path / "r.sarif"
    assert _scan("--policy", str(policy), "-f", "sarif", "-o", str(sarif_path), str(path)) == 0
    sarif = json.loads(sarif_path.read_text(encoding="utf-8"))
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "CN_RESIDENT_ID"]
    assert result["level"] == "note"
    assert result["suppressions"][0]["justification"].startswith("medguard policy: pseudonymize")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stage", "sharing"], "--stage needs --policy"),
        (["--policy", "{policy}", "--stage", "bogus"], "--stage 'bogus'"),
        (["--policy", "{missing}"], "cannot read the file"),
    ],
)
def test_usage_errors_exit_2_with_a_message(
    tmp_path: Path,
    shared: tuple[Path, Path, pd.DataFrame],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    policy, path, _ = shared
    filled = [a.format(policy=policy, missing=tmp_path / "nope.yaml") for a in args]
    assert _scan(*filled, str(path)) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_shaped_by_design_lists_only_shaping_ops() -> None:
    policy = sharing_policy()
    shaped = policy.shaped_by_design("sharing")
    assert set(shaped) == {"patient_id", "resident_id", "address", "birth_date", "visit_date"}
    for name, why in shaped.items():
        rule = policy.rule_for(name, "sharing")
        assert rule is not None
        assert rule.op.name in SHAPED_BY_DESIGN
        assert why.startswith(rule.op.name)
    # kept, dropped and de-identified columns are judged as they are
    assert not {"name", "mobile", "sex", "icd10", "note"} & set(shaped)
    # at storage nothing is shaped like an identifier on purpose (encrypted or kept)
    assert Policy.from_dict(policy.to_dict()).shaped_by_design("storage") == {}


def test_scan_result_by_design_never_fails(shared: tuple[Path, Path, pd.DataFrame]) -> None:
    _, path, _ = shared
    reports = list(scan_paths([path], full=True))
    plain = ScanResult(reports, Threshold(level=3))
    assert plain.exit_code == 1
    known = ScanResult(reports, Threshold(level=3), by_design={"resident_id": "pseudonymize"})
    assert known.exit_code == 0
    assert {i.column_name for i in known.issues() if i.by_design} == {"resident_id"}
