"""``print(risk_report(...))`` gives the metrics one per line, as ``to_frame`` has them."""

from __future__ import annotations

import pandas as pd

from medguard.privacy import risk_report


def test_str_has_every_metric_of_to_frame() -> None:
    df = pd.DataFrame(
        {
            "sex": ["男", "男", "女", "女"],
            "age": ["30", "30", "40", "41"],
            "pid": ["a", "a", "b", "c"],
        }
    )
    report = risk_report(df, ["sex", "age"], subject="pid")
    lines = str(report).splitlines()
    assert lines[0] == "re-identification risk on sex, age"
    table = report.to_frame()
    assert len(lines) == 1 + len(table)
    for line, (metric, value) in zip(lines[1:], table.itertuples(index=False), strict=True):
        assert line.split()[: len(metric.split())] == metric.split()
        assert line.rstrip().endswith(str(value))
    assert "k-anonymity (distinct subjects)  1" in str(report)
