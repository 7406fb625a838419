"""The ``df.medguard`` accessor for pandas, registered when this module is imported.

::

    import medguard.integrations.pandas  # noqa: F401 - registers df.medguard

    df.medguard.scan()                                       # what each column holds
    shared = df.medguard.protect("policy.yaml", stage="sharing", keyring=ring, recipient="cdc")
    shared.attrs["medguard"]                                 # the run's summary (counts only)
    df.medguard.risk(quasi_identifiers=["sex", "birth_year"], subject="patient_id")

``import medguard`` registers nothing; the accessor holds no logic of its own: it calls
:func:`medguard.detect.scan_frame`, :class:`medguard.lifecycle.Pipeline` and
:func:`medguard.privacy.risk_report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["MedguardAccessor"]


@pd.api.extensions.register_dataframe_accessor("medguard")
class MedguardAccessor:
    """``df.medguard``: scan, protect under a policy, measure re-identification risk."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def scan(self, *, sample: int = 10_000, full: bool = False) -> Any:
        """Classify every column (:func:`medguard.detect.scan_frame`); a report, never values."""
        from medguard.detect.classify import scan_frame

        return scan_frame(self._frame, sample=sample, full=full)

    def protect(
        self,
        policy: Any,
        *,
        stage: str,
        keyring: Any = None,
        recipient: str | None = None,
        audit: Any = None,
    ) -> pd.DataFrame:
        """The frame with ``policy``'s ``stage`` applied (sharing checks included).

        ``policy``: a :class:`~medguard.lifecycle.Policy` or the path of a policy file. Raises
        :class:`~medguard.lifecycle.checks.CheckFailed` when a sharing check refuses. The
        result's ``attrs["medguard"]`` holds the run's summary as plain data (counts, key IDs).
        """
        from medguard.lifecycle import Pipeline, Policy

        if isinstance(policy, (str, Path)):
            policy = Policy.load(policy)
        pipeline = Pipeline(policy, stage=stage, keyring=keyring, recipient=recipient, audit=audit)
        result = pipeline.run(self._frame)
        frame: pd.DataFrame = result.frame
        frame.attrs["medguard"] = result.summary.to_dict()
        return frame

    def risk(
        self,
        *,
        quasi_identifiers: Sequence[str],
        subject: str | None = None,
        sensitive: str | None = None,
    ) -> Any:
        """k (in people with ``subject``), l and prosecutor risk
        (:func:`medguard.privacy.risk_report`)."""
        from medguard.privacy.risk import risk_report

        return risk_report(self._frame, list(quasi_identifiers), sensitive, subject=subject)
