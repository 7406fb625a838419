"""Tests that reading big files keeps memory bounded (no whole-file buffers)."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from medguard.detect.readers import read_table


def test_parquet_is_read_one_row_group_at_a_time(tmp_path):
    """Arrow memory while reading a 30-row-group Parquet file stays near one row group."""
    path = tmp_path / "big.parquet"
    rng = np.random.default_rng(0)
    group_rows, groups = 2_000, 30  # about 1 MB of incompressible text per row group
    with pq.ParquetWriter(path, pa.schema([("note", pa.string())])) as writer:
        for _ in range(groups):
            values = [bytes(row).hex() for row in rng.integers(0, 256, (group_rows, 256), "u1")]
            writer.write_table(pa.table({"note": values}), row_group_size=group_rows)
    before = pa.total_allocated_bytes()
    peak = rows = 0
    for _, columns in read_table(path, "parquet"):
        rows += len(columns["note"])
        peak = max(peak, pa.total_allocated_bytes() - before)
    assert rows == group_rows * groups
    assert peak < 8 * 2**20  # the whole file is 30 MB
