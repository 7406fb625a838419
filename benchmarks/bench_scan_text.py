"""Scan clinical notes natively and with Presidio carrying medguard's recognizers; MB/s each.

Builds a corpus of generated clinical notes (:func:`medguard.testing.synthetic.synthetic_extract`),
then scans the same notes, one call per note, in the same run:

- ``medguard.scan_text``: the native engine;
- Presidio ``AnalyzerEngine`` (``NoOpNlpEngine``, no spaCy model) carrying medguard's recognizer
  (:func:`medguard.integrations.presidio.analyzer_engine`); both report the same findings, which
  the script checks.

Both run medguard's engine, so the Presidio path costs the native time plus Presidio's fixed
per-call work (NLP artifacts, registry lookup, context enhancement, de-duplication); the ratio
grows as the native engine gets faster.

Prints MB/s of UTF-8 input for each and the ratio to the Presidio path (targets in issue 5: native
at least 20x Presidio and at least 10 MB/s on one core).
Run: ``python benchmarks/bench_scan_text.py [--n 10000]`` (``--n`` notes).
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable

from presidio_analyzer import RecognizerResult

from medguard.detect import scan_text
from medguard.integrations.presidio import analyzer_engine
from medguard.testing.synthetic import synthetic_extract


def _corpus(n: int) -> list[str]:
    notes: list[str] = list(synthetic_extract(n // 3 + 1, seed=20261122)[2]["text"])
    return list(itertools.islice(itertools.cycle(notes), n))


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Build the corpus, check both paths agree, time each, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="number of notes")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    notes = _corpus(args.n)
    megabytes = sum(len(t.encode("utf-8")) for t in notes) / 1e6

    engine = analyzer_engine()

    def presidio(text: str) -> list[RecognizerResult]:
        return engine.analyze(text, language="zh")

    for text in notes[:500]:  # same findings on both paths, or the comparison means nothing
        native = sorted((f.entity_type, f.start, f.end, f.score) for f in scan_text(text))
        hosted = sorted((r.entity_type, r.start, r.end, r.score) for r in presidio(text))
        assert native == hosted, "native and Presidio findings differ"

    joined = "\n".join(notes)
    variants: list[tuple[str, Callable[[], object]]] = [
        ("medguard.scan_text, per note", lambda: [scan_text(t) for t in notes]),
        ("medguard.scan_text, one document", lambda: scan_text(joined)),
        ("Presidio + medguard recognizer (zh)", lambda: [presidio(t) for t in notes]),
    ]
    rates = {label: megabytes / _best(fn, args.repeat) for label, fn in variants}
    reference = rates["Presidio + medguard recognizer (zh)"]

    print(
        f"scanning {len(notes):,} generated clinical notes ({megabytes:.2f} MB UTF-8), "
        f"best of {args.repeat}, one process"
    )
    print(f"{'engine':<40} {'MB/s':>8} {'notes/s':>10} {'vs Presidio':>12}")
    for label, rate in rates.items():
        notes_per_s = rate / megabytes * len(notes)
        print(f"{label:<40} {rate:>8.2f} {notes_per_s:>10,.0f} {rate / reference:>11.2f}x")
    native_rate = rates["medguard.scan_text, per note"]
    print(
        f"targets: native >= 10 MB/s: {'met' if native_rate >= 10 else 'NOT met'}; "
        f"native >= 20x Presidio: {'met' if native_rate >= 20 * reference else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
