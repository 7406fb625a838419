"""The record line layout and the keyed hashes every part of the audit package agrees on.

A record is one canonical JSON object (RFC 8785) on one line::

    {"_hash":"<64 hex>","_mac":"<64 hex>","_mac_key":"k1a2b3c4","_prev":"<64 hex>","_seq":7,
     "action":"privacy.spend","actor":"alice@his-01","dataset":"visits",...,"time":"..."}

Field names of the record's own fields are lowercase (``[a-z][a-z0-9_]*``), so the chain
fields, which start with ``_``, sort first. The *body* is the same object without ``_hash``
and ``_mac``: ``{"_mac_key":...}``, whose canonical bytes are ``b"{" + line[150:]``. Then

- ``_hash = H(body)`` (SHA-256, or SM3 for an SM-suite trail), where the body holds ``_prev``,
  the previous record's ``_hash`` (64 zeros for the first record): the hash chain;
- ``_mac = HMAC-H(K, _hash)`` with ``K`` derived from the keyring key ``_mac_key`` for the
  purpose ``audit-hmac``: nobody without that key makes a record that verifies.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from medguard.audit.merkle import HashName, hasher

__all__ = ["GENESIS", "PREFIX", "Mac", "parse_fast"]

GENESIS = "0" * 64
#: ``{"_hash":"`` + 64 hex + ``","_mac":"`` + 64 hex + ``",``
PREFIX = 150
_HASH_AT, _MAC_AT = 10, 84
_HEAD = b'{"_hash":"'
_MID = b'","_mac":"'
_KEY = b'{"_mac_key":"'
_PREV = b'","_prev":"'
_SEQ = b'","_seq":'


class Mac:
    """HMAC with SHA-256 or SM3 under one key, with the padded key states computed once."""

    __slots__ = ("_inner", "_outer", "digest")

    def __init__(self, key: bytes, hash: HashName) -> None:
        if hash == "sha256":
            new: Callable[[], hashlib._Hash] = hashlib.sha256
        else:
            try:
                hashlib.new("sm3")
            except ValueError:  # pragma: no cover - OpenSSL without SM3
                from medguard.hazmat.mac import hmac_digest

                self.digest: Callable[[bytes], bytes] = lambda data: hmac_digest(
                    key, data, hash="sm3"
                )
                return

            def new() -> hashlib._Hash:
                return hashlib.new("sm3")

        block = key.ljust(64, b"\x00")
        self._inner, self._outer = new(), new()
        self._inner.update(bytes(b ^ 0x36 for b in block))
        self._outer.update(bytes(b ^ 0x5C for b in block))
        inner, outer = self._inner, self._outer

        def digest(data: bytes) -> bytes:
            i = inner.copy()
            i.update(data)
            o = outer.copy()
            o.update(i.digest())
            return o.digest()

        self.digest = digest

    def check(self, data: bytes, tag: bytes) -> bool:
        """True when ``tag`` is the MAC of ``data`` (constant-time comparison)."""
        return hmac.compare_digest(self.digest(data), tag)


def chain_hasher(hash: HashName) -> Callable[[bytes], bytes]:
    """The record hash function of a trail."""
    return hasher(hash)


def hash_factory(hash: HashName) -> Callable[[bytes], Any]:
    """``new(data)`` returning a hash object (call ``.digest()``): the fastest form."""
    if hash == "sha256":
        return hashlib.sha256
    try:
        hashlib.new("sm3")
    except ValueError:  # pragma: no cover - OpenSSL without SM3
        from medguard.hazmat.mac import digest

        class _Sm3:
            def __init__(self, data: bytes) -> None:
                self._d = digest(data, hash="sm3")

            def digest(self) -> bytes:
                return self._d

        return _Sm3
    return functools.partial(hashlib.new, "sm3")


def parse_fast(line: bytes) -> tuple[bytes, str, str, str, str, int] | None:
    """``(body, hash hex, mac hex, key ID, prev hex, seq)`` by slicing, or ``None``.

    ``None`` when the line does not have the layout (the slow path then says why).
    """
    if (
        len(line) < PREFIX + 40
        or line[:_HASH_AT] != _HEAD
        or line[_HASH_AT + 64 : _MAC_AT] != _MID
        or line[_MAC_AT + 64 : PREFIX] != b'",'
    ):
        return None
    body = b"{" + line[PREFIX:]
    if body[:13] != _KEY:
        return None
    end = body.find(b'"', 13)
    if end < 0 or body[end : end + 11] != _PREV:
        return None
    at = end + 75
    if body[at : at + 9] != _SEQ:
        return None
    comma = body.find(b",", at + 9)
    digits = body[at + 9 : comma]
    if comma < 0 or not digits.isdigit() or (len(digits) > 1 and digits[0] == 48):
        return None
    try:
        return (
            body,
            line[_HASH_AT : _HASH_AT + 64].decode("ascii"),
            line[_MAC_AT : _MAC_AT + 64].decode("ascii"),
            body[13:end].decode("ascii"),
            body[end + 11 : at].decode("ascii"),
            int(digits),
        )
    except UnicodeDecodeError:
        return None
