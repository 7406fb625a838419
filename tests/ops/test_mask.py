"""Tests for medguard.ops.mask: conventions, column kinds, safety on bad input, properties."""

import datetime as dt
import json
import random
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.cn import bank_card, names, phone, resident_id
from medguard.errors import InvalidArgument, InvalidIdentifier, PolicyError
from medguard.ops.mask import (
    KeepEnds,
    Mask,
    MaskAddress,
    MaskBankCard,
    MaskEmail,
    MaskName,
    MaskPassport,
    MaskPhone,
    MaskResidentID,
    _keep_counts,
    mask_address,
    mask_email,
    mask_name,
    mask_phone,
    mask_resident_id,
)

seeds = st.integers(min_value=0, max_value=2**32)


@pytest.mark.parametrize(
    ("mask", "value", "expected"),
    [
        (MaskResidentID(), "11010519491231002X", "110105********002X"),
        (MaskResidentID(first=1), "11010519491231002X", "1*************002X"),
        (MaskPhone(), "13800138000", "138****8000"),
        (MaskPhone(), "+86 138-0013-8000", "138****8000"),
        (MaskPhone(), "(023)68754321", "023-****4321"),
        (MaskBankCard(), "6222020200112233446", "622202*********3446"),
        (MaskEmail(), "zhangsan@163.com", "z***@163.com"),
        (MaskAddress(), "广东省深圳市南山区科技园路18号3栋502", "广东省深圳市南山区****"),
        (MaskAddress(keep="city"), "广东省深圳市南山区科技园路18号", "广东省深圳市****"),
        (MaskPassport(), "E12345678", "E*****678"),
        (MaskName(), "张三", "张*"),
        (MaskName(), "张三丰", "张**"),
        (MaskName(keep_last=True), "张三丰", "张*丰"),
        (MaskName(), "欧阳娜娜", "欧阳**"),
        (MaskName(keep_surname=False), "欧阳娜娜", "****"),
        (KeepEnds(first=2, last=2), "abcdefgh", "ab****gh"),
    ],
)
def test_conventions(mask, value, expected):
    """Each mask follows the GB/T 35273 display conventions (DOMAIN.md section 5)."""
    assert mask.apply(value) == expected


def test_bank_card_example_is_luhn_valid():
    """The bank card used above is a valid card (so it is masked, not treated as invalid)."""
    assert bank_card.is_valid("6222020200112233446")


@pytest.mark.parametrize(
    "value", ["110105194912310021", "1380013800", "not an id", "14012345678", 13800138000]
)
def test_invalid_input_is_fully_masked_and_counted(value):
    """Invalid or unexpected input is masked completely (length only) and counted."""
    for mask in (MaskResidentID(), MaskPhone()):
        out, report = mask.apply_with_report([value])
        assert out == ["*" * len(str(value))]
        assert report.invalid == 1
        assert report.masked == 0


def test_strict_mode_raises_with_row():
    """strict=True raises InvalidIdentifier naming the first bad row, never the value."""
    with pytest.raises(InvalidIdentifier) as exc:
        MaskPhone(strict=True).apply(["13800138000", "13800138001", "bad-value"])
    assert exc.value.row == 2
    assert "bad-value" not in str(exc.value)


def _columns(values):
    return [
        list(values),
        tuple(values),
        np.array(values, dtype=object),
        pd.Series(values, name="c"),
        pa.array(values, type=pa.string()),
        pa.chunked_array([pa.array(values, type=pa.string())]),
    ]


def test_every_column_kind_comes_back_as_itself_with_nulls():
    """Lists, tuples, numpy, pandas and pyarrow columns come back as the same kind, nulls kept."""
    values = ["13800138000", None, "bad"]
    for column in _columns(values):
        out = mask_phone(column)
        assert type(out) is type(column)
        as_list = out.tolist() if hasattr(out, "tolist") else list(out)
        if isinstance(out, (pa.Array, pa.ChunkedArray)):
            as_list = out.to_pylist()
        assert as_list[0] == "138****8000"
        assert as_list[1] is None or pd.isna(as_list[1])
        assert as_list[2] == "***"


def test_fast_paths_match_general_path():
    """numpy unicode and pyarrow fast paths give exactly the general path's output."""
    rng = random.Random(3)
    ids = [resident_id.generate(rng) for _ in range(200)]
    general = mask_resident_id(ids)
    assert mask_resident_id(np.array(ids)).tolist() == general
    assert mask_resident_id(pa.array(ids)).to_pylist() == general
    mobiles = [phone.generate(rng) for _ in range(200)]
    assert mask_phone(np.array(mobiles)).tolist() == mask_phone(mobiles)
    assert mask_phone(pa.array(mobiles)).to_pylist() == mask_phone(mobiles)


@given(seeds)
def test_masked_ids_reveal_only_configured_characters(seed):
    """A masked ID shows exactly its first 6 and last 4 characters; the rest is masked."""
    value = resident_id.generate(random.Random(seed))
    out = mask_resident_id(value)
    assert out[:6] == value[:6]
    assert out[-4:] == value[-4:]
    assert set(out[6:-4]) == {"*"}


@given(st.text(min_size=0, max_size=30), st.integers(0, 8), st.integers(0, 8))
def test_keep_ends_never_reveals_more_than_configured(value, first, last):
    """KeepEnds keeps at most first+last characters and hides at least a third of the value."""
    out = KeepEnds(first=first, last=last, char="\x00").apply(value)
    revealed = sum(1 for c in out if c != "\x00")
    assert len(out) == len(value)
    assert revealed <= first + last
    assert len(value) - revealed >= (len(value) + 2) // 3


@given(seeds)
def test_masking_is_idempotent(seed):
    """Masking a masked name, phone or address again changes nothing."""
    rng = random.Random(seed)
    name = names.generate(rng)
    assert mask_name(mask_name(name)) == mask_name(name)
    addr = "广东省深圳市南山区科技园路18号"
    assert mask_address(mask_address(addr)) == mask_address(addr)
    email = "user@example.com"
    assert mask_email(mask_email(email)) == mask_email(email)


@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=30))
def test_raw_values_never_appear_in_output(values):
    """Whatever the input, an output value never equals its (non-trivial) raw input."""
    for mask in (MaskResidentID(), MaskPhone(), MaskBankCard(), MaskName(), MaskEmail()):
        out = mask.apply(values)
        for raw, masked in zip(values, out, strict=True):
            if raw is None:
                assert masked is None
            elif len(raw) >= 2 and set(raw) != {"*"}:
                assert masked != raw


@given(seeds)
def test_scalar_equals_column(seed):
    """Masking a value alone gives the same result as masking it inside a column."""
    rng = random.Random(seed)
    values = [resident_id.generate(rng), phone.generate(rng), "garbage"]
    for mask in (MaskResidentID(), MaskPhone()):
        assert [mask.apply(v) for v in values] == mask.apply(values)


def test_config_round_trip_and_errors():
    """to_config/from_config round-trip every mask; unknown kinds and options are refused."""
    masks = (
        MaskResidentID(first=1), MaskPhone(), MaskName(keep_last=True), MaskEmail(),
        MaskAddress(keep="city"), MaskBankCard(), MaskPassport(), KeepEnds(first=2, last=0),
    )  # fmt: skip
    for mask in masks:
        assert Mask.from_config(mask.to_config()) == mask
    with pytest.raises(InvalidArgument):
        Mask.from_config({"op": "mask", "kind": "nope"})
    with pytest.raises(InvalidArgument):
        Mask.from_config({"op": "mask", "kind": "phone", "colour": "red"})
    with pytest.raises(InvalidArgument):
        MaskName(char="**")


def test_full_width_mask_character():
    """A full-width mask character works on ASCII values too."""
    assert mask_phone("13800138000", char="＊") == "138＊＊＊＊8000"


# --------------------------------------------------------------------------- issue 13

ALL_MASKS = (
    MaskResidentID, MaskPhone, MaskBankCard, MaskEmail, MaskAddress, MaskPassport, MaskName,
    KeepEnds,
)  # fmt: skip

BAD_OPTIONS = [
    (MaskResidentID, {"first": -5}),
    (MaskResidentID, {"last": -1}),
    (MaskResidentID, {"first": 10, "last": 4}),  # would show 14 of 18 characters
    (MaskResidentID, {"first": "6"}),
    (MaskResidentID, {"first": 6.0}),
    (MaskResidentID, {"first": True}),
    (MaskBankCard, {"first": -10}),
    (MaskBankCard, {"first": 19}),
    (MaskPhone, {"first": -1}),
    (MaskPhone, {"last": 8}),
    (MaskPhone, {"landline_last": -4}),
    (MaskPhone, {"landline_last": 8}),
    (MaskPassport, {"first": -1}),
    (MaskPassport, {"last": 9}),
    (MaskEmail, {"first": -3}),
    (MaskEmail, {"width": -1}),
    (MaskEmail, {"width": 0}),
    (MaskEmail, {"width": 10**8}),
    (MaskAddress, {"width": -4}),
    (MaskAddress, {"width": 0}),
    (MaskAddress, {"keep": 3}),
    (MaskAddress, {"preserve_length": "yes"}),
    (MaskName, {"keep_last": 1}),
    (MaskName, {"keep_surname": None}),
    (KeepEnds, {"first": -1}),
    (KeepEnds, {"last": -2}),
    (KeepEnds, {"first": None}),
    (MaskPhone, {"char": 5}),
    (MaskPhone, {"char": ""}),
    (MaskPhone, {"char": "\ud800"}),
    (MaskPhone, {"strict": "no"}),
]


@pytest.mark.parametrize(("cls", "options"), BAD_OPTIONS)
def test_bad_options_are_refused_at_construction_and_in_config(cls, options):
    """Negative, oversized or mistyped options raise InvalidArgument (a ValueError) when the
    mask is built, and PolicyError from from_config; MaskResidentID(first=-5) showed 17 of 18."""
    with pytest.raises(InvalidArgument) as exc:
        cls(**options)
    assert isinstance(exc.value, ValueError)
    config = {**cls().to_config(), **options}
    with pytest.raises(PolicyError):
        Mask.from_config(config)


def test_from_config_refuses_a_non_mapping():
    """A configuration that is not a mapping is a PolicyError, not an AttributeError."""
    with pytest.raises(PolicyError):
        Mask.from_config(["kind", "phone"])  # type: ignore[arg-type]


def _keep_counts_loop(length, first, last):
    """The original one-step-at-a-time shrinking, the reference for the closed form."""
    budget = length - (length + 2) // 3
    while first + last > budget:
        if last >= first and last > 0:
            last -= 1
        else:
            first -= 1
    return first, last


@given(st.integers(0, 200), st.integers(0, 300), st.integers(0, 300))
def test_keep_counts_closed_form_matches_the_loop(length, first, last):
    """The constant-time _keep_counts gives exactly what the old loop gave."""
    assert _keep_counts(length, first, last) == _keep_counts_loop(length, first, last)


def test_huge_keep_ends_counts_are_capped_by_the_value():
    """KeepEnds(first=10**8) masks like a count the size of the value (it took 18 s a column)."""
    values = ["abcdef", "abcdefghi", "x" * 1000] * 100
    out = KeepEnds(first=10**8, last=10**8).apply(values)
    assert out[:2] == ["ab**ef", "abc***ghi"]
    assert _keep_counts(10**7, 10**8, 10**8) == (3333333, 3333333)


SURROGATE = json.loads('"\\ud800"')


@pytest.mark.parametrize("cls", ALL_MASKS)
def test_lone_surrogate_is_that_values_problem(cls):
    """A value holding a lone surrogate is fully masked and counted invalid; the column's
    other values are masked as usual (it raised a bare UnicodeEncodeError holding them)."""
    values = ["11010519491231002X", SURROGATE, "张三" + SURROGATE, None]
    out, report = cls().apply_with_report(values)
    assert out[1:] == ["*", "***", None]
    assert report.invalid >= 2
    assert report.nulls == 1
    assert out[0] == cls().apply(values[:1])[0]
    for column in (np.array(values, dtype=object), pd.Series(values)):
        assert list(cls().apply(column))[1:3] == ["*", "***"]
    unicode_column = np.array(["甲乙" + SURROGATE, "甲乙丙"])
    assert cls().apply(unicode_column).tolist()[0] == "***"


@pytest.mark.parametrize("cls", ALL_MASKS)
def test_lone_surrogate_in_strict_mode_names_the_row_only(cls):
    """strict=True raises InvalidIdentifier naming the row, with no value in its args."""
    values = ["secret-neighbour-1", SURROGATE + "x"]
    mask = cls(strict=True)
    with pytest.raises(InvalidIdentifier) as exc:
        mask.apply(values)
    assert exc.value.row in (0, 1)
    assert "secret-neighbour" not in repr(exc.value.args)
    assert SURROGATE not in repr(exc.value.args)


@pytest.mark.parametrize("cls", ALL_MASKS)
def test_pandas_na_in_a_plain_list_is_null(cls):
    """pd.NA, pd.NaT, NaN and None in a list (Series.tolist() of a nullable column) are nulls;
    pd.NA raised a bare TypeError before."""
    values = ["13800138000", pd.NA, pd.NaT, float("nan"), None, np.datetime64("NaT")]
    out, report = cls().apply_with_report(values)
    assert out[1:] == [None] * 5
    assert report.nulls == 5
    assert cls().apply(tuple(values))[1:] == (None,) * 5
    assert cls().apply(np.array(values, dtype=object)).tolist()[1:] == [None] * 5


@pytest.mark.parametrize("cls", ALL_MASKS)
def test_other_types_and_huge_strings_are_masked_not_errors(cls):
    """bytes, ints, floats, dates and huge strings are values: masked and never echoed."""
    huge = "13800138000" * 100_000
    values = [b"13800138000", 13800138000, 1.5, dt.date(2025, 1, 3), huge, object()]
    out, report = cls().apply_with_report(values)
    for raw, masked in zip(values, out, strict=True):
        assert masked != raw
        assert "13800138000" not in masked
    assert report.invalid >= 5


def test_keep_counts_work_does_not_grow_with_the_counts():
    """_keep_counts runs a fixed number of lines for any counts (it shrank one at a time, so
    KeepEnds(first=10**8) took seconds): counted with a line tracer, not a clock."""
    lines = 0

    def tracer(frame, event, arg):
        nonlocal lines
        if frame.f_code is not _keep_counts.__code__:
            return None
        if event == "line":
            lines += 1
            if lines > 50:
                raise RuntimeError("_keep_counts does work proportional to its counts")
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = _keep_counts(18, 10**12, 10**12)
    finally:
        sys.settrace(previous)
    assert result == (6, 6)
    assert lines <= 50


@pytest.mark.parametrize("cls", ALL_MASKS)
@pytest.mark.parametrize("null", [None, float("nan"), pd.NA, pd.NaT, np.datetime64("NaT")])
def test_a_null_scalar_is_null(cls, null):
    """A single null of any spelling masks to None (pd.NA became '****', its text's length)."""
    out, report = cls().apply_with_report(null)
    assert out is None
    assert report.nulls == 1


@pytest.mark.parametrize("cls", ALL_MASKS)
def test_a_value_whose_text_cannot_be_made_is_masked(cls):
    """An int beyond the int-to-str limit (str() raises) is masked to one character, counted."""
    out, report = cls().apply_with_report([10**5000, "x"])
    assert out[0] == "*"
    assert report.invalid >= 1
