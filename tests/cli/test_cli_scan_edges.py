"""Edge cases of ``medguard scan``: bad output paths, odd files and terminals; no traceback."""

import json
import os
import re
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medguard.cli.main import main
from medguard.testing.assertions import assert_no_plaintext

PHONE = "13812345678"
RESIDENT_ID = "11010519491231002X"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "patients.csv").write_text(
        f"姓名,身份证号,联系电话\n张伟,{RESIDENT_ID},{PHONE}\n李娜,440524188001010014,13987654321\n",
        "utf-8",
    )
    (tmp_path / "data" / "notes.txt").write_text(f"患者张伟，男，45岁，电话{PHONE}。\n", "utf-8")
    return tmp_path


def _run(capsys, *argv):
    code = main(["scan", "--no-progress", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
@pytest.mark.parametrize("target", ["missing/dir/out.json", "data"])
def test_an_output_path_that_cannot_be_written_is_a_usage_error(tree, capsys, option, target):
    """An output in a missing directory, or naming a directory, exits 2 with a message."""
    code, _out, err = _run(capsys, option, target, "data")
    assert code == 2
    assert option in err
    assert "Traceback" not in err


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tree, capsys, monkeypatch):
    """A write that fails at the rename exits 2, keeps the previous report, leaves no temp file."""
    (tree / "report.json").write_text("old\n", "utf-8")

    def fail(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    code, _out, err = _run(capsys, "-f", "json", "-o", "report.json", "data")
    assert code == 2
    assert "cannot write report.json" in err
    assert (tree / "report.json").read_text("utf-8") == "old\n"
    assert sorted(p.name for p in tree.iterdir()) == ["data", "report.json"]


@pytest.mark.parametrize("option", ["--output", "--write-baseline"])
def test_written_files_get_the_ordinary_mode_not_the_temporary_one(tree, capsys, option):
    """A report or baseline is readable as any new file would be (umask), not owner-only."""
    umask = os.umask(0o022)
    try:
        _run(capsys, "-f", "json", option, "out.json", "data")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tree / "out.json").stat().st_mode) == 0o644
    json.loads((tree / "out.json").read_text("utf-8"))


def test_a_workbook_with_a_broken_sheet_is_unreadable_and_the_rest_scanned(tree, capsys):
    """An .xlsx whose sheet XML is cut short is reported unreadable (exit 2); others still scan."""
    import zipfile

    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["联系电话"])
    book.active.append([PHONE])
    book.save(tree / "whole.xlsx")
    with (
        zipfile.ZipFile(tree / "whole.xlsx") as src,
        zipfile.ZipFile(tree / "data" / "cut.xlsx", "w") as dst,
    ):
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(
                item, data[: len(data) // 2] if "worksheets/sheet" in item.filename else data
            )
    code, out, err = _run(capsys, "data")
    assert code == 2
    assert "data/cut.xlsx" in err
    assert "Traceback" not in err
    assert "data/patients.csv" in out


def test_an_unexpected_reader_failure_never_quotes_the_data(tree, capsys, monkeypatch):
    """A bug in a reader makes that file unreadable, named by exception type only."""
    import medguard.detect.files as files

    real = files.scan_file

    def buggy(path, **options):
        if str(path).endswith("notes.txt"):
            raise RuntimeError(f"choked on {PHONE}")
        return real(path, **options)

    monkeypatch.setattr(files, "scan_file", buggy)
    code, out, err = _run(capsys, "-f", "json", "data")
    assert code == 2
    assert PHONE not in out + err
    report = {f["file"]: f for f in json.loads(out)["files"]}
    assert report["data/notes.txt"]["error"] == "unexpected error (RuntimeError)"
    assert report["data/patients.csv"]["columns"]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_a_headerless_table_never_shows_its_first_row(tmp_path_factory, capsys, seed):
    """A CSV without a header row takes its first row as column names; no report shows them."""
    import random

    from medguard.cn import resident_id

    rng = random.Random(seed)
    root = tmp_path_factory.mktemp("headerless")
    first = [resident_id.generate(rng), f"13{rng.randrange(10**9):09d}"]
    rows = [first] + [
        [resident_id.generate(rng), f"13{rng.randrange(10**9):09d}"] for _ in range(5)
    ]
    (root / "export.csv").write_text("".join(f"{a},{b}\n" for a, b in rows), "utf-8")
    outputs = []
    for fmt in ("table", "json", "sarif"):
        outputs.append(_run(capsys, "-f", fmt, str(root / "export.csv"))[1])
    _run(capsys, "--write-baseline", str(root / "baseline.json"), str(root / "export.csv"))
    outputs.append((root / "baseline.json").read_text("utf-8"))
    assert "CN_RESIDENT_ID" in outputs[0]
    for text in outputs:
        assert_no_plaintext(text, first)


@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
def test_a_console_that_cannot_show_chinese_gets_escapes_not_a_traceback(tree, monkeypatch, fmt):
    """On an ASCII stdout (C locale) the report is escaped; JSON and SARIF stay the same JSON."""
    import io
    import sys

    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="ascii"))
    code = main(["scan", "--no-progress", "-f", fmt, "data"])
    sys.stdout.flush()
    text = raw.getvalue().decode("ascii")
    assert code == 1
    if fmt == "table":
        assert "\\u59d3\\u540d" in text  # 姓名
    else:
        assert "姓名" in json.dumps(json.loads(text), ensure_ascii=False)


_URI_REFERENCE = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


@pytest.mark.parametrize("absolute", [False, True])
def test_sarif_uris_are_uri_references_for_any_file_name(tree, capsys, monkeypatch, absolute):
    """Spaces and Chinese in a path are percent-encoded; a path outside the cwd is a file:// URI."""
    folder = tree / "data" / "病历 2024"
    folder.mkdir()
    (folder / "患者 笔记.txt").write_text(f"电话{PHONE}\n", "utf-8")
    target = "data"
    if absolute:
        (tree / "elsewhere").mkdir()
        monkeypatch.chdir(tree / "elsewhere")
        target = str(folder)
    _code, out, _ = _run(capsys, "-f", "sarif", target, "missing 文件.csv")
    run = json.loads(out)["runs"][0]
    locations = [loc for r in run["results"] for loc in r["locations"]]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"] for loc in locations] + [
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in notes
    ]
    assert all(_URI_REFERENCE.fullmatch(u) for u in uris), uris
    assert "missing%20%E6%96%87%E4%BB%B6.csv" in uris
    wanted = "%E7%97%85%E5%8E%86%202024/%E6%82%A3%E8%80%85%20%E7%AC%94%E8%AE%B0.txt"
    assert any(
        u.endswith(wanted) and u.startswith("file:///" if absolute else "data/") for u in uris
    )


@given(st.floats(0, 1))
def test_the_table_share_of_values_never_rounds_a_match_to_0_or_100(ratio):
    """A column with some matches never reads 0%, one with some misses never reads 100%."""
    from medguard.cli.scan import _share

    shown = _share(ratio)
    assert (shown == "0%") == (ratio == 0)
    assert (shown == "100%") == (ratio == 1)


def test_a_rare_value_in_a_full_scan_is_not_shown_as_0_percent(tree, capsys):
    """--full finds one phone in 300 remarks; the table says <1%, not 0%."""
    rows = ["无"] * 299 + [f"患者电话{PHONE}"]
    (tree / "data" / "remarks.csv").write_text("备注\n" + "\n".join(rows) + "\n", "utf-8")
    _code, out, _ = _run(capsys, "--full", "data/remarks.csv")
    assert "<1%" in out
    assert " 0% " not in out


def test_a_file_named_twice_is_scanned_once(tree, capsys):
    """Overlapping paths (a directory and a file in it) report each file once."""
    code, out, _ = _run(capsys, "-f", "json", "data", "data/notes.txt", "./data")
    assert code == 1
    assert sorted(f["file"] for f in json.loads(out)["files"]) == [
        "data/notes.txt",
        "data/patients.csv",
    ]


def test_a_version_1_baseline_is_refused_with_a_way_out(tmp_path, capsys):
    """A baseline of the earlier fingerprint format is a usage error that says to rewrite it."""
    (tmp_path / "note.txt").write_text("电话13800138000\n", encoding="utf-8")
    old = tmp_path / "old.json"
    old.write_text('{"version": 1, "tool": "medguard", "accepted": []}', encoding="utf-8")
    code = main(["scan", "--no-progress", "--baseline", str(old), str(tmp_path / "note.txt")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--write-baseline" in err
    assert "Traceback" not in err


def test_findings_past_max_findings_fail_closed_even_with_a_baseline(tmp_path, capsys):
    """Findings not listed (over --max-findings) cannot be baselined, so they still fail."""
    note = tmp_path / "note.txt"
    note.write_text("电话13800138000\n电话13900139000\n电话13700137000\n", encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    args = ["scan", "--no-progress", "--max-findings", "1", str(note)]
    assert main([*args[:-1], "--write-baseline", str(baseline), str(note)]) == 0
    capsys.readouterr()
    assert main([*args[:-1], "--baseline", str(baseline), "-f", "json", str(note)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["omitted"] == 2
    assert report["files"][0]["omitted"][0]["count"] == 2
    assert main([*args[:-1], "--baseline", str(baseline), "--max-findings", "5", str(note)]) == 1
    assert main(["scan", "--no-progress", "--max-findings", "-1", str(note)]) == 2
