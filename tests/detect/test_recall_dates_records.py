"""Recall on dates of birth after their labels, in every written form, and on record numbers
by their labels (with letters, dashes and prefixes).

Every sentence is hand-written (issue 17), not produced by ``medguard.testing.corpus``.
"""

import pytest

from medguard.detect import scan_text


def found(text: str) -> list[tuple[str, str]]:
    """What scan_text reports in ``text``, as (entity type, the exact span's text), in order."""
    return [(f.entity_type, text[f.start : f.end]) for f in scan_text(text)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("出生日期：19941112  性别：女", "19941112"),
        ("出生日期 28/01/1991，", "28/01/1991"),
        ("出生日期：1991.01.28", "1991.01.28"),
        ("生于1948年4月，退休工人。", "1948年4月"),
        ("出生年月：1948年4月", "1948年4月"),
        ("生于一九五九年九月六日，", "一九五九年九月六日"),
        ("出生于1985-6-15，汉族", "1985-6-15"),
        ("DOB: 1976/03/09", "1976/03/09"),
        ("生日：1990年12月3日", "1990年12月3日"),
        ("出生年月日：2001年1月1号", "2001年1月1号"),
    ],
)  # fmt: skip
def test_dates_of_birth_after_their_labels(text, value):
    """Compact, day-first, dotted, year-month, Chinese-numeral and slashed dates of birth are
    found after 出生日期, 生于, 出生年月, 出生于, DOB and 生日."""
    assert found(text) == [("DATE_TIME", value)]


@pytest.mark.parametrize(
    "text",
    ["生于原籍，久居本地。", "出生时无窒息史", "出生后母乳喂养", "出生日期：不详"],
)
def test_birth_labels_without_a_date(text):
    """生于原籍, 出生时 and an unknown date of birth hold no date."""
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("门诊号：MZ-2024-003817  科别：内科", "MZ-2024-003817"),
        ("住院号 2022-217382，床号 12", "2022-217382"),
        ("病案号：zy00318846。", "zy00318846"),
        ("登记号：0001928374", "0001928374"),
        ("患者ID：P20230516001", "P20230516001"),
        ("ID号:10023847", "10023847"),
        ("检查号：CT-20230516-0034，", "CT-20230516-0034"),
        ("MRN: 00482913", "00482913"),
        ("就诊卡号 880012345678", "880012345678"),
        ("住院号码：ZY20250103000001", "ZY20250103000001"),
    ],
)  # fmt: skip
def test_record_numbers_by_their_labels(text, value):
    """Record numbers after 门诊号, 住院号, 病案号, 登记号, 患者ID, ID号, 检查号, MRN and 就诊卡号,
    with letter prefixes, lowercase letters and dashes, are found whole."""
    assert ("CN_MEDICAL_RECORD_NUMBER", value) in found(text)


def test_a_bed_number_is_a_record_number():
    """床号 labels the bed: its short number is reported (with the record it goes with)."""
    assert found("住院号 2022-217382，床号 12") == [
        ("CN_MEDICAL_RECORD_NUMBER", "2022-217382"),
        ("CN_MEDICAL_RECORD_NUMBER", "12"),
    ]
