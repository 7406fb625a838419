"""Recall on person names as clinicians, forms and patients write them, and the dialogue and
clinical words after 患者 that are not names.

Every sentence is hand-written (issue 17), not produced by ``medguard.testing.corpus``.
"""

import pytest

from medguard.cn import names
from medguard.detect import scan_text


def found(text: str) -> list[tuple[str, str]]:
    """What scan_text reports in ``text``, as (entity type, the exact span's text), in order."""
    return [(f.entity_type, text[f.start : f.end]) for f in scan_text(text)]


def persons(text: str) -> list[str]:
    return [value for entity, value in found(text) if entity == "PERSON"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今日李建国主任医师查房，指示继续抗感染治疗。", ["李建国"]),
        ("请王志远副主任医师会诊，同意目前诊断。", ["王志远"]),
        ("张丽萍护士长查房后强调防跌倒。", ["张丽萍"]),
        ("刘斌主任查房：患者病情平稳。", ["刘斌"]),
        ("经欧阳明华主治医师同意后出院。", ["欧阳明华"]),
        ("参加讨论人员：陈志强、赵红梅、孙立新", ["陈志强", "赵红梅", "孙立新"]),
        ("医师签名：周建华  2023-05-06", ["周建华"]),
        ("记录者：马丽娟\n审核者：", ["马丽娟"]),
    ],
)  # fmt: skip
def test_names_of_staff_by_their_titles(text, expected):
    """Names before role titles (主任医师, 副主任医师会诊, 护士长, 主任查房) and after signature
    and list labels are found."""
    assert persons(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("病史由其女儿王秀兰代述，可靠。", ["王秀兰"]),
        ("患儿由其母亲李红代诉病史。", ["李红"]),
        ("授权委托人：赵立军（患者之子）", ["赵立军"]),
        ("陪诊人：孙梅，电话见上。", ["孙梅"]),
        ("紧急联系人：何勇", ["何勇"]),
        ("户名：钱小芳  开户行：工商银行", ["钱小芳"]),
        ("送检人：郑凯  送检时间：08:30", ["郑凯"]),
        ("其爱人杨静陪同就诊。", ["杨静"]),
    ],
)  # fmt: skip
def test_names_after_kinship_and_representation(text, expected):
    """Names after 其女儿, 其母亲, 授权委托人, 陪诊人, 联系人, 户名, 送检人 and 爱人 are found."""
    assert persons(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张建华先生于今日办理出院。", ["张建华"]),
        ("请李晓红女士到护士站签字。", ["李晓红"]),
        ("王国，男，56岁，因胸痛入院。", ["王国"]),
        ("患者王国，男，56岁。", ["王国"]),
        ("姓名：高洁  性别：女", ["高洁"]),
        ("患者白天，女，34岁", ["白天"]),
        ("联系人：苏宁，电话见上", ["苏宁"]),
        ("成军，男，45岁，河北省承德市双滦区人。", ["成军"]),
        ("郎鸿雁女59岁已婚 汉族", ["郎鸿雁"]),
        ("刘志刚，河北省承德市双滦区双塔山镇大元宝山村人。", ["刘志刚"]),
    ],
)  # fmt: skip
def test_names_with_titles_and_names_that_are_words(text, expected):
    """Names before 先生/女士, names that are ordinary words (王国, 高洁, 白天, 苏宁, 成军) where
    the context is unambiguous, a name glued to its sex marker, a name before an address."""
    assert persons(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("患者姓名：ZHAO JIAHUI，男，32岁", ["ZHAO JIAHUI"]),
        ("姓名：Liu, Jing", ["Liu, Jing"]),
        ("联系人：CHAN Tai Man（兄）", ["CHAN Tai Man"]),
        ("患者Chan Tai-man，男", ["Chan Tai-man"]),
        ("姓名：陳大文，香港居民", ["陳大文"]),
        ("家属張嘉輝電話", ["張嘉輝"]),
        ("患者阿卜杜拉·买买提，男，45岁", ["阿卜杜拉·买买提"]),
        ("联系人：扎西·次仁", ["扎西·次仁"]),
        ("患者努尔艾合买提·吐尔逊，男", ["努尔艾合买提·吐尔逊"]),
        ("联系人：张Tony（同事）", ["张Tony"]),
        ("患者刘䶮，男，30岁", ["刘䶮"]),
        ("患者龚𫖯，女，28岁", ["龚𫖯"]),
        ("我叫王秀兰，今年45岁。", ["王秀兰"]),
    ],
)  # fmt: skip
def test_names_as_people_really_write_them(text, expected):
    """Pinyin and Hong Kong romanizations after a name context, traditional characters,
    minority names with their separators, a Chinese surname with an English given name, and
    characters outside the basic CJK block (Extension A and C)."""
    assert persons(text) == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("姓名：赵建国\t性别：男\t年龄：58岁", "赵建国"),
        ("家属（儿子）王磊电话13512345678", "王磊"),
        ("主刀医师：陈志刚，术后返回病房", "陈志刚"),
        ("麻醉医师：欧阳娜娜", "欧阳娜娜"),
        ("患者黄建华于2023年5月3日行手术", "黄建华"),
        ("今日由吴建军主任医师查房", "吴建军"),
        ("上级医师何志明查看病人后指示", "何志明"),
        ("患儿之母李娟代诉：", "李娟"),
        ("病人：我叫陈静，今年35岁。", "陈静"),
        ("检查者：林海", "林海"),
        ("签字人：胡建平", "胡建平"),
        ("手术者：谢军", "谢军"),
        ("患者家属王建华表示理解", "王建华"),
        ("患者配偶李春梅陪护", "李春梅"),
        ("\n查文斌女士到护士站", "查文斌"),
        ("\n苏宁副主任医师查房", "苏宁"),
        ("由商雪医师主刀", "商雪"),
        ("家属：叫豆豆，大名张子轩。", "张子轩"),
    ],
)  # fmt: skip
def test_more_contexts_from_forms_and_notes(text, name):
    """Names in table fields, after family, staff and signature labels, before titles at the
    start of a line (a whole run there is the name), and after 由 (which is no part of it)."""
    assert persons(text) == [name]


def test_a_table_pasted_as_text():
    """A row of a table pasted as text (tab-separated) gives its name."""
    text = "姓名\t性别\t年龄\n李桂芹\t女\t67\n"
    assert persons(text) == ["李桂芹"]


def test_the_full_surname_list():
    """The surname table holds the Hundred Family Surnames (single and compound), rare modern
    surnames and traditional forms."""
    for surname in ("赵", "钱", "酆", "訾", "乜", "覃", "禤", "陳", "鄭"):
        assert surname in names.SURNAMES, surname
    for compound in ("万俟", "闾丘", "第五", "端木", "歐陽"):
        assert compound in names.COMPOUND_SURNAMES, compound


@pytest.mark.parametrize(
    "text",
    [
        "患者全般情况可。", "患者查体合作。", "患者应于明日复查血常规。", "患者和家属表示理解。",
        "患者常于夜间发作。", "患者尚可，继续观察。", "患者甘露醇脱水治疗后头痛缓解。",
        "患者：医生你好，我最近老是头晕。\n医生：好的，头晕多久了？",
        "病人：谢谢医生\n医生：不客气，按时吃药。",
        "家属：和他爸一起来的。\n医生：那先去挂号吧。",
        "患者：时间不长，两三天吧。", "医生：向左侧卧，放松。",
        "去医院检查之后医生说有轻度的高血压。", "吃了药之后医生让我复查。",
        "高血压患者首先要注意控制食盐摄入量。", "糖尿病患者常决定的有二甲双胍。",
        "患者安静入睡。", "患者明显好转。", "患者平卧位。",
        "医生：你好，请问孩子多大了？\n家属：两岁半了，我是他妈妈。",
    ],
)  # fmt: skip
def test_dialogue_and_clinical_words_are_not_names(text):
    """Function words and clinical words after 患者 or a speaker prefix, and words before 医生,
    are not names: a name there must look like a name."""
    assert persons(text) == []
