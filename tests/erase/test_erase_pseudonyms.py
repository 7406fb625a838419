"""Shredding a dataset key makes the pseudonyms made under it irreversible, and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from medguard.erase import DatasetKey, cancel_shred, crypto_shred
from medguard.errors import KeyDestroyed, KeyStateError
from medguard.keys import Keyring
from medguard.ops.date_shift import DateShift
from medguard.ops.pseudonymize_phone import PseudonymizePhone
from medguard.ops.pseudonymize_resident_id import PseudonymizeResidentID

IDS = ["11010519491231002X", "44030519900101123X"]


def _ring_with_dataset_key() -> tuple[Keyring, str]:
    ring = Keyring.generate()
    return ring, ring.add_key().key_id


def test_reverse_under_a_shredded_dataset_key_raises_key_destroyed():
    """A pinned dataset key, once shredded, fails reverse loudly instead of a wrong person."""
    ring, dataset = _ring_with_dataset_key()
    pinned = PseudonymizeResidentID(ring, context="cdc", key_id=dataset)
    other = PseudonymizePhone(ring, context="cdc")  # under the primary key
    fakes, phone = pinned.apply(IDS), other.apply("13800138000")
    assert pinned.reverse(fakes) == IDS
    crypto_shred(DatasetKey(dataset), ring, actor="dpo")
    with pytest.raises(KeyDestroyed):
        pinned.reverse(fakes)
    with pytest.raises(KeyDestroyed):
        pinned.apply(IDS)
    assert other.reverse(phone) == "13800138000"  # everything else still works


def test_a_pinned_key_differs_from_the_primary_and_date_shifts_follow_it():
    """Pinning changes the pseudonym space; DateShift pins the same way and is shredded too."""
    ring, dataset = _ring_with_dataset_key()
    primary = PseudonymizeResidentID(ring, context="cdc")
    pinned = PseudonymizeResidentID(ring, context="cdc", key_id=dataset)
    assert primary.apply(IDS) != pinned.apply(IDS)
    shift = DateShift(ring, context="cdc", key_id=dataset)
    moved = shift.apply("2025-01-03", "p1")
    assert shift.reverse(moved, "p1") == "2025-01-03"
    crypto_shred(DatasetKey(dataset), ring, actor="dpo", grace=dt.timedelta(days=7))
    with pytest.raises(KeyStateError):  # pending: unusable until cancelled
        shift.reverse(moved, "p1")
    cancel_shred(DatasetKey(dataset), ring, actor="dpo")
    assert shift.reverse(moved, "p1") == "2025-01-03"
