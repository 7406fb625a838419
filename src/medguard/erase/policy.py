"""The :class:`ErasurePolicy`: which tables hold a subject, how to find and erase their rows, and
how long each category of data is kept.

A policy is data, loaded and validated with :meth:`ErasurePolicy.from_dict` (messages name the
offending entry), or built in Python::

    {
        "tables": {
            "patients": {"subject_column": "patient_id", "action": "delete"},
            "visits": {
                "subject_column": "patient_token",        # deterministic ciphertexts
                "match": "token",
                "token_context": {"table": "patients", "field": "patient_id"},
                "action": "null",
                "columns": ["notes"],                       # nulled with patient_token
            },
        },
        "retention": {"outpatient": "30d", "inpatient": 3650, "*": "15y"},
    }

``match: "raw"`` (the default) compares the column with the subject ID itself; ``match:
"token"`` with the subject's deterministic ciphertexts (:func:`medguard.encrypt_deterministically`
under ``token_context``, by default the table and column names; ``token_form`` ``"text"``, the
default, or ``"bytes"``), computed under every key that may have made them. ``action: "null"``
sets the listed columns and the subject column to NULL.

Table and column names are SQL identifiers: letters, digits and ``_`` (not starting with a
digit), optionally ``schema.table``; they are quoted, so write them as the database stores them
(PostgreSQL folds unquoted names to lower case). Retention periods are a
:class:`datetime.timedelta`, a number of days, or text ``"<n>d"``, ``"<n>w"`` or ``"<n>y"``
(a year is 365 days); ``"*"`` is the period of categories not listed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from medguard.errors import PolicyError

__all__ = ["ErasurePolicy", "TableRule", "as_erasure_policy", "check_identifier", "parse_period"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_PERIOD = re.compile(r"\s*(\d+)\s*(d|day|days|w|week|weeks|y|year|years)\s*", re.IGNORECASE)
_UNIT_DAYS = {"d": 1, "w": 7, "y": 365}


def check_identifier(name: object, what: str, *, qualified: bool = False) -> str:
    """``name`` if it is a safe SQL identifier (``schema.table`` when ``qualified``)."""
    if not isinstance(name, str) or len(name.split(".")) > (2 if qualified else 1):
        raise PolicyError(f"{what}: not a table or column name")
    for part in name.split("."):
        if not _IDENTIFIER.fullmatch(part):
            raise PolicyError(
                f"{what}: {part[:64]!r} is not a plain SQL identifier (letters, digits, '_')"
            )
    return name


def parse_period(value: object, what: str) -> dt.timedelta:
    """A retention period from a timedelta, a number of days or ``"<n>d|w|y"`` text."""
    if isinstance(value, dt.timedelta):
        period = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        period = dt.timedelta(days=value)
    elif isinstance(value, str) and (m := _PERIOD.fullmatch(value)):
        period = dt.timedelta(days=int(m.group(1)) * _UNIT_DAYS[m.group(2)[0].lower()])
    else:
        raise PolicyError(f"{what}: a period is a timedelta, days, or text such as '30d', '10y'")
    if period < dt.timedelta(0):
        raise PolicyError(f"{what}: a retention period cannot be negative")
    return period


@dataclass(frozen=True)
class TableRule:
    """How one table holds a subject and what erasure does to their rows."""

    table: str
    subject_column: str
    match: Literal["raw", "token"] = "raw"
    action: Literal["delete", "null"] = "delete"
    columns: tuple[str, ...] = ()
    token_table: str | None = None
    token_field: str | None = None
    token_form: Literal["text", "bytes"] = "text"  # noqa: S105 - a form, not a secret

    def __post_init__(self) -> None:
        where = f"tables.{self.table}" if isinstance(self.table, str) else "tables"
        check_identifier(self.table, where, qualified=True)
        check_identifier(self.subject_column, f"{where}.subject_column")
        if self.match not in ("raw", "token"):
            raise PolicyError(f"{where}.match: must be 'raw' or 'token'")
        if self.action not in ("delete", "null"):
            raise PolicyError(f"{where}.action: must be 'delete' or 'null'")
        given: object = self.columns
        if isinstance(given, str):
            raise PolicyError(f"{where}.columns: a list of column names")
        columns = tuple(
            check_identifier(c, f"{where}.columns[{i}]") for i, c in enumerate(self.columns)
        )
        if self.action == "delete" and columns:
            raise PolicyError(f"{where}.columns: only an 'null' action takes columns")
        if self.action == "null" and self.subject_column not in columns:
            columns = (*columns, self.subject_column)  # the row must not name the subject
        object.__setattr__(self, "columns", columns)
        for name in ("token_table", "token_field"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise PolicyError(f"{where}.token_context: table and field are strings")
        if self.match == "raw" and (self.token_table or self.token_field):
            raise PolicyError(f"{where}.token_context: only a 'token' match takes a context")
        if self.token_form not in ("text", "bytes"):
            raise PolicyError(f"{where}.token_form: must be 'text' (mg1. strings) or 'bytes'")

    @property
    def token_context(self) -> tuple[str, str]:
        """``(table, field)`` the tokens were made with (default: this table and column)."""
        table = self.table if self.token_table is None else self.token_table
        return table, self.subject_column if self.token_field is None else self.token_field


@dataclass(frozen=True)
class ErasurePolicy:
    """Tables to erase a subject from (in order) and retention periods per category."""

    tables: tuple[TableRule, ...] = ()
    retention: Mapping[str, dt.timedelta] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rules = tuple(self.tables)
        for rule in rules:
            if not isinstance(rule, TableRule):
                raise PolicyError("tables: every entry is a TableRule")
        object.__setattr__(self, "tables", rules)
        periods = {
            str(k): parse_period(v, f"retention.{k}") for k, v in dict(self.retention).items()
        }
        object.__setattr__(self, "retention", MappingProxyType(periods))

    def retention_for(self, category: str) -> dt.timedelta:
        """The retention period of ``category`` (or of ``"*"``); :class:`PolicyError` if none."""
        period = self.retention.get(category, self.retention.get("*"))
        if period is None:
            raise PolicyError(f"retention: no period for category {category!r} and no '*'")
        return period

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ErasurePolicy:
        """Load and validate a policy from plain data (JSON, YAML or TOML already parsed)."""
        if not isinstance(data, Mapping):
            raise PolicyError("an erasure policy is a mapping with 'tables' and/or 'retention'")
        unknown = set(data) - {"tables", "retention"}
        if unknown:
            raise PolicyError(f"unknown policy entries: {', '.join(sorted(map(str, unknown)))}")
        tables = data.get("tables", {})
        if not isinstance(tables, Mapping):
            raise PolicyError("tables: a mapping of table name to its rule")
        rules = []
        for name, spec in tables.items():
            where = f"tables.{name}"
            if not isinstance(spec, Mapping):
                raise PolicyError(f"{where}: a mapping with subject_column, match, action")
            extra = set(spec) - {
                "subject_column", "match", "action", "columns", "token_context", "token_form"
            }  # fmt: skip
            if extra:
                raise PolicyError(f"{where}: unknown entries {', '.join(sorted(map(str, extra)))}")
            if "subject_column" not in spec:
                raise PolicyError(f"{where}.subject_column: required")
            context = spec.get("token_context") or {}
            if not isinstance(context, Mapping) or set(context) - {"table", "field"}:
                raise PolicyError(f"{where}.token_context: a mapping with 'table' and 'field'")
            columns = spec.get("columns", ())
            if not isinstance(columns, list | tuple):
                raise PolicyError(f"{where}.columns: a list of column names")
            rules.append(
                TableRule(
                    table=name,
                    subject_column=spec["subject_column"],
                    match=spec.get("match", "raw"),
                    action=spec.get("action", "delete"),
                    columns=tuple(columns),
                    token_table=context.get("table"),
                    token_field=context.get("field"),
                    token_form=spec.get("token_form", "text"),
                )
            )
        retention = data.get("retention", {})
        if not isinstance(retention, Mapping):
            raise PolicyError("retention: a mapping of category to period")
        return cls(tuple(rules), retention)


def as_erasure_policy(policy: ErasurePolicy | Mapping[str, Any]) -> ErasurePolicy:
    """An :class:`ErasurePolicy` from itself or from a mapping (:meth:`ErasurePolicy.from_dict`).

    The one place to adapt when the project-wide policy (lifecycle.Policy) arrives.
    """
    if isinstance(policy, ErasurePolicy):
        return policy
    if isinstance(policy, Mapping):
        return ErasurePolicy.from_dict(policy)
    raise PolicyError("an erasure policy is an ErasurePolicy or a mapping")
