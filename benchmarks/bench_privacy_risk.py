"""k-anonymity and l-diversity of a visits table: medguard beside pycanon, same data, same run.

A synthetic visits table with 4 quasi-identifiers (age band, sex, region, admission month), a
sensitive diagnosis column and a patient ID (about 4 visits per patient). pycanon is slow on
large tables, so both run on ``--pycanon-n`` rows (default 100,000) and medguard also on ``--n``
rows (default 1,000,000). medguard's times are the best of ``--repeat`` runs (pycanon runs once:
it takes seconds). k counted in distinct patients (``subject=``) has no pycanon counterpart.
Run: ``python benchmarks/bench_privacy_risk.py``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from pycanon import anonymity

from medguard.privacy import k_anonymity, l_diversity, risk_report

QI = ["age_band", "sex", "region", "month"]


def visits(n: int, seed: int = 1) -> pd.DataFrame:
    """A synthetic visits table with realistic cardinalities."""
    rng = np.random.default_rng(seed)
    regions = np.array([f"{c:06d}" for c in rng.integers(110000, 659999, 300)])
    return pd.DataFrame(
        {
            "age_band": rng.choice([f"{a}-{a + 4}" for a in range(0, 90, 5)], n),
            "sex": rng.choice(["男", "女"], n),
            "region": rng.choice(regions, n),
            "month": rng.choice([f"2025-{m:02d}" for m in range(1, 13)], n),
            "diagnosis": rng.choice([f"D{i:02d}" for i in range(40)], n),
            "patient_id": rng.integers(0, max(n // 4, 1), n),
        }
    )


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    """Print seconds for each metric and the speed-up over pycanon."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--pycanon-n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    small = visits(args.pycanon_n)
    big = visits(args.n)
    rep = args.repeat
    rows = []
    t_mg_k, k = _timed(lambda: k_anonymity(small, QI), rep)
    t_pc_k, k_pc = _timed(lambda: anonymity.k_anonymity(small, QI))
    assert k == k_pc
    rows.append((f"k-anonymity ({args.pycanon_n:,} rows)", t_mg_k, t_pc_k))
    t_mg_l, l_mg = _timed(lambda: l_diversity(small, QI, "diagnosis"), rep)
    t_pc_l, l_pc = _timed(lambda: anonymity.l_diversity(small, QI, ["diagnosis"]))
    assert l_mg == l_pc
    rows.append((f"l-diversity ({args.pycanon_n:,} rows)", t_mg_l, t_pc_l))
    t_subject, _ = _timed(lambda: k_anonymity(small, QI, subject="patient_id"), rep)
    t_big, _ = _timed(lambda: risk_report(big, QI, "diagnosis"), rep)
    t_big_subject, _ = _timed(lambda: risk_report(big, QI, "diagnosis", subject="patient_id"), rep)
    print("re-identification risk on 4 quasi-identifiers, one core")
    print(f"{'metric':<42} {'medguard s':>11} {'pycanon s':>10} {'speed-up':>9}")
    for label, mine, theirs in rows:
        print(f"{label:<42} {mine:>11.3f} {theirs:>10.3f} {theirs / mine:>8.0f}x")
    others = [
        (f"k in patients ({args.pycanon_n:,} rows)", t_subject),
        (f"full risk report ({args.n:,} rows)", t_big),
        (f"full risk report in patients ({args.n:,} rows)", t_big_subject),
    ]
    for label, seconds in others:
        print(f"{label:<42} {seconds:>11.3f} {'-':>10}")


if __name__ == "__main__":
    main()
