"""The life-cycle stages of GB/T 37988-2019 (DSMM), as a medical-alliance platform uses them."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Stage"]


class Stage(StrEnum):
    """A life-cycle stage: a policy says what each field gets at each one.

    ``collection`` (intake), ``transmission`` (moving inside the organization), ``storage``
    (at rest), ``processing`` (use: display, analysis), ``sharing`` (leaving for a
    recipient), ``destruction`` (what remains when data is destroyed: nothing by default).
    """

    COLLECTION = "collection"
    TRANSMISSION = "transmission"
    STORAGE = "storage"
    PROCESSING = "processing"
    SHARING = "sharing"
    DESTRUCTION = "destruction"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: object) -> Stage:
        """A stage from its name (``"sharing"``) or itself; ValueError otherwise."""
        if isinstance(value, Stage):
            return value
        if isinstance(value, str):
            return cls(value)
        raise ValueError(f"not a stage: {value!r}")
