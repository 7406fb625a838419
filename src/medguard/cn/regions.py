"""GB/T 2260 administrative division codes: the first six digits of a resident ID.

The table (``_data/regions.tsv``) keeps retired codes too, because an ID keeps the code of the
place and time it was issued. :data:`CURRENT_COUNTY_CODES` holds the county-level codes in use
today, which generators and the pseudonymizer draw from.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

__all__ = [
    "CURRENT_COUNTY_CODES",
    "PROVINCES",
    "is_known",
    "name_of",
    "province_of",
]

#: Province-level codes (first two digits) and names, including 71 Taiwan, 81 Hong Kong, 82 Macao.
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip


@cache
def _table() -> tuple[dict[str, str], tuple[str, ...]]:
    names: dict[str, str] = {}
    current: list[str] = []
    text = resources.files("medguard.cn").joinpath("_data/regions.tsv").read_text("utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        code, name, in_use = line.split("\t")
        names[code] = name
        if in_use == "1" and code[4:] != "00" and name != "市辖区":
            current.append(code)
    return names, tuple(current)


def is_known(code: str) -> bool:
    """True when ``code`` is a GB/T 2260 code (current or retired) or a province prefix + 0000."""
    return code in _table()[0]


def name_of(code: str) -> str | None:
    """The name of a six-digit division code (e.g. ``'110101'`` → ``'东城区'``), or None."""
    return _table()[0].get(code)


def province_of(code: str) -> str | None:
    """The province-level name for a code's first two digits, or None if unknown."""
    return PROVINCES.get(code[:2])


#: County-level codes in use today (sorted 6-character strings): what generators draw from.
CURRENT_COUNTY_CODES: npt.NDArray[np.str_] = np.array(sorted(_table()[1]))
