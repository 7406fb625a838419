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


def _ring(path: Path) -> Keyring:
    return Keyring.open(path, PassphraseProvider(PASSPHRASE, time_cost=1, memory_cost=1024))


def test_create_into_a_missing_directory_is_a_usage_error(
    keyring_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No traceback: exit 2 and a message naming the missing directory."""
    target = keyring_path.parent / "missing" / "his.keyring"
    assert main(["keys", "create", "--keyring", str(target)]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err
    assert "Traceback" not in err


def test_list_leaves_subject_keys_out_and_pages_them(
    keyring_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A keyring with 250 subject keys lists 1 line by default; --subjects pages by 100."""
    main(["keys", "create", "--keyring", str(keyring_path)])
    _ring(keyring_path).subject_keys([f"P{n}" for n in range(250)])
    capsys.readouterr()
    assert main(["keys", "list", "--keyring", str(keyring_path)]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2  # header and the primary key
    assert "subject keys: 250" in captured.err
    assert main(["keys", "list", "--keyring", str(keyring_path), "--subjects"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 101
    args = ["--subjects", "--limit", "5", "--offset", "248", "--format", "json"]
    assert main(["keys", "list", "--keyring", str(keyring_path), *args]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3
    assert {r["kind"] for r in rows} == {"subject"}
    with pytest.raises(SystemExit) as exited:  # argparse refuses it
        main(["keys", "list", "--keyring", str(keyring_path), "--limit", "-1"])
    assert exited.value.code == 2


def test_subject_find_rotate_destroy_cancel_due(
    keyring_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """keys subject finds a subject's key by its ID (never printing the ID), rotates it, and
    destroys it with a grace period that cancel undoes."""
    main(["keys", "create", "--keyring", str(keyring_path)])
    info = _ring(keyring_path).subject_key("110101199003071234")
    base = ["keys", "subject", "--keyring", str(keyring_path), "110101199003071234"]
    capsys.readouterr()
    assert main([*base, "--format", "json"]) == 0
    out = capsys.readouterr().out
    shown = json.loads(out)
    assert shown["key_id"] == info.key_id
    assert shown["subject_token"] == info.subject_token
    assert "110101199003071234" not in out
    assert main(["keys", "subject", "--keyring", str(keyring_path), "unknown"]) == 2
    assert main([*base, "--rotate"]) == 0
    assert _ring(keyring_path).find_subject_key("110101199003071234").generation == 2  # type: ignore[union-attr]
    assert main([*base, "--destroy"]) == 2  # needs --yes
    assert "--yes" in capsys.readouterr().err
    assert main([*base, "--destroy", "--grace", "30", "--yes"]) == 0
    assert "pending_destruction" in capsys.readouterr().out
    assert main(["keys", "cancel", "--keyring", str(keyring_path), "110101199003071234"]) == 0
    assert _ring(keyring_path).find_subject_key("110101199003071234").status is KeyStatus.ACTIVE  # type: ignore[union-attr]
    with pytest.raises(SystemExit) as exited:  # a grace period must be more than 0 days
        main([*base, "--destroy", "--grace", "0", "--yes"])
    assert exited.value.code == 2
    assert main(["keys", "due", "--keyring", str(keyring_path)]) == 0
    assert "0 key(s) destroyed" in capsys.readouterr().out
    assert main([*base, "--destroy", "--yes"]) == 0
    assert _ring(keyring_path).find_subject_key("110101199003071234").status is KeyStatus.DESTROYED  # type: ignore[union-attr]


def test_rotate_subjects_and_destroy_with_grace(
    keyring_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """rotate-subjects takes IDs or --all; destroy --grace makes a keyring key pending."""
    main(["keys", "create", "--keyring", str(keyring_path)])
    _ring(keyring_path).subject_keys(["a", "b", "c"])
    assert main(["keys", "rotate-subjects", "--keyring", str(keyring_path), "a", "b"]) == 0
    assert "2 subject(s)" in capsys.readouterr().out
    assert main(["keys", "rotate-subjects", "--keyring", str(keyring_path), "--all"]) == 0
    assert "3 subject(s)" in capsys.readouterr().out
    assert main(["keys", "rotate-subjects", "--keyring", str(keyring_path)]) == 2
    old = _ring(keyring_path).primary.key_id
    main(["keys", "rotate", "--keyring", str(keyring_path)])
    args = ["keys", "destroy", "--keyring", str(keyring_path), old, "--grace", "7", "--yes"]
    assert main(args) == 0
    assert _ring(keyring_path).get(old).status is KeyStatus.PENDING_DESTRUCTION
    assert main(["keys", "cancel", "--keyring", str(keyring_path), old]) == 0
    assert _ring(keyring_path).get(old).status is KeyStatus.ACTIVE


def _option_strings(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["keys", "list"],
        ["audit", "verify"],
        ["audit", "public-key"],
        ["erase", "subject"],
        ["erase", "due"],
        ["erase", "file"],
    ],
)
def test_every_keyring_command_takes_the_same_keyring_options(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """keys, audit and erase declare their keyring options in one place (cli._keyring)."""
    text = _option_strings(argv, capsys)
    for option in ("--keyring", "--passphrase-env", "--key-env", "--allow-insecure"):
        assert option in text


def test_shared_keyring_helpers() -> None:
    """days() bounds the grace period, grace() converts it, open_keyring() needs a keyring."""
    import argparse
    import datetime as dt

    from medguard.cli import _keyring
    from medguard.errors import InvalidArgument

    assert _keyring.days("1.5") == 1.5
    for bad in ("0", "-1", "3651", "nan", "inf", "soon"):
        with pytest.raises(argparse.ArgumentTypeError):
            _keyring.days(bad)
    assert _keyring.grace(argparse.Namespace(grace=2.0)) == dt.timedelta(days=2)
    assert _keyring.grace(argparse.Namespace(grace=None)) is None
    with pytest.raises(InvalidArgument, match="--keyring"):
        _keyring.open_keyring(argparse.Namespace(keyring=None))


def test_erase_and_keys_open_the_same_env_keyring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An env keyring made by `keys create --protect env` opens in `erase due` and `audit
    public-key` through the shared options (--key-env names the variable)."""
    monkeypatch.setenv("MY_WRAP_KEY", "C" * 43 + "=")
    path = str(tmp_path / "env.keyring")
    common = ["--keyring", path, "--key-env", "MY_WRAP_KEY"]
    assert main(["keys", "create", "--protect", "env", *common]) == 0
    assert main(["erase", "due", *common]) == 0
    assert main(["audit", "public-key", *common]) == 0
    assert "PUBLIC KEY" in capsys.readouterr().out
