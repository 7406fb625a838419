"""The :class:`AuditTrail`: an append-only, hash-chained, HMAC-keyed, checkpointed record log.

>>> import tempfile, pathlib
>>> from medguard.keys import Keyring
>>> ring = Keyring.generate()
>>> path = pathlib.Path(tempfile.mkdtemp()) / "audit.jsonl"
>>> trail = AuditTrail.open(path, ring, actor="alice@his-01")
>>> record = trail.append("export.share", dataset="visits", rows=1200, subject="110105194912310021")
>>> record.seq, record.fields["rows"], record.fields["subject"].startswith("110105")
(0, 1200, False)
>>> trail.verify().ok
True

Records are written by :meth:`AuditTrail.append` (one) and :meth:`AuditTrail.append_many` (a
batch, one sync); their layout is in :mod:`medguard.audit._chain`. See ``docs/audit.md``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import socket
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from medguard.audit._backend import Backend, Locked, open_backend
from medguard.audit._chain import GENESIS, Mac, chain_hasher, parse_fast
from medguard.audit.canonical import canonical_json
from medguard.audit.checkpoint import Checkpoint
from medguard.audit.merkle import Frontier, HashName, consistency_proof, inclusion_proof
from medguard.audit.signing import PublicKey, derive_key, public_key
from medguard.errors import AuditError, InvalidArgument, KeyringError
from medguard.keys import Keyring, Suite

if TYPE_CHECKING:
    from medguard.audit.verify import VerifyResult

__all__ = ["AuditRecord", "AuditTrail", "InclusionProof"]

HMAC_PURPOSE = "audit-hmac"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_ACTION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}")
_OWN = frozenset({"action", "actor", "time"})


_GOOD_NAMES: set[str] = set()


def _good_name(name: object) -> bool:
    """True (and remembered) when ``name`` may name a field of a record."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in _OWN:
        return False
    if len(_GOOD_NAMES) < 4096:
        _GOOD_NAMES.add(name)
    return True


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _default_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname() or 'localhost'}"


@dataclass(frozen=True)
class AuditRecord:
    """One record of a trail: its place, time, actor, action, fields and chain values."""

    seq: int
    time: str
    actor: str
    action: str
    fields: Mapping[str, Any]
    hash: str
    prev: str
    mac_key: str

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain dict (the fields at top level, as the line stores them)."""
        return {
            "seq": self.seq,
            "time": self.time,
            "actor": self.actor,
            "action": self.action,
            **self.fields,
            "hash": self.hash,
            "prev": self.prev,
            "mac_key": self.mac_key,
        }

    @classmethod
    def from_line(cls, line: bytes) -> AuditRecord:
        """Read a stored line (no verification); :class:`AuditError` when it is not a record."""
        try:
            data = json.loads(line)
            record_hash = data.pop("_hash")
            data.pop("_mac")
            return cls(
                seq=int(data.pop("_seq")),
                time=str(data.pop("time")),
                actor=str(data.pop("actor")),
                action=str(data.pop("action")),
                hash=str(record_hash),
                prev=str(data.pop("_prev")),
                mac_key=str(data.pop("_mac_key")),
                fields=data,
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise AuditError("a line of the trail is not an audit record") from None


@dataclass(frozen=True)
class InclusionProof:
    """Record ``seq`` (leaf data: its 32-byte record hash) is in the tree of ``size`` records."""

    seq: int
    size: int
    record_hash: bytes
    root: bytes
    path: tuple[bytes, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (hashes in hex)."""
        return {
            "seq": self.seq,
            "tree_size": self.size,
            "record_hash": self.record_hash.hex(),
            "root": self.root.hex(),
            "path": [p.hex() for p in self.path],
        }


@dataclass
class _State:
    position: int = 0
    count: int = 0
    last: str = GENESIS
    first: str | None = None
    frontier: Frontier = field(default_factory=Frontier)

    def copy(self) -> _State:
        return _State(self.position, self.count, self.last, self.first, self.frontier.copy())


class AuditTrail:
    """A tamper-evident audit trail in a file or an SQL database; see the module docstring.

    Open one with :meth:`open`. Safe to share between threads; several processes may append
    to the same trail at once (a file lock, or the database's transaction).
    """

    def __init__(
        self,
        backend: Backend,
        keyring: Keyring,
        *,
        actor: str | None = None,
        checkpoint_every: int | None = None,
        hash: HashName | None = None,
    ) -> None:
        self._backend = backend
        self._keyring = keyring
        self.actor = actor or _default_actor()
        if checkpoint_every is not None and checkpoint_every < 1:
            raise InvalidArgument("checkpoint_every is a positive number of records")
        self.checkpoint_every = checkpoint_every
        self._lock = threading.RLock()
        self._macs: dict[str, Mac] = {}
        if hash not in (None, "sha256", "sm3"):
            raise InvalidArgument("hash is 'sha256' or 'sm3'")
        self._hash_name: HashName | None = hash
        self._state: _State | None = None

    @classmethod
    def open(
        cls,
        target: str | os.PathLike[str],
        keyring: Keyring,
        *,
        actor: str | None = None,
        checkpoint_every: int | None = None,
        hash: HashName | None = None,
        create: bool = True,
    ) -> AuditTrail:
        """Open (or start) the trail at ``target``: a file path (one record a line), an SQLite
        file (``*.db``, ``sqlite:///path``) or a SQLAlchemy URL (``postgresql+psycopg://...``).

        ``keyring`` keys the HMAC and signs checkpoints; ``actor`` names who appends (default
        ``user@host``); ``checkpoint_every`` signs a checkpoint each time the trail passes a
        multiple of that many records. ``hash`` (``"sha256"`` or ``"sm3"``) is found from the
        key of the first record; name it when ``keyring`` does not hold that key (a co-signer
        reading another party's trail). With ``create=False`` a trail file that does not exist
        raises :class:`AuditError` instead of being started.
        """
        if not isinstance(keyring, Keyring):
            raise InvalidArgument("AuditTrail.open needs a medguard.keys.Keyring")
        backend = open_backend(target)
        if not create and not backend.exists():
            raise AuditError(f"no audit trail at {backend.where}")
        return cls(
            backend,
            keyring,
            actor=actor,
            checkpoint_every=checkpoint_every,
            hash=hash,
        )

    def __repr__(self) -> str:
        return f"AuditTrail({self._backend.where!r})"

    @property
    def where(self) -> str:
        """The file or the database URL (password hidden)."""
        return self._backend.where

    @property
    def keyring(self) -> Keyring:
        """The keyring that keys this trail."""
        return self._keyring

    # ----------------------------------------------------------------- keys and hashes

    @property
    def hash_name(self) -> HashName:
        """``"sha256"``, or ``"sm3"`` when the trail's first record was keyed by an SM key."""
        if self._hash_name is None:
            first = next(iter(self._backend.lines()), None)
            kid: str | None = None
            if first is not None:
                parsed = parse_fast(first[0])
                kid = parsed[3] if parsed else None
            try:
                suite = self._keyring.get(kid).suite if kid else self._keyring.primary.suite
            except KeyringError:
                suite = self._keyring.primary.suite
            self._hash_name = "sm3" if suite is Suite.SM else "sha256"
        return self._hash_name

    def mac_for(self, key_id: str) -> Mac:
        """The HMAC of records keyed by ``key_id`` (raises a keyring error if unusable)."""
        mac = self._macs.get(key_id)
        if mac is None:
            _, material = derive_key(self._keyring, HMAC_PURPOSE, key_id=key_id)
            mac = self._macs[key_id] = Mac(material, self.hash_name)
        return mac

    def subject_token(self, subject: str) -> str:
        """The keyed token that stands for ``subject`` in records (never the subject itself).

        It is the keyring's :meth:`~medguard.keys.Keyring.subject_token`: stable across key
        rotation, and unaffected when the subject's own key is destroyed.
        """
        if not isinstance(subject, str) or not subject:
            raise InvalidArgument("a subject is a non-empty string")
        return self._keyring.subject_token(subject)

    @property
    def origin(self) -> str:
        """The trail's name in checkpoints: ``medguard-audit/`` and its first record's hash."""
        state = self._synced()
        if state.first is None:
            raise AuditError("an empty trail has no origin yet: append a record first")
        return f"medguard-audit/{state.first[:16]}"

    def public_key(self) -> PublicKey:
        """The public key checkpoints are signed with now (the keyring's primary key)."""
        return public_key(self._keyring)

    # ----------------------------------------------------------------- appending

    def _prepare(self, action: str, fields: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
        if not isinstance(action, str) or not _ACTION.fullmatch(action):
            raise InvalidArgument(
                "an action is 1-128 characters of letters, digits and _ . : / - (e.g. 'key.rotate')"
            )
        clean: dict[str, Any] = {}
        actor = self.actor
        for name, value in fields.items():
            if name == "actor":
                if not isinstance(value, str) or not value:
                    raise InvalidArgument("actor is a non-empty string")
                actor = value
                continue
            if name not in _GOOD_NAMES and not _good_name(name):
                raise InvalidArgument(
                    f"audit field names are lowercase [a-z][a-z0-9_]* and not action, actor or "
                    f"time: {str(name)[:40]!r}"
                )
            if name == "subject":
                value = None if value is None else self.subject_token(value)
            elif name == "subjects":
                if isinstance(value, str) or not isinstance(value, Iterable):
                    raise InvalidArgument("subjects is a list of subjects")
                value = [self.subject_token(s) for s in value]
            clean[name] = value
        return action, actor, clean

    def append(self, action: str, /, **fields: Any) -> AuditRecord:
        """Append one record and sync it to disk; returns it.

        ``fields`` are JSON values (str, int, finite float, bool, None, lists, dicts) under
        lowercase names. ``subject=`` (or ``subjects=[...]``) takes a person's identifier and
        stores only its keyed token; ``actor=`` overrides the trail's actor. Never pass a raw
        value of the data: record names, counts, key IDs and fingerprints.
        """
        return self.append_many([(action, fields)])[0]

    def append_many(self, events: Iterable[tuple[str, Mapping[str, Any]]]) -> list[AuditRecord]:
        """Append a batch of ``(action, fields)`` records with one sync; all or none."""
        prepared = [self._prepare(action, fields) for action, fields in events]
        if not prepared:
            return []
        kid = self._keyring.primary.key_id
        mac = self.mac_for(kid)
        with self._lock, self._backend.locked() as locked:
            state = self._absorb(locked)
            h = chain_hasher(self.hash_name)
            lines: list[bytes] = []
            records: list[AuditRecord] = []
            prev = state.last
            seq = state.count
            time = _now()  # one instant per batch: the batch is written at once
            for action, actor, fields in prepared:
                body = canonical_json(
                    {"_mac_key": kid, "_prev": prev, "_seq": seq, "action": action,
                     "actor": actor, "time": time, **fields}
                )  # fmt: skip
                digest = h(body)
                tag = mac.digest(digest)
                record_hash = digest.hex()
                lines.append(
                    b'{"_hash":"' + record_hash.encode() + b'","_mac":"' + tag.hex().encode()
                    + b'",' + body[1:]
                )  # fmt: skip
                records.append(
                    AuditRecord(seq, time, actor, action, fields, record_hash, prev, kid)
                )
                state.frontier.add(h(b"\x00" + digest))
                if state.first is None:
                    state.first = record_hash
                prev = record_hash
                seq += 1
            before = state.count
            state.position = locked.write(lines)
            state.count, state.last = seq, prev
            every = self.checkpoint_every
            if every is not None and before // every != seq // every:
                self._store_checkpoint(locked, state)
            self._state = state
        return records

    def _absorb(self, locked: Locked) -> _State:
        """The state brought up to date with lines other writers appended (a copy)."""
        state = (
            self._state.copy()
            if self._state is not None
            else _State(frontier=Frontier(self.hash_name))
        )
        h = chain_hasher(self.hash_name)
        for lines in locked.tail(state.position):
            for line in lines:
                parsed = parse_fast(line)
                if parsed is None:
                    raise AuditError(
                        f"record {state.count} of the audit trail at {self.where} is malformed: "
                        "run `medguard audit verify`"
                    )
                record_hash = parsed[1]
                state.frontier.add(h(b"\x00" + bytes.fromhex(record_hash)))
                if state.first is None:
                    state.first = record_hash
                state.last = record_hash
                state.count += 1
        state.position = locked.position
        return state

    def _synced(self) -> _State:
        with self._lock, self._backend.locked() as locked:
            self._state = self._absorb(locked)
            return self._state

    def __len__(self) -> int:
        return self._synced().count

    # ----------------------------------------------------------------- checkpoints

    def _store_checkpoint(self, locked: Locked, state: _State) -> Checkpoint:
        assert state.first is not None
        origin = f"medguard-audit/{state.first[:16]}"
        checkpoint = Checkpoint(origin, state.count, state.frontier.root()).signed(self._keyring)
        locked.add_checkpoint(state.count, checkpoint.text())
        return checkpoint

    def checkpoint(self) -> Checkpoint:
        """Sign and store a checkpoint of the trail as it is now; returns it."""
        with self._lock, self._backend.locked() as locked:
            state = self._absorb(locked)
            if state.count == 0:
                raise AuditError("an empty trail has nothing to checkpoint")
            checkpoint = self._store_checkpoint(locked, state)
            self._state = state
        return checkpoint

    def checkpoints(self) -> list[Checkpoint]:
        """The stored checkpoints, oldest first; co-signatures of one head merged into it."""
        merged: dict[bytes, Checkpoint] = {}
        for note in self._backend.checkpoints():
            cp = Checkpoint.parse(note)
            key = cp.body()
            merged[key] = merged[key].merge(cp) if key in merged else cp
        return sorted(merged.values(), key=lambda c: c.size)

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Store a checkpoint of this trail signed elsewhere (e.g. co-signed by a partner).

        It must be a head of this trail: same origin, and the root of its first ``size``
        records. Raises :class:`AuditError` otherwise.
        """
        if checkpoint.origin != self.origin:
            raise AuditError("the checkpoint belongs to another trail (origin differs)")
        leaves = self.leaf_hashes(checkpoint.size)
        from medguard.audit.merkle import root

        if root(leaves, self.hash_name) != checkpoint.root:
            raise AuditError(
                f"the checkpoint of size {checkpoint.size} does not match this trail's records"
            )
        with self._lock, self._backend.locked() as locked:
            locked.add_checkpoint(checkpoint.size, checkpoint.text())

    # ----------------------------------------------------------------- reading and proofs

    def lines(self) -> Iterator[tuple[bytes, bool]]:
        """The stored lines in order, ``False`` marking a torn last line (for verification)."""
        return self._backend.lines()

    def line_batches(self) -> Iterator[tuple[list[bytes], bytes | None]]:
        """The stored lines many at a time; a torn last line comes as the second item."""
        return self._backend.batches()

    def records(
        self,
        *,
        since: str | dt.datetime | None = None,
        until: str | dt.datetime | None = None,
        actor: str | None = None,
        action: str | None = None,
        dataset: str | None = None,
        subject: str | None = None,
    ) -> Iterator[AuditRecord]:
        """The records matching every filter given, oldest first (not verified: call
        :meth:`verify` for that).

        ``since``/``until`` bound the time (inclusive, exclusive; RFC 3339 text or aware
        datetimes); ``action`` matches exactly, or by prefix when it ends in ``*``
        (``"key.*"``); ``subject`` is tokenized before it is looked up, and matches the
        ``subject``, ``subjects`` and ``subject_token`` fields (the keyring's own records).
        """
        low, high = _instant(since), _instant(until)
        tokens = {self.subject_token(subject)} if subject is not None else None
        for line, complete in self._backend.lines():
            if not complete:
                return
            record = AuditRecord.from_line(line)
            if actor is not None and record.actor != actor:
                continue
            if action is not None and not (
                record.action.startswith(action[:-1])
                if action.endswith("*")
                else record.action == action
            ):
                continue
            if dataset is not None and record.fields.get("dataset") != dataset:
                continue
            if tokens is not None:
                held = {
                    record.fields.get("subject"),
                    record.fields.get("subject_token"),
                    *(record.fields.get("subjects") or ()),
                }
                if not tokens & held:
                    continue
            if low is not None or high is not None:
                at = _instant(record.time)
                assert at is not None
                if (low is not None and at < low) or (high is not None and at >= high):
                    continue
            yield record

    def record_hashes(self, size: int | None = None) -> list[bytes]:
        """The 32-byte record hashes of the first ``size`` records (all by default)."""
        out: list[bytes] = []
        for line, complete in self._backend.lines():
            if size is not None and len(out) >= size:
                break
            parsed = parse_fast(line) if complete else None
            if parsed is None:
                raise AuditError(
                    f"record {len(out)} of the trail is malformed or torn: verify the trail"
                )
            out.append(bytes.fromhex(parsed[1]))
        if size is not None and len(out) < size:
            raise AuditError(f"the trail holds {len(out)} records, fewer than {size}")
        return out

    def leaf_hashes(self, size: int | None = None) -> list[bytes]:
        """The Merkle leaf hashes ``H(0x00 || record hash)`` of the first ``size`` records."""
        h = chain_hasher(self.hash_name)
        return [h(b"\x00" + d) for d in self.record_hashes(size)]

    def inclusion_proof(self, seq: int, size: int | None = None) -> InclusionProof:
        """Proof that record ``seq`` is in the tree of the first ``size`` records (default:
        the latest checkpoint's size, or the whole trail when there is none)."""
        if size is None:
            latest = self.checkpoints()
            size = latest[-1].size if latest else None
        hashes = self.record_hashes(size)
        if not 0 <= seq < len(hashes):
            raise AuditError(f"record {seq} is not in a tree of {len(hashes)} records")
        h = chain_hasher(self.hash_name)
        leaves = [h(b"\x00" + d) for d in hashes]
        from medguard.audit.merkle import root

        return InclusionProof(
            seq,
            len(leaves),
            hashes[seq],
            root(leaves, self.hash_name),
            tuple(inclusion_proof(seq, leaves, self.hash_name)),
        )

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Proof that the tree of ``old_size`` records is a prefix of the one of ``new_size``
        (default: the whole trail)."""
        leaves = self.leaf_hashes(new_size)
        if not 0 <= old_size <= len(leaves):
            raise AuditError(f"old size {old_size} is beyond the tree size {len(leaves)}")
        return consistency_proof(old_size, leaves, self.hash_name)

    # ----------------------------------------------------------------- verification

    def verify(
        self,
        *,
        checkpoints: Sequence[Checkpoint] = (),
        cosigners: Mapping[str, PublicKey | bytes | str] | None = None,
        expected_size: int | None = None,
        workers: int = 1,
    ) -> VerifyResult:
        """Check every record and checkpoint; a :class:`~medguard.audit.verify.VerifyResult`.

        ``checkpoints`` adds heads kept elsewhere (a partner's co-signed copy: the trail's
        own checkpoint file may have been rewritten too); ``cosigners`` maps co-signer names
        to public keys whose signatures must verify where present; ``expected_size`` is a
        record count known from elsewhere (a shorter trail is reported truncated).
        ``workers`` > 1 checks the records of a large trail file in that many forked
        processes (POSIX; only in a process that does not run other threads), falling back
        to one process, which also diagnoses, whenever something does not verify.
        """
        from medguard.audit.verify import verify_trail

        return verify_trail(
            self,
            checkpoints=checkpoints,
            cosigners=cosigners,
            expected_size=expected_size,
            workers=workers,
        )

    def repair(self) -> int:
        """Cut a torn last record (an append interrupted by a crash); the bytes cut.

        Only an incomplete last line is cut, never a whole record: run :meth:`verify` first
        and read what it reports.
        """
        with self._lock:
            cut = self._backend.repair()
            self._state = None
        return cut


def _instant(value: str | dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        when = value
    else:
        text = str(value).strip()
        if len(text) == 10:  # a date alone: its start in UTC
            text += "T00:00:00+00:00"
        try:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidArgument("times are RFC 3339 (2026-01-31T08:00:00+08:00)") from None
    if when.tzinfo is None:
        raise InvalidArgument("times need a UTC offset (2026-01-31T08:00:00+08:00)")
    return when
