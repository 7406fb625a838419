"""Fixtures shared by the subject-key tests: an audit sink, an env wrapping key, keyrings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from medguard.keys import EnvKeyProvider, Keyring


class FakeSink:
    """An AuditSink that keeps what it is given."""

    def __init__(self) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []

    def append(self, action: str, /, **fields: Any) -> dict[str, Any]:
        self.records.append((action, fields))
        return fields

    def actions(self) -> list[str]:
        return [a for a, _ in self.records]


@pytest.fixture
def env_key(monkeypatch: pytest.MonkeyPatch) -> EnvKeyProvider:
    """An environment wrapping key (fast, unlike a passphrase)."""
    monkeypatch.setenv("MG_SUBJECT_TEST_KEY", "A" * 43 + "=")
    return EnvKeyProvider("MG_SUBJECT_TEST_KEY")


@pytest.fixture(params=["memory", "file"])
def ring(request: pytest.FixtureRequest, tmp_path: Path, env_key: EnvKeyProvider) -> Keyring:
    """An in-memory keyring and a file keyring with its SQLite subject store."""
    if request.param == "memory":
        return Keyring.generate()
    return Keyring.create(tmp_path / "his.keyring", env_key)


@pytest.fixture
def sink() -> FakeSink:
    """A fresh audit sink that keeps every record."""
    return FakeSink()
