"""``medguard sql-audit FILE|-``: check a statement log with the SQL guard; fail CI on findings.

Exit codes as ``scan``: 0 nothing at or above ``--fail-on``, 1 findings at or above it, 2 usage
errors or a log that cannot be read. Reports name statements by line and fingerprint, never
by their literal values.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]

DESCRIPTION = """\
Check every statement of a SQL log with the SQL guard (medguard.audit.sql): DELETE/UPDATE
without WHERE, bulk reads of personal data, DDL, privilege changes, stacked statements,
tautologies, UNION reads of system tables, time-based probes, file and command access,
comments that cut a condition. What does not parse is a finding (fail closed).

The log is JSON Lines with a "sql" field (and an optional "dialect"), or plain SQL: one
statement per line, or statements ending in ';' at the end of a line.

exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage error or a
log that cannot be read.
"""

EPILOG = """\
examples:
  medguard sql-audit queries.log                       table, fail on medium and above
  medguard sql-audit --dialect postgres --format sarif -o sql.sarif pg.log
  medguard sql-audit --policy policy.yaml --fail-on high audit.jsonl
  tail -n 1000 general.log | medguard sql-audit -
"""

_BANDS = ("low", "medium", "high", "very-high")


def register(sub: Any) -> None:
    """Add the ``sql-audit`` subcommand to the CLI."""
    parser = sub.add_parser(
        "sql-audit",
        help="check a SQL statement log with the SQL guard (CI: exit code, JSON, SARIF)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("log", metavar="FILE|-", help="the statement log ('-': standard input)")
    parser.add_argument(
        "--dialect", "-d", default="mysql",
        help="mysql, postgres, oracle, tsql or hive (default: mysql)",
    )  # fmt: skip
    parser.add_argument(
        "--policy", type=Path, help="a medguard policy (YAML/TOML/JSON): levels of fields"
    )
    parser.add_argument(
        "--format", "-f", choices=("table", "json", "sarif"), default="table",
        help="output format (default: table)",
    )  # fmt: skip
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file")
    parser.add_argument(
        "--fail-on", choices=_BANDS, default="medium",
        help="fail (exit 1) on findings in this band or above (default: medium)",
    )  # fmt: skip
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from medguard.audit.sql import audit_log, read_log, severity_at_least, to_sarif
    from medguard.cli.scan import _check_writable, _emit, _emit_json
    from medguard.errors import InvalidArgument, UnreadableInput

    _check_writable(args.output, "--output")
    policy = None
    if args.policy is not None:
        from medguard.lifecycle import Policy

        policy = Policy.load(args.policy)
    name = "<stdin>" if args.log == "-" else args.log
    try:
        raw = sys.stdin.buffer.read() if args.log == "-" else Path(args.log).read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableInput(name, "not UTF-8 text") from None
    try:
        entries = read_log(text)
    except InvalidArgument as exc:
        raise UnreadableInput(name, str(exc)) from None
    findings = audit_log(entries, args.dialect, policy)
    fail_on = args.fail_on.replace("-", " ")
    failing = [f for f in findings if severity_at_least(f.finding, fail_on)]
    if args.format == "json":
        data = {
            "log": name, "statements": len(entries), "fail_on": fail_on,
            "failing": len(failing), "findings": [f.to_dict() for f in findings],
        }  # fmt: skip
        _emit_json(data, args.output)
    elif args.format == "sarif":
        _emit_json(to_sarif(findings, name, fail_on), args.output)
    else:
        _emit(_table(findings, failing, len(entries), fail_on), args.output)
    return 1 if failing else 0


def _table(findings: list[Any], failing: list[Any], statements: int, fail_on: str) -> str:
    lines = []
    bad = {id(f) for f in failing}
    for f in findings:
        x = f.finding
        where = f"line {f.line}" + (f" #{x.statement + 1}" if x.statement else "")
        tables = f" [{', '.join(x.tables)}]" if x.tables else ""
        mark = "  FAIL" if id(f) in bad else ""
        lines.append(f"{where:<12} {x.rule:<11} R={x.risk:<2} {x.severity:<9} "
                     f"{x.message}{tables}{mark}")  # fmt: skip
    verdict = "FAIL" if failing else "ok"
    lines.append(f"{verdict}: {len(failing)} finding(s) at or above {fail_on} of "
                 f"{len(findings)}, in {statements} statement(s)")  # fmt: skip
    return "\n".join(lines) + "\n"
