"""Recall on addresses without a road or a house number (villages, compounds, counties), after
their many labels, and in Hong Kong, Macao and Taiwan styles.

Every sentence is hand-written (issue 17), not produced by ``medguard.testing.corpus``.
"""

import pytest

from medguard.detect import scan_text


def found(text: str) -> list[tuple[str, str]]:
    """What scan_text reports in ``text``, as (entity type, the exact span's text), in order."""
    return [(f.entity_type, text[f.start : f.end]) for f in scan_text(text)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("现住双滦区偏桥子镇老沟门村，主因咳嗽入院。", "双滦区偏桥子镇老沟门村"),
        ("家住河北省承德市滦平县付营子乡三成店村。", "河北省承德市滦平县付营子乡三成店村"),
        ("住址：四川省南充市营山县城南镇金山村3组12号", "四川省南充市营山县城南镇金山村3组12号"),
        ("现住址：南山区桃源街道龙联花园小区32栋4单元1906。",
         "南山区桃源街道龙联花园小区32栋4单元1906"),
        ("居住于承德市双滦区御景新城27号楼2单元1604，", "承德市双滦区御景新城27号楼2单元1604"),
        ("户口所在地：湖南省邵阳县塘渡口镇大坪村5组", "湖南省邵阳县塘渡口镇大坪村5组"),
        ("，住隆化县隆化镇闹海营村。", "隆化县隆化镇闹海营村"),
        ("患者系河北省承德市人，", "河北省承德市"),
        ("籍贯：山东省菏泽市", "山东省菏泽市"),
        ("籍贯：河北承德", "河北承德"),
        ("住址：香港九龙旺角弥敦道700号12楼B座", "香港九龙旺角弥敦道700号12楼B座"),
        ("地址：台北市大安区忠孝东路四段216号5楼", "台北市大安区忠孝东路四段216号5楼"),
        ("现居澳门氹仔花城大马路15号海洋花园3座8楼。", "澳门氹仔花城大马路15号海洋花园3座8楼"),
        ("通讯地址：香港新界沙田大围美田路21号", "香港新界沙田大围美田路21号"),
    ],
)  # fmt: skip
def test_addresses_as_clinicians_and_forms_write_them(text, value):
    """Rural addresses (…镇…村…组), residential compounds (…小区32栋4单元1906), county-level
    addresses, origins after 籍贯 and between 系 and 人, and Hong Kong, Macao and Taiwan
    addresses are found whole after their labels."""
    assert found(text) == [("LOCATION", value)]


@pytest.mark.parametrize(
    "text",
    [
        "患者住院期间病情平稳。", "现住院第3天，体温正常。", "籍贯不详。", "系统回顾无特殊。",
        "社区获得性肺炎，病区隔离。", "家住附近，步行来院。", "生于原籍，久居本地。",
    ],
)  # fmt: skip
def test_words_around_address_labels_are_not_addresses(text):
    """住院, 系统, 病区 and an unknown origin give no address."""
    assert [e for e, _ in found(text) if e == "LOCATION"] == []
