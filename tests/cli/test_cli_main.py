"""Tests for the top-level ``medguard`` command."""

import subprocess
import sys

import pytest

from medguard.cli.main import COMMANDS, main


def test_help_lists_every_command(capsys):
    """`medguard --help` exits 0 and lists each registered subcommand."""
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "medguard" in out
    for name in COMMANDS:
        assert name in out


def test_no_command_prints_help_and_exits_2(capsys):
    """Running with no subcommand is a usage error (exit 2) that shows the help."""
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().out


def test_python_dash_m_runs_the_cli():
    """`python -m medguard --version` works like the console script."""
    proc = subprocess.run(
        [sys.executable, "-m", "medguard", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("medguard ")


def test_a_closed_stdout_exits_quietly(monkeypatch, capsys) -> None:
    """``medguard scan ... | head``: the reader leaving is not an error message (exit 141)."""
    import medguard.cli.scan as scan_cli
    from medguard.cli.main import EXIT_BROKEN_PIPE

    def closed(args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(scan_cli, "_run", closed)
    assert main(["scan", "anything"]) == EXIT_BROKEN_PIPE == 141
    assert capsys.readouterr().err == ""
