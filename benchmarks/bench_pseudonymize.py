"""Valid surrogates per second: 1,000,000 resident IDs, mobiles and record numbers as columns,
and DateShift over 1,000,000 dates of 200,000 patients.

Each output is checked on a sample with the medguard.cn validators. Generating a million
distinct IDs is slow, so 20,000 distinct values are tiled (the work per value is the same).
Run: ``python benchmarks/bench_pseudonymize.py [--n 1000000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

from medguard.cn import phone, resident_id
from medguard.keys import Keyring
from medguard.ops.date_shift import DateShift
from medguard.ops.pseudonymize_numbers import PseudonymizeDigits
from medguard.ops.pseudonymize_phone import PseudonymizePhone
from medguard.ops.pseudonymize_resident_id import PseudonymizeResidentID

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
    first, last = dt.date(1930, 1, 1).toordinal(), dt.date(2025, 12, 31).toordinal()
    births = [dt.date.fromordinal(rng.randint(first, last)) for _ in range(distinct)]
    ids = [resident_id.generate(rng, birth_date=b) for b in births] * (n // distinct)
    mobiles = [phone.generate(rng) for _ in range(distinct)] * (n // distinct)
    records = [f"{rng.randrange(10**10):010d}" for _ in range(distinct)] * (n // distinct)
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
        ("record number (10 digits)", PseudonymizeDigits(ring), records, str.isdigit),
    ):
        sample = op.apply(values[:1000])
        assert all(check(v) for v in sample)
        assert op.reverse(sample) == values[:1000]
        rows.append((label, "list", _rate(len(values), lambda o=op, v=values: o.apply(v))))
        arrow = pa.array(values)
        rows.append((label, "pyarrow", _rate(len(values), lambda o=op, v=arrow: o.apply(v))))
    start = dt.date(2020, 1, 1).toordinal()
    days = [start + rng.randrange(2000) for _ in range(distinct)] * (n // distinct)
    iso = [dt.date.fromordinal(d).isoformat() for d in days]
    typed = np.array(iso, dtype="datetime64[D]")
    patients = [f"P{i % 200_000:06d}" for i in range(len(iso))]
    shift = DateShift(ring)
    assert shift.reverse(shift.apply(iso[:1000], patients[:1000]), patients[:1000]) == iso[:1000]
    for kind, dates in (("ISO text", iso), ("datetime64", typed)):
        rate = _rate(len(iso), lambda d=dates: shift.apply(d, patients))
        rows.append(("DateShift, 200k patients", kind, rate))
    print(
        f"valid surrogates, {len(ids):,} values per column, one core (target {TARGET:,}/s for IDs)"
    )
    print(f"{'surrogate':<32} {'input':<10} {'values/s':>12}")
    for label, kind, rate in rows:
        print(f"{label:<32} {kind:<10} {rate:>12,.0f}")


if __name__ == "__main__":
    main()
