"""Tests for what the readers judge before reading: empty, binary or UTF-16 text, the CSV
delimiter, and whether a first row is a header."""

import codecs
import os
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.detect import scan_file
from medguard.detect.readers import (
    detect_encoding,
    file_format,
    looks_binary,
    looks_like_data,
    read_table,
    read_text,
)

_NOTE = "患者张伟，男，45岁，电话13812345678，身份证号11010519491231002X。\n"


def _values(stream):
    out: dict[str, list] = {}
    for _, columns in stream:
        for name, values in columns.items():
            out.setdefault(name, []).extend(v.as_py() if hasattr(v, "as_py") else v for v in values)
    return out


# --- empty files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"",
        codecs.BOM_UTF8,
        b" \n\t\r\n",
        codecs.BOM_UTF8 + b"\n\n",
        codecs.BOM_UTF16_LE + b"\n\x00",
    ],
)
@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".txt", ".log"])
def test_an_empty_file_is_empty_and_yields_nothing(tmp_path, content, suffix):
    """0 bytes, or only a byte-order mark and white space: format "empty", no batch, no error."""
    path = tmp_path / f"e{suffix}"
    path.write_bytes(content)
    assert file_format(path) == "empty"
    if suffix in (".csv", ".tsv", ".jsonl"):
        stream = read_table(path, suffix[1:])
        assert list(stream) == []
        assert stream.unscanned == ()
    report = scan_file(path)
    assert report.error is None
    assert report.format == "empty"


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_a_zero_byte_workbook_or_parquet_file_is_empty(tmp_path, suffix):
    """A 0-byte Excel or Parquet file holds nothing: empty, not unreadable."""
    path = tmp_path / f"e{suffix}"
    path.write_bytes(b"")
    assert file_format(path) == "empty"
    assert list(read_table(path, suffix[1:])) == []


def test_a_header_only_csv_is_a_table_not_an_empty_file(tmp_path):
    """A file holding only a header row is a CSV with no rows: read, no error."""
    path = tmp_path / "h.csv"
    path.write_text("姓名,电话\n", "utf-8")
    assert file_format(path) == "csv"
    assert list(read_table(path, "csv")) == []
    assert scan_file(path).error is None


# --- binary or text ------------------------------------------------------------------------


def test_one_nul_byte_does_not_make_a_text_file_binary(tmp_path):
    """A note with a stray NUL in its first 8 KB is text: read and scanned, not skipped."""
    path = tmp_path / "note.dat"
    path.write_bytes((_NOTE * 3).encode() + b"\x00" + (_NOTE * 3).encode())
    assert file_format(path) == "text"
    types = [f.entity_type for f in scan_file(path).findings]
    assert types.count("CN_RESIDENT_ID") == 6


def test_a_log_padded_with_some_nul_bytes_is_text(tmp_path):
    """Padding of a few hundred NUL bytes (5% of the head) leaves a log readable text."""
    head = (_NOTE * 60).encode()[:7800]
    assert looks_binary(head[:3900] + b"\x00" * 300 + head[3900:]) is False


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(8192),
        zlib.compress((_NOTE * 400).encode(), 9)[:8192],
        b"\x7fELF\x02\x01\x01" + bytes(2000) + os.urandom(4000),
        b"\x89PNG\r\n\x1a\n" + os.urandom(8000),
    ],
    ids=["random", "deflate", "elf", "png"],
)
def test_compressed_and_executable_data_is_binary(data):
    """Random, compressed, image and executable heads are binary."""
    assert looks_binary(data) is True


def test_text_in_an_unknown_encoding_is_read_and_fails_not_skipped(tmp_path):
    """A file with no control bytes but undecodable text is not skipped as binary: it is read
    and reported unreadable (never clean unread)."""
    path = tmp_path / "latin.dat"
    path.write_bytes("電話 café résumé naïve über\n".encode("latin-1", "replace") * 50)
    assert file_format(path) == "text"


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="患者张伟男高血压电话住址北京市朝阳区，。：0123456789abc \n", min_size=20))
def test_utf8_and_gb18030_text_is_never_binary(text):
    """Chinese text in UTF-8 or GB18030 is text, with a NUL or two in it too."""
    for encoding in ("utf-8", "gb18030"):
        data = text.encode(encoding)
        assert looks_binary(data[:8192]) is False
        assert (
            looks_binary((data[: len(data) // 2] + b"\x00" + data[len(data) // 2 :])[:8192])
            is False
        )


# --- UTF-16 without a byte-order mark --------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("suffix", [".txt", ".note"])
def test_utf16_text_without_a_bom_is_detected_and_scanned(tmp_path, encoding, suffix):
    """UTF-16 LE or BE text with no BOM is recognized by its zero bytes and read."""
    path = tmp_path / f"n{suffix}"
    path.write_bytes((_NOTE * 20).encode(encoding))
    assert file_format(path) == "text"
    assert detect_encoding(path) == encoding
    assert "".join(c.text for c in read_text(path)) == _NOTE * 20
    types = [f.entity_type for f in scan_file(path).findings]
    assert types.count("CN_RESIDENT_ID") == 20
    assert types.count("PHONE_NUMBER") == 20


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_csv_without_a_bom_is_read(tmp_path, encoding):
    """A UTF-16 CSV export with no BOM is read as a table, not taken for GB18030."""
    path = tmp_path / "t.csv"
    path.write_bytes(
        ("姓名,身份证号,电话\n" + "张伟,11010519491231002X,13812345678\n" * 5).encode(encoding)
    )
    columns = {c.column: c.entity_type for c in scan_file(path).columns}
    assert columns == {"姓名": "PERSON", "身份证号": "CN_RESIDENT_ID", "电话": "PHONE_NUMBER"}


def test_binary_with_zero_bytes_at_both_positions_is_not_utf16():
    """Zeros at even and odd positions alike (a binary structure) are not UTF-16 text."""
    assert looks_binary(bytes(4000) + os.urandom(4000)) is True


# --- delimiters ------------------------------------------------------------------------------

_ROWS = [
    ["姓名", "身份证号", "电话", "住址"],
    ["张伟", "11010519491231002X", "13812345678", "北京市朝阳区建国路88号,3栋"],
    ["李四", "440305198506150014", "13912345678", "广东省深圳市南山区科技园路18号"],
]


@pytest.mark.parametrize("delimiter", [";", "|", "\t", ","])
def test_the_delimiter_of_a_csv_is_sniffed(tmp_path, csv_reader, delimiter):
    """A .csv separated by ; | or tab is split on it, a comma inside a field kept."""
    path = tmp_path / "t.csv"

    def quote(v):
        return f'"{v}"' if "," in v and delimiter == "," else v

    path.write_text("\n".join(delimiter.join(map(quote, r)) for r in _ROWS) + "\n", "utf-8")
    values = _values(read_table(path, "csv"))
    assert list(values) == _ROWS[0]
    assert values["住址"][0] == "北京市朝阳区建国路88号,3栋"
    types = {c.column: c.entity_type for c in scan_file(path).columns}
    assert types["身份证号"] == "CN_RESIDENT_ID"
    assert types["电话"] == "PHONE_NUMBER"


@pytest.fixture(params=["arrow", "stdlib"])
def csv_reader(request, hide_pyarrow):
    """Run a test with pyarrow's CSV reader and with the standard library's."""
    if request.param == "stdlib":
        hide_pyarrow()
    return request.param


# --- headerless CSV --------------------------------------------------------------------------

_DATA = [
    ["张伟", "11010519491231002X", "13812345678", "2025-01-03", "ZY20250103000001"],
    ["李四", "440305198506150014", "13912345678", "2025/1/4", "ZY20250104000002"],
]


@pytest.mark.parametrize("rows", [1, 2])
def test_a_headerless_csv_scans_its_first_row_as_data(tmp_path, csv_reader, rows):
    """A CSV whose first row is data gets columns column_1..n and its first row is scanned,
    so neither a record number nor a date becomes a column name, and one row is enough."""
    path = tmp_path / "t.csv"
    path.write_text("\n".join(",".join(r) for r in _DATA[:rows]) + "\n", "utf-8")
    values = _values(read_table(path, "csv"))
    assert list(values) == [f"column_{i}" for i in range(1, 6)]
    assert values["column_2"] == [r[1] for r in _DATA[:rows]]
    report = scan_file(path, full=True)
    assert report.tables[0].rows == rows
    types = {c.column: c.entity_type for c in report.columns}
    assert types["column_2"] == "CN_RESIDENT_ID"
    assert types["column_3"] == "PHONE_NUMBER"
    assert not any("2025" in c.column for c in report.columns)


def test_a_headerless_sheet_scans_its_first_row_as_data(tmp_path):
    """An Excel sheet starting with data (an ID typed as a number, a phone) is read the same."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["张伟", "11010519491231002X", 13812345678])
    path = tmp_path / "t.xlsx"
    book.save(path)
    values = _values(read_table(path, "xlsx"))
    assert values == {"column_1": ["张伟"], "column_2": ["11010519491231002X"],
                      "column_3": ["13812345678"]}  # fmt: skip


@pytest.mark.parametrize(
    ("cell", "data"),
    [
        ("11010519491231002X", True), ("13812345678", True), ("6222021417776317062", True),
        ("2025-01-03", True), ("2025年1月3日", True), ("20250103", True),
        ("zhangsan@163.com", True), ("ZY20250103", True), ("36.5", True),
        ("姓名", False), ("身份证号", False), ("phone", False), ("id_no", False), ("icd10", False),
        ("2023", False), ("出生日期", False), ("", False), ("电话1", False),
    ],
)  # fmt: skip
def test_which_first_row_cells_look_like_data(cell, data):
    """IDs, phones, cards, dates, e-mails, record numbers and decimals are data; names of
    columns (a year heading a pivot column too) are not."""
    assert looks_like_data(cell) is data


def test_a_csv_with_a_header_keeps_it(tmp_path, csv_reader):
    """A normal header row stays the column names."""
    path = tmp_path / "t.csv"
    path.write_text("\n".join(",".join(r) for r in [["姓名", "证件号", "2023"], _DATA[0][:3]]))
    assert list(_values(read_table(path, "csv"))) == ["姓名", "证件号", "2023"]
