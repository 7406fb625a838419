"""Find personal data in text: :func:`scan_text` returns :class:`Finding` spans.

Tables, files, the ``medguard scan`` command and the Presidio plug-in are still to come.
"""

from medguard.detect.finding import Finding
from medguard.detect.text import ENTITY_TYPES, scan_text

__all__ = ["ENTITY_TYPES", "Finding", "scan_text"]
