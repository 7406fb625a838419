"""Precision, recall and F1 of a scanner per entity type, against gold spans.

:func:`evaluate` runs any scanner (a function from text to spans with ``start``, ``end`` and
``entity_type``, such as :func:`medguard.detect.scan_text`) over labeled texts from
:mod:`medguard.testing.corpus` and counts, per entity type:

- ``"exact"`` matching: a finding is a true positive when a gold span has the same start, end
  and entity type;
- ``"overlap"`` matching (lenient): when it overlaps a gold span of the same type, each gold
  span matched at most once.

Every miss and every false alarm is kept as an :class:`Error` naming the template that wrote
the text, so a failing threshold says what dropped and where. Error excerpts hold synthetic
data only: do not feed real records to a report you print.

>>> from medguard.detect import scan_text
>>> from medguard.testing.corpus import labeled_notes
>>> report = evaluate(labeled_notes(20, seed=1), scan_text)
>>> 0.0 <= report["PHONE_NUMBER"].f1 <= 1.0
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from medguard.testing.corpus import LabeledText, Span

__all__ = ["EntityQuality", "Error", "QualityReport", "SpanLike", "evaluate"]

Matching = Literal["exact", "overlap"]


class SpanLike(Protocol):
    """What a scanner returns per finding: a span and its entity type."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def entity_type(self) -> str: ...


@dataclass(frozen=True)
class EntityQuality:
    """Counts for one entity type and the precision, recall and F1 they give.

    With nothing to find and nothing found, precision and recall are 1 (nothing went wrong).
    """

    entity_type: str
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def support(self) -> int:
        """Number of gold spans of this type."""
        return self.true_positives + self.false_negatives

    @property
    def precision(self) -> float:
        """Share of findings that are gold spans."""
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        """Share of gold spans found."""
        return self.true_positives / self.support if self.support else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Error:
    """One miss (``"missed"``) or false alarm (``"false_positive"``) with its context."""

    kind: Literal["missed", "false_positive"]
    entity_type: str
    template: str
    value: str
    excerpt: str


@dataclass(frozen=True)
class QualityReport:
    """Per-entity quality of one scanner on one corpus, and every error it made."""

    entities: Mapping[str, EntityQuality]
    errors: tuple[Error, ...]
    matching: Matching

    def __getitem__(self, entity_type: str) -> EntityQuality:
        """The quality for ``entity_type`` (all zeros when neither gold nor found)."""
        return self.entities.get(entity_type, EntityQuality(entity_type))

    def errors_for(self, entity_type: str) -> list[Error]:
        """The errors about ``entity_type``."""
        return [e for e in self.errors if e.entity_type == entity_type]

    def table(self) -> str:
        """A plain-text table: entity, support, TP, FP, FN, precision, recall, F1."""
        lines = [
            f"{'entity':<26}{'gold':>6}{'TP':>6}{'FP':>6}{'FN':>6}"
            f"{'P':>8}{'R':>8}{'F1':>8}   ({self.matching} match)"
        ]
        for name in sorted(self.entities):
            q = self.entities[name]
            lines.append(
                f"{name:<26}{q.support:>6}{q.true_positives:>6}{q.false_positives:>6}"
                f"{q.false_negatives:>6}{q.precision:>8.3f}{q.recall:>8.3f}{q.f1:>8.3f}"
            )
        return "\n".join(lines)

    def explain(self, entity_type: str | None = None, limit: int = 8) -> str:
        """The table and up to ``limit`` errors (of ``entity_type``, or of every type)."""
        errors = self.errors if entity_type is None else tuple(self.errors_for(entity_type))
        shown = [
            f"  {e.kind:<14} {e.entity_type:<24} [{e.template}] {e.value!r} in {e.excerpt!r}"
            for e in errors[:limit]
        ]
        more = [f"  ... {len(errors) - limit} more"] if len(errors) > limit else []
        return "\n".join([self.table(), *shown, *more])


def _excerpt(text: str, start: int, end: int, margin: int = 12) -> str:
    return text[max(0, start - margin) : end + margin]


def _match(gold: list[Span], found: list[Span], matching: Matching) -> list[tuple[int, int]]:
    """Pairs (gold index, found index) matched one-to-one."""
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for j, f in enumerate(found):
        for i, g in enumerate(gold):
            if i in used or g.entity_type != f.entity_type:
                continue
            if g == f if matching == "exact" else g.start < f.end and f.start < g.end:
                pairs.append((i, j))
                used.add(i)
                break
    return pairs


def evaluate(
    corpus: Iterable[LabeledText],
    scanner: Callable[[str], Iterable[SpanLike]],
    *,
    matching: Matching = "exact",
) -> QualityReport:
    """Score ``scanner`` on ``corpus`` per entity type (``matching``: "exact" or "overlap")."""
    counts: dict[str, list[int]] = {}  # entity -> [tp, fp, fn]
    errors: list[Error] = []
    for item in corpus:
        gold = list(item.spans)
        found = [Span(f.start, f.end, f.entity_type) for f in scanner(item.text)]
        pairs = _match(gold, found, matching)
        matched_gold = {i for i, _ in pairs}
        matched_found = {j for _, j in pairs}
        for i, g in enumerate(gold):
            tally = counts.setdefault(g.entity_type, [0, 0, 0])
            if i in matched_gold:
                tally[0] += 1
                continue
            tally[2] += 1
            errors.append(
                Error("missed", g.entity_type, item.template_at(g.start),
                      item.text[g.start : g.end], _excerpt(item.text, g.start, g.end))
            )  # fmt: skip
        for j, f in enumerate(found):
            if j in matched_found:
                continue
            counts.setdefault(f.entity_type, [0, 0, 0])[1] += 1
            errors.append(
                Error("false_positive", f.entity_type, item.template_at(f.start),
                      item.text[f.start : f.end], _excerpt(item.text, f.start, f.end))
            )  # fmt: skip
    entities = {e: EntityQuality(e, tp, fp, fn) for e, (tp, fp, fn) in counts.items()}
    return QualityReport(entities, tuple(errors), matching)
