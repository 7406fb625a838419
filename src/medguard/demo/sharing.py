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

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medguard.demo import DemoContext

__all__ = ["run", "sharing_extract", "sharing_policy"]

_COMPLAINTS = ("头痛三天", "咳嗽伴发热", "腹痛两日", "胸闷气短", "血压控制不佳", "术后复查")


def sharing_extract(patients: int = 300, *, seed: int = 20261207) -> Any:
    """One row per visit of ``patients`` synthetic people (a pandas DataFrame of text columns)."""
    from medguard.testing.synthetic import synthetic_extract

    people, visits, _ = synthetic_extract(patients, seed=seed)
    return _research_rows(people, visits)


def _research_rows(people: Any, visits: Any) -> Any:
    """The research extract's rows from the synthetic patients and visits tables."""
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


def _draft(ctx: DemoContext, visits_csv: Any) -> None:
    from medguard._atomic import write_atomically
    from medguard.detect import scan_paths
    from medguard.lifecycle.draft import draft_policy_text

    [report] = list(scan_paths([visits_csv]))
    columns = [c for table in report.tables for c in table.columns]
    drafted = ctx.out_dir / "lifecycle" / "drafted_policy.yaml"
    write_atomically(drafted, draft_policy_text(columns, drafted, source="visits.csv"))
    ctx.written.append(drafted)
    found = [f"{c.column} ({c.entity_type})" for c in columns if c.entity_type]
    ctx.say(f"1. scan: {len(found)} of {len(columns)} columns hold personal data: "
            + ", ".join(found[:6]) + ("..." if len(found) > 6 else ""))  # fmt: skip
    ctx.say(f"2. drafted policy (levels, kinds, ops per stage, why): {drafted}")


def run(ctx: DemoContext) -> None:
    """The whole life cycle of one research extract, policy-driven, each file named."""
    from medguard.audit import AuditTrail
    from medguard.detect import ScanResult, Threshold, scan_paths
    from medguard.keys import Keyring
    from medguard.lifecycle import Pipeline, Policy
    from medguard.lifecycle.checks import CheckFailed
    from medguard.privacy import dp_count

    ctx.section("The life cycle of a research extract, driven by one policy")
    folder = ctx.out_dir / "lifecycle"
    rows = _research_rows(ctx.patients, ctx.visits)
    visits_csv = ctx.write("lifecycle/visits.csv", rows)
    _draft(ctx, visits_csv)
    data = sharing_policy(k=3, max_suppressed=0.1).to_dict()
    for name in ("name", "resident_id", "mobile"):  # storage: one key per patient (shreddable)
        data["fields"][name]["storage"] = {"op": "encrypt", "per_subject": True}
    # the display view masks the names and numbers inside the notes too
    data["fields"]["note"]["processing"] = {"op": "deidentify", "mode": "mask", "known": "fields"}
    policy = Policy.from_dict(data)
    policy_file = folder / "policy.yaml"
    policy.dump(policy_file)
    ctx.written.append(policy_file)
    ctx.say(f"   reviewed policy (the draft, edited): {policy_file}")
    ring = Keyring.generate()
    trail_path = folder / "audit.log"
    trail_path.unlink(missing_ok=True)
    trail = AuditTrail.open(trail_path, ring)

    def stage(name: str, out: str, recipient: str | None = None, source: Any = None) -> Any:
        pipeline = Pipeline(policy, stage=name, keyring=ring, recipient=recipient, audit=trail)
        summary = pipeline.run_file(source or visits_csv, folder / out, progress=False)
        ctx.written.append(folder / out)
        return summary

    stored = stage("storage", "storage.parquet")
    encrypted = [f for f, v in stored.fields.items() if v["op"] == "encrypt"]
    ctx.say(f"3. storage: {', '.join(encrypted)} encrypted with one key per patient "
            f"(crypto-shreddable): {folder / 'storage.parquet'}")  # fmt: skip
    stage("processing", "processing.csv", source=folder / "storage.parquet")
    ctx.say(f"4. processing: a masked view for display, read from the stored file (its "
            f"ciphertexts read as values): {folder / 'processing.csv'}")  # fmt: skip
    try:
        shared = stage("sharing", "shared_cdc.csv", recipient="cdc")
    except CheckFailed as exc:  # a small extract cannot reach k: the run refuses, writes nothing
        ctx.say(f"5. sharing for 'cdc' refused, nothing written: {exc}")
        ctx.say(f"   ({len(ctx.patients)} patients are too few for k=3: try --patients 200)")
        verified = trail.verify()
        ctx.say(f"7. audit: {verified.records} records, hash chain "
                f"{'verified' if verified.ok else 'BROKEN'}: {trail_path}")  # fmt: skip
        return
    checks = shared.checks or {}
    levels = ", ".join(f"{k}={v}" for k, v in checks.get("levels", {}).items())
    ctx.say(f"5. sharing for 'cdc': identifiers pseudonymized for this recipient, notes "
            f"de-identified (their dates shifted with the row's dates); the search chose {levels};"
            f" k = {checks.get('k')} distinct patients per class (required "
            f"{checks.get('k_required')}), {shared.suppressed_rows} of {shared.rows_in} rows "
            f"suppressed: {folder / 'shared_cdc.csv'}")  # fmt: skip
    from medguard.testing.synthetic import DEPARTMENTS

    counts = dp_count(rows, subject="patient_id", epsilon=1.0, max_rows_per_patient=5,
                      by="department", keys=list(DEPARTMENTS))  # fmt: skip
    stats = ctx.write("lifecycle/shared_cdc_department_counts.csv", counts.table)
    ctx.say(f"   plus visit counts by department with differential privacy (epsilon 1): {stats}")
    reports = list(scan_paths([folder / "shared_cdc.csv"], full=True))
    plain = ScanResult(reports, Threshold(level=3))
    known = ScanResult(reports, Threshold(level=3), by_design=policy.shaped_by_design("sharing"))
    verdict = "passes" if known.exit_code == 0 else f"FAILS (exit {known.exit_code})"
    ctx.say(f"6. verification: the policy's re-scan found no input identifier in the output; "
            f"a plain scan reports {plain.summary()['issues']} finding(s) (pseudonymized IDs "
            f"are valid IDs by design); the scan that knows the policy {verdict}: "
            f"medguard scan --full --policy {policy_file} {folder / 'shared_cdc.csv'}")  # fmt: skip
    verified = trail.verify()
    ctx.say(
        f"7. audit: {verified.records} records (policy, file fingerprints, counts, keys, "
        f"recipient), hash chain {'verified' if verified.ok else 'BROKEN'}: {trail_path}"
    )
