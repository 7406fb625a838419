"""Build ``heldout_pii.jsonl``: a second, held-out labeled set of public Chinese medical text.

Not used to tune the scanner: it measures recall, precision and the de-identifier's leak rate
on text the rules were not written against (``real_text_pii.jsonl`` was tuned on). Its carrier
text comes from two public sources other than those of ``real_text_pii.jsonl`` (see
``tests/vectors/README.md``):

- turns of online consultations from yanguojun123/Medical-Dialogue (MIT licence),
  ``data/dev_human_annotation.txt`` at commit 6af37ce9e70ae3c0e44ec9587ea532e0c9170b80;
- present-history and history sentences of the regression records in qifuzhongtian/hm,
  ``cdssTest/经典病历/回归测试集154份病历.robot`` at commit
  0107b7f18327c1bf39d2e9ae03cd555392e20b02 (no licence file: short sentences only).

Identifiers are planted per family of issue 17 in forms written for this file (not the
templates of ``make_real_text_pii.py`` nor of ``medguard.testing.corpus``); values come from
``medguard.cn`` generators and lists written here. A third of the items carry no planted value,
so false positives on real text count. Spans are exact: ``⟦TYPE|value⟧`` marks a planted value
in a template and is replaced by the value.

Run ``python tests/vectors/make_heldout_pii.py`` to rewrite the file (deterministic, seed 29);
``python tests/vectors/make_heldout_pii.py --score`` prints precision, recall and F1 per type
and the leak rate of ``deidentify_text``.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

from medguard.cn import address, bank_card, phone, resident_id

# --- public carrier text ------------------------------------------------------------------------
# yanguojun123/Medical-Dialogue, data/dev_human_annotation.txt: patients' turns
PATIENT_TURNS = (
    "破伤病毒感染交感神经的症状？（男，37岁）",
    "会引起突然心率过快，血压高，冒汗吗？",
    "受伤时没打，发病了，住院后打的。住了一周然后出院，现在一直感觉浑身没劲",
    "出院前做了血化验，医生说血里面没有病毒了！可能感染了交叉神经，回去养着吧！",
    "没什么大碍吧？需要吃些什么药控制一下吗？",
    "估计还得多长时间可以完全康复？",
    "别的还有什么要注意的吗？不会再加重吧？",
    "吃完四联去检查还做胃镜吗（女，50岁）",
    "中问感冒了，把四联药停了",
    "后来感冒好了，我一直吃到现在",
    "现在才把药停了，停有六七天了",
    "不过这几天还行，吃饭胃也不胀了",
    "我的儿子十岁了，他用吃药吗",
    "我怕传染给孩子",
    "我把碗筷全部都消过毒",
    "肾衰竭心衰晚期要进重症监护室吗82岁（男，82岁）",
    "本地医院已经无能为力了，这种情况有必要进吗他的身体情况肯定是不能透析的",
    "消化不良，吸收不好，很瘦啊",
    "不拉，就是大便有点不正常",
    "没有我也是那网上的医生咨询的",
    "大便不正常，不成型，有时三五天一次，有时一天好几次，很长时间了",
    "吃复方乳酸菌素片行吗",
)
# the doctors' answers in the same file
DOCTOR_TURNS = (
    "破伤风杆菌慢慢爬到中枢神经后出现恐水，恐风，肌肉僵直这些都是",
    "你打了疫苗了吗",
    "你是什么发病住院的？",
    "会出现这些不舒服是交感神经兴奋的表现是破伤风的症状",
    "如果想用药beta受体阻断剂 美托洛尔可以考虑4分之1片口服一天一次",
    "等毒素基本中和或者代谢掉了之后慢慢会好得几个月",
    "你好，去复查呼气实验看下杀菌情况就可以",
    "停药一个月后复查就可以",
    "杀菌治疗最多就吃两周",
    "少吃多餐就可以祝你早日康复",
    "那应该先去医院检查清楚比较好",
    "老年人肾衰合并严重心衰还是很危险的，当然如果需要可以转院，这就需要家属决定了。",
    "那么如果当地医生建议来，进icu也可以透析的，ICU都有床旁透析机。",
    "嗯如果是功能紊乱，可以吃舒丽启能",
    "胃肠功能紊乱可能性比较大平时喜欢吃刺激性食物吗",
    "自身吸收问题不太好调，平时可以吃些益生菌，比如金双岐",
    "可以一起吃平时注意饮食，不要吃刺激性的",
)
# qifuzhongtian/hm, the regression records: history sentences
CLINICAL = (
    "患者于2年前无明显诱因出现排尿等待、费力，尿线变细，射程变短，尿滴沥不尽，有尿频，夜尿增多。",
    "以上症状逐渐加重，2天前无明显诱因出现尿频尿急尿痛，频繁尿意，伴发热及意识烦躁。",
    "患者自发病以来，精神食欲可，大便轻度失禁，小便如上述，体力体重无明显改变。",
    "既往有高血压病史2年，长期口服阿司匹林肠溶缓释片及非洛地平缓释片。",
    "常驻地：本地，无地方病地区居住史吸烟史：无 戒烟：否饮酒史：无 戒酒：否无毒品接触史。",
    "家族是否有类似疾病：无 否认家族性遗传病史及传染病史。",
    "患者5小时余前无明显诱因下出现腹部疼痛，呈持续性胀痛，以脐周为主，阵发性加重，无它处放射。",
    "现为求进一步治疗，拟“肠梗阻”收入我科。患者自起病以来，精神尚可，睡眠可，未进食。",
    "患儿于5天无明显诱因出现发热，呈不规则热，体温最高达39℃，无畏寒，无寒战及抽搐。",
    "患儿现仍有发热，并出现手足肿胀，结膜充血，口唇皲裂，无明显咳嗽咳痰，无吐泻。",
    "患者5年前出现尿频，白天3-4次，晚上4-5次，伴尿急、排尿费力、尿线变细、射程变近。",
    "患者6天前无明显诱因下出现咯血，色鲜红，量约30-40ml，无胸痛，无胸闷气急，无咳嗽咳痰。",
    "曾至当地卫生院配药治疗，效果欠佳，遂来我院门诊就诊，要求直接入院检查。",
    "起病来神清，精神软，胃纳及睡眠一般，大小便正常，近期体重无明显变化。",
    "患者5小时前无明显诱因下出现头痛，疼痛较剧烈，具体性质及部位叙述不清，意识水平下降。",
    "家属综合考虑后要求保守治疗，且拒绝转上级医院。",
    "患者1月前于活动中急性起病，突发全头刀割样疼痛，伴有恶心、欲呕，持续约半小时左右。",
    "呕吐后头痛，恶心明显减轻，继续上班工作。",
    "患者肢体活动障碍明显缓解，病来神清，精神一般，睡眠尚可，食欲一般，二便如常。",
    "上述病史记录已经征得陈述者认同。",
)

# --- planted values (written here) ------------------------------------------------------------
NAMES = (
    "刘建民", "孙海燕", "何志强", "罗晓梅", "许文博", "冯立新", "曹雪梅", "彭国栋", "曾凡荣",
    "韩冬梅", "蒋文华", "沈玉兰", "唐伟", "傅强", "卢静", "汪明", "范红英", "邱志明", "程亮",
    "田野", "金鑫", "夏雨", "方圆", "江南", "万里", "柳青", "石磊", "司徒浩然", "上官婉清",
    "东方明", "慕容雪", "王堃", "李喆", "张赟", "陈昇", "邝美云", "亓官文",
)  # fmt: skip
TRADITIONAL = ("何嘉欣", "羅志強", "鄧麗欣", "陳美玲")
PINYIN = ("ZHANG Wei", "Li, Na", "WONG Ka Ming", "HUANG Jianguo")
MINORITY = ("买买提·艾力", "次仁·多吉", "热依拉·阿不都")
TITLES = ("主任医师", "副主任医师", "主治医师", "护士长", "主任", "医师", "教授")
KIN = ("其女儿", "其儿子", "其妻", "其丈夫", "其母亲", "患者女儿", "患者儿子")
RURAL = (
    "广西壮族自治区桂林市阳朔县白沙镇旧县村5组",
    "安徽省六安市霍邱县城关镇东湖小区8栋2单元302",
    "江苏省徐州市沛县龙固镇",
    "山东省菏泽市曹县青堌集镇前王庄村",
    "甘肃省天水市秦安县兴国镇",
    "湖北省黄冈市蕲春县漕河镇李家湾村3组",
    "河南省周口市郸城县宁平镇",
    "浙江省杭州市余杭区良渚街道玉鸟小区21幢1单元502室",
)
SHORT_PLACES = ("阳朔县白沙镇旧县村5组", "霍邱县城关镇", "蕲春县漕河镇李家湾村", "曹县青堌集镇",
                "秦安县兴国镇")  # fmt: skip
ORIGINS = ("湖南省衡阳市", "四川省宜宾市", "江西省赣州市", "河北省邢台市")
LABELS_MRN = ("住院号", "门诊号", "病案号", "登记号", "患者ID", "ID号", "检查号", "MRN", "就诊卡号")
CN_DIGITS = "〇一二三四五六七八九"

_MARK = re.compile(r"⟦([A-Z_]+)\|([^⟧]*)⟧")


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def _cn_number(n: int) -> str:
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十")) + (
        CN_DIGITS[ones] if ones else ""
    )


def _id(rng: random.Random) -> str:
    return resident_id.generate(rng)


def _grouped_id(rng: random.Random) -> str:
    value = _id(rng)
    form = rng.randrange(6)
    if form == 0:
        return f"{value[:6]} {value[6:14]} {value[14:]}"
    if form == 1:
        return "-".join((value[:6], value[6:14], value[14:]))
    if form == 2:
        return " ".join(value[i : i + 4] for i in range(0, 18, 4))
    if form == 3:
        return " ".join((value[:3], value[3:6], value[6:10], value[10:14], value[14:]))
    if form == 4:
        return _full_width(value)
    return value[:6] + value[8:17]  # the old 15-digit form


def _card(rng: random.Random) -> str:
    number = bank_card.generate(rng) if hasattr(bank_card, "generate") else "6222021234567890123"
    if rng.random() < 0.5:
        return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    return number


def _mobile(rng: random.Random) -> str:
    value = phone.generate(rng)
    form = rng.randrange(5)
    if form == 0:
        return f"+86 {value[:3]} {value[3:7]} {value[7:]}"
    if form == 1:
        return f"{value[:3]}-{value[3:7]}-{value[7:]}"
    if form == 2:
        return f"(86){value}"
    if form == 3:
        return f"0086-{value}"
    return value


def _landline(rng: random.Random) -> str:
    area = rng.choice(("010", "021", "023", "0755", "0571", "0931", "0898"))
    number = str(rng.randint(2, 8)) + "".join(str(rng.randrange(10)) for _ in range(7))
    form = rng.randrange(3)
    if form == 0:
        return f"({area}){number}"
    if form == 1:
        return f"{area}-{number[:4]}-{number[4:]}"
    return f"{area}-{number}转{rng.randint(100, 999)}"


def _dob(rng: random.Random) -> str:
    year, month, day = rng.randint(1930, 2015), rng.randint(1, 12), rng.randint(1, 28)
    form = rng.randrange(5)
    if form == 0:
        return f"{year}{month:02d}{day:02d}"
    if form == 1:
        return f"{day:02d}/{month:02d}/{year}"
    if form == 2:
        return f"{year}.{month:02d}.{day:02d}"
    if form == 3:
        return f"{year}年{month}月"
    digits = "".join(CN_DIGITS[int(c)] for c in str(year))
    return f"{digits}年{_cn_number(month)}月{_cn_number(day)}日"


def _record(rng: random.Random) -> str:
    form = rng.randrange(5)
    if form == 0:
        return f"MZ-{rng.randint(2019, 2025)}-{rng.randint(1, 999999):06d}"
    if form == 1:
        return f"{rng.randint(2019, 2025)}-{rng.randint(100000, 999999)}"
    if form == 2:
        return f"zy{rng.randint(10000000, 99999999)}"
    if form == 3:
        return f"{rng.randint(0, 99999999):010d}"
    return f"P{rng.randint(100000, 9999999)}"


def _name(rng: random.Random) -> str:
    return rng.choice(NAMES)


def _address(rng: random.Random) -> str:
    return rng.choice(RURAL) if rng.random() < 0.6 else address.generate(rng)


# Templates per family; ⟦TYPE|kind⟧ names a generator. Carrier text around them is public.
FAMILIES: dict[str, tuple[str, ...]] = {
    "grouped_ids": (
        "身份证号：⟦CN_RESIDENT_ID|grouped_id⟧。{clinical}",
        "{clinical}患者证件号码⟦CN_RESIDENT_ID|grouped_id⟧，已核对。",
        "{patient}（身份证⟦CN_RESIDENT_ID|grouped_id⟧）",
        "医保卡绑定的银行卡号⟦CN_BANK_CARD|card⟧，{doctor}",
    ),
    "phones": (
        "{patient}我的电话⟦PHONE_NUMBER|mobile⟧，麻烦医生回个电话。",
        "联系电话：⟦PHONE_NUMBER|landline⟧。{clinical}",
        "{clinical}家属手机⟦PHONE_NUMBER|mobile⟧，已告知病情。",
        "随访电话⟦PHONE_NUMBER|mobile⟧ / ⟦PHONE_NUMBER|landline⟧。{clinical}",
    ),
    "dob": (
        "出生日期：⟦DATE_TIME|dob⟧。{clinical}",
        "患者生于⟦DATE_TIME|dob⟧，{clinical}",
        "{patient}我是⟦DATE_TIME|dob⟧出生的。",
        "出生年月：⟦DATE_TIME|dob⟧  {clinical}",
        "DOB: ⟦DATE_TIME|dob⟧。{clinical}",
    ),
    "records": (
        "{mrn_label}：⟦CN_MEDICAL_RECORD_NUMBER|record⟧。{clinical}",
        "{clinical}（{mrn_label} ⟦CN_MEDICAL_RECORD_NUMBER|record⟧）",
        "床号：⟦CN_MEDICAL_RECORD_NUMBER|bed⟧  {mrn_label}：⟦CN_MEDICAL_RECORD_NUMBER|record⟧",
    ),
    "names_roles": (
        "{clinical}今日⟦PERSON|name⟧{title}查房，同意目前治疗。",
        "请⟦PERSON|name⟧{title}会诊，{clinical}",
        "病史由{kin}⟦PERSON|name⟧代述。{clinical}",
        "授权委托人：⟦PERSON|name⟧  联系电话⟦PHONE_NUMBER|mobile⟧",
        "陪诊人：⟦PERSON|name⟧。{clinical}",
        "上述病史记录已经征得陈述者认同。陈述者签名：⟦PERSON|name⟧",
        "参加讨论人员：⟦PERSON|name⟧、⟦PERSON|name⟧、⟦PERSON|name⟧。{clinical}",
        "⟦PERSON|name⟧先生，{clinical}",
        "户名：⟦PERSON|name⟧，卡号⟦CN_BANK_CARD|card⟧",
        "姓名：⟦PERSON|traditional⟧  {clinical}",
        "Name: ⟦PERSON|pinyin⟧  {clinical}",
        "患者⟦PERSON|minority⟧，男，45岁，{clinical}",
        "⟦PERSON|name⟧，女，{age}岁，{clinical}",
        "送检人：⟦PERSON|name⟧",
    ),
    "addresses": (
        "现住：⟦LOCATION|address⟧。{clinical}",
        "患者居住于⟦LOCATION|short_place⟧，{clinical}",
        "户口所在地：⟦LOCATION|address⟧",
        "籍贯：⟦LOCATION|origin⟧。{clinical}",
        "⟦PERSON|name⟧，⟦LOCATION|address⟧人，{clinical}",
    ),
    "documents": (
        "出入境证件：护照 ⟦CN_PASSPORT|passport⟧。{clinical}",
        "{patient}我的港澳通行证号是⟦CN_PASSPORT|hmt_permit⟧。",
        "回乡证号码：⟦CN_PASSPORT|home_return⟧  {clinical}",
        "台胞证：⟦CN_PASSPORT|taiwan⟧。{clinical}",
    ),
    "accounts_devices": (
        "{patient}我的微信号⟦ACCOUNT_ID|wechat⟧，加一下。",
        "QQ号码：⟦ACCOUNT_ID|qq⟧。{doctor}",
        "邮箱：⟦EMAIL_ADDRESS|email⟧。{clinical}",
        "动态血糖仪序列号：⟦DEVICE_ID|serial⟧。{clinical}",
        "患者手机IMEI：⟦DEVICE_ID|imei⟧。",
        "家属车牌号⟦CN_VEHICLE_PLATE|plate⟧，{clinical}",
        "工作单位：⟦ORGANIZATION|org⟧。{clinical}",
        "患儿就读于⟦ORGANIZATION|school⟧，{clinical}",
    ),
    "ages_forms": (
        "患者⟦AGE|old_age⟧，{clinical}",
        "{patient_q}（女，⟦AGE|old_age⟧）",
        "医师签名：⟦PERSON|name⟧  日期：2024-05-03",
        "姓名\t⟦PERSON|name⟧\t性别\t男\t年龄\t{age}",
        "联系人：⟦PERSON|mixed⟧，电话⟦PHONE_NUMBER|mobile⟧",
        "⟦PERSON|name⟧女士住址：⟦LOCATION|hmt⟧",
    ),
    "dialogue": (
        "患者：{patient}\n医生：{doctor}\n患者：我叫⟦PERSON|name⟧，电话⟦PHONE_NUMBER|mobile⟧。",
        "家属：{patient}\n医生：{doctor}",
        "病人：{patient}\n大夫：{doctor}\n病人：谢谢医生",
        "医生：{doctor}\n患者：{patient}\n医生：{doctor}",
        "医生：{doctor}\n家属：我是他儿子⟦PERSON|name⟧，{patient}",
        "患者：{patient}\n{patient}\n医生：{doctor}",
    ),
}
GENERATORS = {
    "grouped_id": _grouped_id, "card": _card, "mobile": _mobile, "landline": _landline,
    "dob": _dob, "record": _record, "name": _name, "address": _address,
    "traditional": lambda rng: rng.choice(TRADITIONAL), "pinyin": lambda rng: rng.choice(PINYIN),
    "minority": lambda rng: rng.choice(MINORITY), "bed": lambda rng: str(rng.randint(1, 60)),
    "short_place": lambda rng: rng.choice(SHORT_PLACES),
    "origin": lambda rng: rng.choice(ORIGINS),
    "passport": lambda rng: rng.choice("Ee") + str(rng.randint(10000000, 99999999)),
    "hmt_permit": lambda rng: rng.choice(("C", "CA", "CB")) + str(rng.randint(10**6, 10**7 - 1))
    if rng.random() < 0.5 else "C" + str(rng.randint(10**7, 10**8 - 1)),
    "home_return": lambda rng: rng.choice("HM") + str(rng.randint(10**7, 10**8 - 1))
    + ("" if rng.random() < 0.5 else str(rng.randint(10, 99))),
    "taiwan": lambda rng: str(rng.randint(10**7, 10**8 - 1)),
    "wechat": lambda rng: rng.choice(("li", "zhang", "wx", "chen")) + "_"
    + str(rng.randint(1000, 99999)) + rng.choice(("", "ab", "x")),
    "qq": lambda rng: str(rng.randint(10**6, 10**10)),
    "email": lambda rng: rng.choice(("lina", "zhao.wei", "chenjm"))
    + str(rng.randint(1, 99)) + rng.choice(("@163.com", "@qq.com", "#126.com", "(at)sina.com")),
    "serial": lambda rng: "SN" + str(rng.randint(10**7, 10**8 - 1)) + rng.choice("ABCD"),
    "imei": lambda rng: _luhn(str(rng.randint(10**13, 10**14 - 1))),
    "plate": lambda rng: rng.choice(("粤B·", "浙A", "川A ", "京AD"))
    + str(rng.randint(10000, 99999)),
    "org": lambda rng: rng.choice(("宜宾市第二中学", "华西建设集团有限公司", "秦安县人民政府",
                                   "杭州市余杭区良渚街道办事处")),
    "school": lambda rng: rng.choice(("阳朔县白沙镇中心小学", "霍邱县第一中学")),
    "old_age": lambda rng: f"{rng.randint(90, 104)}岁",
    "mixed": lambda rng: rng.choice(("陈Jason", "林Amy", "周Kevin")),
    "hmt": lambda rng: rng.choice(("香港新界沙田火炭路12号华乐工业中心8楼",
                                   "台北市大安区信义路四段30号5楼",
                                   "澳门氹仔孙逸仙大马路88号")),
}  # fmt: skip


def _luhn(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def _fill(template: str, rng: random.Random) -> tuple[str, list[list[object]]]:
    text = template.format(
        clinical=rng.choice(CLINICAL), patient=rng.choice(PATIENT_TURNS),
        doctor=rng.choice(DOCTOR_TURNS), mrn_label=rng.choice(LABELS_MRN),
        patient_q=rng.choice([t for t in PATIENT_TURNS if "岁" not in t]),
        title=rng.choice(TITLES), kin=rng.choice(KIN), age=rng.randint(20, 85),
    )  # fmt: skip
    out, spans, pos = [], [], 0
    length = 0
    for m in _MARK.finditer(text):
        out.append(text[pos : m.start()])
        length += m.start() - pos
        value = GENERATORS[m.group(2)](rng)
        spans.append([length, length + len(value), m.group(1)])
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), spans


def build(seed: int = 29) -> list[dict[str, object]]:
    """The labeled items: planted ones per family, then public text alone."""
    rng = random.Random(seed)
    items: list[dict[str, object]] = []
    for family, templates in FAMILIES.items():
        for _ in range(4 if len(templates) > 6 else 6):
            for template in templates:
                text, spans = _fill(template, rng)
                items.append({"text": text, "spans": spans, "family": family})
    plain = [*CLINICAL, *PATIENT_TURNS, *DOCTOR_TURNS]
    for i in range(0, len(plain), 2):
        items.append({"text": "".join(plain[i : i + 2]), "spans": [], "family": "public"})
    return items


def score(path: Path) -> None:
    """Print P/R/F1 per type and the leak rate of deidentify_text on ``path``."""
    from medguard.detect import deidentify_text, scan_text
    from medguard.testing.corpus import LabeledText, Span
    from medguard.testing.quality import evaluate

    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    corpus = [LabeledText(r["text"], tuple(Span(*s) for s in r["spans"])) for r in rows]
    report = evaluate(corpus, scan_text)
    print(f"{'type':<26} {'P':>5} {'R':>5} {'F1':>5} {'gold':>5}")
    gold_types = [q for q in report.entities.values() if q.support]
    for q in sorted(report.entities.values(), key=lambda q: q.entity_type):
        print(f"{q.entity_type:<26} {q.precision:5.2f} {q.recall:5.2f} {q.f1:5.2f} {q.support:5}")
    macro = sum(q.f1 for q in gold_types) / len(gold_types)
    chars = sum(len(r["text"]) for r in rows)
    fps = sum(q.false_positives for q in report.entities.values())
    print(f"macro F1 {macro:.3f}; false positives {fps} ({fps / chars * 1e4:.1f} per 10k chars)")
    kinds = {"PERSON": "name", "PHONE_NUMBER": "phone", "CN_RESIDENT_ID": "resident_id",
             "LOCATION": "address", "CN_MEDICAL_RECORD_NUMBER": "record_number",
             "CN_BANK_CARD": "bank_card"}  # fmt: skip
    digits = re.compile(r"[\s\-()（）.+]")
    for recall in ("precise", "high"):
        for with_known in (False, True):
            planted = leaked = 0
            for r in rows:
                text = r["text"]
                known: dict[str, list[str]] = {}
                for s, e, t in r["spans"]:
                    if with_known and t in kinds:
                        known.setdefault(kinds[t], []).append(text[s:e])
                out, _ = deidentify_text(text, mode="tag", recall=recall, known=known or None)
                for s, e, _t in r["spans"]:
                    value = text[s:e]
                    planted += 1
                    bare = digits.sub("", value)
                    if value in out or (
                        sum(c.isdigit() for c in bare) >= 5 and bare in digits.sub("", out)
                    ):
                        leaked += 1
            label = f"recall={recall}{' + known' if with_known else ''}"
            print(f"leak rate {label:<24} {leaked}/{planted} = {leaked / planted:.1%}")


def main() -> None:
    """Write the file next to this script (or score it with ``--score``)."""
    path = Path(__file__).with_name("heldout_pii.jsonl")
    if "--score" in sys.argv:
        score(path)
        return
    with path.open("w", encoding="utf-8") as f:
        for item in build():
            f.write(json.dumps(item, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
