"""Canonical JSON (RFC 8785): the published examples, round trips and what is refused."""

from __future__ import annotations

import json
import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.audit.canonical import MAX_SAFE_INTEGER, canonical_json, format_number
from medguard.errors import InvalidArgument

# RFC 8785 appendix B: IEEE-754 bit patterns and their ECMAScript serialization
RFC8785_NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "expected"), RFC8785_NUMBERS)
def test_numbers_match_rfc8785_appendix_b(bits, expected):
    """Every number of RFC 8785's appendix B serializes as the RFC says."""
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert format_number(value) == expected


def test_rfc8785_section_3_2_2_example():
    """The structure example of RFC 8785 section 3.2.2 (strings, literals, sorting)."""
    value = {
        "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
        "literals": [None, True, False],
    }
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(value) == expected.encode("utf-8")


def test_keys_sort_by_utf16_code_units():
    """Members sort by UTF-16 code units (RFC 8785 3.2.3), not by code points."""
    value = {"\U0001f600": 1, "\ue000": 2, "a": 3, "\u00e9": 4}
    out = canonical_json(value).decode("utf-8")
    assert list(json.loads(out)) == ["a", "\u00e9", "\U0001f600", "\ue000"]


@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        math.inf,
        -math.inf,
        MAX_SAFE_INTEGER + 2,
        2**60,
        10**400,
        {1: "a"},
        b"bytes",
        {1, 2},
        "\ud800",
    ],
)
def test_unrepresentable_values_are_refused(value):
    """NaN, infinities, unsafe integers, non-string keys, other types and lone surrogates."""
    with pytest.raises(InvalidArgument):
        canonical_json({"v": value})


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(st.characters(exclude_categories=["Cs"]), max_size=5), inner, max_size=4
        )
    ),
    max_leaves=12,
)


@given(_json)
def test_canonical_form_reads_back_and_is_a_fixed_point(value):
    """The output is JSON that reads back equal, and canonicalizing it again changes nothing."""
    out = canonical_json(value)
    back = json.loads(out)
    assert canonical_json(back) == out


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_round_trip(value):
    """Every finite float reads back as the same double."""
    assert float(format_number(value)) == value or (value == 0 and format_number(value) == "0")
