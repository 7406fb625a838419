"""Tests for medguard.privacy.generalize: hierarchies, column kinds, monotonicity."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.errors import InvalidArgument, InvalidIdentifier
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
