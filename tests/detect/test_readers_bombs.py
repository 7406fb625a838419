"""Tests that files built to exhaust memory or time are refused with a clear reason.

The limits are module constants of ``medguard.detect.readers``; each test lowers one so a
small file plays the bomb (no gigabyte files in tests).
"""

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

import medguard.io.limits as readers
from medguard.detect import scan_file
from medguard.detect.readers import read_table
from medguard.errors import UnreadableInput


def _refused(path: Path, fmt: str) -> str:
    with pytest.raises(UnreadableInput) as caught:
        list(read_table(path, fmt))
    return caught.value.reason


def _workbook(path: Path, rows: int = 20, width: int = 3) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([f"c{i}" for i in range(width)])
    for r in range(rows):
        sheet.append([f"张三{r}"] + [13812345678] * (width - 1))
    book.save(path)
    return path


def _with_part(path: Path, member: str, data: bytes) -> Path:
    """A copy of the workbook with one part replaced (or added)."""
    out = path.with_name(f"bomb_{path.name}")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        for item in src.infolist():
            dst.writestr(item, data if item.filename == member else src.read(item.filename))
        if member not in names:
            dst.writestr(member, data)
    return out


_SHARED = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def test_shared_strings_expanding_past_the_ratio_are_refused_before_parsing(tmp_path, monkeypatch):
    """A workbook whose shared strings inflate hundreds of times is refused from the archive's
    directory, before openpyxl loads them (a 5 MB file took 1.33 GB that way)."""
    strings = _SHARED + b"<si><t>" + b"A" * 2_000_000 + b"</t></si></sst>"
    bomb = _with_part(_workbook(tmp_path / "b.xlsx"), "xl/sharedStrings.xml", strings)
    assert bomb.stat().st_size < 100_000
    monkeypatch.setattr(readers, "_RATIO_FLOOR", 1_000_000)
    loaded = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: loaded.append(1))
    reason = _refused(bomb, "xlsx")
    assert "MAX_XLSX_RATIO" in reason
    assert "zip bomb" in reason
    assert loaded == []


def test_a_part_larger_than_the_limit_is_refused(tmp_path, monkeypatch):
    """Shared strings declared larger than MAX_XLSX_PART_BYTES are refused, whatever the ratio."""
    monkeypatch.setattr(readers, "MAX_XLSX_PART_BYTES", 10_000)
    strings = _SHARED + b"".join(b"<si><t>%d</t></si>" % i for i in range(2_000)) + b"</sst>"
    bomb = _with_part(_workbook(tmp_path / "b.xlsx"), "xl/sharedStrings.xml", strings)
    assert "MAX_XLSX_PART_BYTES" in _refused(bomb, "xlsx")


def test_a_sheet_with_more_rows_than_the_limit_is_refused(tmp_path, monkeypatch):
    """Rows past MAX_XLSX_ROWS (Excel's own 1,048,576) stop the read with a reason."""
    monkeypatch.setattr(readers, "MAX_XLSX_ROWS", 50)
    path = _workbook(tmp_path / "rows.xlsx", rows=60)
    assert "MAX_XLSX_ROWS" in _refused(path, "xlsx")
    report_error = None
    try:
        scan_file(path)
    except UnreadableInput as exc:
        report_error = exc.reason
    assert report_error is not None
    assert "MAX_XLSX_ROWS" in report_error


def test_a_row_far_down_counts_the_empty_rows_before_it(tmp_path, monkeypatch):
    """A lone cell in row 1,000 of a tiny sheet is 1,000 rows read (openpyxl yields the gap):
    limited like any other rows (a 1.5 MB file of 20M rows took 346 s)."""
    monkeypatch.setattr(readers, "MAX_XLSX_ROWS", 500)
    path = _workbook(tmp_path / "gap.xlsx", rows=1)
    with zipfile.ZipFile(path) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    far = sheet.replace(
        b"</sheetData>", b'<row r="1000"><c r="A1000"><v>1</v></c></row></sheetData>'
    )
    bomb = _with_part(path, "xl/worksheets/sheet1.xml", far)
    assert "MAX_XLSX_ROWS" in _refused(bomb, "xlsx")


def test_a_sheet_with_more_cells_than_the_limit_is_refused(tmp_path, monkeypatch):
    """Cells past MAX_XLSX_CELLS stop the read: wide rows cost time however few they are."""
    monkeypatch.setattr(readers, "MAX_XLSX_CELLS", 200)
    path = _workbook(tmp_path / "wide.xlsx", rows=10, width=30)
    assert "MAX_XLSX_CELLS" in _refused(path, "xlsx")


def test_a_declared_dimension_does_not_pad_rows(tmp_path, monkeypatch):
    """A sheet declaring A1:XFD1048576 is read at its real size, not padded to 16,384 columns
    and a million rows."""
    monkeypatch.setattr(readers, "MAX_XLSX_CELLS", 1_000)
    path = _workbook(tmp_path / "dim.xlsx", rows=5)
    with zipfile.ZipFile(path) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    start = sheet.index(b"<dimension")
    end = sheet.index(b"/>", start) + 2
    huge = sheet[:start] + b'<dimension ref="A1:XFD1048576"/>' + sheet[end:]
    bomb = _with_part(path, "xl/worksheets/sheet1.xml", huge)
    got = {
        name: len(values)
        for _, columns in read_table(bomb, "xlsx")
        for name, values in columns.items()
    }
    assert got == {"c0": 5, "c1": 5, "c2": 5}


def test_a_jsonl_line_longer_than_the_limit_is_refused(tmp_path, monkeypatch):
    """One huge JSON Lines line (a 200 MB one took 1.34 GB) is refused at MAX_LINE_CHARS,
    read no further than the limit."""
    monkeypatch.setattr(readers, "MAX_LINE_CHARS", 10_000)
    path = tmp_path / "one.jsonl"
    path.write_text(
        json.dumps({"ok": "13812345678"}) + "\n" + json.dumps({"notes": ["13812345678"] * 5_000})
    )
    reason = _refused(path, "jsonl")
    assert "line 2" in reason
    assert "MAX_LINE_CHARS" in reason


def test_a_csv_row_longer_than_the_limit_is_refused(tmp_path, monkeypatch, hide_pyarrow):
    """The standard-library CSV reader refuses a row past MAX_LINE_CHARS."""
    hide_pyarrow()
    monkeypatch.setattr(readers, "MAX_LINE_CHARS", 10_000)
    path = tmp_path / "long.csv"
    path.write_text("a,b\n1,2\n" + "x," + "9" * 20_000 + "\n")
    assert "MAX_LINE_CHARS" in _refused(path, "csv")


def test_a_csv_row_longer_than_pyarrows_block_says_so(tmp_path):
    """pyarrow's "straddling object" error becomes a reason a user understands."""
    path = tmp_path / "long.csv"
    path.write_text("a,b\n1,2\n" + "x," + "9" * 2_500_000 + "\n3,4\n")
    with pytest.raises(UnreadableInput) as caught:
        list(read_table(path, "csv", batch_rows=1))  # a block of 1 MB, the least
    assert "a row longer than" in caught.value.reason


def test_too_many_columns_are_refused(tmp_path, monkeypatch):
    """Records with more distinct fields than MAX_COLUMNS are refused, not classified one
    classifier per field."""
    monkeypatch.setattr(readers, "MAX_COLUMNS", 20)
    path = tmp_path / "wide.jsonl"
    path.write_text("\n".join(json.dumps({f"k{i}_{j}": "x" for j in range(5)}) for i in range(10)))
    assert "MAX_COLUMNS" in _refused(path, "jsonl")


def test_json_nested_deeper_than_python_parses_is_unreadable(tmp_path):
    """A line of 100,000 nested arrays is UnreadableInput, not a RecursionError."""
    path = tmp_path / "deep.jsonl"
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    assert "nested too deeply" in _refused(path, "jsonl")


def test_wide_rows_make_smaller_batches(tmp_path, monkeypatch, hide_pyarrow):
    """A batch holds a bounded number of cells: wide rows give fewer rows per batch."""
    hide_pyarrow()
    monkeypatch.setattr(readers, "_BATCH_CELLS", 1_000)
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(",".join(["13812345678"] * 100) for _ in range(50)))
    batches = list(read_table(path, "csv"))
    assert len(batches) > 1
    assert all(columns.rows * 100 <= 1_100 for _, columns in batches)


def test_rows_are_counted_before_openpyxl_opens_the_workbook(tmp_path, monkeypatch):
    """A sheet without a <dimension> element (openpyxl parses such a sheet whole when it opens
    the workbook: 20 million rows took minutes and gigabytes) is refused from a count of its
    row tags first."""
    monkeypatch.setattr(readers, "MAX_XLSX_ROWS", 50)
    path = _workbook(tmp_path / "nodim.xlsx", rows=60)
    with zipfile.ZipFile(path) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    start = sheet.index(b"<dimension")
    bomb = _with_part(path, "xl/worksheets/sheet1.xml",
                      sheet[:start] + sheet[sheet.index(b"/>", start) + 2 :])  # fmt: skip
    loaded = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: loaded.append(1))
    assert "MAX_XLSX_ROWS" in _refused(bomb, "xlsx")
    assert loaded == []
    monkeypatch.setattr(readers, "MAX_XLSX_ROWS", 1_000)
    monkeypatch.setattr(readers, "MAX_XLSX_CELLS", 100)
    assert "MAX_XLSX_CELLS" in _refused(bomb, "xlsx")
    assert loaded == []
