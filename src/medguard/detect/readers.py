"""The scanner's view of files: tables as string columns by path, text in chunks.

The reading itself lives in :mod:`medguard.io` (one implementation, shared with the pipelines);
this module names what the scanner uses, reading every value as text (``all_strings``).

Formats, by extension: CSV and TSV (UTF-8, UTF-16 or GB18030/GBK, detected), Excel ``.xlsx``,
Parquet, JSON Lines, and plain text (anything else that is not binary). A table is read as
batches of ``{column: values}``; a text file as chunks of whole lines with their first line
number. Neither ever holds a whole file in memory, whatever its size.

CSV and Parquet are read with pyarrow when it is installed (the ``arrow`` extra), which is many
times faster; CSV falls back to the standard library. Excel needs openpyxl (the ``excel`` extra).
Every failure to read raises :class:`~medguard.errors.UnreadableInput` naming the file.

The API the scanner builds on (``medguard.detect.files``):

- :func:`file_format` names a file's format, ``"binary"`` for a file skipped as binary, and
  ``"empty"`` for a file holding nothing (0 bytes, or only a byte-order mark and white space):
  an empty file is clean and readers yield nothing for it, without an error.
- :func:`read_table` returns a :class:`TableStream`: iterate it for ``(table, columns)``
  batches, where ``columns`` is a :class:`Columns` dict (``{column: values}``, values strings or
  nulls) whose ``rows`` says how many records the batch holds (a gathered array path such as
  ``identifier[].value`` can hold more values than that). Once iterated,
  ``TableStream.unscanned`` lists the :class:`UnscannedColumn` s (table, column, reason) holding
  data that was not read: a scan that has any must not be reported clean.

What is read, and how:

- Nested data is flattened by path, one column per path gathering every value at it:
  ``patient.name`` for an object's field, ``identifier[].value`` for the ``value`` of every item
  of the array ``identifier`` (all items, in one column: a FHIR ``identifier[0]`` and
  ``identifier[1]`` are one column, so a column of IDs is classified on all of them), and
  ``codes[][]`` for arrays in arrays. JSON Lines and Parquet (list, large list, list view,
  fixed-size list, struct, map: ``name[].key`` and ``name[].value``) both follow this rule.
- Numbers are rendered as their digits: integers and decimals as written (``13812345678``, a
  decimal's zero fraction dropped), floats without an exponent when integral (a phone stored as
  ``1.3812345678e10`` reads ``13812345678``). JSON ``true``/``false`` and nulls hold no data.
- Parquet binary columns are read as UTF-8, else GB18030, text; a binary column that is neither
  is *unscanned* (``TableStream.unscanned``), as is a union column.
- Binary judgment (:func:`file_format` for a file with no known extension) goes by proportion:
  see :func:`looks_binary`. UTF-16 little- or big-endian text without a byte-order mark is
  recognized by its zero bytes at odd or even positions.
- A ``.csv`` file's delimiter is sniffed among ``,`` ``;`` ``|`` and tab (``.tsv``: tab); a CSV
  (or sheet) whose first row looks like data (see :func:`looks_like_data`) has no header: its
  columns are ``column_1`` .. ``column_n`` and its first row is scanned as data.

Limits, each a module constant a test can lower, each giving :class:`UnreadableInput` with a
reason naming it when passed (a file that would exhaust memory or time is not clean either):
:data:`MAX_LINE_CHARS` (a JSON Lines line, a CSV row), :data:`MAX_COLUMNS` (distinct columns of
one table), :data:`MAX_XLSX_PART_BYTES`, :data:`MAX_XLSX_SHEET_BYTES`, :data:`MAX_XLSX_RATIO`
(checked on the archive's directory before anything is parsed), :data:`MAX_XLSX_ROWS` and
:data:`MAX_XLSX_CELLS` (counted in each sheet's XML before openpyxl opens the workbook, and
again as rows are read: the empty rows openpyxl yields before a far-down cell count too).
"""

from __future__ import annotations

from medguard.io.columns import Columns, TableStream, UnscannedColumn, read_table
from medguard.io.csv import looks_like_data
from medguard.io.formats import (
    _BY_SUFFIX,
    BINARY_SHARE,
    TABLE_FORMATS,
    detect_encoding,
    file_format,
    looks_binary,
)
from medguard.io.limits import (
    MAX_COLUMNS,
    MAX_LINE_CHARS,
    MAX_XLSX_CELLS,
    MAX_XLSX_PART_BYTES,
    MAX_XLSX_RATIO,
    MAX_XLSX_ROWS,
    MAX_XLSX_SHEET_BYTES,
)
from medguard.io.text import TextChunk, read_text

__all__ = [
    "BINARY_SHARE",
    "MAX_COLUMNS",
    "MAX_LINE_CHARS",
    "MAX_XLSX_CELLS",
    "MAX_XLSX_PART_BYTES",
    "MAX_XLSX_RATIO",
    "MAX_XLSX_ROWS",
    "MAX_XLSX_SHEET_BYTES",
    "TABLE_FORMATS",
    "_BY_SUFFIX",
    "Columns",
    "TableStream",
    "TextChunk",
    "UnscannedColumn",
    "detect_encoding",
    "file_format",
    "looks_binary",
    "looks_like_data",
    "read_table",
    "read_text",
]
