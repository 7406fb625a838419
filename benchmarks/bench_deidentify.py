"""De-identify clinical notes with ``deidentify_text``; MB/s beside ``scan_text`` and Presidio.

Two corpora, the same as ``bench_scan_text.py`` uses, each note with its row's structured
values (name, resident ID, phone, address, patient ID) for the row-aware runs:

- admission notes of realistic length (about 2 KB: header with name, resident ID, phone,
  address and admission number; history with dates and the patient's partial names (张先生,
  the given name); examination, results, plan; relative and doctors at the end);
- short notes from :func:`medguard.testing.synthetic.synthetic_extract` (about 170 bytes with
  two to four identifiers each: the worst case, dominated by per-finding work).

Paths, all in the same run, one column call for medguard (it batches masks and surrogates per
entity type over the column), one call per note for Presidio:

- ``scan_text`` alone (what finding costs);
- ``deidentify_text`` in ``mask`` and ``surrogate`` modes, without and with the known values,
  and with dates shifted by each row's patient;
- Presidio's ``AnalyzerEngine`` carrying medguard's recognizer (no spaCy model) followed by
  its ``AnonymizerEngine`` with the default ``replace`` operator: what a Presidio user runs.

Prints MB/s of UTF-8 input and each path's speed relative to ``deidentify_text`` (mask), and
checks the target of issue 17 (``deidentify_text`` at least 15 MB/s on one core).
Run: ``python benchmarks/bench_deidentify.py [--admissions 2000] [--n 10000]``.

``--concat`` measures the design of reading a whole column at once instead: each regular
expression the per-note path runs (the scanner's pattern, the digit runs, the dates) once per
note and once over all notes joined by a separator no rule crosses, CPU time per note, so the
share of per-call overhead in each is known.

``--leaks`` measures instead the leak rate on ``tests/vectors/real_text_pii.jsonl`` (public
medical text with identifiers planted in it, written by no one here; see
``tests/vectors/README.md``): the share of planted values still in the output (verbatim, or for
values holding digits, their digits with separators removed), per entity type, for the precise
and high-recall scans, without and with the row's known values (taken from the planted spans of
the kinds ``known`` accepts).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from presidio_anonymizer import AnonymizerEngine

from bench_scan_text import _EXAM, _HISTORY, _PLAN
from medguard.cn import address, names, phone, resident_id
from medguard.detect import deidentify_text, scan_text
from medguard.integrations.presidio import analyzer_engine
from medguard.testing.keyrings import fixed_keyring
from medguard.testing.synthetic import synthetic_extract

Corpus = tuple[list[str], dict[str, list[str]], list[str]]


def _admissions(n: int, seed: int = 7) -> Corpus:
    """Admission notes (about 2 KB), their rows' known values and patient IDs."""
    rng = random.Random(seed)
    notes, known, subjects = [], {"name": [], "resident_id": [], "phone": [], "address": []}, []
    for i in range(n):
        patient, doctor, relative = (names.generate(rng) for _ in range(3))
        rid, mobile, home = resident_id.generate(rng), phone.generate(rng), address.generate(rng)
        surname, given = names.split_name(patient)
        header = (
            f"入院记录\n姓名：{patient}  性别：{rng.choice('男女')}  年龄：{rng.randint(18, 90)}岁"
            f"  住院号：ZY{2025000000 + i}\n身份证号：{rid}  联系电话：{mobile}\n住址：{home}\n"
            f"入院日期：2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}\n"
            f"主诉：反复胸闷{rng.randint(1, 12)}月，加重{rng.randint(1, 7)}天。\n现病史："
            f"{surname}先生诉"
        )
        body = "".join(t.format(d=f"{rng.randint(1, 12)}月") for t in _HISTORY)
        body += f"{given}于2024年{rng.randint(1, 12)}月{rng.randint(1, 28)}日曾在外院就诊。"
        body += "\n" + "".join(_EXAM) + "\n" + "".join(_PLAN)
        footer = (
            f"\n家属{relative}（{rng.choice(['配偶', '儿子', '女儿'])}）电话{phone.generate(rng)}。"
            f"\n经治医生：{doctor}  上级医师签名：{names.generate(rng)}\n"
        )
        notes.append(header + body + footer)
        for kind, value in zip(known, (patient, rid, mobile, home), strict=True):
            known[kind].append(value)
        subjects.append(f"P{i:06d}")
    return notes, known, subjects


def _short(n: int) -> Corpus:
    """Short, dense notes with their patients' names, IDs and mobiles as known values."""
    patients, _, texts = synthetic_extract(n // 3 + 1, seed=20261122)
    rows = texts.merge(patients, on="patient_id", how="left")
    rows = rows.iloc[[i % len(rows) for i in range(n)]]
    known = {
        "name": rows["name"].tolist(),
        "resident_id": rows["resident_id"].tolist(),
        "phone": rows["mobile"].tolist(),
    }
    return rows["text"].tolist(), known, rows["patient_id"].tolist()


_COMPLAINTS = ("头痛三天", "咳嗽伴发热", "腹痛两日", "胸闷气短", "血压控制不佳", "术后复查")


def _table(n: int, seed: int = 7) -> tuple[list[str], dict[str, list[Any]], list[str]]:
    """The note column of the pipelines benchmark's visit table (``bench_pipeline.py``): about
    80 characters holding the patient's name, the visit date and the mobile; known values as a
    policy's ``known: fields`` gives them (name, ID, both phones, e-mail, address, patient and
    visit numbers), subjects the patient IDs."""
    people, visits, _ = synthetic_extract(min(20_000, max(200, n // 3)), seed=seed)
    base = visits.merge(people, on="patient_id")
    rows = base.iloc[[i % len(base) for i in range(n)]].reset_index(drop=True)
    tile = [f"{i // len(base):02d}" for i in range(n)]
    patient = [f"P{t}{p[1:].zfill(8)}" for t, p in zip(tile, rows["patient_id"], strict=True)]
    visit = [f"V{t}{v[1:].zfill(8)}" for t, v in zip(tile, rows["visit_id"], strict=True)]
    notes = [
        f"患者{name}因{_COMPLAINTS[i % len(_COMPLAINTS)]}于{day}来院就诊，查体未见明显异常，"
        f"嘱按时服药并复查，联系电话{mobile}。"
        for i, (name, day, mobile) in enumerate(
            zip(rows["name"], rows["visit_date"].astype(str), rows["mobile"], strict=True)
        )
    ]
    known: dict[str, list[Any]] = {
        "name": rows["name"].tolist(),
        "resident_id": rows["resident_id"].tolist(),
        "phone": [list(p) for p in zip(rows["mobile"], rows["landline"], strict=True)],
        "email": rows["email"].tolist(),
        "address": rows["address"].tolist(),
        "record_number": [list(p) for p in zip(patient, visit, strict=True)],
    }
    return notes, known, patient


def _best_of(paths: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """The best time of each path, the paths taking turns (so a busy moment of the machine
    does not fall on one path only)."""
    best = dict.fromkeys(paths, float("inf"))
    for _ in range(repeat):
        for name, fn in paths.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


_KINDS = {
    "PERSON": "name", "PHONE_NUMBER": "phone", "CN_RESIDENT_ID": "resident_id",
    "LOCATION": "address", "CN_MEDICAL_RECORD_NUMBER": "record_number",
    "EMAIL_ADDRESS": "email", "CN_PASSPORT": "passport", "CN_BANK_CARD": "bank_card",
}  # fmt: skip
_SEPARATORS = re.compile(r"[\s\-()（）.+]")


def _survives(value: str, out: str) -> bool:
    """``value`` is still in ``out``: verbatim, or (holding digits) its digits."""
    if value in out:
        return True
    digits = _SEPARATORS.sub("", value)
    return sum(c.isdigit() for c in digits) >= 5 and digits in _SEPARATORS.sub("", out)


def leaks(path: Path) -> None:
    """Print the leak rate of deidentify_text (tag mode) on the labeled real-text set."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    print(f"{len(rows)} notes, {sum(len(r['spans']) for r in rows)} planted values ({path})")
    print(f"{'setting':<28} {'leaked':>7} {'planted':>8} {'leak rate':>10}   worst types")
    for recall in ("precise", "high"):
        for with_known in (False, True):
            planted: dict[str, int] = {}
            leaked: dict[str, int] = {}
            for row in rows:
                text, spans = row["text"], row["spans"]
                known: dict[str, list[str]] = {}
                for start, end, entity in spans:
                    if with_known and entity in _KINDS:
                        known.setdefault(_KINDS[entity], []).append(text[start:end])
                out, _ = deidentify_text(text, mode="tag", recall=recall, known=known or None)
                for start, end, entity in spans:
                    planted[entity] = planted.get(entity, 0) + 1
                    if _survives(text[start:end], out):
                        leaked[entity] = leaked.get(entity, 0) + 1
            total, lost = sum(planted.values()), sum(leaked.values())
            worst = sorted(leaked, key=lambda e: -leaked[e] / planted[e])[:5]
            detail = ", ".join(f"{e} {leaked[e]}/{planted[e]}" for e in worst)
            label = f"recall={recall}{' + known' if with_known else ''}"
            print(f"{label:<28} {lost:>7} {total:>8} {lost / total:>9.1%}   {detail}")


def main() -> None:
    """Build both corpora, time each path, print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--admissions", type=int, default=2_000, help="admission notes")
    parser.add_argument("--n", type=int, default=10_000, help="short notes")
    parser.add_argument("--repeat", type=int, default=5, help="best of this many runs")
    parser.add_argument("--leaks", action="store_true", help="measure the leak rate instead")
    parser.add_argument(
        "--concat", action="store_true", help="per-note vs whole-column regular expressions"
    )
    parser.add_argument(
        "--table", type=int, default=200_000, help="rows of the visit-table note column (0: skip)"
    )
    parser.add_argument(
        "--batch", type=int, default=16_384, help="rows per call, as a pipeline's batches"
    )
    args = parser.parse_args()
    if args.leaks:
        leaks(Path(__file__).parent.parent / "tests" / "vectors" / "real_text_pii.jsonl")
        return
    if args.concat:
        concat(args.table or 50_000, args.n, args.admissions, args.repeat)
        return
    if args.table:
        table(args.table, args.repeat, args.batch)
    keyring = fixed_keyring()
    analyzer = analyzer_engine()
    anonymizer = AnonymizerEngine()

    def presidio(notes: list[str]) -> list[str]:
        out = []
        for text in notes:
            results = analyzer.analyze(text, language="zh")
            out.append(anonymizer.anonymize(text=text, analyzer_results=results).text)  # type: ignore[arg-type]
        return out

    def paths(corpus: Corpus) -> dict[str, Callable[[], Any]]:
        notes, known, subjects = corpus
        common: dict[str, Any] = {"keyring": keyring, "context": "bench"}
        return {
            "scan_text (find only)": lambda: [scan_text(t) for t in notes],
            "deidentify mask": lambda: deidentify_text(notes),
            "deidentify surrogate": lambda: deidentify_text(notes, mode="surrogate", **common),
            "deidentify mask + known": lambda: deidentify_text(notes, known=known),
            "deidentify surrogate + known": lambda: deidentify_text(
                notes, mode="surrogate", known=known, **common
            ),
            "deidentify mask + known + dates shifted": lambda: deidentify_text(
                notes, known=known, dates="shift", subject=subjects, **common
            ),
            "deidentify mask, recall=high": lambda: deidentify_text(notes, recall="high"),
            "Presidio analyze + anonymize": lambda: presidio(notes),
        }

    corpora = {
        "admission notes (~2 KB)": _admissions(args.admissions),
        "short notes (~170 B)": _short(args.n),
    }
    print(f"best of {args.repeat} (paths taking turns), one process, one core")
    print(f"{'corpus':<26} {'path':<42} {'MB/s':>7} {'notes/s':>9} {'vs mask':>8}")
    for label, corpus in corpora.items():
        notes = corpus[0]
        megabytes = sum(len(t.encode("utf-8")) for t in notes) / 1e6
        deidentify_text(notes[:20], known={k: v[:20] for k, v in corpus[1].items()})  # warm
        times = _best_of(paths(corpus), args.repeat)
        rates = {name: megabytes / seconds for name, seconds in times.items()}
        base = rates["deidentify mask"]
        for name, rate in rates.items():
            per_s = rate / megabytes * len(notes)
            print(f"{label:<26} {name:<42} {rate:>7.2f} {per_s:>9,.0f} {rate / base:>7.2f}x")
        presidio_rate = rates["Presidio analyze + anonymize"]
        print(
            f"{'':<26} deidentify_text (mask) is {base / presidio_rate:.1f}x"
            f" Presidio, {base / rates['scan_text (find only)']:.2f}x scan_text; target "
            f">= 15 MB/s {'met' if base >= 15 else 'NOT met'}"
        )


def table(rows: int, repeat: int, batch: int = 16_384) -> None:
    """The note column of the pipelines benchmark: known values from the row, tags, dates
    shifted per patient; one column call, one call per ``batch`` rows (what a pipeline's
    batches give it: its memos of notes blanked alike hold for one call), and one call per note
    on a slice for comparison. CPU time of this process (``time.process_time``)."""
    keyring = fixed_keyring()
    notes, known, subjects = _table(rows)
    options: dict[str, Any] = {"mode": "tag", "dates": "shift", "max_days": 30,
                               "keyring": keyring, "context": "bench"}  # fmt: skip

    def column() -> None:
        deidentify_text(notes, known=known, subject=subjects, **options)

    def batches() -> None:
        for start in range(0, rows, batch):
            part = slice(start, start + batch)
            deidentify_text(notes[part], known={k: v[part] for k, v in known.items()},
                            subject=subjects[part], **options)  # fmt: skip

    part = min(rows, 20_000)

    def per_note() -> None:
        for i in range(part):
            row = {k: v[i] for k, v in known.items()}
            deidentify_text(notes[i], known=row, subject=subjects[i], **options)

    best = {"column": float("inf"), "batches": float("inf"), "per_note": float("inf")}
    for _ in range(max(1, min(repeat, 3))):
        for name, fn in (("column", column), ("batches", batches), ("per_note", per_note)):
            start = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - start)
    rate = rows / best["column"]
    print(f"visit-table notes (~80 chars, {rows:,} rows; tag, known fields, dates shifted):")
    print(f"  one column call      {rate:>9,.0f} notes/s  target >= 60,000 "
          f"{'met' if rate >= 60_000 else 'NOT met'}")  # fmt: skip
    print(f"  one call per {batch:,} {rows / best['batches']:>9,.0f} notes/s")
    print(f"  one call per note    {part / best['per_note']:>9,.0f} notes/s (first {part:,})")


def concat(rows: int, short: int, admissions: int, repeat: int) -> None:
    """Each regular expression of the per-note path, once per note and once over the column
    joined by a separator: CPU microseconds per note, best of ``repeat``. Two separators: one
    character (the least the column design can cost, though rules would cross it) and the 41
    (NULs, then a newline) that keep the scanner's look-back windows (up to 27 characters)
    inside one note. What a whole-column design could save is the difference."""
    from medguard.detect import _deid_find, text

    patterns = {
        "scanner pattern": text._PATTERN,
        "digit runs": _deid_find._RUN,
        "dates": _deid_find._DATE,
    }
    corpora = {
        f"visit notes ({rows:,})": _table(rows)[0],
        f"short notes ({short:,})": _short(short)[0],
        f"admission notes ({admissions:,})": _admissions(admissions)[0],
    }
    separators = {"1": "\x00", "41": "\x00" * 40 + "\n"}
    print(f"{'corpus':<28} {'regular expression':<18} {'per note':>9} "
          f"{'column (time vs per note), separator of 1 / 41':>46}")  # fmt: skip
    for label, notes in corpora.items():
        joined = {k: sep.join(notes) for k, sep in separators.items()}
        for name, pattern in patterns.items():
            best = dict.fromkeys(("each", *joined), float("inf"))
            for _ in range(repeat):
                start = time.process_time()
                for note in notes:
                    list(pattern.finditer(note))
                best["each"] = min(best["each"], time.process_time() - start)
                for key, whole in joined.items():
                    start = time.process_time()
                    list(pattern.finditer(whole))
                    best[key] = min(best[key], time.process_time() - start)
            us = {k: v / len(notes) * 1e6 for k, v in best.items()}
            cells = "  ".join(f"{us[k]:>6.2f}us ({us[k] / us['each']:.2f}x)" for k in separators)
            print(f"{label:<28} {name:<18} {us['each']:>7.2f}us  {cells}")


if __name__ == "__main__":
    main()
