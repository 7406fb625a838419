"""Tests that keep the front door (``import medguard``) small, honest and cheap."""

import subprocess
import sys

import pytest

import medguard


def test_every_exported_name_resolves():
    """Each name in medguard.__all__ can be imported from medguard."""
    for name in medguard.__all__:
        assert getattr(medguard, name) is not None, name


def test_all_is_sorted():
    """__all__ is sorted so diffs that add names stay readable."""
    assert medguard.__all__ == sorted(medguard.__all__)


def test_unknown_attribute_raises_attribute_error():
    """A misspelt name is an AttributeError, not a silent None."""
    with pytest.raises(AttributeError, match="no_such_name"):
        medguard.no_such_name  # noqa: B018


def test_import_is_light():
    """`import medguard` loads no heavy dependency (pandas, pyarrow, presidio, jieba...)."""
    code = (
        "import sys, medguard; heavy = [m for m in ('pandas', 'pyarrow', 'presidio_analyzer', "
        "'jieba', 'diffprivlib', 'faker') if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
