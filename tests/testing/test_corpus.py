"""Tests for medguard.testing.corpus and medguard.testing.quality: sound gold, honest scores."""

import itertools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.cn import bank_card, hk_id, passport, phone, resident_id, uscc
from medguard.cn.normalize import compact, to_halfwidth
from medguard.detect import ENTITY_TYPES, Finding
from medguard.errors import InvalidArgument
from medguard.testing.corpus import (
    NEGATIVE_TEMPLATES,
    RARE_COLUMNS,
    SENTENCE_TEMPLATES,
    LabeledText,
    Span,
    hard_negatives,
    labeled_notes,
    labeled_table,
    sentences,
)
from medguard.testing.quality import evaluate

# What every gold value of a checked type must pass (after folding full-width characters).
_VALID = {
    "CN_RESIDENT_ID": resident_id.is_valid,
    "CN_HMT_PERMIT": resident_id.is_valid,
    "CN_BANK_CARD": bank_card.is_valid,
    "CN_USCC": uscc.is_valid,
    "CN_PASSPORT": passport.is_valid,
    "HK_ID_CARD": hk_id.is_valid,
    "PHONE_NUMBER": lambda v: phone.is_valid(compact(v).replace("(", "").replace(")", "")),
}


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 12))
def test_gold_spans_are_sorted_disjoint_and_typed(seed, n):
    """Gold spans index non-empty text, never overlap, and use ENTITY_TYPES names only."""
    for note in labeled_notes(n, seed=seed):
        assert list(note.spans) == sorted(note.spans)
        for a, b in itertools.pairwise(note.spans):
            assert a.end <= b.start
        for span in note.spans:
            assert 0 <= span.start < span.end <= len(note.text)
            assert span.entity_type in ENTITY_TYPES
            assert note.text[span.start : span.end].strip() == note.text[span.start : span.end]


def test_checked_gold_values_validate():
    """Every planted identifier passes its medguard.cn validator (full-width folded)."""
    checked = 0
    for note in labeled_notes(300, seed=1):
        for span in note.spans:
            if span.entity_type in _VALID:
                value = to_halfwidth(note.text[span.start : span.end])
                assert _VALID[span.entity_type](value), (span.entity_type, value)
                checked += 1
    assert checked > 300


def test_same_seed_same_corpus_and_every_template_is_used():
    """The corpus is reproducible, and 40 notes already use every sentence template."""
    assert labeled_notes(20, seed=4) == labeled_notes(20, seed=4)
    assert labeled_notes(5, seed=4) != labeled_notes(5, seed=5)
    used = {p.template for note in labeled_notes(40, seed=4) for p in note.parts}
    assert used >= set(NEGATIVE_TEMPLATES)
    assert used >= set(SENTENCE_TEMPLATES)


def test_template_at_names_the_writer_of_each_span():
    """template_at maps a gold span back to the template that wrote it."""
    for item in sentences(2, seed=3):
        for span in item.spans:
            assert item.template_at(span.start) == item.parts[0].template
    assert LabeledText("abc", ()).template_at(1) == ""


def test_hard_negatives_hold_no_gold_and_invalid_ids_are_invalid():
    """Hard negatives have no spans; their near-miss IDs fail the resident ID check."""
    items = hard_negatives(20, seed=2)
    assert len(items) == 20 * len(NEGATIVE_TEMPLATES)
    assert all(not item.spans for item in items)
    near_misses = [i for i in items if i.parts[0].template.endswith("_id")]
    for item in near_misses:
        digits = "".join(c for c in item.text if c.isdigit() or c in "Xx")
        assert not resident_id.is_valid(digits), item.text


def test_sentences_rejects_unknown_templates():
    """Naming a template that does not exist raises InvalidArgument."""
    with pytest.raises(InvalidArgument, match="no_such_template"):
        sentences(1, templates=["no_such_template"])


@pytest.mark.parametrize("headers", ["zh", "en"])
def test_labeled_table_shape_and_labels(headers):
    """One label per column, the rare column holds exactly one valid resident ID."""
    df, labels = labeled_table(300, seed=6, headers=headers)
    assert isinstance(df, pd.DataFrame)
    assert len(df) == 300
    assert list(df.columns) == list(labels)
    assert {v for v in labels.values() if v is not None} <= set(ENTITY_TYPES)
    rare = df[RARE_COLUMNS[headers]]
    assert sum(resident_id.is_valid(v) for v in rare) == 1
    assert ("name" in labels) == (headers == "en")


def test_exact_and_overlap_scoring():
    """Exact matching needs the same span; overlap matching accepts a shifted one of the type."""
    gold = [
        LabeledText(
            "患者张三丰，电话13800138000", (Span(2, 5, "PERSON"), Span(8, 19, "PHONE_NUMBER"))
        )
    ]

    def scanner(text):
        return [Finding(2, 4, "PERSON", 0.9), Finding(8, 19, "PHONE_NUMBER", 0.8),
                Finding(0, 2, "LOCATION", 0.5)]  # fmt: skip

    exact = evaluate(gold, scanner)
    assert (exact["PERSON"].true_positives, exact["PERSON"].false_positives) == (0, 1)
    assert exact["PERSON"].false_negatives == 1
    assert exact["PHONE_NUMBER"].f1 == 1.0
    assert exact["LOCATION"].precision == 0.0
    assert exact["EMAIL_ADDRESS"].f1 == 1.0  # nothing to find, nothing found
    overlap = evaluate(gold, scanner, matching="overlap")
    assert overlap["PERSON"].f1 == 1.0
    assert {e.kind for e in exact.errors} == {"missed", "false_positive"}
    assert "PERSON" in exact.table()
    assert "false_positive" in exact.explain("LOCATION")


def test_overlap_matches_each_gold_span_once():
    """Two findings over one gold span give one true positive and one false positive."""
    gold = [LabeledText("张三丰", (Span(0, 3, "PERSON"),))]
    report = evaluate(
        gold,
        lambda text: [Finding(0, 1, "PERSON", 0.9), Finding(1, 3, "PERSON", 0.9)],
        matching="overlap",
    )
    assert (report["PERSON"].true_positives, report["PERSON"].false_positives) == (1, 1)


def test_a_repeated_finding_counts_once():
    """A scanner that reports the same span twice gets one true and one false positive."""
    gold = [LabeledText("张三丰", (Span(0, 3, "PERSON"),))]
    report = evaluate(gold, lambda text: [Finding(0, 3, "PERSON", 0.9)] * 2)
    assert (report["PERSON"].true_positives, report["PERSON"].false_positives) == (1, 1)


def test_without_faker_the_corpus_names_the_extra(monkeypatch):
    """Without Faker installed, the corpus raises MissingDependency naming the demo extra."""
    import sys

    from medguard.errors import MissingDependency

    monkeypatch.setitem(sys.modules, "faker", None)
    with pytest.raises(MissingDependency, match="medguard\\[demo\\]"):
        labeled_notes(1)
