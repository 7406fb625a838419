"""Shared fixtures for the detect tests."""

import builtins
from collections.abc import Callable

import pytest


@pytest.fixture
def hide_pyarrow(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """A call that makes ``import pyarrow`` fail from then on (no ``arrow`` extra installed)."""

    def hide() -> None:
        real_import = builtins.__import__

        def no_arrow(name, *args, **kwargs):
            if name == "pyarrow" or name.startswith("pyarrow."):
                raise ImportError(name)
            return real_import(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", no_arrow)

    return hide
