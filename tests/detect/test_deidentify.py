"""Tests for deidentify_text: hand-written notes, known values, modes, dates, columns, errors."""

from __future__ import annotations

import datetime as dt
import pickle
import re

import numpy as np
import pytest

import medguard
from medguard.cn import resident_id
from medguard.detect import DeidentifyText, deidentify_text
from medguard.detect.deidentify import TAGS, DeidentifyReport, replacement
from medguard.errors import InvalidArgument, MedguardError, PolicyError, UnsupportedColumn
from medguard.ops.date_shift import DateShift
from medguard.ops.pseudonymize_name import PseudonymizeName
from medguard.ops.pseudonymize_phone import PseudonymizePhone
from medguard.ops.pseudonymize_resident_id import PseudonymizeResidentID
from medguard.testing.keyrings import fixed_keyring

KEYRING = fixed_keyring()
CONTEXT = "research-2026"
ID = "11010519850314" + "123"
ID += resident_id.check_character(ID)
ID2 = "32010219720912" + "557"
ID2 += resident_id.check_character(ID2)
PHONE = "13912345678"
NAME = "张伟明"
ADDRESS = "北京市朝阳区建国路88号院3号楼2单元501"
KNOWN = {"name": [NAME], "resident_id": [ID], "phone": [PHONE], "address": [ADDRESS]}

# A note as an admission clerk and a resident would write it: the header repeats the row's
# columns, the history uses the partial forms people really use.
NOTE = (
    "姓名：张伟明  性别：男  年龄：40岁  身份证号：110105 19850314 " + ID[-4:] + "\n"
    "联系电话：139-1234-5678  住址：北京市朝阳区建国路88号院3号楼2单元501\n"
    "主诉：反复胸闷3年，加重2天。\n"
    "现病史：张先生3年前无明显诱因出现胸闷，伟明自述活动后加重。出生日期1985年3月14日。"
    "2025-01-03于我院门诊就诊，家属（手机尾号5678）陪同。现住建国路88号院。\n"
    "既往史：高血压病史10年，血糖5.6mmol/L。"
)


def _leaks(text: str) -> list[str]:
    """The planted values (and their partial forms) still in ``text``."""
    digits = re.sub(r"[\s\-]", "", text)
    forms = [NAME, NAME[1:], PHONE, ID, ID[6:14], "1985-03-14", "1985年3月14日", "建国路88号"]
    found = [f for f in forms if f in text]
    found += [f for f in (PHONE, ID) if f in digits and f not in found]
    return found


def _outside(text: str, spans: tuple, *, out: bool) -> list[str]:
    """The pieces of ``text`` between the spans (input offsets, or output ones with ``out``)."""
    pieces, pos = [], 0
    for s in spans:
        start, end = (s.out_start, s.out_end) if out else (s.start, s.end)
        pieces.append(text[pos:start])
        pos = end
    pieces.append(text[pos:])
    return pieces


@pytest.mark.parametrize("mode", ["mask", "tag", "surrogate", "redact"])
def test_known_values_and_their_partial_forms_leave_no_trace(mode):
    """Every mode removes the row's name, ID, phone and address and their partial forms."""
    assert _leaks(NOTE)  # the check itself sees the planted values
    out, report = deidentify_text(
        [NOTE], keyring=KEYRING, context=CONTEXT, known=KNOWN, mode=mode, spans=True
    )
    assert _leaks(out[0]) == []
    assert report.found["PERSON"] >= 3
    assert report.found["PHONE_NUMBER"] == 2  # the number and its last four after 尾号


@pytest.mark.parametrize("mode", ["mask", "tag", "surrogate", "redact"])
def test_text_outside_the_spans_is_unchanged(mode):
    """Only the spans change: the text between them is the input's, piece for piece."""
    out, report = deidentify_text(
        NOTE, keyring=KEYRING, context=CONTEXT, known=KNOWN, mode=mode, spans=True
    )
    spans = report.spans[0]
    assert _outside(NOTE, spans, out=False) == _outside(out, spans, out=True)
    assert "高血压病史10年，血糖5.6mmol/L。" in out


@pytest.mark.parametrize("name", ["王国", "高洁", "白天", "苏宁", "成军"])
def test_names_that_are_ordinary_words_are_removed_when_known(name):
    """A known name that is also a word (王国, 白天) goes, even where the scanner cannot tell."""
    note = f"患者{name}，男，56岁。{name}诉头晕。"
    out, _ = deidentify_text(note, known={"name": name}, mode="tag")
    assert name not in out
    assert out == "患者[姓名]，男，56岁。[姓名]诉头晕。"


def test_the_usual_partial_forms_of_a_known_name():
    """张先生, 张女士, 张老师, 张阿姨, 老张, 小张 and the given name alone are the known person."""
    note = "张先生、张女士、张老师、张阿姨、老张和小张都提到伟明。"
    out, _ = deidentify_text(note, known={"name": "张伟明"}, mode="tag")
    assert out == "[姓名]先生、[姓名]女士、[姓名]老师、[姓名]阿姨、老[姓名]和小[姓名]都提到[姓名]。"


def test_words_starting_with_xiao_or_lao_are_not_surnames():
    """A known surname 时 or 于 does not eat 小时 or 小于."""
    note = "每2小时复查，血钾小于3.5mmol/L，对于老年人，时先生同意。"
    out, _ = deidentify_text(note, known={"name": ["时磊", "于洋"]}, mode="tag")
    assert out == "每2小时复查，血钾小于3.5mmol/L，对于老年人，[姓名]先生同意。"


def test_surname_kept_by_masks_but_replaced_by_surrogates():
    """Masks keep the surname (their convention); a surrogate takes the surrogate's surname."""
    note = "张先生诉胸闷，伟明否认外伤。"
    masked, _ = deidentify_text(note, known={"name": NAME})
    assert masked == "张先生诉胸闷，**否认外伤。"
    surrogate = PseudonymizeName(KEYRING, CONTEXT).apply(NAME)
    out, _ = deidentify_text(
        note, keyring=KEYRING, context=CONTEXT, known={"name": NAME}, mode="surrogate"
    )
    assert out == f"{surrogate[0]}先生诉胸闷，{surrogate[1:]}否认外伤。"


def test_phone_last_digits_only_after_their_context():
    """尾号5678 is the known phone; 5678 as a count elsewhere is not."""
    note = "手机尾号5678，后四位5678，血小板5678个。"
    out, _ = deidentify_text(note, known={"phone": PHONE}, mode="tag")
    assert out == "手机尾号[电话]，后四位[电话]，血小板5678个。"


@pytest.mark.parametrize(
    "written", ["19850314", "1985-03-14", "1985年3月14日", "1985.03.14", "1985/3/14"]
)
def test_birth_date_of_a_known_id_is_removed_even_when_dates_are_kept(written):
    """The ID's birth date is personal data in every written form; other dates stay."""
    note = f"出生日期：{written}，2025-01-03入院。"
    out, _ = deidentify_text(note, known={"resident_id": ID}, mode="tag")
    assert out == "出生日期：[日期]，2025-01-03入院。"


def test_id_grouped_lowercase_and_its_tail():
    """A known ID written in groups with a lowercase x, and its last six characters, go."""
    rid = next(
        n
        for s in range(100, 999)
        if (n := f"11010519850314{s}" + resident_id.check_character(f"11010519850314{s}")).endswith(
            "X"
        )
    )
    grouped = f"{rid[:6]}-{rid[6:14]}-{rid[14:17]}x"
    note = f"身份证：{grouped}，身份证后六位{rid[-6:-1]}x。"
    out, _ = deidentify_text(note, known={"resident_id": rid}, mode="tag")
    assert out == "身份证：[身份证号]，身份证后六位[身份证号]。"


def test_address_road_part_is_removed():
    """The address's road and number part goes wherever it stands on its own."""
    note = "现住朝阳区建国路88号院3号楼2单元501，常去建国路88号院散步。"
    out, _ = deidentify_text(note, known={"address": ADDRESS}, mode="tag")
    assert "建国路88号" not in out
    assert out.endswith("散步。")


def test_tags_are_one_chinese_word_per_type():
    """Tag mode writes [姓名], [电话], [身份证号] for scanner findings too."""
    note = f"患者李娜，女，电话13812345678，身份证号{ID2}。"
    out, _ = deidentify_text(note, mode="tag")
    assert out == "患者[姓名]，女，电话[电话]，身份证号[身份证号]。"
    assert TAGS["PERSON"] == "[姓名]"


def test_redact_removes_or_leaves_the_placeholder():
    """redact removes the span; a placeholder, when given, stands in its place."""
    note = "患者李娜，女，电话13812345678。"
    assert deidentify_text(note, mode="redact")[0] == "患者，女，电话。"
    out, _ = deidentify_text(note, mode="redact", placeholder="█")
    assert out == "患者█，女，电话█。"


def test_surrogates_are_consistent_across_notes_and_with_the_columns():
    """The same name, phone and ID give the same surrogates in every note and in the columns."""
    notes = [
        f"患者张伟明，男，电话{PHONE}，身份证号{ID}。",
        f"张伟明今日复诊，联系电话139 1234 5678，证件{ID}。",
    ]
    known = {"name": [NAME, NAME], "phone": [PHONE, PHONE], "resident_id": [ID, ID]}
    out, report = deidentify_text(
        notes, keyring=KEYRING, context=CONTEXT, known=known, mode="surrogate"
    )
    name = PseudonymizeName(KEYRING, CONTEXT).apply([NAME])[0]
    phone = PseudonymizePhone(KEYRING, CONTEXT).apply([PHONE])[0]
    rid = PseudonymizeResidentID(KEYRING, CONTEXT).apply([ID])[0]
    for note in out:
        assert name in note
        assert phone in note
        assert rid in note
        assert _leaks(note) == []
    assert report.key_id == "test1"
    other, _ = deidentify_text(
        notes[0], keyring=KEYRING, context="another-recipient", known={"name": NAME},
        mode="surrogate",
    )  # fmt: skip
    assert name not in other


def test_scanner_findings_get_the_column_surrogates_too():
    """Without known values, what the scanner finds gets the same surrogate as the column."""
    note = "患者李娜，女，电话13812345678。"
    out, _ = deidentify_text(note, keyring=KEYRING, context=CONTEXT, mode="surrogate")
    phone = PseudonymizePhone(KEYRING, CONTEXT).apply("13812345678")
    name = PseudonymizeName(KEYRING, CONTEXT).apply("李娜")
    assert out == f"患者{name}，女，电话{phone}。"


def test_values_without_a_pseudonymizer_get_keyed_tags():
    """An address gets a keyed tag: the same in every note, another under another context."""
    notes = ["住址：北京市朝阳区建国路88号。", "家住北京市朝阳区建国路88号"]
    out, _ = deidentify_text(notes, keyring=KEYRING, context=CONTEXT, mode="surrogate")
    tags = [re.search(r"\[地址-[A-Z2-7]{6}\]", note).group() for note in out]
    assert tags[0] == tags[1]
    again, _ = deidentify_text(notes[0], keyring=KEYRING, context="x", mode="surrogate")
    assert tags[0] not in again


def _dates(text: str) -> list[dt.date]:
    found = re.findall(r"(\d{4})[-年/.](\d{1,2})[-月/.](\d{1,2})", text)
    return [dt.date(int(y), int(m), int(d)) for y, m, d in found]


def test_shifted_dates_keep_intervals_and_match_the_date_column():
    """Two dates 10 days apart stay 10 days apart, shifted exactly as DateShift shifts the
    column of the same patient."""
    note = "2025-01-03入院，2025-01-13出院。"
    out, _ = deidentify_text(note, keyring=KEYRING, context=CONTEXT, subject="P001", dates="shift")
    admitted, discharged = _dates(out)
    assert (discharged - admitted).days == 10
    column = DateShift(KEYRING, CONTEXT).apply(["2025-01-03", "2025-01-13"], ["P001", "P001"])
    assert out == f"{column[0]}入院，{column[1]}出院。"
    assert admitted != dt.date(2025, 1, 3)


def test_shift_keeps_each_written_format():
    """Every written form comes back in its own form, shifted by the same days."""
    forms = ["2025-01-03", "2025/1/3", "2025年1月3日", "2025.01.03"]
    note = "；".join(forms) + "；入院日期：20250103"
    shift = int(DateShift(KEYRING, CONTEXT).shifts(["P9"])[0])
    out, report = deidentify_text(
        note, keyring=KEYRING, context=CONTEXT, subject="P9", dates="shift"
    )
    moved = dt.date(2025, 1, 3) + dt.timedelta(days=shift)
    expected = [
        f"{moved:%Y-%m-%d}", f"{moved.year}/{moved.month}/{moved.day}",
        f"{moved.year}年{moved.month}月{moved.day}日", f"{moved:%Y.%m.%d}",
    ]  # fmt: skip
    assert out == "；".join(expected) + f"；入院日期：{moved:%Y%m%d}"
    assert report.replaced["DATE_TIME"] == 5


def test_month_day_dates_shift_with_the_year_of_the_note():
    """1月13日 after 2025年1月3日 moves by the same days, so the interval stays true."""
    note = "2025年1月3日入院，1月13日出院。"
    shift = int(DateShift(KEYRING, CONTEXT).shifts(["P1"])[0])
    out, _ = deidentify_text(note, keyring=KEYRING, context=CONTEXT, subject="P1", dates="shift")
    end = dt.date(2025, 1, 13) + dt.timedelta(days=shift)
    assert out.endswith(f"，{end.month}月{end.day}日出院。")


def test_dates_of_a_column_shift_by_each_rows_subject():
    """Each note shifts by its own subject; a null subject's dates are masked, not kept."""
    notes = ["2025-01-03入院", "2025-01-03入院", "2025-01-03入院"]
    out, report = deidentify_text(
        notes, keyring=KEYRING, context=CONTEXT, subject=["A", "B", None], dates="shift"
    )
    column = DateShift(KEYRING, CONTEXT).apply(["2025-01-03"] * 2, ["A", "B"])
    assert out[:2] == [f"{column[0]}入院", f"{column[1]}入院"]
    assert out[2] == "****-**-**入院"
    assert report.unshifted == 1


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        ("month", "2025-01入院，2025年1月出院，1月复查"),
        ("year", "2025入院，2025年出院，*月*日复查"),
    ],
)
def test_generalized_dates(precision, expected):
    """generalize keeps the month or the year of every date."""
    note = "2025-01-03入院，2025年1月13日出院，1月20日复查"
    out, _ = deidentify_text(note, dates="generalize", date_precision=precision)
    assert out == expected


def test_dates_kept_but_a_date_of_birth_masked():
    """dates='keep' keeps visit dates; a date of birth found by the scanner is masked."""
    note = "出生日期：1985-03-14，2025-01-03入院。"
    out, _ = deidentify_text(note)
    assert out == "出生日期：1985-**-**，2025-01-03入院。"


def test_columns_come_back_as_the_same_kind_with_nulls():
    """list, tuple, numpy, pandas and pyarrow columns in, the same kind out, nulls kept."""
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    notes = ["患者李娜，女，电话13812345678。", None]
    expected = ["患者李*，女，电话138****5678。", None]
    assert deidentify_text(notes)[0] == expected
    assert deidentify_text(tuple(notes))[0] == tuple(expected)
    arr = deidentify_text(np.array(notes, dtype=object))[0]
    assert isinstance(arr, np.ndarray)
    assert arr.tolist() == expected
    series = pd.Series(notes, index=[5, 7], name="note", dtype="string")
    out = deidentify_text(series)[0]
    assert list(out.index) == [5, 7]
    assert out.name == "note"
    assert out.iloc[0] == expected[0]
    assert out.isna().iloc[1]
    arrow = deidentify_text(pa.array(notes))[0]
    assert arrow.to_pylist() == expected


def test_known_as_rows_or_a_dataframe():
    """known may be one mapping per row or a DataFrame whose columns are kinds."""
    pd = pytest.importorskip("pandas")
    notes = ["王国诉头痛", "高洁诉胸闷", "无殊"]
    rows = [{"name": "王国"}, {"name": ["高洁", "李四"]}, None]
    assert deidentify_text(notes, known=rows, mode="tag")[0] == [
        "[姓名]诉头痛",
        "[姓名]诉胸闷",
        "无殊",
    ]
    frame = pd.DataFrame({"name": ["王国", "高洁", None]})
    out = deidentify_text(pd.Series(notes), known=frame, mode="tag")[0]
    assert out.tolist() == ["[姓名]诉头痛", "[姓名]诉胸闷", "无殊"]


def test_phones_stored_as_numbers_are_known_too():
    """A phone column of integers (or floats read from Excel) still finds the phone."""
    notes = ["电话13912345678", "电话13912345678"]
    out, _ = deidentify_text(notes, known={"phone": [13912345678, 13912345678.0]}, mode="tag")
    assert out == ["电话[电话]", "电话[电话]"]


def test_the_report_holds_no_raw_value():
    """Neither the report's repr nor its spans show a planted value."""
    _, report = deidentify_text(
        [NOTE], keyring=KEYRING, context=CONTEXT, known=KNOWN, mode="surrogate", spans=True
    )
    text = repr(report) + repr(report.spans) + repr(report.found)
    assert _leaks(text) == []
    assert "伟明" not in text
    assert isinstance(report, DeidentifyReport)
    assert report.rows == 1


def test_high_recall_flags_possible_names():
    """recall='high' flags names the precise scan leaves: lists, pinyin, speakers, words."""
    note = "参加讨论人员：王伟、李娜\n张医生：你好\n病人ZHAO JIAHUI，Liu, Jing陪同"
    precise, _ = deidentify_text(note, mode="tag")
    high, _ = deidentify_text(note, mode="tag", recall="high")
    assert "张医生：" in precise
    assert high == "参加讨论人员：[姓名]、[姓名]\n[姓名]医生：你好\n病人[姓名]，[姓名]陪同"


def test_high_recall_leaves_clinical_words_alone():
    """Clinical words after 患者 are not names, even in high recall."""
    note = "患者全般情况尚可，查体合作，予甘露醇脱水，体温正常。"
    assert deidentify_text(note, recall="high", mode="tag")[0] == note


def test_strange_inputs_are_nulls_invalid_or_repaired():
    """None, NaN and pd.NA are nulls; bytes are masked whole; lone surrogates become U+FFFD."""
    pd = pytest.importorskip("pandas")
    assert deidentify_text(None)[0] is None
    assert deidentify_text(float("nan"))[0] is None
    assert deidentify_text(pd.NA)[0] is None
    out, report = deidentify_text([b"\xe6\x82\xa3", "患者李娜，\ud800女", pd.NA, 12])
    assert out[0] == "***"
    assert out[2] is None
    assert out[3] == "**"
    assert out[1] == "患者李*，\ufffd女"
    assert (report.invalid, report.repaired, report.nulls) == (2, 1, 1)
    with pytest.raises(UnsupportedColumn, match="row 0"):
        deidentify_text([b"x"], strict=True)


def test_bad_arguments_raise_medguard_errors():
    """Every unusable argument is an InvalidArgument naming the problem, never a traceback."""
    with pytest.raises(InvalidArgument, match="keyring"):
        deidentify_text("x", mode="surrogate")
    with pytest.raises(InvalidArgument, match="needs subject"):
        deidentify_text("x", keyring=KEYRING, dates="shift")
    with pytest.raises(InvalidArgument, match="mode"):
        deidentify_text("x", mode="erase")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="kind"):
        deidentify_text("x", known={"shoe_size": "42"})
    with pytest.raises(InvalidArgument, match="2 values for 1 notes"):
        deidentify_text(["x"], known={"name": ["王国", "高洁"]})
    with pytest.raises(InvalidArgument, match="subject has"):
        deidentify_text(["x"], keyring=KEYRING, dates="shift", subject=["a", "b"])
    with pytest.raises(InvalidArgument, match="keyring"):
        deidentify_text("x", keyring="secret", mode="surrogate")  # type: ignore[arg-type]
    with pytest.raises(UnsupportedColumn):
        deidentify_text(["x"], known={"name": [object()]})
    out, report = deidentify_text({"a": 1})  # not text: masked whole, never passed through
    assert out == "*" * len(str({"a": 1}))
    assert report.invalid == 1
    with pytest.raises(MedguardError):
        deidentify_text(["x"], known=[{"name": "王国"}, {"name": "高洁"}])


def test_config_is_frozen_picklable_and_plain_data():
    """DeidentifyText holds no key, pickles, and round-trips through its config."""
    config = DeidentifyText(mode="surrogate", dates="shift", recall="high", max_days=30)
    assert pickle.loads(pickle.dumps(config)) == config
    assert DeidentifyText.from_config(config.to_config()) == config
    assert config.to_config()["op"] == "deidentify"
    with pytest.raises(PolicyError):
        DeidentifyText.from_config({"op": "deidentify", "mode": "erase"})
    with pytest.raises(PolicyError):
        DeidentifyText.from_config({"op": "mask"})
    with pytest.raises(InvalidArgument):
        DeidentifyText(max_days=0)
    out = config.apply(["2025-01-03"], keyring=KEYRING, context=CONTEXT, subject=["P"])
    assert out == deidentify_text(
        ["2025-01-03"], keyring=KEYRING, context=CONTEXT, subject=["P"], mode="surrogate",
        dates="shift", recall="high", max_days=30,
    )[0]  # fmt: skip


def test_one_span_replacement_matches_the_whole_text_run():
    """replacement() gives what deidentify_text puts in place of the same value."""
    assert replacement("13812345678", "PHONE_NUMBER") == "138****5678"
    assert replacement("李娜", "PERSON", mode="tag") == "[姓名]"
    surrogate = replacement("李娜", "PERSON", mode="surrogate", keyring=KEYRING, context=CONTEXT)
    assert surrogate == PseudonymizeName(KEYRING, CONTEXT).apply("李娜")


def test_front_door_exports():
    """medguard.deidentify_text and DeidentifyText are the detect module's."""
    assert medguard.deidentify_text is deidentify_text
    assert medguard.DeidentifyText is DeidentifyText


def test_high_recall_speaker_names_at_line_starts():
    """A name before a colon at the start of a line is a speaker; 医生： and 患者： are roles."""
    note = "王芳：医生你好\n医生：请讲\n患者：头痛"
    assert (
        deidentify_text(note, recall="high", mode="tag")[0]
        == "[姓名]：医生你好\n医生：请讲\n患者：头痛"
    )


@pytest.mark.parametrize(
    "written",
    [
        f"{ID[:6]} {ID[6:10]} {ID[10:14]} {ID[14:]}",
        f"{ID[:6]}-{ID[6:14]}-{ID[14:]}",
        f"{ID[:3]} {ID[3:6]} {ID[6:10]} {ID[10:14]} {ID[14:]}",
    ],
)
def test_ids_in_any_grouping_are_removed_without_known_values(written):
    """An ID the writer grouped their own way is found by its check character."""
    out, report = deidentify_text(f"身份证{written}，电话+86 139 1234 5678。", mode="tag")
    assert out == "身份证[身份证号]，电话[电话]。"
    assert report.found["CN_RESIDENT_ID"] == 1


def test_a_known_birth_date_column():
    """known={'birth_date': ...} removes the date of birth in its written forms."""
    notes = ["生于1985年3月14日，2025-01-03入院", "DOB 1985.03.14"]
    out, _ = deidentify_text(notes, known={"birth_date": ["1985-03-14", "19850314"]}, mode="tag")
    assert out == ["生于[日期]，2025-01-03入院", "DOB [日期]"]


def test_high_recall_names_before_kinship_words():
    """张杰龙之女代诉 and 常青之女 (a word-name) are flagged before 之女, 代诉."""
    note = "张杰龙之女代诉病史。常青之子代述。"
    assert (
        deidentify_text(note, recall="high", mode="tag")[0]
        == "[姓名]之女代诉病史。[姓名]之子代述。"
    )


def test_what_is_glued_to_a_known_value_is_read_as_after_its_removal():
    """An age glued to a known ID (…597290岁) is found in the first pass, so tag mode is stable."""
    known = {"resident_id": "451228196711055972"}
    once, _ = deidentify_text("451228196711055972" + "90岁", known=known, mode="tag")
    assert once == "[身份证号][年龄]"
    assert deidentify_text(once, known=known, mode="tag")[0] == once


def test_every_entity_type_has_its_own_tag_and_the_tables_name_real_types():
    """Each type the scanner reports has a tag; the tag and mask tables name only real types."""
    from medguard.detect import ENTITY_TYPES
    from medguard.detect.deidentify import ENTITY_MASKS, TAGS

    assert set(ENTITY_TYPES) <= set(TAGS)
    assert set(TAGS) <= set(ENTITY_TYPES)
    assert set(ENTITY_MASKS) <= set(ENTITY_TYPES)
    out, _ = deidentify_text("工作单位：北京协和医院，QQ：123456789", mode="tag")
    assert "[个人信息]" not in out


def test_subject_is_the_documented_name_and_subjects_its_alias():
    """``subject=`` shifts dates per row; the deprecated ``subjects=`` gives the same output
    with a DeprecationWarning, on the function, the config object and the scalar path; both at
    once is refused."""
    from medguard.detect.deidentify import DeidentifyText

    ring = fixed_keyring()
    notes = ["2025-01-03入院，1月20日复查。", "2024-12-30出院。"]
    ids = ["P001", "P002"]
    common = {"keyring": ring, "context": "c", "dates": "shift"}
    new, _ = deidentify_text(notes, subject=ids, **common)
    with pytest.warns(DeprecationWarning, match="subjects= is deprecated"):
        old, _ = deidentify_text(notes, subjects=ids, **common)
    config = DeidentifyText(dates="shift")
    with pytest.warns(DeprecationWarning, match="subject="):
        assert config.apply(notes, keyring=ring, context="c", subjects=ids) == new
    assert old == new
    assert new != notes
    assert config.apply(notes[0], keyring=ring, context="c", subject="P001") == new[0]
    with pytest.raises(InvalidArgument, match="not both"):
        deidentify_text(notes, subject=ids, subjects=ids, **common)
    with pytest.raises(InvalidArgument, match="needs subject"):
        deidentify_text(notes, keyring=ring, context="c", dates="shift")
