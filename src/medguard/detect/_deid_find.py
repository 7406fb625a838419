"""What :mod:`medguard.detect.deidentify` removes beyond the scanner's findings.

Three finders, each returning :class:`Hit` spans over one note:

- :func:`known_hits`: the values the row already holds (its own name, ID, phone, address
  columns) and their common partial forms (张先生, 老张, the given name alone, the phone's last
  four digits after 尾号, the ID's birth date and last characters, the address's road part);
- :func:`date_hits`: dates in the forms notes use (2025-01-03, 2025/1/3, 2025.01.03,
  2025年1月3日, 20250103 after a date word, 2025年1月, 1月3日);
- :func:`recall_hits`: possible names for ``recall="high"`` (surname + 1-2 characters before
  role titles and after context words even when they are ordinary words, speaker names at the
  start of a line, pinyin names).

Everything works on the text after full-width folding (one character for one), so spans index
the original note.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import NamedTuple

from medguard.cn import address, names, phone, resident_id
from medguard.detect import lexicon
from medguard.detect.text import SPEECH_STARTS, SURNAME_OPENERS, speech_run
from medguard.errors import InvalidIdentifier

__all__ = [
    "DateValue",
    "Hit",
    "Known",
    "date_hits",
    "dates_blind_to",
    "digit_runs",
    "forms_of",
    "grouped_hits",
    "guard_forms",
    "known_hits",
    "live_by_column",
    "live_parts",
    "may_hold",
    "parse_date",
    "pending",
    "recall_hits",
    "resolved",
    "run_pattern",
]

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"


class DateValue(NamedTuple):
    """A date as written: its parts (``0`` where absent) and how to write it back.

    ``style`` is ``"sep"`` (2025-01-03, ``sep`` holds the separator), ``"cn"`` (2025年1月3日,
    ``sep`` holds the day suffix 日/号 or ""), ``"compact"`` (20250103); ``padded`` says whether
    month and day are written with two digits; ``assumed`` is the year a date written without
    one (1月3日) is taken to be in (that of the note's nearest full date before it).
    """

    year: int
    month: int
    day: int
    style: str
    sep: str
    padded: bool
    assumed: int = 0


class Hit(NamedTuple):
    """One span to replace. ``part`` says what of a known value it holds ("" for all of it);
    ``value`` is the known value it comes from (for consistent surrogates), ``date`` the parsed
    date of a date span, ``birth`` whether it is a date of birth (replaced even when dates are
    kept)."""

    start: int
    end: int
    entity_type: str
    source: str
    part: str = ""
    value: str = ""
    date: DateValue | None = None
    birth: bool = False


# -- dates ------------------------------------------------------------------------------------

_YEAR = r"(?:18|19|20)\d{2}"
_DATE = re.compile(
    rf"(?<![0-9])(?P<y>{_YEAR})(?:"
    r"(?P<sep>[-/.])(?P<m>[01]?\d)(?:(?P=sep)(?P<d>[0-3]?\d))?(?![0-9]|[-/.]\d)"
    r"|年(?P<cm>[01]?\d)月(?:(?P<cd>[0-3]?\d)(?P<suf>[日号])?)?"
    r"|(?P<xm>[01]\d)(?P<xd>[0-3]\d)(?![0-9])"
    r")"
    r"|(?<![0-9年./-])(?P<mm>[01]?\d)月(?P<md>[0-3]?\d)[日号]"
)
_DATE_CONTEXT = re.compile(
    "日期|时间|出生|生日|生于|入院|出院|手术|就诊|门诊|检查|报告|采样|采集|签字|签名|记录|"
    "复查|随访|DOB|dob|Date|date|于"
)
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _padded(month: str, day: str, style: str) -> bool:
    """The padding style of a written date, as :class:`~medguard.ops.date_shift.DateShift`
    decides it: a leading zero pads, a one-digit field does not, else the usual style."""
    if month[:1] == "0" or day[:1] == "0":
        return True
    if len(month) == 1 or (day and len(day) == 1):
        return False
    return style != "cn"


def _date_of(m: re.Match[str], text: str) -> DateValue | None:
    """The :class:`DateValue` of a match of ``_DATE``, or None when it is no real date."""
    if m.group("y") is None:  # 1月3日: no year
        month, day = m.group("mm"), m.group("md")
        value = DateValue(0, int(month), int(day), "cn", m.group()[-1], _padded(month, day, "cn"))
    elif m.group("sep") is not None:
        month, day = m.group("m"), m.group("d") or ""
        if not day and m.group("sep") == ".":
            return None  # 2019.5 is a number more often than a month
        value = DateValue(int(m.group("y")), int(month), int(day) if day else 0, "sep",
                          m.group("sep"), _padded(month, day, "sep"))  # fmt: skip
    elif m.group("cm") is not None:
        month, day = m.group("cm"), m.group("cd") or ""
        value = DateValue(int(m.group("y")), int(month), int(day) if day else 0, "cn",
                          m.group("suf") or "", _padded(month, day, "cn"))  # fmt: skip
    else:
        start = m.start()
        if not _DATE_CONTEXT.search(text, max(0, start - 8), start):
            return None  # 8 digits are a date only after a date word
        value = DateValue(int(m.group("y")), int(m.group("xm")), int(m.group("xd")), "compact",
                          "", True)  # fmt: skip
    if not 1 <= value.month <= 12:
        return None
    if value.day and value.day > _MONTH_DAYS[value.month]:
        return None
    if value.day == 0 and value.style == "compact":
        return None
    return value


def parse_date(text: str) -> DateValue | None:
    """The date ``text`` holds as a whole (2025-01-03, 2025年1月3日, 1月3日, ...), or None."""
    m = _DATE.fullmatch(text)
    if m is None and text.isdigit() and len(text) == 8:
        m = _DATE.fullmatch(text)
    if m is None:
        return None
    if m.group("xm") is not None:  # compact: no context needed when the scanner said "date"
        try:
            return DateValue(int(text[:4]), int(text[4:6]), int(text[6:8]), "compact", "", True)
        except ValueError:  # pragma: no cover - the pattern holds digits only
            return None
    return _date_of(m, text)


_DIGIT_RUN = re.compile("[0-9]+")


_YEARS = frozenset(("18", "19", "20"))


def _date_matches(text: str) -> Iterable[re.Match[str]]:
    """The matches of ``_DATE`` in ``text``, tried only where a run of digits starts (every
    date starts there; twice as fast as letting the engine try every position) and can start
    one: four digits or more from 18, 19 or 20, or one or two digits before 月."""
    end = 0
    for digits in _DIGIT_RUN.finditer(text):
        start, stop = digits.span()
        if start < end:
            continue
        if stop - start >= 4:
            if text[start : start + 2] not in _YEARS:
                continue
        elif stop - start > 2 or text[stop : stop + 1] != "月":
            continue
        m = _DATE.match(text, start)
        if m is not None:
            yield m
            end = m.end()


# What the date finder tells apart: the characters its pattern matches (every other
# character is alike to it) and those of the date words a compact date needs before it.
_DATE_CHARS = frozenset("0123456789-/.年月日号")
_DATE_SEEN = _DATE_CHARS | frozenset(_DATE_CONTEXT.pattern.replace("|", ""))


def dates_blind_to(text: str, spans: Iterable[tuple[int, int]]) -> bool:
    """Whether :func:`date_hits` finds the same dates in ``text`` once ``spans`` are blanked
    with spaces (so the dates of a note, blanked of its row's own values, can be reused for
    every note blanked alike).

    True when each span holds none of the characters the date finder tells apart (a name
    without 年, 于, 日, ...), or is a whole run of nine ASCII digits or more whose neighbours
    are none of them either (a phone number): no date can start, end or look inside such a
    run, in the text or blanked, since a date's digits are followed by a separator, 年 or 月
    within five characters or are eight digits then no digit.
    """
    for start, end in spans:
        piece = text[start:end]
        if _DATE_SEEN.isdisjoint(piece):
            continue
        if (
            end - start >= 9
            and piece.isascii()
            and piece.isdigit()
            and (start == 0 or text[start - 1] not in _DATE_CHARS)
            and text[end : end + 1] not in _DATE_CHARS
        ):
            continue
        return False
    return True


def date_hits(
    text: str, *, birth: Iterable[tuple[int, int, int]] = (), only_birth: bool = False
) -> list[Hit]:
    """Dates in ``text``; those equal to a ``birth`` date are marked as dates of birth.

    ``only_birth`` keeps only those (dates are kept, but a known birth date is not).
    """
    births = set(birth)
    hits = []
    for m in _date_matches(text):
        value = _date_of(m, text)
        if value is None:
            continue
        is_birth = (value.year, value.month, value.day) in births
        if only_birth and not is_birth:
            continue
        hits.append(Hit(m.start(), m.end(), "DATE_TIME", "date", date=value, birth=is_birth))
    return hits


# -- known values -----------------------------------------------------------------------------

#: Words after a surname that address or name a person (张先生, 王老师).
HONORIFICS = (
    "先生", "女士", "小姐", "老师", "阿姨", "叔叔", "伯伯", "大爷", "大妈", "奶奶", "爷爷",
    "师傅", "同志", "大姐", "大哥", "姐", "哥",
)  # fmt: skip
_LAST_DIGITS_CONTEXT = re.compile("尾号|尾数|后四位|后4位|末四位|末4位|后六位|后6位|末六位|末6位")
# Digit runs with the separators identifiers are written with (138-1234-5678, (010)3204 3421).
# Runs of four characters or more (what digit_runs keeps), tried only where one starts: the
# look-ahead drops shorter ones in the engine, and a run too short from its start is too short
# from any later digit of it.
_RUN = re.compile(
    r"[0-9](?<![0-9][0-9])(?=[0-9Xx \-\u2010-\u2015()（）.]{3})"
    r"(?:[ \-\u2010-\u2015()（）.]{0,2}[0-9])*(?:[ \-]?[Xx])?"
)
# Tried only where a run starts (not after a digit): a run too short from its start is too
# short from any later digit. The look-behind follows the first digit, so the engine still
# skips to digits with its fast search.
_LONG_RUN = re.compile(
    r"[0-9](?<![0-9][0-9])(?:[ \-\u2010-\u2015()（）.]{0,2}[0-9]){10,}(?:[ \-]?[Xx])?"
)
_RUN_SEPARATORS = frozenset(" -\u2010\u2011\u2012\u2013\u2014\u2015()（）.")
# Parts of a known address that name it on their own: 建国路88号, 闹海营村, 阳光花园小区.
_ADDRESS_PARTS = re.compile(
    rf"[{_HAN}]{{1,12}}?(?:大道|路|街|巷|弄|胡同)[0-9]+号"
    rf"|(?<=[镇乡])[{_HAN}]{{2,6}}?村"
    rf"|(?<![{_HAN}])[{_HAN}]{{2,10}}?(?:小区|花园|公寓|家园|新村|大厦)"
)
_PREFIX_WORDS_CACHE: list[frozenset[str]] = []
# Words of 老/小 + a surname character that are not 老张 or 小李 (小时, 小于, 小叶增生).
_PREFIX_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads best as text
        "小时 小于 小叶 小米 小便 小心 小方 小白 小儿 小肠 小结 小计 小组 小腿 "
        "小孩 小学 小区 小康 小麦 小鼠 小满 小寒 小雪 小暑 小量 小关 小全 小和 "
        "小于等于 老年 老化 老花 老伴 老家 老乡 老是 老于 老成 老练 老实 老汉 老龄 "
        "老总 老师 老人 老大 小兰"
    ).split()
)


def _prefix_words() -> frozenset[str]:
    """Words of three characters starting with 老 or 小 in jieba's dictionary (小关节)."""
    if not _PREFIX_WORDS_CACHE:
        dictionary = resources.files("jieba").joinpath("dict.txt").read_text("utf-8")
        words = {
            line.split(" ", 1)[0]
            for line in dictionary.splitlines()
            if line[:1] in ("老", "小") and len(line.split(" ", 1)[0]) == 3
        }
        _PREFIX_WORDS_CACHE.append(frozenset(words) | _PREFIX_WORDS)
    return _PREFIX_WORDS_CACHE[0]


# An honorific after a surname (tried where the surname ends).
_HONORIFIC_AT = re.compile("|".join(HONORIFICS))


_DROP_SEPARATORS = str.maketrans(dict.fromkeys(_RUN_SEPARATORS))


def _digits(text: str) -> str:
    return text.translate(_DROP_SEPARATORS).upper()


@dataclass
class Known:
    """The forms of one row's known values to look for in its note."""

    # (full name, surname, given name)
    names: list[tuple[str, str, str]] = field(default_factory=list)
    # (digits, entity type, part, known value): IDs, phones, cards however grouped
    digits: list[tuple[str, str, str, str]] = field(default_factory=list)
    # (last four digits, entity type, known value): only after 尾号, 后四位, ...
    tails: list[tuple[str, str, str]] = field(default_factory=list)
    births: list[tuple[int, int, int]] = field(default_factory=list)
    # (text form, entity type, part, known value): names as written, address forms
    texts: list[tuple[str, str, str, str]] = field(default_factory=list)
    # (upper-case form, entity type, known value): passports, e-mails, record numbers
    upper_texts: list[tuple[str, str, str]] = field(default_factory=list)
    # set by prepare(): the texts one of which each form holds, by where they are looked for
    plain: tuple[str, ...] = field(default=(), repr=False, compare=False)
    upper: tuple[str, ...] = field(default=(), repr=False, compare=False)
    numbers: tuple[str, ...] = field(default=(), repr=False, compare=False)
    guards: tuple[str, ...] = field(default=(), repr=False, compare=False)
    # the fewest characters of its digit identifiers (0: none)
    fewest: int = field(default=0, repr=False, compare=False)

    def __bool__(self) -> bool:
        return bool(self.names or self.digits or self.tails or self.births or self.texts
                    or self.upper_texts)  # fmt: skip

    def add(self, kind: str, value: str, cache: dict[tuple[str, str], Known] | None = None) -> None:
        """Add one known value of ``kind`` (``name``, ``resident_id``, ``phone``, ...).

        ``cache`` (one per call, never kept) saves the work for values that repeat (the same
        patient's notes): the forms of a value are computed once.
        """
        forms = forms_of(kind, value, cache)
        if forms is None:
            return
        for name in _FIELDS:
            found = getattr(forms, name)
            if found:
                getattr(self, name).extend(found)

    def prepare(self) -> Known:
        """Compute what :func:`live_parts` and the guard look up (once per value)."""
        plain: list[str] = []
        guards: list[str] = []
        for full, surname, given in self.names:
            plain.append(full)
            guards.append(full)
            if surname:
                plain.append(surname)
            if len(given) >= 2:
                guards.append(given)
                if "·" not in full:
                    plain.append(given)
            if "·" in full:
                plain.extend(p for p in full.split("·") if len(p) >= 2)
        if self.texts:
            plain.extend(form for form, _, _, _ in self.texts)
        if self.births:
            plain.extend(str(year) for year, _, _ in self.births)
        self.plain = tuple(dict.fromkeys(plain)) if len(plain) > 1 else tuple(plain)
        if self.upper_texts:
            self.upper = tuple(form for form, _, _ in self.upper_texts)
        if self.digits:
            self.numbers = tuple(number for number, _, _, _ in self.digits)
            guards.extend(d for d, _, part, _ in self.digits if len(d) >= 7 and not part)
            self.fewest = min(map(len, self.numbers))
        self.guards = tuple(guards)
        return self

    def _add_name(self, value: str) -> None:
        full = value if value.isalnum() and not value.isascii() else names.normalize(value)
        if len(full) < 2:
            return
        surname, given = names.split_name(full)
        self.names.append((full, surname, given))
        if value != full:
            self.texts.append((value, "PERSON", "", full))

    def _add_resident_id(self, value: str) -> None:
        if len(value) == 18 and value.isascii() and value[:17].isdigit():
            number = value.upper()  # the common case, without a full parse
        else:
            try:
                number = resident_id.parse(value).number
            except InvalidIdentifier:
                number = _digits(value)
        if len(number) < 6:
            self.texts.append((value, "CN_RESIDENT_ID", "", value))
            return
        self.digits.append((number, "CN_RESIDENT_ID", "", value))
        if len(number) == 18:
            legacy = number[:6] + number[8:17]
            self.digits.append((legacy, "CN_RESIDENT_ID", "", value))
            self.digits.append((number[-6:], "CN_RESIDENT_ID", "last6", value))
            self.tails.append((number[-4:], "CN_RESIDENT_ID", value))
            born = number[6:14]
            if born.isdigit():
                date = (int(born[:4]), int(born[4:6]), int(born[6:]))
                self.births.append(date)

    def _add_phone(self, value: str) -> None:
        parsed: phone.Phone | None = None
        if len(value) == 11 and value.isascii() and value.isdigit() and value[0] == "1":
            number = value  # a compact mobile, without a full parse
        else:
            try:
                parsed = phone.parse(value)
                number = parsed.number
            except InvalidIdentifier:
                number = _digits(value)
        if len(number) < 5:
            self.texts.append((value, "PHONE_NUMBER", "", value))
            return
        self.digits.append((number, "PHONE_NUMBER", "", value))
        if parsed is not None and parsed.kind == "landline":
            subscriber = number[len(parsed.prefix) :]
            self.digits.append((subscriber, "PHONE_NUMBER", "", value))
        self.tails.append((number[-4:], "PHONE_NUMBER", value))

    def _add_bank_card(self, value: str) -> None:
        number = _digits(value)
        self.digits.append((number, "CN_BANK_CARD", "", value))
        if len(number) >= 8:
            self.tails.append((number[-4:], "CN_BANK_CARD", value))

    def _add_passport(self, value: str) -> None:
        self.upper_texts.append((value.upper().replace(" ", ""), "CN_PASSPORT", value))

    def _add_email(self, value: str) -> None:
        self.upper_texts.append((value.upper(), "EMAIL_ADDRESS", value))

    def _add_record_number(self, value: str) -> None:
        self.upper_texts.append((value.upper(), "CN_MEDICAL_RECORD_NUMBER", value))

    def _add_birth_date(self, value: str) -> None:
        date = parse_date(value.strip()) or parse_date(value.strip().split(" ")[0])
        if date is not None and date.year and date.day:
            self.births.append((date.year, date.month, date.day))

    def _add_address(self, value: str) -> None:
        full = "".join(value.split())
        forms = {full}
        try:
            parsed = address.parse(full)
        except InvalidIdentifier:
            parsed = None
        if parsed is not None:
            city, district, rest = parsed.city or "", parsed.district or "", parsed.rest
            forms.update((city + district + rest, district + rest, rest))
            forms.update(m.group() for m in _ADDRESS_PARTS.finditer(rest))
        for form in forms:
            if len(form) >= 4:
                self.texts.append((form, "LOCATION", "" if form == full else "part", value))


_FIELDS = ("names", "digits", "tails", "births", "texts", "upper_texts")

#: The kinds of known values, and the entity types that name the same kinds.
KNOWN_KINDS = {
    "name": "name", "PERSON": "name",
    "resident_id": "resident_id", "id": "resident_id", "CN_RESIDENT_ID": "resident_id",
    "phone": "phone", "mobile": "phone", "PHONE_NUMBER": "phone",
    "address": "address", "LOCATION": "address",
    "bank_card": "bank_card", "CN_BANK_CARD": "bank_card",
    "passport": "passport", "CN_PASSPORT": "passport", "CN_HMT_PERMIT": "passport",
    "email": "email", "EMAIL_ADDRESS": "email",
    "record_number": "record_number", "mrn": "record_number",
    "birth_date": "birth_date", "dob": "birth_date",
    "CN_MEDICAL_RECORD_NUMBER": "record_number",
}  # fmt: skip


def forms_of(kind: str, value: str, cache: dict[tuple[str, str], Known] | None = None
             ) -> Known | None:  # fmt: skip
    """The forms of one known ``value`` of ``kind``, prepared (:meth:`Known.prepare`); None
    when it has none. ``cache`` (one per call) computes each distinct value once."""
    key = (kind, value)
    forms = cache.get(key) if cache is not None else None
    if forms is None:
        if cache is not None and key in cache:
            return None
        stripped = value.strip()
        if stripped:
            forms = Known()
            getattr(forms, f"_add_{kind}")(stripped)
            forms = forms.prepare() if forms else None
        if cache is not None:
            cache[key] = forms  # type: ignore[assignment]
    return forms


def guard_forms(parts: Sequence[Known]) -> list[tuple[str, str]]:
    """The forms of known values a replacement must never re-create, in the order they are
    replaced: full names, then given names, then whole digit identifiers."""
    forms = [(full, "PERSON") for p in parts for full, _, _ in p.names]
    forms += [(given, "PERSON") for p in parts for _, _, given in p.names if len(given) >= 2]
    forms += [(d, e) for p in parts for d, e, part, _ in p.digits if len(d) >= 7 and not part]
    return forms


class Pending:
    """A known value whose forms are computed only if its note may hold it.

    Its ``plain``, ``upper``, ``numbers``, ``tails`` and ``guards`` answer :func:`live_parts`
    and the output guard as its forms would (``exact``: a record number, e-mail or passport,
    one upper-case form each, often a different one on every row, such as a visit number; a
    resident ID or a mobile number in their compact forms), or say yes whenever its forms
    would and sometimes when they would not (not ``exact``: an address, a landline written
    0xx-xxxxxxxx, whose forms need a parse), in which case the forms, once computed, are tested
    again."""

    __slots__ = ("exact", "guards", "kind", "numbers", "plain", "tails", "upper", "value")

    def __init__(self, kind: str, value: str, *, plain: tuple[str, ...] = (),
                 upper: tuple[str, ...] = (), numbers: tuple[str, ...] = (),
                 tails: bool = False, guards: tuple[str, ...] = (),
                 exact: bool = True) -> None:  # fmt: skip
        self.kind = kind
        self.value = value
        self.plain = plain
        self.upper = upper
        self.numbers = numbers
        self.tails = tails
        self.guards = guards
        self.exact = exact

    def forms(self, cache: dict[tuple[str, str], Known] | None) -> Known | None:
        """The value's prepared forms."""
        return forms_of(self.kind, self.value, cache)

    def live_forms(self, text: str, cache: dict[tuple[str, str], Known] | None) -> Known | None:
        """The value's forms when ``text`` may hold them (this part's tests said yes), else
        None."""
        forms = forms_of(self.kind, self.value, cache)
        if forms is None or self.exact or may_hold(forms, text):
            return forms
        return None


#: Set to False to compute every known value's forms at once (tests compare both roads).
LAZY = True
_PLAIN_LANDLINE = re.compile(r"0[0-9]{2,3}-?[2-9][0-9]{6,7}")
# What ends the parts of an address that name it on their own (_ADDRESS_PARTS).
_PART_ENDS = ("小区", "花园", "公寓", "家园", "新村", "大厦")


def _address_probes(full: str) -> tuple[str, ...]:
    """Texts one of which each form of the address ``full`` (whitespace removed) holds.

    Its forms are ``full`` and the ends of it after the province, city and district
    (:func:`medguard.cn.address.parse` splits it into consecutive pieces), each of four
    characters or more, so each ends with its last four characters; and the parts of the
    end that name it (_ADDRESS_PARTS), each ending with a digit then 号, a character then 村,
    or one of the words of _PART_ENDS, all within ``full``.
    """
    probes = [full[-4:]]
    for end in ("号", "村"):
        i = full.find(end, 1)
        while i > 0:
            probes.append(full[i - 1 : i + 1])
            i = full.find(end, i + 1)
    probes.extend(word for word in _PART_ENDS if word in full)
    return tuple(dict.fromkeys(probes))


def may_hold(part: Known | Pending, text: str) -> bool:
    """Whether ``text`` may hold one of ``part``'s forms: :func:`live_parts`'s test of one
    value."""
    if any(form in text for form in part.plain):
        return True
    if part.upper:
        upper = text.upper()
        if any(form in upper for form in part.upper):
            return True
    if part.numbers:
        digits = _NOT_DIGITS.sub("", text).upper()
        if any(number in digits for number in part.numbers):
            return True
    return bool(part.tails) and _LAST_DIGITS_CONTEXT.search(text) is not None


def pending(
    kind: str, value: str, cache: dict[tuple[str, str], Known] | None = None
) -> Pending | Known | None:
    """A :class:`Pending` for ``value`` when its kind and shape allow, else its forms now
    (:func:`forms_of`); None for a blank value."""
    stripped = value.strip()
    if not stripped:
        return None
    if kind in ("record_number", "email"):
        return Pending(kind, stripped, upper=(stripped.upper(),))
    if kind == "passport":
        return Pending(kind, stripped, upper=(stripped.upper().replace(" ", ""),))
    compact = stripped.isascii() and stripped[:17].isdigit()
    if kind == "phone" and compact and len(stripped) == 11 and stripped[0] == "1":
        return Pending(kind, stripped, numbers=(stripped,), tails=True, guards=(stripped,))
    if kind == "resident_id" and compact and len(stripped) == 18:
        number = stripped.upper()
        legacy = number[:6] + number[8:17]
        born = number[6:14]
        return Pending(kind, stripped, plain=(str(int(born[:4])),) if born.isdigit() else (),
                       numbers=(number[-6:], legacy), tails=True,
                       guards=(number, legacy))  # fmt: skip
    if LAZY and kind == "phone" and _PLAIN_LANDLINE.fullmatch(stripped):
        # Its numbers (all its digits, and those after the area code when it parses) and
        # guards all end with its last seven digits.
        last = stripped.replace("-", "")[-7:]
        return Pending(kind, stripped, numbers=(last,), tails=True, guards=(last,), exact=False)
    if LAZY and kind == "address":
        full = "".join(stripped.split())
        if len(full) >= 4:
            return Pending(kind, stripped, plain=_address_probes(full), exact=False)
    return forms_of(kind, value, cache)


Part = Known | Pending


def live_parts(
    text: str, row: Iterable[Iterable[Part]], cache: dict[tuple[str, str], Known] | None = None
) -> list[Known]:
    """The known values of ``row`` (the prepared forms of each cell's values, cell by cell)
    whose forms may occur in ``text``, in order.

    A value none of whose forms is in the note is skipped after a few substring tests in C:
    its names and address forms in the text; its e-mail, passport and record numbers in the
    text upper-cased; its ID, phone and card numbers in the text's digits (and ``X``) alone,
    which hold every digit run's digits however grouped; the last digits of a number only
    when 尾号 or the like is in the note. A :class:`Pending` value found so gets its forms
    (from ``cache``) and is tested again with them.
    """
    live: list[Known] = []
    upper = digits = None
    tails: bool | None = None
    for cell in row:
        for part in cell:
            hit = False
            for form in part.plain:
                if form in text:
                    hit = True
                    break
            if not hit and part.upper:
                if upper is None:
                    upper = text.upper()
                for form in part.upper:
                    if form in upper:
                        hit = True
                        break
            if not hit and part.numbers:
                if digits is None:
                    digits = _NOT_DIGITS.sub("", text).upper()
                for number in part.numbers:
                    if number in digits:
                        hit = True
                        break
            if not hit and part.tails:
                if tails is None:
                    tails = _LAST_DIGITS_CONTEXT.search(text) is not None
                hit = tails
            if hit:
                if isinstance(part, Pending):  # its forms answer these tests as it did
                    forms = part.live_forms(text, cache)
                    if forms is not None:
                        live.append(forms)
                else:
                    live.append(part)
    return live


def live_by_column(
    columns: Sequence[Sequence[Iterable[Part]]],
    texts: Sequence[str],
    cache: dict[tuple[str, str], Known] | None = None,
) -> list[list[Known] | None]:
    """:func:`live_parts` of every note at once, the row's values given column by column
    (``columns[c][j]``: the parts of column ``c``'s cell in the row of ``texts[j]``): the same
    tests in the same order, one pass per column; None for a row none of whose values may
    occur in its note (where :func:`live_parts` gives an empty list)."""
    n = len(texts)
    live: list[list[Known] | None] = [None] * n
    uppers: list[str | None] = [None] * n
    digit_texts: list[str | None] = [None] * n
    tail_words: list[bool | None] = [None] * n
    not_digits = _NOT_DIGITS.sub
    tail_word = _LAST_DIGITS_CONTEXT.search
    for cells in columns:
        for j, parts in enumerate(cells):
            if not parts:
                continue
            text = texts[j]
            for part in parts:
                hit = False
                for form in part.plain:
                    if form in text:
                        hit = True
                        break
                if not hit and part.upper:
                    upper = uppers[j]
                    if upper is None:
                        upper = uppers[j] = text.upper()
                    for form in part.upper:
                        if form in upper:
                            hit = True
                            break
                if not hit and part.numbers:
                    digits = digit_texts[j]
                    if digits is None:
                        digits = digit_texts[j] = not_digits("", text).upper()
                    for number in part.numbers:
                        if number in digits:
                            hit = True
                            break
                if not hit and part.tails:
                    tails = tail_words[j]
                    if tails is None:
                        tails = tail_words[j] = tail_word(text) is not None
                    hit = tails
                if not hit:
                    continue
                if isinstance(part, Pending):  # its forms answer these tests as it did
                    forms = part.live_forms(text, cache)
                    if forms is None:
                        continue
                    found = forms
                else:
                    found = part
                row = live[j]
                if row is None:
                    live[j] = [found]
                else:
                    row.append(found)
    return live


def resolved(row: Iterable[Iterable[Part]], cache: dict[tuple[str, str], Known] | None = None
             ) -> list[Known]:  # fmt: skip
    """Every value of ``row`` with its forms (a :class:`Pending` one computed)."""
    parts: list[Known] = []
    for cell in row:
        for part in cell:
            if isinstance(part, Pending):
                forms = part.forms(cache)
                if forms is not None:
                    parts.append(forms)
            else:
                parts.append(part)
    return parts


_NOT_DIGITS = re.compile("[^0-9Xx]+")


def _find_all(text: str, form: str) -> Iterable[int]:
    start = text.find(form)
    while start >= 0:
        yield start
        start = text.find(form, start + 1)


def known_hits(text: str, known: Known | Sequence[Known], runs: list[Run] | None = None
               ) -> list[Hit]:  # fmt: skip
    """Every occurrence of the row's known values and their partial forms in ``text``.

    ``known`` is one :class:`Known` or the forms of each value (what :func:`forms_of` gives),
    looked for as if joined into one.
    """
    parts: Sequence[Known] = (known,) if isinstance(known, Known) else known
    hits: list[Hit] = []
    append = hits.append
    for part in parts:
        for full, surname, given in part.names:
            start = text.find(full)
            while start >= 0:
                append(Hit(start, start + len(full), "PERSON", "known", "", full))
                start = text.find(full, start + 1)
            if len(given) >= 2 and "·" not in full:
                start = text.find(given)
                while start >= 0:
                    append(Hit(start, start + len(given), "PERSON", "known", "given", full))
                    start = text.find(given, start + 1)
            for piece in full.split("·") if "·" in full else ():
                if len(piece) >= 2:
                    for start in _find_all(text, piece):
                        append(Hit(start, start + len(piece), "PERSON", "known", "part", full))
            if surname and surname in text:
                # 张先生, 张女士, ... and 老张 / 小张: the surname where 老 or 小 stands before it
                # or an honorific after it, each occurrence tried from the end of the last.
                prefix_words = None
                size = len(surname)
                start = text.find(surname)
                while start >= 0:
                    end = start + size
                    before = start and text[start - 1] in "老小"
                    if not before and _HONORIFIC_AT.match(text, end) is None:
                        start = text.find(surname, start + 1)
                        continue
                    if before:
                        prefix_words = prefix_words or _prefix_words()
                        if (text[start - 1 : start + 1] in prefix_words
                                or text[start - 1 : start + 2] in prefix_words):  # fmt: skip
                            start = text.find(surname, end)
                            continue  # 小时, 小于, 小叶增生: words, not 小张
                    append(Hit(start, end, "PERSON", "known", "surname", full))
                    start = text.find(surname, end)
    for part in parts:
        for form, entity, piece_of, value in part.texts:
            for start in _find_all(text, form):
                append(Hit(start, start + len(form), entity, "known", piece_of, value))
    upper: str | None = None
    for part in parts:
        if part.upper_texts:
            upper = text.upper() if upper is None else upper
            for form, entity, value in part.upper_texts:
                for start in _find_all(upper, form):
                    append(Hit(start, start + len(form), entity, "known", "", value))
    digits = [d for part in parts for d in part.digits]
    tails = [t for part in parts for t in part.tails]
    if digits or tails:
        hits.extend(_digit_hits(text, digits, tails, digit_runs(text) if runs is None else runs))
    births = [b for part in parts for b in part.births]
    if births:
        hits.extend(_birth_hits(text, births))
        for year, month, day in births:
            compact = f"{year:04d}{month:02d}{day:02d}"
            for start in _find_all(text, compact):
                end = start + 8
                if (start and text[start - 1].isdigit()) or text[end : end + 1].isdigit():
                    continue  # inside a longer number (the ID itself is found as a whole)
                born = DateValue(year, month, day, "compact", "", True)
                append(Hit(start, end, "DATE_TIME", "known", "birth", "", born, True))
    return hits


Run = tuple[int, str, str]


@functools.lru_cache(maxsize=16)
def _runs_of(digits: int) -> re.Pattern[str]:
    """The runs of :data:`_RUN` holding at least ``digits`` digits (5 to 10): the same runs,
    since a run is the longest from its first digit, found without stopping at shorter ones."""
    return re.compile(
        rf"[0-9](?<![0-9][0-9])(?:[ \-\u2010-\u2015()（）.]{{0,2}}[0-9]){{{digits - 1},}}"
        r"(?:[ \-]?[Xx])?"
    )


def run_pattern(live: Iterable[Known] | None, text: str) -> re.Pattern[str]:
    """The runs :func:`digit_runs` needs to look at for the known values ``live`` of a note:
    those holding one of their digit identifiers (each number holds at least ``fewest`` - 1
    digits and an X; the last four digits after 尾号 only when the note holds such a word)
    and those :func:`grouped_hits` reads (eleven digits or more)."""
    fewest = 11
    for part in live or ():
        if part.tails and fewest > 4 and _LAST_DIGITS_CONTEXT.search(text) is not None:
            fewest = 4
        if part.fewest and part.fewest < fewest:
            fewest = part.fewest
    if fewest == 11 and not any(part.fewest for part in live or ()):
        return _LONG_RUN
    digits = fewest - 1
    return _RUN if digits <= 4 else _runs_of(digits)


def digit_runs(
    text: str, *, long_only: bool = False, pattern: re.Pattern[str] | None = None
) -> list[Run]:
    """(start, run, digits) of each run of four or more digits with the separators
    identifiers are written with; one pass serves :func:`grouped_hits` and the known values.

    ``long_only`` keeps only runs of eleven digits or more (all :func:`grouped_hits` needs),
    which the engine finds without stopping at every short number; ``pattern`` (from
    :func:`run_pattern`) only those a row's known values and :func:`grouped_hits` need.
    """
    runs = []
    if pattern is None:
        pattern = _LONG_RUN if long_only else _RUN
    for m in pattern.finditer(text):
        run = m.group()
        if len(run) >= 4:
            runs.append((m.start(), run, _digits(run) if not run.isdigit() else run))
    return runs


def grouped_hits(text: str, runs: list[Run] | None = None) -> list[Hit]:
    """Resident IDs and mobiles written in groups (110105 1985 0314 1234, 138-1234-5678,
    +86 138 1234 5678) that validate: their check character or their mobile segment says what
    they are, whatever grouping the writer chose."""
    hits = []
    for start, run, digits in digit_runs(text) if runs is None else runs:
        if len(run) < 12 or digits == run:
            continue  # ungrouped numbers are the scanner's
        if len(digits) in (15, 18) and resident_id.is_valid(digits):
            hits.append(Hit(start, start + len(run), "CN_RESIDENT_ID", "grouped"))
        elif (
            len(digits) in (11, 13)
            and phone.is_mobile(digits[-11:])
            and (len(digits) == 11 or digits.startswith("86"))
        ):
            hits.append(Hit(start, start + len(run), "PHONE_NUMBER", "grouped"))
    return hits


def _birth_hits(text: str, births: list[tuple[int, int, int]]) -> list[Hit]:
    """Dates equal to a known birth date, looked for only where its year is written."""
    hits = []
    for year, month, day in births:
        for start in _find_all(text, str(year)):
            m = _DATE.match(text, start)
            value = _date_of(m, text) if m is not None else None
            if value is not None and (value.year, value.month, value.day) == (year, month, day):
                hits.append(Hit(m.start(), m.end(), "DATE_TIME", "known", "birth", "", value, True))  # type: ignore[union-attr]
    return hits


def _digit_hits(
    text: str,
    known_digits: list[tuple[str, str, str, str]],
    known_tails: list[tuple[str, str, str]],
    runs: list[Run],
) -> list[Hit]:
    """Known digit identifiers however they are grouped (6-8-4, 3-4-4, +86, (010))."""
    hits = []
    for run_start, run, digits in runs:
        positions: list[int] | None = None
        for number, entity, part, value in known_digits:
            if len(number) > len(digits):
                continue
            if part == "last6" and digits != number:
                continue  # the ID's last six characters only standing alone
            start = digits.find(number)
            while start >= 0:
                if digits is run:  # no separators: offsets are the run's own
                    hits.append(Hit(run_start + start, run_start + start + len(number), entity,
                                    "known", part, value))  # fmt: skip
                    start = digits.find(number, start + 1)
                    continue
                if positions is None:
                    positions = [i for i, c in enumerate(run) if c not in _RUN_SEPARATORS]
                first = run_start + positions[start]
                last = run_start + positions[start + len(number) - 1] + 1
                hits.append(Hit(first, last, entity, "known", part, value))
                start = digits.find(number, start + 1)
        if len(digits) == 4:
            for tail, entity, value in known_tails:
                if digits == tail and _LAST_DIGITS_CONTEXT.search(
                    text, max(0, run_start - 8), run_start
                ):
                    hits.append(
                        Hit(run_start, run_start + len(run), entity, "known", "last4", value)
                    )
    return hits


# -- possible names for recall="high" ---------------------------------------------------------

_ROLE_TITLES = (
    "主任医师", "副主任医师", "主治医师", "住院医师", "医师", "医生", "大夫", "护士长", "护士",
    "主任", "教授", "老师", "先生", "女士", "小姐", "阿姨", "师傅", "同志", "院长", "药师",
    # what follows a name in histories: 张三之女代诉, 李四代述
    "之女", "之子", "之母", "之父", "之妻", "之夫", "代诉", "代述",
)  # fmt: skip
_CONTEXT = (
    "姓名", "患者", "患儿", "病人", "家属", "联系人", "代述", "代诉", "委托人", "陪诊人",
    "陪同人", "陪护", "户名", "开户名", "送检人", "签名", "签字", "记录人", "记录者", "讨论人员",
    "参加人员", "主刀", "术者", "助手", "其女儿", "其儿子", "其女", "其子", "其妻", "其夫",
    "其母", "其父", "女儿", "儿子", "丈夫", "妻子", "母亲", "父亲", "爱人", "老伴", "孙子",
    "孙女", "监护人", "报告人", "审核人", "申请人", "受检者", "就诊人", "收件人", "医师",
    "医生", "护士", "主任", "查房", "会诊",
)  # fmt: skip
# Three patterns, each starting with a literal or a class, so the engine skips ahead fast.
_ROLE = re.compile("|".join(sorted(_ROLE_TITLES, key=len, reverse=True)))
_AFTER = re.compile(
    rf"(?:{'|'.join(sorted(_CONTEXT, key=len, reverse=True))})[:：\s]*(?P<after>[{_HAN}]{{2,4}})"
)
_PINYIN_NAME = re.compile(
    r"[A-Z](?<![A-Za-z][A-Z])(?P<py1>[a-z]{1,6}|[A-Z]{1,6}),?[ \u00a0]+"
    r"(?P<py2>[A-Z][a-z]{1,12}(?:[ -][A-Za-z][a-z]{1,8})?|[A-Z]{2,12}(?:[ -][A-Z]{2,8})?)"
    r"(?![A-Za-z])"
)
_SPEAKER = re.compile(rf"[ \t]*(?P<speaker>[{_HAN}]{{2,4}})[:：]")
_HAN_TAIL = re.compile(rf"[{_HAN}]{{1,3}}\Z")  # \Z: $ would match before a line break
# Characters that (nearly) never appear in a given name.
_NOT_GIVEN = frozenset(
    "无下上了不的是在有未已曾被将于及或每各其此该这那肢侧部位行眼镜医症氏丙酶转氨旧惹某籍人属"
    "诉述称因后前时中内外左右术查治疗见示予给嘱之代"
)
_END = frozenset("，,、。；;：:）)（( \t\n男女")
# Endings of field labels written like a speaker at a line start (过敏史：, 联系电话：).
_LABEL_ENDS = ("史", "号", "址", "期", "况", "话", "码", "因", "果", "见")
_ROLE_NAMES = frozenset(("医生", "患者", "病人", "家属", "护士", "医师", "大夫", "答", "问"))
# Who speaks or is meant after 患儿/患者/家属 when no name follows (患儿家长：, 患者本人): roles.
_ROLE_WORDS = ("家长", "家属", "妈妈", "爸爸", "母亲", "父亲", "本人", "孩子", "宝宝", "监护人")
# Words before a name and its title that are not a surname (经刘洋医生, 请王主任, 找李医生): a
# three-character run starting with one names the two after it.
_BEFORE_NAME = frozenset("经请找给让被叫问把将对与及跟")
_PINYIN_SURNAMES = frozenset(
    (  # noqa: SIM905 - a word list reads best as text
        "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo "
        "zheng liang xie song tang han feng deng cao peng zeng xiao tian dong yuan pan yu jiang "
        "cai du ye cheng su wei lv lu ding ren shen yao cui zhong tan wan fan jin shi liao jia "
        "xia fu fang bai zou meng xiong qin qiu yin xue yan duan lei hou long tao gu mao hao "
        "gong shao qian dai mo kong xiang chang wen kang niu ge xing an qi yi qiao pang ni "
        "zhuang yue zhai zhan ou geng guan lan jiao zuo gan bao ning shang shu ruan ke ji mei "
        "tong ling bi shan pei huo tu miao sheng qu weng ran you xin chai hua pu teng rao mu ai "
        "si zhuo jian che lian mai chu lou dou cen jing dang fei bu leng xi mi zong gui quan "
        "ying zang min gou bian sui diao sha rong kou sang lang zhen cong ao ming she chi zha "
        "kuang ouyang situ shangguan zhuge sima dongfang huangfu "
        # Hong Kong, Macao and Taiwan romanizations
        "chan wong cheung lee leung lau ng ho chow tsang yeung kwok lam lai fung mak kwan yip "
        "tse siu choi poon law lo hui tam au tsui chiu chung yuen tsai hsu kuo hsieh tseng "
        "chiang chou kao hsiao chien chao chu"
    ).split()
)
_PINYIN = re.compile(
    r"(?:(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|"
    r"ai|ei|ao|ou|an|en|er|in|un|ia|ie|iu|ua|uo|ue|ui|ve|a|o|e|i|u|v))+"
)


# Clinical words that follow 患者 and end a clause, yet start with a surname character.
_CLINICAL = frozenset(
    (  # noqa: SIM905 - a word list reads best as text
        "全般 查体 尚可 甘露醇 常规 一般 平素 安静 清醒 明显 好转 同意 要求 拒绝 "
        "应用 和蔼 和缓 常温 良好 稳定 康复 方可 于今 曾经 经治 管床 主管 值班 "
        "上级 下级 家属 门诊 急诊 过敏"
    ).split()
)


_COMMON = frozenset(s for s, share in names.SURNAME_FREQUENCY.items() if share >= 0.1)
_GIVEN = names.GIVEN_NAME_CHARACTERS


def _name_like(candidate: str, *, ended: bool) -> str | None:
    """The longest prefix of ``candidate`` that may be a name (surname + 1-2 characters).

    Where the name clearly ends (``ended``: punctuation or a sex marker after the whole
    candidate) an ordinary word may be a name (患者王国，男); elsewhere no prefix of the name
    may be an ordinary word (高血压病史). Clinical words never are.
    """
    compound = candidate[:2] in names.COMPOUND_SURNAMES
    if not compound and candidate[:1] not in names.SURNAMES:
        return None
    surname = 2 if compound else 1
    for length in (surname + 2, surname + 1):
        if len(candidate) < length:
            continue
        name = candidate[:length]
        if length > surname + 1 and lexicon.is_two_char_word(candidate[length - 1 : length + 1]):
            continue  # 韩磊签署, 石磊提供: the last character starts the next word
        given = name[surname:]
        if not _NOT_GIVEN.isdisjoint(given) or name in _CLINICAL or name[:2] in _CLINICAL:
            continue
        if not compound and name[0] not in _COMMON and not set(given) <= _GIVEN:
            continue  # 全般, 应予, 和家属: a rare surname needs a given name that looks like one
        if name[:2] in lexicon.MEDICAL_WORDS or name[:3] in lexicon.MEDICAL_WORDS:
            return None
        if ended and length == len(candidate):
            return name
        if not lexicon.is_common_word(name):
            return name
    return None


def _before_role(chars: str) -> int:
    """How many of the last characters of ``chars`` name the person of a role title after
    them (王主任, 李娜护士): a surname alone or a surname and 1-2 characters; 0 if none."""
    for k in range(min(len(chars), 3), 0, -1):
        candidate = chars[len(chars) - k :]
        if k == 1 and candidate in names.SURNAMES:
            return 0 if lexicon.is_two_char_word(chars[-2:]) else 1  # 之后医生: no Mr 后
        if k > 1 and candidate[0] in SPEECH_STARTS and speech_run(candidate):
            continue  # 我去问过心里医生: words of speech, not a name
        if k > 1 and _name_like(candidate, ended=True) == candidate:
            if k == 3 and candidate[0] in _BEFORE_NAME and candidate[1] in names.SURNAMES:
                return 2  # 经刘洋医生: 经 leads the name in, it is not its surname
            return k
    return 0


def recall_hits(text: str) -> list[Hit]:
    """Possible names a precise scan leaves: the ``recall="high"`` candidate pass."""
    hits: list[Hit] = []
    for m in _ROLE.finditer(text):  # 王主任, 李娜护士
        start = m.start()
        run = _HAN_TAIL.search(text, max(0, start - 3), start)
        chars = _after_opener(text, start, run.group()) if run is not None else ""
        k = _before_role(chars) if chars else 0
        if k:
            hits.append(Hit(start - k, start, "PERSON", "recall"))
    for m in _AFTER.finditer(text):  # 联系人：王国，参加讨论人员：王伟、李娜
        _add_candidate(text, m.start("after"), m.end("after"), hits)
    if "：" in text or ":" in text:  # speakers at the start of a line: 王芳：
        line = 0
        while line < len(text):
            said = _SPEAKER.match(text, line)
            speaker = said.group("speaker") if said is not None else ""
            # 张医生： is left to the role pass; 医生： and 患者： are roles, not names
            if speaker and speaker not in _ROLE_NAMES and not speaker.endswith(_ROLE_TITLES):
                _add_candidate(text, said.start("speaker"), said.end("speaker"), hits)  # type: ignore[union-attr]
            nl = text.find("\n", line)
            line = len(text) if nl < 0 else nl + 1
    for m in _PINYIN_NAME.finditer(text):  # ZHAO JIAHUI, Liu, Jing
        first = text[m.start()] + m.group("py1")
        second = m.group("py2")
        if first.lower() in _PINYIN_SURNAMES or second.split()[0].lower() in _PINYIN_SURNAMES:
            words = [first, *re.split("[ -]", second)]
            if all(_PINYIN.fullmatch(w.lower()) for w in words):
                hits.append(Hit(m.start(), m.end("py2"), "PERSON", "recall"))
    return hits


def _after_opener(text: str, start: int, chars: str) -> str:
    """``chars`` (the characters before ``start``) without the part that belongs to a turn's
    opener before them: 谢谢温雅主任 names 温雅, not 谢温雅."""
    window = text[max(0, start - len(chars) - 2) : start]
    for opener in SURNAME_OPENERS:
        i = window.rfind(opener)
        if i >= 0:
            chars = chars[len(chars) - min(len(chars), len(window) - i - len(opener)) :]
    return chars


def _add_candidate(text: str, begin: int, end: int, hits: list[Hit]) -> None:
    """A name at the start of ``text[begin:end]`` (and names listed after it), if any."""
    candidate = text[begin:end]
    if candidate[0] in SPEECH_STARTS and speech_run(candidate):
        return  # 患者：那孩子母亲呢: words of speech, not a name
    if candidate.startswith(_ROLE_WORDS):
        return  # 患儿家长：, 患者本人: a role, not a name
    if candidate.endswith(_LABEL_ENDS) and end < len(text) and text[end] in ":：":
        return  # 过敏史：, 既往史：: a label, not a speaker
    ended = end >= len(text) or text[end] in _END
    name = _name_like(text[begin:end], ended=ended)
    if name is not None:
        hits.append(Hit(begin, begin + len(name), "PERSON", "recall"))
        hits.extend(_listed(text, begin + len(name)))


def _listed(text: str, end: int) -> Sequence[Hit]:
    """Names listed after a candidate: 参加讨论人员：王伟、李娜、张强."""
    found = []
    while text[end : end + 1] in ("、", "，", ","):
        run = re.match(rf"[{_HAN}]{{2,4}}", text[end + 1 : end + 6])
        if run is None:
            break
        after = end + 1 + len(run.group())
        name = _name_like(run.group(), ended=after >= len(text) or text[after] in _END)
        if name is None:
            break
        found.append(Hit(end + 1, end + 1 + len(name), "PERSON", "recall"))
        end += 1 + len(name)
    return found
