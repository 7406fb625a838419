"""medguard.io writers: the whole file or nothing, whatever stops the run."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from medguard.errors import InvalidArgument, UnsupportedColumn
from medguard.io import open_writer

pa = pytest.importorskip("pyarrow")

_BATCH = pa.record_batch({"id": ["0012", "0013"], "n": [1, 2]})


@pytest.mark.parametrize("suffix", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_an_exception_midway_leaves_nothing(tmp_path, suffix, error):
    """An exception (a KeyboardInterrupt too) after some batches leaves no file at all."""
    path = tmp_path / f"out.{suffix}"

    def run() -> None:
        with open_writer(path, schema=_BATCH.schema) as out:
            out.write(_BATCH)
            out.write(_BATCH)
            raise error

    with pytest.raises(error):
        run()
    assert list(tmp_path.iterdir()) == []


def test_nothing_is_at_the_destination_before_the_commit(tmp_path):
    """While batches are written the destination does not exist; after the commit it is whole."""
    path = tmp_path / "out.csv"
    with open_writer(path, schema=_BATCH.schema) as out:
        out.write(_BATCH)
        assert not path.exists()
    assert path.read_text("utf-8").splitlines() == ['"id","n"', '"0012",1', '"0013",2']
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_an_existing_file_is_refused_unless_overwrite(tmp_path):
    """open_writer refuses an existing destination; overwrite=True replaces it whole."""
    path = tmp_path / "out.jsonl"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(InvalidArgument, match="overwrite=True"):
        open_writer(path, schema=_BATCH.schema)
    with open_writer(path, schema=_BATCH.schema, overwrite=True) as out:
        out.write(_BATCH)
    assert path.read_text("utf-8") == '{"id": "0012", "n": 1}\n{"id": "0013", "n": 2}\n'


def test_a_file_appearing_meanwhile_is_not_overwritten(tmp_path):
    """Without overwrite the commit links the file into place, never replacing one that
    another process created during the run."""
    path = tmp_path / "out.csv"
    out = open_writer(path, schema=_BATCH.schema)
    out.write(_BATCH)
    path.write_text("theirs", encoding="utf-8")
    with pytest.raises(InvalidArgument, match="appeared"):
        out.commit()
    assert path.read_text("utf-8") == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_process_killed_mid_write_leaves_no_file_at_the_destination(tmp_path):
    """SIGKILL while batches are being written: nothing under the destination's name."""
    path = tmp_path / "out.parquet"
    ready = tmp_path / "ready"
    script = textwrap.dedent(
        f"""
        import time, pyarrow as pa
        from pathlib import Path
        from medguard.io import open_writer
        batch = pa.record_batch({{"id": ["0012"] * 1000}})
        with open_writer({str(path)!r}, schema=batch.schema) as out:
            for i in range(10_000_000):
                out.write(batch)
                if i == 10:
                    Path({str(ready)!r}).write_text("1")
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        for _ in range(600):
            if ready.exists() or child.poll() is not None:
                break
            time.sleep(0.05)  # polling for the child, not timing anything
        assert ready.exists(), "the writer never started"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert not path.exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "ready"]
    assert all(name.startswith(".out.parquet.") for name in leftovers)


def test_batches_must_match_the_schema(tmp_path):
    """A batch with other columns is refused naming them; castable types are cast."""
    path = tmp_path / "out.parquet"
    with pytest.raises(UnsupportedColumn), open_writer(path, schema=_BATCH.schema) as out:
        out.write(pa.record_batch({"other": [1]}))
    assert not path.exists()
    with open_writer(path, schema=_BATCH.schema) as out:
        out.write(pa.record_batch({"id": ["1"], "n": pa.array([1], pa.int32())}))
    assert out.rows == 1


def test_csv_refuses_nested_columns_and_bad_options(tmp_path):
    """CSV holds no lists; the format comes from the suffix or format=; encodings are checked."""
    nested = pa.schema([pa.field("codes", pa.list_(pa.string()))])
    with pytest.raises(UnsupportedColumn, match="nested"):
        open_writer(tmp_path / "n.csv", schema=nested)
    with pytest.raises(InvalidArgument, match="format"):
        open_writer(tmp_path / "n.xyz", schema=_BATCH.schema)
    with pytest.raises(InvalidArgument, match="encoding"):
        open_writer(tmp_path / "n.csv", schema=_BATCH.schema, encoding="latin-1")
    assert list(tmp_path.iterdir()) == []


def test_a_header_only_file_for_no_batches(tmp_path):
    """A run writing no rows still commits a valid file with the columns."""
    path = tmp_path / "empty.csv"
    with open_writer(path, schema=_BATCH.schema):
        pass
    assert path.read_text("utf-8") == '"id","n"\n'
