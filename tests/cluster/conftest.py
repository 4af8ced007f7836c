"""Real Redis, PostgreSQL and nginx for the several-instances test (``make cluster``).

Redis and PostgreSQL are the session's private servers (``tests/support/services.py``), with a
Redis database and PostgreSQL databases of this module's own. Each is required by its
``REQUIRE_*`` variable (``REQUIRE_REDIS``, ``REQUIRE_POSTGRES``, ``REQUIRE_NGINX``; ``make test``
sets all three): when set, a missing one fails the test, otherwise the test is skipped with the
reason.
"""
from __future__ import annotations

import pytest

from launch.cluster import ENSURE_NGINX, find_nginx
from tests.submissions.postgres_cluster import PostgresCluster
from tests.support.services import Service, unavailable

CLUSTER_REDIS_DATABASE = 2  # the connector tests use 0 and 1 of the same server


@pytest.fixture(scope="module")
def redis_url(redis_service: Service) -> str:
    if redis_service.problem:
        unavailable("Redis", "REQUIRE_REDIS", redis_service.problem)
    return f"{redis_service.redis_url.rsplit('/', 1)[0]}/{CLUSTER_REDIS_DATABASE}"


@pytest.fixture(scope="module")
def postgres(postgres_service: Service) -> PostgresCluster:
    if postgres_service.postgres is None:
        unavailable("PostgreSQL", "REQUIRE_POSTGRES", postgres_service.problem)
    return postgres_service.postgres


@pytest.fixture(scope="module")
def nginx() -> str:
    found = find_nginx()
    if found is None:
        unavailable("nginx", "REQUIRE_NGINX", f"not installed ({ENSURE_NGINX})")
    assert found is not None
    return found
