"""``medguard demo``: run every capability on a bundled synthetic hospital extract."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``demo`` subcommand to the CLI."""
    parser = sub.add_parser(
        "demo",
        help="run every capability on a bundled synthetic hospital extract",
        description=(
            "Generate a synthetic hospital extract (patients, visits, clinical notes; no real "
            "person) and show what medguard does with it: validation, masking, encryption, "
            "pseudonymization, scanning, differential privacy and re-identification risk, then "
            "the life cycle of a research extract under one policy: scan, drafted policy, "
            "storage, processing, sharing (checked), verification scan and audit."
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("medguard-demo"),
        help="folder to write the extract and results to (default: ./medguard-demo)",
    )
    parser.add_argument(
        "--patients", type=int, default=200, help="number of synthetic patients (default: 200)"
    )
    parser.add_argument("--seed", type=int, default=20261122, help="random seed (default: fixed)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from medguard.demo import run_demo
    from medguard.errors import InvalidArgument

    if args.patients < 1:
        raise InvalidArgument("--patients must be at least 1")
    run_demo(args.out, rows=args.patients, seed=args.seed)
    return 0
