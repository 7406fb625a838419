"""Live risk assessment: a risk register derived from the deployment's real state.

Risk R = L x S, likelihood L and severity S each 1 (low) to 4 (very high); R falls in one of
four bands (:data:`BANDS`): 13-16 very high, 8-12 high, 4-7 medium, 1-3 low.

>>> from medguard.risk import RiskItem, assess
>>> register = assess(extra_items=[RiskItem("shared admin password", stage="processing",
...     control="one account per person", likelihood=3, severity=4,
...     evidence="the HIS has one admin login", raised_by="shared account",
...     lowered_by="personal accounts with MFA")])
>>> [(i.name, i.risk, i.band) for i in register]
[('shared admin password', 12, 'high')]
>>> register.exit_code
0

:func:`assess` reads a policy (level-4 fields unencrypted at storage, equality leaks
accepted, a sharing stage without a k-anonymity check), a keyring (keys not rotated, pending
destructions past their grace), an audit trail (not verifying, not co-signed recently), a
budget ledger (a privacy budget near exhaustion) and SQL guard findings; each item says what
raised its score and what would lower it. See ``docs/risk-assessment.md``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from medguard.errors import InvalidArgument

__all__ = ["BANDS", "Graded", "RiskItem", "RiskRegister", "assess", "band"]

#: The bands of R = L x S, highest first: (name, lowest R in the band).
BANDS: tuple[tuple[str, int], ...] = (("very high", 13), ("high", 8), ("medium", 4), ("low", 1))


def band(risk: int) -> str:
    """The band of a risk score R = L x S (1-16): ``very high``, ``high``, ``medium``, ``low``."""
    if isinstance(risk, bool) or not isinstance(risk, int) or not 1 <= risk <= 16:
        raise InvalidArgument("a risk score R = L x S is an integer 1-16")
    return next(name for name, low in BANDS if risk >= low)


def _grade(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        raise InvalidArgument(f"{what} is an integer 1-4 (got {value!r})")
    return value


class Graded:
    """A mixin for anything graded by likelihood L and severity S (1-4): its risk R and band."""

    likelihood: int
    severity: int

    @property
    def risk(self) -> int:
        """R = L x S (1-16)."""
        return self.likelihood * self.severity

    @property
    def band(self) -> str:
        """The band of R: ``low``, ``medium``, ``high`` or ``very high``."""
        return band(self.risk)


@dataclass(frozen=True)
class RiskItem(Graded):
    """One risk: what, where (stage, control), L and S (1-4), evidence, and how to lower it."""

    name: str
    stage: str
    control: str
    likelihood: int
    severity: int
    evidence: str
    raised_by: str = ""
    lowered_by: str = ""
    source: str = "user"

    def __post_init__(self) -> None:
        _grade(self.likelihood, "likelihood")
        _grade(self.severity, "severity")
        if not self.name:
            raise InvalidArgument("a risk item needs a name")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "name": self.name,
            "stage": self.stage,
            "control": self.control,
            "likelihood": self.likelihood,
            "severity": self.severity,
            "risk": self.risk,
            "band": self.band,
            "evidence": self.evidence,
            "raised_by": self.raised_by,
            "lowered_by": self.lowered_by,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RiskItem:
        """An item from a mapping with the same keys (``risk`` and ``band`` ignored)."""
        keys = ("name", "stage", "control", "likelihood", "severity", "evidence",
                "raised_by", "lowered_by", "source")  # fmt: skip
        unknown = set(data) - set(keys) - {"risk", "band"}
        if unknown:
            raise InvalidArgument(f"unknown risk item keys: {', '.join(sorted(unknown))}")
        try:
            return cls(**{k: data[k] for k in keys if k in data})
        except TypeError:
            raise InvalidArgument(
                "a risk item needs name, stage, control, likelihood, severity and evidence"
            ) from None


class RiskRegister:
    """Risk items, highest R first (then by name); a table, JSON, or HTML in a notebook."""

    def __init__(self, items: Iterable[RiskItem], *, assessed_at: str | None = None) -> None:
        self.items = tuple(sorted(items, key=lambda i: (-i.risk, -i.severity, i.name)))
        self.assessed_at = assessed_at

    def __iter__(self) -> Iterator[RiskItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        counts = ", ".join(f"{n}: {c}" for n, c in self.counts().items() if c)
        return f"RiskRegister({len(self)} items{'; ' + counts if counts else ''})"

    def names(self) -> list[str]:
        """The items' names, highest risk first."""
        return [i.name for i in self.items]

    def get(self, name: str) -> RiskItem | None:
        """The first (highest) item whose name starts with ``name``, or None."""
        return next((i for i in self.items if i.name.startswith(name)),
                    None)  # fmt: skip

    def counts(self) -> dict[str, int]:
        """How many items fall in each band."""
        return {name: sum(i.band == name for i in self.items) for name, _ in BANDS}

    @property
    def exit_code(self) -> int:
        """1 when any item is very high, else 0 (the CLI's exit code)."""
        return 1 if any(i.band == "very high" for i in self.items) else 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "assessed_at": self.assessed_at,
            "counts": self.counts(),
            "items": [i.to_dict() for i in self.items],
        }

    def to_json(self) -> str:
        """The register as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def table(self) -> str:
        """A readable table: R, band, L, S, stage, name; then evidence and remedies."""
        if not self.items:
            return "no risk found in the state assessed\n"
        lines = [f"{'R':>2}  {'band':<9}  L  S  {'stage':<12}  name"]
        for i in self.items:
            lines.append(f"{i.risk:>2}  {i.band:<9}  {i.likelihood}  {i.severity}  "
                         f"{i.stage:<12}  {i.name}")  # fmt: skip
            lines.append(f"{'':>16}control: {i.control}")
            lines.append(f"{'':>16}evidence: {i.evidence}")
            if i.raised_by:
                lines.append(f"{'':>16}raised by: {i.raised_by}")
            if i.lowered_by:
                lines.append(f"{'':>16}lowered by: {i.lowered_by}")
        counts = ", ".join(f"{c} {n}" for n, c in self.counts().items() if c)
        lines.append(f"{len(self)} item(s): {counts}")
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        colours = {"very high": "#b71c1c", "high": "#e65100", "medium": "#f9a825",
                   "low": "#2e7d32"}  # fmt: skip
        head = "".join(f"<th>{h}</th>" for h in ("R", "band", "L", "S", "stage", "name",
                       "control", "evidence", "raised by", "lowered by"))  # fmt: skip
        rows = []
        for i in self.items:
            cells = [str(i.risk), i.band, str(i.likelihood), str(i.severity), i.stage, i.name,
                     i.control, i.evidence, i.raised_by, i.lowered_by]  # fmt: skip
            tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells)
            rows.append(f'<tr style="border-left:4px solid {colours[i.band]}">{tds}</tr>')
        return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                if rows else "<p>no risk found in the state assessed</p>")  # fmt: skip


# ----------------------------------------------------------------------------- assess

_AT_REST = frozenset({"encrypt", "encrypt_deterministically", "drop", "suppress"})
_GONE_AT_SHARING = frozenset({"drop", "suppress"})


def _aware(when: dt.datetime | None) -> dt.datetime:
    now = when if when is not None else dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise InvalidArgument("now needs a UTC offset (an aware datetime)")
    return now


def _parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def assess(
    policy: Any = None,
    keyring: Any = None,
    trail: Any = None,
    ledger: Any = None,
    sql_findings: Iterable[Any] | None = None,
    now: dt.datetime | None = None,
    extra_items: Iterable[RiskItem | Mapping[str, Any]] = (),
    *,
    rotation_days: int = 365,
    cosign_days: int = 30,
    sql_days: int = 30,
    budget_warn: float = 0.1,
) -> RiskRegister:
    """The risk register of a deployment, derived from the state of what is given.

    ``policy`` is a :class:`medguard.lifecycle.Policy`; ``keyring`` a
    :class:`~medguard.keys.Keyring`; ``trail`` an :class:`~medguard.audit.AuditTrail` (it is
    verified); ``ledger`` a :class:`~medguard.privacy.BudgetLedger`; ``sql_findings`` the
    :class:`~medguard.audit.sql.Finding` objects of the last period (without them, the
    trail's ``sql.refused`` records of the last ``sql_days`` count). ``rotation_days`` is the
    key rotation period (a policy's ``key_rotation_days`` attribute wins), ``cosign_days`` how
    old the newest co-signed record may be, ``budget_warn`` the share of the privacy budget
    left that raises an item. ``extra_items`` are the user's own items.
    """
    moment = _aware(now)
    period = getattr(policy, "key_rotation_days", None) or rotation_days
    if not isinstance(period, int) or period < 1:
        raise InvalidArgument("rotation_days is a positive number of days")
    items: list[RiskItem] = []
    if policy is not None:
        items += _policy_items(policy)
    if keyring is not None:
        items += _keyring_items(keyring, moment, period)
    if trail is not None:
        items += _trail_items(trail, moment, cosign_days)
    if ledger is not None:
        items += _ledger_items(ledger, budget_warn)
    items += _sql_items(sql_findings, trail, moment, sql_days)
    for extra in extra_items:
        items.append(extra if isinstance(extra, RiskItem) else RiskItem.from_dict(extra))
    return RiskRegister(items, assessed_at=moment.isoformat(timespec="seconds"))


def _op_name(op: Any) -> str:
    return str(getattr(op, "name", "") or getattr(op, "op", "") or "")


def _storage_op(policy: Any, name: str, rule: Any) -> str:
    if hasattr(policy, "rule_for"):
        found = policy.rule_for(name, "storage")
        return _op_name(found.op) if found is not None else ""
    stages = getattr(rule, "stages", {}) or {}
    return _op_name(stages.get("storage"))


def _policy_items(policy: Any) -> list[RiskItem]:
    fields = getattr(policy, "fields", None)
    if not isinstance(fields, Mapping):
        raise InvalidArgument("policy is a medguard.lifecycle.Policy (or has .fields)")
    dataset = getattr(policy, "dataset", None) or "the dataset"
    items = []
    for name, rule in fields.items():
        level = int(getattr(rule, "level", 0))
        if level < 4:
            continue
        op = _storage_op(policy, name, rule)
        if op not in _AT_REST:
            items.append(RiskItem(
                f"unencrypted at storage: {name}", "storage", "encryption at rest",
                likelihood=3, severity=4 if level >= 5 else 3,
                evidence=f"{dataset}: field {name} (level {level}) gets {op or 'no op'} "
                         "at storage",
                raised_by=f"a level-{level} field kept readable at rest",
                lowered_by=f"fields.{name}.storage: {{op: encrypt}} (or drop it)",
                source="policy"))  # fmt: skip
    for entry in getattr(policy, "accept", ()) or ():
        if getattr(entry, "risk", None) != "equality":
            continue
        fname = str(getattr(entry, "field", "?"))
        level = int(getattr(fields.get(fname), "level", 3) or 3)
        items.append(RiskItem(
            f"equality leak accepted: {fname}", str(getattr(entry, "stage", "storage")),
            "randomized encryption", likelihood=2, severity=3 if level >= 4 else 2,
            evidence=f"accept: field {fname} (level {level}), reason: "
                     f"{getattr(entry, 'reason', '')}",
            raised_by="deterministic encryption shows which rows hold equal values",
            lowered_by="encrypt randomly and join on a keyed token (or drop the acceptance)",
            source="policy"))  # fmt: skip
    shared = [n for n in fields if _op_name(_sharing_op(policy, n)) not in _GONE_AT_SHARING]
    checks = getattr(policy, "checks", {}) or {}
    sharing = checks.get("sharing")
    if shared and getattr(sharing, "k_anonymity", None) is None:
        items.append(RiskItem(
            "sharing without a k-anonymity check", "sharing", "k-anonymity before release",
            likelihood=3, severity=3,
            evidence=f"{dataset}: {len(shared)} field(s) leave at sharing ("
                     + ", ".join(sorted(shared)[:5]) + (", ..." if len(shared) > 5 else "")
                     + "); checks.sharing.k_anonymity is not set",
            raised_by="a release whose rare combinations of quasi-identifiers are not counted",
            lowered_by="checks: {sharing: {k_anonymity: {quasi_identifiers: [...], k: 5}}}",
            source="policy"))  # fmt: skip
    return items


def _sharing_op(policy: Any, name: str) -> Any:
    if hasattr(policy, "rule_for"):
        found = policy.rule_for(name, "sharing")
        return None if found is None else found.op
    return (getattr(policy.fields[name], "stages", {}) or {}).get("sharing")


def _keyring_items(keyring: Any, now: dt.datetime, period: int) -> list[RiskItem]:
    items = []
    try:
        primary = keyring.primary
        primary = primary() if callable(primary) else primary
    except Exception:
        primary = None
    if primary is None:
        items.append(RiskItem(
            "no primary key", "storage", "key management", likelihood=3, severity=3,
            evidence="the keyring has no primary key: nothing new can be encrypted",
            raised_by="every key disabled or destroyed", lowered_by="keyring.rotate()",
            source="keyring"))  # fmt: skip
    else:
        created = _parse_time(primary.created)
        if created is not None:
            age = (now - created).days
            if age > period:
                items.append(RiskItem(
                    f"key not rotated: {primary.key_id}", "storage", "key rotation",
                    likelihood=3 if age > 2 * period else 2, severity=3,
                    evidence=f"primary key {primary.key_id} created {primary.created[:10]}, "
                             f"{age} days ago (period {period} days)",
                    raised_by="one key protecting data longer than the rotation period",
                    lowered_by="keyring.rotate() (medguard keys rotate)",
                    source="keyring"))  # fmt: skip
    overdue = []
    for info in keyring.list(include_subject_keys=True, limit=1_000_000):
        if str(getattr(info.status, "value", info.status)) != "pending_destruction":
            continue
        due = _parse_time(info.destroy_after)
        if due is not None and due <= now:
            overdue.append((info, due))
    if overdue:
        oldest = min(d for _, d in overdue)
        items.append(RiskItem(
            "pending destructions past their grace", "destruction", "crypto-shredding",
            likelihood=3, severity=3,
            evidence=f"{len(overdue)} key(s) pending destruction past their grace "
                     f"(oldest due {oldest.date().isoformat()}): "
                     + ", ".join(i.key_id for i, _ in overdue[:3])
                     + (", ..." if len(overdue) > 3 else ""),
            raised_by="erasure requests not carried out when due",
            lowered_by="keyring.destroy_due() (run it on a schedule)",
            source="keyring"))  # fmt: skip
    return items


def _trail_items(trail: Any, now: dt.datetime, cosign_days: int) -> list[RiskItem]:
    result = trail.verify()
    if not result.ok:
        return [RiskItem(
            "audit trail does not verify", "processing", "tamper-evident audit trail",
            likelihood=4, severity=4,
            evidence=f"verify: {result.kind or 'failed'} at record {result.seq} "
                     f"({result.records} record(s) verified before it)",
            raised_by="a record or checkpoint altered, removed or forged",
            lowered_by="investigate from the first bad record; restore from a co-signed copy",
            source="trail")]  # fmt: skip
    size = len(trail)
    if size == 0:
        return []
    origin = trail.origin
    cosigned = [c for c in trail.checkpoints() if any(s.name != origin for s in c.signatures)]
    newest = max((c.size for c in cosigned), default=0)
    if newest >= size:
        return []
    times: dict[int, str] = {}
    wanted = {newest - 1, size - 1}
    for record in trail.records():
        if record.seq in wanted:
            times[record.seq] = record.time
    covered = _parse_time(times.get(newest - 1)) if newest else None
    first_uncovered = size - newest
    if covered is not None and (now - covered).days <= cosign_days:
        return []
    evidence = (f"{first_uncovered} record(s) after the newest co-signed checkpoint"
                + (f" (it covers records up to {covered.date().isoformat()})" if covered
                   else "; no checkpoint is co-signed"))  # fmt: skip
    return [RiskItem(
        "audit trail not co-signed recently", "processing", "co-signed checkpoints",
        likelihood=3 if covered is None else 2, severity=3,
        evidence=evidence,
        raised_by="records a single party could rewrite without a witness noticing",
        lowered_by="trail.checkpoint() and a partner's cosign() (medguard audit cosign) "
                   f"at least every {cosign_days} days",
        source="trail")]  # fmt: skip


def _ledger_items(ledger: Any, warn: float) -> list[RiskItem]:
    eps_left, _ = ledger.remaining()
    spent = sum(float(s.epsilon) for s in ledger.spends())
    total = eps_left + spent
    if total <= 0 or eps_left > warn * total:
        return []
    dataset = getattr(ledger, "dataset", "the dataset")
    exhausted = eps_left <= 1e-12
    return [RiskItem(
        f"privacy budget {'exhausted' if exhausted else 'near exhaustion'}: {dataset}",
        "sharing", "differential-privacy budget", likelihood=4 if exhausted else 3,
        severity=3,
        evidence=f"epsilon left {eps_left:.4g} of {total:.4g} ({eps_left / total:.0%})",
        raised_by="analysts pressed to release without noise once the budget runs out",
        lowered_by="plan the remaining releases; open a new budget only with the DPO's sign-off",
        source="ledger")]  # fmt: skip


def _sql_items(
    findings: Iterable[Any] | None, trail: Any, now: dt.datetime, days: int
) -> list[RiskItem]:
    impacts: list[int] = []
    source = "sql guard findings"
    if findings is not None:
        for f in findings:
            f = getattr(f, "finding", f)  # a LogFinding of audit_log holds the Finding
            impact = getattr(f, "impact", None)
            if impact is None and isinstance(f, Mapping):
                impact = f.get("impact")
            impacts.append(int(impact or 2))
    elif trail is not None:
        since = now - dt.timedelta(days=days)
        source = f"sql.refused records since {since.date().isoformat()}"
        for record in trail.records(since=since, action="sql.refused"):
            impacts.append(3 if record.fields.get("rules") else 2)
    if not impacts:
        return []
    count = len(impacts)
    likelihood = 4 if count >= 20 else 3 if count >= 5 else 2
    return [RiskItem(
        "risky SQL in the last period", "processing", "SQL guard", likelihood=likelihood,
        severity=max(1, min(4, max(impacts))),
        evidence=f"{count} finding(s) ({source}; highest severity {max(impacts)})",
        raised_by="statements that read in bulk, change every row or look like injection",
        lowered_by="fix or parameterize the statements; run the applications through guarded()",
        source="sql")]  # fmt: skip
