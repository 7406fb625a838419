"""Running a compiled plan over files larger than memory, batch by batch, written atomically.

:func:`run_file` (also :meth:`Pipeline.run_file`) reads CSV/TSV (UTF-8, GBK/GB18030), Parquet
and JSON Lines as Arrow record batches of at most ``batch_rows`` rows, applies the plan to
each, and writes the input's format (or ``format=``) to a temporary file beside the target,
which is synced and renamed only when every batch went through and every check passed: an
interrupted or refused run leaves no output and no partial file (a process killed outright
can leave only a hidden ``.NAME.*.tmp`` beside the target, never the target).

CSV and TSV columns are read as text (identifiers keep their leading zeros and their ``X``;
an empty cell is null), Parquet keeps its types, JSON Lines types come from the first block.
With sharing checks (:mod:`medguard.lifecycle.checks`) a first pass reads only the
quasi-identifier, subject and identifier columns; the second pass writes.
"""

from __future__ import annotations

import csv as _csv
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medguard._atomic import replacing
from medguard.errors import InvalidArgument, UnreadableInput

__all__ = ["FORMATS", "file_format", "input_schema", "read_batches", "run_file", "write_batches"]

#: The formats :func:`run_file` reads and writes.
FORMATS = ("csv", "tsv", "parquet", "jsonl")
_SUFFIXES = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
}  # fmt: skip
DEFAULT_BATCH_ROWS = 65_536
_BLOCK_BYTES = 256 << 10  # Arrow's CSV reader holds a few dozen blocks


def file_format(path: str | os.PathLike[str], given: str | None = None) -> str:
    """The table format of ``path`` (by suffix), or ``given`` when set."""
    if given is not None:
        if given not in FORMATS:
            raise InvalidArgument(f"unknown format {given!r} (allowed: {', '.join(FORMATS)})")
        return given
    found = _SUFFIXES.get(Path(path).suffix.lower())
    if found is None:
        raise InvalidArgument(
            f"cannot tell the format of {Path(path).name!r} from its suffix: pass format= "
            f"({', '.join(FORMATS)})"
        )
    return found


def _encoding(path: Path) -> str:
    from medguard.io.formats import detect_encoding

    found = detect_encoding(path)
    if found in ("utf-8", "utf-8-sig"):
        return "utf8"
    return found


def _csv_header(path: Path, encoding: str, delimiter: str) -> list[str]:
    codec = "utf-8-sig" if encoding == "utf8" else encoding
    with path.open("r", encoding=codec, newline="") as f:
        row = next(_csv.reader(f, delimiter=delimiter), None)
    if not row:
        raise UnreadableInput(str(path), "no header row")
    return row


def read_batches(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    columns: list[str] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Iterator[Any]:
    """Arrow record batches of ``path`` (at most ``batch_rows`` rows each), in bounded memory.

    ``columns`` reads only those columns (Parquet and CSV skip the rest unparsed). Raises
    :class:`~medguard.errors.UnreadableInput` for a file that cannot be read or decoded.
    """
    import pyarrow as pa

    source = Path(path)
    fmt = file_format(source, format)
    try:
        pending: list[Any] = []
        count = 0
        for batch in _raw_batches(source, fmt, columns, batch_rows):
            pending.append(batch)
            count += batch.num_rows
            if count >= batch_rows:  # small reader blocks gathered into batches of batch_rows
                yield from _rebatch(pa, pending, batch_rows, final=False)
                count = sum(b.num_rows for b in pending)
        yield from _rebatch(pa, pending, batch_rows, final=True)
    except (pa.ArrowInvalid, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, InvalidArgument):
            raise
        reason = str(exc).splitlines()[0][:200] if isinstance(exc, pa.ArrowInvalid) else ""
        raise UnreadableInput(
            str(source), f"not readable as {fmt}" + (f" ({_scrub(reason)})" if reason else "")
        ) from None


def _rebatch(pa: Any, pending: list[Any], batch_rows: int, *, final: bool) -> Iterator[Any]:
    """Batches of exactly ``batch_rows`` rows from ``pending`` (the rest stays, unless final)."""
    if not pending:
        return
    table = pa.Table.from_batches(pending).combine_chunks()
    pending.clear()
    whole = table.num_rows if final else table.num_rows - table.num_rows % batch_rows
    for start in range(0, whole, batch_rows):
        piece = table.slice(start, min(batch_rows, whole - start)).to_batches()
        if piece:
            yield (
                piece[0]
                if len(piece) == 1
                else pa.Table.from_batches(piece).combine_chunks().to_batches()[0]
            )
    if whole < table.num_rows:
        pending.extend(table.slice(whole).to_batches())


def _scrub(reason: str) -> str:
    """Arrow's message without the cell it quotes (it may be personal data)."""
    cut = min((i for i in (reason.find("'"), reason.find('"')) if i >= 0), default=-1)
    return reason if cut < 0 else reason[:cut].rstrip(": ")


def _raw_batches(path: Path, fmt: str, columns: list[str] | None, batch_rows: int) -> Iterator[Any]:
    import pyarrow as pa

    if fmt == "parquet":
        import pyarrow.parquet as pq

        # pre_buffer off and a buffered stream: memory does not grow with the row group's size
        reader = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
        yield from reader.iter_batches(batch_size=batch_rows, columns=columns)
        return
    if fmt == "jsonl":
        import pyarrow.json as pj

        options = pj.ReadOptions(block_size=_BLOCK_BYTES)
        inferred = pj.open_json(path, read_options=options).schema
        # JSON strings stay strings: Arrow would turn date-like text into timestamps
        schema = pa.schema(
            [(f.name, pa.string()) if pa.types.is_timestamp(f.type) else f for f in inferred]
        )
        reader = pj.open_json(
            path, read_options=options, parse_options=pj.ParseOptions(explicit_schema=schema)
        )
        for batch in reader:
            yield batch if columns is None else batch.select(columns)
        return
    import pyarrow.csv as pc

    delimiter = "\t" if fmt == "tsv" else ","
    encoding = _encoding(path)
    names = _csv_header(path, encoding, delimiter)
    if len(set(names)) != len(names):
        raise UnreadableInput(str(path), "the header names a column twice")
    reader = pc.open_csv(
        path,
        read_options=pc.ReadOptions(encoding=encoding, block_size=_BLOCK_BYTES, use_threads=False),
        parse_options=pc.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pc.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
            include_columns=columns,
        ),
    )
    yield from reader


class _Writer:
    """One output file in one format; opened on the first batch."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        self._sink: Any = None
        self._writer: Any = None

    def write(self, batch: Any) -> None:
        import pyarrow as pa

        if self.fmt == "jsonl":
            if self._sink is None:
                self._sink = self.path.open("w", encoding="utf-8", newline="\n")
            rows = batch.to_pylist()
            self._sink.write(
                "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
            )
            return
        if self._writer is None:
            if self.fmt == "parquet":
                import pyarrow.parquet as pq

                self._writer = pq.ParquetWriter(self.path, batch.schema)
            else:
                import pyarrow.csv as pc

                self._sink = pa.OSFile(str(self.path), "wb")
                options = pc.WriteOptions(
                    delimiter="\t" if self.fmt == "tsv" else ",", quoting_style="needed"
                )
                self._writer = pc.CSVWriter(self._sink, batch.schema, write_options=options)
        self._writer.write_batch(batch)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._sink is not None:
            self._sink.close()


def write_batches(batches: Any, path: str | os.PathLike[str], *, format: str) -> None:
    """Write record batches to ``path`` atomically (all of them, or nothing)."""
    with replacing(path) as tmp:
        writer = _Writer(tmp, file_format(path, format))
        try:
            for batch in batches:
                writer.write(batch)
        finally:
            writer.close()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes (its fingerprint in audit records), hex."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _progress(enabled: bool | None, total: int | None, what: str) -> Any:
    """A tqdm bar on a terminal (the ``progress`` extra), else None."""
    if enabled is False or (enabled is None and not sys.stderr.isatty()):
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="rows", desc=what, leave=False, file=sys.stderr)


def _row_count(path: Path, fmt: str) -> int | None:
    if fmt != "parquet":
        return None
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def run_file(
    pipeline: Any,
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    format: str | None = None,
    input_format: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: bool | None = None,
) -> Any:
    """Apply ``pipeline``'s stage to the file ``src`` and write ``dst``; returns a
    :class:`~medguard.lifecycle.summary.RunSummary`. See :meth:`Pipeline.run_file`."""
    import pyarrow as pa

    from medguard.lifecycle.checks import SharingChecks
    from medguard.lifecycle.summary import RunSummary

    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise InvalidArgument("batch_rows must be a positive integer")
    started = time.perf_counter()
    source, target = Path(src), Path(dst)
    in_fmt = file_format(source, input_format)
    out_fmt = format or _SUFFIXES.get(target.suffix.lower()) or in_fmt
    file_format(target, out_fmt)
    if not source.is_file():
        raise UnreadableInput(str(source), "no such file")
    if source.resolve() == target.resolve():
        raise InvalidArgument("the output must not be the input file")
    schema = input_schema(source, in_fmt, batch_rows)
    compiled = pipeline.compile(schema)
    ring = pipeline.keyring
    checks = (
        SharingChecks(pipeline.policy, compiled.plan)
        if SharingChecks.applies(pipeline.policy, pipeline.stage)
        else None
    )
    total = _row_count(source, in_fmt)
    if checks is not None and checks.needs_first_pass:
        import dataclasses

        needed = checks.columns_needed()
        sub = dataclasses.replace(compiled, plan=checks.quasi_plan())
        qcols = [s.column for s in sub.plan.steps]
        bar = _progress(progress, total, "checking")
        for batch in read_batches(source, format=in_fmt, columns=needed, batch_rows=batch_rows):
            quasi_out, _ = sub(batch.select(qcols), keyring=ring) if qcols else (batch, None)
            checks.collect(batch, quasi_out)
            if bar is not None:
                bar.update(batch.num_rows)
        if bar is not None:
            bar.close()
        checks.decide()
    report = None
    rows_in = rows_out = 0
    bar = _progress(progress, total, "protecting")
    with replacing(target) as tmp:
        writer = _Writer(tmp, out_fmt)
        try:
            wrote = False
            for batch in read_batches(source, format=in_fmt, batch_rows=batch_rows):
                out, part = compiled(batch, keyring=ring)
                if checks is not None:
                    out = checks.apply(out, rows_in, batch)
                report = part if report is None else report + part
                rows_in += batch.num_rows
                rows_out += out.num_rows
                writer.write(out)
                wrote = True
                if bar is not None:
                    bar.update(batch.num_rows)
            if checks is not None:
                checks.finish(rows_in)
            if not wrote:  # an empty input still gives a file with the output's columns
                empty = pa.RecordBatch.from_pylist([], schema=schema)
                out, report = compiled(empty, keyring=ring)
                writer.write(out)
        finally:
            writer.close()
            if bar is not None:
                bar.close()
        output_sha256 = file_sha256(tmp)
    summary = RunSummary.build(
        pipeline,
        compiled.plan,
        report,
        checks=None if checks is None else checks.outcome,
        rows_in=rows_in,
        rows_out=rows_out,
        seconds=time.perf_counter() - started,
        source=str(source),
        output=str(target),
        input_sha256=file_sha256(source),
        output_sha256=output_sha256,
        output_format=out_fmt,
    )
    summary.record(pipeline.audit)
    return summary


def input_schema(source: Path, fmt: str, batch_rows: int = DEFAULT_BATCH_ROWS) -> Any:
    """The input's Arrow schema (the plan is compiled against it before any row moves)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(source).schema_arrow
    if fmt in ("csv", "tsv"):
        import pyarrow as pa

        names = _csv_header(source, _encoding(source), "\t" if fmt == "tsv" else ",")
        return pa.schema([(n, pa.string()) for n in names])
    for batch in read_batches(source, format=fmt, batch_rows=batch_rows):
        return batch.schema
    raise UnreadableInput(
        str(source), "no rows: the columns of an empty JSON Lines file are unknown"
    )
