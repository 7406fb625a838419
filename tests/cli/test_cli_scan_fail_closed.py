"""``medguard scan``: exit 0 means clean (issue 13). Each test pins one way a scan used to exit 0,
or show raw data, or break a CI convention."""

import json
import os
import random
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from medguard.cli.main import COMMANDS, build_parser, main
from medguard.cn import bank_card, phone, resident_id
from medguard.testing.assertions import assert_no_plaintext

ID = "11010519491231002X"


def _run(capsys, *argv):
    code = main(["scan", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _codes(make, rows=400, seed=13):
    """A code column where 45% of values are valid identifiers made by ``make``."""
    rng = random.Random(seed)
    return [make(rng) if i % 20 < 9 else f"LAB-{i:06d}-X" for i in range(rows)]


@pytest.mark.parametrize("make", [resident_id.generate, phone.generate, bank_card.generate])
@pytest.mark.parametrize("full", [False, True])
def test_a_column_of_45_percent_identifiers_fails(here, capsys, make, full):
    """45% checksum-valid IDs, mobiles or cards among other codes fail the scan (exit 1)."""
    values = _codes(make)
    (here / "codes.csv").write_text("code\n" + "\n".join(values) + "\n", "utf-8")
    code, out, _ = _run(capsys, *(["--full"] if full else []), "codes.csv")
    assert code == 1
    assert_no_plaintext(out, values[:9])


def test_a_column_reports_every_type_it_holds(here, capsys):
    """A notes column holding names and phones gives an issue for each type, in JSON and SARIF."""
    notes = ["患者张三丰，男，45岁", "家属电话13800138000", "复查", "无"] * 10
    (here / "visits.csv").write_text("备注\n" + "\n".join(notes) + "\n", "utf-8")
    _code, out, _ = _run(capsys, "-f", "json", "visits.csv")
    (column,) = json.loads(out)["files"][0]["columns"]
    assert {e["entity_type"] for e in column["entities"]} >= {"PERSON", "PHONE_NUMBER"}
    _code, out, _ = _run(capsys, "-f", "sarif", "visits.csv")
    rules = {r["ruleId"] for r in json.loads(out)["runs"][0]["results"]}
    assert rules >= {"PERSON", "PHONE_NUMBER"}


def _unscanned_parquet(path):
    table = pa.table({
        "photo": pa.array([b"\x89PNG\r\n\x1a\n\x00\xff\xfe", None], pa.large_binary()),
        "dept": pa.array(["内科", "外科"]),
    })  # fmt: skip
    pq.write_table(table, path)


@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
def test_an_unscanned_column_is_listed_and_exits_2(here, capsys, fmt):
    """A column the reader could not read is listed in every format and the scan exits 2."""
    _unscanned_parquet(here / "images.parquet")
    code, out, err = _run(capsys, "-f", fmt, "images.parquet")
    assert code == 2
    assert "photo" in out
    assert "not scanned" in err
    if fmt == "json":
        report = json.loads(out)
        assert report["files"][0]["unscanned"][0]["column"] == "photo"
        assert report["summary"]["unscanned_columns"] == 1
    if fmt == "sarif":
        run = json.loads(out)["runs"][0]
        assert run["invocations"][0]["executionSuccessful"] is False


def test_an_include_that_matches_nothing_exits_2(here, capsys):
    """A typo in --include (nothing read) is exit 2 with a clear message, not a clean scan."""
    (here / "data").mkdir()
    (here / "data" / "a.csv").write_text(f"id\n{ID}\n", "utf-8")
    code, _out, err = _run(capsys, "--include", "*.cvs", "data")
    assert code == 2
    assert "nothing scanned" in err
    assert "--include" in err
    assert _run(capsys, "--allow-empty", "--include", "*.cvs", "data")[0] == 0


def test_only_skipped_files_is_nothing_scanned(here, capsys):
    """A directory holding only binary files read nothing: exit 2, saying what was skipped."""
    (here / "bin").mkdir()
    (here / "bin" / "blob").write_bytes(bytes(range(256)) * 40)
    code, _out, err = _run(capsys, "bin")
    assert code == 2
    assert "binary" in err


def test_a_symlink_given_on_the_command_line_is_followed(here, capsys, tmp_path_factory):
    """A link to a directory elsewhere, named on the command line, is walked and scanned."""
    elsewhere = tmp_path_factory.mktemp("real")
    (elsewhere / "a.csv").write_text(f"身份证号\n{ID}\n", "utf-8")
    (here / "link").symlink_to(elsewhere, target_is_directory=True)
    for target in ("link", "link/", "./link"):
        code, out, _ = _run(capsys, target)
        assert code == 1, target
        assert "CN_RESIDENT_ID" in out


def test_an_empty_file_is_clean_and_listed(here, capsys):
    """An empty file is clean (exit 0), listed as empty in the table and in JSON."""
    (here / "empty.csv").write_bytes(b"")
    (here / "blank.txt").write_text("\n\n", "utf-8")
    code, out, _ = _run(capsys, "empty.csv", "blank.txt")
    assert code == 0
    assert "empty.csv: empty" in out
    code, out, _ = _run(capsys, "-f", "json", "empty.csv")
    assert code == 0
    assert json.loads(out)["files"][0]["empty"] is True


@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
def test_file_names_holding_personal_data_are_masked(here, capsys, fmt):
    """张三丰_11010519491231002X.txt appears masked in every report and in the baseline."""
    (here / "records").mkdir()
    name = f"张三丰_{ID}.txt"
    (here / "records" / name).write_text("家属电话13800138000\n", "utf-8")
    _code, out, err = _run(capsys, "-f", fmt, "records")
    assert_no_plaintext(out + err, [ID, "张三丰", "13800138000"])
    assert ".txt" in out
    _run(capsys, "--write-baseline", "baseline.json", "records")
    assert_no_plaintext((here / "baseline.json").read_text("utf-8"), [ID, "张三丰"])
    assert _run(capsys, "--baseline", "baseline.json", "records")[0] == 0


def test_a_baseline_holds_when_run_from_another_directory(here, capsys):
    """Paths in a baseline are relative to the baseline's directory, not the working one."""
    repo = here / "repo"
    (repo / "data").mkdir(parents=True)
    (repo / "data" / "p.csv").write_text(f"身份证号\n{ID}\n", "utf-8")
    (repo / "data" / "n.txt").write_text("电话13800138000\n", "utf-8")
    os.chdir(repo)
    assert _run(capsys, "--write-baseline", ".medguard-baseline.json", "data")[0] == 0
    entries = json.loads((repo / ".medguard-baseline.json").read_text("utf-8"))["accepted"]
    assert {e["file"] for e in entries} == {"data/p.csv", "data/n.txt"}
    os.chdir(here)
    code, _out, _ = _run(capsys, "--baseline", "repo/.medguard-baseline.json", "repo/data")
    assert code == 0
    os.chdir(repo / "data")
    code, _out, _ = _run(capsys, "--baseline", "../.medguard-baseline.json", ".")
    assert code == 0


def test_a_column_baseline_fails_when_more_values_appear(here, capsys):
    """A column accepted with 3 IDs fails with 5, saying how to accept the whole column."""
    rng = random.Random(1)
    ids = [resident_id.generate(rng) for _ in range(5)]
    table = here / "p.csv"
    table.write_text("证件号\n" + "\n".join(ids[:3]) + "\n", "utf-8")
    _run(capsys, "--write-baseline", "b.json", "p.csv")
    baseline = json.loads((here / "b.json").read_text("utf-8"))
    assert [e["values"] for e in baseline["accepted"]] == [3]
    assert _run(capsys, "--baseline", "b.json", "p.csv")[0] == 0
    table.write_text("证件号\n" + "\n".join(ids) + "\n", "utf-8")
    code, out, err = _run(capsys, "--baseline", "b.json", "p.csv")
    assert code == 1
    assert "accepted 3" in err
    assert '"values" to "all"' in err
    assert_no_plaintext(out + err, ids)
    baseline["accepted"][0]["values"] = "all"
    (here / "b.json").write_text(json.dumps(baseline), "utf-8")
    assert _run(capsys, "--baseline", "b.json", "p.csv")[0] == 0


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_medguard_reports_are_recognized_by_content_and_skipped(here, capsys, fmt):
    """A JSON/SARIF report (or a baseline) medguard wrote, whatever its name, is skipped."""
    (here / "data").mkdir()
    (here / "data" / "p.csv").write_text(f"身份证号\n{ID}\n", "utf-8")
    (here / "out").mkdir()
    _run(capsys, "-f", fmt, "-o", "out/scan-result.txt", "data")
    _run(capsys, "--write-baseline", "out/accepted.txt", "data")
    code, out, _ = _run(capsys, "-f", "json", "--allow-empty", "out")
    files = {f["file"]: f for f in json.loads(out)["files"]}
    assert files["out/scan-result.txt"]["skipped"] == "medguard report"
    assert files["out/accepted.txt"]["skipped"] == "medguard baseline"
    assert code == 0


def test_a_report_lookalike_holding_more_is_scanned(here, capsys):
    """A JSON file that only starts like a medguard report is scanned like any other."""
    fake = {"tool": "medguard", "version": "0", "summary": {}, "exit_code": 0, "files": [],
            "note": f"身份证号{ID}"}  # fmt: skip
    (here / "fake.json").write_text(json.dumps(fake, ensure_ascii=False), "utf-8")
    assert _run(capsys, "fake.json")[0] == 1


def test_sarif_columns_point_at_the_header_and_rules_carry_help(here, capsys):
    """A CSV column's result is at line 1 (its header); every rule has help text and markdown."""
    (here / "p.csv").write_text(f"姓名,身份证号\n张三丰,{ID}\n", "utf-8")
    _code, out, _ = _run(capsys, "-f", "sarif", "p.csv")
    run = json.loads(out)["runs"][0]
    for result in run["results"]:
        (location,) = result["locations"]
        assert location["physicalLocation"]["region"]["startLine"] == 1
        assert "header" in result["message"]["text"]
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["help"]["text"]
        assert rule["help"]["markdown"]
        assert "helpUri" not in rule


def test_the_verdict_counts_failing_files_not_findings(here, capsys):
    """FAIL: N file(s) counts the files that fail, not the findings or the files scanned."""
    (here / "d").mkdir()
    (here / "d" / "p.csv").write_text(f"姓名,身份证号\n张三丰,{ID}\n", "utf-8")
    (here / "d" / "clean.csv").write_text("dept,visits\n内科,120\n", "utf-8")
    (here / "d" / "n.txt").write_text("无特殊\n", "utf-8")
    code, out, _ = _run(capsys, "d")
    assert code == 1
    verdict = out.strip().splitlines()[-1]
    assert verdict.startswith("FAIL: 1 file(s) failing, 2 failing finding(s)")
    assert "3 of 3 file(s) scanned" in verdict


def test_min_score_has_one_default_everywhere(here, capsys):
    """scan_text, scan_file, scan_paths and the CLI share one min_score; a Luhn-valid card
    without a UnionPay BIN (0.45) in a text file fails the CLI's default scan."""
    import inspect

    from medguard.detect import scan_file, scan_text
    from medguard.detect.text import DEFAULT_MIN_SCORE

    assert inspect.signature(scan_text).parameters["min_score"].default == DEFAULT_MIN_SCORE
    assert inspect.signature(scan_file).parameters["min_score"].default == DEFAULT_MIN_SCORE
    scan = next(a for a in build_parser()._subparsers._group_actions[0].choices["scan"]._actions
                if a.dest == "min_score")  # fmt: skip
    assert scan.default == DEFAULT_MIN_SCORE
    card = bank_card.generate(random.Random(2), bin="435744", length=16)
    (here / "n.txt").write_text(f"付款{card}\n", "utf-8")
    assert _run(capsys, "n.txt")[0] == 1


def test_help_names_only_commands_that_exist(capsys):
    """Neither `medguard --help` nor the CLI package names a command that does not exist."""
    import medguard.cli

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "privacy" not in out
    named = set(re.findall(r"medguard (\w[\w-]*)", out + (medguard.cli.__doc__ or "")))
    named |= set(re.findall(r"\b(\w+) \|", medguard.cli.__doc__ or ""))
    assert named <= set(COMMANDS), named - set(COMMANDS)


@pytest.mark.parametrize(
    "argv",
    [
        ["x" * 300],
        ["--baseline", ".", "."],
        ["--limit", "-1", "."],
        ["--fail-on", "L9", "."],
        ["-o", "missing-dir/out.json", "."],
    ],
)
def test_bad_input_is_a_message_and_exit_2(here, capsys, argv):
    """Bad input gives one clear line on stderr and exit 2, never a traceback."""
    (here / "a.txt").write_text("无\n", "utf-8")
    code, _out, err = _run(capsys, *argv)
    assert code == 2
    assert err.startswith("medguard")
    assert "Traceback" not in err


def test_undecodable_file_names_are_escaped_not_a_traceback(here, capsys):
    """A file name that is not UTF-8 is shown escaped in every output, the -o report too."""
    name = os.fsdecode(b"bad\xff.txt")
    (here / name).write_text("电话13800138000\n", "utf-8")
    for fmt in ("table", "json", "sarif"):
        code, _out, _ = _run(capsys, "-f", fmt, "-o", os.fsdecode(b"out\xff." + fmt.encode()), name)
        assert code == 1
    assert "bad\\xff.txt" in (here / os.fsdecode(b"out\xff.table")).read_text("utf-8")


def test_a_pipe_is_not_called_missing(here, capsys):
    """A named pipe given on the command line is unreadable as "not a regular file"."""
    os.mkfifo(here / "pipe")
    code, _out, err = _run(capsys, "pipe")
    assert code == 2
    assert "not a regular file" in err


def test_the_pre_commit_hook_allows_a_commit_of_skipped_files_only(here, capsys):
    """Committing only the baseline (skipped as medguard's own) passes the hook: the hook's
    entry passes --allow-empty, while a plain scan of it is incomplete."""
    from pathlib import Path

    hooks = Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml"
    entry = next(x for x in hooks.read_text("utf-8").splitlines() if x.startswith("  entry:"))
    argv = entry.split(":", 1)[1].split()[2:]  # after "medguard scan"
    (here / "p.csv").write_text(f"身份证号\n{ID}\n", "utf-8")
    _run(capsys, "--write-baseline", ".medguard-baseline.json", "p.csv")
    assert main(["scan", *argv, ".medguard-baseline.json"]) == 0
    assert _run(capsys, ".medguard-baseline.json")[0] == 2


def test_baseline_values_are_checked_and_old_entries_accept_the_column(here, capsys):
    """An entry without ``values`` (written before counts) accepts the column as a whole; a
    ``values`` that is neither a count nor "all" is a usage error naming the entry."""
    rng = random.Random(4)
    (here / "p.csv").write_text(
        "证件号\n" + "\n".join(resident_id.generate(rng) for _ in range(4)) + "\n", "utf-8"
    )
    _run(capsys, "--write-baseline", "b.json", "p.csv")
    baseline = json.loads((here / "b.json").read_text("utf-8"))
    del baseline["accepted"][0]["values"]
    (here / "b.json").write_text(json.dumps(baseline), "utf-8")
    (here / "p.csv").write_text(
        "证件号\n" + "\n".join(resident_id.generate(rng) for _ in range(9)) + "\n", "utf-8"
    )
    assert _run(capsys, "--baseline", "b.json", "p.csv")[0] == 0
    baseline["accepted"][0]["values"] = -1
    (here / "b.json").write_text(json.dumps(baseline), "utf-8")
    code, _out, err = _run(capsys, "--baseline", "b.json", "p.csv")
    assert code == 2
    assert "column 证件号" in err


def test_only_an_unreadable_file_is_not_called_an_empty_scan(tmp_path, capsys):
    """A corrupt Parquet file is reported as unreadable (exit 2), without the 'no file found'
    hint or the advice to pass --allow-empty (which would not make it readable)."""
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1" + b"\0" * 100)
    assert main(["scan", "--no-progress", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err
    assert "no file found" not in err
    assert "--allow-empty" not in err
