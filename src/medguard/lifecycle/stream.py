"""Running a compiled plan over files larger than memory, batch by batch, written atomically.

:func:`run_file` (also :meth:`Pipeline.run_file`) reads CSV/TSV (UTF-8, GBK/GB18030), Parquet
and JSON Lines through :mod:`medguard.io` (the readers the scanner uses) as Arrow record batches
of at most ``batch_rows`` rows, applies the plan to each, and writes the input's format (or
``format=``) through :func:`medguard.io.open_writer`: a temporary file beside the target, synced
and renamed only when every batch went through and every check passed. An interrupted or refused
run leaves no output and no partial file: an exception, ``KeyboardInterrupt`` (SIGINT), SIGTERM
or SIGHUP removes the temporary file (the signals are turned into an exception while the run
lasts, when their handler is the default one, then re-raised so the process ends as the signal
says). A process killed outright (SIGKILL, a power cut) runs no code: it can leave the hidden
``.NAME.XXXX.tmp`` beside the target, holding the batches written so far (protected output,
never input), never the target itself; remove it by hand.

CSV and TSV columns are read as text (identifiers keep their leading zeros and their ``X``;
an empty cell is null), Parquet keeps its types, JSON Lines types come from the first batch.
With sharing checks (:mod:`medguard.lifecycle.checks`) a first pass reads only the
quasi-identifier, subject and identifier columns (CSV and Parquet skip the others unconverted);
the second pass writes.
"""

from __future__ import annotations

import contextlib
import csv as _csv
import hashlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medguard.errors import InvalidArgument, UnreadableInput
from medguard.lifecycle.stored import StoredColumns

__all__ = ["FORMATS", "file_format", "input_schema", "read_batches", "run_file", "write_batches"]

#: The formats :func:`run_file` reads and writes.
FORMATS = ("csv", "tsv", "parquet", "jsonl")
_SUFFIXES = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
}  # fmt: skip
DEFAULT_BATCH_ROWS = 16_384  # the ops hold about 2 KB a row while a batch runs


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


def _csv_header(path: Path, delimiter: str) -> list[str]:
    """The raw header row (to refuse a column named twice, which the reader would rename)."""
    from medguard.io.formats import detect_encoding

    encoding = detect_encoding(path)
    codec = "utf-8-sig" if encoding in ("utf-8", "utf8") else encoding
    try:
        with path.open("r", encoding=codec, newline="") as f:
            row = next(_csv.reader(f, delimiter=delimiter), None)
    except (UnicodeDecodeError, _csv.Error):
        raise UnreadableInput(str(path), f"not readable as {codec} text") from None
    return [] if row is None else row


def _open(source: Path, fmt: str, batch_rows: int, columns: list[str] | None = None) -> Any:
    """The :mod:`medguard.io` reader of ``source`` (CSV and TSV as text)."""
    from medguard.io import open_table

    if fmt in ("csv", "tsv"):
        names = _csv_header(source, "\t" if fmt == "tsv" else ",")
        if len(set(names)) != len(names):
            raise UnreadableInput(str(source), "the header names a column twice")
    return open_table(
        source, format=fmt, batch_rows=batch_rows, all_strings=fmt in ("csv", "tsv"),
        columns=columns,
    )  # fmt: skip


def read_batches(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    columns: list[str] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Iterator[Any]:
    """Arrow record batches of ``path`` (``batch_rows`` rows each, the last one fewer), read
    through :func:`medguard.io.open_table` in bounded memory.

    ``columns`` reads only those columns (Parquet and CSV skip the rest unconverted). Raises
    :class:`~medguard.errors.UnreadableInput` for a file that cannot be read or decoded.
    """
    import pyarrow as pa

    source = Path(path)
    fmt = file_format(source, format)
    with _open(source, fmt, batch_rows, columns) as reader:
        pending: list[Any] = []
        count = 0
        for batch in reader:
            pending.append(batch)
            count += batch.num_rows
            if count >= batch_rows:  # the reader's blocks gathered into batches of batch_rows
                yield from _rebatch(pa, pending, batch_rows, final=False)
                count = sum(b.num_rows for b in pending)
        yield from _rebatch(pa, pending, batch_rows, final=True)


def _rebatch(pa: Any, pending: list[Any], batch_rows: int, *, final: bool) -> Iterator[Any]:
    """Batches of exactly ``batch_rows`` rows from ``pending`` (the rest stays, unless final)."""
    if not pending:
        return
    only = pending[0]
    if len(pending) == 1 and only.num_rows <= batch_rows and (final or only.num_rows == batch_rows):
        yield pending.pop()  # already the right size: no copy
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


class _Writer:
    """One output file in one format, through :func:`medguard.io.open_writer` (opened on the
    first batch, whose schema it takes): :meth:`commit` puts it in place, :meth:`abort` leaves
    nothing."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        self._out: Any = None

    def write(self, batch: Any) -> None:
        from medguard.io import open_writer

        if self._out is None:
            self._out = open_writer(self.path, schema=batch.schema, format=self.fmt,
                                    overwrite=True)  # fmt: skip
        self._out.write(batch)

    def commit(self) -> None:
        if self._out is not None:
            self._out.commit()

    def abort(self) -> None:
        if self._out is not None:
            self._out.abort()


def write_batches(batches: Any, path: str | os.PathLike[str], *, format: str) -> None:
    """Write record batches to ``path`` atomically (all of them, or nothing)."""
    writer = _Writer(Path(path), file_format(path, format))
    try:
        for batch in batches:
            writer.write(batch)
    except BaseException:
        writer.abort()
        raise
    writer.commit()


class _Terminated(BaseException):
    """A termination signal, raised where the run is so that its temporary file goes."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


_CAUGHT = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """While the run lasts, SIGTERM and SIGHUP (when their handler is the default one, in the
    main thread) raise :class:`_Terminated`; afterwards the handlers are restored and a signal
    that arrived is raised again, so the process ends as that signal says (after the
    temporary file was removed)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated(signum)

    for signum in _CAUGHT:
        if signal.getsignal(signum) is signal.SIG_DFL:
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    except _Terminated as stop:
        for signum, old in previous.items():
            signal.signal(signum, old)
        previous.clear()
        signal.raise_signal(stop.signum)
        raise  # the signal's default action ends the process before this line
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


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
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise InvalidArgument("batch_rows must be a positive integer")
    with _signals_raise():
        return _run_file(pipeline, Path(src), Path(dst), format, input_format, batch_rows,
                         progress)  # fmt: skip


def _run_file(
    pipeline: Any,
    source: Path,
    target: Path,
    format: str | None,
    input_format: str | None,
    batch_rows: int,
    progress: bool | None,
) -> Any:
    from medguard.lifecycle.checks import SharingChecks

    started = time.perf_counter()
    in_fmt = file_format(source, input_format)
    out_fmt = format or _SUFFIXES.get(target.suffix.lower()) or in_fmt
    file_format(target, out_fmt)
    if not source.is_file():
        raise UnreadableInput(str(source), "no such file")
    if source.resolve() == target.resolve():
        raise InvalidArgument("the output must not be the input file")
    schema = input_schema(source, in_fmt, batch_rows)
    compiled = pipeline.compile(schema)
    checks = (
        SharingChecks(pipeline.policy, compiled.plan)
        if SharingChecks.applies(pipeline.policy, pipeline.stage)
        else None
    )
    try:
        return _passes(pipeline, compiled, checks, source, target, in_fmt, out_fmt, schema,
                       batch_rows, progress, started)  # fmt: skip
    finally:
        if checks is not None:
            checks.close()


def _passes(
    pipeline: Any,
    compiled: Any,
    checks: Any,
    source: Path,
    target: Path,
    in_fmt: str,
    out_fmt: str,
    schema: Any,
    batch_rows: int,
    progress: bool | None,
    started: float,
) -> Any:
    """The first pass (the checks' data), the second (the output), the summary."""
    import dataclasses

    import pyarrow as pa

    from medguard.lifecycle.summary import RunSummary

    ring = pipeline.keyring
    total = _row_count(source, in_fmt)
    if checks is not None and checks.needs_first_pass:
        needed = checks.columns_needed()
        sub = dataclasses.replace(compiled, plan=checks.quasi_plan())
        qcols = [s.column for s in sub.plan.steps]
        bar = _progress(progress, total, "checking")
        checks.replay()  # the second pass reads the same batches: it takes these outputs back
        for batch in read_batches(source, format=in_fmt, columns=needed, batch_rows=batch_rows):
            batch, _ = compiled.open_stored(batch, ring)
            quasi_out, part = (
                sub(batch.select(qcols), keyring=ring, opened=True) if qcols else (batch, None)
            )
            checks.collect(batch, quasi_out, part)
            if bar is not None:
                bar.update(batch.num_rows)
        if bar is not None:
            bar.close()
        checks.decide()
    report = None
    rows_in = rows_out = 0
    stored = StoredColumns()
    bar = _progress(progress, total, "protecting")
    writer = _Writer(target, out_fmt)
    try:
        for batch in read_batches(source, format=in_fmt, batch_rows=batch_rows):
            batch, opened = compiled.open_stored(batch, ring)
            stored.add(opened)
            replayed = None if checks is None else checks.replayed(batch.num_rows)
            out, part = compiled(
                batch, keyring=ring, given=None if replayed is None else replayed[0], opened=True
            )
            if checks is not None:
                out = checks.apply(out, rows_in, batch, replayed)
            report = part if report is None else report + part
            rows_in += batch.num_rows
            rows_out += out.num_rows
            writer.write(out)
            if bar is not None:
                bar.update(batch.num_rows)
        if checks is not None:
            checks.finish(rows_in)
        if report is None:  # an empty input still gives a file with the output's columns
            empty = pa.RecordBatch.from_pylist([], schema=schema)
            out, report = compiled(empty, keyring=ring)
            writer.write(out)
    except BaseException:
        writer.abort()
        raise
    finally:
        if bar is not None:
            bar.close()
    writer.commit()
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
        output_sha256=file_sha256(target),
        output_format=out_fmt,
        stored=stored.to_dict(),
    )
    summary.record(pipeline.audit)
    return summary


def input_schema(source: Path, fmt: str, batch_rows: int = DEFAULT_BATCH_ROWS) -> Any:
    """The input's Arrow schema (the plan is compiled against it before any row moves)."""
    with _open(source, fmt, batch_rows) as reader:
        schema = reader.schema
    if not len(schema):
        if fmt == "jsonl":
            raise UnreadableInput(
                str(source), "no rows: the columns of an empty JSON Lines file are unknown"
            )
        raise UnreadableInput(str(source), "no header row" if fmt != "parquet" else "no columns")
    return schema
