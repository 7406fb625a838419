"""Record, then check, every finding of ``scan_text`` over every corpus at hand.

A guard for speed work on the text scanner: run ``--record`` before a change and ``--check``
after it; any finding that differs is printed (corpus, note number, both finding lists) and the
exit status is 1.

Corpora: the labeled real-text sets (``tests/vectors/real_text_pii.jsonl``,
``heldout_text_pii.jsonl``, ``heldout_pii.jsonl``), the short and admission notes of
``bench_scan_text.py``, the admission and visit-table notes of ``bench_deidentify.py``, the
corpora of :mod:`medguard.testing.corpus` (labeled notes, every template, hard negatives, the
free-text columns of a labeled table), every string literal with a Han character in
``tests/detect/`` (the hand-written sentences of the recall tests), and splices of all of these
(random pieces joined, so that text meets text it never met in a corpus). Findings are recorded
as (start, end, type, score, recognizer), with the default options and with ``entities`` and
``min_score`` set.

Run: ``python benchmarks/check_scan_outputs.py --record [FILE]`` then ``--check [FILE]``
(default file: ``/tmp/medguard_scan_outputs.json``; it holds synthetic and public text only).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

from bench_deidentify import _admissions, _table
from bench_scan_text import _admission_notes, _corpus
from medguard.detect import scan_text
from medguard.testing.corpus import hard_negatives, labeled_notes, labeled_table, sentences

_ROOT = Path(__file__).parent.parent
_VECTORS = _ROOT / "tests" / "vectors"


def _jsonl(name: str) -> list[str]:
    lines = (_VECTORS / name).read_text("utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def _test_strings() -> list[str]:
    """Every string literal holding a Han character in the detection tests, file by file."""
    found: list[str] = []
    for path in sorted((_ROOT / "tests" / "detect").glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and any("\u3400" <= ch <= "\u9fff" for ch in node.value)
            ):
                found.append(node.value)
    return list(dict.fromkeys(found))


def _splices(texts: list[str], n: int, seed: int = 17) -> list[str]:
    """``n`` texts of two to four random pieces of ``texts`` joined by random separators."""
    rng = random.Random(seed)
    seps = ["", "\n", "，", "。", " ", "\t", "：", "、", "/"]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(2, 4)):
            text = rng.choice(texts)
            a = rng.randrange(len(text) + 1)
            b = rng.randrange(a, min(len(text), a + 120) + 1)
            parts.append(text[a:b])
        out.append("".join(p + rng.choice(seps) for p in parts))
    return out


def corpora() -> dict[str, list[str]]:
    """Every corpus, by name."""
    table, _ = labeled_table(400, seed=3)
    result = {
        "real_text_pii": _jsonl("real_text_pii.jsonl"),
        "heldout_text_pii": _jsonl("heldout_text_pii.jsonl"),
        "heldout_pii": _jsonl("heldout_pii.jsonl"),
        "bench_short": list(dict.fromkeys(_corpus(3000))),
        "bench_admissions": _admission_notes(300),
        "deid_admissions": _admissions(100)[0],
        "deid_table": _table(1000)[0],
        "labeled_notes": [t.text for t in labeled_notes(600, seed=5)],
        "sentences": [t.text for t in sentences(3, seed=2)],
        "hard_negatives": [t.text for t in hard_negatives(3, seed=4)],
        "table_text": [str(v) for c in ("备注", "病历摘要") for v in table[c] if v],
        "test_strings": _test_strings(),
    }
    everything = [t for texts in result.values() for t in texts if t]
    result["splices"] = _splices(everything, 4000)
    return result


def outputs() -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Every recorded finding list, by section name, and the corpora."""
    texts_by_corpus = corpora()
    result: dict[str, Any] = {}
    options: dict[str, dict[str, Any]] = {
        "default": {},
        "persons+0.5": {"entities": ["PERSON", "LOCATION"], "min_score": 0.5},
    }
    for label, texts in texts_by_corpus.items():
        for name, kwargs in options.items():
            if name != "default" and label not in ("test_strings", "heldout_text_pii"):
                continue
            result[f"{label}/{name}"] = [
                [[f.start, f.end, f.entity_type, f.score, f.recognizer]
                 for f in scan_text(t, **kwargs)]
                for t in texts
            ]  # fmt: skip
    return result, texts_by_corpus


def main() -> None:
    """``--record`` or ``--check`` the findings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--show", type=int, default=5, help="differing notes printed per section")
    parser.add_argument("file", nargs="?", default="/tmp/medguard_scan_outputs.json")
    args = parser.parse_args()
    now, texts = outputs()
    encoded = json.dumps(now, ensure_ascii=False, sort_keys=True)
    print("digest", hashlib.sha256(encoded.encode()).hexdigest()[:16],
          "notes", sum(len(v) for v in now.values()))  # fmt: skip
    if args.record:
        Path(args.file).write_text(encoded, "utf-8")
        print(f"recorded {len(now)} sections in {args.file}")
        return
    before = json.loads(Path(args.file).read_text("utf-8"))
    bad = 0
    for section in sorted(set(before) | set(now)):
        old, new = before.get(section), now.get(section)
        if old == new:
            continue
        bad += 1
        if old is None or new is None or len(old) != len(new):
            print("DIFFERS", section, "(missing or other length)")
            continue
        rows = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
        print("DIFFERS", section, f"{len(rows)} notes")
        corpus = texts.get(section.split("/")[0], [])
        for i in rows[: args.show]:
            text = corpus[i] if i < len(corpus) else ""
            print(f"  [{i}] {text[:160]!r}\n    before {old[i]}\n    now    {new[i]}")
    print(f"{len(now) - bad} of {len(now)} sections identical")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
