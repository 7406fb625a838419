"""Excel workbooks (``.xlsx``), sheet by sheet in row batches, refusing zip bombs first."""

from __future__ import annotations

import contextlib
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medguard.errors import UnreadableInput
from medguard.io import limits
from medguard.io._common import (
    Columns,
    _check_width,
    _columns,
    _Note,
    _number_text,
    _reason,
    _unique,
)
from medguard.io.csv import _headerless


def _xlsx(
    path: Path, *, fmt: str, encoding: str | None, batch_rows: int, note: _Note
) -> Iterator[tuple[str, Columns]]:
    with path.open("rb") as f:  # ours to close: openpyxl leaves its archive open when it fails
        book = _open_workbook(path, f)
        try:
            yield from _sheets(path, book, batch_rows)
        finally:
            book.close()


def _check_archive(path: Path) -> None:
    """Refuse a workbook whose parts would expand past the limits, before parsing any of it.

    The sizes are those the archive's directory declares; Python's zip reader never inflates
    a member past its declared size (it fails the CRC check instead), so they bound the work.
    Then each sheet's rows and cells are counted in one streaming pass over its XML.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            _check_parts(path, archive.infolist())
            for part in archive.infolist():
                if part.filename.lower().startswith("xl/worksheets/"):
                    _count_rows_and_cells(path, archive, part)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as exc:
        raise UnreadableInput(str(path), f"corrupt Excel file ({_reason(exc)})") from None


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")


def _count_rows_and_cells(path: Path, archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    """Count a sheet's row and cell tags, streaming its XML, before openpyxl sees it.

    openpyxl parses a sheet with no ``<dimension>`` element whole when the workbook is
    opened, keeping every row element: 20 million rows took minutes and gigabytes before a
    single row reached the reader. Counting tags is a fast pass over the inflated bytes.
    """
    rows = cells = 0
    carry = b""
    with archive.open(part) as xml:
        while block := xml.read(1 << 20):
            data = carry + block
            cut = data.rfind(b"<")  # a tag starting here may go on in the next block
            if cut < 0:
                cut = len(data)
            data, carry = data[:cut], data[cut:]
            rows += len(_ROW_TAG.findall(data))
            cells += len(_CELL_TAG.findall(data))
            if rows > limits.MAX_XLSX_ROWS:
                raise UnreadableInput(
                    str(path),
                    f"a sheet has more than {limits.MAX_XLSX_ROWS:,} rows (MAX_XLSX_ROWS)",
                )
            if cells > limits.MAX_XLSX_CELLS:
                raise UnreadableInput(
                    str(path),
                    f"a sheet has more than {limits.MAX_XLSX_CELLS:,} cells (MAX_XLSX_CELLS)",
                )


def _check_parts(path: Path, parts: list[zipfile.ZipInfo]) -> None:
    for part in parts:
        name = part.filename.lower()
        sheet = name.startswith("xl/worksheets/")
        what = "a sheet" if sheet else "its shared strings" if "sharedstrings" in name else "a part"
        limit, limit_name = (
            (limits.MAX_XLSX_SHEET_BYTES, "MAX_XLSX_SHEET_BYTES")
            if sheet
            else (limits.MAX_XLSX_PART_BYTES, "MAX_XLSX_PART_BYTES")
        )
        if part.file_size > limit:
            raise UnreadableInput(
                str(path),
                f"{what} would expand to {part.file_size:,} bytes, over {limit:,} "
                f"({limit_name}): refused as a possible zip bomb",
            )
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > limits._RATIO_FLOOR and ratio > limits.MAX_XLSX_RATIO:
            raise UnreadableInput(
                str(path),
                f"{what} would expand {ratio:,.0f} times its compressed size, over "
                f"{limits.MAX_XLSX_RATIO} (MAX_XLSX_RATIO): refused as a possible zip bomb",
            )


def _sheets(path: Path, book: Any, batch_rows: int) -> Iterator[tuple[str, Columns]]:
    for title, names, rows in _sheet_batches(path, book, batch_rows):
        if not rows:
            continue
        yield title, _columns(path, names, [[_cell_text(v) for v in row] for row in rows])


def _sheet_batches(
    path: Path, book: Any, batch_rows: int, only: str | None = None
) -> Iterator[tuple[str, list[str], list[tuple[Any, ...]]]]:
    """``(sheet title, column names, rows)`` batches of cell values as openpyxl gives them,
    sheet by sheet (``only``: that sheet), empty rows left out; a wide sheet gets fewer rows
    per batch (a sheet holding only a header yields one empty batch). A first row that looks
    like data (see :func:`~medguard.io.csv.looks_like_data`)
    is data, and the columns are ``column_1`` .. ``column_n``."""
    for sheet in book.worksheets:
        if only is not None and sheet.title != only:
            continue
        with contextlib.suppress(AttributeError):
            sheet.reset_dimensions()  # rows as wide as their cells, not a declared range
        rows = (row for row in _sheet_rows(path, sheet) if any(v is not None for v in row))
        first = next(rows, None)
        if first is None:
            continue
        header = [_cell_text(v) for v in first]
        batch: list[tuple[Any, ...]] = []
        if _headerless(header):
            names = [f"column_{i + 1}" for i in range(len(header))]
            batch.append(first)
        else:
            names = _unique([
                h.strip() if h is not None and h.strip() else f"column_{i + 1}"
                for i, h in enumerate(header)
            ])  # fmt: skip
        _check_width(path, len(names))
        cells = len(header)
        seen = False
        for row in rows:
            batch.append(row)
            cells += len(row)
            if len(batch) >= batch_rows or cells >= limits._BATCH_CELLS:
                yield sheet.title, names, batch
                batch, cells, seen = [], 0, True
        if batch or not seen:  # a sheet holding a header only yields its names
            yield sheet.title, names, batch


def _open_workbook(path: Path, f: Any) -> Any:
    """openpyxl's read-only workbook over the open file ``f``, after the archive's checks."""
    try:
        import openpyxl
    except ImportError:
        raise UnreadableInput(
            str(path), "reading Excel needs openpyxl (pip install 'medguard[excel]')"
        ) from None
    _check_archive(path)
    try:
        return openpyxl.load_workbook(f, read_only=True, data_only=True)
    except Exception as exc:
        if not _corrupt_excel(exc):
            raise
        raise UnreadableInput(str(path), f"corrupt Excel file ({_excel_reason(exc)})") from None


def _sheet_rows(path: Path, sheet: Any) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows (empty ones too); a sheet openpyxl cannot parse, or one past
    ``MAX_XLSX_ROWS`` rows or ``MAX_XLSX_CELLS`` cells (:mod:`medguard.io.limits`), raises
    UnreadableInput."""
    rows = cells = 0
    try:
        for row in sheet.iter_rows(values_only=True):
            rows += 1
            cells += len(row)
            if rows > limits.MAX_XLSX_ROWS:
                raise UnreadableInput(
                    str(path),
                    f"sheet {sheet.title!r} has more than {limits.MAX_XLSX_ROWS:,} rows "
                    "(MAX_XLSX_ROWS)",
                )
            if cells > limits.MAX_XLSX_CELLS:
                raise UnreadableInput(
                    str(path),
                    f"sheet {sheet.title!r} has more than {limits.MAX_XLSX_CELLS:,} cells "
                    "(MAX_XLSX_CELLS)",
                )
            yield row
    except UnreadableInput:
        raise
    except Exception as exc:
        if not _corrupt_excel(exc):
            raise
        reason = _excel_reason(exc)
        raise UnreadableInput(
            str(path), f"corrupt Excel sheet {sheet.title!r} ({reason})"
        ) from None


# What openpyxl raises on a damaged workbook: XML errors (SyntaxError subclasses: ElementTree's
# ParseError, lxml's XMLSyntaxError), zip and deflate errors, and errors from its converters and
# lookups when parts are missing or hold nonsense.
_EXCEL_ERRORS = (
    SyntaxError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError,
    KeyError, IndexError, ValueError, TypeError, AttributeError,
)  # fmt: skip


def _corrupt_excel(exc: Exception) -> bool:
    module = type(exc).__module__.split(".")[0]
    return isinstance(exc, _EXCEL_ERRORS) or module in ("openpyxl", "lxml", "defusedxml", "xml")


def _excel_reason(exc: Exception) -> str:
    """What went wrong, without the message of a converter, which quotes the cell's value
    (``invalid literal for int() with base 10: '张三丰13812345678'``)."""
    if isinstance(exc, SyntaxError):
        line, column = getattr(exc, "position", None) or (exc.lineno, exc.offset)
        return f"bad XML at line {line}, column {column}"
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return _reason(exc)  # about the archive, never its content
    return type(exc).__name__


def _cell_text(value: Any) -> str | None:
    """A cell as text: numbers typed in by hand hold phone and card numbers, so floats that
    are integral read as their digits; booleans and empty cells hold nothing."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        return _number_text(value)
    return str(value)
