"""The held-out real-text sets (``tests/vectors/heldout*_pii.jsonl``): well-formed, and floors.

Each set is built by its ``tests/vectors/make_heldout*_pii.py`` from public carrier text no
earlier set used (sources in ``tests/vectors/README.md``), with planted forms written before the
scanner's rules were read. Each was measured untuned, then the scanner was tuned on it
(``docs/scanning.md``). The floors sit a little below what the scanner reached after tuning, so a
regression fails; raise them when the scanner improves. Failing floors print the errors
(synthetic values only). ``python benchmarks/eval_heldout_text.py <set>`` prints the full table.
"""

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from medguard.detect import ENTITY_TYPES, deidentify_text, scan_text
from medguard.testing.corpus import LabeledText
from medguard.testing.quality import QualityReport, evaluate

VECTORS = Path(__file__).parents[1] / "vectors"
GENRES = {"clinical_note", "dialogue", "qa_post", "form", "signature"}
KNOWN_KIND = {
    "PERSON": "name", "CN_RESIDENT_ID": "resident_id", "PHONE_NUMBER": "phone",
    "LOCATION": "address", "CN_BANK_CARD": "bank_card", "CN_PASSPORT": "passport",
    "EMAIL_ADDRESS": "email", "CN_MEDICAL_RECORD_NUMBER": "record_number",
    "DATE_TIME": "birth_date",
}  # fmt: skip


@dataclass(frozen=True)
class HeldOutSet:
    """One labeled set, its generator and its floors."""

    file: str
    generator: str
    f1_floors: dict[str, float]  # exact-span F1 of scan_text (default) per type
    micro_recall: float
    leak_ceiling: float  # share of planted values left whole by deidentify_text (tag mode)
    leak_ceiling_known: float = 0.01  # the same with each row's own values passed as known=
    false_positives_per_10k: float = 1.0


SETS = {
    # untuned P 0.950 R 0.845; round 2 reached 1.00 for every type and no value left whole
    "heldout_text": HeldOutSet(
        "heldout_text_pii.jsonl", "make_heldout_text_pii.py",
        {"PERSON": 0.98, "CN_MEDICAL_RECORD_NUMBER": 0.98, "LOCATION": 0.98, "DATE_TIME": 0.98,
         "PHONE_NUMBER": 0.98, "CN_RESIDENT_ID": 0.98, "ACCOUNT_ID": 0.95, "CN_BANK_CARD": 0.95,
         "EMAIL_ADDRESS": 0.95, "CN_PASSPORT": 0.95},
        micro_recall=0.98, leak_ceiling=0.01,
    ),
    # untuned P 0.991 R 0.845; round 3 reached R 0.996 (six names after 提问人, a label left out
    # for scan speed); of the values "left whole", bed numbers also occur elsewhere in the note
    "heldout3": HeldOutSet(
        "heldout3_pii.jsonl", "make_heldout3_pii.py",
        {"PERSON": 0.98, "CN_MEDICAL_RECORD_NUMBER": 0.98, "LOCATION": 0.97, "DATE_TIME": 0.97,
         "PHONE_NUMBER": 0.98, "CN_RESIDENT_ID": 0.98, "ORGANIZATION": 0.95},
        micro_recall=0.98, leak_ceiling=0.01,
    ),
    # untuned P 0.945 R 0.688; round 4 reached R 0.974, leak 0.026 (0.002 with known=)
    "heldout4": HeldOutSet(
        "heldout4_pii.jsonl", "make_heldout4_pii.py",
        {"PERSON": 0.96, "CN_MEDICAL_RECORD_NUMBER": 0.98, "LOCATION": 0.95, "DATE_TIME": 0.95,
         "PHONE_NUMBER": 0.98, "CN_RESIDENT_ID": 0.98, "CN_SOCIAL_SECURITY_CARD": 0.95},
        micro_recall=0.96, leak_ceiling=0.035,
    ),
}  # fmt: skip
FLOORS = [(name, entity) for name, s in SETS.items() for entity in sorted(s.f1_floors)]


@cache
def _items(name: str) -> tuple[dict[str, object], ...]:
    with (VECTORS / SETS[name].file).open(encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f)


@cache
def _report(name: str) -> QualityReport:
    corpus = [LabeledText.from_item(i) for i in _items(name)]
    return evaluate(corpus, scan_text)


@pytest.mark.parametrize("name", list(SETS))
def test_the_file_is_what_the_generator_writes(name: str) -> None:
    """The stored set equals a fresh build (deterministic; no hand edits)."""
    spec = importlib.util.spec_from_file_location(name, VECTORS / SETS[name].generator)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == list(_items(name))


@pytest.mark.parametrize("name", list(SETS))
def test_items_are_well_formed_and_spans_exact(name: str) -> None:
    """300-500 items; spans sorted, disjoint, non-empty, without surrounding blanks, of scanner
    types, one canonical value each; a quarter of the items hold no planted value."""
    items = _items(name)
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


@pytest.mark.parametrize(("name", "entity"), FLOORS)
def test_scan_text_f1_per_type(name: str, entity: str) -> None:
    """Each well-represented type keeps its exact-span F1 floor."""
    report = _report(name)
    assert report[entity].support >= 10
    assert report[entity].f1 >= SETS[name].f1_floors[entity], report.explain(entity)


@pytest.mark.parametrize("name", list(SETS))
def test_scan_text_recall_and_false_positives(name: str) -> None:
    """Micro recall and false positives per 10,000 characters hold."""
    report = _report(name)
    found = sum(q.true_positives for q in report.entities.values())
    gold = sum(q.support for q in report.entities.values())
    false_positives = sum(q.false_positives for q in report.entities.values())
    characters = sum(len(str(i["text"])) for i in _items(name))
    assert found / gold >= SETS[name].micro_recall, report.explain()
    limit = SETS[name].false_positives_per_10k
    assert false_positives / characters * 10_000 <= limit, report.explain()


def _leak_rate(name: str, *, known: bool) -> float:
    items = _items(name)
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


@pytest.mark.parametrize("name", list(SETS))
def test_deidentify_leaves_few_planted_values(name: str) -> None:
    """De-identification (tag mode) leaves few planted values whole, fewer with known=."""
    assert _leak_rate(name, known=False) <= SETS[name].leak_ceiling
    assert _leak_rate(name, known=True) <= SETS[name].leak_ceiling_known
