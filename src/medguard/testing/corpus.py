"""A labeled corpus for measuring scanners: clinical notes with gold spans, tables with labels.

Every value comes from a generator: :mod:`medguard.cn` for what must validate (resident IDs,
mobiles of allocated segments, Luhn-valid cards, USCCs, passports, Hong Kong IDs, addresses
whose province, city and district exist, names with a surname from the table) and Faker's
``zh_CN`` provider for more names and e-mail addresses (Faker comes with the ``demo`` extra).
The same seed always gives the same corpus.

- :func:`labeled_notes`: clinical notes assembled from sentence templates (admission notes,
  ward rounds, contacts, identity documents, payments, addresses, record numbers, dates of birth,
  report footers), each with its gold :class:`Span` list. Entity types are Presidio's names, as
  :data:`medguard.detect.ENTITY_TYPES` lists them. About a third of the sentences are hard
  negatives that hold no personal data at all.
- :func:`hard_negatives`: sentences with no gold span that a scanner must stay silent on:
  medical words that start with a surname character right after 患者 (高血压, 白细胞, 黄疸,
  石膏托, 张力性气胸, 万古霉素, ...), 18-digit specimen barcodes after 条码, resident IDs with a
  wrong check character or an impossible date, lab values, blood pressures, doses, and dates that
  are not dates of birth.
- :func:`labeled_table`: a patient extract as a pandas DataFrame and the entity type each
  column holds (``None`` for clean columns), with Chinese or English headers, a free-text remarks
  column and a mostly clean column holding one rare resident ID (:data:`RARE_COLUMNS`).

:mod:`medguard.testing.quality` scores a scanner against the gold spans.

>>> from medguard.testing.corpus import labeled_notes
>>> note = labeled_notes(1, seed=3)[0]
>>> all(note.text[s.start : s.end] for s in note.spans)
True
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import os
import random
import string
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from medguard.cn import address, bank_card, hk_id, names, passport, phone, resident_id, uscc
from medguard.errors import InvalidArgument, MissingDependency

if TYPE_CHECKING:
    import pandas as pd
    from faker import Faker

__all__ = [
    "NEGATIVE_TEMPLATES",
    "RARE_COLUMNS",
    "SENTENCE_TEMPLATES",
    "VARIANT_TEMPLATES",
    "LabeledText",
    "Part",
    "Span",
    "hard_negatives",
    "labeled_notes",
    "labeled_table",
    "planted_set",
    "sentences",
    "write_jsonl",
]


class Span(NamedTuple):
    """A gold span: ``text[start:end]`` holds personal data of ``entity_type``."""

    start: int
    end: int
    entity_type: str


class Part(NamedTuple):
    """The sentence template that produced ``text[start:end]`` (to tell which template failed)."""

    start: int
    end: int
    template: str


#: One piece of a planted text: the words, their entity type (None: carrier text) and the value
#: a structured column would hold for them (the ``canonical`` form).
Planted = tuple[str, str | None, Any]


def planted_set(
    families: Sequence[tuple[str, str, Callable[[random.Random], Iterable[Planted]]]],
    negative: Callable[[random.Random], tuple[str, Iterable[Planted]]],
    *,
    seed: int,
    n: int,
) -> list[dict[str, object]]:
    """The items of a labeled JSON Lines set with planted values, deterministic for ``seed``.

    ``families`` are ``(family, genre, make)``: ``make(rng)`` gives a text's pieces; every fourth
    item is ``negative(rng)``'s ``(genre, pieces)`` instead (public text alone, family
    ``no_pii``), so false positives count. Each item is ``{"text", "spans": [[start, end,
    type]], "canonical", "genre", "family"}``.
    """
    rng = random.Random(seed)  # noqa: S311 - synthetic test data, reproducible by seed
    items: list[dict[str, object]] = []
    for i in range(n):
        if i % 4 == 3:
            genre, parts = negative(rng)
            family = "no_pii"
        else:
            family, genre, make = families[rng.randrange(len(families))]
            parts = make(rng)
        text, spans, canonical = "", [], []
        for piece, entity, value in parts:
            if entity is not None:
                spans.append([len(text), len(text) + len(piece), entity])
                canonical.append(value)
            text += piece
        items.append({"text": text, "spans": spans, "canonical": canonical,
                      "genre": genre, "family": family})  # fmt: skip
    return items


def write_jsonl(items: Iterable[Mapping[str, object]], path: str | os.PathLike[str]) -> None:
    """Write ``items`` as JSON Lines (UTF-8, Chinese unescaped), one item per line."""
    with open(path, "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")


@dataclass(frozen=True)
class LabeledText:
    """A text, its gold spans (sorted, disjoint) and the templates it was assembled from."""

    text: str
    spans: tuple[Span, ...]
    parts: tuple[Part, ...] = ()

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> LabeledText:
        """One item of a labeled JSON Lines set: ``{"text", "spans": [[start, end, type]]}``."""
        return cls(str(item["text"]), tuple(Span(*span) for span in item["spans"]))

    def template_at(self, position: int) -> str:
        """The name of the template that wrote the character at ``position`` ("" if unknown)."""
        i = bisect.bisect_right([p.start for p in self.parts], position) - 1
        if i >= 0 and position < self.parts[i].end:
            return self.parts[i].template
        return ""


# --- slot values ------------------------------------------------------------------------------

_Slot = tuple[str | None, str]  # (entity type or None, text)

_COMPLAINTS = ("胸闷气短", "发热咳嗽", "腹痛", "头晕乏力", "右下腹疼痛", "外伤后髋部疼痛",
               "反复咳嗽咳痰", "双下肢水肿", "恶心呕吐", "心悸")  # fmt: skip
_DIAGNOSES = ("原发性高血压", "2型糖尿病", "社区获得性肺炎", "急性阑尾炎", "股骨颈骨折",
              "支气管哮喘", "急性心肌梗死", "泌尿道感染", "胆囊结石", "高钾血症", "阻塞性黄疸",
              "白细胞减少症", "张力性气胸", "房颤", "石膏综合征")  # fmt: skip
_ROLES = ("主治医师", "住院医师", "主任医师", "副主任医师", "责任护士", "经治医生", "上级医师")
_RELATIVES = ("家属", "其子", "其女", "配偶", "联系人", "监护人", "其夫", "其妻")
_JOBS = ("退休", "教师", "工人", "农民", "职员", "学生", "个体")
_DEPARTMENTS = ("心内科", "呼吸内科", "内分泌科", "普外科", "骨科", "儿科", "急诊科", "神经内科")
_DRUGS = ("阿莫西林 0.5g 口服 tid", "头孢曲松 2.0g 静滴 qd", "胰岛素 8U 皮下注射 餐前",
          "阿司匹林 100mg 口服 qd", "万古霉素 1g 静滴 q12h", "叶酸 5mg 口服 qd",
          "华法林 2.5mg 口服 qn", "呋塞米 20mg 静推 st")  # fmt: skip
_LABS = ("白细胞{a}×10^9/L", "血红蛋白{b}g/L", "血小板{c}×10^9/L", "血钾{d}mmol/L",
         "肌酐{e}μmol/L", "D-二聚体{d}mg/L", "INR {d}", "总胆红素{e}μmol/L")  # fmt: skip


def _fullwidth(value: str) -> str:
    """``value`` with its ASCII letters, digits and symbols written full-width (one for one)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


class _Values:
    """Draws slot values; one patient (name and sex) per note."""

    def __init__(self, rng: random.Random, fake: Faker) -> None:
        self.rng = rng
        self.fake = fake
        self.new_patient()

    def new_patient(self) -> None:
        self.sex = self.rng.choice(("男", "女"))
        self.patient = self.person(self.sex)
        self.age = self.rng.randint(1, 95)
        today = dt.date(2025, 12, 31)
        self.birth = today - dt.timedelta(days=self.age * 365 + self.rng.randint(0, 364))

    def person(self, sex: str | None = None) -> str:
        """A name: Faker's (realistic given names) or medguard's, sometimes a compound surname."""
        rng = self.rng
        sex = sex or rng.choice(("男", "女"))
        if rng.random() < 0.04:
            return names.generate(rng, surname=rng.choice(sorted(names.COMPOUND_SURNAMES)))
        if rng.random() < 0.5:
            return names.generate(rng, sex="male" if sex == "男" else "female")
        return str(self.fake.name_male() if sex == "男" else self.fake.name_female())

    def maybe_fullwidth(self, value: str, share: float = 0.08) -> str:
        return _fullwidth(value) if self.rng.random() < share else value

    def mobile(self) -> str:
        rng = self.rng
        number = phone.generate(rng)
        style = rng.random()
        if style < 0.1:
            return f"{number[:3]}-{number[3:7]}-{number[7:]}"
        if style < 0.2:
            return f"{number[:3]} {number[3:7]} {number[7:]}"
        if style < 0.27:
            return rng.choice(("+86", "+86 ", "0086")) + number
        return self.maybe_fullwidth(number)

    def any_phone(self) -> str:
        rng = self.rng
        if rng.random() < 0.75:
            return self.mobile()
        area, number = phone.generate(rng, kind="landline").split("-")
        return rng.choice((f"{area}-{number}", f"({area}){number}", f"{area}{number}"))

    def resident_id(self) -> str:
        rng = self.rng
        sex: Literal["male", "female"] = "male" if self.sex == "男" else "female"
        if rng.random() < 0.05 and 1900 <= self.birth.year <= 1999:
            return resident_id.generate(rng, sex=sex, birth_date=self.birth, legacy=True)
        value = resident_id.generate(rng, sex=sex, birth_date=self.birth)
        if value.endswith("X") and rng.random() < 0.3:
            value = value[:-1] + "x"
        return self.maybe_fullwidth(value)

    def bank_card(self) -> str:
        rng = self.rng
        value = bank_card.generate(rng, length=rng.choice((16, 19, 19)))
        return self.maybe_fullwidth(value)

    def spaced_bank_card(self) -> str:
        """A 19-digit card written in groups of four, as people type it."""
        value = bank_card.generate(self.rng, length=19)
        return " ".join(value[i : i + 4] for i in range(0, 19, 4))

    def address(self) -> str:
        """An urban address: province, city, district, road, number, maybe building and room."""
        return address.generate(self.rng)

    def rural_address(self) -> str:
        """A rural address: the county, then town, village, group (组) and number."""
        rng = self.rng
        parts = address.parse(address.generate(rng))
        head = "".join(p for p in (parts.province, parts.city, parts.district) if p)
        town = rng.choice(("城关镇", "新华镇", "石桥镇", "龙泉乡", "白鹤镇"))
        village = rng.choice(("新华村", "光明村", "团结村", "大湾村", "黄泥村"))
        return f"{head}{town}{village}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"

    def compound_address(self) -> str:
        """A northern-style address inside a compound: ...路88号院3号楼2单元501."""
        rng = self.rng
        parts = address.parse(address.generate(rng))
        head = "".join(p for p in (parts.province, parts.city, parts.district) if p)
        street = parts.rest[: parts.rest.index("号") + 1]
        room = f"{rng.randint(1, 30)}0{rng.randint(1, 4)}"
        return f"{head}{street}院{rng.randint(1, 20)}号楼{rng.randint(1, 6)}单元{room}"

    def local_address(self) -> str:
        """An address as locals write it: no province, sometimes no city either."""
        parts = address.parse(address.generate(self.rng))
        city = parts.city if parts.city and self.rng.random() < 0.5 else ""
        return f"{city}{parts.district or ''}{parts.rest}"

    def minority_name(self) -> str:
        """A Uyghur name (given·father's name) or a Tibetan name (no surname)."""
        rng = self.rng
        if rng.random() < 0.5:
            given = rng.choice(("阿依古丽", "古丽米拉", "艾力", "热依拉", "努尔兰", "帕提古丽"))
            father = rng.choice(("买买提", "吐尔逊", "艾买提", "阿不都", "热合曼", "玉素甫"))
            return f"{given}·{father}"
        return rng.choice(("扎西", "次仁", "格桑", "丹增")) + rng.choice(
            ("顿珠", "卓玛", "拉姆", "平措")
        )

    def email(self) -> str:
        return str(self.fake.free_email() if self.rng.random() < 0.7 else self.fake.email())

    def mrn(self) -> str:
        rng = self.rng
        digits = "".join(str(rng.randrange(10)) for _ in range(rng.choice((7, 8, 10))))
        return rng.choice(("", "", "ZY", "MZ", "BA")) + digits

    def dob(self) -> str:
        b = self.birth
        return self.rng.choice(
            (f"{b:%Y-%m-%d}", f"{b.year}年{b.month}月{b.day}日", f"{b:%Y/%m/%d}", f"{b:%Y.%m.%d}")
        )

    def ip(self) -> str:
        rng = self.rng
        return rng.choice(
            (f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
             f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
             f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
             f"240e:{rng.randint(0, 0xfff):x}:{rng.randint(1, 0xffff):x}::"
             f"{rng.randint(1, 0xfff):x}",
             f"fe80::{rng.randint(0, 0xffff):x}:{rng.randint(0, 0xffff):x}:"
             f"{rng.randint(0, 0xffff):04x}:{rng.randint(1, 0xffff):x}")
        )  # fmt: skip

    def visit_date(self) -> str:
        rng = self.rng
        d = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        return rng.choice(
            (f"{d.year}年{d.month}月{d.day}日", f"{d:%Y-%m-%d}", f"{d:%Y-%m-%d} 08:30")
        )

    def barcode(self) -> str:
        """An 18-digit specimen barcode: collection date, analyser and tube numbers."""
        rng = self.rng
        d = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        return f"{d:%Y%m%d}" + "".join(str(rng.randrange(10)) for _ in range(10))

    def bad_check_id(self) -> str:
        """A resident ID whose check character is wrong."""
        value = resident_id.generate(self.rng)
        wrong = [c for c in resident_id.CHECK_CHARS if c != value[-1]]
        return value[:-1] + self.rng.choice(wrong)

    def impossible_date_id(self) -> str:
        """A resident ID with a correct check character over an impossible birth date."""
        value = resident_id.generate(self.rng)
        date = self.rng.choice(("19850230", "19921301", "20010431", "19770000", "20990101"))
        body = value[:6] + date + value[14:17]
        return body + resident_id.check_character(body)

    def lab(self) -> str:
        rng = self.rng
        return rng.choice(_LABS).format(
            a=f"{rng.uniform(2.0, 20.0):.1f}", b=rng.randint(60, 170), c=rng.randint(50, 450),
            d=f"{rng.uniform(0.1, 6.0):.2f}", e=rng.randint(5, 400),
        )  # fmt: skip

    def slot(self, name: str) -> _Slot:
        """The value of slot ``name``: its entity type (None for no personal data) and text."""
        rng = self.rng
        pii: dict[str, Callable[[], _Slot]] = {
            "name": lambda: ("PERSON", self.patient),
            "doctor": lambda: ("PERSON", self.person()),
            "relative": lambda: ("PERSON", self.person()),
            "mobile": lambda: ("PHONE_NUMBER", self.mobile()),
            "phone": lambda: ("PHONE_NUMBER", self.any_phone()),
            "email": lambda: ("EMAIL_ADDRESS", self.email()),
            "address": lambda: ("LOCATION", self.address()),
            "address_rural": lambda: ("LOCATION", self.rural_address()),
            "address_local": lambda: ("LOCATION", self.local_address()),
            "address_compound": lambda: ("LOCATION", self.compound_address()),
            "minority_name": lambda: ("PERSON", self.minority_name()),
            "mobile_0086": lambda: ("PHONE_NUMBER", "0086" + phone.generate(rng)),
            "bank_card_spaced": lambda: ("CN_BANK_CARD", self.spaced_bank_card()),
            "resident_id": lambda: ("CN_RESIDENT_ID", self.resident_id()),
            "hmt_permit": lambda: (
                "CN_HMT_PERMIT",
                self.maybe_fullwidth(resident_id.generate(rng, kind="hmt_permit")),
            ),
            "hk_id": lambda: ("HK_ID_CARD", hk_id.generate(rng)),
            "passport": lambda: ("CN_PASSPORT", passport.generate(rng)),
            "travel_permit": lambda: (
                "CN_PASSPORT",
                passport.generate(rng, kind="hk_macao_permit"),
            ),
            "bank_card": lambda: ("CN_BANK_CARD", self.bank_card()),
            "uscc": lambda: ("CN_USCC", uscc.generate(rng)),
            "mrn": lambda: ("CN_MEDICAL_RECORD_NUMBER", self.mrn()),
            "dob": lambda: ("DATE_TIME", self.dob()),
            "ip": lambda: ("IP_ADDRESS", self.ip()),
        }
        plain: dict[str, Callable[[], str]] = {
            "sex": lambda: self.sex,
            "age": lambda: str(self.age),
            "child_age": lambda: str(rng.randint(1, 14)),
            "complaint": lambda: rng.choice(_COMPLAINTS),
            "diagnosis": lambda: rng.choice(_DIAGNOSES),
            "role": lambda: rng.choice(_ROLES),
            "kin": lambda: rng.choice(_RELATIVES),
            "job": lambda: rng.choice(_JOBS),
            "department": lambda: rng.choice(_DEPARTMENTS),
            "drug": lambda: rng.choice(_DRUGS),
            "lab": self.lab,
            "bp": lambda: f"{rng.randint(100, 180)}/{rng.randint(55, 99)}",
            "date": self.visit_date,
            "days": lambda: str(rng.randint(1, 14)),
            "barcode": self.barcode,
            "bad_check_id": self.bad_check_id,
            "impossible_date_id": self.impossible_date_id,
            "temperature": lambda: f"{rng.uniform(36.0, 39.8):.1f}",
        }
        if name in pii:
            return pii[name]()
        return None, plain[name]()


# --- templates --------------------------------------------------------------------------------

# (template name, text with {slots}). Opening sentences introduce the patient.
_OPENINGS: tuple[tuple[str, str], ...] = (
    ("intro_patient_sex_age", "患者{name}，{sex}，{age}岁，因{complaint}{days}天入院。"),
    ("intro_name_first", "{name}，{sex}，{age}岁，汉族，已婚，职业：{job}。"),
    ("intro_form", "姓名：{name}  性别：{sex}  年龄：{age}岁  科室：{department}"),
    ("intro_admitted", "今日收治{name}（{sex}，{age}岁），主诉{complaint}。"),
    ("intro_child", "患儿{name}，{sex}，{child_age}岁，因{complaint}由家长陪同就诊。"),
    ("intro_patient_on_date", "病人{name}于{date}因{complaint}来院。"),
    ("intro_patient_name_field", "患者姓名：{name}  性别：{sex}  年龄：{age}岁"),
)
_SENTENCES: tuple[tuple[str, str], ...] = (
    ("doctor_colon", "{role}：{doctor}"),
    ("doctor_rounds", "{role}{doctor}查房后指示：继续目前治疗。"),
    ("doctor_signature", "医师签名：{doctor}"),
    ("nurse_executed", "责任护士{doctor}已执行医嘱。"),
    ("recorder", "记录者：{doctor}"),
    ("reviewer", "审核医师：{doctor}。"),
    ("reporter", "报告人：{doctor}。"),
    ("escort", "陪护人员：{relative}，"),
    ("emergency_contact", "紧急联系人：{relative} {phone}。"),
    ("mother_reports", "患者{name}之母{relative}代诉病史。"),
    ("patient_signature", "患者本人签字：{name}"),
    ("relative_signature", "家属（其子）{relative}签字。"),
    ("companion", "陪同人员：{relative}。"),
    ("nurse_list", "主管护士：{doctor}、{doctor}"),
    ("relative_phone", "{kin}{relative}电话{mobile}。"),
    ("contact_form", "联系人：{relative}，联系电话：{phone}"),
    ("relative_present", "{kin}{relative}在场，已告知病情。"),
    ("patient_phone", "联系电话：{phone}。"),
    ("patient_mobile", "患者本人手机{mobile}，请随访。"),
    ("resident_id", "身份证号{resident_id}，"),
    ("resident_id_colon", "身份证号码：{resident_id}。"),
    ("id_document", "证件号：{resident_id}"),
    ("hmt_permit", "港澳台居民居住证号码{hmt_permit}。"),
    ("hk_id", "香港身份证{hk_id}，"),
    ("passport", "护照号{passport}。"),
    ("travel_permit", "港澳居民来往内地通行证{travel_permit}。"),
    ("bank_card", "医保卡绑定银行卡{bank_card}。"),
    ("refund_account", "退费账号：{bank_card}"),
    ("employer_uscc", "工作单位统一社会信用代码{uscc}。"),
    ("address_colon", "住址：{address}。"),
    ("address_lives", "现住{address}，"),
    ("address_household", "户籍地址：{address}"),
    ("address_rural", "家住{address_rural}。"),
    ("address_no_province", "住址：{address_local}。"),
    ("address_compound", "患者家住{address_compound}。"),
    ("email", "邮箱{email}。"),
    ("email_report", "检查报告已发送至{email}，"),
    ("email_colon", "电子邮件：{email}"),
    ("mrn_inpatient", "住院号：{mrn}。"),
    ("mrn_outpatient", "门诊号{mrn}，"),
    ("mrn_case", "病案号：{mrn}"),
    ("dob_colon", "出生日期：{dob}。"),
    ("dob_birthday", "生日{dob}，"),
    ("ip_print", "本报告由工作站{ip}打印。"),
    ("ip_login", "登录IP：{ip}"),
)
# Formats rarer in notes, rendered by :func:`sentences` only (not drawn into notes), so a scanner
# is told about them without their share in notes being a guess.
_VARIANTS: tuple[tuple[str, str], ...] = (
    ("phone_0086", "家属{relative}电话{mobile_0086}。"),
    ("bank_card_spaced", "退费银行卡号：{bank_card_spaced}。"),
    ("minority_name", "患者{minority_name}，{sex}，{age}岁。"),
    ("doctor_before_role", "由{doctor}医师主刀，手术顺利。"),
)
# Sentences with no personal data: the hard negatives.
_NEGATIVES: tuple[tuple[str, str], ...] = (
    ("neg_hypertension", "患者高血压病史10年，血压控制在{bp}mmHg左右。"),
    ("neg_wbc", "血常规：白细胞{lab}，较前升高。"),
    ("neg_jaundice", "患者黄疸较前消退，皮肤巩膜无黄染。"),
    ("neg_plan", "治疗方案：按常规处理，{drug}。"),
    ("neg_cast", "患者石膏托固定良好，末梢血运可。"),
    ("neg_cast_fixed", "左前臂石膏固定，嘱抬高患肢。"),
    ("neg_pneumothorax", "患者张力性气胸，已行胸腔闭式引流。"),
    ("neg_clock", "患者钟表试验正常，定向力可。"),
    ("neg_carotene", "患者胡萝卜素血症，手掌皮肤黄染，建议营养科会诊。"),
    ("neg_hippuric", "患者马尿酸排泄试验阴性。"),
    ("neg_strawberry_tongue", "患儿杨梅舌，咽部充血，考虑猩红热。"),
    ("neg_vancomycin", "患者万古霉素治疗后体温下降至{temperature}℃。"),
    ("neg_folate", "患者叶酸缺乏，予叶酸片口服。"),
    ("neg_hyperkalemia", "患者高钾血症，予降钾治疗。"),
    ("neg_granddaughter", "患者孙女陪同就诊，神志清，精神可。"),
    ("neg_previous_surgery", "患者曾行阑尾切除术，否认药物过敏史。"),
    ("neg_left_leg", "患者左下肢水肿，足背动脉搏动减弱。"),
    ("neg_rest_normal", "患者余无特殊不适。"),
    ("neg_usually_healthy", "患者平素体健，无吸烟史。"),
    ("neg_quiet", "患者安静入睡，家属陪护。"),
    ("neg_high_fever", "患者高热3天，最高体温{temperature}℃。"),
    ("neg_explained", "已向患者家属交代病情及风险，家属表示理解并签字。"),
    ("neg_gamma_gt", "谷丙转氨酶升高，甘油三酯正常。"),
    ("neg_staph", "痰培养：金黄色葡萄球菌，对万古霉素敏感。"),
    ("neg_staph_patient", "患者金黄色葡萄球菌感染，继续抗感染治疗。"),
    ("neg_wbc_patient", "患者白细胞计数升高，予抗感染治疗。"),
    ("neg_warfarin", "患者华法林抗凝中，复查{lab}。"),
    ("neg_whole_body", "患者周身乏力，全身皮肤无黄染。"),
    ("neg_occasional", "患者时有胸闷，严重时伴大汗。"),
    ("neg_glasses", "患者戴眼镜，视力可。"),
    ("neg_tells_doctor", "患者向医师诉头痛加重。"),
    ("neg_relative_states", "家属陈述患者既往体健。"),
    ("neg_relative_discuss", "家属商量后决定保守治疗。"),
    ("neg_routine", "患者常规检查未见明显异常。"),
    ("neg_raynaud", "患者雷诺现象阳性。"),
    ("neg_may_discharge", "患者方可出院，门诊随访。"),
    ("neg_old_infarction", "患者陈旧性心梗病史5年。"),
    ("neg_irritable", "患者易激惹，夜间睡眠差。"),
    ("neg_alt", "患者谷丙转氨酶升高，予保肝治疗。"),
    ("neg_symptoms_ease", "患者诸症减轻，饮食睡眠可。"),
    ("neg_wechsler", "患者韦氏智力测验正常。"),
    ("neg_triglycerides", "患者甘油三酯偏高，嘱低脂饮食。"),
    ("neg_mass", "患者包块较前缩小。"),
    ("neg_car_accident", "患者车祸伤后2小时急诊入院。"),
    ("neg_allergies", "患者牛奶过敏，花粉过敏。"),
    ("neg_herpes", "患者单纯疱疹病毒感染。"),
    ("neg_capillary", "患者毛细血管再充盈时间正常。"),
    ("neg_plan_surgery", "患者计划明日手术，术前禁食。"),
    ("neg_af", "心电图示房颤，心室率{temperature}次/分。"),
    ("neg_bp", "查体：T {temperature}℃，BP {bp}mmHg，心肺听诊无明显异常。"),
    ("neg_labs", "复查{lab}，{lab}。"),
    ("neg_dose", "医嘱：{drug}，监测血糖。"),
    ("neg_admission_date", "患者于{date}入院，今日为住院第{days}天。"),
    ("neg_surgery_date", "{date}在全麻下行手术，术程顺利。"),
    ("neg_barcode", "标本条码{barcode}已送检。"),
    ("neg_specimen_no", "标本号：{barcode}，检验科已签收。"),
    ("neg_bad_check_id", "身份证号{bad_check_id}（核对有误，待补）。"),
    ("neg_impossible_date_id", "证件号{impossible_date_id}无法识别。"),
    ("neg_doctor_rounds", "主治医师查房后指示：完善相关检查。"),
    ("neg_relative_agrees", "家属同意手术方案。"),
)

#: Names of the hard-negative sentence templates (``LabeledText.parts`` carry them).
NEGATIVE_TEMPLATES = tuple(name for name, _ in _NEGATIVES)
#: Names of the sentence templates that hold personal data.
SENTENCE_TEMPLATES = tuple(name for name, _ in (*_OPENINGS, *_SENTENCES))
#: Names of the templates of rarer formats that :func:`sentences` renders but notes do not draw.
VARIANT_TEMPLATES = tuple(name for name, _ in _VARIANTS)

_FORMATTER = string.Formatter()


def _render(values: _Values, name: str, template: str, offset: int) -> tuple[str, list[Span], Part]:
    """One sentence: its text, its gold spans (shifted by ``offset``) and its part."""
    out: list[str] = []
    spans: list[Span] = []
    position = offset
    for literal, field_name, _spec, _conversion in _FORMATTER.parse(template):
        out.append(literal)
        position += len(literal)
        if field_name is None:
            continue
        entity, value = values.slot(field_name)
        if entity is not None:
            spans.append(Span(position, position + len(value), entity))
        out.append(value)
        position += len(value)
    text = "".join(out)
    return text, spans, Part(offset, offset + len(text), name)


def _assemble(values: _Values, chosen: list[tuple[str, str]]) -> LabeledText:
    pieces: list[str] = []
    spans: list[Span] = []
    parts: list[Part] = []
    offset = 0
    for name, template in chosen:
        text, found, part = _render(values, name, template, offset)
        if len(chosen) > 1 and text[-1] not in "。，；\n":  # form fields end a line or a clause
            text += values.rng.choice(("。", "；", "\n", "  "))
            part = part._replace(end=offset + len(text))
        pieces.append(text)
        spans.extend(found)
        parts.append(part)
        offset += len(text)
    return LabeledText("".join(pieces), tuple(spans), tuple(parts))


def _faker(seed: int) -> Faker:
    try:
        from faker import Faker
    except ImportError:
        raise MissingDependency("faker", extra="demo", feature="the labeled corpus") from None

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return fake


def labeled_notes(n: int, seed: int = 0) -> list[LabeledText]:
    """``n`` clinical notes with gold spans: an opening, then 3-7 sentences (a third negatives).

    Every sentence template of the module appears once in the first notes (so a small corpus
    still covers them all), then they are drawn at random.
    """
    rng = random.Random(seed)  # noqa: S311 - a reproducible corpus, not secrets
    values = _Values(rng, _faker(seed))
    pending = [*_SENTENCES, *_NEGATIVES]
    rng.shuffle(pending)
    notes: list[LabeledText] = []
    for _ in range(n):
        values.new_patient()
        chosen = [rng.choice(_OPENINGS)]
        for _ in range(rng.randint(3, 7)):
            if pending:
                chosen.append(pending.pop())
            elif rng.random() < 0.35:
                chosen.append(rng.choice(_NEGATIVES))
            else:
                chosen.append(rng.choice(_SENTENCES))
        notes.append(_assemble(values, chosen))
    return notes


def sentences(
    per_template: int = 1, seed: int = 0, *, templates: Iterable[str] | None = None
) -> list[LabeledText]:
    """Every sentence template (or those named in ``templates``) rendered ``per_template`` times
    on its own, in template order: to tell which template a scanner fails on."""
    known = dict((*_OPENINGS, *_SENTENCES, *_VARIANTS, *_NEGATIVES))
    chosen = list(known) if templates is None else list(templates)
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise InvalidArgument(f"unknown corpus templates: {', '.join(unknown)}")
    rng = random.Random(seed)  # noqa: S311 - a reproducible corpus, not secrets
    values = _Values(rng, _faker(seed))
    out: list[LabeledText] = []
    for name in chosen:
        for _ in range(per_template):
            values.new_patient()
            out.append(_assemble(values, [(name, known[name])]))
    return out


def hard_negatives(per_template: int = 1, seed: int = 0) -> list[LabeledText]:
    """Sentences holding no personal data (no gold span): every template of
    :data:`NEGATIVE_TEMPLATES` rendered ``per_template`` times, in template order."""
    return sentences(per_template, seed, templates=NEGATIVE_TEMPLATES)


# --- tables -----------------------------------------------------------------------------------

#: The mostly clean column of :func:`labeled_table` that holds a single resident ID, by header
#: language: sampling may miss it; a full scan must report it.
RARE_COLUMNS = {"zh": "其他证件", "en": "other_id"}

_HEADERS = {
    "姓名": "name", "性别": "sex", "出生日期": "birth_date", "身份证号": "id_no",
    "联系电话": "phone", "地址": "address", "email": "email", "银行卡号": "bank_card",
    "就诊号": "visit_no", "备注": "remarks", "病历摘要": "summary", "诊断": "diagnosis",
    "科室": "department",
    "检验值": "lab_value", "血压": "blood_pressure", "其他证件": "other_id",
}  # fmt: skip
_REMARKS_PII: tuple[tuple[str, str], ...] = (
    ("remark_relative", "{kin}{relative}陪同就诊，联系电话{mobile}，已告知复诊时间。"),
    ("remark_contact", "联系人：{relative}，如有异常请电话联系{phone}。"),
    ("remark_doctor", "{role}{doctor}已审核，患者要求开具诊断证明。"),
    ("remark_followup", "患者{name}出院后一周电话随访，恢复良好。"),
)
_REMARKS_CLEAN = (
    "患者病情平稳，继续目前治疗方案，定期复查血常规。",
    "高血压控制尚可，嘱低盐低脂饮食，监测血压。",
    "石膏固定良好，四周后门诊复查X线片。",
    "白细胞较前下降，暂停化疗一周后复查。",
)
_CLEAN_IDS = ("无", "—", "", "见附件", "未提供", "同上")


def labeled_table(
    rows: int, seed: int = 0, *, headers: Literal["zh", "en"] = "zh"
) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """A synthetic patient extract of ``rows`` rows and the entity type each column holds.

    Identifier columns are realistic rather than clean: a few blanks and "未提供", dashed and
    ``+86`` phones, landlines, lower-case ``x`` check characters. ``备注`` (short remarks, half
    of them naming a relative, a doctor or a phone) and ``病历摘要`` (note summaries) are free
    text; the label of each is the most frequent type among its gold spans. ``诊断`` (diagnoses that
    start with surname characters: 高血压, 白细胞减少症, 黄疸), ``检验值``, ``血压``, ``性别``
    and ``科室`` are clean. :data:`RARE_COLUMNS` names the column that holds one resident ID
    among clean values; its label is ``CN_RESIDENT_ID``. ``headers="en"`` gives English headers
    (``name``, ``id_no``, ``phone``, ...).
    """
    import pandas as pd

    rng = random.Random(seed)  # noqa: S311 - a reproducible corpus, not secrets
    values = _Values(rng, _faker(seed))
    columns: dict[str, list[object]] = {zh: [] for zh in _HEADERS}
    remark_types: Counter[str] = Counter()
    summary_types: Counter[str] = Counter()
    rare_row = rng.randrange(rows) if rows else -1
    for row in range(rows):
        values.new_patient()
        blank = rng.random() < 0.03
        columns["姓名"].append(None if blank else values.patient)
        columns["性别"].append(values.sex)
        columns["出生日期"].append(f"{values.birth:%Y-%m-%d}")
        columns["身份证号"].append("未提供" if blank else values.resident_id())
        columns["联系电话"].append(values.any_phone())
        columns["地址"].append(values.address())
        columns["email"].append("" if rng.random() < 0.05 else values.email())
        columns["银行卡号"].append(values.bank_card())
        columns["就诊号"].append(f"MZ{rng.randrange(10**10):010d}")
        if rng.random() < 0.5:
            name, template = rng.choice(_REMARKS_PII)
            text, spans, _part = _render(values, name, template, 0)
            remark_types.update(s.entity_type for s in spans)
            columns["备注"].append(text)
        else:
            columns["备注"].append(rng.choice(_REMARKS_CLEAN))
        summary = _assemble(
            values, [rng.choice(_OPENINGS), *rng.sample([*_SENTENCES, *_NEGATIVES], 3)]
        )
        summary_types.update(s.entity_type for s in summary.spans)
        columns["病历摘要"].append(summary.text)
        columns["诊断"].append(rng.choice(_DIAGNOSES))
        columns["科室"].append(rng.choice(_DEPARTMENTS))
        columns["检验值"].append(round(rng.uniform(0.1, 300.0), 2))
        columns["血压"].append(values.slot("bp")[1])
        columns["其他证件"].append(
            resident_id.generate(rng) if row == rare_row else rng.choice(_CLEAN_IDS)
        )
    labels: dict[str, str | None] = {
        "姓名": "PERSON", "性别": None, "出生日期": "DATE_TIME", "身份证号": "CN_RESIDENT_ID",
        "联系电话": "PHONE_NUMBER", "地址": "LOCATION", "email": "EMAIL_ADDRESS",
        "银行卡号": "CN_BANK_CARD", "就诊号": "CN_MEDICAL_RECORD_NUMBER",
        "备注": remark_types.most_common(1)[0][0] if remark_types else None,
        "病历摘要": summary_types.most_common(1)[0][0] if summary_types else None,
        "诊断": None, "科室": None, "检验值": None, "血压": None,
        "其他证件": "CN_RESIDENT_ID" if rows else None,
    }  # fmt: skip
    if headers == "en":
        columns = {_HEADERS[k]: v for k, v in columns.items()}
        labels = {_HEADERS[k]: v for k, v in labels.items()}
    return pd.DataFrame(columns), labels
