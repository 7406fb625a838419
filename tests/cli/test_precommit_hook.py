"""The pre-commit hook definition (.pre-commit-hooks.yaml) matches what the scanner reads."""

import re
from pathlib import Path

import pytest

from medguard.detect import readers

HOOKS = Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml"


def _files_pattern() -> re.Pattern[str]:
    line = next(x for x in HOOKS.read_text("utf-8").splitlines() if x.startswith("  files:"))
    return re.compile(line.split(":", 1)[1].strip())


@pytest.mark.parametrize("suffix", sorted(readers._BY_SUFFIX))
def test_hook_runs_on_every_table_format(suffix):
    """Every table suffix the readers know is passed to the hook, in any letter case."""
    pattern = _files_pattern()
    assert pattern.search(f"exports/patients{suffix}")
    assert pattern.search(f"EXPORTS/PATIENTS{suffix.upper()}")


def test_hook_skips_source_code_and_images():
    """Python sources and images are not scanned by the hook."""
    pattern = _files_pattern()
    assert not pattern.search("src/app.py")
    assert not pattern.search("docs/logo.png")


def test_hook_never_draws_a_progress_bar():
    """The hook's entry turns the progress bar off (pre-commit captures the output)."""
    assert "entry: medguard scan --no-progress" in HOOKS.read_text("utf-8")
