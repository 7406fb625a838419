"""DANGER: row helpers of the batch ciphers: cut buffers into equal-size rows, group by length.

No cryptography here; they exist so that :mod:`medguard.hazmat.sealing` can hand many
equal-length values to the vectorized ciphers at once. ``medguard.ops`` uses them too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["groups_by_length", "length_groups", "split_fixed", "split_rows"]


def split_fixed(buf: bytes, size: int) -> list[bytes]:
    """Cut ``buf`` into ``size``-byte pieces (numpy void view: no per-piece Python slicing)."""
    if size <= 0 or len(buf) % size:
        raise ValueError("buffer length must be a multiple of size")
    pieces: list[bytes] = np.frombuffer(buf, dtype=f"V{size}").tolist()
    return pieces


def split_rows(rows: Sequence[bytes], cut: int) -> tuple[list[bytes], list[bytes]] | None:
    """``([r[:cut]], [r[cut:]])`` for equal-length rows longer than ``cut``; else ``None``."""
    if not rows:
        return [], []
    size = len(rows[0])
    if size <= cut:
        return None
    buf = b"".join(rows)
    if len(buf) != size * len(rows):
        return None
    arr = np.frombuffer(buf, dtype=np.uint8).reshape(len(rows), size)
    heads = split_fixed(np.ascontiguousarray(arr[:, :cut]).tobytes(), cut)
    tails = split_fixed(np.ascontiguousarray(arr[:, cut:]).tobytes(), size - cut)
    return heads, tails


def groups_by_length(lengths: npt.NDArray[np.int64]) -> list[npt.NDArray[np.intp]]:
    if lengths.size == 0:
        return []
    if (lengths == lengths[0]).all():
        return [np.arange(lengths.size)]
    order = np.argsort(lengths, kind="stable")
    cuts = np.flatnonzero(np.diff(lengths[order])) + 1
    return list(np.split(order, cuts))


def length_groups(
    items: Sequence[bytes], companions: Sequence[bytes] | None = None
) -> list[list[int]]:
    """Positions of ``items`` grouped by length (and by the length of the same-position
    ``companions`` when given); one group when all are equally long."""
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    if companions is not None:
        other = np.fromiter(map(len, companions), dtype=np.int64, count=len(companions))
        lengths = lengths * (int(other.max(initial=0)) + 1) + other
    groups: list[list[int]] = [g.tolist() for g in groups_by_length(lengths)]
    return groups
