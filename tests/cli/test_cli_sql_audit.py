"""``medguard sql-audit``: statement logs in, table/JSON/SARIF out, the exit codes of scan."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

pytest.importorskip("sqlglot")

from medguard.cli.main import main

SECRET = "110105194912310021"
CLEAN = (
    "SELECT dept FROM visits WHERE visit_id = 1;\n"
    "SELECT visit_date FROM visits WHERE patient_id = 7;\n"
)
RISKY = (
    "SELECT dept FROM visits WHERE visit_id = 1;\n"
    f"SELECT name FROM patients WHERE id_no = '{SECRET}'\n   OR '1' = '1';\n"
    "DELETE FROM visits;\n"
)


def _log(tmp_path: Path, text: str, name: str = "q.log") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_clean_log_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A log of single-row lookups is clean."""
    assert main(["sql-audit", _log(tmp_path, CLEAN)]) == 0
    assert capsys.readouterr().out.startswith("ok: 0 finding(s)")


def test_findings_exit_1_with_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Findings at or above --fail-on exit 1; the table names lines, rules, never literals."""
    assert main(["sql-audit", _log(tmp_path, RISKY)]) == 1
    out = capsys.readouterr().out
    assert "line 2" in out
    assert "RES.007" in out
    assert "line 4" in out
    assert "CLA.014" in out
    assert SECRET not in out


def test_fail_on(tmp_path: Path) -> None:
    """--fail-on very-high fails only on very high findings."""
    path = _log(tmp_path, "DELETE FROM visits;\n")
    assert main(["sql-audit", "--fail-on", "very-high", path]) == 0
    assert main(["sql-audit", "--fail-on", "high", path]) == 1


def test_json_and_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """JSON lists findings with line, rule, severity and R; SARIF 2.1.0 has rules and results."""
    path = _log(tmp_path, RISKY)
    assert main(["sql-audit", "--format", "json", path]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["statements"] == 3
    rules = {(f["line"], f["rule"]) for f in data["findings"]}
    assert (2, "RES.007") in rules
    assert (4, "CLA.014") in rules
    assert all(1 <= f["risk"] <= 16 for f in data["findings"])
    out = tmp_path / "r.sarif"
    assert main(["sql-audit", "--format", "sarif", "-o", str(out), path]) == 1
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"RES.007", "CLA.014"}
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    assert SECRET not in out.read_text()


def test_json_lines_and_dialect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """JSON Lines logs read the sql field; a line's own dialect wins over --dialect."""
    lines = [
        {"sql": "SELECT pg_sleep(5)", "dialect": "postgres", "user": "app"},
        {"sql": "WAITFOR DELAY '0:0:5'", "dialect": "tsql"},
        {"sql": "SELECT dept FROM visits WHERE visit_id = 2"},
    ]
    path = _log(tmp_path, "\n".join(json.dumps(x) for x in lines) + "\n", "q.jsonl")
    assert main(["sql-audit", "--format", "json", path]) == 1
    found = {(f["line"], f["rule"]) for f in json.loads(capsys.readouterr().out)["findings"]}
    assert (1, "SEC.004") in found
    assert (2, "SEC.004") in found
    assert not any(line == 3 for line, _ in found)


def test_stdin_and_stacked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """'-' reads standard input; two statements on one line of a one-per-line log are stacked."""
    data = b"SELECT dept FROM visits WHERE visit_id = 1; DROP TABLE visits\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["sql-audit", "-"]) == 1
    out = capsys.readouterr().out
    assert "MG.INJ.001" in out
    assert "SEC.003" in out


def test_unparsable_fails_closed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A statement that does not parse fails the audit."""
    assert main(["sql-audit", _log(tmp_path, "SELEC name FRM patients\n")]) == 1
    assert "parse-error" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\xff\xfe\x00bad", "not UTF-8"), (b'{"sql": "SELECT 1"}\n{"query": 1}\n', "line 2")],
)
def test_unreadable_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    """A log that is not UTF-8, or a JSON line without sql, is exit 2 with a message."""
    path = tmp_path / "bad.log"
    path.write_bytes(content)
    assert main(["sql-audit", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file or an unknown dialect is exit 2, not a traceback."""
    assert main(["sql-audit", str(tmp_path / "missing.log")]) == 2
    assert main(["sql-audit", "--dialect", "db2", _log(tmp_path, CLEAN)]) == 2
    assert "dialect" in capsys.readouterr().err
