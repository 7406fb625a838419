"""``medguard trace``: which recipient's extract a leaked pseudonym or token came from.

Every keyed op's context holds the recipient, so the same person has a different pseudonym in
each recipient's extract. ``trace`` re-derives, for each named recipient, the surrogates of the
input's keyed columns (pseudonyms, tokens, deterministic ciphertexts) under the policy's sharing
stage, and says whose extract holds the leaked value. It prints recipients and columns, never
the original value. Exit codes: 0 found (in exactly the recipients printed), 1 not found in any,
2 usage or input error.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from medguard.cli._keyring import add_keyring_options, open_keyring

__all__ = ["register"]

_SURROGATES = ("pseudonymize", "tokenize", "encrypt_deterministically")

EPILOG = """\
exit codes: 0 found, 1 not found in any recipient's extract, 2 usage or input error

example:
  medguard trace 44182720051007697X --policy policy.yaml --keyring his.keyring \\
      --recipients cdc,university,insurer --input visits.csv
"""


def register(sub: Any) -> None:
    """Add the ``trace`` subcommand."""
    parser = sub.add_parser(
        "trace",
        help="tell which recipient's extract a leaked pseudonym came from",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("value", metavar="VALUE", help="the leaked pseudonym or token")
    parser.add_argument("--policy", type=Path, required=True, help="the sharing policy")
    parser.add_argument(
        "--recipients", required=True, help="comma-separated recipients the data was shared with"
    )
    parser.add_argument(
        "--input", type=Path, required=True, help="the data the extracts were made from"
    )
    parser.add_argument("--field", help="only this column (default: every keyed column)")
    parser.add_argument("--stage", default="sharing", help="the stage (default: sharing)")
    add_keyring_options(parser)
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from medguard.errors import InvalidArgument
    from medguard.lifecycle import Pipeline, Policy
    from medguard.lifecycle.stream import file_format, input_schema, read_batches
    from medguard.ops.base import OpContext

    recipients = [r.strip() for r in args.recipients.split(",") if r.strip()]
    if not recipients:
        raise InvalidArgument("--recipients names at least one recipient")
    policy = Policy.load(args.policy)
    ring = open_keyring(args)
    fmt = file_format(args.input)
    schema = input_schema(Path(args.input), fmt, 65_536)
    plan = Pipeline(policy, stage=args.stage, keyring=ring).plan(schema)
    steps = [s for s in plan.steps if s.op.name in _SURROGATES]
    if args.field is not None:
        steps = [s for s in steps if s.column == args.field]
    if not steps:
        raise InvalidArgument("the policy gives no column a pseudonym, token or deterministic "
                              "ciphertext at this stage: nothing to trace")  # fmt: skip
    table = policy.table or policy.dataset
    found: list[tuple[str, str]] = []
    columns = [s.column for s in steps]
    for batch in read_batches(args.input, format=fmt, columns=columns):
        for step in steps:
            column = batch.column(step.column)
            for who in recipients:
                if (who, step.column) in found:
                    continue
                ctx = OpContext(keyring=ring, table=table, field=step.column, recipient=who)
                out, _ = step.op.apply(column, ctx)
                if args.value in set(out.to_pylist()):
                    found.append((who, step.column))
    if not found:
        print(f"not found in the extracts of {', '.join(recipients)}")
        return 1
    for who, column in found:
        print(f"{who}: column {column!r} of its extract holds this value")
    return 0
