"""Tests for the file readers: ragged CSV rows, damaged Excel files, truncated text, encodings."""

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.detect import scan_file
from medguard.detect.readers import detect_encoding, read_table, read_text
from medguard.errors import UnreadableInput


def _values(batches):
    """All values per column over every batch, as Python lists."""
    out: dict[str, list] = {}
    for _, columns in batches:
        for name, values in columns.items():
            out.setdefault(name, []).extend(v.as_py() if hasattr(v, "as_py") else v for v in values)
    return out


@pytest.fixture(params=["arrow", "stdlib"])
def csv_reader(request, hide_pyarrow):
    """Run a test with pyarrow's CSV reader and with the standard library's."""
    if request.param == "stdlib":
        hide_pyarrow()
    return request.param


@pytest.mark.parametrize(("suffix", "sep"), [(".csv", ","), (".tsv", "\t")])
def test_rows_all_shorter_than_the_header_are_scanned(tmp_path, csv_reader, suffix, sep):
    """A CSV or TSV whose every row lacks fields reads them, missing fields as nulls."""
    path = tmp_path / f"short{suffix}"
    path.write_text(f"a{sep}b\n13812345678\n", encoding="utf-8")
    assert _values(read_table(path, suffix[1:])) == {"a": ["13812345678"], "b": [None]}
    columns = {c.column: c.entity_type for c in scan_file(path).columns}
    assert columns["a"] == "PHONE_NUMBER"


_FIELD = st.text(alphabet="张伟0123456789", min_size=1, max_size=6)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 5), st.data())
def test_short_rows_are_padded_with_nulls(tmp_path_factory, width, data):
    """Rows with fewer fields than the header keep their values in order, the rest null."""
    rows = data.draw(st.lists(st.lists(_FIELD, min_size=1, max_size=width - 1), min_size=1))
    names = [f"c{i}" for i in range(width)]
    path = tmp_path_factory.mktemp("ragged") / "t.csv"
    path.write_text("\n".join([",".join(names)] + [",".join(r) for r in rows]) + "\n", "utf-8")
    got = _values(read_table(path, "csv"))
    padded = [r + [None] * (width - len(r)) for r in rows]
    assert got == {name: [r[i] for r in padded] for i, name in enumerate(names)}


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "病人"
    sheet.append(["姓名", "电话"])
    for _ in range(200):
        sheet.append(["张三丰", 13812345678])
    book.save(path)
    return path


def _rewrite(path: Path, member: str, change) -> Path:
    """A copy of the workbook at ``path`` with one part changed by ``change(bytes)``."""
    out = path.with_name(f"bad_{path.name}")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, change(data) if item.filename == member else data)
    return out


def _read_error(path: Path) -> str:
    with pytest.raises(UnreadableInput) as caught:
        list(read_table(path, "xlsx"))
    message = str(caught.value)
    assert "张三丰" not in message
    assert "13812345678" not in message
    return message


def test_a_sheet_cut_in_half_is_a_corrupt_sheet(tmp_path):
    """A sheet whose XML is cut in half raises UnreadableInput naming the sheet (no ParseError)."""
    path = _rewrite(_workbook(tmp_path / "p.xlsx"), "xl/worksheets/sheet1.xml",
                    lambda data: data[: len(data) // 2])  # fmt: skip
    assert "corrupt Excel sheet '病人'" in _read_error(path)


def test_a_cell_openpyxl_cannot_convert_is_reported_without_its_value(tmp_path):
    """A number cell holding text raises UnreadableInput that does not quote the cell."""
    path = _rewrite(_workbook(tmp_path / "p.xlsx"), "xl/worksheets/sheet1.xml",
                    lambda data: data.replace(b"<v>13812345678</v>",
                                              "<v>张三丰13812345678</v>".encode(), 1))  # fmt: skip
    assert "corrupt Excel sheet '病人' (ValueError)" in _read_error(path)


def test_a_corrupt_workbook_part_or_archive_is_unreadable(tmp_path):
    """A broken workbook.xml, a damaged deflate stream and a cut archive are UnreadableInput."""
    good = _workbook(tmp_path / "p.xlsx")
    broken = _rewrite(good, "xl/workbook.xml", lambda data: data[: len(data) // 2])
    assert "corrupt Excel file" in _read_error(broken)
    raw = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as book:
        sheet = book.getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename) + len(sheet.extra) + 10
    raw[start : start + 40] = bytes(b ^ 0x55 for b in raw[start : start + 40])
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(bytes(raw))
    _read_error(damaged)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[:2000])
    _read_error(cut)


_TEXT = st.text(
    alphabet="患者张伟男高血压电话住址北京市朝阳区，。：0123456789\n", min_size=1, max_size=200
)


@settings(max_examples=60, deadline=None)
@given(_TEXT, st.sampled_from(["utf-8", "gb18030"]), st.integers(1, 3), st.data())
def test_a_character_cut_off_at_the_end_reads_as_a_replacement(
    tmp_path_factory, text, encoding, block, data
):
    """A file cut inside its last character reads with U+FFFD there and everything else intact."""
    import medguard.io.text as readers

    raw = text.encode(encoding)
    cut = data.draw(st.integers(1, len(raw)))
    path = tmp_path_factory.mktemp("cut") / "t.txt"
    path.write_bytes(raw[:cut])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(readers, "_TEXT_CHUNK_CHARS", block)  # cut characters across reads too
        got = "".join(c.text for c in read_text(path, encoding))
    assert got == raw[:cut].decode(encoding, errors="replace")


def test_a_truncated_utf8_file_is_scanned(tmp_path):
    """A UTF-8 note cut in the middle of a character (head -c) is detected and scanned."""
    text = "患者张伟，电话13812345678，住址北京市朝阳区建国路88号。\n" * 3
    path = tmp_path / "cut.txt"
    path.write_bytes(text.encode()[:-2])
    assert detect_encoding(path) == "utf-8"
    assert "".join(c.text for c in read_text(path)).endswith("号\ufffd")
    assert [f.entity_type for f in scan_file(path).findings].count("PHONE_NUMBER") == 3


def test_an_invalid_byte_before_the_end_is_still_unreadable(tmp_path):
    """Only an incomplete last character is replaced; a bad byte elsewhere is UnreadableInput."""
    path = tmp_path / "bad.txt"
    path.write_bytes("电话".encode()[:-1] + b"\n13812345678\n")
    with pytest.raises(UnreadableInput, match="utf-8"):
        list(read_text(path, "utf-8"))


_ASCII_ROWS = "Wang Wei,11010519491231002X,13812345678\n" * 20_000  # 800 KB


def test_a_utf8_header_over_gbk_rows_is_read_as_gb18030(tmp_path):
    """A UTF-8 header that GB18030 reads too, then ASCII rows, then GBK rows: read as GB18030."""
    path = tmp_path / "mixed.csv"
    rows = "张伟,11010519491231002X,13812345678\n".encode("gbk")
    path.write_bytes("姓名,证件号码,电话\n".encode() + _ASCII_ROWS.encode() + rows)
    assert detect_encoding(path) == "gb18030"
    report = scan_file(path, full=True)
    assert report.tables[0].rows == 20_001
    assert [c.entity_type for c in report.columns][1:] == ["CN_RESIDENT_ID", "PHONE_NUMBER"]


def test_a_copyright_sign_then_ascii_then_utf8_chinese_is_utf8(tmp_path):
    """A UTF-8 file whose only early non-ASCII character is a © is not taken for GB18030."""
    path = tmp_path / "copy.csv"
    path.write_bytes(("name,id,phone ©\n" + _ASCII_ROWS + "张伟,无,电话13812345678\n").encode())
    assert detect_encoding(path) == "utf-8"


def test_detection_reads_a_big_ascii_file_at_most_once(tmp_path, monkeypatch):
    """Detection on an ASCII file with a © in its header reads it once (and an 8 KB head for
    byte-order marks and UTF-16)."""
    path = tmp_path / "big.txt"
    with path.open("wb") as f:
        f.write("title ©\n".encode())
        for _ in range(8):
            f.write(_ASCII_ROWS.encode())
    read = 0
    real_open = Path.open

    class Counting(io.BufferedReader):
        def read(self, size=-1):
            nonlocal read
            block = super().read(size)
            read += len(block)
            return block

    def counting_open(self, mode="r", *args, **kwargs):
        if mode == "rb":
            return Counting(real_open(self, mode, buffering=0))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    detect_encoding(path)
    assert read <= path.stat().st_size + 8192


@given(
    st.sampled_from(["张三丰", "13812345678", "11010519491231002X", "zhangsan@163.com", "李四"]),
    st.sampled_from([
        "CSV conversion error to int64: invalid value '{v}'",
        "In CSV column #1: CSV conversion error: invalid value {v}",
        "Row 3: value {v} is bad",
        'parse error near "{v}"',
        "{v}",
    ]),
)  # fmt: skip
def test_a_readers_error_reason_never_quotes_a_value(value, message):
    """A library's message shortened for a report drops quoted cells and value-like text."""
    from medguard.io._common import _reason

    assert value not in _reason(ValueError(message.format(v=value)))


@pytest.mark.parametrize("cut", [1, 2])
def test_a_csv_cut_inside_its_last_character_is_read(tmp_path, csv_reader, cut):
    """A UTF-8 CSV cut inside its last character (head -c) is read up to that character."""
    data = "姓名,电话\n张三,13800138000\n李四,13900139000\n王五备注".encode()
    path = tmp_path / "cut.csv"
    path.write_bytes(data[:-cut])
    columns = {c.column: c for c in scan_file(path).columns}
    assert columns["电话"].entity_type == "PHONE_NUMBER"
    assert columns["姓名"].examined == 3
