"""Tests for medguard.hazmat.ff1: NIST vectors, round trips, scalar == batch, domain checks."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.errors import DomainTooSmall, InvalidArgument
from medguard.hazmat.ff1 import FF1, SmallDomainWarning

VECTORS = json.loads(
    (Path(__file__).parents[1] / "vectors" / "ff1_nist_sp800_38g.json").read_text()
)
KEY = bytes(range(16))


@pytest.mark.parametrize("v", VECTORS["samples"], ids=lambda v: f"sample{v['sample']}")
def test_nist_samples_scalar_and_batch(v):
    """The nine NIST SP 800-38G samples encrypt and decrypt exactly, scalar and batch."""
    ff1 = FF1(bytes.fromhex(v["key"]), v["radix"])
    tweak = bytes.fromhex(v["tweak"])
    assert ff1.encrypt(v["plaintext"], tweak) == v["ciphertext"]
    assert ff1.decrypt(v["ciphertext"], tweak) == v["plaintext"]
    assert ff1.encrypt_batch([v["plaintext"]] * 3, tweak) == [v["ciphertext"]] * 3
    assert ff1.decrypt_batch([v["ciphertext"]], tweak) == [v["plaintext"]]


def _strings(radix, min_size=6, max_size=24):
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"[:radix]
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)


@given(st.sampled_from([10, 36]), st.data(), st.binary(max_size=20))
def test_round_trip_preserves_length_and_alphabet(radix, data, tweak):
    """decrypt(encrypt(x)) == x, and the ciphertext keeps the length and the alphabet."""
    x = data.draw(_strings(radix))
    ff1 = FF1(KEY, radix)
    y = ff1.encrypt(x, tweak)
    assert len(y) == len(x)
    assert set(y) <= set(ff1.alphabet)
    assert ff1.decrypt(y, tweak) == x


@given(st.lists(_strings(10, 6, 45), min_size=1, max_size=12), st.binary(max_size=40))
def test_scalar_equals_batch_on_mixed_lengths(values, tweak):
    """The batch path gives bit-for-bit the scalar results, for mixed lengths and long tweaks."""
    ff1 = FF1(KEY, 10)
    encrypted = ff1.encrypt_batch(values, tweak)
    assert encrypted == [ff1.encrypt(v, tweak) for v in values]
    assert ff1.decrypt_batch(encrypted, tweak) == values


def test_very_long_values_take_the_exact_path():
    """Values too long for 64-bit arithmetic (and for one MAC block) still match the scalar."""
    ff1 = FF1(KEY, 10)
    values = ["1234567890" * 4, "9" * 90]
    assert ff1.encrypt_batch(values) == [ff1.encrypt(v) for v in values]
    assert ff1.decrypt_batch(ff1.encrypt_batch(values)) == values


def test_custom_alphabet():
    """A custom alphabet sets the radix and stays closed under encryption."""
    ff1 = FF1(KEY, alphabet="ABCDEFGHJKLMNPQRTUWXY0123456789")
    x = "91A0BCDE12345678"
    y = ff1.encrypt(x)
    assert ff1.radix == 31
    assert set(y) <= set(ff1.alphabet)
    assert ff1.encrypt_batch([x]) == [y]
    assert ff1.decrypt(y) == x


def test_bijection_on_a_small_exhaustive_domain():
    """On all 1,000 three-digit strings FF1 is a permutation (with the small-domain opt-in)."""
    ff1 = FF1(KEY, 10, allow_small_domain=True)
    domain = [f"{i:03d}" for i in range(1000)]
    with pytest.warns(SmallDomainWarning):
        out = ff1.encrypt_batch(domain)
    assert sorted(out) == domain
    assert ff1.decrypt_batch(out) == domain


def test_small_domain_refused_without_opt_in():
    """radix**length below one million raises DomainTooSmall unless the caller opts in."""
    ff1 = FF1(KEY, 10)
    with pytest.raises(DomainTooSmall):
        ff1.encrypt("12345")
    with pytest.raises(DomainTooSmall):
        ff1.encrypt_batch(["123456", "12345"])
    ff1.encrypt("123456")  # 10**6: the minimum is allowed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(FF1(KEY, 36).encrypt("abcd")) == 4  # 36**4 > 10**6


def test_bad_input_names_the_row():
    """Characters outside the alphabet, non-strings and empty strings are refused by row."""
    ff1 = FF1(KEY, 10)
    with pytest.raises(InvalidArgument, match="row 1"):
        ff1.encrypt_batch(["1234567", "12a4567"])
    with pytest.raises(InvalidArgument, match="row 0"):
        ff1.encrypt_batch([1234567])
    with pytest.raises(InvalidArgument):
        ff1.encrypt("12a4567")


@pytest.mark.parametrize(
    "bad", [{"key": b"short"}, {"radix": 1}, {"radix": 37}, {"alphabet": "aab"}]
)
def test_bad_parameters(bad):
    """Wrong key sizes, radixes and alphabets are refused at construction."""
    kwargs = {"key": KEY, **bad}
    with pytest.raises(InvalidArgument):
        FF1(**kwargs)


def test_column_kinds_and_nulls():
    """numpy, pandas and pyarrow columns come back as themselves with nulls preserved."""
    ff1 = FF1(KEY, 10)
    values = ["1234567890", None, "98765432109876"]
    expected = [ff1.encrypt(values[0]), None, ff1.encrypt(values[2])]
    assert ff1.encrypt_batch(np.array(values, dtype=object)).tolist() == expected
    assert ff1.encrypt_batch(pa.array(values)).to_pylist() == expected
    series = ff1.encrypt_batch(pd.Series(values, name="mrn"))
    assert series.name == "mrn"
    assert series.iloc[0] == expected[0]
    assert pd.isna(series.iloc[1])
    assert ff1.encrypt_batch(np.array(["1234567890"])).dtype.kind == "U"


def test_sm4_extension_round_trips_and_differs_from_aes():
    """FF1 over SM4 round-trips and gives other ciphertexts than FF1 over AES."""
    sm4 = FF1(KEY, 10, cipher="sm4")
    aes = FF1(KEY, 10)
    x = "110105194912310021"
    assert sm4.decrypt(sm4.encrypt(x)) == x
    assert sm4.encrypt_batch([x]) == [sm4.encrypt(x)]
    assert sm4.encrypt(x) != aes.encrypt(x)


def test_tweak_and_key_change_the_output():
    """Another tweak or another key gives another ciphertext (domain separation)."""
    x = "123456789012345678"
    assert FF1(KEY).encrypt(x, b"a") != FF1(KEY).encrypt(x, b"b")
    assert FF1(KEY).encrypt(x) != FF1(bytes(16)).encrypt(x)


def test_repr_hides_the_key():
    """repr names radix and cipher only."""
    assert KEY.hex() not in repr(FF1(KEY))


def test_ff1_refuses_pickling_and_copying():
    """An FF1 object holds the raw key: pickle and copy raise a MedguardError (KeyringError)."""
    import copy
    import pickle

    from medguard.errors import KeyringError

    ff1 = FF1(KEY)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(KeyringError):
            pickle.dumps(ff1, protocol=protocol)
    with pytest.raises(KeyringError):
        copy.copy(ff1)


@given(st.sampled_from([2, 10, 36]), st.integers(min_value=20, max_value=300), st.data())
def test_encrypt_int_equals_the_numerals_at_any_length(radix, length, data):
    """encrypt_int on Python integers (any domain) is FF1 on the value's numerals."""
    ff1 = FF1(KEY, radix)
    values = data.draw(st.lists(st.integers(0, radix**length - 1), min_size=1, max_size=4))
    numerals = np.array(
        [[(x // radix**j) % radix for j in range(length - 1, -1, -1)] for x in values]
    )
    expected = ff1.encrypt_numerals(numerals, b"t")
    out = ff1.encrypt_int(np.array(values, dtype=object), length, b"t")
    as_numerals = [[(int(x) // radix**j) % radix for j in range(length - 1, -1, -1)] for x in out]
    assert as_numerals == expected.tolist()
    assert ff1.decrypt_int(out, length, b"t").tolist() == values
    with pytest.raises(InvalidArgument):
        ff1.encrypt_int(np.array([radix**length], dtype=object), length)
