"""Recall on the GB/T 35273-2020 Annex A categories that turn up in medical data beyond names,
numbers and addresses: network identifiers (QQ, WeChat, URLs, e-mail addresses written to dodge
harvesters), device identifiers (MAC, IMEI, serial numbers), vehicle plates, a workplace or a
school, and ages of 90 and over. Each type has a GB/T 39725 level.

Every sentence is hand-written (issue 17), not produced by ``medguard.testing.corpus``.
"""

import pytest

from medguard.detect import ENTITY_TYPES, level_of, scan_text


def found(text: str) -> list[tuple[str, str]]:
    """What scan_text reports in ``text``, as (entity type, the exact span's text), in order."""
    return [(f.entity_type, text[f.start : f.end]) for f in scan_text(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("QQ：9711102137，有事留言", [("ACCOUNT_ID", "9711102137")]),
        ("加我微信号：wxid_2815982", [("ACCOUNT_ID", "wxid_2815982")]),
        ("微信：zhang_li-1988，", [("ACCOUNT_ID", "zhang_li-1988")]),
        ("微信13800138000", [("PHONE_NUMBER", "13800138000")]),
        ("邮箱 zhangli at 163 dot com，", [("EMAIL_ADDRESS", "zhangli at 163 dot com")]),
        ("邮箱：liu_jing#qq.com。", [("EMAIL_ADDRESS", "liu_jing#qq.com")]),
        ("wf88(at)126.com", [("EMAIL_ADDRESS", "wf88(at)126.com")]),
        ("复诊预约见 https://hospital.example.cn/booking?id=88 ", [
            ("URL", "https://hospital.example.cn/booking?id=88")]),
        ("个人主页www.zhangsan-blog.cn", [("URL", "www.zhangsan-blog.cn")]),
    ],
)  # fmt: skip
def test_network_identifiers(text, expected):
    """QQ numbers and WeChat IDs after their labels (a WeChat that is a mobile is a phone),
    e-mail addresses written as ``at``/``dot``/``#``, and URLs."""
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("设备MAC：3C:22:FB:7A:91:0E。", [("MAC_ADDRESS", "3C:22:FB:7A:91:0E")]),
        ("血糖仪 MAC 3c-22-fb-7a-91-0e 已绑定", [("MAC_ADDRESS", "3c-22-fb-7a-91-0e")]),
        ("IMEI：860123456789014，", [("DEVICE_ID", "860123456789014")]),
        ("胰岛素泵序列号：SN-MT722-00891", [("DEVICE_ID", "SN-MT722-00891")]),
        ("设备序列号 A1B2C3D4E5", [("DEVICE_ID", "A1B2C3D4E5")]),
    ],
)  # fmt: skip
def test_device_identifiers(text, expected):
    """MAC addresses, IMEIs with a valid Luhn digit and serial numbers after their labels."""
    assert found(text) == expected


def test_an_imei_with_a_bad_check_digit_is_not_reported():
    """An IMEI label before 15 digits failing Luhn reports nothing."""
    assert found("IMEI：860123456789015") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("车牌号京A12345，停B2层", "京A12345"),
        ("车牌：粤B·D12345（新能源）", "粤B·D12345"),
        ("肇事车辆冀H·3K52Q逃逸", "冀H·3K52Q"),
        ("车牌号苏E-A8H36", "苏E-A8H36"),
    ],
)  # fmt: skip
def test_vehicle_plates(text, value):
    """Plates with a province, a letter and five characters (six for new-energy plates), with
    or without the middle dot."""
    assert found(text) == [("CN_VEHICLE_PLATE", value)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("工作单位：河北钢铁集团承钢公司。", [("ORGANIZATION", "河北钢铁集团承钢公司")]),
        ("孩子就读于承德市实验小学，", [("ORGANIZATION", "承德市实验小学")]),
        ("单位：滦平县人民政府", [("ORGANIZATION", "滦平县人民政府")]),
        ("患者92岁，", [("AGE", "92岁")]),
        ("老人101岁高龄", [("AGE", "101岁")]),
        ("患者89岁，", []),
        ("最近单位组织健康检查。", []),
    ],
)  # fmt: skip
def test_workplace_school_and_very_high_ages(text, expected):
    """A workplace or school after its label, and ages of 90 and over (89 is not reported)."""
    assert found(text) == expected


def test_every_new_type_has_a_level():
    """Each entity type has a GB/T 39725 level: documents and accounts 4, the rest 3."""
    for entity in ("CN_MILITARY_ID", "CN_SOCIAL_SECURITY_CARD", "CN_DRIVING_LICENSE",
                   "ACCOUNT_ID"):  # fmt: skip
        assert level_of(entity) == 4
    for entity in ("DEVICE_ID", "MAC_ADDRESS", "CN_VEHICLE_PLATE", "ORGANIZATION", "AGE", "URL"):
        assert level_of(entity) == 3
    assert all(level_of(entity) >= 3 for entity in ENTITY_TYPES)
