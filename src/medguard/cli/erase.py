"""``medguard erase``: crypto-shred subjects or dataset keys, erase subjects from a database,
erase files honestly, cancel a pending destruction, finish due ones.

Every action that destroys something asks for confirmation: ``--yes``, or typing ``yes`` on a
terminal; without a terminal and without ``--yes`` it refuses (exit 1). ``--dry-run`` shows what
would happen and changes nothing. Subjects are printed as their keyed tokens, never as IDs; pass
them with ``--subjects-from FILE`` (``-`` for standard input) to keep them out of the shell
history and the process list. Exit codes: 0 done, 1 refused, 2 usage or input errors.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from medguard.cli._keyring import add_grace_option, add_keyring_options, open_keyring
from medguard.cli._keyring import grace as grace_of

__all__ = ["register"]

DESCRIPTION = """\
Destroy data for good, and record it: crypto-shred subjects (patients) or dataset keys, erase a
subject's rows from a database, erase files as surely as the storage allows. Each destruction
prints a record (what, scope, method, NIST SP 800-88 assurance, counts, who, legal basis); add
--certificate FILE for a signed copy and --audit TRAIL to append it to an audit trail.
"""

EPILOG = """\
examples:
  medguard erase subject --keyring his.keyring --subjects-from erase-requests.txt --yes
  medguard erase subject --keyring his.keyring --subjects-from - --grace 30 --yes < ids.txt
  medguard erase subject --keyring his.keyring --subjects-from ids.txt \\
      --database sqlite:///his.db --policy erasure.json --certificate cert.json --yes
  medguard erase dataset --keyring his.keyring k1a2b3c4d --yes
  medguard erase file exports/2024-study/ --dry-run
  medguard erase cancel --keyring his.keyring --subjects-from ids.txt
  medguard erase due --keyring his.keyring                (run daily: finish grace periods)

exit codes: 0 done, 1 refused (no --yes, or not confirmed), 2 usage or input errors
"""

EXIT_OK = 0
EXIT_REFUSED = 1


def _record_options(p: argparse.ArgumentParser, *, destroys: bool = True) -> None:
    p.add_argument("--actor", help="who carries out the destruction (default: the OS user)")
    p.add_argument("--approver", help="who approved it (recorded)")
    p.add_argument(
        "--legal-basis",
        default="PIPL Art. 47",
        help="legal basis recorded (default: 'PIPL Art. 47')",
    )
    p.add_argument(
        "--audit",
        type=Path,
        metavar="TRAIL",
        help="append the record to this audit trail (needs --keyring)",
    )
    p.add_argument(
        "--certificate",
        type=Path,
        metavar="FILE",
        help="write a signed destruction certificate (needs --keyring)",
    )
    p.add_argument("--json", action="store_true", help="print the record as JSON")
    if destroys:
        p.add_argument(
            "--dry-run", action="store_true", help="show what would happen; change nothing"
        )
        p.add_argument("--yes", action="store_true", help="confirm the destruction")


def _subject_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "subjects",
        nargs="*",
        metavar="SUBJECT",
        help="subject IDs (prefer --subjects-from: arguments land in shell history)",
    )
    p.add_argument(
        "--subjects-from",
        type=Path,
        metavar="FILE",
        help="read subject IDs, one per line, from FILE ('-': standard input)",
    )


def register(sub: Any) -> None:
    """Add the ``erase`` subcommand and its actions to the CLI."""
    parser = sub.add_parser(
        "erase",
        help="destroy data for good: crypto-shred subjects or keys, erase rows and files",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="<action>", title="actions")
    actions.required = True

    subject = actions.add_parser(
        "subject",
        help="crypto-shred subjects' keys (and erase their rows with --database)",
        description="Destroy each subject's key; with --database and --policy also delete or "
        "null their rows and tokens in one transaction.",
    )
    _subject_options(subject)
    add_keyring_options(subject, required=True)
    subject.add_argument(
        "--database", metavar="URL", help="SQLAlchemy URL or SQLite file holding the subject's rows"
    )
    subject.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        help="erasure policy (JSON or TOML) naming the tables; with --database",
    )
    add_grace_option(subject)
    _record_options(subject)
    subject.set_defaults(func=_run_subject)

    dataset = actions.add_parser(
        "dataset",
        help="crypto-shred a dataset key by its key ID",
        description="Destroy one keyring key: everything encrypted under it becomes unreadable.",
    )
    dataset.add_argument("key_id", help="the dataset's key ID")
    add_keyring_options(dataset, required=True)
    add_grace_option(dataset)
    _record_options(dataset)
    dataset.set_defaults(func=_run_dataset)

    files = actions.add_parser(
        "file",
        help="overwrite and unlink files or directories, saying how sure that is",
        description="Overwrite, fsync and unlink where that reaches the blocks; where it cannot "
        "(copy-on-write, tmpfs, network file systems, SSDs) unlink and say so.",
    )
    files.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    files.add_argument("--passes", type=int, default=1, help="overwrite passes (default 1)")
    add_keyring_options(files, required=False)
    _record_options(files)
    files.set_defaults(func=_run_file)

    cancel = actions.add_parser(
        "cancel",
        help="cancel a pending destruction (subjects, or --key KEY_ID)",
        description="Restore keys still pending destruction: they decrypt again.",
    )
    _subject_options(cancel)
    cancel.add_argument("--key", metavar="KEY_ID", help="a pending dataset key instead")
    add_keyring_options(cancel, required=True)
    _record_options(cancel, destroys=False)
    cancel.set_defaults(func=_run_cancel)

    due = actions.add_parser(
        "due",
        help="destroy the keys whose grace period is over (run from a scheduler)",
        description="Destroy every pending key whose grace period has ended.",
    )
    add_keyring_options(due, required=True)
    _record_options(due, destroys=False)
    due.set_defaults(func=_run_due)


# --------------------------------------------------------------------------- helpers


def _actor(args: argparse.Namespace) -> str:
    if args.actor:
        return str(args.actor)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _who(args: argparse.Namespace) -> dict[str, Any]:
    return {"actor": _actor(args), "approver": args.approver, "legal_basis": args.legal_basis}


def _subjects(args: argparse.Namespace) -> list[str]:
    from medguard.errors import InvalidArgument

    subjects = list(args.subjects)
    if args.subjects_from is not None:
        try:
            if str(args.subjects_from) == "-":
                text = sys.stdin.read()
            else:
                text = args.subjects_from.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidArgument(f"cannot read {args.subjects_from}: {exc}") from None
        subjects += [line.strip() for line in text.splitlines() if line.strip()]
    if not subjects:
        raise InvalidArgument("give subject IDs as arguments or with --subjects-from")
    return list(dict.fromkeys(subjects))


def _confirmed(args: argparse.Namespace, what: str) -> bool:
    """--yes, or 'yes' typed on a terminal; otherwise print why and refuse."""
    if args.dry_run or args.yes:
        return True
    if not sys.stdin.isatty():
        print(
            f"medguard erase: refusing to destroy {what} without --yes "
            "(no terminal to confirm on); --dry-run shows what would happen",
            file=sys.stderr,
        )
        return False
    answer = input(f"Destroy {what} for good? Type 'yes' to confirm: ")
    if answer.strip().lower() != "yes":
        print("medguard erase: not confirmed; nothing was destroyed", file=sys.stderr)
        return False
    return True


def _audit(args: argparse.Namespace, keyring: Any) -> Any:
    if args.audit is None:
        return None
    from medguard.audit import AuditTrail

    return AuditTrail.open(args.audit, keyring, actor=_actor(args))


def _finish(args: argparse.Namespace, record: Any, keyring: Any, lines: list[str]) -> int:
    """Print the record (and write the certificate when asked)."""
    if args.certificate is not None and record.status.value != "dry-run":
        from medguard._atomic import write_atomically
        from medguard.erase import certify

        cert = certify(record, keyring)
        write_atomically(args.certificate, cert.to_json().encode("utf-8"))
        lines.append(f"certificate: {args.certificate} (signed by key {cert.key_id})")
    if args.json:
        indent = None if getattr(args, "json_lines", False) else 2
        print(json.dumps(record.to_dict(), indent=indent, ensure_ascii=False))
        return EXIT_OK
    for line in lines:
        print(line)
    print(f"{record.status.value}: {record.what}; method: {record.method}")
    print(f"assurance: {record.assurance.value} (NIST SP 800-88); record {record.record_id}")
    for name, count in sorted(record.counts.items()):
        print(f"  {name}: {count}")
    if record.destroy_after:
        print(
            f"destroyed after: {record.destroy_after} (medguard erase cancel restores until then)"
        )
    for note in record.notes:
        print(f"  note: {note}")
    return EXIT_OK


def _load_policy(path: Path) -> Any:
    from medguard.erase import ErasurePolicy
    from medguard.errors import PolicyError

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read policy {path}: {exc.strerror}") from None
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PolicyError(f"policy {path} is not valid JSON/TOML: {exc}") from None
    return ErasurePolicy.from_dict(data)


def _connect(url: str) -> Any:
    """A sqlite3 connection for a file or sqlite:/// URL, else a SQLAlchemy engine."""
    import sqlite3

    from medguard.errors import InvalidArgument, MissingDependency

    if "://" not in url or url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not Path(path).is_file():
            raise InvalidArgument(f"no SQLite database at {path}")
        return sqlite3.connect(path)
    try:
        import sqlalchemy
    except ImportError:
        raise MissingDependency("sqlalchemy", extra="sql", feature="--database URL") from None
    try:
        return sqlalchemy.create_engine(url)
    except (ValueError, sqlalchemy.exc.ArgumentError):
        raise InvalidArgument("--database is not a valid SQLAlchemy URL") from None


# --------------------------------------------------------------------------- actions


def _run_subject(args: argparse.Namespace) -> int:
    from medguard.erase import crypto_shred, erase_subject
    from medguard.errors import InvalidArgument

    subjects = _subjects(args)
    if (args.database is None) != (args.policy is None):
        raise InvalidArgument("--database and --policy go together")
    grace = grace_of(args)
    keyring = open_keyring(args)
    policy = None if args.policy is None else _load_policy(args.policy)
    if not _confirmed(args, f"the keys of {len(subjects)} subject(s)"):
        return EXIT_REFUSED
    audit = _audit(args, keyring)
    if policy is None:
        record = crypto_shred(
            subjects, keyring, grace=grace, audit=audit, dry_run=args.dry_run, **_who(args)
        )
        lines = [s.replace(":", " ", 1) for s in record.scope]
        return _finish(args, record, keyring, lines)
    if len(subjects) != 1:
        raise InvalidArgument("with --database, erase one subject per run (one transaction)")
    connection = _connect(args.database)
    try:
        result = erase_subject(
            subjects[0],
            connection,
            policy,
            keyring=keyring,
            grace=grace,
            audit=audit,
            dry_run=args.dry_run,
            **_who(args),
        )
    finally:
        close = getattr(connection, "close", None) or getattr(connection, "dispose", None)
        if close is not None:
            close()
    lines = [f"{table}: {count} row(s)" for table, count in result.rows.items()]
    return _finish(args, result.record, keyring, lines)


def _run_dataset(args: argparse.Namespace) -> int:
    from medguard.erase import DatasetKey, crypto_shred

    target = DatasetKey(args.key_id)
    grace = grace_of(args)
    keyring = open_keyring(args)
    if not _confirmed(args, f"key {args.key_id} and everything encrypted under it"):
        return EXIT_REFUSED
    record = crypto_shred(
        target,
        keyring,
        grace=grace,
        audit=_audit(args, keyring),
        dry_run=args.dry_run,
        **_who(args),
    )
    return _finish(args, record, keyring, [])


def _run_file(args: argparse.Namespace) -> int:
    from medguard.erase import erase_file
    from medguard.errors import InvalidArgument

    if args.certificate is not None and len(args.paths) > 1:
        raise InvalidArgument("--certificate takes one PATH per run (one record, one certificate)")
    args.json_lines = len(args.paths) > 1  # several records: one JSON document per line
    needs_keyring = args.certificate is not None or args.audit is not None
    keyring = open_keyring(args) if needs_keyring else None
    # refuse symlinks and special files (and show the plan) before asking
    plans = [erase_file(p, passes=args.passes, dry_run=True, **_who(args)) for p in args.paths]
    count = sum(len(plan.files) for plan in plans)
    if not _confirmed(args, f"{count} file(s) under {len(args.paths)} path(s)"):
        return EXIT_REFUSED
    audit = _audit(args, keyring) if keyring is not None else None
    code = EXIT_OK
    for path, plan in zip(args.paths, plans, strict=True):
        result = (
            plan
            if args.dry_run
            else erase_file(path, passes=args.passes, audit=audit, **_who(args))
        )
        lines = [
            f"{f.path}: {f.action} [{f.fstype}{'/' + f.device if f.device else ''}] "
            f"assurance {f.assurance.value}"
            for f in result.files
        ]
        code = max(code, _finish(args, result.record, keyring, lines))
    return code


def _run_cancel(args: argparse.Namespace) -> int:
    from medguard.erase import DatasetKey, cancel_shred
    from medguard.errors import InvalidArgument

    if args.key is not None and (args.subjects or args.subjects_from):
        raise InvalidArgument("give subjects or --key, not both")
    target: Any = DatasetKey(args.key) if args.key is not None else _subjects(args)
    keyring = open_keyring(args)
    record = cancel_shred(target, keyring, audit=_audit(args, keyring), **_who(args))
    return _finish(args, record, keyring, [])


def _run_due(args: argparse.Namespace) -> int:
    from medguard.erase import complete_due

    keyring = open_keyring(args)
    record = complete_due(keyring, audit=_audit(args, keyring), **_who(args))
    if record is None:
        print("nothing is due")
        return EXIT_OK
    return _finish(args, record, keyring, [])
