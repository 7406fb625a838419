"""Recall round 5 (issue 17): a name given as the answer in the next dialogue turn, word-names
after an explicit 姓名 label, and English birth-date labels (``Birth Date:``), as hand-written
sentences with exact spans, and negatives for each rule (``docs/scanning.md``, recall)."""

import pytest

from medguard.detect import scan_text


def _spans(text: str, entity: str) -> list[tuple[int, int, str]]:
    return [(f.start, f.end, f.entity_type) for f in scan_text(text) if f.entity_type == entity]


def _span(text: str, value: str, entity: str) -> tuple[int, int, str]:
    start = text.index(value)
    return (start, start + len(value), entity)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("医生：请问患者叫什么名字？\n患儿家长：牟丽华，41岁", "牟丽华"),
        ("医生：您好，怎么称呼？\n用户：欧阳雪梅。", "欧阳雪梅"),
        ("大夫：请问您贵姓？\n咨询者：訾红", "訾红"),
        ("医生：孩子姓名是？ \n家长：黎东\n医生：好的", "黎东"),
        ("医生：患者的名字是什么？\n家属：韦春花，女，63岁", "韦春花"),
    ],
)
def test_name_answered_in_the_next_turn(text, value):
    assert _spans(text, "PERSON") == [_span(text, value, "PERSON")]


@pytest.mark.parametrize(
    "text",
    [
        "医生：请问患者叫什么名字？\n家属：不知道",  # no surname
        "医生：叫什么名字？\n患者：忘记了，孩子刚出生",
        "医生：怎么称呼？\n家属：随便",
        "医生：这个药叫什么名字？\n患者：阿莫西林",  # a drug, not a name
        "医生：请问怎么称呼？\n患者：谢谢医生",
        "医生：您还有什么问题？\n患者：王医生好",  # the question asks no name
        "这个病叫什么名字？都说不清楚",  # no next turn
    ],
)
def test_no_name_from_an_answer_that_is_none(text):
    assert _spans(text, "PERSON") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("姓名：路遥", "路遥"),
        ("姓名：幸福来", "幸福来"),
        ("患者姓名：幸福来，男，45岁", "幸福来"),
        ("患者姓名：路遥\n性别：男", "路遥"),
        ("姓名: 路遥  性别: 男", "路遥"),
        ("姓名：高山（女）", "高山"),
        ("患儿姓名：江河，男", "江河"),
    ],
)
def test_word_names_after_a_name_label(text, value):
    assert _spans(text, "PERSON") == [_span(text, value, "PERSON")]


@pytest.mark.parametrize(
    "text",
    [
        "姓名：不详",
        "姓名：未知",
        "姓名：患者本人",
        "姓名：（空）",
        "姓名：空白",
        "姓名：匿名",
        "姓名：无",
        "姓名：同上",
        "姓名：待定，性别：男",
        "姓名：高血压",  # a disease in the wrong field
        "姓名不详，男，45岁",  # no label and value
        "患者姓名路遥远",  # no separator after the label
    ],
)
def test_no_name_from_a_placeholder_after_the_label(text):
    assert _spans(text, "PERSON") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Birth Date: 02/12/1984", "02/12/1984"),
        ("Name: ZHAO JIAHUI  Birth Date:1984-02-12", "1984-02-12"),
        ("Date of Birth: 1984.02.12", "1984.02.12"),
        ("DATE OF BIRTH: 19840212", "19840212"),
        ("Birth date: 12/02/1984", "12/02/1984"),
    ],
)
def test_english_birth_date_labels(text, value):
    assert _spans(text, "DATE_TIME") == [_span(text, value, "DATE_TIME")]


@pytest.mark.parametrize(
    "text",
    [
        "B超：肝胆胰脾未见异常，2024-03-05复查",
        "Birth Date: 不详",
        "Date: 2024-03-05 复诊",  # a visit date, no birth label
        "Birth: 3.2kg",
        "时间 10:30:00 Date of visit: 2024-03-05",
    ],
)
def test_no_birth_date_without_the_label(text):
    assert _spans(text, "DATE_TIME") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("现住：会理县。", "会理县"),  # 会理县 became 会理市; people still write the old name
        ("来自会理县黎溪镇", "会理县黎溪镇"),  # not 理县黎溪镇 (理县 is a county of Aba)
        ("住在凉山州会理县，", "凉山州会理县"),
        ("现住：禄丰县。", "禄丰县"),  # now 禄丰市
        ("现住：西昌县。", "西昌县"),  # now 西昌市
    ],
)
def test_former_county_names_of_county_level_cities(text, value):
    assert _spans(text, "LOCATION") == [_span(text, value, "LOCATION")]


@pytest.mark.parametrize(
    "text",
    [
        "现住：会理镇。",  # no such division
        "来自会理县城的消息",  # 会理县 then no town
        "现住：宁波县。",  # 宁波市 is a prefecture, no county-level city
    ],
)
def test_no_former_county_that_never_was(text):
    assert _spans(text, "LOCATION") == []
