"""Tests for medguard.testing.assertions."""

import pytest

from medguard.testing.assertions import assert_no_plaintext


def test_passes_when_no_value_leaks():
    """Masked output holding none of the originals passes."""
    assert_no_plaintext("138****8000, 张*", ["13800138000", "张三丰"])


def test_fails_and_hides_the_value():
    """A leaked value fails the assertion, and the message does not repeat it."""
    with pytest.raises(AssertionError) as exc:
        assert_no_plaintext(b"id=110105194912310021", ["110105194912310021"])
    assert "110105194912310021" not in str(exc.value)
    assert "1 raw value" in str(exc.value)


def test_short_values_and_nulls_are_ignored():
    """Values shorter than min_length (like a sex code) and None are not looked for."""
    assert_no_plaintext("男", ["男", None], min_length=2)
