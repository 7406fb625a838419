"""Chinese postal addresses: split into province, city, district and the rest; generate.

Addresses run from large to small with no separators: ``广东省深圳市南山区科技园路18号3栋502``.
The parser recognizes the administrative levels by their suffixes (省/自治区/特别行政区, 市/州/
地区/盟, 区/县/市/旗) and the four municipalities, so masking can keep an address "down to the
district" and the scanner can find addresses in free text.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache

from medguard.cn import regions
from medguard.cn._validity import parses
from medguard.errors import InvalidIdentifier

__all__ = ["Address", "district_end", "generate", "is_valid", "normalize", "parse"]

_KIND = "address"
_PROVINCE = (
    r"(?P<province>(?:北京|天津|上海|重庆)市?"
    r"|[\u4e00-\u9fff]{2,3}省|[\u4e00-\u9fff]{2,8}?自治区|香港特别行政区|澳门特别行政区)"
)
_CITY = r"(?P<city>[\u4e00-\u9fff]{1,12}?(?:自治州|地区|盟|市))"
_DISTRICT = r"(?P<district>[\u4e00-\u9fff]{1,12}?(?:新区|区|县|自治县|旗|自治旗|市))"
_PATTERN = re.compile(rf"^{_PROVINCE}?{_CITY}?{_DISTRICT}?(?P<rest>.*)$")

_ROADS = (
    "人民", "解放", "建设", "中山", "和平", "胜利", "文化", "新华", "长江",
    "黄河", "朝阳", "光明", "学府", "科技", "青年", "团结", "健康", "迎宾",
)  # fmt: skip
_ROAD_KINDS = ("路", "街", "大道", "巷")


@dataclass(frozen=True)
class Address:
    """An address split into its administrative parts; ``rest`` is street, number, building."""

    province: str | None
    city: str | None
    district: str | None
    rest: str


def normalize(value: str) -> str:
    """Remove whitespace (addresses are written without spaces)."""
    return "".join(value.split())


def _match(text: str) -> re.Match[str] | None:
    """The administrative parts of ``text``, or None when it has none.

    A bare district of one character + 区 or 县 is an ordinary word (社区获得性肺炎, 病区, 小区,
    园区, 山区) and counts only after a province or city (阳泉市城区), unless it is a real
    county's name (沛县, 滑县).
    """
    m = _PATTERN.match(text)
    if m is None or not (m.group("province") or m.group("city") or m.group("district")):
        return None
    district = m.group("district")
    if not (m.group("province") or m.group("city")) and _is_word(district):
        return None
    return m


def _is_word(district: str) -> bool:
    return len(district) == 2 and district[1] in "区县" and district not in _short_counties()


@cache
def _short_counties() -> frozenset[str]:
    """Counties named by one character + 县 (GB/T 2260): 丰县, 沛县, 歙县, ..."""
    names = (regions.name_of(str(code)) or "" for code in regions.CURRENT_COUNTY_CODES)
    return frozenset(name for name in names if len(name) == 2 and name.endswith("县"))


def parse(value: str) -> Address:
    """Split an address; raises :class:`InvalidIdentifier` when no administrative part is found."""
    if not isinstance(value, str):
        raise InvalidIdentifier(_KIND, f"expected a string, got {type(value).__name__}")
    m = _match(normalize(value))
    if m is None:
        raise InvalidIdentifier(_KIND, "no province, city or district found")
    return Address(m.group("province"), m.group("city"), m.group("district"), m.group("rest"))


def district_end(value: str) -> int:
    """Index in ``normalize(value)`` just after the district (or the deepest level found).

    Returns 0 when no administrative part is recognized, so callers mask everything.
    """
    m = _match(normalize(value))
    if m is None:
        return 0
    for group in ("district", "city", "province"):
        if m.group(group):
            return m.end(group)
    return 0


def is_valid(value: object) -> bool:
    """True when an address starts with a recognizable province, city or district."""
    return parses(parse, value)


@cache
def _county_codes(province: str) -> tuple[str, ...]:
    """Current county codes of mainland provinces (all, or those starting with ``province``)."""
    return tuple(
        str(c) for c in regions.CURRENT_COUNTY_CODES
        if str(c).startswith(province) and int(str(c)[:2]) < 70
    )  # fmt: skip


def generate(rng: random.Random | None = None, *, province: str | None = None) -> str:
    """A random address whose province, city and district exist (GB/T 2260), plus a street."""
    rng = rng or random.Random()  # noqa: S311 - synthetic data, not secrets
    codes = _county_codes(province or "")
    if not codes:
        raise InvalidIdentifier(_KIND, "unknown province")
    code = rng.choice(codes)
    prov = regions.PROVINCES[code[:2]]
    city = regions.name_of(code[:4] + "00") or ""
    if city in ("市辖区", "县") or "直辖" in city or prov == city:
        city = ""
    district = regions.name_of(code) or ""
    road = rng.choice(_ROADS) + rng.choice(_ROAD_KINDS)
    number = f"{rng.randint(1, 999)}号"
    unit = rng.choice(("", f"{rng.randint(1, 30)}栋{rng.randint(1, 32)}0{rng.randint(1, 6)}室"))
    return f"{prov}{city}{district}{road}{number}{unit}"
