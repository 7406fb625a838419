"""CSV and TSV: delimiter sniffing, headerless files, and streamed reading in any detected
encoding (pyarrow when installed, the standard library otherwise).
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from medguard.errors import UnreadableInput
from medguard.io import limits
from medguard.io._common import Columns, _check_width, _columns, _lines, _Note, _unique
from medguard.io.formats import _SNIFF_BYTES, detect_encoding

__all__ = ["looks_like_data"]

#: The bytes pyarrow parses at a time: batches are cut from blocks (zero-copy), so a batch
#: holds at most a block's rows; memory holds a few blocks.
_BLOCK_BYTES = 1 << 20
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

    unique = _unique(layout.names)
    ragged: list[str] = []  # rows with too many or too few fields: read by the csv module
    types = dict.fromkeys(unique, pa.string())
    for batch in _arrow_batches(path, encoding, layout, batch_rows, types, ragged.append):
        if batch is None:  # read as the csv module path reads them
            yield "", _ragged_columns(path, unique, ragged, layout.delimiter)
            continue
        columns = {name: batch.column(i) for i, name in enumerate(unique)}
        yield "", Columns(columns, batch.num_rows)


def _arrow_batches(
    path: Path,
    encoding: str,
    layout: _Layout,
    batch_rows: int,
    types: dict[str, Any],
    on_ragged: Callable[[str], None],
    columns: list[str] | None = None,
) -> Generator[Any, None, None]:
    """The file's rows as Arrow record batches of at most ``batch_rows`` rows, columns of the
    given ``types``, read in blocks by pyarrow (transcoding from ``encoding`` as it streams).

    A row with more or fewer fields than the header goes to ``on_ragged`` (as its text); after
    each block holding such rows a ``None`` is yielded (and once more at the end if any are
    left), so the caller can handle them in order or refuse them. ``columns``: convert only
    those (the others are split from the rows but never turned into values).
    """
    from pyarrow import csv as pacsv

    unique = _unique(layout.names)
    _check_width(path, len(unique))
    read = pacsv.ReadOptions(
        encoding="utf8" if encoding == "utf-8" else encoding,
        column_names=unique, skip_rows=1 if layout.header else 0,
        block_size=_BLOCK_BYTES,
        use_threads=False,  # threads read blocks ahead of a slow consumer: memory grew 80 MB
    )  # fmt: skip
    pending = False

    def keep_ragged(row: Any) -> str:
        nonlocal pending
        pending = True
        on_ragged(row.text)
        return "skip"

    parse = pacsv.ParseOptions(
        delimiter=layout.delimiter, newlines_in_values=True, invalid_row_handler=keep_ragged
    )
    convert = pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=True,
        null_values=[""], quoted_strings_can_be_null=True, include_columns=columns,
    )  # fmt: skip
    source = _source(path, encoding)
    paced = _Paced(source.open("rb") if isinstance(source, Path) else source)
    try:
        with pacsv.open_csv(
            paced, read_options=read, parse_options=parse, convert_options=convert
        ) as r:
            try:
                for block in r:
                    paced.allow(1)
                    for start in range(0, block.num_rows, batch_rows):  # zero-copy slices
                        yield block.slice(start, batch_rows)
                    if pending:
                        pending = False
                        yield None
            finally:  # before the reader closes: it waits for its thread, which may wait here
                paced.stop()
    finally:
        paced.close()
    if pending:  # when every row is ragged, Arrow yields no block at all
        yield None


class _Paced(io.RawIOBase):
    """A binary stream read no more than a few reads ahead of the batches taken.

    pyarrow's CSV reader reads its input on a background thread up to 32 blocks ahead of the
    consumer (whatever ``use_threads`` says): 130 MB held for a slow consumer of a 150 MB file.
    Each read here waits for a credit; the consumer grants one per block it takes
    (:meth:`allow`). A wait gives up after a while, so a reader that needs more reads than
    expected is slowed, never stuck.
    """

    AHEAD = 2

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._credits = threading.Semaphore(self.AHEAD)
        self._stopped = False

    def readable(self) -> bool:
        return True

    def _go_on(self) -> bool:
        """Wait for a credit unless stopped; whether reading goes on."""
        if self._stopped:
            return False
        self._credits.acquire(timeout=1.0)
        return not self._stopped

    def readinto(self, buffer: Any) -> int:
        if not self._go_on():
            return 0
        count: int = self._raw.readinto(buffer) or 0
        return count

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (one copy: pyarrow calls this, not :meth:`readinto`)."""
        if not self._go_on():
            return b""
        data: bytes = self._raw.read(size)
        return data

    def stop(self) -> None:
        """Read nothing more (end of file from now on) and never make the reader wait: a read
        waiting for a credit gets one and sees the stop; later reads see it before waiting.
        (A few credits, not thousands: each one released wakes waiters one by one.)"""
        self._stopped = True
        self._credits.release(self.AHEAD + 1)

    def allow(self, blocks: int) -> None:
        """Let the reader read ``blocks`` more blocks."""
        self._credits.release(blocks)

    def close(self) -> None:
        self.stop()
        self._raw.close()
        super().close()


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
            if len(batch) >= batch_rows or cells >= limits._BATCH_CELLS:
                yield "", _columns(path, names, batch)
                batch, cells = [], 0
        if batch:
            yield "", _columns(path, names, batch)
