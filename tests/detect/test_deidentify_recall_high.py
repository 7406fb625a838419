"""``recall="high"``: the candidate-name pass flags what might be a name, but not words of
speech, field labels, a turn's opener or the verb after a name (hand-written sentences)."""

from __future__ import annotations

import pytest

from medguard import deidentify_text


def _tagged(text: str) -> str:
    out, _report = deidentify_text(text, recall="high", mode="tag")
    assert isinstance(out, str)
    return out


@pytest.mark.parametrize(
    "text",
    [
        "患病多久： 半年内\n过敏史： 无（2022-03-01）",  # a label at a line start
        "医生：过敏体质加上局部慢性炎症，先用药观察。",  # a clinical word after a speaker
        "患者：那孩子母亲呢，纯母乳的吗？",  # words of speech after a speaker
        "好的，谢谢您了，您自己也注意安全\n医生：症状不太像感冒。",  # no span crosses a line
        "我去问过心里医生，有点抑郁。",  # 过心里 before 医生 is speech
    ],
)
def test_no_name_in_speech_labels_or_clinical_words(text: str) -> None:
    assert _tagged(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("病人：\n谢谢温雅主任。请问还要复查吗", "病人：\n谢谢[姓名]主任。请问还要复查吗"),
        ("患者副反应轻。其子韩磊签署知情同意书。", "患者副反应轻。其子[姓名]签署知情同意书。"),
        ("意识不清，病史由其妻石磊提供。", "意识不清，病史由其妻[姓名]提供。"),
        ("患者王国，男，45岁。", "患者[姓名]，男，45岁。"),
        ("参加讨论人员：王伟、李娜、张强。", "参加讨论人员：[姓名]、[姓名]、[姓名]。"),
        ("张主任查房后指示继续观察。", "[姓名]主任查房后指示继续观察。"),
    ],
)
def test_names_keep_their_own_bounds(text: str, expected: str) -> None:
    assert _tagged(text) == expected


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("患儿家长：孩子发烧三天了", []),  # a role after 患儿, not a name (round 4's set: 11 FPs)
        ("患者本人签字", []),
        ("经刘洋医生诊治后好转", ["刘洋"]),  # 经 leads the name in
        ("请王主任会诊", ["王"]),
        ("向华强医生", ["向华强"]),  # 向 is a surname too: kept whole
        ("家属：张伟", ["张伟"]),
    ],
)
def test_recall_candidates_leave_roles_and_leading_words(text: str, names: list[str]) -> None:
    from medguard.detect._deid_find import recall_hits

    assert [text[h.start : h.end] for h in recall_hits(text)] == names
