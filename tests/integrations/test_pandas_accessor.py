"""The pandas accessor: registered by importing the integration, never by ``import medguard``."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from medguard.demo.sharing import sharing_extract, sharing_policy
from medguard.keys import Keyring
from medguard.lifecycle import Pipeline
from medguard.lifecycle.checks import CheckFailed


def test_import_medguard_registers_nothing() -> None:
    """A fresh interpreter: no df.medguard after `import medguard`, one after the integration."""
    code = (
        "import pandas as pd, medguard\n"
        "assert not hasattr(pd.DataFrame(), 'medguard')\n"
        "import medguard.integrations.pandas\n"
        "assert hasattr(pd.DataFrame(), 'medguard')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    import medguard.integrations.pandas  # noqa: F401

    return sharing_extract(300)


def test_protect_equals_the_pipeline(extract: pd.DataFrame, tmp_path) -> None:
    """df.medguard.protect gives Pipeline.run's frame, from a Policy or a policy file."""
    ring = Keyring.generate()
    policy = sharing_policy()
    expected = Pipeline(policy, stage="sharing", keyring=ring, recipient="cdc").run(extract).frame
    got = extract.medguard.protect(policy, stage="sharing", keyring=ring, recipient="cdc")
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs["medguard"]["rows_in"] == len(extract)
    policy.dump(tmp_path / "p.yaml")
    again = extract.medguard.protect(tmp_path / "p.yaml", stage="sharing", keyring=ring,
                                     recipient="cdc")  # fmt: skip
    pd.testing.assert_frame_equal(again, expected)


def test_protect_refuses_like_the_pipeline(extract: pd.DataFrame) -> None:
    """A sharing check refusal reaches the caller."""
    with pytest.raises(CheckFailed):
        extract.medguard.protect(sharing_policy(k=10_000), stage="sharing",
                                 keyring=Keyring.generate())  # fmt: skip


def test_scan_and_risk(extract: pd.DataFrame) -> None:
    """scan classifies the columns; risk counts k in people."""
    report = extract.medguard.scan(sample=200)
    found = {c.column: c.entity_type for c in report.columns}
    assert found["resident_id"] == "CN_RESIDENT_ID"
    assert found["mobile"] == "PHONE_NUMBER"
    risk = extract.medguard.risk(quasi_identifiers=["sex"], subject="patient_id")
    per_person = extract.groupby("sex")["patient_id"].nunique().min()
    assert risk.k == per_person
