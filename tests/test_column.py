"""Tests for the column adapter every column operation goes through."""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard._column import (
    as_column,
    codepoint_groups,
    encodable,
    is_column,
    is_null,
    strings_from_codepoints,
)
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


# --------------------------------------------------------------------------- issue 13

NULLS = [None, float("nan"), np.float32("nan"), pd.NA, pd.NaT, np.datetime64("NaT")]


@pytest.mark.parametrize("kind", [list, tuple, lambda v: np.array(v, dtype=object)])
def test_every_null_spelling_is_null_in_lists_tuples_and_object_arrays(kind):
    """pd.NA (Series.tolist() of a nullable column), NaT, NaN and None are nulls; pd.NA raised
    a bare TypeError ('boolean value of NA is ambiguous') in every column op."""
    data = as_column(kind(["a", *NULLS, 0, "", False]))
    assert data.nulls.tolist() == [False] + [True] * len(NULLS) + [False, False, False]
    out = data.rebuild(np.array(["A", *[None] * len(NULLS), 0, "", False], dtype=object))
    assert list(out)[1 : 1 + len(NULLS)] == [None] * len(NULLS)


def test_items_whose_comparison_misbehaves_are_values():
    """An item that raises or broadcasts in == (a nested array) does not break the null mask."""

    class Weird:
        def __eq__(self, other):
            raise RuntimeError("no")

        def __ne__(self, other):
            raise RuntimeError("no")

        __hash__ = object.__hash__

    data = as_column(["a", Weird(), np.array([1, 2]), None, pd.NA])
    assert data.nulls.tolist() == [False, False, False, True, True]


def test_is_null_scalars():
    """is_null knows every null spelling and nothing else."""
    assert all(is_null(v) for v in NULLS)
    assert not any(is_null(v) for v in ("", 0, 0.0, b"", False, np.datetime64("2025-01-03")))


def test_nanosecond_datetimes_stay_datetime64_not_integers():
    """datetime64[ns] items are numpy datetime64 scalars, not bare integers (astype(object)
    gave ints, so every op saw a number); coarser units stay datetime/date objects."""
    ns = np.array(["2025-01-03T12:00:00.123456789", "NaT"], dtype="datetime64[ns]")
    data = as_column(ns)
    assert data.values[0] == np.datetime64("2025-01-03T12:00:00.123456789")
    assert isinstance(data.values[0], np.datetime64)
    assert data.nulls.tolist() == [False, True]
    arrow = as_column(pa.array([pd.Timestamp("2025-01-03 12:00:00.123456789")], pa.timestamp("ns")))
    assert isinstance(arrow.values[0], np.datetime64)
    days = as_column(np.array(["2025-01-03"], dtype="datetime64[D]"))
    assert days.values.tolist() == [dt.date(2025, 1, 3)]


SURROGATE = json.loads('"\\ud800"')


def test_codepoint_groups_leave_out_values_with_lone_surrogates():
    """A lone surrogate puts its value in no group (it was a UnicodeEncodeError for all)."""
    values = np.array(["张三", "李" + SURROGATE, "ab", SURROGATE + "c", "王五"], dtype=object)
    groups = codepoint_groups(values)
    rows, codes = groups[2]
    assert rows.tolist() == [0, 2, 4]
    assert strings_from_codepoints(codes[:1]) == ["张三"]
    assert not encodable(SURROGATE)
    assert encodable("张三")


def test_fixed_width_codes_refuse_lone_surrogates():
    """A numpy unicode column holding a lone surrogate takes the general path."""
    from medguard._column import fixed_width_codes

    assert fixed_width_codes(np.array(["张" + SURROGATE, "李四"])) is None


@pytest.mark.parametrize(
    ("array", "nulls"),
    [
        (np.array([1.0, np.nan]), [False, True]),
        (np.array([1 + 2j, complex("nan")]), [False, True]),
        (np.array([1, 2]), [False, False]),
        (np.array([b"a", b""]), [False, False]),
        (np.zeros(2, dtype="V3"), [False, False]),
        (np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]), [False]),
        (np.array([1, "NaT"], dtype="timedelta64[ns]"), [False, True]),
    ],
)
def test_null_mask_of_every_numpy_dtype(array, nulls):
    """Every numpy dtype gets a null mask (void and structured arrays raised a bare TypeError)."""
    assert as_column(array).nulls.tolist() == nulls
