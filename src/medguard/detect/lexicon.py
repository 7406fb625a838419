"""Common words that start with a surname character, from jieba's segmentation dictionary.

A run of Han characters after 患者 or before ``，男，`` is a name only if it is not an ordinary
word: 高血压, 白细胞, 方案, 常规 and 石膏 all start with a surname. jieba ships a dictionary
(``jieba/dict.txt``) of about 350,000 words with frequencies and part-of-speech tags, with no
download. The words of two to four characters that start with a surname, are frequent enough,
and are not tagged as person names (``nr``, ``nrfg``, ``nrt``) form :func:`common_words`. It is
read once, lazily, on the first name candidate (about 0.4 s), and then costs a few set lookups
per candidate.

:data:`MEDICAL_WORDS` adds clinical words that jieba lacks or tags as names (杨梅舌, 安静, 毛发).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from medguard.cn import names, regions

__all__ = [
    "MEDICAL_WORDS",
    "MIN_FREQUENCY",
    "common_words",
    "is_city",
    "is_common_word",
    "is_county",
    "is_two_char_word",
    "is_word",
]

#: jieba frequency from which a dictionary word counts as an ordinary word.
MIN_FREQUENCY = 10

_PERSON_TAGS = frozenset({"nr", "nrfg", "nrt"})

#: Clinical words starting with a surname character that jieba lacks or tags as names.
MEDICAL_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads best as text
        "张力 张力性 万古 万古霉素 杨梅舌 安静 毛发 石膏托 石膏固定 房颤 包块 胡萝卜素 马尿酸 "
        "高钾 高钠 高钙 高热 高危 高龄 高尿酸 白蛋白 黄体 金黄色 葛根 钟表 叶酸 孙氏 史氏 "
        "雷诺 华法林 贝伐 罗红霉素 柯萨奇 巴氏 钱氏 余量 车祸 管型 关节 明显 时间 向上 "
        "程度 余下 凌晨 苏醒 童年 谢谢 胡言 孔洞 曲线 方法 常规 方案 黄疸 高血压 白细胞 "
        "陈旧 陈旧性 易激 易激惹 毛细 毛细血管 黄染 白苔 钟摆 全身 全血 全麻 伍用 于今 "
        # frequent words jieba tags as person names (nr), so common_words() leaves them out
        "康复 冷汗 明白 胡说 安抚 许可 陈述 呼唤 宁可 诸如 齐全"
    ).split()
)


@cache
def common_words() -> frozenset[str]:
    """Ordinary words of 2-4 characters starting with a surname character (jieba + medical)."""
    starts = {s[0] for s in names.SURNAMES} | {s[0] for s in names.COMPOUND_SURNAMES}
    words: set[str] = set(MEDICAL_WORDS)
    dictionary = resources.files("jieba").joinpath("dict.txt").read_text("utf-8")
    for line in dictionary.splitlines():
        parts = line.split()
        if len(parts) < 3 or not 2 <= len(parts[0]) <= 4 or parts[0][0] not in starts:
            continue
        word, freq, tag = parts[0], parts[1], parts[2]
        if tag not in _PERSON_TAGS and int(freq) >= MIN_FREQUENCY:
            words.add(word)
    return frozenset(words)


def is_common_word(candidate: str) -> bool:
    """True when ``candidate`` or its first 2-3 characters are an ordinary word, not a name."""
    words = common_words()
    if candidate[:2] in names.COMPOUND_SURNAMES:  # 欧阳 and 上官 are words too, but not here
        return candidate[:3] in words or candidate[:4] in words
    return candidate[:2] in words or candidate[:3] in words or candidate[:4] in words


def is_word(candidate: str) -> bool:
    """True when ``candidate`` as a whole is an ordinary word, or starts with a clinical one.

    For a candidate whose end is known (a table cell, the text before ``，男``, a field value
    followed by a space or punctuation): 黄海燕 and 王国凯 are names although 黄海 and 王国 are
    words, while 黄疸重 still starts with the clinical word 黄疸. In running text, where the end
    is not known, :func:`is_common_word` applies.
    """
    if candidate in common_words():
        return True
    return candidate[:2] in MEDICAL_WORDS or candidate[:3] in MEDICAL_WORDS


@cache
def _two_char_words() -> frozenset[str]:
    """Every two-character word of jieba's dictionary as frequent as :data:`MIN_FREQUENCY`,
    whatever its first character and tag (孩子, 一些, 心里)."""
    dictionary = resources.files("jieba").joinpath("dict.txt").read_text("utf-8")
    words = set()
    for line in dictionary.splitlines():
        parts = line.split(" ", 2)
        if (
            len(parts) >= 2
            and len(parts[0]) == 2
            and parts[1].isdigit()
            and int(parts[1]) >= MIN_FREQUENCY
        ):
            words.add(parts[0])
    return frozenset(words)


def is_two_char_word(candidate: str) -> bool:
    """True when the two characters of ``candidate`` are an ordinary word (孩子, 心里).

    For the given name after a surname that is also a function word (那孩子, 过心里, 有一些):
    the dictionary is read on the first call only (about 0.3 s).
    """
    return candidate in _two_char_words()


@cache
def _divisions() -> tuple[frozenset[str], frozenset[str]]:
    """(prefecture-level names, county-level names) of the GB/T 2260 divisions in use.

    Names of two characters ending in 区 (城区, 郊区, 矿区) are ordinary words and left out.
    A county that became a county-level city keeps its former name (会理县, now 会理市: people
    still write it): a retired code of the same prefecture named as the city with 县 for 市.
    """
    cities: set[str] = set()
    counties: set[str] = set()
    for code in regions.CURRENT_COUNTY_CODES:
        county = regions.name_of(str(code))
        city = regions.name_of(str(code)[:4] + "00")
        if county and not (len(county) == 2 and county[1] == "区"):
            counties.add(county)
        if county and county.endswith("市") and len(county) >= 3:
            former = county[:-1] + "县"
            prefecture = str(code)[:4]
            if any(regions.name_of(f"{prefecture}{n:02d}") == former for n in range(1, 100)):
                counties.add(former)
        if city and city not in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            cities.add(city)
            if city.endswith("自治州"):  # written short: 凉山州, 黔东南州, 西双版纳州
                cities.update(city[:n] + "州" for n in (2, 3, 4) if "族" not in city[: n + 1])
    return frozenset(cities), frozenset(counties)


def is_city(name: str) -> bool:
    """True when ``name`` is a prefecture-level division (南宁市, 大理白族自治州, 大理州)."""
    return name in _divisions()[0]


def is_county(name: str) -> bool:
    """True when ``name`` is a county-level division (宾川县, 青秀区, 晋江市)."""
    return name in _divisions()[1]
