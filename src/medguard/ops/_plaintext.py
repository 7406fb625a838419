"""Typed plaintext encoding: one tag byte, then the value's bytes, so types round-trip.

=====  ===============================  =========================================
tag    type                             body
=====  ===============================  =========================================
``s``  ``str``                          UTF-8
``b``  ``bytes`` / ``bytearray``        raw bytes
``i``  ``int`` (numpy integers too)     ASCII decimal (at most 4,300 digits)
``f``  ``float`` (numpy floats too)     8-byte IEEE 754 big-endian (exact)
``?``  ``bool``                         ``1`` or ``0``
``d``  ``datetime.date``                ISO 8601 ``YYYY-MM-DD``
``t``  ``datetime.datetime``            ISO 8601 with offset when aware
``T``  ``pandas.Timestamp``             ``<unit>|`` then ISO 8601 to the nanosecond
``n``  ``numpy.datetime64``             ``<unit>|`` then ``numpy.datetime_as_string``
``D``  ``decimal.Decimal``              its exact string form
=====  ===============================  =========================================

The tag is inside the ciphertext, so the type is authenticated and not visible. Timestamps
keep every digit (pandas and numpy nanoseconds included) and their unit; aware values keep
their UTC offset, not the name of their time zone (``Asia/Shanghai`` comes back as
``UTC+08:00``). Decrypting a ``T`` value needs pandas.
"""

from __future__ import annotations

import datetime as dt
import decimal
import operator
import struct
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from medguard.errors import DecryptionError, MissingDependency, UnsupportedColumn

__all__ = ["decode_value", "decode_values", "encode_value", "encode_values"]

_DOUBLE = struct.Struct(">d")
_STR_TAG = ord("s")
_first = operator.itemgetter(0)


def encode_value(value: Any, row: int | None = None) -> bytes:
    """Tagged bytes of one value; raises :class:`UnsupportedColumn` for other types."""
    if isinstance(value, str):
        return b"s" + value.encode("utf-8", "surrogatepass")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return b"b" + bytes(value)
    if isinstance(value, np.timedelta64):  # a numpy integer subclass, but not a number
        raise UnsupportedColumn(
            f"cannot encrypt a value of type timedelta64{_where(row)}: "
            "encrypt durations as numbers of a stated unit"
        )
    if isinstance(value, (bool, np.bool_)):
        return b"?1" if value else b"?0"
    if isinstance(value, (int, np.integer)):
        try:
            digits = str(int(value))
        except ValueError:  # beyond sys.get_int_max_str_digits(): it could not be read back
            raise UnsupportedColumn(
                f"cannot encrypt an integer of more than {sys.get_int_max_str_digits()} "
                f"digits{_where(row)}"
            ) from None
        return b"i" + digits.encode("ascii")
    if isinstance(value, (float, np.floating)):
        return b"f" + _DOUBLE.pack(float(value))
    if isinstance(value, dt.datetime):
        pd = sys.modules.get("pandas")
        if pd is not None and isinstance(value, pd.Timestamp):
            # Timestamp.isoformat has the nanoseconds datetime.fromisoformat would drop.
            return b"T" + f"{value.unit}|{value.isoformat()}".encode("ascii")
        return b"t" + value.isoformat().encode("ascii")
    if isinstance(value, np.datetime64):
        unit, count = np.datetime_data(value.dtype)
        if count != 1:  # e.g. datetime64[10ns]: store the plain unit, the instant is the same
            value = value.astype(f"M8[{unit}]")
        return b"n" + f"{unit}|{np.datetime_as_string(value)}".encode("ascii")
    if isinstance(value, dt.date):
        return b"d" + value.isoformat().encode("ascii")
    if isinstance(value, decimal.Decimal):
        return b"D" + str(value).encode("ascii")
    raise UnsupportedColumn(
        f"cannot encrypt a value of type {type(value).__name__}{_where(row)}: "
        "expected str, bytes, int, float, bool, date, datetime, pandas Timestamp, "
        "numpy datetime64 or Decimal"
    )


def _where(row: int | None) -> str:
    return f" (row {row})" if row is not None else ""


def _encode_fixed_ascii(values: Sequence[str]) -> list[bytes] | None:
    """Bulk path for equal-length ASCII strings (IDs, phone numbers): no per-value Python work."""
    lengths = set(map(len, values))
    if len(lengths) != 1:
        return None
    size = lengths.pop()
    joined = "".join(values)
    if not joined.isascii() or size == 0:
        return None
    arr = np.empty((len(values), size + 1), dtype=np.uint8)
    arr[:, 0] = _STR_TAG
    arr[:, 1:] = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(len(values), size)
    pieces: list[bytes] = arr.reshape(-1).view(f"V{size + 1}").tolist()
    return pieces


def _decode_fixed_ascii(data: Sequence[bytes]) -> list[str] | None:
    lengths = set(map(len, data))
    if len(lengths) != 1:
        return None
    size = lengths.pop()
    joined = b"".join(data)
    if size < 2 or not joined.isascii():
        return None
    arr = np.frombuffer(joined, dtype=np.uint8).reshape(len(data), size)
    if not (arr[:, 0] == _STR_TAG).all():
        return None
    if b"\n" not in joined:  # newline-separated text split in C
        lines = arr.copy()
        lines[:, 0] = ord("\n")
        pieces = lines.tobytes().decode("ascii").split("\n")
        return pieces[1:]
    text = np.ascontiguousarray(arr[:, 1:]).tobytes().decode("ascii")
    step = size - 1
    return [text[i : i + step] for i in range(0, len(text), step)]


def encode_values(values: Sequence[Any], rows: Sequence[int]) -> list[bytes]:
    """Tagged bytes of many values (fast paths when all are ``str``)."""
    if set(map(type, values)) == {str}:
        fixed = _encode_fixed_ascii(values) if len(values) >= 16 else None
        if fixed is not None:
            return fixed
        return [b"s" + v.encode("utf-8", "surrogatepass") for v in values]
    return [encode_value(v, r) for v, r in zip(values, rows, strict=True)]


def _datetime(body: bytes) -> dt.datetime:
    return dt.datetime.fromisoformat(body.decode("ascii"))


def _date(body: bytes) -> dt.date:
    return dt.date.fromisoformat(body.decode("ascii"))


def _timestamp(body: bytes) -> Any:
    unit, _, text = body.decode("ascii").partition("|")
    try:
        import pandas as pd
    except ImportError:
        raise MissingDependency(
            "pandas", extra="pandas", feature="decrypting a pandas Timestamp"
        ) from None
    if unit not in ("s", "ms", "us", "ns"):
        raise ValueError("bad unit")
    try:
        return pd.Timestamp(text).as_unit(unit)  # type: ignore[arg-type]
    except (TypeError, OverflowError) as exc:  # pandas' own parse errors are ValueErrors
        raise ValueError("bad timestamp") from exc


def _datetime64(body: bytes) -> Any:
    unit, _, text = body.decode("ascii").partition("|")
    if unit not in ("Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as"):
        raise ValueError("bad unit")
    return np.datetime64(text, unit)  # type: ignore[call-overload]


def _bool(body: bytes) -> bool:
    if body not in (b"0", b"1"):
        raise ValueError("bad bool")
    return body == b"1"


_DECODERS: dict[int, Callable[[bytes], Any]] = {
    ord("s"): lambda b: b.decode("utf-8", "surrogatepass"),
    ord("b"): bytes,
    ord("i"): lambda b: int(b.decode("ascii")),
    ord("f"): lambda b: _DOUBLE.unpack(b)[0],
    ord("?"): _bool,
    ord("d"): _date,
    ord("t"): _datetime,
    ord("T"): _timestamp,
    ord("n"): _datetime64,
    ord("D"): lambda b: decimal.Decimal(b.decode("ascii")),
}


def decode_value(data: bytes) -> Any:
    """The value a tagged plaintext holds; :class:`DecryptionError` if it is malformed."""
    try:
        return _DECODERS[data[0]](data[1:])
    except (IndexError, KeyError, ValueError, struct.error, decimal.InvalidOperation):
        raise DecryptionError("plaintext has an unknown type tag or a malformed body") from None


def decode_values(data: Sequence[bytes]) -> list[Any]:
    """Decode many tagged plaintexts (fast paths when all are ``str``)."""
    if set(map(_first, data)) == {_STR_TAG}:
        fixed = _decode_fixed_ascii(data) if len(data) >= 16 else None
        if fixed is not None:
            return fixed
        try:
            return [d[1:].decode("utf-8", "surrogatepass") for d in data]
        except UnicodeDecodeError:
            pass
    return [decode_value(d) for d in data]
