"""Demo step: validate every identifier column of the extract (collection stage)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medguard.demo import DemoContext

__all__ = ["run"]


def run(ctx: DemoContext) -> None:
    """Validate the patients' identifiers, then show the reasons medguard gives for typos."""
    from medguard.cn import address, bank_card, names, passport, phone, resident_id
    from medguard.errors import InvalidIdentifier

    p = ctx.patients
    ctx.section("Identifier validation (collection stage)")
    checks: list[tuple[str, str, Any]] = [
        ("resident_id", "GB 11643, MOD 11-2", resident_id.is_valid_array(p["resident_id"])),
        ("mobile", "allocated segment", phone.is_mobile_array(p["mobile"])),
        ("landline", "area code + number", [phone.is_landline(v) for v in p["landline"]]),
        ("bank_card", "Luhn", bank_card.luhn_valid_array(p["bank_card"])),
        ("passport", "passport / permit format", [passport.is_valid(v) for v in p["passport"]]),
        ("name", "known surname", [names.is_valid(v) for v in p["name"]]),
        ("address", "province/city/district", [address.is_valid(v) for v in p["address"]]),
    ]
    ctx.table(
        [{"column": c, "rule": rule, "valid": f"{sum(ok)}/{len(ok)}"} for c, rule, ok in checks]
    )
    parsed = [resident_id.parse(v) for v in p["resident_id"]]
    by_province = Counter(r.province for r in parsed).most_common(3)
    ctx.say(
        "parsed resident IDs give province, birth date and sex without decrypting anything: "
        + ", ".join(f"{prov} {n}" for prov, n in by_province)
    )
    consistent = sum(
        (r.sex == "male") == (s == "男") and r.birth_date == b
        for r, s, b in zip(parsed, p["sex"], p["birth_date"], strict=True)
    )
    ctx.say(
        f"ID agrees with the recorded sex and birth date for {consistent}/{len(parsed)} patients"
    )
    sample = parsed[0].number
    typos = {
        "one digit changed": sample[:10] + str((int(sample[10]) + 1) % 10) + sample[11:],
        "two digits swapped": _swap_first_distinct_pair(sample),
        "impossible date": sample[:10] + "1332" + sample[14:17],
        "a digit missing": sample[:-2],
    }
    ctx.say("typing errors are caught, with the reason (values not shown):")
    for label, value in typos.items():
        if len(value) == 17:
            value = value + resident_id.check_character(value)
        try:
            resident_id.parse(value)
            reason = "accepted"
        except InvalidIdentifier as exc:
            reason = exc.reason
        ctx.say(f"  {label:<20} -> {reason}")


def _swap_first_distinct_pair(number: str) -> str:
    i = next(i for i in range(16) if number[i] != number[i + 1])
    return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
