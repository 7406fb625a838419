"""The fast roads of deidentify_text give what the plain roads give.

- known values given column by column (a mapping of kind to column: one pass per column over
  the notes) vs the same values row by row (a list of mappings: each row's values tested
  against its note on their own);
- lists of values in a column (a row's phones) vs their values given one by one.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.cn import address, names, phone, resident_id
from medguard.detect import deidentify_text
from medguard.testing.keyrings import fixed_keyring

KEYRING = fixed_keyring()
_MODES = ("mask", "tag", "surrogate", "redact")

_FILLER = st.text(
    alphabet="患者因头痛于来院就诊，查体未见异常电话尾号先生老小住址出生日期年月日"
    "0123456789-/. 、（）Xx@",
    max_size=20,
)


@st.composite
def _visits(draw: st.DrawFn) -> tuple[list[object], dict[str, list[object]], list[str]]:
    """Notes holding their rows' values (and others' values, nulls, numbers, non-text notes);
    known values as a visit table's columns give them."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    people = [
        {
            "name": names.generate(rng),
            "resident_id": resident_id.generate(rng),
            "mobile": phone.generate(rng),
            "landline": rng.choice(["010-62345678", "0755-8123456", "(021)64012345", "", None]),
            "email": rng.choice(["zhang.wei@example.com", "LI@QQ.COM", None]),
            "address": address.generate(rng),
            "patient": f"P{rng.randint(0, 999):08d}",
        }
        for _ in range(draw(st.integers(1, 4)))
    ]
    n = draw(st.integers(1, 12))
    notes: list[object] = []
    known: dict[str, list[object]] = {k: [] for k in (
        "name", "resident_id", "phone", "email", "address", "record_number")}  # fmt: skip
    subjects = []
    for i in range(n):
        p = rng.choice(people)
        other = rng.choice(people)
        rid, mobile = p["resident_id"], p["mobile"]
        surname, given_name = names.split_name(p["name"])
        pieces = [
            p["name"], given_name, f"{surname}先生", mobile, f"{mobile[:3]}-{mobile[3:7]}-"
            f"{mobile[7:]}", f"尾号{mobile[-4:]}", rid, f"{rid[:6]} {rid[6:14]} {rid[14:]}",
            rid[6:14], f"{rid[6:10]}年{int(rid[10:12])}月{int(rid[12:14])}日", p["address"],
            p["landline"] or "", p["email"] or "", p["patient"], f"V{i:08d}".lower(),
            other["name"], other["mobile"], "2025-03-04", "3月5日",
            f"{mobile[:6]}{p['name']}{mobile[6:]}",  # redacting the name re-creates the phone
        ]  # fmt: skip
        text = "".join(draw(_FILLER) + rng.choice(pieces) for _ in range(draw(st.integers(0, 5))))
        notes.append(rng.choice([text, text, text, None, 12345]) if draw(st.booleans()) else text)
        known["name"].append(rng.choice([p["name"], p["name"], None, ""]))
        known["resident_id"].append(rng.choice([rid, rid, None, 110105198503141234]))
        known["phone"].append(rng.choice([
            [mobile, p["landline"]] if p["landline"] else [mobile], [mobile], [], None, mobile,
        ]))  # fmt: skip
        known["email"].append(p["email"])
        known["address"].append(rng.choice([p["address"], None]))
        known["record_number"].append(rng.choice([[p["patient"], f"V{i:08d}"], p["patient"]]))
        subjects.append(p["patient"])
    return notes, known, subjects


def _rows(known: dict[str, list[object]]) -> list[dict[str, object]]:
    n = len(next(iter(known.values())))
    return [{k: v[i] for k, v in known.items()} for i in range(n)]


@settings(max_examples=150, deadline=None)
@given(
    visits=_visits(),
    mode=st.sampled_from(_MODES),
    dates=st.sampled_from(["keep", "shift", "generalize"]),
    recall=st.sampled_from(["precise", "high"]),
)
def test_known_by_column_equals_known_by_row(visits, mode, dates, recall):
    """Known values as columns (tested column by column) give the outputs, counts and spans
    the same values give row by row."""
    notes, known, subjects = visits
    common = {"keyring": KEYRING, "context": "fast", "mode": mode, "dates": dates,
              "recall": recall, "subject": subjects, "spans": True}  # fmt: skip
    out_columns, report_columns = deidentify_text(notes, known=known, **common)
    out_rows, report_rows = deidentify_text(notes, known=_rows(known), **common)
    assert out_columns == out_rows
    assert report_columns == report_rows
    assert report_columns.spans == report_rows.spans


@settings(max_examples=60, deadline=None)
@given(visits=_visits(), mode=st.sampled_from(_MODES))
def test_a_column_equals_its_notes_one_by_one(visits, mode):
    """A column call gives each note what a call on that note alone gives."""
    notes, known, _ = visits
    out, _ = deidentify_text(notes, known=known, mode=mode, keyring=KEYRING, context="one")
    for i, row in enumerate(_rows(known)):
        if not isinstance(notes[i], str):
            continue
        alone, _ = deidentify_text(notes[i], known=row, mode=mode, keyring=KEYRING,
                                   context="one")  # fmt: skip
        assert out[i] == alone


def test_the_guard_reads_every_column_of_the_row():
    """A value re-created by joining what a removed span held apart is tagged, whichever
    column holds it, as row by row (the guard tests each column's values in its own pass)."""
    notes = ["电话138123张伟明45678", "电话138123张伟明45678", "无"]
    known = {
        "name": ["张伟明", "张伟明", "张伟明"],
        "phone": [["13812345678"], None, "13812345678"],
        "record_number": ["A1", "B2", None],
    }
    rows = [{k: v[i] for k, v in known.items()} for i in range(3)]
    by_column, _ = deidentify_text(notes, known=known, mode="redact")
    by_row, _ = deidentify_text(notes, known=rows, mode="redact")
    assert by_column == by_row == ["电话[电话]", "电话13812345678", "无"]


# -- lazy forms: an address or landline's forms are computed only when its note may hold them

_ADDRESS_PIECES = st.sampled_from([
    "北京市", "朝阳区", "建国路", "88号", "阳光花园小区", "3栋", "2单元", "1906室", "河北省",
    "保定市", "涞水县", "永阳镇", "闹海营村", "五组", "香港", "九龙", "弥敦道", "号", "村",
    "新村", "大厦", "公寓", " ", "中山街646号21栋405室", "朔城区", "A座", "12",
])  # fmt: skip


@st.composite
def _address(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return address.generate(random.Random(draw(st.integers(0, 2**32))))
    return "".join(draw(st.lists(_ADDRESS_PIECES, min_size=1, max_size=7)))


_LANDLINE = st.one_of(
    st.from_regex(r"0[0-9]{2,3}-?[2-9][0-9]{6,7}", fullmatch=True),
    st.sampled_from(["010-62345678", "0755-8123456", "0086-23456789", "02112345678"]),
)


def _pieces_of(value: str, draw: st.DrawFn) -> str:
    """A note made of pieces of ``value`` (its ends, its middle) and other text."""
    full = "".join(value.split())
    cuts = sorted(draw(st.lists(st.integers(0, len(full)), min_size=2, max_size=2)))
    end = full[cuts[0] :] if draw(st.booleans()) else ""
    return draw(_FILLER) + full[cuts[0] : cuts[1]] + draw(_FILLER) + end


@settings(max_examples=300, deadline=None)
@given(data=st.data(), kind=st.sampled_from(["address", "phone"]))
def test_lazy_forms_find_what_eager_forms_find(data, kind):
    """A value deferred by its kind's cheap tests is live in exactly the notes where its
    forms, computed at once, are."""
    from medguard.detect import _deid_find

    value = data.draw(_address() if kind == "address" else _LANDLINE)
    lazy = _deid_find.pending(kind, value, {})
    eager = _deid_find.forms_of(kind, value, {})
    forms = (*eager.plain, *eager.numbers) if eager is not None else ()
    note = data.draw(st.one_of(
        st.builds(lambda v: _pieces_of(v, data.draw), st.just(value)),
        _FILLER,
        *([st.sampled_from(forms).map(lambda f: data.draw(_FILLER) + f)] if forms else []),
    ))  # fmt: skip
    assert (lazy is None) == (eager is None)
    if lazy is None or eager is None:
        return
    assert _deid_find.live_parts(note, ((lazy,),), {}) == _deid_find.live_parts(
        note, ((eager,),), {}
    )
    # the guard's first test: the deferred value's guards say yes whenever its forms' do
    assert not any(g in note for g in eager.guards) or any(g in note for g in lazy.guards)


@settings(max_examples=80, deadline=None)
@given(visits=_visits(), mode=st.sampled_from(_MODES))
def test_lazy_and_eager_forms_give_the_same_outputs(visits, mode):
    """deidentify_text with every value's forms computed at once gives the same outputs."""
    from medguard.detect import _deid_find

    notes, known, subjects = visits
    common = {"keyring": KEYRING, "context": "lazy", "mode": mode, "dates": "shift",
              "subject": subjects, "spans": True}  # fmt: skip
    lazy = deidentify_text(notes, known=known, **common)
    _deid_find.LAZY = False
    try:
        eager = deidentify_text(notes, known=known, **common)
    finally:
        _deid_find.LAZY = True
    assert lazy[0] == eager[0]
    assert lazy[1] == eager[1]
    assert lazy[1].spans == eager[1].spans


# -- notes written from one template share their merged spans (_Run.memo)


@st.composite
def _templated(draw: st.DrawFn) -> tuple[list[object], dict[str, list[object]], list[str]]:
    """Notes written from a few templates, each row's own values in the slots, plus slots
    that hold the value glued to digits or dates, or another row's values."""
    templates = draw(st.lists(st.lists(_FILLER, min_size=2, max_size=4), min_size=1,
                              max_size=3))  # fmt: skip
    rng = random.Random(draw(st.integers(0, 2**32)))
    notes: list[object] = []
    known: dict[str, list[object]] = {"name": [], "phone": [], "resident_id": []}
    subjects = []
    for i in range(draw(st.integers(2, 16))):
        name, mobile, rid = names.generate(rng), phone.generate(rng), resident_id.generate(rng)
        slots = [name, mobile, rid[6:14], f"{rid[6:10]}-{rid[10:12]}-{rid[12:14]}",
                 f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}", "张伟", "13800000000",
                 f"{names.split_name(name)[0]}女士", f"{mobile}5", f"9{mobile}"]  # fmt: skip
        template = rng.choice(templates)
        notes.append("".join(p + rng.choice(slots[:2] if rng.random() < 0.7 else slots)
                             for p in template))  # fmt: skip
        known["name"].append(name)
        known["phone"].append(mobile)
        known["resident_id"].append(rid)
        subjects.append(f"P{i % 3}")
    return notes, known, subjects


@settings(max_examples=150, deadline=None)
@given(
    visits=_templated(),
    mode=st.sampled_from(["mask", "tag", "redact"]),
    dates=st.sampled_from(["keep", "shift", "generalize"]),
)
def test_shared_layouts_give_what_each_note_gives(visits, mode, dates):
    """Notes blanked alike share their merged spans; the outputs, counts and spans are those
    of reading every note on its own (the memo off)."""
    from medguard.detect import deidentify as module

    notes, known, subjects = visits
    common = {"keyring": KEYRING, "context": "memo", "mode": mode, "dates": dates,
              "subject": subjects, "spans": True, "known": known}  # fmt: skip
    shared = deidentify_text(notes, **common)
    module._Run.memo = False
    try:
        alone = deidentify_text(notes, **common)
    finally:
        module._Run.memo = True
    assert shared[0] == alone[0]
    assert shared[1] == alone[1]
    assert shared[1].spans == alone[1].spans


# -- digit runs: only those a row's known values or the grouped numbers can be in

_DIGITS_TEXT = st.text(alphabet="0123456789Xx -.()（）尾号后四位电话身份证", max_size=60)


@settings(max_examples=400, deadline=None)
@given(
    text=_DIGITS_TEXT,
    values=st.lists(
        st.tuples(
            st.sampled_from(["phone", "resident_id", "bank_card"]),
            st.from_regex(r"[0-9]{4,19}[Xx]?", fullmatch=True),
        ),
        max_size=3,
    ),
    seed=st.integers(0, 2**16),
)
def test_fewer_digit_runs_find_the_same(text, values, seed):
    """The runs run_pattern keeps give the same known and grouped hits as every run."""
    from medguard.detect import _deid_find

    rng = random.Random(seed)
    live = [k for kind, v in values if (k := _deid_find.forms_of(kind, v, {})) is not None]
    for part in live:  # plant the values (and their last digits) in the text
        number = rng.choice(part.numbers) if part.numbers else ""
        cut = rng.randint(0, len(text))
        text = (
            text[:cut]
            + rng.choice([number, number[-4:], f"{number[:3]} {number[3:]}"])
            + text[cut:]
        )
    every = _deid_find.digit_runs(text)
    fewer = _deid_find.digit_runs(text, pattern=_deid_find.run_pattern(live, text))
    assert set(fewer) <= set(every)
    assert _deid_find.known_hits(text, live, fewer) == _deid_find.known_hits(text, live, every)
    assert _deid_find.grouped_hits(text, fewer) == _deid_find.grouped_hits(text, every)


def test_record_numbers_no_note_can_hold_are_dropped_but_found_where_held():
    """A record number or e-mail holding a character no note holds is not kept for the
    row (it cannot be live and has no guard form); one a note holds, even in full-width or
    lower case, is still removed."""
    notes = ["复诊，编号ｖ０００１２", "复诊，编号v00012", "复诊"]
    known = {"record_number": ["V00012", "V00012", "P00013"], "email": [None, "A@B.CN", None]}
    out, _ = deidentify_text(notes, known=known, mode="tag")
    rows, _ = deidentify_text(notes, known=[{k: v[i] for k, v in known.items()}
                                            for i in range(3)], mode="tag")  # fmt: skip
    assert out == rows == ["复诊，编号[病历号]", "复诊，编号[病历号]", "复诊"]


# -- a surname with an honorific (张先生) or after 老/小, found without a pattern per surname


def _surname_hits_by_pattern(text: str, surname: str) -> list[tuple[int, int]]:
    """The former finder, kept as the oracle: one compiled pattern per surname."""
    import re

    from medguard.detect import _deid_find

    after = "|".join(_deid_find.HONORIFICS)
    name = re.escape(surname)
    pattern = re.compile(rf"{name}(?:(?<=[老小]{name})|(?=(?:{after})))")
    found = []
    for m in pattern.finditer(text):
        start = m.start()
        if start and text[start - 1] in "老小":
            words = _deid_find._prefix_words()
            if text[start - 1 : start + 1] in words or text[start - 1 : start + 2] in words:
                continue
        found.append((start, m.end()))
    return found


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet="张欧阳老小先生女士姐哥时于叶明伟阿姨，。 ", max_size=40),
    surname=st.sampled_from(["张", "欧阳", "阳", "叶", "时"]),
)
def test_surname_forms_are_found_where_the_pattern_found_them(text, surname):
    """known_hits finds 张先生, 老张, 小叶 where a pattern per surname did, and skips the
    same words (小时, 小叶增生)."""
    from medguard.detect import _deid_find

    given_name = "明伟"
    known = _deid_find.forms_of("name", surname + given_name, {})
    assert known is not None
    assert known.names[0][1] == surname
    hits = _deid_find.known_hits(text, known)
    got = [(h.start, h.end) for h in hits if h.part == "surname"]
    assert got == _surname_hits_by_pattern(text, surname)
