"""k-anonymity and l-diversity of a visits table: medguard beside pycanon, same data, same run.

A synthetic visits table with 4 quasi-identifiers (age band, sex, region, admission month) and a
sensitive diagnosis column. pycanon is slow on large tables, so both run on ``--pycanon-n``
rows (default 100,000) and medguard also on ``--n`` rows (default 1,000,000).
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
        }
    )


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    """Print seconds for each metric and the speed-up over pycanon."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--pycanon-n", type=int, default=100_000)
    args = parser.parse_args()
    small = visits(args.pycanon_n)
    big = visits(args.n)
    rows = []
    t_mg_k, k = _timed(lambda: k_anonymity(small, QI))
    t_pc_k, k_pc = _timed(lambda: anonymity.k_anonymity(small, QI))
    assert k == k_pc
    rows.append((f"k-anonymity ({args.pycanon_n:,} rows)", t_mg_k, t_pc_k))
    t_mg_l, l_mg = _timed(lambda: l_diversity(small, QI, "diagnosis"))
    t_pc_l, l_pc = _timed(lambda: anonymity.l_diversity(small, QI, ["diagnosis"]))
    assert l_mg == l_pc
    rows.append((f"l-diversity ({args.pycanon_n:,} rows)", t_mg_l, t_pc_l))
    t_big, _ = _timed(lambda: risk_report(big, QI, "diagnosis"))
    print("re-identification risk on 4 quasi-identifiers, one core")
    print(f"{'metric':<34} {'medguard s':>11} {'pycanon s':>10} {'speed-up':>9}")
    for label, mine, theirs in rows:
        print(f"{label:<34} {mine:>11.3f} {theirs:>10.3f} {theirs / mine:>8.0f}x")
    print(f"{'full risk report (' + format(args.n, ',') + ' rows)':<34} {t_big:>11.3f} {'-':>10}")


if __name__ == "__main__":
    main()
