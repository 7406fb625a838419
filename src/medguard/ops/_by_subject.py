"""Encryption of a column under per-subject keys (``encrypt(..., subject=...)``), in bulk.

Each row is encrypted under its subject's key, so destroying one subject's key
(crypto-shredding) makes exactly that subject's values unreadable. The subject keys of a
whole column come from the keyring in one call (:meth:`Keyring.subject_encryption_keys`:
one store read, and one transaction creating every missing key); then each row costs one
AEAD call under its own subkey. The output is byte for byte what the one-key path of
:mod:`medguard.ops.encryption` makes (``mg1.<scheme>.<key_id>.<body>``).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medguard._column import encodable, is_null
from medguard.errors import DecryptionError, InvalidArgument, KeyringError, MedguardError
from medguard.hazmat.aead import NONCE_SIZE, Sm4Gcm
from medguard.hazmat.kdf import encode_info
from medguard.hazmat.siv import AesSiv, Sm4Siv
from medguard.keys import SECRET_ACCESS, Keyring, Suite
from medguard.ops._base64 import b64encode_rows
from medguard.ops._envelope import SCHEMES as SCHEMES_BY_CODE
from medguard.ops._envelope import (
    TEXT_VERSION,
    Scheme,
    bytes_prefix,
    record_associated_data,
    scheme_for,
)
from medguard.ops._plaintext import decode_value, encode_values

__all__ = ["open_by_subject", "paused_gc", "seal_by_subject"]

#: Above this many keys in one column, decryption goes row by row (no per-key set-up).
MANY_KEYS = 32
_LENGTHS = [n.to_bytes(4, "big") for n in range(256)]
_HEADS = {code: encode_info(TEXT_VERSION, code) for code in SCHEMES_BY_CODE}


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one batch call.

    A column with a key per subject allocates a few container objects per row (groups,
    rows, cache entries) and no reference cycles; with the collector on, the growing heap
    triggers full collections that cost up to 40% of a 100,000-row decryption. The collector
    is switched back on when the call ends (normally or not), and only if it was on when the
    call began: a caller who disabled it keeps it off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _subjects_of(subjects: Sequence[Any], rows: Sequence[int]) -> list[str]:
    out = []
    for r in rows:
        s = subjects[r]
        if type(s) is not str:
            if is_null(s):
                raise InvalidArgument(f"subject is missing for row {r}")
            s = str(s)
        if not s:
            raise InvalidArgument(f"subject is empty for row {r}")
        if not encodable(s):
            raise InvalidArgument(f"subject of row {r} is not valid Unicode (a lone surrogate)")
        out.append(s)
    return out


def _maker(scheme: Scheme) -> Any:
    """The AEAD class of ``scheme`` (called with a subkey)."""
    if scheme.deterministic:
        return AesSiv if scheme.suite is Suite.AES else Sm4Siv
    return AESGCM if scheme.suite is Suite.AES else Sm4Gcm


def _one(scheme: Scheme, subkey: bytes) -> Any:
    return _maker(scheme)(subkey)


def seal_by_subject(
    items: Sequence[Any],
    rows: Sequence[int],
    subjects: Sequence[Any],
    keyring: Keyring,
    *,
    deterministic: bool,
    table: str,
    field: str,
    records: Sequence[Any] | None,
    output: str,
) -> list[Any]:
    """Ciphertexts of ``items[r]`` for ``r`` in ``rows`` (``None`` elsewhere), each under the
    key of ``subjects[r]``; missing subject keys are created."""
    if not len(rows):
        return [None] * len(items)
    with paused_gc():  # many small objects per row, no cycles: no full collections
        names = _subjects_of(subjects, rows)
        schemes = {s: scheme_for(s, deterministic=deterministic) for s in Suite}
        context = f"{len(table)}:{table}.{field}"
        purpose = schemes[Suite.AES].purpose
        key_ids, suites, subkeys = keyring.subject_encryption_keys(
            names,
            purpose,
            context,
            lengths={s: schemes[s].key_length for s in Suite},
            access=SECRET_ACCESS,
        )
        # (list.count compares by identity first; a set would call Enum.__hash__ per row)
        if suites.count(suites[0]) != len(suites):  # two suites (the primary's changed)
            mixed: list[Any] = [None] * len(items)
            for suite in (s for s in Suite if s in suites):
                pick = [i for i, s in enumerate(suites) if s is suite]
                chosen = [rows[i] for i in pick]
                part = _seal(
                    items,
                    chosen,
                    [key_ids[i] for i in pick],
                    [subkeys[i] for i in pick],
                    schemes[suite],
                    table,
                    field,
                    records,
                    output,
                )
                for r in chosen:
                    mixed[r] = part[r]
            return mixed
        return _seal(
            items, rows, key_ids, subkeys, schemes[suites[0]], table, field, records, output
        )


def _seal(
    items: Sequence[Any],
    rows: Sequence[int],
    key_ids: list[str],
    subkeys: list[bytes],
    scheme: Scheme,
    table: str,
    field: str,
    records: Sequence[Any] | None,
    output: str,
) -> list[Any]:
    out: list[Any] = [None] * len(items)
    deterministic = scheme.deterministic
    plaintexts = encode_values([items[r] for r in rows], rows)
    # associated_data(scheme, key_id, table, field[, record]), assembled around the key ID
    head = encode_info(TEXT_VERSION, scheme.code)
    if records is None:
        tail = encode_info(table, field, "no-record")
        ads = [head + _LENGTHS[len(k)] + k.encode("ascii") + tail for k in key_ids]
    else:
        middle = encode_info(table, field, "record")
        ads = []
        for r, k in zip(rows, key_ids, strict=True):
            rid = records[r]
            if is_null(rid):
                raise InvalidArgument(f"record ID is missing for row {r}")
            try:
                data = str(rid).encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidArgument(
                    f"record ID of row {r} is not valid Unicode (a lone surrogate)"
                ) from None
            ads.append(
                head + len(k).to_bytes(4, "big") + k.encode("ascii") + middle
                + len(data).to_bytes(4, "big") + data
            )  # fmt: skip
    # one AEAD object per distinct key (a column of new subjects: one per row, no dict)
    make = _maker(scheme)
    if len(set(key_ids)) == len(key_ids):
        ciphers = list(map(make, subkeys))
    else:
        by_key = {k: make(sub) for k, sub in zip(key_ids, subkeys, strict=True)}
        ciphers = [by_key[k] for k in key_ids]
    seal = make.encrypt  # the unbound method: map() calls it without a Python frame per row
    if deterministic:
        bodies = list(map(seal, ciphers, plaintexts, [(ad,) for ad in ads]))
        pool, head_size = b"", 0
    else:
        pool = os.urandom(NONCE_SIZE * len(plaintexts))
        head_size = NONCE_SIZE
        nonces = [pool[i : i + NONCE_SIZE] for i in range(0, len(pool), NONCE_SIZE)]
        bodies = list(map(seal, ciphers, nonces, plaintexts, ads))
    if output == "text":
        encoded = b64encode_rows(bodies, "", heads=pool, head_size=head_size)
        start = f"{TEXT_VERSION}.{scheme.code}."
        if len(rows) == len(items):  # no nulls: the rows are 0, 1, 2, ...
            return [f"{start}{k}.{e}" for k, e in zip(key_ids, encoded, strict=True)]
        for r, k, e in zip(rows, key_ids, encoded, strict=True):
            out[r] = f"{start}{k}.{e}"
    else:
        for i, (r, k, body) in enumerate(zip(rows, key_ids, bodies, strict=True)):
            nonce = pool[i * head_size : (i + 1) * head_size]
            out[r] = bytes_prefix(scheme, k) + nonce + body
    return out


G = TypeVar("G", bound=tuple[Scheme, str, str])  # (scheme, key ID, form)


def open_by_subject(
    parsed: dict[G, tuple[list[int], list[bytes]]],
    keyring: Keyring,
    table: str,
    field: str,
    records: Sequence[Any] | None,
    plain: list[Any],
    failures: dict[int, MedguardError],
) -> list[tuple[G, list[int]]]:
    """Decrypt the groups of ``parsed`` whose key is a subject key, row by row, into
    ``plain`` and ``failures``; returns each handled group with its rows that decrypted
    (a list: the group keys are not hashed again)."""
    context = f"{len(table)}:{table}.{field}"
    handled: list[tuple[G, list[int]]] = []
    items = list(parsed.items())  # hashing the (scheme, key ID, form) keys again costs
    for deterministic in (False, True):
        groups = [gv for gv in items if gv[0][0].deterministic is deterministic]
        if not groups:
            continue
        schemes = {s: scheme_for(s, deterministic=deterministic) for s in Suite}
        subkeys = keyring.subject_subkeys(
            {g[1] for g, _ in groups},
            schemes[Suite.AES].purpose,
            context,
            lengths={s: schemes[s].key_length for s in Suite},
            access=SECRET_ACCESS,
        )
        tail = encode_info(table, field, "no-record")
        for group, (rows, bodies) in groups:
            scheme, kid, _ = group
            found = subkeys.get(kid)
            if found is None:
                continue  # not a subject key: the one-key path handles it
            ok: list[int] = []
            handled.append((group, ok))
            if isinstance(found, KeyringError):
                for r in rows:
                    failures[r] = found
                continue
            suite, sub = found
            if suite is not scheme.suite:
                for r in rows:
                    failures[r] = DecryptionError(row=r)
                continue
            one = _one(scheme, sub)
            if records is None:  # associated_data(scheme, kid, table, field), assembled
                shared = _HEADS[scheme.code] + _LENGTHS[len(kid)] + kid.encode("ascii") + tail
            for r, body in zip(rows, bodies, strict=True):
                if records is None:
                    ad = shared
                else:
                    rid = records[r]
                    if is_null(rid):
                        raise InvalidArgument(f"record ID is missing for row {r}")
                    if not encodable(str(rid)):
                        raise InvalidArgument(
                            f"record ID of row {r} is not valid Unicode (a lone surrogate)"
                        )
                    ad = record_associated_data(scheme, kid, table, field, [str(rid)])[0]
                try:
                    if deterministic:
                        data = one.decrypt(body, (ad,))
                    else:
                        data = one.decrypt(body[:NONCE_SIZE], body[NONCE_SIZE:], ad)
                    plain[r] = decode_value(data)
                except Exception:  # InvalidTag, DecryptionError, a malformed body: all opaque
                    failures[r] = DecryptionError(row=r)
                    continue
                ok.append(r)
    return handled
