"""Column adapter: take a list, tuple, numpy array, pandas Series or pyarrow array, hand the
operation one numpy object array plus a null mask, and give the result back as the same kind.

Every column operation in medguard goes through :func:`as_column` so that "same kind in, same
kind out, nulls preserved" is implemented once. pandas and pyarrow are optional: they are only
looked up in ``sys.modules`` (a value cannot be a Series unless pandas is already imported).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.errors import UnsupportedColumn

__all__ = [
    "ColumnData",
    "as_column",
    "ascii_digits",
    "codepoint_groups",
    "encodable",
    "fixed_width_codes",
    "is_column",
    "is_null",
    "null_mask",
    "strings_from_codepoints",
]


def _pandas() -> Any:
    return sys.modules.get("pandas")


def _pyarrow() -> Any:
    return sys.modules.get("pyarrow")


def is_column(value: object) -> bool:
    """True when ``value`` is a column (not a scalar) that medguard column operations accept."""
    if isinstance(value, (str, bytes, bytearray)):
        return False
    if isinstance(value, (list, tuple, np.ndarray)):
        return True
    pd = _pandas()
    if pd is not None and isinstance(value, (pd.Series, pd.Index)):
        return True
    pa = _pyarrow()
    return pa is not None and isinstance(value, (pa.Array, pa.ChunkedArray))


def null_mask(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Null mask of a 1-D array: None, float NaN, pandas NA/NaT, numpy NaT (any dtype)."""
    if values.dtype.kind in "USbiuV":  # no null value exists in these dtypes
        return np.zeros(values.shape, dtype=bool)
    if values.dtype.kind in "fc":
        nan: npt.NDArray[np.bool_] = np.isnan(values)
        return nan
    if values.dtype.kind == "T":  # numpy StringDType
        na = getattr(values.dtype, "na_object", None)
        if na is None and not hasattr(values.dtype, "na_object"):
            return np.zeros(values.shape, dtype=bool)
        flags = np.frompyfunc(lambda v: v is na or v is None, 1, 1)(values)
        return np.asarray(flags, dtype=bool)
    if values.dtype.kind in "Mm":
        nat: npt.NDArray[np.bool_] = np.isnat(values)
        return nat
    pd = _pandas()
    try:
        # Element-wise comparisons run in C: None == None, and NaN is the value not equal to
        # itself. pd.NA (whose truth value is ambiguous) or an item whose ``==`` misbehaves
        # (a nested array) raises: then every item is looked at on its own.
        is_none = np.asarray(values == None, dtype=bool)  # noqa: E711
        is_nan = np.asarray(values != values, dtype=bool)
    except Exception:
        if pd is not None:
            return np.asarray(pd.isna(values), dtype=bool)
        return np.fromiter(map(_is_null_item, values.tolist()), dtype=bool, count=values.size)
    result: npt.NDArray[np.bool_] = is_none | is_nan
    if is_none.shape != values.shape:  # a comparison that did not run element-wise
        return np.fromiter(map(_is_null_item, values.tolist()), dtype=bool, count=values.size)
    if pd is not None and not result.all():
        result |= np.asarray(pd.isna(values), dtype=bool)  # pd.NA, pd.NaT
    return result


def is_null(value: object) -> bool:
    """True for one null value: None, float NaN, numpy NaN/NaT, pandas NA/NaT."""
    if _is_null_item(value):
        return True
    pd = _pandas()
    return pd is not None and (value is pd.NA or value is pd.NaT)


def _is_null_item(value: object) -> bool:
    """One item's nullness without pandas: None, float NaN, numpy NaT."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    if isinstance(value, (np.floating, np.datetime64, np.timedelta64)):
        return bool(np.isnan(value) if isinstance(value, np.floating) else np.isnat(value))
    return False


def encodable(value: str) -> bool:
    """True when ``value`` can be encoded (False for text holding a lone surrogate).

    Python strings may hold lone surrogates (``json.loads('"\\ud800"')``) that no Unicode
    encoding accepts; column operations treat such a value as invalid, never as an error
    about the whole column.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _objects(values: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    """An object array of the items, keeping every value exactly.

    ``astype(object)`` turns datetime64/timedelta64 of units finer than a microsecond (and
    values outside ``datetime``'s range) into bare integers; those keep their numpy scalars.
    """
    if values.dtype == np.dtype(object):
        return values
    if values.dtype.kind in "Mm":
        unit, count = np.datetime_data(values.dtype)
        objects = values.astype(object)
        if (
            unit in ("ns", "ps", "fs", "as")
            or count != 1
            or any(isinstance(v, int) for v in objects.tolist())
        ):
            return np.fromiter(values, dtype=object, count=values.shape[0])
        return objects
    return values.astype(object)


@dataclass(frozen=True)
class ColumnData:
    """A column unpacked for an operation.

    ``values`` is a 1-D numpy object array holding the original items (``None`` where null);
    ``nulls`` marks the null positions. :meth:`rebuild` turns the operation's output (an
    object array or list of the same length, ``None`` for nulls) back into the input's kind.
    """

    values: npt.NDArray[np.object_]
    nulls: npt.NDArray[np.bool_]
    _rebuild: Callable[[npt.NDArray[np.object_]], Any]

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def rebuild(self, out: npt.NDArray[Any] | Sequence[Any]) -> Any:
        """Return ``out`` as the same kind of column the input was, nulls kept as nulls."""
        arr = np.asarray(out, dtype=object) if not isinstance(out, np.ndarray) else out
        if arr.dtype != object:
            arr = arr.astype(object)
        if arr.shape != self.values.shape:
            raise UnsupportedColumn(
                f"operation returned {arr.shape[0]} values for a column of {len(self)}"
            )
        if self.nulls.any():
            arr = arr.copy()
            arr[self.nulls] = None
        return self._rebuild(arr)


def as_column(values: Any) -> ColumnData:
    """Unpack a column of any supported kind into a :class:`ColumnData`.

    Raises :class:`UnsupportedColumn` for scalars, mappings, and multi-dimensional arrays.
    """
    if isinstance(values, (list, tuple)):
        objects = np.fromiter(values, dtype=object, count=len(values))
        return _from_objects(objects, type(values) if isinstance(values, tuple) else list)
    if isinstance(values, np.ndarray):
        return _from_numpy(values)
    pd = _pandas()
    if pd is not None and isinstance(values, (pd.Series, pd.Index)):
        return _from_pandas(pd, values)
    pa = _pyarrow()
    if pa is not None and isinstance(values, (pa.Array, pa.ChunkedArray)):
        return _from_arrow(pa, values)
    raise UnsupportedColumn(
        f"expected a list, tuple, numpy array, pandas Series or pyarrow array, "
        f"got {type(values).__name__}"
    )


def _from_objects(arr: npt.NDArray[np.object_], kind: Callable[[Any], Any]) -> ColumnData:
    return ColumnData(arr, null_mask(arr), lambda out: kind(out.tolist()))


def _from_numpy(values: npt.NDArray[Any]) -> ColumnData:
    if values.ndim != 1:
        raise UnsupportedColumn(f"expected a 1-D array, got {values.ndim} dimensions")
    dtype = values.dtype
    objects = _objects(values)
    nulls = null_mask(values)

    def rebuild(out: npt.NDArray[np.object_]) -> Any:
        if dtype.kind == "U":
            return out.astype(str)
        if dtype.kind == "T":
            return out.astype(dtype)
        return out

    return ColumnData(objects, nulls, rebuild)


def _from_pandas(pd: Any, values: Any) -> ColumnData:
    objects = values.to_numpy(dtype=object, na_value=None)
    nulls = np.asarray(values.isna(), dtype=bool)
    is_string = pd.api.types.is_string_dtype(values.dtype)
    dtype = values.dtype if is_string else object

    def rebuild(out: npt.NDArray[np.object_]) -> Any:
        if isinstance(values, pd.Index):
            return pd.Index(out, name=values.name, dtype=dtype)
        return pd.Series(out, index=values.index, name=values.name, dtype=dtype)

    return ColumnData(objects, nulls, rebuild)


def _from_arrow(pa: Any, values: Any) -> ColumnData:
    objects = _objects(values.to_numpy(zero_copy_only=False))
    nulls = np.asarray(values.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    chunked = isinstance(values, pa.ChunkedArray)
    arrow_type = values.type
    keep_type = pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)

    def rebuild(out: npt.NDArray[np.object_]) -> Any:
        target = arrow_type if keep_type else None
        arr = pa.array(out, type=target, from_pandas=False)
        return pa.chunked_array([arr]) if chunked else arr

    return ColumnData(objects, nulls, rebuild)


def codepoint_groups(
    values: npt.NDArray[np.object_] | list[Any],
) -> dict[int, tuple[npt.NDArray[np.intp], npt.NDArray[Any]]]:
    """Group the string items of an object array by length, as code-point matrices.

    Returns ``{length: (rows, codes)}`` where ``codes`` is a ``(len(rows), length)`` matrix of
    Unicode code points: ``uint8`` when the group is pure ASCII, else ``uint32``. Non-strings
    (nulls, numbers) and strings holding a lone surrogate (see :func:`encodable`) belong to no
    group. This is the fast road from Python strings to numpy: one ``join`` and one encode per
    length.
    """
    items = values if isinstance(values, list) else values.tolist()
    n = len(items)
    try:  # the common case, all strings: len() through map runs at C speed
        if not all(map(str.__instancecheck__, items)):
            raise TypeError
        lengths = np.fromiter(map(len, items), dtype=np.int64, count=n)
    except TypeError:
        lengths = np.fromiter(
            (len(v) if isinstance(v, str) else -1 for v in items), dtype=np.int64, count=n
        )
    groups: dict[int, tuple[npt.NDArray[np.intp], npt.NDArray[Any]]] = {}
    for length in np.unique(lengths).tolist():
        if length <= 0:
            continue
        rows = np.flatnonzero(lengths == length)
        text = "".join(items if len(rows) == n else [items[i] for i in rows.tolist()])
        codes: npt.NDArray[Any]
        if text.isascii():
            codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(-1, length)
        else:
            try:
                data = text.encode("utf-32-le")
            except UnicodeEncodeError:  # a lone surrogate: that value's problem, not the group's
                rows = np.array([i for i in rows.tolist() if encodable(items[i])], dtype=np.intp)
                if not len(rows):
                    continue
                data = "".join([items[i] for i in rows.tolist()]).encode("utf-32-le")
            codes = np.frombuffer(data, dtype=np.uint32).reshape(-1, length)
        groups[length] = (rows, codes)
    return groups


def strings_from_codepoints(codes: npt.NDArray[Any]) -> list[str]:
    """Turn a ``(k, length)`` code-point matrix (uint8 or uint32) back into ``k`` strings."""
    k, length = codes.shape
    if k == 0:
        return []
    wide = np.ascontiguousarray(codes, dtype=np.uint32)
    if wide[:, -1].all():  # numpy makes the strings in C (it would drop a trailing NUL)
        strings: list[str] = wide.view(f"<U{length}").ravel().tolist()
        return strings
    text = wide.tobytes().decode("utf-32-le", "surrogatepass")
    return [text[i : i + length] for i in range(0, k * length, length)]


def ascii_digits(codes: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """Code points as a uint8 matrix with full-width digits and letters folded to ASCII.

    Rows holding any other non-ASCII character get 0xFF there, which no ASCII check accepts.
    """
    if codes.dtype == np.uint8:
        return codes
    if codes.max(initial=0) < 128:
        return codes.astype(np.uint8)
    wide = codes.astype(np.uint32)
    wide = np.where((wide >= 0xFF10) & (wide <= 0xFF5A), wide - 0xFEE0, wide)
    return np.where(wide < 128, wide, 0xFF).astype(np.uint8)


def fixed_width_codes(values: Any) -> tuple[npt.NDArray[Any], Callable[[Any], Any]] | None:
    """Zero-copy code points of a column whose strings all have the same length, or None.

    Takes a 1-D numpy unicode array (``uint8`` codes when ASCII, else ``uint32``) or a
    null-free pyarrow string array of ASCII values (its data buffer, ``uint8``). Returns the
    ``(n, length)`` matrix and a function that turns a result matrix (same number of rows, any
    width, ``uint8`` or ``uint32`` code points) back into the same kind of column. Columns
    with nulls, mixed lengths or (for pyarrow) non-ASCII text give None: use :func:`as_column`.
    """
    if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind == "U":
        width = values.dtype.itemsize // 4
        if width == 0 or len(values) == 0:
            return None
        wide = values.view(np.uint32).reshape(-1, width)
        if not wide[:, -1].all():
            return None  # shorter strings are NUL-padded: mixed lengths

        def to_numpy(out: Any) -> Any:
            out = np.ascontiguousarray(out, dtype=np.uint32)
            return out.view(f"<U{out.shape[1]}").reshape(-1)

        if wide.max() < 128:
            return wide.astype(np.uint8), to_numpy
        if ((wide >= 0xD800) & (wide <= 0xDFFF)).any():
            return None  # lone surrogates: the general path treats those values one by one
        return wide, to_numpy
    pa = _pyarrow()
    if pa is None or not isinstance(values, pa.Array) or not pa.types.is_string(values.type):
        return None
    n = len(values)
    if n == 0 or values.null_count or values.offset:
        return None
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32, count=n + 1)
    width = int(offsets[1] - offsets[0])
    if width == 0 or not (np.diff(offsets) == width).all():
        return None
    data = np.frombuffer(values.buffers()[2], np.uint8, count=n * width, offset=int(offsets[0]))
    if data.max() >= 128:
        return None

    def to_arrow(out: Any) -> Any:
        if out.dtype != np.uint8 or out.shape[1] != width:
            return pa.array(strings_from_codepoints(out), type=pa.string())
        body = np.ascontiguousarray(out)
        new_offsets = (offsets - offsets[0]).astype(np.int32)
        return pa.Array.from_buffers(
            pa.string(), n, [None, pa.py_buffer(new_offsets), pa.py_buffer(body)]
        )

    return data.reshape(n, width), to_arrow
