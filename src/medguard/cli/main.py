"""Entry point of the ``medguard`` command (also ``python -m medguard``).

Each subcommand lives in its own module ``medguard.cli.<name>`` exposing
``register(subparsers) -> None``; it adds its parser and sets ``func`` to a callable taking the
parsed namespace and returning an exit code. Exit codes: 0 success, 1 findings/failed check,
2 usage or input errors.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from medguard import __version__
from medguard.errors import MedguardError

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("demo", "scan", "keys")

DESCRIPTION = """\
medguard: protect Chinese healthcare data through its whole life cycle.

Validate and mask Chinese identifiers, encrypt fields, pseudonymize with format-preserving
encryption, scan files for personal data, and release differentially private statistics.
"""

EPILOG = """\
examples:
  medguard demo                      run every capability on a bundled synthetic extract
  medguard scan data/                find personal data in files (exit 1 on findings)
  medguard <command> --help          details of one command

docs: see docs/ in the source tree (mkdocs serve)
"""


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="medguard",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"medguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="<command>", title="commands")
    for name in COMMANDS:
        module = importlib.import_module(f"medguard.cli.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (also used as the console script)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(func(args))
    except MedguardError as exc:
        print(f"medguard: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("medguard: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
