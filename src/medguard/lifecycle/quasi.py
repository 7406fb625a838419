"""What the sharing checks derive from a plan and its data: the quasi-identifiers as the ops leave
them, shared by the single-machine checks (:mod:`medguard.lifecycle.checks`) and the counted
checks of distributed engines (:mod:`medguard.lifecycle.counted_checks`).

- :data:`HIERARCHY_OF_KIND`, :func:`generalized_hierarchy` and :func:`search_spec`: the
  hierarchy and fixed level each search column gets;
- :func:`derived_parts`, :func:`resident_part` and :func:`derived_values`: the parts of a
  resident ID its pseudonym keeps (birth year or band, sex, region), as quasi-identifiers;
- :func:`identifier_pieces`: the identifier-shaped pieces of free text the re-scan compares;
- :func:`makes_surrogates`: which ops give each person a surrogate (judged by their kept
  parts, not their form);
- :func:`one_chunk` and :func:`text_column`: Arrow columns as one array, as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = [
    "HIERARCHY_OF_KIND",
    "derived_parts",
    "derived_values",
    "generalized_hierarchy",
    "identifier_pieces",
    "makes_surrogates",
    "one_chunk",
    "resident_part",
    "search_spec",
    "text_column",
]

#: The search hierarchy of each field kind (other kinds: as they are or not at all).
HIERARCHY_OF_KIND = {
    "date": "date",
    "datetime": "date",
    "age": "age",
    "region": "region",
    "address": "region",
    "icd10": "icd10",
}

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z+\-]{5,}[0-9A-Za-z]")

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


def generalized_hierarchy(op: Any) -> Any:
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


def derived_parts(op: Any) -> dict[str, str]:
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


def resident_part(values: Any, part: str) -> Any:
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


def one_chunk(column: Any) -> Any:
    """An Arrow array of a column (a chunked one combined)."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


def text_column(column: Any) -> Any:
    """A column as Arrow text (other types cast)."""
    import pyarrow as pa

    column = one_chunk(column)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    return column.cast(pa.string())


#: The characters ``str.strip()`` removes from ASCII text.
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def derived_values(column: Any, part: str) -> Any:
    """:func:`resident_part` of an Arrow column, as an Arrow string column, column-wise for
    ASCII text (the common case); other text takes :func:`resident_part`. When IDs repeat (a
    patient's visits) each distinct ID is read once."""
    import pyarrow.compute as pc

    column = text_column(column)
    if len(column) >= 256:
        encoded = column.dictionary_encode()
        if 2 * len(encoded.dictionary) <= len(column):  # a null cell reads as "?"
            labels = _derived_rows(encoded.dictionary, part).take(encoded.indices)
            return pc.fill_null(labels, "?")
    return _derived_rows(column, part)


def _derived_rows(column: Any, part: str) -> Any:
    """:func:`derived_values` of each cell of an Arrow text column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ascii_only = pc.all(pc.string_is_ascii(column)).as_py() is not False
    if not ascii_only or len(column) == 0:
        return pa.array(resident_part(column.to_pylist(), part), type=pa.string())
    text = pc.ascii_upper(pc.utf8_trim(column, characters=_ASCII_SPACE))
    length = pc.utf8_length(text)
    long, short = pc.equal(length, 18), pc.equal(length, 15)
    good = pc.fill_null(pc.or_(long, short), False)

    def cut(start: int, stop: int) -> Any:
        return pc.utf8_slice_codeunits(text, start, stop)

    if part in ("birth_year", "birth_band"):
        out = pc.if_else(long, cut(6, 10), pc.binary_join_element_wise("19", cut(6, 8), ""))
        if part == "birth_band":  # the few distinct years, read as pandas reads numbers
            import pandas as pd

            years = pc.if_else(good, out, pa.scalar(None, pa.string())).dictionary_encode()
            number = pd.to_numeric(
                pd.Series(years.dictionary.to_pylist(), dtype="string"), errors="coerce"
            )
            bands = ((number // 5) * 5).astype("Int64").astype("string")
            labels = pa.array(bands.astype(object).where(bands.notna(), None), pa.string())
            out = labels.take(years.indices)
    elif part == "district":
        out = cut(0, 6)
    elif part == "province":
        out = cut(0, 2)
    else:  # sex from the sequence's parity
        seq = pc.if_else(long, cut(16, 17), cut(14, 15))
        digit = pc.ascii_is_decimal(seq)
        odd = pc.match_substring_regex(seq, "^[13579]$")
        out = pc.if_else(digit, pc.if_else(odd, "M", "F"), pa.scalar(None, pa.string()))
    return pc.fill_null(pc.if_else(good, out, pa.scalar(None, pa.string())), "?")


def identifier_pieces(texts: Iterable[str]) -> list[str]:
    """Identifier-shaped pieces of free text: long digit/letter runs, 2-4 Han characters."""
    out: list[str] = []
    for text in texts:
        out.extend(_TOKEN.findall(text))
        for run in _HAN_RUN.findall(text):
            for width in (2, 3, 4):
                out.extend(run[i : i + width] for i in range(len(run) - width + 1))
    return out


def makes_surrogates(op: Any) -> bool:
    """Pseudonyms and tokens are unique per person: their kept parts are judged, not them."""
    return getattr(op, "name", None) in (
        "pseudonymize",
        "tokenize",
        "encrypt",
        "encrypt_deterministically",
    )


def search_spec(checks: Any) -> tuple[dict[str, Any], dict[str, int | str]]:
    """The hierarchy of each search column of ``checks`` (a
    :class:`~medguard.lifecycle.checks.SharingChecks`) and the levels the policy fixes.

    Derived columns are searched as they are or not at all (the op decides, not the search);
    other columns take the check's ``hierarchies:``, else the hierarchy above what their
    ``generalize`` op left, else their kind's.
    """
    hierarchies: dict[str, Any] = {}
    fixed: dict[str, int | str] = {}
    k_check = checks.k_check
    if k_check is None:
        return hierarchies, fixed
    steps: Mapping[str, Any] = {s.column: s for s in checks.plan.steps}
    configured = dict(getattr(k_check, "hierarchies", None) or {})
    levels = dict(getattr(k_check, "levels", None) or {})
    for name in (*checks.quasi, *checks.derived):
        if name in checks.derived:
            hierarchies[name] = "sex"
            fixed[name] = 0
            continue
        rule = checks.policy.fields.get(name)
        hierarchies[name] = (
            configured.get(name)
            or generalized_hierarchy(steps[name].op)
            or HIERARCHY_OF_KIND.get("" if rule is None else (rule.kind or ""), "sex")
        )
        if getattr(k_check, "generalize", "search") == "fixed" or name in levels:
            fixed[name] = levels.get(name, 0)
    return hierarchies, fixed
