"""Fixtures for the submissions tests: temporary settings, a fake clock, SQLite and PostgreSQL stores.

Every test gets its own ``DATA_DIR`` and SQLite ``DATABASE_URL`` under pytest's tmp_path, so the
real ``var/`` is never touched. PostgreSQL tests run on the session's private server
(tests/support/services.py, postgres_cluster.py); each test gets a fresh database. With
``REQUIRE_POSTGRES=1`` a missing or broken PostgreSQL fails those tests; otherwise they are
skipped with the reason.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest

from core.settings import load_settings
from submission_samples import FakeClock
from submissions import SubmissionStore
from tests.submissions.postgres_cluster import PostgresCluster
from tests.support.services import Service, unavailable


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data_dir / 'assistant.db'}")
    monkeypatch.delenv("DATA_KEY", raising=False)
    return data_dir


@pytest.fixture(scope="session")
def postgres_cluster(postgres_service: Service) -> PostgresCluster:
    """The session's private PostgreSQL server (shared with the cluster test)."""
    if postgres_service.postgres is None:
        unavailable("PostgreSQL", "REQUIRE_POSTGRES", postgres_service.problem)
    return postgres_service.postgres


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """DATABASE_URL for this test (also set in the environment, for subprocesses)."""
    if backend == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database()
        monkeypatch.setenv("DATABASE_URL", url)
        return url
    return os.environ["DATABASE_URL"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2025, 3, 1, 2, 0, tzinfo=timezone.utc))


@pytest.fixture
def make_store(database_url: str, clock: FakeClock) -> Iterator[Callable[..., SubmissionStore]]:
    """Build stores on this test's database (several stores = several engines/connections)."""
    stores: list[SubmissionStore] = []

    def build(**options: object) -> SubmissionStore:
        options.setdefault("clock", clock)
        store = SubmissionStore.from_settings(load_settings(), **options)
        stores.append(store)
        return store

    yield build
    for store in stores:
        store.close()


@pytest.fixture
def store(make_store: Callable[..., SubmissionStore]) -> SubmissionStore:
    return make_store()
