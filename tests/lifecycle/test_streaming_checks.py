"""Streamed sharing runs: checks on group counts, column-wise hashes, signals, bounded memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medguard.demo.sharing import sharing_extract, sharing_policy
from medguard.keys import Keyring
from medguard.lifecycle import Pipeline
from medguard.lifecycle import checks as checks_module
from medguard.lifecycle._hashing import KnownValues, TextHasher, text_pieces
from medguard.lifecycle.quasi import derived_values, identifier_pieces, resident_part
from medguard.privacy.search import search_generalization
from medguard.testing.keyrings import fixed_keyring

_TEXT = st.text(alphabet="ab1Z9-+ .\n患者张三丰李\u4e00\u9fff\u4dff\ua000é😀", max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, max_size=30))
def test_free_text_pieces_are_the_regex_pieces(texts: list[str]) -> None:
    """The column-wise pieces of notes are exactly what the regular expressions find."""
    data, starts, lengths = text_pieces(pa.array(texts, pa.string()))
    found = sorted(bytes(data[s : s + n]).decode() for s, n in zip(starts, lengths, strict=True))
    assert found == sorted(identifier_pieces(texts))


@settings(max_examples=100, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=30))
def test_hashes_depend_on_the_text_alone(texts: list[str]) -> None:
    """A text hashes alike alone, in a column, in a sliced column or as a piece of a note."""
    hasher = TextHasher()
    column = pa.array(["x", *texts], pa.string()).slice(1)
    together = hasher.cells(column)
    for text, value in zip(texts, together.tolist(), strict=True):
        assert hasher.cells(pa.array([text])).tolist() == [value]
    distinct = dict(zip(texts, together.tolist(), strict=True))
    assert len(set(distinct.values())) == len(distinct)
    data, starts, lengths = text_pieces(column)
    hashes = hasher.spans(data, starts, lengths)
    for start, length, value in zip(starts, lengths, hashes, strict=True):
        piece = bytes(data[start : start + length]).decode()
        assert hasher.cells(pa.array([piece])).tolist() == [int(value)]


def test_known_values_skip_the_columns_own_input() -> None:
    """A hit counts unless it is only in the skipped identifier's values."""
    hasher = TextHasher()
    known = KnownValues()
    known.add("mobile", hasher.values(pa.array(["13800138000", None, " "])))
    known.add("visit_id", hasher.values(pa.array(["V001", "V002"])))
    known.freeze()
    assert known.hits(hasher.values(pa.array(["x", " 13800138000 "])))
    assert known.hits(hasher.values(pa.array(["V002"])), skip="mobile")
    assert not known.hits(hasher.values(pa.array(["V002"])), skip="visit_id")
    assert not known.hits(hasher.values(pa.array(["", None, "V003"], pa.string())))


_IDS = st.text(alphabet="0123456789Xx \t\x1c+-.e", min_size=13, max_size=20)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), _IDS), max_size=40))
def test_resident_id_parts_column_wise_equal_value_by_value(values: list[str | None]) -> None:
    """Birth year, birth band, district, province and sex read column-wise as pandas reads them."""
    column = pa.array(values, pa.string())
    repeated = values * 8 + [None] * 300  # over 256 cells, half distinct or fewer
    for part in ("birth_year", "birth_band", "district", "province", "sex"):
        assert derived_values(column, part).to_pylist() == list(resident_part(values, part))
        got = derived_values(pa.array(repeated, pa.string()), part).to_pylist()
        assert got == list(resident_part(repeated, part))


def test_weighted_search_equals_the_expanded_table() -> None:
    """A table of distinct rows with counts gives the levels, k and suppression of the rows."""
    rng = np.random.default_rng(5)
    rows = pd.DataFrame(
        {
            "age": rng.integers(20, 80, 3000).astype(str),
            "sex": rng.choice(["M", "F"], 3000),
            "who": rng.integers(0, 900, 3000),
        }
    )
    grouped = rows.groupby(["age", "sex", "who"], as_index=False).size()
    for k in (2, 5, 9):
        plain = search_generalization(
            rows, {"age": "age", "sex": "sex"}, k=k, subject="who", max_suppressed=0.05
        )
        counted = search_generalization(
            grouped, {"age": "age", "sex": "sex"}, k=k, subject="who", max_suppressed=0.05,
            counts="size",
        )  # fmt: skip
        assert counted.levels == plain.levels
        assert (counted.k, counted.rows, counted.suppressed_rows) == (
            plain.k, plain.rows, plain.suppressed_rows,
        )  # fmt: skip
        assert counted.suppressed_subjects == plain.suppressed_subjects
        assert counted.loss == pytest.approx(plain.loss)
        assert int(counted.data["size"].sum()) == len(plain.data)


def test_groups_are_folded_while_streaming(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Folding the first pass into group counts every few rows changes nothing in the output."""
    extract = sharing_extract(400)
    src = tmp_path / "in.csv"
    extract.to_csv(src, index=False)
    ring = fixed_keyring()
    pipeline = Pipeline(sharing_policy(k=3), stage="sharing", keyring=ring, recipient="r")
    once = pipeline.run_file(src, tmp_path / "once.csv", batch_rows=64)
    monkeypatch.setattr(checks_module, "_FOLD_ROWS", 100)
    folded = pipeline.run_file(src, tmp_path / "folded.csv", batch_rows=64)
    assert (tmp_path / "once.csv").read_bytes() == (tmp_path / "folded.csv").read_bytes()
    assert once.suppressed_rows == folded.suppressed_rows
    frame = pipeline.run(extract).frame
    streamed = pd.read_csv(tmp_path / "once.csv", dtype=str, keep_default_na=False)
    assert len(streamed) == len(frame)


def test_input_changed_between_passes_is_refused(tmp_path: Path) -> None:
    """A file that differs in the second pass (another row count) refuses, writing nothing."""
    from medguard.lifecycle.checks import CheckFailed, SharingChecks

    extract = sharing_extract(200)
    pipeline = Pipeline(sharing_policy(k=2), stage="sharing", keyring=fixed_keyring())
    table = pa.Table.from_pandas(extract, preserve_index=False)
    compiled = pipeline.compile(table.schema)
    checks = SharingChecks(pipeline.policy, compiled.plan)
    out, _ = compiled(table, keyring=pipeline.keyring)
    checks.collect(table.select(checks.columns_needed()), out)
    checks.decide()
    with pytest.raises(CheckFailed, match="changed"):
        checks.finish(table.num_rows + 1)


_SLOW_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from medguard.demo.sharing import sharing_policy
    from medguard.lifecycle import Pipeline, stream
    from medguard.testing.keyrings import fixed_keyring
    original = stream._Writer.write
    def write(self, batch):
        original(self, batch)
        Path(sys.argv[3]).write_text("1")
        time.sleep(0.05)  # a slow disk: the run is still writing when the signal comes
    stream._Writer.write = write
    pipeline = Pipeline(sharing_policy(), stage="sharing", keyring=fixed_keyring())
    pipeline.run_file(sys.argv[1], sys.argv[2], batch_rows=5)
    """
)


def _signalled(tmp_path: Path, signum: int) -> int:
    src, dst, ready = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "ready"
    sharing_extract(400).to_csv(src, index=False)
    child = subprocess.Popen([sys.executable, "-c", _SLOW_CHILD, str(src), str(dst), str(ready)])
    try:
        for _ in range(1200):
            if ready.exists() or child.poll() is not None:
                break
            time.sleep(0.05)  # polling for the child, not timing anything
        assert ready.exists(), "the run never started writing"
        os.kill(child.pid, signum)
    finally:
        child.wait()
    return child.returncode


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_termination_signal_removes_the_temporary_file(tmp_path: Path, name: str) -> None:
    """SIGTERM or SIGHUP mid-run: no output, no temporary file; the process ends by the signal."""
    signum = getattr(signal, name)
    assert _signalled(tmp_path, signum) == -signum
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "ready"]


def test_sigkill_leaves_at_most_the_hidden_temporary_file(tmp_path: Path) -> None:
    """SIGKILL runs no code: only the hidden .out.csv.*.tmp may stay, never out.csv."""
    assert _signalled(tmp_path, signal.SIGKILL) == -signal.SIGKILL
    left = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("in.csv", "ready"))
    assert all(n.startswith(".out.csv.") and n.endswith(".tmp") for n in left)


def test_handlers_are_restored_after_a_run(tmp_path: Path) -> None:
    """A finished run leaves the process's signal handlers as they were."""
    src = tmp_path / "in.csv"
    sharing_extract(400).to_csv(src, index=False)
    before = signal.getsignal(signal.SIGTERM)
    Pipeline(sharing_policy(k=2), stage="sharing", keyring=Keyring.generate()).run_file(
        src, tmp_path / "out.csv"
    )
    assert signal.getsignal(signal.SIGTERM) is before


_MEMORY_CHILD = textwrap.dedent(
    """
    import resource, sys
    from medguard.demo.sharing import sharing_policy
    from medguard.lifecycle import Pipeline
    from medguard.testing.keyrings import fixed_keyring
    pipeline = Pipeline(sharing_policy(k=2, max_suppressed=0.2), stage="sharing",
                        keyring=fixed_keyring(), recipient="r")
    pipeline.run_file(sys.argv[1], sys.argv[3], batch_rows=4096)  # warm up: imports, caches
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pipeline.run_file(sys.argv[2], sys.argv[3], batch_rows=4096)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print((after - before) * 1024)
    """
)


@pytest.mark.slow
def test_sharing_run_with_checks_streams_ten_times_its_memory_cap(tmp_path: Path) -> None:
    """With k, the search, suppression and the re-scan on, a file ten times the cap grows the
    process's peak memory by less than the cap: what the checks keep grows with the distinct
    groups and identifier values, not with the rows."""
    extract = sharing_extract(2000)
    table = pa.Table.from_pandas(extract, preserve_index=False)
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    for path, tiles in ((small, 15), (big, 150)):  # the warm-up fills the fold buffer too
        with pcsv.CSVWriter(path, table.schema) as writer:
            for _ in range(tiles):  # the same visits again: more rows, no new groups or values
                writer.write_table(table)
    size = big.stat().st_size
    cap = size // 10
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_CHILD, str(small), str(big), str(tmp_path / "out.csv")],
        capture_output=True,
        text=True,
        check=True,
    )
    growth = int(out.stdout.strip().splitlines()[-1])
    assert size > 40 * 2**20
    assert growth < cap, (growth, cap)


@settings(max_examples=150, deadline=None)
@given(st.lists(_TEXT, max_size=20), st.sets(st.sampled_from([2, 3, 4])), st.booleans())
def test_free_text_pieces_filtered_by_the_known_shapes(
    texts: list[str], widths: set[int], tokens: bool
) -> None:
    """Leaving out pieces no known value could equal leaves exactly the others."""
    first = np.zeros(0x9FFF - 0x4E00 + 1, dtype=bool)
    first[[ord(c) - 0x4E00 for c in "患张\u4e00"]] = True
    data, starts, lengths = text_pieces(
        pa.array(texts, pa.string()), tokens=tokens, han_widths=tuple(widths), han_first=first
    )
    found = sorted(bytes(data[s : s + n]).decode() for s, n in zip(starts, lengths, strict=True))

    def wanted(piece: str) -> bool:
        if "\u4e00" <= piece[0] <= "\u9fff":
            return len(piece) in widths and piece[0] in "患张\u4e00"
        return tokens

    assert found == sorted(p for p in identifier_pieces(texts) if wanted(p))


def test_known_shapes_are_noted() -> None:
    """Names give their lengths and first characters; IDs make tokens worth cutting."""
    known = KnownValues()
    known.shapes(pa.array(["张三", "欧阳娜娜", "13800138000", "北京市海淀区"]))
    assert known.tokens
    assert known.han_widths == {2, 4}
    assert known.han_first[ord("张") - 0x4E00]
    assert not known.han_first[ord("北") - 0x4E00]


def test_second_pass_replays_the_first_passs_unkeyed_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generalized quasi-identifiers are not generalized twice: the file's output and report
    are those of a run that recomputes them."""
    from medguard.ops.generalize import Generalizer

    extract = sharing_extract(400)
    src = tmp_path / "in.csv"
    extract.to_csv(src, index=False)
    pipeline = Pipeline(sharing_policy(k=3), stage="sharing", keyring=fixed_keyring())
    calls: list[int] = []
    original = Generalizer.apply_with_report

    def counted(self: Generalizer, values: object) -> object:
        calls.append(1)
        return original(self, values)

    monkeypatch.setattr(Generalizer, "apply_with_report", counted)
    replayed = pipeline.run_file(src, tmp_path / "a.csv", batch_rows=100)
    first = len(calls)
    monkeypatch.setattr(checks_module.SharingChecks, "replay", lambda self: None)
    again = pipeline.run_file(src, tmp_path / "b.csv", batch_rows=100)
    assert len(calls) - first > first  # without the replay the ops ran in both passes
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert replayed.fields == again.fields
