"""Typed tables: :func:`open_table` reads a file as Arrow record batches with one schema.

The reader the pipelines stream through (and the writer's counterpart, see
:mod:`medguard.io.writers`)::

    with open_table("visits.csv") as table:
        print(table.schema)
        for batch in table:  # pyarrow.RecordBatch, every one with table.schema
            ...

Types come from the format where it carries them (Parquet natively; Excel cells are numbers,
dates or text) and, for CSV and TSV, from the rule in :mod:`medguard.io.types` (an identifier
never becomes a number); JSON Lines values keep their JSON types. ``all_strings=True`` reads
every value as text, as the scanner does.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from medguard.errors import InvalidArgument, UnreadableInput
from medguard.io import limits
from medguard.io._common import UnscannedColumn, _guarded, _need_arrow, _unique
from medguard.io.formats import TABLE_FORMATS, _is_empty, detect_encoding, file_format

__all__ = ["FORMATS", "TableReader", "open_table"]

#: The formats :func:`open_table` reads, and the names ``format=`` takes.
FORMATS = TABLE_FORMATS


class TableReader:
    """An open table file: iterate for :class:`pyarrow.RecordBatch` es, all with :attr:`schema`.

    A context manager; leaving it (or :meth:`close`) closes the file. Batches are read as they
    are iterated, at most ``batch_rows`` rows and about
    :data:`~medguard.io.limits.MAX_BATCH_BYTES` each, so memory stays bounded whatever the
    file's size. Every failure to read raises :class:`~medguard.errors.UnreadableInput`.
    """

    def __init__(
        self,
        path: Path,
        fmt: str,
        *,
        schema: Any,
        batches: Iterator[Any],
        encoding: str | None = None,
        table: str = "",
        unscanned: tuple[UnscannedColumn, ...] = (),
        resources: contextlib.ExitStack | None = None,
    ) -> None:
        self._path = path
        self._format = fmt
        self._encoding = encoding
        self._schema = schema
        self._table = table
        self._unscanned = unscanned
        self._resources = resources or contextlib.ExitStack()
        self._batches = _guarded(path, fmt, self._conformed(batches))
        self.rows = 0
        """Rows read so far."""

    @property
    def path(self) -> Path:
        """The file read."""
        return self._path

    @property
    def format(self) -> str:
        """``csv``, ``tsv``, ``parquet``, ``jsonl`` or ``xlsx``."""
        return self._format

    @property
    def encoding(self) -> str | None:
        """The text encoding read (CSV, TSV and JSON Lines), else None."""
        return self._encoding

    @property
    def schema(self) -> Any:
        """The :class:`pyarrow.Schema` every batch has (no columns for an empty file)."""
        return self._schema

    @property
    def table(self) -> str:
        """The sheet read, for a workbook; ``""`` otherwise."""
        return self._table

    @property
    def unscanned(self) -> tuple[UnscannedColumn, ...]:
        """Columns read as they are, not as text, with ``all_strings=True`` (binary and union
        columns of a Parquet file): the scanner cannot look into them."""
        return self._unscanned

    def __iter__(self) -> Iterator[Any]:
        return self._batches

    def read_all(self) -> Any:
        """The rest of the table as one :class:`pyarrow.Table` (in memory: for small files)."""
        import pyarrow as pa

        return pa.Table.from_batches(list(self), schema=self._schema)

    def close(self) -> None:
        """Close the file (iterating afterwards reads nothing)."""
        self._batches = iter(())
        self._resources.close()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"TableReader({self._path.name!r}, format={self._format!r})"

    def _conformed(self, batches: Iterator[Any]) -> Iterator[Any]:
        schema = self._schema
        for batch in batches:
            if not batch.schema.equals(schema, check_metadata=False):
                batch = _cast(self._path, batch, schema)
            elif batch.schema.metadata != schema.metadata:
                batch = batch.replace_schema_metadata(schema.metadata)
            self.rows += batch.num_rows
            yield batch


def open_table(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    batch_rows: int = limits.BATCH_ROWS,
    all_strings: bool = False,
    schema: Any = None,
    sheet: str | None = None,
    columns: list[str] | None = None,
) -> TableReader:
    """Open a table file to read as typed Arrow record batches with one schema.

    ``format``: ``csv``, ``tsv``, ``parquet``, ``jsonl`` or ``xlsx``; by default from the
    suffix (see :func:`~medguard.io.formats.file_format`). ``encoding``: the text encoding of a
    CSV, TSV or JSON Lines file; detected by default (UTF-8, UTF-16, GB18030/GBK, Big5).
    ``batch_rows``: the most rows in one batch. ``all_strings``: read every value as text (the
    scanner's view; nested Parquet columns and binary ones stay as they are). ``schema``: the
    types to read, instead of inferring them (CSV, TSV, JSON Lines, Excel: columns missing
    from it are strings; Parquet: batches are cast to it). ``sheet``: the workbook sheet to
    read (by default the first one holding data). ``columns``: read only these columns (kept
    in the file's order; CSV and Parquet skip the others without converting them), each of
    which must be in the file.

    Raises :class:`~medguard.errors.UnreadableInput` for a file that is not a readable table
    (and :class:`~medguard.errors.InvalidArgument` for a bad option). An empty file reads as a
    table with no columns and no rows.
    """
    path = Path(path)
    if batch_rows < 1:
        raise InvalidArgument(f"batch_rows must be at least 1, not {batch_rows}")
    if format is not None and format not in FORMATS:
        raise InvalidArgument(f"format must be one of {', '.join(sorted(FORMATS))}")
    fmt = format or file_format(path)
    pa, _ = _need_arrow(path)
    if fmt == "empty" or _is_empty(path):
        return TableReader(path, format or "empty", schema=pa.schema([]), batches=iter(()))
    if fmt not in FORMATS:
        raise UnreadableInput(str(path), f"not a table file (read as {fmt})")
    stack = contextlib.ExitStack()
    try:
        opened = _READERS[fmt](
            path, fmt, encoding, batch_rows, all_strings, schema, sheet, stack, columns
        )
        if columns is not None:
            opened = _only(path, opened, columns)
        opened.pop("projected", None)
    except BaseException:
        stack.close()
        raise
    return TableReader(path, fmt, **opened, resources=stack)


def _only(path: Path, opened: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """A reader's arguments restricted to ``columns`` (in the file's order)."""
    schema = opened["schema"]
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise InvalidArgument(f"columns not in {path.name}: {', '.join(map(repr, missing))}")
    wanted = set(columns)
    names = [n for n in schema.names if n in wanted]
    batches = opened["batches"]
    if not opened.get("projected"):

        def selected(batches: Iterator[Any]) -> Iterator[Any]:
            for batch in batches:
                yield batch.select(names)

        batches = selected(batches)
    restricted = {k: v for k, v in opened.items() if k != "projected"}
    import pyarrow as pa

    restricted["schema"] = pa.schema([schema.field(n) for n in names], metadata=schema.metadata)
    restricted["batches"] = batches
    return restricted


# --- one opener per format: each returns TableReader's keyword arguments ------------------


def _open_csv(
    path: Path,
    fmt: str,
    encoding: str | None,
    batch_rows: int,
    all_strings: bool,
    schema: Any,
    sheet: str | None,
    stack: contextlib.ExitStack,
    columns: list[str] | None = None,
) -> dict[str, Any]:
    import pyarrow as pa

    from medguard.io.csv import _arrow_batches, _csv_layout
    from medguard.io.types import infer_types

    encoding = encoding or detect_encoding(path)
    layout = _guarded_call(path, fmt, lambda: _csv_layout(path, encoding, fmt))
    if layout is None:
        return {"encoding": encoding, "schema": pa.schema([]), "batches": iter(())}
    names = _unique(layout.names)
    ragged: list[str] = []
    if schema is not None:
        types = {n: schema.field(n).type if n in schema.names else pa.string() for n in names}
    elif all_strings:
        types = dict.fromkeys(names, pa.string())
    else:
        strings = dict.fromkeys(names, pa.string())
        sample_reader = _arrow_batches(
            path, encoding, layout, limits.BATCH_ROWS, strings, ragged.append
        )
        sample = _guarded_call(path, fmt, lambda: next(sample_reader, None))
        sample_reader.close()
        types = infer_types(sample) if sample is not None else strings
        ragged.clear()
    fixed = pa.schema([pa.field(n, t) for n, t in types.items()])
    wanted = None if columns is None else [n for n in names if n in set(columns)]
    batches = _arrow_batches(path, encoding, layout, batch_rows, types, ragged.append, wanted)
    read = fixed if wanted is None else pa.schema([fixed.field(n) for n in wanted])
    return {
        "encoding": encoding,
        "schema": fixed,
        "batches": _csv_checked(path, read, batches),
        "projected": wanted is not None,
    }


_CSV_COLUMN = re.compile(r"CSV column #(\d+)")


def _csv_checked(path: Path, schema: Any, batches: Iterator[Any]) -> Iterator[Any]:
    """The batches; a row with the wrong number of fields, or a value that does not fit its
    column's type, raises UnreadableInput naming the column (never the value)."""
    import pyarrow as pa

    try:
        for batch in batches:
            if batch is None:
                raise UnreadableInput(
                    str(path), "a row has more or fewer fields than the header row"
                )
            yield batch
    except pa.ArrowInvalid as exc:
        found = _CSV_COLUMN.search(str(exc))
        if found is None or "conversion error" not in str(exc):
            raise
        field = schema.field(int(found.group(1)))
        raise UnreadableInput(
            str(path),
            f"column {field.name!r} was read as {field.type} from the first rows, but a later "
            "value is not one (give its type in schema=, or read with all_strings=True)",
        ) from None


def _open_parquet(
    path: Path,
    fmt: str,
    encoding: str | None,
    batch_rows: int,
    all_strings: bool,
    schema: Any,
    sheet: str | None,
    stack: contextlib.ExitStack,
    columns: list[str] | None = None,
) -> dict[str, Any]:
    from medguard.io.parquet import _open_parquet as open_file
    from medguard.io.parquet import _parquet_batches, _text_column

    parquet = _guarded_call(path, fmt, lambda: open_file(path))
    stack.callback(parquet.close)
    native = parquet.schema_arrow
    wanted = None
    if columns is not None and schema is None and not all_strings:
        wanted = [n for n in native.names if n in set(columns)]
    batches = _parquet_batches(path, batch_rows, parquet, wanted)
    unscanned: tuple[UnscannedColumn, ...] = ()
    if all_strings and schema is None:
        schema, unscanned, batches = _as_text(native, batches, _text_column)
    return {
        "schema": schema or native,
        "batches": batches,
        "unscanned": unscanned,
        "projected": wanted is not None,
    }


def _as_text(
    schema: Any, batches: Iterator[Any], text_column: Any
) -> tuple[Any, tuple[UnscannedColumn, ...], Iterator[Any]]:
    """Parquet read with ``all_strings``: every column of scalars as text (by the scanner's
    rendering), nested and binary columns as they are (and listed as unscanned)."""
    import pyarrow as pa

    fields, unscanned = [], []
    for field in schema:
        if text_column(field.type):
            fields.append(pa.field(field.name, pa.string()))
        else:
            fields.append(field)
            unscanned.append(UnscannedColumn("", field.name, f"values of type {field.type}"))
    target = pa.schema(fields)

    def converted() -> Iterator[Any]:
        from medguard.io.parquet import _scalar_text

        for batch in batches:
            arrays = [
                _scalar_text(column) if pa.types.is_string(field.type) else column
                for column, field in zip(batch.columns, target, strict=True)
            ]
            yield pa.RecordBatch.from_arrays(arrays, schema=target)

    return target, tuple(unscanned), converted()


def _open_jsonl(
    path: Path,
    fmt: str,
    encoding: str | None,
    batch_rows: int,
    all_strings: bool,
    schema: Any,
    sheet: str | None,
    stack: contextlib.ExitStack,
    columns: list[str] | None = None,
) -> dict[str, Any]:
    from medguard.io.jsonl import _jsonl_table

    encoding = encoding or detect_encoding(path)
    schema, batches = _guarded_call(
        path, fmt, lambda: _jsonl_table(path, encoding, batch_rows, schema, all_strings)
    )
    return {"encoding": encoding, "schema": schema, "batches": batches}


def _open_xlsx(
    path: Path,
    fmt: str,
    encoding: str | None,
    batch_rows: int,
    all_strings: bool,
    schema: Any,
    sheet: str | None,
    stack: contextlib.ExitStack,
    columns: list[str] | None = None,
) -> dict[str, Any]:
    import pyarrow as pa

    from medguard.io.excel import _cell_text, _open_workbook, _sheet_batches

    f = stack.enter_context(path.open("rb"))
    book = _guarded_call(path, fmt, lambda: _open_workbook(path, f))
    stack.callback(book.close)
    if sheet is not None and sheet not in book.sheetnames:
        raise InvalidArgument(f"the workbook has no sheet named {sheet!r}")
    rows = _sheet_batches(path, book, batch_rows, only=sheet)
    first = _guarded_call(path, fmt, lambda: next(rows, None))
    if first is None:
        return {"schema": pa.schema([]), "batches": iter(())}
    title, names, values = first

    def arrays(batch: list[tuple[Any, ...]], types: list[Any] | None) -> list[Any]:
        out = []
        for i in range(len(names)):
            cells = [row[i] if i < len(row) else None for row in batch]
            kind = types[i] if types is not None else None
            if all_strings or (kind is not None and pa.types.is_string(kind)):
                cells = [_cell_text(v) for v in cells]
            try:
                out.append(pa.array(cells, type=kind))
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                if kind is not None:
                    raise UnreadableInput(
                        str(path),
                        f"sheet {title!r}: a value of column {names[i]!r} is not {kind} (the "
                        "type the first rows gave it: give its type in schema=, or read with "
                        "all_strings=True)",
                    ) from None
                out.append(pa.array([_cell_text(v) for v in cells], type=pa.string()))
        return out

    if schema is not None:
        types = [schema.field(n).type if n in schema.names else pa.string() for n in names]
        first_arrays = arrays(values, types)
    else:
        first_arrays = arrays(values, None)
        types = [pa.string() if pa.types.is_null(a.type) else a.type for a in first_arrays]
        first_arrays = [a.cast(t) for a, t in zip(first_arrays, types, strict=True)]
    fixed = pa.schema([pa.field(n, t) for n, t in zip(names, types, strict=True)])

    def batches() -> Iterator[Any]:
        yield pa.RecordBatch.from_arrays(first_arrays, schema=fixed)
        for other, _, batch in rows:
            if other != title:
                return  # one sheet per reader
            yield pa.RecordBatch.from_arrays(arrays(batch, types), schema=fixed)

    return {"schema": fixed, "batches": batches(), "table": title}


_READERS: dict[str, Any] = {
    "csv": _open_csv,
    "tsv": _open_csv,
    "parquet": _open_parquet,
    "jsonl": _open_jsonl,
    "xlsx": _open_xlsx,
}


def _guarded_call(path: Path, fmt: str, call: Any) -> Any:
    """``call()``, its failures to read turned into UnreadableInput (as when iterating)."""

    def once() -> Iterator[Any]:
        yield call()

    return next(_guarded(path, fmt, once()))


def _cast(path: Path, batch: Any, schema: Any) -> Any:
    import pyarrow as pa

    if batch.schema.names != schema.names:
        raise UnreadableInput(str(path), "a batch's columns differ from the table's schema")
    try:
        return pa.RecordBatch.from_arrays(
            [c.cast(f.type) for c, f in zip(batch.columns, schema, strict=True)], schema=schema
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        raise UnreadableInput(str(path), "a batch's values do not fit the table's schema") from None
