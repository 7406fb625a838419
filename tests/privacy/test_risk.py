"""Tests for medguard.privacy.risk: exact metrics, agreement with pycanon, properties."""

import io

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


# --- issue 13: classes counted in people, values grouped as written ---------------------------


def _visit_level_extract():
    """A 'k = 5' visit extract: 28 classes of 2 patients x 6 visits (12 rows each) and 20
    classes of 6 patients x 3 visits; every class has at least 5 rows."""
    rows = []
    patient = 0
    for cls in range(48):
        patients, visits = (2, 6) if cls < 28 else (6, 3)
        for _ in range(patients):
            for visit in range(visits):
                dx = ["I10", "E11", "J18"][(patient + visit) % 3]
                rows.append({"patient_id": f"P{patient:04d}", "age_band": f"{20 + cls}",
                             "sex": "男女"[cls % 2], "region": "440300",
                             "diagnosis": dx})  # fmt: skip
            patient += 1
    return pd.DataFrame(rows)


def test_k_counts_distinct_patients_on_visit_level_data():
    """Row counting said k = 12 on an extract where 28 classes had fewer than 5 patients;
    with subject= every class size is its number of distinct patients."""
    df = _visit_level_extract()
    qi = ["age_band", "sex", "region"]
    assert k_anonymity(df, qi) == 12  # rows: looks safe
    assert k_anonymity(df, qi, subject="patient_id") == 2
    report = risk_report(df, qi, subject="patient_id")
    assert report.k == 2
    assert report.class_size_counts == {2: 28, 6: 20}
    assert sum(n for size, n in report.class_size_counts.items() if size < 5) == 28
    assert report.subjects == 28 * 2 + 20 * 6
    assert report.records == len(df)
    assert report.max_risk == 0.5
    assert report.to_frame()["metric"].tolist()[3] == "k-anonymity (distinct subjects)"
    risk = record_risk(df, qi, subject="patient_id")
    assert risk.max() == 0.5
    assert risk.min() == pytest.approx(1 / 6)


def test_suppression_by_subject_reaches_k_in_patients():
    """suppress_small_classes(subject=) drops classes with fewer than k patients, not rows."""
    df = _visit_level_extract()
    qi = ["age_band", "sex", "region"]
    _, dropped_rows = suppress_small_classes(df, qi, 5)
    assert dropped_rows == 0  # the old check passed this extract
    kept, dropped = suppress_small_classes(df, qi, 5, subject="patient_id")
    assert dropped == 28 * 12
    assert k_anonymity(kept, qi, subject="patient_id") == 6


@given(st.integers(0, 10_000), st.integers(1, 4))
def test_with_one_row_per_subject_subject_changes_nothing(seed, k):
    """With one row per person, subject= gives the same k, l, risks and suppression."""
    df = _table(seed, 80).assign(pid=np.arange(80))
    assert k_anonymity(df, QI, subject="pid") == k_anonymity(df, QI)
    assert l_diversity(df, QI, "diagnosis", subject="pid") == l_diversity(df, QI, "diagnosis")
    assert (record_risk(df, QI, subject="pid") == record_risk(df, QI)).all()
    assert (
        suppress_small_classes(df, QI, k, subject="pid")[1] == suppress_small_classes(df, QI, k)[1]
    )


def test_l_diversity_by_subject():
    """One patient with three diagnoses is l = 1, not 3; a value every patient holds is l = 1;
    two patients with different diagnosis sets are l = 2."""
    one = pd.DataFrame({"qi": ["a"] * 3, "pid": [1, 1, 1], "dx": ["I10", "E11", "J18"]})
    assert l_diversity(one, ["qi"], "dx") == 3
    assert l_diversity(one, ["qi"], "dx", subject="pid") == 1
    common = pd.DataFrame(
        {"qi": ["a"] * 4, "pid": [1, 1, 2, 2], "dx": ["I10", "E11", "I10", "J18"]}
    )
    assert l_diversity(common, ["qi"], "dx", subject="pid") == 1  # both have I10
    apart = pd.DataFrame({"qi": ["a"] * 4, "pid": [1, 1, 2, 2], "dx": ["I10", "E11", "K35", "J18"]})
    assert l_diversity(apart, ["qi"], "dx") == 4
    assert l_diversity(apart, ["qi"], "dx", subject="pid") == 2
    assert risk_report(apart, ["qi"], "dx", subject="pid").l == 2


def test_null_subject_ids_are_refused():
    """A row without its person cannot be counted in people: refused, not guessed."""
    df = pd.DataFrame({"qi": ["a", "a"], "pid": ["P1", None]})
    with pytest.raises(InvalidArgument, match="subject"):
        k_anonymity(df, ["qi"], subject="pid")
    with pytest.raises(InvalidArgument, match="nope"):
        k_anonymity(df, ["qi"], subject="nope")


def test_values_are_grouped_as_written():
    """30 and 30.0 were one class for k_anonymity but two values in the released CSV: classes
    are now the values as written, so k of a table equals k of its CSV read back as text."""
    df = pd.DataFrame({
        "age": pd.Series([30, 30.0, "30", 30, -0.0, 0.0, None, float("nan"), True, 1],
                         dtype=object),
        "temp": [36.5, -0.0, 0.0, 36.5, 0.0, 0.0, 36.5, float("nan"), 36.5, 36.5],
    })  # fmt: skip
    for qi in (["age"], ["temp"], ["age", "temp"]):
        written = pd.read_csv(io.StringIO(df.to_csv(index=False)), dtype=str)
        ours = risk_report(df, qi).class_size_counts
        assert ours == risk_report(written, qi).class_size_counts
    assert k_anonymity(df, ["age"]) == 1  # "30.0" is alone, as in the file
    kept, dropped = suppress_small_classes(df, ["age"], 2)
    assert dropped == 5  # 30.0, -0.0, 0.0, True and 1 are each alone
    assert sorted(map(str, kept["age"])) == ["30", "30", "30", "None", "nan"]


def test_quasi_identifier_kinds_keep_their_fast_path():
    """Categoricals, strings and integer columns are grouped as they are."""
    df = pd.DataFrame({"a": pd.Categorical(["x", "y", "x"]), "b": [1, 2, 1]})
    assert risk_report(df, ["a", "b"]).class_size_counts == {1: 1, 2: 1}
    mixed = pd.DataFrame({"a": pd.Categorical([30, 30.5, 30])})
    assert k_anonymity(mixed, ["a"]) == 1


def test_bad_inputs_are_medguard_errors():
    """Non-frames, bad k and bad thresholds raise InvalidArgument."""
    with pytest.raises(InvalidArgument):
        k_anonymity([1, 2, 3], ["a"])
    df = _table(3, 10)
    for k in (1.5, True, "5", 0):
        with pytest.raises(InvalidArgument):
            suppress_small_classes(df, QI, k)
    for threshold in (float("nan"), "0.2", True, 2):
        with pytest.raises(InvalidArgument):
            risk_report(df, QI, threshold=threshold)
    assert k_anonymity({"a": [1, 1]}, ["a"]) == 2


def _l_by_subject_reference(df, qi, sensitive, subject):
    """Subject-level l by brute force: per class, each subject's set of values."""
    result = None
    for _, cls in df.groupby(qi, dropna=False):
        sets = [frozenset(g[sensitive]) for _, g in cls.groupby(subject)]
        l_cls = 1 if frozenset.intersection(*sets) else len(set(sets))
        result = l_cls if result is None else min(result, l_cls)
    return result


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(5, 120), st.integers(1, 30))
def test_l_by_subject_matches_brute_force(seed, n, people):
    """The vectorized subject-level l equals a brute-force count of per-subject value sets,
    on both the one-key and the wide-key (lexsort) paths."""
    from medguard.privacy.risk import class_ids, column_codes, l_per_class

    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.choice(["x", "y"], n), "b": rng.choice(["p", "q"], n),
                       "pid": rng.integers(0, people, n),
                       "dx": rng.choice(["I10", "E11", "J18"], n)})  # fmt: skip
    expected = _l_by_subject_reference(df, ["a", "b"], "dx", "pid")
    assert l_diversity(df, ["a", "b"], "dx", subject="pid") == expected
    ids, values = class_ids(df, ["a", "b"]), column_codes(df["dx"])[0]
    wide = l_per_class(ids, values + 2**21, column_codes(df["pid"])[0] + 2**40)
    assert int(wide.min()) == expected
