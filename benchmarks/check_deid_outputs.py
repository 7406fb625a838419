"""Record, then check, every finding of ``scan_text`` and every output of ``deidentify_text``.

A guard for speed work on the text scanner and the de-identifier: run ``--record`` before a
change and ``--check`` after it; any finding, output text, report count or span that differs is
printed (with its corpus, configuration and note number), and the exit status is 1.

Corpora: the admission and short notes of ``bench_deidentify.py``, the ~80-character visit
notes of the pipelines benchmark (each row's name, ID, phones, e-mail and address known, dates
shifted per patient), and the labeled real-text set ``tests/vectors/real_text_pii.jsonl``
(its planted values known). Configurations: every mode, known values, dates shifted and
generalized, ``recall="high"``, spans on.

Run: ``python benchmarks/check_deid_outputs.py --record [FILE]`` then ``--check [FILE]``
(default file: ``/tmp/medguard_deid_outputs.json``; it holds synthetic and public text only).
``--roads`` compares instead, in one process, the fast roads with the plain ones they stand
for: every value's forms computed at once (``_deid_find.LAZY = False``), no layout shared
between notes blanked alike (``_Run.memo = False``) and the known values given row by row
(a list of mappings) instead of column by column.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from bench_deidentify import _admissions, _short, _table
from medguard.detect import deidentify_text, scan_text
from medguard.testing.keyrings import fixed_keyring

_REAL = Path(__file__).parent.parent / "tests" / "vectors" / "real_text_pii.jsonl"
_KINDS = {
    "PERSON": "name", "PHONE_NUMBER": "phone", "CN_RESIDENT_ID": "resident_id",
    "LOCATION": "address", "CN_MEDICAL_RECORD_NUMBER": "record_number",
    "EMAIL_ADDRESS": "email", "CN_PASSPORT": "passport", "CN_BANK_CARD": "bank_card",
}  # fmt: skip


def _real() -> tuple[list[str], list[dict[str, list[str]] | None], list[str]]:
    rows = [json.loads(line) for line in _REAL.read_text("utf-8").splitlines() if line.strip()]
    notes, known = [], []
    for row in rows:
        text = row["text"]
        values: dict[str, list[str]] = {}
        for start, end, entity in row["spans"]:
            if entity in _KINDS:
                values.setdefault(_KINDS[entity], []).append(text[start:end])
        notes.append(text)
        known.append(values or None)
    return notes, known, [f"S{i % 37}" for i in range(len(rows))]


def outputs(plain: bool = False) -> dict[str, Any]:
    """Every recorded output, by section name; ``plain``: known values row by row."""
    keyring = fixed_keyring()
    common: dict[str, Any] = {"keyring": keyring, "context": "check"}
    corpora: dict[str, tuple[list[str], Any, list[str]]] = {
        "admissions": _admissions(300),
        "short": _short(3000),
        "table": _table(3000),
        "real": _real(),
    }
    configs: dict[str, dict[str, Any]] = {
        "mask": {},
        "tag": {"mode": "tag"},
        "redact": {"mode": "redact", "placeholder": "#"},
        "surrogate": {"mode": "surrogate", **common},
        "mask+known": {"known": True},
        "surrogate+known": {"mode": "surrogate", "known": True, **common},
        "tag+known+shift": {"mode": "tag", "known": True, "dates": "shift", "max_days": 30,
                            **common},
        "mask+known+shift": {"known": True, "dates": "shift", **common},
        "mask+generalize": {"dates": "generalize", "known": True},
        "high": {"recall": "high"},
        "high+known+surrogate": {"recall": "high", "known": True, "mode": "surrogate", **common},
    }  # fmt: skip
    result: dict[str, Any] = {}
    for label, (notes, known, subjects) in corpora.items():
        result[f"{label}/scan_text"] = [
            [[f.start, f.end, f.entity_type, f.score, f.recognizer] for f in scan_text(t)]
            for t in notes
        ]
        for name, options in configs.items():
            options = dict(options)
            if options.pop("known", False):
                options["known"] = _rows(known) if plain else known
            if options.get("dates") == "shift":
                options["subject"] = subjects
            out, report = deidentify_text(notes, spans=True, **options)
            result[f"{label}/{name}"] = {
                "out": list(out),
                "found": dict(sorted(report.found.items())),
                "replaced": dict(sorted(report.replaced.items())),
                "unshifted": report.unshifted,
                "spans": [[list(s) for s in row or ()] for row in report.spans or ()],
            }
        # one note at a time gives the same as the column
        out1 = [
            deidentify_text(t, known=k)[0]
            for t, k in zip(notes[:200], _rows(known)[:200], strict=True)
        ]
        result[f"{label}/scalar+known"] = out1
    return result


def _rows(known: Any) -> list[Any]:
    if isinstance(known, dict):
        n = len(next(iter(known.values())))
        return [{k: v[i] for k, v in known.items()} for i in range(n)]
    return list(known)


def _first_difference(a: Any, b: Any, path: str) -> str | None:
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}/{key}: missing on one side"
            found = _first_difference(a[key], b[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = _first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None if len(a) == len(b) else f"{path}: {len(a)} vs {len(b)} items"
    return None if a == b else f"{path}: {a!r} != {b!r}"


def main() -> None:
    """``--record`` or ``--check`` the outputs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--roads", action="store_true", help="fast roads vs plain roads")
    parser.add_argument("file", nargs="?", default="/tmp/medguard_deid_outputs.json")
    args = parser.parse_args()
    if args.roads:
        roads()
        return
    now = outputs()
    encoded = json.dumps(now, ensure_ascii=False, sort_keys=True)
    print("digest", hashlib.sha256(encoded.encode()).hexdigest()[:16])
    if args.record:
        Path(args.file).write_text(encoded, "utf-8")
        print(f"recorded {len(now)} sections in {args.file}")
        return
    before = json.loads(Path(args.file).read_text("utf-8"))
    bad = 0
    for section in sorted(set(before) | set(now)):
        found = _first_difference(before.get(section), now.get(section), section)
        if found:
            bad += 1
            print("DIFFERS", found[:400])
    print(f"{len(now) - bad} of {len(now)} sections identical")
    sys.exit(1 if bad else 0)


def roads() -> None:
    """Compare the fast roads' outputs with the plain roads' in this process."""
    from medguard.detect import _deid_find, deidentify

    fast = outputs()
    _deid_find.LAZY = False
    deidentify._Run.memo = False
    try:
        plain = outputs(plain=True)
    finally:
        _deid_find.LAZY = True
        deidentify._Run.memo = True
    bad = 0
    for section in sorted(set(fast) | set(plain)):
        found = _first_difference(plain.get(section), fast.get(section), section)
        if found:
            bad += 1
            print("DIFFERS", found[:400])
    print(f"{len(fast) - bad} of {len(fast)} sections the same on both roads")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
