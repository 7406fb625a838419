"""``medguard scan PATH...``: find personal data in files and directories; fail CI on it.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it (not in the
baseline); 2 usage errors, or an incomplete scan: a file or a column that could not be read
(reported; the rest is scanned), or no file read at all (``--allow-empty`` makes that 0).
Reports show masked samples only, and mask personal data in file names.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from medguard.detect.text import DEFAULT_MIN_SCORE

__all__ = ["register"]

DESCRIPTION = """\
Find personal data (resident IDs, phone numbers, names, addresses, bank cards, ...) in CSV/TSV
(UTF-8 or GB18030/GBK), Excel, Parquet, JSON Lines and text files; directories are walked.
Tables are classified column by column (entity type, share of matching values, GB/T 39725
level); text files are scanned line by line. Reports show masked samples only.

exit codes: 0 nothing at or above --fail-on, 1 findings at or above it (not in the baseline),
2 usage error, or an incomplete scan: a file or a column that could not be read (reported; the
rest is still scanned), or no file read at all (--allow-empty: 0).

An empty file is clean. medguard's own JSON/SARIF reports and baselines are recognized by their
content and skipped. A symbolic link named on the command line is followed; links met while
walking a directory are not followed into directories.
"""

EPILOG = """\
examples:
  medguard scan exports/                        readable table on the terminal
  medguard scan --format sarif -o pii.sarif .   for GitHub code scanning
  medguard scan --fail-on 4 data.csv            fail only on direct identifiers (level 4)
  medguard scan --fail-on 0.8 notes/            fail on findings with likelihood >= 0.8
  medguard scan --write-baseline .medguard-baseline.json .    accept what is there now
  medguard scan --baseline .medguard-baseline.json .          fail only on new findings
"""


def register(sub: Any) -> None:
    """Add the ``scan`` subcommand to the CLI."""
    parser = sub.add_parser(
        "scan",
        help="find personal data in files and directories (CI: exit code, JSON, SARIF)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    parser.add_argument(
        "--format", "-f", choices=("table", "json", "sarif"), default="table",
        help="output format (default: table)",
    )  # fmt: skip
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file")
    parser.add_argument(
        "--fail-on", default="3", metavar="LEVEL|LIKELIHOOD",
        help="fail (exit 1) on findings at or above a GB/T 39725 level (1-5, e.g. 3 or L4) "
             "or a likelihood in (0, 1] (e.g. 0.8); default: 3",
    )  # fmt: skip
    parser.add_argument(
        "--full", action="store_true",
        help="examine every value of every column instead of a sample (finds rare values)",
    )  # fmt: skip
    parser.add_argument(
        "--sample", type=int, default=10_000, help="values sampled per column (default: 10000)"
    )
    parser.add_argument(
        "--min-score", type=float, default=DEFAULT_MIN_SCORE,
        help="least likelihood a text finding needs to be reported "
             f"(default: {DEFAULT_MIN_SCORE}, erring towards reporting)",
    )  # fmt: skip
    parser.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="GLOB",
        help="only scan files matching GLOB in directories (repeatable)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files and directories matching GLOB (repeatable)",
    )
    parser.add_argument("--encoding", help="text encoding of CSV/text files (default: detect)")
    parser.add_argument(
        "--baseline", type=Path, metavar="FILE", help="accept the findings listed in FILE"
    )
    parser.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="write every current finding to FILE as accepted, then exit 0",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=20,
        metavar="N",
        help="table format: show at most N findings per file (0: all; default: 20)",
    )
    parser.add_argument(
        "--max-findings",
        type=int,
        default=100_000,
        metavar="N",
        help="list at most N findings per text file; the rest are counted and fail the scan "
        "as not baselined (default: 100000)",
    )
    parser.add_argument(
        "--allow-empty",
        action="store_true",
        help="exit 0 when no file is read (an empty directory); by default that is exit 2",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (it only shows on a terminal anyway)",
    )
    parser.add_argument(
        "--emit-policy",
        type=Path,
        metavar="POLICY",
        help="draft a policy (YAML or TOML by suffix) from the tables found, a comment on "
        "each field saying why; exit 0 once written",
    )
    parser.add_argument(
        "--policy",
        type=Path,
        metavar="POLICY",
        help="the policy the files were written under (medguard protect): columns it "
        "pseudonymizes, tokenizes, generalizes, shifts or masks are listed, not failed "
        "(a pseudonym is a valid ID by design); everything else is judged as usual",
    )
    parser.add_argument(
        "--stage",
        metavar="STAGE",
        help="the policy's stage the files were written at (with --policy; default: sharing)",
    )
    parser.set_defaults(func=_run)  # fmt: skip


def _run(args: argparse.Namespace) -> int:
    from medguard.detect.baseline import Baseline
    from medguard.detect.files import DEFAULT_EXCLUDE, iter_files, scan_paths
    from medguard.detect.report import ScanResult, Threshold
    from medguard.errors import InvalidArgument

    threshold = Threshold.parse(args.fail_on)
    if args.sample < 1:
        raise InvalidArgument("--sample must be at least 1")
    if not 0 <= args.min_score <= 1:
        raise InvalidArgument("--min-score must be between 0 and 1")
    if args.max_findings < 0:
        raise InvalidArgument("--max-findings must be 0 or more")
    if args.limit < 0:
        raise InvalidArgument("--limit must be 0 (all) or more")
    baseline = Baseline.load(args.baseline) if args.baseline else None
    by_design = _by_design(args.policy, args.stage)
    _check_writable(args.output, "--output")
    _check_writable(args.write_baseline, "--write-baseline")
    exclude = (*DEFAULT_EXCLUDE, *args.exclude)
    # The baseline and the report are not scanned; a file named twice (d d/sub) is scanned once.
    seen = {p.resolve() for p in (args.baseline, args.write_baseline, args.output) if p}
    files = []
    for f in iter_files(args.paths, include=args.include, exclude=exclude):
        if f.resolve() not in seen:
            seen.add(f.resolve())
            files.append(f)
    # Paths in fingerprints and baselines are relative to the baseline's directory, so a
    # baseline holds whatever directory the scan runs from.
    anchor = args.write_baseline or args.baseline
    root = anchor.parent if anchor is not None else None
    options = {"full": args.full, "sample": args.sample, "min_score": args.min_score,
               "encoding": args.encoding, "max_findings": args.max_findings,
               "root": root}  # fmt: skip
    with _Progress(files, enabled=not args.no_progress) as progress:
        reports = []
        for report in scan_paths(files, exclude=(), on_rows=progress.rows, **options):
            reports.append(report)
            progress.file_done(report.path)
    result = ScanResult(
        reports, threshold, baseline, allow_empty=args.allow_empty, by_design=by_design
    )
    if args.emit_policy is not None:
        return _emit_policy(args.emit_policy, reports, args.paths)
    if args.write_baseline is not None:
        count = Baseline.write(args.write_baseline, reports)
        print(f"medguard: wrote {count} accepted finding(s) to {args.write_baseline}",
              file=sys.stderr)  # fmt: skip
        for line in result.messages():
            print(f"medguard: {line}", file=sys.stderr)
        return 2 if result.incomplete else 0
    if args.format == "table":
        _emit(_table(result, args.limit), args.output)
    else:
        _emit_json(result.to_json() if args.format == "json" else result.to_sarif(), args.output)
    for line in result.messages():
        print(f"medguard: {line}", file=sys.stderr)
    return result.exit_code


def _by_design(policy: Path | None, stage: str | None) -> dict[str, str]:
    """The columns ``policy`` shapes like identifiers at ``stage`` (``--policy``, ``--stage``)."""
    from medguard.errors import InvalidArgument
    from medguard.lifecycle import Policy
    from medguard.lifecycle.stages import Stage

    if policy is None:
        if stage is not None:
            raise InvalidArgument(
                "--stage needs --policy (the policy the files were written under)"
            )
        return {}
    try:
        chosen = Stage.parse(stage or "sharing")
    except ValueError:
        raise InvalidArgument(
            f"--stage {stage!r}: choose one of {', '.join(s.value for s in Stage)}"
        ) from None
    return Policy.load(policy).shaped_by_design(chosen)


def _emit_policy(path: Path, reports: list[Any], sources: list[Any]) -> int:
    """Write a drafted policy for the columns of every table scanned (the first of a name)."""
    from medguard._atomic import write_atomically
    from medguard.errors import InvalidArgument
    from medguard.lifecycle.draft import draft_policy_text

    columns: dict[str, Any] = {}
    for report in reports:
        for table in report.tables:
            for column in table.columns:
                columns.setdefault(str(column.column), column)
    if not columns:
        raise InvalidArgument("--emit-policy needs a table (CSV, TSV, Excel, Parquet, JSON Lines)")
    from medguard.detect.files import masked_path

    source = ", ".join(masked_path(str(s)) for s in sources)
    # the data's name: the one table file scanned (visits.csv -> visits), else the policy's
    files = {Path(r.path) for r in reports if r.tables}
    dataset = Path(masked_path(str(files.pop()))).stem if len(files) == 1 else None
    text = draft_policy_text(columns.values(), path, source=source, dataset=dataset)
    write_atomically(path, text)
    print(f"medguard: drafted a policy of {len(columns)} field(s) to {path}: read it, correct "
          "it, keep it", file=sys.stderr)  # fmt: skip
    return 0


def _emit(text: str, output: Path | None) -> None:
    from medguard.detect.baseline import write_report

    if output is not None:
        write_report(output, text)
        return
    if not _fits_stdout(text):  # a console without Chinese (C locale, cp1252): escape, not crash
        encoding = sys.stdout.encoding
        text = text.encode(encoding, "backslashreplace").decode(encoding)
    sys.stdout.write(text)


def _emit_json(data: Any, output: Path | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output is None and not _fits_stdout(text):
        text = json.dumps(data, ensure_ascii=True, indent=2) + "\n"  # the same JSON, escaped
    _emit(text, output)


def _fits_stdout(text: str) -> bool:
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_writable(path: Path | None, option: str) -> None:
    """Refuse an output path that cannot be written before spending time on the scan."""
    from medguard.errors import InvalidArgument

    if path is None:
        return
    parent = path.parent
    if not parent.is_dir():
        raise InvalidArgument(f"{option} {path}: directory {parent} does not exist")
    if path.is_dir():
        raise InvalidArgument(f"{option} {path} is a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidArgument(f"{option} {path}: directory {parent} is not writable")


def _table(result: Any, limit: int = 0) -> str:
    """The readable report: one line per issue, grouped by file, then a summary."""
    lines: list[str] = []
    by_file: dict[str, list[Any]] = {}
    for issue in result.issues():
        by_file.setdefault(issue.file, []).append(issue)
    for report in result.reports:
        issues = by_file.get(report.path, [])
        if report.error is not None:
            lines.append(f"{report.path}: cannot read: {report.error}")
            continue
        if report.skipped is not None:
            lines.append(f"{report.path}: skipped: {report.skipped}")
            continue
        if report.empty:
            lines.append(f"{report.path}: empty")
            continue
        if not issues and not report.unscanned:
            continue
        lines.append(f"{report.path} ({report.format}" +
                     (f", {report.encoding})" if report.encoding else ")"))  # fmt: skip
        for table, column, reason in report.unscanned:
            where = f"column {column}" + (f" ({table})" if table else "")
            lines.append(f"  {where}  NOT SCANNED: {reason}")
        if not issues:
            continue
        shown = issues[:limit] if limit > 0 else issues
        rows = [(i.where, i.entity_type, f"L{i.level}",
                 _share(i.match_ratio) if i.match_ratio is not None else f"{i.score:.2f}",
                 i.sample, _mark(result, i)) for i in shown]  # fmt: skip
        widths = [max(_width(r[k]) for r in rows) for k in range(5)]
        for row in rows:
            cells = [_pad(str(v), w) for v, w in zip(row[:5], widths, strict=True)]
            lines.append("  " + "  ".join(cells) + ("  " + row[5] if row[5] else ""))
        if len(shown) < len(issues):
            lines.append(f"  ... and {len(issues) - len(shown)} more (--limit 0 shows all)")
    s = result.summary()
    verdict = {0: "ok", 1: "FAIL", 2: "INCOMPLETE"}[result.exit_code]
    counts = [f"{s['scanned']} of {s['files']} file(s) scanned"]
    counts += [f"{s[key]} {label}" for key, label in (
        ("empty", "empty"), ("skipped", "skipped"), ("unreadable", "unreadable"),
        ("unscanned_columns", "column(s) not scanned")) if s[key]]  # fmt: skip
    lines.append(
        f"{verdict}: {s['failing_files']} file(s) failing, {s['failing']} failing finding(s) "
        f"({s['fail_on']}) of {s['issues']}, {s['baselined']} baselined"
        + (f", {s['by_design']} shaped by the policy" if s["by_design"] else "")
        + "; "
        + ", ".join(counts)
    )
    return "\n".join(lines) + "\n"


def _share(ratio: float) -> str:
    """A share of values as a whole percentage that never rounds a rare match away (``<1%``)."""
    if 0 < ratio < 0.01:
        return "<1%"
    if 0.99 < ratio < 1:
        return ">99%"
    return f"{ratio:.0%}"


def _mark(result: Any, issue: Any) -> str:
    if issue.baselined:
        return "(baselined)"
    if issue.by_design is not None:
        return f"(by policy: {issue.by_design})"
    if not result.threshold.hit(issue.level, issue.score):
        return ""
    if issue.accepted is not None:
        return f"FAIL (baseline accepted {issue.accepted} value(s))"
    return "FAIL"


def _width(text: object) -> int:
    """Display width: CJK characters take two columns on a terminal."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in str(text))


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class _Progress:
    """A tqdm bar over files on a terminal (stderr), with rows read; nothing otherwise."""

    def __init__(self, files: list[Path], *, enabled: bool, stream: TextIO = sys.stderr):
        self._bar: Any = None
        self._rows = 0
        if not enabled or not stream.isatty() or not files:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self._bar = tqdm(total=len(files), unit="file", file=stream, leave=False,
                         dynamic_ncols=True)  # fmt: skip

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()

    def rows(self, count: int) -> None:
        """Rows (or lines) read in the current file."""
        if self._bar is not None:
            self._rows += count
            self._bar.set_postfix(rows=self._rows, refresh=True)

    def file_done(self, path: str) -> None:
        """One file scanned."""
        if self._bar is not None:
            self._bar.set_description(path[-40:], refresh=False)
            self._bar.update(1)
