"""Retention: rows past their period are due, per category when asked, the same kind back."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.erase import ErasurePolicy, due_for_destruction
from medguard.errors import InvalidArgument, PolicyError, UnsupportedColumn

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
ROWS = [
    {"id": 1, "category": "outpatient", "at": dt.datetime(2026, 10, 1, tzinfo=dt.UTC)},
    {"id": 2, "category": "outpatient", "at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)},
    {"id": 3, "category": "inpatient", "at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
    {"id": 4, "category": "inpatient", "at": dt.datetime(2010, 1, 1, tzinfo=dt.UTC)},
    {"id": 5, "category": "lab", "at": None},
]
PERIODS = {"outpatient": "30d", "inpatient": "10y", "lab": 1}


def test_one_period_for_all_rows() -> None:
    """With one period, rows older than it are due; a row without timestamp never is."""
    due = due_for_destruction(ROWS, timestamp_column="at", retention=dt.timedelta(days=60), now=NOW)
    assert [r["id"] for r in due] == [1, 3, 4]
    assert due[0] is ROWS[0]  # the caller's own dicts


def test_period_per_category() -> None:
    """Each row is judged by its category's period."""
    due = due_for_destruction(
        ROWS, timestamp_column="at", retention=PERIODS, category_column="category", now=NOW
    )
    assert [r["id"] for r in due] == [1, 4]


def test_policy_retention_is_used() -> None:
    """An ErasurePolicy's retention gives the periods (with '*' for the rest)."""
    policy = ErasurePolicy.from_dict({"retention": {"outpatient": 30, "*": "5y"}})
    due = due_for_destruction(
        ROWS, timestamp_column="at", retention=policy, category_column="category", now=NOW
    )
    assert [r["id"] for r in due] == [1, 3, 4]


def test_pandas_in_pandas_out() -> None:
    """A DataFrame gives a DataFrame of the due rows, with its index."""
    frame = pd.DataFrame(ROWS, index=list("abcde"))
    due = due_for_destruction(
        frame, timestamp_column="at", retention=PERIODS, category_column="category", now=NOW
    )
    assert isinstance(due, pd.DataFrame)
    assert list(due.index) == ["a", "d"]


def test_pandas_naive_and_string_timestamps() -> None:
    """Naive datetimes are UTC; ISO text (with offsets) is parsed."""
    naive = pd.DataFrame({"at": pd.to_datetime(["2026-01-01 00:00", "2026-12-06 13:00"])})
    assert len(due_for_destruction(naive, timestamp_column="at", retention=1, now=NOW)) == 1
    text = pd.DataFrame({"at": ["2026-12-06T11:59:00+00:00", "2026-12-06T13:00:00+08:00", None]})
    assert list(due_for_destruction(text, timestamp_column="at", retention=1, now=NOW).index) == [
        0,
        1,
    ]


def test_pyarrow_in_pyarrow_out() -> None:
    """A pyarrow Table (timestamp or date column) gives a filtered Table."""
    table = pa.Table.from_pylist(ROWS)
    due = due_for_destruction(
        table, timestamp_column="at", retention=PERIODS, category_column="category", now=NOW
    )
    assert isinstance(due, pa.Table)
    assert due.column("id").to_pylist() == [1, 4]
    dates = pa.table({"d": pa.array([dt.date(2026, 1, 1), dt.date(2026, 12, 7), None])})
    assert due_for_destruction(dates, timestamp_column="d", retention=0, now=NOW).num_rows == 2


def test_unknown_category_is_refused_not_guessed() -> None:
    """A category without a period (and no '*') raises; long values are not echoed."""
    with pytest.raises(PolicyError, match="'lab'"):
        due_for_destruction(
            ROWS, timestamp_column="at", retention={"outpatient": 1, "inpatient": 1},
            category_column="category", now=NOW,
        )  # fmt: skip
    rows = [{"at": NOW, "c": "张三 110101199003077777"}]
    with pytest.raises(PolicyError) as info:
        due_for_destruction(rows, timestamp_column="at", retention={"x": 1}, category_column="c")
    assert "110101199003077777" not in str(info.value)


def test_bad_inputs() -> None:
    """Missing columns, bad timestamps and unsupported containers raise specific errors."""
    with pytest.raises(InvalidArgument, match="category_column"):
        due_for_destruction(ROWS, timestamp_column="at", retention={"a": 1})
    with pytest.raises(InvalidArgument, match="row 0"):
        due_for_destruction([{"at": "yesterday"}], timestamp_column="at", retention=1)
    with pytest.raises(InvalidArgument, match="no column"):
        due_for_destruction(pd.DataFrame(ROWS), timestamp_column="when", retention=1)
    with pytest.raises(UnsupportedColumn):
        due_for_destruction({"at": [NOW]}, timestamp_column="at", retention=1)


moments = st.one_of(
    st.none(),
    st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2030, 1, 1),
        timezones=st.just(dt.UTC),
    ),
)


@given(st.lists(moments, max_size=30), st.integers(min_value=0, max_value=4000))
def test_every_kind_agrees_with_the_definition(stamps: list, days: int) -> None:
    """list, pandas and pyarrow give the rows where timestamp + retention <= now, and no other."""
    rows = [{"i": i, "at": s} for i, s in enumerate(stamps)]
    period = dt.timedelta(days=days)
    expected = [r["i"] for r in rows if r["at"] is not None and r["at"] + period <= NOW]
    got = due_for_destruction(rows, timestamp_column="at", retention=period, now=NOW)
    assert [r["i"] for r in got] == expected
    if rows:
        frame = pd.DataFrame({"i": [r["i"] for r in rows], "at": pd.Series(stamps, dtype=object)})
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        got_pd = due_for_destruction(frame, timestamp_column="at", retention=period, now=NOW)
        assert list(got_pd["i"]) == expected
        table = pa.table(
            {"i": [r["i"] for r in rows], "at": pa.array(stamps, pa.timestamp("us", "UTC"))}
        )
        got_pa = due_for_destruction(table, timestamp_column="at", retention=period, now=NOW)
        assert got_pa.column("i").to_pylist() == expected
