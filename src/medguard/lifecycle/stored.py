"""Reading what the storage stage wrote: columns of medguard ciphertexts are read as their values.

A hospital's data flows collection -> storage (identifiers encrypted, often one key per
patient) -> processing and sharing, and the later stages read the *stored* data. A stage's ops
apply to a field's values, not to its stored form: masking a ciphertext gives a row of
asterisks that says nothing, and a k-anonymity count over randomized ciphertexts counts every
row apart. So before a stage runs, every column whose values are all medguard text ciphertexts
(``mg1.<scheme>.<key>.<body>``, as :func:`~medguard.ops.encryption.encrypt` writes them) is
decrypted with the pipeline's keyring, under the same table and field binding the storage stage
used, and the stage's ops (``keep`` included) see the values.

Fail closed:

- a column of ciphertexts mixed with plain values, or ciphertexts without a keyring, is
  refused (:class:`~medguard.lifecycle.pipeline.PlanError`); a column is looked at in full
  once one of 8 values spread over it is a ciphertext;
- a value that does not authenticate (tampered, another table's or field's, another keyring's)
  raises :class:`~medguard.errors.DecryptionError`: nothing is written;
- a value whose key was destroyed (a crypto-shredded patient) is gone for good: it reads as
  missing (null), and :attr:`StoredColumns.erased` counts it per column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from medguard.errors import KeyDestroyed, PolicyError

__all__ = ["CIPHERTEXT_PREFIX", "StoredColumns", "columns_to_open", "open_stored"]

#: How every medguard text ciphertext begins (``mg1.aesgcm.k1a2b3c4d.…``).
CIPHERTEXT_PREFIX = "mg1."


@dataclass
class StoredColumns:
    """What :func:`open_stored` decrypted, per column: values read, values erased."""

    opened: dict[str, int] = field(default_factory=dict)
    erased: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, dict[str, int]] | None:
        """The summary's ``stored`` entry; None when nothing was stored ciphertext."""
        if not self.opened and not self.erased:
            return None
        return {"decrypted": dict(self.opened), "erased": dict(self.erased)}

    def add(self, other: StoredColumns) -> None:
        """Add ``other``'s counts (one batch more)."""
        for mine, theirs in ((self.opened, other.opened), (self.erased, other.erased)):
            for name, count in theirs.items():
                mine[name] = mine.get(name, 0) + count


_SAMPLES = 8


def _ciphertext_column(pa: Any, pc: Any, column: Any, name: str) -> bool:
    """True when every non-null value of ``column`` is a medguard text ciphertext; refuses a
    column mixing them with plain values."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return False
    present = len(column) - column.null_count
    if not present:
        return False
    # A few values first (a plain column costs 8 look-ups, not a pass over every value)
    step = max(1, len(column) // _SAMPLES)
    sample = [column[i].as_py() for i in range(0, len(column), step)][:_SAMPLES]
    if not any(type(v) is str and v.startswith(CIPHERTEXT_PREFIX) for v in sample):
        return False
    starts = pc.starts_with(column, CIPHERTEXT_PREFIX)
    count = pc.sum(starts).as_py() or 0
    if count == 0:
        return False
    if count != present:
        raise _plan_error(
            f"holds {count:,} medguard ciphertext(s) and {present - count:,} plain value(s): "
            "a column is read either as stored ciphertexts or as values, not both",
            name,
        )
    return True


def _plan_error(problem: str, name: str) -> PolicyError:
    from medguard.lifecycle.pipeline import PlanError

    return PlanError(problem, field=name)


def columns_to_open(plan: Any, subject: str | None, record_id: str | None) -> frozenset[str] | None:
    """The columns a stage needs as values (None: all of them): a column the stage drops is
    left as stored unless it names the subject or the record, or an op reads other columns
    (a note's ``known`` values). So a dropped column under a key this keyring lacks costs
    nothing."""
    steps = list(plan.steps)
    if any("columns" in s.op.needs for s in steps):
        return None
    keep = {subject, record_id} - {None}
    return frozenset(
        s.column for s in steps if not getattr(s.op, "removes_column", False) or s.column in keep
    )


def open_stored(
    batch: Any,
    keyring: Any,
    *,
    table: str,
    record_id: str | None = None,
    only: frozenset[str] | None = None,
) -> tuple[Any, StoredColumns]:
    """``batch`` (a pyarrow ``Table`` or ``RecordBatch``) with every column of medguard
    ciphertexts decrypted (same kind, same column order), and the counts. The batch itself
    when it holds none. ``table`` is the name bound into the ciphertexts (the policy's
    ``table``, else its ``dataset``); the field is the column's name; ``record_id`` names the
    column of record IDs the values were bound to, if any; ``only`` limits the columns
    opened (:func:`columns_to_open`).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from medguard.ops.encryption import try_decrypt

    counts = StoredColumns()
    names = list(batch.schema.names)
    wanted = names if only is None else [n for n in names if n in only]
    stored = [n for n in wanted if _ciphertext_column(pa, pc, batch.column(n), n)]
    if not stored:
        return batch, counts
    if keyring is None:
        raise _plan_error(
            "holds medguard ciphertexts (the storage stage's output): pass the keyring that "
            "encrypted it to read its values",
            stored[0],
        )
    records = batch.column(record_id) if record_id in names else None
    columns = {n: batch.column(n) for n in names}
    for name in stored:
        column = columns[name]
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        opened = try_decrypt(column, keyring, table=table, field=name, record_ids=records)
        erased = 0
        for failure in opened.failures:
            if not isinstance(failure.error, KeyDestroyed):
                raise failure.error  # tampered, wrong table or field, another keyring: no output
            erased += 1
        values = opened.values
        if not isinstance(values, (pa.Array, pa.ChunkedArray)):
            values = pa.array(values)
        columns[name] = values
        counts.opened[name] = len(column) - column.null_count - erased
        if erased:
            counts.erased[name] = erased
    arrays = [columns[n] for n in names]
    if isinstance(batch, pa.Table):
        chunked = [a if isinstance(a, pa.ChunkedArray) else pa.chunked_array([a]) for a in arrays]
        return pa.Table.from_arrays(chunked, names=names), counts
    return pa.RecordBatch.from_arrays(arrays, names=names), counts
