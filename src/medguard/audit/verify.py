"""Verification of a trail: every record's hash, link, sequence number and HMAC, every checkpoint.

:func:`verify_trail` reads the trail once. A record passes when its body hashes to its
``_hash``, its ``_prev`` is the hash of the record before, its ``_seq`` is its position and its
``_mac`` verifies under the keyring key it names; each checkpoint passes when the trail's
keyring signed it, every known co-signer's line on it verifies, and the Merkle head of that many
records equals its root. The first failure is diagnosed by looking at the rest of the trail:

========== ================================================================================
kind       what the trail shows
========== ================================================================================
modified   a record whose content no longer matches its hash (or a broken link or a record
           that is not a record); or records that no longer match a signed checkpoint
deleted    a record whose sequence number skips ahead, the missing ones nowhere later
reordered  a sequence number out of place whose missing predecessors come later
inserted   a valid record appearing twice (a copy inserted)
truncated  fewer records than a checkpoint (or ``expected_size``) covers
forged     a record whose hash is right but whose HMAC is not (made without the key), a key
           the keyring does not hold, or a checkpoint not signed by the trail's keyring or a
           known co-signer
torn       an incomplete last line: an append interrupted by a crash (``repair`` cuts it)
unverifiable  a record keyed by a disabled or destroyed key: its HMAC cannot be checked
========== ================================================================================
"""

from __future__ import annotations

import hmac
import itertools
import multiprocessing
from binascii import hexlify
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from medguard.audit._chain import GENESIS, Mac, chain_hasher, hash_factory, parse_fast
from medguard.audit.checkpoint import Checkpoint, NoteSignature, key_hash
from medguard.audit.merkle import Frontier, HashName
from medguard.audit.signing import PublicKey, load_public_key, public_key
from medguard.errors import KeyNotFound, KeyringError

if TYPE_CHECKING:
    from medguard.audit.trail import AuditTrail

__all__ = ["KINDS", "VerifyResult", "verify_trail"]

_HEAD = b'{"_hash":"'
_MID = b'","_mac":"'
_PREV = b'","_prev":"'


KINDS = (
    "modified",
    "deleted",
    "reordered",
    "inserted",
    "truncated",
    "forged",
    "torn",
    "unverifiable",
)


@dataclass(frozen=True)
class VerifyResult:
    """What :meth:`AuditTrail.verify` found: ``ok``, or the first bad record and its kind.

    ``records`` counts the records that verified (before the first problem), ``checkpoints``
    the checkpoints and ``cosignatures`` the co-signature lines that verified.
    """

    ok: bool
    records: int
    checkpoints: int = 0
    cosignatures: int = 0
    kind: str | None = None
    seq: int | None = None
    message: str = "intact"

    def __bool__(self) -> bool:
        return self.ok

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "ok": self.ok,
            "records": self.records,
            "checkpoints": self.checkpoints,
            "cosignatures": self.cosignatures,
            "kind": self.kind,
            "seq": self.seq,
            "message": self.message,
        }


class _Keys:
    """The keyring's HMACs and signing public keys, looked up once each."""

    def __init__(self, trail: AuditTrail) -> None:
        self.trail = trail
        self.macs: dict[str, Mac | str] = {}
        self._signers: dict[bytes, bytes] | None = None
        self._origin: str | None = None

    def mac(self, key_id: str) -> Mac | str:
        """The MAC of ``key_id``, or why there is none ("unknown" / "unusable")."""
        found = self.macs.get(key_id)
        if found is None:
            try:
                found = self.trail.mac_for(key_id)
            except KeyNotFound:
                found = "unknown"
            except KeyringError:
                found = "unusable"
            self.macs[key_id] = found
        return found

    def signers(self, origin: str) -> dict[bytes, bytes]:
        """Signed-note key hash -> public key, for every usable keyring key under ``origin``."""
        if self._signers is None or self._origin != origin:
            ring = self.trail.keyring
            signers: dict[bytes, bytes] = {}
            for info in ring.list(include_subject_keys=False):
                try:
                    raw = public_key(ring, key_id=info.key_id).raw
                except KeyringError:
                    continue
                signers[key_hash(origin, raw)] = raw
            self._signers, self._origin = signers, origin
        return self._signers


def _bad(
    records: int, kind: str, seq: int | None, message: str, cps: int = 0, cos: int = 0
) -> VerifyResult:
    return VerifyResult(False, records, cps, cos, kind, seq, message)


def _no_mac(data: bytes) -> bytes:
    return b""


class _Cursor:
    """Where a scan stands: the next sequence number and link, the key it expects, leaves."""

    __slots__ = ("expect_head", "first", "leaves", "link_at", "mac_digest", "prev", "seq")

    def __init__(self, seq: int, prev: bytes) -> None:
        self.seq, self.prev, self.first = seq, prev, b""
        self.mac_digest: Callable[[bytes], bytes] = _no_mac
        self.expect_head = b"\xff"  # matches no line: the first record takes the slow path
        self.link_at = 0
        self.leaves: list[bytes] = []


def _scan(
    cursor: _Cursor,
    lines: list[bytes],
    keys: _Keys,
    new: Callable[[bytes], Any],
    leaves_until: int,
) -> int | None:
    """Verify ``lines`` in order from ``cursor`` (hash, link, sequence number, HMAC), keeping
    the Merkle leaves of records below ``leaves_until``; the index of the first line that
    fails, or ``None``."""
    seq, prev, first, leaves = cursor.seq, cursor.prev, cursor.first, cursor.leaves
    mac_digest, expect_head, link_at = cursor.mac_digest, cursor.expect_head, cursor.link_at
    failed: int | None = None
    for index, line in enumerate(lines):
        # The fast path: the line must be exactly what a writer makes of the expected key,
        # link and sequence number; anything else takes the slow path or fails.
        if not (
            line.startswith(_HEAD)
            and line.startswith(_MID, 74)
            and line.startswith(b'",', 148)
            and line.startswith(expect_head, 150)
            and line.startswith(prev, link_at)
            and line.startswith(b'","_seq":%d,' % seq, link_at + 64)
        ):
            parsed = parse_fast(line)
            mac = keys.mac(parsed[3]) if parsed is not None else None
            if parsed is None or not isinstance(mac, Mac):
                failed = index
                break
            mac_digest = mac.digest
            expect_head = b'"_mac_key":"' + parsed[3].encode() + _PREV
            link_at = 150 + len(expect_head)
            if not (
                line.startswith(expect_head, 150)
                and line.startswith(prev, link_at)
                and line.startswith(b'","_seq":%d,' % seq, link_at + 64)
            ):
                failed = index
                break
        digest = new(b"{" + line[150:]).digest()
        record_hash = line[10:74]
        if hexlify(digest) != record_hash or not hmac.compare_digest(
            hexlify(mac_digest(digest)), line[84:148]
        ):
            failed = index
            break
        if seq < leaves_until:
            leaves.append(new(b"\x00" + digest).digest())
        if not first:
            first = record_hash
        prev = record_hash
        seq += 1
    cursor.seq, cursor.prev, cursor.first = seq, prev, first
    cursor.mac_digest, cursor.expect_head, cursor.link_at = mac_digest, expect_head, link_at
    return failed


class _Tree:
    """The Merkle tree of the verified records, checked against each checkpoint in turn."""

    def __init__(
        self,
        pending: list[Checkpoint],
        hash_name: HashName,
        keys: _Keys,
        witnesses: Mapping[str, bytes],
    ) -> None:
        self.pending, self.keys, self.witnesses = pending, keys, witnesses
        self.new = hash_factory(hash_name)
        self.frontier = Frontier(hash_name)
        self.cps = self.cos = 0
        self.verified_size = 0
        self.until = pending[-1].size if pending else 0

    def feed(self, leaves: list[bytes], first: bytes) -> VerifyResult | None:
        """Add leaves (in order); a failed result when a checkpoint does not hold."""
        pending, frontier, new = self.pending, self.frontier, self.new
        stack = frontier.stack
        count = frontier.size
        next_size = pending[0].size if pending else -1
        for leaf in leaves:
            stack.append(leaf)
            size = count
            while size & 1:
                right = stack.pop()
                stack[-1] = new(b"\x01" + stack[-1] + right).digest()
                size >>= 1
            count += 1
            if count != next_size:
                continue
            frontier.size = count
            origin = f"medguard-audit/{first[:16].decode()}"
            while pending and pending[0].size == count:
                cp = pending.pop(0)
                problem = _check_checkpoint(cp, origin, self.keys, self.witnesses)
                if isinstance(problem, str):
                    return _bad(count, "forged", count - 1, problem, self.cps, self.cos)
                self.cos += problem
                if cp.root != frontier.root():
                    low = self.verified_size
                    return _bad(
                        low, "modified", low,
                        f"records {low}..{count - 1} do not match the signed checkpoint of size "
                        f"{count}: the trail was rewritten (by someone holding the key?)",
                        self.cps, self.cos,
                    )  # fmt: skip
                self.cps += 1
            self.verified_size = count
            next_size = pending[0].size if pending else -1
        frontier.size = count
        return None


def verify_trail(
    trail: AuditTrail,
    *,
    checkpoints: Sequence[Checkpoint] = (),
    cosigners: Mapping[str, PublicKey | bytes | str] | None = None,
    expected_size: int | None = None,
    workers: int = 1,
) -> VerifyResult:
    """Verify ``trail``; see the module docstring and :meth:`AuditTrail.verify`."""
    witnesses = {name: load_public_key(k).raw for name, k in (cosigners or {}).items()}
    merged: dict[bytes, Checkpoint] = {}
    for cp in [*trail.checkpoints(), *checkpoints]:
        key = cp.body()
        merged[key] = merged[key].merge(cp) if key in merged else cp
    pending = sorted((c for c in merged.values() if c.size > 0), key=lambda c: c.size)
    hash_name = trail.hash_name
    new = hash_factory(hash_name)
    keys = _Keys(trail)
    tree = _Tree(pending, hash_name, keys, witnesses)
    count = -1
    if workers > 1:
        done = _parallel(trail, keys, new, tree.until, workers)
        if done is not None:  # every record verified: only checkpoints are left
            count, first, leaves = done
            problem = tree.feed(leaves, first)
            if problem is not None:
                return problem
    if count < 0:
        cursor = _Cursor(0, GENESIS.encode())
        batches = trail.line_batches()
        for batch, torn in batches:
            if torn is not None:
                return _bad(cursor.seq, "torn", cursor.seq,
                            f"record {cursor.seq} is torn (an append interrupted by a crash): "
                            "cut it with `medguard audit repair`", tree.cps, tree.cos)  # fmt: skip
            failed = _scan(cursor, batch, keys, new, tree.until)
            problem = tree.feed(cursor.leaves, cursor.first)
            cursor.leaves.clear()
            if problem is not None:
                return problem
            if failed is not None:
                rest = _rest(batch, failed, batches)
                return _diagnose(trail, keys, cursor.seq, batch[failed], rest, tree.cps, tree.cos)
        count = cursor.seq
    if tree.pending or (expected_size is not None and expected_size > count):
        expected = max([c.size for c in tree.pending] + [expected_size or 0])
        return _bad(count, "truncated", count,
                    f"the trail ends after {count} records but {expected} were recorded "
                    f"(records {count}..{expected - 1} are gone)", tree.cps, tree.cos)  # fmt: skip
    return VerifyResult(True, count, tree.cps, tree.cos)


# ---------------------------------------------------------------- parallel verification

#: Files smaller than this are verified in one process (starting workers costs more).
PARALLEL_MIN_BYTES = 32 << 20
_JOB: dict[str, Any] = {}


def _parallel(
    trail: AuditTrail,
    keys: _Keys,
    new: Callable[[bytes], Any],
    leaves_until: int,
    workers: int,
) -> tuple[int, bytes, list[bytes]] | None:
    """Verify a trail file's records in ``workers`` forked processes, one range of lines each.

    Returns ``(records, first record hash, Merkle leaves)`` when every record verified and the
    ranges join up (each range's first record continues the one before), else ``None``: the
    caller then verifies in one process, which also says what went wrong. Needs a trail file
    ending in a newline and the ``fork`` start method (POSIX).
    """
    from medguard.audit._backend import FileBackend

    backend = getattr(trail, "_backend", None)
    if not isinstance(backend, FileBackend):
        return None
    try:
        ctx = multiprocessing.get_context("fork")
        size = backend.path.stat().st_size
        if size < PARALLEL_MIN_BYTES:
            return None
        with backend.path.open("rb") as f:
            f.seek(size - 1)
            if f.read(1) != b"\n":
                return None  # a torn last line: the one-process path reports it
            bounds = [0]
            for k in range(1, workers):
                f.seek(max(bounds[-1], size * k // workers))
                f.readline()
                if bounds[-1] < f.tell() < size:
                    bounds.append(f.tell())
            bounds.append(size)
    except (OSError, ValueError):
        return None
    _JOB.update(path=str(backend.path), keys=keys, new=new, until=leaves_until)
    results: list[Any] = []
    try:
        jobs = []
        for start, end in itertools.pairwise(bounds):
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_verify_range, args=(child, start, end), daemon=True)
            proc.start()
            child.close()
            jobs.append((proc, parent))
        for proc, parent in jobs:
            try:
                results.append(parent.recv())
            except (EOFError, OSError):
                results.append(None)
            parent.close()
            proc.join()
    finally:
        _JOB.clear()
    if any(r is None for r in results):
        return None
    seq, prev = 0, GENESIS.encode()
    leaves: list[bytes] = []
    for first_seq, first_prev, n, _first, last, blob in results:
        if first_seq != seq or first_prev != prev:
            return None  # the ranges do not join up: a record is missing or out of place
        seq, prev = seq + n, last
        leaves.extend(blob[i : i + 32] for i in range(0, len(blob), 32))
    return seq, results[0][3], leaves


def _verify_range(conn: Any, start: int, end: int) -> None:  # pragma: no cover - in a child
    """In a forked worker: verify the lines in bytes ``start..end`` of the trail file."""
    result: Any = None
    try:
        keys, new, until = _JOB["keys"], _JOB["new"], _JOB["until"]
        with open(_JOB["path"], "rb") as f:
            f.seek(start)
            cursor: _Cursor | None = None
            carry, left = b"", end - start
            while left > 0:
                block = f.read(min(8 << 20, left))
                if not block:
                    raise OSError("the trail file shrank")
                left -= len(block)
                lines = (carry + block).split(b"\n")
                carry = lines.pop()
                if cursor is None:
                    parsed = parse_fast(lines[0]) if lines else None
                    if parsed is None:
                        raise ValueError("not a record")
                    first_seq, first_prev = parsed[5], parsed[4].encode()
                    cursor = _Cursor(first_seq, first_prev)
                if _scan(cursor, lines, keys, new, until) is not None:
                    raise ValueError("a record does not verify")
            if cursor is None or carry:
                raise ValueError("an empty or torn range")
        result = (
            first_seq,
            first_prev,
            cursor.seq - first_seq,
            cursor.first,
            cursor.prev,
            b"".join(cursor.leaves),
        )
    except Exception:  # any failure: the parent verifies in one process and says why
        result = None
    finally:
        conn.send(result)
        conn.close()


def _verifies(cp: Checkpoint, sig: NoteSignature, raw: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(sig.signature, cp.body())
    except InvalidSignature:
        return False
    return True


def _rest(
    batch: list[bytes], index: int, batches: Iterator[tuple[list[bytes], bytes | None]]
) -> Iterator[tuple[bytes, bool]]:
    for line in batch[index + 1 :]:
        yield line, True
    for more, torn in batches:
        for line in more:
            yield line, True
        if torn is not None:
            yield torn, False


def _check_checkpoint(
    cp: Checkpoint, origin: str, keys: _Keys, witnesses: Mapping[str, bytes]
) -> str | int:
    """Why ``cp`` is not properly signed, or how many co-signatures on it verified."""
    if cp.origin != origin:
        return f"the checkpoint of size {cp.size} names another trail ({cp.origin})"
    signers = keys.signers(origin)
    own = [s for s in cp.signatures if s.name == origin and s.key_hash in signers]
    if not any(cp.verify(origin, signers[s.key_hash]) for s in own):
        return f"the checkpoint of size {cp.size} is not signed by this trail's keyring"
    verified = 0
    for sig in cp.signatures:
        raw = witnesses.get(sig.name)
        if raw is None or sig.name == origin:
            continue
        if sig.key_hash != key_hash(sig.name, raw) or not _verifies(cp, sig, raw):
            return f"the co-signature of {sig.name} on the checkpoint of size {cp.size} is invalid"
        verified += 1
    return verified


def _diagnose(
    trail: AuditTrail,
    keys: _Keys,
    position: int,
    line: bytes,
    rest: Iterator[tuple[bytes, bool]],
    cps: int,
    cos: int,
) -> VerifyResult:
    """Say what happened at ``position``, the first line that does not verify."""
    h = chain_hasher(trail.hash_name)
    parsed = parse_fast(line)
    if parsed is None:
        return _bad(position, "modified", position,
                    f"record {position} is not in the record layout (edited by hand?)",
                    cps, cos)  # fmt: skip
    body, hash_hex, mac_hex, kid, _link, seq = parsed
    if h(body).hex() != hash_hex:
        return _bad(position, "modified", position,
                    f"record {position} was modified: its content does not match its hash",
                    cps, cos)  # fmt: skip
    mac = keys.mac(kid)
    if mac == "unknown":
        return _bad(position, "forged", position,
                    f"record {position} names key {kid!r}, which this keyring does not hold "
                    "(forged, or the wrong keyring)", cps, cos)  # fmt: skip
    if mac == "unusable":
        return _bad(position, "unverifiable", position,
                    f"record {position} is keyed by key {kid!r}, which is disabled or "
                    "destroyed: its HMAC cannot be checked", cps, cos)  # fmt: skip
    try:
        tag = bytes.fromhex(mac_hex)
    except ValueError:
        tag = b""
    assert isinstance(mac, Mac)
    if not mac.check(bytes.fromhex(hash_hex), tag):
        return _bad(position, "forged", position,
                    f"record {position} was forged: its hash is consistent but its HMAC does not "
                    "verify (written without the key)", cps, cos)  # fmt: skip
    # an authentic record in the wrong place: look before and after it
    earlier: set[str] = set()
    for n, (other, _) in enumerate(trail.lines()):
        if n >= position:
            break
        found = parse_fast(other)
        if found is not None:
            earlier.add(found[1])
    later: list[tuple[str, int]] = []
    for other, complete in rest:
        found = parse_fast(other) if complete else None
        if found is not None:
            later.append((found[1], found[5]))
    if hash_hex in earlier or any(other_hash == hash_hex for other_hash, _ in later):
        return _bad(position, "inserted", position,
                    f"a copy of record {seq} was inserted at position {position}",
                    cps, cos)  # fmt: skip
    if seq > position:
        if any(position <= other_seq < seq for _, other_seq in later):
            return _bad(position, "reordered", position,
                        f"records were reordered: record {seq} stands where record {position} "
                        "belongs", cps, cos)  # fmt: skip
        missing = f"record {position}" if seq == position + 1 else f"records {position}..{seq - 1}"
        return _bad(position, "deleted", position, f"{missing} deleted: the trail skips to "
                    f"record {seq}", cps, cos)  # fmt: skip
    if seq < position:
        return _bad(position, "reordered", position,
                    f"records were reordered: record {seq} stands at position {position}",
                    cps, cos)  # fmt: skip
    return _bad(position, "modified", position,
                f"record {position} does not follow record {position - 1}: the chain is broken",
                cps, cos)  # fmt: skip
