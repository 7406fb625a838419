"""medguard.cn additions of issue 17: travel documents of every generation, landline extensions
written 分机, the full surname list and the given-name characters."""

import pytest

from medguard.cn import names, passport, phone


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("C12345678", "exit_entry_permit"), ("CA1234567", "exit_entry_permit"),
        ("W12345678", "exit_entry_permit"), ("L12345678", "exit_entry_permit"),
        ("H1234567801", "hk_macao_permit"), ("M12345678", "hk_macao_permit"),
        ("1234567890", "taiwan_permit"), ("USA110012345678", "foreign_permanent_residence"),
        ("e12345678", "passport"),
    ],
)  # fmt: skip
def test_travel_documents_of_every_generation(value, kind):
    """Exit-entry permits (C, CA/CB, W, L), 10-digit home-return and Taiwan permits, old
    foreigners' permanent residence cards and lowercase passports parse to their kind."""
    assert passport.parse(value).kind == kind


@pytest.mark.parametrize("kind", ["exit_entry_permit", "foreign_permanent_residence"])
def test_generated_documents_are_valid(kind):
    """The generator writes valid numbers of the new kinds."""
    assert passport.parse(passport.generate(kind=kind)).kind == kind


@pytest.mark.parametrize(
    "value", ["0755-83361234 分机 602", "0755-83361234分机602", "021-64041990 ext. 35"]
)
def test_landline_extensions(value):
    """An extension after 分机 (with or without spaces) or ext. is part of a landline."""
    assert phone.parse(value).kind == "landline"


def test_full_surname_list_and_given_characters():
    """The Hundred Family Surnames, rare modern and traditional surnames are known; function
    words are not given-name characters."""
    assert len(names.SURNAMES) > 600
    assert len(names.COMPOUND_SURNAMES) > 70
    assert {"酆", "訾", "乜", "禤", "陳", "鄭"} <= names.SURNAMES
    assert {"闾丘", "第五", "歐陽"} <= names.COMPOUND_SURNAMES
    assert names.is_valid("陳大文")
    assert names.is_valid("第五伦")
    assert {"国", "洁", "军", "宁"} <= names.GIVEN_NAME_CHARACTERS
    assert not {"之", "般", "的", "吗"} & names.GIVEN_NAME_CHARACTERS
