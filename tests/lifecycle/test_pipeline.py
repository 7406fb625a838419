"""Pipelines: plans are checked before any row moves; runs on pandas and Arrow; plans pickle."""

from __future__ import annotations

import base64
import dataclasses
import os
import pickle
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from medguard.errors import InvalidArgument, PolicyError
from medguard.keys import SECRET_ACCESS, EnvKeyProvider, Keyring
from medguard.lifecycle import KeyringRef, Pipeline, PlanError, Policy, Stage

HERE = Path(__file__).parent
ID1 = "11010519491231002X"
ID2 = "440305198506150011"


@pytest.fixture
def policy() -> Policy:
    # these tests pin the plan and the ops; the sharing checks have their own tests
    return dataclasses.replace(Policy.load(HERE / "example_policy.yaml"), checks={})


@pytest.fixture(scope="module")
def ring() -> Keyring:
    return Keyring.generate()


def _visits() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["p1", "p1", "p2", "p3"],
            "resident_id": [ID1, ID1, ID2, None],
            "visit_date": ["2025-01-03", "2025-02-01", "2025-03-15", None],
            "department": ["内科", "内科", "外科", None],
        }
    )


def test_plan_shows_op_options_key_leaks_and_origin(policy: Policy, ring: Keyring) -> None:
    """Each step says its op, options, key ID, leaks and where its rule came from."""
    plan = Pipeline(policy, stage="sharing", keyring=ring, recipient="cdc").plan(_visits())
    rid = plan.step("resident_id")
    assert rid.op.name == "pseudonymize"
    assert rid.params == {"kind": "resident_id", "birth": "age_band", "region": "any"}
    assert rid.key_id == ring.primary.key_id
    assert "equality" in rid.leaks
    assert rid.origin == "policy"
    assert "example_policy.yaml:12" in rid.reason
    assert plan.step("patient_id").op.name == "drop"
    text = str(plan)
    assert "column" in text.splitlines()[1]
    assert "pseudonymize" in text
    html = plan._repr_html_()
    assert html.startswith("<table>")
    assert "date_shift" in html
    assert plan.to_dict()["steps"][1]["op"] == "pseudonymize"


def test_plan_defaults_are_marked(policy: Policy, ring: Keyring) -> None:
    """A stage the policy does not name for a field shows the level default as origin."""
    plan = Pipeline(policy, stage=Stage.STORAGE, keyring=ring).plan(list(_visits().columns))
    step = plan.step("visit_date")
    assert (step.op.name, step.origin) == ("keep", "default")
    assert "level 3 at storage" in step.reason
    assert plan.step("resident_id").op.name == "encrypt"


def test_run_pandas_and_arrow_agree(policy: Policy, ring: Keyring) -> None:
    """run() on a DataFrame and on a Table give the same values; the report counts, no values."""
    pipeline = Pipeline(policy, stage="sharing", keyring=ring, recipient="cdc")
    visits = _visits()
    result = pipeline.run(visits)
    frame = result.frame
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["resident_id", "visit_date", "department"]
    assert frame["resident_id"][0] == frame["resident_id"][1] != ID1
    assert frame["resident_id"][3] is None
    assert frame["department"].tolist()[:3] == ["内科", "内科", "外科"]
    table = pa.Table.from_pandas(visits, preserve_index=False)
    arrow = pipeline.run(table)
    assert isinstance(arrow.frame, pa.Table)
    assert arrow.frame.column("resident_id").to_pylist() == frame["resident_id"].tolist()
    report = result.report.to_dict()
    assert report["rows"] == 4
    assert report["columns"]["resident_id"]["changed"] == 3
    assert report["columns"]["resident_id"]["nulls"] == 1
    assert ID1 not in repr(report)


def test_intervals_survive_date_shift(policy: Policy, ring: Keyring) -> None:
    """One subject's visits move together: the interval between them is kept."""
    frame = Pipeline(policy, stage="sharing", keyring=ring, recipient="cdc").run(_visits()).frame
    dates = pd.to_datetime(frame["visit_date"][:2])
    assert (dates[1] - dates[0]).days == 29


def test_recipients_do_not_join(policy: Policy, ring: Keyring) -> None:
    """Two recipients get different pseudonyms for the same person."""
    a = Pipeline(policy, stage="sharing", keyring=ring, recipient="cdc").run(_visits())
    b = Pipeline(policy, stage="sharing", keyring=ring, recipient="university").run(_visits())
    assert a.frame["resident_id"][0] != b.frame["resident_id"][0]


def test_compiled_plan_pickles_without_keys(policy: Policy, ring: Keyring) -> None:
    """The compiled plan is one picklable function of a RecordBatch holding no key bytes."""
    pipeline = Pipeline(policy, stage="sharing", keyring=ring, recipient="cdc")
    batch = pa.RecordBatch.from_pandas(_visits(), preserve_index=False)
    compiled = pipeline.compile(batch.schema)
    data = pickle.dumps(compiled)
    assert ring.export_key(ring.primary.key_id, SECRET_ACCESS) not in data
    shipped = pickle.loads(data)
    out, report = shipped(batch, keyring=ring)
    assert isinstance(out, pa.RecordBatch)
    expected = pipeline.run(_visits()).frame["resident_id"].tolist()
    assert out.column("resident_id").to_pylist() == expected
    assert report.rows == 4
    assert (report + report).rows == 8
    with pytest.raises(PlanError, match="needs a keyring"):
        shipped(batch)


def test_keyring_reference_opens_in_the_worker(
    policy: Policy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A KeyringRef (file + provider) travels in the plan; the worker opens the keyring itself."""
    monkeypatch.setenv("MG_TEST_WRAP", base64.b64encode(os.urandom(32)).decode())
    provider = EnvKeyProvider("MG_TEST_WRAP")
    path = tmp_path / "ring.mgk"
    ring = Keyring.create(path, provider)
    ref = KeyringRef(str(path), provider)
    pipeline = Pipeline(policy, stage="sharing", keyring_ref=ref, recipient="cdc")
    table = pa.Table.from_pandas(_visits(), preserve_index=False)
    data = pickle.dumps(pipeline.compile(table.schema))
    assert ring.export_key(ring.primary.key_id, SECRET_ACCESS) not in data
    out, _ = pickle.loads(data)(table)
    direct = Pipeline(policy, stage="sharing", keyring=ring, recipient="cdc").run(table)
    assert out.column("resident_id").to_pylist() == direct.frame.column("resident_id").to_pylist()


def _refusal(policy: Policy, data: Any, ring: Keyring | None = None, **kw: Any) -> PlanError:
    pipeline = Pipeline(policy, stage=kw.pop("stage", "sharing"), keyring=ring, **kw)
    with pytest.raises(PlanError) as info:
        pipeline.run(data)
    assert isinstance(info.value, PolicyError)
    return info.value


def test_refuses_missing_declared_column(policy: Policy, ring: Keyring) -> None:
    """A declared column missing from the data is refused, naming field and op."""
    error = _refusal(policy, _visits().drop(columns=["resident_id"]), ring)
    assert (error.field, error.op) == ("resident_id", "pseudonymize")


def test_refuses_undeclared_column(policy: Policy, ring: Keyring) -> None:
    """With undeclared: error, an extra column is refused; drop and keep do what they say."""
    visits = _visits().assign(mobile=["13800138000"] * 4)
    assert _refusal(policy, visits, ring).field == "mobile"
    data = policy.to_dict()
    data["undeclared"] = "drop"
    out = Pipeline(Policy.from_dict(data), stage="sharing", keyring=ring).run(visits)
    assert "mobile" not in out.frame.columns
    assert out.report.columns["mobile"].origin == "undeclared"
    data["undeclared"] = "keep"
    out = Pipeline(Policy.from_dict(data), stage="sharing", keyring=ring).run(visits)
    assert out.frame["mobile"].tolist() == ["13800138000"] * 4


def test_refuses_a_type_the_op_does_not_accept(policy: Policy, ring: Keyring) -> None:
    """An integer column for a string op is refused before the first row."""
    visits = _visits().assign(resident_id=[1, 2, 3, 4])
    error = _refusal(policy, visits, ring)
    assert (error.field, error.op) == ("resident_id", "pseudonymize")
    assert "int64" in error.problem


def test_refuses_missing_subject_column(policy: Policy, ring: Keyring) -> None:
    """date_shift needs the subject column; without it nothing runs."""
    data = policy.to_dict()
    data["undeclared"] = "drop"
    visits = _visits().drop(columns=["patient_id"])
    error = _refusal(Policy.from_dict(data), visits, ring)
    assert (error.field, error.op) == ("visit_date", "date_shift")
    assert "patient_id" in error.problem


def test_refuses_keyed_ops_without_a_keyring(policy: Policy) -> None:
    """A keyed op with no keyring (nor reference) is refused at plan time."""
    error = _refusal(policy, _visits(), None)
    assert error.op in ("pseudonymize", "date_shift")


def test_refuses_a_batch_that_differs_from_the_plan(policy: Policy, ring: Keyring) -> None:
    """A compiled plan checks each batch's columns against the schema it was compiled for."""
    table = pa.Table.from_pandas(_visits(), preserve_index=False)
    compiled = Pipeline(policy, stage="sharing", keyring=ring).compile(table.schema)
    with pytest.raises(PlanError) as info:
        compiled(table.drop_columns(["department"]), keyring=ring)
    assert info.value.field == "department"


def test_refuses_mixed_pandas_columns_without_echoing_values(policy: Policy, ring: Keyring) -> None:
    """A column Arrow cannot type is named; its values never appear in the message."""
    visits = _visits().assign(department=["内科", 3, b"\x00", None])
    error = _refusal(policy, visits, ring)
    assert error.field == "department"
    assert "内科" not in str(error)


def test_bad_stage_and_recipient() -> None:
    """A stage or recipient that does not exist is refused when the pipeline is built."""
    policy = Policy.from_dict(
        {
            "medguard_policy": 1,
            "dataset": "d",
            "fields": {"a": {"category": "health_status", "level": 2}},
        }
    )
    with pytest.raises(PolicyError, match="unknown stage"):
        Pipeline(policy, stage="publishing")
    with pytest.raises(InvalidArgument, match="recipient"):
        Pipeline(policy, stage="sharing", recipient="cdc; drop table")


class _Sink:
    def __init__(self) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []

    def append(self, action: str, /, **fields: Any) -> dict[str, Any]:
        self.records.append((action, fields))
        return fields


def test_run_records_counts_and_accepted_risks(ring: Keyring) -> None:
    """run() writes one audit record: counts per column and the accepts it used, no values."""
    policy = Policy.from_dict(
        {
            "medguard_policy": 1,
            "dataset": "cards",
            "fields": {
                "card_no": {
                    "category": "personal_attribute",
                    "level": 4,
                    "storage": {"op": "encrypt_deterministically"},
                }
            },
            "accept": [
                {"field": "card_no", "risk": "equality", "stage": "storage", "reason": "join"}
            ],
        }
    )
    sink = _Sink()
    pipeline = Pipeline(policy, stage="storage", keyring=ring, audit=sink)
    frame = pd.DataFrame({"card_no": ["6222021234567890128", "6222021234567890128"]})
    out = pipeline.run(frame).frame
    assert out["card_no"][0] == out["card_no"][1]
    [(action, fields)] = sink.records
    assert action == "policy.run"
    assert fields["rows"] == 2
    assert fields["accepted"] == [
        {"field": "card_no", "risk": "equality", "stage": "storage", "reason": "join"}
    ]
    assert "6222021234567890128" not in repr(fields)


def test_deidentify_removes_the_rows_own_values(ring: Keyring) -> None:
    """known: fields gives deidentify each row's declared name and phone, found in its note."""
    policy = Policy.from_dict(
        {
            "medguard_policy": 1,
            "dataset": "notes",
            "subject": "patient_id",
            "undeclared": "keep",
            "fields": {
                "patient_name": {"category": "personal_attribute", "level": 4, "kind": "name"},
                "mobile": {"category": "personal_attribute", "level": 4, "kind": "phone"},
                "note": {
                    "category": "health_status",
                    "level": 3,
                    "kind": "free_text",
                    "sharing": {"op": "deidentify", "mode": "tag", "known": "fields"},
                },
            },
        }
    )
    notes = pd.DataFrame(
        {
            "patient_id": ["p1", "p2"],
            "patient_name": ["欧阳娜娜", "李四"],
            "mobile": ["13800138000", None],
            "note": ["娜娜今日复诊，联系电话138 0013 8000。", "李四无不适。"],
        }
    )
    pipeline = Pipeline(policy, stage="sharing", keyring=ring)
    step = pipeline.plan(notes).step("note")
    assert step.op.known_columns == {"patient_name": "name", "mobile": "phone"}  # type: ignore[attr-defined]
    out = pipeline.run(notes).frame["note"].tolist()
    assert "娜娜" not in out[0]
    assert "8000" not in out[0]
    assert "李四" not in out[1]
    error = _refusal(policy, notes.drop(columns=["mobile"]), ring)
    assert error.field == "mobile"


def test_deidentify_known_must_name_declared_fields() -> None:
    """A known column the policy does not declare is an InvalidPolicy at its path."""
    with pytest.raises(PolicyError) as info:
        Policy.from_dict(
            {
                "medguard_policy": 1,
                "dataset": "notes",
                "fields": {
                    "note": {
                        "category": "health_status",
                        "level": 3,
                        "kind": "free_text",
                        "sharing": {"op": "deidentify", "known": {"nom": "name"}},
                    }
                },
            }
        )
    assert info.value.path == "fields.note.sharing.known"  # type: ignore[attr-defined]
