"""Calendar checks for dates embedded in identifiers: real dates, not in the future.

The column form works on whole numpy arrays of ``YYYYMMDD`` integers, so validating a million
resident IDs does not loop in Python.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

__all__ = ["is_real_date", "parse_yyyymmdd", "real_dates_array"]

_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def parse_yyyymmdd(text: str) -> dt.date | None:
    """The date written as ``YYYYMMDD``, or ``None`` if it is not a calendar date."""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def is_real_date(text: str, *, today: dt.date | None = None, earliest: int = 1800) -> bool:
    """True when ``YYYYMMDD`` is a real date between ``earliest``-01-01 and ``today``."""
    date = parse_yyyymmdd(text)
    if date is None or date.year < earliest:
        return False
    return date <= (today or dt.date.today())


def real_dates_array(
    yyyymmdd: npt.NDArray[np.integer], *, today: dt.date | None = None, earliest: int = 1800
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
