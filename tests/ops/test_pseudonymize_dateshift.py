"""Tests for DateShift: hospital date forms, patient IDs, nulls, scalars, ranges, column kinds."""

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.errors import InvalidArgument, InvalidIdentifier, MedguardError
from medguard.ops.date_shift import DateShift
from medguard.testing.keyrings import fixed_keyring

RING = fixed_keyring()
SHIFT = DateShift(RING)
DAYS = int(SHIFT.shifts(["P1"])[0])
MOVED = dt.date(2025, 1, 3) + dt.timedelta(days=DAYS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-03", f"{MOVED:%Y-%m-%d}"),
        ("2025/01/03", f"{MOVED:%Y/%m/%d}"),
        ("2025.01.03", f"{MOVED:%Y.%m.%d}"),
        ("20250103", f"{MOVED:%Y%m%d}"),
        ("2025年1月3日", f"{MOVED.year}年{MOVED.month}月{MOVED.day}日"),
        ("2025年01月03日", f"{MOVED:%Y}年{MOVED:%m}月{MOVED:%d}日"),
        ("2025-1-3", f"{MOVED.year}-{MOVED.month}-{MOVED.day}"),
        ("2025-01-03 08:30:00", f"{MOVED:%Y-%m-%d} 08:30:00"),
        ("2025-01-03T08:30", f"{MOVED:%Y-%m-%d}T08:30"),
        ("20250103083000", f"{MOVED:%Y%m%d}083000"),
        ("２０２５－０１－０３", f"{MOVED:%Y-%m-%d}"),
        (dt.date(2025, 1, 3), MOVED),
        (dt.datetime(2025, 1, 3, 8, 30), dt.datetime.combine(MOVED, dt.time(8, 30))),
        (pd.Timestamp("2025-01-03 08:30"), pd.Timestamp(f"{MOVED} 08:30")),
        (np.datetime64("2025-01-03"), np.datetime64(MOVED)),
        (
            dt.datetime(2025, 1, 3, tzinfo=dt.timezone(dt.timedelta(hours=8))),
            dt.datetime.combine(MOVED, dt.time(0), dt.timezone(dt.timedelta(hours=8))),
        ),
    ],
)
def test_hospital_date_forms_keep_their_form(value, expected):
    """Each accepted form is shifted and comes back in its own form; reverse restores it."""
    out = SHIFT.apply([value, value], ["P1", "P1"])
    assert out == [expected, expected]
    assert type(out[0]) is type(expected)
    assert SHIFT.apply(value, "P1") == expected  # the scalar form
    back = SHIFT.reverse(out, ["P1", "P1"])[0]
    assert back == (value if value != "２０２５－０１－０３" else "2025-01-03")


def test_nulls_and_patients():
    """Null date → null whatever the patient; None/NaN/pd.NA patients alike; 1 == 1.0 == '1'."""
    out, report = SHIFT.apply_with_report(
        [None, None, np.nan, "2025-01-03", "2025-01-03", "2025-01-03"],
        [None, float("nan"), pd.NA, None, float("nan"), pd.NA],
    )
    assert out[:3] == [None, None, None]
    assert out[3:] == ["*" * 10] * 3
    assert (report.nulls, report.invalid, report.pseudonymized) == (3, 3, 0)
    ids = [1, 1.0, "1", np.int64(1), np.float64(1.0), Decimal(1)]
    assert len(set(SHIFT.shifts(ids).tolist())) == 1
    assert SHIFT.shifts(["1.5", 1.5]).tolist()[0] == SHIFT.shifts([1.5]).tolist()[0]
    with pytest.raises(InvalidIdentifier) as exc:
        SHIFT.shifts(["P1", None])
    assert exc.value.row == 1
    with pytest.raises(InvalidIdentifier) as exc:
        DateShift(RING, strict=True).apply(["2025-01-03", "2025-01-04"], ["P1", b"P2"])
    assert exc.value.row == 1
    out = SHIFT.apply(["2025-01-03"] * 4, [["P1"], "P1", True, 10**5000])
    assert out[0] == out[2] == out[3] == "*" * 10  # unhashable, boolean, too long to print
    assert out[1] == f"{MOVED:%Y-%m-%d}"


def test_one_patient_for_many_dates_is_refused():
    """A single patient ID for a column of dates is an error, not a silent broadcast."""
    with pytest.raises(InvalidArgument, match="broadcast"):
        SHIFT.apply(["2025-01-03", "2025-01-04"], "P1")
    with pytest.raises(InvalidArgument):
        SHIFT.apply("2025-01-03", ["P1"])
    with pytest.raises(InvalidArgument, match="same length"):
        SHIFT.apply(["2025-01-03", "2025-01-04"], ["P1"])


def test_unusable_values_are_masked_and_counted():
    """Non-dates, impossible dates, bytes, numbers and lone surrogates are the value's problem."""
    surrogate = json.loads('"\\ud800"')
    values = ["no-date-at", "2025-02-30", b"2025", 20250103, surrogate, "2025-01-03"]
    out, report = SHIFT.apply_with_report(values, ["P1"] * 6)
    assert out[:5] == ["**********", "**********", "****", "********", "*"]
    assert report.invalid == 5
    with pytest.raises(InvalidIdentifier) as exc:
        DateShift(RING, strict=True).apply(values, ["P1"] * 6)
    assert exc.value.row == 0
    assert "no-date-at" not in str(exc.value)


def test_no_overflow_near_the_ends_of_the_calendar():
    """A shift past year 9999 (or before year 1) is that value's problem, not OverflowError."""
    forward = next(p for p in (f"P{i}" for i in range(100)) if SHIFT.shifts([p])[0] > 0)
    values = [dt.date.max, "9999-12-31", dt.datetime.max, np.datetime64("9999-12-31")]
    out, report = SHIFT.apply_with_report(values, [forward] * 4)
    assert out[:3] == ["*" * 10, "*" * 10, "*" * 26]
    assert report.invalid == 3  # numpy's calendar goes on past 9999
    nanos = np.array(["2262-04-01"], dtype="datetime64[ns]")
    moved, report = SHIFT.apply_with_report(nanos, [forward])
    assert np.isnat(moved[0])
    assert report.invalid == 1
    with pytest.raises(InvalidIdentifier, match="range"):
        DateShift(RING, strict=True).apply([dt.date.max], [forward])


def test_typed_columns_come_back_as_themselves():
    """numpy datetime64, pandas datetime (naive and tz-aware) and pyarrow dates stay typed."""
    patients = ["P1", "P2", None]
    days = SHIFT.shifts(["P1", "P2"])
    base = np.array(["2025-01-03", "2025-02-01", "NaT"], dtype="datetime64[D]")
    out = SHIFT.apply(base, patients)
    assert out.dtype == base.dtype
    assert np.isnat(out[2])
    assert (out[:2] - base[:2]).astype(int).tolist() == days.tolist()
    series = pd.Series(pd.to_datetime(["2025-01-03 08:00", "2025-02-01 00:00", None]), name="visit")
    moved = SHIFT.apply(series, patients)
    assert moved.name == "visit"
    assert moved.dtype == series.dtype
    assert (moved - series).dt.days.tolist()[:2] == days.tolist()
    aware = series.dt.tz_localize("Asia/Shanghai")
    moved = SHIFT.apply(aware, patients)
    assert str(moved.dtype) == str(aware.dtype)
    assert SHIFT.reverse(moved, patients).equals(aware)
    arrow = pa.array([dt.date(2025, 1, 3), dt.date(2025, 2, 1), None])
    moved = SHIFT.apply(arrow, patients)
    assert moved.type == pa.date32()
    assert moved.to_pylist()[2] is None
    assert SHIFT.reverse(moved, patients).to_pylist() == arrow.to_pylist()
    assert SHIFT.apply(pd.Series(["2025-01-03", None]), pd.Series(["P1", "P1"])).tolist()[1] is None


@pytest.mark.parametrize("kind", ["list", "arrow"])
def test_one_shift_per_distinct_patient(monkeypatch, kind):
    """The shift is one keyed computation per distinct patient, not one per row (lists and
    Arrow columns alike)."""
    import pyarrow as pa

    import medguard.ops.date_shift as ps

    calls = []
    original = ps._patient_digests

    def counting(key, patients):
        calls.extend(patients)
        return original(key, patients)

    monkeypatch.setattr(ps, "_patient_digests", counting)
    patients = [f"P{i % 7}" for i in range(1000)]
    dates = ["2025-01-03"] * 1000
    if kind == "arrow":
        SHIFT.apply(pa.array(dates), pa.array(patients))
    else:
        SHIFT.apply(dates, patients)
    assert sorted(calls) == sorted(f"P{i}".encode() for i in range(7))


def test_patient_digests_are_hmac_sha256():
    """The keyed computation is HMAC-SHA-256 of the canonical patient ID."""
    import hmac

    import medguard.ops.date_shift as ps

    key = bytes(range(32))
    ids = [b"P1", b"", "患者".encode()]
    assert ps._patient_digests(key, ids) == [hmac.digest(key, i, "sha256") for i in ids]


_ISO = st.dates(min_value=dt.date(900, 1, 1), max_value=dt.date(9999, 12, 31)).map(
    lambda d: d.isoformat() if d.year >= 1000 else f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(_ISO, st.none(), st.sampled_from(["2025-02-30", "2025-1-3", "20250103"])),
            st.sampled_from(["P1", "P2", "患者3", ""]),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([1, 30, 36_525]),
    st.booleans(),
    st.booleans(),
)
def test_arrow_iso_path_equals_value_by_value(rows, max_days, chunked, reverse):
    """Arrow text dates and patients (the column-wise road) give what the same values as
    Python lists give, with the same report, shifted and reversed."""
    import pyarrow as pa

    shift = DateShift(fixed_keyring(), max_days=max_days)
    dates, patients = [r[0] for r in rows], [r[1] for r in rows]
    d, p = pa.array(dates, pa.string()), pa.array(patients, pa.string())
    if chunked:
        d, p = pa.chunked_array([d]), pa.chunked_array([p])
    run = shift.reverse if reverse else shift.apply
    expected = run(dates, patients)
    got = run(d, p)
    assert isinstance(got, pa.ChunkedArray) == chunked
    assert got.type == pa.string()
    assert got.to_pylist() == expected
    if not reverse:
        assert shift.apply_with_report(d, p)[1] == shift.apply_with_report(dates, patients)[1]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 1, 1)),
            st.sampled_from(["P1", "P2", 3, 4.0]),
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(["date", "iso", "slash", "compact", "chinese"]),
)
def test_round_trip_and_intervals(pairs, form):
    """reverse(apply(x)) == x, and one patient's intervals survive."""
    write = {
        "date": lambda d: d,
        "iso": lambda d: d.isoformat(),
        "slash": lambda d: f"{d:%Y/%m/%d}",
        "compact": lambda d: f"{d:%Y%m%d}",
        "chinese": lambda d: f"{d.year}年{d.month}月{d.day}日",
    }[form]
    dates = [write(d) for d, _ in pairs]
    patients = [p for _, p in pairs]
    op = DateShift(RING, max_days=365, strict=True)
    out = op.apply(dates, patients)
    assert op.reverse(out, patients) == dates
    if form == "date":
        for (d1, p1), (d2, p2), o1, o2 in zip(pairs, pairs[1:], out, out[1:], strict=False):
            if p1 == p2:
                assert (o2 - o1) == (d2 - d1)


def test_bad_options_are_refused():
    """max_days outside 1..36525 or a non-integer is refused when built."""
    for bad in (0, -1, 10**9, 1.5, True):
        with pytest.raises(InvalidArgument):
            DateShift(RING, max_days=bad)


def test_errors_are_medguard_errors():
    """A date column of a kind that cannot move by days is a MedguardError."""
    with pytest.raises(MedguardError):
        SHIFT.apply(np.array(["2025-01"], dtype="datetime64[M]"), ["P1"])
