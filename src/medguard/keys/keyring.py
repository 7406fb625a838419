"""The :class:`Keyring`: named keys with stable IDs, suites and statuses, and HKDF subkeys.

A keyring holds master keys (32 random bytes each). Nothing above ``medguard.keys`` sees a
master key: operations ask for a :class:`DerivedKey` with :meth:`Keyring.derive` (behind the
``SECRET_ACCESS`` token), which runs HKDF (SHA-256 for the AES suite, SM3 for the SM suite)
over the purpose, the context (e.g. ``"patients.resident_id"``), the key ID and the suite.
Different purposes or contexts give independent subkeys.

Two kinds of keys, two homes:

- the keyring's own keys (primary, older active keys, dataset keys) live in the keyring file,
  sealed by a :class:`~medguard.keys.providers.KeyProvider`. Every change is a locked
  read-modify-write: take ``<file>.lock``, re-read the file, apply the change, write it
  atomically, and only then update the handle. A handle never writes back stale state, and a
  failed write changes nothing and raises :class:`~medguard.errors.KeyringError`;
- per-subject keys (one per patient, for crypto-shredding) live in the subject-key store, a SQL
  database (SQLite ``<file>.subjects.db`` by default, or a PostgreSQL URL), each wrapped with
  AES-256-GCM (SM4-GCM for SM keyrings) under a key-encryption key from the keyring file and
  indexed by a keyed hash of the subject ID (:meth:`Keyring.subject_token`), never the ID.

In-memory keyrings (:meth:`Keyring.generate`) keep subject keys in a private in-memory SQLite
database; nothing is written anywhere.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

from medguard._store import Store
from medguard.errors import (
    InvalidArgument,
    KeyDestroyed,
    KeyNotFound,
    KeyringError,
    KeyStateError,
    MedguardError,
)
from medguard.hazmat.kdf import encode_info
from medguard.keys import _subjects as sk
from medguard.keys.model import DerivedKey, KeyInfo, KeyStatus, Suite, check_key_id
from medguard.keys.providers import KeyProvider, read_keyring_file, write_keyring_file
from medguard.typing import AuditSink

try:  # pragma: no cover - POSIX only
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per keyring file
    fcntl = None  # type: ignore[assignment]

__all__ = ["MASTER_KEY_SIZE", "SECRET_ACCESS", "Keyring", "SecretAccess"]

MASTER_KEY_SIZE = 32
_PAYLOAD_VERSION = 2
_SUBJECT_CACHE_SECONDS = 1.0  # how long a handle trusts what it read from the subject store
_CACHE_LIMIT = 200_000  # subject keys a handle keeps (about 100 MB at most)
_BULK = 10_000  # batches of subject keys larger than this are not cached
T = TypeVar("T")
_Entry = tuple[sk.SubjectRow, bytes | None]  # a subject key's row and material (None: unusable)


def _now() -> str:
    return _stamp(dt.datetime.now(dt.UTC))


def _stamp(when: dt.datetime) -> str:
    if when.tzinfo is None:
        raise InvalidArgument("times must be timezone-aware (e.g. datetime.now(UTC))")
    return when.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class SecretAccess:
    """A token proving the caller means to handle raw key material (import the one instance).

    ``keyring.export_key(key_id, SECRET_ACCESS)`` and ``keyring.derive(..., access=SECRET_ACCESS)``
    read like what they do, show up in code review and are easy to search for.
    """

    _instance: SecretAccess | None = None

    def __new__(cls) -> SecretAccess:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SECRET_ACCESS"

    def __reduce__(self) -> str:
        return "SECRET_ACCESS"


#: The token :meth:`Keyring.export_key` and :meth:`Keyring.derive` ask for.
SECRET_ACCESS = SecretAccess()


@dataclass(frozen=True)
class _Key:
    info: KeyInfo
    material: bytes | None = None

    def __repr__(self) -> str:
        return f"_Key({self.info!r})"


@dataclass
class _State:
    """What the keyring file holds (a copy is changed, written, then swapped in)."""

    keys: dict[str, _Key] = field(default_factory=dict)
    store_key: bytes | None = None
    store_suite: Suite = Suite.AES
    store_url: str | None = None
    legacy: list[dict[str, Any]] = field(default_factory=list)  # v1 inline subject keys

    def copy(self) -> _State:
        return replace(self, keys=dict(self.keys), legacy=list(self.legacy))

    def primary(self) -> KeyInfo:
        for key in self.keys.values():
            if key.info.status is KeyStatus.PRIMARY:
                return key.info
        raise KeyStateError("the keyring has no primary key")

    def default_suite(self) -> Suite:
        try:
            return self.primary().suite
        except KeyStateError:
            return Suite.AES

    def key(self, key_id: str) -> _Key:
        found = self.keys.get(key_id)
        if found is None:
            raise KeyNotFound(key_id)
        return found

    def new_id(self) -> str:
        while True:
            key_id = "k" + secrets.token_hex(4)
            if key_id not in self.keys:
                return key_id

    def add(
        self, suite: Suite, key_id: str | None, primary: bool, material: bytes | None = None
    ) -> KeyInfo:
        if key_id is None:
            key_id = self.new_id()
        elif check_key_id(key_id) in self.keys:
            raise KeyringError(f"key ID {key_id!r} is already in the keyring")
        version = 1 + max((k.info.version for k in self.keys.values()), default=0)
        info = KeyInfo(key_id, suite, KeyStatus.ACTIVE, _now(), version=version)
        self.keys[key_id] = _Key(info, material or secrets.token_bytes(MASTER_KEY_SIZE))
        if self.store_key is None:
            self.store_key, self.store_suite = secrets.token_bytes(MASTER_KEY_SIZE), suite
        if primary:
            self.set_primary(key_id)
        return self.keys[key_id].info

    def set_primary(self, key_id: str) -> None:
        key = self.key(key_id)
        if key.info.status is not KeyStatus.ACTIVE and key.info.status is not KeyStatus.PRIMARY:
            raise KeyStateError(f"key {key_id!r} is {key.info.status.value}")
        for other_id, other in self.keys.items():
            if other.info.status is KeyStatus.PRIMARY:
                self.keys[other_id] = replace(
                    other, info=replace(other.info, status=KeyStatus.ACTIVE)
                )
        self.keys[key_id] = replace(key, info=replace(key.info, status=KeyStatus.PRIMARY))

    def set_status(self, key_id: str, status: KeyStatus, **changes: Any) -> KeyInfo:
        key = self.key(key_id)
        info = replace(key.info, status=status, **changes)
        self.keys[key_id] = _Key(info, None if status is KeyStatus.DESTROYED else key.material)
        return info

    def to_payload(self) -> bytes:
        keys: list[dict[str, Any]] = []
        for key in self.keys.values():
            info = key.info
            keys.append(
                {
                    "id": info.key_id,
                    "suite": info.suite.value,
                    "status": info.status.value,
                    "created": info.created,
                    "destroyed": info.destroyed,
                    "destroy_after": info.destroy_after,
                    "version": info.version,
                    "material": None if key.material is None else _b64(key.material),
                }
            )
        store = None
        if self.store_key is not None:
            store = {
                "key": _b64(self.store_key),
                "suite": self.store_suite.value,
                "url": self.store_url,
            }
        document: dict[str, Any] = {"version": _PAYLOAD_VERSION, "keys": keys, "store": store}
        if self.legacy:
            document["subjects"] = self.legacy
        return json.dumps(document).encode("utf-8")

    @classmethod
    def from_payload(cls, payload: bytes) -> _State:
        try:
            data = json.loads(payload)
            if not isinstance(data, dict):
                raise KeyringError("keyring payload is not a JSON object")
            version = data.get("version")
            if version not in (1, _PAYLOAD_VERSION) or isinstance(version, bool):
                raise KeyringError("unsupported keyring payload version")
            state = cls()
            items = data["keys"]
            if not isinstance(items, list):
                raise KeyringError("keyring payload is malformed (keys)")
            for item in items:
                if not isinstance(item, dict):
                    raise KeyringError("keyring payload is malformed (a key)")
                raw = item.get("material")
                material = None if raw is None else _unb64(raw)
                if material is not None and len(material) != MASTER_KEY_SIZE:
                    raise KeyringError("keyring payload holds a key of the wrong size")
                if item.get("subject") is not None:  # version 1: inline subject keys
                    subject = item["subject"]
                    if not isinstance(subject, str) or not subject:
                        raise KeyringError("keyring payload is malformed (a subject)")
                    state.legacy.append(_legacy_item(item, material))
                    continue
                info = KeyInfo(
                    key_id=check_key_id(item["id"]),
                    suite=Suite(item["suite"]),
                    status=KeyStatus(item["status"]),
                    created=_text(item["created"]),
                    destroyed=_optional_text(item.get("destroyed")),
                    destroy_after=_optional_text(item.get("destroy_after")),
                    version=_int(item.get("version", 0)),
                )
                if (material is None) != (info.status is KeyStatus.DESTROYED):
                    raise KeyringError(f"key {info.key_id!r}: material and status disagree")
                if info.key_id in state.keys:
                    raise KeyringError(f"keyring payload repeats key ID {info.key_id!r}")
                state.keys[info.key_id] = _Key(info, material)
            for item in data.get("subjects") or []:
                if not isinstance(item, dict):
                    raise KeyringError("keyring payload is malformed (a subject key)")
                raw = item.get("material")
                state.legacy.append(_legacy_item(item, None if raw is None else _unb64(raw)))
            store = data.get("store")
            if store is not None:
                if not isinstance(store, dict):
                    raise KeyringError("keyring payload is malformed (store)")
                state.store_key = _unb64(store["key"])
                if len(state.store_key) != MASTER_KEY_SIZE:
                    raise KeyringError("keyring payload holds a store key of the wrong size")
                state.store_suite = Suite(store["suite"])
                state.store_url = _optional_text(store.get("url"))
            primaries = [k for k in state.keys.values() if k.info.status is KeyStatus.PRIMARY]
            if len(primaries) > 1:
                raise KeyringError("keyring payload has more than one primary key")
        except MedguardError as exc:
            if isinstance(exc, KeyringError):
                raise
            raise KeyringError(f"keyring payload is malformed ({exc})") from None
        except (
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
            OverflowError,
            RecursionError,
            binascii.Error,
        ) as exc:
            raise KeyringError(f"keyring payload is malformed ({type(exc).__name__})") from None
        return state


def _legacy_item(item: dict[str, Any], material: bytes | None) -> dict[str, Any]:
    """A version-1 inline subject key, checked, in a form that re-serializes."""
    status = KeyStatus(item["status"])
    if (material is None) != (status is KeyStatus.DESTROYED):
        raise KeyringError("a subject key's material and status disagree")
    subject = item["subject"]
    if not isinstance(subject, str) or not subject:
        raise KeyringError("keyring payload is malformed (a subject)")
    return {
        "id": check_key_id(item["id"]),
        "suite": Suite(item["suite"]).value,
        "status": status.value,
        "created": _text(item["created"]),
        "destroyed": _optional_text(item.get("destroyed")),
        "subject": subject,
        "material": None if material is None else _b64(material),
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise KeyringError("keyring payload holds key material that is not base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError("keyring payload holds malformed base64") from None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise KeyringError("keyring payload holds a non-text date")
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise KeyringError("keyring payload holds a bad version number")
    return value


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``<path>.lock`` (threads and processes alike)."""
    lock = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise KeyringError(f"cannot lock keyring file {path}: {exc.strerror}") from None
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _check_status(info: KeyInfo) -> None:
    """Raise unless ``info`` may decrypt (primary or active)."""
    status = info.status
    if status is KeyStatus.PRIMARY or status is KeyStatus.ACTIVE:
        return
    if status is KeyStatus.DESTROYED:
        raise KeyDestroyed(f"key {info.key_id!r} is destroyed")
    if status is KeyStatus.PENDING_DESTRUCTION:
        raise KeyStateError(
            f"key {info.key_id!r} is pending destruction (after {info.destroy_after}); "
            "cancel_destruction restores it"
        )
    raise KeyStateError(f"key {info.key_id!r} is {status.value}")


def _grace_until(grace: dt.timedelta | None) -> str | None:
    if grace is None:
        return None
    if not isinstance(grace, dt.timedelta):
        raise InvalidArgument("grace must be a datetime.timedelta (or None)")
    if grace <= dt.timedelta(0):
        return None
    return _stamp(dt.datetime.now(dt.UTC) + grace)


class Keyring:
    """A set of keys with stable IDs, one primary key, per-subject keys and HKDF subkeys.

    Create one with :meth:`generate` (in memory), :meth:`create` / :meth:`open` (a protected
    file and its subject-key store). Key material never appears in ``repr``, exceptions or
    :meth:`list`; a keyring cannot be pickled. Set :attr:`audit` (or pass ``audit=``) to get
    an audit record after every committed key operation.
    """

    def __init__(self) -> None:
        """Make an empty in-memory keyring (add keys with :meth:`add_key` or :meth:`rotate`)."""
        self._state = _State()
        self._path: Path | None = None
        self._provider: KeyProvider | None = None
        self._allow_insecure = False
        self._read_at = 0.0
        self._store_override: str | None = None
        self._lock = threading.RLock()
        # Derived subkeys by (key ID, purpose, context, length): HKDF costs microseconds,
        # and scalar calls in a loop would pay it per value.
        self._derived: dict[str, dict[tuple[str, str, int], bytes]] = {}
        self._db: Store | sk.MemoryDb | None = None
        self._crypto: sk.SubjectCrypto | None = None
        # subject keys read from the store: key ID -> (row without material, material, when)
        self._cache: dict[str, tuple[sk.SubjectRow, bytes | None, float]] = {}
        self._by_token: dict[str, str] = {}  # token -> newest key ID seen
        #: Where key operations are recorded (an :class:`~medguard.typing.AuditSink`), or None.
        self.audit: AuditSink | None = None

    # ----------------------------------------------------------------- construction

    @classmethod
    def generate(
        cls,
        suite: str | Suite = Suite.AES,
        *,
        key_id: str | None = None,
        audit: AuditSink | None = None,
    ) -> Keyring:
        """A new in-memory keyring with one fresh primary key of ``suite``."""
        ring = cls()
        ring.audit = audit
        ring.add_key(suite, key_id=key_id, primary=True)
        return ring

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        provider: KeyProvider,
        *,
        suite: str | Suite = Suite.AES,
        key_id: str | None = None,
        subject_store: str | None = None,
        audit: AuditSink | None = None,
    ) -> Keyring:
        """Create a new keyring file at ``path`` (mode 0600) with one primary key.

        Subject keys go to ``subject_store`` (a SQLAlchemy URL such as
        ``postgresql+psycopg://...`` or a SQLite path, recorded in the file), by default the
        SQLite file ``<path>.subjects.db`` beside the keyring. Refuses to overwrite a file.
        """
        target = Path(path)
        chosen = Suite.parse(suite)
        if subject_store is not None and not isinstance(subject_store, str):
            raise InvalidArgument("subject_store must be a URL or path string")
        ring = cls()
        ring._path, ring._provider, ring.audit = target, provider, audit
        if not target.parent.is_dir():
            raise KeyringError(f"directory {target.parent} does not exist")
        with ring._lock, _file_lock(target):
            if target.exists():
                raise KeyringError(f"keyring file {target} already exists")
            state = _State(store_url=subject_store)
            info = state.add(chosen, key_id, primary=True)
            ring._write(state)
            ring._state = state
        ring._record("key.create", key_id=info.key_id, suite=info.suite.value, primary=True)
        return ring

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        provider: KeyProvider,
        *,
        allow_insecure: bool = False,
        subject_store: str | None = None,
        audit: AuditSink | None = None,
    ) -> Keyring:
        """Open a keyring file written by :meth:`create` (subject keys load on demand).

        ``subject_store`` overrides, for this handle only, where the subject keys are (e.g.
        after moving the database). A keyring of the older format holding subject keys inline
        has them moved to the subject-key store here, once.

        Raises :class:`~medguard.errors.InsecureKeyring` when the file is readable or
        writable by group or others (unless ``allow_insecure``), and
        :class:`~medguard.errors.DecryptionError` for a wrong passphrase/key or a tampered file.
        """
        ring = cls()
        ring._path, ring._provider, ring.audit = Path(path), provider, audit
        ring._allow_insecure = allow_insecure
        ring._store_override = subject_store
        ring._state = ring._read()
        if ring._state.legacy:
            ring._migrate()
        return ring

    # ----------------------------------------------------------------- file state

    def _read(self) -> _State:
        assert self._path is not None
        assert self._provider is not None
        payload = read_keyring_file(self._path, self._provider, allow_insecure=self._allow_insecure)
        state = _State.from_payload(payload)
        self._read_at = time.monotonic()
        return state

    def _refresh_if_old(self) -> None:
        """Re-read the keyring file when this handle's copy is over a second old, so a key
        destroyed or disabled through another handle stops working here too. A file that
        cannot be read now (e.g. its wrapping key's variable was unset) leaves the copy."""
        if self._path is None or time.monotonic() - self._read_at <= _SUBJECT_CACHE_SECONDS:
            return
        with self._lock:
            try:
                state = self._read()
            except MedguardError:
                self._read_at = time.monotonic()
                return
            self._state = state
            for kid, key in state.keys.items():
                if key.info.status not in (KeyStatus.PRIMARY, KeyStatus.ACTIVE):
                    self._derived.pop(kid, None)

    def _write(self, state: _State) -> None:
        assert self._path is not None
        assert self._provider is not None
        try:
            write_keyring_file(self._path, self._provider, state.to_payload())
        except OSError as exc:
            raise KeyringError(
                f"keyring file {self._path} could not be written ({exc.strerror or exc}); "
                "nothing changed"
            ) from None

    def _mutate(self, change: Callable[[_State], T], *, skip_empty: bool = False) -> T:
        """Apply ``change`` to the latest state under the file lock, write, then swap in.

        With ``skip_empty`` a falsy result means nothing changed and nothing is written.
        """
        with self._lock:
            if self._path is None:
                state = self._state.copy()
                result = change(state)
            else:
                with _file_lock(self._path):
                    state = self._read()
                    result = change(state)
                    if result or not skip_empty:
                        self._write(state)
            self._state = state
            for kid, key in state.keys.items():  # drop subkeys of keys that stopped working
                if key.info.status not in (KeyStatus.PRIMARY, KeyStatus.ACTIVE):
                    self._derived.pop(kid, None)
        return result

    def reload(self) -> None:
        """Re-read the keyring file (changes made through other handles) and drop caches."""
        with self._lock:
            if self._path is not None:
                self._state = self._read()
            self._derived.clear()
            self._cache.clear()
            self._by_token.clear()

    def _migrate(self) -> None:
        """Move version-1 inline subject keys into the subject-key store (idempotent)."""
        assert self._path is not None
        with self._lock, _file_lock(self._path):
            state = self._read()
            if not state.legacy:
                self._state = state
                return
            if state.store_key is None:  # first persist the key the store will be wrapped with
                state.store_key = secrets.token_bytes(MASTER_KEY_SIZE)
                state.store_suite = state.default_suite()
                self._write(state)
                self._state = state
            crypto = self._subject_crypto()
            rows = []
            for item in state.legacy:
                material = None if item["material"] is None else _unb64(item["material"])
                status = KeyStatus(item["status"])
                rows.append(
                    sk.SubjectRow(
                        item["id"],
                        crypto.token(item["subject"]),
                        1,
                        Suite(item["suite"]),
                        status,
                        item["created"],
                        item["destroyed"],
                        None,
                        None if material is None else crypto.wrap([item["id"]], [material])[0],
                    )
                )
            with self._store().transaction() as db:
                sk.insert_rows(db, rows)
            state = state.copy()
            state.legacy = []
            self._write(state)
            self._state = state

    # ----------------------------------------------------------------- inspection

    def __repr__(self) -> str:
        primary = next(
            (k for k, v in self._state.keys.items() if v.info.status is KeyStatus.PRIMARY), None
        )
        where = str(self._path) if self._path else "memory"
        return f"Keyring(keys={len(self._state.keys)}, primary={primary!r}, storage={where!r})"

    def __reduce__(self) -> tuple[object, ...]:
        raise KeyringError("a Keyring holds key material and cannot be pickled")

    def __len__(self) -> int:
        return len(self._state.keys)

    def __contains__(self, key_id: object) -> bool:
        if not isinstance(key_id, str):
            return False
        if key_id in self._state.keys:
            return True
        try:
            self._subject_row(key_id)
        except KeyringError:
            return False
        return True

    def __iter__(self) -> Iterator[KeyInfo]:
        return iter(self.list())

    @property
    def path(self) -> Path | None:
        """The keyring file, or ``None`` for an in-memory keyring."""
        return self._path

    @property
    def has_subject_store(self) -> bool:
        """True once the keyring has a subject-key store (a file keyring's is made on first use)."""
        return self._has_store()

    @property
    def subject_store(self) -> str:
        """Where the subject keys are: a SQLite path, a URL (password hidden) or ``"memory"``."""
        store = self._store()
        return store.where

    def subject_key_count(self) -> dict[str, int]:
        """How many subject keys the store holds, by status (``{"active": 50000, ...}``)."""
        with self._store().transaction(write=False) as db:
            rows = db.rows(sk.COUNT_BY_STATUS)
        return {str(status): int(count) for status, count in rows}

    def get(self, key_id: str) -> KeyInfo:
        """Metadata of one key; raises :class:`~medguard.errors.KeyNotFound`."""
        key = self._state.keys.get(key_id)
        if key is not None:
            return key.info
        try:
            return self._subject_row(key_id)[0].info()
        except KeyNotFound:
            key = self._newer_key(key_id)
            if key is None:
                raise
            return key.info

    def _newer_key(self, key_id: str) -> _Key | None:
        """A keyring key this handle has not seen (added through another handle or process):
        re-read the file once and take its state (a read, no lock needed: files are replaced
        whole)."""
        if self._path is None or not isinstance(key_id, str):
            return None
        with self._lock:
            state = self._read()
            if key_id in state.keys:
                self._state = state
            return self._state.keys.get(key_id)

    @property
    def primary(self) -> KeyInfo:
        """The primary key; raises :class:`~medguard.errors.KeyStateError` when there is none."""
        return self._state.primary()

    # ----------------------------------------------------------------- audit

    def _record(self, action: str, **fields: Any) -> None:
        if self.audit is not None:
            self.audit.append(action, **fields)

    # ----------------------------------------------------------------- keyring keys

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
        chosen = None if suite is None else Suite.parse(suite)
        info = self._mutate(lambda s: s.add(chosen or s.default_suite(), key_id, primary))
        self._record("key.create", key_id=info.key_id, suite=info.suite.value, primary=primary)
        return info

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
        info = self._mutate(lambda s: s.add(chosen, key_id, primary, material))
        self._record("key.import", key_id=info.key_id, suite=info.suite.value, primary=primary)
        return info

    def export_key(self, key_id: str, access: SecretAccess) -> bytes:
        """The raw master key of ``key_id`` -- DANGER: key material leaves the keyring.

        Needs the :data:`SECRET_ACCESS` token. Destroyed keys have nothing to export.
        """
        if access is not SECRET_ACCESS:
            raise InvalidArgument("export_key needs medguard.keys.SECRET_ACCESS")
        key = self._state.keys.get(key_id)
        if key is not None:
            if key.material is None:
                raise KeyDestroyed(f"key {key_id!r} is destroyed")
            material: bytes = key.material
        else:
            row, found = self._subject_row(key_id)
            if found is None:
                _check_status(row.info())
                raise KeyStateError(f"key {key_id!r} is {row.status.value}")
            material = found
        self._record("key.export", key_id=key_id)
        return material

    def rotate(self, suite: str | Suite | None = None) -> KeyInfo:
        """Add a new primary key; the old primary stays ``active`` (decrypt only).

        Values encrypted before keep decrypting; new values use the new key; move old values
        over with :func:`medguard.ops.rewrap`. Subject keys rotate with :meth:`rotate_subjects`.
        """
        chosen = None if suite is None else Suite.parse(suite)
        info = self._mutate(lambda s: s.add(chosen or s.default_suite(), None, True))
        self._record("key.rotate", key_id=info.key_id, suite=info.suite.value)
        return info

    def set_primary(self, key_id: str) -> KeyInfo:
        """Make an active key the primary (the previous primary becomes active)."""
        if key_id not in self._state.keys and key_id in self:
            raise KeyStateError(f"key {key_id!r} is a per-subject key and cannot be primary")

        def change(state: _State) -> KeyInfo:
            state.set_primary(key_id)
            return state.keys[key_id].info

        info = self._mutate(change)
        self._record("key.set_primary", key_id=key_id)
        return info

    def disable(self, key_id: str) -> KeyInfo:
        """Disable a key: it neither encrypts nor decrypts until :meth:`enable`.

        The primary key cannot be disabled (rotate first).
        """

        def check(info: KeyInfo) -> None:
            if info.status is KeyStatus.PRIMARY:
                raise KeyStateError(
                    f"key {key_id!r} is the primary key; rotate before disabling it"
                )
            if info.status is not KeyStatus.ACTIVE and info.status is not KeyStatus.DISABLED:
                _check_status(info)

        info = self._change_status(key_id, KeyStatus.DISABLED, check)
        self._record("key.disable", key_id=key_id)
        return info

    def enable(self, key_id: str) -> KeyInfo:
        """Re-enable a disabled key (it becomes ``active``: decrypt only)."""

        def check(info: KeyInfo) -> None:
            if info.status is KeyStatus.DESTROYED:
                raise KeyDestroyed(f"key {key_id!r} is destroyed and cannot be enabled")
            if info.status is KeyStatus.PENDING_DESTRUCTION:
                _check_status(info)

        # decided on the latest state (another handle may have disabled it), not this handle's
        info = self._change_status(key_id, KeyStatus.ACTIVE, check, only_from=KeyStatus.DISABLED)
        self._record("key.enable", key_id=key_id)
        return info

    def _change_status(
        self,
        key_id: str,
        status: KeyStatus,
        check: Callable[[KeyInfo], None],
        *,
        only_from: KeyStatus | None = None,
        **changes: Any,
    ) -> KeyInfo:
        """Set the status of a keyring key (in the file) or a subject key (in the store)."""
        if not isinstance(key_id, str):
            raise KeyNotFound(str(key_id))

        def change(state: _State) -> KeyInfo:
            info = state.key(key_id).info
            check(info)
            if only_from is not None and info.status is not only_from:
                return info
            return state.set_status(key_id, status, **changes)

        if key_id in self._state.keys or self._path is not None:
            with contextlib.suppress(KeyNotFound):
                return self._mutate(change)
        rows, _ = self._update_subject_keys(
            "key_id", [key_id], status, check, only_from=only_from, **changes
        )
        return rows[0].info()

    # ----------------------------------------------------------------- destruction

    def destroy(self, key_id: str, *, grace: dt.timedelta | None = None) -> KeyInfo:
        """Destroy a key's material for good (crypto-shredding); its ID stays as a tombstone.

        Every value encrypted under the key becomes unreadable (:class:`KeyDestroyed`);
        nothing else changes. The primary key cannot be destroyed (rotate first). With a
        ``grace`` period the key becomes ``pending_destruction`` instead: it neither encrypts
        nor decrypts, :meth:`cancel_destruction` restores it, and :meth:`destroy_due`
        destroys it once the period is over. Python cannot wipe memory: the material is
        dropped here and removed from the file or the store (see the docs on backups).
        """
        until = _grace_until(grace)

        def check(info: KeyInfo) -> None:
            if info.status is KeyStatus.PRIMARY:
                raise KeyStateError(
                    f"key {key_id!r} is the primary key; rotate before destroying it"
                )
            if info.status is KeyStatus.DESTROYED:
                raise _AlreadyDone(info)

        try:
            if until is None:
                info = self._change_status(
                    key_id, KeyStatus.DESTROYED, check, destroyed=_now(), destroy_after=None
                )
            else:
                info = self._change_status(
                    key_id, KeyStatus.PENDING_DESTRUCTION, check, destroy_after=until
                )
        except _AlreadyDone as done:
            return done.info
        self._drop_cached(key_id)
        if until is None:
            self._record("key.destroy", key_id=key_id, subject_token=info.subject_token)
        else:
            self._record(
                "key.schedule_destruction",
                key_id=key_id,
                subject_token=info.subject_token,
                destroy_after=until,
            )
        return info

    def destroy_subject(self, subject: str, *, grace: dt.timedelta | None = None) -> KeyInfo:
        """Destroy every key of ``subject`` (crypto-shredding exactly that subject's values).

        Returns the subject's newest key. With ``grace`` the keys become
        ``pending_destruction`` (see :meth:`destroy`). The store keeps a tombstone holding
        the subject's token, never its ID; a destroyed subject never gets a new key. Once the
        destruction commits, the SQLite store is checkpointed so the wrapped key bytes leave
        its write-ahead log as well as its database file.
        """
        if not isinstance(subject, str):
            raise InvalidArgument("destroy_subject takes one subject (destroy_subjects: many)")
        return self.destroy_subjects([subject], grace=grace)[0]

    def destroy_subjects(
        self, subjects: Iterable[str], *, grace: dt.timedelta | None = None
    ) -> list[KeyInfo]:
        """:meth:`destroy_subject` of many subjects in one store transaction: all or nothing.

        A subject without a key raises :class:`~medguard.errors.KeyNotFound` and nothing
        changes. Returns each subject's newest key, in order; subjects already destroyed are
        left as they are. One audit record covers the batch (``key.subjects_destroyed`` or,
        with ``grace``, ``key.schedule_destruction``, listing the subject tokens).
        """
        if isinstance(subjects, str):
            raise InvalidArgument("destroy_subjects takes a sequence of subjects")
        names = list(subjects)
        until = _grace_until(grace)
        tokens = self._subject_crypto().tokens(names)
        distinct = list(dict.fromkeys(tokens))
        if not distinct:
            return []
        if until is None:
            rows, updated = self._update_subject_keys(
                "token",
                distinct,
                KeyStatus.DESTROYED,
                _skip_destroyed,
                require_all=True,
                destroyed=_now(),
                destroy_after=None,
            )
        else:
            rows, updated = self._update_subject_keys(
                "token",
                distinct,
                KeyStatus.PENDING_DESTRUCTION,
                _skip_destroyed,
                require_all=True,
                destroy_after=until,
            )
        newest = sk.newest(rows)
        if updated:
            changed = list(dict.fromkeys(r.token for r in updated))
            action = "key.subject_destroyed" if until is None else "key.schedule_destruction"
            extra: dict[str, Any] = {} if until is None else {"destroy_after": until}
            if len(distinct) == 1:
                token = distinct[0]
                self._record(
                    action,
                    key_id=newest[token].key_id,
                    subject_token=token,
                    keys=len(updated),
                    **extra,
                )
            else:
                if until is None:
                    action = "key.subjects_destroyed"
                self._record(
                    action,
                    key_ids=[newest[t].key_id for t in changed],
                    subject_tokens=changed,
                    keys=len(updated),
                    **extra,
                )
        return [newest[t].info(s) for s, t in zip(names, tokens, strict=True)]

    def cancel_destruction(self, key_id_or_subject: str) -> KeyInfo:
        """Restore a ``pending_destruction`` key (or every pending key of a subject).

        The key becomes ``active`` again (a keyring key does not become primary again). A key
        that is already destroyed cannot come back: :class:`KeyDestroyed`.
        """
        target = key_id_or_subject
        if not isinstance(target, str) or not target:
            raise InvalidArgument("give a key ID or a subject")

        def check(info: KeyInfo) -> None:
            if info.status is KeyStatus.DESTROYED:
                raise KeyDestroyed(f"key {info.key_id!r} is destroyed and cannot come back")
            if info.status is not KeyStatus.PENDING_DESTRUCTION:
                raise KeyStateError(f"key {info.key_id!r} is not pending destruction")

        try:  # a key ID first (looked up in the file's latest state, then the store)
            info = self._change_status(target, KeyStatus.ACTIVE, check, destroy_after=None)
        except KeyNotFound:
            pass
        else:
            self._drop_cached(target)
            self._record("key.cancel_destruction", key_id=info.key_id)
            return info
        token = self._subject_crypto().token(target)

        def check_subject(info: KeyInfo) -> None:
            if info.status is KeyStatus.DESTROYED:
                raise KeyDestroyed(f"key {info.key_id!r} is destroyed and cannot come back")
            if info.status is not KeyStatus.PENDING_DESTRUCTION:
                raise _Skip

        rows, updated = self._update_subject_keys(
            "token", [token], KeyStatus.ACTIVE, check_subject, destroy_after=None
        )
        changed = len(updated)
        if not rows:
            raise KeyNotFound(f"subject:{token}")
        newest = sk.newest(rows)[token]
        if not changed:
            raise KeyStateError(f"key {newest.key_id!r} is not pending destruction")
        self._record(
            "key.cancel_destruction", key_id=newest.key_id, subject_token=token, keys=changed
        )
        return newest.info(target)

    def destroy_due(self, now: dt.datetime | None = None) -> list[KeyInfo]:
        """Destroy every ``pending_destruction`` key whose grace period is over at ``now``."""
        stamp = _stamp(now if now is not None else dt.datetime.now(dt.UTC))
        done: list[KeyInfo] = []

        def change(state: _State) -> list[KeyInfo]:
            out = []
            for key in list(state.keys.values()):
                info = key.info
                if (
                    info.status is KeyStatus.PENDING_DESTRUCTION
                    and (info.destroy_after or "") <= stamp
                ):
                    out.append(
                        state.set_status(
                            info.key_id,
                            KeyStatus.DESTROYED,
                            destroyed=_now(),
                            destroy_after=None,
                        )
                    )
            return out

        done.extend(self._mutate(change, skip_empty=True))
        if self._has_store():
            with self._store().transaction() as db:
                if db.dialect == "sqlite":
                    db.rows("PRAGMA secure_delete = ON")
                rows = [
                    sk.SubjectRow.from_db(r)
                    for r in db.rows(sk.SELECT_DUE + db.lock, {"now": stamp})
                ]
                when = _now()
                db.many(
                    sk.DESTROY_DUE,
                    [{"when": when, "key_id": r.key_id} for r in rows],
                )
            if rows:
                sk.checkpoint(self._store())
            for row in rows:
                self._drop_cached(row.key_id)
                done.append(
                    row._replace(
                        status=KeyStatus.DESTROYED, destroyed=when, destroy_after=None
                    ).info()
                )
        for info in done:
            if info.is_subject_key:
                self._record(
                    "key.subject_destroyed", key_id=info.key_id, subject_token=info.subject_token
                )
            else:
                self._record("key.destroy", key_id=info.key_id)
        return done

    # ----------------------------------------------------------------- subject store

    def _has_store(self) -> bool:
        if self._db is not None:
            return True
        if self._path is None:
            return False
        target = self._store_target()
        return "://" in target or Path(target).exists()

    def _store_target(self) -> str:
        assert self._path is not None
        chosen = self._store_override or self._state.store_url
        if chosen is None:
            return str(self._path.with_name(self._path.name + ".subjects.db"))
        if "://" in chosen:
            return chosen
        return str(self._path.parent / chosen)

    def _store(self) -> Store | sk.MemoryDb:
        with self._lock:
            if self._db is None:
                self._db = (
                    sk.MemoryDb() if self._path is None else sk.open_store(self._store_target())
                )
            return self._db

    def _subject_crypto(self) -> sk.SubjectCrypto:
        with self._lock:
            if self._crypto is None:
                if self._state.store_key is None:

                    def ensure(state: _State) -> None:
                        if state.store_key is None:
                            state.store_key = secrets.token_bytes(MASTER_KEY_SIZE)
                            state.store_suite = state.default_suite()

                    self._mutate(ensure)
                assert self._state.store_key is not None
                self._crypto = sk.SubjectCrypto(self._state.store_key, self._state.store_suite)
            return self._crypto

    def subject_token(self, subject: str) -> str:
        """A keyed hash of ``subject`` (hex) under the keyring's index key.

        Rotation does not change it. The subject-key store, tombstones and audit records hold
        this token, never the subject ID; only a holder of the keyring can compute it.
        """
        return self._subject_crypto().token(subject)

    def _remember(
        self, row: sk.SubjectRow, material: bytes | None, when: float | None = None
    ) -> None:
        cache = self._cache
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
            self._by_token.clear()
        cache[row.key_id] = (row, material, time.monotonic() if when is None else when)
        seen = self._by_token.get(row.token)
        old = None if seen is None else cache.get(seen)
        if old is None or old[0].gen <= row.gen:
            self._by_token[row.token] = row.key_id

    def _drop_cached(self, key_id: str) -> None:
        with self._lock:
            entry = self._cache.pop(key_id, None)
            if entry is not None:
                self._by_token.pop(entry[0].token, None)
            self._derived.pop(key_id, None)

    def _drop_rows(self, rows: Iterable[sk.SubjectRow]) -> None:
        """Forget what the cache holds about these keys and their subjects' newest keys."""
        with self._lock:
            for row in rows:
                self._drop_cached(row.key_id)
                newest = self._by_token.pop(row.token, None)
                if newest is not None:
                    self._drop_cached(newest)

    def _load_rows(self, rows: Iterable[sk.SubjectRow]) -> dict[str, _Entry]:
        """Unwrap the active ones, cache them all; key ID -> (row, material or None)."""
        crypto = self._subject_crypto()
        rows = list(rows)
        active = KeyStatus.ACTIVE
        if all(r[4] is active and r[8] is not None for r in rows):  # the usual case
            materials: Sequence[bytes | None] = crypto.unwrap_many(
                [r[0] for r in rows],
                [r[8] for r in rows],  # type: ignore[misc]
            )
            out = {r[0]: (r, m) for r, m in zip(rows, materials, strict=True)}
        else:
            usable = [r for r in rows if r.wrapped is not None and r.status is active]
            unwrapped = dict(
                zip(
                    [r.key_id for r in usable],
                    crypto.unwrap_many(
                        [r.key_id for r in usable],
                        [r.wrapped for r in usable],  # type: ignore[misc]
                    ),
                    strict=True,
                )
            )
            out = {r.key_id: (r, unwrapped.get(r.key_id)) for r in rows}
        self._cache_rows(out.values())
        return out

    def _cache_rows(self, entries: Collection[_Entry]) -> None:
        """Remember rows read or written just now; a batch over :data:`_BULK` rows is not
        cached (the cache is trusted for a second: a column that big is read again later)."""
        if len(entries) > _BULK:
            return
        when = time.monotonic()
        for row, material in entries:
            self._remember(row, material, when)

    def _fresh(self, key_id: str) -> tuple[sk.SubjectRow, bytes | None] | None:
        entry = self._cache.get(key_id)
        if entry is None or time.monotonic() - entry[2] > _SUBJECT_CACHE_SECONDS:
            return None
        return entry[0], entry[1]

    def _subject_row(self, key_id: str) -> tuple[sk.SubjectRow, bytes | None]:
        """A subject key by ID (from the cache while fresh, else the store)."""
        fresh = self._fresh(key_id)
        if fresh is not None:
            return fresh
        if not isinstance(key_id, str) or not key_id.startswith("s"):
            raise KeyNotFound(key_id)
        found = self._fetch([key_id]).get(key_id)
        if found is None:
            raise KeyNotFound(key_id)
        return found

    def prefetch(self, key_ids: Iterable[str]) -> None:
        """Load many subject keys in one store read (decrypting a column calls this)."""
        wanted = sorted(
            {
                k
                for k in key_ids
                if isinstance(k, str)
                and k.startswith("s")
                and k not in self._state.keys
                and self._fresh(k) is None
            }
        )
        self._fetch(wanted)

    def _fetch(self, key_ids: list[str]) -> dict[str, tuple[sk.SubjectRow, bytes | None]]:
        if not key_ids or (self._path is not None and not self._has_store()):
            return {}
        with self._store().transaction(write=False) as db:
            rows = sk.select_where_in(db, "key_id", key_ids)
        with self._lock:
            return self._load_rows(rows)

    def find_subject_key(self, subject: str) -> KeyInfo | None:
        """The newest key of ``subject`` (any status), or ``None``: never creates one."""
        infos = self.subject_keys([subject], create=False)
        return infos[0]

    def subject_key(self, subject: str, *, create: bool = True) -> KeyInfo:
        """The key of one subject (a patient, a dataset), created on first use.

        Values encrypted with ``subject=...`` use this key; :meth:`destroy_subject` later
        makes exactly that subject's values unreadable. The suite is the primary's.
        """
        info = self.subject_keys([subject], create=create)[0]
        if info is None:
            raise KeyNotFound(f"subject:{self.subject_token(subject)}")
        return info

    @overload
    def subject_keys(
        self, subjects: Sequence[str], *, create: Literal[True] = ...
    ) -> list[KeyInfo]: ...

    @overload
    def subject_keys(self, subjects: Sequence[str], *, create: bool) -> list[KeyInfo | None]: ...

    def subject_keys(self, subjects: Sequence[str], *, create: bool = True) -> list[Any]:
        """The newest key of each subject (``KeyInfo``), in order; one store round trip.

        With ``create`` the missing ones are created in one transaction (one audit record
        ``key.subjects_created`` with the count); without, missing subjects give ``None``.
        """
        if isinstance(subjects, str):
            raise InvalidArgument("subject_keys takes a sequence of subjects")
        found = self._subject_rows(list(subjects), create=create)
        out: list[KeyInfo | None] = []
        for subject in subjects:
            entry = found.get(subject)
            out.append(None if entry is None else entry[0].info(subject))
        return out

    def _subject_rows(
        self, subjects: list[str], *, create: bool
    ) -> dict[str, tuple[sk.SubjectRow, bytes | None]]:
        """Subject -> (newest row, material if active), creating missing keys when asked."""
        distinct = list(dict.fromkeys(subjects))
        entries = self._subject_entries(self._subject_crypto().tokens(distinct), create=create)
        return {s: e for s, e in zip(distinct, entries, strict=True) if e is not None}

    def _subject_entries(self, tokens: list[str], *, create: bool) -> list[_Entry | None]:
        """(newest row, material if active) of each of ``tokens`` (distinct), in order;
        ``None`` for a subject without a key unless ``create`` made one. One store read for
        those not cached; the missing keys are created in one transaction."""
        out: list[_Entry | None] = [None] * len(tokens)
        unknown_at: Sequence[int] = range(len(tokens))
        if self._cache:
            unknown_at = []
            now = time.monotonic()
            cache, by_tok = self._cache, self._by_token
            for i, token in enumerate(tokens):
                kid = by_tok.get(token)
                entry = cache.get(kid) if kid is not None else None
                if entry is not None and now - entry[2] <= _SUBJECT_CACHE_SECONDS:
                    out[i] = (entry[0], entry[1])
                else:
                    unknown_at.append(i)
        if not unknown_at or not (self._path is None or self._has_store() or create):
            return out
        unknown = tokens if len(unknown_at) == len(tokens) else [tokens[i] for i in unknown_at]
        if create and self._mostly_new(unknown):
            # a column of new subjects: insert first, read back only on conflict
            made = self._create_subject_keys(unknown)
            got: list[_Entry | None] = [made[t] for t in unknown]
        else:
            with self._store().transaction(write=False) as db:
                newest = sk.newest(sk.select_where_in(db, "token", unknown))
            with self._lock:
                loaded = self._load_rows(newest.values())
            found = newest.get
            got = [None if (r := found(t)) is None else loaded[r.key_id] for t in unknown]
            missing = [t for t, e in zip(unknown, got, strict=True) if e is None]
            if missing and create:
                made = self._create_subject_keys(missing)
                got = [made[t] if e is None else e for t, e in zip(unknown, got, strict=True)]
        if unknown is tokens:
            return got
        for i, e in zip(unknown_at, got, strict=True):
            out[i] = e
        return out

    def _mostly_new(self, tokens: list[str], probe: int = 256) -> bool:
        """Whether most of ``tokens`` have no key yet (judged on a sample of them)."""
        if len(tokens) < 2 * probe:
            return False
        sample = tokens[:: len(tokens) // probe][:probe]
        with self._store().transaction(write=False) as db:
            found = len({r.token for r in sk.select_where_in(db, "token", sample)})
        return found * 2 < len(sample)

    def _create_subject_keys(self, tokens: list[str]) -> dict[str, _Entry]:
        """First keys for ``tokens`` (distinct), in one transaction; a racing creator's key
        wins if it committed first (UNIQUE (token, gen) + ON CONFLICT DO NOTHING, then read
        back); a subject that already has a key keeps it. Token -> (row, material)."""
        crypto = self._subject_crypto()
        suite = self._state.default_suite()
        tokens = sorted(tokens)  # B-tree inserts in key order
        count = len(tokens)
        pool = secrets.token_bytes(MASTER_KEY_SIZE * count)
        materials = [pool[i : i + MASTER_KEY_SIZE] for i in range(0, len(pool), MASTER_KEY_SIZE)]
        key_ids = ["s" + t for t in tokens]
        wrapped = crypto.wrap(key_ids, materials)
        created = _now()
        active = KeyStatus.ACTIVE
        new = tuple.__new__  # a SubjectRow without a Python-level __new__ call per row
        rows: list[sk.SubjectRow] = [
            new(sk.SubjectRow, (k, t, 1, suite, active, created, None, None, w))
            for k, t, w in zip(key_ids, tokens, wrapped, strict=True)
        ]
        with self._store().transaction() as db:
            if db.dialect == "sqlite" and count > 1000:
                db.rows("PRAGMA cache_size = -65536")  # 64 MiB: big batches into big stores
            before = sk.changes(db)
            sk.insert_rows(db, rows)
            after = sk.changes(db)
            back = None
            if before is None or after is None or after - before != count:
                back = sk.newest(sk.select_where_in(db, "token", tokens))
        out: dict[str, _Entry]
        ours = 0
        with self._lock:
            if back is None:  # every key is ours (SQLite counted the inserted rows)
                ours = count
                out = dict(zip(tokens, zip(rows, materials, strict=True), strict=True))
                self._cache_rows(out.values())
            else:
                out = {}
                for row, material in zip(rows, materials, strict=True):
                    winner = back[row.token]
                    # key IDs follow from tokens, so a racing creator's row has our key ID:
                    # only the wrapped blob (random nonce and key) tells whose key was committed
                    if winner.key_id == row.key_id and winner.wrapped == row.wrapped:
                        ours += 1
                        self._remember(row, material)
                        out[row.token] = (row, material)
                    else:
                        out[row.token] = self._load_rows([winner])[winner.key_id]
        if ours:
            self._record("key.subjects_created", count=ours, suite=suite.value)
        return out

    def _update_subject_keys(
        self,
        column: str,
        values: Sequence[str],
        status: KeyStatus,
        check: Callable[[KeyInfo], None],
        *,
        only_from: KeyStatus | None = None,
        require_all: bool = False,
        **changes: Any,
    ) -> tuple[list[sk.SubjectRow], list[sk.SubjectRow]]:
        """Set ``status`` (and ``changes``) on the store rows whose ``column`` is in ``values``
        after ``check`` approves each (``_Skip`` leaves a row alone), in one transaction.
        Returns every selected row as it is now, and the rows that changed. With
        ``require_all`` a value without rows raises :class:`KeyNotFound` and nothing changes.
        Destroyed keys are zeroed in the SQLite file and checkpointed out of its log."""
        if self._path is not None and not self._has_store():
            if column == "key_id" or require_all:
                raise KeyNotFound(values[0] if column == "key_id" else f"subject:{values[0]}")
            return [], []
        store = self._store()
        with store.transaction() as db:
            if db.dialect == "sqlite":
                db.rows("PRAGMA secure_delete = ON")  # freed bytes of destroyed keys are zeroed
            rows = sk.select_where_in(db, column, values, db.lock)
            if column == "key_id" and not rows:
                raise KeyNotFound(values[0])
            if require_all:
                seen = {r.token for r in rows}
                for value in values:
                    if value not in seen:  # raised inside the transaction: it rolls back
                        raise KeyNotFound(f"subject:{value}")
            updated: list[sk.SubjectRow] = []
            for row in rows:
                try:
                    check(row.info())
                except _Skip:
                    continue
                if only_from is not None and row.status is not only_from:
                    continue
                new = row._replace(status=status, **changes)
                if status is KeyStatus.DESTROYED:
                    new = new._replace(wrapped=None)
                updated.append(new)
            db.many(
                sk.UPDATE_STATUS,
                [
                    {
                        "status": r.status.value,
                        "destroyed": r.destroyed,
                        "destroy_after": r.destroy_after,
                        "wrapped": r.wrapped,
                        "key_id": r.key_id,
                    }
                    for r in updated
                ],
            )
        self._drop_rows(rows)
        if status is KeyStatus.DESTROYED and rows:  # also on a retry of a destroyed subject
            sk.checkpoint(store)
        by_id = {r.key_id: r for r in updated}
        return [by_id.get(r.key_id, r) for r in rows], updated

    def rotate_subject(self, subject: str) -> KeyInfo:
        """Give ``subject`` a new key (the old one decrypts only); returns the new key."""
        token = self._subject_crypto().token(subject)
        if not self._rotate_tokens([token]):
            found = self.find_subject_key(subject)
            if found is None:
                raise KeyNotFound(f"subject:{token}")
            _check_status(found)
        info = self.find_subject_key(subject)
        assert info is not None
        return info

    def rotate_subjects(self, subjects: Iterable[str] | None = None) -> int:
        """Give each listed subject (``None``: every subject whose key is active) a new key.

        Older keys stay ``active`` for decryption; :func:`medguard.ops.rewrap` moves values
        onto the subjects' new keys. Destroyed, pending or disabled subjects are skipped.
        Returns how many subjects got a new key.
        """
        if subjects is None:
            return self._rotate_all()
        crypto = self._subject_crypto()
        tokens = list(dict.fromkeys(crypto.tokens(list(subjects))))
        return self._rotate_tokens(tokens)

    def _rotate_all(self, page: int = 20_000) -> int:
        if self._path is not None and not self._has_store():
            return 0
        with self._store().transaction(write=False) as db:
            tokens = [str(r[0]) for r in db.rows(sk.DISTINCT_TOKENS)]
        total = 0
        for start in range(0, len(tokens), page):
            total += self._rotate_tokens(tokens[start : start + page])
        return total

    def _rotate_tokens(self, tokens: list[str]) -> int:
        if not tokens or (self._path is not None and not self._has_store()):
            return 0
        crypto = self._subject_crypto()
        with self._store().transaction() as db:
            newest = sk.newest(sk.select_where_in(db, "token", tokens, db.lock))
            due = [r for r in newest.values() if r.status is KeyStatus.ACTIVE]
            key_ids = [f"s{r.token}-{r.gen + 1}" for r in due]
            pool = secrets.token_bytes(MASTER_KEY_SIZE * len(due))
            materials = [pool[i : i + MASTER_KEY_SIZE] for i in range(0, len(pool), 32)]
            wrapped = crypto.wrap(key_ids, materials)
            created = _now()
            rows = [
                r._replace(
                    key_id=k,
                    gen=r.gen + 1,
                    status=KeyStatus.ACTIVE,
                    created=created,
                    destroyed=None,
                    destroy_after=None,
                    wrapped=w,
                )
                for r, k, w in zip(due, key_ids, wrapped, strict=True)
            ]
            sk.insert_rows(db, rows)
        self._drop_rows(rows)
        if rows:
            self._record("key.subjects_rotated", count=len(rows))
        return len(rows)

    def current_key_for(self, key_id: str) -> KeyInfo:
        """The key that values under ``key_id`` should be rewrapped onto.

        The primary for the keyring's keys; for a subject key, the subject's newest key (or
        the key itself when the subject's newest key cannot encrypt).
        """
        key = self._state.keys.get(key_id)
        if key is not None:
            return self.primary
        row = self._subject_row(key_id)[0]
        with self._store().transaction(write=False) as db:
            newest = sk.newest(sk.select_where_in(db, "token", [row.token]))[row.token]
        return newest.info() if newest.status is KeyStatus.ACTIVE else row.info()

    def current_keys_for(self, key_ids: Iterable[str]) -> dict[str, str]:
        """:meth:`current_key_for` of many keys at once (one store read on SQLite,
        one per 500 subjects on PostgreSQL):
        key ID -> the ID of the key its values belong under now."""
        out: dict[str, str] = {}
        subject_ids = []
        for kid in set(key_ids):
            if kid in self._state.keys:
                out[kid] = self.primary.key_id
            else:
                subject_ids.append(kid)
        if not subject_ids:
            return out
        found = {k: e for k in subject_ids if (e := self._fresh(k)) is not None}
        found.update(self._fetch(sorted(k for k in subject_ids if k not in found)))
        missing = [k for k in subject_ids if k not in found]
        if missing:
            raise KeyNotFound(missing[0])
        tokens = sorted({row.token for row, _ in found.values()})
        with self._store().transaction(write=False) as db:
            newest = sk.newest(sk.select_where_in(db, "token", tokens))
        for kid, (row, _) in found.items():
            now = newest.get(row.token)
            out[kid] = now.key_id if now is not None and now.status is KeyStatus.ACTIVE else kid
        return out

    # ----------------------------------------------------------------- use

    def encryption_key(self, key_id: str | None = None, *, subject: str | None = None) -> KeyInfo:
        """The key that may encrypt now: the primary, a named key, or a subject's key.

        A named key must be the primary or a subject's newest key; an ``active`` (old) key
        only decrypts, and disabled, pending or destroyed keys do neither.
        """
        if subject is not None:
            if key_id is not None:
                raise InvalidArgument("give key_id or subject, not both")
            info = self.subject_key(subject)
            _check_status(info)
            return info
        if key_id is None:
            return self.primary
        info = self.get(key_id)
        if info.status is KeyStatus.PRIMARY:
            return info
        if info.status is KeyStatus.ACTIVE and info.is_subject_key:
            if self.current_key_for(key_id).key_id == key_id:
                return info
            raise KeyStateError(f"key {key_id!r} is an older subject key (decrypt only)")
        if info.status is KeyStatus.ACTIVE:
            raise KeyStateError(f"key {info.key_id!r} is active for decryption only")
        _check_status(info)
        raise AssertionError  # pragma: no cover - _check_status raised

    def subject_encryption_keys(
        self,
        subjects: Sequence[str],
        purpose: str,
        context: str,
        *,
        lengths: Mapping[Suite, int],
        access: SecretAccess,
    ) -> tuple[list[str], list[Suite], list[bytes]]:
        """DANGER: key IDs, suites and subkeys of each subject's encrypting key.

        The subkey of a key of suite ``x`` is ``lengths[x]`` bytes (HKDF over ``purpose``
        and ``context``, as :meth:`derive`). Keys missing are created (in one transaction).
        A subject whose newest key cannot encrypt raises
        :class:`~medguard.errors.KeyStateError` (or ``KeyDestroyed``). For ``medguard.ops``
        (batch encryption by subject); needs :data:`SECRET_ACCESS`.
        """
        if access is not SECRET_ACCESS:
            raise InvalidArgument("subject_encryption_keys needs medguard.keys.SECRET_ACCESS")
        names = subjects if isinstance(subjects, list) else list(subjects)
        distinct = list(dict.fromkeys(names))
        entries = self._subject_entries(self._subject_crypto().tokens(distinct), create=True)
        materials = [e[1] for e in entries]  # type: ignore[index]
        if None in materials:
            row = entries[materials.index(None)][0]  # type: ignore[index]
            _check_status(row.info())
            raise KeyStateError(f"key {row.key_id!r} is {row.status.value}")
        key_ids = [e[0][0] for e in entries]  # type: ignore[index]
        suites = [e[0][3] for e in entries]  # type: ignore[index]
        subkeys = _subkeys(key_ids, suites, materials, purpose, context, lengths)  # type: ignore[arg-type]
        if len(distinct) == len(names):
            return key_ids, suites, subkeys
        at = {s: i for i, s in enumerate(distinct)}
        index = [at[s] for s in names]
        return [key_ids[i] for i in index], [suites[i] for i in index], [subkeys[i] for i in index]

    def subject_subkeys(
        self,
        key_ids: Iterable[str],
        purpose: str,
        context: str,
        *,
        lengths: Mapping[Suite, int],
        access: SecretAccess,
    ) -> dict[str, tuple[Suite, bytes] | KeyringError]:
        """DANGER: the subkeys of many subject keys at once (one store read for those not
        cached): key ID -> (suite, subkey), or the error using that key raises (a pending,
        disabled or destroyed key). IDs that are not subject keys are left out. For
        ``medguard.ops`` (decrypting a column with a key per subject); needs SECRET_ACCESS.
        """
        if access is not SECRET_ACCESS:
            raise InvalidArgument("subject_subkeys needs medguard.keys.SECRET_ACCESS")
        own = self._state.keys
        found: dict[str, tuple[sk.SubjectRow, bytes | None]] = {}
        stale = []
        cache, now = self._cache, time.monotonic()
        for kid in set(key_ids):
            if type(kid) is not str or kid[:1] != "s" or kid in own:
                continue
            entry = cache.get(kid)
            if entry is None or now - entry[2] > _SUBJECT_CACHE_SECONDS:
                stale.append(kid)
            else:
                found[kid] = (entry[0], entry[1])
        found.update(self._fetch(sorted(stale)))
        out: dict[str, tuple[Suite, bytes] | KeyringError] = {}
        usable: list[tuple[sk.SubjectRow, bytes]] = []
        for kid, (row, material) in found.items():
            if material is None or row.status is not KeyStatus.ACTIVE:
                try:
                    _check_status(row.info())
                    raise KeyStateError(f"key {kid!r} has no material")
                except KeyringError as exc:
                    out[kid] = exc
            else:
                usable.append((row, material))
        key_ids_ = [row.key_id for row, _ in usable]
        suites = [row.suite for row, _ in usable]
        subkeys = _subkeys(key_ids_, suites, [m for _, m in usable], purpose, context, lengths)
        out.update(zip(key_ids_, zip(suites, subkeys, strict=True), strict=True))
        return out

    def derive(
        self,
        purpose: str,
        context: str = "",
        *,
        key_id: str | None = None,
        length: int = 32,
        access: SecretAccess | None = None,
    ) -> DerivedKey:
        """Derive a ``length``-byte subkey for ``purpose`` (e.g. ``"aead"``, ``"ff1"``).

        DANGER: the result holds key material, so the caller must pass
        ``access=SECRET_ACCESS``. ``context`` separates fields (``"patients.resident_id"``).
        ``key_id`` picks a key (default: the primary). A disabled or pending key raises
        :class:`~medguard.errors.KeyStateError`, a destroyed one
        :class:`~medguard.errors.KeyDestroyed`, an unknown one
        :class:`~medguard.errors.KeyNotFound`.
        """
        if access is not SECRET_ACCESS:
            raise InvalidArgument(
                "derive() hands out key material: pass access=medguard.keys.SECRET_ACCESS"
            )
        if not isinstance(purpose, str) or not purpose:
            raise InvalidArgument("derive() needs a non-empty purpose")
        if not isinstance(context, str):
            raise InvalidArgument("derive() context must be a string")
        if not isinstance(length, int) or not 1 <= length <= 255 * 32:
            raise InvalidArgument("derive() length must be between 1 and 8160")
        self._refresh_if_old()
        if key_id is None:
            info = self.primary
            material = self._state.keys[info.key_id].material
        elif key_id in self._state.keys:
            key = self._state.keys[key_id]
            info, material = key.info, key.material
        else:
            try:
                row, material = self._subject_row(key_id)
                info = row.info()
            except KeyNotFound:
                newer = self._newer_key(key_id)
                if newer is None:
                    raise
                info, material = newer.info, newer.material
        _check_status(info)
        subkeys_of = self._derived.get(info.key_id)
        cached = None if subkeys_of is None else subkeys_of.get((purpose, context, length))
        if cached is not None:
            return DerivedKey(info.key_id, info.suite, purpose, context, cached)
        if material is None:  # pragma: no cover - destroyed keys are caught above
            raise KeyStateError(f"key {info.key_id!r} has no material")
        okm = sk.fast_hkdf(
            material,
            encode_info("medguard", purpose, context, info.key_id, info.suite.value),
            length,
            info.suite,
        )
        if len(self._derived) >= _CACHE_LIMIT:
            self._derived.clear()
        self._derived.setdefault(info.key_id, {})[(purpose, context, length)] = okm
        return DerivedKey(info.key_id, info.suite, purpose, context, okm)

    def list(
        self,
        *,
        include_subject_keys: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[KeyInfo]:
        """Metadata of the keyring's keys (oldest first); never any material.

        With ``include_subject_keys`` the subject keys follow (oldest first, ``subject``
        ``None``, ``subject_token`` set); ``limit``/``offset`` page through the whole list.
        """
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise InvalidArgument("limit must be a non-negative integer")
        if not isinstance(offset, int) or offset < 0:
            raise InvalidArgument("offset must be a non-negative integer")
        own = [k.info for k in self._state.keys.values()]
        out = own[offset : None if limit is None else offset + limit]
        if not include_subject_keys or (limit is not None and len(out) >= limit):
            return out
        skip = max(0, offset - len(own))
        want = -1 if limit is None else limit - len(out)
        with self._store().transaction(write=False) as db:
            rows = db.rows(sk.SELECT_PAGE, {"limit": want if want >= 0 else 2**62, "offset": skip})
        return out + [sk.SubjectRow.from_db(r).info() for r in rows]

    # ----------------------------------------------------------------- persistence

    def save(self) -> None:
        """Kept for compatibility: every change is already saved when its call returns."""


class _AlreadyDone(Exception):
    def __init__(self, info: KeyInfo) -> None:
        self.info = info


class _Skip(Exception):
    pass


def _skip_destroyed(info: KeyInfo) -> None:
    if info.status is KeyStatus.DESTROYED:
        raise _Skip


_LENGTHS = [n.to_bytes(4, "big") for n in range(256)]


def _subkeys(
    key_ids: Sequence[str],
    suites: Sequence[Suite],
    materials: Sequence[bytes],
    purpose: str,
    context: str,
    lengths: Mapping[Suite, int],
) -> list[bytes]:
    """The subkeys :meth:`Keyring.derive` gives for ``purpose`` and ``context`` under many
    keys (byte for byte), in one tight loop per suite (no per-key cache entries)."""
    head = encode_info("medguard", purpose, context)  # the info of derive(), in 3 parts
    tails = {suite: encode_info(suite.value) for suite in Suite}
    table = _LENGTHS
    if not suites:
        return []
    if suites.count(suites[0]) == len(suites):  # identity first: no Enum.__hash__ per key
        suite = suites[0]
        tail = tails[suite]
        infos = [head + table[len(k)] + k.encode("ascii") + tail for k in key_ids]
        return sk.hkdf_many(materials, infos, lengths[suite], suite)
    out: list[bytes] = [b""] * len(key_ids)
    for suite in (s for s in Suite if s in suites):
        pick = [i for i, s in enumerate(suites) if s is suite]
        infos = [head + table[len(key_ids[i])] + key_ids[i].encode("ascii") + tails[suite]
                 for i in pick]  # fmt: skip
        derived = sk.hkdf_many([materials[i] for i in pick], infos, lengths[suite], suite)
        for i, sub in zip(pick, derived, strict=True):
            out[i] = sub
    return out
