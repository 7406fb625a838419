"""Tests for the layout of the pseudonymizers: one module per family, the old module re-exports."""

import importlib

import pytest

import medguard
from medguard.ops import pseudonymize

FAMILIES = (
    "medguard.ops.pseudonym_core",
    "medguard.ops.pseudonymize_resident_id",
    "medguard.ops.pseudonymize_phone",
    "medguard.ops.pseudonymize_numbers",
    "medguard.ops.pseudonymize_name",
)


@pytest.mark.parametrize("module_name", FAMILIES)
def test_the_old_module_re_exports_every_public_name_of_each_family(module_name):
    """``from medguard.ops.pseudonymize import X`` gives the very object its family module holds."""
    module = importlib.import_module(module_name)
    for name in module.__all__:
        assert name in pseudonymize.__all__, name
        assert getattr(pseudonymize, name) is getattr(module, name), name


def test_date_shift_lives_beside_its_operation_and_is_re_exported():
    """DateShift and MAX_SHIFT_DAYS come from medguard.ops.date_shift, the module of DateShiftOp."""
    from medguard.ops import date_shift

    assert pseudonymize.DateShift is date_shift.DateShift
    assert pseudonymize.MAX_SHIFT_DAYS == date_shift.MAX_SHIFT_DAYS
    assert date_shift.DateShiftOp.name == "date_shift"


def test_the_old_module_exports_nothing_of_its_own():
    """Every name the compatibility module exports is defined in one of the new modules."""
    homes = {*FAMILIES, "medguard.ops.date_shift"}
    for name in pseudonymize.__all__:
        value = getattr(pseudonymize, name)
        if isinstance(value, type):
            assert value.__module__ in homes, name


def test_the_front_door_names_resolve_to_the_family_modules():
    """medguard.PseudonymizeResidentID etc. are the classes of the new modules."""
    for name in ("PseudonymizeResidentID", "PseudonymizePhone", "PseudonymizeName", "DateShift"):
        assert getattr(medguard, name) is getattr(pseudonymize, name)
