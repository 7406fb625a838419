"""Tests for encoding detection on small and large files, and files whose Chinese comes late."""

import pytest

from medguard.detect import scan_file
from medguard.detect.readers import detect_encoding

_HEADER = "姓名,身份证号,联系电话\n"
_ROW = "张伟,11010519491231002X,13812345678\n"


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030")],
)
@pytest.mark.parametrize("rows", [1, 20_000])
def test_small_and_large_csv_encodings_are_detected(tmp_path, encoding, detected, rows):
    """UTF-8 with and without a BOM, GB18030 and GBK are detected, tiny or megabytes long."""
    path = tmp_path / "t.csv"
    path.write_bytes((_HEADER + _ROW * rows).encode(encoding))
    assert detect_encoding(path) == detected
    got = {c.column: c.entity_type for c in scan_file(path).columns}
    assert got == {"姓名": "PERSON", "身份证号": "CN_RESIDENT_ID", "联系电话": "PHONE_NUMBER"}


@pytest.mark.parametrize("suffix", [".csv", ".txt"])
def test_gbk_file_with_chinese_after_a_megabyte_of_ascii(tmp_path, suffix):
    """A GBK file whose first 2 MB are ASCII is read as GB18030, not taken for UTF-8 and failed."""
    path = tmp_path / f"late{suffix}"
    ascii_row = "Wang Wei,11010519491231002X,13812345678\n"
    text = "name,id_no,phone\n" + ascii_row * 50_000 + "备注：患者张伟电话13812345678\n"
    path.write_bytes(text.encode("gbk"))
    assert detect_encoding(path) == "gb18030"
    report = scan_file(path, max_findings=150_000)  # two findings a row: list them all
    if suffix == ".csv":
        assert report.tables[0].rows == 50_001
    else:
        assert 50_002 in {f.line for f in report.findings}


def test_ascii_file_is_utf8(tmp_path):
    """A file of ASCII only, longer than the sniffed head, reads as UTF-8."""
    path = tmp_path / "a.txt"
    path.write_bytes(b"no personal data here\n" * 10_000)
    assert detect_encoding(path) == "utf-8"
