"""Build ``real_text_pii.jsonl``: public Chinese medical text with personal data planted in it.

The carrier text is not ours: questions and answers from the Chinese medical dialogue data of
Toyhom/Chinese-medical-dialogue-data (MIT licence) and admission-note openings laid out like the
CCKS 2017 clinical records published in liuhuanyong/MedicalNamedEntityRecognition (their own
names, places and dates replaced by planted ones). See ``tests/vectors/README.md``.

Personal data is planted in the forms hospital systems, clinicians, patients and forms write
it (issue 17's families); about a third of the items keep the public text alone, so false
positives on real text count. The values come from ``medguard.cn`` generators and short lists
written here, never from the corpus generator ``medguard.testing.corpus``.

Run ``python tests/vectors/make_real_text_pii.py`` to rewrite the file (it is deterministic);
``tests/detect/test_recall_real_text.py`` scores the scanner on it.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from medguard.cn import bank_card, phone, resident_id

# --- public carrier text (Toyhom/Chinese-medical-dialogue-data, Data_数据/IM_内科/内科.txt) ---
QUESTIONS = (
    "我有高血压这两天女婿来的时候给我拿了些党参泡水喝，您好高血压可以吃党参吗？",
    "我是一位中学教师，平时身体健康，最近学校组织健康检查，结果发觉我是高血压，去年还没有这种情况，我很担心。",
    "我爷爷今年68了，年纪大了，高血压这些也领着来了，每次都要按时喝药，才能控制住。",
    "糖尿病有隔代遗传吗？我妈是糖尿病，很多年了，也没养好，我现在也是，我妹子也是。",
    "我妈定期检查的时候，检查出患糖尿病，糖尿病需要有怎么治疗？",
    "医生，我叔叔今天住院了，我去医院看他，发觉这个医院心脑血管科室真的人多。",
    "烧心，打隔，咳嗽低烧，以有4年多",
    "我有高血压，一直在喝药治疗，需要有注意些什么？高血压能做剧烈运动吗？",
    "最近单位组织无偿献血，我也挺想无偿献血的，但是我得高血压能有个四五年了。",
    "我妈妈高血压有什么要注意的？她平时爱吃泡菜和大鱼大肉的，身材也有些肥胖还不爱活动。",
    "我最近在工作的时候总会时不时的感觉到头晕，头痛，而且没什么精神。",
    "查出来癫痫十几年一直在喝药压但是药三分长期喝药一定是不好癫痫长期用药的危害有什么？",
    "打搅了医生，情况是这样子的，我爷爷现在是个高血压患者，可是他最近说他经常头晕，很痛。",
    "医生您好，我叔叔患糖尿病，是几天前发觉的，我在医生那里了解到有糖尿病需要有控制血糖。",
    "我妈妈我今年49岁，这段时间不知晓怎么回事，她的血压有时高有时低，备感非常不舒服。",
    "邻居家的个老爷爷平时身体挺健康的，也经常进去锻练，但是就是有点高血压。",
    "医生打搅了，我已经26岁了，但是我最近生活压力很大，因为我刚结婚一年。",
    "我老公患高血压已经有5年的时间了，最近一段时间总感觉走路不太舒服。",
    "我大伯他患十多年的糖尿病。但是就在今年，他感觉四肢无力，而且浑身没劲儿。",
    "患者女，56岁，前一段时间总是感觉头晕、恶心，有时候还会眼花，去医院检查之后医生说有轻度的高血压。",
    "我婆婆今年65岁，前两年检查出糖尿病就一直靠喝药控制治疗，经常说头晕身体不舒服之类的。",
    "爸爸今年65岁了，想带他去测一下高血压，爸爸身体不太好。",
    "医生我奶奶患高血压病十多年了，平时也都有按医生开的降压药来吃。",
    "妹妹昨天的时候感冒现在老是在并且喉咙发也有一些痰。",
    "我妹妹患癫痫，复发的时候神志不清，口吐白沫，看着都令人难过。",
    "今天我老公回家的时候身体一直抽动，而且脸色苍白，我很担心他得了癫痫病。",
)
ANSWERS = (
    "高血压病人可以口服党参的。党参有降血脂，降血压的作用。",
    "高血压患者首先要注意控制食盐摄入量，每天不超过六克，注意不要吃太油腻的食物。",
    "你爷爷患高血压，这是老年人常见的心血管病，血管老化硬化，血压调整能力消退了。",
    "糖尿病患者首先通过饮食控制和锻练运动，肥胖患者把体重降下来等方式调整一下看一看。",
    "你好，根据你描述的情况看来糖尿病是可以致使血糖异常下降的，建议你尽快复诊当地医院内分泌科看一看。",
    "建议你用奥美拉唑同时，加用吗丁啉或莫沙必利，另外还可以加用达喜片",
    "高血压患者可以无偿献血，因为无偿献血后对血压的影响很小。",
    "平时要按时测定血压，尽量把血压控制在正常范围之内。按时口服降压药物，不可以擅自加量。",
    "高血压再次出现头晕脸红的症状，应当还是由血管扩展引发的，必须要注意休息。",
    "糖尿病是常见的慢性病，病发与隔代遗传因素，饮食习惯以及外界环境都有关系。",
    "您好，根据您的情况，初步判断是由于长期精神紧张所致使的血压下降。",
    "高血压5年了时间还是挺长的，如果他平时的血压控制不好，有可能现在有高血压心脏病了。",
    "头晕恶心就需要有排除一下头部病变，如果血压轻微下降的话影响倒不是很大。",
    "老年人患高血压再次出现头疼，这种情况只好是通过药物来控制，平时注意休息，低盐低脂饮食。",
    "感冒初期如果是有咳发怕风怕冷等许多症多考虑是咽喉炎症上呼吸道感风寒咳嗽等病因而致使的。",
    "您好，癫痫脑神经元异常放电引起来的疾病，建议带孩子到正规的医院神经内科理解正规的治疗。",
    "你好！癫痫的确诊主要借助患者病史及复发时的症状体征等，如果需要检查可以行视频脑电图检查。",
    "高血压患者是可以吃乌鸡白凤丸的，具体要结合实际的病情来使用有关的药物。",
    "您好，有高血压的患者是可以喝黑茶的。祝您健康。",
    "糖尿病的患者应当口服一些重新调整血糖的药物，常决定的有二甲双胍，格列比嗪，瑞格列奈等。",
)
# Admission-note openings laid out like the CCKS 2017 records (values replaced, see README).
COMPLAINTS = (
    "咳嗽、咳痰，伴发热6天",
    "肩颈部疼痛10余年，加重2个月",
    "腰部疼痛伴双下肢麻痛6个月",
    "发作性头晕2年，加重3天",
    "右侧胸部刀刺伤伴疼痛出血5小时",
    "左侧肢体活动不灵伴言语不利1天",
)

# --- planted values (written here; ``medguard.cn`` for what must validate) -----------------------
NAMES = (
    "郎鸿雁",
    "刘志刚",
    "朱桂琴",
    "蔡晓艳",
    "衡福生",
    "宋喜荣",
    "杨淑华",
    "张立春",
    "李桂芹",
    "王秀兰",
    "陈建国",
    "赵子涵",
    "黄海燕",
    "周敏",
    "吴昊",
    "孙丽娟",
    "马俊杰",
    "欧阳明",
    "高洁",
    "王国",
    "成军",
    "白天",
    "苏宁",
    "司马志远",
    "钟离晓",
    "刘䶮",
    "龚𫖯",
    "谭晓东",
    "宁静",
    "鞠萍",
    "冷冰",
    "米雪",
    "向前",
    "江涛",
    "牛犇",
    "党建华",
    "单玉芬",
    "查文斌",
    "解晓东",
)
MINORITY = ("阿卜杜拉·买买提", "扎西·次仁", "古丽米拉·艾力", "努尔艾合买提·吐尔逊")
PINYIN = ("ZHAO JIAHUI", "Liu, Jing", "CHAN Tai Man", "Chan Tai-man", "WANG Xiaoming")
TRADITIONAL = ("陳大文", "張嘉輝", "黃麗萍", "劉德華", "鄭秀雲")
ENGLISH_GIVEN = ("张Tony", "李Mary", "王Kevin")
VILLAGES = (
    "河北省承德市滦平县付营子乡三成店村",
    "承德县刘杖子乡孟家庄村13组",
    "隆化县隆化镇闹海营村",
    "双滦区偏桥子镇老沟门村",
    "四川省南充市营山县城南镇金山村3组",
    "湖南省邵阳县塘渡口镇大坪村5组12号",
)
COMPOUNDS = (
    "双滦区双塔山锦绣城1区15号楼1单元601",
    "承德市双滦区御景新城27号楼2单元1604",
    "南山区桃源街道龙联花园小区32栋4单元1906",
    "朝阳区望京西园三区312号楼1203室",
    "滨江区长河街道江南豪园5幢2单元803",
)
HMT_ADDRESSES = (
    "香港九龙旺角弥敦道700号12楼B座",
    "台北市大安区忠孝东路四段216号5楼",
    "澳门氹仔花城大马路15号海洋花园3座8楼",
)
ORGS = ("承德市第一中学", "河北钢铁集团承钢公司", "北京大学", "滦平县人民政府", "华为技术有限公司")
DOCTOR_TITLES = ("主任医师", "副主任医师", "护士长", "主治医师")


def _id(rng: random.Random) -> str:
    return resident_id.generate(
        rng, birth_date=dt.date(rng.randint(1930, 2015), rng.randint(1, 12), rng.randint(1, 28))
    )


def _grouped_id(rng: random.Random) -> str:
    value = _id(rng)
    style = rng.randrange(6)
    if style == 0:
        return f"{value[:6]} {value[6:14]} {value[14:]}"
    if style == 1:
        return " ".join(value[i : i + 4] for i in range(0, 18, 4))
    if style == 2:
        return f"{value[:3]} {value[3:6]} {value[6:10]} {value[10:14]} {value[14:]}"
    if style == 3:
        return "".join(chr(ord(c) + 0xFEE0) for c in value)
    if style == 4:
        return f"{value[:6]}-{value[6:14]}-{value[14:]}"
    born = dt.date(rng.randint(1930, 1999), rng.randint(1, 12), rng.randint(1, 28))
    return resident_id.generate(rng, birth_date=born, legacy=True)


def _phone(rng: random.Random) -> str:
    number = phone.generate(rng)
    style = rng.randrange(8)
    digits7 = rng.randrange(10**6, 10**7)
    forms = (
        f"+86 {number[:3]} {number[3:7]} {number[7:]}",
        f"0086-{number}",
        f"(86){number}",
        f"{number[:3]}-{number[3:7]}-{number[7:]}",
        f"{number[:3]} {number[3:7]} {number[7:]}",
        f"({rng.choice(['0314', '0311', '0755', '010'])}){rng.randint(2, 8)}{digits7}",
        f"0314-{rng.randint(2, 8)}{rng.randrange(10**6, 10**7)}转{rng.randint(100, 899)}",
        f"{rng.randint(2, 8)}{rng.randrange(100, 1000)}-{rng.randrange(1000, 10000)}",
    )
    return forms[style]


def _dob(rng: random.Random) -> str:
    y, m, d = rng.randint(1930, 2015), rng.randint(1, 12), rng.randint(1, 28)
    digits = "〇一二三四五六七八九"
    chinese = "".join(digits[int(c)] for c in str(y))
    months = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
    days = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九"}
    day = days.get(d) or ("十" + days.get(d - 10, "") if d < 20 else "二十" + days.get(d - 20, ""))
    forms = (
        f"{y}{m:02d}{d:02d}",
        f"{d:02d}/{m:02d}/{y}",
        f"{y}.{m:02d}.{d:02d}",
        f"{y}年{m}月",
        f"{chinese}年{months[m - 1]}月{day}日",
        f"{y}-{m}-{d}",
        f"{y}年{m}月{d}日",
    )
    return rng.choice(forms)


def _mrn(rng: random.Random) -> str:
    forms = (
        f"MZ-2024-{rng.randrange(10**5, 10**6)}",
        f"2022-{rng.randrange(10**5, 10**6)}",
        f"zy{rng.randrange(10**7, 10**8)}",
        f"{rng.randrange(10**6, 10**8)}",
        f"ZY{rng.randrange(10**9, 10**10)}",
        f"A{rng.randrange(10**6, 10**7)}",
    )
    return rng.choice(forms)


def _card(rng: random.Random) -> str:
    value = bank_card.generate(rng, length=19)
    return rng.choice(
        (
            f"{value[:6]} {value[6:]}",
            " ".join(value[i : i + 4] for i in range(0, 19, 4)),
            "-".join(value[i : i + 4] for i in range(0, 19, 4)),
        )
    )


Part = tuple[str, str | None]


def _documents(rng: random.Random) -> list[Part]:
    kind = rng.randrange(9)
    digits = "".join(str(rng.randrange(10)) for _ in range(10))
    if kind == 0:
        return [("护照号码：", None), (f"e{digits[:8]}", "CN_PASSPORT"), ("。", None)]
    if kind == 1:
        return [
            ("港澳通行证号", None),
            (rng.choice((f"C{digits[:8]}", f"CA{digits[:7]}")), "CN_PASSPORT"),
            ("，", None),
        ]
    if kind == 2:
        return [("回乡证：", None), (f"H{digits}", "CN_PASSPORT"), ("；", None)]
    if kind == 3:
        return [("台胞证号码 ", None), (digits[:8], "CN_PASSPORT"), ("。", None)]
    if kind == 4:
        return [("社保卡号：", None), (f"D{digits[:8]}", "CN_SOCIAL_SECURITY_CARD"), ("，", None)]
    if kind == 5:
        return [("军官证号：", None), (f"南字第{digits[:7]}号", "CN_MILITARY_ID"), ("。", None)]
    if kind == 6:
        return [("驾驶证档案编号", None), (digits[:10] + "25", "CN_DRIVING_LICENSE"), ("，", None)]
    if kind == 7:
        return [
            ("银行卡号：", None),
            (_card(rng), "CN_BANK_CARD"),
            ("（户名：", None),
            (rng.choice(NAMES), "PERSON"),
            ("）", None),
        ]
    return [("医保卡号", None), (f"1{digits[:9]}", "CN_SOCIAL_SECURITY_CARD"), ("，", None)]


def _network(rng: random.Random) -> list[Part]:
    kind = rng.randrange(6)
    if kind == 0:
        return [("QQ：", None), (str(rng.randrange(10**6, 10**10)), "ACCOUNT_ID"), ("，", None)]
    if kind == 1:
        return [
            ("微信号：", None),
            (f"wxid_{rng.randrange(10**5, 10**7)}", "ACCOUNT_ID"),
            ("，", None),
        ]
    if kind == 2:
        return [("邮箱 ", None), ("zhangli at 163 dot com", "EMAIL_ADDRESS"), ("，", None)]
    if kind == 3:
        return [("邮箱：", None), ("liu_jing#qq.com", "EMAIL_ADDRESS"), ("。", None)]
    if kind == 4:
        return [
            ("车牌号", None),
            (rng.choice(("冀H·3K52Q", "京A12345", "粤B·D12345")), "CN_VEHICLE_PLATE"),
            ("，", None),
        ]
    return [("设备MAC：", None), ("3C:22:FB:7A:91:0E", "MAC_ADDRESS"), ("。", None)]


def _plant(rng: random.Random, i: int) -> list[Part]:
    q, a = rng.choice(QUESTIONS), rng.choice(ANSWERS)
    name, sex, age = rng.choice(NAMES), rng.choice("男女"), rng.randint(20, 89)
    family = i % 18
    if family == 0:  # a Q&A post signed by the patient
        return [
            (q, None),
            ("（患者", None),
            (name, "PERSON"),
            (f"，{sex}，{age}岁，电话", None),
            (_phone(rng), "PHONE_NUMBER"),
            ("）", None),
        ]
    if family == 1:  # a dialogue with speaker prefixes and a relative giving her name
        return [
            ("患者：", None),
            (q, None),
            ("\n医生：", None),
            (a, None),
            ("\n家属：我是她女儿", None),
            (name, "PERSON"),
            ("，电话", None),
            (_phone(rng), "PHONE_NUMBER"),
            ("。", None),
        ]
    if family == 2:  # an online consultation form
        return [
            ("姓名：", None),
            (name, "PERSON"),
            (f"  性别：{sex}  出生日期：", None),
            (_dob(rng), "DATE_TIME"),
            ("\n身份证号：", None),
            (_grouped_id(rng), "CN_RESIDENT_ID"),
            ("\n病情描述：", None),
            (q, None),
        ]
    if family == 3:  # an admission note opening (CCKS 2017 layout)
        return [
            (name, "PERSON"),
            (f"{sex}{age}岁已婚 汉族 河北承德双滦区人，现住", None),
            (rng.choice(VILLAGES), "LOCATION"),
            (f"，主因{rng.choice(COMPLAINTS)}于2016-03-19入院。", None),
        ]
    if family == 4:  # record numbers in a header
        return [
            ("住院号：", None),
            (_mrn(rng), "CN_MEDICAL_RECORD_NUMBER"),
            ("  病案号 ", None),
            (_mrn(rng), "CN_MEDICAL_RECORD_NUMBER"),
            ("\n", None),
            (a, None),
        ]
    if family == 5:  # an answer signed by the doctor
        title = rng.choice(DOCTOR_TITLES)
        return [(a, None), ("\n", None), (name, "PERSON"), (f"{title}查房后指示：继续观察。", None)]
    if family == 6:  # kinship and representation
        return [
            ("病史由其女儿", None),
            (name, "PERSON"),
            ("代述。", None),
            (q, None),
            ("授权委托人：", None),
            (rng.choice(NAMES), "PERSON"),
            ("，", None),
        ]
    if family == 7:  # residence after 居住于 / 现住 / 户口所在地
        where = rng.choice(COMPOUNDS + VILLAGES)
        return [
            (q, None),
            (rng.choice(("我们居住于", "现住", "户口所在地：")), None),
            (where, "LOCATION"),
            ("。", None),
        ]
    if family == 8:  # identity documents
        return [(a, None), *_documents(rng)]
    if family == 9:  # network and device identifiers
        return [(q, None), *_network(rng)]
    if family == 10:  # names as people really write them
        kind = rng.randrange(4)
        value = (
            rng.choice(MINORITY),
            rng.choice(PINYIN),
            rng.choice(TRADITIONAL),
            rng.choice(ENGLISH_GIVEN),
        )[kind]
        return [("患者姓名：", None), (value, "PERSON"), (f"，{sex}，{age}岁。", None), (q, None)]
    if family == 11:  # a very old patient, workplace
        old = rng.randint(90, 104)
        return [
            ("患者", None),
            (f"{old}岁", "AGE"),
            ("，工作单位：", None),
            (rng.choice(ORGS), "ORGANIZATION"),
            ("。", None),
            (a, None),
        ]
    if family == 12:  # Hong Kong, Macao or Taiwan address, and a title
        return [
            (rng.choice(NAMES), "PERSON"),
            ("女士" if sex == "女" else "先生", None),
            ("住址：", None),
            (rng.choice(HMT_ADDRESSES), "LOCATION"),
            ("。", None),
            (q, None),
        ]
    if family in (13, 14):  # forms written after the families above were coded (not tuned on)
        return _unseen(rng, q, a, name, sex, age)
    return [(rng.choice((q, a)), None)]  # the public text alone (false positives count)


def _unseen(rng: random.Random, q: str, a: str, name: str, sex: str, age: int) -> list[Part]:
    """Planted forms written after the scanner's rules, to measure what it was not tuned on."""
    kind = rng.randrange(12)
    other = rng.choice(NAMES)
    if kind == 0:
        return [("我叫", None), (name, "PERSON"), (f"，今年{age}岁。", None), (q, None)]
    if kind == 1:
        return [
            (q, None),
            ("手机号码 ", None),
            (phone.generate(rng), "PHONE_NUMBER"),
            ("（本人）", None),
        ]
    if kind == 2:
        return [
            ("出生年月：", None),
            (f"{rng.randint(1930, 2010)}年{rng.randint(1, 12)}月", "DATE_TIME"),
            ("。", None),
            (q, None),
        ]
    if kind == 3:
        value = f"CT-2023{rng.randint(1, 12):02d}{rng.randint(10, 28)}-{rng.randrange(1000, 9999)}"
        return [("检查号：", None), (value, "CN_MEDICAL_RECORD_NUMBER"), ("。", None), (a, None)]
    if kind == 4:
        return [(a, None), ("\n医师签名：", None), (name, "PERSON"), ("  2023-05-06", None)]
    if kind == 5:
        return [
            ("参加讨论人员：", None),
            (name, "PERSON"),
            ("副主任医师、", None),
            (other, "PERSON"),
            ("主治医师。", None),
            (a, None),
        ]
    if kind == 6:
        return [("患儿由其母亲", None), (name, "PERSON"), ("代诉。", None), (q, None)]
    if kind == 7:
        return [
            ("微信：", None),
            (f"wang{rng.randrange(1000, 9999)}_fang", "ACCOUNT_ID"),
            ("，邮箱：", None),
            (f"wf{rng.randrange(10, 99)}(at)126.com", "EMAIL_ADDRESS"),
            ("。", None),
            (q, None),
        ]
    if kind == 8:
        return [(q, None), ("车牌：", None), ("苏E·A8H36", "CN_VEHICLE_PLATE"), ("。", None)]
    if kind == 9:
        return [("户籍所在地：", None), (rng.choice(VILLAGES), "LOCATION"), ("。", None), (a, None)]
    if kind == 10:
        return [("孩子就读于", None), ("承德市实验小学", "ORGANIZATION"), ("，", None), (q, None)]
    return [("医生：你好，请问孩子多大了？\n家属：两岁半了，我是他妈妈。\n医生：", None), (a, None)]


def build(seed: int = 17, n: int = 360) -> list[dict[str, object]]:
    """The labeled items: text, gold spans ``[start, end, entity_type]`` and their sources."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        parts = _plant(rng, i)
        text, spans, start = "", [], 0
        for piece, entity in parts:
            if entity is not None:
                spans.append([start, start + len(piece), entity])
            text += piece
            start += len(piece)
        items.append({"text": text, "spans": spans, "family": i % 18, "unseen": i % 18 in (13, 14)})
    return items


def main() -> None:
    """Write the file beside this script."""
    path = Path(__file__).with_name("real_text_pii.jsonl")
    with path.open("w", encoding="utf-8") as f:
        for item in build():
            f.write(json.dumps(item, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
