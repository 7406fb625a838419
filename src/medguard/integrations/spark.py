"""medguard on Spark: the same policy, compiled once, run by every executor on Arrow batches.

::

    import medguard.integrations.spark as mgspark
    from medguard.lifecycle import KeyringRef, Pipeline
    from medguard.keys import EnvKeyProvider

    ref = KeyringRef("/shared/keys/visits.mgk", EnvKeyProvider("MEDGUARD_KEY"))
    pipeline = Pipeline("policy.yaml", stage="sharing", keyring_ref=ref, recipient="cdc")
    shared = mgspark.protect(visits_sdf, pipeline)          # a lazy Spark DataFrame
    job = mgspark.protect_job(visits_sdf, pipeline)         # the same, with the job's counts
    job.write_parquet("s3://bucket/shared/")                # runs it; one audit record per job

:func:`protect` runs the pipeline's compiled plan (:meth:`Pipeline.compile
<medguard.lifecycle.Pipeline.compile>`) through ``DataFrame.mapInArrow``: each executor gets the
plan (operations and a key *reference*, never keys), opens the keyring file itself with the
reference's provider (an environment variable set on the executors: ``spark.executorEnv.VAR``)
once per Python worker, and applies the very ops a pandas run applies, so pseudonyms, tokens,
date shifts, masks and generalizations are byte-identical to the single-machine output for the
same rows; randomized encryption decrypts to the same values. An in-memory keyring
(``Keyring.generate()``) cannot reach an executor and is refused (:class:`SparkKeyError`), saying
what to use.

Whole-dataset steps: a policy with sharing checks runs them as Spark steps
(:mod:`medguard.lifecycle.counted_checks`), so the result is the single-machine run's: the
quasi-identifiers as the plan leaves them are labelled at every level of their hierarchies on the
executors, one ``groupBy`` counts rows per distinct (labels, subject), the driver runs the
generalization search over that counted table (the same levels as one machine), and the executors
generalize and drop the rows of the classes under k (suppression decided from global counts).
The re-scan is a distributed scan: keyed hashes of the input identifiers and of the output cells
(the plan runs once more for it, writing nothing), joined on the hash. A refusal is
:class:`~medguard.lifecycle.checks.CheckFailed` with the single-machine message, raised by
:func:`protect_job` before any row is written.

:func:`protect_parquet` (``medguard protect --engine spark``) runs a Parquet directory: Spark
schedules one task per row group and each executor reads and writes its Parquet with pyarrow,
so rows skip Spark's JVM Parquet reader and writer (which cost about as much CPU per row as the
ops); the sharing checks' passes run on the DataFrame.

:func:`scan` classifies the columns of a Spark DataFrame from a sample Spark takes
(:func:`medguard.detect.scan_frame` on the collected sample). :func:`dp_count` and
:func:`dp_sum` give DP aggregates with per-subject contribution bounding done by Spark
(:func:`bounded_contributions`: a window over the subject in a keyed random order) and the
noise added on the driver, charged to the same :class:`~medguard.privacy.BudgetLedger` as
on one machine.

Importing this module needs ``pyspark`` (``pip install medguard[spark]``) and registers nothing
else; ``import medguard`` does not import it.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from medguard.errors import InvalidArgument, KeyringError, MissingDependency, PolicyError

try:
    import pyarrow as pa
    from pyspark.sql import DataFrame
    from pyspark.sql import functions as sf
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema
except ImportError:  # pragma: no cover - exercised without the extra
    raise MissingDependency("pyspark", extra="spark", feature="medguard on Spark") from None

__all__ = [
    "SparkJob",
    "SparkKeyError",
    "bounded_contributions",
    "dp_count",
    "dp_sum",
    "k_per_subject",
    "protect",
    "protect_job",
    "protect_parquet",
    "scan",
]


class SparkKeyError(KeyringError, PolicyError):
    """The pipeline's keys cannot reach the executors (an in-memory keyring, an unpicklable
    provider); the message says what to use instead."""


_IN_MEMORY = (
    "an in-memory keyring cannot reach Spark executors (a keyring is never pickled): keep the "
    "keyring in a file, e.g. Keyring.create(path, EnvKeyProvider('MEDGUARD_KEY')), and build the "
    "pipeline with keyring_ref=KeyringRef(path, EnvKeyProvider('MEDGUARD_KEY')); the file must be "
    "readable on every executor and the variable set there (spark.executorEnv.MEDGUARD_KEY)"
)


def _keyring_ref(pipeline: Any) -> Any:
    """The pipeline's key reference, refusing what cannot travel to an executor."""
    from medguard.keys import EnvKeyProvider
    from medguard.lifecycle import KeyringRef

    ref = pipeline.keyring_ref
    ring = pipeline.keyring
    if ref is None and ring is not None:
        path = getattr(ring, "path", None)
        provider = getattr(ring, "_provider", None)
        if path is None:
            raise SparkKeyError(_IN_MEMORY)
        if not isinstance(provider, EnvKeyProvider):
            raise SparkKeyError(
                f"the keyring {path} is protected by a {type(provider).__name__}, which cannot "
                "travel to executors (it holds a secret): protect it with an EnvKeyProvider and "
                "pass keyring_ref=KeyringRef(path, EnvKeyProvider('VAR')) with VAR set on every "
                "executor (spark.executorEnv.VAR)"
            )
        ref = KeyringRef(str(path), EnvKeyProvider(provider.variable))
    if ref is not None:
        import pickle

        try:
            pickle.dumps(ref.provider)
        except Exception:  # any pickling failure means the same thing here
            raise SparkKeyError(
                f"the key provider {type(ref.provider).__name__} of the keyring reference cannot "
                "travel to executors: use EnvKeyProvider('VAR') with VAR set on every executor"
            ) from None
    return ref


def _arrow_schema(sdf: DataFrame) -> Any:
    return to_arrow_schema(sdf.schema)


def _small_types(schema: Any) -> Any:
    """Large string/binary types as their plain forms (Spark maps both to one SQL type)."""
    fields = []
    for f in schema:
        t = f.type
        if pa.types.is_large_string(t) or pa.types.is_string_view(t):
            t = pa.string()
        elif pa.types.is_large_binary(t):
            t = pa.binary()
        fields.append(pa.field(f.name, t, nullable=True))
    return pa.schema(fields)


def _output_schema(
    compiled: Any, in_schema: Any, ring: Any, probe: Any = None, generalized: Any = ()
) -> Any:
    """The output's Arrow schema, from the plan run on the driver.

    Some ops change a column's type only for non-null values (a date generalized to a month is
    a string), so the plan runs on ``probe`` (a few real rows) as well as on an empty batch; a
    column with a non-null value in the probe's output takes the probe's type. A batch whose
    output type cannot be cast to the schema fails the job (never a silent change). Ops with
    per-subject keys take their type from the empty batch: the probe does not run them, so it
    creates no subject key on the driver (the executors create each key once).
    """
    from medguard.ops.base import op_from_config

    empty = pa.RecordBatch.from_arrays(
        [pa.array([], type=f.type) for f in in_schema], schema=in_schema
    )
    out, _ = compiled(empty, keyring=ring)
    types = {f.name: f.type for f in out.schema}
    if probe is not None and probe.num_rows:
        keyed = {s.column for s in compiled.plan.steps if getattr(s.op, "per_subject", False)}
        keep = op_from_config({"op": "keep"})
        steps = tuple(
            dataclasses.replace(s, op=keep) if s.column in keyed else s for s in compiled.plan.steps
        )
        unkeyed = dataclasses.replace(
            compiled, plan=dataclasses.replace(compiled.plan, steps=steps)
        )
        probed, _ = unkeyed(probe.cast(in_schema), keyring=ring)
        for f in probed.schema:
            column = probed.column(f.name)
            if f.name in keyed or pa.types.is_null(f.type):
                continue
            if column.null_count < len(column):
                types[f.name] = f.type
    fields = []
    for name, t in types.items():
        if name in generalized:  # the search's labels are text
            t = pa.string()
        if pa.types.is_null(t):  # an all-null output column keeps the input's type
            t = in_schema.field(name).type
        fields.append(pa.field(name, t))
    return _small_types(pa.schema(fields))


def _probe(sdf: DataFrame, rows: int = 1_000) -> Any:
    """A few real rows as one Arrow batch (the driver learns the ops' output types from it)."""
    table = sdf.limit(rows).toArrow()
    return table.combine_chunks().to_batches()[0] if table.num_rows else None


class _ReportParam:
    """Accumulator parameter adding :class:`~medguard.lifecycle.PipelineReport` objects."""

    def zero(self, value: Any) -> Any:
        return None

    def addInPlace(self, a: Any, b: Any) -> Any:  # noqa: N802 - Spark's name
        if a is None:
            return b
        if b is None:
            return a
        return a + b


@dataclass(frozen=True)
class _BatchRunner:
    """The function each executor runs: the compiled plan over the partition's Arrow batches.

    ``applier``: the sharing checks' generalization and suppression (decided globally);
    ``hashes``: instead of rows, yield the re-scan's hashes of the output (nothing counted).
    """

    compiled: Any
    schema: Any
    accumulator: Any
    applier: Any = None
    hashes: Any = None

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        total = None
        for batch in batches:
            # the stored form is read as values once, for the ops and the suppression alike
            batch, _ = self.compiled.open_stored(batch)
            out, report = self.compiled(batch, opened=True)
            if self.applier is not None:
                out = self.applier(batch, out)
            if self.hashes is not None:
                yield self.hashes(out)
                continue
            total = report if total is None else total + report
            yield self.conform(out)
        if total is not None and self.accumulator is not None:
            self.accumulator.add(total)

    def conform(self, out: Any) -> Any:
        """An output batch in the job's output schema (a type that cannot be cast fails)."""
        arrays = []
        for f in self.schema:
            column = out.column(f.name)
            if column.type != f.type:
                column = column.cast(f.type)
            arrays.append(column)
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


@dataclass(frozen=True)
class _EachBatch:
    """A function of one Arrow batch applied to every batch of a partition."""

    function: Any
    #: A :class:`~medguard.lifecycle.pipeline.CompiledPlan` whose stage reads stored
    #: ciphertexts as values first (the checks see what the ops see), or None.
    opener: Any = None

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        for batch in batches:
            if self.opener is not None:
                batch, _ = self.opener.open_stored(batch)
            yield self.function(batch)


@dataclass
class SparkJob:
    """A protected Spark DataFrame (``frame``, lazy) and the counts of the job that runs it.

    The counts (:meth:`report`) are summed from every batch through a Spark accumulator once an
    action ran; :meth:`write_parquet` runs the job and records one audit record for the whole
    job in the pipeline's ``audit`` sink (never one per partition).
    """

    frame: DataFrame
    pipeline: Any
    plan: Any
    _accumulator: Any = dataclasses.field(repr=False)
    checks: Any = None
    _runner: Any = dataclasses.field(default=None, repr=False)

    def report(self) -> Any:
        """The :class:`~medguard.lifecycle.PipelineReport` summed over the batches processed.

        ``None`` before an action ran. A DataFrame computed twice counts twice: run one action
        (:meth:`write_parquet`, or ``cache()`` first).
        """
        return self._accumulator.value

    def write_parquet(self, path: str, *, mode: str = "errorifexists") -> Any:
        """Write the protected frame as a Parquet directory; record the job; return the report."""
        import time

        started = time.perf_counter()
        self.frame.write.mode(mode).parquet(path)
        report = self.report()
        self.record(report, seconds=time.perf_counter() - started)
        return report

    def record(self, report: Any = None, *, seconds: float = 0.0) -> Any:
        """Record the job (one audit record, counts summed) in the pipeline's audit sink."""
        from medguard.lifecycle.summary import RunSummary

        report = report if report is not None else self.report()
        if report is None:
            from medguard.lifecycle.pipeline import PipelineReport

            report = PipelineReport(self.plan.dataset, self.plan.stage, self.plan.recipient, 0, {})
        dropped = 0 if self.checks is None else self.checks.suppressed_rows
        summary = RunSummary.build(
            self.pipeline, self.plan, report, checks=self.checks,
            rows_in=report.rows, rows_out=report.rows - dropped, seconds=seconds,
        )  # fmt: skip
        summary.record(self.pipeline.audit)
        return summary


def protect_job(sdf: DataFrame, pipeline: Any) -> SparkJob:
    """Plan ``pipeline`` against ``sdf``'s schema and build the Spark job (nothing runs yet).

    Refused before any row moves: the plan's own refusals (:class:`~medguard.lifecycle.PlanError`),
    keys that cannot reach executors (:class:`SparkKeyError`) and, for a policy with sharing
    checks, a k-anonymity check the data fails as the plan leaves it
    (:class:`~medguard.lifecycle.checks.CheckFailed`; this runs one Spark job).
    """
    from medguard.lifecycle import Pipeline

    if not isinstance(sdf, DataFrame):
        raise InvalidArgument(f"expected a Spark DataFrame, got {type(sdf).__name__}")
    if not isinstance(pipeline, Pipeline):
        raise InvalidArgument(f"expected a medguard Pipeline, got {type(pipeline).__name__}")
    ref = _keyring_ref(pipeline)
    in_schema = _arrow_schema(sdf)
    plain = Pipeline(
        pipeline.policy, stage=pipeline.stage, recipient=pipeline.recipient, keyring_ref=ref
    )
    compiled = plain.compile(in_schema)
    if ref is not None:
        compiled = dataclasses.replace(compiled, keyring_ref=ref)
    counted = _sharing_checks(sdf, pipeline, compiled)
    driver_ring = None if ref is None else ref.open()
    generalized = {} if counted is None else counted.generalized()
    out_schema = _output_schema(compiled, in_schema, driver_ring, _probe(sdf), generalized)
    context = sdf.sparkSession.sparkContext
    applier = None
    if counted is not None:
        keys = counted.suppressed_keys
        applier = counted.applier(context.broadcast(keys) if keys is not None else None)
        if counted.rescans:
            _rescan(sdf, counted, compiled, applier)
    accumulator = context.accumulator(None, _ReportParam())  # type: ignore[arg-type]
    runner = _BatchRunner(compiled, out_schema, accumulator, applier)
    frame = sdf.mapInArrow(runner, from_arrow_schema(out_schema, prefer_timestamp_ntz=False))
    checks = None if counted is None else counted.outcome
    return SparkJob(frame, pipeline, compiled.plan, accumulator, checks, runner)


def protect(sdf: DataFrame, pipeline: Any) -> DataFrame:
    """``sdf`` protected by ``pipeline`` (a lazy Spark DataFrame); see :func:`protect_job`."""
    return protect_job(sdf, pipeline).frame


def protect_parquet(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    pipeline: Any,
    *,
    master: str | None = None,
    io: str = "arrow",
    batch_rows: int = 65_536,
) -> Any:
    """Protect the Parquet directory (or file) ``source`` into the Parquet directory ``target``.

    Uses the active Spark session, else starts one (``master``, e.g. ``local[2]``; default:
    Spark's own, from ``spark-submit`` or ``local[*]``). ``target`` must not exist; a failed or
    refused job leaves no ``target``. Returns the
    :class:`~medguard.lifecycle.summary.RunSummary` of the job, recorded once in the
    pipeline's audit sink. This is ``medguard protect --engine spark``.

    ``io="arrow"`` (default): Spark schedules one task per Parquet row group and each executor
    reads its row group and writes its part file with pyarrow (``batch_rows`` rows at a time),
    so the rows never pass through Spark's JVM Parquet reader and writer (about 3 µs of core
    time per row, as much as the ops themselves); every executor must reach ``source`` and
    ``target`` (a shared file system, HDFS or S3 through ``pyarrow.fs``). ``io="spark"``: the
    DataFrame path (:func:`protect_job` and ``DataFrame.write.parquet``). The output rows are
    the same either way; the sharing checks' passes run on the DataFrame in both.
    """
    import time
    import uuid

    from pyspark.sql import SparkSession

    if io not in ("arrow", "spark"):
        raise InvalidArgument("io must be 'arrow' or 'spark'")
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise InvalidArgument("batch_rows must be a positive integer")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("medguard protect")
    if master is not None:
        builder = builder.master(master)
    elif SparkSession.getActiveSession() is None and "SPARK_HOME" not in os.environ:
        builder = builder.master("local[*]")
    spark = builder.getOrCreate()
    started = time.perf_counter()
    if io == "arrow":
        out_fs, out_path = _filesystem(str(target))
        if _exists(out_fs, out_path):
            raise InvalidArgument(f"the output {target} already exists: nothing written")
    sdf = spark.read.parquet(str(source))
    job = protect_job(sdf, pipeline)
    tasks = _row_groups(str(source), _arrow_schema(sdf)) if io == "arrow" else None
    if tasks is not None:
        writer = _ArrowWriter(
            job._runner, _arrow_schema(sdf), tasks[0], out_fs, out_path,
            uuid.uuid4().hex[:12], batch_rows,
        )  # fmt: skip
        report = _write_with_arrow(spark, tasks[1], writer)
        return job.record(report, seconds=time.perf_counter() - started)
    from pyspark.errors import AnalysisException

    try:
        job.frame.write.mode("errorifexists").parquet(str(target))
    except AnalysisException as exc:
        if "PATH_ALREADY_EXISTS" in str(exc) or "already exists" in str(exc):
            raise InvalidArgument(f"the output {target} already exists: nothing written") from None
        raise
    return job.record(seconds=time.perf_counter() - started)


def _filesystem(where: str) -> tuple[Any, str]:
    """A pyarrow file system and path for a local path or a URI (``hdfs://``, ``s3://``)."""
    from pyarrow import fs as pafs

    if "://" in where:
        filesystem, path = pafs.FileSystem.from_uri(where)
        return filesystem, str(path)
    return pafs.LocalFileSystem(), os.path.abspath(where)


def _exists(filesystem: Any, path: str) -> bool:
    from pyarrow import fs as pafs

    return bool(filesystem.get_file_info(path).type != pafs.FileType.NotFound)


@dataclass(frozen=True)
class _RowGroupTask:
    """One Parquet row group: the task an executor reads, protects and writes."""

    path: str
    row_group: int


@dataclass(frozen=True)
class _ArrowWriter:
    """What each executor runs with ``io="arrow"``: read its row groups with pyarrow, run the
    plan (and the checks' generalization and suppression), write one part file."""

    runner: _BatchRunner
    in_schema: Any
    source_fs: Any
    target_fs: Any
    target: str
    job_id: str
    batch_rows: int

    def __call__(self, index: int, tasks: Iterator[_RowGroupTask]) -> Iterator[Any]:
        import pyarrow.parquet as pq

        compiled, applier = self.runner.compiled, self.runner.applier
        total = None
        path = f"{self.target}/part-{index:05d}-{self.job_id}.parquet"
        with pq.ParquetWriter(path, self.runner.schema, filesystem=self.target_fs) as writer:
            for task in tasks:
                with self.source_fs.open_input_file(task.path) as handle:
                    reader = pq.ParquetFile(handle, pre_buffer=False, buffer_size=1 << 20)
                    names = list(self.in_schema.names)
                    for batch in reader.iter_batches(
                        batch_size=self.batch_rows, row_groups=[task.row_group], columns=names
                    ):
                        batch = batch.select(names).cast(self.in_schema)
                        batch, _ = compiled.open_stored(batch)
                        out, report = compiled(batch, opened=True)
                        if applier is not None:
                            out = applier(batch, out)
                        total = report if total is None else total + report
                        writer.write_batch(self.runner.conform(out))
        yield total


def _row_groups(source: str, in_schema: Any) -> tuple[Any, list[_RowGroupTask]] | None:
    """The file system and row groups of the Parquet ``source``, or None when its files lack
    columns Spark reads (partition directories such as ``year=2024/``): the DataFrame path
    then writes instead."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    dataset = ds.dataset(source, format="parquet")
    if any(name not in dataset.schema.names for name in in_schema.names):
        return None
    filesystem = dataset.filesystem
    tasks: list[_RowGroupTask] = []
    for path in dataset.files:
        with filesystem.open_input_file(path) as handle:
            groups = pq.ParquetFile(handle).metadata.num_row_groups
        tasks.extend(_RowGroupTask(path, g) for g in range(groups))
    return filesystem, tasks


def _write_with_arrow(spark: Any, tasks: list[_RowGroupTask], writer: _ArrowWriter) -> Any:
    """Run ``writer`` over the row groups on the executors; the summed report. The target is
    created here and removed again when any task fails."""
    target_fs, target = writer.target_fs, writer.target
    target_fs.create_dir(target)
    try:
        if tasks:
            reports = (
                spark.sparkContext.parallelize(tasks, len(tasks))
                .mapPartitionsWithIndex(writer)
                .collect()
            )
        else:  # no row group: one empty file with the output's columns
            reports = list(writer(0, iter(())))
        with target_fs.open_output_stream(f"{target}/_SUCCESS"):
            pass
    except BaseException:
        target_fs.delete_dir(target)
        raise
    total = None
    for report in reports:
        if report is not None:
            total = report if total is None else total + report
    return total


# -- whole-dataset steps ------------------------------------------------------------------------


def _col(name: str) -> Any:
    """A column by its exact name (dots and backticks quoted)."""
    return sf.col("`" + name.replace("`", "``") + "`")


def k_per_subject(sdf: DataFrame, quasi_identifiers: Sequence[str], subject: str) -> int:
    """The smallest class of ``quasi_identifiers`` counted in distinct ``subject`` values.

    One ``groupBy`` (a shuffle of the quasi-identifier and subject columns only); nulls form
    their own class, as in :func:`medguard.privacy.k_anonymity`. 0 for an empty frame.
    """
    if not quasi_identifiers:
        raise InvalidArgument("k needs at least one quasi-identifier")
    cols = [
        sf.coalesce(_col(q).cast("string"), sf.lit("\0null")).alias(f"__q{i}")
        for i, q in enumerate(quasi_identifiers)
    ]
    grouped = (
        sdf.select(*cols, _col(subject).alias("__subject"))
        .groupBy(*[f"__q{i}" for i in range(len(quasi_identifiers))])
        .agg(sf.countDistinct("__subject").alias("__k"))
    )
    row = grouped.agg(sf.min("__k").alias("k")).collect()[0]
    return 0 if row["k"] is None else int(row["k"])


def _sharing_checks(sdf: DataFrame, pipeline: Any, compiled: Any) -> Any:
    """The policy's sharing checks as Spark steps; the decided :class:`CountedChecks`.

    The k check and the generalization search: the label pass over the needed columns
    (``mapInArrow``), one ``groupBy`` counting rows per distinct (labels, subject), the search
    on the driver over that counted table (refusing as one machine would).
    """
    from medguard.lifecycle.checks import SharingChecks
    from medguard.lifecycle.counted_checks import COUNT, SUBJECT, CountedChecks

    if not SharingChecks.applies(pipeline.policy, pipeline.stage):
        return None
    checks = SharingChecks(pipeline.policy, compiled.plan)  # refuses direct identifiers kept
    counted = CountedChecks(checks, compiled)
    if counted.counts_classes:
        needed = list(dict.fromkeys([*counted.columns_needed(), pipeline.policy.subject]))
        label_pass = counted.label_pass()
        labels = sdf.select(*[_col(c) for c in needed]).mapInArrow(
            _EachBatch(label_pass, compiled), from_arrow_schema(label_pass.schema())
        )
        grouped = labels.groupBy(*counted.label_columns(), SUBJECT).agg(
            sf.count(sf.lit(1)).alias(COUNT)
        )
        counted.decide(grouped.toArrow())
    return counted


def _rescan(sdf: DataFrame, counted: Any, compiled: Any, applier: Any) -> None:
    """The re-scan as a distributed scan: keyed hashes of the input identifiers and of the
    output's cells (the plan, the generalization and the suppression run once more for it, no
    row is written), joined on the hash; a hit refuses the run as on one machine."""
    from medguard.lifecycle.counted_checks import InputHashes, OutputHashes

    ids = [_col(c) for c in counted.identifiers]
    known = (
        sdf.select(*ids)
        .mapInArrow(
            _EachBatch(counted.input_hashes(), compiled), from_arrow_schema(InputHashes.schema())
        )
        .distinct()
        .withColumnRenamed("c", "ic")
    )
    hashes = counted.output_hashes(compiled.plan)
    produced = sdf.mapInArrow(
        _BatchRunner(compiled, None, None, applier, hashes),
        from_arrow_schema(OutputHashes.schema()),
    ).distinct()
    hits = (
        produced.join(known, "h")
        .where(sf.col("piece") | (sf.col("x") != sf.col("ic")))
        .select("c", "piece")
        .distinct()
        .collect()
    )
    counted.refuse([(int(r["c"]), bool(r["piece"])) for r in hits], hashes)


def scan(sdf: DataFrame, *, sample: int = 10_000, seed: int = 0) -> Any:
    """Classify ``sdf``'s columns from a sample of about ``sample`` rows taken by Spark.

    The sample is collected to the driver and classified by :func:`medguard.detect.scan_frame`
    (a report of kinds and counts, never values).
    """
    from medguard.detect.classify import scan_frame

    if not isinstance(sample, int) or sample < 1:
        raise InvalidArgument("sample must be a positive number of rows")
    total = sdf.count()
    part = (
        sdf if total <= sample else sdf.sample(fraction=min(1.0, 1.2 * sample / total), seed=seed)
    )
    frame = part.limit(sample).toPandas()
    return scan_frame(frame, sample=sample, full=True)


# -- DP aggregates ------------------------------------------------------------------------------


def bounded_contributions(
    sdf: DataFrame, *, subject: str, max_rows: int, key: bytes, row_id: str | None = None
) -> DataFrame:
    """At most ``max_rows`` rows per subject, chosen by a keyed random order (no shuffle bias).

    A window over ``subject`` ordered by ``sha2(key || row id)``: which rows are kept cannot be
    predicted without ``key`` (keep it secret, one per release). ``row_id``: a column unique per
    row (default: all columns joined, so identical rows tie and are kept or dropped together).
    """
    from pyspark.sql import Window

    if not isinstance(max_rows, int) or max_rows < 1:
        raise InvalidArgument("max_rows must be a positive integer")
    if not isinstance(key, bytes) or len(key) < 16:
        raise InvalidArgument("key must be at least 16 random bytes")
    ident = (
        _col(row_id).cast("string")
        if row_id is not None
        else sf.to_json(sf.struct(*[_col(c) for c in sdf.columns]))
    )
    order = sf.sha2(sf.concat(sf.lit(key.hex()), sf.lit("|"), ident), 256)
    window = Window.partitionBy(subject).orderBy(order)
    ranked = sdf.withColumn("__mg_rank", sf.row_number().over(window))
    return ranked.where(sf.col("__mg_rank") <= max_rows).drop("__mg_rank")


def _bound_key(key: bytes | None) -> bytes:
    import os

    if key is None:
        return os.urandom(32)
    if not isinstance(key, bytes) or len(key) < 16:
        raise InvalidArgument("bound_key must be at least 16 random bytes")
    return key


def _group_totals(
    sdf: DataFrame, cols: list[str], keys: Sequence[Any] | None, total: Any
) -> tuple[Any, Any]:
    """``(index, totals)``: per public key (zeros for absent keys, other keys ignored)."""
    import numpy as np
    import pandas as pd

    if not cols:
        row = sdf.agg(total.alias("__t")).collect()[0]
        return None, np.array([int(row["__t"] or 0)], dtype=np.int64)
    if keys is None:
        raise InvalidArgument(
            "grouped releases need a list of keys (keys=...): declare the public ones"
        )
    if isinstance(keys, (str, bytes)):
        raise InvalidArgument("keys is a list of public keys, not a single string")
    index = (
        pd.Index(list(keys), name=cols[0])
        if len(cols) == 1
        else pd.MultiIndex.from_tuples([tuple(k) for k in keys], names=cols)
    )
    if index.has_duplicates:
        raise InvalidArgument("the public keys contain duplicates")
    rows = sdf.groupBy(*cols).agg(total.alias("__t")).collect()
    found = {
        (r[cols[0]] if len(cols) == 1 else tuple(r[c] for c in cols)): int(r["__t"] or 0)
        for r in rows
    }
    totals = np.array([found.get(k, 0) for k in index], dtype=np.int64)
    return index, totals


def dp_count(
    sdf: DataFrame,
    *,
    subject: str,
    epsilon: float,
    max_rows_per_patient: int,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: Any = None,
    bound_key: bytes | None = None,
) -> Any:
    """Count rows per public key, each subject contributing at most ``max_rows_per_patient``.

    The Spark form of :func:`medguard.privacy.dp_count`: the same checks, the same budget
    ledger charge (before anything is computed), the same two-sided geometric noise added on the
    driver; contribution bounding runs on Spark (:func:`bounded_contributions`, random key per
    release unless ``bound_key`` is given). Returns a :class:`~medguard.privacy.DPRelease`
    (``dropped`` is not computed on Spark: 0).
    """
    import numpy as np

    from medguard.privacy.aggregates import MECHANISM, DPRelease, _release, _row_bound
    from medguard.privacy.mechanisms import (
        check_epsilon,
        check_noise,
        geometric_interval,
        geometric_noise,
    )

    eps = check_epsilon(epsilon)
    max_rows = _row_bound(max_rows_per_patient, "max_rows_per_patient")
    cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for c in [subject, *cols]:
        if c not in sdf.columns:
            raise InvalidArgument(f"no column {c!r} in the data")
    if cols and keys is None:
        raise InvalidArgument("grouped releases need a list of keys (keys=...)")
    check_noise(eps, max_rows)
    params = {"max_rows_per_patient": max_rows, "by": cols}
    if ledger is not None:
        ledger.spend(eps, query="count", parameters=params)
    bounded = bounded_contributions(
        sdf, subject=subject, max_rows=max_rows, key=_bound_key(bound_key)
    )
    index, true = _group_totals(bounded, cols, keys, sf.count(sf.lit(1)))
    noisy = true + geometric_noise(eps, max_rows, true.size)
    ci = geometric_interval(eps, max_rows)
    table = _release(cols, index, noisy.astype(np.float64), ci, None)
    return DPRelease(table, eps, 0.0, MECHANISM, "count", params, 0, None)


def dp_sum(
    sdf: DataFrame,
    column: str,
    *,
    subject: str,
    epsilon: float,
    lower: float,
    upper: float,
    max_rows_per_patient: int,
    resolution: float | None = None,
    by: Sequence[str] | str | None = None,
    keys: Sequence[Any] | None = None,
    ledger: Any = None,
    bound_key: bytes | None = None,
) -> Any:
    """Sum ``column`` clamped to ``[lower, upper]`` on a fixed-point grid, subjects bounded.

    The Spark form of :func:`medguard.privacy.dp_sum` (see :func:`dp_count`).
    """
    from medguard.privacy.aggregates import (
        MECHANISM,
        DPRelease,
        _finite,
        _release,
        _row_bound,
        _value_bounds,
    )
    from medguard.privacy.mechanisms import (
        check_epsilon,
        check_noise,
        geometric_interval,
        geometric_noise,
    )

    eps = check_epsilon(epsilon)
    low, high = _value_bounds(lower, upper)
    bound = _row_bound(max_rows_per_patient, "max_rows_per_patient")
    step = _finite(resolution, "resolution") if resolution is not None else (high - low) / 10_000
    if not step > 0:
        raise InvalidArgument("resolution must be positive")
    cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for c in [subject, column, *cols]:
        if c not in sdf.columns:
            raise InvalidArgument(f"no column {c!r} in the data")
    if cols and keys is None:
        raise InvalidArgument("grouped releases need a list of keys (keys=...)")
    sensitivity = max(bound * max(abs(low), abs(high)) / step, 1.0)
    check_noise(eps, sensitivity)
    query = f"sum({column})"
    params = {"lower": low, "upper": high, "max_rows_per_patient": bound,
              "resolution": step, "by": cols}  # fmt: skip
    if ledger is not None:
        ledger.spend(eps, query=query, parameters=params)
    bounded = bounded_contributions(sdf, subject=subject, max_rows=bound, key=_bound_key(bound_key))
    clipped = sf.least(sf.greatest(_col(column).cast("double"), sf.lit(low)), sf.lit(high))
    grid = sf.round(clipped / sf.lit(step)).cast("long")
    index, totals = _group_totals(bounded, cols, keys, sf.sum(grid))
    noise = geometric_noise(eps, sensitivity, totals.size)
    ci = geometric_interval(eps, sensitivity) * step
    table = _release(cols, index, (totals + noise) * step, ci, None)
    return DPRelease(table, eps, 0.0, MECHANISM, query, params, 0, None)
