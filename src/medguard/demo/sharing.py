"""The sharing job: a research extract, its policy, and one policy-driven run.

:func:`sharing_extract` builds the table a research partner asks for (one row per visit: name,
resident ID, mobile, address, visit and birth dates, sex, department, ICD-10, fee and a short
note holding the patient's name and phone); :func:`sharing_policy` is the policy that shares
it: identifiers pseudonymized per recipient or dropped, dates shifted per patient (in the notes
too), address generalized, k-anonymity per patient checked with the generalization search, and
the output re-scanned for any input identifier. The demo, the benchmark, the docs and the tests
use both.
"""

from __future__ import annotations

from typing import Any

__all__ = ["sharing_extract", "sharing_policy"]

_COMPLAINTS = ("头痛三天", "咳嗽伴发热", "腹痛两日", "胸闷气短", "血压控制不佳", "术后复查")


def sharing_extract(patients: int = 300, *, seed: int = 20261207) -> Any:
    """One row per visit of ``patients`` synthetic people (a pandas DataFrame of text columns)."""
    from medguard.testing.synthetic import synthetic_extract

    people, visits, _ = synthetic_extract(patients, seed=seed)
    frame = visits.merge(people, on="patient_id")
    out = frame[
        [
            "patient_id", "name", "resident_id", "mobile", "address", "sex", "birth_date",
            "visit_date", "department", "icd10", "fee",
        ]
    ].copy()  # fmt: skip
    # a hospital-wide patient number (ten digits): a short one would share its small format
    # domain with its own tokens, which then equal other patients' numbers by chance
    out["patient_id"] = "P2026" + out["patient_id"].str.slice(1).str.zfill(6)
    for column in ("birth_date", "visit_date"):
        out[column] = out[column].astype(str)
    out["fee"] = out["fee"].map(lambda v: f"{v:.2f}")
    complaints = [_COMPLAINTS[i % len(_COMPLAINTS)] for i in range(len(out))]
    out["note"] = [
        f"患者{name}因{what}于{day}就诊，嘱复查，电话{mobile}。"
        for name, what, day, mobile in zip(
            out["name"], complaints, out["visit_date"], out["mobile"], strict=True
        )
    ]
    return out.reset_index(drop=True)


def sharing_policy(*, k: int = 3, max_suppressed: float = 0.1) -> Any:
    """The policy that shares :func:`sharing_extract` with a research partner."""
    from medguard.lifecycle import Policy

    def pa(level: int, field_kind: str, **sharing: Any) -> dict[str, Any]:
        spec: dict[str, Any] = {"category": "personal_attribute", "level": level}
        spec["kind"] = field_kind
        if sharing:
            spec["sharing"] = sharing
        return spec

    return Policy.from_dict(
        {
            "medguard_policy": 1,
            "dataset": "research_extract",
            "subject": "patient_id",
            "fields": {
                "patient_id": pa(
                    3, "record_number", op="tokenize", kind="record_number", keep_prefix=True
                ),
                "name": pa(4, "name", op="drop"),
                "resident_id": pa(4, "resident_id", op="pseudonymize", birth="age_band"),
                "mobile": pa(4, "phone", op="drop"),
                "address": pa(3, "address", op="generalize", kind="address", to="city"),
                "sex": pa(2, "category", op="keep"),
                "birth_date": pa(3, "date", op="generalize", kind="date", to="year"),
                "visit_date": {
                    "category": "medical_application",
                    "level": 3,
                    "kind": "date",
                    "sharing": {"op": "date_shift", "max_days": 30},
                },
                "department": {"category": "medical_application", "level": 2},
                "icd10": {
                    "category": "health_status",
                    "level": 3,
                    "kind": "icd10",
                    "sharing": {"op": "keep"},
                },
                "fee": {"category": "medical_payment", "level": 2},
                "note": {
                    "category": "health_status",
                    "level": 3,
                    "kind": "free_text",
                    "sharing": {
                        "op": "deidentify",
                        "mode": "tag",
                        "dates": "shift",
                        "max_days": 30,
                        "known": "fields",
                    },
                },
            },
            "checks": {
                "sharing": {
                    "k_anonymity": {
                        "quasi_identifiers": ["sex", "birth_date", "address", "resident_id"],
                        "k": k,
                        "max_suppressed": max_suppressed,
                    },
                    "rescan": True,
                }
            },
        }
    )
