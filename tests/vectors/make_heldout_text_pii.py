"""Build ``heldout_text_pii.jsonl``: a held-out labeled set for the text scanner and de-identifier.

Independent of ``make_real_text_pii.py`` (which the scanner's rules were tuned on): other public
carrier text and planted forms written for this set only, from how hospital systems, clinicians
and patients write personal data, not from the scanner's rules. The carrier text comes from

- MedDialog's COVID-Dialogue (haodf.com online consultations: ``病人：`` / ``医生：`` turns and the
  consultation form), lindsey98/COVID-Dialogue ``COVID-Dialogue-Dataset-Chinese.txt``;
- CMeEE (CHIP 2020 task 1, paediatrics textbook sentences), GuocaiL/nlp_corpus
  ``open_ner_data/2020_ccks_ner/chip_2020_1_train/val_data.txt``;
- CCKS 2019 (Yidu-S4K) electronic medical records, as quoted in GuocaiL/nlp_corpus
  ``open_ner_data/data_transfer.py``;
- Huatuo (SCIR-HI/Huatuo-Llama-Med-Chinese ``data/infer.json``, Apache-2.0) questions;

with commits and licences in ``tests/vectors/README.md``. Real people's names in the carrier
text (doctors addressed in the dialogues) were replaced by planted ones or removed.

Each line: ``{"text", "spans": [[start, end, type]], "canonical": [...], "genre", "family"}``.
``canonical`` gives, per span, the value as a structured column would hold it (an ID without
separators, a date as ISO text) for de-identification with ``known=``. About a quarter of the
items hold no planted value, so false positives on public text count.

Run ``python tests/vectors/make_heldout_text_pii.py`` to rewrite the file (deterministic, seed
2026); ``benchmarks/eval_heldout_text.py`` scores on it and ``tests/detect/test_heldout_sets.py``
keeps floors.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from medguard.cn import bank_card, phone, resident_id
from medguard.testing.corpus import planted_set, write_jsonl

SEED = 2026
N_ITEMS = 480

# --- public carrier text ------------------------------------------------------------------------
# COVID-Dialogue (haodf.com), patients' turns (doctors' names removed).
PATIENT_TURNS = (
    "我刚测体温36.9度",
    "只是普通感冒嘛？",
    "需要开点药嘛？",
    "哦哦好的",
    "但是我吃了很多药都不见好，怎么办？",
    "我要不要去检查一下核酸？",
    "我现在口很淡，没有味道，一动就会出很多汗，呼吸喉咙有点痒，咳痰",
    "我每晚十一点睡觉，但每到4点就醒了后面就睡不着，这有点不正常",
    "白天没睡",
    "好的，谢谢您，是得去发热门诊吧？",
    "醋酸泼尼松片要吃吗？",
    "这种病能治疗好吗？",
    "孩子吃的都变形了",
    "复感，就是感染上新型肺炎了吗",
    "会不会是打头孢影响的反酸？",
    "已经打了8天了",
    "打头孢了是不是就不用吃药了",
    "我等会把一开始的ct发您哦",
    "查个血常规和ct可以吗",
    "我感觉我怀疑心很重",
    "我去问过心里医生，有点抑郁",
    "昨天晚上有个医生说可能是支气管变异性哮喘",
    "不怎么咳嗽，有时候偶尔会咳嗽一下",
    "痰咳不多，主要是低烧炎症。白天呛咳尚可，目前主要是夜间口水呛咳。",
    "我和我妈都很操心，明天考虑要不要挂个呼吸内科的专家号去复诊",
    "不好意思医生打扰您了，您自己也注意安全",
    "谢谢谢谢",
    "西药呢？",
    "需要抗生素吗？",
    "您好，没有查过心电图，然后这检查报告是三月初",
    "县医院医生全部捡查了，排除了所有坏毛病，今天去查他们叫去济南或青岛去看",
    "一吸气一吐气老觉得胸口痛",
    "我真的觉得自己是新型肺炎",
    "是碳酸钙D3，甲泼尼龙，羟氯喹不够了",
    "前三种开三个月吧，他克莫司不用了，谢谢医生",
    "好的，谢谢大夫",
)
# COVID-Dialogue (haodf.com), doctors' turns.
DOCTOR_TURNS = (
    "感谢您的信任，病情资料我已详细阅读。",
    "呛咳病程多久了？",
    "神志清醒？",
    "痰培养报告有吗？关键是控制误吸引起的吸入性肺炎，可以考虑留置胃管",
    "留着胃管还是比较安全的，护理也简单，但是只能进食流质。",
    "是新冠活不了这么久的",
    "用点抗过敏药，比如西替利嗪",
    "你家几个人和你一样症状？",
    "白天睡吗？",
    "焦虑导致的",
    "别这么焦虑",
    "先吃西替利嗪",
    "找点事做",
    "吸烟吗？",
    "过敏体质加上局部慢性炎症，没法根治",
    "比如说复方氨酚烷胺片。",
    "可能性不大，如果方便的话查一下血常规",
    "肺部有炎症，建议进一步查心脏彩超和肺功能检查",
    "CT报告，真菌检查报告发给我看一下",
    "之前治疗方案是什么",
    "改用伏立康唑继续抗真菌治疗，1月后复查CT",
    "小剂量维持一段时间",
    "激素是逐步减量的",
    "先去医院做血常规，C反应蛋白，胸部CT，CT检查发现感染病灶，做咽拭子核酸检测",
    "是的",
    "奥美拉唑",
    "莫西沙星",
    "你好，检查单看都还算正常，心电图做了没有？",
    "可以去医院查下。",
    "可能是抗菌药物不对症",
    "建议去医院查一下血常规，拍个胸片，评估后再决定是否用药",
    "症状不太像",
    "足够了",
    "有些焦虑症表现",
    "保证睡眠，放松心情",
    "没有证据",
    "注意调整心情，合理的保守治疗",
    "不用紧张，不用客气，祝您健康",
    "近期因为临时有工作变动，所以都是周二下午，三点前来，我给你加号",
    "复查血常规、血沉、C反应蛋白、和肝功能，没有异常可以停用他克莫司。",
    "我先照你现在的药开一下，你有补钙的药吗",
    "开多久的？两个月？",
    "改好了",
    "没有成熟的新冠疫苗，你病情稳定可以考虑其他必要的如流感疫苗",
)
# IMCS-21 (IMCS-V2 MRG, paediatric online consultations), one dialogue's turns.
CHILD_PATIENT_TURNS = (
    "四个月大的宝宝感冒，无发烧，现在只有小儿氨酚黄那敏颗粒跟双黄连颗粒，请问可以吃吗？怎么吃？",
    "声音哑了",
    "有一些流涕",
    "孩子妈妈感冒几天了，纯母乳，目前不知道是受凉还是母亲传染",
    "昨天开始有些没神",
    "医生，主要他们现在在国外，目前药物就上述那两种",
    "是自己家里之前买了寄过去的",
    "孩子的母亲有咳嗽，可以吃吗",
    "那孩子母亲呢，纯母乳的",
    "医生，孩子妈妈可以吃吗",
    "宝宝昨天开始有些没神",
    "老是打喷嚏",
    "没有这个药",
    "好的，谢谢",
    "没有了谢谢",
    "感冒3天，体温38.5度。",
    "血常规显示白细胞数值和中性粒细胞比例偏高。",
)
CHILD_DOCTOR_TURNS = (
    "您好。孩子有没有受凉引起的感冒？",
    "是流涕，鼻塞吗？",
    "哦，咳嗽吗？精神好吗？",
    "哦，应该是家属传染的",
    "只要没有发热，没有咳嗽，就说明病情不严重。不要担心",
    "是大夫开的药物吗？",
    "双黄连颗粒是可以吃的，这个清热解毒，抗病毒消炎。宝宝可以吃",
    "每次三分之一包，一日2次",
    "妈妈也可以吃双黄连的，",
    "只要孩子精神可以，就说明病情不严重",
    "这个药物可以抗过敏，也可以治疗流涕，打喷嚏",
    "每次2ml，一天1次",
    "一般药店就有",
    "假如出现发热，出现咳嗽的表现，就要及时去医院看看。因为孩子小，怕病情加重",
    "国外呀。",
    "客气啦",
    "有问题留言",
    "还有问题吗？",
    "孩子感冒有多久了？",
    "考虑小儿感冒。",
    "建议去公立小儿科就医。",
)
# COVID-Dialogue consultation forms: (病情描述, 希望获得的帮助, 患病多久).
DESCRIPTIONS = (
    ("咳嗽从2月开始到现在，有痰，怀疑是不是新冠状病毒？", "能不能医好这咳嗽病？", "半年内"),
    ("前天晚上出去感觉有点感冒了穿短袖在高处有点冷", "是否感染", "一周内"),
    (
        "久未恢复 身体一直虚弱 ，还有需要做什么检查诊断或是因并发症导致呢？",
        "肺部有否病变 并发症",
        "半年内",
    ),
    ("请问新型冠状病毒肺炎需要吃什么药？西药和中药均可", "没有", "一周内"),
    (
        "咳嗽，胸闷，一动历害呼吸不上气。刚开始吐血汁，",
        "想去医院看看，打了一个月针一直不消。",
        "半年内",
    ),
    ("烟曲霉菌肺部感染，但是停药三个月又长了一点怎么办", "这怎么办", "大于半年"),
    (
        "目前每天吃两片硫酸羟氯喹片、一粒他克莫司胶囊，隔天吃半片甲泼尼龙，药快没了。",
        "是否需要验血和减药",
        "大于半年",
    ),
    ("1.吃饭没胃口，胃反酸，吐 2背发热 3.胸闷，该如何治疗？已经做了ct", "下一步如何治疗", "半年内"),
    ("在楼上住   楼下是干早餐的   营业额时候需要怎么预防", "需要怎么预防", "一周内"),
)  # fmt: skip
FILL_DATES = ("2020-03-23", "2020-03-19", "2020-02-09", "2020-03-13")
# CMeEE (CHIP 2020 task 1) sentences.
TEXTBOOK = (
    "多数患儿咳嗽与发热同时出现，少数发热数天后始出现咳嗽。",
    "大多数患儿无咽痛、鼻塞或流涕等典型上呼吸道病毒感染症状。",
    "除个别年长患儿诉胸痛和头痛外，大多无肌肉酸痛、寒战、头痛、胸痛等，与成年人报道不同。",
    "血常规的动态变化是本病的特点之一，典型病例其外周血白细胞在病情进展期呈进行性下降。",
    "年长儿可诉头痛、关节和肌肉酸痛、乏力等，可有腹泻。",
    "抗生素治疗无效，经对症支持疗法3～5天，喘息停止，病情逐渐好转，预后良好。",
    "治疗以红霉素为首选，疗程3周。",
    "重症患儿可考虑用血浆，10～20ml/（kg•d），连用3～5天。",
    "如果患儿营养状态较差，应给予静脉营养支持治疗，适当补充维生素、氨基酸及脂肪乳。",
    "一般给予鼻导管给氧（1L），小婴儿给予头罩给氧（3～5L），保证氧饱和度＞97%。",
    "儿童忌用阿司匹林，因该药有可能引起Reye综合征。",
    "每天监测经皮血氧饱和度。",
    "强调早期足量全程给氧。",
    "定期复查胸部X线片及心、肝、肾功能等。",
    "高热发热超过38.5℃者，全身酸痛明显者，可使用物理降温措施或给予解热镇痛药，如布洛芬。",
    "常遗留下不可逆肺损伤，后遗症有肺不张、肺纤维化、支气管扩张、反复发作性肺炎等。",
    "一般有明确SARS接触史。",
    "在肺实变期，避免用力和剧烈咳嗽。",
    "脂肪乳的运用，要注意患儿的肝功能，尤其是小婴儿，因为部分患儿可并发肝损害。",
    "一般情况下，应鼓励患儿咳嗽，注意翻身拍背，尽力促使呼吸道分泌物排出。",
)
# CCKS 2019 (Yidu-S4K) record sentences.
RECORDS = (
    "患者3月前因“直肠癌”于在我院于全麻上行直肠癌根治术（DIXON术），手术过程顺利，术后给予抗感染及营养支持治疗，患者恢复好，切口愈合良好。",
    "术后查无化疗禁忌后给予3周期化疗，方案为：奥沙利铂150MG D1，"
    "亚叶酸钙0.3G+替加氟1.0G D2-D6，患者副反应轻。",
    "患者7月前因“下腹腹胀伴反酸”至我院就诊，完善相关检查，诊断“胃体胃窦癌(CT4N2M0,IIIB期)”，建议先行化疗，患者及家属表示理解同意。",
    "后于2015-08-24在全麻上行胃癌根治术（远端胃大切），术程顺利，术后预防感染支持对症等处理。",
    "双端切线另送“近端”、“远端”及环周底部切除面未查见癌。",
    "术后病理示：直肠腺癌（中低度分化），浸润溃疡型，面积3.5*2CM，侵达外膜。",
)  # fmt: skip
# Huatuo (SCIR-HI/Huatuo-Llama-Med-Chinese, data/infer.json) questions.
QUESTIONS = (
    "一位35岁女性患者出现了关节疼痛和糖耐量异常，请问她可能患了什么疾病？",
    "麻风病和儿童哮喘的病因是否一致？",
    "一位患者出现了持续性的胀痛和黄疸，经影像学检查后确诊为肝胆管结石病，应该采取哪些治疗方案？",
)

# --- planted values (written for this set) ------------------------------------------------------
NAMES = (
    "田秀英", "何建平", "罗玉梅", "梁志强", "宋佳怡", "唐国栋", "许红霞", "韩磊", "冯丽萍",
    "邓子轩", "曹雪芬", "曾凡荣", "萧宇航", "程慧敏", "袁立新", "于海波", "董小燕", "潘建军",
    "蒋欣然", "余晓丽", "杜明远", "叶思琪", "魏国强", "吕春华", "丁一鸣", "沈佳琪", "姜永红",
    "范伟东", "傅雅婷", "钟振华", "汪淑珍", "石磊", "崔婷婷", "廖德明", "方晓峰", "贾玉兰",
    "夏雨桐", "侯志勇", "邹美玲", "熊俊峰", "孟庆华", "秦雅琴", "阎鹏飞", "薛梦瑶", "雷建华",
    "龙泽宇", "万丽君", "段红梅", "郝文杰", "邵华", "史玉珍", "毛晓东", "常永胜", "武红英",
    "乔建新", "赖美华", "覃志明", "黎晓红", "温雅", "柴国庆",
)  # fmt: skip
COMPOUND = ("欧阳雪梅", "上官云飞", "司徒美琪", "诸葛明轩", "皇甫建国", "慕容晓晓", "东方红")
WORDY = ("王国", "高洁", "成功", "文明", "方正", "江山", "夏天", "安静", "向阳", "田野", "常青")
TRADITIONAL = ("陳志明", "黃美玲", "張家豪", "林淑芬", "吳建宏", "劉冠廷", "鄭麗華")
PINYIN = (
    "ZHANG Wei",
    "LI Xiaohong",
    "Chen Jianguo",
    "WONG Ka Wai",
    "Lin, Shu-fen",
    "HUANG MEILING",
)
MINORITY = (
    "买买提·艾力", "阿依古丽·吐尔逊", "热依拉•买买提", "迪丽娜尔·阿不都", "艾尔肯・吾买尔",
    "次仁卓玛", "巴特尔", "娜仁其其格",
)  # fmt: skip
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋"
    "唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁沈"
)
RURAL = (
    "河南省周口市郸城县汲冢镇前楼村3组",
    "贵州省毕节市大方县羊场镇新春村",
    "安徽省阜阳市临泉县长官镇李庄村委会王营组",
    "湖北省黄冈市蕲春县漕河镇红旗村八组",
    "广西壮族自治区玉林市博白县亚山镇大塘村",
    "甘肃省定西市通渭县平襄镇",
    "江西省赣州市于都县银坑镇坳脑村上坪组",
    "山东省临沂市沂南县界湖街道北寨村",
    "云南省曲靖市会泽县娜姑镇白雾村委会",
)
COMPOUNDS = (
    "杭州市西湖区文三路翠苑三区12幢2单元501室",
    "成都市武侯区棕北小区7栋1单元302",
    "深圳市龙岗区布吉街道万科四季花城6期18栋B座1203",
    "北京市朝阳区望京花家地北里5号楼3门401",
    "重庆市渝北区龙溪街道金山路星光小区B区3-2-4",
    "南京市鼓楼区中山北路283号",
    "武汉市洪山区光谷街道金地格林小城15栋2单元1502",
    "西安市雁塔区电子二路东段26号院3号楼",
    "长沙市岳麓区麓谷街道和馨园二期8栋904",
)
HMT = (
    "香港新界沙田火炭路2號駿景園3座18樓F室",
    "九龍觀塘協和街101號",
    "台中市西屯區台灣大道三段99號",
    "高雄市苓雅區四維三路2號",
    "澳門氹仔廣東大馬路濠庭都會第3座12樓",
    "香港湾仔告士打道128号祥丰大厦15楼",
)
ORGS = (
    "杭州市西湖区教育局", "中国石化镇海炼化分公司", "宁波大学", "顺丰速运有限公司",
    "郸城县第一高级中学", "阿里巴巴（中国）有限公司", "临泉县长官镇中心小学", "中铁十一局集团",
)  # fmt: skip
PLATES = ("浙A·8K2M7", "沪B 3X971", "粤BD12345", "川A·F62D8", "豫P99U37", "京N·H7G25")
TITLES = ("医生", "大夫", "主任", "医师")
MAILS = (
    "wangli_1985@163.com",
    "liu.jing@qq.com",
    "tyx2008@126.com",
    "hjp.sz@outlook.com",
    "xiaoyan.dong@sina.cn",
    "Chen.JG@hotmail.com",
)
OBFUSCATED_MAILS = (
    "zhangwei#163.com",
    "lihong at qq dot com",
    "tyx2008（at）126.com",
    "dxy[at]sina.com",
)
RELATIONS = ("配偶", "女儿", "儿子", "母亲", "父亲")

Part = tuple[str, str | None, str | None]  # (text, entity type or None, canonical value)


def _t(text: str) -> Part:
    return (text, None, None)


def _birth(rng: random.Random, lo: int = 1935, hi: int = 2018) -> dt.date:
    return dt.date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))


def _id_value(rng: random.Random, *, with_x: bool = False) -> str:
    for _ in range(200):
        value = resident_id.generate(rng, birth_date=_birth(rng, 1935, 2012))
        if not with_x or value.endswith("X"):
            return value
    return value


def _resident_id(rng: random.Random) -> tuple[str, str]:
    """A resident ID as people write it, and its compact form."""
    style = rng.randrange(9)
    value = _id_value(rng, with_x=style == 6)
    forms = (
        value,
        f"{value[:6]} {value[6:14]} {value[14:]}",
        " ".join(value[i : i + 4] for i in range(0, 18, 4)),
        f"{value[:3]} {value[3:6]} {value[6:10]} {value[10:14]} {value[14:]}",
        f"{value[:6]}-{value[6:14]}-{value[14:]}",
        "".join(chr(ord(c) + 0xFEE0) for c in value),
        value[:17] + "x",
        value,
        "",
    )
    if style == 8:
        legacy = resident_id.generate(rng, birth_date=_birth(rng, 1935, 1999), legacy=True)
        return legacy, legacy
    return forms[style], value


def _mobile(rng: random.Random) -> tuple[str, str]:
    n = phone.generate(rng)
    forms = (
        n,
        f"+86 {n[:3]} {n[3:7]} {n[7:]}",
        f"+86-{n}",
        f"0086 {n}",
        f"{n[:3]}-{n[3:7]}-{n[7:]}",
        f"{n[:3]} {n[3:7]} {n[7:]}",
        f"(+86){n}",
        "".join(chr(ord(c) + 0xFEE0) for c in n),
    )
    return rng.choice(forms), n


def _landline(rng: random.Random) -> tuple[str, str]:
    area = rng.choice(("0571", "028", "0755", "010", "0394", "021", "0558"))
    local = f"{rng.randint(2, 8)}{rng.randrange(10**6, 10**7)}"
    if len(area) == 4:
        local = local[:7]
    forms = (
        f"{area}-{local}",
        f"({area}){local}",
        f"（{area}）{local[:4]} {local[4:]}",
        f"{area} {local}",
        f"{area}-{local}转{rng.randint(100, 8999)}",
    )
    return rng.choice(forms), area + local


def _card(rng: random.Random) -> tuple[str, str]:
    length = rng.choice((16, 19, 19))
    value = bank_card.generate(rng, bin=rng.choice(("622202", "621700", "622848", "625965")),
                               length=length)  # fmt: skip
    groups = " ".join(value[i : i + 4] for i in range(0, length, 4))
    forms = (value, groups, groups.replace(" ", "-"), f"{value[:6]} {value[6:]}")
    return rng.choice(forms), value


def _dob(rng: random.Random, lo: int = 1935) -> tuple[str, str]:
    d = _birth(rng, lo)
    digits = "〇一二三四五六七八九"
    months = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
    ones = ("", "一", "二", "三", "四", "五", "六", "七", "八", "九")
    day = ones[d.day] if d.day < 10 else (
        "十" + ones[d.day - 10] if d.day < 20 else months[d.day // 10 - 1] + "十" + ones[d.day % 10]
    )  # fmt: skip
    chinese = "".join(digits[int(c)] for c in str(d.year)) + f"年{months[d.month - 1]}月{day}日"
    forms = (
        d.isoformat(),
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}.{d.month:02d}.{d.day:02d}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}{d.month:02d}{d.day:02d}",
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        chinese,
        f"{d.year}年{d.month:02d}月{d.day:02d}日",
    )
    return rng.choice(forms), d.isoformat()


def _record(rng: random.Random) -> tuple[str, str]:
    """A record-number label and a number hospital systems print after it."""
    label, value = rng.choice(
        (
            ("住院号：", f"{rng.randrange(10**7, 10**8)}"),
            ("住院号:", f"ZY{rng.randrange(10**8, 10**9)}"),
            ("门诊号 ", f"MZ{rng.randint(2019, 2024)}{rng.randrange(10**6, 10**7)}"),
            ("病案号：", f"00{rng.randrange(10**5, 10**6)}"),
            ("MRN: ", f"{rng.randrange(10**6, 10**7)}"),
            ("就诊卡号：", f"88{rng.randrange(10**8, 10**9)}"),
            ("登记号 ", f"{rng.randrange(10**9, 10**10)}"),
            ("患者ID：", f"P{rng.randrange(10**6, 10**7)}"),
            ("检查号：", f"CT{rng.randint(2020, 2024)}-{rng.randrange(10**4, 10**5)}"),
            ("病历号:", f"{rng.randint(2019, 2024)}-{rng.randrange(10**5, 10**6)}"),
            ("影像号：", f"DR{rng.randrange(10**6, 10**7)}"),
            ("ID号：", f"{rng.randrange(10**5, 10**7)}"),
        )
    )
    return label, value


def _name(rng: random.Random) -> str:
    pool = rng.choices((NAMES, COMPOUND, TRADITIONAL), weights=(8, 1, 1))[0]
    return rng.choice(pool)


def _turns(rng: random.Random, k: int, prefix: str = "") -> list[Part]:
    """``k`` alternating turns in one of the layouts consultation exports use."""
    style = rng.randrange(4)
    who = (("病人", "医生"), ("患者", "医生"), ("患者家属", "大夫"), ("用户", "医生"))[style]
    sep = ("：\n", "：", ": ", "：")[style]
    child = rng.random() < 0.4
    pools = (CHILD_PATIENT_TURNS, CHILD_DOCTOR_TURNS) if child else (PATIENT_TURNS, DOCTOR_TURNS)
    out: list[Part] = []
    start = rng.randrange(2)
    for i in range(k):
        side = (start + i) % 2
        said = rng.choice(pools[side])
        out.append(_t(f"{prefix if i else ''}{who[side]}{sep}{said}\n"))
    return out


# --- families -------------------------------------------------------------------------------------


def _form(rng: random.Random) -> list[Part]:
    """A registration or admission form pasted as text (fields in varied order and separators)."""
    name, sex = _name(rng), rng.choice("男女")
    colon = rng.choice(("：", ":", "： ", " "))
    gap = rng.choice(("\n", "  ", "；", " | "))
    id_text, id_value = _resident_id(rng)
    mob, mob_value = _mobile(rng)
    dob, dob_value = _dob(rng)
    place = rng.choice(RURAL + COMPOUNDS)
    fields: list[list[Part]] = [
        [_t(f"姓名{colon}"), (name, "PERSON", name)],
        [_t(f"性别{colon}{sex}")],
        [
            _t(rng.choice(("出生日期", "出生年月日", "生日", "DOB")) + colon),
            (dob, "DATE_TIME", dob_value),
        ],
        [_t(rng.choice(("身份证号", "公民身份号码", "证件号码", "身份证")) + colon),
         (id_text, "CN_RESIDENT_ID", id_value)],
        [
            _t(rng.choice(("联系电话", "手机", "本人电话", "电话")) + colon),
            (mob, "PHONE_NUMBER", mob_value),
        ],
        [_t(rng.choice(("现住址", "家庭住址", "户籍地址", "联系地址", "住址")) + colon),
         (place, "LOCATION", place)],
    ]  # fmt: skip
    if rng.random() < 0.5:
        label, value = _record(rng)
        fields.append([_t(label), (value, "CN_MEDICAL_RECORD_NUMBER", value)])
    if rng.random() < 0.4:
        contact = rng.choice(NAMES)
        tel, tel_value = rng.choice((_mobile, _landline))(rng)
        fields.append([
            _t(f"联系人{colon}"), (contact, "PERSON", contact),
            _t(f"（{rng.choice(RELATIONS)}）{rng.choice(('电话', '电话：', ' '))}"),
            (tel, "PHONE_NUMBER", tel_value),
        ])  # fmt: skip
    first, rest = fields[:1], fields[1:]
    rng.shuffle(rest)
    out: list[Part] = []
    for i, field in enumerate(first + rest):
        if i:
            out.append(_t(gap))
        out.extend(field)
    return out


def _admission(rng: random.Random) -> list[Part]:
    """An admission note's opening in the layouts EMR templates print."""
    name, sex, age = _name(rng), rng.choice("男女"), rng.randint(18, 88)
    place = rng.choice(RURAL + COMPOUNDS)
    style = rng.randrange(4)
    if style == 0:
        return [_t("患者"), (name, "PERSON", name), _t(f"，{sex}性，{age}岁，汉族，已婚，住"),
                (place, "LOCATION", place), _t("。"), _t(rng.choice(RECORDS))]  # fmt: skip
    if style == 1:
        label, value = _record(rng)
        return [_t(f"入院记录\n{label}"), (value, "CN_MEDICAL_RECORD_NUMBER", value),
                _t("\n姓名 "), (name, "PERSON", name), _t(f"  性别 {sex}  年龄 {age}岁\n现病史："),
                _t(rng.choice(RECORDS))]  # fmt: skip
    if style == 2:
        return [_t(rng.choice(RECORDS)), _t("病史陈述者："), (name, "PERSON", name),
                _t(f"（患者{rng.choice(('之子', '之女', '配偶', '本人'))}），可靠。")]  # fmt: skip
    old = rng.randint(90, 103)
    return [_t(f"患者{sex}，"), (f"{old}岁", "AGE", None), _t("，因“咳嗽、咳痰伴发热3天”入院。"),
            _t(rng.choice(TEXTBOOK))]  # fmt: skip


def _dialogue_name(rng: random.Random) -> list[Part]:
    """A name said in a consultation: the patient's, a relative's or the doctor's."""
    name = _name(rng)
    style = rng.randrange(8)
    head = _turns(rng, rng.randint(1, 3))
    if style == 0:
        return [
            *head,
            _t("病人：\n谢谢"),
            (name, "PERSON", name),
            _t(rng.choice(TITLES) + "。请问还要复查吗？"),
        ]
    if style == 1:
        return [
            *head,
            _t("患者：\n"),
            (name, "PERSON", name),
            _t("大夫您好，我上次复查您没在，药快吃完了。"),
        ]
    if style == 2:
        return [
            _t("医生：\n请问患者叫什么名字？\n病人：\n"),
            (name, "PERSON", name),
            _t(f"，{rng.randint(3, 80)}岁。"),
        ]
    if style == 3:
        return [
            *head,
            _t("家属：\n我是"),
            (name, "PERSON", name),
            _t("的女儿，我妈这两天还是低烧。"),
        ]
    if style == 4:
        surname = rng.choice(SURNAMES)
        return [
            *head,
            _t("病人：\n好的，谢谢"),
            (surname, "PERSON", surname),
            _t(rng.choice(TITLES)),
        ]
    if style == 5:
        return [
            _t("医生：\n" + rng.choice(DOCTOR_TURNS) + "\n病人：\n我叫"),
            (name, "PERSON", name),
            _t("，是上周在您这看的。"),
        ]
    if style == 6:
        return [
            *head,
            _t("医生：\n你好，我是"),
            (name, "PERSON", name),
            _t("医生，请问孩子多大了？"),
        ]
    return [
        *head,
        _t("患者：\n上次是"),
        (name, "PERSON", name),
        _t(rng.choice(("主任", "医生")) + "给开的药，能按原来的吃吗？"),
    ]


def _dialogue_contact(rng: random.Random) -> list[Part]:
    """A phone number, ID or address typed into a consultation."""
    head = _turns(rng, rng.randint(1, 3))
    style = rng.randrange(5)
    if style == 0:
        mob, value = _mobile(rng)
        return [*head, _t("病人：\n我手机"), (mob, "PHONE_NUMBER", value), _t("，有结果麻烦通知我")]
    if style == 1:
        id_text, value = _resident_id(rng)
        return [
            *head,
            _t("患者：我身份证号是"),
            (id_text, "CN_RESIDENT_ID", value),
            _t("，帮我建个档"),
        ]
    if style == 2:
        place = rng.choice(COMPOUNDS + RURAL)
        return [*head, _t("病人：\n我们住在"), (place, "LOCATION", place), _t("，离医院有点远")]
    if style == 3:
        tel, value = _landline(rng)
        return [
            *head,
            _t("医生：\n可以打科室电话"),
            _t("预约，我们病房座机是"),
            (tel, "PHONE_NUMBER", value),
        ]
    wx = rng.choice(("lily_2019", "wang-jp88", "zhangxm1990", "tianxy_07"))
    return [*head, _t(f"病人：\n加我微信{rng.choice(('', '：', '号 '))}"), (wx, "ACCOUNT_ID", None),
            _t("，我把片子发您")]  # fmt: skip


def _qa_post(rng: random.Random) -> list[Part]:
    """A consultation form (haodf layout) whose free text holds personal data."""
    desc, help_text, how_long = rng.choice(DESCRIPTIONS)
    filled = rng.choice(FILL_DATES)
    style = rng.randrange(5)
    name = _name(rng)
    extra: list[Part]
    if style == 0:
        mob, value = _mobile(rng)
        extra = [_t("（联系电话："), (mob, "PHONE_NUMBER", value), _t("）")]
    elif style == 1:
        extra = [_t("我叫"), (name, "PERSON", name), _t(f"，今年{rng.randint(20, 70)}岁。")]
    elif style == 2:
        org = rng.choice(ORGS)
        extra = [_t("我在"), (org, "ORGANIZATION", org), _t("上班，经常加班。")]
    elif style == 3:
        mail = rng.choice(MAILS)
        extra = [_t("检查报告可以发我邮箱"), (mail, "EMAIL_ADDRESS", mail), _t("。")]
    else:
        qq = str(rng.randrange(10**7, 10**10))
        extra = [_t("QQ号："), (qq, "ACCOUNT_ID", None), _t("，方便联系")]
    return [
        _t(f"疾病： 肺炎相关\n病情描述： {desc}"), *extra,
        _t(f"\n希望获得的帮助： {help_text}\n患病多久： {how_long}\n过敏史： 无（{filled}填写）"),
    ]  # fmt: skip


def _signature(rng: random.Random) -> list[Part]:
    """A signature block closing a note."""
    a, b = rng.sample(NAMES, 2)
    style = rng.randrange(5)
    body = _t(rng.choice(RECORDS + TEXTBOOK) + "\n")
    when = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(8, 20)}:{rng.randint(0, 59):02d}"  # noqa: E501
    if style == 0:
        return [body, _t("医师签名："), (a, "PERSON", a), _t(f"\n{when}")]
    if style == 1:
        return [body, _t("主治医师："), (a, "PERSON", a), _t("    住院医师："), (b, "PERSON", b)]
    if style == 2:
        return [body, _t(f"{when}  记录者："), (a, "PERSON", a)]
    if style == 3:
        return [body, _t("上级医师审签："), (a, "PERSON", a), _t(f"  {when}")]
    return [body, _t(f"{when}\n"), (a, "PERSON", a), _t("/"), (b, "PERSON", b)]


def _kinship(rng: random.Random) -> list[Part]:
    """Relatives and representatives named in notes and forms."""
    a = rng.choice(NAMES)
    style = rng.randrange(5)
    if style == 0:
        return [_t(rng.choice(RECORDS)), _t("其子"), (a, "PERSON", a), _t("签署知情同意书。")]
    if style == 1:
        return [
            _t("患者意识不清，病史由其妻"),
            (a, "PERSON", a),
            _t("提供。"),
            _t(rng.choice(TEXTBOOK)),
        ]
    if style == 2:
        return [
            _t("监护人："),
            (a, "PERSON", a),
            _t(f"（{rng.choice(('父亲', '母亲', '奶奶'))}）\n"),
            _t(rng.choice(TEXTBOOK)),
        ]
    if style == 3:
        return [_t("患儿由外婆"), (a, "PERSON", a), _t("陪同就诊，"), _t(rng.choice(TEXTBOOK))]
    mob, value = _mobile(rng)
    return [
        _t("紧急联系人 "),
        (a, "PERSON", a),
        _t("  关系：丈夫  电话 "),
        (mob, "PHONE_NUMBER", value),
    ]


def _names_as_written(rng: random.Random) -> list[Part]:
    """Names that are ordinary words, romanized, traditional or minority names with separators."""
    kind = rng.randrange(4)
    value = (rng.choice(WORDY), rng.choice(PINYIN), rng.choice(TRADITIONAL), rng.choice(MINORITY))[
        kind
    ]
    sex, age = rng.choice("男女"), rng.randint(20, 80)
    style = rng.randrange(3)
    if style == 0:
        return [
            _t("患者姓名："),
            (value, "PERSON", value),
            _t(f"  性别：{sex}  年龄：{age}岁\n"),
            _t(rng.choice(RECORDS)),
        ]
    if style == 1:
        return [
            _t("患者"),
            (value, "PERSON", value),
            _t(f"，{sex}，{age}岁，因“发热伴咳嗽2天”就诊。"),
        ]
    return [_t(rng.choice(TEXTBOOK)), _t("\n报告医师："), (value, "PERSON", value)]


def _addresses(rng: random.Random) -> list[Part]:
    """Addresses after the labels notes and forms use (rural, compounds, HK/Macao/Taiwan)."""
    place = rng.choice(RURAL + COMPOUNDS + HMT)
    label = rng.choice(
        ("现住址：", "户籍所在地：", "常住地址 ", "现居", "家住", "住址:", "通讯地址：")
    )
    return [_t(rng.choice(RECORDS + TEXTBOOK)), _t(label), (place, "LOCATION", place), _t("。")]


def _dates_of_birth(rng: random.Random) -> list[Part]:
    """Dates of birth after their labels, in every written form (admission dates unlabeled)."""
    dob, value = _dob(rng)
    label = rng.choice(("出生日期：", "出生年月：", "生于", "出生于", "DOB: ", "出生：", "生日 "))
    admit = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return [
        _t(f"入院日期：{admit}  "),
        _t(label),
        (dob, "DATE_TIME", value),
        _t("\n"),
        _t(rng.choice(RECORDS)),
    ]


def _record_numbers(rng: random.Random) -> list[Part]:
    """Record numbers by their labels in headers and lab slips."""
    out: list[Part] = []
    for _ in range(rng.randint(1, 3)):
        label, value = _record(rng)
        out += [
            _t(label),
            (value, "CN_MEDICAL_RECORD_NUMBER", value),
            _t(rng.choice(("  ", "\n", "，"))),
        ]
    if rng.random() < 0.4:
        bed = str(rng.randint(1, 60))
        out += [_t("床号："), (bed, "CN_MEDICAL_RECORD_NUMBER", bed), _t("床  ")]
    return [*out, _t(rng.choice(TEXTBOOK + RECORDS))]


def _money_and_ids(rng: random.Random) -> list[Part]:
    """Bank cards for refunds, documents, plates and workplaces in notes and forms."""
    style = rng.randrange(6)
    if style == 0:
        card, value = _card(rng)
        name = rng.choice(NAMES)
        return [
            _t("退费账户："),
            (card, "CN_BANK_CARD", value),
            _t("  开户人："),
            (name, "PERSON", name),
        ]
    if style == 1:
        card, value = _card(rng)
        return [
            _t(rng.choice(PATIENT_TURNS)),
            _t("\n病人：\n医保卡绑定的银行卡是"),
            (card, "CN_BANK_CARD", value),
        ]
    if style == 2:
        plate = rng.choice(PLATES)
        return [
            _t("陪护车辆登记 车牌号码："),
            (plate, "CN_VEHICLE_PLATE", None),
            _t("，请于出院前挪车。"),
        ]
    if style == 3:
        org = rng.choice(ORGS)
        return [
            _t("职业：职员  工作单位："),
            (org, "ORGANIZATION", org),
            _t("\n"),
            _t(rng.choice(RECORDS)),
        ]
    if style == 4:
        passport = rng.choice(("E58213746", "EA7302158", "C61827394", "G38476215"))
        return [
            _t("外籍/港澳患者 证件类型：护照  证件号："),
            (passport, "CN_PASSPORT", passport),
            _t("。"),
        ]
    id_text, value = _resident_id(rng)
    return [
        _t("参保人身份证号码 "),
        (id_text, "CN_RESIDENT_ID", value),
        _t("，医保类型：城乡居民。"),
    ]


def _negative(rng: random.Random) -> tuple[str, list[Part]]:
    """Public text alone: dialogues, forms, textbook and record sentences (no planted value)."""
    kind = rng.randrange(5)
    if kind in (0, 1):
        return "dialogue", _turns(rng, rng.randint(2, 6))
    if kind == 2:
        desc, help_text, how_long = rng.choice(DESCRIPTIONS)
        filled = rng.choice(FILL_DATES)
        return "qa_post", [_t(f"疾病： 肺炎相关\n病情描述： {desc}\n希望获得的帮助： {help_text}\n"
                              f"患病多久： {how_long}\n既往病史： 无（{filled}填写）")]  # fmt: skip
    if kind == 3:
        return "clinical_note", [_t(rng.choice(TEXTBOOK)), _t(rng.choice(TEXTBOOK))]
    return "qa_post", [_t(rng.choice(QUESTIONS + RECORDS))]


def _network(rng: random.Random) -> list[Part]:
    """E-mail addresses (plain and obfuscated), QQ and WeChat IDs, and refund bank cards."""
    style = rng.randrange(5)
    if style == 0:
        mail = rng.choice(MAILS)
        return [_t(rng.choice(QUESTIONS)), _t("报告请发邮箱 "), (mail, "EMAIL_ADDRESS", mail)]
    if style == 1:
        mail = rng.choice(OBFUSCATED_MAILS)
        return [
            _t(rng.choice(PATIENT_TURNS) + "\n我的邮箱是"),
            (mail, "EMAIL_ADDRESS", mail),
            _t("。"),
        ]
    if style == 2:
        qq = str(rng.randrange(10**6, 10**10))
        label = rng.choice(("QQ：", "qq号", "扣扣 ", "QQ群联系人QQ:"))
        return [_t(label), (qq, "ACCOUNT_ID", None), _t("\n" + rng.choice(TEXTBOOK))]
    if style == 3:
        wx = rng.choice(("lily_2019", "wang-jp88", "zhangxm1990", "tianxy_07", "Sunny-Lin_92"))
        label = rng.choice(("微信：", "vx ", "微信号:", "WeChat: "))
        return [_t(rng.choice(DOCTOR_TURNS) + "\n"), _t(label), (wx, "ACCOUNT_ID", None)]
    card, value = _card(rng)
    name = rng.choice(NAMES)
    return [
        _t(rng.choice(("收款账号：", "退款银行卡号 ", "开户行：中国农业银行  卡号："))),
        (card, "CN_BANK_CARD", value),
        _t(rng.choice(("  户名：", "（持卡人 ", "，开户名"))),
        (name, "PERSON", name),
    ]


def _hkid(rng: random.Random) -> str:
    """A Hong Kong identity card number with its check character (one-letter prefix)."""
    letter = rng.choice("ACDEGHKPRVZ")
    digits = "".join(str(rng.randrange(10)) for _ in range(6))
    total = (
        36 * 9
        + (ord(letter) - 55) * 8
        + sum(int(d) * w for d, w in zip(digits, range(7, 1, -1), strict=True))
    )
    check = (11 - total % 11) % 11
    return f"{letter}{digits}({'A' if check == 10 else check})"


def _more_documents(rng: random.Random) -> list[Part]:
    """Social-security and medical-insurance cards, travel permits, HK identity cards."""
    style = rng.randrange(6)
    if style == 0:
        value = f"{rng.choice('ABCDEFGHJK')}{rng.randrange(10**7, 10**8)}"
        return [_t("社会保障卡号："), (value, "CN_SOCIAL_SECURITY_CARD", None), _t("\n"),
                _t(rng.choice(RECORDS))]  # fmt: skip
    if style == 1:
        value = str(rng.randrange(10**9, 10**10))
        return [_t(rng.choice(TEXTBOOK)), _t("医保卡号 "), (value, "CN_SOCIAL_SECURITY_CARD", None)]
    if style == 2:
        value = f"C{rng.randrange(10**7, 10**8)}"
        return [_t("往来港澳通行证："), (value, "CN_PASSPORT", value), _t("（本人）")]
    if style == 3:
        value = str(rng.randrange(10**7, 10**8))
        return [
            _t("台胞证号码："),
            (value, "CN_PASSPORT", value),
            _t("，"),
            _t(rng.choice(RECORDS)),
        ]
    if style == 4:
        value = _hkid(rng)
        return [_t("香港身份证 "), (value, "HK_ID_CARD", None), _t("\n"), _t(rng.choice(TEXTBOOK))]
    passport = f"E{rng.randrange(10**7, 10**8)}"
    return [_t("Passport No.: "), (passport, "CN_PASSPORT", passport), _t("  国籍：中国")]


def _origins_and_births(rng: random.Random) -> list[Part]:
    """Native place (籍贯, 系…人) and dates of birth written before their marker (…出生)."""
    style = rng.randrange(4)
    if style == 0:
        place = rng.choice(("河南郸城", "四川南充", "湖北蕲春", "安徽临泉", "贵州大方"))
        return [
            _t("籍贯："),
            (place, "LOCATION", place),
            _t("  民族：汉族\n"),
            _t(rng.choice(RECORDS)),
        ]
    if style == 1:
        place = rng.choice(RURAL)
        county = place[: place.index("县") + 1] if "县" in place else place
        return [_t("患者系"), (county, "LOCATION", county), _t("人，"), _t(rng.choice(RECORDS))]
    dob, value = _dob(rng, 1935 if style == 2 else 2006)
    if style == 2:
        return [
            _t("患者于"),
            (dob, "DATE_TIME", value),
            _t("出生，足月顺产。"),
            _t(rng.choice(TEXTBOOK)),
        ]
    name = rng.choice(NAMES)
    return [_t("患儿"), (name, "PERSON", name), _t("，"), (dob, "DATE_TIME", value), _t("生，"),
            _t(rng.choice(TEXTBOOK))]  # fmt: skip


FAMILIES = (
    ("documents", "form", _more_documents),
    ("origin_and_birth", "clinical_note", _origins_and_births),
    ("network_and_cards", "form", _network),
    ("form", "form", _form),
    ("admission_note", "clinical_note", _admission),
    ("dialogue_name", "dialogue", _dialogue_name),
    ("dialogue_contact", "dialogue", _dialogue_contact),
    ("qa_post_contact", "qa_post", _qa_post),
    ("signature", "signature", _signature),
    ("kinship", "clinical_note", _kinship),
    ("names_as_written", "clinical_note", _names_as_written),
    ("address", "clinical_note", _addresses),
    ("date_of_birth", "clinical_note", _dates_of_birth),
    ("record_number", "form", _record_numbers),
    ("cards_documents", "form", _money_and_ids),
)


def build(seed: int = SEED, n: int = N_ITEMS) -> list[dict[str, object]]:
    """The labeled items (deterministic for a seed)."""
    return planted_set(FAMILIES, _negative, seed=seed, n=n)


def main() -> None:
    """Write the file beside this script."""
    write_jsonl(build(), Path(__file__).with_name("heldout_text_pii.jsonl"))


if __name__ == "__main__":
    main()
