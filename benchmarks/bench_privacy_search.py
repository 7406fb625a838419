"""Generalization search on a visits table: medguard beside a brute force and its peers.

A synthetic table of ``--n`` visits (default 200,000) by about ``n / 4`` patients, 4
quasi-identifiers: age (per patient), sex, region (half resident-ID-shaped strings, half Chinese
addresses, resolved through GB/T 2260) and visit date; k = 5 counted in patients, at most 5 %
of the rows suppressed. Printed: the time of the search (encoding included), nodes evaluated,
lattice size, the choice; then a brute force evaluating every node of the same lattice with the
same per-node code (same run), which must find the same minimal nodes.

Peers, where installed (pip install anonypy): anonypy (Mondrian, local recoding) runs on
``--peer-n`` rows: it has no hierarchies, no suppression budget and no notion of a patient (k in
rows); pycanon only measures k (in rows) of the released table, it does not search.
Run: ``python benchmarks/bench_privacy_search.py``.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from typing import Any

import numpy as np
import pandas as pd

from medguard.cn import address, regions
from medguard.cn.region_lookup import _lookup
from medguard.privacy import Hierarchy, k_anonymity, search_generalization
from medguard.privacy.search import Lattice

QI = ["age", "sex", "region", "visit"]


def visits(n: int, seed: int = 1) -> pd.DataFrame:
    """Visits by about n / 4 patients living in 40 districts of 3 provinces (skewed)."""
    rng = np.random.default_rng(seed)
    counties = [str(c) for c in regions.CURRENT_COUNTY_CODES if str(c)[:2] in ("44", "11", "50")]
    places = rng.choice(counties, 40, replace=False)
    weights = rng.zipf(1.6, 40).astype(float)
    patients = max(n // 4, 1)
    home = rng.choice(places, patients, p=weights / weights.sum())
    gen = random.Random(seed)
    by_id = rng.random(patients) < 0.5
    region = np.empty(patients, dtype=object)
    digits = rng.integers(10**11, 10**12, patients)
    for i in range(patients):  # an ID-shaped string or an address in the patient's district
        if by_id[i]:
            region[i] = f"{home[i]}{digits[i]}"
        else:
            text = address.generate(gen, province=home[i][:2])
            region[i] = text  # another district of the same province: realistic noise
    who = rng.integers(0, patients, n)
    start = np.datetime64("2024-01-01")
    return pd.DataFrame(
        {
            "patient_id": who,
            "age": rng.integers(0, 95, patients)[who],
            "sex": rng.choice(["男", "女"], patients)[who],
            "region": region[who],
            "visit": (start + rng.integers(0, 730, n).astype("timedelta64[D]")).astype(str),
        }
    )


def _hierarchies() -> dict[str, Hierarchy]:
    return {"age": Hierarchy.age(), "sex": Hierarchy.sex(), "region": Hierarchy.region(),
            "visit": Hierarchy.date()}  # fmt: skip


def brute_force(df: pd.DataFrame, k: int, max_suppressed: float) -> tuple[float, set[Any], int]:
    """Every node evaluated with the search's own per-node code; the minimal satisfying nodes."""
    start = time.perf_counter()
    hs = _hierarchies()
    columns = [hs[c].encode(df[c], c) for c in QI]
    people = pd.factorize(df["patient_id"])[0].astype(np.int64)
    allowed = int(max_suppressed * len(df))
    high = [c.height for c in columns]
    lat = Lattice(columns, [0] * 4, high, k, people, allowed, None)
    nodes = list(itertools.product(*(range(h + 1) for h in high)))
    ok = {node: lat.evaluate(node).satisfied for node in nodes}
    minimal = {
        node
        for node in nodes
        if ok[node]
        and not any(ok[(*node[:i], node[i] - 1, *node[i + 1 :])] for i in range(4) if node[i])
    }
    return time.perf_counter() - start, minimal, len(nodes)


def main() -> None:
    """Print the search's figures, the brute force's, and what the peers could do."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--peer-n", type=int, default=20_000)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--max-suppressed", type=float, default=0.05)
    args = parser.parse_args()
    df = visits(args.n)
    people = df["patient_id"].nunique()
    print(
        f"{args.n:,} visits, {people:,} patients, QIs {', '.join(QI)}; k={args.k} in patients, "
        f"at most {args.max_suppressed:.0%} rows suppressed; one core"
    )
    start = time.perf_counter()
    hs = _hierarchies()
    for column in QI:
        hs[column].encode(df[column], column)
    t_encode = time.perf_counter() - start
    _lookup.cache_clear()  # the search below starts cold too
    start = time.perf_counter()
    result = search_generalization(df, _hierarchies(), k=args.k, subject="patient_id",
                                   max_suppressed=args.max_suppressed)  # fmt: skip
    t_search = time.perf_counter() - start
    t_brute, minimal, size = brute_force(df, args.k, args.max_suppressed)
    found = {tuple(node.values()) for node, _ in result.minimal_nodes}
    assert found == minimal, "the search missed or invented a minimal node"
    check = k_anonymity(result.data, QI, subject="patient_id")
    assert check == result.k >= args.k
    print(f"{'method':<40} {'seconds':>8} {'nodes evaluated':>16} {'lattice':>8}")
    print(f"{'medguard search_generalization':<40} {t_search:>8.2f} "
          f"{result.nodes_evaluated:>16} {result.lattice_size:>8}")  # fmt: skip
    print(f"{'  of which: hierarchies on distinct values':<40} {t_encode:>8.2f}")
    print(f"{'brute force (every node, same code)':<40} {t_brute:>8.2f} {size:>16} {size:>8}")
    print(f"chosen: {result!r}")
    print(f"minimal nodes: {len(minimal)} (same set in both); k in patients checked: {check}")
    _peers(df.iloc[: args.peer_n].copy(), args.k)


def _peers(df: pd.DataFrame, k: int) -> None:
    try:
        from anonypy import Preserver
    except ImportError:
        print("anonypy: not installed (pip install anonypy)")
    else:
        small = df.assign(sex=df["sex"].astype("category"),
                          region=df["region"].str[:2].astype("category"),
                          visit=pd.to_datetime(df["visit"]).dt.dayofyear,
                          dx=np.resize(["I10", "E11", "J18"], len(df)))  # fmt: skip
        small["dx"] = small["dx"].astype("category")
        start = time.perf_counter()
        out = Preserver(small, QI, "dx").anonymize_k_anonymity(k)
        seconds = time.perf_counter() - start
        print(f"anonypy Mondrian on {len(df):,} rows: {seconds:.2f} s, {len(out):,} output rows "
              "(partition x diagnosis counts); k in rows only, no hierarchies (ranges and value "
              "sets instead), no patient, no suppression budget, needs a sensitive column; "
              "region pre-cut to 2 digits by hand (it cannot read addresses)")  # fmt: skip
    try:
        from pycanon import anonymity
    except ImportError:
        print("pycanon: not installed")
    else:
        hs = _hierarchies()
        shared = search_generalization(df, hs, k=k, subject="patient_id").data
        start = time.perf_counter()
        k_rows = anonymity.k_anonymity(shared, QI)
        seconds = time.perf_counter() - start
        assert k_rows == k_anonymity(shared, QI)
        print(
            f"pycanon on the {len(shared):,}-row released table: k = {k_rows} in rows "
            f"({seconds:.2f} s); it measures only, no search and no count in patients"
        )


if __name__ == "__main__":
    main()
