"""Parquet, one row group at a time with bounded buffering, nested columns read by path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medguard.io import limits
from medguard.io._common import Columns, _check_width, _need_arrow, _Note


def _parquet(
    path: Path, *, fmt: str, encoding: str | None, batch_rows: int, note: _Note
) -> Iterator[tuple[str, Columns]]:
    pa, _ = _need_arrow(path)
    batches = _parquet_batches(path, batch_rows)
    for batch in batches:
        columns: dict[str, Any] = {}
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            for column_path, values in _arrow_paths(pa, name, column, note):
                _put(pa, columns, column_path, values)
        _check_width(path, len(columns))
        yield "", Columns(columns, batch.num_rows)


def _open_parquet(path: Path) -> Any:
    """The file, opened to read with bounded buffering: ``pre_buffer`` off (pyarrow's default
    reads a whole row group's column chunks ahead, so memory grows with the row group) and a
    buffered stream of 1 MB per column."""
    _, pq = _need_arrow(path)
    return pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)


def _parquet_batches(
    path: Path, batch_rows: int, parquet: Any = None, columns: list[str] | None = None
) -> Iterator[Any]:
    """The file's record batches, one row group at a time, each at most ``batch_rows`` rows
    and about :data:`~medguard.io.limits.MAX_BATCH_BYTES` of decoded data: an oversized row
    group (a writer's choice, sometimes the whole file) is read in several smaller batches.

    One row group at a time because ``iter_batches`` over the whole file keeps what it has
    read until the end (memory grew with the file: 2 GB for a 9-million-row file).
    """
    parquet = parquet if parquet is not None else _open_parquet(path)
    for group in range(parquet.num_row_groups):
        meta = parquet.metadata.row_group(group)
        per_row = meta.total_byte_size / max(meta.num_rows, 1)
        rows = max(1, min(batch_rows, int(limits.MAX_BATCH_BYTES // max(per_row, 1.0))))
        yield from parquet.iter_batches(
            batch_size=rows, row_groups=[group], columns=columns, use_threads=False
        )


def _put(pa: Any, columns: dict[str, Any], name: str, values: Any) -> None:
    """Add a path's values; a path met twice (a field ``a.b`` and a struct ``a`` with a field
    ``b``) keeps both."""
    known = columns.get(name)
    if known is None:
        columns[name] = values
    else:
        columns[name] = pa.concat_arrays([known.cast(pa.large_string()),
                                          values.cast(pa.large_string())])  # fmt: skip


def _arrow_paths(pa: Any, path: str, array: Any, note: _Note) -> Iterator[tuple[str, Any]]:
    """``(path, string array)`` for every leaf of a column; a leaf that cannot be read as text
    is reported through ``note`` instead."""
    import pyarrow.compute as pc

    kind = array.type
    types = pa.types
    if isinstance(kind, pa.ExtensionType):
        yield from _arrow_paths(pa, path, array.storage, note)
    elif types.is_dictionary(kind):
        yield from _arrow_paths(pa, path, array.dictionary_decode(), note)
    elif types.is_string(kind) or types.is_large_string(kind):
        yield path, array
    elif types.is_null(kind):
        return  # nothing but nulls: nothing to read
    elif types.is_struct(kind):
        for field, child in zip(kind, array.flatten(), strict=True):
            yield from _arrow_paths(pa, f"{path}.{field.name}", child, note)
    elif types.is_map(kind):  # a list of {key, value}: name[].key, name[].value
        entries = pa.list_(pa.struct([kind.key_field, kind.item_field]))
        yield from _arrow_paths(pa, path, array.cast(entries), note)
    elif _is_list(types, kind):
        yield from _arrow_paths(pa, f"{path}[]", array.flatten(), note)
    elif types.is_floating(kind):
        yield path, _float_text(pa, pc, array)
    elif types.is_decimal(kind):
        yield path, pc.replace_substring_regex(pc.cast(array, pa.string()), r"\.0+$", "")
    elif _is_binary(types, kind):
        text = _binary_text(pa, pc, array)
        if text is None:
            note("", path, "binary values that are neither UTF-8 nor GB18030 text")
        else:
            yield path, text
    elif types.is_union(kind):
        note("", path, "a union column (not read)")
    else:  # integers (IDs, phones), booleans, dates, times, durations, string views
        try:
            yield path, pc.cast(array, pa.string())
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            note("", path, f"values of type {kind} (not read)")


def _is_list(types: Any, kind: Any) -> bool:
    return bool(
        types.is_list(kind) or types.is_large_list(kind) or types.is_fixed_size_list(kind)
        or types.is_list_view(kind) or types.is_large_list_view(kind)
    )  # fmt: skip


def _is_binary(types: Any, kind: Any) -> bool:
    return bool(
        types.is_binary(kind) or types.is_large_binary(kind)
        or types.is_fixed_size_binary(kind) or types.is_binary_view(kind)
    )  # fmt: skip


def _float_text(pa: Any, pc: Any, array: Any) -> Any:
    """Floats as text; integral ones as their digits (``13812345678``, not ``1.38e+10``)."""
    values = pc.cast(array, pa.float64())
    integral = pc.and_(pc.equal(pc.floor(values), values), pc.less(pc.abs(values), 9.2e18))
    digits = pc.cast(pc.cast(pc.if_else(integral, values, 0.0), pa.int64()), pa.string())
    return pc.if_else(integral, digits, pc.cast(values, pa.string()))


def _binary_text(pa: Any, pc: Any, array: Any) -> Any:
    """Binary values as text: UTF-8 when all are, else GB18030 when all are; else None."""
    if not pa.types.is_binary(array.type):
        array = (
            pc.cast(array, pa.large_binary()) if not pa.types.is_large_binary(array.type) else array
        )
    try:
        return pc.cast(
            array, pa.large_string() if pa.types.is_large_binary(array.type) else pa.string()
        )
    except pa.ArrowInvalid:
        pass
    try:
        return pa.array(
            [None if v is None else v.decode("gb18030") for v in array.to_pylist()], pa.string()
        )
    except UnicodeDecodeError:
        return None


def _text_column(kind: Any) -> bool:
    """Whether ``all_strings`` reads a column of this type as text: scalars (numbers, booleans,
    dates, times, durations, strings, dictionaries of them); not nested, binary or union
    columns, which stay as they are."""
    import pyarrow as pa

    types = pa.types
    if types.is_dictionary(kind):
        return _text_column(kind.value_type)
    if isinstance(kind, pa.ExtensionType):
        return _text_column(kind.storage_type)
    return not (types.is_nested(kind) or _is_binary(types, kind) or types.is_union(kind))


def _scalar_text(array: Any) -> Any:
    """A column of scalars as text, rendered as the scanner reads it (an integral float as its
    digits, a decimal without its zero fraction)."""
    import pyarrow as pa

    def refuse(table: str, column: str, reason: str) -> None:
        raise TypeError(reason)

    paths = list(_arrow_paths(pa, "", array, refuse))
    if not paths:  # a column of nulls only
        return pa.nulls(len(array), pa.string())
    return paths[0][1].cast(pa.string())
