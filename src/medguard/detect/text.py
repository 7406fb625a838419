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
regular-expression engine skips all other characters in a tight loop; each alternative then
checks that character with a one-character look-behind and rejects on its next character,
and the name of its last group selects one Python handler. Folding full-width text costs a
pass over it, so it happens only when full-width letters or digits are present.
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
from medguard.detect.lexicon import is_common_word, is_word

__all__ = ["DEFAULT_MIN_SCORE", "ENTITY_TYPES", "scan_text"]

#: The least likelihood a finding needs by default, in ``scan_text``, ``scan_file``, column
#: classification and ``medguard scan --min-score`` alike. It is low on purpose: a scanner that
#: gates data must err towards reporting. A candidate with negative context (an 18-digit
#: specimen barcode after 标本条码 scores 0.45) or a Luhn-valid number without a UnionPay BIN
#: (0.45) is still reported; raise ``min_score`` (or fail only on ``--fail-on 0.5``) to drop them.
DEFAULT_MIN_SCORE = 0.3

ENTITY_TYPES = (
    "CN_BANK_CARD", "CN_HMT_PERMIT", "CN_MEDICAL_RECORD_NUMBER", "CN_PASSPORT",
    "CN_RESIDENT_ID", "CN_USCC", "DATE_TIME", "EMAIL_ADDRESS", "HK_ID_CARD", "IP_ADDRESS",
    "LOCATION", "PERSON", "PHONE_NUMBER",
)  # fmt: skip

_HAN = r"\u4e00-\u9fff"
_TIBETAN = names.TIBETAN_NAME_PARTS
# Surnames common enough that 由李医生 is "Dr Li", not a person named 由李.
_COMMON_SURNAMES = frozenset(s for s, share in names.SURNAME_FREQUENCY.items() if share >= 0.5)
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
)  # fmt: skip
# Context words that also follow a name (由张三医师主刀): the name may come before them.
_ROLE_WORDS = frozenset(("医师", "医生", "护士", "主刀", "术者", "助手", "麻醉医师"))
_NEGATIVE_CONTEXT = ("条码", "标本号", "订单号", "流水号", "批号", "编号规则", "样本号")
_CONTEXT_WORDS = {
    "CN_RESIDENT_ID": ("身份证", "证件号", "身份证号"),
    "PHONE_NUMBER": ("电话", "手机", "联系方式", "联系电话", "Tel", "tel"),
    "CN_BANK_CARD": ("银行卡", "卡号", "账号", "医保卡"),
    "CN_PASSPORT": ("护照", "通行证"),
    "CN_HMT_PERMIT": ("居住证", "通行证"),
}
# Characters that end a name in running text (电话, 因..., 男/女, 岁, 主诉, 入院, ...).
_NAME_STOP = frozenset(
    "电话手机因于在的是等男女年岁主诉入院术患查房嘱签字同意及和与称述联系来今昨已未予行"
)
# Characters that (nearly) never appear in a given name: 患者余无特殊, 患者左下肢, 患者曾行.
_NOT_IN_GIVEN = frozenset(
    "无下上了不的是在有未已曾被将于及或每各其此该这那肢侧部位行眼镜医症氏丙酶转氨旧惹某籍人属"
)
# Words that follow a name in notes (患者王俊一般情况可): the name ends before them.
_NAME_STOP_WORDS = ("一般", "出现", "自述", "神志", "精神", "病情", "体温", "今日", "诉", "无明显",
                    "之母", "之父", "之子", "之女", "之妻", "之夫", "本人", "代诉",
                    "家属", "患者", "医生", "医师", "护士", "配偶")  # fmt: skip


def _words(words: Iterable[str]) -> tuple[str, str]:
    """``words`` as a (first-character class, rest) pair for :func:`_compile`.

    The first character is consumed by the pattern's leading class; each word's rest starts
    with its second character as a literal (rejected in one comparison) and only then checks
    the first two characters with a look-behind. Longer words come first, so they win.
    """
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    rest = "|".join(f"{re.escape(w[1])}(?<={re.escape(w[:2])}){re.escape(w[2:])}" for w in ordered)
    return "".join(dict.fromkeys(w[0] for w in ordered)), f"(?:{rest})"


_DIGITS_4 = r"(?:[ -]?\d{4}){2}(?![0-9A-Za-z@])"
_STREET = (
    rf"[{_HAN}0-9]{{0,20}}?(?:[{_HAN}]{{1,10}}?(?:路|街|巷|村|道|弄)(?:\d+(?:组|队|弄))?"
    r"(?:\d+号院?)?|\d+号院?)(?:\d+(?:栋|幢|号楼|楼))?(?:\d+单元)?(?:\d+室?)?"
)
_ADDRESS_REST = rf"[{_HAN}]{{1,12}}?(?:市|州|盟|区|县|旗){_STREET}"
# An address without its province, after 住址/现住/..., from the city or district down.
_ADDRESS_CITY = (
    rf"[{_HAN}]{{1,10}}?(?:市|州|盟|地区|区|县|旗)(?:[{_HAN}]{{1,8}}?(?:区|县|旗|市))?{_STREET}"
)
# After 住址 an address may start at its road: 学府大道984号19栋906室 (a house number is needed).
_ROAD_ONLY = (
    rf"[{_HAN}]{{1,10}}?(?:路|街|巷|道)\d+号院?(?:\d+(?:栋|幢|号楼|楼))?(?:\d+单元)?(?:\d+室?)?"
)
_ADDRESS_WORDS = _words(("住址", "地址", "家住", "现住", "现居", "居住地", "户籍地", "户籍地址"))
_MRN_WORDS = _words(("住院号", "门诊号", "病案号", "病历号", "就诊号", "ID号"))
_DOB_WORDS = _words(("出生日期", "出生于", "出生", "生日"))
_NAME_WORDS = _words(_NAME_CONTEXT)
_PROVINCE_WORDS = _words(regions.PROVINCES.values())

# Each alternative is (class of its first character, the rest). The whole pattern starts with
# the union of the classes, so the engine skips every other character in a tight loop; the rest
# checks its own first character with a look-behind. The alternative's last group names it.
_ALTERNATIVES: tuple[tuple[str, str], ...] = (
    (r"0-9", r"(?<![0-9A-Za-z]\d)\d{14,18}[Xx]?(?![0-9A-Za-z@])(?P<long_digits>)"),
    (r"0-9", r"(?<![0-9A-Za-z]\d)\d{3}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?(?![0-9A-Za-z])"
             r"(?P<card_groups>)"),
    (r"0-9", r"(?<![0-9.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![0-9.])(?P<ip>)"),
    (r"0-9", r"(?<![0-9]\d)\d{3}年\d{1,2}月(?:\d{1,2}日)?(?=出生|生人)(?P<dob_before>)"),
    (r"1", rf"(?<![0-9A-Za-z]1)[3-9]\d{_DIGITS_4}(?P<mobile>)"),
    (r"+", rf"(?<![0-9]\+)86[ -]?1[3-9]\d{_DIGITS_4}(?P<mobile_plus>)"),
    (r"0", rf"(?<![0-9]0)086[ -]?1[3-9]\d{_DIGITS_4}(?P<mobile_00>)"),
    (r"0", r"(?<![0-9A-Za-z]0)\d{2,3}[ -]?[2-9]\d{6,7}(?![0-9A-Za-z])(?P<landline>)"),
    (r"(（", r"0\d{2,3}[)）][ -]?[2-9]\d{6,7}(?![0-9])(?P<landline_paren>)"),
    (r"0-9ANY", r"(?<![0-9A-Z].)[0-9A-HJ-NPQRTUWXY]\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])"
                r"(?P<uscc>)"),
    (r"EGDSPHM", r"(?<![0-9A-Za-z].)(?:(?<=E)[0-9A-HJ-NP-Z]\d{7}|(?<=[EG])\d{8}"
                 r"|(?<=[DSP])E\d{7}|(?<=[HM])\d{8})(?![0-9A-Za-z])(?P<passport>)"),
    (r"A-Z", r"(?<![0-9A-Za-z].)[A-Z]?\d{6}[(（][0-9A][)）](?P<hkid>)"),
    (r"A-Za-z0-9_", r"(?<![A-Za-z0-9._%+\-].)[A-Za-z0-9._%+\-]*@"
                         r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?P<email>)"),
    # IPv6 from its first colon (colons are rare in Chinese text; the handler finds the start).
    (r":", r"(?<=[0-9A-Fa-f:]:)(?:[0-9A-Fa-f]{0,4}:){1,7}(?:[0-9A-Fa-f]{1,4}|(?<=::))"
           r"(?![0-9A-Za-z:.])"
           r"(?P<ipv6>)"),
    (_MRN_WORDS[0], rf"{_MRN_WORDS[1]}[:：\s]*(?P<mrn>[A-Z0-9]{{5,15}})(?![0-9A-Z])"),
    (_DOB_WORDS[0], rf"{_DOB_WORDS[1]}[:：\s]*"
                    r"(?P<dob>\d{4}(?:年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2}))"),
    (_NAME_WORDS[0], rf"{_NAME_WORDS[1]}[:：\s)）]*"
                     rf"(?=(?P<name>[{_HAN}]{{2,6}}(?:[·•][{_HAN}]{{2,6}})?))"),
    (_ADDRESS_WORDS[0], rf"{_ADDRESS_WORDS[1]}[:：\s]*(?P<addr_ctx>{_ADDRESS_CITY})"),
    (_ADDRESS_WORDS[0], rf"{_ADDRESS_WORDS[1]}[:：\s]*(?P<addr_road>{_ROAD_ONLY})"),
    (r"男女", r"(?:(?<=[,，、(（][男女])|(?<=[,，、(（]\s[男女]))性?[,，、)）](?P<sex>)"),
    (_PROVINCE_WORDS[0], rf"{_PROVINCE_WORDS[1]}{_ADDRESS_REST}(?P<addr>)"),
)  # fmt: skip


def _compile(alternatives: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    groups: list[tuple[str, list[str]]] = []
    for first, rest in alternatives:  # consecutive alternatives sharing a class share a check
        if groups and groups[-1][0] == first:
            groups[-1][1].append(rest)
        else:
            groups.append((first, [rest]))

    def escaped(chars: str) -> str:
        return chars.replace("(", r"\(").replace("+", r"\+")

    union = escaped("".join(first for first, _ in groups))
    body = "|".join(f"(?<=[{escaped(first)}])(?:{'|'.join(rests)})" for first, rests in groups)
    return re.compile(f"[{union}](?:{body})")


_PATTERN = _compile(_ALTERNATIVES)
_ROAD_ADDRESS = re.compile(_ROAD_ONLY)

# Full-width letters, digits and the symbols inside identifiers (@ + - .) need folding; the
# full-width punctuation of ordinary text (，：、（）and the ideographic space) is matched as it is.
_FULL_WIDTH = re.compile("[\uff0b\uff0d\uff0e\uff10-\uff19\uff20-\uff3a\uff41-\uff5a]")
_HAN_RUN_BEFORE = re.compile(rf"[{_HAN}]{{2,6}}$")
_HAN_RUN_AFTER = re.compile(rf"[{_HAN}]{{2,6}}")
_NAME_END = re.compile("[" + "".join(sorted(_NAME_STOP)) + "]|" + "|".join(_NAME_STOP_WORDS))
# Context words after which a drug, a body part or a symptom is as likely as a name (患者雷贝拉唑,
# 患者张口受限): a name found right after them must be followed by what follows names in notes.
_WEAK_CONTEXT = frozenset(("患者", "病人", "患儿"))
# Words, then single characters, that follow names in notes. Words are tried first, so 王芳执行
# gives 王芳 (before 执行), not 王芳执 (before 行).
_NAME_FOLLOWS = (
    re.compile("|".join(w for w in (
        *_NAME_STOP_WORDS, "电话", "手机", "既往", "平素", "近期", "近日", "反复", "突发", "突然",
        "出院", "转入", "复查", "复诊", "住院", "就诊", "家属", "一直", "长期", "多年", "明天",
        "明日", "今天", "昨天", "当天", "次日",
        # what staff do right after their names: 药师李娜审核处方, 护师王芳执行医嘱
        "审核", "审阅", "执行", "协助", "指导", "负责", "完成", "处理", "会诊", "询问", "告知",
        "交代", "建议", "主持", "参加", "陪同", "护送", "测量", "给予", "核对", "评估", "宣教",
        "记录", "书写", "开具",
    ) if len(w) > 1)),
    re.compile("[因于在是等男女主入术查嘱签同及和与称述来今昨已未予行诉无不有曾被将或其现经从自对由"
               "头胸腹腰左右双]"),
)  # fmt: skip


_CONTEXT = {entity: re.compile("|".join(words)) for entity, words in _CONTEXT_WORDS.items()}
_NEGATIVE = re.compile("|".join(_NEGATIVE_CONTEXT))
_WINDOW = 12  # characters before a candidate where context words count


def _score(base: float, text: str, start: int, entity: str, negative: bool = True) -> float:
    """``base`` raised by a context word for ``entity`` and lowered by 条码, 标本号, ...

    ``negative`` says whether the text holds a negative context word at all (checked once).
    """
    window = max(0, start - _WINDOW)
    score = base
    context = _CONTEXT.get(entity)
    if context is not None and context.search(text, window, start):
        score += 0.2
    if negative and _NEGATIVE.search(text, window, start):
        score -= 0.4
    return base if score == base else max(0.0, min(1.0, round(score, 2)))


def _tibetan(text: str) -> bool:
    return len(text) == 4 and text[:2] in _TIBETAN and text[2:] in _TIBETAN


def _plausible_name(text: str, *, ends_here: bool = False) -> bool:
    """A known surname, a one- or two-character given name, and not an ordinary word.

    ``ends_here`` says the text after ``text`` is no longer part of it (punctuation, a space, a
    sex marker, a stop word): then only ``text`` as a whole must not be a word (黄海燕 is a name
    although 黄海 is a word); otherwise no prefix may be one (高血压病史).
    """
    if len(text) >= 3 and text[:2] in names.COMPOUND_SURNAMES:
        given = text[2:]
    elif text[0] in names.SURNAMES:
        given = text[1:]
    else:
        return _tibetan(text)
    if _tibetan(text):
        return True
    word = is_word(text) if ends_here else is_common_word(text)
    return 1 <= len(given) <= 2 and _NOT_IN_GIVEN.isdisjoint(given) and not word


@functools.lru_cache(maxsize=1 << 16)  # the same phrases follow 患者 note after note
def _name_after(candidate: str, *, followed: bool = False) -> str | None:
    """The name at the start of ``candidate`` (up to six Han characters after a context word).

    A name followed by what follows names in notes (于, 因, 诉, 既往, 之母, ...) need only not
    be a word itself (黄海燕平素体健). Otherwise the name ends at non-Han text or at a stop
    character or word (男, 电话, 一般, ...) and no prefix of the text may be a word (高血压病史).
    ``followed`` (after 患者, where a drug or a symptom is as likely: 患者雷贝拉唑, 患者张口受限)
    accepts only a name followed by such words or by non-Han text.
    """
    if "·" in candidate or "•" in candidate:  # 阿依古丽·买买提: minority names keep the dot
        return candidate if names.is_valid(candidate, require_known_surname=False) else None
    end = _NAME_END.search(candidate, 2 if candidate[:2] in names.COMPOUND_SURNAMES else 1)
    head = candidate[: end.start()] if end is not None else candidate
    for follows in _NAME_FOLLOWS:
        for length in (4, 3, 2):
            if (
                len(head) >= length
                and follows.match(candidate, length)
                and _plausible_name(head[:length], ends_here=True)
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
            head[:length], ends_here=ends_here and length == len(head)
        ):
            if followed and length != len(candidate):
                return None
            return head[:length]
    return None


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
    return value.replace(" ", "").replace("-", "")[-11:-8] in phone.MOBILE_SEGMENTS


_Handler = Callable[["re.Match[str]", str, bool], Finding | None]


def _checked(entity: str, base: float, check: Callable[[str], bool]) -> _Handler:
    """A handler for a whole-match identifier confirmed by ``check``, scored with context."""

    def handle(m: re.Match[str], text: str, negative: bool) -> Finding | None:
        if not check(m.group()):
            return None
        start = m.start()
        score = _score(base, text, start, entity, negative)
        return Finding(start, m.end(), entity, score, m.lastgroup or "")

    return handle


def _long_number(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    found = _long_digits(m.group())
    if found is None:
        return None
    entity, base = found
    start = m.start()
    return Finding(
        start, m.end(), entity, _score(base, text, start, entity, negative), "long_digits"
    )


def _name_context(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    start = m.start("name")
    name = _name_after(m.group("name"), followed=text[m.start() : start] in _WEAK_CONTEXT)
    if name is not None:
        return Finding(start, start + len(name), "PERSON", 0.85, "name_ctx")
    if text[m.start() : start].rstrip(":： \t") in _ROLE_WORDS:  # 由张三医师主刀
        run = _HAN_RUN_BEFORE.search(text, max(0, m.start() - 6), m.start())
        before = _name_before(run.group()) if run is not None else None
        if before is not None and not (len(before) == 2 and before[1] in _COMMON_SURNAMES):
            return Finding(m.start() - len(before), m.start(), "PERSON", 0.7, "name_role")
    return None


def _grouped_card(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    card = _bank_card(m.group().replace(" ", "").replace("-", ""))
    if card is None:
        return None
    start = m.start()
    return Finding(start, m.end(), card[0], _score(card[1], text, start, card[0], negative),
                   "card_groups")  # fmt: skip


def _address_after_context(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    value = m.group("addr_ctx")
    if address.is_valid(value):
        return Finding(m.start("addr_ctx"), m.end("addr_ctx"), "LOCATION", 0.75, "address_ctx")
    if _ROAD_ADDRESS.fullmatch(value):  # 郊区胜利街917号: no known district, but a road and number
        return Finding(m.start("addr_ctx"), m.end("addr_ctx"), "LOCATION", 0.7, "address_road")
    return None


def _address_from_road(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    return Finding(m.start("addr_road"), m.end("addr_road"), "LOCATION", 0.7, "address_road")


def _name_sex(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    end = m.start() - (2 if text[m.start() - 1].isspace() else 1)  # the name ends at the comma
    run = _HAN_RUN_BEFORE.search(text, max(0, end - 6), end)
    if run is None:
        return None
    whole = run.group()
    # A run that begins after non-Han text (谈桂花，男 at the start of a line) is the name itself.
    starts_here = run.start() > max(0, end - 6) or run.start() == 0
    if starts_here and len(whole) <= 4 and _plausible_name(whole, ends_here=True):
        name: str | None = whole
    else:
        name = _name_before(whole)
    return None if name is None else Finding(end - len(name), end, "PERSON", 0.7, "name_sex")


def _record_number(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    return Finding(m.start("mrn"), m.end("mrn"), "CN_MEDICAL_RECORD_NUMBER", 0.85, "mrn")


def _birth_date(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    return Finding(m.start("dob"), m.end("dob"), "DATE_TIME", 0.75, "date_of_birth")


def _birth_date_before(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    return Finding(m.start(), m.end(), "DATE_TIME", 0.7, "date_of_birth")


def _address(m: re.Match[str], text: str, negative: bool) -> Finding | None:
    if not address.is_valid(m.group()):
        return None
    return Finding(m.start(), m.end(), "LOCATION", 0.7, "address")


_mobile = _checked("PHONE_NUMBER", 0.8, _is_mobile)
_landline = _checked("PHONE_NUMBER", 0.5, phone.is_landline)
# One handler per alternative of the pattern, by the name of its last group.
_HANDLERS: dict[str | None, _Handler] = {
    "long_digits": _long_number,
    "card_groups": _grouped_card,
    "addr_ctx": _address_after_context,
    "addr_road": _address_from_road,
    "ip": _checked("IP_ADDRESS", 0.6, _is_ip),
    "ipv6": _ipv6,
    "mobile": _mobile, "mobile_plus": _mobile, "mobile_00": _mobile,
    "landline": _landline, "landline_paren": _landline,
    "uscc": _checked("CN_USCC", 0.85, uscc.is_valid),
    "passport": _checked("CN_PASSPORT", 0.5, passport.is_valid),
    "hkid": _checked("HK_ID_CARD", 0.8, hk_id.is_valid),
    "email": _checked("EMAIL_ADDRESS", 0.9, lambda value: True),
    "mrn": _record_number,
    "dob": _birth_date,
    "dob_before": _birth_date_before,
    "name": _name_context,
    "sex": _name_sex,
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
    folded = to_halfwidth(text) if _FULL_WIDTH.search(text) else text
    negative = _NEGATIVE.search(folded) is not None
    kept: list[Finding] = []
    for m in _PATTERN.finditer(folded):
        if m.lastgroup == "sex" and kept and kept[-1].end >= m.start() - 2:
            continue  # 患者张三，男: the name before the marker is already found
        f = _HANDLERS[m.lastgroup](m, folded, negative)
        if f is None or f.score < min_score or (wanted is not None and f.entity_type not in wanted):
            continue
        # Matches never overlap; only a name found before ``，男`` reaches back into the last one.
        while kept and kept[-1].end > f.start and kept[-1].score < f.score:
            kept.pop()
        if not kept or kept[-1].end <= f.start:
            kept.append(f)
            if f.recognizer == "name_ctx":
                kept.extend(_listed_names(folded, f.end))
    return kept


def _listed_names(text: str, end: int) -> list[Finding]:
    """Names listed after a found one: 主管护士：黎东、廖辉国."""
    found = []
    while text[end : end + 1] == "、":
        run = _HAN_RUN_AFTER.match(text, end + 1)  # a name ends where the Han text does
        name = _name_after(run.group()) if run is not None else None
        if name is None:
            break
        found.append(Finding(end + 1, end + 1 + len(name), "PERSON", 0.8, "name_list"))
        end += 1 + len(name)
    return found
