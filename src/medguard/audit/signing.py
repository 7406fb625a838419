"""Ed25519 signatures with keys derived from a keyring, verifiable without the keyring.

A keyring key ``K`` yields one Ed25519 signing key per ``context``: the 32-byte seed is
``keyring.derive("ed25519-signing", context, key_id=K)`` (HKDF, as every medguard subkey), so
the same keyring always signs with the same key and nothing new has to be stored or backed up.
Rotating the keyring gives a new signing key; the old one keeps verifying as long as the old
keyring key is not destroyed.

A second party verifies with the public key alone: export it with :func:`public_key`
(:meth:`PublicKey.pem` or :meth:`PublicKey.raw_base64`) and load it with
:func:`load_public_key`. :func:`verify_signature` never trusts the public key a signature
carries: the caller names the key it expects.

>>> from medguard.keys import SECRET_ACCESS, Keyring
>>> ring = Keyring.generate()
>>> sig = sign(ring, b"certificate body")
>>> verify_signature(b"certificate body", sig, public_key=public_key(ring))
True
>>> verify_signature(b"another body", sig, public_key=public_key(ring))
False
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from medguard.errors import InvalidArgument
from medguard.keys import SECRET_ACCESS, Keyring

__all__ = [
    "SIGNING_PURPOSE",
    "PublicKey",
    "Signature",
    "derive_key",
    "load_public_key",
    "public_key",
    "sign",
    "signing_key",
    "verify_signature",
]

#: The keyring ``derive`` purpose of Ed25519 signing seeds.
SIGNING_PURPOSE = "ed25519-signing"


def derive_key(
    keyring: Keyring, purpose: str, context: str = "", *, key_id: str | None = None
) -> tuple[str, bytes]:
    """``(key_id, 32 bytes)`` derived from ``keyring`` for ``purpose`` and ``context``.

    DANGER: returns key material (it passes the keyring's secret-access token).
    """
    derived = keyring.derive(purpose, context, key_id=key_id, access=SECRET_ACCESS)
    return derived.key_id, derived.material


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key (32 raw bytes) and the keyring key ID it comes from."""

    raw: bytes
    key_id: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != 32:
            raise InvalidArgument("an Ed25519 public key is 32 bytes")

    def raw_base64(self) -> str:
        """The 32 raw bytes in base64 (what signed notes and certificates carry)."""
        return base64.b64encode(self.raw).decode("ascii")

    def pem(self) -> str:
        """The key as a PEM ``PUBLIC KEY`` block (SubjectPublicKeyInfo)."""
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


@dataclass(frozen=True)
class Signature:
    """An Ed25519 signature with the keyring key ID and public key that made it."""

    key_id: str
    public_key: bytes
    signature: bytes

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready form: the key ID and base64 public key and signature."""
        return {
            "key_id": self.key_id,
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Signature:
        """Read :meth:`to_dict`'s form; :class:`InvalidArgument` when it is malformed."""
        try:
            return cls(
                key_id=str(data["key_id"]),
                public_key=base64.b64decode(data["public_key"], validate=True),
                signature=base64.b64decode(data["signature"], validate=True),
            )
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise InvalidArgument("a signature needs key_id, public_key and signature") from None


def signing_key(
    keyring: Keyring, *, context: str = "", key_id: str | None = None
) -> tuple[str, Ed25519PrivateKey]:
    """``(key_id, Ed25519 private key)`` of ``keyring`` (its primary key unless ``key_id``).

    DANGER: the private key signs for the keyring; keep it inside the process.
    """
    kid, seed = derive_key(keyring, SIGNING_PURPOSE, context, key_id=key_id)
    return kid, Ed25519PrivateKey.from_private_bytes(seed)


def public_key(keyring: Keyring, *, context: str = "", key_id: str | None = None) -> PublicKey:
    """The public key matching :func:`sign` with the same ``keyring``, ``context`` and key."""
    kid, key = signing_key(keyring, context=context, key_id=key_id)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PublicKey(raw, kid)


def sign(
    keyring: Keyring, data: bytes, *, context: str = "", key_id: str | None = None
) -> Signature:
    """Sign ``data`` with the Ed25519 key of ``keyring`` (its primary key unless ``key_id``)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidArgument("sign() takes bytes")
    kid, key = signing_key(keyring, context=context, key_id=key_id)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return Signature(kid, raw, key.sign(bytes(data)))


def load_public_key(value: PublicKey | bytes | str) -> PublicKey:
    """A :class:`PublicKey` from raw bytes, base64 text or a PEM block."""
    if isinstance(value, PublicKey):
        return value
    if isinstance(value, bytes):
        return PublicKey(value)
    if not isinstance(value, str):
        raise InvalidArgument("a public key is a PublicKey, 32 bytes, base64 text or PEM")
    text = value.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, TypeError):
            raise InvalidArgument("not a PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidArgument("the PEM public key is not an Ed25519 key")
        return PublicKey(
            key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidArgument("a public key in text is base64 or PEM") from None
    return PublicKey(raw)


def verify_signature(
    data: bytes, signature: Signature, *, public_key: PublicKey | bytes | str
) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``data`` by ``public_key``.

    The public key is the one the caller trusts (pinned), never the one the signature carries:
    a signature made by any other key is ``False``.
    """
    expected = load_public_key(public_key)
    if signature.public_key != expected.raw:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(expected.raw).verify(signature.signature, bytes(data))
    except InvalidSignature:
        return False
    return True
