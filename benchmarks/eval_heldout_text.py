"""Score the text scanner and the de-identifier on the held-out labeled set.

``tests/vectors/heldout_text_pii.jsonl`` (built by ``tests/vectors/make_heldout_text_pii.py``
from public carrier text the scanner was not tuned on; sources in ``tests/vectors/README.md``)
is scored here:

- ``scan_text`` (default precision) and the ``recall="high"`` de-identifier's spans, per entity
  type and per genre: precision, recall and F1 on exact spans (and recall on overlapping
  spans), false positives per 10,000 characters;
- ``deidentify_text``'s leak rate: the share of planted values whose text survives in the
  output (``mode="tag"``), precise and high recall, without and with ``known=`` (each row's
  own values as its structured columns would hold them).

Run ``python benchmarks/eval_heldout_text.py [PATH]`` (PATH: another set of the same format, e.g.
``tests/vectors/heldout3_pii.jsonl``; add ``--errors N`` to print up to N misses and false
positives per family: the sets hold synthetic values only).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medguard.detect import deidentify_text, scan_text

VECTORS = Path(__file__).parents[1] / "tests" / "vectors" / "heldout_text_pii.jsonl"
# Entity type -> the ``known=`` kind a structured column of that type is passed as.
KNOWN_KIND = {
    "PERSON": "name",
    "CN_RESIDENT_ID": "resident_id",
    "PHONE_NUMBER": "phone",
    "LOCATION": "address",
    "CN_BANK_CARD": "bank_card",
    "CN_PASSPORT": "passport",
    "EMAIL_ADDRESS": "email",
    "CN_MEDICAL_RECORD_NUMBER": "record_number",
    "DATE_TIME": "birth_date",
}
Span = tuple[int, int, str]
_COUNTRY_CODE = re.compile(r"[(（]?(?:\+86|0086|86)[)）]?[ -]?")


def load(path: Path = VECTORS) -> list[dict[str, Any]]:
    """The labeled items of the held-out set."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@dataclass
class Counts:
    """Exact-span true positives, false positives, misses; overlap hits for lenient recall."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    overlap: int = 0
    errors: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of findings that are gold spans."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of gold spans found exactly."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def lenient_recall(self) -> float:
        """Share of gold spans overlapped by a finding of the same type."""
        return self.overlap / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of exact precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Score:
    """Counts per entity type, per genre and per family, and the characters per genre."""

    by_type: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    by_genre: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    by_family: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    chars: Counter[str] = field(default_factory=Counter)

    def total(self) -> Counts:
        """All types together (micro counts)."""
        out = Counts()
        for c in self.by_type.values():
            out.tp, out.fp, out.fn = out.tp + c.tp, out.fp + c.fp, out.fn + c.fn
            out.overlap += c.overlap
        return out

    def macro_f1(self) -> float:
        """Mean F1 over the types that have gold spans."""
        gold = [c for c in self.by_type.values() if c.tp + c.fn]
        return sum(c.f1 for c in gold) / len(gold) if gold else 1.0

    def fp_per_10k(self, genre: str | None = None) -> float:
        """False positives per 10,000 characters (of one genre, or of the whole set)."""
        if genre is None:
            chars, fp = sum(self.chars.values()), self.total().fp
        else:
            chars, fp = self.chars[genre], self.by_genre[genre].fp
        return fp / chars * 10_000 if chars else 0.0


def _excerpt(text: str, start: int, end: int) -> str:
    return (
        text[max(0, start - 10) : start] + "⟦" + text[start:end] + "⟧" + text[end : end + 8]
    ).replace("\n", "⏎")


def score(items: Sequence[dict[str, Any]], found: Sequence[Iterable[Span]]) -> Score:
    """Match each item's findings to its gold spans (exact span and type; overlap for lenient)."""
    result = Score()
    for item, spans in zip(items, found, strict=True):
        text, genre, family = item["text"], item["genre"], item["family"]
        result.chars[genre] += len(text)
        gold = [tuple(s) for s in item["spans"]]
        got = list(spans)
        exact = set(gold) & set(got)
        for g in gold:
            start, end, entity = g
            hit_overlap = any(f[2] == entity and f[0] < end and start < f[1] for f in got)
            for bucket in (
                result.by_type[entity],
                result.by_genre[genre],
                result.by_family[family],
            ):
                if g in exact:
                    bucket.tp += 1
                else:
                    bucket.fn += 1
                bucket.overlap += hit_overlap
            if g not in exact:
                near = [f"{text[f[0] : f[1]]}:{f[2]}" for f in got if f[0] < end and start < f[1]]
                result.by_family[family].errors.append(
                    ("missed", entity, _excerpt(text, start, end), ", ".join(near) or "-")
                )
        for f in got:
            if f in exact:
                continue
            start, end, entity = f
            for bucket in (
                result.by_type[entity],
                result.by_genre[genre],
                result.by_family[family],
            ):
                bucket.fp += 1
            result.by_family[family].errors.append(
                ("false_positive", entity, _excerpt(text, start, end), "-")
            )
    return result


def scan_default(items: Sequence[dict[str, Any]]) -> list[list[Span]]:
    """``scan_text`` findings with its default ``min_score``."""
    return [[(f.start, f.end, f.entity_type) for f in scan_text(i["text"])] for i in items]


def deid_spans(items: Sequence[dict[str, Any]], recall: str) -> list[list[Span]]:
    """The spans ``deidentify_text`` replaces (``mode="tag"``, no ``known``) at ``recall``."""
    _, report = deidentify_text([i["text"] for i in items], mode="tag", recall=recall, spans=True)
    return [[(s.start, s.end, s.entity_type) for s in row or ()] for row in report.spans]


def known_of(item: dict[str, Any]) -> dict[str, list[str]]:
    """The row's own values as ``known=`` takes them (one list per kind)."""
    known: dict[str, list[str]] = defaultdict(list)
    for (_, _, entity), value in zip(item["spans"], item["canonical"], strict=True):
        if value is not None and entity in KNOWN_KIND:
            known[KNOWN_KIND[entity]].append(value)
    return dict(known)


def leaks(items: Sequence[dict[str, Any]], *, recall: str, known: bool) -> dict[str, list[int]]:
    """Per entity type, ``[leaked, planted, partly]``: a value leaks when its text survives the
    output (one-character values, a surname alone, leak when no replaced span covers them); it
    leaks partly when a letter, digit or Chinese character of it (a phone's country code aside)
    lies outside every replaced span (the tail ``门401`` of an address cut short)."""
    texts = [i["text"] for i in items]
    rows = [known_of(i) for i in items] if known else None
    out, report = deidentify_text(texts, mode="tag", recall=recall, known=rows, spans=True)
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for item, result, spans in zip(items, out, report.spans, strict=True):
        for start, end, entity in item["spans"]:
            value = item["text"][start:end]
            if len(value) > 1:
                leaked = value in result
            else:
                leaked = not any(s.start <= start and end <= s.end for s in spans or ())
            covered = {i for sp in spans or () for i in range(sp.start, sp.end)}
            skip = _COUNTRY_CODE.match(value)
            first = start + (skip.end() if skip else 0)
            partly = any(i not in covered and item["text"][i].isalnum() for i in range(first, end))
            tally[entity][0] += leaked
            tally[entity][1] += 1
            tally[entity][2] += partly
    return tally


def _table(title: str, rows: dict[str, Counts], score_: Score | None = None) -> str:
    lines = [
        title,
        f"{'':<26}{'gold':>6}{'TP':>5}{'FP':>5}{'FN':>5}{'P':>7}{'R':>7}{'F1':>7}{'R~':>7}"
        + ("   FP/10k" if score_ is not None else ""),
    ]
    for name in sorted(rows, key=lambda k: (-(rows[k].tp + rows[k].fn), k)):
        c = rows[name]
        extra = f"{score_.fp_per_10k(name):>9.1f}" if score_ is not None else ""
        lines.append(
            f"{name:<26}{c.tp + c.fn:>6}{c.tp:>5}{c.fp:>5}{c.fn:>5}"
            f"{c.precision:>7.2f}{c.recall:>7.2f}{c.f1:>7.2f}{c.lenient_recall:>7.2f}{extra}"
        )
    return "\n".join(lines)


def report(items: Sequence[dict[str, Any]], errors: int = 0) -> str:
    """The whole evaluation as text."""
    runs: dict[str, tuple[str, Callable[[], list[list[Span]]]]] = {
        "scan_text (default)": ("scan", lambda: scan_default(items)),
        'deidentify_text recall="high" (spans)': ("high", lambda: deid_spans(items, "high")),
    }
    parts = [
        f"held-out set: {len(items)} items, {sum(len(i['spans']) for i in items)} planted values, "
        f"{sum(len(i['text']) for i in items)} characters, "
        f"{sum(not i['spans'] for i in items)} items without personal data"
    ]
    for name, (tag, run) in runs.items():
        s = score(items, run())
        t = s.total()
        parts.append(
            f"\n== {name}: micro P {t.precision:.3f} R {t.recall:.3f} F1 {t.f1:.3f}, "
            f"macro F1 {s.macro_f1():.3f}, lenient R {t.lenient_recall:.3f}, "
            f"FP/10k chars {s.fp_per_10k():.1f}"
        )
        parts.append(_table("-- per type (R~ = overlap recall)", s.by_type))
        parts.append(_table("-- per genre", s.by_genre, s))
        parts.append(_table("-- per family", s.by_family))
        if errors:
            for family, c in sorted(s.by_family.items()):
                for kind, entity, excerpt, near in c.errors[:errors]:
                    parts.append(
                        f"  {tag} [{family}] {kind:<14} {entity:<24} {excerpt}  (found: {near})"
                    )
    parts.append(
        "\n== deidentify_text leak rate (mode='tag'): values whose text is left whole "
        "(and, in brackets, values with any character left)"
    )
    header = f"{'':<26}" + "".join(
        f"{h:>20}" for h in ("precise", "high", "precise+known", "high+known")
    )
    parts.append(header)
    tallies = [
        leaks(items, recall=r, known=k) for r, k in (("precise", False), ("high", False),
                                                     ("precise", True), ("high", True))
    ]  # fmt: skip
    entities = sorted(tallies[0], key=lambda e: -tallies[0][e][1])
    for entity in [*entities, "ALL"]:
        cells = []
        for t in tallies:
            leaked, planted, partly = (
                [sum(v[k] for v in t.values()) for k in range(3)] if entity == "ALL" else t[entity]
            )
            cells.append(
                f"{leaked:>3}/{planted:<3} {leaked / planted:.2f} ({partly / planted:.2f})"
            )
        parts.append(f"{entity:<26}" + "".join(f"{c:>20}" for c in cells))
    return "\n".join(parts)


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=VECTORS,
        help="labeled JSON Lines set (default: tests/vectors/heldout_text_pii.jsonl)",
    )
    parser.add_argument("--errors", type=int, default=0, help="errors shown per family")
    args = parser.parse_args()
    print(report(load(args.path), errors=args.errors))


if __name__ == "__main__":
    main()
