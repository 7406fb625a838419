"""``medguard audit``: verify, show, checkpoint, co-sign, prove and repair an audit trail.

The trail is a file (one record a line), an SQLite file (``*.db``) or a database URL. The
keyring is opened as ``medguard keys`` opens it (``--keyring``, the passphrase from
``MEDGUARD_KEYRING_PASSPHRASE`` or a prompt). ``verify`` exits 0 when the trail is intact and 1
when it is not, naming the first bad record and what happened to it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from medguard.cli._keyring import add_keyring_options, open_keyring

__all__ = ["register"]

DESCRIPTION = """\
Check and read a medguard audit trail. PATH is a trail file, an SQLite file (*.db) or a database
URL. The keyring is opened like `medguard keys` does (--keyring, passphrase from
MEDGUARD_KEYRING_PASSPHRASE or a prompt).
"""

EPILOG = """\
examples:
  medguard audit verify audit.jsonl --keyring his.keyring      exit 1 names the first bad record
  medguard audit show audit.jsonl --keyring his.keyring --action 'key.*' --since 2026-01-01
  medguard audit show audit.jsonl --keyring his.keyring --subject 11010519491231002X --format json
  medguard audit checkpoint audit.jsonl --keyring his.keyring
  medguard audit public-key --keyring his.keyring > his.pub
  medguard audit cosign audit.jsonl --keyring partner.keyring --name hospital-b.example \\
      --trail-key his.pub --state hospital-b.state
  medguard audit prove 42 audit.jsonl --keyring his.keyring
  medguard audit repair audit.jsonl --yes                     cut a torn last record
"""


def register(sub: Any) -> None:
    """Add the ``audit`` subcommand and its actions to the CLI."""
    parser = sub.add_parser(
        "audit",
        help="verify, show, checkpoint, co-sign and prove a tamper-evident audit trail",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="<action>", title="actions")
    actions.required = True

    def action(
        name: str, help_text: str, *, trail: bool = True, keyring: bool = True
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=_run, action_name=name)
        if trail:
            p.add_argument("path", metavar="PATH", help="the trail: file, *.db or database URL")
        if not keyring:
            return p
        add_keyring_options(p)
        return p

    verify = action("verify", "check every record and checkpoint (exit 1 names the first bad one)")
    verify.add_argument(
        "--checkpoint",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="a checkpoint note kept elsewhere (e.g. a partner's co-signed copy)",
    )
    verify.add_argument(
        "--cosigner",
        action="append",
        default=[],
        metavar="NAME=KEYFILE",
        help="a co-signer's name and public key file; its lines must verify",
    )
    verify.add_argument(
        "--expected-size", type=int, metavar="N", help="the number of records known from elsewhere"
    )
    verify.add_argument("--format", choices=("text", "json"), default="text")
    verify.add_argument(
        "--workers",
        type=int,
        default=min(4, os.cpu_count() or 1),
        metavar="N",
        help="processes checking a large trail file (default: the CPUs, at most 4)",
    )

    show = action("show", "print records (filtered) as a table or JSON")
    show.add_argument("--since", help="from this time on (RFC 3339, or a date)")
    show.add_argument("--until", help="before this time (RFC 3339, or a date)")
    show.add_argument("--actor", help="only this actor")
    show.add_argument(
        "--action",
        dest="record_action",
        metavar="ACTION",
        help="only this action, or a prefix ending in * (key.*)",
    )
    show.add_argument("--dataset", help="only records about this dataset")
    show.add_argument("--subject", help="only records about this person (tokenized first)")
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.add_argument("--limit", type=int, help="at most this many records (the latest)")

    action("checkpoint", "sign and store a checkpoint of the trail as it is now")

    cosign = action("cosign", "co-sign the trail's latest checkpoint as a second party")
    cosign.add_argument("--name", required=True, help="the co-signer's name (no spaces)")
    cosign.add_argument(
        "--trail-key",
        required=True,
        type=Path,
        metavar="FILE",
        help="the trail owner's public key (from `medguard audit public-key`)",
    )
    cosign.add_argument(
        "--state",
        required=True,
        type=Path,
        metavar="FILE",
        help="the co-signer's record of the last checkpoint it signed",
    )
    cosign.add_argument(
        "--hash",
        choices=("sha256", "sm3"),
        default="sha256",
        help="the trail's hash (sm3 for a trail of an SM keyring)",
    )

    prove = action(
        "prove", "print an inclusion proof of record SEQ in the latest checkpoint", trail=False
    )
    prove.add_argument("seq", type=int, metavar="SEQ", help="the record's sequence number")
    prove.add_argument("path", metavar="PATH", help="the trail: file, *.db or database URL")
    prove.add_argument(
        "--old-size",
        type=int,
        metavar="N",
        help="also prove the latest checkpoint extends the tree of N records",
    )

    repair = action(
        "repair", "cut a torn last record left by a crash (asks for --yes)", keyring=False
    )
    repair.add_argument("--yes", action="store_true", help="really cut it")

    key = action("public-key", "print the keyring's signing public key", trail=False)
    key.add_argument("--format", choices=("pem", "base64"), default="pem")


def _trail(args: argparse.Namespace, *, hash: Any = None) -> Any:
    from medguard.audit import AuditTrail

    return AuditTrail.open(args.path, open_keyring(args), hash=hash, create=False)


def _run(args: argparse.Namespace) -> int:
    name = args.action_name
    if name == "repair":
        return _repair(args)
    if name == "public-key":
        from medguard.audit.signing import public_key

        key = public_key(open_keyring(args))
        print(key.pem() if args.format == "pem" else key.raw_base64(), end="")
        if args.format == "base64":
            print()
        return 0
    if name == "cosign":
        return _cosign(args)
    trail = _trail(args)
    if name == "verify":
        return _verify(trail, args)
    if name == "show":
        return _show(trail, args)
    if name == "checkpoint":
        checkpoint = trail.checkpoint()
        print(checkpoint.text(), end="")
        return 0
    return _prove(trail, args)


def _verify(trail: Any, args: argparse.Namespace) -> int:
    from medguard.audit import Checkpoint
    from medguard.errors import InvalidArgument

    kept = [Checkpoint.parse(_read(p)) for p in args.checkpoint]
    cosigners: dict[str, str] = {}
    for item in args.cosigner:
        who, sep, keyfile = item.partition("=")
        if not sep or not who or not keyfile:
            raise InvalidArgument("--cosigner takes NAME=KEYFILE")
        cosigners[who] = _read(Path(keyfile))
    result = trail.verify(
        checkpoints=kept,
        cosigners=cosigners,
        expected_size=args.expected_size,
        workers=max(1, args.workers),
    )
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    elif result.ok:
        print(
            f"{trail.where}: intact: {result.records} records, {result.checkpoints} "
            f"checkpoints, {result.cosignatures} co-signatures verified"
        )
    else:
        print(f"{trail.where}: NOT intact: {result.kind} at record {result.seq}: {result.message}")
        print(f"  the {result.records} records before it verified", file=sys.stderr)
    return 0 if result.ok else 1


def _show(trail: Any, args: argparse.Namespace) -> int:
    records = list(
        trail.records(
            since=args.since,
            until=args.until,
            actor=args.actor,
            action=args.record_action,
            dataset=args.dataset,
            subject=args.subject,
        )
    )
    if args.limit is not None:
        records = records[-args.limit :] if args.limit > 0 else []
    if args.format == "json":
        print(json.dumps([r.to_dict() for r in records], indent=2, ensure_ascii=False))
        return 0
    rows = [
        {
            "seq": str(r.seq),
            "time": r.time,
            "actor": r.actor,
            "action": r.action,
            "details": json.dumps(dict(r.fields), ensure_ascii=False, sort_keys=True)[:120],
        }
        for r in records
    ]
    columns = ["seq", "time", "actor", "action", "details"]
    widths = {c: max([len(c), *(len(row[c]) for row in rows)]) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        print("  ".join(row[c].ljust(widths[c]) for c in columns).rstrip())
    return 0


def _prove(trail: Any, args: argparse.Namespace) -> int:
    from medguard.audit import merkle
    from medguard.errors import AuditError

    checkpoints = trail.checkpoints()
    if not checkpoints:
        raise AuditError("the trail has no checkpoint yet: run `medguard audit checkpoint`")
    latest = checkpoints[-1]
    proof = trail.inclusion_proof(args.seq, latest.size)
    leaf = merkle.leaf_hash(proof.record_hash, trail.hash_name)
    if proof.root != latest.root or not merkle.verify_inclusion(
        args.seq, latest.size, leaf, proof.path, latest.root, trail.hash_name
    ):
        raise AuditError("the trail does not match its latest checkpoint: run `audit verify`")
    out: dict[str, Any] = {
        "hash": trail.hash_name,
        "inclusion": proof.to_dict(),
        "checkpoint": latest.text(),
    }
    if args.old_size is not None:
        out["consistency"] = {
            "old_size": args.old_size,
            "new_size": latest.size,
            "path": [p.hex() for p in trail.consistency_proof(args.old_size, latest.size)],
        }
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def _cosign(args: argparse.Namespace) -> int:
    from medguard._atomic import write_atomically
    from medguard.audit import Checkpoint, cosign
    from medguard.errors import AuditError

    trail = _trail(args, hash=args.hash)
    checkpoints = trail.checkpoints()
    if not checkpoints:
        raise AuditError("the trail has no checkpoint to co-sign")
    latest = checkpoints[-1]
    previous = Checkpoint.parse(_read(args.state)) if args.state.exists() else None
    proof = None
    if previous is not None and previous.size < latest.size:
        proof = trail.consistency_proof(previous.size, latest.size)
    signed = cosign(
        latest,
        trail.keyring,
        name=args.name,
        trail_public_key=_read(args.trail_key),
        previous=previous,
        proof=proof,
        hash=args.hash,
    )
    trail.add_checkpoint(signed)
    write_atomically(args.state, signed.text(), mode=0o600)
    print(signed.text(), end="")
    return 0


def _repair(args: argparse.Namespace) -> int:
    from medguard.audit._backend import FileBackend, open_backend
    from medguard.errors import AuditError

    backend = open_backend(args.path)
    if not backend.exists():
        raise AuditError(f"no audit trail at {backend.where}")
    torn = None
    for _, tail in backend.batches():
        torn = tail
    if torn is None:
        print(f"{backend.where}: the last record is whole; nothing to cut")
        return 0
    if not args.yes:
        print(
            f"{backend.where}: the last record is torn ({len(torn)} bytes without an end); "
            "add --yes to cut it"
        )
        return 1
    assert isinstance(backend, FileBackend)
    cut = backend.repair()
    print(f"{backend.where}: cut a torn last record ({cut} bytes)")
    return 0


def _read(path: Path) -> str:
    from medguard.errors import InvalidArgument

    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"cannot read {path}: {type(exc).__name__}") from None
