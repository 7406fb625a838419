"""Checkpoints: signed Merkle tree heads in the C2SP tlog-checkpoint / signed-note text format.

A checkpoint's body is three lines (and optional extension lines), each ending in a newline::

    medguard-audit/3f2a9c4e1b7d8a60
    1024
    0tq3XUR1Zk3Nn9PEpQ8mbS6x7+0cP0b0A0Zr2pY5u1M=

the origin (the trail's name), the tree size (how many records) and the base64 Merkle tree head
(RFC 9162 hashing). Signatures follow a blank line, one per line, as the C2SP signed-note
format writes them: an em dash, the signer's name, and base64 of a 4-byte key hash and an
Ed25519 signature over the body::

    — medguard-audit/3f2a9c4e1b7d8a60 Az3grl6cz9s+...

The key hash is the first four bytes of SHA-256(name || 0x0A || 0x01 || public key), the
signed-note key ID of an Ed25519 key. The trail signs with the name of its origin; a co-signer
(another hospital of the alliance) adds a line under its own name after checking that the new
checkpoint extends the last one it signed (:func:`cosign`).

Differences from the C2SP specifications, on purpose: a co-signature is a plain signed-note
Ed25519 signature over the checkpoint body (the older witness style), not the timestamped
``cosignature/v1`` message; the tree head of an SM-suite trail is computed with SM3 (the body
says nothing about the hash: a verifier learns it from the trail).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field, replace

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from medguard.audit.merkle import HashName, verify_consistency
from medguard.audit.signing import PublicKey, load_public_key, signing_key
from medguard.errors import AuditError, InvalidArgument
from medguard.keys import Keyring

__all__ = ["Checkpoint", "NoteSignature", "cosign", "key_hash"]

_DASH = "\u2014"


def key_hash(name: str, public_key: PublicKey | bytes | str) -> bytes:
    """The 4-byte signed-note key hash of an Ed25519 key named ``name``."""
    raw = load_public_key(public_key).raw
    return hashlib.sha256(name.encode("utf-8") + b"\n\x01" + raw).digest()[:4]


def _check_name(name: str) -> str:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise InvalidArgument("a signer name is non-empty, without spaces or '+'")
    return name


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a signed note: signer name, 4-byte key hash, signature."""

    name: str
    key_hash: bytes
    signature: bytes

    def line(self) -> str:
        """The line as the note writes it (without the newline)."""
        blob = base64.b64encode(self.key_hash + self.signature).decode("ascii")
        return f"{_DASH} {self.name} {blob}"


@dataclass(frozen=True)
class Checkpoint:
    """A Merkle tree head of a trail: origin, size, root, extension lines and signatures."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()
    signatures: tuple[NoteSignature, ...] = field(default=())

    def body(self) -> bytes:
        """The signed text: origin, size, base64 root and extension lines, newline-ended."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii")]
        return ("\n".join([*lines, *self.extensions]) + "\n").encode("utf-8")

    def text(self) -> str:
        """The whole signed note: the body, a blank line, one line per signature."""
        sigs = "".join(s.line() + "\n" for s in self.signatures)
        return self.body().decode("utf-8") + "\n" + sigs

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a signed checkpoint note; :class:`AuditError` when it is malformed."""
        if not isinstance(text, str) or "\n\n" not in text:
            raise AuditError("a checkpoint note has a body, a blank line and signatures")
        body, _, sig_text = text.partition("\n\n")
        lines = body.split("\n")
        if len(lines) < 3 or not lines[0] or not lines[1].isdigit():
            raise AuditError("a checkpoint body is an origin, a tree size and a root hash")
        if lines[1] != str(int(lines[1])):
            raise AuditError("a checkpoint tree size has no leading zeros")
        try:
            root = base64.b64decode(lines[2], validate=True)
        except (ValueError, binascii.Error):
            raise AuditError("a checkpoint root hash is base64") from None
        if len(root) != 32:
            raise AuditError("a checkpoint root hash is 32 bytes")
        signatures: list[NoteSignature] = []
        if not sig_text.endswith("\n"):
            raise AuditError("a checkpoint note ends with a newline")
        for line in sig_text[:-1].split("\n"):
            parts = line.split(" ")
            if len(parts) != 3 or parts[0] != _DASH:
                raise AuditError("a signature line is '— <name> <base64>'")
            try:
                blob = base64.b64decode(parts[2], validate=True)
            except (ValueError, binascii.Error):
                raise AuditError("a signature line ends in base64") from None
            if len(blob) < 5:
                raise AuditError("a signature line holds a key hash and a signature")
            signatures.append(NoteSignature(parts[1], blob[:4], blob[4:]))
        if not signatures:
            raise AuditError("a checkpoint note carries at least one signature")
        return cls(lines[0], int(lines[1]), root, tuple(lines[3:]), tuple(signatures))

    def same_head(self, other: Checkpoint) -> bool:
        """True when both checkpoints have the same body (whatever their signatures)."""
        return self.body() == other.body()

    def signed(self, keyring: Keyring, *, name: str | None = None) -> Checkpoint:
        """This checkpoint with a signature by ``keyring``'s primary key under ``name``.

        ``name`` defaults to the origin (how a trail signs its own checkpoints).
        """
        signer = _check_name(name or self.origin)
        _, key = signing_key(keyring)
        raw = key.public_key().public_bytes_raw()
        sig = NoteSignature(signer, key_hash(signer, raw), key.sign(self.body()))
        others = tuple(s for s in self.signatures if s.name != signer or s.key_hash != sig.key_hash)
        return replace(self, signatures=(*others, sig))

    def verify(self, name: str, public_key: PublicKey | bytes | str) -> bool:
        """True when a signature line by ``name`` with ``public_key`` verifies over the body."""
        raw = load_public_key(public_key).raw
        wanted = key_hash(name, raw)
        body = self.body()
        key = Ed25519PublicKey.from_public_bytes(raw)
        for sig in self.signatures:
            if sig.name == name and sig.key_hash == wanted:
                try:
                    key.verify(sig.signature, body)
                except InvalidSignature:
                    continue
                return True
        return False

    def merge(self, other: Checkpoint) -> Checkpoint:
        """This checkpoint with the signature lines of ``other`` (the same head) added."""
        if not self.same_head(other):
            raise AuditError("cannot merge the signatures of two different checkpoints")
        extra = tuple(s for s in other.signatures if s not in self.signatures)
        return replace(self, signatures=(*self.signatures, *extra))


def cosign(
    checkpoint: Checkpoint,
    keyring: Keyring,
    *,
    name: str,
    trail_public_key: PublicKey | bytes | str,
    previous: Checkpoint | None = None,
    proof: list[bytes] | None = None,
    hash: HashName = "sha256",
) -> Checkpoint:
    """Co-sign ``checkpoint`` as ``name`` with ``keyring``, after checking it.

    Checks that the trail (whose public key the co-signer pinned) signed it, and that it
    extends ``previous`` (the last checkpoint this co-signer signed for the same origin) by the
    consistency ``proof``. Raises :class:`AuditError` and signs nothing when a check fails: a
    co-signer never signs a fork or a rewritten history.
    """
    if not checkpoint.verify(checkpoint.origin, trail_public_key):
        raise AuditError("the checkpoint is not signed by the trail's key: not co-signed")
    if previous is not None:
        if previous.origin != checkpoint.origin:
            raise AuditError("the previous checkpoint belongs to another trail: not co-signed")
        if checkpoint.size < previous.size:
            raise AuditError(
                f"the checkpoint (size {checkpoint.size}) is older than the last one co-signed "
                f"(size {previous.size}): not co-signed"
            )
        if not verify_consistency(
            previous.size, checkpoint.size, previous.root, checkpoint.root, proof or [], hash
        ):
            raise AuditError(
                f"the checkpoint of size {checkpoint.size} does not extend the one of size "
                f"{previous.size} co-signed before (a fork or a rewritten history): not co-signed"
            )
    return checkpoint.signed(keyring, name=name)
