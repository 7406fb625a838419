"""medguard.io read and write throughput and peak memory, beside pandas and pyarrow's own.

A synthetic table of ``--rows`` rows (default 2,000,000) x 16 columns: record numbers with
leading zeros, resident IDs (some with X), mobiles, Chinese names and departments, ICD-10 codes,
ages, fees, counts, visit dates and timestamps, flags. It is written once as CSV, Parquet (row
groups of 1,000,000 rows) and JSON Lines; then every case runs in its own subprocess, which
reports its time and its peak RSS growth (``ru_maxrss`` after the case minus before it; a write
case loads its table first, outside the measure).

Read cases stream (medguard: ``open_table``; pyarrow: ``open_csv`` / ``iter_batches``) or read
whole (pandas, ``pyarrow.csv.read_csv``, ``pyarrow.parquet.read_table``, ``pyarrow.json``).
medguard's CSV reader infers types without loss (see medguard.io.types); pandas and pyarrow
infer their usual way (a record number ``0012`` becomes 12 there).
Run: ``python benchmarks/bench_io.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

_CASES = {
    # name: (input format or "table" for a write case, code run on `src` / `table`, `dst`)
    "medguard read csv": ("csv", """
from medguard.io import open_table
with open_table(src) as t:
    rows = sum(b.num_rows for b in t)"""),
    "pyarrow open_csv (stream)": ("csv", """
import pyarrow.csv as c
with c.open_csv(src) as r:
    rows = sum(b.num_rows for b in r)"""),
    "pyarrow read_csv (whole)": ("csv", """
import pyarrow.csv as c
rows = c.read_csv(src).num_rows"""),
    "pandas read_csv (whole)": ("csv", """
import pandas as pd
rows = len(pd.read_csv(src))"""),
    "medguard read parquet": ("parquet", """
from medguard.io import open_table
with open_table(src) as t:
    rows = sum(b.num_rows for b in t)"""),
    "pyarrow iter_batches": ("parquet", """
import pyarrow.parquet as pq
rows = sum(b.num_rows for b in pq.ParquetFile(src).iter_batches())"""),
    "pyarrow read_table (whole)": ("parquet", """
import pyarrow.parquet as pq
rows = pq.read_table(src).num_rows"""),
    "pandas read_parquet (whole)": ("parquet", """
import pandas as pd
rows = len(pd.read_parquet(src))"""),
    "medguard read jsonl": ("jsonl", """
from medguard.io import open_table
with open_table(src) as t:
    rows = sum(b.num_rows for b in t)"""),
    "pyarrow.json read_json (whole)": ("jsonl", """
import pyarrow.json as j
rows = j.read_json(src).num_rows"""),
    "pandas read_json lines (whole)": ("jsonl", """
import pandas as pd
rows = len(pd.read_json(src, lines=True, dtype=False))"""),
    "medguard write csv": ("table", """
from medguard.io import open_writer
with open_writer(dst + ".csv", schema=table.schema) as w:
    for b in table.to_batches(65_536):
        w.write(b)
rows = w.rows"""),
    "pyarrow write_csv": ("table", """
import pyarrow.csv as c
c.write_csv(table, dst + ".csv")
rows = table.num_rows"""),
    "pandas to_csv": ("table", """
frame = table.to_pandas()
frame.to_csv(dst + ".csv", index=False)
rows = len(frame)"""),
    "medguard write parquet": ("table", """
from medguard.io import open_writer
with open_writer(dst + ".parquet", schema=table.schema) as w:
    for b in table.to_batches(65_536):
        w.write(b)
rows = w.rows"""),
    "pyarrow write_table parquet": ("table", """
import pyarrow.parquet as pq
pq.write_table(table, dst + ".parquet", compression="zstd")
rows = table.num_rows"""),
    "medguard write jsonl": ("table", """
from medguard.io import open_writer
with open_writer(dst + ".jsonl", schema=table.schema) as w:
    for b in table.to_batches(65_536):
        w.write(b)
rows = w.rows"""),
    "pandas to_json lines": ("table", """
frame = table.to_pandas()
frame.to_json(dst + ".jsonl", orient="records", lines=True, force_ascii=False)
rows = len(frame)"""),
}  # fmt: skip

_RUNNER = textwrap.dedent(
    """
    import json, resource, sys, time
    import pyarrow as pa, pyarrow.parquet as pq
    src, dst, kind, code = sys.argv[1:5]
    table = pq.read_table(src.rsplit(".", 1)[0] + ".parquet") if kind == "table" else None
    def rss():  # this process's peak (VmHWM): ru_maxrss keeps the parent's peak across exec
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    before = rss()
    start = time.perf_counter()
    scope = {"src": src, "dst": dst, "table": table}
    exec(code, scope)
    seconds = time.perf_counter() - start
    print(json.dumps({"rows": scope["rows"], "seconds": seconds, "peak": rss() - before}))
    """
)


def _table(rows: int):  # type: ignore[no-untyped-def]
    import datetime

    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(7)
    i = np.arange(rows)
    surnames = np.array(list("王李张刘陈杨黄赵吴周"))
    given = np.array(["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"])
    departments = np.array(["心内科", "骨科", "儿科", "急诊科", "呼吸内科", "内分泌科"])
    icd = np.array(["I10", "E11.9", "J18.9", "K35.8", "M54.5", "N39.0"])
    ids = np.char.add(
        np.char.add("1101051949", np.char.zfill((i % 10**7).astype(str), 7)),
        np.where(i % 11 == 0, "X", "1"),
    )
    days = rng.integers(0, 3650, rows)
    visit = np.datetime64("2015-01-01") + days.astype("timedelta64[D]")
    stamp = visit.astype("datetime64[s]") + rng.integers(0, 86_400, rows).astype("timedelta64[s]")
    return pa.table(
        {
            "record": np.char.zfill(i.astype(str), 9),
            "resident_id": ids,
            "mobile": np.char.add("138", np.char.zfill((i % 10**8).astype(str), 8)),
            "name": np.char.add(surnames[i % 10], given[(i // 10) % 10]),
            "department": departments[i % 6],
            "icd10": icd[(i // 7) % 6],
            "age": rng.integers(0, 100, rows),
            "fee": np.round(rng.random(rows) * 5000, 2),
            "visits": rng.integers(1, 50, rows),
            "visit_date": pa.array(visit, pa.date32()),
            "visit_at": pa.array(stamp, pa.timestamp("s")),
            "insured": (i % 3 == 0),
            "ward": np.char.add("W", (i % 40).astype(str)),
            "doctor": np.char.add(surnames[(i // 3) % 10], given[(i // 7) % 10]),
            "weight": np.round(rng.normal(65, 12, rows), 1),
            "note_id": np.char.add("N", np.char.zfill((i * 7 % 10**8).astype(str), 8)),
        }
    ).replace_schema_metadata({"generated": str(datetime.date.today())})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--only", help="run the cases whose name holds this text")
    args = parser.parse_args()
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from medguard.io import open_writer

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "visits"
        table = _table(args.rows)
        pq.write_table(table, f"{base}.parquet", row_group_size=1_000_000, compression="zstd")
        pacsv.write_csv(table, f"{base}.csv")
        with open_writer(f"{base}.jsonl", schema=table.schema) as out:
            out.write(table)
        sizes = {fmt: Path(f"{base}.{fmt}").stat().st_size for fmt in ("csv", "parquet", "jsonl")}
        del table
        files = ", ".join(f"{fmt} {size / 1e6:,.0f} MB" for fmt, size in sizes.items())
        print(f"{args.rows:,} rows x 16 columns; files: {files}")
        print(f"{'case':34} {'seconds':>8} {'rows/s':>12} {'MB/s':>8} {'peak RSS +MB':>13}")
        for name, (kind, code) in _CASES.items():
            if args.only and args.only not in name:
                continue
            fmt = kind if kind != "table" else name.split()[-1]
            fmt = {"lines": "jsonl", "to_csv": "csv", "write_csv": "csv"}.get(fmt, fmt)
            src = f"{base}.{kind if kind != 'table' else 'parquet'}"
            dst = str(Path(folder) / "out")
            result = subprocess.run(
                [sys.executable, "-c", _RUNNER, src, dst, kind, code],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if result.returncode != 0:
                print(f"{name:34} failed: {result.stderr.strip().splitlines()[-1][:80]}")
                continue
            got = json.loads(result.stdout)
            size = sizes.get(fmt, sizes["parquet"])
            print(
                f"{name:34} {got['seconds']:8.2f} {got['rows'] / got['seconds']:12,.0f} "
                f"{size / 1e6 / got['seconds']:8.1f} {got['peak'] / 1e6:13,.0f}"
            )
            for suffix in (".csv", ".parquet", ".jsonl"):
                Path(dst + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
