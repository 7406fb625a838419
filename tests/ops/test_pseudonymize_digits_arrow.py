"""PseudonymizeDigits over an Arrow text column (the column-wise road) equals the values as a
Python list (the general road): same pseudonyms, same report, forward and back."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.ops.pseudonymize_numbers import PseudonymizeDigits
from medguard.testing.keyrings import fixed_keyring

RING = fixed_keyring()
_NUMBER = st.from_regex(r"\A[A-Za-z]{0,2}[0-9]{6,20}\Z")
_ODD = st.sampled_from(["", "V", "12a34", "１２３４５６７", "V-123456", "12345"])


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.one_of(_NUMBER, _ODD, st.none()), min_size=1, max_size=40),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_arrow_road_equals_list_road(
    values: list[str | None], keep_prefix: bool, one_way: bool, chunked: bool
) -> None:
    """Same output and report whichever road the column takes."""
    p = PseudonymizeDigits(RING, keep_prefix=keep_prefix, one_way=one_way, allow_small_domain=True)
    column = pa.array(values, pa.string())
    given_column = pa.chunked_array([column]) if chunked else column
    out, report = p.apply_with_report(given_column)
    expected, expected_report = p.apply_with_report(values)
    assert isinstance(out, pa.ChunkedArray) == chunked
    assert out.type == pa.string()
    assert out.to_pylist() == expected
    assert report == expected_report
    if not one_way and None not in values:
        assert p.reverse(out).to_pylist() == p.reverse(expected)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.from_regex(r"\A[A-Z]{0,2}[0-9]{7,18}\Z"), min_size=1, max_size=40), st.booleans()
)
def test_arrow_road_on_valid_numbers(values: list[str], keep_prefix: bool) -> None:
    """Columns of valid numbers only (the road the Arrow path takes) agree too."""
    for one_way in (False, True):
        p = PseudonymizeDigits(RING, keep_prefix=keep_prefix, one_way=one_way)
        out, report = p.apply_with_report(pa.array(values))
        assert (out.to_pylist(), report) == p.apply_with_report(values)
        if not one_way:
            assert p.reverse(out).to_pylist() == p.reverse(p.apply(values))


@settings(max_examples=60, deadline=None)
@given(
    st.binary(min_size=0, max_size=80),
    st.binary(max_size=20),
    st.lists(st.integers(0, 2**64 - 1), max_size=20),
)
def test_one_way_heads_are_hmac_digests(key: bytes, prefix: bytes, index: list[int]) -> None:
    """The written-out HMAC loop gives hmac.digest's first 8 bytes for every index."""
    import hmac

    import numpy as np

    from medguard.ops._permutation import _hmac_heads

    got = _hmac_heads(key, prefix, np.array(index, dtype=np.uint64)).tolist()
    expected = [
        int.from_bytes(hmac.digest(key, prefix + i.to_bytes(8, "big"), "sha256")[:8], "big")
        for i in index
    ]
    assert got == expected
