"""Tests for USCC, bank cards, passports and Hong Kong IDs."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import uscc as std_uscc

from medguard.cn import bank_card, hk_id, passport, uscc
from medguard.errors import InvalidIdentifier

seeds = st.integers(min_value=0, max_value=2**32)


@given(seeds, st.sampled_from(sorted(uscc.AUTHORITIES)))
def test_generated_uscc_validate(seed, authority):
    """Generated credit codes of every authority validate, and stdnum agrees except on A/N/Y."""
    code = uscc.generate(random.Random(seed), authority=authority)
    assert uscc.is_valid(code)
    assert uscc.parse(code).authority == authority
    if authority in "159":
        assert std_uscc.is_valid(code)


def test_uscc_authorities_stdnum_rejects():
    """Codes of authorities A, N and Y validate in medguard though stdnum rejects them."""
    rng = random.Random(1)
    for authority in "ANY":
        code = uscc.generate(rng, authority=authority)
        assert uscc.is_valid(code)
        assert not std_uscc.is_valid(code)


@given(seeds, st.integers(0, 17))
def test_uscc_single_change_caught(seed, pos):
    """Changing one character of a credit code breaks its check."""
    code = uscc.generate(random.Random(seed))
    alphabet = uscc.ALPHABET
    new = alphabet[(alphabet.index(code[pos]) + 1) % len(alphabet)]
    assert not uscc.is_valid(code[:pos] + new + code[pos + 1 :])


def test_uscc_known_code_and_forbidden_letters():
    """A published code validates; letters outside the alphabet (I, O, S, V, Z) are refused."""
    assert uscc.is_valid("91110108551385082Q")
    with pytest.raises(InvalidIdentifier, match="bad character"):
        uscc.parse("91110108551385082I")


@given(seeds, st.integers(16, 19))
def test_bank_cards_validate_and_agree_with_stdnum(seed, length):
    """Generated cards validate (scalar and vectorized) and pass stdnum's Luhn."""
    card = bank_card.generate(random.Random(seed), length=length)
    assert bank_card.is_valid(card)
    assert luhn.is_valid(card)
    assert bank_card.luhn_valid_array([card]).tolist() == [True]
    assert bank_card.parse(card).network == "UnionPay"


@given(st.text(alphabet="0123456789", min_size=16, max_size=19))
def test_luhn_array_matches_stdnum(number):
    """The vectorized Luhn check agrees with stdnum on arbitrary digit strings."""
    assert bank_card.luhn_valid_array([number])[0] == luhn.is_valid(number)


@given(
    seeds, st.sampled_from(["passport", "diplomatic_passport", "hk_macao_permit", "taiwan_permit"])
)
def test_passports_round_trip(seed, kind):
    """Generated passports and permits parse back to their kind."""
    value = passport.generate(random.Random(seed), kind=kind)
    assert passport.parse(value).kind == kind


@pytest.mark.parametrize("value", ["E1234567", "EI1234567", "X12345678", "H1234567", "G123456789"])
def test_bad_passports(value):
    """Wrong lengths, letters and prefixes are refused."""
    assert not passport.is_valid(value)


@given(seeds)
def test_hk_ids_validate_in_written_forms(seed):
    """Generated HKIDs validate with and without parentheses and in lower case."""
    value = hk_id.generate(random.Random(seed))
    assert hk_id.is_valid(value)
    assert hk_id.is_valid(value.replace("(", "").replace(")", "").lower())
    assert hk_id.normalize(value.lower()) == value


def test_hk_id_published_example():
    """The widely published example A123456(3) validates and A123456(4) does not."""
    assert hk_id.is_valid("A123456(3)")
    assert not hk_id.is_valid("A123456(4)")
