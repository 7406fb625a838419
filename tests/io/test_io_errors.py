"""medguard.io readers fail closed: a specific error naming the file and column, never a value."""

import pytest

from medguard.errors import InvalidArgument, UnreadableInput
from medguard.io import limits, open_table

pa = pytest.importorskip("pyarrow")


def test_a_later_value_that_does_not_fit_its_type_names_the_column_not_the_value(tmp_path):
    """A column typed int64 from the first block meets a text value further on: the error
    names the column and the remedies, and quotes nothing of the data."""
    path = tmp_path / "late.csv"
    path.write_text("n,name\n" + "1,a\n" * 200_000 + "张三丰13812345678,b\n", encoding="utf-8")
    reader = open_table(path)
    assert reader.schema.field("n").type == pa.int64()
    with pytest.raises(UnreadableInput) as caught:
        reader.read_all()
    reader.close()
    message = str(caught.value)
    assert "'n'" in message
    assert "all_strings=True" in message
    assert "张三丰" not in message
    assert "13812345678" not in message
    with open_table(path, all_strings=True) as reader:
        assert sum(b.num_rows for b in reader) == 200_001
    with open_table(path, schema=pa.schema([("n", pa.string())])) as reader:
        assert reader.schema.field("n").type == pa.string()
        assert reader.schema.field("name").type == pa.string()
        assert sum(b.num_rows for b in reader) == 200_001


def test_a_json_lines_column_appearing_late_is_refused(tmp_path):
    """The schema is fixed by the first batch: a new key later is an error naming its line."""
    path = tmp_path / "late.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": 3, "b": "x"}\n', encoding="utf-8")
    with (
        pytest.raises(UnreadableInput, match=r"line 3: a column 'b'"),
        open_table(path, batch_rows=2) as reader,
    ):
        list(reader)
    with open_table(path, batch_rows=3) as reader:
        assert reader.schema.names == ["a", "b"]


def test_a_json_lines_value_of_another_type_later_is_refused(tmp_path):
    """A value that does not fit the first batch's type names the column and the lines."""
    path = tmp_path / "types.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": "13812345678"}\n', encoding="utf-8")
    reader = open_table(path, batch_rows=2)
    with pytest.raises(UnreadableInput, match="lines 3-3: a value of column 'a'") as caught:
        reader.read_all()
    assert "13812345678" not in str(caught.value)


def test_mixed_json_types_in_the_first_batch_become_text(tmp_path):
    """Values that do not unify (a number and a string) read as their JSON text."""
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"a": 1}\n{"a": "x"}\n{"a": [1]}\n', encoding="utf-8")
    with open_table(path) as reader:
        assert reader.read_all().column("a").to_pylist() == ["1", "x", "[1]"]


def test_a_ragged_csv_row_is_refused_when_typed(tmp_path):
    """A row with more fields than the header cannot take a typed schema: refused."""
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(UnreadableInput, match="more or fewer fields"), open_table(path) as r:
        list(r)


def test_bombs_are_still_refused(tmp_path, monkeypatch):
    """The scanner's limits hold for typed reads: long lines, too many columns."""
    monkeypatch.setattr(limits, "MAX_LINE_CHARS", 1_000)
    path = tmp_path / "long.jsonl"
    path.write_text('{"a": "' + "x" * 2_000 + '"}\n', encoding="utf-8")
    with pytest.raises(UnreadableInput, match="MAX_LINE_CHARS"), open_table(path) as reader:
        list(reader)
    monkeypatch.setattr(limits, "MAX_COLUMNS", 10)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(20)) + "\n" + ",".join("1" * 20) + "\n")
    with pytest.raises(UnreadableInput, match="MAX_COLUMNS"):
        open_table(wide)


def test_an_excel_bomb_is_refused_before_openpyxl(tmp_path, monkeypatch):
    """The workbook's rows are counted before it is opened, for typed reads too."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for i in range(100):
        book.active.append([f"row{i}", i])
    path = tmp_path / "big.xlsx"
    book.save(path)
    monkeypatch.setattr(limits, "MAX_XLSX_ROWS", 50)
    with pytest.raises(UnreadableInput, match="MAX_XLSX_ROWS"):
        open_table(path)


def test_bad_options_and_files(tmp_path):
    """Unknown formats and bad batch sizes are argument errors; a corrupt file is unreadable;
    a text file is not a table."""
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(InvalidArgument):
        open_table(path, format="xml")
    with pytest.raises(InvalidArgument):
        open_table(path, batch_rows=0)
    corrupt = tmp_path / "bad.parquet"
    corrupt.write_bytes(b"PAR1 not really")
    with pytest.raises(UnreadableInput):
        open_table(corrupt)
    text = tmp_path / "notes.txt"
    text.write_text("患者张三\n", encoding="utf-8")
    with pytest.raises(UnreadableInput, match="not a table"):
        open_table(text)
