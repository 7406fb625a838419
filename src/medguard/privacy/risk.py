"""Re-identification risk of a table shared row by row: k-anonymity, l-diversity, prosecutor risk.

Records that agree on every quasi-identifier (age band, sex, region, admission month, ...) form
an equivalence class. An attacker who knows a person's quasi-identifiers and that the person is
in the table (the prosecutor model) picks the right person with probability ``1 / class size``.

- k-anonymity: the size of the smallest class (every person hides among at least k);
- distinct l-diversity: the fewest distinct sensitive values in any class;
- record risk: ``1 / class size`` per record; the report gives its maximum, its mean, and how
  many records exceed a threshold (0.2, i.e. classes smaller than 5, by default).

**Rows or people.** Without ``subject=`` a class's size is its number of rows, which is right
only when each person has one row. On visit-level data (many rows per patient) pass the column
that names the person (``subject="patient_id"``): a class's size is then its number of
*distinct subjects*, so ten visits of one patient count once. Subject IDs are compared as
values (``1`` and ``1.0`` are one subject); a null subject ID is refused. With a subject, a
class's l is 1 when some sensitive value is held by every subject of the class (the attacker
learns it), and otherwise the number of distinct per-subject sets of sensitive values (each
subject's "value" is the set of values on its rows); with one row per subject this is the
classic distinct l.

**Classes are the values as written.** What an attacker sees is the released file, so values
are grouped by how they are written: ``30`` and ``30.0`` in one object column are two classes
(a CSV shows ``30`` and ``30.0``), ``30`` and ``"30"`` one, ``True`` and ``1`` two, ``-0.0``
and ``0.0`` two. Columns of one type (all strings, all integers) are grouped as they are, at
full speed; only mixed object columns and float columns holding ``-0.0`` are converted to their
text first. A null quasi-identifier is a value of its own (records with an unknown region form
their own classes): None and NaN are both written as an empty field, so they are one class.

Everything is one pandas ``groupby`` plus numpy counting, so a million rows take well under a
second (``benchmarks/bench_privacy_risk.py`` compares with pycanon).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.errors import InvalidArgument

__all__ = [
    "RiskReport",
    "class_ids",
    "k_anonymity",
    "l_diversity",
    "record_risk",
    "risk_report",
    "suppress_small_classes",
]

# infer_dtype results whose values compare equal exactly when they are written alike
_SAME_AS_WRITTEN = {"string", "empty", "integer", "boolean"}


def as_frame(df: Any) -> Any:
    """A pandas DataFrame from ``df`` (a DataFrame or a dict of equal-length columns)."""
    import pandas as pd

    if isinstance(df, pd.DataFrame):
        return df
    if isinstance(df, dict):
        try:
            return pd.DataFrame(df)
        except (TypeError, ValueError) as exc:
            raise InvalidArgument("the columns must be 1-D and of equal length") from exc
    raise InvalidArgument("expected a pandas DataFrame or a dict of columns (numpy arrays, lists)")


def check_columns(df: Any, columns: Sequence[str] | str) -> list[str]:
    """``columns`` as a list, each checked to be a column of ``df``."""
    cols = [columns] if isinstance(columns, str) else list(columns)
    if not cols:
        raise InvalidArgument("name at least one quasi-identifier column")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InvalidArgument(f"columns not in the table: {', '.join(map(str, missing))}")
    return cols


def _as_written(column: Any) -> Any:
    """``column`` or a stand-in whose equal values are exactly the values written alike."""
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        kind = pd.api.types.infer_dtype(dtype.categories, skipna=True)
        if kind in _SAME_AS_WRITTEN:
            return column
        column = column.astype(object)
        dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        if pd.api.types.infer_dtype(column, skipna=True) in _SAME_AS_WRITTEN:
            return column
        nulls = column.isna().tolist()
        cells = column.tolist()
        text = [None if null else str(v) for v, null in zip(cells, nulls, strict=True)]
        return pd.Series(text, index=column.index, dtype=object)
    if pd.api.types.is_float_dtype(dtype):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        negative_zero = (values == 0) & np.signbit(values)
        if negative_zero.any():
            marked = column.astype(object)
            marked[negative_zero] = "-0.0"  # a key no float equals
            return marked
    return column


def is_number_value(value: object) -> bool:
    """True for an int or float that is not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_integer_value(value: object) -> bool:
    """True for an integral number that is not a bool."""
    return is_number_value(value) and isinstance(value, numbers.Integral)


def column_codes(column: Any) -> tuple[npt.NDArray[np.int64], int]:
    """Codes 0..n-1 of the column's values as written (nulls one code of their own), and n."""
    import pandas as pd

    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    dtype = column.dtype
    all_text = isinstance(dtype, np.dtype) and dtype.kind == "O"
    all_text = all_text and pd.api.types.infer_dtype(uniques, skipna=True) in {"string", "empty"}
    # A unique that is a str can only have absorbed equal strings, so an all-text column needs no
    # look at its rows; anything else may hide 30.0 behind 30 (or -0.0 behind 0.0).
    if not all_text:
        written = _as_written(column)
        if written is not column:
            codes, uniques = pd.factorize(written, use_na_sentinel=True)
    n = len(uniques)
    result = codes.astype(np.int64)
    if (result < 0).any():
        result[result < 0] = n  # None, NaN, NA and NaT are all an empty field
        n += 1
    return result, n


def class_ids(df: Any, quasi_identifiers: Sequence[str]) -> npt.NDArray[np.int64]:
    """The equivalence class (0..C-1, by first appearance) of each row; nulls are values too.

    Values are grouped as they would be written to a file (see the module docstring).
    """
    import pandas as pd

    df = as_frame(df)
    cols = check_columns(df, quasi_identifiers)
    if len(df) == 0:
        return np.zeros(0, dtype=np.int64)
    ids, width = column_codes(df[cols[0]])
    for col in cols[1:]:
        codes, n = column_codes(df[col])
        if width * n >= 2**62:  # keep the mixed-radix key inside int64
            ids, uniques = pd.factorize(ids)
            width = len(uniques)
        ids = ids * n + codes
        width *= n
    result: npt.NDArray[np.int64] = pd.factorize(ids)[0].astype(np.int64)
    return result


def subject_codes(df: Any, subject: str) -> npt.NDArray[np.int64]:
    """Dense integer codes of the ``subject`` column (the person each row is about)."""
    check_columns(df, [subject])
    column = df[subject]
    if column.isna().any():
        raise InvalidArgument(
            f"subject column {subject!r} has missing IDs: every row needs its person"
        )
    codes: npt.NDArray[np.int64] = column.factorize()[0].astype(np.int64)
    return codes


def _class_sizes(
    ids: npt.NDArray[np.int64], people: npt.NDArray[np.int64] | None
) -> npt.NDArray[np.int64]:
    """Rows per class, or distinct subjects per class given the subject codes."""
    if people is None:
        sizes: npt.NDArray[np.int64] = np.bincount(ids).astype(np.int64)
        return sizes
    width = int(people.max()) + 1 if people.size else 1
    pairs = _distinct(ids * width + people)
    counted: npt.NDArray[np.int64] = np.bincount(
        pairs // width, minlength=int(ids.max()) + 1 if ids.size else 0
    ).astype(np.int64)
    return counted


def _distinct(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The distinct keys, in no particular order (a hash table: faster than a sort)."""
    import pandas as pd

    result: npt.NDArray[np.int64] = pd.unique(keys)
    return result


def _sizes(
    df: Any, quasi_identifiers: Sequence[str], subject: str | None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    df = as_frame(df)
    ids = class_ids(df, quasi_identifiers)
    people = subject_codes(df, subject) if subject is not None else None
    if not ids.size:
        return ids, np.zeros(0, dtype=np.int64)
    return ids, _class_sizes(ids, people)


def k_anonymity(df: Any, quasi_identifiers: Sequence[str], *, subject: str | None = None) -> int:
    """The size of the smallest equivalence class (0 for an empty table).

    With ``subject`` (the column naming the person) the size is the number of distinct subjects
    in the class, as visit-level data needs; without it, the number of rows.
    """
    ids, sizes = _sizes(df, quasi_identifiers, subject)
    return int(sizes.min()) if ids.size else 0


def _first_of_runs(*columns: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """For columns already sorted together: True where a new distinct tuple starts."""
    start = np.zeros(columns[0].size, dtype=bool)
    if columns[0].size:
        start[0] = True
    for col in columns:
        start[1:] |= col[1:] != col[:-1]
    return start


def l_per_class(
    ids: npt.NDArray[np.int64], values: npt.NDArray[np.int64], people: npt.NDArray[np.int64] | None
) -> npt.NDArray[np.int64]:
    """Distinct sensitive values per equivalence class (in distinct ``people`` when given)."""
    classes = int(ids.max()) + 1
    if people is None:
        width = int(values.max()) + 1
        pairs = _distinct(ids * width + values)
        per_class: npt.NDArray[np.int64] = np.bincount(pairs // width, minlength=classes)
        return per_class
    n_people, n_values = int(people.max()) + 1, int(values.max()) + 1
    if classes * n_people * n_values < 2**62:
        key = np.sort(_distinct((ids * n_people + people) * n_values + values))
        pair, v = np.divmod(key, n_values)
        c, s = np.divmod(pair, n_people)
    else:  # too wide for one int64 key: sort the three columns together
        order = np.lexsort((values, people, ids))
        c, s, v = ids[order], people[order], values[order]
        keep = _first_of_runs(c, s, v)
        c, s, v = c[keep], s[keep], v[keep]
    # c, s, v: the distinct (class, subject, value) triples, sorted
    starts = np.flatnonzero(_first_of_runs(c, s))
    owner = c[starts]  # the class of each (class, subject) run
    subjects = np.bincount(owner, minlength=classes)
    # a value held by every subject of its class is disclosed: that class has l = 1
    codes, held = _factorize(c * n_values + v)
    holders = np.bincount(codes)
    disclosed = np.zeros(classes, dtype=bool)
    full = holders == subjects[held // n_values]
    disclosed[held[full] // n_values] = True
    # otherwise: distinct per-subject sets of values, a set hashed as a sum of random weights.
    # A collision could only merge two sets, lowering l: it errs on the safe side.
    weights = np.random.default_rng(0x6D67).integers(
        0, np.iinfo(np.uint64).max, n_values, dtype=np.uint64, endpoint=True
    )
    profile = np.add.reduceat(weights[v], starts) if starts.size else weights[:0]
    owner_bits = max(classes.bit_length(), 1)
    hash_bits = 63 - owner_bits
    if hash_bits >= 32:
        packed = (owner.astype(np.uint64) << np.uint64(hash_bits)) | (
            profile >> np.uint64(64 - hash_bits)
        )
        kinds = _distinct(packed.view(np.int64)).view(np.uint64) >> np.uint64(hash_bits)
        profiles = np.bincount(kinds.astype(np.int64), minlength=classes)
    else:  # pragma: no cover - more than 2**31 classes
        order_p = np.lexsort((profile, owner))
        distinct = _first_of_runs(owner[order_p], profile[order_p].view(np.int64))
        profiles = np.bincount(owner[order_p][distinct], minlength=classes)
    result: npt.NDArray[np.int64] = np.where(disclosed, 1, profiles).astype(np.int64)
    return result


def _factorize(keys: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    import pandas as pd

    codes, uniques = pd.factorize(keys)
    return codes, np.asarray(uniques, dtype=np.int64)


def l_diversity(
    df: Any, quasi_identifiers: Sequence[str], sensitive: str, *, subject: str | None = None
) -> int:
    """Distinct l-diversity: the fewest distinct ``sensitive`` values in any class.

    With ``subject``, a class where every subject holds some same value has l = 1, and other
    classes count distinct per-subject sets of values (see the module docstring).
    """
    df = as_frame(df)
    check_columns(df, [sensitive])
    ids = class_ids(df, quasi_identifiers)
    people = subject_codes(df, subject) if subject is not None else None
    return _l_of(df, ids, sensitive, people)


def _l_of(
    df: Any, ids: npt.NDArray[np.int64], sensitive: str, people: npt.NDArray[np.int64] | None
) -> int:
    if not ids.size:
        return 0
    values = column_codes(df[sensitive])[0]
    return int(l_per_class(ids, values, people).min())


def record_risk(
    df: Any, quasi_identifiers: Sequence[str], *, subject: str | None = None
) -> npt.NDArray[np.float64]:
    """Prosecutor re-identification risk of each record: ``1 / size of its class``.

    With ``subject`` the size counts distinct subjects, not rows.
    """
    ids, sizes = _sizes(df, quasi_identifiers, subject)
    if not ids.size:
        return np.zeros(0)
    risk: npt.NDArray[np.float64] = 1.0 / sizes[ids]
    return risk


@dataclass(frozen=True)
class RiskReport:
    """Risk of one table for one set of quasi-identifiers (and optionally a sensitive column).

    Class sizes (``k``, the risks, ``class_size_counts``) count distinct subjects when the
    report was made with ``subject=``, rows otherwise; ``records`` always counts rows.
    """

    quasi_identifiers: tuple[str, ...]
    sensitive: str | None
    records: int
    classes: int
    k: int
    l: int | None  # noqa: E741 - the standard name of the metric
    max_risk: float
    mean_risk: float
    threshold: float
    records_over_threshold: int
    class_size_counts: dict[int, int]
    subject: str | None = None
    subjects: int | None = None

    def to_frame(self) -> Any:
        """The metrics as a two-column pandas DataFrame (metric, value) for notebooks."""
        import pandas as pd

        return pd.DataFrame(self._metrics(), columns=["metric", "value"])

    def __str__(self) -> str:
        """The metrics, one per line (``print(report)``)."""
        metrics = self._metrics()
        width = max(len(m) for m, _ in metrics)
        title = f"re-identification risk on {', '.join(self.quasi_identifiers)}"
        return "\n".join([title, *(f"  {m:<{width}}  {v}" for m, v in metrics)])

    def _metrics(self) -> list[tuple[str, Any]]:
        by_subject = self.subject is not None
        rows: list[tuple[str, Any]] = [
            ("records", self.records),
            *([("subjects", self.subjects)] if by_subject else []),
            ("equivalence classes", self.classes),
            ("k-anonymity" + (" (distinct subjects)" if by_subject else ""), self.k),
            ("distinct l-diversity", self.l if self.l is not None else "-"),
            ("max prosecutor risk", round(self.max_risk, 4)),
            ("mean prosecutor risk", round(self.mean_risk, 4)),
            (f"records with risk > {self.threshold:g}", self.records_over_threshold),
        ]
        return rows

    def _repr_html_(self) -> str:
        html: str = self.to_frame().to_html(index=False)
        return html


def risk_report(
    df: Any,
    quasi_identifiers: Sequence[str],
    sensitive: str | None = None,
    *,
    subject: str | None = None,
    threshold: float = 0.2,
) -> RiskReport:
    """Measure k, l, class sizes and prosecutor risk of ``df`` in one pass.

    Pass ``subject`` (the column naming the person) on data with several rows per person, so
    that class sizes count people, not rows.
    """
    if not (is_number_value(threshold) and 0 < threshold <= 1):
        raise InvalidArgument("threshold is a probability in (0, 1]")
    df = as_frame(df)
    cols = check_columns(df, quasi_identifiers)
    if sensitive is not None:
        check_columns(df, [sensitive])
    ids = class_ids(df, cols)
    people = subject_codes(df, subject) if subject is not None else None
    n = int(ids.size)
    if n == 0:
        return RiskReport(tuple(cols), sensitive, 0, 0, 0, 0 if sensitive else None,
                          0.0, 0.0, float(threshold), 0, {}, subject,
                          0 if subject is not None else None)  # fmt: skip
    sizes = _class_sizes(ids, people)
    risk = 1.0 / sizes[ids]
    size_values, size_counts = np.unique(sizes, return_counts=True)
    return RiskReport(
        quasi_identifiers=tuple(cols),
        sensitive=sensitive,
        records=n,
        classes=int(sizes.size),
        k=int(sizes.min()),
        l=_l_of(df, ids, sensitive, people) if sensitive is not None else None,
        max_risk=float(risk.max()),
        mean_risk=float(risk.mean()),
        threshold=float(threshold),
        records_over_threshold=int((risk > threshold).sum()),
        class_size_counts=dict(zip(size_values.tolist(), size_counts.tolist(), strict=True)),
        subject=subject,
        subjects=int(people.max()) + 1 if people is not None else None,
    )


def suppress_small_classes(
    df: Any, quasi_identifiers: Sequence[str], k: int, *, subject: str | None = None
) -> tuple[Any, int]:
    """Drop the records of classes smaller than ``k``; returns ``(table, records dropped)``.

    With ``subject`` a class is small when it holds fewer than ``k`` distinct subjects (on
    visit-level data, a class of 12 visits by 2 patients is dropped at ``k=5``).
    """
    if not is_integer_value(k):
        raise InvalidArgument("k must be an integer")
    if k < 1:
        raise InvalidArgument("k must be at least 1")
    df = as_frame(df)
    ids, sizes = _sizes(df, quasi_identifiers, subject)
    if not ids.size:
        return df, 0
    keep = sizes[ids] >= k
    return df[keep], int((~keep).sum())
