"""``medguard keys``: create, list, rotate, disable, enable and destroy keys in a keyring file.

The keyring file is chosen with ``--keyring`` (or ``MEDGUARD_KEYRING``). A passphrase keyring
reads its passphrase from the variable named by ``--passphrase-env`` (default
``MEDGUARD_KEYRING_PASSPHRASE``) or asks for it on the terminal; an ``env`` keyring reads its
wrapping key from ``--key-env`` (default ``MEDGUARD_KEYRING_KEY``). Key material is never
printed: listing shows IDs, suites, statuses and dates only.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]

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
        p.add_argument(
            "--keyring",
            type=Path,
            default=os.environ.get("MEDGUARD_KEYRING"),
            required="MEDGUARD_KEYRING" not in os.environ,
            help="keyring file (default: $MEDGUARD_KEYRING)",
        )
        p.add_argument(
            "--passphrase-env",
            default="MEDGUARD_KEYRING_PASSPHRASE",
            metavar="VAR",
            help="variable holding the passphrase (default: MEDGUARD_KEYRING_PASSPHRASE; "
            "prompted for when unset)",
        )
        p.add_argument(
            "--key-env",
            default="MEDGUARD_KEYRING_KEY",
            metavar="VAR",
            help="variable holding a base64 wrapping key for env keyrings "
            "(default: MEDGUARD_KEYRING_KEY)",
        )
        p.add_argument(
            "--allow-insecure",
            action="store_true",
            help="open a keyring file that group/others can access (not recommended)",
        )
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
    listing = action("list", "list key IDs, suites and statuses (never key material)")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
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
            p.add_argument("--yes", action="store_true", help="confirm the destruction")


def _provider(args: argparse.Namespace, kind: str, *, confirm: bool = False) -> Any:
    from medguard.errors import InvalidArgument
    from medguard.keys import EnvKeyProvider, PassphraseProvider

    if kind == "env":
        return EnvKeyProvider(args.key_env)
    if kind != "passphrase":
        raise InvalidArgument(f"keyring uses provider {kind!r}, which the CLI cannot open")
    secret = os.environ.get(args.passphrase_env)
    if not secret:
        if not sys.stdin.isatty():
            raise InvalidArgument(f"set {args.passphrase_env} or run in a terminal to be prompted")
        secret = getpass.getpass("keyring passphrase: ")
        if confirm and getpass.getpass("repeat passphrase: ") != secret:
            raise InvalidArgument("passphrases do not match")
    return PassphraseProvider(secret)


def _open(args: argparse.Namespace) -> Any:
    from medguard.keys import Keyring
    from medguard.keys.providers import read_provider_name

    kind = read_provider_name(args.keyring)
    return Keyring.open(args.keyring, _provider(args, kind), allow_insecure=args.allow_insecure)


def _row(info: Any) -> dict[str, Any]:
    return {
        "key_id": info.key_id,
        "version": info.version or "",
        "suite": info.suite.value,
        "status": info.status.value,
        "created": info.created,
        "kind": "subject" if info.subject is not None else "keyring",
        "destroyed": info.destroyed,
    }


def _print_table(rows: list[dict[str, Any]]) -> None:
    columns = ["key_id", "version", "suite", "status", "kind", "created", "destroyed"]
    widths = {c: max(len(c), *(len(str(r[c] or "")) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    for r in rows:
        print("  ".join(str(r[c] or "").ljust(widths[c]) for c in columns).rstrip())


def _run(args: argparse.Namespace) -> int:
    from medguard.errors import InvalidArgument
    from medguard.keys import Keyring

    name = args.action_name
    if name == "create":
        provider = _provider(args, args.protect, confirm=True)
        ring = Keyring.create(args.keyring, provider, suite=args.suite, key_id=args.key_id)
        print(f"created {args.keyring} with primary key {ring.primary.key_id} ({args.suite})")
        return 0
    ring = _open(args)
    if name == "list":
        rows = [_row(info) for info in ring.list()]
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            _print_table(rows)
        return 0
    if name == "rotate":
        info = ring.rotate(args.suite)
        print(f"new primary key {info.key_id} ({info.suite.value}); older keys decrypt only")
        return 0
    if name == "destroy" and not args.yes:
        raise InvalidArgument(
            f"destroying {args.key_id} makes its values unreadable forever; add --yes to confirm"
        )
    method = {
        "disable": ring.disable,
        "enable": ring.enable,
        "set-primary": ring.set_primary,
        "destroy": ring.destroy,
    }[name]
    info = method(args.key_id)
    print(f"key {info.key_id}: {info.status.value}")
    return 0
