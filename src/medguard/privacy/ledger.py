"""A persistent privacy-budget ledger per dataset (SQLite), safe across processes.

Every differentially private release spends part of a dataset's budget. The ledger records the
total (epsilon, delta) and every spend (time, caller, query description, parameters), and it
checks and records a spend in one ``BEGIN IMMEDIATE`` transaction, *before* any noise is drawn:

- an overspend raises :class:`~medguard.errors.BudgetExceeded` and records nothing;
- two processes spending at once are serialized by SQLite's write lock, so together they never
  exceed the total;
- a crash mid-spend rolls the transaction back (nothing counted) or leaves it committed
  (counted once): never half, never twice.

Accounting is sequential composition: the epsilons (and deltas) of all spends add up.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import math
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medguard.errors import BudgetExceeded, InvalidArgument, PrivacyError

__all__ = ["BudgetLedger", "Spend"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS budget (
    dataset TEXT PRIMARY KEY,
    epsilon REAL NOT NULL CHECK (epsilon > 0),
    delta REAL NOT NULL CHECK (delta >= 0 AND delta < 1),
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS spend (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset TEXT NOT NULL REFERENCES budget(dataset),
    epsilon REAL NOT NULL CHECK (epsilon > 0),
    delta REAL NOT NULL CHECK (delta >= 0),
    at TEXT NOT NULL,
    caller TEXT NOT NULL,
    query TEXT NOT NULL,
    parameters TEXT NOT NULL
);
"""
# Float sums drift: a spend may exceed the total by this much before it is refused.
_SLACK = 1e-12


@dataclass(frozen=True)
class Spend:
    """One recorded spend of the budget."""

    id: int
    dataset: str
    epsilon: float
    delta: float
    at: str
    caller: str
    query: str
    parameters: dict[str, Any]


class BudgetLedger:
    """The budget of one dataset, kept in a SQLite file (created on first use).

    ``BudgetLedger.open(path, dataset, epsilon=1.0, delta=1e-6)`` creates the dataset's budget
    if the file does not have it yet, and otherwise checks that the totals agree.
    """

    def __init__(self, path: str | os.PathLike[str], dataset: str) -> None:
        self.path = Path(path)
        self.dataset = dataset

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], dataset: str, *, epsilon: float, delta: float = 0.0
    ) -> BudgetLedger:
        """Open (or create) the ledger of ``dataset`` with total ``epsilon`` and ``delta``."""
        if not (math.isfinite(epsilon) and epsilon > 0):
            raise InvalidArgument("the total epsilon must be a positive finite number")
        if not 0 <= delta < 1:
            raise InvalidArgument("the total delta must be in [0, 1)")
        if not dataset:
            raise InvalidArgument("name the dataset the budget belongs to")
        ledger = cls(path, dataset)
        with ledger._transaction() as db:
            row = db.execute(
                "SELECT epsilon, delta FROM budget WHERE dataset = ?", (dataset,)
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO budget VALUES (?, ?, ?, ?)",
                    (dataset, epsilon, delta, _now()),
                )
            elif not (math.isclose(row[0], epsilon) and math.isclose(row[1], delta)):
                raise PrivacyError(
                    f"the ledger already holds dataset {dataset!r} with epsilon={row[0]:g}, "
                    f"delta={row[1]:g}; open it with the same totals"
                )
        return ledger

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.executescript(_SCHEMA)
            db.execute("BEGIN IMMEDIATE")  # take the write lock before reading the balance
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise PrivacyError(f"the budget ledger at {self.path} failed: {exc}") from None
        finally:
            db.close()

    def _totals(self, db: sqlite3.Connection) -> tuple[float, float, float, float]:
        row = db.execute(
            "SELECT epsilon, delta FROM budget WHERE dataset = ?", (self.dataset,)
        ).fetchone()
        if row is None:
            raise PrivacyError(f"no budget for dataset {self.dataset!r}: use BudgetLedger.open")
        spent = db.execute(
            "SELECT COALESCE(SUM(epsilon), 0), COALESCE(SUM(delta), 0) FROM spend "
            "WHERE dataset = ?",
            (self.dataset,),
        ).fetchone()
        return float(row[0]), float(row[1]), float(spent[0]), float(spent[1])

    def spend(
        self,
        epsilon: float,
        delta: float = 0.0,
        *,
        query: str,
        parameters: dict[str, Any] | None = None,
        caller: str | None = None,
    ) -> Spend:
        """Record a spend, or raise :class:`BudgetExceeded` and record nothing.

        Call it before drawing any noise; draw only if it returns.
        """
        if not (math.isfinite(epsilon) and epsilon > 0):
            raise InvalidArgument("a spend needs a positive finite epsilon")
        if not 0 <= delta < 1:
            raise InvalidArgument("a spend's delta must be in [0, 1)")
        who = caller or _caller()
        params = json.dumps(parameters or {}, sort_keys=True, default=str)
        with self._transaction() as db:
            total_eps, total_delta, spent_eps, spent_delta = self._totals(db)
            if (
                spent_eps + epsilon > total_eps + _SLACK
                or spent_delta + delta > total_delta + _SLACK
            ):
                raise BudgetExceeded(
                    f"dataset {self.dataset!r}: spending epsilon={epsilon:g}, delta={delta:g} "
                    f"would exceed the total (epsilon {spent_eps:g}/{total_eps:g}, "
                    f"delta {spent_delta:g}/{total_delta:g} already spent)"
                )
            at = _now()
            cursor = db.execute(
                "INSERT INTO spend (dataset, epsilon, delta, at, caller, query, parameters) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.dataset, epsilon, delta, at, who, query, params),
            )
            spend_id = int(cursor.lastrowid or 0)
        return Spend(spend_id, self.dataset, epsilon, delta, at, who, query, parameters or {})

    def remaining(self) -> tuple[float, float]:
        """(epsilon, delta) still available."""
        with self._transaction() as db:
            total_eps, total_delta, spent_eps, spent_delta = self._totals(db)
        return max(total_eps - spent_eps, 0.0), max(total_delta - spent_delta, 0.0)

    def spends(self) -> list[Spend]:
        """Every recorded spend, oldest first."""
        with self._transaction() as db:
            self._totals(db)
            rows = db.execute(
                "SELECT id, dataset, epsilon, delta, at, caller, query, parameters FROM spend "
                "WHERE dataset = ? ORDER BY id",
                (self.dataset,),
            ).fetchall()
        return [Spend(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7])) for r in rows]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _caller() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@pid{os.getpid()}"
