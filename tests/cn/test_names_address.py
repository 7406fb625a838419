"""Tests for names, addresses, regions, dates and normalization."""

import datetime as dt
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.cn import address, dates, names, normalize, regions
from medguard.errors import InvalidIdentifier

seeds = st.integers(min_value=0, max_value=2**32)


@given(seeds)
def test_generated_names_split_back(seed):
    """A generated name splits into a known surname and a 1-2 character given name."""
    name = names.generate(random.Random(seed))
    parsed = names.parse(name)
    assert parsed.known_surname
    assert parsed.surname + parsed.given == name
    assert 1 <= len(parsed.given) <= 2


@pytest.mark.parametrize(
    ("name", "expected"),
    [("欧阳娜娜", ("欧阳", "娜娜")), ("欧娜", ("欧", "娜")), ("诸葛亮", ("诸葛", "亮")),
     ("张 三", ("张", "三")), ("阿沛·阿旺晋美", ("阿沛", "阿旺晋美"))],
)  # fmt: skip
def test_split_name(name, expected):
    """Compound surnames split first; two-character names keep a single surname."""
    assert names.split_name(name) == expected


def test_surname_tables():
    """The tables hold the common and compound surnames with frequencies."""
    assert {"王", "李", "张"} <= names.SURNAMES
    assert {"欧阳", "司马", "诸葛", "上官", "慕容", "令狐"} <= names.COMPOUND_SURNAMES
    assert names.SURNAME_FREQUENCY["王"] > names.SURNAME_FREQUENCY["欧"]


@pytest.mark.parametrize("value", ["John", "张", "张三丰四五", "123"])
def test_not_names(value):
    """Latin text, single characters, long strings and digits are not Chinese names."""
    assert not names.is_valid(value)


# CJK Extensions B-G, outside the BMP: 𠮷 (U+20BB7), 𪚥 (U+2A6A5), 𬌗 (U+2C317), 𰻝 (U+30EDD)
_ASTRAL_HAN = st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF) | st.characters(
    min_codepoint=0x30000, max_codepoint=0x3134F
)


@given(st.sampled_from(sorted(names.SURNAMES)), st.lists(_ASTRAL_HAN, min_size=1, max_size=2))
def test_names_with_characters_outside_the_bmp_are_valid(surname, given_chars):
    """A surname and given characters from CJK Extension B and later (王𠮷) make a valid name."""
    name = surname + "".join(given_chars)
    assert names.is_valid(name)
    assert names.split_name(name) == (surname, "".join(given_chars))


@given(seeds)
def test_generated_addresses_parse_to_district(seed):
    """Generated addresses parse; district_end stops after the deepest level found.

    County-level cities under a province (湖北省天门市) have no district below them.
    """
    value = address.generate(random.Random(seed))
    parsed = address.parse(value)
    assert parsed.province is not None
    deepest = parsed.district or parsed.city
    assert deepest is not None
    assert value[: address.district_end(value)].endswith(deepest)
    assert value[address.district_end(value) :] == parsed.rest


def test_address_municipality():
    """A municipality address has no city level: 北京市 | 朝阳区 | 建国路88号."""
    parsed = address.parse("北京市朝阳区建国路88号")
    assert (parsed.province, parsed.city, parsed.district, parsed.rest) == (
        "北京市", None, "朝阳区", "建国路88号")  # fmt: skip
    assert address.district_end("no address here") == 0


@pytest.mark.parametrize(
    "value",
    [
        "社区获得性肺炎",
        "社区",
        "病区",
        "病区护士站",
        "小区3栋",
        "园区管委会",
        "山区",
        "城区",
        "本县",
    ],
)
def test_words_ending_in_qu_or_xian_are_no_addresses(value):
    """A bare one-character + 区/县 word (社区, 病区, 小区, 园区, 山区) is no district."""
    assert not address.is_valid(value)
    assert address.district_end(value) == 0
    with pytest.raises(InvalidIdentifier):
        address.parse(value)


@given(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), st.sampled_from("区县"))
def test_short_districts_count_after_a_city(char, suffix):
    """After a city (阳泉市城区, 晋城市城区) a one-character + 区/县 district is kept."""
    parsed = address.parse(f"阳泉市{char}{suffix}")
    assert (parsed.city, parsed.district) == ("阳泉市", char + suffix)


@pytest.mark.parametrize(
    ("value", "district"), [("阳泉市城区", "城区"), ("晋城市城区", "城区"),
                            ("山西省晋城市城区", "城区"), ("沛县大屯镇", "沛县")],
)  # fmt: skip
def test_real_short_districts_and_counties_parse(value, district):
    """Real two-character districts after their city, and counties like 沛县, still parse."""
    assert address.parse(value).district == district
    assert value[: address.district_end(value)].endswith(district)


def test_regions_table():
    """The region table knows current and retired codes and every province."""
    assert regions.name_of("440305") == "南山区"
    assert regions.is_known("110103")  # 崇文区, retired in 2010: old IDs still carry it
    assert "110103" not in set(regions.CURRENT_COUNTY_CODES.tolist())
    assert regions.province_of("500103") == "重庆市"
    assert len(regions.PROVINCES) == 34


@given(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_real_dates_array_matches_calendar(date):
    """The vectorized date check accepts exactly the real dates up to today."""
    value = int(date.strftime("%Y%m%d"))
    today = dt.date(2026, 1, 1)
    assert dates.real_dates_array(np.array([value]), today=today)[0] == (date <= today)


@pytest.mark.parametrize("value", [20230229, 20240230, 20241301, 20240000, 20241131])
def test_impossible_dates(value):
    """Feb 29 in common years, Feb 30, month 13, day 0 and Nov 31 are impossible."""
    assert not dates.real_dates_array(np.array([value]))[0]
    assert not dates.is_real_date(str(value))


def test_normalize():
    """Full-width forms and separators fold to the compact ASCII form."""
    assert normalize.compact("１３８ ００１３－８０００") == "13800138000"
    assert normalize.strip_country_code("+8613800138000") == "13800138000"
    assert normalize.to_halfwidth("ＡＢＣ　１") == "ABC 1"
