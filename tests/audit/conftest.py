"""A fresh PostgreSQL database per audit test (the session's server is shared with others)."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def audit_pg_url(postgres_url: str) -> str:
    """The URL of a new, empty database on the test PostgreSQL server."""
    sa = pytest.importorskip("sqlalchemy")
    name = f"audit_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return postgres_url.replace("/postgres?", f"/{name}?", 1)
