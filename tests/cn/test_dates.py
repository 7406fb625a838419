"""Tests for medguard.cn.dates: the scalar and column checks agree with the calendar."""

import datetime as dt

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from medguard.cn import dates

TODAY = dt.date(2026, 11, 22)


def _reference(text: str, earliest: int) -> bool:
    try:
        value = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return earliest <= value.year and value <= TODAY


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.integers(1800, 2000))
def test_scalar_and_column_checks_match_the_calendar(text, earliest):
    """is_real_date and real_dates_array say what datetime says, leap years included."""
    expected = _reference(text, earliest)
    assert dates.is_real_date(text, today=TODAY, earliest=earliest) is expected
    column = dates.real_dates_array(np.array([int(text)]), today=TODAY, earliest=earliest)
    assert bool(column[0]) is expected


@given(st.dates(dt.date(1800, 1, 1), dt.date(2100, 12, 31)))
def test_every_calendar_date_is_real_until_today(day):
    """Every real date up to today passes; every later one fails."""
    assert dates.is_real_date(f"{day:%Y%m%d}", today=TODAY) is (day <= TODAY)


def test_today_is_cached_but_right():
    """today_yyyymmdd is today's date as an integer."""
    today = dt.date.today()
    assert dates.today_yyyymmdd() == today.year * 10000 + today.month * 100 + today.day
    assert not dates.is_real_date("2026022", today=TODAY)  # 7 digits
    assert not dates.is_real_date("２０２６０２２２", today=TODAY)  # full-width is not folded here
