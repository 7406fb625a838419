"""De-identify free text (clinical notes, messages): :func:`deidentify_text`.

Each note is scanned (:func:`medguard.detect.scan_text`), the values its row already holds
(``known``: the row's own name, ID, phone, address columns) are found with their common
partial forms, dates are found when they are shifted or generalized, and with
``recall="high"`` possible names the precise scanner leaves are flagged too. Overlapping spans
are merged (a partial value never survives beside its neighbour) and each span is replaced by
the ``mode``:

=============  =====================================================================
``mask``       medguard's display masks (:mod:`medguard.ops.mask`): 张*, 138****5678
``tag``        one Chinese tag per entity type: ``[姓名]``, ``[电话]``, ``[身份证号]``
``surrogate``  keyed, consistent surrogates from :mod:`medguard.ops.pseudonym_core`: the same
               value gives the same surrogate in every note and in a structured column
               pseudonymized with the same keyring and context; types without a
               pseudonymizer get a keyed tag such as ``[地址-K3QZ7A]``
``redact``     removed (replaced by ``placeholder``, empty by default)
=============  =====================================================================

Dates: ``dates="shift"`` moves every full date (and month-day and year-month dates) of a
note by its subject's :class:`~medguard.ops.date_shift.DateShift` (same keyring, context and
``max_days`` as the date columns), written as before; ``"generalize"`` keeps the year or the
month (``date_precision``); ``"keep"`` keeps them, except dates of birth (found by the scanner
or equal to a known ID's birth date), which are replaced by the mode.

The configuration is the frozen, picklable :class:`DeidentifyText` (it holds no keys: the
keyring arrives when it runs); :func:`deidentify_text` is the one-call form. Both take one
string or a column (list, tuple, numpy, pandas, pyarrow) and give back the same kind with a
:class:`DeidentifyReport` that counts what was found and replaced per entity type and never
holds a raw value.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import hmac
import re
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal, NamedTuple

import numpy as np

from medguard._column import ColumnData, as_column, encodable, is_column, is_null
from medguard.cn import names
from medguard.cn.normalize import to_halfwidth
from medguard.detect._deid_find import (
    KNOWN_KINDS,
    DateValue,
    Hit,
    Known,
    Part,
    Pending,
    date_hits,
    dates_blind_to,
    digit_runs,
    grouped_hits,
    guard_forms,
    known_hits,
    live_by_column,
    live_parts,
    parse_date,
    pending,
    recall_hits,
    resolved,
    run_pattern,
)
from medguard.detect.finding import Finding
from medguard.detect.text import DEFAULT_MIN_SCORE, scan_text
from medguard.errors import (
    InvalidArgument,
    InvalidIdentifier,
    MedguardError,
    PolicyError,
    UnsupportedColumn,
)
from medguard.keys import SECRET_ACCESS, Keyring
from medguard.ops.date_shift import MAX_SHIFT_DAYS, DateShift
from medguard.ops.mask import (
    KeepEnds,
    Mask,
    MaskAddress,
    MaskBankCard,
    MaskEmail,
    MaskName,
    MaskPassport,
    MaskPhone,
    MaskResidentID,
)
from medguard.ops.pseudonym_core import Pseudonymizer
from medguard.ops.pseudonymize_name import PseudonymizeName
from medguard.ops.pseudonymize_numbers import (
    PseudonymizeBankCard,
    PseudonymizeDigits,
    PseudonymizePassport,
    PseudonymizeUSCC,
)
from medguard.ops.pseudonymize_phone import PseudonymizePhone
from medguard.ops.pseudonymize_resident_id import PseudonymizeResidentID

__all__ = [
    "DEFAULT_MASK",
    "DEFAULT_TAG",
    "ENTITY_MASKS",
    "TAGS",
    "DeidentifiedSpan",
    "DeidentifyReport",
    "DeidentifyText",
    "deidentify_text",
    "replacement",
]

Mode = Literal["mask", "tag", "surrogate", "redact"]
Dates = Literal["keep", "shift", "generalize"]
Recall = Literal["precise", "high"]

#: The tag of each entity type in ``mode="tag"`` (and the stem of keyed surrogate tags).
TAGS: Mapping[str, str] = {
    "PERSON": "[姓名]",
    "PHONE_NUMBER": "[电话]",
    "CN_RESIDENT_ID": "[身份证号]",
    "CN_BANK_CARD": "[银行卡号]",
    "CN_PASSPORT": "[护照号]",
    "CN_HMT_PERMIT": "[通行证号]",
    "CN_USCC": "[信用代码]",
    "CN_MEDICAL_RECORD_NUMBER": "[病历号]",
    "EMAIL_ADDRESS": "[邮箱]",
    "LOCATION": "[地址]",
    "IP_ADDRESS": "[IP地址]",
    "HK_ID_CARD": "[香港身份证号]",
    "DATE_TIME": "[日期]",
    "URL": "[网址]",
    "CN_VEHICLE_PLATE": "[车牌号]",
    "ACCOUNT_ID": "[账号]",
    "MAC_ADDRESS": "[设备号]",
    "DEVICE_ID": "[设备号]",
    "ORGANIZATION": "[单位]",
    "CN_MILITARY_ID": "[军官证号]",
    "CN_SOCIAL_SECURITY_CARD": "[社保卡号]",
    "CN_DRIVING_LICENSE": "[驾驶证号]",
    "AGE": "[年龄]",
}
#: The tag of an entity type :data:`TAGS` does not list.
DEFAULT_TAG = "[个人信息]"

#: The mask of each entity type in ``mode="mask"`` (the Presidio operator uses the same table).
ENTITY_MASKS: Mapping[str, Mask] = {
    "PERSON": MaskName(),
    "PHONE_NUMBER": MaskPhone(),
    "CN_RESIDENT_ID": MaskResidentID(),
    "CN_BANK_CARD": MaskBankCard(),
    "CN_PASSPORT": MaskPassport(),
    "CN_HMT_PERMIT": MaskPassport(),
    "EMAIL_ADDRESS": MaskEmail(),
    "LOCATION": MaskAddress(),
    "DATE_TIME": KeepEnds(first=4, last=0),
    "CN_MILITARY_ID": KeepEnds(first=0, last=2),
    "CN_SOCIAL_SECURITY_CARD": KeepEnds(first=1, last=2),
    "CN_DRIVING_LICENSE": KeepEnds(first=0, last=4),
    "ACCOUNT_ID": KeepEnds(first=1, last=1),
    "DEVICE_ID": KeepEnds(first=0, last=4),
    "MAC_ADDRESS": KeepEnds(first=8, last=0),
    "CN_VEHICLE_PLATE": KeepEnds(first=2, last=0),
    "ORGANIZATION": KeepEnds(first=0, last=2),
    "AGE": KeepEnds(first=0, last=1),
}
#: The mask of an entity type :data:`ENTITY_MASKS` does not list: first and last character.
DEFAULT_MASK: Mask = KeepEnds()

# Entity type -> pseudonymizer class and options; the structured column must use the same.
_SURROGATES: Mapping[str, tuple[type[Pseudonymizer], dict[str, Any]]] = {
    "PERSON": (PseudonymizeName, {}),
    "CN_RESIDENT_ID": (PseudonymizeResidentID, {}),
    "PHONE_NUMBER": (PseudonymizePhone, {}),
    "CN_BANK_CARD": (PseudonymizeBankCard, {}),
    "CN_PASSPORT": (PseudonymizePassport, {}),
    "CN_HMT_PERMIT": (PseudonymizePassport, {}),
    "CN_USCC": (PseudonymizeUSCC, {}),
    "CN_MEDICAL_RECORD_NUMBER": (PseudonymizeDigits, {"keep_prefix": True}),
}
_MODES = ("mask", "tag", "surrogate", "redact")
_DATES = ("keep", "shift", "generalize")
_RECALLS = ("precise", "high")
_PRECISIONS = ("month", "year")
_FULL_WIDTH = re.compile("[\uff0b\uff0d\uff0e\uff10-\uff19\uff20-\uff3a\uff41-\uff5a]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_PRIORITY = {"known": 4, "scan": 3, "grouped": 2, "date": 1, "recall": 0}
_SCANS_KEPT = 1 << 14  # scanned notes remembered per call (cleared when full)
_SCAN_MEMO_LENGTH = 400  # only notes up to this length are remembered
_TOKEN_PURPOSE = "deidentify:token"  # noqa: S105 - a key-derivation label, not a secret


class DeidentifiedSpan(NamedTuple):
    """Where one replaced span was (``start``/``end`` in the input) and went (``out_start``/
    ``out_end`` in the output); ``source`` is ``"scan"``, ``"known"``, ``"date"``,
    ``"grouped"`` (an ID or mobile written in groups that validates) or ``"recall"``. It holds
    no text."""

    start: int
    end: int
    entity_type: str
    source: str
    out_start: int
    out_end: int


@dataclass(frozen=True)
class DeidentifyReport:
    """What one run found and replaced, per entity type; never a raw value.

    ``found`` counts the spans found (after merging overlaps), ``replaced`` those whose text
    changed (a masked name keeps its surname, a kept date stays). ``invalid`` counts notes
    that were not text (masked whole); ``repaired`` notes holding lone surrogates (replaced by
    U+FFFD before de-identification); ``unshifted`` dates masked because their row's subject was
    null. ``spans`` (with ``spans=True``) gives each row's :class:`DeidentifiedSpan` list.
    """

    rows: int
    nulls: int
    invalid: int
    repaired: int
    found: Mapping[str, int]
    replaced: Mapping[str, int]
    unshifted: int = 0
    key_id: str | None = None
    spans: tuple[tuple[DeidentifiedSpan, ...] | None, ...] | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        found = ", ".join(f"{k}={v}" for k, v in sorted(self.found.items()))
        replaced = sum(self.replaced.values())
        return (
            f"DeidentifyReport(rows={self.rows}, nulls={self.nulls}, invalid={self.invalid}, "
            f"repaired={self.repaired}, found={{{found}}}, replaced={replaced}, "
            f"unshifted={self.unshifted})"
        )


@dataclass(frozen=True)
class DeidentifyText:
    """De-identification of free text as a frozen configuration (a policy's ``deidentify`` op).

    ``mode``: ``"mask"``, ``"tag"``, ``"surrogate"`` or ``"redact"``; ``dates``: ``"keep"``,
    ``"shift"`` or ``"generalize"`` (to ``date_precision``: ``"month"`` or ``"year"``);
    ``recall``: ``"precise"`` (the scanner's findings at ``min_score``, default
    :data:`~medguard.detect.text.DEFAULT_MIN_SCORE`) or ``"high"`` (every finding, plus possible
    names); ``placeholder``: what ``redact`` leaves (empty: the span is removed);
    ``max_days``: the :class:`~medguard.ops.date_shift.DateShift` range, as for the date
    columns; ``strict``: a note that is not text raises instead of being masked whole.

    It holds no key: the keyring is passed to :meth:`apply` (needed for ``surrogate`` and
    ``dates="shift"``). Picklable; :meth:`to_config` / :meth:`from_config` give plain data.
    """

    mode: Mode = "mask"
    dates: Dates = "keep"
    date_precision: Literal["month", "year"] = "month"
    recall: Recall = "precise"
    placeholder: str = ""
    max_days: int = 180
    min_score: float | None = None
    strict: bool = False

    op: ClassVar[str] = "deidentify"

    def __post_init__(self) -> None:
        for name, allowed in (("mode", _MODES), ("dates", _DATES), ("recall", _RECALLS),
                              ("date_precision", _PRECISIONS)):  # fmt: skip
            if getattr(self, name) not in allowed:
                raise InvalidArgument(f"{name} must be one of {', '.join(map(repr, allowed))}")
        if not isinstance(self.placeholder, str) or not encodable(self.placeholder):
            raise InvalidArgument("placeholder must be text")
        if (
            isinstance(self.max_days, bool)
            or not isinstance(self.max_days, int)
            or not 1 <= self.max_days <= MAX_SHIFT_DAYS
        ):
            raise InvalidArgument(f"max_days must be an integer from 1 to {MAX_SHIFT_DAYS}")
        if self.min_score is not None and (
            isinstance(self.min_score, bool)
            or not isinstance(self.min_score, (int, float))
            or not 0.0 <= self.min_score <= 1.0
        ):
            raise InvalidArgument("min_score must be None or a number within [0, 1]")
        if not isinstance(self.strict, bool):
            raise InvalidArgument("strict must be True or False")

    def apply(
        self,
        texts: Any,
        *,
        keyring: Keyring | None = None,
        context: str | None = None,
        subject: Any = None,
        known: Any = None,
        subjects: Any = None,
    ) -> Any:
        """De-identify one note or a column of notes; returns the same kind."""
        return self.apply_with_report(
            texts,
            keyring=keyring,
            context=context,
            subject=subject,
            known=known,
            subjects=subjects,
        )[0]

    def apply_with_report(
        self,
        texts: Any,
        *,
        keyring: Keyring | None = None,
        context: str | None = None,
        subject: Any = None,
        known: Any = None,
        spans: bool = False,
        subjects: Any = None,
    ) -> tuple[Any, DeidentifyReport]:
        """De-identify and return ``(result, DeidentifyReport)``; arguments as
        :func:`deidentify_text`."""
        subject = _subject_argument(subject, subjects)
        return _Run(self, keyring, context, subject, known, spans).run(texts)

    def to_config(self) -> dict[str, Any]:
        """The configuration as plain data: ``{"op": "deidentify", ...}``."""
        return {"op": self.op, **asdict(self)}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DeidentifyText:
        """Build from :meth:`to_config` output; bad options raise
        :class:`~medguard.errors.PolicyError`."""
        if not isinstance(config, Mapping):
            raise PolicyError("a deidentify configuration must be a mapping")
        options = dict(config)
        if options.pop("op", cls.op) != cls.op:
            raise PolicyError("not a deidentify configuration (op must be 'deidentify')")
        try:
            return cls(**options)
        except (InvalidArgument, TypeError) as exc:
            raise PolicyError(f"bad options for deidentify: {exc}") from None


def deidentify_text(
    texts: Any,
    *,
    keyring: Keyring | None = None,
    context: str | None = None,
    subject: Any = None,
    known: Any = None,
    mode: Mode = "mask",
    dates: Dates = "keep",
    recall: Recall = "precise",
    spans: bool = False,
    subjects: Any = None,
    **options: Any,
) -> tuple[Any, DeidentifyReport]:
    """De-identify a note or a column of notes: ``(same kind of result, DeidentifyReport)``.

    ``known`` holds the values each row already has, whose every occurrence (and partial
    form) is removed whatever the scanner thinks: a mapping of kind to column
    (``{"name": df.name, "resident_id": df.id, "phone": df.mobile, "address": df.address}``;
    kinds: ``name``, ``resident_id``, ``phone``, ``address``, ``bank_card``, ``passport``,
    ``email``, ``record_number``, ``birth_date``, or their entity types), a DataFrame with
    such columns, or one mapping per row; a cell may hold several values (a list).
    ``subject`` gives each row's patient ID (the person the row is about, as in
    ``DateShift(subject=...)`` and ``dp_*(subject=...)``) for ``dates="shift"``;
    ``subjects=`` is its deprecated alias (still accepted, with a ``DeprecationWarning``).
    ``keyring`` and ``context`` are those of the structured columns (needed for
    ``mode="surrogate"`` and ``dates="shift"``). Other options
    (``date_precision``, ``placeholder``, ``max_days``, ``min_score``, ``strict``) as
    :class:`DeidentifyText`.
    """
    config = DeidentifyText(mode=mode, dates=dates, recall=recall, **options)
    return config.apply_with_report(
        texts,
        keyring=keyring,
        context=context,
        subject=subject,
        known=known,
        spans=spans,
        subjects=subjects,
    )


def _subject_argument(subject: Any, subjects: Any) -> Any:
    """``subject=``, or its deprecated alias ``subjects=``; both at once is an error."""
    if subjects is None:
        return subject
    if subject is not None:
        raise InvalidArgument("give subject= (subjects= is its deprecated alias), not both")
    warnings.warn(
        "subjects= is deprecated: pass the subject column as subject= (same meaning)",
        DeprecationWarning,
        stacklevel=3,
    )
    return subjects


def replacement(
    value: str,
    entity_type: str,
    *,
    mode: Mode = "mask",
    keyring: Keyring | None = None,
    context: str | None = None,
    placeholder: str = "",
) -> str:
    """What ``mode`` puts in place of one ``value`` of ``entity_type`` (one span's replacement,
    as :func:`deidentify_text` computes it; used by the Presidio operator)."""
    config = DeidentifyText(mode=mode, placeholder=placeholder)
    if not isinstance(value, str):
        raise UnsupportedColumn(f"expected text to replace, got {type(value).__name__}")
    run = _Run(config, keyring, context, None, None, False)
    hit = Hit(0, len(value), str(entity_type), "scan")
    date = parse_date(value) if entity_type == "DATE_TIME" else None
    if date is not None:
        hit = hit._replace(date=date, birth=True)
    return run.replacements([(value, [hit], None)])[0][0]


# -- the run ----------------------------------------------------------------------------------


def _null_item(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(is_null(value))
    except (TypeError, ValueError):
        return False


def _column(values: Any) -> ColumnData:
    """:func:`as_column`, robust to items whose ``==`` misbehaves (``pd.NA`` in a list)."""
    try:
        return as_column(values)
    except MedguardError:
        raise
    except (TypeError, ValueError):
        if not isinstance(values, list | tuple):
            raise UnsupportedColumn("this column holds items medguard cannot compare") from None
    return as_column([None if _null_item(v) else v for v in values])


def _known_value(value: Any, kind: str, row: int) -> list[str]:
    """The text forms of one known cell (nulls none; numbers their digits; lists each)."""
    if type(value) is str:
        return [value] if value.isascii() or encodable(value) else []
    if _null_item(value):
        return []
    if isinstance(value, str):
        return [value] if encodable(value) else []
    if isinstance(value, bool | np.bool_):
        raise UnsupportedColumn(f"known {kind!r}: row {row} holds a boolean, not a value")
    if isinstance(value, int | np.integer):
        return [str(int(value))]
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return [str(int(value))]
    if isinstance(value, list | tuple | np.ndarray):
        return [v for item in list(value) for v in _known_value(item, kind, row)]
    raise UnsupportedColumn(f"known {kind!r}: row {row} holds a {type(value).__name__}, not text")


def _kind(key: object) -> str:
    kind = KNOWN_KINDS.get(str(key))
    if kind is None:
        raise InvalidArgument(
            f"unknown kind of known value {str(key)[:40]!r}; use one of "
            + ", ".join(sorted({k for k in KNOWN_KINDS if k.islower()}))
        )
    return kind


# Kinds whose values are deferred as one upper-case form (record numbers and e-mails).
_UPPER_KINDS = frozenset(("record_number", "email"))

#: One row's known values: for each cell (kind by kind, as given), the forms of its values.
_Row = tuple[tuple[Part, ...], ...]


def _known_rows(
    known: Any, n: int, scalar: bool, cache: dict[tuple[str, str], Known]
) -> list[_Row | None]:
    """Each row's known values (:data:`_Row`), or None, from a mapping of columns or a list of
    mappings. Column by column, the forms of each distinct value are computed once (the same
    patient's visits share them) and record numbers, e-mails and passports only when a note
    may hold them (:class:`~medguard.detect._deid_find.Pending`)."""
    if known is None:
        return [None] * n
    cells = _Cells(cache)
    if _by_column(known):
        columns = cells.columns(known, n, scalar)
        return list(zip(*columns, strict=True)) if columns else [None] * n
    if scalar or not isinstance(known, list | tuple):
        raise InvalidArgument(
            "known must be a mapping of kind to column, or a list of mappings (one per note)"
        )
    if len(known) != n:
        raise InvalidArgument(f"known has {len(known)} rows for {n} notes")
    rows: list[_Row | None] = [None] * n
    for i, row in enumerate(known):
        if row is None:
            continue
        if not isinstance(row, Mapping):
            raise InvalidArgument(f"known row {i} is not a mapping of kind to value")
        rows[i] = tuple(cells.cell(_kind(key), value, i) for key, value in row.items())
    return rows


def _note_chars(items: list[Any]) -> frozenset[str] | None:
    """The ASCII characters the notes among ``items`` may hold once folded (full-width to
    half-width) and upper-cased: a superset, for the test of ASCII record numbers and e-mails
    (whose every character a note holding one holds); None (any) for long notes."""
    notes = [t for t in items if isinstance(t, str)]
    joined = "".join(notes)
    if len(joined) > _SCAN_MEMO_LENGTH * len(notes):
        return None  # long notes: the test would cost more than the values it spares
    if _FULL_WIDTH.search(joined):
        joined += to_halfwidth(joined)
    return frozenset(joined.upper().encode("ascii", "ignore").decode("ascii"))


def _by_column(known: Any) -> bool:
    """Whether ``known`` is a mapping of kind to column (else a list of mappings)."""
    return hasattr(known, "items") and not isinstance(known, list | tuple)


class _Cells:
    """The parts of known cells for one call, memoized per kind and value."""

    def __init__(self, cache: dict[tuple[str, str], Known], chars: frozenset[str] | None = None
                 ) -> None:  # fmt: skip
        self.cache = cache
        # ASCII characters the notes may hold once folded and upper-cased (None: any): an
        # ASCII record number or e-mail with another cannot be in any note (and has no guard
        # form).
        self.chars = chars
        self.memos: dict[str, dict[str | tuple[str, ...], tuple[Part, ...]]] = {}

    def one(self, kind: str, value: str, i: int) -> tuple[Part, ...]:
        """The parts of one text value, memoized per kind."""
        memo = self.memos.setdefault(kind, {})
        found = memo.get(value)
        if found is None:
            if kind in _UPPER_KINDS and value.isascii():  # what pending() gives, inlined
                stripped = value.strip()
                upper = stripped.upper()
                found = (
                    (Pending(kind, stripped, upper=(upper,)),)
                    if stripped and (self.chars is None or self.chars.issuperset(upper))
                    else ()
                )
            else:
                found = _parts(kind, _known_value(value, kind, i), self.cache)
            memo[value] = found
        return found

    def cell(self, kind: str, value: Any, i: int) -> tuple[Part, ...]:
        """The parts of one cell (a value, a list of values, a number, a null)."""
        if type(value) is str:
            return self.one(kind, value, i)
        if type(value) is list and all(type(v) is str for v in value):  # several phones
            memo = self.memos.setdefault(kind, {})
            key = tuple(value)
            found = memo.get(key)
            if found is None:
                # value by value: a patient number repeats beside a visit number that does not
                found = memo[key] = tuple(p for v in value for p in self.one(kind, v, i))
            return found
        return _parts(kind, _known_value(value, kind, i), self.cache)

    def columns(self, known: Any, n: int, scalar: bool) -> list[list[tuple[Part, ...]]]:
        """The cells of a mapping of kind to column, column by column (in the mapping's
        order; :func:`_known_rows` zips them into rows)."""
        columns: list[list[tuple[Part, ...]]] = []
        cell = self.cell
        for key, column in known.items():
            kind = _kind(key)
            if scalar:
                columns.append([() if _null_item(column) else cell(kind, column, 0)])
                continue
            if not is_column(column):
                raise InvalidArgument(
                    f"known {kind!r} must be a column with one value per note (or a list of "
                    "mappings, one per note)"
                )
            data = _column(column)
            if len(data) != n:
                raise InvalidArgument(f"known {kind!r} has {len(data)} values for {n} notes")
            nulls = data.nulls.tolist()
            values = data.values.tolist()
            get = self.memos.setdefault(kind, {}).get
            spread = _spread(values, nulls)
            # A column of lists of text (a row's phones) as one column per place in the lists:
            # the parts of a row's cell are those of its values in order.
            places = spread or [
                [None if null else v for v, null in zip(values, nulls, strict=True)]
            ]
            chars = self.chars if kind in _UPPER_KINDS else None
            for place in places:
                if chars is not None:  # what one() gives a value no note can hold, inlined
                    place = [
                        None if type(v) is str and v.isascii()
                        and not chars.issuperset(v.strip().upper()) else v
                        for v in place
                    ]  # fmt: skip
                columns.append([
                    found if type(value) is str and (found := get(value)) is not None
                    else () if value is None else cell(kind, value, i)
                    for i, value in enumerate(place)
                ])  # fmt: skip
        return columns


def _spread(values: list[Any], nulls: list[bool]) -> list[list[str | None]]:
    """A column holding lists of text (and text or nulls) as one column per place in the
    lists (None where a row has no value there); [] for any other column."""
    width = 0
    for value, null in zip(values, nulls, strict=True):
        kind = type(value)
        if kind is list:
            if not all(type(v) is str for v in value):
                return []
            width = max(width, len(value))
        elif kind is not str and not null:
            return []
    if width <= 1 and not any(type(v) is list for v in values):
        return []
    parts: list[list[str | None]] = []
    for place in range(max(width, 1)):
        parts.append([
            (value[place] if place < len(value) else None) if type(value) is list
            else None if nulls[i] or place else value
            for i, value in enumerate(values)
        ])  # fmt: skip
    return parts


def _parts(kind: str, values: list[str], cache: dict[tuple[str, str], Known]
           ) -> tuple[Part, ...]:  # fmt: skip
    """The forms of one cell's values (deferred for the kinds :func:`pending` defers)."""
    parts: list[Part] = []
    for value in values:
        part = pending(kind, value, cache)
        if part is not None:
            parts.append(part)
    return tuple(parts)


def _usable_subject(value: Any) -> bool:
    if _null_item(value) or isinstance(value, bytes | bytearray | bool | np.bool_):
        return False
    return not isinstance(value, str) or encodable(value)


class _Run:
    """One call: the options, the keyring's derived pieces, and the work over the notes."""

    #: Whether notes blanked alike share their merged spans (off only in tests, to compare).
    memo: ClassVar[bool] = True

    def __init__(
        self,
        config: DeidentifyText,
        keyring: Keyring | None,
        context: str | None,
        subjects: Any,
        known: Any,
        spans: bool,
    ) -> None:
        if context is None:
            context = ""
        if not isinstance(context, str):
            raise InvalidArgument("context must be a string")
        needs_key = config.mode == "surrogate" or config.dates == "shift"
        if keyring is not None and not isinstance(keyring, Keyring):
            raise InvalidArgument("keyring must be a medguard Keyring")
        if needs_key and keyring is None:
            raise InvalidArgument(
                "mode='surrogate' and dates='shift' need the keyring of the structured columns"
            )
        if config.dates == "shift" and subjects is None:
            raise InvalidArgument("dates='shift' needs subject: the patient ID of each note")
        self.config = config
        self.keyring = keyring
        self.context = context
        self.subjects = subjects
        self.known = known
        self.spans = spans
        self.key_id: str | None = None
        self._token_key: bytes | None = None
        self.unshifted = 0
        self._forms: dict[tuple[str, str], Known] = {}  # known values' forms, this call only
        self._shifted: dict[tuple[DateValue, int], str] = {}
        # Findings of notes already scanned in this call, by text (once the row's own values
        # are blanked): a column of notes written from a template repeats them.
        self._scans: dict[str, list[Finding]] = {}
        # Dates of notes already read in this call, by blanked text and known birth dates.
        self._date_memo: dict[tuple[str, tuple[Any, ...]], list[Hit]] = {}
        # Merged spans of notes already read, by what decides them but the row's own values
        # (_remember); not for surrogates (which read the values) nor recall="high" (whose
        # candidates are read from the note itself).
        self._layouts: dict[tuple[Any, ...], list[Hit]] | None = (
            {} if self.memo and config.mode != "surrogate" and config.recall != "high" else None
        )

    # -- driver ------------------------------------------------------------------------------
    def run(self, texts: Any) -> tuple[Any, DeidentifyReport]:
        if not is_column(texts) or not gc.isenabled():
            return self._run(texts)
        # A column run allocates millions of short-lived tuples and no reference cycles: the
        # cyclic collector would walk every live object of the process again and again for
        # nothing (a third of the run). Paused for the call, then back as it was.
        gc.disable()
        try:
            return self._run(texts)
        finally:
            gc.enable()

    def _run(self, texts: Any) -> tuple[Any, DeidentifyReport]:
        scalar = not is_column(texts)
        if scalar:
            if _null_item(texts):
                return None, DeidentifyReport(1, 1, 0, 0, {}, {})
            items: list[Any] = [texts]
            nulls = [False]
            rebuild: Callable[[list[Any]], Any] = lambda out: out[0]  # noqa: E731
        else:
            column = _column(texts)
            items = column.values.tolist()
            nulls = column.nulls.tolist()
            rebuild = column.rebuild
        n = len(items)
        # A mapping of kind to column is read column by column: each value's forms are
        # tested against its row's note in one pass per column, not row by row.
        columns: list[list[tuple[Part, ...]]] | None = None
        knowns: list[_Row | None] | None = None
        if self.known is not None and not scalar and _by_column(self.known):
            upper_kinds = any(KNOWN_KINDS.get(str(key)) in _UPPER_KINDS for key in self.known)
            chars = _note_chars(items) if upper_kinds else None
            columns = _Cells(self._forms, chars).columns(self.known, n, False)
        else:
            knowns = _known_rows(self.known, n, scalar, self._forms)
        shifts = self._shifts(n, scalar) if self.config.dates == "shift" else None
        invalid = repaired = 0
        notes: list[str] = []
        where: list[int] = []
        out: list[Any] = [None] * n
        # One encode of the whole column finds whether any note holds a lone surrogate.
        texts_only = [t for t in items if type(t) is str]
        clean = encodable("".join(texts_only))
        for i, item in enumerate(items):
            if nulls[i]:
                continue
            if not isinstance(item, str):
                if self.config.strict:
                    raise UnsupportedColumn(
                        f"row {i}: a note must be text, not {type(item).__name__}"
                    )
                invalid += 1
                out[i] = "*" * _length(item)
                continue
            text = item
            if not clean and not encodable(text):
                text = _repair(text)
                repaired += 1
            notes.append(text)
            where.append(i)
        full_width = _FULL_WIDTH.search
        folded = [to_halfwidth(t) if full_width(t) else t for t in notes]
        hits_of = self._hits
        if columns is not None:
            if len(where) != n:  # nulls and values that are not text have no note
                columns = [[col[i] for i in where] for col in columns]
            lives = live_by_column(columns, folded, self._forms)
        else:
            assert knowns is not None
            forms = self._forms
            lives = [
                live_parts(f, known, forms) if (known := knowns[i]) else None
                for f, i in zip(folded, where, strict=True)
            ]
        work = [
            (text, hits_of(text, f, live), shifts[i] if shifts else None)
            for text, f, live, i in zip(notes, folded, lives, where, strict=True)
        ]
        found: dict[str, int] = {}
        replaced: dict[str, int] = {}
        results = self.replacements(
            work,
            knowns=[knowns[i] for i in where] if knowns is not None else None,
            found=found,
            replaced=replaced,
        )
        if columns is not None:
            _guard_columns(results, columns, self._forms)
        row_spans: list[tuple[DeidentifiedSpan, ...] | None] = [None] * n
        for i, (text_out, spans) in zip(where, results, strict=True):
            out[i] = text_out
            row_spans[i] = spans
        report = DeidentifyReport(
            rows=n,
            nulls=sum(nulls),
            invalid=invalid,
            repaired=repaired,
            found=found,
            replaced=replaced,
            unshifted=self.unshifted,
            key_id=self.key_id,
            spans=tuple(row_spans) if self.spans else None,
        )
        return rebuild(out), report

    def _shifts(self, n: int, scalar: bool) -> list[int | None]:
        subjects = [self.subjects] if scalar else None
        if not scalar:
            if not is_column(self.subjects):
                raise InvalidArgument("subject must be a column with one patient ID per note")
            subjects = _column(self.subjects).values.tolist()
            if len(subjects) != n:
                raise InvalidArgument(f"subject has {len(subjects)} IDs for {n} notes")
        assert subjects is not None
        assert self.keyring is not None
        usable = [
            i
            for i, s in enumerate(subjects)
            if ((s.isascii() or encodable(s)) if type(s) is str else _usable_subject(s))
        ]
        shift = DateShift(self.keyring, self.context, max_days=self.config.max_days)
        result: list[int | None] = [None] * n
        try:
            values = shift.shifts([subjects[i] for i in usable]).tolist() if usable else []
        except InvalidIdentifier:  # a subject DateShift cannot use: look at each on its own
            values = []
            for i in usable:
                try:
                    values.append(int(shift.shifts([subjects[i]])[0]))
                except InvalidIdentifier:
                    values.append(None)
        for i, value in zip(usable, values, strict=True):
            result[i] = value
        return result

    # -- finding ---------------------------------------------------------------------------
    def _hits(self, text: str, folded: str, live: list[Known] | None) -> list[Hit]:
        """The merged spans of one note (``folded``: its full-width folding; ``live``: the
        forms of its row's values that may occur in it, :func:`live_parts`)."""
        config = self.config
        high = config.recall == "high"
        min_score = config.min_score
        if min_score is None:
            min_score = 0.0 if high else DEFAULT_MIN_SCORE
        runs = (
            digit_runs(folded, pattern=run_pattern(live, folded))
            if live
            else digit_runs(folded, long_only=True)
        )
        grouped = grouped_hits(folded, runs)
        own = known_hits(folded, live, runs) if live else []
        # The scanner reads the note with the row's own values blanked out (same length, so
        # offsets hold): what stood glued to them (an ID then 90岁) is read as it will be once
        # they are replaced, and a second pass over the output finds nothing new.
        read = _blank(text, own) if own else text
        dates = config.dates != "keep"
        births = [b for p in live for b in p.births] if dates and live else ()
        key: tuple[Any, ...] | None = None
        if own and self._layouts is not None and folded is text and len(read) <= _SCAN_MEMO_LENGTH:
            # A note blanked alike, with its own values where another's were and the same
            # grouped numbers and birth dates, has the other's spans (see _remember).
            key = (read, tuple([h[:3] + h[4:5] + h[6:] for h in own]), tuple(grouped),
                   tuple(births))  # fmt: skip
            layout = self._layouts.get(key)
            if layout is not None and (not dates or dates_blind_to(text, [h[:2] for h in own])):
                return layout
        memo = self._scans.get(read) if len(read) <= _SCAN_MEMO_LENGTH else None
        if memo is None:
            findings = scan_text(read, min_score=min_score)
            if len(read) <= _SCAN_MEMO_LENGTH:  # long notes seldom repeat
                if len(self._scans) >= _SCANS_KEPT:
                    self._scans.clear()
                self._scans[read] = findings
        else:
            findings = memo
        hits = [
            Hit(f.start, f.end, "DATE_TIME", "scan", "", "", parse_date(folded[f.start : f.end]),
                True)
            if f.entity_type == "DATE_TIME"
            else Hit(f.start, f.end, f.entity_type, "scan")
            for f in findings
        ]  # fmt: skip
        if not (own or dates or high or grouped):
            return hits  # the scanner's findings are sorted and never overlap
        hits.extend(grouped)
        hits.extend(own)
        if dates:
            hits.extend(self._dates(text, folded, read, own, births))
        if high:
            hits.extend(recall_hits(folded))
        merged = _merge(hits)
        if config.dates == "shift":
            _assume_years(merged)
        if key is not None:
            self._remember(key, merged, findings, own, text, dates)
        return merged

    def _remember(self, key: tuple[Any, ...], merged: list[Hit], findings: list[Finding],
                  own: list[Hit], text: str, dates: bool) -> None:  # fmt: skip
        """Keep a note's merged spans for the notes that share its ``key``: its text blanked
        of its row's own values, where those were (start, end, type, part, date, birth: all
        but the value, which only surrogates read, and they are not kept), its grouped
        numbers and its known birth dates.

        The rest of the spans are the same for such a note: the scanner's findings are those
        of the blanked text, but a date it found is parsed from the note itself, so a layout
        whose dates found by the scanner touch an own value is not kept; the dates found
        are those of the blanked note when blanking cannot change them
        (:func:`dates_blind_to`: tested for this note here, for the other note on reuse);
        merging reads spans, types, sources and birth marks, never values.
        """
        for f in findings:
            if f.entity_type == "DATE_TIME" and any(
                h.start < f.end and f.start < h.end for h in own
            ):
                return
        if dates and not dates_blind_to(text, [h[:2] for h in own]):
            return
        layouts = self._layouts
        assert layouts is not None
        if len(layouts) >= _SCANS_KEPT:
            layouts.clear()
        layouts[key] = merged

    def _dates(self, text: str, folded: str, read: str, own: list[Hit], births: Any) -> list[Hit]:
        """:func:`date_hits` of the note, shared by the notes blanked alike when blanking
        cannot change them (:func:`dates_blind_to`): a column of notes written from one
        template differs in the row's own values only."""
        if not own or folded is not text or len(read) > _SCAN_MEMO_LENGTH:
            return date_hits(folded, birth=births)
        key = (read, tuple(births))
        found = self._date_memo.get(key)
        if found is None:
            if not dates_blind_to(text, [(h.start, h.end) for h in own]):
                return date_hits(folded, birth=births)
            if len(self._date_memo) >= _SCANS_KEPT:
                self._date_memo.clear()
            found = self._date_memo[key] = date_hits(folded, birth=births)
        elif not dates_blind_to(text, [(h.start, h.end) for h in own]):
            return date_hits(folded, birth=births)
        return found

    # -- replacing -------------------------------------------------------------------------
    def replacements(
        self,
        work: list[tuple[str, list[Hit], int | None]],
        knowns: list[_Row | None] | None = None,
        found: dict[str, int] | None = None,
        replaced: dict[str, int] | None = None,
    ) -> list[tuple[str, tuple[DeidentifiedSpan, ...] | None]]:
        """Each note's output and spans, counting found and replaced spans per entity type.

        Values are batched per entity type, so masks and pseudonymizers run once per column,
        not once per span.
        """
        mode = self.config.mode
        found = {} if found is None else found
        replaced = {} if replaced is None else replaced
        table: dict[str, dict[str, str]] = {}
        if mode in ("mask", "surrogate"):
            wanted: dict[str, set[str]] = {}
            surrogate = mode == "surrogate"
            for text, hits, _ in work:
                for start, end, entity, _source, part, value, date, _birth in hits:
                    if date is not None or (part and not surrogate and entity != "LOCATION"):
                        continue
                    value = value if (surrogate and value) else text[start:end]
                    found_values = wanted.get(entity)
                    if found_values is None:
                        wanted[entity] = {value}
                    else:
                        found_values.add(value)
            table = self._mask_table(wanted) if mode == "mask" else self._surrogate_table(wanted)
        # The common span (whole value, no date) in one lookup; the rest in _replace.
        fixed = self.config.placeholder if mode == "redact" else None
        results: list[tuple[str, tuple[DeidentifiedSpan, ...] | None]] = []
        want_spans = self.spans
        # Entity types found and replaced, counted once at the end (in order of first sight).
        found_types: list[str] = []
        replaced_types: list[str] = []
        count_found = found_types.append
        count_replaced = replaced_types.append
        tags = TAGS
        for j, (text, hits, shift) in enumerate(work):
            if not hits:
                results.append((text, () if want_spans else None))
                continue
            parts: list[str] = []
            add = parts.append
            spans: list[DeidentifiedSpan] = []
            pos = out_len = 0
            for h in hits:
                start, end, entity, source, part, value, date, _birth = h
                original = text[start:end]
                if date is None and not part and entity != "DATE_TIME":
                    if mode == "tag":
                        new = tags.get(entity, DEFAULT_TAG)
                    elif fixed is not None:
                        new = fixed
                    elif mode == "mask":
                        new = table[entity].get(original) or "*" * len(original)
                    else:
                        new = table[entity].get(value or original) or "*" * len(original)
                else:
                    new = self._replace(h, original, shift, table)
                add(text[pos:start])
                add(new)
                if want_spans:
                    out_len += start - pos
                    spans.append(DeidentifiedSpan(start, end, entity, source, out_len,
                                                  out_len + len(new)))  # fmt: skip
                    out_len += len(new)
                count_found(entity)
                if new != original:
                    count_replaced(entity)
                pos = end
            add(text[pos:])
            result = "".join(parts)
            known = knowns[j] if knowns else None
            if known:
                result = _guard(result, known, self._forms)
            results.append((result, tuple(spans) if want_spans else None))
        for counts, types in ((found, found_types), (replaced, replaced_types)):
            for entity, count in Counter(types).items():
                counts[entity] = counts.get(entity, 0) + count
        return results

    def _replace(
        self, h: Hit, original: str, shift: int | None, table: Mapping[str, dict[str, str]]
    ) -> str:
        config = self.config
        mode = config.mode
        tag = TAGS.get(h.entity_type, DEFAULT_TAG)
        if h.date is not None and (config.dates != "keep" or h.birth):
            if config.dates == "shift":
                if shift is None:
                    self.unshifted += 1
                    return _mask_digits(original, keep=0)
                key = (h.date, shift)
                moved = self._shifted.get(key)
                if moved is None:  # one computation per distinct date and shift in a column
                    moved = self._shifted[key] = _shift(h.date, shift) or ""
                return moved or _mask_digits(original, keep=0)
            if config.dates == "generalize":
                return _generalize(h.date, config.date_precision)
            # dates kept, but a date of birth is personal data
            if mode == "mask":
                return _mask_digits(original, keep=4 if h.date.year else 0)
            if mode == "surrogate":
                return _generalize(h.date, "year")
        if mode == "tag":
            return tag
        if mode == "redact":
            return config.placeholder
        if mode == "mask":
            if h.part in ("surname",):
                return original
            if h.part and h.entity_type != "LOCATION":
                return "*" * len(original)
            if h.entity_type == "DATE_TIME":
                return _mask_digits(original, keep=4)
            return table.get(h.entity_type, {}).get(original, "*" * len(original))
        # surrogate
        value = h.value or original
        surrogate = table.get(h.entity_type, {}).get(value, "")
        if not h.part or h.entity_type == "LOCATION":
            return surrogate
        if h.part == "surname":
            return names.split_name(surrogate)[0] if _is_name(surrogate) else "*"
        if h.part == "given":
            if not _is_name(surrogate):
                return "*" * len(original)
            return surrogate[len(names.split_name(surrogate)[0]) :]
        if h.part in ("last4", "last6"):
            if surrogate.startswith("["):
                return "*" * len(original)
            return surrogate[-len(original) :]
        return surrogate

    def _mask_table(self, wanted: Mapping[str, set[str]]) -> dict[str, dict[str, str]]:
        table: dict[str, dict[str, str]] = {}
        for entity, values in wanted.items():
            mask = ENTITY_MASKS.get(entity, DEFAULT_MASK)
            ordered = list(values)
            table[entity] = dict(zip(ordered, mask.apply(ordered), strict=True))
        return table

    def _surrogate_table(self, wanted: Mapping[str, set[str]]) -> dict[str, dict[str, str]]:
        table: dict[str, dict[str, str]] = {}
        assert self.keyring is not None or not wanted
        for entity, values in wanted.items():
            ordered = sorted(values)
            spec = _SURROGATES.get(entity)
            if spec is None:
                for value in ordered:
                    table.setdefault(entity, {})[value] = self._token(entity, value)
                continue
            cls, options = spec
            pseudonymizer = cls(self.keyring, self.context, **options)  # type: ignore[arg-type]
            result, report = pseudonymizer.apply_with_report(ordered)
            self.key_id = report.key_id
            for value, new in zip(ordered, result, strict=True):
                if not isinstance(new, str) or not new.strip("*"):  # no valid surrogate
                    new = self._token(entity, value)
                table.setdefault(entity, {})[value] = new
        return table

    def _token(self, entity: str, value: str) -> str:
        """A keyed tag for a value without a pseudonymizer: ``[地址-K3QZ7A]``."""
        if self._token_key is None:
            if self.keyring is None:
                raise InvalidArgument("mode='surrogate' needs a keyring")
            derived = self.keyring.derive(
                _TOKEN_PURPOSE, self.context, length=32, access=SECRET_ACCESS
            )
            self._token_key = derived.material
            self.key_id = self.key_id or derived.key_id
        canonical = "".join(value.split()).upper()
        digest = hmac.digest(self._token_key, f"{entity}\0{canonical}".encode(), "sha256")
        code = base64.b32encode(digest[:5]).decode("ascii")[:6]
        return f"{TAGS.get(entity, DEFAULT_TAG)[:-1]}-{code}]"


def _assume_years(hits: list[Hit]) -> None:
    """Give dates written without a year (1月3日) the year of the note's nearest full date
    before them (after them for the first ones), so they shift like their neighbours."""
    years = [h.date.year for h in hits if h.date is not None and h.date.year]
    if not years:
        return
    year = years[0]
    for k, h in enumerate(hits):
        if h.date is None:
            continue
        if h.date.year:
            year = h.date.year
        else:
            hits[k] = h._replace(date=h.date._replace(assumed=year))


def _is_name(value: str) -> bool:
    return bool(value) and not value.startswith("[") and "*" not in value


def _blank(text: str, hits: list[Hit]) -> str:
    """``text`` with each hit's span replaced by spaces of the same length."""
    if len(hits) == 1:
        h = hits[0]
        return text[: h.start] + " " * (h.end - h.start) + text[h.end :]
    pieces: list[str] = []
    pos = 0  # where the text not yet copied starts
    for start, end in sorted((h.start, h.end) for h in hits):
        if end <= pos:
            continue
        if start > pos:
            pieces.append(text[pos:start])
            pos = start
        pieces.append(" " * (end - pos))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _merge(hits: list[Hit]) -> list[Hit]:
    """Overlapping spans joined into one; the longest (then the most certain) names it."""
    if not hits:
        return hits
    hits.sort(key=lambda h: (h.start, -h.end))
    merged: list[Hit] = []
    for h in hits:
        if merged and h.start < merged[-1].end:
            last = merged[-1]
            best = max(
                (last, h), key=lambda x: (x.end - x.start, _PRIORITY.get(x.source, 0), x.birth)
            )
            start, end = last.start, max(last.end, h.end)
            if (start, end) != (best.start, best.end):
                # A value grown by its neighbour: the whole span is replaced as one of its type.
                best = Hit(start, end, best.entity_type, best.source, "" if best.part == "surname"
                           else best.part, best.value, None, best.birth)  # fmt: skip
            merged[-1] = best
        else:
            merged.append(h)
    return merged


def _guard(text: str, known: _Row, cache: dict[tuple[str, str], Known]) -> str:
    """Fail closed: a known value a replacement re-created (a surrogate that happens to equal
    it, two parts joined by an empty placeholder) becomes its tag."""
    for cell in known:  # the common case: none is there
        for part in cell:
            for form in part.guards:
                if form in text:
                    break
            else:
                continue
            break
        else:
            continue
        break
    else:
        return text
    forms = guard_forms(resolved(known, cache))
    for _ in range(4):
        hit = False
        for form, entity in forms:
            if form in text:
                text = text.replace(form, TAGS.get(entity, DEFAULT_TAG))
                hit = True
        if not hit:
            return text
    for form, _ in forms:  # pragma: no cover - tags cannot hold names or digits
        text = text.replace(form, "*" * len(form))
    return text


def _guard_columns(
    results: list[tuple[str, tuple[DeidentifiedSpan, ...] | None]],
    columns: list[list[tuple[Part, ...]]],
    cache: dict[tuple[str, str], Known],
) -> None:
    """:func:`_guard` over a column of outputs, the rows' known values given column by column
    (``columns[c][j]`` is column ``c``'s cell of the row of ``results[j]``): each value's
    guard forms are tested in one pass per column, and only a row holding one is guarded with
    its whole row."""
    flagged: set[int] = set()
    for cells in columns:
        for j, parts in enumerate(cells):
            if not parts or j in flagged:
                continue
            text = results[j][0]
            for part in parts:
                for form in part.guards:
                    if form in text:
                        flagged.add(j)
                        break
                else:
                    continue
                break
    for j in sorted(flagged):
        text, spans = results[j]
        row = tuple(cells[j] for cells in columns)
        results[j] = (_guard(text, row, cache), spans)


def _repair(text: str) -> str:
    """Lone surrogates replaced by U+FFFD, one for one (spans keep their offsets)."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _length(value: object) -> int:
    if isinstance(value, bytes | bytearray):
        return len(value)
    try:
        return len(str(value))
    except Exception:  # a value whose str() fails is still masked
        return 1


_DIGIT = re.compile(r"[0-9０-９]")


def _mask_digits(text: str, *, keep: int) -> str:
    """The digits of ``text`` after the first ``keep`` characters as ``*`` (1985-**-**)."""
    return text[:keep] + _DIGIT.sub("*", text[keep:])


def _write(date: DateValue, year: int, month: int, day: int) -> str:
    m = f"{month:02d}" if date.padded else str(month)
    d = f"{day:02d}" if date.padded else str(day)
    if date.style == "compact":
        return f"{year:04d}{month:02d}{day:02d}"
    if date.style == "sep":
        return f"{year:04d}{date.sep}{m}" + (f"{date.sep}{d}" if date.day else "")
    prefix = f"{year:04d}年" if date.year else ""
    return f"{prefix}{m}月" + (f"{d}{date.sep}" if date.day else "")


def _shift(date: DateValue, days: int) -> str | None:
    """``date`` moved by ``days``, written as before; None when it cannot be (2月30日)."""
    # A month-day without a year: the note's year, else a leap year (so 2月29日 exists).
    year = date.year or date.assumed or 2000
    try:
        base = dt.date(year, date.month, date.day or 15)
        moved = base + dt.timedelta(days=days)
    except (ValueError, OverflowError):
        return None
    if date.year == 0:
        return _write(date, 0, moved.month, moved.day)
    return _write(date, moved.year, moved.month, moved.day if date.day else 0)


def _generalize(date: DateValue, precision: str) -> str:
    """``date`` to its month (2025-01, 2025年1月, 1月) or year (2025, 2025年)."""
    if precision == "month":
        if date.style == "compact":
            return f"{date.year:04d}{date.month:02d}"
        return _write(date._replace(day=0), date.year, date.month, 0)
    if date.year == 0:
        return "*月*日"
    return f"{date.year:04d}年" if date.style == "cn" else f"{date.year:04d}"
