"""Resident-ID pseudonyms of repeated IDs (each distinct ID mapped once) equal the row road."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.cn import resident_id
from medguard.ops.pseudonymize_resident_id import PseudonymizeResidentID
from medguard.testing.keyrings import fixed_keyring

RING = fixed_keyring()
_IDS = [resident_id.generate(random.Random(i)) for i in range(12)] + [
    "not an id",
    "11010519491231002X",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_IDS), min_size=1, max_size=60), st.booleans())
def test_distinct_road_equals_row_road(values: list[str], one_way: bool) -> None:
    """Mapping each distinct ID once gives what mapping every row gives, forward and back."""
    p = PseudonymizeResidentID(RING, one_way=one_way)
    assert p._transform(values, False) == p._transform_rows(values, False)
    if not one_way:
        out = [v for v in p.apply(values) if "*" not in v]
        assert p._transform(out, True) == p._transform_rows(out, True)
