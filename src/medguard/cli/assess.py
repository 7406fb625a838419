"""``medguard assess``: the live risk register of a deployment (R = L x S, highest first).

Exit codes: 0 no item is very high, 1 an item is very high (13-16), 2 usage errors or state
that cannot be read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["register"]

DESCRIPTION = """\
Derive the risk register from the deployment's real state: the policy (level-4 fields
unencrypted at storage, equality leaks accepted, sharing without a k-anonymity check), the
keyring (keys not rotated, pending destructions past their grace), the audit trail (does it
verify, is it co-signed recently, SQL refusals), the privacy budget ledger (near exhaustion)
and a SQL log checked by the SQL guard. Each item is graded R = L x S (likelihood, severity
1-4): 13-16 very high, 8-12 high, 4-7 medium, 1-3 low; it says what raised it and what would
lower it.

exit codes: 0 no item very high, 1 an item very high, 2 usage error or unreadable state.
"""

EPILOG = """\
examples:
  medguard assess --policy policy.yaml
  medguard assess --policy policy.yaml --keyring ring.json --trail audit.jsonl
  medguard assess --policy policy.yaml --ledger budget.db --dataset visits --format json
  medguard assess --policy policy.yaml --sql-log queries.log --items our-risks.json
"""


def register(sub: Any) -> None:
    """Add the ``assess`` subcommand to the CLI."""
    p = sub.add_parser(
        "assess",
        help="the live risk register (R = L x S) from policy, keys, trail, budget and SQL",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--policy", type=Path, help="the medguard policy (YAML/TOML/JSON)")
    p.add_argument("--keyring", type=Path, default=os.environ.get("MEDGUARD_KEYRING"),
                   help="keyring file (default: $MEDGUARD_KEYRING)")  # fmt: skip
    p.add_argument("--passphrase-env", default="MEDGUARD_KEYRING_PASSPHRASE", metavar="VAR",
                   help="variable holding the keyring passphrase")  # fmt: skip
    p.add_argument("--key-env", default="MEDGUARD_KEYRING_KEY", metavar="VAR",
                   help="variable holding a base64 wrapping key for env keyrings")  # fmt: skip
    p.add_argument("--allow-insecure", action="store_true",
                   help="open a keyring file that group/others can access")  # fmt: skip
    p.add_argument("--trail", help="the audit trail (file, *.db or URL; needs --keyring)")
    p.add_argument("--ledger", type=Path, help="the privacy budget ledger (SQLite file)")
    p.add_argument("--dataset", help="the dataset whose budget --ledger holds")
    p.add_argument("--sql-log", type=Path, help="a SQL log to check with the SQL guard")
    p.add_argument("--dialect", default="mysql", help="dialect of --sql-log (default: mysql)")
    p.add_argument("--items", type=Path, help="a JSON list of your own risk items")
    p.add_argument("--rotation-days", type=int, default=365,
                   help="key rotation period in days (default: 365)")  # fmt: skip
    p.add_argument("--now", help="assess as of this time (RFC 3339; default: now)")
    p.add_argument("--format", "-f", choices=("table", "json", "html"), default="table")
    p.add_argument("--output", "-o", type=Path, help="write the register to this file")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from medguard.cli.scan import _check_writable, _emit
    from medguard.errors import InvalidArgument
    from medguard.risk import assess

    _check_writable(args.output, "--output")
    if args.ledger is not None and not args.dataset:
        raise InvalidArgument("--ledger needs --dataset (the dataset whose budget it holds)")
    if args.trail is not None and args.keyring is None:
        raise InvalidArgument("--trail needs --keyring (it keys the trail's HMAC)")
    if not any((args.policy, args.keyring, args.trail, args.ledger, args.sql_log, args.items)):
        raise InvalidArgument("give at least one of --policy, --keyring, --trail, --ledger, "
                              "--sql-log, --items")  # fmt: skip
    policy: Any = None
    keyring: Any = None
    trail: Any = None
    ledger: Any = None
    findings: Any = None
    if args.policy is not None:
        from medguard.lifecycle import Policy

        policy = Policy.load(args.policy)
    if args.keyring is not None:
        from medguard.cli.keys import _open

        keyring = _open(args)
    if args.trail is not None:
        from medguard.audit import AuditTrail

        trail = AuditTrail.open(args.trail, keyring, create=False)
    if args.ledger is not None:
        if not args.ledger.is_file():
            raise InvalidArgument(f"--ledger {args.ledger}: no such file")
        from medguard.privacy.ledger import BudgetLedger

        ledger = BudgetLedger(args.ledger, args.dataset)
    if args.sql_log is not None:
        from medguard.audit.sql import audit_log, read_log

        entries = read_log(args.sql_log.read_text(encoding="utf-8-sig"))
        findings = [f.finding for f in audit_log(entries, args.dialect, policy)]
    items: Any = []
    if args.items is not None:
        try:
            items = json.loads(args.items.read_text(encoding="utf-8"))
        except ValueError:
            raise InvalidArgument(f"--items {args.items}: not JSON") from None
        if not isinstance(items, list):
            raise InvalidArgument("--items holds a JSON list of risk items")
    now = None
    if args.now:
        try:
            now = dt.datetime.fromisoformat(args.now.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidArgument("--now is RFC 3339 (2026-01-31T08:00:00+08:00)") from None
    register = assess(policy, keyring, trail, ledger, findings, now=now, extra_items=items,
                      rotation_days=args.rotation_days)  # fmt: skip
    if args.format == "json":
        _emit(register.to_json() + "\n", args.output)
    elif args.format == "html":
        _emit(register._repr_html_() + "\n", args.output)
    else:
        _emit(register.table(), args.output)
    return register.exit_code
