"""The encryption demo step prints no raw identifier and writes only ciphertexts."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from medguard.demo import STEPS, DemoContext
from medguard.demo import encryption as step
from medguard.testing.assertions import assert_no_plaintext


def _patients() -> pd.DataFrame:
    ids = [f"11010119900307{i:03d}{i % 10}" for i in range(60)]
    mobiles = [f"1380013{i:04d}" for i in range(60)]
    return pd.DataFrame(
        {"patient_id": [f"P{i:05d}" for i in range(60)], "resident_id": ids, "mobile": mobiles}
    )


def test_demo_step_runs_without_leaking(tmp_path: Path) -> None:
    """The step is registered, runs, and neither its output nor its file holds a raw value."""
    assert "encryption" in STEPS
    patients = _patients()
    out = io.StringIO()
    ctx = DemoContext(tmp_path, patients, None, None, stream=out)
    step.run(ctx)
    text = out.getvalue()
    assert "60/60 resident IDs come back exactly" in text
    assert "rerun moved 0" in text
    originals = [*patients["resident_id"], *patients["mobile"]]
    assert_no_plaintext(text, originals)
    (written,) = ctx.written
    assert_no_plaintext(written.read_text(encoding="utf-8"), originals)
