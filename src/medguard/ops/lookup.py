"""Look-ups by deterministic token that keep working during a key rotation.

After ``keyring.rotate()`` new values are encrypted deterministically under the new primary
key, while stored values stay under the old key until :func:`~medguard.ops.encryption.rewrap`
has moved them. A query that encrypts the searched value under the primary alone misses the
old rows in between. :func:`tokens_for` gives the value's token under *every* key that can
still decrypt (the primary and each active keyring key), so the query matches either::

    tokens = tokens_for("110101199003071234", ring, table="patients", field="resident_id")
    rows = db.execute(f"SELECT ... WHERE resident_id IN ({', '.join('?' * len(tokens))})",
                      tokens)

What this leaks: as :func:`~medguard.ops.encryption.encrypt_deterministically`, equality of
values under one key; the list also shows how many keys are in use.
"""

from __future__ import annotations

import base64
from typing import Any, Literal

from medguard._column import is_null
from medguard.errors import InvalidArgument
from medguard.hazmat.siv import AesSiv, Sm4Siv
from medguard.keys import SECRET_ACCESS, Keyring, KeyStatus, Suite
from medguard.ops._envelope import associated_data, bytes_prefix, scheme_for, text_prefix
from medguard.ops._plaintext import encode_value

__all__ = ["tokens_for"]


def tokens_for(
    value: Any,
    keyring: Keyring,
    *,
    table: str = "",
    field: str = "",
    output: Literal["text", "bytes"] = "text",
) -> list[Any]:
    """The deterministic ciphertext of ``value`` under the primary and every active key.

    The first item is the primary's token (what :func:`encrypt_deterministically` gives
    now); the others are the tokens older rows may still hold until they are rewrapped.
    Disabled, pending and destroyed keys, and per-subject keys, are not included.
    """
    if output not in ("text", "bytes"):
        raise InvalidArgument("output must be 'text' or 'bytes'")
    if not isinstance(table, str) or not isinstance(field, str):
        raise InvalidArgument("table and field must be strings")
    if is_null(value):
        raise InvalidArgument("a null value has no token")
    context = f"{len(table)}:{table}.{field}"
    plaintext = encode_value(value)
    primary = keyring.primary
    keys = [primary] + [k for k in keyring.list() if k.status is KeyStatus.ACTIVE]
    out: list[Any] = []
    for info in keys:
        scheme = scheme_for(info.suite, deterministic=True)
        sub = keyring.derive(
            scheme.purpose,
            context,
            key_id=info.key_id,
            length=scheme.key_length,
            access=SECRET_ACCESS,
        )
        siv = AesSiv(sub.material) if info.suite is Suite.AES else Sm4Siv(sub.material)
        ad = associated_data(scheme, info.key_id, table, field)
        body = siv.encrypt(plaintext, (ad,))
        if output == "text":
            encoded = base64.urlsafe_b64encode(body).rstrip(b"=").decode("ascii")
            out.append(text_prefix(scheme, info.key_id) + encoded)
        else:
            out.append(bytes_prefix(scheme, info.key_id) + body)
    return out
