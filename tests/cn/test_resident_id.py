"""Tests for medguard.cn.resident_id: parsing, validation, the vectorized form, generation."""

import datetime as dt
import random

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric

from medguard.cn import resident_id
from medguard.errors import InvalidIdentifier

seeds = st.integers(min_value=0, max_value=2**32)
kinds = st.sampled_from(["resident", "hmt_permit", "foreign_permanent"])


def _gen(seed, kind="resident", **kw):
    return resident_id.generate(random.Random(seed), kind=kind, **kw)


@given(seeds, kinds)
def test_generated_ids_validate(seed, kind):
    """Every generated ID of every kind validates, scalar and vectorized."""
    value = _gen(seed, kind)
    assert resident_id.is_valid(value)
    assert resident_id.parse(value).kind == kind
    assert resident_id.is_valid_array([value]).tolist() == [True]


@given(seeds, st.integers(0, 17), st.integers(1, 10))
def test_any_single_character_change_is_caught(seed, pos, delta):
    """Changing any one character of a valid ID makes it invalid (MOD 11-2 guarantee)."""
    value = _gen(seed)
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    old = alphabet.index(value[pos])
    new = alphabet[(old + delta) % len(alphabet)]
    assume(new != value[pos])
    changed = value[:pos] + new + value[pos + 1 :]
    assert not resident_id.is_valid(changed)
    assert not resident_id.is_valid_array([changed])[0]


@given(seeds, st.integers(0, 16))
def test_any_adjacent_transposition_is_caught(seed, pos):
    """Swapping two adjacent different characters makes the ID invalid."""
    value = _gen(seed)
    assume(value[pos] != value[pos + 1])
    swapped = value[:pos] + value[pos + 1] + value[pos] + value[pos + 2 :]
    assert not resident_id.is_valid(swapped)


@given(seeds)
def test_full_width_and_spaced_forms_normalize(seed):
    """Full-width digits, spaces, dashes and a lower-case x parse to the same ID."""
    value = _gen(seed)
    full = "".join(chr(ord(c) + 0xFEE0) for c in value)
    spaced = f"{value[:6]} {value[6:14]}-{value[14:]}".lower()
    assert resident_id.parse(full).number == value
    assert resident_id.parse(spaced).number == value


@given(seeds)
def test_agrees_with_python_stdnum_on_mainland_ids(seed):
    """For mainland resident IDs medguard and python-stdnum agree on validity and birth date.

    stdnum also checks that the division code existed in the birth year, so the IDs here are
    of people born this year, when every current code is in use.
    """
    value = _gen(seed, birth_date=dt.date.today().replace(month=1, day=1))
    assert ric.is_valid(value)
    assert ric.get_birth_date(value) == resident_id.parse(value).birth_date


def test_hmt_permits_accepted_where_stdnum_rejects():
    """810000/820000/830000 residence permits validate in medguard (stdnum rejects them)."""
    for prefix in ("810000", "820000", "830000"):
        body = prefix + "19900101" + "001"
        value = body + resident_id.check_character(body)
        assert resident_id.parse(value).kind == "hmt_permit"
        assert resident_id.is_valid_array([value])[0]
        assert not ric.is_valid(value)


def test_parse_gives_typed_fields():
    """The GB 11643 sample parses into region, province, birth date, sex and check."""
    r = resident_id.parse("11010519491231002X")
    assert (r.region_code, r.province, r.region) == ("110105", "北京市", "朝阳区")
    assert r.birth_date == dt.date(1949, 12, 31)
    assert r.sex == "female"
    assert r.check == "X"
    assert "11010519491231002X" not in repr(r)


@given(seeds)
def test_legacy_15_converts_to_18(seed):
    """A 15-digit legacy ID converts to the 18-character form of the same person."""
    rng = random.Random(seed)
    birth = dt.date(1900 + rng.randrange(100), 1 + rng.randrange(12), 1 + rng.randrange(28))
    legacy = resident_id.generate(rng, legacy=True, birth_date=birth)
    assert len(legacy) == 15
    parsed = resident_id.parse(legacy)
    assert parsed.legacy
    assert parsed.birth_date == birth
    assert parsed.number == resident_id.to_18(legacy)
    assert resident_id.is_valid(parsed.number)
    assert resident_id.is_valid_array([legacy])[0]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1101051949123100", "bad length"),
        ("11010519491231002A", "bad check character"),
        ("110105194912310021", "bad check character"),
        ("11O10519491231002X", "bad character"),
    ],
)
def test_reasons(value, reason):
    """Each kind of defect is reported with its own reason."""
    with pytest.raises(InvalidIdentifier) as exc:
        resident_id.parse(value)
    assert exc.value.reason.startswith(reason)
    assert value not in str(exc.value)


def _with_check(body):
    return body + resident_id.check_character(body)


def test_impossible_future_and_unknown_province():
    """Impossible dates, future dates and unknown provinces are refused even with a good check."""
    cases = {
        _with_check("11010519490230002"): "impossible birth date",
        _with_check("11010520991231002"): "birth date in the future",
        _with_check("99010519491231002"): "unknown province of issue",
        _with_check("00010519491231002"): "unknown province",
    }
    for value, reason in cases.items():
        with pytest.raises(InvalidIdentifier) as exc:
            resident_id.parse(value)
        assert exc.value.reason == reason
        assert not resident_id.is_valid_array([value])[0]


def test_vectorized_form_matches_scalar_on_mixed_column():
    """is_valid_array gives the same answers as is_valid on a mixed column with nulls."""
    rng = random.Random(7)
    good = [resident_id.generate(rng) for _ in range(50)]
    bad = [g[:-1] + ("0" if g[-1] != "0" else "1") for g in good[:20]]
    column = [*good, *bad, None, 3, "", "abc", "１１０１０５１９４９１２３１００２Ｘ"]
    expected = [resident_id.is_valid(v) for v in column]
    assert resident_id.is_valid_array(column).tolist() == expected
    assert resident_id.is_valid_array(np.array(good)).all()


@given(seeds, st.sampled_from(["male", "female"]), st.sampled_from(["11", "44", "65"]))
def test_generator_honours_options(seed, sex, province):
    """generate(sex=..., province=..., birth_date=...) produces IDs with those attributes."""
    birth = dt.date(1980, 5, 17)
    r = resident_id.parse(_gen(seed, sex=sex, province=province, birth_date=birth))
    assert (r.sex, r.region_code[:2], r.birth_date) == (sex, province, birth)


@given(st.one_of(
    st.builds(lambda seed: resident_id.generate(random.Random(seed)), st.integers(0, 10**6)),
    st.text(alphabet="0123456789X", min_size=15, max_size=18),
))  # fmt: skip
def test_kind_of_agrees_with_parse(value):
    """The scanner's fast path says valid exactly when parse does, with the same kind."""
    try:
        expected = resident_id.parse(value).kind
    except InvalidIdentifier:
        expected = None
    if len(value) in (15, 18):
        assert resident_id.kind_of(value) == expected
