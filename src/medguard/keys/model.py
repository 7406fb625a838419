"""The public value types of a keyring: suites, statuses, key metadata and derived keys."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from medguard.errors import InvalidArgument, KeyringError

__all__ = ["KEY_ID_PATTERN", "DerivedKey", "KeyInfo", "KeyStatus", "Suite", "check_key_id"]

#: Key IDs travel inside ciphertexts (``mg1.<suite>.<key_id>.<data>``): no dots, short.
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,40}")


def check_key_id(key_id: str) -> str:
    """Return ``key_id`` if it is a valid key ID, else raise :class:`InvalidArgument`."""
    if not isinstance(key_id, str) or not KEY_ID_PATTERN.fullmatch(key_id):
        raise InvalidArgument("a key ID is 1-40 characters of A-Z, a-z, 0-9, '_' and '-'")
    return key_id


class Suite(enum.StrEnum):
    """A family of algorithms a key is used with.

    - ``aes``: AES-256-GCM (randomized), AES-SIV (deterministic), HMAC-SHA-256, HKDF-SHA-256,
      FF1-AES.
    - ``sm``: the Chinese national (商用密码) algorithms: SM4-GCM (randomized), SM4-SIV
      (deterministic, medguard's construction), SM3-HMAC, HKDF-SM3, FF1-SM4.
    """

    AES = "aes"
    SM = "sm"

    @property
    def block_cipher(self) -> str:
        """The block cipher of the suite: ``"aes"`` or ``"sm4"``."""
        return "aes" if self is Suite.AES else "sm4"

    @property
    def hash(self) -> str:
        """The hash of the suite: ``"sha256"`` or ``"sm3"``."""
        return "sha256" if self is Suite.AES else "sm3"

    @classmethod
    def parse(cls, value: str | Suite) -> Suite:
        """Accept a :class:`Suite` or its name (``"aes"``, ``"sm"``; ``"sm4"`` also means SM)."""
        if isinstance(value, Suite):
            return value
        text = str(value).strip().lower()
        if text in ("sm4", "sm3", "gm", "national"):
            text = "sm"
        try:
            return cls(text)
        except ValueError:
            raise InvalidArgument(f"unknown suite {value!r} (expected 'aes' or 'sm')") from None


class KeyStatus(enum.StrEnum):
    """What a key may be used for.

    ``primary`` encrypts and decrypts (one per keyring); ``active`` decrypts only (old keys
    after rotation; a subject's newest key also encrypts when chosen by subject); ``disabled``
    does nothing but can be re-enabled; ``pending_destruction`` does nothing and is destroyed
    after its grace period unless the destruction is cancelled; ``destroyed`` has no material
    any more (crypto-shredded).
    """

    PRIMARY = "primary"
    ACTIVE = "active"
    DISABLED = "disabled"
    PENDING_DESTRUCTION = "pending_destruction"
    DESTROYED = "destroyed"


@dataclass(frozen=True)
class KeyInfo:
    """Public metadata of one key: never any key material.

    ``version`` numbers the keyring's own keys 1, 2, 3, ... in creation order (rotation adds
    the next one); per-subject keys have version 0 and count their own rotations in
    ``generation`` (1 for a subject's first key).

    ``subject`` is the subject ID the caller asked about (``subject_key("p1")``), ``None``
    when the key was looked up by ID: the key store never holds subject IDs, only
    ``subject_token``, a keyed hash of the ID (:meth:`Keyring.subject_token`).
    ``destroy_after`` is when a ``pending_destruction`` key will be destroyed.
    """

    key_id: str
    suite: Suite
    status: KeyStatus
    created: str
    subject: str | None = None
    destroyed: str | None = None
    version: int = 0
    subject_token: str | None = None
    destroy_after: str | None = None
    generation: int = 0

    @property
    def is_subject_key(self) -> bool:
        """True for a per-subject (per-patient or per-dataset) key."""
        return self.subject is not None or self.subject_token is not None


@dataclass(frozen=True)
class DerivedKey:
    """A purpose-separated subkey derived with HKDF from one keyring key.

    ``material`` is the secret; it is excluded from ``repr`` and the object cannot be pickled.
    :meth:`Keyring.derive` hands one out only with the ``SECRET_ACCESS`` token.
    """

    key_id: str
    suite: Suite
    purpose: str
    context: str
    material: bytes = field(repr=False)

    def __reduce__(self) -> tuple[object, ...]:
        raise KeyringError("a DerivedKey holds key material and cannot be pickled")
