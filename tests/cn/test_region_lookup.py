"""The region reader's name matching: the indexed matcher equals the plain longest-first scan."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.cn import region_lookup
from medguard.cn.region_lookup import _indexes, _match


def _plain_match(
    index: region_lookup._Index, text: str, start: int, scope: str, longest: int
) -> tuple[str, int, bool] | None:
    """The matcher as it was: every end from the longest name's down to two characters."""
    names = index[0]
    for end in range(min(len(text), start + longest), start + 1, -1):
        found = names.get(text[start:end])
        if found is None:
            continue
        inside = [(code, current) for code, current in found if code.startswith(scope)]
        if not inside:
            continue
        now = {code for code, current in inside if current}
        preferred = now or {code for code, _ in inside}
        code = min(preferred) if len(preferred) == 1 else ""
        return code, end, bool(now)
    return None


def _names() -> list[str]:
    provinces, cities, districts, _ = _indexes()
    return sorted({*provinces[0], *cities[0], *districts[0]})


_NAME = st.sampled_from(_names())
_FILLER = st.text(alphabet="中山路号栋室市区县省新北京南朝阳0123456789", max_size=4)
_TEXT = st.lists(st.one_of(_NAME, _FILLER), min_size=0, max_size=5).map("".join)


@settings(max_examples=400, deadline=None)
@given(_TEXT, st.integers(0, 12), st.sampled_from(["", "11", "44", "4403", "22", "2201"]))
def test_indexed_match_equals_plain_scan(text: str, start: int, scope: str) -> None:
    """Each index (provinces, cities, districts) matches what the plain scan matched."""
    *indexes, longest = _indexes()
    for index in indexes:
        assert _match(index, text, start, scope, longest) == _plain_match(
            index, text, start, scope, longest
        )


def test_known_addresses_read_as_before() -> None:
    """Addresses, bare names and ambiguous names give the codes they gave."""
    read = region_lookup.region_code
    assert read("广东省深圳市南山区科技园路18号") == "440305"
    assert read("北京市") == "110000"
    assert read("朝阳区") is None
    assert read("") is None
