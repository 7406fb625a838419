"""One name for the person a row is about: ``subject`` (older names still accepted)."""

from __future__ import annotations

import pytest

from medguard.errors import InvalidArgument
from medguard.keys import Keyring
from medguard.ops.date_shift import DateShift


def test_date_shift_takes_subject_and_still_patients() -> None:
    """DateShift.apply/reverse/shifts take subject=; patients= (the older name) still works,
    with a DeprecationWarning."""
    shift = DateShift(Keyring.generate(), max_days=30)
    dates, people = ["2025-01-03", "2025-02-01"], ["p1", "p2"]
    by_position = shift.apply(dates, people)
    assert shift.apply(dates, subject=people) == by_position
    with pytest.warns(DeprecationWarning, match="patients= is deprecated"):
        assert shift.apply(dates, patients=people) == by_position
    assert shift.reverse(by_position, subject=people) == dates
    assert shift.apply_with_report(dates, subject=people)[0] == by_position
    with pytest.warns(DeprecationWarning, match="subject="):
        assert list(shift.shifts(subject=people)) == list(shift.shifts(patients=people))
    with pytest.raises(InvalidArgument, match="not both"):
        shift.apply(dates, people, patients=people)
    with pytest.raises(InvalidArgument, match="subject"):
        shift.apply(dates)


def test_generalizers_moved_to_ops_with_the_old_path_kept() -> None:
    """medguard.privacy.generalize re-exports the hierarchies that now live in medguard.ops."""
    from medguard.ops import generalize as new
    from medguard.privacy import generalize as old

    assert old.AgeBand is new.AgeBand
    assert old.GeneralizeRegion is new.GeneralizeRegion
    assert old.SUPPRESSED == new.SUPPRESSED


def test_dp_patient_keyword_still_works_with_a_warning() -> None:
    import pandas as pd

    from medguard.privacy import dp_count

    df = pd.DataFrame({"pid": ["a", "b", "b"]})
    with pytest.warns(DeprecationWarning, match="patient= is deprecated"):
        old = dp_count(df, patient="pid", epsilon=1.0, max_rows_per_patient=2)
    new = dp_count(df, subject="pid", epsilon=1.0, max_rows_per_patient=2)
    assert type(old) is type(new)
