"""The sharing stage checks itself: k per person, the generalization search, the re-scan.

When a policy has ``checks: {sharing: ...}`` a sharing run (:meth:`Pipeline.run`,
:meth:`Pipeline.run_file`, ``medguard protect``) goes through a :class:`SharingChecks`:

- **k-anonymity per person**: classes of the policy's quasi-identifiers, *as the plan's ops
  leave them*, counted in distinct subjects (the policy's ``subject`` column). A pseudonymized
  resident ID keeps birth year, sex or region (its options say which): those parts are
  quasi-identifiers too, derived from the input ID (the same parts the pseudonym keeps) into
  columns named ``<column>.birth_year``, ``<column>.sex``, ``<column>.region``; the plan cannot
  generalize them (only suppress their rows).
- **Generalization search**: :func:`medguard.privacy.search_generalization` over each
  quasi-identifier's hierarchy (``hierarchies:`` in the check, else from the field's kind: dates,
  ages, regions and addresses, ICD-10; anything else is shared as is or not at all), or the
  levels the policy fixes (``generalize: fixed`` with ``levels:``); the rows of classes under k
  are removed when they are at most ``max_suppressed`` of the rows.
- **Refusal** (:class:`CheckFailed`, nothing written) when k cannot be reached, when a direct
  identifier of level >= 3 would leave as it is, or when the re-scan finds a leak.
- **Re-scan with the policy's knowledge** (``rescan: true``): the values of the input's direct
  identifiers of level >= 3 are kept as keyed 64-bit hashes (a random key per run, never
  stored); any output cell equal to one, or any identifier-shaped piece of output free text
  (digit runs, two to four Han characters) equal to one, is a leak. Columns the plan
  pseudonymized or generalized are not judged by their form (a pseudonym is a valid ID by
  design), only by equality with an input value.

For files, the whole-dataset steps need a first pass over the quasi-identifier, subject and
identifier columns only (:meth:`SharingChecks.columns_needed`); the second pass applies the
levels and the suppression batch by batch (:meth:`SharingChecks.apply`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.errors import MedguardError, PrivacyError
from medguard.lifecycle._hashing import (
    KnownValues,
    TextHasher,
    distinct_texts,
    spans_of,
    text_pieces,
)
from medguard.lifecycle.quasi import (
    derived_parts,
    derived_values,
    makes_surrogates,
    one_chunk,
    search_spec,
    text_column,
)

__all__ = ["DIRECT_KINDS", "CheckFailed", "CheckOutcome", "SharingChecks"]

#: Field kinds that name a person directly: never shared as they are (level >= 3).
DIRECT_KINDS = frozenset(
    {"name", "resident_id", "phone", "bank_card", "passport", "email", "record_number", "address"}
)
_TEXT_OPS = frozenset({"deidentify"})
_FOLD_ROWS = 1 << 16  # first-pass rows buffered (at least) before they are folded into groups


class CheckFailed(MedguardError):
    """A sharing check refused the run; ``check`` names it, the message says why (no values)."""

    def __init__(self, check: str, reason: str) -> None:
        self.check = check
        self.reason = reason
        super().__init__(f"{check} check refused the output: {reason}")


@dataclass(frozen=True)
class CheckOutcome:
    """What the checks found: k reached (in subjects), levels chosen, rows suppressed."""

    k: int | None = None
    k_required: int | None = None
    levels: Mapping[str, str] = field(default_factory=dict)
    suppressed_rows: int = 0
    suppressed_subjects: int | None = None
    quasi_identifiers: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()
    rescanned: bool = False
    loss: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for summaries and the audit trail)."""
        return {
            "k": self.k,
            "k_required": self.k_required,
            "levels": dict(self.levels),
            "suppressed_rows": self.suppressed_rows,
            "suppressed_subjects": self.suppressed_subjects,
            "quasi_identifiers": list(self.quasi_identifiers),
            "derived": list(self.derived),
            "rescanned": self.rescanned,
            "loss": self.loss,
        }


class SharingChecks:
    """The sharing checks of one compiled plan (see the module docstring).

    Feed the first pass with :meth:`collect` (input batches restricted to
    :meth:`columns_needed`, and the op outputs of the quasi-identifiers), call :meth:`decide`,
    then :meth:`apply` to each output batch with its first row's index.
    """

    def __init__(self, policy: Any, plan: Any) -> None:
        from medguard.lifecycle.stages import Stage

        self.policy = policy
        self.plan = plan
        spec = policy.checks.get(Stage.SHARING)
        self.k_check = None if spec is None else spec.k_anonymity
        self.rescan = bool(spec is not None and spec.rescan)
        steps = {s.column: s for s in plan.steps}
        self._steps = steps
        self._refuse_direct(steps)
        self.quasi: tuple[str, ...] = ()
        self.derived: dict[str, tuple[str, str]] = {}
        if self.k_check is not None:
            if policy.subject is None or policy.subject not in steps:
                raise CheckFailed(
                    "k-anonymity", "k is counted in people: the policy needs a subject column"
                )
            quasi = []
            for q in self.k_check.quasi_identifiers:
                if q not in steps:  # not in the data, so not in the output: it identifies no one
                    continue
                op = steps[q].op
                parts = derived_parts(op)
                for name, part in parts.items():
                    self.derived[f"{q}.{name}"] = (q, part)
                if (
                    not parts
                    and not getattr(op, "removes_column", False)
                    and not makes_surrogates(op)
                ):
                    quasi.append(q)
            self.quasi = tuple(quasi)
        # resident-ID pseudonyms keep parts whether or not the policy lists the column
        for name, step in steps.items():
            if self.k_check is not None and name not in self.k_check.quasi_identifiers:
                for part_name, part in derived_parts(step.op).items():
                    self.derived[f"{name}.{part_name}"] = (name, part)
        self.identifiers = tuple(
            name
            for name, rule in policy.fields.items()
            if name in steps and rule.level >= 3 and rule.kind in DIRECT_KINDS
        )
        self._hasher = TextHasher()  # a random key per run, never stored
        self._known = KnownValues()
        self._seen: dict[str, dict[Any, int]] = {}
        self._buffer: list[tuple[list[npt.NDArray[np.int32]], npt.NDArray[np.uint64]]] = []
        self._buffered = 0
        self._groups: tuple[list[npt.NDArray[np.int32]], npt.NDArray[np.uint64],
                            npt.NDArray[np.int64]] | None = None  # fmt: skip
        self._rows = 0
        self._suppressed_keys: npt.NDArray[np.int64] | None = None
        self._suppressed_codes: Any = None
        self._labels: dict[str, npt.NDArray[np.object_]] = {}
        self._spool: Any = None  # first-pass codes and op reports, replayed in the second pass
        self._spooled: list[tuple[int, dict[str, Any]]] = []
        self._replayable: list[str] = []
        self._values: dict[str, npt.NDArray[np.object_]] = {}
        self._levels: dict[str, int] = {}
        self._hierarchies: dict[str, Any] = {}
        self.outcome = CheckOutcome(rescanned=self.rescan)

    @staticmethod
    def applies(policy: Any, stage: Any) -> bool:
        """Whether ``policy`` has sharing checks and ``stage`` is sharing."""
        from medguard.lifecycle.stages import Stage

        return stage is Stage.SHARING and Stage.SHARING in policy.checks

    def _refuse_direct(self, steps: Mapping[str, Any]) -> None:
        for name, step in steps.items():
            rule = self.policy.fields.get(name)
            if step.origin == "undeclared" and step.op.name == "keep":
                continue
            if rule is None or rule.level < 3 or rule.kind not in DIRECT_KINDS:
                continue
            if step.op.name == "keep" or "value" in step.op.leaks:
                raise CheckFailed(
                    "direct identifiers",
                    f"field {name!r} ({rule.kind}, level {rule.level}) would leave as it is "
                    f"(op {step.op.name})",
                )

    # -- the first pass ---------------------------------------------------------------------

    @property
    def needs_first_pass(self) -> bool:
        """Whether the whole data set must be read once before the output is written."""
        return self.k_check is not None or (self.rescan and bool(self.identifiers))

    def columns_needed(self) -> list[str]:
        """The input columns the first pass reads (in the data's order)."""
        wanted = set(self.quasi) | {src for src, _ in self.derived.values()}
        if self.k_check is not None and self.policy.subject:
            wanted.add(self.policy.subject)
        if self.rescan:
            wanted |= set(self.identifiers)
        return [s.column for s in self.plan.steps if s.column in wanted]

    def quasi_plan(self) -> Any:
        """The plan restricted to the quasi-identifiers and the subject (run in the first pass)."""
        import dataclasses

        keep = set(self.quasi)
        if self.policy.subject:
            keep.add(self.policy.subject)
        from medguard.ops.base import op_from_config

        keeping = op_from_config({"op": "keep"})
        steps = tuple(
            # the subject only feeds the ops (date shifts): its own op's output is not needed
            dataclasses.replace(s, op=keeping)
            if s.column == self.policy.subject and s.column not in self.quasi
            else s
            for s in self.plan.steps
            if s.column in keep
        )
        return dataclasses.replace(self.plan, steps=steps)

    def replay(self) -> None:
        """Keep each first-pass batch's codes (in an anonymous temporary file, gone when the
        process ends whatever ends it) and op reports, so that the second pass takes the
        outputs of the quasi-identifiers' unkeyed, row-by-row ops (``generalize``, ``keep``,
        ``mask``) from there instead of running them again (:meth:`replayed`). For files read
        twice in the same batches; call before the first :meth:`collect`."""
        import tempfile

        if self.k_check is None:
            return
        self._spool = tempfile.TemporaryFile(prefix="medguard-codes-")  # noqa: SIM115 - close()
        self._replayable = [q for q in self.quasi if _replayable(self._steps[q].op)]

    def collect(self, batch: Any, quasi_out: Any, report: Any = None) -> None:
        """Remember one first-pass batch: input columns, and the quasi-identifiers' op outputs
        (``report``: the first-pass plan's report of the batch, for :meth:`replay`).

        Kept per batch: each search column as int32 codes of its distinct values and each
        subject as a keyed 64-bit hash; every 65,536 rows or so these are folded into one
        count per distinct (codes, subject) group, so memory follows the number of groups
        (about the number of subjects), not the number of rows.
        """
        if self.k_check is not None:
            codes = [self._encode(q, quasi_out.column(q), add=True) for q in self.quasi]
            codes += [
                self._encode(name, derived_values(batch.column(src), part), add=True)
                for name, (src, part) in self.derived.items()
            ]
            if self._spool is not None:
                self._write_spool(batch.num_rows, quasi_out, codes, report)
            subjects = self._hasher.cells(text_column(batch.column(self.policy.subject)))
            self._buffer.append((codes, subjects))
            self._buffered += batch.num_rows
            held = 0 if self._groups is None else self._groups[1].size
            if self._buffered >= max(_FOLD_ROWS, held):  # folds cost what they hold: amortized
                self._fold()
        if self.needs_first_pass:
            self._rows += batch.num_rows
        if self.rescan:
            for name in self.identifiers:
                texts = distinct_texts(batch.column(name))
                self._known.add(name, self._hasher.spans(*spans_of(texts)))
                self._known.shapes(texts)

    def _encode(self, name: str, column: Any, *, add: bool) -> npt.NDArray[np.int32]:
        """Each cell's code among the distinct values of column ``name`` (nulls as ``"?"``);
        ``add`` numbers new values, else they get -1."""
        import pandas as pd
        import pyarrow as pa

        seen = self._seen.setdefault(name, {})
        column = one_chunk(column)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            encoded = column.dictionary_encode()
            values: list[Any] = [*encoded.dictionary.to_pylist(), "?"]
            indices = np.asarray(
                encoded.indices.fill_null(len(values) - 1).to_numpy(zero_copy_only=False)
            )
        else:  # values as pandas reads them (what the search groups)
            found, uniques = pd.factorize(
                pd.Series(column.to_pandas().to_numpy(), dtype=object), use_na_sentinel=True
            )
            values = [*uniques, "?"]
            indices = np.where(found < 0, len(uniques), found)
        mapping = np.empty(len(values), dtype=np.int32)
        if add:
            for i, value in enumerate(values):
                mapping[i] = seen.setdefault(value, len(seen))
        else:
            for i, value in enumerate(values):
                mapping[i] = seen.get(value, -1)
        coded: npt.NDArray[np.int32] = mapping[indices]
        return coded

    def _fold(self) -> None:
        """Fold the buffered batches into the groups: one row per distinct (codes, subject)."""
        import pandas as pd

        parts = [([*g[0]], g[1], g[2]) for g in [self._groups] if g is not None]
        parts += [(c, s, np.ones(s.size, dtype=np.int64)) for c, s in self._buffer]
        self._buffer = []
        self._buffered = 0
        if not parts:
            return
        width = len(parts[0][0])
        codes = [np.concatenate([p[0][i] for p in parts]) for i in range(width)]
        subjects = np.concatenate([p[1] for p in parts])
        counts = np.concatenate([p[2] for p in parts])
        key = np.zeros(subjects.size, dtype=np.int64)
        span = 1
        for column, name in zip(codes, self._columns, strict=True):
            n = max(len(self._seen.get(name, ())), 1)
            if span * n >= 2**62:
                key = pd.factorize(key)[0].astype(np.int64)
                span = int(key.max()) + 1 if key.size else 1
            key = key * n + column
            span *= n
        key = pd.factorize(key)[0].astype(np.int64)
        who, people = pd.factorize(subjects)
        pair = key * max(len(people), 1) + who
        group, uniques = pd.factorize(pair)
        first = np.empty(len(uniques), dtype=np.int64)
        first[group[::-1]] = np.arange(group.size, dtype=np.int64)[::-1]
        total = np.bincount(group, weights=counts, minlength=len(uniques)).astype(np.int64)
        self._groups = ([c[first] for c in codes], subjects[first], total)

    @property
    def _columns(self) -> list[str]:
        return [*self.quasi, *self.derived]

    def _frame(self) -> Any:
        """The groups as a frame: search columns as categoricals, subjects, rows per group."""
        import pandas as pd

        self._fold()
        columns = self._columns
        if self._groups is None:
            codes = [np.zeros(0, dtype=np.int32) for _ in columns]
            subjects, counts = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
        else:
            codes, subjects, counts = self._groups
        self._groups = None  # the frame holds them from here on
        data: dict[str, Any] = {}
        for name, column in zip(columns, codes, strict=True):
            categories = pd.Index(list(self._seen.get(name, {})), dtype=object)
            data[name] = pd.Categorical.from_codes(column, categories=categories)
        data["\0subject"] = subjects.view(np.int64)
        data["\0rows"] = counts
        del codes, subjects, counts
        return pd.DataFrame(data)

    def decide(self) -> CheckOutcome:
        """Run the k check and the search on what :meth:`collect` gathered; refuse or decide."""
        self._known.freeze()
        if self.k_check is None:
            return self.outcome
        frame = self._frame()
        from medguard.privacy.hierarchy import as_hierarchy
        from medguard.privacy.search import NoSolution, search_generalization

        columns = self._columns
        hierarchies, fixed = search_spec(self)
        k = self.k_check.k
        try:
            result = search_generalization(
                frame,
                hierarchies,
                k=k,
                subject="\0subject",
                max_suppressed=min(self.k_check.max_suppressed, 0.999999),
                fixed=fixed,
                counts="\0rows",
            )
        except NoSolution:
            raise CheckFailed(
                "k-anonymity",
                f"no generalization of {', '.join(columns)} reaches k={k} (distinct subjects) "
                f"with at most {self.k_check.max_suppressed:.1%} of the rows suppressed",
            ) from None
        except PrivacyError as exc:
            raise CheckFailed("k-anonymity", str(exc)) from None
        suppressed = np.ones(len(frame), dtype=bool)
        suppressed[np.asarray(result.data.index, dtype=np.int64)] = False
        if suppressed.any():
            self._suppress(frame, columns, suppressed)
        self._levels = {c: lvl for c, lvl in result.levels.items() if c in self.quasi and lvl}
        for name, level in self._levels.items():
            hierarchy = as_hierarchy(hierarchies[name])
            self._hierarchies[name] = hierarchy
            distinct = pd_series(list(self._seen.get(name, {})))
            encoded = hierarchy.encode(distinct, name)
            self._labels[name] = encoded.labels[level][encoded.codes[level]]
        for name in self._replayable:
            if name not in self._levels:
                distinct = list(self._seen.get(name, {}))
                self._values[name] = np.empty(len(distinct), dtype=object)
                self._values[name][:] = distinct
        if self._spool is not None:
            self._spool.seek(0)
        self.outcome = CheckOutcome(
            k=result.k,
            k_required=k,
            levels=dict(result.level_names),
            suppressed_rows=result.suppressed_rows,
            suppressed_subjects=result.suppressed_subjects,
            quasi_identifiers=tuple(columns),
            derived=tuple(self.derived),
            rescanned=self.rescan,
            loss=result.loss,
        )
        return self.outcome

    def _suppress(self, frame: Any, columns: list[str], suppressed: npt.NDArray[np.bool_]) -> None:
        """Remember the suppressed groups' combinations of values (their rows go, by value)."""
        import pandas as pd

        codes = [np.asarray(frame[c].cat.codes, dtype=np.int64)[suppressed] for c in columns]
        keys = self._keys(codes)
        if keys is None:
            self._suppressed_codes = pd.MultiIndex.from_arrays(codes)
        else:
            self._suppressed_keys = np.unique(keys)

    def _keys(self, codes: list[npt.NDArray[Any]]) -> npt.NDArray[np.int64] | None:
        """One int64 per combination of codes (None when the combinations do not fit)."""
        sizes = [max(len(self._seen.get(c, ())), 1) for c in self._columns]
        if math.prod(sizes) >= 2**63:
            return None
        key = np.zeros(codes[0].size if codes else 0, dtype=np.int64)
        for column, size in zip(codes, sizes, strict=True):
            key = key * size + column.astype(np.int64)
        return key

    def _write_spool(self, rows: int, quasi_out: Any, codes: list[Any], report: Any) -> None:
        import pyarrow as pa

        reports: dict[str, Any] = {}
        for name in list(self._replayable):
            column = quasi_out.column(name)
            counts = None if report is None else report.columns.get(name)
            if counts is None or not pa.types.is_string(column.type):
                self._replayable.remove(name)  # not text, or no report: run it again
                continue
            reports[name] = counts
        marked = np.stack(codes) if codes else np.zeros((0, rows), dtype=np.int32)
        for i, name in enumerate(self.quasi):  # nulls marked -1 - code (the code is "?"'s)
            nulls = np.asarray(quasi_out.column(name).is_null(), dtype=bool)
            if nulls.any():
                marked[i, nulls] = -1 - marked[i, nulls]
        marked.astype(np.int32).tofile(self._spool)
        self._spooled.append((rows, reports))

    def replayed(self, rows: int) -> tuple[dict[str, Any], npt.NDArray[np.int32] | None]:
        """The next first-pass batch, for the second pass: the replayable quasi-identifiers'
        outputs as ``{column: (Arrow array, ColumnReport)}`` (generalized to the chosen
        levels already) and every search column's codes (rows by column, nulls marked)."""

        if self._spool is None:
            return {}, None
        if not self._spooled:
            raise CheckFailed("k-anonymity", "the input changed while it was read: more rows")
        kept, reports = self._spooled.pop(0)
        if kept != rows:
            raise CheckFailed(
                "k-anonymity", "the input changed while it was read: other batches than before"
            )
        width = len(self._columns)
        marked = np.fromfile(self._spool, dtype=np.int32, count=width * rows)
        if marked.size != width * rows:
            raise CheckFailed("k-anonymity", "the first pass's codes could not be read back")
        marked = marked.reshape(width, rows)
        given: dict[str, Any] = {}
        for name in self._replayable:
            row = marked[self.quasi.index(name)]
            nulls = row < 0
            code = np.where(nulls, -1 - row, row)
            if name in self._levels:
                labels = self._labels[name][code]
            else:
                labels = self._values[name][code].copy()
                labels[nulls] = None
            given[name] = (_text_array(labels), reports[name])
        return given, marked

    def close(self) -> None:
        """Release the first pass's temporary file (:meth:`replay`), if any."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None
            self._spooled.clear()

    def finish(self, rows: int) -> None:
        """Refuse when the second pass read other rows than the first (the input changed)."""
        if self.needs_first_pass and rows != self._rows:
            raise CheckFailed(
                "k-anonymity" if self.k_check is not None else "re-scan",
                f"the input changed while it was read: {self._rows} rows in the first pass, "
                f"{rows} in the second",
            )

    # -- the second pass --------------------------------------------------------------------

    def apply(self, out: Any, start: int = 0, source: Any = None, replayed: Any = None) -> Any:
        """Generalize and suppress one output batch (rows ``start`` ...); re-scan it.

        ``source`` is the input batch ``out`` was made from: the parts a resident-ID pseudonym
        keeps are read from it when rows are suppressed. ``replayed``: what
        :meth:`replayed` gave for the batch (its columns are generalized already).
        """
        import pyarrow as pa

        given, marked = replayed if replayed is not None else ({}, None)
        codes: dict[str, npt.NDArray[np.int32]] = {}
        if marked is not None:
            for i, name in enumerate(self._columns):
                codes[name] = np.where(marked[i] < 0, -1 - marked[i], marked[i])
        for name in self._levels:
            if name not in codes:
                codes[name] = self._known_codes(name, out.column(name))
        if self._suppressed_keys is not None or self._suppressed_codes is not None:
            if source is None and marked is None:
                raise CheckFailed("k-anonymity", "suppression needs the input batch")
            for name in self.quasi:
                if name not in codes:
                    codes[name] = self._known_codes(name, out.column(name))
            for name, (src, part) in self.derived.items():
                if name not in codes:
                    values = derived_values(source.column(src), part)
                    codes[name] = self._known_codes(name, values)
            row_codes = [codes[c] for c in self._columns]
            keys = self._keys(row_codes)
            if keys is not None and self._suppressed_keys is not None:
                where = np.searchsorted(self._suppressed_keys, keys)
                where[where == self._suppressed_keys.size] = 0
                drop = self._suppressed_keys[where] == keys
            else:
                import pandas as pd

                drop = np.asarray(pd.MultiIndex.from_arrays(row_codes).isin(
                    self._suppressed_codes))  # fmt: skip
        else:
            drop = None
        for name in self._levels:
            if name in given:
                continue  # generalized when replayed
            labels = self._labels[name][codes[name]]
            index = out.schema.get_field_index(name)
            out = out.set_column(index, name, _text_array(labels))
        if drop is not None and drop.any():
            out = out.filter(pa.array(~drop))
        if self.rescan and self._known:
            self._rescan(out)
        return out

    def _known_codes(self, name: str, column: Any) -> npt.NDArray[np.int32]:
        """Codes of values the first pass saw; refuses a value it did not (the input changed)."""
        codes = self._encode(name, column, add=False)
        if codes.size and int(codes.min()) < 0:
            raise CheckFailed(
                "k-anonymity",
                f"the input changed while it was read: column {name!r} holds a value the first "
                "pass did not see",
            )
        return codes

    def _rescan(self, out: Any) -> None:
        import pyarrow as pa

        for name in out.schema.names:
            column = out.column(name)
            if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
                continue
            step = self._steps.get(name)
            # a column the plan gave surrogates is not compared with its own input (a
            # format-preserving pseudonym of a short record number may equal another person's
            # number by chance, and says nothing about that person)
            skip = name if step is not None and makes_surrogates(step.op) else None
            if self._known.hits(self._hasher.values(column), skip):
                raise CheckFailed(
                    "re-scan", f"column {name!r} holds a value equal to an input identifier"
                )
            rule = self.policy.fields.get(name)
            text = (step is not None and step.op.name in _TEXT_OPS) or (
                rule is not None and rule.kind == "free_text"
            )
            if text and self._text_hits(column):
                raise CheckFailed(
                    "re-scan", f"free text in {name!r} holds a value equal to an input identifier"
                )

    def _text_hits(self, column: Any) -> bool:
        """Whether a piece of free text equals a known value (only pieces of the shapes the
        known values have are cut and hashed)."""
        known = self._known
        pieces = text_pieces(
            one_chunk(column), tokens=known.tokens,
            han_widths=tuple(sorted(known.han_widths)), han_first=known.han_first,
        )  # fmt: skip
        return known.hits(self._hasher.spans(*pieces))


def _text_array(labels: npt.NDArray[np.object_]) -> Any:
    """Labels (None for nulls) as an Arrow string array; labels that are not text (numbers)
    as their ``str``."""
    import pyarrow as pa

    try:
        return pa.array(labels, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in labels], pa.string())


def _replayable(op: Any) -> bool:
    """Ops whose output is a function of each value alone, with no key: the first pass's
    output is the second pass's."""
    return getattr(op, "name", None) in ("generalize", "keep", "mask") and not (
        set(getattr(op, "needs", ())) & {"keyring", "subject", "record_id", "columns"}
    )


def pd_series(values: list[Any]) -> Any:
    """An object Series of ``values`` (the distinct values of a search column)."""
    import pandas as pd

    return pd.Series(values, dtype=object)
