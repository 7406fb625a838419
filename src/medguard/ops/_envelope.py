"""The ciphertext envelope: schemes, the text and bytes forms, and the associated data.

Text form (fits a database ``VARCHAR``)::

    mg1.<scheme>.<key_id>.<base64url(body), no padding>

Bytes form::

    b"MG" 0x01 <scheme byte> <key_id length byte> <key_id ASCII> <body>

``body`` is ``nonce(12) || ciphertext || tag(16)`` for the GCM schemes and
``V(16) || ciphertext`` for the SIV schemes. The version, scheme and key ID are also part of
the associated data, so a header cannot be edited without the ciphertext failing.
"""

from __future__ import annotations

from dataclasses import dataclass

from medguard.hazmat.kdf import encode_info
from medguard.keys.model import KEY_ID_PATTERN, Suite

__all__ = [
    "BYTES_MAGIC",
    "SCHEMES",
    "TEXT_VERSION",
    "Scheme",
    "associated_data",
    "bytes_prefix",
    "parse_bytes",
    "parse_text_header",
    "record_associated_data",
    "scheme_for",
    "text_prefix",
]

TEXT_VERSION = "mg1"
BYTES_MAGIC = b"MG\x01"


@dataclass(frozen=True)
class Scheme:
    """One encryption scheme: its text code, bytes code, suite and whether it is deterministic."""

    code: str
    byte: int
    suite: Suite
    deterministic: bool

    @property
    def purpose(self) -> str:
        """The HKDF purpose of its subkeys (randomized and deterministic keys never coincide)."""
        return "daead" if self.deterministic else "aead"

    @property
    def key_length(self) -> int:
        """Subkey length in bytes."""
        if self.deterministic:
            return 64 if self.suite is Suite.AES else 32
        return 32 if self.suite is Suite.AES else 16


SCHEMES: dict[str, Scheme] = {
    s.code: s
    for s in (
        Scheme("aesgcm", 1, Suite.AES, False),
        Scheme("sm4gcm", 2, Suite.SM, False),
        Scheme("aessiv", 3, Suite.AES, True),
        Scheme("sm4siv", 4, Suite.SM, True),
    )
}
_BY_BYTE = {s.byte: s for s in SCHEMES.values()}


def scheme_for(suite: Suite, *, deterministic: bool) -> Scheme:
    """The scheme a key of ``suite`` uses in the given mode."""
    for scheme in SCHEMES.values():
        if scheme.suite is suite and scheme.deterministic is deterministic:
            return scheme
    raise AssertionError(suite)  # pragma: no cover - every suite has both modes


def text_prefix(scheme: Scheme, key_id: str) -> str:
    """``mg1.<scheme>.<key_id>.``"""
    return f"{TEXT_VERSION}.{scheme.code}.{key_id}."


def bytes_prefix(scheme: Scheme, key_id: str) -> bytes:
    """The bytes-form header before the body."""
    kid = key_id.encode("ascii")
    return BYTES_MAGIC + bytes((scheme.byte, len(kid))) + kid


def parse_text_header(head: str) -> tuple[Scheme, str] | None:
    """Parse ``mg1.<scheme>.<key_id>`` (without the final dot); ``None`` if malformed."""
    parts = head.split(".")
    if len(parts) != 3 or parts[0] != TEXT_VERSION:
        return None
    scheme = SCHEMES.get(parts[1])
    if scheme is None or not KEY_ID_PATTERN.fullmatch(parts[2]):
        return None
    return scheme, parts[2]


def parse_bytes(data: bytes) -> tuple[Scheme, str, bytes] | None:
    """Split a bytes-form ciphertext into scheme, key ID and body; ``None`` if malformed."""
    if len(data) < 5 or data[:3] != BYTES_MAGIC:
        return None
    scheme = _BY_BYTE.get(data[3])
    end = 5 + data[4]
    if scheme is None or len(data) < end:
        return None
    try:
        key_id = data[5:end].decode("ascii")
    except UnicodeDecodeError:
        return None
    if not KEY_ID_PATTERN.fullmatch(key_id):
        return None
    return scheme, key_id, data[end:]


def associated_data(
    scheme: Scheme, key_id: str, table: str, field: str, record: str | None = None
) -> bytes:
    """Associated data binding a ciphertext to its header and its place (table, field, record)."""
    parts: tuple[str, ...] = (TEXT_VERSION, scheme.code, key_id, table, field)
    parts += ("record", record) if record is not None else ("no-record",)
    return encode_info(*parts)


def record_associated_data(
    scheme: Scheme, key_id: str, table: str, field: str, records: list[str]
) -> list[bytes]:
    """``associated_data(..., record)`` for many records (the shared prefix encoded once)."""
    head = encode_info(TEXT_VERSION, scheme.code, key_id, table, field, "record")
    out = []
    for record in records:
        data = record.encode("utf-8")
        out.append(head + len(data).to_bytes(4, "big") + data)
    return out
