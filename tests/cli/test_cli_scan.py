"""Tests for ``medguard scan``: exit codes, JSON, SARIF, baselines, thresholds, no raw values."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.cli.main import main
from medguard.detect import Threshold
from medguard.errors import InvalidArgument
from medguard.testing.assertions import assert_no_plaintext
from medguard.testing.synthetic import synthetic_extract


@pytest.fixture
def tree(tmp_path, monkeypatch):
    patients, _visits, notes = synthetic_extract(30, seed=21)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    patients.to_csv(tmp_path / "data" / "patients.csv", index=False)
    (tmp_path / "data" / "notes.txt").write_text("\n".join(notes.text[:20]), encoding="utf-8")
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "stats.csv").write_text("dept,visits\n内科,120\n外科,98\n", "utf-8")
    return tmp_path, patients


def _run(capsys, *argv):
    code = main(["scan", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_exit_codes_clean_findings_and_unreadable(tree, capsys):
    """0 on clean data, 1 on findings, 2 when a file cannot be read (the rest still scanned)."""
    assert _run(capsys, "clean")[0] == 0
    assert _run(capsys, "data")[0] == 1
    (tree[0] / "data" / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    code, out, err = _run(capsys, "data")
    assert code == 2
    assert "broken.xlsx" in err
    assert "patients.csv" in out  # the readable files were still scanned


def test_json_report_has_columns_and_findings(tree, capsys):
    """--format json: per-file columns (tables) and findings with file, line, column, score."""
    code, out, _ = _run(capsys, "--format", "json", "data")
    report = json.loads(out)
    assert code == report["exit_code"] == 1
    files = {f["file"]: f for f in report["files"]}
    columns = {c["column"]: c for c in files["data/patients.csv"]["columns"]}
    assert {"column", "entity_type", "match_ratio", "level"} <= set(columns["resident_id"])
    assert columns["resident_id"]["entity_type"] == "CN_RESIDENT_ID"
    finding = files["data/notes.txt"]["findings"][0]
    assert {"file", "line", "column", "entity_type", "score"} <= set(finding)


def test_sarif_report_is_sarif_2_1_0(tree, capsys):
    """--format sarif: version 2.1.0, one rule per entity type, results with regions."""
    _code, out, _ = _run(capsys, "--format", "sarif", "data")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "CN_RESIDENT_ID" in rules
    assert "PERSON" in rules
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["region"]["startLine"] >= 1
        assert result["partialFingerprints"]


def test_no_raw_values_in_any_format(tree, capsys):
    """Table, JSON and SARIF outputs show masked samples only."""
    _root, patients = tree
    secrets = [*patients["resident_id"], *patients["mobile"], *patients["email"]]
    for fmt in ("table", "json", "sarif"):
        _code, out, _ = _run(capsys, "--format", fmt, "--limit", "0", "data")
        assert_no_plaintext(out, secrets)


def test_baseline_accepts_known_findings_and_catches_new_ones(tree, capsys):
    """A written baseline makes the same scan pass; a new finding fails it again."""
    root, _ = tree
    code, _out, err = _run(capsys, "--write-baseline", "baseline.json", "data")
    assert code == 0
    assert "accepted" in err
    baseline = json.loads((root / "baseline.json").read_text("utf-8"))
    assert baseline["version"] == 2
    assert baseline["accepted"]
    assert _run(capsys, "--baseline", "baseline.json", "data")[0] == 0
    with (root / "data" / "notes.txt").open("a", encoding="utf-8") as f:
        f.write("\n新来的家属电话13912345678\n")
    code, out, _ = _run(capsys, "--baseline", "baseline.json", "--format", "json", "data")
    assert code == 1
    failing = [f for file in json.loads(out)["files"] for f in file.get("findings", [])
               if not f["baselined"]]  # fmt: skip
    assert [f["entity_type"] for f in failing] == ["PHONE_NUMBER"]


def test_fail_on_level_and_likelihood(tree, capsys):
    """--fail-on 5 never fails (no level-5 data); --fail-on L4 fails on direct identifiers."""
    assert _run(capsys, "--fail-on", "5", "data")[0] == 0
    assert _run(capsys, "--fail-on", "L4", "data")[0] == 1


@pytest.mark.parametrize("text", ["0", "6", "1.5", "high", "-1"])
def test_bad_fail_on_is_a_usage_error(tree, capsys, text):
    """A bad --fail-on value exits 2 with a clear message, no traceback."""
    code, _out, err = _run(capsys, "--fail-on", text, "data")
    assert code == 2
    assert "--fail-on" in err
    assert "Traceback" not in err


def test_threshold_parsing():
    """Levels and likelihoods parse; anything else raises InvalidArgument."""
    assert Threshold.parse("3") == Threshold(level=3)
    assert Threshold.parse("level:4") == Threshold(level=4)
    assert Threshold.parse("0.8") == Threshold(score=0.8)
    assert Threshold.parse("score:1") == Threshold(score=1.0)
    with pytest.raises(InvalidArgument):
        Threshold.parse("7")


def test_output_file_is_written_whole(tree, capsys):
    """-o writes the report to a file (via a temporary file and rename)."""
    root, _ = tree
    code, out, _ = _run(capsys, "-f", "json", "-o", "report.json", "data")
    assert code == 1
    assert out == ""
    assert json.loads((root / "report.json").read_text("utf-8"))["files"]
    assert [p.name for p in root.iterdir() if p.name.startswith(".report")] == []


def test_missing_baseline_is_a_usage_error(tree, capsys):
    """A baseline that does not exist exits 2 with a message."""
    code, _out, err = _run(capsys, "--baseline", "nope.json", "data")
    assert code == 2
    assert "baseline" in err


@given(st.integers(1, 5))
def test_any_level_parses(level):
    """Every level 1-5 parses, bare or prefixed."""
    assert Threshold.parse(str(level)) == Threshold.parse(f"L{level}") == Threshold(level=level)


@given(st.floats(0.01, 1.0))
def test_any_likelihood_parses(score):
    """Every likelihood in (0, 1] written with two decimals parses to itself."""
    text = f"{score:.2f}"
    assert Threshold.parse(text) == Threshold(score=float(text))


def test_progress_bar_only_on_a_terminal(tmp_path):
    """The progress bar draws on a terminal stream and stays silent elsewhere."""
    import io

    from medguard.cli.scan import _Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    files = [tmp_path / "a.csv", tmp_path / "b.csv"]
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        with _Progress(files, enabled=True, stream=stream) as progress:
            progress.rows(1000)
            progress.file_done("a.csv")
    assert "file" in terminal.getvalue()
    assert pipe.getvalue() == ""


def test_unknown_encoding_is_a_usage_error(tree, capsys):
    """--encoding with an unknown codec exits 2 with a message, no traceback."""
    code, _out, err = _run(capsys, "--encoding", "no-such-codec", "data")
    assert code == 2
    assert "no-such-codec" in err
    assert "Traceback" not in err


def test_an_empty_directory_is_incomplete_unless_allowed(tmp_path, capsys, monkeypatch):
    """Nothing to scan is exit 2 with a message saying so; --allow-empty makes it 0."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    code, _out, err = _run(capsys, "empty")
    assert code == 2
    assert "nothing scanned" in err
    assert "--allow-empty" in err
    assert _run(capsys, "--allow-empty", "empty")[0] == 0
