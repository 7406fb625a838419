"""The :class:`Keyring`: named keys with stable IDs, suites and statuses, and HKDF subkeys.

A keyring holds master keys (32 random bytes each). Nothing above ``medguard.keys`` sees a
master key: operations ask for a :class:`DerivedKey` with :meth:`Keyring.derive`, which runs
HKDF (SHA-256 for the AES suite, SM3 for the SM suite) over the purpose, the context (e.g.
``"patients.resident_id"``), the key ID and the suite. Different purposes or contexts give
independent subkeys, so one master never encrypts and tokenizes with the same bytes.

Keyrings live in memory (:meth:`Keyring.generate`, for tests and short jobs) or in a file
protected by a :class:`~medguard.keys.providers.KeyProvider` (:meth:`Keyring.create`,
:meth:`Keyring.open`); a file-backed keyring saves itself atomically after every change.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from medguard.errors import InvalidArgument, KeyNotFound, KeyringError, KeyStateError
from medguard.hazmat.kdf import encode_info, hkdf
from medguard.keys.model import DerivedKey, KeyInfo, KeyStatus, Suite, check_key_id
from medguard.keys.providers import KeyProvider, read_keyring_file, write_keyring_file

__all__ = ["MASTER_KEY_SIZE", "SECRET_ACCESS", "Keyring", "SecretAccess"]

MASTER_KEY_SIZE = 32
_HKDF_SALT = b"medguard/keyring/v1"
_PAYLOAD_VERSION = 1


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class SecretAccess:
    """A token proving the caller means to handle raw key material (import the one instance).

    ``keyring.export_key(key_id, SECRET_ACCESS)`` reads like what it does, shows up in code
    review and is easy to search for.
    """

    _instance: SecretAccess | None = None

    def __new__(cls) -> SecretAccess:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SECRET_ACCESS"


#: The token :meth:`Keyring.export_key` asks for.
SECRET_ACCESS = SecretAccess()


@dataclass(frozen=True)
class _Key:
    info: KeyInfo
    material: bytes | None = None

    def __repr__(self) -> str:
        return f"_Key({self.info!r})"


class Keyring:
    """A set of keys with stable IDs, one primary key, and HKDF-derived subkeys.

    Create one with :meth:`generate` (in memory), :meth:`create` / :meth:`open` (a protected
    file). Key material never appears in ``repr``, exceptions or :meth:`list`; a keyring
    cannot be pickled.
    """

    def __init__(self) -> None:
        """Make an empty in-memory keyring (add keys with :meth:`add_key` or :meth:`rotate`)."""
        self._keys: dict[str, _Key] = {}
        self._subjects: dict[str, str] = {}
        # Derived subkeys by (key ID, purpose, context, length): HKDF costs ~10 µs, and scalar
        # calls in a loop would pay it per value. Dropped when a key is destroyed.
        self._derived: dict[tuple[str, str, str, int], bytes] = {}
        self._path: Path | None = None
        self._provider: KeyProvider | None = None

    # ----------------------------------------------------------------- construction

    @classmethod
    def generate(cls, suite: str | Suite = Suite.AES, *, key_id: str | None = None) -> Keyring:
        """A new in-memory keyring with one fresh primary key of ``suite``."""
        ring = cls()
        ring.add_key(suite, key_id=key_id, primary=True)
        return ring

    @classmethod
    def in_memory(cls, suite: str | Suite = Suite.AES, *, key_id: str | None = None) -> Keyring:
        """Same as :meth:`generate`: an in-memory keyring with one primary key."""
        return cls.generate(suite, key_id=key_id)

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        provider: KeyProvider,
        *,
        suite: str | Suite = Suite.AES,
        key_id: str | None = None,
    ) -> Keyring:
        """Create a new keyring file at ``path`` (mode 0600) with one primary key.

        Refuses to overwrite an existing file.
        """
        target = Path(path)
        if target.exists():
            raise KeyringError(f"keyring file {target} already exists")
        ring = cls()
        ring._path, ring._provider = target, provider
        ring.add_key(suite, key_id=key_id, primary=True)
        return ring

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        provider: KeyProvider,
        *,
        allow_insecure: bool = False,
    ) -> Keyring:
        """Open a keyring file written by :meth:`create`.

        Raises :class:`~medguard.errors.InsecureKeyring` when the file is readable or
        writable by group or others (unless ``allow_insecure``), and
        :class:`~medguard.errors.DecryptionError` for a wrong passphrase/key or a tampered file.
        """
        target = Path(path)
        payload = read_keyring_file(target, provider, allow_insecure=allow_insecure)
        ring = cls._from_payload(payload)
        ring._path, ring._provider = target, provider
        return ring

    # ----------------------------------------------------------------- inspection

    def __repr__(self) -> str:
        primary = next(
            (k for k, v in self._keys.items() if v.info.status is KeyStatus.PRIMARY), None
        )
        where = str(self._path) if self._path else "memory"
        return f"Keyring(keys={len(self._keys)}, primary={primary!r}, storage={where!r})"

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Keyring holds key material and cannot be pickled")

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __iter__(self) -> Iterator[KeyInfo]:
        return iter(self.list())

    @property
    def path(self) -> Path | None:
        """The keyring file, or ``None`` for an in-memory keyring."""
        return self._path

    def list(self, *, include_subject_keys: bool = True) -> list[KeyInfo]:
        """Metadata of every key (oldest first); never any material."""
        return [k.info for k in self._keys.values() if include_subject_keys or not k.info.subject]

    def get(self, key_id: str) -> KeyInfo:
        """Metadata of one key; raises :class:`~medguard.errors.KeyNotFound`."""
        return self._key(key_id).info

    @property
    def primary(self) -> KeyInfo:
        """The primary key; raises :class:`~medguard.errors.KeyStateError` when there is none."""
        for key in self._keys.values():
            if key.info.status is KeyStatus.PRIMARY:
                return key.info
        raise KeyStateError("the keyring has no primary key")

    def _key(self, key_id: str) -> _Key:
        key = self._keys.get(key_id)
        if key is None:
            raise KeyNotFound(key_id)
        return key

    # ----------------------------------------------------------------- life cycle

    def _new_id(self, prefix: str) -> str:
        while True:
            key_id = prefix + secrets.token_hex(4)
            if key_id not in self._keys:
                return key_id

    def add_key(
        self,
        suite: str | Suite | None = None,
        *,
        key_id: str | None = None,
        primary: bool = False,
    ) -> KeyInfo:
        """Add a fresh random key (status ``active``, or ``primary`` when asked).

        ``suite`` defaults to the primary key's suite (AES for an empty keyring).
        """
        chosen = Suite.parse(suite) if suite is not None else self._default_suite()
        if key_id is None:
            key_id = self._new_id("k")
        elif check_key_id(key_id) in self._keys:
            raise KeyringError(f"key ID {key_id!r} is already in the keyring")
        info = KeyInfo(key_id, chosen, KeyStatus.ACTIVE, _now(), version=self._next_version())
        self._keys[key_id] = _Key(info, secrets.token_bytes(MASTER_KEY_SIZE))
        if primary:
            self._set_primary(key_id)
        self._save()
        return self._keys[key_id].info

    def import_key(
        self,
        material: bytes,
        suite: str | Suite,
        *,
        key_id: str | None = None,
        primary: bool = False,
    ) -> KeyInfo:
        """Add existing key material (32 bytes), e.g. when migrating from another system."""
        if not isinstance(material, bytes) or len(material) != MASTER_KEY_SIZE:
            raise InvalidArgument(f"imported key material must be {MASTER_KEY_SIZE} bytes")
        chosen = Suite.parse(suite)
        if key_id is None:
            key_id = self._new_id("k")
        elif check_key_id(key_id) in self._keys:
            raise KeyringError(f"key ID {key_id!r} is already in the keyring")
        info = KeyInfo(key_id, chosen, KeyStatus.ACTIVE, _now(), version=self._next_version())
        self._keys[key_id] = _Key(info, material)
        if primary:
            self._set_primary(key_id)
        self._save()
        return self._keys[key_id].info

    def export_key(self, key_id: str, access: SecretAccess) -> bytes:
        """The raw master key of ``key_id`` -- DANGER: key material leaves the keyring.

        Needs the :data:`SECRET_ACCESS` token. Destroyed keys have nothing to export.
        """
        if access is not SECRET_ACCESS:
            raise InvalidArgument("export_key needs medguard.keys.SECRET_ACCESS")
        key = self._key(key_id)
        if key.material is None:
            raise KeyStateError(f"key {key_id!r} is destroyed")
        return key.material

    def _next_version(self) -> int:
        return 1 + max((k.info.version for k in self._keys.values()), default=0)

    def _default_suite(self) -> Suite:
        try:
            return self.primary.suite
        except KeyStateError:
            return Suite.AES

    def rotate(self, suite: str | Suite | None = None) -> KeyInfo:
        """Add a new primary key; the old primary stays ``active`` (decrypt only).

        Values encrypted before keep decrypting; new values use the new key; move old values
        over with :func:`medguard.ops.rewrap`.
        """
        return self.add_key(suite, primary=True)

    def _set_primary(self, key_id: str) -> None:
        key = self._key(key_id)
        if key.info.subject is not None:
            raise KeyStateError(f"key {key_id!r} is a per-subject key and cannot be primary")
        if key.info.status in (KeyStatus.DISABLED, KeyStatus.DESTROYED):
            raise KeyStateError(f"key {key_id!r} is {key.info.status.value}")
        for other_id, other in self._keys.items():
            if other.info.status is KeyStatus.PRIMARY:
                self._keys[other_id] = replace(
                    other, info=replace(other.info, status=KeyStatus.ACTIVE)
                )
        self._keys[key_id] = replace(key, info=replace(key.info, status=KeyStatus.PRIMARY))

    def set_primary(self, key_id: str) -> KeyInfo:
        """Make an active key the primary (the previous primary becomes active)."""
        self._set_primary(key_id)
        self._save()
        return self.get(key_id)

    def disable(self, key_id: str) -> KeyInfo:
        """Disable a key: it neither encrypts nor decrypts until :meth:`enable`.

        The primary key cannot be disabled (rotate first).
        """
        key = self._key(key_id)
        if key.info.status is KeyStatus.PRIMARY:
            raise KeyStateError(f"key {key_id!r} is the primary key; rotate before disabling it")
        if key.info.status is KeyStatus.DESTROYED:
            raise KeyStateError(f"key {key_id!r} is destroyed")
        self._keys[key_id] = replace(key, info=replace(key.info, status=KeyStatus.DISABLED))
        self._save()
        return self.get(key_id)

    def enable(self, key_id: str) -> KeyInfo:
        """Re-enable a disabled key (it becomes ``active``: decrypt only)."""
        key = self._key(key_id)
        if key.info.status is KeyStatus.DESTROYED:
            raise KeyStateError(f"key {key_id!r} is destroyed and cannot be enabled")
        if key.info.status is KeyStatus.DISABLED:
            self._keys[key_id] = replace(key, info=replace(key.info, status=KeyStatus.ACTIVE))
            self._save()
        return self.get(key_id)

    def destroy(self, key_id: str) -> KeyInfo:
        """Destroy a key's material for good (crypto-shredding); its ID stays as a tombstone.

        Every value encrypted under the key becomes unreadable; nothing else changes. The
        primary key cannot be destroyed (rotate first). Python cannot wipe memory: the
        material is dropped and, for a file keyring, the file is rewritten without it (see
        the threat model for copies and backups).
        """
        key = self._key(key_id)
        if key.info.status is KeyStatus.PRIMARY:
            raise KeyStateError(f"key {key_id!r} is the primary key; rotate before destroying it")
        if key.info.status is not KeyStatus.DESTROYED:
            info = replace(key.info, status=KeyStatus.DESTROYED, destroyed=_now())
            self._keys[key_id] = _Key(info, None)
            self._derived = {k: v for k, v in self._derived.items() if k[0] != key_id}
            self._save()
        return self.get(key_id)

    # ----------------------------------------------------------------- per-subject keys

    def subject_key(self, subject: str, *, create: bool = True) -> KeyInfo:
        """The key of one subject (a patient, a dataset), created on first use.

        Values encrypted with ``subject=...`` use this key; :meth:`destroy_subject` later
        makes exactly that subject's values unreadable. The suite is the primary's.
        """
        if not isinstance(subject, str) or not subject:
            raise InvalidArgument("a subject is a non-empty string")
        key_id = self._subjects.get(subject)
        if key_id is not None:
            return self._keys[key_id].info
        if not create:
            raise KeyNotFound(f"subject:{len(subject)} chars")
        key_id = self._new_id("s")
        info = KeyInfo(key_id, self._default_suite(), KeyStatus.ACTIVE, _now(), subject=subject)
        self._keys[key_id] = _Key(info, secrets.token_bytes(MASTER_KEY_SIZE))
        self._subjects[subject] = key_id
        self._save()
        return info

    def destroy_subject(self, subject: str) -> KeyInfo:
        """Destroy the key of ``subject`` (crypto-shredding exactly that subject's values)."""
        key_id = self._subjects.get(subject)
        if key_id is None:
            raise KeyNotFound(f"subject:{len(subject)} chars")
        return self.destroy(key_id)

    # ----------------------------------------------------------------- use

    def encryption_key(self, key_id: str | None = None, *, subject: str | None = None) -> KeyInfo:
        """The key that may encrypt now: the primary, a named key, or a subject's key.

        A named key must be the primary or a per-subject key in use; an ``active`` (old) key
        only decrypts, and disabled or destroyed keys do neither.
        """
        if subject is not None:
            if key_id is not None:
                raise InvalidArgument("give key_id or subject, not both")
            info = self.subject_key(subject)
        elif key_id is None:
            info = self.primary
        else:
            info = self.get(key_id)
        if info.status is KeyStatus.PRIMARY:
            return info
        if info.status is KeyStatus.ACTIVE and info.subject is not None:
            return info
        if info.status is KeyStatus.ACTIVE:
            raise KeyStateError(f"key {info.key_id!r} is active for decryption only")
        raise KeyStateError(f"key {info.key_id!r} is {info.status.value}")

    def derive(
        self,
        purpose: str,
        context: str = "",
        *,
        key_id: str | None = None,
        length: int = 32,
    ) -> DerivedKey:
        """Derive a ``length``-byte subkey for ``purpose`` (e.g. ``"aead"``, ``"ff1"``).

        ``context`` separates fields (``"patients.resident_id"``). ``key_id`` picks a key
        (default: the primary). A disabled or destroyed key raises
        :class:`~medguard.errors.KeyStateError`; an unknown one
        :class:`~medguard.errors.KeyNotFound`.
        """
        if not isinstance(purpose, str) or not purpose:
            raise InvalidArgument("derive() needs a non-empty purpose")
        if not isinstance(context, str):
            raise InvalidArgument("derive() context must be a string")
        info = self.primary if key_id is None else self.get(key_id)
        if info.status in (KeyStatus.DISABLED, KeyStatus.DESTROYED):
            raise KeyStateError(f"key {info.key_id!r} is {info.status.value}")
        cache_key = (info.key_id, purpose, context, length)
        cached = self._derived.get(cache_key)
        if cached is not None:
            return DerivedKey(info.key_id, info.suite, purpose, context, cached)
        material = self._keys[info.key_id].material
        if material is None:  # pragma: no cover - destroyed keys are caught above
            raise KeyStateError(f"key {info.key_id!r} has no material")
        okm = hkdf(
            material,
            info=encode_info("medguard", purpose, context, info.key_id, info.suite.value),
            length=length,
            salt=_HKDF_SALT,
            hash="sha256" if info.suite is Suite.AES else "sm3",
        )
        if len(self._derived) >= 4096:
            self._derived.clear()
        self._derived[cache_key] = okm
        return DerivedKey(info.key_id, info.suite, purpose, context, okm)

    # ----------------------------------------------------------------- persistence

    def save(self) -> None:
        """Write a file-backed keyring now (changes are saved automatically)."""
        self._save()

    def _save(self) -> None:
        if self._path is None or self._provider is None:
            return
        write_keyring_file(self._path, self._provider, self._to_payload())

    def _to_payload(self) -> bytes:
        keys: list[dict[str, Any]] = []
        for key in self._keys.values():
            info = key.info
            keys.append(
                {
                    "id": info.key_id,
                    "suite": info.suite.value,
                    "status": info.status.value,
                    "created": info.created,
                    "subject": info.subject,
                    "destroyed": info.destroyed,
                    "version": info.version,
                    "material": None
                    if key.material is None
                    else base64.b64encode(key.material).decode("ascii"),
                }
            )
        return json.dumps({"version": _PAYLOAD_VERSION, "keys": keys}).encode("utf-8")

    @classmethod
    def _from_payload(cls, payload: bytes) -> Keyring:
        try:
            data = json.loads(payload)
            if data.get("version") != _PAYLOAD_VERSION:
                raise KeyringError(f"unsupported keyring payload version {data.get('version')!r}")
            ring = cls()
            for item in data["keys"]:
                info = KeyInfo(
                    key_id=check_key_id(item["id"]),
                    suite=Suite(item["suite"]),
                    status=KeyStatus(item["status"]),
                    created=str(item["created"]),
                    subject=item.get("subject"),
                    destroyed=item.get("destroyed"),
                    version=int(item.get("version", 0)),
                )
                raw = item.get("material")
                material = None if raw is None else base64.b64decode(raw, validate=True)
                if (material is None) != (info.status is KeyStatus.DESTROYED):
                    raise KeyringError(f"key {info.key_id!r}: material and status disagree")
                ring._keys[info.key_id] = _Key(info, material)
                if info.subject is not None:
                    ring._subjects[info.subject] = info.key_id
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyringError(f"keyring payload is malformed ({type(exc).__name__})") from None
        return ring
