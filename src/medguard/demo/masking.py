"""Demo step: role-based display masking of the patients table (processing stage)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medguard.demo import DemoContext

__all__ = ["run"]


def run(ctx: DemoContext) -> None:
    """Mask every identifying column for display and write the masked table."""
    from medguard.ops import mask

    ctx.section("Display masking (processing stage, GB/T 35273 conventions)")
    masks = {
        "name": mask.MaskName(),
        "resident_id": mask.MaskResidentID(),
        "mobile": mask.MaskPhone(),
        "landline": mask.MaskPhone(),
        "address": mask.MaskAddress(keep="district"),
        "email": mask.MaskEmail(),
        "bank_card": mask.MaskBankCard(),
        "passport": mask.MaskPassport(),
    }
    masked = ctx.patients.copy()
    counts = []
    for column, op in masks.items():
        masked[column], report = op.apply_with_report(ctx.patients[column])
        counts.append(f"{column} {report.masked}/{report.total}")
    masked = masked.drop(columns=["birth_date"])
    ctx.table(masked[["patient_id", "name", "resident_id", "mobile", "address"]], max_rows=5)
    ctx.table(masked[["landline", "email", "bank_card", "passport"]], max_rows=3)
    ctx.say("masked (valid) per column: " + ", ".join(counts))
    bad = mask.MaskPhone().apply_with_report(["13800138000", "1380013800", "not a phone"])[1]
    ctx.say(
        f"bad input is never passed through: {bad.invalid} of {bad.total} phones were invalid "
        "and came out fully masked (strict=True raises instead)"
    )
    path = ctx.write("masked/patients_display.csv", masked)
    ctx.say(f"display copy written to {path}")
