"""One property over every column operation medguard exports (issue 13).

For values drawn from a broad strategy (text with lone surrogates and full-width characters,
None, NaN, pd.NA, NaT, numbers, bytes, dates, huge strings, real identifiers), given as a list,
a numpy object array or a pandas Series, or alone (the scalar form):

1. no operation raises anything but a :class:`~medguard.errors.MedguardError`;
2. no operation returns a protected input (non-null, non-empty) unchanged.

What "unchanged" may legitimately mean, and nothing more:

- a mask, a pseudonymizer or DateShift may give back a string that already holds the mask
  character (``张*``, ``***``): masking a masked value is idempotent, and an unusable value is
  replaced by mask characters of its length;
- a generalizer may give back a value that is already at its level (``E11`` for ICD-10
  categories, ``440300`` for cities): it never returns more detail than its level.

Nothing here is marked xfail: an operation that breaks the property fails this test, named by
its parameter, with hypothesis's smallest failing column. ``MEDGUARD_PROPERTY_EXAMPLES=500``
runs a longer search (20 examples per operation by default).
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medguard.cn import bank_card, names, passport, phone, resident_id, uscc
from medguard.errors import MedguardError
from medguard.ops import generalize as op_gen
from medguard.ops import mask as masks
from medguard.ops import pseudonymize as ps
from medguard.ops.encryption import decrypt, encrypt, encrypt_deterministically
from medguard.privacy import generalize as gen
from medguard.testing.keyrings import fixed_keyring

RING = fixed_keyring("aes")
SM_RING = fixed_keyring("sm")

# --------------------------------------------------------------------------- values

FULL_WIDTH = "".join(chr(c) for c in range(0xFF10, 0xFF5B))  # ０-９, Ａ-Ｚ and more
PIECES = st.one_of(
    st.text(max_size=6),
    st.text(st.characters(exclude_categories=()), max_size=4),  # lone surrogates included
    st.text(alphabet=FULL_WIDTH + "0123456789X", max_size=20),
    st.text(alphabet="0123456789-/ 年月日号.:*@", max_size=12),
    st.sampled_from(["张", "欧阳", "三", "丰", "·", "省", "市", "区", "路", "\ud800", "\udfff"]),
)
TEXTS = st.lists(PIECES, max_size=4).map("".join)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def identifiers(draw: st.DrawFn) -> str:
    """A real-looking identifier, date or code (so the valid paths run too)."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    makers: list[Callable[[], str]] = [
        lambda: resident_id.generate(rng),
        lambda: phone.generate(rng),
        lambda: bank_card.generate(rng),
        lambda: names.generate(rng),
        lambda: passport.generate(rng),
        lambda: uscc.generate(rng),
        lambda: f"{rng.randint(1900, 2100)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        lambda: f"{rng.randint(1900, 2100)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        lambda: f"{rng.randint(19000101, 21001231)}",
        lambda: f"E{rng.randint(10, 99)}.{rng.randint(0, 9)}",
        lambda: str(rng.randint(110000, 659999)),
        lambda: f"MZ{rng.randint(0, 10**10):010d}",
        lambda: "zhang.san@163.com",
        lambda: "广东省深圳市南山区科技园路18号",
        lambda: "9999-12-31",
        lambda: "0001-01-01",
    ]
    value = draw(st.sampled_from(makers))()
    return _full_width(value) if draw(st.booleans()) else value


HUGE = ["1" * 200_000, "张" * 100_000, "13800138000" * 20_000, "a\ud800" * 50_000]


class Huge:
    """Stands for ``HUGE[index]`` in the drawn column, so failure reports stay short."""

    def __init__(self, index: int) -> None:
        self.index = index

    def __repr__(self) -> str:
        return f"HUGE[{self.index}]"


def _expand(values: list[Any]) -> list[Any]:
    return [HUGE[v.index] if isinstance(v, Huge) else v for v in values]


NULLS = st.sampled_from([None, float("nan"), np.nan, pd.NA, pd.NaT, np.datetime64("NaT")])
VALUES = st.one_of(
    NULLS,
    TEXTS,
    identifiers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.binary(max_size=20),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.sampled_from(
        [
            pd.Timestamp("2025-01-03 12:00:00.123456789"),
            np.datetime64("2025-01-03T12:00:00.123456789", "ns"),
            np.int64(20250103),
            np.float32(1.5),
            10**5000,  # beyond Python's int-to-str limit
        ]
    ),
    st.builds(Huge, st.integers(0, len(HUGE) - 1)),
)
COLUMNS = st.lists(VALUES, min_size=1, max_size=8)
KINDS = ("list", "numpy", "pandas", "scalar")


def _as_kind(values: list[Any], kind: str) -> Any:
    if kind == "scalar":
        return values[0]
    if kind == "list":
        return list(values)
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array if kind == "numpy" else pd.Series(array, dtype=object)


def _items(out: Any, kind: str) -> list[Any]:
    if kind == "scalar":
        return [out]
    if isinstance(out, pd.Series):
        return out.tolist()
    if isinstance(out, np.ndarray):
        return out.tolist()
    return list(out)


def _is_null(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return False


def _protected(value: Any) -> bool:
    """A value the operation must change: not null, not empty."""
    if _is_null(value):
        return False
    return not (isinstance(value, str | bytes) and len(value) == 0)


def _number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _same(a: Any, b: Any) -> bool:
    """Same type and equal (no pd.NA truthiness, no numpy broadcasting); a number given back
    as its own text (``440305`` → ``"440305"``) is the same value too."""
    if _number(a) and isinstance(b, str):
        try:
            return str(a) == b
        except ValueError:  # beyond the int-to-str limit
            return False
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- operations

Op = Callable[[Any], Any]


def _already(pattern: str) -> Callable[[Any], bool]:
    regex = re.compile(pattern)

    def at_level(value: Any) -> bool:
        text = str(value) if _number(value) else value
        return isinstance(text, str) and regex.fullmatch(text) is not None

    return at_level


def _masked(value: Any) -> bool:
    return isinstance(value, str) and "*" in value


def _never(value: Any) -> bool:
    return False


def _place_already(value: Any) -> bool:
    """A place already at the city level or coarser (河南省, 河南省郑州市, 410100) is its own
    generalization: it comes back as itself and reveals nothing more (hypothesis found 河南省)."""
    if not isinstance(value, str):
        return False
    text = "".join(value.split())
    if len(text) == 6 and text.isascii() and text.isdigit():
        return text.endswith("00")
    code = op_gen.region_code(text)
    return code is not None and op_gen.region_name(code, "city") == text


def _or_marker(may_stay: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """A generalizer turns what it cannot generalize into the marker ``*``: an input that is
    the marker itself comes back as itself, and reveals nothing."""
    return lambda value: value == "*" or may_stay(value)


def _date_shift(values: Any) -> Any:
    """DateShift with a plain patient ID (P0, P1, P2) per row."""
    kind = _kind_of(values)
    patients = _as_kind([f"P{i % 3}" for i in range(1 if kind == "scalar" else len(values))], kind)
    return ps.DateShift(RING).apply(values, patients)


def _date_shift_odd_patients(values: Any) -> Any:
    """DateShift whose patient column is the (awkward) values themselves."""
    return ps.DateShift(RING).apply(values, values)


def _kind_of(values: Any) -> str:
    if isinstance(values, pd.Series):
        return "pandas"
    if isinstance(values, np.ndarray):
        return "numpy"
    return "list" if isinstance(values, list) else "scalar"


def _decrypt_garbage(values: Any) -> Any:
    return decrypt(values, RING, table="t", field="f", errors="null")


OPS: dict[str, tuple[Op, Callable[[Any], bool]]] = {
    **{
        f"mask.{cls.__name__}": (cls().apply, _masked)
        for cls in (
            masks.MaskName,
            masks.MaskResidentID,
            masks.MaskPhone,
            masks.MaskBankCard,
            masks.MaskEmail,
            masks.MaskAddress,
            masks.MaskPassport,
            masks.KeepEnds,
        )
    },
    "encrypt aes": (lambda v: encrypt(v, RING, table="t", field="f"), _never),
    "encrypt sm": (lambda v: encrypt(v, SM_RING, table="t", field="f"), _never),
    "encrypt_deterministically aes": (
        lambda v: encrypt_deterministically(v, RING, table="t", field="f"),
        _never,
    ),
    "encrypt_deterministically sm": (
        lambda v: encrypt_deterministically(v, SM_RING, table="t", field="f"),
        _never,
    ),
    "decrypt errors=null": (_decrypt_garbage, _never),
    **{
        f"pseudonymize.{cls.__name__}": (cls(RING).apply, _masked)
        for cls in (
            ps.PseudonymizeResidentID,
            ps.PseudonymizePhone,
            ps.PseudonymizeName,
            ps.PseudonymizeBankCard,
            ps.PseudonymizePassport,
            ps.PseudonymizeDigits,
            ps.PseudonymizeUSCC,
        )
    },
    **{
        f"tokenize.{cls.__name__}(one_way)": (cls(RING, one_way=True).apply, _masked)
        for cls in (
            ps.PseudonymizeResidentID,
            ps.PseudonymizePhone,
            ps.PseudonymizeBankCard,
            ps.PseudonymizePassport,
            ps.PseudonymizeDigits,
            ps.PseudonymizeUSCC,
        )
    },
    "pseudonymize.PseudonymizeDigits(keep_prefix)": (
        ps.PseudonymizeDigits(RING, keep_prefix=True).apply,
        _masked,
    ),
    "pseudonymize.PseudonymizeResidentID(sm)": (ps.PseudonymizeResidentID(SM_RING).apply, _masked),
    "DateShift": (_date_shift, _masked),
    "DateShift(awkward patients)": (_date_shift_odd_patients, _masked),
    "generalize.GeneralizeRegion": (
        gen.GeneralizeRegion().apply,
        _or_marker(_already(r"\d{4}00")),
    ),
    "generalize.GeneralizeRegion(2)": (
        gen.GeneralizeRegion(digits=2).apply,
        _or_marker(_already(r"\d{2}0000")),
    ),
    "generalize.GeneralizeDate": (gen.GeneralizeDate().apply, _or_marker(_never)),
    "generalize.GeneralizeDate(year)": (gen.GeneralizeDate(to="year").apply, _or_marker(_never)),
    "generalize.AgeBand": (gen.AgeBand().apply, _or_marker(_never)),
    "generalize.GeneralizeICD10": (
        gen.GeneralizeICD10().apply,
        _or_marker(_already(r"[A-Z]\d{2}")),
    ),
    "generalize.GeneralizePlace": (op_gen.GeneralizePlace().apply, _or_marker(_place_already)),
    "generalize.GeneralizeNumber": (op_gen.GeneralizeNumber().apply, _or_marker(_never)),
    "generalize.GeneralizeICD10(chapter)": (
        gen.GeneralizeICD10(to="chapter").apply,
        _or_marker(_already(r"[IVX]+")),
    ),
}


def _check(name: str, values: list[Any], kind: str) -> None:
    op, may_stay = OPS[name]
    values = _expand(values)
    column = _as_kind(values, kind)
    try:
        out = op(column)
    except MedguardError:
        return
    except Exception as exc:  # the property: nothing but a MedguardError
        raise AssertionError(
            f"{name} on a {kind} column raised {type(exc).__name__}, not a MedguardError"
        ) from exc
    items = _items(out, kind)
    raws = values[:1] if kind == "scalar" else values
    assert len(items) == len(raws), f"{name} changed the column length"
    for row, (raw, result) in enumerate(zip(raws, items, strict=True)):
        if _protected(raw) and _same(raw, result) and not may_stay(raw):
            raise AssertionError(f"{name} on a {kind} column returned row {row} unchanged")


@pytest.mark.parametrize("name", list(OPS))
@given(values=COLUMNS, kind=st.sampled_from(KINDS))
@settings(
    max_examples=int(os.environ.get("MEDGUARD_PROPERTY_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_column_op_raises_only_medguard_errors_and_changes_every_value(
    name: str, kind: str, values: list[Any]
) -> None:
    """Every column op, on any column of awkward values: a MedguardError or a result in which
    no protected value is returned unchanged."""
    _check(name, values, kind)


def test_every_exported_column_operation_is_covered() -> None:
    """The list above names every mask, pseudonymizer and generalizer class the library has."""
    covered = {name.split(".")[1].split("(")[0] for name in OPS if "." in name}
    mask_classes = {
        n for n, c in vars(masks).items()
        if isinstance(c, type) and issubclass(c, masks.Mask) and n in masks.__all__
        and n != "Mask"
    }  # fmt: skip
    pseudonymizers = {
        n for n, c in vars(ps).items()
        if isinstance(c, type) and issubclass(c, ps.Pseudonymizer) and n in ps.__all__
        and n != "Pseudonymizer"
    }  # fmt: skip
    generalizers = {
        n for n, c in vars(gen).items()
        if isinstance(c, type) and issubclass(c, gen.Generalizer) and c is not gen.Generalizer
    }  # fmt: skip
    assert mask_classes | pseudonymizers | generalizers <= covered, (
        mask_classes | pseudonymizers | generalizers
    ) - covered
    assert "DateShift" in OPS


STRING_KINDS = ("numpy unicode", "pandas string", "pyarrow string")


def _typed_strings(values: list[str | None], kind: str) -> Any:
    import pyarrow as pa

    if kind == "numpy unicode":
        return np.array([v or "" for v in values], dtype=str)
    if kind == "pandas string":
        return pd.Series(values, dtype="string")
    return pa.array([v if v is None or _encodes(v) else None for v in values], type=pa.string())


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize("name", list(OPS))
@given(
    values=st.lists(st.one_of(st.none(), TEXTS, identifiers()), min_size=1, max_size=8),
    kind=st.sampled_from(STRING_KINDS),
)
@settings(
    max_examples=int(os.environ.get("MEDGUARD_PROPERTY_EXAMPLES", "20")) // 2 or 1,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
def test_column_op_on_string_typed_columns(name: str, kind: str, values: list[Any]) -> None:
    """The same property on string-typed columns: numpy unicode, pandas ``string`` and pyarrow
    ``string`` arrays (whose fast paths skip the object-array adapter)."""
    op, may_stay = OPS[name]
    column = _typed_strings(values, kind)
    raws = column.to_pylist() if hasattr(column, "to_pylist") else column.tolist()
    try:
        out = op(column)
    except MedguardError:
        return
    except Exception as exc:
        raise AssertionError(
            f"{name} on a {kind} column raised {type(exc).__name__}, not a MedguardError"
        ) from exc
    items = out.to_pylist() if hasattr(out, "to_pylist") else list(out)
    assert len(items) == len(raws), f"{name} changed the column length"
    for row, (raw, result) in enumerate(zip(raws, items, strict=True)):
        if _protected(raw) and _same(raw, result) and not may_stay(raw):
            raise AssertionError(f"{name} on a {kind} column returned row {row} unchanged")
