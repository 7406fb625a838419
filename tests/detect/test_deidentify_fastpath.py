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
