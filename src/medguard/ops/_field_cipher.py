"""The engine of field encryption: rows in, sealed or opened rows out (no public API here).

:func:`encrypt_column` and :func:`decrypt_column` are the one path every public function of
:mod:`medguard.ops.encryption` and the ``encrypt`` / ``encrypt_deterministically`` operations
take: the rows adapter (:class:`Rows`), the per-row companions (record IDs, subjects), the
associated data, the subkey per table and field, and the ``mg1`` framing. The ciphers, nonce
pools and batches are :class:`medguard.hazmat.sealing.Sealer`'s.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from medguard._column import ColumnData, as_column, encodable, is_column, is_null
from medguard.errors import (
    DecryptionError,
    InvalidArgument,
    KeyringError,
    MedguardError,
    UnsupportedColumn,
)
from medguard.hazmat.sealing import Cipher, Sealer
from medguard.keys import SECRET_ACCESS, Keyring
from medguard.keys.model import Suite
from medguard.ops._base64 import b64decode_rows, b64encode_rows
from medguard.ops._by_subject import MANY_KEYS, open_by_subject, paused_gc, seal_by_subject
from medguard.ops._envelope import (
    Scheme,
    associated_data,
    bytes_prefix,
    parse_bytes,
    parse_text_header,
    record_associated_data,
    scheme_for,
    text_prefix,
)
from medguard.ops._plaintext import decode_values, encode_values

__all__ = [
    "DecryptReport",
    "Opened",
    "Output",
    "RowFailure",
    "Rows",
    "all_str",
    "decrypt_column",
    "decrypt_report",
    "encrypt_column",
    "row_failures",
    "side_column",
]

Output = Literal["text", "bytes"]


@dataclass(frozen=True)
class RowFailure:
    """One row that did not decrypt: its position and the (opaque) error."""

    row: int
    error: MedguardError


@dataclass(frozen=True)
class DecryptReport:
    """The result of :func:`~medguard.ops.encryption.try_decrypt`: values (``None`` where a row
    failed) and failures."""

    values: Any
    failures: tuple[RowFailure, ...]

    @property
    def ok(self) -> bool:
        """True when every row decrypted."""
        return not self.failures


def _context(table: str, field: str) -> str:
    if not isinstance(table, str) or not isinstance(field, str):
        raise InvalidArgument("table and field must be strings")
    if not encodable(table) or not encodable(field):
        raise InvalidArgument("table and field must be valid Unicode (no lone surrogates)")
    return f"{len(table)}:{table}.{field}"


def all_str(values: Sequence[Any]) -> bool:
    return not values or set(map(type, values)) == {str}


class Rows:
    """The rows of a call: items, the column to rebuild (``None`` for a scalar), non-null rows.

    Nulls come from the shared column adapter (:func:`medguard._column.as_column`, whose
    null mask every column operation uses; :func:`~medguard._column.is_null` for a scalar).
    """

    __slots__ = ("cd", "items", "rows")

    def __init__(self, values: Any) -> None:
        self.cd: ColumnData | None = None
        if isinstance(values, list) and all_str(values):
            self.items: list[Any] = values  # fast path: a plain list of strings has no nulls
            self.rows: list[int] | range = range(len(values))
        elif is_column(values):
            self.cd = as_column(values)
            pa = sys.modules.get("pyarrow")
            if pa is not None and isinstance(values, (pa.Array, pa.ChunkedArray)):
                self.items = values.to_pylist()  # keeps int64-with-nulls as ints, not floats
            else:
                self.items = self.cd.values.tolist()
            nulls = self.cd.nulls
            self.rows = (
                range(len(self.items)) if not nulls.any() else np.flatnonzero(~nulls).tolist()
            )
        else:
            self.items = [values]
            self.rows = [] if is_null(values) else [0]

    def result(self, values: Any, out: list[Any], *, plain: bool = False) -> Any:
        """``out`` as the kind of ``values``. ``plain``: the items may not fit the input's
        dtype (decrypted ints, ``bytes`` ciphertexts from a string column), so a string dtype
        is not forced on them."""
        if self.cd is None:
            if isinstance(values, list):
                return out
            return out[0]
        arr = np.empty(len(out), dtype=object)
        arr[:] = out
        return _rebuild_plain(values, self.cd, arr) if plain else self.cd.rebuild(arr)


def side_column(name: str, given: Any, count: int) -> list[Any] | None:
    """A per-row companion (record IDs, subjects): scalar broadcast or a same-length column."""
    if given is None:
        return None
    if is_column(given):
        items: list[Any] = as_column(given).values.tolist()
        if len(items) != count:
            raise InvalidArgument(f"{name} has {len(items)} rows, the values {count}")
        return items
    return [given] * count


def _sealer(keyring: Keyring, scheme: Scheme, key_id: str, context: str) -> Sealer:
    """The sealer of one scheme under the subkey of ``key_id`` for one table and field."""
    sub = keyring.derive(
        scheme.purpose, context, key_id=key_id, length=scheme.key_length, access=SECRET_ACCESS
    )
    cipher: Cipher = "aes" if scheme.suite is Suite.AES else "sm4"
    return Sealer(cipher, sub.material, deterministic=scheme.deterministic)


def _ads(
    scheme: Scheme,
    key_id: str,
    table: str,
    field: str,
    records: list[Any] | None,
    rows: Sequence[int],
) -> list[bytes] | bytes:
    if records is None:
        return associated_data(scheme, key_id, table, field)
    chosen = [records[r] for r in rows]
    if not all_str(chosen):
        for r, rid in zip(rows, chosen, strict=True):
            if is_null(rid):
                raise InvalidArgument(f"record ID is missing for row {r}")
        chosen = [str(rid) for rid in chosen]
    if not encodable("".join(chosen)):  # one C-level pass; the loop only names the row
        for r, rid in zip(rows, chosen, strict=True):
            if not encodable(rid):
                raise InvalidArgument(
                    f"record ID of row {r} is not valid Unicode (a lone surrogate)"
                )
    return record_associated_data(scheme, key_id, table, field, chosen)


def encrypt_column(
    values: Any,
    keyring: Keyring,
    *,
    deterministic: bool,
    table: str,
    field: str,
    record_ids: Any,
    key_id: str | None,
    subject: Any,
    output: Output,
    nonce_source: Callable[[int], bytes] = os.urandom,
) -> Any:
    if output not in ("text", "bytes"):
        raise InvalidArgument("output must be 'text' or 'bytes'")
    context = _context(table, field)
    data = Rows(values)
    items = data.items
    records = side_column("record_ids", record_ids, len(items))
    subjects = side_column("subject", subject, len(items))

    # Which key encrypts which row.
    groups: dict[str, Sequence[int]] = {}
    if subjects is None:
        groups[keyring.encryption_key(key_id).key_id] = data.rows
    else:
        if key_id is not None:
            raise InvalidArgument("give key_id or subject, not both")
        sealed = seal_by_subject(  # one key per subject, created in bulk
            items,
            data.rows,
            subjects,
            keyring,
            deterministic=deterministic,
            table=table,
            field=field,
            records=records,
            output=output,
        )
        return data.result(values, sealed, plain=output == "bytes")

    whole = len(groups) == 1 and len(next(iter(groups.values()))) == len(items)
    out: list[Any] = [None] * len(items)
    for kid, group_rows in groups.items():
        if not len(group_rows):
            continue
        scheme = scheme_for(keyring.get(kid).suite, deterministic=deterministic)
        sealer = _sealer(keyring, scheme, kid, context)
        group_items = items if whole else [items[r] for r in group_rows]
        plaintexts = encode_values(group_items, group_rows)
        ads = _ads(scheme, kid, table, field, records, group_rows)
        pool, bodies = sealer.seal(plaintexts, ads, nonce_source)
        head_size = len(pool) // len(bodies)
        if output == "text":
            encoded: list[Any] = b64encode_rows(
                bodies, text_prefix(scheme, kid), heads=pool, head_size=head_size
            )
        else:
            head = bytes_prefix(scheme, kid)
            encoded = [
                head + pool[i * head_size : (i + 1) * head_size] + b for i, b in enumerate(bodies)
            ]
        if whole:
            out = encoded
        else:
            for r, c in zip(group_rows, encoded, strict=True):
                out[r] = c
    return data.result(values, out, plain=output == "bytes")


_GroupKey = tuple[Scheme, str, Output]


@dataclass
class Opened:
    plain: list[Any]
    groups: dict[_GroupKey, list[int]]  # rows that decrypted, by scheme, key ID and form
    failures: dict[int, MedguardError]


def _parse(
    items: list[Any], rows: Sequence[int]
) -> tuple[dict[_GroupKey, tuple[list[int], list[bytes]]], dict[int, MedguardError]]:
    """Group the ciphertexts by scheme, key ID and form; malformed rows become failures."""
    groups: dict[_GroupKey, tuple[list[int], list[bytes]]] = {}
    failures: dict[int, MedguardError] = {}

    def bad(r: int) -> None:
        failures[r] = DecryptionError("not a medguard ciphertext", row=r)

    def add_text(header: tuple[Scheme, str], rows_: list[int], bodies: list[bytes | None]) -> None:
        slot = groups.setdefault((header[0], header[1], "text"), ([], []))
        if None not in bodies:
            slot[0].extend(rows_)
            slot[1].extend(bodies)  # type: ignore[arg-type]
            return
        for r, body in zip(rows_, bodies, strict=True):
            if body is None:
                bad(r)
            else:
                slot[0].append(r)
                slot[1].append(body)

    if len(rows) == len(items) and all_str(items):
        text_rows: list[int] = list(range(len(items)))
    else:
        text_rows = [r for r in rows if type(items[r]) is str]
    if text_rows:
        first = items[text_rows[0]]
        head = first[: first.rfind(".")]
        header = parse_text_header(head)
        if header is not None:
            texts = items if len(text_rows) == len(items) else [items[r] for r in text_rows]
            bodies, unmatched = b64decode_rows(texts, head + ".")
            leftover = [text_rows[i] for i in unmatched]
            if unmatched:
                skip = set(unmatched)
                keep = [i for i in range(len(text_rows)) if i not in skip]
                add_text(header, [text_rows[i] for i in keep], [bodies[i] for i in keep])
            else:
                add_text(header, text_rows, bodies)
        else:
            leftover = text_rows
        # many heads (a key per subject): every body decoded in one call, then grouped
        parts = [items[r].rpartition(".") for r in leftover]
        all_bodies, _ = b64decode_rows([p[2] for p in parts])
        by_head: dict[str, tuple[list[int], list[bytes | None]]] = {}
        for r, p, body in zip(leftover, parts, all_bodies, strict=True):
            found = by_head.get(p[0])
            if found is None:
                found = by_head[p[0]] = ([], [])
            found[0].append(r)
            found[1].append(body)
        for other_head, (head_rows, bodies) in by_head.items():
            other = parse_text_header(other_head)
            if other is None:
                for r in head_rows:
                    bad(r)
                continue
            add_text(other, head_rows, bodies)
    for r in rows:
        value = items[r]
        if type(value) is str:
            continue
        parsed = (
            parse_bytes(bytes(value)) if isinstance(value, (bytes, bytearray, memoryview)) else None
        )
        if parsed is None:
            bad(r)
            continue
        slot = groups.setdefault((parsed[0], parsed[1], "bytes"), ([], []))
        slot[0].append(r)
        slot[1].append(parsed[2])
    return groups, failures


def _open(
    data: Rows, keyring: Keyring, table: str, field: str, records: list[Any] | None
) -> Opened:
    context = _context(table, field)
    items = data.items
    parsed, failures = _parse(items, data.rows)
    plain: list[Any] = [None] * len(items)
    done: dict[_GroupKey, list[int]] = {}
    if len(parsed) > MANY_KEYS:  # a key per subject: one store read, then row by row
        handled = open_by_subject(parsed, keyring, table, field, records, plain, failures)
        done.update((group, rows) for group, rows in handled if rows)
        if len(handled) == len(parsed):
            parsed = {}
        else:
            taken = {group for group, _ in handled}
            parsed = {group: v for group, v in parsed.items() if group not in taken}
    else:
        keyring.prefetch(kid for (_, kid, _) in parsed)  # subject keys: one store read
    for (scheme, kid, form), (rows, bodies) in parsed.items():
        try:
            if keyring.get(kid).suite is not scheme.suite:
                raise DecryptionError()
            sealer = _sealer(keyring, scheme, kid, context)
            ads = _ads(scheme, kid, table, field, records, rows)
        except (KeyringError, DecryptionError) as exc:
            for r in rows:
                failures[r] = exc if isinstance(exc, KeyringError) else DecryptionError(row=r)
            continue
        opened = sealer.open(bodies, ads)
        if None in opened:
            ok_rows = []
            ok_plain: list[bytes] = []
            for r, p in zip(rows, opened, strict=True):
                if p is None:
                    failures[r] = DecryptionError(row=r)
                else:
                    ok_rows.append(r)
                    ok_plain.append(p)
            rows = ok_rows
        else:
            ok_plain = opened  # type: ignore[assignment]
        try:
            decoded = decode_values(ok_plain)
        except DecryptionError:
            decoded = []
            for r, one in zip(rows, ok_plain, strict=True):
                try:
                    decoded.extend(decode_values([one]))
                except DecryptionError:
                    failures[r] = DecryptionError(row=r)
                    decoded.append(None)
            rows = [r for r in rows if r not in failures]
            decoded = [v for v in decoded if v is not None]
        if len(rows) == len(items) and not failures:
            plain = decoded
        else:
            for r, v in zip(rows, decoded, strict=True):
                plain[r] = v
        done[(scheme, kid, form)] = rows
    return Opened(plain, done, failures)


def _rebuild_plain(values: Any, cd: ColumnData, arr: np.ndarray[Any, Any]) -> Any:
    """Like ``cd.rebuild`` but never coerces decrypted ints/dates back to a string dtype."""
    if all(v is None or isinstance(v, str) for v in arr.tolist()):
        return cd.rebuild(arr)
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(values, pd.Series):
        return pd.Series(arr, index=values.index, name=values.name, dtype=object)
    if pd is not None and isinstance(values, pd.Index):
        return pd.Index(arr, name=values.name, dtype=object)
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(values, (pa.Array, pa.ChunkedArray)):
        items = arr.tolist()
        try:
            if pd is not None and any(isinstance(v, (pd.Timestamp, np.datetime64)) for v in items):
                # pa.array infers microseconds from Timestamps: through pandas the ns stay.
                result = pa.array(pd.Series(items))
            else:
                result = pa.array(items)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            raise UnsupportedColumn(
                "decrypted values of mixed types cannot form one pyarrow array"
            ) from None
        return pa.chunked_array([result]) if isinstance(values, pa.ChunkedArray) else result
    if isinstance(values, np.ndarray):
        return arr
    return cd.rebuild(arr)


def decrypt_column(
    values: Any, keyring: Keyring, table: str, field: str, record_ids: Any
) -> tuple[Rows, Opened]:
    data = Rows(values)
    records = side_column("record_ids", record_ids, len(data.items))
    with paused_gc():  # a key per subject allocates per row: no full collections meanwhile
        return data, _open(data, keyring, table, field, records)


def decrypt_report(
    values: Any, keyring: Keyring, table: str, field: str, record_ids: Any, *, raising: bool
) -> DecryptReport:
    """The one decryption path of ``decrypt``, ``try_decrypt`` and the operations' ``reverse``.

    ``raising``: raise the first row's failure (before the column is rebuilt) instead of
    reporting it.
    """
    data, opened = decrypt_column(values, keyring, table, field, record_ids)
    failures = row_failures(opened.failures)
    if raising and failures:
        raise failures[0].error
    return DecryptReport(data.result(values, opened.plain, plain=True), failures)


def row_failures(failures: dict[int, MedguardError]) -> tuple[RowFailure, ...]:
    """One :class:`RowFailure` per failed row, in row order."""
    return tuple(RowFailure(r, failures[r]) for r in sorted(failures))
