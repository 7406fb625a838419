"""Find personal data in text (:func:`scan_text`) and in tables (:func:`scan_frame`).

The file scanner, the ``medguard scan`` command and the Presidio plug-in are still to come.
"""

from medguard.detect.classify import ColumnReport, FrameReport, classify_column, scan_frame
from medguard.detect.finding import Finding
from medguard.detect.text import ENTITY_TYPES, scan_text

__all__ = [
    "ENTITY_TYPES",
    "ColumnReport",
    "Finding",
    "FrameReport",
    "classify_column",
    "scan_frame",
    "scan_text",
]
