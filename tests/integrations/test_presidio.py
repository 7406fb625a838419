"""Tests for the Presidio plug-in: same findings as the native engine, one-call registration."""

from __future__ import annotations

import importlib
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("presidio_analyzer")
pytest.importorskip("presidio_anonymizer")

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig

from medguard.cn import bank_card, names, phone, resident_id
from medguard.detect import ENTITY_TYPES, deidentify_text, scan_text
from medguard.errors import InvalidArgument, MissingDependency
from medguard.integrations.presidio import (
    MedguardDeidentify,
    MedguardMask,
    MedguardRecognizer,
    analyzer_engine,
    deidentify,
    register,
)
from medguard.ops.mask import MaskName
from medguard.ops.pseudonymize_name import PseudonymizeName
from medguard.ops.pseudonymize_phone import PseudonymizePhone
from medguard.testing.keyrings import fixed_keyring
from medguard.testing.synthetic import synthetic_extract

Span = tuple[str, int, int, float]


def _native(text: str, **options: object) -> list[Span]:
    return sorted((f.entity_type, f.start, f.end, f.score) for f in scan_text(text, **options))


def _presidio(engine: AnalyzerEngine, text: str, **options: object) -> list[Span]:
    results = engine.analyze(text, language="zh", **options)
    return sorted((r.entity_type, r.start, r.end, r.score) for r in results)


@pytest.fixture(scope="module")
def engine() -> AnalyzerEngine:
    return analyzer_engine()


@pytest.fixture(scope="module")
def notes() -> list[str]:
    return list(synthetic_extract(40, seed=7)[2]["text"])


def test_presidio_reports_the_native_findings_on_clinical_notes(engine, notes) -> None:
    """On generated clinical notes Presidio reports exactly medguard's (type, start, end, score)."""
    total = 0
    for text in notes:
        expected = _native(text)
        assert _presidio(engine, text) == expected, text
        total += len(expected)
    assert total >= len(notes)  # the corpus really holds personal data


def test_explicit_context_words_leave_scores_alone(engine, notes) -> None:
    """Context passed to analyze() does not re-score: medguard already weighed the context."""
    for text in notes[:10]:
        assert _presidio(engine, text, context=["患者", "电话", "身份证"]) == _native(text)


@pytest.mark.parametrize(
    "entities",
    [["PERSON"], ["PHONE_NUMBER", "CN_RESIDENT_ID"], ["LOCATION", "DATE_TIME", "EMAIL_ADDRESS"]],
)
def test_entities_argument_selects_types(engine, notes, entities) -> None:
    """analyze(entities=...) reports what scan_text(entities=...) reports, and no other type."""
    seen: set[str] = set()
    for text in notes:
        got = _presidio(engine, text, entities=entities)
        assert got == _native(text, entities=entities)
        seen.update(span[0] for span in got)
    assert seen <= set(entities)
    assert seen  # each selection occurs in the corpus


def test_min_score_is_passed_through(notes) -> None:
    """A recognizer built with min_score drops the same weak findings as scan_text does."""
    strict = analyzer_engine(min_score=0.9)
    for text in notes[:20]:
        assert _presidio(strict, text) == _native(text, min_score=0.9)


_FRAGMENTS = st.one_of(
    st.sampled_from(["患者", "主治医师：", "，男，", "电话", "身份证号：", "条码", "高血压", "。"]),
    st.text(alphabet="0123456789张王李高血压白细胞 ，：-@.abcXx１２３", max_size=8),
    st.randoms(use_true_random=False).map(lambda r: resident_id.generate(r)),
    st.randoms(use_true_random=False).map(lambda r: phone.generate(r)),
    st.randoms(use_true_random=False).map(lambda r: bank_card.generate(r)),
    st.randoms(use_true_random=False).map(lambda r: names.generate(r)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=12).map("".join))
def test_presidio_agrees_with_native_on_any_text(engine, text: str) -> None:
    """For any mix of identifiers, context words and noise both paths report the same spans."""
    assert _presidio(engine, text) == _native(text)


def test_register_is_one_call_for_every_entity_type() -> None:
    """One register() call serves all medguard types for zh, and "zh" becomes supported."""
    registry = RecognizerRegistry()
    register(registry)
    recognizers = registry.get_recognizers(language="zh", all_fields=True)
    assert [type(r) for r in recognizers] == [MedguardRecognizer]
    assert sorted(registry.get_supported_entities(languages=["zh"])) == sorted(ENTITY_TYPES)
    assert "zh" in registry.supported_languages


def test_register_twice_does_not_duplicate_findings() -> None:
    """Registering again replaces the earlier recognizer, so findings are not reported twice."""
    registry = RecognizerRegistry(supported_languages=["zh"])
    register(registry)
    register(registry, entities=["PHONE_NUMBER"])
    assert len(registry.recognizers) == 1
    assert registry.recognizers[0].supported_entities == ["PHONE_NUMBER"]


def test_registry_built_by_hand_matches_analyzer_engine(notes) -> None:
    """A user's own AnalyzerEngine with register() behaves like analyzer_engine()."""
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    registry = RecognizerRegistry(supported_languages=["zh"])
    register(registry)
    nlp = NoOpNlpEngine(models=[{"lang_code": "zh", "model_name": "no_op"}])
    own = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["zh"])
    for text in notes[:10]:
        assert _presidio(own, text) == _native(text)


def test_recognizer_for_a_subset_reports_only_that_subset(notes) -> None:
    """MedguardRecognizer(["PERSON"]) reports persons only, even when asked for everything."""
    recognizer = MedguardRecognizer(["PERSON"])
    assert recognizer.supported_language == "zh"
    found = [r for text in notes for r in recognizer.analyze(text, entities=list(ENTITY_TYPES))]
    assert found
    assert {r.entity_type for r in found} == {"PERSON"}
    assert recognizer.analyze(notes[0], entities=["PHONE_NUMBER"]) == []


@pytest.mark.parametrize("entities", [["PERSON", "SSN"], []])
def test_unknown_or_no_entity_types_are_rejected(entities) -> None:
    """A recognizer for an entity type medguard does not know (or for none) is an error."""
    with pytest.raises(InvalidArgument):
        MedguardRecognizer(entities)


def test_recognizer_round_trips_through_presidio_dict() -> None:
    """to_dict/from_dict keep the entity types, min_score and name; another language fails."""
    recognizer = MedguardRecognizer(["PERSON", "PHONE_NUMBER"], min_score=0.6, name="mg")
    data = recognizer.to_dict()
    assert data["supported_language"] == "zh"
    again = MedguardRecognizer.from_dict(data)
    assert again.supported_entities == ["PERSON", "PHONE_NUMBER"]
    assert (again.min_score, again.name) == (0.6, "mg")
    with pytest.raises(InvalidArgument):
        MedguardRecognizer.from_dict({**data, "supported_language": "en"})


def test_bad_min_score_is_rejected() -> None:
    """min_score outside [0, 1] is an argument error."""
    with pytest.raises(InvalidArgument):
        MedguardRecognizer(min_score=1.5)


def test_results_name_the_medguard_recognizer(engine) -> None:
    """Each result's metadata and explanation name the medguard recognizer that found it."""
    text = f"患者张伟，男，45岁，身份证号：{resident_id.generate(random.Random(3))}。"
    results = engine.analyze(text, language="zh", return_decision_process=True)
    assert results
    for r in results:
        assert r.recognition_metadata["recognizer_name"] == "MedguardRecognizer"
        assert r.recognition_metadata[MedguardRecognizer.MEDGUARD_RECOGNIZER_KEY]
        assert r.analysis_explanation.recognizer == "MedguardRecognizer"
        medguard_name = r.recognition_metadata[MedguardRecognizer.MEDGUARD_RECOGNIZER_KEY]
        assert medguard_name in r.analysis_explanation.textual_explanation


def test_mask_operator_masks_every_finding(engine, notes) -> None:
    """The medguard_mask operator leaves no reported value in the anonymized text."""
    anonymizer = AnonymizerEngine()
    anonymizer.add_anonymizer(MedguardMask)
    config = {"DEFAULT": OperatorConfig("medguard_mask")}
    for text in notes[:20]:
        results = engine.analyze(text, language="zh")
        out = anonymizer.anonymize(text, results, operators=config).text
        for r in results:
            assert text[r.start : r.end] not in out


def test_mask_operator_uses_the_entity_types_mask(engine) -> None:
    """Names keep the surname and mobiles keep 3 + 4 digits, as medguard's masks do."""
    anonymizer = AnonymizerEngine()
    anonymizer.add_anonymizer(MedguardMask)
    text = "患者张伟，男，45岁。联系电话：13800138000。"
    results = engine.analyze(text, language="zh")
    out = anonymizer.anonymize(
        text, results, operators={"DEFAULT": OperatorConfig("medguard_mask")}
    ).text
    assert out == "患者张*，男，45岁。联系电话：138****8000。"


def test_mask_operator_takes_a_chosen_mask(engine) -> None:
    """A mask object or its config dict in the operator parameters replaces the default."""
    anonymizer = AnonymizerEngine()
    anonymizer.add_anonymizer(MedguardMask)
    text = "主治医师：李建国，"
    results = engine.analyze(text, language="zh", entities=["PERSON"])
    for mask in (MaskName(keep_last=True), MaskName(keep_last=True).to_config()):
        config = {"PERSON": OperatorConfig("medguard_mask", {"mask": mask})}
        assert anonymizer.anonymize(text, results, operators=config).text == "主治医师：李*国，"


def test_mask_operator_rejects_a_bad_mask_parameter() -> None:
    """A 'mask' parameter that is not a medguard mask fails validation."""
    with pytest.raises(InvalidArgument):
        MedguardMask().validate({"mask": "stars", "entity_type": "PERSON"})


def test_missing_presidio_raises_missing_dependency(monkeypatch) -> None:
    """Without presidio installed, importing the plug-in says which extra to install."""
    monkeypatch.delitem(sys.modules, "medguard.integrations.presidio")
    monkeypatch.setitem(sys.modules, "presidio_analyzer", None)
    with pytest.raises(MissingDependency, match=r"medguard\[presidio\]"):
        importlib.import_module("medguard.integrations.presidio")


def test_import_medguard_does_not_import_presidio() -> None:
    """`import medguard` and a native scan never import Presidio."""
    code = (
        "import sys, medguard; medguard.scan_text('电话13800138000');"
        "sys.exit('presidio_analyzer' in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- de-identification operator ---------------------------------------------------------------

_NOTE = "患者李娜，女，电话13812345678，于2025-01-03入院。"


def _anonymize(text: str, params: dict) -> str:
    anonymizer = AnonymizerEngine()
    anonymizer.add_anonymizer(MedguardDeidentify)
    results = analyzer_engine().analyze(text, language="zh")
    operators = {"DEFAULT": OperatorConfig("medguard_deidentify", params)}
    return anonymizer.anonymize(text=text, analyzer_results=results, operators=operators).text


@pytest.mark.parametrize("mode", ["mask", "tag", "redact"])
def test_deidentify_operator_replaces_spans_as_deidentify_text_does(mode):
    """Presidio with the medguard operator gives the text deidentify_text gives."""
    assert _anonymize(_NOTE, {"mode": mode}) == deidentify_text(_NOTE, mode=mode)[0]


def test_deidentify_operator_surrogates_match_the_columns():
    """A keyed surrogate from the operator equals the structured column's surrogate."""
    keyring = fixed_keyring()
    out = _anonymize(_NOTE, {"mode": "surrogate", "keyring": keyring, "context": "c"})
    name = PseudonymizeName(keyring, "c").apply("李娜")
    mobile = PseudonymizePhone(keyring, "c").apply("13812345678")
    assert out.startswith(f"患者{name}，女，电话{mobile}，")
    assert out == deidentify_text(_NOTE, mode="surrogate", keyring=keyring, context="c")[0]


def test_deidentify_operator_refuses_bad_parameters():
    """An unknown mode, or surrogates without a keyring, fail at validation."""
    with pytest.raises(InvalidArgument):
        MedguardDeidentify().validate({"mode": "erase"})
    with pytest.raises(InvalidArgument, match="keyring"):
        MedguardDeidentify().validate({"mode": "surrogate"})
    MedguardDeidentify().validate({"mode": "tag"})


def test_deidentify_helper_runs_the_whole_text():
    """deidentify() applies known values and gives Presidio's EngineResult with no raw value."""
    text = "王国，男，电话13812345678。王先生诉头痛。"
    result = deidentify(text, known={"name": "王国"}, mode="tag")
    assert result.text == "[姓名]，男，电话[电话]。[姓名]先生诉头痛。"
    assert [item.entity_type for item in result.items] == ["PERSON", "PHONE_NUMBER", "PERSON"]
    assert all(result.text[i.start : i.end] == i.text for i in result.items)
    assert "13812345678" not in repr(result.to_json())
    with pytest.raises(InvalidArgument):
        deidentify(["a list"])  # type: ignore[arg-type]
