"""The peer engine for ``bench_scan_text``: the same detection written the Presidio way.

What a Presidio user writes without medguard's engine: one ``PatternRecognizer`` per entity
type, each a regular expression run by Presidio itself (the ``regex`` module, one pass per
recognizer), with Presidio's context words and a ``validate_result`` hook that calls
:mod:`medguard.cn` for the checksum (resident ID check character and date, Luhn, GB 32100,
HK ID mod 11, allocated mobile segments). Patterns use digit look-arounds instead of ``\\b`` so
identifiers glued to Chinese text are found, as they are by medguard.

Names and addresses get a context-word pattern (a known surname after 患者/医师/家属/...,
a province followed by a road or house number) without medguard's dictionary and stop-word
checks, so this peer does *less* work per name than medguard does: the ratio it gives is a
lower bound of medguard's advantage. Not part of the library.
"""

from __future__ import annotations

from collections.abc import Callable

from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NoOpNlpEngine

from medguard.cn import bank_card, hk_id, names, passport, phone, regions, resident_id, uscc

_HAN = r"\u4e00-\u9fff"
_SURNAMES = "".join(sorted(names.SURNAMES))
_PROVINCES = "|".join(sorted(regions.PROVINCES.values(), key=len, reverse=True))
_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"


class _Checked(PatternRecognizer):
    """A pattern recognizer whose matches a medguard validator confirms (False drops them)."""

    def __init__(
        self,
        entity: str,
        pattern: str,
        score: float,
        context: list[str],
        check: Callable[[str], bool] | None,
    ) -> None:
        super().__init__(
            supported_entity=entity,
            name=f"peer_{entity.lower()}_{len(pattern)}",
            patterns=[Pattern(entity.lower(), pattern, score)],
            context=context,
            supported_language="zh",
            global_regex_flags=0,
        )
        self._check = check

    def validate_result(self, pattern_text: str) -> bool | None:
        return bool(self._check(pattern_text)) if self._check is not None else None


def recognizers() -> list[PatternRecognizer]:
    """One Presidio pattern recognizer per medguard entity type (two for phones)."""
    d4 = r"(?:[ -]?\d{4}){2}"
    return [
        _Checked("CN_RESIDENT_ID", rf"{_NOT_ALNUM_BEFORE}\d{{17}}[0-9Xx]{_NOT_ALNUM_AFTER}",
                 0.85, ["身份证", "证件号"], lambda v: resident_id.kind_of(v.upper()) is not None),
        _Checked("PHONE_NUMBER",
                 rf"(?<![0-9])(?:\+86[ -]?|0086[ -]?)?1[3-9]\d{d4}{_NOT_ALNUM_AFTER}", 0.8,
                 ["电话", "手机", "联系方式"], phone.is_mobile),
        _Checked("PHONE_NUMBER", rf"{_NOT_ALNUM_BEFORE}(?:0\d{{2,3}}[ -]?|[(（]0\d{{2,3}}[)）])"
                 rf"[2-9]\d{{6,7}}{_NOT_ALNUM_AFTER}", 0.5, ["电话"], phone.is_landline),
        _Checked("CN_BANK_CARD", rf"{_NOT_ALNUM_BEFORE}(?:\d{{16,19}}|\d{{4}}(?:[ -]\d{{4}}){{3}}"
                 rf"(?:[ -]\d{{1,3}})?){_NOT_ALNUM_AFTER}", 0.6, ["银行卡", "卡号", "账号"],
                 bank_card.is_valid),
        _Checked("CN_USCC",
                 r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])",
                 0.85, ["信用代码"], uscc.is_valid),
        _Checked("CN_PASSPORT", rf"{_NOT_ALNUM_BEFORE}(?:E[0-9A-HJ-NP-Z]\d{{7}}|[EGHM]\d{{8}}|"
                 rf"[DSP]E\d{{7}}){_NOT_ALNUM_AFTER}", 0.5, ["护照", "通行证"], passport.is_valid),
        _Checked("HK_ID_CARD", rf"{_NOT_ALNUM_BEFORE}[A-Z]{{1,2}}\d{{6}}[(（][0-9A][)）]", 0.8,
                 ["身份证"], hk_id.is_valid),
        _Checked("EMAIL_ADDRESS", r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+"
                 r"(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}", 0.9, ["邮箱"], None),
        _Checked("IP_ADDRESS", r"(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9.])", 0.6, ["IP"], None),
        _Checked("CN_MEDICAL_RECORD_NUMBER", r"(?<=(?:住院号|门诊号|病案号|病历号|就诊号)[:：\s]*)"
                 r"[A-Z0-9]{5,15}(?![0-9A-Z])", 0.85, ["住院号"], None),
        _Checked("DATE_TIME", r"(?<=(?:出生日期|出生于|出生|生日)[:：\s]*)"
                 r"\d{4}(?:年\d{1,2}月\d{1,2}日|[-/.]\d{1,2}[-/.]\d{1,2})", 0.75, ["出生"], None),
        _Checked("PERSON", rf"(?<=(?:患者|病人|姓名|医师|医生|护士|家属|配偶|联系人|签名|经治医生)"
                 rf"[:：\s]*)[{_SURNAMES}][{_HAN}]{{1,2}}|[{_SURNAMES}][{_HAN}]{{1,2}}(?=[,，][男女])",
                 0.85, ["患者", "医师"], None),
        _Checked("LOCATION", rf"(?:{_PROVINCES})[{_HAN}]{{1,12}}?(?:市|州|盟|区|县|旗)"
                 rf"[{_HAN}0-9]{{0,20}}?(?:路|街|巷|村|道|弄)?\d+号", 0.7, ["住址", "地址"], None),
    ]  # fmt: skip


def analyzer_engine() -> AnalyzerEngine:
    """Presidio's ``AnalyzerEngine`` on ``NoOpNlpEngine`` carrying the pattern recognizers."""
    registry = RecognizerRegistry(supported_languages=["zh"])
    for recognizer in recognizers():
        registry.add_recognizer(recognizer)
    nlp = NoOpNlpEngine(models=[{"lang_code": "zh", "model_name": "no_op"}])
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["zh"])
