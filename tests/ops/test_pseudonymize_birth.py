"""Tests for resident-ID birth dates: pure functions of the inputs, never in the future."""

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import medguard.ops.pseudonymize_resident_id as ps
from medguard.cn import resident_id
from medguard.errors import InvalidArgument
from medguard.ops.pseudonymize_resident_id import DEFAULT_BIRTH_AS_OF, PseudonymizeResidentID
from medguard.testing.keyrings import fixed_keyring

RING = fixed_keyring()
DAY_ONE = dt.date(2026, 12, 7)
BIRTHS = ("year", "window", "age_band", "keep")


def _id(born: dt.date, seed: int = 0, **kw) -> str:
    return resident_id.generate(random.Random(seed), birth_date=born, **kw)


def _birth(value: str) -> dt.date:
    return resident_id.parse(value, today=dt.date(9999, 1, 1)).birth_date


def _op(birth: str, **kw) -> PseudonymizeResidentID:
    return PseudonymizeResidentID(RING, birth=birth, **kw)


def test_a_newborn_gets_the_same_pseudonym_on_consecutive_days(monkeypatch):
    """Regression: the birth block was cut at today, so the pseudonym changed every day."""
    ids = [_id(dt.date(2026, 3, 1), s) for s in range(5)] + [_id(dt.date(2025, 6, 30), 9)]
    results = []
    for day in (DAY_ONE, DAY_ONE + dt.timedelta(days=1), dt.date(2031, 1, 1)):
        monkeypatch.setattr(ps, "_today", lambda day=day: day)
        for birth in ("year", "age_band", "window"):
            results.append((birth, _op(birth, today=day).apply(ids)))
    by_option: dict[str, list[list[str]]] = {}
    for birth, out in results:
        by_option.setdefault(birth, []).append(out)
    for birth, outs in by_option.items():
        assert outs[0] == outs[1] == outs[2], birth
        op = _op(birth, today=dt.date(2040, 1, 1))
        assert op.reverse(outs[0]) == ids  # any later day


@settings(max_examples=40, deadline=None)
@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=DAY_ONE),
    st.sampled_from(BIRTHS),
    st.sampled_from(["any", "province"]),
    st.integers(min_value=0, max_value=10**6),
    st.dates(min_value=DAY_ONE, max_value=dt.date(2060, 1, 1)),
)
def test_birth_dates_are_pure_never_future_and_reverse(born, birth, region, seed, later):
    """Output: valid, born no later than the input's block allows, the same on any day."""
    value = _id(born, seed)
    op = PseudonymizeResidentID(RING, birth=birth, region=region, allow_small_domain=True)
    first = op.apply(value)
    assert (
        PseudonymizeResidentID(
            RING, birth=birth, region=region, allow_small_domain=True, today=later
        ).apply(value)
        == first
    )
    assert resident_id.is_valid(first)
    after = _birth(first)
    assert after <= max(born, DEFAULT_BIRTH_AS_OF)
    assert after <= DAY_ONE
    if born > DEFAULT_BIRTH_AS_OF:
        assert after == born  # born after as_of: the date is kept
    if birth == "year":
        assert after.year == born.year
    if birth == "age_band":
        assert after.year // 5 == born.year // 5
    if birth == "keep":
        assert after == born
    assert op.reverse(first) == value


def test_as_of_cuts_the_blocks_and_keeps_later_births():
    """Births up to as_of move within blocks cut at as_of; later births keep their date."""
    as_of = dt.date(2026, 6, 30)
    early = [_id(dt.date(2026, 1 + s % 6, 1 + s), s) for s in range(20)]
    late = [_id(dt.date(2026, 7 + s % 5, 1 + s), s) for s in range(10)]
    op = PseudonymizeResidentID(RING, as_of=as_of, today=DAY_ONE)
    out = op.apply(early + late)
    assert all(_birth(o) <= as_of for o in out[:20])
    assert any(_birth(o) != _birth(e) for o, e in zip(out, early, strict=False))
    assert [_birth(o) for o in out[20:]] == [_birth(v) for v in late]
    assert [o[:6] for o in out[20:]] != [v[:6] for v in late]  # region and sequence still move
    assert op.reverse(out) == early + late


def test_complete_blocks_do_not_depend_on_as_of():
    """People born in a block that ends before as_of keep their pseudonym when as_of moves."""
    ids = [_id(dt.date(1980 + s, 1 + s % 12, 10), s) for s in range(30)]
    default = PseudonymizeResidentID(RING).apply(ids)
    assert PseudonymizeResidentID(RING, as_of=dt.date(2026, 11, 30)).apply(ids) == default


def test_an_as_of_in_the_future_is_refused():
    """as_of after today could give future birth dates: apply refuses it."""
    op = PseudonymizeResidentID(RING, as_of=dt.date(2099, 1, 1))
    with pytest.raises(InvalidArgument, match="as_of"):
        op.apply(_id(dt.date(1990, 1, 1)))
    with pytest.raises(InvalidArgument):
        PseudonymizeResidentID(RING, as_of="2025-12-31")  # type: ignore[arg-type]


def test_province_newborns_after_as_of_have_a_small_domain():
    """Kept date and kept province leave under a million values: masked unless accepted."""
    value = _id(dt.date(2026, 5, 5), 1, province="11")
    op = PseudonymizeResidentID(RING, region="province")
    out, report = op.apply_with_report([value])
    assert out == ["*" * 18]
    assert report.invalid == 1
    accepted = PseudonymizeResidentID(RING, region="province", allow_small_domain=True)
    fake = accepted.apply(value)
    assert fake[:2] == "11"
    assert _birth(fake) == dt.date(2026, 5, 5)
    assert accepted.reverse(fake) == value
