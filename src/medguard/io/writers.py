"""Writers of Arrow record batches, committed atomically: the whole file or nothing.

::

    with open_writer("out.parquet", schema=table.schema) as out:
        for batch in table:
            out.write(batch)
    # here out.parquet exists, complete; had the loop raised, nothing would

The file is written to a hidden temporary file beside the destination, synced to disk and
renamed to its name when the ``with`` block ends normally (:meth:`TableWriter.commit`); on an
exception, a ``KeyboardInterrupt`` too, the temporary file is removed and the destination left
as it was (:meth:`TableWriter.abort`). A process killed outright (``SIGKILL``, a power cut)
leaves at most the hidden ``.NAME.XXXX.tmp`` file, never a partial file under the destination's
name. An existing destination is refused unless ``overwrite=True``.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from medguard._atomic import replacing
from medguard.errors import InvalidArgument, UnsupportedColumn
from medguard.io._common import _need_arrow

__all__ = ["WRITE_FORMATS", "TableWriter", "open_writer"]

#: The formats :func:`open_writer` writes.
WRITE_FORMATS = frozenset({"csv", "tsv", "parquet", "jsonl"})
_BY_SUFFIX = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
}  # fmt: skip
_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "gb18030": "gb18030"}


class TableWriter:
    """An open output table: :meth:`write` batches, then :meth:`commit` (or leave the ``with``
    block) to put the file in place, or :meth:`abort` to leave nothing.

    Every batch must have the writer's :attr:`schema` (or columns of the same names whose
    values cast to it). ``rows`` counts the rows written.
    """

    def __init__(
        self,
        path: Path,
        fmt: str,
        schema: Any,
        *,
        encoding: str,
        bom: bool,
        overwrite: bool,
        compression: str,
    ) -> None:
        self._path = path
        self._format = fmt
        self._schema = schema
        self.rows = 0
        """Rows written so far."""
        self._done = False
        self._replacing: AbstractContextManager[Path] = replacing(path, overwrite=overwrite)
        tmp = self._replacing.__enter__()
        try:
            self._sink = _sink(tmp, schema, encoding, bom, compression, fmt)
        except BaseException as exc:
            self._replacing.__exit__(type(exc), exc, exc.__traceback__)
            raise

    @property
    def path(self) -> Path:
        """The destination (which exists only once committed)."""
        return self._path

    @property
    def format(self) -> str:
        """``csv``, ``tsv``, ``parquet`` or ``jsonl``."""
        return self._format

    @property
    def schema(self) -> Any:
        """The :class:`pyarrow.Schema` of the file."""
        return self._schema

    def write(self, data: Any) -> None:
        """Write a :class:`pyarrow.RecordBatch` (or a :class:`pyarrow.Table`'s batches)."""
        if self._done:
            raise InvalidArgument("this writer was already committed or aborted")
        batches = data.to_batches() if hasattr(data, "to_batches") else [data]
        for batch in batches:
            batch = _conform(batch, self._schema)
            self._sink.write(batch)
            self.rows += batch.num_rows

    def commit(self) -> None:
        """Finish the file, sync it to disk and rename it to its destination."""
        if self._done:
            return
        self._done = True
        try:
            self._sink.close()
        except BaseException as exc:
            self._replacing.__exit__(type(exc), exc, exc.__traceback__)
            raise
        try:
            self._replacing.__exit__(None, None, None)
        except FileExistsError:
            raise InvalidArgument(
                f"{self._path} appeared while it was written: not overwritten"
            ) from None

    def abort(self) -> None:
        """Remove the temporary file; the destination is left as it was."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(Exception):  # the file is thrown away: its errors do not matter
            self._sink.close()
        error = _Aborted()
        self._replacing.__exit__(_Aborted, error, None)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()

    def __repr__(self) -> str:
        return f"TableWriter({self._path.name!r}, format={self._format!r})"


class _Aborted(Exception):
    """Thrown into the temporary file's context to remove it."""


def open_writer(
    path: str | Path,
    *,
    schema: Any,
    format: str | None = None,
    encoding: str = "utf-8",
    bom: bool = False,
    overwrite: bool = False,
    compression: str = "zstd",
) -> TableWriter:
    """Open ``path`` to write record batches of ``schema``, atomically (see the module).

    ``format``: ``csv``, ``tsv``, ``parquet`` or ``jsonl``; by default from the suffix.
    ``encoding`` (CSV, TSV and JSON Lines): ``utf-8`` or ``gb18030`` (for systems that read
    GBK: every GBK text is GB18030, and GB18030 encodes every character). ``bom``: start a
    UTF-8 file with a byte-order mark, which Excel needs to read it as UTF-8. ``overwrite``:
    replace an existing file (refused by default). ``compression``: Parquet's codec.

    CSV and TSV hold no nested columns (lists, structs): write those to Parquet or JSON
    Lines. Values are written as :func:`~medguard.io.open_table` reads them back: dates
    ``YYYY-MM-DD``, timestamps ``YYYY-MM-DD HH:MM:SS``, booleans ``true`` / ``false``, nulls
    as empty fields (CSV) or ``null`` (JSON Lines, where dates and timestamps are ISO text).
    """
    path = Path(path)
    fmt = format or _BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise InvalidArgument(
            f"cannot tell the format from the suffix {path.suffix!r}: pass format= (one of "
            f"{', '.join(sorted(WRITE_FORMATS))})"
        )
    if fmt not in WRITE_FORMATS:
        raise InvalidArgument(f"format must be one of {', '.join(sorted(WRITE_FORMATS))}")
    if encoding.lower() not in _ENCODINGS:
        raise InvalidArgument("encoding must be utf-8 or gb18030")
    encoding = _ENCODINGS[encoding.lower()]
    if bom and encoding != "utf-8":
        raise InvalidArgument("a byte-order mark is for UTF-8 only")
    _need_arrow(path)
    if not overwrite and path.exists():
        raise InvalidArgument(f"{path} exists: pass overwrite=True to replace it")
    if not path.parent.is_dir():
        raise InvalidArgument(f"{path.parent} is not a directory")
    return TableWriter(
        path, fmt, schema, encoding=encoding, bom=bom, overwrite=overwrite,
        compression=compression,
    )  # fmt: skip


def _conform(batch: Any, schema: Any) -> Any:
    import pyarrow as pa

    if batch.schema.equals(schema, check_metadata=False):
        return batch
    if batch.schema.names != schema.names:
        raise UnsupportedColumn(
            f"a batch's columns {batch.schema.names} differ from the writer's {schema.names}"
        )
    try:
        return pa.RecordBatch.from_arrays(
            [c.cast(f.type) for c, f in zip(batch.columns, schema, strict=True)], schema=schema
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        wrong = [
            f.name for f, b in zip(schema, batch.schema, strict=True) if not f.type.equals(b.type)
        ]
        raise UnsupportedColumn(
            f"a batch's columns {wrong} do not cast to the writer's types"
        ) from None


# --- one sink per format ------------------------------------------------------------------


class _ParquetSink:
    def __init__(self, tmp: Path, schema: Any, compression: str) -> None:
        import pyarrow.parquet as pq

        self._writer = pq.ParquetWriter(tmp, schema, compression=compression)

    def write(self, batch: Any) -> None:
        self._writer.write_batch(batch)

    def close(self) -> None:
        self._writer.close()


class _CsvSink:
    """CSV through pyarrow's writer (UTF-8); GB18030 re-encodes each batch's bytes."""

    def __init__(self, tmp: Path, schema: Any, encoding: str, bom: bool, fmt: str) -> None:
        import pyarrow as pa

        nested = [f.name for f in schema if pa.types.is_nested(f.type)]
        if nested:
            raise UnsupportedColumn(
                f"CSV cannot hold the nested columns {nested}: write Parquet or JSON Lines"
            )
        self._schema = schema
        self._file: IO[bytes] = tmp.open("wb")
        self._encoding = encoding
        self._delimiter = "\t" if fmt == "tsv" else ","
        self._header = True
        if bom:
            self._file.write(codecs.BOM_UTF8)

    def write(self, batch: Any) -> None:
        from pyarrow import csv as pacsv

        options = pacsv.WriteOptions(include_header=self._header, delimiter=self._delimiter)
        self._header = False
        if self._encoding == "utf-8":
            pacsv.write_csv(batch, self._file, write_options=options)
            return
        buffer = io.BytesIO()
        pacsv.write_csv(batch, buffer, write_options=options)
        self._file.write(buffer.getvalue().decode("utf-8").encode(self._encoding))

    def close(self) -> None:
        if self._header:  # no batch written: the header alone
            import pyarrow as pa

            self.write(pa.RecordBatch.from_pylist([], schema=self._schema))
        self._file.close()


class _JsonLinesSink:
    def __init__(self, tmp: Path, encoding: str, bom: bool) -> None:
        self._file = tmp.open("w", encoding=encoding, newline="\n")
        if bom:
            self._file.write("\ufeff")

    def write(self, batch: Any) -> None:
        dumps = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
        self._file.write("".join(dumps(row) + "\n" for row in _rows(batch)))

    def close(self) -> None:
        self._file.close()


def _rows(batch: Any) -> Iterator[dict[str, Any]]:
    yield from batch.to_pylist()


def _json_default(value: Any) -> Any:
    import datetime
    import decimal

    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise UnsupportedColumn(f"JSON Lines cannot hold a value of type {type(value).__name__}")


def _sink(tmp: Path, schema: Any, encoding: str, bom: bool, compression: str, fmt: str) -> Any:
    if fmt == "parquet":
        return _ParquetSink(tmp, schema, compression)
    if fmt == "jsonl":
        return _JsonLinesSink(tmp, encoding, bom)
    return _CsvSink(tmp, schema, encoding, bom, fmt)
