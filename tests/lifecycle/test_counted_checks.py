"""The sharing checks split for a distributed engine decide what one machine decides.

The engine is played here by pyarrow: the label pass over separate batches, a group-and-count,
the decision, the per-batch apply and a hash join for the re-scan. No Spark needed.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import random
from typing import Any

import pyarrow as pa
import pytest

from medguard.cn import resident_id
from medguard.keys import EnvKeyProvider, Keyring
from medguard.lifecycle import KeyringRef, Pipeline, Policy
from medguard.lifecycle.checks import CheckFailed, SharingChecks
from medguard.lifecycle.counted_checks import COUNT, SUBJECT, CountedChecks, group_key

ENV = "MG_COUNTED_TEST_KEY"


def _table(seed: int, people: int = 60, rows: int = 240) -> pa.Table:
    rng = random.Random(seed)
    ids = [resident_id.generate(rng) for _ in range(people)]
    names = ("pid", "rid", "phone", "birth", "dept", "icd", "note")
    data: dict[str, list[Any]] = {k: [] for k in names}
    for _ in range(rows):
        p = rng.randrange(people)
        data["pid"].append(f"p{p:03d}")
        data["rid"].append(None if rng.random() < 0.05 else ids[p])
        data["phone"].append(f"137{rng.randrange(10**8):08d}")
        data["birth"].append(dt.date(1950 + (p * 7) % 45, 1 + p % 12, 1 + p % 28))
        data["dept"].append(rng.choice(["内科", "外科", "儿科", "急诊", None]))
        data["icd"].append(rng.choice(["E11.9", "I10", "J45.901", "C34.1", "K35.8"]))
        data["note"].append(rng.choice(["复诊", "首诊", "咳嗽三天"]))
    return pa.table(data)


def _policy(check: dict[str, Any], *, rid: dict[str, Any], note: dict[str, Any]) -> Policy:
    def field(kind: str | None, level: int, op: dict[str, Any]) -> dict[str, Any]:
        entry: dict[str, Any] = {"category": "personal_attribute", "level": level, "sharing": op}
        if kind is not None:
            entry["kind"] = kind
        return entry

    return Policy.from_dict(
        {
            "medguard_policy": 1,
            "dataset": "counted",
            "subject": "pid",
            "undeclared": "error",
            "fields": {
                "pid": field(None, 2, {"op": "keep"}),
                "rid": field("resident_id", 4, rid),
                "phone": field("phone", 3, {"op": "mask", "kind": "phone"}),
                "birth": field("date", 2, {"op": "keep"}),
                "dept": field(None, 2, {"op": "keep"}),
                "icd": field("icd10", 2, {"op": "keep"}),
                "note": field("free_text", 2, note),
            },
            "checks": {"sharing": {"k_anonymity": check, "rescan": True}},
        }
    )


_BAND = {"op": "pseudonymize", "kind": "resident_id", "birth": "age_band"}
_NOTHING = {"op": "pseudonymize", "kind": "resident_id", "birth": "window", "keep_sex": False}
CASES = [
    ({"quasi_identifiers": ["birth", "dept", "icd"], "k": 2, "max_suppressed": 0.1}, _NOTHING),
    ({"quasi_identifiers": ["birth", "dept", "rid"], "k": 2, "max_suppressed": 0.2}, _BAND),
    ({"quasi_identifiers": ["birth", "icd"], "k": 3, "max_suppressed": 0.05}, _NOTHING),
    ({"quasi_identifiers": ["birth", "dept"], "k": 2, "max_suppressed": 0.3,
      "levels": {"dept": "as is"}}, _NOTHING),
]  # fmt: skip


@pytest.fixture(scope="module")
def ref(tmp_path_factory: pytest.TempPathFactory) -> KeyringRef:
    os.environ.setdefault(ENV, base64.b64encode(os.urandom(32)).decode())
    path = tmp_path_factory.mktemp("counted") / "ring.mgk"
    Keyring.create(path, EnvKeyProvider(ENV))
    return KeyringRef(str(path), EnvKeyProvider(ENV))


def _distributed(pipeline: Pipeline, table: pa.Table, parts: int = 3) -> tuple[Any, pa.Table]:
    """What the Spark integration does, with pyarrow as the engine."""
    compiled = pipeline.compile(table.schema)
    counted = CountedChecks(SharingChecks(pipeline.policy, compiled.plan), compiled)
    size = -(-table.num_rows // parts)
    batches = list(table.to_batches(max_chunksize=size))
    needed = counted.columns_needed()
    label_pass = counted.label_pass()
    labels = pa.Table.from_batches([label_pass(b.select(needed)) for b in batches])
    grouped = labels.group_by([*counted.label_columns(), SUBJECT]).aggregate([(SUBJECT, "count")])
    grouped = grouped.rename_columns([*grouped.schema.names[:-1], COUNT])
    counted.decide(grouped)
    applier = counted.applier()
    outs = [applier(b, compiled(b)[0]) for b in batches]
    known = {
        (int(c), int(h))
        for b in batches
        for c, h in zip(*counted.input_hashes()(b).to_pydict().values(), strict=True)
    }
    hashes = counted.output_hashes(compiled.plan)
    hits = set()
    for out in outs:
        produced = hashes(out).to_pydict()
        for c, piece, x, h in zip(*produced.values(), strict=True):
            for ic, kh in known:
                if kh == h and (piece or x != ic):
                    hits.add((c, piece))
    counted.refuse(sorted(hits), hashes)
    return counted.outcome, pa.Table.from_batches(outs)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_counted_decision_equals_the_single_machine_one(
    ref: KeyringRef, seed: int, case: int
) -> None:
    """Same levels, k, suppressed rows and subjects, loss; the same rows out, in order."""
    check, rid = CASES[case]
    pipeline = Pipeline(
        _policy(check, rid=rid, note={"op": "keep"}), stage="sharing", keyring_ref=ref
    )
    table = _table(seed)
    try:
        single = pipeline.run(table)
    except CheckFailed as exc:
        refusal = str(exc)
    else:
        refusal = None
    if refusal is not None:
        with pytest.raises(CheckFailed) as counted:
            _distributed(pipeline, table)
        assert str(counted.value) == refusal
        return
    outcome, out = _distributed(pipeline, table)
    assert outcome.to_dict() == single.summary.checks
    assert out.to_pylist() == single.frame.to_pylist()


def test_the_cases_generalize_and_suppress(ref: KeyringRef) -> None:
    """Most cases pass on one machine, with levels between as-is and '*' and suppressed rows."""
    outcomes = []
    for seed in (1, 2, 3):
        for check, rid in CASES:
            policy = _policy(check, rid=rid, note={"op": "keep"})
            try:
                summary = Pipeline(policy, stage="sharing", keyring_ref=ref).run(_table(seed))
            except CheckFailed:
                continue
            outcomes.append(summary.summary.checks)
    assert len(outcomes) >= 8
    assert any(o["suppressed_rows"] for o in outcomes)
    assert any(set(o["levels"].values()) - {"as is", "*"} for o in outcomes)


def test_counted_rescan_refuses_what_one_machine_refuses(ref: KeyringRef) -> None:
    """A note holding a resident ID, and a kept cell equal to a phone: refused alike."""
    check, rid = CASES[0]
    pipeline = Pipeline(_policy(check, rid=rid, note={"op": "keep"}), stage="sharing",
                        keyring_ref=ref)  # fmt: skip
    table = _table(1)
    for leak in ("就诊人身份证" + str(table["rid"][7]), str(table["phone"][100])):
        notes = table["note"].to_pylist()
        notes[150] = leak
        leaky = table.set_column(table.schema.get_field_index("note"), "note", pa.array(notes))
        with pytest.raises(CheckFailed, match="re-scan") as single:
            pipeline.run(leaky)
        with pytest.raises(CheckFailed, match="re-scan") as counted:
            _distributed(pipeline, leaky)
        assert str(counted.value) == str(single.value)


def test_group_keys_never_collide_on_separators() -> None:
    """Label tuples that concatenate alike still get different keys."""
    a = group_key([pa.array(["a|1:b"]), pa.array(["c"])])
    b = group_key([pa.array(["a"]), pa.array(["b|1:c"])])
    assert a.to_pylist() != b.to_pylist()


def test_nothing_key_related_is_in_what_executors_get(ref: KeyringRef) -> None:
    """The per-batch functions pickle (as Spark does, with cloudpickle: hierarchies hold local
    functions) without key material, only the keyring reference."""
    cloudpickle = pytest.importorskip("cloudpickle", reason="cloudpickle comes with pyspark")
    from medguard.keys import SECRET_ACCESS

    check, rid = CASES[1]
    pipeline = Pipeline(_policy(check, rid=rid, note={"op": "keep"}), stage="sharing",
                        keyring_ref=ref)  # fmt: skip
    table = _table(1)
    compiled = pipeline.compile(table.schema)
    counted = CountedChecks(SharingChecks(pipeline.policy, compiled.plan), compiled)
    shipped = cloudpickle.dumps((counted.label_pass(), counted.applier(), counted.input_hashes()))
    ring = ref.open()
    assert ring.export_key(ring.primary.key_id, SECRET_ACCESS) not in shipped
    assert os.environ[ENV].encode() not in shipped
