"""medguard.ops.base: reports add up, contexts check themselves, the registry refuses clearly."""

from __future__ import annotations

import pyarrow as pa
import pytest

from medguard.errors import InvalidArgument, PolicyError
from medguard.ops.base import (
    OpConfigError,
    OpContext,
    OpReport,
    arrow_family,
    op_class,
    op_from_config,
)


def test_reports_add_up() -> None:
    """Batch reports add field by field; the key ID survives when both agree."""
    a = OpReport(3, 2, 0, 1, "k1")
    b = OpReport(2, 1, 1, 0, "k1")
    assert a + b == OpReport(5, 3, 1, 1, "k1")
    assert (a + b).unchanged == 0
    assert (a + OpReport(1, 1, 0, 0, "k2")).key_id == "k1,k2"
    assert (OpReport(0, 0, 0, 0, None) + b).key_id == "k1"


def test_context_checks_recipient_and_names() -> None:
    """A recipient must be a short name; table and field must be text."""
    assert OpContext(recipient="cdc").keyed_context() == "recipient:cdc"
    assert OpContext(recipient="cdc").keyed_context("x") == "x|recipient:cdc"
    assert OpContext().keyed_context("x") == "x"
    assert OpContext(table="t", recipient="cdc").keyed_table() == "t@cdc"
    with pytest.raises(InvalidArgument):
        OpContext(recipient="a b")
    with pytest.raises(InvalidArgument):
        OpContext(table=1)  # type: ignore[arg-type]
    assert "keyring" not in repr(OpContext(keyring=object()))


def test_registry_refusals() -> None:
    """Unknown ops and configs without op are OpConfigErrors (PolicyErrors) naming the key."""
    with pytest.raises(OpConfigError) as info:
        op_class("hash")
    assert info.value.key == "op"
    assert "keep" in (info.value.allowed or ())
    with pytest.raises(PolicyError):
        op_from_config({"kind": "phone"})
    with pytest.raises(PolicyError):
        op_from_config({"op": "keep", "extra": 1})


@pytest.mark.parametrize(
    ("arrow_type", "family"),
    [
        (pa.string(), "string"),
        (pa.large_string(), "string"),
        (pa.int8(), "integer"),
        (pa.float32(), "float"),
        (pa.decimal128(5, 2), "decimal"),
        (pa.bool_(), "bool"),
        (pa.date32(), "date"),
        (pa.timestamp("ns", tz="Asia/Shanghai"), "timestamp"),
        (pa.binary(), "binary"),
        (pa.null(), "null"),
        (pa.dictionary(pa.int32(), pa.string()), "string"),
        (pa.list_(pa.int64()), "other"),
    ],
)
def test_arrow_families(arrow_type: pa.DataType, family: str) -> None:
    """Arrow types map to the families ops declare they accept."""
    assert arrow_family(arrow_type) == family
