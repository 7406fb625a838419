"""Layout of generalization: hierarchies in ops.generalize, the op in ops.generalize_op."""

import pickle

from medguard.ops import generalization, generalize, generalize_op
from medguard.ops.base import OpContext, op_class
from medguard.privacy import generalize as privacy_generalize


def test_the_generalize_op_lives_in_generalize_op_and_is_registered():
    """op_class("generalize") is generalize_op.GeneralizeOp, and it pickles by that name."""
    assert op_class("generalize") is generalize_op.GeneralizeOp
    op = generalize_op.GeneralizeOp.of("address", to="city")
    assert pickle.loads(pickle.dumps(op)) == op
    assert op.apply(["广东省深圳市南山区科技园路18号"], OpContext())[0] == ["广东省深圳市"]


def test_every_generalizer_is_in_generalize():
    """The generalizers the op runs are all hierarchies of medguard.ops.generalize."""
    for cls in generalize_op._CLASSES.values():
        assert cls.__module__ == "medguard.ops.generalize", cls
        assert cls.__name__ in generalize.__all__


def test_the_old_module_names_still_import_the_same_objects():
    """medguard.ops.generalization and medguard.privacy.generalize re-export, not copy."""
    for name in generalization.__all__:
        home = generalize_op if hasattr(generalize_op, name) else generalize
        assert getattr(generalization, name) is getattr(home, name), name
    for name in privacy_generalize.__all__:
        assert getattr(privacy_generalize, name) is getattr(generalize, name), name
