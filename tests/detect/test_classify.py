"""Tests for column classification: entity per column, levels, headers, full mode, no raw values."""

import random

import pandas as pd

import medguard
from medguard.cn import resident_id
from medguard.detect import classify_column, scan_frame
from medguard.testing.assertions import assert_no_plaintext
from medguard.testing.synthetic import synthetic_extract


def test_synthetic_patients_columns():
    """Every identifier column of the synthetic extract gets its type and GB/T 39725 level."""
    patients, _visits, notes = synthetic_extract(120, seed=3)
    report = {c.column: c for c in scan_frame(patients).columns}
    expected = {"name": ("PERSON", 4), "resident_id": ("CN_RESIDENT_ID", 4),
                "mobile": ("PHONE_NUMBER", 4), "address": ("LOCATION", 3),
                "email": ("EMAIL_ADDRESS", 3), "bank_card": ("CN_BANK_CARD", 4),
                "patient_id": (None, 2)}  # fmt: skip
    for column, (entity, level) in expected.items():
        assert (report[column].entity_type, report[column].level) == (entity, level), column
    text = {c.column: c for c in medguard.scan_frame(notes).columns}["text"]
    assert text.free_text
    assert text.level == 4


def test_reports_hold_masked_samples_only():
    """Samples in reports are masked: no raw identifier appears anywhere in the report."""
    patients, _visits, _notes = synthetic_extract(50, seed=4)
    frame = scan_frame(patients).to_frame().to_string()
    assert_no_plaintext(frame, [*patients["resident_id"], *patients["mobile"], *patients["email"]])


def test_full_mode_reports_a_rare_value():
    """One ID among 5,000 clean values: sampling may miss it, full mode reports the column."""
    rid = resident_id.generate(random.Random(5))
    values = [f"备注{i}" for i in range(5000)]
    values[3210] = rid
    assert classify_column(values, "remark", full=True).entity_type == "CN_RESIDENT_ID"
    assert classify_column(values, "remark", sample=100).entity_type is None


def test_header_context_lowers_the_threshold():
    """A 姓名 header lets a column with 30% names count as a name column; without it, names
    (which no check confirms) need half the values. A header raises a checked type's score."""
    values = ["张伟", "李娜", "王芳"] + ["未提供"] * 7
    assert classify_column(values * 10, "姓名").entity_type == "PERSON"
    assert classify_column(values * 10, "col_7").entity_type is None
    rng = random.Random(6)
    ids = [resident_id.generate(rng) if i % 10 < 3 else "未提供" for i in range(100)]
    named, bare = classify_column(ids, "身份证号"), classify_column(ids, "col_7")
    assert named.entity_type == bare.entity_type == "CN_RESIDENT_ID"
    assert named.score > bare.score


def test_non_string_and_empty_columns():
    """Numbers, dates and empty columns are level 2 without personal data."""
    df = pd.DataFrame({"fee": [1.5, 2.0], "empty": [None, None]})
    assert [c.entity_type for c in scan_frame(df).columns] == [None, None]


def test_two_character_names_are_not_revealed_in_samples():
    """A sample of a two-character name keeps one character, never both."""
    report = classify_column(["张三", "李四", "王五"], "姓名")
    assert report.entity_type == "PERSON"
    assert all(len(s) == 2 and s.endswith("*") for s in report.samples)


def test_full_mode_does_not_flag_words_that_look_like_names():
    """Full mode reports a single checksummed ID, not a department that parses as a name."""
    values = ["内科", "外科", "康复科", "高血压", "眼科"] * 200
    assert classify_column(values, "科室", full=True).entity_type is None
    assert classify_column(values, "诊断", full=True).level == 2


def test_full_mode_reports_a_rare_id_written_inside_a_value():
    """A phone or ID inside one value (患者张伟电话…) among short words is found in full mode."""
    for value, entity in (("患者张伟电话13812345678", "PHONE_NUMBER"),
                          ("身份证11010519491231002X", "CN_RESIDENT_ID")):  # fmt: skip
        values = ["正常"] * 5000
        values[3210] = value
        report = classify_column(values, "结果", full=True)
        assert (report.entity_type, report.matches) == (entity, 1)
        assert_no_plaintext(str(report.to_dict()), [value[-11:]])


def test_values_holding_a_name_and_a_phone_are_a_phone_column():
    """A 联系人 column of ``张伟 13812345678`` values is classified by the phone inside them."""
    values = ["张伟 13812345678", "李娜 13912345678", "王芳（女儿）13700001111"] * 50
    report = classify_column(values, "联系人")
    assert (report.entity_type, report.match_ratio, report.level) == ("PHONE_NUMBER", 1.0, 4)


def test_words_ending_in_qu_are_not_addresses():
    """社区获得性肺炎, 病区 and 小区 are not districts; 朝阳区建国路88号 still is an address."""
    diagnoses = ["社区获得性肺炎"] * 6 + ["病区", "小区3栋", "高血压", "冠心病"]
    assert classify_column(diagnoses, "诊断").entity_type is None
    addresses = ["朝阳区建国路88号", "大同市城区迎宾路1号", "广东省深圳市南山区"]
    addresses += ["浦东新区世纪大道1号"]
    assert classify_column(addresses, "col").entity_type == "LOCATION"


def test_english_header_words_count_as_whole_words_only():
    """English header words count whole (patient_name, idNo, phones), not in filename or hotel."""
    from medguard.detect.classify import _header_hint

    named = {"patient_name": "PERSON", "PatientName": "PERSON", "姓名": "PERSON",
             "idNo": "CN_RESIDENT_ID", "身份证号": "CN_RESIDENT_ID", "phones": "PHONE_NUMBER",
             "联系电话": "PHONE_NUMBER", "e_mail": "EMAIL_ADDRESS"}  # fmt: skip
    assert {h: _header_hint(h) for h in named} == named
    assert {_header_hint(h) for h in ("filename", "xml_path", "hotel", "drug_name")} == {None}
    drugs = ["林可霉素"] * 3 + ["阿莫西林", "头孢曲松", "布洛芬", "二甲双胍"] * 2 + ["甲硝唑"]
    assert classify_column(drugs, "drug_name").entity_type is None


def test_names_with_rare_characters_are_names():
    """Names with CJK Extension A characters (王䶮, 李䶮明) are found, in lists and Arrow arrays."""
    import pyarrow as pa

    values = ["王䶮", "李䶮明", "张伟", "陈㛃"]
    for column in (values, pa.array(values)):
        assert classify_column(column, "col").match_ratio == 1.0


def test_address_cells_follow_the_address_parser():
    """A column of county-level addresses (沛县大屯镇…) is LOCATION; 社区/病区 words are not."""
    from medguard.detect import classify_column

    counties = ["沛县大屯镇幸福路12号", "滑县城关镇建设路8号", "歙县徽城镇新安路3号"]
    assert classify_column(counties, name="住址").entity_type == "LOCATION"
    assert classify_column(["社区获得性肺炎", "病区", "小区3栋"] * 3).entity_type is None


def test_a_minority_of_checked_identifiers_is_never_hidden():
    """45% valid resident IDs, mobiles or bank cards among other codes: the column reports them,
    sampled or full, whatever its header; classification names a type, it hides nothing."""
    from medguard.cn import bank_card, phone

    rng = random.Random(13)
    for entity, make in (("CN_RESIDENT_ID", resident_id.generate), ("PHONE_NUMBER", phone.generate),
                         ("CN_BANK_CARD", bank_card.generate)):  # fmt: skip
        values = [make(rng) if i % 20 < 9 else f"LAB-{i:06d}-X" for i in range(400)]
        for full in (False, True):
            report = classify_column(values, "code", full=full)
            assert report.entity_type == entity, (entity, full)
            assert (report.matches, report.level) == (180, 4)
            assert_no_plaintext(str(report.to_dict()), values[:9])


def test_a_column_reports_every_type_it_holds():
    """A notes column with names and phones reports both; a code column with a few IDs among
    record numbers reports the record numbers and the IDs."""
    notes = ["患者张三丰，男，45岁", "家属电话13800138000", "复查", "无"] * 25
    report = classify_column(notes, "备注")
    assert {e.entity_type for e in report.entities} >= {"PERSON", "PHONE_NUMBER"}
    assert report.level == 4
    rng = random.Random(3)
    codes = [f"ZY{i:08d}" for i in range(95)] + [resident_id.generate(rng) for _ in range(5)]
    kinds = {e.entity_type: e.matches for e in classify_column(codes, "住院号").entities}
    assert kinds == {"CN_MEDICAL_RECORD_NUMBER": 95, "CN_RESIDENT_ID": 5}
