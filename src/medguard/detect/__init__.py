"""Find personal data in text, tables and files.

- :func:`scan_text`: findings (entity type, span, score) in free text such as clinical notes;
- :func:`scan_frame` / :func:`classify_column`: what each column of a table holds, its share of
  matching values and its GB/T 39725 level;
- :func:`scan_file` / :func:`scan_paths`: CSV/TSV, Excel, Parquet, JSON Lines and text files and
  whole directories, streamed in bounded memory;
- :func:`deidentify_text` / :class:`DeidentifyText`: notes with what they hold replaced (masks,
  tags, keyed surrogates consistent with the structured columns, removal), dates shifted;
- :class:`ScanResult`, :class:`Threshold` and :class:`Baseline`: what fails a scan, and its JSON
  and SARIF forms (the ``medguard scan`` command is built on them).

The Presidio plug-in is :mod:`medguard.integrations.presidio`.
"""

from medguard.detect.baseline import Baseline
from medguard.detect.classify import (
    ColumnClassifier,
    ColumnReport,
    FrameReport,
    classify_column,
    scan_frame,
)
from medguard.detect.files import FileReport, LocatedFinding, TableReport, scan_file, scan_paths
from medguard.detect.finding import Finding
from medguard.detect.levels import level_of
from medguard.detect.report import ScanResult, Threshold
from medguard.detect.text import ENTITY_TYPES, scan_text

# De-identification needs the ops layer (masks, pseudonymizers, keys): loaded on first use, so
# scanning alone stays as light as before.
_LAZY = {
    "DeidentifyReport": "medguard.detect.deidentify",
    "DeidentifyText": "medguard.detect.deidentify",
    "deidentify_text": "medguard.detect.deidentify",
}

__all__ = [
    "ENTITY_TYPES",
    "Baseline",
    "ColumnClassifier",
    "ColumnReport",
    "DeidentifyReport",
    "DeidentifyText",
    "FileReport",
    "Finding",
    "FrameReport",
    "LocatedFinding",
    "ScanResult",
    "TableReport",
    "Threshold",
    "classify_column",
    "deidentify_text",
    "level_of",
    "scan_file",
    "scan_frame",
    "scan_paths",
    "scan_text",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'medguard.detect' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
