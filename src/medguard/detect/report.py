"""A whole scan's outcome: which findings fail it, and its JSON and SARIF 2.1.0 forms.

:class:`ScanResult` holds the :class:`~medguard.detect.files.FileReport` of every file, the
baseline in force, and the :class:`Threshold` that fails the scan (a GB/T 39725 level, or a
likelihood). Findings accepted by the baseline never fail a scan; they are still listed, marked
``baselined`` (JSON) or suppressed (SARIF), so a reviewer sees them. A column accepted with a
number of values fails again when it holds more. A scan that knows the policy its files were
written under (``by_design``) lists the columns the policy shapes like identifiers on purpose
(pseudonyms, tokens, generalized places, shifted dates) without failing on them. Only masked
samples appear, and a column,
sheet or file name that is itself personal data is masked too (see
:class:`~medguard.detect.files.TableReport`).

Exit 0 means clean: a scan that read no file at all (an empty directory, an ``include`` that
matched nothing), a file that could not be read, or a column the reader could not read make
the scan incomplete (exit 2), never clean.
"""

from __future__ import annotations

import re
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medguard import __version__
from medguard.detect.baseline import ALL_VALUES, Baseline
from medguard.detect.files import FileReport
from medguard.errors import InvalidArgument

__all__ = ["Issue", "ScanResult", "Threshold"]

_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_TEXT_HEADER_FORMATS = frozenset({"csv", "tsv", "jsonl"})  # a column points at line 1
_ENTITY_HELP = {
    "CN_RESIDENT_ID": "Resident identity card number (GB 11643-1999), check character verified",
    "CN_HMT_PERMIT": "Residence permit for Hong Kong, Macao and Taiwan residents",
    "CN_BANK_CARD": "Bank card number (Luhn verified)",
    "CN_PASSPORT": "Chinese passport or travel permit number",
    "CN_USCC": "Unified social credit code (GB 32100-2015), both checks verified",
    "HK_ID_CARD": "Hong Kong identity card number",
    "CN_MEDICAL_RECORD_NUMBER": "Medical record, admission or outpatient number",
    "PERSON": "Person name",
    "PHONE_NUMBER": "Mobile or landline phone number",
    "EMAIL_ADDRESS": "E-mail address",
    "LOCATION": "Postal address",
    "IP_ADDRESS": "IP address",
    "DATE_TIME": "Date of birth",
    "CN_MILITARY_ID": "Military or police officer's card number",
    "CN_SOCIAL_SECURITY_CARD": "Social-security or medical-insurance card number",
    "CN_DRIVING_LICENSE": "Driving licence number",
    "ACCOUNT_ID": "Account ID (QQ, WeChat, Weibo, Alipay)",
    "DEVICE_ID": "Device identifier (IMEI, serial number)",
    "MAC_ADDRESS": "MAC address",
    "CN_VEHICLE_PLATE": "Vehicle licence plate",
    "ORGANIZATION": "A person's workplace or school",
    "AGE": "Age of 90 or over",
    "URL": "URL",
}


def _rule_help(rule: str) -> dict[str, str]:
    """A rule's help (SARIF ``help``): what was found and what to do about it."""
    what = _ENTITY_HELP.get(rule, rule)
    steps = (
        "Remove it, or protect it before the data leaves its system (mask, pseudonymize or "
        "encrypt the column with medguard.ops), or accept it knowingly in a baseline "
        "(medguard scan --write-baseline). Reports show masked samples only."
    )
    return {
        "text": f"{what}: personal data (GB/T 35273-2020). {steps}",
        "markdown": f"**{what}**: personal data (GB/T 35273-2020).\n\n{steps}",
    }


def _uri(path: str) -> str:
    """A SARIF ``artifactLocation.uri``: a URI reference, so spaces and Chinese are escaped."""
    if Path(path).is_absolute():
        return Path(path).as_uri()
    return urllib.parse.quote(path)


@dataclass(frozen=True)
class Threshold:
    """What fails a scan: a level (``3``, ``L4``, ``level:4``) or a likelihood (``0.8``)."""

    level: int | None = None
    score: float | None = None

    @classmethod
    def parse(cls, text: str) -> Threshold:
        """Parse ``--fail-on``: an integer 1-5 is a level, a number in (0, 1] a likelihood."""
        value = text.strip().lower()
        m = re.fullmatch(r"(?:level:|l)?([1-5])", value)
        if m:
            return cls(level=int(m.group(1)))
        m = re.fullmatch(r"(?:score:)?(0?\.\d+|1(?:\.0*)?)", value)
        if m and 0 < float(m.group(1)) <= 1:
            return cls(score=float(m.group(1)))
        raise InvalidArgument(
            f"--fail-on {text!r}: give a level 1-5 (e.g. 3 or L4) or a likelihood in (0, 1]"
        )

    def hit(self, level: int, score: float) -> bool:
        """True when a finding of this level and likelihood fails the scan."""
        if self.level is not None:
            return level >= self.level
        return self.score is not None and score >= self.score

    def __str__(self) -> str:
        return f"level >= {self.level}" if self.level is not None else f"likelihood >= {self.score}"


@dataclass(frozen=True)
class Issue:
    """One finding or one personal-data column, flattened for output."""

    file: str
    where: str  # "line 12, column 5" or "column 身份证号"
    entity_type: str
    level: int
    score: float
    sample: str
    fingerprint: str
    baselined: bool
    line: int | None = None
    column: int | None = None
    end_column: int | None = None
    column_name: str | None = None
    match_ratio: float | None = None
    omitted: int = 0  # findings past the report's limit that this issue stands for
    matches: int | None = None  # a column: how many values hold the type
    accepted: int | None = None  # a column over its baseline: how many values it accepted
    format: str | None = None  # the file's format
    by_design: str | None = None  # a column a policy shapes so (``--policy``): why


@dataclass
class ScanResult:
    """The reports of one scan, the baseline in force and the failing threshold."""

    reports: list[FileReport]
    threshold: Threshold = field(default_factory=lambda: Threshold(level=3))
    baseline: Baseline | None = None
    allow_empty: bool = False  # a scan that read no file is clean, not incomplete
    #: Table columns whose identifier-shaped values a policy makes by design (column name ->
    #: why, from :meth:`~medguard.lifecycle.Policy.shaped_by_design`): listed, never failing.
    by_design: dict[str, str] = field(default_factory=dict)

    def issues(self) -> Iterator[Issue]:
        """Every finding, and every entity type of every column holding personal data, in file
        order."""
        accepted = self.baseline or Baseline(frozenset())
        for report in self.reports:
            for table in report.tables:
                for c, e, fingerprint in table.entries():
                    where = f"column {c.column}" + (f" ({table.name})" if table.name else "")
                    ok = accepted.accepts(fingerprint, e.matches)
                    over = (
                        accepted.limit(fingerprint) if fingerprint in accepted and not ok else None
                    )
                    yield Issue(
                        report.path, where, e.entity_type, e.level, e.score,
                        ", ".join(e.samples), fingerprint, ok,
                        column_name=c.column, match_ratio=e.match_ratio, matches=e.matches,
                        accepted=over, format=report.format,
                        by_design=self.by_design.get(c.column),
                    )  # fmt: skip
            for f in report.findings:
                yield Issue(
                    f.path, f"line {f.line}, column {f.column}", f.entity_type, f.level, f.score,
                    f.sample, f.fingerprint, f.fingerprint in accepted, f.line, f.column,
                    f.end_column, format=report.format,
                )  # fmt: skip
            for o in report.omitted:  # not listed, so never in a baseline: they fail closed
                yield Issue(
                    report.path, f"{o.count:,} more from line {o.first_line} (not listed: "
                    "over --max-findings)", o.entity_type, o.level, o.max_score, "",
                    o.fingerprint, False, o.first_line,
                    omitted=o.count, format=report.format,
                )  # fmt: skip

    def failing(self) -> list[Issue]:
        """Issues at or above the threshold, not in the baseline and not shaped so by the
        policy in force (:attr:`by_design`)."""
        return [
            i for i in self.issues()
            if not i.baselined and i.by_design is None and self.threshold.hit(i.level, i.score)
        ]  # fmt: skip

    @property
    def errors(self) -> list[FileReport]:
        """Files that could not be read."""
        return [r for r in self.reports if r.error is not None]

    @property
    def unscanned(self) -> list[tuple[str, str, str, str]]:
        """``(file, table, column, reason)`` of every column holding data that was not read."""
        return [(r.path, *u) for r in self.reports for u in r.unscanned]

    @property
    def nothing_scanned(self) -> bool:
        """True when no file was read at all (none found, or every one skipped)."""
        return not any(r.scanned for r in self.reports)

    @property
    def incomplete(self) -> bool:
        """True when some data was not read: an unreadable file, an unscanned column, or no
        file read at all (unless ``allow_empty``)."""
        return bool(
            self.errors or self.unscanned or (self.nothing_scanned and not self.allow_empty)
        )

    @property
    def exit_code(self) -> int:
        """2 when the scan is incomplete (:attr:`incomplete`), 1 when issues fail, else 0."""
        if self.incomplete:
            return 2
        return 1 if self.failing() else 0

    def over_baseline(self) -> list[Issue]:
        """Columns holding more values than their baseline entry accepted."""
        return [i for i in self.issues() if i.accepted is not None]

    def summary(self) -> dict[str, Any]:
        """Counts for the report header."""
        issues = list(self.issues())
        failing = self.failing()
        return {
            "files": len(self.reports), "scanned": sum(r.scanned for r in self.reports),
            "empty": sum(r.empty for r in self.reports),
            "skipped": sum(r.skipped is not None for r in self.reports),
            "unreadable": len(self.errors), "unscanned_columns": len(self.unscanned),
            "issues": len(issues), "baselined": sum(i.baselined for i in issues),
            "by_design": sum(i.by_design is not None for i in issues),
            "failing": len(failing), "failing_files": len({i.file for i in failing}),
            "fail_on": str(self.threshold), "omitted": sum(i.omitted for i in issues),
            "by_entity": dict(Counter(i.entity_type for i in issues).most_common()),
        }  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """One JSON object: summary, then per file its columns (tables) or findings (text)."""
        accepted = self.baseline or Baseline(frozenset())
        files = []
        for report in self.reports:
            data = report.to_dict()
            for column in data.get("columns", ()):
                why = self.by_design.get(column["column"])
                for entity in column["entities"]:
                    entity["baselined"] = accepted.accepts(entity["fingerprint"], entity["matches"])
                    if why is not None:
                        entity["by_design"] = why
                column["baselined"] = bool(column["entities"]) and all(
                    e["baselined"] for e in column["entities"]
                )
            for item in data.get("findings", ()):
                item["baselined"] = item["fingerprint"] in accepted
            files.append(data)
        return {"tool": "medguard", "version": __version__, "summary": self.summary(),
                "exit_code": self.exit_code, "files": files}  # fmt: skip

    def messages(self) -> list[str]:
        """Why the scan is incomplete, and what to do about columns over their baseline: one
        line each, for stderr."""
        lines = [f"cannot read {r.path}: {r.error}" for r in self.errors]
        lines += [
            f"not scanned: column {column}" + (f" ({table})" if table else "")
            + f" of {path}: {reason}"
            for path, table, column, reason in self.unscanned
        ]  # fmt: skip
        # (unreadable files have their own lines above, and --allow-empty would not help them)
        if self.nothing_scanned and not self.allow_empty and not self.errors:
            skipped = Counter(r.skipped for r in self.reports if r.skipped is not None)
            why = ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items()))
            lines.append(
                "nothing scanned: no file was read"
                + (f" ({why})" if why else " (no file found: check the paths, --include and "
                   "--exclude)")
                + "; pass --allow-empty if that is expected"
            )  # fmt: skip
        where = self.baseline.path if self.baseline and self.baseline.path else "the baseline"
        for i in self.over_baseline():
            lines.append(
                f"{i.file}: {i.where} holds {i.matches} {i.entity_type} value(s), {where} "
                f"accepted {i.accepted}: to accept the column whatever it holds, set its "
                f'"values" to "{ALL_VALUES}" in {where} (or write the baseline again)'
            )
        return lines

    def to_sarif(self) -> dict[str, Any]:
        """A SARIF 2.1.0 log: one rule per entity type, one result per issue."""
        issues = list(self.issues())
        rules = sorted({i.entity_type for i in issues})
        results = [self._sarif_result(i, rules.index(i.entity_type)) for i in issues]
        notifications = [
            {"level": "error", "message": {"text": f"cannot read {r.path}: {r.error}"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(r.path)}}}]}
            for r in self.errors
        ]  # fmt: skip
        notifications += [
            {"level": "error",
             "message": {"text": f"column {column} not scanned: {reason}"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(path)}}}]}
            for path, _table, column, reason in self.unscanned
        ]  # fmt: skip
        if self.nothing_scanned and not self.allow_empty:
            notifications.append({"level": "error", "message": {"text": "no file was read"}})
        driver = {
            "name": "medguard", "version": __version__, "semanticVersion": __version__,
            "informationUri": "https://medguard.invalid/docs/scanning",
            "rules": [
                {"id": rule, "name": rule.title().replace("_", ""),
                 "shortDescription": {"text": _ENTITY_HELP.get(rule, rule)},
                 "fullDescription": {"text": _ENTITY_HELP.get(rule, rule)},
                 "help": _rule_help(rule),
                 "properties": {"tags": ["privacy", "pii"]}}
                for rule in rules
            ],
        }  # fmt: skip
        run: dict[str, Any] = {
            "tool": {"driver": driver}, "results": results,
            "invocations": [{"executionSuccessful": not self.incomplete,
                             "toolExecutionNotifications": notifications}],
        }  # fmt: skip
        return {"$schema": _SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}

    def _sarif_result(self, issue: Issue, rule_index: int) -> dict[str, Any]:
        lines: dict[str, int] = {"startLine": issue.line or 1}
        if issue.column is not None and issue.end_column is not None:
            lines.update(startColumn=issue.column, endColumn=issue.end_column)
        region: dict[str, int] | None = lines
        if issue.omitted:
            text = (f"{issue.omitted:,} more {issue.entity_type} findings from line {issue.line}, "
                    "not listed (over --max-findings)")  # fmt: skip
        elif issue.column_name is not None:
            ratio = f"{issue.match_ratio or 0:.0%}"
            text = (f"Column '{issue.column_name}' holds {issue.entity_type} "
                    f"({issue.matches} value(s), {ratio} of those examined)")  # fmt: skip
            if issue.format in _TEXT_HEADER_FORMATS:
                text += "; the location is the header line"
            else:  # a workbook or Parquet file has no lines: the file itself
                region = None
        else:
            text = f"{issue.entity_type} (likelihood {issue.score:.2f})"
        location: dict[str, Any] = {"artifactLocation": {"uri": _uri(issue.file)}}
        if region is not None:
            location["region"] = region
        result: dict[str, Any] = {
            "ruleId": issue.entity_type, "ruleIndex": rule_index,
            "level": "note" if issue.by_design is not None
            else "error" if self.threshold.hit(issue.level, issue.score) else "warning",
            "message": {"text": f"{text}: {issue.sample}" if issue.sample else text},
            "locations": [{"physicalLocation": location}],
            "partialFingerprints": {"medguardFinding/v2": issue.fingerprint},
            "properties": {"level": issue.level, "score": issue.score},
        }  # fmt: skip
        suppressions = []
        if issue.baselined:
            suppressions.append({"kind": "external", "justification": "medguard baseline"})
        if issue.by_design is not None:
            suppressions.append(
                {"kind": "external", "justification": f"medguard policy: {issue.by_design}"}
            )
        if suppressions:
            result["suppressions"] = suppressions
        return result
