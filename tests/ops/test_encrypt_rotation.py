"""Rotation, rewrap, destroyed keys and per-subject keys (crypto-shredding)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.errors import KeyStateError
from medguard.keys import Keyring
from medguard.ops.encryption import (
    decrypt,
    encrypt,
    encrypt_deterministically,
    inspect_ciphertext,
    rewrap,
    try_decrypt,
)


@pytest.mark.parametrize("suite", ["aes", "sm"])
@given(rotations=st.integers(1, 4), values=st.lists(st.text(max_size=10), max_size=8))
@settings(max_examples=15)
def test_rotation_keeps_every_value_readable(suite: str, rotations: int, values: list[str]) -> None:
    """Values encrypted under any earlier key still decrypt after several rotations."""
    ring = Keyring.generate(suite)
    batches = []
    for _ in range(rotations):
        batches.append((encrypt(values, ring, field="f"), values))
        ring.rotate()
    for tokens, plain in batches:
        assert decrypt(tokens, ring, field="f") == plain


def test_new_values_use_the_new_primary() -> None:
    """After rotate, encrypt uses the new primary key's ID."""
    ring = Keyring.generate()
    new = ring.rotate()
    assert inspect_ciphertext(encrypt("x", ring)).key_id == new.key_id


def test_rewrap_moves_old_values_and_is_idempotent() -> None:
    """rewrap moves old-key values to the primary, keeps the rest; a rerun changes nothing."""
    ring = Keyring.generate()
    old_tokens = encrypt(["a", "b", None], ring, field="f", record_ids=[1, 2, 3])
    old = ring.primary.key_id
    ring.rotate()
    fresh = encrypt("c", ring, field="f", record_ids=4)
    column = [*old_tokens, fresh]
    report = rewrap(column, ring, field="f", record_ids=[1, 2, 3, 4])
    assert (report.rewrapped, report.unchanged, report.failures) == (2, 1, ())
    assert report.values[2] is None
    assert report.values[3] == fresh
    kids = {inspect_ciphertext(t).key_id for t in report.values if t is not None}
    assert kids == {ring.primary.key_id}
    assert decrypt(report.values, ring, field="f", record_ids=[1, 2, 3, 4]) == ["a", "b", None, "c"]
    again = rewrap(report.values, ring, field="f", record_ids=[1, 2, 3, 4])
    assert (again.rewrapped, again.unchanged) == (0, 3)
    assert again.values == report.values
    ring.destroy(old)  # safe now: nothing needs the old key
    assert decrypt(again.values, ring, field="f", record_ids=[1, 2, 3, 4])[0] == "a"


def test_rewrap_keeps_mode_and_form() -> None:
    """Deterministic tokens stay deterministic (and joinable) after rewrap; bytes stay bytes."""
    ring = Keyring.generate("sm")
    det = encrypt_deterministically(["x", "x"], ring, field="f")
    raw = encrypt(["y"], ring, field="f", output="bytes")
    ring.rotate()
    moved = rewrap([*det, *raw], ring, field="f").values
    assert moved[0] == moved[1] == encrypt_deterministically("x", ring, field="f")
    assert isinstance(moved[2], bytes)
    assert inspect_ciphertext(moved[2]).scheme == "sm4gcm"


def test_rewrap_reports_failures_when_asked() -> None:
    """errors='keep' leaves undecryptable rows as they were and reports them."""
    ring = Keyring.generate()
    tokens = encrypt(["a"], ring, field="f")
    ring.rotate()
    report = rewrap([tokens[0], "garbage"], ring, field="f", errors="keep")
    assert report.rewrapped == 1
    assert report.values[1] == "garbage"
    assert [f.row for f in report.failures] == [1]


def test_destroyed_key_makes_exactly_its_values_unreadable() -> None:
    """Destroying a key fails its values with KeyStateError and leaves others readable."""
    ring = Keyring.generate()
    old_token = encrypt("old", ring)
    old = ring.primary.key_id
    ring.rotate()
    new_token = encrypt("new", ring)
    ring.destroy(old)
    with pytest.raises(KeyStateError):
        decrypt(old_token, ring)
    assert decrypt(new_token, ring) == "new"
    report = try_decrypt([old_token, new_token], ring)
    assert report.values == [None, "new"]
    assert isinstance(report.failures[0].error, KeyStateError)


def test_subject_keys_crypto_shred_one_patient() -> None:
    """Per-row subject keys: destroying one patient's key shreds only that patient's values."""
    ring = Keyring.generate()
    patients = ["p1", "p2", "p1", "p3"]
    values = ["a", "b", "c", "d"]
    tokens = encrypt(values, ring, field="diagnosis", subject=patients)
    assert len({inspect_ciphertext(t).key_id for t in tokens}) == 3
    assert decrypt(tokens, ring, field="diagnosis") == values
    ring.destroy_subject("p1")
    report = try_decrypt(tokens, ring, field="diagnosis")
    assert report.values == [None, "b", None, "d"]
    ring.rotate()
    moved = rewrap(tokens[1:2], ring, field="diagnosis")
    assert (moved.rewrapped, moved.unchanged) == (0, 1)  # subject keys stay per subject


def test_old_key_cannot_encrypt_by_id() -> None:
    """Naming a decrypt-only key for encryption raises KeyStateError."""
    ring = Keyring.generate()
    old = ring.primary.key_id
    ring.rotate()
    with pytest.raises(KeyStateError):
        encrypt("x", ring, key_id=old)
