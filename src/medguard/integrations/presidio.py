"""Chinese support for Presidio: medguard's recognizers and masks as Presidio plug-ins.

- :class:`MedguardRecognizer`: a Presidio ``EntityRecognizer`` for language ``zh`` that reports
  every medguard entity type (:data:`medguard.detect.ENTITY_TYPES`) with the spans and scores of
  :func:`medguard.detect.scan_text`. One scan of the text serves all entity types; Presidio's
  ``entities`` argument selects which are reported.
- :func:`register`: one call adds it to a Presidio ``RecognizerRegistry``.
- :func:`analyzer_engine`: a ready ``AnalyzerEngine`` for ``zh`` on Presidio's no-model NLP engine
  (``NoOpNlpEngine``): nothing is downloaded and no spaCy model is loaded.
- :class:`MedguardMask`: a presidio-anonymizer operator (``"medguard_mask"``) that applies the
  masks of :mod:`medguard.ops.mask` (张*, 138****1234, 110101********1234, ...).
- :class:`MedguardDeidentify`: an operator (``"medguard_deidentify"``) that replaces each span
  as :func:`medguard.deidentify_text` does (``mode``: mask, tag, keyed surrogate, redact), and
  :func:`deidentify`, which runs a whole text through ``deidentify_text`` (known values, date
  shifts, high recall) and returns a Presidio ``EngineResult``.

The recognizer holds no detection logic of its own: the native engine and the Presidio path
report the same findings on the same text. Context words are already weighed by medguard, so the
recognizer declares none and Presidio's context enhancer leaves its scores alone.

Importing this module needs ``presidio-analyzer`` and ``presidio-anonymizer``
(``pip install 'medguard[presidio]'``); without them it raises
:class:`~medguard.errors.MissingDependency`. ``import medguard`` never imports Presidio.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from medguard.detect import ENTITY_TYPES, scan_text
from medguard.detect.deidentify import (
    DEFAULT_MASK,
    ENTITY_MASKS,
    DeidentifyText,
    deidentify_text,
    replacement,
)
from medguard.detect.text import DEFAULT_MIN_SCORE
from medguard.errors import InvalidArgument, MissingDependency
from medguard.ops.mask import (
    Mask,
)

try:
    from presidio_analyzer import (
        AnalysisExplanation,
        AnalyzerEngine,
        EntityRecognizer,
        RecognizerRegistry,
        RecognizerResult,
    )
    from presidio_analyzer.nlp_engine import NlpArtifacts, NoOpNlpEngine
except ImportError as exc:
    raise MissingDependency(
        "presidio-analyzer", extra="presidio", feature="medguard.integrations.presidio"
    ) from exc
try:
    from presidio_anonymizer.entities import EngineResult, OperatorResult
    from presidio_anonymizer.operators import Operator, OperatorType
except ImportError as exc:  # pragma: no cover - the extra installs both packages
    raise MissingDependency(
        "presidio-anonymizer", extra="presidio", feature="medguard.integrations.presidio"
    ) from exc

__all__ = [
    "DEFAULT_MASKS",
    "LANGUAGE",
    "MedguardDeidentify",
    "MedguardMask",
    "MedguardRecognizer",
    "analyzer_engine",
    "deidentify",
    "register",
]

#: The Presidio language code the recognizer serves.
LANGUAGE = "zh"

#: The mask :class:`MedguardMask` applies to each entity type unless told otherwise; types not
#: listed keep only their first and last character.
DEFAULT_MASKS: Mapping[str, Mask] = ENTITY_MASKS
_FALLBACK_MASK = DEFAULT_MASK


class MedguardRecognizer(EntityRecognizer):
    """Presidio recognizer reporting medguard's findings for Chinese text (language ``zh``).

    ``entities`` limits the types it supports (all of :data:`~medguard.detect.ENTITY_TYPES` by
    default); ``min_score`` is passed to :func:`~medguard.detect.scan_text`, so the default
    matches the native engine's. Each result's ``recognition_metadata`` names the medguard
    recognizer under ``"medguard_recognizer"``, and its ``analysis_explanation`` (returned with
    ``return_decision_process=True``) says the same.
    """

    COUNTRY_CODE: ClassVar[str | None] = "cn"
    name: str
    #: The key of ``recognition_metadata`` that names the medguard recognizer of a result.
    MEDGUARD_RECOGNIZER_KEY: ClassVar[str] = "medguard_recognizer"

    def __init__(
        self,
        entities: Iterable[str] | None = None,
        *,
        min_score: float = DEFAULT_MIN_SCORE,
        name: str = "MedguardRecognizer",
    ) -> None:
        supported = list(ENTITY_TYPES) if entities is None else list(dict.fromkeys(entities))
        unknown = sorted(set(supported) - set(ENTITY_TYPES))
        if unknown or not supported:
            raise InvalidArgument(
                f"unknown entity types {unknown}; medguard knows {list(ENTITY_TYPES)}"
                if unknown
                else "entities must name at least one entity type"
            )
        if not 0.0 <= min_score <= 1.0:
            raise InvalidArgument(f"min_score must be within [0, 1], got {min_score}")
        self.min_score = min_score
        super().__init__(
            supported_entities=supported,
            name=name,
            supported_language=LANGUAGE,
            version="1",
        )

    def load(self) -> None:
        """Nothing to load: medguard's tables load on first use and need no download."""

    def to_dict(self) -> dict[str, Any]:
        """Presidio's serialized form, with ``min_score``; :meth:`from_dict` reads it back."""
        data: dict[str, Any] = super().to_dict()
        return {**data, "min_score": self.min_score}

    @classmethod
    def from_dict(cls, entity_recognizer_dict: dict[str, Any]) -> MedguardRecognizer:
        """Rebuild a recognizer from :meth:`to_dict` output (language must be ``zh``)."""
        data = dict(entity_recognizer_dict)
        language = data.get("supported_language", LANGUAGE)
        if language != LANGUAGE:
            raise InvalidArgument(f"MedguardRecognizer serves {LANGUAGE!r}, not {language!r}")
        return cls(
            data.get("supported_entities"),
            min_score=float(data.get("min_score", DEFAULT_MIN_SCORE)),
            name=str(data.get("name", "MedguardRecognizer")),
        )

    def analyze(
        self,
        text: str,
        entities: list[str] | None = None,
        nlp_artifacts: NlpArtifacts | None = None,
    ) -> list[RecognizerResult]:
        """Presidio results for the requested ``entities`` this recognizer supports.

        ``entities`` empty or None means all supported ones. ``nlp_artifacts`` is not used:
        medguard does its own normalization and context scoring.
        """
        supported: list[str] = self.supported_entities
        requested = set(entities or supported)
        wanted = [e for e in supported if e in requested]
        if not wanted:
            return []
        every_type = len(wanted) == len(ENTITY_TYPES)
        findings = scan_text(
            text, entities=None if every_type else wanted, min_score=self.min_score
        )
        return [
            RecognizerResult(
                entity_type=f.entity_type,
                start=f.start,
                end=f.end,
                score=f.score,
                analysis_explanation=AnalysisExplanation(
                    recognizer=self.name,
                    original_score=f.score,
                    textual_explanation=f"medguard recognizer {f.recognizer!r}",
                ),
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    self.MEDGUARD_RECOGNIZER_KEY: f.recognizer,
                },
            )
            for f in findings
        ]


def register(
    registry: RecognizerRegistry,
    *,
    entities: Iterable[str] | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
) -> None:
    """Add medguard's recognizers for language ``zh`` to a Presidio ``registry``, in one call.

    ``"zh"`` is added to the registry's supported languages when missing. Registering again
    replaces the earlier medguard recognizer instead of reporting every finding twice.
    Options as :class:`MedguardRecognizer`.
    """
    recognizer = MedguardRecognizer(entities, min_score=min_score)
    registry.recognizers = [
        r
        for r in registry.recognizers
        if not (isinstance(r, MedguardRecognizer) and r.supported_language == LANGUAGE)
    ]
    registry.add_recognizer(recognizer)
    if LANGUAGE not in registry.supported_languages:
        registry.supported_languages = [*registry.supported_languages, LANGUAGE]


def analyzer_engine(
    *, entities: Iterable[str] | None = None, min_score: float = DEFAULT_MIN_SCORE
) -> AnalyzerEngine:
    """A Presidio ``AnalyzerEngine`` for ``zh`` carrying medguard's recognizers.

    It runs on Presidio's ``NoOpNlpEngine``: no spaCy model is loaded or downloaded. Options as
    :class:`MedguardRecognizer`. Analyze with ``engine.analyze(text, language="zh")``.
    """
    nlp_engine = NoOpNlpEngine(models=[{"lang_code": LANGUAGE, "model_name": "no_op"}])
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    register(registry, entities=entities, min_score=min_score)
    engine: AnalyzerEngine = AnalyzerEngine(
        registry=registry, nlp_engine=nlp_engine, supported_languages=[LANGUAGE]
    )
    return engine


class MedguardMask(Operator):
    """presidio-anonymizer operator ``"medguard_mask"``: masks each span with a medguard mask.

    Register it with ``AnonymizerEngine().add_anonymizer(MedguardMask)`` and name it in an
    ``OperatorConfig("medguard_mask")``. Without parameters each entity type gets its mask from
    :data:`DEFAULT_MASKS`; ``{"mask": MaskName(keep_last=True)}`` (or the mask's
    ``to_config()`` dict) chooses one. A value the mask does not recognize is masked completely,
    never passed through.
    """

    NAME: ClassVar[str] = "medguard_mask"

    def operate(self, text: str, params: dict[str, Any] | None = None) -> str:
        """The masked ``text``."""
        masked: str = _mask_for(params or {}).apply(text)
        return masked

    def validate(self, params: dict[str, Any] | None = None) -> None:
        """Raise :class:`~medguard.errors.InvalidArgument` for a ``mask`` that is not a mask."""
        _mask_for(params or {})

    def operator_name(self) -> str:
        """``"medguard_mask"``, the name an ``OperatorConfig`` uses."""
        return self.NAME

    def operator_type(self) -> OperatorType:
        """An anonymizing operator (masks cannot be reversed)."""
        return OperatorType.Anonymize


def _mask_for(params: Mapping[str, Any]) -> Mask:
    chosen = params.get("mask")
    if chosen is None:
        return DEFAULT_MASKS.get(str(params.get("entity_type")), _FALLBACK_MASK)
    if isinstance(chosen, Mask):
        return chosen
    if isinstance(chosen, Mapping):
        return Mask.from_config(dict(chosen))
    raise InvalidArgument("the 'mask' parameter must be a medguard Mask or its to_config() dict")


class MedguardDeidentify(Operator):
    """presidio-anonymizer operator ``"medguard_deidentify"``: one span replaced as
    :func:`medguard.deidentify_text` replaces it.

    Register it with ``AnonymizerEngine().add_anonymizer(MedguardDeidentify)`` and name it in
    ``OperatorConfig("medguard_deidentify", {"mode": "surrogate", "keyring": keyring,
    "context": "study-7"})``. Parameters: ``mode`` (``"mask"`` by default, ``"tag"``,
    ``"surrogate"``, ``"redact"``), ``keyring`` and ``context`` (for surrogates: the same as the
    structured columns', so a span's surrogate equals the column's), ``placeholder`` (what
    ``redact`` leaves). The operator sees one span at a time: known values, their partial forms
    and date shifts need the whole note, which :func:`deidentify` gives.
    """

    NAME: ClassVar[str] = "medguard_deidentify"

    def operate(self, text: str, params: dict[str, Any] | None = None) -> str:
        """The replacement of ``text`` (a span of ``params["entity_type"]``)."""
        options = _deidentify_options(params or {})
        entity = str((params or {}).get("entity_type", ""))
        return replacement(text, entity, **options)

    def validate(self, params: dict[str, Any] | None = None) -> None:
        """Raise :class:`~medguard.errors.InvalidArgument` for unusable parameters."""
        options = _deidentify_options(params or {})
        if options["mode"] == "surrogate" and options["keyring"] is None:
            raise InvalidArgument("mode='surrogate' needs the 'keyring' parameter")

    def operator_name(self) -> str:
        """``"medguard_deidentify"``, the name an ``OperatorConfig`` uses."""
        return self.NAME

    def operator_type(self) -> OperatorType:
        """An anonymizing operator (surrogates of names are one-way)."""
        return OperatorType.Anonymize


def _deidentify_options(params: Mapping[str, Any]) -> dict[str, Any]:
    mode = params.get("mode", "mask")
    placeholder = params.get("placeholder", "")
    DeidentifyText(mode=mode, placeholder=placeholder)  # checks both
    return {
        "mode": mode,
        "keyring": params.get("keyring"),
        "context": params.get("context"),
        "placeholder": placeholder,
    }


def deidentify(text: str, **options: Any) -> EngineResult:
    """Run ``text`` through :func:`medguard.deidentify_text` and return Presidio's result type.

    Options as :func:`~medguard.deidentify_text` (``known``, ``keyring``, ``context``,
    ``subjects``, ``mode``, ``dates``, ``recall``, ...). The ``EngineResult`` holds the
    de-identified text and one ``OperatorResult`` per replaced span (its position in the new
    text, its entity type and its replacement; never the original value).
    """
    if not isinstance(text, str):
        raise InvalidArgument("deidentify takes one text; use deidentify_text for columns")
    options.pop("spans", None)
    out, report = deidentify_text(text, spans=True, **options)
    result = EngineResult(text=out)
    for span in (report.spans or ((),))[0] or ():
        result.add_item(
            OperatorResult(
                start=span.out_start,
                end=span.out_end,
                entity_type=span.entity_type,
                text=out[span.out_start : span.out_end],
                operator=MedguardDeidentify.NAME,
            )
        )
    return result
