"""Readers and writers of tables (typed Arrow record batches) and text, in bounded memory.

The one place medguard reads and writes data files; the scanner and the pipelines both use it.

- :func:`open_table` opens CSV/TSV (UTF-8, UTF-16, GB18030/GBK, Big5; delimiter sniffed;
  headerless files), Parquet, JSON Lines and Excel, and yields :class:`pyarrow.RecordBatch` es
  with one schema (:class:`TableReader`). Types are kept where the format has them and, for
  CSV, inferred without loss: an identifier never becomes a number (:mod:`medguard.io.types`).
- :func:`open_writer` writes batches to CSV/TSV (UTF-8 with or without a byte-order mark, or
  GB18030), Parquet or JSON Lines, atomically: the whole file or nothing
  (:class:`TableWriter`).
- :func:`read_text` reads any text file in chunks of lines; :func:`file_format` and
  :func:`detect_encoding` say what a file holds.
- :mod:`medguard.io.limits` holds the limits every reader keeps (line length, columns, zip
  bombs, batch size); passing one raises :class:`~medguard.errors.UnreadableInput`.

pyarrow (the ``arrow`` extra) is needed for tables, openpyxl (``excel``) for workbooks.
"""

from __future__ import annotations

from medguard.io._common import UnscannedColumn
from medguard.io.formats import TABLE_FORMATS, detect_encoding, file_format
from medguard.io.tables import TableReader, open_table
from medguard.io.text import TextChunk, read_text
from medguard.io.writers import WRITE_FORMATS, TableWriter, open_writer

__all__ = [
    "TABLE_FORMATS",
    "WRITE_FORMATS",
    "TableReader",
    "TableWriter",
    "TextChunk",
    "UnscannedColumn",
    "detect_encoding",
    "file_format",
    "open_table",
    "open_writer",
    "read_text",
]
