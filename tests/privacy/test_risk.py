"""Tests for medguard.privacy.risk: exact metrics, agreement with pycanon, properties."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycanon import anonymity

from medguard.errors import InvalidArgument
from medguard.privacy import (
    k_anonymity,
    l_diversity,
    record_risk,
    risk_report,
    suppress_small_classes,
)

QI = ["age_band", "sex", "region"]


def _table(seed, n=400):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age_band": rng.choice(["20-29", "30-39", "40-49", "50-59"], n),
            "sex": rng.choice(["男", "女"], n),
            "region": rng.choice(["440300", "110100", "500100", "310100", "320100"], n),
            "diagnosis": rng.choice(["I10", "E11", "J18", "K35"], n),
        }
    )


def test_small_example_by_hand():
    """On a hand-made table k, l, class sizes and risks are exactly what counting gives."""
    df = pd.DataFrame(
        {
            "a": [1, 1, 1, 2, 2, 3],
            "b": ["x", "x", "x", "y", "y", "z"],
            "s": ["p", "q", "p", "p", "p", "r"],
        }
    )
    report = risk_report(df, ["a", "b"], "s")
    assert (report.records, report.classes, report.k, report.l) == (6, 3, 1, 1)
    assert report.class_size_counts == {1: 1, 2: 1, 3: 1}
    assert report.max_risk == 1.0
    assert report.mean_risk == pytest.approx((3 * (1 / 3) + 2 * 0.5 + 1) / 6)
    assert report.records_over_threshold == 6  # risks 1/3, 1/2 and 1 all exceed 0.2
    assert risk_report(df, ["a", "b"], threshold=0.4).records_over_threshold == 3
    assert record_risk(df, ["a", "b"]).tolist() == [1 / 3] * 3 + [0.5] * 2 + [1.0]
    assert list(report.to_frame()["metric"])[2] == "k-anonymity"


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(20, 300))
def test_agrees_with_pycanon(seed, n):
    """k-anonymity and l-diversity agree with pycanon's on random tables."""
    df = _table(seed, n)
    assert k_anonymity(df, QI) == anonymity.k_anonymity(df, QI)
    assert l_diversity(df, QI, "diagnosis") == anonymity.l_diversity(df, QI, ["diagnosis"])


@given(st.integers(0, 10_000), st.integers(1, 6))
def test_suppression_reaches_k(seed, k):
    """After suppressing classes smaller than k the table is k-anonymous (or empty)."""
    df = _table(seed, 60)
    kept, dropped = suppress_small_classes(df, QI, k)
    assert len(kept) + dropped == len(df)
    assert len(kept) == 0 or k_anonymity(kept, QI) >= k


def test_coarser_quasi_identifiers_never_lower_k():
    """Dropping a quasi-identifier (coarser classes) never lowers k."""
    df = _table(1)
    assert k_anonymity(df, ["age_band", "sex"]) >= k_anonymity(df, QI)


def test_nulls_form_their_own_class():
    """A null quasi-identifier is a value of its own, not dropped."""
    df = pd.DataFrame({"region": ["440300", None, "440300", None, None]})
    assert risk_report(df, ["region"]).class_size_counts == {2: 1, 3: 1}


def test_bad_arguments():
    """Unknown columns, empty QI lists and bad thresholds are refused clearly."""
    df = _table(2, 10)
    with pytest.raises(InvalidArgument, match="nope"):
        risk_report(df, ["nope"])
    with pytest.raises(InvalidArgument):
        risk_report(df, [])
    with pytest.raises(InvalidArgument):
        risk_report(df, QI, threshold=0)
    assert risk_report(df.iloc[:0], QI).records == 0
