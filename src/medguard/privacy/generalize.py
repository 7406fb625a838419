"""Moved: the generalization hierarchies live in :mod:`medguard.ops.generalize` (issue 14).

This module re-exports them so ``from medguard.privacy.generalize import AgeBand`` keeps
working; the ``generalize`` policy operation is :class:`medguard.ops.generalize_op.GeneralizeOp`.
"""

from __future__ import annotations

from medguard.ops.generalize import (
    MAX_TEXT,
    SUPPRESSED,
    AgeBand,
    GeneralizeDate,
    GeneralizeICD10,
    Generalizer,
    GeneralizeRegion,
    icd10_chapter,
)

__all__ = [
    "MAX_TEXT",
    "SUPPRESSED",
    "AgeBand",
    "GeneralizeDate",
    "GeneralizeICD10",
    "GeneralizeRegion",
    "Generalizer",
    "icd10_chapter",
]
