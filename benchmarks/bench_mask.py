"""Mask 1,000,000 resident IDs and mobiles as columns; compare with a per-value Python loop.

Prints values/s for each column kind medguard accepts (pyarrow array, numpy unicode array,
Python list) and for a loop that validates and masks one value at a time (the same work), with
the ratio. Run: ``python benchmarks/bench_mask.py [--n 1000000]``.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from medguard.cn import phone, resident_id
from medguard.ops.mask import mask_phone, mask_resident_id


def _best(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _loop_ids(values: list[str]) -> list[str]:
    return [
        v[:6] + "********" + v[14:] if resident_id.is_valid(v) else "*" * len(v) for v in values
    ]


def _loop_phones(values: list[str]) -> list[str]:
    return [v[:3] + "****" + v[7:] if phone.is_mobile(v) else "*" * len(v) for v in values]


def main() -> None:
    """Build the columns, time every variant, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    n = parser.parse_args().n
    rng = random.Random(1)
    ids = [resident_id.generate(rng) for _ in range(n)]
    mobiles = [phone.generate(rng) for _ in range(n)]
    rows = []
    for label, values, fast, loop in (
        ("resident ID", ids, mask_resident_id, _loop_ids),
        ("mobile", mobiles, mask_phone, _loop_phones),
    ):
        loop_n = min(n, 200_000)
        loop_rate = loop_n / _best(lambda v=values[:loop_n], f=loop: f(v), repeat=1)
        assert fast(values[:1000]) == loop(values[:1000])  # same work, same output
        for kind, column in (
            ("pyarrow", pa.array(values, type=pa.string())),
            ("numpy U", np.array(values)),
            ("list", values),
        ):
            rate = n / _best(lambda c=column, f=fast: f(c))
            rows.append((label, kind, rate, loop_rate, rate / loop_rate))
    print(f"masking {n:,} values per column (validate + mask), best of 3, one core")
    print(
        f"{'column':<12} {'input':<8} {'medguard values/s':>18} {'loop values/s':>14} {'ratio':>7}"
    )
    for label, kind, rate, loop_rate, ratio in rows:
        print(f"{label:<12} {kind:<8} {rate:>18,.0f} {loop_rate:>14,.0f} {ratio:>6.1f}x")


if __name__ == "__main__":
    main()
