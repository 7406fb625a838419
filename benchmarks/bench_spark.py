"""medguard on Spark against one process: the same policy, the same rows, the same machine.

A synthetic visits table of ``ROWS`` rows (default 10,000,000; Parquet, row groups of 1,000,000)
goes through one sharing policy: resident IDs pseudonymized (age band kept), mobiles masked,
visit dates shifted per patient, departments kept, patient IDs dropped. Four runs, each
writing Parquet:

- ``single process``: ``Pipeline.run_file`` (streaming, one core);
- ``spark local[N] protect_parquet``: ``medguard.integrations.spark.protect_parquet`` (what
  ``medguard protect --engine spark`` runs): one task per row group, executors read and write
  Parquet with pyarrow;
- ``spark local[N] protect``: ``protect(sdf)`` (``mapInArrow``) written by
  ``DataFrame.write.parquet``: Spark's JVM reads and writes the Parquet;
- ``hand-written mapInPandas``: the ops applied column by column inside ``mapInPandas``, the
  keyring reopened in every task: what a user wiring medguard into Spark by hand writes.

Each run reports wall seconds, rows/s, rows/s per core, the ratio to the single process, and
the CPU seconds it used (the single process's own; for Spark runs the JVM's, its Python
workers' and the driver's, read from ``/proc``) with the CPU per row. On a machine shared with
other work the wall-clock ratio is noisy; the CPU per row is not, and ``N x single CPU / run
CPU`` says what the run would reach on N idle cores. Spark's start-up (JVM, session, Python
workers importing medguard: a warm-up job on 10,000 rows) is outside the measure, the planning
and the probe of each measured job inside (both Spark paths are warmed up). Run:
``python benchmarks/bench_spark.py [ROWS] [--cores 2]`` (needs ``pip install medguard[spark]``
and Java 17).
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ENV = "MG_BENCH_SPARK_KEY"

POLICY = {
    "medguard_policy": 1,
    "dataset": "bench_visits",
    "subject": "patient_id",
    "undeclared": "error",
    "fields": {
        "patient_id": {"category": "personal_attribute", "level": 3, "sharing": {"op": "drop"}},
        "resident_id": {
            "category": "personal_attribute", "level": 4, "kind": "resident_id",
            "sharing": {"op": "pseudonymize", "kind": "resident_id", "birth": "age_band"},
        },
        "mobile": {
            "category": "personal_attribute", "level": 3, "kind": "phone",
            "sharing": {"op": "mask", "kind": "phone"},
        },
        "visit_date": {
            "category": "medical_application", "level": 3, "kind": "date",
            "sharing": {"op": "date_shift", "max_days": 180},
        },
        "department": {"category": "medical_application", "level": 2, "sharing": {"op": "keep"}},
    },
}  # fmt: skip


def make_data(path: Path, rows: int, people: int = 200_000) -> None:
    """``rows`` visits of ``people`` patients, written in row groups of 1,000,000."""
    from medguard.cn import resident_id

    rng = random.Random(1)
    ids = np.array([resident_id.generate(rng) for _ in range(people)], dtype=object)
    phones = np.array([f"138{rng.randrange(10**8):08d}" for _ in range(people)], dtype=object)
    depts = np.array(["内科", "外科", "儿科", "妇产科", "急诊"], dtype=object)
    nprng = np.random.default_rng(2)
    schema = pa.schema(
        [("patient_id", pa.string()), ("resident_id", pa.string()), ("mobile", pa.string()),
         ("visit_date", pa.date32()), ("department", pa.string())]
    )  # fmt: skip
    start = np.datetime64("2024-01-01")
    with pq.ParquetWriter(path, schema) as writer:
        done = 0
        while done < rows:
            n = min(1_000_000, rows - done)
            who = nprng.integers(0, people, n)
            days = nprng.integers(0, 700, n)
            table = pa.table(
                {
                    "patient_id": pa.array([f"p{w:07d}" for w in who]),
                    "resident_id": pa.array(ids[who]),
                    "mobile": pa.array(phones[who]),
                    "visit_date": pa.array((start + days).astype("datetime64[D]")),
                    "department": pa.array(depts[nprng.integers(0, 5, n)]),
                },
                schema=schema,
            )
            writer.write_table(table)
            done += n


def _process_times() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds the process itself used), from ``/proc`` (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return found


class _CpuMeter:
    """CPU seconds used by a process tree (the JVM, its Python daemon and workers) while it
    runs: ``/proc`` sampled every 50 ms, each process's last reading kept, so workers that exit
    during the run still count (up to their last 50 ms). ``own``: the sampling's own CPU."""

    def __init__(self, root: int) -> None:
        import threading

        self.root = root
        self.seen: dict[int, float] = {}
        self.own = 0.0  # the sampling thread's own CPU (in the driver process)
        self.start = self._tree()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _tree(self) -> dict[int, float]:
        times = _process_times()
        out = {}
        for pid, (_, seconds) in times.items():
            p = pid
            while p and p != self.root:
                p = times.get(p, (0, 0.0))[0]
            if p == self.root:
                out[pid] = seconds
        return out

    def _poll(self) -> None:
        while not self._stop.wait(0.05):
            self.seen.update(self._tree())
            self.own = time.thread_time()

    def stop(self) -> float:
        """The CPU seconds the tree used since the meter started."""
        self._stop.set()
        self._thread.join()
        self.seen.update(self._tree())
        return sum(t - self.start.get(pid, 0.0) for pid, t in self.seen.items())


def _spark(cores: int, batch_rows: int) -> Any:
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", str(cores * 2))
        .config("spark.driver.memory", "2g")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_rows))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _hand_written(ring_path: str, policy: Any) -> Any:
    """The mapInPandas function a user writes by hand (ops per column, keyring per task)."""

    def run(frames: Any) -> Any:
        from medguard.keys import EnvKeyProvider, Keyring
        from medguard.ops.base import OpContext, op_from_config

        ring = Keyring.open(ring_path, EnvKeyProvider(ENV))  # rebuilt in every task
        fields = policy["fields"]
        ops = {name: op_from_config(spec["sharing"]) for name, spec in fields.items()}
        for frame in frames:
            out = {}
            for name, op in ops.items():
                if op.name == "drop":
                    continue
                ctx = OpContext(
                    keyring=ring, table="bench_visits", field=name, recipient="cdc",
                    subjects=frame["patient_id"] if "subject" in op.needs else None,
                )  # fmt: skip
                out[name], _ = op.apply(frame[name], ctx)
            import pandas as pd

            yield pd.DataFrame(out)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=10_000_000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--batch-rows", type=int, default=65_536, help="Arrow batch size")
    parser.add_argument(
        "--skip", nargs="*", default=[], help="runs to skip: single parquet spark hand"
    )
    args = parser.parse_args()
    os.environ.setdefault(ENV, base64.b64encode(os.urandom(32)).decode())

    from medguard.keys import EnvKeyProvider, Keyring
    from medguard.lifecycle import KeyringRef, Pipeline, Policy

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = root / "visits.parquet"
        t0 = time.perf_counter()
        make_data(src, args.rows)
        print(f"data: {args.rows:,} rows in {time.perf_counter() - t0:.1f} s")
        ring_path = root / "ring.mgk"
        Keyring.create(ring_path, EnvKeyProvider(ENV))
        ref = KeyringRef(str(ring_path), EnvKeyProvider(ENV))
        policy = Policy.from_dict(POLICY)
        pipeline = Pipeline(policy, stage="sharing", keyring_ref=ref, recipient="cdc")
        results: dict[str, tuple[float, float]] = {}  # name -> (wall seconds, CPU seconds)

        if "single" not in args.skip:
            c0, t0 = time.process_time(), time.perf_counter()
            pipeline.run_file(src, root / "single.parquet", progress=False)
            results["single process (run_file)"] = (
                time.perf_counter() - t0,
                time.process_time() - c0,
            )

        spark = _spark(args.cores, args.batch_rows)
        jvm = int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())

        def measure(name: str, run: Any) -> None:
            meter = _CpuMeter(jvm)
            c0, t0 = time.process_time(), time.perf_counter()
            run()
            wall = time.perf_counter() - t0
            tree = meter.stop()
            results[name] = (wall, tree + time.process_time() - c0 - meter.own)

        import medguard.integrations.spark as mgspark

        sdf = spark.read.parquet(str(src))
        # warm-up outside the measure: Python workers start, import medguard, open the keyring
        mgspark.protect(sdf.limit(10_000), pipeline).write.format("noop").mode("overwrite").save()
        small = root / "warm-up.parquet"
        pq.write_table(pq.ParquetFile(src).read_row_group(0).slice(0, 10_000), small)
        mgspark.protect_parquet(str(small), str(root / "warm-up-out"), pipeline)
        if "parquet" not in args.skip:
            measure(
                f"spark local[{args.cores}] protect_parquet",
                lambda: mgspark.protect_parquet(str(src), str(root / "pq"), pipeline),
            )
        if "spark" not in args.skip:
            measure(
                f"spark local[{args.cores}] protect (JVM Parquet)",
                lambda: mgspark.protect(sdf, pipeline).write.parquet(str(root / "spark")),
            )
        if "hand" not in args.skip:
            schema = "resident_id string, mobile string, visit_date date, department string"
            measure(
                f"hand-written mapInPandas local[{args.cores}]",
                lambda: sdf.mapInPandas(
                    _hand_written(str(ring_path), POLICY), schema
                ).write.parquet(str(root / "hand")),
            )
        spark.stop()

    base = results.get("single process (run_file)")
    print(
        f"{'run':<40} {'seconds':>8} {'rows/s':>10} {'rows/s/core':>11} {'vs 1 core':>9} "
        f"{'CPU s':>7} {'CPU us/row':>10} {'on idle cores':>13}"
    )
    for name, (seconds, cpu) in results.items():
        cores = 1 if name.startswith("single") else args.cores
        rate = args.rows / seconds
        ratio = f"{base[0] / seconds:.2f}x" if base else "-"
        ideal = f"{cores * base[1] / cpu:.2f}x" if base else "-"
        print(
            f"{name:<40} {seconds:>8.1f} {rate:>10,.0f} {rate / cores:>11,.0f} {ratio:>9} "
            f"{cpu:>7.1f} {cpu / args.rows * 1e6:>10.2f} {ideal:>13}"
        )


if __name__ == "__main__":
    main()
