"""The third held-out real-text set (``tests/vectors/heldout3_pii.jsonl``): well-formed, floors.

The set is built by ``tests/vectors/make_heldout3_pii.py`` from public carrier text no earlier
set used (sources in ``tests/vectors/README.md``), with planted forms written from how hospital
systems print personal data before the scanner's rules were read. Untuned, the scanner scored
micro P 0.991, R 0.845 on it (``docs/scanning.md``); after the round-3 rules, micro P 1.000,
R 0.996 (six names after 提问人, a label left out for scan speed). The floors sit a little
below, so a regression fails. Failing floors print the errors (synthetic values only).
``python benchmarks/eval_heldout_text.py tests/vectors/heldout3_pii.jsonl`` prints the full
table.
"""

import importlib.util
import json
from functools import cache
from pathlib import Path

import pytest

from medguard.detect import ENTITY_TYPES, deidentify_text, scan_text
from medguard.testing.corpus import LabeledText
from medguard.testing.quality import QualityReport, evaluate

VECTORS = Path(__file__).parents[1] / "vectors"
SET = VECTORS / "heldout3_pii.jsonl"
GENRES = {"clinical_note", "dialogue", "qa_post", "form", "signature"}
# Exact-span F1 floors of scan_text (default) per type. Round 3 measured 1.00 for every type
# but PERSON (0.996), micro recall 0.996, 0.0 false positives per 10,000 characters; of the
# planted values "left whole", bed numbers (12) also occur elsewhere in their note.
F1_FLOORS = {
    "PERSON": 0.98, "CN_MEDICAL_RECORD_NUMBER": 0.98, "LOCATION": 0.97, "DATE_TIME": 0.97,
    "PHONE_NUMBER": 0.98, "CN_RESIDENT_ID": 0.98, "ORGANIZATION": 0.95,
}  # fmt: skip
MICRO_RECALL_FLOOR = 0.98
FALSE_POSITIVES_PER_10K = 1.0
LEAK_CEILING = 0.01  # share of planted values left whole by deidentify_text (tag mode)
LEAK_CEILING_KNOWN = 0.01  # the same with each row's own values passed as known=
KNOWN_KIND = {
    "PERSON": "name", "CN_RESIDENT_ID": "resident_id", "PHONE_NUMBER": "phone",
    "LOCATION": "address", "CN_BANK_CARD": "bank_card", "CN_PASSPORT": "passport",
    "EMAIL_ADDRESS": "email", "CN_MEDICAL_RECORD_NUMBER": "record_number",
    "DATE_TIME": "birth_date",
}  # fmt: skip


@cache
def _items() -> tuple[dict[str, object], ...]:
    with SET.open(encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f)


@cache
def _report() -> QualityReport:
    corpus = [LabeledText.from_item(i) for i in _items()]
    return evaluate(corpus, scan_text)


def test_the_file_is_what_the_generator_writes():
    """The stored set equals a fresh build (deterministic; no hand edits)."""
    spec = importlib.util.spec_from_file_location("make_heldout3", VECTORS / "make_heldout3_pii.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == list(_items())


def test_items_are_well_formed_and_spans_exact():
    """300-500 items; spans sorted, disjoint, non-empty, without surrounding blanks, of scanner
    types, one canonical value each; a quarter of the items hold no planted value."""
    items = _items()
    assert 300 <= len(items) <= 500
    empty = sum(not i["spans"] for i in items)
    assert 0.2 <= empty / len(items) <= 0.3
    for item in items:
        text, spans = str(item["text"]), item["spans"]
        assert item["genre"] in GENRES
        assert len(item["canonical"]) == len(spans)  # type: ignore[arg-type]
        end_before = 0
        for start, end, entity in spans:  # type: ignore[attr-defined]
            assert end_before <= start < end <= len(text)
            value = text[start:end]
            assert value
            assert value == value.strip()
            assert entity in ENTITY_TYPES
            end_before = end


@pytest.mark.parametrize("entity", sorted(F1_FLOORS))
def test_scan_text_f1_per_type(entity):
    """Each well-represented type keeps its exact-span F1 floor."""
    report = _report()
    assert report[entity].support >= 10
    assert report[entity].f1 >= F1_FLOORS[entity], report.explain(entity)


def test_scan_text_recall_and_false_positives():
    """Micro recall and false positives per 10,000 characters hold."""
    report = _report()
    found = sum(q.true_positives for q in report.entities.values())
    gold = sum(q.support for q in report.entities.values())
    false_positives = sum(q.false_positives for q in report.entities.values())
    characters = sum(len(str(i["text"])) for i in _items())
    assert found / gold >= MICRO_RECALL_FLOOR, report.explain()
    assert false_positives / characters * 10_000 <= FALSE_POSITIVES_PER_10K, report.explain()


def _leak_rate(known: bool) -> float:
    items = _items()
    rows = None
    if known:
        rows = []
        for item in items:
            row: dict[str, list[str]] = {}
            for (_, _, entity), value in zip(item["spans"], item["canonical"], strict=True):  # type: ignore[call-overload]
                if value is not None and entity in KNOWN_KIND:
                    row.setdefault(KNOWN_KIND[entity], []).append(value)
            rows.append(row)
    texts = [str(i["text"]) for i in items]
    out, _ = deidentify_text(texts, mode="tag", known=rows)
    planted = leaked = 0
    for item, result in zip(items, out, strict=True):
        for start, end, _entity in item["spans"]:  # type: ignore[attr-defined]
            value = str(item["text"])[start:end]
            if len(value) > 1:  # a surname alone is scored by the benchmark, not here
                planted += 1
                leaked += value in result
    return leaked / planted


def test_deidentify_leaves_few_planted_values():
    """De-identification (tag mode) leaves few planted values whole, fewer with known=."""
    assert _leak_rate(known=False) <= LEAK_CEILING
    assert _leak_rate(known=True) <= LEAK_CEILING_KNOWN
