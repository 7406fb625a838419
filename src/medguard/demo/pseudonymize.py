"""Demo step: valid, consistent, reversible pseudonyms for a research recipient (sharing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medguard.demo import DemoContext

__all__ = ["run"]


def run(ctx: DemoContext) -> None:
    """Pseudonymize patients and visits so identifiers still validate and joins still work."""
    from medguard.cn import bank_card, phone, resident_id
    from medguard.keys import Keyring
    from medguard.ops.date_shift import DateShift
    from medguard.ops.pseudonymize_name import PseudonymizeName
    from medguard.ops.pseudonymize_numbers import PseudonymizeBankCard, PseudonymizeDigits
    from medguard.ops.pseudonymize_phone import PseudonymizePhone
    from medguard.ops.pseudonymize_resident_id import PseudonymizeResidentID

    ctx.section("Format-preserving pseudonyms for a research recipient (sharing stage)")
    ring = Keyring.generate()
    recipient = "recipient:research-team"
    ids = PseudonymizeResidentID(ring, context=recipient, region="province")
    p, v = ctx.patients, ctx.visits
    patients = p.assign(
        resident_id=ids.apply(p["resident_id"]),
        mobile=PseudonymizePhone(ring, context=recipient).apply(p["mobile"]),
        name=PseudonymizeName(ring, context=recipient).apply(p["name"]),
        bank_card=PseudonymizeBankCard(ring, context=recipient).apply(p["bank_card"]),
    )[["patient_id", "name", "resident_id", "mobile", "bank_card"]]
    by_patient = p.set_index("patient_id")["resident_id"]
    visits = v.assign(
        resident_id=ids.apply(v["patient_id"].map(by_patient)),
        visit_date=DateShift(ring, context=recipient).apply(v["visit_date"], v["patient_id"]),
        inpatient_no=PseudonymizeDigits(ring, context=recipient).apply(v["inpatient_no"]),
    )[["visit_id", "resident_id", "department", "visit_date", "icd10", "inpatient_no"]]
    ctx.table(patients, max_rows=4)
    valid = {
        "resident IDs": int(resident_id.is_valid_array(patients["resident_id"]).sum()),
        "mobiles": int(phone.is_mobile_array(patients["mobile"]).sum()),
        "bank cards": int(bank_card.luhn_valid_array(patients["bank_card"]).sum()),
    }
    ctx.say("surrogates that validate: " + ", ".join(f"{k} {n}/{len(p)}" for k, n in valid.items()))
    joined = visits.merge(patients, on="resident_id")
    ctx.say(f"visits joined to patients on the pseudonymized ID: {len(joined)}/{len(v)}")
    back = ids.reverse(patients["resident_id"])
    ctx.say(
        f"reverse with the hospital's key: {int((back == p['resident_id']).sum())}/{len(p)} IDs"
    )
    other = PseudonymizeResidentID(ring, context="recipient:insurer", region="province")
    differ = int((other.apply(p["resident_id"]) != patients["resident_id"]).sum())
    ctx.say(
        f"another recipient gets other pseudonyms for {differ}/{len(p)} patients (leak tracing)"
    )
    ctx.write("pseudonymized/patients.csv", patients)
    ctx.write("pseudonymized/visits.csv", visits)
    ctx.say(f"pseudonymized tables written to {ctx.out_dir / 'pseudonymized'}")
