"""Tests for file scanning: formats, encodings, streaming, directories, locations, fingerprints."""

import json
import random
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import medguard
from medguard.cn import resident_id
from medguard.detect import ColumnClassifier, scan_file, scan_paths
from medguard.detect.readers import detect_encoding, read_table, read_text
from medguard.errors import UnreadableInput
from medguard.testing.assertions import assert_no_plaintext
from medguard.testing.synthetic import synthetic_extract


@pytest.fixture(scope="module")
def patients():
    return synthetic_extract(60, seed=11)[0]


EXPECTED = {"name": "PERSON", "resident_id": "CN_RESIDENT_ID", "mobile": "PHONE_NUMBER",
            "address": "LOCATION", "email": "EMAIL_ADDRESS", "bank_card": "CN_BANK_CARD",
            "birth_date": "DATE_TIME", "patient_id": None}  # fmt: skip


def _write(patients, path):
    suffix = path.suffix
    if suffix == ".csv":
        patients.to_csv(path, index=False)
    elif suffix == ".tsv":
        patients.to_csv(path, index=False, sep="\t", encoding="gb18030")
    elif suffix == ".parquet":
        patients.to_parquet(path)
    elif suffix == ".xlsx":
        patients.to_excel(path, index=False, sheet_name="病人")
    elif suffix == ".jsonl":
        patients.to_json(path, orient="records", lines=True, force_ascii=False, date_format="iso")


@pytest.mark.parametrize("name", ["p.csv", "p.tsv", "p.parquet", "p.xlsx", "p.jsonl"])
def test_every_table_format_is_classified(tmp_path, patients, name):
    """CSV, GB18030 TSV, Parquet, Excel and JSON Lines give the same column types."""
    path = tmp_path / name
    _write(patients, path)
    report = scan_file(path)
    got = {c.column: c.entity_type for c in report.columns}
    for column, entity in EXPECTED.items():
        assert got[column] == entity, (name, column)
    assert sum(t.rows for t in report.tables) == len(patients)


def test_gbk_csv_is_detected_and_decoded(tmp_path, patients):
    """A GBK-encoded CSV is read as GB18030; names in it are still found."""
    path = tmp_path / "gbk.csv"
    patients.to_csv(path, index=False, encoding="gbk")
    assert detect_encoding(path) == "gb18030"
    report = scan_file(path)
    assert report.encoding == "gb18030"
    assert {c.column: c.entity_type for c in report.columns}["name"] == "PERSON"


def test_stdlib_csv_reader_matches_arrow(tmp_path, patients, hide_pyarrow):
    """Without pyarrow the CSV falls back to the standard library with the same result."""
    path = tmp_path / "p.csv"
    patients.to_csv(path, index=False)
    with_arrow = [(c.column, c.entity_type, c.matches) for c in scan_file(path).columns]
    hide_pyarrow()
    without = [(c.column, c.entity_type, c.matches) for c in scan_file(path).columns]
    assert without == with_arrow


def test_streaming_in_small_batches_matches_one_batch(tmp_path, patients):
    """Reading 7 rows at a time gives the same full-mode classification as one batch."""
    path = tmp_path / "p.csv"
    patients.to_csv(path, index=False)
    batches = list(read_table(path, "csv", batch_rows=7))
    assert len(batches) > 1
    streamed = {}
    for _table, columns in batches:
        for name, values in columns.items():
            streamed.setdefault(name, ColumnClassifier(name, full=True)).add(values)
    whole = {c.column: c for c in scan_file(path, full=True).columns}
    for name, classifier in streamed.items():
        report = classifier.report()
        assert (report.entity_type, report.matches) == (whole[name].entity_type,
                                                         whole[name].matches)  # fmt: skip


def test_reservoir_sample_is_uniform_over_batches():
    """The sample kept over many batches covers the whole column, not its first rows."""
    classifier = ColumnClassifier("n", sample=1000, seed=3)
    for start in range(0, 100_000, 5000):
        classifier.add([f"v{i}" for i in range(start, start + 5000)])
    kept = [int(v[1:]) for v in classifier._reservoir]
    assert len(kept) == 1000
    assert 40_000 < sum(kept) / len(kept) < 60_000
    assert max(kept) > 90_000


def test_full_mode_finds_a_rare_id_deep_in_a_big_file(tmp_path):
    """One resident ID among 30,000 clean rows, in the last batch: full mode reports it."""
    rid = resident_id.generate(random.Random(9))
    remarks = [f"复诊{i}" for i in range(30_000)]
    remarks[29_990] = rid
    path = tmp_path / "big.csv"
    pd.DataFrame({"remark": remarks}).to_csv(path, index=False)
    assert scan_file(path, full=True).columns[0].entity_type == "CN_RESIDENT_ID"
    assert scan_file(path, sample=500).columns[0].entity_type is None


def test_text_findings_have_lines_and_columns(tmp_path):
    """Text findings carry 1-based line and column that point at the value."""
    lines = ["第一行没有个人信息", "患者张三丰，男，45岁", "联系电话：13800138000"]
    path = tmp_path / "note.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    found = {(f.entity_type, f.line): f for f in scan_file(path).findings}
    person = found["PERSON", 2]
    assert lines[1][person.column - 1 : person.end_column - 1] == "张三丰"
    phone = found["PHONE_NUMBER", 3]
    assert lines[2][phone.column - 1 : phone.end_column - 1] == "13800138000"
    assert phone.sample == "13*******00"


def test_fingerprints_survive_moved_lines_and_hold_no_value(tmp_path):
    """Moving a finding or editing the text around it keeps its fingerprint; another value with
    another masked form, or a second occurrence of the same one, gets a new fingerprint."""
    path = tmp_path / "note.txt"
    path.write_text("电话13800138000\n", encoding="utf-8")
    before = scan_file(path).findings[0].fingerprint
    path.write_text("新增一行\n\n电话13800138000\n", encoding="utf-8")
    after = scan_file(path).findings[0]
    assert after.line == 3
    assert after.fingerprint == before
    path.write_text("紧急联系电话13800138000\n", encoding="utf-8")
    assert scan_file(path).findings[0].fingerprint == before
    path.write_text("电话15912345678\n", encoding="utf-8")
    assert scan_file(path).findings[0].fingerprint != before
    path.write_text("电话13800138000\n电话13800138000\n", encoding="utf-8")
    first, second = (f.fingerprint for f in scan_file(path).findings)
    assert first == before
    assert second != before


def test_a_headerless_tables_fingerprint_holds_no_hash_of_its_first_row(tmp_path):
    """A headerless CSV's first row (a value) enters its column fingerprint only masked."""
    prints = []
    for header in ("13812345678", "13899999978"):  # the same masked form: 13*******78
        path = tmp_path / f"{header}.csv"
        path.write_text(f"{header}\n13900139000\n13700137000\n", encoding="utf-8")
        (column,) = scan_file(path).tables[0].fingerprints
        prints.append(column)
        path.rename(tmp_path / "same.csv")
        prints.append(scan_file(tmp_path / "same.csv").tables[0].fingerprints[0])
        (tmp_path / "same.csv").unlink()
    assert prints[1] == prints[3]


@given(st.integers(0, 10**6 - 1), st.integers(0, 10**6 - 1))
@settings(max_examples=25, deadline=None)
def test_a_fingerprint_tells_nothing_the_masked_sample_does_not(middle, other):
    """Two phones with the same masked sample have the same fingerprint: the hidden digits
    cannot be recovered from it by trying values."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "note.txt"
        prints = []
        for hidden in (middle, other):
            path.write_text(f"电话13{hidden:06d}000\n", encoding="utf-8")
            (finding,) = scan_file(path).findings
            prints.append((finding.sample, finding.fingerprint))
        assert prints[0] == prints[1]


def test_text_is_read_in_chunks_with_correct_line_numbers(tmp_path, monkeypatch):
    """Line numbers stay right across chunk boundaries."""
    import medguard.io.text as readers

    monkeypatch.setattr(readers, "_TEXT_CHUNK_CHARS", 64)
    path = tmp_path / "long.txt"
    path.write_text("".join(f"第{i}行记录\n" for i in range(200)) + "电话13800138000\n", "utf-8")
    (finding,) = scan_file(path).findings
    assert finding.line == 201


def test_directory_walk_with_globs_and_unreadable_files(tmp_path, patients):
    """Directories are walked in order with include/exclude; a bad file is reported, the rest
    still scanned; binary files are skipped."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "notes.txt").write_text("电话13800138000", encoding="utf-8")
    patients.to_csv(tmp_path / "a" / "p.csv", index=False)
    (tmp_path / "skip").mkdir()
    (tmp_path / "skip" / "x.txt").write_text("电话13800138000", encoding="utf-8")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    (tmp_path / "image.bin").write_bytes(b"\x00\x01\x02\x03")
    reports = {r.path.rsplit("/", 1)[-1]: r for r in scan_paths([tmp_path], exclude=["skip"])}
    assert set(reports) == {"notes.txt", "p.csv", "broken.parquet", "image.bin"}
    assert reports["broken.parquet"].error is not None
    assert reports["image.bin"].skipped == "binary file"
    assert reports["notes.txt"].findings
    only_csv = [r.path for r in scan_paths([tmp_path], include=["*.csv"])]
    assert len(only_csv) == 1
    assert only_csv[0].endswith("p.csv")


def test_missing_file_and_bad_encoding_raise_specific_errors(tmp_path):
    """scan_file raises UnreadableInput (a MedguardError) for a missing or undecodable file."""
    with pytest.raises(UnreadableInput):
        scan_file(tmp_path / "nope.csv")
    path = tmp_path / "bad.txt"
    path.write_bytes("电话".encode() + b"\xff\xfe\xfa")
    with pytest.raises(UnreadableInput):
        scan_file(path, encoding="utf-8")


def test_reports_hold_masked_values_only(tmp_path, patients):
    """No raw identifier appears in any report, tables or text."""
    _write(patients, tmp_path / "p.csv")
    (tmp_path / "n.txt").write_text("\n".join(synthetic_extract(60, seed=11)[2].text), "utf-8")
    data = json.dumps([r.to_dict() for r in scan_paths([tmp_path])], ensure_ascii=False)
    assert_no_plaintext(data, [*patients["resident_id"], *patients["mobile"], *patients["email"],
                               *patients["bank_card"]])  # fmt: skip


def test_front_door_names():
    """scan_file and scan_paths are on the front door."""
    assert medguard.scan_file is scan_file
    assert medguard.scan_paths is scan_paths


_ALPHABET = "患者张三丰男性高血压电话住址广东省深圳市，。：0123456789\n"
_HAN_TEXT = st.text(alphabet=st.sampled_from(_ALPHABET), min_size=20, max_size=300)


@settings(max_examples=40, deadline=None)
@given(_HAN_TEXT, st.sampled_from(["utf-8", "gb18030", "gbk"]))
def test_encoding_detection_round_trips(tmp_path_factory, text, encoding):
    """Chinese text written as UTF-8, GB18030 or GBK is detected and read back unchanged."""
    path = tmp_path_factory.mktemp("enc") / "t.txt"
    path.write_bytes(text.encode(encoding))
    detected = detect_encoding(path)
    assert "".join(c.text for c in read_text(path, detected)) == text


def test_a_huge_single_line_is_cut_with_correct_columns(tmp_path, monkeypatch):
    """A line longer than a chunk is read in pieces; columns still point at the value."""
    import medguard.io.text as readers

    monkeypatch.setattr(readers, "_TEXT_CHUNK_CHARS", 100)
    line = "，".join(["检验结果正常"] * 60) + "，联系电话13800138000，" + "，".join(["复查"] * 50)
    path = tmp_path / "one_line.json"
    path.write_text(line + "\n第二行患者张三丰，男\n", encoding="utf-8")
    chunks = list(read_text(path))
    assert len(chunks) > 3
    assert max(len(c.text) for c in chunks) <= 200
    found = {f.entity_type: f for f in scan_file(path).findings}
    phone = found["PHONE_NUMBER"]
    assert (phone.line, line[phone.column - 1 : phone.end_column - 1]) == (1, "13800138000")
    assert found["PERSON"].line == 2


def test_old_mac_and_windows_line_endings_count_lines(tmp_path):
    """CR and CRLF line endings give the same line numbers as LF."""
    for ending in ("\r", "\r\n"):
        path = tmp_path / "e.txt"
        path.write_bytes(ending.join(["第一行", "第二行", "电话13800138000"]).encode())
        assert scan_file(path).findings[0].line == 3


def test_ragged_csv_rows_are_all_scanned_and_errors_hold_no_data(tmp_path):
    """Rows with missing or extra fields are scanned (extra fields as extra columns), and a
    parse error never quotes the row it failed on."""
    path = tmp_path / "ragged.csv"
    path.write_text("姓名,备注\n张三丰,无\n李四,无,13800138000\n王五\n", encoding="utf-8")
    columns = {c.column: c for c in scan_file(path, full=True).columns}
    assert columns["姓名"].matches == 3
    assert columns["column_3"].entity_type == "PHONE_NUMBER"
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1" + "张三丰13800138000".encode() + b"PAR1")
    (report,) = scan_paths([broken])
    assert report.error is not None
    assert "13800138000" not in report.error
    assert "张三丰" not in report.error


@pytest.fixture
def walked(tmp_path, monkeypatch):
    """A tree d/a.csv, d/sub/b.csv, d/sub/c.txt, walked from tmp_path."""
    monkeypatch.chdir(tmp_path)
    for name in ("d/a.csv", "d/sub/b.csv", "d/sub/c.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        (["**/*.csv"], [], ["d/a.csv", "d/sub/b.csv"]),  # ** also matches the top of the walk
        (["*.csv"], [], ["d/a.csv", "d/sub/b.csv"]),
        ([], ["sub/"], ["d/a.csv"]),  # a trailing slash names the directory
        ([], ["d/sub"], ["d/a.csv"]),  # the directory as given in front
        ([], ["./sub"], ["d/a.csv"]),
        ([], ["sub/**"], ["d/a.csv"]),
        ([], ["*.txt"], ["d/a.csv", "d/sub/b.csv"]),
    ],
)
def test_include_and_exclude_globs_as_users_write_them(walked, include, exclude, expected):
    """Globs match as users write them: **/, a trailing slash, the walked root in front."""
    from medguard.detect.files import iter_files

    found = [p.as_posix() for p in iter_files(["d"], include=include, exclude=exclude)]
    assert found == expected


def test_a_directory_that_cannot_be_listed_is_reported_not_skipped(walked, monkeypatch):
    """A subdirectory os.walk cannot list is reported as unreadable; the rest is scanned."""
    import os as os_module

    real = os_module.scandir

    def scandir(path="."):
        if str(path).endswith("sub"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os_module, "scandir", scandir)
    reports = {r.path: r for r in scan_paths(["d"])}
    assert reports["d/sub"].error == "cannot list directory: Permission denied"
    assert reports["d/a.csv"].error is None


def test_notebook_view_masks_a_column_name_that_is_a_value(tmp_path):
    """The HTML view of a headerless CSV shows its first row masked, like every report."""
    path = tmp_path / "headerless.csv"
    path.write_text("13812345678\n13900139000\n13700137000\n", encoding="utf-8")
    view = scan_file(path)._repr_html_()
    assert "13812345678" not in view
    assert "13*******78" in view


def test_a_text_report_lists_at_most_max_findings_and_counts_the_rest(tmp_path):
    """Past ``max_findings`` a report keeps counts per entity type, not findings (bounded)."""
    path = tmp_path / "dump.txt"
    path.write_text("".join(f"电话1380013{i:04d}\n" for i in range(50)) + "患者张三，男\n", "utf-8")
    report = scan_file(path, max_findings=10)
    assert len(report.findings) == 10
    by_type = {o.entity_type: o for o in report.omitted}
    assert by_type["PHONE_NUMBER"].count == 40
    assert by_type["PHONE_NUMBER"].first_line == 11
    assert by_type["PERSON"].count == 1
    assert scan_file(path).omitted == ()
    with pytest.raises(medguard.MedguardError):
        scan_file(path, max_findings=-1)


_TOKENS = st.sampled_from(["张三丰", "李四", "11010519491231002X", "13800138000", "data",
                           "2024", "病历", "内科", "csv", "患者"])  # fmt: skip


@given(st.lists(st.tuples(_TOKENS, st.sampled_from(["_", "-", ".", " ", "/", ""])), max_size=8))
def test_masked_paths_never_show_an_identifier_or_a_name(parts):
    """A path made of names, IDs and words, glued or separated, shows no ID or phone, nor a
    name standing apart (a name glued to another word is not a name a scanner can tell)."""
    from medguard.detect.files import masked_path

    path = "".join(token + sep for token, sep in parts)
    shown = masked_path(path)
    assert_no_plaintext(shown, ["11010519491231002X", "13800138000"])
    if "张三丰" in re.split(r"[_\-. /]", path):
        assert "张三丰" not in re.split(r"[_\-. /]", shown)
    assert shown.count("/") == path.count("/")


def test_file_name_fingerprints_and_reports_mask_the_name(tmp_path, monkeypatch):
    """scan_file shows a file named after a patient masked, and fingerprints the masked form."""
    monkeypatch.chdir(tmp_path)
    Path("张三丰_11010519491231002X.txt").write_text("电话13800138000\n", "utf-8")
    report = scan_file("张三丰_11010519491231002X.txt")
    assert report.path == report.baseline_path == "张*丰_11**************2X.txt"
    assert_no_plaintext(json.dumps(report.to_dict(), ensure_ascii=False), ["11010519491231002X"])


def test_fingerprints_are_relative_to_root_not_the_working_directory(tmp_path, monkeypatch):
    """With ``root``, the same file gets the same fingerprints from any working directory."""
    (tmp_path / "repo" / "data").mkdir(parents=True)
    (tmp_path / "repo" / "data" / "p.csv").write_text("身份证号\n11010519491231002X\n", "utf-8")
    (tmp_path / "repo" / "data" / "n.txt").write_text("电话13800138000\n", "utf-8")
    prints = []
    for cwd, path in ((tmp_path, "repo/data"), (tmp_path / "repo" / "data", ".")):
        monkeypatch.chdir(cwd)
        reports = list(scan_paths([path], root=tmp_path / "repo"))
        prints.append(sorted(
            [f.fingerprint for r in reports for f in r.findings]
            + [p for r in reports for t in r.tables for row in t.fingerprints for p in row]
        ))  # fmt: skip
        assert sorted(r.baseline_path for r in reports) == ["data/n.txt", "data/p.csv"]
    assert prints[0] == prints[1]
    assert len(prints[0]) == 2


def test_an_empty_file_is_clean_and_a_medguard_report_is_skipped(tmp_path):
    """A 0-byte file is clean and marked empty; medguard's JSON report is skipped by content."""
    (tmp_path / "e.csv").write_bytes(b"")
    empty = scan_file(tmp_path / "e.csv")
    assert (empty.empty, empty.error, empty.scanned) == (True, None, True)
    report = {"tool": "medguard", "version": "1", "summary": {}, "exit_code": 1, "files": []}
    (tmp_path / "r.json").write_text(json.dumps(report), "utf-8")
    skipped = scan_file(tmp_path / "r.json")
    assert (skipped.skipped, skipped.scanned) == ("medguard report", False)
