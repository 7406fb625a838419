"""The limits every reader keeps, so a hostile or broken file cannot exhaust memory or time.

Each is a module constant a test can lower; passing one raises
:class:`~medguard.errors.UnreadableInput` with a reason naming it (a file that would exhaust memory
or time is not clean either). Readers look them up at run time (``limits.MAX_COLUMNS``), so a
change here applies everywhere.
"""

from __future__ import annotations

__all__ = [
    "BATCH_ROWS",
    "MAX_BATCH_BYTES",
    "MAX_COLUMNS",
    "MAX_LINE_CHARS",
    "MAX_XLSX_CELLS",
    "MAX_XLSX_PART_BYTES",
    "MAX_XLSX_RATIO",
    "MAX_XLSX_ROWS",
    "MAX_XLSX_SHEET_BYTES",
]

#: Rows in one batch by default.
BATCH_ROWS = 65_536
#: The longest JSON Lines line or CSV row read, in characters (a 200 MB one-line file would
#: take gigabytes to parse). CSV read by pyarrow is also bounded by its block (4 MB or more).
MAX_LINE_CHARS = 16 * 2**20
#: The most distinct columns (paths, for nested data) one table may have.
MAX_COLUMNS = 16_384
#: The largest a workbook part other than a sheet (shared strings, styles: parsed whole into
#: memory) may expand to, in bytes, as the archive's directory declares it.
MAX_XLSX_PART_BYTES = 256 * 2**20
#: The largest a sheet's XML may expand to (sheets are streamed, so this bounds time).
MAX_XLSX_SHEET_BYTES = 4 * 2**30
#: The most a workbook part larger than 8 MB may expand relative to its compressed size: real
#: sheets compress 5-30 times; a zip bomb thousands of times.
MAX_XLSX_RATIO = 100
_RATIO_FLOOR = 8 * 2**20
#: The most rows a sheet may have: Excel's own limit (1,048,576).
MAX_XLSX_ROWS = 1_048_576
#: The most cells read from one sheet (empty cells padding a row count too).
MAX_XLSX_CELLS = 2**26
#: Cells held in one batch at most: a wide table gets fewer rows per batch.
_BATCH_CELLS = 4 * 2**20
#: The most bytes of decoded data one batch holds (Parquet row groups and CSV blocks larger than
#: this are split), so memory stays bounded whatever a writer chose for its row groups.
MAX_BATCH_BYTES = 64 * 2**20
