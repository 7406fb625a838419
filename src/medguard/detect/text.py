"""Find personal data in free text (clinical notes, remarks, messages): :func:`scan_text`.

One pass of one compiled pattern finds candidates; checksummed identifiers are then validated
with :mod:`medguard.cn` (a resident ID with a bad check character or an impossible date, or an
18-digit specimen barcode, is not reported), and context words near a candidate raise or lower
its score. Full-width characters are folded one-for-one before matching, so every span indexes
the original text. No pattern relies on ``\\b``, which is no boundary between a Chinese character
and a digit: digit and letter look-arounds are used instead.

Person names are found after context words (患者, 主治医师, 家属, 医师签名, ...), before a sex
marker (``张三，男，``) or a role word (``由张三医师主刀``), and in lists (``黎东、廖辉国``). A
candidate needs a known surname (or two parts of a Tibetan name), no character that never
appears in a given name (无, 下, 症, ...), and must not start an ordinary word of jieba's
dictionary (:mod:`medguard.detect.lexicon`): 高血压, 白细胞, 方案 and 石膏 are not names. Where
the name's end is clear (punctuation, the sex marker, 之母, or what follows names in notes: 于,
因, 诉, 既往, ...) only the name itself must not be a word (黄海燕, although 黄海 is one), and
right after 患者 the name must be followed so (患者雷贝拉唑 and 患者张口受限 hold no name).

Entity types follow Presidio: ``PERSON``, ``PHONE_NUMBER``, ``EMAIL_ADDRESS``, ``LOCATION``,
``IP_ADDRESS``, ``DATE_TIME`` and ``CN_RESIDENT_ID``, ``CN_BANK_CARD``, ``CN_PASSPORT``,
``CN_USCC``, ``CN_HMT_PERMIT``, ``HK_ID_CARD``, ``CN_MEDICAL_RECORD_NUMBER``.

Speed: the pattern starts with the class of every alternative's first character, so the
regular-expression engine stops only at those; each alternative is entered only when that
character is in its own class and rejects on its next character (context words branch on
their second character, then as a tree of literals), and the name of its last group selects one
Python handler. One pass first looks for what is rare: full-width characters (the text is then
folded), negative context words, and what every e-mail address and URL holds (@, an obfuscated
at, ://, www.); most notes hold none and are scanned by a pattern without those alternatives,
where letters stop being candidates. At the first digit of a number, one look-ahead skips all
digit-led alternatives when none can start there (10余年, 88次/分). ``check_scan_outputs.py`` in
``benchmarks/`` records every finding over every corpus at hand, to check a speed change.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterable

from medguard.cn import (
    address,
    bank_card,
    hk_id,
    names,
    passport,
    phone,
    regions,
    resident_id,
    uscc,
)
from medguard.cn.normalize import to_halfwidth
from medguard.detect.finding import Finding
from medguard.detect.lexicon import (
    MEDICAL_WORDS,
    is_city,
    is_common_word,
    is_county,
    is_two_char_word,
    is_word,
)

__all__ = ["DEFAULT_MIN_SCORE", "ENTITY_TYPES", "scan_text"]

#: The least likelihood a finding needs by default, in ``scan_text``, ``scan_file``, column
#: classification and ``medguard scan --min-score`` alike. It is low on purpose: a scanner that
#: gates data must err towards reporting. A candidate with negative context (an 18-digit
#: specimen barcode after 标本条码 scores 0.45) or a Luhn-valid number without a UnionPay BIN
#: (0.45) is still reported; raise ``min_score`` (or fail only on ``--fail-on 0.5``) to drop them.
DEFAULT_MIN_SCORE = 0.3

ENTITY_TYPES = (
    "ACCOUNT_ID", "AGE", "CN_BANK_CARD", "CN_DRIVING_LICENSE", "CN_HMT_PERMIT",
    "CN_MEDICAL_RECORD_NUMBER", "CN_MILITARY_ID", "CN_PASSPORT", "CN_RESIDENT_ID",
    "CN_SOCIAL_SECURITY_CARD", "CN_USCC", "CN_VEHICLE_PLATE", "DATE_TIME", "DEVICE_ID",
    "EMAIL_ADDRESS", "HK_ID_CARD", "IP_ADDRESS", "LOCATION", "MAC_ADDRESS", "ORGANIZATION",
    "PERSON", "PHONE_NUMBER", "URL",
)  # fmt: skip

# Han characters: the basic block, Extension A, compatibility ideographs and Extensions B-H
# (rare name characters such as 䶮 and 𫖯 live outside the basic block).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
_TIBETAN = names.TIBETAN_NAME_PARTS
# Surnames common enough that 由李医生 is "Dr Li", not a person named 由李.
_COMMON_SURNAMES = frozenset(s for s, share in names.SURNAME_FREQUENCY.items() if share >= 0.5)
# Surnames that are rare, or double as function words (和, 应, 常, 全, 于): a name with one
# needs given characters common in names (和平, 全军), so 和家属, 全般, 应于 and 查之后 are none.
_FUNCTION_SURNAMES = frozenset("和应常全时明平来由于相初都信展但干利居於元查向易")
_PLAIN_SURNAMES = frozenset(
    s for s, share in names.SURNAME_FREQUENCY.items()
    if share >= 0.05 and len(s) == 1 and s not in _FUNCTION_SURNAMES
)  # fmt: skip
_KINSHIP = ("女儿", "儿子", "丈夫", "妻子", "母亲", "父亲", "爱人", "孙子", "孙女", "姐姐",
            "哥哥", "弟弟", "妹妹", "儿媳", "女婿", "侄子", "外孙", "老伴",
            # grandparents, in-laws, uncles and aunts (由外婆X陪同, 其舅舅X代述)
            "外婆", "外公", "奶奶", "爷爷", "姥姥", "姥爷", "婆婆", "公公", "岳母", "岳父",
            "舅舅", "舅妈", "姑姑", "姑父", "姨妈", "姨父", "阿姨", "叔叔", "婶婶", "伯伯",
            "伯母", "嫂子", "姐夫", "妹夫", "侄女", "外甥", "外甥女", "外孙女", "孙媳", "继母",
            "继父", "养母", "养父", "祖母", "祖父", "外祖母", "外祖父", "爸爸", "妈妈", "老公",
            "老婆", "表哥", "表姐", "表弟", "表妹", "堂哥", "堂姐", "堂弟", "堂妹", "兄长",
            "姐妹", "兄弟", "女友", "男友", "未婚妻", "未婚夫", "朋友", "同事", "邻居")  # fmt: skip
# A child or relative named in speech (患儿叫李明, 宝宝名字叫陈思思, 我儿子叫赵子轩): weak
# context, as after 患者; the words start with the character before 叫 (not 子: 孩子叫 would
# make 子, frequent in notes, a new first character of the scan).
_CALLED = ("儿叫", "宝叫", "字叫", "字是")
# A relative named by the patient (我老公张建华最近失眠): weak context, as after 患者.
_MY_KIN = tuple(
    f"我{k}" for k in (
        "老公", "老婆", "爱人", "丈夫", "妻子", "媳妇", "儿子", "女儿", "妈", "爸", "妈妈", "爸爸",
        "母亲", "父亲", "奶奶", "爷爷", "外婆", "外公", "姥姥", "姥爷", "哥", "姐", "弟", "妹",
        "哥哥", "姐姐", "弟弟", "妹妹", "孩子", "家孩子", "朋友", "同事", "婆婆", "公公", "岳母",
        "岳父", "闺女", "女婿", "儿媳", "孙女", "孙子", "外孙", "外孙女",
    )
)  # fmt: skip
# Self-introductions (我是简宁，身份证…; 本人訾红，家住…): only a whole run that passes the name
# check and ends at punctuation is a name (我是高血压，我是孩子妈妈： no).
_SELF = ("我是", "本人")
_NAME_CONTEXT = (
    "患者", "病人", "姓名", "主治医师", "住院医师", "主任医师", "副主任医师", "医师", "医生",
    "护士", "责任护士", "家属", "其子", "其女", "其夫", "其妻", "配偶", "联系人", "监护人",
    "签名", "经治医生", "患儿", "医师签名", "医生签名", "护士签名", "上级医师签名", "患者签名",
    "家属签名", "签字", "记录者", "记录人", "术者", "主刀", "麻醉医师", "助手", "接诊医师",
    "值班医师", "报告医师", "检查医师", "审核医师", "送检医师", "管床医师", "主管医师",
    "患者姓名", "病人姓名", "家属姓名", "联系人姓名", "监护人姓名", "报告人", "报告者", "陪护",
    "陪护人", "陪护人员", "陪同人", "填表人", "审核人", "录入人", "执行人", "操作者", "代诉人",
    "陪同人员", "陪同", "本人签字", "之母", "之父", "之子", "之女", "之妻", "之夫", "其母", "其父",
    "母亲", "父亲", "儿子", "女儿", "丈夫", "妻子", "主管护士", "护士长", "科主任", "护师",
    "主管护师", "药师", "技师",
    # kinship, representation and forms (其女儿李娟代述, 授权委托人：, 户名：, 送检人：)
    *(f"其{k}" for k in _KINSHIP), "爱人", "老伴", "授权委托人", "委托人", "代理人",
    "陪诊人", "陪诊", "紧急联系人", "户名", "持卡人", "送检人",
    "患儿姓名", "参加讨论人员", "讨论人员", "参加人员", "出席人员", "参会人员", "主持人",
    "姓 名", "姓  名", "姓\u3000名",  # a label spread to the width of 性  别
    "主任", "副主任", "教授", "副教授",
    "医师签字", "医生签字", "住院医生", "主管医生", "值班医生", "Name", "NAME", "我叫", "名叫",
    *_CALLED,
    "大名", "检查者", "签字人", "签收人", "手术者", "一助", "二助", "审核者", "负责人", "经办人",
    "就诊人", "被保险人", "投保人",
    # labels of signature blocks, with their colon (审核通过 holds no name); only labels whose
    # first character other context words start with, so the scan stops nowhere new
    *(f"{w}{c}" for w in ("审核", "报告", "录入", "检验", "配药", "签名/日期", "签字/日期")
      for c in ("：", ":")),
    "检验者", "药剂师", "接收人",
    # who signed or gave the history (上级医师审签：X, 病史陈述者：X, 开户人：X)
    "审签", "审签医师", "审签人", "审阅", "审阅人", "审阅医师", "审核医生", "审批人",
    "病史陈述者", "病史陈述人", "病史提供者", "病史提供人", "病史叙述者", "病史叙述人",
    "病史供述者", "供史者", "供史人", "代述人", "代诉者", "户人：", "户人:",
    # who checked, ordered or copied (核对者：, 复核：, 申请医师：, 抄送：); labels whose first
    # character is frequent in notes (发药人, 确认人, 首诊医生) are left out: each new first
    # character costs scan time on every note
    "核对者", "核对人", "核对医师", "核对护士", "复核人", "复核者", "复核医师", "复核医生",
    "打印人", "填报人", "登记人", "接诊护士", "申请医师", "申请医生", "申请人", "送检医生",
    "操作人", "执行护士", "责任医生", "责任医师",
    *(f"{w}{c}" for w in ("复核", "核对", "抄送", "审签") for c in ("：", ":")),
    # a relative named in a turn of speech (我老公张建华最近失眠, 我妈王秀英今年65岁)
    *_MY_KIN,
    "大夫", "主治大夫", "主管大夫", "值班大夫",
    # who dispensed a prescription (调配：X  核对/发药：X), who asked a Q&A post (提问人：X)
    "调配", "调配人", "调配者", "调剂人", "核对/发药",
    # staff of forms by their role (记录员：, 接收者：, 麻醉师：, 参保人：); only words whose first
    # character other context words start with (a colon-led rule for every 人/员/者/师 label
    # cost 4% of scan time on admission notes)
    "麻醉：", "麻醉:", "接收者", "接收员", "记录员", "录入员", "麻醉师", "参保人", "操作员",
    "审核员", "检验员", "检验人", "护理员", "签收者", "执行者", "核对员", "配药员", "报告员",
    # a name introducing oneself, taken only as a whole run before punctuation (我是简宁，)
    *_SELF,

    # titles that follow a name (王芳女士, 李明先生): nothing after them is looked at
    "先生", "女士", "老师",
)  # fmt: skip
# What a companion does after a kinship word and a name (由外婆吕春华陪同, 其女儿王国代述): role
# words after which only a name behind a kinship word counts.
_KIN_VERBS = frozenset(("陪同", "陪护", "陪诊", "陪伴", "代述", "代诉", "代签", "代为", "签字",
                        "签署", "签名", "护送"))  # fmt: skip
# Context words that also follow a name (由张三医师主刀, 李明主任医师查房, 王芳女士).
_ROLE_WORDS = frozenset((
    "医师", "医生", "护士", "主刀", "术者", "助手", "麻醉医师", "主任医师", "副主任医师",
    "主治医师", "住院医师", "主任", "副主任", "护士长", "护师", "主管护师", "药师", "技师",
    "教授", "副教授", "住院医生", "主管医生", "值班医生", "先生", "女士", "老师",
    "大夫", "主治大夫", "主管大夫", "值班大夫",
    *_KIN_VERBS,
))  # fmt: skip
_TITLES_AFTER = frozenset(("先生", "女士", "老师"))
# Words that often open a run before a name (由张三医师主刀, 请李四主任会诊): such a run is not
# the name itself, although 由 and 于 are surnames too.
_PREPOSITIONS = frozenset("由于和与及请经被让给对向跟同把将从在")
# Titles after which a whole run starting the line may be a name that is also a word.
_TITLES = _TITLES_AFTER | {"主任医师", "副主任医师", "主治医师", "护士长", "主任", "教授"}
# Speaker prefixes of dialogues (患者：..., 医生：...): the turn after them is speech, where a
# name must be followed as after 患者.
_SPEAKERS = frozenset(("患者", "病人", "医生", "家属", "护士", "患儿", "医师", "大夫", "病人家属",
                       "患者家属", "患儿家属"))  # fmt: skip
_NEGATIVE_CONTEXT = ("条码", "标本号", "订单号", "流水号", "批号", "编号规则", "样本号")
_CONTEXT_WORDS = {
    "CN_RESIDENT_ID": ("身份证", "证件号", "身份证号"),
    "PHONE_NUMBER": ("电话", "手机", "联系方式", "联系电话", "Tel", "tel", "座机"),
    "CN_BANK_CARD": ("银行卡", "卡号", "账号", "医保卡"),
    "CN_PASSPORT": ("护照", "通行证"),
    "CN_HMT_PERMIT": ("居住证", "通行证"),
}
# Characters that end a name in running text (电话, 因..., 男/女, 岁, 主诉, 入院, ...).
_NAME_STOP = frozenset(
    "电话手机因于在的是等男女年岁主诉入院术患查房嘱签字同意及和与称述联系来今昨已未予行"
)
# Characters that (nearly) never appear in a given name: 患者余无特殊, 患者左下肢, 患者曾行,
# and the function words of speech (患者全般, 检查之后医生说).
_NOT_IN_GIVEN = frozenset(
    "无下上了不的是在有未已曾被将于及或每各其此该这那肢侧部位行眼镜医症氏丙酶转氨旧惹某籍人属"
    "般之后况么吗呢吧啊嗯哦呀着都就还又再才很太更最要让给把往到所而但却并且若则即便些个们什"
    "怎哪谁几次吃喝痛疼病药看做去说问答您你我他她它咱体副"
)
# Words that follow a name in notes (患者王俊一般情况可): the name ends before them.
_NAME_STOP_WORDS = ("一般", "出现", "自述", "神志", "精神", "病情", "体温", "今日", "诉", "无明显",
                    "之母", "之父", "之子", "之女", "之妻", "之夫", "本人", "代诉", "代述",
                    "家属", "患者", "医生", "医师", "护士", "配偶", "先生", "女士", "主任",
                    "教授", "查房", "会诊")  # fmt: skip


_Trie = dict[str, "_Trie"]


def _words(words: Iterable[str]) -> tuple[str, str]:
    """``words`` as a (first-character class, rest) pair for :func:`_compile`.

    The first character is consumed by the pattern's leading class. The rest branches on the
    second character, a literal the engine rejects in one comparison; the words that share it
    check their first two characters with one look-behind per pair, then the rest of them as a
    tree of literals (each branch rejected in one comparison). A longer word is tried before a
    word it extends, so it wins; words that are no prefix of each other never match together.
    """
    tries: dict[str, dict[str, _Trie]] = {}  # second -> first -> tree of the rest
    for word in sorted(set(words)):
        node = tries.setdefault(word[1], {}).setdefault(word[0], {})
        for ch in word[2:]:
            node = node.setdefault(ch, {})
        node[""] = {}

    def tree(node: _Trie) -> str:
        # longer words (the children) first; the word ending here (the empty branch) last
        branches = [re.escape(ch) + tree(child) for ch, child in node.items() if ch]
        if "" in node:
            if not branches:
                return ""
            branches.append("")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    by_second = [
        re.escape(second)
        + "(?:"
        + "|".join(
            f"(?<={re.escape(first + second)}){tree(rest)}" for first, rest in by_first.items()
        )
        + ")"
        for second, by_first in tries.items()
    ]
    firsts = "".join(dict.fromkeys(first for by_first in tries.values() for first in by_first))
    seconds = [re.escape(second) for second in tries]

    def split(lo: int, hi: int) -> str:
        # The engine tries branches one by one, to the end when none matches: a long list (the
        # 120 second characters of the name context words) is halved behind class tests.
        if hi - lo <= 24:
            return "|".join(by_second[lo:hi])
        mid = (lo + hi) // 2
        half = "".join(seconds[lo:mid])
        return f"(?=[{half}])(?:{split(lo, mid)})|(?![{half}])(?:{split(mid, hi)})"

    # One class test of the second character rejects most candidates before the branches.
    return firsts, f"(?=[{''.join(seconds)}])(?:{split(0, len(by_second))})"


_DIGITS_4 = r"(?:[ -]?\d{4}){2}(?![0-9A-Za-z@])"


def _kinds(words: str) -> str:
    """``words`` (space-separated) as one alternation: longer words first, then the
    one-character words in a single class, which the engine tests in one step instead of one
    branch each (a unit's kind is tried after every length of the Han run before it)."""
    multi = sorted((w for w in words.split() if len(w) > 1), key=len, reverse=True)
    single = "".join(w for w in words.split() if len(w) == 1)
    return "(?:" + "|".join([*multi, f"[{single}]"]) + ")"


# What follows the district in an address, unit by unit: towns, villages and groups (…镇…村
# 3组), roads and numbers, residential compounds and their buildings (…小区32栋4单元1906),
# Hong Kong and Taiwan styles (…道700号12楼B座, …路四段216号5楼). Each named unit ends with
# its kind; the Han run before it is greedy, so 孟家庄村 is one unit, not 孟家庄 + 村.
_LOCAL_UNIT = (
    rf"(?:[{_HAN}]{{1,12}}"
    + _kinds(
        "镇 乡 街道 村委会 居委会 村 社区 屯 庄 寨 组 队 路 街 巷 道 弄 胡同 段 小区 花园 家园 "
        "公寓 大厦 大楼 商厦 中心 新村 新城 苑 城 湾 广场 园 区 區 里 邨 閣 阁 大廈 廣場 花園 "
        "屋邨 村委 家属院 家属区 家属楼 宿舍 生活区 交汇处"
    )
    # an annex number after the house number: 新城路118号附2号
    + r"|附\d{1,4}号"
    # numbered units: 5号楼3门401, 二期8栋904, 第3座12樓, 四維三路2號, 3-2-4
    + r"|第?\d{1,5}"
    + _kinds(
        "号院 号楼 号 號 栋 棟 幢 楼 樓 单元 單元 室 组 队 弄 座 层 層 期 区 區 巷 门 户 排 街 社"
    )
    + r"|[一二三四五六七八九十]{1,3}"
    + _kinds("期 区 區 号楼 栋 幢 单元 组 队 社")
    # a named building and its number: 濠庭都會第3座, 太古汇2座, 科兴科学园A栋
    + rf"|[{_HAN}]{{1,10}}?第?(?:\d{{1,3}}|[A-Za-z])"
    + _kinds("座 栋 棟 幢 期 区 區 号楼")
    + r"|[A-Za-z]"
    + _kinds("座 栋 棟 幢 区 區 单元")
    + r"|\d{1,3}(?:-\d{1,4}){1,3}(?![0-9]))"
)
_STREET = rf"{_LOCAL_UNIT}+(?:\d{{1,5}}室?)?"
_ADDRESS_REST = rf"[{_HAN}]{{1,12}}?[市州盟区县旗]{_STREET}"
# An address without its province, after 住址/现住/..., from the city or district down.
_ADDRESS_CITY = (
    rf"[{_HAN}]{{1,10}}?(?:地区|[市州盟区區县縣旗])(?:[{_HAN}]{{1,8}}?[区區县縣旗市])?"
    rf"{_STREET}"
)
# After 住址 an address may start at its road: 学府大道984号19栋906室 (a house number is needed).
_ROAD_ONLY = rf"[{_HAN}]{{1,10}}?[路街巷道]\d+号院?{_LOCAL_UNIT}*(?:\d{{1,5}}室?)?"
# After 住址 an address may also start at its town: 城关镇东街村二组 (a village or more after it).
_TOWN_ONLY = rf"[{_HAN}]{{1,8}}?(?:镇|乡|街道){_LOCAL_UNIT}+"
# Hong Kong, Macao and Taiwan addresses start with the territory or a Taiwanese city.
_HMT_PLACES = _words((
    "香港", "香港特别行政区", "澳门", "澳門", "澳门特别行政区", "台湾", "台湾省", "台灣",
    "台北市", "新北市", "桃园市", "桃園市", "台中市", "臺中市", "台南市", "臺南市",
    "基隆市", "新竹市", "新竹县", "嘉义市", "嘉义县", "臺北市",
    # Hong Kong districts opening an address (九龍觀塘協和街101號); Taiwanese cities whose
    # first character is frequent in notes (高雄市) are found after an address label only
    "九龍", "九龙", "新界", "香港島", "香港岛", "臺南市", "台東縣", "台东县",
))  # fmt: skip
_ADDRESS_WORDS = _words(("住址", "地址", "家住", "现住", "现居", "居住地", "户籍地", "户籍地址",
                         "居住于", "居住在", "住在", "住于", "现住址", "家庭住址", "通讯地址",
                         "联系地址", "户口所在地", "户籍所在地", "现居住地",
                         "现居住于", "家在"))  # fmt: skip
_WITH_PHONE = r"(?:[/、及和](?:联系)?电话)?"
_ORIGIN_WORDS = _words(("籍贯", "出生地", "户籍", "原籍", "祖籍", "出生于", "久居", "老家"))
_MRN_WORDS = _words(("住院号", "门诊号", "病案号", "病历号", "就诊号", "ID号", "登记号", "患者ID",
                     "病人ID", "床号", "检查号", "MRN", "就诊卡号", "门诊卡号", "就诊卡", "病理号",
                     "住院号码", "门诊号码", "病案号码", "检验号", "Mrn", "mrn", "影像号",
                     "片号", "检查单号",
                     # a bare ID label, patient numbers, beds (labels whose first character no
                     # other word starts with, 超声号 and 心电图号, cost scan time at every 超, 心)
                     "ID", "患者编号", "病人编号", "床位", "床位号"))  # fmt: skip
_DOB_WORDS = _words(("出生日期", "出生于", "出生", "生日", "生于", "出生年月", "出生年月日",
                     "生 日", "DOB", "D.O.B", "Date of birth", "Date of Birth",
                     "DATE OF BIRTH", "出生时间"))  # fmt: skip
_PHONE_WORDS = _words(("电话", "座机", "联系电话", "办公电话", "家庭电话", "宅电"))
_DOC_WORDS = _words((
    "护照", "护照号", "护照号码", "通行证", "通行证号", "通行证号码", "港澳通行证", "台湾通行证",
    "回乡证", "回乡证号", "台胞证", "台胞证号", "台胞证号码",
    "旅行证", "居留证", "永久居留证", "Passport", "passport",
    "军官证", "军官证号", "士兵证", "士兵证号", "警官证", "警官证号", "军人证", "文职干部证",
    "武警警官证", "社保卡号", "社保卡", "社会保障卡号", "社保号", "医保卡号", "医保号",
    "医疗保险号", "医保账号", "参保号", "社会保障号码", "驾驶证号", "驾驶证", "驾照号", "驾照",
    "驾驶证档案编号", "驾驶证号码", "QQ", "QQ号", "qq", "微信", "微信号", "微信ID", "WeChat",
    "wechat", "微博",
    # nicknames of account labels in chats and posts: 扣扣, 企鹅号, vx, v信, wx, 威信
    "扣扣", "扣扣号", "企鹅号", "企鹅", "vx", "VX", "Vx", "v信", "V信", "wx", "WX", "威信",
    "威信号", "薇信", "薇信号", "微x", "微X", "vx号", "VX号", "wx号", "WX号",
    "IMEI", "IMEI号", "MEID", "序列号", "设备序列号", "设备编号", "设备ID",
    "SN", "S/N", "Serial", "车牌", "车牌号", "车牌号码", "车号", "车辆", "牌照",
))  # fmt: skip
_ORG_WORDS = _words(("工作单位", "就职于", "任职于", "供职于", "就读于", "就读学校", "毕业于",
                     "工作于", "就业单位", "单位：", "单位:", "学校：", "学校:"))  # fmt: skip
_ORG_FIRST = _ORG_WORDS[0] + "上"
_NAME_WORDS = _words(_NAME_CONTEXT)
_ROLE_WORDS_RE = _words(_ROLE_WORDS)
_PROVINCE_WORDS = _words(regions.PROVINCES.values())
_PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_ROMAN = r"[A-Za-z]+(?:-[A-Za-z]+)?"
# The separators minority names are written with (艾尔肯·吾买尔): the middle dot and the dots
# that input methods and fonts put in its place (bullet, katakana, half-width, hyphenation).
_NAME_DOTS = "·•・･‧∙⋅"
_TO_MIDDLE_DOT = str.maketrans(dict.fromkeys(_NAME_DOTS[1:], "·"))
# full-width brackets too (tyx2008（at）126.com, 【at】); they are not folded
_EMAIL_AT = r"(?:#| ?[(（\[【](?:at|AT)[)）\]】] ?| at | AT |艾特)"
_EMAIL_DOT = r"(?:\.| ?[(（\[【](?:dot|DOT)[)）\]】] ?| dot | DOT |点)"

# What follows a record-number label: 【病案号】B9499, MRN#…; a card number in groups (就诊卡号：
# 2855 9426 2983); an extra bed (床号：加3, +6)
# A date of birth after its label: 1991-01-28, 1991年1月28日 (spaces around 年 and 月 too),
# 19941112, 28/01/1991, 85年3月12日, 一九五九年九月六日
_DOB_VALUE = (
    r"(?P<dob>\d{4}(?: ?年 ?\d{1,2} ?月(?: ?\d{1,2} ?[日号])?"
    r"|[-/.]\d{1,2}(?:[-/.]\d{1,2})?|(?:0[1-9]|1[0-2])(?:[0-3]\d)?)(?![0-9])"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}(?![0-9])"
    r"|(?<![0-9])\d{2}年\d{1,2}月(?:\d{1,2}[日号])?"  # 生日：85年3月12日
    r"|[〇零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月"
    r"(?:[一二三四五六七八九十]{1,3}[日号])?)"
)
_MRN_VALUE = (
    r"[:：\s是为#】\]]*(?P<mrn>\d{3,4}(?: \d{3,4}){2}(?! ?[0-9])"
    r"|[加+]?[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,24})(?![0-9A-Za-z])"
)

# Each alternative is (class of its first character, the rest). The whole pattern starts with
# the union of the classes, so the engine skips every other character in a tight loop; the rest
# checks its own first character with a look-behind. The alternative's last group names it.
_ALTERNATIVES: tuple[tuple[str, str], ...] = (
    (r"0-9", r"(?<![0-9A-Za-z]\d)\d{14,18}[Xx]?(?![0-9A-Za-z@])(?P<long_digits>)"),
    # identifiers written in groups: resident IDs 6-8-4, 6-12, 4-4-4-4-2 and 3-3-4-4-4, bank
    # cards 4-4-4-4(-3) and 6+13 (the ID rule is checked first in the handler)
    (r"0-9", r"(?<![0-9A-Za-z]\d)(?=\d{1,5}[ -]\d)"
             r"(?:\d{5}[ -]\d{8}[ -]\d{3}[\dXx]|\d{5}[ -]\d{11}[\dXx]"
             r"|\d{3}(?:[ -]\d{4}){3}[ -]\d[\dXx]|\d{2}[ -]\d{3}[ -]\d{4}[ -]\d{4}[ -]\d{3}[\dXx]"
             r"|\d{3}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?|\d{5}[ -]\d{10,13}|\d{5}[ -]\d{6}[ -]\d{3})"
             r"(?![0-9A-Za-z])(?P<card_groups>)"),
    (r"0-9", r"(?<![0-9.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![0-9.])(?P<ip>)"),
    # a date of birth written before 出生 / 生人, in any of the forms written after 出生日期
    # (the look-ahead: only date characters up to 出 or 生, or the branches are not tried)
    (r"0-9", r"(?<![0-9]\d)(?=[0-9年月日号/.\-]*+[出生])"
             r"(?:\d{3}(?:年\d{1,2}月(?:\d{1,2}[日号])?|[-/.]\d{1,2}[-/.]\d{1,2}"
             r"|(?:0[1-9]|1[0-2])[0-3]\d)|\d?[-/.]\d{1,2}[-/.]\d{4}"
             # a two-digit year with its month and day: 87年3月9日生
             r"|\d年\d{1,2}月\d{1,2}[日号])(?=出生|生人|生于|生(?:[，,。；;\s)）]|\Z))"
             r"(?P<dob_before>)"),
    (r"0-9A-Fa-f", r"(?<![0-9A-Fa-f:.-][0-9A-Fa-f])[0-9A-Fa-f](?:[:-][0-9A-Fa-f]{2}){5}"
                   r"(?![0-9A-Za-z:-])(?P<mac>)"),
    (r"19", r"(?<![0-9.][19])(?:(?<=9)\d|(?<=1)[01]\d)(?:周岁|岁)(?P<age>)"),
    (r"1", rf"(?<![0-9A-Za-z]1)[3-9]\d{_DIGITS_4}(?P<mobile>)"),
    (r"+", rf"(?<![0-9]\+)86[ -]?1[3-9]\d{_DIGITS_4}(?P<mobile_plus>)"),
    # a landline after the country code, its area code without the 0: +86 10 6552 8888
    (r"+", r"(?<![0-9]\+)86[ -]?[(（]?0?(?:10|2\d|[3-9]\d{2})[)）]?[ -]?[2-9]\d{2,3}[ -]?"
            r"\d{4}(?![0-9])(?P<landline_plus>)"),
    # after a slash (次/分, 180/110 and U/L are frequent): its own class, tried alone
    (r"/", rf"(?<=[{_HAN}]/)(?=[{_HAN}]{{2,4}}(?:[\s，,。；;]|$))(?P<name_slash>)"),
    (r"0", rf"(?<![0-9]0)086[ -]?1[3-9]\d{_DIGITS_4}(?P<mobile_00>)"),
    (r"0", r"(?<![0-9A-Za-z]0)\d{2,3}[ -]?[2-9]\d{2,3}[ -]?\d{4}(?![0-9A-Za-z])"
           r"(?:\s?(?:转|分机|ext\.?|EXT\.?|x|#)\s?\d{1,6}(?![0-9])|(?P<dash_ext>-\d{1,5})(?![0-9-]))?"
           r"(?P<landline>)"),
    (r"(（", r"\+?86[)）][ -]?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9])(?P<mobile_paren>)"),
    (r"(（", r"0\d{2,3}[)）][ -]?(?:[2-9]\d{2,3}[ -]?\d{4}|[2-9]\d{3}[ -]\d{3})(?![0-9])"
             r"(?:\s?(?:转|分机|ext\.?|EXT\.?|x|#)\s?\d{1,6}(?![0-9]))?(?P<landline_paren>)"),
    (r"0-9ANY", r"(?<![0-9A-Z].)[0-9A-HJ-NPQRTUWXY]\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])"
                r"(?P<uscc>)"),
    (r"EGDSPHMC", r"(?<![0-9A-Za-z].)(?:(?<=E)[0-9A-HJ-NP-Z]\d{7}|(?<=[EG])\d{8}"
                  r"|(?<=[DSP])E\d{7}|(?<=[HM])\d{8}(?:\d{2})?|(?<=C)(?:\d{8}|[A-HJ-NP-Z]\d{7}))"
                  r"(?![0-9A-Za-z])(?P<passport>)"),
    (r"A-Z", r"(?<![0-9A-Za-z].)[A-Z]?\d{6}[(（][0-9A][)）](?P<hkid>)"),
    # e-mail addresses, also written to dodge harvesters: zhang at 163 dot com, liu#qq.com
    (r"A-Za-z0-9_", r"(?<![A-Za-z0-9._%+\-].)[A-Za-z0-9._%+\-]*+"
                    r"(?:@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?P<email>)"
                    rf"|{_EMAIL_AT}[A-Za-z0-9\-]+(?:{_EMAIL_DOT}[A-Za-z0-9\-]+)*{_EMAIL_DOT}"
                    r"(?:com|cn|net|org|edu|gov)(?![A-Za-z0-9])(?P<email_obfuscated>))"),
    (r"hHwW", r"(?<![A-Za-z0-9].)(?:(?<=[hH])[tT][tT][pP][sS]?://|(?<=[wW])[wW][wW]\.)"
              r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+(?:[/?#][A-Za-z0-9./?=&_%#:~+\-]*)?(?P<url>)"),
    # IPv6 from its first colon (colons are rare in Chinese text; the handler finds the start).
    (r":", r"(?<=[0-9A-Fa-f:]:)(?:[0-9A-Fa-f]{0,4}:){1,7}(?:[0-9A-Fa-f]{1,4}|(?<=::))"
           r"(?![0-9A-Za-z:.])"
           r"(?P<ipv6>)"),
    # an English label led by Birth (Birth Date: 02/12/1984), from its colon: B starts too many
    # words of notes (B超) to start an alternative, the colon is a first character already
    (r":", r"(?:(?<=Birth Date:)|(?<=Birth date:)|(?<=BIRTH DATE:))[ \t]*"
           + _DOB_VALUE.replace("<dob>", "<dob_en>")),
    # labels in speech take 是/为 before the value (住院号是…, 我QQ是…, 生日是…)
    # 【病案号】B9499, 病历号(MRN)：…, MRN#…; a card number in groups (就诊卡号：2855 9426 2983);
    # an extra bed (床号：加3, +6)
    (_MRN_WORDS[0], rf"{_MRN_WORDS[1]}(?:号|码)?(?:/ID)?(?:[(（](?:MRN|ID)[)）])?{_MRN_VALUE}"),
    # a label printed spread to a column's width (住 院 号：, 床 号：), from its 号: spaces after
    # 病, 住, 检 (thousands in admission notes) would cost every one of them a branch
    (r"号", r"(?:(?<=[住门病登检影] [院诊案历记理查像] 号)|(?<=床 号))"
            + _MRN_VALUE.replace("<mrn>", "<mrn_spaced>")),
    # or asked in one turn and answered at the start of the next (医生：孩子的出生日期呢？⏎
    # 家属：2019.05.13生的); one branch after the words, so they are read once
    (_DOB_WORDS[0], rf"{_DOB_WORDS[1]}(?:[:：\s是为]*{_DOB_VALUE}"
                    r"|(?:是多少|是哪天|是什么时候)?[吗呢]?[？?][ \t]*\n"
                    rf"[{_HAN}A-Za-z]{{1,6}}[:：][ \t]*"
                    + _DOB_VALUE.replace("<dob>", "<dob_asked>") + ")"),
    # a date in Chinese numerals written before 出生: 一九七一年五月十日出生
    (_DOB_WORDS[0], r"(?<=出)生(?!地)(?P<dob_cn_before>)"),  # 出生地 is a place
    (_PHONE_WORDS[0], rf"{_PHONE_WORDS[1]}(?:号码|号)?[:：\s是为]*"
                      r"(?P<local_phone>[2-9]\d{2,3}[ -]?\d{4})(?![0-9])"),
    (_DOC_WORDS[0], rf"{_DOC_WORDS[1]}(?:号码|号|编号|ID)?[:：\s是为]*"
                    rf"(?P<document>[{_HAN}]{{1,2}}字第\d{{5,8}}号|[A-Za-z0-9][A-Za-z0-9_\-]{{3,24}}"
                    rf"|[{_PLATE_PROVINCES}][A-HJ-NP-Z][·•・ -]?[A-HJ-NP-Z0-9]{{5,6}})"
                    r"(?![0-9A-Za-z_\-])"),
    (_ORG_FIRST, rf"{_ORG_WORDS[1]}[:：\s]*(?P<organization>[{_HAN}0-9（）()]{{1,28}}"
                    r"(?:有限公司|公司|集团|医院|学校|大学|学院|中学|小学|幼儿园|研究所|研究院|局|厅"
                    r"|委员会|银行|厂|中心|政府|部队|事务所|协会|派出所|法院|检察院|报社|电视台|超市"
                    r"|商场|酒店|宾馆|卫生院|卫生室|街道办事处|村委会|居委会))"),
    # a workplace written before 上班 / 工作: 我在宁波大学上班
    (_ORG_FIRST, r"(?:(?<=上)班|(?<=工)作)(?P<org_before>)"),
    # what is written before its marker: 一九七一年五月十日出生, 我在宁波大学上班
    # the labels of signature blocks, from their colon (审核：李娜; 审核通过 holds no name)
    # names signed side by side on a line of their own: 毛晓东/秦雅琴
    # a note in brackets may follow the label (患者签名（手印）：); a two-character name may be
    # printed spread to the width of three (姓名：李  娜, 检查医生：刘　芳)
    (_NAME_WORDS[0], rf"{_NAME_WORDS[1]}(?:[(（][{_HAN}]{{1,6}}[)）])?[:：\s)）]*叫?"
                     rf"(?=(?P<name>[{_HAN}]{{2,6}}(?:[{_NAME_DOTS}][{_HAN}]{{1,8}}){{0,2}}"
                     rf"|[{_HAN}][ \u3000]{{1,3}}[{_HAN}](?![{_HAN}])"
                     rf"|[{_HAN}][A-Z][a-z]{{1,15}}(?![A-Za-z])"
                     rf"|{_ROMAN}(?:,? {{1,2}}{_ROMAN}){{1,3}}))(?P<name_ctx>)"),
    # a role word or title with no name after it: the name may come before (李明主任查房)
    (_ROLE_WORDS_RE[0], rf"{_ROLE_WORDS_RE[1]}(?P<name_ctx_role>)"),
    (_HMT_PLACES[0], rf"{_HMT_PLACES[1]}(?:特别行政区)?{_STREET}(?P<addr_hmt>)"),
    # a label may name the phone too (住址/电话：晋江市安海镇 136…, 地址及电话：)
    (_ADDRESS_WORDS[0], rf"{_ADDRESS_WORDS[1]}{_WITH_PHONE}[:：\s]*[在于]?"
                        rf"(?P<addr_ctx>{_ADDRESS_CITY})"),
    (_ADDRESS_WORDS[0], rf"{_ADDRESS_WORDS[1]}{_WITH_PHONE}[:：\s]*[在于]?"
                        rf"(?P<addr_road>{_ROAD_ONLY})"),
    (_ADDRESS_WORDS[0], rf"{_ADDRESS_WORDS[1]}{_WITH_PHONE}[:：\s]*[在于]?"
                        rf"(?P<addr_town>{_TOWN_ONLY})"),
    # an address down to its district only, after a label (住在北京朝阳区，现住：宾川县。)
    (_ADDRESS_WORDS[0], rf"{_ADDRESS_WORDS[1]}{_WITH_PHONE}[:：\s]*[在于]?"
                        rf"(?P<addr_district>[{_HAN}]{{2,12}}?[区县市旗])(?=[，,。；;、\s)）]|$)"),
    # in speech too: 老家是山东临沂的, 老家在河南郸城
    (_ORIGIN_WORDS[0], rf"{_ORIGIN_WORDS[1]}(?:所在地|地)?[:：\s]*[是在]?"
                       rf"(?P<addr_origin>[{_HAN}]{{2,14}}?)(?=人|的|[，,。；;、\s]|$)"),
    (r"住", r"(?<![^\s，,。；;：:]住)[:：]?(?P<addr_zhu>" + _ADDRESS_CITY + ")"),
    # who asked a Q&A post (提问者：雷春燕, 咨询人：X), from the label's second character: 提
    # and 咨 start too many words of notes (提示, 咨询) to start an alternative
    (r"问询？?", rf"(?<=提问|咨询)[人者][:：\s]*(?P<asker>[{_HAN}]{{2,6}})"),
    # a name asked for at the end of one turn and given at the start of the next (医生：叫什么
    # 名字？⏎家属：牟丽华，41岁), from the question mark, rare in notes; only a look-ahead, so
    # the speaker prefix is still read as a context word. It shares the askers' class (one
    # class test fewer at every other candidate of the scan than a class of its own)
    (r"问询？?", r"(?:(?<=名字.)|(?<=称呼.)|(?<=贵姓.)|(?<=名字是.)|(?<=姓名是.)|(?<=名字呢.)"
             r"|(?<=姓名呢.)|(?<=名字是什么.)|(?<=姓名是什么.))"
             rf"(?=[ \t]*\n[{_HAN}A-Za-z]{{1,6}}[:：][ \t]*(?P<answer>[{_HAN}]{{2,6}}))"
             r"(?P<name_asked>)"),
    (r"系", rf"(?<=系)(?P<addr_xi>[{_HAN}]{{2,14}}?)(?=人[，,。；;\s]|人$)"),
    (r"男女", r"(?:(?<=[,，、(（][男女])|(?<=[,，、(（]\s[男女])|(?<=\t[男女]))"
              r"性?(?:[,，、)）\t]|$)(?P<sex>)"),
    (r"男女", rf"(?<=[{_HAN}][男女])性?[,，\s]?(?=\d{{1,3}}岁)(?P<sex_glued>)"),
    (_PROVINCE_WORDS[0], rf"{_PROVINCE_WORDS[1]}{_ADDRESS_REST}(?P<addr>)"),
    # a county and its town, or a city and its district, written without a label (我是简宁，
    # 宾川县金牛镇; （来自南宁市青秀区）): from the unit character of the first division, when
    # another unit follows; the handler checks both names against GB/T 2260
    (r"县市", rf"(?<=[{_HAN}][县市])(?=[{_HAN}]{{1,8}}?[镇乡街区县市旗])"
                   r"(?P<addr_admin>)"),
    # a native place opening a clause: 湖南省衡阳市人，... (not 湖南省人民医院)
    (_PROVINCE_WORDS[0], rf"{_PROVINCE_WORDS[1]}[{_HAN}]{{0,10}}?(?=人[，,。；;\s]|人$)"
                         r"(?P<addr_native>)"),
)  # fmt: skip


def _compile(
    alternatives: tuple[tuple[str, str], ...], without: Iterable[str] = ()
) -> re.Pattern[str]:
    """The pattern of ``alternatives``, less those holding a group named in ``without``."""
    dropped = tuple(f"(?P<{name}>" for name in without)
    groups: list[tuple[str, list[str]]] = []
    for first, rest in alternatives:  # consecutive alternatives sharing a class share a check
        if any(name in rest for name in dropped):
            continue
        if groups and groups[-1][0] == first:
            groups[-1][1].append(rest)
        else:
            groups.append((first, [rest]))

    def escaped(chars: str) -> str:
        return chars.replace("(", r"\(").replace("+", r"\+")

    union = escaped("".join(first for first, _ in groups))

    def branches(selected: list[tuple[str, list[str]]]) -> str:
        return "|".join(f"[{escaped(first)}](?:{'|'.join(rests)})" for first, rests in selected)

    # Each branch starts with a class, which the engine tests in one step before entering the
    # branch; the look-ahead lets the search skip all other characters fast. No alternative
    # that starts with an ASCII letter or digit starts right after a digit (each checks the
    # character before it), so inside numbers, most of a note's candidate positions, those
    # branches are skipped at once; the other branches come first.
    ascii_led = [g for g in groups if _ASCII_CLASS.fullmatch(g[0])]
    others = [g for g in groups if not _ASCII_CLASS.fullmatch(g[0])]
    # No branch of ``others`` starts with a digit: at a digit (a third of all candidates in
    # notes) one look-ahead skips them all instead of one failed class test each.
    assert not any(re.search(f"[{escaped(first)}]", "0123456789") for first, _ in others)
    # At the other characters (Han, most candidates) one class test skips the ASCII-led branches.
    ascii_union = escaped("".join(first for first, _ in ascii_led))
    # Only alternatives checked against the look-ahead of _digit_gate are gated: a new one turns
    # it off.
    names = {name for _, rests in ascii_led for name in _GROUP_NAME.findall("".join(rests))}
    digits = _digit_gate(mail="email" in names) if names <= _DIGIT_GATED else ""
    return re.compile(
        f"(?=[{union}])(?:(?![0-9])(?:{branches(others)})"
        f"|(?=[{ascii_union}])(?<![0-9]){digits}(?:{branches(ascii_led)}))"
    )


_ASCII_CLASS = re.compile(r"[0-9A-Za-z_\-]+")
_GROUP_NAME = re.compile(r"\(\?P<(\w+)>")


def _digit_gate(*, mail: bool) -> str:
    """A look-ahead skipping every ASCII-led alternative at the first digit of a number (a third
    of their candidates) where none can start: each needs six digits, or at most five and then
    a separator, 年 or 岁 of a date or an age, a hex letter of a MAC address, or with e-mail
    addresses any letter or what an address is written with or its at starts (10余年, 88次/分,
    3级, and without e-mail 5mg or 25U/L, start none)."""
    after = r"A-Za-z._%+\-/@#(（\[【 艾年岁周:" if mail else r" .\-/:A-Fa-f年岁周"
    return rf"(?![0-9](?!\d{{5}}|\d{{0,4}}+[{after}]))"


# The ASCII-led alternatives the look-ahead at the first digit of a number was checked against.
_DIGIT_GATED = frozenset((
    "long_digits", "card_groups", "ip", "dob_before", "mac", "age", "mobile", "mobile_00",
    "landline", "dash_ext", "uscc", "passport", "hkid", "email", "email_obfuscated", "url",
))  # fmt: skip
_PATTERN = _compile(_ALTERNATIVES)
# Without the alternatives of e-mail addresses and URLs, for texts holding none of what they
# need (see _MARKERS): letters then stop being candidates of the scan unless a label starts
# with them, and digits skip the e-mail branch.
_LEAN_PATTERN = _compile(_ALTERNATIVES, without=("email", "url"))
_ROAD_ADDRESS = re.compile(_ROAD_ONLY)

# Full-width letters, digits and the symbols inside identifiers (@ + - .) need folding, and so
# does the ideographic space between digit groups; the full-width punctuation of ordinary text
# (，：、（）) is matched as it is.
_WIDE = "\u3000\uff0b\uff0d\uff0e\uff10-\uff19\uff20-\uff3a\uff41-\uff5a"
# What every e-mail address (@, or the at of an obfuscated one: #, (at), at, 艾特) and every URL
# (://, www.) holds.
_AT_MARKERS = ("@", "#", "at", "AT", "艾特", "://", "ww.", "wW.", "Ww.", "WW.")


def _markers() -> re.Pattern[str]:
    """One pass telling whether a text holds full-width characters to fold, a negative context
    word, and what e-mail addresses or URLs need: a class of their first characters (which the
    search skips to in a tight loop), then each checked by its next literal."""
    words = [*_NEGATIVE_CONTEXT, *_AT_MARKERS]
    firsts = "".join(dict.fromkeys(w[0] for w in words))

    def rest(word: str) -> str:
        return f"{re.escape(word[1:])}(?<={re.escape(word)})" if len(word) > 1 else ""

    singles = "".join(re.escape(w) for w in _AT_MARKERS if len(w) == 1)
    return re.compile(
        f"[{re.escape(firsts)}{_WIDE}]"
        f"(?:(?:{'|'.join(rest(w) for w in _NEGATIVE_CONTEXT)})(?P<negative>)"
        f"|(?:{'|'.join(rest(w) for w in _AT_MARKERS if len(w) > 1)}|(?<=[{singles}]))(?P<at>)"
        f"|(?<=[{_WIDE}])(?P<wide>))"
    )


_MARKERS = _markers()


def _marked(text: str) -> tuple[str, bool, bool]:
    """``text`` folded to half-width, whether it holds a negative context word, and whether it
    may hold an e-mail address or a URL."""
    negative = at = False
    for m in _MARKERS.finditer(text):
        kind = m.lastgroup
        if kind == "wide":  # rare: fold, then look again
            folded = to_halfwidth(text)
            return folded, _NEGATIVE.search(folded) is not None, _marked(folded)[2]
        if kind == "negative":
            negative = True
        else:
            at = True
    return text, negative, at


_HAN_RUN_BEFORE = re.compile(rf"[{_HAN}]{{2,6}}\Z")  # \Z: $ also matches before a newline
_HAN_RUN_AFTER = re.compile(rf"[{_HAN}]{{2,6}}")
_NAME_END = re.compile("[" + "".join(sorted(_NAME_STOP)) + "]|" + "|".join(_NAME_STOP_WORDS))
# Context words after which a drug, a body part or a symptom is as likely as a name (患者雷贝拉唑,
# 患者张口受限): a name found right after them must be followed by what follows names in notes.
_WEAK_CONTEXT = frozenset(("患者", "病人", "患儿", *_MY_KIN, *_CALLED))
# Words, then single characters, that follow names in notes. Words are tried first, so 王芳执行
# gives 王芳 (before 执行), not 王芳执 (before 行).
_NAME_FOLLOWS = (
    re.compile("|".join(w for w in (
        *_NAME_STOP_WORDS, "电话", "手机", "既往", "平素", "近期", "近日", "反复", "突发", "突然",
        "出院", "转入", "复查", "复诊", "住院", "就诊", "家属", "一直", "长期", "多年", "明天",
        "明日", "今天", "昨天", "当天", "次日", "最近", "这几天", "前几天", "这两天", "今年",
        "去年", "得了", "患有", "确诊",
        # what staff do right after their names: 药师李娜审核处方, 护师王芳执行医嘱
        "审核", "审阅", "执行", "协助", "指导", "负责", "完成", "处理", "会诊", "询问", "告知",
        "交代", "建议", "主持", "参加", "陪同", "护送", "测量", "给予", "核对", "评估", "宣教",
        "记录", "书写", "开具", "代述", "陈述", "签字", "同意", "拒绝", "主任", "副主任",
        # what a relative does after the name: 其妻石磊提供病史, 其子韩磊签署知情同意书
        "提供", "签署", "签名", "照顾", "陪护", "叙述", "讲述", "介绍", "反映", "代为", "代签",
        "诉说", "述说", "补充", "描述", "回忆", "确认", "要求", "表示", "大夫",
        "教授", "先生", "女士", "查房", "主治", "住院医", "护士长",
    ) if len(w) > 1)),
    re.compile("[因于在是等男女主入术查嘱签同及和与称述来今昨已未予行诉无不有曾被将或其现经从自对由"
               "头胸腹腰左右双]"),
)  # fmt: skip
# What follows a name in a form or a list: punctuation, a space, the end of the text.
_CLEAR_END = frozenset(",，、;；。.:：)）(（ \t\n\r")
_SEX_AFTER = re.compile(r"\s?[,，、(（]\s?(?:[男女]|\d{1,3}岁)")  # 牟丽华，41岁 as sure as a sex
# A relation in brackets after a name (家属：文静（妻子）, 联系人：江河（儿子）): as sure as a sex.
_RELATION_AFTER = re.compile(
    r"[(（](?:其|患者)?(?:夫妻|父子|父女|母子|母女|配偶|本人|"
    + "|".join(sorted(_KINSHIP, key=len, reverse=True))
    + ")"
)
# What ends a self-introduced name (我是简宁，身份证…, 本人訾红，家住…).
_SELF_END = frozenset(",，。;；、(（")
_LIST_END = frozenset(",，、;；。.)）\n")


_CONTEXT = {entity: re.compile("|".join(words)) for entity, words in _CONTEXT_WORDS.items()}
_NEGATIVE = re.compile("|".join(_NEGATIVE_CONTEXT))
_WINDOW = 12  # characters before a candidate where context words count


def _score(base: float, text: str, start: int, entity: str, negative: bool = True) -> float:
    """``base`` raised by a context word for ``entity`` and lowered by 条码, 标本号, ...

    ``negative`` says whether the text holds a negative context word at all (checked once).
    """
    window = max(0, start - _WINDOW)
    context = _CONTEXT.get(entity)
    raised = context is not None and context.search(text, window, start) is not None
    lowered = negative and _NEGATIVE.search(text, window, start) is not None
    return _adjusted(base, raised, lowered) if raised or lowered else base


@functools.cache  # round() to two places costs most of a scoring: a handful of scores recur
def _adjusted(base: float, raised: bool, lowered: bool) -> float:
    score = base
    if raised:
        score += 0.2
    if lowered:
        score -= 0.4
    return base if score == base else max(0.0, min(1.0, round(score, 2)))


# Common given-name characters the list of medguard.cn.names lacks (江南, 王保国, 韦春花, 柴建设,
# 李满仓): with it, the characters a given name is checked against.
_MORE_GIVEN = frozenset("南保花设根柱锁栓满仓囤粮鸽")
_GIVEN = names.GIVEN_NAME_CHARACTERS | _MORE_GIVEN


def _tibetan(text: str) -> bool:
    return len(text) == 4 and text[:2] in _TIBETAN and text[2:] in _TIBETAN


def _split(text: str) -> tuple[str, str] | None:
    """(surname, given) of a candidate with a known surname, compound surnames first."""
    if len(text) >= 3 and text[:2] in names.COMPOUND_SURNAMES:
        return text[:2], text[2:]
    if text[0] in names.SURNAMES:
        return text[0], text[1:]
    return None


def _looks_like_name(surname: str, given: str) -> bool:
    """Given characters a name has: any but function words after a common surname; only
    characters common in given names after a rare or word-like one (全般, 应于, 和家属)."""
    if not 1 <= len(given) <= 2 or not _NOT_IN_GIVEN.isdisjoint(given):
        return False
    if len(surname) == 2 or surname in _PLAIN_SURNAMES:
        return True
    return all(ch in _GIVEN for ch in given)


@functools.lru_cache(maxsize=1 << 16)
def _plausible_name(text: str, *, ends_here: bool = False, strict: bool = False) -> bool:
    """A known surname, a one- or two-character given name, and not an ordinary word.

    ``ends_here`` says the text after ``text`` is no longer part of it (punctuation, a space, a
    sex marker, a stop word): then only ``text`` as a whole must not be a word (黄海燕 is a name
    although 黄海 is a word); otherwise no prefix may be one (高血压病史).
    """
    parts = _split(text)
    if parts is None:
        return _tibetan(text)
    if _tibetan(text):
        return True
    word = is_word(text) if ends_here else is_common_word(text)
    if strict and not all(ch in _GIVEN for ch in parts[1]):
        return False  # in speech (患者：何时复查) only given characters of names
    return _looks_like_name(*parts) and not word


@functools.lru_cache(maxsize=1 << 14)
def _name_as_word(text: str) -> bool:
    """A name that is also an ordinary word (王国, 高洁, 白天, 苏宁, 成军), accepted where the
    context leaves no doubt: given characters of names and no clinical word (黄疸, 方案)."""
    parts = _split(text)
    if parts is None or len(text) > 3 or text in MEDICAL_WORDS or text[:2] in MEDICAL_WORDS:
        return False
    given = parts[1]
    return (
        1 <= len(given) <= 2
        and _NOT_IN_GIVEN.isdisjoint(given)
        and all(ch in _GIVEN for ch in given)
    )


@functools.lru_cache(maxsize=1 << 16)  # the same phrases follow 患者 note after note
def _name_after(
    candidate: str, *, followed: bool = False, certain: bool = False, speech: bool = False
) -> str | None:
    """The name at the start of ``candidate`` (up to six Han characters after a context word).

    A name followed by what follows names in notes (于, 因, 诉, 既往, 之母, ...) need only not
    be a word itself (黄海燕平素体健). Otherwise the name ends at non-Han text or at a stop
    character or word (男, 电话, 一般, ...) and no prefix of the text may be a word (高血压病史).
    ``followed`` (after 患者, where a drug or a symptom is as likely: 患者雷贝拉唑, 患者张口受限)
    accepts only a name followed by such words or by non-Han text. ``certain`` says the context
    leaves no doubt (姓名：王国␣␣性别, 患者王国，男): the whole run may then be an ordinary word.
    ``speech`` (a dialogue turn: 患者：何时复查) takes only given characters of names, followed by
    a word that follows names or by non-Han text.
    """
    dotted = candidate.translate(_TO_MIDDLE_DOT)
    if "·" in dotted:  # 阿依古丽·买买提, 艾尔肯・吾买尔: minority names keep their dots
        return candidate if names.is_valid(dotted, require_known_surname=False) else None
    if certain and len(candidate) <= 3 and _name_as_word(candidate):
        return candidate
    end = _NAME_END.search(candidate, 2 if candidate[:2] in names.COMPOUND_SURNAMES else 1)
    head = candidate[: end.start()] if end is not None else candidate
    for follows in _NAME_FOLLOWS[:1] if speech else _NAME_FOLLOWS:
        for length in (4, 3, 2):
            if (
                len(head) >= length
                and follows.match(candidate, length)
                and (
                    _plausible_name(head[:length], ends_here=True, strict=speech)
                    # 其女儿王国代述: after a kinship or form label, a word followed by a word
                    # that follows names is a name too
                    or (
                        not followed
                        and follows is _NAME_FOLLOWS[0]
                        and _name_as_word(head[:length])
                    )
                )
            ):
                return head[:length]
    ends_here = end is not None or len(candidate) <= 4
    if followed and not len(candidate) <= 4:
        return None  # the name must be the whole run, with non-Han text after it
    # No prefix of a word is a name: 杨梅舌, 高血压病史, and 方可出院 (院 also ends names);
    # the text before a stop word (商海燕之母) or non-Han text need only not be a word itself.
    clear_end = len(end.group()) > 1 if end is not None else ends_here
    if is_word(head) if clear_end else is_common_word(candidate):
        return None
    for length in (4, 3, 2):
        if len(head) >= length and _plausible_name(
            head[:length], ends_here=ends_here and length == len(head), strict=speech
        ):
            if followed and length != len(candidate):
                return None
            return head[:length]
    return None


# Romanized surnames: Hanyu Pinyin, and the Cantonese and Wade-Giles spellings of Hong Kong,
# Macao and Taiwan (CHAN Tai Man, Chan Tai-man, Hsu Chih-ming).
_ROMAN_SURNAMES = frozenset(
    (  # noqa: SIM905 - a word list reads best as text
        "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo "
        "zheng liang xie song tang han feng deng cao peng zeng xiao tian dong yuan pan yu jiang "
        "cai du ye cheng su wei lv lu ding ren shen yao cui zhong tan fan jin shi liao jia xia "
        "fu fang bai zou meng xiong qin qiu yin xue yan duan lei hou long kong gu mao hao gong "
        "shao wan qian dai mo kang chang wen niu ge xing an qi yi qiao pang ni zhuang nie zhan "
        "geng guan lan jiao zuo gan bao ning shang shu ruan ke ji mei tong ling bi shan pei huo "
        "tu miao sheng qu weng ran you xin chai hua pu teng rao mou ai ouyang situ shangguan "
        "zhuge sima murong dongfang huangfu "
        "chan cheung wong lee leung lam ho ng tsang lau chow yeung cheng kwok chu chung tse lai "
        "fung mak yip kwan poon choi yuen siu tsui au ko hui lui lo man mok chiu kwong ting tam "
        "chau shum sze so kan chin ching hsu hsieh kuo tseng chiang chou hung yeh kao chien "
        "chuang hsiao tsai tu tai yen hsueh chao shih sung teh leong ieong cheong"
    ).split()
)
_ROMAN_STOP = frozenset(
    ("male", "female", "sex", "age", "dob", "mrn", "id", "tel", "phone", "name", "patient", "mr",
     "mrs", "ms", "dr")
)  # fmt: skip


def _romanized(candidate: str) -> str | None:
    """A romanized name (ZHAO JIAHUI, Liu, Jing, CHAN Tai Man), or None.

    Two to four words of letters, each capitalized or upper-case, the first or the last a
    surname; words that are not names (Male, DOB, ...) end it.
    """
    tokens = list(re.finditer(r"[A-Za-z]+(?:-[A-Za-z]+)?", candidate))
    kept = []
    for t in tokens:
        word = t.group()
        if word.lower() in _ROMAN_STOP or not (
            word[0].isupper() and (word.isupper() or word[1:].islower() or "-" in word)
        ):
            break
        kept.append(t)
    if len(kept) < 2:
        return None
    kept = kept[:4]
    if kept[0].group().lower() not in _ROMAN_SURNAMES and (
        kept[-1].group().lower() not in _ROMAN_SURNAMES
    ):
        return None
    return candidate[: kept[-1].end()]


@functools.lru_cache(maxsize=1 << 16)
def _name_before(run: str) -> str | None:
    """The name at the end of ``run`` (Han text before ``，男，``), or None.

    Of the plausible endings (two to four characters), the one whose surname is commonest
    wins: 由陈佳 gives 陈佳 (陈 is far commoner than 由), 见欧阳明华 gives 欧阳明华.
    """
    if _tibetan(run[-4:]):
        return run[-4:]
    best, weight = None, -1.0
    for length in (2, 3, 4):
        text = run[-length:]
        if len(text) == length and _plausible_name(text, ends_here=True):
            surname = text[:2] if length > 2 and text[:2] in names.COMPOUND_SURNAMES else text[0]
            frequency = 100.0 if len(surname) == 2 else names.SURNAME_FREQUENCY.get(surname, 0.0)
            if frequency > weight:
                best, weight = text, frequency
    return best


def _long_digits(value: str) -> tuple[str, float] | None:
    kind = resident_id.kind_of(value.upper())
    if kind is not None:
        return ("CN_HMT_PERMIT" if kind == "hmt_permit" else "CN_RESIDENT_ID", 0.85)
    if value.startswith("0086") and len(value) == 15 and _is_mobile(value):
        return ("PHONE_NUMBER", 0.8)
    if len(value) == 18 and _id_shaped(value):  # a mistyped resident ID is not a bank card
        return None
    card = _bank_card(value)
    if card is not None:
        return card
    if len(value) == 18 and uscc.is_valid(value):
        return ("CN_USCC", 0.85)
    return None


def _id_shaped(value: str) -> bool:
    """Region digits of a province and a year of birth where a resident ID has them."""
    return value[:2] in regions.PROVINCES and value[6:8] in ("18", "19", "20")


def _bank_card(value: str) -> tuple[str, float] | None:
    """A 16-19 digit number passing Luhn: likelier a card when it has a UnionPay 62 BIN."""
    if value.isdigit() and 16 <= len(value) <= 19 and bank_card.luhn_valid(value):
        return ("CN_BANK_CARD", 0.6 if value.startswith("62") else 0.45)
    return None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


_HEX = frozenset("0123456789abcdefABCDEF")


def _ipv6(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    """An IPv6 address matched from its first colon: the hex group before it is found here."""
    start = m.start()
    while start > 0 and m.start() - start < 4 and text[start - 1] in _HEX:
        start -= 1
    before = text[start - 1] if start > 0 else ""  # a ':' before is a label's (IP：)
    if before == "." or (before.isascii() and before.isalnum()):
        return None
    try:
        ipaddress.IPv6Address(text[start : m.end()])
    except ValueError:
        return None
    return Finding(start, m.end(), "IP_ADDRESS", _score(0.6, text, start, "IP_ADDRESS", negative),
                   "ipv6")  # fmt: skip


def _is_mobile(value: str) -> bool:
    # The pattern fixed the shape ([+86] 1[3-9]x xxxx xxxx); the segment must be allocated.
    # A prefix ((86), +86, 0086) comes first: the last eleven digits are the number.
    return value.replace(" ", "").replace("-", "")[-11:-8] in phone.MOBILE_SEGMENTS


_Handler = Callable[["re.Match[str]", str, bool], Finding | None]
# Finding((start, end, type, score, recognizer)) without the Python-level __new__ of a named
# tuple: about half the cost, for the handlers of the commonest findings.
_finding: Callable[[tuple[int, int, str, float, str]], Finding] = functools.partial(
    tuple.__new__, Finding
)


def _checked(entity: str, base: float, check: Callable[[str], bool]) -> _Handler:
    """A handler for a whole-match identifier confirmed by ``check``, scored with context."""

    def handle(m: re.Match[str], text: str, negative: bool) -> Finding | None:
        if not check(m.group()):
            return None
        start = m.start()
        score = _score(base, text, start, entity, negative)
        return _finding((start, m.end(), entity, score, m.lastgroup or ""))

    return handle


def _group(entity: str, group: str, score: float, recognizer: str) -> _Handler:
    """A handler reporting ``group`` of the match as ``entity`` (a value after its label)."""

    def handle(m: re.Match[str], text: str, negative: bool) -> Finding | None:
        return Finding(m.start(group), m.end(group), entity, score, recognizer)

    return handle


def _long_number(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    found = _long_digits(m.group())
    if found is None:
        return None
    entity, base = found
    start = m.start()
    return _finding(
        (start, m.end(), entity, _score(base, text, start, entity, negative), "long_digits")
    )


_CONTEXT_SET = frozenset(_NAME_CONTEXT)


def _context_word(word: str) -> str:
    """The context word of a match ending with 叫 (我儿子叫), separators already taken off."""
    return word[:-1] if word[:-1] in _CONTEXT_SET else word


def _name_context(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    context = m.group()
    if m.lastgroup == "name_ctx":
        start, after = m.span("name")
        at = m.start()
        line_start = at == 0 or text[at - 1] in "\n\r"
        found = _name_in_context(context, text[start:after], text[after : after + 4], line_start)
        if found is not None:
            return _finding((start, start + found[0], "PERSON", found[1], found[2]))
    word = context.rstrip(":： \t\n\r)）")
    if word[-1:] == "叫":
        word = _context_word(word)
    if word in _KIN_VERBS:  # 由外婆吕春华陪同, 其舅舅王国代述: a name after a kinship word
        kin = _KIN_NAME_BEFORE.search(text, max(0, m.start() - 9), m.start())
        if kin is None:
            return None
        name = kin.group(1)
        if _plausible_name(name, ends_here=True) or _name_as_word(name):
            return Finding(kin.start(1), kin.end(1), "PERSON", 0.7, "name_kin")
        return None
    if word in _ROLE_WORDS:  # 由张三医师主刀, 李明主任医师查房, 王芳女士
        run = _HAN_RUN_BEFORE.search(text, max(0, m.start() - 6), m.start())
        if run is None:
            return None
        whole = run.group()
        if whole in _DIALOGUE_WORDS or whole[-2:] in _DIALOGUE_WORDS:
            return None  # 谢谢大夫医生, 您好医生: a word of speech, not a name
        # A run that begins after non-Han text (\n查文斌女士) is the name itself, if it can be
        # one; before a title, even a word-name (苏宁女士, 白天护士长).
        starts_here = run.start() > max(0, m.start() - 6) or run.start() == 0
        opener = max(whole.rfind(o) for o in SURNAME_OPENERS)
        if opener >= 0:  # 谢谢邹美玲大夫, 好的，谢谢叶主任: no name starts inside the opener
            whole, starts_here = whole[opener + 2 :], True
            if len(whole) == 1:  # a surname alone before a title (谢谢叶主任)
                if word in _SURNAME_TITLES and whole in names.SURNAMES:
                    return Finding(m.start() - 1, m.start(), "PERSON", 0.6, "name_role")
                return None
            if not whole:
                return None
        before: str | None = None
        if (
            starts_here
            and len(whole) <= 4
            and whole[0] not in _PREPOSITIONS
            and (
                _plausible_name(whole, ends_here=True) or (word in _TITLES and _name_as_word(whole))
            )
        ):
            before = whole
        if before is None:  # 今日江南主任医师查房, 请方圆医师会诊
            before = _after_prefix(whole) if starts_here else None
        if before is None:
            before = _name_before(whole)
        if (
            before is not None
            and not (len(before) == 2 and before[1] in _COMMON_SURNAMES)
            and before[-1] not in _DUTY_ENDS
            and not (before[0] in SPEECH_STARTS and speech_run(before))
            and before[:2] not in _DIALOGUE_WORDS
        ):
            return Finding(m.start() - len(before), m.start(), "PERSON", 0.7, "name_role")
    return None


# Kinship words, then the name, before what a companion does (由外婆吕春华陪同).
_KIN_NAME_BEFORE = re.compile(
    "(?:" + "|".join(sorted(_KINSHIP, key=len, reverse=True)) + rf")([{_HAN}]{{2,4}})\Z"
)
# Words of speech in dialogues that are no names, before 医生/大夫 or after a speaker prefix.
_DIALOGUE_WORDS = frozenset((
    "您好", "你好", "谢谢", "感谢", "多谢", "宝宝", "孩子", "大夫", "医生", "医师", "主任",
    "护士", "老师", "不客气", "客气", "那个", "这个", "有点", "还是", "好的", "请问", "麻烦",
    "是的", "对的", "可以", "知道", "明白", "没有", "不是", "就是", "但是", "所以", "因为",
    "然后", "现在", "刚才", "已经", "一下", "一直", "不用", "需要", "应该", "可能", "自己",
    "家里", "我们", "你们", "他们", "她们", "咱们", "小孩", "女儿", "儿子", "老公", "老婆",
))  # fmt: skip
# First characters of the words of speech (那孩子, 有一些, 这个, 我们): no name starts so in a
# dialogue turn, whatever surname tables say (那 and 有 are surnames too).
#: First characters of words of speech (see the comment above).
SPEECH_STARTS = frozenset("那这有没我你他她是不还就也都哪怎什多少几要想能会可该让把被请问过")


def speech_run(run: str) -> bool:
    """A run opening with a function word that is a surname too (那, 有, 过, 都, 能) followed
    by an ordinary word or a character no given name has: 那孩子, 有一些, 过心里 (not 那凤英)."""
    return run[1] not in _GIVEN or is_two_char_word(run[1:3])


# Duties and units before a title (今日白班护士, 请心内科主任): no name ends so.
_DUTY_ENDS = frozenset("班组科室部区床")
# Openers of a turn: no name starts inside them, and a surname alone between one and a title
# is a name (谢谢叶主任).
#: Openers of a dialogue turn (see the comment above).
SURNAME_OPENERS = ("谢谢", "感谢", "多谢", "麻烦", "请问", "您好", "你好", "辛苦")
_SURNAME_TITLES = frozenset(("主任", "医生", "大夫", "医师", "教授", "老师", "护士", "护士长"))


# What opens a clause before a name and a title (今日王国主任医师查房, 请方圆医师会诊, 由白天护士长
# 陪同): with one of them first, the rest of the run is the name, even a word-name.
_TITLE_PREFIXES = tuple(sorted((
    "今日", "今天", "昨日", "昨天", "当日", "次日", "今晨", "上午", "下午", "晚间", "随后",
    "请", "由", "经", "邀", "邀请", "再请", "与", "和", "及", "同", "向", "给", "跟",
    # openers of a turn in dialogues (谢谢邹美玲大夫, 您好王医生, 麻烦李主任)
    "谢谢", "感谢", "多谢", "麻烦", "请问", "您好", "你好", "辛苦", "好的",
), key=len, reverse=True))  # fmt: skip


def _after_prefix(run: str) -> str | None:
    """The name after a clause opener in ``run`` (the Han text before a title), or None."""
    for prefix in _TITLE_PREFIXES:
        if run.startswith(prefix) and 2 <= len(run) - len(prefix) <= 3:
            name = run[len(prefix) :]
            if name[-1] in "班组科室部区床":  # 今日白班护士, 请心内科主任: duties and units
                return None
            if _plausible_name(name, ends_here=True) or _name_as_word(name):
                return name
    return None


@functools.lru_cache(maxsize=1 << 16)  # the same labels and names recur note after note
def _name_in_context(
    context: str, candidate: str, following: str, line_start: bool
) -> tuple[int, float, str] | None:
    """(length, score, recognizer) of the name ``candidate`` starts with, after the context
    word (written ``context`` with its separators), given the characters that follow the
    candidate and whether the context opens a line (a speaker prefix of a dialogue)."""
    word = context.rstrip(":： \t\n\r)）")
    if word[-1:] == "叫":
        word = _context_word(word)
    if word in _TITLES_AFTER:
        return None
    if not candidate[0].isascii() and (" " in candidate or "\u3000" in candidate):  # 李  娜
        squeezed = candidate.replace(" ", "").replace("\u3000", "")
        if (
            word not in _WEAK_CONTEXT
            and not (line_start and word in _SPEAKERS)  # 医生：好 的 is a turn of speech
            and _plausible_name(squeezed, ends_here=True)
        ):
            return (len(candidate), 0.8, "name_ctx")
        return None
    if candidate[0].isascii():
        roman = _romanized(candidate)
        return None if roman is None else (len(roman), 0.75, "name_roman")
    if candidate[1].isascii():  # 张Tony: a Chinese surname and an English given name
        return (len(candidate), 0.7, "name_mixed") if candidate[0] in names.SURNAMES else None
    if word in _SELF:  # 我是简宁，: the whole run, a name by the name check, then punctuation
        if (
            len(candidate) <= 4
            and following[:1] in _SELF_END
            and _plausible_name(candidate, ends_here=True, strict=True)
        ):
            return (len(candidate), 0.7, "name_self")
        return None
    separators = context[len(word) :]
    speech = word in _SPEAKERS and line_start and separators[:1] in (":", "：")
    weak = speech or word in _WEAK_CONTEXT
    if weak and not speech and ("\n" in separators or "\r" in separators):
        return None  # …酗酒患者⏎经刘洋主任查房: the line after 患者 is not its name
    certain = False
    if len(candidate) <= 3:  # the Han run ends here: is it a whole field or a name?
        certain = following[:1] in _CLEAR_END or following == ""
        if weak and certain:
            certain = (
                _SEX_AFTER.match(following) is not None
                or _RELATION_AFTER.match(following) is not None
            )
    if candidate[0] in SPEECH_STARTS and not certain and speech_run(candidate):
        return None  # 患者家属: 那孩子母亲呢, 患者：有一些流涕: speech, not a name
    name = _name_after(candidate, followed=weak, certain=certain, speech=speech)
    if (
        (name is None or len(name) < len(candidate))
        and not weak
        and 4 <= len(candidate) <= 6
        and (following[:1] in _CLEAR_END or following == "")
        and context[len(word) : len(word) + 1] in (":", "：")
        and _minority_name(candidate)
    ):  # 报告医师：娜仁其其格, 姓名：扎西多吉: a whole field after a labelled colon
        name = candidate
    if name is None and word.replace(" ", "").replace("\u3000", "").endswith("姓名"):
        name = _labelled_name(candidate, following, separators)
    if name is None or name in _DIALOGUE_WORDS or name in _NOT_NAMES:
        return None
    return (len(name), 0.85, "name_ctx")


# What a 姓名 field holds when it names no one (姓名：空白, 姓名：匿名, 姓名：待定).
_NOT_NAMES = frozenset((
    "空白", "空缺", "空着", "暂无", "不详", "未知", "未填", "匿名", "保密", "待定", "同上", "佚名",
    "不明", "本人", "患者", "家属", "无名", "无名氏",
))  # fmt: skip
# A sex or age field right after the name (姓名：幸福来，男; 姓名：路遥 性别：男).
_FIELD_AFTER = re.compile(r"\s*(?:[,，、(（]\s*(?:[男女]|\d{1,3}岁)|性别|年龄)")


def _labelled_name(candidate: str, following: str, separators: str) -> str | None:
    """A word-name after an explicit 姓名 label and its colon or space (姓名：路遥, 患者姓名：
    幸福来): the whole field, two or three Han characters with a known surname and no character
    that never appears in a given name, ending at punctuation, a space, the line end or a sex
    or age field; no placeholder (不详, 空白: see _NOT_NAMES) and no clinical word."""
    if not separators or separators.strip(":： \t") or not 2 <= len(candidate) <= 3:
        return None
    if not (following[:1] in _CLEAR_END or following == "" or _FIELD_AFTER.match(following)):
        return None
    parts = _split(candidate)
    if parts is None or candidate in MEDICAL_WORDS or candidate[:2] in MEDICAL_WORDS:
        return None
    given = parts[1]
    if not 1 <= len(given) <= 2 or not _NOT_IN_GIVEN.isdisjoint(given):
        return None
    return candidate


# Characters of Mongolian, Tibetan and Uyghur names written in Han characters (娜仁其其格,
# 巴特尔, 扎西多吉, 阿依古丽) besides those of Han given names.
_MINORITY_NAME_CHARS = frozenset(
    "阿艾爱安敖巴拜班邦宝贝毕别波博布才策查朝其琪达旦丹德登迪丁顿都多朵额恩尔法夫甫噶嘎甘"
    "格根贡古哈海罕汗合和赫呼胡花吉加嘉坚江杰金晋卡坎康克肯库拉喇腊莱赖兰朗勒雷力丽林伦罗洛"
    "玛买麦满曼毛梅美蒙孟米敏明摩姆木娜纳乃尼努诺帕潘其奇琪钦青曲却热仁日荣如萨塞赛桑色森沙"
    "山尚苏索塔泰坦汤特提天廷通图吐托瓦旺维乌吾西希夏仙香肖辛兴雅亚燕央伊依尤玉扎札增珠卓孜"
    "兹措次旺堆普布顿珍拉姆卡则旦曲吉措单增达瓦尼玛次仁加措央金卓嘎阿布都热合曼吐尔逊"
)


@functools.lru_cache(maxsize=1 << 12)
def _minority_name(candidate: str) -> bool:
    """A 4-6 character name of a minority written without its dot (娜仁其其格): every
    character one names use, none that never appears in one, and no ordinary word."""
    return (
        len(set(candidate)) >= len(candidate) - 1  # 哈哈哈哈 is laughter
        and all(ch in _MINORITY_NAME_CHARS or ch not in _NOT_IN_GIVEN for ch in candidate)
        and all(ch in _MINORITY_NAME_CHARS or ch in _GIVEN for ch in candidate)
        and sum(ch in _MINORITY_NAME_CHARS for ch in candidate) >= 3
        and not is_common_word(candidate)
        and not is_word(candidate)
    )


def _grouped_card(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    """Digits in groups: a resident ID first (4-4-4-4-2 is an ID, not a card), then a card."""
    value = m.group().replace(" ", "").replace("-", "")
    start = m.start()
    kind = resident_id.kind_of(value.upper()) if len(value) in (15, 18) else None
    if kind is not None:
        entity = "CN_HMT_PERMIT" if kind == "hmt_permit" else "CN_RESIDENT_ID"
        return Finding(start, m.end(), entity, _score(0.85, text, start, entity, negative),
                       "grouped_id")  # fmt: skip
    if len(value) == 18 and _id_shaped(value):
        return None
    card = _bank_card(value)
    if card is None:
        return None
    return Finding(start, m.end(), card[0], _score(card[1], text, start, card[0], negative),
                   "card_groups")  # fmt: skip


def _address_after_context(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    group = m.lastgroup or "addr_ctx"
    value = m.group(group)
    if address.is_valid(value):
        return _finding((m.start(group), m.end(group), "LOCATION", 0.75, "address_ctx"))
    road = _ROAD_ADDRESS.search(value)
    if road is not None and road.end() == len(value):  # 郊区胜利街917号: a road and a number
        return Finding(m.start(group), m.end(group), "LOCATION", 0.7, "address_road")
    return None


_TOWN = re.compile(rf"[{_HAN}]{{1,8}}?(?:镇|乡|街道)")
_DISTRICT_NEXT = re.compile(rf"[{_HAN}]{{1,8}}?[区县市旗]")
_VILLAGE = re.compile(
    rf"[{_HAN}]{{1,6}}?村(?:委会)?(?:\d{{1,2}}组|[一二三四五六七八九十]{{1,3}}组)?"
)
# Characters no town or village name has (宾川县的人都去镇 is no address).
_NOT_IN_PLACE = frozenset("的了去到在和与是有我你他她人都也就还说看要会能从")
# An institution right after the divisions (长沙市岳麓区人民医院): its seat, not a home.
_INSTITUTION_AFTER = re.compile(
    rf"[{_HAN}]{{0,8}}?(?:医院|卫生院|妇幼|保健院|疾控|诊所|卫健委|卫生局|政府|法院|公安局"
    r"|卫生健康|卫生和计划生育)"
)


_STREET_AFTER = re.compile(_STREET)
# Four Han characters none of which names a unit of an address (近期流感病例增多): prose.
_PROSE_AFTER = re.compile(rf"(?:(?![路街道巷镇乡村区号栋幢楼组社屯庄寨里弄园苑城湾])[{_HAN}]){{4}}")
_RESIDENCE_BEFORE = re.compile(r"[住址居家籍在][:：\s]*\Z")
_NATIVE_AFTER = re.compile(r"人(?:[，,。；;、\s]|\Z)")
_PROVINCE_BEFORE = re.compile(
    "(?:" + "|".join(sorted(
        {p for v in regions.PROVINCES.values() for p in (v, v[:2])}, key=len, reverse=True
    )) + r")\Z"
)  # fmt: skip


def _admin_address(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    """宾川县金牛镇(…村3组), 南宁市青秀区(…街道): real divisions of GB/T 2260 without a label."""
    unit = m.start()  # the unit character (县, 区, 市, 旗, 州) that ends the first division
    start, city = -1, False
    for length in (7, 6, 5, 4, 3, 2):  # the longest name ending here
        name = text[unit + 1 - length : unit + 1] if unit + 1 >= length else ""
        if is_county(name):
            start = unit + 1 - length
            break
        if is_city(name):
            start, city = unit + 1 - length, True
            break
    if start < 0:
        return None
    province = _PROVINCE_BEFORE.search(text, max(0, start - 8), start)
    if province is not None:  # 广西玉林市博白县: the province's name belongs to the address
        start = province.start()
    end = unit + 1
    if city:  # a city needs a real district after it
        district = _DISTRICT_NEXT.match(text, end)
        if district is None or not is_county(district.group()):
            return None
        end = district.end()
    town = _TOWN.match(text, end)
    if town is not None and _NOT_IN_PLACE.isdisjoint(town.group()):
        end = town.end()
        village = _VILLAGE.match(text, end)
        if village is not None and _NOT_IN_PLACE.isdisjoint(village.group()):
            end = village.end()
    elif not city:  # a county alone is too coarse (and too often a hospital's seat)
        return None
    if _INSTITUTION_AFTER.match(text, end) is not None:
        return None
    road = _ROAD_ADDRESS.match(text, end)
    if road is not None:
        end = road.end()
    elif town is None:
        # a compound and its building after the district (杭州市西湖区文鼎苑12幢3单元602); a
        # district alone that runs on into prose (通报，成都市武侯区近期流感…: four characters
        # naming no unit) is a place, not a home, unless a word of residence comes before it
        street = _STREET_AFTER.match(text, end)
        if street is not None and any(ch.isdigit() for ch in street.group()):
            end = street.end()
        elif (
            street is None  # 龙沙区卜奎大街与…: a road follows, the district stays
            and end < len(text)
            and _PROSE_AFTER.match(text, end) is not None
            and _RESIDENCE_BEFORE.search(text, max(0, start - 4), start) is None
            and _NATIVE_AFTER.match(text, end) is None  # 曲靖市会泽县人，: a native place
        ):
            return None
    if _INSTITUTION_AFTER.match(text, end) is not None:
        return None
    return Finding(start, end, "LOCATION", 0.6, "address_admin")


_PROVINCE_PREFIX = re.compile(
    "(?:" + "|".join(sorted(
        {p for v in regions.PROVINCES.values() for p in (v, v[:2], v[:3])}, key=len, reverse=True
    )) + ")"
)  # fmt: skip


def _address_district(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    """住在北京朝阳区, 现住：南宁市青秀区: after an address label, a real district (GB/T 2260),
    maybe after its province or city."""
    value = m.group("addr_district")
    rest = value
    prefix = _PROVINCE_PREFIX.match(rest)
    if prefix is not None:
        rest = rest[prefix.end() :]
    for length in range(2, len(rest) - 1):  # a city before the district: 南宁市青秀区, 厦门思明区
        if is_city(rest[:length]) or is_city(rest[:length] + "市"):
            rest = rest[length:]
            if rest[:1] in ("市", "州", "盟") and len(rest) > 2:  # 菏泽市曹县: the unit too
                rest = rest[1:]
            break
    if not is_county(rest):
        return None
    return Finding(m.start("addr_district"), m.end("addr_district"), "LOCATION", 0.7,
                   "address_ctx")  # fmt: skip


def _address_from_town(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    value = m.group("addr_town")
    if any(ch in _NOT_IN_PLACE for ch in value):
        return None
    return Finding(m.start("addr_town"), m.end("addr_town"), "LOCATION", 0.7, "address_town")


def _address_from_road(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    return Finding(m.start("addr_road"), m.end("addr_road"), "LOCATION", 0.7, "address_road")


_PROVINCE_SHORT = tuple(
    sorted({re.sub("(省|市|自治区|特别行政区|壮族|回族|维吾尔)", "", p) for p in
            regions.PROVINCES.values()}, key=len, reverse=True)
)  # fmt: skip


_NO_DIVISION = frozenset("省市州盟区县旗")  # a place of birth names one, or starts with a province
_BORN_IN = re.compile(rf"[:：\s]*([{_HAN}]{{2,14}}?)(?=人|[，,。；;、\s]|$)")


def _place_of_birth(text: str, at: int) -> Finding | None:
    """生于湖南长沙: a province, city or county at ``at``, after 生于 (生于原籍 names none)."""
    place = _BORN_IN.match(text, at)
    if place is None:
        return None
    value = place.group(1)
    if value.startswith(_PROVINCE_SHORT) or (
        not _NO_DIVISION.isdisjoint(value) and address.is_valid(value)
    ):  # 生于原籍 (every admission note) names no division: no parse for it
        return Finding(place.start(1), place.end(1), "LOCATION", 0.6, "address_origin")
    return None


def _asker(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    """提问者：雷春燕: the asker of a Q&A post; the whole run may be a word-name when a clear end
    (punctuation, a space, a line end) follows it."""
    start, end = m.span("asker")
    certain = text[end : end + 1] in _CLEAR_END or end == len(text)
    name = _name_after(m.group("asker"), certain=certain)
    if name is None:
        return None
    return Finding(start, start + len(name), "PERSON", 0.7, "name_asker")


def _asked_name(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    """牟丽华 in 医生：叫什么名字？⏎家属：牟丽华，41岁: the start of the turn after a question
    asking for a name, if it passes the name check; a run that is not the whole answer (with
    punctuation, a space or the line end after it) must be followed as a name in speech."""
    start, end = m.span("answer")
    answer = m.group("answer")
    following = text[end : end + 4]
    if answer[0] in SPEECH_STARTS and speech_run(answer):
        return None
    name: str | None = None
    if len(answer) <= 4 and (following[:1] in _CLEAR_END or following == ""):
        if _plausible_name(answer, ends_here=True, strict=True):
            name = answer
    else:
        name = _name_after(answer, followed=True, speech=True)
    if name is None or name in _DIALOGUE_WORDS or name[:2] in _DIALOGUE_WORDS:
        return None
    return Finding(start, start + len(name), "PERSON", 0.75, "name_asked")


def _origin(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    """A place of origin after 籍贯 or between 系 and 人: a province, city or county."""
    group = m.lastgroup or ""
    value = m.group(group)
    if address.is_valid(value) or (
        group in ("addr_origin", "addr_xi") and value.startswith(_PROVINCE_SHORT)
    ):  # 籍贯：甘肃定西, 系河南周口人
        return Finding(m.start(group), m.end(group), "LOCATION", 0.6, "address_origin")
    return None


_CN_DATE_BEFORE = re.compile(
    "[〇零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月(?:[一二三四五六七八九十]{1,3}[日号])?\\Z"
)
_ORG_BEFORE = re.compile(
    rf"在([{_HAN}0-9（）()]{{2,24}}(?:有限公司|公司|集团|医院|学校|大学|学院|中学|小学|研究所|研究院"
    r"|局|银行|厂|政府|事务所|派出所|法院|检察院|报社|电视台|商场|酒店|卫生院))\Z"
)


def _birth_date_cn_before(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    """一九七一年五月十日出生: a date in Chinese numerals right before 出生; without one, the
    place after 出生于 (this match takes 出生, so the origin rule does not see 出生于)."""
    date = _CN_DATE_BEFORE.search(text, max(0, m.start() - 14), m.start())
    if date is None:
        return _place_of_birth(text, m.end() + 1) if text[m.end() : m.end() + 1] == "于" else None
    return Finding(date.start(), date.end(), "DATE_TIME", 0.7, "date_of_birth")


def _organization_before(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    """我在宁波大学上班 / 在华西建设集团工作: a workplace named by its kind before 上班, 工作."""
    org = _ORG_BEFORE.search(text, max(0, m.start() - 27), m.start())
    if org is None or org.group(1).startswith(
        ("当地", "本地", "附近", "某", "一所", "一家", "外地")
    ):
        return None
    return Finding(org.start(1), org.end(1), "ORGANIZATION", 0.6, "organization")


def _names_slashed(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    """毛晓东/秦雅琴 on a line of its own (after a time or nothing): two signed names."""
    slash = m.start()  # the match is the slash itself
    before = _HAN_RUN_BEFORE.search(text, max(0, slash - 6), slash)
    after = _HAN_RUN_AFTER.match(text, slash + 1)
    if before is None or after is None or not 2 <= len(before.group()) <= 4:
        return None
    opening = text[max(0, before.start() - 1) : before.start()]
    if opening not in ("", "\n", " ", "\t", "：", ":") and not opening.isdigit():
        return None
    first, second = before.group(), after.group()
    if not (_plausible_name(first, ends_here=True) and _plausible_name(second, ends_here=True)):
        return None
    return Finding(before.start(), before.end(), "PERSON", 0.6, "name_slash")


def _native_place(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    """湖南省衡阳市人: a province and what follows it, before 人 and punctuation."""
    if not address.is_valid(m.group()):
        return None
    return Finding(m.start(), m.end(), "LOCATION", 0.6, "address_origin")


def _name_sex(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    end = m.start()  # the name ends before the separator: ，男 / ， 男 / \t男 / 男 glued
    while end > 0 and text[end - 1] in " \t":
        end -= 1
    if end > 0 and text[end - 1] in ",，、(（":
        end -= 1
        while end > 0 and text[end - 1] in " \t":
            end -= 1
    run = _HAN_RUN_BEFORE.search(text, max(0, end - 6), end)
    if run is None:
        return None
    whole = run.group()
    # A run that begins after non-Han text (谈桂花，男 at the start of a line) is the name itself.
    starts_here = run.start() > max(0, end - 6) or run.start() == 0
    glued = m.lastgroup == "sex_glued"  # 李桂芹女59岁: only a run that is the name itself
    if glued and not starts_here:
        return None
    if (
        starts_here
        and len(whole) <= 4
        and (_plausible_name(whole, ends_here=True) or (len(whole) <= 3 and _name_as_word(whole)))
    ):
        name: str | None = whole
    else:
        name = None if glued else _name_before(whole)
    return None if name is None else _finding((end - len(name), end, "PERSON", 0.7, "name_sex"))


def _record_number(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    group = m.lastgroup or "mrn"
    start, end = m.span(group)
    bed = text[m.start() if group == "mrn" else m.start() - 2] == "床"
    if text[start] in "加+" and not bed:  # 加/+ marks an extra bed only
        start += 1
    # At least three digits (床号 labels beds: one); most values end with them.
    if not text[end - 3 : end].isdigit() or end - start < 3:
        digits = sum(map(str.isdigit, text[start:end]))
        if digits < (1 if bed else 3):
            return None
    return _finding((start, end, "CN_MEDICAL_RECORD_NUMBER", 0.85, "mrn"))


def _birth_date(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    group = m.lastgroup or "dob"
    value = m.group(group)
    numbers = [int(n) for n in re.findall(r"\d+", value)]
    if value[2:3] == "年":  # a two-digit year (85年3月12日): a real month and day
        if not 1 <= numbers[1] <= 12 or (len(numbers) > 2 and not 1 <= numbers[2] <= 31):
            return None
    elif numbers:
        year = next((n for n in numbers if n > 31), None)
        compact_date = len(numbers) == 1 and 18500101 <= numbers[0] <= 21001231
        if (year is None or not 1850 <= year <= 2100) and not compact_date:
            return None
    return Finding(m.start(group), m.end(group), "DATE_TIME", 0.75, "date_of_birth")


def _birth_date_before(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    numbers = [int(n) for n in re.findall(r"\d+", m.group())]
    year = next((n for n in numbers if n > 31), 0)
    if m.group()[2:3] == "年":  # 87年3月9日生: a two-digit year
        year = 1900 + numbers[0]
    if len(numbers) == 1:  # 19941112出生: compact
        year, month, day = numbers[0] // 10000, numbers[0] // 100 % 100, numbers[0] % 100
        numbers = [year, month, day]
    if not 1850 <= year <= 2100 or any(n == 0 for n in numbers[1:] if n != year):
        return None
    if (
        len(numbers) == 3
        and not (1 <= numbers[1] <= 12 and 1 <= numbers[2] <= 31)
        and (numbers[0] == year or year - 1900 == numbers[0])
    ):
        return None  # year first: a real month and day
    return Finding(m.start(), m.end(), "DATE_TIME", 0.7, "date_of_birth")


def _address(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    # 四川省成都市武侯区人民医院: the divisions before an institution are its name, not a home
    if not address.is_valid(m.group()) or _INSTITUTION_AFTER.match(text, m.end()) is not None:
        return None
    return Finding(m.start(), m.end(), "LOCATION", 0.7, "address")


def _address_hmt(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    # 香港九龙旺角弥敦道700号12楼B座: the territory and at least a road or an estate after it
    return Finding(m.start(), m.end(), "LOCATION", 0.7, "address_hmt")


def _local_phone(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    # 电话：5530-9833 (no area code): seven or eight digits after a phone label
    return Finding(m.start("local_phone"), m.end("local_phone"), "PHONE_NUMBER", 0.6,
                   "phone_local")  # fmt: skip


_MILITARY = ("军官证", "士兵证", "警官证", "军人证", "文职干部证", "武警警官证")
_SOCIAL = ("社保", "社会保障", "医保", "医疗保险", "参保")
_DRIVING = ("驾驶证", "驾照")
_ACCOUNTS = ("QQ", "qq", "微信", "WeChat", "wechat", "微博", "扣扣", "企鹅", "vx", "VX", "Vx",
             "v信", "V信", "wx", "WX", "威信", "薇信", "微x", "微X")  # fmt: skip
_PLATE = re.compile(rf"[{_PLATE_PROVINCES}][A-HJ-NP-Z][·•・ -]?[A-HJ-NP-Z0-9]{{5,6}}")
_DEVICES = ("IMEI", "MEID", "序列号", "设备", "SN", "S/N", "Serial")


def _document(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    """A document or account number after its label, validated by the label's kind."""
    label = text[m.start() : m.start("document")]
    value = m.group("document")
    before = text[m.start() - 1] if m.start() > 0 else ""
    if label[0].isascii() and before.isascii() and before.isalnum():
        return None  # a label inside a word (devx, inqq): no label
    compact = value.upper().replace("-", "")
    start, end = m.start("document"), m.end("document")
    if compact.isdigit() or (compact[:-1].isdigit() and compact[-1] == "X"):
        kind = resident_id.kind_of(compact) if len(compact) in (15, 18) else None
        if kind is not None:  # 社保卡号、驾驶证号 are often the resident ID itself
            id_type = "CN_HMT_PERMIT" if kind == "hmt_permit" else "CN_RESIDENT_ID"
            return Finding(start, end, id_type, 0.9, "document_id")
    entity: str | None = None
    if label.startswith(_MILITARY):
        entity = "CN_MILITARY_ID" if sum(map(str.isdigit, value)) >= 5 else None
    elif label.startswith(_SOCIAL):
        card = _bank_card(compact)  # a social-security card with a bank function: its card
        if card is not None:
            return Finding(start, end, card[0], 0.8, "document_card")
        entity = "CN_SOCIAL_SECURITY_CARD" if sum(map(str.isdigit, value)) >= 6 else None
    elif label.startswith(_DRIVING):
        entity = "CN_DRIVING_LICENSE" if compact.isdigit() and len(compact) >= 10 else None
    elif label.startswith(_ACCOUNTS):
        if compact.isdigit():
            if len(compact) == 11 and _is_mobile(compact):
                entity = "PHONE_NUMBER"
            elif 5 <= len(compact) <= 11 and compact[0] != "0":
                entity = "ACCOUNT_ID"
        elif value[0].isalpha() and 6 <= len(value) <= 20:
            entity = "ACCOUNT_ID"
    elif label.startswith(("车", "号牌", "牌照")):
        plate = _PLATE.fullmatch(value)
        entity = "CN_VEHICLE_PLATE" if plate and sum(map(str.isdigit, value)) >= 2 else None
    elif label.startswith(_DEVICES):
        if label.startswith(("IMEI", "MEID")):
            ok = len(compact) in (14, 15) and (len(compact) == 14 or bank_card.luhn_valid(compact))
            entity = "DEVICE_ID" if ok else None
        elif sum(map(str.isdigit, value)) >= 2 and len(value) >= 6:
            entity = "DEVICE_ID"
    elif passport.is_valid(compact):
        entity = "CN_PASSPORT"
    if entity is None:
        return None
    return Finding(start, end, entity, 0.8, "document")


def _organization(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    if m.group("organization").startswith(("当地", "本地", "附近", "某", "一所", "一家", "外地")):
        return None  # 就读于当地小学: no particular school
    return Finding(m.start("organization"), m.end("organization"), "ORGANIZATION", 0.6,
                   "organization")  # fmt: skip


def _age(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    # Ages of 90 and over identify (HIPAA's safe harbor and GB/T 37964 treat them so).
    return Finding(m.start(), m.end(), "AGE", 0.6, "age")


def _mac(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    value = m.group()
    if value.replace(":", "").replace("-", "").strip("0") == "" or (":" in value and "-" in value):
        return None
    return Finding(m.start(), m.end(), "MAC_ADDRESS", 0.7, "mac")


def _landline_checked(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    value = m.group()
    if m.lastgroup == "landline" and m.group("dash_ext") is not None:
        value = value[: m.start("dash_ext") - m.start()]  # 010-65528888-8021: the extension
    if not phone.is_landline(value):
        return None
    start = m.start()
    score = _score(0.5, text, start, "PHONE_NUMBER", negative)
    return Finding(start, m.end(), "PHONE_NUMBER", score, m.lastgroup or "")


_mobile = _checked("PHONE_NUMBER", 0.8, _is_mobile)
# One handler per alternative of the pattern, by the name of its last group.
_HANDLERS: dict[str | None, _Handler] = {
    "long_digits": _long_number,
    "card_groups": _grouped_card,
    "addr_ctx": _address_after_context,
    "addr_road": _address_from_road,
    "addr_town": _address_from_town,
    "addr_zhu": _address_after_context,
    "addr_hmt": _address_hmt,
    "addr_origin": _origin,
    "addr_admin": _admin_address,
    "addr_district": _address_district,
    "addr_native": _native_place,
    "addr_xi": _origin,
    "mrn_spaced": _record_number,
    "asker": _asker,
    "name_asked": _asked_name,
    "ip": _checked("IP_ADDRESS", 0.6, _is_ip),
    "ipv6": _ipv6,
    "mac": _mac,
    "age": _age,
    "mobile": _mobile, "mobile_plus": _mobile, "mobile_00": _mobile, "mobile_paren": _mobile,
    "landline": _landline_checked, "landline_paren": _landline_checked,
    "landline_plus": _landline_checked,
    "local_phone": _local_phone,
    "uscc": _checked("CN_USCC", 0.85, uscc.is_valid),
    "passport": _checked("CN_PASSPORT", 0.5, passport.is_valid),
    "hkid": _checked("HK_ID_CARD", 0.8, hk_id.is_valid),
    "email": _checked("EMAIL_ADDRESS", 0.9, lambda value: True),
    "email_obfuscated": _checked("EMAIL_ADDRESS", 0.7, lambda value: True),
    "url": _checked("URL", 0.6, lambda value: True),
    "mrn": _record_number,
    "dob": _birth_date,
    "dob_asked": _birth_date,
    "dob_en": _birth_date,
    "dob_before": _birth_date_before,
    "document": _document,
    "organization": _organization,
    "dob_cn_before": _birth_date_cn_before,
    "org_before": _organization_before,
    "name_slash": _names_slashed,
    "name_ctx": _name_context,
    "name_ctx_role": _name_context,
    "sex": _name_sex,
    "sex_glued": _name_sex,
    "addr": _address,
}  # fmt: skip


def scan_text(
    text: str, *, entities: Iterable[str] | None = None, min_score: float = DEFAULT_MIN_SCORE
) -> list[Finding]:
    """Personal data found in ``text``, sorted by position; spans index ``text`` itself.

    ``entities`` keeps only those types; ``min_score`` drops weaker findings (a candidate right
    after 条码 or 标本号 loses score). Overlapping findings keep the higher-scoring one.
    """
    wanted = frozenset(entities) if entities is not None else None
    # One character for one: spans found in the folded text index ``text`` itself.
    if _MARKERS.search(text) is None:  # most texts: nothing to fold, no negative word, no @
        folded, negative, mail = text, False, False
    else:
        folded, negative, mail = _marked(text)
    kept: list[Finding] = []
    handlers = _HANDLERS
    # All matches first, then their handlers: each of the two runs hot in the caches.
    for m in list((_PATTERN if mail else _LEAN_PATTERN).finditer(folded)):
        group = m.lastgroup
        if group in _SEX_GROUPS and kept and kept[-1].end >= m.start() - 2:
            continue  # 患者张三，男: the name before the marker is already found
        f = handlers[group](m, folded, negative)
        if f is None:
            continue
        start, end, entity, score, recognizer = f
        if entity == "LOCATION" and start > 1 and folded[start - 1] in ",，":
            _add(kept, _name_before_address(folded, start - 1), min_score, wanted)
        if score < min_score or (wanted is not None and entity not in wanted):
            continue
        # Matches never overlap; only names found before ``，男`` or an address reach back.
        while kept and kept[-1].end > start and kept[-1].score < score:
            kept.pop()
        if not kept or kept[-1].end <= start:
            kept.append(f)
            if recognizer == "name_ctx" and folded[end : end + 1] == "、":
                kept.extend(_listed_names(folded, end))
        if recognizer == "name_slash":  # the name after the slash, checked by the handler
            after = _HAN_RUN_AFTER.match(folded, end + 1)
            if after is not None:
                _add(kept, Finding(after.start(), after.end(), "PERSON", 0.6, "name_slash"),
                     min_score, wanted)  # fmt: skip
    at = folded.find("姓名")
    if at >= 0 and _TABLE_HEADER.search(folded, at) is not None:
        cells = [f for f in _table_names(folded) if wanted is None or f.entity_type in wanted]
        if cells:  # names and record numbers in the columns of a table pasted as text
            taken = [(f.start, f.end) for f in kept]
            kept.extend(f for f in cells if all(f.end <= a or f.start >= b for a, b in taken))
            kept.sort(key=lambda f: f.start)
    return kept


_HAN_ONLY = re.compile(rf"[{_HAN}]+")
_NO_DOTS = str.maketrans(dict.fromkeys(_NAME_DOTS))
# a 姓名 column (also the last one: 序号|病案号|姓名), not 姓名：; the pattern starts with its
# literal, so the search skips to each 姓名 (_table_names checks the header line itself)
_TABLE_HEADER = re.compile(r"姓名(?: *[\t|,]| +\S| *(?:\n|$))")
# How the labels of a table's header end (序号, 姓名, 性别, 年龄, 电话, 诊断, 科室, 住址, ...).
_HEADER_ENDS = frozenset("号名别龄话断室期址业族码注间份况者人型科床目位系式次日称历生师士")
_TABLE_SPLIT = {
    "\t": re.compile(r"\t"), "|": re.compile(r"\|"), ",": re.compile(r","), " ": re.compile(r" +"),
}  # fmt: skip
# Columns of staff names beside the patient's (主管医生, 主治医师, 责任护士).
_STAFF_HEADERS = frozenset(("主管医生", "主治医生", "主管医师", "主治医师", "经治医师", "医生",
                            "医师", "责任护士", "管床医生", "管床医师"))  # fmt: skip


# Record-number columns of a patient list (床号, 住院号, 病案号, ...) and what their cells hold.
_MRN_HEADERS = frozenset((
    "床号", "床位", "床位号", "住院号", "门诊号", "病案号", "病历号", "就诊号", "登记号", "ID号",
    "患者ID", "病人ID", "MRN", "就诊卡号", "检查号", "影像号", "病理号",
))  # fmt: skip
_MRN_CELL = re.compile(r"(?=[A-Za-z-]{0,4}\d)[A-Za-z0-9][A-Za-z0-9-]{0,24}")
_MRN_CELL_GROUPS = re.compile(r"\d{3,4}(?: \d{3,4}){1,3}")  # a card number in groups


def _table_names(text: str) -> list[Finding]:
    """Names in the 姓名 column of a table pasted as text: a header line whose cells (split by
    tabs, bars or spaces) include 姓名 (or 患者姓名, ...), then rows with as many cells; and the
    numbers in its record-number columns (床号, 住院号, 病案号, ...)."""
    found: list[Finding] = []
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    while i < len(lines):
        header = lines[i]
        sep = next((c for c in ("\t", "|", ",", " ") if c in header and "姓名" in header), None)
        if sep is None:
            i += 1
            continue
        split = _TABLE_SPLIT[sep]
        heads = [h.strip() for h in split.split(header.strip())]
        column = next((k for k, h in enumerate(heads) if h.endswith("姓名")), None)
        if (
            column is None
            or len(heads) < 2
            # a header of labels, not a line of label and value (患者姓名 邝美玲  性别 女)
            or not all(h == "" or (len(h) <= 8 and h[-1] in _HEADER_ENDS) for h in heads)
        ):
            i += 1
            continue
        numbers = [k for k, h in enumerate(heads) if h in _MRN_HEADERS]
        staff = [k for k, h in enumerate(heads) if h in _STAFF_HEADERS]
        i += 1
        while i < len(lines) and sep in lines[i]:
            row = lines[i]
            parts = list(split.finditer(row.strip()))
            cells = split.split(row.strip())
            if len(cells) != len(heads):
                break
            lead = len(row) - len(row.lstrip())
            for k in (column, *staff, *numbers):
                start = lead + (parts[k - 1].end() if k > 0 else 0)
                cell = cells[k]
                inner = len(cell) - len(cell.lstrip())
                value = cell.strip()
                begin = offsets[i] + start + inner
                if k == column or k in staff:
                    if value and _table_name(value):
                        found.append(
                            Finding(begin, begin + len(value), "PERSON", 0.7, "name_table")
                        )
                elif _MRN_CELL.fullmatch(value) or (
                    sep != " " and _MRN_CELL_GROUPS.fullmatch(value)
                ):
                    found.append(Finding(begin, begin + len(value), "CN_MEDICAL_RECORD_NUMBER",
                                         0.7, "mrn_table"))  # fmt: skip
            i += 1
    return found


@functools.lru_cache(maxsize=1 << 12)
def _table_name(value: str) -> bool:
    """A table cell under 姓名 that is a name: Han characters passing the name check (a word
    that is a name too, 王国, counts: the column says name), or a dotted minority name."""
    if not 2 <= len(value) <= 12 or _HAN_ONLY.fullmatch(value.translate(_NO_DOTS)) is None:
        return False
    if any(ch in _NAME_DOTS for ch in value):
        return names.is_valid(value.translate(_TO_MIDDLE_DOT), require_known_surname=False)
    return len(value) <= 4 and (
        _plausible_name(value, ends_here=True) or _name_as_word(value) or _tibetan(value)
    )


_SEX_GROUPS = frozenset(("sex", "sex_glued"))


def _add(kept: list[Finding], f: Finding | None, min_score: float,
         wanted: frozenset[str] | None) -> bool:  # fmt: skip
    """Append ``f`` unless it overlaps a stronger finding; a weaker overlapped one is dropped."""
    if f is None or f.score < min_score or (wanted is not None and f.entity_type not in wanted):
        return False
    while kept and kept[-1].end > f.start and kept[-1].score < f.score:
        kept.pop()
    if not kept or kept[-1].end <= f.start:
        kept.append(f)
        return True
    return False


def _name_before_address(text: str, comma: int) -> Finding | None:
    """张三，河北省承德市…: a name that is the whole run before the comma of an address."""
    run = _HAN_RUN_BEFORE.search(text, max(0, comma - 6), comma)
    if run is None or len(run.group()) > 4:
        return None
    starts_here = run.start() > max(0, comma - 6) or run.start() == 0
    if not starts_here or not _plausible_name(run.group(), ends_here=True):
        return None
    return Finding(run.start(), comma, "PERSON", 0.6, "name_address")


def _listed_names(text: str, end: int) -> list[Finding]:
    """Names listed after a found one: 主管护士：黎东、廖辉国."""
    found = []
    while text[end : end + 1] == "、":
        run = _HAN_RUN_AFTER.match(text, end + 1)  # a name ends where the Han text does
        # A list item that ends at punctuation is a name even when it is a word (…、方圆。)
        certain = run is not None and text[run.end() : run.end() + 1] in _LIST_END
        name = _name_after(run.group(), certain=certain) if run is not None else None
        if name is None:
            break
        found.append(Finding(end + 1, end + 1 + len(name), "PERSON", 0.8, "name_list"))
        end += 1 + len(name)
    return found
