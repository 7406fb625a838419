"""Scan clinical notes natively and with Presidio carrying medguard's recognizers; MB/s each.

Two corpora, each scanned one call per note by both paths in the same run:

- short notes from :func:`medguard.testing.synthetic.synthetic_extract` (about 170 bytes with
  two to four identifiers each: the worst case, dominated by per-finding work);
- admission notes of realistic length (about 2 KB: header with name, resident ID, phone, address
  and admission number; history, examination, results, plan; relative and doctors at the end).

Three paths, all in the same run:

- ``medguard.scan_text`` (native);
- Presidio's ``AnalyzerEngine`` on ``NoOpNlpEngine`` (no spaCy model) carrying medguard's
  recognizer (:func:`medguard.integrations.presidio.analyzer_engine`): the same findings, which
  the script checks. It runs medguard's engine inside Presidio, so it costs the native time
  plus Presidio's fixed per-call work (NLP artifacts, registry lookup, context enhancement,
  de-duplication): this ratio measures Presidio's overhead, not a second engine;
- the same ``AnalyzerEngine`` carrying the same detection written the Presidio way
  (``benchmarks/_presidio_patterns.py``: one ``PatternRecognizer`` per entity type run by
  Presidio's regex engine, medguard's validators as ``validate_result``): the engine-to-engine
  comparison. Its findings are close to, not the same as, medguard's (simpler name and address
  rules, so it does less work: a lower bound of medguard's advantage); the script prints how
  many findings each path reports.

Prints MB/s of UTF-8 input for each and the ratios (targets in issue 5: native at least 20x
Presidio and at least 10 MB/s on one core).
Run: ``python benchmarks/bench_scan_text.py [--n 10000] [--admissions 2000]``.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import time
from collections.abc import Callable, Sized

from presidio_analyzer import RecognizerResult

from _presidio_patterns import analyzer_engine as presidio_patterns_engine
from medguard.detect import scan_text
from medguard.integrations.presidio import analyzer_engine
from medguard.testing.synthetic import synthetic_extract


def _corpus(n: int) -> list[str]:
    """Short, dense notes: two to four identifiers in about 60 characters."""
    notes: list[str] = list(synthetic_extract(n // 3 + 1, seed=20261122)[2]["text"])
    return list(itertools.islice(itertools.cycle(notes), n))


_HISTORY = [
    "患者{d}前无明显诱因出现胸闷、气促，活动后加重，休息后可缓解，伴心悸，无胸痛、无咯血。",
    "自发病以来，精神、食欲一般，睡眠欠佳，大小便正常，体重无明显变化。",
    "曾于当地医院就诊，行心电图检查提示窦性心律，ST段压低，予阿司匹林、阿托伐他汀口服治疗。",
    "既往高血压病史10余年，血压最高180/110mmHg，规律服用苯磺酸氨氯地平片5mg qd，控制可。",
    "否认糖尿病、冠心病病史，否认肝炎、结核等传染病史，否认手术、外伤及输血史，否认药物过敏史。",
    "个人史：生于原籍，无疫区居住史，吸烟20年，约10支/日，已戒烟2年，偶饮酒。",
    "婚育史：适龄结婚，育有1子1女，配偶及子女体健。家族史：父母已故，否认家族遗传病史。",
]
_EXAM = [
    "体格检查：T 36.5℃，P 88次/分，R 20次/分，BP 150/95mmHg。神志清楚，精神可，查体合作。",
    "双肺呼吸音清，未闻及干湿性啰音。心率88次/分，律齐，各瓣膜听诊区未闻及病理性杂音。",
    "腹平软，无压痛及反跳痛，肝脾肋下未触及，双下肢无水肿，神经系统检查未见异常。",
    "辅助检查：血常规示白细胞6.5×10^9/L，中性粒细胞62%，血红蛋白132g/L，血小板210×10^9/L。",
    "肝肾功能：ALT 25U/L，AST 22U/L，肌酐78μmol/L，尿素氮5.2mmol/L；血脂：LDL-C 3.6mmol/L。",
    "心脏彩超示左室舒张功能减低，EF 60%；胸部CT未见明显异常。",
]
_PLAN = [
    "初步诊断：1.冠状动脉粥样硬化性心脏病 不稳定型心绞痛 2.高血压病3级（很高危）。",
    "诊疗计划：完善冠脉造影检查，予抗血小板、调脂稳斑、控制血压等治疗，监测生命体征，必要时复查。",
    "向患者及家属交代病情及注意事项，表示理解并同意。",
]


def _admission_notes(n: int, seed: int = 7) -> list[str]:
    """Admission notes of realistic length (about 1 KB) and density (about ten identifiers)."""
    import random

    from medguard.cn import address, names, phone, resident_id

    rng = random.Random(seed)
    notes = []
    for i in range(n):
        patient, doctor, relative = (names.generate(rng) for _ in range(3))
        sex = rng.choice("男女")
        header = (
            f"入院记录\n姓名：{patient}  性别：{sex}  年龄：{rng.randint(18, 90)}岁  "
            f"住院号：ZY{2025000000 + i}\n身份证号：{resident_id.generate(rng)}  "
            f"联系电话：{phone.generate(rng)}\n住址：{address.generate(rng)}\n"
            f"主诉：反复胸闷{rng.randint(1, 12)}月，加重{rng.randint(1, 7)}天。\n现病史："
        )
        body = "".join(t.format(d=f"{rng.randint(1, 12)}月") for t in _HISTORY)
        body += "\n" + "".join(_EXAM) + "\n" + "".join(_PLAN)
        footer = (
            f"\n家属{relative}（{rng.choice(['配偶', '儿子', '女儿'])}）电话{phone.generate(rng)}。"
            f"\n经治医生：{doctor}  上级医师签名：{names.generate(rng)}\n"
        )
        notes.append(header + body + footer)
    return notes


def _best(fn: Callable[[], object], repeat: int) -> float:
    """Best of ``repeat`` runs of ``fn``, each timed as :mod:`timeit` does: garbage collected
    before and the collector paused during the run (the same for every path), so a full
    collection of what the benchmark itself keeps (results, Presidio's objects) does not land in
    one path's run by chance."""
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return min(times)


def main() -> None:
    """Build both corpora, check the hosted path agrees, time each path, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="number of short notes")
    parser.add_argument("--admissions", type=int, default=2_000, help="number of admission notes")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    hosted_engine = analyzer_engine()
    patterns_engine = presidio_patterns_engine()

    def hosted(text: str) -> list[RecognizerResult]:
        return hosted_engine.analyze(text, language="zh")

    def patterns(text: str) -> list[RecognizerResult]:
        return patterns_engine.analyze(text, language="zh")

    paths: dict[str, Callable[[str], Sized]] = {
        "medguard.scan_text": scan_text,
        "Presidio + medguard recognizer": hosted,
        "Presidio pattern recognizers": patterns,
    }
    corpora = {
        "short notes (synthetic_extract)": _corpus(args.n),
        "admission notes (~2 KB each)": _admission_notes(args.admissions),
    }
    print(f"best of {args.repeat}, one process, one call per note")
    print(f"{'corpus':<32} {'engine':<31} {'MB/s':>7} {'notes/s':>9} {'findings':>9} "
          f"{'medguard is':>12}")  # fmt: skip
    for corpus, notes in corpora.items():
        for text in notes[:300]:  # same findings on both paths, or the comparison means nothing
            native = sorted((f.entity_type, f.start, f.end, f.score) for f in scan_text(text))
            carried = sorted((r.entity_type, r.start, r.end, r.score) for r in hosted(text))
            assert native == carried, "native and Presidio findings differ"
        megabytes = sum(len(t.encode("utf-8")) for t in notes) / 1e6
        rates = {
            label: megabytes / _best(lambda f=fn, n=notes: [f(t) for t in n], args.repeat)
            for label, fn in paths.items()
        }
        native_rate = rates["medguard.scan_text"]
        for label, rate in rates.items():
            found = sum(len(paths[label](t)) for t in notes[:1000])
            per_s = rate / megabytes * len(notes)
            print(f"{corpus:<32} {label:<31} {rate:>7.2f} {per_s:>9,.0f} {found:>9,} "
                  f"{native_rate / rate:>11.1f}x")  # fmt: skip
        print(
            f"{'':<32} targets: native >= 10 MB/s {'met' if native_rate >= 10 else 'NOT met'}; "
            f">= 20x Presidio pattern recognizers "
            f"{'met' if native_rate >= 20 * rates['Presidio pattern recognizers'] else 'NOT met'}"
            f" (findings counted on the first 1,000 notes)"
        )


if __name__ == "__main__":
    main()
