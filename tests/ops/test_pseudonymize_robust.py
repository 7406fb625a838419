"""Tests for the pseudonymizers: an unusable value is its own problem, not the column's."""

import copy
import datetime as dt
import json
import pickle
import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.cn import bank_card, passport, phone, resident_id, uscc
from medguard.errors import DomainTooSmall, InvalidArgument, InvalidIdentifier, MedguardError
from medguard.hazmat.ff1 import FF1
from medguard.ops._permutation import IndexMap
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
SURROGATE = json.loads('"\\ud800"')
ID = "11010519491231002X"
MOBILE = "13800138000"
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

OPS = [
    (PseudonymizeResidentID(RING), ID),
    (PseudonymizePhone(RING), MOBILE),
    (PseudonymizeBankCard(RING), "6222021234567890128"),
    (PseudonymizeUSCC(RING), "91350100M000100Y43"),
    (PseudonymizePassport(RING), "E12345678"),
    (PseudonymizeDigits(RING), "5110365685"),
    (PseudonymizeName(RING), "张三丰"),
]
OP_IDS = [type(op).__name__ for op, _ in OPS]


@pytest.mark.parametrize(("op", "good"), OPS, ids=OP_IDS)
def test_a_lone_surrogate_is_masked_not_a_unicode_error(op, good):
    """A lone surrogate is masked and counted; the error never carries other values."""
    out, report = op.apply_with_report([good, SURROGATE + good, "x" + SURROGATE])
    assert out[0] != good
    assert "*" not in out[0]
    assert out[1:] == ["*" * (len(good) + 1), "**"]
    assert report.invalid == 2
    with pytest.raises(InvalidIdentifier) as exc:
        type(op)(RING, strict=True).apply([good, SURROGATE])
    assert exc.value.row == 1
    assert good not in str(exc.value)
    assert good not in repr(exc.value.args)


@pytest.mark.parametrize(("op", "good"), OPS, ids=OP_IDS)
def test_nulls_bytes_and_numbers_in_a_plain_list(op, good):
    """pd.NA, NaN, None, NaT are nulls; bytes and numbers are masked and counted."""
    values = [good, pd.NA, float("nan"), None, pd.NaT, b"\xff\xfe", 12345, 1.5, True]
    out, report = op.apply_with_report(values)
    assert out[1:5] == [None] * 4
    assert out[5:] == ["**", "*****", "***", "****"]
    assert (report.nulls, report.invalid, report.pseudonymized) == (4, 4, 1)
    assert op.apply((good, pd.NA)) == (out[0], None)
    assert op.apply(pd.NA) is None
    with pytest.raises(InvalidIdentifier) as exc:
        type(op)(RING, strict=True).apply([good, None, b"x"])
    assert exc.value.row == 2


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.none(),
            st.just(float("nan")),
            st.just(pd.NA),
            st.binary(max_size=5),
            st.integers(),
            st.floats(),
            st.sampled_from(
                [
                    ID,
                    MOBILE,
                    SURROGATE,
                    "１１０１０５１９４９１２３１００２Ｘ",
                    "9" * 100_000,
                    10**5000,
                ]
            ),
        ),
        max_size=12,
    ),
    st.sampled_from(range(len(OPS))),
)
def test_any_value_gives_a_result_or_a_medguard_error(values, which):
    """Over a broad strategy no pseudonymizer raises anything but a MedguardError."""
    op = OPS[which][0]
    try:
        out, report = op.apply_with_report(values)
    except MedguardError:  # pragma: no cover - strict is off: nothing should be raised
        pytest.fail("a non-strict pseudonymizer raised")
    assert len(out) == len(values)
    assert report.total == len(values)
    assert report.nulls + report.invalid + report.pseudonymized == len(values)


def test_full_width_ids_pseudonymize_like_their_half_width_form():
    """A full-width 18-character ID that parse() accepts gets the pseudonym of its ASCII form."""
    wide = ID.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert resident_id.parse(wide).number == ID
    op = PseudonymizeResidentID(RING)
    assert op.apply([wide, ID]) == [op.apply(ID)] * 2
    assert op.apply(ID[:17] + "x") == op.apply(ID)


def test_residence_permits_do_not_fail_the_column():
    """One HK/Macao/Taiwan permit in a column is masked and counted, even under strict=False."""
    born = dt.date(1990, 5, 5)
    permit = resident_id.generate(random.Random(3), kind="hmt_permit", birth_date=born)
    ids = [ID, permit, "440305198506150017"[:17] + resident_id.check_character("44030519850615001")]
    out, report = PseudonymizeResidentID(RING).apply_with_report(ids)
    assert out[1] == "*" * 18
    assert resident_id.is_valid(out[0])
    assert resident_id.is_valid(out[2])
    assert report.invalid == 1
    out = PseudonymizeResidentID(RING, birth="window", window_days=3650).apply(ids)
    assert out[1][:6] == permit[:6]
    assert resident_id.is_valid(out[1])


def test_small_domain_options_are_refused_when_built():
    """Options under which no value has a million pseudonyms raise DomainTooSmall at once."""
    for options in ({"region": "keep"}, {"region": "province", "birth": "keep"}):
        with pytest.raises(DomainTooSmall):
            PseudonymizeResidentID(RING, **options)
        PseudonymizeResidentID(RING, allow_small_domain=True, **options)
    with pytest.raises(InvalidArgument):
        PseudonymizeResidentID(RING, birth="decade")
    with pytest.raises(InvalidArgument):
        PseudonymizeResidentID(RING, birth="window", window_days=0)
    for bad in (-5, 19, True):
        with pytest.raises(InvalidArgument):
            PseudonymizeBankCard(RING, keep_first=bad)
    with pytest.raises(InvalidArgument):
        PseudonymizeName(RING, sex="other")
    with pytest.raises(InvalidArgument):
        PseudonymizePhone(RING, char="**")


# -- record numbers ---------------------------------------------------------------------------


def test_short_record_numbers_are_that_values_problem():
    """One short value is masked and counted; the others are pseudonymized; strict names it."""
    op = PseudonymizeDigits(RING)
    out, report = op.apply_with_report(["5110365685", "0012", "12345", "123456"])
    assert out[1:3] == ["****", "*****"]
    assert len(out[3]) == 6
    assert out[3].isdigit()
    assert len(out[0]) == 10
    assert out[0].isdigit()
    assert out[0] != "5110365685"
    assert report.invalid == 2
    with pytest.raises(InvalidIdentifier, match="allow_small_domain") as exc:
        PseudonymizeDigits(RING, strict=True).apply(["5110365685", "0012"])
    assert exc.value.row == 1
    small = PseudonymizeDigits(RING, allow_small_domain=True)
    assert small.reverse(small.apply(["0012", "7"])) == ["0012", "7"]


@pytest.mark.parametrize(
    ("alphabet", "value"),
    [
        ("0123456789", "12345678901234567890"),
        ("0123456789", "9" * 40),
        ("0123456789", "1234567890" * 9),
        (ALNUM, "ZY20250103000001"),
        (ALNUM, "ZY2025010300"),
        (ALNUM, "MZ202501030"),
        (ALNUM, "A" * 70),
    ],
)
def test_any_length_round_trips(alphabet, value):
    """20-digit, 90-digit and 12-16-character alphanumeric values keep length and alphabet."""
    for one_way in (False, True):
        op = PseudonymizeDigits(RING, alphabet=alphabet, one_way=one_way)
        out = op.apply([value, value])
        assert out[0] == out[1] != value
        assert len(out[0]) == len(value)
        assert set(out[0]) <= set(alphabet)
        if not one_way:
            assert op.reverse(out) == [value, value]


def test_letter_prefixes_are_kept_when_asked():
    """keep_prefix keeps MZ/ZY; the prefix is in the tweak; without it the value is invalid."""
    values = ["MZ20250103001", "ZY20250103001", "20250103001", "mz0000001"]
    assert PseudonymizeDigits(RING).apply(values[:1]) == ["*" * 13]
    op = PseudonymizeDigits(RING, keep_prefix=True)
    out = op.apply(values)
    assert [o[:2] for o in out[:2]] == ["MZ", "ZY"]
    assert out[3][:2] == "mz"
    assert out[0][2:] != out[1][2:]  # same digits, other prefix, unrelated pseudonym
    assert all(o[2:].isdigit() for o in out[:2])
    assert out[2].isdigit()
    assert op.reverse(out) == values
    alnum = PseudonymizeDigits(RING, alphabet=ALNUM, keep_prefix=True)
    out = alnum.apply(["ZY20250103000001"])
    assert out[0][:2] == "ZY"
    assert alnum.reverse(out) == ["ZY20250103000001"]
    custom = PseudonymizeDigits(RING, keep_prefix=True, prefix_pattern="[A-Z]{2}-")
    out = custom.apply(["ZY-20250103001"])
    assert out[0][:3] == "ZY-"
    assert custom.reverse(out) == ["ZY-20250103001"]
    with pytest.raises(InvalidArgument):
        PseudonymizeDigits(RING, prefix_pattern="[")
    with pytest.raises(InvalidArgument):
        PseudonymizeDigits(RING, alphabet="00")


def test_full_width_record_numbers_are_folded():
    """Full-width digits are the same record number as their ASCII form."""
    op = PseudonymizeDigits(RING, keep_prefix=True)
    assert op.apply(["ＭＺ２０２５０１０３００１"]) == op.apply(["MZ20250103001"])


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=6, max_value=40), st.randoms(use_true_random=False), st.booleans())
def test_digits_round_trip_property(length, rng, prefixed):
    """reverse(apply(x)) == x for record numbers of any length, with or without a prefix."""
    values = [
        ("ZY" if prefixed else "") + "".join(rng.choice("0123456789") for _ in range(length))
        for _ in range(5)
    ]
    op = PseudonymizeDigits(RING, keep_prefix=prefixed)
    out = op.apply(values)
    assert [len(o) for o in out] == [len(v) for v in values]
    assert op.reverse(out) == values


# -- other surrogates round trip and stay valid -----------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_round_trips_and_validity(rng):
    """Cards, credit codes, passports and phones reverse exactly and stay valid."""
    cards = [bank_card.generate(rng) for _ in range(5)]
    codes = [uscc.generate(rng) for _ in range(5)]
    docs = [passport.generate(rng) for _ in range(5)]
    phones = [phone.generate(rng) for _ in range(5)] + [phone.generate(rng, kind="landline")]
    for op, values, valid in (
        (PseudonymizeBankCard(RING), cards, bank_card.is_valid),
        (PseudonymizeUSCC(RING), codes, uscc.is_valid),
        (PseudonymizePassport(RING), docs, passport.is_valid),
        (PseudonymizePhone(RING), phones, phone.is_valid),
    ):
        out = op.apply(values)
        assert all(map(valid, out))
        assert (
            [phone.normalize(o) for o in op.reverse(out)] == [phone.normalize(v) for v in values]
            if op.kind == "phone"
            else op.reverse(out) == values
        )


def test_phone_output_forms():
    """Mobiles come out compact; landlines as area code, dash, subscriber, 转 extension."""
    op = PseudonymizePhone(RING)
    out = op.apply(["+86 138-0013-8000", "(023)68754321", "010-87654321转123"])
    assert len(out[0]) == 11
    assert out[0].isdigit()
    assert out[1].startswith("023-")
    assert len(out[1]) == 12
    assert out[2].startswith("010-")
    assert out[2].endswith("转123")


# -- key material -----------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: FF1(bytes(16)), lambda: IndexMap(bytes(32))])
def test_objects_holding_keys_refuse_pickling_and_copying(make):
    """FF1 and IndexMap hold raw keys: pickle and copy raise a MedguardError."""
    obj = make()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(MedguardError):
            pickle.dumps(obj, protocol=protocol)
    with pytest.raises(MedguardError):
        copy.deepcopy(obj)


def test_repr_shows_options_not_the_keyring():
    """An op's repr lists its options; the keyring is not in it."""
    assert "keyring" not in repr(PseudonymizeDigits(RING, keep_prefix=True))


def test_pyarrow_and_numpy_columns_with_unusable_values():
    """numpy object arrays and pyarrow columns keep their kind when values are masked."""
    op = PseudonymizeResidentID(RING)
    arrow = op.apply(pa.array([ID, None, "bad"]))
    assert arrow.to_pylist()[1:] == [None, "***"]
    numpy = op.apply(np.array([ID, None, 3], dtype=object))
    assert numpy.tolist()[1:] == [None, "*"]


def test_a_column_adapter_that_cannot_compare_pd_na_is_worked_around(monkeypatch):
    """If the column adapter trips over pd.NA in a plain list, nulls are cleaned first."""
    import medguard.ops.pseudonym_core as ps

    real = ps.as_column

    def picky(values):
        if any(v is pd.NA for v in values):
            raise TypeError("boolean value of NA is ambiguous")
        return real(values)

    monkeypatch.setattr(ps, "as_column", picky)
    out, report = PseudonymizeResidentID(RING).apply_with_report([ID, pd.NA, pd.NaT])
    assert out[1:] == [None, None]
    assert report.nulls == 2
    assert DateShift(RING).apply(("2025-01-03", pd.NA), ("P1", pd.NA))[1] is None
