"""Tests for JSON Lines: nested records, numbers, and lines that are not objects."""

import json

from medguard.detect import scan_file


def test_jsonl_with_nested_records_numbers_and_bare_values(tmp_path):
    """Nested objects, integer phones, lists and bare values on some lines are all classified."""
    path = tmp_path / "mixed.jsonl"
    lines = [{"patient": {"姓名": "张伟", "phone": 13812345678}, "tags": ["复诊", 3]}] * 30
    lines += [3.5, "13912345678", None, [1, 2]]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), "utf-8")
    got = {c.column: c.entity_type for c in scan_file(path, full=True).columns}
    assert got["patient.姓名"] == "PERSON"
    assert got["patient.phone"] == "PHONE_NUMBER"
    assert got["value"] == "PHONE_NUMBER"  # one phone among bare values, full mode
    assert "tags[]" in got  # every item of an array, in one column for its path
    assert "value[]" in got  # a line holding an array: read too
