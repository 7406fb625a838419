"""Retention: which rows have outlived their retention period and are due for destruction.

:func:`due_for_destruction` compares a timestamp column with one retention period, or with a
period per category (a mapping, or an :class:`~medguard.erase.policy.ErasurePolicy`'s
``retention``; ``"*"`` covers categories not listed). It takes a pandas DataFrame, a pyarrow
Table or RecordBatch, or a list of dicts, and returns the due rows as the same kind.

A row is due when ``timestamp + retention <= now``. Timestamps may be datetimes, dates, or ISO
8601 text; naive ones are taken as UTC. Rows without a timestamp are never due (look for them
with a null check: they cannot be judged). A category without a period raises
:class:`~medguard.errors.PolicyError` rather than guessing.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.erase.policy import ErasurePolicy, parse_period
from medguard.errors import InvalidArgument, PolicyError, UnsupportedColumn, redact_for_message

__all__ = ["due_for_destruction"]

Retention = dt.timedelta | int | float | str | Mapping[str, Any] | ErasurePolicy
_US = dt.timedelta(microseconds=1)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_PLAIN = re.compile(r"[A-Za-z0-9_.*-]{1,40}")


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _micros(moment: dt.datetime) -> int:
    return (_utc(moment) - _EPOCH) // _US


def _parse(value: Any, row: int) -> int | None:
    """Microseconds since the epoch (UTC) of one timestamp, ``None`` for a null."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    pd = sys.modules.get("pandas")
    if pd is not None and (value is pd.NaT or value is pd.NA):
        return None
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return int(value.astype("datetime64[us]").astype(np.int64))
    if isinstance(value, dt.datetime):
        return _micros(value)
    if isinstance(value, dt.date):
        return _micros(dt.datetime(value.year, value.month, value.day))
    if isinstance(value, str):
        try:
            return _micros(dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            pass
    raise InvalidArgument(f"row {row}: the timestamp is not a date, datetime or ISO 8601 text")


def _periods(retention: Retention, categories: list[Any] | None) -> npt.NDArray[np.int64] | int:
    """The retention in microseconds: one number, or one per row from its category."""
    table: Mapping[str, Any]
    if isinstance(retention, ErasurePolicy):
        table = retention.retention
    elif isinstance(retention, Mapping):
        table = retention
    else:
        return parse_period(retention, "retention") // _US
    periods = {str(k): parse_period(v, f"retention.{k}") // _US for k, v in table.items()}
    if categories is None:
        if "*" in periods:
            return periods["*"]
        raise InvalidArgument("retention per category needs category_column")
    fallback = periods.get("*")
    out = np.empty(len(categories), dtype=np.int64)
    for row, category in enumerate(categories):
        period = periods.get(str(category)) if category is not None else None
        if period is None:
            period = fallback
        if period is None:
            shown = (
                repr(category)
                if isinstance(category, str) and _PLAIN.fullmatch(category)
                else redact_for_message(category)
            )
            raise PolicyError(f"row {row}: category {shown} has no retention period and no '*'")
        out[row] = period
    return out


def _mask(
    stamps: npt.NDArray[np.int64],
    valid: npt.NDArray[np.bool_],
    periods: npt.NDArray[np.int64] | int,
    now: dt.datetime | None,
) -> npt.NDArray[np.bool_]:
    now_us = _micros(dt.datetime.now(dt.UTC) if now is None else now)
    due: npt.NDArray[np.bool_] = valid & (stamps <= now_us - periods)
    return due


def _python(values: Sequence[Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    parsed = [_parse(v, row) for row, v in enumerate(values)]
    valid = np.array([p is not None for p in parsed], dtype=bool)
    stamps = np.array([0 if p is None else p for p in parsed], dtype=np.int64)
    return stamps, valid


def _pandas_stamps(pd: Any, column: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    if column.dtype.kind == "M" or isinstance(column.dtype, pd.DatetimeTZDtype):
        stamps = column.dt.tz_localize("UTC") if column.dt.tz is None else column.dt.tz_convert(
            "UTC"
        )  # fmt: skip
        valid = stamps.notna().to_numpy()
        us = stamps.dt.as_unit("us").to_numpy(
            dtype="datetime64[us]", na_value=np.datetime64(0, "us")
        )
        return us.astype(np.int64), valid
    return _python(column.tolist())


def _arrow_stamps(pa: Any, column: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        if pa.types.is_timestamp(kind) and kind.tz is not None:
            target = pa.timestamp("us", tz="UTC")
        else:
            target = pa.timestamp("us")
        stamps = pc.cast(column, target)
        valid = np.asarray(pc.is_valid(stamps).to_numpy(zero_copy_only=False), dtype=bool)
        ints = pc.fill_null(stamps.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
        return np.asarray(ints, dtype=np.int64), valid
    return _python(column.to_pylist())


def due_for_destruction(
    frame_or_rows: Any,
    *,
    timestamp_column: str,
    retention: Retention,
    category_column: str | None = None,
    now: dt.datetime | None = None,
) -> Any:
    """The rows whose ``timestamp_column`` is older than their retention period at ``now``.

    ``retention`` is one period (a :class:`datetime.timedelta`, days, or ``"30d"`` /
    ``"10y"`` text), a mapping of category to period (``"*"`` for the rest), or an
    :class:`~medguard.erase.policy.ErasurePolicy`; per-category periods need
    ``category_column``. ``now`` defaults to the current time (naive means UTC). Returns the
    due rows as the same kind as the input: a pandas DataFrame (index kept), a pyarrow Table or
    RecordBatch, or a list of the input dicts.
    """
    if not isinstance(timestamp_column, str):
        raise InvalidArgument("timestamp_column must be a column name")
    pd = sys.modules.get("pandas")
    pa = sys.modules.get("pyarrow")
    if pd is not None and isinstance(frame_or_rows, pd.DataFrame):
        frame = frame_or_rows
        for name in (timestamp_column, category_column):
            if name is not None and name not in frame.columns:
                raise InvalidArgument(f"no column {name!r} in the frame")
        stamps, valid = _pandas_stamps(pd, frame[timestamp_column])
        categories = (
            None
            if category_column is None
            else [None if pd.isna(c) else c for c in frame[category_column].tolist()]
        )
        mask = _mask(stamps, valid, _periods(retention, categories), now)
        return frame[mask]
    if pa is not None and isinstance(frame_or_rows, pa.Table | pa.RecordBatch):
        table = frame_or_rows
        for name in (timestamp_column, category_column):
            if name is not None and name not in table.schema.names:
                raise InvalidArgument(f"no column {name!r} in the table")
        stamps, valid = _arrow_stamps(pa, table.column(timestamp_column))
        categories = None if category_column is None else table.column(category_column).to_pylist()
        mask = _mask(stamps, valid, _periods(retention, categories), now)
        return table.filter(pa.array(mask))
    if isinstance(frame_or_rows, list | tuple):
        rows = list(frame_or_rows)
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise UnsupportedColumn(f"row {i} is not a mapping (a dict of column to value)")
            if timestamp_column not in row or (
                category_column is not None and category_column not in row
            ):
                raise InvalidArgument(f"row {i} lacks the timestamp or category column")
        stamps, valid = _python([row[timestamp_column] for row in rows])
        categories = None if category_column is None else [row[category_column] for row in rows]
        mask = _mask(stamps, valid, _periods(retention, categories), now)
        return [row for row, due in zip(rows, mask.tolist(), strict=True) if due]
    raise UnsupportedColumn(
        "due_for_destruction takes a pandas DataFrame, a pyarrow Table or RecordBatch, or a "
        "list of dicts"
    )
