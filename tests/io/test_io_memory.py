"""medguard.io reads files much larger than memory in bounded memory, and splits row groups."""

import json
import subprocess
import sys
import textwrap

import pytest

from medguard.io import limits, open_table

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

ROWS = 2_000_000

_MEASURE = textwrap.dedent(
    """
    import json, resource, sys, tracemalloc
    import pyarrow as pa
    from medguard.io import open_table
    path, mode = sys.argv[1], sys.argv[2]
    def peak():  # this process's peak (VmHWM): ru_maxrss keeps the parent's peak across exec
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    pool = pa.default_memory_pool()
    with open_table(path, batch_rows=32_768) as table:
        first = next(iter(table))
        before = peak()
        arrow_before = pool.bytes_allocated()
        tracemalloc.start()
        rows = first.num_rows
        if mode == "copy":
            from medguard.io import open_writer
            with open_writer(sys.argv[3], schema=table.schema) as out:
                out.write(first)
                for batch in table:
                    out.write(batch)
                    rows += batch.num_rows
        else:
            for batch in table:
                rows += batch.num_rows
    held = tracemalloc.get_traced_memory()[1] + pool.max_memory() - arrow_before
    print(json.dumps({"rows": rows, "held": held, "rss_growth": peak() - before}))
    """
)


def _big_csv(path):
    """A 2,000,000-row CSV of identifiers, names, numbers and dates, written in chunks."""
    row = "{i:07d},11010519491231{i4:04d},张三丰,13812345678,{age},{fee}.5,2025-01-03,心内科\n"
    with path.open("w", encoding="utf-8") as f:
        f.write("record,resident_id,name,mobile,age,fee,visit,department\n")
        for start in range(0, ROWS, 100_000):
            f.write(
                "".join(
                    row.format(i=i, i4=i % 10_000, age=i % 100, fee=i % 1000)
                    for i in range(start, start + 100_000)
                )
            )


def _measure(path, *extra):
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), *extra],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.csv"
    _big_csv(path)
    return path


def test_a_csv_ten_times_the_cap_streams_under_it(big_csv, tmp_path):
    """Reading a 2,000,000-row CSV (about 150 MB) and writing it to Parquet holds at most a
    tenth of the file's size at once (Python objects traced, plus Arrow's memory pool at its
    peak); the process's peak RSS grows by less than half the file's size."""
    cap = big_csv.stat().st_size // 10
    result = _measure(big_csv, "copy", str(tmp_path / "copy.parquet"))
    assert result["rows"] == ROWS
    assert result["held"] < cap, (result, cap)
    assert result["rss_growth"] < 5 * cap, (result, cap)  # allocators keep some freed memory


def test_a_parquet_file_ten_times_the_cap_streams_under_it(big_csv, tmp_path):
    """A 2,000,000-row Parquet file in one row group (its writer's choice) is read in batches
    holding at most a tenth of its data's decoded size at once."""
    path = tmp_path / "big.parquet"
    with open_table(big_csv) as table:
        data = table.read_all()
    pq.write_table(data, path, row_group_size=ROWS)
    assert pq.ParquetFile(path).metadata.num_row_groups == 1
    cap = data.nbytes // 10
    del data
    result = _measure(path, "read")
    assert result["rows"] == ROWS
    assert result["held"] < cap, (result, cap)
    assert result["rss_growth"] < 5 * cap, (result, cap)  # allocators keep some freed memory


def test_an_oversized_row_group_is_split(tmp_path, monkeypatch):
    """A row group larger than MAX_BATCH_BYTES is read in several batches under it."""
    path = tmp_path / "one_group.parquet"
    table = pa.table({"id": [f"{i:018d}" for i in range(20_000)], "n": list(range(20_000))})
    pq.write_table(table, path, row_group_size=20_000)
    monkeypatch.setattr(limits, "MAX_BATCH_BYTES", 50_000)
    with open_table(path) as reader:
        batches = list(reader)
    assert len(batches) > 4
    assert max(b.nbytes for b in batches) <= 2 * 50_000
    assert pa.Table.from_batches(batches).equals(table)


def test_batch_rows_bounds_every_batch(tmp_path):
    """No batch holds more than batch_rows rows, in any format."""
    table = pa.table({"id": [f"{i:05d}" for i in range(1000)], "n": list(range(1000))})
    for suffix in ("csv", "parquet", "jsonl"):
        path = tmp_path / f"t.{suffix}"
        from medguard.io import open_writer

        with open_writer(path, schema=table.schema) as out:
            out.write(table)
        with open_table(path, batch_rows=300) as reader:
            sizes = [b.num_rows for b in reader]
        assert sum(sizes) == 1000
        assert max(sizes) <= 300, suffix
