"""Scanning a large table file: a 1,000,000-row, 10-column CSV, sampled and full.

The CSV (about 215 MB) holds names, resident IDs, mobiles, addresses, e-mails, bank cards,
birth dates, a department, a diagnosis and a free-text remark, drawn from pools of valid values
made with ``medguard.cn`` generators (100,000 per column; departments, diagnoses and remarks
repeat, as they do in real extracts). ``scan_file`` classifies it with sampling (the default,
10,000 values per column: target under 10 s) and in full mode (every cell; reported in
cells/s, on ``--full-n`` rows to keep the run short).
Run: ``python benchmarks/bench_scan_table.py [--n 1000000] [--full-n 200000]``.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from medguard.cn import address, bank_card, names, phone, resident_id
from medguard.detect import scan_file

DEPARTMENTS = ["内科", "外科", "儿科", "妇产科", "眼科", "急诊科", "康复科", "口腔科"]
DIAGNOSES = ["高血压", "2型糖尿病", "社区获得性肺炎", "股骨颈骨折", "冠心病", "慢性胃炎"]
REMARKS = ["按时服药，定期复查", "患者一般情况可，无明显不适", "建议低盐低脂饮食", "门诊随访"]


def write_csv(path: Path, n: int, seed: int = 7) -> None:
    """Write an ``n``-row synthetic extract as CSV, in blocks (bounded memory)."""
    rng = random.Random(seed)
    pool = 100_000  # large enough that identifiers rarely repeat within a batch
    pools = {
        "姓名": [names.generate(rng) for _ in range(pool)],
        "身份证号": [resident_id.generate(rng) for _ in range(pool)],
        "联系电话": [phone.generate(rng) for _ in range(pool)],
        "住址": [address.generate(rng) for _ in range(pool)],
        "email": [f"user{i}@example.com" for i in range(pool)],
        "bank_card": [bank_card.generate(rng) for _ in range(pool)],
        "出生日期": [f"{rng.randint(1930, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                     for _ in range(pool)],
        "科室": DEPARTMENTS,
        "诊断": DIAGNOSES,
        "备注": REMARKS,
    }  # fmt: skip
    arrays = {k: np.array(v, dtype=object) for k, v in pools.items()}
    picker = np.random.default_rng(seed)
    block = 100_000
    with pacsv.CSVWriter(path, pa.schema([(k, pa.string()) for k in pools])) as writer:
        for start in range(0, n, block):
            rows = min(block, n - start)
            columns = {k: v[picker.integers(0, len(v), rows)] for k, v in arrays.items()}
            writer.write_table(pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--full-n", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "extract.csv", Path(tmp) / "extract_small.csv"
        t0 = time.perf_counter()
        write_csv(big, args.n)
        write_csv(small, args.full_n)
        print(f"wrote {args.n:,} + {args.full_n:,} rows in {time.perf_counter() - t0:.1f} s "
              f"({big.stat().st_size / 1e6:.0f} MB)")  # fmt: skip
        rows = []
        for label, path, n, full in (
            ("sampled", big, args.n, False),
            ("full", small, args.full_n, True),
        ):
            t0 = time.perf_counter()
            report = scan_file(path, full=full)
            seconds = time.perf_counter() - t0
            cells = n * len(report.columns)
            found = sum(c.entity_type is not None for c in report.columns)
            rows.append((label, n, seconds, cells / seconds, found))
        print(f"\n{'mode':8} {'rows':>10} {'seconds':>8} {'cells/s':>12} {'PII columns':>12}")
        for label, n, seconds, rate, found in rows:
            print(f"{label:8} {n:>10,} {seconds:>8.2f} {rate:>12,.0f} {found:>12}")
        print("\ncolumns (sampled run):")
        for c in scan_file(big).columns:
            print(f"  {c.column:10} {c.entity_type or '-':16} {c.match_ratio:6.1%}  L{c.level}")


if __name__ == "__main__":
    main()
