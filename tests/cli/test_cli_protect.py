"""``medguard protect``: exit 0 written, 1 refused by a check (nothing written), 2 usage/input."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from medguard.audit import AuditTrail
from medguard.cli.main import main
from medguard.demo.sharing import sharing_extract, sharing_policy
from medguard.keys import Keyring, PassphraseProvider
from medguard.lifecycle import Policy

PASSPHRASE = "cli protect test passphrase"


def _provider() -> PassphraseProvider:
    return PassphraseProvider(PASSPHRASE, time_cost=1, memory_cost=1024)


@pytest.fixture
def keyring_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDGUARD_KEYRING_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr("medguard.keys.PassphraseProvider", lambda secret: _provider())
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    path = tmp_path / "his.keyring"
    assert main(["keys", "create", "--keyring", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    return sharing_extract(300)


@pytest.fixture
def files(tmp_path: Path, extract: pd.DataFrame) -> tuple[Path, Path]:
    src = tmp_path / "visits.csv"
    extract.to_csv(src, index=False)
    policy = tmp_path / "policy.yaml"
    sharing_policy().dump(policy)
    return src, policy


def _protect(src: Path, out: Path, policy: Path, ring: Path, *extra: str) -> int:
    return main(
        ["protect", str(src), "-o", str(out), "--policy", str(policy), "--stage", "sharing",
         "--keyring", str(ring), "--recipient", "cdc", "--no-progress", *extra]
    )  # fmt: skip


def test_written_with_exit_0_and_no_input_identifier_left(
    tmp_path: Path, keyring_path: Path, files: tuple[Path, Path], extract: pd.DataFrame, capsys
) -> None:
    """A passing sharing run writes the output (exit 0); no input identifier is in it."""
    src, policy = files
    out = tmp_path / "shared.csv"
    trail = tmp_path / "audit.log"
    assert _protect(src, out, policy, keyring_path, "--audit", str(trail)) == 0
    printed = capsys.readouterr().out
    assert "k (distinct subjects)" in printed
    text = out.read_text(encoding="utf-8")
    for column in ("name", "resident_id", "mobile", "address", "patient_id"):
        for value in extract[column].unique():
            assert value not in text, column
    records = list(AuditTrail.open(trail, Keyring.open(keyring_path, _provider())).records())
    assert records[-1].action == "policy.run"


def test_k_unreachable_exits_1_and_writes_nothing(
    tmp_path: Path, keyring_path: Path, files: tuple[Path, Path], capsys
) -> None:
    """k beyond the number of people: exit 1 with the reason; no output file."""
    src, _ = files
    policy = tmp_path / "strict.yaml"
    sharing_policy(k=10_000).dump(policy)
    out = tmp_path / "shared.csv"
    assert _protect(src, out, policy, keyring_path) == 1
    err = capsys.readouterr().err
    assert "k-anonymity" in err
    assert "nothing was written" in err
    assert not out.exists()


def test_direct_identifier_left_exits_1(
    tmp_path: Path, keyring_path: Path, files: tuple[Path, Path], capsys
) -> None:
    """A level-3 name kept as it is (the policy allows it): refused before any row moves."""
    src, _ = files
    data = sharing_policy().to_dict()
    data["fields"]["name"]["level"] = 3
    data["fields"]["name"]["sharing"] = {"op": "keep"}
    policy = tmp_path / "keeps_name.yaml"
    Policy.from_dict(data).dump(policy)
    out = tmp_path / "shared.csv"
    assert _protect(src, out, policy, keyring_path) == 1
    assert "'name'" in capsys.readouterr().err
    assert not out.exists()


def test_leak_found_by_the_rescan_exits_1(
    tmp_path: Path, keyring_path: Path, files: tuple[Path, Path], capsys
) -> None:
    """A note kept as it is holds the patients' phones: the re-scan refuses (exit 1)."""
    src, _ = files
    data = sharing_policy().to_dict()
    data["fields"]["note"]["sharing"] = {"op": "keep"}
    policy = tmp_path / "keeps_note.yaml"
    Policy.from_dict(data).dump(policy)
    out = tmp_path / "shared.csv"
    assert _protect(src, out, policy, keyring_path) == 1
    assert "re-scan" in capsys.readouterr().err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(
    "case",
    ["missing input", "bad policy", "bad stage", "missing column", "no keyring"],
)
def test_usage_and_input_errors_exit_2(
    tmp_path: Path, keyring_path: Path, files: tuple[Path, Path], case: str, capsys
) -> None:
    """Input and usage errors: exit 2 with one line, no traceback, nothing written."""
    src, policy = files
    out = tmp_path / "shared.csv"
    args = ["protect", str(src), "-o", str(out), "--policy", str(policy), "--stage", "sharing",
            "--keyring", str(keyring_path), "--no-progress"]  # fmt: skip
    if case == "missing input":
        args[1] = str(tmp_path / "nope.csv")
    elif case == "bad policy":
        (tmp_path / "bad.yaml").write_text("medguard_policy: 1\nfields: 3\n", encoding="utf-8")
        args[args.index("--policy") + 1] = str(tmp_path / "bad.yaml")
    elif case == "bad stage":
        args[args.index("--stage") + 1] = "publishing"
    elif case == "missing column":
        pd.read_csv(src).drop(columns=["fee"]).to_csv(src, index=False)
    else:
        args = [*args[: args.index("--keyring")], "--no-progress"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("medguard: error:")
    assert not out.exists()


def test_usage_without_output_is_argparse_exit_2(files: tuple[Path, Path]) -> None:
    """A missing -o is a usage error (argparse exits 2)."""
    src, policy = files
    with pytest.raises(SystemExit) as exc:
        main(["protect", str(src), "--policy", str(policy), "--stage", "sharing"])
    assert exc.value.code == 2


@pytest.mark.parametrize("suffix", [".yaml", ".toml"])
def test_emit_policy_drafts_a_policy_protect_can_run(
    tmp_path: Path, keyring_path: Path, extract: pd.DataFrame, suffix: str, capsys
) -> None:
    """scan --emit-policy writes a commented policy that loads, and protect runs it."""
    src = tmp_path / "visits.csv"
    extract.to_csv(src, index=False)
    drafted = tmp_path / f"drafted{suffix}"
    assert main(["scan", "--no-progress", "--emit-policy", str(drafted), str(src)]) == 0
    text = drafted.read_text(encoding="utf-8")
    assert "# resident_id: CN_RESIDENT_ID in" in text
    policy = Policy.load(drafted)
    assert policy.subject == "patient_id"
    assert policy.dataset == "visits"  # the scanned file names the data, not the policy file
    assert policy.fields["resident_id"].level == 4
    assert policy.fields["note"].kind == "free_text"
    assert policy.checks  # the sharing checks are on
    out = tmp_path / "shared.csv"
    assert _protect(src, out, drafted, keyring_path) == 0
    assert out.exists()


def test_emit_policy_names_the_dataset_without_personal_data(
    tmp_path: Path, extract: pd.DataFrame, capsys
) -> None:
    """A file named after a person gives a masked dataset name; two files, the policy's."""
    named = tmp_path / "张伟.csv"
    extract.head(50).to_csv(named, index=False)
    drafted = tmp_path / "drafted.yaml"
    assert main(["scan", "--no-progress", "--emit-policy", str(drafted), str(named)]) == 0
    assert Policy.load(drafted).dataset == "张*"
    other = tmp_path / "visits.csv"
    extract.head(50).to_csv(other, index=False)
    assert (
        main(["scan", "--no-progress", "--emit-policy", str(drafted), str(named), str(other)]) == 0
    )
    assert Policy.load(drafted).dataset == "drafted"


def test_emit_policy_without_a_table_is_exit_2(tmp_path: Path, capsys) -> None:
    """Only text files: no columns to draft from (exit 2, no file)."""
    (tmp_path / "a.txt").write_text("患者张三，电话13800138000\n", encoding="utf-8")
    drafted = tmp_path / "drafted.yaml"
    code = main(["scan", "--no-progress", "--emit-policy", str(drafted), str(tmp_path / "a.txt")])
    assert code == 2
    assert not drafted.exists()
