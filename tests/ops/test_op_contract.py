"""The one contract every registered operation keeps (parametrized over the registry).

Each registered op name has at least one example below (families with kinds have one per
kind), and a test fails when an op is registered without one, so a new operation cannot skip
the contract: config round trip, scalar = column, nulls kept, report counts, reverse where
reversible, refusal of Arrow types it does not accept, and pickles without key material.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import medguard.lifecycle  # noqa: F401 - registers deidentify (it builds on medguard.detect)
from medguard.errors import InvalidArgument, MedguardError, PolicyError, UnsupportedColumn
from medguard.keys import SECRET_ACCESS, Keyring
from medguard.ops.base import OP_NAMES, OpContext, OpReport, op_from_config, registry
from medguard.typing import Operation

ID1 = "11010519491231002X"
ID2 = "440305198506150011"

# (config, sample values without nulls)
EXAMPLES: list[tuple[dict[str, Any], list[Any]]] = [
    ({"op": "keep"}, ["a", "b"]),
    ({"op": "drop"}, ["a", "b"]),
    ({"op": "suppress"}, ["a", "b"]),
    ({"op": "mask", "kind": "phone"}, ["13800138000", "13912345678"]),
    ({"op": "mask", "kind": "name"}, ["张三", "欧阳娜娜"]),
    ({"op": "mask", "kind": "resident_id", "first": 1}, [ID1, ID2]),
    ({"op": "mask", "kind": "bank_card"}, ["6222021234567890128", "4111111111111111"]),
    ({"op": "mask", "kind": "email"}, ["zhang@163.com", "li.si@example.cn"]),
    (
        {"op": "mask", "kind": "address"},
        ["广东省深圳市南山区科技园路18号", "北京市朝阳区建国路1号"],
    ),
    ({"op": "mask", "kind": "passport"}, ["E12345678", "G12345678"]),
    ({"op": "mask", "kind": "string", "first": 2, "last": 0}, ["abcdef", "xyz123"]),
    ({"op": "encrypt"}, ["13800138000", "张三"]),
    ({"op": "encrypt", "output": "bytes"}, ["a", "bb"]),
    ({"op": "encrypt_deterministically"}, ["P001", "P002"]),
    ({"op": "pseudonymize", "kind": "resident_id", "region": "province"}, [ID1, ID2]),
    ({"op": "pseudonymize", "kind": "phone"}, ["13800138000", "13912345678"]),
    ({"op": "pseudonymize", "kind": "bank_card"}, ["6222021234567890128", "4111111111111111"]),
    ({"op": "pseudonymize", "kind": "passport"}, ["E12345678", "G12345678"]),
    ({"op": "pseudonymize", "kind": "uscc"}, ["91350100M000100Y43", "12220521JURQ283F5U"]),
    ({"op": "pseudonymize", "kind": "record_number"}, ["20250001234", "20250005678"]),
    ({"op": "pseudonymize", "kind": "name"}, ["张三丰", "王小明"]),
    ({"op": "tokenize", "kind": "resident_id"}, [ID1, ID2]),
    ({"op": "tokenize", "kind": "record_number"}, ["20250001234", "20250005678"]),
    ({"op": "generalize", "kind": "date", "to": "quarter"}, ["2025-03-14", "2024-11-30"]),
    ({"op": "generalize", "kind": "age"}, [47, 90]),
    ({"op": "generalize", "kind": "region", "to": "city"}, ["440305", "深圳市南山区"]),
    (
        {"op": "generalize", "kind": "address", "to": "district"},
        ["四川省成都市武侯区一环路1号", "上海市浦东新区"],
    ),
    ({"op": "generalize", "kind": "icd10", "to": "chapter"}, ["E11.9", "I10"]),
    ({"op": "generalize", "kind": "number", "width": 10, "top": 90}, [73.5, 95]),
    ({"op": "date_shift", "max_days": 30}, ["2025-01-03", "2025-02-01"]),
    ({"op": "pseudonymize", "kind": "phone", "key_id": "test1"}, ["13800138000", "13912345678"]),
    ({"op": "deidentify"}, ["患者张三，电话13800138000。", "复诊，无特殊。"]),
    ({"op": "deidentify", "mode": "surrogate", "dates": "shift"}, ["张三于2025-01-03就诊", "无"]),
]
SUBJECTS = ["patient-1", "patient-2"]
IDS = [f"{c['op']}:{c.get('kind', '')}:{i}" for i, (c, _) in enumerate(EXAMPLES)]
# An Arrow type nothing but keep/drop/suppress accepts.
ODD_TYPE = pa.list_(pa.int64())


@pytest.fixture(scope="module")
def ring() -> Keyring:
    ring = Keyring.generate()
    ring.add_key(key_id="test1")  # a second (active) key that ops can pin with key_id
    return ring


def _ctx(ring: Keyring, op: Operation, values: Any, **extra: Any) -> OpContext:
    subjects: Any = None
    if "subject" in op.needs:
        if isinstance(values, list):
            subjects = (SUBJECTS * len(values))[: len(values)]
        else:
            subjects = SUBJECTS[0]
    return OpContext(
        keyring=ring, table="visits", field="f", subjects=subjects, recipient="cdc", **extra
    )


def _plain(column: Any) -> list[Any]:
    if isinstance(column, (pa.Array, pa.ChunkedArray)):
        return column.to_pylist()
    if isinstance(column, pd.Series):
        return [None if v is None or v is pd.NA or v != v else v for v in column.tolist()]
    return list(column)


def test_every_registered_op_has_an_example() -> None:
    """A registered op without an example here would escape the contract."""
    covered = {config["op"] for config, _ in EXAMPLES}
    assert set(registry()) <= covered
    assert set(registry()) == set(OP_NAMES)


@pytest.mark.parametrize(("config", "values"), EXAMPLES, ids=IDS)
def test_config_round_trip(config: dict[str, Any], values: list[Any]) -> None:
    """to_config gives plain JSON data that from_config turns back into an equal op."""
    op = op_from_config(config)
    assert isinstance(op, Operation)
    data = op.to_config()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["op"] == op.name
    again = op_from_config(data)
    assert again == op
    assert type(op).from_config(data) == op  # type: ignore[attr-defined]
    for key, value in config.items():
        assert data.get(key, value) == value


@pytest.mark.parametrize(("config", "values"), EXAMPLES, ids=IDS)
def test_scalar_equals_column(ring: Keyring, config: dict[str, Any], values: list[Any]) -> None:
    """One value gives what the same value gives inside a column."""
    op = op_from_config(config)
    column, _ = op.apply(values, _ctx(ring, op, values))
    for i, value in enumerate(values):
        ctx = OpContext(
            keyring=ring,
            table="visits",
            field="f",
            subjects=SUBJECTS[i] if "subject" in op.needs else None,
            recipient="cdc",
        )
        one, report = op.apply(value, ctx)
        assert report.total == 1
        if config["op"] == "encrypt":  # randomized: compare what they decrypt to
            assert op.reverse(one, ctx) == op.reverse([column[i]], ctx)[0] == value
        else:
            assert one == column[i]


@pytest.mark.parametrize("kind", ["list", "pandas", "arrow"])
@pytest.mark.parametrize(("config", "values"), EXAMPLES, ids=IDS)
def test_nulls_kept_and_counted(
    ring: Keyring, config: dict[str, Any], values: list[Any], kind: str
) -> None:
    """Nulls stay null at their rows, and the report counts every row exactly once."""
    op = op_from_config(config)
    rows = [values[0], None, values[1], None]
    column: Any = {
        "list": rows,
        "pandas": pd.Series(rows, dtype=object),
        "arrow": pa.array(rows),
    }[kind]
    out, report = op.apply(column, _ctx(ring, op, rows))
    plain = _plain(out)
    assert len(plain) == 4
    assert plain[1] is None
    assert plain[3] is None
    assert isinstance(report, OpReport)
    assert report.total == 4
    assert report.nulls == 2
    assert report.changed + report.invalid + report.unchanged == 2
    assert report.unchanged >= 0
    if "keyring" in op.needs:
        assert report.key_id
    if config["op"] not in ("keep",):
        assert report.invalid == 0, "the examples are valid values"


@pytest.mark.parametrize(("config", "values"), EXAMPLES, ids=IDS)
def test_reverse_where_reversible(ring: Keyring, config: dict[str, Any], values: list[Any]) -> None:
    """Reversible ops give the input back under the same context; the others refuse."""
    op = op_from_config(config)
    ctx = _ctx(ring, op, values)
    out, _ = op.apply(values, ctx)
    if op.reversible:
        assert _plain(op.reverse(out, ctx)) == values
    else:
        with pytest.raises(InvalidArgument):
            op.reverse(out, ctx)


@pytest.mark.parametrize(("config", "values"), EXAMPLES, ids=IDS)
def test_refuses_what_it_does_not_accept(
    ring: Keyring, config: dict[str, Any], values: list[Any]
) -> None:
    """An Arrow column of a type the op does not accept is refused, naming the field."""
    op = op_from_config(config)
    assert op.accepts(pa.array(values).type)
    if config["op"] in ("keep", "drop", "suppress"):
        assert op.accepts(ODD_TYPE)
        return
    assert not op.accepts(ODD_TYPE)
    column = pa.array([[1], [2]], type=ODD_TYPE)
    with pytest.raises(UnsupportedColumn, match="'f'"):
        op.apply(column, _ctx(ring, op, [1, 2]))


@pytest.mark.parametrize(("config", "values"), EXAMPLES, ids=IDS)
def test_pickles_without_key_material(
    ring: Keyring, config: dict[str, Any], values: list[Any]
) -> None:
    """An op pickles (before and after running) and its bytes hold no key of the keyring."""
    op = op_from_config(config)
    op.apply(values, _ctx(ring, op, values))
    data = pickle.dumps(op)
    key = ring.export_key(ring.primary.key_id, SECRET_ACCESS)
    assert key not in data
    assert pickle.loads(data) == op
    assert "Keyring" not in repr(op)


@pytest.mark.parametrize(("config", "values"), EXAMPLES, ids=IDS)
def test_context_is_required(ring: Keyring, config: dict[str, Any], values: list[Any]) -> None:
    """An op that needs a keyring or subjects refuses a context without them, naming the field."""
    op = op_from_config(config)
    if not op.needs:
        return
    with pytest.raises(InvalidArgument, match="'f'"):
        op.apply(values, OpContext(field="f"))


def test_recipient_separates_keyed_outputs(ring: Keyring) -> None:
    """Two recipients get unrelated pseudonyms and deterministic ciphertexts (no join)."""
    for config in (
        {"op": "pseudonymize", "kind": "resident_id"},
        {"op": "encrypt_deterministically"},
        {"op": "tokenize", "kind": "record_number"},
    ):
        op = op_from_config(config)
        value = ID1 if "resident" in str(config) else "20250001234"
        a, _ = op.apply([value], OpContext(keyring=ring, field="f", recipient="cdc"))
        b, _ = op.apply([value], OpContext(keyring=ring, field="f", recipient="hospital-b"))
        assert a != b


def test_no_recipient_matches_the_primitive(ring: Keyring) -> None:
    """Without a recipient an op gives exactly what its primitive gives (formats unchanged)."""
    from medguard.ops.date_shift import DateShift
    from medguard.ops.pseudonymize_resident_id import PseudonymizeResidentID

    op = op_from_config({"op": "pseudonymize", "kind": "resident_id", "context": "x"})
    out, _ = op.apply([ID1], OpContext(keyring=ring))
    assert out == PseudonymizeResidentID(ring, context="x").apply([ID1])
    shift = op_from_config({"op": "date_shift", "max_days": 30})
    dates = [dt.date(2025, 1, 3)]
    got, _ = shift.apply(dates, OpContext(keyring=ring, subjects=["p1"]))
    assert got == DateShift(ring, max_days=30).apply(dates, ["p1"])


@pytest.mark.parametrize(
    "config",
    [
        {"op": "nope"},
        {"op": "mask", "kind": "phone", "colour": "red"},
        {"op": "mask", "kind": "dna"},
        {"op": "encrypt", "output": "hex"},
        {"op": "pseudonymize", "kind": "date"},
        {"op": "generalize", "kind": "date", "to": "week"},
        {"op": "date_shift", "max_days": 0},
        {"op": "keep", "x": 1},
        {"op": "deidentify", "mode": "erase"},
    ],
)
def test_bad_config_is_a_policy_error(config: dict[str, Any]) -> None:
    """Unknown ops, kinds and options and unusable values raise PolicyError naming the key."""
    with pytest.raises(PolicyError) as info:
        op_from_config(config)
    assert getattr(info.value, "key", None) in set(config) | {"op"}


CELLS = st.one_of(
    st.none(),
    st.text(max_size=24),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True),
    st.booleans(),
    st.binary(max_size=8),
    st.dates(),
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(CELLS, max_size=6))
@pytest.mark.parametrize(("config", "values"), EXAMPLES, ids=IDS)
def test_any_cells_fail_closed(
    ring: Keyring, config: dict[str, Any], values: list[Any], cells: list[Any]
) -> None:
    """Arbitrary cells give a same-length column with nulls kept, or a MedguardError: never a
    bare exception, never an unchanged non-null value from a transforming op."""
    op = op_from_config(config)
    try:
        out, report = op.apply(cells, _ctx(ring, op, cells))
    except MedguardError:
        return
    assert len(out) == len(cells)
    assert report.total == len(cells)
    for before, after in zip(cells, out, strict=True):
        if before is None:
            assert after is None
