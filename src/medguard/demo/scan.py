"""Demo step: classify the raw extract's columns, prove the masked copy is clean, scan files."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medguard.demo import DemoContext

__all__ = ["run"]


def run(ctx: DemoContext) -> None:
    """Scan the raw patients and notes tables and the masked display copy."""
    import pandas as pd

    from medguard._atomic import replacing
    from medguard.detect import ScanResult, Threshold, scan_frame, scan_paths
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
    # What ``medguard scan`` does in CI: a GBK export as HIS systems write it, and the notes.
    export = ctx.out_dir / "scan" / "his_export_gbk.csv"
    with replacing(export) as partial:  # written whole or not at all
        ctx.patients.to_csv(partial, index=False, encoding="gb18030")
    notes_file = ctx.write("scan/notes.txt", "\n".join(ctx.notes["text"]))
    result = ScanResult(list(scan_paths([export, notes_file])), Threshold(level=3))
    s = result.summary()
    ctx.say(f"medguard scan on {s['files']} files (GBK CSV detected as "
            f"{result.reports[0].encoding}): {s['issues']} findings, exit code "
            f"{result.exit_code} (1: personal data at level >= 3)")  # fmt: skip
