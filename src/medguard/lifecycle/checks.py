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

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.errors import MedguardError, PrivacyError

__all__ = ["DIRECT_KINDS", "CheckFailed", "CheckOutcome", "SharingChecks"]

#: Field kinds that name a person directly: never shared as they are (level >= 3).
DIRECT_KINDS = frozenset(
    {"name", "resident_id", "phone", "bank_card", "passport", "email", "record_number", "address"}
)
_HIERARCHY_OF_KIND = {
    "date": "date",
    "datetime": "date",
    "age": "age",
    "region": "region",
    "address": "region",
    "icd10": "icd10",
}
_TEXT_OPS = frozenset({"deidentify"})
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z+\-]{5,}[0-9A-Za-z]")


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


_DATE_LEVELS = ("month", "quarter", "year", "5y")


def _date_label(value: Any, to: str) -> str:
    """A generalized date label (``2006-09``, ``2006Q3``, ``2006``) one level coarser."""
    text = str(value)
    if not text[:4].isdigit():
        return "*"
    year = int(text[:4])
    if to == "quarter":
        month = int(text[5:7]) if text[5:7].isdigit() else 0
        return f"{year}Q{(month - 1) // 3 + 1}" if 1 <= month <= 12 else "*"
    if to == "year":
        return f"{year}"
    start = year - year % 5
    return f"{start}-{start + 4}"


def _generalized_hierarchy(op: Any) -> Any:
    """The hierarchy above what a ``generalize`` op left (its output is the search's level 0).

    Dates generalized to a month, quarter or year go on to the coarser levels; regions and
    addresses generalized to a place go through GB/T 2260 (the region hierarchy reads names);
    ICD-10 categories to chapters. None when the op is not a ``generalize``.
    """
    if getattr(op, "name", None) != "generalize":
        return None
    from medguard.privacy.hierarchy import Hierarchy

    config = op.to_config()
    kind, to = config.get("kind"), config.get("to")
    if kind == "date" and to in _DATE_LEVELS:
        coarser = _DATE_LEVELS[_DATE_LEVELS.index(to) + 1 :]

        def level(target: str) -> Any:
            def f(values: Any) -> Any:
                return np.asarray([_date_label(v, target) for v in values], dtype=object)

            return f

        return Hierarchy.custom([level(t) for t in coarser], names=coarser, kind="date")
    if kind in ("region", "address"):
        return Hierarchy.region()
    if kind == "icd10":
        return Hierarchy.icd10()
    return Hierarchy.sex()  # numbers in buckets, ages in bands: as they are or not at all


def _derived_parts(op: Any) -> dict[str, str]:
    """The parts of the input a resident-ID pseudonym keeps: derived name -> part."""
    if getattr(op, "name", None) not in ("pseudonymize", "tokenize"):
        return {}
    if getattr(op, "kind", None) != "resident_id":
        return {}
    options = dict(getattr(op, "options", ()))
    parts: dict[str, str] = {}
    birth = options.get("birth", "year")
    if birth in ("year", "keep"):
        parts["birth_year"] = "birth_year"
    elif birth == "age_band":
        parts["birth_year"] = "birth_band"
    region = options.get("region", "any")
    if region == "keep":
        parts["region"] = "district"
    elif region == "province":
        parts["region"] = "province"
    if options.get("keep_sex", True):
        parts["sex"] = "sex"
    return parts


def _resident_part(values: Any, part: str) -> Any:
    """One kept part of resident IDs as text (unknown for anything not an 18/15-char ID)."""
    import pandas as pd

    text = pd.Series(values, dtype=object).astype("string").str.strip().str.upper()
    long = text.str.len() == 18
    short = text.str.len() == 15
    year = text.str.slice(6, 10).where(long, "19" + text.str.slice(6, 8).where(short))
    if part == "birth_year":
        out = year
    elif part == "birth_band":
        number = pd.to_numeric(year, errors="coerce")
        out = ((number // 5) * 5).astype("Int64").astype("string")
    elif part == "district":
        out = text.str.slice(0, 6)
    elif part == "province":
        out = text.str.slice(0, 2)
    else:  # sex from the sequence's parity
        seq = text.str.slice(16, 17).where(long, text.str.slice(14, 15))
        digit = pd.to_numeric(seq, errors="coerce")
        out = digit.mod(2).map({1: "M", 0: "F"}, na_action="ignore").astype("string")
    good = long | short
    return out.where(good).astype(object).where(lambda s: s.notna(), "?").to_numpy()


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
                parts = _derived_parts(op)
                for name, part in parts.items():
                    self.derived[f"{q}.{name}"] = (q, part)
                if not parts and not getattr(op, "removes_column", False) and not _pseudonym(op):
                    quasi.append(q)
            self.quasi = tuple(quasi)
        # resident-ID pseudonyms keep parts whether or not the policy lists the column
        for name, step in steps.items():
            if self.k_check is not None and name not in self.k_check.quasi_identifiers:
                for part_name, part in _derived_parts(step.op).items():
                    self.derived[f"{name}.{part_name}"] = (name, part)
        self.identifiers = tuple(
            name
            for name, rule in policy.fields.items()
            if name in steps and rule.level >= 3 and rule.kind in DIRECT_KINDS
        )
        self._hash_key = secrets.token_hex(8)  # 16 characters: pandas' siphash key
        self._hashes: dict[str, list[npt.NDArray[np.uint64]]] = {}
        self._known: dict[str, npt.NDArray[np.uint64]] = {}
        self._seen: dict[str, dict[Any, int]] = {}
        self._subjects: list[npt.NDArray[np.uint64]] = []
        self._chunks: dict[str, list[npt.NDArray[np.int32]]] = {}
        self._suppressed: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)
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

    def collect(self, batch: Any, quasi_out: Any) -> None:
        """Remember one first-pass batch: input columns, and the quasi-identifiers' op outputs."""

        if self.k_check is not None:
            # each column kept as int32 codes into its distinct values: a few bytes a row
            for q in self.quasi:
                self._codes(q, quasi_out.column(q).to_pandas().to_numpy())
            for name, (src, part) in self.derived.items():
                self._codes(name, _resident_part(batch.column(src).to_pylist(), part))
            # subjects as keyed 64-bit hashes: one number a row, however many people
            self._subjects.append(self._hash_all(batch.column(self.policy.subject)))
        if self.rescan:
            for name in self.identifiers:
                hashed = self._hash(batch.column(name))
                self._hashes.setdefault(name, []).append(hashed)

    def _codes(self, name: str, values: Any) -> None:
        """Append ``values`` (nulls as ``"?"``) to column ``name`` as codes of distinct values."""
        import pandas as pd

        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        seen = self._seen.setdefault(name, {})
        mapping = np.empty(len(uniques) + 1, dtype=np.int32)
        for i, value in enumerate([*uniques, "?"]):
            mapping[i] = seen.setdefault(value, len(seen))
        codes = np.where(codes < 0, len(uniques), codes)
        self._chunks.setdefault(name, []).append(mapping[codes])

    def _frame(self) -> Any:
        """The gathered columns as categoricals (values shared, not copied per row)."""
        import pandas as pd

        data: dict[str, Any] = {}
        for name, chunks in self._chunks.items():
            categories = list(self._seen[name])
            codes = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int32)
            data[name] = pd.Categorical.from_codes(
                codes, categories=pd.Index(categories, dtype=object)
            )
        self._chunks = {}
        if self._subjects:
            data["\0subject"] = np.concatenate(self._subjects).view(np.int64)
            self._subjects = []
        if not data:
            return pd.DataFrame({"\0subject": pd.Series([], dtype=object)})
        return pd.DataFrame(data)

    def _hash_all(self, column: Any) -> npt.NDArray[np.uint64]:
        """Keyed 64-bit hashes of every cell of an Arrow column (nulls hash as ``""``)."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            column = column.cast(pa.string())
        filled = pc.fill_null(column, "")
        objects = np.asarray(filled.to_numpy(zero_copy_only=False), dtype=object)
        hashed: npt.NDArray[np.uint64] = pd.util.hash_array(
            objects, hash_key=self._hash_key, categorize=True
        )
        return hashed

    def _hash(self, values: Any) -> npt.NDArray[np.uint64]:
        """Keyed 64-bit hashes of the non-empty values (trimmed) of a column or a list."""
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
        hashed: npt.NDArray[np.uint64] = pd.util.hash_array(
            objects, hash_key=self._hash_key, categorize=False
        )
        return hashed

    def decide(self) -> CheckOutcome:
        """Run the k check and the search on what :meth:`collect` gathered; refuse or decide."""

        for name in list(self._hashes):
            self._known[name] = np.unique(np.concatenate(self._hashes.pop(name)))
        if self.k_check is None:
            return self.outcome
        frame = self._frame()
        from medguard.privacy.hierarchy import as_hierarchy
        from medguard.privacy.search import NoSolution, search_generalization

        columns = [*self.quasi, *self.derived]
        hierarchies: dict[str, Any] = {}
        fixed: dict[str, int | str] = {}
        for name in columns:
            if name in self.derived:
                hierarchies[name] = "sex"  # as is or not at all: the op decides, not the search
                fixed[name] = 0
                continue
            rule = self.policy.fields.get(name)
            configured = dict(getattr(self.k_check, "hierarchies", None) or {})
            h = (
                configured.get(name)
                or _generalized_hierarchy(self._steps[name].op)
                or _HIERARCHY_OF_KIND.get("" if rule is None else (rule.kind or ""), "sex")
            )
            hierarchies[name] = h
            levels = dict(getattr(self.k_check, "levels", None) or {})
            if getattr(self.k_check, "generalize", "search") == "fixed" or name in levels:
                fixed[name] = levels.get(name, 0)
        k = self.k_check.k
        try:
            result = search_generalization(
                frame,
                hierarchies,
                k=k,
                subject="\0subject",
                max_suppressed=min(self.k_check.max_suppressed, 0.999999),
                fixed=fixed,
            )
        except NoSolution:
            raise CheckFailed(
                "k-anonymity",
                f"no generalization of {', '.join(columns)} reaches k={k} (distinct subjects) "
                f"with at most {self.k_check.max_suppressed:.1%} of the rows suppressed",
            ) from None
        except PrivacyError as exc:
            raise CheckFailed("k-anonymity", str(exc)) from None
        kept = np.zeros(len(frame), dtype=bool)
        kept[np.asarray(result.data.index, dtype=np.int64)] = True
        self._suppressed = ~kept
        self._levels = {c: lvl for c, lvl in result.levels.items() if c in self.quasi and lvl}
        self._hierarchies = {c: as_hierarchy(hierarchies[c]) for c in self._levels}
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

    # -- the second pass --------------------------------------------------------------------

    def apply(self, out: Any, start: int) -> Any:
        """Generalize and suppress one output batch (rows ``start`` ...); re-scan it."""
        import pyarrow as pa

        n = out.num_rows
        for name, level in self._levels.items():
            values = out.column(name).to_pandas().astype(object)
            values = values.where(values.notna(), "?")
            encoded = self._hierarchies[name].encode(values, name)
            labels = encoded.labels[level][encoded.codes[level]]
            index = out.schema.get_field_index(name)
            try:
                array = pa.array(labels, type=pa.string(), from_pandas=True)
            except (pa.ArrowTypeError, pa.ArrowInvalid):  # labels that are not text (numbers)
                array = pa.array([None if v is None else str(v) for v in labels], pa.string())
            out = out.set_column(index, name, array)
        if self._suppressed.size:
            keep = ~self._suppressed[start : start + n]
            out = out.filter(pa.array(keep))
        if self.rescan and self._known:
            self._rescan(out)
        return out

    def _rescan(self, out: Any) -> None:
        import pyarrow as pa

        for name in out.schema.names:
            column = out.column(name)
            if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
                continue
            if self._hits(column, self._against(name)):
                raise CheckFailed(
                    "re-scan", f"column {name!r} holds a value equal to an input identifier"
                )
            step = self._steps.get(name)
            rule = self.policy.fields.get(name)
            text = (step is not None and step.op.name in _TEXT_OPS) or (
                rule is not None and rule.kind == "free_text"
            )
            notes = [v for v in column.to_pylist() if v is not None] if text else []
            if text and self._hits(_pieces(notes), list(self._known.values())):
                raise CheckFailed(
                    "re-scan", f"free text in {name!r} holds a value equal to an input identifier"
                )

    def _against(self, name: str) -> list[npt.NDArray[np.uint64]]:
        """The input values a column's cells must not equal: every identifier's, except that
        a column the plan gave surrogates is not compared with its own input (a format-preserving
        pseudonym of a short record number may equal another person's number by chance, and
        says nothing about that person)."""
        step = self._steps.get(name)
        if step is None or not _pseudonym(step.op):
            return list(self._known.values())
        return [v for k, v in self._known.items() if k != name]

    def _hits(self, values: Any, known: list[npt.NDArray[np.uint64]]) -> bool:
        hashed = self._hash(values)
        if not hashed.size:
            return False
        for array in known:
            if not array.size:
                continue
            where = np.searchsorted(array, hashed)
            where[where == array.size] = 0
            if np.any(array[where] == hashed):
                return True
        return False


def _pieces(texts: Iterable[str]) -> list[str]:
    """Identifier-shaped pieces of free text: long digit/letter runs, 2-4 Han characters."""
    out: list[str] = []
    for text in texts:
        out.extend(_TOKEN.findall(text))
        for run in _HAN_RUN.findall(text):
            for width in (2, 3, 4):
                out.extend(run[i : i + width] for i in range(len(run) - width + 1))
    return out


def _pseudonym(op: Any) -> bool:
    """Pseudonyms and tokens are unique per person: their kept parts are judged, not them."""
    return getattr(op, "name", None) in (
        "pseudonymize",
        "tokenize",
        "encrypt",
        "encrypt_deterministically",
    )
