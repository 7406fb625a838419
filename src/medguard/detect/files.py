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
keeps its fingerprint. A column has one fingerprint per entity type it holds.

The file in a fingerprint is its path relative to ``root`` (the baseline's directory on the
command line), so a baseline holds wherever the scan runs from. Paths are shown with personal
data masked, component by component (``张*丰_11**************2X.txt``), in reports, baselines and
fingerprints alike; bytes that are not UTF-8 are shown escaped (``\\xff``).
"""

from __future__ import annotations

import bisect
import codecs
import fnmatch
import functools
import hashlib
import itertools
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from medguard.detect.classify import ColumnClassifier, ColumnEntity, ColumnReport, classify_column
from medguard.detect.levels import level_of, masked_sample
from medguard.detect.readers import (
    TABLE_FORMATS,
    detect_encoding,
    file_format,
    read_table,
    read_text,
)
from medguard.detect.text import DEFAULT_MIN_SCORE, scan_text
from medguard.errors import InvalidArgument, MedguardError, UnreadableInput

__all__ = [
    "DEFAULT_EXCLUDE",
    "MAX_FINDINGS",
    "FileReport",
    "LocatedFinding",
    "OmittedFindings",
    "TableReport",
    "iter_files",
    "masked_path",
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
    ``fingerprints`` holds, per column, one fingerprint per entry of its ``entities``.
    ``unscanned`` lists ``(column, reason)`` for the columns holding data the reader could not
    read (a Parquet union, undecodable binary): a scan with any is incomplete, never clean.
    """

    name: str
    rows: int
    columns: tuple[ColumnReport, ...]
    fingerprints: tuple[tuple[str, ...], ...]  # per column, one per entity it holds
    unscanned: tuple[tuple[str, str], ...] = ()

    def entries(self) -> Iterator[tuple[ColumnReport, ColumnEntity, str]]:
        """Every (column, entity type it holds, fingerprint), in column order."""
        for column, prints in zip(self.columns, self.fingerprints, strict=True):
            yield from ((column, e, f) for e, f in zip(column.entities, prints, strict=True))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        columns = []
        for c, prints in zip(self.columns, self.fingerprints, strict=True):
            data = c.to_dict()
            for entity, fingerprint in zip(data["entities"], prints, strict=True):
                entity["fingerprint"] = fingerprint
            columns.append({**data, "fingerprint": prints[0] if prints else None})
        out: dict[str, Any] = {"table": self.name, "rows": self.rows, "columns": columns}
        if self.unscanned:
            out["unscanned"] = [{"column": c, "reason": r} for c, r in self.unscanned]
        return out


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
    skipped: str | None = None  # why the file was not scanned (binary, medguard report)
    omitted: tuple[OmittedFindings, ...] = ()  # findings past ``max_findings``, counted
    empty: bool = False  # nothing in it (0 bytes, or only white space): clean
    baseline_path: str = ""  # the path in fingerprints and baselines: relative to ``root``

    @property
    def columns(self) -> tuple[ColumnReport, ...]:
        """Every column of every table."""
        return tuple(c for t in self.tables for c in t.columns)

    @property
    def scanned(self) -> bool:
        """True when the file was read (an empty file too); False if skipped or unreadable."""
        return self.error is None and self.skipped is None

    @property
    def unscanned(self) -> tuple[tuple[str, str, str], ...]:
        """``(table, column, reason)`` of every column holding data that was not read."""
        return tuple((t.name, c, r) for t in self.tables for c, r in t.unscanned)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports."""
        out: dict[str, Any] = {"file": self.path, "format": self.format,
                               "encoding": self.encoding, "size": self.size}  # fmt: skip
        if self.error is not None:
            out["error"] = self.error
        if self.skipped is not None:
            out["skipped"] = self.skipped
        if self.empty:
            out["empty"] = True
        if self.format in TABLE_FORMATS:
            out["rows"] = sum(t.rows for t in self.tables)
            out["columns"] = [
                {**c, "table": t["table"]} for t in map(TableReport.to_dict, self.tables)
                for c in t["columns"]
            ]  # fmt: skip
            unscanned = [{"table": t, "column": c, "reason": r} for t, c, r in self.unscanned]
            if unscanned:
                out["unscanned"] = unscanned
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


def _display_path(path: Path, root: str | os.PathLike[str] | None = None) -> str:
    """``path`` as reports show it: relative to ``root`` (default: the working directory) when
    under it, as given otherwise; personal data in it masked, undecodable bytes escaped."""
    absolute = os.path.abspath(path)
    base = os.path.abspath(root if root is not None else os.curdir)
    try:
        relative = os.path.relpath(absolute, base)
    except ValueError:  # another drive
        relative = absolute
    if root is None and (relative == os.pardir or relative.startswith(os.pardir + os.sep)):
        relative = os.fspath(path)  # outside the working directory: as given
    return masked_path(Path(relative).as_posix())


def masked_path(path: str) -> str:
    """``path`` with personal data masked in each component, undecodable bytes escaped.

    Each component is scanned with :func:`~medguard.detect.text.scan_text` and its findings
    masked; then each part between separators (``_``, ``-``, ``.``, spaces) that is personal
    data on its own (a name, an ID, a phone) is masked too: ``张三丰_11010519491231002X.txt``
    is shown ``张*丰_11**************2X.txt``.
    """
    if any("\udc80" <= ch <= "\udcff" for ch in path):  # undecodable bytes (surrogateescape)
        path = os.fsencode(path).decode("utf-8", "backslashreplace")
    path = path.encode("utf-8", "backslashreplace").decode("utf-8")  # any other lone surrogate
    return "/".join(_masked_component(part) for part in path.split("/"))


# A run of 11 or more digits in a file name (IDs glued together, an account) is shown masked.
_LONG_DIGITS = re.compile(r"\d{11,}[Xx]?")
_PATH_PART = re.compile(r"[^\s_.\-,，、()（）\[\]【】]+")


@functools.lru_cache(maxsize=8192)
def _masked_component(part: str) -> str:
    if part in ("", ".", ".."):
        return part
    pieces: list[str] = []
    last = 0
    for f in scan_text(part):
        pieces += [part[last : f.start], masked_sample(part[f.start : f.end])]
        last = f.end
    masked = _LONG_DIGITS.sub(lambda m: masked_sample(m.group()), "".join(pieces) + part[last:])
    return _PATH_PART.sub(lambda m: m.group() if "*" in m.group() else _shown_name(m.group()),
                          masked)  # fmt: skip


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
    min_score: float = DEFAULT_MIN_SCORE,
    encoding: str | None = None,
    seed: int = 0,
    on_rows: Callable[[int], None] | None = None,
    max_findings: int = MAX_FINDINGS,
    root: str | os.PathLike[str] | None = None,
) -> FileReport:
    """Scan one file: classify a table's columns, or find personal data in a text file.

    ``full`` examines every value instead of a sample of ``sample`` per column; ``min_score``
    is the least likelihood a text finding needs; ``encoding`` overrides detection;
    ``on_rows`` is called with the number of rows (or lines) after each batch, for progress.
    A text file's report lists at most ``max_findings`` findings; the rest are counted per
    entity type in ``omitted``, so memory stays bounded however much a file holds.
    ``root`` is the directory the paths in fingerprints are relative to (default: the working
    directory; the command line gives the baseline's directory).
    An empty file is clean (``empty``); medguard's own JSON, SARIF and baseline files are
    recognized by their content and skipped (``skipped="medguard report"``).
    Raises :class:`~medguard.errors.UnreadableInput` when the file cannot be read.
    """
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidArgument(f"unknown text encoding {encoding!r}") from None
    file = Path(path)
    shown = _display_path(file)
    try:
        file.stat()
    except FileNotFoundError:
        raise UnreadableInput(shown, "no such file") from None
    except OSError as exc:  # a name too long, a loop of links, no permission on a directory
        raise UnreadableInput(shown, f"cannot read ({exc.strerror or exc})") from None
    if file.is_dir():
        try:
            os.scandir(file).close()
        except OSError as exc:
            raise UnreadableInput(shown, f"cannot list directory: {exc.strerror}") from None
        raise UnreadableInput(shown, "a directory (scan_paths walks directories)")
    if not file.exists():
        raise UnreadableInput(shown, "no such file")
    if not file.is_file():
        raise UnreadableInput(shown, "not a regular file (a pipe, socket or device)")
    if max_findings < 0:
        raise InvalidArgument(f"max_findings must be 0 or more, got {max_findings}")
    key = _display_path(file, os.curdir if root is None else root)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise UnreadableInput(shown, f"cannot read ({exc.strerror or exc})") from None
    fmt = "empty" if size == 0 else file_format(file)
    if fmt == "empty":
        return FileReport(shown, "empty", size=size, empty=True, baseline_path=key)
    if fmt == "binary":
        return FileReport(shown, fmt, size=size, skipped="binary file", baseline_path=key)
    own = _medguard_output(file, size)
    if own is not None:
        return FileReport(shown, fmt, size=size, skipped=own, baseline_path=key)
    if fmt in ("csv", "tsv", "jsonl") or fmt == "text":
        encoding = encoding or detect_encoding(file)
    if fmt in TABLE_FORMATS:
        tables = _scan_table(file, key, fmt, encoding, full, sample, seed, on_rows)
        return FileReport(shown, fmt, encoding, size, tables=tables, baseline_path=key)
    found = _scan_text_file(file, shown, key, encoding, min_score, on_rows, max_findings)
    findings, omitted = found
    return FileReport(shown, fmt, encoding, size, findings=findings, omitted=omitted,
                      baseline_path=key)  # fmt: skip


# medguard's own outputs, recognized by content: a JSON report, a SARIF log, a baseline.
_OWN_REPORT_KEYS = frozenset({"tool", "version", "summary", "exit_code", "files"})
_OWN_SARIF_KEYS = frozenset({"$schema", "version", "runs"})
_OWN_BASELINE_KEYS = frozenset({"version", "tool", "accepted"})
_OWN_MAX_BYTES = 64 * 2**20  # a larger file is scanned as it is


def _medguard_output(file: Path, size: int) -> str | None:
    """``"medguard report"`` for a JSON report or SARIF log medguard wrote, ``"medguard
    baseline"`` for a baseline, else None. The whole file must parse as one JSON object with
    exactly the keys medguard writes; anything else is scanned like any other file."""
    if size > _OWN_MAX_BYTES:
        return None
    try:
        with file.open("rb") as f:
            if f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"{":
                return None
            f.seek(0)
            data = json.loads(f.read().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    keys = set(data)
    if keys == _OWN_REPORT_KEYS and data["tool"] == "medguard":
        return "medguard report"
    if keys == _OWN_BASELINE_KEYS and data["tool"] == "medguard":
        return "medguard baseline"
    runs = data.get("runs")
    if keys <= _OWN_SARIF_KEYS and isinstance(runs, list) and runs and all(map(_own_run, runs)):
        return "medguard report"
    return None


def _own_run(run: Any) -> bool:
    tool = run.get("tool") if isinstance(run, dict) else None
    driver = tool.get("driver") if isinstance(tool, dict) else None
    return isinstance(driver, dict) and driver.get("name") == "medguard"


def _scan_table(
    file: Path,
    key: str,
    fmt: str,
    encoding: str | None,
    full: bool,
    sample: int,
    seed: int,
    on_rows: Callable[[int], None] | None,
) -> tuple[TableReport, ...]:
    classifiers: dict[str, dict[str, ColumnClassifier]] = {}
    rows: Counter[str] = Counter()
    stream = read_table(file, fmt, encoding=encoding)
    for table, columns in stream:
        known = classifiers.setdefault(table, {})
        count = columns.rows  # records (a gathered path like identifier[].value holds more)
        for name, values in columns.items():
            if name not in known:
                known[name] = ColumnClassifier(name, sample=sample, full=full, seed=seed)
            known[name].add(values)
        rows[table] += count
        if on_rows is not None:
            on_rows(count)
    unscanned: dict[str, list[tuple[str, str]]] = {}
    for column in stream.unscanned:  # columns holding data the reader could not read
        unscanned.setdefault(column.table, []).append((_shown_name(column.column), column.reason))
        classifiers.setdefault(column.table, {})
    reports = []
    for table, known in classifiers.items():
        done = tuple(
            replace(report, column=_shown_name(report.column))
            for report in (c.report() for c in known.values())
        )
        name = _shown_name(table)
        prints = tuple(
            tuple(_digest(key, name, c.column, e.entity_type) for e in c.entities) for c in done
        )
        reports.append(
            TableReport(name, rows[table], done, prints, tuple(unscanned.get(table, ())))
        )
    return tuple(reports)


def _scan_text_file(
    file: Path,
    shown: str,
    key: str,
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
                    _count_omitted(omitted, key, f.entity_type, f.score, chunk.first_line + index)
                    continue
                sample = masked_sample(text[f.start : f.end])
                seen[f.entity_type, sample] += 1
                located.append(LocatedFinding(
                    shown, chunk.first_line + index, f.start - begin + 1 + shift,
                    f.end - begin + 1 + shift,
                    f.entity_type, f.score, level_of(f.entity_type), f.recognizer, sample,
                    _digest(key, f.entity_type, sample, str(seen[f.entity_type, sample])),
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

    A symbolic link named in ``paths`` is followed (a link to a directory is walked). Links
    met while walking are yielded when they point at files, but not followed into
    directories: no loops, and nothing outside the tree is scanned twice.
    """
    wanted = _Filter(tuple(include), tuple(exclude))
    for given in paths:
        root = Path(given)
        try:
            is_dir = root.is_dir()  # a link to a directory counts: named links are followed
        except OSError:  # a name too long: the caller reports it
            is_dir = False
        if not is_dir:
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

    ``options`` are those of :func:`scan_file`. Reports come one per file, as each is done;
    a file that cannot be read gives a report with ``error`` set. A
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
        "root",
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
