"""Encryption of a column under per-subject keys (``encrypt(..., subject=...)``), in bulk.

Each row is encrypted under its subject's key, so destroying one subject's key
(crypto-shredding) makes exactly that subject's values unreadable. The subject keys of a
whole column come from the keyring in one call (:meth:`Keyring.subject_encryption_keys`:
one store read, and one transaction creating every missing key); then each row costs one
AEAD call under its own subkey. The output is byte for byte what the one-key path of
:mod:`medguard.ops.encryption` makes (``mg1.<scheme>.<key_id>.<body>``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from medguard._column import encodable, is_null
from medguard.errors import DecryptionError, InvalidArgument, KeyringError, MedguardError
from medguard.hazmat.aead import NONCE_SIZE, Sm4Gcm
from medguard.hazmat.kdf import encode_info
from medguard.hazmat.siv import AesSiv, Sm4Siv
from medguard.keys import SECRET_ACCESS, Keyring, Suite
from medguard.ops._base64 import b64encode_rows
from medguard.ops._envelope import (
    TEXT_VERSION,
    Scheme,
    associated_data,
    bytes_prefix,
    record_associated_data,
    scheme_for,
)
from medguard.ops._plaintext import decode_value, encode_values

__all__ = ["open_by_subject", "seal_by_subject"]

#: Above this many keys in one column, decryption goes row by row (no per-key set-up).
MANY_KEYS = 32


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


def _one(scheme: Scheme, subkey: bytes) -> Any:
    if scheme.deterministic:
        return AesSiv(subkey) if scheme.suite is Suite.AES else Sm4Siv(subkey)
    return AESGCM(subkey) if scheme.suite is Suite.AES else Sm4Gcm(subkey)


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
    out: list[Any] = [None] * len(items)
    if not len(rows):
        return out
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
    if len(set(suites)) > 1:  # keys of two suites (the primary's suite changed): one at a time
        mixed: list[Any] = [None] * len(items)
        for suite in set(suites):
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
    return _seal(items, rows, key_ids, subkeys, schemes[suites[0]], table, field, records, output)


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
        ads = [head + len(k).to_bytes(4, "big") + k.encode("ascii") + tail for k in key_ids]
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
    ciphers: dict[bytes, Any] = {}
    if deterministic:
        bodies = []
        for sub, pt, ad in zip(subkeys, plaintexts, ads, strict=True):
            one = ciphers.get(sub)
            if one is None:
                one = ciphers[sub] = _one(scheme, sub)
            bodies.append(one.encrypt(pt, (ad,)))
        pool, head_size = b"", 0
    else:
        pool = os.urandom(NONCE_SIZE * len(plaintexts))
        head_size = NONCE_SIZE
        bodies = []
        at = 0
        for sub, pt, ad in zip(subkeys, plaintexts, ads, strict=True):
            one = ciphers.get(sub)
            if one is None:
                one = ciphers[sub] = _one(scheme, sub)
            bodies.append(one.encrypt(pool[at : at + NONCE_SIZE], pt, ad))
            at += NONCE_SIZE
    if output == "text":
        encoded = b64encode_rows(bodies, "", heads=pool, head_size=head_size)
        start = f"{TEXT_VERSION}.{scheme.code}."
        for r, k, e in zip(rows, key_ids, encoded, strict=True):
            out[r] = start + k + "." + e
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
) -> dict[G, list[int]]:
    """Decrypt the groups of ``parsed`` whose key is a subject key, row by row, into
    ``plain`` and ``failures``; returns each handled group's rows that decrypted."""
    context = f"{len(table)}:{table}.{field}"
    handled: dict[G, list[int]] = {}
    for deterministic in (False, True):
        groups = {g: v for g, v in parsed.items() if g[0].deterministic is deterministic}
        if not groups:
            continue
        schemes = {s: scheme_for(s, deterministic=deterministic) for s in Suite}
        subkeys = keyring.subject_subkeys(
            {g[1] for g in groups},
            schemes[Suite.AES].purpose,
            context,
            lengths={s: schemes[s].key_length for s in Suite},
            access=SECRET_ACCESS,
        )
        for group, (rows, bodies) in groups.items():
            scheme, kid, _ = group
            found = subkeys.get(kid)
            if found is None:
                continue  # not a subject key: the one-key path handles it
            handled[group] = ok = []
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
            if records is None:
                shared = associated_data(scheme, kid, table, field)
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
