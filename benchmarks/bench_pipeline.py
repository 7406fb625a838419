"""Benchmark: one policy-driven sharing run over a 200,000-row visit table, on one core.

The same table for every contender (synthetic: name, resident ID, mobile, landline, e-mail,
address, sex, birth date, age, visit ID and date, hospital, department, ICD-10, fee: 16 columns,
plus a note of about 80 characters holding the patient's name and phone), the same job:
identifiers pseudonymized or dropped, dates shifted per patient, places and dates generalized,
notes de-identified.

- ``medguard protect``: :meth:`Pipeline.run_file` CSV -> CSV with the sharing checks (k per
  patient with the generalization search, suppression, the keyed-hash re-scan), 16 columns
  without the note and 17 with it;
- medguard's own ops composed by hand over the in-memory Arrow table vs ``Pipeline.run`` on it
  without checks (the pipeline's overhead);
- presidio-structured, deidkit and anonimize doing what each can on a 20,000-row slice (their
  rate is per row; what each could not do is printed);
- peak memory of a streamed run (RSS of a child process) at 2,000,000 rows.

Run: ``python benchmarks/bench_pipeline.py [--rows 200000] [--stream-rows 2000000] [--steps]``.
Arrow is held to one thread. Each medguard figure is given in CPU time of this process
(``time.process_time``: what counts on a machine shared with other work) and in wall time;
the others' in wall time. ``--steps`` adds the CPU time of each step of the 16-column run
(reading, each column's op in each pass, the checks' first pass, decision, second pass and
re-scan, writing).
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pc

pa.set_cpu_count(1)
pa.set_io_thread_count(1)

from medguard.demo.sharing import _COMPLAINTS, sharing_policy  # noqa: E402
from medguard.keys import Keyring  # noqa: E402
from medguard.lifecycle import Pipeline, Policy  # noqa: E402
from medguard.ops.base import OpContext  # noqa: E402

COLUMNS = [
    "patient_id", "name", "resident_id", "mobile", "landline", "email", "address", "sex",
    "birth_date", "age", "visit_id", "visit_date", "hospital", "department", "icd10", "fee",
]  # fmt: skip


def make_table(rows: int, seed: int = 7) -> pd.DataFrame:
    """``rows`` visits: a synthetic extract tiled with fresh patient and visit numbers."""
    from medguard.testing.synthetic import synthetic_extract

    people, visits, _ = synthetic_extract(min(20_000, max(200, rows // 3)), seed=seed)
    base = visits.merge(people, on="patient_id")
    base["birth_date"] = base["birth_date"].astype(str)
    base["visit_date"] = base["visit_date"].astype(str)
    base["fee"] = base["fee"].map(lambda v: f"{v:.2f}")
    base["age"] = base["age"].astype(str)
    tiles = []
    for i in range(-(-rows // len(base))):
        t = base.copy()
        t["patient_id"] = f"P{i:02d}" + t["patient_id"].str.slice(1).str.zfill(8)
        t["visit_id"] = f"V{i:02d}" + t["visit_id"].str.slice(1).str.zfill(8)
        tiles.append(t)
    frame = pd.concat(tiles, ignore_index=True).iloc[:rows][COLUMNS].reset_index(drop=True)
    what = [_COMPLAINTS[i % len(_COMPLAINTS)] for i in range(len(frame))]
    frame["note"] = [
        f"患者{n}因{w}于{d}来院就诊，查体未见明显异常，嘱按时服药并复查，联系电话{m}。"
        for n, w, d, m in zip(
            frame["name"], what, frame["visit_date"], frame["mobile"], strict=True
        )
    ]
    return frame


def bench_policy(with_note: bool, checks: bool = True) -> Policy:
    """The sharing policy of :mod:`medguard.demo.sharing`, over the benchmark's columns."""
    data = sharing_policy(k=5, max_suppressed=0.05).to_dict()
    fields = data["fields"]
    pa_ = {"category": "personal_attribute"}
    fields["landline"] = {**pa_, "level": 4, "kind": "phone", "sharing": {"op": "drop"}}
    fields["email"] = {**pa_, "level": 4, "kind": "email", "sharing": {"op": "drop"}}
    fields["age"] = {**pa_, "level": 3, "kind": "age", "sharing": {"op": "generalize",
                                                                   "kind": "age"}}  # fmt: skip
    fields["visit_id"] = {"category": "medical_application", "level": 3, "kind": "record_number",
                          "sharing": {"op": "tokenize", "kind": "record_number",
                                      "keep_prefix": True}}  # fmt: skip
    fields["hospital"] = {"category": "health_resource", "level": 1}
    if not with_note:
        del fields["note"]
    if not checks:
        data.pop("checks")
    return Policy.from_dict(data)


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:>10,.0f} rows/s ({seconds:6.2f} s)"


def rates(rows: int, timing: tuple[float, float]) -> str:
    """``rows`` per second of CPU time, then of wall time."""
    cpu, wall = timing
    return f"{rows / cpu:>10,.0f} rows/s CPU ({cpu:6.2f} s), {rows / wall:>9,.0f} wall"


def run_protect(
    frame: pd.DataFrame, ring: Keyring, with_note: bool, tmp: Path
) -> tuple[float, float]:
    cols = [*COLUMNS, "note"] if with_note else COLUMNS
    src = tmp / f"in_{len(cols)}.csv"
    pc.write_csv(pa.Table.from_pandas(frame[cols], preserve_index=False), src)
    pipeline = Pipeline(bench_policy(with_note), stage="sharing", keyring=ring, recipient="cdc")
    cpu, started = time.process_time(), time.perf_counter()
    summary = pipeline.run_file(src, tmp / "out.csv", progress=False)
    timing = time.process_time() - cpu, time.perf_counter() - started
    print(f"  k reached {summary.k}, {summary.suppressed_rows} rows suppressed, levels "
          f"{dict(summary.checks['levels'])}")  # fmt: skip
    return timing


def steps(frame: pd.DataFrame, ring: Keyring, tmp: Path) -> None:
    """CPU time of each step of the 16-column protect run (the functions wrapped and timed)."""
    from medguard.lifecycle import checks, stream

    spent: collections.Counter[str] = collections.Counter()

    def timed(label: str, f: object) -> object:
        @functools.wraps(f)  # type: ignore[arg-type]
        def wrapper(*args: object, **kwargs: object) -> object:
            started = time.process_time()
            try:
                return f(*args, **kwargs)  # type: ignore[operator]
            finally:
                spent[label] += time.process_time() - started

        return wrapper

    def timed_batches(f: object) -> object:
        def wrapper(*args: object, **kwargs: object) -> object:
            batches = f(*args, **kwargs)  # type: ignore[operator]
            while True:
                started = time.process_time()
                batch = next(batches, None)
                spent["read and parse CSV"] += time.process_time() - started
                if batch is None:
                    return
                yield batch

        return wrapper

    saved = {
        (stream, "read_batches"): stream.read_batches,
        (stream._Writer, "write"): stream._Writer.write,
        (stream, "file_sha256"): stream.file_sha256,
    }
    names = {
        "collect": "checks: first pass (codes, hashes)",
        "decide": "checks: k and search",
        "apply": "checks: second pass (levels, suppression)",
        "_rescan": "checks: re-scan",
    }
    for name, label in names.items():
        saved[(checks.SharingChecks, name)] = getattr(checks.SharingChecks, name)
        setattr(checks.SharingChecks, name, timed(label, getattr(checks.SharingChecks, name)))
    stream.read_batches = timed_batches(stream.read_batches)  # type: ignore[assignment]
    stream._Writer.write = timed("write CSV", stream._Writer.write)  # type: ignore[method-assign]
    stream.file_sha256 = timed("fingerprints (SHA-256)", stream.file_sha256)  # type: ignore
    policy = bench_policy(False)
    plan = Pipeline(policy, stage="sharing", keyring=ring).plan(COLUMNS)
    for step in plan.steps:
        kind = type(step.op)
        if (kind, "apply") not in saved:
            saved[(kind, "apply")] = kind.apply

            def apply(self: object, column: object, ctx: object, _f: object = kind.apply) -> object:
                started = time.process_time()
                try:
                    return _f(self, column, ctx)  # type: ignore[operator]
                finally:
                    spent[f"op {ctx.field} ({self.name})"] += time.process_time() - started  # type: ignore[attr-defined]

            kind.apply = apply  # type: ignore[method-assign]
    try:
        total = run_protect(frame, ring, False, tmp)[0]
    finally:
        for (owner, name), value in saved.items():
            setattr(owner, name, value)
    print(
        f"  CPU time per step of the 16-column run ({total:.2f} s in all; the checks' "
        "second pass includes the re-scan):"
    )
    for label, seconds in spent.most_common():
        print(f"    {label:44s} {seconds:6.3f} s  {100 * seconds / total:5.1f}%")


def run_by_hand(table: pa.Table, ring: Keyring, policy: Policy) -> tuple[float, float]:
    """Each column's op applied directly, as a user composing medguard's ops would."""
    pipeline = Pipeline(policy, stage="sharing", keyring=ring, recipient="cdc")
    plan = pipeline.plan(table.schema)
    subjects = table.column("patient_id")
    raw = {n: table.column(n) for n in table.column_names}
    cpu, started = time.process_time(), time.perf_counter()
    out = {}
    for step in plan.steps:
        ctx = OpContext(
            keyring=ring,
            table=policy.dataset,
            field=step.column,
            subjects=subjects if "subject" in step.op.needs else None,
            recipient="cdc",
            columns=raw if "columns" in step.op.needs else None,
        )
        if not getattr(step.op, "removes_column", False):
            out[step.column] = step.op.apply(table.column(step.column), ctx)[0]
    return time.process_time() - cpu, time.perf_counter() - started


def run_pipeline(table: pa.Table, ring: Keyring, policy: Policy) -> tuple[float, float]:
    pipeline = Pipeline(policy, stage="sharing", keyring=ring, recipient="cdc")
    cpu, started = time.process_time(), time.perf_counter()
    pipeline.run(table)
    return time.process_time() - cpu, time.perf_counter() - started


def others(frame: pd.DataFrame) -> None:
    sample = frame.iloc[:20_000].copy()
    n = len(sample)
    # presidio-structured: one entity per column, operators per entity; no free text inside cells
    try:
        from presidio_anonymizer.entities import OperatorConfig
        from presidio_structured import PandasDataProcessor, StructuredAnalysis, StructuredEngine

        analysis = StructuredAnalysis(entity_mapping={
            "name": "PERSON", "resident_id": "ID", "mobile": "PHONE_NUMBER",
            "landline": "PHONE_NUMBER", "email": "EMAIL_ADDRESS", "address": "LOCATION",
            "birth_date": "DATE_TIME", "visit_date": "DATE_TIME", "note": "NOTE",
        })  # fmt: skip
        ops = {
            "PERSON": OperatorConfig("replace", {"new_value": "<PERSON>"}),
            "ID": OperatorConfig("hash", {"hash_type": "sha256"}),
            "PHONE_NUMBER": OperatorConfig("mask", {"masking_char": "*", "chars_to_mask": 7,
                                                    "from_end": True}),
            "EMAIL_ADDRESS": OperatorConfig("redact"), "LOCATION": OperatorConfig("redact"),
            "DATE_TIME": OperatorConfig("keep"), "NOTE": OperatorConfig("redact"),
        }  # fmt: skip
        engine = StructuredEngine(data_processor=PandasDataProcessor())
        started = time.perf_counter()
        engine.anonymize(sample, analysis, operators=ops)
        print(
            f"  presidio-structured  {rate(n, time.perf_counter() - started)}: per-cell "
            "operators; could not: de-identify inside notes (a note is redacted whole), "
            "shift dates per patient, generalize places or ICD-10, format-preserving "
            "pseudonyms, k-anonymity, per-recipient pseudonyms"
        )
    except Exception as exc:  # a contender that fails is reported, not fatal
        print(f"  presidio-structured  failed: {type(exc).__name__}: {str(exc)[:120]}")
    # deidkit: schema-driven; Spanish/English NLP for free text (spaCy model not shipped here)
    try:
        import deidkit

        policy = deidkit.Policy(
            entity_key="patient_id",
            lang="en",
            spacy_model=None,
            known_name_columns=["name"],
            known_id_columns=["resident_id"],
        )
        started = time.perf_counter()
        deidkit.deidentify_dataframe(sample, table="visits", policy=policy)
        print(
            f"  deidkit              {rate(n, time.perf_counter() - started)}: could not: "
            "Chinese names in notes (no Chinese NLP), resident ID / mobile formats, "
            "generalization search, k-anonymity, per-recipient pseudonyms"
        )
    except Exception as exc:
        print(f"  deidkit              failed: {type(exc).__name__}: {str(exc)[:160]}")
    # anonimize: per-column strategies (hash, mask, faker, noise); no free text, no dates
    try:
        import secrets

        import anonimize

        os.environ.setdefault("ANONIMIZE_SALT", secrets.token_hex(16))  # it refuses without one
        schema = {"name": "faker_name", "resident_id": "hash", "mobile": "mask",
                  "landline": "mask", "email": "faker_email", "address": "mask",
                  "patient_id": "hash", "visit_id": "hash"}  # fmt: skip
        started = time.perf_counter()
        anonimize.anonymize(sample.copy(), schema)
        print(
            f"  anonimize            {rate(n, time.perf_counter() - started)}: could not: "
            "notes, date shifts, generalization, k-anonymity, keyed pseudonyms (salted hashes)"
        )
    except Exception as exc:
        print(f"  anonimize            failed: {type(exc).__name__}: {str(exc)[:160]}")


_CHILD = """
import resource, sys
import pyarrow as pa
pa.set_cpu_count(1); pa.set_io_thread_count(1)
sys.path.insert(0, sys.argv[3])
from bench_pipeline import bench_policy
from medguard.keys import Keyring
from medguard.lifecycle import Pipeline
policy = bench_policy(sys.argv[4] == "note")
p = Pipeline(policy, stage="sharing", keyring=Keyring.generate(), recipient="cdc")
s = p.run_file(sys.argv[1], sys.argv[2], progress=False)
# VmHWM, not ru_maxrss: a child started with vfork inherits its parent's high-water mark there
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(peak // 1024, s.rows_in, round(s.seconds, 1))
"""


def stream_memory(frame: pd.DataFrame, rows: int, tmp: Path, note: bool) -> None:
    table = pa.Table.from_pandas(frame if note else frame[COLUMNS], preserve_index=False)
    src = tmp / "big.csv"
    with pc.CSVWriter(src, table.schema) as writer:
        written = 0
        tile = 0
        while written < rows:
            part = table.slice(0, min(len(table), rows - written))
            pid = pa.array([f"T{tile:03d}{v[1:]}" for v in part.column("patient_id").to_pylist()])
            part = part.set_column(0, "patient_id", pid)
            writer.write_table(part)
            written += part.num_rows
            tile += 1
    size = src.stat().st_size >> 20
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(src), str(tmp / "big_out.csv"),
         str(Path(__file__).parent), "note" if note else "plain"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode:
        print(f"  streaming {rows:,} rows failed: {out.stderr.strip().splitlines()[-1]}")
        return
    peak, done, seconds = out.stdout.split()
    print(
        f"  streaming {int(done):,} rows ({size} MB CSV, {table.num_columns} columns, "
        "checks on): peak RSS "
        f"{peak} MB, {seconds} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--stream-rows", type=int, default=2_000_000)
    parser.add_argument("--skip-others", action="store_true")
    parser.add_argument("--skip-protect", action="store_true", help="only the streaming check")
    parser.add_argument(
        "--stream-note", action="store_true", help="stream with the note column (slow)"
    )
    parser.add_argument("--steps", action="store_true", help="CPU time per step (16 columns)")
    args = parser.parse_args()
    started = time.perf_counter()
    frame = make_table(args.rows)
    print(f"table: {len(frame):,} rows, {frame['patient_id'].nunique():,} patients "
          f"(built in {time.perf_counter() - started:.1f} s); one core")  # fmt: skip
    ring = Keyring.generate()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if args.skip_protect:
            stream_memory(frame, args.stream_rows, tmp, note=args.stream_note)
            return
        print("medguard protect (run_file CSV -> CSV, sharing checks on):")
        s16 = run_protect(frame, ring, False, tmp)
        print(f"  16 columns, no note   {rates(len(frame), s16)}   target >= 100,000")
        if args.steps:
            steps(frame, ring, tmp)
        s17 = run_protect(frame, ring, True, tmp)
        print(f"  17 columns with note  {rates(len(frame), s17)}   target >= 60,000")
        print("pipeline overhead (in memory, no checks, 17 columns):")
        table = pa.Table.from_pandas(frame, preserve_index=False)
        plain = bench_policy(True, checks=False)
        hand = run_by_hand(table, ring, plain)
        piped = run_pipeline(table, ring, plain)
        print(f"  ops composed by hand  {rates(len(frame), hand)}")
        print(
            f"  Pipeline.run          {rates(len(frame), piped)}  "
            f"overhead {100 * (piped[0] - hand[0]) / hand[0]:+.1f}% (CPU)"
        )
        if not args.skip_others:
            print("others, on the first 20,000 rows:")
            others(frame)
        if args.stream_rows:
            print("bounded memory:")
            stream_memory(frame, args.stream_rows, tmp, note=args.stream_note)
    print(
        f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10} MB"
    )


if __name__ == "__main__":
    main()
