"""Field encryption: :func:`encrypt` (randomized), :func:`encrypt_deterministically`,
:func:`decrypt`, :func:`try_decrypt` and :func:`rewrap` (rotation).

Every function takes one value or a whole column (list, tuple, numpy array, pandas Series,
pyarrow array) and returns the same kind; nulls stay nulls. Values of type ``str``, ``bytes``,
``int``, ``float``, ``bool``, ``date``, ``datetime`` and ``Decimal`` round-trip to the same type.

Ciphertexts carry their scheme and key ID (``mg1.aesgcm.k1a2b3c4d.<base64url>``, or a bytes
form), so decryption finds the right key after any number of rotations. Each ciphertext is
bound by associated data to ``table`` and ``field`` (and to a record ID when given): moved to
another field or row, it no longer decrypts. Subkeys are derived per field and per mode with
HKDF, so randomized and deterministic encryption never share key bytes.

What this leaks
    :func:`encrypt` leaks the length of the value (to the byte) and which key encrypted it.
    :func:`encrypt_deterministically` leaks, in addition, **which values are equal** within a
    table/field under one key; that is its purpose (joins, lookups). Use it only for join or
    search keys, never for values that need no equality.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
from cryptography.hazmat.primitives.ciphers import algorithms

from medguard._column import ColumnData, as_column, encodable, is_column, is_null
from medguard.errors import (
    DecryptionError,
    InvalidArgument,
    KeyDestroyed,
    KeyringError,
    MedguardError,
    PolicyError,
    UnsupportedColumn,
)
from medguard.hazmat.aead import NONCE_SIZE, TAG_SIZE, AesGcm, Sm4Gcm
from medguard.hazmat.gcm_batch import BatchGcm
from medguard.hazmat.siv import AesSiv, GenericSiv, Sm4Siv
from medguard.keys import SECRET_ACCESS, Keyring
from medguard.keys.model import Suite, check_key_id
from medguard.ops._base64 import (
    b64decode_rows,
    b64encode_rows,
    length_groups,
    split_fixed,
    split_rows,
)
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
    "CiphertextInfo",
    "DecryptReport",
    "Encrypt",
    "EncryptDeterministically",
    "RewrapReport",
    "RowFailure",
    "decrypt",
    "encrypt",
    "encrypt_deterministically",
    "inspect_ciphertext",
    "rewrap",
    "try_decrypt",
]

Output = Literal["text", "bytes"]


@dataclass(frozen=True)
class CiphertextInfo:
    """What a ciphertext's header says (readable without any key)."""

    version: str
    scheme: str
    suite: Suite
    deterministic: bool
    key_id: str
    form: Output


@dataclass(frozen=True)
class RowFailure:
    """One row that did not decrypt: its position and the (opaque) error."""

    row: int
    error: MedguardError


@dataclass(frozen=True)
class DecryptReport:
    """The result of :func:`try_decrypt`: values (``None`` where a row failed) and failures."""

    values: Any
    failures: tuple[RowFailure, ...]

    @property
    def ok(self) -> bool:
        """True when every row decrypted."""
        return not self.failures


@dataclass(frozen=True)
class RewrapReport:
    """The result of :func:`rewrap`: the column and what happened to its rows."""

    values: Any
    rewrapped: int
    unchanged: int
    failures: tuple[RowFailure, ...]


# --------------------------------------------------------------------------- helpers


def _context(table: str, field: str) -> str:
    if not isinstance(table, str) or not isinstance(field, str):
        raise InvalidArgument("table and field must be strings")
    if not encodable(table) or not encodable(field):
        raise InvalidArgument("table and field must be valid Unicode (no lone surrogates)")
    return f"{len(table)}:{table}.{field}"


def _all_str(values: Sequence[Any]) -> bool:
    return not values or set(map(type, values)) == {str}


class _Rows:
    """The rows of a call: items, the column to rebuild (``None`` for a scalar), non-null rows."""

    __slots__ = ("cd", "items", "rows")

    def __init__(self, values: Any) -> None:
        self.cd: ColumnData | None = None
        if isinstance(values, list) and _all_str(values):
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
            self.rows = [] if _is_null(values) else [0]

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


def _side_column(name: str, given: Any, count: int) -> list[Any] | None:
    """A per-row companion (record IDs, subjects): scalar broadcast or a same-length column."""
    if given is None:
        return None
    if is_column(given):
        items: list[Any] = as_column(given).values.tolist()
        if len(items) != count:
            raise InvalidArgument(f"{name} has {len(items)} rows, the values {count}")
        return items
    return [given] * count


def _is_null(value: Any) -> bool:
    return is_null(value)


_BATCH = 16  # equal-length groups at least this big take the vectorized paths

_Bulk = Callable[[npt.NDArray[np.uint8], list[int], Any], list[Any]]


def _by_length(
    items: list[bytes],
    bulk: _Bulk,
    single: Callable[[int], Any],
    min_size: int,
    ads: list[bytes] | None = None,
) -> list[Any]:
    """Apply ``bulk`` to each big group of equal-length items (as an (n, size) array) and
    ``single`` to the rest, keeping positions. With per-row ``ads``, groups also share the
    associated-data length and ``bulk`` gets them as an (n, ad_size) array (else ``None``)."""
    out: list[Any] = [None] * len(items)
    for group in length_groups(items, ads):
        size = len(items[group[0]])
        if len(group) < _BATCH or size < min_size:
            for i in group:
                out[i] = single(i)
            continue
        whole = len(group) == len(items)
        joined = b"".join(items if whole else [items[i] for i in group])
        ad_rows = None
        if ads is not None:
            ad_joined = b"".join(ads if whole else [ads[i] for i in group])
            ad_rows = np.frombuffer(ad_joined, dtype=np.uint8).reshape(len(group), -1)
        rows = np.frombuffer(joined, dtype=np.uint8).reshape(len(group), size)
        results = bulk(rows, group, ad_rows)
        if whole:
            return results
        for i, result in zip(group, results, strict=True):
            out[i] = result
    return out


def _pieces(rows: npt.NDArray[np.uint8], ok: npt.NDArray[np.bool_] | None = None) -> list[Any]:
    """Rows of a uint8 array as bytes objects (``None`` where ``ok`` is False)."""
    size = rows.shape[1]
    pieces: list[Any] = (
        split_fixed(np.ascontiguousarray(rows).tobytes(), size) if size else [b""] * len(rows)
    )
    if ok is not None and not ok.all():
        pieces = [p if good else None for p, good in zip(pieces, ok.tolist(), strict=True)]
    return pieces


class _Sealer:
    """Batch encrypt/decrypt with one subkey.

    AES-GCM goes through pyca's ``AESGCM`` one call per value (about 1 µs each). SM4-GCM and
    both SIV schemes have vectorized paths (:mod:`medguard.hazmat.gcm_batch`,
    :meth:`GenericSiv.encrypt_rows`) for groups of equal-length values sharing one associated
    data, byte-identical to the one-value code, which handles everything else.
    """

    def __init__(self, scheme: Scheme, material: bytes) -> None:
        self.scheme = scheme
        self.fast_gcm: Any = None
        self.one: Any
        self._material = material
        self._gcm_batch: BatchGcm | None = None
        self._siv_batch: GenericSiv | None = None
        if scheme.deterministic:
            self.one = AesSiv(material) if scheme.suite is Suite.AES else Sm4Siv(material)
        elif scheme.suite is Suite.AES:
            self.one = AesGcm(material)
            self.fast_gcm = self.one.raw  # pyca AESGCM: no per-call checks needed in batches
        else:
            self.one = Sm4Gcm(material)

    def _gcm(self) -> BatchGcm:
        if self._gcm_batch is None:
            self._gcm_batch = BatchGcm(algorithms.SM4, self._material)
        return self._gcm_batch

    def _siv(self) -> GenericSiv:
        if self._siv_batch is None:
            if isinstance(self.one, GenericSiv):
                self._siv_batch = self.one
            else:
                self._siv_batch = GenericSiv(algorithms.AES, self._material)
        return self._siv_batch

    def seal(
        self,
        plaintexts: list[bytes],
        ads: list[bytes] | bytes,
        nonce_source: Callable[[int], bytes] = os.urandom,
    ) -> tuple[bytes, list[bytes]]:
        """(nonce pool, bodies): GCM bodies exclude the nonce, which is in the pool.

        ``nonce_source(n)`` gives ``n`` bytes of nonces: always ``os.urandom`` except in the
        known-answer tests (:func:`_encrypt_with_nonce_source`).
        """
        count = len(plaintexts)
        ad_seq: Any = repeat(ads, count) if isinstance(ads, bytes) else ads
        if self.scheme.deterministic:
            bulk_ok = isinstance(ads, bytes) and count >= _BATCH
            enc = self.one.encrypt
            if not bulk_ok:
                return b"", [enc(p, (a,)) for p, a in zip(plaintexts, ad_seq, strict=False)]
            aad = (ads if isinstance(ads, bytes) else b"",)
            return b"", _by_length(
                plaintexts,
                lambda rows, _, __: _pieces(self._siv().encrypt_rows(rows, aad)),
                lambda i: enc(plaintexts[i], aad),
                1,
            )
        pool = nonce_source(NONCE_SIZE * count)
        if not isinstance(pool, bytes) or len(pool) != NONCE_SIZE * count:
            raise InvalidArgument(f"the nonce source must give {NONCE_SIZE * count} bytes")
        nonces = split_fixed(pool, NONCE_SIZE) if count else []
        if self.fast_gcm is not None or count < _BATCH:
            gcm = self.fast_gcm or self.one
            return pool, list(map(gcm.encrypt, nonces, plaintexts, ad_seq))
        # SM4-GCM: vectorized per group of equal lengths (one AD, or per-row ADs).
        per_row = None if isinstance(ads, bytes) else ads
        nonce_rows = np.frombuffer(pool, dtype=np.uint8).reshape(count, NONCE_SIZE)

        def bulk(rows: npt.NDArray[np.uint8], group: list[int], ad_rows: Any) -> list[Any]:
            chosen = nonce_rows if len(group) == count else nonce_rows[group]
            aad = ads if isinstance(ads, bytes) else ad_rows
            return _pieces(self._gcm().seal(chosen, rows, aad))

        def single(i: int) -> bytes:
            return self.one.encrypt(  # type: ignore[no-any-return]
                nonces[i], plaintexts[i], ads if isinstance(ads, bytes) else ads[i]
            )

        return pool, _by_length(plaintexts, bulk, single, 1, per_row)

    def open(self, bodies: list[bytes], ads: list[bytes] | bytes) -> list[bytes | None]:
        """Plaintexts, ``None`` where a body did not authenticate."""
        count = len(bodies)
        ad_seq: Any = repeat(ads, count) if isinstance(ads, bytes) else ads
        if self.fast_gcm is not None:
            split = split_rows(bodies, NONCE_SIZE) if count >= _BATCH else None
            if split is None:
                nonces = [b[:NONCE_SIZE] for b in bodies]
                cts = [b[NONCE_SIZE:] for b in bodies]
            else:
                nonces, cts = split
            try:  # optimistic: one C-level map; on any failure redo row by row
                return list(map(self.fast_gcm.decrypt, nonces, cts, ad_seq))
            except Exception:
                return self._open_each(bodies, repeat(ads) if isinstance(ads, bytes) else ads)
        if count < _BATCH or (self.scheme.deterministic and not isinstance(ads, bytes)):
            return self._open_each(bodies, ad_seq)

        def single(i: int) -> bytes | None:
            return self._open_each([bodies[i]], [ads if isinstance(ads, bytes) else ads[i]])[0]

        if self.scheme.deterministic:
            aad = (ads if isinstance(ads, bytes) else b"",)
            return _by_length(
                bodies,
                lambda rows, _, __: _pieces(*self._siv().decrypt_rows(rows, aad)),
                single,
                17,
            )

        def bulk(rows: npt.NDArray[np.uint8], _: list[int], ad_rows: Any) -> list[Any]:
            plain, ok = self._gcm().open(
                np.ascontiguousarray(rows[:, :NONCE_SIZE]),
                rows[:, NONCE_SIZE:],
                ads if isinstance(ads, bytes) else ad_rows,
            )
            return _pieces(plain, ok)

        per_row = None if isinstance(ads, bytes) else ads
        return _by_length(bodies, bulk, single, NONCE_SIZE + TAG_SIZE + 1, per_row)

    def _open_each(self, bodies: Sequence[bytes], ad_seq: Any) -> list[bytes | None]:
        out: list[bytes | None] = []
        for body, ad in zip(bodies, ad_seq, strict=False):
            try:
                if self.scheme.deterministic:
                    out.append(self.one.decrypt(body, (ad,)))
                else:
                    out.append(self.one.decrypt(body[:NONCE_SIZE], body[NONCE_SIZE:], ad))
            except (DecryptionError, InvalidArgument):
                out.append(None)
        return out


def _sealer(keyring: Keyring, scheme: Scheme, key_id: str, context: str) -> _Sealer:
    sub = keyring.derive(
        scheme.purpose, context, key_id=key_id, length=scheme.key_length, access=SECRET_ACCESS
    )
    return _Sealer(scheme, sub.material)


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
    if not _all_str(chosen):
        for r, rid in zip(rows, chosen, strict=True):
            if _is_null(rid):
                raise InvalidArgument(f"record ID is missing for row {r}")
        chosen = [str(rid) for rid in chosen]
    if not encodable("".join(chosen)):  # one C-level pass; the loop only names the row
        for r, rid in zip(rows, chosen, strict=True):
            if not encodable(rid):
                raise InvalidArgument(
                    f"record ID of row {r} is not valid Unicode (a lone surrogate)"
                )
    return record_associated_data(scheme, key_id, table, field, chosen)


# --------------------------------------------------------------------------- encryption


def _encrypt(
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
    data = _Rows(values)
    items = data.items
    records = _side_column("record_ids", record_ids, len(items))
    subjects = _side_column("subject", subject, len(items))

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


def encrypt(
    values: Any,
    keyring: Keyring,
    *,
    table: str = "",
    field: str = "",
    record_ids: Any = None,
    key_id: str | None = None,
    subject: Any = None,
    output: Output = "text",
) -> Any:
    """Encrypt a value or column with randomized AEAD (AES-256-GCM or SM4-GCM by key suite).

    The same plaintext encrypts differently every time. ``table``/``field`` (and
    ``record_ids``, one per row, when given) are bound as associated data and must be given
    again to decrypt. The primary key encrypts unless ``key_id`` names another primary or a
    ``subject`` (one string, or one per row) selects per-subject keys for crypto-shredding.
    ``output="bytes"`` gives the bytes form instead of ``mg1.`` text.
    """
    return _encrypt(
        values,
        keyring,
        deterministic=False,
        table=table,
        field=field,
        record_ids=record_ids,
        key_id=key_id,
        subject=subject,
        output=output,
    )


def _encrypt_with_nonce_source(
    values: Any,
    keyring: Keyring,
    *,
    nonce_source: Callable[[int], bytes],
    table: str = "",
    field: str = "",
    record_ids: Any = None,
    key_id: str | None = None,
    output: Output = "text",
) -> Any:
    """DANGER -- tests only: :func:`encrypt` with the GCM nonces taken from ``nonce_source``.

    ``nonce_source(n)`` must return ``n`` bytes (12 per value, in row order). A repeated nonce
    under one key breaks GCM completely (it reveals the XOR of plaintexts and lets anyone
    forge). This seam exists only so that known-answer tests can pin the ``mg1.`` format
    (``tests/vectors/medguard_ciphertexts.json``), the way pyca/cryptography pins Fernet with
    ``_encrypt_from_parts``. Never call it on real data.
    """
    return _encrypt(
        values,
        keyring,
        deterministic=False,
        table=table,
        field=field,
        record_ids=record_ids,
        key_id=key_id,
        subject=None,
        output=output,
        nonce_source=nonce_source,
    )


def encrypt_deterministically(
    values: Any,
    keyring: Keyring,
    *,
    table: str = "",
    field: str = "",
    key_id: str | None = None,
    subject: Any = None,
    output: Output = "text",
) -> Any:
    """Encrypt so that equal values give equal ciphertexts (AES-SIV or SM4-SIV).

    Warning: this leaks which values are equal (under the same key, table and field);
    nothing else. Use it for join and search keys only: encrypt the value you look up the
    same way and compare ciphertexts. No record ID can be bound (it would defeat equality);
    after a key rotation, tokens change: :func:`rewrap` the stored column before joining.
    """
    return _encrypt(
        values,
        keyring,
        deterministic=True,
        table=table,
        field=field,
        record_ids=None,
        key_id=key_id,
        subject=subject,
        output=output,
    )


# --------------------------------------------------------------------------- decryption

_GroupKey = tuple[Scheme, str, Output]


@dataclass
class _Opened:
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

    if len(rows) == len(items) and _all_str(items):
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
    data: _Rows, keyring: Keyring, table: str, field: str, records: list[Any] | None
) -> _Opened:
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
    return _Opened(plain, done, failures)


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


def _decrypt_all(
    values: Any, keyring: Keyring, table: str, field: str, record_ids: Any
) -> tuple[_Rows, _Opened]:
    data = _Rows(values)
    records = _side_column("record_ids", record_ids, len(data.items))
    with paused_gc():  # a key per subject allocates per row: no full collections meanwhile
        return data, _open(data, keyring, table, field, records)


def decrypt(
    values: Any,
    keyring: Keyring,
    *,
    table: str = "",
    field: str = "",
    record_ids: Any = None,
    errors: Literal["raise", "null"] = "raise",
) -> Any:
    """Decrypt a value or column made by :func:`encrypt` or :func:`encrypt_deterministically`.

    Give the same ``table``, ``field`` and ``record_ids`` as when encrypting. Any key of the
    keyring that is primary or active decrypts. A failure raises
    :class:`~medguard.errors.DecryptionError` (tampered, wrong key or context; opaque, with
    the row), :class:`~medguard.errors.KeyNotFound` or
    :class:`~medguard.errors.KeyStateError` (disabled or destroyed key) -- or, with
    ``errors="null"``, gives ``None`` for that row. :func:`try_decrypt` reports each failure.
    """
    if errors not in ("raise", "null"):
        raise InvalidArgument("errors must be 'raise' or 'null'")
    data, opened = _decrypt_all(values, keyring, table, field, record_ids)
    if errors == "raise" and opened.failures:
        raise opened.failures[min(opened.failures)]
    return data.result(values, opened.plain, plain=True)


def try_decrypt(
    values: Any,
    keyring: Keyring,
    *,
    table: str = "",
    field: str = "",
    record_ids: Any = None,
) -> DecryptReport:
    """Decrypt a column without stopping: ``None`` for failed rows, each failure reported."""
    data, opened = _decrypt_all(values, keyring, table, field, record_ids)
    failures = tuple(RowFailure(r, opened.failures[r]) for r in sorted(opened.failures))
    return DecryptReport(data.result(values, opened.plain, plain=True), failures)


# --------------------------------------------------------------------------- rotation


def rewrap(
    values: Any,
    keyring: Keyring,
    *,
    table: str = "",
    field: str = "",
    record_ids: Any = None,
    errors: Literal["raise", "keep"] = "raise",
) -> RewrapReport:
    """Move every ciphertext of a column onto the key that encrypts now.

    Values under an older keyring key move to the primary; values under an older key of a
    subject (after :meth:`~medguard.keys.Keyring.rotate_subjects`) move to that subject's
    newest key. Idempotent and resumable: values already under their current key are left
    as they are, so running it again after an interruption finishes the job. Each value keeps
    its mode (randomized or deterministic) and form (text or bytes). Rows under a destroyed
    key (an erased subject) are left unchanged and reported in ``failures``, never raised;
    with ``errors="keep"`` every other row that does not decrypt is treated the same way.
    """
    if errors not in ("raise", "keep"):
        raise InvalidArgument("errors must be 'raise' or 'keep'")
    data, opened = _decrypt_all(values, keyring, table, field, record_ids)
    raising = [r for r, e in opened.failures.items() if not isinstance(e, KeyDestroyed)]
    if errors == "raise" and raising:
        raise opened.failures[min(raising)]
    records = _side_column("record_ids", record_ids, len(data.items))
    out = list(data.items)
    moves: dict[tuple[bool, Output, str], list[int]] = {}
    unchanged = 0
    targets = keyring.current_keys_for(kid for (_, kid, _) in opened.groups)  # one store read
    for (scheme, kid, form), rows in opened.groups.items():
        target = targets[kid]
        if kid == target:
            unchanged += len(rows)
            continue
        moves.setdefault((scheme.deterministic, form, target), []).extend(rows)
    moved = 0
    for (deterministic, form, target), rows in moves.items():
        fresh = _encrypt(
            [opened.plain[r] for r in rows],
            keyring,
            deterministic=deterministic,
            table=table,
            field=field,
            record_ids=None if records is None else [records[r] for r in rows],
            key_id=target,
            subject=None,
            output=form,
        )
        for r, c in zip(rows, fresh, strict=True):
            out[r] = c
        moved += len(rows)
    failures = tuple(RowFailure(r, opened.failures[r]) for r in sorted(opened.failures))
    any_bytes = any(form == "bytes" for _, _, form in opened.groups)
    return RewrapReport(data.result(values, out, plain=any_bytes), moved, unchanged, failures)


# --------------------------------------------------------------------------- inspection


def inspect_ciphertext(value: str | bytes) -> CiphertextInfo:
    """Read a ciphertext's header (version, scheme, key ID) without any key.

    Raises :class:`~medguard.errors.InvalidArgument` when ``value`` is not a medguard
    ciphertext. Nothing is authenticated here: use it for inventories (which keys does this
    column still use?), not for decisions about trust.
    """
    parsed: tuple[Scheme, str] | None
    form: Output
    if isinstance(value, str):
        parsed = parse_text_header(value.rpartition(".")[0])
        form = "text"
    else:
        full = parse_bytes(bytes(value)) if isinstance(value, (bytes, bytearray)) else None
        parsed = None if full is None else full[:2]
        form = "bytes"
    if parsed is None:
        raise InvalidArgument("not a medguard ciphertext")
    scheme, kid = parsed
    return CiphertextInfo("mg1", scheme.code, scheme.suite, scheme.deterministic, kid, form)


# --------------------------------------------------------------------------- operation objects


@dataclass(frozen=True)
class _FieldEncryption:
    """Shared shape of the two encryption operations as values (policies, pipelines)."""

    table: str = ""
    field: str = ""
    key_id: str | None = None
    output: Output = "text"

    name: ClassVar[str]
    deterministic: ClassVar[bool]
    leaks: ClassVar[str]

    def __post_init__(self) -> None:
        if not isinstance(self.table, str) or not isinstance(self.field, str):
            raise InvalidArgument("table and field must be strings")
        if self.output not in ("text", "bytes"):
            raise InvalidArgument("output must be 'text' or 'bytes'")
        if self.key_id is not None:
            check_key_id(self.key_id)

    def reverse(
        self,
        values: Any,
        keyring: Keyring,
        *,
        record_ids: Any = None,
        errors: Literal["raise", "null"] = "raise",
    ) -> Any:
        """Decrypt what :meth:`apply` produced (same table and field)."""
        return decrypt(
            values,
            keyring,
            table=self.table,
            field=self.field,
            record_ids=record_ids,
            errors=errors,
        )

    def to_config(self) -> dict[str, Any]:
        """A plain dict (for TOML/YAML policies) that :meth:`from_config` reads back."""
        config: dict[str, Any] = {"op": self.name, "table": self.table, "field": self.field}
        if self.key_id is not None:
            config["key_id"] = self.key_id
        if self.output != "text":
            config["output"] = self.output
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """Build the operation from :meth:`to_config` output; unknown keys are a PolicyError."""
        data = dict(config)
        op = data.pop("op", cls.name)
        if op != cls.name:
            raise PolicyError(f"expected op {cls.name!r}, got {op!r}")
        unknown = sorted(set(data) - {"table", "field", "key_id", "output"})
        if unknown:
            raise PolicyError(f"{cls.name}: unknown option(s) {', '.join(unknown)}")
        try:
            return cls(**data)
        except (InvalidArgument, TypeError) as exc:
            raise PolicyError(f"{cls.name}: {exc}") from None


@dataclass(frozen=True)
class Encrypt(_FieldEncryption):
    """Randomized field encryption as an operation value: ``Encrypt("patients", "mobile")``.

    What this leaks: the value's length and which key encrypted it.
    """

    name: ClassVar[str] = "encrypt"
    deterministic: ClassVar[bool] = False
    leaks: ClassVar[str] = "the length of each value and which key encrypted it"

    def apply(
        self, values: Any, keyring: Keyring, *, record_ids: Any = None, subject: Any = None
    ) -> Any:
        """:func:`encrypt` with this operation's table, field, key and output form."""
        return encrypt(
            values,
            keyring,
            table=self.table,
            field=self.field,
            record_ids=record_ids,
            key_id=self.key_id,
            subject=subject,
            output=self.output,
        )


@dataclass(frozen=True)
class EncryptDeterministically(_FieldEncryption):
    """Deterministic field encryption as an operation value (join and search keys only).

    Warning -- what this leaks: which values are equal (same key, table and field), and lengths.
    """

    name: ClassVar[str] = "encrypt_deterministically"
    deterministic: ClassVar[bool] = True
    leaks: ClassVar[str] = (
        "which values are equal within the field (same key), and the length of each value"
    )

    def apply(
        self, values: Any, keyring: Keyring, *, record_ids: Any = None, subject: Any = None
    ) -> Any:
        """:func:`encrypt_deterministically` with this operation's settings.

        ``record_ids`` must be ``None``: a per-row binding would defeat equality.
        """
        if record_ids is not None:
            raise InvalidArgument("deterministic encryption cannot bind record IDs")
        return encrypt_deterministically(
            values,
            keyring,
            table=self.table,
            field=self.field,
            key_id=self.key_id,
            subject=subject,
            output=self.output,
        )
