"""Shared fixtures for the medguard.io tests."""

import datetime

import pytest

pa = pytest.importorskip("pyarrow")


@pytest.fixture
def typed_table():
    """A table with every kind of value the readers must keep: ints, floats, dates, timestamps,
    identifiers with leading zeros and X, Chinese text, nulls."""
    return pa.table(
        {
            "record": ["0012", "0000345", None],
            "resident_id": ["11010519491231002X", "110105194912310021", "44030119900101001X"],
            "mobile": ["13812345678", None, "13912345678"],
            "name": ["张三", "欧阳娜娜", None],
            "age": pa.array([45, None, 7], pa.int64()),
            "fee": [12.5, 0.25, None],
            "visit": [datetime.date(2025, 1, 3), datetime.date(2024, 2, 29), None],
            "at": pa.array(
                [datetime.datetime(2025, 1, 3, 10, 0, 0), None, datetime.datetime(2024, 12, 31)],
                pa.timestamp("s"),
            ),
            "flag": [True, False, None],
        }
    )
