"""Pipelines: a policy compiled for one stage, checked against the data before any row moves.

::

    pipeline = Pipeline(policy, stage="sharing", keyring=ring, recipient="cdc")
    print(pipeline.plan(table.schema))        # per column: op, options, key ID, leaks, origin
    result = pipeline.run(df)                 # pandas DataFrame or pyarrow Table
    result.frame, result.report

:meth:`Pipeline.compile` gives the :class:`CompiledPlan`: one picklable function of an Arrow
``RecordBatch`` (or ``Table``) holding operations and key *references*, never keys: the keyring
is passed when it runs, or opened in the worker from a :class:`KeyringRef` (a keyring file and
its key provider). File streaming, the CLI and Spark build on it.

Refused before the first row, naming the field and the op (:class:`PlanError`): a declared
column missing from the data, an undeclared column when the policy says ``undeclared: error``,
an op that does not accept the column's Arrow type, a needed subject or record-ID column that is
absent, and a keyed op without a keyring.
"""

from __future__ import annotations

import dataclasses
import html
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medguard.errors import MissingDependency, PolicyError
from medguard.lifecycle.checks import SharingChecks
from medguard.lifecycle.policy import Acceptance, Policy
from medguard.lifecycle.stages import Stage
from medguard.lifecycle.stored import StoredColumns, columns_to_open, open_stored
from medguard.lifecycle.summary import RunSummary
from medguard.ops.base import OpContext, OpReport, op_from_config
from medguard.typing import AuditSink, Operation

__all__ = [
    "CompiledPlan",
    "KeyringRef",
    "Pipeline",
    "PipelineReport",
    "PipelineResult",
    "Plan",
    "PlanError",
    "PlanStep",
]


class PlanError(PolicyError):
    """The data does not fit the compiled policy; raised before any row is processed.

    ``field`` names the column and ``op`` the operation (when one is involved).
    """

    def __init__(self, problem: str, *, field: str | None = None, op: str | None = None) -> None:
        self.problem = problem
        self.field = field
        self.op = op
        where = []
        if field is not None:
            where.append(f"field {field!r}")
        if op is not None:
            where.append(f"op {op!r}")
        super().__init__(f"{', '.join(where)}: {problem}" if where else problem)


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - exercised without the extra
        raise MissingDependency("pyarrow", extra="arrow", feature="pipelines") from None
    return pa


@dataclass(frozen=True)
class KeyringRef:
    """Where a worker finds the keyring: a keyring file and its key provider (no keys here).

    The provider must be picklable (an :class:`~medguard.keys.EnvKeyProvider` names an
    environment variable). The opened keyring is cached per process, never pickled.
    """

    path: str
    provider: Any = field(repr=False)

    def open(self) -> Any:
        """The keyring (opened once per process)."""
        key = (self.path, repr(self.provider))
        ring = _OPENED.get(key)
        if ring is None:
            from medguard.keys import Keyring

            ring = Keyring.open(self.path, self.provider)
            _OPENED[key] = ring
        return ring


_OPENED: dict[tuple[str, str], Any] = {}


@dataclass(frozen=True)
class PlanStep:
    """One column's step: its operation, options, key ID, leaks and where the rule came from.

    ``origin``: ``"policy"``, ``"default"`` or ``"undeclared"``; ``reason`` says more (the
    policy path and line, or which level default).
    """

    column: str
    op: Operation
    origin: str
    reason: str
    key_id: str | None = None
    arrow_type: str | None = None

    @property
    def params(self) -> dict[str, Any]:
        """The op's options (its config without ``op``)."""
        config = dict(self.op.to_config())
        config.pop("op", None)
        return config

    @property
    def leaks(self) -> tuple[str, ...]:
        """What the output of this step still reveals."""
        return tuple(self.op.leaks)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for reports and the audit trail)."""
        return {
            "column": self.column,
            "op": self.op.name,
            "params": self.params,
            "key_id": self.key_id,
            "leaks": list(self.leaks),
            "origin": self.origin,
            "reason": self.reason,
            "arrow_type": self.arrow_type,
        }


@dataclass(frozen=True)
class Plan:
    """What a pipeline will do to each column at one stage; printable and shown in notebooks."""

    dataset: str
    stage: Stage
    recipient: str | None
    steps: tuple[PlanStep, ...]
    accepted: tuple[Acceptance, ...] = ()

    def step(self, column: str) -> PlanStep:
        """The step of ``column`` (KeyError when the data has no such column)."""
        for s in self.steps:
            if s.column == column:
                return s
        raise KeyError(column)

    def _rows(self) -> list[list[str]]:
        return [
            [
                s.column,
                s.op.name,
                ", ".join(f"{k}={v}" for k, v in s.params.items()),
                s.key_id or "",
                ", ".join(s.leaks) or "nothing",
                f"{s.origin}: {s.reason}" if s.origin != "policy" else s.reason,
            ]
            for s in self.steps
        ]

    _HEADER = ("column", "op", "options", "key", "leaks", "rule")

    def __str__(self) -> str:
        rows = [list(self._HEADER), *self._rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self._HEADER))]
        title = f"plan: {self.dataset} at {self.stage.value}"
        if self.recipient:
            title += f" for {self.recipient}"
        lines = [title]
        for n, row in enumerate(rows):
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(line.rstrip() for line in lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self._HEADER)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in self._rows()
        )
        title = html.escape(f"{self.dataset} at {self.stage.value}")
        return (
            f"<table><caption>medguard plan: {title}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {
            "dataset": self.dataset,
            "stage": self.stage.value,
            "recipient": self.recipient,
            "steps": [s.to_dict() for s in self.steps],
            "accepted": [a.to_dict() for a in self.accepted],
        }


@dataclass(frozen=True)
class ColumnReport:
    """What happened to one column: the op, the rule's origin and the counts."""

    op: str
    origin: str
    counts: OpReport


@dataclass(frozen=True)
class PipelineReport:
    """Rows processed and, per output-affecting column, what its op did."""

    dataset: str
    stage: Stage
    recipient: str | None
    rows: int
    columns: Mapping[str, ColumnReport]

    def __add__(self, other: PipelineReport) -> PipelineReport:
        columns = dict(self.columns)
        for name, rep in other.columns.items():
            mine = columns.get(name)
            columns[name] = rep if mine is None else ColumnReport(
                rep.op, rep.origin, mine.counts + rep.counts
            )  # fmt: skip
        return PipelineReport(
            self.dataset, self.stage, self.recipient, self.rows + other.rows, columns
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data (no values, only counts): for the audit trail."""
        return {
            "dataset": self.dataset,
            "stage": self.stage.value,
            "recipient": self.recipient,
            "rows": self.rows,
            "columns": {
                name: {
                    "op": r.op,
                    "origin": r.origin,
                    "total": r.counts.total,
                    "changed": r.counts.changed,
                    "invalid": r.counts.invalid,
                    "nulls": r.counts.nulls,
                    "key_id": r.counts.key_id,
                }
                for name, r in self.columns.items()
            },
        }


@dataclass(frozen=True)
class PipelineResult:
    """The output of :meth:`Pipeline.run`: ``frame`` (same kind as the input) and ``report``."""

    frame: Any
    report: PipelineReport
    plan: Plan
    summary: Any = None
    """The :class:`~medguard.lifecycle.summary.RunSummary` (table / HTML), with the checks."""


@dataclass(frozen=True)
class CompiledPlan:
    """One picklable function of an Arrow batch: the policy for one stage, checked.

    Holds the steps (operations, no keys), the context names, and optionally a
    :class:`KeyringRef`; call it with ``keyring=`` when the keyring lives in memory.
    """

    plan: Plan
    table: str
    subject: str | None
    record_id: str | None
    keyring_ref: KeyringRef | None = None

    def open_stored(self, batch: Any, keyring: Any = None) -> tuple[Any, StoredColumns]:
        """``batch`` with the columns of medguard ciphertexts this stage needs as values
        decrypted (:func:`~medguard.lifecycle.stored.open_stored`), and the counts. Without
        ``keyring``, the keyring the plan refers to (if any)."""
        if keyring is None and self.keyring_ref is not None:
            keyring = self.keyring_ref.open()
        only = columns_to_open(self.plan, self.subject, self.record_id)
        return open_stored(batch, keyring, table=self.table, record_id=self.record_id, only=only)

    def __call__(
        self,
        batch: Any,
        keyring: Any = None,
        *,
        given: Mapping[str, tuple[Any, ColumnReport]] | None = None,
        opened: bool = False,
    ) -> tuple[Any, PipelineReport]:
        """Apply the plan to a ``RecordBatch`` or ``Table``; returns the same kind and a report.

        ``given``: columns whose output and report are known already (a streamed sharing run
        replays its first pass): their ops are not run again. Columns of medguard ciphertexts
        (the storage stage's output) are read as their values
        (:func:`~medguard.lifecycle.stored.open_stored`) unless ``opened`` says the caller
        did it.
        """
        pa = _pyarrow()
        names = list(batch.schema.names)
        expected = [s.column for s in self.plan.steps]
        if names != expected:
            missing = [n for n in expected if n not in names]
            extra = [n for n in names if n not in expected]
            culprit = (missing or extra or [None])[0]
            raise PlanError(
                "the batch's columns differ from the compiled plan's "
                f"(missing: {missing}, unexpected: {extra})",
                field=culprit,
            )
        ring = keyring
        if ring is None and self.keyring_ref is not None:
            ring = self.keyring_ref.open()
        # what the storage stage wrote is read as its values (a no-op on plain batches)
        if not opened:
            batch, _ = self.open_stored(batch, ring)
        subjects = batch.column(self.subject) if self.subject in names else None
        records = batch.column(self.record_id) if self.record_id in names else None
        raw = {name: batch.column(name) for name in names}
        arrays: list[Any] = []
        out_names: list[str] = []
        reports: dict[str, ColumnReport] = {}
        for step in self.plan.steps:
            op = step.op
            if "keyring" in op.needs and ring is None:
                raise PlanError("needs a keyring: pass keyring=", field=step.column, op=op.name)
            ctx = OpContext(
                keyring=ring,
                table=self.table,
                field=step.column,
                subjects=subjects if "subject" in op.needs else None,
                record_ids=records if "record_id" in op.needs else None,
                recipient=self.plan.recipient,
                columns=raw if "columns" in op.needs else None,
            )
            if given is not None and step.column in given:
                result, reports[step.column] = given[step.column]
                arrays.append(result)
                out_names.append(step.column)
                continue
            column = batch.column(step.column)
            result, counts = op.apply(column, ctx)
            reports[step.column] = ColumnReport(op.name, step.origin, counts)
            if getattr(op, "removes_column", False):
                continue
            arrays.append(result)
            out_names.append(step.column)
        if isinstance(batch, pa.Table):
            chunked = [
                a if isinstance(a, pa.ChunkedArray) else pa.chunked_array([a]) for a in arrays
            ]
            out = pa.Table.from_arrays(chunked, names=out_names)
        else:
            out = pa.RecordBatch.from_arrays(
                [a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for a in arrays],
                names=out_names,
            )
        report = PipelineReport(
            self.plan.dataset, self.plan.stage, self.plan.recipient, batch.num_rows, reports
        )
        return out, report


class Pipeline:
    """A policy compiled for one stage: :meth:`plan`, :meth:`compile`, :meth:`run`.

    ``keyring``: the in-memory keyring keyed ops use (kept here, never in the compiled plan);
    ``keyring_ref``: a keyring file reference workers open themselves. ``recipient``: who the
    output is for (part of every keyed op's context). ``audit``: where :meth:`run` records
    what it did (an :class:`~medguard.typing.AuditSink` such as an ``AuditTrail``): dataset,
    stage, recipient, counts per column and the accepted risks it used; never a value.
    """

    def __init__(
        self,
        policy: Policy | str | Path,
        *,
        stage: Stage | str,
        keyring: Any = None,
        recipient: str | None = None,
        keyring_ref: KeyringRef | None = None,
        audit: AuditSink | None = None,
    ) -> None:
        self.audit = audit
        self.policy = policy if isinstance(policy, Policy) else Policy.load(policy)
        try:
            self.stage = Stage.parse(stage)
        except ValueError:
            raise PolicyError(
                f"unknown stage {stage!r} (allowed: {', '.join(s.value for s in Stage)})"
            ) from None
        OpContext(recipient=recipient)  # checks the recipient's form
        self.keyring = keyring
        self.recipient = recipient
        self.keyring_ref = keyring_ref

    def __repr__(self) -> str:
        return (
            f"Pipeline(dataset={self.policy.dataset!r}, stage={self.stage.value!r}, "
            f"recipient={self.recipient!r})"
        )

    def plan(self, columns: Any) -> Plan:
        """Check ``columns`` (names, an Arrow schema, a DataFrame or Table) against the policy.

        Raises :class:`PlanError` before any data moves; returns the :class:`Plan`.
        """
        names, types = _columns(columns)
        policy = self.policy
        for name in policy.fields:
            if name not in names:
                rule = policy.rule_for(name, self.stage)
                raise PlanError(
                    "declared in the policy but missing from the data",
                    field=name,
                    op=None if rule is None else rule.op.name,
                )
        steps = []
        for name in names:
            rule = policy.rule_for(name, self.stage)
            if rule is None:
                if policy.undeclared == "error":
                    raise PlanError(
                        "not declared in the policy (undeclared: error): declare it, or set "
                        "undeclared to drop or keep",
                        field=name,
                    )
                op = op_from_config({"op": policy.undeclared})
                step = PlanStep(name, op, "undeclared", f"undeclared: {policy.undeclared}")
            else:
                op = self._resolve(rule.op, names)
                reason = rule.reason
                if rule.line is not None:
                    reason = f"{policy.source or 'policy'}:{rule.line} {rule.path}"
                step = PlanStep(name, op, rule.origin, reason)
            arrow_type = types.get(name)
            if arrow_type is not None and not op.accepts(arrow_type):
                raise PlanError(
                    f"does not accept a column of type {arrow_type}", field=name, op=op.name
                )
            for known in getattr(op, "known_columns", {}):
                if known not in names:
                    raise PlanError(
                        f"needs the column {known!r} (known values), which the data does not have",
                        field=name,
                        op=op.name,
                    )
            for need, column in (("subject", policy.subject), ("record_id", policy.record_id)):
                if need in op.needs and (column is None or column not in names):
                    raise PlanError(
                        f"needs the {need} column {column!r}, which the data does not have",
                        field=name,
                        op=op.name,
                    )
            if "keyring" in op.needs and self.keyring is None and self.keyring_ref is None:
                raise PlanError(
                    "needs a keyring: pass keyring= or keyring_ref=", field=name, op=op.name
                )
            steps.append(
                PlanStep(
                    step.column,
                    step.op,
                    step.origin,
                    step.reason,
                    self._key_id(op),
                    None if arrow_type is None else str(arrow_type),
                )
            )
        return Plan(policy.dataset, self.stage, self.recipient, tuple(steps), self._accepted(steps))

    def _accepted(self, steps: list[PlanStep]) -> tuple[Acceptance, ...]:
        """The policy's accept entries this plan relies on."""
        used = []
        for step in steps:
            rule = self.policy.fields.get(step.column)
            risks = []
            if step.op.name == "encrypt_deterministically":
                risks.append("equality")
            if rule is not None and rule.level == 5 and self.stage is Stage.SHARING:
                risks.append("release")
            for risk in risks:
                entry = self.policy.accepted(step.column, risk, self.stage)
                if entry is not None:
                    used.append(entry)
        return tuple(used)

    def _resolve(self, op: Operation, names: list[str]) -> Operation:
        """``deidentify`` with ``known: fields``: the declared identifier fields in the data."""
        if op.name != "deidentify" or getattr(op, "known", None) != "fields":
            return op
        from medguard.lifecycle.text_ops import KNOWN_FIELD_KINDS

        known = tuple(
            (name, rule.kind)
            for name, rule in self.policy.fields.items()
            if rule.kind in KNOWN_FIELD_KINDS and name in names
        )
        resolved: Operation = dataclasses.replace(op, known=known or None)  # type: ignore[type-var]
        return resolved

    def _key_id(self, op: Operation) -> str | None:
        if "keyring" not in op.needs:
            return None
        if getattr(op, "per_subject", False):
            return "per-subject"
        if self.keyring is None:
            return "(from keyring_ref)"
        key_id = getattr(op, "key_id", None)
        return str(key_id or self.keyring.primary.key_id)

    def compile(self, columns: Any) -> CompiledPlan:
        """The checked plan as one picklable function of an Arrow batch (no keys inside)."""
        plan = self.plan(columns)
        return CompiledPlan(
            plan,
            self.policy.table or self.policy.dataset,
            self.policy.subject,
            self.policy.record_id,
            self.keyring_ref,
        )

    def run(self, data: Any) -> PipelineResult:
        """Apply the stage to a pandas DataFrame, a pyarrow Table or a RecordBatch.

        Everything is checked first (:meth:`plan`); the result's ``frame`` is the same kind
        as ``data`` and its ``report`` counts what each column's op did (no values).
        """
        pa = _pyarrow()
        pd = sys.modules.get("pandas")
        is_pandas = pd is not None and isinstance(data, pd.DataFrame)
        if is_pandas:
            table = _from_pandas(pa, data)
        elif isinstance(data, (pa.Table, pa.RecordBatch)):
            table = data
        else:
            raise PlanError(
                f"expected a pandas DataFrame or a pyarrow Table, got {type(data).__name__}"
            )
        started = time.perf_counter()
        compiled = self.compile(table.schema)
        table, stored = compiled.open_stored(table, self.keyring)
        checks = None
        if SharingChecks.applies(self.policy, self.stage):  # k per subject, search, re-scan
            checks = SharingChecks(self.policy, compiled.plan)
        out, report = compiled(table, keyring=self.keyring, opened=True)
        if checks is not None and checks.needs_first_pass:
            checks.collect(table.select(checks.columns_needed()), out)
            checks.decide()
        if checks is not None:
            out = checks.apply(out, 0, table)
            checks.finish(table.num_rows)
        summary = RunSummary.build(
            self, compiled.plan, report, checks=None if checks is None else checks.outcome,
            rows_in=table.num_rows, rows_out=out.num_rows,
            seconds=time.perf_counter() - started, stored=stored.to_dict(),
        )  # fmt: skip
        summary.record(self.audit)
        frame = out.to_pandas() if is_pandas else out
        return PipelineResult(frame, report, compiled.plan, summary)

    def run_file(
        self,
        src: str | Path,
        dst: str | Path,
        *,
        format: str | None = None,
        input_format: str | None = None,
        batch_rows: int = 16_384,
        progress: bool | None = None,
    ) -> Any:
        """Stream the file ``src`` through the stage into ``dst``, written atomically.

        CSV/TSV (UTF-8, GBK/GB18030), Parquet and JSON Lines, read in batches of at most
        ``batch_rows`` rows (bounded memory); ``dst`` gets ``format`` (default: by its suffix,
        else the input's). Nothing is written when a check refuses or the run fails. Returns
        the :class:`~medguard.lifecycle.summary.RunSummary`; records it in ``audit`` with the
        files' SHA-256 fingerprints. ``progress``: a tqdm bar (None: on a terminal).
        """
        from medguard.lifecycle.stream import run_file

        return run_file(
            self, src, dst, format=format, input_format=input_format,
            batch_rows=batch_rows, progress=progress,
        )  # fmt: skip


def _from_pandas(pa: Any, frame: Any) -> Any:
    """A DataFrame as an Arrow table; a column Arrow cannot type is named, never its values."""
    arrays = []
    for name in frame.columns:
        try:
            arrays.append(pa.array(frame[name], from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            raise PlanError(
                "holds values of mixed types that cannot form one Arrow column", field=str(name)
            ) from None
    return pa.Table.from_arrays(arrays, names=[str(n) for n in frame.columns])


def _columns(columns: Any) -> tuple[list[str], dict[str, Any]]:
    """(names, Arrow types by name) of names, a schema, a Table/RecordBatch or a DataFrame."""
    pa = sys.modules.get("pyarrow")
    pd = sys.modules.get("pandas")
    if pa is not None and isinstance(columns, pa.Schema):
        return list(columns.names), {f.name: f.type for f in columns}
    if pa is not None and isinstance(columns, (pa.Table, pa.RecordBatch)):
        return _columns(columns.schema)
    if pd is not None and isinstance(columns, pd.DataFrame):
        return _columns(_from_pandas(_pyarrow(), columns).schema)
    if isinstance(columns, Sequence) and not isinstance(columns, str):
        names = [str(c) for c in columns]
        if len(set(names)) != len(names):
            raise PlanError("the data has duplicate column names")
        return names, {}
    raise PlanError(
        "plan() takes column names, a pyarrow Schema, Table or RecordBatch, or a DataFrame"
    )
