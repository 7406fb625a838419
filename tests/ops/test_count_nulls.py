"""count_nulls reads Arrow's own null count: the same figures as the object road."""

from __future__ import annotations

import math

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard._column import as_column
from medguard.ops.base import count_nulls

_CELLS = st.one_of(
    st.lists(st.one_of(st.none(), st.text(max_size=5)), max_size=30).map(
        lambda v: pa.array(v, pa.string())
    ),
    st.lists(st.one_of(st.none(), st.floats(allow_nan=True)), max_size=30).map(
        lambda v: pa.array(v, pa.float64(), from_pandas=False)
    ),
    st.lists(st.one_of(st.none(), st.integers(-5, 5)), max_size=30).map(
        lambda v: pa.array(v, pa.int64())
    ),
    st.integers(0, 10).map(pa.nulls),
)


@settings(max_examples=100, deadline=None)
@given(_CELLS, st.booleans(), st.integers(0, 3))
def test_arrow_null_count_equals_object_road(array: pa.Array, chunked: bool, cut: int) -> None:
    """Arrays, slices and chunked arrays: (total, nulls) as the object conversion counts."""
    array = array.slice(min(cut, len(array)))
    column = pa.chunked_array([array, array], type=array.type) if chunked else array
    data = as_column(column)
    assert count_nulls(column) == (len(data), int(data.nulls.sum()))


def test_nan_is_a_value_not_a_null() -> None:
    """A float NaN counts as a value in Arrow columns, as before."""
    assert count_nulls(pa.array([math.nan, None, 1.0], pa.float64(), from_pandas=False)) == (3, 1)
