"""Tests for the column adapter every column operation goes through."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard._column import as_column, is_column
from medguard.errors import UnsupportedColumn

values = st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=20)


def _upper(col):
    data = as_column(col)
    out = np.array(
        [None if n else str(v).upper() for v, n in zip(data.values, data.nulls, strict=True)],
        dtype=object,
    )
    return data.rebuild(out)


@given(values)
def test_list_round_trip_keeps_kind_and_nulls(items):
    """A list comes back as a list of the same length with nulls in the same places."""
    out = _upper(items)
    assert isinstance(out, list)
    assert [v is None for v in out] == [v is None for v in items]
    assert [v for v in out if v is not None] == [v.upper() for v in items if v is not None]


def test_tuple_comes_back_as_tuple():
    """A tuple in gives a tuple out."""
    assert _upper(("a", None)) == ("A", None)


def test_numpy_unicode_array_stays_unicode():
    """A fixed-width unicode array comes back with a unicode dtype."""
    out = _upper(np.array(["ab", "c"]))
    assert out.dtype.kind == "U"
    assert out.tolist() == ["AB", "C"]


def test_numpy_object_array_keeps_none():
    """An object array keeps None where the input had None or NaN."""
    out = _upper(np.array(["ab", None, float("nan")], dtype=object))
    assert out.dtype == object
    assert out.tolist() == ["AB", None, None]


def test_pandas_series_keeps_index_name_and_dtype():
    """A Series keeps its index, name and string dtype; NA stays NA."""
    s = pd.Series(["ab", None, "c"], index=[10, 20, 30], name="col", dtype="string")
    out = _upper(s)
    assert isinstance(out, pd.Series)
    assert out.name == "col"
    assert list(out.index) == [10, 20, 30]
    assert str(out.dtype) == "string"
    assert out.isna().tolist() == [False, True, False]


def test_pyarrow_array_and_chunked_array():
    """pyarrow arrays come back as arrays of the same string type, chunked stays chunked."""
    arr = pa.array(["ab", None], type=pa.large_string())
    out = _upper(arr)
    assert isinstance(out, pa.Array)
    assert out.type == pa.large_string()
    assert out.to_pylist() == ["AB", None]
    chunked = pa.chunked_array([pa.array(["x"]), pa.array([None, "y"])])
    out2 = _upper(chunked)
    assert isinstance(out2, pa.ChunkedArray)
    assert out2.to_pylist() == ["X", None, "Y"]


@pytest.mark.parametrize("bad", ["abc", b"abc", 3, {"a": 1}, np.zeros((2, 2))])
def test_non_columns_are_refused(bad):
    """Scalars, mappings and 2-D arrays raise UnsupportedColumn (a ValueError and TypeError)."""
    with pytest.raises(UnsupportedColumn):
        as_column(bad)
    assert isinstance(UnsupportedColumn("x"), TypeError)


def test_is_column():
    """Strings are scalars; lists, arrays, Series and Arrow arrays are columns."""
    assert not is_column("abc")
    assert not is_column(5)
    assert all(
        is_column(c) for c in ([], (), np.array([]), pd.Series([], dtype=object), pa.array([]))
    )


def test_rebuild_rejects_wrong_length():
    """An operation returning the wrong number of values is an error, not silent truncation."""
    data = as_column(["a", "b"])
    with pytest.raises(UnsupportedColumn):
        data.rebuild(["a"])


def test_fixed_width_codes_round_trip():
    """Equal-length numpy and pyarrow columns come back unchanged through the zero-copy view."""
    from medguard._column import fixed_width_codes

    for column in (np.array(["ab", "cd"]), pa.array(["ab", "cd"]), np.array(["张三", "李四"])):
        codes, rebuild = fixed_width_codes(column)
        out = rebuild(codes)
        assert (out.tolist() if isinstance(out, np.ndarray) else out.to_pylist()) == (
            column.tolist() if isinstance(column, np.ndarray) else column.to_pylist()
        )
    # mixed lengths, nulls and non-ASCII Arrow text take the general path
    assert fixed_width_codes(np.array(["ab", "c"])) is None
    assert fixed_width_codes(pa.array(["ab", None])) is None
    assert fixed_width_codes(pa.array(["张三"])) is None
    assert fixed_width_codes(["ab"]) is None
