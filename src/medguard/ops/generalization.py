"""Kept for compatibility: the ``generalize`` operation and its generalizers moved.

The operation (:class:`GeneralizeOp`, :data:`GENERALIZE_KINDS`) is in
:mod:`medguard.ops.generalize_op`; the generalizers it runs (:class:`GeneralizePlace`,
:class:`GeneralizeNumber`) and the GB/T 2260 look-ups (:func:`region_code`,
:func:`region_name`) are in :mod:`medguard.ops.generalize` with the other hierarchies. This
module re-exports them so older imports keep working.
"""

from __future__ import annotations

from medguard.ops.generalize import GeneralizeNumber, GeneralizePlace, region_code, region_name
from medguard.ops.generalize_op import GENERALIZE_KINDS, GeneralizeOp

__all__ = [
    "GENERALIZE_KINDS",
    "GeneralizeNumber",
    "GeneralizeOp",
    "GeneralizePlace",
    "region_code",
    "region_name",
]
