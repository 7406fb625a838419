# ruff: noqa: E501  (carrier text and printed form lines are kept whole)
"""Build ``heldout4_pii.jsonl``: a fourth held-out labeled set for the text scanner (issue 17).

The three earlier held-out sets were tuned on and no longer predict the score on text nobody
here has seen. This set uses carrier text none of them used and planted forms written before
reading the scanner's rules, from how hospital systems, clinicians and patients write personal
data; it leans on the families the third set found weakest: record numbers under every label
(住院号, 门诊号, 病案号, 登记号, 就诊卡号, 医保卡号, 检查号, 影像号, 病理号, 床号, MRN, 患者ID)
with letters, dashes, prefixes, spaces and in table columns; addresses (rural, compounds,
county-level, without road numbers, after 居住于/现住/户籍/籍贯/系…人, Hong Kong, Macao and
Taiwan); names in Q&A posts and dialogues (speakers, kin, doctors addressed by name and title);
dates of birth in every written form. A quarter of the items hold no personal data, among them
hospital names with their districts and public-health place mentions. Carrier text (short
excerpts, stored below; sources, commits and licences in ``tests/vectors/README.md``):

- a consultation quoted in ``DoctorWenZhangBean.java`` of zhangchao1215/DoctorSixSixSix;
- a paediatric online consultation on ask.dxy.com (question 58082817), the patient's question
  and the doctor's answer, names left out;
- patient-education pages: Beijing Children's Hospital (bch.com.cn, 小儿发热), yilianmeiti.com
  (article 2759017), cnkang.com (A00480alsE), names left out;
- the example conversations of ``README.md`` of Ruiruiz30/Medical_SFT_Dataset (Huatuo data);
- the admission-record layout quoted in ``InHospital.java`` of foxprince/shenyun (labels only),
  and an instruction example of ``finetune/data/dataformat.md`` of CHAOJICHENG5/ShuZhiQiHuang.

Each line: ``{"text", "spans": [[start, end, type]], "canonical": [...], "genre", "family"}``.
Run ``python tests/vectors/make_heldout4_pii.py`` to rewrite the file (deterministic, seed
4417); ``python benchmarks/eval_heldout_text.py tests/vectors/heldout4_pii.jsonl`` scores it;
``tests/detect/test_heldout_sets.py`` keeps floors.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from medguard.cn import phone, resident_id
from medguard.testing.corpus import planted_set, write_jsonl

SEED = 4417
N_ITEMS = 400

# --- public carrier text ------------------------------------------------------------------------
# Patients' questions: DoctorSixSixSix's quoted consultation; ask.dxy.com 58082817; Huatuo examples.
QUESTIONS = (
    "73岁老人患类风湿十几年，并发糖尿病、心脏病",
    "去年突然发现大腿内外側有大面积积液，无甚感觉",
    "去年九月在厂区医院做过简单检查，结果不明。",
    "十月在西京医院检查，专家称无大碍，未做详细检查，至今积液仍无回缩迹象",
    "能否找您看病？您能否给一些治疗建议？",
    "医生您好，我儿子21个月，体重14kg，顺产，无明显接触。",
    "中午发现有轻微咳嗽，有痰，不吃饭，愿意吃流食和水果，大便正常。",
    "中午睡觉时候发现发热，测温39.6，马上服用6ml美林。",
    "精神没有异样，一直说话，和大人互动正常，看电视会学里面说话。",
    "请问现在应当如何处理？是否要到医院测血？",
    "血热的临床表现是什么?",
    "带隐形眼镜..有什么要特别注意的??",
)
# Doctors' answers: ask.dxy.com 58082817; bch.com.cn; yilianmeiti.com; cnkang.com; Huatuo.
ANSWERS = (
    "现在的处理关键是准备好退热药，在发热而且带来不舒服的时候口服退热药。同时注意观察病情。",
    "也就是暂时不急着去医院。就算去了医院，也并不是要验血常规。",
    "整体情况还好的话，这两天在家观察就行。",
    "两天后仍有发热，可以找当地医院医生面诊。",
    "临床工作中通常采用肛温≥38℃或腋温≥37.5℃定义为发热。",
    "感染性因素和非感染性因素均可导致，伴有惊厥时需要紧急家庭处理甚至急救。",
    "保持孩子充足的水分摄入：多喝水可以帮助缓解咳嗽和防止脱水。",
    "注意休息：让孩子多休息，有助于身体恢复。",
    "如果孩子精神状态非常好，发热在3天以内退热，大部分是普通的呼吸道感染引起的发热。",
    "初发或复发病不久。皮疹发展迅速，呈点滴状、钱币状或混合状。",
    "这是一篇患者的咨询。没有具体找哪位大夫，哪家医院、主要病史、实验室检查等。",
    "由于未见到病人，患者对医生的意见仅作参考，必要时可以到医院面诊。",
)
# Clinical phrases: ShuZhiQiHuang's instruction example, bch.com.cn, shenyun's layout.
CLINICAL = (
    "患者主诉：头痛、发热、恶寒、无汗、脉浮紧",
    "根据症状分析，患者可能患有外感风寒证。",
    "头痛、恶寒提示外邪侵袭，发热无汗说明风寒束表，卫阳被遏。",
    "体温恒定地维持在39.0℃~40.0℃以上，24小时内体温波动范围不超过1.0℃。",
    "婚姻状况：已婚  民族：汉族  病史叙述人：本人  可靠性：可靠  职业：其他",
    "大腿内外侧大面积积液，无明显压痛，局部皮温不高。",
)
DIAGNOSES = ("类风湿关节炎", "2型糖尿病", "冠心病", "急性上呼吸道感染", "支气管肺炎", "发热待查")

# --- planted values (written for this set; none is a real person's) -----------------------------
NAMES = (
    "雷春燕",
    "仇志刚",
    "蔺晓峰",
    "芦海英",
    "殷秀兰",
    "滕建新",
    "鞠丽萍",
    "靳国华",
    "郜明",
    "巫晓琳",
    "岑振宇",
    "佘春梅",
    "昝玉兰",
    "钮德胜",
    "糜红",
    "路遥",
    "宁静",
    "明亮",
    "冷月",
    "池建平",
    "幸福来",
    "甘露",
    "晏子涵",
    "逯永强",
    "蒯立新",
    "满江",
    "牟丽华",
    "揭宏伟",
    "庹小燕",
    "亢文斌",
)
COMPOUND = ("欧阳雪梅", "司徒永康", "东方明珠", "慕容秋", "夏侯建军", "尉迟晓")
DOCTORS = ("钟志刚", "包晓丽", "韦国栋", "邬建华", "吕静", "伍婷", "闫磊", "武红")
RURAL = (
    "四川省南充市仪陇县马鞍镇双庙村3组",
    "贵州省毕节市威宁县板底乡雄鹰村",
    "河南省周口市郸城县汲冢镇李楼村",
    "湖南省邵阳市隆回县桃洪镇",
    "云南省大理州宾川县州城镇",
    "甘肃省定西市通渭县平襄镇温泉村四社",
    "江西省赣州市于都县岭背镇",
    "陕西省汉中市城固县原公镇新华村六组",
)
COMPOUNDS = (
    "成都市武侯区万科城市花园7栋2单元1503室",
    "杭州市西湖区文鼎苑12幢3单元602",
    "长沙市岳麓区麓谷小区B区5栋",
    "武汉市洪山区保利花园二期18栋1单元",
    "南宁市青秀区凤岭北小区8-2-301",
    "昆明市盘龙区金星小区12幢",
)
COUNTY = (
    "山东省菏泽市曹县",
    "河北省保定市易县",
    "安徽省阜阳市临泉县",
    "广西玉林市博白县",
    "四川省凉山州会理县",
)
HKMOTW = (
    "香港九龙旺角弥敦道612号",
    "香港新界沙田第一城38座",
    "澳门氹仔花城大马路",
    "澳门特别行政区沙梨头海边街",
    "台湾省台中市西屯区",
    "台北市大安区忠孝东路四段",
)
NATIVE = ("四川南充", "湖南邵阳", "河南周口", "甘肃定西", "山东菏泽", "广东梅州")
HOSPITALS = (
    "四川省成都市武侯区人民医院",
    "重庆市渝中区人民医院",
    "河南省郸城县人民医院",
    "湖南省隆回县中医院",
    "广西博白县妇幼保健院",
    "甘肃省通渭县平襄镇卫生院",
    "成都市武侯区疾控中心",
    "山东省曹县人民医院",
)
RELATIONS = ("女儿", "儿子", "妻子", "丈夫", "母亲", "父亲", "孙女", "儿媳")
TITLES = ("主任", "医生", "大夫", "教授", "主任医师", "护士长")

Part = tuple[str, str | None, str | None]  # (text, entity type or None, canonical value)


def _t(text: str) -> Part:
    return (text, None, None)


def _person(rng: random.Random, pool: tuple[str, ...] | None = None) -> Part:
    value = rng.choice(pool or rng.choices((NAMES, COMPOUND), weights=(6, 1))[0])
    return (value, "PERSON", value)


def _birth(rng: random.Random, lo: int = 1930, hi: int = 2020) -> dt.date:
    return dt.date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))


_CN_DIGITS = "〇一二三四五六七八九"


def _cn_year(y: int) -> str:
    return "".join(_CN_DIGITS[int(c)] for c in str(y))


def _cn_small(n: int) -> str:
    if n <= 10:
        return "十" if n == 10 else _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def _dob(rng: random.Random, d: dt.date | None = None) -> Part:
    """A date of birth in one of the forms systems, clinicians and patients write."""
    d = d or _birth(rng)
    forms = (
        d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}.{d.month:02d}.{d.day:02d}", f"{d.year}{d.month:02d}{d.day:02d}",
        f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.year}-{d.month}-{d.day}",
        f"{_cn_year(d.year)}年{_cn_small(d.month)}月{_cn_small(d.day)}日",
        f"{d.year}年{d.month:02d}月{d.day:02d}日", f"{d.year} 年 {d.month} 月 {d.day} 日",
    )  # fmt: skip
    return (rng.choice(forms), "DATE_TIME", d.isoformat())


def _rid(rng: random.Random, birth: dt.date | None = None) -> Part:
    value = resident_id.generate(rng, birth_date=birth or _birth(rng))
    text = rng.choice((value, value, f"{value[:6]} {value[6:14]} {value[14:]}"))
    return (text, "CN_RESIDENT_ID", value)


def _mobile(rng: random.Random) -> Part:
    n = phone.generate(rng)
    return (rng.choice((n, n, f"{n[:3]}-{n[3:7]}-{n[7:]}")), "PHONE_NUMBER", n)


def _num(rng: random.Random, digits: int) -> str:
    return str(rng.randrange(10 ** (digits - 1), 10**digits))


def _rec(value: str, label: str = "") -> Part:
    # A medical-insurance card is a social-security card (the scanner's type for 医保卡/社保卡).
    entity = "CN_SOCIAL_SECURITY_CARD" if label == "医保卡号" else "CN_MEDICAL_RECORD_NUMBER"
    return (value, entity, value)


def _record_value(rng: random.Random, label: str) -> str:
    """A record number as the system behind ``label`` prints it."""
    y = rng.randint(2018, 2024)
    forms: dict[str, tuple[str, ...]] = {
        "住院号": (
            _num(rng, 7),
            f"ZY{y}{_num(rng, 5)}",
            f"ZY-{y}-{_num(rng, 5)}",
            f"00{_num(rng, 6)}",
            f"zy{_num(rng, 7)}",
        ),
        "门诊号": (
            f"MZ{_num(rng, 9)}",
            f"MZ-{y}-{_num(rng, 6)}",
            _num(rng, 10),
            f"{y}-{_num(rng, 6)}",
        ),
        "病案号": (
            _num(rng, 6),
            f"BA{_num(rng, 7)}",
            f"{_num(rng, 3)}-{_num(rng, 4)}",
            f"B{_num(rng, 8)}",
        ),
        "登记号": (f"000{_num(rng, 7)}", _num(rng, 10), f"DJ{_num(rng, 8)}"),
        "就诊卡号": (
            _num(rng, 12),
            f"{_num(rng, 4)} {_num(rng, 4)} {_num(rng, 4)}",
            f"JZK{_num(rng, 9)}",
        ),
        "医保卡号": (
            f"{_num(rng, 4)}{rng.choice('ABCDEFGH')}{_num(rng, 5)}",
            f"SC{_num(rng, 10)}",
            f"5{_num(rng, 9)}X",
        ),
        "检查号": (f"CT{y}{_num(rng, 6)}", f"MR-{_num(rng, 7)}", f"US{_num(rng, 8)}"),
        "影像号": (f"DR{_num(rng, 7)}", f"PACS-{_num(rng, 8)}", _num(rng, 9)),
        "病理号": (
            f"P{y % 100}-{_num(rng, 5)}",
            f"{y % 100}S{_num(rng, 5)}",
            f"BL{y}{_num(rng, 4)}",
        ),
        "MRN": (_num(rng, 8), f"MRN{_num(rng, 7)}", f"A{_num(rng, 7)}"),
        "患者ID": (f"P{_num(rng, 9)}", _num(rng, 10), f"ID-{_num(rng, 8)}"),
    }
    return rng.choice(forms[label])


RECORD_LABELS = (
    "住院号",
    "门诊号",
    "病案号",
    "登记号",
    "就诊卡号",
    "医保卡号",
    "检查号",
    "影像号",
    "病理号",
    "MRN",
    "患者ID",
)


def _label_text(rng: random.Random, label: str) -> str:
    """The label as printed: a colon (or not), spread over a column's width, bracketed."""
    colon = rng.choice(("：", "：", ":", ": ", " "))
    if label == "MRN":
        return rng.choice(("MRN: ", "MRN#", "MRN ", "病历号(MRN)："))
    shown = rng.choice(
        (label, label, label, " ".join(label) if len(label) == 3 else label, f"【{label}】")
    )
    return shown + (colon if not shown.startswith("【") else "")


def _bed(rng: random.Random) -> list[Part]:
    n = str(rng.randint(1, 48))
    form = rng.randrange(5)
    if form == 0:
        return [_t(rng.choice(("床号：", "床号:", "床 号："))), _rec(n)]
    if form == 1:
        return [_t("床号："), _rec(n), _t("床")]
    if form == 2:
        v = f"+{rng.randint(1, 6)}"
        return [_t("床号："), _rec(v)]
    if form == 3:
        v = f"{rng.randint(3, 12)}-{rng.randint(1, 40):02d}"
        return [_t("床位号："), _rec(v)]
    return [_t("床号："), _rec(f"加{rng.randint(1, 9)}")]


def _address(rng: random.Random) -> Part:
    pool = rng.choices((RURAL, COMPOUNDS, COUNTY, HKMOTW), weights=(4, 3, 2, 2))[0]
    value = rng.choice(pool)
    return (value, "LOCATION", value)


def _sep(rng: random.Random) -> str:
    return rng.choice(("  ", "   ", "\t", " "))


# --- families -------------------------------------------------------------------------------------
def _record_labels(rng: random.Random) -> list[Part]:
    """Header lines of a report or record with several numbers under their labels."""
    labels = rng.sample(RECORD_LABELS, rng.randint(2, 3))
    parts: list[Part] = [
        _t(rng.choice(("", "科室：心内科二病区" + _sep(rng), "检查项目：胸部CT平扫" + _sep(rng))))
    ]
    if rng.random() < 0.6:
        parts += [_t("姓名："), _person(rng), _t(_sep(rng))]
    for label in labels:
        parts += [
            _t(_label_text(rng, label)),
            _rec(_record_value(rng, label), label),
            _t(_sep(rng)),
        ]
    if rng.random() < 0.5:
        parts += _bed(rng)
    parts.append(_t("\n" + rng.choice(CLINICAL + DIAGNOSES)))
    return parts


def _inline_records(rng: random.Random) -> list[Part]:
    """Record numbers written in running text by clinicians and clerks."""
    label = rng.choice(RECORD_LABELS)
    kind = rng.randrange(4)
    v = _rec(_record_value(rng, label), label)
    if kind == 0:
        return [_t(f"患者于{rng.randint(2019, 2023)}年{rng.randint(1, 12)}月在我院住院治疗（{label}"), v,
                _t(f"），诊断为{rng.choice(DIAGNOSES)}。")]  # fmt: skip
    if kind == 1:
        return [_t(f"复印病历请提供{label}，本次{label}为"), v, _t("。")]
    if kind == 2:
        return [_t(rng.choice(CLINICAL)), _t(f"（{label}"), v, _t("）")]
    return [_t(f"{rng.choice(DIAGNOSES)}，{label}"), v, _t("，请病案室调阅既往资料。")]


def _table(rng: random.Random) -> list[Part]:
    """A ward list pasted as text: tabs, commas or a markdown grid, record columns of every label."""
    cols = rng.choice((("床号", "姓名", "病案号", "诊断"), ("序号", "患者姓名", "登记号", "床位", "入院诊断"),
                       ("姓名", "性别", "门诊号", "就诊卡号"), ("床号", "姓名", "年龄", "住院号", "主管医生")))  # fmt: skip
    style = rng.randrange(3)
    sep, lead, tail = (("\t", "", ""), (",", "", ""), (" | ", "| ", " |"))[style]
    parts: list[Part] = [_t(lead + sep.join(cols) + tail + "\n")]
    if style == 2:
        parts.append(_t("|" + "|".join("---" for _ in cols) + "|\n"))
    for i in range(rng.randint(2, 3)):
        parts.append(_t(lead))
        for j, col in enumerate(cols):
            if j:
                parts.append(_t(sep))
            if col in ("床号", "床位"):
                parts.append(_rec(str(rng.randint(1, 40))))
            elif col in ("姓名", "患者姓名"):
                parts.append(_person(rng))
            elif col == "主管医生":
                parts.append(_person(rng, DOCTORS))
            elif col in ("病案号", "登记号", "门诊号", "就诊卡号", "住院号"):
                parts.append(_rec(_record_value(rng, col)))
            elif col == "序号":
                parts.append(_t(str(i + 1)))
            elif col == "性别":
                parts.append(_t(rng.choice("男女")))
            elif col == "年龄":
                parts.append(_t(f"{rng.randint(20, 90)}岁"))
            else:
                parts.append(_t(rng.choice(DIAGNOSES)))
        parts.append(_t(tail + "\n"))
    return parts


def _admission_narrative(rng: random.Random) -> list[Part]:
    """The opening of an admission note: origin, residence, household register, birth."""
    b = _birth(rng, 1935, 1995)
    parts: list[Part] = [
        _t("患者"),
        _person(rng),
        _t(f"，{rng.choice('男女')}，{2023 - b.year}岁，汉族，已婚，"),
    ]
    kind = rng.randrange(5)
    if kind == 0:
        n = rng.choice(NATIVE)
        parts += [_t("系"), (n, "LOCATION", n), _t("人，")]
    elif kind == 1:
        n = rng.choice(NATIVE)
        parts += [_t("籍贯："), (n, "LOCATION", n), _t("，")]
    elif kind == 2:
        parts += [_t("户籍地"), _t(rng.choice(("：", ""))), _address(rng), _t("，")]
    elif kind == 3:
        parts += [_t("出生于"), _dob(rng, b), _t("，")]
    else:
        parts += [_t("生于"), _dob(rng, b), _t("，")]
    parts += [_t(rng.choice(("现居住于", "现住", "居住于", "长期居住在", "现居"))), _address(rng)]
    parts += [_t(f"，因“{rng.choice(CLINICAL)}”入院。")]
    return parts


def _birth_forms(rng: random.Random) -> list[Part]:
    """Dates of birth after their labels, in every written form."""
    label = rng.choice(("出生日期：", "出生日期:", "出生年月日：", "生日：", "DOB: ", "出生：", "出生时间：",
                        "生 日：", "Birth Date: ", "出生日期 "))  # fmt: skip
    parts: list[Part] = [
        _t("姓名："),
        _person(rng),
        _t(_sep(rng) + f"性别：{rng.choice('男女')}" + _sep(rng)),
    ]
    parts += [_t(label), _dob(rng)]
    if rng.random() < 0.5:
        parts += [_t(_sep(rng) + "身份证号："), _rid(rng)]
    parts.append(_t("\n" + rng.choice(CLINICAL)))
    return parts


def _address_labels(rng: random.Random) -> list[Part]:
    """Addresses after the labels of registration forms, including HK/Macao/Taiwan."""
    label = rng.choice(("现住址：", "户籍地址：", "户口所在地：", "常住地址：", "家庭住址：", "居住地：", "通讯地址：",
                        "现居住地：", "住址："))  # fmt: skip
    parts: list[Part] = [_t("姓名："), _person(rng), _t(_sep(rng)), _t(label), _address(rng)]
    if rng.random() < 0.6:
        parts += [_t(_sep(rng) + "联系电话："), _mobile(rng)]
    return parts


def _dialogue(rng: random.Random) -> list[Part]:
    """A consultation with speakers, kin and doctors addressed by name and title."""
    doc = rng.choice(DOCTORS)
    title = rng.choice(TITLES[:4])
    pat = rng.choice(("患者", "家属", "患儿家长", "用户"))
    sep = rng.choice(("：", ": "))
    parts: list[Part] = []
    kind = rng.randrange(5)
    if kind == 0:
        parts += [
            _t(f"{pat}{sep}"),
            (doc, "PERSON", doc),
            _t(f"{title}您好，{rng.choice(QUESTIONS)}\n"),
        ]
        parts += [_t(f"医生{sep}{rng.choice(ANSWERS)}\n")]
    elif kind == 1:
        rel = rng.choice(RELATIONS)
        parts += [_t(f"医生{sep}{rng.choice(ANSWERS)}\n{pat}{sep}我是患者的{rel}，我叫"), _person(rng),
                  _t(f"，{rng.choice(QUESTIONS)}\n")]  # fmt: skip
    elif kind == 2:
        parts += [
            _t(f"医生{sep}请问患者叫什么名字？\n{pat}{sep}"),
            _person(rng),
            _t(f"，{rng.randint(20, 80)}岁\n"),
        ]
    elif kind == 3:
        parts += [
            _t(
                f"{pat}{sep}{rng.choice(QUESTIONS)}\n医生{sep}方便说下孩子的出生日期吗？\n{pat}{sep}"
            )
        ]
        parts += [_dob(rng, _birth(rng, 2018, 2023)), _t(rng.choice(("", "出生的", "生的")) + "\n")]
    else:
        parts += [_t(f"{pat}{sep}谢谢"), (doc, "PERSON", doc), _t(f"{title}！我妈妈住院号是"),
                  _rec(_record_value(rng, "住院号")), _t("，明天能查房吗？\n")]  # fmt: skip
    return parts


def _qa_post(rng: random.Random) -> list[Part]:
    """A Q&A post: the asker, kin named, a doctor thanked by name, where they live."""
    q = rng.choice(QUESTIONS)
    kind = rng.randrange(5)
    if kind == 0:
        rel = rng.choice(RELATIONS)
        return [_t(f"我{rel}"), _person(rng), _t(f"，{rng.randint(50, 85)}岁，{q}")]
    if kind == 1:
        doc = rng.choice(DOCTORS)
        return [
            _t(f"{q}之前在县医院看过，"),
            (doc, "PERSON", doc),
            _t(f"{rng.choice(TITLES)}说要复查。"),
        ]
    if kind == 2:
        return [_t(q), _t("我们在"), _address(rng), _t("，离大医院比较远。")]
    if kind == 3:
        return [
            _t("患者姓名："),
            _person(rng),
            _t(f"\n性别：{rng.choice('男女')}\n年龄：{rng.randint(1, 80)}岁\n病情描述："),
            _t(q),
        ]
    return [
        _t(q),
        _t("\n提问者："),
        _person(rng),
        _t(f"  {rng.randint(2019, 2023)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"),
    ]


def _signature(rng: random.Random) -> list[Part]:
    """Signatures and staff named in notes."""
    kind = rng.randrange(3)
    if kind == 0:
        return [_t(rng.choice(CLINICAL) + "\n"), _t("经治医师："), _person(rng, DOCTORS), _t(_sep(rng) + "上级医师："),
                _person(rng, DOCTORS)]  # fmt: skip
    if kind == 1:
        return [_t("今日"), _person(rng, DOCTORS), _t("主任医师查房："), _t(rng.choice(CLINICAL))]
    return [
        _t(rng.choice(ANSWERS) + "\n报告医师："),
        _person(rng, DOCTORS),
        _t(_sep(rng) + "审核医师："),
        _person(rng, DOCTORS),
    ]


def _negative(rng: random.Random) -> tuple[str, list[Part]]:
    """Public text alone, hospital names with districts, public-health place mentions."""
    kind = rng.randrange(6)
    h = rng.choice(HOSPITALS)
    if kind == 0:
        return "qa_post", [_t(rng.choice(QUESTIONS) + "\n" + rng.choice(ANSWERS))]
    if kind == 1:
        return "clinical_note", [
            _t(f"患者于外院（{h}）就诊，诊断为{rng.choice(DIAGNOSES)}，现为进一步诊治来我院。")
        ]
    if kind == 2:
        return "clinical_note", [_t(f"{rng.choice(CLINICAL)}\n建议转{h}进一步治疗。")]
    if kind == 3:
        place = rng.choice(("成都市武侯区", "重庆市渝中区", "郸城县", "南宁市青秀区", "湖南省"))
        return "form", [_t(f"据{place}卫生健康委员会通报，{place}近期流感病例增多，请做好防护。")]
    if kind == 4:
        return "form", [
            _t(
                "住院号：__________  床号：____  病案号：__________\n姓名：________  出生日期：____年__月__日"
            )
        ]
    return "dialogue", [_t(f"患者：{rng.choice(QUESTIONS)}\n医生：{rng.choice(ANSWERS)}")]


FAMILIES = (
    ("record_labels", "form", _record_labels),
    ("record_labels", "form", _record_labels),
    ("inline_records", "clinical_note", _inline_records),
    ("table", "form", _table),
    ("admission_narrative", "clinical_note", _admission_narrative),
    ("admission_narrative", "clinical_note", _admission_narrative),
    ("birth_forms", "form", _birth_forms),
    ("address_labels", "form", _address_labels),
    ("dialogue", "dialogue", _dialogue),
    ("qa_post", "qa_post", _qa_post),
    ("qa_post", "qa_post", _qa_post),
    ("signature", "signature", _signature),
)


def build(seed: int = SEED, n: int = N_ITEMS) -> list[dict[str, object]]:
    """The labeled items (deterministic for a seed)."""
    return planted_set(FAMILIES, _negative, seed=seed, n=n)


def main() -> None:
    """Write the file beside this script."""
    write_jsonl(build(), Path(__file__).with_name("heldout4_pii.jsonl"))


if __name__ == "__main__":
    main()
