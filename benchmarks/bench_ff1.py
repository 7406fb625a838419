"""FF1 over a column of 18-digit strings: medguard's batch FF1 beside ff3 and fastfpe.

Same run, same 18-digit strings, one core. ``ff3`` (FF3-1, pure Python) and ``fastfpe``
(FF1 compiled from Rust) encrypt one value per call; medguard encrypts the whole column. A
sample is cross-checked: medguard and fastfpe must give identical FF1 ciphertexts.
Run: ``python benchmarks/bench_ff1.py [--n 1000000]``.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from medguard.hazmat.ff1 import FF1


def _rate(n: int, fn: Callable[[], Any], repeat: int = 1) -> float:
    best = min(_timed(fn) for _ in range(repeat))
    return n / best


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    """Time each implementation and print values/s and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--peer-n", type=int, default=20_000, help="values for the slow peers")
    args = parser.parse_args()
    rng = random.Random(1)
    values = [f"{rng.randrange(10**18):018d}" for _ in range(args.n)]
    key = os.urandom(16)
    tweak = b"medguard"
    ff1 = FF1(key, 10)

    import fastfpe.ff1 as fast_ff1
    from ff3 import FF3Cipher

    sample = values[:200]
    assert ff1.encrypt_batch(sample, tweak) == [
        fast_ff1.encrypt(key.hex(), tweak.hex(), "0123456789", v) for v in sample
    ]
    assert ff1.encrypt_batch(sample, tweak) == [ff1.encrypt(v, tweak) for v in sample]

    rows: list[tuple[str, float]] = []
    rows.append(
        ("medguard FF1 batch (list)", _rate(args.n, lambda: ff1.encrypt_batch(values, tweak), 2))
    )
    arrow = pa.array(values)
    rows.append(
        ("medguard FF1 batch (pyarrow)", _rate(args.n, lambda: ff1.encrypt_batch(arrow, tweak), 2))
    )
    numpy_col = np.array(values)
    rows.append(
        (
            "medguard FF1 batch (numpy U)",
            _rate(args.n, lambda: ff1.encrypt_batch(numpy_col, tweak), 2),
        )
    )
    enc = ff1.encrypt_batch(values, tweak)
    rows.append(
        ("medguard FF1 decrypt batch", _rate(args.n, lambda: ff1.decrypt_batch(enc, tweak), 2))
    )
    peer = values[: args.peer_n]
    rows.append(
        (
            "medguard FF1 scalar loop",
            _rate(len(peer) // 4, lambda: [ff1.encrypt(v, tweak) for v in peer[: len(peer) // 4]]),
        )
    )
    rows.append(
        (
            "fastfpe FF1 (Rust, per value)",
            _rate(
                len(peer),
                lambda: [fast_ff1.encrypt(key.hex(), tweak.hex(), "0123456789", v) for v in peer],
            ),
        )
    )
    ff3 = FF3Cipher(key.hex(), "0123456789abcd", radix=10)
    rows.append(
        (
            "ff3 FF3-1 (pure Python)",
            _rate(len(peer) // 4, lambda: [ff3.encrypt(v) for v in peer[: len(peer) // 4]]),
        )
    )
    fast_rate = rows[0][1]
    print(f"FF1 on {args.n:,} 18-digit strings (peers on {args.peer_n:,}), one core")
    print(f"{'implementation':<32} {'values/s':>12} {'medguard batch is':>20}")
    for label, rate in rows:
        print(f"{label:<32} {rate:>12,.0f} {fast_rate / rate:>18.1f}x")


if __name__ == "__main__":
    main()
