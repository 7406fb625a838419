"""The ``medguard keys`` command: create, list, rotate, disable, enable, destroy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medguard.cli.main import main
from medguard.keys import SECRET_ACCESS, Keyring, KeyStatus, PassphraseProvider

PASSPHRASE = "cli test passphrase"


@pytest.fixture
def keyring_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A keyring path with the passphrase in the environment (fast KDF for tests)."""
    monkeypatch.setenv("MEDGUARD_KEYRING_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(
        "medguard.keys.PassphraseProvider",
        lambda secret: PassphraseProvider(secret, time_cost=1, memory_cost=1024),
    )
    return tmp_path / "his.keyring"


def _keys(path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, str]]:
    capsys.readouterr()
    assert main(["keys", "list", "--keyring", str(path), "--json"]) == 0
    rows: list[dict[str, str]] = json.loads(capsys.readouterr().out)
    return rows


def test_full_life_cycle(keyring_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """create, rotate, disable, enable, destroy work and list shows each status."""
    assert main(["keys", "create", "--keyring", str(keyring_path), "--suite", "sm"]) == 0
    (first,) = _keys(keyring_path, capsys)
    assert (first["suite"], first["status"]) == ("sm", "primary")
    assert main(["keys", "rotate", "--keyring", str(keyring_path)]) == 0
    rows = _keys(keyring_path, capsys)
    assert [r["status"] for r in rows] == ["active", "primary"]
    old = first["key_id"]
    assert main(["keys", "disable", "--keyring", str(keyring_path), old]) == 0
    assert _keys(keyring_path, capsys)[0]["status"] == "disabled"
    assert main(["keys", "enable", "--keyring", str(keyring_path), old]) == 0
    assert main(["keys", "destroy", "--keyring", str(keyring_path), old]) == 2  # needs --yes
    assert main(["keys", "destroy", "--keyring", str(keyring_path), old, "--yes"]) == 0
    ring = Keyring.open(keyring_path, PassphraseProvider(PASSPHRASE, time_cost=1, memory_cost=1024))
    assert ring.get(old).status is KeyStatus.DESTROYED


def test_output_never_shows_material(
    keyring_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Neither the table nor JSON listing contains key material or the passphrase."""
    main(["keys", "create", "--keyring", str(keyring_path)])
    out = capsys.readouterr().out
    main(["keys", "list", "--keyring", str(keyring_path)])
    out += capsys.readouterr().out
    ring = Keyring.open(keyring_path, PassphraseProvider(PASSPHRASE, time_cost=1, memory_cost=1024))
    material = ring.export_key(ring.primary.key_id, SECRET_ACCESS)
    assert material.hex() not in out
    assert PASSPHRASE not in out
    assert ring.primary.key_id in out


def test_errors_exit_2(keyring_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown key IDs and a wrong passphrase are reported with exit code 2."""
    main(["keys", "create", "--keyring", str(keyring_path)])
    assert main(["keys", "disable", "--keyring", str(keyring_path), "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MEDGUARD_KEYRING_PASSPHRASE", "another passphrase")
        assert main(["keys", "list", "--keyring", str(keyring_path)]) == 2
