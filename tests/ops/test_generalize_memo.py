"""A generalizer remembers what it computed across calls (a file's batches repeat values):
the memo never changes an output, keeps types apart, stays bounded and is not pickled."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.ops import generalize
from medguard.ops.generalize import GeneralizeICD10, GeneralizeNumber, GeneralizePlace

ADDRESSES = st.sampled_from(
    ["广东省深圳市南山区科技园路18号", "北京市朝阳区建国路1号", "四川省成都市武侯区", "440305",
     "不是地址", "", "上海市浦东新区张江路", None]
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(ADDRESSES, max_size=20), min_size=1, max_size=5))
def test_batches_through_one_generalizer_equal_fresh_ones(batches: list[list[str | None]]) -> None:
    kept = GeneralizePlace(to="city")
    for batch in batches:
        assert kept.apply(batch) == GeneralizePlace(to="city").apply(batch)


def test_types_are_remembered_apart() -> None:
    """1 and True (and 30 and 30.0) are equal keys in a dict: one memo per type keeps them
    apart (True is not a number to generalize)."""
    numbers = GeneralizeNumber()
    assert numbers.apply([1, 31]) == ["0-10", "30-40"]
    assert numbers.apply([True]) == GeneralizeNumber().apply([True]) == ["*"]
    assert numbers.apply([1.0]) == GeneralizeNumber().apply([1.0])


def test_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generalize, "MEMO_SIZE", 3)
    codes = GeneralizeICD10()
    values = [f"J{n:02d}.1" for n in range(10, 20)]
    expected = [v[:3] for v in values]
    assert codes.apply(values) == expected
    assert len(codes._memo(str)) == 3
    assert codes.apply(values[::-1]) == expected[::-1]


def test_memo_is_not_pickled_and_not_compared() -> None:
    place = GeneralizePlace(to="province")
    place.apply(np.array(["北京市朝阳区建国路1号"] * 3, dtype=object))
    assert place._memo(str)
    copy = pickle.loads(pickle.dumps(place))
    assert "_memos" not in copy.__dict__
    assert copy == place == GeneralizePlace(to="province")
    assert copy.apply(["北京市朝阳区建国路1号"]) == ["北京市"]
