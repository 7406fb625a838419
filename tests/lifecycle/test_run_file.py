"""Pipeline.run_file: streamed files give the frames' output, written whole or not at all."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from medguard.demo.sharing import sharing_extract, sharing_policy
from medguard.errors import InvalidArgument, UnreadableInput
from medguard.keys import Keyring
from medguard.lifecycle import Pipeline, Policy
from medguard.lifecycle.checks import CheckFailed
from medguard.lifecycle.stream import read_batches


@pytest.fixture(scope="module")
def ring() -> Keyring:
    return Keyring.generate()


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    return sharing_extract(300)


def _read(path: Path) -> pd.DataFrame:
    batches = list(read_batches(path))
    return pa.Table.from_batches(batches).to_pandas()


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    left = a.astype(object).where(a.notna(), None).reset_index(drop=True)
    right = b.astype(object).where(b.notna(), None).reset_index(drop=True)
    assert left.to_dict("records") == right.to_dict("records")


def _write(frame: pd.DataFrame, path: Path, encoding: str = "utf-8") -> None:
    fmt = path.suffix
    if fmt == ".parquet":
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    elif fmt == ".jsonl":
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in frame.to_dict("records")),
            encoding="utf-8",
        )
    else:
        frame.to_csv(path, index=False, sep="\t" if fmt == ".tsv" else ",", encoding=encoding)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl"])
def test_pandas_arrow_and_streamed_file_agree(
    tmp_path: Path, ring: Keyring, extract: pd.DataFrame, suffix: str
) -> None:
    """The same sharing run (checks included) on pandas, pyarrow and a streamed file agree."""
    pipeline = Pipeline(sharing_policy(), stage="sharing", keyring=ring, recipient="cdc")
    by_pandas = pipeline.run(extract).frame
    by_arrow = pipeline.run(pa.Table.from_pandas(extract, preserve_index=False)).frame
    _same(by_pandas, by_arrow.to_pandas())
    src, dst = tmp_path / f"in{suffix}", tmp_path / f"out{suffix}"
    _write(extract, src)
    summary = pipeline.run_file(src, dst, batch_rows=50)  # several batches
    _same(by_pandas, _read(dst))
    assert summary.rows_in == len(extract)
    assert summary.rows_out == len(by_pandas)
    assert summary.k is not None
    assert summary.k >= 3


def test_gb18030_csv_reads_like_utf8(tmp_path: Path, ring: Keyring, extract: pd.DataFrame) -> None:
    """A GB18030 (GBK) CSV gives the same output as its UTF-8 twin."""
    pipeline = Pipeline(sharing_policy(), stage="sharing", keyring=ring, recipient="cdc")
    _write(extract, tmp_path / "utf8.csv")
    _write(extract, tmp_path / "gbk.csv", encoding="gb18030")
    pipeline.run_file(tmp_path / "utf8.csv", tmp_path / "a.csv")
    pipeline.run_file(tmp_path / "gbk.csv", tmp_path / "b.csv")
    _same(_read(tmp_path / "a.csv"), _read(tmp_path / "b.csv"))


def test_output_format_can_differ(tmp_path: Path, ring: Keyring, extract: pd.DataFrame) -> None:
    """CSV in, Parquet out (chosen by format= or the output's suffix)."""
    pipeline = Pipeline(sharing_policy(), stage="sharing", keyring=ring)
    _write(extract, tmp_path / "in.csv")
    pipeline.run_file(tmp_path / "in.csv", tmp_path / "out.parquet")
    pipeline.run_file(tmp_path / "in.csv", tmp_path / "out.data", format="jsonl")
    _same(_read(tmp_path / "out.parquet"), _read_jsonl(tmp_path / "out.data"))


def _read_jsonl(path: Path) -> pd.DataFrame:
    return pa.Table.from_batches(list(read_batches(path, format="jsonl"))).to_pandas()


def _left(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_interrupted_run_leaves_nothing(
    tmp_path: Path, ring: Keyring, extract: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interruption mid-stream leaves no output and no temporary file."""
    from medguard.lifecycle import stream

    src = tmp_path / "in.csv"
    _write(extract, src)
    calls = []
    original = stream._Writer.write

    def write(self: Any, batch: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        original(self, batch)

    monkeypatch.setattr(stream._Writer, "write", write)
    pipeline = Pipeline(sharing_policy(), stage="sharing", keyring=ring)
    with pytest.raises(KeyboardInterrupt):
        pipeline.run_file(src, tmp_path / "out.csv", batch_rows=20)
    assert _left(tmp_path) == ["in.csv"]


def test_refused_run_leaves_the_old_output(
    tmp_path: Path, ring: Keyring, extract: pd.DataFrame
) -> None:
    """A refused run writes nothing: an existing output stays as it was."""
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    _write(extract, src)
    dst.write_text("old\n", encoding="utf-8")
    pipeline = Pipeline(sharing_policy(k=1000), stage="sharing", keyring=ring)
    with pytest.raises(CheckFailed, match="k=1000"):
        pipeline.run_file(src, dst)
    assert dst.read_text(encoding="utf-8") == "old\n"
    assert _left(tmp_path) == ["in.csv", "out.csv"]


def test_empty_input_gives_the_output_columns(tmp_path: Path, ring: Keyring) -> None:
    """A header-only CSV gives a header-only output with the plan's columns."""
    name = {"category": "personal_attribute", "level": 4, "kind": "name", "sharing": {"op": "drop"}}
    policy = Policy.from_dict(
        {"medguard_policy": 1, "dataset": "d", "undeclared": "keep", "fields": {"name": name}}
    )
    (tmp_path / "in.csv").write_text("name,dept\n", encoding="utf-8")
    summary = Pipeline(policy, stage="sharing").run_file(tmp_path / "in.csv", tmp_path / "o.csv")
    assert (tmp_path / "o.csv").read_text(encoding="utf-8").strip() == '"dept"'
    assert summary.rows_in == summary.rows_out == 0


def test_bad_inputs_are_named(tmp_path: Path, ring: Keyring) -> None:
    """Unknown formats, missing files and the input as output are refused with a message."""
    pipeline = Pipeline(sharing_policy(), stage="sharing", keyring=ring)
    (tmp_path / "in.xyz").write_text("a\n", encoding="utf-8")
    with pytest.raises(InvalidArgument, match="format"):
        pipeline.run_file(tmp_path / "in.xyz", tmp_path / "out.csv")
    with pytest.raises(UnreadableInput):
        pipeline.run_file(tmp_path / "missing.csv", tmp_path / "out.csv")
    (tmp_path / "in.csv").write_text("a\n", encoding="utf-8")
    with pytest.raises(InvalidArgument, match="input"):
        pipeline.run_file(tmp_path / "in.csv", tmp_path / "in.csv")


def test_summary_renders_and_is_audited(
    tmp_path: Path, ring: Keyring, extract: pd.DataFrame
) -> None:
    """The summary prints as a table and HTML; the audit record holds fingerprints, no value."""
    records: list[tuple[str, dict[str, Any]]] = []

    class Sink:
        def append(self, action: str, /, **fields: Any) -> None:
            records.append((action, fields))

    src = tmp_path / "in.csv"
    _write(extract, src)
    pipeline = Pipeline(sharing_policy(), stage="sharing", keyring=ring, recipient="cdc",
                        audit=Sink())  # fmt: skip
    summary = pipeline.run_file(src, tmp_path / "out.csv")
    text = str(summary)
    assert "k (distinct subjects)" in text
    assert "resident_id" in text
    assert summary._repr_html_().startswith("<div><table>")
    [(action, fields)] = records
    assert action == "policy.run"
    assert len(fields["input_sha256"]) == len(fields["output_sha256"]) == 64
    assert len(fields["policy_sha256"]) == 64
    assert fields["recipient"] == "cdc"
    assert fields["key_ids"] == [ring.primary.key_id]
    dump = repr(fields)
    for value in extract["resident_id"].head(20):
        assert value not in dump


_CHILD = textwrap.dedent(
    """
    import resource, sys
    from medguard.lifecycle import Pipeline, Policy
    policy = Policy.from_dict({"medguard_policy": 1, "dataset": "big", "undeclared": "keep",
        "fields": {"mobile": {"category": "personal_attribute", "level": 4, "kind": "phone",
                              "sharing": {"op": "mask", "kind": "phone"}}}})
    pipeline = Pipeline(policy, stage="sharing")
    pipeline.run_file(sys.argv[1], sys.argv[3], batch_rows=2000)  # warm up: imports, caches
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pipeline.run_file(sys.argv[2], sys.argv[3], batch_rows=2000)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print((after - before) * 1024)
    """
)


@pytest.mark.slow
def test_file_ten_times_the_memory_cap_streams_under_it(tmp_path: Path) -> None:
    """A file ten times larger than the cap grows the process's peak memory by less than the cap."""
    rows = 20_000
    batch = pa.table(
        {
            "mobile": [f"138{i % 100_000_000:08d}" for i in range(rows)],
            "dept": ["内科" * 10] * rows,
            "note": ["患者因头痛三天就诊，嘱复查。" * 6] * rows,
        }
    )
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    import pyarrow.csv as pc

    pc.write_csv(batch.slice(0, 5000), small)
    with pc.CSVWriter(big, batch.schema) as writer:
        for _ in range(20):
            writer.write_table(batch)
    size = big.stat().st_size
    cap = size // 10
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(small), str(big), str(tmp_path / "out.csv")],
        capture_output=True,
        text=True,
        check=True,
    )
    growth = int(out.stdout.strip().splitlines()[-1])
    assert size > 100 * 2**20
    assert growth < cap, (growth, cap)
