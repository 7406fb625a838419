"""Bulk url-safe base64 without padding, for many equal-length rows at C speed.

Encoding one value at a time costs more Python time than the AES-GCM call itself, so rows of
equal length are encoded together: padded to a multiple of 3 bytes, encoded in one
``binascii`` call, and cut back. Decoding is the mirror image and rejects non-canonical text
(stray characters, non-zero unused bits), so one ciphertext has exactly one text form.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from medguard.hazmat._rows import groups_by_length, length_groups, split_fixed, split_rows

__all__ = [
    "b64decode_rows",
    "b64encode_rows",
    "encoded_length",
    "length_groups",
    "split_fixed",
    "split_rows",
]

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_VALUE = np.full(256, 255, dtype=np.uint8)
_VALUE[np.frombuffer(_ALPHABET, dtype=np.uint8)] = np.arange(64, dtype=np.uint8)
_SMALL = 8  # below this many rows the per-row path is as fast


def encoded_length(size: int) -> int:
    """Characters of the unpadded base64 text of ``size`` bytes."""
    return (4 * size + 2) // 3


def b64encode_rows(
    rows: Sequence[bytes], prefix: str = "", *, heads: bytes = b"", head_size: int = 0
) -> list[str]:
    """``prefix + base64url(head_i + row_i)`` (no padding) for every row, in order.

    ``heads`` optionally holds a fixed-size leading part per row, back to back (e.g. the GCM
    nonces from one ``os.urandom`` call), so callers need not concatenate per row.
    """
    count_all = len(rows)
    if head_size and len(heads) != head_size * count_all:
        raise ValueError("heads must hold head_size bytes per row")
    if count_all < _SMALL:
        return [
            prefix
            + base64.urlsafe_b64encode(heads[i * head_size : (i + 1) * head_size] + row)
            .rstrip(b"=")
            .decode("ascii")
            for i, row in enumerate(rows)
        ]
    out: list[str] = [""] * count_all
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=count_all)
    head_arr = (
        np.frombuffer(heads, dtype=np.uint8).reshape(count_all, head_size) if head_size else None
    )
    if "\n" in prefix:
        raise ValueError("prefix must not contain a newline")
    pre = prefix.encode("ascii")
    for idx in groups_by_length(lengths):
        size = int(lengths[idx[0]]) + head_size
        count = len(idx)
        positions = idx.tolist()
        if count < _SMALL or size == 0:
            for i in positions:
                raw = heads[i * head_size : (i + 1) * head_size] + rows[i]
                out[i] = prefix + base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
            continue
        whole = count == count_all
        body = np.frombuffer(
            b"".join(rows if whole else [rows[i] for i in positions]), dtype=np.uint8
        )
        padded = -(-size // 3) * 3
        arr = np.zeros((count, padded), dtype=np.uint8)
        if head_arr is not None:
            arr[:, :head_size] = head_arr[idx]
        arr[:, head_size:size] = body.reshape(count, size - head_size)
        encoded = binascii.b2a_base64(arr.tobytes(), newline=False).translate(_TO_URLSAFE)
        width = encoded_length(size)
        chars = np.frombuffer(encoded, dtype=np.uint8).reshape(count, padded * 4 // 3)
        # One newline-separated text split in C: the alphabet and prefixes hold no newline.
        full = np.empty((count, len(pre) + width + 1), dtype=np.uint8)
        full[:, : len(pre)] = np.frombuffer(pre, dtype=np.uint8)
        full[:, len(pre) : -1] = chars[:, :width]
        full[:, -1] = ord("\n")
        pieces = full.tobytes().decode("ascii").split("\n")
        pieces.pop()
        if whole:
            return pieces
        for i, piece in zip(positions, pieces, strict=True):
            out[i] = piece
    return out


def _decode_block(
    body: npt.NDArray[np.uint8], width: int, padded_width: int
) -> tuple[bytes | None, npt.NDArray[np.bool_]]:
    """Decode equal-width rows; returns the bytes of the valid rows and the validity mask."""
    unused = (1 << (2 * (4 - width % 4))) - 1 if width % 4 else 0  # bits the last char wastes
    arr = np.full((body.shape[0], padded_width), ord("A"), dtype=np.uint8)
    arr[:, :width] = body
    buf = arr.tobytes()
    if b"+" not in buf and b"/" not in buf:
        try:  # optimistic: every row valid, one C call decodes them all
            data = binascii.a2b_base64(buf.translate(_FROM_URLSAFE), strict_mode=True)
        except binascii.Error:
            pass
        else:
            ok = (_VALUE[body[:, -1]] & unused) == 0
            if ok.all():
                return data, ok
    values = _VALUE[body]
    ok = (values != 255).all(axis=1)
    if unused:
        ok &= (values[:, -1] & unused) == 0
    if not ok.any():
        return None, ok
    data = binascii.a2b_base64(arr[ok].tobytes().translate(_FROM_URLSAFE), strict_mode=True)
    return data, ok


def _decode_one(text: str) -> bytes | None:
    """Per-value decoding for tiny inputs, with the same canonical-form rules."""
    if not text.isascii() or "+" in text or "/" in text or len(text) % 4 == 1 or not text:
        return None
    raw = text.encode("ascii").translate(_FROM_URLSAFE) + b"=" * (-len(text) % 4)
    try:
        data = binascii.a2b_base64(raw, strict_mode=True)
    except binascii.Error:
        return None
    canonical = base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
    return data if canonical == text else None


def b64decode_rows(texts: Sequence[str], prefix: str = "") -> tuple[list[bytes | None], list[int]]:
    """Decode ``prefix + base64url`` texts.

    Returns the bodies (``None`` where the text is not canonical unpadded base64url) and the
    positions whose text does not start with ``prefix`` (their body is ``None`` too).
    """
    count_all = len(texts)
    if count_all < _SMALL:
        small: list[bytes | None] = []
        missing: list[int] = []
        for i, text in enumerate(texts):
            if text.startswith(prefix):
                small.append(_decode_one(text[len(prefix) :]))
            else:
                small.append(None)
                missing.append(i)
        return small, missing
    out: list[bytes | None] = [None] * count_all
    unmatched: list[int] = []
    pre = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    skip = len(pre)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=count_all)
    for idx in groups_by_length(lengths):
        total = int(lengths[idx[0]])
        count = len(idx)
        chosen = texts if count == count_all else [texts[i] for i in idx.tolist()]
        joined = "".join(chosen).encode("ascii", "replace")
        chars = np.frombuffer(joined, dtype=np.uint8).reshape(count, total)
        if total < skip:
            unmatched.extend(idx.tolist())
            continue
        if skip:
            match = (chars[:, :skip] == pre).all(axis=1)
            if not match.all():
                unmatched.extend(idx[~match].tolist())
                idx, chars = idx[match], chars[match]
        width = total - skip
        if width % 4 == 1 or width == 0 or not len(idx):
            continue  # no byte string encodes to this length
        size = width * 3 // 4
        body = chars[:, skip:]
        padded_width = -(-width // 4) * 4
        data, ok = _decode_block(body, width, padded_width)
        if data is None:
            continue
        good_count = int(ok.sum())
        step = padded_width * 3 // 4
        if step == size:
            pieces = split_fixed(data, size)
        else:
            raw = np.frombuffer(data, dtype=np.uint8).reshape(good_count, step)[:, :size]
            pieces = split_fixed(np.ascontiguousarray(raw).tobytes(), size)
        if len(pieces) == count_all:
            return pieces, unmatched  # type: ignore[return-value]
        for i, piece in zip(idx[ok].tolist(), pieces, strict=True):
            out[i] = piece
    return out, unmatched
