"""The bulk base64url codec behind the text form."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from medguard.ops._base64 import b64decode_rows, b64encode_rows


def _ref(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@given(st.lists(st.binary(min_size=1, max_size=50), max_size=40), st.integers(0, 3))
def test_encode_matches_stdlib_and_decodes(rows: list[bytes], head_size: int) -> None:
    """Bulk encoding equals stdlib base64url per row, and decoding inverts it."""
    rows = rows + [rows[0]] * 10 if rows else rows  # make a bulk-sized equal-length group
    heads = bytes(range(256))[: head_size * len(rows)] if head_size * len(rows) <= 256 else None
    if heads is None:
        heads, head_size = b"", 0
    texts = b64encode_rows(rows, "p.", heads=heads, head_size=head_size)
    full = [heads[i * head_size : (i + 1) * head_size] + r for i, r in enumerate(rows)]
    assert texts == ["p." + _ref(r) for r in full]
    decoded, unmatched = b64decode_rows(texts, "p.")
    assert decoded == full
    assert unmatched == []


@given(st.lists(st.text(max_size=12), max_size=30))
def test_decode_accepts_only_canonical_text(texts: list[str]) -> None:
    """Decoding gives bytes only for canonical unpadded base64url, which re-encodes identically."""
    decoded, _ = b64decode_rows(texts)
    for text, data in zip(texts, decoded, strict=True):
        if data is not None:
            assert _ref(data) == text


def test_prefix_mismatch_is_reported() -> None:
    """Rows not starting with the prefix are listed as unmatched."""
    decoded, unmatched = b64decode_rows(["p.QQ", "q.QQ", "p.Q+"] * 4, "p.")
    assert decoded[0] == b"A"
    assert decoded[2] is None
    assert sorted(unmatched) == [1, 4, 7, 10]


@given(st.lists(st.text(max_size=12), max_size=10))
def test_record_associated_data_matches_single(records: list[str]) -> None:
    """The bulk record AD builder equals the one-record associated_data for every record."""
    from medguard.ops._envelope import SCHEMES, associated_data, record_associated_data

    scheme = SCHEMES["sm4gcm"]
    bulk = record_associated_data(scheme, "k1", "t", "f", records)
    assert bulk == [associated_data(scheme, "k1", "t", "f", r) for r in records]
