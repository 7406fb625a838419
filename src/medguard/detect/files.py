"""Scan files and directories for personal data: :func:`scan_file` and :func:`scan_paths`.

Tables (CSV/TSV, Excel, Parquet, JSON Lines) are classified column by column with
:class:`~medguard.detect.classify.ColumnClassifier` as their batches stream past; text files are
scanned with :func:`~medguard.detect.text.scan_text` chunk by chunk, and every finding gets its
line and column. Memory stays bounded whatever the file size. Reports carry masked samples only.

Every finding and every classified column has a ``fingerprint`` for baselines. It is a hash of
what the report shows anyway, never of anything it hides: the file, the entity type and the
masked sample with its occurrence number in the file (text), or the file, the sheet, the column
name as reports show it and the entity type (tables). A hash of a value, or of the line around
it, would not do: a resident ID, a phone number or a name is found again from such a hash by
trying the possible values. A fingerprint survives lines moving; it changes when the masked
value changes, and a value replaced by one with the same masked form (张伟 by 张三, both 张*)
keeps its fingerprint.
"""

from __future__ import annotations

import bisect
import codecs
import fnmatch
import functools
import hashlib
import itertools
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from medguard.detect.classify import ColumnClassifier, ColumnReport, classify_column
from medguard.detect.levels import level_of, masked_sample
from medguard.detect.readers import (
    TABLE_FORMATS,
    detect_encoding,
    file_format,
    read_table,
    read_text,
)
from medguard.detect.text import scan_text
from medguard.errors import InvalidArgument, MedguardError, UnreadableInput

__all__ = [
    "DEFAULT_EXCLUDE",
    "MAX_FINDINGS",
    "FileReport",
    "LocatedFinding",
    "OmittedFindings",
    "TableReport",
    "iter_files",
    "scan_file",
    "scan_paths",
]

#: Directories and files a directory walk skips unless asked for by name.
DEFAULT_EXCLUDE = (".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__",
                   ".nox", ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache")  # fmt: skip


@dataclass(frozen=True, slots=True)
class LocatedFinding:
    """A finding in a text file: 1-based line and column (in characters), masked sample."""

    path: str
    line: int
    column: int
    end_column: int
    entity_type: str
    score: float
    level: int
    recognizer: str
    sample: str
    fingerprint: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        return {
            "file": self.path, "line": self.line, "column": self.column,
            "end_column": self.end_column, "entity_type": self.entity_type,
            "score": self.score, "level": self.level, "recognizer": self.recognizer,
            "sample": self.sample, "fingerprint": self.fingerprint,
        }  # fmt: skip


#: Findings a report lists per text file by default; the rest are counted (memory stays bounded).
MAX_FINDINGS = 100_000


@dataclass(frozen=True)
class OmittedFindings:
    """Findings of one entity type past a report's limit: counted, not listed."""

    entity_type: str
    count: int
    level: int
    max_score: float
    first_line: int
    fingerprint: str  # never in a baseline: the findings it counts are not listed

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        return {"entity_type": self.entity_type, "count": self.count, "level": self.level,
                "max_score": self.max_score, "first_line": self.first_line}  # fmt: skip


@dataclass(frozen=True)
class TableReport:
    """The columns of one table (a CSV file, or one sheet of a workbook).

    Sheet and column names are as reports show them: a name that is itself personal data (the
    first row of a headerless CSV, taken for its header) is masked like a sample.
    """

    name: str
    rows: int
    columns: tuple[ColumnReport, ...]
    fingerprints: tuple[str, ...]  # one per column

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        return {
            "table": self.name, "rows": self.rows,
            "columns": [
                {**c.to_dict(), "fingerprint": f}
                for c, f in zip(self.columns, self.fingerprints, strict=True)
            ],
        }  # fmt: skip


@dataclass(frozen=True)
class FileReport:
    """What one file holds; ``error`` is set (and nothing else) when it could not be read."""

    path: str
    format: str
    encoding: str | None = None
    size: int = 0
    tables: tuple[TableReport, ...] = ()
    findings: tuple[LocatedFinding, ...] = ()
    error: str | None = None
    skipped: str | None = None  # why the file was not scanned (binary)
    omitted: tuple[OmittedFindings, ...] = ()  # findings past ``max_findings``, counted

    @property
    def columns(self) -> tuple[ColumnReport, ...]:
        """Every column of every table."""
        return tuple(c for t in self.tables for c in t.columns)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        out: dict[str, Any] = {"file": self.path, "format": self.format,
                               "encoding": self.encoding, "size": self.size}  # fmt: skip
        if self.error is not None:
            out["error"] = self.error
        if self.skipped is not None:
            out["skipped"] = self.skipped
        if self.format in TABLE_FORMATS:
            out["rows"] = sum(t.rows for t in self.tables)
            out["columns"] = [
                {**c, "table": t["table"]} for t in map(TableReport.to_dict, self.tables)
                for c in t["columns"]
            ]  # fmt: skip
        else:
            out["findings"] = [f.to_dict() for f in self.findings]
            if self.omitted:
                out["omitted"] = [o.to_dict() for o in self.omitted]
        return out

    def _repr_html_(self) -> str:
        import html

        rows = [(c.column, c.entity_type or "", f"{c.match_ratio:.2%}", c.level,
                 ", ".join(c.samples)) for c in self.columns]  # fmt: skip
        rows += [(f"{f.line}:{f.column}", f.entity_type, f"{f.score:.2f}", f.level, f.sample)
                 for f in self.findings]  # fmt: skip
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
            for row in rows
        )
        head = "".join(
            f"<th>{h}</th>" for h in ("where", "entity", "ratio/score", "level", "sample")
        )
        head = f"<tr>{head}</tr>"
        return f"<p>{html.escape(self.path)} ({self.format})</p><table>{head}{body}</table>"


def _display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _shown_name(name: str) -> str:
    """A column or sheet name as reports show it: masked when it is itself personal data."""
    return masked_sample(name) if _is_personal(name) else name


@functools.lru_cache(maxsize=4096)
def _is_personal(name: str) -> bool:
    return bool(name) and (classify_column([name]).entity_type is not None or bool(scan_text(name)))


_FINGERPRINT_VERSION = "2"


def _digest(*parts: str) -> str:
    """A fingerprint: only ever computed from what reports show (masked samples, names)."""
    joined = "\x1f".join((_FINGERPRINT_VERSION, *parts))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:24]


def scan_file(
    path: str | os.PathLike[str],
    *,
    full: bool = False,
    sample: int = 10_000,
    min_score: float = 0.5,
    encoding: str | None = None,
    seed: int = 0,
    on_rows: Callable[[int], None] | None = None,
    max_findings: int = MAX_FINDINGS,
) -> FileReport:
    """Scan one file: classify a table's columns, or find personal data in a text file.

    ``full`` examines every value instead of a sample of ``sample`` per column; ``min_score``
    is the least likelihood a text finding needs; ``encoding`` overrides detection;
    ``on_rows`` is called with the number of rows (or lines) after each batch, for progress.
    A text file's report lists at most ``max_findings`` findings; the rest are counted per
    entity type in ``omitted``, so memory stays bounded however much a file holds.
    Raises :class:`~medguard.errors.UnreadableInput` when the file cannot be read.
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidArgument(f"unknown text encoding {encoding!r}") from None
    file = Path(path)
    shown = _display_path(file)
    if file.is_dir():
        try:
            os.scandir(file).close()
        except OSError as exc:
            raise UnreadableInput(shown, f"cannot list directory: {exc.strerror}") from None
        raise UnreadableInput(shown, "a directory (scan_paths walks directories)")
    if not file.is_file():
        raise UnreadableInput(shown, "no such file")
    fmt = file_format(file)
    size = file.stat().st_size
    if fmt == "binary":
        return FileReport(shown, fmt, size=size, skipped="binary file")
    if fmt in ("csv", "tsv", "jsonl") or fmt == "text":
        encoding = encoding or detect_encoding(file)
    if fmt in TABLE_FORMATS:
        tables = _scan_table(file, shown, fmt, encoding, full, sample, seed, on_rows)
        return FileReport(shown, fmt, encoding, size, tables=tables)
    if max_findings < 0:
        raise InvalidArgument(f"max_findings must be 0 or more, got {max_findings}")
    findings, omitted = _scan_text_file(file, shown, encoding, min_score, on_rows, max_findings)
    return FileReport(shown, fmt, encoding, size, findings=findings, omitted=omitted)


def _scan_table(
    file: Path,
    shown: str,
    fmt: str,
    encoding: str | None,
    full: bool,
    sample: int,
    seed: int,
    on_rows: Callable[[int], None] | None,
) -> tuple[TableReport, ...]:
    classifiers: dict[str, dict[str, ColumnClassifier]] = {}
    rows: Counter[str] = Counter()
    for table, columns in read_table(file, fmt, encoding=encoding):
        known = classifiers.setdefault(table, {})
        count = max((len(v) for v in columns.values()), default=0)
        for name, values in columns.items():
            if name not in known:
                known[name] = ColumnClassifier(name, sample=sample, full=full, seed=seed)
            known[name].add(values)
        rows[table] += count
        if on_rows is not None:
            on_rows(count)
    reports = []
    for table, known in classifiers.items():
        done = tuple(
            replace(report, column=_shown_name(report.column))
            for report in (c.report() for c in known.values())
        )
        name = _shown_name(table)
        prints = tuple(_digest(shown, name, c.column, c.entity_type or "") for c in done)
        reports.append(TableReport(name, rows[table], done, prints))
    return tuple(reports)


def _scan_text_file(
    file: Path,
    shown: str,
    encoding: str | None,
    min_score: float,
    on_rows: Callable[[int], None] | None,
    max_findings: int,
) -> tuple[tuple[LocatedFinding, ...], tuple[OmittedFindings, ...]]:
    located: list[LocatedFinding] = []
    seen: Counter[tuple[str, str]] = Counter()
    omitted: dict[str, OmittedFindings] = {}
    for chunk in read_text(file, encoding):
        text = chunk.text
        starts = [0, *itertools.accumulate(len(line) + 1 for line in text.split("\n")[:-1])]
        by_line: dict[int, list[Any]] = {}
        for f in scan_text(text, min_score=min_score):
            by_line.setdefault(bisect.bisect_right(starts, f.start) - 1, []).append(f)
        for index, found in by_line.items():
            begin = starts[index]
            shift = chunk.first_column if index == 0 else 0  # a cut line goes on here
            for f in found:
                if len(located) >= max_findings:
                    _count_omitted(omitted, shown, f.entity_type, f.score, chunk.first_line + index)
                    continue
                sample = masked_sample(text[f.start : f.end])
                seen[f.entity_type, sample] += 1
                located.append(LocatedFinding(
                    shown, chunk.first_line + index, f.start - begin + 1 + shift,
                    f.end - begin + 1 + shift,
                    f.entity_type, f.score, level_of(f.entity_type), f.recognizer, sample,
                    _digest(shown, f.entity_type, sample, str(seen[f.entity_type, sample])),
                ))  # fmt: skip
        if on_rows is not None:
            on_rows(len(starts))
    return tuple(located), tuple(omitted.values())


def _count_omitted(
    omitted: dict[str, OmittedFindings], shown: str, entity: str, score: float, line: int
) -> None:
    known = omitted.get(entity)
    if known is None:
        fingerprint = _digest(shown, entity, "omitted")
        omitted[entity] = OmittedFindings(entity, 1, level_of(entity), score, line, fingerprint)
    else:
        omitted[entity] = replace(
            known, count=known.count + 1, max_score=max(known.max_score, score)
        )


def _pattern_forms(pattern: str) -> tuple[str, ...]:
    """A glob as users write it, in the forms matched: ``sub/`` is ``sub``; ``**/*.csv`` also
    matches at the top of the walk (``*.csv``); ``./x`` is ``x``."""
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.rstrip("/") or pattern
    forms = [pattern]
    while forms[-1].startswith("**/"):
        forms.append(forms[-1][3:])
    return tuple(forms)


@dataclass(frozen=True)
class _Filter:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = field(default=DEFAULT_EXCLUDE)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "include", tuple(f for p in self.include for f in _pattern_forms(p))
        )
        object.__setattr__(
            self, "exclude", tuple(f for p in self.exclude for f in _pattern_forms(p))
        )

    def wants(self, relative: str, is_dir: bool, root: str = "") -> bool:
        """Whether the walk keeps ``relative`` (a path under the walked directory ``root``)."""
        name = relative.rsplit("/", 1)[-1]
        names = (relative, name, f"{root}/{relative}") if root else (relative, name)
        if any(fnmatch.fnmatch(n, p) for p in self.exclude for n in names):
            return False
        if is_dir or not self.include:
            return True
        return any(fnmatch.fnmatch(n, p) for p in self.include for n in names)


def _collector(unlisted: list[Path]) -> Callable[[OSError], None]:
    """An ``os.walk`` error handler keeping the directories it could not list."""

    def keep(error: OSError) -> None:
        unlisted.append(Path(error.filename))

    return keep


def iter_files(
    paths: Iterable[str | os.PathLike[str]],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
) -> Iterator[Path]:
    """Files named in ``paths``, with directories walked in sorted order.

    ``include`` and ``exclude`` are glob patterns matched against the path relative to the
    directory walked, against that path with the directory as given in front (``data/tmp``),
    and against the bare name (``*.csv``, ``exports/**``, ``**/*.csv``, ``tmp``, ``tmp/``). A
    file named directly is always yielded, whatever the patterns; a missing path, and a
    directory that cannot be listed, is yielded as it is so the caller reports it.
    """
    wanted = _Filter(tuple(include), tuple(exclude))
    for given in paths:
        root = Path(given)
        if not root.is_dir():
            yield root
            continue
        shown_root = root.as_posix().rstrip("/")
        unlisted: list[Path] = []
        for directory, subdirs, files in os.walk(root, onerror=_collector(unlisted)):
            yield from unlisted
            unlisted.clear()
            relative_dir = Path(directory).relative_to(root).as_posix()
            prefix = "" if relative_dir == "." else f"{relative_dir}/"
            subdirs[:] = sorted(
                d for d in subdirs if wanted.wants(prefix + d, is_dir=True, root=shown_root)
            )
            for name in sorted(files):
                if wanted.wants(prefix + name, is_dir=False, root=shown_root):
                    yield Path(directory) / name
        yield from unlisted


def scan_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
    **options: Any,
) -> Iterator[FileReport]:
    """Scan files and directories; an unreadable file gives a report with ``error`` set.

    ``options`` are those of :func:`scan_file`. Reports come one per file, as each is done. A
    reader failing in a way it did not foresee makes that file unreadable (the error names only
    the exception's type: a library's message may quote the data), not the whole scan fail; a
    usage error (:class:`~medguard.errors.MedguardError`, say an unknown encoding) still stops it.
    """
    unknown = set(options) - {
        "full",
        "sample",
        "min_score",
        "encoding",
        "seed",
        "on_rows",
        "max_findings",
    }
    if unknown:
        raise InvalidArgument(f"unknown scan option(s): {', '.join(sorted(unknown))}")
    for path in iter_files(paths, include=include, exclude=exclude):
        try:
            report = scan_file(path, **options)
        except UnreadableInput as exc:
            report = FileReport(_display_path(path), "unknown", error=exc.reason)
        except MedguardError:
            raise
        except Exception as exc:  # a bug in one reader must not hide the other files
            reason = f"unexpected error ({type(exc).__name__})"
            report = FileReport(_display_path(path), "unknown", error=reason)
        yield report
