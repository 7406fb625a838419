"""The erasure policy: loaded from plain data, validated with messages that name the entry,
and never letting a name through that could change an SQL statement."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medguard.erase import ErasurePolicy, TableRule
from medguard.erase.policy import as_erasure_policy, check_identifier, parse_period
from medguard.errors import PolicyError

POLICY = {
    "tables": {
        "patients": {"subject_column": "patient_id"},
        "visits": {
            "subject_column": "patient_token",
            "match": "token",
            "token_context": {"table": "patients", "field": "patient_id"},
            "action": "null",
            "columns": ["notes"],
        },
    },
    "retention": {"outpatient": "30d", "inpatient": 3650, "*": "15y"},
}


def test_from_dict_builds_rules_in_order() -> None:
    """Tables keep their order; defaults are raw match and delete."""
    policy = ErasurePolicy.from_dict(POLICY)
    patients, visits = policy.tables
    assert (patients.table, patients.match, patients.action) == ("patients", "raw", "delete")
    assert visits.token_context == ("patients", "patient_id")
    assert visits.columns == ("notes", "patient_token")  # the subject column is nulled too
    assert policy.retention_for("outpatient") == dt.timedelta(days=30)
    assert policy.retention_for("inpatient") == dt.timedelta(days=3650)
    assert policy.retention_for("lab") == dt.timedelta(days=15 * 365)


def test_token_context_defaults_to_the_table_and_column() -> None:
    """Without token_context, tokens are looked up as made for this table and column."""
    rule = TableRule("visits", "patient_token", match="token")
    assert rule.token_context == ("visits", "patient_token")


@pytest.mark.parametrize(
    ("policy", "where"),
    [
        ({"tables": {"p; DROP TABLE x": {"subject_column": "id"}}}, "tables.p; DROP TABLE x"),
        ({"tables": {"p": {"subject_column": 'id" OR 1=1 --'}}}, "tables.p.subject_column"),
        ({"tables": {"p": {"subject_column": "id", "action": "truncate"}}}, "tables.p.action"),
        ({"tables": {"p": {"subject_column": "id", "match": "like"}}}, "tables.p.match"),
        ({"tables": {"p": {}}}, "tables.p.subject_column"),
        ({"tables": {"p": {"subject_column": "id", "colums": []}}}, "tables.p: unknown"),
        ({"tables": {"p": {"subject_column": "id", "columns": ["a"]}}}, "tables.p.columns"),
        ({"tables": {"p": {"subject_column": "id", "action": "null", "columns": "a"}}}, "columns"),
        (
            {"tables": {"p": {"subject_column": "id", "token_context": {"table": "t"}}}},
            "tables.p.token_context",
        ),
        ({"tables": {"p": {"subject_column": "id", "token_form": "hex"}}}, "token_form"),
        ({"tables": []}, "tables"),
        ({"retention": {"x": "soon"}}, "retention.x"),
        ({"retention": {"x": -1}}, "retention.x"),
        ({"tabels": {}}, "unknown policy entries"),
    ],
)
def test_invalid_policies_name_the_entry(policy: dict, where: str) -> None:
    """Each mistake is a PolicyError naming where it is."""
    with pytest.raises(PolicyError) as info:
        ErasurePolicy.from_dict(policy)
    assert where in str(info.value)


def test_schema_qualified_tables_are_allowed_columns_are_not() -> None:
    """``schema.table`` is a valid table name; a dotted column is not."""
    assert TableRule("his.patients", "patient_id").table == "his.patients"
    with pytest.raises(PolicyError):
        TableRule("patients", "his.patient_id")
    with pytest.raises(PolicyError):
        TableRule("a.b.c", "id")


@given(st.text(max_size=80))
def test_only_plain_identifiers_pass(name: str) -> None:
    """Any string either is letters/digits/underscore (not starting with a digit) or is refused."""
    plain = (
        0 < len(name) <= 63
        and name.isascii()
        and (name[0].isalpha() or name[0] == "_")
        and all(c.isalnum() or c == "_" for c in name)
    )
    if plain:
        assert check_identifier(name, "x") == name
    else:
        with pytest.raises(PolicyError):
            check_identifier(name, "x")


def test_periods_in_every_form() -> None:
    """timedelta, days, and d/w/y text all parse."""
    assert parse_period(dt.timedelta(hours=5), "r") == dt.timedelta(hours=5)
    assert parse_period(7, "r") == dt.timedelta(days=7)
    assert parse_period("2w", "r") == dt.timedelta(days=14)
    assert parse_period("10 years", "r") == dt.timedelta(days=3650)


def test_retention_without_default_refuses_unknown_category() -> None:
    """No '*' and an unlisted category: an error, not a guess."""
    policy = ErasurePolicy.from_dict({"retention": {"outpatient": 30}})
    with pytest.raises(PolicyError, match="lab"):
        policy.retention_for("lab")


def test_as_erasure_policy_accepts_mappings_and_policies() -> None:
    """A mapping is loaded; a policy passes through; anything else is a PolicyError."""
    policy = as_erasure_policy(POLICY)
    assert as_erasure_policy(policy) is policy
    with pytest.raises(PolicyError):
        as_erasure_policy(["patients"])  # type: ignore[arg-type]
