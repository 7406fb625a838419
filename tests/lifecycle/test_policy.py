"""Policies load from YAML, TOML, JSON and Python into the same objects, and round-trip."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import jsonschema
import pytest

from medguard.lifecycle import (
    Acceptance,
    Category,
    FieldRule,
    Policy,
    Stage,
    StageChecks,
    policy_schema,
)
from medguard.lifecycle.schema import BEGIN, END, build_schema, reference_markdown
from medguard.ops.date_shift import DateShiftOp
from medguard.ops.masking import MaskOp
from medguard.ops.pseudonyms import PseudonymizeOp
from medguard.ops.simple import KeepOp

HERE = Path(__file__).parent
EXAMPLE = HERE / "example_policy.yaml"
ROOT = HERE.parents[1]


@pytest.fixture
def example() -> Policy:
    return Policy.load(EXAMPLE)


def test_the_issue_example_loads(example: Policy) -> None:
    """The policy shape fixed by the issue loads, with the ops its fields name."""
    assert example.dataset == "outpatient_visits"
    assert example.subject == "patient_id"
    rid = example.fields["resident_id"]
    assert rid.category is Category.PERSONAL_ATTRIBUTE
    assert rid.level == 4
    assert rid.stages[Stage.SHARING] == PseudonymizeOp.of(
        "resident_id", birth="age_band", region="any"
    )
    assert rid.stages[Stage.PROCESSING] == MaskOp.of("resident_id")
    assert example.fields["visit_date"].stages[Stage.SHARING] == DateShiftOp(max_days=180)
    assert example.accept == (
        Acceptance("patient_id", "equality", Stage.STORAGE, "join key for the visits table"),
    )
    check = example.checks[Stage.SHARING]
    assert isinstance(check, StageChecks)
    assert check.rescan
    assert check.k_anonymity is not None
    assert check.k_anonymity.k == 5


@pytest.mark.parametrize("fmt", ["yaml", "toml", "json"])
def test_round_trip_text(example: Policy, fmt: str) -> None:
    """dumps then loads gives an equal policy, in every format."""
    assert Policy.loads(example.dumps(fmt), fmt) == example


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".toml", ".json"])
def test_round_trip_files(example: Policy, tmp_path: Path, suffix: str) -> None:
    """dump and load pick the format by suffix."""
    target = tmp_path / f"policy{suffix}"
    example.dump(target)
    again = Policy.load(target)
    assert again == example
    assert again.source == str(target)


def test_yaml_and_toml_files_give_the_same_policy(example: Policy, tmp_path: Path) -> None:
    """A TOML file of the same structure is the same policy as the YAML one."""
    (tmp_path / "p.toml").write_text(example.dumps("toml"), encoding="utf-8")
    assert Policy.load(tmp_path / "p.toml") == Policy.load(EXAMPLE)


def test_python_api_builds_the_same_objects(example: Policy) -> None:
    """Policy(...) from Python objects equals the loaded file; from_dict(to_dict()) too."""
    built = Policy(
        dataset="outpatient_visits",
        subject="patient_id",
        fields={
            "resident_id": FieldRule(
                "personal_attribute",  # type: ignore[arg-type]
                4,
                "resident_id",
                {
                    "storage": {"op": "encrypt"},
                    "processing": MaskOp.of("resident_id"),
                    "sharing": PseudonymizeOp.of("resident_id", birth="age_band", region="any"),
                },  # type: ignore[dict-item]
            ),
            "visit_date": FieldRule(
                Category.MEDICAL_APPLICATION, 3, "date", {Stage.SHARING: DateShiftOp(max_days=180)}
            ),
            "department": FieldRule(Category.MEDICAL_APPLICATION, 2, None, {"sharing": KeepOp()}),  # type: ignore[dict-item]
        },
        accept=(
            Acceptance("patient_id", "equality", Stage.STORAGE, "join key for the visits table"),
        ),
        checks=example.checks,
    )
    assert built == example
    assert Policy.from_dict(built.to_dict()) == built
    assert Policy.from_dict(example.to_dict()).to_dict() == example.to_dict()


def test_policy_pickles(example: Policy) -> None:
    """A policy is plain data: it pickles and compares equal."""
    assert pickle.loads(pickle.dumps(example)) == example


def test_rule_origins(example: Policy) -> None:
    """rule_for says whether a rule was written or came from the level's default."""
    written = example.rule_for("resident_id", "sharing")
    assert written is not None
    assert written.origin == "policy"
    assert written.line == 12
    assert written.path == "fields.resident_id.sharing"
    default = example.rule_for("visit_date", "storage")
    assert default is not None
    assert default.origin == "default"
    assert "level 3" in default.reason
    assert example.rule_for("unknown", "sharing") is None


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_level_defaults_obey_the_level_rules(stage: Stage, level: int) -> None:
    """Defaults never keep level >= 4 unencrypted at rest or raw at sharing, nor release level 5."""
    for kind in (None, "resident_id", "date", "phone", "free_text", "numeric", "address"):
        policy = Policy.from_dict(
            {
                "medguard_policy": 1,
                "dataset": "d",
                "subject": "pid",
                "fields": {"f": {"category": "health_status", "level": level, "kind": kind}}
                if kind
                else {"f": {"category": "health_status", "level": level}},
            }
        )
        rule = policy.rule_for("f", stage)
        assert rule is not None
        name = rule.op.name
        if level >= 4 and stage in (Stage.STORAGE, Stage.TRANSMISSION):
            assert name in ("encrypt", "encrypt_deterministically", "drop", "suppress")
        if level >= 4 and stage is Stage.SHARING:
            assert name != "keep"
        if level == 5 and stage is Stage.SHARING:
            assert name in ("drop", "suppress")
        # a default is itself a valid rule: writing it explicitly loads
        data = policy.to_dict()
        data["fields"]["f"][stage.value] = rule.op.to_config()
        if rule.op.name == "encrypt_deterministically":  # pragma: no cover - never a default
            continue
        Policy.from_dict(data)


def test_published_schema_is_current() -> None:
    """The shipped policy.schema.json is what build_schema() makes from the registry."""
    assert policy_schema() == build_schema()
    jsonschema.Draft202012Validator.check_schema(policy_schema())


def test_example_policies_validate_against_the_schema(example: Policy) -> None:
    """The issue's example, and every dumped policy, validate against the JSON Schema."""
    validator = jsonschema.Draft202012Validator(policy_schema())
    validator.validate(example.to_dict())
    data = json.loads(example.dumps("json"))
    validator.validate(data)
    data["fields"]["department"]["colour"] = "red"
    assert not validator.is_valid(data)


def _keys(schema: dict, out: set[str]) -> set[str]:  # type: ignore[type-arg]
    for key, value in schema.get("properties", {}).items():
        out.add(key)
        if isinstance(value, dict):
            _keys(value, out)
    for sub in schema.get("$defs", {}).values():
        _keys(sub, out)
    for variant in schema.get("oneOf", []):
        _keys(variant, out)
    return out


def test_policy_reference_page_lists_every_key() -> None:
    """docs/policies.md holds the generated reference (current) naming every schema key."""
    page = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    generated = page.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert generated == reference_markdown().strip(), "run: python -m medguard.lifecycle.schema"
    for key in _keys(build_schema(), set()):
        assert f"`{key}`" in page or f".{key}`" in page, key
