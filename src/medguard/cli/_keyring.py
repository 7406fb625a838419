"""The keyring options every command that needs a keyring shares, and opening that keyring.

``--keyring FILE`` (default ``$MEDGUARD_KEYRING``), ``--passphrase-env VAR`` (a passphrase
keyring's passphrase; prompted for on a terminal when the variable is unset), ``--key-env VAR``
(an ``env`` keyring's base64 wrapping key) and ``--allow-insecure``. :func:`open_keyring` opens
the file with the provider it names; :func:`days` and :func:`grace` read a ``--grace DAYS``
option. Used by ``medguard keys``, ``audit`` and ``erase``; nothing here prints key material.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_grace_option", "add_keyring_options", "days", "grace", "open_keyring", "provider"]

KEYRING_VARIABLE = "MEDGUARD_KEYRING"
PASSPHRASE_VARIABLE = "MEDGUARD_KEYRING_PASSPHRASE"  # noqa: S105 - a variable name
KEY_VARIABLE = "MEDGUARD_KEYRING_KEY"
MAX_GRACE_DAYS = 3650


def add_keyring_options(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """Add ``--keyring``, ``--passphrase-env``, ``--key-env`` and ``--allow-insecure``.

    With ``required`` the command cannot run without a keyring (``--keyring`` or
    ``$MEDGUARD_KEYRING``); otherwise :func:`open_keyring` refuses when one is needed.
    """
    parser.add_argument(
        "--keyring",
        type=Path,
        default=os.environ.get(KEYRING_VARIABLE),
        required=required and KEYRING_VARIABLE not in os.environ,
        help=f"keyring file (default: ${KEYRING_VARIABLE})",
    )
    parser.add_argument(
        "--passphrase-env",
        default=PASSPHRASE_VARIABLE,
        metavar="VAR",
        help=f"variable holding the passphrase (default: {PASSPHRASE_VARIABLE}; "
        "prompted for when unset)",
    )
    parser.add_argument(
        "--key-env",
        default=KEY_VARIABLE,
        metavar="VAR",
        help=f"variable holding a base64 wrapping key for env keyrings (default: {KEY_VARIABLE})",
    )
    parser.add_argument(
        "--allow-insecure",
        action="store_true",
        help="open a keyring file that group/others can access (not recommended)",
    )


def provider(args: argparse.Namespace, kind: str, *, confirm: bool = False) -> Any:
    """The key provider of kind ``"passphrase"`` or ``"env"`` the options describe.

    A passphrase comes from ``--passphrase-env``'s variable or, on a terminal, a prompt
    (asked twice with ``confirm``).
    """
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


def open_keyring(args: argparse.Namespace) -> Any:
    """Open the keyring file the options name, with the provider its header names."""
    from medguard.errors import InvalidArgument
    from medguard.keys import Keyring
    from medguard.keys.providers import read_provider_name

    if getattr(args, "keyring", None) is None:
        raise InvalidArgument(f"this needs --keyring (or ${KEYRING_VARIABLE})")
    kind = read_provider_name(args.keyring)
    return Keyring.open(args.keyring, provider(args, kind), allow_insecure=args.allow_insecure)


def days(text: str) -> float:
    """An argparse type: a grace period in days, more than 0 and at most 3650."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if not 0 < value <= MAX_GRACE_DAYS:
        raise argparse.ArgumentTypeError(
            f"the grace period is more than 0 and at most {MAX_GRACE_DAYS} days"
        )
    return value


def add_grace_option(
    parser: argparse.ArgumentParser,
    help: str = "destroy after DAYS (pending, cancellable) instead of now",
) -> None:
    """Add ``--grace DAYS`` (read back with :func:`grace`)."""
    parser.add_argument("--grace", type=days, metavar="DAYS", help=help)


def grace(args: argparse.Namespace) -> dt.timedelta | None:
    """``--grace DAYS`` as a :class:`datetime.timedelta` (``None`` when not given)."""
    value = getattr(args, "grace", None)
    return None if value is None else dt.timedelta(days=value)
