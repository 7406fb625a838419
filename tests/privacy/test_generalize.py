"""Tests for medguard.privacy.generalize: hierarchies, column kinds, monotonicity."""

import contextlib
import datetime as dt
import math
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.errors import InvalidArgument, InvalidIdentifier, MedguardError
from medguard.privacy import AgeBand, GeneralizeDate, GeneralizeICD10, GeneralizeRegion, k_anonymity
from medguard.privacy.generalize import icd10_chapter


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        (GeneralizeRegion(), "440305", "440300"),
        (GeneralizeRegion(digits=2), "440305", "440000"),
        (GeneralizeDate(), dt.date(2025, 3, 9), "2025-03"),
        (GeneralizeDate(to="quarter"), "2025-08-01", "2025Q3"),
        (GeneralizeDate(to="year"), "19850317", "1985"),
        (GeneralizeDate(to="5y"), dt.date(1987, 1, 1), "1985-1989"),
        (AgeBand(), 42, "40-44"),
        (AgeBand(width=10, top=80), 93, "80+"),
        (GeneralizeICD10(), "e11.9", "E11"),
        (GeneralizeICD10(to="chapter"), "E11.9", "IV"),
        (GeneralizeICD10(to="chapter"), "S72.0", "XIX"),
        (GeneralizeICD10(to="chapter"), "Z00", "XXI"),
        (GeneralizeICD10(to="chapter"), "H65.1", "VIII"),
        (GeneralizeICD10(to="chapter"), "U07.1", "XXII"),
    ],
)
def test_hierarchies(op, value, expected):
    """Each hierarchy maps a value to its coarser level."""
    assert op.apply(value) == expected


def test_chapter_boundaries():
    """Chapter boundaries follow WHO ICD-10 (D48 in II, D50 in III, H59 in VII, H60 in VIII)."""
    assert [icd10_chapter(c) for c in ("D48", "D50", "H59", "H60", "T98", "V01", "Y98")] == [
        "II", "III", "VII", "VIII", "XIX", "XX", "XX"]  # fmt: skip


def test_invalid_values_are_suppressed_and_counted():
    """Invalid input becomes '*' and is counted, never passed through; strict raises."""
    out, invalid = GeneralizeRegion().apply_with_report(["440305", "12", None, "abcdef"])
    assert out == ["440300", "*", None, "*"]
    assert invalid == 2
    with pytest.raises(InvalidIdentifier) as exc:
        AgeBand(strict=True).apply([30, "old"])
    assert exc.value.row == 1
    with pytest.raises(InvalidArgument):
        AgeBand(width=0)


def test_column_kinds():
    """Series, numpy and pyarrow columns come back as themselves with nulls."""
    values = ["E11.9", None, "I10"]
    op = GeneralizeICD10(to="chapter")
    assert op.apply(pd.Series(values, name="dx")).tolist()[::2] == ["IV", "IX"]
    assert op.apply(np.array(values, dtype=object)).tolist() == ["IV", None, "IX"]
    assert op.apply(pa.array(values)).to_pylist() == ["IV", None, "IX"]


@given(st.lists(st.integers(0, 110), min_size=5, max_size=80))
def test_coarser_bands_never_lower_k(ages):
    """Generalizing ages to wider bands never lowers k-anonymity (monotone hierarchy)."""
    df = pd.DataFrame({"age": ages})
    narrow = pd.DataFrame({"b": AgeBand(width=5).apply(df["age"])})
    wide = pd.DataFrame({"b": AgeBand(width=10, top=80).apply(df["age"])})
    assert k_anonymity(wide, ["b"]) >= k_anonymity(narrow, ["b"]) >= k_anonymity(df, ["age"])


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)))
def test_date_levels_nest(date):
    """Month generalization refines quarter, which refines year."""
    month = GeneralizeDate(to="month").apply(date)
    quarter = GeneralizeDate(to="quarter").apply(date)
    assert month[:4] == quarter[:4] == GeneralizeDate(to="year").apply(date)
    assert (int(month[5:]) - 1) // 3 + 1 == int(quarter[-1])


# --- issue 13: generalizers fail closed on any value -------------------------------------------

GENERALIZERS = [GeneralizeRegion(), GeneralizeRegion(digits=2), GeneralizeDate(),
                GeneralizeDate(to="5y"), AgeBand(), AgeBand(width=10, top=80), GeneralizeICD10(),
                GeneralizeICD10(to="chapter")]  # fmt: skip
OUTPUT = {  # what each hierarchy may emit, besides None (null) and "*" (suppressed)
    "region": r"\d{6}", "date": r"\d{4}(-\d{2}|Q[1-4]|-\d{4})?", "age": r"\d{1,3}(-\d{1,3}|\+)",
    "icd10": r"[A-Z]\d{2}|[IVX]+",
}  # fmt: skip

STRANGE = [None, float("nan"), pd.NA, pd.NaT, np.datetime64("NaT"), b"440305", bytearray(b"42"),
           "\ud800", "44030\ud800", "4" * 10_000_000, True, False, np.bool_(True), math.inf,
           -math.inf, 10**5000, -1, 1e300, 42.5, "４２", "٤٢", "4_2", " 42 ", [1, 2], {"a": 1},
           object(), dt.timedelta(days=1), complex(1, 2), "Ｅ１１．９", "E11.9" * 20]  # fmt: skip

broad = st.one_of(
    st.none(), st.just(float("nan")), st.just(pd.NA), st.just(pd.NaT), st.booleans(),
    st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.binary(max_size=20),
    st.text(max_size=30), st.text(st.characters(codec=None), max_size=10),
    st.text(alphabet="０１２３４５６７８９ＥＩ．-", max_size=12), st.dates(), st.datetimes(),
    st.sampled_from(STRANGE),
)  # fmt: skip


def _allowed(op, out):
    return out is None or out == "*" or re.fullmatch(OUTPUT[op.kind], out) is not None


@pytest.mark.parametrize("op", GENERALIZERS, ids=repr)
def test_strange_values_are_suppressed_or_null_never_raised(op):
    """None, NaN, pd.NA, NaT, bytes, lone surrogates, huge strings and numbers, booleans and
    objects give nulls or '*', in the scalar, list, numpy and Series forms alike."""
    for value in STRANGE:
        if not isinstance(value, list):  # a list is a column
            assert _allowed(op, op.apply(value)), value
    out, invalid = op.apply_with_report(STRANGE)
    assert all(_allowed(op, v) for v in out)
    assert out[:5] == [None] * 5  # nulls stay null
    assert invalid == len(STRANGE) - 5 - sum(v not in (None, "*") for v in out)
    assert op.apply(np.array(STRANGE, dtype=object)).tolist() == out
    assert op.apply(pd.Series(STRANGE, dtype=object)).tolist()[5:] == out[5:]
    options = {k: v for k, v in op.to_config().items() if k not in ("op", "kind", "strict")}
    with pytest.raises(InvalidIdentifier) as exc:
        type(op)(**options, strict=True).apply(STRANGE)
    assert exc.value.row == 5


@settings(max_examples=150, deadline=None)
@given(st.lists(broad, max_size=20), st.sampled_from(GENERALIZERS))
def test_no_value_makes_a_generalizer_raise(values, op):
    """Property: for any mix of values, the only exceptions are MedguardErrors (strict), and
    every output is null, '*' or a value of the hierarchy."""
    out, invalid = op.apply_with_report(values)
    assert len(out) == len(values)
    assert all(_allowed(op, v) for v in out)
    assert invalid == sum(v == "*" for v in out)
    for value in values[:5]:
        if not isinstance(value, list):
            assert _allowed(op, op.apply(value))
    options = {k: v for k, v in op.to_config().items() if k not in ("op", "kind", "strict")}
    strict = type(op)(**options, strict=True)
    with contextlib.suppress(MedguardError):
        strict.apply(values)


def test_one_and_true_and_thirty_point_zero_are_told_apart():
    """True is no age even next to 1; 30 and 30.0 are both 30; 30.5 is no whole age."""
    assert AgeBand().apply([1, True, 30, 30.0, 30.5, "30", np.int64(30)]) == [
        "0-4", "*", "30-34", "30-34", "*", "30-34", "30-34"]  # fmt: skip
    assert GeneralizeRegion().apply([440305, "440305", 440305.0]) == ["440300", "440300", "*"]
    assert GeneralizeDate().apply([20250103, "20250103", 20250103.0]) == ["2025-01", "2025-01", "*"]


def test_list_path_works_without_pandas():
    """Lists, tuples and numpy arrays are generalized where pandas cannot be imported."""
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "from medguard.privacy.generalize import AgeBand, GeneralizeICD10\n"
        "import numpy as np\n"
        "assert AgeBand().apply([42, None, 'x', float('nan'), True]) == "
        "['40-44', None, '*', None, '*']\n"
        "assert GeneralizeICD10().apply(('E11.9', None)) == ('E11', None)\n"
        "assert AgeBand().apply(np.array([42, 7])).tolist() == ['40-44', '5-9']\n"
        "assert AgeBand().apply([[1], {}]) == ['*', '*']\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "make",
    [lambda: AgeBand(width="5"), lambda: AgeBand(width=5.0), lambda: AgeBand(top=1000),
     lambda: GeneralizeRegion(digits=4.0), lambda: GeneralizeDate(to=["month"]),
     lambda: GeneralizeICD10(to=None)],
)  # fmt: skip
def test_bad_options_are_invalid_arguments(make):
    """Options of the wrong type are refused with InvalidArgument, not a TypeError later."""
    with pytest.raises(InvalidArgument):
        make()
