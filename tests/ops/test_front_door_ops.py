"""The front-door recipes (mask_*, encrypt, encrypt_deterministically, decrypt) are thin calls
of the operation objects: the same output on any input, through one code path."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.cn import phone, resident_id
from medguard.errors import DecryptionError, InvalidArgument
from medguard.ops import field_encryption, masking
from medguard.ops.base import OpContext
from medguard.ops.encryption import decrypt, encrypt, encrypt_deterministically, try_decrypt
from medguard.ops.field_encryption import EncryptDeterministicallyOp, EncryptOp
from medguard.ops.mask import (
    KeepEnds,
    MaskAddress,
    MaskBankCard,
    MaskEmail,
    MaskName,
    MaskPassport,
    MaskPhone,
    MaskResidentID,
    mask_address,
    mask_bank_card,
    mask_email,
    mask_name,
    mask_passport,
    mask_phone,
    mask_resident_id,
    mask_string,
)
from medguard.ops.masking import MaskOp
from medguard.testing.keyrings import fixed_keyring

RINGS = {"aes": fixed_keyring("aes"), "sm": fixed_keyring("sm")}

RECIPES = [
    (mask_phone, MaskPhone),
    (mask_name, MaskName),
    (mask_resident_id, MaskResidentID),
    (mask_bank_card, MaskBankCard),
    (mask_email, MaskEmail),
    (mask_address, MaskAddress),
    (mask_passport, MaskPassport),
    (mask_string, KeepEnds),
]

# Valid identifiers mixed with arbitrary text and nulls: every path of every mask.
values = st.lists(
    st.one_of(
        st.none(),
        st.text(max_size=20),
        st.integers(0, 10**6).map(lambda s: phone.generate(random.Random(s))),
        st.integers(0, 10**6).map(lambda s: resident_id.generate(random.Random(s))),
        st.sampled_from(["张三", "欧阳娜娜", "zhang@163.com", "广东省深圳市南山区科技园路18号"]),
    ),
    max_size=40,
)


@pytest.mark.parametrize(("recipe", "mask"), RECIPES, ids=lambda x: getattr(x, "__name__", x))
@settings(max_examples=60, deadline=None)
@given(column=values)
def test_a_mask_recipe_equals_the_mask_operation(recipe, mask, column):
    """mask_x(values) is MaskOp(MaskX()).apply(values, ctx) for lists, Series and scalars."""
    op = MaskOp(mask())
    assert recipe(column) == op.apply(column, OpContext())[0]
    series = pd.Series(column, dtype=object)
    assert recipe(series).equals(op.apply(series, OpContext())[0])
    for value in column[:3]:
        assert recipe(value) == op.apply(value, OpContext())[0]


def test_a_mask_recipe_passes_its_options_to_the_mask():
    """Options reach the mask: the recipe with first=1 is the op of MaskPhone(first=1)."""
    got = mask_phone(["13800138000"], first=1, last=2)
    assert got == MaskOp(MaskPhone(first=1, last=2)).apply(["13800138000"], OpContext())[0]
    assert got == ["1********00"]


@pytest.mark.parametrize("suite", ["aes", "sm"])
@settings(max_examples=40, deadline=None)
@given(
    column=values, table=st.sampled_from(["", "visits"]), output=st.sampled_from(["text", "bytes"])
)
def test_deterministic_encryption_equals_its_operation(suite, column, table, output):
    """encrypt_deterministically(...) equals EncryptDeterministicallyOp().apply(...) exactly."""
    ring = RINGS[suite]
    ctx = OpContext(keyring=ring, table=table, field="f")
    op = EncryptDeterministicallyOp(output=output)
    expected = op.apply(column, ctx)[0]
    assert encrypt_deterministically(column, ring, table=table, field="f", output=output) == (
        expected
    )
    assert decrypt(expected, ring, table=table, field="f") == column
    assert op.reverse(expected, ctx) == column


@pytest.mark.parametrize("suite", ["aes", "sm"])
@settings(max_examples=30, deadline=None)
@given(column=values, bind=st.booleans())
def test_randomized_encryption_and_the_operation_decrypt_each_other(suite, column, bind):
    """encrypt and EncryptOp make ciphertexts the other's reverse and decrypt open."""
    ring = RINGS[suite]
    records = [f"r{i}" for i in range(len(column))] if bind else None
    ctx = OpContext(keyring=ring, field="f", record_ids=records)
    op = EncryptOp(bind_record=bind)
    by_function = encrypt(column, ring, field="f", record_ids=records)
    by_op = op.apply(column, ctx)[0]
    assert op.reverse(by_function, ctx) == column
    assert decrypt(by_op, ring, field="f", record_ids=records) == column
    assert try_decrypt(by_op, ring, field="f", record_ids=records).values == column


def test_the_recipes_run_the_operations(monkeypatch):
    """One code path: the recipes call the ops' apply and reverse (a spy sees every call)."""
    calls: list[str] = []
    for cls in (field_encryption._FieldEncryptionOp, masking.MaskOp):
        for method in ("apply", "reverse"):
            original = getattr(cls, method)

            def spy(self, column, ctx, _original=original, _name=f"{cls.__name__}.{method}"):
                calls.append(_name)
                return _original(self, column, ctx)

            monkeypatch.setattr(cls, method, spy)
    ring = RINGS["aes"]
    token = encrypt_deterministically("x", ring)
    decrypt(encrypt("x", ring), ring)
    decrypt(token, ring)
    mask_phone("13800138000")
    assert calls == [
        "_FieldEncryptionOp.apply",
        "_FieldEncryptionOp.apply",
        "_FieldEncryptionOp.reverse",
        "_FieldEncryptionOp.reverse",
        "MaskOp.apply",
    ]


def test_a_scalar_subject_or_record_id_is_broadcast_to_a_column():
    """encrypt(column, subject="P1") and record_ids="r" still mean: the same for every row."""
    ring = fixed_keyring("aes")
    column = ["a", None, "c"]
    by_subject = encrypt(column, ring, field="f", subject="P1")
    assert by_subject[1] is None
    assert decrypt(by_subject, ring, field="f") == column
    bound = encrypt(column, ring, field="f", record_ids="r1")
    assert decrypt(bound, ring, field="f", record_ids=["r1"] * 3) == column
    assert decrypt(bound, ring, field="f", record_ids="r1") == column
    with pytest.raises(DecryptionError):
        decrypt(bound, ring, field="f", record_ids="r2")


def test_front_door_argument_errors_stay_invalid_argument():
    """Bad recipe arguments are InvalidArgument (the ops' OpConfigError is one), never bare."""
    ring = RINGS["aes"]
    with pytest.raises(InvalidArgument, match="not both"):
        encrypt(["a"], ring, key_id=ring.primary.key_id, subject=["p1"])
    with pytest.raises(InvalidArgument, match="output"):
        encrypt(["a"], ring, output="hex")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="errors"):
        decrypt(["a"], ring, errors="ignore")  # type: ignore[arg-type]
