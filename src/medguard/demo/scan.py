"""Demo step: classify the raw extract's columns, then prove the masked copy is clean."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medguard.demo import DemoContext

__all__ = ["run"]


def run(ctx: DemoContext) -> None:
    """Scan the raw patients and notes tables and the masked display copy."""
    import pandas as pd

    from medguard.detect import scan_frame
    from medguard.ops import mask

    ctx.section("Finding personal data (collection stage; GB/T 39725 levels)")
    raw = scan_frame(ctx.patients).to_frame()
    notes = scan_frame(ctx.notes[["text"]]).to_frame()
    table = pd.concat([raw, notes])[["column", "entity_type", "match_ratio", "level", "samples"]]
    ctx.table(table[table["entity_type"].notna()], max_rows=12)
    masked = ctx.patients.assign(
        name=mask.MaskName().apply(ctx.patients["name"]),
        resident_id=mask.MaskResidentID().apply(ctx.patients["resident_id"]),
        mobile=mask.MaskPhone().apply(ctx.patients["mobile"]),
        bank_card=mask.MaskBankCard().apply(ctx.patients["bank_card"]),
    )
    after = scan_frame(masked[["name", "resident_id", "mobile", "bank_card"]], full=True)
    dirty = [c.column for c in after.columns if c.entity_type is not None]
    ctx.say(f"masked display copy, every value examined: {len(dirty)} columns still hold "
            "personal data" + (f" ({', '.join(dirty)})" if dirty else ""))  # fmt: skip
    ctx.write("scan/column_report.csv", table)
