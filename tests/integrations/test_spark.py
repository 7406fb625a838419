"""medguard on Spark (local mode): the same output as the pandas run, keys by reference only.

Needs pyspark (the ``spark`` extra) and Java; skipped with the reason when either is missing.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import random
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install medguard[spark])")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):  # pragma: no cover
    pytest.skip(
        "Spark needs Java 17 (java not found on PATH, JAVA_HOME unset)", allow_module_level=True
    )

from pyspark.sql import SparkSession

import medguard.integrations.spark as mgspark
from medguard.cn import resident_id
from medguard.errors import InvalidArgument
from medguard.keys import EnvKeyProvider, Keyring, PassphraseProvider
from medguard.lifecycle import KeyringRef, Pipeline, Policy
from medguard.lifecycle.checks import CheckFailed
from medguard.ops.base import OpContext, registry
from medguard.privacy import BudgetLedger
from medguard.privacy.risk import k_anonymity

# py4j talks to the JVM over 127.0.0.1; nothing leaves the machine
pytestmark = pytest.mark.enable_socket

ENV = "MG_SPARK_TEST_KEY"

#: One field per registered per-row op (a new op must be added here: see the test below).
FIELDS: dict[str, dict[str, Any]] = {
    "keep": {"column": "department", "kind": None, "sharing": {"op": "keep"}},
    "drop": {"column": "insurance", "kind": None, "sharing": {"op": "drop"}},
    "suppress": {"column": "remark", "kind": None, "sharing": {"op": "suppress"}},
    "mask": {"column": "mobile", "kind": "phone", "sharing": {"op": "mask", "kind": "phone"}},
    "encrypt": {"column": "diagnosis", "kind": None, "sharing": {"op": "encrypt"}},
    "encrypt_deterministically": {
        "column": "record_no",
        "kind": "record_number",
        "sharing": {"op": "encrypt_deterministically"},
    },
    "pseudonymize": {
        "column": "resident_id",
        "kind": "resident_id",
        "sharing": {"op": "pseudonymize", "kind": "resident_id", "birth": "age_band"},
    },
    "tokenize": {"column": "name", "kind": "name", "sharing": {"op": "tokenize", "kind": "name"}},
    "generalize": {
        "column": "birth_date",
        "kind": "date",
        "sharing": {"op": "generalize", "kind": "date", "to": "month"},
    },
    "date_shift": {"column": "visit_date", "kind": "date", "sharing": {"op": "date_shift"}},
    "deidentify": {"column": "note", "kind": "free_text", "sharing": {"op": "deidentify"}},
}

SURNAMES = "王李张刘陈杨赵黄周吴"
SYMPTOMS = ["咳嗽三天", "头痛两天"]
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军"]


def _policy(extra: dict[str, Any] | None = None, sharing: dict[str, Any] | None = None) -> Policy:
    fields: dict[str, Any] = {
        "patient_id": {"category": "personal_attribute", "level": 3, "sharing": {"op": "keep"}},
        "visit_id": {"category": "medical_application", "level": 1, "sharing": {"op": "keep"}},
    }
    for spec in FIELDS.values():
        entry: dict[str, Any] = {
            "category": "medical_application",
            "level": 2,
            "sharing": spec["sharing"],
        }
        if spec["kind"] is not None:
            entry["kind"] = spec["kind"]
        fields[spec["column"]] = entry
    for column, op in (sharing or {}).items():
        fields[column]["sharing"] = op
    data: dict[str, Any] = {
        "medguard_policy": 1,
        "dataset": "spark_visits",
        "subject": "patient_id",
        "undeclared": "error",
        "fields": fields,
        "accept": [
            {"field": "record_no", "risk": "equality", "stage": "sharing", "reason": "joins"}
        ],
    }
    data.update(extra or {})
    return Policy.from_dict(data)


def _visits(n: int = 60, seed: int = 7) -> pd.DataFrame:
    rng = random.Random(seed)
    people = [resident_id.generate(rng) for _ in range(12)]
    rows = []
    for i in range(n):
        p = rng.randrange(len(people))
        name = SURNAMES[p % 10] + GIVEN[(p * 3) % 10]
        rows.append(
            {
                "patient_id": f"p{p:03d}",
                "visit_id": f"v{i:05d}",
                "department": rng.choice(["内科", "外科", "儿科", None]),
                "insurance": f"INS{rng.randrange(10**6):06d}",
                "remark": rng.choice(["复诊", "首诊", None]),
                "mobile": None if i % 11 == 0 else f"138{rng.randrange(10**8):08d}",
                "diagnosis": rng.choice(["J45.901", "I10", "E11.9", None]),
                "record_no": f"MR{p:06d}",
                "resident_id": None if i % 13 == 0 else people[p],
                "name": name,
                "birth_date": dt.date(1940 + p * 3, 1 + p % 12, 1 + p % 28),
                "visit_date": (dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(300))),
                "note": f"患者{name}，电话138{rng.randrange(10**8):08d}，{rng.choice(SYMPTOMS)}。",
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    # the executors (Python workers of local mode) inherit the driver's environment
    os.environ.setdefault(ENV, base64.b64encode(os.urandom(32)).decode())
    session = (
        SparkSession.builder.master("local[2]")
        .appName("medguard-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def keyring_file(tmp_path_factory: pytest.TempPathFactory, spark: SparkSession) -> Path:
    path = tmp_path_factory.mktemp("spark-keys") / "ring.mgk"
    Keyring.create(path, EnvKeyProvider(ENV))
    return path


@pytest.fixture(scope="module")
def ref(keyring_file: Path) -> KeyringRef:
    return KeyringRef(str(keyring_file), EnvKeyProvider(ENV))


def _sdf(spark: SparkSession, frame: pd.DataFrame, partitions: int = 3) -> Any:
    return (
        spark.createDataFrame(frame)
        .repartition(partitions, "visit_id")
        .sortWithinPartitions("visit_id")
    )


def _arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def _by_visit(table: pa.Table) -> dict[str, dict[str, Any]]:
    rows = table.to_pylist()
    return {r["visit_id"]: r for r in rows}


def test_every_registered_op_has_a_spark_case() -> None:
    """The cases below cover the registry: a new op must be checked on Spark too."""
    assert set(FIELDS) == set(registry())


def test_protect_matches_the_pandas_run_for_every_op(spark: SparkSession, ref: KeyringRef) -> None:
    """Same rows, same policy: byte-identical output for every deterministic op; randomized
    encryption decrypts to the same values; the plan's column set and order are the same."""
    visits = _visits()
    pipeline = Pipeline(_policy(), stage="sharing", keyring_ref=ref, recipient="cdc")
    expected = pipeline.run(_arrow(visits)).frame
    job = mgspark.protect_job(_sdf(spark, visits), pipeline)
    got = job.frame.toArrow()
    assert got.schema.names == expected.schema.names
    assert got.num_rows == expected.num_rows == len(visits)
    mine, theirs = _by_visit(got), _by_visit(expected)
    assert mine.keys() == theirs.keys()
    ring = ref.open()
    encrypt = pipeline.plan(_arrow(visits).schema).step("diagnosis").op
    for op_name, spec in FIELDS.items():
        column = spec["column"]
        if op_name == "drop":
            assert column not in got.schema.names
            continue
        a = [mine[v][column] for v in sorted(mine)]
        b = [theirs[v][column] for v in sorted(theirs)]
        if op_name == "encrypt":
            assert a != b  # randomized: a fresh nonce per value
            ctx = OpContext(keyring=ring, table="spark_visits", field=column, recipient="cdc")
            assert encrypt.reverse(a, ctx) == encrypt.reverse(b, ctx)
            assert encrypt.reverse(a, ctx) == [visits.set_index("visit_id").loc[v, column]
                                               for v in sorted(mine)]  # fmt: skip
            continue
        assert a == b, op_name
    report = job.report()
    assert report.rows == len(visits)
    assert report.columns["resident_id"].counts.nulls == int(visits["resident_id"].isna().sum())


def test_keys_travel_by_reference_never_in_memory(spark: SparkSession, keyring_file: Path) -> None:
    """An in-memory keyring is refused naming KeyringRef; a file keyring with an environment
    provider becomes a reference by itself; a passphrase-protected one is refused."""
    sdf = _sdf(spark, _visits(8))
    memory = Pipeline(_policy(), stage="sharing", keyring=Keyring.generate(), recipient="cdc")
    with pytest.raises(mgspark.SparkKeyError, match=r"in-memory keyring.*KeyringRef"):
        mgspark.protect(sdf, memory)
    opened = Keyring.open(keyring_file, EnvKeyProvider(ENV))
    direct = Pipeline(_policy(), stage="sharing", keyring=opened, recipient="cdc")
    out = mgspark.protect(sdf, direct).toArrow()
    assert out.num_rows == 8


def test_the_shipped_function_holds_no_key_material(spark: SparkSession, ref: KeyringRef) -> None:
    """What Spark pickles for the executors names the keyring file and variable, no key."""
    import pickle

    from medguard.keys import SECRET_ACCESS

    pipeline = Pipeline(_policy(), stage="sharing", keyring_ref=ref, recipient="cdc")
    job = mgspark.protect_job(_sdf(spark, _visits(8)), pipeline)
    compiled = pipeline.compile(_arrow(_visits(8)).schema)
    shipped = pickle.dumps(mgspark._BatchRunner(compiled, None, None))
    ring = ref.open()
    assert ring.export_key(ring.primary.key_id, SECRET_ACCESS) not in shipped
    assert os.environ[ENV].encode() not in shipped
    assert ENV.encode() in shipped
    assert job.frame.count() == 8


def test_a_passphrase_keyring_is_refused(spark: SparkSession, tmp_path: Path) -> None:
    """A passphrase provider holds a secret: it never travels to executors."""
    path = tmp_path / "pass.mgk"
    ring = Keyring.create(path, PassphraseProvider("correct horse battery staple"))
    pipeline = Pipeline(_policy(), stage="sharing", keyring=ring, recipient="cdc")
    with pytest.raises(mgspark.SparkKeyError, match="EnvKeyProvider"):
        mgspark.protect(_sdf(spark, _visits(4)), pipeline)


class _Sink:
    def __init__(self) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []

    def append(self, action: str, /, **fields: Any) -> None:
        self.records.append((action, fields))


def test_one_audit_record_per_job_with_summed_counts(
    spark: SparkSession, ref: KeyringRef, tmp_path: Path
) -> None:
    """Writing a Parquet directory records the job once, counts summed over all partitions."""
    visits = _visits(40)
    sink = _Sink()
    pipeline = Pipeline(_policy(), stage="sharing", keyring_ref=ref, recipient="cdc", audit=sink)
    job = mgspark.protect_job(_sdf(spark, visits, partitions=4), pipeline)
    report = job.write_parquet(str(tmp_path / "out"))
    assert report.rows == 40
    assert len(sink.records) == 1
    action, fields = sink.records[0]
    assert action == "policy.run"
    text = repr(fields)
    for value in visits["resident_id"].dropna():
        assert value not in text
    written = pd.read_parquet(tmp_path / "out")
    assert len(written) == 40


def _k_policy(k: int) -> Policy:
    check = {"quasi_identifiers": ["department"], "k": k}
    # the pseudonym keeps no part of the ID (its kept birth year and sex are quasi-identifiers)
    keep_nothing = {"op": "pseudonymize", "kind": "resident_id", "birth": "window",
                    "keep_sex": False}  # fmt: skip
    return _policy(
        {"checks": {"sharing": {"k_anonymity": check, "rescan": False}}},
        sharing={"resident_id": keep_nothing},
    )


def test_k_per_subject_is_a_groupby_matching_the_single_machine_count(
    spark: SparkSession, ref: KeyringRef
) -> None:
    """k counted in people over Spark equals medguard.privacy.risk.k_anonymity."""
    visits = _visits(80)
    frame = visits.assign(year=visits["birth_date"].map(lambda d: d.year // 20))
    sdf = spark.createDataFrame(frame[["patient_id", "year", "department"]])
    for quasi in (["year"], ["year", "department"]):
        expected = k_anonymity(frame, quasi, subject="patient_id")
        assert mgspark.k_per_subject(sdf, quasi, "patient_id") == expected


def _cohort(people: int = 150, n: int = 500, seed: int = 3) -> pd.DataFrame:
    """Visits of ``people`` patients born over 40 years: enough for the search to have work."""
    rng = random.Random(seed)
    ids = [resident_id.generate(rng) for _ in range(people)]
    rows = []
    for i in range(n):
        p = rng.randrange(people)
        name = SURNAMES[p % 10] + GIVEN[(p // 10) % 10]
        rows.append(
            {
                "patient_id": f"p{p:04d}",
                "visit_id": f"v{i:05d}",
                "department": rng.choice(["内科", "外科", "儿科", None]),
                "insurance": f"INS{rng.randrange(10**6):06d}",
                "remark": rng.choice(["复诊", "首诊", None]),
                "mobile": None if i % 11 == 0 else f"139{rng.randrange(10**8):08d}",
                "diagnosis": rng.choice(["J45.901", "I10", "E11.9", None]),
                "record_no": f"MR{p:06d}",
                "resident_id": None if i % 13 == 0 else ids[p],
                "name": name,
                "birth_date": dt.date(1950 + p % 40, 1 + p % 12, 1 + p % 28),
                "visit_date": dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(300)),
                "note": f"患者{name}，电话139{rng.randrange(10**8):08d}，{rng.choice(SYMPTOMS)}。",
            }
        )
    return pd.DataFrame(rows)


def _checked_policy(
    check: dict[str, Any], *, rescan: bool = True, sharing: dict[str, Any] | None = None
) -> Policy:
    """The test policy with sharing checks; names, mobiles, resident IDs and record numbers
    are direct identifiers of level 3 (the re-scan compares the output with them)."""
    data = _policy(
        {"checks": {"sharing": {"k_anonymity": check, "rescan": rescan}}}, sharing=sharing
    ).to_dict()
    for name in ("name", "mobile", "resident_id", "record_no"):
        data["fields"][name]["level"] = 3
    return Policy.from_dict(data)


_KEEP_BAND_AND_SEX = {"op": "pseudonymize", "kind": "resident_id", "birth": "age_band"}
_KEEP_NOTHING = {"op": "pseudonymize", "kind": "resident_id", "birth": "window", "keep_sex": False}
SEARCH_CASES = {
    # the pseudonym's birth band and sex are quasi-identifiers the search cannot generalize
    "derived parts, k=3": (
        {"quasi_identifiers": ["birth_date", "department", "resident_id"], "k": 3,
         "max_suppressed": 0.1},
        _KEEP_BAND_AND_SEX,
    ),
    # dates generalized by the op to months, then by the search
    "dates and departments, k=2": (
        {"quasi_identifiers": ["birth_date", "department"], "k": 2, "max_suppressed": 0.2},
        _KEEP_NOTHING,
    ),
    "a level fixed by hand, k=3": (
        {"quasi_identifiers": ["birth_date", "department"], "k": 3, "max_suppressed": 0.1,
         "levels": {"department": "*"}},
        _KEEP_NOTHING,
    ),
}  # fmt: skip


def _sorted_rows(table: pa.Table) -> list[dict[str, Any]]:
    return sorted(table.to_pylist(), key=lambda r: r["visit_id"])


@pytest.mark.parametrize("case", list(SEARCH_CASES))
def test_search_suppression_and_rescan_on_spark_match_the_pandas_run(
    spark: SparkSession, ref: KeyringRef, case: str
) -> None:
    """Search, global suppression and the re-scan as Spark steps: the same levels, the same
    suppressed rows, the same k and loss, and row for row the pandas run's output."""
    check, pseudonym = SEARCH_CASES[case]
    policy = _checked_policy(check, sharing={"resident_id": pseudonym})
    visits = _cohort()
    sink = _Sink()
    pipeline = Pipeline(policy, stage="sharing", keyring_ref=ref, recipient="cdc", audit=sink)
    single = pipeline.run(_arrow(visits))
    job = mgspark.protect_job(_sdf(spark, visits, partitions=3), pipeline)
    assert job.checks.to_dict() == single.summary.checks
    assert job.checks.rescanned
    got, expected = _sorted_rows(job.frame.toArrow()), _sorted_rows(single.frame)
    assert [r["visit_id"] for r in got] == [r["visit_id"] for r in expected]
    for mine, theirs in zip(got, expected, strict=True):
        mine.pop("diagnosis"), theirs.pop("diagnosis")  # randomized encryption
        assert mine == theirs
    summary = job.record()
    assert summary.rows_in == len(visits)
    assert summary.rows_out == len(expected) == len(visits) - single.summary.suppressed_rows


def test_search_cases_exercise_generalization_and_suppression(ref: KeyringRef) -> None:
    """The cases above are not trivial: some level lies strictly between as-is and '*', and
    some rows are suppressed (on the pandas run the Spark run is compared with)."""
    between = suppressed = False
    for check, pseudonym in SEARCH_CASES.values():
        policy = _checked_policy(check, sharing={"resident_id": pseudonym})
        summary = (
            Pipeline(policy, stage="sharing", keyring_ref=ref, recipient="cdc")
            .run(_arrow(_cohort()))
            .summary
        )
        levels = summary.checks["levels"]
        between |= any(v not in ("as is", "*") for v in levels.values())
        suppressed |= summary.suppressed_rows > 0
    assert between
    assert suppressed


def test_search_refusal_on_spark_says_what_one_machine_says(
    spark: SparkSession, ref: KeyringRef
) -> None:
    """A k no generalization reaches is refused with the single-machine message."""
    check = {"quasi_identifiers": ["birth_date", "resident_id"], "k": 40, "max_suppressed": 0.0}
    policy = _checked_policy(check, sharing={"resident_id": _KEEP_BAND_AND_SEX})
    pipeline = Pipeline(policy, stage="sharing", keyring_ref=ref, recipient="cdc")
    visits = _cohort()
    with pytest.raises(CheckFailed) as single:
        pipeline.run(_arrow(visits))
    with pytest.raises(CheckFailed) as distributed:
        mgspark.protect_job(_sdf(spark, visits), pipeline)
    assert str(distributed.value) == str(single.value)
    assert distributed.value.check == "k-anonymity"


@pytest.mark.parametrize(
    ("column", "op", "where"),
    [
        ("remark", {"op": "keep"}, "column 'remark'"),  # a cell equal to a mobile number
        ("note", {"op": "keep"}, "free text in 'note'"),  # names and mobiles inside notes
    ],
)
def test_distributed_rescan_refuses_a_leak_as_one_machine_does(
    spark: SparkSession, ref: KeyringRef, column: str, op: dict[str, Any], where: str
) -> None:
    """The keyed-hash re-scan joins output hashes with input identifier hashes across
    partitions: a value equal to an input identifier anywhere refuses the run."""
    check = {"quasi_identifiers": ["department"], "k": 2, "max_suppressed": 0.0}
    policy = _checked_policy(check, sharing={"resident_id": _KEEP_NOTHING, column: op})
    visits = _cohort(n=120)
    if column == "remark":  # one remark holds another visit's mobile, far away in the data
        visits.loc[3, "remark"] = visits["mobile"].dropna().iloc[-1]
    pipeline = Pipeline(policy, stage="sharing", keyring_ref=ref, recipient="cdc")
    with pytest.raises(CheckFailed) as single:
        pipeline.run(_arrow(visits))
    with pytest.raises(CheckFailed, match="re-scan") as distributed:
        mgspark.protect_job(_sdf(spark, visits, partitions=4), pipeline)
    assert where in str(distributed.value)
    assert str(distributed.value) == str(single.value)


def test_sharing_k_check_runs_on_spark_and_refuses_below_k(
    spark: SparkSession, ref: KeyringRef
) -> None:
    """The policy's k check runs as a groupBy: met, the output equals the pandas run's;
    not met, the run is refused before anything is written."""
    visits = _visits(60)
    sdf = _sdf(spark, visits)
    ok = Pipeline(_k_policy(2), stage="sharing", keyring_ref=ref, recipient="cdc")
    job = mgspark.protect_job(sdf, ok)
    single = ok.run(_arrow(visits))
    assert job.checks.k == single.summary.k
    assert job.checks.k is not None
    assert job.checks.k >= 2
    assert single.summary.suppressed_rows == 0
    expected = single.frame
    got = job.frame.toArrow()
    assert [r["resident_id"] for r in sorted(got.to_pylist(), key=lambda r: r["visit_id"])] == [
        r["resident_id"] for r in sorted(expected.to_pylist(), key=lambda r: r["visit_id"])
    ]
    strict = Pipeline(_k_policy(50), stage="sharing", keyring_ref=ref, recipient="cdc")
    with pytest.raises(CheckFailed, match="k=50"):
        mgspark.protect(sdf, strict)


def test_per_subject_encryption_on_executors_one_key_per_subject(
    spark: SparkSession, tmp_path: Path
) -> None:
    """Executors encrypt with subject keys from the SQLite store beside the keyring file,
    reached through the KeyringRef: partitions creating keys at the same time give each subject
    exactly one key, and every value decrypts on the driver."""
    from medguard.ops.encryption import inspect_ciphertext

    path = tmp_path / "subjects.mgk"
    Keyring.create(path, EnvKeyProvider(ENV))  # a fresh keyring: no subject key exists yet
    ref = KeyringRef(str(path), EnvKeyProvider(ENV))
    per_subject = {"op": "encrypt", "per_subject": True}
    policy = _policy(sharing={"diagnosis": per_subject, "remark": per_subject})
    visits = _cohort(people=40, n=400).assign(diagnosis=lambda f: "dx-" + f["visit_id"])
    pipeline = Pipeline(policy, stage="sharing", keyring_ref=ref, recipient="cdc")
    # every subject's rows spread over six partitions, two tasks at a time
    sdf = spark.createDataFrame(visits).repartition(6, "visit_id")
    got = _sorted_rows(mgspark.protect(sdf, pipeline).toArrow())
    ring = Keyring.open(path, EnvKeyProvider(ENV))
    people = visits["patient_id"].nunique()
    assert ring.subject_key_count() == {"active": people}
    keys: dict[str, set[str]] = {}
    for row in got:
        keys.setdefault(row["patient_id"], set()).add(inspect_ciphertext(row["diagnosis"]).key_id)
    assert all(len(k) == 1 for k in keys.values())
    assert len(set().union(*keys.values())) == people
    op = pipeline.plan(_arrow(visits).schema).step("diagnosis").op
    ctx = OpContext(
        keyring=ring, table="spark_visits", field="diagnosis", recipient="cdc",
        subjects=[r["patient_id"] for r in got],
    )  # fmt: skip
    decrypted = op.reverse([r["diagnosis"] for r in got], ctx)
    assert decrypted == ["dx-" + r["visit_id"] for r in got]


def test_scan_classifies_from_a_spark_sample(spark: SparkSession) -> None:
    """scan(sdf) names the identifier columns as scan_frame does on the whole frame."""
    visits = _visits(60)
    report = mgspark.scan(spark.createDataFrame(visits), sample=30)
    kinds = {c.column: c.entity_type for c in report.columns}
    from medguard.detect.classify import scan_frame

    full = {c.column: c.entity_type for c in scan_frame(visits).columns}
    for column in ("resident_id", "mobile"):
        assert kinds[column] == full[column] is not None


def test_dp_bounds_each_subject_across_partitions(spark: SparkSession, tmp_path: Path) -> None:
    """A subject whose rows sit in every partition still contributes at most max_rows rows;
    the DP count charges the same budget ledger as on one machine."""
    rows = [{"patient_id": "heavy", "dept": "内科", "cost": 100.0, "rid": i} for i in range(200)]
    rows += [
        {"patient_id": f"p{i}", "dept": "外科" if i % 2 else "内科", "cost": 10.0, "rid": 1000 + i}
        for i in range(50)
    ]
    sdf = spark.createDataFrame(pd.DataFrame(rows)).repartition(8)
    assert sdf.rdd.getNumPartitions() == 8
    key = os.urandom(32)
    bounded = mgspark.bounded_contributions(
        sdf, subject="patient_id", max_rows=3, key=key, row_id="rid"
    )
    per_subject = {
        r["patient_id"]: r["count"] for r in bounded.groupBy("patient_id").count().collect()
    }
    assert per_subject["heavy"] == 3
    assert max(per_subject.values()) == 3
    again = mgspark.bounded_contributions(
        sdf, subject="patient_id", max_rows=3, key=key, row_id="rid"
    )
    assert sorted(r["rid"] for r in bounded.collect()) == sorted(r["rid"] for r in again.collect())
    ledger = BudgetLedger.open(tmp_path / "budget.db", "spark_visits", epsilon=1.0)
    release = mgspark.dp_count(
        sdf, subject="patient_id", epsilon=0.5, max_rows_per_patient=3,
        by="dept", keys=["内科", "外科"], ledger=ledger,
    )  # fmt: skip
    assert list(release.table["dept"]) == ["内科", "外科"]
    assert ledger.remaining()[0] == pytest.approx(0.5)
    total = mgspark.dp_sum(
        sdf, "cost", subject="patient_id", epsilon=0.5, lower=0.0, upper=100.0,
        max_rows_per_patient=3, ledger=ledger,
    )  # fmt: skip
    # true bounded sum: 3 * 100 + 50 * 10 = 800; the noise scale is 300/0.5 per unit of 0.01
    assert abs(total.value - 800.0) < 100_000
    from medguard.errors import BudgetExceeded

    with pytest.raises(BudgetExceeded):
        mgspark.dp_count(sdf, subject="patient_id", epsilon=0.5, max_rows_per_patient=3,
                         ledger=ledger)  # fmt: skip


@pytest.mark.parametrize("io", ["arrow", "spark"])
def test_protect_parquet_directory_matches_run_file(
    spark: SparkSession, keyring_file: Path, tmp_path: Path, io: str
) -> None:
    """A Parquet directory in, a Parquet directory out, the rows of the single-process run,
    whether executors read and write with pyarrow or Spark does; an existing output is never
    overwritten."""
    visits = _visits(30)
    source = tmp_path / "in"
    spark.createDataFrame(visits).repartition(3).write.parquet(str(source))
    ring = Keyring.open(keyring_file, EnvKeyProvider(ENV))
    sink = _Sink()
    pipeline = Pipeline(_policy(), stage="sharing", keyring=ring, recipient="cdc", audit=sink)
    summary = mgspark.protect_parquet(str(source), str(tmp_path / "out"), pipeline, io=io)
    assert summary.rows_in == 30
    assert len(sink.records) == 1
    got = pd.read_parquet(tmp_path / "out").sort_values("visit_id")
    single = Pipeline(_policy(), stage="sharing", keyring=ring, recipient="cdc")
    expected = single.run(_arrow(visits)).frame.to_pandas().sort_values("visit_id")
    assert got["resident_id"].tolist() == expected["resident_id"].tolist()
    assert got["visit_date"].tolist() == expected["visit_date"].tolist()
    with pytest.raises(InvalidArgument, match="already exists"):
        mgspark.protect_parquet(str(source), str(tmp_path / "out"), pipeline, io=io)


def test_protect_parquet_partition_directories_take_the_dataframe_path(
    spark: SparkSession, ref: KeyringRef, tmp_path: Path
) -> None:
    """A directory partitioned by a column (``department=.../``) has that column in no file:
    pyarrow tasks could not read it, so the DataFrame path writes, with the same rows."""
    visits = _visits(30).assign(department=lambda f: f["department"].fillna("门诊"))
    source = tmp_path / "in"
    spark.createDataFrame(visits).write.partitionBy("department").parquet(str(source))
    pipeline = Pipeline(_policy(), stage="sharing", keyring_ref=ref, recipient="cdc")
    summary = mgspark.protect_parquet(str(source), str(tmp_path / "out"), pipeline)
    assert summary.rows_in == 30
    got = pd.read_parquet(tmp_path / "out").sort_values("visit_id")
    expected = pipeline.run(_arrow(visits)).frame.to_pandas().sort_values("visit_id")
    assert got["resident_id"].tolist() == expected["resident_id"].tolist()
    assert sorted(got["department"].astype(str)) == sorted(expected["department"])


def test_protect_parquet_with_arrow_io_runs_the_checks_and_refuses_cleanly(
    spark: SparkSession, ref: KeyringRef, tmp_path: Path
) -> None:
    """With pyarrow IO on the executors, row groups spread over several files and tasks: the
    search's levels, the suppressed rows and every output row are the pandas run's; a refused
    run leaves no output directory."""
    check, pseudonym = SEARCH_CASES["dates and departments, k=2"]
    policy = _checked_policy(check, sharing={"resident_id": pseudonym})
    visits = _cohort()
    source = tmp_path / "in"
    spark.createDataFrame(visits).repartition(3).write.option("parquet.block.size", 4096).parquet(
        str(source)
    )
    import pyarrow.parquet as pq

    files = list(source.glob("*.parquet"))
    assert sum(pq.ParquetFile(f).metadata.num_row_groups for f in files) > len(files)
    sink = _Sink()
    pipeline = Pipeline(policy, stage="sharing", keyring_ref=ref, recipient="cdc", audit=sink)
    summary = mgspark.protect_parquet(str(source), str(tmp_path / "out"), pipeline)
    single = pipeline.run(_arrow(visits))
    assert summary.checks == single.summary.checks
    assert (summary.rows_in, summary.rows_out) == (len(visits), single.frame.num_rows)
    got = _sorted_rows(pa.Table.from_pandas(pd.read_parquet(tmp_path / "out")))
    expected = _sorted_rows(single.frame)
    for mine, theirs in zip(got, expected, strict=True):
        mine.pop("diagnosis"), theirs.pop("diagnosis")
        assert mine == theirs
    assert len(got) == len(expected)
    assert len(sink.records) == 2  # the pandas run's and the job's: one each
    strict = _checked_policy({"quasi_identifiers": ["birth_date"], "k": 500})
    refused = Pipeline(strict, stage="sharing", keyring_ref=ref, recipient="cdc")
    with pytest.raises(CheckFailed):
        mgspark.protect_parquet(str(source), str(tmp_path / "refused"), refused)
    assert not (tmp_path / "refused").exists()


def test_cli_protect_engine_spark(
    spark: SparkSession, keyring_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``medguard protect --engine spark IN_DIR -o OUT_DIR --master local[2]``: exit 0, the rows
    of the single-process run; an in-memory-only setup cannot arise (the CLI opens a file)."""
    from medguard.cli.main import main

    visits = _visits(20)
    source = tmp_path / "in"
    spark.createDataFrame(visits).repartition(2).write.parquet(str(source))
    policy = tmp_path / "policy.yaml"
    _policy().dump(policy)
    out = tmp_path / "out"
    code = main(
        ["protect", str(source), "-o", str(out), "--policy", str(policy), "--stage", "sharing",
         "--keyring", str(keyring_file), "--key-env", ENV, "--recipient", "cdc",
         "--no-progress", "--engine", "spark", "--master", "local[2]"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    got = pd.read_parquet(out).sort_values("visit_id")
    ring = Keyring.open(keyring_file, EnvKeyProvider(ENV))
    single = Pipeline(_policy(), stage="sharing", keyring=ring, recipient="cdc")
    expected = single.run(_arrow(visits)).frame.to_pandas().sort_values("visit_id")
    assert got["resident_id"].tolist() == expected["resident_id"].tolist()
    assert main(
        ["protect", str(source), "-o", str(out), "--policy", str(policy), "--stage", "sharing",
         "--keyring", str(keyring_file), "--key-env", ENV, "--engine", "spark"]
    ) == 2  # fmt: skip


def test_sharing_from_the_storage_stages_output_matches_sharing_from_the_extract(
    spark: SparkSession, ref: KeyringRef
) -> None:
    """Spark reads stored ciphertexts as values in the ops, the label pass, the suppression and
    the re-scan's input hashes alike: the same checks and rows as from the plain extract."""
    check, pseudonym = SEARCH_CASES["derived parts, k=3"]
    data = _checked_policy(check, sharing={"resident_id": pseudonym}).to_dict()
    for name in ("name", "mobile", "resident_id"):
        data["fields"][name]["storage"] = {"op": "encrypt"}
    policy = Policy.from_dict(data)
    visits = _cohort()
    stored = Pipeline(policy, stage="storage", keyring_ref=ref).run(_arrow(visits)).frame
    assert str(stored.column("name")[0]).startswith("mg1.")
    pipeline = Pipeline(policy, stage="sharing", keyring_ref=ref, recipient="cdc")
    plain = mgspark.protect_job(_sdf(spark, visits, partitions=3), pipeline)
    from_store = mgspark.protect_job(_sdf(spark, stored.to_pandas(), partitions=3), pipeline)
    assert from_store.checks.to_dict() == plain.checks.to_dict()
    got, expected = _sorted_rows(from_store.frame.toArrow()), _sorted_rows(plain.frame.toArrow())
    for mine, theirs in zip(got, expected, strict=True):
        mine.pop("diagnosis"), theirs.pop("diagnosis")  # randomized encryption
        assert mine == theirs
