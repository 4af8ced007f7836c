"""Fixtures shared by the whole suite."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.support import shared_env
from tests.support.async_browser import session_chromium  # noqa: F401  (one Chromium per session)
from tests.support.services import Service, private_postgres, private_redis
from tests.support.stack import RunningAssistant, private_knowledge_env, running_assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    """The real assistant (Rasa server, action server, web service), started once per session
    with the shared test settings of ``tests/support/shared_env.py``, on copies of the knowledge
    base and its index (tests publish through the staff API: tests/staff/test_live_update.py)."""
    knowledge_env = private_knowledge_env(tmp_path_factory.mktemp("assistant-knowledge"))
    with running_assistant(tmp_path_factory.mktemp("assistant"), {**shared_env.ENV, **knowledge_env}) as running:
        yield running


@pytest.fixture(scope="session")
def redis_service() -> Iterator[Service]:
    """The session's one private redis-server (connector and cluster tests), or why there is none."""
    with private_redis() as service:
        yield service


@pytest.fixture(scope="session")
def postgres_service() -> Iterator[Service]:
    """The session's one private PostgreSQL cluster (submissions and cluster tests; each test
    creates its own database on it), or why there is none."""
    with private_postgres() as service:
        yield service
