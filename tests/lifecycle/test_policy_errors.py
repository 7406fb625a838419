"""Every policy mistake is a PolicyError naming the file, the line, the path and the problem.

Each case is a small YAML policy with one mistake; the expected line is the line holding the
case's ``needle``, so the cases stay right when they are edited.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medguard.errors import PolicyError
from medguard.lifecycle import InvalidPolicy, Policy

HEAD = """\
medguard_policy: 1
dataset: visits
subject: patient_id
fields:
"""

# (id, fields-and-rest YAML, needle on the expected line, path, problem fragment, an allowed value)
CASES: list[tuple[str, str, str, str, str, str | None]] = [
    (
        "unknown op",
        "  mobile: {category: personal_attribute, level: 4, kind: phone,\n"
        "           sharing: {op: pseudonymise}}\n",
        "pseudonymise",
        "fields.mobile.sharing.op",
        "unknown op",
        "pseudonymize",
    ),
    (
        "unknown stage",
        "  mobile:\n    category: personal_attribute\n    level: 3\n    publishing: {op: keep}\n",
        "publishing",
        "fields.mobile.publishing",
        "unknown key",
        "sharing",
    ),
    (
        "unknown field key",
        "  mobile:\n    category: personal_attribute\n    level: 3\n    colour: red\n",
        "colour",
        "fields.mobile.colour",
        "unknown key",
        "kind",
    ),
    (
        "unknown top-level key",
        "  a: {category: health_status, level: 2}\nowner: someone\n",
        "owner",
        "owner",
        "unknown key",
        "dataset",
    ),
    (
        "unknown category",
        "  a:\n    category: personal\n    level: 2\n",
        "category",
        "fields.a.category",
        "unknown value 'personal'",
        "personal_attribute",
    ),
    (
        "unknown kind",
        "  a:\n    category: health_status\n    level: 2\n    kind: dna\n",
        "kind",
        "fields.a.kind",
        "unknown value 'dna'",
        "resident_id",
    ),
    (
        "level out of range",
        "  a:\n    category: health_status\n    level: 7\n",
        "level",
        "fields.a.level",
        "out of range",
        "5",
    ),
    (
        "level of the wrong type",
        "  a:\n    category: health_status\n    level: high\n",
        "level",
        "fields.a.level",
        "must be an integer",
        "1",
    ),
    (
        "missing level",
        "  a:\n    category: health_status\n",
        "  a:",
        "fields.a.level",
        "missing",
        "3",
    ),
    (
        "option out of range",
        "  mobile:\n    category: personal_attribute\n    level: 3\n    kind: phone\n"
        "    processing:\n      op: mask\n      first: 9\n",
        "first: 9",
        "fields.mobile.processing.first",
        "two thirds",
        None,
    ),
    (
        "option of the wrong type",
        "  visit_date:\n    category: medical_application\n    level: 3\n    kind: date\n"
        "    sharing:\n      op: date_shift\n      max_days: soon\n",
        "max_days",
        "fields.visit_date.sharing.max_days",
        "max_days",
        None,
    ),
    (
        "unknown option",
        "  mobile:\n    category: personal_attribute\n    level: 3\n    kind: phone\n"
        "    sharing:\n      op: pseudonymize\n      keep_area: true\n",
        "keep_area",
        "fields.mobile.sharing.keep_area",
        "unknown option",
        "keep_segment",
    ),
    (
        "op that does not fit the kind",
        "  visit_date:\n    category: medical_application\n    level: 3\n    kind: date\n"
        "    sharing: {op: pseudonymize}\n",
        "pseudonymize",
        "fields.visit_date.sharing.op",
        "does not fit a field of kind 'date'",
        None,
    ),
    (
        "op kind that does not fit the field kind",
        "  mobile:\n    category: personal_attribute\n    level: 3\n    kind: phone\n"
        "    processing: {op: mask, kind: name}\n",
        "processing",
        "fields.mobile.processing.kind",
        "does not fit a field of kind 'phone'",
        "phone",
    ),
    (
        "kind op without any kind",
        "  code:\n    category: health_status\n    level: 3\n    sharing: {op: generalize}\n",
        "generalize",
        "fields.code.sharing.kind",
        "needs a kind",
        None,
    ),
    (
        "equality leak without accept",
        "  card_no:\n    category: personal_attribute\n    level: 4\n"
        "    storage: {op: encrypt_deterministically}\n",
        "encrypt_deterministically",
        "fields.card_no.storage.op",
        "risk: equality",
        None,
    ),
    (
        "level 4 stored unencrypted",
        "  name:\n    category: personal_attribute\n    level: 4\n    kind: name\n"
        "    storage: {op: mask}\n",
        "storage",
        "fields.name.storage.op",
        "never at storage unencrypted",
        "encrypt",
    ),
    (
        "level 4 shared raw",
        "  name:\n    category: personal_attribute\n    level: 4\n    kind: name\n"
        "    sharing: {op: keep}\n",
        "sharing",
        "fields.name.sharing.op",
        "never reaches sharing raw",
        None,
    ),
    (
        "level 5 released without accept",
        "  hiv:\n    category: health_status\n    level: 5\n    kind: category\n"
        "    sharing: {op: mask}\n",
        "sharing",
        "fields.hiv.sharing.op",
        "risk: release",
        "drop",
    ),
    (
        "accept of an unknown field",
        "  a: {category: health_status, level: 2}\naccept:\n"
        "  - {field: b, risk: equality, stage: storage, reason: join}\n",
        "field: b",
        "accept.0.field",
        "unknown field 'b'",
        "a",
    ),
    (
        "accept of an unknown risk",
        "  a: {category: health_status, level: 2}\naccept:\n"
        "  - field: a\n    risk: everything\n    stage: storage\n    reason: join\n",
        "everything",
        "accept.0.risk",
        "unknown value",
        "equality",
    ),
    (
        "accept without reason",
        "  a: {category: health_status, level: 2}\naccept:\n"
        "  - {field: a, risk: equality, stage: storage}\n",
        "field: a",
        "accept.0.reason",
        "missing",
        None,
    ),
    (
        "accept of an unknown stage",
        "  a: {category: health_status, level: 2}\naccept:\n"
        "  - field: a\n    risk: equality\n    stage: archiving\n    reason: r\n",
        "archiving",
        "accept.0.stage",
        "unknown value",
        "storage",
    ),
    (
        "undeclared of an unknown value",
        "  a: {category: health_status, level: 2}\nundeclared: ignore\n",
        "undeclared",
        "undeclared",
        "unknown value",
        "drop",
    ),
    (
        "checks with an unknown check",
        "  a: {category: health_status, level: 2}\nchecks:\n  sharing:\n    l_diversity: 2\n",
        "l_diversity",
        "checks.sharing.l_diversity",
        "unknown key",
        "k_anonymity",
    ),
    (
        "k out of range",
        "  a: {category: health_status, level: 2}\nchecks:\n  sharing:\n"
        "    k_anonymity: {quasi_identifiers: [a], k: 1}\n",
        "k_anonymity",
        "checks.sharing.k_anonymity.k",
        "at least 2",
        None,
    ),
    (
        "checks for an unknown stage",
        "  a: {category: health_status, level: 2}\nchecks:\n  publishing: {rescan: true}\n",
        "publishing",
        "checks.publishing",
        "unknown value",
        "sharing",
    ),
    (
        "rule without op",
        "  a:\n    category: health_status\n    level: 2\n    sharing: {max_days: 3}\n",
        "sharing",
        "fields.a.sharing.op",
        "missing",
        "keep",
    ),
    (
        "deidentify on a field that is not text",
        "  mobile:\n    category: personal_attribute\n    level: 3\n    kind: phone\n"
        "    sharing: {op: deidentify}\n",
        "deidentify",
        "fields.mobile.sharing.op",
        "does not fit a field of kind 'phone'",
        None,
    ),
    (
        "deidentify with a bad option",
        "  note:\n    category: health_status\n    level: 3\n    kind: free_text\n"
        "    sharing: {op: deidentify, mode: erase}\n",
        "deidentify",
        "fields.note.sharing.mode",
        "mode must be one of",
        None,
    ),
    (
        "duplicate key",
        "  a: {category: health_status, level: 2}\n  a: {category: health_status, level: 3}\n",
        "level: 3",
        "fields.a",
        "duplicate key",
        None,
    ),
    (
        "YAML syntax error",
        "  a: {category: health_status, level: 2\n",
        "  a:",
        "",
        "not valid YAML",
        None,
    ),
]


def _expected_line(text: str, needle: str) -> int:
    lines = text.splitlines()
    matches = [i for i, line in enumerate(lines, 1) if needle in line]
    return matches[-1] if needle in ("level: 3", "sharing") else matches[0]


@pytest.mark.parametrize(
    ("body", "needle", "path", "problem", "allowed"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_yaml_mistake_names_file_line_path_and_problem(
    tmp_path: Path, body: str, needle: str, path: str, problem: str, allowed: str | None
) -> None:
    """The error is a PolicyError with the file, the line, the dotted path and allowed values."""
    text = HEAD + body
    target = tmp_path / "visits.yaml"
    target.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        Policy.load(target)
    error = info.value
    assert isinstance(error, InvalidPolicy)
    assert error.file == str(target)
    if problem != "not valid YAML":
        assert error.line == _expected_line(text, needle), str(error)
        assert error.path == path
    else:
        assert error.line is not None
    assert problem in error.problem
    if allowed is not None:
        assert error.allowed is not None
        assert allowed in error.allowed
    assert str(target) in str(error)
    assert (path or "(top level)") in str(error)


def test_the_same_mistakes_in_toml_name_their_lines(tmp_path: Path) -> None:
    """TOML errors name the line of the key too (found by scanning the text)."""
    text = """\
medguard_policy = 1
dataset = "visits"

[fields.mobile]
category = "personal_attribute"
level = 4
kind = "phone"

[fields.mobile.sharing]
op = "pseudonymise"
"""
    target = tmp_path / "visits.toml"
    target.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidPolicy) as info:
        Policy.load(target)
    assert (info.value.line, info.value.path) == (10, "fields.mobile.sharing.op")
    inline = text.replace('\n[fields.mobile.sharing]\nop = "pseudonymise"\n', "") + (
        'sharing = {op = "mask", first = 9}\n'
    )
    target.write_text(inline, encoding="utf-8")
    with pytest.raises(InvalidPolicy) as info:
        Policy.load(target)
    assert info.value.path == "fields.mobile.sharing.first"
    assert info.value.line == inline.splitlines().index('sharing = {op = "mask", first = 9}') + 1
    target.write_text(text.replace("level = 4", 'level = "4'), encoding="utf-8")
    with pytest.raises(InvalidPolicy, match="not valid TOML") as info:
        Policy.load(target)
    assert info.value.line == 6


def test_missing_subject_column_for_an_op_that_needs_one() -> None:
    """date_shift without a policy subject is refused at load, naming the op's path."""
    with pytest.raises(InvalidPolicy) as info:
        Policy.loads(
            "medguard_policy: 1\ndataset: v\nfields:\n  d:\n    category: health_status\n"
            "    level: 3\n    kind: date\n    sharing: {op: date_shift}\n"
        )
    assert info.value.path == "fields.d.sharing.op"
    assert info.value.line == 8
    assert "subject" in info.value.problem


def test_accepted_risks_make_the_rule_legal() -> None:
    """The level-5 release and the equality leak load once their accept entries exist."""
    text = HEAD + (
        "  hiv: {category: health_status, level: 5, kind: category, sharing: {op: suppress}}\n"
        "  diag: {category: health_status, level: 5, kind: category, sharing: {op: mask}}\n"
        "  card_no: {category: personal_attribute, level: 4,\n"
        "            storage: {op: encrypt_deterministically}}\n"
        "accept:\n"
        "  - {field: diag, risk: release, stage: sharing, reason: approved study 2026-17}\n"
        "  - {field: card_no, risk: equality, stage: storage, reason: join key}\n"
    )
    policy = Policy.loads(text)
    assert policy.accepted("diag", "release", "sharing") is not None


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"dataset": "v", "fields": {"a": {"category": "health_status", "level": 2}}},
        {"medguard_policy": 2, "dataset": "v", "fields": {}},
        {"medguard_policy": 1, "dataset": "", "fields": {}},
        {"medguard_policy": 1, "dataset": "v"},
        {"medguard_policy": 1, "dataset": "v", "fields": {}},
        {"medguard_policy": 1, "dataset": "v", "fields": {"a": "keep"}},
        {"medguard_policy": 1, "dataset": "v", "fields": {"a": {"category": "x", "level": 2}}},
    ],
)
def test_from_dict_mistakes_are_policy_errors(data: object) -> None:
    """The Python entry point refuses the same mistakes (no file, no line)."""
    with pytest.raises(InvalidPolicy) as info:
        Policy.from_dict(data)  # type: ignore[arg-type]
    assert info.value.file is None
    assert info.value.line is None


def test_file_suffix_and_unreadable_file(tmp_path: Path) -> None:
    """An unknown suffix or a missing file is a PolicyError naming the file."""
    with pytest.raises(InvalidPolicy, match="suffix"):
        Policy.load(tmp_path / "policy.ini")
    with pytest.raises(InvalidPolicy, match="cannot read"):
        Policy.load(tmp_path / "missing.yaml")


def test_yaml_alias_bomb_is_refused() -> None:
    """A policy expanding to too many nodes (YAML aliases) is refused, not expanded."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    with pytest.raises(InvalidPolicy, match="too many"):
        Policy.loads("\n".join(lines) + "\n")


def test_characters_yaml_forbids_are_a_policy_error() -> None:
    """A raw control character (DEL) in a YAML policy is an InvalidPolicy with its line."""
    with pytest.raises(InvalidPolicy, match="not valid YAML") as info:
        Policy.loads("medguard_policy: 1\ndataset: a\x7fb\nfields: {}\n", source="p.yaml")
    assert info.value.line == 2
