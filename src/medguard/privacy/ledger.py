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

With ``audit=`` (an :class:`~medguard.typing.AuditSink` such as
:class:`medguard.audit.AuditTrail`), every committed spend also appends a ``privacy.spend``
record: dataset, epsilon, delta, the query description, the spend's ID and the numeric
parameters (a string parameter is recorded by name only, as it might hold a value of the data).
A refused spend records nothing.

The ledger lives in a SQLite file by default (a path, or a ``sqlite:///path`` URL). Any other
SQLAlchemy URL (e.g. ``postgresql+psycopg://user@host/db``) keeps it in that database; there the
budget row is locked with ``SELECT ... FOR UPDATE`` for the same guarantees (needs the
``medguard[sql]`` extra).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import math
import os
from dataclasses import dataclass
from typing import Any

from medguard._store import Db, Store
from medguard.errors import BudgetExceeded, InvalidArgument, PrivacyError
from medguard.typing import AuditSink

__all__ = ["BudgetLedger", "Spend"]

_BUDGET_TABLE = """
CREATE TABLE IF NOT EXISTS budget (
    dataset TEXT PRIMARY KEY,
    epsilon {float} NOT NULL CHECK (epsilon > 0),
    delta {float} NOT NULL CHECK (delta >= 0 AND delta < 1),
    created TEXT NOT NULL
)"""
_SPEND_TABLE = """
CREATE TABLE IF NOT EXISTS spend (
    id {id},
    dataset TEXT NOT NULL REFERENCES budget(dataset),
    epsilon {float} NOT NULL CHECK (epsilon > 0),
    delta {float} NOT NULL CHECK (delta >= 0),
    at TEXT NOT NULL,
    caller TEXT NOT NULL,
    query TEXT NOT NULL,
    parameters TEXT NOT NULL
)"""
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
    if the file does not have it yet, and otherwise checks that the totals agree. ``audit``
    receives a ``privacy.spend`` record after each committed spend.
    """

    def __init__(
        self, path: str | os.PathLike[str], dataset: str, *, audit: AuditSink | None = None
    ) -> None:
        self.audit = audit
        self._store = Store(
            path, schema=(_BUDGET_TABLE, _SPEND_TABLE), error=PrivacyError, what="the budget ledger"
        )
        self.url = self._store.url
        self.path = self._store.path
        self.dataset = dataset

    def __repr__(self) -> str:
        return f"BudgetLedger({self._store.where!r}, dataset={self.dataset!r})"

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        dataset: str,
        *,
        epsilon: float,
        delta: float = 0.0,
        audit: AuditSink | None = None,
    ) -> BudgetLedger:
        """Open (or create) the ledger of ``dataset`` with total ``epsilon`` and ``delta``.

        ``audit`` receives a ``privacy.spend`` record after each committed spend.
        """
        if not (math.isfinite(epsilon) and epsilon > 0):
            raise InvalidArgument("the total epsilon must be a positive finite number")
        if not 0 <= delta < 1:
            raise InvalidArgument("the total delta must be in [0, 1)")
        if not dataset:
            raise InvalidArgument("name the dataset the budget belongs to")
        ledger = cls(path, dataset, audit=audit)
        with ledger._store.transaction() as db:
            # ON CONFLICT: a concurrent creator of the same dataset wins, the totals are compared
            db.rows(
                "INSERT INTO budget (dataset, epsilon, delta, created) "
                "VALUES (:dataset, :epsilon, :delta, :created) ON CONFLICT (dataset) DO NOTHING",
                {"dataset": dataset, "epsilon": epsilon, "delta": delta, "created": _now()},
            )
            row = db.rows(
                "SELECT epsilon, delta FROM budget WHERE dataset = :dataset" + db.lock,  # noqa: S608
                {"dataset": dataset},
            )[0]
            if not (math.isclose(row[0], epsilon) and math.isclose(row[1], delta)):
                raise PrivacyError(
                    f"the ledger already holds dataset {dataset!r} with epsilon={row[0]:g}, "
                    f"delta={row[1]:g}; open it with the same totals"
                )
        return ledger

    def _totals(self, db: Db) -> tuple[float, float, float, float]:
        rows = db.rows(
            "SELECT epsilon, delta FROM budget WHERE dataset = :dataset" + db.lock,  # noqa: S608
            {"dataset": self.dataset},
        )
        if not rows:
            raise PrivacyError(f"no budget for dataset {self.dataset!r}: use BudgetLedger.open")
        spent = db.rows(
            "SELECT COALESCE(SUM(epsilon), 0), COALESCE(SUM(delta), 0) FROM spend "
            "WHERE dataset = :dataset",
            {"dataset": self.dataset},
        )[0]
        return float(rows[0][0]), float(rows[0][1]), float(spent[0]), float(spent[1])

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
        with self._store.transaction() as db:
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
            inserted = db.rows(
                "INSERT INTO spend (dataset, epsilon, delta, at, caller, query, parameters) "
                "VALUES (:dataset, :epsilon, :delta, :at, :caller, :query, :parameters) "
                "RETURNING id",
                {"dataset": self.dataset, "epsilon": epsilon, "delta": delta, "at": at,
                 "caller": who, "query": query, "parameters": params},
            )  # fmt: skip
            spend_id = int(inserted[0][0])
        if self.audit is not None:
            # after the commit: the spend counts whether or not the audit write succeeds, and an
            # audit failure is raised to the caller, who must not release the result unaudited
            self.audit.append(
                "privacy.spend",
                actor=who,
                dataset=self.dataset,
                epsilon=epsilon,
                delta=delta,
                query=query,
                spend_id=spend_id,
                parameters=_numeric(parameters or {}),
                parameter_names=sorted(str(k) for k in (parameters or {})),
            )
        return Spend(spend_id, self.dataset, epsilon, delta, at, who, query, parameters or {})

    def remaining(self) -> tuple[float, float]:
        """(epsilon, delta) still available."""
        with self._store.transaction() as db:
            total_eps, total_delta, spent_eps, spent_delta = self._totals(db)
        return max(total_eps - spent_eps, 0.0), max(total_delta - spent_delta, 0.0)

    def spends(self) -> list[Spend]:
        """Every recorded spend, oldest first."""
        with self._store.transaction() as db:
            self._totals(db)
            rows = db.rows(
                "SELECT id, dataset, epsilon, delta, at, caller, query, parameters FROM spend "
                "WHERE dataset = :dataset ORDER BY id",
                {"dataset": self.dataset},
            )
        return [Spend(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7])) for r in rows]


def _numeric(parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters whose values are finite numbers or booleans (safe to audit)."""
    return {
        str(key): value
        for key, value in parameters.items()
        if isinstance(value, bool)
        or (isinstance(value, int) and abs(value) < 2**53)
        or (isinstance(value, float) and math.isfinite(value))
    }


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _caller() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@pid{os.getpid()}"
