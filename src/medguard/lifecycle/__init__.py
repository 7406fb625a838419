"""Life-cycle policies and pipelines: what each field gets at each stage, checked before data moves.

- :class:`Stage`: collection, transmission, storage, processing, sharing, destruction
- :class:`Category`, :data:`LEVELS`, :data:`KINDS`: classification and grading (GB/T 39725)
- :class:`Policy`: YAML/TOML/Python, validated on load with line-precise :class:`InvalidPolicy`
  errors; :func:`policy_schema` is its published JSON Schema
- :class:`Pipeline`: compiles a policy for one stage into an inspectable :class:`Plan` and runs
  it on pandas DataFrames and pyarrow Tables
"""

from __future__ import annotations

from medguard.lifecycle import text_ops  # noqa: F401 - registers the deidentify op
from medguard.lifecycle.classification import KINDS, LEVELS, RISKS, Category
from medguard.lifecycle.pipeline import (
    CompiledPlan,
    KeyringRef,
    Pipeline,
    PipelineReport,
    PipelineResult,
    Plan,
    PlanError,
    PlanStep,
)
from medguard.lifecycle.policy import (
    Acceptance,
    FieldRule,
    InvalidPolicy,
    KAnonymityCheck,
    Policy,
    Rule,
    StageChecks,
)
from medguard.lifecycle.schema import policy_schema
from medguard.lifecycle.stages import Stage

__all__ = [
    "KINDS",
    "LEVELS",
    "RISKS",
    "Acceptance",
    "Category",
    "CompiledPlan",
    "FieldRule",
    "InvalidPolicy",
    "KAnonymityCheck",
    "KeyringRef",
    "Pipeline",
    "PipelineReport",
    "PipelineResult",
    "Plan",
    "PlanError",
    "PlanStep",
    "Policy",
    "Rule",
    "Stage",
    "StageChecks",
    "policy_schema",
]
