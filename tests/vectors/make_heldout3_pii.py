# ruff: noqa: E501  (carrier text and printed form lines are kept whole)
"""Build ``heldout3_pii.jsonl``: a third held-out labeled set for the text scanner (issue 17).

The two earlier held-out sets (``heldout_text_pii.jsonl``, ``heldout_pii.jsonl``) were tuned on
and no longer predict the score on text nobody here has seen. This set uses carrier text none of
them used and planted forms written from how hospital systems print personal data (LIS lab
report headers, PACS report headers, admission-record headers, discharge summaries, referral
letters, prescriptions, nursing records, consent forms, insurance claim forms, tables pasted as
text) and how patients write it in online consultations and Q&A posts. The forms were written
before reading the scanner's rules. Carrier text (short excerpts, stored below; sources, commits
and licences in ``tests/vectors/README.md``):

- CHIP-MDCFNPC (CHIP 2021 task 1, CBLUE; chunyuyisheng.com online consultations): patients' and
  doctors' turns quoted in ``data/dataset/fix_badcase.jsonl`` of winninghealth/chip2021;
- cMedQA2 questions and answers, as quoted in the NanoMedical task cards of
  hakari-bench/hakari-bench (``docs/benchmark_tasks/NanoMedical/``);
- CBLUE's data examples (CHIP-CTC criteria, CHIP-CDN diagnoses, CHIP-STS, KUAKE-QIC/QTR/QQR
  queries, CMeIE), ``README_ZH.md`` of CBLUEbenchmark/CBLUE;
- an outpatient record's clinical fields (chief complaint, examination, diagnosis) quoted in
  ``src/components/doctor/question/test.js`` of MengLiangCloudD/mengjingyitong.

Each line: ``{"text", "spans": [[start, end, type]], "canonical": [...], "genre", "family"}``,
the format of ``heldout_text_pii.jsonl``. Run ``python tests/vectors/make_heldout3_pii.py`` to
rewrite the file (deterministic, seed 3317); ``python benchmarks/eval_heldout_text.py
tests/vectors/heldout3_pii.jsonl`` scores it; ``tests/detect/test_heldout_sets.py`` keeps floors.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from medguard.cn import phone, resident_id
from medguard.testing.corpus import planted_set, write_jsonl

SEED = 3317
N_ITEMS = 440

# --- public carrier text ------------------------------------------------------------------------
# CHIP-MDCFNPC online consultations (chunyuyisheng.com), patients' turns.
PATIENT_TURNS = (
    "宝宝十个月快有一个月了总是晚上睡着后鼻塞有时候都被憋醒了这是为什么呢？",
    "鼻涕没有白天偶尔咳嗽",
    "但是鼻子干干的",
    "那怎么解决呢？大夫",
    "每天晚上睡觉前都给他擦舒缓膏",
    "长期用没事吗？",
    "我儿子鼻子不让碰反映很强烈",
    "宝宝七月十二号确诊支气管肺炎，挂了七天盐水，但是到现在一个多月了还是鼻塞流涕怎么办？",
    "已经服了一包，但是还是那样",
    "母乳，精神不错",
    "就是出汗特别多",
    "之前儿保的时候医生说他缺钙",
    "药流之后一个月之内同房了，会有什么后果（女，21岁）",
    "如果肚子疼呢",
    "谢谢医生",
    "9月13晚上同房，9月14吃的药",
    "月经应该是9月25，26来的",
    "好的，谢谢医生。",
    "医生，做b超看内膜厚度是干嘛的呢",
    "嗯嗯，谢谢，有糖尿病，是不是伤口不容易长好",
    "脚与腿的交界处",
    "图片因隐私问题无法显示",
    "我老是觉得有些腹部不舒服，但是也不难受也不剧烈。不敢活动动作太大了。这样没事吧？在家需要卧床休息吗",
    "医生，我不敢用力排便，还有刚刚发了一个喷嚏。都觉得自己好脆弱啦。",
    "就是白带里有一丝血丝",
    "发烧后有痰，流鼻涕，想吐，咳，拉肚子，是什么症状",
    "可是他这样已经一个月了呢",
    "会不会发展成鼻炎啊",
)
# CHIP-MDCFNPC, doctors' turns.
DOCTOR_TURNS = (
    "不严重，可以自己吸收。",
    "注意休息，没关系，慢慢会好的",
    "是阴道炎的表现",
    "是正常的现象，可以继续用药共14天",
    "保持破损皮肤干燥，清洁",
    "每日用碘伏消毒",
    "可以用点百多邦预防感染",
    "对的，血糖也要控制在理想范围内",
    "您拍照让我看一下啊",
    "踝关节处？",
    "皮肤有红和压痛吗",
    "建议做个下肢血管的彩超",
    "您好，请问宝宝有没有鼻涕？白天咳嗽吗？",
    "就是这个原因了，与鼻腔黏膜干燥有关系的",
    "这个没有刺激性的，每天可以2-3次喷的，白天也可以的，没有依赖的",
    "可以雾化吸入治疗",
    "你好，宝宝有没有口服小儿氨酚黄那敏颗粒",
    "需要口服5--7天",
    "用药前先清理鼻腔",
    "你好宝宝母乳还是奶粉喂养",
    "宝宝精神状态怎么样？",
    "与天气热有关",
    "一般不需要额外补钙",
    "那有可能是炎症，需要去医院查个血常规，看血象高不高，需不需要用药",
    "不客气",
    "根据您的描述，一般不会怀孕的。",
    "你好，很高兴为你解答。",
    "多喝水，观察",
)
# cMedQA2 questions (community medical Q&A).
QUESTIONS = (
    "全部症状：近一个月发现，胸闷，气短、咳嗽、低烧治疗情况",
    "全部症状：月经来的天数跟原来的一样，就只是量少了，如果是子宫内膜有异常的话该怎么办发病时间及原因：治疗情况",
    "我宝宝误喝了一爵臣牌清洗剂有事吗用去医院洗胃吗",
    "我母亲半月前出现过几次突然眼前发黑、头很晕、无力，开始血压很高，到医院诊断是脑动脉缺血，医生解释说是脑梗塞前期，我想请问一下怎么治疗？能否治好？",
    "痔疮（外痔、内痔、）会不会引起低烧？",
    "帆状胎盘是什么原因引起的",
    "宫颈环扎后腹部有时会有像针扎一样是什么原因之前有过两次自然流产，现在怀孕了十二周去做宫颈环扎术，到二十周腹部有时会有像针扎一样是怎么回事？",
    "右臀部疼痛，疼痛的大概位置坐下的部位也能感觉到疼痛，右臀部腰也能感觉到疼痛。大腿的后外侧也能感觉到疼，小腿肚子也感觉到疼。我这是什么病？应该怎么治疗？谢谢大夫了，",
)
# cMedQA2 answers.
ANSWERS = (
    "这样的情况表明癌肿已经侵犯到胸膜，可以说是后期的表现",
    "你的情况要考虑这个如果量比较多的话还是要到医院进行洗胃治疗的。",
    "有可能是由于骨折引起肿胀引起的疼痛这样的话需要应用消肿的药物和止痛的药物一般经过2周的时间就会没事的希望好好的保养不要活动",
    "因不能面诊。建议你到医院做腰椎核磁共振。骨盆拍片。血液生化全套。血常规。血沉。类风湿因子。抗O。血清尿酸等检查确诊后再治疗。",
    "你这情况建议及时去医院检查，排除局部感染可能，同时注意卧床休息，避免劳累、惊吓及性生活，多吃高蛋白食物。",
    "根据你的情况一般的还是有用炎症的刺激造成的建议你要注意休息避免劳累及上火同时饮食清淡为主及时的进行手术的治疗",
)
# CBLUE README data examples: queries (CHIP-STS, KUAKE-QIC/QTR/QQR).
QUERIES = (
    "糖尿病能吃减肥药吗？能治愈吗？",
    "有糖尿病和前列腺怎么保健怎样治疗",
    "我也是乙肝携带患者，可以办健康证吗在",
    "乙肝五项化验单怎么看呢",
    "心肌缺血如何治疗与调养呢？",
    "19号来的月经，25号服用了紧急避孕药本月5号，怎么办？",
    "什么叫痔核脱出？什么叫外痔？",
    "感冒咳嗽引起的腹肌疼痛，是怎么回事？",
    "怀孕四个月，今早空腹吃了葡萄，然后肚子就一直胀胀的",
    "小孩子打呼噜什么原因",
)
# CBLUE README data examples: CHIP-CTC criteria, CMeIE sentence; CHIP-CDN diagnoses.
CLINICAL = (
    "凝血功能异常（INR＞1.5 或凝血酶原时间（PT）＞ULN+4 秒或 APTT >1.5 ULN），具有出血倾向或正在接受溶栓或抗凝治疗；",
    "重度吸烟（大于10支/天）及酗酒患者",
    "有器官移植病史或正等待器官移植的患者；",
    "自1964年起，有几项病例系列报道称外照射 (5-50Gy) 可以有效改善慢性胰腺炎患者的疼痛症状。",
    "从概念上讲，外照射可以起到抗炎和止痛作用，并且已经开始被用于非肿瘤性疼痛的治疗。",
)
DIAGNOSES = (
    "左膝退变伴游离体",
    "糖尿病反复低血糖;骨质疏松;高血压冠心病不稳定心绞痛",
    "右乳腺癌IV期",
    "宫内孕23+2周;上感;",
)
# Outpatient record fields (MengLiangCloudD/mengjingyitong test.js).
COMPLAINTS = ("停经5+月，流涕、咳嗽、头痛、全身不适2天。",)
EXAMS = ("BP100/70mmHg，胎心142次/分，咽红，双侧扁桃体增大，双肺呼吸音增粗，未闻及干湿性啰音。",)

# --- planted values (written for this set; none is a real person's) ----------------------------
NAMES = (
    "覃秀兰",
    "蒯立军",
    "佘建华",
    "钮春燕",
    "禤国强",
    "尹凤英",
    "鲍志刚",
    "甘晓燕",
    "阮文斌",
    "房玉梅",
    "康德胜",
    "黎婉清",
    "滕宇航",
    "庞丽娟",
    "邬海涛",
    "邢桂芝",
    "骆思远",
    "霍建新",
    "蔺晓峰",
    "党文华",
    "巫梦婷",
    "闫振东",
    "晏雨欣",
    "郜树林",
    "訾红",
    "冼家豪",
    "亓宏伟",
    "揭美玲",
    "简宁",
    "苗青",
    "祁峰",
    "卜亚楠",
    "牛国庆",
    "单志勇",
    "谌丽",
    "仇建平",
)
COMPOUND = ("欧阳振华", "司马红梅", "上官婉儿", "诸葛明亮", "端木晓雪", "皇甫建国")
WORD_NAMES = ("高山", "江河", "金星", "白雪", "常青", "向阳", "文静", "安康")
SHORT_STAFF = ("刘洋", "陈静", "王磊", "李娜", "张伟", "杨帆", "赵敏", "孙浩", "周婷", "吴昊")
ADDRESSES = (
    "广西壮族自治区南宁市青秀区民族大道136号",
    "河南省周口市郸城县汲冢镇孙庄村3组",
    "湖北省宜昌市夷陵区小溪塔街道峡州花园12栋2单元501室",
    "四川省绵阳市涪城区临园路东段68号",
    "山东省临沂市兰山区金雀山街道沂州路185号",
    "江西省赣州市于都县罗坳镇步前村",
    "浙江省温州市鹿城区五马街道解放街21弄3号",
    "黑龙江省齐齐哈尔市龙沙区卜奎大街与龙华路交汇处",
    "贵州省毕节市七星关区碧阳街道洪山路金海湖小区8-2-301",
    "甘肃省天水市秦州区玉泉镇暖和湾村二组",
    "福建省泉州市晋江市安海镇成功街56号",
    "安徽省阜阳市颍州区清河路阳光城3幢1104",
    "吉林省延边朝鲜族自治州延吉市河南街道公园路777号",
    "云南省大理白族自治州宾川县金牛镇",
    "湖南省邵阳市隆回县桃洪镇",
    "上海市闵行区七宝镇漕宝路3366弄15号602室",
    "北京市海淀区学院路30号院5号楼2门303",
    "重庆市万州区高笋塘街道新城路118号附2号",
)
SHORT_ADDRESSES = (
    "郸城县汲冢镇孙庄村",
    "南宁市青秀区",
    "宾川县金牛镇",
    "隆回县桃洪镇",
    "晋江市安海镇",
)
NATIVE = ("河南郸城", "湖南隆回", "福建晋江", "江西于都")
ORGS = (
    "郸城县第一高级中学",
    "宜昌市夷陵区人民医院",
    "晋江市安海镇中心小学",
    "中国石化销售有限公司",
)
RELATIONS = ("夫妻", "父子", "母女", "母子", "父女", "配偶", "女儿", "儿子", "丈夫", "妻子")
DEPARTMENTS = ("内分泌科", "呼吸内科", "心血管内科", "儿科", "妇科", "骨科", "消化内科", "肾内科")

Part = tuple[str, str | None, str | None]  # (text, entity type or None, canonical value)


def _t(text: str) -> Part:
    return (text, None, None)


def _name(rng: random.Random) -> str:
    pool = rng.choices((NAMES, COMPOUND, WORD_NAMES), weights=(10, 2, 1))[0]
    return rng.choice(pool)


def _person(rng: random.Random, name: str | None = None) -> Part:
    value = name or _name(rng)
    return (value, "PERSON", value)


def _staff(rng: random.Random) -> Part:
    value = rng.choice(SHORT_STAFF + NAMES)
    return (value, "PERSON", value)


def _birth(rng: random.Random, lo: int = 1930, hi: int = 2020) -> dt.date:
    return dt.date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))


def _rid(rng: random.Random, birth: dt.date | None = None) -> Part:
    value = resident_id.generate(rng, birth_date=birth or _birth(rng))
    style = rng.randrange(6)
    text = (
        value,
        value,
        value[:17] + value[17].lower(),
        f"{value[:6]} {value[6:14]} {value[14:]}",
        " ".join(value[i : i + 4] for i in range(0, 18, 4)),
        value,
    )[style]
    return (text, "CN_RESIDENT_ID", value)


def _mobile(rng: random.Random) -> Part:
    n = phone.generate(rng)
    text = rng.choice((n, n, n, f"{n[:3]}-{n[3:7]}-{n[7:]}", f"{n[:3]} {n[3:7]} {n[7:]}"))
    return (text, "PHONE_NUMBER", n)


def _landline(rng: random.Random) -> Part:
    area = rng.choice(("0771", "0394", "0717", "0816", "0539", "0797", "0577"))
    local = f"{rng.randint(2, 8)}{rng.randrange(10**6, 10**7)}"[:7] + str(rng.randrange(10))
    text = rng.choice((f"{area}-{local}", f"{area}-{local}", f"({area}){local}"))
    return (text, "PHONE_NUMBER", area + local)


def _dob(rng: random.Random, d: dt.date | None = None, *, system: bool = True) -> Part:
    d = d or _birth(rng)
    if system:  # what HIS/EMR exports print
        forms = (d.isoformat(), d.isoformat(), f"{d.year}年{d.month:02d}月{d.day:02d}日",
                 f"{d.year}/{d.month:02d}/{d.day:02d}", f"{d.year}{d.month:02d}{d.day:02d}",
                 f"{d.year}.{d.month:02d}.{d.day:02d}")  # fmt: skip
    else:  # what people write by hand or in chat
        forms = (f"{d.year}年{d.month}月{d.day}日", f"{d.year}年{d.month}月{d.day}号",
                 f"{d.year}.{d.month}.{d.day}", f"{d.year}-{d.month}-{d.day}",
                 f"{d.year % 100:02d}年{d.month}月{d.day}号")  # fmt: skip
    return (rng.choice(forms), "DATE_TIME", d.isoformat())


def _num(rng: random.Random, digits: int) -> str:
    return str(rng.randrange(10 ** (digits - 1), 10**digits))


def _inpatient_no(rng: random.Random) -> Part:
    value = rng.choice(
        (
            _num(rng, 7),
            "00" + _num(rng, 6),
            f"ZY{rng.randint(2019, 2024)}{_num(rng, 5)}",
            f"{rng.randint(19, 24)}{_num(rng, 6)}",
            f"Z{_num(rng, 8)}",
        )
    )
    return (value, "CN_MEDICAL_RECORD_NUMBER", value)


def _outpatient_no(rng: random.Random) -> Part:
    value = rng.choice(
        (
            _num(rng, 10),
            f"MZ{_num(rng, 9)}",
            f"{rng.randint(2020, 2024)}{_num(rng, 6)}",
            f"0000{_num(rng, 6)}",
        )
    )
    return (value, "CN_MEDICAL_RECORD_NUMBER", value)


def _record(rng: random.Random, value: str) -> Part:
    return (value, "CN_MEDICAL_RECORD_NUMBER", value)


def _bed(rng: random.Random) -> Part:
    """A bed number: issue 17 lists 床号 among the record-number labels."""
    value = str(rng.randint(1, 60))
    return (value, "CN_MEDICAL_RECORD_NUMBER", value)


def _address(rng: random.Random, short: bool = False) -> Part:
    value = rng.choice(SHORT_ADDRESSES if short else ADDRESSES)
    return (value, "LOCATION", value)


def _sep(rng: random.Random) -> str:
    return rng.choice(("  ", "    ", "\t", " "))


def _colon(rng: random.Random) -> str:
    return rng.choice(("：", "：", ":"))


def _age_of(d: dt.date, ref: int = 2023) -> int:
    return max(ref - d.year, 0)


# --- families -------------------------------------------------------------------------------------
def _lis_header(rng: random.Random) -> list[Part]:
    """A laboratory (LIS) report header and footer, as printed or exported as text."""
    c, s = _colon(rng), _sep(rng)
    sex = rng.choice("男女")
    b = _birth(rng, 1935, 2015)
    parts: list[Part] = [
        _t(rng.choice(("血常规检验报告单\n", "生化检验报告单\n", "尿常规检验报告单\n")))
    ]
    parts += [_t(f"姓名{c}"), _person(rng), _t(f"{s}性别{c}{sex}{s}年龄{c}{_age_of(b)}岁{s}")]
    # a specimen's number and barcode are no record numbers (the project's quality corpus
    # keeps them as negatives): plain text here, so flagging them counts as a false positive
    if rng.random() < 0.5:
        parts += [_t(f"标本号{c}{_num(rng, 4)}\n")]
    else:
        parts += [_t(f"条码号{c}1{_num(rng, 11)}\n")]
    label = rng.choice(("病历号", "住院号", "门诊号", "ID号"))
    parts += [_t(f"科别{c}{rng.choice(DEPARTMENTS)}{s}床号{c}"), _bed(rng), _t(f"{s}{label}{c}")]
    parts += [_inpatient_no(rng) if label != "门诊号" else _outpatient_no(rng), _t("\n")]
    parts += [_t(f"标本种类{c}{rng.choice(('全血', '血清', '尿液'))}{s}送检医生{c}"), _staff(rng)]
    parts += [_t(f"{s}临床诊断{c}{rng.choice(DIAGNOSES)}\n")]
    parts += [_t(rng.choice(("WBC  白细胞计数  11.2  ↑  3.5-9.5  10^9/L\n",
                             "GLU  葡萄糖  7.8  ↑  3.9-6.1  mmol/L\n",
                             "PRO  尿蛋白  +  阴性\n")))]  # fmt: skip
    parts += [
        _t(
            f"采样时间{c}2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 08:{rng.randint(10, 59)}{s}"
        )
    ]
    parts += [_t(f"检验者{c}"), _staff(rng), _t(f"{s}审核者{c}"), _staff(rng), _t("\n")]
    return parts


def _pacs_header(rng: random.Random) -> list[Part]:
    """A radiology (PACS/RIS) report header and signature line."""
    c, s = _colon(rng), _sep(rng)
    modality = rng.choice(("CT", "DR", "MR", "US"))
    parts: list[Part] = [
        _t(f"{rng.choice(('CT检查报告单', 'DR检查报告', '磁共振检查报告单', '超声检查报告'))}\n")
    ]
    parts += [_t(f"检查号{c}"), _record(rng, f"{modality}{_num(rng, 7)}"), _t(s)]
    if rng.random() < 0.6:
        parts += [
            _t(f"影像号{c}"),
            _record(rng, rng.choice((_num(rng, 8), f"P{_num(rng, 7)}"))),
            _t(s),
        ]
    parts += [_t("\n姓名" + c), _person(rng), _t(f"{s}性别{c}{rng.choice('男女')}{s}")]
    parts += [_t(f"年龄{c}{rng.randint(18, 88)}岁{s}科室{c}{rng.choice(DEPARTMENTS)}\n")]
    parts += [_t(f"检查部位{c}{rng.choice(('胸部平扫', '头颅平扫', '腹部', '腰椎'))}\n")]
    parts += [_t(f"影像所见{c}{rng.choice(EXAMS + CLINICAL[:1])}\n")]
    parts += [_t(f"报告医生{c}"), _staff(rng), _t(f"{s}审核医生{c}"), _staff(rng)]
    parts += [_t(f"{s}报告日期{c}2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n")]
    return parts


def _admission_header(rng: random.Random) -> list[Part]:
    """An admission-record header (入院记录) as the EMR prints it, then the chief complaint."""
    c, s = _colon(rng), _sep(rng)
    b = _birth(rng, 1935, 2010)
    parts: list[Part] = [_t("入院记录\n"), _t(f"姓名{c}"), _person(rng)]
    parts += [_t(f"{s}性别{c}{rng.choice('男女')}{s}")]
    if rng.random() < 0.7:
        parts += [_t(f"出生日期{c}"), _dob(rng, b), _t(s)]
    parts += [
        _t(f"年龄{c}{_age_of(b)}岁\n民族{c}汉族{s}婚姻{c}{rng.choice(('已婚', '未婚', '丧偶'))}{s}")
    ]
    parts += [_t(f"职业{c}{rng.choice(('农民', '退休', '工人', '无业', '学生'))}\n")]
    if rng.random() < 0.5:
        native = rng.choice(NATIVE)
        parts += [_t(f"出生地{c}"), (native, "LOCATION", native), _t(s)]
    parts += [
        _t(f"{rng.choice(('住址', '现住址', '家庭住址', '联系地址'))}{c}"),
        _address(rng),
        _t("\n"),
    ]
    if rng.random() < 0.6:
        parts += [
            _t(f"{rng.choice(('身份证号', '身份证号码', '证件号码'))}{c}"),
            _rid(rng, b),
            _t("\n"),
        ]
    parts += [
        _t(
            f"入院日期{c}2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 10:{rng.randint(10, 59)}{s}"
        )
    ]
    parts += [_t(f"病史陈述者{c}")]
    if rng.random() < 0.5:
        parts += [_t("本人，可靠\n")]
    else:
        parts += [_person(rng), _t(f"（{rng.choice(RELATIONS)}），可靠\n")]
    parts += [
        _t(
            f"主诉{c}{rng.choice((*COMPLAINTS, '发热、咳嗽3天。', '反复胸闷、气短1年，加重5天。'))}\n"
        )
    ]
    return parts


def _discharge_summary(rng: random.Random) -> list[Part]:
    """A discharge summary (出院小结/出院记录) header, course line and signatures."""
    c, s = _colon(rng), _sep(rng)
    parts: list[Part] = [_t(rng.choice(("出院小结\n", "出院记录\n")))]
    parts += [
        _t(f"姓名{c}"),
        _person(rng),
        _t(f"{s}性别{c}{rng.choice('男女')}{s}年龄{c}{rng.randint(20, 89)}岁{s}"),
    ]
    parts += [_t(f"住院号{c}"), _inpatient_no(rng), _t(f"{s}床号{c}"), _bed(rng), _t("床\n")]
    parts += [
        _t(
            f"入院日期{c}2023年{rng.randint(1, 6)}月{rng.randint(1, 28)}日{s}出院日期{c}2023年{rng.randint(7, 12)}月{rng.randint(1, 28)}日\n"
        )
    ]
    parts += [_t(f"出院诊断{c}{rng.choice(DIAGNOSES)}\n")]
    parts += [_t(f"诊疗经过{c}{rng.choice(CLINICAL)}\n")]
    if rng.random() < 0.5:
        parts += [_t("经")]
        parts += [_staff(rng), _t(rng.choice(("主任医师查房后", "副主任医师查房，", "主任查房后")))]
        parts += [_t("同意出院。\n")]
    parts += [_t(f"出院医嘱{c}{rng.choice(ANSWERS[3:5])}\n")]
    parts += [_t(f"主治医师{c}"), _staff(rng), _t(f"{s}住院医师{c}"), _staff(rng), _t("\n")]
    return parts


def _referral(rng: random.Random) -> list[Part]:
    """A referral letter (转诊单 / 双向转诊): patient, ID, contact and referring doctor."""
    name = _name(rng)
    b = _birth(rng, 1935, 2000)
    parts: list[Part] = [_t("双向转诊单（转出）\n"), _t(rng.choice(("", "尊敬的", "")))]
    parts += [_t(rng.choice(("兹有我院患者", "现有患者", "患者")))]
    parts += [_person(rng, name), _t(f"，{rng.choice('男女')}，{_age_of(b)}岁，")]
    if rng.random() < 0.6:
        parts += [_t("身份证号"), _rid(rng, b), _t("，")]
    parts += [
        _t(f"因“{rng.choice(DIAGNOSES)}”，{rng.choice(('病情需要', '需进一步诊治'))}，现转至贵院")
    ]
    parts += [_t(f"{rng.choice(DEPARTMENTS)}，请予接诊。\n")]
    parts += [_t(rng.choice(("联系人：", "家属：", "陪同人员："))), _person(rng)]
    parts += [_t(f"（{rng.choice(RELATIONS)}）{rng.choice(('电话', '联系电话', '手机'))}：")]
    parts += [_mobile(rng), _t("\n")]
    parts += [
        _t("转诊医生（签字）："),
        _staff(rng),
        _t(f"    2023年{rng.randint(1, 12)}月{rng.randint(1, 28)}日\n"),
    ]
    return parts


def _prescription(rng: random.Random) -> list[Part]:
    """An outpatient prescription (处方笺) as printed by the HIS."""
    c, s = _colon(rng), _sep(rng)
    parts: list[Part] = [_t(f"处方笺{s}{rng.choice(('普通', '急诊', '儿科'))}\n")]
    parts += [
        _t(f"费别{c}{rng.choice(('自费', '医保', '新农合'))}{s}门诊号{c}"),
        _outpatient_no(rng),
    ]
    parts += [_t(f"{s}科别{c}{rng.choice(DEPARTMENTS)}\n姓名{c}"), _person(rng)]
    parts += [_t(f"{s}性别{c}{rng.choice('男女')}{s}年龄{c}{rng.randint(1, 80)}岁\n")]
    if rng.random() < 0.5:
        parts += [_t(f"住址/电话{c}"), _address(rng, short=True), _t(" "), _mobile(rng), _t("\n")]
    parts += [_t(f"临床诊断{c}{rng.choice(DIAGNOSES)}\n")]
    parts += [_t("Rp:\n阿莫西林胶囊 0.25g×24粒  用法：0.5g 口服 tid\n")]
    parts += [_t(f"医师{c}"), _staff(rng), _t(f"{s}审核药师{c}"), _staff(rng)]
    parts += [_t(f"{s}调配{c}"), _staff(rng), _t(f"{s}核对/发药{c}"), _staff(rng), _t("\n")]
    return parts


def _nursing_record(rng: random.Random) -> list[Part]:
    """A nursing record line with bed, record number and the nurse's signature."""
    c, s = _colon(rng), _sep(rng)
    parts: list[Part] = [
        _t(f"一般护理记录单\n科室{c}{rng.choice(DEPARTMENTS)}{s}床号{c}"),
        _bed(rng),
    ]
    parts += [_t(f"{s}姓名{c}")]
    parts += [_person(rng), _t(f"{s}住院号{c}"), _inpatient_no(rng), _t("\n")]
    parts += [
        _t(
            f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}  "
        )
    ]
    parts += [_t(rng.choice(("T 36.8℃ P 88次/分 R 20次/分 BP 128/76mmHg，患者神志清，精神可，",
                             "患者诉夜间睡眠差，", "遵医嘱予雾化吸入，")))]  # fmt: skip
    parts += [_t(rng.choice(("已告知家属", "家属")))]
    parts += [_person(rng), _t(rng.choice(("陪护。", "签字确认。", "表示理解。")))]
    parts += [_t(f"  签名{c}"), _staff(rng), _t("\n")]
    return parts


def _consent(rng: random.Random) -> list[Part]:
    """A consent form's signature block (知情同意书)."""
    c, s = _colon(rng), _sep(rng)
    b = _birth(rng, 1940, 2005)
    parts: list[Part] = [
        _t(rng.choice(("手术知情同意书\n", "输血治疗知情同意书\n", "有创操作知情同意书\n")))
    ]
    parts += [
        _t("我已详细阅读以上内容，对医师的告知表示完全理解，经慎重考虑，同意实施该项诊疗。\n")
    ]
    parts += [
        _t(f"患者签名{c}"),
        _person(rng),
        _t(f"{s}签名日期{c}2023年{rng.randint(1, 12)}月{rng.randint(1, 28)}日\n"),
    ]
    parts += [_t(f"如果患者无法签署知情同意书，请其授权的亲属在此签名{c}\n")]
    parts += [_t(f"家属签名{c}"), _person(rng), _t(f"{s}与患者关系{c}{rng.choice(RELATIONS)}\n")]
    if rng.random() < 0.6:
        parts += [_t(f"{rng.choice(('身份证号', '身份证号码'))}{c}"), _rid(rng, b), _t(s)]
    parts += [_t(f"联系电话{c}"), _mobile(rng), _t("\n")]
    parts += [_t(f"谈话医师签名{c}"), _staff(rng), _t("\n")]
    return parts


def _insurance_claim(rng: random.Random) -> list[Part]:
    """A medical-insurance settlement / claim form (医保结算单, 理赔申请书)."""
    c, s = _colon(rng), _sep(rng)
    b = _birth(rng, 1940, 2015)
    rid = resident_id.generate(rng, birth_date=b)
    parts: list[Part] = [
        _t(rng.choice(("医疗保障基金结算清单\n", "住院费用结算单\n", "商业医疗保险理赔申请书\n")))
    ]
    parts += [
        _t(f"参保人姓名{c}"),
        _person(rng),
        _t(f"{s}性别{c}{rng.choice('男女')}{s}出生日期{c}"),
    ]
    parts += [_dob(rng, b), _t("\n")]
    parts += [
        _t(f"{rng.choice(('社会保障号码', '个人社保编号', '医保编号'))}{c}"),
        (rid, "CN_RESIDENT_ID", rid),
    ]
    parts += [_t(f"{s}参保类型{c}{rng.choice(('城镇职工', '城乡居民'))}\n")]
    parts += [_t(f"住院号{c}"), _inpatient_no(rng), _t(f"{s}医疗类别{c}普通住院\n")]
    if rng.random() < 0.5:
        parts += [_t(f"工作单位{c}"), (rng.choice(ORGS), "ORGANIZATION", None), _t("\n")]
    parts += [_t(f"通讯地址{c}"), _address(rng), _t(f"{s}联系电话{c}"), _mobile(rng), _t("\n")]
    return parts


def _table_paste(rng: random.Random) -> list[Part]:
    """Rows of a patient list pasted from a spreadsheet or HIS grid (tab-separated)."""
    parts: list[Part] = [_t("床号\t姓名\t性别\t年龄\t住院号\t诊断\n")]
    for _ in range(rng.randint(2, 3)):
        parts += [
            _bed(rng),
            _t("\t"),
            _person(rng),
            _t(f"\t{rng.choice('男女')}\t{rng.randint(30, 89)}\t"),
        ]
        parts += [_inpatient_no(rng), _t(f"\t{rng.choice(DIAGNOSES)}\n")]
    return parts


def _dialogue(rng: random.Random) -> list[Part]:
    """An online consultation: carrier turns, one or two turns giving personal data."""
    who = rng.choice((("患者", "医生"), ("用户", "医生"), ("病人", "医生"), ("患者家属", "医生")))
    sep = rng.choice(("：", ": ", "：\n"))
    out: list[Part] = []
    for i in range(rng.randint(1, 3)):
        side = i % 2
        out.append(_t(f"{who[side]}{sep}{rng.choice((PATIENT_TURNS, DOCTOR_TURNS)[side])}\n"))
    ask = rng.choice(("方便留个联系方式吗？", "请提供一下患者姓名和出生日期，方便建档。", "住院号或者病历号发一下。",
                      "家住哪里？离医院远吗？"))  # fmt: skip
    out.append(_t(f"{who[1]}{sep}{ask}\n"))
    kind = rng.randrange(5)
    out.append(_t(f"{who[0]}{sep}"))
    if kind == 0:
        out += [_t(rng.choice(("我电话", "手机号", "我的电话是"))), _mobile(rng)]
    elif kind == 1:
        b = _birth(rng, 2016, 2023)
        out += [_t(rng.choice(("孩子叫", "宝宝叫", "名字叫"))), _person(rng)]
        out += [_t("，"), _dob(rng, b, system=False), _t(rng.choice(("出生的", "生的", "出生")))]
    elif kind == 2:
        out += [_t(rng.choice(("病历号是", "住院号", "就诊卡号"))), _outpatient_no(rng)]
    elif kind == 3:
        out += [
            _t(rng.choice(("我家住在", "住在", "我们在"))),
            _address(rng, short=rng.random() < 0.5),
        ]
        out += [_t(rng.choice(("，挺远的", "", "，坐车要两个小时")))]
    else:
        out += [_t(rng.choice(("我是", "我叫"))), _person(rng), _t("，身份证"), _rid(rng)]
    out.append(_t("\n"))
    if rng.random() < 0.5:
        out.append(_t(f"{who[1]}{sep}{rng.choice(DOCTOR_TURNS)}\n"))
    return out


def _qa_post(rng: random.Random) -> list[Part]:
    """A community Q&A post that gives away the asker's or a relative's details."""
    q = rng.choice(QUESTIONS + QUERIES)
    kind = rng.randrange(4)
    if kind == 0:
        return [_t(q), _t(rng.choice(("我是", "本人"))), _person(rng), _t(rng.choice(("，", "，家住"))),
                _address(rng, short=True), _t("，有没有好的医生推荐？")]  # fmt: skip
    if kind == 1:
        b = _birth(rng, 1930, 1950)
        return [_t(rng.choice(("我父亲", "我母亲", "我奶奶"))), _t("，"), _dob(rng, b, system=False),
                _t("出生，"), _t(q)]  # fmt: skip
    if kind == 2:
        return [_t(q), _t("有了解的医生请加我微信或者打电话"), _mobile(rng), _t("，谢谢")]
    return [_t(q), _t("\n——提问人："), _person(rng), _t(rng.choice(("（", "（来自"))),
            _address(rng, short=True), _t("）")]  # fmt: skip


def _signature(rng: random.Random) -> list[Part]:
    """Signature blocks at the end of notes: several roles on a line, or names after a date."""
    c, s = _colon(rng), _sep(rng)
    kind = rng.randrange(3)
    text = rng.choice(CLINICAL + ANSWERS)
    if kind == 0:
        return [
            _t(text + "\n"),
            _t(f"记录医师{c}"),
            _staff(rng),
            _t(f"{s}上级医师{c}"),
            _staff(rng),
        ]
    if kind == 1:
        return [_t(text + "\n"), _t(f"医师签名{c}"), _staff(rng),
                _t(f"\n{rng.randint(2021, 2023)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日")]  # fmt: skip
    return [_t(f"参加讨论人员{c}"), _staff(rng), _t(rng.choice(("主任医师、", "副主任医师、"))),
            _staff(rng), _t("主治医师、"), _staff(rng), _t("住院医师\n"), _t(text)]  # fmt: skip


def _negative(rng: random.Random) -> tuple[str, list[Part]]:
    """Public text alone, and empty form templates (labels with no values)."""
    kind = rng.randrange(7)
    if kind == 0:
        k = rng.randint(2, 4)
        who = rng.choice((("患者", "医生"), ("病人", "医生"), ("用户", "医生")))
        return "dialogue", [
            _t(f"{who[i % 2]}：{rng.choice((PATIENT_TURNS, DOCTOR_TURNS)[i % 2])}\n")
            for i in range(k)
        ]
    if kind == 1:
        return "qa_post", [_t(rng.choice(QUESTIONS + QUERIES)), _t("\n"), _t(rng.choice(ANSWERS))]
    if kind == 2:
        return "clinical_note", [
            _t(rng.choice(CLINICAL)),
            _t(rng.choice(("\n", ""))),
            _t(rng.choice(CLINICAL)),
        ]
    if kind == 3:
        return "clinical_note", [
            _t(
                f"主诉：{rng.choice(COMPLAINTS)}\n查体：{rng.choice(EXAMS)}\n诊断：{rng.choice(DIAGNOSES)}"
            )
        ]
    if kind == 4:  # an empty header template
        return "form", [
            _t(
                "姓名：________  性别：□男 □女  出生日期：____年__月__日\n住址：____________  联系电话：____________\n"
            )
        ]
    if kind == 5:
        return "form", [_t(f"科别：{rng.choice(DEPARTMENTS)}  标本种类：血清\n"
                           f"临床诊断：{rng.choice(DIAGNOSES)}\nGLU  葡萄糖  7.8  ↑  3.9-6.1  mmol/L")]  # fmt: skip
    return "dialogue", [_t(f"医生：{rng.choice(DOCTOR_TURNS)}\n患者：{rng.choice(PATIENT_TURNS)}")]


FAMILIES = (
    ("lis_header", "form", _lis_header),
    ("pacs_header", "form", _pacs_header),
    ("admission_header", "clinical_note", _admission_header),
    ("discharge_summary", "clinical_note", _discharge_summary),
    ("referral", "clinical_note", _referral),
    ("prescription", "form", _prescription),
    ("nursing_record", "clinical_note", _nursing_record),
    ("consent", "form", _consent),
    ("insurance_claim", "form", _insurance_claim),
    ("table_paste", "form", _table_paste),
    ("dialogue", "dialogue", _dialogue),
    ("qa_post", "qa_post", _qa_post),
    ("signature", "signature", _signature),
)


def build(seed: int = SEED, n: int = N_ITEMS) -> list[dict[str, object]]:
    """The labeled items (deterministic for a seed)."""
    return planted_set(FAMILIES, _negative, seed=seed, n=n)


def main() -> None:
    """Write the file beside this script."""
    write_jsonl(build(), Path(__file__).with_name("heldout3_pii.jsonl"))


if __name__ == "__main__":
    main()
