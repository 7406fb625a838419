"""Every Python example in the keys and field-encryption docs runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs"
PAGES = ("keys.md", "encryption.md")
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _examples() -> list[tuple[str, int, str]]:
    found = []
    for page in PAGES:
        for i, match in enumerate(BLOCK.finditer((DOCS / page).read_text(encoding="utf-8"))):
            found.append((page, i, match.group(1)))
    return found


@pytest.mark.parametrize(("page", "index", "code"), _examples(), ids=lambda v: str(v)[:20])
def test_docs_example_runs(
    page: str, index: int, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example runs without error (its own asserts check its claims)."""
    monkeypatch.delenv("MEDGUARD_KEYRING_KEY", raising=False)
    exec(compile(code, f"{page}[{index}]", "exec"), {"__name__": "docs_example"})
