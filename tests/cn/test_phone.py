"""Tests for medguard.cn.phone: mobile segments, landlines, normalization."""

import random

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from medguard.cn import phone
from medguard.errors import InvalidIdentifier

seeds = st.integers(min_value=0, max_value=2**32)


@given(seeds)
def test_generated_mobiles_validate_in_every_written_form(seed):
    """A generated mobile validates bare, with +86/0086, 3-4-4 groups, and full-width."""
    m = phone.generate(random.Random(seed))
    forms = [m, f"+86 {m}", f"0086-{m}", f"{m[:3]} {m[3:7]} {m[7:]}", f"{m[:3]}-{m[3:7]}-{m[7:]}",
             "".join(chr(ord(c) + 0xFEE0) for c in m)]  # fmt: skip
    assert all(phone.is_mobile(f) for f in forms)
    assert phone.parse(forms[1]).number == m
    assert phone.is_mobile_array([m]).tolist() == [True]


@given(seeds)
def test_mobiles_agree_with_phonenumbers(seed):
    """phonenumbers also sees each generated mobile as a valid Chinese mobile number.

    Segment 149 is the known disagreement (tested below): phonenumbers' metadata lags it.
    """
    m = phone.generate(random.Random(seed))
    assume(not m.startswith("149"))
    parsed = phonenumbers.parse(m, "CN")
    assert phonenumbers.is_valid_number(parsed)
    assert phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


@pytest.mark.parametrize("segment", ["140", "141", "144", "154", "168", "174", "194", "120"])
def test_unallocated_segments_are_refused(segment):
    """Segments outside the current allocation are not mobiles, though 1[3-9]\\d{9} matches."""
    number = segment + "12345678"
    assert not phone.is_mobile(number)
    assert not phone.is_mobile_array([number])[0]
    with pytest.raises(InvalidIdentifier):
        phone.parse(number)


@given(seeds)
def test_generated_landlines_validate(seed):
    """Generated landlines validate, with the area code as prefix."""
    value = phone.generate(random.Random(seed), kind="landline")
    parsed = phone.parse(value)
    assert parsed.kind == "landline"
    assert value.startswith(parsed.prefix)


@pytest.mark.parametrize(
    ("value", "area", "ext"),
    [
        ("023-68754321", "023", None),
        ("(023)68754321", "023", None),
        ("（０２３）６８７５４３２１", "023", None),
        ("0755-2345678", "0755", None),
        ("010 6123 4567转8001", "010", "8001"),
        ("+86 23 6875 4321", "023", None),
    ],
)
def test_landline_forms(value, area, ext):
    """Landlines in the forms hospitals write them parse to area code and extension."""
    parsed = phone.parse(value)
    assert (parsed.kind, parsed.prefix, parsed.extension) == ("landline", area, ext)


@pytest.mark.parametrize("value", ["021-1234567", "023-0875432", "12345678", "0755-23", ""])
def test_bad_landlines(value):
    """Too short, leading 0/1 subscriber numbers and missing area codes are refused."""
    assert not phone.is_valid(value)


def test_wrong_length_mobile_reason():
    """A 10-digit mobile is refused with a length reason."""
    with pytest.raises(InvalidIdentifier, match="bad length"):
        phone.parse("1380013800")


def test_segment_149_accepted_where_phonenumbers_lags():
    """149 is allocated (DOMAIN.md section 4): medguard accepts what phonenumbers rejects."""
    number = "14976722836"
    assert phone.is_mobile(number)
    assert not phonenumbers.is_valid_number(phonenumbers.parse(number, "CN"))
