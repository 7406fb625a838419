"""Tests for the column path of deidentify_text: known values looked for only where a note may
hold them, forms computed once per distinct value, deferred kinds, the garbage collector."""

from __future__ import annotations

import gc
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.cn import names, phone, resident_id
from medguard.detect import deidentify_text
from medguard.detect._deid_find import (
    Known,
    Pending,
    date_hits,
    dates_blind_to,
    forms_of,
    known_hits,
    live_parts,
    pending,
)
from medguard.errors import InvalidArgument
from medguard.testing.keyrings import fixed_keyring
from medguard.testing.synthetic import synthetic_extract

KEYRING = fixed_keyring()
ID = "11010519850314" + "123"
ID += resident_id.check_character(ID)
ID_X = "11010519850314" + "003"
ID_X += resident_id.check_character(ID_X)

# Visit notes as a hospital system writes them from a template, one row per visit: each holds
# its own patient's name and phone; the other columns (ID, e-mail, visit number) mostly not.
ROWS = [
    ("患者张伟明因头痛三天于2025-03-02来院就诊，联系电话13912345678。", "张伟明", ID,
     ["13912345678", "010-62751234"], "zwm@163.com", "ZY2025-0001"),
    ("患者李娜因咳嗽于2025-03-05来院就诊，身份证后六位" + ID_X[-6:] + "，邮箱LN@QQ.COM。", "李娜",
     ID_X, ["13800001111"], "ln@qq.com", "zy2025-0002"),
    ("复诊：患者张伟明血压平稳，住院号zy2025-0001，电话6275 1234，尾号5678。", "张伟明", ID,
     ["13912345678", "010-62751234"], "zwm@163.com", "ZY2025-0001"),
    ("患者王芳，生于1985年3月14日，老王陪同。", "王芳", ID, ["13912345678"], None, "ZY2025-0003"),
    ("无特殊。", None, None, None, None, None),
]  # fmt: skip
NOTES = [r[0] for r in ROWS]
KNOWN = {
    "name": [r[1] for r in ROWS],
    "resident_id": [r[2] for r in ROWS],
    "phone": [r[3] for r in ROWS],
    "email": [r[4] for r in ROWS],
    "record_number": [r[5] for r in ROWS],
}


def _row(i: int) -> dict[str, object]:
    return {k: v[i] for k, v in KNOWN.items() if v[i] is not None}


@pytest.mark.parametrize("mode", ["mask", "tag", "surrogate", "redact"])
@pytest.mark.parametrize("dates", ["keep", "shift"])
def test_a_column_gives_what_each_note_alone_gives(mode, dates):
    """The column path (values shared across rows, deferred kinds, the scan memo) gives each
    note exactly what one call per note gives."""
    options = {"mode": mode, "dates": dates, "keyring": KEYRING, "context": "c"}
    subjects = ["P1", "P2", "P1", "P3", "P4"]
    if dates == "shift":
        options["subject"] = subjects
    column, report = deidentify_text(NOTES * 3, known={k: v * 3 for k, v in KNOWN.items()},
                                     spans=True, **{**options, "subject": subjects * 3}
                                     if dates == "shift" else options)  # fmt: skip
    for i, note in enumerate(NOTES * 3):
        one = dict(options)
        if dates == "shift":
            one["subject"] = subjects[i % 5]
        alone, single = deidentify_text(note, known=_row(i % 5), spans=True, **one)
        assert column[i] == alone
        assert report.spans[i] == single.spans[0]


def test_deferred_kinds_are_found_in_any_case_and_every_partial_form():
    """Visit numbers and e-mails in another case, an ID's last six digits, a landline's
    subscriber number and a mobile's tail after 尾号 are all removed."""
    out, _ = deidentify_text(NOTES, mode="tag", known=KNOWN)
    assert "zy2025-0001" not in out[2]
    assert "[病历号]" in out[2]
    assert "LN@QQ.COM" not in out[1]
    assert "[邮箱]" in out[1]
    assert ID_X[-6:] not in out[1]
    assert "6275 1234" not in out[2]
    assert "5678" not in out[2]
    assert "1985年3月14日" not in out[3]
    assert out[4] == "无特殊。"


def test_values_a_note_cannot_hold_are_not_looked_for():
    """live_parts keeps only the values whose forms may occur (a substring test each)."""
    cache: dict[tuple[str, str], Known] = {}
    row = tuple(
        (p,) for p in (
            pending("name", "张伟明", cache), pending("resident_id", ID, cache),
            pending("email", "zwm@163.com", cache), pending("record_number", "ZY1", cache),
            pending("phone", "13912345678", cache),
        )
    )  # fmt: skip
    assert isinstance(row[1][0], Pending)
    assert isinstance(row[3][0], Pending)
    live = live_parts("患者张伟明复诊。", row, cache)
    assert [p.names[0][0] for p in live] == ["张伟明"]
    live = live_parts("电话139 1234 5678，编号zy1。", row, cache)
    assert len(live) == 2
    assert all(isinstance(p, Known) for p in live)
    assert live_parts("手机尾号5678", row, cache)[-1].tails  # the tail needs its context only


def test_a_deferred_value_finds_what_its_forms_find():
    """A Pending value, once live, finds exactly what its forms found before deferral."""
    text = f"身份证{ID[:6]} {ID[6:14]} {ID[14:]}，旧号{ID[:6]}{ID[8:17]}，"
    text += f"末6位{ID[-6:]}，尾号{ID[-4:]}。"
    eager = forms_of("resident_id", ID)
    deferred = pending("resident_id", ID)
    assert isinstance(deferred, Pending)
    assert eager is not None
    live = live_parts(text, ((deferred,),), {})
    assert known_hits(text, live) == known_hits(text, eager)
    assert len(known_hits(text, eager)) >= 4


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was(enabled):
    """A column run pauses the cyclic collector and leaves it as it found it, errors too."""
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        deidentify_text(NOTES, known=KNOWN)
        assert gc.isenabled() is enabled
        with pytest.raises(InvalidArgument):
            deidentify_text(NOTES, known={"name": ["x"]})
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()


# -- the column call equals one call per note, on generated batches --------------------------

_FRAGMENTS = (
    "患者", "因头痛三天", "于", "2025-03-02", "2025年3月2日", "3月12日", "20250302", "来院就诊",
    "，", "。", "：", "、", "联系电话", "尾号", "先生", "女士", "老", "小", "男", "女", "住址",
    "北京市海淀区中关村大街27号", "入院日期", "出生日期", "1985年3月14日", "身份证", "住院号",
    "ZY2025-0001", "电话", "010-62751234", "(010)6275 1234", "王芳", "高洁", "张伟明", "\n",
    " ", "9", "0", "1", "-", "医生", "查房", "家属", "邮箱", "LN@QQ.COM", "岁", "90岁",
)  # fmt: skip


@st.composite
def _batch(draw: st.DrawFn) -> tuple[list[str], dict[str, list[object]], list[object]]:
    """Notes from note-like fragments with their rows' own values planted in them, rows that
    share patients (so values, notes and memo entries repeat), nulls here and there."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    people = []
    for p in range(draw(st.integers(1, 4))):
        rid = resident_id.generate(rng)
        people.append({
            "name": names.generate(rng), "resident_id": rid, "phone": [phone.generate(rng),
            "010-62751234"], "email": f"p{p}@qq.com", "record_number": [f"ZY2025-000{p}"],
        })  # fmt: skip
    notes: list[str] = []
    known: dict[str, list[object]] = {k: [] for k in people[0]}
    subjects: list[object] = []
    for _ in range(draw(st.integers(1, 8))):
        who = draw(st.integers(0, len(people) - 1))
        person = people[who]
        pieces = draw(st.lists(st.sampled_from(_FRAGMENTS), max_size=12))
        planted = [
            person["name"],
            names.split_name(person["name"])[0] + "先生",  # type: ignore[arg-type]
            person["phone"][0],
            person["resident_id"],
            person["email"],  # type: ignore[index]
            str(person["resident_id"])[-6:],
            str(person["phone"][0])[-4:],  # type: ignore[index]
        ]
        for value in draw(st.lists(st.sampled_from(planted), max_size=3)):
            pieces.insert(draw(st.integers(0, len(pieces))), value)
        notes.append("".join(pieces))
        for kind, column in known.items():
            column.append(None if draw(st.integers(0, 9)) == 0 else person[kind])
        subjects.append(None if draw(st.integers(0, 9)) == 0 else f"P{who}")
    return notes, known, subjects


@settings(max_examples=60, deadline=None)
@given(
    batch=_batch(),
    mode=st.sampled_from(["mask", "tag", "surrogate", "redact"]),
    dates=st.sampled_from(["keep", "shift", "generalize"]),
    recall=st.sampled_from(["precise", "high"]),
)
def test_a_generated_column_gives_what_each_note_alone_gives(batch, mode, dates, recall):
    """Whatever the notes, modes and dates: the column call (memos, deferred kinds, shared
    forms) gives each note the output, spans and counts one call per note gives."""
    notes, known, subjects = batch
    options = {"mode": mode, "dates": dates, "recall": recall, "keyring": KEYRING,
               "context": "c"}  # fmt: skip
    shift = {"subject": subjects} if dates == "shift" else {}
    column, report = deidentify_text(notes, known=known, spans=True, **shift, **options)
    found: dict[str, int] = {}
    for i, note in enumerate(notes):
        row = {k: v[i] for k, v in known.items() if v[i] is not None}
        if dates == "shift" and subjects[i] is None:  # a null subject: a column of one note
            out, single = deidentify_text([note], known=[row], subject=[None], spans=True,
                                          **options)  # fmt: skip
            alone = out[0]
        else:
            one = {"subject": subjects[i]} if dates == "shift" else {}
            alone, single = deidentify_text(note, known=row or None, spans=True, **one, **options)
        assert column[i] == alone
        assert report.spans[i] == single.spans[0]
        for entity, count in single.found.items():
            found[entity] = found.get(entity, 0) + count
    assert report.found == found


def test_the_visit_table_column_gives_what_each_note_alone_gives():
    """The pipelines benchmark's note column (tag, every known field, dates shifted per
    patient), 300 rows: the column call equals one call per note."""
    people, visits, _ = synthetic_extract(100, seed=7)
    rows = visits.merge(people, on="patient_id").iloc[:300]
    notes = [
        f"患者{name}因头痛三天于{day}来院就诊，查体未见明显异常，嘱按时服药并复查，联系电话{mobile}。"
        for name, day, mobile in zip(rows["name"], rows["visit_date"].astype(str),
                                     rows["mobile"], strict=True)
    ]  # fmt: skip
    known = {
        "name": rows["name"].tolist(),
        "resident_id": rows["resident_id"].tolist(),
        "phone": [list(p) for p in zip(rows["mobile"], rows["landline"], strict=True)],
        "email": rows["email"].tolist(),
        "address": rows["address"].tolist(),
        "record_number": [[p, v] for p, v in zip(rows["patient_id"], rows["visit_id"],
                                                  strict=True)],
    }  # fmt: skip
    subjects = rows["patient_id"].tolist()
    options = {"mode": "tag", "dates": "shift", "max_days": 30, "keyring": KEYRING,
               "context": "bench"}  # fmt: skip
    column, _ = deidentify_text(notes, known=known, subject=subjects, **options)
    for i, note in enumerate(notes):
        row = {k: v[i] for k, v in known.items()}
        alone, _ = deidentify_text(note, known=row, subject=subjects[i], **options)
        assert column[i] == alone
    assert not any(name in out for name, out in zip(known["name"], column, strict=True))


_DATE_TEXT = st.text(alphabet="0123456789-/.年月日号于期生入院 ，张王伟芳DOBat\n", max_size=40)


@settings(max_examples=400, deadline=None)
@given(text=_DATE_TEXT, cuts=st.lists(st.tuples(st.integers(0, 40), st.integers(1, 14)),
                                      max_size=3))  # fmt: skip
def test_dates_are_reused_only_where_blanking_cannot_change_them(text, cuts):
    """When dates_blind_to says so, the dates of a note and of the note with the spans blanked
    are the same (the memo of dates by blanked text relies on it)."""
    spans = [(s, min(len(text), s + n)) for s, n in cuts if s < len(text)]
    blanked = text
    for start, end in spans:
        blanked = blanked[:start] + " " * (end - start) + blanked[end:]
    if dates_blind_to(text, spans):
        assert date_hits(text) == date_hits(blanked)


def test_a_phone_run_is_blind_a_name_with_a_date_word_is_not():
    """A whole run of a mobile's digits between non-date characters is invisible to dates; a
    name holding 于 (a date word) or a digit run glued to a date is not."""
    note = "患者于洋于2025-03-02来院，电话13912345678。"
    assert dates_blind_to(note, [(note.index("13912345678"), note.index("13912345678") + 11)])
    assert not dates_blind_to(note, [(2, 4)])
    glued = "2025-03-0213912345678"
    assert not dates_blind_to(glued, [(10, 21)])
