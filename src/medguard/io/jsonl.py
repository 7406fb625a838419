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
    encoding = encoding or detect_encoding(path)
    batch: list[dict[str, Any]] = []
    gathered: set[str] = set()  # paths holding several values in some record of the batch
    names: set[str] = set()
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
            flat = _flatten(record, gathered)
            _check_width(path, len(flat))
            batch.append(flat)
            if len(batch) >= batch_rows:
                yield "", _records(path, batch, gathered, names)
                batch, gathered = [], set()
    if batch:
        yield "", _records(path, batch, gathered, names)


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
