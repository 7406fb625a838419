"""Policies: what each field gets at each life-cycle stage, as data (YAML, TOML or Python).

::

    medguard_policy: 1
    dataset: outpatient_visits
    subject: patient_id
    undeclared: error
    fields:
      resident_id:
        category: personal_attribute
        level: 4
        kind: resident_id
        storage: {op: encrypt}
        sharing: {op: pseudonymize, birth: age_band, region: any}
    accept:
      - {field: patient_id, risk: equality, stage: storage, reason: "join key"}

:meth:`Policy.load` reads ``.yaml``/``.yml``/``.json`` or ``.toml`` (the same structure);
:meth:`Policy.from_dict` takes the same data from Python; :meth:`Policy.to_dict` and
:meth:`Policy.dump` write it back. Every mistake raises :class:`InvalidPolicy`, a
:class:`~medguard.errors.PolicyError` naming the file, the line, the path
(``fields.mobile.sharing.op``), the problem and the allowed values. Unknown keys are errors.
The reference of every key is ``docs/policies.md`` (generated from :func:`policy_schema`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from medguard.errors import PolicyError
from medguard.lifecycle._source import (
    Located,
    SourceError,
    json_dumps,
    parse_toml,
    parse_yaml,
    toml_dumps,
    yaml_dumps,
)
from medguard.lifecycle.classification import (
    KINDS,
    RISKS,
    Category,
    default_rule,
    fits_kind,
    implied_kind,
)
from medguard.lifecycle.stages import Stage
from medguard.ops.base import OP_NAMES, OpConfigError, op_class, op_from_config
from medguard.typing import Operation

#: Ops whose output keeps an identifier's shape by design: a pseudonym is a valid ID, a token
#: a well-formed record number, a generalized address a place, a shifted date a date. Used by
#: :meth:`Policy.shaped_by_design`. Masked and encrypted values are not among them: a column
#: the policy masks or encrypts that still reads as an identifier is a failure.
SHAPED_BY_DESIGN = frozenset({"pseudonymize", "tokenize", "generalize", "date_shift"})

__all__ = [
    "FIELD_KEYS",
    "TOP_KEYS",
    "Acceptance",
    "FieldRule",
    "InvalidPolicy",
    "KAnonymityCheck",
    "Policy",
    "Rule",
    "StageChecks",
]

VERSION = 1
TOP_KEYS = (
    "medguard_policy",
    "dataset",
    "description",
    "subject",
    "record_id",
    "table",
    "undeclared",
    "fields",
    "accept",
    "checks",
)
FIELD_KEYS = ("category", "level", "kind", "description")
ACCEPT_KEYS = ("field", "risk", "stage", "reason")
CHECK_KEYS = ("k_anonymity", "rescan")
K_ANONYMITY_KEYS = (
    "quasi_identifiers",
    "k",
    "max_suppressed",
    "hierarchies",
    "generalize",
    "levels",
)
#: The generalization hierarchies a k-anonymity check can name per quasi-identifier.
HIERARCHIES = ("date", "age", "region", "icd10", "sex")
GENERALIZE = ("search", "fixed")
UNDECLARED = ("error", "drop", "keep")
STAGES = tuple(s.value for s in Stage)
_KIND_OPS = ("mask", "pseudonymize", "tokenize", "generalize")
_AT_REST_OPS = ("encrypt", "encrypt_deterministically", "drop", "suppress")

PathT = tuple[str | int, ...]


class InvalidPolicy(PolicyError):
    """A policy mistake: ``file``, ``line``, ``path`` (dotted), ``problem``, ``allowed``."""

    def __init__(
        self,
        problem: str,
        *,
        path: PathT = (),
        file: str | None = None,
        line: int | None = None,
        allowed: Iterable[object] | None = None,
    ) -> None:
        self.problem = problem
        self.path = ".".join(str(p) for p in path)
        self.file = file
        self.line = line
        self.allowed: tuple[str, ...] | None = (
            None if allowed is None else tuple(str(a) for a in allowed)
        )
        where = file or "<policy>"
        if line is not None:
            where += f":{line}"
        text = f"{where}: {self.path or '(top level)'}: {problem}"
        if self.allowed:
            text += f" (allowed: {', '.join(self.allowed)})"
        super().__init__(text)


class _Checker:
    """Raises :class:`InvalidPolicy` with the file and line of a path."""

    def __init__(self, source: str | None, located: Located | None) -> None:
        self.source = source
        self.located = located

    def fail(self, path: PathT, problem: str, allowed: Iterable[object] | None = None) -> NoReturn:
        line = None if self.located is None else self.located.line(path)
        raise InvalidPolicy(problem, path=path, file=self.source, line=line, allowed=allowed)

    def mapping(self, value: Any, path: PathT) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(path, f"must be a mapping, not {_type(value)}")
        return value

    def keys(self, data: Mapping[str, Any], path: PathT, allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        for key in data:
            if key not in allowed:
                self.fail((*path, key), "unknown key", allowed)

    def text(self, data: Mapping[str, Any], key: str, path: PathT, *, required: bool) -> Any:
        if key not in data:
            if required:
                self.fail((*path, key), "missing (required)")
            return None
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            self.fail((*path, key), f"must be non-empty text, not {_type(value)}")
        return value

    def choice(self, value: Any, path: PathT, allowed: Iterable[str]) -> str:
        allowed = tuple(allowed)
        if not isinstance(value, str) or value not in allowed:
            self.fail(path, f"unknown value {value!r}", allowed)
        return value


def _type(value: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "text"}.get(
        type(value), type(value).__name__
    )


@dataclass(frozen=True)
class Rule:
    """What one field gets at one stage: the operation and where that came from.

    ``origin`` is ``"policy"`` (written in the policy at ``path``), ``"default"`` (the level's
    default, ``reason`` says which) or ``"undeclared"`` (a column the policy does not name).
    """

    op: Operation
    origin: str
    reason: str
    path: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class FieldRule:
    """A field's classification and its operations by stage (stages not named get defaults)."""

    category: Category
    level: int
    kind: str | None = None
    stages: Mapping[Stage, Operation] = field(default_factory=dict)
    description: str | None = None

    def __post_init__(self) -> None:
        checker = _Checker(None, None)
        try:
            object.__setattr__(self, "category", Category(self.category))
        except ValueError:
            checker.fail(("category",), f"unknown category {self.category!r}", _categories())
        if isinstance(self.level, bool) or not isinstance(self.level, int):
            checker.fail(("level",), f"must be an integer, not {_type(self.level)}", range(1, 6))
        if not 1 <= self.level <= 5:
            checker.fail(("level",), f"level {self.level} is out of range", range(1, 6))
        if self.kind is not None and self.kind not in KINDS:
            checker.fail(("kind",), f"unknown kind {self.kind!r}", KINDS)
        stages: dict[Stage, Operation] = {}
        for stage, op in dict(self.stages).items():
            try:
                key = Stage.parse(stage)
            except ValueError:
                checker.fail((str(stage),), "unknown stage", STAGES)
            stages[key] = op_from_config(op) if isinstance(op, Mapping) else op
        object.__setattr__(self, "stages", stages)

    def to_dict(self) -> dict[str, Any]:
        """Plain data in the policy file's shape."""
        data: dict[str, Any] = {"category": self.category.value, "level": self.level}
        if self.kind is not None:
            data["kind"] = self.kind
        if self.description is not None:
            data["description"] = self.description
        for stage in Stage:
            if stage in self.stages:
                data[stage.value] = self.stages[stage].to_config()
        return data


@dataclass(frozen=True)
class Acceptance:
    """A risk the data owner accepts for one field at one stage, with the reason."""

    field: str
    risk: str
    stage: Stage
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{field, risk, stage, reason}``."""
        return {
            "field": self.field,
            "risk": self.risk,
            "stage": self.stage.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class KAnonymityCheck:
    """A k-anonymity check on the released rows (run by the sharing checks)."""

    quasi_identifiers: tuple[str, ...]
    k: int = 5
    max_suppressed: float = 0.0
    hierarchies: Mapping[str, str] = field(default_factory=dict)
    """The hierarchy the search may use per quasi-identifier (default: from the field's kind)."""
    generalize: str = "search"
    """``search`` (the least general levels reaching k) or ``fixed`` (``levels``, else as is)."""
    levels: Mapping[str, int | str] = field(default_factory=dict)
    """Levels fixed by hand per quasi-identifier (index or level name)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        data: dict[str, Any] = {
            "quasi_identifiers": list(self.quasi_identifiers),
            "k": self.k,
            "max_suppressed": self.max_suppressed,
        }
        if self.hierarchies:
            data["hierarchies"] = dict(self.hierarchies)
        if self.generalize != "search":
            data["generalize"] = self.generalize
        if self.levels:
            data["levels"] = dict(self.levels)
        return data


@dataclass(frozen=True)
class StageChecks:
    """Checks that run on a stage's output (the sharing-checks issue runs them)."""

    k_anonymity: KAnonymityCheck | None = None
    rescan: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        data: dict[str, Any] = {}
        if self.k_anonymity is not None:
            data["k_anonymity"] = self.k_anonymity.to_dict()
        if self.rescan:
            data["rescan"] = True
        return data


def _categories() -> tuple[str, ...]:
    return tuple(c.value for c in Category)


@dataclass(frozen=True)
class Policy:
    """A validated policy. Build it with :meth:`load`, :meth:`from_dict` or directly.

    ``subject`` names the column of the person a row is about (date shifts, per-subject keys,
    privacy unit); ``record_id`` the column of record IDs (``encrypt`` with
    ``bind_record``); ``table`` the name bound into ciphertexts (default: ``dataset``);
    ``undeclared`` says what happens to a column the policy does not name (``error``,
    ``drop`` or ``keep``).
    """

    dataset: str
    fields: Mapping[str, FieldRule]
    subject: str | None = None
    record_id: str | None = None
    table: str | None = None
    undeclared: str = "error"
    accept: tuple[Acceptance, ...] = ()
    checks: Mapping[Stage, StageChecks] = field(default_factory=dict)
    description: str | None = None
    source: str | None = field(default=None, compare=False)
    _located: Located | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", dict(self.fields))
        object.__setattr__(self, "accept", tuple(self.accept))
        object.__setattr__(self, "checks", {Stage.parse(k): v for k, v in self.checks.items()})
        self._check(_Checker(self.source, self._located))

    # -- loading and writing -------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> Policy:
        """Read a policy file: ``.yaml``/``.yml``/``.json`` or ``.toml``, by suffix."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in (".yaml", ".yml", ".json", ".toml"):
            raise InvalidPolicy(
                f"unknown policy file suffix {suffix!r}",
                file=str(target),
                allowed=(".yaml", ".yml", ".toml", ".json"),
            )
        try:
            text = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidPolicy(f"cannot read the file: {exc}", file=str(target)) from None
        return cls.loads(text, "toml" if suffix == ".toml" else "yaml", source=str(target))

    @classmethod
    def loads(cls, text: str, format: str = "yaml", *, source: str | None = None) -> Policy:
        """Parse policy text (``format``: ``"yaml"`` (JSON too) or ``"toml"``)."""
        if format not in ("yaml", "toml", "json"):
            raise InvalidPolicy(f"unknown format {format!r}", allowed=("yaml", "toml"))
        try:
            located = parse_toml(text) if format == "toml" else parse_yaml(text)
        except SourceError as exc:
            raise InvalidPolicy(exc.problem, path=exc.path, file=source, line=exc.line) from None
        return cls._from_data(located.data, _Checker(source, located))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Build and validate a policy from plain data (the file's structure)."""
        return cls._from_data(data, _Checker(None, None))

    def to_dict(self) -> dict[str, Any]:
        """The policy as plain data, in the file's shape (``from_dict`` reads it back)."""
        data: dict[str, Any] = {"medguard_policy": VERSION, "dataset": self.dataset}
        for key in ("description", "subject", "record_id", "table"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        data["undeclared"] = self.undeclared
        data["fields"] = {name: rule.to_dict() for name, rule in self.fields.items()}
        if self.accept:
            data["accept"] = [a.to_dict() for a in self.accept]
        if self.checks:
            data["checks"] = {s.value: c.to_dict() for s, c in self.checks.items()}
        return data

    def dumps(self, format: str = "yaml") -> str:
        """The policy as YAML, TOML or JSON text."""
        data = self.to_dict()
        if format == "toml":
            return toml_dumps(data)
        if format == "json":
            return json_dumps(data)
        if format == "yaml":
            return yaml_dumps(data)
        raise InvalidPolicy(f"unknown format {format!r}", allowed=("yaml", "toml", "json"))

    def dump(self, path: str | Path) -> None:
        """Write the policy to ``path`` (format by suffix: .yaml/.yml, .toml, .json)."""
        target = Path(path)
        formats = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json"}
        chosen = formats.get(target.suffix.lower())
        if chosen is None:
            raise InvalidPolicy(
                f"unknown policy file suffix {target.suffix!r}", file=str(target), allowed=formats
            )
        target.write_text(self.dumps(chosen), encoding="utf-8")

    # -- rules -------------------------------------------------------------------------------
    def rule_for(self, name: str, stage: Stage | str) -> Rule | None:
        """The rule of declared field ``name`` at ``stage`` (its own or its level's default).

        The subject column, when the policy does not declare it, is a level-4 identifier
        that is dropped at sharing. None for columns the policy does not name.
        """
        stage = Stage.parse(stage)
        rule = self.fields.get(name)
        if rule is None:
            if name != self.subject:
                return None
            if stage is Stage.SHARING:
                return Rule(op_from_config({"op": "drop"}), "default", "the subject column")
            rule = FieldRule(Category.PERSONAL_ATTRIBUTE, 4, "record_number")
        op = rule.stages.get(stage)
        if op is not None:
            path = f"fields.{name}.{stage.value}"
            line = None if self._located is None else self._located.line(tuple(path.split(".")))
            return Rule(op, "policy", f"written in the policy at {path}", path, line)
        config, why = default_rule(
            rule.level, stage, rule.kind, has_subject=self.subject is not None
        )
        return Rule(op_from_config(config), "default", why)

    def shaped_by_design(self, stage: Stage | str) -> dict[str, str]:
        """The columns whose values at ``stage`` keep an identifier's shape by design, each
        with the reason (``"pseudonymize (fields.resident_id.sharing)"``).

        A pseudonymized resident ID is a valid resident ID, a generalized address is still a
        place and a shifted date still a date: a scan that knows the policy does not fail on
        them (``medguard scan --policy``). Kept, dropped and de-identified columns are not
        listed: their values are judged as they are.
        """
        stage = Stage.parse(stage)
        names = [*self.fields, *([self.subject] if self.subject else [])]
        out: dict[str, str] = {}
        for name in dict.fromkeys(names):
            rule = self.rule_for(name, stage)
            op = getattr(rule.op, "name", None) if rule is not None else None
            if rule is not None and op in SHAPED_BY_DESIGN:
                where = rule.path or f"the level's default for {stage.value}"
                out[name] = f"{op} ({where})"
        return out

    def accepted(self, name: str, risk: str, stage: Stage | str) -> Acceptance | None:
        """The ``accept`` entry for this field, risk and stage, or None."""
        stage = Stage.parse(stage)
        for entry in self.accept:
            if entry.field == name and entry.risk == risk and entry.stage is stage:
                return entry
        return None

    # -- validation --------------------------------------------------------------------------
    @classmethod
    def _from_data(cls, data: Any, c: _Checker) -> Policy:
        top = c.mapping(data, ())
        c.keys(top, (), TOP_KEYS)
        version = top.get("medguard_policy")
        if "medguard_policy" not in top:
            c.fail(("medguard_policy",), "missing (required): the policy format version", (1,))
        if isinstance(version, bool) or version != VERSION:
            c.fail(("medguard_policy",), f"unsupported version {version!r}", (VERSION,))
        dataset = c.text(top, "dataset", (), required=True)
        names = {k: c.text(top, k, (), required=False) for k in ("subject", "record_id", "table")}
        description = c.text(top, "description", (), required=False)
        undeclared = c.choice(top.get("undeclared", "error"), ("undeclared",), UNDECLARED)
        if "fields" not in top:
            c.fail(("fields",), "missing (required)")
        fields_data = c.mapping(top["fields"], ("fields",))
        if not fields_data:
            c.fail(("fields",), "a policy must declare at least one field")
        fields = {
            name: _field(name, spec, c, has_subject=names["subject"] is not None)
            for name, spec in fields_data.items()
        }
        accept = tuple(
            _acceptance(item, ("accept", i), c) for i, item in enumerate(_list(top, "accept", c))
        )
        checks_data = c.mapping(top.get("checks", {}), ("checks",))
        checks: dict[Stage, StageChecks] = {}
        for stage_name, spec in checks_data.items():
            stage = Stage(c.choice(stage_name, ("checks", stage_name), STAGES))
            checks[stage] = _stage_checks(spec, ("checks", stage_name), c)
        return cls(
            dataset=dataset,
            fields=fields,
            subject=names["subject"],
            record_id=names["record_id"],
            table=names["table"],
            undeclared=undeclared,
            accept=accept,
            checks=checks,
            description=description,
            source=c.source,
            _located=c.located,
        )

    def _check(self, c: _Checker) -> None:
        """The rules across keys: levels, accepts, subjects, undeclared."""
        if not isinstance(self.dataset, str) or not self.dataset:
            c.fail(("dataset",), "must be non-empty text")
        if self.undeclared not in UNDECLARED:
            c.fail(("undeclared",), f"unknown value {self.undeclared!r}", UNDECLARED)
        known = set(self.fields) | {n for n in (self.subject, self.record_id) if n}
        for i, entry in enumerate(self.accept):
            if entry.field not in known:
                c.fail(("accept", i, "field"), f"unknown field {entry.field!r}", sorted(known))
        for name, rule in self.fields.items():
            if not isinstance(rule, FieldRule):
                c.fail(("fields", name), "must be a FieldRule")
            for stage, op in rule.stages.items():
                path: PathT = ("fields", name, stage.value, "op")
                self._check_op(name, rule, stage, op, path, c)

    def _check_op(
        self, name: str, rule: FieldRule, stage: Stage, op: Operation, path: PathT, c: _Checker
    ) -> None:
        allowed = fits_kind(op.name, getattr(op, "kind", None), rule.kind)
        if allowed is not None:
            what = f"{op.name} ({getattr(op, 'kind', '')})" if hasattr(op, "kind") else op.name
            c.fail(path, f"{what} does not fit a field of kind {rule.kind!r}", allowed or None)
        at_rest = stage in (Stage.STORAGE, Stage.TRANSMISSION)
        if rule.level >= 4 and at_rest and op.name not in _AT_REST_OPS:
            c.fail(
                path,
                f"a level-{rule.level} field is never at {stage.value} unencrypted",
                _AT_REST_OPS,
            )
        if rule.level >= 4 and stage is Stage.SHARING and op.name == "keep":
            c.fail(path, f"a level-{rule.level} field never reaches sharing raw")
        leaves = stage is Stage.SHARING and op.name not in ("drop", "suppress")
        if rule.level == 5 and leaves and self.accepted(name, "release", stage) is None:
            c.fail(
                path,
                f"a level-5 field leaves at sharing ({op.name}) only with an accept entry "
                f"{{field: {name}, risk: release, stage: sharing, reason: ...}}",
                ("drop", "suppress"),
            )
        equality = op.name == "encrypt_deterministically"
        if equality and self.accepted(name, "equality", stage) is None:
            c.fail(
                path,
                f"encrypt_deterministically leaks which values are equal: add an accept entry "
                f"{{field: {name}, risk: equality, stage: {stage.value}, reason: ...}}",
            )
        known_path = (*path[:-1], "known")
        for column in getattr(op, "known_columns", {}):
            if column not in self.fields and column != self.subject:
                c.fail(known_path, f"unknown field {column!r}", sorted(self.fields))
        for need, column in (("subject", self.subject), ("record_id", self.record_id)):
            if need in op.needs and column is None:
                c.fail(
                    path,
                    f"{op.name} needs the {need} of each row: set the policy's {need!r} column",
                )


def _list(top: Mapping[str, Any], key: str, c: _Checker) -> list[Any]:
    value = top.get(key, [])
    if not isinstance(value, list):
        c.fail((key,), f"must be a list, not {_type(value)}")
    return value


def _field(name: Any, spec: Any, c: _Checker, *, has_subject: bool) -> FieldRule:
    base: PathT = ("fields", name)
    if not isinstance(name, str) or not name:
        c.fail(base, "a field name must be non-empty text")
    data = c.mapping(spec, base)
    c.keys(data, base, (*FIELD_KEYS, *STAGES))
    if "category" not in data:
        c.fail((*base, "category"), "missing (required)", _categories())
    category = c.choice(data["category"], (*base, "category"), _categories())
    if "level" not in data:
        c.fail((*base, "level"), "missing (required)", range(1, 6))
    level = data["level"]
    if isinstance(level, bool) or not isinstance(level, int):
        c.fail((*base, "level"), f"must be an integer, not {_type(level)}", range(1, 6))
    if not 1 <= level <= 5:
        c.fail((*base, "level"), f"level {level} is out of range", range(1, 6))
    kind = None
    if "kind" in data:
        kind = c.choice(data["kind"], (*base, "kind"), KINDS)
    description = c.text(data, "description", base, required=False)
    stages: dict[Stage, Operation] = {}
    for stage in Stage:
        if stage.value in data:
            stages[stage] = _op(data[stage.value], (*base, stage.value), kind, c)
    return FieldRule(Category(category), level, kind, stages, description)


def _op(spec: Any, path: PathT, field_kind: str | None, c: _Checker) -> Operation:
    config = dict(c.mapping(spec, path))
    if "op" not in config:
        c.fail((*path, "op"), "missing (required)", OP_NAMES)
    name = config["op"]
    if not isinstance(name, str) or name not in OP_NAMES:
        c.fail((*path, "op"), f"unknown op {name!r}", OP_NAMES)
    try:
        op_class(name)
    except OpConfigError as exc:
        c.fail((*path, "op"), exc.problem, exc.allowed)
    if name in _KIND_OPS and "kind" not in config:
        implied = implied_kind(name, field_kind)
        if implied is None:
            fits = fits_kind(name, None, field_kind) if field_kind else None
            if field_kind is not None and fits is not None and not fits:
                c.fail((*path, "op"), f"{name} does not fit a field of kind {field_kind!r}")
            c.fail((*path, "kind"), f"{name} needs a kind (set it here or on the field)")
        config["kind"] = implied
    elif name in _KIND_OPS:
        allowed = fits_kind(name, config["kind"], field_kind)
        if allowed is not None:
            c.fail(
                (*path, "kind"),
                f"{name} ({config['kind']}) does not fit a field of kind {field_kind!r}",
                allowed or None,
            )
    elif (allowed := fits_kind(name, None, field_kind)) is not None:
        c.fail((*path, "op"), f"{name} does not fit a field of kind {field_kind!r}")
    try:
        return op_from_config(config)
    except OpConfigError as exc:
        c.fail((*path, exc.key), exc.problem, exc.allowed)


def _acceptance(item: Any, path: PathT, c: _Checker) -> Acceptance:
    data = c.mapping(item, path)
    c.keys(data, path, ACCEPT_KEYS)
    name = c.text(data, "field", path, required=True)
    if "risk" not in data:
        c.fail((*path, "risk"), "missing (required)", RISKS)
    risk = c.choice(data["risk"], (*path, "risk"), RISKS)
    if "stage" not in data:
        c.fail((*path, "stage"), "missing (required)", STAGES)
    stage = Stage(c.choice(data["stage"], (*path, "stage"), STAGES))
    reason = c.text(data, "reason", path, required=True)
    return Acceptance(name, risk, stage, reason)


def _stage_checks(spec: Any, path: PathT, c: _Checker) -> StageChecks:
    data = c.mapping(spec, path)
    c.keys(data, path, CHECK_KEYS)
    rescan = data.get("rescan", False)
    if not isinstance(rescan, bool):
        c.fail((*path, "rescan"), f"must be true or false, not {_type(rescan)}")
    k_anon = None
    if "k_anonymity" in data:
        kpath = (*path, "k_anonymity")
        kdata = c.mapping(data["k_anonymity"], kpath)
        c.keys(kdata, kpath, K_ANONYMITY_KEYS)
        qis = kdata.get("quasi_identifiers")
        if not isinstance(qis, list) or not qis or not all(isinstance(q, str) for q in qis):
            c.fail((*kpath, "quasi_identifiers"), "must be a non-empty list of column names")
        k = kdata.get("k", 5)
        if isinstance(k, bool) or not isinstance(k, int) or k < 2:
            c.fail((*kpath, "k"), f"must be an integer of at least 2, not {k!r}")
        share = kdata.get("max_suppressed", 0.0)
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            c.fail((*kpath, "max_suppressed"), f"must be a number from 0 to 1, not {share!r}")
        hier = kdata.get("hierarchies", {})
        hpath = (*kpath, "hierarchies")
        for name, value in c.mapping(hier, hpath).items():
            if name not in qis:
                c.fail((*hpath, name), "not one of the quasi_identifiers", qis)
            c.choice(value, (*hpath, name), HIERARCHIES)
        how = c.choice(kdata.get("generalize", "search"), (*kpath, "generalize"), GENERALIZE)
        fixed = kdata.get("levels", {})
        lpath = (*kpath, "levels")
        for name, value in c.mapping(fixed, lpath).items():
            if name not in qis:
                c.fail((*lpath, name), "not one of the quasi_identifiers", qis)
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                c.fail((*lpath, name), "a level is an index or a level name")
        k_anon = KAnonymityCheck(tuple(qis), k, float(share), dict(hier), how, dict(fixed))
    return StageChecks(k_anon, rescan)
