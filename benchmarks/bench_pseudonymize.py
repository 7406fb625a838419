"""Valid surrogates per second: 1,000,000 resident IDs and 1,000,000 mobiles as columns.

Each output is checked on a sample with the medguard.cn validators. Generating a million
distinct IDs is slow, so 20,000 distinct values are tiled (the work per value is the same).
Run: ``python benchmarks/bench_pseudonymize.py [--n 1000000]``.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from medguard.cn import phone, resident_id
from medguard.keys import Keyring
from medguard.ops.pseudonymize import PseudonymizePhone, PseudonymizeResidentID

TARGET = 500_000


def _rate(n: int, fn: Callable[[], Any], repeat: int = 2) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> None:
    """Time each surrogate on a list and a pyarrow column; print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    n = parser.parse_args().n
    rng = random.Random(1)
    distinct = 20_000
    ids = [resident_id.generate(rng) for _ in range(distinct)] * (n // distinct)
    mobiles = [phone.generate(rng) for _ in range(distinct)] * (n // distinct)
    ring = Keyring.generate()
    rows = []
    for label, op, values, check in (
        ("resident ID (default options)", PseudonymizeResidentID(ring), ids, resident_id.is_valid),
        (
            "resident ID (same province)",
            PseudonymizeResidentID(ring, region="province"),
            ids,
            resident_id.is_valid,
        ),
        ("mobile", PseudonymizePhone(ring), mobiles, phone.is_mobile),
    ):
        sample = op.apply(values[:1000])
        assert all(check(v) for v in sample)
        assert op.reverse(sample) == values[:1000]
        rows.append((label, "list", _rate(len(values), lambda o=op, v=values: o.apply(v))))
        arrow = pa.array(values)
        rows.append((label, "pyarrow", _rate(len(values), lambda o=op, v=arrow: o.apply(v))))
    print(
        f"valid surrogates, {len(ids):,} values per column, one core (target {TARGET:,}/s for IDs)"
    )
    print(f"{'surrogate':<32} {'input':<8} {'values/s':>12}")
    for label, kind, rate in rows:
        print(f"{label:<32} {kind:<8} {rate:>12,.0f}")


if __name__ == "__main__":
    main()
