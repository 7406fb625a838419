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
from binascii import hexlify
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from medguard.audit._chain import GENESIS, Mac, chain_hasher, hash_factory, parse_fast
from medguard.audit.checkpoint import Checkpoint, NoteSignature, key_hash
from medguard.audit.merkle import Frontier
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


def verify_trail(
    trail: AuditTrail,
    *,
    checkpoints: Sequence[Checkpoint] = (),
    cosigners: Mapping[str, PublicKey | bytes | str] | None = None,
    expected_size: int | None = None,
) -> VerifyResult:
    """Verify ``trail``; see the module docstring and :meth:`AuditTrail.verify`."""
    witnesses = {name: load_public_key(k).raw for name, k in (cosigners or {}).items()}
    merged: dict[bytes, Checkpoint] = {}
    for cp in [*trail.checkpoints(), *checkpoints]:
        key = cp.body()
        merged[key] = merged[key].merge(cp) if key in merged else cp
    pending = sorted(merged.values(), key=lambda c: c.size)
    hash_name = trail.hash_name
    new = hash_factory(hash_name)
    keys = _Keys(trail)
    frontier = Frontier(hash_name)
    stack = frontier.stack
    prev, count, first = GENESIS.encode(), 0, b""
    cps = cos = 0
    verified_size = 0
    # the Merkle tree is only needed as far as the last checkpoint
    tree_until = pending[-1].size if pending else 0
    next_size = pending[0].size if pending else -1
    mac_digest: Callable[[bytes], bytes] | None = None
    expect_head = b"\xff"  # matches no line: the first record takes the slow path once
    link_at = 0
    batches = trail.line_batches()
    for batch, torn in batches:
        if torn is not None:
            return _bad(count, "torn", count,
                        f"record {count} is torn (an append interrupted by a crash): "
                        "cut it with `medguard audit repair`", cps, cos)  # fmt: skip
        for index, line in enumerate(batch):
            # The fast path: the line must be exactly what a writer makes of the expected key,
            # link and sequence number; anything else goes to the diagnosis.
            if not (
                line.startswith(_HEAD)
                and line.startswith(_MID, 74)
                and line.startswith(b'",', 148)
                and line.startswith(expect_head, 150)
                and line.startswith(prev, link_at)
                and line.startswith(b'","_seq":%d,' % count, link_at + 64)
            ):
                parsed = parse_fast(line)
                mac = keys.mac(parsed[3]) if parsed is not None else None
                if parsed is None or not isinstance(mac, Mac):
                    return _diagnose(trail, keys, count, line, _rest(batch, index, batches),
                                     cps, cos)  # fmt: skip
                mac_digest = mac.digest
                expect_head = b'"_mac_key":"' + parsed[3].encode() + _PREV
                link_at = 150 + len(expect_head)
                if not (
                    line.startswith(expect_head, 150)
                    and line.startswith(prev, link_at)
                    and line.startswith(b'","_seq":%d,' % count, link_at + 64)
                ):
                    return _diagnose(trail, keys, count, line, _rest(batch, index, batches),
                                     cps, cos)  # fmt: skip
            digest = new(b"{" + line[150:]).digest()
            record_hash = line[10:74]
            if (
                mac_digest is None
                or hexlify(digest) != record_hash
                or not hmac.compare_digest(hexlify(mac_digest(digest)), line[84:148])
            ):
                return _diagnose(trail, keys, count, line, _rest(batch, index, batches),
                                 cps, cos)  # fmt: skip
            if count < tree_until:
                stack.append(new(b"\x00" + digest).digest())
                size = count
                while size & 1:
                    right = stack.pop()
                    stack[-1] = new(b"\x01" + stack[-1] + right).digest()
                    size >>= 1
            if not first:
                first = record_hash
            prev = record_hash
            count += 1
            if count == next_size:
                frontier.size = count
                while pending and pending[0].size == count:
                    cp = pending.pop(0)
                    origin = f"medguard-audit/{first[:16].decode()}"
                    problem = _check_checkpoint(cp, origin, keys, witnesses)
                    if isinstance(problem, str):
                        return _bad(count, "forged", count - 1, problem, cps, cos)
                    cos += problem
                    if cp.root != frontier.root():
                        return _bad(
                            verified_size, "modified", verified_size,
                            f"records {verified_size}..{count - 1} do not match the signed "
                            f"checkpoint of size {count}: the trail was rewritten (by someone "
                            "holding the key?)", cps, cos,
                        )  # fmt: skip
                    cps += 1
                verified_size = count
                next_size = pending[0].size if pending else -1
    while pending and pending[0].size == 0:
        pending.pop(0)
    if pending or (expected_size is not None and expected_size > count):
        expected = max([c.size for c in pending] + [expected_size or 0])
        return _bad(count, "truncated", count,
                    f"the trail ends after {count} records but {expected} were recorded "
                    f"(records {count}..{expected - 1} are gone)", cps, cos)  # fmt: skip
    return VerifyResult(True, count, cps, cos)


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
