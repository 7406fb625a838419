"""Tests for the exception tree and its message hygiene."""

import inspect

import pytest

from medguard import errors


def test_every_error_is_a_medguard_error():
    """Every exception class in medguard.errors derives from MedguardError."""
    classes = [
        c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, Exception)
    ]
    assert len(classes) > 10
    for cls in classes:
        assert issubclass(cls, errors.MedguardError), cls


def test_argument_errors_are_value_errors():
    """Argument errors can be caught as ValueError, as Python users expect."""
    assert issubclass(errors.InvalidIdentifier, ValueError)
    assert issubclass(errors.PolicyError, ValueError)


def test_invalid_identifier_names_position_not_value():
    """InvalidIdentifier's message carries kind, reason and where, and keeps no raw value."""
    exc = errors.InvalidIdentifier("resident_id", "bad check character", position=17, row=3)
    assert str(exc) == "invalid resident_id: bad check character (row 3, position 17)"
    assert not hasattr(exc, "value")


def test_key_not_found_carries_key_id():
    """KeyNotFound names the key ID so operators can find the missing key."""
    exc = errors.KeyNotFound("k-2024-01")
    assert exc.key_id == "k-2024-01"
    assert "k-2024-01" in str(exc)


def test_decryption_error_is_opaque():
    """DecryptionError says only that authentication failed (and the row, if any)."""
    assert str(errors.DecryptionError()) == "ciphertext did not authenticate"
    assert str(errors.DecryptionError(row=4)) == "ciphertext did not authenticate (row 4)"


@pytest.mark.parametrize(
    ("value", "expected"), [("110101199003077777", "'11'… (18 chars)"), ("ab", "<2 chars>")]
)
def test_redact_for_message_hides_the_value(value, expected):
    """redact_for_message shows at most a short prefix and the length."""
    assert errors.redact_for_message(value) == expected


def test_the_drawn_tree_matches_the_classes():
    """Every class the errors docstring draws exists and subclasses the class drawn above it."""
    import importlib
    import re

    modules = {
        "lifecycle": "medguard.lifecycle",
        "ops.base": "medguard.ops.base",
        "privacy.search": "medguard.privacy.search",
    }
    parents: list[tuple[int, type]] = []
    checked = 0
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^\s*((?:[│ ]   )*)[├└]── (\w+)(?: \(([\w.]+)\))?", line)
        if match is None:
            root = re.match(r"^\s*(MedguardError)\s*$", line)
            if root:
                parents = [(-1, errors.MedguardError)]
            continue
        depth, name, where = len(match.group(1)) // 4, match.group(2), match.group(3)
        module = importlib.import_module(modules[where]) if where in modules else errors
        cls = getattr(module, name)
        while parents and parents[-1][0] >= depth:
            parents.pop()
        assert issubclass(cls, parents[-1][1]), (name, parents[-1][1])
        parents.append((depth, cls))
        checked += 1
    assert checked >= 25
