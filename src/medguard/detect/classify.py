"""Classify the columns of a table: which personal data each holds, how much, and its level.

:func:`scan_frame` looks at every column of a pandas DataFrame (or a dict of columns):

- identifier columns are checked with the vectorized validators of :mod:`medguard.cn` (a
  column of resident IDs is recognized by check characters and real dates, not by length);
- free-text columns (long strings: notes, remarks) are scanned with :func:`scan_text`;
- the header counts as context (姓名, 身份证号, 联系电话, name, id_no, phone, ...): a matching
  header lowers the share of matching values needed to call the column;
- the result gets a GB/T 39725-2020 level suggestion: 4 for direct identifiers, 3 for
  quasi-identifiers (addresses, dates of birth, e-mail, record numbers), 2 for columns without
  personal data.

By default a sample of ``sample`` values per column is examined; ``full=True`` examines every
value and reports a column as soon as one value matches (a rare ID in a mostly clean column).
Reports carry masked samples only, never raw values.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.cn import address, bank_card, names, passport, phone, resident_id, uscc
from medguard.detect.text import scan_text
from medguard.errors import InvalidArgument
from medguard.ops.mask import KeepEnds

__all__ = ["ColumnReport", "FrameReport", "classify_column", "scan_frame"]

DIRECT = frozenset(
    {"CN_RESIDENT_ID", "CN_HMT_PERMIT", "PERSON", "PHONE_NUMBER", "CN_BANK_CARD",
     "CN_PASSPORT", "HK_ID_CARD"}
)  # fmt: skip
QUASI = frozenset(
    {"LOCATION", "DATE_TIME", "EMAIL_ADDRESS", "CN_MEDICAL_RECORD_NUMBER", "IP_ADDRESS", "CN_USCC"}
)

_HEADERS: dict[str, tuple[str, ...]] = {
    "CN_RESIDENT_ID": ("身份证", "证件号", "id_no", "idno", "id_card", "idcard", "sfzh"),
    "PERSON": ("姓名", "名字", "患者", "name", "xm"),
    "PHONE_NUMBER": ("电话", "手机", "联系方式", "phone", "mobile", "tel"),
    "LOCATION": ("地址", "住址", "address", "addr"),
    "EMAIL_ADDRESS": ("邮箱", "email", "e_mail", "mail"),
    "CN_BANK_CARD": ("银行卡", "卡号", "bank", "card"),
    "CN_PASSPORT": ("护照", "通行证", "passport"),
    "CN_USCC": ("信用代码", "uscc", "credit_code"),
}
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_FREE_TEXT_LENGTH = 24


def _each(check: Callable[[str], bool]) -> Callable[[list[str]], npt.NDArray[np.bool_]]:
    return lambda values: np.fromiter((check(v) for v in values), dtype=bool, count=len(values))


_VALIDATORS: dict[str, Callable[[list[str]], npt.NDArray[np.bool_]]] = {
    "CN_RESIDENT_ID": resident_id.is_valid_array,
    "PHONE_NUMBER": lambda v: phone.is_mobile_array(v) | _each(phone.is_landline)(v),
    "CN_BANK_CARD": lambda v: bank_card.luhn_valid_array(v) & ~resident_id.is_valid_array(v),
    "EMAIL_ADDRESS": _each(lambda s: _EMAIL.match(s) is not None),
    "CN_USCC": _each(uscc.is_valid),
    "CN_PASSPORT": _each(lambda s: passport.is_valid(s, allow_taiwan_permit=False)),
    "PERSON": _each(names.is_valid),
    "LOCATION": _each(lambda s: address.is_valid(s) and address.district_end(s) > 0),
}


@dataclass(frozen=True)
class ColumnReport:
    """What one column holds: dominant entity type (or None), share of matching values, level."""

    column: str
    entity_type: str | None
    match_ratio: float
    level: int
    examined: int
    matches: int
    free_text: bool = False
    samples: tuple[str, ...] = field(default=())  # masked

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        return {
            "column": self.column, "entity_type": self.entity_type,
            "match_ratio": round(self.match_ratio, 4), "level": self.level,
            "examined": self.examined, "matches": self.matches, "free_text": self.free_text,
            "samples": list(self.samples),
        }  # fmt: skip


@dataclass(frozen=True)
class FrameReport:
    """The classification of every column of a table."""

    columns: tuple[ColumnReport, ...]
    rows: int

    def to_frame(self) -> Any:
        """One row per column, for notebooks."""
        import pandas as pd

        return pd.DataFrame([c.to_dict() for c in self.columns])

    def _repr_html_(self) -> str:
        html: str = self.to_frame().to_html(index=False)
        return html


_SAMPLE_MASK = KeepEnds(first=2, last=2)  # hides at least a third of any value


def _mask(value: str) -> str:
    masked: str = _SAMPLE_MASK.apply(value)
    return masked


def _level(entity: str | None) -> int:
    if entity in DIRECT:
        return 4
    if entity in QUASI:
        return 3
    return 2


def _header_hint(name: str) -> str | None:
    lowered = name.lower()
    for entity, words in _HEADERS.items():
        if any(word in lowered for word in words):
            return entity
    return None


def classify_column(
    values: Any, name: str = "", *, sample: int = 10_000, full: bool = False, seed: int = 0
) -> ColumnReport:
    """Classify one column (any sequence, numpy array or pandas Series)."""
    items = [v.strip() for v in (values.tolist() if hasattr(values, "tolist") else list(values))
             if isinstance(v, str) and v.strip()]  # fmt: skip
    if not full and len(items) > sample:
        items = random.Random(seed).sample(items, sample)  # noqa: S311 - sampling, not secrets
    if not items:
        return ColumnReport(str(name), None, 0.0, 2, 0, 0)
    hint = _header_hint(str(name))
    if float(np.mean([len(v) for v in items])) >= _FREE_TEXT_LENGTH:
        return _classify_text(str(name), items, full)
    best: tuple[str | None, int] = (None, 0)
    for candidate, validator in _VALIDATORS.items():
        hits = int(validator(items).sum())
        if hits > best[1] or (hits == best[1] and hits and candidate == hint):
            best = (candidate, hits)
    entity, count = best
    ratio = count / len(items)
    needed = 0.2 if entity is not None and entity == hint else 0.5
    if entity is None or (ratio < needed and not (full and count > 0)):
        return ColumnReport(str(name), None, ratio, 2, len(items), count)
    matching = [v for v, ok in zip(items, _VALIDATORS[entity](items[:50]), strict=False) if ok]
    samples = tuple(_mask(v) for v in matching[:3])
    return ColumnReport(str(name), entity, ratio, _level(entity), len(items), count, False, samples)


def _classify_text(name: str, items: list[str], full: bool) -> ColumnReport:
    kinds: Counter[str] = Counter()
    with_pii = 0
    samples: list[str] = []
    for text in items:
        found = scan_text(text, min_score=0.5)
        if found:
            with_pii += 1
            kinds.update(f.entity_type for f in found)
            if len(samples) < 3:
                f = found[0]
                samples.append(_mask(text[f.start : f.end]))
    if not kinds:
        return ColumnReport(name, None, 0.0, 2, len(items), 0, True)
    entity = max(kinds, key=lambda k: (_level(k), kinds[k]))
    ratio = with_pii / len(items)
    return ColumnReport(name, entity, ratio, _level(entity), len(items), with_pii, True,
                        tuple(samples))  # fmt: skip


def scan_frame(df: Any, *, sample: int = 10_000, full: bool = False, seed: int = 0) -> FrameReport:
    """Classify every column of a pandas DataFrame (or dict of columns)."""
    import pandas as pd

    if isinstance(df, dict):
        df = pd.DataFrame(df)
    if not isinstance(df, pd.DataFrame):
        raise InvalidArgument("scan_frame takes a pandas DataFrame or a dict of columns")
    reports = tuple(
        classify_column(df[column], str(column), sample=sample, full=full, seed=seed)
        for column in df.columns
    )
    return FrameReport(reports, len(df))
