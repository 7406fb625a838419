"""Kept for compatibility: the pseudonymizers now live one module per identifier family.

Everything this module exported is importable from here still, and from its home:

- :mod:`medguard.ops.pseudonym_core`: :class:`Pseudonymizer` (the base), :class:`PseudonymReport`
- :mod:`medguard.ops.pseudonymize_resident_id`: :class:`PseudonymizeResidentID`,
  :data:`DEFAULT_BIRTH_AS_OF`
- :mod:`medguard.ops.pseudonymize_phone`: :class:`PseudonymizePhone`
- :mod:`medguard.ops.pseudonymize_numbers`: :class:`PseudonymizeBankCard`,
  :class:`PseudonymizePassport`, :class:`PseudonymizeUSCC`, :class:`PseudonymizeDigits`,
  :data:`MAX_DIGITS_LENGTH`
- :mod:`medguard.ops.pseudonymize_name`: :class:`PseudonymizeName`
- :mod:`medguard.ops.date_shift`: :class:`DateShift`, :data:`MAX_SHIFT_DAYS` (beside its
  ``date_shift`` operation)
"""

from __future__ import annotations

from medguard.ops.date_shift import MAX_SHIFT_DAYS, DateShift
from medguard.ops.pseudonym_core import Pseudonymizer, PseudonymReport
from medguard.ops.pseudonymize_name import PseudonymizeName
from medguard.ops.pseudonymize_numbers import (
    MAX_DIGITS_LENGTH,
    PseudonymizeBankCard,
    PseudonymizeDigits,
    PseudonymizePassport,
    PseudonymizeUSCC,
)
from medguard.ops.pseudonymize_phone import PseudonymizePhone
from medguard.ops.pseudonymize_resident_id import DEFAULT_BIRTH_AS_OF, PseudonymizeResidentID

__all__ = [
    "DEFAULT_BIRTH_AS_OF",
    "MAX_DIGITS_LENGTH",
    "MAX_SHIFT_DAYS",
    "DateShift",
    "PseudonymReport",
    "PseudonymizeBankCard",
    "PseudonymizeDigits",
    "PseudonymizeName",
    "PseudonymizePassport",
    "PseudonymizePhone",
    "PseudonymizeResidentID",
    "PseudonymizeUSCC",
    "Pseudonymizer",
]
