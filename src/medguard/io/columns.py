"""Tables as string columns by path: the scanner's view of a table file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from medguard.io import limits
from medguard.io._common import Columns, UnscannedColumn, _guarded, _Note
from medguard.io.csv import _csv
from medguard.io.excel import _xlsx
from medguard.io.formats import _is_empty
from medguard.io.jsonl import _jsonl
from medguard.io.parquet import _parquet

__all__ = ["Columns", "TableStream", "UnscannedColumn", "read_table"]


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
        return _guarded(self._path, self._fmt, batches)


def read_table(
    path: Path, fmt: str, *, encoding: str | None = None, batch_rows: int = limits.BATCH_ROWS
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
