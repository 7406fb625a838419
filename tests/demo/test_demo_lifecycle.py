"""The demo's life-cycle step tells the whole story: scan, draft, storage, processing, sharing
(search, k per patient, DP statistics), verification scan, audit verification."""

from __future__ import annotations

import io

import pandas as pd

from medguard.demo import run_demo
from medguard.testing.assertions import assert_no_plaintext


def test_lifecycle_story_writes_each_file_and_leaks_nothing(tmp_path) -> None:
    """Every step prints its file; the shared extract holds no input identifier."""
    out = io.StringIO()
    ctx = run_demo(tmp_path / "demo", rows=200, stream=out)
    text = out.getvalue()
    folder = tmp_path / "demo" / "lifecycle"
    for step in ("1. scan", "2. drafted policy", "3. storage", "4. processing",
                 "5. sharing for 'cdc'", "6. verification", "7. audit"):  # fmt: skip
        assert step in text
    for name in ("drafted_policy.yaml", "policy.yaml", "storage.parquet", "processing.csv",
                 "shared_cdc.csv", "shared_cdc_department_counts.csv", "audit.log"):  # fmt: skip
        assert (folder / name).exists(), name
    assert "hash chain verified" in text
    assert "distinct patients per class" in text
    shared = (folder / "shared_cdc.csv").read_text(encoding="utf-8")
    patients = ctx.patients
    raw = [v for c in ("resident_id", "mobile", "address") for v in patients[c]]
    raw += [n for n in patients["name"] if len(n) >= 2]
    assert_no_plaintext(shared, raw)
    assert_no_plaintext(text, [v for v in raw if len(v) >= 3])
    assert len(pd.read_csv(folder / "shared_cdc.csv")) > 0
