"""docs/getting-started.md's extras table says what pyproject.toml installs (issue 13)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _name(requirement: str) -> str:
    """The distribution name of a requirement, without extras or versions."""
    match = re.match(r"[A-Za-z0-9_.-]+", requirement)
    assert match is not None, requirement
    return match.group(0).lower()


def test_extras_table_matches_pyproject() -> None:
    """Every extra is in the table, and each row names exactly the packages it installs."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    text = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z][a-z0-9-]*)` \| ([^|]*) \|", text, flags=re.MULTILINE))
    assert set(rows) == set(extras)
    for extra, requirements in extras.items():
        if extra == "all":
            assert rows[extra].strip() == "everything above"
            continue
        named = {re.sub(r"\[.*\]|\s*<.*", "", p).strip().lower() for p in rows[extra].split(",")}
        assert named == {_name(r) for r in requirements}, extra


def test_core_dependencies_sentence_matches_pyproject() -> None:
    """The install section names exactly the core dependencies."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    text = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    sentence = re.search(r"depends only on (.*?)\. Extras", text, flags=re.DOTALL)
    assert sentence is not None
    assert set(re.findall(r"`([^`]+)`", sentence.group(1))) == {_name(d) for d in deps}
