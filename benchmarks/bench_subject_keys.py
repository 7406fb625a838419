"""Benchmark: per-subject keys at hospital scale (issue 18).

    python benchmarks/bench_subject_keys.py             # 1,000,000 subjects
    python benchmarks/bench_subject_keys.py --n 100000
    python benchmarks/bench_subject_keys.py --store postgresql+psycopg://...

In one run, on one core, with a file keyring and its SQLite subject store in a temporary
directory (or the given store URL):

- create and encrypt: ``encrypt(values, ring, subject=patients)`` over N values of N new
  patients, in batches of ``--batch`` rows (one key created per patient), values/s;
- the same column encrypted again (every key exists), values/s; and decrypted, values/s;
- create and encrypt with several values per subject: N values of N/4 new patients, four
  values each (one key and one AEAD object per patient), values/s;
- encryption under the primary key of the same values, values/s (the reference);
- destroy one subject (``destroy_subject``), median ms over 20 subjects (wall clock, mostly two
  fsyncs, and CPU time);
- open the keyring and its store and find one subject's key, median s over 5 opens.

Targets: create and encrypt >= 200,000 values/s; destroy < 10 ms; open < 0.5 s.

Rates are given on the wall clock and on this process's CPU time (``cpu``): on a shared
machine the second says what one core does.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import tempfile
import time
from pathlib import Path

from medguard.keys import EnvKeyProvider, Keyring
from medguard.ops.encryption import decrypt, encrypt

VARIABLE = "MEDGUARD_BENCH_KEYRING_KEY"


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="subjects (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=100_000, help="rows per encrypt call")
    parser.add_argument("--store", help="subject-store URL (default: SQLite beside the keyring)")
    args = parser.parse_args()
    n, batch = args.n, min(args.batch, args.n)
    os.environ[VARIABLE] = base64.b64encode(os.urandom(32)).decode()
    provider = EnvKeyProvider(VARIABLE)
    folder = Path(tempfile.mkdtemp(prefix="medguard-bench-"))
    path = folder / "his.keyring"
    ring = Keyring.create(path, provider, subject_store=args.store)
    tag = os.urandom(4).hex()  # fresh patients even in a shared PostgreSQL store
    patients = [f"P{tag}{i:09d}" for i in range(n)]
    values = [f"J{i % 90 + 10:02d}.{i % 10} 诊断 {i}" for i in range(n)]
    rows: list[tuple[str, str, str]] = []

    clock: list[float] = []

    def tick() -> None:
        clock[:] = [time.perf_counter(), time.process_time()]

    def rate() -> tuple[str, float]:
        wall, cpu = time.perf_counter() - clock[0], time.process_time() - clock[1]
        return f"{n / wall:,.0f} values/s ({n / cpu:,.0f} cpu)", wall

    tick()
    encrypt(values, ring, table="visits", field="diagnosis")
    text, primary = rate()
    rows.append(("encrypt under the primary key", text, "reference"))

    column: list[str] = []
    tick()
    for at in range(0, n, batch):
        part = slice(at, at + batch)
        column += encrypt(values[part], ring, table="visits", field="diagnosis",
                          subject=patients[part])  # fmt: skip
    text, created = rate()
    rows.append((
        f"create {n:,} subject keys and encrypt", text,
        f">= 200,000 values/s ({primary / created:.2f} x the primary's speed)",
    ))  # fmt: skip

    again = Keyring.open(path, provider, subject_store=args.store)
    tick()
    for at in range(0, n, batch):
        part = slice(at, at + batch)
        encrypt(values[part], again, table="visits", field="diagnosis", subject=patients[part])
    rows.append(("encrypt, every subject key exists", rate()[0], ""))

    tick()
    for at in range(0, n, batch):
        decrypt(column[at : at + batch], again, table="visits", field="diagnosis")
    rows.append(("decrypt by subject key", rate()[0], ""))

    tag4 = os.urandom(4).hex()
    fours = [f"Q{tag4}{i // 4:09d}" for i in range(n)]  # four visits per patient
    tick()
    for at in range(0, n, batch):
        part = slice(at, at + batch)
        encrypt(values[part], ring, table="visits", field="diagnosis", subject=fours[part])
    rows.append((f"create {n // 4:,} subject keys, encrypt 4 values each", rate()[0], ""))

    doomed = patients[1 : n : max(1, n // 1000)][:1000]
    tick()
    again.destroy_subjects(doomed)
    ms = (time.perf_counter() - clock[0]) * 1000
    rows.append((f"destroy {len(doomed):,} subjects (destroy_subjects)", f"{ms:,.1f} ms", ""))

    times, cpus = [], []
    for k in range(20):
        subject = patients[(k * 7919) % n // 2 * 2]  # even rows: not among the 1,000 above
        start, cpu = time.perf_counter(), time.process_time()
        ring.destroy_subject(subject)
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    destroy_ms = statistics.median(times) * 1000
    # the wall clock is mostly two fsyncs (the commit and the log checkpoint): on a busy disk
    # it says more about the disk than about the code, which the CPU time measures
    cpu_ms = statistics.median(cpus) * 1000
    rows.append((
        "destroy one subject (median of 20)", f"{destroy_ms:.2f} ms ({cpu_ms:.2f} ms cpu)",
        "< 10 ms",
    ))  # fmt: skip

    opens = []
    for k in range(5):
        start = time.perf_counter()
        fresh = Keyring.open(path, provider, subject_store=args.store)
        fresh.find_subject_key(patients[(k * 104729 + 1) % n])
        opens.append(time.perf_counter() - start)
    rows.append((
        f"open keyring + store ({n:,} subjects), first lookup",
        f"{statistics.median(opens):.3f} s", "< 0.5 s",
    ))  # fmt: skip

    store = folder / "his.keyring.subjects.db"
    size = f"{store.stat().st_size / 1e6:,.0f} MB" if store.exists() else args.store
    print(f"medguard per-subject keys, N = {n:,} (batches of {batch:,}); store: {size}")
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>36}  {note}")


if __name__ == "__main__":
    main()
