"""Tests for medguard.detect.scan_text: entities, spans, hard negatives, quality on notes."""

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import medguard
from medguard.cn import resident_id
from medguard.detect import scan_text
from medguard.testing.synthetic import synthetic_extract


def _found(text, **kw):
    return [(f.entity_type, text[f.start : f.end]) for f in scan_text(text, **kw)]


def test_clinical_note_entities():
    """Names after context words, phones, IDs, addresses, e-mails, MRNs and birth dates."""
    text = (
        "患者张三丰，男，45岁。主治医师：李四。家属王五电话13800138000。"
        "身份证号11010519491231002X，住址：广东省深圳市南山区科技园路18号3栋502。"
        "邮箱zhangsan@163.com，住院号：ZY20250103，出生日期1985-06-15。"
    )
    found = _found(text)
    for item in [("PERSON", "张三丰"), ("PERSON", "李四"), ("PERSON", "王五"),
                 ("PHONE_NUMBER", "13800138000"), ("CN_RESIDENT_ID", "11010519491231002X"),
                 ("LOCATION", "广东省深圳市南山区科技园路18号3栋502"),
                 ("EMAIL_ADDRESS", "zhangsan@163.com"), ("CN_MEDICAL_RECORD_NUMBER", "ZY20250103"),
                 ("DATE_TIME", "1985-06-15")]:  # fmt: skip
        assert item in found


@pytest.mark.parametrize(
    "text",
    [
        "既往高血压病史，白细胞升高，无黄疸。",
        "治疗方案：按常规处理，石膏固定良好。",
        "张力性气胸已行闭式引流。",
        "标本条码110105194912310021已送检。",
        "身份证号110105194912310021",
    ],
)
def test_hard_negatives(text):
    """Medical words starting with a surname, barcodes and IDs with a bad check are not PII."""
    assert scan_text(text) == []


def test_full_width_spans_index_the_original_text():
    """A full-width ID glued to Chinese text is found, and its span indexes the original."""
    text = "证件１１０１０５１９４９１２３１００２Ｘ已核对"
    (finding,) = scan_text(text)
    assert finding.entity_type == "CN_RESIDENT_ID"
    assert text[finding.start : finding.end] == "１１０１０５１９４９１２３１００２Ｘ"


def test_context_raises_and_negative_context_lowers_scores():
    """身份证 before an ID raises its score; 条码 lowers a bare number below the threshold."""
    rid = resident_id.generate(random.Random(3))
    with_context = scan_text(f"身份证号{rid}")[0].score
    without = scan_text(f"编号 {rid}")[0].score
    assert with_context > without
    assert scan_text(f"标本条码{rid}", min_score=0.5) == []


def test_entity_filter_and_front_door():
    """entities= keeps only the asked types; scan_text is on the front door."""
    text = "电话13800138000，邮箱a@b.cn"
    assert [f.entity_type for f in medguard.scan_text(text, entities=["EMAIL_ADDRESS"])] == [
        "EMAIL_ADDRESS"]  # fmt: skip


def test_recall_and_precision_on_synthetic_notes():
    """On 200 generated clinical notes: checksummed IDs, phones and e-mails F1 >= 0.95,
    patient names and addresses recall >= 0.85, and no finding outside the planted values
    except person names."""
    patients, _visits, notes = synthetic_extract(80, seed=7)
    by_id = patients.set_index("patient_id")
    hits = {"CN_RESIDENT_ID": [0, 0], "PHONE_NUMBER": [0, 0], "EMAIL_ADDRESS": [0, 0],
            "PERSON": [0, 0], "LOCATION": [0, 0]}  # fmt: skip
    false_positives = 0
    for note in notes.itertuples():
        p = by_id.loc[note.patient_id]
        planted = {"CN_RESIDENT_ID": p.resident_id, "EMAIL_ADDRESS": p.email, "PERSON": p["name"],
                   "LOCATION": p.address, "PHONE_NUMBER": None}  # fmt: skip
        found = scan_text(note.text)
        spans = {(f.entity_type, note.text[f.start : f.end]) for f in found}
        for entity, value in planted.items():
            if value is not None and value in note.text:
                hits[entity][1] += 1
                hits[entity][0] += (entity, value) in spans
        mobiles = [t for (e, t) in spans if e == "PHONE_NUMBER"]
        hits["PHONE_NUMBER"][1] += note.text.count("电话")  # every planted mobile follows 电话
        hits["PHONE_NUMBER"][0] += len(mobiles)
        values = {v for v in planted.values() if v} | {
            note.inpatient_no if hasattr(note, "inpatient_no") else ""
        }
        for entity, text in spans:
            if entity not in ("PERSON", "PHONE_NUMBER", "CN_MEDICAL_RECORD_NUMBER", "DATE_TIME",
                              "CN_BANK_CARD", "AGE") and text not in values:  # fmt: skip
                false_positives += 1
    recall = {e: found / total for e, (found, total) in hits.items() if total}
    assert recall["CN_RESIDENT_ID"] >= 0.95
    assert recall["EMAIL_ADDRESS"] >= 0.95
    assert recall["PHONE_NUMBER"] >= 0.95
    assert recall["PERSON"] >= 0.85
    assert recall["LOCATION"] >= 0.85
    assert false_positives == 0


def test_names_before_a_sex_marker_and_dictionary_words():
    """A name right before ，男， is found even after other words; a dictionary word is not."""
    assert ("PERSON", "刘洋") in _found("今日收治刘洋，女，32岁。")
    assert ("PERSON", "刘洋") in _found("收治患者刘洋（女）")
    assert _found("诊断：高钾血症，男性多见。") == []
    assert _found("患者安静入睡，家属陪护。") == []


def test_all_digit_uscc_is_found_by_the_long_number_path():
    """An 18-digit USCC (every character a digit) is reported as CN_USCC."""
    from medguard.cn import uscc

    rng = random.Random(5)
    candidates = (f"91110105{rng.randrange(10**8):08d}" for _ in range(5000))
    bodies = (c + uscc.organization_code_check(c[8:16]) for c in candidates)
    values = (b + uscc.check_character(b) for b in bodies)
    value = next(v for v in values if v.isdigit() and uscc.is_valid(v))
    assert ("CN_USCC", value) in _found(f"统一社会信用代码{value}")


_PIECES = ["患者张三，男，", "电话13800138000", "高血压", "，女，", "身份证11010519491231002X",
           "abc@x.cn", "住址：北京市朝阳区建国路8号", "１３８００１３８０００", "李四"]  # fmt: skip


@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_findings_are_sorted_disjoint_and_in_range(parts):
    """Whatever the text, findings are sorted by position, never overlap, and index the text."""
    text = "".join(parts)
    found = scan_text(text)
    assert found == sorted(found)
    for a, b in itertools.pairwise(found):
        assert a.end <= b.start
    for f in found:
        assert 0 <= f.start < f.end <= len(text)


def test_compound_surnames():
    """Names with a compound surname (欧阳, 上官) are found whole, after context or before 男/女."""
    assert ("PERSON", "欧阳明华") in _found("主治医师：欧阳明华，")
    assert ("PERSON", "欧阳明华") in _found("患者欧阳明华，男，")
    assert ("PERSON", "上官婉") in _found("家属上官婉电话13800138000")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("黄海燕，女，9岁，", [("PERSON", "黄海燕")]),  # 黄海 (the Yellow Sea) is a word
        ("今日收治梁海燕（女，48岁）", [("PERSON", "梁海燕")]),  # not the word 海燕
        ("患者王国凯，男，49岁", [("PERSON", "王国凯")]),  # 王国 (kingdom) is a word
        ("姓名：商海燕  性别：男", [("PERSON", "商海燕")]),
        ("患者濮阳建之母李莹代诉病史", [("PERSON", "濮阳建"), ("PERSON", "李莹")]),
        ("患者杨娟婷之母夏侯志代诉病史", [("PERSON", "杨娟婷"), ("PERSON", "夏侯志")]),
        ("于林刚，男，63岁", [("PERSON", "于林刚")]),  # a run after punctuation is the name
        ("患者黄疸重，皮肤黄染", []),  # 黄疸 is clinical: no name starts with it
        ("患者方可出院，门诊随访", []),
    ],
)
def test_names_whose_first_characters_are_a_word(text, expected):
    """A name that starts with a general word (黄海, 王国) is found where its end is clear; one
    that starts with a clinical word (黄疸) never is."""
    assert _found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("由李医生查房", []),  # "Dr Li": a bare surname before a role word is no name
        ("张某，男，", []),  # already de-identified
        ("患者单于鹏，男", [("PERSON", "单于鹏")]),  # the compound surname 单于 is not cut at 于
        ("患者1985年6月出生", [("DATE_TIME", "1985年6月")]),
        ("主管护士：黎东、廖辉国", [("PERSON", "黎东"), ("PERSON", "廖辉国")]),
        ("主管护士：张龙阳、邓伟  病案号", [("PERSON", "张龙阳"), ("PERSON", "邓伟")]),
        ("主管护士：莫欣、谭萍\n证件号", [("PERSON", "莫欣"), ("PERSON", "谭萍")]),
        ("主管护士：杨志强、罗荣；", [("PERSON", "杨志强"), ("PERSON", "罗荣")]),
        ("患者黄阳之母赵淑华代诉病史", [("PERSON", "黄阳"), ("PERSON", "赵淑华")]),
    ],
)
def test_name_and_birth_date_edge_cases(text, expected):
    """Role words, anonymized names, compound surnames, name lists and birth dates before 出生."""
    assert _found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("登录IP：2001:db8::1，", [("IP_ADDRESS", "2001:db8::1")]),
        ("服务器fe80::1ff:fe23:4567:890a登录", [("IP_ADDRESS", "fe80::1ff:fe23:4567:890a")]),
        (
            "IP 2001:0db8:85a3:0000:0000:8a2e:0370:7334。",
            [("IP_ADDRESS", "2001:0db8:85a3:0000:0000:8a2e:0370:7334")],
        ),
        ("08:30:45查房", []),  # a time
        ("MAC 00:1A:2B:3C:4D:5E", [("MAC_ADDRESS", "00:1A:2B:3C:4D:5E")]),  # not IPv6
        ("稀释比例1:1000", []),
        ("编号a2001:db8::1", []),  # glued to a longer word
    ],
)
def test_ipv6_addresses(text, expected):
    """IPv6 addresses are found (full and compressed forms); times, MACs and ratios are not."""
    assert _found(text) == expected


@given(st.ip_addresses(v=6))
def test_any_ipv6_address_in_chinese_text_is_found_whole(address):
    """Any IPv6 address written between Chinese words is reported with its exact span."""
    value = str(address)
    text = f"登录地址{value}，已记录"
    if "." in value or value.startswith("::"):  # IPv4-mapped and leading-'::' forms not covered
        return
    assert _found(text) == [("IP_ADDRESS", value)]


@pytest.mark.parametrize(
    "text",
    [
        "患者张口受限，伴牙痛。", "患者韩国籍，女，32岁。", "患者安返病房，生命体征平稳。",
        "患者雷贝拉唑肠溶片20mg qd。", "患者孔雀绿染色阳性。", "患者杜冷丁肌注后疼痛缓解。",
        "患者由家属陪同，步行入院。", "患者伍德灯检查阴性。", "患者卢戈液染色。",
        "患者施万细胞瘤术后", "患者平卧位", "患者易栓症", "患者康复出院", "患者宁夏人",
        "患者高热不退", "患者明显无力", "患者黄染于3天前出现", "患者黄疸重于前",
        "经治医生向家属交代病情。", "家属：同意。", "联系人：单位", "签字：本人拒绝签字",
    ],
)  # fmt: skip
def test_drugs_symptoms_and_words_after_patient_are_no_names(text):
    """After 患者 a drug, a symptom or a word that starts with a surname is not a name."""
    assert _found(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("患者王五诉头痛", "王五"), ("患者赵六既往体健", "赵六"), ("患者王俊一般情况可", "王俊"),
        ("患者王小明出院后随访", "王小明"), ("患者李四今日复查", "李四"),
        ("病人刘芳因发热就诊", "刘芳"), ("患儿陈子涵由家长陪同", "陈子涵"),
        ("患者欧阳明华自述胸闷", "欧阳明华"), ("患者李雷头痛3天", "李雷"),
        ("患者黄海燕平素体健", "黄海燕"), ("患者王国凯近期体重下降", "王国凯"),
        ("患者刘洋无发热", "刘洋"), ("患者孙伟明天出院", "孙伟"), ("护士长刘敏查房", "刘敏"),
        ("药师李娜审核处方", "李娜"), ("护师王芳执行医嘱", "王芳"), ("助手张伟协助手术", "张伟"),
    ],
)  # fmt: skip
def test_names_after_patient_followed_by_what_follows_names(text, name):
    """A name right after 患者 is found when what follows it is what follows names in notes."""
    assert _found(text) == [("PERSON", name)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("住址：学府大道984号19栋906室。", [("LOCATION", "学府大道984号19栋906室")]),
        ("现住长江路297号。", [("LOCATION", "长江路297号")]),
        (
            "登录IP：240e:ece:bf53::52a\n证件号：１５０４３０２",
            [("IP_ADDRESS", "240e:ece:bf53::52a")],
        ),
        ("地址：不详", []),
        ("现住院治疗", []),
    ],
)
def test_addresses_from_the_road_and_ipv6_after_a_folded_colon(text, expected):
    """After 住址 an address may start at its road (with a house number); an IPv6 address after
    IP： is found even when full-width digits elsewhere make the text fold ： to ':'."""
    assert _found(text) == expected


def test_an_address_under_a_district_the_table_lacks_still_counts_by_its_road():
    """住址：郊区胜利街917号… has no district the region table knows, but a road and a number."""
    text = "住址：郊区胜利街917号12栋1804室。"
    assert _found(text) == [("LOCATION", "郊区胜利街917号12栋1804室")]
