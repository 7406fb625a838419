"""Column-wise generalization roads give what the value-by-value road gives."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.ops.generalize import GeneralizeDate, GeneralizePlace

_ISO = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(
    lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
)
_ODD = st.sampled_from(
    ["2025-02-30", "2025-13-01", "0000-01-01", " 2025-01-03", "20250103", "2025-1-3",
     "2025-01-03 08:30", "2025/01/03", "", "abc", "２０２５-01-03"]
)  # fmt: skip
_DATES = st.lists(st.one_of(_ISO, _ODD, st.none(), st.text(max_size=12)), max_size=200)


@settings(max_examples=150, deadline=None)
@given(_DATES, st.sampled_from(["month", "quarter", "year", "5y"]))
def test_date_labels_columnwise_equal_value_by_value(values: list[str | None], to: str) -> None:
    """GeneralizeDate over a column (Arrow road for text) equals _one on each value."""
    g = GeneralizeDate(to=to)  # type: ignore[arg-type]
    expected = [None if v is None else g._safe(v) for v in values]
    assert g._map(np.array(values, dtype=object)).tolist() == expected
    assert g._map(np.array(values * 64, dtype=object)).tolist() == expected * 64
    column = pa.array(values * 2, pa.string())  # over 64 values: the column-wise road
    out = g.apply(column).to_pylist()
    assert out == [v if v is not None or w is None else "*" for v, w in zip(
        expected * 2, values * 2, strict=True)]  # fmt: skip


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["广东省深圳市南山区科技园路18号", "北京市朝阳区建国路1号",
                                 "朝阳区", "吉林省吉林市船营区", "440305", None, "xyz"]),
                max_size=100))  # fmt: skip
def test_place_labels_columnwise_equal_value_by_value(values: list[str | None]) -> None:
    """GeneralizePlace over a column equals _one on each value."""
    for to in ("district", "city", "province"):
        g = GeneralizePlace(to=to)  # type: ignore[arg-type]
        expected = [None if v is None else g._safe(v) for v in values]
        assert g._map(np.array(values, dtype=object)).tolist() == expected
