"""Properties of the SQL guard on arbitrary text: it never crashes and never lets garbage pass."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("sqlglot")

from medguard.audit.sql import DIALECTS, check, fingerprint, read_log

SQLISH = st.lists(
    st.sampled_from(
        [
            "SELECT",
            "FROM",
            "WHERE",
            "OR",
            "AND",
            "=",
            "1",
            "'a'",
            "(",
            ")",
            ";",
            "--",
            "/*",
            "*/",
            "*",
            "patients",
            "name",
            "UNION",
            "DELETE",
            "LIMIT",
            ",",
            "#",
            "\n",
            "DROP",
            "TABLE",
            "x",
        ]
    ),
    max_size=20,
).map(" ".join)


@given(text=st.text(max_size=200) | SQLISH, dialect=st.sampled_from(DIALECTS))
def test_check_never_raises(text: str, dialect: str) -> None:
    """Any text gives a list of findings (maybe empty), never an exception."""
    findings = check(text, dialect)
    assert isinstance(findings, list)
    for f in findings:
        assert 1 <= f.risk <= 16


@given(text=st.text(min_size=1, max_size=80).filter(lambda s: s.strip()))
def test_random_text_is_not_silently_passed(text: str) -> None:
    """Random non-SQL text either parses as SQL or is a parse-error; a pass is only for SQL."""
    findings = check(text, "mysql")
    if not findings:
        import sqlglot

        parsed = [e for e in sqlglot.parse(text, read="mysql") if e is not None]
        assert parsed or not text.strip(";").strip() or text.lstrip().startswith(("--", "#", "/*"))


@given(value=st.text(alphabet="0123456789abcdefXYZ张伟", min_size=6, max_size=18))
def test_fingerprint_ignores_literals(value: str) -> None:
    """The fingerprint of a statement does not depend on (nor reveal) its literal values."""
    text = f"SELECT name FROM patients WHERE id_no = '{value}'"
    assert fingerprint(text) == fingerprint("SELECT name FROM patients WHERE id_no = 'z'")
    assert value not in fingerprint(text)


@given(text=st.text(max_size=300))
def test_read_log_never_crashes_on_text(text: str) -> None:
    """A plain-text log always splits into entries whose SQL is non-empty."""
    if text.lstrip().startswith("{"):
        return
    for entry in read_log(text):
        assert entry.sql.strip()
        assert entry.line >= 1
