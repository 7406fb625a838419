"""Entry point of the ``medguard`` command (also ``python -m medguard``).

Each subcommand lives in its own module ``medguard.cli.<name>`` exposing
``register(subparsers) -> None``; it adds its parser and sets ``func`` to a callable taking the
parsed namespace and returning an exit code. Exit codes: 0 success, 1 findings/failed check,
2 usage or input errors. Bad input never ends in a traceback: a
:class:`~medguard.errors.MedguardError` or an operating-system error becomes one line on stderr
and exit 2. Only the commands of :data:`COMMANDS` exist, and only they are named in the help.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from medguard import __version__
from medguard.errors import MedguardError

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
#: The reader of stdout went away (``| head``): 128 + SIGPIPE, as shells report it.
EXIT_BROKEN_PIPE = 141

#: Subcommands, in the order ``--help`` lists them (module ``medguard.cli.<name>``, - as _).
COMMANDS: tuple[str, ...] = (
    "demo",
    "scan",
    "protect",
    "trace",
    "keys",
    "erase",
    "audit",
    "sql-audit",
    "assess",
)

DESCRIPTION = """\
medguard: protect Chinese healthcare data through its whole life cycle.

The commands below run a bundled demo, scan files for personal data and manage keyrings; the
Python library (import medguard) also masks, encrypts and pseudonymizes fields and releases
differentially private statistics.
"""

EPILOG = """\
examples:
  medguard demo                      run every capability on a bundled synthetic extract
  medguard scan data/                find personal data in files (exit 1 on findings)
  medguard keys --help               create and inspect keyrings
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
        module = importlib.import_module(f"medguard.cli.{name.replace('-', '_')}")
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
    except BrokenPipeError:  # `medguard scan ... | head`: the reader left; say nothing more
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # a path that cannot be used: a message, not a traceback
        print(f"medguard: error: {_os_error(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # never a traceback (MEDGUARD_DEBUG=1 shows it); its type only
        if os.environ.get("MEDGUARD_DEBUG"):
            raise
        print(f"medguard: error: unexpected {type(exc).__name__}; please report it with the "
              "command that caused it (MEDGUARD_DEBUG=1 shows where)", file=sys.stderr)  # fmt: skip
        return EXIT_USAGE


def _silence_stdout() -> None:
    """Point stdout at the null device, so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real stdout (tests): nothing to flush
        pass


def _os_error(exc: OSError) -> str:
    """``exc`` as one line: the reason and the path, personal data in the path masked."""
    from medguard.detect.files import masked_path

    reason = exc.strerror or type(exc).__name__
    if exc.filename is None:
        return reason
    return f"{masked_path(str(exc.filename))}: {reason}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
