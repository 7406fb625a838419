"""Every Python example in the README and the docs pages runs (its asserts check its claims)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _examples() -> list[tuple[str, int, str]]:
    return [
        (page.name, i, match.group(1))
        for page in PAGES
        for i, match in enumerate(BLOCK.finditer(page.read_text(encoding="utf-8")))
    ]


@pytest.mark.parametrize(("page", "index", "code"), _examples(), ids=lambda v: str(v)[:24])
def test_docs_example_runs(page: str, index: int, code: str, monkeypatch, tmp_path) -> None:
    """The example runs without error in a fresh namespace and an empty working directory."""
    monkeypatch.delenv("MEDGUARD_KEYRING_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"{page}[{index}]", "exec"), {"__name__": "docs_example"})
