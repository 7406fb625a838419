"""Recall on identifiers as hospital systems write them: resident IDs and bank cards in groups,
full-width digits, a lowercase x, the legacy 15-digit ID, and travel documents of every kind.

Every sentence is hand-written (issue 17), not produced by ``medguard.testing.corpus``.
"""

import pytest

from medguard.detect import scan_text


def found(text: str) -> list[tuple[str, str]]:
    """What scan_text reports in ``text``, as (entity type, the exact span's text), in order."""
    return [(f.entity_type, text[f.start : f.end]) for f in scan_text(text)]


# Valid resident IDs (check characters computed by medguard.cn.resident_id.generate).
ID_A = "620802195003101144"
ID_B = "130529195904117597"
ID_X = "33118120050410459X"
ID_LUHN = "441302197812224979"  # its first 16 digits pass Luhn: a card if the ID rule came last
LEGACY = "520621620704089"
CARD_19 = "6222028687277434870"
CARD_16 = "6217003471434555"


def _fw(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"身份证号：{ID_A[:6]} {ID_A[6:14]} {ID_A[14:]}，已核对。",
         [("CN_RESIDENT_ID", f"{ID_A[:6]} {ID_A[6:14]} {ID_A[14:]}")]),
        (f"证件号码 {ID_B[:6]}-{ID_B[6:14]}-{ID_B[14:]}（原件已查验）",
         [("CN_RESIDENT_ID", f"{ID_B[:6]}-{ID_B[6:14]}-{ID_B[14:]}")]),
        ("身份证：" + " ".join(ID_A[i : i + 4] for i in range(0, 18, 4)) + "\n",
         [("CN_RESIDENT_ID", " ".join(ID_A[i : i + 4] for i in range(0, 18, 4)))]),
        (f"患者身份证{ID_B[:3]} {ID_B[3:6]} {ID_B[6:10]} {ID_B[10:14]} {ID_B[14:]}。",
         [("CN_RESIDENT_ID", f"{ID_B[:3]} {ID_B[3:6]} {ID_B[6:10]} {ID_B[10:14]} {ID_B[14:]}")]),
        (f"身份证号{_fw(ID_A)}，", [("CN_RESIDENT_ID", _fw(ID_A))]),
        (f"身份证号：{ID_X[:-1]}x。", [("CN_RESIDENT_ID", f"{ID_X[:-1]}x")]),
        (f"旧身份证{LEGACY}仍在使用", [("CN_RESIDENT_ID", LEGACY)]),
        (f"身份证号{ID_A[:6]} {ID_A[6:]}", [("CN_RESIDENT_ID", f"{ID_A[:6]} {ID_A[6:]}")]),
    ],
)  # fmt: skip
def test_resident_ids_in_the_forms_people_type(text, expected):
    """Resident IDs in 6-8-4, 4-4-4-4-2, 3-3-4-4-4 and 6-12 groups, with dashes, full-width,
    with a lowercase x, and the legacy 15-digit form are found with their exact spans."""
    assert found(text) == expected


def test_an_id_in_four_digit_groups_is_an_id_not_a_card():
    """A resident ID typed in groups of four is reported as an ID even when its first 16 digits
    would pass the Luhn check of a bank card."""
    grouped = " ".join(ID_LUHN[i : i + 4] for i in range(0, 18, 4))
    assert found(f"卡号/证件号：{grouped}") == [("CN_RESIDENT_ID", grouped)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"退费银行卡号：{CARD_19[:6]} {CARD_19[6:]}，户名本人。",
         [("CN_BANK_CARD", f"{CARD_19[:6]} {CARD_19[6:]}")]),
        ("银行卡 " + " ".join(CARD_19[i : i + 4] for i in range(0, 19, 4)) + "（工行）",
         [("CN_BANK_CARD", " ".join(CARD_19[i : i + 4] for i in range(0, 19, 4)))]),
        ("卡号" + "-".join(CARD_16[i : i + 4] for i in range(0, 16, 4)),
         [("CN_BANK_CARD", "-".join(CARD_16[i : i + 4] for i in range(0, 16, 4)))]),
    ],
)  # fmt: skip
def test_bank_cards_in_groups(text, expected):
    """Bank cards written 6+13, 4-4-4-4-3 and 4-4-4-4 are found whole."""
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("护照号码：e12345678，签发地北京。", "e12345678"),
        ("护照 EA1234567 已复印", "EA1234567"),
        ("往来港澳通行证号C12345678，", "C12345678"),
        ("港澳通行证：CA1234567。", "CA1234567"),
        ("港澳通行证：CB7654321。", "CB7654321"),
        ("回乡证：H12345678；", "H12345678"),
        ("回乡证号 M1234567801，", "M1234567801"),
        ("台胞证号码 12345678。", "12345678"),
        ("台胞证：1234567890", "1234567890"),
        ("外国人永久居留证：USA110012345678，", "USA110012345678"),
        ("Passport No. G12345678", "G12345678"),
    ],
)  # fmt: skip
def test_travel_documents_of_every_generation(text, value):
    """Passports (also lowercase), exit-entry permits (C + 8 digits, CA/CB + 7), home-return
    permits (H/M + 8 or 10 digits), Taiwan compatriot permits (8 or 10 digits) and foreigners'
    permanent residence cards are CN_PASSPORT findings after their labels."""
    assert found(text) == [("CN_PASSPORT", value)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("军官证号：南字第1234567号。", [("CN_MILITARY_ID", "南字第1234567号")]),
        ("警官证号 010203，", [("CN_MILITARY_ID", "010203")]),
        ("社保卡号：D12345678，", [("CN_SOCIAL_SECURITY_CARD", "D12345678")]),
        ("医保卡号1234567890已绑定", [("CN_SOCIAL_SECURITY_CARD", "1234567890")]),
        (f"社保卡号：{ID_A}", [("CN_RESIDENT_ID", ID_A)]),  # the card number is the ID itself
        ("驾驶证档案编号：130100123456", [("CN_DRIVING_LICENSE", "130100123456")]),
        (f"驾驶证号{ID_B}", [("CN_RESIDENT_ID", ID_B)]),
    ],
)  # fmt: skip
def test_identity_documents_after_their_labels(text, expected):
    """Military and police cards, social-security and medical-insurance cards and driving
    licences are found after their labels; a number that is a resident ID is reported so."""
    assert found(text) == expected
