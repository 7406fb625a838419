"""What the readers share: a batch of string columns, unscanned columns, error reasons that
never quote data, bounded lines, column-name rules.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from medguard.errors import UnreadableInput
from medguard.io import limits


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
    """The lines of ``f``, none longer than :data:`~medguard.io.limits.MAX_LINE_CHARS` (else
    UnreadableInput)."""
    limit = limits.MAX_LINE_CHARS if limit is None else limit
    number = 0
    while line := f.readline(limit + 1):
        number += 1
        if len(line) > limit:
            raise UnreadableInput(
                str(path), f"line {number} is longer than {limit:,} characters (MAX_LINE_CHARS)"
            )
        yield line


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
    if width > limits.MAX_COLUMNS:
        raise UnreadableInput(
            str(path), f"more than {limits.MAX_COLUMNS:,} columns in one table (MAX_COLUMNS)"
        )


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}.{seen[name] - 1}")
    return out


def _number_text(value: float) -> str | None:
    """An integral float as its digits (``13812345678``), others as ``repr``; NaN/inf: None."""
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return str(int(value)) if value.is_integer() else repr(value)


def _need_arrow(path: Path) -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UnreadableInput(
            str(path), "reading Parquet needs pyarrow (pip install 'medguard[arrow]')"
        ) from None
    return pa, pq


_T = TypeVar("_T")


def _guarded(path: Path, fmt: str, batches: Iterator[_T]) -> Iterator[_T]:
    """``batches``, with every failure to read turned into :class:`UnreadableInput` naming the
    file and a reason that quotes no data."""
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
