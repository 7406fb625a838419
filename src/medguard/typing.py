"""The documented type aliases and protocols of medguard's public API.

Import them for annotations: ``from medguard.typing import AuditSink, Column, Operation``.

=====================  ===================================================================
name                   what it stands for
=====================  ===================================================================
:data:`Column`         a column medguard operations take and give back as the same kind:
                       list, tuple, numpy array, pandas Series/Index, pyarrow (Chunked)Array
:data:`Scalar`         one value of a column (``None`` and NaN are nulls)
:data:`ArrowType`      a ``pyarrow.DataType`` (typed ``Any``: pyarrow is optional)
:data:`Config`         an operation or policy as plain data (YAML/TOML/JSON-ready)
:class:`Operation`     the one protocol of every operation a policy can name
:class:`Step`          one compiled step of a plan: a column, its operation, where it came from
:class:`AuditSink`     where components write audit records
=====================  ===================================================================

Only ``typing`` is imported here at run time: lower layers can use these names freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from medguard.ops.base import OpContext, OpReport

__all__ = ["ArrowType", "AuditSink", "Column", "Config", "Operation", "Scalar", "Step"]

Column: TypeAlias = Any
"""A list, tuple, 1-D numpy array, pandas Series/Index or pyarrow Array/ChunkedArray.

Operations return the same kind they were given, with nulls (``None``, NaN, ``pd.NA``,
``NaT``, Arrow nulls) kept as nulls. Typed ``Any`` because pandas and pyarrow are optional.
"""

Scalar: TypeAlias = Any
"""One value of a :data:`Column`: ``str``, ``int``, ``float``, ``date``, ``datetime``, ..."""

ArrowType: TypeAlias = Any
"""A ``pyarrow.DataType`` such as ``pa.string()`` or ``pa.date32()``."""

Config: TypeAlias = Mapping[str, Any]
"""Plain data: what ``to_config()`` gives and ``from_config()`` reads (JSON/YAML/TOML-ready)."""


@runtime_checkable
class AuditSink(Protocol):
    """Where medguard's components write audit records: :class:`medguard.audit.AuditTrail`.

    ``append(action, **fields)`` records one event (``action`` such as ``"key.rotate"``) with
    JSON-serializable ``fields`` that never hold a raw value or key material, and returns the
    record. Lower layers (keys, privacy) take an ``AuditSink`` instead of importing the audit
    package, so the layer order stays one way.
    """

    def append(self, action: str, /, **fields: Any) -> Any:
        """Record one event."""
        ...


@runtime_checkable
class Operation(Protocol):
    """One operation a policy can name (``keep``, ``mask``, ``encrypt``, ``pseudonymize``...).

    An operation is a frozen configuration object: it holds options, never keys. Whatever it
    needs to run (the keyring, the table and field, the subject and record-ID columns, the
    recipient) arrives in an :class:`~medguard.ops.base.OpContext` when it runs, so an
    operation pickles cleanly and ships to other processes.

    - ``name``: the op name a policy writes (``"pseudonymize"``);
    - ``leaks``: what the output still reveals (``("equality", "length")``);
    - ``reversible``: whether :meth:`reverse` can give the input back;
    - ``needs``: what the context must hold (``{"keyring", "subject"}``);
    - ``accepts(arrow_type)``: whether a column of that Arrow type can be processed;
    - ``apply(column, ctx)``: the result (same kind of column, nulls kept) and an
      :class:`~medguard.ops.base.OpReport`; a scalar in gives a scalar out;
    - ``reverse(column, ctx)``: the original values (reversible operations only);
    - ``to_config()`` / ``from_config()``: the operation as plain data and back.
    """

    @property
    def name(self) -> str:
        """The op name a policy writes."""
        ...

    @property
    def leaks(self) -> tuple[str, ...]:
        """What the output still reveals."""
        ...

    @property
    def reversible(self) -> bool:
        """Whether :meth:`reverse` gives the input back."""
        ...

    @property
    def needs(self) -> frozenset[str]:
        """What the context must hold: ``keyring``, ``subject``, ``record_id``."""
        ...

    def accepts(self, arrow_type: ArrowType) -> bool:
        """True when a column of ``arrow_type`` can be processed."""
        ...

    def apply(self, column: Column, ctx: OpContext) -> tuple[Column, OpReport]:
        """Process ``column`` (or one value); returns the same kind and a report."""
        ...

    def reverse(self, column: Column, ctx: OpContext) -> Column:
        """Undo :meth:`apply` (raises for operations that are not reversible)."""
        ...

    def to_config(self) -> dict[str, Any]:
        """The operation as plain data: ``{"op": name, options...}``."""
        ...

    @classmethod
    def from_config(cls, config: Config) -> Operation:
        """Build the operation from :meth:`to_config` output (a ``PolicyError`` if unusable)."""
        ...


@runtime_checkable
class Step(Protocol):
    """One step of a compiled plan: which column gets which operation, and why.

    ``origin`` says where the rule came from: the policy (``"policy"``), a level default
    (``"default"``) or the ``undeclared`` setting (``"undeclared"``).
    """

    @property
    def column(self) -> str:
        """The column (field) name."""
        ...

    @property
    def op(self) -> Operation:
        """The operation applied to it."""
        ...

    @property
    def origin(self) -> str:
        """``"policy"``, ``"default"`` or ``"undeclared"``."""
        ...
