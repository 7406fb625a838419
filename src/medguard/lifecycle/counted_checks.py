"""The sharing checks decided from counts: how a distributed engine runs them.

:class:`~medguard.lifecycle.checks.SharingChecks` decides on one machine from every row (codes
per row, a suppression mask by row position). A cluster has no single place holding every row
and no global row numbers, so :class:`CountedChecks` splits the very same checks into parts an
engine maps over batches and reduces (:mod:`medguard.integrations.spark` wires them to Spark):

1. :meth:`CountedChecks.label_pass` (per batch): each search column's label at every level of its
   hierarchy, as text, and the subject as a keyed 64-bit hash;
2. the engine groups those rows and counts them: one row per distinct (labels, subject) pair with
   its number of rows, a table whose size is the number of distinct quasi-identifier combinations
   per subject, not the number of rows;
3. :meth:`CountedChecks.decide` (driver): the single-machine lattice search over that table,
   each row weighted by its count. Rows per class are summed counts and subjects per class are
   distinct (class, subject) pairs: exactly the single-machine figures, so the same levels are
   chosen and the same classes fall under k. The classes to suppress become keys (their labels
   at the chosen levels);
4. :meth:`CountedChecks.apply` (per batch): generalize to the chosen levels and drop the rows of
   suppressed classes (decided from global counts, applied by class, never by position);
5. the re-scan: :meth:`CountedChecks.input_hashes` and :meth:`CountedChecks.output_hashes` (per
   batch) give keyed hashes of the input identifiers and of the output cells; the engine joins
   them on the hash, and :meth:`CountedChecks.refuse` turns a hit into the single-machine refusal.

Labels are compared as text (``str`` of each label), which is how the single-machine search
groups values too (as they would be written). Parts 1, 4 and 5 are plain functions of Arrow
batches holding no keys (the hash key is a random per-run key, never stored), so they pickle to
executors.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.errors import InvalidArgument
from medguard.lifecycle.checks import CheckFailed, CheckOutcome, SharingChecks
from medguard.lifecycle.quasi import search_spec

__all__ = ["CountedChecks", "group_key"]

#: Names of the columns the label pass writes besides the labels.
SUBJECT = "__mg_subject"
COUNT = "__mg_rows"
_TEXT_OPS = frozenset({"deidentify"})


def label_name(column: int, level: int) -> str:
    """The label pass's column for search column ``column`` at ``level``."""
    return f"__mg_c{column}_l{level}"


def group_key(parts: Sequence[Any]) -> Any:
    """One text key per row from label columns (Arrow string arrays): each label prefixed by its
    length, so no two different label tuples share a key whatever characters they hold."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pieces: list[Any] = []
    for part in parts:
        array = part if isinstance(part, (pa.Array, pa.ChunkedArray)) else pa.array(part)
        lengths = pc.cast(pc.utf8_length(array), pa.string())
        pieces.append(pc.binary_join_element_wise(lengths, array, ":"))
    if len(pieces) == 1:
        return pieces[0]
    return pc.binary_join_element_wise(*pieces, "|")


def _text(labels: Any) -> Any:
    """Labels as an Arrow string array (``str`` of each; the search groups values as written)."""
    import pyarrow as pa

    return pa.array([str(v) for v in labels.tolist()], type=pa.string())


def _hash_cells(column: Any, key: str) -> npt.NDArray[np.uint64]:
    """Keyed 64-bit hashes of every cell (nulls as ``""``), as the single-machine first pass."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = column.cast(pa.string())
    filled = pc.fill_null(column, "")
    objects = np.asarray(filled.to_numpy(zero_copy_only=False), dtype=object)
    hashed: npt.NDArray[np.uint64] = pd.util.hash_array(objects, hash_key=key, categorize=True)
    return hashed


def _hash_values(values: Any, key: str) -> npt.NDArray[np.uint64]:
    """Keyed 64-bit hashes of the non-empty values (trimmed), as the single-machine re-scan."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(
        list(values), type=pa.string()
    )  # fmt: skip
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = array.cast(pa.string())
    array = pc.utf8_trim_whitespace(array)
    array = array.filter(pc.fill_null(pc.not_equal(array, ""), False))
    if len(array) == 0:
        return np.empty(0, dtype=np.uint64)
    objects = np.asarray(array.to_numpy(zero_copy_only=False), dtype=object)
    hashed: npt.NDArray[np.uint64] = pd.util.hash_array(objects, hash_key=key, categorize=False)
    return hashed


def _encode(column: Any, hierarchy: Any, name: str) -> Any:
    """A quasi-identifier's output column encoded by its hierarchy (nulls as ``"?"``, as the
    single-machine checks do)."""
    values = column.to_pandas().astype(object)
    values = values.where(values.notna(), "?")
    return hierarchy.encode(values, name)


@dataclass(frozen=True)
class _Spec:
    """What executors need: the plan, the search columns and their hierarchies (no keys)."""

    compiled: Any
    quasi: tuple[str, ...]
    derived: tuple[tuple[str, str, str], ...]  # (name, source column, part)
    hierarchies: tuple[Any, ...]  # per search column (quasi, then derived)
    heights: tuple[int, ...]
    subject: str | None
    identifiers: tuple[str, ...]
    hash_key: str

    def labels(self, batch: Any, out: Any, index: int, level: int) -> Any:
        """Search column ``index``'s labels at ``level`` for a batch (``out``: its op outputs)."""
        import pyarrow as pa

        from medguard.lifecycle.quasi import resident_part

        if level >= self.heights[index]:
            return pa.array(["*"] * batch.num_rows, type=pa.string())
        if index >= len(self.quasi):
            _, src, part = self.derived[index - len(self.quasi)]
            return _text(resident_part(batch.column(src).to_pylist(), part))
        name = self.quasi[index]
        encoded = _encode(out.column(name), self.hierarchies[index], name)
        return _text(encoded.labels[level][encoded.codes[level]])


@dataclass(frozen=True)
class LabelPass:
    """Per batch of the input (all columns, or :meth:`CountedChecks.columns_needed`): every
    search column's labels below its top level, and the subject's keyed hash (int64)."""

    spec: _Spec

    def schema(self) -> Any:
        """The Arrow schema of the batches it returns."""
        import pyarrow as pa

        fields = [
            pa.field(label_name(i, j), pa.string())
            for i, height in enumerate(self.spec.heights)
            for j in range(height)
        ]
        return pa.schema([*fields, pa.field(SUBJECT, pa.int64())])

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        spec = self.spec
        out: Any = None
        if spec.quasi:
            keep = [s.column for s in spec.compiled.plan.steps]
            out, _ = spec.compiled(batch.select(keep))
        arrays: list[Any] = []
        for i, height in enumerate(spec.heights):
            if i < len(spec.quasi):
                name = spec.quasi[i]
                encoded = _encode(out.column(name), spec.hierarchies[i], name)
                for j in range(height):
                    arrays.append(_text(encoded.labels[j][encoded.codes[j]]))
            else:
                arrays.append(spec.labels(batch, out, i, 0))
        assert spec.subject is not None
        subjects = _hash_cells(batch.column(spec.subject), spec.hash_key).view(np.int64)
        arrays.append(pa.array(subjects, type=pa.int64()))
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema())


@dataclass(frozen=True)
class Applier:
    """Per batch, after the plan: generalize to the chosen levels, drop suppressed classes.

    ``suppressed``: the keys (:func:`group_key`) of the classes to drop, an Arrow string array,
    or an object with a ``value`` holding one (a Spark broadcast).
    """

    spec: _Spec
    levels: tuple[int, ...]  # per search column
    suppressed: Any

    def __call__(self, batch: Any, out: Any) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        spec = self.spec
        suppressed = getattr(self.suppressed, "value", self.suppressed)
        labels: dict[int, Any] = {}
        for i, name in enumerate(spec.quasi):
            level = self.levels[i]
            if level == 0:
                continue
            encoded = _encode(out.column(name), spec.hierarchies[i], name)
            written = encoded.labels[level][encoded.codes[level]]
            if suppressed is not None and len(suppressed):
                labels[i] = _text(written)
            try:  # as the single-machine checks write them
                array = pa.array(written, type=pa.string(), from_pandas=True)
            except (pa.ArrowTypeError, pa.ArrowInvalid):  # labels that are not text (numbers)
                array = pa.array([None if v is None else str(v) for v in written], pa.string())
            out = out.set_column(out.schema.get_field_index(name), name, array)
        if suppressed is not None and len(suppressed) and out.num_rows:
            parts = [
                labels[i] if i in labels else spec.labels(batch, out, i, level)
                for i, level in enumerate(self.levels)
            ]
            drop = pc.is_in(group_key(parts), value_set=suppressed)
            out = out.filter(pc.invert(drop))
        return out


@dataclass(frozen=True)
class InputHashes:
    """Per input batch: ``(c, h)`` rows, the keyed hash ``h`` of each non-empty value of
    identifier ``c`` (an index into :attr:`CountedChecks.identifiers`)."""

    spec: _Spec

    @staticmethod
    def schema() -> Any:
        """The Arrow schema of the batches it returns."""
        import pyarrow as pa

        return pa.schema([pa.field("c", pa.int32()), pa.field("h", pa.int64())])

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        cs: list[Any] = []
        hs: list[Any] = []
        for c, name in enumerate(self.spec.identifiers):
            hashed = np.unique(_hash_values(batch.column(name), self.spec.hash_key))
            cs.append(np.full(hashed.size, c, dtype=np.int32))
            hs.append(hashed.view(np.int64))
        c_all = np.concatenate(cs) if cs else np.empty(0, dtype=np.int32)
        h_all = np.concatenate(hs) if hs else np.empty(0, dtype=np.int64)
        return pa.RecordBatch.from_arrays(
            [pa.array(c_all, pa.int32()), pa.array(h_all, pa.int64())], schema=self.schema()
        )


@dataclass(frozen=True)
class OutputHashes:
    """Per output batch (after :class:`Applier`): ``(c, piece, x, h)`` rows, the keyed hash
    ``h`` of each string cell of output column ``c`` (``piece``: an identifier-shaped piece of
    free text); ``x``: the identifier a cell may equal without a leak (its own input, for a
    column the plan gave surrogates), else -1."""

    spec: _Spec
    columns: tuple[str, ...]  # the output columns, in order
    text: tuple[bool, ...]  # judged as free text too
    own: tuple[int, ...]  # identifier index each column may equal, or -1

    @staticmethod
    def schema() -> Any:
        """The Arrow schema of the batches it returns."""
        import pyarrow as pa

        return pa.schema(
            [pa.field("c", pa.int32()), pa.field("piece", pa.bool_()),
             pa.field("x", pa.int32()), pa.field("h", pa.int64())]
        )  # fmt: skip

    def __call__(self, out: Any) -> Any:
        import pyarrow as pa

        from medguard.lifecycle.quasi import identifier_pieces

        key = self.spec.hash_key
        rows: list[tuple[int, bool, npt.NDArray[np.uint64]]] = []
        for c, name in enumerate(self.columns):
            column = out.column(name)
            if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
                continue
            rows.append((c, False, np.unique(_hash_values(column, key))))
            if self.text[c]:
                notes = [v for v in column.to_pylist() if v is not None]
                rows.append((c, True, np.unique(_hash_values(identifier_pieces(notes), key))))
        arrays: list[list[Any]] = [[], [], [], []]
        for c, piece, hashed in rows:
            arrays[0].append(np.full(hashed.size, c, dtype=np.int32))
            arrays[1].append(np.full(hashed.size, piece, dtype=bool))
            arrays[2].append(np.full(hashed.size, self.own[c], dtype=np.int32))
            arrays[3].append(hashed.view(np.int64))
        kinds = (np.int32, np.bool_, np.int32, np.int64)
        joined = [
            np.concatenate(a) if a else np.empty(0, dtype=kind)
            for a, kind in zip(arrays, kinds, strict=True)
        ]
        return pa.RecordBatch.from_arrays([pa.array(a) for a in joined], schema=self.schema())


def _encoded_from_labels(table: Any, index: int, name: str, hierarchy: Any) -> Any:
    """An :class:`~medguard.privacy.hierarchy.EncodedColumn` of the counted table's labels."""
    from medguard.privacy.hierarchy import EncodedColumn

    codes: list[npt.NDArray[np.int64]] = []
    labels: list[npt.NDArray[np.object_]] = []
    cards: list[int] = []
    for level in range(hierarchy.height):
        column = table.column(label_name(index, level)).combine_chunks()
        encoded = column.dictionary_encode()
        codes.append(np.asarray(encoded.indices, dtype=np.int64))
        labels.append(np.asarray(encoded.dictionary.to_pylist(), dtype=object))
        cards.append(len(encoded.dictionary))
    codes.append(np.zeros(table.num_rows, dtype=np.int64))
    labels.append(np.array(["*"], dtype=object))
    cards.append(1)
    return EncodedColumn(name, hierarchy.level_names, tuple(codes), tuple(cards), tuple(labels))


class CountedChecks:
    """The sharing checks of one compiled plan, run as map, group-and-count, decide, map.

    ``compiled``: the :class:`~medguard.lifecycle.CompiledPlan` of the run (its keyring
    reference is how executors open keys). See the module docstring for the parts.
    """

    def __init__(self, checks: SharingChecks, compiled: Any) -> None:
        import dataclasses

        from medguard.privacy.hierarchy import as_hierarchy

        self.checks = checks
        self.columns: tuple[str, ...] = (*checks.quasi, *checks.derived)
        hierarchies, self.fixed = search_spec(checks)
        self.hierarchies = {name: as_hierarchy(h) for name, h in hierarchies.items()}
        self.identifiers = tuple(checks.identifiers) if checks.rescan else ()
        sub = dataclasses.replace(compiled, plan=checks.quasi_plan())
        self.spec = _Spec(
            compiled=sub,
            quasi=tuple(checks.quasi),
            derived=tuple((n, src, part) for n, (src, part) in checks.derived.items()),
            hierarchies=tuple(self.hierarchies[c] for c in self.columns),
            heights=tuple(self.hierarchies[c].height for c in self.columns),
            subject=checks.policy.subject,
            identifiers=self.identifiers,
            hash_key=secrets.token_hex(8),
        )
        self.levels: tuple[int, ...] = tuple(0 for _ in self.columns)
        self.suppressed_keys: Any = None
        self.outcome = CheckOutcome(rescanned=checks.rescan)

    # -- what runs where ---------------------------------------------------------------------

    @property
    def counts_classes(self) -> bool:
        """Whether the k check runs (label pass, count, decide)."""
        return self.checks.k_check is not None

    @property
    def rescans(self) -> bool:
        """Whether the re-scan runs (input identifiers to compare the output with)."""
        return bool(self.identifiers)

    def columns_needed(self) -> list[str]:
        """The input columns the label pass and the input side of the re-scan read."""
        return self.checks.columns_needed()

    def label_pass(self) -> LabelPass:
        """The per-batch function of step 1 (give it the :meth:`columns_needed` columns)."""
        return LabelPass(self.spec)

    def label_columns(self) -> list[str]:
        """The label columns to group by (with :data:`SUBJECT`) and count into :data:`COUNT`."""
        return [
            label_name(i, j) for i, height in enumerate(self.spec.heights) for j in range(height)
        ]

    # -- the decision ------------------------------------------------------------------------

    def decide(self, counted: Any) -> CheckOutcome:
        """The k check and the search from the counted table (label columns, :data:`SUBJECT`,
        :data:`COUNT`); refuses (:class:`CheckFailed`) as one machine would, or decides the
        levels and the suppressed classes (:attr:`suppressed_keys`)."""
        import pandas as pd
        import pyarrow as pa

        from medguard.privacy.search import MAX_LATTICE, Lattice, LossMeasure, minimal_nodes

        k_check = self.checks.k_check
        if k_check is None:
            return self.outcome
        names = list(self.columns)
        if not names:
            raise InvalidArgument("hierarchies maps at least one quasi-identifier to its hierarchy")
        k = int(k_check.k)
        share = min(k_check.max_suppressed, 0.999999)
        fail = CheckFailed(
            "k-anonymity",
            f"no generalization of {', '.join(names)} reaches k={k} (distinct subjects) "
            f"with at most {k_check.max_suppressed:.1%} of the rows suppressed",
        )
        weights = np.asarray(counted.column(COUNT).to_numpy(), dtype=np.int64)
        if weights.size == 0 or int(weights.sum()) == 0:
            raise fail
        people = pd.factorize(counted.column(SUBJECT).to_numpy())[0].astype(np.int64)
        columns = [
            _encoded_from_labels(counted, i, name, self.hierarchies[name])
            for i, name in enumerate(names)
        ]
        low = [0] * len(names)
        high = [c.height for c in columns]
        for i, name in enumerate(names):
            if name in self.fixed:
                low[i] = high[i] = self.hierarchies[name].level_index(self.fixed[name])
        size = math.prod(h - lo + 1 for lo, h in zip(low, high, strict=True))
        if size > MAX_LATTICE:
            raise InvalidArgument(f"the lattice has {size:,} nodes (over {MAX_LATTICE:,}): "
                                  "fix some levels or use shorter hierarchies")  # fmt: skip
        allowed = math.floor(share * int(weights.sum()) + 1e-9)
        # the single-machine lattice, each distinct row weighted by the rows it stands for
        lattice = Lattice(columns, low, high, k, people, allowed, None, weights)
        minimal, _ = minimal_nodes(lattice)
        if not minimal:
            raise fail
        measure = LossMeasure("precision", lattice)
        scored = sorted((measure(node), sum(node), node) for node in minimal)
        best_loss, _, best = scored[0]
        outcome = lattice.evaluate(best)
        mask = lattice.suppressed_mask(best)
        lost = int(np.unique(people[mask]).size) if outcome.suppressed else 0
        self.levels = tuple(best)
        if outcome.suppressed:
            parts = [
                pa.array(["*"] * counted.num_rows, type=pa.string())
                if level >= self.spec.heights[i]
                else counted.column(label_name(i, level)).combine_chunks()
                for i, level in enumerate(best)
            ]
            keys = group_key(parts).filter(pa.array(mask))
            self.suppressed_keys = keys.unique().cast(pa.string())
        self.outcome = CheckOutcome(
            k=outcome.k,
            k_required=k,
            levels={c.name: c.level_names[lvl] for c, lvl in zip(columns, best, strict=True)},
            suppressed_rows=outcome.suppressed,
            suppressed_subjects=lost,
            quasi_identifiers=tuple(names),
            derived=tuple(self.checks.derived),
            rescanned=self.checks.rescan,
            loss=float(best_loss),
        )
        return self.outcome

    def generalized(self) -> dict[str, int]:
        """The quasi-identifier output columns the decision generalizes, with their level."""
        return {
            name: level for name, level in zip(self.spec.quasi, self.levels, strict=False) if level
        }

    def applier(self, suppressed: Any = None) -> Applier:
        """The per-batch function of step 4; ``suppressed`` may be a broadcast of
        :attr:`suppressed_keys` (default: the keys themselves)."""
        keys = self.suppressed_keys if suppressed is None else suppressed
        return Applier(self.spec, self.levels, keys)

    # -- the re-scan ---------------------------------------------------------------------------

    def input_hashes(self) -> InputHashes:
        """Per input batch (at least the identifier columns): hashes of identifier values."""
        return InputHashes(self.spec)

    def output_hashes(self, plan: Any) -> OutputHashes:
        """Per output batch of ``plan``'s run: hashes of string cells and free-text pieces."""
        from medguard.lifecycle.quasi import makes_surrogates

        steps = {s.column: s for s in plan.steps}
        columns = tuple(s.column for s in plan.steps if not getattr(s.op, "removes_column", False))
        text = []
        own = []
        for name in columns:
            step = steps[name]
            rule = self.checks.policy.fields.get(name)
            text.append(
                step.op.name in _TEXT_OPS or (rule is not None and rule.kind == "free_text")
            )
            surrogate = makes_surrogates(step.op) and name in self.identifiers
            own.append(self.identifiers.index(name) if surrogate else -1)
        return OutputHashes(self.spec, columns, tuple(text), tuple(own))

    def refuse(self, hits: Sequence[tuple[int, bool]], hashes: OutputHashes) -> None:
        """Raise the single-machine refusal for the first hit (output columns in order, a cell
        before free text), given hits as ``(c, piece)`` of ``hashes``; nothing without hits."""
        if not hits:
            return
        c, piece = sorted(hits)[0]
        name = hashes.columns[c]
        if piece:
            raise CheckFailed(
                "re-scan", f"free text in {name!r} holds a value equal to an input identifier"
            )
        raise CheckFailed("re-scan", f"column {name!r} holds a value equal to an input identifier")
