"""``medguard protect``: run a policy's stage over a file, checked, written whole or not at all.

Exit codes: 0 the output was written; 1 a check refused the output (the reason is printed and
nothing is written); 2 a usage or input error (a policy mistake, a missing column, an unreadable
file, a keyring that does not open).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from medguard.cli._keyring import add_keyring_options, open_keyring

__all__ = ["register"]

DESCRIPTION = """\
Apply a policy's stage to INPUT (CSV/TSV in UTF-8 or GBK/GB18030, Parquet, JSON Lines) and write
OUTPUT, batch by batch in bounded memory. At the sharing stage the output checks itself first:
k-anonymity per person on what the ops leave (the generalization search picks the levels,
small classes are suppressed), direct identifiers never leave as they are, and the output is
re-scanned for any input identifier. A refusal writes nothing.
"""

EPILOG = """\
exit codes: 0 written, 1 refused by a check (nothing written), 2 usage or input error

examples:
  medguard protect visits.csv -o shared.csv --policy policy.yaml --stage sharing \\
      --recipient cdc --keyring his.keyring --audit audit.log
  medguard protect visits.parquet -o masked.parquet --policy policy.yaml --stage processing
  medguard protect visits/ -o shared/ --policy policy.yaml --stage sharing --recipient cdc \\
      --keyring his.keyring --key-env MEDGUARD_KEY --engine spark --master local[2]
"""


def register(sub: Any) -> None:
    """Add the ``protect`` subcommand."""
    parser = sub.add_parser(
        "protect",
        help="apply a policy's stage to a file (checked; exit 1 when a check refuses)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", type=Path, metavar="INPUT", help="the file to protect")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUTPUT")
    parser.add_argument("--policy", type=Path, required=True, help="the policy (YAML or TOML)")
    parser.add_argument(
        "--stage",
        required=True,
        help="collection, transmission, storage, processing, sharing or destruction",
    )
    parser.add_argument("--recipient", metavar="NAME", help="who the output is for")
    parser.add_argument(
        "--format", choices=("csv", "tsv", "parquet", "jsonl"), help="output format"
    )
    parser.add_argument(
        "--batch-rows", type=_positive, default=16_384, metavar="N", help="rows per batch"
    )
    parser.add_argument("--audit", type=Path, metavar="TRAIL", help="append the run to this trail")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--engine",
        choices=("local", "spark"),
        default="local",
        help="local: stream the file in this process; spark: INPUT and OUTPUT are Parquet "
        "directories, run by Spark (pip install medguard[spark]; keyring protected by --key-env)",
    )
    parser.add_argument("--master", metavar="URL", help="Spark master with --engine spark")
    add_keyring_options(parser, required=False)
    parser.set_defaults(func=_run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _run(args: argparse.Namespace) -> int:
    from medguard.lifecycle import Pipeline, Policy
    from medguard.lifecycle.checks import CheckFailed

    policy = Policy.load(args.policy)
    ring = open_keyring(args) if args.keyring is not None else None
    trail = None
    if args.audit is not None:
        from medguard.audit import AuditTrail
        from medguard.errors import InvalidArgument

        if ring is None:
            raise InvalidArgument("--audit needs --keyring (the trail's records are keyed)")
        trail = AuditTrail.open(args.audit, ring)
    pipeline = Pipeline(
        policy, stage=args.stage, keyring=ring, recipient=args.recipient, audit=trail
    )
    try:
        if args.engine == "spark":
            from medguard.integrations.spark import protect_parquet

            summary = protect_parquet(args.input, args.output, pipeline, master=args.master)
        else:
            summary = pipeline.run_file(
                args.input,
                args.output,
                format=args.format,
                batch_rows=args.batch_rows,
                progress=False if args.no_progress or args.quiet else None,
            )
    except CheckFailed as exc:
        print(f"medguard: refused: {exc}; nothing was written", file=sys.stderr)
        if trail is not None:
            trail.append(
                "policy.refused",
                dataset=policy.dataset,
                stage=pipeline.stage.value,
                recipient=args.recipient,
                check=exc.check,
                reason=exc.reason,
            )
        return 1
    if not args.quiet:
        print(summary)
    return 0
