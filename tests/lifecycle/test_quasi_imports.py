"""The sharing checks share their pieces through public names, not each other's private ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import medguard

_SRC = Path(medguard.__file__).parent
_MODULES = ["lifecycle/checks.py", "lifecycle/counted_checks.py", "lifecycle/quasi.py"]


@pytest.mark.parametrize("module", _MODULES)
def test_no_private_names_imported_from_other_modules(module: str) -> None:
    """``from medguard.x import _name`` appears nowhere in the checks' modules."""
    tree = ast.parse((_SRC / module).read_text("utf-8"))
    private = [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("medguard")
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []


def test_search_engine_api_is_public() -> None:
    """The lattice the counted checks search with is privacy.search's public engine API."""
    from medguard.privacy import search

    for name in ("Lattice", "LossMeasure", "NodeEvaluation", "minimal_nodes", "MAX_LATTICE"):
        assert name in search.__all__
        assert getattr(search, name).__doc__ or name == "MAX_LATTICE"
