"""``medguard trace``: a leaked pseudonym names the recipient whose extract held it."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from medguard.cli.main import main
from medguard.demo.sharing import sharing_extract, sharing_policy
from medguard.keys import Keyring, PassphraseProvider
from medguard.lifecycle import Pipeline

PASSPHRASE = "cli trace test passphrase"


def _provider() -> PassphraseProvider:
    return PassphraseProvider(PASSPHRASE, time_cost=1, memory_cost=1024)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path, Keyring]:
    monkeypatch.setenv("MEDGUARD_KEYRING_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr("medguard.keys.PassphraseProvider", lambda secret: _provider())
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    ring_path = tmp_path / "his.keyring"
    assert main(["keys", "create", "--keyring", str(ring_path)]) == 0
    src = tmp_path / "visits.csv"
    sharing_extract(300).to_csv(src, index=False)
    policy = tmp_path / "policy.yaml"
    sharing_policy().dump(policy)
    return src, policy, ring_path, Keyring.open(ring_path, _provider())


def _trace(value: str, src: Path, policy: Path, ring: Path) -> int:
    return main(["trace", value, "--policy", str(policy), "--keyring", str(ring),
                 "--recipients", "cdc,university,insurer", "--input", str(src)])  # fmt: skip


def test_leaked_pseudonym_names_its_recipient(setup, tmp_path: Path, capsys) -> None:
    """A resident-ID pseudonym from the university's extract traces to the university only."""
    src, policy, ring_path, ring = setup
    out = tmp_path / "university.csv"
    Pipeline(sharing_policy(), stage="sharing", keyring=ring, recipient="university").run_file(
        src, out
    )
    leaked = pd.read_csv(out, dtype=str)["resident_id"].iloc[7]
    capsys.readouterr()
    assert _trace(leaked, src, policy, ring_path) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("university: column 'resident_id'")
    assert "cdc" not in printed
    assert "insurer" not in printed
    token = pd.read_csv(out, dtype=str)["patient_id"].iloc[0]
    assert _trace(token, src, policy, ring_path) == 0
    assert "university: column 'patient_id'" in capsys.readouterr().out


def test_unknown_value_is_exit_1(setup, capsys) -> None:
    """A value in nobody's extract: exit 1, and the original is never printed."""
    src, policy, ring_path, _ = setup
    assert _trace("110105194912310021", src, policy, ring_path) == 1
    assert "not found" in capsys.readouterr().out
