"""Assertions for users' tests and ours: prove that protected output holds no raw value."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["assert_no_plaintext"]


def assert_no_plaintext(
    output: str | bytes, originals: Iterable[object], *, min_length: int = 4
) -> None:
    """Fail if any of ``originals`` (of at least ``min_length`` characters) occurs in ``output``.

    Use it on a CLI's stdout, a report, a written file, or a protected column joined into text.
    The failure message says how many values leaked and at which offset, never the values.
    """
    text = output.decode("utf-8", errors="replace") if isinstance(output, bytes) else output
    leaks = []
    for value in originals:
        if value is None:
            continue
        needle = str(value)
        if len(needle) >= min_length and (at := text.find(needle)) >= 0:
            leaks.append(at)
    if leaks:
        raise AssertionError(
            f"{len(leaks)} raw value(s) found in the output (first at offset {min(leaks)})"
        )
