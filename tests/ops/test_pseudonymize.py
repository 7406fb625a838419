"""Tests for the pseudonymizers: surrogates validate, keep what they promise, reverse."""

import datetime as dt
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.cn import bank_card, names, passport, phone, resident_id, uscc
from medguard.errors import DomainTooSmall, InvalidArgument, InvalidIdentifier
from medguard.keys import Keyring
from medguard.ops.date_shift import DateShift
from medguard.ops.pseudonymize_name import PseudonymizeName
from medguard.ops.pseudonymize_numbers import (
    PseudonymizeBankCard,
    PseudonymizeDigits,
    PseudonymizePassport,
    PseudonymizeUSCC,
)
from medguard.ops.pseudonymize_phone import PseudonymizePhone
from medguard.ops.pseudonymize_resident_id import PseudonymizeResidentID
from medguard.testing.keyrings import fixed_keyring

RING = fixed_keyring()
seeds = st.integers(min_value=0, max_value=2**32)


def _ids(seed, n=40, **kw):
    rng = random.Random(seed)
    return [resident_id.generate(rng, **kw) for _ in range(n)]


@settings(max_examples=25)
@given(
    seeds,
    st.sampled_from(["any", "province"]),
    st.sampled_from(["year", "window", "age_band", "keep"]),
)
def test_resident_id_surrogates_validate_keep_and_reverse(seed, region, birth):
    """Surrogate IDs validate, keep sex (and province / year when asked) and reverse exactly."""
    ids = _ids(seed)
    op = PseudonymizeResidentID(RING, region=region, birth=birth, allow_small_domain=True)
    out = op.apply(ids)
    assert resident_id.is_valid_array(out).all()
    assert op.reverse(out) == ids
    for before, after in zip(map(resident_id.parse, ids), map(resident_id.parse, out), strict=True):
        assert before.sex == after.sex
        assert after.region is not None  # a real GB/T 2260 code
        if region == "province":
            assert before.province == after.province
        if birth == "year":
            assert before.birth_date.year == after.birth_date.year
        if birth == "keep":
            assert before.birth_date == after.birth_date
        if birth == "age_band":
            assert before.birth_date.year // 5 == after.birth_date.year // 5


def test_resident_id_is_a_bijection_on_a_small_domain():
    """With region and birth date kept, the 500 same-sex sequences map one-to-one."""
    base = "11010519800101"
    ids = [f"{base}{s:03d}" for s in range(0, 1000, 2)]
    ids = [i + resident_id.check_character(i) for i in ids]
    op = PseudonymizeResidentID(RING, region="keep", birth="keep", allow_small_domain=True)
    out = op.apply(ids)
    assert sorted(out) == sorted(ids)
    assert op.reverse(out) == ids
    with pytest.raises(DomainTooSmall):  # every domain is small: refused when built
        PseudonymizeResidentID(RING, region="keep", birth="keep")


def test_permits_keep_prefix_and_legacy_ids_come_out_in_18():
    """HMT permits keep their 81/82/83 prefix; 15-digit IDs are pseudonymized in 18 form.

    A permit keeps its prefix, so within one birth year only 182,500 values remain: a small
    domain the caller must accept explicitly; without it each permit is masked and counted
    (the rest of the column is pseudonymized), and strict=True names the row.
    """
    permits = _ids(5, 10, kind="hmt_permit")
    ordinary = _ids(6, 1)[0]
    out, report = PseudonymizeResidentID(RING).apply_with_report([ordinary, *permits])
    assert out[1:] == ["*" * 18] * 10
    assert resident_id.is_valid(out[0])
    assert (report.invalid, report.pseudonymized) == (10, 1)
    with pytest.raises(InvalidIdentifier, match="allow_small_domain") as exc:
        PseudonymizeResidentID(RING, strict=True).apply([ordinary, *permits])
    assert exc.value.row == 1
    out = PseudonymizeResidentID(RING, allow_small_domain=True).apply(permits)
    assert [o[:6] for o in out] == [p[:6] for p in permits]
    legacy = resident_id.to_18("110105491231002")[:6] + "491231002"
    result = PseudonymizeResidentID(RING).apply(legacy)
    assert len(result) == 18
    assert resident_id.is_valid(result)


def test_consistency_and_context_separation():
    """Same input, key and context → same pseudonym; another context or key → another one."""
    ids = _ids(1, 20)
    a = PseudonymizeResidentID(RING, context="recipient-A").apply(ids)
    assert PseudonymizeResidentID(RING, context="recipient-A").apply(ids) == a
    b = PseudonymizeResidentID(RING, context="recipient-B").apply(ids)
    assert sum(x == y for x, y in zip(a, b, strict=True)) == 0
    other = PseudonymizeResidentID(Keyring.generate(), context="recipient-A").apply(ids)
    assert other != a


def test_one_way_mode_validates_and_refuses_reverse():
    """One-way surrogates still validate and are deterministic, but cannot be reversed."""
    ids = _ids(2, 30)
    op = PseudonymizeResidentID(RING, one_way=True)
    out = op.apply(ids)
    assert out == op.apply(ids)
    assert resident_id.is_valid_array(out).all()
    assert out != PseudonymizeResidentID(RING).apply(ids)
    with pytest.raises(InvalidArgument):
        op.reverse(out)


def test_invalid_input_is_masked_counted_or_raises():
    """Bad IDs never pass through: masked and counted, or InvalidIdentifier in strict mode."""
    op = PseudonymizeResidentID(RING)
    out, report = op.apply_with_report(["110105194912310021", None, 12345, _ids(3, 1)[0]])
    assert out[:3] == ["*" * 18, None, "*****"]
    assert (report.invalid, report.nulls, report.pseudonymized) == (2, 1, 1)
    assert report.key_id == "test1"
    with pytest.raises(InvalidIdentifier) as exc:
        PseudonymizeResidentID(RING, strict=True).apply(["11010519491231002X", "bad"])
    assert exc.value.row == 1


def test_column_kinds():
    """numpy, pandas and pyarrow columns come back as the same kind with nulls."""
    ids = [*_ids(4, 3), None]
    op = PseudonymizeResidentID(RING)
    expected = op.apply(ids)
    assert op.apply(np.array(ids, dtype=object)).tolist() == expected
    assert op.apply(pa.array(ids)).to_pylist() == expected
    series = op.apply(pd.Series(ids, name="id_no"))
    assert series.name == "id_no"
    assert series.tolist()[:3] == expected[:3]


@given(seeds, st.booleans())
def test_phone_surrogates(seed, keep_segment):
    """Mobiles stay allocated mobiles (segment kept on request), landlines keep area codes."""
    rng = random.Random(seed)
    mobiles = [phone.generate(rng) for _ in range(20)]
    landlines = [phone.generate(rng, kind="landline") for _ in range(5)]
    op = PseudonymizePhone(RING, keep_segment=keep_segment)
    out = op.apply(mobiles + landlines)
    assert all(phone.is_mobile(o) for o in out[:20])
    assert all(phone.is_landline(o) for o in out[20:])
    assert [o.split("-")[0] for o in out[20:]] == [x.split("-")[0] for x in landlines]
    if keep_segment:
        assert [o[:3] for o in out[:20]] == [m[:3] for m in mobiles]
    assert op.reverse(out)[:20] == mobiles


@given(seeds)
def test_card_uscc_passport_digits(seed):
    """Cards keep BIN and Luhn, credit codes validate, passports keep kind, MRNs keep shape."""
    rng = random.Random(seed)
    cards = [bank_card.generate(rng) for _ in range(10)]
    out = PseudonymizeBankCard(RING).apply(cards)
    assert all(bank_card.is_valid(o) for o in out)
    assert [o[:6] for o in out] == [c[:6] for c in cards]
    codes = [uscc.generate(rng) for _ in range(10)]
    out = PseudonymizeUSCC(RING).apply(codes)
    assert all(uscc.is_valid(o) for o in out)
    assert PseudonymizeUSCC(RING).reverse(out) == codes
    docs = [passport.generate(rng, kind="hk_macao_permit") for _ in range(10)]
    out = PseudonymizePassport(RING).apply(docs)
    assert [passport.parse(o).prefix for o in out] == [passport.parse(d).prefix for d in docs]
    mrns = [f"{rng.randrange(10**9):09d}" for _ in range(10)]
    op = PseudonymizeDigits(RING)
    out = op.apply(mrns)
    assert [len(o) for o in out] == [9] * 10
    assert all(o.isdigit() for o in out)
    assert op.reverse(out) == mrns


def test_names_are_plausible_consistent_and_one_way():
    """Name pseudonyms are valid names, stable across calls, keep surname/sex when asked."""
    rng = random.Random(9)
    people = [names.generate(rng) for _ in range(30)]
    op = PseudonymizeName(RING)
    out = op.apply(people)
    assert out == op.apply(people)
    assert all(names.is_valid(o) for o in out)
    kept = PseudonymizeName(RING, keep_surname=True).apply(people)
    assert [names.split_name(k)[0] for k in kept] == [names.split_name(p)[0] for p in people]
    with pytest.raises(InvalidArgument):
        op.reverse(out)


def test_date_shift_keeps_intervals_per_patient():
    """All dates of one patient move by the same non-zero shift; reverse restores them."""
    shift = DateShift(RING, max_days=30, strict=True)
    dates = [dt.date(2025, 1, 1), dt.date(2025, 1, 15), "2025-03-01", None]
    patients = ["P1", "P1", "P2", "P2"]
    out = shift.apply(dates, patients)
    assert (out[1] - out[0]).days == 14
    assert out[0] != dates[0]
    assert abs((out[0] - dates[0]).days) <= 30
    assert isinstance(out[2], str)
    assert out[3] is None
    assert shift.reverse(out, patients) == dates
    as_numpy = shift.apply(
        np.array(["2025-01-01", "2025-01-15"], dtype="datetime64[D]"), ["P1", "P1"]
    )
    assert (as_numpy[1] - as_numpy[0]).astype(int) == 14
    with pytest.raises(InvalidIdentifier):
        shift.apply(["not a date"], ["P1"])


@pytest.mark.parametrize("keep_segment", [False, True])
def test_vectorized_mobiles_match_the_per_value_path(keep_segment):
    """The column fast path for compact mobiles gives exactly the per-value pseudonyms."""
    rng = random.Random(11)
    mobiles = [phone.generate(rng) for _ in range(300)]
    op = PseudonymizePhone(RING, keep_segment=keep_segment)
    formatted = [f"+86 {m[:3]}-{m[3:7]}-{m[7:]}" for m in mobiles]  # forces the per-value path
    assert op.apply(mobiles) == op.apply(formatted)
