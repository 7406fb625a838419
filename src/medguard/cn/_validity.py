"""One definition of ``is_valid`` for identifier modules: parse, and say whether it worked."""

from __future__ import annotations

from collections.abc import Callable

from medguard.errors import InvalidIdentifier

__all__ = ["parses"]


def parses(parse: Callable[[str], object], value: object) -> bool:
    """True when ``parse(value)`` succeeds; False for non-strings and invalid identifiers."""
    if not isinstance(value, str):
        return False
    try:
        parse(value)
    except InvalidIdentifier:
        return False
    return True
