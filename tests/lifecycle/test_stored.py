"""Later stages read what the storage stage wrote as its values (lifecycle.stored).

Before: the processing stage run on the stored file masked the ciphertexts (rows of
asterisks) and the sharing stage counted k over randomized ciphertexts.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.demo.sharing import sharing_extract, sharing_policy
from medguard.errors import DecryptionError
from medguard.keys import Keyring
from medguard.lifecycle import Pipeline, Policy
from medguard.lifecycle.pipeline import PlanError
from medguard.lifecycle.stored import CIPHERTEXT_PREFIX, open_stored
from medguard.ops.encryption import encrypt


def _policy(*, per_subject: bool = False) -> Policy:
    data = sharing_policy(k=3).to_dict()
    for name in ("name", "resident_id", "mobile", "note"):
        spec: dict[str, object] = {"op": "encrypt"}
        if per_subject:
            spec["per_subject"] = True
        data["fields"][name]["storage"] = spec
    data["fields"]["name"]["processing"] = {"op": "mask", "kind": "name"}
    data["fields"]["mobile"]["processing"] = {"op": "mask", "kind": "phone"}
    data["fields"]["note"]["processing"] = {"op": "keep"}
    return Policy.from_dict(data)


@pytest.fixture(scope="module")
def visits() -> pd.DataFrame:
    return sharing_extract(300)


@pytest.fixture(scope="module")
def ring() -> Keyring:
    return Keyring.generate()


def _stage(policy: Policy, stage: str, ring: Keyring | None, data: object, **kw: object) -> object:
    return Pipeline(policy, stage=stage, keyring=ring, **kw).run(data).frame


def test_processing_from_storage_equals_processing_from_the_raw_extract(
    visits: pd.DataFrame, ring: Keyring
) -> None:
    policy = _policy()
    stored = _stage(policy, "storage", ring, visits)
    assert stored["name"].str.startswith(CIPHERTEXT_PREFIX).all()
    from_store = _stage(policy, "processing", ring, stored)
    from_raw = _stage(policy, "processing", ring, visits)
    pd.testing.assert_frame_equal(from_store, from_raw)
    assert not from_store["name"].str.fullmatch(r"\**").any()  # masked names, not asterisks
    assert list(from_store["note"]) == list(visits["note"])  # keep: the value, not its ciphertext


def test_sharing_from_storage_equals_sharing_from_the_raw_extract(
    visits: pd.DataFrame, ring: Keyring
) -> None:
    policy = _policy(per_subject=True)
    stored = _stage(policy, "storage", ring, visits)
    run = Pipeline(policy, stage="sharing", keyring=ring, recipient="cdc")
    from_store, from_raw = run.run(stored), run.run(visits)
    pd.testing.assert_frame_equal(from_store.frame, from_raw.frame)
    assert from_store.summary.k == from_raw.summary.k >= 3  # k in patients, not ciphertexts


def test_streamed_file_from_storage(tmp_path: Path, visits: pd.DataFrame, ring: Keyring) -> None:
    policy = _policy()
    pipeline = Pipeline(policy, stage="storage", keyring=ring)
    source = tmp_path / "visits.csv"
    visits.to_csv(source, index=False)
    stored = tmp_path / "stored.parquet"
    pipeline.run_file(source, stored, progress=False, batch_rows=50)
    view = tmp_path / "view.csv"
    Pipeline(policy, stage="processing", keyring=ring).run_file(
        stored, view, progress=False, batch_rows=50
    )
    expected = _stage(policy, "processing", ring, visits)
    got = pd.read_csv(view, dtype=str, keep_default_na=False)
    assert list(got["name"]) == list(expected["name"])
    assert list(got["mobile"]) == list(expected["mobile"])


def test_a_shredded_patient_reads_as_missing(visits: pd.DataFrame) -> None:
    ring = Keyring.generate()
    policy = _policy(per_subject=True)
    stored = _stage(policy, "storage", ring, visits)
    gone = visits["patient_id"].iloc[0]
    ring.destroy_subject(gone)
    table = pa.Table.from_pandas(stored, preserve_index=False)
    opened, counts = open_stored(table, ring, table=policy.dataset)
    mine = (visits["patient_id"] == gone).to_numpy()
    names = opened.column("name").to_pylist()
    assert all(names[i] is None for i in range(len(names)) if mine[i])
    assert all(names[i] == visits["name"].iloc[i] for i in range(len(names)) if not mine[i])
    assert counts.erased["name"] == int(mine.sum())
    assert counts.opened["name"] == len(names) - int(mine.sum())
    summary = Pipeline(policy, stage="processing", keyring=ring).run(stored).summary
    assert summary.stored["erased"]["name"] == int(mine.sum())
    assert summary.to_dict()["stored"]["decrypted"]["name"] == len(names) - int(mine.sum())
    assert "erased (key destroyed, read as missing): name" in str(summary)


def test_a_tampered_value_refuses_the_run(visits: pd.DataFrame, ring: Keyring) -> None:
    policy = _policy()
    stored = _stage(policy, "storage", ring, visits).copy()
    value = stored.loc[3, "name"]
    stored.loc[3, "name"] = value[:-3] + ("AAA" if value[-3:] != "AAA" else "BBB")
    with pytest.raises(DecryptionError):
        _stage(policy, "processing", ring, stored)


def test_another_fields_ciphertext_does_not_open(visits: pd.DataFrame, ring: Keyring) -> None:
    """The binding holds: a ciphertext moved to another column is refused, not read."""
    policy = _policy()
    stored = _stage(policy, "storage", ring, visits).copy()
    stored["name"] = stored["mobile"]
    with pytest.raises(DecryptionError):
        _stage(policy, "processing", ring, stored)


def test_mixed_column_and_missing_keyring_are_refused(visits: pd.DataFrame, ring: Keyring) -> None:
    policy = _policy()
    stored = _stage(policy, "storage", ring, visits).copy()
    with pytest.raises(PlanError, match="keyring"):
        open_stored(pa.Table.from_pandas(stored), None, table=policy.dataset)
    stored.loc[0, "name"] = "张三"
    with pytest.raises(PlanError, match="plain value"):
        _stage(policy, "processing", ring, stored)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.text(alphabet="张王李明华0123abc ", max_size=12)),
        min_size=1,
        max_size=30,
    )
)
def test_round_trip_of_any_text_column(values: list[str | None]) -> None:
    ring = _RING
    column = pa.array(values, type=pa.string())
    sealed = encrypt(column, ring, table="t", field="c")
    opened, counts = open_stored(pa.table({"c": sealed}), ring, table="t")
    present = sum(v is not None for v in values)
    assert opened.column("c").to_pylist() == values
    assert counts.opened.get("c", 0) == present
    plain, none = open_stored(pa.table({"c": column}), ring, table="t")
    assert plain.column("c").to_pylist() == values
    assert none.opened == {}


_RING = Keyring.generate()


def test_a_dropped_column_is_left_as_stored(visits: pd.DataFrame, ring: Keyring) -> None:
    """A column the stage drops is not decrypted: another keyring's ciphertexts there do not
    stop the run (unless an op reads other columns, such as a note's known values)."""
    policy = _policy()
    stored = _stage(policy, "storage", ring, visits).copy()
    stored["bank"] = encrypt(list(visits["mobile"]), Keyring.generate(), table="x", field="y")
    data = policy.to_dict()
    data["fields"]["bank"] = {"category": "personal_attribute", "level": 4,
                              "processing": {"op": "drop"}}  # fmt: skip
    data["fields"]["note"]["processing"] = {"op": "mask", "kind": "string"}
    dropping = Policy.from_dict(data)
    view = _stage(dropping, "processing", ring, stored)
    assert "bank" not in view.columns
    assert list(view["name"]) == list(_stage(policy, "processing", ring, visits)["name"])
