"""Find personal data in free text (clinical notes, remarks, messages): :func:`scan_text`.

One pass of a few compiled patterns finds candidates; checksummed identifiers are then
validated with :mod:`medguard.cn` (a resident ID with a bad check character or an impossible
date, or an 18-digit specimen barcode, is not reported), and context words near a candidate
raise or lower its score. Full-width characters are folded one-for-one before matching, so
every span indexes the original text. No pattern relies on ``\\b``, which is no boundary between
a Chinese character and a digit: digit and letter look-arounds are used instead.

Entity types follow Presidio: ``PERSON``, ``PHONE_NUMBER``, ``EMAIL_ADDRESS``, ``LOCATION``,
``IP_ADDRESS``, ``DATE_TIME`` and ``CN_RESIDENT_ID``, ``CN_BANK_CARD``, ``CN_PASSPORT``,
``CN_USCC``, ``CN_HMT_PERMIT``, ``HK_ID_CARD``, ``CN_MEDICAL_RECORD_NUMBER``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable

from medguard.cn import address, bank_card, hk_id, names, passport, phone, resident_id, uscc
from medguard.cn.normalize import to_halfwidth
from medguard.detect.finding import Finding

__all__ = ["ENTITY_TYPES", "scan_text"]

ENTITY_TYPES = (
    "CN_BANK_CARD", "CN_HMT_PERMIT", "CN_MEDICAL_RECORD_NUMBER", "CN_PASSPORT",
    "CN_RESIDENT_ID", "CN_USCC", "DATE_TIME", "EMAIL_ADDRESS", "HK_ID_CARD", "IP_ADDRESS",
    "LOCATION", "PERSON", "PHONE_NUMBER",
)  # fmt: skip

_HAN = r"\u4e00-\u9fff"
_NAME_CONTEXT = (
    "患者|病人|姓名|主治医师|住院医师|主任医师|副主任医师|医师|医生|护士|责任护士|家属|"
    "其子|其女|其夫|其妻|配偶|联系人|监护人|签名|经治医生|患儿"
)
# Medical words that start with a surname character: never names.
_NOT_NAMES = frozenset(
    (  # noqa: SIM905 - a word list reads best as text
        "高血压 白细胞 黄疸 方案 常规 石膏 张力 张力性 万古 安静 安全 于是 "
        "石膏固定 高热 高危 白蛋白 黄体 金黄色 葛根 方法 江南 田间 林间 "
        "高血糖 高血脂 毛发 钱币 童年 苏醒 凌晨 程度 余下 史料 陶瓷 谢谢 "
        "胡言 孔洞 曲线 房颤 车祸 包块 向上 明显 时间 管理 关节 "
    ).split()
)
_NEGATIVE_CONTEXT = ("条码", "标本号", "订单号", "流水号", "批号", "编号规则", "样本号")

_PATTERNS: list[tuple[str, str]] = [
    ("email", r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@"
              r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    ("long_digits", r"(?<![0-9A-Za-z])\d{15,19}[Xx]?(?![0-9A-Za-z])"),
    ("mobile", r"(?<![0-9])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9])"),
    ("landline", r"(?<![0-9])\(?0\d{2,3}\)?[ -]?[2-9]\d{6,7}(?![0-9])"),
    ("uscc", r"(?<![0-9A-Z])[0-9ANY][0-9A-HJ-NPQRTUWXY]\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])"),
    ("passport", r"(?<![0-9A-Za-z])(?:E[0-9A-HJ-NP-Z]\d{7}|[EG]\d{8}|[DSP]E\d{7}|[HM]\d{8})"
                 r"(?![0-9A-Za-z])"),
    ("hkid", r"(?<![0-9A-Za-z])[A-Z]{1,2}\d{6}\([0-9A]\)"),
    ("ip", r"(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9.])"),
    ("mrn", r"(?:住院号|门诊号|病案号|病历号|就诊号|ID号)[:：\s]*"
            r"(?P<mrn>[A-Z0-9]{5,15})(?![0-9A-Z])"),
    ("dob", r"(?:出生日期|出生于|生日|出生)[:：\s]*"
            r"(?P<dob>\d{4}(?:年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2}))"),
    ("name_ctx", rf"(?:{_NAME_CONTEXT})[:：\s]*(?P<name>[{_HAN}]{{2,4}})"),
    ("name_sex", rf"(?<![{_HAN}])(?P<name2>[{_HAN}]{{2,4}})"
                 r"[，,、（(]\s*(?:男|女)(?:性)?[，,、）)]"),
    ("address", rf"(?P<addr>(?:[{_HAN}]{{2,8}}(?:省|自治区)|北京市|上海市|天津市|重庆市)"
                rf"[{_HAN}]{{1,12}}?(?:市|州|盟|区|县|旗)[{_HAN}0-9]{{0,20}}?"
                rf"(?:[{_HAN}]{{1,10}}?(?:路|街|巷|村|道)(?:\d+号)?|\d+号)"
                rf"(?:\d+(?:栋|幢|号楼))?(?:\d+单元)?(?:\d+室?)?)"),
]  # fmt: skip
_COMBINED = re.compile("|".join(f"(?P<{name}_>{pattern})" for name, pattern in _PATTERNS))

_CONTEXT_WORDS = {
    "CN_RESIDENT_ID": ("身份证", "证件号", "身份证号"),
    "PHONE_NUMBER": ("电话", "手机", "联系方式", "联系电话", "Tel", "tel"),
    "CN_BANK_CARD": ("银行卡", "卡号", "账号", "医保卡"),
    "CN_PASSPORT": ("护照", "通行证"),
    "CN_HMT_PERMIT": ("居住证", "通行证"),
}


# Characters that end a name in running text (电话, 因..., 男/女, 岁, 主诉, 入院, ...).
_NAME_STOP = frozenset("电话手机因于在的是等男女年岁主诉入院术患查房嘱签字同意及和与称述联系来今昨")


# Words that follow a name in notes (患者王俊一般情况可): the name ends before them.
_NAME_STOP_WORDS = ("一般", "出现", "自述", "神志", "精神", "病情", "体温", "今日", "诉", "无明显")


def _name_ok(candidate: str) -> str | None:
    """Trim a candidate to a plausible name (known surname, not a medical word)."""
    for i, ch in enumerate(candidate[1:], start=1):
        if ch in _NAME_STOP:
            candidate = candidate[:i]
            break
    for word in _NAME_STOP_WORDS:
        at = candidate.find(word, 2)
        if at >= 2:
            candidate = candidate[:at]
    for length in (4, 3, 2):
        text = candidate[:length]
        if len(text) < 2 or any(text.startswith(w) or w.startswith(text) for w in _NOT_NAMES):
            continue
        surname, given = names.split_name(text)
        known = surname in names.SURNAMES or surname in names.COMPOUND_SURNAMES
        if known and 1 <= len(given) <= 2:
            return text
    return None


def _score(base: float, text: str, start: int, entity: str) -> float:
    window = text[max(0, start - 12) : start]
    score = base
    if any(word in window for word in _CONTEXT_WORDS.get(entity, ())):
        score += 0.2
    if any(word in window for word in _NEGATIVE_CONTEXT):
        score -= 0.4
    return max(0.0, min(1.0, round(score, 2)))


def _long_digits(value: str) -> list[tuple[str, float]]:
    if resident_id.is_valid(value):
        parsed = resident_id.parse(value)
        kind = "CN_HMT_PERMIT" if parsed.kind == "hmt_permit" else "CN_RESIDENT_ID"
        return [(kind, 0.85)]
    if value.isdigit() and bank_card.is_valid(value):
        return [("CN_BANK_CARD", 0.6 if value.startswith("62") else 0.45)]
    return []


def _checked(kind: str, value: str) -> list[tuple[str, float]]:
    checks: dict[str, Callable[[str], list[tuple[str, float]]]] = {
        "email": lambda v: [("EMAIL_ADDRESS", 0.9)],
        "long_digits": _long_digits,
        "mobile": lambda v: [("PHONE_NUMBER", 0.8)] if phone.is_mobile(v) else [],
        "landline": lambda v: [("PHONE_NUMBER", 0.5)] if phone.is_landline(v) else [],
        "uscc": lambda v: [("CN_USCC", 0.85)] if uscc.is_valid(v) else [],
        "passport": lambda v: [("CN_PASSPORT", 0.5)] if passport.is_valid(v) else [],
        "hkid": lambda v: [("HK_ID_CARD", 0.8)] if hk_id.is_valid(v) else [],
        "ip": lambda v: [("IP_ADDRESS", 0.6)] if _is_ip(v) else [],
    }
    return checks[kind](value)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def _findings(text: str) -> Iterable[Finding]:
    folded = to_halfwidth(text)  # one character for one: spans stay valid in ``text``
    for m in _COMBINED.finditer(folded):
        kind = (m.lastgroup or "")[:-1]
        if kind == "mrn":
            yield Finding(m.start("mrn"), m.end("mrn"), "CN_MEDICAL_RECORD_NUMBER", 0.85, "mrn")
        elif kind == "dob":
            yield Finding(m.start("dob"), m.end("dob"), "DATE_TIME", 0.75, "date_of_birth")
        elif kind in ("name_ctx", "name_sex"):
            group = "name" if kind == "name_ctx" else "name2"
            name = _name_ok(m.group(group))
            if name is not None:
                score = 0.85 if kind == "name_ctx" else 0.7
                yield Finding(m.start(group), m.start(group) + len(name), "PERSON", score, kind)
        elif kind == "address":
            if address.is_valid(m.group("addr")):
                yield Finding(m.start("addr"), m.end("addr"), "LOCATION", 0.7, "address")
        else:
            for entity, base in _checked(kind, m.group(0)):
                score = _score(base, folded, m.start(), entity)
                yield Finding(m.start(), m.end(), entity, score, kind)


def scan_text(
    text: str, *, entities: Iterable[str] | None = None, min_score: float = 0.3
) -> list[Finding]:
    """Personal data found in ``text``, sorted by position; spans index ``text`` itself.

    ``entities`` keeps only those types; ``min_score`` drops weaker findings (a candidate right
    after 条码 or 标本号 loses score). Overlapping findings keep the higher-scoring one.
    """
    wanted = set(entities) if entities is not None else None
    found = [
        f for f in _findings(text)
        if f.score >= min_score and (wanted is None or f.entity_type in wanted)
    ]  # fmt: skip
    found.sort(key=lambda f: (-f.score, f.start))
    kept: list[Finding] = []
    for f in found:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept)
