"""Tests for DP aggregates: noise scale, contribution bounds, required bounds, ledger, audit."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from medguard.errors import BudgetExceeded, InvalidArgument, MissingBound
from medguard.privacy.aggregates import (
    bound_contributions,
    dp_count,
    dp_count_patients,
    dp_histogram,
    dp_mean,
    dp_quantiles,
    dp_sum,
    dp_variance,
    select_partitions,
)
from medguard.privacy.ledger import BudgetLedger
from medguard.privacy.mechanisms import geometric_interval, geometric_noise


def seeded(seed):
    """A reproducible random-bytes source (the CSPRNG seam) for statistical tests."""
    rng = np.random.default_rng(seed)
    return lambda n: rng.bytes(n)


def _visits(n=2000, patients=300, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "patient": rng.integers(0, patients, n),
        "dept": rng.choice(["心内科", "儿科", "骨科"], n),
        "fee": rng.gamma(2.0, 500.0, n),
    })  # fmt: skip


def test_noise_variance_matches_theory():
    """Geometric noise has variance 2a/(1-a)^2 (chi-square bound, false-alarm rate 1e-6)."""
    eps, sens, n = 0.5, 3.0, 200_000
    a = math.exp(-eps / sens)
    noise = geometric_noise(eps, sens, n, seeded(1))
    expected = 2 * a / (1 - a) ** 2
    lo, hi = stats.chi2.ppf([5e-7, 1 - 5e-7], n - 1) / (n - 1)
    assert lo <= noise.var(ddof=1) / expected <= hi
    assert abs(noise.mean()) < 6 * math.sqrt(expected / n)


def test_interval_covers_95_percent():
    """The stated 95% half-width covers at least 95% of draws (binomial bound, 1e-6 false alarm)."""
    t = geometric_interval(1.0, 2.0)
    noise = geometric_noise(1.0, 2.0, 100_000, seeded(2))
    covered = (np.abs(noise) <= t).sum()
    assert covered >= stats.binom.ppf(1e-6, 100_000, 0.95)


def test_privacy_audit_on_neighbouring_counts():
    """Empirical audit: no threshold event is more likely on a neighbour than e^epsilon allows.

    10,000 draws a side; Clopper-Pearson 99.9% bounds, Bonferroni over the events.
    """
    eps, bound, draws = 1.0, 5, 10_000
    d0 = 100 + geometric_noise(eps, bound, draws, seeded(3))
    d1 = 105 + geometric_noise(eps, bound, draws, seeded(4))  # one patient with 5 visits added
    events = range(95, 112, 2)
    alpha = 0.001 / len(events)
    for c in events:
        for x, y in ((d0, d1), (d1, d0)):
            k1, k2 = int((x >= c).sum()), int((y >= c).sum())
            p1_low = stats.beta.ppf(alpha / 2, k1, draws - k1 + 1) if k1 else 0.0
            p2_high = stats.beta.ppf(1 - alpha / 2, k2 + 1, draws - k2) if k2 < draws else 1.0
            if p1_low > 0:
                assert math.log(p1_low / p2_high) <= eps


def test_contribution_bounding_holds():
    """A patient with 1,000 visits moves a count by at most its row bound (before noise)."""
    base = _visits()
    heavy = pd.concat([base, pd.DataFrame({"patient": [999] * 1000, "dept": "儿科", "fee": 1.0})])
    kept = bound_contributions(heavy, "patient", 3)
    assert kept.groupby("patient").size().max() <= 3
    assert len(kept) - len(bound_contributions(base, "patient", 3)) <= 3


def test_grouped_count_releases_every_public_key_including_zeros():
    """With public keys every key is released, absent ones too, in the declared order."""
    keys = ["骨科", "儿科", "心内科", "眼科"]
    release = dp_count(_visits(), subject="patient", epsilon=1.0, max_rows_per_patient=5,
                       by="dept", keys=keys, unsafe_random_bytes=seeded(5))  # fmt: skip
    assert release.table["dept"].tolist() == ["骨科", "儿科", "心内科", "眼科"]
    assert abs(release.table["value"].iloc[3]) <= 40  # the empty key: noise only
    assert release.epsilon == 1.0
    with pytest.raises(InvalidArgument, match="select_partitions"):
        dp_count(_visits(), subject="patient", epsilon=1.0, max_rows_per_patient=5, by="dept")


def test_bounds_are_required():
    """Missing bounds raise MissingBound instead of being inferred from the data."""
    df = _visits()
    with pytest.raises(MissingBound):
        dp_sum(df, "fee", subject="patient", epsilon=1.0, upper=5000, max_rows_per_patient=3)
    with pytest.raises(MissingBound):
        dp_mean(df, "fee", subject="patient", epsilon=1.0, lower=0, upper=5000)


def test_sum_and_mean_are_accurate_at_large_epsilon():
    """With a large epsilon the releases sit near the bounded truth."""
    df = _visits(n=3000, patients=3000)  # one row per patient mostly: bounding drops little
    bounded = bound_contributions(df, "patient", 10, unsafe_random_bytes=seeded(6))
    truth = bounded["fee"].clip(0, 5000)
    s = dp_sum(df, "fee", subject="patient", epsilon=50.0, lower=0, upper=5000,
               max_rows_per_patient=10, unsafe_random_bytes=seeded(6))  # fmt: skip
    assert abs(s.value - truth.sum()) <= s.table["ci95"].iloc[0] * 3
    m = dp_mean(df, "fee", subject="patient", epsilon=50.0, lower=0, upper=5000,
                max_rows_per_patient=10, unsafe_random_bytes=seeded(7))  # fmt: skip
    assert abs(m.value - truth.mean()) < 20


def test_ledger_spend_happens_before_noise(tmp_path):
    """An overspend raises BudgetExceeded before any random bytes are drawn."""
    ledger = BudgetLedger.open(tmp_path / "b.db", "visits", epsilon=1.0)
    dp_count(_visits(), subject="patient", epsilon=0.8, max_rows_per_patient=5, ledger=ledger)
    drawn = []

    def spy(n):
        drawn.append(n)
        return bytes(n)

    with pytest.raises(BudgetExceeded):
        dp_count(_visits(), subject="patient", epsilon=0.5, max_rows_per_patient=5,
                 ledger=ledger, unsafe_random_bytes=spy)  # fmt: skip
    assert drawn == []
    assert [s.query for s in ledger.spends()] == ["count"]


def test_small_cell_suppression_is_post_processing():
    """suppress_below blanks small released values and costs nothing extra."""
    release = dp_count(_visits(), subject="patient", epsilon=1.0, max_rows_per_patient=5,
                       by="dept", keys=["儿科", "眼科"], suppress_below=50,
                       unsafe_random_bytes=seeded(8))  # fmt: skip
    assert math.isnan(release.table["value"].iloc[1])
    assert release.epsilon == 1.0


def test_count_patients_counts_each_patient_once_per_group():
    """Distinct-patient counts ignore repeat visits and cap the groups a patient reaches."""
    df = pd.DataFrame(
        {"patient": [1, 1, 1, 2, 3], "dept": ["儿科", "儿科", "骨科", "儿科", "骨科"]}
    )
    exact = dp_count_patients(df, subject="patient", epsilon=80.0, unsafe_random_bytes=seeded(9))
    assert exact.value == 3
    opts = {"subject": "patient", "epsilon": 80.0, "by": "dept", "keys": ["儿科", "骨科"]}
    grouped = dp_count_patients(df, **opts, max_groups_per_patient=2, unsafe_random_bytes=seeded(9))
    assert grouped.table["value"].tolist() == [2, 2]
    capped = dp_count_patients(df, **opts, max_groups_per_patient=1, unsafe_random_bytes=seeded(9))
    assert capped.table["value"].sum() == 3  # patient 1 counted in one of its two departments


def test_histogram_releases_every_declared_bin():
    """Histogram bins come from declared edges; empty bins are released and edges are required."""
    df = pd.DataFrame({"patient": range(6), "age": [3, 15, 15, 40, 90, 200]})
    release = dp_histogram(df, "age", edges=[0, 18, 65, 100], subject="patient", epsilon=80.0,
                           max_rows_per_patient=1, unsafe_random_bytes=seeded(10))  # fmt: skip
    assert release.table["bin"].tolist() == ["[0, 18)", "[18, 65)", "[65, 100]"]
    assert release.table["value"].tolist() == [3, 1, 1]  # 200 is outside the declared edges
    with pytest.raises(MissingBound):
        dp_histogram(df, "age", edges=[5], subject="patient", epsilon=1.0, max_rows_per_patient=1)


def test_outputs_carry_no_low_order_float_bits():
    """Bit-level probe: on neighbouring tables every released sum is an exact multiple of the
    grid, so low-order float bits carry nothing that tells the tables apart."""
    base = _visits(n=300, patients=100)
    neighbour = pd.concat(
        [base, pd.DataFrame({"patient": [555], "dept": ["儿科"], "fee": [123.456]})]
    )
    for table in (base, neighbour):
        for _ in range(50):
            total = dp_sum(table, "fee", subject="patient", epsilon=1.0, lower=0, upper=5000,
                           max_rows_per_patient=5, resolution=0.5).value  # fmt: skip
            assert (total * 2).is_integer()
        count = dp_count(table, subject="patient", epsilon=1.0, max_rows_per_patient=5).value
        assert count.is_integer()


def test_noise_matches_diffprivlib_geometric():
    """medguard's vectorized geometric noise has the variance of diffprivlib's Geometric mechanism
    at the same epsilon and sensitivity (F-test, false-alarm rate 1e-6)."""
    from diffprivlib.mechanisms import Geometric

    mech = Geometric(epsilon=0.5, sensitivity=3)
    theirs = np.array([mech.randomise(0) for _ in range(20_000)], dtype=float)
    ours = geometric_noise(0.5, 3, 200_000, seeded(20)).astype(float)
    ratio = ours.var(ddof=1) / theirs.var(ddof=1)
    lo, hi = stats.f.ppf([5e-7, 1 - 5e-7], ours.size - 1, theirs.size - 1)
    assert lo <= ratio <= hi


def test_quantiles_survive_long_runs_of_duplicates():
    """The median of data that is mostly one repeated value comes out near it (diffprivlib #107)."""
    rng = np.random.default_rng(12)
    fees = np.concatenate([np.full(4000, 500.0), rng.uniform(0, 5000, 1000)])
    df = pd.DataFrame({"patient": np.arange(fees.size), "fee": fees})
    release = dp_quantiles(df, "fee", [0.5, 0.9], subject="patient", epsilon=2.0, lower=0,
                           upper=5000, max_rows_per_patient=1,
                           unsafe_random_bytes=seeded(13))  # fmt: skip
    median, p90 = release.table["value"].tolist()
    # 80% of the rows equal 500: any value with rank error under ci95 rows is right, i.e. 500
    # up to about 100 (0.2 rows per unit of fee above the atom)
    assert 500 <= median <= 500 + release.table["ci95"].iloc[0] * 5
    assert 2000 <= p90 <= 3000  # the true 90th percentile is about 2,500
    with pytest.raises(MissingBound):
        dp_quantiles(df, "fee", [0.5], subject="patient", epsilon=1.0, lower=0, upper=5000)
    with pytest.raises(InvalidArgument):
        dp_quantiles(df, "fee", [1.5], subject="patient", epsilon=1.0, lower=0, upper=5000,
                     max_rows_per_patient=1)  # fmt: skip


@pytest.mark.slow
def test_privacy_audit_of_the_full_count_pipeline():
    """Slow audit: dp_count end to end on neighbouring tables (one patient with 50 visits).

    2,000 releases a side; no threshold event may be more likely on one side than e^epsilon
    allows at a Bonferroni-corrected Clopper-Pearson 99.9% level.
    """
    eps, bound, draws = 1.0, 4, 2000
    base = _visits(n=400, patients=100, seed=5)
    neighbour = pd.concat([base, pd.DataFrame({"patient": [777] * 50, "dept": "儿科", "fee": 1.0})])
    d0 = np.array([dp_count(base, subject="patient", epsilon=eps, max_rows_per_patient=bound).value
                   for _ in range(draws)])  # fmt: skip
    d1 = np.array([dp_count(neighbour, subject="patient", epsilon=eps,
                            max_rows_per_patient=bound).value for _ in range(draws)])  # fmt: skip
    events = range(int(d0.mean()) - 6, int(d0.mean()) + 10, 2)
    alpha = 0.001 / len(events)
    for c in events:
        for x, y in ((d0, d1), (d1, d0)):
            k1, k2 = int((x >= c).sum()), int((y >= c).sum())
            if k1 == 0:
                continue
            p1_low = stats.beta.ppf(alpha / 2, k1, draws - k1 + 1)
            p2_high = stats.beta.ppf(1 - alpha / 2, k2 + 1, draws - k2) if k2 < draws else 1.0
            assert math.log(p1_low / p2_high) <= eps


def test_grouped_quantiles_per_public_key():
    """Grouped quantiles give one row per key and quantile, near each group's own median."""
    df = pd.DataFrame({"patient": range(4000), "dept": ["儿科", "骨科"] * 2000,
                       "age": [8.0, 60.0] * 2000})  # fmt: skip
    release = dp_quantiles(df, "age", [0.5], subject="patient", epsilon=2.0, lower=0, upper=100,
                           max_rows_per_patient=1, by="dept", keys=["儿科", "骨科", "眼科"],
                           unsafe_random_bytes=seeded(14))  # fmt: skip
    assert release.table["dept"].tolist() == ["儿科", "骨科", "眼科"]
    child, bone, _empty = release.table["value"].tolist()
    assert 8 <= child <= 10
    assert 60 <= bone <= 62


def test_variance_near_truth_at_large_epsilon():
    """With a large epsilon the DP variance sits near the variance of the bounded data."""
    rng = np.random.default_rng(15)
    df = pd.DataFrame({"patient": range(5000), "fee": rng.uniform(0, 1000, 5000)})
    release = dp_variance(df, "fee", subject="patient", epsilon=30.0, lower=0, upper=1000,
                          max_rows_per_patient=1, unsafe_random_bytes=seeded(16))  # fmt: skip
    assert release.value == pytest.approx(df["fee"].var(ddof=0), rel=0.05)
    assert release.table["ci95"].iloc[0] > 0


def test_partition_selection_hides_rare_keys_and_spends_delta(tmp_path):
    """Keys seen by many patients are selected; a key of two patients is not; (eps, delta) spent."""
    depts = ["儿科"] * 500 + ["骨科"] * 400 + ["罕见病门诊"] * 2
    df = pd.DataFrame({"patient": range(len(depts)), "dept": depts})
    ledger = BudgetLedger.open(tmp_path / "b.db", "d", epsilon=2.0, delta=1e-5)
    keys = select_partitions(df, "dept", subject="patient", epsilon=1.0, delta=1e-6,
                             ledger=ledger, unsafe_random_bytes=seeded(17))  # fmt: skip
    assert sorted(keys) == ["儿科", "骨科"]
    assert ledger.remaining()[1] == pytest.approx(1e-5 - 1e-6)
    release = dp_count(df, subject="patient", epsilon=1.0, max_rows_per_patient=1, by="dept",
                       keys=keys, ledger=ledger, unsafe_random_bytes=seeded(18))  # fmt: skip
    assert len(release.table) == 2


def test_numpy_columns_are_accepted():
    """A dict of numpy arrays works like a DataFrame; other inputs are refused clearly."""
    data = {"patient": np.arange(500), "fee": np.full(500, 100.0)}
    release = dp_mean(data, "fee", subject="patient", epsilon=20.0, lower=0, upper=1000,
                      max_rows_per_patient=1, unsafe_random_bytes=seeded(19))  # fmt: skip
    assert release.value == pytest.approx(100.0, abs=5)
    with pytest.raises(InvalidArgument):
        dp_count([1, 2, 3], subject="patient", epsilon=1.0, max_rows_per_patient=1)


# --- issue 13: fail closed on bounds and epsilons, report what bounding dropped -------------

ALL_RELEASES = {
    "count": lambda df, **kw: dp_count(df, **kw),
    "sum": lambda df, **kw: dp_sum(df, "fee", lower=0, upper=5000, **kw),
    "mean": lambda df, **kw: dp_mean(df, "fee", lower=0, upper=5000, **kw),
    "variance": lambda df, **kw: dp_variance(df, "fee", lower=0, upper=5000, **kw),
    "quantiles": lambda df, **kw: dp_quantiles(df, "fee", [0.5], lower=0, upper=5000, **kw),
    "histogram": lambda df, **kw: dp_histogram(df, "fee", edges=[0, 1000, 5000], **kw),
}


@pytest.mark.parametrize("name", sorted(ALL_RELEASES))
@pytest.mark.parametrize("bound", [1.01, 2.0, True, np.float64(2.0), "2", 0, -3, 10**30])
def test_row_bounds_must_be_positive_integers(name, bound, tmp_path):
    """max_rows_per_patient=1.01 kept 2 rows but sized the noise to 1.01 (real epsilon about
    twice the ledger's); non-integer, bool, non-positive and absurd bounds are refused before
    anything is spent."""
    ledger = BudgetLedger.open(tmp_path / "b.db", "v", epsilon=10.0)
    with pytest.raises(InvalidArgument, match="max_rows_per_patient"):
        ALL_RELEASES[name](_visits(), subject="patient", epsilon=1.0,
                           max_rows_per_patient=bound, ledger=ledger)  # fmt: skip
    assert ledger.spends() == []


def test_integral_row_bounds_are_accepted():
    """Python ints and numpy integers are accepted as row and group bounds."""
    for bound in (2, np.int64(2), np.uint8(2)):
        release = dp_count(_visits(), subject="patient", epsilon=1.0, max_rows_per_patient=bound)
        assert release.bounds["max_rows_per_patient"] == 2
        assert type(release.bounds["max_rows_per_patient"]) is int
    kept = bound_contributions(_visits(), "patient", np.int32(1))
    assert kept.groupby("patient").size().max() == 1
    with pytest.raises(InvalidArgument, match="max_rows_per_patient"):
        bound_contributions(_visits(), "patient", 1.5)


@pytest.mark.parametrize("bound", [1.5, True, 0, "2"])
def test_group_bounds_must_be_positive_integers(bound):
    """max_groups_per_patient is an integer too, for distinct counts and partition selection."""
    opts = {"subject": "patient", "epsilon": 1.0, "max_groups_per_patient": bound}
    with pytest.raises(InvalidArgument, match="max_groups_per_patient"):
        dp_count_patients(_visits(), by="dept", keys=["儿科"], **opts)
    with pytest.raises(InvalidArgument, match="max_groups_per_patient"):
        select_partitions(_visits(), "dept", delta=1e-6, **opts)


@pytest.mark.parametrize(
    ("lower", "upper"),
    [(0, math.inf), (-math.inf, 5000), (math.nan, 5000), (0, math.nan), (-1e308, 1e308),
     ("0", "5000"), (False, 5000)],
)  # fmt: skip
@pytest.mark.parametrize("name", ["sum", "mean", "variance", "quantiles"])
def test_value_bounds_must_be_finite_numbers(name, lower, upper):
    """inf, nan, strings, bools and ranges whose width overflows are refused as bounds."""
    call = {
        "sum": dp_sum, "mean": dp_mean, "variance": dp_variance,
        "quantiles": lambda df, col, **kw: dp_quantiles(df, col, [0.5], **kw),
    }[name]  # fmt: skip
    with pytest.raises(InvalidArgument):
        call(_visits(), "fee", subject="patient", epsilon=1.0, lower=lower, upper=upper,
             max_rows_per_patient=3)  # fmt: skip


def test_histogram_edges_and_resolution_must_be_finite():
    """Infinite edges and an infinite, zero or nan resolution are refused, not computed with."""
    df = _visits()
    for edges in ([0, 100, math.inf], [-math.inf, 0, 100], ["a", "b"]):
        with pytest.raises(InvalidArgument):
            dp_histogram(df, "fee", edges=edges, subject="patient", epsilon=1.0,
                         max_rows_per_patient=1)  # fmt: skip
    for resolution in (math.inf, 0.0, -1.0, math.nan, 1e-300):
        with pytest.raises(InvalidArgument):
            dp_sum(df, "fee", subject="patient", epsilon=1.0, lower=0, upper=5000,
                   max_rows_per_patient=3, resolution=resolution)  # fmt: skip


EXTREME_EPSILONS = [math.nan, math.inf, -math.inf, -1.0, 0.0, 1e-300, 5e-324, 1e-9, 1e300,
                    101.0, True, "1", None, [1.0]]  # fmt: skip


@pytest.mark.parametrize("epsilon", EXTREME_EPSILONS, ids=repr)
@pytest.mark.parametrize("name", sorted(ALL_RELEASES))
def test_extreme_epsilons_are_refused_with_a_medguard_error(name, epsilon, tmp_path):
    """nan, inf, zero, negative, subnormal and absurdly large epsilons raise InvalidArgument,
    never OverflowError, ZeroDivisionError or a numpy ValueError, and spend nothing."""
    ledger = BudgetLedger.open(tmp_path / "b.db", "v", epsilon=10.0)
    with pytest.raises(InvalidArgument, match="epsilon"):
        ALL_RELEASES[name](_visits(), subject="patient", epsilon=epsilon,
                           max_rows_per_patient=3, ledger=ledger)  # fmt: skip
    assert ledger.spends() == []


@pytest.mark.parametrize("epsilon", EXTREME_EPSILONS, ids=repr)
def test_extreme_epsilons_in_partition_selection_and_distinct_counts(epsilon):
    """The distinct count and partition selection refuse the same epsilons."""
    with pytest.raises(InvalidArgument, match="epsilon"):
        dp_count_patients(_visits(), subject="patient", epsilon=epsilon)
    with pytest.raises(InvalidArgument, match="epsilon"):
        select_partitions(_visits(), "dept", subject="patient", epsilon=epsilon, delta=1e-6)


@pytest.mark.parametrize(
    ("epsilon", "sensitivity"),
    [(1e-300, 1.0), (1.0, 1e300), (1e6, 1.0), (math.nan, 1.0), (1.0, math.inf), (1.0, 0.0)],
)
def test_mechanism_refuses_parameters_that_break_the_math(epsilon, sensitivity):
    """The noise primitives raise InvalidArgument where exp/log would underflow or divide by 0."""
    with pytest.raises(InvalidArgument):
        geometric_noise(epsilon, sensitivity, 4, seeded(0))
    with pytest.raises(InvalidArgument):
        geometric_interval(epsilon, sensitivity)


def test_a_huge_sum_sensitivity_is_refused_before_the_spend(tmp_path):
    """Wide bounds on a fine grid (noise scale over 1e12) are refused before the ledger spends."""
    ledger = BudgetLedger.open(tmp_path / "b.db", "v", epsilon=10.0)
    with pytest.raises(InvalidArgument, match=r"noise scale|resolution"):
        dp_sum(_visits(), "fee", subject="patient", epsilon=1e-3, lower=-1e12, upper=1e12,
               max_rows_per_patient=100, resolution=0.001, ledger=ledger)  # fmt: skip
    assert ledger.spends() == []


def test_bad_columns_and_keys_are_refused_clearly():
    """A missing subject, value or group column, a null subject and bad keys: InvalidArgument."""
    df = _visits()
    with pytest.raises(InvalidArgument, match="subject"):
        dp_count(df, subject="nope", epsilon=1.0, max_rows_per_patient=1)
    with pytest.raises(InvalidArgument, match="subject"):
        dp_count(df, epsilon=1.0, max_rows_per_patient=1)
    with pytest.raises(InvalidArgument, match="nope"):
        dp_sum(df, "nope", subject="patient", epsilon=1.0, lower=0, upper=1,
               max_rows_per_patient=1)  # fmt: skip
    with pytest.raises(InvalidArgument, match="nope"):
        dp_count(df, subject="patient", epsilon=1.0, max_rows_per_patient=1, by="nope", keys=[1])
    with pytest.raises(InvalidArgument, match="not numeric"):
        dp_mean(df, "dept", subject="patient", epsilon=1.0, lower=0, upper=1,
                max_rows_per_patient=1)  # fmt: skip
    with pytest.raises(InvalidArgument):
        dp_count(df, subject="patient", epsilon=1.0, max_rows_per_patient=1, by="dept",
                 keys="儿科")  # fmt: skip
    nulls = df.astype({"patient": object})
    nulls.loc[0, "patient"] = None
    with pytest.raises(InvalidArgument, match="subject ID"):
        dp_count_patients(nulls, subject="patient", epsilon=1.0)
    with pytest.raises(InvalidArgument, match="suppress_below"):
        dp_count(df, subject="patient", epsilon=1.0, max_rows_per_patient=1,
                 suppress_below="10")  # fmt: skip
    with pytest.raises(InvalidArgument):
        dp_count({"patient": [1, 2], "x": [1]}, subject="patient", epsilon=1.0,
                 max_rows_per_patient=1)  # fmt: skip


def test_subject_and_its_older_spelling_patient():
    """subject= names the privacy unit; patient= still works; two different names are refused."""
    df = _visits()
    a = dp_count(df, subject="patient", epsilon=1.0, max_rows_per_patient=3,
                 unsafe_random_bytes=seeded(30))  # fmt: skip
    b = dp_count(df, subject="patient", epsilon=1.0, max_rows_per_patient=3,
                 unsafe_random_bytes=seeded(30))  # fmt: skip
    assert a.value == b.value
    with pytest.raises(InvalidArgument, match="once"):
        dp_count(df.assign(p2=df["patient"]), subject="patient", patient="p2", epsilon=1.0,
                 max_rows_per_patient=3)  # fmt: skip


def _heavy_visits():
    """Visit-level data where a few patients have hundreds of visits in one department."""
    rng = np.random.default_rng(40)
    light = pd.DataFrame({"patient": rng.integers(0, 3000, 6000),
                          "dept": rng.choice(["心内科", "儿科"], 6000)})  # fmt: skip
    heavy = pd.DataFrame({"patient": np.repeat(np.arange(10_000, 10_010), 200), "dept": "透析室"})
    return pd.concat([light, heavy], ignore_index=True)


def test_release_says_how_many_rows_bounding_dropped():
    """A count whose ci95 covers the noise only reads far below the truth when bounding drops
    rows: the release reports the dropped rows per key and in total (exact, for the analyst)."""
    df = _heavy_visits()
    keys = ["心内科", "儿科", "透析室", "眼科"]
    release = dp_count(df, subject="patient", epsilon=100.0, max_rows_per_patient=5, by="dept",
                       keys=keys, unsafe_random_bytes=seeded(41))  # fmt: skip
    truth = df.groupby("dept").size().reindex(keys, fill_value=0).to_numpy()
    kept = df.assign(one=1).groupby("patient").head(5)
    per_key = release.dropped_by_group
    assert per_key["dept"].tolist() == keys
    assert release.dropped == len(df) - len(kept) == int(per_key["dropped"].sum())
    assert per_key["dropped"].iloc[2] == 10 * (200 - 5)  # the dialysis ward lost 1,950 rows
    assert per_key["dropped"].iloc[3] == 0
    # at epsilon 100 the noise is about zero: value + dropped is the true count per key
    residual = release.table["value"].to_numpy() + per_key["dropped"].to_numpy() - truth
    assert (np.abs(residual) <= release.table["ci95"].to_numpy()).all()
    assert release.table["value"].iloc[2] + release.table["ci95"].iloc[2] < truth[2] / 10
    assert "dropped" not in release.table.columns  # exact counts stay out of the published table
    assert f"dropped {release.dropped:,} rows" in release._repr_html_()


@pytest.mark.parametrize("name", sorted(ALL_RELEASES))
def test_every_release_reports_dropped_rows(name):
    """Sums, means, variances, quantiles and histograms carry the dropped count too."""
    df = _heavy_visits().assign(fee=100.0)
    release = ALL_RELEASES[name](df, subject="patient", epsilon=1.0, max_rows_per_patient=5)
    assert release.dropped == len(df) - len(df.groupby("patient").head(5))
    assert int(release.dropped_by_group["dropped"].sum()) == release.dropped
    grouped = dp_count_patients(df, subject="patient", epsilon=1.0, by="dept",
                                keys=["心内科", "儿科", "透析室"])  # fmt: skip
    pairs = df[["patient", "dept"]].drop_duplicates()
    assert grouped.dropped == len(pairs) - pairs["patient"].nunique()


def test_the_test_hook_is_named_for_its_danger():
    """The seam that replaces the CSPRNG is called unsafe_random_bytes; random_bytes is gone."""
    import inspect

    from medguard.privacy import aggregates

    for name in aggregates.__all__:
        obj = getattr(aggregates, name)
        if callable(obj) and not isinstance(obj, type):
            params = inspect.signature(obj).parameters
            assert "random_bytes" not in params
            assert "unsafe_random_bytes" in params
            assert "DANGER" in (obj.__doc__ or "")
    zeros = dp_count(_visits(), subject="patient", epsilon=1.0, max_rows_per_patient=1000,
                     unsafe_random_bytes=bytes)  # fmt: skip
    assert zeros.value == len(_visits())  # zeros: no noise at all, which is why it is unsafe
