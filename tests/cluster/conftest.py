"""Real Redis, PostgreSQL and nginx for the several-instances test (``make cluster``).

Each is required by its ``REQUIRE_*`` variable (``REQUIRE_REDIS``, ``REQUIRE_POSTGRES``,
``REQUIRE_NGINX``; ``make test`` sets all three): when set, a missing one fails the test, otherwise
the test is skipped with the reason.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Iterator

import pytest

from launch.cluster import ENSURE_NGINX, find_nginx
from tests.submissions.postgres_cluster import PostgresCluster, PostgresUnavailable, ensure_installed
from tests.support.instance import free_port


def unavailable(what: str, variable: str, problem: str) -> None:
    """Fail when ``variable`` requires ``what``, else skip; either way with the reason."""
    if os.environ.get(variable, "") == "1":
        pytest.fail(f"{what} unavailable: {problem} ({variable}=1)", pytrace=False)
    pytest.skip(f"{what} unavailable: {problem} (set {variable}=1 to make this a failure)")


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A private redis-server on a free port, stopped afterwards."""
    binary = shutil.which("redis-server")
    if not binary:
        unavailable("Redis", "REQUIRE_REDIS", "redis-server not installed (scripts/ensure_system_packages.sh redis-server)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="redis-cluster-test-")
    process = subprocess.Popen(
        [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not _redis_answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                unavailable("Redis", "REQUIRE_REDIS", f"redis-server did not answer (exit code {process.poll()})")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresCluster]:
    cluster = None
    try:
        cluster = PostgresCluster(ensure_installed())
        cluster.start()
    except (PostgresUnavailable, OSError) as exc:
        if cluster is not None:
            cluster.stop()
        unavailable("PostgreSQL", "REQUIRE_POSTGRES", str(exc))
    assert cluster is not None
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def nginx() -> str:
    found = find_nginx()
    if found is None:
        unavailable("nginx", "REQUIRE_NGINX", f"not installed ({ENSURE_NGINX})")
    assert found is not None
    return found
