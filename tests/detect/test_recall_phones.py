"""Recall on phone numbers as people write them: country prefixes (+86, 0086, (86)), spaces and
dashes anywhere, area codes in parentheses, extensions, local numbers after 电话 or 座机.

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
        ("联系电话：+86 138 0013 8000（本人）", "+86 138 0013 8000"),
        ("家属手机+8613800138000", "+8613800138000"),
        ("手机 0086-13800138000", "0086-13800138000"),
        ("电话(86)13800138000，", "(86)13800138000"),
        ("电话（86）139-1234-5678", "（86）139-1234-5678"),
        ("手机号码 138-0013-8000，", "138-0013-8000"),
        ("其子手机：186 1234 5678。", "186 1234 5678"),
        ("科室电话：(0314)2279631。", "(0314)2279631"),
        ("电话（010）6275 1234", "（010）6275 1234"),
        ("办公电话023-6875-4321，", "023-6875-4321"),
        ("座机：0314-2279631转8021", "0314-2279631转8021"),
        ("护士站 0755-83361234 分机 602", "0755-83361234 分机 602"),
        ("tel 021-64041990 ext. 35", "021-64041990 ext. 35"),
        ("电话：5530-9833", "5530-9833"),
        ("座机 2279631，请白天联系", "2279631"),
        ("家庭电话：8833 6677。", "8833 6677"),
    ],
)  # fmt: skip
def test_phone_numbers_in_the_forms_people_write(text, value):
    """Mobiles with +86, 0086 or (86) and groups; landlines with area codes in parentheses or
    dashes, with extensions (转, 分机, ext); local numbers after 电话 or 座机."""
    assert found(text) == [("PHONE_NUMBER", value)]


@pytest.mark.parametrize(
    "text",
    [
        "血压 130/85 mmHg，心率 88 次/分",
        "白细胞 5.6×10^9/L，血小板 2279 ×10^9/L",
        "电话随访 3 次，未接通",
        "患者于 2023-05-06 10:30 入院",
        "床号 12，体重 65kg",
    ],
)
def test_numbers_that_are_not_phones(text):
    """Vital signs, lab values, counts and times are not phone numbers."""
    assert [e for e, _ in found(text) if e == "PHONE_NUMBER"] == []
