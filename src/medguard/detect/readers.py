"""Read the files the scanner looks at, in bounded memory: tables in batches, text in chunks.

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

import codecs
import contextlib
import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from medguard.errors import UnreadableInput

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


@dataclass(frozen=True)
class UnscannedColumn:
    """A column holding data that was not read, and why (never quoting the data)."""

    table: str
    column: str
    reason: str


class Columns(dict[str, Any]):
    """One batch of a table: ``{column: values}``; ``rows`` is how many records it holds.

    Values are strings or nulls (a list or an Arrow string array). A gathered array path
    (``identifier[].value``) may hold more values than ``rows``, a path absent from some
    records fewer.
    """

    __slots__ = ("rows",)

    def __init__(self, columns: dict[str, Any], rows: int) -> None:
        super().__init__(columns)
        self.rows = rows


_Note = Callable[[str, str, str], None]


class TableStream:
    """The batches of a table file: iterate for ``(table, columns)``; see :func:`read_table`.

    ``unscanned`` lists the columns whose data was not read, each once; it is complete when
    iteration has ended.
    """

    def __init__(self, path: Path, fmt: str, batches: Callable[[_Note], Iterator[Any]]) -> None:
        self._path = path
        self._fmt = fmt
        self._unscanned: dict[tuple[str, str], UnscannedColumn] = {}
        self._batches = self._guarded(batches(self._note))

    @property
    def unscanned(self) -> tuple[UnscannedColumn, ...]:
        """Columns holding data that was not read, in the order met."""
        return tuple(self._unscanned.values())

    def _note(self, table: str, column: str, reason: str) -> None:
        self._unscanned.setdefault((table, column), UnscannedColumn(table, column, reason))

    def __iter__(self) -> TableStream:
        return self

    def __next__(self) -> tuple[str, Columns]:
        return next(self._batches)

    def _guarded(self, batches: Iterator[tuple[str, Columns]]) -> Iterator[tuple[str, Columns]]:
        path, fmt = self._path, self._fmt
        try:
            yield from batches
        except UnreadableInput:
            raise
        except RecursionError:
            raise UnreadableInput(str(path), f"cannot read as {fmt} (nested too deeply)") from None
        except (OSError, UnicodeDecodeError, ValueError, KeyError, EOFError, csv.Error) as exc:
            raise UnreadableInput(str(path), f"cannot read as {fmt} ({_reason(exc)})") from None
        except Exception as exc:  # pyarrow and openpyxl raise their own types on corrupt files
            if type(exc).__module__.split(".")[0] in ("pyarrow", "openpyxl", "zipfile"):
                raise UnreadableInput(str(path), f"cannot read as {fmt} ({_reason(exc)})") from None
            raise


def file_format(path: Path) -> str:
    """``csv``, ``tsv``, ``xlsx``, ``parquet``, ``jsonl``, ``text``, ``binary`` (skipped) or
    ``empty`` (0 bytes, or only a byte-order mark and white space: clean, nothing to read)."""
    if _is_empty(path):
        return "empty"
    known = _BY_SUFFIX.get(path.suffix.lower())
    if known is not None:
        return known
    return "binary" if looks_binary(_head(path, 8192)) else "text"


def _is_empty(path: Path) -> bool:
    """0 bytes; or, for a small file, nothing but a byte-order mark and white space."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableInput(str(path), f"cannot read ({exc.strerror or exc})") from None
    if size == 0:
        return True
    if size > _SNIFF_BYTES:
        return False
    data = _head(path, size)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return not data.decode("utf-16").strip()
        except UnicodeDecodeError:
            return False
    return not data.removeprefix(codecs.BOM_UTF8).strip()


def _head(path: Path, size: int) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(size)
    except OSError as exc:
        raise UnreadableInput(str(path), f"cannot read ({exc.strerror or exc})") from None


# Control bytes a text file does not hold: all below 0x20 but tab, line feed, vertical tab,
# form feed, carriage return and escape (ANSI colours in logs), and DEL.
_CONTROL = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
#: The share of odd bytes above which a file's head is binary (see :func:`looks_binary`).
BINARY_SHARE = 0.10


def looks_binary(head: bytes) -> bool:
    """Whether a file starting with ``head`` (its first 8 KB) is binary, judged by proportion.

    UTF-16 text (with a byte-order mark, or recognized by its zero bytes, see
    :func:`_utf16_variant`) is text. Otherwise the head is binary when more than
    :data:`BINARY_SHARE` (10%) of it is *odd* and at least half of that is control bytes. Odd
    bytes are control bytes (other than tab, line breaks, form feed and escape) plus the
    bytes that are text neither in UTF-8 nor in GB18030 (counted in whichever reads more).

    So a stray NUL, or a few hundred padding bytes in a log, do not make a file binary (it is
    read and scanned), and neither does text in an unknown encoding with no control bytes (it
    is read, and fails as unreadable: never skipped unread). Compressed data, images and
    executables are skipped: random bytes are about 10% control bytes and 12% that GB18030
    cannot read. The threshold is lower than Perl's classic 30% because that one counts every
    non-ASCII byte, and Chinese text is mostly non-ASCII; here valid UTF-8 or GB18030 is text.
    """
    if not head:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_variant(head):
        return False
    control = len(head) - len(head.translate(None, _CONTROL))
    if control * 2 < BINARY_SHARE * len(head):
        return False
    unreadable = min(_undecodable(head, "utf-8"), _undecodable(head, "gb18030"))
    return control + unreadable > BINARY_SHARE * len(head)


def _undecodable(data: bytes, encoding: str) -> int:
    """About how many bytes of ``data`` are not text in ``encoding`` (an incomplete character
    at the very end is not counted)."""
    text = data.decode(encoding, errors="replace")
    bad = text.count("\ufffd")
    if bad and text.endswith("\ufffd"):
        bad -= 1
    return bad


def _utf16_variant(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` for UTF-16 text without a byte-order mark, else None.

    ASCII characters (digits, punctuation, line breaks) are one zero byte and one non-zero
    byte in UTF-16, so a UTF-16-LE head has zero bytes at odd positions and almost none at even
    ones (BE the reverse); binary data has zeros at both. Text holding no ASCII character at
    all (not even a line break) cannot be told this way. The head must also decode, with few
    control characters.
    """
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even = head[0 : 2 * pairs : 2].count(0)
    odd = head[1 : 2 * pairs : 2].count(0)
    for encoding, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros >= max(2, pairs // 50) and other * 20 <= zeros:
            data = head[: 2 * pairs]
            text = None
            for cut in (0, 2):  # the head may end inside a surrogate pair
                with contextlib.suppress(UnicodeDecodeError):
                    text = data[: len(data) - cut].decode(encoding)
                    break
            if text is None:
                continue
            control = sum((ch < " " and ch not in "\t\n\r\f\v\x1b") or ch == "\x7f" for ch in text)
            if control <= BINARY_SHARE * len(text):
                return encoding
    return None


def detect_encoding(path: Path) -> str:
    """The text encoding of ``path``: ``utf-8``, ``utf-8-sig``, ``utf-16`` (with a byte-order
    mark), ``utf-16-le`` or ``utf-16-be`` (without one), ``gb18030`` or ``big5``.

    Judged on a sample of the file's non-ASCII stretches (see :func:`_non_ascii_sample`). UTF-8
    wins when the sample is valid UTF-8 and reads as Chinese at least as well as it does in
    GB18030. Otherwise GB18030 (read for GBK and GB2312 too, its subsets, so rare characters in
    names still decode) or Big5, whichever reads as more Chinese text; charset-normalizer breaks
    a tie.
    """
    head = _head(path, 8192)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    variant = _utf16_variant(head)
    if variant is not None:
        return variant
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
) -> TableStream:
    """Batches ``(table, columns)``; ``table`` is ``""`` or an Excel sheet's name.

    ``columns`` is a :class:`Columns` dict: values are strings (or nulls), a list or an Arrow
    string array, never converted to another type, so leading zeros and check characters
    survive; its ``rows`` counts the batch's records. Nested data is flattened by path and
    columns whose data cannot be read are listed in the stream's ``unscanned`` (see the module
    docstring). An empty file yields nothing.
    """
    readers = {"csv": _csv, "tsv": _csv, "parquet": _parquet, "xlsx": _xlsx, "jsonl": _jsonl}
    reader = readers[fmt]

    def batches(note: _Note) -> Iterator[tuple[str, Columns]]:
        if _is_empty(path):
            return
        yield from reader(path, fmt=fmt, encoding=encoding, batch_rows=batch_rows, note=note)

    return TableStream(path, fmt, batches)


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|b'[^']*'")
_DATA_LIKE = re.compile(r"[^\x00-\x7f]+|[0-9A-Za-z]*\d{5,}[0-9A-Za-z]*|\S+@\S+")


def _reason(exc: BaseException) -> str:
    """The first part of a library's message, never the data it quotes.

    Parsers quote the offending row after a second colon (``CSV parse error: Expected 2
    columns, got 3: 李四,139...``) or quote a cell (``invalid value '张三'``); the part after the
    second colon, anything quoted, non-ASCII text and long digit runs are dropped.
    """
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "straddling" in text:  # pyarrow: a row longer than the block it reads at a time
        return "a row longer than the reader's block (4 MB by default)"
    if "field larger than field limit" in text:  # the csv module (no pyarrow)
        return f"a field longer than {csv.field_size_limit():,} characters (csv module limit)"
    text = ": ".join(text.split(": ")[:2])
    return _DATA_LIKE.sub("…", _QUOTED.sub("'…'", text))[:200]


def _lines(f: IO[str], path: Path, limit: int | None = None) -> Iterator[str]:
    """The lines of ``f``, none longer than :data:`MAX_LINE_CHARS` (else UnreadableInput)."""
    limit = MAX_LINE_CHARS if limit is None else limit
    number = 0
    while line := f.readline(limit + 1):
        number += 1
        if len(line) > limit:
            raise UnreadableInput(
                str(path), f"line {number} is longer than {limit:,} characters (MAX_LINE_CHARS)"
            )
        yield line


# --- CSV and TSV --------------------------------------------------------------------------

_DELIMITERS = (",", ";", "|", "\t")
_SNIFF_LINES = 20
_SNIFF_FIELD = 64 * 1024


@dataclass(frozen=True)
class _Layout:
    delimiter: str
    names: list[str]
    header: bool  # False: the first row is data


def _csv(
    path: Path, *, fmt: str, encoding: str | None, batch_rows: int, note: _Note
) -> Iterator[tuple[str, Columns]]:
    encoding = encoding or detect_encoding(path)
    layout = _csv_layout(path, encoding, fmt)
    if layout is None:
        return
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        yield from _csv_stdlib(path, encoding, layout, batch_rows)
    else:
        yield from _csv_arrow(path, encoding, layout, batch_rows)


def _csv_layout(path: Path, encoding: str, fmt: str) -> _Layout | None:
    """The delimiter, the column names and whether the first row is a header; None when the
    file holds no row at all."""
    with _open_text(path, encoding) as f:
        sample: list[str] = []
        size = 0
        for line in _lines(f, path):
            sample.append(line)
            size += len(line)
            if len(sample) >= _SNIFF_LINES or size >= _SNIFF_BYTES:
                break
    # rows past the header are cut for sniffing: a long note must not trip the csv module's
    # field limit (pyarrow reads it whole later)
    sample = sample[:1] + [line[:_SNIFF_FIELD] for line in sample[1:]]
    delimiter = "\t" if fmt == "tsv" else _sniff_delimiter(sample)
    rows = [row for row in csv.reader(sample, delimiter=delimiter) if row]
    if not rows:
        if any(line.strip() for line in sample):
            raise UnreadableInput(str(path), "no header row")
        return None
    first = rows[0]
    if _headerless(first):
        return _Layout(delimiter, [f"column_{i + 1}" for i in range(len(first))], header=False)
    names = _unique([h.strip() or f"column_{i + 1}" for i, h in enumerate(first)])
    return _Layout(delimiter, names, header=True)


def _sniff_delimiter(lines: list[str]) -> str:
    """The one of ``,`` ``;`` ``|`` tab that splits the first rows into the same number (more
    than one) of fields most consistently, the first row holding it most; comma on a tie."""
    if not lines:
        return ","

    def score(delimiter: str) -> tuple[bool, int, bool]:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        if not widths or widths[0] < 2:
            return (False, 0, delimiter == ",")
        same = sum(width == widths[0] for width in widths)
        return (same * 5 >= len(widths) * 4, widths[0], delimiter == ",")

    # lines cut at the sample's end may be incomplete: judge on the whole lines
    whole = lines[:-1] if len(lines) > 1 and not lines[-1].endswith("\n") else lines
    return max(_DELIMITERS, key=lambda d: score(d) if whole else (False, 0, d == ","))


_DATE = re.compile(
    r"(?:19|20)\d{2}(?:[-/.]\d{1,2}[-/.]\d{1,2}|年\d{1,2}月\d{1,2}日?)"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_DECIMAL = re.compile(r"[-+]?\d+\.\d+")


def looks_like_data(cell: str) -> bool:
    """Whether a first-row cell is a value rather than a column name.

    Digit-heavy text (at least 5 digits making at least half of it: IDs, phones, cards, record
    numbers such as ``ZY20250103``, compact dates), a date (``2025-01-03``, ``2025/1/3``,
    ``2025年1月3日``), an e-mail address or a decimal number. A header cell such as ``姓名``,
    ``phone``, ``icd10`` or ``2023`` (a year heading a pivot column) is not data.
    """
    text = cell.strip()
    if not text:
        return False
    digits = sum(ch.isdigit() for ch in text)
    if digits >= 5 and digits * 2 >= len(text):
        return True
    return bool(_DATE.fullmatch(text) or _EMAIL.fullmatch(text) or _DECIMAL.fullmatch(text))


def _headerless(first: list[Any]) -> bool:
    """A first row with any cell that looks like data is data, not a header."""
    return any(looks_like_data(str(cell)) for cell in first if cell is not None)


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


def _csv_arrow(
    path: Path, encoding: str, layout: _Layout, batch_rows: int
) -> Iterator[tuple[str, Columns]]:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    unique = _unique(layout.names)
    _check_width(path, len(unique))
    read = pacsv.ReadOptions(
        encoding="utf8" if encoding == "utf-8" else encoding,
        column_names=unique, skip_rows=1 if layout.header else 0,
        block_size=max(1 << 20, batch_rows * 64),
    )  # fmt: skip
    ragged: list[str] = []  # rows with too many or too few fields: read by the csv module

    def keep_ragged(row: Any) -> str:
        ragged.append(row.text)
        return "skip"

    parse = pacsv.ParseOptions(
        delimiter=layout.delimiter, newlines_in_values=True, invalid_row_handler=keep_ragged
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
                columns = {name: batch.column(i) for i, name in enumerate(unique)}
                yield "", Columns(columns, batch.num_rows)
            if ragged:  # read as the csv module path reads them
                yield "", _ragged_columns(path, unique, ragged, layout.delimiter)
    if ragged:  # when every row is ragged, Arrow yields no block at all
        yield "", _ragged_columns(path, unique, ragged, layout.delimiter)


def _ragged_columns(path: Path, names: list[str], ragged: list[str], delimiter: str) -> Columns:
    rows = list(csv.reader(ragged, delimiter=delimiter))
    ragged.clear()
    return _columns(path, names, rows)


def _csv_stdlib(
    path: Path, encoding: str, layout: _Layout, batch_rows: int
) -> Iterator[tuple[str, Columns]]:
    names = _unique(layout.names)
    _check_width(path, len(names))
    with _open_text(path, encoding) as f:
        rows = csv.reader(_lines(f, path), delimiter=layout.delimiter)
        if layout.header:
            next(rows, None)
        batch: list[list[str]] = []
        cells = 0
        for row in rows:
            batch.append(row)
            cells += len(row)
            if len(batch) >= batch_rows or cells >= _BATCH_CELLS:
                yield "", _columns(path, names, batch)
                batch, cells = [], 0
        if batch:
            yield "", _columns(path, names, batch)


def _columns(path: Path, names: list[str], rows: list[list[Any]]) -> Columns:
    """Rows as columns; short rows are padded, and fields past the header get their own
    columns (``column_5``), so nothing in a ragged row goes unscanned."""
    width = max([len(names), *map(len, rows)])
    _check_width(path, width)
    names = names + [f"column_{i + 1}" for i in range(len(names), width)]
    padded = [row + [None] * (width - len(row)) for row in rows]
    columns = {name: [row[i] for row in padded] for i, name in enumerate(names)}
    return Columns(columns, len(rows))


def _check_width(path: Path, width: int) -> None:
    if width > MAX_COLUMNS:
        raise UnreadableInput(
            str(path), f"more than {MAX_COLUMNS:,} columns in one table (MAX_COLUMNS)"
        )


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}.{seen[name] - 1}")
    return out


# --- Parquet ------------------------------------------------------------------------------


def _parquet(
    path: Path, *, fmt: str, encoding: str | None, batch_rows: int, note: _Note
) -> Iterator[tuple[str, Columns]]:
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
            for column_path, values in _arrow_paths(pa, name, column, note):
                _put(pa, columns, column_path, values)
        _check_width(path, len(columns))
        yield "", Columns(columns, batch.num_rows)


def _put(pa: Any, columns: dict[str, Any], name: str, values: Any) -> None:
    """Add a path's values; a path met twice (a field ``a.b`` and a struct ``a`` with a field
    ``b``) keeps both."""
    known = columns.get(name)
    if known is None:
        columns[name] = values
    else:
        columns[name] = pa.concat_arrays([known.cast(pa.large_string()),
                                          values.cast(pa.large_string())])  # fmt: skip


def _arrow_paths(pa: Any, path: str, array: Any, note: _Note) -> Iterator[tuple[str, Any]]:
    """``(path, string array)`` for every leaf of a column; a leaf that cannot be read as text
    is reported through ``note`` instead."""
    import pyarrow.compute as pc

    kind = array.type
    types = pa.types
    if isinstance(kind, pa.ExtensionType):
        yield from _arrow_paths(pa, path, array.storage, note)
    elif types.is_dictionary(kind):
        yield from _arrow_paths(pa, path, array.dictionary_decode(), note)
    elif types.is_string(kind) or types.is_large_string(kind):
        yield path, array
    elif types.is_null(kind):
        return  # nothing but nulls: nothing to read
    elif types.is_struct(kind):
        for field, child in zip(kind, array.flatten(), strict=True):
            yield from _arrow_paths(pa, f"{path}.{field.name}", child, note)
    elif types.is_map(kind):  # a list of {key, value}: name[].key, name[].value
        entries = pa.list_(pa.struct([kind.key_field, kind.item_field]))
        yield from _arrow_paths(pa, path, array.cast(entries), note)
    elif _is_list(types, kind):
        yield from _arrow_paths(pa, f"{path}[]", array.flatten(), note)
    elif types.is_floating(kind):
        yield path, _float_text(pa, pc, array)
    elif types.is_decimal(kind):
        yield path, pc.replace_substring_regex(pc.cast(array, pa.string()), r"\.0+$", "")
    elif _is_binary(types, kind):
        text = _binary_text(pa, pc, array)
        if text is None:
            note("", path, "binary values that are neither UTF-8 nor GB18030 text")
        else:
            yield path, text
    elif types.is_union(kind):
        note("", path, "a union column (not read)")
    else:  # integers (IDs, phones), booleans, dates, times, durations, string views
        try:
            yield path, pc.cast(array, pa.string())
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            note("", path, f"values of type {kind} (not read)")


def _is_list(types: Any, kind: Any) -> bool:
    return bool(
        types.is_list(kind) or types.is_large_list(kind) or types.is_fixed_size_list(kind)
        or types.is_list_view(kind) or types.is_large_list_view(kind)
    )  # fmt: skip


def _is_binary(types: Any, kind: Any) -> bool:
    return bool(
        types.is_binary(kind) or types.is_large_binary(kind)
        or types.is_fixed_size_binary(kind) or types.is_binary_view(kind)
    )  # fmt: skip


def _float_text(pa: Any, pc: Any, array: Any) -> Any:
    """Floats as text; integral ones as their digits (``13812345678``, not ``1.38e+10``)."""
    values = pc.cast(array, pa.float64())
    integral = pc.and_(pc.equal(pc.floor(values), values), pc.less(pc.abs(values), 9.2e18))
    digits = pc.cast(pc.cast(pc.if_else(integral, values, 0.0), pa.int64()), pa.string())
    return pc.if_else(integral, digits, pc.cast(values, pa.string()))


def _binary_text(pa: Any, pc: Any, array: Any) -> Any:
    """Binary values as text: UTF-8 when all are, else GB18030 when all are; else None."""
    if not pa.types.is_binary(array.type):
        array = (
            pc.cast(array, pa.large_binary()) if not pa.types.is_large_binary(array.type) else array
        )
    try:
        return pc.cast(
            array, pa.large_string() if pa.types.is_large_binary(array.type) else pa.string()
        )
    except pa.ArrowInvalid:
        pass
    try:
        return pa.array(
            [None if v is None else v.decode("gb18030") for v in array.to_pylist()], pa.string()
        )
    except UnicodeDecodeError:
        return None


def _need_arrow(path: Path) -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UnreadableInput(
            str(path), "reading Parquet needs pyarrow (pip install 'medguard[arrow]')"
        ) from None
    return pa, pq


# --- Excel --------------------------------------------------------------------------------


def _xlsx(
    path: Path, *, fmt: str, encoding: str | None, batch_rows: int, note: _Note
) -> Iterator[tuple[str, Columns]]:
    try:
        import openpyxl
    except ImportError:
        raise UnreadableInput(
            str(path), "reading Excel needs openpyxl (pip install 'medguard[excel]')"
        ) from None
    _check_archive(path)
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
            if rows > MAX_XLSX_ROWS:
                raise UnreadableInput(
                    str(path), f"a sheet has more than {MAX_XLSX_ROWS:,} rows (MAX_XLSX_ROWS)"
                )
            if cells > MAX_XLSX_CELLS:
                raise UnreadableInput(
                    str(path), f"a sheet has more than {MAX_XLSX_CELLS:,} cells (MAX_XLSX_CELLS)"
                )


def _check_parts(path: Path, parts: list[zipfile.ZipInfo]) -> None:
    for part in parts:
        name = part.filename.lower()
        sheet = name.startswith("xl/worksheets/")
        what = "a sheet" if sheet else "its shared strings" if "sharedstrings" in name else "a part"
        limit, limit_name = (
            (MAX_XLSX_SHEET_BYTES, "MAX_XLSX_SHEET_BYTES")
            if sheet
            else (MAX_XLSX_PART_BYTES, "MAX_XLSX_PART_BYTES")
        )
        if part.file_size > limit:
            raise UnreadableInput(
                str(path),
                f"{what} would expand to {part.file_size:,} bytes, over {limit:,} "
                f"({limit_name}): refused as a possible zip bomb",
            )
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > _RATIO_FLOOR and ratio > MAX_XLSX_RATIO:
            raise UnreadableInput(
                str(path),
                f"{what} would expand {ratio:,.0f} times its compressed size, over "
                f"{MAX_XLSX_RATIO} (MAX_XLSX_RATIO): refused as a possible zip bomb",
            )


def _sheets(path: Path, book: Any, batch_rows: int) -> Iterator[tuple[str, Columns]]:
    for sheet in book.worksheets:
        with contextlib.suppress(AttributeError):
            sheet.reset_dimensions()  # rows as wide as their cells, not a declared range
        rows = (row for row in _sheet_rows(path, sheet) if any(v is not None for v in row))
        first = next(rows, None)
        if first is None:
            continue
        header = [_cell_text(v) for v in first]
        batch: list[list[Any]] = []
        if _headerless(header):
            names = [f"column_{i + 1}" for i in range(len(header))]
            batch.append(header)
        else:
            names = _unique([
                h.strip() if h is not None and h.strip() else f"column_{i + 1}"
                for i, h in enumerate(header)
            ])  # fmt: skip
        _check_width(path, len(names))
        cells = len(header)
        for row in rows:
            batch.append([_cell_text(v) for v in row])
            cells += len(row)
            if len(batch) >= batch_rows or cells >= _BATCH_CELLS:
                yield sheet.title, _columns(path, names, batch)
                batch, cells = [], 0
        if batch:
            yield sheet.title, _columns(path, names, batch)


def _sheet_rows(path: Path, sheet: Any) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows (empty ones too); a sheet openpyxl cannot parse, or one past
    :data:`MAX_XLSX_ROWS` rows or :data:`MAX_XLSX_CELLS` cells, raises UnreadableInput."""
    rows = cells = 0
    try:
        for row in sheet.iter_rows(values_only=True):
            rows += 1
            cells += len(row)
            if rows > MAX_XLSX_ROWS:
                raise UnreadableInput(
                    str(path),
                    f"sheet {sheet.title!r} has more than {MAX_XLSX_ROWS:,} rows (MAX_XLSX_ROWS)",
                )
            if cells > MAX_XLSX_CELLS:
                raise UnreadableInput(
                    str(path),
                    f"sheet {sheet.title!r} has more than {MAX_XLSX_CELLS:,} cells "
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


def _number_text(value: float) -> str | None:
    """An integral float as its digits (``13812345678``), others as ``repr``; NaN/inf: None."""
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return str(int(value)) if value.is_integer() else repr(value)


# --- JSON Lines ---------------------------------------------------------------------------


def _jsonl(
    path: Path, *, fmt: str, encoding: str | None, batch_rows: int, note: _Note
) -> Iterator[tuple[str, Columns]]:
    encoding = encoding or detect_encoding(path)
    batch: list[dict[str, Any]] = []
    gathered: set[str] = set()  # paths holding several values in some record of the batch
    names: set[str] = set()
    with path.open(encoding=encoding) as f:
        for line_no, line in enumerate(_lines(f, path), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UnreadableInput(str(path), f"line {line_no}: not JSON ({exc.msg})") from None
            except RecursionError:
                raise UnreadableInput(str(path), f"line {line_no}: nested too deeply") from None
            flat = _flatten(record, gathered)
            _check_width(path, len(flat))
            batch.append(flat)
            if len(batch) >= batch_rows:
                yield "", _records(path, batch, gathered, names)
                batch, gathered = [], set()
    if batch:
        yield "", _records(path, batch, gathered, names)


_DEEP = 100  # nesting past which a value is walked with a stack, not recursion


def _flatten(record: Any, gathered: set[str]) -> dict[str, Any]:
    """Every string and number of a JSON value, by path: ``a.b``, ``items[].code``,
    ``matrix[][]``.

    An object's fields are named by key (the top-level object's without a prefix); a value on
    a line that is not an object is ``value``. Every item of an array goes to the same path,
    so one column gathers them all. A path met once maps to its text, a path met more often
    to a list of them (and is added to ``gathered``).
    """
    out: dict[str, Any] = {}
    if type(record) is dict:
        _walk_object(record, "", out, gathered, 0)
    else:
        _walk(record, "value", out, gathered, 0)
    return out


def _walk_object(
    obj: dict[str, Any], prefix: str, out: dict[str, Any], gathered: set[str], depth: int
) -> None:
    for key, value in obj.items():
        path = prefix + key
        if type(value) is str:  # the common case first, without a call
            if path in out:
                _add(out, gathered, path, value)
            else:
                out[path] = value
        else:
            _walk(value, path, out, gathered, depth + 1)


def _walk(value: Any, path: str, out: dict[str, Any], gathered: set[str], depth: int) -> None:
    if depth > _DEEP:
        _walk_deep(value, path, out, gathered)
    elif type(value) is dict:
        _walk_object(value, path + ".", out, gathered, depth)
    elif type(value) is list:
        inner = path + "[]"
        for item in value:
            _walk(item, inner, out, gathered, depth + 1)
    else:
        text = _json_text(value)
        if text is not None:
            _add(out, gathered, path, text)


def _walk_deep(value: Any, path: str, out: dict[str, Any], gathered: set[str]) -> None:
    """:func:`_walk` with a stack, for values nested deeper than recursion should go."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{path}.{k}", v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{path}[]", v) for v in reversed(value))
        else:
            text = _json_text(value)
            if text is not None:
                _add(out, gathered, path, text)


def _add(out: dict[str, Any], gathered: set[str], path: str, text: str) -> None:
    known = out.get(path)
    if known is None:
        out[path] = text
    elif type(known) is list:
        known.append(text)
    else:
        out[path] = [known, text]
        gathered.add(path)


def _json_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    return None


def _records(
    path: Path, batch: list[dict[str, Any]], gathered: set[str], names: set[str]
) -> Columns:
    """The batch's records as columns; ``names`` gathers every column name met so far."""
    order = list(dict.fromkeys(key for record in batch for key in record))
    names.update(order)
    _check_width(path, len(names))
    columns: dict[str, Any] = {}
    for name in order:
        if name in gathered:
            values: list[Any] = []
            for record in batch:
                value = record.get(name)
                if type(value) is list:
                    values.extend(value)
                elif value is not None:
                    values.append(value)
            columns[name] = values
        else:
            columns[name] = [record.get(name) for record in batch]
    try:
        import pyarrow as pa
    except ImportError:
        return Columns(columns, len(batch))
    for name, values in columns.items():  # Arrow arrays are filtered in C++ (faster scans)
        columns[name] = pa.array(values, pa.string())
    return Columns(columns, len(batch))
