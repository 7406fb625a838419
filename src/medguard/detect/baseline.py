"""Baselines: accept known findings so a scan fails only on new ones.

A baseline file is JSON listing fingerprints (see :mod:`medguard.detect.files`), each with the
file and entity type for a reviewer to read; it never holds a raw value or a hash of one (nor of
the text around one), only hashes of what reports show anyway::

    {"version": 2, "tool": "medguard",
     "accepted": [{"fingerprint": "…", "file": "notes/2024.txt", "entity_type": "PERSON",
                   "where": "line 12"},
                  {"fingerprint": "…", "file": "data/visits.csv", "entity_type": "PHONE_NUMBER",
                   "where": "column 备注", "values": 12}]}

Write one with ``medguard scan --write-baseline FILE PATH...``; use it with ``--baseline FILE``.
Files are named relative to the baseline's directory, and fingerprints hash that path too, so a
baseline holds wherever the scan runs from.

A column's entry records how many values of its type it accepted (``values``): a scan finding
more fails, so a column accepted with 12 phone numbers does not silently take 12,000. To accept
a column whatever it holds, set ``"values": "all"`` in its entry (an entry without ``values``,
as written by earlier versions, also accepts the whole column).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medguard._atomic import write_atomically
from medguard.detect.files import FileReport
from medguard.errors import InvalidArgument, ScanError

__all__ = ["ALL_VALUES", "Baseline", "entries", "write_report"]

_VERSION = 2  # version 1 fingerprints hashed the text around a finding
#: The ``values`` of a column's entry that accepts the column whatever it holds.
ALL_VALUES = "all"


def entries(reports: Iterable[FileReport]) -> list[dict[str, Any]]:
    """One baseline entry per finding and per entity type of each column holding personal
    data; a column's entry records how many values it accepted."""
    out: list[dict[str, Any]] = []
    for report in reports:
        file = report.baseline_path or report.path
        for table in report.tables:
            for column, entity, fingerprint in table.entries():
                where = f"column {column.column}" + (f" of {table.name}" if table.name else "")
                out.append({"fingerprint": fingerprint, "file": file,
                            "entity_type": entity.entity_type, "where": where,
                            "values": entity.matches})  # fmt: skip
        for f in report.findings:
            out.append({"fingerprint": f.fingerprint, "file": file,
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
    """A set of accepted fingerprints; ``limits`` holds how many values a column's entry
    accepted (a fingerprint not in it has no limit)."""

    fingerprints: frozenset[str]
    limits: Mapping[str, int] = field(default_factory=dict)
    path: str | None = None  # the file it was read from, for messages

    def __contains__(self, fingerprint: object) -> bool:
        return fingerprint in self.fingerprints

    def __len__(self) -> int:
        return len(self.fingerprints)

    def accepts(self, fingerprint: str, values: int | None = None) -> bool:
        """Whether ``fingerprint`` is accepted with ``values`` values (a column's count)."""
        if fingerprint not in self.fingerprints:
            return False
        limit = self.limits.get(fingerprint)
        return limit is None or values is None or values <= limit

    def limit(self, fingerprint: str) -> int | None:
        """How many values the entry of ``fingerprint`` accepted (None: no limit)."""
        return self.limits.get(fingerprint)

    @classmethod
    def from_reports(cls, reports: Iterable[FileReport]) -> Baseline:
        """Accept everything found in ``reports``."""
        found = entries(reports)
        limits = {e["fingerprint"]: e["values"] for e in found if "values" in e}
        return cls(frozenset(e["fingerprint"] for e in found), limits)

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
        limits: dict[str, int] = {}
        for entry in accepted:
            values = entry.get("values", ALL_VALUES)
            if values == ALL_VALUES:
                continue
            if isinstance(values, bool) or not isinstance(values, int) or values < 0:
                raise InvalidArgument(
                    f"baseline {path}: 'values' of {entry.get('where', 'an entry')} in "
                    f'{entry.get("file", "?")} must be a count or "{ALL_VALUES}"'
                )
            limits[entry["fingerprint"]] = max(values, limits.get(entry["fingerprint"], 0))
        return cls(frozenset(e["fingerprint"] for e in accepted), limits, os.fspath(path))

    @staticmethod
    def write(path: str | os.PathLike[str], reports: Iterable[FileReport]) -> int:
        """Write a baseline accepting everything in ``reports`` (atomically); returns its size."""
        accepted = sorted(entries(reports), key=lambda e: (e["file"], e["where"], e["entity_type"]))
        text = json.dumps({"version": _VERSION, "tool": "medguard", "accepted": accepted},
                          ensure_ascii=False, indent=2) + "\n"  # fmt: skip
        write_report(path, text)
        return len(accepted)
