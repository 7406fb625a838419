"""Differentially private counts, sums and means, with the patient as the privacy unit.

A patient with many visits must not move a statistic more than one with a single visit, so
every aggregate first keeps at most ``max_rows_per_patient`` rows of each patient (chosen with
the operating system's CSPRNG) and clamps values to the declared ``[lower, upper]``. Bounds are
required arguments: nothing is inferred from the data, because bounds read from the data leak it.

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

Each takes ``by=`` columns and the declared list of public ``keys``: every key is released,
zeros included, so the set of keys itself leaks nothing. Keys read from the data must first
pass :func:`select_partitions` (private partition selection, which spends budget). With a
:class:`~medguard.privacy.ledger.BudgetLedger`, the spend is checked and recorded before any
noise is drawn. ``suppress_below`` blanks released values under a threshold, as health
statistics offices do; it is post-processing and costs no budget.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.errors import InvalidArgument, MissingBound
from medguard.privacy.ledger import BudgetLedger
from medguard.privacy.mechanisms import RandomBytes, geometric_interval, geometric_noise, uniforms

__all__ = [
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


@dataclass(frozen=True)
class DPRelease:
    """A released statistic: a table with one row per group (or one row), and its guarantees.

    ``table`` has the group columns, ``value`` and ``ci95`` (the half-width of a 95% interval
    for the noise alone; for means an approximation). ``epsilon``/``delta`` are what the release
    cost; ``bounds`` records the contribution bounds it relied on.
    """

    table: Any
    epsilon: float
    delta: float
    mechanism: str
    query: str
    bounds: dict[str, Any]

    @property
    def value(self) -> float:
        """The single value of an ungrouped release."""
        if len(self.table) != 1:
            raise InvalidArgument("this release has several groups: read .table")
        return float(self.table["value"].iloc[0])

    def _repr_html_(self) -> str:
        caption = f"{self.query}: epsilon={self.epsilon:g}, {self.mechanism}"
        html: str = self.table.to_html(index=False)
        return f"<p>{caption}</p>{html}"


def _need(value: Any, name: str) -> None:
    if value is None:
        raise MissingBound(
            f"{name} is required: declare it, medguard never infers bounds from data"
        )


def _frame(data: Any) -> Any:
    """Accept a pandas DataFrame or a mapping of equal-length columns (numpy arrays, lists)."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, dict):
        return pd.DataFrame(data)
    raise InvalidArgument("expected a pandas DataFrame or a dict of columns (numpy arrays, lists)")


def bound_contributions(
    df: Any, patient: str, max_rows_per_patient: int, *, random_bytes: RandomBytes = os.urandom
) -> Any:
    """Keep at most ``max_rows_per_patient`` rows of each patient, chosen uniformly at random."""
    df = _frame(df)
    _need(max_rows_per_patient, "max_rows_per_patient")
    if max_rows_per_patient < 1:
        raise InvalidArgument("max_rows_per_patient must be at least 1")
    if patient not in df.columns:
        raise InvalidArgument(f"no patient column {patient!r} in the table")
    if df[patient].isna().any():
        raise InvalidArgument("every row needs a patient ID: the patient is the privacy unit")
    order = np.argsort(uniforms(len(df), random_bytes), kind="stable")
    shuffled = df.iloc[order]
    rank = shuffled.groupby(patient, sort=False).cumcount().to_numpy()
    return shuffled[rank < max_rows_per_patient]


def _groups(
    df: Any, by: Sequence[str] | str | None, keys: Sequence[Any] | None
) -> tuple[list[str], Any]:
    import pandas as pd

    if by is None:
        return [], None
    cols = [by] if isinstance(by, str) else list(by)
    if keys is None:
        raise InvalidArgument(
            "grouped releases need a list of keys (keys=...): declare the public ones, or choose "
            "them from the data with select_partitions(...), which spends budget for it"
        )
    index = (
        pd.Index(list(keys), name=cols[0])
        if len(cols) == 1
        else pd.MultiIndex.from_tuples([tuple(k) for k in keys], names=cols)
    )
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


def _spend(ledger: BudgetLedger | None, epsilon: float, query: str, params: dict[str, Any]) -> None:
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise InvalidArgument("epsilon must be a positive finite number")
    if ledger is not None:
        ledger.spend(epsilon, query=query, parameters=params)


def dp_count(
    df: Any,
    *,
    patient: str,
    epsilon: float,
    max_rows_per_patient: int,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: BudgetLedger | None = None,
    suppress_below: float | None = None,
    random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Count rows (visits) with each patient contributing at most ``max_rows_per_patient``."""
    df = _frame(df)
    _need(max_rows_per_patient, "max_rows_per_patient")
    cols, index = _groups(df, by, keys)
    params = {"max_rows_per_patient": max_rows_per_patient, "by": cols}
    _spend(ledger, epsilon, "count", params)
    bounded = bound_contributions(df, patient, max_rows_per_patient, random_bytes=random_bytes)
    import pandas as pd

    ones = pd.Series(np.ones(len(bounded), dtype=np.int64), index=bounded.index)
    true = _per_group(bounded, cols, index, ones)
    noisy = true + geometric_noise(epsilon, max_rows_per_patient, true.size, random_bytes)
    ci = geometric_interval(epsilon, max_rows_per_patient)
    table = _release(cols, index, noisy.astype(np.float64), ci, suppress_below)
    return DPRelease(table, epsilon, 0.0, MECHANISM, "count", params)


def _fixed_point(bounded: Any, column: str, lower: float, upper: float, resolution: float) -> Any:
    values = bounded[column].astype(float)
    if values.isna().any():
        raise InvalidArgument(f"column {column!r} has missing values: fill or drop them first")
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


def _plan_sum(
    data: Any, column: str, query: str, *, patient: str, epsilon: float, lower: float | None,
    upper: float | None, max_rows: int | None, resolution: float | None,
    by: Sequence[str] | str | None, keys: Sequence[Any] | None, ledger: BudgetLedger | None,
    random_bytes: RandomBytes,
) -> _SumPlan:  # fmt: skip
    df = _frame(data)
    _need(lower, "lower")
    _need(upper, "upper")
    _need(max_rows, "max_rows_per_patient")
    if lower is None or upper is None or max_rows is None:  # pragma: no cover - _need raised
        raise MissingBound("bounds are required")
    if not lower < upper:
        raise InvalidArgument("lower must be below upper")
    step = resolution if resolution is not None else (upper - lower) / 10_000
    if not step > 0:
        raise InvalidArgument("resolution must be positive")
    cols, index = _groups(df, by, keys)
    params = {"lower": lower, "upper": upper, "max_rows_per_patient": max_rows,
              "resolution": step, "by": cols}  # fmt: skip
    _spend(ledger, epsilon, query, params)
    bounded = bound_contributions(df, patient, max_rows, random_bytes=random_bytes)
    totals = _per_group(bounded, cols, index, _fixed_point(bounded, column, lower, upper, step))
    sensitivity = max(max_rows * max(abs(lower), abs(upper)) / step, 1.0)
    return _SumPlan(cols, index, bounded, totals, lower, upper, max_rows, step, sensitivity, params)


def dp_sum(
    df: Any,
    column: str,
    *,
    patient: str,
    epsilon: float,
    lower: float | None = None,
    upper: float | None = None,
    max_rows_per_patient: int | None = None,
    resolution: float | None = None,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: BudgetLedger | None = None,
    suppress_below: float | None = None,
    random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Sum ``column`` clamped to ``[lower, upper]`` on a fixed-point grid of ``resolution``."""
    query = f"sum({column})"
    plan = _plan_sum(df, column, query, patient=patient, epsilon=epsilon, lower=lower,
                     upper=upper, max_rows=max_rows_per_patient, resolution=resolution, by=by,
                     keys=keys, ledger=ledger, random_bytes=random_bytes)  # fmt: skip
    noise = geometric_noise(epsilon, plan.sensitivity, plan.totals.size, random_bytes)
    ci = geometric_interval(epsilon, plan.sensitivity) * plan.step
    table = _release(plan.cols, plan.index, (plan.totals + noise) * plan.step, ci, suppress_below)
    return DPRelease(table, epsilon, 0.0, MECHANISM, query, plan.params)


def dp_mean(
    df: Any,
    column: str,
    *,
    patient: str,
    epsilon: float,
    lower: float | None = None,
    upper: float | None = None,
    max_rows_per_patient: int | None = None,
    resolution: float | None = None,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: BudgetLedger | None = None,
    random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Mean of ``column``: a noisy sum over a noisy count, each with half of ``epsilon``.

    The row count is not treated as public (diffprivlib's ``mean`` does). Means of groups whose
    noisy count is below 1 are released as NaN.
    """
    import pandas as pd

    query = f"mean({column})"
    plan = _plan_sum(df, column, query, patient=patient, epsilon=epsilon, lower=lower,
                     upper=upper, max_rows=max_rows_per_patient, resolution=resolution, by=by,
                     keys=keys, ledger=ledger, random_bytes=random_bytes)  # fmt: skip
    cols, index, bounded, max_rows = plan.cols, plan.index, plan.bounded, plan.max_rows
    sens, step = plan.sensitivity, plan.step
    half = epsilon / 2
    ones = pd.Series(np.ones(len(bounded), dtype=np.int64), index=bounded.index)
    count = _per_group(bounded, cols, index, ones) + geometric_noise(
        half, max_rows, len(index) if cols else 1, random_bytes
    )
    total = plan.totals
    noisy_sum = (total + geometric_noise(half, sens, total.size, random_bytes)) * step
    safe = np.where(count >= 1, count, 1).astype(np.float64)
    mean = np.where(count >= 1, np.clip(noisy_sum / safe, plan.lower, plan.upper), np.nan)
    ci_sum = geometric_interval(half, sens) * step
    ci_count = geometric_interval(half, max_rows)
    ci = (ci_sum + np.abs(mean) * ci_count) / safe  # first-order error propagation
    table = _release(cols, index, mean, 0.0, None)
    table["ci95"] = ci
    return DPRelease(table, epsilon, 0.0, MECHANISM, query, plan.params)


def dp_count_patients(
    df: Any,
    *,
    patient: str,
    epsilon: float,
    max_groups_per_patient: int = 1,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: BudgetLedger | None = None,
    suppress_below: float | None = None,
    random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Count distinct patients (per public key), each in at most ``max_groups_per_patient`` groups.

    A patient adds at most 1 to each group and appears in at most ``max_groups_per_patient``
    groups (extra groups are dropped at random), so the L1 sensitivity is that bound.
    """
    df = _frame(df)
    _need(max_groups_per_patient, "max_groups_per_patient")
    if max_groups_per_patient < 1:
        raise InvalidArgument("max_groups_per_patient must be at least 1")
    cols, index = _groups(df, by, keys)
    params = {"max_groups_per_patient": max_groups_per_patient, "by": cols}
    _spend(ledger, epsilon, "count distinct patients", params)
    import pandas as pd

    pairs = df[[patient, *cols]].drop_duplicates()
    if cols:
        pairs = bound_contributions(
            pairs, patient, max_groups_per_patient, random_bytes=random_bytes
        )
    ones = pd.Series(np.ones(len(pairs), dtype=np.int64), index=pairs.index)
    true = _per_group(pairs, cols, index, ones)
    sensitivity = max_groups_per_patient if cols else 1
    noisy = true + geometric_noise(epsilon, sensitivity, true.size, random_bytes)
    ci = geometric_interval(epsilon, sensitivity)
    table = _release(cols, index, noisy.astype(np.float64), ci, suppress_below)
    return DPRelease(table, epsilon, 0.0, MECHANISM, "count distinct patients", params)


def dp_histogram(
    df: Any,
    column: str,
    *,
    edges: Sequence[float],
    patient: str,
    epsilon: float,
    max_rows_per_patient: int,
    ledger: BudgetLedger | None = None,
    random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Counts of ``column`` in the declared bins ``[edges[i], edges[i+1])`` (last bin closed).

    The edges are public (declared, never read from the data); values outside them are not
    counted. Every bin is released, empty ones too.
    """
    df = _frame(df)
    bins = np.asarray(edges, dtype=float)
    if bins.ndim != 1 or bins.size < 2 or not (np.diff(bins) > 0).all():
        raise MissingBound("edges must be at least two increasing, declared numbers")
    labels = [f"[{a:g}, {b:g})" for a, b in itertools.pairwise(bins.tolist())]
    labels[-1] = labels[-1][:-1] + "]"
    values = df[column].astype(float).to_numpy()
    position = np.searchsorted(bins, values, side="right") - 1
    position[values == bins[-1]] = bins.size - 2
    inside = (position >= 0) & (position < bins.size - 1)
    binned = df.loc[inside, [patient]].assign(bin=np.array(labels, dtype=object)[position[inside]])
    release = dp_count(binned, patient=patient, epsilon=epsilon,
                       max_rows_per_patient=max_rows_per_patient, by="bin", keys=labels,
                       ledger=ledger, random_bytes=random_bytes)  # fmt: skip
    return DPRelease(release.table, epsilon, 0.0, MECHANISM, f"histogram({column})",
                     {**release.bounds, "edges": bins.tolist()})  # fmt: skip


def dp_quantiles(
    df: Any,
    column: str,
    quantiles: Sequence[float],
    *,
    patient: str,
    epsilon: float,
    lower: float | None = None,
    upper: float | None = None,
    max_rows_per_patient: int | None = None,
    grid: int = 1000,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: BudgetLedger | None = None,
    random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Quantiles of ``column`` (per group with ``by``/``keys``) by the exponential mechanism.

    ``epsilon`` is split evenly over the quantiles.

    Candidates are ``grid + 1`` evenly spaced points of ``[lower, upper]``; a candidate's
    utility is minus the distance between the target rank and the range of ranks the candidate
    spans (zero inside a run of equal values), whose sensitivity is the row bound. Sampling
    uses the Gumbel-max trick on CSPRNG uniforms; long runs of equal values need no special
    case. ``ci95`` holds the 95% bound on the rank error, in rows. With ``by``/``keys`` each
    group runs at the full epsilon: one patient's bounded rows move all groups' ranks by at
    most the row bound in total.
    """
    df = _frame(df)
    _need(lower, "lower")
    _need(upper, "upper")
    _need(max_rows_per_patient, "max_rows_per_patient")
    if lower is None or upper is None or max_rows_per_patient is None:  # pragma: no cover
        raise MissingBound("bounds are required")
    qs = [float(q) for q in quantiles]
    if not qs or not all(0 <= q <= 1 for q in qs):
        raise InvalidArgument("quantiles are numbers in [0, 1]")
    if not lower < upper or grid < 2:
        raise InvalidArgument("lower must be below upper and grid at least 2")
    params = {"lower": lower, "upper": upper, "max_rows_per_patient": max_rows_per_patient,
              "grid": grid, "quantiles": qs, "by": by}  # fmt: skip
    query = f"quantiles({column})"
    _groups(df, by, keys)  # validate before spending
    _spend(ledger, epsilon, query, params)
    import pandas as pd

    bounded = bound_contributions(df, patient, max_rows_per_patient, random_bytes=random_bytes)
    values_all = bounded[column].astype(float)
    if values_all.isna().any():
        raise InvalidArgument(f"column {column!r} has missing values: fill or drop them first")
    candidates = np.linspace(lower, upper, grid + 1)
    eps_each = epsilon / len(qs)
    sensitivity = float(max_rows_per_patient)
    cols, index = _groups(df, by, keys)
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
        values = np.sort(part.clip(lower, upper).to_numpy())
        below = np.searchsorted(values, candidates, side="left").astype(np.float64)
        upto = np.searchsorted(values, candidates, side="right").astype(np.float64)
        for q in qs:
            # distance from the target rank to the ranks the candidate spans (0 inside a run of
            # equal values); one patient moves both counts by at most the row bound
            target = q * values.size
            utility = -np.maximum(np.maximum(below - target, target - upto), 0.0)
            gumbel = -np.log(-np.log(uniforms(candidates.size, random_bytes)))
            pick = int(np.argmax(eps_each * utility / (2 * sensitivity) + gumbel))
            rows.append({**_key_columns(cols, key), "quantile": q, "value": candidates[pick]})
    # P(utility loss > t) <= (grid + 1) * exp(-eps t / (2 sensitivity)) = 0.05
    rank_error = 2 * sensitivity * math.log((grid + 1) / 0.05) / eps_each
    table = pd.DataFrame(rows).assign(ci95=rank_error)
    return DPRelease(table, epsilon, 0.0, "exponential mechanism (Gumbel-max)", query, params)


def _key_columns(cols: list[str], key: Any) -> dict[str, Any]:
    if not cols:
        return {}
    values = key if len(cols) > 1 else (key,)
    return dict(zip(cols, values, strict=True))


def dp_variance(
    df: Any,
    column: str,
    *,
    patient: str,
    epsilon: float,
    lower: float | None = None,
    upper: float | None = None,
    max_rows_per_patient: int | None = None,
    resolution: float | None = None,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: BudgetLedger | None = None,
    random_bytes: RandomBytes = os.urandom,
) -> DPRelease:
    """Variance of ``column`` from noisy count, sum and sum of squares (a third of epsilon each).

    Values are centred on the middle of ``[lower, upper]`` before squaring, which halves the
    sensitivity; the result is clamped to ``[0, ((upper - lower) / 2)**2]``. ``ci95`` is a
    first-order (delta-method) approximation.
    """
    import pandas as pd

    query = f"variance({column})"
    plan = _plan_sum(df, column, query, patient=patient, epsilon=epsilon, lower=lower,
                     upper=upper, max_rows=max_rows_per_patient, resolution=resolution, by=by,
                     keys=keys, ledger=ledger, random_bytes=random_bytes)  # fmt: skip
    third = epsilon / 3
    half_range = (plan.upper - plan.lower) / 2
    centre = plan.lower + half_range
    step = plan.step
    centred = (plan.bounded[column].astype(float).clip(plan.lower, plan.upper) - centre) / step
    linear = centred.round().astype(np.int64)
    squares = linear * linear
    k = plan.max_rows
    sens_linear = max(k * half_range / step, 1.0)
    sens_square = max(k * (half_range / step) ** 2, 1.0)
    ones = pd.Series(np.ones(len(plan.bounded), dtype=np.int64), index=plan.bounded.index)
    size = len(plan.index) if plan.cols else 1
    n = _per_group(plan.bounded, plan.cols, plan.index, ones) + geometric_noise(
        third, k, size, random_bytes
    )
    s1 = _per_group(plan.bounded, plan.cols, plan.index, linear) + geometric_noise(
        third, sens_linear, size, random_bytes
    )
    s2 = _per_group(plan.bounded, plan.cols, plan.index, squares) + geometric_noise(
        third, sens_square, size, random_bytes
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
    return DPRelease(table, epsilon, 0.0, MECHANISM, query, plan.params)


def select_partitions(
    df: Any,
    by: Sequence[str] | str,
    *,
    patient: str,
    epsilon: float,
    delta: float,
    max_groups_per_patient: int = 1,
    ledger: BudgetLedger | None = None,
    random_bytes: RandomBytes = os.urandom,
) -> list[Any]:
    """Choose which group keys found in the data may be released (private partition selection).

    Each patient is kept in at most ``max_groups_per_patient`` groups; each group's count of
    distinct patients gets geometric noise with ``epsilon / max_groups_per_patient`` and is
    released only above ``1 + (m / epsilon) * ln(m / (2 * delta))``, so a key seen by only a few
    patients stays hidden. The selection costs ``(epsilon, delta)``, recorded in the ledger;
    pass the returned keys as ``keys=`` to the aggregates, which spend their own budget.
    """
    df = _frame(df)
    cols = [by] if isinstance(by, str) else list(by)
    m = max_groups_per_patient
    if m < 1:
        raise InvalidArgument("max_groups_per_patient must be at least 1")
    if not 0 < delta < 1:
        raise InvalidArgument("partition selection needs a delta in (0, 1)")
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise InvalidArgument("epsilon must be a positive finite number")
    if ledger is not None:
        ledger.spend(epsilon, delta, query="select partitions",
                     parameters={"by": cols, "max_groups_per_patient": m})  # fmt: skip
    pairs = df[[patient, *cols]].drop_duplicates()
    pairs = bound_contributions(pairs, patient, m, random_bytes=random_bytes)
    counts = pairs.groupby(cols, sort=True).size()
    noisy = counts.to_numpy() + geometric_noise(epsilon / m, 1.0, len(counts), random_bytes)
    threshold = 1 + (m / epsilon) * math.log(m / (2 * delta))
    return [key for key, value in zip(counts.index, noisy, strict=True) if value >= threshold]
