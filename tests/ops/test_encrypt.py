"""Field encryption: round trips, tamper detection, context binding, modes, columns, errors."""

from __future__ import annotations

import datetime as dt
import decimal
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.errors import (
    DecryptionError,
    InvalidArgument,
    KeyNotFound,
    KeyStateError,
    UnsupportedColumn,
)
from medguard.keys import Keyring, Suite
from medguard.ops.encryption import (
    decrypt,
    encrypt,
    encrypt_deterministically,
    inspect_ciphertext,
    try_decrypt,
)

RINGS = {suite: Keyring.generate(suite) for suite in ("aes", "sm")}
MODES = {"randomized": encrypt, "deterministic": encrypt_deterministically}

scalars = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a)))


@pytest.mark.parametrize("suite", RINGS)
@pytest.mark.parametrize("mode", MODES)
@given(value=scalars)
@settings(max_examples=40)
def test_scalar_round_trip_keeps_type(suite: str, mode: str, value: object) -> None:
    """Every supported type decrypts to an equal value of the same type, in every suite and mode."""
    ring = RINGS[suite]
    token = MODES[mode](value, ring, table="patients", field="f")
    assert isinstance(token, str)
    assert token.startswith("mg1.")
    assert _same(decrypt(token, ring, table="patients", field="f"), value)


@pytest.mark.parametrize("suite", RINGS)
@pytest.mark.parametrize("mode", MODES)
@given(values=st.lists(st.one_of(st.none(), st.text(max_size=20), st.integers()), max_size=30))
@settings(max_examples=25)
def test_column_round_trip_with_nulls(suite: str, mode: str, values: list[object]) -> None:
    """A list column round-trips with nulls kept in place, in text and bytes form."""
    ring = RINGS[suite]
    for output in ("text", "bytes"):
        tokens = MODES[mode](values, ring, table="t", field="f", output=output)
        assert [t is None for t in tokens] == [v is None for v in values]
        assert decrypt(tokens, ring, table="t", field="f") == values


@pytest.mark.parametrize("suite", RINGS)
def test_randomized_differs_deterministic_repeats(suite: str) -> None:
    """encrypt gives a new ciphertext each time; encrypt_deterministically the same one."""
    ring = RINGS[suite]
    values = ["110101199003071234"] * 3
    assert len(set(encrypt(values, ring, field="id"))) == 3
    assert len(set(encrypt_deterministically(values, ring, field="id"))) == 1
    assert encrypt_deterministically("a", ring, field="id") != encrypt_deterministically(
        "b", ring, field="id"
    )


@pytest.mark.parametrize("suite", RINGS)
def test_deterministic_tokens_depend_on_field_and_key(suite: str) -> None:
    """Equal values give different tokens in another field, table or keyring."""
    ring = RINGS[suite]
    a = encrypt_deterministically("13800138000", ring, table="p", field="mobile")
    assert a != encrypt_deterministically("13800138000", ring, table="p", field="phone")
    assert a != encrypt_deterministically("13800138000", ring, table="q", field="mobile")
    other = Keyring.generate(suite)
    assert (
        a.split(".")[3]
        != encrypt_deterministically("13800138000", other, table="p", field="mobile").split(".")[3]
    )


@pytest.mark.parametrize("suite", RINGS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("output", ["text", "bytes"])
def test_any_bit_flip_fails(suite: str, mode: str, output: str) -> None:
    """Flipping any bit of a ciphertext (header or body, either form) never decrypts."""
    ring = RINGS[suite]
    token = MODES[mode]("110101199003071234", ring, field="id", output=output)
    raw = token.encode("ascii") if isinstance(token, str) else token
    for bit in range(len(raw) * 8):
        bad = bytearray(raw)
        bad[bit // 8] ^= 1 << (bit % 8)
        candidate = bad.decode("latin-1") if isinstance(token, str) else bytes(bad)
        report = try_decrypt([candidate], ring, field="id")
        assert report.values == [None], f"bit {bit}"
        assert len(report.failures) == 1


@pytest.mark.parametrize("suite", RINGS)
@pytest.mark.parametrize("mode", MODES)
def test_ciphertext_moved_to_other_field_fails(suite: str, mode: str) -> None:
    """A ciphertext copied into another table or field does not decrypt there."""
    ring = RINGS[suite]
    token = MODES[mode]("13800138000", ring, table="patients", field="mobile")
    for table, field in (("patients", "landline"), ("visits", "mobile"), ("", "")):
        with pytest.raises(DecryptionError):
            decrypt(token, ring, table=table, field=field)


@pytest.mark.parametrize("suite", RINGS)
def test_ciphertext_swapped_between_rows_fails(suite: str) -> None:
    """With record IDs bound, swapping two rows' ciphertexts makes both fail."""
    ring = RINGS[suite]
    tokens = encrypt(["a", "b", "c"], ring, field="f", record_ids=["r1", "r2", "r3"])
    assert decrypt(tokens, ring, field="f", record_ids=["r1", "r2", "r3"]) == ["a", "b", "c"]
    swapped = [tokens[1], tokens[0], tokens[2]]
    report = try_decrypt(swapped, ring, field="f", record_ids=["r1", "r2", "r3"])
    assert report.values == [None, None, "c"]
    assert [f.row for f in report.failures] == [0, 1]
    with pytest.raises(DecryptionError, match="row 0"):
        decrypt(swapped, ring, field="f", record_ids=["r1", "r2", "r3"])


def test_record_ids_must_be_complete() -> None:
    """A missing record ID or a record-ID column of another length is an argument error."""
    ring = RINGS["aes"]
    with pytest.raises(InvalidArgument, match="row 1"):
        encrypt(["a", "b"], ring, record_ids=["r1", None])
    with pytest.raises(InvalidArgument):
        encrypt(["a", "b"], ring, record_ids=["r1"])


def test_wrong_keyring_and_unknown_key() -> None:
    """Another keyring's ciphertext raises KeyNotFound naming the key ID."""
    token = encrypt("x", RINGS["aes"])
    kid = inspect_ciphertext(token).key_id
    with pytest.raises(KeyNotFound, match=kid):
        decrypt(token, Keyring.generate())


def test_errors_null_and_report() -> None:
    """errors='null' gives None for failed rows; try_decrypt reports each with its row."""
    ring = RINGS["aes"]
    good = encrypt(["a", "b"], ring)
    column = [good[0], "garbage", None, good[1], 42]
    assert decrypt(column, ring, errors="null") == ["a", None, None, "b", None]
    report = try_decrypt(column, ring)
    assert not report.ok
    assert [f.row for f in report.failures] == [1, 4]
    assert all(isinstance(f.error, DecryptionError) for f in report.failures)
    with pytest.raises(InvalidArgument):
        decrypt(column, ring, errors="ignore")  # type: ignore[arg-type]


def test_error_messages_hold_no_plaintext_or_key() -> None:
    """Failures name rows and key IDs but never the value or key material."""
    from medguard.keys import SECRET_ACCESS

    ring = RINGS["aes"]
    token = encrypt("110101199003071234", ring, field="id")
    try:
        decrypt(token, ring, field="other")
    except DecryptionError as exc:
        text = str(exc)
    assert "1101011990" not in text
    assert ring.derive("aead", access=SECRET_ACCESS).material.hex() not in text


def test_unsupported_type_is_refused() -> None:
    """A value of an unsupported type raises UnsupportedColumn naming the row."""
    with pytest.raises(UnsupportedColumn, match="row 1"):
        encrypt(["a", object()], RINGS["aes"])


def test_column_kinds_round_trip() -> None:
    """numpy, pandas, pyarrow and tuple columns come back as the same kind, nulls kept."""
    ring = RINGS["sm"]
    columns = [
        np.array(["a", "b"]),
        np.array(["a", None, "c"], dtype=object),
        pd.Series(["a", None, "c"], dtype="string", name="id", index=[5, 6, 7]),
        pd.Series([1, None, 3], dtype="Int64"),
        pa.array(["a", None]),
        pa.array([1, None, 3]),
        pa.chunked_array([pa.array(["x", "y"])]),
        ("a", "b"),
        [],
    ]
    for column in columns:
        kind = pa.ChunkedArray if isinstance(column, pa.ChunkedArray) else type(column)
        kind = pa.Array if isinstance(column, pa.Array) else kind
        tokens = encrypt(column, ring, table="t", field="f")
        assert isinstance(tokens, kind)
        back = decrypt(tokens, ring, table="t", field="f")
        assert isinstance(back, kind)
        if isinstance(column, pd.Series):
            assert list(back.index) == list(column.index)
            assert back.isna().tolist() == column.isna().tolist()
            assert [v for v in back if not pd.isna(v)] == [v for v in column if not pd.isna(v)]
        elif isinstance(column, (pa.Array, pa.ChunkedArray)):
            assert back.to_pylist() == column.to_pylist()
        else:
            assert list(back) == list(column)


def test_typed_pandas_column_round_trip() -> None:
    """Dates, ints and floats in an object Series come back with their types."""
    ring = RINGS["aes"]
    column = pd.Series([dt.date(2020, 1, 2), 7, 1.5, decimal.Decimal("3.10"), None])
    back = decrypt(encrypt(column, ring), ring)
    assert back.tolist()[:4] == column.tolist()[:4]
    assert [type(v) for v in back.tolist()[:4]] == [type(v) for v in column.tolist()[:4]]
    assert back.isna().tolist() == [False, False, False, False, True]


def test_inspect_ciphertext() -> None:
    """inspect_ciphertext reads scheme, suite, mode and key ID from either form."""
    ring = RINGS["sm"]
    info = inspect_ciphertext(encrypt_deterministically("x", ring, output="bytes"))
    assert (info.scheme, info.suite, info.deterministic, info.form) == (
        "sm4siv",
        Suite.SM,
        True,
        "bytes",
    )
    assert info.key_id == ring.primary.key_id
    assert inspect_ciphertext(encrypt("x", ring)).scheme == "sm4gcm"
    with pytest.raises(InvalidArgument):
        inspect_ciphertext("mg2.aesgcm.k.AAAA")


def test_disabled_key_refuses_and_reenabled_decrypts() -> None:
    """A disabled key's values raise KeyStateError until the key is enabled again."""
    ring = Keyring.generate()
    token = encrypt("x", ring)
    old = ring.primary.key_id
    ring.rotate()
    ring.disable(old)
    with pytest.raises(KeyStateError):
        decrypt(token, ring)
    ring.enable(old)
    assert decrypt(token, ring) == "x"


@given(
    width=st.integers(0, 30),
    alphabet=st.sampled_from(["0123456789X", "ab\ncd\r\t ", "é中文", "\x00\x7f"]),
    count=st.integers(16, 40),
    data=st.data(),
)
@settings(max_examples=30)
def test_bulk_equal_length_columns_round_trip(
    width: int, alphabet: str, count: int, data: st.DataObject
) -> None:
    """Columns of equal-length strings (the vectorized path) round-trip, newlines included."""
    text = st.text(alphabet=alphabet, min_size=width, max_size=width)
    values = data.draw(st.lists(text, min_size=count, max_size=count))
    for ring in RINGS.values():
        for mode in MODES.values():
            tokens = mode(values, ring, field="f")
            assert decrypt(tokens, ring, field="f") == values


@pytest.mark.parametrize("suite", RINGS)
def test_tampered_row_in_bulk_column_fails_alone(suite: str) -> None:
    """In a bulk-encrypted column, one tampered row fails and every other row decrypts."""
    ring = RINGS[suite]
    values = [f"11010119900307{i:04d}" for i in range(40)]
    tokens = encrypt(values, ring, field="id")
    body = tokens[7].rsplit(".", 1)
    flipped = "A" if body[1][5] != "A" else "B"
    tokens[7] = body[0] + "." + body[1][:5] + flipped + body[1][6:]
    report = try_decrypt(tokens, ring, field="id")
    assert [f.row for f in report.failures] == [7]
    assert report.values[:7] == values[:7]
    assert report.values[8:] == values[8:]


@pytest.mark.parametrize("suite", RINGS)
def test_mixed_length_groups_round_trip(suite: str) -> None:
    """Columns mixing bulk-sized and small equal-length groups keep every row in place."""
    ring = RINGS[suite]
    values: list[object] = [f"11010119900307{i:04d}" for i in range(20)]
    values += [f"1380013{i:04d}" for i in range(20)] + ["张三", None, 42]
    order = list(range(len(values)))
    order = order[::2] + order[1::2]
    column = [values[i] for i in order]
    for output in ("text", "bytes"):
        tokens = encrypt(column, ring, table="t", field="f", output=output)
        assert decrypt(tokens, ring, table="t", field="f") == column


@pytest.mark.parametrize("suite", RINGS)
def test_bulk_column_with_record_ids(suite: str) -> None:
    """Large columns bound to record IDs round-trip, and swapping two rows fails just those."""
    ring = RINGS[suite]
    values = [f"1380013{i:04d}" for i in range(30)] + ["张三丰", "李四"] * 10
    records = [f"P{i}" if i % 3 else i for i in range(len(values))]
    tokens = encrypt(values, ring, table="t", field="mobile", record_ids=records)
    assert decrypt(tokens, ring, table="t", field="mobile", record_ids=records) == values
    tokens[4], tokens[5] = tokens[5], tokens[4]
    report = try_decrypt(tokens, ring, table="t", field="mobile", record_ids=records)
    assert [f.row for f in report.failures] == [4, 5]
