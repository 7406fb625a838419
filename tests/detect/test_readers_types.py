"""Tests that every Parquet type and nested JSON Lines value is read by path, or unscanned."""

import decimal
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.detect import scan_file
from medguard.detect.readers import read_table

_IDS = ["11010519491231002X", "440305198506150014", "530821195402098672"]
_MOBILES = [13812345678, 13912345678, 15012345678]
_CARDS = ["6222021417776317062", "6228480402564890018", "4111111111111111"]


def _values(stream):
    """All values per column over every batch, as Python lists, and the rows counted."""
    out: dict[str, list] = {}
    rows = 0
    for _, columns in stream:
        rows += getattr(columns, "rows", 0)
        for name, values in columns.items():
            out.setdefault(name, []).extend(v.as_py() if hasattr(v, "as_py") else v for v in values)
    return out, rows


def _parquet(tmp_path: Path, columns: dict) -> Path:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table(columns), path)
    return path


def _types(path: Path) -> dict[str, str | None]:
    return {c.column: c.entity_type for c in scan_file(path, full=True).columns}


def test_nested_parquet_columns_are_read_by_path(tmp_path):
    """List, struct and map columns are flattened into one column per path, every item read."""
    path = _parquet(tmp_path, {
        "ids": pa.array([[_IDS[0]], [_IDS[1], None], None], pa.list_(pa.string())),
        "patient": pa.array(
            [{"id": _IDS[0], "tel": _MOBILES[0]}, None, {"id": _IDS[1], "tel": _MOBILES[1]}],
            pa.struct([("id", pa.string()), ("tel", pa.int64())]),
        ),
        "contacts": pa.array([[("13812345678", _IDS[0])], [], None],
                             pa.map_(pa.string(), pa.string())),
        "nested": pa.array([[[_IDS[0]]], [[_IDS[1]], []], None],
                           pa.large_list(pa.list_(pa.string()))),
    })  # fmt: skip
    stream = read_table(path, "parquet")
    values, rows = _values(stream)
    assert rows == 3
    assert values["ids[]"] == [_IDS[0], _IDS[1], None]
    assert values["patient.id"] == [_IDS[0], None, _IDS[1]]
    assert values["patient.tel"] == ["13812345678", None, "13912345678"]
    assert values["contacts[].key"] == ["13812345678"]
    assert values["contacts[].value"] == [_IDS[0]]
    assert values["nested[][]"] == [_IDS[0], _IDS[1]]
    assert stream.unscanned == ()
    types = _types(path)
    assert types["ids[]"] == types["patient.id"] == types["nested[][]"] == "CN_RESIDENT_ID"
    assert types["patient.tel"] == types["contacts[].key"] == "PHONE_NUMBER"


def test_text_kinds_binary_decimal_and_float_parquet_columns_are_read(tmp_path):
    """Large strings, string views, UTF-8 and GB18030 binary, fixed-size binary, decimals and
    integral floats are read as the text they hold."""
    path = _parquet(tmp_path, {
        "large": pa.array(_IDS, pa.large_string()),
        "view": pa.array(_IDS, pa.string_view()),
        "utf8_bytes": pa.array([i.encode() for i in _IDS], pa.binary()),
        "gbk_bytes": pa.array(["患者张伟电话13812345678".encode("gbk")] * 3, pa.large_binary()),
        "fixed": pa.array([str(m).encode() for m in _MOBILES], pa.binary(11)),
        "amount_like_phone": pa.array([decimal.Decimal(f"{m}.00") for m in _MOBILES],
                                      pa.decimal128(20, 2)),
        "phone_float": pa.array([float(m) for m in _MOBILES], pa.float64()),
        "card_float": pa.array([6222021417776317062.0, None, 36.5], pa.float64()),
    })  # fmt: skip
    values, _ = _values(read_table(path, "parquet"))
    assert values["large"] == values["view"] == values["utf8_bytes"] == _IDS
    assert values["gbk_bytes"] == ["患者张伟电话13812345678"] * 3
    assert (
        values["fixed"]
        == values["amount_like_phone"]
        == values["phone_float"]
        == [str(m) for m in _MOBILES]
    )
    assert values["card_float"][0].isdigit()
    assert values["card_float"][1:] == [None, "36.5"]
    types = _types(path)
    assert types["view"] == types["utf8_bytes"] == "CN_RESIDENT_ID"
    assert types["fixed"] == types["amount_like_phone"] == types["phone_float"] == "PHONE_NUMBER"


@pytest.mark.parametrize(
    ("values", "kind", "entity"),
    [
        ([int(i) for i in _IDS[1:]], pa.int64(), "CN_RESIDENT_ID"),  # 18-digit IDs, no X
        (_MOBILES, pa.int64(), "PHONE_NUMBER"),
        ([int(c) for c in _CARDS], pa.uint64(), "CN_BANK_CARD"),
        ([int(c) for c in _CARDS], pa.decimal128(19, 0), "CN_BANK_CARD"),
    ],
)
def test_numeric_parquet_columns_holding_identifiers_are_found(tmp_path, values, kind, entity):
    """Integer and decimal columns holding IDs, mobiles or card numbers are read as digits."""
    if pa.types.is_decimal(kind):
        values = [decimal.Decimal(v) for v in values]
    path = _parquet(tmp_path, {"number": pa.array(values, kind)})
    assert _types(path)["number"] == entity


def test_binary_that_is_not_text_is_reported_unscanned(tmp_path):
    """A binary column that is neither UTF-8 nor GB18030 is listed unscanned with its reason,
    and reports carry the column name, never the bytes."""
    path = _parquet(tmp_path, {
        "photo": pa.array([b"\x89PNG\r\n\x1a\n\x00\xff\xfe", None], pa.large_binary()),
        "name": pa.array(["张伟", "李四"]),
    })  # fmt: skip
    stream = read_table(path, "parquet")
    values, _ = _values(stream)
    assert "photo" not in values
    ((table, column, reason),) = [(u.table, u.column, u.reason) for u in stream.unscanned]
    assert (table, column) == ("", "photo")
    assert "UTF-8" in reason
    assert "PNG" not in reason
    assert scan_file(path).unscanned == (("", "photo", reason),)  # the scanner passes it on


def test_a_column_path_met_twice_keeps_both(tmp_path):
    """A flat column named like a nested path (``a.b`` beside a struct ``a``) loses nothing."""
    path = _parquet(tmp_path, {
        "a.b": pa.array(["13812345678"]),
        "a": pa.array([{"b": "13912345678"}], pa.struct([("b", pa.string())])),
    })  # fmt: skip
    values, _ = _values(read_table(path, "parquet"))
    assert sorted(values["a.b"]) == ["13812345678", "13912345678"]


def _fhir_patient(i: int) -> dict:
    return {
        "resourceType": "Patient",
        "identifier": [
            {"system": "urn:oid:2.16.156.10011.1.1", "value": _IDS[i % 2]},
            {"system": "urn:hospital:mrn", "value": f"ZY2025{i:08d}"},
        ],
        "name": [{"text": "张伟", "given": ["伟"], "family": "张"}],
        "telecom": [{"system": "phone", "value": str(_MOBILES[i % 3])}],
        "extension": [{"valueCodeableConcept": {"coding": [{"code": "01"}]}}],
        "active": True,
    }


def test_jsonl_arrays_of_objects_are_read_by_path(tmp_path):
    """FHIR-style arrays of objects give one column per path gathering every item's value."""
    path = tmp_path / "patients.ndjson"
    path.write_text(
        "\n".join(json.dumps(_fhir_patient(i), ensure_ascii=False) for i in range(40)), "utf-8"
    )
    values, rows = _values(read_table(path, "jsonl"))
    assert rows == 40
    assert len(values["identifier[].value"]) == 80  # both identifiers of every record
    assert values["identifier[].value"][:2] == [_IDS[0], "ZY202500000000"]
    assert values["telecom[].value"][0] == "13812345678"
    assert values["extension[].valueCodeableConcept.coding[].code"][0] == "01"
    assert "active" not in values  # booleans hold no data
    types = _types(path)
    assert types["telecom[].value"] == "PHONE_NUMBER"
    assert "CN_RESIDENT_ID" in {
        e.entity_type for c in scan_file(path, full=True).columns
        if c.column == "identifier[].value" for e in c.entities
    }  # fmt: skip


def test_jsonl_nested_arrays_numbers_and_bare_values(tmp_path):
    """Arrays in arrays, integral floats, and lines that are arrays or scalars are all read."""
    path = tmp_path / "mixed.jsonl"
    lines = [
        {"matrix": [[_IDS[0], 1], [13812345678.0]], "score": 36.5},
        ["13912345678", {"id": _IDS[1]}],
        "15012345678",
        None,
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines), "utf-8")
    values, rows = _values(read_table(path, "jsonl"))
    values = {k: [v for v in vs if v is not None] for k, vs in values.items()}  # nulls: absent
    assert rows == 4
    assert values["matrix[][]"] == [_IDS[0], "1", "13812345678"]
    assert values["score"] == ["36.5"]
    assert values["value[]"] == ["13912345678"]
    assert values["value[].id"] == [_IDS[1]]
    assert values["value"] == ["15012345678"]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=20,
)  # fmt: skip


def _scalars(value) -> list:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _scalars(v)]
    if isinstance(value, list):
        return [s for v in value for s in _scalars(v)]
    return [value]


def _rendered(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and (value != value or abs(value) == float("inf")):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, int) else repr(value)


@settings(max_examples=80, deadline=None)
@given(_JSON)
def test_every_json_string_and_number_is_read(tmp_path_factory, record):
    """Whatever the nesting, every string and finite number of a record lands in a column,
    numbers as their digits (no exponent when integral)."""
    path = tmp_path_factory.mktemp("jsonl") / "r.jsonl"
    path.write_text(json.dumps(record) + "\n", "utf-8")
    values, _ = _values(read_table(path, "jsonl"))
    got = sorted(v for column in values.values() for v in column)
    wanted = sorted(r for r in map(_rendered, _scalars(record)) if r is not None)
    assert got == wanted


def test_nested_columns_read_in_small_batches_give_each_value_once(tmp_path):
    """Batches cut inside a row group (slices) give every list, map and struct value once."""
    n = 10
    path = _parquet(tmp_path, {
        "m": pa.array([[(f"k{i}", f"v{i}")] for i in range(n)], pa.map_(pa.string(), pa.string())),
        "l": pa.array([[f"x{i}", f"y{i}"] for i in range(n)], pa.list_(pa.string())),
        "s": pa.array([{"a": f"a{i}"} for i in range(n)], pa.struct([("a", pa.string())])),
    })  # fmt: skip
    values, rows = _values(read_table(path, "parquet", batch_rows=3))
    assert rows == n
    assert values["m[].key"] == [f"k{i}" for i in range(n)]
    assert values["m[].value"] == [f"v{i}" for i in range(n)]
    assert values["l[]"] == [v for i in range(n) for v in (f"x{i}", f"y{i}")]
    assert values["s.a"] == [f"a{i}" for i in range(n)]


def test_deeply_nested_json_is_read_to_the_bottom(tmp_path):
    """A value under 500 levels of objects and arrays is read (walked without recursion)."""
    record: object = {"phone": "13812345678"}
    for i in range(250):
        record = {"a": [record]} if i % 2 else {"b": record}
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps(record) + "\n", "utf-8")
    values, _ = _values(read_table(path, "jsonl"))
    ((name, got),) = values.items()
    assert got == ["13812345678"]
    assert name.endswith(".b.phone")
    assert name.count("[]") == 125


def test_excel_number_cells_are_read_as_digits(tmp_path):
    """Numbers Excel stores as floats (a phone typed in, 13812345678.0) read as their digits;
    other numbers as written; booleans hold nothing."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["电话", "体温", "复诊"])
    for phone in _MOBILES:
        sheet.append([float(phone), 36.5, True])
    path = tmp_path / "t.xlsx"
    book.save(path)
    values, rows = _values(read_table(path, "xlsx"))
    assert rows == 3
    assert values["电话"] == [str(m) for m in _MOBILES]
    assert values["体温"] == ["36.5"] * 3
    assert values["复诊"] == [None] * 3
    assert _types(path)["电话"] == "PHONE_NUMBER"
