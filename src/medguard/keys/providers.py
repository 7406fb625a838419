"""Key providers: what protects a keyring file at rest, and the file format itself.

A :class:`KeyProvider` seals the keyring's JSON payload into an *envelope* (a JSON object of
non-secret parameters and the ciphertext) and opens it again. Two ship with medguard:

- :class:`PassphraseProvider`: Argon2id (default) or scrypt stretches a passphrase into an
  AES-256-GCM wrapping key;
- :class:`EnvKeyProvider`: a 32-byte wrapping key, base64 in an environment variable
  (``MEDGUARD_KEYRING_KEY`` by default), as a secrets manager or CI system would inject it.

A KMS or HSM plugs in the same way: implement ``name``, ``seal`` and ``open`` by calling the
service's encrypt/decrypt with a key that never leaves it (envelope encryption). The keyring
file is JSON::

    {"format": "medguard-keyring", "version": 1, "provider": "<name>", "envelope": {...}}

and the header is bound to the payload as associated data, so it cannot be swapped.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Protocol

from medguard._atomic import write_atomically
from medguard.errors import DecryptionError, InsecureKeyring, InvalidArgument, KeyringError
from medguard.hazmat.aead import AesGcm
from medguard.hazmat.kdf import argon2id, scrypt

__all__ = [
    "DEFAULT_ENV_VARIABLE",
    "EnvKeyProvider",
    "KeyProvider",
    "PassphraseProvider",
    "check_permissions",
    "read_keyring_file",
    "read_provider_name",
    "write_keyring_file",
]

DEFAULT_ENV_VARIABLE = "MEDGUARD_KEYRING_KEY"
_FORMAT = "medguard-keyring"
_VERSION = 1


class KeyProvider(Protocol):
    """Protects a keyring payload at rest (passphrase, environment key, KMS, HSM)."""

    @property
    def name(self) -> str:
        """A short name written into the file header (``"passphrase"``, ``"env"``, ...)."""
        ...

    def seal(self, payload: bytes, aad: bytes) -> dict[str, Any]:
        """Encrypt ``payload`` (bound to ``aad``) into a JSON-able envelope."""
        ...

    def open(self, envelope: Mapping[str, Any], aad: bytes) -> bytes:
        """Return the payload of an envelope, or raise :class:`DecryptionError`."""
        ...


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise KeyringError("keyring envelope holds a non-text field where base64 belongs")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError("keyring envelope holds malformed base64") from None


def _seal_with(key: bytes, payload: bytes, aad: bytes) -> dict[str, Any]:
    nonce = secrets.token_bytes(12)
    return {"nonce": _b64(nonce), "ciphertext": _b64(AesGcm(key).encrypt(nonce, payload, aad))}


def _open_with(key: bytes, envelope: Mapping[str, Any], aad: bytes) -> bytes:
    try:
        nonce, ciphertext = _unb64(envelope["nonce"]), _unb64(envelope["ciphertext"])
    except KeyError:
        raise KeyringError("keyring envelope is incomplete") from None
    if len(nonce) != 12:
        raise KeyringError("keyring envelope holds a nonce of the wrong size")
    try:
        return AesGcm(key).decrypt(nonce, ciphertext, aad)
    except (DecryptionError, InvalidArgument):
        raise DecryptionError(
            "keyring did not open: wrong passphrase or key, or the file was modified"
        ) from None


class PassphraseProvider:
    """Protect a keyring with a passphrase: Argon2id (default) or scrypt, then AES-256-GCM.

    Defaults follow RFC 9106's second recommended option (t=3, 64 MiB, p=1). Lower costs
    are for tests only. The passphrase is kept only as long as this object lives.
    """

    def __init__(
        self,
        passphrase: str | bytes,
        *,
        kdf: Literal["argon2id", "scrypt"] = "argon2id",
        time_cost: int = 3,
        memory_cost: int = 65536,
        scrypt_n: int = 2**15,
    ) -> None:
        if isinstance(passphrase, str):
            try:
                secret = passphrase.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidArgument("a keyring passphrase must be valid Unicode") from None
        elif isinstance(passphrase, bytes):
            secret = passphrase
        else:
            raise InvalidArgument("a keyring passphrase is a str or bytes")
        if len(secret) < 8:
            raise InvalidArgument("a keyring passphrase needs at least 8 characters")
        if kdf not in ("argon2id", "scrypt"):
            raise InvalidArgument(f"unknown passphrase KDF {kdf!r}")
        self._secret = secret
        self._kdf = kdf
        self._params = (
            {"time_cost": time_cost, "memory_cost": memory_cost, "parallelism": 1}
            if kdf == "argon2id"
            else {"n": scrypt_n, "r": 8, "p": 1}
        )
        self._cache: tuple[bytes, str, bytes] | None = None  # (salt, params json, key)

    @property
    def name(self) -> str:
        """``"passphrase"``."""
        return "passphrase"

    def __repr__(self) -> str:
        return f"PassphraseProvider(kdf={self._kdf!r})"

    def __reduce__(self) -> tuple[object, ...]:
        raise KeyringError("a PassphraseProvider holds a secret and cannot be pickled")

    def _derive(self, kdf: str, params: Mapping[str, Any], salt: bytes) -> bytes:
        try:
            fingerprint = json.dumps([kdf, dict(params)], sort_keys=True)
        except (TypeError, ValueError, RecursionError):
            raise KeyringError("keyring passphrase parameters are malformed") from None
        if self._cache and self._cache[0] == salt and self._cache[1] == fingerprint:
            return self._cache[2]
        try:
            if kdf == "argon2id":
                key = argon2id(
                    self._secret,
                    salt,
                    time_cost=_bounded(params["time_cost"], 1, 64),
                    memory_cost=_bounded(params["memory_cost"], 8, 4 * 1024 * 1024),
                    parallelism=_bounded(params["parallelism"], 1, 64),
                )
            elif kdf == "scrypt":
                n = _bounded(params["n"], 2, 2**24)
                if n & (n - 1):
                    raise KeyringError("keyring scrypt cost is not a power of 2")
                key = scrypt(
                    self._secret,
                    salt,
                    n=n,
                    r=_bounded(params["r"], 1, 64),
                    p=_bounded(params["p"], 1, 64),
                )
            else:
                raise KeyringError("keyring uses an unknown passphrase KDF")
        except KeyringError:
            raise
        except InvalidArgument as exc:
            raise KeyringError(f"keyring passphrase parameters are unusable ({exc})") from None
        except Exception as exc:  # argon2's HashingError, OverflowError, MemoryError, ...
            raise KeyringError(
                f"keyring passphrase parameters are malformed ({type(exc).__name__})"
            ) from None
        self._cache = (salt, fingerprint, key)
        return key

    def seal(self, payload: bytes, aad: bytes) -> dict[str, Any]:
        """Encrypt the payload under the passphrase-derived key (salt reused while open)."""
        fingerprint = json.dumps([self._kdf, self._params], sort_keys=True)
        if self._cache and self._cache[1] == fingerprint:
            salt = self._cache[0]
        else:
            salt = secrets.token_bytes(16)
        key = self._derive(self._kdf, self._params, salt)
        return {"kdf": self._kdf, "params": self._params, "salt": _b64(salt)} | _seal_with(
            key, payload, aad
        )

    def open(self, envelope: Mapping[str, Any], aad: bytes) -> bytes:
        """Re-derive the key with the envelope's KDF parameters and decrypt."""
        try:
            kdf, params, salt = envelope["kdf"], envelope["params"], _unb64(envelope["salt"])
        except KeyError:
            raise KeyringError("keyring envelope is incomplete") from None
        if not isinstance(params, Mapping) or not isinstance(kdf, str):
            raise KeyringError("keyring passphrase parameters are malformed")
        return _open_with(self._derive(kdf, params, salt), envelope, aad)


def _bounded(value: object, low: int, high: int) -> int:
    """A KDF cost from the file: an int within [low, high], else :class:`KeyringError`."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise KeyringError(f"keyring passphrase parameters out of range ({low}..{high})")
    return value


class EnvKeyProvider:
    """Protect a keyring with a 32-byte wrapping key from an environment variable (base64).

    Make one with ``openssl rand -base64 32`` and keep it in your secrets manager. The
    variable is read when the keyring is opened or saved, never stored in the file.
    """

    def __init__(self, variable: str = DEFAULT_ENV_VARIABLE) -> None:
        if not isinstance(variable, str) or not variable:
            raise InvalidArgument("the environment variable name must be a non-empty string")
        self.variable = variable

    @property
    def name(self) -> str:
        """``"env"``."""
        return "env"

    def __repr__(self) -> str:
        return f"EnvKeyProvider(variable={self.variable!r})"

    def _key(self) -> bytes:
        raw = os.environ.get(self.variable)
        if not raw:
            raise KeyringError(f"environment variable {self.variable} (wrapping key) is not set")
        try:
            key = base64.b64decode(raw.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeyringError(f"{self.variable} is not valid base64") from None
        if len(key) != 32:
            raise KeyringError(f"{self.variable} must hold 32 bytes (base64), got {len(key)}")
        return key

    def seal(self, payload: bytes, aad: bytes) -> dict[str, Any]:
        """Encrypt the payload under the environment's wrapping key."""
        return {"variable": self.variable} | _seal_with(self._key(), payload, aad)

    def open(self, envelope: Mapping[str, Any], aad: bytes) -> bytes:
        """Decrypt the payload with the environment's wrapping key."""
        return _open_with(self._key(), envelope, aad)


def _header(provider_name: str) -> dict[str, Any]:
    return {"format": _FORMAT, "version": _VERSION, "provider": provider_name}


def _aad(header: Mapping[str, Any]) -> bytes:
    return json.dumps(dict(header), sort_keys=True, separators=(",", ":")).encode("utf-8")


def check_permissions(path: Path) -> None:
    """Raise :class:`InsecureKeyring` when group or others may read or write ``path``."""
    if os.name != "posix":  # pragma: no cover - POSIX permission bits only
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InsecureKeyring(
            f"keyring file {path} has mode {mode:04o}: group/others may access it "
            f"(chmod 600 it, or pass allow_insecure=True)"
        )


def read_provider_name(path: Path) -> str:
    """The provider name in a keyring file's header (to pick a provider before opening)."""
    try:
        name = json.loads(path.read_text(encoding="utf-8"))["provider"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError, IndexError):
        raise KeyringError(f"{path} is not a readable medguard keyring file") from None
    if not isinstance(name, str):
        raise KeyringError(f"{path} is not a readable medguard keyring file")
    return name


def read_keyring_file(path: Path, provider: KeyProvider, *, allow_insecure: bool = False) -> bytes:
    """Check, parse and open a keyring file; returns the decrypted payload."""
    if not path.is_file():
        raise KeyringError(f"keyring file {path} does not exist")
    if not allow_insecure:
        check_permissions(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        header = {k: document[k] for k in ("format", "version", "provider")}
        envelope = document["envelope"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError, IndexError):
        raise KeyringError(f"{path} is not a medguard keyring file") from None
    if (
        header["format"] != _FORMAT
        or type(header["version"]) is not int
        or header["version"] != _VERSION
        or not isinstance(header["provider"], str)
    ):
        raise KeyringError(f"{path} is not a medguard keyring file of version {_VERSION}")
    if header["provider"] != provider.name:
        raise KeyringError(
            f"{path} is protected by provider {header['provider']!r}, not {provider.name!r}"
        )
    if not isinstance(envelope, Mapping):
        raise KeyringError(f"{path} is not a medguard keyring file")
    return provider.open(envelope, _aad(header))


def write_keyring_file(path: Path, provider: KeyProvider, payload: bytes) -> None:
    """Seal ``payload`` and write it atomically (temp file with mode 0600, fsync, rename)."""
    header = _header(provider.name)
    document = header | {"envelope": provider.seal(payload, _aad(header))}
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text, mode=0o600)  # owner-only from its creation by mkstemp
