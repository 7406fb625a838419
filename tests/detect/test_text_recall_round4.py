"""Recall round 4 (issue 17): the families the fourth held-out set exposed, as hand-written
sentences with exact spans, and negatives for each rule (``docs/scanning.md``, recall)."""

import pytest

from medguard.detect import scan_text


def _found(text: str, entity: str) -> list[str]:
    return [text[f.start : f.end] for f in scan_text(text) if f.entity_type == entity]


def _span(text: str, value: str, entity: str) -> tuple[int, int, str]:
    start = text.index(value)
    return (start, start + len(value), entity)


def _spans(text: str, entity: str) -> list[tuple[int, int, str]]:
    return [(f.start, f.end, f.entity_type) for f in scan_text(text) if f.entity_type == entity]


MRN = "CN_MEDICAL_RECORD_NUMBER"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("住 院 号：zy4217688   床号：12", "zy4217688"),  # a label spread to the column width
        ("病 理 号: 24S94135", "24S94135"),
        ("登 记 号:8362467204\t", "8362467204"),
        ("【病案号】115-1118\t科室：骨科", "115-1118"),  # a bracketed label
        ("【影像号】PACS-97098919  ", "PACS-97098919"),
        ("病历号(MRN)：89102540   床号：8床", "89102540"),  # (MRN) after the label
        ("病历号(MRN)：MRN5684509", "MRN5684509"),
        ("MRN#82410773", "82410773"),
        ("就诊卡号：7990 9329 4533\t病理号：P24-85836", "7990 9329 4533"),  # groups of four
        ("【就诊卡号】3201 4585 2674   \n", "3201 4585 2674"),
    ],
)
def test_record_numbers_under_printed_labels(text, value):
    assert _span(text, value, MRN) in _spans(text, MRN)


@pytest.mark.parametrize(
    ("text", "value"),
    [("床号：加3\n诊断：冠心病", "加3"), ("床号：+6", "+6"), ("床 号：33\n", "33")],
)
def test_extra_beds_and_spaced_bed_label(text, value):
    assert _span(text, value, MRN) in _spans(text, MRN)


def test_record_number_negatives():
    # 加/+ belongs to beds only; a grouped number needs three groups; no label, no number
    assert _found("住院号+12345", MRN) == ["12345"]
    assert _found("就诊卡号：2855 9426，", MRN) == ["2855"]  # two groups are not one number
    assert _found("加3床旁换药，每日2次", MRN) == []
    assert _found("血压 130 80 mmHg，心率 88 次/分", MRN) == []


def test_tables_with_commas_markdown_staff_and_grouped_cards():
    csv = (
        "序号,患者姓名,登记号,床位,入院诊断\n1,岑振宇,7160696487,10,2型糖尿病\n"
        "2,蒯立新,DJ85527829,32,冠心病\n"
    )
    assert _found(csv, "PERSON") == ["岑振宇", "蒯立新"]
    assert _found(csv, MRN) == ["7160696487", "10", "DJ85527829", "32"]
    md = (
        "| 床号 | 姓名 | 年龄 | 住院号 | 主管医生 |\n|---|---|---|---|---|\n"
        "| 5 | 庹小燕 | 86岁 | zy2618480 | 邬建华 |\n"
    )
    assert _found(md, "PERSON") == ["庹小燕", "邬建华"]
    assert _found(md, MRN) == ["5", "zy2618480"]
    tab = "姓名\t性别\t门诊号\t就诊卡号\n岑振宇\t男\t2020-355564\t2689 7662 1413\n"
    assert _found(tab, MRN) == ["2020-355564", "2689 7662 1413"]


def test_table_negatives():
    # a comma-separated line of labels and values is no table; a result grid has no 姓名 column
    assert _found("姓名,张三,性别,男,住院号", MRN) == []
    assert _found("项目,结果,单位\n白细胞,5.6,10^9/L\n", MRN) == []
    assert _found("医生,护士,患者\n3,12,40\n", "PERSON") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("出生年月日：2002 年 10 月 19 日\t身份证号", "2002 年 10 月 19 日"),  # spaces in the date
        ("性别：女  生 日：19870512 ", "19870512"),  # a label spread to the width
        ("生 日：一九四二年八月十七日\t", "一九四二年八月十七日"),
        ("出生日期：2001 年 2 月 17 日  身份证号：", "2001 年 2 月 17 日"),
    ],
)
def test_birth_dates_in_spaced_forms(text, value):
    assert _span(text, value, "DATE_TIME") in _spans(text, "DATE_TIME")


def test_birth_date_negatives():
    assert _found("生 日：____年__月__日", "DATE_TIME") == []
    assert _found("出生日期：2001 年", "DATE_TIME") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("现居住地：山东省菏泽市曹县   联系电话：", "山东省菏泽市曹县"),  # a county after a label
        ("长期居住在河北省保定市易县，因发热入院。", "河北省保定市易县"),
        ("户籍地山东省菏泽市曹县，现住本地。", "山东省菏泽市曹县"),
        ("居住地：广西玉林市博白县", "广西玉林市博白县"),
        ("患者路遥，男，57岁，系河南周口人，居住于本市。", "河南周口"),  # 系…人, no units
    ],
)
def test_addresses_to_the_county_and_origins(text, value):
    assert _span(text, value, "LOCATION") in _spans(text, "LOCATION")


@pytest.mark.parametrize(
    "text",
    [
        "四川省成都市武侯区人民医院",
        "建议转四川省成都市武侯区人民医院进一步治疗。",
        "患者于外院（甘肃省通渭县平襄镇卫生院）就诊。",
        "据四川省成都市武侯区卫生健康委员会通报，流感病例增多。",
        "系统显示本院人员",
        "系统人，",
    ],
)
def test_institutions_named_after_their_seat_are_no_address(text):
    assert _found(text, "LOCATION") == []


def test_home_address_next_to_a_hospital_is_still_found():
    text = "现住：四川省成都市武侯区万科城市花园7栋2单元1503室，曾在武侯区人民医院就诊。"
    assert _span(text, "四川省成都市武侯区万科城市花园7栋2单元1503室", "LOCATION") in _spans(
        text, "LOCATION"
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("带隐形眼镜有什么要注意的？\n提问者：雷春燕  2023-05-12", "雷春燕"),
        ("能否找您看病？\n提问人：欧阳雪梅（南宁市青秀区）", "欧阳雪梅"),
        ("咨询人：滕建新，男，66岁", "滕建新"),
    ],
)
def test_askers_of_qa_posts(text, value):
    assert _span(text, value, "PERSON") in _spans(text, "PERSON")


def test_asker_negatives():
    assert _found("提问者：匿名用户  2023-05-12", "PERSON") == []
    assert _found("咨询者：头痛发热三天怎么办", "PERSON") == []
    assert _found("提问：孩子发烧怎么办？咨询医生后再用药", "PERSON") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("我母亲甘露，51岁，医生您好", "甘露"),  # a name that is a word, made sure by the age
        ("我孙女明亮，7岁，中午发热", "明亮"),
        ("我外孙王浩然，3岁", "王浩然"),
    ],
)
def test_kin_names_before_an_age(text, value):
    assert _span(text, value, "PERSON") in _spans(text, "PERSON")


def test_kin_and_age_negatives():
    for text in ("患者：头晕，3岁了", "家属：宝宝，3岁", "我女儿今年，3岁", "用户：咳嗽，40岁"):
        assert _found(text, "PERSON") == [], text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "我们在杭州市西湖区文鼎苑12幢3单元602，离大医院比较远。",
            "杭州市西湖区文鼎苑12幢3单元602",
        ),
        ("（来自武汉市洪山区保利花园二期18栋1单元）", "武汉市洪山区保利花园二期18栋1单元"),
        ("我们在广西玉林市博白县，离大医院比较远。", "广西玉林市博白县"),  # with its province
        ("患者系云南省曲靖市会泽县人，", "云南省曲靖市会泽县"),
    ],
)
def test_unlabeled_addresses_with_compounds_and_provinces(text, value):
    assert _span(text, value, "LOCATION") in _spans(text, "LOCATION")


def test_unlabeled_district_in_prose_is_no_address():
    # a city and its district running on into prose: a place of a public-health notice
    assert _found("据通报，成都市武侯区近期流感病例增多。", "LOCATION") == []
    assert _found("南宁市青秀区疾控中心提醒市民接种疫苗。", "LOCATION") == []
    # after 在/住 it is where someone lives; a compound joins it only with a building number
    assert _found("我们在杭州市西湖区文化广场附近", "LOCATION") == ["杭州市西湖区"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("医生：方便说下孩子的出生日期吗？\n家属：2022-7-26\n", "2022-7-26"),
        ("医生: 孩子生日呢？\n患儿家长: 2019.05.13生的", "2019.05.13"),
        ("医生：出生日期是多少？\n用户：二〇一九年六月二十八日生的", "二〇一九年六月二十八日"),
    ],
)
def test_birth_date_answered_in_the_next_turn(text, value):
    assert _span(text, value, "DATE_TIME") in _spans(text, "DATE_TIME")


def test_birth_date_answer_negatives():
    assert _found("医生：出生日期？\n患者：不记得了", "DATE_TIME") == []
    # the answer must open the next turn: a date later in it is a visit, not a birth
    assert _found("医生：生日呢？\n家属：我们2023-05-12来过", "DATE_TIME") == []
    assert _found("医生：出生日期？\n\n家属：2019-05-13", "DATE_TIME") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("户口所在地：四川省凉山州西昌市  联系电话", "四川省凉山州西昌市"),  # 凉山彝族自治州
        ("现住：云南省大理州宾川县州城镇", "云南省大理州宾川县州城镇"),
    ],
)
def test_autonomous_prefectures_written_short(text, value):
    assert _span(text, value, "LOCATION") in _spans(text, "LOCATION")


def test_district_before_a_road_or_a_short_place_word_is_kept():
    # a road, or a short word that may begin one, after the district: not prose
    assert _found("齐齐哈尔市龙沙区卜奎大街与龙华路交汇处", "LOCATION") != []
    assert _found("现在在防城港市东兴市新华\t", "LOCATION") != []
