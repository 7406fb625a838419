"""Differentially private counts, sums and means, with the subject (patient) as the privacy unit.

A patient with many visits must not move a statistic more than one with a single visit, so
every aggregate first keeps at most ``max_rows_per_patient`` rows of each subject (chosen with
the operating system's CSPRNG) and clamps values to the declared ``[lower, upper]``. Bounds are
required arguments: nothing is inferred from the data, because bounds read from the data leak it.
Row and group bounds are integers (``2``, not ``1.01``: a patient's rows are whole rows, and the
noise must be sized to the rows actually kept); value bounds are finite numbers.

- :func:`dp_count`: integer count plus two-sided geometric noise (sensitivity: the row bound);
- :func:`dp_count_patients`: distinct patients (per group: each patient counts once per group,
  in at most ``max_groups_per_patient`` groups);
- :func:`dp_histogram`: counts over declared bin edges of a numeric column;
- :func:`dp_quantiles`: quantiles (median, quartiles) by the exponential mechanism over a grid
  of the declared range, robust to long runs of equal values;
- :func:`dp_variance`: from noisy count, sum and sum of squares;
- :func:`select_partitions`: which keys found in the data may be released (costs a delta);
- :func:`dp_sum`: a fixed-point sum (values rounded to ``resolution``) plus geometric noise;
- :func:`dp_mean`: a noisy sum over a noisy count, the epsilon split half and half.

The subject column is named by ``subject=`` (``patient=``, the older spelling, is a
deprecated alias: still accepted, to be removed). Each aggregate takes ``by=`` columns and the
declared list of public ``keys``: every key is released, zeros included, so the set of keys
itself leaks nothing. Keys read from the data must first pass :func:`select_partitions`
(private partition selection, which spends budget).
With a :class:`~medguard.privacy.ledger.BudgetLedger`, the spend is checked and recorded before
any noise is drawn, and every argument is validated before the spend. ``suppress_below``
blanks released values under a threshold, as health statistics offices do; it is
post-processing and costs no budget.

Each :class:`DPRelease` also says how many rows contribution bounding dropped (``dropped``,
``dropped_by_group``): its ``ci95`` covers the noise only, not that bias. Those counts are exact,
not private: they are for the analyst choosing the bound, never for publication.

DANGER: the ``unsafe_random_bytes=`` parameter replaces the OS CSPRNG for reproducible tests.
Given predictable bytes (zeros) it returns predictable, even unnoised, results. Never pass it
outside a test.
"""

from __future__ import annotations

import itertools
import math
import numbers
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.errors import InvalidArgument, MissingBound
from medguard.privacy.ledger import BudgetLedger
from medguard.privacy.mechanisms import (
    RandomBytes,
    check_epsilon,
    check_noise,
    geometric_interval,
    geometric_noise,
    uniforms,
)
from medguard.privacy.risk import as_frame

__all__ = [
    "MAX_ROW_BOUND",
    "DPRelease",
    "bound_contributions",
    "dp_count",
    "dp_count_patients",
    "dp_histogram",
    "dp_mean",
    "dp_quantiles",
    "dp_sum",
    "dp_variance",
    "select_partitions",
]

MECHANISM = "two-sided geometric (discrete Laplace)"
MAX_ROW_BOUND = 1_000_000
"""The largest ``max_rows_per_patient`` / ``max_groups_per_patient`` accepted."""
_MAX_GRID = 10_000_000
_MAX_FIXED_POINT = 2**62  # fixed-point totals stay exact in int64 below this


@dataclass(frozen=True)
class DPRelease:
    """A released statistic: a table with one row per group (or one row), and its guarantees.

    ``table`` has the group columns, ``value`` and ``ci95`` (the half-width of a 95% interval
    for the noise alone; for means an approximation). ``epsilon``/``delta`` are what the release
    cost; ``bounds`` records the contribution bounds it relied on.

    ``dropped`` is the number of rows contribution bounding dropped (over all rows, in or out
    of the keys) and ``dropped_by_group`` a DataFrame with the group columns and ``dropped``
    per public key (one row for an ungrouped release). The released value estimates the
    statistic of the *kept* rows: a count can sit far below the true one when many rows were
    dropped, whatever its ``ci95``. These counts are exact and NOT differentially private: read
    them to choose the bound, never publish them with the table.
    """

    table: Any
    epsilon: float
    delta: float
    mechanism: str
    query: str
    bounds: dict[str, Any]
    dropped: int = 0
    dropped_by_group: Any = None

    @property
    def value(self) -> float:
        """The single value of an ungrouped release."""
        if len(self.table) != 1:
            raise InvalidArgument("this release has several groups: read .table")
        return float(self.table["value"].iloc[0])

    def _repr_html_(self) -> str:
        caption = f"{self.query}: epsilon={self.epsilon:g}, {self.mechanism}"
        html: str = self.table.to_html(index=False)
        note = (
            f"<p>contribution bounding dropped {self.dropped:,} rows (exact count, not private: "
            "for choosing the bound, not for publication); ci95 covers the noise only</p>"
        )
        return f"<p>{caption}</p>{html}{note}"


def _need(value: Any, name: str) -> None:
    if value is None:
        raise MissingBound(
            f"{name} is required: declare it, medguard never infers bounds from data"
        )


def _row_bound(value: object, name: str, most: int = MAX_ROW_BOUND) -> int:
    """A declared row or group bound: a positive integer (int or numpy integer, not bool)."""
    _need(value, name)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InvalidArgument(
            f"{name} must be an integer (got {type(value).__name__}): a patient's rows are "
            "whole rows, and the noise must be sized to the rows actually kept"
        )
    bound = int(value)
    if not 1 <= bound <= most:
        raise InvalidArgument(f"{name} must be between 1 and {most:,}")
    return bound


def _finite(value: object, name: str) -> float:
    """A declared value bound: a finite real number (not bool)."""
    _need(value, name)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InvalidArgument(f"{name} must be a number (got {type(value).__name__})")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidArgument(f"{name} must be finite: declare a real bound, not inf or nan")
    return number


def _value_bounds(lower: Any, upper: Any) -> tuple[float, float]:
    low, high = _finite(lower, "lower"), _finite(upper, "upper")
    if not low < high:
        raise InvalidArgument("lower must be below upper")
    if not math.isfinite(high - low):
        raise InvalidArgument("upper - lower must be a finite number")
    return low, high


def _subject(subject: str | None, patient: str | None) -> str:
    """The subject column, named by ``subject=`` or by its older spelling ``patient=``."""
    if subject is not None and patient is not None and subject != patient:
        raise InvalidArgument("give the subject column once: subject= (or patient=), not both")
    if patient is not None:
        warnings.warn(
            "patient= is deprecated: name the subject column with subject= (same meaning)",
            DeprecationWarning,
            stacklevel=3,
        )
    name = subject if subject is not None else patient
    if name is None:
        raise InvalidArgument(
            "name the subject column (subject='patient_id'): the person is the privacy unit"
        )
    return name


def _has(df: Any, column: Any, role: str) -> None:
    if not isinstance(column, str) or column not in df.columns:
        raise InvalidArgument(f"no {role} column {column!r} in the table")


def _check_subject(df: Any, subject: str) -> None:
    _has(df, subject, "subject")
    if df[subject].isna().any():
        raise InvalidArgument("every row needs a subject ID: the subject is the privacy unit")


def _numeric(df: Any, column: str) -> Any:
    """The column as floats; missing or non-numeric values are refused, naming the column."""
    _has(df, column, "value")
    try:
        values = df[column].astype(float)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"column {column!r} is not numeric") from exc
    if values.isna().any():
        raise InvalidArgument(f"column {column!r} has missing values: fill or drop them first")
    return values


def _bound(
    df: Any, subject: str, max_rows: int, unsafe_random_bytes: RandomBytes
) -> tuple[Any, Any]:
    """``(kept, dropped)``: at most ``max_rows`` rows of each subject, chosen at random."""
    _check_subject(df, subject)
    order = np.argsort(uniforms(len(df), unsafe_random_bytes), kind="stable")
    shuffled = df.iloc[order]
    keep = shuffled.groupby(subject, sort=False).cumcount().to_numpy() < max_rows
    return shuffled[keep], shuffled[~keep]


def bound_contributions(
    df: Any,
    patient: str,
    max_rows_per_patient: int,
    *,
    unsafe_random_bytes: RandomBytes = os.urandom,
) -> Any:
    """Keep at most ``max_rows_per_patient`` rows of each subject, chosen uniformly at random.

    ``patient`` names the subject column. DANGER: ``unsafe_random_bytes`` replaces the OS
    CSPRNG; for reproducible tests only.
    """
    df = as_frame(df)
    bound = _row_bound(max_rows_per_patient, "max_rows_per_patient")
    return _bound(df, patient, bound, unsafe_random_bytes)[0]


def _groups(
    df: Any, by: Sequence[str] | str | None, keys: Sequence[Any] | None
) -> tuple[list[str], Any]:
    import pandas as pd

    if by is None:
        return [], None
    cols = [by] if isinstance(by, str) else list(by)
    if not cols:
        raise InvalidArgument("by= names at least one column")
    for col in cols:
        _has(df, col, "group")
    if keys is None:
        raise InvalidArgument(
            "grouped releases need a list of keys (keys=...): declare the public ones, or choose "
            "them from the data with select_partitions(...), which spends budget for it"
        )
    if isinstance(keys, (str, bytes)):
        raise InvalidArgument("keys is a list of public keys, not a single string")
    try:
        index = (
            pd.Index(list(keys), name=cols[0])
            if len(cols) == 1
            else pd.MultiIndex.from_tuples([tuple(k) for k in keys], names=cols)
        )
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"each key must be a tuple of {len(cols)} values") from exc
    if index.has_duplicates:
        raise InvalidArgument("the public keys contain duplicates")
    return cols, index


def _per_group(df: Any, cols: list[str], index: Any, values: Any) -> npt.NDArray[np.int64]:
    """Integer totals per public key (zeros for absent keys; rows of other keys ignored)."""
    if not cols:
        return np.array([int(values.sum())], dtype=np.int64)
    totals = values.groupby([df[c] for c in cols], sort=False).sum()
    result: npt.NDArray[np.int64] = totals.reindex(index, fill_value=0).to_numpy(dtype=np.int64)
    return result


def _ones(df: Any) -> Any:
    import pandas as pd

    return pd.Series(np.ones(len(df), dtype=np.int64), index=df.index)


def _dropped(dropped: Any, cols: list[str], index: Any) -> tuple[int, Any]:
    """``(total, per public key)`` of the rows that contribution bounding dropped."""
    import pandas as pd

    per_key = _per_group(dropped, cols, index, _ones(dropped))
    table = pd.DataFrame({"dropped": per_key})
    if cols:
        table = pd.concat([index.to_frame(index=False), table], axis=1)
    return len(dropped), table


def _release(
    cols: list[str], index: Any, values: npt.NDArray[np.floating[Any]], ci: float,
    suppress_below: float | None,
) -> Any:  # fmt: skip
    import pandas as pd

    table = pd.DataFrame({"value": values, "ci95": ci})
    if cols:
        table = pd.concat([index.to_frame(index=False), table], axis=1)
    if suppress_below is not None:
        table.loc[table["value"] < suppress_below, "value"] = float("nan")
    return table


def _threshold(suppress_below: Any) -> float | None:
    if suppress_below is None:
        return None
    return _finite(suppress_below, "suppress_below")


def _spend(ledger: BudgetLedger | None, epsilon: float, query: str, params: dict[str, Any]) -> None:
    if ledger is not None:
        ledger.spend(epsilon, query=query, parameters=params)


def dp_count(
    df: Any,
    *,
    subject: str | None = None,
    patient: str | None = None,
    epsilon: float,
    max_rows_per_patient: int,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: BudgetLedger | None = None,
    suppress_below: float | None = None,
    unsafe_random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Count rows (visits) with each subject contributing at most ``max_rows_per_patient``.

    DANGER: ``unsafe_random_bytes`` replaces the OS CSPRNG; for reproducible tests only.
    """
    df = as_frame(df)
    who = _subject(subject, patient)
    _check_subject(df, who)
    epsilon = check_epsilon(epsilon)
    max_rows = _row_bound(max_rows_per_patient, "max_rows_per_patient")
    threshold = _threshold(suppress_below)
    cols, index = _groups(df, by, keys)
    check_noise(epsilon, max_rows)
    params = {"max_rows_per_patient": max_rows, "by": cols}
    _spend(ledger, epsilon, "count", params)
    bounded, dropped = _bound(df, who, max_rows, unsafe_random_bytes)
    true = _per_group(bounded, cols, index, _ones(bounded))
    noisy = true + geometric_noise(epsilon, max_rows, true.size, unsafe_random_bytes)
    ci = geometric_interval(epsilon, max_rows)
    table = _release(cols, index, noisy.astype(np.float64), ci, threshold)
    total, per_key = _dropped(dropped, cols, index)
    return DPRelease(table, epsilon, 0.0, MECHANISM, "count", params, total, per_key)


def _fixed_point(bounded: Any, column: str, lower: float, upper: float, resolution: float) -> Any:
    values = _numeric(bounded, column)
    return (values.clip(lower, upper) / resolution).round().astype(np.int64)


@dataclass(frozen=True)
class _SumPlan:
    """A sum-like query after validation, the ledger spend and contribution bounding."""

    cols: list[str]
    index: Any
    bounded: Any
    totals: npt.NDArray[np.int64]  # fixed-point sums per group
    lower: float
    upper: float
    max_rows: int
    step: float
    sensitivity: float  # of the fixed-point sum, in grid units
    params: dict[str, Any]
    dropped: int
    dropped_by_group: Any


def _plan_sum(
    data: Any, column: str, query: str, *, subject: str | None, patient: str | None,
    epsilon: float, lower: float | None, upper: float | None, max_rows: int | None,
    resolution: float | None, by: Sequence[str] | str | None, keys: Sequence[Any] | None,
    ledger: BudgetLedger | None, unsafe_random_bytes: RandomBytes, squares: bool = False,
    splits: int = 1,
) -> _SumPlan:  # fmt: skip
    df = as_frame(data)
    who = _subject(subject, patient)
    _check_subject(df, who)
    _numeric(df, column)  # refused before anything is spent
    epsilon = check_epsilon(epsilon)
    low, high = _value_bounds(lower, upper)
    bound = _row_bound(max_rows, "max_rows_per_patient")
    step = _finite(resolution, "resolution") if resolution is not None else (high - low) / 10_000
    if not step > 0:
        raise InvalidArgument("resolution must be positive")
    cols, index = _groups(df, by, keys)
    grid_max = max(abs(low), abs(high)) / step
    if squares:
        grid_max = max(grid_max, ((high - low) / 2 / step) ** 2)
    if not grid_max * max(len(df), 1) < _MAX_FIXED_POINT:
        raise InvalidArgument(
            "resolution is too fine for these bounds and this many rows: coarsen it"
        )
    sensitivity = max(bound * max(abs(low), abs(high)) / step, 1.0)
    check_noise(epsilon / splits, sensitivity)
    check_noise(epsilon / splits, bound)
    if squares:
        check_noise(epsilon / splits, max(bound * ((high - low) / 2 / step) ** 2, 1.0))
    params = {"lower": low, "upper": high, "max_rows_per_patient": bound,
              "resolution": step, "by": cols}  # fmt: skip
    _spend(ledger, epsilon, query, params)
    bounded, dropped = _bound(df, who, bound, unsafe_random_bytes)
    totals = _per_group(bounded, cols, index, _fixed_point(bounded, column, low, high, step))
    total, per_key = _dropped(dropped, cols, index)
    return _SumPlan(cols, index, bounded, totals, low, high, bound, step, sensitivity, params,
                    total, per_key)  # fmt: skip


def dp_sum(
    df: Any,
    column: str,
    *,
    subject: str | None = None,
    patient: str | None = None,
    epsilon: float,
    lower: float | None = None,
    upper: float | None = None,
    max_rows_per_patient: int | None = None,
    resolution: float | None = None,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: BudgetLedger | None = None,
    suppress_below: float | None = None,
    unsafe_random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Sum ``column`` clamped to ``[lower, upper]`` on a fixed-point grid of ``resolution``.

    DANGER: ``unsafe_random_bytes`` replaces the OS CSPRNG; for reproducible tests only.
    """
    query = f"sum({column})"
    threshold = _threshold(suppress_below)
    plan = _plan_sum(df, column, query, subject=subject, patient=patient, epsilon=epsilon,
                     lower=lower, upper=upper, max_rows=max_rows_per_patient,
                     resolution=resolution, by=by, keys=keys, ledger=ledger,
                     unsafe_random_bytes=unsafe_random_bytes)  # fmt: skip
    eps = float(epsilon)
    noise = geometric_noise(eps, plan.sensitivity, plan.totals.size, unsafe_random_bytes)
    ci = geometric_interval(eps, plan.sensitivity) * plan.step
    table = _release(plan.cols, plan.index, (plan.totals + noise) * plan.step, ci, threshold)
    return DPRelease(table, eps, 0.0, MECHANISM, query, plan.params, plan.dropped,
                     plan.dropped_by_group)  # fmt: skip


def dp_mean(
    df: Any,
    column: str,
    *,
    subject: str | None = None,
    patient: str | None = None,
    epsilon: float,
    lower: float | None = None,
    upper: float | None = None,
    max_rows_per_patient: int | None = None,
    resolution: float | None = None,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: BudgetLedger | None = None,
    unsafe_random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Mean of ``column``: a noisy sum over a noisy count, each with half of ``epsilon``.

    The row count is not treated as public (diffprivlib's ``mean`` does). Means of groups whose
    noisy count is below 1 are released as NaN. DANGER: ``unsafe_random_bytes`` replaces the
    OS CSPRNG; for reproducible tests only.
    """
    query = f"mean({column})"
    plan = _plan_sum(df, column, query, subject=subject, patient=patient, epsilon=epsilon,
                     lower=lower, upper=upper, max_rows=max_rows_per_patient,
                     resolution=resolution, by=by, keys=keys, ledger=ledger,
                     unsafe_random_bytes=unsafe_random_bytes, splits=2)  # fmt: skip
    cols, index, bounded, max_rows = plan.cols, plan.index, plan.bounded, plan.max_rows
    sens, step = plan.sensitivity, plan.step
    eps = float(epsilon)
    half = eps / 2
    count = _per_group(bounded, cols, index, _ones(bounded)) + geometric_noise(
        half, max_rows, len(index) if cols else 1, unsafe_random_bytes
    )
    total = plan.totals
    noisy_sum = (total + geometric_noise(half, sens, total.size, unsafe_random_bytes)) * step
    safe = np.where(count >= 1, count, 1).astype(np.float64)
    mean = np.where(count >= 1, np.clip(noisy_sum / safe, plan.lower, plan.upper), np.nan)
    ci_sum = geometric_interval(half, sens) * step
    ci_count = geometric_interval(half, max_rows)
    ci = (ci_sum + np.abs(mean) * ci_count) / safe  # first-order error propagation
    table = _release(cols, index, mean, 0.0, None)
    table["ci95"] = ci
    return DPRelease(table, eps, 0.0, MECHANISM, query, plan.params, plan.dropped,
                     plan.dropped_by_group)  # fmt: skip


def dp_count_patients(
    df: Any,
    *,
    subject: str | None = None,
    patient: str | None = None,
    epsilon: float,
    max_groups_per_patient: int = 1,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: BudgetLedger | None = None,
    suppress_below: float | None = None,
    unsafe_random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Count distinct subjects (per public key), each in at most ``max_groups_per_patient`` groups.

    A subject adds at most 1 to each group and appears in at most ``max_groups_per_patient``
    groups (extra groups are dropped at random), so the L1 sensitivity is that bound. The
    release's ``dropped`` counts the (subject, group) memberships left out.
    DANGER: ``unsafe_random_bytes`` replaces the OS CSPRNG; for reproducible tests only.
    """
    df = as_frame(df)
    who = _subject(subject, patient)
    _check_subject(df, who)
    epsilon = check_epsilon(epsilon)
    max_groups = _row_bound(max_groups_per_patient, "max_groups_per_patient")
    threshold = _threshold(suppress_below)
    cols, index = _groups(df, by, keys)
    sensitivity = max_groups if cols else 1
    check_noise(epsilon, sensitivity)
    params = {"max_groups_per_patient": max_groups, "by": cols}
    _spend(ledger, epsilon, "count distinct patients", params)
    pairs = df[[who, *cols]].drop_duplicates()
    dropped = pairs.iloc[:0]
    if cols:
        pairs, dropped = _bound(pairs, who, max_groups, unsafe_random_bytes)
    true = _per_group(pairs, cols, index, _ones(pairs))
    noisy = true + geometric_noise(epsilon, sensitivity, true.size, unsafe_random_bytes)
    ci = geometric_interval(epsilon, sensitivity)
    table = _release(cols, index, noisy.astype(np.float64), ci, threshold)
    total, per_key = _dropped(dropped, cols, index)
    return DPRelease(table, epsilon, 0.0, MECHANISM, "count distinct patients", params,
                     total, per_key)  # fmt: skip


def dp_histogram(
    df: Any,
    column: str,
    *,
    edges: Sequence[float],
    subject: str | None = None,
    patient: str | None = None,
    epsilon: float,
    max_rows_per_patient: int,
    ledger: BudgetLedger | None = None,
    unsafe_random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Counts of ``column`` in the declared bins ``[edges[i], edges[i+1])`` (last bin closed).

    The edges are public (declared, never read from the data); values outside them are not
    counted. Every bin is released, empty ones too. DANGER: ``unsafe_random_bytes`` replaces
    the OS CSPRNG; for reproducible tests only.
    """
    df = as_frame(df)
    who = _subject(subject, patient)
    _check_subject(df, who)
    try:
        bins = np.asarray(edges, dtype=float)
    except (TypeError, ValueError) as exc:
        raise MissingBound("edges must be at least two increasing, declared numbers") from exc
    if bins.ndim != 1 or bins.size < 2 or not (np.diff(bins) > 0).all():
        raise MissingBound("edges must be at least two increasing, declared numbers")
    if not np.isfinite(bins).all():
        raise InvalidArgument("edges must be finite: declare real bounds, not inf or nan")
    labels = [f"[{a:g}, {b:g})" for a, b in itertools.pairwise(bins.tolist())]
    labels[-1] = labels[-1][:-1] + "]"
    if len(set(labels)) != len(labels):
        raise InvalidArgument("edges too close to tell the bins apart in their labels")
    _has(df, column, "value")
    try:
        values = df[column].astype(float).to_numpy()
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"column {column!r} is not numeric") from exc
    position = np.searchsorted(bins, values, side="right") - 1
    position[values == bins[-1]] = bins.size - 2
    inside = (position >= 0) & (position < bins.size - 1)
    binned = df.loc[inside, [who]].assign(bin=np.array(labels, dtype=object)[position[inside]])
    release = dp_count(binned, subject=who, epsilon=epsilon,
                       max_rows_per_patient=max_rows_per_patient, by="bin", keys=labels,
                       ledger=ledger, unsafe_random_bytes=unsafe_random_bytes)  # fmt: skip
    return DPRelease(release.table, release.epsilon, 0.0, MECHANISM, f"histogram({column})",
                     {**release.bounds, "edges": bins.tolist()}, release.dropped,
                     release.dropped_by_group)  # fmt: skip


def dp_quantiles(
    df: Any,
    column: str,
    quantiles: Sequence[float],
    *,
    subject: str | None = None,
    patient: str | None = None,
    epsilon: float,
    lower: float | None = None,
    upper: float | None = None,
    max_rows_per_patient: int | None = None,
    grid: int = 1000,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: BudgetLedger | None = None,
    unsafe_random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Quantiles of ``column`` (per group with ``by``/``keys``) by the exponential mechanism.

    ``epsilon`` is split evenly over the quantiles.

    Candidates are ``grid + 1`` evenly spaced points of ``[lower, upper]`` (both finite); a
    candidate's utility is minus the distance between the target rank and the range of ranks
    the candidate spans (zero inside a run of equal values), whose sensitivity is the row
    bound. Sampling uses the Gumbel-max trick on CSPRNG uniforms; long runs of equal values
    need no special case. ``ci95`` holds the 95% bound on the rank error, in rows. With
    ``by``/``keys`` each group runs at the full epsilon: one patient's bounded rows move all
    groups' ranks by at most the row bound in total. DANGER: ``unsafe_random_bytes`` replaces
    the OS CSPRNG; for reproducible tests only.
    """
    df = as_frame(df)
    who = _subject(subject, patient)
    _check_subject(df, who)
    _numeric(df, column)  # refused before anything is spent
    epsilon = check_epsilon(epsilon)
    low, high = _value_bounds(lower, upper)
    max_rows = _row_bound(max_rows_per_patient, "max_rows_per_patient")
    if isinstance(quantiles, (str, bytes)):
        raise InvalidArgument("quantiles are numbers in [0, 1]")
    try:
        qs = [float(q) for q in quantiles]
    except (TypeError, ValueError) as exc:
        raise InvalidArgument("quantiles are numbers in [0, 1]") from exc
    if not qs or not all(0 <= q <= 1 for q in qs):
        raise InvalidArgument("quantiles are numbers in [0, 1]")
    grid = _row_bound(grid, "grid", _MAX_GRID)
    if grid < 2:
        raise InvalidArgument(f"grid must be between 2 and {_MAX_GRID:,}")
    eps_each = epsilon / len(qs)
    sensitivity = float(max_rows)
    check_noise(eps_each, sensitivity)  # the same scale bound as the other releases
    params = {"lower": low, "upper": high, "max_rows_per_patient": max_rows,
              "grid": grid, "quantiles": qs, "by": by}  # fmt: skip
    query = f"quantiles({column})"
    cols, index = _groups(df, by, keys)  # validate before spending
    _spend(ledger, epsilon, query, params)
    import pandas as pd

    bounded, dropped = _bound(df, who, max_rows, unsafe_random_bytes)
    values_all = _numeric(bounded, column)
    candidates = np.linspace(low, high, grid + 1)
    # One patient's (at most max_rows_per_patient) rows move the ranks of all groups together by
    # at most that bound, so each group's mechanism runs at the full per-quantile epsilon.
    if cols:
        parts = dict(iter(values_all.groupby([bounded[c] for c in cols], sort=False)))
        empty = pd.Series(dtype=float)  # grouping by a list gives tuple keys, even for one column
        slices = [parts.get(k if len(cols) > 1 else (k,), empty) for k in index]
    else:
        slices = [values_all]
    rows = []
    for key, part in zip(index if cols else [None], slices, strict=True):
        values = np.sort(part.clip(low, high).to_numpy())
        below = np.searchsorted(values, candidates, side="left").astype(np.float64)
        upto = np.searchsorted(values, candidates, side="right").astype(np.float64)
        for q in qs:
            # distance from the target rank to the ranks the candidate spans (0 inside a run of
            # equal values); one patient moves both counts by at most the row bound
            target = q * values.size
            utility = -np.maximum(np.maximum(below - target, target - upto), 0.0)
            gumbel = -np.log(-np.log(uniforms(candidates.size, unsafe_random_bytes)))
            pick = int(np.argmax(eps_each * utility / (2 * sensitivity) + gumbel))
            rows.append({**_key_columns(cols, key), "quantile": q, "value": candidates[pick]})
    # P(utility loss > t) <= (grid + 1) * exp(-eps t / (2 sensitivity)) = 0.05
    rank_error = 2 * sensitivity * math.log((grid + 1) / 0.05) / eps_each
    table = pd.DataFrame(rows).assign(ci95=rank_error)
    total, per_key = _dropped(dropped, cols, index)
    return DPRelease(table, epsilon, 0.0, "exponential mechanism (Gumbel-max)", query, params,
                     total, per_key)  # fmt: skip


def _key_columns(cols: list[str], key: Any) -> dict[str, Any]:
    if not cols:
        return {}
    values = key if len(cols) > 1 else (key,)
    return dict(zip(cols, values, strict=True))


def dp_variance(
    df: Any,
    column: str,
    *,
    subject: str | None = None,
    patient: str | None = None,
    epsilon: float,
    lower: float | None = None,
    upper: float | None = None,
    max_rows_per_patient: int | None = None,
    resolution: float | None = None,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: BudgetLedger | None = None,
    unsafe_random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Variance of ``column`` from noisy count, sum and sum of squares (a third of epsilon each).

    Values are centred on the middle of ``[lower, upper]`` before squaring, which halves the
    sensitivity; the result is clamped to ``[0, ((upper - lower) / 2)**2]``. ``ci95`` is a
    first-order (delta-method) approximation. DANGER: ``unsafe_random_bytes`` replaces the OS
    CSPRNG; for reproducible tests only.
    """
    query = f"variance({column})"
    plan = _plan_sum(df, column, query, subject=subject, patient=patient, epsilon=epsilon,
                     lower=lower, upper=upper, max_rows=max_rows_per_patient,
                     resolution=resolution, by=by, keys=keys, ledger=ledger,
                     unsafe_random_bytes=unsafe_random_bytes, squares=True,
                     splits=3)  # fmt: skip
    rb = unsafe_random_bytes
    third = float(epsilon) / 3
    half_range = (plan.upper - plan.lower) / 2
    centre = plan.lower + half_range
    step = plan.step
    centred = (plan.bounded[column].astype(float).clip(plan.lower, plan.upper) - centre) / step
    linear = centred.round().astype(np.int64)
    squares = linear * linear
    k = plan.max_rows
    sens_linear = max(k * half_range / step, 1.0)
    sens_square = max(k * (half_range / step) ** 2, 1.0)
    ones = _ones(plan.bounded)
    size = len(plan.index) if plan.cols else 1
    n = _per_group(plan.bounded, plan.cols, plan.index, ones) + geometric_noise(third, k, size, rb)
    s1 = _per_group(plan.bounded, plan.cols, plan.index, linear) + geometric_noise(
        third, sens_linear, size, rb
    )
    s2 = _per_group(plan.bounded, plan.cols, plan.index, squares) + geometric_noise(
        third, sens_square, size, rb
    )
    safe = np.where(n >= 2, n, 2).astype(np.float64)
    mean_c = s1 / safe
    variance = np.clip((s2 / safe - mean_c**2) * step**2, 0.0, half_range**2)
    variance = np.where(n >= 2, variance, np.nan)
    ci_n = geometric_interval(third, k)
    ci_s1 = geometric_interval(third, sens_linear)
    ci_s2 = geometric_interval(third, sens_square)
    ci = (ci_s2 + 2 * np.abs(mean_c) * ci_s1 + np.abs(s2 / safe) * ci_n) / safe * step**2
    table = _release(plan.cols, plan.index, variance, 0.0, None)
    table["ci95"] = ci
    return DPRelease(table, float(epsilon), 0.0, MECHANISM, query, plan.params, plan.dropped,
                     plan.dropped_by_group)  # fmt: skip


def select_partitions(
    df: Any,
    by: Sequence[str] | str,
    *,
    subject: str | None = None,
    patient: str | None = None,
    epsilon: float,
    delta: float,
    max_groups_per_patient: int = 1,
    ledger: BudgetLedger | None = None,
    unsafe_random_bytes: RandomBytes = os.urandom,
) -> list[Any]:
    """Choose which group keys found in the data may be released (private partition selection).

    Each subject is kept in at most ``max_groups_per_patient`` groups; each group's count of
    distinct subjects gets geometric noise with ``epsilon / max_groups_per_patient`` and is
    released only above ``1 + (m / epsilon) * ln(m / (2 * delta))``, so a key seen by only a few
    patients stays hidden. The selection costs ``(epsilon, delta)``, recorded in the ledger;
    pass the returned keys as ``keys=`` to the aggregates, which spend their own budget.
    DANGER: ``unsafe_random_bytes`` replaces the OS CSPRNG; for reproducible tests only.
    """
    df = as_frame(df)
    who = _subject(subject, patient)
    _check_subject(df, who)
    cols = [by] if isinstance(by, str) else list(by)
    if not cols:
        raise InvalidArgument("by= names at least one column")
    for col in cols:
        _has(df, col, "group")
    m = _row_bound(max_groups_per_patient, "max_groups_per_patient")
    epsilon = check_epsilon(epsilon)
    delta = _finite(delta, "delta")
    if not 1e-100 <= delta < 1:
        raise InvalidArgument("partition selection needs a delta in [1e-100, 1)")
    check_noise(epsilon / m, 1.0)
    threshold = 1 + (m / epsilon) * math.log(m / (2 * delta))
    if ledger is not None:
        ledger.spend(epsilon, delta, query="select partitions",
                     parameters={"by": cols, "max_groups_per_patient": m})  # fmt: skip
    pairs = df[[who, *cols]].drop_duplicates()
    pairs = _bound(pairs, who, m, unsafe_random_bytes)[0]
    counts = pairs.groupby(cols, sort=True).size()
    noisy = counts.to_numpy() + geometric_noise(epsilon / m, 1.0, len(counts), unsafe_random_bytes)
    return [key for key, value in zip(counts.index, noisy, strict=True) if value >= threshold]
