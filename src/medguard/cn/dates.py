"""Calendar checks for dates embedded in identifiers: real dates, not in the future.

The column form works on whole numpy arrays of ``YYYYMMDD`` integers, so validating a million
resident IDs does not loop in Python.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["is_real_date", "parse_yyyymmdd", "real_dates_array", "today_yyyymmdd"]

_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def parse_yyyymmdd(text: str) -> dt.date | None:
    """The date written as ``YYYYMMDD``, or ``None`` if it is not a calendar date."""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_today_cache: tuple[float, int] = (0.0, 0)


def today_yyyymmdd() -> int:
    """Today as the integer ``YYYYMMDD``; asked of the clock at most once a minute."""
    global _today_cache
    now = time.monotonic()
    if now >= _today_cache[0]:
        today = dt.date.today()
        _today_cache = (now + 60.0, today.year * 10000 + today.month * 100 + today.day)
    return _today_cache[1]


def is_real_date(text: str, *, today: dt.date | None = None, earliest: int = 1800) -> bool:
    """True when ``YYYYMMDD`` is a real date between ``earliest``-01-01 and ``today``."""
    if len(text) != 8 or not (text.isdigit() and text.isascii()):
        return False
    value = int(text)
    year, month, day = value // 10000, value // 100 % 100, value % 100
    if year < earliest or not 1 <= month <= 12 or day < 1:
        return False
    leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if day > _MONTH_DAYS[month] + leap:
        return False
    limit = (
        today_yyyymmdd() if today is None else today.year * 10000 + today.month * 100 + today.day
    )
    return value <= limit


def real_dates_array(
    yyyymmdd: npt.NDArray[np.integer[Any]], *, today: dt.date | None = None, earliest: int = 1800
) -> npt.NDArray[np.bool_]:
    """Vectorized :func:`is_real_date` over an integer array of ``YYYYMMDD`` values."""
    values = np.asarray(yyyymmdd, dtype=np.int64)
    year, month, day = values // 10000, (values // 100) % 100, values % 100
    month_ok = (month >= 1) & (month <= 12)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days = _DAYS[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    limit = today or dt.date.today()
    not_future = values <= limit.year * 10000 + limit.month * 100 + limit.day
    result: npt.NDArray[np.bool_] = (
        month_ok & (day >= 1) & (day <= days) & (year >= earliest) & not_future
    )
    return result
