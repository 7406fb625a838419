"""JSON Lines, streamed line by line; nested values flattened by path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medguard.errors import UnreadableInput
from medguard.io._common import Columns, _check_width, _lines, _Note, _number_text
from medguard.io.formats import detect_encoding


def _jsonl(
    path: Path, *, fmt: str, encoding: str | None, batch_rows: int, note: _Note
) -> Iterator[tuple[str, Columns]]:
    batch: list[dict[str, Any]] = []
    gathered: set[str] = set()  # paths holding several values in some record of the batch
    names: set[str] = set()
    for _, record, _ in _json_records(path, encoding):
        flat = _flatten(record, gathered)
        _check_width(path, len(flat))
        batch.append(flat)
        if len(batch) >= batch_rows:
            yield "", _records(path, batch, gathered, names)
            batch, gathered = [], set()
    if batch:
        yield "", _records(path, batch, gathered, names)


def _json_records(path: Path, encoding: str | None) -> Iterator[tuple[int, Any, int]]:
    """``(line number, value, line length)`` for each non-blank line, one line in memory at a
    time."""
    encoding = encoding or detect_encoding(path)
    with path.open(encoding=encoding) as f:
        for line_no, line in enumerate(_lines(f, path), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UnreadableInput(str(path), f"line {line_no}: not JSON ({exc.msg})") from None
            except RecursionError:
                raise UnreadableInput(str(path), f"line {line_no}: nested too deeply") from None
            yield line_no, record, len(line)


def _jsonl_table(
    path: Path, encoding: str | None, batch_rows: int, schema: Any, all_strings: bool
) -> tuple[Any, Iterator[Any]]:
    """The schema and the record batches of a JSON Lines file, read with a fixed schema.

    Each line's object is a row, its keys the columns (nested objects and arrays stay nested:
    structs and lists); a line holding another value is a row with one column ``value``. The
    schema is ``schema`` when given, else inferred from the first batch (pyarrow's inference:
    ``1`` and ``2.5`` in one column unify to ``float64``; values that do not unify, such as a
    number and a string, make the column a string column holding each value's JSON text).
    Later batches are built to that schema: a key it does not have, or a value that does not
    fit its column's type, raises :class:`UnreadableInput` naming the column and line.
    ``all_strings``: every value is text (a string as is, anything else as its JSON text).
    """
    import pyarrow as pa

    records = _json_records(path, encoding)
    held = [_take(records, batch_rows)]
    if not held[0]:
        return pa.schema([]), iter(())
    if schema is None:
        schema = _infer_schema(path, held[0], all_strings)

    def batches() -> Iterator[Any]:
        batch = held.pop()  # not kept once read
        while batch:
            yield _record_batch(path, schema, batch, all_strings)
            batch = _take(records, batch_rows)

    return schema, batches()


#: Characters of JSON text in one batch at most: a wide or long-valued file gets fewer rows per
#: batch (parsed records take ten times their text's size as Python objects).
_BATCH_CHARS = 8 * 2**20


def _take(records: Iterator[tuple[int, Any, int]], rows: int) -> list[tuple[int, Any]]:
    batch: list[tuple[int, Any]] = []
    chars = 0
    for line_no, record, size in records:
        batch.append((line_no, record))
        chars += size
        if len(batch) >= rows or chars >= _BATCH_CHARS:
            break
    return batch


def _rows(batch: list[tuple[int, Any]]) -> list[dict[str, Any]]:
    return [record if type(record) is dict else {"value": record} for _, record in batch]


def _json_text_value(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _infer_schema(path: Path, batch: list[tuple[int, Any]], all_strings: bool) -> Any:
    import pyarrow as pa

    rows = _rows(batch)
    names = list(dict.fromkeys(key for row in rows for key in row))
    _check_width(path, len(names))
    fields = []
    for name in names:
        values = [row.get(name) for row in rows]
        if all_strings:
            kind = pa.string()
        else:
            try:
                kind = pa.array(values).type
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                kind = pa.string()  # values that do not unify: their JSON text
            if pa.types.is_null(kind):
                kind = pa.string()
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def _record_batch(path: Path, schema: Any, batch: list[tuple[int, Any]], all_strings: bool) -> Any:
    import pyarrow as pa

    rows = _rows(batch)
    known = set(schema.names)
    extra = set().union(*rows) - known  # one pass in C; the line is looked for only if needed
    for (line_no, _), row in zip(batch, rows, strict=True) if extra else ():
        for key in row:
            if key not in known:
                raise UnreadableInput(
                    str(path),
                    f"line {line_no}: a column {key!r} that the first rows did not have (the "
                    "schema is fixed from the first batch: give it in schema=, or read with a "
                    "larger batch_rows)",
                )
    try:  # the common case, in C++: every value already fits its column
        return pa.RecordBatch.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        pass  # column by column: JSON text for string columns, or an error naming the column
    arrays = []
    for field in schema:
        values = [row.get(field.name) for row in rows]
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            values = [_json_text_value(v) for v in values]
        try:
            arrays.append(pa.array(values, type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            first, last = batch[0][0], batch[-1][0]
            raise UnreadableInput(
                str(path),
                f"lines {first}-{last}: a value of column {field.name!r} is not {field.type} "
                "(the type the first rows gave it: give its type in schema=, or read with "
                "all_strings=True)",
            ) from None
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


_DEEP = 100  # nesting past which a value is walked with a stack, not recursion


def _flatten(record: Any, gathered: set[str]) -> dict[str, Any]:
    """Every string and number of a JSON value, by path: ``a.b``, ``items[].code``,
    ``matrix[][]``.

    An object's fields are named by key (the top-level object's without a prefix); a value on
    a line that is not an object is ``value``. Every item of an array goes to the same path,
    so one column gathers them all. A path met once maps to its text, a path met more often
    to a list of them (and is added to ``gathered``).
    """
    out: dict[str, Any] = {}
    if type(record) is dict:
        _walk_object(record, "", out, gathered, 0)
    else:
        _walk(record, "value", out, gathered, 0)
    return out


def _walk_object(
    obj: dict[str, Any], prefix: str, out: dict[str, Any], gathered: set[str], depth: int
) -> None:
    for key, value in obj.items():
        path = prefix + key
        if type(value) is str:  # the common case first, without a call
            if path in out:
                _add(out, gathered, path, value)
            else:
                out[path] = value
        else:
            _walk(value, path, out, gathered, depth + 1)


def _walk(value: Any, path: str, out: dict[str, Any], gathered: set[str], depth: int) -> None:
    if depth > _DEEP:
        _walk_deep(value, path, out, gathered)
    elif type(value) is dict:
        _walk_object(value, path + ".", out, gathered, depth)
    elif type(value) is list:
        inner = path + "[]"
        for item in value:
            _walk(item, inner, out, gathered, depth + 1)
    else:
        text = _json_text(value)
        if text is not None:
            _add(out, gathered, path, text)


def _walk_deep(value: Any, path: str, out: dict[str, Any], gathered: set[str]) -> None:
    """:func:`_walk` with a stack, for values nested deeper than recursion should go."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{path}.{k}", v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{path}[]", v) for v in reversed(value))
        else:
            text = _json_text(value)
            if text is not None:
                _add(out, gathered, path, text)


def _add(out: dict[str, Any], gathered: set[str], path: str, text: str) -> None:
    known = out.get(path)
    if known is None:
        out[path] = text
    elif type(known) is list:
        known.append(text)
    else:
        out[path] = [known, text]
        gathered.add(path)


def _json_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    return None


def _records(
    path: Path, batch: list[dict[str, Any]], gathered: set[str], names: set[str]
) -> Columns:
    """The batch's records as columns; ``names`` gathers every column name met so far."""
    order = list(dict.fromkeys(key for record in batch for key in record))
    names.update(order)
    _check_width(path, len(names))
    columns: dict[str, Any] = {}
    for name in order:
        if name in gathered:
            values: list[Any] = []
            for record in batch:
                value = record.get(name)
                if type(value) is list:
                    values.extend(value)
                elif value is not None:
                    values.append(value)
            columns[name] = values
        else:
            columns[name] = [record.get(name) for record in batch]
    try:
        import pyarrow as pa
    except ImportError:
        return Columns(columns, len(batch))
    for name, values in columns.items():  # Arrow arrays are filtered in C++ (faster scans)
        columns[name] = pa.array(values, pa.string())
    return Columns(columns, len(batch))
