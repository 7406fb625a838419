"""GB/T 2260 division codes from addresses and region names: 广东省深圳市南山区... → 440305.

:func:`region_code` reads an address (or a bare name: 广东省, 深圳市, 海淀区, 北京) from its
start, matching the province, then a city inside it, then a district inside those, against
the names of the GB/T 2260 table, and returns the code of the deepest level it is sure of:
``440305`` (district), ``440300`` (city) or ``440000`` (province). A value that starts with six
ASCII digits (a division code or a resident ID) gives those digits when they are a known code.

It fails closed: a name that is ambiguous at a level (朝阳区 alone: Beijing or Changchun) stops
the reading at the level above, and a text with no known name gives None. Current codes win over
retired codes of the same name. :func:`region_codes` maps a whole column, looking each distinct
value up once (results are cached).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from medguard.cn import regions

__all__ = ["region_code", "region_codes"]

MAX_TEXT = 200
"""Longer texts are no address: looked up as None."""

_PLACEHOLDERS = frozenset({"市辖区", "县"})
_PROVINCE_SUFFIX = re.compile(r"(?:壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")
_CITY_SUFFIX = re.compile(r"(?:市|地区)$")

# name -> ((code, current), ...)
_Names = dict[str, tuple[tuple[str, bool], ...]]
# (names, first character -> lengths of the names it starts, longest first)
_Index = tuple[_Names, dict[str, tuple[int, ...]]]


@cache
def _indexes() -> tuple[_Index, _Index, _Index, int]:
    """Province, city and district name indexes, and the longest name."""
    provinces: dict[str, list[tuple[str, bool]]] = {}
    cities: dict[str, list[tuple[str, bool]]] = {}
    districts: dict[str, list[tuple[str, bool]]] = {}
    for prefix, name in regions.PROVINCES.items():
        provinces.setdefault(name, []).append((prefix, True))
        short = _PROVINCE_SUFFIX.sub("", name)
        if len(short) >= 2 and short != name:
            provinces.setdefault(short, []).append((prefix, True))
    text = resources.files("medguard.cn").joinpath("_data/regions.tsv").read_text("utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        code, name, in_use = line.split("\t")
        current = in_use == "1"
        if code[2:] == "0000" or name in _PLACEHOLDERS or "直辖" in name:
            continue
        if code[4:] == "00":
            cities.setdefault(name, []).append((code[:4], current))
            short = _CITY_SUFFIX.sub("", name)
            if len(short) >= 2 and short != name:
                cities.setdefault(short, []).append((code[:4], current))
        else:
            districts.setdefault(name, []).append((code, current))
    longest = max(map(len, (*provinces, *cities, *districts)))
    return _freeze(provinces), _freeze(cities), _freeze(districts), longest


def _freeze(index: dict[str, list[tuple[str, bool]]]) -> _Index:
    lengths: dict[str, set[int]] = {}
    for name in index:
        if len(name) >= 2:  # a name is at least two characters long where it is matched
            lengths.setdefault(name[0], set()).add(len(name))
    by_first = {c: tuple(sorted(found, reverse=True)) for c, found in lengths.items()}
    return {name: tuple(codes) for name, codes in index.items()}, by_first


def _match(
    index: _Index, text: str, start: int, scope: str, longest: int
) -> tuple[str, int, bool] | None:
    """The code (inside ``scope``) of the longest name at ``text[start:]``, the name's end, and
    whether the code is current.

    The code is ``""`` when that name is ambiguous in the scope; None when no name matches.
    Only the lengths of the names starting with ``text[start]`` are tried, longest first.
    """
    names, by_first = index
    if start >= len(text):
        return None
    room = min(len(text) - start, longest)
    for length in by_first.get(text[start], ()):
        if length > room:
            continue
        end = start + length
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


@lru_cache(maxsize=65536)
def _lookup(text: str) -> str | None:
    head = text[:6]
    if len(head) == 6 and head.isascii() and head.isdigit():
        return head if regions.is_known(head) else None
    provinces, cities, districts, longest = _indexes()
    province = _match(provinces, text, 0, "", longest)
    prov, pos = (province[0], province[1]) if province and province[0] else ("", 0)
    city = _match(cities, text, pos, prov, longest)
    if city is None and prov:  # 吉林市...: the short province name was the city's
        city = _match(cities, text, 0, prov, longest)
    district = _match(districts, text, pos, prov, longest)
    if city is not None and (
        district is None or city[1] > district[1] or (city[1] == district[1] and city[2])
    ):
        if not city[0]:  # an ambiguous city: no deeper reading is sure
            return prov + "0000" if prov else None
        district = _match(districts, text, city[1], city[0], longest)
        if district is not None and district[0]:
            return district[0]
        return city[0] + "00"
    if district is not None and district[0]:  # 朝阳区 is a district name, not 朝阳 + 区
        return district[0]
    return prov + "0000" if prov else None


def region_code(value: object) -> str | None:
    """The GB/T 2260 code of an address, region name, division code or resident ID, or None.

    >>> region_code("广东省深圳市南山区科技园路18号"), region_code("北京市"), region_code("朝阳区")
    ('440305', '110000', None)
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        value = str(int(value)) if 0 <= int(value) < 10**18 else None
    if not isinstance(value, str):
        return None
    text = "".join(value.split())
    if not text or len(text) > MAX_TEXT:
        return None
    return _lookup(text)


def region_codes(values: Iterable[Any]) -> npt.NDArray[np.object_]:
    """:func:`region_code` of each value (an object array), each distinct value looked up once."""
    items = list(values)
    seen: dict[tuple[type, Any], str | None] = {}
    out = np.empty(len(items), dtype=object)
    for i, value in enumerate(items):
        try:
            key = (type(value), value)
            if key not in seen:
                seen[key] = region_code(value)
            out[i] = seen[key]
        except TypeError:  # unhashable: no region
            out[i] = None
    return out
