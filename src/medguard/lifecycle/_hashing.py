"""Keyed 64-bit hashes of Arrow text cells and of pieces of free text, column-wise in numpy.

The sharing checks compare output cells with input identifiers without keeping the input
values: each value is kept as a keyed 64-bit hash (a random key per run, never stored). Here
the hashes are computed on the bytes of an Arrow string array, eight bytes at a time, for
every cell of a column at once (no Python string per value).

The hash is a function of the UTF-8 bytes alone (and the key): the same text hashes alike
whether it is a whole cell or a piece cut out of a longer text. It is not a cryptographic PRF;
it needs none: equal texts always hash alike (no leak is missed), and two different texts
share a hash with probability about 2**-64 per pair, which can only refuse a run (fail closed),
never let a value through. The hashes live in memory for one run.

:func:`text_pieces` finds the identifier-shaped pieces of free text the re-scan compares (long
ASCII digit/letter runs, every two to four consecutive Han characters) on the same bytes.
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["KnownValues", "TextHasher", "distinct_texts", "spans_of", "text_pieces"]

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_ROWS_AT_ONCE = 1 << 14  # free-text pieces are found this many cells at a time
_RUN_SHAPE = r"^[0-9A-Za-z][0-9A-Za-z+\-]{5,}[0-9A-Za-z]$"
_HAN_SHAPE = "^[\u4e00-\u9fff]{2,4}$"


def _mix(h: U64) -> U64:
    """splitmix64's finalizer, in place."""
    h ^= h >> np.uint64(30)
    h *= _MIX1
    h ^= h >> np.uint64(27)
    h *= _MIX2
    h ^= h >> np.uint64(31)
    return h


def spans_of(array: Any) -> tuple[npt.NDArray[np.uint8], I64, I64]:
    """(bytes, start of each cell, length of each cell) of an Arrow string array (no nulls
    expected: a null cell reads as its bytes, normally none)."""
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if pa.types.is_large_string(array.type):
        kind: Any = np.int64
    else:
        if not pa.types.is_string(array.type):
            array = array.cast(pa.string())
        kind = np.int32
    buffers = array.buffers()
    n = len(array)
    width = np.dtype(kind).itemsize
    offsets = np.frombuffer(buffers[1], dtype=kind, count=n + 1, offset=array.offset * width)
    data = (
        np.frombuffer(buffers[2], dtype=np.uint8)
        if buffers[2] is not None
        else np.zeros(0, dtype=np.uint8)
    )
    starts = offsets[:-1].astype(np.int64)
    return data, starts, offsets[1:].astype(np.int64) - starts


class TextHasher:
    """Keyed 64-bit hashes of text; a fresh random key for every instance."""

    def __init__(self) -> None:
        self._k0 = np.uint64(secrets.randbits(64))
        self._k1 = np.uint64(secrets.randbits(64))

    def __repr__(self) -> str:
        return "TextHasher()"

    def spans(self, data: npt.NDArray[np.uint8], starts: I64, lengths: I64) -> U64:
        """The hash of each ``data[start:start + length]``."""
        n = starts.size
        if n == 0:
            return np.zeros(0, dtype=np.uint64)
        padded = np.zeros(data.size + 8, dtype=np.uint8)
        padded[: data.size] = data
        # every 8-byte window of the bytes, little-endian, unaligned: one gather per word
        words = np.ndarray(shape=(data.size + 1,), dtype="<u8", buffer=padded, strides=(1,))
        hashed = _mix(lengths.astype(np.uint64) * _GOLDEN ^ self._k0)
        nwords = (lengths + 7) // 8
        for j in range(int(nwords.max())):
            rows = None if j == 0 and bool(nwords.min() > 0) else np.flatnonzero(nwords > j)
            first = starts if rows is None else starts[rows]
            rest = (lengths if rows is None else lengths[rows]) - 8 * j
            word = words[first + 8 * j]
            short = rest < 8
            if short.any():
                bits = (rest[short] * 8).astype(np.uint64)
                word[short] &= (np.uint64(1) << bits) - np.uint64(1)
            part = hashed if rows is None else hashed[rows]
            part ^= word ^ self._k1
            part *= _GOLDEN
            _mix(part)
            if rows is not None:
                hashed[rows] = part
        hashed ^= self._k1
        return _mix(hashed)

    def cells(self, array: Any) -> U64:
        """The hash of every cell of an Arrow string array (null cells hash as ``""``)."""
        import pyarrow.compute as pc

        if array.null_count:
            array = pc.fill_null(array, "")
        return self.spans(*spans_of(array))

    def values(self, array: Any) -> U64:
        """The hashes of the distinct non-empty cells, trimmed of white space, of an Arrow
        column (each distinct text hashed once)."""
        return self.spans(*spans_of(distinct_texts(array)))


def distinct_texts(array: Any) -> Any:
    """The distinct non-empty cells of an Arrow column as text, trimmed of white space."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = array.cast(pa.string())
    array = pc.utf8_trim_whitespace(array)
    return pc.unique(array.filter(pc.fill_null(pc.not_equal(array, ""), False)))


def text_pieces(
    array: Any,
    *,
    tokens: bool = True,
    han_widths: tuple[int, ...] = (2, 3, 4),
    han_first: npt.NDArray[np.bool_] | None = None,
) -> tuple[npt.NDArray[np.uint8], I64, I64]:
    """The identifier-shaped pieces of every cell of an Arrow string column, as byte spans.

    Runs of ``[0-9A-Za-z+-]`` cut to their first and last letter or digit when that leaves at
    least seven characters (what ``re.findall(r"[0-9A-Za-z][0-9A-Za-z+\\-]{5,}[0-9A-Za-z]")``
    finds), and every two, three and four consecutive Han characters (U+4E00..U+9FFF).
    ``tokens=False`` leaves out the first kind, ``han_widths`` keeps Han pieces of those
    lengths only and ``han_first`` (True per code point from U+4E00) those starting with one
    of its characters: pieces no known value could equal need no hash.
    Returns ``(bytes, starts, lengths)``; each piece lies inside one cell.
    """
    import pyarrow.compute as pc

    if array.null_count:
        array = pc.fill_null(array, "")
    data, starts, lengths = spans_of(array)
    found_starts: list[I64] = []
    found_lengths: list[I64] = []
    for at in range(0, starts.size, _ROWS_AT_ONCE):
        s, n = starts[at : at + _ROWS_AT_ONCE], lengths[at : at + _ROWS_AT_ONCE]
        if not s.size:
            continue
        lo, hi = int(s[0]), int(s[-1] + n[-1])
        if tokens:
            piece_starts, piece_lengths = _tokens(data, s, n, lo, hi)
            found_starts.append(piece_starts)
            found_lengths.append(piece_lengths)
        if han_widths:
            piece_starts, piece_lengths = _han(data, s, n, lo, hi, han_widths, han_first)
            found_starts.append(piece_starts)
            found_lengths.append(piece_lengths)
    if not found_starts:
        return data, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return data, np.concatenate(found_starts), np.concatenate(found_lengths)


_TOKEN_CHAR = np.zeros(256, dtype=bool)
_ALNUM = np.zeros(256, dtype=bool)
for _c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz":
    _ALNUM[_c] = _TOKEN_CHAR[_c] = True
_TOKEN_CHAR[ord("+")] = _TOKEN_CHAR[ord("-")] = True


def _tokens(
    data: npt.NDArray[np.uint8], starts: I64, lengths: I64, lo: int, hi: int
) -> tuple[I64, I64]:
    """Maximal ``[0-9A-Za-z+-]`` runs (within a cell) cut to their first and last letter or
    digit, when at least seven bytes long."""
    chunk = data[lo:hi]
    inside = _TOKEN_CHAR[chunk]
    begins = inside.copy()
    begins[1:] &= ~inside[:-1]
    cell_starts = (starts - lo)[lengths > 0]
    begins[cell_starts] = inside[cell_starts]  # a run never continues across two cells
    alnum = np.flatnonzero(_ALNUM[chunk])
    if not alnum.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    run = np.cumsum(begins)[alnum]
    new = np.ones(alnum.size, dtype=bool)
    new[1:] = run[1:] != run[:-1]
    firsts = np.flatnonzero(new)
    lasts = np.append(firsts[1:], alnum.size) - 1
    first, last = alnum[firsts], alnum[lasts]
    keep = last - first + 1 >= 7
    return (first[keep] + lo).astype(np.int64), (last[keep] - first[keep] + 1).astype(np.int64)


def _han(
    data: npt.NDArray[np.uint8],
    starts: I64,
    lengths: I64,
    lo: int,
    hi: int,
    widths: tuple[int, ...] = (2, 3, 4),
    first: npt.NDArray[np.bool_] | None = None,
) -> tuple[I64, I64]:
    """Every two to four consecutive Han characters (three UTF-8 bytes each) within a cell."""
    chunk = data[lo:hi]
    size = chunk.size
    if size < 6:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lead = chunk[:-2]
    second = chunk[1:-1]
    han = ((lead >= 0xE5) & (lead <= 0xE9)) | ((lead == 0xE4) & (second >= 0xB8))
    at = np.flatnonzero(han)
    if first is not None and at.size:  # only pieces starting with a known first character
        point = (
            (chunk[at].astype(np.int64) & 0x0F) << 12
            | (chunk[at + 1].astype(np.int64) & 0x3F) << 6
            | (chunk[at + 2].astype(np.int64) & 0x3F)
        )
        at = at[first[point - 0x4E00]]
    if not at.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ends = (starts + lengths - lo)[np.searchsorted(starts - lo, at, side="right") - 1]
    is_han = np.zeros(size + 12, dtype=bool)
    is_han[: han.size] = han
    out_starts: list[I64] = []
    out_lengths: list[I64] = []
    ok = np.ones(at.size, dtype=bool)
    for width in range(2, max(widths, default=1) + 1):
        ok &= is_han[at + 3 * (width - 1)] & (at + 3 * width <= ends)
        if width in widths:
            chosen = at[ok]
            out_starts.append(chosen + lo)
            out_lengths.append(np.full(chosen.size, 3 * width, dtype=np.int64))
    if not out_starts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_starts).astype(np.int64), np.concatenate(out_lengths)


class KnownValues:
    """Sets of 64-bit hashes, one per input identifier, with one shared bit filter in front.

    :meth:`add` gathers hashes (kept distinct as they come); :meth:`freeze` sorts them and
    builds the filter; :meth:`hits` says whether any hash is in a set other than ``skip``.
    """

    def __init__(self) -> None:
        self._pending: dict[str, list[U64]] = {}
        self._pending_size: dict[str, int] = {}
        self._kept: dict[str, int] = {}
        self.sets: dict[str, U64] = {}
        self._filter: npt.NDArray[np.uint8] = np.zeros(0, dtype=np.uint8)
        self._shift = np.uint64(63)
        self.tokens = False
        """Whether a known value has the shape of a free-text token (digits and letters)."""
        self.han_widths: set[int] = set()
        """The lengths of the known values made of two to four Han characters."""
        self.han_first = np.zeros(0x9FFF - 0x4E00 + 1, dtype=bool)
        """True at each Han character (from U+4E00) that starts such a known value."""

    def shapes(self, texts: Any) -> None:
        """Note which free-text pieces the distinct ``texts`` of an identifier could equal."""
        import pyarrow.compute as pc

        if not self.tokens:
            self.tokens = bool(pc.any(pc.match_substring_regex(texts, _RUN_SHAPE)).as_py())
        han = texts.filter(pc.match_substring_regex(texts, _HAN_SHAPE))
        if len(han):
            for width in pc.unique(pc.utf8_length(han)).to_pylist():
                self.han_widths.add(int(width))
            heads = pc.unique(pc.utf8_slice_codeunits(han, 0, 1)).to_pylist()
            self.han_first[[ord(c) - 0x4E00 for c in heads]] = True

    def add(self, name: str, hashes: U64) -> None:
        """Remember ``hashes`` as values of the identifier ``name``."""
        parts = self._pending.setdefault(name, [])
        parts.append(np.unique(hashes))
        size = self._pending_size.get(name, 0) + parts[-1].size
        self._pending_size[name] = size
        if size > 2 * self._kept.get(name, 0) + (1 << 16):  # keep the gathered hashes distinct
            merged = np.unique(np.concatenate(parts))
            self._pending[name] = [merged]
            self._pending_size[name] = self._kept[name] = merged.size

    def freeze(self) -> None:
        """Sort every set and build the filter (call once, after the last :meth:`add`)."""
        for name, parts in self._pending.items():
            self.sets[name] = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.uint64)
        self._pending.clear()
        total = sum(s.size for s in self.sets.values())
        bits = 16
        while (1 << bits) < 16 * total and bits < 28:
            bits += 1
        self._shift = np.uint64(64 - bits)
        self._filter = np.zeros(1 << (bits - 3), dtype=np.uint8)
        for values in self.sets.values():
            top = values >> self._shift
            np.bitwise_or.at(self._filter, (top >> np.uint64(3)).astype(np.int64),
                             (np.uint8(1) << (top & np.uint64(7)).astype(np.uint8)))  # fmt: skip

    def __bool__(self) -> bool:
        return any(s.size for s in self.sets.values())

    def hits(self, hashes: U64, skip: str | None = None) -> bool:
        """Whether any of ``hashes`` is a known value of an identifier other than ``skip``."""
        if not hashes.size or not self._filter.size:
            return False
        top = hashes >> self._shift
        maybe = (self._filter[(top >> np.uint64(3)).astype(np.int64)] >> (
            top & np.uint64(7)).astype(np.uint8)) & np.uint8(1)  # fmt: skip
        candidates = hashes[maybe.astype(bool)]
        if not candidates.size:
            return False
        for name, known in self.sets.items():
            if name == skip or not known.size:
                continue
            where = np.searchsorted(known, candidates)
            where[where == known.size] = 0
            if np.any(known[where] == candidates):
                return True
        return False
