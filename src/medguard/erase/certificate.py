"""Signed destruction certificates: a :class:`DestructionRecord` with an Ed25519 signature.

:func:`certify` signs the record's canonical JSON with the keyring's Ed25519 signing key
(:mod:`medguard.audit.signing`: derived from the keyring, so nothing new is stored);
:func:`verify_certificate` checks a certificate against the public key the verifier trusts
(never the one the certificate carries) and returns the record. The certificate is plain JSON,
so a regulator, a data subject's lawyer or another hospital can keep and check it without
medguard: the signed bytes are ``b"medguard destruction certificate v1\\n"`` followed by the
canonical JSON (RFC 8785) of the ``record`` member.

>>> from medguard.keys import Keyring
>>> from medguard.erase import Assurance, DestructionRecord
>>> from medguard.audit.signing import public_key
>>> ring = Keyring.generate()
>>> record = DestructionRecord(what="file", scope=("path:/tmp/x",), method="overwrite",
...                            assurance=Assurance.CLEAR, actor="dpo")
>>> cert = certify(record, ring)
>>> verify_certificate(cert.to_json(), public_key(ring)) == record
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from medguard.audit.signing import PublicKey, Signature, sign, verify_signature
from medguard.erase.record import DestructionRecord
from medguard.errors import InvalidArgument, InvalidCertificate
from medguard.keys import Keyring

__all__ = ["CERTIFICATE_FORMAT", "DestructionCertificate", "certify", "verify_certificate"]

#: The ``format`` member of a certificate and the domain separator of its signed bytes.
CERTIFICATE_FORMAT = "medguard destruction certificate v1"


def _signed_bytes(record: DestructionRecord) -> bytes:
    return CERTIFICATE_FORMAT.encode("ascii") + b"\n" + record.canonical_json()


@dataclass(frozen=True)
class DestructionCertificate:
    """A destruction record and its Ed25519 signature (key ID, public key, signature).

    :meth:`to_json` gives the portable form; :meth:`from_json` reads it back (without
    verifying: use :func:`verify_certificate`).
    """

    record: DestructionRecord
    signature: Signature

    @property
    def key_id(self) -> str:
        """The keyring key whose signing key signed the certificate."""
        return self.signature.key_id

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``format``, ``record``, ``algorithm`` and ``signature``."""
        return {
            "format": CERTIFICATE_FORMAT,
            "record": self.record.to_dict(),
            "algorithm": "Ed25519",
            "signature": self.signature.to_dict(),
        }

    def to_json(self) -> str:
        """The certificate as indented JSON text (UTF-8 safe, ends with a newline)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> DestructionCertificate:
        """Read :meth:`to_dict`'s form; raise :class:`InvalidCertificate` if malformed."""
        if not isinstance(data, dict) or data.get("format") != CERTIFICATE_FORMAT:
            raise InvalidCertificate(f"not a {CERTIFICATE_FORMAT!r} document")
        if data.get("algorithm") != "Ed25519":
            raise InvalidCertificate("unsupported certificate signature algorithm")
        try:
            record = DestructionRecord.from_dict(data["record"])
            signature = Signature.from_dict(data["signature"])
        except (KeyError, InvalidArgument) as exc:
            raise InvalidCertificate(f"malformed certificate: {exc}") from None
        if record.to_dict() != data["record"]:
            # members the record does not know, or values it normalized, would not be signed
            raise InvalidCertificate("the certificate's record has unknown or altered members")
        return cls(record, signature)

    @classmethod
    def from_json(cls, text: str | bytes) -> DestructionCertificate:
        """Parse the text of :meth:`to_json`."""
        try:
            data = json.loads(text)
        except (ValueError, TypeError):
            raise InvalidCertificate("a certificate is JSON text") from None
        return cls.from_dict(data)


def certify(
    record: DestructionRecord, keyring: Keyring, *, key_id: str | None = None
) -> DestructionCertificate:
    """Sign ``record`` with the Ed25519 key of ``keyring`` (its primary unless ``key_id``)."""
    if not isinstance(record, DestructionRecord):
        raise InvalidArgument("certify() takes a DestructionRecord")
    return DestructionCertificate(record, sign(keyring, _signed_bytes(record), key_id=key_id))


def verify_certificate(
    certificate: DestructionCertificate | str | bytes | dict[str, Any],
    public_key: PublicKey | bytes | str,
) -> DestructionRecord:
    """Check ``certificate`` against the trusted ``public_key``; return its record.

    ``certificate`` is a :class:`DestructionCertificate`, its JSON text or its dict form;
    ``public_key`` a :class:`~medguard.audit.signing.PublicKey`, 32 raw bytes, base64 or PEM.
    Raises :class:`~medguard.errors.InvalidCertificate` when the signature does not verify
    under that key (an edited record, another key, a malformed document).
    """
    if isinstance(certificate, str | bytes):
        certificate = DestructionCertificate.from_json(certificate)
    elif isinstance(certificate, dict):
        certificate = DestructionCertificate.from_dict(certificate)
    elif not isinstance(certificate, DestructionCertificate):
        raise InvalidCertificate("not a destruction certificate")
    # recompute the canonical bytes from the parsed record: any edit of the record shows
    if not verify_signature(
        _signed_bytes(certificate.record), certificate.signature, public_key=public_key
    ):
        raise InvalidCertificate(
            f"the signature of certificate {certificate.record.record_id} does not verify "
            "under the given public key"
        )
    return certificate.record
