"""``medguard keys``: create, list, rotate, disable, enable and destroy keys; subject keys.

The keyring file is chosen with ``--keyring`` (or ``MEDGUARD_KEYRING``). A passphrase keyring
reads its passphrase from the variable named by ``--passphrase-env`` (default
``MEDGUARD_KEYRING_PASSPHRASE``) or asks for it on the terminal; an ``env`` keyring reads its
wrapping key from ``--key-env`` (default ``MEDGUARD_KEYRING_KEY``). Key material is never
printed: listing shows IDs, suites, statuses and dates only.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from medguard.cli._keyring import (
    add_grace_option,
    add_keyring_options,
    grace,
    open_keyring,
    provider,
)

__all__ = ["register"]

# cli.assess opens keyrings through this name; new code imports medguard.cli._keyring
_open = open_keyring

DESCRIPTION = """\
Manage a medguard keyring file. Choose the file with --keyring (or $MEDGUARD_KEYRING). A
passphrase keyring reads its passphrase from the variable named by --passphrase-env (default
MEDGUARD_KEYRING_PASSPHRASE) or asks for it on the terminal; an env keyring reads its wrapping
key from --key-env (default MEDGUARD_KEYRING_KEY). Key material is never printed.
"""

EPILOG = """\
examples:
  export MEDGUARD_KEYRING_PASSPHRASE=...        (or be prompted)
  medguard keys create --keyring his.keyring --suite sm
  medguard keys list --keyring his.keyring
  medguard keys rotate --keyring his.keyring
  medguard keys disable --keyring his.keyring k1a2b3c4d
  medguard keys destroy --keyring his.keyring k1a2b3c4d --yes
  medguard keys list --keyring his.keyring --subjects --limit 50 --offset 100 --format json
  medguard keys subject --keyring his.keyring P000123            (the subject's key ID)
  medguard keys subject --keyring his.keyring P000123 --destroy --grace 30 --yes
  medguard keys cancel --keyring his.keyring P000123             (within the grace period)
  medguard keys due --keyring his.keyring                        (from a daily scheduler)
"""


def register(sub: Any) -> None:
    """Add the ``keys`` subcommand and its actions to the CLI."""
    parser = sub.add_parser(
        "keys",
        help="manage keyring files (create, list, rotate, disable, destroy)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="<action>", title="actions")
    actions.required = True

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(name, help=help_text, description=help_text)
        add_keyring_options(p)
        p.set_defaults(func=_run, action_name=name)
        return p

    create = action("create", "create a new keyring file with one primary key")
    create.add_argument("--suite", default="aes", help="aes (default) or sm (SM4/SM3)")
    create.add_argument(
        "--protect",
        choices=("passphrase", "env"),
        default="passphrase",
        help="protect the file with a passphrase (Argon2id) or a wrapping key from --key-env",
    )
    create.add_argument("--key-id", help="ID of the first key (default: random)")
    create.add_argument(
        "--subject-store",
        metavar="URL",
        help="where per-subject keys go: a PostgreSQL URL or a SQLite path "
        "(default: <keyring>.subjects.db beside the keyring)",
    )
    listing = action("list", "list key IDs, suites and statuses (never key material)")
    listing.add_argument(
        "--subjects", action="store_true", help="list the per-subject keys too (paged)"
    )
    listing.add_argument(
        "--limit", type=_count, help="show at most N keys (default with --subjects: 100)"
    )
    listing.add_argument("--offset", type=_count, default=0, help="skip the first N keys")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.add_argument("--json", action="store_true", help="same as --format json")
    rotate = action("rotate", "add a new primary key; the old one stays for decryption")
    rotate.add_argument("--suite", help="suite of the new key (default: the current primary's)")
    for name, text in (
        ("disable", "disable a key (no encryption or decryption until enabled)"),
        ("enable", "re-enable a disabled key (decrypt only)"),
        ("set-primary", "make an active key the primary"),
        ("destroy", "destroy a key for good: its values become unreadable (crypto-shredding)"),
    ):
        p = action(name, text)
        p.add_argument("key_id", help="the key ID")
        if name == "destroy":
            _destroy_options(p)
    subject = action("subject", "show a subject's key (by subject ID), or rotate or destroy it")
    subject.add_argument("subject", metavar="SUBJECT_ID", help="the subject (patient) ID")
    what = subject.add_mutually_exclusive_group()
    what.add_argument("--rotate", action="store_true", help="give the subject a new key")
    what.add_argument(
        "--destroy", action="store_true", help="destroy the subject's keys (crypto-shredding)"
    )
    _destroy_options(subject)
    subject.add_argument("--format", choices=("table", "json"), default="table")
    rotate_subjects = action(
        "rotate-subjects", "give subjects new keys (listed, or --all); old keys decrypt only"
    )
    rotate_subjects.add_argument("subjects", nargs="*", metavar="SUBJECT_ID")
    rotate_subjects.add_argument("--all", action="store_true", help="every active subject")
    cancel = action("cancel", "cancel a pending destruction (a key ID or a subject ID)")
    cancel.add_argument("target", metavar="KEY_ID_OR_SUBJECT_ID")
    action("due", "destroy the keys whose grace period is over (run it from a scheduler)")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _destroy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--yes", action="store_true", help="confirm the destruction")
    add_grace_option(
        parser,
        "destroy only after DAYS days; until then the key is pending and `keys cancel` restores it",
    )


def _row(info: Any) -> dict[str, Any]:
    return {
        "key_id": info.key_id,
        "version": info.version or "",
        "suite": info.suite.value,
        "status": info.status.value,
        "created": info.created,
        "kind": "subject" if info.is_subject_key else "keyring",
        "destroyed": info.destroyed,
    }


def _print_table(rows: list[dict[str, Any]]) -> None:
    columns = ["key_id", "version", "suite", "status", "kind", "created", "destroyed"]
    widths = {c: max(len(c), *(len(str(r[c] or "")) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    for r in rows:
        print("  ".join(str(r[c] or "").ljust(widths[c]) for c in columns).rstrip())


def _confirm(args: argparse.Namespace, what: str) -> None:
    from medguard.errors import InvalidArgument

    if not args.yes:
        later = f" after {args.grace:g} days" if args.grace is not None else ""
        raise InvalidArgument(
            f"destroying {what} makes its values unreadable forever{later}; add --yes to confirm"
        )


def _print_subject(info: Any, fmt: str) -> None:
    row = _row(info) | {"subject_token": info.subject_token, "destroy_after": info.destroy_after}
    if fmt == "json":
        print(json.dumps(row, indent=2))
        return
    extra = f", destroyed {info.destroyed}" if info.destroyed else ""
    if info.destroy_after:
        extra += f", destroyed after {info.destroy_after}"
    print(f"key {info.key_id}: {info.status.value} (subject token {info.subject_token}{extra})")


def _list(ring: Any, args: argparse.Namespace) -> int:
    limit = args.limit
    if args.subjects and limit is None:
        limit = 100
    infos = ring.list(include_subject_keys=args.subjects, limit=limit, offset=args.offset)
    rows = [_row(info) for info in infos]
    if args.json or args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    if rows:
        _print_table(rows)
    counts = ring.subject_key_count() if ring.has_subject_store else {}
    total = sum(counts.values())
    if total and not args.subjects:
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        print(f"subject keys: {total} ({summary}); --subjects lists them", file=sys.stderr)
    elif args.subjects:
        shown = len(rows)
        print(
            f"showing {shown} key(s) from offset {args.offset} of "
            f"{len(ring) + total}; page with --offset/--limit",
            file=sys.stderr,
        )
    return 0


def _run(args: argparse.Namespace) -> int:
    from medguard.errors import InvalidArgument
    from medguard.keys import Keyring

    name = args.action_name
    if name == "create":
        if not args.keyring.parent.is_dir():
            raise InvalidArgument(
                f"directory {args.keyring.parent} does not exist: create it first"
            )
        ring = Keyring.create(
            args.keyring,
            provider(args, args.protect, confirm=True),
            suite=args.suite,
            key_id=args.key_id,
            subject_store=args.subject_store,
        )
        print(f"created {args.keyring} with primary key {ring.primary.key_id} ({args.suite})")
        return 0
    ring = open_keyring(args)
    if name == "list":
        return _list(ring, args)
    if name == "rotate":
        info = ring.rotate(args.suite)
        print(f"new primary key {info.key_id} ({info.suite.value}); older keys decrypt only")
        return 0
    if name == "subject":
        if args.rotate:
            info = ring.rotate_subject(args.subject)
        elif args.destroy:
            _confirm(args, "this subject's keys")
            info = ring.destroy_subject(args.subject, grace=grace(args))
        else:
            if args.yes or args.grace is not None:
                raise InvalidArgument("--yes and --grace go with --destroy")
            info = ring.find_subject_key(args.subject)
            if info is None:
                raise InvalidArgument("this subject has no key in the keyring")
        _print_subject(info, args.format)
        return 0
    if name == "rotate-subjects":
        if args.all == bool(args.subjects):
            raise InvalidArgument("give subject IDs or --all (not both)")
        count = ring.rotate_subjects(None if args.all else args.subjects)
        print(f"{count} subject(s) got a new key; run rewrap to move their values")
        return 0
    if name == "cancel":
        info = ring.cancel_destruction(args.target)
        print(f"key {info.key_id}: {info.status.value} (destruction cancelled)")
        return 0
    if name == "due":
        done = ring.destroy_due()
        print(f"{len(done)} key(s) destroyed")
        return 0
    if name == "destroy":
        _confirm(args, args.key_id)
        info = ring.destroy(args.key_id, grace=grace(args))
        print(f"key {info.key_id}: {info.status.value}")
        return 0
    method = {
        "disable": ring.disable,
        "enable": ring.enable,
        "set-primary": ring.set_primary,
    }[name]
    info = method(args.key_id)
    print(f"key {info.key_id}: {info.status.value}")
    return 0
