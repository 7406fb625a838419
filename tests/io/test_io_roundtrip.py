"""medguard.io: what open_writer writes, open_table reads back with the same types and values."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.io import open_table, open_writer

pa = pytest.importorskip("pyarrow")


def _write(path, table, **options):
    with open_writer(path, schema=table.schema, **options) as out:
        for batch in table.to_batches(max_chunksize=2):
            out.write(batch)
    return out


def _read(path, **options):
    with open_table(path, **options) as table:
        return table.schema, table.read_all()


@pytest.mark.parametrize("suffix", ["csv", "tsv", "parquet"])
def test_typed_values_survive_a_round_trip(tmp_path, typed_table, suffix):
    """Ints, floats, dates, timestamps, identifiers with leading zeros and X, Chinese text and
    nulls read back as they were written, with the same types (Parquet stores seconds as ms)."""
    path = tmp_path / f"t.{suffix}"
    writer = _write(path, typed_table)
    assert writer.rows == 3
    schema, table = _read(path)
    assert table.to_pylist() == typed_table.to_pylist()
    assert schema.field("record").type == pa.string()
    assert schema.field("resident_id").type == pa.string()
    assert schema.field("mobile").type == pa.string()
    assert schema.field("age").type == pa.int64()
    assert schema.field("fee").type == pa.float64()
    assert schema.field("visit").type == pa.date32()
    assert pa.types.is_timestamp(schema.field("at").type)


def test_json_lines_keep_json_types_and_write_dates_as_iso_text(tmp_path, typed_table):
    """JSON has no date type: dates and timestamps come back as ISO text, the rest as they were."""
    path = tmp_path / "t.jsonl"
    _write(path, typed_table)
    _, table = _read(path)
    rows = table.to_pylist()
    assert rows[0]["record"] == "0012"
    assert rows[0]["resident_id"] == "11010519491231002X"
    assert rows[0]["age"] == 45
    assert rows[1]["age"] is None
    assert rows[0]["fee"] == 12.5
    assert rows[0]["visit"] == "2025-01-03"
    assert rows[0]["at"] == "2025-01-03 10:00:00"
    assert rows[1]["name"] == "欧阳娜娜"


def test_json_lines_keep_nested_values(tmp_path):
    """Objects and arrays stay structs and lists, and write back as nested JSON."""
    path = tmp_path / "n.jsonl"
    path.write_text(
        '{"id": "001", "identifier": [{"value": "11010519491231002X"}], "n": 1}\n'
        '{"id": "002", "identifier": [], "n": 2.5}\n',
        encoding="utf-8",
    )
    schema, table = _read(path)
    assert pa.types.is_list(schema.field("identifier").type)
    assert schema.field("n").type == pa.float64()  # 1 and 2.5 unify
    out = tmp_path / "copy.jsonl"
    _write(out, table)
    assert _read(out)[1].to_pylist() == table.to_pylist()


def test_gb18030_text_round_trips(tmp_path):
    """A GB18030 file (what GBK systems read) is written and detected as such."""
    table = pa.table({"姓名": ["张三", "䶮"], "科室": ["心内科", "骨科"]})  # 䶮: beyond GBK
    path = tmp_path / "g.csv"
    _write(path, table, encoding="gb18030")
    path.read_bytes().decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    with open_table(path) as reader:
        assert reader.encoding == "gb18030"
        assert reader.read_all().to_pylist() == table.to_pylist()


def test_utf8_with_a_byte_order_mark_for_excel(tmp_path):
    """bom=True starts the file with EF BB BF; it reads back without the mark in a name."""
    table = pa.table({"姓名": ["张三"]})
    path = tmp_path / "excel.csv"
    _write(path, table, bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert _read(path)[1].to_pylist() == [{"姓名": "张三"}]


def test_utf16_csv_is_read_typed(tmp_path):
    """A UTF-16 CSV (without a byte-order mark) is transcoded as it streams."""
    path = tmp_path / "u.csv"
    path.write_bytes("id,age,name\n0012,45,张三\n0013,46,李四\n".encode("utf-16-le"))
    with open_table(path) as reader:
        assert reader.encoding == "utf-16-le"
        assert reader.read_all().to_pylist() == [
            {"id": "0012", "age": 45, "name": "张三"},
            {"id": "0013", "age": 46, "name": "李四"},
        ]


def test_all_strings_reads_every_value_as_text(tmp_path, typed_table):
    """all_strings=True gives string columns (the scanner's view), integral floats as digits."""
    path = tmp_path / "t.parquet"
    _write(path, typed_table.append_column("phone", pa.array([1.3812345678e10, None, 2.5])))
    schema, table = _read(path, all_strings=True)
    assert set(schema.types) == {pa.string()}
    row = table.to_pylist()[0]
    assert row["age"] == "45"
    assert row["visit"] == "2025-01-03"
    assert row["phone"] == "13812345678"
    csv_path = tmp_path / "t.csv"
    _write(csv_path, typed_table)
    schema, _ = _read(csv_path, all_strings=True)
    assert set(schema.types) == {pa.string()}


def test_every_batch_has_the_readers_schema(tmp_path):
    """A column empty in the first batch and filled later keeps one schema (string)."""
    path = tmp_path / "late.csv"
    path.write_text("a,b\n" + "1,\n" * 5 + "2,x\n", encoding="utf-8")
    with open_table(path, batch_rows=2) as reader:
        batches = list(reader)
    assert {b.schema for b in batches} == {reader.schema}
    assert reader.rows == 6


def test_an_excel_sheet_is_read_typed(tmp_path):
    """Excel cells keep their number and date types; identifiers typed as text stay text."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "visits"
    sheet.append(["id", "age", "visit"])
    sheet.append(["0012", 45, datetime.datetime(2025, 1, 3)])
    sheet.append(["11010519491231002X", 46, datetime.datetime(2024, 2, 29)])
    book.create_sheet("other").append(["x"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    with open_table(path) as reader:
        assert reader.table == "visits"
        assert reader.schema.field("age").type == pa.int64()
        rows = reader.read_all().to_pylist()
    assert rows[0]["id"] == "0012"
    assert rows[1]["visit"] == datetime.datetime(2024, 2, 29)
    with open_table(path, sheet="other") as reader:
        assert reader.schema.names == ["x"]


def test_an_empty_file_is_a_table_without_columns(tmp_path):
    """0 bytes (or a byte-order mark) reads as no columns and no rows, not an error."""
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\xef\xbb\xbf")
    with open_table(path) as reader:
        assert len(reader.schema) == 0
        assert list(reader) == []


_IDENTIFIER = st.one_of(
    st.from_regex(r"0[0-9]{1,10}", fullmatch=True),  # leading zeros
    st.from_regex(r"[1-9][0-9]{10,18}", fullmatch=True),  # 11-19 digits
    st.from_regex(r"[1-9][0-9]{16}X", fullmatch=True),  # resident IDs with X
)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(_IDENTIFIER, min_size=1, max_size=20))
def test_identifier_like_columns_never_become_numbers(tmp_path_factory, values):
    """Leading zeros, 11-19 digit numbers and IDs with X stay strings, read back exactly."""
    path = tmp_path_factory.mktemp("ids") / "ids.csv"
    path.write_text("id\n" + "\n".join(values) + "\n", encoding="utf-8")
    schema, table = _read(path)
    assert schema.field("id").type == pa.string()
    assert table.column("id").to_pylist() == values


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.integers(-(10**9), 10**9), st.text(max_size=8)), max_size=12
    )
)
def test_any_column_round_trips_through_csv_as_text(tmp_path_factory, values):
    """Whatever a column of text holds, writing it and reading it back loses nothing: typed
    columns read back as the same values, and the text they write is the text they read."""
    strings = [None if v is None or v == "" else str(v) for v in values]
    strings = [None if s is not None and not s.strip() else s for s in strings]
    strings = [s.replace("\x00", "") if s else s for s in strings]
    strings = [s or None for s in strings]
    table = pa.table({"name": ["n"] * len(strings), "v": pa.array(strings, pa.string())})
    folder = tmp_path_factory.mktemp("rt")
    _write(folder / "a.csv", table)
    _, first = _read(folder / "a.csv", encoding="utf-8")  # detection is tested elsewhere
    _write(folder / "b.csv", first)
    _, second = _read(folder / "b.csv", encoding="utf-8")
    assert second.to_pylist() == first.to_pylist()
    as_text = [None if v is None else str(v) for v in first.column("v").to_pylist()]
    if first.schema.field("v").type == pa.string():
        assert as_text == strings
