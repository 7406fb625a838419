"""Baselines: accept known findings so a scan fails only on new ones.

A baseline file is JSON listing fingerprints (see :mod:`medguard.detect.files`), each with the
file and entity type for a reviewer to read; it never holds a raw value or a hash of one (nor of
the text around one), only hashes of what reports show anyway::

    {"version": 2, "tool": "medguard",
     "accepted": [{"fingerprint": "…", "file": "notes/2024.txt", "entity_type": "PERSON",
                   "where": "line 12"}]}

Write one with ``medguard scan --write-baseline FILE PATH...``; use it with ``--baseline FILE``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medguard._atomic import write_atomically
from medguard.detect.files import FileReport
from medguard.errors import InvalidArgument, ScanError

__all__ = ["Baseline", "entries", "write_report"]

_VERSION = 2  # version 1 fingerprints hashed the text around a finding


def entries(reports: Iterable[FileReport]) -> list[dict[str, str]]:
    """One baseline entry per finding and per column holding personal data."""
    out: list[dict[str, str]] = []
    for report in reports:
        for table in report.tables:
            for column, fingerprint in zip(table.columns, table.fingerprints, strict=True):
                if column.entity_type is not None:
                    where = f"column {column.column}" + (f" of {table.name}" if table.name else "")
                    out.append({"fingerprint": fingerprint, "file": report.path,
                                "entity_type": column.entity_type, "where": where})  # fmt: skip
        for f in report.findings:
            out.append({"fingerprint": f.fingerprint, "file": f.path,
                        "entity_type": f.entity_type, "where": f"line {f.line}"})  # fmt: skip
    return out


def write_report(path: str | os.PathLike[str], text: str) -> None:
    """Write a report or baseline (UTF-8) whole or not at all; raises
    :class:`~medguard.errors.ScanError` naming the path when it cannot be written."""
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise ScanError(f"cannot write {path}: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class Baseline:
    """A set of accepted fingerprints."""

    fingerprints: frozenset[str]

    def __contains__(self, fingerprint: object) -> bool:
        return fingerprint in self.fingerprints

    def __len__(self) -> int:
        return len(self.fingerprints)

    @classmethod
    def from_reports(cls, reports: Iterable[FileReport]) -> Baseline:
        """Accept everything found in ``reports``."""
        return cls(frozenset(e["fingerprint"] for e in entries(reports)))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Baseline:
        """Read a baseline file; raises :class:`~medguard.errors.InvalidArgument` if malformed."""
        try:
            data: Any = json.loads(Path(path).read_text("utf-8"))
        except OSError as exc:
            raise InvalidArgument(f"cannot read baseline {path}: {exc.strerror}") from None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidArgument(f"baseline {path} is not JSON") from None
        if isinstance(data, dict) and data.get("version") == 1:
            raise InvalidArgument(
                f"baseline {path} was written by an earlier medguard whose fingerprints could be "
                "traced back to values; write a new one with --write-baseline"
            )
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            raise InvalidArgument(f"baseline {path}: not a medguard baseline (version {_VERSION})")
        accepted = data.get("accepted")
        if not isinstance(accepted, list) or not all(
            isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in accepted
        ):
            raise InvalidArgument(f"baseline {path}: 'accepted' must list fingerprints")
        return cls(frozenset(e["fingerprint"] for e in accepted))

    @staticmethod
    def write(path: str | os.PathLike[str], reports: Iterable[FileReport]) -> int:
        """Write a baseline accepting everything in ``reports`` (atomically); returns its size."""
        accepted = sorted(entries(reports), key=lambda e: (e["file"], e["where"], e["entity_type"]))
        text = json.dumps({"version": _VERSION, "tool": "medguard", "accepted": accepted},
                          ensure_ascii=False, indent=2) + "\n"  # fmt: skip
        write_report(path, text)
        return len(accepted)
