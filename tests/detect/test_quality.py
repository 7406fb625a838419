"""Quality of the scanner on the labeled corpus: F1 per entity type, templates, hard negatives,
column labels. A threshold that fails prints the per-entity P/R/F1 table and the errors.

Known engine gaps are marked ``xfail(strict=True)`` case by case: when the engine is fixed the
case passes, strict turns that into a failure, and the mark must be removed.
"""

from collections import defaultdict
from functools import cache, partial

import pytest

from medguard.detect import ENTITY_TYPES, level_of, scan_frame, scan_text
from medguard.testing.corpus import (
    NEGATIVE_TEMPLATES,
    RARE_COLUMNS,
    SENTENCE_TEMPLATES,
    VARIANT_TEMPLATES,
    LabeledText,
    labeled_notes,
    labeled_table,
    sentences,
)
from medguard.testing.quality import QualityReport, evaluate

SEED = 20261122
NOTES = 1000
PER_TEMPLATE = 30
ROWS = 600

# Issue #5: F1 >= 0.95 for checksummed identifiers, phones and e-mails; >= 0.85 for names and
# addresses in clinical notes. Context-bound types (record numbers, birth dates, IPs, passports
# without a check character) are held at 0.90 so a drop still shows.
THRESHOLDS = {
    "CN_RESIDENT_ID": 0.95, "CN_BANK_CARD": 0.95, "CN_USCC": 0.95, "CN_HMT_PERMIT": 0.95,
    "HK_ID_CARD": 0.95, "PHONE_NUMBER": 0.95, "EMAIL_ADDRESS": 0.95,
    "PERSON": 0.85, "LOCATION": 0.85,
    "CN_PASSPORT": 0.90, "CN_MEDICAL_RECORD_NUMBER": 0.90, "DATE_TIME": 0.90, "IP_ADDRESS": 0.90,
}  # fmt: skip

# The corpus labels these types only; the scanner's other types (AGE of 90 and over, accounts,
# devices, plates, ...) are measured on hand-written text (tests/detect/test_recall_*.py).
CORPUS_TYPES = tuple(THRESHOLDS)
_scan = partial(scan_text, entities=CORPUS_TYPES)

# entity -> why the current engine falls short of its threshold (exact span match).
KNOWN_ENTITY_GAPS: dict[str, str] = {}
# template -> why the current engine fails it.
KNOWN_TEMPLATE_GAPS: dict[str, str] = {}
# column -> why the current classifier labels it wrongly.
KNOWN_COLUMN_GAPS: dict[str, str] = {}
# Free-text columns: their match ratio is the share of rows holding personal data.
FREE_TEXT_COLUMNS = {"备注", "remarks", "病历摘要", "summary"}


def _xfail(case: object, reason: str | None) -> object:
    if reason is None:
        return case
    values = case if isinstance(case, tuple) else (case,)
    return pytest.param(*values, marks=pytest.mark.xfail(strict=True, reason=reason))


@cache
def _notes() -> tuple[LabeledText, ...]:
    return tuple(labeled_notes(NOTES, seed=SEED))


@cache
def _report(matching: str) -> QualityReport:
    return evaluate(_notes(), _scan, matching=matching)


@cache
def _by_template() -> dict[str, list[LabeledText]]:
    grouped: dict[str, list[LabeledText]] = defaultdict(list)
    for item in sentences(PER_TEMPLATE, seed=SEED):
        grouped[item.parts[0].template].append(item)
    return grouped


def test_every_entity_type_has_a_threshold_and_gold_spans():
    """Each type the corpus labels is a scanner type with a threshold and 20 gold spans."""
    assert set(THRESHOLDS) <= set(ENTITY_TYPES)
    report = _report("exact")
    thin = {e: report[e].support for e in CORPUS_TYPES if report[e].support < 20}
    assert not thin, thin


@pytest.mark.parametrize(
    "entity", [_xfail(entity, KNOWN_ENTITY_GAPS.get(entity)) for entity in THRESHOLDS]
)
def test_f1_per_entity_type(entity):
    """scan_text reaches the issue's F1 (exact spans) for the type on 1,000 generated notes."""
    report = _report("exact")
    assert report[entity].f1 >= THRESHOLDS[entity], (
        f"{entity} F1 {report[entity].f1:.3f} < {THRESHOLDS[entity]}\n"
        f"{_report('overlap').table()}\n{report.explain(entity)}"
    )


@pytest.mark.parametrize(
    "template",
    [_xfail(t, KNOWN_TEMPLATE_GAPS.get(t)) for t in (*SENTENCE_TEMPLATES, *VARIANT_TEMPLATES)],
)
def test_each_sentence_template(template):
    """Each template's gold spans are found exactly in 90% of its renderings, with few extras."""
    report = evaluate(_by_template()[template], _scan)
    gold = sum(q.support for q in report.entities.values())
    found = sum(q.true_positives for q in report.entities.values())
    extra = sum(q.false_positives for q in report.entities.values())
    assert found >= 0.9 * gold, report.explain(limit=6)
    assert extra <= 0.1 * gold, report.explain(limit=6)


@pytest.mark.parametrize(
    "template", [_xfail(t, KNOWN_TEMPLATE_GAPS.get(t)) for t in NEGATIVE_TEMPLATES]
)
def test_hard_negatives_have_no_findings(template):
    """Medical words after 患者, barcodes, invalid IDs, lab values, doses and visit dates: none."""
    found = [
        (f.entity_type, item.text[f.start : f.end], item.text)
        for item in _by_template()[template]
        for f in _scan(item.text)
    ]
    assert not found, "\n".join(map(str, found[:8]))


def test_negatives_inside_notes_add_no_findings_outside_gold():
    """Every finding in the notes that is not a gold span comes from a known gap template."""
    report = _report("overlap")
    unexplained = [
        e for e in report.errors
        if e.kind == "false_positive" and e.template not in KNOWN_TEMPLATE_GAPS
    ]  # fmt: skip
    assert not unexplained, "\n".join(map(str, unexplained[:8]))


@cache
def _table(headers: str, full: bool) -> tuple[dict[str, object], dict[str, str | None]]:
    df, labels = labeled_table(ROWS, seed=SEED, headers=headers)
    return {c.column: c for c in scan_frame(df, full=full).columns}, labels


_COLUMN_CASES = [
    _xfail((headers, column), KNOWN_COLUMN_GAPS.get(column))
    for headers in ("zh", "en")
    for column in labeled_table(1, seed=SEED, headers=headers)[1]
]


@pytest.mark.parametrize(("headers", "column"), _COLUMN_CASES)
def test_full_scan_labels_each_column(headers, column):
    """scan_frame(full=True) gives each column its labeled type and level, the rare ID too."""
    reports, labels = _table(headers, True)
    report = reports[column]
    assert (report.entity_type, report.level) == (labels[column], level_of(labels[column])), report


@pytest.mark.parametrize(("headers", "column"), _COLUMN_CASES)
def test_sampled_scan_labels_each_column(headers, column):
    """scan_frame with sampling labels each column too; every row fits the sample, so the one
    rare ID is examined, and a checked identifier that is examined is never hidden."""
    reports, labels = _table(headers, False)
    assert reports[column].entity_type == labels[column], reports[column]


KNOWN_RATIO_GAPS: dict[str, str] = {}
_PLACEHOLDERS = {"", "未提供"}


@pytest.mark.parametrize(
    ("headers", "column"),
    [
        _xfail((headers, column), KNOWN_RATIO_GAPS.get(column))
        for headers in ("zh", "en")
        for column, label in labeled_table(1, seed=SEED, headers=headers)[1].items()
        if label is not None and column not in KNOWN_COLUMN_GAPS
        and column not in FREE_TEXT_COLUMNS and column != RARE_COLUMNS[headers]
    ],
)  # fmt: skip
def test_identifier_columns_match_every_real_value(headers, column):
    """An identifier column's match ratio is at least 95% of its share of real values."""
    reports, _labels = _table(headers, True)
    df, _ = labeled_table(ROWS, seed=SEED, headers=headers)
    values = [str(v).strip() for v in df[column] if v is not None]
    values = [v for v in values if v]
    real = sum(v not in _PLACEHOLDERS for v in values) / len(values)
    assert reports[column].match_ratio >= 0.95 * real, (reports[column], real)
