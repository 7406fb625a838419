"""Classification and grading (GB/T 39725-2020) and the protection each level gets by default.

A policy gives each field a :class:`Category`, a level (1..5) and optionally a ``kind`` (what
its values are: ``resident_id``, ``date``, ``free_text``...). The level chooses the default
operation at every stage the field does not name (:func:`default_rule`), and sets two hard
rules a policy cannot override:

- level >= 4 is never at rest or in transit unencrypted: at ``storage`` and ``transmission``
  only ``encrypt``, ``encrypt_deterministically``, ``drop`` or ``suppress``;
- level >= 4 never reaches ``sharing`` raw: no ``keep`` there;

and one that needs an explicit ``accept`` (``risk: release``): a level-5 field (HIV/AIDS,
sexually transmitted disease, mental illness...) leaving at ``sharing`` other than dropped or
suppressed. ``encrypt_deterministically`` anywhere needs ``risk: equality``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from medguard.lifecycle.stages import Stage
from medguard.ops.generalize_op import GENERALIZE_KINDS
from medguard.ops.masking import MASK_KINDS
from medguard.ops.pseudonyms import PSEUDONYM_KINDS

__all__ = [
    "KINDS",
    "LEVELS",
    "RISKS",
    "Category",
    "default_rule",
    "fits_kind",
    "implied_kind",
]


class Category(StrEnum):
    """The GB/T 39725-2020 categories of health and medical data."""

    PERSONAL_ATTRIBUTE = "personal_attribute"
    HEALTH_STATUS = "health_status"
    MEDICAL_APPLICATION = "medical_application"
    MEDICAL_PAYMENT = "medical_payment"
    HEALTH_RESOURCE = "health_resource"
    PUBLIC_HEALTH = "public_health"

    def __str__(self) -> str:
        return self.value


#: The levels of GB/T 39725-2020 and who may see data of that level.
LEVELS: Mapping[int, str] = {
    1: "may be fully public",
    2: "usable over a wide range; cannot identify a person",
    3: "usable over a medium range; partly de-identified, still re-identifiable",
    4: "a small range of people; directly identifies a person",
    5: "a very small, strictly controlled range; special conditions whose leak causes severe harm",
}

#: What a field's values are (``kind``): identifier kinds and value kinds.
KINDS: Mapping[str, str] = {
    "resident_id": "resident ID (GB 11643)",
    "phone": "mobile or landline number",
    "bank_card": "bank card number",
    "passport": "passport or travel permit number",
    "uscc": "unified social credit code",
    "record_number": "medical record, visit or inpatient number (digits or letters)",
    "name": "a person's name",
    "email": "e-mail address",
    "address": "postal address",
    "region": "GB/T 2260 region code or region name",
    "date": "a date",
    "datetime": "a date and time",
    "age": "an age in years",
    "icd10": "an ICD-10 diagnosis code",
    "numeric": "a measurement or amount",
    "category": "a coded value (sex, department, ...)",
    "free_text": "clinical free text",
    "text": "other short text",
}

#: The risks a policy can ``accept`` (the words of ``accept: [{risk: ...}]``).
RISKS: Mapping[str, str] = {
    "equality": "equal values stay recognizably equal (deterministic encryption)",
    "release": "a level-5 field leaves at sharing",
}

_MASK_FOR = {k: k for k in MASK_KINDS if k != "string"}
_TEXT_KINDS = frozenset({"record_number", "uscc", "category", "text", "free_text"})
_GENERALIZE_FOR: dict[str, tuple[str, ...]] = {
    "date": ("date",),
    "datetime": ("date",),
    "age": ("age", "number"),
    "region": ("region",),
    "address": ("address", "region"),
    "icd10": ("icd10",),
    "numeric": ("number", "age"),
}
_DATE_KINDS = frozenset({"date", "datetime"})


def implied_kind(op: str, field_kind: str | None) -> str | None:
    """The ``kind`` an op takes from its field when the policy does not write one."""
    if field_kind is None:
        return None
    if op == "mask":
        return _MASK_FOR.get(field_kind, "string")
    if op in ("pseudonymize", "tokenize"):
        return field_kind if field_kind in PSEUDONYM_KINDS else None
    if op == "generalize":
        return _GENERALIZE_FOR.get(field_kind, (None,))[0]
    return None


def fits_kind(op: str, op_kind: str | None, field_kind: str | None) -> tuple[str, ...] | None:
    """None when ``op`` (of ``op_kind``) fits a field of ``field_kind``, else what would fit.

    The result lists the op kinds allowed for that field (empty: the op never fits it).
    """
    if field_kind is None:
        return None
    if op == "mask":
        allowed: tuple[str, ...] = (_MASK_FOR[field_kind],) if field_kind in _MASK_FOR else ()
        if field_kind in _TEXT_KINDS or field_kind in _MASK_FOR:
            allowed = (*allowed, "string")
        return None if op_kind in allowed else allowed
    if op in ("pseudonymize", "tokenize"):
        allowed = (field_kind,) if field_kind in PSEUDONYM_KINDS else ()
        return None if op_kind in allowed else allowed
    if op == "generalize":
        allowed = tuple(k for k in _GENERALIZE_FOR.get(field_kind, ()) if k in GENERALIZE_KINDS)
        return None if op_kind in allowed else allowed
    if op == "date_shift":
        return None if field_kind in _DATE_KINDS else ()
    if op == "deidentify":
        return None if field_kind in ("free_text", "text") else ()
    return None


def default_rule(
    level: int, stage: Stage, kind: str | None, *, has_subject: bool
) -> tuple[dict[str, Any], str]:
    """The operation a field of ``level`` and ``kind`` gets at ``stage`` when the policy
    names none, and why (for the plan)."""
    why = f"level {level} at {stage.value}"
    if stage is Stage.COLLECTION:
        return {"op": "keep"}, why
    if stage is Stage.DESTRUCTION:
        return {"op": "drop"}, why
    if stage is Stage.TRANSMISSION:
        return ({"op": "encrypt"} if level >= 3 else {"op": "keep"}), why
    if stage is Stage.STORAGE:
        return ({"op": "encrypt"} if level >= 4 else {"op": "keep"}), why
    if stage is Stage.PROCESSING:
        if level < 4:
            return {"op": "keep"}, why
        if kind in _MASK_FOR or kind in _TEXT_KINDS or kind is None:
            return {"op": "mask", "kind": _MASK_FOR.get(kind or "", "string")}, why
        return {"op": "suppress"}, why
    # sharing
    if level <= 2:
        return {"op": "keep"}, why
    if level == 5:
        return {"op": "drop"}, why
    if kind in PSEUDONYM_KINDS:
        return {"op": "pseudonymize", "kind": kind}, why
    if kind in _DATE_KINDS:
        if has_subject:
            return {"op": "date_shift", "max_days": 180}, why
        return {"op": "generalize", "kind": "date", "to": "year"}, why
    if kind == "age":
        return {"op": "generalize", "kind": "age"}, why
    if kind in ("address", "region"):
        return {"op": "generalize", "kind": kind, "to": "city"}, why
    if kind == "icd10":
        return {"op": "generalize", "kind": "icd10", "to": "category"}, why
    return {"op": "suppress"}, why
