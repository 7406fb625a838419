"""Demo step: re-identification risk of a shared visits extract, before and after (sharing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medguard.demo import DemoContext

__all__ = ["run"]


def run(ctx: DemoContext) -> None:
    """Measure k / l / prosecutor risk, generalize, suppress, and measure again."""
    from medguard.privacy import (
        AgeBand,
        GeneralizeDate,
        GeneralizeICD10,
        GeneralizeRegion,
        risk_report,
        suppress_small_classes,
    )

    ctx.section("Re-identification risk before sharing rows (GB/T 37964)")
    region = ctx.patients.set_index("patient_id")["resident_id"].str[:6]
    extract = ctx.visits.assign(
        sex=ctx.visits["patient_id"].map(ctx.patients.set_index("patient_id")["sex"]),
        region=ctx.visits["patient_id"].map(region),
    )[["patient_id", "age", "sex", "region", "visit_date", "icd10"]]
    qi = ["age", "sex", "region", "visit_date"]
    # visit-level rows: classes are counted in distinct patients, not in visits
    before = risk_report(extract, qi, "icd10", subject="patient_id")
    shared = extract.assign(
        age=AgeBand(width=10).apply(extract["age"]),
        region=GeneralizeRegion(digits=2).apply(extract["region"]),
        visit_date=GeneralizeDate(to="quarter").apply(extract["visit_date"]),
        icd10=GeneralizeICD10(to="chapter").apply(extract["icd10"]),
    )
    generalized = risk_report(shared, qi, "icd10", subject="patient_id")
    shared, dropped = suppress_small_classes(shared, qi, k=2, subject="patient_id")
    after = risk_report(shared, qi, "icd10", subject="patient_id")
    shared = shared.drop(columns=["patient_id"])  # the subject column is never shared
    rows = []
    stages = (("raw", before), ("generalized", generalized), ("+ suppressed k<2", after))
    for label, r in stages:
        rows.append({"extract": label, "records": r.records, "classes": r.classes,
                     "patients": r.subjects, "k": r.k, "l": r.l,
                     "max risk": round(r.max_risk, 3),
                     "mean risk": round(r.mean_risk, 3)})  # fmt: skip
    ctx.table(rows)
    ctx.say(
        "generalized: age in 10-year bands, region to province (GB/T 2260), visit date to "
        f"quarter, diagnosis to ICD-10 chapter; {dropped} records in classes of fewer than 2 "
        "patients suppressed (k counts patients, not visits)"
    )
    path = ctx.write("shared/visits_generalized.csv", shared)
    ctx.say(f"shareable extract written to {path}")
