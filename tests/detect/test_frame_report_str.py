"""``print(scan_frame(df))`` reads as a table with masked samples, never raw values."""

from __future__ import annotations

import pandas as pd

from medguard.detect import scan_frame


def test_str_lists_each_type_with_masked_samples() -> None:
    frame = pd.DataFrame(
        {
            "姓名": ["张伟", "王芳", "李娜"],
            "身份证号": ["11010519491231002X", "110105194912310021", "11010519491231002X"],
            "科室": ["内科", "外科", "儿科"],
        }
    )
    text = str(scan_frame(frame))
    first, *rows = text.splitlines()
    assert first == "3 rows, 3 columns: 2 hold personal data:"
    assert any(r.split()[:2] == ["身份证号", "CN_RESIDENT_ID"] for r in rows)
    assert "11010519491231002X" not in text  # samples are masked
    assert "张伟" not in text
    assert "科室" not in text  # a column without personal data is counted, not listed


def test_str_of_a_clean_table() -> None:
    assert str(scan_frame(pd.DataFrame({"a": [1, 2]}))) == "2 rows, 1 columns: 0 hold personal data"
