"""The result type of every recognizer: one :class:`Finding` per span of personal data."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Finding"]


class Finding(NamedTuple):
    """A span of ``text[start:end]`` that holds personal data of ``entity_type``.

    ``score`` is a likelihood in [0, 1]; context words near the span raise or lower it.
    ``recognizer`` names the recognizer that produced it. Offsets index the original text
    (before any normalization). A finding never stores the matched value itself. Findings are
    immutable and order by position; a named tuple because a scan creates millions of them.
    """

    start: int
    end: int
    entity_type: str
    score: float
    recognizer: str = ""

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON reports."""
        return self._asdict()
