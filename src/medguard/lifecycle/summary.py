"""What one pipeline run did: rows in and out, per field the op and its counts, the checks.

A :class:`RunSummary` prints as a table on a terminal and renders as HTML in a notebook; it holds
counts, key IDs and fingerprints (hashes of files, of the policy), never a value. The audit
record of a run (:meth:`RunSummary.record`) is :meth:`RunSummary.to_dict`.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RunSummary", "policy_fingerprint"]


def policy_fingerprint(policy: Any) -> str:
    """SHA-256 of the policy's canonical JSON form (the same policy, the same fingerprint)."""
    import json

    text = json.dumps(policy.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RunSummary:
    """One run: rows in/out, per field (op, changed, invalid, nulls, key ID), checks, time."""

    dataset: str
    stage: str
    recipient: str | None
    rows_in: int
    rows_out: int
    fields: Mapping[str, Mapping[str, Any]]
    seconds: float
    policy_sha256: str
    checks: Mapping[str, Any] | None = None
    accepted: tuple[Mapping[str, Any], ...] = ()
    source: str | None = None
    output: str | None = None
    input_sha256: str | None = None
    output_sha256: str | None = None
    output_format: str | None = None
    key_ids: tuple[str, ...] = field(default=())
    #: Columns read from the storage stage's ciphertexts (:mod:`medguard.lifecycle.stored`):
    #: ``{"decrypted": {column: n}, "erased": {column: n}}``, erased = key destroyed.
    stored: Mapping[str, Mapping[str, int]] | None = None

    @classmethod
    def build(
        cls,
        pipeline: Any,
        plan: Any,
        report: Any,
        *,
        checks: Any = None,
        rows_in: int,
        rows_out: int,
        seconds: float,
        **where: Any,
    ) -> RunSummary:
        """A summary from a pipeline, its plan, the summed report and the checks' outcome."""
        fields: dict[str, dict[str, Any]] = {}
        columns = {} if report is None else report.columns
        for step in plan.steps:
            rep = columns.get(step.column)
            counts = None if rep is None else rep.counts
            fields[step.column] = {
                "op": step.op.name,
                "origin": step.origin,
                "changed": 0 if counts is None else counts.changed,
                "invalid": 0 if counts is None else counts.invalid,
                "nulls": 0 if counts is None else counts.nulls,
                "key_id": (None if counts is None else counts.key_id) or step.key_id,
            }
        keys = sorted({str(f["key_id"]) for f in fields.values() if f["key_id"]})
        return cls(
            dataset=plan.dataset,
            stage=plan.stage.value,
            recipient=plan.recipient,
            rows_in=rows_in,
            rows_out=rows_out,
            fields=fields,
            seconds=seconds,
            policy_sha256=policy_fingerprint(pipeline.policy),
            checks=None if checks is None else checks.to_dict(),
            accepted=tuple(a.to_dict() for a in plan.accepted),
            key_ids=tuple(keys),
            **where,
        )

    @property
    def suppressed_rows(self) -> int:
        """Rows the k check removed."""
        return int((self.checks or {}).get("suppressed_rows") or 0)

    @property
    def k(self) -> int | None:
        """The smallest class in distinct subjects after the checks (None without a k check)."""
        value = (self.checks or {}).get("k")
        return None if value is None else int(value)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the audit record of the run): counts, fingerprints, key IDs; and, for a
        run over stored ciphertexts, how many were read and how many were erased."""
        data = {
            "dataset": self.dataset,
            "stage": self.stage,
            "recipient": self.recipient,
            "rows": self.rows_in,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "fields": {k: dict(v) for k, v in self.fields.items()},
            "checks": None if self.checks is None else dict(self.checks),
            "accepted": [dict(a) for a in self.accepted],
            "key_ids": list(self.key_ids),
            "policy_sha256": self.policy_sha256,
            "input_sha256": self.input_sha256,
            "output_sha256": self.output_sha256,
            "output_format": self.output_format,
            "seconds": round(self.seconds, 3),
        }
        if self.stored is not None:
            data["stored"] = {k: dict(v) for k, v in self.stored.items()}
        return data

    def record(self, audit: Any) -> None:
        """Append this run to ``audit`` (an :class:`~medguard.typing.AuditSink`), if any."""
        if audit is not None:
            data = self.to_dict()
            data.pop("seconds")
            audit.append("policy.run", **data)

    _HEADER = ("field", "op", "changed", "invalid", "nulls", "key")

    def _rows(self) -> list[list[str]]:
        return [
            [
                name,
                str(f["op"]),
                str(f["changed"]),
                str(f["invalid"]),
                str(f["nulls"]),
                str(f["key_id"] or ""),
            ]
            for name, f in self.fields.items()
        ]

    def _facts(self) -> list[tuple[str, str]]:
        facts = [
            ("rows", f"{self.rows_in:,} in, {self.rows_out:,} out"),
            ("time", f"{self.seconds:.2f} s"),
        ]
        if self.checks and self.checks.get("k") is not None:
            c = self.checks
            facts.append(("k (distinct subjects)", f"{c['k']} (required {c['k_required']})"))
            facts.append(("suppressed rows", f"{c['suppressed_rows']:,}"))
            levels = ", ".join(f"{k}={v}" for k, v in c["levels"].items())
            facts.append(("levels", levels or "none"))
        if self.checks and self.checks.get("rescanned"):
            facts.append(("re-scan", "no input identifier found in the output"))
        if self.stored and self.stored.get("decrypted"):
            read = ", ".join(f"{c} {n:,}" for c, n in self.stored["decrypted"].items())
            erased = ", ".join(f"{c} {n:,}" for c, n in (self.stored.get("erased") or {}).items())
            facts.append(
                (
                    "stored values read",
                    read
                    + (f"; erased (key destroyed, read as missing): {erased}" if erased else ""),
                )
            )
        if self.key_ids:
            facts.append(("keys", ", ".join(self.key_ids)))
        if self.output:
            facts.append(("output", f"{self.output} ({self.output_format})"))
        return facts

    def __str__(self) -> str:
        title = f"medguard run: {self.dataset} at {self.stage}"
        if self.recipient:
            title += f" for {self.recipient}"
        lines = [title]
        lines += [f"  {k}: {v}" for k, v in self._facts()]
        rows = [list(self._HEADER), *self._rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self._HEADER))]
        for n, row in enumerate(rows):
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
            if n == 0:
                lines.append("  " + "  ".join("-" * w for w in widths))
        return "\n".join(line.rstrip() for line in lines)

    def _repr_html_(self) -> str:
        facts = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in self._facts()
        )
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self._HEADER)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in self._rows()
        )
        title = html.escape(f"{self.dataset} at {self.stage}")
        return (
            f"<div><table><caption>medguard run: {title}</caption>{facts}</table>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )
