"""Generalization search: the least general levels reaching k (in people), few rows suppressed.

Given a :class:`~medguard.privacy.hierarchy.Hierarchy` per quasi-identifier, every combination
of levels is a node of a lattice (bottom: every column as is; top: every column ``"*"``). A node
*satisfies* when, after the rows of its classes below ``k`` distinct subjects (or, with ``l``,
below ``l`` distinct sensitive values) are suppressed, at most ``max_suppressed`` of the rows
are gone. :func:`search_generalization` finds the *minimal* satisfying nodes (no column can be
made more precise without failing) and returns the one with the least information loss.

The search is ARX's Flash in spirit: satisfaction is monotone in the lattice (merging classes
never shrinks one below k, so if a node satisfies all its generalizations do, and if it fails
all its specializations do), so each evaluated node tags the nodes above it (satisfied) or below
it (failed), and the untagged nodes are settled by a binary search along an upward path from the
lowest untagged node. Each column's levels are computed once on its distinct values; a node's
evaluation is integer work only (codes combined into one int64 class key, distinct
(class, subject) pairs counted with a hash and ``bincount``).

Information loss (lower is better), reported with the result:

- ``"precision"``: Sweeney's Prec loss, the mean over columns and rows of ``level / height``
  (a suppressed row counts as fully generalized), in [0, 1];
- ``"entropy"``: non-uniform entropy, ``-log2(count of the original value / count of its
  generalized value)`` summed over cells, as a fraction of the all-``"*"`` table's, in [0, 1];
- ``"discernibility"``: the sum of the squared sizes (rows) of the kept classes plus ``rows``
  for each suppressed row.

Distinct l-diversity counted per subject (``subject=`` with ``l=``) is not strictly monotone
(merging two classes can make two subjects' sets of values equal), so with both the search may,
rarely, miss a minimal node; k in subjects and l in rows are exactly monotone.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from medguard.errors import InvalidArgument, PrivacyError
from medguard.privacy.generalize import SUPPRESSED
from medguard.privacy.hierarchy import EncodedColumn, Hierarchy, as_hierarchy
from medguard.privacy.risk import (
    as_frame,
    check_columns,
    column_codes,
    is_integer_value,
    is_number_value,
    l_per_class,
    subject_codes,
)

__all__ = [
    "MAX_LATTICE",
    "GeneralizationResult",
    "Lattice",
    "LossMeasure",
    "NoSolution",
    "NodeEvaluation",
    "minimal_nodes",
    "search_generalization",
]

Loss = Literal["precision", "entropy", "discernibility"]
#: The most nodes a search visits the lattice of (more: fix some levels).
MAX_LATTICE = 2_000_000


class NoSolution(PrivacyError):
    """Even the most general node (every searched column ``"*"``) fails the privacy model."""


@dataclass(frozen=True)
class NodeEvaluation:
    """One node's evaluation: whether it satisfies, the rows it suppresses, the k it reaches
    (smallest kept class) and its discernibility."""

    satisfied: bool
    suppressed: int
    k: int
    discernibility: float


@dataclass(frozen=True)
class GeneralizationResult:
    """What :func:`search_generalization` chose and why.

    ``levels`` maps each searched column to its level index, ``level_names`` to the level's
    name; ``data`` is the transformed table (suppressed rows removed, or kept with every
    searched column ``"*"`` when ``suppressed="mark"``); ``k`` is the smallest kept class in
    distinct subjects (rows without ``subject``); ``suppressed_subjects`` counts subjects with at
    least one suppressed row; ``minimal_nodes`` lists every minimal satisfying node with its
    loss, the chosen one included.
    """

    levels: dict[str, int]
    level_names: dict[str, str]
    data: Any = field(repr=False, compare=False)
    k: int
    k_required: int
    rows: int
    suppressed_rows: int
    suppressed_subjects: int | None
    loss: float
    loss_metric: str
    nodes_evaluated: int
    lattice_size: int
    minimal_nodes: tuple[tuple[dict[str, int], float], ...] = field(repr=False)
    seconds: float = field(repr=False, default=0.0)
    subject: str | None = None

    def to_frame(self) -> Any:
        """The chosen level per column, then the figures, as a pandas DataFrame."""
        import pandas as pd

        unit = " (distinct subjects)" if self.subject is not None else " (rows)"
        rows: list[tuple[str, Any]] = [
            (f"level of {col}", f"{lvl} ({self.level_names[col]})")
            for col, lvl in self.levels.items()
        ]
        rows += [
            ("k reached" + unit, f"{self.k} (required {self.k_required})"),
            ("suppressed rows", f"{self.suppressed_rows} of {self.rows}"),
            *([("suppressed subjects", self.suppressed_subjects)] if self.subject else []),
            (f"information loss ({self.loss_metric})", round(self.loss, 6)),
            ("minimal satisfying nodes", len(self.minimal_nodes)),
            ("nodes evaluated", f"{self.nodes_evaluated} of {self.lattice_size}"),
        ]
        return pd.DataFrame([(a, str(b)) for a, b in rows], columns=["", "value"])

    def __repr__(self) -> str:
        levels = ", ".join(f"{c}={self.level_names[c]}" for c in self.levels)
        return (
            f"GeneralizationResult({levels}; k={self.k} (required {self.k_required}), "
            f"suppressed {self.suppressed_rows}/{self.rows} rows, "
            f"{self.loss_metric} loss {self.loss:.4f}, "
            f"{self.nodes_evaluated}/{self.lattice_size} nodes evaluated)"
        )

    def _repr_html_(self) -> str:
        html: str = self.to_frame().to_html(index=False)
        return html


class Lattice:
    """The nodes (level vectors) of the search and their evaluation on encoded columns.

    Part of the search's engine API (with :class:`NodeEvaluation`, :class:`LossMeasure` and
    :func:`minimal_nodes`), for engines that build the encoded columns themselves (the sharing
    checks of a distributed run, :mod:`medguard.lifecycle.counted_checks`): ``columns`` are
    :class:`~medguard.privacy.hierarchy.EncodedColumn` objects, ``low``/``high`` each column's
    lowest and highest level searched, ``k`` counted in ``people`` (a code per row, or None for
    rows), ``allowed`` the rows that may be suppressed, ``l_values`` an optional
    ``(l, sensitive codes)``, ``weights`` the rows each table row stands for (None: one).
    :func:`search_generalization` is the documented front door; this API may change with it.
    """

    def __init__(
        self,
        columns: list[EncodedColumn],
        low: list[int],
        high: list[int],
        k: int,
        people: npt.NDArray[np.int64] | None,
        allowed: int,
        l_values: tuple[int, npt.NDArray[np.int64]] | None,
        weights: npt.NDArray[np.int64] | None = None,
    ) -> None:
        self.columns, self.low, self.high = columns, low, high
        self.k, self.people, self.allowed, self.l_values = k, people, allowed, l_values
        self.units = int(columns[0].codes[0].size)  # table rows (distinct rows with weights)
        self.weights = weights
        self.rows = self.units if weights is None else int(weights.sum())
        self.n_people = int(people.max()) + 1 if people is not None and people.size else 0
        self.cache: dict[tuple[int, ...], NodeEvaluation] = {}

    def class_ids(self, node: tuple[int, ...]) -> tuple[npt.NDArray[np.int64], int]:
        """Each row's class (dense or sparse codes) and the number of possible codes."""
        import pandas as pd

        ids = np.zeros(self.units, dtype=np.int64)
        width = 1
        for column, level in zip(self.columns, node, strict=True):
            n = column.cardinality[level]
            if n == 1:
                continue
            if width * n >= 2**62:
                ids, uniques = pd.factorize(ids)
                ids, width = ids.astype(np.int64), len(uniques)
            ids = ids * n + column.codes[level]
            width *= n
        if width > 4 * self.units + 16:  # sparse: make dense before counting
            codes, uniques = pd.factorize(ids)
            return codes.astype(np.int64), len(uniques)
        return ids, width

    def small_classes(
        self, node: tuple[int, ...]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Class of each row, rows per class, and which classes fail (to be suppressed)."""
        ids, width = self.class_ids(node)
        rows = self.count(ids, width)
        if self.people is None:
            sizes = rows
        else:
            import pandas as pd

            pairs = pd.unique(ids * self.n_people + self.people)
            sizes = np.bincount(pairs // self.n_people, minlength=width)
        small = (sizes < self.k) & (rows > 0)
        if self.l_values is not None:
            l_min, values = self.l_values
            per_class = np.zeros(width, dtype=np.int64)
            present = rows > 0
            dense = np.cumsum(present) - 1
            per_class[present] = l_per_class(dense[ids], values, self.people)
            small |= present & (per_class < l_min)
        self._sizes = sizes
        return ids, rows, small

    def count(self, ids: npt.NDArray[np.int64], width: int) -> npt.NDArray[np.int64]:
        """Rows per code (each table row counted by its weight)."""
        if self.weights is None:
            return np.bincount(ids, minlength=width)
        counted: npt.NDArray[np.int64] = np.bincount(
            ids, weights=self.weights, minlength=width
        ).astype(np.int64)
        return counted

    def evaluate(self, node: tuple[int, ...]) -> NodeEvaluation:
        """Whether ``node`` satisfies, with its suppressed rows, k reached and discernibility."""
        found = self.cache.get(node)
        if found is not None:
            return found
        _, rows, small = self.small_classes(node)
        suppressed = int(rows[small].sum())
        kept = (rows > 0) & ~small
        k = int(self._sizes[kept].min()) if kept.any() else 0
        disc = float((rows[kept].astype(np.float64) ** 2).sum()) + float(suppressed) * self.rows
        result = NodeEvaluation(suppressed <= self.allowed, suppressed, k, disc)
        self.cache[node] = result
        return result

    def suppressed_mask(self, node: tuple[int, ...]) -> npt.NDArray[np.bool_]:
        """True for the rows ``node`` suppresses."""
        ids, _, small = self.small_classes(node)
        mask: npt.NDArray[np.bool_] = small[ids]
        return mask


def _entropy_terms(column: EncodedColumn, lattice: Lattice) -> list[npt.NDArray[np.float64]]:
    """Per level, each row's ``log2(count of its value at the level / count of its original)``
    (times the row's weight)."""

    def logs(codes: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        found: npt.NDArray[np.float64] = np.log2(lattice.count(codes, 0).astype(np.float64))[codes]
        return found

    base = logs(column.codes[0])
    weight = 1.0 if lattice.weights is None else lattice.weights.astype(np.float64)
    return [(logs(codes) - base) * weight for codes in column.codes]


class LossMeasure:
    """The information loss of a node of ``lattice`` under ``metric`` (see the module
    docstring): ``LossMeasure("precision", lattice)(node)``."""

    def __init__(self, metric: Loss, lattice: Lattice) -> None:
        self.metric, self.lattice = metric, lattice
        self.terms = (
            [_entropy_terms(c, lattice) for c in lattice.columns] if metric == "entropy" else None
        )

    def __call__(self, node: tuple[int, ...]) -> float:
        lat = self.lattice
        result = lat.evaluate(node)
        n, s = lat.rows, result.suppressed
        if self.metric == "discernibility":
            return result.discernibility
        if self.metric == "precision":
            m = len(lat.columns)
            per_row = sum(lvl / c.height for lvl, c in zip(node, lat.columns, strict=True))
            return (per_row * (n - s) + m * s) / (n * m) if n else 0.0
        assert self.terms is not None
        mask = lat.suppressed_mask(node) if s else None
        total = top = 0.0
        for terms, level, column in zip(self.terms, node, lat.columns, strict=True):
            top_terms = terms[column.height]
            top += float(top_terms.sum())
            kept = terms[level] if mask is None else np.where(mask, top_terms, terms[level])
            total += float(kept.sum())
        return total / top if top > 0 else 0.0


def minimal_nodes(lat: Lattice) -> tuple[list[tuple[int, ...]], int]:
    """The minimal satisfying nodes of ``lat`` and the number of nodes evaluated (Flash-like
    tagging)."""
    spans = [h - lo + 1 for lo, h in zip(lat.low, lat.high, strict=True)]
    grid = np.indices(spans).reshape(len(spans), -1).T + np.array(lat.low)
    order = np.argsort(grid.sum(axis=1), kind="stable")
    strides = np.cumprod([1, *spans[:0:-1]])[::-1]
    status = np.zeros(len(grid), dtype=np.int8)  # 0 unknown, 1 satisfies, -1 fails
    evaluated = 0

    def index(node: tuple[int, ...]) -> int:
        return int(sum((v - lo) * s for v, lo, s in zip(node, lat.low, strides, strict=True)))

    def settle(i: int) -> bool:
        nonlocal evaluated
        if status[i] == 0:
            evaluated += 1
            ok = lat.evaluate(tuple(int(v) for v in grid[i])).satisfied
            unknown = status == 0
            if ok:
                status[unknown & np.all(grid >= grid[i], axis=1)] = 1
            else:
                status[unknown & np.all(grid <= grid[i], axis=1)] = -1
        return bool(status[i] == 1)

    top = index(tuple(lat.high))
    if not settle(top):
        return [], evaluated
    heights = np.array([h - lo for lo, h in zip(lat.low, lat.high, strict=True)], dtype=float)
    cursor = 0
    while True:
        while cursor < len(order) and status[order[cursor]] != 0:
            cursor += 1
        if cursor == len(order):
            break
        path = [int(order[cursor])]
        node = grid[path[0]].copy()
        while True:  # climb through unknown nodes, raising the relatively lowest column
            rel = np.where(heights > 0, (node - lat.low) / np.maximum(heights, 1), np.inf)
            step = None
            for col in np.argsort(rel, kind="stable"):
                if node[col] < lat.high[col]:
                    node[col] += 1
                    candidate = index(tuple(int(v) for v in node))
                    if status[candidate] == 0:
                        step = candidate
                        break
                    node[col] -= 1
            if step is None:
                break
            path.append(step)
        lo, hi = 0, len(path) - 1
        while lo <= hi:  # the lowest satisfying node on the path (statuses are monotone on it)
            mid = (lo + hi) // 2
            if settle(path[mid]):
                hi = mid - 1
            else:
                lo = mid + 1
    minimal_mask = status == 1  # and every node one level below (in one column) fails
    everyone = np.arange(len(grid))
    for col, stride in enumerate(strides):
        has_below = grid[:, col] > lat.low[col]
        below = status[np.where(has_below, everyone - stride, 0)]
        minimal_mask &= ~has_below | (below == -1)
    minimal = [tuple(int(v) for v in grid[i]) for i in np.flatnonzero(minimal_mask)]
    return minimal, evaluated


def search_generalization(
    df: Any,
    hierarchies: Mapping[str, Hierarchy | str],
    *,
    k: int,
    subject: str | None = None,
    max_suppressed: float = 0.05,
    l: int | None = None,  # noqa: E741 - the standard name of the metric
    sensitive: str | None = None,
    loss: Loss = "precision",
    fixed: Mapping[str, int | str] | None = None,
    suppressed: Literal["remove", "mark"] = "remove",
    counts: str | None = None,
) -> GeneralizationResult:
    """The least general levels reaching ``k`` with at most ``max_suppressed`` rows suppressed.

    ``hierarchies`` maps each quasi-identifier to its :class:`Hierarchy` (or ``"date"``,
    ``"age"``, ``"region"``, ``"icd10"``, ``"sex"``). With ``subject`` (the column naming the
    person) class sizes count distinct subjects. ``l`` and ``sensitive`` add distinct
    l-diversity. ``fixed`` pins columns to a level (index or name), as a policy may.
    Rows of failing classes are removed from ``data`` (``suppressed="remove"``) or kept with
    every searched column ``"*"`` (``"mark"``). ``counts`` names a column holding how many
    rows each row stands for (a table of distinct rows and their counts, as a streamed
    pipeline gathers it): the result is the one the expanded table gives, its ``data`` the
    rows of ``df`` kept. Raises :class:`NoSolution` when even the most general node fails
    (e.g. fewer than ``k`` subjects in the whole table).
    """
    started = time.perf_counter()
    df = as_frame(df)
    if not isinstance(hierarchies, Mapping) or not hierarchies:
        raise InvalidArgument("hierarchies maps at least one quasi-identifier to its hierarchy")
    names = check_columns(df, list(hierarchies))
    built = {name: as_hierarchy(hierarchies[name]) for name in names}
    if not is_integer_value(k) or k < 1:
        raise InvalidArgument("k must be an integer of at least 1")
    if not (is_number_value(max_suppressed) and 0 <= max_suppressed < 1):
        raise InvalidArgument("max_suppressed is a fraction of the rows in [0, 1)")
    if loss not in ("precision", "entropy", "discernibility"):
        raise InvalidArgument("loss must be 'precision', 'entropy' or 'discernibility'")
    if suppressed not in ("remove", "mark"):
        raise InvalidArgument("suppressed must be 'remove' or 'mark'")
    if (l is None) != (sensitive is None):
        raise InvalidArgument("l-diversity needs both l and sensitive")
    if l is not None and (not is_integer_value(l) or l < 1):
        raise InvalidArgument("l must be an integer of at least 1")
    if sensitive is not None:
        check_columns(df, [sensitive])
    weights = None
    if counts is not None:
        check_columns(df, [counts])
        weights = np.asarray(df[counts])
        if weights.dtype.kind not in "iu" or (weights.size and weights.min() < 1):
            raise InvalidArgument(f"counts column {counts!r} holds positive integers")
        weights = weights.astype(np.int64)
    fixed = dict(fixed or {})
    unknown = [c for c in fixed if c not in built]
    if unknown:
        raise InvalidArgument(f"fixed names columns without a hierarchy: {', '.join(unknown)}")
    if len(df) == 0:
        raise NoSolution("an empty table has no k-anonymous generalization")
    people = subject_codes(df, subject) if subject is not None else None
    columns = [built[c].encode(df[c], c) for c in names]
    low = [0] * len(names)
    high = [c.height for c in columns]
    for i, name in enumerate(names):
        if name in fixed:
            low[i] = high[i] = built[name].level_index(fixed[name])
    size = math.prod(h - lo + 1 for lo, h in zip(low, high, strict=True))
    if size > MAX_LATTICE:
        raise InvalidArgument(f"the lattice has {size:,} nodes (over {MAX_LATTICE:,}): "
                              "fix some levels or use shorter hierarchies")  # fmt: skip
    n = len(df) if weights is None else int(weights.sum())
    allowed = math.floor(max_suppressed * n + 1e-9)
    l_values = (int(l), column_codes(df[sensitive])[0]) if l is not None and sensitive else None
    lattice = Lattice(columns, low, high, int(k), people, allowed, l_values, weights)
    minimal, evaluated = minimal_nodes(lattice)
    if not minimal:
        unit = "subjects" if subject is not None else "rows"
        raise NoSolution(
            f"no generalization of {', '.join(names)} reaches k={k} ({unit})"
            + (f" and l={l}" if l is not None else "")
            + f" with at most {max_suppressed:.1%} of the rows suppressed, not even all '*'"
        )
    measure = LossMeasure(loss, lattice)
    scored = sorted((measure(node), sum(node), node) for node in minimal)
    best_loss, _, best = scored[0]
    outcome = lattice.evaluate(best)
    mask = lattice.suppressed_mask(best)
    data = _transform(df, columns, best, mask, suppressed)
    lost_subjects = (
        int(np.unique(people[mask]).size) if people is not None and outcome.suppressed else 0
    )
    return GeneralizationResult(
        levels=dict(zip(names, best, strict=True)),
        level_names={c.name: c.level_names[lvl] for c, lvl in zip(columns, best, strict=True)},
        data=data,
        k=outcome.k,
        k_required=int(k),
        rows=n,
        suppressed_rows=outcome.suppressed,
        suppressed_subjects=lost_subjects if people is not None else None,
        loss=float(best_loss),
        loss_metric=loss,
        nodes_evaluated=evaluated,
        lattice_size=size,
        minimal_nodes=tuple(
            (dict(zip(names, node, strict=True)), float(value)) for value, _, node in scored
        ),
        seconds=time.perf_counter() - started,
        subject=subject,
    )


def _transform(
    df: Any,
    columns: list[EncodedColumn],
    node: tuple[int, ...],
    mask: npt.NDArray[np.bool_],
    suppressed: str,
) -> Any:
    out = df.copy()
    for column, level in zip(columns, node, strict=True):
        if level == 0:
            continue
        out[column.name] = column.labels[level][column.codes[level]]
    if suppressed == "remove":
        return out[~mask]
    for column in columns:
        values = out[column.name].astype(object).to_numpy(copy=True)
        values[mask] = SUPPRESSED
        out[column.name] = values
    return out
