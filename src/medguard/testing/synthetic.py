"""The bundled synthetic hospital extract: patients, visits and clinical notes.

Every value is generated: Faker's ``zh_CN`` provider for names and e-mails, medguard's own
:mod:`medguard.cn` generators for what must validate (resident IDs consistent with birth date and
sex, mobiles of allocated segments, Luhn-valid UnionPay cards, passports, addresses whose
province, city and district exist). The same
seed always gives the same extract.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

__all__ = ["DEPARTMENTS", "HOSPITALS", "ICD10_CODES", "synthetic_extract"]

HOSPITALS = ("第一人民医院", "中心医院", "妇幼保健院", "中医院")
DEPARTMENTS = ("心内科", "呼吸内科", "内分泌科", "普外科", "骨科", "儿科", "妇产科", "急诊科")
#: (code, description) pairs the notes and visits draw from.
ICD10_CODES = (
    ("I10", "原发性高血压"),
    ("E11.9", "2型糖尿病"),
    ("J18.9", "肺炎"),
    ("K35.8", "急性阑尾炎"),
    ("S72.0", "股骨颈骨折"),
    ("J45.9", "哮喘"),
    ("O80", "单胎顺产"),
    ("I21.9", "急性心肌梗死"),
    ("N39.0", "泌尿道感染"),
    ("K80.2", "胆囊结石"),
)
_ROLES = ("主治医师", "住院医师", "责任护士", "主任医师")
_RELATIVES = ("家属", "其子", "其女", "配偶")

# Clinical note templates. Medical words that begin with a surname character (高血压, 白细胞,
# 黄疸, 方案, 常规, 石膏) are deliberately present: a name detector must not fire on them.
_NOTE_TEMPLATES = (
    "患者{name}，{sex}，{age}岁，因{complaint}入院。既往{history}病史。查体：血压{bp}mmHg，"
    "血常规示白细胞{wbc}×10^9/L。{role}：{doctor}。家属{relative}电话{mobile}。",
    "{name}，{sex}，{age}岁，身份证号{resident_id}，住址：{address}。诊断：{diagnosis}。"
    "治疗方案：按常规处理，{role}{doctor}查房。",
    "主诉：{complaint}3天。现病史：患者{name}于{date}出现症状，无黄疸。联系电话：{mobile}。"
    "入院诊断：{diagnosis}。",
    "术后第2天，患者{name}一般情况可，石膏固定良好，{role}{doctor}嘱继续观察。"
    "住院号：{inpatient_no}。",
    "门诊记录：{name}（{sex}，{age}岁）复诊，{diagnosis}控制平稳，高血压药物继续。"
    "医保卡绑定银行卡{bank_card}。邮箱{email}。",
)
_COMPLAINTS = ("胸闷气短", "发热咳嗽", "腹痛", "头晕乏力", "右下腹疼痛", "外伤后髋部疼痛")
_HISTORIES = ("高血压", "糖尿病", "冠心病", "慢性支气管炎", "无特殊")


def synthetic_extract(patients: int = 200, *, seed: int = 20261122) -> tuple[Any, Any, Any]:
    """Return ``(patients, visits, notes)`` DataFrames for ``patients`` synthetic people."""
    import numpy as np
    import pandas as pd
    from faker import Faker

    from medguard.cn import address, bank_card, passport, phone, resident_id

    rng = random.Random(seed)  # noqa: S311 - synthetic data must be reproducible, not secret
    nprng = np.random.default_rng(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    today = dt.date(2026, 1, 1)

    patient_rows: list[dict[str, Any]] = []
    for i in range(patients):
        sex = rng.choice(("男", "女"))
        birth = today - dt.timedelta(days=rng.randint(1 * 365, 95 * 365))
        name = fake.name_male() if sex == "男" else fake.name_female()
        patient_rows.append(
            {
                "patient_id": f"P{i + 1:06d}",
                "name": name,
                "sex": sex,
                "birth_date": birth,
                "resident_id": resident_id.generate(
                    rng, sex="male" if sex == "男" else "female", birth_date=birth
                ),
                "mobile": phone.generate(rng),
                "landline": phone.generate(rng, kind="landline"),
                "address": address.generate(rng),
                "email": fake.free_email(),
                "bank_card": bank_card.generate(rng),
                "passport": passport.generate(rng),
            }
        )
    patients_df = pd.DataFrame(patient_rows)

    visit_rows: list[dict[str, Any]] = []
    for p in patient_rows:
        for _ in range(int(nprng.integers(1, 6))):
            date = dt.date(2025, 1, 1) + dt.timedelta(days=int(nprng.integers(0, 365)))
            code, _desc = ICD10_CODES[int(nprng.integers(0, len(ICD10_CODES)))]
            birth = p["birth_date"]
            age = date.year - birth.year - ((date.month, date.day) < (birth.month, birth.day))
            visit_rows.append(
                {
                    "visit_id": f"V{len(visit_rows) + 1:07d}",
                    "patient_id": p["patient_id"],
                    "hospital": HOSPITALS[int(nprng.integers(0, len(HOSPITALS)))],
                    "department": DEPARTMENTS[int(nprng.integers(0, len(DEPARTMENTS)))],
                    "visit_date": date,
                    "icd10": code,
                    "fee": round(float(nprng.gamma(2.0, 800.0)), 2),
                    "inpatient_no": f"{int(nprng.integers(10_000_000, 99_999_999))}",
                    "age": age,
                }
            )
    visits_df = pd.DataFrame(visit_rows)

    by_id = {p["patient_id"]: p for p in patient_rows}
    diagnoses = dict(ICD10_CODES)
    note_rows: list[dict[str, Any]] = []
    for v in visit_rows:
        p = by_id[v["patient_id"]]
        template = _NOTE_TEMPLATES[int(nprng.integers(0, len(_NOTE_TEMPLATES)))]
        text = template.format(
            name=p["name"],
            sex=p["sex"],
            age=v["age"],
            complaint=rng.choice(_COMPLAINTS),
            history=rng.choice(_HISTORIES),
            bp=f"{rng.randint(110, 170)}/{rng.randint(65, 100)}",
            wbc=f"{rng.uniform(3.5, 15.0):.1f}",
            role=rng.choice(_ROLES),
            doctor=fake.name(),
            relative=rng.choice(_RELATIVES),
            mobile=phone.generate(rng),
            resident_id=p["resident_id"],
            address=p["address"],
            diagnosis=diagnoses[v["icd10"]],
            date=v["visit_date"].strftime("%Y年%m月%d日"),
            inpatient_no=v["inpatient_no"],
            bank_card=p["bank_card"],
            email=p["email"],
        )
        note_rows.append(
            {
                "note_id": f"N{len(note_rows) + 1:07d}",
                "patient_id": v["patient_id"],
                "visit_id": v["visit_id"],
                "text": text,
            }
        )
    notes_df = pd.DataFrame(note_rows)
    return patients_df, visits_df, notes_df
