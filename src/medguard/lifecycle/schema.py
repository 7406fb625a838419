"""The published JSON Schema of a policy, and the reference page generated from it.

:func:`policy_schema` returns the schema shipped as ``policy.schema.json`` beside this module
(editors validate policy files with it; ``medguard.lifecycle.Policy`` checks more: the level
rules, accepts, subjects and option values). :func:`build_schema` makes it from the op registry
and the vocabularies; a test keeps the shipped file and ``docs/policies.md`` in step::

    python -m medguard.lifecycle.schema          # rewrite policy.schema.json and the docs table
"""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from medguard.lifecycle.classification import KINDS, LEVELS, RISKS, Category
from medguard.lifecycle.policy import (
    ACCEPT_KEYS,
    GENERALIZE,
    HIERARCHIES,
    K_ANONYMITY_KEYS,
    UNDECLARED,
    VERSION,
)
from medguard.lifecycle.stages import Stage
from medguard.ops.base import LEAKS, Param, registry

__all__ = ["build_schema", "policy_schema", "reference_markdown"]

SCHEMA_ID = "https://medguard.invalid/schemas/policy-1.json"
BEGIN = "<!-- BEGIN GENERATED: python -m medguard.lifecycle.schema -->"
END = "<!-- END GENERATED -->"

_TOP: dict[str, str] = {
    "medguard_policy": "format version; always 1",
    "dataset": "the dataset's name (audit records, reports)",
    "description": "free text for people",
    "subject": "the column naming the person a row is about: date shifts, per-subject keys, "
    "privacy unit",
    "record_id": "the column of record IDs (encrypt with bind_record)",
    "table": "the table name bound into ciphertexts (default: dataset)",
    "undeclared": "what happens to a column the policy does not name",
    "fields": "the declared columns, by name",
    "accept": "risks the data owner accepts (recorded in the audit trail when used)",
    "checks": "checks on a stage's output, by stage (run by the sharing checks)",
}
_FIELD: dict[str, str] = {
    "category": "GB/T 39725 category",
    "level": "GB/T 39725 level, 1 (public) to 5 (special conditions)",
    "kind": "what the values are; ops without a kind take it from here",
    "description": "free text for people",
}
_STAGES: dict[str, str] = {
    "collection": "the op at intake (classify, validate, keep only what is needed)",
    "transmission": "the op before data moves inside the organization",
    "storage": "the op for data at rest",
    "processing": "the op for use: display, analysis",
    "sharing": "the op before data leaves for a recipient",
    "destruction": "what remains when the data is destroyed",
}
_ACCEPT: dict[str, str] = {
    "field": "a declared field (or the subject / record-ID column)",
    "risk": "the accepted risk",
    "stage": "the stage where it is accepted",
    "reason": "why (recorded in the audit trail)",
}
_K_ANON: dict[str, str] = {
    "quasi_identifiers": "columns an attacker may know",
    "k": "smallest class size (at least 2)",
    "max_suppressed": "largest share of rows that may be suppressed to reach k (0..1)",
    "hierarchies": "the generalization hierarchy per quasi-identifier (default: from its kind)",
    "generalize": "search: the least general levels reaching k; fixed: the levels given",
    "levels": "levels fixed by hand per quasi-identifier (index or level name)",
}


def _param(p: Param) -> dict[str, Any]:
    out: dict[str, Any] = {"description": p.description}
    if "|" in p.type:
        out["type"] = p.type.split("|")
    elif p.type == "number":
        out["type"] = "number"
    elif p.type == "string" and p.enum is None:
        out["type"] = ["string", "null"] if p.default is None else "string"
    else:
        out["type"] = p.type
    if p.enum is not None:
        out["enum"] = list(p.enum)
    if isinstance(p.default, (str, int, float, bool)):
        out["default"] = p.default
    if p.minimum is not None:
        out["minimum"] = p.minimum
    if p.maximum is not None:
        out["maximum"] = p.maximum
    return out


def _doc(cls: type[Any]) -> str:
    return (cls.__doc__ or "").strip().splitlines()[0]


def build_schema() -> dict[str, Any]:
    """The policy JSON Schema (draft 2020-12), from the registry and the vocabularies."""
    rules = []
    for name, cls in sorted(registry().items()):
        properties: dict[str, Any] = {"op": {"const": name, "description": _doc(cls)}}
        properties.update({k: _param(p) for k, p in cls.params.items()})
        rules.append(
            {
                "title": name,
                "type": "object",
                "required": ["op"],
                "properties": properties,
                "additionalProperties": False,
            }
        )
    stages = [s.value for s in Stage]
    field: dict[str, Any] = {
        "type": "object",
        "required": ["category", "level"],
        "properties": {
            "category": {
                "enum": [c.value for c in Category],
                "description": _FIELD["category"],
            },
            "level": {
                "type": "integer",
                "minimum": 1,
                "maximum": 5,
                "description": _FIELD["level"],
            },
            "kind": {"enum": list(KINDS), "description": _FIELD["kind"]},
            "description": {"type": "string", "description": _FIELD["description"]},
            **{s: {"$ref": "#/$defs/rule", "description": _STAGES[s]} for s in stages},
        },
        "additionalProperties": False,
    }
    accept = {
        "type": "object",
        "required": list(ACCEPT_KEYS),
        "properties": {
            "field": {"type": "string", "description": _ACCEPT["field"]},
            "risk": {"enum": list(RISKS), "description": _ACCEPT["risk"]},
            "stage": {"enum": stages, "description": _ACCEPT["stage"]},
            "reason": {"type": "string", "minLength": 1, "description": _ACCEPT["reason"]},
        },
        "additionalProperties": False,
    }
    checks = {
        "type": "object",
        "properties": {
            "k_anonymity": {
                "type": "object",
                "required": ["quasi_identifiers"],
                "properties": {
                    "quasi_identifiers": {
                        "type": "array",
                        "items": {"type": "string"},
                        "minItems": 1,
                        "description": _K_ANON["quasi_identifiers"],
                    },
                    "k": {
                        "type": "integer",
                        "minimum": 2,
                        "default": 5,
                        "description": _K_ANON["k"],
                    },
                    "max_suppressed": {
                        "type": "number",
                        "minimum": 0,
                        "maximum": 1,
                        "default": 0,
                        "description": _K_ANON["max_suppressed"],
                    },
                    "hierarchies": {
                        "type": "object",
                        "additionalProperties": {"enum": list(HIERARCHIES)},
                        "description": _K_ANON["hierarchies"],
                    },
                    "generalize": {
                        "enum": list(GENERALIZE),
                        "default": "search",
                        "description": _K_ANON["generalize"],
                    },
                    "levels": {
                        "type": "object",
                        "additionalProperties": {"type": ["integer", "string"]},
                        "description": _K_ANON["levels"],
                    },
                },
                "additionalProperties": False,
                "description": "k-anonymity of the released rows",
            },
            "rescan": {
                "type": "boolean",
                "default": False,
                "description": "scan the output for personal data the policy missed",
            },
        },
        "additionalProperties": False,
    }
    assert tuple(checks["properties"]["k_anonymity"]["properties"]) == K_ANONYMITY_KEYS  # type: ignore[index]
    text = {"type": "string", "minLength": 1}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "medguard policy",
        "description": "What each field of a dataset gets at each life-cycle stage.",
        "type": "object",
        "required": ["medguard_policy", "dataset", "fields"],
        "properties": {
            "medguard_policy": {"const": VERSION, "description": _TOP["medguard_policy"]},
            "dataset": {**text, "description": _TOP["dataset"]},
            "description": {"type": "string", "description": _TOP["description"]},
            "subject": {**text, "description": _TOP["subject"]},
            "record_id": {**text, "description": _TOP["record_id"]},
            "table": {**text, "description": _TOP["table"]},
            "undeclared": {
                "enum": list(UNDECLARED),
                "default": "error",
                "description": _TOP["undeclared"],
            },
            "fields": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {"$ref": "#/$defs/field"},
                "description": _TOP["fields"],
            },
            "accept": {
                "type": "array",
                "items": {"$ref": "#/$defs/accept"},
                "description": _TOP["accept"],
            },
            "checks": {
                "type": "object",
                "propertyNames": {"enum": stages},
                "additionalProperties": {"$ref": "#/$defs/checks"},
                "description": _TOP["checks"],
            },
        },
        "additionalProperties": False,
        "$defs": {"field": field, "rule": {"oneOf": rules}, "accept": accept, "checks": checks},
    }


def policy_schema() -> dict[str, Any]:
    """The published policy JSON Schema (``policy.schema.json``)."""
    text = resources.files("medguard.lifecycle").joinpath("policy.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


def _allowed(spec: dict[str, Any]) -> str:
    if "enum" in spec:
        return ", ".join(f"`{v}`" for v in spec["enum"])
    if "const" in spec:
        return f"`{spec['const']}`"
    bounds = [f"{k} {spec[k]}" for k in ("minimum", "maximum") if k in spec]
    kind = spec.get("type", "")
    kind = "/".join(kind) if isinstance(kind, list) else kind
    return ", ".join([kind, *bounds]) if kind else ""


def reference_markdown(schema: dict[str, Any] | None = None) -> str:
    """The policy reference tables (every key of the schema) as Markdown."""
    schema = schema or build_schema()
    defs = schema["$defs"]
    lines = ["### Top-level keys", ""]
    required = set(schema["required"])
    lines += _table(
        ["key", "required", "allowed", "meaning"],
        [
            [f"`{k}`", "yes" if k in required else "no", _allowed(v), v.get("description", "")]
            for k, v in schema["properties"].items()
        ],
    )
    lines += ["", "### Field keys (`fields.<name>.<key>`)", ""]
    field_props = defs["field"]["properties"]
    rows = []
    for k, v in field_props.items():
        if k in [s.value for s in Stage]:
            continue
        req = "yes" if k in defs["field"]["required"] else "no"
        rows.append([f"`{k}`", req, _allowed(v), v.get("description", "")])
    rows += [
        [f"`{s.value}`", "no", "an operation (below)", field_props[s.value]["description"]]
        for s in Stage
    ]
    lines += _table(["key", "required", "allowed", "meaning"], rows)
    lines += ["", "Levels: " + "; ".join(f"{k}: {v}" for k, v in LEVELS.items()) + ".", ""]
    lines += ["Kinds: " + "; ".join(f"`{k}`: {v}" for k, v in KINDS.items()) + ".", ""]
    lines += ["### Operations (`fields.<name>.<stage>.op` and its options)", ""]
    for rule in defs["rule"]["oneOf"]:
        props = dict(rule["properties"])
        op = props.pop("op")
        lines += [f"#### `{op['const']}`", "", op["description"], ""]
        if props:
            lines += _table(
                ["option", "allowed", "default", "meaning"],
                [
                    [f"`{k}`", _allowed(v), f"`{v['default']}`" if "default" in v else "",
                     v.get("description", "")]
                    for k, v in props.items()
                ],
            )  # fmt: skip
        else:
            lines.append("No options.")
        lines.append("")
    lines += ["### Accept entries (`accept[i].<key>`)", ""]
    lines += _table(
        ["key", "allowed", "meaning"],
        [
            [f"`{k}`", _allowed(v), v["description"]]
            for k, v in defs["accept"]["properties"].items()
        ],
    )
    lines += ["", "Risks: " + "; ".join(f"`{k}`: {v}" for k, v in RISKS.items()) + ".", ""]
    lines += ["### Checks (`checks.<stage>.<key>`)", ""]
    check_rows = []
    for k, v in defs["checks"]["properties"].items():
        check_rows.append([f"`{k}`", _allowed(v), v["description"]])
        for sub, sv in v.get("properties", {}).items():
            check_rows.append([f"`{k}.{sub}`", _allowed(sv), sv.get("description", "")])
    lines += _table(["key", "allowed", "meaning"], check_rows)
    lines += ["", "Leaks named in plans: " + "; ".join(f"`{k}`: {v}" for k, v in LEAKS.items())]
    return "\n".join(lines) + "\n"


def _write(root: Path) -> None:
    target = Path(__file__).with_name("policy.schema.json")
    target.write_text(
        json.dumps(build_schema(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    page = root / "docs" / "policies.md"
    text = page.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    page.write_text(f"{head}{BEGIN}\n\n{reference_markdown()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    _write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
