"""The one operation interface: :class:`OpContext`, :class:`OpReport` and the op registry.

Every operation a policy can name (``keep``, ``drop``, ``suppress``, ``mask``, ``encrypt``,
``encrypt_deterministically``, ``pseudonymize``, ``tokenize``, ``generalize``, ``date_shift``,
``deidentify``) is a frozen configuration object following
:class:`medguard.typing.Operation`::

    op = op_from_config({"op": "mask", "kind": "phone"})
    masked, report = op.apply(column, OpContext(field="mobile"))

The context carries what an operation needs when it runs (the keyring, the table and field, the
subject and record-ID columns, the recipient); the operation itself holds options only, so it
pickles cleanly and holds no key material. One :class:`OpReport` counts every run.

The recipient is part of every keyed operation's context: the same value shared with two
recipients gives unrelated pseudonyms, tokens and deterministic ciphertexts, so their extracts
do not join and a leaked file shows whose it was.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from medguard._column import as_column, is_column, is_null
from medguard.errors import InvalidArgument, PolicyError, UnsupportedColumn
from medguard.typing import ArrowType, Column, Operation

__all__ = [
    "LEAKS",
    "NEEDS",
    "OP_NAMES",
    "BaseOp",
    "OpConfigError",
    "OpContext",
    "OpReport",
    "Param",
    "arrow_family",
    "op_class",
    "op_from_config",
    "register",
    "registry",
]

#: What an operation's output can still reveal (the words of ``leaks`` and of a policy's
#: ``accept: [{risk: ...}]``).
LEAKS: Mapping[str, str] = {
    "value": "the value itself (nothing is hidden)",
    "equality": "which values are equal (the same input gives the same output)",
    "frequency": "how often each value occurs (a consequence of equality)",
    "length": "the length of each value",
    "format": "the format and kind of each value (it still validates as one)",
    "kept_parts": "the parts configured to be kept (segment, BIN, region, birth year, sex...)",
    "coarse_value": "a coarser version of the value (year, band, city, ICD-10 category)",
    "intervals": "the intervals between one subject's dates",
    "key_id": "which key processed the value",
    "nullness": "which rows were null",
    "residual": "whatever the recognizers did not find in free text",
}

#: What an operation may need from its :class:`OpContext`.
NEEDS: Mapping[str, str] = {
    "keyring": "a keyring (the context's ``keyring``)",
    "subject": "the subject (person) of each row (the context's ``subjects``)",
    "record_id": "the record ID of each row (the context's ``record_ids``)",
    "columns": "the row's other columns, before any op ran (the context's ``columns``)",
}

#: Every op name a policy can write, registered or not (``deidentify`` arrives with the
#: clinical-text de-identifier).
OP_NAMES: tuple[str, ...] = (
    "keep",
    "drop",
    "suppress",
    "mask",
    "encrypt",
    "encrypt_deterministically",
    "pseudonymize",
    "tokenize",
    "generalize",
    "date_shift",
    "deidentify",
)

_RECIPIENT = re.compile(r"^[A-Za-z0-9_.:@/\-\u4e00-\u9fff]{1,128}$")


class OpConfigError(PolicyError):
    """An operation configuration that does not validate.

    ``key`` names the option (``"first"``; ``"op"`` for the op name itself), ``problem`` says
    what is wrong and ``allowed`` lists the allowed values when there is a short list. The
    policy loader adds the file, line and path.
    """

    def __init__(
        self, op: str, key: str, problem: str, allowed: Iterable[object] | None = None
    ) -> None:
        self.op = op
        self.key = key
        self.problem = problem
        self.allowed: tuple[str, ...] | None = (
            None if allowed is None else tuple(str(a) for a in allowed)
        )
        hint = f" (allowed: {', '.join(self.allowed)})" if self.allowed else ""
        super().__init__(f"{op}: {key}: {problem}{hint}")


@dataclass(frozen=True)
class OpContext:
    """What an operation gets when it runs; never stored on the operation.

    ``keyring``: the :class:`~medguard.keys.Keyring` keyed operations use. ``table`` and
    ``field``: bound into ciphertexts and used in messages. ``subjects``: the person each row
    is about (one value for a scalar, else a column of the same length). ``record_ids``: one
    per row, bound into ciphertexts when an operation asks. ``recipient``: who the output is
    for; part of every keyed operation's context (``None``: internal use). ``columns``: the
    row's other columns by name, as they were before any operation ran (``deidentify`` removes
    a note's own patient name, ID and phone found there).
    """

    keyring: Any = dataclasses.field(default=None, repr=False, compare=False)
    table: str = ""
    field: str = ""
    subjects: Any = dataclasses.field(default=None, repr=False)
    record_ids: Any = dataclasses.field(default=None, repr=False)
    recipient: str | None = None
    columns: Mapping[str, Any] | None = dataclasses.field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.table, str) or not isinstance(self.field, str):
            raise InvalidArgument("table and field must be strings")
        if self.recipient is not None and (
            not isinstance(self.recipient, str) or not _RECIPIENT.match(self.recipient)
        ):
            raise InvalidArgument(
                "recipient must be 1-128 letters, digits, Chinese characters or _.:@/-"
            )

    def keyed_context(self, base: str = "") -> str:
        """The pseudonym/token context: ``base``, with ``recipient:<name>`` when one is set.

        Without a recipient the context is ``base`` unchanged, so pseudonyms made through an
        operation equal those of the primitives with the same ``context``.
        """
        if not self.recipient:
            return base
        tag = f"recipient:{self.recipient}"
        return tag if not base else f"{base}|{tag}"

    def keyed_table(self) -> str:
        """The table bound into ciphertexts: ``table``, with ``@recipient`` when one is set."""
        return self.table if not self.recipient else f"{self.table}@{self.recipient}"

    def require(self, op: Operation, column: Column) -> None:
        """Refuse to run ``op`` when the context lacks something it needs (named, no values)."""
        where = f" (field {self.field!r})" if self.field else ""
        if "keyring" in op.needs and self.keyring is None:
            raise InvalidArgument(f"{op.name} needs a keyring in its context{where}")
        needed = (("subject", self.subjects), ("record_id", self.record_ids))
        for need, given in needed:
            if need not in op.needs:
                continue
            if given is None:
                raise InvalidArgument(f"{op.name} needs the {need} of each row{where}")
            if is_column(column) != is_column(given):
                raise InvalidArgument(
                    f"{op.name}: give one {need} per value: a column for a column, "
                    f"a scalar for a scalar{where}"
                )
        if "columns" in op.needs and self.columns is None:
            raise InvalidArgument(f"{op.name} needs the row's other columns{where}")


@dataclass(frozen=True)
class OpReport:
    """Counts from one run of one operation.

    ``total`` rows; ``changed``: non-null values the operation transformed; ``invalid``:
    values it could not process (masked, suppressed or refused, never passed through);
    ``nulls``: null rows (kept null); ``key_id``: the key that processed the values (``None``
    for unkeyed operations; ``"per-subject"`` when each subject has its own key). Reports of
    batches add up with ``+``.
    """

    total: int
    changed: int
    invalid: int
    nulls: int
    key_id: str | None = None

    @property
    def unchanged(self) -> int:
        """Non-null values left as they were (``keep``, values already generalized...)."""
        return self.total - self.changed - self.invalid - self.nulls

    def __add__(self, other: OpReport) -> OpReport:
        if not isinstance(other, OpReport):
            return NotImplemented
        key_id = self.key_id if self.key_id == other.key_id else _merge_ids(self, other)
        return OpReport(
            self.total + other.total,
            self.changed + other.changed,
            self.invalid + other.invalid,
            self.nulls + other.nulls,
            key_id,
        )


def _merge_ids(a: OpReport, b: OpReport) -> str | None:
    if a.total == 0:
        return b.key_id
    if b.total == 0:
        return a.key_id
    ids = sorted({i for i in (a.key_id, b.key_id) if i})
    return ",".join(ids) or None


@dataclass(frozen=True)
class Param:
    """One option of an operation, for the policy schema and the reference docs."""

    type: str  # JSON Schema type: "string", "integer", "number", "boolean", "array"
    description: str
    enum: tuple[Any, ...] | None = None
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None


def arrow_family(arrow_type: ArrowType) -> str:
    """The family of an Arrow type: ``string``, ``binary``, ``integer``, ``float``,
    ``decimal``, ``bool``, ``date``, ``timestamp``, ``time``, ``null`` or ``other``."""
    pa: Any = sys.modules.get("pyarrow")
    if pa is None:  # an Arrow type exists only once pyarrow is loaded
        raise UnsupportedColumn("an Arrow type needs pyarrow")
    t = pa.types
    checks: tuple[tuple[str, Callable[[Any], bool]], ...] = (
        ("string", lambda x: t.is_string(x) or t.is_large_string(x) or t.is_string_view(x)),
        ("binary", lambda x: t.is_binary(x) or t.is_large_binary(x) or t.is_fixed_size_binary(x)),
        ("integer", t.is_integer),
        ("float", t.is_floating),
        ("decimal", t.is_decimal),
        ("bool", t.is_boolean),
        ("date", t.is_date),
        ("timestamp", t.is_timestamp),
        ("time", t.is_time),
        ("null", t.is_null),
    )
    for family, check in checks:
        try:
            if check(arrow_type):
                return family
        except (TypeError, AttributeError):
            continue
    if t.is_dictionary(arrow_type):
        return arrow_family(arrow_type.value_type)
    return "other"


def count_nulls(column: Column) -> tuple[int, int]:
    """``(total, nulls)`` of a column or a scalar."""
    if not is_column(column):
        return 1, int(is_null(column))
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(column, pa.Array | pa.ChunkedArray):
        kind = column.type
        if not (pa.types.is_dictionary(kind) or pa.types.is_union(kind)):
            return len(column), int(column.null_count)  # Arrow's count, no Python objects
    data = as_column(column)
    return len(data), int(data.nulls.sum())


def nulls_like(column: Column) -> Column:
    """A column of the same kind and length holding nulls only (Arrow keeps its type)."""
    if not is_column(column):
        return None
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(column, pa.ChunkedArray):
        return pa.chunked_array([pa.nulls(len(column), type=column.type)], type=column.type)
    if pa is not None and isinstance(column, pa.Array):
        return pa.nulls(len(column), type=column.type)
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(column, pd.Series):
        return pd.Series([None] * len(column), index=column.index, name=column.name, dtype=object)
    data = as_column(column)
    return data.rebuild(np.full(len(data), None, dtype=object))


class BaseOp:
    """Shared plumbing of the registered operations (subclasses are frozen dataclasses).

    Subclasses set ``name``, ``leaks``, ``_needs``, ``_reversible``, ``families`` (the Arrow
    type families :meth:`accepts`), ``params`` (their options, for the schema and docs) and
    implement ``apply``. ``removes_column``: the pipeline removes the column (``drop``).
    """

    name: ClassVar[str] = ""
    leaks: ClassVar[tuple[str, ...]] = ()
    _reversible: ClassVar[bool] = False
    _needs: ClassVar[frozenset[str]] = frozenset()
    families: ClassVar[frozenset[str] | None] = None  # None: any type
    params: ClassVar[Mapping[str, Param]] = {}
    removes_column: ClassVar[bool] = False

    @property
    def reversible(self) -> bool:
        """Whether :meth:`reverse` gives the input back."""
        return self._reversible

    @property
    def needs(self) -> frozenset[str]:
        """What the context must hold (words of :data:`NEEDS`)."""
        return self._needs

    def accepts(self, arrow_type: ArrowType) -> bool:
        """True when a column of ``arrow_type`` can be processed."""
        return self.families is None or arrow_family(arrow_type) in self.families

    def reverse(self, column: Column, ctx: OpContext) -> Column:
        """Not reversible: always raises :class:`~medguard.errors.InvalidArgument`."""
        raise InvalidArgument(f"{self.name} is not reversible")

    def to_config(self) -> dict[str, Any]:  # pragma: no cover - every subclass overrides
        """The operation as plain data."""
        return {"op": self.name}

    def _check_accepts(self, column: Column, ctx: OpContext) -> None:
        """Refuse an Arrow column whose type this operation does not accept."""
        arrow_type = getattr(column, "type", None)
        pa = sys.modules.get("pyarrow")
        if pa is None or not isinstance(column, (pa.Array, pa.ChunkedArray)):
            return
        if not self.accepts(arrow_type):
            where = f" {ctx.field!r}" if ctx.field else ""
            raise UnsupportedColumn(
                f"{self.name} does not accept column{where} of type {arrow_type} "
                f"(accepts: {', '.join(sorted(self.families or ()))})"
            )

    @classmethod
    def _options(cls, config: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
        """The options of ``config`` (``op`` removed), refusing a wrong op or unknown keys."""
        if not isinstance(config, Mapping):
            raise OpConfigError(cls.name, "op", "an operation must be a mapping")
        options = dict(config)
        op = options.pop("op", cls.name)
        if op != cls.name:
            raise OpConfigError(cls.name, "op", f"expected {cls.name!r}, got {op!r}")
        known = set(allowed)
        for key in options:
            if key not in known:
                raise OpConfigError(cls.name, str(key), "unknown option", sorted(known))
        return options


_REGISTRY: dict[str, type[Any]] = {}
_UNAVAILABLE: dict[str, str] = {
    "deidentify": (
        "free-text de-identification builds on medguard.detect: it is registered when "
        "medguard.lifecycle is imported"
    ),
}


def register(cls: type[Any]) -> type[Any]:
    """Class decorator: make ``cls`` the operation named ``cls.name``."""
    name = cls.name
    if name not in OP_NAMES:
        raise InvalidArgument(f"unknown op name {name!r}")
    _REGISTRY[name] = cls
    _UNAVAILABLE.pop(name, None)
    return cls


def _load_all() -> None:
    """Import the op modules (each registers its operations)."""
    from medguard.ops import (  # noqa: F401 - imported for their registrations
        date_shift,
        field_encryption,
        generalize_op,
        masking,
        pseudonyms,
        simple,
    )


def registry() -> Mapping[str, type[Any]]:
    """The registered operations: op name → class (read-only view)."""
    _load_all()
    return dict(_REGISTRY)


def op_class(name: str) -> type[Any]:
    """The class of op ``name``; :class:`OpConfigError` for unknown or unavailable ops."""
    _load_all()
    if not isinstance(name, str):
        raise OpConfigError("?", "op", "the op name must be a string", OP_NAMES)
    cls = _REGISTRY.get(name)
    if cls is not None:
        return cls
    if name in _UNAVAILABLE:
        raise OpConfigError(name, "op", f"{_UNAVAILABLE[name]}; it cannot be used yet")
    raise OpConfigError(name, "op", "unknown op", OP_NAMES)


def op_from_config(config: Mapping[str, Any]) -> Operation:
    """Build an operation from plain data (``{"op": "mask", "kind": "phone"}``).

    Unknown ops, options and unusable values raise :class:`OpConfigError`, a
    :class:`~medguard.errors.PolicyError` naming the option.
    """
    if not isinstance(config, Mapping) or "op" not in config:
        raise OpConfigError("?", "op", "an operation needs an 'op' key", OP_NAMES)
    op: Operation = op_class(config["op"]).from_config(config)
    return op


class KindedOp(BaseOp):
    """Base of the ops whose ``kind`` picks a primitive and whose ``options`` are its options.

    Subclasses are frozen dataclasses with the fields ``kind`` and ``options`` (sorted
    ``(name, value)`` pairs), set ``kinds`` and implement :meth:`allowed_options`.
    """

    kind: str
    options: tuple[tuple[str, Any], ...]
    kinds: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def allowed_options(cls, kind: str) -> list[str]:
        """The option names the primitive of ``kind`` takes."""
        raise NotImplementedError

    def _checked_options(self) -> dict[str, Any]:
        """Refuse an unknown kind or option; store the options sorted; return them."""
        if not isinstance(self.kind, str) or self.kind not in self.kinds:
            raise OpConfigError(self.name, "kind", f"unknown kind {self.kind!r}", self.kinds)
        options = dict(self.options)
        allowed = self.allowed_options(self.kind)
        for key in options:
            if key not in allowed:
                raise OpConfigError(self.name, str(key), f"unknown option for {self.kind}", allowed)
        object.__setattr__(self, "options", tuple(sorted(options.items())))
        return options

    def to_config(self) -> dict[str, Any]:
        """``{"op": ..., "kind": ..., options...}``."""
        return {"op": self.name, "kind": self.kind, **dict(self.options)}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Any:
        """Build from :meth:`to_config` output; problems are :class:`OpConfigError`."""
        if not isinstance(config, Mapping):
            raise OpConfigError(cls.name, "op", "an operation must be a mapping")
        kind = config.get("kind")
        if not isinstance(kind, str) or kind not in cls.kinds:
            raise OpConfigError(cls.name, "kind", f"unknown kind {kind!r}", cls.kinds)
        options = cls._options(config, ["kind", *cls.allowed_options(kind)])
        options.pop("kind")
        return cls(kind, tuple(options.items()))  # type: ignore[call-arg]
