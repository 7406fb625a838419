"""The scanner's speed devices change no finding: each is checked against the plain form it
replaces, on texts built from the pieces they are about (digits and separators, context words,
e-mail and URL markers, full-width characters, negative context words)."""

import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.cn import resident_id
from medguard.cn.normalize import to_halfwidth
from medguard.detect import scan_text
from medguard.detect import text as engine

_PIECES = (
    "患者", "张三", "，男，", "45岁", "主治医师：", "李四", "家属", "电话", "13800138000",
    "138 0013 8000", "+86 138-0013-8000", "0086", "010-65528888", "(010)6552 8888", "转", "8021",
    "身份证号", "11010519491231002X", "110105 19491231 002X", "6222 0212 3456 7890 128",
    "6216616222975119647", "住址：", "广东省深圳市南山区科技园路18号3栋502", "住院号：ZY2025",
    "出生日期", "1985-06-15", "1985年6月", "生于", "19941112", "出生", "87年3月9日生",
    "zhangsan@163.com", "liu#qq.com", "tyx2008（at）126.com", "zhang at 163 dot com", "艾特",
    "http://x.cn/a", "www.medguard.cn", "WWW.x.org", "192.168.1.10", "fe80::1", "00:1A:2B:3C:4D:5E",
    "条码", "标本号", "流水号", "10余年", "88次/分", "3级", "5mg", "2.5", "ALT 25U/L", "95岁",
    "0a:1b:2c:3d:4e:5f", "1F-2E-3D-4C-5B-6A", "0755 8888 9999", "138-0013-8000", "62%",
    "102周岁", "1999/9/21", "1991.01.28", "28/01/1991出生", "1999/9/21生，",
    "９１３５０１００Ｍ０００１００Ｙ４３", "１３８００１３８０００", "Ｅ12345678", "G38476215",
    "A123456(7)", "QQ：12345678", "微信号：wx_abc123", "车牌号：京A12345", "9", "1", "0",
    "０", "＠", "　", " ", "\t", "\n", "/", "-", ".", ":", "（", "）", "、", "。",
)  # fmt: skip
_TEXTS = st.lists(
    st.one_of(st.sampled_from(_PIECES), st.text(alphabet="0123456789 -./年月日岁", max_size=8)),
    max_size=14,
).map("".join)


def _matches(pattern: re.Pattern[str], text: str) -> list[tuple[str | None, tuple[int, int]]]:
    return [(m.lastgroup, m.span(m.lastgroup or 0)) for m in pattern.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_lean_pattern_finds_the_same_without_mail_markers(text):
    """Texts with nothing an e-mail or URL needs: the pattern without them matches the same."""
    folded, _, mail = engine._marked(text)
    if not mail:
        assert _matches(engine._LEAN_PATTERN, folded) == _matches(engine._PATTERN, folded)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_digit_gate_skips_nothing_that_matches(text):
    """The look-ahead at the first digit of a number drops no match of the ASCII-led branches."""
    folded = to_halfwidth(text)
    for pattern, mail in ((engine._PATTERN, True), (engine._LEAN_PATTERN, False)):
        gate = engine._digit_gate(mail=mail)
        assert gate in pattern.pattern
        ungated = re.compile(pattern.pattern.replace(gate, ""))
        assert _matches(pattern, folded) == _matches(ungated, folded)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_markers_say_what_the_plain_searches_say(text):
    """One pass over the markers gives the fold, the negative context and the mail markers."""
    wide = re.search(f"[{engine._WIDE}]", text) is not None
    folded = to_halfwidth(text) if wide else text
    negative = engine._NEGATIVE.search(folded) is not None
    mail = any(marker in folded for marker in engine._AT_MARKERS)
    assert engine._marked(text) == (folded, negative, mail)
    assert (engine._MARKERS.search(text) is None) == (not wide and not negative and not mail)


def test_scan_with_and_without_markers():
    """Findings of texts that take the lean pattern and of those that take the full one."""
    text = "患者张三，男，电话13800138000。"
    assert [(f.entity_type, text[f.start : f.end]) for f in scan_text(text)] == [
        ("PERSON", "张三"), ("PHONE_NUMBER", "13800138000")]  # fmt: skip
    text += "邮箱zhangsan@163.com，条码13800138000"
    found = [(f.entity_type, text[f.start : f.end], f.score) for f in scan_text(text)]
    assert ("EMAIL_ADDRESS", "zhangsan@163.com", 0.9) in found
    assert found[-1][0] == "PHONE_NUMBER"
    assert found[-1][2] < 0.8  # after 条码: lowered


def _words_plain(words):
    """The word alternation as it was written before the tree: longest first, one look-behind
    per word on its first two characters."""
    by_second: dict[str, list[str]] = {}
    for word in sorted(set(words), key=lambda w: (-len(w), w)):
        by_second.setdefault(word[1], []).append(word)
    branches = "|".join(
        re.escape(second)
        + "(?:"
        + "|".join(f"(?<={re.escape(w[:2])}){re.escape(w[2:])}" for w in group)
        + ")"
        for second, group in by_second.items()
    )
    firsts = "".join(dict.fromkeys(w[0] for group in by_second.values() for w in group))
    return firsts, f"(?:{branches})"


_WORD_CHARS = "患者姓名家属医师生号码院主任护士长签字人员子女夫妻母父亲代述诉陪同审核检验报告"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet=_WORD_CHARS, min_size=2, max_size=5), min_size=1, max_size=80),
    st.text(alphabet=_WORD_CHARS + "：X", max_size=40),
)  # fmt: skip
def test_word_tree_matches_as_the_plain_alternation(words, text):
    """The literal tree of a word list (its second characters halved behind class tests when
    there are many) matches what the plain alternation matches, and the longest word wins,
    also when what follows the word decides (here: a colon)."""
    tree, plain = engine._words(words), _words_plain(words)
    assert set(tree[0]) == set(plain[0])
    for first, rest in (tree, plain):
        assert re.compile(f"[{first}](?:{rest})").pattern
    found = [
        [m.span() for m in re.finditer(f"[{re.escape(first)}](?:{rest})(?=：|$)", text)]
        for first, rest in (tree, plain)
    ]
    assert found[0] == found[1]


def test_name_context_words_as_a_tree():
    """The context words of names (over 100 second characters: halved) as a tree match
    where the plain alternation matches, on the sentences of the detection tests."""
    tree, plain = engine._words(engine._NAME_CONTEXT), _words_plain(engine._NAME_CONTEXT)
    assert "(?![" in tree[1]  # halved
    patterns = [re.compile(f"[{re.escape(f)}](?:{r})(?=[:：])") for f, r in (tree, plain)]
    text = "".join(_PIECES) + "经治医生：上级医师签名：患者姓名：其女儿：病史陈述者：授权委托人："
    assert [m.span() for m in patterns[0].finditer(text)] == [
        m.span() for m in patterns[1].finditer(text)
    ]
    assert len(list(patterns[0].finditer(text))) >= 6


def test_adjusted_scores_are_the_rounded_sums():
    """The cached score adjustments equal the arithmetic they replace."""
    for base in (0.45, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9):
        for raised in (False, True):
            for lowered in (False, True):
                score = base + (0.2 if raised else 0) - (0.4 if lowered else 0)
                expected = base if score == base else max(0.0, min(1.0, round(score, 2)))
                assert engine._adjusted(base, raised, lowered) == expected


def test_resident_id_check_character_in_base_13():
    """kind_of accepts a payload with its check character and no other (the check is read
    from the digits in base 13)."""
    rng = random.Random(7)
    for _ in range(2000):
        payload = "".join(rng.choice("0123456789") for _ in range(17))
        right = resident_id.check_character(payload)
        for check in "0123456789X":
            if resident_id.kind_of(payload + check) is not None:
                assert check == right
    for _ in range(200):
        number = resident_id.generate(rng)
        assert resident_id.kind_of(number) == resident_id.parse(number).kind
