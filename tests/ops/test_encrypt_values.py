"""Field encryption of awkward values: nulls in plain lists, lone surrogates, nanosecond
timestamps (issue 13)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from medguard.errors import InvalidArgument, MedguardError, UnsupportedColumn
from medguard.ops.encryption import decrypt, encrypt, encrypt_deterministically
from medguard.testing.keyrings import fixed_keyring

RINGS = {suite: fixed_keyring(suite) for suite in ("aes", "sm")}
MODES = {"randomized": encrypt, "deterministic": encrypt_deterministically}
SURROGATE = json.loads('"\\ud800"')
NS = pd.Timestamp("2025-01-03 12:00:00.123456789")


@pytest.mark.parametrize("suite", RINGS)
@pytest.mark.parametrize("mode", MODES)
def test_pandas_na_in_a_plain_list_is_null(suite: str, mode: str) -> None:
    """pd.NA/NaT/NaN/None in a list stay nulls (pd.NA raised a bare TypeError)."""
    ring = RINGS[suite]
    values = ["a", pd.NA, pd.NaT, float("nan"), None, np.datetime64("NaT"), 7]
    tokens = MODES[mode](values, ring, table="t", field="f")
    assert tokens[1:6] == [None] * 5
    assert decrypt(tokens, ring, table="t", field="f") == ["a", *[None] * 5, 7]
    assert MODES[mode](pd.NA, ring) is None


@pytest.mark.parametrize("suite", RINGS)
@pytest.mark.parametrize("mode", MODES)
def test_lone_surrogates_are_values(suite: str, mode: str) -> None:
    """A string holding a lone surrogate encrypts and decrypts as itself, alone or in bulk."""
    ring = RINGS[suite]
    values = [SURROGATE, "张三" + SURROGATE] + ["13800138000"] * 20
    tokens = MODES[mode](values, ring, table="t", field="f")
    assert decrypt(tokens, ring, table="t", field="f") == values


def test_lone_surrogates_in_context_are_refused_without_a_bare_error() -> None:
    """A surrogate in table, field, record ID or subject is an InvalidArgument naming the row."""
    ring = RINGS["aes"]
    with pytest.raises(InvalidArgument):
        encrypt(["a"], ring, table=SURROGATE)
    with pytest.raises(InvalidArgument):
        decrypt(["mg1.aesgcm.test1.AAAA"], ring, field=SURROGATE)
    with pytest.raises(InvalidArgument, match="row 1"):
        encrypt(["a", "b"], ring, record_ids=["r1", "r" + SURROGATE])
    with pytest.raises(InvalidArgument, match="row 0"):
        encrypt(["a"], ring, subject=[SURROGATE])


@pytest.mark.parametrize("suite", RINGS)
@pytest.mark.parametrize("mode", MODES)
def test_nanosecond_timestamps_round_trip_exactly(suite: str, mode: str) -> None:
    """pandas Timestamps and numpy datetime64[ns] keep every nanosecond and their type
    (they came back as datetime, 789 ns lost, or as a bare integer for numpy)."""
    ring = RINGS[suite]
    enc = MODES[mode]
    aware = pd.Timestamp("2025-01-03 12:00:00.000000001", tz="Asia/Shanghai")
    seconds = pd.Timestamp("1000-01-01")  # unit "s", outside the nanosecond range
    for value in (NS, aware, seconds, pd.Timestamp("2025-01-03")):
        back = decrypt(enc(value, ring), ring)
        assert type(back) is pd.Timestamp
        assert back == value
        assert back.unit == value.unit
        assert back.utcoffset() == value.utcoffset()
    dt64 = np.datetime64("2025-01-03T12:00:00.123456789", "ns")
    back64 = decrypt(enc(dt64, ring), ring)
    assert isinstance(back64, np.datetime64)
    assert back64 == dt64
    assert back64.dtype == dt64.dtype


@pytest.mark.parametrize("mode", MODES)
def test_nanosecond_columns_round_trip_exactly(mode: str) -> None:
    """Series, numpy and pyarrow columns of nanosecond timestamps round-trip to the ns."""
    ring = RINGS["aes"]
    enc = MODES[mode]
    series = pd.Series([NS, pd.NaT, NS + pd.Timedelta(1, "ns")], name="at")
    back = decrypt(enc(series, ring), ring)
    assert back.tolist()[0] == NS
    assert pd.isna(back.tolist()[1])
    assert back.tolist()[2] == NS + pd.Timedelta(1, "ns")
    array = np.array(["2025-01-03T12:00:00.123456789", "NaT"], dtype="datetime64[ns]")
    back_array = decrypt(enc(array, ring), ring)
    assert back_array[0] == array[0]
    assert back_array[1] is None
    arrow = pa.array([NS, None], type=pa.timestamp("ns"))
    assert decrypt(enc(arrow, ring), ring).to_pylist() == [NS, None]
    as_list = [NS] * 20  # the bulk path
    assert decrypt(enc(as_list, ring), ring) == as_list


def test_datetimes_still_come_back_as_datetimes() -> None:
    """Plain datetime and date values keep their own type (no Timestamp leaks in)."""
    ring = RINGS["aes"]
    value = dt.datetime(2025, 1, 3, 12, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    back = decrypt(encrypt(value, ring), ring)
    assert type(back) is dt.datetime
    assert back == value
    assert type(decrypt(encrypt(dt.date(2025, 1, 3), ring), ring)) is dt.date


def test_timedeltas_are_refused_clearly() -> None:
    """numpy timedelta64[ns] is refused with UnsupportedColumn, never encrypted as an int."""
    with pytest.raises(UnsupportedColumn, match="row 0"):
        encrypt(np.array([5], dtype="timedelta64[ns]"), RINGS["aes"])


@pytest.mark.parametrize("mode", MODES)
def test_awkward_values_give_values_or_medguard_errors(mode: str) -> None:
    """bytes, ints, floats and huge strings are values; objects are a MedguardError."""
    ring = RINGS["aes"]
    values = [b"\xff\x00", 2**100, -0.0, 1e308, "x" * 1_000_000, True]
    assert decrypt(MODES[mode](values, ring), ring) == values
    with pytest.raises(MedguardError):
        MODES[mode](["a", object()], ring)


def test_nonce_seam_refuses_a_short_pool() -> None:
    """The test-only nonce seam checks it got 12 bytes per value."""
    from medguard.ops.encryption import _encrypt_with_nonce_source

    with pytest.raises(InvalidArgument):
        _encrypt_with_nonce_source(["a", "b"], RINGS["aes"], nonce_source=lambda n: b"\x00" * 12)


STRING_COLUMNS = {
    "pandas string": lambda: pd.Series(["a", None], dtype="string"),
    "pandas string[pyarrow]": lambda: pd.Series(["a", None], dtype="string[pyarrow]"),
    "pandas Index": lambda: pd.Index(["a", "b"], dtype="string"),
    "numpy unicode": lambda: np.array(["a", "b"]),
    "arrow string": lambda: pa.array(["a", None]),
    "arrow large_string": lambda: pa.array(["a", None], type=pa.large_string()),
    "arrow chunked": lambda: pa.chunked_array([pa.array(["a", None])]),
}


@pytest.mark.parametrize("column", STRING_COLUMNS)
@pytest.mark.parametrize("mode", MODES)
def test_bytes_output_from_a_string_typed_column(column: str, mode: str) -> None:
    """output="bytes" on a string-typed column gives bytes in an object/binary column (it
    raised a bare UnicodeDecodeError or ArrowInvalid forcing them into the string dtype)."""
    from medguard.ops.encryption import rewrap

    ring = RINGS["sm"]
    values = STRING_COLUMNS[column]()
    tokens = MODES[mode](values, ring, output="bytes")
    items = tokens.to_pylist() if hasattr(tokens, "to_pylist") else list(tokens)
    assert isinstance(items[0], bytes)
    back = decrypt(tokens, ring)
    back_items = back.to_pylist() if hasattr(back, "to_pylist") else list(back)
    assert back_items[0] == "a"
    assert rewrap(tokens, ring).unchanged == len([v for v in items if v is not None])


def test_integers_beyond_the_str_conversion_limit_are_refused() -> None:
    """An int of more than 4,300 digits is an UnsupportedColumn naming the row (it raised a bare
    ValueError, and could not have been decrypted either)."""
    ring = RINGS["aes"]
    with pytest.raises(UnsupportedColumn, match="row 1"):
        encrypt([1, 10**5000], ring)
    assert decrypt(encrypt(10**4299, ring), ring) == 10**4299
