"""The SQL guard on a realistic mixed statement log; statements/s beside a regex-only baseline.

The log (``--n`` statements, 10,000 by default, seeded) mixes what a hospital information
system sends: single-patient lookups by ID (most of it), joins of visits and prescriptions,
INSERTs and UPDATEs with WHERE, per-department aggregates, and about 6% risky statements of
every rule (bulk reads, DELETE/UPDATE without WHERE, DDL, GRANT, stacked statements,
tautologies in several spellings, UNION reads of system tables, time-based probes, file and
command access, comments cutting a condition, and text that does not parse). Each statement
carries the label of whether it is risky, so both guards are scored on it:

- ``check`` (medguard.audit.sql): sqlglot parse per statement, every rule;
- a regex baseline of the kind DBA scripts use: one pattern per shape, on the raw text.

Prints statements/s on one core, how many risky statements each flagged (recall), how many
clean ones each flagged (false alarms), and what the baseline missed, by kind. The target of
issue 20 is at least 2,000 statements/s. Run: ``python benchmarks/bench_sql_guard.py [--n N]``.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections import Counter
from collections.abc import Callable

from medguard.audit.sql import check

DEPTS = ["内科", "外科", "儿科", "ICU", "ER", "Cardiology"]

CLEAN: list[Callable[[random.Random], str]] = [
    lambda r: f"SELECT name, phone, dept FROM patients WHERE patient_id = {r.randint(1, 10**6)}",
    lambda r: (
        f"SELECT visit_date, diagnosis FROM visits WHERE patient_id = {r.randint(1, 10**6)} "
        "ORDER BY visit_date DESC LIMIT 20"
    ),
    lambda r: (
        "SELECT v.visit_date, p.drug, p.dose FROM visits v JOIN prescriptions p "
        f"ON p.visit_id = v.visit_id WHERE v.visit_id = {r.randint(1, 10**7)}"
    ),
    lambda r: (
        "INSERT INTO visits (patient_id, dept, visit_date) VALUES "
        f"({r.randint(1, 10**6)}, '{r.choice(DEPTS)}', '2026-0{r.randint(1, 9)}-1{r.randint(0, 9)}'"
        ")"
    ),
    lambda r: (
        f"UPDATE visits SET dept = '{r.choice(DEPTS)}' WHERE visit_id = {r.randint(1, 10**7)}"
    ),
    lambda r: (
        f"SELECT dept, COUNT(*) FROM visits WHERE visit_date >= '2026-0{r.randint(1, 9)}-01' "
        "GROUP BY dept"
    ),
    lambda r: (
        f"SELECT drug, dose FROM prescriptions WHERE visit_id IN ({r.randint(1, 99)}, "
        f"{r.randint(100, 999)}) AND status = 'active'"
    ),
    lambda r: f"DELETE FROM sessions WHERE session_id = '{r.getrandbits(64):x}'",
    lambda r: "SELECT note FROM notes WHERE patient_id = ? AND note_type = 'discharge' -- by id",
    lambda r: "SELECT 'x OR 1=1 -- not injection' AS label FROM drug_catalogue WHERE atc = 'A01'",
]

RISKY: list[tuple[str, Callable[[random.Random], str]]] = [
    ("bulk read", lambda r: "SELECT name, id_no, phone FROM patients"),
    ("select *", lambda r: f"SELECT * FROM patients WHERE dept = '{r.choice(DEPTS)}'"),
    ("delete all", lambda r: "DELETE FROM visits"),
    ("update all", lambda r: "UPDATE patients SET phone = NULL WHERE 1 = 1"),
    ("ddl", lambda r: "DROP TABLE visits"),
    ("ddl", lambda r: "TRUNCATE TABLE prescriptions"),
    ("ddl", lambda r: "ALTER TABLE patients DROP COLUMN id_no"),
    ("grant", lambda r: "GRANT SELECT ON patients TO PUBLIC"),
    (
        "stacked",
        lambda r: f"SELECT dept FROM visits WHERE visit_id = {r.randint(1, 9)}; DROP TABLE visits",
    ),
    (
        "tautology",
        lambda r: f"SELECT name FROM patients WHERE patient_id = {r.randint(1, 9)} OR 1=1",
    ),
    ("tautology", lambda r: "SELECT name FROM patients WHERE patient_id = '' OR 'a'='a'"),
    ("tautology", lambda r: "SELECT name FROM patients WHERE patient_id = 5 OR 2>1"),
    ("tautology", lambda r: "SELECT name FROM patients WHERE patient_id = 5 OR  (1)  =  (1)"),
    (
        "union system",
        lambda r: (
            "SELECT dept FROM visits WHERE visit_id = 1 UNION SELECT "
            "table_name FROM information_schema.tables"
        ),
    ),
    (
        "union system",
        lambda r: (
            "SELECT dept FROM visits WHERE visit_id = 1 UNION ALL SELECT "
            "authentication_string FROM mysql.user"
        ),
    ),
    ("time probe", lambda r: "SELECT dept FROM visits WHERE visit_id = 1 AND SLEEP(5)"),
    ("time probe", lambda r: "SELECT BENCHMARK(5000000, MD5('x'))"),
    ("file", lambda r: "SELECT name FROM patients INTO OUTFILE '/tmp/p.csv'"),
    ("file", lambda r: "SELECT LOAD_FILE('/etc/passwd')"),
    ("comment cut", lambda r: "SELECT note FROM notes WHERE patient_id = 9 -- AND doctor_id = 3"),
    ("comment cut", lambda r: "SELECT note FROM notes WHERE patient_id = 9 /*AND doctor_id=3*/"),
    ("unparsable", lambda r: "SELEC name FRM patients WHER 1"),
    ("unparsable", lambda r: "SELECT name FROM patients WHERE patient_id = 'unclosed"),
]

# The baseline: one regex per shape, as audit scripts do it.
REGEX = [
    re.compile(r"^\s*(delete|update)\b(?!.*\bwhere\b)", re.I | re.S),
    re.compile(r"\bwhere\s+1\s*=\s*1\b", re.I),
    re.compile(r"\bor\s+(\d+)\s*=\s*\1\b", re.I),
    re.compile(r"\bor\s+'(\w*)'\s*=\s*'\1'", re.I),
    re.compile(r"\bunion\b.*\b(information_schema|mysql\.user|pg_shadow|all_users)\b", re.I),
    re.compile(r"\b(sleep|benchmark|pg_sleep)\s*\(|waitfor\s+delay", re.I),
    re.compile(r"into\s+(outfile|dumpfile)|load_file\s*\(|xp_cmdshell|load\s+data", re.I),
    re.compile(r"^\s*(drop|truncate|grant|alter\s+table\s+\w+\s+drop)\b", re.I),
    re.compile(r";\s*\S"),
    re.compile(r"(--|#)"),
    re.compile(r"^\s*select\s+\*", re.I),
]


def regex_flags(sql: str) -> bool:
    """True when a baseline pattern matches."""
    return any(p.search(sql) for p in REGEX)


def make_log(n: int, seed: int = 20) -> list[tuple[str, str | None]]:
    """``n`` statements with their risk kind (None for clean ones), about 6% risky."""
    r = random.Random(seed)
    log: list[tuple[str, str | None]] = []
    for _ in range(n):
        if r.random() < 0.06:
            kind, make = r.choice(RISKY)
            log.append((make(r), kind))
        else:
            log.append((r.choice(CLEAN)(r), None))
    return log


def run(
    name: str, flag: Callable[[str], bool], log: list[tuple[str, str | None]]
) -> dict[str, object]:
    """Time ``flag`` over the log; count hits and misses."""
    start = time.perf_counter()
    verdicts = [flag(sql) for sql, _ in log]
    seconds = time.perf_counter() - start
    missed = Counter(kind for (_, kind), v in zip(log, verdicts, strict=True) if kind and not v)
    risky = sum(1 for _, kind in log if kind)
    false = sum(1 for (_, kind), v in zip(log, verdicts, strict=True) if not kind and v)
    return {
        "name": name,
        "rate": len(log) / seconds,
        "seconds": seconds,
        "recall": (risky - sum(missed.values())) / risky,
        "false": false,
        "missed": missed,
    }


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    log = make_log(args.n)
    check(log[0][0])  # warm up: import sqlglot and the dialect
    rows = [
        run(
            "medguard check (fail on medium)",
            lambda s: any(f.severity != "low" for f in check(s)),
            log,
        ),
        run("regex baseline", regex_flags, log),
    ]
    risky = sum(1 for _, k in log if k)
    print(f"{len(log):,} statements, {risky} risky ({risky / len(log):.1%})\n")
    print(f"{'guard':<34} {'stmt/s':>9} {'seconds':>8} {'recall':>7} {'false alarms':>13}")
    for row in rows:
        print(
            f"{row['name']:<34} {row['rate']:>9,.0f} {row['seconds']:>8.2f} "
            f"{row['recall']:>7.1%} {row['false']:>13}"
        )
    for row in rows:
        missed = row["missed"]
        assert isinstance(missed, Counter)
        text = ", ".join(f"{k} {c}" for k, c in sorted(missed.items())) or "nothing"
        print(f"\n{row['name']} missed: {text}")
    rate = rows[0]["rate"]
    assert isinstance(rate, float)
    verdict = "met" if rate >= 2000 else "NOT met"
    print(f"\ntarget (issue 20): at least 2,000 statements/s on one core: {verdict}")


if __name__ == "__main__":
    main()
