"""Tests for the privacy-budget ledger: overspend, persistence, crashes, concurrent processes."""

import multiprocessing as mp
import os
import sqlite3

import pytest

from medguard.errors import BudgetExceeded, InvalidArgument, PrivacyError
from medguard.privacy.ledger import BudgetLedger


def test_spends_add_up_and_overspend_records_nothing(tmp_path):
    """Spends are recorded with their details; one that would exceed the total is refused whole."""
    ledger = BudgetLedger.open(tmp_path / "budget.db", "visits-2025", epsilon=1.0, delta=1e-6)
    ledger.spend(0.4, query="count by department", parameters={"bound": 5}, caller="analyst")
    ledger.spend(0.5, 5e-7, query="mean fee")
    with pytest.raises(BudgetExceeded, match="visits-2025"):
        ledger.spend(0.2, query="one too many")
    spends = ledger.spends()
    assert [s.query for s in spends] == ["count by department", "mean fee"]
    assert spends[0].parameters == {"bound": 5}
    assert spends[0].caller == "analyst"
    eps, delta = ledger.remaining()
    assert eps == pytest.approx(0.1)
    assert delta == pytest.approx(5e-7)
    ledger.spend(0.1, query="exactly the rest")  # the last bit of budget is spendable
    assert ledger.remaining()[0] == pytest.approx(0.0)


def test_budget_persists_and_totals_must_agree(tmp_path):
    """Reopening the file sees earlier spends; reopening with other totals is refused."""
    path = tmp_path / "budget.db"
    BudgetLedger.open(path, "d", epsilon=2.0).spend(1.5, query="q")
    again = BudgetLedger.open(path, "d", epsilon=2.0)
    assert again.remaining()[0] == pytest.approx(0.5)
    with pytest.raises(PrivacyError):
        BudgetLedger.open(path, "d", epsilon=3.0)
    other = BudgetLedger.open(path, "other-dataset", epsilon=1.0)
    assert other.remaining()[0] == pytest.approx(1.0)


@pytest.mark.parametrize(("eps", "delta"), [(0, 0), (-1, 0), (float("inf"), 0), (0.1, 1.0)])
def test_bad_amounts(tmp_path, eps, delta):
    """Non-positive or infinite epsilons and deltas outside [0, 1) are refused."""
    ledger = BudgetLedger.open(tmp_path / "b.db", "d", epsilon=1.0)
    with pytest.raises(InvalidArgument):
        ledger.spend(eps, delta, query="bad")


def _crash_mid_spend(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    db.execute(
        "INSERT INTO spend (dataset, epsilon, delta, at, caller, query, parameters) "
        "VALUES ('d', 0.9, 0, 'now', 'crasher', 'half-done', '{}')"
    )
    os._exit(1)  # the process dies with the transaction open


def test_crash_mid_spend_counts_nothing(tmp_path):
    """A process killed inside a spend's transaction leaves no trace and no lock behind."""
    path = tmp_path / "budget.db"
    ledger = BudgetLedger.open(path, "d", epsilon=1.0)
    proc = mp.get_context("spawn").Process(target=_crash_mid_spend, args=(str(path),))
    proc.start()
    proc.join(30)
    assert proc.exitcode == 1
    assert ledger.spends() == []
    ledger.spend(1.0, query="the whole budget is still there")


def _spend_repeatedly(where, dataset, amount, tries, results):
    ledger = BudgetLedger(where, dataset)
    ok = 0
    for _ in range(tries):
        try:
            ledger.spend(amount, query="concurrent")
            ok += 1
        except BudgetExceeded:
            pass
    results.put(ok)


def _race(where, dataset, amount, tries, processes):
    """Run `processes` spawned processes spending concurrently; return their total successes."""
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    args = (str(where), dataset, amount, tries, results)
    procs = [ctx.Process(target=_spend_repeatedly, args=args) for _ in range(processes)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    return sum(results.get(timeout=10) for _ in procs)


def test_concurrent_processes_never_exceed_the_total(tmp_path):
    """Four processes racing to spend 0.05 ten times each fit exactly 20 spends into 1.0."""
    path = tmp_path / "budget.db"
    BudgetLedger.open(path, "d", epsilon=1.0)
    successes = _race(path, "d", 0.05, 10, processes=4)
    ledger = BudgetLedger(path, "d")
    assert successes == 20
    assert len(ledger.spends()) == 20
    assert sum(s.epsilon for s in ledger.spends()) <= 1.0 + 1e-9


def test_sqlite_url_is_the_same_file(tmp_path):
    """A sqlite:/// URL opens the same ledger as the plain path."""
    path = tmp_path / "budget.db"
    BudgetLedger.open(path, "d", epsilon=1.0).spend(0.25, query="q")
    assert BudgetLedger(f"sqlite:///{path}", "d").remaining()[0] == pytest.approx(0.75)


@pytest.mark.postgres
def test_postgres_ledger_with_concurrent_processes(postgres_url):
    """On PostgreSQL (row locks) racing processes never exceed the total either."""
    BudgetLedger.open(postgres_url, "pg-dataset", epsilon=1.0)
    with pytest.raises(BudgetExceeded):
        BudgetLedger(postgres_url, "pg-dataset").spend(1.5, query="too much")
    successes = _race(postgres_url, "pg-dataset", 0.1, 8, processes=3)
    ledger = BudgetLedger(postgres_url, "pg-dataset")
    assert successes == 10
    assert len(ledger.spends()) == 10
    assert "secret" not in repr(BudgetLedger("postgresql://u:secret@h/db", "d"))
