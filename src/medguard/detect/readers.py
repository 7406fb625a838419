"""Read the files the scanner looks at, in bounded memory: tables in batches, text in chunks.

Formats, by extension: CSV and TSV (UTF-8 or GB18030/GBK, detected), Excel ``.xlsx``, Parquet,
JSON Lines, and plain text (anything else that is not binary). A table is read as batches of
``{column: values}``; a text file as chunks of whole lines with their first line number. Neither
ever holds a whole file in memory, whatever its size.

CSV and Parquet are read with pyarrow when it is installed (the ``arrow`` extra), which is many
times faster; CSV falls back to the standard library. Excel needs openpyxl (the ``excel`` extra).
Every failure to read raises :class:`~medguard.errors.UnreadableInput` naming the file.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from medguard.errors import UnreadableInput

__all__ = [
    "TABLE_FORMATS",
    "TextChunk",
    "detect_encoding",
    "file_format",
    "read_table",
    "read_text",
]

#: Formats read as tables; everything else readable is text.
TABLE_FORMATS = frozenset({"csv", "tsv", "xlsx", "parquet", "jsonl"})
_BY_SUFFIX = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl",
}  # fmt: skip
_SNIFF_BYTES = 64 * 1024
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_TEXT_CHUNK_CHARS = 1 << 20
BATCH_ROWS = 65_536


@dataclass(frozen=True)
class TextChunk:
    """A piece of a text file, normally whole lines.

    ``first_line`` is the 1-based number of ``text``'s first line, and ``first_column`` the
    0-based position of its first character in that line: not 0 only when a single line is
    longer than a chunk (minified JSON, a log without line breaks) and had to be cut.
    """

    text: str
    first_line: int
    first_column: int = 0


def file_format(path: Path) -> str:
    """``csv``, ``tsv``, ``xlsx``, ``parquet``, ``jsonl``, ``text``, or ``binary`` (skipped)."""
    known = _BY_SUFFIX.get(path.suffix.lower())
    if known is not None:
        return known
    head = _head(path, 8192)
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "binary"
    return "text"


def _head(path: Path, size: int) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(size)
    except OSError as exc:
        raise UnreadableInput(str(path), f"cannot read ({exc.strerror or exc})") from None


def detect_encoding(path: Path) -> str:
    """The text encoding of ``path``: ``utf-8``, ``utf-8-sig``, ``utf-16``, ``gb18030`` or ``big5``.

    Judged on a sample of the file's non-ASCII stretches (see :func:`_non_ascii_sample`). UTF-8
    wins when the sample is valid UTF-8 and reads as Chinese at least as well as it does in
    GB18030. Otherwise GB18030 (read for GBK and GB2312 too, its subsets, so rare characters in
    names still decode) or Big5, whichever reads as more Chinese text; charset-normalizer breaks
    a tie.
    """
    head = _head(path, 4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = _non_ascii_sample(path)
    truncated = not sample.endswith(b"\n")  # the sample may end inside a character
    if _decodes(sample, "utf-8", truncated):
        # A GBK file can be valid UTF-8 by chance (住 is D7 A1, Hebrew ס in UTF-8): keep UTF-8
        # unless GB18030 reads the sample as more Chinese-looking text.
        if not _decodes(sample, "gb18030", truncated) or _han_share(sample, "utf-8") >= _han_share(
            sample, "gb18030"
        ):
            return "utf-8"
        return "gb18030"
    candidates = [e for e in ("gb18030", "big5") if _decodes(sample, e, truncated)]
    if not candidates:
        raise UnreadableInput(str(path), "not text in a known encoding (UTF-8, GB18030, Big5)")
    if len(candidates) == 2:  # the one reading more Chinese text; then the less chaotic
        gb, big5 = _han_share(sample, "gb18030"), _han_share(sample, "big5")
        if big5 != gb:
            return "big5" if big5 > gb else "gb18030"
        from charset_normalizer import from_bytes

        chaos = {str(m.encoding): m.chaos for m in from_bytes(sample, cp_isolation=candidates)}
        if chaos.get("big5", 1.0) < chaos.get("gb18030", 1.0):
            return "big5"
    return candidates[0]


_SNIFF_STRETCHES = 16
_SNIFF_NON_ASCII = 4096
_ASCII_BYTES = bytes(range(128))


def _non_ascii_sample(path: Path) -> bytes:
    """Stretches of the file holding non-ASCII bytes, joined (empty for an ASCII file).

    An export often starts with ASCII only (a header, codes, dates) and its Chinese text comes
    later; and a first stretch with only a few non-ASCII characters (a © or a UTF-8 header row
    over GBK data) says little. So the file is read on, in blocks (memory stays bounded, and
    the file is read at most once), until the stretches hold 4 KB of non-ASCII bytes, or there
    are 16 of them, or the file ends: a Chinese text file stops in its first block.

    Each stretch starts at a character boundary (everything before it since the last stretch
    is ASCII) and, when it holds a line break, ends after its last one: the next search starts
    on a boundary again. The sample may end inside a character only where it does not end with
    a line break.
    """
    stretches: list[bytes] = []
    non_ascii = 0
    buffer, at_end = b"", False  # buffer starts at a character boundary
    try:
        with path.open("rb") as f:
            while len(stretches) < _SNIFF_STRETCHES and non_ascii < _SNIFF_NON_ASCII:
                if len(buffer) < _SNIFF_BYTES and not at_end:
                    block = f.read(1 << 20)
                    at_end = not block
                    buffer += block
                    continue
                found = None if buffer.isascii() else _NON_ASCII.search(buffer)
                if found is None:
                    if at_end:
                        break
                    buffer = b""
                    continue
                stretch = buffer[found.start() : found.start() + _SNIFF_BYTES]
                end = stretch.rfind(b"\n") + 1
                stretches.append(stretch[:end] if end else stretch)
                non_ascii += len(stretch[:end].translate(None, _ASCII_BYTES)) if end else 0
                if not end:  # no line break: the next search would not start on a boundary
                    break
                buffer = buffer[found.start() + end :]
    except OSError as exc:
        raise UnreadableInput(str(path), f"cannot read ({exc.strerror or exc})") from None
    return b"".join(stretches)


def _han_share(data: bytes, encoding: str) -> float:
    """Share of the non-ASCII characters that are Chinese characters or CJK punctuation."""
    text = data.decode(encoding, errors="ignore")
    wide = [ch for ch in text if ord(ch) > 127]
    if not wide:
        return 1.0
    chinese = sum(
        "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
        for ch in wide
    )
    return chinese / len(wide)


def _decodes(data: bytes, encoding: str, truncated: bool) -> bool:
    for cut in range(4 if truncated else 1):
        try:
            data[: len(data) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def read_text(path: Path, encoding: str | None = None) -> Iterator[TextChunk]:
    """The file's text in chunks of whole lines (about a million characters each).

    Line endings are read as ``\\n``. A line longer than a chunk is cut after a space or a
    punctuation mark near the chunk's end (hard, if it has none), so memory stays bounded.
    A character cut off by the end of the file (a file truncated with ``head -c``) reads as
    U+FFFD; an invalid byte anywhere else raises :class:`UnreadableInput`.
    """
    encoding = encoding or detect_encoding(path)
    line, column = 1, 0
    try:
        with path.open("rb") as f:
            blocks = _decoded_blocks(f, encoding)
            pending = ""
            while True:
                block = next(blocks, "")
                text = pending + block
                if not block:
                    if text:
                        yield TextChunk(text, line, column)
                    return
                cut = text.rfind("\n") + 1 or _soft_cut(text)
                chunk, pending = text[:cut], text[cut:]
                yield TextChunk(chunk, line, column)
                newlines = chunk.count("\n")
                line += newlines
                column = len(chunk) - chunk.rfind("\n") - 1 if newlines else column + len(chunk)
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableInput(str(path), f"cannot read as {encoding} ({_reason(exc)})") from None


def _decoded_blocks(f: BinaryIO, encoding: str) -> Iterator[str]:
    """The file's text in blocks, line endings as ``\\n``; an incomplete last character is
    replaced."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines = io.IncrementalNewlineDecoder(decoder, translate=True)
    while data := f.read(_TEXT_CHUNK_CHARS):
        if text := lines.decode(data):
            yield text
    try:
        text = lines.decode(b"", final=True)
    except UnicodeDecodeError:  # only what is left over at the end: an incomplete character
        decoder.errors = "replace"
        text = lines.decode(b"", final=True)
    if text:
        yield text


_SEPARATORS = frozenset(" \t，。；;,、")


def _soft_cut(text: str, window: int = 1024) -> int:
    """Where to cut a line with no break: after the last separator near the end, or the end."""
    for i in range(len(text) - 1, max(len(text) - window, 0) - 1, -1):
        if text[i] in _SEPARATORS:
            return i + 1
    return len(text)


def read_table(
    path: Path, fmt: str, *, encoding: str | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Batches ``(table, {column: values})``; ``table`` is ``""`` or an Excel sheet's name.

    Values are strings (or nulls): a column of lists, Arrow arrays or the like, never converted
    to another type, so leading zeros and check characters survive.
    """
    readers = {"csv": _csv, "tsv": _csv, "parquet": _parquet, "xlsx": _xlsx, "jsonl": _jsonl}
    try:
        yield from readers[fmt](path, fmt=fmt, encoding=encoding, batch_rows=batch_rows)
    except UnreadableInput:
        raise
    except (OSError, UnicodeDecodeError, ValueError, KeyError, EOFError) as exc:
        raise UnreadableInput(str(path), f"cannot read as {fmt} ({_reason(exc)})") from None
    except Exception as exc:  # pyarrow and openpyxl raise their own types on corrupt files
        if type(exc).__module__.split(".")[0] in ("pyarrow", "openpyxl", "zipfile"):
            raise UnreadableInput(str(path), f"cannot read as {fmt} ({_reason(exc)})") from None
        raise


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|b'[^']*'")
_DATA_LIKE = re.compile(r"[^\x00-\x7f]+|[0-9A-Za-z]*\d{5,}[0-9A-Za-z]*|\S+@\S+")


def _reason(exc: BaseException) -> str:
    """The first part of a library's message, never the data it quotes.

    Parsers quote the offending row after a second colon (``CSV parse error: Expected 2
    columns, got 3: 李四,139...``) or quote a cell (``invalid value '张三'``); the part after the
    second colon, anything quoted, non-ASCII text and long digit runs are dropped.
    """
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = ": ".join(text.split(": ")[:2])
    return _DATA_LIKE.sub("…", _QUOTED.sub("'…'", text))[:200]


def _csv(
    path: Path, *, fmt: str, encoding: str | None, batch_rows: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    encoding = encoding or detect_encoding(path)
    delimiter = "\t" if fmt == "tsv" else ","
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        yield from _csv_stdlib(path, encoding, delimiter, batch_rows)
    else:
        yield from _csv_arrow(path, encoding, delimiter, batch_rows)


class _Prefix(io.RawIOBase):
    """The first ``size`` bytes of a file, as a readable binary stream."""

    def __init__(self, path: Path, size: int) -> None:
        self._file = path.open("rb")
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)[: self._left]
        count = self._file.readinto(view) or 0
        self._left -= count
        return count

    def close(self) -> None:
        self._file.close()
        super().close()


def _complete_size(path: Path, encoding: str) -> int:
    """The file's size without a UTF-8 character cut off at its very end (``head -c``)."""
    size = path.stat().st_size
    if encoding.replace("_", "-").lower() not in ("utf-8", "utf8", "utf-8-sig"):
        return size
    with path.open("rb") as f:
        f.seek(max(0, size - 4))
        tail = f.read()
    for back in range(1, len(tail) + 1):
        byte = tail[-back]
        if byte & 0xC0 != 0x80:  # the last character starts here
            length = 1 if byte < 0x80 else 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return size - back if length > back else size
    return size


def _source(path: Path, encoding: str) -> Path | _Prefix:
    """The file for a table reader: itself, or all of it but a cut-off last character."""
    complete = _complete_size(path, encoding)
    return path if complete == path.stat().st_size else _Prefix(path, complete)


def _open_text(path: Path, encoding: str) -> IO[str]:
    source = _source(path, encoding)
    if isinstance(source, Path):
        return source.open(encoding=encoding, newline="")
    return io.TextIOWrapper(io.BufferedReader(source), encoding=encoding, newline="")


def _header(path: Path, encoding: str, delimiter: str) -> list[str]:
    with _open_text(path, encoding) as f:
        header = next(csv.reader(f, delimiter=delimiter), None)
    if not header:
        raise UnreadableInput(str(path), "empty file, no header row")
    return [h.strip() or f"column_{i + 1}" for i, h in enumerate(header)]


def _csv_arrow(
    path: Path, encoding: str, delimiter: str, batch_rows: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    names = _header(path, encoding, delimiter)
    unique = _unique(names)
    read = pacsv.ReadOptions(
        encoding="utf8" if encoding == "utf-8" else encoding,
        column_names=unique, skip_rows=1, block_size=max(1 << 20, batch_rows * 64),
    )  # fmt: skip
    ragged: list[str] = []  # rows with too many or too few fields: read by the csv module

    def keep_ragged(row: Any) -> str:
        ragged.append(row.text)
        return "skip"

    parse = pacsv.ParseOptions(
        delimiter=delimiter, newlines_in_values=True, invalid_row_handler=keep_ragged
    )
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(unique, pa.string()), strings_can_be_null=True,
        null_values=[""], quoted_strings_can_be_null=True,
    )  # fmt: skip
    source = _source(path, encoding)
    with pacsv.open_csv(
        source, read_options=read, parse_options=parse, convert_options=convert
    ) as r:
        for block in r:
            for start in range(0, block.num_rows, batch_rows):  # zero-copy slices
                batch = block.slice(start, batch_rows)
                yield "", {name: batch.column(i) for i, name in enumerate(unique)}
            if ragged:  # read as the csv module path reads them
                yield "", _ragged_columns(unique, ragged, delimiter)
    if ragged:  # when every row is ragged, Arrow yields no block at all
        yield "", _ragged_columns(unique, ragged, delimiter)


def _ragged_columns(names: list[str], ragged: list[str], delimiter: str) -> dict[str, list[Any]]:
    rows = list(csv.reader(ragged, delimiter=delimiter))
    ragged.clear()
    return _columns(names, rows)


def _csv_stdlib(
    path: Path, encoding: str, delimiter: str, batch_rows: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    with _open_text(path, encoding) as f:
        rows = csv.reader(f, delimiter=delimiter)
        header = next(rows, None)
        if not header:
            raise UnreadableInput(str(path), "empty file, no header row")
        names = _unique([h.strip() or f"column_{i + 1}" for i, h in enumerate(header)])
        batch: list[list[str]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_rows:
                yield "", _columns(names, batch)
                batch = []
        if batch:
            yield "", _columns(names, batch)


def _columns(names: list[str], rows: list[list[Any]]) -> dict[str, list[Any]]:
    """Rows as columns; short rows are padded, and fields past the header get their own
    columns (``column_5``), so nothing in a ragged row goes unscanned."""
    width = max([len(names), *map(len, rows)])
    names = names + [f"column_{i + 1}" for i in range(len(names), width)]
    padded = [row + [None] * (width - len(row)) for row in rows]
    return {name: [row[i] for row in padded] for i, name in enumerate(names)}


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}.{seen[name] - 1}")
    return out


def _parquet(
    path: Path, *, fmt: str, encoding: str | None, batch_rows: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    pa, pq = _need_arrow(path)
    parquet = pq.ParquetFile(path)
    # One row group at a time: iter_batches over the whole file keeps what it has read until
    # the end (memory grew with the file: 2 GB for a 9-million-row file).
    batches = (
        batch
        for group in range(parquet.num_row_groups)
        for batch in parquet.iter_batches(batch_size=batch_rows, row_groups=[group])
    )
    for batch in batches:
        columns: dict[str, Any] = {}
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                columns[name] = column
            elif (
                pa.types.is_integer(column.type)
                or pa.types.is_dictionary(column.type)
                or pa.types.is_date(column.type)
                or pa.types.is_timestamp(column.type)
            ):
                columns[name] = column.cast(pa.string())  # phones as integers, birth dates
            else:
                columns[name] = []  # floats, dates, binary: no personal data as text
        yield "", columns


def _need_arrow(path: Path) -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UnreadableInput(
            str(path), "reading Parquet needs pyarrow (pip install 'medguard[arrow]')"
        ) from None
    return pa, pq


def _xlsx(
    path: Path, *, fmt: str, encoding: str | None, batch_rows: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        import openpyxl
    except ImportError:
        raise UnreadableInput(
            str(path), "reading Excel needs openpyxl (pip install 'medguard[excel]')"
        ) from None
    with path.open("rb") as f:  # ours to close: openpyxl leaves its archive open when it fails
        try:
            book = openpyxl.load_workbook(f, read_only=True, data_only=True)
        except Exception as exc:
            if not _corrupt_excel(exc):
                raise
            raise UnreadableInput(str(path), f"corrupt Excel file ({_excel_reason(exc)})") from None
        try:
            yield from _sheets(path, book, batch_rows)
        finally:
            book.close()


def _sheets(path: Path, book: Any, batch_rows: int) -> Iterator[tuple[str, dict[str, Any]]]:
    for sheet in book.worksheets:
        rows = _sheet_rows(path, sheet)
        header = next(rows, None)
        if header is None:
            continue
        names = _unique([
            str(h).strip() if h is not None and str(h).strip() else f"column_{i + 1}"
            for i, h in enumerate(header)
        ])  # fmt: skip
        batch: list[list[Any]] = []
        for row in rows:
            batch.append([_cell_text(v) for v in row])
            if len(batch) >= batch_rows:
                yield sheet.title, _columns(names, batch)
                batch = []
        if batch:
            yield sheet.title, _columns(names, batch)


def _sheet_rows(path: Path, sheet: Any) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows; a sheet openpyxl cannot parse raises :class:`UnreadableInput`."""
    try:
        yield from sheet.iter_rows(values_only=True)
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
    if value is None or isinstance(value, bool | float):
        return None
    return str(value)  # int cells hold phone and card numbers typed in by hand


def _jsonl(
    path: Path, *, fmt: str, encoding: str | None, batch_rows: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    encoding = encoding or detect_encoding(path)
    batch: list[dict[str, Any]] = []
    with path.open(encoding=encoding) as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UnreadableInput(str(path), f"line {line_no}: not JSON ({exc.msg})") from None
            batch.append(_flatten(record) if isinstance(record, dict) else {"value": record})
            if len(batch) >= batch_rows:
                yield "", _records(batch)
                batch = []
    if batch:
        yield "", _records(batch)


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = " ".join(str(v) for v in value if isinstance(v, str | int))
        elif isinstance(value, str | int) and not isinstance(value, bool):
            out[name] = str(value)
    return out


def _records(batch: list[dict[str, Any]]) -> dict[str, Any]:
    names = list(dict.fromkeys(key for record in batch for key in record))
    columns: dict[str, Any] = {name: [record.get(name) for record in batch] for name in names}
    try:
        import pyarrow as pa
    except ImportError:
        return columns
    for name, values in columns.items():  # Arrow arrays are filtered in C++ (faster scans)
        # a bare non-string value on a line ({"value": 3.5}) keeps its column a list
        with contextlib.suppress(pa.ArrowInvalid, pa.ArrowTypeError):
            columns[name] = pa.array(values, pa.string())
    return columns
