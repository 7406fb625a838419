"""The subject-key store on a real PostgreSQL server (the ``postgres_url`` fixture)."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from pathlib import Path

import pytest

from medguard.errors import KeyDestroyed
from medguard.keys import EnvKeyProvider, Keyring, KeyStatus
from medguard.ops.encryption import decrypt, encrypt, rewrap, try_decrypt

pytestmark = pytest.mark.postgres


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> EnvKeyProvider:
    """An environment wrapping key."""
    monkeypatch.setenv("MG_PG_TEST_KEY", "C" * 43 + "=")
    return EnvKeyProvider("MG_PG_TEST_KEY")


def _subjects(n: int) -> list[str]:
    tag = uuid.uuid4().hex[:8]  # the server is shared by the session: fresh subjects per test
    return [f"{tag}-{i}" for i in range(n)]


def test_postgres_store_life_cycle(
    tmp_path: Path, postgres_url: str, provider: EnvKeyProvider
) -> None:
    """Create (in bulk), find, rotate, rewrap, grace, cancel and destroy through PostgreSQL."""
    ring = Keyring.create(tmp_path / "pg.keyring", provider, subject_store=postgres_url)
    assert "postgresql" in ring.subject_store
    patients = _subjects(600)
    values = [f"v{i}" for i in range(600)]
    column = encrypt(values, ring, field="dx", subject=patients)
    other = Keyring.open(tmp_path / "pg.keyring", provider)
    assert decrypt(column, other, field="dx") == values
    assert other.find_subject_key(patients[0]) == ring.find_subject_key(patients[0])
    ring.rotate_subject(patients[1])
    moved = rewrap(column[:2], ring, field="dx")
    assert (moved.rewrapped, moved.unchanged) == (1, 1)
    assert ring.destroy_subject(patients[2], grace=dt.timedelta(days=1)).status is (
        KeyStatus.PENDING_DESTRUCTION
    )
    ring.cancel_destruction(patients[2])
    ring.destroy_subject(patients[3])
    other.reload()
    report = try_decrypt(column[:5], other, field="dx")
    assert [f.row for f in report.failures] == [3]
    assert isinstance(report.failures[0].error, KeyDestroyed)


def test_postgres_racing_threads_give_one_key_per_subject(
    tmp_path: Path, postgres_url: str, provider: EnvKeyProvider
) -> None:
    """Threads with their own handles creating the same subjects agree on one key each."""
    Keyring.create(tmp_path / "pg.keyring", provider, subject_store=postgres_url)
    patients = _subjects(200)
    seen: dict[int, list[str]] = {}

    def work(n: int) -> None:
        ring = Keyring.open(tmp_path / "pg.keyring", provider)
        order = patients[n * 50 :] + patients[: n * 50]
        infos = ring.subject_keys(order)
        seen[n] = [i.key_id for i in sorted(infos, key=lambda i: str(i.subject))]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 4
    assert seen[0] == seen[1] == seen[2] == seen[3]


def test_postgres_columns_of_new_and_known_subjects(
    tmp_path: Path, postgres_url: str, provider: EnvKeyProvider
) -> None:
    """Through PostgreSQL (nine-value inserts, IN-list look-ups): a mostly new column with
    some known subjects keeps the known keys, and everything decrypts through another
    handle; duplicate subjects in one look-up give one row each."""
    ring = Keyring.create(tmp_path / "pg.keyring", provider, subject_store=postgres_url)
    patients = _subjects(700)
    old = encrypt(["old"] * 40, ring, field="dx", subject=patients[:40])
    values = [f"v{i}" for i in range(700)]
    column = encrypt(values, Keyring.open(tmp_path / "pg.keyring", provider), field="dx",
                     subject=patients)  # fmt: skip
    other = Keyring.open(tmp_path / "pg.keyring", provider)
    assert decrypt(column, other, field="dx") == values
    assert decrypt(old, other, field="dx") == ["old"] * 40
    assert [c.split(".")[2] for c in column[:40]] == [c.split(".")[2] for c in old]
    again = encrypt(values, other, field="dx", subject=patients[::-1][:350] * 2)
    assert decrypt(again, ring, field="dx") == values
