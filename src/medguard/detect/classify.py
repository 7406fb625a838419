"""Classify the columns of a table: which personal data each holds, how much, and its level.

:func:`scan_frame` looks at every column of a pandas DataFrame (or a dict of columns):

- identifier columns are checked with the vectorized validators of :mod:`medguard.cn` (a
  column of resident IDs is recognized by check characters and real dates, not by length);
- free-text columns (long strings: notes, remarks) are scanned with :func:`scan_text`;
- in other columns, a value no validator claims but of 8 characters or more (``张伟 13812345678``)
  is scanned as text too, and what it holds counts for the column;
- the header counts as context (姓名, 身份证号, 联系电话, name, id_no, phone, ...): a matching
  header lowers the share of matching values needed to call the column;
- the result gets a GB/T 39725-2020 level suggestion: 4 for direct identifiers, 3 for
  quasi-identifiers (addresses, dates of birth, e-mail, record numbers), 2 for columns without
  personal data.

Classification names a column's type; it never hides what the column holds. A type confirmed
by a check (a resident ID's check character and date, a bank card's Luhn digit, an allocated
mobile segment, a credit code's check characters, an e-mail address: :data:`CHECKED`) is
reported from its first value, whatever share of the column it is: a column of 45% valid
resident IDs among other codes holds resident IDs. A type that values alone cannot confirm
(names, addresses, passports) needs a share of the values (half, or a fifth under a header
naming it). :attr:`ColumnReport.entities` lists every type reported, the column's own type
first; a notes column with names *and* phones reports both.

By default a sample of ``sample`` values per column is examined (a rare value outside it is not
seen); ``full=True`` examines every value. Reports carry masked samples only, never raw values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.cn import address, bank_card, dates, names, passport, phone, resident_id, uscc
from medguard.detect.levels import level_of, masked_sample
from medguard.detect.lexicon import is_common_word
from medguard.detect.text import DEFAULT_MIN_SCORE, scan_text
from medguard.errors import InvalidArgument

__all__ = [
    "CHECKED",
    "ColumnClassifier",
    "ColumnEntity",
    "ColumnReport",
    "FrameReport",
    "classify_column",
    "scan_frame",
]

#: Column-name words that hint at an entity type (Chinese, English, pinyin initials); the SQL guard
#: reads the same table.
HEADER_HINTS: dict[str, tuple[str, ...]] = {
    "CN_RESIDENT_ID": ("身份证", "证件号", "id_no", "idno", "id_card", "idcard", "sfzh"),
    "PERSON": ("姓名", "名字", "患者", "name", "xm"),
    "PHONE_NUMBER": ("电话", "手机", "联系方式", "phone", "mobile", "tel"),
    "LOCATION": ("地址", "住址", "address", "addr"),
    "EMAIL_ADDRESS": ("邮箱", "email", "e_mail", "mail"),
    "CN_BANK_CARD": ("银行卡", "卡号", "bank", "card"),
    "CN_PASSPORT": ("护照", "通行证", "passport"),
    "CN_USCC": ("信用代码", "uscc", "credit_code"),
    "DATE_TIME": ("出生", "生日", "birth", "dob"),
    "CN_MEDICAL_RECORD_NUMBER": ("就诊号", "住院号", "门诊号", "病案号", "病历号", "mrn",
                                 "visit_no", "admission_no", "inpatient_no", "record_no"),
}  # fmt: skip
# Types whose values alone do not say they are personal data: a date is a date of birth, and a
# code a record number, only under a header saying so.
_HEADER_ONLY = frozenset({"DATE_TIME", "CN_MEDICAL_RECORD_NUMBER"})
# Headers of free-text columns: scanned as text however short their values.
_TEXT_HEADERS = ("备注", "说明", "描述", "记录", "主诉", "病史", "意见", "remark", "note",
                 "comment", "memo", "description")  # fmt: skip
_RECORD_NUMBER = re.compile(r"^[A-Za-z]{0,4}[-_]?\d{5,15}$")
_DATE = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?(?:[ T].*)?$")


def _birth_date(value: str) -> bool:
    m = _DATE.match(value)
    return m is not None and dates.is_real_date(
        f"{int(m.group(1)):04d}{int(m.group(2)):02d}{int(m.group(3)):02d}"  # full-width too
    )


# Likelihood that a column classified by its values holds the type; a header naming it adds 0.05.
_COLUMN_LIKELIHOOD = {
    "CN_RESIDENT_ID": 0.95, "CN_USCC": 0.9, "EMAIL_ADDRESS": 0.95, "PHONE_NUMBER": 0.85,
    "CN_BANK_CARD": 0.7, "LOCATION": 0.75, "PERSON": 0.7, "CN_PASSPORT": 0.6, "DATE_TIME": 0.8,
    "CN_MEDICAL_RECORD_NUMBER": 0.8,
}  # fmt: skip
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_FREE_TEXT_LENGTH = 24
# A value no validator claims but this long may hold personal data inside it (张伟 13812345678,
# 身份证11010519491231002X, 患者张伟电话…): it is scanned as text.
_EMBEDDED_LENGTH = 8


def _each(check: Callable[[str], bool]) -> Callable[[list[str]], npt.NDArray[np.bool_]]:
    """``check`` over a batch, once per distinct value (departments and names repeat)."""

    def checked(values: list[str]) -> npt.NDArray[np.bool_]:
        verdicts = {v: check(v) for v in dict.fromkeys(values)}
        return np.fromiter(map(verdicts.__getitem__, values), dtype=bool, count=len(values))

    return checked


def _written_phone(value: str) -> bool:
    """A landline, or a mobile written with spaces, dashes or +86/0086 (not plain 11 digits)."""
    if value.isdigit() and len(value) == 11 and value[0] == "1":
        return False  # plain mobiles were checked for the whole batch at once
    if (value[:1] in "+（＋" or value.startswith(("0086", "86")) or not value.isdigit()) and (
        phone.is_mobile(value)
    ):
        return True
    return value[:1] in "0(（０" and phone.is_landline(value)  # area codes start with 0


def _person(value: str) -> bool:
    surname = value[:2] in names.COMPOUND_SURNAMES or value[:1] in names.SURNAMES
    return surname and names.is_valid(value) and not is_common_word(value)


# Checked in this order; a value one type claims is not offered to the next ones.
_VALIDATORS: dict[str, Callable[[list[str]], npt.NDArray[np.bool_]]] = {
    "CN_RESIDENT_ID": resident_id.is_valid_array,
    "PHONE_NUMBER": lambda v: phone.is_mobile_array(v) | _each(_written_phone)(v),
    "CN_BANK_CARD": lambda v: bank_card.luhn_valid_array(v) & ~resident_id.is_valid_array(v),
    "EMAIL_ADDRESS": _each(lambda s: _EMAIL.match(s) is not None),
    "CN_USCC": _each(uscc.is_valid),
    "CN_PASSPORT": _each(lambda s: passport.is_valid(s, allow_taiwan_permit=False)),
    "PERSON": _each(_person),
    "LOCATION": _each(address.is_valid),  # 社区获得性肺炎 is a diagnosis, not an address
    "DATE_TIME": _each(_birth_date),
    "CN_MEDICAL_RECORD_NUMBER": _each(lambda s: _RECORD_NUMBER.match(s) is not None),
}


@dataclass(frozen=True)
class ColumnEntity:
    """One entity type a column holds: how many values hold it, their share, level, samples."""

    entity_type: str
    matches: int
    match_ratio: float
    level: int
    score: float  # likelihood that the column holds this type
    samples: tuple[str, ...] = ()  # masked

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        return {
            "entity_type": self.entity_type, "matches": self.matches,
            "match_ratio": round(self.match_ratio, 4), "level": self.level,
            "score": self.score, "samples": list(self.samples),
        }  # fmt: skip


@dataclass(frozen=True)
class ColumnReport:
    """What one column holds: its type (or None), share of matching values, level.

    ``entity_type``, ``match_ratio``, ``matches``, ``samples`` and ``score`` describe the type
    that names the column; ``entities`` lists every type the column holds, that one first, and
    ``level`` is the highest level among them.
    """

    column: str
    entity_type: str | None
    match_ratio: float
    level: int
    examined: int
    matches: int
    free_text: bool = False
    samples: tuple[str, ...] = field(default=())  # masked
    score: float = 0.0  # likelihood that the column holds ``entity_type``
    entities: tuple[ColumnEntity, ...] = ()  # every type the column holds, its own type first

    @property
    def found(self) -> bool:
        """True when the column holds personal data."""
        return self.entity_type is not None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        return {
            "column": self.column, "entity_type": self.entity_type,
            "match_ratio": round(self.match_ratio, 4), "level": self.level,
            "examined": self.examined, "matches": self.matches, "free_text": self.free_text,
            "samples": list(self.samples), "score": self.score,
            "entities": [e.to_dict() for e in self.entities],
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

    def __str__(self) -> str:
        """A readable table (``print(report)``): per column its types, share, level and masked
        samples; columns without personal data are counted, not listed."""
        rows = [
            (str(c.column), e.entity_type, f"{e.match_ratio:.0%}", f"L{e.level}",
             ", ".join(e.samples))
            for c in self.columns for e in c.entities
        ]  # fmt: skip
        found = sum(bool(c.entities) for c in self.columns)
        head = (f"{self.rows:,} rows, {len(self.columns)} columns: {found} hold personal data"
                + (":" if rows else ""))  # fmt: skip
        if not rows:
            return head
        widths = [max(_display_width(r[k]) for r in rows) for k in range(4)]
        lines = [head]
        for row in rows:
            cells = [
                v + " " * (w - _display_width(v)) for v, w in zip(row[:4], widths, strict=True)
            ]
            lines.append("  " + "  ".join(cells) + "  " + row[4])
        return "\n".join(lines)


def _display_width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


#: Types a check confirms value by value (check character and real date, Luhn, an allocated
#: mobile segment or a landline's area code, GB 32100 check characters, an e-mail's form): each
#: such value is reported, whatever share of its column it is.
CHECKED = frozenset(
    {"CN_RESIDENT_ID", "CN_HMT_PERMIT", "CN_BANK_CARD", "CN_USCC", "EMAIL_ADDRESS",
     "PHONE_NUMBER", "HK_ID_CARD"}
)  # fmt: skip
# A type reported below its share of values (a rare value) is less likely the column's type.
_RARE_FACTOR = 0.8


def _needed(entity: str, hint: str | None) -> float:
    """Share of values a type needs to name the column: less under a header naming it."""
    return 0.2 if entity == hint else 0.5


def _new_tally(name: str) -> _Tally:
    lowered = name.lower()
    return _Tally(_header_hint(name), text_header=any(w in lowered for w in _TEXT_HEADERS))


# Headers whose "name" is not a person's (drug_name, dept_name, hospital_name).
_NOT_PERSON = frozenset({"drug", "dept", "department", "file", "host", "product", "item",
                         "company", "hospital", "disease", "diagnosis", "test", "org", "unit",
                         "ward", "brand", "field", "sheet", "table", "column", "medicine",
                         "device", "project", "exam"})  # fmt: skip


def _header_hint(name: str) -> str | None:
    """The type a header names. English words count as whole words only (plurals too), so
    filename, xml_path and hotel name no person, phone or e-mail; Chinese words anywhere."""
    words_of = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
    tokens = set(re.findall(r"[a-z]+", words_of))
    for entity, words in HEADER_HINTS.items():
        for word in words:
            if word.isascii():
                found = re.search(rf"(?<![a-z]){word}(?:e?s)?(?![a-z])", words_of) is not None
            else:
                found = word in words_of
            if found and not (entity == "PERSON" and tokens & _NOT_PERSON):
                return entity
    return None


# What a value must look like before its validator runs (RE2 and Python syntax alike): checked
# for a whole Arrow batch in C++, so the Python validators see only plausible candidates.
_SHAPES: dict[str, str] = {
    "CN_RESIDENT_ID": r"^[0-9０-９Xx\s-]{15,24}$",
    "PHONE_NUMBER": r"^[+0-9０-９()\s-]{7,20}$",
    "CN_BANK_CARD": r"^[0-9０-９\s-]{12,26}$",
    "EMAIL_ADDRESS": r"[@＠]",
    "CN_USCC": r"^[0-9A-Za-z０-９Ａ-Ｚ]{18}$",
    "CN_PASSPORT": r"^[A-Za-zＡ-Ｚ]{1,2}[0-9０-９]{7,8}$",
    "PERSON": "^[㐀-䶿一-鿿\U00020000-\U0003134f·•]{2,8}$",  # rare characters (䶮, 𠮷) too
    "LOCATION": r"[省市区县旗州]",
    "DATE_TIME": r"^[0-9０-９]{4}(?:[-/.年][0-9０-９]{1,2}|[0-9０-９]{4}$)",
    "CN_MEDICAL_RECORD_NUMBER": r"^[A-Za-z]{0,4}[-_]?[0-9]{5,15}$",
}
_SHAPE_RE = {entity: re.compile(shape) for entity, shape in _SHAPES.items()}


class _Batch:
    """One batch of stripped, non-empty values: an Arrow array kept in C++, or a Python list."""

    def __init__(self, values: Any) -> None:
        self.arrow: Any = None
        self._items: list[str] | None = None
        if hasattr(values, "to_pylist"):  # pyarrow: filter in C++, make Python strings late
            import pyarrow as pa
            import pyarrow.compute as pc

            if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
                values = pc.cast(values, pa.string())
            values = pc.utf8_trim_whitespace(values.filter(pc.is_valid(values)))
            self.arrow = values.filter(pc.not_equal(values, ""))
            self.size = len(self.arrow)
        else:
            raw = values.tolist() if hasattr(values, "tolist") else list(values)
            texts = (v.isoformat() if isinstance(v, dt.date) else v for v in raw)  # birth dates
            self._items = [s for s in (v.strip() for v in texts if isinstance(v, str)) if s]
            self.size = len(self._items)

    @property
    def items(self) -> list[str]:
        """Every value as a Python string."""
        if self._items is None:
            self._items = [str(v) for v in self.arrow.to_pylist()]
        return self._items

    def take(self, positions: npt.NDArray[np.intp]) -> list[str]:
        """The values at ``positions``."""
        if self._items is not None:
            return [self._items[int(i)] for i in positions]
        import pyarrow as pa

        return [str(v) for v in self.arrow.take(pa.array(positions)).to_pylist()]

    def long(self, positions: npt.NDArray[np.intp], length: int) -> npt.NDArray[np.intp]:
        """Those of ``positions`` whose values have at least ``length`` characters."""
        lengths: npt.NDArray[np.intp]
        if self.arrow is not None:
            import pyarrow.compute as pc

            lengths = pc.utf8_length(self.arrow).to_numpy(zero_copy_only=False)
        else:
            lengths = np.fromiter(map(len, self.items), dtype=np.intp, count=self.size)
        return positions[lengths[positions] >= length]

    def candidates(self, entity: str) -> npt.NDArray[np.intp]:
        """Positions of the values shaped like ``entity``."""
        if self.arrow is not None:
            import pyarrow.compute as pc

            mask = pc.match_substring_regex(self.arrow, _SHAPES[entity])
            return np.flatnonzero(mask.to_numpy(zero_copy_only=False))
        shape = _SHAPE_RE[entity]
        return np.fromiter((i for i, v in enumerate(self.items) if shape.search(v)), dtype=np.intp)


class ColumnClassifier:
    """Accumulates one column's evidence batch by batch, in bounded memory; then :meth:`report`.

    Sampling mode keeps a uniform reservoir of ``sample`` values (Algorithm R, drawn for a whole
    batch at once with numpy) and classifies it at the end. Full mode checks every value of every
    batch as it arrives and keeps only counts and three masked samples.
    """

    def __init__(self, name: str, *, sample: int = 10_000, full: bool = False, seed: int = 0):
        if sample < 1:
            raise InvalidArgument("sample must be at least 1")
        self.name = str(name)
        self.full = full
        self._sample = sample
        self._rng = np.random.default_rng(seed)
        self._reservoir: list[str] = []
        self._seen = 0
        self._tally = _new_tally(self.name)

    def add(self, values: Any) -> ColumnClassifier:
        """Take one batch of the column's values (strings; nulls and blanks are skipped)."""
        batch = _Batch(values)
        if self.full:
            self._tally.add(batch)
        else:
            self._keep_sample(batch)
        return self

    def _keep_sample(self, batch: _Batch) -> None:
        """Algorithm R for a whole batch: only the values drawn become Python strings."""
        room = max(self._sample - len(self._reservoir), 0)
        head = min(room, batch.size)
        self._reservoir.extend(batch.take(np.arange(head, dtype=np.intp)))
        rest = batch.size - head
        if rest:
            first = self._seen + head
            slots = self._rng.integers(0, np.arange(first, first + rest) + 1)
            drawn = np.flatnonzero(slots < self._sample)
            values = batch.take(drawn + head)
            for slot, value in zip(slots[drawn], values, strict=True):
                self._reservoir[int(slot)] = value  # later draws overwrite earlier ones
        self._seen += batch.size

    def report(self) -> ColumnReport:
        """The column's classification from everything added so far."""
        if not self.full:
            self._tally = _new_tally(self.name)
            self._tally.add(_Batch(self._reservoir))
        return self._tally.report(self.name, self.full)


class _Tally:
    """Counts per candidate entity type (or, for free text, per entity found in the text)."""

    def __init__(self, hint: str | None = None, *, text_header: bool = False) -> None:
        self.hint = hint  # the type the header names, if any
        self.text_header = text_header  # the header names a free-text column (备注, remark)
        self.examined = 0
        self.free_text: bool | None = None
        self.hits: Counter[str] = Counter()
        self.samples: dict[str, list[str]] = {}
        self.text_kinds: Counter[str] = Counter()
        self.with_pii = 0
        self.text_scores: dict[str, float] = {}

    def add(self, batch: _Batch) -> None:
        if not batch.size:
            return
        if self.free_text is None:  # decided once, by the first values seen
            first = batch.take(np.arange(min(batch.size, 256), dtype=np.intp))
            long = float(np.mean([len(v) for v in first])) >= _FREE_TEXT_LENGTH
            self.free_text = long or self.text_header
        self.examined += batch.size
        if self.free_text:
            self._add_text(batch.items)
            return
        claimed = np.zeros(batch.size, dtype=bool)
        for entity, validator in _VALIDATORS.items():
            if entity in _HEADER_ONLY and entity != self.hint:
                continue
            positions = batch.candidates(entity)
            positions = positions[~claimed[positions]]
            if not len(positions):
                continue
            values = batch.take(positions)
            ok = validator(values)
            count = int(ok.sum())
            if count:
                claimed[positions[ok]] = True
                self.hits[entity] += count
                kept = self.samples.setdefault(entity, [])
                for position in np.flatnonzero(ok)[: 3 - len(kept)]:
                    kept.append(masked_sample(values[int(position)]))
        rest = np.flatnonzero(~claimed)
        if len(rest):
            rest = batch.long(rest, _EMBEDDED_LENGTH)
        if len(rest):
            self._add_embedded(batch.take(rest))

    def _add_embedded(self, values: list[str]) -> None:
        """Count the personal data inside values no validator claimed, once per value and type."""
        found = {v: scan_text(v, min_score=DEFAULT_MIN_SCORE) for v in dict.fromkeys(values)}
        for value in values:
            for f in {f.entity_type: f for f in reversed(found[value])}.values():
                self.hits[f.entity_type] += 1
                kept = self.samples.setdefault(f.entity_type, [])
                if len(kept) < 3:
                    kept.append(masked_sample(value[f.start : f.end]))

    def _add_text(self, items: list[str]) -> None:
        scanned = {t: scan_text(t, min_score=DEFAULT_MIN_SCORE) for t in dict.fromkeys(items)}
        for text in items:  # templated remarks repeat: each distinct one is scanned once
            found = scanned[text]
            if found:
                self.with_pii += 1
                self.text_kinds.update(f.entity_type for f in found)
                by_kind = {f.entity_type: f for f in reversed(found)}  # the first of each kind
                self.hits.update(by_kind.keys())  # values holding each kind
                for kind, first in by_kind.items():
                    best = max(g.score for g in found if g.entity_type == kind)
                    self.text_scores[kind] = max(self.text_scores.get(kind, 0.0), best)
                    kept = self.samples.setdefault(kind, [])
                    if len(kept) < 3:
                        kept.append(masked_sample(text[first.start : first.end]))

    def report(self, name: str, full: bool) -> ColumnReport:
        if not self.examined:
            return ColumnReport(name, None, 0.0, 2, 0, 0)
        if self.free_text:
            return self._text_report(name)
        hint = _header_hint(name)
        hits = {e: n for e, n in self.hits.items() if e not in _HEADER_ONLY or e == hint}
        # Most hits first, the header's type winning a tie; a type that reaches its share of
        # values comes before one reported because a check confirms each value (CHECKED).
        ranked = sorted(hits, key=lambda e: (hits[e], e == hint), reverse=True)
        shared = [e for e in ranked if hits[e] / self.examined >= _needed(e, hint)]
        rare = [e for e in ranked if e in CHECKED and e not in shared]
        entities = []
        for entity in (*shared, *rare):
            score = _COLUMN_LIKELIHOOD.get(entity, 0.7) + (0.05 if entity == hint else 0.0)
            if entity in rare:
                score *= _RARE_FACTOR
            entities.append(ColumnEntity(
                entity, hits[entity], hits[entity] / self.examined, level_of(entity),
                round(min(score, 1.0), 2), tuple(self.samples.get(entity, ())),
            ))  # fmt: skip
        if not entities:
            best = ranked[0] if ranked else None
            count = hits[best] if best else 0
            return ColumnReport(name, None, count / self.examined, 2, self.examined, count)
        return _column_report(name, self.examined, False, entities)

    def _text_report(self, name: str) -> ColumnReport:
        if not self.text_kinds:
            return ColumnReport(name, None, 0.0, 2, self.examined, 0, True)
        kinds = self.hits
        ranked = sorted(kinds, key=lambda k: (level_of(k), kinds[k]), reverse=True)
        entities = [
            ColumnEntity(k, kinds[k], kinds[k] / self.examined, level_of(k), self.text_scores[k],
                         tuple(self.samples.get(k, ())))
            for k in ranked
        ]  # fmt: skip
        report = _column_report(name, self.examined, True, entities)
        # The share of a free-text column is that of values holding any personal data.
        return replace(report, match_ratio=self.with_pii / self.examined, matches=self.with_pii)


def _column_report(
    name: str, examined: int, free_text: bool, entities: list[ColumnEntity]
) -> ColumnReport:
    """A column named by its first entity, graded by the highest level among them all."""
    first = entities[0]
    return ColumnReport(
        name, first.entity_type, first.match_ratio, max(e.level for e in entities), examined,
        first.matches, free_text, first.samples, first.score, tuple(entities),
    )  # fmt: skip


def classify_column(
    values: Any, name: str = "", *, sample: int = 10_000, full: bool = False, seed: int = 0
) -> ColumnReport:
    """Classify one column (a list, numpy array, pandas Series or pyarrow array)."""
    return ColumnClassifier(name, sample=sample, full=full, seed=seed).add(values).report()


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
