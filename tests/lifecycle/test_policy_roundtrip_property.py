"""Property: any valid policy survives YAML, TOML and JSON unchanged."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from medguard.lifecycle import InvalidPolicy, Policy, Stage

TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda t: t.strip() != ""
)
NAMES = st.text(alphabet="ab_z中文.\"' -1", min_size=1, max_size=6).filter(lambda t: t.strip())
OPS: list[dict[str, Any]] = [
    {"op": "keep"},
    {"op": "drop"},
    {"op": "suppress"},
    {"op": "encrypt"},
    {"op": "encrypt", "output": "bytes", "bind_record": True},
    {"op": "mask"},
    {"op": "pseudonymize"},
    {"op": "generalize"},
    {"op": "date_shift", "max_days": 30},
]
KINDS = [None, "phone", "name", "resident_id", "date", "age", "address", "free_text"]


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in draw(st.lists(NAMES, min_size=1, max_size=4, unique=True)):
        spec: dict[str, Any] = {
            "category": draw(st.sampled_from(["personal_attribute", "health_status"])),
            "level": draw(st.integers(1, 5)),
        }
        kind = draw(st.sampled_from(KINDS))
        if kind:
            spec["kind"] = kind
        for stage in draw(st.lists(st.sampled_from(list(Stage)), max_size=3, unique=True)):
            spec[stage.value] = dict(draw(st.sampled_from(OPS)))
        if draw(st.booleans()):
            spec["description"] = draw(TEXT)
        fields[name] = spec
    data: dict[str, Any] = {
        "medguard_policy": 1,
        "dataset": draw(TEXT),
        "subject": "patient_id",
        "record_id": "visit_id",
        "undeclared": draw(st.sampled_from(["error", "drop", "keep"])),
        "fields": fields,
    }
    if draw(st.booleans()):
        data["description"] = draw(TEXT)
    return data


@given(policies())
def test_valid_policies_round_trip_in_every_format(data: dict[str, Any]) -> None:
    """A policy that loads from Python data dumps to YAML, TOML and JSON and loads back equal."""
    try:
        policy = Policy.from_dict(data)
    except InvalidPolicy:
        assume(False)
        return
    for fmt in ("yaml", "toml", "json"):
        assert Policy.loads(policy.dumps(fmt), fmt) == policy
    assert Policy.from_dict(policy.to_dict()) == policy
