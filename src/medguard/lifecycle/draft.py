"""Draft a policy from what the scanner found (``medguard scan --emit-policy POLICY PATH``).

Each column the scanner classified becomes a field with a category, a level, a kind and the
default operation of every stage (the level defaults of :func:`default_rule`, with a sharing op
chosen to pass the sharing checks: resident IDs keep only a five-year birth band, notes are
de-identified with their row's own values and dates shifted per person); a comment on each
field says why (what was found, in what share of the values examined). A guessed subject
column (``patient_id``, ``患者ID``...) turns on the sharing checks: k-anonymity per person on
the dates, places, sex and resident ID, and the re-scan. The draft validates as written; the
user reads it, edits it and keeps it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medguard.lifecycle.classification import default_rule
from medguard.lifecycle.stages import Stage

__all__ = ["DraftField", "draft_fields", "render_policy"]

#: What each scanner entity type becomes: (kind, category, level).
ENTITY_KINDS: dict[str, tuple[str, str, int]] = {
    "CN_RESIDENT_ID": ("resident_id", "personal_attribute", 4),
    "CN_HMT_PERMIT": ("passport", "personal_attribute", 4),
    "CN_PASSPORT": ("passport", "personal_attribute", 4),
    "CN_SOCIAL_SECURITY_CARD": ("record_number", "personal_attribute", 4),
    "CN_MILITARY_ID": ("record_number", "personal_attribute", 4),
    "CN_DRIVING_LICENSE": ("record_number", "personal_attribute", 4),
    "CN_MEDICAL_RECORD_NUMBER": ("record_number", "medical_application", 3),
    "CN_BANK_CARD": ("bank_card", "medical_payment", 4),
    "CN_USCC": ("uscc", "health_resource", 2),
    "CN_VEHICLE_PLATE": ("text", "personal_attribute", 3),
    "PHONE_NUMBER": ("phone", "personal_attribute", 4),
    "PERSON": ("name", "personal_attribute", 4),
    "EMAIL_ADDRESS": ("email", "personal_attribute", 4),
    "LOCATION": ("address", "personal_attribute", 3),
    "IP_ADDRESS": ("text", "personal_attribute", 3),
    "MAC_ADDRESS": ("text", "personal_attribute", 3),
    "DATE_TIME": ("date", "personal_attribute", 3),
}
#: Column names that say what a column holds when its values do not (first match wins).
NAME_HINTS: tuple[tuple[str, tuple[str, str, int]], ...] = (
    (r"(?i)patient.?id|subject|person.?id|患者.?(id|号)|病人.?(id|号)", ("record_number",
     "personal_attribute", 3)),
    (r"(?i)icd|diagnos|诊断", ("icd10", "health_status", 3)),
    (r"(?i)^sex$|gender|性别", ("category", "personal_attribute", 2)),
    (r"(?i)^age$|年龄", ("age", "personal_attribute", 3)),
    (r"(?i)date|日期|时间", ("date", "medical_application", 3)),
    (r"(?i)fee|cost|amount|price|费用|金额", ("numeric", "medical_payment", 2)),
    (r"(?i)note|text|record|记录|病历|主诉", ("free_text", "health_status", 3)),
)  # fmt: skip
_SUBJECT = re.compile(r"(?i)^(patient.?id|subject(.?id)?|person.?id|患者.?(id|号)|病人.?(id|号))$")
_QUASI_KINDS = ("date", "datetime", "age", "address", "region", "resident_id")


@dataclass(frozen=True)
class DraftField:
    """One drafted field: classification, ops by stage and the reason (a comment)."""

    name: str
    category: str
    level: int
    kind: str | None
    ops: dict[str, dict[str, Any]] = field(default_factory=dict)
    why: str = ""


def _classify(column: Any) -> tuple[str | None, str, int, str]:
    """(kind, category, level, why) of one scanner column report."""
    name = str(column.column)
    entity = getattr(column, "entity_type", None)
    examined = getattr(column, "examined", 0)
    ratio = getattr(column, "match_ratio", 0.0)
    if getattr(column, "free_text", False):
        found = f" mentioning {entity}" if entity else ""
        return "free_text", "health_status", max(3, column.level), f"free text{found}"
    if entity in ENTITY_KINDS:
        kind, category, level = ENTITY_KINDS[entity]
        why = f"{entity} in {ratio:.0%} of {examined} values examined"
        return kind, category, max(level, getattr(column, "level", level)), why
    for pattern, (kind, category, level) in NAME_HINTS:
        if re.search(pattern, name):
            return kind, category, level, f"no identifier found; the name {name!r} suggests {kind}"
    return (
        None,
        "medical_application",
        max(2, getattr(column, "level", 2)),
        ("no personal data found in the values examined"),
    )


def _sharing_op(kind: str | None, level: int, has_subject: bool, known: bool) -> dict[str, Any]:
    if kind == "resident_id":
        return {"op": "pseudonymize", "kind": "resident_id", "birth": "age_band"}
    if kind == "free_text":
        op: dict[str, Any] = {"op": "deidentify", "mode": "tag"}
        if has_subject:
            op.update({"dates": "shift", "max_days": 180})
        if known:
            op["known"] = "fields"
        return op
    if kind in ("name", "phone", "email", "bank_card", "passport") and level >= 4:
        return {"op": "drop"}
    return default_rule(level, Stage.SHARING, kind, has_subject=has_subject)[0]


def draft_fields(columns: Iterable[Any]) -> tuple[list[DraftField], str | None]:
    """Drafted fields for scanner column reports, and the guessed subject column (or None)."""
    reports = list(columns)
    subject = next((str(c.column) for c in reports if _SUBJECT.match(str(c.column))), None)
    classified = [(str(c.column), *_classify(c)) for c in reports]
    known = any(k in ("name", "phone", "resident_id") for _, k, *_ in classified)
    fields = []
    for name, kind, category, level, why in classified:
        ops: dict[str, dict[str, Any]] = {}
        for stage in (Stage.STORAGE, Stage.PROCESSING, Stage.SHARING):
            if name == subject and stage is Stage.SHARING:
                ops[stage.value] = {"op": "tokenize", "kind": "record_number", "keep_prefix": True}
            elif stage is Stage.SHARING:
                ops[stage.value] = _sharing_op(kind, level, subject is not None, known)
            else:
                ops[stage.value] = default_rule(
                    level, stage, kind, has_subject=subject is not None
                )[0]
        if name == subject:
            why += "; the column naming the person (subject)"
        fields.append(DraftField(name, category, level, kind, ops, why))
    return fields, subject


def _inline(value: Any, toml: bool) -> str:
    if isinstance(value, dict):
        sep = " = " if toml else ": "
        inner = ", ".join(f"{k}{sep}{_inline(v, toml)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v, toml) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _key(name: str, toml: bool) -> str:
    if re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return name
    return json.dumps(name, ensure_ascii=False)


def render_policy(
    fields: Sequence[DraftField],
    subject: str | None,
    *,
    dataset: str,
    format: str = "yaml",
    source: str = "",
) -> str:
    """The drafted policy as YAML or TOML text, with a comment on each field."""
    toml = format == "toml"
    quasi = [
        f.name for f in fields if f.kind in _QUASI_KINDS or re.search(NAME_HINTS[2][0], f.name)
    ]
    head = [
        f"# medguard policy drafted by `medguard scan --emit-policy` from {source}".rstrip(),
        "# Read every field, correct what the scanner could not know, and keep the file.",
    ]
    lines = list(head)
    if toml:
        lines += ["medguard_policy = 1", f"dataset = {_inline(dataset, True)}"]
        if subject:
            lines.append(f"subject = {_inline(subject, True)}")
        else:
            lines.append('# subject = "patient_id"  # name the person column: date shifts, k')
        lines.append('undeclared = "error"')
    else:
        lines += ["medguard_policy: 1", f"dataset: {_inline(dataset, False)}"]
        if subject:
            lines.append(f"subject: {_inline(subject, False)}")
        else:
            lines.append("# subject: patient_id   # name the person column: date shifts, k")
        lines += ["undeclared: error", "fields:"]
    for f in fields:
        comment = f"# {f.name}: {f.why} -> level {f.level}"
        if toml:
            lines += ["", comment, f"[fields.{_key(f.name, True)}]"]
            lines.append(f"category = {_inline(f.category, True)}")
            lines.append(f"level = {f.level}")
            if f.kind:
                lines.append(f"kind = {_inline(f.kind, True)}")
            for stage, op in f.ops.items():
                lines.append(f"{stage} = {_inline(op, True)}")
        else:
            lines += [f"  {comment}", f"  {_key(f.name, False)}:"]
            lines.append(f"    category: {f.category}")
            lines.append(f"    level: {f.level}")
            if f.kind:
                lines.append(f"    kind: {f.kind}")
            for stage, op in f.ops.items():
                lines.append(f"    {stage}: {_inline(op, False)}")
    if subject and quasi:
        check = {"quasi_identifiers": quasi, "k": 5, "max_suppressed": 0.05}
        why = "# sharing checks itself: k per person on these columns, and a re-scan"
        if toml:
            lines += ["", why, "[checks.sharing]", "rescan = true", "",
                      "[checks.sharing.k_anonymity]"]  # fmt: skip
            lines += [f"{k} = {_inline(v, True)}" for k, v in check.items()]
        else:
            lines += [why, "checks:", "  sharing:", "    rescan: true",
                      f"    k_anonymity: {_inline(check, False)}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def draft_policy_text(
    reports: Iterable[Any], path: str | Path, *, source: str = "", dataset: str | None = None
) -> str:
    """The policy text for scanned tables (their column reports), by ``path``'s suffix.

    ``dataset`` names the data (the scanned file's stem, ``visits``); without it, the policy
    file's stem.
    """
    fields, subject = draft_fields(reports)
    target = Path(path)
    fmt = "toml" if target.suffix.lower() == ".toml" else "yaml"
    name = dataset or target.stem
    return render_policy(fields, subject, dataset=name, format=fmt, source=source)
